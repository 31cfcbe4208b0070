//! `kafedra fund search|lists|export`: the library's e-fund from the command line.

use chrono::Local;
use serde_json::json;

use kafedra_core::domain::fund::FundTitle;
use kafedra_core::services::fund::{self, CatalogueFormat, FundQuery};
use kafedra_core::services::{Context, Store};

use super::Outcome;
use super::args::{ExportArg, FundCommand};

pub(super) fn run(command: FundCommand, store: &mut Store, ctx: &Context) -> Outcome {
    let today = Local::now().date_naive();
    match command {
        FundCommand::Search { text, genre, json } => {
            let q = FundQuery {
                text,
                genre,
                ..FundQuery::default()
            };
            let found = fund::search(store, &q, today)?;
            let mut out = std::io::stdout().lock();
            for t in &found {
                let line = if json {
                    title_json(t, None).to_string()
                } else {
                    format!(
                        "{}\t{} — {}\t{}\t{} экз., на руках {}",
                        t.art,
                        t.authors,
                        t.title,
                        t.genre.as_deref().unwrap_or(""),
                        t.copies,
                        t.on_loan
                    )
                };
                if !emit(&mut out, &line) {
                    break;
                }
            }
            if found.is_empty() && !json {
                eprintln!("Ничего не найдено. Фонд пуст? Синхронизируйте: kafedra sync");
            }
            Ok(())
        }
        FundCommand::Lists { json } => {
            let l = fund::lists(store, ctx, today)?;
            let mut out = std::io::stdout().lock();
            if json {
                let lines = l
                    .near
                    .iter()
                    .map(|t| title_json(t, Some(("near", json!({})))))
                    .chain(
                        l.ending
                            .iter()
                            .map(|t| title_json(t, Some(("ending", json!({}))))),
                    )
                    .chain(l.left.iter().map(|x| {
                        title_json(
                            &x.title,
                            Some((
                                "left",
                                json!({"day": x.day.to_string(), "because": x.because.code(),
                                       "copies": x.copies, "pending_requests": x.pending_requests}),
                            )),
                        )
                    }))
                    .chain(l.returned.iter().map(|x| {
                        title_json(
                            &x.title,
                            Some(("returned", json!({"day": x.day.to_string()}))),
                        )
                    }));
                for line in lines {
                    if !emit(&mut out, &line.to_string()) {
                        break;
                    }
                }
            } else {
                let _ = emit(
                    &mut out,
                    &format!(
                        "Близко к 24-й выдаче (от {}): {}\nЛицензия кончается в 30 дней: {}\nУшли в этом месяце: {}\nВернулись после продления (30 дней): {}",
                        l.threshold, l.near_count, l.ending_count, l.left_count, l.returned_count
                    ),
                );
            }
            Ok(())
        }
        FundCommand::Export { month, format, out } => {
            let format = match format {
                ExportArg::Iso2709 => CatalogueFormat::Iso2709,
                ExportArg::Marcxml => CatalogueFormat::MarcXml,
                ExportArg::Csv => CatalogueFormat::Csv,
            };
            let report = fund::export_month(store, ctx, &month, format, &out)?;
            println!("{}", report.summary());
            Ok(())
        }
    }
}

/// Writes a line; `false` once the reader of the pipe went away (`| head`).
fn emit(out: &mut impl std::io::Write, line: &str) -> bool {
    writeln!(out, "{line}").is_ok()
}

fn title_json(t: &FundTitle, list: Option<(&str, serde_json::Value)>) -> serde_json::Value {
    let mut v = json!({
        "art": t.art,
        "title": t.title,
        "authors": t.authors,
        "genre": t.genre,
        "kind": t.kind.code(),
        "price_kopecks": t.price_kopecks,
        "age_rating": t.age_rating,
        "copies": t.copies,
        "on_loan": t.on_loan,
        "issues": t.issues,
        "copy_issues": t.copy_issues,
        "issues_left": t.issues_left(),
        "licence_end": t.licence_end.map(|d| d.to_string()),
        "added": t.added.map(|d| d.to_string()),
    });
    if let Some((name, extra)) = list {
        v["list"] = json!(name);
        if let (Some(obj), Some(more)) = (v.as_object_mut(), extra.as_object()) {
            for (k, x) in more {
                obj.insert(k.clone(), x.clone());
            }
        }
    }
    v
}
