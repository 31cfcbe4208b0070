//! Shared helpers: data folders, fixtures, reading PDFs back.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kafedra_core::config::{Paths, Settings};
use kafedra_core::domain::reader::ReaderDraft;
use kafedra_core::services::Store;
use kafedra_core::services::{self, Context};

/// The kafedra binary built for these tests.
pub fn kafedra(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kafedra"));
    c.arg("--data-dir").arg(dir);
    c.env_remove("KAFEDRA_DATA_DIR");
    c
}

pub fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("run kafedra");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// A data folder with settings and an open store.
pub struct Desk {
    pub dir: tempfile::TempDir,
    pub ctx: Context,
    pub store: Store,
}

impl Desk {
    pub fn new() -> Desk {
        Desk::with_settings(Settings {
            staff_name: "Тестова Т. Т.".into(),
            desk_name: "кафедра 1".into(),
            ..Settings::default()
        })
    }

    pub fn with_settings(settings: Settings) -> Desk {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = Paths::portable(dir.path());
        settings.save(&paths.settings_file).expect("save settings");
        let store =
            Store::open_sealed(&paths.db_file(), &paths.pool_key_file()).expect("open store");
        Desk {
            ctx: Context::new(settings, paths),
            store,
            dir,
        }
    }

    /// Closes the store (other processes take over the file) and returns the
    /// folder guard: the folder lives as long as the guard.
    pub fn release(self) -> tempfile::TempDir {
        drop(self.store);
        self.dir
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    pub fn import(&mut self, csv: &str) {
        services::pool::import(
            &mut self.store,
            &self.ctx,
            csv.as_bytes(),
            "pool.csv",
            &mut |_, _| {},
        )
        .expect("import pool");
    }

    pub fn register(
        &mut self,
        surname: &str,
        name: &str,
        birth: &str,
        email: &str,
    ) -> kafedra_core::domain::records::Reader {
        let draft = ReaderDraft {
            surname: surname.into(),
            name: name.into(),
            birth_date: birth.into(),
            email: email.into(),
            consent: true,
            ..ReaderDraft::default()
        };
        services::readers::register(&mut self.store, &self.ctx, &draft, true).expect("register")
    }
}

/// A login list of `n` rows, `LR-0001;pw-0001`…
pub fn pool_csv(n: usize) -> String {
    let mut s = String::from("login;password\n");
    for i in 1..=n {
        s.push_str(&format!("LR-{i:04};Pw0O1lI-{i:04}\n"));
    }
    s
}

/// The text of a PDF, as `pdftotext -layout` reads it.
pub fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext is needed to read slips back: apt-get install poppler-utils");
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whitespace collapsed, for matching text that the layout may wrap.
pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
