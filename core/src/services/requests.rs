//! Readers' book requests (pulled from the provider) and the librarian's
//! decisions on them: the queue in the library's order, each request tied to
//! its reader and checked against the rules; a decision that breaks a rule
//! needs that rule confirmed, and goes to the provider through the outbox in
//! the same transaction as the journal.

use std::collections::BTreeSet;

use chrono::{DateTime, Local, NaiveDate, Utc};

use super::{Context, Error, PROVIDER, Result, Store};
use crate::domain::ids::{ReaderId, RequestId};
use crate::domain::policy::Policy;
use crate::domain::priority::{self, Candidate};
use crate::domain::reader::{AgeGroup, age_on, full_name};
use crate::domain::request::{BookRequest, Decision, DecisionKind, RefusalReason};
use crate::domain::rules::{
    self, Allowance, BookFacts, FundFacts, ISSUES_PER_COPY, Limits, ReaderFacts, Rule, Verdict,
};
use crate::domain::text::normalize;
use crate::provider::api::LendingRules;
use crate::provider::sync::DecisionPayload;
use crate::store::{DeskReader, DeskRow, QUEUE_LIMIT, Stock};

/// How many requests a list shows at most.
pub const LIST_LIMIT: usize = 500;

/// A pending request as the desk weighs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    /// Place in the library's order, from 1.
    pub position: usize,
    pub request: BookRequest,
    /// The local reader holding the card, if the desk knows one.
    pub reader: Option<DeskReader>,
    /// Age on the day of the decision (local reader's birth date, else the provider's).
    pub age: Option<u32>,
    pub age_group: Option<AgeGroup>,
    /// Requests of the card before this one.
    pub previous: u32,
    pub on_hand: u32,
    /// The reader's since: registered at the desk, else the card's first request.
    pub reader_since: Option<DateTime<Utc>>,
    pub stock: Option<Stock>,
    pub verdicts: Vec<Verdict>,
    pub reasons: Vec<String>,
    pub score: u32,
    pub waiting_minutes: i64,
    /// Waited at least the policy's threshold.
    pub overdue: bool,
}

impl QueueEntry {
    /// The reader's full name: the desk's, else the provider's.
    pub fn reader_name(&self) -> String {
        match &self.reader {
            Some(r) => full_name(&r.surname, &r.name, r.patronymic.as_deref()),
            None => self
                .request
                .reader_name
                .clone()
                .unwrap_or_else(|| format!("карта {}", self.request.lib_card)),
        }
    }

    /// How a refusal text addresses the reader: name and patronymic.
    pub fn addressee(&self) -> String {
        match &self.reader {
            Some(r) => match &r.patronymic {
                Some(p) if !p.trim().is_empty() => format!("{} {p}", r.name),
                _ => r.name.clone(),
            },
            None => match &self.request.reader_name {
                // «Иванова Мария Петровна» → «Мария Петровна».
                Some(n) if n.split_whitespace().count() >= 2 => {
                    n.split_whitespace().skip(1).collect::<Vec<_>>().join(" ")
                }
                Some(n) => n.clone(),
                None => "Уважаемый читатель".to_string(),
            },
        }
    }

    /// The rules standing in the way of `kind`.
    pub fn broken_for(&self, kind: DecisionKind) -> Vec<&Verdict> {
        rules::broken_for(&self.verdicts, kind)
    }

    /// Issues left before the 24th of the copy that would go out next.
    pub fn issues_left(&self) -> Option<u32> {
        self.stock
            .as_ref()
            .and_then(next_copy_issues)
            .map(|n| ISSUES_PER_COPY.saturating_sub(n))
    }
}

/// The queue with what it was weighed by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    pub entries: Vec<QueueEntry>,
    pub limits: Limits,
    pub policy: Policy,
}

/// The library's policy: saved by the administrator, else the default.
pub fn policy(store: &Store) -> Result<Policy> {
    Ok(store.policy()?.unwrap_or_default())
}

/// Checks and saves the policy, journaling what changed; returns the changes.
pub fn save_policy(store: &mut Store, ctx: &Context, new: &Policy) -> Result<Vec<String>> {
    let problems = new.problems();
    if !problems.is_empty() {
        return Err(Error::BadPolicy(problems));
    }
    let old = policy(store)?;
    let changes = old.changes(new);
    if !changes.is_empty() {
        store.save_policy(new, &changes, &ctx.actor)?;
    }
    Ok(changes)
}

