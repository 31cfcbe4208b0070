//! One sync with the provider: deliver the outbox in order, then pull what
//! changed (requests, fund, readers, statistics).
//!
//! Delivery is exactly-once as far as the protocol allows: before a write is
//! sent it is claimed by this sync run and marked in doubt in the database; if
//! the answer is lost (timeout, dropped or cut connection, an answer that
//! cannot be understood, crash of this process), the next sync re-reads the
//! provider's state and only sends again if the write did not happen. A write
//! the provider refuses is closed as refused and shown to the librarian.
//! Nothing is retried blindly.
//!
//! A claim belongs to one run ([`super::run`]), not to the desk, and holds for
//! a lease longer than the client can take for one call
//! ([`Client::call_deadline`]); it is renewed right before the write is sent,
//! and only the run that holds it may record a retry or a refusal. Two syncs
//! on one PC (or in one process) therefore never send the same write.

use std::collections::HashSet;

use chrono::{Datelike, Local, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::api::{self, RefusalReason};
use super::client::{Client, Listing, Pager, ProviderError, WriteOutcome};
use super::run::{self, Run};
use crate::domain::event::Actor;
use crate::domain::ids::RequestId;
use crate::domain::request::{
    BookRequest, Buyer, DecisionKind, OutboxItem, OutboxKind, RequestStatus, backoff,
};
use crate::store::{Db, FundRow, ProviderReaderRow};

/// A claim on a write holds for the longest call the client can make
/// ([`Client::call_deadline`]) plus this: time to record the outcome.
const CLAIM_MARGIN: std::time::Duration = std::time::Duration::from_secs(60);
/// Reader cards are listed in full at most this often.
const READERS_EVERY: chrono::Duration = chrono::Duration::hours(6);
const READERS_PAGE: u64 = 1000;
const FUND_PAGE: u64 = 1000;

/// Parameters of a card creation in the outbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateReaderPayload {
    pub name: String,
    pub birth_date: NaiveDate,
    #[serde(default)]
    pub mail: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// Parameters of a request decision in the outbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DecisionPayload {
    pub request_id: String,
    #[serde(default)]
    pub art: Option<u64>,
    /// The reason's code; a code this build does not know is sent as "other".
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
}

/// Parameters of a direct issue in the outbox. `ref_id` is the desk's id of
/// this write: the provider keeps it, so a lost answer is settled by re-reading.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DirectIssuePayload {
    pub lib_card: String,
    pub art: u64,
    pub ref_id: String,
    #[serde(default)]
    pub title: String,
}

/// What one sync did, for the status bar and `kafedra sync`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncReport {
    /// Writes delivered (Russian descriptions).
    pub sent: Vec<String>,
    /// Writes the provider refused, with its reason.
    pub refused: Vec<String>,
    pub pulled_requests: usize,
    pub pulled_fund: usize,
    pub pulled_readers: usize,
    /// Writes still waiting after this sync.
    pub waiting: u64,
    /// Why the sync stopped early, in plain Russian.
    pub error: Option<String>,
    pub offline: bool,
    pub captcha_url: Option<String>,
    pub calls: u64,
    pub bytes_received: u64,
}

