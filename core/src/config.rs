//! Settings (a TOML file) and where the files live.
//!
//! Without `--data-dir`, settings go to the user's config folder and the
//! database to the data folder (`directories`). With `--data-dir DIR` (or the
//! `KAFEDRA_DATA_DIR` variable) everything lives in `DIR`, which makes a
//! portable install and keeps tests apart.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::domain::card_number::{CardPattern, DEFAULT_PATTERN};
use crate::domain::event::Actor;

pub const SETTINGS_FILE: &str = "kafedra.toml";
pub const DB_FILE: &str = "kafedra.sqlite3";
/// The consent text in force; its version is stored with every consent.
pub const CONSENT_VERSION: &str = "2025-09";
pub const CONSENT_TEXT: &str = include_str!("../../resources/consent/2025-09.txt");

/// Why a settings or connection file could not be used. The texts say what
/// to do; none of them quotes a value from the file (it may be a secret).
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "Не удалось определить домашнюю папку пользователя. Укажите папку данных: --data-dir ПАПКА."
    )]
    NoHome,
    #[error("Не удалось создать папку {}: {}", .path.display(), crate::private::io_reason(.source))]
    Folder {
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },
    #[error("Не удалось прочитать {}: {}", .path.display(), crate::private::io_reason(.source))]
    Read {
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },
    #[error("Не удалось записать настройки в {}: {}", .path.display(), crate::private::io_reason(.source))]
    WriteSettings {
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },
    #[error("Не удалось записать {}: {}", .path.display(), crate::private::io_reason(.source))]
    Write {
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },
    #[error(
        "Файл подключения к ЭБС {} повреждён ({detail}). Настройте подключение заново: kafedra provider set …",
        .path.display()
    )]
    DamagedConnection { path: PathBuf, detail: String },
    #[error("Не удалось прочитать сертификат ЭБС {}: {}", .path.display(), crate::private::io_reason(.source))]
    Certificate {
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },
    #[error("Не удалось подготовить файл настроек: {0}")]
    Serialize(String),
}

impl ConfigError {
    fn io(
        kind: fn(PathBuf, Arc<std::io::Error>) -> ConfigError,
        path: &Path,
    ) -> impl FnOnce(std::io::Error) -> ConfigError {
        let path = path.to_path_buf();
        move |e| kind(path, Arc::new(e))
    }
}

fn folder(path: PathBuf, source: Arc<std::io::Error>) -> ConfigError {
    ConfigError::Folder { path, source }
}

fn read(path: PathBuf, source: Arc<std::io::Error>) -> ConfigError {
    ConfigError::Read { path, source }
}

fn write(path: PathBuf, source: Arc<std::io::Error>) -> ConfigError {
    ConfigError::Write { path, source }
}

fn write_settings(path: PathBuf, source: Arc<std::io::Error>) -> ConfigError {
    ConfigError::WriteSettings { path, source }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub settings_file: PathBuf,
    pub data_dir: PathBuf,
    /// The log files (English, for the library's IT person; no personal data).
    pub log_dir: PathBuf,
}

