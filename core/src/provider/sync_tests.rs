//! The sync against the provider simulator over real TLS on 127.0.0.1, on a
//! real SQLite file: the outbox survives a dead network and a lost answer,
//! and nothing is applied twice. (A killed process: the app's tests.)

use std::time::Duration;

use chrono::NaiveDate;

use super::sync::{SyncReport, sync_once};
use super::{Client, ClientConfig};
use crate::config::{AccessMode, Paths, Settings};
use crate::domain::ids::RequestId;
use crate::domain::request::{Decision, RefusalReason, RequestStatus};
use crate::domain::rules::Rule;
use crate::services;
use crate::sim::{self, Fault, SimConfig, SimHandle};
use crate::store::{Db, Store};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn start_sim(rt: &tokio::runtime::Runtime) -> SimHandle {
    rt.block_on(sim::start(SimConfig::default()))
        .expect("simulator")
}

fn fast(mut c: ClientConfig) -> ClientConfig {
    c.min_interval = Duration::from_millis(5);
    c.timeout = Duration::from_secs(2);
    c
}

/// An adult reader at the provider asking for an age-0 book that has a free copy.
fn issuable_request(sim: &SimHandle) -> RequestId {
    let reader = sim.add_reader(
        "Смирнова Ольга Викторовна",
        NaiveDate::from_ymd_opt(1980, 5, 5).unwrap(),
        Some("olga@mail.ru"),
        None,
    );
    let book = sim
        .catalogue()
        .into_iter()
        .find(|b| b.age_rating == 0)
        .expect("an age-0 book");
    sim.stock(book.art, 1).unwrap();
    RequestId(sim.add_request(&reader.lib_card, book.art).unwrap())
}

struct Local {
    _guard: tempfile::TempDir,
    db: Db,
    ctx: services::Context,
}

fn local_desk(mode: AccessMode) -> Local {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = Paths::portable(dir.path());
    let settings = Settings {
        staff_name: "Тестова Т. Т.".into(),
        desk_name: "кафедра 1".into(),
        access_mode: mode,
        ..Settings::default()
    };
    settings.save(&paths.settings_file).expect("save settings");
    let store = Store::open(&paths.db_file()).expect("open store");
    Local {
        _guard: dir,
        db: Db::new(store),
        ctx: services::Context::new(settings, paths),
    }
}

fn sync(rt: &tokio::runtime::Runtime, l: &Local, client: &Client) -> SyncReport {
    rt.block_on(sync_once(&l.db, client, services::PROVIDER, &l.ctx.actor))
}

fn with_store<T: Send + 'static>(
    rt: &tokio::runtime::Runtime,
    l: &Local,
    f: impl FnOnce(&mut Store) -> T + Send + 'static,
) -> T {
    rt.block_on(l.db.call(f))
}

#[test]
fn decisions_wait_through_a_dead_network_and_are_applied_once() {
    let rt = runtime();
    let sim = start_sim(&rt);
    let request = issuable_request(&sim);
    let l = local_desk(AccessMode::Pool);
    let client = Client::new(fast(sim.client_config())).unwrap();
    let first = sync(&rt, &l, &client);
    assert!(first.ok(), "{first:?}");
    assert_eq!(first.pulled_requests, 1);

    // The desk decides while the provider cannot be reached.
    let (ctx, id) = (l.ctx.clone(), request.clone());
    with_store(&rt, &l, move |s| {
        services::requests::decide(s, &ctx, &id, &Decision::Issue, &Rule::ALL)
    })
    .unwrap();
    let mut offline_cfg = fast(sim.client_config());
    offline_cfg.base_url = "https://127.0.0.1:9".into(); // nothing listens there
    let offline = Client::new(offline_cfg).unwrap();
    let down = sync(&rt, &l, &offline);
    assert!(down.offline, "{down:?}");
    assert_eq!(down.waiting, 1, "the decision is kept");
    let message = down.error.unwrap();
    assert!(
        message.contains("ЭБС"),
        "a plain Russian message: {message}"
    );
    let status = with_store(&rt, &l, |s| s.sync_status()).unwrap();
    assert_eq!(status.online, Some(false));
    assert_eq!(status.waiting, 1);
    assert_eq!(sim.applied_writes(request.as_str()), 0);

    // Back online: it is delivered once and the local request follows.
    // (The failed attempt set a backoff; a new sync after it passes sends.)
    force_due(&rt, &l);
    let up = sync(&rt, &l, &client);
    assert!(up.ok(), "{up:?}");
    assert_eq!(up.sent.len(), 1);
    assert_eq!(up.waiting, 0);
    assert_eq!(sim.applied_writes(request.as_str()), 1);
    let r = with_store(&rt, &l, move |s| s.request(&request))
        .unwrap()
        .unwrap();
    assert_eq!(r.status, RequestStatus::Issued);
    assert_eq!(r.local_decision, None);
    rt.block_on(sim.shutdown());
}

