//! Lending from the reader's card: issue a book from the fund without a
//! request, the reader's own lending settings, and the reader's
//! «Книгооборот» (every request, issue, refusal, purchase and loan, from the
//! provider's data and the journal merged).

use std::collections::BTreeSet;

use chrono::{DateTime, Local, Utc};
use serde::Serialize;

use super::{Context, Error, PROVIDER, Result, Store};
use crate::domain::event::EventKind;
use crate::domain::ids::ReaderId;
use crate::domain::records::JournalEntry;
use crate::domain::request::{BookRequest, Buyer, DecisionKind, RequestStatus};
use crate::domain::rules::{self, BookFacts, FundFacts, Limits, ReaderFacts, Rule, Verdict};
use crate::domain::text::{money, normalize};
use crate::provider::api::{Money, ReaderSettings};
use crate::provider::sync::DirectIssuePayload;
use crate::store::{FundTitle, Lending};

/// The longest loan a reader's settings may set, in days.
pub const MAX_LOAN_DAYS: u32 = 60;
/// The most books a month under a reader's own allowance.
pub const MAX_SELF_PURCHASES: u32 = 100;
/// The highest personal price cap, in kopecks (100 000 ₽).
pub const MAX_SELF_CAP: i64 = 10_000_000;
/// How many entries «Книгооборот» shows at most.
pub const HISTORY_LIMIT: usize = 1000;

/// One line of «Книгооборот».
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryItem {
    pub at: Option<DateTime<Utc>>,
    /// «Запрос», «Выдача», «Отказ», «Отмена», «Покупка библиотекой»…
    pub what: String,
    pub title: String,
    /// The refusal text, the due date, who decided…
    pub detail: String,
    /// From the journal of this desk (else from the provider's data).
    pub from_journal: bool,
}

/// The reader's settings as they stand (`None`: the library's default).
pub fn settings_of(store: &Store, reader: ReaderId) -> Result<Lending> {
    Ok(store.reader_lending(reader)?.unwrap_or_default())
}

/// Checks a reader's settings; one Russian sentence per problem.
pub fn lending_problems(l: &Lending) -> Vec<String> {
    let mut out = Vec::new();
    if l.loan_days
        .is_some_and(|d| !(1..=MAX_LOAN_DAYS).contains(&d))
    {
        out.push(format!(
            "Срок выдачи — от 1 до {MAX_LOAN_DAYS} дней (или оставьте пустым: срок библиотеки)."
        ));
    }
    if l.self_price_cap
        .is_some_and(|c| !(0..=MAX_SELF_CAP).contains(&c))
    {
        out.push(format!(
            "Личный предел цены — от 0 до {}.",
            money(MAX_SELF_CAP)
        ));
    }
    if l.self_purchases.is_some_and(|n| n > MAX_SELF_PURCHASES) {
        out.push(format!(
            "Книг по личному лимиту — не больше {MAX_SELF_PURCHASES} в месяц."
        ));
    }
    out
}

fn describe(l: &Lending) -> String {
    let days = l.loan_days.map_or(
        "срок выдачи библиотеки".to_string(),
        |d| format!("срок выдачи {d} дн."),
    );
    let cap = l.self_price_cap.map_or(
        "без личного предела цены".to_string(),
        |c| format!("личный предел цены {}", money(c)),
    );
    let n = l.self_purchases.map_or(
        "без личного лимита книг".to_string(),
        |n| format!("книг в месяц: {n}"),
    );
    format!("{days}; {cap}; {n}")
}

/// Changes a reader's own settings: saved, queued for the provider and
/// journaled in one transaction. The reader needs a provider card.
pub fn set_settings(
    store: &mut Store,
    ctx: &Context,
    reader: ReaderId,
    lending: &Lending,
) -> Result<()> {
    let problems = lending_problems(lending);
    if !problems.is_empty() {
        return Err(Error::BadLending(problems.join(" ")));
    }
    if store.reader(reader)?.is_none() {
        return Err(Error::ReaderNotFound);
    }
    let lib_card = store
        .reader_current_card(PROVIDER, reader)?
        .ok_or(Error::NoProviderCard)?;
    let payload = ReaderSettings {
        lib_card,
        loan_days: lending.loan_days,
        self_price_cap: lending.self_price_cap.map(Money),
        self_purchases: lending.self_purchases,
    };
    let payload = serde_json::to_string(&payload).unwrap_or_default();
    store.set_reader_lending(reader, lending, &payload, &describe(lending), &ctx.actor)?;
    Ok(())
}

