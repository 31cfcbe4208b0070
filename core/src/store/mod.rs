//! SQLite storage. All SQL of the application lives under this module.
//!
//! One [`Store`] wraps one connection. Several processes (desks) may open the
//! same file: the database runs in WAL mode, every write happens in an
//! `IMMEDIATE` transaction and waits for a busy lock instead of failing.

mod desk;
mod fund;
mod journal;
mod pool;
mod readers;
mod stats;
mod sync;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::private;
use crate::sealed::{self, SealError, Sealer};

pub use desk::{
    CardStats, DeskReader, DeskRow, FundTitle, Lending, LibraryRow, QUEUE_LIMIT, Stock,
};
pub use fund::{
    CollectionRow, FundEventRow, FundQuery, Holder, LeftTitle, ReturnedTitle, TitleRequest,
};
pub use pool::{BindError, Conflict, Conflicts, NewAccount};
pub use readers::NewReaderRow;
pub use stats::{PurchaseRow, Top};
pub use sync::{FundRow, ProviderReaderRow};

const MIGRATIONS: &[&str] = &[
    include_str!("../../../resources/migrations/001_desk.sql"),
    include_str!("../../../resources/migrations/002_sync.sql"),
    include_str!("../../../resources/migrations/003_login_key.sql"),
    include_str!("../../../resources/migrations/004_requests_desk.sql"),
    include_str!("../../../resources/migrations/005_fund.sql"),
    include_str!("../../../resources/migrations/006_stats.sql"),
];

/// The schema version after which `accounts.login_norm` is recomputed in Rust
/// (`003_login_key.sql`: SQL cannot compute the login key).
const LOGIN_KEY_VERSION: usize = 3;

