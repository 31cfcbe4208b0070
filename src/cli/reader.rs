//! `kafedra reader add|find`, and how a refused registration reads.

use kafedra_core::domain::reader::{Channel, ReaderDraft};
use kafedra_core::services::{Context, Error, Store, readers};

use super::args::{AddArgs, ChannelArg, ReaderCommand};
use super::{Failure, Outcome};

pub(super) fn run(command: ReaderCommand, store: &mut Store, ctx: &Context) -> Outcome {
    match command {
        ReaderCommand::Add(a) => add(a, store, ctx),
        ReaderCommand::Find { query } => find(&query, store, ctx),
    }
}

fn add(a: AddArgs, store: &mut Store, ctx: &Context) -> Outcome {
    let draft = ReaderDraft {
        surname: a.surname,
        name: a.name,
        patronymic: a.patronymic,
        birth_date: a.birth_date,
        card: a.card,
        email: a.email,
        phone: a.phone,
        channel: match a.channel {
            ChannelArg::Desk => Channel::Desk,
            ChannelArg::Email => Channel::Email,
            ChannelArg::Web => Channel::Web,
            ChannelArg::Qr => Channel::Qr,
        },
        consent: a.consent,
        representative: a.representative,
    };
    let r = readers::register(store, ctx, &draft, a.allow_duplicate)?;
    println!(
        "Зарегистрирован(а): {}, д. р. {}, билет № {}",
        r.full_name(),
        r.birth_date.format("%d.%m.%Y"),
        r.card
    );
    Ok(())
}

/// Personal data in bulk: journaled, with the query.
fn find(query: &str, store: &mut Store, ctx: &Context) -> Outcome {
    let found = readers::list(store, ctx, query)?;
    let hits = found.hits;
    if let Some(switched) = &found.switched {
        eprintln!("Раскладка: показаны результаты для «{switched}».");
    }
    if hits.is_empty() {
        return Err(Failure::refused(format!(
            "Никого не нашлось по запросу «{query}»."
        )));
    }
    for h in hits {
        println!(
            "{}\t{}\t{}\t{}",
            h.card,
            h.full_name,
            h.birth_date.format("%d.%m.%Y"),
            h.login.as_deref().unwrap_or("—")
        );
    }
    Ok(())
}

/// A service error as the command line prints it: a refused registration
/// lists every problem, or every possible duplicate with what to do.
pub(super) fn describe(e: &Error) -> String {
    match e {
        Error::Invalid(errors) => {
            let mut m = String::from("Читатель не сохранён:");
            for err in errors {
                m.push_str("\n  - ");
                m.push_str(&err.message);
            }
            m
        }
        Error::PossibleDuplicates(dups) => {
            let mut m = String::from("Читатель не сохранён: возможно, он уже зарегистрирован.");
            for d in dups {
                let reasons: Vec<&str> = d.reasons.iter().map(|r| r.label()).collect();
                m.push_str(&format!(
                    "\n  - {}, д. р. {}, билет № {} ({})",
                    d.reader.full_name,
                    d.reader.birth_date.format("%d.%m.%Y"),
                    d.reader.card,
                    reasons.join(", ")
                ));
            }
            m.push_str("\nЕсли это другой человек, повторите команду с --allow-duplicate.");
            m
        }
        other => other.to_string(),
    }
}