/// The reader's direct issues and settings still waiting to be sent to the
/// provider, described for the reader's card.
pub fn waiting(store: &Store, reader: ReaderId) -> Result<Vec<String>> {
    Ok(store
        .reader_writes_waiting(reader)?
        .into_iter()
        .map(|(kind, payload, at)| {
            let when = at.with_timezone(&Local).format("%d.%m %H:%M");
            match kind {
                crate::domain::request::OutboxKind::IssueDirect => {
                    let title = serde_json::from_str::<DirectIssuePayload>(&payload)
                        .map(|p| p.title)
                        .unwrap_or_default();
                    format!("выдача «{title}» ждёт отправки в ЭБС (с {when})")
                }
                _ => format!("личные настройки ждут отправки в ЭБС (с {when})"),
            }
        })
        .collect())
}

/// Titles of the fund matching `query` (title, author or genre; case and ё/е
/// ignored), free copies first, at most `limit`.
pub fn fund_titles(store: &Store, query: &str, limit: usize) -> Result<Vec<FundTitle>> {
    let q = normalize(query);
    let mut all: Vec<FundTitle> = store
        .fund_titles(100_000)?
        .into_iter()
        .filter(|t| {
            q.is_empty()
                || normalize(&t.title).contains(&q)
                || normalize(&t.authors).contains(&q)
                || t.genre
                    .as_deref()
                    .is_some_and(|g| normalize(g).contains(&q))
        })
        .collect();
    all.sort_by_key(|t| t.stock.copies <= t.stock.on_loan);
    all.truncate(limit);
    Ok(all)
}

/// The rules for issuing `title` to `reader` now (on hand, age, free copy,
/// the copy's issues).
pub fn direct_verdicts(
    store: &Store,
    reader: ReaderId,
    title: &FundTitle,
    now: DateTime<Utc>,
) -> Result<Vec<Verdict>> {
    let policy = super::requests::policy(store)?;
    let limits: Limits = super::requests::limits(store, &policy)?;
    let r = store.reader(reader)?.ok_or(Error::ReaderNotFound)?;
    let today = now.with_timezone(&Local).date_naive();
    let cards = store.reader_cards(PROVIDER, reader)?;
    let stats = store.card_stats(Some(&cards), today, rules::month_start(today))?;
    let on_hand = stats.values().map(|s| s.on_hand).sum();
    let free = title.stock.copies.saturating_sub(title.stock.on_loan);
    let fund = FundFacts {
        copies: title.stock.copies,
        on_loan: title.stock.on_loan,
        next_copy_issues: (free > 0)
            .then(|| title.stock.copy_issues.iter().copied().min().unwrap_or(0)),
    };
    let facts = ReaderFacts {
        birth_date: Some(r.birth_date),
        on_hand,
        ..ReaderFacts::default()
    };
    let book = BookFacts {
        price: title.price,
        age_rating: title.age_rating,
        ..BookFacts::default()
    };
    Ok(rules::check(&limits, &facts, &book, &fund, today)
        .into_iter()
        .filter(|v| v.rule.applies_to(DecisionKind::Issue))
        .collect())
}

/// Issues a book of the fund to the reader without a request, as the
/// provider's cabinet allows: queued for the provider and journaled against
/// the reader. Broken rules need confirming, as for a request.
pub fn issue_direct(
    store: &mut Store,
    ctx: &Context,
    reader: ReaderId,
    art: u64,
    confirmed: &[Rule],
) -> Result<()> {
    let title = store
        .fund_titles(100_000)?
        .into_iter()
        .find(|t| t.art == art)
        .ok_or(Error::NotInFund(art))?;
    let lib_card = store
        .reader_current_card(PROVIDER, reader)?
        .ok_or(Error::NoProviderCard)?;
    let verdicts = direct_verdicts(store, reader, &title, Utc::now())?;
    let confirmed: BTreeSet<Rule> = confirmed.iter().copied().collect();
    let broken: Vec<Verdict> = verdicts.into_iter().filter(|v| !v.passed).collect();
    let unconfirmed: Vec<Verdict> = broken
        .iter()
        .filter(|v| !confirmed.contains(&v.rule))
        .cloned()
        .collect();
    if !unconfirmed.is_empty() {
        return Err(Error::RulesBroken {
            title: title.title,
            decision: "выдать из фонда",
            broken: unconfirmed,
        });
    }
    let ref_id = format!(
        "kafedra-{}-{}",
        Utc::now().timestamp_micros(),
        rand::random::<u32>()
    );
    let payload = DirectIssuePayload {
        lib_card,
        art,
        ref_id,
        title: title.title.clone(),
    };
    let payload = serde_json::to_string(&payload).unwrap_or_default();
    let mut details = format!("«{}» выдана без запроса", title.title);
    for v in &broken {
        details.push_str(&format!("; вопреки правилу: {}", v.message));
    }
    store.queue_direct_issue(reader, &payload, &details, &ctx.actor)?;
    Ok(())
}

