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
        services::requests::decide(s, &ctx, &id, &Decision::Issue)
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

/// Moves every backoff into the past (instead of sleeping through it).
fn force_due(rt: &tokio::runtime::Runtime, l: &Local) {
    with_store(rt, l, |s| {
        let items: Vec<_> = s.outbox(true, 100).unwrap();
        for (item, _) in items {
            s.outbox_retry(
                item.id,
                "",
                chrono::Utc::now() - chrono::Duration::seconds(1),
                item.in_doubt,
            )
            .unwrap();
        }
    });
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
        services::requests::decide(s, &ctx, &id, &Decision::Issue)
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
        services::requests::decide(s, &ctx, &id, &Decision::Issue)
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
            services::requests::decide(s, &ctx, &id, &Decision::Issue)
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