impl Paths {
    /// Resolves the folders: an explicit data dir wins, then
    /// `KAFEDRA_DATA_DIR`, then the OS folders.
    pub fn resolve(data_dir: Option<&Path>) -> Result<Paths, ConfigError> {
        let explicit = data_dir
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("KAFEDRA_DATA_DIR").map(PathBuf::from));
        if let Some(dir) = explicit {
            return Ok(Paths::portable(&dir));
        }
        let dirs = directories::ProjectDirs::from("ru", "Kafedra", "Kafedra")
            .ok_or(ConfigError::NoHome)?;
        Ok(Paths {
            settings_file: dirs.config_dir().join(SETTINGS_FILE),
            data_dir: dirs.data_dir().to_path_buf(),
            // The user's state folder where the OS has one (Linux:
            // ~/.local/state/kafedra), else beside the local data.
            log_dir: dirs
                .state_dir()
                .map(|d| d.join("logs"))
                .unwrap_or_else(|| dirs.data_local_dir().join("logs")),
        })
    }

    /// Everything in one folder.
    pub fn portable(dir: &Path) -> Paths {
        Paths {
            settings_file: dir.join(SETTINGS_FILE),
            data_dir: dir.to_path_buf(),
            log_dir: dir.join("logs"),
        }
    }

    /// The provider connection, secrets included: readable by the user only.
    pub fn provider_file(&self) -> PathBuf {
        self.settings_dir().join("provider.toml")
    }

    /// The extra root certificate to trust for the provider (PEM).
    pub fn provider_ca_file(&self) -> PathBuf {
        self.settings_dir().join("provider-ca.pem")
    }

    /// The key that seals pool passwords in the database (0600, next to the
    /// settings: a copied database file alone reveals no password).
    pub fn pool_key_file(&self) -> PathBuf {
        self.settings_dir().join("pool.key")
    }

    fn settings_dir(&self) -> PathBuf {
        self.settings_file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.data_dir.clone())
    }

    pub fn db_file(&self) -> PathBuf {
        self.data_dir.join(DB_FILE)
    }

    /// Where printed slips are kept (the PDF sent to the printer).
    pub fn slips_dir(&self) -> PathBuf {
        self.data_dir.join("slips")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SlipLayout {
    #[default]
    A5,
    Receipt,
}

impl SlipLayout {
    pub const ALL: [SlipLayout; 2] = [SlipLayout::A5, SlipLayout::Receipt];

    pub fn label(self) -> &'static str {
        match self {
            SlipLayout::A5 => "A5 (половина A4)",
            SlipLayout::Receipt => "чек 80 мм",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            SlipLayout::A5 => "a5",
            SlipLayout::Receipt => "receipt",
        }
    }
}

impl std::fmt::Display for SlipLayout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// How a reader gets a provider login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AccessMode {
    /// Bind a free login from the library's pool.
    #[default]
    Pool,
    /// Create the reader's card at the provider (`w_biblio_reader_create`)
    /// and store the login it returns.
    Provider,
}

impl AccessMode {
    pub const ALL: [AccessMode; 2] = [AccessMode::Pool, AccessMode::Provider];

    pub fn label(self) -> &'static str {
        match self {
            AccessMode::Pool => "выдавать свободный логин из пула",
            AccessMode::Provider => "создавать учётную запись читателя в ЭБС",
        }
    }
}

impl std::fmt::Display for AccessMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Texts printed on the access slip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SlipTexts {
    pub apps_text: String,
    pub instructions: Vec<String>,
    pub footer: String,
}