impl SyncReport {
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

/// The sync state in one line of plain Russian (status bar, CLI).
pub fn status_line(s: &crate::domain::request::SyncStatus) -> String {
    let when = |t: Option<chrono::DateTime<Utc>>| {
        t.map(|t| t.with_timezone(&Local).format("%d.%m.%Y %H:%M").to_string())
            .unwrap_or_else(|| "ещё не было".into())
    };
    let state = match s.online {
        None => "ЭБС: синхронизации ещё не было",
        Some(true) => "ЭБС: на связи",
        Some(false) => "ЭБС: нет связи",
    };
    let mut line = format!(
        "{state} · последняя успешная синхронизация: {} · ждут отправки: {}",
        when(s.last_success),
        s.waiting
    );
    if s.failed > 0 {
        line.push_str(&format!(" · отклонено ЭБС: {}", s.failed));
    }
    if s.pending_requests > 0 {
        line.push_str(&format!(
            " · ждут решения: {}",
            crate::domain::text::counted(s.pending_requests, "запрос", "запроса", "запросов")
        ));
        if let Some(oldest) = s.oldest_pending {
            line.push_str(&format!(
                ", дольше всех — {}",
                crate::domain::priority::waited(oldest, Utc::now())
            ));
        }
    }
    if let Some(e) = &s.last_error {
        line.push_str(&format!(" · последняя ошибка: {e}"));
    }
    line
}

/// The provider's request as the desk stores it.
pub fn book_request(r: &api::Request) -> BookRequest {
    BookRequest {
        id: RequestId(r.id.clone()),
        lib_card: r.lib_card.clone(),
        reader_name: r.reader_name.clone(),
        reader_birth_date: r.reader_birth_date,
        art: r.art,
        title: r.title.clone(),
        authors: r.authors.clone(),
        genre: r.genre.clone(),
        kind: r.kind,
        price_kopecks: r.price.map(|m| m.kopecks()),
        age_rating: r.age_rating,
        status: r.status,
        created: r.created.map(|t| t.with_timezone(&Utc)),
        updated: r.updated.map(|t| t.with_timezone(&Utc)),
        refusal_reason: r.refusal.as_ref().map(|f| f.reason),
        refusal_text: r.refusal.as_ref().map(|f| f.text.clone()),
        loan_due: r.loan.as_ref().and_then(|l| l.due).map(|d| d.date_naive()),
        local_decision: None,
        rating: r.rating,
        reviews: r.reviews,
        draft: r.draft,
        samizdat: r.samizdat,
        free: r.free,
        bought_by: r.bought_by.as_deref().and_then(Buyer::from_code),
        direct: r.direct,
    }
}

fn fund_row(f: &api::FundItem) -> FundRow {
    FundRow {
        art: f.art,
        title: f.title.clone(),
        authors: f.authors.clone(),
        genre: f.genre.clone(),
        kind: f.kind,
        price_kopecks: f.price.map(|m| m.kopecks()),
        age_rating: f.age_rating,
        copies: f.copies,
        on_loan: f.on_loan,
        issues: f.issues,
        licence_end: f.licence_end,
        bought: f.bought,
        copy_issues: f.copy_issues.clone(),
        annotation: f.annotation.clone(),
    }
}

/// What re-reading the provider says about a write in doubt.
enum Reread {
    /// It was applied: record the result without sending again.
    Applied(Applied),
    /// It was not applied: send it.
    NotApplied,
    /// It cannot be applied any more (the request changed meanwhile).
    Impossible(String, Option<Box<BookRequest>>),
}

enum Applied {
    Request(Option<Box<BookRequest>>),
    Account {
        lib_card: String,
        password: Option<String>,
    },
}

fn db_error(e: impl std::fmt::Display) -> String {
    format!("Ошибка базы данных при синхронизации: {e}")
}

/// Runs one sync. Never panics on provider trouble: everything ends up in
/// the report and in the stored sync state.
pub async fn sync_once(db: &Db, client: &Client, provider: &str, actor: &Actor) -> SyncReport {
    let mut report = SyncReport::default();
    let run = Run::new(&actor.desk);
    let result = sync_run(db, client, provider, actor, &run, &mut report).await;
    if let Err(e) = &result {
        report.offline = e.offline;
        report.error = Some(e.message.clone());
        report.captcha_url = e.captcha.clone();
    }
    let (online, error) = (!report.offline, report.error.clone());
    let recorded = db
        .call(move |s| {
            s.record_sync(online, error.as_deref())?;
            s.sync_status()
        })
        .await;
    match recorded {
        Ok(status) => report.waiting = status.waiting,
        Err(e) => report.error = Some(db_error(e)),
    }
    report
}

struct Stop {
    message: String,
    offline: bool,
    captcha: Option<String>,
}

impl From<&ProviderError> for Stop {
    fn from(e: &ProviderError) -> Stop {
        Stop {
            message: e.user_message(),
            offline: e.is_offline(),
            captcha: match e {
                ProviderError::Captcha { url } => Some(url.clone()),
                _ => None,
            },
        }
    }
}

fn local(e: impl std::fmt::Display) -> Stop {
    Stop {
        message: db_error(e),
        offline: false,
        captcha: None,
    }
}

async fn sync_run(
    db: &Db,
    client: &Client,
    provider: &str,
    actor: &Actor,
    run: &Run,
    report: &mut SyncReport,
) -> Result<(), Stop> {
    deliver(db, client, provider, actor, run, report).await?;
    pull_library(db, client).await?;
    pull_requests(db, client, report).await?;
    pull_fund(db, client, report).await?;
    pull_readers(db, client, report).await?;
    pull_stats(db, client).await?;
    Ok(())
}

/// Sends the outbox in order. Stops at the first write that cannot be
/// completed now (later writes may depend on it), and when another run holds
/// the next write (it is delivering the queue).
async fn deliver(
    db: &Db,
    client: &Client,
    provider: &str,
    actor: &Actor,
    run: &Run,
    report: &mut SyncReport,
) -> Result<(), Stop> {
    let to = Delivery {
        db,
        client,
        provider,
        actor,
        run,
    };
    loop {
        let seen = db
            .call(|s| s.next_outbox(Utc::now()))
            .await
            .map_err(local)?;
        let Some(seen) = seen else { return Ok(()) };

        // Claim it before anything goes out, re-read or send: two runs never
        // work on the same write at once.
        let (holder, until) = (run.holder().to_string(), to.lease_end());
        let claimed = db
            .call(move |s| s.outbox_claim(&seen, &holder, until, run::holder_gone))
            .await
            .map_err(local)?;
        let Some(item) = claimed else {
            // Another run is sending it (or has just worked on it), or it backs off.
            return Ok(());
        };
        if item.in_doubt {
            if to.settle_in_doubt(&item, report).await? {
                continue;
            }
            // Re-reading took calls of its own: hold the claim for the whole send,
            // unless another run took the write over meanwhile.
            if !to.renew(&item).await? {
                return Ok(());
            }
        }
        to.send(&item, report).await?;
    }
}

/// Where the outbox goes, and who sends it.
struct Delivery<'a> {
    db: &'a Db,
    client: &'a Client,
    provider: &'a str,
    actor: &'a Actor,
    run: &'a Run,
}

