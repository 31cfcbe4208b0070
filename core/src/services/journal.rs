//! The journal: who did what, when, to whom. Append-only in the store.

use super::{Result, Store};
use crate::domain::records::{JournalEntry, ReaderId};

/// How many entries one page of the journal screen holds.
pub const PAGE: usize = 200;

/// Entries newest first: all, or one reader's; those before the entry with
/// id `before` for the next page.
pub fn entries(
    store: &Store,
    reader: Option<ReaderId>,
    before: Option<i64>,
    limit: usize,
) -> Result<Vec<JournalEntry>> {
    Ok(store.journal(reader, before, limit)?)
}

/// How many events of this kind were journaled, in all or for one reader.
pub fn count(
    store: &Store,
    kind: crate::domain::EventKind,
    reader: Option<ReaderId>,
) -> Result<u64> {
    Ok(store.count_events(kind, reader)?)
}
