//! The requests desk: pending requests with everything the rules and the
//! priorities look at, the library's policy and info, cards tied to readers,
//! readers' own lending settings, direct issues and a reader's «Книгооборот».

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params, params_from_iter};

use super::sync::{REQUEST_COLUMNS, request_from_row};
use super::{Result, Store, StoreError, now_text, parse_ts};
use crate::domain::event::{Actor, EventKind};
use crate::domain::ids::{ReaderId, RequestId};
use crate::domain::policy::Policy;
use crate::domain::request::{BookKind, BookRequest, Decision, OutboxKind, RequestStatus};

/// A local reader as the desk weighs a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskReader {
    pub id: ReaderId,
    pub surname: String,
    pub name: String,
    pub patronymic: Option<String>,
    pub birth_date: NaiveDate,
    pub card: String,
    pub since: DateTime<Utc>,
    pub lending: Option<Lending>,
}

/// A reader's own lending settings (`None`: the library's default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lending {
    pub loan_days: Option<u32>,
    pub self_price_cap: Option<i64>,
    pub self_purchases: Option<u32>,
}

/// What the provider's data say of one card.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardStats {
    pub requests: u32,
    pub first_at: Option<DateTime<Utc>>,
    /// Issued and not yet due back.
    pub on_hand: u32,
    /// Bought by the library to issue this card's requests, this month.
    pub bought_this_month: u32,
    /// Bought under the reader's own allowance, this month.
    pub self_bought_this_month: u32,
}

/// What the fund holds of a title.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stock {
    pub copies: u32,
    pub on_loan: u32,
    pub copy_issues: Vec<u32>,
    /// The title left the fund at a copy's 24th issue and has no copy now:
    /// this request (the 25th) may buy it again.
    pub rebuy: bool,
}

/// A pending request with everything the desk weighs it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskRow {
    pub request: BookRequest,
    /// Requests of the same card made before this one.
    pub previous: u32,
    pub reader: Option<DeskReader>,
    pub card: CardStats,
    pub stock: Option<Stock>,
}

/// The library at the provider, as last pulled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryRow {
    pub name: String,
    pub money_left: i64,
    /// The provider's lending rules as JSON.
    pub rules: String,
    pub pulled_at: DateTime<Utc>,
}

/// A title of the fund, for choosing a book to issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundTitle {
    pub art: u64,
    pub title: String,
    pub authors: String,
    pub genre: Option<String>,
    pub kind: BookKind,
    pub price: Option<i64>,
    pub age_rating: Option<u8>,
    pub stock: Stock,
}

/// The most pending requests the desk weighs at once.
pub const QUEUE_LIMIT: usize = 50_000;

fn parse_day(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

fn issues_list(json: Option<String>) -> Vec<u32> {
    json.and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default()
}

/// The local reader holding `lib_card`: tied by hand, or through the login
/// bound now, or by the same card number (an SQL expression over `lc`).
pub(super) fn holder_sql(lc: &str) -> String {
    format!(
        "COALESCE(
            (SELECT cl.reader_id FROM card_links cl WHERE cl.lib_card = {lc}),
            (SELECT b.reader_id FROM accounts a JOIN bindings b ON b.account_id = a.id AND b.ended_at IS NULL
              WHERE a.provider = ?1 AND a.provider_card = {lc} LIMIT 1),
            (SELECT b.reader_id FROM accounts a JOIN bindings b ON b.account_id = a.id AND b.ended_at IS NULL
              WHERE a.provider = ?1 AND a.login = {lc} LIMIT 1),
            (SELECT rd.id FROM readers rd WHERE rd.card = {lc}))"
    )
}

