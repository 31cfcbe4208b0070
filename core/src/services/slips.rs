//! The access slip: the reader's login and password on paper or in a PDF.

use std::path::{Path, PathBuf};

use chrono::Local;

use super::{Context, Error, FileAction, PROVIDER, Result, Store};
use crate::config::SlipLayout;
use crate::domain::event::EventKind;
use crate::domain::records::{AccountId, Binding, ReaderId};
use crate::private;
use crate::slip;
use crate::slip::PrintError;
use crate::store::BindError;

/// Writes the slip PDF to `path`; journaled.
pub fn save(
    store: &mut Store,
    ctx: &Context,
    reader: ReaderId,
    layout: SlipLayout,
    path: &Path,
) -> Result<PathBuf> {
    let (pdf, binding) = render(store, ctx, reader, layout)?;
    write_atomically(path, &pdf)?;
    let details = details(store, reader, layout, &format!(", файл {}", path.display()))?;
    store.record_event(
        &ctx.actor,
        EventKind::SlipSaved,
        Some(reader),
        Some(binding.account.id),
        &details,
    )?;
    Ok(path.to_path_buf())
}

/// A slip made for the printer: its PDF waits in the slips folder (the
/// user's only) while the print system takes it.
#[derive(Debug, Clone)]
pub struct PrintJob {
    pdf: PathBuf,
    reader: ReaderId,
    account: AccountId,
    layout: SlipLayout,
    printer: Option<String>,
    /// The paper (CUPS `media`), for the receipt layout.
    media: Option<String>,
}

/// How long a slip PDF may wait in the slips folder (a Windows PDF viewer
/// opens it after we return; a crash may leave one behind).
const SLIP_FILE_LIFETIME: std::time::Duration = std::time::Duration::from_secs(600);

/// Prints the slip on the printer from Settings (or the system default) and
/// journals it, or journals why it was not printed. The PDF is removed on
/// every path once the print system has it.
pub fn print(
    store: &mut Store,
    ctx: &Context,
    reader: ReaderId,
    layout: SlipLayout,
) -> Result<String> {
    let job = prepare_print(store, ctx, reader, layout)?;
    let sent = send_to_printer(&job);
    record_print(store, ctx, &job, sent)
}

/// Step 1 of printing, with the store: renders the slip into the slips
/// folder. The screens then send it without holding the store (the print
/// system may take up to 30 s) and record the outcome.
pub fn prepare_print(
    store: &mut Store,
    ctx: &Context,
    reader: ReaderId,
    layout: SlipLayout,
) -> Result<PrintJob> {
    let (pdf, binding) = render(store, ctx, reader, layout)?;
    let dir = ctx.paths.slips_dir();
    private::folder(&dir).map_err(|e| Error::file(FileAction::CreateFolder, &dir, e))?;
    remove_old_slips(&dir);
    let path = dir.join(format!(
        "slip-{reader}-{}.pdf",
        Local::now().format("%Y%m%d-%H%M%S%.3f")
    ));
    private::write(&path, &pdf).map_err(|e| Error::file(FileAction::Write, &path, e))?;
    let printer = ctx.settings.printer.trim();
    Ok(PrintJob {
        pdf: path,
        reader,
        account: binding.account.id,
        layout,
        printer: (!printer.is_empty()).then(|| printer.to_string()),
        media: match layout {
            SlipLayout::Receipt => Some(ctx.settings.receipt_media.clone()),
            SlipLayout::A5 => None,
        },
    })
}

/// Step 2, without the store: hands the PDF to the print system.
pub fn send_to_printer(job: &PrintJob) -> Result<String, PrintError> {
    slip::print_pdf(&job.pdf, job.printer.as_deref(), job.media.as_deref())
}

