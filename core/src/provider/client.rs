//! The HTTPS client of the provider API.
//!
//! - One POST per call to `<base_url>/catalitv2`, TLS always verified (rustls with the
//!   `ring` provider; an extra CA may be trusted, verification can never be turned off).
//! - Sessions: `w_create_sid` lazily, the sid cached; on 101000 the session is re-created
//!   once and the batch retried (see [`Client::raw_batch`] for why that is safe).
//! - Pacing: at most one HTTP call per `min_interval`; outgoing JSON ≤ 1 MiB; paged answers
//!   planned to stay ≤ 1 MiB on the wire ([`protocol::MAX_RESPONSE_BYTES`]).
//! - Bounds: an answer is read only up to [`MAX_ANSWER_WIRE_BYTES`] on the wire and
//!   [`MAX_ANSWER_JSON_BYTES`] decoded, counted while reading; every exchange has one
//!   deadline (connect + send + read = the configured timeout) and every call one more
//!   ([`Client::call_deadline`]); a paged pull is bounded by [`PullLimits`] and must progress.
//! - Answers are gzip-compressed (documented). The client asks for gzip itself and
//!   decompresses with `flate2` (not reqwest's transparent decoding), so it knows both the
//!   bytes on the wire and the decoded JSON; an uncompressed answer is accepted too.
//! - Writes: one `w_` call per HTTP call and never retried blindly. Only a failure before
//!   any byte of the request left is "not sent"; a write whose answer was lost, cut, broken
//!   or not understood is [`ProviderError::OutcomeUnknown`], distinct from "rejected"
//!   ([`ProviderError::write_outcome`]), so the sync layer re-reads first.
//!
//! Secrets (`secret`, `password`, the sid) and request parameters (they hold readers'
//! personal data) are never logged.

use std::borrow::Cow;
use std::collections::HashMap;
use std::error::Error as _;
use std::fmt;
use std::io::Read as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::api::{self, ApiCall, RefusalReason};
use super::protocol::{self, Call, Envelope, EnvelopeError, ResponseEnvelope, codes};

/// Default timeout of one HTTP call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default pace: at most one call per second.
pub const DEFAULT_MIN_INTERVAL: Duration = Duration::from_secs(1);
/// First guess of the bytes **on the wire** of one request in `r_biblio_request_list`,
/// before the client has measured any. It assumes no compression at all (a request is ~400 B
/// of JSON, gzip makes it several times smaller), so the first page of a cold pull stays
/// under 1 MiB on the wire even if the server compressed nothing; the pages after it are
/// planned from what the first one measured.
pub const REQUEST_ITEM_BYTES_GUESS: u64 = 640;
/// First guess of the decoded JSON bytes of one request (only caps the decoded size of the
/// first page of a pull, see [`PAGE_JSON_BUDGET`]).
const REQUEST_ITEM_JSON_GUESS: u64 = 640;
/// Largest answer read off the wire: the protocol's 1 MiB a call
/// ([`protocol::MAX_RESPONSE_BYTES`]) plus a quarter, for a page that came out a little over
/// its plan. Counted while reading (and checked against `Content-Length` before): the rest of
/// a larger answer is never read.
pub const MAX_ANSWER_WIRE_BYTES: usize =
    protocol::MAX_RESPONSE_BYTES + protocol::MAX_RESPONSE_BYTES / 4;
/// Largest decoded JSON of one answer. A full 1 MiB page of requests decodes to ~6 MiB
/// (gzip makes JSON 5–6 times smaller); 16 MiB leaves room for data that compresses better,
/// and stops a decompression bomb while it is inflated, not after.
pub const MAX_ANSWER_JSON_BYTES: usize = 16 * protocol::MAX_RESPONSE_BYTES;
/// The deadline of one HTTP exchange (connect, send, read the whole answer) is the
/// configured timeout; reqwest enforces it, and this backstop a little later makes sure.
const EXCHANGE_GRACE: Duration = Duration::from_secs(1);
/// HTTP exchanges one call may need: a login, the call, and both again when the session
/// turned out to be expired ([`Client::raw_batch`]).
const EXCHANGES_PER_CALL: u32 = 4;
/// Share of [`protocol::MAX_RESPONSE_BYTES`] a page is planned to fill. The estimate is an
/// average over thousands of items, and gzip's ratio is steady once its 32 KiB window is full,
/// so its error is ~0.1%; 1% leaves room for pages whose requests are a little longer or
/// compress a little worse than the average.
const PAGE_FILL: f64 = 0.99;
/// Wire bytes reserved in a page for what is not items: gzip header and trailer (18 B) and
/// the compressed envelope, cursor and totals (~150 B of JSON), with room to spare.
const PAGE_OVERHEAD: u64 = 512;
/// Decoded JSON a page is planned to stay under: half of [`MAX_ANSWER_JSON_BYTES`], so that
/// even data that compresses far better than usual never makes a page hit the cap.
const PAGE_JSON_BUDGET: u64 = (MAX_ANSWER_JSON_BYTES / 2) as u64;
/// A pull's measurement of bytes per request is kept for the next pull only if its requests
/// carried at least this much decoded JSON. A few changed requests say little about a full
/// pull: a short gzip stream compresses worse, and its envelope weighs on every item.
const MIN_SAMPLE_JSON: u64 = 64 * 1024;

/// A secret string whose `Debug` prints `***`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The secret itself; only for signing and for the login call.
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_string())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

/// Connection settings. `Debug` hides the secret and the password.
#[derive(Clone)]
pub struct ClientConfig {
    /// `https://catalit.litres.ru` (the `/catalitv2` path is appended).
    pub base_url: String,
    pub app_id: String,
    pub secret: Secret,
    /// The library's staff login at the provider.
    pub login: String,
    pub password: Secret,
    pub libhouse: u64,
    /// An extra root CA (PEM) to trust besides the built-in roots, e.g. the simulator's.
    pub extra_ca_pem: Option<Vec<u8>>,
    /// Timeout of one HTTP call.
    pub timeout: Duration,
    /// At most one HTTP call per this interval.
    pub min_interval: Duration,
    /// Where a paged pull gives up on a provider that never ends its list.
    pub pull_limits: PullLimits,
}

/// Bounds of one paged pull (requests, fund, reader cards): a provider that keeps saying
/// "more" cannot make the desk page forever. Every pull must also make progress: a page
/// that adds nothing new ends it ([`PagingStop::NoProgress`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PullLimits {
    /// Pages one pull may take.
    pub max_pages: u32,
    /// Distinct items one pull may gather (they are all held in memory until stored).
    pub max_items: u64,
    /// Time one pull may take from its first page to its last, pacing included.
    pub max_time: Duration,
}

impl Default for PullLimits {
    /// A thousand pages (of up to 1 MiB each), half a million items, ten minutes: far more
    /// than any library's lists, far less than a runaway pull costs.
    fn default() -> Self {
        PullLimits {
            max_pages: 1000,
            max_items: 500_000,
            max_time: Duration::from_secs(10 * 60),
        }
    }
}

/// The paged lists of the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Requests,
    Fund,
    Readers,
}

impl Listing {
    /// "Список {…}".
    fn genitive_ru(self) -> &'static str {
        match self {
            Listing::Requests => "запросов читателей",
            Listing::Fund => "фонда библиотеки",
            Listing::Readers => "читательских билетов",
        }
    }
}

/// Why a paged pull was stopped before the provider said its list was over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagingStop {
    /// A page brought nothing that earlier pages had not (or the cursor stood still).
    NoProgress,
    /// More pages than [`PullLimits::max_pages`].
    TooManyPages(u32),
    /// More items than [`PullLimits::max_items`].
    TooManyItems(u64),
    /// Longer than [`PullLimits::max_time`] (seconds).
    TooLong(u64),
}

impl PagingStop {
    fn reason_ru(self) -> String {
        match self {
            PagingStop::NoProgress => {
                "ЭБС присылает одни и те же записи и не переходит к следующим".to_string()
            }
            PagingStop::TooManyPages(n) => format!("страниц в нём больше, чем {n}"),
            PagingStop::TooManyItems(n) => format!("записей в нём больше, чем {n}"),
            PagingStop::TooLong(secs) => {
                format!("ЭБС не передала его за {} мин", secs.div_ceil(60))
            }
        }
    }
}

