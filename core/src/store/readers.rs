//! Readers: registration, lookup, search and duplicate checks.

use std::collections::HashSet;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use super::{Result, Store, StoreError, now_text, parse_ts};
use crate::domain::card_number::CardPattern;
use crate::domain::event::Actor;
use crate::domain::reader::{Channel, ValidReader};
use crate::domain::records::{Consent, DuplicateHit, DuplicateReason, Reader, ReaderHit, ReaderId};
use crate::domain::text::{compact_code, login_norm, normalize};

/// What the store needs to insert a reader: the validated form plus the
/// consent text version.
#[derive(Debug, Clone)]
pub struct NewReaderRow<'a> {
    pub reader: &'a ValidReader,
    pub consent_version: &'a str,
    /// Also queue the creation of the reader's card at the provider (JSON
    /// parameters), in the same transaction: `(provider, payload)`.
    pub provider_account: Option<(&'a str, &'a str)>,
}

const READER_COLUMNS: &str = "id, surname, name, patronymic, birth_date, card, email, phone, \
     channel, representative, created_at, created_by";

fn reader_from_row(r: &Row<'_>) -> rusqlite::Result<Reader> {
    let birth: String = r.get(4)?;
    let channel: String = r.get(8)?;
    let created: String = r.get(10)?;
    Ok(Reader {
        id: r.get(0)?,
        surname: r.get(1)?,
        name: r.get(2)?,
        patronymic: r.get(3)?,
        birth_date: NaiveDate::parse_from_str(&birth, "%Y-%m-%d").unwrap_or_default(),
        card: r.get(5)?,
        email: r.get(6)?,
        phone: r.get(7)?,
        channel: Channel::from_code(&channel).unwrap_or_default(),
        representative: r.get(9)?,
        created_at: parse_ts(&created),
        created_by: r.get(11)?,
    })
}

const HIT_SELECT: &str =
    "SELECT r.id, r.surname, r.name, r.patronymic, r.birth_date, r.card, a.login
     FROM readers r
     LEFT JOIN bindings b ON b.reader_id = r.id AND b.ended_at IS NULL
     LEFT JOIN accounts a ON a.id = b.account_id";

fn hit_from_row(r: &Row<'_>) -> rusqlite::Result<ReaderHit> {
    let surname: String = r.get(1)?;
    let name: String = r.get(2)?;
    let patronymic: Option<String> = r.get(3)?;
    let birth: String = r.get(4)?;
    Ok(ReaderHit {
        id: r.get(0)?,
        full_name: crate::domain::reader::full_name(&surname, &name, patronymic.as_deref()),
        birth_date: NaiveDate::parse_from_str(&birth, "%Y-%m-%d").unwrap_or_default(),
        card: r.get(5)?,
        login: r.get(6)?,
    })
}

/// Upper bound for a prefix range scan over BINARY-collated text: every string
/// that starts with `p` sorts in `[p, p + U+10FFFF)`.
fn prefix_end(p: &str) -> String {
    format!("{p}\u{10FFFF}")
}