/// The limits in force: the provider's where its library info states them,
/// the desk's rules (Settings) where it does not.
pub fn limits(store: &Store, policy: &Policy) -> Result<Limits> {
    let info = store.library_info()?;
    let provider: LendingRules = info
        .as_ref()
        .and_then(|i| serde_json::from_str(&i.rules).ok())
        .unwrap_or_default();
    let desk = &policy.rules;
    let n = |v: Option<u64>| v.and_then(|v| u32::try_from(v).ok());
    Ok(Limits {
        max_on_hand: n(provider.max_on_hand).or(desk.max_on_hand),
        price_cap: provider
            .price_cap
            .map(|m| m.kopecks())
            .or(desk.price_cap_kopecks),
        copies_per_title: n(provider.copies_per_title).or(desk.copies_per_title),
        purchases_per_reader_month: n(provider.purchases_per_reader_month)
            .or(desk.purchases_per_reader_month),
        age_check: provider.age_check || desk.age_check,
        money_left: info.map(|i| i.money_left),
    })
}

/// The library's today at `now`.
fn library_day(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&Local).date_naive()
}

/// The pending queue in the library's order, each request with its rules'
/// verdicts and the reasons of its place.
pub fn queue(store: &Store, now: DateTime<Utc>) -> Result<Queue> {
    let policy = policy(store)?;
    let limits = limits(store, &policy)?;
    let today = library_day(now);
    let rows = store.desk_rows(
        PROVIDER,
        None,
        today,
        rules::month_start(today),
        QUEUE_LIMIT,
    )?;
    let entries = weigh(rows, &policy, &limits, now);
    Ok(Queue {
        entries,
        limits,
        policy,
    })
}

/// One pending request, weighed alone (its position is 1).
pub fn entry(store: &Store, id: &RequestId, now: DateTime<Utc>) -> Result<QueueEntry> {
    let policy = policy(store)?;
    let limits = limits(store, &policy)?;
    let today = library_day(now);
    let rows = store.desk_rows(PROVIDER, Some(id), today, rules::month_start(today), 1)?;
    if rows.is_empty() {
        // Not pending any more, or unknown: say which.
        let r = get(store, id)?;
        return Err(Error::Store(crate::store::StoreError::RequestNotPending {
            title: r.title,
            status: r.status,
        }));
    }
    Ok(weigh(rows, &policy, &limits, now).remove(0))
}

fn next_copy_issues(stock: &Stock) -> Option<u32> {
    let free = stock.copies.saturating_sub(stock.on_loan);
    if free == 0 {
        return None;
    }
    // The copy with the most issues left goes out next; unknown counts: 0.
    Some(stock.copy_issues.iter().copied().min().unwrap_or(0))
}

/// The rules and the order over rows already read (pure; the benchmark
/// measures it on its own).
pub fn weigh(
    rows: Vec<DeskRow>,
    policy: &Policy,
    limits: &Limits,
    now: DateTime<Utc>,
) -> Vec<QueueEntry> {
    let today = library_day(now);
    let mut entries: Vec<QueueEntry> = Vec::with_capacity(rows.len());
    let mut candidates: Vec<Candidate> = Vec::with_capacity(rows.len());
    // A queue has few distinct genres: normalise each once.
    let mut genres: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for row in rows {
        let birth = row
            .reader
            .as_ref()
            .map(|r| r.birth_date)
            .or(row.request.reader_birth_date);
        let age = birth.map(|b| age_on(b, today));
        let since = match (row.reader.as_ref().map(|r| r.since), row.card.first_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let allowance = row
            .reader
            .as_ref()
            .and_then(|r| r.lending.as_ref())
            .filter(|l| l.self_price_cap.is_some() || l.self_purchases.is_some())
            .map(|l| Allowance {
                price_cap: l.self_price_cap,
                count: l.self_purchases,
                used_this_month: row.card.self_bought_this_month,
            });
        let facts = ReaderFacts {
            birth_date: birth,
            on_hand: row.card.on_hand,
            purchases_this_month: row.card.bought_this_month,
            allowance,
        };
        let book = BookFacts {
            price: row.request.price_kopecks,
            age_rating: row.request.age_rating,
            draft: row.request.draft,
            free: row.request.free,
        };
        let fund = row
            .stock
            .as_ref()
            .map(|s| FundFacts {
                copies: s.copies,
                on_loan: s.on_loan,
                next_copy_issues: next_copy_issues(s),
            })
            .unwrap_or_default();
        let verdicts = rules::check(limits, &facts, &book, &fund, today);
        let waiting_minutes = row
            .request
            .created
            .map_or(0, |c| (now - c).num_minutes().max(0));
        candidates.push(Candidate {
            age,
            previous: row.previous,
            reader_years: since.map(|s| age_on(library_day(s), today)),
            genre_norm: row
                .request
                .genre
                .as_deref()
                .map(|g| {
                    genres
                        .entry(g.to_owned())
                        .or_insert_with(|| normalize(g))
                        .clone()
                })
                .unwrap_or_default(),
            kind: row.request.kind,
            created: row.request.created,
        });
        entries.push(QueueEntry {
            position: 0,
            age,
            age_group: birth.map(|b| AgeGroup::of(b, today)),
            previous: row.previous,
            on_hand: row.card.on_hand,
            reader_since: since,
            stock: row.stock,
            verdicts,
            reasons: Vec::new(),
            score: 0,
            waiting_minutes,
            overdue: waiting_minutes >= i64::from(policy.wait_threshold_hours) * 60,
            request: row.request,
            reader: row.reader,
        });
    }
    let order = priority::rank(policy, &candidates);
    let mut slots: Vec<Option<QueueEntry>> = entries.into_iter().map(Some).collect();
    order
        .into_iter()
        .enumerate()
        .filter_map(|(i, ranked)| {
            let mut e = slots[ranked.index].take()?;
            e.position = i + 1;
            e.score = ranked.score;
            e.reasons = ranked.reasons;
            Some(e)
        })
        .collect()
}

/// One line of `kafedra requests --json`.
#[derive(serde::Serialize)]
struct QueueLine<'a> {
    id: &'a str,
    position: usize,
    /// The local reader's card number, or null when the desk knows no reader.
    card: Option<&'a str>,
    lib_card: &'a str,
    reader: String,
    age: Option<u32>,
    previous_requests: u32,
    on_hand: u32,
    art: u64,
    title: &'a str,
    authors: &'a str,
    genre: Option<&'a str>,
    kind: &'static str,
    price_kopecks: Option<i64>,
    age_rating: Option<u8>,
    draft: bool,
    free: bool,
    score: u32,
    reasons: &'a [String],
    rules: Vec<RuleLine<'a>>,
    waiting_hours: f64,
    overdue: bool,
    /// The title's last copy left at its 24th issue: this request may buy it again.
    rebuy: bool,
}

