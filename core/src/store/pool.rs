//! The login pool: imports, counts, binding a free login to a reader, blocking.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Result, Store, StoreError, now_text, parse_ts};
use crate::domain::account::{AccountStatus, PoolCounts};
use crate::domain::event::{Actor, EventKind};
use crate::domain::records::{Account, AccountId, Binding, ImportRecord, ReaderId};
use crate::domain::text::{counted, login_key, login_norm};

/// One row of an import, already checked by the file parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub line: usize,
    pub login: String,
    pub password: String,
    pub provider_card: Option<String>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum BindError {
    #[error("Читатель не найден — возможно, карточку удалили. Найдите читателя заново.")]
    ReaderNotFound,
    #[error(
        "У читателя уже есть логин ЭБС «{login}». Чтобы выдать новый, сначала заблокируйте старый."
    )]
    AlreadyBound { login: String },
    #[error("Свободных логинов не осталось. Загрузите новый список логинов от поставщика.")]
    PoolEmpty,
    #[error("У читателя нет действующего логина ЭБС.")]
    NotBound,
    #[error("Логин успели выдать с другого места. Повторите выдачу.")]
    TakenMeanwhile,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for BindError {
    fn from(e: rusqlite::Error) -> Self {
        BindError::Store(e.into())
    }
}

const ACCOUNT_COLUMNS: &str =
    "a.id, a.provider, a.login, a.password, a.provider_card, a.status, a.blocked_reason";

fn account_from_row(r: &Row<'_>) -> rusqlite::Result<Account> {
    let status: String = r.get(5)?;
    Ok(Account {
        id: r.get(0)?,
        provider: r.get(1)?,
        login: r.get(2)?,
        password: r.get(3)?,
        provider_card: r.get(4)?,
        status: AccountStatus::from_code(&status).unwrap_or(AccountStatus::Blocked),
        blocked_reason: r.get(6)?,
    })
}

fn binding_from_row(r: &Row<'_>) -> rusqlite::Result<Binding> {
    // Columns: binding (id, reader_id, bound_at, bound_by, ended_at, end_reason), then the account.
    let account = Account {
        id: r.get(6)?,
        provider: r.get(7)?,
        login: r.get(8)?,
        password: r.get(9)?,
        provider_card: r.get(10)?,
        status: AccountStatus::from_code(&r.get::<_, String>(11)?)
            .unwrap_or(AccountStatus::Blocked),
        blocked_reason: r.get(12)?,
    };
    let ended: Option<String> = r.get(4)?;
    Ok(Binding {
        id: r.get(0)?,
        reader_id: r.get(1)?,
        account,
        bound_at: parse_ts(&r.get::<_, String>(2)?),
        bound_by: r.get(3)?,
        ended_at: ended.as_deref().map(parse_ts),
        end_reason: r.get(5)?,
    })
}

const BINDING_SELECT: &str =
    "SELECT b.id, b.reader_id, b.bound_at, b.bound_by, b.ended_at, b.end_reason,
        a.id, a.provider, a.login, a.password, a.provider_card, a.status, a.blocked_reason
     FROM bindings b JOIN accounts a ON a.id = b.account_id";

/// A login of an import that the pool already has, or one a reader cannot
/// tell from it (same [`login_key`]: case, look-alike letters, invisible
/// characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The line of the import.
    pub line: usize,
    pub login: String,
    /// The login in the pool.
    pub existing: String,
    /// The file it was loaded from (`None`: created at the provider).
    pub import_file: Option<String>,
}

/// How many conflicts are listed in full; the rest are only counted.
const LISTED_CONFLICTS: usize = 1_000;

/// The conflicts of an import: the first ones, and how many there are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conflicts {
    pub first: Vec<Conflict>,
    pub total: usize,
}

/// The pool's login with the key of `login`, if there is one. Candidates
/// share the stored `login_norm` (indexed); the key decides.
fn existing_login(
    query: &mut rusqlite::CachedStatement<'_>,
    provider: &str,
    login: &str,
) -> rusqlite::Result<Option<(String, Option<String>)>> {
    let key = login_key(login);
    let mut rows = query.query(params![provider, login_norm(login)])?;
    while let Some(row) = rows.next()? {
        let existing: String = row.get(0)?;
        if login_key(&existing) == key {
            return Ok(Some((existing, row.get(1)?)));
        }
    }
    Ok(None)
}

/// Recomputes `login_norm` of every login (migration 003: it became
/// [`login_norm`], which folds look-alike letters and invisible characters).
pub(super) fn recompute_login_norms(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    let changed: Vec<(i64, String)> = {
        let mut q = tx.prepare("SELECT id, login, login_norm FROM accounts")?;
        let rows = q.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut changed = Vec::new();
        for row in rows {
            let (id, login, stored) = row?;
            let norm = login_norm(&login);
            if norm != stored {
                changed.push((id, norm));
            }
        }
        changed
    };
    let mut update = tx.prepare("UPDATE accounts SET login_norm = ?2 WHERE id = ?1")?;
    for (id, norm) in changed {
        update.execute(params![id, norm])?;
    }
    Ok(())
}