fn request_items(r: &BookRequest, out: &mut Vec<HistoryItem>) {
    let due = r
        .loan_due
        .map(|d| format!("до {}", d.format("%d.%m.%Y")))
        .unwrap_or_default();
    if !r.direct {
        out.push(HistoryItem {
            at: r.created,
            what: "Запрос".to_string(),
            title: r.title.clone(),
            detail: String::new(),
            from_journal: false,
        });
    }
    let at = r.updated.or(r.created);
    match r.status {
        RequestStatus::Issued => {
            match r.bought_by {
                Some(Buyer::Library) => out.push(HistoryItem {
                    at,
                    what: "Покупка библиотекой".to_string(),
                    title: r.title.clone(),
                    detail: r.price_kopecks.map(money).unwrap_or_default(),
                    from_journal: false,
                }),
                Some(Buyer::Reader) => out.push(HistoryItem {
                    at,
                    what: "Покупка читателем".to_string(),
                    title: r.title.clone(),
                    detail: r.price_kopecks.map(money).unwrap_or_default(),
                    from_journal: false,
                }),
                None => {}
            }
            let today = Local::now().date_naive();
            let what = match (r.direct, r.loan_due) {
                (_, Some(d)) if d < today => "Выдача (срок истёк)",
                (true, _) => "Выдача без запроса",
                (false, _) => "Выдача",
            };
            out.push(HistoryItem {
                at,
                what: what.to_string(),
                title: r.title.clone(),
                detail: due,
                from_journal: false,
            });
        }
        RequestStatus::Refused => out.push(HistoryItem {
            at,
            what: "Отказ".to_string(),
            title: r.title.clone(),
            detail: r.refusal_text.clone().unwrap_or_default(),
            from_journal: false,
        }),
        RequestStatus::Cancelled => out.push(HistoryItem {
            at,
            what: "Отмена".to_string(),
            title: r.title.clone(),
            detail: String::new(),
            from_journal: false,
        }),
        RequestStatus::Pending => {
            if let Some(d) = r.local_decision {
                out.push(HistoryItem {
                    at,
                    what: "Решение ждёт отправки".to_string(),
                    title: r.title.clone(),
                    detail: d.short_label().to_string(),
                    from_journal: false,
                });
            }
        }
        RequestStatus::Unknown => {}
    }
}

fn journal_item(e: &JournalEntry) -> Option<HistoryItem> {
    let kind = e.event()?;
    let what = match kind {
        EventKind::RequestDecided => "Решение на кафедре",
        EventKind::RuleOverridden => "Решение вопреки правилу",
        EventKind::BookIssuedDirect => "Выдача без запроса (кафедра)",
        EventKind::LendingChanged => "Личные настройки выдачи",
        EventKind::CardLinked => "Карта ЭБС связана",
        EventKind::OutboxRefused => "ЭБС отклонила",
        _ => return None,
    };
    Some(HistoryItem {
        at: Some(e.at),
        what: what.to_string(),
        title: String::new(),
        detail: format!("{} ({})", e.details, e.staff),
        from_journal: true,
    })
}

/// The reader's «Книгооборот», newest first: the provider's requests of
/// every card of the reader, and the desk's decisions from the journal.
pub fn history(store: &Store, reader: ReaderId) -> Result<Vec<HistoryItem>> {
    let cards = store.reader_cards(PROVIDER, reader)?;
    let mut out = Vec::new();
    for r in store.requests_of_cards(&cards, HISTORY_LIMIT)? {
        request_items(&r, &mut out);
    }
    for e in store.journal(Some(reader), None, HISTORY_LIMIT)? {
        if let Some(item) = journal_item(&e) {
            out.push(item);
        }
    }
    // Newest first; undated last.
    out.sort_by_key(|h| std::cmp::Reverse(h.at));
    out.truncate(HISTORY_LIMIT);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_bounded_and_said_in_russian() {
        let ok = Lending {
            loan_days: Some(14),
            self_price_cap: Some(30_000),
            self_purchases: Some(2),
        };
        assert!(lending_problems(&ok).is_empty());
        assert!(lending_problems(&Lending::default()).is_empty());
        let bad = Lending {
            loan_days: Some(0),
            self_price_cap: Some(-1),
            self_purchases: Some(101),
        };
        let p = lending_problems(&bad).join(" ");
        assert!(p.contains("Срок выдачи — от 1 до 60 дней"), "{p}");
        assert!(p.contains("Личный предел цены"), "{p}");
        assert!(p.contains("не больше 100"), "{p}");
        assert_eq!(
            describe(&ok),
            "срок выдачи 14 дн.; личный предел цены 300\u{a0}₽; книг в месяц: 2"
        );
    }
}