/// Why the store could not do what was asked. Refusals are typed (the caller
/// decides by kind); the Russian wording lives in the `#[error]` texts only.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("Ошибка базы данных: {0}")]
    Sqlite(#[source] Arc<rusqlite::Error>),
    #[error("Не удалось создать папку {}: {}", .path.display(), crate::private::io_reason(.source))]
    Folder {
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },
    #[error("Не удалось открыть файл базы данных {}: {}", .path.display(), crate::private::io_reason(.source))]
    File {
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },
    #[error(
        "Папка данных {} — сетевая (SMB/NFS). База SQLite по сети портится, если с ней работают две кафедры сразу. Укажите папку на этом компьютере (--data-dir ПАПКА); общая база для нескольких кафедр появится вместе с сервером базы данных.",
        .0.display()
    )]
    NetworkFolder(PathBuf),
    #[error(
        "База данных создана более новой версией Kafedra (схема {found}, эта версия знает {known}). Обновите программу."
    )]
    TooNew { found: i64, known: i64 },
    #[error(
        "Билет № {card} уже выдан читателю {holder}. Проверьте номер или откройте этого читателя."
    )]
    CardTaken { card: String, holder: String },
    #[error("Запрос {0} не найден. Синхронизируйте и попробуйте снова.")]
    RequestNotFound(crate::domain::ids::RequestId),
    #[error("Запрос на «{title}» уже не ждёт решения (сейчас: {}).", .status.label_ru())]
    RequestNotPending {
        title: String,
        status: crate::domain::request::RequestStatus,
    },
    #[error("По запросу на «{title}» решение уже принято и ждёт отправки в ЭБС.")]
    RequestAlreadyDecided { title: String },
    #[error("Подборка не найдена: её удалили на другой кафедре. Обновите список подборок.")]
    CollectionNotFound,
    #[error("У читателя уже есть логин ЭБС. Чтобы создать новый, сначала заблокируйте старый.")]
    ReaderHasLogin,
    #[error("Учётная запись этого читателя уже ждёт создания в ЭБС (в очереди синхронизации).")]
    ProviderAccountWaiting,
    /// A pool password could not be sealed or opened (no key, wrong key).
    #[error(transparent)]
    Sealed(#[from] SealError),
    /// A state that the write lock should make impossible: refuse rather than
    /// write something half-done. The text names what was inconsistent.
    #[error("Ошибка базы данных: {0}. Ничего не изменено; повторите действие.")]
    Inconsistent(&'static str),
}

impl StoreError {
    /// A refusal of what was asked (the data say no), rather than a failure
    /// of the database: the librarian can act on it.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            StoreError::CardTaken { .. }
                | StoreError::RequestNotFound(_)
                | StoreError::CollectionNotFound
                | StoreError::RequestNotPending { .. }
                | StoreError::RequestAlreadyDecided { .. }
                | StoreError::ReaderHasLogin
                | StoreError::ProviderAccountWaiting
        )
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(Arc::new(e))
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub struct Store {
    conn: Connection,
    /// Seals pool passwords at rest; `None` for a store opened without the
    /// key (tests, tools): it writes them plain and refuses to read sealed ones.
    sealer: Option<Sealer>,
    key_path: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.conn.path())
            .finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up
    /// to date. The folder is the user's only (0700) and so are the file and
    /// its WAL and shared-memory files (0600; SQLite gives the WAL and SHM
    /// the database file's mode). A folder on a network file system is
    /// refused: WAL needs shared memory that SMB and NFS do not provide.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Refuse a network folder before anything is created in it.
            if private::on_network_file_system(dir) {
                return Err(StoreError::NetworkFolder(dir.to_path_buf()));
            }
            private::folder(dir).map_err(|e| StoreError::Folder {
                path: dir.to_path_buf(),
                source: Arc::new(e),
            })?;
        }
        private::file(path).map_err(|e| StoreError::File {
            path: path.to_path_buf(),
            source: Arc::new(e),
        })?;
        let conn = Connection::open(path)?;
        Store::setup(conn)
    }

    /// Opens the database with the key that seals pool passwords at rest
    /// (created 0600 at `key` on first use), and seals any password stored
    /// plain before sealing existed.
    pub fn open_sealed(path: &Path, key: &Path) -> Result<Store> {
        let mut store = Store::open(path)?;
        if !key.exists() {
            // A lost key must not be replaced by a new one silently: the
            // sealed passwords would stay unreadable and new ones mixed in.
            let sealed_rows: bool = store
                .conn
                .prepare("SELECT 1 FROM accounts WHERE password LIKE 's1:%' LIMIT 1")?
                .exists([])?;
            if sealed_rows {
                return Err(SealError::NoKey(key.display().to_string()).into());
            }
        }
        store.sealer = Some(Sealer::load_or_create(key)?);
        store.key_path = key.display().to_string();
        store.seal_plain_passwords()?;
        Ok(store)
    }

    /// A password as it goes into the database. An empty one (the provider
    /// sent it to the reader itself) stays empty: nothing to hide.
    pub(crate) fn seal_password(&self, plain: &str) -> String {
        match &self.sealer {
            Some(s) if !plain.is_empty() => s.seal(plain),
            _ => plain.to_string(),
        }
    }

    /// A password as it came out of the database, for the slip or the screen.
    pub(crate) fn unseal_password(&self, stored: &str) -> Result<String> {
        Ok(match &self.sealer {
            Some(s) => s.open(stored)?,
            None => sealed::open_without_key(stored, &self.key_path)?,
        })
    }

    /// Seals the passwords stored plain (a database from before sealing).
    /// Reads first: a store with nothing to seal takes no write lock.
    fn seal_plain_passwords(&mut self) -> Result<()> {
        let plain: Vec<(i64, String)> = {
            let mut q = self
                .conn
                .prepare("SELECT id, password FROM accounts WHERE password NOT LIKE 's1:%' AND password <> ''")?;
            q.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        if plain.is_empty() {
            return Ok(());
        }
        let sealed: Vec<(i64, String)> = plain
            .into_iter()
            .map(|(id, pw)| (id, self.seal_password(&pw)))
            .collect();
        let tx = self.immediate()?;
        {
            let mut update = tx.prepare(
                "UPDATE accounts SET password = ?2 WHERE id = ?1 AND password NOT LIKE 's1:%'",
            )?;
            for (id, pw) in &sealed {
                update.execute(rusqlite::params![id, pw])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A private database in memory (tests and benchmarks).
    pub fn open_in_memory() -> Result<Store> {
        Store::setup(Connection::open_in_memory()?)
    }

    fn setup(conn: Connection) -> Result<Store> {
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a binding, a claim or an outbox change is on disk when the
        // call returns; a power cut cannot undo a login whose slip is printed.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Search walks index ranges over up to millions of readers: a 64 MiB
        // page cache and memory-mapped reads keep every keystroke fast.
        conn.pragma_update(None, "cache_size", -65536)?;
        conn.pragma_update(None, "mmap_size", 268_435_456)?;
        let mut store = Store {
            conn,
            sealer: None,
            key_path: String::new(),
        };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<()> {
        let known = MIGRATIONS.len() as i64;
        // Most opens find the schema current: check without the write lock,
        // so read-only commands never wait for a desk that is writing.
        if self.schema_version()? == known {
            return Ok(());
        }
        let tx = self.immediate()?;
        let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > known {
            return Err(StoreError::TooNew {
                found: version,
                known,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql)?;
            if i + 1 == LOGIN_KEY_VERSION {
                pool::recompute_login_norms(&tx)?;
            }
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// A write transaction that takes the database write lock up front, so two
    /// desks never interleave a read-then-write.
    fn immediate(&mut self) -> Result<Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    fn meta_get(conn: &Connection, key: &str) -> Result<Option<String>> {
        Ok(conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    fn meta_set(conn: &Connection, key: &str, value: &str) -> Result<()> {
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }
}

/// The store shared by the screens: calls run on tokio's blocking pool, never
/// on the UI thread.
#[derive(Clone)]
pub struct Db(std::sync::Arc<std::sync::Mutex<Store>>);

impl Db {
    pub fn new(store: Store) -> Db {
        Db(std::sync::Arc::new(std::sync::Mutex::new(store)))
    }

    /// Runs `f` with the store on a blocking thread.
    pub fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> T + Send + 'static,
    ) -> impl std::future::Future<Output = T> + Send + 'static {
        let inner = self.0.clone();
        async move {
            let job = tokio::task::spawn_blocking(move || {
                // A panic in an earlier call must not lock the desk out.
                let mut store = inner.lock().unwrap_or_else(|p| p.into_inner());
                f(&mut store)
            });
            match job.await {
                Ok(v) => v,
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            }
        }
    }
}

pub(crate) fn now_text() -> String {
    ts(Utc::now())
}

pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn parse_ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;

/// The desk's ids are stored as the numbers and texts they wrap.
mod ids {
    use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

    use crate::domain::ids::{AccountId, ReaderId, RequestId};

    macro_rules! sql_id {
        ($id:ident, $inner:ty) => {
            impl ToSql for $id {
                fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                    self.0.to_sql()
                }
            }

            impl FromSql for $id {
                fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                    <$inner>::column_result(value).map($id)
                }
            }
        };
    }

    sql_id!(ReaderId, i64);
    sql_id!(AccountId, i64);
    sql_id!(RequestId, String);
}

/// Kinds and states are stored as their codes (the provider's own words).
mod codes {
    use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

    use crate::domain::request::{
        BookKind, DecisionKind, OutboxKind, RefusalReason, RequestStatus,
    };

    macro_rules! sql_code {
        ($kind:ty, $from:expr) => {
            impl ToSql for $kind {
                fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                    Ok(ToSqlOutput::from(self.code()))
                }
            }

            impl FromSql for $kind {
                fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                    let code = value.as_str()?;
                    let from: fn(&str) -> Option<$kind> = $from;
                    from(code)
                        .ok_or_else(|| FromSqlError::Other(format!("unknown code «{code}»").into()))
                }
            }
        };
    }

    sql_code!(RequestStatus, |c| Some(RequestStatus::from_code(c)));
    sql_code!(BookKind, |c| Some(BookKind::from_code(c)));
    sql_code!(RefusalReason, |c| Some(RefusalReason::from_code(c)));
    sql_code!(DecisionKind, DecisionKind::from_code);
    sql_code!(OutboxKind, |c| Some(
        OutboxKind::from_code(c).unwrap_or(OutboxKind::Unknown)
    ));
}
