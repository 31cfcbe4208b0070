//! `kafedra requests`, `kafedra decide` and `kafedra link-card`: readers'
//! book requests, the queue in the library's order, decisions.

use chrono::Utc;
use kafedra_core::domain::records::RequestId;
use kafedra_core::domain::request::{Decision, RefusalReason};
use kafedra_core::domain::rules::Rule;
use kafedra_core::services::{Context, Store, readers, requests};

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

/// The pending queue in priority order, one JSON object per line.
pub(super) fn queue_json(store: &Store) -> Outcome {
    let queue = requests::queue(store, Utc::now())?;
    let mut out = std::io::stdout().lock();
    for e in &queue.entries {
        use std::io::Write;
        let json = requests::json_line(e);
        if writeln!(out, "{json}").is_err() {
            // The reader of the pipe went away (`| head`): stop quietly.
            break;
        }
    }
    Ok(())
}

pub(super) fn decide(
    request: &str,
    decision: DecisionArg,
    reason: RefusalReason,
    text: String,
    overrides: &[Rule],
    store: &mut Store,
    ctx: &Context,
) -> Outcome {
    let id = RequestId::from(request);
    let d = match decision {
        DecisionArg::Issue => Decision::Issue,
        DecisionArg::Buy => Decision::Buy,
        DecisionArg::Refuse if text.trim().is_empty() => {
            // The library's own text for the reason, filled in for this reader.
            let entry = requests::entry(store, &id, Utc::now())?;
            let policy = requests::policy(store)?;
            let text = requests::refusal_text(&policy, &entry, reason);
            println!("Текст для читателя: {text}");
            Decision::Refuse { reason, text }
        }
        DecisionArg::Refuse => Decision::Refuse { reason, text },
        DecisionArg::Cancel => Decision::Cancel { comment: text },
    };
    requests::decide(store, ctx, &id, &d, overrides)?;
    if !overrides.is_empty() {
        println!("Решение принято вопреки правилам — это записано в журнал.");
    }
    println!(
        "Решение «{}» записано и ждёт отправки в ЭБС (kafedra sync).",
        d.label()
    );
    Ok(())
}

/// Ties a provider card to the reader with this library card.
pub(super) fn link_card(
    lib_card: &str,
    reader_card: &str,
    store: &mut Store,
    ctx: &Context,
) -> Outcome {
    let reader = readers::find_by_card(store, reader_card)?;
    requests::link(store, ctx, lib_card, reader.id)?;
    println!(
        "Карта ЭБС {lib_card} связана с читателем {} (билет № {}).",
        reader.full_name(),
        reader.card
    );
    Ok(())
}
