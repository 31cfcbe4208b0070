//! The first run of a fresh workstation and the checks it offers: the
//! connection to the provider typed into a form, «Проверить подключение»
//! (a real signed call), and a test slip for the printer. Every step is also in
//! Settings later; the connection is saved by [`super::provider::set_up`],
//! exactly as `kafedra provider set` saves it.

use std::path::{Path, PathBuf};

use chrono::Local;

use super::provider::{self, Setup};
use super::{Context, Error, FileAction, Result, Store, slips};
use crate::config::{Paths, ProviderConfig, SlipLayout};
use crate::domain::event::EventKind;
use crate::private;
use crate::provider::Client;
use crate::slip;

/// The steps of the first run, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The library's name, this desk, the librarian.
    Library,
    /// URL, application id, secret, the library's account, an extra CA.
    Connection,
    /// Pool logins or cards created at the provider.
    Access,
    /// The provider's list of logins.
    Pool,
    /// The printer, the paper, a test slip.
    Printer,
    /// What was set up, and what was left for later.
    Done,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::Library,
        Step::Connection,
        Step::Access,
        Step::Pool,
        Step::Printer,
        Step::Done,
    ];

    pub fn index(self) -> u8 {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0) as u8
    }

    /// The step saved in the settings (a number out of range resumes at the last).
    pub fn from_index(i: u8) -> Step {
        Step::ALL[usize::from(i).min(Step::ALL.len() - 1)]
    }

    pub fn title(self) -> &'static str {
        match self {
            Step::Library => "Библиотека и рабочее место",
            Step::Connection => "Подключение к ЭБС",
            Step::Access => "Как читатели получают доступ",
            Step::Pool => "Первый список логинов",
            Step::Printer => "Принтер и бумага",
            Step::Done => "Готово",
        }
    }

    pub fn next(self) -> Step {
        Step::from_index(self.index() + 1)
    }

    pub fn previous(self) -> Step {
        Step::from_index(self.index().saturating_sub(1))
    }
}

/// The connection as typed into the form. Empty secret fields keep the
/// secrets already saved (they are never shown back).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionForm {
    pub url: String,
    pub app_id: String,
    pub secret: String,
    pub libhouse: String,
    pub login: String,
    pub password: String,
    /// A PEM file with an extra trusted root (the simulator's, a proxy's).
    pub ca_file: String,
    /// A connection is saved already: its secrets stay unless retyped.
    pub saved: bool,
    /// The saved connection has an extra CA that stays unless replaced.
    pub saved_ca: bool,
}

/// The limit of every field of the form (a URL, an id, a secret).
const FIELD_MAX: usize = 2_000;

impl ConnectionForm {
    /// The saved connection without its secrets, or a form for the
    /// provider's usual address.
    pub fn load(paths: &Paths) -> Result<ConnectionForm> {
        Ok(match ProviderConfig::load(paths)? {
            Some(c) => ConnectionForm {
                url: c.url,
                app_id: c.app_id,
                libhouse: c.libhouse.to_string(),
                login: c.login,
                saved: true,
                saved_ca: c.extra_ca,
                ..ConnectionForm::default()
            },
            None => ConnectionForm {
                url: "https://".into(),
                ..ConnectionForm::default()
            },
        })
    }