impl Store {
    /// Inserts a reader with the consent and the journal records, in one
    /// transaction. A missing card number is generated from `pattern`.
    pub(crate) fn insert_reader(
        &mut self,
        new: NewReaderRow<'_>,
        pattern: &CardPattern,
        today: NaiveDate,
        actor: &Actor,
    ) -> Result<Reader> {
        let v = new.reader;
        let tx = self.immediate()?;
        let card = match &v.card {
            Some(card) => {
                if let Some(holder) = card_holder(&tx, card)? {
                    return Err(StoreError::CardTaken {
                        card: card.clone(),
                        holder: holder.full_name,
                    });
                }
                card.clone()
            }
            None => next_card(&tx, pattern, today)?,
        };
        let now = now_text();
        let id = insert_row(&tx, v, &card, &now, &actor.staff)?;
        let given_by = if v.representative.is_some() {
            "representative"
        } else {
            "reader"
        };
        tx.execute(
            "INSERT INTO consents (reader_id, version, given_at, given_by, representative, staff)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id,
                new.consent_version,
                now,
                given_by,
                v.representative,
                actor.staff
            ],
        )?;
        Store::append_event(
            &tx,
            actor,
            crate::domain::EventKind::ReaderRegistered,
            Some(id),
            None,
            &registered_details(&card, v),
        )?;
        let consent_details = match &v.representative {
            Some(r) => format!(
                "версия {}, подписал законный представитель {r}",
                new.consent_version
            ),
            None => format!("версия {}", new.consent_version),
        };
        Store::append_event(
            &tx,
            actor,
            crate::domain::EventKind::ConsentGiven,
            Some(id),
            None,
            &consent_details,
        )?;
        if let Some((provider, payload)) = new.provider_account {
            super::sync::queue_account(&tx, provider, id, payload, actor)?;
        }
        let reader = tx.query_row(
            &format!("SELECT {READER_COLUMNS} FROM readers WHERE id = ?1"),
            [id],
            reader_from_row,
        )?;
        tx.commit()?;
        Ok(reader)
    }

    /// Inserts many readers at once with the given card numbers (demo data
    /// and benchmarks), journaling the registrations if asked.
    pub(crate) fn insert_readers_bulk(
        &mut self,
        readers: &[(ValidReader, String)],
        actor: &Actor,
        journal: bool,
    ) -> Result<()> {
        let staff = actor.staff.as_str();
        let tx = self.immediate()?;
        {
            let now = now_text();
            let mut consent = tx.prepare(
                "INSERT INTO consents (reader_id, version, given_at, given_by, representative, staff)
                 VALUES (?1, 'demo', ?2, 'reader', NULL, ?3)",
            )?;
            for (v, card) in readers {
                let id = insert_row(&tx, v, card, &now, staff)?;
                consent.execute(params![id, now, staff])?;
                if journal {
                    Store::append_event(
                        &tx,
                        actor,
                        crate::domain::EventKind::ReaderRegistered,
                        Some(id),
                        None,
                        &registered_details(card, v),
                    )?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn reader(&self, id: ReaderId) -> Result<Option<Reader>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {READER_COLUMNS} FROM readers WHERE id = ?1"),
                [id],
                reader_from_row,
            )
            .optional()?)
    }

    /// The reader holding this card number (exact, ignoring case and separators).
    pub(crate) fn reader_by_card(&self, card: &str) -> Result<Option<Reader>> {
        let Some(holder) = card_holder(&self.conn, card)? else {
            return Ok(None);
        };
        self.reader(holder.id)
    }

    pub(crate) fn consent(&self, reader: ReaderId) -> Result<Option<Consent>> {
        Ok(self
            .conn
            .query_row(
                "SELECT version, given_at, given_by, representative, staff, withdrawn_at
                 FROM consents WHERE reader_id = ?1 ORDER BY id DESC LIMIT 1",
                [reader],
                |r| {
                    let given_by: String = r.get(2)?;
                    let representative: Option<String> = r.get(3)?;
                    let withdrawn: Option<String> = r.get(5)?;
                    Ok(Consent {
                        version: r.get(0)?,
                        given_at: parse_ts(&r.get::<_, String>(1)?),
                        by_representative: if given_by == "representative" {
                            representative
                        } else {
                            None
                        },
                        staff: r.get(4)?,
                        withdrawn_at: withdrawn.as_deref().map(parse_ts),
                    })
                },
            )
            .optional()?)
    }

    pub(crate) fn reader_count(&self) -> Result<u64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM readers", [], |r| r.get::<_, i64>(0))?
            as u64)
    }

    /// Readers that may be the same person as the one being registered.
    pub(crate) fn find_duplicates(&self, v: &ValidReader) -> Result<Vec<DuplicateHit>> {
        let mut hits: Vec<DuplicateHit> = Vec::new();
        let mut add = |hit: ReaderHit, reason: DuplicateReason| {
            if let Some(h) = hits.iter_mut().find(|h| h.reader.id == hit.id) {
                h.reasons.push(reason);
            } else {
                hits.push(DuplicateHit {
                    reader: hit,
                    reasons: vec![reason],
                });
            }
        };
        let mut by_person = self.conn.prepare_cached(&format!(
            "{HIT_SELECT} WHERE r.surname_norm = ?1 AND r.name_norm = ?2 AND r.birth_date = ?3 LIMIT 20"
        ))?;
        let rows = by_person.query_map(
            params![
                normalize(&v.surname),
                normalize(&v.name),
                v.birth_date.format("%Y-%m-%d").to_string()
            ],
            hit_from_row,
        )?;
        for hit in rows {
            add(hit?, DuplicateReason::NameAndBirthDate);
        }
        if let Some(email) = &v.email {
            let mut q = self
                .conn
                .prepare_cached(&format!("{HIT_SELECT} WHERE r.email = ?1 LIMIT 20"))?;
            for hit in q.query_map([email], hit_from_row)? {
                add(hit?, DuplicateReason::Email);
            }
        }
        if let Some(phone) = &v.phone {
            let mut q = self
                .conn
                .prepare_cached(&format!("{HIT_SELECT} WHERE r.phone = ?1 LIMIT 20"))?;
            for hit in q.query_map([phone], hit_from_row)? {
                add(hit?, DuplicateReason::Phone);
            }
        }
        Ok(hits)
    }

    /// Who holds this card number, if anybody (their full name).
    pub(crate) fn card_holder(&self, card: &str) -> Result<Option<String>> {
        Ok(card_holder(&self.conn, card)?.map(|h| h.full_name))
    }

    /// The card number the next registration would get from `pattern`
    /// (shown in the form; the number is only taken when the reader is saved).
    pub(crate) fn peek_card(&self, pattern: &CardPattern, today: NaiveDate) -> Result<String> {
        Ok(free_card(&self.conn, pattern, today)?.1)
    }

    /// The search box: any part of the surname or name (case-insensitive,
    /// ё = е), a card number (whole or its beginning) or a provider login.
    /// Best matches first: exact card or login, then prefixes of card, login,
    /// surname and name, then substrings of the full name.
    pub(crate) fn search_readers(&self, query: &str, limit: usize) -> Result<Vec<ReaderHit>> {
        let q = normalize(query);
        if q.is_empty() {
            return self.recent_readers(limit);
        }
        let mut ids: Vec<ReaderId> = Vec::new();
        let mut seen: HashSet<ReaderId> = HashSet::new();
        let want = limit;
        let mut push = |found: Vec<ReaderId>, ids: &mut Vec<ReaderId>| {
            for id in found {
                if ids.len() >= want {
                    break;
                }
                if seen.insert(id) {
                    ids.push(id);
                }
            }
        };

        let tokens: Vec<&str> = q.split(' ').collect();
        let code = compact_code(&q);
        // Logins are keyed with look-alike letters folded (a Cyrillic «с» is
        // the Latin «c»), as the pool stores them.
        let login = login_norm(&q);
        let single = tokens.len() == 1;
        if single && !code.is_empty() {
            // Card numbers and logins: exact first, then by prefix.
            push(self.ids_by_card(&code, true, want)?, &mut ids);
            push(self.ids_by_login(&login, true, want)?, &mut ids);
            if ids.len() < want {
                push(self.ids_by_card(&code, false, want)?, &mut ids);
            }
            if ids.len() < want {
                push(self.ids_by_login(&login, false, want)?, &mut ids);
            }
        }
        let looks_like_name = q.chars().any(char::is_alphabetic);
        if looks_like_name && ids.len() < want {
            // «Фамилия Имя…», then «Имя Фамилия…».
            push(
                self.ids_by_prefix("surname_norm", "name_norm", &tokens, want)?,
                &mut ids,
            );
            if ids.len() < want {
                push(
                    self.ids_by_prefix("name_norm", "surname_norm", &tokens, want)?,
                    &mut ids,
                );
            }
            // Substrings (any part of a name): for one word whenever the
            // prefixes did not fill the page; for several words only when no
            // prefix matched at all — an AND of several trigram phrases is the
            // one slow query here, and «Фамилия Имя Отчество» typed in full is
            // already served by the prefixes.
            if (single && ids.len() < want) || ids.is_empty() {
                push(self.ids_by_substring(&tokens, want)?, &mut ids);
            }
        }
        self.hits_by_ids(&ids)
    }

    fn recent_readers(&self, limit: usize) -> Result<Vec<ReaderHit>> {
        let mut q = self
            .conn
            .prepare_cached(&format!("{HIT_SELECT} ORDER BY r.id DESC LIMIT ?1"))?;
        let rows = q.query_map([limit as i64], hit_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn ids_by_card(&self, code: &str, exact: bool, limit: usize) -> Result<Vec<ReaderId>> {
        let sql = if exact {
            "SELECT id FROM readers WHERE card_norm = ?1 LIMIT ?3"
        } else {
            "SELECT id FROM readers WHERE card_norm >= ?1 AND card_norm < ?2 ORDER BY card_norm LIMIT ?3"
        };
        let mut q = self.conn.prepare_cached(sql)?;
        let rows = q.query_map(params![code, prefix_end(code), limit as i64], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn ids_by_login(&self, code: &str, exact: bool, limit: usize) -> Result<Vec<ReaderId>> {
        let cond = if exact {
            "a.login_norm = ?1"
        } else {
            "a.login_norm >= ?1 AND a.login_norm < ?2"
        };
        let sql = format!(
            "SELECT b.reader_id FROM accounts a JOIN bindings b ON b.account_id = a.id
             WHERE {cond} ORDER BY a.login_norm, b.ended_at IS NOT NULL LIMIT ?3"
        );
        let mut q = self.conn.prepare_cached(&sql)?;
        let rows = q.query_map(params![code, prefix_end(code), limit as i64], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Readers whose `first` column starts with `tokens[0]` and, if there is
    /// a second token, whose `second` column starts with it; further tokens
    /// must occur anywhere in the full name. Served by the (first, second)
    /// index: SQLite tests both prefixes on the index entries and reads a
    /// row only for real candidates (its deferred seek).
    fn ids_by_prefix(
        &self,
        first: &str,
        second: &str,
        tokens: &[&str],
        limit: usize,
    ) -> Result<Vec<ReaderId>> {
        let mut params: Vec<String> = vec![tokens[0].to_string(), prefix_end(tokens[0])];
        let mut sql = format!("SELECT id FROM readers WHERE {first} >= ?1 AND {first} < ?2");
        if let Some(t) = tokens.get(1) {
            params.push(t.to_string());
            params.push(prefix_end(t));
            sql.push_str(&format!(" AND {second} >= ?3 AND {second} < ?4"));
        }
        for t in tokens.get(2..).unwrap_or_default() {
            params.push(t.to_string());
            sql.push_str(&format!(" AND instr(full_norm, ?{}) > 0", params.len()));
        }
        sql.push_str(&format!(" ORDER BY {first}, {second} LIMIT {limit}"));
        let mut q = self.conn.prepare_cached(&sql)?;
        let rows = q.query_map(params_from_iter(&params), |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Substring match on the full name through the trigram index: every token
    /// of three or more characters goes to FTS; shorter ones filter the result.
    fn ids_by_substring(&self, tokens: &[&str], limit: usize) -> Result<Vec<ReaderId>> {
        let (long, short): (Vec<&str>, Vec<&str>) =
            tokens.iter().partition(|t| t.chars().count() >= 3);
        if long.is_empty() {
            return Ok(Vec::new());
        }
        let fts_query = long
            .iter()
            .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" AND ");
        let mut sql = String::from(
            "SELECT r.id FROM readers_fts f JOIN readers r ON r.id = f.rowid WHERE readers_fts MATCH ?1",
        );
        for i in 0..short.len() {
            sql.push_str(&format!(" AND instr(r.full_norm, ?{}) > 0", i + 3));
        }
        sql.push_str(" LIMIT ?2");
        let mut q = self.conn.prepare_cached(&sql)?;
        let limit = limit as i64;
        let mut args: Vec<&dyn rusqlite::ToSql> = vec![&fts_query, &limit];
        for s in &short {
            args.push(s);
        }
        let rows = q.query_map(params_from_iter(args), |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn hits_by_ids(&self, ids: &[ReaderId]) -> Result<Vec<ReaderHit>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = vec!["?"; ids.len()].join(",");
        let mut q = self
            .conn
            .prepare(&format!("{HIT_SELECT} WHERE r.id IN ({placeholders})"))?;
        let mut hits: Vec<ReaderHit> = q
            .query_map(params_from_iter(ids), hit_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        hits.sort_by_key(|h| ids.iter().position(|id| *id == h.id));
        Ok(hits)
    }
}

/// Inserts one reader row with its search columns; returns the new id.
fn insert_row(
    conn: &Connection,
    v: &ValidReader,
    card: &str,
    now: &str,
    staff: &str,
) -> Result<ReaderId> {
    conn.prepare_cached(
        "INSERT INTO readers (surname, name, patronymic, birth_date, card, email, phone, channel,
            representative, created_at, created_by, surname_norm, name_norm, full_norm, card_norm)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        v.surname,
        v.name,
        v.patronymic,
        v.birth_date.format("%Y-%m-%d").to_string(),
        card,
        v.email,
        v.phone,
        v.channel.code(),
        v.representative,
        now,
        staff,
        normalize(&v.surname),
        normalize(&v.name),
        normalize(&v.full_name()),
        compact_code(card),
    ])?;
    Ok(ReaderId(conn.last_insert_rowid()))
}

fn registered_details(card: &str, v: &ValidReader) -> String {
    format!("билет № {card}, канал: {}", v.channel.label())
}

struct CardHolder {
    id: ReaderId,
    full_name: String,
}

fn card_holder(conn: &Connection, card: &str) -> Result<Option<CardHolder>> {
    Ok(conn
        .query_row(
            "SELECT id, surname, name, patronymic FROM readers WHERE card_norm = ?1",
            [compact_code(card)],
            |r| {
                let patronymic: Option<String> = r.get(3)?;
                Ok(CardHolder {
                    id: r.get(0)?,
                    full_name: crate::domain::reader::full_name(
                        &r.get::<_, String>(1)?,
                        &r.get::<_, String>(2)?,
                        patronymic.as_deref(),
                    ),
                })
            },
        )
        .optional()?)
}

/// The first number of the pattern after its counter that nobody holds.
fn free_card(conn: &Connection, pattern: &CardPattern, today: NaiveDate) -> Result<(u64, String)> {
    let mut seq: u64 = Store::meta_get(conn, &pattern.counter_key(today))?
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    loop {
        seq += 1;
        let card = pattern.format(today, seq);
        if card_holder(conn, &card)?.is_none() {
            return Ok((seq, card));
        }
    }
}

/// Takes the next free number of the pattern and advances the counter.
fn next_card(conn: &Connection, pattern: &CardPattern, today: NaiveDate) -> Result<String> {
    let (seq, card) = free_card(conn, pattern, today)?;
    Store::meta_set(conn, &pattern.counter_key(today), &seq.to_string())?;
    Ok(card)
}