impl Delivery<'_> {
    /// When a claim taken now ends: after the longest call the client can make.
    fn lease_end(&self) -> chrono::DateTime<Utc> {
        let lease = self.client.call_deadline() + CLAIM_MARGIN;
        Utc::now() + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::hours(1))
    }

    /// Extends the run's claim on `item` to a full lease from now; false if the
    /// run no longer holds it.
    async fn renew(&self, item: &OutboxItem) -> Result<bool, Stop> {
        let (id, holder, until) = (item.id, self.run.holder().to_string(), self.lease_end());
        self.db
            .call(move |s| s.outbox_renew(id, &holder, until))
            .await
            .map_err(local)
    }

    /// A write whose answer was lost: re-read the provider's state. Returns
    /// whether the write is settled (applied, or impossible now); if not, it
    /// is sent.
    async fn settle_in_doubt(
        &self,
        item: &OutboxItem,
        report: &mut SyncReport,
    ) -> Result<bool, Stop> {
        match reread(self.client, item).await {
            Ok(Reread::Applied(applied)) => {
                self.record_applied(item, applied, report).await?;
                Ok(true)
            }
            Ok(Reread::NotApplied) => Ok(false),
            Ok(Reread::Impossible(why, request)) => {
                let it = item.clone();
                let (a, w, h) = (
                    self.actor.clone(),
                    why.clone(),
                    self.run.holder().to_string(),
                );
                let refused = self
                    .db
                    .call(move |s| {
                        if let Some(r) = &request {
                            s.store_requests(std::slice::from_ref(r.as_ref()), None, 0)?;
                        }
                        s.outbox_refused(&it, &h, &w, &a)
                    })
                    .await
                    .map_err(local)?;
                if refused {
                    report.refused.push(why);
                }
                Ok(true)
            }
            Err(e) => {
                self.retry_later(item, &e, true).await?;
                Err(Stop::from(&e))
            }
        }
    }

    /// Sends the write and records what came of it; stops the delivery when
    /// it cannot be completed now.
    async fn send(&self, item: &OutboxItem, report: &mut SyncReport) -> Result<(), Stop> {
        let e = match send(self.client, item).await {
            Ok(applied) => return self.record_applied(item, applied, report).await,
            Err(e) => e,
        };
        match e.write_outcome() {
            WriteOutcome::Rejected => {
                let why = e.user_message();
                let (it, a, w) = (item.clone(), self.actor.clone(), why.clone());
                let h = self.run.holder().to_string();
                let refused = self
                    .db
                    .call(move |s| s.outbox_refused(&it, &h, &w, &a))
                    .await
                    .map_err(local)?;
                if refused {
                    report.refused.push(format!("{}: {why}", describe(item)));
                }
                Ok(())
            }
            WriteOutcome::NotSent => {
                self.retry_later(item, &e, false).await?;
                Err(Stop::from(&e))
            }
            WriteOutcome::Unknown => {
                self.retry_later(item, &e, true).await?;
                Err(Stop::from(&e))
            }
        }
    }

    /// Releases the claim and sets the next attempt after the backoff of the
    /// attempts so far. (If another run took the write over meanwhile, it
    /// decides, and nothing is changed.)
    async fn retry_later(
        &self,
        item: &OutboxItem,
        e: &ProviderError,
        in_doubt: bool,
    ) -> Result<(), Stop> {
        let (id, message) = (item.id, e.user_message());
        let holder = self.run.holder().to_string();
        let at = Utc::now() + backoff(item.attempts.max(1));
        self.db
            .call(move |s| s.outbox_retry(id, &holder, &message, at, in_doubt))
            .await
            .map_err(local)?;
        Ok(())
    }

    /// Records a write the provider applied (whoever holds the claim: this is
    /// what the provider says); not counted if another run recorded it first.
    async fn record_applied(
        &self,
        item: &OutboxItem,
        applied: Applied,
        report: &mut SyncReport,
    ) -> Result<(), Stop> {
        let (it, a, p) = (item.clone(), self.actor.clone(), self.provider.to_string());
        let recorded = match applied {
            Applied::Request(request) => self
                .db
                .call(move |s| s.outbox_request_done(&it, request.as_deref(), &a))
                .await
                .map_err(local)?,
            Applied::Account { lib_card, password } => self
                .db
                .call(move |s| s.outbox_account_done(&it, &p, &lib_card, password.as_deref(), &a))
                .await
                .map_err(local)?,
        };
        if recorded {
            report.sent.push(describe(item));
        }
        Ok(())
    }
}