impl Default for SlipTexts {
    fn default() -> Self {
        SlipTexts {
            apps_text: "Приложение «ЛитРес: Библиотека» для Android, iOS и Windows".into(),
            instructions: vec![
                "Откройте сайт или установите приложение «ЛитРес: Библиотека».".into(),
                "Нажмите «Войти» и введите логин и пароль с этой памятки.".into(),
                "Выберите книгу и нажмите «Взять в библиотеке» — запрос придёт библиотекарю."
                    .into(),
                "Книга появится на полке приложения, когда библиотека её выдаст.".into(),
            ],
            footer: "Вопросы — у библиотекаря на кафедре обслуживания.".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub library_name: String,
    /// The librarian working at this desk: goes into the journal.
    pub staff_name: String,
    /// This workstation's name in the journal (defaults to the computer name).
    pub desk_name: String,
    pub provider_site_url: String,
    /// The library's page at the provider (the QR code on the slip).
    pub library_page_url: String,
    pub slip: SlipTexts,
    pub slip_layout: SlipLayout,
    /// CUPS printer name; empty = the system default printer.
    pub printer: String,
    /// The paper for the 80 mm receipt layout, as CUPS names it (its `media`
    /// option, e.g. `Custom.80x200mm`); empty = the printer's own setting.
    pub receipt_media: String,
    pub card_pattern: String,
    /// Warn when free logins fall to this many.
    pub pool_low_water: u64,
    /// After binding, print the slip at once (remote readers: save a PDF).
    pub print_after_bind: bool,
    /// Pool logins or cards created at the provider.
    pub access_mode: AccessMode,
    /// Seconds between background syncs with the provider.
    pub sync_interval_secs: u64,
    /// «Близко к 24-й выдаче»: a copy with this many issues or more.
    pub fund_near_issues: u32,
    /// The library's partner id at the provider (`lfrom` of book links); empty: none.
    pub provider_partner: String,
    /// The first-run setup: the step to resume at, or `None` once it was
    /// finished or skipped. A fresh desk (no settings file) starts at step 0;
    /// a settings file written before the setup existed has no such key and
    /// counts as set up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setup_step: Option<u8>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            library_name: "Центральная городская библиотека".into(),
            staff_name: String::new(),
            desk_name: String::new(),
            provider_site_url: "https://biblio.litres.ru".into(),
            library_page_url: "https://biblio.litres.ru/libreg/".into(),
            slip: SlipTexts::default(),
            slip_layout: SlipLayout::A5,
            printer: String::new(),
            receipt_media: String::new(),
            card_pattern: DEFAULT_PATTERN.into(),
            pool_low_water: 20,
            print_after_bind: true,
            access_mode: AccessMode::Pool,
            sync_interval_secs: 60,
            fund_near_issues: 20,
            provider_partner: String::new(),
            setup_step: Some(0),
        }
    }
}

