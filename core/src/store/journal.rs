//! The append-only event journal (the schema refuses UPDATE and DELETE).

use rusqlite::{Connection, params};

use super::{Result, Store, now_text, parse_ts};
use crate::domain::event::{Actor, EventKind};
use crate::domain::records::{AccountId, JournalEntry, ReaderId};

impl Store {
    /// Appends one event inside the caller's transaction, so the journal
    /// records exactly what was committed.
    pub(crate) fn append_event(
        conn: &Connection,
        actor: &Actor,
        kind: EventKind,
        reader: Option<ReaderId>,
        account: Option<AccountId>,
        details: &str,
    ) -> Result<i64> {
        conn.prepare_cached(
            "INSERT INTO events (at, staff, desk, kind, reader_id, account_id, details)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            now_text(),
            actor.staff,
            actor.desk,
            kind.code(),
            reader,
            account,
            details
        ])?;
        Ok(conn.last_insert_rowid())
    }

    /// Records an event that is not part of another change (a view, a print).
    pub(crate) fn record_event(
        &mut self,
        actor: &Actor,
        kind: EventKind,
        reader: Option<ReaderId>,
        account: Option<AccountId>,
        details: &str,
    ) -> Result<i64> {
        let tx = self.immediate()?;
        let id = Store::append_event(&tx, actor, kind, reader, account, details)?;
        tx.commit()?;
        Ok(id)
    }

    /// The newest events, optionally only of one reader and/or before an id
    /// (for paging back).
    pub(crate) fn journal(
        &self,
        reader: Option<ReaderId>,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<JournalEntry>> {
        let mut q = self.conn.prepare_cached(
            "SELECT e.id, e.at, e.staff, e.desk, e.kind, e.reader_id, e.details,
                    r.surname, r.name, r.patronymic
             FROM events e LEFT JOIN readers r ON r.id = e.reader_id
             WHERE (?1 IS NULL OR e.reader_id = ?1) AND (?2 IS NULL OR e.id < ?2)
             ORDER BY e.id DESC LIMIT ?3",
        )?;
        let rows = q.query_map(params![reader, before, limit as i64], |r| {
            let surname: Option<String> = r.get(7)?;
            let name: Option<String> = r.get(8)?;
            let patronymic: Option<String> = r.get(9)?;
            Ok(JournalEntry {
                id: r.get(0)?,
                at: parse_ts(&r.get::<_, String>(1)?),
                staff: r.get(2)?,
                desk: r.get(3)?,
                kind: r.get(4)?,
                reader_id: r.get(5)?,
                reader_name: match (surname, name) {
                    (Some(s), Some(n)) => Some(crate::domain::reader::full_name(
                        &s,
                        &n,
                        patronymic.as_deref(),
                    )),
                    _ => None,
                },
                details: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many events of a kind were recorded (statistics and tests).
    pub(crate) fn count_events(&self, kind: EventKind, reader: Option<ReaderId>) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM events WHERE kind = ?1 AND (?2 IS NULL OR reader_id = ?2)",
            params![kind.code(), reader],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// Tries to rewrite history; used by a test to prove the journal refuses it.
    #[cfg(test)]
    pub(crate) fn try_tamper_journal(&self) -> rusqlite::Result<usize> {
        self.conn
            .execute("UPDATE events SET staff = 'someone else'", [])
    }
}
