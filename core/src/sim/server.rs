//! The simulator's HTTPS endpoint: TLS (tokio-rustls) + HTTP/1.1 (hyper), envelope checks,
//! batch execution with abort-after-failed-write, gzip answers, and fault injection.

use std::collections::VecDeque;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::{DateTime, Duration as ChronoDuration, FixedOffset, Utc};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::Fault;
use super::state::State;
use crate::provider::api::func;
use crate::provider::protocol::{self, Envelope, codes};

/// How far the `clock-skew` fault moves the simulator's clock.
pub const CLOCK_SKEW_MINUTES: i64 = 15;
/// Largest form body read (the 1 MiB JSON limit is checked after decoding).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// Persistent faults (every call) and one-shot faults (the next call each).
#[derive(Debug, Default)]
pub(crate) struct Faults {
    pub persistent: Vec<Fault>,
    pub once: VecDeque<Fault>,
}

/// State shared by the server tasks and the handle.
pub(crate) struct Shared {
    pub app_id: String,
    pub secret: String,
    pub addr: SocketAddr,
    pub min_interval: Option<Duration>,
    pub state: Mutex<State>,
    pub faults: Mutex<Faults>,
    pub last_call: Mutex<Option<Instant>>,
    pub http_calls: AtomicU64,
    /// Requests whose handling is over (answered, refused or dropped).
    pub answered_calls: AtomicU64,
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The simulator's clock (Moscow time), possibly skewed by a fault. Timestamps are sent
/// with whole seconds (`protocol::TIME_FORMAT`); the state keeps full precision so that
/// session expiry works below one second in tests.
pub(crate) fn clock(skewed: bool) -> DateTime<FixedOffset> {
    let t = Utc::now().with_timezone(&protocol::moscow());
    if skewed {
        t + ChronoDuration::minutes(CLOCK_SKEW_MINUTES)
    } else {
        t
    }
}

impl Shared {
    /// The simulator's clock.
    pub fn now(&self, skewed: bool) -> DateTime<FixedOffset> {
        clock(skewed)
    }

    /// The faults for one call: all persistent ones plus the next one-shot. An
    /// `expired-session` one-shot waits for a call that has a session to expire.
    fn take_faults(&self, has_sid: bool) -> Vec<Fault> {
        let mut f = lock(&self.faults);
        let mut out = f.persistent.clone();
        let next_applies = match f.once.front() {
            Some(Fault::ExpiredSession) => has_sid,
            Some(_) => true,
            None => false,
        };
        if next_applies && let Some(one) = f.once.pop_front() {
            out.push(one);
        }
        out
    }
}

/// Returned by the service to make hyper drop the connection without an answer.
#[derive(Debug)]
pub(crate) struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose (lose-response fault)")
    }
}

impl std::error::Error for DropConnection {}

type Resp = Response<Full<Bytes>>;