    /// What is wrong with the form, each in one Russian sentence saying what
    /// to fix; empty when the connection can be tried.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let url = self.url.trim();
        if !url.starts_with("https://") || url.len() <= "https://".len() {
            out.push(
                "Адрес ЭБС: укажите адрес, начинающийся с https:// (например, https://api.litres.ru)."
                    .to_owned(),
            );
        } else if let Err(e) = provider::check_url(url) {
            out.push(e.to_string());
        }
        if self.app_id.trim().is_empty() {
            out.push("Идентификатор приложения: укажите его (выдаёт ЭБС).".to_owned());
        }
        if self.secret.trim().is_empty() && !self.saved {
            out.push(
                "Секретный ключ: укажите его (выдаёт ЭБС вместе с идентификатором).".to_owned(),
            );
        }
        match self.libhouse.trim().parse::<u64>() {
            Ok(n) if n > 0 => {}
            _ => out.push(
                "Номер библиотеки в ЭБС (libhouse): укажите целое число больше нуля.".to_owned(),
            ),
        }
        if self.login.trim().is_empty() {
            out.push("Логин библиотеки в ЭБС: укажите его.".to_owned());
        }
        if self.password.is_empty() && !self.saved {
            out.push("Пароль библиотеки в ЭБС: укажите его.".to_owned());
        }
        for (name, value) in [
            ("Адрес ЭБС", &self.url),
            ("Идентификатор приложения", &self.app_id),
            ("Секретный ключ", &self.secret),
            ("Логин", &self.login),
            ("Пароль", &self.password),
            ("Файл сертификата", &self.ca_file),
        ] {
            if value.chars().count() > FIELD_MAX {
                out.push(format!(
                    "{name}: слишком длинное значение (больше {FIELD_MAX} знаков)."
                ));
            }
        }
        out
    }

    /// The connection to try and save: the form checked, the secrets left
    /// empty taken from the saved connection, the CA file read.
    pub fn to_setup(&self, paths: &Paths) -> Result<Setup> {
        let problems = self.problems();
        if !problems.is_empty() {
            return Err(Error::BadSettings(problems));
        }
        let saved = if self.saved {
            ProviderConfig::load(paths)?
        } else {
            None
        };
        let secret = match (self.secret.trim(), &saved) {
            ("", Some(s)) => s.secret.clone(),
            (typed, _) => typed.to_owned(),
        };
        let password = match (self.password.as_str(), &saved) {
            ("", Some(s)) => s.password.clone(),
            (typed, _) => typed.to_owned(),
        };
        let ca_file = self.ca_file.trim();
        let ca_pem = if !ca_file.is_empty() {
            Some(read_ca_file(Path::new(ca_file))?)
        } else if self.saved_ca {
            saved
                .as_ref()
                .map(|s| s.extra_ca(paths))
                .transpose()?
                .flatten()
        } else {
            None
        };
        let (timeout_secs, min_interval_ms) = saved
            .as_ref()
            .map_or((30, 200), |s| (s.timeout_secs, s.min_interval_ms));
        Ok(Setup {
            url: self.url.trim().trim_end_matches('/').to_owned(),
            app_id: self.app_id.trim().to_owned(),
            secret,
            libhouse: self.libhouse.trim().parse().unwrap_or_default(),
            login: self.login.trim().to_owned(),
            password,
            ca_pem,
            timeout_secs,
            min_interval_ms,
        })
    }
}

/// Reads a CA file given in the form: a regular file, bounded, and a PEM
/// certificate.
fn read_ca_file(path: &Path) -> Result<Vec<u8>> {
    let pem = provider::read_ca(path)?;
    if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
        return Err(Error::BadSettings(vec![format!(
            "Файл {} — не сертификат в формате PEM (нет строки «-----BEGIN CERTIFICATE-----»).",
            path.display()
        )]));
    }
    Ok(pem)
}

/// What «Проверить подключение» found: the provider knows the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub library: String,
    pub libhouse: u64,
    pub money_left: String,
}

impl Checked {
    pub fn sentence(&self) -> String {
        let name = if self.library.trim().is_empty() {
            format!("библиотека № {}", self.libhouse)
        } else {
            format!("«{}»", self.library.trim())
        };
        format!(
            "Подключение работает: ЭБС приняла подпись и вход, {name}, на счёте {}.",
            self.money_left
        )
    }
}

