//! Application services of the desk: one function per use case, shared by the
//! iced screens and the command line. They validate, call the store and the
//! slip renderer, and journal what happened. They never touch iced.

use std::path::{Path, PathBuf};

use chrono::{Local, NaiveDate};

use crate::config::{AccessMode, CONSENT_VERSION, Paths, Settings, SlipLayout};
use crate::domain::event::{Actor, EventKind};
use crate::domain::reader::{FieldError, ReaderDraft, validate};
use crate::domain::records::{
    Account, Binding, Consent, DuplicateHit, ImportRecord, JournalEntry, Reader, ReaderHit,
    ReaderId,
};
use crate::domain::request::Decision;
use crate::domain::{BlockReason, Field};
use crate::import::pool::{PoolFileError, RowError, parse_pool};
use crate::slip;
use crate::store::{BindError, NewAccount, NewReaderRow, Store, StoreError};

/// The provider whose logins the pool holds.
pub const PROVIDER: &str = "litres";

/// How many search results the desk shows.
pub const SEARCH_LIMIT: usize = 50;

/// Everything a service needs besides the database.
#[derive(Debug, Clone)]
pub struct Context {
    pub settings: Settings,
    pub paths: Paths,
    pub actor: Actor,
}

impl Context {
    pub fn new(settings: Settings, paths: Paths) -> Context {
        let actor = settings.actor();
        Context {
            settings,
            paths,
            actor,
        }
    }