/// Keeps one paged pull within its [`PullLimits`] and makes sure it progresses.
pub(crate) struct Pager {
    list: Listing,
    limits: PullLimits,
    started: Instant,
    pages: u32,
    items: u64,
}

impl Pager {
    pub(crate) fn new(list: Listing, limits: PullLimits) -> Self {
        Pager {
            list,
            limits,
            started: Instant::now(),
            pages: 0,
            items: 0,
        }
    }

    /// Accounts one page: `new_items` of its items were not seen on earlier pages; `more`
    /// says whether the provider has more. `Ok(true)`: fetch the next page; `Ok(false)`: the
    /// list is complete; `Err`: the pull must stop (the error says why, in Russian).
    pub(crate) fn next(&mut self, new_items: usize, more: bool) -> Result<bool, ProviderError> {
        self.pages += 1;
        self.items += new_items as u64;
        let stop = if !more {
            return Ok(false);
        } else if new_items == 0 {
            PagingStop::NoProgress
        } else if self.items >= self.limits.max_items {
            PagingStop::TooManyItems(self.limits.max_items)
        } else if self.pages >= self.limits.max_pages {
            PagingStop::TooManyPages(self.limits.max_pages)
        } else if self.started.elapsed() >= self.limits.max_time {
            PagingStop::TooLong(self.limits.max_time.as_secs())
        } else {
            return Ok(true);
        };
        Err(self.stopped(stop))
    }

    pub(crate) fn stopped(&self, stop: PagingStop) -> ProviderError {
        tracing::warn!(list = ?self.list, ?stop, pages = self.pages, items = self.items, "paged pull stopped");
        ProviderError::Paging {
            list: self.list,
            stop,
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("app_id", &self.app_id)
            .field("secret", &self.secret)
            .field("login", &self.login)
            .field("password", &self.password)
            .field("libhouse", &self.libhouse)
            .field(
                "extra_ca_pem",
                &self
                    .extra_ca_pem
                    .as_ref()
                    .map(|p| format!("<{} bytes>", p.len())),
            )
            .field("timeout", &self.timeout)
            .field("min_interval", &self.min_interval)
            .field("pull_limits", &self.pull_limits)
            .finish()
    }
}

impl ClientConfig {
    pub fn new(
        base_url: impl Into<String>,
        app_id: impl Into<String>,
        secret: impl Into<Secret>,
        login: impl Into<String>,
        password: impl Into<Secret>,
        libhouse: u64,
    ) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            app_id: app_id.into(),
            secret: secret.into(),
            login: login.into(),
            password: password.into(),
            libhouse,
            extra_ca_pem: None,
            timeout: DEFAULT_TIMEOUT,
            min_interval: DEFAULT_MIN_INTERVAL,
            pull_limits: PullLimits::default(),
        }
    }
}

/// What is known about a write that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// It never reached the provider: the failure came before any byte of the request left
    /// (no connection, TLS handshake refused, too large, session could not be created). Safe
    /// to send again later.
    NotSent,
    /// The provider answered and refused it: nothing was applied.
    Rejected,
    /// It may have been sent, and no usable answer came (lost, cut, late, broken, not
    /// understood): it may or may not have been applied. Re-read the state before doing
    /// anything else.
    Unknown,
}

/// Everything that can go wrong talking to the provider. `Display` is for logs (no
/// secrets); [`ProviderError::user_message`] is for the librarian.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    /// Could not connect: nothing was sent (details for the log).
    #[error("network error: {0}")]
    Network(String),
    /// No answer within the timeout (the request was not a write, or never left).
    #[error("timeout after {secs} s")]
    Timeout { secs: u64 },
    /// The TLS handshake failed (most often: the server's certificate is not trusted).
    /// Only while connecting, so nothing was sent.
    #[error("TLS error: {0}")]
    Tls(String),
    /// The connection was up and broke during the exchange (dropped, cut, a TLS error after
    /// the handshake). For a read; a write that ends so is [`ProviderError::OutcomeUnknown`].
    #[error("connection lost during the exchange: {0}")]
    Interrupted(String),
    /// 5xx, a non-JSON or malformed answer. The text is a Russian detail.
    #[error("server error: {0}")]
    Server(String),
    /// The session could not be (re-)created. The text is a Russian detail.
    #[error("session error: {0}")]
    Session(String),
    /// The provider wants a captcha solved at `url` (already carries `sid` and `app`).
    #[error("captcha required")]
    Captcha { url: String },
    /// Our `time` is outside the ±10 min window of the server clock.
    #[error("clock skew (server time {server_time:?}, skew {skew_minutes:?} min)")]
    ClockSkew {
        server_time: Option<String>,
        skew_minutes: Option<i64>,
    },
    /// The provider refused the call with an error code.
    #[error("provider error {code}: {message_ru}")]
    Api { code: u32, message_ru: String },
    /// A write was sent but its answer was lost: it may or may not have been applied.
    /// The text is a Russian detail.
    #[error("outcome unknown: {0}")]
    OutcomeUnknown(String),
    /// The request JSON exceeds 1 MiB; not sent.
    #[error("request too large: {size} bytes")]
    TooLarge { size: usize },
    /// The connection settings are unusable (bad URL, bad CA file, misuse of the API).
    #[error("configuration error: {0}")]
    Config(String),
    /// A paged list did not end as it should: the pull was stopped.
    #[error("paged pull of {list:?} stopped: {stop:?}")]
    Paging { list: Listing, stop: PagingStop },
}

impl ProviderError {
    /// Plain Russian text for the librarian.
    pub fn user_message(&self) -> String {
        match self {
            ProviderError::Network(_) => "Нет связи с ЭБС. Проверьте подключение к интернету; \
                 ЭБС ничего не получила, действие можно повторить."
                .to_string(),
            ProviderError::Timeout { secs } => format!(
                "ЭБС не ответила за {secs} с. Возможно, нет связи или сервер перегружен. \
                 Повторите позже."
            ),
            ProviderError::Tls(_) => "Не удалось установить защищённое соединение с ЭБС: \
                 сертификат сервера не признан доверенным. Проверьте адрес ЭБС и настройку \
                 «Дополнительный корневой сертификат (CA)» в параметрах подключения."
                .to_string(),
            ProviderError::Interrupted(_) => "Связь с ЭБС прервалась во время обмена данными. \
                 Повторите позже."
                .to_string(),
            ProviderError::Server(detail) => format!(
                "Сервер ЭБС ответил с ошибкой ({detail}). Повторите позже; если ошибка \
                 повторяется, сообщите администратору."
            ),
            ProviderError::Session(detail) => {
                format!("Не удалось начать сеанс работы с ЭБС: {detail}")
            }
            ProviderError::Captcha { .. } => "ЭБС просит подтвердить, что запросы делает \
                 человек: откройте ссылку в браузере, введите символы с картинки и повторите \
                 операцию."
                .to_string(),
            ProviderError::ClockSkew { skew_minutes, .. } => {
                let by = match skew_minutes {
                    Some(m) if *m != 0 => format!(" (на {} мин.)", m.abs()),
                    _ => String::new(),
                };
                format!(
                    "Часы этого компьютера расходятся со временем ЭБС больше чем на 10 минут{by}. \
                     Исправьте дату, время и часовой пояс компьютера и повторите."
                )
            }
            ProviderError::Api { code, message_ru } => format!("{message_ru} (код {code})"),
            ProviderError::OutcomeUnknown(detail) => format!(
                "Ответ ЭБС не получен ({detail}), поэтому неизвестно, выполнена ли операция. \
                 Не повторяйте её сразу: сначала обновите данные из ЭБС."
            ),
            ProviderError::TooLarge { size } => format!(
                "Запрос к ЭБС слишком большой: {} КиБ при пределе 1024 КиБ. Разбейте операцию \
                 на части.",
                size.div_ceil(1024)
            ),
            ProviderError::Config(detail) => {
                format!("Настройки подключения к ЭБС неверны: {detail}")
            }
            ProviderError::Paging { list, stop } => format!(
                "Список {} из ЭБС получен не полностью: {}. Загрузка остановлена, полученное \
                 не сохранено. Если это повторяется, сообщите администратору.",
                list.genitive_ru(),
                stop.reason_ru()
            ),
        }
    }

    /// True when the provider is simply unreachable (work offline, sync later).
    pub fn is_offline(&self) -> bool {
        matches!(
            self,
            ProviderError::Network(_)
                | ProviderError::Timeout { .. }
                | ProviderError::Interrupted(_)
        )
    }