/// «Проверить подключение»: a real signed call (a session, then the
/// library's account). A failure comes back as one Russian explanation.
pub async fn check(setup: Setup) -> std::result::Result<Checked, String> {
    provider::check_url(&setup.url).map_err(|e| e.to_string())?;
    let mut cfg = crate::provider::ClientConfig::new(
        setup.url,
        setup.app_id,
        setup.secret,
        setup.login,
        setup.password,
        setup.libhouse,
    );
    cfg.timeout = std::time::Duration::from_secs(setup.timeout_secs.clamp(1, 30));
    cfg.extra_ca_pem = setup.ca_pem;
    let client = Client::new(cfg).map_err(|e| e.user_message())?;
    let info = client.library_info().await.map_err(|e| {
        let hint = match &e {
            crate::provider::ProviderError::Api { code, .. }
                if *code == crate::provider::protocol::codes::BAD_CREDENTIALS =>
            {
                " Проверьте логин и пароль библиотеки в ЭБС."
            }
            crate::provider::ProviderError::Api { code, .. }
                if *code == crate::provider::protocol::codes::UNKNOWN_LIBHOUSE =>
            {
                " Проверьте номер библиотеки (libhouse)."
            }
            _ => "",
        };
        format!("{}{hint}", e.user_message())
    })?;
    Ok(Checked {
        library: info.name,
        libhouse: info.libhouse,
        money_left: info.money_left.to_string(),
    })
}

/// Saves the connection as `kafedra provider set` does (readable by the
/// user only) and journals that it changed (never its secrets); returns the
/// file.
pub fn save_connection(store: &mut Store, ctx: &Context, setup: Setup) -> Result<PathBuf> {
    let detail = format!(
        "подключение к ЭБС: {}, библиотека {}, логин {}{}",
        setup.url,
        setup.libhouse,
        setup.login,
        if setup.ca_pem.is_some() {
            ", свой корневой сертификат"
        } else {
            ""
        }
    );
    let file = provider::set_up(&ctx.paths, setup)?;
    store.record_event(&ctx.actor, EventKind::SettingsChanged, None, None, &detail)?;
    Ok(file)
}

/// A slip with a made-up reader, to see the printer and the paper.
pub fn test_slip(ctx: &Context, layout: SlipLayout) -> Result<Vec<u8>> {
    let data = slips::slip_for(
        ctx,
        "Пробная памятка (образец)".into(),
        "0000000000".into(),
        "ОБРАЗЕЦ-0001".into(),
        "Пароль-0001".into(),
    );
    Ok(slip::render(&data, slips::layout(layout))?)
}

/// Saves a test slip as PDF at `path` (written whole, through a temporary
/// file, like every slip).
pub fn save_test_slip(ctx: &Context, layout: SlipLayout, path: &Path) -> Result<PathBuf> {
    let pdf = test_slip(ctx, layout)?;
    private::write(path, &pdf).map_err(|e| Error::file(FileAction::Write, path, e))?;
    Ok(path.to_path_buf())
}