fn plain(status: StatusCode, content_type: &'static str, body: &str) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A gzip-compressed JSON answer; `truncate` cuts the JSON in half (malformed-json fault).
fn json_response(v: &Value, truncate: bool) -> Resp {
    let mut body = serde_json::to_vec(v).unwrap_or_else(|_| b"{}".to_vec());
    if truncate {
        body.truncate(body.len() / 2);
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let gz = enc.write_all(&body).and_then(|_| enc.finish());
    let mut r = match gz {
        Ok(gz) => {
            let mut r = Response::new(Full::new(Bytes::from(gz)));
            r.headers_mut()
                .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            r
        }
        Err(_) => Response::new(Full::new(Bytes::from(body))),
    };
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

fn envelope_error(now: DateTime<FixedOffset>, code: u32) -> Resp {
    json_response(
        &protocol::envelope_error_json(&protocol::format_time(now), code, &[]),
        false,
    )
}

/// Answers one HTTP request; counts it when it arrives and when it is done.
pub(crate) async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Resp, DropConnection> {
    shared.http_calls.fetch_add(1, Ordering::Relaxed);
    let out = answer(shared.clone(), req).await;
    shared.answered_calls.fetch_add(1, Ordering::Relaxed);
    out
}

async fn answer(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Resp, DropConnection> {
    if req.uri().path() == "/captcha" {
        // "Solving" the captcha in the simulator: opening the page clears the fault.
        lock(&shared.faults)
            .persistent
            .retain(|f| *f != Fault::Captcha);
        return Ok(plain(
            StatusCode::OK,
            "text/html; charset=utf-8",
            "<html><body><h1>Проверка пройдена</h1><p>Симулятор ЭБС: вернитесь в Kafedra и повторите операцию.</p></body></html>",
        ));
    }
    if req.uri().path() != protocol::ENDPOINT_PATH {
        return Ok(plain(
            StatusCode::NOT_FOUND,
            "text/plain; charset=utf-8",
            "not found",
        ));
    }
    if req.method() != Method::POST {
        return Ok(plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain; charset=utf-8",
            "POST only",
        ));
    }
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(c) => c.to_bytes(),
        Err(_) => return Ok(envelope_error(shared.now(false), codes::REQUEST_TOO_LARGE)),
    };
    let Some(jdata) = protocol::jdata_from_form(&body) else {
        return Ok(envelope_error(shared.now(false), codes::MALFORMED_REQUEST));
    };
    if jdata.len() > protocol::MAX_REQUEST_JSON {
        return Ok(envelope_error(shared.now(false), codes::REQUEST_TOO_LARGE));
    }
    let env: Envelope = match serde_json::from_str(&jdata) {
        Ok(e) => e,
        Err(_) => return Ok(envelope_error(shared.now(false), codes::MALFORMED_REQUEST)),
    };
    let faults = shared.take_faults(env.sid.is_some());
    let has = |f: &Fault| faults.contains(f);
    if has(&Fault::Http500) {
        return Ok(plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/html; charset=utf-8",
            "<html><body><h1>500 Internal Server Error</h1></body></html>",
        ));
    }
    if has(&Fault::Html) {
        return Ok(plain(
            StatusCode::OK,
            "text/html; charset=utf-8",
            "<html><body>Для доступа в интернет войдите в сеть</body></html>",
        ));
    }
    let now = shared.now(has(&Fault::ClockSkew));
    let time = protocol::format_time(now);
    if has(&Fault::Captcha) {
        let id: u64 = rand::random();
        let url = format!("https://{}/captcha?id={id:x}", shared.addr);
        return Ok(json_response(
            &protocol::envelope_error_json(
                &time,
                codes::CAPTCHA,
                &[("captcha_url", Value::String(url))],
            ),
            false,
        ));
    }

    // Envelope checks: application, signature, time window, pace, session.
    if env.app != shared.app_id {
        return Ok(envelope_error(now, codes::UNKNOWN_APP));
    }
    if !protocol::signature_matches(&protocol::sign(&env.time, &shared.secret), &env.sha) {
        return Ok(envelope_error(now, codes::BAD_SIGNATURE));
    }
    match protocol::parse_time(&env.time) {
        Some(t) if (t - now).num_seconds().abs() <= protocol::TIME_WINDOW_MINUTES * 60 => {}
        Some(_) => return Ok(envelope_error(now, codes::TIME_OUT_OF_WINDOW)),
        None => return Ok(envelope_error(now, codes::MALFORMED_REQUEST)),
    }
    if let Some(min) = shared.min_interval {
        let mut last = lock(&shared.last_call);
        let at = Instant::now();
        let too_soon = last.is_some_and(|l| at.duration_since(l) < min);
        *last = Some(at);
        if too_soon {
            return Ok(envelope_error(now, codes::RATE_LIMITED));
        }
    }

    let answer = {
        let mut st = lock(&shared.state);
        if let Some(sid) = env.sid.as_deref() {
            if has(&Fault::ExpiredSession) {
                st.expire_session(sid);
            }
            if !st.check_session(sid, now) {
                drop(st);
                return Ok(envelope_error(now, codes::INVALID_SESSION));
            }
        }
        st.settle(now);
        run_batch(&mut st, &env, now)
    };
    let mut out = Map::new();
    out.insert("success".into(), Value::Bool(true));
    out.insert("time".into(), Value::String(time));
    for (id, v) in answer {
        out.insert(id, v);
    }
    let out = Value::Object(out);

    // Faults that strike after the batch has run (writes stay applied).
    if has(&Fault::LoseResponse) {
        tracing::info!("simulator: dropping the connection without an answer");
        return Err(DropConnection);
    }
    if let Some(d) = faults.iter().find_map(|f| match f {
        Fault::Delay(d) => Some(*d),
        _ => None,
    }) {
        tokio::time::sleep(d).await;
    }
    Ok(json_response(&out, has(&Fault::MalformedJson)))
}

/// Runs the calls in order. A failed `w_` call aborts every later call of the batch (they
/// answer ABORTED_BY_FAILED_WRITE without running); earlier calls stay applied.
fn run_batch(st: &mut State, env: &Envelope, now: DateTime<FixedOffset>) -> Vec<(String, Value)> {
    let mut aborted = false;
    let mut out = Vec::with_capacity(env.requests.len());
    for call in &env.requests {
        let result = if aborted {
            Err(codes::ABORTED_BY_FAILED_WRITE)
        } else if env.sid.is_none() && call.func != func::CREATE_SID {
            Err(codes::SESSION_REQUIRED)
        } else {
            st.exec(&call.func, &call.param, now)
        };
        let v = match result {
            Ok(mut v) => {
                if let Value::Object(m) = &mut v {
                    m.insert("success".into(), Value::Bool(true));
                }
                v
            }
            Err(code) => {
                if call.is_write() {
                    aborted = true;
                }
                protocol::call_error_json(code)
            }
        };
        out.push((call.id.clone(), v));
    }
    out
}

/// Accepts connections until `shutdown` turns true; then aborts all connection tasks.
pub(crate) async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conns: JoinSet<()> = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                match accepted {
                    Ok((tcp, peer)) => {
                        let acceptor = acceptor.clone();
                        let shared = shared.clone();
                        conns.spawn(connection(tcp, peer, acceptor, shared));
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "simulator: accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.abort_all();
    while conns.join_next().await.is_some() {}
}

async fn connection(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    shared: Arc<Shared>,
) {
    let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            tracing::debug!(%peer, error = %e, "simulator: TLS handshake failed");
            return;
        }
        Err(_) => return,
    };
    let service = service_fn(move |req| {
        let shared = shared.clone();
        async move { handle(shared, req).await }
    });
    if let Err(e) = http1::Builder::new()
        .serve_connection(TokioIo::new(tls), service)
        .await
    {
        tracing::debug!(%peer, error = %e, "simulator: connection ended");
    }
}
