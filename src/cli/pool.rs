//! `kafedra pool import|status`: the provider's login list.

use std::path::Path;

use kafedra_core::services::{Context, ImportProblem, Store, pool};

use super::args::PoolCommand;
use super::{Failure, Outcome};

pub(super) fn run(command: PoolCommand, store: &mut Store, ctx: &Context) -> Outcome {
    match command {
        PoolCommand::Import { file } => import(&file, store, ctx),
        PoolCommand::Status => status(store),
    }
}

fn import(file: &Path, store: &mut Store, ctx: &Context) -> Outcome {
    let bytes = pool::read_file(file)?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string());
    match pool::import(store, ctx, &bytes, &name, &mut |_, _| {}) {
        Ok(r) => {
            println!(
                "Загружено {} логинов из «{}» (кодировка {}).",
                r.rows, r.file_name, r.encoding
            );
            status(store)
        }
        Err(problem) => {
            let mut m = format!("Файл «{name}» не загружен, в пул ничего не записано.\n{problem}");
            if let ImportProblem::Rows(rows) = &problem {
                for r in rows {
                    m.push_str(&format!("\n  строка {}: {}", r.line, r.message));
                }
            }
            Err(match problem {
                ImportProblem::Store(_) => Failure::failed(m),
                _ => Failure::refused(m),
            })
        }
    }
}

fn status(store: &Store) -> Outcome {
    let c = pool::counts(store)?;
    println!(
        "Пул логинов: свободно {}, выдано {}, заблокировано {}, всего {}.",
        c.free,
        c.assigned,
        c.blocked,
        c.total()
    );
    Ok(())
}