fn describe(item: &OutboxItem) -> String {
    match item.kind {
        OutboxKind::CreateReader => {
            let name = serde_json::from_str::<CreateReaderPayload>(&item.payload)
                .map(|p| p.name)
                .unwrap_or_default();
            format!("учётная запись читателя {name}")
        }
        OutboxKind::IssueDirect => {
            let title = serde_json::from_str::<DirectIssuePayload>(&item.payload)
                .map(|p| p.title)
                .unwrap_or_default();
            format!("выдача без запроса «{title}»")
        }
        OutboxKind::ReaderSettings => "личные настройки выдачи читателя".to_string(),
        OutboxKind::Decision(_) | OutboxKind::Unknown => format!(
            "{} по запросу {}",
            item.kind.label(),
            item.request_id
                .as_ref()
                .map(RequestId::as_str)
                .unwrap_or("")
        ),
    }
}

/// A damaged outbox record is closed as refused (it can never be sent),
/// rather than blocking the queue behind it.
fn bad_payload(item: &OutboxItem) -> ProviderError {
    ProviderError::api(
        super::protocol::codes::INVALID_PARAM,
        &format!("запись очереди №{} повреждена", item.id),
    )
}

async fn send(client: &Client, item: &OutboxItem) -> Result<Applied, ProviderError> {
    if item.kind == OutboxKind::Unknown {
        return Err(bad_payload(item));
    }
    if item.kind == OutboxKind::IssueDirect {
        let p: DirectIssuePayload =
            serde_json::from_str(&item.payload).map_err(|_| bad_payload(item))?;
        let changed = client.issue_direct(&p.lib_card, p.art, &p.ref_id).await?;
        return Ok(Applied::Request(
            changed.request.as_ref().map(|r| Box::new(book_request(r))),
        ));
    }
    if item.kind == OutboxKind::ReaderSettings {
        let p: api::ReaderSettings =
            serde_json::from_str(&item.payload).map_err(|_| bad_payload(item))?;
        client.reader_settings(&p).await?;
        return Ok(Applied::Request(None));
    }
    let OutboxKind::Decision(decision) = item.kind else {
        let p: CreateReaderPayload =
            serde_json::from_str(&item.payload).map_err(|_| bad_payload(item))?;
        let created = client
            .reader_create(&p.name, p.birth_date, p.mail.as_deref(), p.phone.as_deref())
            .await?;
        return Ok(Applied::Account {
            lib_card: created.lib_card,
            password: created.password,
        });
    };
    let p: DecisionPayload = serde_json::from_str(&item.payload).map_err(|_| bad_payload(item))?;
    let changed = match decision {
        DecisionKind::Issue => client.request_issue(&p.request_id).await?.request,
        DecisionKind::Buy => {
            let art = p.art.ok_or_else(|| bad_payload(item))?;
            client.fund_buy(art, Some(&p.request_id)).await?.request
        }
        DecisionKind::Refuse => {
            let reason = RefusalReason::from_code(p.reason.as_deref().unwrap_or("other"));
            client
                .request_refuse(&p.request_id, reason, p.text.as_deref().unwrap_or(""))
                .await?
                .request
        }
        DecisionKind::Cancel => {
            client
                .request_cancel(&p.request_id, p.text.as_deref())
                .await?
                .request
        }
    };
    Ok(Applied::Request(
        changed.as_ref().map(|r| Box::new(book_request(r))),
    ))
}

