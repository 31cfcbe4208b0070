//! `kafedra` without a command: the workstation window; `--demo` on a fresh
//! folder with sample data and the provider simulator in this process.

use std::path::Path;

use kafedra_core::services::provider::Link;
use kafedra_core::services::settings::{self, Opened};
use kafedra_core::services::{Context, Store};

use super::{Failure, Outcome, runtime};
use crate::ui::{self, Dialogs};

pub(super) fn run(data_dir: Option<&Path>, demo: bool) -> Outcome {
    if demo {
        let dir = match data_dir {
            Some(d) => d.to_path_buf(),
            None => std::env::temp_dir().join(format!(
                "kafedra-demo-{}",
                chrono::Local::now().format("%Y%m%d-%H%M%S")
            )),
        };
        // The provider simulator runs in this process on its own runtime,
        // with a steady trickle of readers' requests.
        let rt = runtime()?;
        let (ctx, store, _sim) = rt
            .block_on(crate::demo::prepare_with_provider(&dir))
            .map_err(Failure::failed)?;
        eprintln!("Демо-режим: данные в {}", dir.display());
        return window(ctx, store, None);
    }
    let Opened {
        ctx,
        store,
        warning,
    } = settings::open(data_dir)?;
    window(ctx, store, warning)
}

fn window(ctx: Context, store: Store, warning: Option<String>) -> Outcome {
    let link = Link::from_context(&ctx);
    ui::run(ctx, store, Dialogs::Native, link, warning)
        .map_err(|e| Failure::failed(format!("Не удалось открыть окно программы: {e}")))
}
