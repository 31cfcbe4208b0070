//! The provider simulator: speaks the CataLit v2 library protocol over real TLS on
//! loopback, with configurable lending rules and injectable faults, so the app can be
//! demonstrated and tested without the real service.
//!
//! ```no_run
//! # async fn demo() -> Result<(), kafedra_core::sim::SimError> {
//! use kafedra_core::sim::{self, SimConfig};
//! let sim = sim::start(SimConfig::default()).await?;
//! let client = kafedra_core::provider::Client::new(sim.client_config()).expect("client");
//! # Ok(()) }
//! ```

pub mod catalogue;
pub mod cli;
pub mod rules;
pub mod scenario;
pub mod server;
pub mod state;
pub mod tls;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{Duration as ChronoDuration, NaiveDate};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

pub use catalogue::Book;
pub use rules::Rules;
pub use scenario::{Scenario, ScenarioError};
pub use state::{Purchase, SimCopy, SimLoan, SimReader, SimRequest};

use crate::provider::api::{FundItem, Money, Request};
use crate::provider::client::ClientConfig;
use server::{Faults, Shared, lock};
use state::{State, StateInit};

/// Errors starting or driving the simulator.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SimError {
    #[error("simulator I/O error: {0}")]
    Io(String),
    #[error("simulator TLS error: {0}")]
    Tls(String),
    /// Refused input (flags, a scenario): the text says what to fix, in Russian.
    #[error("{0}")]
    Invalid(String),
    /// A direct change was refused with a protocol error code.
    #[error("simulator refused the change: error {0}")]
    Refused(u32),
}

/// A fault to inject. Names (for `--fault NAME`): `delay`, `delay=SECONDS`, `http500`,
/// `malformed-json`, `html`, `expired-session`, `captcha`, `clock-skew`, `lose-response`,
/// `cut-answer`, `broken-tls`, `no-success`, `oversized`, `slow-answer`,
/// `endless-requests`, `endless-fund`, `endless-readers` ([`Fault::NAMES`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Run the batch, then answer only after this long (longer than the client timeout).
    Delay(Duration),
    /// Answer `500 Internal Server Error` with an HTML page, without running anything.
    Http500,
    /// Run the batch, then answer with truncated JSON.
    MalformedJson,
    /// Answer `200` with an HTML page (like a Wi-Fi login portal), without running anything.
    Html,
    /// The session of the call expires first, so it gets 101000 (one-shot: the next call
    /// that has a session).
    ExpiredSession,
    /// Answer 101028 with a `captcha_url`, without running anything.
    Captcha,
    /// The simulator's clock is off by more than 10 minutes, so `time` is rejected.
    ClockSkew,
    /// Run the batch (writes applied), then drop the connection without answering.
    LoseResponse,
    /// Run the batch (writes applied), send the headers and half of the answer, then close
    /// the connection without TLS `close_notify`.
    CutAnswer,
    /// Run the batch (writes applied), then send the answer in corrupted TLS records: the
    /// handshake went well, the client's TLS layer fails while reading the answer.
    BrokenTls,
    /// Run the batch (writes applied), then answer `200` JSON with neither the envelope nor
    /// the calls saying `success`.
    NoSuccess,
    /// Run the batch (writes applied), then answer 2 MiB of JSON, uncompressed and without
    /// `Content-Length` (the client must count while reading).
    Oversized,
    /// Run the batch, then send the answer one byte every 100 ms (each read is quick, the
    /// whole answer takes far longer than any timeout).
    SlowAnswer,
    /// `r_biblio_request_list` always answers a full page of the same requests, with a new
    /// cursor and "more follow".
    EndlessRequests,
    /// `r_biblio_fund_list` always answers a full page of the same titles.
    EndlessFund,
    /// `r_biblio_reader_list` always answers a full page of the same reader cards.
    EndlessReaders,
}

/// Default `delay` when given by name only.
pub const DEFAULT_DELAY: Duration = Duration::from_secs(60);

impl Fault {
    /// All fault names, for help texts.
    pub const NAMES: &[&str] = &[
        "delay",
        "http500",
        "malformed-json",
        "html",
        "expired-session",
        "captcha",
        "clock-skew",
        "lose-response",
        "cut-answer",
        "broken-tls",
        "no-success",
        "oversized",
        "slow-answer",
        "endless-requests",
        "endless-fund",
        "endless-readers",
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Fault::Delay(_) => "delay",
            Fault::Http500 => "http500",
            Fault::MalformedJson => "malformed-json",
            Fault::Html => "html",
            Fault::ExpiredSession => "expired-session",
            Fault::Captcha => "captcha",
            Fault::ClockSkew => "clock-skew",
            Fault::LoseResponse => "lose-response",
            Fault::CutAnswer => "cut-answer",
            Fault::BrokenTls => "broken-tls",
            Fault::NoSuccess => "no-success",
            Fault::Oversized => "oversized",
            Fault::SlowAnswer => "slow-answer",
            Fault::EndlessRequests => "endless-requests",
            Fault::EndlessFund => "endless-fund",
            Fault::EndlessReaders => "endless-readers",
        }
    }
}