/// Re-reads the provider's state for a write whose answer was lost.
async fn reread(client: &Client, item: &OutboxItem) -> Result<Reread, ProviderError> {
    if item.kind == OutboxKind::Unknown {
        return Err(bad_payload(item));
    }
    if item.kind == OutboxKind::IssueDirect {
        let p: DirectIssuePayload =
            serde_json::from_str(&item.payload).map_err(|_| bad_payload(item))?;
        let found = client.requests_by_ref(&p.ref_id).await?;
        return Ok(
            match found
                .into_iter()
                .find(|r| r.ref_id.as_deref() == Some(p.ref_id.as_str()))
            {
                Some(r) => Reread::Applied(Applied::Request(Some(Box::new(book_request(&r))))),
                None => Reread::NotApplied,
            },
        );
    }
    if item.kind == OutboxKind::ReaderSettings {
        // Setting the same values again changes nothing: send them.
        return Ok(Reread::NotApplied);
    }
    let OutboxKind::Decision(decision) = item.kind else {
        let p: CreateReaderPayload =
            serde_json::from_str(&item.payload).map_err(|_| bad_payload(item))?;
        let same = |a: &Option<String>, b: &Option<String>| {
            a.as_deref()
                .is_some_and(|a| b.as_deref().is_some_and(|b| a.eq_ignore_ascii_case(b)))
        };
        let (readers, _) = all_readers(client).await?;
        return Ok(
            match readers.into_iter().find(|r| {
                r.name == p.name
                    && r.birth_date == Some(p.birth_date)
                    && (same(&r.mail, &p.mail) || same(&r.phone, &p.phone))
            }) {
                Some(found) => Reread::Applied(Applied::Account {
                    lib_card: found.lib_card,
                    password: None,
                }),
                None => Reread::NotApplied,
            },
        );
    };
    let Some(id) = item.request_id.clone().map(|r| r.0) else {
        return Err(bad_payload(item));
    };
    let found = client.requests_by_id(std::slice::from_ref(&id)).await?;
    let Some(r) = found.into_iter().find(|r| r.id == id) else {
        return Ok(Reread::Impossible(
            format!("запрос {id} больше не найден в ЭБС — решение не отправлено"),
            None,
        ));
    };
    let now = book_request(&r);
    Ok(if now.status == decision.target_status() {
        Reread::Applied(Applied::Request(Some(Box::new(now))))
    } else if now.status == RequestStatus::Pending {
        Reread::NotApplied
    } else {
        Reread::Impossible(
            format!(
                "запрос на «{}» уже изменился в ЭБС (сейчас: {}) — решение не отправлено",
                now.title,
                r.status.label_ru()
            ),
            Some(Box::new(now)),
        )
    })
}

/// Money left and the provider's lending rules.
async fn pull_library(db: &Db, client: &Client) -> Result<(), Stop> {
    let info = client.library_info().await.map_err(|e| Stop::from(&e))?;
    let rules = serde_json::to_string(&info.rules).map_err(local)?;
    db.call(move |s| s.store_library_info(&info.name, info.money_left.kopecks(), &rules))
        .await
        .map_err(local)
}