/// Makes every waiting write due now (instead of sleeping through its backoff).
fn force_due(rt: &tokio::runtime::Runtime, l: &Local) {
    with_store(rt, l, |s| s.outbox_due_now()).unwrap();
}

#[test]
fn a_lost_answer_is_re_read_not_resent() {
    let rt = runtime();
    let sim = start_sim(&rt);
    let request = issuable_request(&sim);
    let l = local_desk(AccessMode::Pool);
    let client = Client::new(fast(sim.client_config())).unwrap();
    assert!(sync(&rt, &l, &client).ok());
    let (ctx, id) = (l.ctx.clone(), request.clone());
    with_store(&rt, &l, move |s| {
        services::requests::decide(s, &ctx, &id, &Decision::Issue, &Rule::ALL)
    })
    .unwrap();

    // Log in first, so the one-shot fault hits the write itself.
    rt.block_on(client.create_session()).unwrap();
    sim.inject(Fault::LoseResponse);
    let lost = sync(&rt, &l, &client);
    assert_eq!(lost.waiting, 1, "{lost:?}");
    assert!(lost.error.is_some());
    assert_eq!(
        sim.applied_writes(request.as_str()),
        1,
        "the provider did apply it"
    );
    let (item, _) = with_store(&rt, &l, |s| s.outbox(true, 10))
        .unwrap()
        .remove(0);
    assert!(item.in_doubt, "marked as in doubt");

    force_due(&rt, &l);
    let calls = sim.http_calls();
    let again = sync(&rt, &l, &client);
    assert!(again.ok(), "{again:?}");
    assert_eq!(again.waiting, 0);
    assert_eq!(again.sent.len(), 1, "recorded as delivered: {again:?}");
    assert!(
        again.refused.is_empty(),
        "not resent and refused: {again:?}"
    );
    assert_eq!(with_store(&rt, &l, |s| s.sync_status()).unwrap().failed, 0);
    assert_eq!(sim.applied_writes(request.as_str()), 1, "not applied twice");
    assert!(sim.http_calls() > calls);
    let r = with_store(&rt, &l, move |s| s.request(&request))
        .unwrap()
        .unwrap();
    assert_eq!(r.status, RequestStatus::Issued);
    rt.block_on(sim.shutdown());
}