    pub fn today(&self) -> NaiveDate {
        Local::now().date_naive()
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum DeskError {
    #[error("Проверьте поля формы: {}", .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" "))]
    Invalid(Vec<FieldError>),
    #[error("Возможно, этот читатель уже зарегистрирован ({} совпад.). Откройте его карточку или подтвердите, что это другой человек.", .0.len())]
    PossibleDuplicates(Vec<DuplicateHit>),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Bind(#[from] BindError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Slip(String),
    #[error("{0}")]
    Print(String),
    #[error("{0}")]
    File(String),
}

pub type Result<T, E = DeskError> = std::result::Result<T, E>;

// ---------------------------------------------------------------- readers

/// Registers a reader. Refuses with every form problem at once; when the
/// reader may already exist, refuses with the candidates unless
/// `allow_duplicates` (the librarian confirmed it is another person).
pub fn register_reader(
    store: &mut Store,
    ctx: &Context,
    draft: &ReaderDraft,
    allow_duplicates: bool,
) -> Result<Reader> {
    let valid = validate(draft, ctx.today());
    let mut problems = valid.as_ref().err().cloned().unwrap_or_default();
    if !draft.card.trim().is_empty()
        && !problems.iter().any(|e| e.field == Field::Card)
        && let Err(message) = store.check_card_free(draft.card.trim())?
    {
        problems.push(FieldError::new(Field::Card, message));
    }
    let valid = match valid {
        Ok(v) if problems.is_empty() => v,
        _ => return Err(DeskError::Invalid(problems)),
    };
    if !allow_duplicates {
        let dups = store.find_duplicates(&valid)?;
        if !dups.is_empty() {
            return Err(DeskError::PossibleDuplicates(dups));
        }
    }
    // In "create at the provider" mode the card creation is queued in the
    // same transaction as the registration: it cannot be lost.
    let payload = provider_payload(
        &valid.full_name(),
        valid.birth_date,
        valid.email.as_deref(),
        valid.phone.as_deref(),
    );
    let provider_account =
        (ctx.settings.access_mode == AccessMode::Provider).then_some((PROVIDER, payload.as_str()));
    let reader = store
        .insert_reader(
            NewReaderRow {
                reader: &valid,
                consent_version: CONSENT_VERSION,
                provider_account,
            },
            &ctx.settings.card_pattern(),
            ctx.today(),
            &ctx.actor,
        )
        .map_err(|e| match e {
            // A card typed at the same moment at another desk.
            StoreError::Refused(message) => {
                DeskError::Invalid(vec![FieldError::new(Field::Card, message)])
            }
            other => other.into(),
        })?;
    Ok(reader)
}

/// The card number a new reader would get now (shown greyed in the form).
pub fn next_card_number(store: &Store, ctx: &Context) -> Result<String> {
    Ok(store.peek_card(&ctx.settings.card_pattern(), ctx.today())?)
}

pub fn search(store: &Store, query: &str) -> Result<Vec<ReaderHit>> {
    Ok(store.search_readers(query, SEARCH_LIMIT)?)
}

pub fn find_by_card(store: &Store, card: &str) -> Result<Reader> {
    store
        .reader_by_card(card)?
        .ok_or_else(|| DeskError::NotFound(format!("Читатель с билетом № {card} не найден.")))
}

/// What the reader card shows. Contacts and password are not in it: they are
/// revealed on request and each reveal is journaled.
#[derive(Debug, Clone)]
pub struct ReaderCard {
    pub reader: Reader,
    pub consent: Option<Consent>,
    /// The active login, with the password blanked.
    pub binding: Option<Binding>,
    /// Earlier (blocked) logins, passwords blanked.
    pub past_bindings: Vec<Binding>,
    pub history: Vec<JournalEntry>,
    /// The login the next binding would take (when the reader has none).
    pub proposed: Option<Account>,
    /// A card creation at the provider waiting in the sync queue.
    pub provider_waiting: Option<crate::domain::request::OutboxItem>,
}

/// Opens the reader card; journals that the reader's data was viewed.
pub fn open_reader(store: &mut Store, ctx: &Context, id: ReaderId) -> Result<ReaderCard> {
    let reader = store
        .reader(id)?
        .ok_or_else(|| DeskError::NotFound("Читатель не найден.".into()))?;
    store.record_event(&ctx.actor, EventKind::ReaderViewed, Some(id), None, "")?;
    load_card(store, reader)
}

/// Reloads an open card after an action on it (not a new view).
pub fn reload_reader(store: &mut Store, id: ReaderId) -> Result<ReaderCard> {
    let reader = store
        .reader(id)?
        .ok_or_else(|| DeskError::NotFound("Читатель не найден.".into()))?;
    load_card(store, reader)
}

fn load_card(store: &Store, reader: Reader) -> Result<ReaderCard> {
    let mut bindings = store.bindings_of(reader.id)?;
    for b in &mut bindings {
        b.account.password.clear();
    }
    let (active, past): (Vec<Binding>, Vec<Binding>) =
        bindings.into_iter().partition(|b| b.ended_at.is_none());
    let binding = active.into_iter().next();
    let proposed = if binding.is_none() {
        store.peek_free_account(PROVIDER)?.map(|mut a| {
            a.password.clear();
            a
        })
    } else {
        None
    };
    Ok(ReaderCard {
        provider_waiting: store.provider_account_waiting(reader.id)?,
        consent: store.consent(reader.id)?,
        history: store.journal(Some(reader.id), None, 200)?,
        reader,
        binding,
        past_bindings: past,
        proposed,
    })
}

/// Reveals the reader's e-mail and phone; journaled.
pub fn reveal_contacts(
    store: &mut Store,
    ctx: &Context,
    id: ReaderId,
) -> Result<(Option<String>, Option<String>)> {
    let reader = store
        .reader(id)?
        .ok_or_else(|| DeskError::NotFound("Читатель не найден.".into()))?;
    store.record_event(&ctx.actor, EventKind::ContactsShown, Some(id), None, "")?;
    Ok((reader.email, reader.phone))
}

// ---------------------------------------------------------------- logins

/// Binds a free login. `proposed` is the login the librarian saw and
/// confirmed; if another desk took it meanwhile, the next free one is bound
/// and the returned binding says which.
pub fn bind_login(
    store: &mut Store,
    ctx: &Context,
    reader: ReaderId,
    proposed: Option<i64>,
) -> Result<Binding> {
    let mut b = store.bind_free_account(PROVIDER, reader, proposed, &ctx.actor)?;
    b.account.password.clear();
    Ok(b)
}

/// Blocks the reader's login (lost slip, leaked password…). `comment` is
/// required for [`BlockReason::Other`].
pub fn block_login(
    store: &mut Store,
    ctx: &Context,
    reader: ReaderId,
    reason: BlockReason,
    comment: &str,
) -> Result<Binding> {
    let comment = comment.trim();
    if reason.needs_comment() && comment.is_empty() {
        return Err(DeskError::Refused(
            "Опишите причину блокировки: выбрано «другое».".into(),
        ));
    }
    let text = if comment.is_empty() {
        reason.label().to_string()
    } else {
        format!("{}: {comment}", reason.label())
    };
    let mut b = store.block_active_account(PROVIDER, reader, &text, &ctx.actor)?;
    b.account.password.clear();
    Ok(b)
}

/// The password of the reader's active login; journaled.
pub fn reveal_password(store: &mut Store, ctx: &Context, reader: ReaderId) -> Result<String> {
    let binding = store
        .active_binding(PROVIDER, reader)?
        .ok_or(DeskError::Bind(BindError::NotBound))?;
    store.record_event(
        &ctx.actor,
        EventKind::PasswordShown,
        Some(reader),
        Some(binding.account.id),
        &format!("логин {}", binding.account.login),
    )?;
    Ok(binding.account.password)
}

/// Parameters of `w_biblio_reader_create` for the outbox.
fn provider_payload(
    name: &str,
    birth_date: NaiveDate,
    mail: Option<&str>,
    phone: Option<&str>,
) -> String {
    let p = crate::provider::sync::CreateReaderPayload {
        name: name.chars().take(255).collect(),
        birth_date,
        mail: mail.map(str::to_string),
        phone: phone.map(str::to_string),
    };
    serde_json::to_string(&p).unwrap_or_default()
}

/// Queues the creation of the reader's card at the provider ("create at the
/// provider" mode): the sync sends it and stores the login that comes back.
pub fn request_provider_account(store: &mut Store, ctx: &Context, reader: ReaderId) -> Result<()> {
    let r = store
        .reader(reader)?
        .ok_or_else(|| DeskError::NotFound("Читатель не найден.".into()))?;
    let payload = provider_payload(
        &r.full_name(),
        r.birth_date,
        r.email.as_deref(),
        r.phone.as_deref(),
    );
    store
        .queue_provider_account(PROVIDER, reader, &payload, &ctx.actor)
        .map_err(|e| match e {
            StoreError::Refused(m) => DeskError::Refused(m),
            other => other.into(),
        })?;
    Ok(())
}

// ---------------------------------------------------------------- requests

/// Records the librarian's decision on a reader's request and queues it for
/// the provider, in one transaction (it survives a crash or a dead network).
pub fn decide_request(
    store: &mut Store,
    ctx: &Context,
    request_id: &str,
    decision: &Decision,
) -> Result<()> {
    if let Some(problem) = decision.problem() {
        return Err(DeskError::Refused(problem));
    }
    let request = store
        .request(request_id)?
        .ok_or_else(|| DeskError::NotFound(format!("Запрос {request_id} не найден.")))?;
    let payload = crate::provider::sync::DecisionPayload {
        request_id: request_id.to_string(),
        art: matches!(decision, Decision::Buy).then_some(request.art),
        reason: match decision {
            Decision::Refuse { reason, .. } => Some(reason.clone()),
            _ => None,
        },
        text: match decision {
            Decision::Refuse { text, .. } => Some(text.trim().to_string()),
            Decision::Cancel { comment } if !comment.trim().is_empty() => {
                Some(comment.trim().to_string())
            }
            _ => None,
        },
    };
    let payload = serde_json::to_string(&payload).unwrap_or_default();
    store
        .decide_request(request_id, decision, &payload, &ctx.actor)
        .map_err(|e| match e {
            StoreError::Refused(m) => DeskError::Refused(m),
            other => other.into(),
        })?;
    Ok(())
}

// ---------------------------------------------------------------- slips

fn slip_data(store: &Store, ctx: &Context, reader: ReaderId) -> Result<(slip::SlipData, Binding)> {
    let r = store
        .reader(reader)?
        .ok_or_else(|| DeskError::NotFound("Читатель не найден.".into()))?;
    let binding = store
        .active_binding(PROVIDER, reader)?
        .ok_or(DeskError::Bind(BindError::NotBound))?;
    let s = &ctx.settings;
    let data = slip::SlipData {
        library_name: s.library_name.clone(),
        reader_name: r.full_name(),
        card_number: r.card.clone(),
        login: binding.account.login.clone(),
        password: binding.account.password.clone(),
        site_url: s.provider_site_url.clone(),
        apps_text: s.slip.apps_text.clone(),
        library_page_url: s.library_page_url.clone(),
        instructions: s.slip.instructions.clone(),
        footer: s.slip.footer.clone(),
        issued_at: Local::now().format("%d.%m.%Y %H:%M").to_string(),
        staff_name: ctx.actor.staff.clone(),
    };
    Ok((data, binding))
}

fn render_slip(
    store: &Store,
    ctx: &Context,
    reader: ReaderId,
    layout: SlipLayout,
) -> Result<(Vec<u8>, Binding)> {
    let (data, binding) = slip_data(store, ctx, reader)?;
    let layout = match layout {
        SlipLayout::A5 => slip::Layout::A5,
        SlipLayout::Receipt => slip::Layout::Receipt80,
    };
    let pdf = slip::render(&data, layout).map_err(|e| DeskError::Slip(e.to_string()))?;
    Ok((pdf, binding))
}

fn slip_details(
    store: &Store,
    reader: ReaderId,
    layout: SlipLayout,
    extra: &str,
) -> Result<String> {
    let before = store.count_events(EventKind::SlipPrinted, Some(reader))?
        + store.count_events(EventKind::SlipSaved, Some(reader))?;
    let kind = if before == 0 {
        "первая печать"
    } else {
        "повторная печать"
    };
    Ok(format!("{}, {kind}{extra}", layout.label()))
}

/// Writes the slip PDF to `path`; journaled.
pub fn save_slip(
    store: &mut Store,
    ctx: &Context,
    reader: ReaderId,
    layout: SlipLayout,
    path: &Path,
) -> Result<PathBuf> {
    let (pdf, binding) = render_slip(store, ctx, reader, layout)?;
    write_atomically(path, &pdf)?;
    let details = slip_details(store, reader, layout, &format!(", файл {}", path.display()))?;
    store.record_event(
        &ctx.actor,
        EventKind::SlipSaved,
        Some(reader),
        Some(binding.account.id),
        &details,
    )?;
    Ok(path.to_path_buf())
}

/// Sends the slip to the printer from Settings (or the system default);
/// journaled. The PDF stays in the slips folder until it is printed.
pub fn print_slip(
    store: &mut Store,
    ctx: &Context,
    reader: ReaderId,
    layout: SlipLayout,
) -> Result<String> {
    let (pdf, binding) = render_slip(store, ctx, reader, layout)?;
    let dir = ctx.paths.slips_dir();
    std::fs::create_dir_all(&dir)
        .map_err(|e| DeskError::File(format!("Не удалось создать папку {}: {e}", dir.display())))?;
    let path = dir.join(format!(
        "slip-{reader}-{}.pdf",
        Local::now().format("%Y%m%d-%H%M%S")
    ));
    write_atomically(&path, &pdf)?;
    let printer = ctx.settings.printer.trim();
    let job = slip::print_pdf(&path, (!printer.is_empty()).then_some(printer))
        .map_err(|e| DeskError::Print(e.to_string()))?;
    let _ = std::fs::remove_file(&path);
    let details = slip_details(store, reader, layout, &format!(", {job}"))?;
    store.record_event(
        &ctx.actor,
        EventKind::SlipPrinted,
        Some(reader),
        Some(binding.account.id),
        &details,
    )?;
    Ok(job)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("pdf.part");
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            DeskError::File(format!("Не удалось записать файл {}: {e}", path.display()))
        })
}

// ---------------------------------------------------------------- pool

/// Why an import was refused: nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportProblem {
    #[error("{0}")]
    Unreadable(String),
    #[error("Файл не загружен: {} с ошибками. Исправьте их и загрузите файл снова.", rows_with_errors(.0))]
    Rows(Vec<RowError>),
    #[error("{0}")]
    Store(String),
}