impl FromStr for Fault {
    type Err = SimError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Some(secs) = s.strip_prefix("delay=") {
            let secs: f64 = secs
                .parse()
                .map_err(|_| SimError::Invalid(format!("bad delay: {secs}")))?;
            if !(0.0..=3600.0).contains(&secs) {
                return Err(SimError::Invalid(format!("bad delay: {secs}")));
            }
            return Ok(Fault::Delay(Duration::from_secs_f64(secs)));
        }
        Ok(match s {
            "delay" => Fault::Delay(DEFAULT_DELAY),
            "http500" => Fault::Http500,
            "malformed-json" => Fault::MalformedJson,
            "html" => Fault::Html,
            "expired-session" => Fault::ExpiredSession,
            "captcha" => Fault::Captcha,
            "clock-skew" => Fault::ClockSkew,
            "lose-response" => Fault::LoseResponse,
            "cut-answer" => Fault::CutAnswer,
            "broken-tls" => Fault::BrokenTls,
            "no-success" => Fault::NoSuccess,
            "oversized" => Fault::Oversized,
            "slow-answer" => Fault::SlowAnswer,
            "endless-requests" => Fault::EndlessRequests,
            "endless-fund" => Fault::EndlessFund,
            "endless-readers" => Fault::EndlessReaders,
            other => {
                return Err(SimError::Invalid(format!(
                    "неизвестная неисправность «{other}»; известные: {}",
                    Fault::NAMES.join(", ")
                )));
            }
        })
    }
}

/// Simulator settings.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where to listen; port 0 picks a free one. Must be a loopback address.
    pub listen: SocketAddr,
    pub app_id: String,
    pub secret: String,
    pub staff_login: String,
    pub staff_password: String,
    pub libhouse: u64,
    pub library_name: String,
    pub rules: Rules,
    /// Faults applied to every call (one-shot ones: [`SimHandle::inject`]).
    pub faults: Vec<Fault>,
    /// Seed of the catalogue, readers and everything random.
    pub seed: u64,
    pub catalogue_size: usize,
    /// Sessions expire after this long without use.
    pub session_ttl: Duration,
    /// If set, calls arriving faster than this are rejected (RATE_LIMITED).
    pub min_interval: Option<Duration>,
    /// Demo data made at start.
    pub initial_readers: usize,
    pub initial_requests: usize,
    pub initial_fund_titles: usize,
    /// The library stated exactly (rules, money, readers, fund, books, requests) instead
    /// of the generated `initial_*` data; its `[library]` values replace `rules`,
    /// `library_name`, `catalogue_size` and `seed` where it states them.
    pub scenario: Option<Arc<Scenario>>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            app_id: "kafedra-sim".to_string(),
            secret: "sim-secret".to_string(),
            staff_login: "library".to_string(),
            staff_password: "library-password".to_string(),
            libhouse: 4242,
            library_name: "Центральная городская библиотека (симулятор)".to_string(),
            rules: Rules::default(),
            faults: Vec::new(),
            seed: 1,
            catalogue_size: 2000,
            session_ttl: Duration::from_secs(30 * 60),
            min_interval: None,
            initial_readers: 0,
            initial_requests: 0,
            initial_fund_titles: 0,
            scenario: None,
        }
    }
}

/// A consistent copy of the simulator's state.
#[derive(Debug, Clone)]
pub struct SimSnapshot {
    pub readers: Vec<SimReader>,
    pub requests: Vec<Request>,
    pub loans: Vec<SimLoan>,
    pub fund: Vec<FundItem>,
    pub purchases: Vec<Purchase>,
    pub money_left: Money,
    /// Request id → writes applied to it (only ids with at least one).
    pub applied_writes: std::collections::HashMap<String, u32>,
}