    /// What is known about a write that ended with this error.
    pub fn write_outcome(&self) -> WriteOutcome {
        match self {
            // Interrupted is a read's error; were a write to end so, it may have gone out.
            ProviderError::OutcomeUnknown(_) | ProviderError::Interrupted(_) => {
                WriteOutcome::Unknown
            }
            ProviderError::Api { .. }
            | ProviderError::Captcha { .. }
            | ProviderError::ClockSkew { .. }
            | ProviderError::Session(_) => WriteOutcome::Rejected,
            ProviderError::Network(_)
            | ProviderError::Timeout { .. }
            | ProviderError::Tls(_)
            | ProviderError::Server(_)
            | ProviderError::TooLarge { .. }
            | ProviderError::Config(_)
            | ProviderError::Paging { .. } => WriteOutcome::NotSent,
        }
    }

    /// The provider's error code, if it sent one.
    pub fn code(&self) -> Option<u32> {
        match self {
            ProviderError::Api { code, .. } => Some(*code),
            ProviderError::Captcha { .. } => Some(codes::CAPTCHA),
            _ => None,
        }
    }

    /// An API error for a code, with the Russian text from the table.
    pub fn api(code: u32, server_message: &str) -> Self {
        let message_ru = match codes::message_ru(code) {
            Some(m) => m.to_string(),
            None if server_message.is_empty() => "ЭБС отклонила операцию.".to_string(),
            None => format!("ЭБС отклонила операцию: «{server_message}»."),
        };
        ProviderError::Api { code, message_ru }
    }
}

/// One answer of a batch.
#[derive(Debug, Clone)]
pub struct Answer {
    pub id: String,
    pub func: String,
    /// The answer object (with `success` and the data fields) or the error.
    pub result: Result<Value, ProviderError>,
}

impl Answer {
    /// Maps the answer into a typed DTO.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, ProviderError> {
        let v = self.result.clone()?;
        serde_json::from_value(v).map_err(|e| {
            // The serde message may quote answer values (readers' personal data): log only
            // where it failed.
            tracing::warn!(func = %self.func, kind = ?e.classify(), "provider answer does not match the expected shape");
            if protocol::is_write_func(&self.func) {
                // success:true was sent, so it most likely ran; still, re-read before anything.
                ProviderError::OutcomeUnknown(
                    "операция, вероятно, выполнена, но ответ ЭБС не удалось разобрать".to_string(),
                )
            } else {
                ProviderError::Server("ответ ЭБС не удалось разобрать".to_string())
            }
        })
    }
}

/// The answers of one HTTP call, in the order of the calls.
#[derive(Debug, Clone)]
pub struct BatchAnswer {
    pub answers: Vec<Answer>,
    /// Form body bytes sent.
    pub bytes_sent: usize,
    /// Answer bytes received on the wire (gzip-compressed, as transferred).
    pub bytes_received: usize,
    /// Decoded (gunzipped) JSON bytes received.
    pub json_bytes: usize,
    /// HTTP calls made (2 if the session had to be re-created and the batch repeated; the
    /// `w_create_sid` calls are not counted).
    pub calls: u32,
    pub server_time: Option<String>,
}

/// Traffic of [`Client::pull_all_requests`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PullStats {
    /// HTTP calls made for the pull (session creation not counted).
    pub calls: u32,
    pub bytes_sent: usize,
    /// Answer bytes received on the wire (compressed), all pages.
    pub bytes_received: usize,
    /// Decoded JSON bytes received, all pages.
    pub json_bytes: usize,
    /// The largest single page answer on the wire (what the 1 MiB limit caps).
    pub max_response_bytes: usize,
    /// The largest single page answer, decoded JSON bytes.
    pub max_response_json: usize,
    /// Requests received (before removing duplicates).
    pub items: usize,
    /// Cursor to pass as `since` next time.
    pub cursor: Option<String>,
}

struct Inner {
    cfg: ClientConfig,
    url: String,
    http: reqwest::Client,
    sid: Mutex<Option<String>>,
    last_call: Mutex<Option<Instant>>,
    /// Measured wire (compressed) bytes per request item of `r_biblio_request_list`.
    request_item_bytes: AtomicU64,
}

/// The provider client. Cheap to clone (shared state).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.inner.url)
            .finish()
    }
}

/// What one HTTP exchange produced.
struct Exchange {
    response: ResponseEnvelope,
    bytes_sent: usize,
    /// Answer bytes on the wire.
    bytes_received: usize,
    /// Decoded JSON bytes.
    json_bytes: usize,
}

