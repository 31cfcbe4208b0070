//! The access slip: the reader's login and password on paper or in a PDF.

use std::path::{Path, PathBuf};

use chrono::Local;

use super::{Context, Error, FileAction, PROVIDER, Result, Store};
use crate::config::SlipLayout;
use crate::domain::event::EventKind;
use crate::domain::records::{Binding, ReaderId};
use crate::slip;
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

/// Sends the slip to the printer from Settings (or the system default);
/// journaled. The PDF stays in the slips folder until it is printed.
pub fn print(
    store: &mut Store,
    ctx: &Context,
    reader: ReaderId,
    layout: SlipLayout,
) -> Result<String> {
    let (pdf, binding) = render(store, ctx, reader, layout)?;
    let dir = ctx.paths.slips_dir();
    std::fs::create_dir_all(&dir).map_err(|e| Error::file(FileAction::CreateFolder, &dir, e))?;
    let path = dir.join(format!(
        "slip-{reader}-{}.pdf",
        Local::now().format("%Y%m%d-%H%M%S")
    ));
    write_atomically(&path, &pdf)?;
    let printer = ctx.settings.printer.trim();
    let job = slip::print_pdf(&path, (!printer.is_empty()).then_some(printer))?;
    let _ = std::fs::remove_file(&path);
    let details = details(store, reader, layout, &format!(", {job}"))?;
    store.record_event(
        &ctx.actor,
        EventKind::SlipPrinted,
        Some(reader),
        Some(binding.account.id),
        &details,
    )?;
    Ok(job)
}

fn slip_data(store: &Store, ctx: &Context, reader: ReaderId) -> Result<(slip::SlipData, Binding)> {
    let r = store.reader(reader)?.ok_or(Error::ReaderNotFound)?;
    let binding = store
        .active_binding(PROVIDER, reader)?
        .ok_or(Error::Bind(BindError::NotBound))?;
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

fn render(
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
    Ok((slip::render(&data, layout)?, binding))
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

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("pdf.part");
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::file(FileAction::Write, path, e)
        })
}