#[derive(serde::Serialize)]
struct RuleLine<'a> {
    rule: &'static str,
    passed: bool,
    message: &'a str,
}

/// One request of the queue as a line of JSON (`kafedra requests --json`):
/// `id`, `position`, `card` (the local card number or null), `reasons`,
/// `rules` (`{rule, passed, message}`), `waiting_hours` and the rest.
pub fn json_line(e: &QueueEntry) -> String {
    let line = QueueLine {
        id: e.request.id.as_str(),
        position: e.position,
        card: e.reader.as_ref().map(|r| r.card.as_str()),
        lib_card: &e.request.lib_card,
        reader: e.reader_name(),
        age: e.age,
        previous_requests: e.previous,
        on_hand: e.on_hand,
        art: e.request.art,
        title: &e.request.title,
        authors: &e.request.authors,
        genre: e.request.genre.as_deref(),
        kind: e.request.kind.code(),
        price_kopecks: e.request.price_kopecks,
        age_rating: e.request.age_rating,
        draft: e.request.draft,
        free: e.request.free,
        score: e.score,
        reasons: &e.reasons,
        rules: e
            .verdicts
            .iter()
            .map(|v| RuleLine {
                rule: v.rule.code(),
                passed: v.passed,
                message: &v.message,
            })
            .collect(),
        waiting_hours: (e.waiting_minutes as f64 / 6.0).round() / 10.0,
        overdue: e.overdue,
        rebuy: e.stock.as_ref().is_some_and(|s| s.rebuy),
    };
    serde_json::to_string(&line).unwrap_or_default()
}

/// Requests waiting for a decision, oldest first (without weighing).
pub fn pending(store: &Store) -> Result<Vec<BookRequest>> {
    Ok(store.requests(true, LIST_LIMIT)?)
}

/// All requests, pending or not.
pub fn all(store: &Store) -> Result<Vec<BookRequest>> {
    Ok(store.requests(false, LIST_LIMIT)?)
}

/// One request by its provider id.
pub fn get(store: &Store, id: &RequestId) -> Result<BookRequest> {
    store
        .request(id)?
        .ok_or_else(|| Error::RequestNotFound(id.clone()))
}

/// The refusal text of `reason` for this request, as the reader will read it.
pub fn refusal_text(policy: &Policy, entry: &QueueEntry, reason: RefusalReason) -> String {
    policy.refusal_text(reason, &entry.request.title, &entry.addressee())
}