async fn pull_requests(db: &Db, client: &Client, report: &mut SyncReport) -> Result<(), Stop> {
    let (cursor, item_bytes) = db.call(|s| s.request_cursor()).await.map_err(local)?;
    if let Some(b) = item_bytes {
        client.set_request_item_bytes(b);
    }
    let (requests, stats) = client
        .pull_all_requests(cursor.as_deref())
        .await
        .map_err(|e| Stop::from(&e))?;
    report.calls += stats.calls as u64;
    report.bytes_received += stats.bytes_received as u64;
    report.pulled_requests = requests.len();
    let rows: Vec<BookRequest> = requests.iter().map(book_request).collect();
    let (new_cursor, bytes) = (stats.cursor.clone(), client.request_item_bytes());
    db.call(move |s| s.store_requests(&rows, new_cursor.as_deref(), bytes))
        .await
        .map_err(local)
}

/// The whole fund, page by page (by offset). Stored only once complete: a
/// pull the provider does not end (see [`Pager`]) stops with its message.
async fn pull_fund(db: &Db, client: &Client, report: &mut SyncReport) -> Result<(), Stop> {
    let mut pager = Pager::new(Listing::Fund, client.config().pull_limits);
    let mut seen = HashSet::new();
    let mut all = Vec::new();
    let mut from = 0;
    loop {
        let page = client
            .fund_list(None, [from, FUND_PAGE])
            .await
            .map_err(|e| Stop::from(&e))?;
        report.calls += 1;
        let n = page.items.len() as u64;
        let before = all.len();
        all.extend(
            page.items
                .iter()
                .filter(|i| seen.insert(i.art))
                .map(fund_row),
        );
        from += n;
        let more = n >= FUND_PAGE && page.total.is_none_or(|t| from < t);
        if !pager
            .next(all.len() - before, more)
            .map_err(|e| Stop::from(&e))?
        {
            break;
        }
    }
    report.pulled_fund = all.len();
    let today = chrono::Local::now().date_naive();
    db.call(move |s| s.store_fund(&all, today))
        .await
        .map_err(local)
}

async fn pull_readers(db: &Db, client: &Client, report: &mut SyncReport) -> Result<(), Stop> {
    let last = db.call(|s| s.readers_pulled_at()).await.map_err(local)?;
    if last.is_some_and(|t| Utc::now() - t < READERS_EVERY) {
        return Ok(());
    }
    let (readers, calls) = all_readers(client).await.map_err(|e| Stop::from(&e))?;
    report.calls += calls;
    let all: Vec<ProviderReaderRow> = readers
        .into_iter()
        .map(|r| ProviderReaderRow {
            lib_card: r.lib_card,
            name: r.name,
            birth_date: r.birth_date,
            mail: r.mail,
            phone: r.phone,
        })
        .collect();
    report.pulled_readers = all.len();
    db.call(move |s| s.store_provider_readers(&all))
        .await
        .map_err(local)
}

/// Every reader card of the library, page by page (by offset); also the
/// number of calls. Ends with [`ProviderError::Paging`] when the provider does
/// not end the list (see [`Pager`]).
async fn all_readers(client: &Client) -> Result<(Vec<api::ProviderReader>, u64), ProviderError> {
    let mut pager = Pager::new(Listing::Readers, client.config().pull_limits);
    let mut seen = HashSet::new();
    let (mut all, mut calls, mut from) = (Vec::new(), 0, 0);
    loop {
        let page = client
            .reader_list(api::ReaderListQuery {
                limit: Some([from, READERS_PAGE]),
                ..api::ReaderListQuery::default()
            })
            .await?;
        calls += 1;
        let n = page.readers.len() as u64;
        let before = all.len();
        all.extend(
            page.readers
                .into_iter()
                .filter(|r| seen.insert(r.lib_card.clone())),
        );
        from += n;
        let more = n >= READERS_PAGE && page.total.is_none_or(|t| from < t);
        if !pager.next(all.len() - before, more)? {
            return Ok((all, calls));
        }
    }
}

/// Statistics of the current month.
async fn pull_stats(db: &Db, client: &Client) -> Result<(), Stop> {
    let today = Local::now().date_naive();
    let from = today.with_day(1).unwrap_or(today);
    let stats = client
        .stats(from, today)
        .await
        .map_err(|e| Stop::from(&e))?;
    let json = serde_json::to_string(&stats).map_err(local)?;
    db.call(move |s| s.store_stats(from, today, &json))
        .await
        .map_err(local)
}