impl Settings {
    /// Reads the settings file. A missing file gives the defaults; a broken
    /// one gives the defaults plus a warning to show (the file is left alone
    /// so nothing the admin wrote is lost).
    pub fn load(path: &Path) -> (Settings, Option<String>) {
        match std::fs::read_to_string(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Settings::default(), None),
            Err(e) => (
                Settings::existing_defaults(),
                Some(format!(
                    "Не удалось прочитать настройки {}: {e}. Использованы настройки по умолчанию.",
                    path.display()
                )),
            ),
            Ok(text) => match toml::from_str::<Settings>(&text) {
                Ok(s) => (s, None),
                Err(e) => (
                    Settings::existing_defaults(),
                    Some(format!(
                        "Файл настроек {} повреждён ({}). Использованы настройки по умолчанию; исправьте файл или сохраните настройки заново.",
                        path.display(),
                        toml_problem(&text, &e)
                    )),
                ),
            },
        }
    }

    /// The defaults for a desk whose settings file exists but cannot be
    /// used: the desk was set up once, so the first-run setup is not shown.
    fn existing_defaults() -> Settings {
        Settings {
            setup_step: None,
            ..Settings::default()
        }
    }

    /// Writes the file atomically (a fresh private temp file + rename).
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let text =
            toml::to_string_pretty(self).map_err(|e| ConfigError::Serialize(e.to_string()))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::private::folder(dir).map_err(ConfigError::io(folder, dir))?;
        }
        crate::private::write(path, text.as_bytes()).map_err(ConfigError::io(write_settings, path))
    }

    /// Problems that must be fixed before saving, in Russian.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.library_name.trim().is_empty() {
            out.push("Укажите название библиотеки — оно печатается на памятке.".into());
        }
        if let Err(e) = CardPattern::parse(&self.card_pattern) {
            out.push(e);
        }
        for (label, url) in [
            ("Адрес сайта ЭБС", &self.provider_site_url),
            ("Адрес страницы библиотеки", &self.library_page_url),
        ] {
            if !(url.starts_with("https://") || url.starts_with("http://")) || url.contains(' ') {
                out.push(format!(
                    "{label} «{url}» должен начинаться с https:// и не содержать пробелов."
                ));
            }
        }
        if !(1..=23).contains(&self.fund_near_issues) {
            out.push("Порог «близко к 24-й выдаче» — от 1 до 23 выдач (по умолчанию 20).".into());
        }
        if !self
            .provider_partner
            .chars()
            .all(|c| c.is_ascii_alphanumeric())
            || self.provider_partner.len() > 32
        {
            out.push(
                "Номер партнёра ЭБС — только латинские буквы и цифры (до 32), или пусто.".into(),
            );
        }
        out
    }

    pub fn card_pattern(&self) -> CardPattern {
        CardPattern::parse(&self.card_pattern).unwrap_or_else(|_| {
            CardPattern::parse(DEFAULT_PATTERN).unwrap_or_else(|e| unreachable!("{e}"))
        })
    }

    /// Who acts at this desk, for the journal.
    pub fn actor(&self) -> Actor {
        let staff = if self.staff_name.trim().is_empty() {
            os_user()
        } else {
            self.staff_name.trim().to_string()
        };
        let desk = if self.desk_name.trim().is_empty() {
            host_name()
        } else {
            self.desk_name.trim().to_string()
        };
        Actor { staff, desk }
    }

    /// Names of the settings that differ (for the journal entry).
    pub fn changed_fields(&self, other: &Settings) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut check = |changed: bool, name: &'static str| {
            if changed {
                out.push(name);
            }
        };
        check(
            self.library_name != other.library_name,
            "название библиотеки",
        );
        check(self.staff_name != other.staff_name, "сотрудник");
        check(self.desk_name != other.desk_name, "место");
        check(
            self.provider_site_url != other.provider_site_url,
            "сайт ЭБС",
        );
        check(
            self.library_page_url != other.library_page_url,
            "страница библиотеки",
        );
        check(self.slip != other.slip, "тексты памятки");
        check(self.slip_layout != other.slip_layout, "формат памятки");
        check(self.printer != other.printer, "принтер");
        check(self.receipt_media != other.receipt_media, "бумага для чека");
        check(
            self.card_pattern != other.card_pattern,
            "шаблон номера билета",
        );
        check(
            self.pool_low_water != other.pool_low_water,
            "порог свободных логинов",
        );
        check(
            self.print_after_bind != other.print_after_bind,
            "печать после выдачи",
        );
        check(
            self.fund_near_issues != other.fund_near_issues,
            "порог «близко к 24-й выдаче»",
        );
        check(
            self.provider_partner != other.provider_partner,
            "номер партнёра ЭБС",
        );
        out
    }
}

/// The connection to the provider. It holds the application id, its secret
/// and the library's staff password, so it lives in its own file readable by
/// the user only (mode 0600 on Unix; the per-user profile folder on Windows),
/// never in the database or the logs. Why a file and not the OS keyring: the
/// desk PCs and servers we target often have no Secret Service daemon (the
/// `keyring` crate's Linux backend needs one over D-Bus), and the file can be
/// provisioned by an admin script with `kafedra provider set`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderConfig {
    pub url: String,
    pub app_id: String,
    pub secret: String,
    pub libhouse: u64,
    pub login: String,
    pub password: String,
    /// Trust this extra root certificate (the simulator's, or a proxy's).
    #[serde(default)]
    pub extra_ca: bool,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    #[serde(default = "default_pace")]
    pub min_interval_ms: u64,
}

fn default_timeout() -> u64 {
    20
}

fn default_pace() -> u64 {
    1000
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("url", &self.url)
            .field("app_id", &"***")
            .field("secret", &"***")
            .field("libhouse", &self.libhouse)
            .field("login", &self.login)
            .field("password", &"***")
            .field("extra_ca", &self.extra_ca)
            .finish()
    }
}