/// Records the librarian's decision on a reader's request and queues it for
/// the provider, in one transaction (it survives a crash or a dead network).
/// A decision that breaks a rule is refused with [`Error::RulesBroken`]
/// unless each broken rule is in `confirmed`; the overrides are journaled
/// with the staff member, against the reader.
pub fn decide(
    store: &mut Store,
    ctx: &Context,
    request_id: &RequestId,
    decision: &Decision,
    confirmed: &[Rule],
) -> Result<()> {
    decide_at(store, ctx, request_id, decision, confirmed, Utc::now())
}

/// [`decide`] at a given time (the rules are checked on that day).
pub fn decide_at(
    store: &mut Store,
    ctx: &Context,
    request_id: &RequestId,
    decision: &Decision,
    confirmed: &[Rule],
    now: DateTime<Utc>,
) -> Result<()> {
    if let Some(problem) = decision.problem() {
        return Err(Error::BadDecision(problem));
    }
    let entry = entry(store, request_id, now)?;
    let broken: Vec<Verdict> = entry
        .broken_for(decision.kind())
        .into_iter()
        .cloned()
        .collect();
    let confirmed: BTreeSet<Rule> = confirmed.iter().copied().collect();
    let unconfirmed: Vec<Verdict> = broken
        .iter()
        .filter(|v| !confirmed.contains(&v.rule))
        .cloned()
        .collect();
    if !unconfirmed.is_empty() {
        return Err(Error::RulesBroken {
            title: entry.request.title.clone(),
            decision: decision.label(),
            broken: unconfirmed,
        });
    }
    let payload = DecisionPayload {
        request_id: request_id.0.clone(),
        art: matches!(decision, Decision::Buy).then_some(entry.request.art),
        reason: match decision {
            Decision::Refuse { reason, .. } => Some(reason.code().to_string()),
            _ => None,
        },
        text: match decision {
            Decision::Refuse { text, .. } => Some(text.trim().to_string()),
            Decision::Cancel { comment } if !comment.trim().is_empty() => {
                Some(comment.trim().to_string())
            }
            _ => None,
        },
    };
    let payload = serde_json::to_string(&payload).unwrap_or_default();
    let overrides: Vec<String> = broken.iter().map(|v| v.message.clone()).collect();
    store.decide_request_for(
        request_id,
        decision,
        &payload,
        entry.reader.as_ref().map(|r| r.id),
        &overrides,
        &ctx.actor,
    )?;
    Ok(())
}

/// One decision for several requests, each decided (and sent) separately. A
/// refusal's text is filled in for each request from `reason`'s template
/// (each reader gets their own name and book). Returns each request's outcome.
pub fn decide_many(
    store: &mut Store,
    ctx: &Context,
    ids: &[RequestId],
    kind: DecisionKind,
    reason: Option<RefusalReason>,
    confirmed: &[Rule],
) -> Vec<(RequestId, Result<()>)> {
    let now = Utc::now();
    let policy = match policy(store) {
        Ok(p) => p,
        Err(e) => return ids.iter().map(|id| (id.clone(), Err(e.clone()))).collect(),
    };
    ids.iter()
        .map(|id| {
            let outcome = (|| {
                let decision = match kind {
                    DecisionKind::Issue => Decision::Issue,
                    DecisionKind::Buy => Decision::Buy,
                    DecisionKind::Cancel => Decision::Cancel {
                        comment: String::new(),
                    },
                    DecisionKind::Refuse => {
                        let reason = reason.unwrap_or(RefusalReason::Other);
                        let e = entry(store, id, now)?;
                        Decision::Refuse {
                            reason,
                            text: refusal_text(&policy, &e, reason),
                        }
                    }
                };
                decide_at(store, ctx, id, &decision, confirmed, now)
            })();
            (id.clone(), outcome)
        })
        .collect()
}

/// Ties a provider card to a local reader (journaled against the reader).
pub fn link(store: &mut Store, ctx: &Context, lib_card: &str, reader: ReaderId) -> Result<()> {
    if store.reader(reader)?.is_none() {
        return Err(Error::ReaderNotFound);
    }
    store.link_card(lib_card.trim(), reader, &ctx.actor)?;
    Ok(())
}

/// Stores requests pulled from the provider, with the cursor they end at
/// (the sync's own last step; the benchmark measures it on its own).
pub fn store_pulled(
    store: &mut Store,
    pulled: &[crate::provider::Request],
    cursor: Option<&str>,
    item_bytes: u64,
) -> Result<usize> {
    let rows: Vec<BookRequest> = pulled
        .iter()
        .map(crate::provider::sync::book_request)
        .collect();
    store.store_requests(&rows, cursor, item_bytes)?;
    Ok(rows.len())
}
