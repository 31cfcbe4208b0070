//! The outbox of writes for the provider and the data pulled from it.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Result, Store, StoreError, now_text, parse_ts, ts};
use crate::domain::event::{Actor, EventKind};
use crate::domain::records::{AccountId, ReaderId, RequestId};
use crate::domain::request::{
    BookKind, BookRequest, Buyer, DecisionKind, OutboxItem, OutboxKind, SyncStatus,
};

const META_LAST_SUCCESS: &str = "sync.last_success";
const META_LAST_ATTEMPT: &str = "sync.last_attempt";
const META_LAST_ERROR: &str = "sync.last_error";
const META_ONLINE: &str = "sync.online";
const META_REQUEST_CURSOR: &str = "sync.request_cursor";
const META_REQUEST_ITEM_BYTES: &str = "sync.request_item_bytes";
const META_READERS_AT: &str = "sync.readers_at";

/// A title of the library fund, as pulled.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FundRow {
    pub art: u64,
    pub title: String,
    pub authors: String,
    pub genre: Option<String>,
    pub kind: BookKind,
    pub price_kopecks: Option<i64>,
    pub age_rating: Option<u8>,
    pub copies: u32,
    pub on_loan: u32,
    pub issues: u32,
    pub licence_end: Option<NaiveDate>,
    pub bought: Option<NaiveDate>,
    /// Issues so far of each copy.
    pub copy_issues: Vec<u32>,
    pub annotation: Option<String>,
}

/// A reader card at the provider, as pulled.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProviderReaderRow {
    pub lib_card: String,
    pub name: String,
    pub birth_date: Option<NaiveDate>,
    pub mail: Option<String>,
    pub phone: Option<String>,
}

fn outbox_from_row(r: &Row<'_>) -> rusqlite::Result<OutboxItem> {
    let next: Option<String> = r.get(7)?;
    Ok(OutboxItem {
        id: r.get(0)?,
        kind: r.get(1)?,
        payload: r.get(2)?,
        reader_id: r.get(3)?,
        request_id: r.get(4)?,
        attempts: r.get::<_, i64>(5)? as u32,
        in_doubt: r.get::<_, i64>(6)? != 0,
        next_attempt_at: next.as_deref().map(parse_ts),
        last_error: r.get(8)?,
        created_by: r.get(9)?,
    })
}

const OUTBOX_COLUMNS: &str = "id, kind, payload, reader_id, request_id, attempts, in_doubt, next_attempt_at, last_error, created_by";

fn date_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

fn parse_date(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

pub(super) fn request_from_row(r: &Row<'_>) -> rusqlite::Result<BookRequest> {
    let opt_ts = |s: Option<String>| s.as_deref().map(parse_ts);
    Ok(BookRequest {
        id: r.get(0)?,
        lib_card: r.get(1)?,
        reader_name: r.get(2)?,
        reader_birth_date: parse_date(r.get(3)?),
        art: r.get::<_, i64>(4)? as u64,
        title: r.get(5)?,
        authors: r.get(6)?,
        genre: r.get(7)?,
        kind: r.get(8)?,
        price_kopecks: r.get(9)?,
        age_rating: r.get::<_, Option<i64>>(10)?.map(|a| a as u8),
        status: r.get(11)?,
        created: opt_ts(r.get(12)?),
        updated: opt_ts(r.get(13)?),
        refusal_reason: r.get(14)?,
        refusal_text: r.get(15)?,
        loan_due: parse_date(r.get(16)?),
        // A code this build does not know reads as no decision.
        local_decision: r
            .get::<_, Option<String>>(17)?
            .as_deref()
            .and_then(DecisionKind::from_code),
        rating: r.get::<_, Option<i64>>(18)?.map(|x| x as u16),
        reviews: r.get::<_, Option<i64>>(19)?.map(|x| x as u32),
        draft: r.get::<_, i64>(20)? != 0,
        samizdat: r.get::<_, i64>(21)? != 0,
        free: r.get::<_, i64>(22)? != 0,
        bought_by: r
            .get::<_, Option<String>>(23)?
            .as_deref()
            .and_then(Buyer::from_code),
        direct: r.get::<_, i64>(24)? != 0,
    })
}

/// The columns [`request_from_row`] reads, in its order (25 of them).
pub(super) const REQUEST_COLUMNS: &str = "id, lib_card, reader_name, reader_birth_date, art, title, authors, genre, kind, \
     price_kopecks, age_rating, status, created, updated, refusal_reason, refusal_text, loan_due, local_decision, \
     rating, reviews, draft, samizdat, free, bought_by, direct";

/// Adds a write to the outbox inside the caller's transaction.
pub(super) fn enqueue(
    conn: &Connection,
    kind: OutboxKind,
    payload: &str,
    reader: Option<ReaderId>,
    request: Option<&RequestId>,
    actor: &Actor,
) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO outbox (kind, payload, reader_id, request_id, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        kind,
        payload,
        reader,
        request,
        now_text(),
        actor.staff
    ])?;
    Ok(conn.last_insert_rowid())
}

