//! The simulator's HTTPS endpoint: TLS (tokio-rustls) + HTTP/1.1 (hyper), envelope checks,
//! batch execution with abort-after-failed-write, gzip answers, and fault injection.

use std::collections::VecDeque;
use std::future::Future as _;
use std::io::Write as _;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::{DateTime, Duration as ChronoDuration, FixedOffset, Utc};
use http_body_util::{BodyExt, Limited};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
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
/// Padding of the `oversized` fault's answer.
const OVERSIZED_PADDING: usize = 2 * 1024 * 1024;
/// Pace of the `slow-answer` fault: one byte each.
const SLOW_BYTE_EVERY: Duration = Duration::from_millis(100);
/// Longest page the `endless-*` faults fill.
const ENDLESS_PAGE_MAX: usize = 50_000;

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
    /// While true, batches with a write wait before running.
    pub hold_writes: watch::Sender<bool>,
    /// Batches waiting because of `hold_writes`.
    pub held_writes: AtomicU64,
    /// The `endless-requests` fault's ever-new cursors.
    pub endless_cursor: AtomicU64,
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

/// Marks an answer whose TLS records are to be corrupted on the way out (`broken-tls`).
#[derive(Debug, Clone, Copy)]
struct BreakTls;

/// The body of an answer: whole, or misbehaving on purpose.
pub(crate) enum SimBody {
    /// The whole answer, with its `Content-Length`.
    Whole(Option<Bytes>),
    /// Announces the whole length, sends the first half, then fails: hyper drops the
    /// connection (no TLS `close_notify`). `paused`: hyper has had a chance to flush.
    Cut {
        first: Option<Bytes>,
        total: u64,
        paused: bool,
    },
    /// Without a length (chunked), in pieces.
    Chunked(VecDeque<Bytes>),
    /// One byte every [`SLOW_BYTE_EVERY`], with its `Content-Length`.
    Slow {
        data: Bytes,
        at: usize,
        tick: Option<Pin<Box<tokio::time::Sleep>>>,
    },
}

/// The error that makes hyper cut an answer.
#[derive(Debug)]
pub(crate) struct CutOnPurpose;

impl std::fmt::Display for CutOnPurpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("answer cut on purpose (cut-answer fault)")
    }
}

impl std::error::Error for CutOnPurpose {}

