//! The provider connection (set up, checked, shown) and the sync with it.

use std::path::Path;

use super::{Changed, Context, Db, Error, PROVIDER, Result, Store};
use crate::config::{ConfigError, Paths, ProviderConfig};
use crate::domain::request::SyncStatus;
use crate::provider::sync::{SyncReport, sync_once};
use crate::provider::{Client, ClientConfig};

pub use crate::provider::sync::status_line;

/// The connection to the provider as this desk has it.
#[derive(Debug, Clone)]
pub enum Link {
    NotConfigured,
    Ready(Client),
    /// Configured but unusable (damaged file, unreadable CA…): the message says why.
    Broken(String),
}

impl Link {
    /// Reads the connection settings and builds the client.
    pub fn from_context(ctx: &Context) -> Link {
        match client(&ctx.paths) {
            Ok(client) => Link::Ready(client),
            Err(Error::ProviderNotConfigured) => Link::NotConfigured,
            Err(e) => Link::Broken(e.to_string()),
        }
    }

    pub fn client(&self) -> Option<&Client> {
        match self {
            Link::Ready(c) => Some(c),
            _ => None,
        }
    }
}

/// The client for the saved connection.
pub fn client(paths: &Paths) -> Result<Client> {
    let cfg = ProviderConfig::load(paths)?.ok_or(Error::ProviderNotConfigured)?;
    let ca = cfg.extra_ca(paths)?;
    Ok(Client::new(client_config(&cfg, ca))?)
}

/// The client's settings for a saved connection and its extra CA.
fn client_config(cfg: &ProviderConfig, extra_ca_pem: Option<Vec<u8>>) -> ClientConfig {
    let mut c = ClientConfig::new(
        cfg.url.clone(),
        cfg.app_id.clone(),
        cfg.secret.clone(),
        cfg.login.clone(),
        cfg.password.clone(),
        cfg.libhouse,
    );
    c.timeout = std::time::Duration::from_secs(cfg.timeout_secs.max(1));
    c.min_interval = std::time::Duration::from_millis(cfg.min_interval_ms);
    c.extra_ca_pem = extra_ca_pem;
    c
}

/// The provider is only ever spoken to over https.
pub fn check_url(url: &str) -> Result<()> {
    let Some(rest) = url.strip_prefix("https://") else {
        return Err(Error::InsecureUrl(url.to_string()));
    };
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.contains('@') || url.contains(['?', '#']) || url.contains(char::is_whitespace) {
        return Err(Error::UrlWithExtras);
    }
    Ok(())
}

/// A connection as an administrator enters it.
#[derive(Debug, Clone)]
pub struct Setup {
    pub url: String,
    pub app_id: String,
    pub secret: String,
    pub libhouse: u64,
    pub login: String,
    pub password: String,
    /// An extra trusted root certificate (PEM): the simulator's or a proxy's.
    pub ca_pem: Option<Vec<u8>>,
    pub timeout_secs: u64,
    pub min_interval_ms: u64,
}

/// Checks the connection makes a client, then saves it readable by the
/// user only. Returns the file it was saved to.
pub fn set_up(paths: &Paths, setup: Setup) -> Result<std::path::PathBuf> {
    check_url(&setup.url)?;
    let cfg = ProviderConfig {
        url: setup.url,
        app_id: setup.app_id,
        secret: setup.secret,
        libhouse: setup.libhouse,
        login: setup.login,
        password: setup.password,
        extra_ca: setup.ca_pem.is_some(),
        timeout_secs: setup.timeout_secs,
        min_interval_ms: setup.min_interval_ms,
    };
    Client::new(client_config(&cfg, setup.ca_pem.clone()))?;
    cfg.save(paths, setup.ca_pem.as_deref())?;
    Ok(paths.provider_file())
}

/// The saved connection without its secrets.
#[derive(Debug, Clone)]
pub struct Shown {
    pub url: String,
    pub libhouse: u64,
    pub login: String,
    pub extra_ca: bool,
}

/// The saved connection (no secrets), or `None` when none is set up.
pub fn show(paths: &Paths) -> Result<Option<Shown>> {
    Ok(ProviderConfig::load(paths)?.map(|c| Shown {
        url: c.url,
        libhouse: c.libhouse,
        login: c.login,
        extra_ca: c.extra_ca,
    }))
}

/// A certificate file (PEM) larger than this is not one.
pub const CA_FILE_MAX: u64 = 1024 * 1024;

/// Reads a certificate file given for the connection: a regular file of at
/// most [`CA_FILE_MAX`] bytes.
pub fn read_ca(path: &Path) -> Result<Vec<u8>> {
    crate::private::read_small(path, CA_FILE_MAX).map_err(|e| {
        Error::Config(ConfigError::Certificate {
            path: path.to_path_buf(),
            source: std::sync::Arc::new(e),
        })
    })
}

/// Online or not, the last successful sync, writes waiting, the last error.
pub fn status(store: &Store) -> Result<SyncStatus> {
    Ok(store.sync_status()?)
}

/// Runs one sync: sends the outbox in order, exactly once, then pulls.
/// Never fails: problems are in the report and in the stored sync state.
pub async fn sync(db: &Db, client: &Client, ctx: &Context) -> SyncReport {
    sync_once(db, client, PROVIDER, &ctx.actor).await
}

/// A sync the librarian asked for (F5): the writes backing off after a
/// failure are tried now rather than at their next attempt.
pub async fn sync_now(db: &Db, client: &Client, ctx: &Context) -> SyncReport {
    if let Err(e) = db
        .call(|s| Ok::<_, super::Error>(s.outbox_due_now()?))
        .await
    {
        return SyncReport {
            error: Some(e.to_string()),
            ..SyncReport::default()
        };
    }
    sync(db, client, ctx).await
}

/// What a sync changed, so that the screens showing it reload.
pub fn changed(report: &SyncReport) -> Changed {
    let delivered = !report.sent.is_empty() || !report.refused.is_empty();
    Changed {
        requests: delivered || report.pulled_requests > 0,
        logins: delivered || report.pulled_readers > 0,
        fund: report.pulled_fund > 0,
    }
}

/// Writes for the provider still waiting in the outbox, newest first, with
/// their state.
pub fn waiting_writes(store: &Store) -> Result<Vec<crate::domain::request::OutboxItem>> {
    Ok(store
        .outbox(true, super::requests::LIST_LIMIT)?
        .into_iter()
        .map(|(item, _)| item)
        .collect())
}

#[cfg(test)]
mod url_tests {
    use super::*;

    #[test]
    fn only_a_plain_https_address_is_taken() {
        assert!(check_url("https://api.litres.ru").is_ok());
        assert!(check_url("https://127.0.0.1:8443/base").is_ok());
        assert!(matches!(
            check_url("http://api.litres.ru"),
            Err(Error::InsecureUrl(_))
        ));
        for bad in [
            "https://user:Secret123@api.litres.ru",
            "https://api.litres.ru/?token=Secret123",
            "https://api.litres.ru/#x",
            "https://api.litres.ru/a b",
        ] {
            let e = check_url(bad).unwrap_err().to_string();
            assert!(!e.contains("Secret123"), "{e}");
            assert!(e.contains("без логина и пароля"), "{bad}: {e}");
        }
    }
}