fn rows_with_errors(rows: &[RowError]) -> String {
    let mut lines: Vec<usize> = rows.iter().map(|r| r.line).collect();
    lines.dedup();
    let n = lines.len() as u64;
    format!(
        "{n} {}",
        crate::domain::text::plural(n, "строка", "строки", "строк")
    )
}

/// Loads the provider's login list, all or nothing. `progress(done, total)`
/// reports the rows written.
pub fn import_pool(
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
    match store.import_accounts(PROVIDER, &rows, file_name, parsed.encoding, &ctx.actor, progress) {
        Ok(Ok(record)) => Ok(record),
        Ok(Err(conflicts)) => Err(ImportProblem::Rows(
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
        Err(e) => Err(ImportProblem::Store(e.to_string())),
    }
}

/// Reads a file for import with a Russian error.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| DeskError::File(format!("Не удалось прочитать файл {}: {e}", path.display())))
}

// ---------------------------------------------------------------- settings

/// Saves the settings after checking them; journals which ones changed.
pub fn save_settings(
    store: &mut Store,
    ctx: &Context,
    new: &Settings,
) -> Result<Vec<String>, Vec<String>> {
    let problems = new.problems();
    if !problems.is_empty() {
        return Err(problems);
    }
    let changed = ctx.settings.changed_fields(new);
    new.save(&ctx.paths.settings_file).map_err(|e| vec![e])?;
    if !changed.is_empty() {
        store
            .record_event(
                &new.actor(),
                EventKind::SettingsChanged,
                None,
                None,
                &changed.join(", "),
            )
            .map_err(|e| vec![e.to_string()])?;
    }
    Ok(changed.into_iter().map(String::from).collect())
}