/// A running simulator. Dropping it stops the server.
pub struct SimHandle {
    pub addr: SocketAddr,
    /// The CA certificate (PEM) the client must trust.
    pub ca_pem: String,
    shared: Arc<Shared>,
    cfg: SimConfig,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

/// Starts the simulator.
pub async fn start(mut cfg: SimConfig) -> Result<SimHandle, SimError> {
    if !cfg.listen.ip().is_loopback() {
        return Err(SimError::Invalid(
            "симулятор слушает только локальные адреса (127.0.0.1, ::1)".into(),
        ));
    }
    if let Some(sc) = cfg.scenario.clone() {
        cfg.rules = sc.rules();
        if let Some(name) = &sc.library.name {
            cfg.library_name = name.trim().to_string();
        }
        if let Some(n) = sc.library.generated_books {
            cfg.catalogue_size = n;
        }
        if let Some(seed) = sc.library.seed {
            cfg.seed = seed;
        }
    }
    let mut state = State::new(StateInit {
        libhouse: cfg.libhouse,
        library_name: cfg.library_name.clone(),
        rules: cfg.rules.clone(),
        staff_login: cfg.staff_login.clone(),
        staff_password: cfg.staff_password.clone(),
        seed: cfg.seed,
        catalogue_size: cfg.catalogue_size,
        session_ttl: ChronoDuration::from_std(cfg.session_ttl)
            .unwrap_or(ChronoDuration::minutes(30)),
    });
    let now = server::clock(false);
    match &cfg.scenario {
        Some(sc) => state.apply_scenario(sc, now)?,
        None => {
            for _ in 0..cfg.initial_readers {
                state.add_random_reader(now);
            }
            state.stock_random(cfg.initial_fund_titles, now);
            state.add_random_requests(cfg.initial_requests, now);
        }
    }
    let tls = tls::generate()?;
    let listener = TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| SimError::Io(e.to_string()))?;
    let addr = listener
        .local_addr()
        .map_err(|e| SimError::Io(e.to_string()))?;
    let shared = Arc::new(Shared {
        app_id: cfg.app_id.clone(),
        secret: cfg.secret.clone(),
        addr,
        min_interval: cfg.min_interval,
        state: Mutex::new(state),
        faults: Mutex::new(Faults {
            persistent: cfg.faults.clone(),
            once: VecDeque::new(),
        }),
        last_call: Mutex::new(None),
        http_calls: AtomicU64::new(0),
        answered_calls: AtomicU64::new(0),
        hold_writes: watch::channel(false).0,
        held_writes: AtomicU64::new(0),
        endless_cursor: AtomicU64::new(0),
    });

    let (tx, rx) = watch::channel(false);
    let acceptor = TlsAcceptor::from(tls.server_config);
    let task = tokio::spawn(server::serve(listener, acceptor, shared.clone(), rx));
    tracing::info!(%addr, rules = %cfg.rules.name, "provider simulator listening");
    Ok(SimHandle {
        addr,
        ca_pem: tls.ca_pem,
        shared,
        cfg,
        shutdown: tx,
        task: Some(task),
    })
}

impl SimHandle {
    /// `https://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// A client configuration that talks to this simulator (trusting its CA).
    pub fn client_config(&self) -> ClientConfig {
        let mut c = ClientConfig::new(
            self.base_url(),
            self.cfg.app_id.clone(),
            self.cfg.secret.as_str(),
            self.cfg.staff_login.clone(),
            self.cfg.staff_password.as_str(),
            self.cfg.libhouse,
        );
        c.extra_ca_pem = Some(self.ca_pem.as_bytes().to_vec());
        c
    }

    pub fn config(&self) -> &SimConfig {
        &self.cfg
    }

    /// Writes the CA certificate (PEM) to `path`.
    pub fn write_ca_pem(&self, path: &Path) -> Result<(), SimError> {
        std::fs::write(path, &self.ca_pem)
            .map_err(|e| SimError::Io(format!("{}: {e}", path.display())))
    }

