//! The library's e-fund: the pulled titles compared with the pull before
//! (events: added, retired at the 24th issue, licence ended, returned), the
//! fund search, the lists of what is coming, collections.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use super::desk::holder_sql;
use super::sync::FundRow;
use super::{Result, Store, StoreError, now_text, parse_ts};
use crate::domain::event::{Actor, EventKind};
use crate::domain::fund::{
    Audience, FundTitle, LICENCE_AHEAD_DAYS, LeftBecause, LicenceFilter, LoanFilter, RETIRE_AT,
};
use crate::domain::ids::ReaderId;
use crate::domain::request::{BookKind, RequestStatus};
use crate::domain::text::normalize;

/// The longest annotation kept (the provider's text is cut here).
pub const ANNOTATION_MAX_CHARS: usize = 4_000;

/// What the fund search asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FundQuery {
    /// Words of the title, the authors or the genre (any order, parts of words).
    pub text: String,
    /// Exactly this genre.
    pub genre: Option<String>,
    pub kind: Option<BookKind>,
    /// Age rating at most this («до 12+»).
    pub age_max: Option<u8>,
    pub price_min: Option<i64>,
    pub price_max: Option<i64>,
    pub licence: LicenceFilter,
    pub loans: LoanFilter,
}

/// A title that left the fund, with the readers still asking for it.
#[derive(Debug, Clone, PartialEq)]
pub struct LeftTitle {
    pub title: FundTitle,
    pub day: NaiveDate,
    pub because: LeftBecause,
    pub copies: u32,
    /// Requests for it still pending.
    pub pending_requests: u32,
}

/// A title that came back after its licence was renewed.
#[derive(Debug, Clone, PartialEq)]
pub struct ReturnedTitle {
    pub title: FundTitle,
    pub day: NaiveDate,
}

/// Who has a copy now (from the provider's loans).
#[derive(Debug, Clone, PartialEq)]
pub struct Holder {
    pub lib_card: String,
    pub reader: Option<ReaderId>,
    /// «Фамилия Имя Отчество» of the local reader, else the provider's name.
    pub name: String,
    pub card: Option<String>,
    pub due: Option<NaiveDate>,
}

/// A request for a title, for its history.
#[derive(Debug, Clone, PartialEq)]
pub struct TitleRequest {
    pub id: String,
    pub lib_card: String,
    pub status: RequestStatus,
    pub created: Option<chrono::DateTime<chrono::Utc>>,
    pub refusal_text: Option<String>,
}

/// A fund event of a title.
#[derive(Debug, Clone, PartialEq)]
pub struct FundEventRow {
    pub day: NaiveDate,
    pub kind: String,
    pub copies: u32,
}

/// A collection's header (without its titles).
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub audience: Audience,
    pub items: u32,
    pub changed_at: chrono::DateTime<chrono::Utc>,
}

/// The columns of a title in a list: the annotation left out (NULL).
const LIST_COLUMNS: &str = "f.art, f.title, f.authors, f.genre, f.kind, f.price_kopecks, f.age_rating, f.copies, \
     f.on_loan, f.issues, f.copy_issues, f.licence_end, f.added, NULL";

const TITLE_COLUMNS: &str = "f.art, f.title, f.authors, f.genre, f.kind, f.price_kopecks, f.age_rating, f.copies, \
     f.on_loan, f.issues, f.copy_issues, f.licence_end, f.added, f.annotation";

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_day(s: Option<String>) -> Option<NaiveDate> {
    s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
}

fn title_from_row(r: &Row<'_>) -> rusqlite::Result<FundTitle> {
    Ok(FundTitle {
        art: r.get::<_, i64>(0)? as u64,
        title: r.get(1)?,
        authors: r.get(2)?,
        genre: r.get(3)?,
        kind: BookKind::from_code(&r.get::<_, String>(4)?),
        price_kopecks: r.get(5)?,
        age_rating: r.get::<_, Option<i64>>(6)?.map(|a| a as u8),
        copies: r.get::<_, i64>(7)? as u32,
        on_loan: r.get::<_, i64>(8)? as u32,
        issues: r.get::<_, i64>(9)? as u32,
        copy_issues: r
            .get::<_, Option<String>>(10)?
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default(),
        licence_end: parse_day(r.get(11)?),
        added: parse_day(r.get(12)?),
        annotation: r.get(13)?,
    })
}