/// Prints a test slip on the printer from the settings (or the default one)
/// with the settings' paper. Blocks on the print system: call it off the UI
/// thread. Returns where it went, in Russian.
pub fn print_test_slip(ctx: &Context, layout: SlipLayout) -> Result<String> {
    let pdf = test_slip(ctx, layout)?;
    let dir = ctx.paths.slips_dir();
    private::folder(&dir).map_err(|e| Error::file(FileAction::CreateFolder, &dir, e))?;
    let path = dir.join(format!(
        "test-{}.pdf",
        Local::now().format("%Y%m%d-%H%M%S%.3f")
    ));
    private::write(&path, &pdf).map_err(|e| Error::file(FileAction::Write, &path, e))?;
    let printer = ctx.settings.printer.trim();
    let media = match layout {
        SlipLayout::Receipt => Some(ctx.settings.receipt_media.as_str()),
        SlipLayout::A5 => None,
    };
    let sent = slip::print_pdf(&path, (!printer.is_empty()).then_some(printer), media);
    if cfg!(not(windows)) || sent.is_err() {
        let _ = std::fs::remove_file(&path);
    }
    Ok(sent?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_steps_go_forward_and_back_and_resume_in_range() {
        assert_eq!(Step::Library.next(), Step::Connection);
        assert_eq!(Step::Done.next(), Step::Done);
        assert_eq!(Step::Library.previous(), Step::Library);
        assert_eq!(Step::from_index(200), Step::Done);
        for s in Step::ALL {
            assert_eq!(Step::from_index(s.index()), s);
        }
    }

    #[test]
    fn an_empty_form_says_what_to_fill_in_russian() {
        let p = ConnectionForm::default().problems();
        assert_eq!(p.len(), 6, "{p:?}");
        assert!(p[0].contains("https://"));
        let form = ConnectionForm {
            url: "http://api.example.ru".into(),
            app_id: "app".into(),
            secret: "s".into(),
            libhouse: "-3".into(),
            login: "lib".into(),
            password: "pw".into(),
            ..ConnectionForm::default()
        };
        let p = form.problems();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[1].contains("libhouse"));
    }

    #[test]
    fn a_saved_connection_keeps_its_secrets_when_the_fields_are_left_empty() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::portable(dir.path());
        provider::set_up(
            &paths,
            Setup {
                url: "https://api.example.ru".into(),
                app_id: "app-1".into(),
                secret: "the-secret".into(),
                libhouse: 7,
                login: "lib".into(),
                password: "lib-pw".into(),
                ca_pem: None,
                timeout_secs: 12,
                min_interval_ms: 150,
            },
        )
        .unwrap();
        let form = ConnectionForm::load(&paths).unwrap();
        assert!(form.saved);
        assert_eq!(form.secret, "", "a secret is never shown back");
        assert_eq!(form.password, "");
        assert_eq!(form.libhouse, "7");
        let setup = form.to_setup(&paths).unwrap();
        assert_eq!(setup.secret, "the-secret");
        assert_eq!(setup.password, "lib-pw");
        assert_eq!((setup.timeout_secs, setup.min_interval_ms), (12, 150));
        let retyped = ConnectionForm {
            secret: "new-secret".into(),
            ..form
        };
        assert_eq!(retyped.to_setup(&paths).unwrap().secret, "new-secret");
    }

    #[test]
    fn a_ca_file_that_is_not_a_certificate_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::portable(dir.path());
        let bad = dir.path().join("ca.txt");
        std::fs::write(&bad, "hello").unwrap();
        let form = ConnectionForm {
            url: "https://api.example.ru".into(),
            app_id: "app".into(),
            secret: "s".into(),
            libhouse: "1".into(),
            login: "lib".into(),
            password: "pw".into(),
            ca_file: bad.display().to_string(),
            ..ConnectionForm::default()
        };
        let e = form.to_setup(&paths).unwrap_err().to_string();
        assert!(e.contains("не сертификат в формате PEM"), "{e}");
        let missing = ConnectionForm {
            ca_file: dir.path().join("none.pem").display().to_string(),
            ..form.clone()
        };
        assert!(missing.to_setup(&paths).is_err());
        // A device would be read for ever: refused before it is opened.
        #[cfg(unix)]
        {
            let device = ConnectionForm {
                ca_file: "/dev/zero".into(),
                ..form
            };
            let e = device.to_setup(&paths).unwrap_err().to_string();
            assert!(e.contains("не обычный файл"), "{e}");
        }
    }

    #[test]
    fn the_test_slip_is_a_pdf_with_the_librarys_name() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = Context::new(
            crate::config::Settings::default(),
            Paths::portable(dir.path()),
        );
        for layout in [SlipLayout::A5, SlipLayout::Receipt] {
            let pdf = test_slip(&ctx, layout).unwrap();
            assert!(pdf.starts_with(b"%PDF"));
        }
    }
}