    /// Queues a one-shot fault for the next call.
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.faults).once.push_back(fault);
    }

    /// Replaces the persistent faults (applied to every call).
    pub fn set_faults(&self, faults: Vec<Fault>) {
        lock(&self.shared.faults).persistent = faults;
    }

    /// HTTP requests received so far (all paths, rejected ones included).
    pub fn http_calls(&self) -> u64 {
        self.shared.http_calls.load(Ordering::Relaxed)
    }

    /// HTTP requests whose handling is over: the faults in force when they
    /// arrived no longer change what they get.
    pub fn answered_calls(&self) -> u64 {
        self.shared.answered_calls.load(Ordering::Relaxed)
    }

    /// From now on, a batch with a write (other than the login) waits before it runs, until
    /// [`SimHandle::release_writes`]: a test can hold one desk's write at the provider,
    /// unapplied, while another desk acts. [`SimHandle::held_writes`] says how many wait.
    pub fn hold_writes(&self) {
        self.shared.hold_writes.send_replace(true);
    }

    /// Lets the held writes run (in the order they arrive at the lock) and stops holding.
    pub fn release_writes(&self) {
        self.shared.hold_writes.send_replace(false);
    }

    /// Batches with a write waiting because of [`SimHandle::hold_writes`].
    pub fn held_writes(&self) -> u64 {
        self.shared.held_writes.load(Ordering::SeqCst)
    }

    // --- snapshots for tests and the demo ---

    /// Everything at once, taken under one lock.
    pub fn state(&self) -> SimSnapshot {
        let st = lock(&self.shared.state);
        let requests = st.requests();
        let applied_writes = requests
            .iter()
            .map(|r| (r.id.clone(), st.applied_writes(&r.id)))
            .filter(|(_, n)| *n > 0)
            .collect();
        SimSnapshot {
            readers: st.readers().to_vec(),
            requests,
            loans: st.loans().to_vec(),
            fund: st.fund(),
            purchases: st.purchases().to_vec(),
            money_left: st.money,
            applied_writes,
        }
    }

    pub fn readers(&self) -> Vec<SimReader> {
        lock(&self.shared.state).readers().to_vec()
    }
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.state).requests()
    }
    pub fn request(&self, id: &str) -> Option<Request> {
        lock(&self.shared.state).request(id)
    }
    pub fn loans(&self) -> Vec<SimLoan> {
        lock(&self.shared.state).loans().to_vec()
    }
    pub fn fund(&self) -> Vec<FundItem> {
        lock(&self.shared.state).fund()
    }
    pub fn purchases(&self) -> Vec<Purchase> {
        lock(&self.shared.state).purchases().to_vec()
    }
    pub fn money_left(&self) -> Money {
        lock(&self.shared.state).money
    }
    /// How many writes changed this request (issue, refuse, cancel, buy-and-issue).
    pub fn applied_writes(&self, request_id: &str) -> u32 {
        lock(&self.shared.state).applied_writes(request_id)
    }
    pub fn catalogue(&self) -> Vec<Book> {
        lock(&self.shared.state).catalogue().to_vec()
    }
    /// One book of the catalogue.
    pub fn book(&self, art: u64) -> Option<Book> {
        lock(&self.shared.state).book(art).cloned()
    }
    /// The reader card with this number.
    pub fn reader(&self, lib_card: &str) -> Option<SimReader> {
        lock(&self.shared.state).reader(lib_card).cloned()
    }
    pub fn session_count(&self) -> usize {
        lock(&self.shared.state).session_count()
    }

    // --- direct changes (as if readers acted on the provider's site) ---

    /// Registers a reader directly, without the checks of `w_biblio_reader_create`.
    pub fn add_reader(
        &self,
        name: &str,
        birth_date: NaiveDate,
        mail: Option<&str>,
        phone: Option<&str>,
    ) -> SimReader {
        let now = self.shared.now(false);
        lock(&self.shared.state).add_reader(
            name.chars().take(state::MAX_NAME_CHARS).collect(),
            birth_date,
            mail.map(str::to_string),
            phone.map(str::to_string),
            now,
        )
    }

    /// A reader asks for a book.
    pub fn add_request(&self, lib_card: &str, art: u64) -> Result<String, SimError> {
        let now = self.shared.now(false);
        lock(&self.shared.state)
            .add_request(lib_card, art, now)
            .map_err(SimError::Refused)
    }

    /// `n` generated requests (some from new generated readers).
    pub fn add_random_requests(&self, n: usize) -> Vec<String> {
        let now = self.shared.now(false);
        lock(&self.shared.state).add_random_requests(n, now)
    }

    /// Puts copies of a book into the fund without paying.
    pub fn stock(&self, art: u64, copies: u32) -> Result<(), SimError> {
        let now = self.shared.now(false);
        lock(&self.shared.state)
            .stock(art, copies, now)
            .map_err(SimError::Refused)
    }

    /// Adds one generated request every `interval` until the simulator stops (demo).
    pub fn spawn_request_trickle(&self, interval: Duration) -> JoinHandle<()> {
        let shared = self.shared.clone();
        let mut stop = self.shutdown.subscribe();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(interval.max(Duration::from_millis(10)));
            tick.tick().await;
            loop {
                tokio::select! {
                    _ = stop.changed() => break,
                    _ = tick.tick() => {
                        let now = shared.now(false);
                        let ids = lock(&shared.state).add_random_requests(1, now);
                        tracing::debug!(?ids, "simulator: new request");
                    }
                }
            }
        })
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}
