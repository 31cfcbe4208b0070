//! `kafedra pool import|status`: the provider's login list.

use std::path::Path;

use kafedra_core::domain::text::{counted, plural};
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
    let name = pool::file_name(file);
    let bytes = pool::read_file(file)?;
    // Checked first, without touching the database; then written in one go.
    let checked = pool::parse(&bytes, &name);
    drop(bytes);
    let result = checked.and_then(|checked| pool::write(store, ctx, &checked, &mut |_, _| {}));
    match result {
        Ok(r) => {
            println!(
                "{} {} из «{}» (кодировка {}).",
                plural(r.rows, "Загружен", "Загружено", "Загружено"),
                counted(r.rows, "логин", "логина", "логинов"),
                r.file_name,
                r.encoding
            );
            status(store)
        }
        Err(problem) => {
            let mut m = format!("Файл «{name}» не загружен, в пул ничего не записано.\n{problem}");
            if let ImportProblem::Rows(rows) = &problem {
                for r in &rows.listed {
                    m.push_str(&format!("\n  строка {}: {}", r.line, r.message));
                }
                if let Some(more) = rows.more_text(rows.listed.len()) {
                    m.push_str(&format!("\n  {more}"));
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