/// «title authors genre», normalised for the search.
fn search_key(f: &FundRow) -> String {
    normalize(&format!(
        "{} {} {}",
        f.title,
        f.authors,
        f.genre.as_deref().unwrap_or("")
    ))
}

fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

struct Before {
    copies: u32,
    licence_end: Option<NaiveDate>,
    listed: bool,
}

fn event(conn: &Connection, art: u64, day: NaiveDate, kind: &str, copies: u32) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO fund_events (art, day, kind, copies) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![art as i64, day_text(day), kind, copies])?;
    Ok(())
}

/// A licence-end event once per (title, day).
fn licence_ended(conn: &Connection, art: u64, end: NaiveDate, copies: u32) -> Result<()> {
    let day = end + Duration::days(1);
    conn.prepare_cached(
        "INSERT INTO fund_events (art, day, kind, copies)
         SELECT ?1, ?2, 'licence_ended', ?3
         WHERE NOT EXISTS (SELECT 1 FROM fund_events WHERE art = ?1 AND day = ?2 AND kind = 'licence_ended')",
    )?
    .execute(params![art as i64, day_text(day), copies])?;
    Ok(())
}

impl Store {
    /// Stores a complete pull of the fund as of `today`, recording what
    /// changed since the pull before, in one transaction.
    pub(crate) fn store_fund(&mut self, items: &[FundRow], today: NaiveDate) -> Result<()> {
        let tx = self.immediate()?;
        {
            let mut before: HashMap<u64, Before> = HashMap::new();
            {
                let mut q =
                    tx.prepare("SELECT art, copies, licence_end, listed FROM fund_items")?;
                let rows = q.query_map([], |r| {
                    Ok((
                        r.get::<_, i64>(0)? as u64,
                        Before {
                            copies: r.get::<_, i64>(1)? as u32,
                            licence_end: parse_day(r.get(2)?),
                            listed: r.get::<_, i64>(3)? != 0,
                        },
                    ))
                })?;
                for row in rows {
                    let (art, b) = row?;
                    before.insert(art, b);
                }
            }
            let now = now_text();
            let mut q = tx.prepare_cached(
                "INSERT INTO fund_items (art, title, authors, genre, kind, price_kopecks, age_rating, copies,
                    on_loan, issues, licence_end, bought, pulled_at, copy_issues, annotation, added,
                    search_key, top_issues, listed)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, 1)
                 ON CONFLICT (art) DO UPDATE SET title = excluded.title, authors = excluded.authors,
                    genre = excluded.genre, kind = excluded.kind, price_kopecks = excluded.price_kopecks,
                    age_rating = excluded.age_rating, copies = excluded.copies, on_loan = excluded.on_loan,
                    issues = excluded.issues, licence_end = excluded.licence_end, bought = excluded.bought,
                    pulled_at = excluded.pulled_at, copy_issues = excluded.copy_issues,
                    annotation = excluded.annotation,
                    added = COALESCE(fund_items.added, excluded.added),
                    search_key = excluded.search_key, top_issues = excluded.top_issues, listed = 1",
            )?;
            for f in items {
                let added = f.bought.unwrap_or(today);
                let top = f.copy_issues.iter().copied().max().unwrap_or(0);
                q.execute(params![
                    f.art as i64,
                    f.title,
                    f.authors,
                    f.genre,
                    f.kind.code(),
                    f.price_kopecks,
                    f.age_rating.map(i64::from),
                    f.copies,
                    f.on_loan,
                    f.issues,
                    f.licence_end.map(day_text),
                    f.bought.map(day_text),
                    now,
                    serde_json::to_string(&f.copy_issues).unwrap_or_else(|_| "[]".into()),
                    f.annotation
                        .as_deref()
                        .map(str::trim)
                        .filter(|a| !a.is_empty())
                        .map(|a| cut(a, ANNOTATION_MAX_CHARS)),
                    day_text(added),
                    search_key(f),
                    top.min(RETIRE_AT),
                ])?;
                let ended_now = f.licence_end.is_some_and(|e| e < today);
                match before.remove(&f.art) {
                    None => {
                        event(&tx, f.art, added, "added", f.copies)?;
                    }
                    Some(b) => {
                        if !b.listed || (b.copies == 0 && f.copies > 0) {
                            event(&tx, f.art, today, "added", f.copies)?;
                        } else if f.copies < b.copies {
                            event(&tx, f.art, today, "retired", b.copies - f.copies)?;
                        }
                        let was_ended = b.licence_end.is_some_and(|e| e < today);
                        if was_ended && !ended_now && b.licence_end < f.licence_end {
                            event(&tx, f.art, today, "returned", f.copies)?;
                        }
                    }
                }
                if let Some(end) = f.licence_end.filter(|_| ended_now) {
                    licence_ended(&tx, f.art, end, f.copies)?;
                }
            }
            // Titles the provider no longer lists: their last copies left
            // at the 24th issue.
            let mut gone = tx.prepare_cached(
                "UPDATE fund_items SET copies = 0, on_loan = 0, copy_issues = '[]', top_issues = 0,
                    listed = 0, pulled_at = ?2 WHERE art = ?1",
            )?;
            for (art, b) in before.into_iter().filter(|(_, b)| b.listed) {
                gone.execute(params![art as i64, now])?;
                if b.copies > 0 {
                    event(&tx, art, today, "retired", b.copies)?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Titles matching `query`, by title (at most `limit`).
    pub(crate) fn fund_search(
        &self,
        query: &FundQuery,
        today: NaiveDate,
        limit: usize,
    ) -> Result<Vec<FundTitle>> {
        let text = normalize(&query.text);
        let tokens: Vec<&str> = text.split(' ').filter(|t| !t.is_empty()).collect();
        let (long, short): (Vec<&str>, Vec<&str>) =
            tokens.iter().partition(|t| t.chars().count() >= 3);
        // The list leaves the annotation out: the card reads it.
        let mut sql = format!("SELECT {LIST_COLUMNS} FROM fund_items f");
        let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
        let mut wh: Vec<String> = Vec::new();
        let phrase = |t: &str| format!("\"{}\"", t.replace('"', "\"\""));
        if !long.is_empty() {
            // Parts of words, three letters and more: the trigram index.
            let fts = long
                .iter()
                .map(|t| phrase(t))
                .collect::<Vec<_>>()
                .join(" AND ");
            args.push(Box::new(fts));
            wh.push(format!(
                "f.art IN (SELECT rowid FROM fund_fts WHERE fund_fts MATCH ?{})",
                args.len()
            ));
        }
        // One or two letters: the start of a word (the word index's prefixes).
        let short: Vec<&str> = short
            .into_iter()
            .filter(|t| t.chars().all(char::is_alphanumeric))
            .collect();
        if !short.is_empty() {
            let fts = short
                .iter()
                .map(|t| format!("{}*", phrase(t)))
                .collect::<Vec<_>>()
                .join(" AND ");
            args.push(Box::new(fts));
            wh.push(format!(
                "f.art IN (SELECT rowid FROM fund_words WHERE fund_words MATCH ?{})",
                args.len()
            ));
        }
        if let Some(g) = &query.genre {
            args.push(Box::new(g.clone()));
            wh.push(format!("f.genre = ?{}", args.len()));
        }
        if let Some(k) = query.kind {
            args.push(Box::new(k.code()));
            wh.push(format!("f.kind = ?{}", args.len()));
        }
        if let Some(a) = query.age_max {
            args.push(Box::new(i64::from(a)));
            wh.push(format!("COALESCE(f.age_rating, 0) <= ?{}", args.len()));
        }
        if let Some(p) = query.price_min {
            args.push(Box::new(p));
            wh.push(format!("f.price_kopecks >= ?{}", args.len()));
        }
        if let Some(p) = query.price_max {
            args.push(Box::new(p));
            wh.push(format!("f.price_kopecks <= ?{}", args.len()));
        }
        let t = day_text(today);
        match query.licence {
            LicenceFilter::Any => {}
            LicenceFilter::Active => {
                args.push(Box::new(t.clone()));
                wh.push(format!(
                    "f.copies > 0 AND (f.licence_end IS NULL OR f.licence_end >= ?{})",
                    args.len()
                ));
            }
            LicenceFilter::EndingSoon => {
                args.push(Box::new(t.clone()));
                args.push(Box::new(day_text(
                    today + Duration::days(LICENCE_AHEAD_DAYS),
                )));
                wh.push(format!(
                    "f.copies > 0 AND f.licence_end BETWEEN ?{} AND ?{}",
                    args.len() - 1,
                    args.len()
                ));
            }
            LicenceFilter::Ended => {
                args.push(Box::new(t.clone()));
                wh.push(format!("f.licence_end < ?{}", args.len()));
            }
        }
        match query.loans {
            LoanFilter::Any => {}
            LoanFilter::OnLoan => wh.push("f.on_loan > 0".into()),
            LoanFilter::Free => wh.push("f.copies > f.on_loan".into()),
        }
        if !wh.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&wh.join(" AND "));
        }
        args.push(Box::new(limit as i64));
        sql.push_str(&format!(" ORDER BY f.title, f.art LIMIT ?{}", args.len()));
        let mut q = self.conn.prepare_cached(&sql)?;
        let rows = q.query_map(
            params_from_iter(args.iter().map(|a| a.as_ref())),
            title_from_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Genres of the titles in the fund (with copies), with counts, most first.
    pub(crate) fn fund_genres(&self) -> Result<Vec<(String, u32)>> {
        let mut q = self.conn.prepare_cached(
            "SELECT genre, count(*) FROM fund_items WHERE copies > 0 AND genre IS NOT NULL AND genre <> ''
             GROUP BY genre ORDER BY count(*) DESC, genre",
        )?;
        let rows = q.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u32)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub(crate) fn fund_title(&self, art: u64) -> Result<Option<FundTitle>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {TITLE_COLUMNS} FROM fund_items f WHERE f.art = ?1"
            ))?
            .query_row([art as i64], title_from_row)
            .optional()?)
    }

    /// Titles with a copy at `threshold` issues or more (not yet retired),
    /// the closest to the 24th first.
    pub(crate) fn fund_near_retirement(
        &self,
        threshold: u32,
        limit: usize,
    ) -> Result<Vec<FundTitle>> {
        let mut q = self.conn.prepare_cached(&format!(
            "SELECT {TITLE_COLUMNS} FROM fund_items f
             WHERE f.copies > 0 AND f.top_issues >= ?1 AND f.top_issues < ?2
             ORDER BY f.top_issues DESC, f.title LIMIT ?3"
        ))?;
        let rows = q.query_map(params![threshold, RETIRE_AT, limit as i64], title_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub(crate) fn fund_near_retirement_count(&self, threshold: u32) -> Result<u32> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM fund_items WHERE copies > 0 AND top_issues >= ?1 AND top_issues < ?2",
            params![threshold, RETIRE_AT],
            |r| r.get::<_, i64>(0),
        )? as u32)
    }

    /// Titles whose licence ends between `today` and `today + days`, soonest first.
    pub(crate) fn fund_licence_ending(
        &self,
        today: NaiveDate,
        days: i64,
        limit: usize,
    ) -> Result<Vec<FundTitle>> {
        let mut q = self.conn.prepare_cached(&format!(
            "SELECT {TITLE_COLUMNS} FROM fund_items f
             WHERE f.copies > 0 AND f.licence_end BETWEEN ?1 AND ?2
             ORDER BY f.licence_end, f.title LIMIT ?3"
        ))?;
        let rows = q.query_map(
            params![
                day_text(today),
                day_text(today + Duration::days(days)),
                limit as i64
            ],
            title_from_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub(crate) fn fund_licence_ending_count(&self, today: NaiveDate, days: i64) -> Result<u32> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM fund_items WHERE copies > 0 AND licence_end BETWEEN ?1 AND ?2",
            params![day_text(today), day_text(today + Duration::days(days))],
            |r| r.get::<_, i64>(0),
        )? as u32)
    }

    /// Titles that left the fund between `from` and `to` (inclusive), with
    /// how many readers still ask for each; newest first.
    pub(crate) fn fund_left(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        limit: usize,
    ) -> Result<Vec<LeftTitle>> {
        let mut q = self.conn.prepare_cached(&format!(
            "SELECT {TITLE_COLUMNS}, e.day, e.kind, e.copies,
                (SELECT count(*) FROM provider_requests p WHERE p.art = f.art AND p.status = 'pending')
             FROM fund_events e JOIN fund_items f ON f.art = e.art
             WHERE e.kind IN ('retired', 'licence_ended') AND e.day BETWEEN ?1 AND ?2
             ORDER BY e.day DESC, f.title LIMIT ?3"
        ))?;
        let rows = q.query_map(params![day_text(from), day_text(to), limit as i64], |r| {
            Ok(LeftTitle {
                title: title_from_row(r)?,
                day: parse_day(r.get(14)?).unwrap_or(from),
                because: if r.get::<_, String>(15)? == "retired" {
                    LeftBecause::Issues
                } else {
                    LeftBecause::Licence
                },
                copies: r.get::<_, i64>(16)? as u32,
                pending_requests: r.get::<_, i64>(17)? as u32,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub(crate) fn fund_events_count(
        &self,
        kinds: &[&str],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<u32> {
        let marks = vec!["?"; kinds.len()].join(",");
        let sql = format!(
            "SELECT count(*) FROM fund_events WHERE kind IN ({marks}) AND day BETWEEN ? AND ?"
        );
        let mut args: Vec<String> = kinds.iter().map(|k| (*k).to_owned()).collect();
        args.push(day_text(from));
        args.push(day_text(to));
        Ok(self
            .conn
            .query_row(&sql, params_from_iter(args), |r| r.get::<_, i64>(0))? as u32)
    }

    /// Titles that came back after renewal between `from` and `to`, newest first.
    pub(crate) fn fund_returned(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        limit: usize,
    ) -> Result<Vec<ReturnedTitle>> {
        let mut q = self.conn.prepare_cached(&format!(
            "SELECT {TITLE_COLUMNS}, e.day FROM fund_events e JOIN fund_items f ON f.art = e.art
             WHERE e.kind = 'returned' AND e.day BETWEEN ?1 AND ?2
             ORDER BY e.day DESC, f.title LIMIT ?3"
        ))?;
        let rows = q.query_map(params![day_text(from), day_text(to), limit as i64], |r| {
            Ok(ReturnedTitle {
                title: title_from_row(r)?,
                day: parse_day(r.get(14)?).unwrap_or(from),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Titles that came into the fund between `from` and `to` (by the day
    /// they were added), by that day then title.
    pub(crate) fn fund_added(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        limit: usize,
    ) -> Result<Vec<FundTitle>> {
        let mut q = self.conn.prepare_cached(&format!(
            "SELECT {TITLE_COLUMNS} FROM fund_items f WHERE f.added BETWEEN ?1 AND ?2
             ORDER BY f.added, f.title, f.art LIMIT ?3"
        ))?;
        let rows = q.query_map(
            params![day_text(from), day_text(to), limit as i64],
            title_from_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Who has a copy of `art` now: issued requests whose loan has not ended.
    pub(crate) fn fund_holders(
        &self,
        provider: &str,
        art: u64,
        today: NaiveDate,
    ) -> Result<Vec<Holder>> {
        let sql = format!(
            "SELECT p.lib_card, p.reader_name, p.loan_due, rd.id, rd.surname, rd.name, rd.patronymic, rd.card
             FROM provider_requests p LEFT JOIN readers rd ON rd.id = {holder}
             WHERE p.art = ?2 AND p.status = 'issued' AND (p.loan_due IS NULL OR p.loan_due >= ?3)
             ORDER BY p.loan_due",
            holder = holder_sql("p.lib_card")
        );
        let mut q = self.conn.prepare_cached(&sql)?;
        let rows = q.query_map(params![provider, art as i64, day_text(today)], |r| {
            let reader: Option<ReaderId> = r.get(3)?;
            let name = match reader {
                Some(_) => [
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<String>>(6)?.unwrap_or_default(),
                ]
                .iter()
                .filter(|s| !s.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(" "),
                None => r.get::<_, Option<String>>(1)?.unwrap_or_default(),
            };
            Ok(Holder {
                lib_card: r.get(0)?,
                reader,
                name,
                card: r.get(7)?,
                due: parse_day(
                    r.get::<_, Option<String>>(2)?
                        .map(|s| s.chars().take(10).collect()),
                ),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Requests for `art`, newest first.
    pub(crate) fn fund_title_requests(&self, art: u64, limit: usize) -> Result<Vec<TitleRequest>> {
        let mut q = self.conn.prepare_cached(
            "SELECT id, lib_card, status, created, refusal_text FROM provider_requests
             WHERE art = ?1 ORDER BY created DESC LIMIT ?2",
        )?;
        let rows = q.query_map(params![art as i64, limit as i64], |r| {
            Ok(TitleRequest {
                id: r.get(0)?,
                lib_card: r.get(1)?,
                status: RequestStatus::from_code(&r.get::<_, String>(2)?),
                created: r.get::<_, Option<String>>(3)?.as_deref().map(parse_ts),
                refusal_text: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub(crate) fn fund_title_events(&self, art: u64) -> Result<Vec<FundEventRow>> {
        let mut q = self.conn.prepare_cached(
            "SELECT day, kind, copies FROM fund_events WHERE art = ?1 ORDER BY day DESC, id DESC LIMIT 200",
        )?;
        let rows = q.query_map([art as i64], |r| {
            Ok(FundEventRow {
                day: parse_day(r.get(0)?).unwrap_or_default(),
                kind: r.get(1)?,
                copies: r.get::<_, i64>(2)? as u32,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether `art` left the fund at a copy's 24th issue and has no copy now:
    /// the 25th request may buy it again.
    pub(crate) fn fund_rebuyable(&self, art: u64) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM fund_events e WHERE e.art = ?1 AND e.kind = 'retired')
                AND COALESCE((SELECT copies FROM fund_items WHERE art = ?1), 0) = 0",
            [art as i64],
            |r| r.get::<_, bool>(0),
        )?)
    }

    /// Records a view of who holds a title (personal data), journaled.
    pub(crate) fn journal_fund_view(&mut self, actor: &Actor, details: &str) -> Result<()> {
        self.record_event(actor, EventKind::FundHoldersViewed, None, None, details)?;
        Ok(())
    }

    // ------------------------------------------------------------ collections

    pub(crate) fn collections(&self) -> Result<Vec<CollectionRow>> {
        let mut q = self.conn.prepare_cached(
            "SELECT c.id, c.name, c.description, c.audience, c.changed_at,
                (SELECT count(*) FROM collection_items i WHERE i.collection_id = c.id)
             FROM collections c ORDER BY c.changed_at DESC, c.id DESC",
        )?;
        let rows = q.query_map([], |r| {
            Ok(CollectionRow {
                id: r.get(0)?,
                name: r.get(1)?,
                description: r.get(2)?,
                audience: serde_json::from_str(&r.get::<_, String>(3)?).unwrap_or_default(),
                changed_at: parse_ts(&r.get::<_, String>(4)?),
                items: r.get::<_, i64>(5)? as u32,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub(crate) fn collection(&self, id: i64) -> Result<Option<(CollectionRow, Vec<FundTitle>)>> {
        let Some(head) = self.collections()?.into_iter().find(|c| c.id == id) else {
            return Ok(None);
        };
        let mut q = self.conn.prepare_cached(&format!(
            "SELECT {TITLE_COLUMNS} FROM collection_items i JOIN fund_items f ON f.art = i.art
             WHERE i.collection_id = ?1 ORDER BY i.position"
        ))?;
        let items = q
            .query_map([id], title_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Some((head, items)))
    }

    /// Creates (`id` None) or renames/redescribes a collection; journaled.
    pub(crate) fn save_collection(
        &mut self,
        actor: &Actor,
        id: Option<i64>,
        name: &str,
        description: &str,
        audience: &Audience,
    ) -> Result<i64> {
        let tx = self.immediate()?;
        let now = now_text();
        let aud = serde_json::to_string(audience).unwrap_or_else(|_| "{\"kind\":\"all\"}".into());
        let id = match id {
            None => {
                tx.execute(
                    "INSERT INTO collections (name, description, audience, created_at, created_by, changed_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?4)",
                    params![name, description, aud, now, actor.staff],
                )?;
                tx.last_insert_rowid()
            }
            Some(id) => {
                let n = tx.execute(
                    "UPDATE collections SET name = ?2, description = ?3, audience = ?4, changed_at = ?5 WHERE id = ?1",
                    params![id, name, description, aud, now],
                )?;
                if n == 0 {
                    return Err(StoreError::CollectionNotFound);
                }
                id
            }
        };
        Store::append_event(
            &tx,
            actor,
            EventKind::CollectionChanged,
            None,
            None,
            &format!("подборка «{name}»: сохранена"),
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Sets a collection's titles in this order; journaled.
    pub(crate) fn set_collection_items(
        &mut self,
        actor: &Actor,
        id: i64,
        arts: &[u64],
        what: &str,
    ) -> Result<()> {
        let tx = self.immediate()?;
        let name: Option<String> = tx
            .query_row("SELECT name FROM collections WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(name) = name else {
            return Err(StoreError::CollectionNotFound);
        };
        tx.execute(
            "DELETE FROM collection_items WHERE collection_id = ?1",
            [id],
        )?;
        {
            let mut q = tx.prepare_cached(
                "INSERT INTO collection_items (collection_id, art, position) VALUES (?1, ?2, ?3)",
            )?;
            for (i, art) in arts.iter().enumerate() {
                q.execute(params![id, *art as i64, i as i64])?;
            }
        }
        tx.execute(
            "UPDATE collections SET changed_at = ?2 WHERE id = ?1",
            params![id, now_text()],
        )?;
        Store::append_event(
            &tx,
            actor,
            EventKind::CollectionChanged,
            None,
            None,
            &format!("подборка «{name}»: {what}"),
        )?;
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn delete_collection(&mut self, actor: &Actor, id: i64) -> Result<()> {
        let tx = self.immediate()?;
        let name: Option<String> = tx
            .query_row("SELECT name FROM collections WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(name) = name else {
            return Err(StoreError::CollectionNotFound);
        };
        tx.execute(
            "DELETE FROM collection_items WHERE collection_id = ?1",
            [id],
        )?;
        tx.execute("DELETE FROM collections WHERE id = ?1", [id])?;
        Store::append_event(
            &tx,
            actor,
            EventKind::CollectionChanged,
            None,
            None,
            &format!("подборка «{name}»: удалена"),
        )?;
        tx.commit()?;
        Ok(())
    }
}
