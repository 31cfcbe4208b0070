//! `kafedra requests` and `kafedra decide`: readers' book requests.

use kafedra_core::domain::records::RequestId;
use kafedra_core::domain::request::{Decision, RefusalReason};
use kafedra_core::services::{Context, Store, requests};

use super::Outcome;
use super::args::DecisionArg;

pub(super) fn list(all: bool, store: &Store) -> Outcome {
    let list = if all {
        requests::all(store)?
    } else {
        requests::pending(store)?
    };
    if list.is_empty() {
        println!("Запросов нет. Синхронизируйте: kafedra sync");
    }
    for r in list {
        println!(
            "{}\t{}\t{} — {}\t{}\t{}",
            r.id,
            r.reader_name.as_deref().unwrap_or(&r.lib_card),
            r.authors,
            r.title,
            r.status.label_ru(),
            r.local_decision
                .map(|d| format!("решение: {}, ждёт отправки", d.short_label()))
                .unwrap_or_default()
        );
    }
    Ok(())
}

pub(super) fn decide(
    request: &str,
    decision: DecisionArg,
    reason: RefusalReason,
    text: String,
    store: &mut Store,
    ctx: &Context,
) -> Outcome {
    let d = match decision {
        DecisionArg::Issue => Decision::Issue,
        DecisionArg::Buy => Decision::Buy,
        DecisionArg::Refuse => Decision::Refuse { reason, text },
        DecisionArg::Cancel => Decision::Cancel { comment: text },
    };
    requests::decide(store, ctx, &RequestId::from(request), &d, &[])?;
    println!(
        "Решение «{}» записано и ждёт отправки в ЭБС (kafedra sync).",
        d.label()
    );
    Ok(())
}