impl ProviderConfig {
    /// Reads the connection, if one was set up.
    pub fn load(paths: &Paths) -> Result<Option<ProviderConfig>, ConfigError> {
        let path = paths.provider_file();
        match std::fs::read_to_string(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ConfigError::io(read, &path)(e)),
            Ok(text) => {
                toml::from_str(&text)
                    .map(Some)
                    .map_err(|e| ConfigError::DamagedConnection {
                        detail: toml_problem(&text, &e),
                        path,
                    })
            }
        }
    }

    /// Writes the connection readable by the user only; `ca_pem` replaces
    /// the trusted extra certificate.
    pub fn save(&self, paths: &Paths, ca_pem: Option<&[u8]>) -> Result<(), ConfigError> {
        let text =
            toml::to_string_pretty(self).map_err(|e| ConfigError::Serialize(e.to_string()))?;
        write_private(&paths.provider_file(), text.as_bytes())?;
        if let Some(pem) = ca_pem {
            write_private(&paths.provider_ca_file(), pem)?;
        }
        Ok(())
    }

    /// The extra CA saved with the connection, if one was.
    pub fn extra_ca(&self, paths: &Paths) -> Result<Option<Vec<u8>>, ConfigError> {
        if !self.extra_ca {
            return Ok(None);
        }
        let path = paths.provider_ca_file();
        std::fs::read(&path)
            .map(Some)
            .map_err(|e| ConfigError::Certificate {
                path,
                source: Arc::new(e),
            })
    }
}

/// Writes a file only its owner may read (created that way: no window in
/// which others could read it).
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ConfigError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::private::folder(dir).map_err(ConfigError::io(folder, dir))?;
    }
    crate::private::write(path, bytes).map_err(ConfigError::io(write, path))
}

/// Where a TOML file went wrong, without quoting any value from it (a value
/// may be a secret): the line and the key.
fn toml_problem(text: &str, e: &toml::de::Error) -> String {
    let Some(span) = e.span() else {
        return "неверный формат".to_string();
    };
    let start = span.start.min(text.len());
    let line_no = text[..start].matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or("");
    match line.split_once('=') {
        Some((key, _)) if !key.trim().is_empty() && !key.contains('"') => {
            format!("строка {line_no}, ключ «{}»: неверное значение", key.trim())
        }
        _ => format!("строка {line_no}: неверный формат"),
    }
}

fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "сотрудник".into())
}

fn host_name() -> String {
    std::env::var("COMPUTERNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "кафедра".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_tolerate_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SETTINGS_FILE);
        let (s, warn) = Settings::load(&path);
        assert_eq!(s, Settings::default());
        assert!(warn.is_none());

        let s = Settings {
            library_name: "Библиотека им. Пушкина".into(),
            pool_low_water: 7,
            ..Settings::default()
        };
        s.save(&path).unwrap();
        assert_eq!(Settings::load(&path).0, s);

        // Unknown and missing keys are fine.
        std::fs::write(&path, "library_name = \"X\"\nfuture_key = 1\n").unwrap();
        let (s, warn) = Settings::load(&path);
        assert_eq!(s.library_name, "X");
        assert_eq!(s.pool_low_water, 20);
        assert!(warn.is_none());

        std::fs::write(&path, "library_name = ").unwrap();
        let (s, warn) = Settings::load(&path);
        // The defaults, but a desk with a settings file was set up once:
        // no first-run setup over a damaged file.
        assert_eq!(
            s,
            Settings {
                setup_step: None,
                ..Settings::default()
            }
        );
        assert!(warn.unwrap().contains("повреждён"));
        // The broken file is left for the admin to fix.
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "library_name = ");
    }

    #[test]
    fn settings_problems_are_explained() {
        let mut s = Settings::default();
        assert!(s.problems().is_empty());
        s.card_pattern = "{YYYY}".into();
        s.library_page_url = "biblio.litres.ru".into();
        let p = s.problems();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[1].contains("https://"));
    }

    #[test]
    fn portable_paths() {
        let p = Paths::resolve(Some(Path::new("/tmp/kf"))).unwrap();
        assert_eq!(p.settings_file, Path::new("/tmp/kf/kafedra.toml"));
        assert_eq!(p.db_file(), Path::new("/tmp/kf/kafedra.sqlite3"));
    }
}