#[test]
fn a_refused_write_is_shown_and_the_request_can_be_decided_again() {
    let rt = runtime();
    let sim = start_sim(&rt);
    let reader = sim.add_reader(
        "Ким Анна",
        NaiveDate::from_ymd_opt(1990, 1, 1).unwrap(),
        Some("kim@mail.ru"),
        None,
    );
    let book = sim
        .catalogue()
        .into_iter()
        .find(|b| b.age_rating == 0)
        .unwrap();
    let request = RequestId(sim.add_request(&reader.lib_card, book.art).unwrap()); // no copy in the fund
    let l = local_desk(AccessMode::Pool);
    let client = Client::new(fast(sim.client_config())).unwrap();
    assert!(sync(&rt, &l, &client).ok());
    let (ctx, id) = (l.ctx.clone(), request.clone());
    with_store(&rt, &l, move |s| {
        services::requests::decide(s, &ctx, &id, &Decision::Issue, &Rule::ALL)
    })
    .unwrap();
    let report = sync(&rt, &l, &client);
    assert!(report.ok(), "{report:?}");
    assert_eq!(report.refused.len(), 1);
    assert!(
        report.refused[0].contains("нет свободного экземпляра"),
        "{:?}",
        report.refused
    );
    let status = with_store(&rt, &l, |s| s.sync_status()).unwrap();
    assert_eq!((status.waiting, status.failed), (0, 1));
    // The librarian refuses instead, with a reason the reader will read.
    let (ctx, id) = (l.ctx.clone(), request.clone());
    with_store(&rt, &l, move |s| {
        services::requests::decide(
            s,
            &ctx,
            &id,
            &Decision::Refuse {
                reason: RefusalReason::NoFreeCopy,
                text: "Все экземпляры выданы, попробуйте через неделю.".into(),
            },
            &Rule::ALL,
        )
    })
    .unwrap();
    assert!(sync(&rt, &l, &client).ok());
    let remote = sim.request(request.as_str()).unwrap();
    assert_eq!(
        remote.refusal.unwrap().text,
        "Все экземпляры выданы, попробуйте через неделю."
    );
    rt.block_on(sim.shutdown());
}

#[test]
fn create_mode_stores_the_login_the_provider_returns() {
    let rt = runtime();
    let sim = start_sim(&rt);
    let l = local_desk(AccessMode::Provider);
    let client = Client::new(fast(sim.client_config())).unwrap();
    let ctx = l.ctx.clone();
    let reader = with_store(&rt, &l, move |s| {
        let draft = crate::domain::reader::ReaderDraft {
            surname: "Орлова".into(),
            name: "Вера".into(),
            birth_date: "01.06.1979".into(),
            email: "orlova@mail.ru".into(),
            consent: true,
            ..Default::default()
        };
        services::readers::register(s, &ctx, &draft, false)
    })
    .unwrap();
    // Registered and queued in one transaction.
    assert_eq!(with_store(&rt, &l, |s| s.sync_status()).unwrap().waiting, 1);

    // The first answer is lost: the card exists at the provider, we do not know it yet.
    rt.block_on(client.create_session()).unwrap();
    sim.inject(Fault::LoseResponse);
    let lost = sync(&rt, &l, &client);
    assert_eq!(lost.waiting, 1, "{lost:?}");
    assert_eq!(sim.readers().len(), 1);
    force_due(&rt, &l);
    let found = sync(&rt, &l, &client);
    assert!(found.ok(), "{found:?}");
    assert_eq!(sim.readers().len(), 1, "the card was not created twice");
    let lib_card = sim.readers()[0].lib_card.clone();
    let id = reader.id;
    let binding = with_store(&rt, &l, move |s| s.active_binding(services::PROVIDER, id))
        .unwrap()
        .unwrap();
    assert_eq!(binding.account.login, lib_card);

    // A second reader goes through in one sync, with the password.
    let ctx = l.ctx.clone();
    let second = with_store(&rt, &l, move |s| {
        let draft = crate::domain::reader::ReaderDraft {
            surname: "Белова".into(),
            name: "Нина".into(),
            birth_date: "01.02.1960".into(),
            phone: "+79120000000".into(),
            consent: true,
            ..Default::default()
        };
        services::readers::register(s, &ctx, &draft, false)
    })
    .unwrap();
    assert!(sync(&rt, &l, &client).ok());
    let id = second.id;
    let b = with_store(&rt, &l, move |s| s.active_binding(services::PROVIDER, id))
        .unwrap()
        .unwrap();
    assert!(
        !b.account.password.is_empty(),
        "the password that came back is stored"
    );
    rt.block_on(sim.shutdown());
}