impl Store {
    /// Pending requests not yet decided here (or only `only`), oldest first,
    /// each with its reader, the card's history and the fund's stock.
    /// `today` and `month_start` are the library's dates.
    pub(crate) fn desk_rows(
        &self,
        provider: &str,
        only: Option<&RequestId>,
        today: NaiveDate,
        month_start: NaiveDate,
        limit: usize,
    ) -> Result<Vec<DeskRow>> {
        let cols: String = REQUEST_COLUMNS
            .split(',')
            .map(|c| format!("q.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "WITH q AS (
                SELECT r.*,
                    (SELECT count(*) FROM provider_requests p
                      WHERE p.lib_card = r.lib_card AND p.created < r.created) AS previous,
                    {holder} AS holder
                FROM provider_requests r
                WHERE r.status = 'pending' AND (?2 IS NULL OR r.id = ?2)
                  AND (?2 IS NOT NULL OR r.local_decision IS NULL)
                ORDER BY r.created LIMIT ?3)
             SELECT {cols}, q.previous,
                rd.id, rd.surname, rd.name, rd.patronymic, rd.birth_date, rd.card, rd.created_at,
                l.reader_id, l.loan_days, l.self_price_cap, l.self_purchases,
                f.art, f.copies, f.on_loan, f.copy_issues,
                f.copies = 0 AND EXISTS (SELECT 1 FROM fund_events e WHERE e.art = f.art AND e.kind = 'retired')
             FROM q LEFT JOIN readers rd ON rd.id = q.holder
                LEFT JOIN reader_lending l ON l.reader_id = q.holder
                LEFT JOIN fund_items f ON f.art = q.art
             ORDER BY q.created",
            holder = holder_sql("r.lib_card"),
        );
        let mut q = self.conn.prepare_cached(&sql)?;
        let rows = q.query_map(
            params![provider, only.map(|r| r.0.as_str()), limit as i64],
            |r| {
                let request = request_from_row(r)?;
                let previous = r.get::<_, i64>(25)? as u32;
                let reader = match r.get::<_, Option<ReaderId>>(26)? {
                    None => None,
                    Some(id) => Some(DeskReader {
                        id,
                        surname: r.get(27)?,
                        name: r.get(28)?,
                        patronymic: r.get(29)?,
                        birth_date: parse_day(r.get(30)?).unwrap_or_default(),
                        card: r.get(31)?,
                        since: parse_ts(&r.get::<_, String>(32)?),
                        lending: match r.get::<_, Option<i64>>(33)? {
                            None => None,
                            Some(_) => Some(Lending {
                                loan_days: r.get::<_, Option<i64>>(34)?.map(|x| x as u32),
                                self_price_cap: r.get(35)?,
                                self_purchases: r.get::<_, Option<i64>>(36)?.map(|x| x as u32),
                            }),
                        },
                    }),
                };
                let stock = match r.get::<_, Option<i64>>(37)? {
                    None => None,
                    Some(_) => Some(Stock {
                        copies: r.get::<_, i64>(38)? as u32,
                        on_loan: r.get::<_, i64>(39)? as u32,
                        copy_issues: issues_list(r.get(40)?),
                        rebuy: r.get::<_, Option<bool>>(41)?.unwrap_or(false),
                    }),
                };
                Ok(DeskRow {
                    request,
                    previous,
                    reader,
                    card: CardStats::default(),
                    stock,
                })
            },
        )?;
        let mut out: Vec<DeskRow> = rows.collect::<rusqlite::Result<_>>()?;
        let cards = if only.is_some() {
            let cards: Vec<String> = out.iter().map(|d| d.request.lib_card.clone()).collect();
            self.card_stats(Some(&cards), today, month_start)?
        } else {
            self.card_stats(None, today, month_start)?
        };
        for row in &mut out {
            if let Some(s) = cards.get(&row.request.lib_card) {
                row.card = s.clone();
            }
        }
        Ok(out)
    }

    /// Per card: requests, the first one, books on hand, purchases this
    /// month (by the library and by the reader). `None`: every card with a
    /// pending request.
    pub(crate) fn card_stats(
        &self,
        cards: Option<&[String]>,
        today: NaiveDate,
        month_start: NaiveDate,
    ) -> Result<HashMap<String, CardStats>> {
        let filter = match cards {
            Some([]) => return Ok(HashMap::new()),
            Some(c) => format!(
                "lib_card IN ({})",
                (0..c.len())
                    .map(|i| format!("?{}", i + 3))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => "lib_card IN (SELECT lib_card FROM provider_requests WHERE status = 'pending')"
                .to_string(),
        };
        let sql = format!(
            "SELECT lib_card, count(*), min(created),
                sum(status = 'issued' AND (loan_due IS NULL OR loan_due >= ?1)),
                sum(bought_by = 'library' AND updated >= ?2),
                sum(bought_by = 'reader' AND updated >= ?2)
             FROM provider_requests WHERE {filter} GROUP BY lib_card"
        );
        let mut q = self.conn.prepare_cached(&sql)?;
        let mut args: Vec<String> = vec![
            today.format("%Y-%m-%d").to_string(),
            month_start.format("%Y-%m-%d").to_string(),
        ];
        args.extend(cards.unwrap_or(&[]).iter().cloned());
        let rows = q.query_map(params_from_iter(args.iter()), |r| {
            let n = |i: usize| -> rusqlite::Result<u32> {
                Ok(r.get::<_, Option<i64>>(i)?.unwrap_or(0) as u32)
            };
            Ok((
                r.get::<_, String>(0)?,
                CardStats {
                    requests: n(1)?,
                    first_at: r.get::<_, Option<String>>(2)?.as_deref().map(parse_ts),
                    on_hand: n(3)?,
                    bought_this_month: n(4)?,
                    self_bought_this_month: n(5)?,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every provider card of a reader: tied by hand, of logins bound now or
    /// before, and the reader's own card number.
    pub(crate) fn reader_cards(&self, provider: &str, reader: ReaderId) -> Result<Vec<String>> {
        let mut q = self.conn.prepare_cached(
            "SELECT lib_card FROM card_links WHERE reader_id = ?2
             UNION SELECT a.provider_card FROM accounts a JOIN bindings b ON b.account_id = a.id
                WHERE b.reader_id = ?2 AND a.provider = ?1 AND a.provider_card IS NOT NULL
             UNION SELECT a.login FROM accounts a JOIN bindings b ON b.account_id = a.id
                WHERE b.reader_id = ?2 AND a.provider = ?1
             UNION SELECT card FROM readers WHERE id = ?2",
        )?;
        let rows = q.query_map(params![provider, reader], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The provider card the reader uses now: of the login bound now, or
    /// tied by hand.
    pub(crate) fn reader_current_card(
        &self,
        provider: &str,
        reader: ReaderId,
    ) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT COALESCE(
                    (SELECT COALESCE(a.provider_card, a.login) FROM accounts a
                       JOIN bindings b ON b.account_id = a.id AND b.ended_at IS NULL
                      WHERE b.reader_id = ?2 AND a.provider = ?1 LIMIT 1),
                    (SELECT lib_card FROM card_links WHERE reader_id = ?2 ORDER BY linked_at DESC LIMIT 1))",
                params![provider, reader],
                |r| r.get::<_, Option<String>>(0),
            )?)
    }

    /// Requests of these cards, any state, newest first.
    pub(crate) fn requests_of_cards(
        &self,
        cards: &[String],
        limit: usize,
    ) -> Result<Vec<BookRequest>> {
        if cards.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..cards.len()).map(|i| format!("?{}", i + 2)).collect();
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM provider_requests WHERE lib_card IN ({})
             ORDER BY COALESCE(updated, created) DESC LIMIT ?1",
            marks.join(", ")
        );
        let mut q = self.conn.prepare(&sql)?;
        let mut args: Vec<rusqlite::types::Value> = vec![(limit as i64).into()];
        args.extend(cards.iter().map(|c| c.clone().into()));
        let rows = q.query_map(params_from_iter(args), request_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Ties a provider card to a local reader (replacing an earlier tie), and
    /// journals it against the reader.
    pub(crate) fn link_card(
        &mut self,
        lib_card: &str,
        reader: ReaderId,
        actor: &Actor,
    ) -> Result<()> {
        let tx = self.immediate()?;
        let exists: bool = tx
            .prepare_cached("SELECT 1 FROM readers WHERE id = ?1")?
            .exists([reader])?;
        if !exists {
            return Err(StoreError::Inconsistent("читателя нет в базе"));
        }
        tx.execute(
            "INSERT INTO card_links (lib_card, reader_id, linked_at, linked_by) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (lib_card) DO UPDATE SET reader_id = excluded.reader_id,
                linked_at = excluded.linked_at, linked_by = excluded.linked_by",
            params![lib_card, reader, now_text(), actor.staff],
        )?;
        Store::append_event(
            &tx,
            actor,
            EventKind::CardLinked,
            Some(reader),
            None,
            &format!("карта ЭБС {lib_card}"),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The library's policy, if the administrator saved one.
    pub(crate) fn policy(&self) -> Result<Option<Policy>> {
        let doc: Option<String> = self
            .conn
            .query_row("SELECT doc FROM desk_policy WHERE id = 1", [], |r| r.get(0))
            .optional()?;
        // A document this build cannot read: the defaults (the row is kept).
        Ok(doc.and_then(|d| serde_json::from_str(&d).ok()))
    }

    /// Saves the policy and journals what changed.
    pub(crate) fn save_policy(
        &mut self,
        policy: &Policy,
        changes: &[String],
        actor: &Actor,
    ) -> Result<()> {
        let doc = serde_json::to_string(policy)
            .map_err(|_| StoreError::Inconsistent("политику не удалось записать"))?;
        let tx = self.immediate()?;
        tx.execute(
            "INSERT INTO desk_policy (id, doc, changed_at, changed_by) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, changed_at = excluded.changed_at,
                changed_by = excluded.changed_by",
            params![doc, now_text(), actor.staff],
        )?;
        Store::append_event(
            &tx,
            actor,
            EventKind::PolicyChanged,
            None,
            None,
            &changes.join("; "),
        )?;
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn store_library_info(
        &mut self,
        name: &str,
        money_left: i64,
        rules_json: &str,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO library_info (id, name, money_left, rules, pulled_at) VALUES (1, ?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, money_left = excluded.money_left,
                rules = excluded.rules, pulled_at = excluded.pulled_at",
            params![name, money_left, rules_json, now_text()],
        )?;
        Ok(())
    }

    pub(crate) fn library_info(&self) -> Result<Option<LibraryRow>> {
        Ok(self
            .conn
            .query_row(
                "SELECT name, money_left, rules, pulled_at FROM library_info WHERE id = 1",
                [],
                |r| {
                    Ok(LibraryRow {
                        name: r.get(0)?,
                        money_left: r.get(1)?,
                        rules: r.get(2)?,
                        pulled_at: parse_ts(&r.get::<_, String>(3)?),
                    })
                },
            )
            .optional()?)
    }

    pub(crate) fn reader_lending(&self, reader: ReaderId) -> Result<Option<Lending>> {
        Ok(self
            .conn
            .query_row(
                "SELECT loan_days, self_price_cap, self_purchases FROM reader_lending WHERE reader_id = ?1",
                [reader],
                |r| {
                    Ok(Lending {
                        loan_days: r.get::<_, Option<i64>>(0)?.map(|x| x as u32),
                        self_price_cap: r.get(1)?,
                        self_purchases: r.get::<_, Option<i64>>(2)?.map(|x| x as u32),
                    })
                },
            )
            .optional()?)
    }

    /// Saves a reader's own settings and queues them for the provider, in one
    /// transaction, journaled against the reader.
    pub(crate) fn set_reader_lending(
        &mut self,
        reader: ReaderId,
        lending: &Lending,
        payload: &str,
        details: &str,
        actor: &Actor,
    ) -> Result<i64> {
        let tx = self.immediate()?;
        tx.execute(
            "INSERT INTO reader_lending (reader_id, loan_days, self_price_cap, self_purchases, changed_at, changed_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (reader_id) DO UPDATE SET loan_days = excluded.loan_days,
                self_price_cap = excluded.self_price_cap, self_purchases = excluded.self_purchases,
                changed_at = excluded.changed_at, changed_by = excluded.changed_by",
            params![
                reader,
                lending.loan_days,
                lending.self_price_cap,
                lending.self_purchases,
                now_text(),
                actor.staff
            ],
        )?;
        let id = super::sync::enqueue(
            &tx,
            OutboxKind::ReaderSettings,
            payload,
            Some(reader),
            None,
            actor,
        )?;
        Store::append_event(
            &tx,
            actor,
            EventKind::LendingChanged,
            Some(reader),
            None,
            details,
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Queues a direct issue (a book from the fund without a request),
    /// journaled against the reader.
    pub(crate) fn queue_direct_issue(
        &mut self,
        reader: ReaderId,
        payload: &str,
        details: &str,
        actor: &Actor,
    ) -> Result<i64> {
        let tx = self.immediate()?;
        let id = super::sync::enqueue(
            &tx,
            OutboxKind::IssueDirect,
            payload,
            Some(reader),
            None,
            actor,
        )?;
        Store::append_event(
            &tx,
            actor,
            EventKind::BookIssuedDirect,
            Some(reader),
            None,
            details,
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Direct issues and settings of a reader still waiting to be sent.
    pub(crate) fn reader_writes_waiting(
        &self,
        reader: ReaderId,
    ) -> Result<Vec<(OutboxKind, String, DateTime<Utc>)>> {
        let mut q = self.conn.prepare_cached(
            "SELECT kind, payload, created_at FROM outbox
             WHERE reader_id = ?1 AND state = 'pending' AND kind IN ('issue_direct', 'reader_settings')
             ORDER BY id DESC",
        )?;
        let rows = q.query_map([reader], |r| {
            Ok((r.get(0)?, r.get(1)?, parse_ts(&r.get::<_, String>(2)?)))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Titles of the fund, by title (at most `limit`).
    pub(crate) fn fund_titles(&self, limit: usize) -> Result<Vec<FundTitle>> {
        let mut q = self.conn.prepare_cached(
            "SELECT art, title, authors, genre, kind, price_kopecks, age_rating, copies, on_loan, copy_issues
             FROM fund_items ORDER BY title LIMIT ?1",
        )?;
        let rows = q.query_map([limit as i64], |r| {
            Ok(FundTitle {
                art: r.get::<_, i64>(0)? as u64,
                title: r.get(1)?,
                authors: r.get(2)?,
                genre: r.get(3)?,
                kind: r.get(4)?,
                price: r.get(5)?,
                age_rating: r.get::<_, Option<i64>>(6)?.map(|a| a as u8),
                stock: Stock {
                    copies: r.get::<_, i64>(7)? as u32,
                    on_loan: r.get::<_, i64>(8)? as u32,
                    copy_issues: issues_list(r.get(9)?),
                    rebuy: false,
                },
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A decision with the reader it is journaled against and the rules it
    /// overrides (each journaled as its own event), in one transaction with
    /// the outbox write.
    pub(crate) fn decide_request_for(
        &mut self,
        request_id: &RequestId,
        decision: &Decision,
        payload: &str,
        reader: Option<ReaderId>,
        overrides: &[String],
        actor: &Actor,
    ) -> Result<i64> {
        let tx = self.immediate()?;
        let row: Option<(RequestStatus, Option<String>, String)> = tx
            .query_row(
                "SELECT status, local_decision, title FROM provider_requests WHERE id = ?1",
                [request_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((status, local, title)) = row else {
            return Err(StoreError::RequestNotFound(request_id.clone()));
        };
        if status != RequestStatus::Pending {
            return Err(StoreError::RequestNotPending { title, status });
        }
        if local.is_some() {
            return Err(StoreError::RequestAlreadyDecided { title });
        }
        tx.execute(
            "UPDATE provider_requests SET local_decision = ?2 WHERE id = ?1",
            params![request_id, decision.kind()],
        )?;
        let kind = OutboxKind::Decision(decision.kind());
        let id = super::sync::enqueue(&tx, kind, payload, reader, Some(request_id), actor)?;
        let details = match decision {
            Decision::Refuse { text, .. } => {
                format!("«{title}»: {}; текст читателю: {text}", decision.label())
            }
            _ => format!("«{title}»: {}", decision.label()),
        };
        Store::append_event(
            &tx,
            actor,
            EventKind::RequestDecided,
            reader,
            None,
            &details,
        )?;
        for rule in overrides {
            Store::append_event(
                &tx,
                actor,
                EventKind::RuleOverridden,
                reader,
                None,
                &format!("«{title}»: {} — {rule}", decision.label()),
            )?;
        }
        tx.commit()?;
        Ok(id)
    }
}
