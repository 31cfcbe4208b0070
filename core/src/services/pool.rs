//! The provider's login pool: import a login list, all or nothing; counts;
//! past imports.
//!
//! An import is two steps, so that a big or hostile file never holds the
//! store: [`parse_file`] (or [`parse`]) reads and checks the file without the
//! store — the screens run it on a blocking thread of its own — and [`write`]
//! adds the checked rows to the pool in one transaction, refusing logins the
//! pool already has. [`import`] does both, for callers that hold the store
//! anyway (the demo, the benchmark, tests).

use std::io::Read;
use std::path::Path;

use super::{Context, Error, FileAction, ImportProblem, PROVIDER, Result, Store};
use crate::domain::account::PoolCounts;
use crate::domain::records::ImportRecord;
use crate::import::pool::{
    MAX_FILE_BYTES, MAX_ROW_ERRORS, ParsedPool, PoolFileError, RowError, RowErrors, check_size,
    parse_pool,
};
use crate::store::{Conflict, NewAccount};

/// How many past imports the pool screen lists.
pub const RECENT_IMPORTS: usize = 20;

/// A pool file that passed every check of its own, ready for [`write`].
#[derive(Debug, Clone)]
pub struct CheckedPool {
    /// The file's name, as the journal and the list of imports show it.
    pub file_name: String,
    pub pool: ParsedPool,
}

impl CheckedPool {
    /// How many logins the file holds.
    pub fn len(&self) -> usize {
        self.pool.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pool.rows.is_empty()
    }
}

/// Checks the bytes of a pool file; touches no store.
pub fn parse(bytes: &[u8], file_name: &str) -> Result<CheckedPool, ImportProblem> {
    let pool = parse_pool(bytes, file_name).map_err(|e| match e {
        PoolFileError::Unreadable(m) => ImportProblem::Unreadable(m),
        PoolFileError::Rows(rows) => ImportProblem::Rows(rows),
    })?;
    Ok(CheckedPool {
        file_name: file_name.to_owned(),
        pool,
    })
}

/// Reads a file chosen for import (no more than the size limit) and checks it;
/// touches no store. Blocking: the screens run it off the UI thread.
pub fn parse_file(path: &Path) -> Result<CheckedPool, ImportProblem> {
    let bytes = read_file(path).map_err(|e| match e {
        Error::Import(problem) => problem,
        other => ImportProblem::Unreadable(other.to_string()),
    })?;
    parse(&bytes, &file_name(path))
}

