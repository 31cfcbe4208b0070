//! Fuzz target: the login pool file parser, `kafedra_core::import::pool::parse_pool`.
//!
//! The first byte of the input chooses the file name (so a spreadsheet name reaches the
//! XLSX and ODS readers even without the ZIP magic); the rest is the file. Any input must
//! give a pool or an error: a panic, an abort or a hang is a finding.

use kafedra_core::import::pool::{PoolFileError, parse_pool};

const NAMES: [&str; 4] = ["pool.csv", "pool.txt", "pool.xlsx", "pool.ods"];

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Some((&first, file)) = data.split_first() else {
            return;
        };
        let name = NAMES[usize::from(first) % NAMES.len()];
        match parse_pool(file, name) {
            Ok(pool) => {
                assert!(!pool.rows.is_empty(), "an accepted pool has rows");
                for row in &pool.rows {
                    assert!(row.line >= 1, "lines are 1-based");
                    assert!(!row.login.is_empty() && !row.password.is_empty());
                }
            }
            Err(PoolFileError::Rows(errors)) => {
                // The messages the desk shows must be buildable for any file.
                let _ = errors.lines_text();
                let _ = errors.more_text(10);
                for error in errors.listed.iter().take(10) {
                    let _ = error.to_string();
                }
            }
            Err(e @ PoolFileError::Unreadable(_)) => {
                let _ = e.to_string();
            }
        }
    });
}
