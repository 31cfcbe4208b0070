//! `kafedra journal`: the latest journal entries, all or one reader's.

use kafedra_core::services::{Store, journal, readers};

use super::Outcome;

pub(super) fn run(limit: usize, card: Option<&str>, store: &Store) -> Outcome {
    let reader = match card {
        Some(c) => Some(readers::find_by_card(store, c)?.id),
        None => None,
    };
    for e in journal::entries(store, reader, None, limit)? {
        println!(
            "{}\t{}\t{}\t{}\t{} ({})",
            e.at.with_timezone(&chrono::Local)
                .format("%d.%m.%Y %H:%M:%S"),
            e.label(),
            e.reader_name.as_deref().unwrap_or(""),
            e.details,
            e.staff,
            e.desk
        );
    }
    Ok(())
}
