//! The client against the simulator over real TLS on 127.0.0.1 (no mocks).

use std::collections::HashSet;
use std::time::Duration;

use chrono::{Months, NaiveDate, Utc};
use serde_json::json;

use super::api::{self, func};
use super::client::{self, Client, ClientConfig, ProviderError, WriteOutcome};
use super::protocol::{self, Call, Envelope, ResponseEnvelope, codes};
use super::{RefusalReason, RequestStatus};
use crate::sim::{self, Fault, Rules, SimConfig, SimHandle};

const TEST_INTERVAL: Duration = Duration::from_millis(5);

async fn start_sim(cfg: SimConfig) -> SimHandle {
    sim::start(cfg).await.expect("simulator starts")
}

fn client_for(sim: &SimHandle, tweak: impl FnOnce(&mut ClientConfig)) -> Client {
    let mut cfg = sim.client_config();
    cfg.min_interval = TEST_INTERVAL;
    cfg.timeout = Duration::from_secs(5);
    tweak(&mut cfg);
    Client::new(cfg).expect("client builds")
}

async fn setup() -> (SimHandle, Client) {
    let sim = start_sim(SimConfig {
        catalogue_size: 300,
        ..SimConfig::default()
    })
    .await;
    let client = client_for(&sim, |_| {});
    // Warm up: the session exists before any fault is injected.
    client.create_session().await.expect("session");
    (sim, client)
}

/// An adult reader with a pending request for a cheap book that has one free copy.
fn pending_request_with_copy(sim: &SimHandle) -> String {
    let reader = sim.add_reader(
        "Сидорова Анна Петровна",
        NaiveDate::from_ymd_opt(1980, 5, 17).expect("date"),
        Some("anna@example.org"),
        None,
    );
    let used: HashSet<u64> = sim.requests().iter().map(|r| r.art).collect();
    let book = sim
        .catalogue()
        .into_iter()
        .find(|b| {
            b.age_rating <= 16 && b.price <= api::Money::from_rub(600) && !used.contains(&b.art)
        })
        .expect("a suitable book");
    sim.stock(book.art, 1).expect("stock");
    sim.add_request(&reader.lib_card, book.art)
        .expect("request")
}

fn moscow_today() -> NaiveDate {
    Utc::now().with_timezone(&protocol::moscow()).date_naive()
}

/// Sends a hand-made envelope (any number of writes), bypassing the client's rules.
async fn post_raw(sim: &SimHandle, sid: &str, calls: Vec<Call>) -> ResponseEnvelope {
    let cfg = sim.config();
    let env = Envelope::signed(
        &cfg.app_id,
        &cfg.secret,
        Some(sid),
        Utc::now().with_timezone(&protocol::moscow()),
        calls,
    );
    let body = protocol::form_body(&protocol::envelope_json(&env).expect("json"));
    post_form(sim, body).await
}

/// Posts a form body and checks the answer is gzip-compressed JSON, as the protocol says.
async fn post_form(sim: &SimHandle, body: String) -> ResponseEnvelope {
    use std::io::Read as _;
    let ca = reqwest::Certificate::from_pem(sim.ca_pem.as_bytes()).expect("ca");
    // No automatic decompression: the test checks the gzip itself.
    let http = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(ca)
        .gzip(false)
        .build()
        .expect("http");
    let resp = http
        .post(format!("{}{}", sim.base_url(), protocol::ENDPOINT_PATH))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        resp.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(resp.headers()["content-encoding"], "gzip");
    let gz = resp.bytes().await.expect("body");
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut json)
        .expect("gzip");
    ResponseEnvelope::parse(&json).expect("json answer")
}

// ------------------------------------------------------------------------------- faults

