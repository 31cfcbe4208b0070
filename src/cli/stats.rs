//! `kafedra stats`: the library's figures for a period, as CSV (to a file or
//! standard output), XLSX or PDF.

use std::path::Path;

use chrono::NaiveDate;
use kafedra_core::services::stats::{self, Format, Period};
use kafedra_core::services::{Context, Store, requests};

use super::Outcome;
use super::args::StatsFormat;

pub(super) fn run(
    from: NaiveDate,
    to: NaiveDate,
    as_of: Option<NaiveDate>,
    format: StatsFormat,
    out: Option<&Path>,
    store: &mut Store,
    ctx: &Context,
) -> Outcome {
    let period = Period { from, to, as_of };
    let format = match format {
        StatsFormat::Csv => Format::Csv,
        StatsFormat::Xlsx => Format::Xlsx,
        StatsFormat::Pdf => Format::Pdf,
    };
    match out {
        Some(path) => {
            let said = stats::export(store, ctx, period, format, path)?;
            eprintln!("{said}");
        }
        None if format == Format::Csv => {
            let threshold = requests::policy(store)?.wait_threshold_hours;
            let report = stats::report(store, period, threshold)?;
            print!("{}", stats::csv(&report));
        }
        None => {
            return Err(super::Failure::refused(
                "Для XLSX и PDF укажите файл: --out ФАЙЛ".to_owned(),
            ));
        }
    }
    Ok(())
}