/// Step 3, with the store: journals the print or the failure, and removes
/// the PDF (on Windows the PDF viewer may still be opening it: it goes with
/// the next print, after a few minutes).
pub fn record_print(
    store: &mut Store,
    ctx: &Context,
    job: &PrintJob,
    sent: Result<String, PrintError>,
) -> Result<String> {
    if cfg!(not(windows)) || sent.is_err() {
        let _ = std::fs::remove_file(&job.pdf);
    }
    match sent {
        Ok(description) => {
            let details = details(store, job.reader, job.layout, &format!(", {description}"))?;
            store.record_event(
                &ctx.actor,
                EventKind::SlipPrinted,
                Some(job.reader),
                Some(job.account),
                &details,
            )?;
            Ok(description)
        }
        Err(e) => {
            store.record_event(
                &ctx.actor,
                EventKind::SlipPrintFailed,
                Some(job.reader),
                Some(job.account),
                &format!("{}: {e}", job.layout.label()),
            )?;
            Err(e.into())
        }
    }
}

/// Slip PDFs older than their lifetime (left by a crash, or by a Windows
/// viewer) are removed: a password does not lie around on disk.
fn remove_old_slips(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > SLIP_FILE_LIFETIME);
        let name = entry.file_name();
        let ours = name.to_string_lossy().starts_with("slip-");
        if old && ours {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn slip_data(store: &Store, ctx: &Context, reader: ReaderId) -> Result<(slip::SlipData, Binding)> {
    let r = store.reader(reader)?.ok_or(Error::ReaderNotFound)?;
    let binding = store
        .active_binding(PROVIDER, reader)?
        .ok_or(Error::Bind(BindError::NotBound))?;
    let data = slip_for(
        ctx,
        r.full_name(),
        r.card.clone(),
        binding.account.login.clone(),
        store.unseal_password(&binding.account.password)?,
    );
    Ok((data, binding))
}

/// A slip for this reader and login, with the library's texts from the
/// settings, issued now by the desk's librarian.
pub(super) fn slip_for(
    ctx: &Context,
    reader_name: String,
    card_number: String,
    login: String,
    password: String,
) -> slip::SlipData {
    let s = &ctx.settings;
    slip::SlipData {
        library_name: s.library_name.clone(),
        reader_name,
        card_number,
        login,
        password,
        site_url: s.provider_site_url.clone(),
        apps_text: s.slip.apps_text.clone(),
        library_page_url: s.library_page_url.clone(),
        instructions: s.slip.instructions.clone(),
        footer: s.slip.footer.clone(),
        issued_at: Local::now().format("%d.%m.%Y %H:%M").to_string(),
        staff_name: ctx.actor.staff.clone(),
    }
}

/// The renderer's layout for the settings' slip layout.
pub(super) fn layout(layout: SlipLayout) -> slip::Layout {
    match layout {
        SlipLayout::A5 => slip::Layout::A5,
        SlipLayout::Receipt => slip::Layout::Receipt80,
    }
}

fn render(
    store: &Store,
    ctx: &Context,
    reader: ReaderId,
    layout: SlipLayout,
) -> Result<(Vec<u8>, Binding)> {
    let (data, binding) = slip_data(store, ctx, reader)?;
    Ok((slip::render(&data, self::layout(layout))?, binding))
}

/// "A5, первая печать, …" for the journal.
fn details(store: &Store, reader: ReaderId, layout: SlipLayout, extra: &str) -> Result<String> {
    let before = store.count_events(EventKind::SlipPrinted, Some(reader))?
        + store.count_events(EventKind::SlipSaved, Some(reader))?;
    let kind = if before == 0 {
        "первая печать"
    } else {
        "повторная печать"
    };
    Ok(format!("{}, {kind}{extra}", layout.label()))
}

/// The slip holds a password: the file is the user's only (0600), written
/// through a fresh temporary file and renamed.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    private::write(path, bytes).map_err(|e| Error::file(FileAction::Write, path, e))
}

/// The printers the print system knows, the default first (for Settings).
/// Runs `lpstat`: call it off the UI thread.
pub fn printers() -> Vec<String> {
    slip::printers()
}