/// The name of a file as the pool shows it.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Adds a checked file to the pool, all or nothing: if any login is already in
/// the pool (or one a reader cannot tell from it: case, look-alike letters),
/// nothing is written. `progress(done, total)` reports the rows written.
pub fn write(
    store: &mut Store,
    ctx: &Context,
    checked: &CheckedPool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportRecord, ImportProblem> {
    let rows: Vec<NewAccount> = checked
        .pool
        .rows
        .iter()
        .map(|r| NewAccount {
            line: r.line,
            login: r.login.clone(),
            password: r.password.clone(),
            provider_card: r.provider_card.clone(),
        })
        .collect();
    let name = &checked.file_name;
    let encoding = checked.pool.encoding;
    match store.import_accounts(PROVIDER, &rows, name, encoding, &ctx.actor, progress)? {
        Ok(record) => Ok(record),
        Err(conflicts) => Err(ImportProblem::Rows(conflict_errors(&conflicts))),
    }
}

/// Loads the provider's login list, all or nothing: [`parse`], then [`write`].
pub fn import(
    store: &mut Store,
    ctx: &Context,
    bytes: &[u8],
    file_name: &str,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportRecord, ImportProblem> {
    let checked = parse(bytes, file_name)?;
    write(store, ctx, &checked, progress)
}

fn conflict_errors(conflicts: &crate::store::Conflicts) -> RowErrors {
    let listed: Vec<RowError> = conflicts
        .first
        .iter()
        .take(MAX_ROW_ERRORS)
        .map(conflict_error)
        .collect();
    RowErrors {
        more_lines: conflicts.total.saturating_sub(listed.len()),
        listed,
    }
}

fn conflict_error(conflict: &Conflict) -> RowError {
    let from = match &conflict.import_file {
        Some(file) => format!("загружен раньше из файла «{file}»"),
        None => "создан раньше".to_owned(),
    };
    let message = if conflict.existing == conflict.login {
        format!(
            "Логин «{}» уже есть в пуле ({from}). Уберите эту строку из файла.",
            conflict.login
        )
    } else {
        format!(
            "Логин «{}» совпадает с логином «{}», который уже есть в пуле ({from}): \
             они отличаются только регистром, похожими русскими и латинскими буквами \
             или невидимыми символами, и читатель их не различит. Уберите эту строку \
             из файла.",
            conflict.login, conflict.existing
        )
    };
    RowError {
        line: conflict.line,
        message,
    }
}

/// Reads a file chosen for import, refusing one larger than a pool file may
/// be before reading it.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    let read_error = |e| Error::file(FileAction::Read, path, e);
    let file = std::fs::File::open(path).map_err(read_error)?;
    let size = file.metadata().map_err(read_error)?.len();
    check_size(size).map_err(too_big)?;
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    // The file may have grown since it was measured.
    check_size(bytes.len() as u64).map_err(too_big)?;
    Ok(bytes)
}

fn too_big(e: PoolFileError) -> Error {
    Error::Import(ImportProblem::Unreadable(e.to_string()))
}

/// Free, assigned and blocked logins.
pub fn counts(store: &Store) -> Result<PoolCounts> {
    Ok(store.pool_counts(PROVIDER)?)
}

/// The latest imports, newest first.
pub fn recent_imports(store: &Store) -> Result<Vec<ImportRecord>> {
    Ok(store.imports(RECENT_IMPORTS)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Paths, Settings};

    fn desk() -> (tempfile::TempDir, Store, Context) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("desk.db")).unwrap();
        let paths = Paths::portable(dir.path());
        let ctx = Context::new(Settings::default(), paths);
        (dir, store, ctx)
    }

    fn rows_of(problem: ImportProblem) -> RowErrors {
        match problem {
            ImportProblem::Rows(rows) => rows,
            other => panic!("expected row errors, got {other:?}"),
        }
    }

    #[test]
    fn parsing_needs_no_store_and_writing_adds_the_rows() {
        let checked = parse(b"login;password\nlib1;pw1\nlib2;pw2\n", "pool.csv").unwrap();
        assert_eq!(checked.len(), 2);
        let (_dir, mut store, ctx) = desk();
        let record = write(&mut store, &ctx, &checked, &mut |_, _| {}).unwrap();
        assert_eq!(record.rows, 2);
        assert_eq!(counts(&store).unwrap().free, 2);
    }

    #[test]
    fn look_alike_logins_already_in_the_pool_are_duplicates() {
        let (_dir, mut store, ctx) = desk();
        import(
            &mut store,
            &ctx,
            b"login;password\nABC-1;pw1\nlib0001;pw2\n",
            "first.csv",
            &mut |_, _| {},
        )
        .unwrap();
        // Cyrillic А, В, С; a zero-width space; another case: each one is refused.
        let second = "login;password\nАВС-1;pw3\nlib\u{200B}0002;pw4\nLIB0001;pw5\nnew1;pw6\n";
        let problem = import(
            &mut store,
            &ctx,
            second.as_bytes(),
            "second.csv",
            &mut |_, _| {},
        )
        .unwrap_err();
        let rows = rows_of(problem);
        let lines: Vec<usize> = rows.listed.iter().map(|e| e.line).collect();
        // Line 3 is refused by the parser (an invisible character), before the pool.
        assert_eq!(lines, vec![3], "{rows:?}");
        let second = "login;password\nАВС-1;pw3\nLIB0001;pw5\nnew1;pw6\n";
        let problem = import(
            &mut store,
            &ctx,
            second.as_bytes(),
            "second.csv",
            &mut |_, _| {},
        )
        .unwrap_err();
        let rows = rows_of(problem);
        let lines: Vec<usize> = rows.listed.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 3], "{rows:?}");
        let first = &rows.listed[0].message;
        assert!(
            first.contains("«АВС-1» совпадает с логином «ABC-1»") && first.contains("«first.csv»"),
            "{first}"
        );
        assert!(
            rows.listed[1]
                .message
                .contains("«LIB0001» совпадает с логином «lib0001»")
        );
        assert_eq!(counts(&store).unwrap().total(), 2);
    }

    #[test]
    fn an_exact_duplicate_in_the_pool_keeps_the_short_message() {
        let (_dir, mut store, ctx) = desk();
        import(&mut store, &ctx, b"a1;p1\n", "a.csv", &mut |_, _| {}).unwrap();
        let rows =
            rows_of(import(&mut store, &ctx, b"a1;p2\n", "b.csv", &mut |_, _| {}).unwrap_err());
        assert_eq!(
            rows.listed[0].message,
            "Логин «a1» уже есть в пуле (загружен раньше из файла «a.csv»). Уберите эту строку из файла."
        );
    }

    #[test]
    fn conflicts_past_the_limit_are_counted_not_listed() {
        let (_dir, mut store, ctx) = desk();
        let mut csv = String::new();
        for i in 0..1_500 {
            csv.push_str(&format!("lib{i};pw\n"));
        }
        import(&mut store, &ctx, csv.as_bytes(), "a.csv", &mut |_, _| {}).unwrap();
        let rows =
            rows_of(import(&mut store, &ctx, csv.as_bytes(), "b.csv", &mut |_, _| {}).unwrap_err());
        assert_eq!(rows.listed.len(), MAX_ROW_ERRORS);
        assert_eq!(rows.more_lines, 500);
        assert_eq!(rows.lines(), 1_500);
    }

    #[test]
    fn a_file_over_the_size_limit_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.csv");
        let file = std::fs::File::create(&path).unwrap();
        // Sparse: the size is there, the bytes are not.
        file.set_len(2 * 1024 * 1024 * 1024).unwrap();
        let problem = parse_file(&path).unwrap_err();
        let ImportProblem::Unreadable(message) = problem else {
            panic!("expected a refusal, got {problem:?}");
        };
        assert!(
            message.contains("Файл слишком большой: 2\u{A0}048 МБ"),
            "{message}"
        );
        assert!(message.contains("не больше 50 МБ"), "{message}");
    }
}