#[test]
fn two_desks_syncing_at_once_apply_each_write_once() {
    let rt = runtime();
    let sim = start_sim(&rt);
    let requests: Vec<RequestId> = (0..6).map(|_| issuable_request(&sim)).collect();
    let l = local_desk(AccessMode::Pool);
    let client_a = Client::new(fast(sim.client_config())).unwrap();
    assert!(sync(&rt, &l, &client_a).ok());
    for r in &requests {
        let (ctx, id) = (l.ctx.clone(), r.clone());
        with_store(&rt, &l, move |s| {
            services::requests::decide(s, &ctx, &id, &Decision::Issue, &Rule::ALL)
        })
        .unwrap();
    }
    // A second desk: its own connection to the same file, its own name.
    let path = l.ctx.paths.db_file();
    let other = Db::new(Store::open(&path).unwrap());
    let mut other_actor = l.ctx.actor.clone();
    other_actor.desk = "кафедра 2".into();
    let client_b = Client::new(fast(sim.client_config())).unwrap();
    let (a, b) = rt.block_on(async {
        tokio::join!(
            sync_once(&l.db, &client_a, services::PROVIDER, &l.ctx.actor),
            sync_once(&other, &client_b, services::PROVIDER, &other_actor)
        )
    });
    // Whatever one desk left (it stops when the other holds the next write), a later sync finishes.
    let rest = sync(&rt, &l, &client_a);
    assert!(rest.ok(), "{a:?} {b:?} {rest:?}");
    assert_eq!(rest.waiting, 0);
    for r in &requests {
        assert_eq!(sim.applied_writes(r.as_str()), 1, "request {r}");
    }
    assert_eq!(
        a.sent.len() + b.sent.len() + rest.sent.len(),
        requests.len()
    );
    rt.block_on(sim.shutdown());
}

#[test]
fn a_certificate_the_client_does_not_trust_is_refused() {
    let rt = runtime();
    let sim = start_sim(&rt);
    let l = local_desk(AccessMode::Pool);
    let mut cfg = fast(sim.client_config());
    cfg.extra_ca_pem = None;
    let client = Client::new(cfg).unwrap();
    let report = sync(&rt, &l, &client);
    let message = report.error.expect("refused");
    assert!(message.contains("сертификат"), "{message}");
    assert_eq!(sim.state().requests.len(), 0);
    rt.block_on(sim.shutdown());
}

/// Registers a reader in "create at the provider" mode: the card creation is queued.
fn register(
    rt: &tokio::runtime::Runtime,
    l: &Local,
    surname: &str,
    name: &str,
    email: &str,
) -> crate::domain::records::ReaderId {
    let ctx = l.ctx.clone();
    let draft = crate::domain::reader::ReaderDraft {
        surname: surname.into(),
        name: name.into(),
        birth_date: "01.06.1979".into(),
        email: email.into(),
        consent: true,
        ..Default::default()
    };
    with_store(rt, l, move |s| {
        services::readers::register(s, &ctx, &draft, false)
    })
    .unwrap()
    .id
}

/// Cards at the provider with this name.
fn cards(sim: &SimHandle, name: &str) -> usize {
    sim.readers().iter().filter(|r| r.name == name).count()
}

/// The login the desk stored for the reader, if any.
fn login(
    rt: &tokio::runtime::Runtime,
    l: &Local,
    reader: crate::domain::records::ReaderId,
) -> Option<String> {
    with_store(rt, l, move |s| s.active_binding(services::PROVIDER, reader))
        .unwrap()
        .map(|b| b.account.login)
}

