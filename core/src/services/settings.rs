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
    // Another window or desk on this folder may have saved since these
    // settings were read: saving over it would silently undo its change.
    if ctx.paths.settings_file.exists() {
        let (on_disk, _) = Settings::load(&ctx.paths.settings_file);
        if on_disk != ctx.settings && on_disk != *new {
            let theirs = ctx.settings.changed_fields(&on_disk);
            return Err(Error::BadSettings(vec![format!(
                "Настройки не сохранены: их только что изменили в другом окне или на другом \
                 рабочем месте ({}). Откройте «Настройки» заново, чтобы увидеть эти изменения, \
                 и повторите свои.",
                if theirs.is_empty() {
                    "файл настроек".to_owned()
                } else {
                    theirs.join(", ")
                }
            )]));
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_save_over_another_windows_save_is_refused_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::portable(dir.path());
        let first = Settings {
            setup_step: None,
            ..Settings::default()
        };
        first.save(&paths.settings_file).unwrap();
        let mut store = Store::open_sealed(&paths.db_file(), &paths.pool_key_file()).unwrap();
        // Two windows read the same settings.
        let one = Context::new(first.clone(), paths.clone());
        let two = Context::new(first.clone(), paths.clone());
        let renamed = Settings {
            library_name: "Библиотека №2".into(),
            ..first.clone()
        };
        save(&mut store, &two, &renamed).unwrap();
        // The first window saves its own change over an old copy: refused.
        let staffed = Settings {
            staff_name: "Ветрова".into(),
            ..first.clone()
        };
        let e = save(&mut store, &one, &staffed).unwrap_err().to_string();
        assert!(e.contains("название библиотеки"), "{e}");
        assert_eq!(
            Settings::load(&paths.settings_file).0.library_name,
            "Библиотека №2"
        );
        // Reopened with what is on disk, it saves.
        let reopened = Context::new(Settings::load(&paths.settings_file).0, paths.clone());
        let both = Settings {
            staff_name: "Ветрова".into(),
            ..reopened.settings.clone()
        };
        save(&mut store, &reopened, &both).unwrap();
        let now = Settings::load(&paths.settings_file).0;
        assert_eq!(
            (now.library_name.as_str(), now.staff_name.as_str()),
            ("Библиотека №2", "Ветрова")
        );
        // Saving the same settings twice is no conflict.
        save(&mut store, &reopened, &both).unwrap();
    }
}