impl Body for SimBody {
    type Data = Bytes;
    type Error = CutOnPurpose;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, CutOnPurpose>>> {
        match self.get_mut() {
            SimBody::Whole(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            SimBody::Cut { first, paused, .. } => {
                if let Some(d) = first.take() {
                    return Poll::Ready(Some(Ok(Frame::data(d))));
                }
                if !*paused {
                    // Pending once, so that hyper flushes the headers and the first half
                    // before it learns the body failed.
                    *paused = true;
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                Poll::Ready(Some(Err(CutOnPurpose)))
            }
            SimBody::Chunked(pieces) => Poll::Ready(pieces.pop_front().map(|d| Ok(Frame::data(d)))),
            SimBody::Slow { data, at, tick } => {
                if *at >= data.len() {
                    return Poll::Ready(None);
                }
                let sleep =
                    tick.get_or_insert_with(|| Box::pin(tokio::time::sleep(SLOW_BYTE_EVERY)));
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                *tick = None;
                let byte = data.slice(*at..*at + 1);
                *at += 1;
                Poll::Ready(Some(Ok(Frame::data(byte))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            SimBody::Whole(data) => data.is_none(),
            SimBody::Chunked(pieces) => pieces.is_empty(),
            SimBody::Cut { .. } => false,
            SimBody::Slow { data, at, .. } => *at >= data.len(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            SimBody::Whole(data) => {
                SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64))
            }
            SimBody::Cut { total, .. } => SizeHint::with_exact(*total),
            SimBody::Chunked(_) => SizeHint::default(),
            SimBody::Slow { data, at, .. } => SizeHint::with_exact((data.len() - at) as u64),
        }
    }
}

type Resp = Response<SimBody>;

fn whole(body: impl Into<Bytes>) -> SimBody {
    SimBody::Whole(Some(body.into()))
}

fn plain(status: StatusCode, content_type: &'static str, body: &str) -> Resp {
    let mut r = Response::new(whole(body.to_string()));
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
            let mut r = Response::new(whole(gz));
            r.headers_mut()
                .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            r
        }
        Err(_) => Response::new(whole(body)),
    };
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

/// The answer of a batch as the faults in force make it.
fn batch_response(out: Value, faults: &[Fault]) -> Resp {
    let has = |f: &Fault| faults.contains(f);
    if has(&Fault::Oversized) {
        let mut out = out;
        if let Value::Object(m) = &mut out {
            m.insert(
                "padding".into(),
                Value::String(" ".repeat(OVERSIZED_PADDING)),
            );
        }
        let body = serde_json::to_vec(&out).unwrap_or_default();
        let pieces = body.chunks(64 * 1024).map(Bytes::copy_from_slice).collect();
        let mut r = Response::new(SimBody::Chunked(pieces));
        r.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        return r;
    }
    let mut r = json_response(&out, has(&Fault::MalformedJson));
    let (parts, body) = r.into_parts();
    let SimBody::Whole(Some(data)) = body else {
        return Response::from_parts(parts, body);
    };
    let body = if has(&Fault::CutAnswer) {
        SimBody::Cut {
            total: data.len() as u64,
            first: Some(data.slice(..data.len() / 2)),
            paused: false,
        }
    } else if has(&Fault::SlowAnswer) {
        SimBody::Slow {
            data,
            at: 0,
            tick: None,
        }
    } else {
        SimBody::Whole(Some(data))
    };
    r = Response::from_parts(parts, body);
    if has(&Fault::BrokenTls) {
        r.extensions_mut().insert(BreakTls);
    }
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

    if env
        .requests
        .iter()
        .any(|c| c.is_write() && c.func != func::CREATE_SID)
    {
        hold_while_asked(&shared).await;
    }
    let endless = endless_lists(&faults);
    let env = ask_first_page(env, &endless);
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
    let with_success = !has(&Fault::NoSuccess);
    let mut out = Map::new();
    if with_success {
        out.insert("success".into(), Value::Bool(true));
    }
    out.insert("time".into(), Value::String(time));
    for (id, mut v) in answer {
        if let Some(call) = env.requests.iter().find(|c| c.id == id) {
            fill_endless_page(&shared, call, &endless, &mut v);
        }
        if !with_success && let Value::Object(m) = &mut v {
            m.remove("success");
        }
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
    Ok(batch_response(out, &faults))
}

/// Waits while the handle holds writes ([`super::SimHandle::hold_writes`]).
async fn hold_while_asked(shared: &Shared) {
    let mut hold = shared.hold_writes.subscribe();
    if !*hold.borrow_and_update() {
        return;
    }
    shared.held_writes.fetch_add(1, Ordering::SeqCst);
    // The sender lives in `shared`, so this only ends when the hold is lifted.
    let _ = hold.wait_for(|held| !*held).await;
    shared.held_writes.fetch_sub(1, Ordering::SeqCst);
}

/// The list functions the `endless-*` faults in force make endless.
fn endless_lists(faults: &[Fault]) -> Vec<&'static str> {
    faults
        .iter()
        .filter_map(|f| match f {
            Fault::EndlessRequests => Some(func::REQUEST_LIST),
            Fault::EndlessFund => Some(func::FUND_LIST),
            Fault::EndlessReaders => Some(func::READER_LIST),
            _ => None,
        })
        .collect()
}

/// An endless list answers every page with the first one: its calls are run as if they
/// asked for the first page (from the start, for requests).
fn ask_first_page(mut env: Envelope, endless: &[&str]) -> Envelope {
    for call in env
        .requests
        .iter_mut()
        .filter(|c| endless.contains(&c.func.as_str()))
    {
        if let Value::Object(p) = &mut call.param {
            if let Some(Value::Array(limit)) = p.get_mut("limit")
                && limit.len() == 2
            {
                limit[0] = Value::from(0);
            }
            p.remove("since");
        }
    }
    env
}

/// Fills the answer of an endless list to a full page (repeating its items), drops its
/// `total`, and for requests says more follow after a new cursor.
fn fill_endless_page(shared: &Shared, call: &protocol::Call, endless: &[&str], v: &mut Value) {
    if !endless.contains(&call.func.as_str()) {
        return;
    }
    let field = match call.func.as_str() {
        func::REQUEST_LIST => "requests",
        func::FUND_LIST => "items",
        _ => "readers",
    };
    let want = call
        .param
        .get("limit")
        .and_then(|l| l.get(1))
        .and_then(Value::as_u64)
        .map_or(0, |m| {
            usize::try_from(m)
                .unwrap_or(usize::MAX)
                .min(ENDLESS_PAGE_MAX)
        });
    let Value::Object(m) = v else { return };
    if let Some(Value::Array(items)) = m.get_mut(field)
        && !items.is_empty()
    {
        let one_round = items.clone();
        *items = one_round.iter().cycle().take(want).cloned().collect();
    }
    m.remove("total");
    if call.func == func::REQUEST_LIST {
        let n = shared.endless_cursor.fetch_add(1, Ordering::Relaxed);
        m.insert("more".into(), Value::Bool(true));
        m.insert(
            "cursor".into(),
            Value::String((1_000_000_000 + n).to_string()),
        );
    }
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

async fn connection(tcp: TcpStream, peer: SocketAddr, acceptor: TlsAcceptor, shared: Arc<Shared>) {
    let breaking = Arc::new(AtomicBool::new(false));
    let tcp = Sabotage {
        tcp,
        breaking: breaking.clone(),
        written: 0,
        from: None,
    };
    let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            tracing::debug!(%peer, error = %e, "simulator: TLS handshake failed");
            return;
        }
        Err(_) => return,
    };
    let service = service_fn(move |req| {
        let (shared, breaking) = (shared.clone(), breaking.clone());
        async move {
            let resp = handle(shared, req).await?;
            if resp.extensions().get::<BreakTls>().is_some() {
                // Everything this connection sends from now on (the answer) is corrupted.
                breaking.store(true, Ordering::SeqCst);
            }
            Ok::<_, DropConnection>(resp)
        }
    });
    if let Err(e) = http1::Builder::new()
        .serve_connection(TokioIo::new(tls), service)
        .await
    {
        tracing::debug!(%peer, error = %e, "simulator: connection ended");
    }
}

/// The TCP stream under the simulator's TLS. Once `breaking` is set, every byte it sends
/// after the next record header is flipped: the records fail the client's integrity check
/// (a TLS error after a good handshake), as a broken middlebox or line would make them.
struct Sabotage {
    tcp: TcpStream,
    breaking: Arc<AtomicBool>,
    /// Bytes written so far.
    written: u64,
    /// Where the corruption starts.
    from: Option<u64>,
}

/// The header of a TLS record: left intact, so the client reads the record and fails on it.
const TLS_RECORD_HEADER: u64 = 5;

impl AsyncRead for Sabotage {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Sabotage {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        if this.from.is_none() && this.breaking.load(Ordering::SeqCst) {
            this.from = Some(this.written + TLS_RECORD_HEADER);
        }
        let sent = match this.from {
            None => Pin::new(&mut this.tcp).poll_write(cx, buf),
            Some(from) => {
                let mut broken = buf.to_vec();
                for (i, b) in broken.iter_mut().enumerate() {
                    if this.written + i as u64 >= from {
                        *b ^= 0x5a;
                    }
                }
                Pin::new(&mut this.tcp).poll_write(cx, &broken)
            }
        };
        if let Poll::Ready(Ok(n)) = sent {
            this.written += n as u64;
        }
        sent
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }
}
