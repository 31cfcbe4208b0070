//! Opening the workstation (where its files are, its settings) and saving
//! the settings.

use std::path::Path;

use super::{Context, Error, Result, Store};
use crate::config::{Paths, Settings};
use crate::domain::event::EventKind;

/// An open workstation: its context and store, and a warning when the
/// settings file could not be read as is (defaults were used).
#[derive(Debug)]
pub struct Opened {
    pub ctx: Context,
    pub store: Store,
    pub warning: Option<String>,
}

/// Finds the data and settings folders (`data_dir` overrides them), reads
/// the settings and opens the database (creating it when needed) with the
/// key that seals pool passwords.
pub fn open(data_dir: Option<&Path>) -> Result<Opened> {
    let paths = Paths::resolve(data_dir)?;
    let (settings, warning) = Settings::load(&paths.settings_file);
    let store = Store::open_sealed(&paths.db_file(), &paths.pool_key_file())?;
    Ok(Opened {
        ctx: Context::new(settings, paths),
        store,
        warning,
    })
}

/// Saves the settings after checking them; journals which ones changed and
/// returns their names.
pub fn save(store: &mut Store, ctx: &Context, new: &Settings) -> Result<Vec<String>> {
    let problems = new.problems();
    if !problems.is_empty() {
        return Err(Error::BadSettings(problems));
    }
    let changed = ctx.settings.changed_fields(new);
    new.save(&ctx.paths.settings_file)?;
    if !changed.is_empty() {
        store.record_event(
            &new.actor(),
            EventKind::SettingsChanged,
            None,
            None,
            &changed.join(", "),
        )?;
    }
    Ok(changed.into_iter().map(String::from).collect())
}

/// The settings of a desk whose folder may be new: read them, or save and
/// use `first` when there are none yet (the demo's first start).
pub fn load_or_create(paths: &Paths, first: impl FnOnce() -> Settings) -> Result<Settings> {
    if paths.settings_file.exists() {
        return Ok(Settings::load(&paths.settings_file).0);
    }
    let settings = first();
    settings.save(&paths.settings_file)?;
    Ok(settings)
}
