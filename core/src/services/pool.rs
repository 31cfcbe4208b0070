//! The provider's login pool: import a login list, all or nothing; counts;
//! past imports.

use std::path::Path;

use super::{Context, Error, FileAction, ImportProblem, PROVIDER, Result, Store};
use crate::domain::account::PoolCounts;
use crate::domain::records::ImportRecord;
use crate::import::pool::{PoolFileError, RowError, parse_pool};
use crate::store::NewAccount;

/// How many past imports the pool screen lists.
pub const RECENT_IMPORTS: usize = 20;

/// Loads the provider's login list, all or nothing. `progress(done, total)`
/// reports the rows written.
pub fn import(
    store: &mut Store,
    ctx: &Context,
    bytes: &[u8],
    file_name: &str,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportRecord, ImportProblem> {
    let parsed = parse_pool(bytes, file_name).map_err(|e| match e {
        PoolFileError::Unreadable(m) => ImportProblem::Unreadable(m),
        PoolFileError::Rows(rows) => ImportProblem::Rows(rows),
    })?;
    let rows: Vec<NewAccount> = parsed
        .rows
        .into_iter()
        .map(|r| NewAccount {
            line: r.line,
            login: r.login,
            password: r.password,
            provider_card: r.provider_card,
        })
        .collect();
    match store.import_accounts(PROVIDER, &rows, file_name, parsed.encoding, &ctx.actor, progress)? {
        Ok(record) => Ok(record),
        Err(conflicts) => Err(ImportProblem::Rows(
            conflicts
                .into_iter()
                .map(|(line, login)| RowError {
                    line,
                    message: format!(
                        "Логин «{login}» уже есть в пуле (загружен раньше). Уберите эту строку из файла."
                    ),
                })
                .collect(),
        )),
    }
}

/// Reads a file chosen for import.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::file(FileAction::Read, path, e))
}

/// Free, assigned and blocked logins.
pub fn counts(store: &Store) -> Result<PoolCounts> {
    Ok(store.pool_counts(PROVIDER)?)
}

/// The latest imports, newest first.
pub fn recent_imports(store: &Store) -> Result<Vec<ImportRecord>> {
    Ok(store.imports(RECENT_IMPORTS)?)
}
