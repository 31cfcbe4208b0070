//! `kafedra slip`: the access slip to a PDF file and/or the printer.

use std::path::Path;

use kafedra_core::config::SlipLayout;
use kafedra_core::services::{Context, Store, readers, slips};

use super::Outcome;
use super::args::LayoutArg;

pub(super) fn run(
    card: &str,
    out: Option<&Path>,
    layout: Option<LayoutArg>,
    print: bool,
    store: &mut Store,
    ctx: &Context,
) -> Outcome {
    let reader = readers::find_by_card(store, card)?;
    let layout = match layout {
        Some(LayoutArg::A5) => SlipLayout::A5,
        Some(LayoutArg::Receipt) => SlipLayout::Receipt,
        None => ctx.settings.slip_layout,
    };
    if let Some(out) = out {
        let path = slips::save(store, ctx, reader.id, layout, out)?;
        println!("Памятка сохранена: {}", path.display());
    }
    if print {
        let job = slips::print(store, ctx, reader.id, layout)?;
        println!("Памятка отправлена на печать: {job}");
    }
    Ok(())
}