#[tokio::test]
async fn fault_delay_read_times_out_and_write_is_outcome_unknown() {
    let sim = start_sim(SimConfig {
        catalogue_size: 300,
        ..SimConfig::default()
    })
    .await;
    let client = client_for(&sim, |c| c.timeout = Duration::from_millis(700));
    client.create_session().await.expect("session");

    sim.inject(Fault::Delay(Duration::from_millis(2000)));
    let e = client.library_info().await.unwrap_err();
    assert!(matches!(e, ProviderError::Timeout { .. }), "{e:?}");
    assert!(e.is_offline());
    assert_eq!(
        e.user_message(),
        "ЭБС не ответила за 1 с. Возможно, нет связи или сервер перегружен. Повторите позже."
    );
    // The next call is fine.
    client.library_info().await.expect("works again");

    // A write whose answer is late: the server applied it, the client cannot know.
    let id = pending_request_with_copy(&sim);
    sim.inject(Fault::Delay(Duration::from_millis(2000)));
    let e = client.request_issue(&id).await.unwrap_err();
    assert_eq!(e.write_outcome(), WriteOutcome::Unknown, "{e:?}");
    assert!(
        e.user_message()
            .contains("неизвестно, выполнена ли операция"),
        "{}",
        e.user_message()
    );
    // Re-read instead of retrying: issued exactly once.
    let page = client
        .requests_list(None, [0, 1000])
        .await
        .expect("re-read");
    let r = page.requests.iter().find(|r| r.id == id).expect("request");
    assert_eq!(r.status, RequestStatus::Issued);
    assert_eq!(sim.applied_writes(&id), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn fault_http500() {
    let (sim, client) = setup().await;
    sim.inject(Fault::Http500);
    let e = client.library_info().await.unwrap_err();
    assert!(matches!(e, ProviderError::Server(_)), "{e:?}");
    assert!(!e.is_offline());
    assert_eq!(
        e.user_message(),
        "Сервер ЭБС ответил с ошибкой (код HTTP 500). Повторите позже; если ошибка повторяется, \
         сообщите администратору."
    );

    // For a write a 5xx leaves the outcome unknown; here the sim ran nothing.
    let id = pending_request_with_copy(&sim);
    sim.inject(Fault::Http500);
    let e = client.request_issue(&id).await.unwrap_err();
    assert_eq!(e.write_outcome(), WriteOutcome::Unknown, "{e:?}");
    assert!(e.user_message().contains("код HTTP 500"));
    let page = client
        .requests_list(None, [0, 1000])
        .await
        .expect("re-read");
    assert_eq!(
        page.requests.iter().find(|r| r.id == id).map(|r| r.status),
        Some(RequestStatus::Pending)
    );
    // Re-read says "not applied": now it is safe to send it again.
    client.request_issue(&id).await.expect("issued");
    assert_eq!(sim.applied_writes(&id), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn fault_malformed_json() {
    let (sim, client) = setup().await;
    sim.inject(Fault::MalformedJson);
    let e = client.library_info().await.unwrap_err();
    assert!(matches!(e, ProviderError::Server(_)), "{e:?}");
    assert_eq!(
        e.user_message(),
        "Сервер ЭБС ответил с ошибкой (ответ повреждён: это не JSON). Повторите позже; если \
         ошибка повторяется, сообщите администратору."
    );

    let id = pending_request_with_copy(&sim);
    sim.inject(Fault::MalformedJson);
    let e = client.request_issue(&id).await.unwrap_err();
    assert_eq!(e.write_outcome(), WriteOutcome::Unknown, "{e:?}");
    let page = client
        .requests_list(None, [0, 1000])
        .await
        .expect("re-read");
    assert_eq!(
        page.requests.iter().find(|r| r.id == id).map(|r| r.status),
        Some(RequestStatus::Issued)
    );
    assert_eq!(sim.applied_writes(&id), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn fault_html_page_is_not_json() {
    let (sim, client) = setup().await;
    sim.inject(Fault::Html);
    let e = client.library_info().await.unwrap_err();
    assert!(matches!(e, ProviderError::Server(_)), "{e:?}");
    assert!(
        e.user_message()
            .contains("ответ не в формате JSON: text/html"),
        "{}",
        e.user_message()
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn fault_expired_session_is_recreated_transparently() {
    let (sim, client) = setup().await;
    let before = sim.http_calls();
    sim.inject(Fault::ExpiredSession);
    let info = client
        .library_info()
        .await
        .expect("read succeeds after re-login");
    assert_eq!(info.libhouse, sim.config().libhouse);
    // rejected call + w_create_sid + repeated call
    assert_eq!(sim.http_calls() - before, 3);

    // A whole-request 101000 means nothing ran, so even a write is repeated safely.
    let id = pending_request_with_copy(&sim);
    sim.inject(Fault::ExpiredSession);
    client
        .request_issue(&id)
        .await
        .expect("write succeeds after re-login");
    assert_eq!(sim.applied_writes(&id), 1);

    // A session that stays invalid ends in a Session error with a Russian message.
    sim.set_faults(vec![Fault::ExpiredSession]);
    let e = client.library_info().await.unwrap_err();
    assert!(matches!(e, ProviderError::Session(_)), "{e:?}");
    assert_eq!(
        e.user_message(),
        "Не удалось начать сеанс работы с ЭБС: ЭБС не принимает только что созданный сеанс"
    );
    sim.set_faults(vec![]);
    client.library_info().await.expect("recovers");
    sim.shutdown().await;
}

#[tokio::test]
async fn fault_captcha_carries_the_url_with_sid_and_app() {
    let (sim, client) = setup().await;
    sim.set_faults(vec![Fault::Captcha]);
    let e = client.library_info().await.unwrap_err();
    let ProviderError::Captcha { url } = &e else {
        panic!("{e:?}")
    };
    assert!(
        url.starts_with(&format!("{}/captcha?id=", sim.base_url())),
        "{url}"
    );
    assert!(
        url.contains("&sid=") && url.ends_with("&app=kafedra-sim"),
        "{url}"
    );
    assert_eq!(
        e.user_message(),
        "ЭБС просит подтвердить, что запросы делает человек: откройте ссылку в браузере, \
         введите символы с картинки и повторите операцию."
    );
    assert_eq!(e.write_outcome(), WriteOutcome::Rejected);
    assert!(
        !format!("{e}").contains("sid="),
        "Display must not leak the sid"
    );
    // The librarian opens the link (the simulator accepts any visit) and retries.
    let ca = reqwest::Certificate::from_pem(sim.ca_pem.as_bytes()).expect("ca");
    let http = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(ca)
        .build()
        .expect("http");
    let page = http
        .get(url)
        .send()
        .await
        .expect("captcha page")
        .text()
        .await
        .expect("text");
    assert!(page.contains("Проверка пройдена"));
    client
        .library_info()
        .await
        .expect("works after the captcha");
    sim.shutdown().await;
}

#[tokio::test]
async fn fault_clock_skew() {
    let (sim, client) = setup().await;
    sim.inject(Fault::ClockSkew);
    let e = client.library_info().await.unwrap_err();
    assert!(matches!(e, ProviderError::ClockSkew { .. }), "{e:?}");
    assert_eq!(
        e.user_message(),
        "Часы этого компьютера расходятся со временем ЭБС больше чем на 10 минут (на 15 мин.). \
         Исправьте дату, время и часовой пояс компьютера и повторите."
    );
    assert_eq!(e.write_outcome(), WriteOutcome::Rejected);
    client.library_info().await.expect("fine without skew");
    sim.shutdown().await;
}

#[tokio::test]
async fn fault_lose_response_write_is_outcome_unknown_and_applied_once() {
    let (sim, client) = setup().await;
    let id = pending_request_with_copy(&sim);
    sim.inject(Fault::LoseResponse);
    let e = client.request_issue(&id).await.unwrap_err();
    assert!(matches!(e, ProviderError::OutcomeUnknown(_)), "{e:?}");
    assert_eq!(e.write_outcome(), WriteOutcome::Unknown);
    assert_eq!(
        e.user_message(),
        "Ответ ЭБС не получен (соединение прервано), поэтому неизвестно, выполнена ли операция. \
         Не повторяйте её сразу: сначала обновите данные из ЭБС."
    );
    // The sync layer re-reads: the request is issued, exactly once.
    let (all, _) = client.pull_all_requests(None).await.expect("re-read");
    let r = all.iter().find(|r| r.id == id).expect("request");
    assert_eq!(r.status, RequestStatus::Issued);
    assert!(r.loan.as_ref().and_then(|l| l.due).is_some());
    let snap = sim.state();
    assert_eq!(snap.applied_writes.get(&id), Some(&1));
    assert_eq!(snap.loans.iter().filter(|l| l.request_id == id).count(), 1);
    // Sending it again would be refused, not applied twice.
    let e = client.request_issue(&id).await.unwrap_err();
    assert_eq!(e.code(), Some(codes::REQUEST_NOT_PENDING));
    assert_eq!(sim.applied_writes(&id), 1);

    // A lost answer to a read: the link broke during the exchange (not "nothing was
    // received", and not the certificate).
    sim.inject(Fault::LoseResponse);
    let e = client.library_info().await.unwrap_err();
    assert!(matches!(e, ProviderError::Interrupted(_)), "{e:?}");
    assert!(e.is_offline(), "{e:?}");
    assert_eq!(
        e.user_message(),
        "Связь с ЭБС прервалась во время обмена данными. Повторите позже."
    );
    sim.shutdown().await;
}

/// A TLS error while the answer is read (the handshake went well, the request left): a
/// write is in doubt, not "not sent", and a read is an interrupted exchange, not a
/// certificate problem.
#[tokio::test]
async fn fault_broken_tls_after_the_handshake_leaves_a_write_in_doubt() {
    let (sim, client) = setup().await;
    sim.inject(Fault::BrokenTls);
    let e = client.library_info().await.unwrap_err();
    assert!(matches!(e, ProviderError::Interrupted(_)), "{e:?}");
    assert!(
        !e.user_message().contains("сертификат"),
        "{}",
        e.user_message()
    );
    assert!(e.is_offline());

    let id = pending_request_with_copy(&sim);
    sim.inject(Fault::BrokenTls);
    let e = client.request_issue(&id).await.unwrap_err();
    assert_eq!(e.write_outcome(), WriteOutcome::Unknown, "{e:?}");
    assert_eq!(
        e.user_message(),
        "Ответ ЭБС не получен (защищённое соединение прервалось во время ответа), поэтому \
         неизвестно, выполнена ли операция. Не повторяйте её сразу: сначала обновите данные из \
         ЭБС."
    );
    assert_eq!(sim.applied_writes(&id), 1, "the provider did apply it");
    // The connection is replaced; the next call works.
    client.library_info().await.expect("works again");
    sim.shutdown().await;
}

/// Headers and half the answer, then the connection closed without `close_notify`.
#[tokio::test]
async fn fault_cut_answer_leaves_a_write_in_doubt() {
    let (sim, client) = setup().await;
    let id = pending_request_with_copy(&sim);
    sim.inject(Fault::CutAnswer);
    let e = client.request_issue(&id).await.unwrap_err();
    assert!(matches!(e, ProviderError::OutcomeUnknown(_)), "{e:?}");
    assert_eq!(sim.applied_writes(&id), 1);

    sim.inject(Fault::CutAnswer);
    let e = client.library_info().await.unwrap_err();
    assert!(matches!(e, ProviderError::Interrupted(_)), "{e:?}");
    client.library_info().await.expect("works again");
    sim.shutdown().await;
}

/// A `200` JSON answer without `success` cannot be told from a refusal or a result: a
/// write stays in doubt (the provider did apply it here), a read is a server error.
#[tokio::test]
async fn fault_no_success_is_neither_a_result_nor_a_refusal() {
    let (sim, client) = setup().await;
    let id = pending_request_with_copy(&sim);
    sim.inject(Fault::NoSuccess);
    let e = client.request_issue(&id).await.unwrap_err();
    assert_eq!(e.write_outcome(), WriteOutcome::Unknown, "{e:?}");
    assert_eq!(e.code(), None, "not a refusal with a code");
    assert_eq!(sim.applied_writes(&id), 1);

    sim.inject(Fault::NoSuccess);
    let e = client.library_info().await.unwrap_err();
    assert_eq!(
        e,
        ProviderError::Server("ответ ЭБС не удалось понять: в нём нет признака успеха".into())
    );
    sim.shutdown().await;
}

/// An answer past the 1 MiB of the protocol (plus margin) is refused while it is read,
/// even without a `Content-Length`.
#[tokio::test]
async fn fault_oversized_answer_is_refused_while_reading() {
    let (sim, client) = setup().await;
    sim.inject(Fault::Oversized);
    let e = client.library_info().await.unwrap_err();
    assert_eq!(e, ProviderError::Server("ответ больше 1280 КиБ".into()));

    let id = pending_request_with_copy(&sim);
    sim.inject(Fault::Oversized);
    let e = client.request_issue(&id).await.unwrap_err();
    assert_eq!(
        e,
        ProviderError::OutcomeUnknown("ответ больше 1280 КиБ".into())
    );
    assert_eq!(sim.applied_writes(&id), 1);
    client.library_info().await.expect("works again");
    sim.shutdown().await;
}

/// An answer that trickles in (each read quick) still ends at the exchange's deadline.
#[tokio::test]
async fn fault_slow_answer_ends_at_the_deadline() {
    let (sim, _) = setup().await;
    let client = client_for(&sim, |c| c.timeout = Duration::from_secs(1));
    client.create_session().await.expect("session");
    sim.inject(Fault::SlowAnswer);
    let e = client.library_info().await.unwrap_err();
    assert_eq!(e, ProviderError::Timeout { secs: 1 });
    let id = pending_request_with_copy(&sim);
    sim.inject(Fault::SlowAnswer);
    let e = client.request_issue(&id).await.unwrap_err();
    assert_eq!(e.write_outcome(), WriteOutcome::Unknown, "{e:?}");
    sim.shutdown().await;
}

/// A provider that always returns a full page of the same requests (with a new cursor each
/// time) ends the pull with a message instead of paging forever.
#[tokio::test]
async fn endless_request_pages_end_with_a_message() {
    let (sim, client) = setup().await;
    pending_request_with_copy(&sim);
    sim.set_faults(vec![Fault::EndlessRequests]);
    // Generous: the pull ends after its second page; the old code never ended.
    let pulled = tokio::time::timeout(Duration::from_secs(60), client.pull_all_requests(None))
        .await
        .expect("the pull ends");
    let e = pulled.unwrap_err();
    assert_eq!(
        e,
        ProviderError::Paging {
            list: super::Listing::Requests,
            stop: super::PagingStop::NoProgress
        }
    );
    assert_eq!(
        e.user_message(),
        "Список запросов читателей из ЭБС получен не полностью: ЭБС присылает одни и те же \
         записи и не переходит к следующим. Загрузка остановлена, полученное не сохранено. Если \
         это повторяется, сообщите администратору."
    );
    sim.set_faults(Vec::new());
    let (all, _) = client.pull_all_requests(None).await.expect("pull");
    assert_eq!(all.len(), 1);
    sim.shutdown().await;
}

/// The caps of a pull (pages, items, time) end it with a message, whatever the provider.
#[tokio::test]
async fn a_pull_stops_at_its_page_item_and_time_caps() {
    let (sim, _) = setup().await;
    sim.add_random_requests(10);
    let capped = |limits: super::PullLimits| {
        let client = client_for(&sim, |c| c.pull_limits = limits);
        // A page of 3 requests first (as if each took a third of the 1 MiB).
        client.set_request_item_bytes(protocol::MAX_RESPONSE_BYTES as u64 / 3);
        client
    };
    let default = super::PullLimits::default();
    let stop = |limits| async move {
        match capped(limits).pull_all_requests(None).await {
            Err(ProviderError::Paging { stop, .. }) => stop,
            other => panic!("{other:?}"),
        }
    };
    let pages = super::PullLimits {
        max_pages: 1,
        ..default
    };
    assert_eq!(stop(pages).await, super::PagingStop::TooManyPages(1));
    let items = super::PullLimits {
        max_items: 2,
        ..default
    };
    assert_eq!(stop(items).await, super::PagingStop::TooManyItems(2));
    let time = super::PullLimits {
        max_time: Duration::ZERO,
        ..default
    };
    let e = capped(time).pull_all_requests(None).await.unwrap_err();
    assert_eq!(
        e.user_message(),
        "Список запросов читателей из ЭБС получен не полностью: ЭБС не передала его за 0 мин. \
         Загрузка остановлена, полученное не сохранено. Если это повторяется, сообщите \
         администратору."
    );
    // Within the caps the same pull completes in several pages.
    let (all, stats) = capped(default).pull_all_requests(None).await.expect("pull");
    assert_eq!(all.len(), 10);
    assert!(stats.calls > 1, "{stats:?}");
    sim.shutdown().await;
}

// ------------------------------------------------------------------------------- TLS, network

#[tokio::test]
async fn untrusted_server_certificate_is_refused() {
    let sim = start_sim(SimConfig {
        catalogue_size: 10,
        ..SimConfig::default()
    })
    .await;
    let other = start_sim(SimConfig {
        catalogue_size: 10,
        ..SimConfig::default()
    })
    .await;
    let before = sim.session_count();
    // No extra CA at all.
    let client = client_for(&sim, |c| c.extra_ca_pem = None);
    let e = client.library_info().await.unwrap_err();
    assert!(matches!(e, ProviderError::Tls(_)), "{e:?}");
    assert!(!e.is_offline());
    assert_eq!(e.write_outcome(), WriteOutcome::NotSent);
    assert_eq!(
        e.user_message(),
        "Не удалось установить защищённое соединение с ЭБС: сертификат сервера не признан \
         доверенным. Проверьте адрес ЭБС и настройку «Дополнительный корневой сертификат (CA)» \
         в параметрах подключения."
    );
    // Trusting some other CA does not help either.
    let client = client_for(&sim, |c| {
        c.extra_ca_pem = Some(other.ca_pem.as_bytes().to_vec())
    });
    let e = client.library_info().await.unwrap_err();
    assert!(matches!(e, ProviderError::Tls(_)), "{e:?}");
    assert_eq!(sim.session_count(), before, "nothing reached the server");
    // With the right CA it works.
    client_for(&sim, |_| {})
        .library_info()
        .await
        .expect("trusted");
    sim.shutdown().await;
    other.shutdown().await;
}

#[tokio::test]
async fn offline_is_a_network_error() {
    // Bind and close a port so nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut cfg = ClientConfig::new(format!("https://127.0.0.1:{port}"), "a", "s", "l", "p", 1);
    cfg.min_interval = TEST_INTERVAL;
    let e = Client::new(cfg)
        .expect("client")
        .library_info()
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Network(_)), "{e:?}");
    assert!(e.is_offline());
    assert_eq!(e.write_outcome(), WriteOutcome::NotSent);
    assert_eq!(
        e.user_message(),
        "Нет связи с ЭБС. Проверьте подключение к интернету; ЭБС ничего не получила, \
         действие можно повторить."
    );
}

// ------------------------------------------------------------------------------- protocol rules

#[tokio::test]
async fn failed_write_aborts_the_rest_of_its_batch_without_rollback() {
    let (sim, client) = setup().await;
    let sid = client.create_session().await.expect("session").sid;
    let readers_before = sim.readers().len();
    let lib = sim.config().libhouse;
    let new_reader = |name: &str| json!({"libhouse": lib, "name": name, "birth_date": "1990-01-01", "mail": "x@example.org"});
    let answer = post_raw(
        &sim,
        &sid,
        vec![
            Call::new(func::LIBRARY_INFO, "info", json!({"libhouse": lib})),
            Call::new(
                func::READER_CREATE,
                "created",
                new_reader("Первый Читатель"),
            ),
            Call::new(
                func::REQUEST_ISSUE,
                "bad",
                json!({"request_id": "no-such-request"}),
            ),
            Call::new(func::READER_LIST, "list", json!({"libhouses": [lib]})),
            Call::new(func::READER_CREATE, "never", new_reader("Второй Читатель")),
        ],
    )
    .await;
    assert_eq!(answer.success, Some(true));
    assert_eq!(answer.result("info").expect("info").success, Some(true));
    let created = answer.result("created").expect("created");
    assert_eq!(
        created.success,
        Some(true),
        "the write before the failure ran"
    );
    let bad = answer.result("bad").expect("bad");
    assert_eq!(bad.error_code, Some(codes::REQUEST_NOT_FOUND));
    for id in ["list", "never"] {
        let r = answer.result(id).expect(id);
        assert_eq!(r.success, Some(false));
        assert_eq!(r.error_code, Some(codes::ABORTED_BY_FAILED_WRITE), "{id}");
    }
    // No rollback of the earlier write, and the aborted write did not run.
    let readers = sim.readers();
    assert_eq!(readers.len(), readers_before + 1);
    assert_eq!(
        readers.last().map(|r| r.name.as_str()),
        Some("Первый Читатель")
    );

    // Through the client: a failing write followed by a read in one raw batch.
    let batch = client
        .raw_batch(vec![
            Call::new(func::REQUEST_ISSUE, "w", json!({"request_id": "nope"})),
            Call::new(func::LIBRARY_INFO, "r", json!({"libhouse": lib})),
        ])
        .await
        .expect("answered");
    let e = batch.answers[1].result.clone().unwrap_err();
    assert_eq!(e.code(), Some(codes::ABORTED_BY_FAILED_WRITE));
    assert_eq!(
        e.user_message(),
        "Операция не выполнялась: предыдущая операция в том же пакете завершилась ошибкой. (код 101017)"
    );
    // Two writes in one batch are refused before sending.
    let calls = sim.http_calls();
    let e = client
        .raw_batch(vec![
            Call::new(func::REQUEST_CANCEL, "a", json!({"request_id": "1"})),
            Call::new(func::REQUEST_CANCEL, "b", json!({"request_id": "2"})),
        ])
        .await
        .unwrap_err();
    assert_eq!(e.write_outcome(), WriteOutcome::NotSent);
    assert_eq!(sim.http_calls(), calls);
    // read_batch: several reads in one call.
    let batch = client
        .read_batch(vec![
            Call::new(func::LIBRARY_INFO, "i", json!({"libhouse": lib})),
            Call::new(
                func::READER_LIST,
                "l",
                json!({"libhouses": [lib], "limit": [0, 1]}),
            ),
        ])
        .await
        .expect("batch");
    assert_eq!(batch.calls, 1);
    assert_eq!(
        batch.answers[0]
            .decode::<api::LibraryInfo>()
            .expect("info")
            .libhouse,
        lib
    );
    assert_eq!(
        batch.answers[1]
            .decode::<api::ReaderList>()
            .expect("list")
            .readers
            .len(),
        1
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn reader_create_and_list_follow_the_documented_rules() {
    let (sim, client) = setup().await;
    let adult = NaiveDate::from_ymd_opt(1985, 3, 8).expect("date");

    // Name longer than 255 characters is truncated, not rejected.
    let long: String = "Ё".repeat(300);
    let created = client
        .reader_create(&long, adult, Some("long@example.org"), None)
        .await
        .expect("created");
    assert!(created.password.as_deref().is_some_and(|p| !p.is_empty()));
    let got = client
        .reader_list(api::ReaderListQuery {
            lib_cards: Some(vec![created.lib_card.clone()]),
            ..Default::default()
        })
        .await
        .expect("list");
    assert_eq!(got.readers.len(), 1);
    assert_eq!(got.readers[0].name.chars().count(), 255);
    assert_eq!(got.readers[0].birth_date, Some(adult));

    // Birth date: at least 3 years before today.
    let three_years = moscow_today()
        .checked_sub_months(Months::new(36))
        .expect("date");
    client
        .reader_create(
            "Ровно Три Года",
            three_years,
            None,
            Some("+7 914 000-00-01"),
        )
        .await
        .expect("exactly 3 years is fine");
    let e = client
        .reader_create(
            "Слишком Юный",
            three_years.succ_opt().expect("date"),
            Some("y@example.org"),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(codes::BIRTH_DATE_TOO_RECENT));
    assert_eq!(e.write_outcome(), WriteOutcome::Rejected);
    assert_eq!(
        e.user_message(),
        "Дата рождения должна быть не позднее чем за 3 года до сегодняшнего дня. (код 101804)"
    );

    // Mail or phone is required; malformed ones are refused.
    let e = client
        .reader_create("Без Контактов", adult, None, Some("  "))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(codes::CONTACT_MISSING));
    assert!(
        e.user_message()
            .starts_with("Укажите электронную почту или номер мобильного телефона")
    );
    let e = client
        .reader_create("Кривая Почта", adult, Some("нет-собаки"), None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(codes::MAIL_MALFORMED));
    let e = client
        .reader_create("Кривой Телефон", adult, None, Some("12-34"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(codes::PHONE_MALFORMED));
    client
        .reader_create("Только Телефон", adult, None, Some("+79140000002"))
        .await
        .expect("phone only");

    // lib_cards overrides libhouses (an unknown libhouse next to it is ignored).
    let only = client
        .reader_list(api::ReaderListQuery {
            libhouses: Some(vec![999_999]),
            lib_cards: Some(vec![created.lib_card.clone(), "0000".into()]),
            limit: None,
        })
        .await
        .expect("lib_cards wins");
    assert_eq!(
        only.readers
            .iter()
            .map(|r| r.lib_card.as_str())
            .collect::<Vec<_>>(),
        vec![created.lib_card.as_str()]
    );
    let e = client
        .reader_list(api::ReaderListQuery {
            libhouses: Some(vec![999_999]),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(codes::UNKNOWN_LIBHOUSE));

    // limit [N, M] pages through all readers.
    for i in 0..4 {
        client
            .reader_create(
                &format!("Читатель Номер{i}"),
                adult,
                Some(&format!("n{i}@example.org")),
                None,
            )
            .await
            .expect("created");
    }
    let total = sim.readers().len();
    assert_eq!(total, 7);
    let mut seen = Vec::new();
    let mut n = 0;
    loop {
        let page = client
            .reader_list(api::ReaderListQuery {
                limit: Some([n, 3]),
                ..Default::default()
            })
            .await
            .expect("page");
        assert_eq!(page.total, Some(total as u64));
        if page.readers.is_empty() {
            break;
        }
        assert!(page.readers.len() <= 3);
        n += page.readers.len() as u64;
        seen.extend(page.readers.into_iter().map(|r| r.lib_card));
    }
    let expected: Vec<String> = sim.readers().into_iter().map(|r| r.lib_card).collect();
    assert_eq!(seen, expected);
    sim.shutdown().await;
}

#[tokio::test]
async fn pull_10000_requests_in_the_fewest_calls() {
    let sim = start_sim(SimConfig {
        catalogue_size: 2000,
        seed: 7,
        ..SimConfig::default()
    })
    .await;
    let ids = sim.add_random_requests(10_000);
    assert_eq!(ids.len(), 10_000);
    // The limit is on the wire: the gzip-compressed bytes of each answer.
    let mib = protocol::MAX_RESPONSE_BYTES;
    let want: HashSet<&str> = ids.iter().map(String::as_str).collect();

    // Cold: the first page is planned from a guess of the size of one request.
    let cold = client_for(&sim, |_| {});
    let (requests, stats) = cold.pull_all_requests(None).await.expect("pull");
    let minimum = stats.bytes_received.div_ceil(mib) as u32;
    println!(
        "cold pull: {} requests, {} calls (minimum {minimum}), {} bytes sent, {} bytes received \
         on the wire ({} bytes of JSON), largest answer {} bytes on the wire ({} bytes of JSON), \
         measured {} wire bytes/request",
        requests.len(),
        stats.calls,
        stats.bytes_sent,
        stats.bytes_received,
        stats.json_bytes,
        stats.max_response_bytes,
        stats.max_response_json,
        cold.request_item_bytes()
    );
    assert_eq!(requests.len(), 10_000);
    assert_eq!(stats.items, 10_000, "every request arrived exactly once");
    let got: HashSet<&str> = requests.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(got, want);
    assert!(
        stats.max_response_bytes <= mib,
        "each answer, the cold first one too, stays under 1 MiB on the wire"
    );
    assert!(
        stats.json_bytes > 2 * stats.bytes_received,
        "the answers came gzip-compressed"
    );
    assert!(
        stats.calls <= minimum + 1,
        "at most one call more than the minimum while calibrating"
    );
    assert!(
        requests
            .iter()
            .all(|r| !r.title.is_empty() && r.reader_name.is_some())
    );
    let calibration = cold.request_item_bytes();
    assert!(
        calibration < client::REQUEST_ITEM_BYTES_GUESS / 2,
        "measured on the wire: {calibration}"
    );

    // Calibrated (the measurement persisted by the sync layer and given to a new client):
    // a full re-sync takes exactly the minimum number of calls.
    let client = client_for(&sim, |_| {});
    client.set_request_item_bytes(calibration);
    let (again, stats) = client.pull_all_requests(None).await.expect("pull");
    let minimum = stats.bytes_received.div_ceil(mib) as u32;
    println!(
        "calibrated pull: {} requests, {} calls (minimum {minimum}), {} bytes received on the \
         wire ({} bytes of JSON), largest answer {} bytes on the wire ({} bytes of JSON)",
        again.len(),
        stats.calls,
        stats.bytes_received,
        stats.json_bytes,
        stats.max_response_bytes,
        stats.max_response_json
    );
    assert_eq!(again.len(), 10_000);
    assert_eq!(stats.items, 10_000);
    let got: HashSet<&str> = again.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(got, want);
    assert!(
        stats.max_response_bytes <= mib,
        "each answer stays under 1 MiB on the wire"
    );
    assert_eq!(
        stats.calls, minimum,
        "as few calls as the 1 MiB limit on the wire allows"
    );

    let stats_calibration = client.request_item_bytes();

    // Incremental: nothing new → one call, nothing returned.
    let (none, s2) = client
        .pull_all_requests(stats.cursor.as_deref())
        .await
        .expect("pull");
    assert!(none.is_empty());
    assert_eq!(s2.calls, 1);
    // Changes after the cursor come back, and only they.
    let fresh = sim.add_random_requests(5);
    client
        .request_cancel(&ids[0], Some("читатель передумал"))
        .await
        .expect("cancel");
    let (changed, s3) = client
        .pull_all_requests(s2.cursor.as_deref())
        .await
        .expect("pull");
    let mut changed_ids: Vec<&str> = changed.iter().map(|r| r.id.as_str()).collect();
    changed_ids.sort();
    let mut expect: Vec<&str> = fresh
        .iter()
        .map(String::as_str)
        .chain([ids[0].as_str()])
        .collect();
    expect.sort();
    assert_eq!(changed_ids, expect);
    assert_eq!(s3.calls, 1);
    // A handful of changes is no sample: the calibration of the full pull is kept.
    assert_eq!(client.request_item_bytes(), stats_calibration);

    // Three times as many: several pages, split evenly, none over 1 MiB on the wire.
    sim.add_random_requests(20_000);
    let (all, stats) = client.pull_all_requests(None).await.expect("pull");
    let minimum = stats.bytes_received.div_ceil(mib) as u32;
    println!(
        "calibrated pull of {}: {} calls (minimum {minimum}), {} bytes received on the wire, \
         largest answer {} bytes on the wire",
        all.len(),
        stats.calls,
        stats.bytes_received,
        stats.max_response_bytes
    );
    assert_eq!(all.len(), 30_005);
    assert_eq!(stats.items, 30_005);
    assert!(minimum > 1, "the test needs several pages");
    assert!(stats.max_response_bytes <= mib);
    assert_eq!(stats.calls, minimum);
    sim.shutdown().await;
}

// ------------------------------------------------------------------------------- the desk's work

#[tokio::test]
async fn issue_refuse_cancel_buy_and_rules() {
    let sim = start_sim(SimConfig {
        catalogue_size: 400,
        rules: Rules {
            money: api::Money::from_rub(3000),
            ..Rules::preset("vladivostok").expect("preset")
        },
        ..SimConfig::default()
    })
    .await;
    let client = client_for(&sim, |_| {});
    let info = client.library_info().await.expect("info");
    assert_eq!(info.money_left, api::Money::from_rub(3000));
    assert_eq!(info.rules.max_on_hand, Some(2));
    assert_eq!(info.rules.loan_days, Some(20));

    // Issue from the fund.
    let id = pending_request_with_copy(&sim);
    let changed = client.request_issue(&id).await.expect("issued");
    let r = changed.request.expect("request");
    assert_eq!(r.status, RequestStatus::Issued);
    let loan = r.loan.expect("loan");
    assert_eq!(
        loan.due.zip(loan.start).map(|(d, s)| (d - s).num_days()),
        Some(20)
    );

    // Refusal needs a text; with one it is stored with its reason.
    let reader = sim
        .add_reader(
            "Кузнецов Иван Ильич",
            NaiveDate::from_ymd_opt(1975, 1, 9).expect("date"),
            None,
            Some("+79991234567"),
        )
        .lib_card;
    let book = sim
        .catalogue()
        .into_iter()
        .find(|b| b.age_rating <= 16)
        .expect("book");
    let rid = sim.add_request(&reader, book.art).expect("request");
    let e = client
        .request_refuse(&rid, RefusalReason::NoFreeCopy, "  ")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(codes::REFUSAL_TEXT_MISSING));
    let refused = client
        .request_refuse(
            &rid,
            RefusalReason::NoFreeCopy,
            "Все экземпляры выданы, попробуйте через неделю",
        )
        .await
        .expect("refused")
        .request
        .expect("request");
    assert_eq!(refused.status, RequestStatus::Refused);
    assert_eq!(
        refused.refusal.map(|f| f.reason),
        Some(RefusalReason::NoFreeCopy)
    );
    let e = client.request_cancel(&rid, None).await.unwrap_err();
    assert_eq!(e.code(), Some(codes::REQUEST_NOT_PENDING));

    // Buy and issue; price cap and money are enforced.
    let cheap = sim
        .catalogue()
        .into_iter()
        .find(|b| {
            b.age_rating <= 16
                && b.price <= api::Money::from_rub(600)
                && b.art != book.art
                && b.art != r.art
        })
        .expect("cheap");
    let dear = sim
        .catalogue()
        .into_iter()
        .find(|b| b.price > api::Money::from_rub(600))
        .expect("dear");
    let rid2 = sim.add_request(&reader, cheap.art).expect("request");
    let e = client.fund_buy(dear.art, None).await.unwrap_err();
    assert_eq!(
        e.user_message(),
        "Цена книги выше разрешённой библиотекой. (код 101904)"
    );
    let bought = client
        .fund_buy(cheap.art, Some(&rid2))
        .await
        .expect("bought");
    assert_eq!(
        bought.money_left,
        Some(api::Money(api::Money::from_rub(3000).0 - cheap.price.0))
    );
    assert_eq!(
        bought.request.map(|r| r.status),
        Some(RequestStatus::Issued)
    );
    // Vladivostok: 2 books on hand.
    let third = sim
        .catalogue()
        .into_iter()
        .find(|b| {
            b.age_rating <= 16
                && ![cheap.art, book.art, r.art].contains(&b.art)
                && b.price <= api::Money::from_rub(600)
        })
        .expect("third");
    sim.stock(third.art, 1).expect("stock");
    let reader_of_first = r.lib_card.clone();
    let rid3 = sim
        .add_request(&reader_of_first, third.art)
        .expect("request");
    client
        .request_issue(&rid3)
        .await
        .expect("second book on hand");
    let rid4 = sim
        .add_request(&reader_of_first, cheap.art)
        .expect("request");
    let e = client.fund_buy(cheap.art, Some(&rid4)).await.unwrap_err();
    assert_eq!(e.code(), Some(codes::BOOKS_ON_HAND_LIMIT));
    assert_eq!(
        e.user_message(),
        "У читателя уже максимальное число книг на руках. (код 101907)"
    );

    // Fund and statistics.
    let fund = client.fund_list(None, [0, 100]).await.expect("fund");
    assert!(
        fund.items
            .iter()
            .any(|i| i.art == cheap.art && i.copies == 1 && i.issues == 1)
    );
    let today = moscow_today();
    let stats = client.stats(today, today).await.expect("stats");
    assert_eq!(stats.issues, 3);
    assert_eq!(stats.refusals, 1);
    assert_eq!(stats.refusals_by_reason.get("no_free_copy"), Some(&1));
    assert_eq!(stats.purchases, 1);
    assert_eq!(stats.money_spent, cheap.price);
    let e = client
        .stats(today, today.pred_opt().expect("date"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(codes::PERIOD_INVALID));
    sim.shutdown().await;
}

#[tokio::test]
async fn pace_is_enforced_by_the_sim_and_kept_by_the_client() {
    let sim = start_sim(SimConfig {
        catalogue_size: 10,
        min_interval: Some(Duration::from_millis(100)),
        ..SimConfig::default()
    })
    .await;
    let hasty = client_for(&sim, |c| c.min_interval = Duration::ZERO);
    let mut results = Vec::new();
    for _ in 0..3 {
        results.push(hasty.library_info().await);
    }
    let e = results
        .into_iter()
        .find_map(Result::err)
        .expect("a hasty call is refused");
    assert_eq!(e.code(), Some(codes::RATE_LIMITED));
    assert_eq!(
        e.user_message(),
        "Слишком много обращений к ЭБС подряд. Подождите немного и повторите. (код 101015)"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let polite = client_for(&sim, |c| c.min_interval = Duration::from_millis(250));
    for _ in 0..3 {
        polite.library_info().await.expect("paced calls pass");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn oversized_request_is_not_sent() {
    let (sim, client) = setup().await;
    let before = sim.http_calls();
    let cards: Vec<String> = (0..120_000).map(|i| format!("{i:09}")).collect();
    let e = client
        .reader_list(api::ReaderListQuery {
            lib_cards: Some(cards),
            ..Default::default()
        })
        .await
        .unwrap_err();
    let ProviderError::TooLarge { size } = e else {
        panic!("{e:?}")
    };
    assert!(size > protocol::MAX_REQUEST_JSON);
    assert_eq!(e.write_outcome(), WriteOutcome::NotSent);
    assert!(e.user_message().starts_with("Запрос к ЭБС слишком большой"));
    assert_eq!(sim.http_calls(), before);

    // The simulator refuses such a request too (sent by hand, bypassing the client).
    let sid = client.create_session().await.expect("session").sid;
    let cards: Vec<String> = (0..120_000).map(|i| format!("{i:09}")).collect();
    let answer = post_raw(
        &sim,
        &sid,
        vec![Call::new(
            func::READER_LIST,
            "l",
            json!({"lib_cards": cards}),
        )],
    )
    .await;
    assert_eq!(answer.success, Some(false));
    assert_eq!(answer.error.map(|e| e.code), Some(codes::REQUEST_TOO_LARGE));
    sim.shutdown().await;
}

#[tokio::test]
async fn sessions_expire_and_are_recreated_transparently() {
    let sim = start_sim(SimConfig {
        catalogue_size: 10,
        session_ttl: Duration::from_millis(200),
        ..SimConfig::default()
    })
    .await;
    let client = client_for(&sim, |_| {});
    client.library_info().await.expect("first call logs in");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let before = sim.http_calls();
    client
        .library_info()
        .await
        .expect("expired session is replaced");
    assert_eq!(
        sim.http_calls() - before,
        3,
        "rejected call, w_create_sid, repeated call"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn request_trickle_adds_requests_for_the_demo() {
    let sim = start_sim(SimConfig {
        catalogue_size: 50,
        initial_readers: 5,
        initial_requests: 3,
        initial_fund_titles: 4,
        ..SimConfig::default()
    })
    .await;
    assert_eq!(sim.requests().len(), 3);
    assert!(!sim.fund().is_empty());
    let trickle = sim.spawn_request_trickle(Duration::from_millis(20));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(sim.requests().len() >= 5, "{}", sim.requests().len());
    assert!(
        sim.requests()
            .iter()
            .all(|r| r.status == RequestStatus::Pending)
    );
    sim.shutdown().await;
    // The trickle stops with the simulator.
    tokio::time::timeout(Duration::from_secs(2), trickle)
        .await
        .expect("trickle ends")
        .expect("no panic");
}

#[tokio::test]
async fn wrong_secret_and_login_are_explained() {
    let sim = start_sim(SimConfig {
        catalogue_size: 10,
        ..SimConfig::default()
    })
    .await;
    let e = client_for(&sim, |c| c.secret = "wrong".into())
        .library_info()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(codes::BAD_SIGNATURE));
    assert!(e.user_message().contains("секретный ключ"));
    let e = client_for(&sim, |c| c.password = "wrong".into())
        .library_info()
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Session(_)), "{e:?}");
    assert_eq!(
        e.user_message(),
        "Не удалось начать сеанс работы с ЭБС: ЭБС не приняла логин или пароль библиотеки: \
         проверьте их в настройках подключения. (код 101019)"
    );
    sim.shutdown().await;
}