/// Polls (generously) until `done`; never asserts how fast.
async fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Two syncs of one desk at once (the app's background sync and a `kafedra sync` from
/// cron: one desk name, one database file, two connections), each its own run. The first
/// one's card creation is held at the provider, unapplied, while the second syncs in full:
/// the second must leave it alone. Every write is applied exactly once.
#[test]
fn two_runs_of_one_desk_apply_each_write_once() {
    let rt = runtime();
    let sim = start_sim(&rt);
    let requests: Vec<RequestId> = (0..2).map(|_| issuable_request(&sim)).collect();
    let l = local_desk(AccessMode::Provider);
    // Long enough for the held write to wait while the other run syncs.
    let slow = |mut c: ClientConfig| {
        c = fast(c);
        c.timeout = Duration::from_secs(60);
        c
    };
    let client_a = Client::new(slow(sim.client_config())).unwrap();
    let client_b = Client::new(slow(sim.client_config())).unwrap();
    assert!(sync(&rt, &l, &client_a).ok());
    let reader = register(&rt, &l, "Орлова", "Вера", "orlova@mail.ru");
    for r in &requests {
        let (ctx, id) = (l.ctx.clone(), r.clone());
        with_store(&rt, &l, move |s| {
            services::requests::decide(s, &ctx, &id, &Decision::Issue, &Rule::ALL)
        })
        .unwrap();
    }
    let other = Db::new(Store::open(&l.ctx.paths.db_file()).unwrap());
    let actor = l.ctx.actor.clone();

    sim.hold_writes();
    let (a, b) = rt.block_on(async {
        let a = sync_once(&l.db, &client_a, services::PROVIDER, &actor);
        let b = async {
            until("run a's write reaches the provider", || {
                sim.held_writes() == 1
            })
            .await;
            // Run a holds the claim for longer than its client can take for the call.
            let claims = other.call(|s| s.outbox_claims()).await.unwrap();
            let (by, until_) = claims[0].clone();
            let lease = until_ - chrono::Utc::now();
            assert!(
                lease.to_std().unwrap() >= client_a.call_deadline(),
                "the lease ({lease}) outlasts the call ({:?})",
                client_a.call_deadline()
            );
            assert!(by.ends_with("; кафедра 1"), "{by}");
            let b = sync_once(&other, &client_b, services::PROVIDER, &actor);
            tokio::pin!(b);
            // Run b either finishes, or sends the held write a second time (the bug):
            // then its copy is held too, and both are let go to count them.
            let report = loop {
                tokio::select! {
                    report = &mut b => break Some(report),
                    _ = tokio::time::sleep(Duration::from_millis(5)) => {
                        if sim.held_writes() > 1 {
                            break None;
                        }
                    }
                }
            };
            sim.release_writes();
            match report {
                Some(r) => r,
                None => b.await,
            }
        };
        tokio::join!(a, b)
    });
    assert_eq!(cards(&sim, "Орлова Вера"), 1, "one card: {a:?} {b:?}");
    assert!(b.sent.is_empty(), "run b left the held write alone: {b:?}");
    let rest = sync(&rt, &l, &client_a);
    assert!(rest.ok(), "{a:?} {b:?} {rest:?}");
    assert_eq!(rest.waiting, 0);
    for r in &requests {
        assert_eq!(sim.applied_writes(r.as_str()), 1, "request {r}");
    }
    assert_eq!(a.sent.len() + b.sent.len() + rest.sent.len(), 3);
    assert_eq!(
        login(&rt, &l, reader).as_deref(),
        sim.readers()
            .iter()
            .find(|r| r.name == "Орлова Вера")
            .map(|r| r.lib_card.as_str())
    );
    rt.block_on(sim.shutdown());
}

/// The card creation's answer is broken by a TLS error after the handshake: the card exists
/// at the provider. The write stays in doubt, is re-read and never sent twice, and the
/// message does not blame the certificate.
#[test]
fn a_tls_error_while_reading_the_answer_keeps_the_write_in_doubt() {
    let rt = runtime();
    let sim = start_sim(&rt);
    let l = local_desk(AccessMode::Provider);
    let client = Client::new(fast(sim.client_config())).unwrap();
    let reader = register(&rt, &l, "Орлова", "Вера", "orlova@mail.ru");
    rt.block_on(client.create_session()).unwrap();
    sim.inject(Fault::BrokenTls);
    let broken = sync(&rt, &l, &client);
    assert_eq!(broken.waiting, 1, "{broken:?}");
    let message = broken.error.expect("an error");
    assert!(!message.contains("сертификат"), "{message}");
    assert!(
        message.contains("неизвестно, выполнена ли операция"),
        "{message}"
    );
    let (item, _) = with_store(&rt, &l, |s| s.outbox(true, 10))
        .unwrap()
        .remove(0);
    assert!(item.in_doubt, "in doubt, not «not sent»");
    assert_eq!(cards(&sim, "Орлова Вера"), 1);

    force_due(&rt, &l);
    let again = sync(&rt, &l, &client);
    assert!(again.ok(), "{again:?}");
    assert_eq!(cards(&sim, "Орлова Вера"), 1, "not created twice");
    assert!(login(&rt, &l, reader).is_some());
    rt.block_on(sim.shutdown());
}

/// Headers and half the answer, then the connection closed: re-read, not resent.
#[test]
fn a_cut_answer_is_re_read_not_resent() {
    let rt = runtime();
    let sim = start_sim(&rt);
    let l = local_desk(AccessMode::Provider);
    let client = Client::new(fast(sim.client_config())).unwrap();
    let reader = register(&rt, &l, "Орлова", "Вера", "orlova@mail.ru");
    rt.block_on(client.create_session()).unwrap();
    sim.inject(Fault::CutAnswer);
    let cut = sync(&rt, &l, &client);
    assert_eq!(cut.waiting, 1, "{cut:?}");
    assert_eq!(cards(&sim, "Орлова Вера"), 1);
    force_due(&rt, &l);
    let again = sync(&rt, &l, &client);
    assert!(again.ok(), "{again:?}");
    assert_eq!(cards(&sim, "Орлова Вера"), 1, "not created twice");
    assert!(login(&rt, &l, reader).is_some());
    rt.block_on(sim.shutdown());
}

/// A `200` JSON answer without `success` is not a refusal: the write is not closed as
/// failed (the provider did apply it), it is re-read and recorded as delivered.
#[test]
fn an_answer_without_success_is_re_read_not_refused() {
    let rt = runtime();
    let sim = start_sim(&rt);
    let l = local_desk(AccessMode::Provider);
    let client = Client::new(fast(sim.client_config())).unwrap();
    let reader = register(&rt, &l, "Орлова", "Вера", "orlova@mail.ru");
    rt.block_on(client.create_session()).unwrap();
    sim.inject(Fault::NoSuccess);
    let unclear = sync(&rt, &l, &client);
    assert!(unclear.refused.is_empty(), "{unclear:?}");
    assert_eq!(unclear.waiting, 1, "{unclear:?}");
    let status = with_store(&rt, &l, |s| s.sync_status()).unwrap();
    assert_eq!(status.failed, 0, "not closed as refused");
    force_due(&rt, &l);
    let again = sync(&rt, &l, &client);
    assert!(again.ok(), "{again:?}");
    assert_eq!(again.sent.len(), 1, "{again:?}");
    assert_eq!(cards(&sim, "Орлова Вера"), 1);
    assert!(login(&rt, &l, reader).is_some());
    assert_eq!(with_store(&rt, &l, |s| s.sync_status()).unwrap().failed, 0);
    rt.block_on(sim.shutdown());
}

/// A provider that never ends a list: every paged pull of the sync ends with a message
/// (and stores nothing of it) instead of paging forever.
#[test]
fn endless_pages_end_each_pull_with_a_message() {
    for (fault, list) in [
        (Fault::EndlessRequests, "запросов читателей"),
        (Fault::EndlessFund, "фонда библиотеки"),
        (Fault::EndlessReaders, "читательских билетов"),
    ] {
        let rt = runtime();
        let sim = start_sim(&rt);
        issuable_request(&sim);
        let l = local_desk(AccessMode::Pool);
        let client = Client::new(fast(sim.client_config())).unwrap();
        sim.set_faults(vec![fault.clone()]);
        let report = rt
            .block_on(async {
                tokio::time::timeout(
                    Duration::from_secs(60),
                    sync_once(&l.db, &client, services::PROVIDER, &l.ctx.actor),
                )
                .await
            })
            .unwrap_or_else(|_| panic!("{fault:?}: the sync never ended"));
        assert_eq!(
            report.error.as_deref(),
            Some(
                format!(
                    "Список {list} из ЭБС получен не полностью: ЭБС присылает одни и те же \
                     записи и не переходит к следующим. Загрузка остановлена, полученное не \
                     сохранено. Если это повторяется, сообщите администратору."
                )
                .as_str()
            ),
            "{fault:?}"
        );
        assert!(!report.offline);
        let status = with_store(&rt, &l, |s| s.sync_status()).unwrap();
        assert!(status.last_error.is_some_and(|e| e.contains(list)));
        sim.set_faults(Vec::new());
        let fixed = sync(&rt, &l, &client);
        assert!(fixed.ok(), "{fixed:?}");
        let pulled = match fault {
            Fault::EndlessRequests => fixed.pulled_requests,
            Fault::EndlessFund => fixed.pulled_fund,
            _ => fixed.pulled_readers,
        };
        assert_eq!(pulled, 1, "{fault:?}: {fixed:?}");
        rt.block_on(sim.shutdown());
    }
}

/// A book issued from the reader's card and the reader's own settings reach
/// the provider through the outbox exactly once, even when the answer to the
/// issue is lost after the provider applied it; the issue then shows in the
/// reader's «Книгооборот».
#[test]
fn a_direct_issue_and_readers_settings_reach_the_provider_once() {
    use crate::domain::reader::{Channel, ReaderDraft};
    use crate::store::Lending;
    let rt = runtime();
    let sim = start_sim(&rt);
    let remote = sim.add_reader(
        "Смирнова Ольга Викторовна",
        NaiveDate::from_ymd_opt(1980, 5, 5).unwrap(),
        Some("olga@mail.ru"),
        None,
    );
    let book = sim
        .catalogue()
        .into_iter()
        .find(|b| b.age_rating == 0 && !b.title.is_empty())
        .expect("an age-0 book");
    sim.stock(book.art, 1).unwrap();
    let l = local_desk(AccessMode::Pool);
    let client = Client::new(fast(sim.client_config())).unwrap();
    assert!(sync(&rt, &l, &client).ok(), "the fund is pulled");

    let (ctx, card) = (l.ctx.clone(), remote.lib_card.clone());
    let reader = with_store(&rt, &l, move |s| {
        let draft = ReaderDraft {
            surname: "Смирнова".into(),
            name: "Ольга".into(),
            patronymic: "Викторовна".into(),
            birth_date: "05.05.1980".into(),
            card: String::new(),
            email: "olga@mail.ru".into(),
            phone: String::new(),
            channel: Channel::Desk,
            consent: true,
            representative: String::new(),
        };
        let r = services::readers::register(s, &ctx, &draft, true)?;
        services::requests::link(s, &ctx, &card, r.id)?;
        let lending = Lending {
            loan_days: Some(21),
            ..Lending::default()
        };
        services::lending::set_settings(s, &ctx, r.id, &lending)?;
        Ok::<_, services::Error>(r.id)
    })
    .unwrap();
    let sent = sync(&rt, &l, &client);
    assert!(sent.ok() && sent.sent.len() == 1, "the settings: {sent:?}");

    // The answer to the issue is lost after the provider applied it.
    let (ctx, art) = (l.ctx.clone(), book.art);
    with_store(&rt, &l, move |s| {
        services::lending::issue_direct(s, &ctx, reader, art, &[])
    })
    .unwrap();
    rt.block_on(client.create_session()).unwrap();
    sim.inject(Fault::LoseResponse);
    let lost = sync(&rt, &l, &client);
    assert_eq!(lost.waiting, 1, "the issue is in doubt: {lost:?}");
    let loans = || {
        sim.loans()
            .into_iter()
            .filter(|x| x.lib_card == remote.lib_card)
            .collect::<Vec<_>>()
    };
    assert_eq!(loans().len(), 1, "the provider did issue it");

    force_due(&rt, &l);
    let again = sync(&rt, &l, &client);
    assert!(again.ok(), "{again:?}");
    assert_eq!(again.waiting, 0);
    assert!(again.refused.is_empty(), "{again:?}");
    let loans = loans();
    assert_eq!(loans.len(), 1, "re-read by its id, not issued twice");
    assert_eq!(
        (loans[0].due - loans[0].start).num_days(),
        21,
        "the reader's loan period"
    );
    let history = with_store(&rt, &l, move |s| services::lending::history(s, reader)).unwrap();
    assert!(
        history
            .iter()
            .any(|h| h.what == "Выдача без запроса" && h.title == book.title),
        "{history:?}"
    );
    rt.block_on(sim.shutdown());
}