impl Client {
    /// Builds the client. Fails on a non-https URL or an unusable CA file.
    pub fn new(cfg: ClientConfig) -> Result<Self, ProviderError> {
        let base = cfg.base_url.trim().trim_end_matches('/');
        if !base.to_ascii_lowercase().starts_with("https://") {
            return Err(ProviderError::Config(
                "адрес ЭБС должен начинаться с https://".to_string(),
            ));
        }
        let url = format!("{base}{}", protocol::ENDPOINT_PATH);
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .https_only(true)
            .tls_built_in_root_certs(true)
            // Decompressed by hand in `post`, to count the bytes on the wire.
            .no_gzip()
            .timeout(cfg.timeout)
            // Shorter than the whole exchange, so that a connection that cannot be made ends
            // as a connect error (nothing sent), never as the exchange's timeout.
            .connect_timeout((cfg.timeout / 2).min(Duration::from_secs(15)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Kafedra/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &cfg.extra_ca_pem {
            use rustls::pki_types::CertificateDer;
            use rustls::pki_types::pem::PemObject;
            let found = CertificateDer::pem_slice_iter(pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| {
                    ProviderError::Config("файл корневого сертификата (CA) повреждён".to_string())
                })?;
            if found.is_empty() {
                return Err(ProviderError::Config(
                    "в файле корневого сертификата (CA) нет сертификатов в формате PEM".to_string(),
                ));
            }
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|_| {
                ProviderError::Config("файл корневого сертификата (CA) повреждён".to_string())
            })?;
            for c in certs {
                builder = builder.add_root_certificate(c);
            }
        }
        let http = builder.build().map_err(|e| {
            ProviderError::Config(format!("не удалось настроить HTTPS-клиент ({e})"))
        })?;
        Ok(Client {
            inner: Arc::new(Inner {
                cfg,
                url,
                http,
                sid: Mutex::new(None),
                last_call: Mutex::new(None),
                request_item_bytes: AtomicU64::new(REQUEST_ITEM_BYTES_GUESS),
            }),
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.cfg
    }

    /// Measured bytes **on the wire** (gzip-compressed) per request in request-list answers,
    /// which is what [`Client::pull_all_requests`] plans its pages by (the first pull starts
    /// from [`REQUEST_ITEM_BYTES_GUESS`]). Only pulls big enough to be representative update
    /// it. The sync layer may persist it across restarts and give it back with
    /// [`Client::set_request_item_bytes`], so that even the first pull after a restart plans
    /// its pages exactly. (A value saved by older versions counted decoded JSON; it is larger
    /// than the wire size, so it only makes the first pull more cautious, and is replaced by
    /// that pull's measurement.)
    pub fn request_item_bytes(&self) -> u64 {
        self.inner.request_item_bytes.load(Ordering::Relaxed)
    }

    /// Sets the wire-bytes-per-request estimate (see [`Client::request_item_bytes`]).
    pub fn set_request_item_bytes(&self, bytes: u64) {
        self.inner.request_item_bytes.store(
            bytes.clamp(16, protocol::MAX_RESPONSE_BYTES as u64),
            Ordering::Relaxed,
        );
    }

    /// Drops the cached session; the next call creates a new one.
    pub async fn forget_session(&self) {
        *self.inner.sid.lock().await = None;
    }

    /// Creates a new session now (replacing any cached one).
    pub async fn create_session(&self) -> Result<api::SessionInfo, ProviderError> {
        let mut sid = self.inner.sid.lock().await;
        *sid = None;
        let info = self.login().await?;
        *sid = Some(info.sid.clone());
        Ok(info)
    }

    /// `w_create_sid`. Repeating it is harmless (it only creates another session), so it is
    /// classified like a read: a lost answer is a timeout, not an unknown outcome.
    async fn login(&self) -> Result<api::SessionInfo, ProviderError> {
        let cfg = &self.inner.cfg;
        let param = api::CreateSid {
            login: cfg.login.clone(),
            pwd: cfg.password.expose().to_string(),
        };
        let call = Call::new(api::func::CREATE_SID, "sid", to_param(&param)?);
        let ex = self.post(None, &[call], false).await?;
        if let Some(e) = ex.response.error {
            return Err(match e.code {
                codes::INVALID_SESSION => {
                    ProviderError::Session("ЭБС отклонила создание сеанса".to_string())
                }
                _ => self.envelope_error(e, None, ex.response.time.as_deref()),
            });
        }
        if ex.response.success != Some(true) {
            return Err(ProviderError::Server(UNDERSTOOD_NOT.to_string()));
        }
        let Some(r) = ex.response.result("sid") else {
            return Err(ProviderError::Server(
                "в ответе нет результата входа".to_string(),
            ));
        };
        match r.success {
            Some(true) => {}
            Some(false) => {
                let code = r.error_code.unwrap_or(0);
                let msg = codes::message_ru(code).unwrap_or("ЭБС отклонила вход.");
                return Err(ProviderError::Session(format!("{msg} (код {code})")));
            }
            None => return Err(ProviderError::Server(UNDERSTOOD_NOT.to_string())),
        }
        let info: api::SessionInfo = serde_json::from_value(r.data)
            .map_err(|_| ProviderError::Server("ответ на вход не удалось разобрать".to_string()))?;
        if info.sid.is_empty() {
            return Err(ProviderError::Server(
                "ЭБС не выдала идентификатор сеанса".to_string(),
            ));
        }
        tracing::info!("provider session created");
        Ok(info)
    }

    /// The cached sid, creating a session if there is none.
    async fn ensure_sid(&self) -> Result<String, ProviderError> {
        let mut sid = self.inner.sid.lock().await;
        if let Some(s) = sid.as_ref() {
            return Ok(s.clone());
        }
        let info = self.login().await?;
        *sid = Some(info.sid.clone());
        Ok(info.sid)
    }

    /// Drops the cached sid if it is still `old`.
    async fn invalidate_sid(&self, old: &str) {
        let mut sid = self.inner.sid.lock().await;
        if sid.as_deref() == Some(old) {
            *sid = None;
        }
    }

    /// Waits for the pace slot of the next HTTP call.
    async fn pace(&self) {
        let mut last = self.inner.last_call.lock().await;
        if let Some(t) = *last {
            let next = t + self.inner.cfg.min_interval;
            if next > Instant::now() {
                tokio::time::sleep_until(next).await;
            }
        }
        *last = Some(Instant::now());
    }

    /// One HTTP exchange: size check, pacing, signing, POST, status / content type / gzip /
    /// JSON checks ([`read_answer`]). The envelope is signed after waiting for the pace slot,
    /// so `time` is fresh. `write` selects how a lost answer is reported.
    async fn post(
        &self,
        sid: Option<&str>,
        calls: &[Call],
        write: bool,
    ) -> Result<Exchange, ProviderError> {
        let cfg = &self.inner.cfg;
        let sign = || {
            let env =
                Envelope::signed(&cfg.app_id, cfg.secret.expose(), sid, now(), calls.to_vec());
            protocol::envelope_json(&env)
                .map_err(|e| ProviderError::Config(format!("запрос не удалось сформировать ({e})")))
        };
        // `time` and `sha` have a fixed length, so the size is known before signing for real.
        let size = sign()?.len();
        if size > protocol::MAX_REQUEST_JSON {
            return Err(ProviderError::TooLarge { size });
        }
        self.pace().await;
        let body = protocol::form_body(&sign()?);
        let bytes_sent = body.len();
        let funcs: Vec<&str> = calls.iter().map(|c| c.func.as_str()).collect();
        tracing::debug!(?funcs, bytes = bytes_sent, "provider call");
        let timeout_secs = self.inner.cfg.timeout.as_secs().max(1);
        // The whole exchange (connect, send, read the answer to its end) has one deadline.
        // reqwest's own total timeout ends it with a classified error; this backstop only
        // fires if that did not happen.
        let exchange = tokio::time::timeout(
            self.inner.cfg.timeout + EXCHANGE_GRACE,
            self.exchange(body, write, timeout_secs),
        );
        let (status, content_type, content_encoding, wire) = match exchange.await {
            Ok(answer) => answer?,
            Err(_) => {
                tracing::warn!(?funcs, "provider exchange ran past its deadline");
                return Err(if write {
                    ProviderError::OutcomeUnknown(format!(
                        "истекло время ожидания ответа, {timeout_secs} с"
                    ))
                } else {
                    ProviderError::Timeout { secs: timeout_secs }
                });
            }
        };
        let bytes_received = wire.len();
        tracing::debug!(
            ?funcs,
            status = status.as_u16(),
            bytes = bytes_received,
            encoding = %content_encoding,
            "provider answer"
        );
        let (response, json_bytes) =
            read_answer(status, &content_type, &content_encoding, &wire, write)?;
        Ok(Exchange {
            response,
            bytes_sent,
            bytes_received,
            json_bytes,
        })
    }

    /// Sends the form and reads the answer: status, content type and encoding (lowercase),
    /// and the bytes on the wire, at most [`MAX_ANSWER_WIRE_BYTES`] of them: a larger answer
    /// is refused by its `Content-Length` or as soon as it passes the cap while being read.
    async fn exchange(
        &self,
        body: String,
        write: bool,
        timeout_secs: u64,
    ) -> Result<(reqwest::StatusCode, String, String, Vec<u8>), ProviderError> {
        let mut resp = self
            .inner
            .http
            .post(&self.inner.url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::ACCEPT_ENCODING, "gzip")
            .body(body)
            .send()
            .await
            .map_err(|e| classify_send_error(&e, write, timeout_secs))?;
        let status = resp.status();
        let header = |name: reqwest::header::HeaderName| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_ascii_lowercase()
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let content_encoding = header(reqwest::header::CONTENT_ENCODING);
        let too_large = || {
            tracing::warn!(
                write,
                "provider answer larger than the cap; not read further"
            );
            lost(write, &too_large_detail("ответ", MAX_ANSWER_WIRE_BYTES))
        };
        let announced = resp.content_length().unwrap_or(0);
        if announced > MAX_ANSWER_WIRE_BYTES as u64 {
            return Err(too_large());
        }
        let mut wire: Vec<u8> = Vec::with_capacity(announced as usize);
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| classify_send_error(&e, write, timeout_secs))?
        {
            if wire.len() + chunk.len() > MAX_ANSWER_WIRE_BYTES {
                return Err(too_large());
            }
            wire.extend_from_slice(&chunk);
        }
        Ok((status, content_type, content_encoding, wire))
    }

    /// Maps a whole-request rejection (other than 101000) to an error.
    fn envelope_error(
        &self,
        e: EnvelopeError,
        sid: Option<&str>,
        server_time: Option<&str>,
    ) -> ProviderError {
        match e.code {
            codes::CAPTCHA => {
                let base = e.captcha_url.unwrap_or_default();
                ProviderError::Captcha {
                    url: captcha_url(&base, sid, &self.inner.cfg.app_id),
                }
            }
            codes::TIME_OUT_OF_WINDOW => {
                let skew = server_time
                    .and_then(protocol::parse_time)
                    .map(|t| ((t - now()).num_seconds() as f64 / 60.0).round() as i64);
                ProviderError::ClockSkew {
                    server_time: server_time.map(str::to_string),
                    skew_minutes: skew,
                }
            }
            code => ProviderError::api(code, &e.message),
        }
    }

    /// Sends one batch as one HTTP call and returns the per-id answers.
    ///
    /// At most one `w_` call per batch (a failed `w_` aborts the rest of its batch without
    /// rolling back the earlier calls, so two dependent writes in one batch could leave a
    /// half-done state); more is refused before sending.
    ///
    /// Session handling: when the whole request is rejected with 101000 (invalid session),
    /// the session is re-created once and the batch sent again. That is safe even for a
    /// batch with a `w_` call: 101000 as a whole-request answer means the server rejected
    /// the envelope before running any call, so nothing can have been applied. If 101000
    /// comes instead as the answer of one call inside an accepted batch, earlier calls did
    /// run; then the batch is repeated only if it had no `w_` call at all.
    pub async fn raw_batch(&self, calls: Vec<Call>) -> Result<BatchAnswer, ProviderError> {
        let writes = calls.iter().filter(|c| c.is_write()).count();
        if writes > 1 {
            return Err(ProviderError::Config(
                "в одном обращении к ЭБС может быть только одна изменяющая операция".to_string(),
            ));
        }
        if calls.iter().any(|c| c.func == api::func::CREATE_SID) {
            return Err(ProviderError::Config(
                "сеанс создаётся клиентом сам".to_string(),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        if !calls.iter().all(|c| seen.insert(c.id.as_str())) {
            return Err(ProviderError::Config(
                "повторяющийся id вызова в пакете".to_string(),
            ));
        }
        if calls.is_empty() {
            return Err(ProviderError::Config("пустой пакет вызовов".to_string()));
        }
        let write = writes == 1;
        // One deadline for the whole call: waiting for the pace, the login, the exchange and
        // its repetition after an expired session. The sync's claim on a write is sized by it.
        match tokio::time::timeout(self.call_deadline(), self.batch_exchanges(&calls, write)).await
        {
            Ok(answer) => answer,
            Err(_) => {
                let secs = self.call_deadline().as_secs().max(1);
                tracing::warn!(write, secs, "provider call ran past its deadline");
                Err(if write {
                    ProviderError::OutcomeUnknown(format!("обращение не завершилось за {secs} с"))
                } else {
                    ProviderError::Timeout { secs }
                })
            }
        }
    }

    /// The longest one call ([`Client::raw_batch`] and every typed call) may take: the
    /// exchanges it may need, each with its pace and its own deadline. A call that has not
    /// ended by then is given up (a write as [`ProviderError::OutcomeUnknown`]), so nothing
    /// this client sent is still on its way after this long.
    pub fn call_deadline(&self) -> Duration {
        let cfg = &self.inner.cfg;
        (cfg.timeout + EXCHANGE_GRACE + cfg.min_interval) * EXCHANGES_PER_CALL
    }

    /// The exchanges of [`Client::raw_batch`], without its deadline.
    async fn batch_exchanges(
        &self,
        calls: &[Call],
        write: bool,
    ) -> Result<BatchAnswer, ProviderError> {
        let mut retried = false;
        let mut total_sent = 0;
        let mut total_received = 0;
        let mut total_json = 0;
        let mut http_calls = 0;
        loop {
            let sid = self.ensure_sid().await?;
            let ex = self.post(Some(&sid), calls, write).await?;
            http_calls += 1;
            total_sent += ex.bytes_sent;
            total_received += ex.bytes_received;
            total_json += ex.json_bytes;
            let server_time = ex.response.time.clone();
            if let Some(e) = ex.response.error {
                if e.code == codes::INVALID_SESSION {
                    self.invalidate_sid(&sid).await;
                    if retried {
                        return Err(ProviderError::Session(
                            "ЭБС не принимает только что созданный сеанс".to_string(),
                        ));
                    }
                    tracing::info!(
                        "provider session expired; re-creating it and repeating the batch"
                    );
                    retried = true;
                    continue;
                }
                return Err(self.envelope_error(e, Some(&sid), server_time.as_deref()));
            }
            if ex.response.success != Some(true) {
                // Neither accepted nor rejected: a write in it may have run.
                tracing::warn!("provider answer has no usable success flag");
                return Err(lost(write, UNDERSTOOD_NOT));
            }
            let mut answers = Vec::with_capacity(calls.len());
            let mut session_lost = false;
            for c in calls {
                let result = match ex.response.result(&c.id) {
                    Some(r) if r.success == Some(true) => Ok(r.data),
                    Some(r) if r.success.is_none() => {
                        tracing::warn!(func = %c.func, "provider answer to a call has no usable success flag");
                        Err(lost(c.is_write(), UNDERSTOOD_NOT))
                    }
                    Some(r) => {
                        let code = r.error_code.unwrap_or(0);
                        session_lost |= code == codes::INVALID_SESSION;
                        Err(ProviderError::api(
                            code,
                            r.error_message.as_deref().unwrap_or(""),
                        ))
                    }
                    None if c.is_write() => Err(ProviderError::OutcomeUnknown(
                        "в ответе нет результата операции".to_string(),
                    )),
                    None => Err(ProviderError::Server(
                        "в ответе нет результата запроса".to_string(),
                    )),
                };
                answers.push(Answer {
                    id: c.id.clone(),
                    func: c.func.clone(),
                    result,
                });
            }
            if session_lost {
                self.invalidate_sid(&sid).await;
                if !retried && !write {
                    retried = true;
                    continue;
                }
            }
            return Ok(BatchAnswer {
                answers,
                bytes_sent: total_sent,
                bytes_received: total_received,
                json_bytes: total_json,
                calls: http_calls,
                server_time,
            });
        }
    }

    /// Several `r_` calls in one HTTP call.
    pub async fn read_batch(&self, calls: Vec<Call>) -> Result<BatchAnswer, ProviderError> {
        if calls.iter().any(Call::is_write) {
            return Err(ProviderError::Config(
                "в пакет чтения попала изменяющая операция".to_string(),
            ));
        }
        self.raw_batch(calls).await
    }

    /// One typed call in its own HTTP call.
    pub async fn call<C: ApiCall>(&self, param: &C) -> Result<C::Output, ProviderError> {
        Ok(self.call_counted(param).await?.0)
    }

    async fn call_counted<C: ApiCall>(
        &self,
        param: &C,
    ) -> Result<(C::Output, BatchAnswer), ProviderError> {
        let call = Call::new(C::FUNC, "q", to_param(param)?);
        let batch = self.raw_batch(vec![call]).await?;
        let answer = batch
            .answers
            .first()
            .ok_or_else(|| ProviderError::Server("пустой ответ".to_string()))?;
        let out = answer.decode::<C::Output>()?;
        Ok((out, batch))
    }

    /// `w_biblio_reader_create` in the configured library.
    pub async fn reader_create(
        &self,
        name: &str,
        birth_date: NaiveDate,
        mail: Option<&str>,
        phone: Option<&str>,
    ) -> Result<api::ReaderCreated, ProviderError> {
        let p = api::ReaderCreate {
            libhouse: self.inner.cfg.libhouse,
            name: name.to_string(),
            birth_date,
            mail: mail.map(str::to_string).filter(|s| !s.trim().is_empty()),
            phone: phone.map(str::to_string).filter(|s| !s.trim().is_empty()),
        };
        self.call(&p).await
    }

    /// `r_biblio_reader_list`; with neither `libhouses` nor `lib_cards` set, the configured
    /// library is listed.
    pub async fn reader_list(
        &self,
        mut q: api::ReaderListQuery,
    ) -> Result<api::ReaderList, ProviderError> {
        if q.libhouses.is_none() && q.lib_cards.is_none() {
            q.libhouses = Some(vec![self.inner.cfg.libhouse]);
        }
        self.call(&q).await
    }

    /// One page of requests changed after `since` (all if `None`), `limit = [N, M]`.
    pub async fn requests_list(
        &self,
        since: Option<&str>,
        limit: [u64; 2],
    ) -> Result<api::RequestPage, ProviderError> {
        self.call(&self.request_query(since, limit)).await
    }

    fn request_query(&self, since: Option<&str>, limit: [u64; 2]) -> api::RequestListQuery {
        api::RequestListQuery {
            libhouse: self.inner.cfg.libhouse,
            since: since.map(str::to_string),
            updated_after: None,
            ids: None,
            ref_ids: None,
            limit: Some(limit),
        }
    }

    /// The current state of the given requests (to re-read after a lost answer).
    pub async fn requests_by_id(&self, ids: &[String]) -> Result<Vec<api::Request>, ProviderError> {
        let q = api::RequestListQuery {
            libhouse: self.inner.cfg.libhouse,
            since: None,
            updated_after: None,
            ids: Some(ids.to_vec()),
            ref_ids: None,
            limit: Some([0, ids.len().max(1) as u64]),
        };
        Ok(self.call(&q).await?.requests)
    }

    /// The requests a direct issue made, by the desk's write id (re-reading
    /// after a lost answer); empty when the write never reached the provider.
    pub async fn requests_by_ref(&self, ref_id: &str) -> Result<Vec<api::Request>, ProviderError> {
        let q = api::RequestListQuery {
            libhouse: self.inner.cfg.libhouse,
            ref_ids: Some(vec![ref_id.to_string()]),
            limit: Some([0, 10]),
            ..api::RequestListQuery::default()
        };
        Ok(self.call(&q).await?.requests)
    }

    /// Issues a pending request from a free copy in the fund.
    pub async fn request_issue(
        &self,
        request_id: &str,
    ) -> Result<api::RequestChanged, ProviderError> {
        self.call(&api::RequestIssue {
            request_id: request_id.to_string(),
        })
        .await
    }

    /// Refuses a request. The text goes to the reader and is mandatory (checked before
    /// sending).
    pub async fn request_refuse(
        &self,
        request_id: &str,
        reason: RefusalReason,
        text: &str,
    ) -> Result<api::RequestChanged, ProviderError> {
        if text.trim().is_empty() {
            return Err(ProviderError::api(codes::REFUSAL_TEXT_MISSING, ""));
        }
        self.call(&api::RequestRefuse {
            request_id: request_id.to_string(),
            reason,
            text: text.trim().to_string(),
        })
        .await
    }

    /// Cancels a pending request.
    pub async fn request_cancel(
        &self,
        request_id: &str,
        comment: Option<&str>,
    ) -> Result<api::RequestChanged, ProviderError> {
        self.call(&api::RequestCancel {
            request_id: request_id.to_string(),
            comment: comment.map(str::to_string),
        })
        .await
    }

    /// One page of the fund.
    pub async fn fund_list(
        &self,
        arts: Option<Vec<u64>>,
        limit: [u64; 2],
    ) -> Result<api::FundPage, ProviderError> {
        self.call(&api::FundListQuery {
            libhouse: self.inner.cfg.libhouse,
            arts,
            limit: Some(limit),
        })
        .await
    }

    /// Buys one copy of `art` into the fund; with `request_id`, issues it to that request.
    pub async fn fund_buy(
        &self,
        art: u64,
        request_id: Option<&str>,
    ) -> Result<api::FundBought, ProviderError> {
        self.call(&api::FundBuy {
            libhouse: self.inner.cfg.libhouse,
            art,
            request_id: request_id.map(str::to_string),
        })
        .await
    }

    /// Statistics for `[from, to]`.
    pub async fn stats(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<api::LibraryStats, ProviderError> {
        self.call(&api::StatsQuery {
            libhouse: self.inner.cfg.libhouse,
            from,
            to,
        })
        .await
    }

    /// Issues a free copy of `art` to the reader `lib_card` without a request;
    /// `ref_id` is the desk's id of this write (found again on a re-read).
    pub async fn issue_direct(
        &self,
        lib_card: &str,
        art: u64,
        ref_id: &str,
    ) -> Result<api::RequestChanged, ProviderError> {
        self.call(&api::IssueDirect {
            libhouse: self.inner.cfg.libhouse,
            lib_card: lib_card.to_string(),
            art,
            ref_id: ref_id.to_string(),
        })
        .await
    }

    /// Sets a reader's own lending settings; answers with those now in force.
    pub async fn reader_settings(
        &self,
        settings: &api::ReaderSettings,
    ) -> Result<api::ReaderSettings, ProviderError> {
        self.call(settings).await
    }

    /// Money left and lending rules.
    pub async fn library_info(&self) -> Result<api::LibraryInfo, ProviderError> {
        self.call(&api::LibraryInfoQuery {
            libhouse: self.inner.cfg.libhouse,
        })
        .await
    }

    /// Pulls every request changed after `since` (all if `None`), page by page, each page
    /// planned to stay under 1 MiB **on the wire** ([`protocol::MAX_RESPONSE_BYTES`]) with
    /// as few calls as possible. The page size comes from the measured wire bytes per request
    /// ([`Client::request_item_bytes`]; before any measurement a guess that assumes no
    /// compression, so a cold first page is small enough whatever the server does). From the
    /// first answer on, the pull measures its own pages, and once the server says how many
    /// requests remain (`total`), the rest is split evenly over the fewest pages that fit.
    /// A page is also kept well under the decoded-size cap ([`PAGE_JSON_BUDGET`]).
    ///
    /// A request changed during the pull may come twice; only its latest version is kept.
    /// The new cursor is in [`PullStats::cursor`]. The pull stops with
    /// [`ProviderError::Paging`] when the provider does not move on (the cursor stands still,
    /// or a page brings nothing new) or passes the [`PullLimits`].
    pub async fn pull_all_requests(
        &self,
        since: Option<&str>,
    ) -> Result<(Vec<api::Request>, PullStats), ProviderError> {
        let wire_budget = ((protocol::MAX_RESPONSE_BYTES as f64 * PAGE_FILL) as u64)
            .saturating_sub(PAGE_OVERHEAD);
        let mut stats = PullStats {
            cursor: since.map(str::to_string),
            ..PullStats::default()
        };
        let mut out: Vec<api::Request> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut remaining: Option<u64> = None;
        // Bytes per request: the saved measurement until this pull has its own.
        let mut wire_per_item = self.inner.request_item_bytes.load(Ordering::Relaxed).max(1);
        let mut json_per_item = REQUEST_ITEM_JSON_GUESS;
        let mut pager = Pager::new(Listing::Requests, self.inner.cfg.pull_limits);
        loop {
            let page = plan_page(
                wire_budget,
                wire_per_item,
                PAGE_JSON_BUDGET,
                json_per_item,
                remaining,
            );
            let q = self.request_query(stats.cursor.as_deref(), [0, page]);
            let (p, batch) = self.call_counted(&q).await?;
            stats.calls += batch.calls;
            stats.bytes_sent += batch.bytes_sent;
            stats.bytes_received += batch.bytes_received;
            stats.json_bytes += batch.json_bytes;
            stats.max_response_bytes = stats.max_response_bytes.max(batch.bytes_received);
            stats.max_response_json = stats.max_response_json.max(batch.json_bytes);
            let n = p.requests.len();
            stats.items += n;
            if stats.items > 0 {
                // Whole answers over items: the envelope is counted in, which errs on the
                // safe side (by a fraction of a byte per item on a full page).
                let items = stats.items as u64;
                wire_per_item = (stats.bytes_received as u64).div_ceil(items).max(1);
                json_per_item = (stats.json_bytes as u64).div_ceil(items).max(1);
                if stats.json_bytes as u64 >= MIN_SAMPLE_JSON {
                    // Kept at once, so a pull that fails later still leaves its measurement.
                    self.inner
                        .request_item_bytes
                        .store(wire_per_item, Ordering::Relaxed);
                }
            }
            // New: a request not seen before, or a newer version of one (it changed during
            // the pull). A page of nothing new is a provider that does not move on.
            let mut new_items = 0;
            for r in p.requests {
                match index.get(&r.id) {
                    Some(&i) => {
                        if out[i] != r {
                            out[i] = r;
                            new_items += 1;
                        }
                    }
                    None => {
                        index.insert(r.id.clone(), out.len());
                        out.push(r);
                        new_items += 1;
                    }
                }
            }
            if p.more && (p.cursor.is_none() || p.cursor == stats.cursor) {
                // A server that says "more" without moving the cursor would loop forever.
                return Err(pager.stopped(PagingStop::NoProgress));
            }
            if p.cursor.is_some() {
                stats.cursor = p.cursor;
            }
            remaining = p.total.map(|t| t.saturating_sub(n as u64));
            tracing::debug!(
                page,
                got = n,
                wire = batch.bytes_received,
                json = batch.json_bytes,
                "requests page"
            );
            if !pager.next(new_items, p.more)? {
                break;
            }
        }
        Ok((out, stats))
    }
}

/// Items for the next page: as many as fit both `wire_budget` at `wire_per_item` bytes and
/// `json_budget` at `json_per_item` bytes; when `remaining` is known, it is spread evenly
/// over the fewest pages that fit.
fn plan_page(
    wire_budget: u64,
    wire_per_item: u64,
    json_budget: u64,
    json_per_item: u64,
    remaining: Option<u64>,
) -> u64 {
    let fit = (wire_budget / wire_per_item.max(1))
        .min(json_budget / json_per_item.max(1))
        .max(1);
    match remaining {
        Some(0) | None => fit,
        Some(r) => r.div_ceil(r.div_ceil(fit)),
    }
}

/// An answer that arrived but cannot be used: for a write it may have been applied
/// ([`ProviderError::OutcomeUnknown`]), for a read it is a server error.
fn lost(write: bool, detail: &str) -> ProviderError {
    if write {
        ProviderError::OutcomeUnknown(detail.to_string())
    } else {
        ProviderError::Server(detail.to_string())
    }
}

/// What an answer without a usable `success` is called.
const UNDERSTOOD_NOT: &str = "ответ ЭБС не удалось понять: в нём нет признака успеха";

/// "<what> больше 16 МиБ" (or КиБ, or bytes, whichever is exact).
fn too_large_detail(what: &str, max: usize) -> String {
    if max >= 1 << 20 && max.is_multiple_of(1 << 20) {
        format!("{what} больше {} МиБ", max >> 20)
    } else if max >= 1 << 10 && max.is_multiple_of(1 << 10) {
        format!("{what} больше {} КиБ", max >> 10)
    } else {
        format!("{what} больше {max} байт")
    }
}

/// Checks an HTTP answer and parses its JSON envelope: status, content type, content
/// encoding (gzip or none), JSON. Returns the envelope and its decoded size in bytes.
/// `write` decides how an answer that came but is unusable is reported (see [`lost`]).
fn read_answer(
    status: reqwest::StatusCode,
    content_type: &str,
    content_encoding: &str,
    body: &[u8],
    write: bool,
) -> Result<(ResponseEnvelope, usize), ProviderError> {
    if !status.is_success() {
        // Even a refusal by status may come from behind the provider's own front: for a
        // write, only the provider's answer can say it did not run.
        return Err(lost(write, &format!("код HTTP {}", status.as_u16())));
    }
    if !content_type.starts_with("application/json") {
        let shown = if content_type.is_empty() {
            "без типа"
        } else {
            content_type
        };
        return Err(lost(write, &format!("ответ не в формате JSON: {shown}")));
    }
    let json = decode_body(content_encoding, body, MAX_ANSWER_JSON_BYTES).map_err(|detail| {
        tracing::warn!(
            encoding = %content_encoding,
            wire = body.len(),
            "provider answer could not be decoded"
        );
        lost(write, &detail)
    })?;
    let response = ResponseEnvelope::parse(&json).map_err(|e| {
        tracing::warn!(reason = %e, "provider answer is not valid JSON");
        lost(write, "ответ повреждён: это не JSON")
    })?;
    Ok((response, json.len()))
}

/// Undoes the `Content-Encoding` of an answer: gzip (also `x-gzip`, several members) or none
/// (`identity` or no header). At most `max` decoded bytes are produced; more is refused, as
/// is a corrupt gzip stream or an encoding we did not ask for. The error is a Russian detail.
fn decode_body<'a>(
    content_encoding: &str,
    body: &'a [u8],
    max: usize,
) -> Result<Cow<'a, [u8]>, String> {
    let codings: Vec<String> = content_encoding
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty() && c != "identity")
        .collect();
    match codings.as_slice() {
        [] => {
            if body.len() > max {
                return Err(too_large_detail("ответ", max));
            }
            Ok(Cow::Borrowed(body))
        }
        [c] if c == "gzip" || c == "x-gzip" => {
            let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(max));
            flate2::read::MultiGzDecoder::new(body)
                .take(max as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|_| "ответ повреждён: не удалось распаковать gzip".to_string())?;
            if out.len() > max {
                return Err(too_large_detail("ответ после распаковки", max));
            }
            Ok(Cow::Owned(out))
        }
        _ => Err(format!(
            "ответ сжат неизвестным способом: {}",
            codings.join(", ")
        )),
    }
}

fn now() -> DateTime<FixedOffset> {
    chrono::Local::now().fixed_offset()
}

fn to_param<T: serde::Serialize>(p: &T) -> Result<Value, ProviderError> {
    serde_json::to_value(p)
        .map_err(|e| ProviderError::Config(format!("параметры не сериализуются ({e})")))
}

/// The captcha page with `sid` and `app` appended, as the protocol asks.
fn captcha_url(base: &str, sid: Option<&str>, app: &str) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    if let Some(sid) = sid {
        q.append_pair("sid", sid);
    }
    q.append_pair("app", app);
    let q = q.finish();
    let sep = if !base.contains('?') {
        "?"
    } else if base.ends_with('?') || base.ends_with('&') {
        ""
    } else {
        "&"
    };
    format!("{base}{sep}{q}")
}

/// Classifies a reqwest error by when it happened. Only an error while connecting (DNS,
/// TCP, the TLS handshake: reqwest's `is_connect`) comes before any byte of the request
/// left, so only then is a write surely not sent. Anything later (a dropped or cut
/// connection, a TLS error after the handshake, a timeout) leaves a write in doubt, and for
/// a read is an interrupted exchange, never blamed on the certificate.
fn classify_send_error(e: &reqwest::Error, write: bool, timeout_secs: u64) -> ProviderError {
    let chain = error_chain(e);
    if e.is_connect() {
        if is_tls_error(e) {
            tracing::warn!(error = %chain, "provider TLS handshake failed");
            return ProviderError::Tls(chain);
        }
        tracing::info!(error = %chain, "provider unreachable");
        return if e.is_timeout() {
            ProviderError::Timeout { secs: timeout_secs }
        } else {
            ProviderError::Network(chain)
        };
    }
    if e.is_builder() {
        // The request could not even be built: nothing left.
        return ProviderError::Config(format!("запрос не удалось сформировать ({chain})"));
    }
    let tls = is_tls_error(e);
    if write {
        tracing::warn!(error = %chain, "answer to a provider write lost");
        return ProviderError::OutcomeUnknown(if e.is_timeout() {
            format!("истекло время ожидания ответа, {timeout_secs} с")
        } else if tls {
            "защищённое соединение прервалось во время ответа".to_string()
        } else {
            "соединение прервано".to_string()
        });
    }
    tracing::info!(error = %chain, "provider exchange interrupted");
    if e.is_timeout() {
        ProviderError::Timeout { secs: timeout_secs }
    } else {
        ProviderError::Interrupted(chain)
    }
}

fn error_chain(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// True if a rustls certificate/handshake error is somewhere in the chain. `io::Error`
/// hides its payload from `source()`, so it is unwrapped explicitly.
fn is_tls_error(e: &reqwest::Error) -> bool {
    fn check(err: &(dyn std::error::Error + 'static), depth: u8) -> bool {
        if depth > 16 {
            return false;
        }
        if err.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && check(inner, depth + 1)
        {
            return true;
        }
        err.source().is_some_and(|s| check(s, depth + 1))
    }
    check(e, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let mut cfg = ClientConfig::new("https://x", "app", "s3cr3t", "staff", "pa55", 1);
        cfg.extra_ca_pem = None;
        let dbg = format!("{cfg:?}");
        assert!(!dbg.contains("s3cr3t") && !dbg.contains("pa55"), "{dbg}");
        assert!(dbg.contains("***"));
    }

    #[test]
    fn http_urls_and_bad_ca_are_refused() {
        let cfg = ClientConfig::new("http://127.0.0.1:1", "app", "s", "l", "p", 1);
        assert!(matches!(Client::new(cfg), Err(ProviderError::Config(_))));
        let mut cfg = ClientConfig::new("https://127.0.0.1:1", "app", "s", "l", "p", 1);
        cfg.extra_ca_pem = Some(b"not a pem".to_vec());
        let e = Client::new(cfg).unwrap_err();
        assert!(
            e.user_message().contains("корневого сертификата"),
            "{}",
            e.user_message()
        );
    }

    #[test]
    fn captcha_url_gets_sid_and_app() {
        assert_eq!(
            captcha_url("https://h/c", Some("s 1"), "a"),
            "https://h/c?sid=s+1&app=a"
        );
        assert_eq!(
            captcha_url("https://h/c?x=1", Some("s"), "a"),
            "https://h/c?x=1&sid=s&app=a"
        );
        assert_eq!(captcha_url("https://h/c?", None, "a"), "https://h/c?app=a");
    }

    #[test]
    fn pages_are_planned_to_fill_the_budget_evenly() {
        let plan = |budget, per_item, remaining| plan_page(budget, per_item, 1 << 40, 1, remaining);
        assert_eq!(plan(1000, 10, None), 100);
        assert_eq!(plan(1000, 10, Some(250)), 84); // 3 pages of ≤84
        assert_eq!(plan(1000, 10, Some(50)), 50);
        assert_eq!(plan(1000, 2000, None), 1);
        assert_eq!(plan(1000, 300, Some(10)), 3); // 4 pages: 3 items (900 B) fit, 4 do not
        // The decoded-size budget caps a page of data that compresses very well.
        assert_eq!(plan_page(1000, 1, 5000, 100, None), 50);
        assert_eq!(plan_page(1000, 1, 5000, 100, Some(120)), 40);
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        use std::io::Write as _;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(data).expect("write");
        enc.finish().expect("gzip")
    }

    const JSON: &str = "application/json; charset=utf-8";
    const ENVELOPE: &[u8] =
        br#"{"success":true,"time":"2024-01-01T10:00:00+03:00","q":{"success":true,"n":1}}"#;

    #[test]
    fn gzip_and_plain_answers_are_decoded() {
        let ok = reqwest::StatusCode::OK;
        let gz = gzip(ENVELOPE);
        for enc in ["gzip", "GZIP", "x-gzip", "identity, gzip"] {
            let (env, json) = read_answer(ok, JSON, enc, &gz, false).expect("gzip answer");
            assert_eq!(json, ENVELOPE.len(), "{enc}");
            assert_eq!(env.result("q").and_then(|r| r.success), Some(true), "{enc}");
        }
        // A server that sends no Content-Encoding (or identity) is read as is.
        for enc in ["", "identity"] {
            let (env, json) = read_answer(ok, JSON, enc, ENVELOPE, false).expect("plain answer");
            assert_eq!(json, ENVELOPE.len());
            assert!(env.result("q").is_some());
        }
        // Several gzip members are one stream.
        let mut two = gzip(&ENVELOPE[..10]);
        two.extend(gzip(&ENVELOPE[10..]));
        assert_eq!(
            decode_body("gzip", &two, 1 << 20)
                .expect("members")
                .as_ref(),
            ENVELOPE
        );
    }

    #[test]
    fn corrupt_gzip_is_a_server_error_and_an_unknown_outcome_for_writes() {
        let ok = reqwest::StatusCode::OK;
        let gz = gzip(ENVELOPE);
        let mut flipped = gz.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x55;
        let truncated = &gz[..gz.len() - 6];
        for body in [&flipped[..], truncated, b"{\"success\":true}"] {
            let e = read_answer(ok, JSON, "gzip", body, false).unwrap_err();
            assert_eq!(
                e,
                ProviderError::Server("ответ повреждён: не удалось распаковать gzip".into())
            );
            assert_eq!(
                e.user_message(),
                "Сервер ЭБС ответил с ошибкой (ответ повреждён: не удалось распаковать gzip). \
                 Повторите позже; если ошибка повторяется, сообщите администратору."
            );
            let e = read_answer(ok, JSON, "gzip", body, true).unwrap_err();
            assert_eq!(e.write_outcome(), WriteOutcome::Unknown, "{e:?}");
        }
        // Well-formed gzip of something that is not JSON.
        let e = read_answer(ok, JSON, "gzip", &gzip(b"<html>"), false).unwrap_err();
        assert_eq!(
            e,
            ProviderError::Server("ответ повреждён: это не JSON".into())
        );
        // An encoding we did not ask for.
        let e = read_answer(ok, JSON, "br", &gz, false).unwrap_err();
        assert_eq!(
            e,
            ProviderError::Server("ответ сжат неизвестным способом: br".into())
        );
    }

    #[test]
    fn decompression_bombs_are_refused() {
        let spaces = vec![b' '; 100_000];
        let bomb = gzip(&spaces);
        assert!(bomb.len() < 1000);
        assert_eq!(
            decode_body("gzip", &bomb, 50_000).unwrap_err(),
            "ответ после распаковки больше 50000 байт"
        );
        assert_eq!(
            decode_body("gzip", &bomb, 100_000)
                .expect("at the cap")
                .len(),
            100_000
        );
        assert_eq!(
            decode_body("", &spaces, 50_000).unwrap_err(),
            "ответ больше 50000 байт"
        );
        assert_eq!(
            too_large_detail("ответ после распаковки", MAX_ANSWER_JSON_BYTES),
            "ответ после распаковки больше 16 МиБ"
        );
        assert_eq!(
            too_large_detail("ответ", MAX_ANSWER_WIRE_BYTES),
            "ответ больше 1280 КиБ"
        );
    }

    #[test]
    fn status_and_content_type_are_checked_before_decoding() {
        let gz = gzip(ENVELOPE);
        let e = read_answer(reqwest::StatusCode::BAD_GATEWAY, JSON, "gzip", &gz, true).unwrap_err();
        assert_eq!(e, ProviderError::OutcomeUnknown("код HTTP 502".into()));
        // Even a 404: only the provider's own answer can say a write did not run.
        let e = read_answer(reqwest::StatusCode::NOT_FOUND, JSON, "gzip", &gz, true).unwrap_err();
        assert_eq!(e, ProviderError::OutcomeUnknown("код HTTP 404".into()));
        let e = read_answer(reqwest::StatusCode::NOT_FOUND, JSON, "gzip", &gz, false).unwrap_err();
        assert_eq!(e, ProviderError::Server("код HTTP 404".into()));
        // A captive portal: HTML with 200, not even gzip.
        let e = read_answer(
            reqwest::StatusCode::OK,
            "text/html; charset=utf-8",
            "",
            b"<html>login</html>",
            false,
        )
        .unwrap_err();
        assert_eq!(
            e,
            ProviderError::Server("ответ не в формате JSON: text/html; charset=utf-8".into())
        );
    }

    /// A pull ends when the list does, and stops when it does not move on or passes a cap.
    #[test]
    fn a_pager_ends_stops_and_explains() {
        let limits = PullLimits {
            max_pages: 3,
            max_items: 100,
            max_time: Duration::from_secs(3600),
        };
        let mut p = Pager::new(Listing::Fund, limits);
        assert_eq!(p.next(10, true), Ok(true));
        assert_eq!(p.next(10, false), Ok(false), "the list is over");
        let mut p = Pager::new(Listing::Fund, limits);
        assert_eq!(p.next(10, true), Ok(true));
        let stuck = p.next(0, true).unwrap_err();
        assert_eq!(
            stuck.user_message(),
            "Список фонда библиотеки из ЭБС получен не полностью: ЭБС присылает одни и те же \
             записи и не переходит к следующим. Загрузка остановлена, полученное не сохранено. \
             Если это повторяется, сообщите администратору."
        );
        assert_eq!(stuck.write_outcome(), WriteOutcome::NotSent);
        assert!(!stuck.is_offline());
        let mut p = Pager::new(Listing::Readers, limits);
        assert_eq!(p.next(10, true), Ok(true));
        assert_eq!(p.next(10, true), Ok(true));
        let e = p.next(10, true).unwrap_err();
        assert_eq!(
            e,
            ProviderError::Paging {
                list: Listing::Readers,
                stop: PagingStop::TooManyPages(3)
            }
        );
        assert_eq!(
            e.user_message(),
            "Список читательских билетов из ЭБС получен не полностью: страниц в нём больше, \
             чем 3. Загрузка остановлена, полученное не сохранено. Если это повторяется, \
             сообщите администратору."
        );
        let mut p = Pager::new(Listing::Requests, limits);
        let e = p.next(100, true).unwrap_err();
        assert!(
            e.user_message().contains(
                "запросов читателей из ЭБС получен не полностью: записей в нём \
                           больше, чем 100."
            ),
            "{}",
            e.user_message()
        );
    }

    #[test]
    fn write_outcomes_are_distinct() {
        assert_eq!(
            ProviderError::OutcomeUnknown("x".into()).write_outcome(),
            WriteOutcome::Unknown
        );
        assert_eq!(
            ProviderError::api(codes::NO_FREE_COPY, "").write_outcome(),
            WriteOutcome::Rejected
        );
        assert_eq!(
            ProviderError::Network("x".into()).write_outcome(),
            WriteOutcome::NotSent
        );
        assert!(ProviderError::Timeout { secs: 1 }.is_offline());
        assert!(!ProviderError::OutcomeUnknown("x".into()).is_offline());
        assert_eq!(
            ProviderError::api(999_999, "Strange").user_message(),
            "ЭБС отклонила операцию: «Strange». (код 999999)"
        );
    }
}