impl Store {
    /// Queues the creation of the reader's card at the provider (the login
    /// comes back with the answer). Refused if the reader already has a login
    /// or a creation is already waiting.
    pub(crate) fn queue_provider_account(
        &mut self,
        provider: &str,
        reader: ReaderId,
        payload: &str,
        actor: &Actor,
    ) -> Result<i64> {
        let tx = self.immediate()?;
        let id = queue_account(&tx, provider, reader, payload, actor)?;
        tx.commit()?;
        Ok(id)
    }

    /// Is a card creation for this reader waiting in the outbox?
    pub(crate) fn provider_account_waiting(&self, reader: ReaderId) -> Result<Option<OutboxItem>> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {OUTBOX_COLUMNS} FROM outbox
                     WHERE kind = 'create_reader' AND reader_id = ?1 AND state = 'pending'"
                ),
                [reader],
                outbox_from_row,
            )
            .optional()?)
    }

    /// The first write to send now, in order. `None` when nothing waits or
    /// the first one is still backing off (later ones wait behind it).
    pub(crate) fn next_outbox(&self, now: DateTime<Utc>) -> Result<Option<OutboxItem>> {
        let first = self
            .conn
            .query_row(
                &format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE state = 'pending' ORDER BY id LIMIT 1"),
                [],
                outbox_from_row,
            )
            .optional()?;
        Ok(first.filter(|i| i.next_attempt_at.is_none_or(|t| t <= now)))
    }

    /// Claims a write for one sync run (`holder`) until `until`: from here until its outcome
    /// is recorded it is in doubt, so a crash leads to a re-read, not a blind resend.
    ///
    /// `seen` is the write as the caller last read it ([`Store::next_outbox`]); the claim is
    /// taken only on that state: still pending, with the same attempt count, not backing off
    /// (`next_attempt_at`), and not held by another run whose lease is still running, unless
    /// `holder_gone` says that run's process is gone (it crashed or was killed; then its
    /// claim is taken over at once, and since the write is in doubt it is re-read).
    ///
    /// Returns the write as it now is (its attempt counted), except `in_doubt`, which says
    /// whether it was in doubt before this claim: then it may have reached the provider and
    /// must be re-read before it is sent. `None` when it is not taken: another run holds it
    /// or has just worked on it, or it is backing off; the caller leaves the queue for now.
    pub(crate) fn outbox_claim(
        &mut self,
        seen: &OutboxItem,
        holder: &str,
        until: DateTime<Utc>,
        holder_gone: impl Fn(&str) -> bool,
    ) -> Result<Option<OutboxItem>> {
        let tx = self.immediate()?;
        let now = Utc::now();
        let row = tx
            .query_row(
                &format!(
                    "SELECT {OUTBOX_COLUMNS}, claimed_by, claimed_until FROM outbox
                     WHERE id = ?1 AND state = 'pending'"
                ),
                [seen.id],
                |r| {
                    Ok((
                        outbox_from_row(r)?,
                        r.get::<_, Option<String>>(10)?,
                        r.get::<_, Option<String>>(11)?,
                    ))
                },
            )
            .optional()?;
        let Some((mut item, by, by_until)) = row else {
            return Ok(None);
        };
        let backing_off = item.next_attempt_at.is_some_and(|t| t > now);
        let held = by.filter(|b| b != holder).is_some_and(|by| {
            by_until.as_deref().is_some_and(|u| parse_ts(u) >= now) && !holder_gone(&by)
        });
        if item.attempts != seen.attempts || backing_off || held {
            return Ok(None);
        }
        tx.execute(
            "UPDATE outbox SET attempts = attempts + 1, in_doubt = 1, claimed_by = ?2, claimed_until = ?3
             WHERE id = ?1",
            params![item.id, holder, ts(until)],
        )?;
        tx.commit()?;
        item.attempts += 1;
        Ok(Some(item))
    }

    /// Extends this run's claim on a write to `until`, right before it is sent. `false` if
    /// the run no longer holds it (its lease ran out and another run took it over, or it is
    /// settled): then it must not be sent.
    pub(crate) fn outbox_renew(
        &mut self,
        id: i64,
        holder: &str,
        until: DateTime<Utc>,
    ) -> Result<bool> {
        let n = self.conn.execute(
            "UPDATE outbox SET claimed_until = ?3
             WHERE id = ?1 AND state = 'pending' AND claimed_by = ?2",
            params![id, holder, ts(until)],
        )?;
        Ok(n == 1)
    }

    /// The write could not be completed now: try again after `retry_at`, and release the
    /// claim. Only the run that holds the claim may do it (`false` otherwise: another run
    /// took the write over and decides).
    pub(crate) fn outbox_retry(
        &mut self,
        id: i64,
        holder: &str,
        error: &str,
        retry_at: DateTime<Utc>,
        in_doubt: bool,
    ) -> Result<bool> {
        let n = self.conn.execute(
            "UPDATE outbox SET last_error = ?3, next_attempt_at = ?4, in_doubt = ?5,
                claimed_by = NULL, claimed_until = NULL
             WHERE id = ?1 AND state = 'pending' AND claimed_by = ?2",
            params![id, holder, error, ts(retry_at), in_doubt as i64],
        )?;
        Ok(n == 1)
    }

    /// Makes every pending write due now: the librarian asked to sync now
    /// (F5), so the writes backing off after a failure are tried at once.
    pub fn outbox_due_now(&mut self) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET next_attempt_at = NULL WHERE state = 'pending'",
            [],
        )?;
        Ok(())
    }

    /// The claims on pending writes, in order: who holds each, and until when (tests).
    #[cfg(test)]
    pub(crate) fn outbox_claims(&self) -> Result<Vec<(String, DateTime<Utc>)>> {
        let mut q = self.conn.prepare(
            "SELECT claimed_by, claimed_until FROM outbox
             WHERE state = 'pending' AND claimed_by IS NOT NULL ORDER BY id",
        )?;
        let rows = q.query_map([], |r| {
            let until: String = r.get(1)?;
            Ok((r.get(0)?, parse_ts(&until)))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The provider refused the write: nothing was applied there. A request
    /// decision is released so the librarian can decide again. Only the run
    /// that holds the claim records it (`false` otherwise: nothing changed).
    pub(crate) fn outbox_refused(
        &mut self,
        item: &OutboxItem,
        holder: &str,
        error: &str,
        actor: &Actor,
    ) -> Result<bool> {
        let tx = self.immediate()?;
        let n = tx.execute(
            "UPDATE outbox SET state = 'failed', in_doubt = 0, last_error = ?3, done_at = ?4,
                claimed_by = NULL, claimed_until = NULL
             WHERE id = ?1 AND state = 'pending' AND claimed_by = ?2",
            params![item.id, holder, error, now_text()],
        )?;
        if n == 0 {
            return Ok(false);
        }
        if let Some(request) = &item.request_id {
            tx.execute(
                "UPDATE provider_requests SET local_decision = NULL WHERE id = ?1",
                [request],
            )?;
        }
        Store::append_event(
            &tx,
            actor,
            EventKind::OutboxRefused,
            item.reader_id,
            None,
            &format!("{}: {error}", item.kind.journal_label()),
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// A request decision reached the provider: store the request as it now
    /// is and close the outbox item, in one transaction. What the provider
    /// says is recorded whoever holds the claim; `false` if the item was
    /// already settled (by another run), and then nothing changes.
    pub(crate) fn outbox_request_done(
        &mut self,
        item: &OutboxItem,
        request: Option<&BookRequest>,
        actor: &Actor,
    ) -> Result<bool> {
        let tx = self.immediate()?;
        if !still_pending(&tx, item.id)? {
            return Ok(false);
        }
        if let Some(r) = request {
            upsert_request(&tx, r)?;
        }
        if let Some(id) = &item.request_id {
            tx.execute(
                "UPDATE provider_requests SET local_decision = NULL WHERE id = ?1",
                [id],
            )?;
        }
        close_item(&tx, item.id, "")?;
        Store::append_event(
            &tx,
            actor,
            EventKind::OutboxDelivered,
            None,
            None,
            item.kind.journal_label(),
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// The reader's card was created at the provider: its card number is the
    /// reader's login. Stores it as an account bound to the reader and closes
    /// the outbox item, in one transaction. `password` is `None` when the
    /// answer was lost (the provider sends it to the reader by e-mail or SMS).
    /// `false` if the item was already settled (by another run): nothing changes.
    pub(crate) fn outbox_account_done(
        &mut self,
        item: &OutboxItem,
        provider: &str,
        lib_card: &str,
        password: Option<&str>,
        actor: &Actor,
    ) -> Result<bool> {
        let reader = item
            .reader_id
            .ok_or_else(|| StoreError::Inconsistent("в записи очереди нет читателя"))?;
        let stored_password = self.seal_password(password.unwrap_or(""));
        let tx = self.immediate()?;
        if !still_pending(&tx, item.id)? {
            return Ok(false);
        }
        let now = now_text();
        tx.execute(
            "INSERT INTO accounts (provider, login, login_norm, password, status)
             VALUES (?1, ?2, ?3, ?4, 'assigned')
             ON CONFLICT (provider, login) DO NOTHING",
            params![
                provider,
                lib_card,
                crate::domain::text::login_norm(lib_card),
                stored_password
            ],
        )?;
        let account: AccountId = tx.query_row(
            "SELECT id FROM accounts WHERE provider = ?1 AND login = ?2",
            params![provider, lib_card],
            |r| r.get(0),
        )?;
        let bound: bool = tx
            .prepare_cached("SELECT 1 FROM bindings WHERE account_id = ?1")?
            .exists([account])?;
        if !bound {
            tx.execute(
                "INSERT INTO bindings (reader_id, account_id, provider, bound_at, bound_by)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![reader, account, provider, now, item.created_by],
            )?;
        }
        close_item(&tx, item.id, lib_card)?;
        let details = match password {
            Some(_) => format!("логин {lib_card}"),
            None => format!("логин {lib_card}; пароль ЭБС отправила читателю сама"),
        };
        Store::append_event(
            &tx,
            actor,
            EventKind::ProviderAccountCreated,
            Some(reader),
            Some(account),
            &details,
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Stores a page of pulled requests and the new cursor, in one transaction.
    pub(crate) fn store_requests(
        &mut self,
        requests: &[BookRequest],
        cursor: Option<&str>,
        item_bytes: u64,
    ) -> Result<()> {
        let tx = self.immediate()?;
        for r in requests {
            upsert_request(&tx, r)?;
        }
        if let Some(c) = cursor {
            Store::meta_set(&tx, META_REQUEST_CURSOR, c)?;
        }
        if item_bytes > 0 {
            Store::meta_set(&tx, META_REQUEST_ITEM_BYTES, &item_bytes.to_string())?;
        }
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn request_cursor(&self) -> Result<(Option<String>, Option<u64>)> {
        Ok((
            Store::meta_get(&self.conn, META_REQUEST_CURSOR)?,
            Store::meta_get(&self.conn, META_REQUEST_ITEM_BYTES)?.and_then(|s| s.parse().ok()),
        ))
    }

    pub(crate) fn store_provider_readers(&mut self, readers: &[ProviderReaderRow]) -> Result<()> {
        let tx = self.immediate()?;
        {
            let now = now_text();
            let mut q = tx.prepare_cached(
                "INSERT INTO provider_readers (lib_card, name, birth_date, mail, phone, pulled_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (lib_card) DO UPDATE SET name = excluded.name, birth_date = excluded.birth_date,
                    mail = excluded.mail, phone = excluded.phone, pulled_at = excluded.pulled_at",
            )?;
            for r in readers {
                q.execute(params![
                    r.lib_card,
                    r.name,
                    date_text(r.birth_date),
                    r.mail,
                    r.phone,
                    now
                ])?;
            }
            Store::meta_set(&tx, META_READERS_AT, &now)?;
        }
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn readers_pulled_at(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(Store::meta_get(&self.conn, META_READERS_AT)?
            .as_deref()
            .map(parse_ts))
    }

    pub(crate) fn store_stats(&mut self, from: NaiveDate, to: NaiveDate, json: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO provider_stats (period_from, period_to, stats, pulled_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (period_from, period_to) DO UPDATE SET stats = excluded.stats, pulled_at = excluded.pulled_at",
            params![date_text(Some(from)), date_text(Some(to)), json, now_text()],
        )?;
        Ok(())
    }

    /// Records how a sync ended: `error` is `None` after a full success.
    pub(crate) fn record_sync(&mut self, online: bool, error: Option<&str>) -> Result<()> {
        let tx = self.immediate()?;
        let now = now_text();
        Store::meta_set(&tx, META_LAST_ATTEMPT, &now)?;
        Store::meta_set(&tx, META_ONLINE, if online { "1" } else { "0" })?;
        match error {
            None => {
                Store::meta_set(&tx, META_LAST_SUCCESS, &now)?;
                Store::meta_set(&tx, META_LAST_ERROR, "")?;
            }
            Some(e) => Store::meta_set(&tx, META_LAST_ERROR, e)?,
        }
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn sync_status(&self) -> Result<SyncStatus> {
        let get = |k: &str| Store::meta_get(&self.conn, k);
        let count = |sql: &str| -> Result<u64> {
            Ok(self.conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
        };
        Ok(SyncStatus {
            configured: true,
            online: get(META_ONLINE)?.map(|v| v == "1"),
            last_success: get(META_LAST_SUCCESS)?.as_deref().map(parse_ts),
            last_attempt: get(META_LAST_ATTEMPT)?.as_deref().map(parse_ts),
            last_error: get(META_LAST_ERROR)?.filter(|e| !e.is_empty()),
            waiting: count("SELECT count(*) FROM outbox WHERE state = 'pending'")?,
            failed: count("SELECT count(*) FROM outbox WHERE state = 'failed'")?,
            pending_requests: count(
                "SELECT count(*) FROM provider_requests WHERE status = 'pending' AND local_decision IS NULL",
            )?,
            oldest_pending: self
                .conn
                .query_row(
                    "SELECT min(created) FROM provider_requests
                     WHERE status = 'pending' AND local_decision IS NULL",
                    [],
                    |r| r.get::<_, Option<String>>(0),
                )?
                .as_deref()
                .map(parse_ts),
        })
    }

    /// Writes of the outbox, newest first, optionally only pending ones.
    pub(crate) fn outbox(
        &self,
        only_pending: bool,
        limit: usize,
    ) -> Result<Vec<(OutboxItem, String)>> {
        let mut q = self.conn.prepare_cached(&format!(
            "SELECT {OUTBOX_COLUMNS}, state FROM outbox WHERE (?1 = 0 OR state = 'pending') ORDER BY id DESC LIMIT ?2"
        ))?;
        let rows = q.query_map(params![only_pending as i64, limit as i64], |r| {
            Ok((outbox_from_row(r)?, r.get::<_, String>(10)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Requests waiting for the desk, oldest first; or all, newest first.
    pub(crate) fn requests(&self, only_pending: bool, limit: usize) -> Result<Vec<BookRequest>> {
        let sql = if only_pending {
            format!(
                "SELECT {REQUEST_COLUMNS} FROM provider_requests WHERE status = 'pending' ORDER BY created LIMIT ?1"
            )
        } else {
            format!(
                "SELECT {REQUEST_COLUMNS} FROM provider_requests ORDER BY updated DESC LIMIT ?1"
            )
        };
        let mut q = self.conn.prepare_cached(&sql)?;
        let rows = q.query_map([limit as i64], request_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub(crate) fn request(&self, id: &RequestId) -> Result<Option<BookRequest>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {REQUEST_COLUMNS} FROM provider_requests WHERE id = ?1"),
                [id],
                request_from_row,
            )
            .optional()?)
    }
}

/// Queues a card creation inside the caller's transaction (registration in
/// "create at the provider" mode uses it too).
pub(super) fn queue_account(
    conn: &Connection,
    provider: &str,
    reader: ReaderId,
    payload: &str,
    actor: &Actor,
) -> Result<i64> {
    let bound: bool = conn
        .prepare_cached(
            "SELECT 1 FROM bindings WHERE reader_id = ?1 AND provider = ?2 AND ended_at IS NULL",
        )?
        .exists(params![reader, provider])?;
    if bound {
        return Err(StoreError::ReaderHasLogin);
    }
    let waiting: bool = conn
        .prepare_cached("SELECT 1 FROM outbox WHERE kind = 'create_reader' AND reader_id = ?1 AND state = 'pending'")?
        .exists([reader])?;
    if waiting {
        return Err(StoreError::ProviderAccountWaiting);
    }
    let id = enqueue(
        conn,
        OutboxKind::CreateReader,
        payload,
        Some(reader),
        None,
        actor,
    )?;
    Store::append_event(
        conn,
        actor,
        EventKind::ProviderAccountRequested,
        Some(reader),
        None,
        "",
    )?;
    Ok(id)
}

/// Is the outbox item still waiting (not sent, not refused)?
fn still_pending(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM outbox WHERE id = ?1 AND state = 'pending'")?
        .exists([id])?)
}

fn close_item(conn: &Connection, id: i64, result: &str) -> Result<()> {
    conn.execute(
        "UPDATE outbox SET state = 'done', in_doubt = 0, done_at = ?2, result = ?3, last_error = NULL,
            claimed_by = NULL, claimed_until = NULL
         WHERE id = ?1",
        params![id, now_text(), result],
    )?;
    Ok(())
}

pub(super) fn upsert_request(conn: &Connection, r: &BookRequest) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO provider_requests (id, lib_card, reader_name, reader_birth_date, art, title, authors, genre,
            kind, price_kopecks, age_rating, status, created, updated, refusal_reason, refusal_text, loan_due,
            pulled_at, rating, reviews, draft, samizdat, free, bought_by, direct)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,
            ?22, ?23, ?24, ?25)
         ON CONFLICT (id) DO UPDATE SET lib_card = excluded.lib_card, reader_name = excluded.reader_name,
            reader_birth_date = excluded.reader_birth_date, art = excluded.art, title = excluded.title,
            authors = excluded.authors, genre = excluded.genre, kind = excluded.kind,
            price_kopecks = excluded.price_kopecks, age_rating = excluded.age_rating, status = excluded.status,
            created = excluded.created, updated = excluded.updated, refusal_reason = excluded.refusal_reason,
            refusal_text = excluded.refusal_text, loan_due = excluded.loan_due, pulled_at = excluded.pulled_at,
            rating = excluded.rating, reviews = excluded.reviews, draft = excluded.draft,
            samizdat = excluded.samizdat, free = excluded.free, bought_by = excluded.bought_by,
            direct = excluded.direct",
    )?
    .execute(params![
        r.id,
        r.lib_card,
        r.reader_name,
        date_text(r.reader_birth_date),
        r.art as i64,
        r.title,
        r.authors,
        r.genre,
        r.kind,
        r.price_kopecks,
        r.age_rating.map(i64::from),
        r.status,
        r.created.map(ts),
        r.updated.map(ts),
        r.refusal_reason,
        r.refusal_text,
        date_text(r.loan_due),
        now_text(),
        r.rating.map(i64::from),
        r.reviews.map(i64::from),
        r.draft as i64,
        r.samizdat as i64,
        r.free as i64,
        r.bought_by.map(Buyer::code),
        r.direct as i64
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::request::DecisionKind;

    fn store() -> (tempfile::TempDir, Store, Actor) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
        let actor = Actor {
            staff: "Смирнова О. В.".into(),
            desk: "кафедра 1".into(),
        };
        (dir, store, actor)
    }

    fn queued(store: &mut Store, actor: &Actor) -> OutboxItem {
        let request = RequestId("r1".into());
        let kind = OutboxKind::Decision(DecisionKind::Issue);
        enqueue(&store.conn, kind, "{}", None, Some(&request), actor).unwrap();
        store.next_outbox(Utc::now()).unwrap().expect("due")
    }

    fn later() -> DateTime<Utc> {
        Utc::now() + chrono::Duration::minutes(5)
    }

    /// Two runs of one desk (one process or two) never hold one write at once; a run whose
    /// process is gone is taken over, and only the holder may put the write back.
    #[test]
    fn a_claim_belongs_to_one_run() {
        let (_dir, mut s, actor) = store();
        let seen = queued(&mut s, &actor);
        let alive = |_: &str| false;
        let taken = s.outbox_claim(&seen, "run a", later(), alive).unwrap();
        let taken = taken.expect("free");
        assert_eq!((taken.attempts, taken.in_doubt), (1, false));
        // Another run of the same desk, with what it read before the claim, or after.
        assert_eq!(
            s.outbox_claim(&seen, "run b", later(), alive).unwrap(),
            None
        );
        let now_seen = s.next_outbox(Utc::now()).unwrap().unwrap();
        assert!(now_seen.in_doubt);
        assert_eq!(
            s.outbox_claim(&now_seen, "run b", later(), alive).unwrap(),
            None
        );
        // Not the holder: cannot renew, put back or refuse it.
        assert!(!s.outbox_renew(seen.id, "run b", later()).unwrap());
        let past = Utc::now() - chrono::Duration::seconds(1);
        assert!(!s.outbox_retry(seen.id, "run b", "x", past, false).unwrap());
        assert!(!s.outbox_refused(&now_seen, "run b", "x", &actor).unwrap());
        assert!(s.outbox_renew(seen.id, "run a", later()).unwrap());
        // Run a's process died: its claim is taken over, in doubt (re-read first).
        let gone = |by: &str| by == "run a";
        let over = s.outbox_claim(&now_seen, "run b", later(), gone).unwrap();
        let over = over.expect("taken over");
        assert_eq!((over.attempts, over.in_doubt), (2, true));
        assert!(!s.outbox_renew(seen.id, "run a", later()).unwrap());
    }

    /// A claim whose lease ran out is free; a write backing off is not claimed before its
    /// time, and one tried again meanwhile is not claimed on what was seen before.
    #[test]
    fn a_claim_respects_the_lease_the_backoff_and_the_attempts() {
        let (_dir, mut s, actor) = store();
        let seen = queued(&mut s, &actor);
        let alive = |_: &str| false;
        let past = Utc::now() - chrono::Duration::seconds(1);
        s.outbox_claim(&seen, "run a", past, alive)
            .unwrap()
            .expect("free");
        let expired = s.next_outbox(Utc::now()).unwrap().unwrap();
        let b = s.outbox_claim(&expired, "run b", later(), alive).unwrap();
        let b = b.expect("the lease ran out");
        // Run b could not send it now: it backs off.
        assert!(
            s.outbox_retry(b.id, "run b", "нет связи", later(), false)
                .unwrap()
        );
        let waiting = s.outbox(true, 10).unwrap().remove(0).0;
        assert!(s.next_outbox(Utc::now()).unwrap().is_none());
        assert_eq!(
            s.outbox_claim(&waiting, "run c", later(), alive).unwrap(),
            None
        );
        // Due again, but seen before another attempt: not claimed on the old view.
        s.outbox_due_now().unwrap();
        let due = s.next_outbox(Utc::now()).unwrap().unwrap();
        s.outbox_claim(&due, "run c", past, alive)
            .unwrap()
            .expect("due");
        assert_eq!(s.outbox_claim(&due, "run d", later(), alive).unwrap(), None);
    }
}