impl Store {
    /// Adds the rows to the pool, all or nothing: if any login is already in
    /// the pool (or one with the same [`login_key`]), nothing is written and
    /// the conflicting rows are returned.
    /// `progress(done, total)` is called as rows are written.
    pub(crate) fn import_accounts(
        &mut self,
        provider: &str,
        rows: &[NewAccount],
        file_name: &str,
        encoding: &str,
        actor: &Actor,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<std::result::Result<ImportRecord, Conflicts>> {
        // Passwords are sealed at rest (before the write lock is taken).
        let sealed: Vec<String> = rows
            .iter()
            .map(|r| self.seal_password(&r.password))
            .collect();
        let tx = self.immediate()?;
        let mut conflicts = Conflicts::default();
        {
            let mut candidates = tx.prepare_cached(
                "SELECT a.login, i.file_name FROM accounts a LEFT JOIN imports i ON i.id = a.import_id
                 WHERE a.provider = ?1 AND a.login_norm = ?2",
            )?;
            for row in rows {
                if let Some((existing, import_file)) =
                    existing_login(&mut candidates, provider, &row.login)?
                {
                    conflicts.total += 1;
                    if conflicts.first.len() < LISTED_CONFLICTS {
                        conflicts.first.push(Conflict {
                            line: row.line,
                            login: row.login.clone(),
                            existing,
                            import_file,
                        });
                    }
                }
            }
        }
        if conflicts.total > 0 {
            // Dropping the transaction rolls it back: nothing was written anyway.
            return Ok(Err(conflicts));
        }
        let now = now_text();
        tx.execute(
            "INSERT INTO imports (file_name, encoding, rows, at, staff) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![file_name, encoding, rows.len() as i64, now, actor.staff],
        )?;
        let import_id = tx.last_insert_rowid();
        {
            let mut ins = tx.prepare_cached(
                "INSERT INTO accounts (provider, login, login_norm, password, provider_card, status, import_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'free', ?6)",
            )?;
            let total = rows.len();
            for (i, row) in rows.iter().enumerate() {
                ins.execute(params![
                    provider,
                    row.login,
                    login_norm(&row.login),
                    sealed[i],
                    row.provider_card,
                    import_id
                ])?;
                if (i + 1) % 2000 == 0 || i + 1 == total {
                    progress(i + 1, total);
                }
            }
        }
        Store::append_event(
            &tx,
            actor,
            EventKind::PoolImported,
            None,
            None,
            &format!(
                "файл «{file_name}» ({encoding}): {}",
                counted(rows.len() as u64, "логин", "логина", "логинов")
            ),
        )?;
        tx.commit()?;
        Ok(Ok(ImportRecord {
            id: import_id,
            file_name: file_name.to_string(),
            encoding: encoding.to_string(),
            rows: rows.len() as u64,
            at: parse_ts(&now),
            staff: actor.staff.clone(),
        }))
    }

    pub(crate) fn pool_counts(&self, provider: &str) -> Result<PoolCounts> {
        let mut counts = PoolCounts::default();
        let mut q = self.conn.prepare_cached(
            "SELECT status, count(*) FROM accounts WHERE provider = ?1 GROUP BY status",
        )?;
        let rows = q.query_map([provider], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (status, n) = row?;
            match AccountStatus::from_code(&status) {
                Some(AccountStatus::Free) => counts.free = n as u64,
                Some(AccountStatus::Assigned) => counts.assigned = n as u64,
                Some(AccountStatus::Blocked) => counts.blocked = n as u64,
                None => {}
            }
        }
        Ok(counts)
    }

    pub(crate) fn imports(&self, limit: usize) -> Result<Vec<ImportRecord>> {
        let mut q = self.conn.prepare_cached(
            "SELECT id, file_name, encoding, rows, at, staff FROM imports ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = q.query_map([limit as i64], |r| {
            Ok(ImportRecord {
                id: r.get(0)?,
                file_name: r.get(1)?,
                encoding: r.get(2)?,
                rows: r.get::<_, i64>(3)? as u64,
                at: parse_ts(&r.get::<_, String>(4)?),
                staff: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One login of the pool, by id.
    pub(crate) fn account(&self, id: AccountId) -> Result<Option<Account>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id = ?1"),
                [id],
                account_from_row,
            )
            .optional()?)
    }

    /// The login the next binding would take (the oldest free one).
    pub(crate) fn peek_free_account(&self, provider: &str) -> Result<Option<Account>> {
        Ok(next_free(&self.conn, provider)?)
    }

    /// Binds a free login to the reader. `preferred` is the login the screen
    /// proposed; if another desk took it meanwhile, the next free one is bound
    /// instead (the result tells which). Atomic across processes.
    pub(crate) fn bind_free_account(
        &mut self,
        provider: &str,
        reader: ReaderId,
        preferred: Option<AccountId>,
        actor: &Actor,
    ) -> std::result::Result<Binding, BindError> {
        let tx = self.immediate()?;
        let exists: bool = tx
            .prepare_cached("SELECT 1 FROM readers WHERE id = ?1")?
            .exists([reader])?;
        if !exists {
            return Err(BindError::ReaderNotFound);
        }
        if let Some(active) = active_binding(&tx, provider, reader)? {
            return Err(BindError::AlreadyBound {
                login: active.account.login,
            });
        }
        let preferred = match preferred {
            Some(id) => tx
                .query_row(
                    &format!(
                        "SELECT {ACCOUNT_COLUMNS} FROM accounts a
                         WHERE a.id = ?1 AND a.provider = ?2 AND a.status = 'free'"
                    ),
                    params![id, provider],
                    account_from_row,
                )
                .optional()?,
            None => None,
        };
        let account = match preferred {
            Some(a) => a,
            None => next_free(&tx, provider)?.ok_or(BindError::PoolEmpty)?,
        };
        let changed = tx.execute(
            "UPDATE accounts SET status = 'assigned' WHERE id = ?1 AND status = 'free'",
            [account.id],
        )?;
        if changed != 1 {
            // Cannot happen under the write lock; refuse rather than double-bind.
            return Err(BindError::TakenMeanwhile);
        }
        tx.execute(
            "INSERT INTO bindings (reader_id, account_id, provider, bound_at, bound_by)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![reader, account.id, provider, now_text(), actor.staff],
        )?;
        Store::append_event(
            &tx,
            actor,
            EventKind::LoginBound,
            Some(reader),
            Some(account.id),
            &format!("логин {}", account.login),
        )?;
        let binding = active_binding(&tx, provider, reader)?
            .ok_or_else(|| BindError::Store(StoreError::Inconsistent("привязка не записалась")))?;
        tx.commit()?;
        Ok(binding)
    }

    /// Blocks the reader's active login (lost, compromised…): the binding ends,
    /// the login is never handed out again.
    pub(crate) fn block_active_account(
        &mut self,
        provider: &str,
        reader: ReaderId,
        reason: &str,
        actor: &Actor,
    ) -> std::result::Result<Binding, BindError> {
        let tx = self.immediate()?;
        let active = active_binding(&tx, provider, reader)?.ok_or(BindError::NotBound)?;
        let now = now_text();
        tx.execute(
            "UPDATE bindings SET ended_at = ?2, ended_by = ?3, end_reason = ?4 WHERE id = ?1",
            params![active.id, now, actor.staff, reason],
        )?;
        tx.execute(
            "UPDATE accounts SET status = 'blocked', blocked_at = ?2, blocked_by = ?3, blocked_reason = ?4
             WHERE id = ?1",
            params![active.account.id, now, actor.staff, reason],
        )?;
        Store::append_event(
            &tx,
            actor,
            EventKind::LoginBlocked,
            Some(reader),
            Some(active.account.id),
            &format!("логин {}: {reason}", active.account.login),
        )?;
        let ended = tx.query_row(
            &format!("{BINDING_SELECT} WHERE b.id = ?1"),
            [active.id],
            binding_from_row,
        )?;
        tx.commit()?;
        Ok(ended)
    }

    pub(crate) fn active_binding(
        &self,
        provider: &str,
        reader: ReaderId,
    ) -> Result<Option<Binding>> {
        active_binding(&self.conn, provider, reader)
    }

    /// Every login the reader ever had, newest first.
    pub(crate) fn bindings_of(&self, reader: ReaderId) -> Result<Vec<Binding>> {
        let mut q = self.conn.prepare_cached(&format!(
            "{BINDING_SELECT} WHERE b.reader_id = ?1 ORDER BY b.id DESC"
        ))?;
        let rows = q.query_map([reader], binding_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// All active bindings: (reader, login). Used by checks and tests.
    pub(crate) fn active_bindings(&self, provider: &str) -> Result<Vec<(ReaderId, String)>> {
        let mut q = self.conn.prepare_cached(
            "SELECT b.reader_id, a.login FROM bindings b JOIN accounts a ON a.id = b.account_id
             WHERE b.provider = ?1 AND b.ended_at IS NULL ORDER BY b.id",
        )?;
        let rows = q.query_map([provider], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn next_free(conn: &Connection, provider: &str) -> rusqlite::Result<Option<Account>> {
    conn.query_row(
        &format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts a
             WHERE a.provider = ?1 AND a.status = 'free' ORDER BY a.id LIMIT 1"
        ),
        [provider],
        account_from_row,
    )
    .optional()
}

fn active_binding(conn: &Connection, provider: &str, reader: ReaderId) -> Result<Option<Binding>> {
    Ok(conn
        .query_row(
            &format!(
                "{BINDING_SELECT} WHERE b.reader_id = ?1 AND b.provider = ?2 AND b.ended_at IS NULL"
            ),
            params![reader, provider],
            binding_from_row,
        )
        .optional()?)
}
