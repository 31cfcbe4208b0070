//! The sync from the command line: a `kafedra sync` killed mid-write finishes
//! the outbox on restart exactly once; its messages and exit codes.

use std::process::Stdio;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use kafedra_core::domain::request::RequestStatus;
use kafedra_core::services::provider::waiting_writes;
use kafedra_core::services::requests;
use kafedra_core::services::{self, Store};
use kafedra_core::sim::{self, Fault, SimConfig, SimHandle};

use crate::support::{Desk, kafedra, run};
use kafedra_core::config::{AccessMode, Settings};

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

/// An adult reader at the provider asking for an age-0 book that has a free copy.
fn issuable_request(sim: &SimHandle) -> String {
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
    sim.add_request(&reader.lib_card, book.art).unwrap()
}

/// The real process is killed (SIGKILL) while its write is at the provider
/// and the answer has not come back; the restarted process finishes the
/// outbox, and the provider applied the write exactly once.
#[test]
fn killing_the_app_mid_sync_delivers_the_outbox_exactly_once() {
    let rt = runtime();
    let sim = start_sim(&rt);
    let request = issuable_request(&sim);
    let d = Desk::new();
    let guard = d.release();
    let dir = guard.path().to_path_buf();
    let ca = dir.join("sim-ca.pem");
    let secret = dir.join("secret.txt");
    std::fs::write(&ca, &sim.ca_pem).unwrap();
    std::fs::write(&secret, "sim-secret\n").unwrap();
    let (code, _, err) = run(kafedra(&dir)
        .args([
            "provider",
            "set",
            "--url",
            &sim.base_url(),
            "--app",
            "kafedra-sim",
            "--secret-file",
        ])
        .arg(&secret)
        .arg("--ca")
        .arg(&ca)
        .args(["--pace-ms", "300", "--timeout", "60"]));
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(kafedra(&dir).arg("sync"));
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = run(kafedra(&dir).args(["decide", &request, "issue"]));
    assert_eq!(code, 0, "{err}");

    // Sync in a real process; hold the answer of the write at the provider.
    let answered_before = sim.answered_calls();
    let mut child = kafedra(&dir)
        .arg("sync")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    // The first call logs in; once it is answered, answers are held back.
    while sim.answered_calls() < answered_before + 1 {
        assert!(
            Instant::now() < deadline,
            "the sync never called the provider"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    sim.set_faults(vec![Fault::Delay(Duration::from_secs(120))]);
    while sim.applied_writes(&request) == 0 {
        assert!(
            Instant::now() < deadline,
            "the write never reached the provider"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // SIGKILL: no chance to record anything.
    child.kill().unwrap();
    child.wait().unwrap();
    sim.set_faults(Vec::new());

    let store = Store::open(&dir.join("kafedra.sqlite3")).unwrap();
    let pending = waiting_writes(&store).unwrap();
    assert_eq!(pending.len(), 1, "the write is still in the outbox");
    assert!(pending[0].in_doubt, "and known to be in doubt");
    drop(store);

    // Restart: the new process re-reads and finishes.
    let (code, out, err) = run(kafedra(&dir).arg("sync"));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Отправлено: выдача по запросу"), "{out}");
    assert!(out.contains("Ждут отправки: 0."), "{out}");
    assert_eq!(sim.applied_writes(&request), 1, "applied exactly once");
    let store = Store::open(&dir.join("kafedra.sqlite3")).unwrap();
    assert_eq!(
        requests::get(&store, &request.as_str().into())
            .unwrap()
            .status,
        RequestStatus::Issued
    );
    assert_eq!(services::provider::status(&store).unwrap().waiting, 0);
    drop(guard);
    rt.block_on(sim.shutdown());
}

/// Connects the desk in `dir` to the simulator (CA and secret files in `dir`).
fn connect(dir: &std::path::Path, sim: &SimHandle, timeout_secs: u32) {
    let ca = dir.join("sim-ca.pem");
    let secret = dir.join("secret.txt");
    std::fs::write(&ca, &sim.ca_pem).unwrap();
    std::fs::write(&secret, "sim-secret\n").unwrap();
    let (code, _, err) = run(kafedra(dir)
        .args(["provider", "set", "--url", &sim.base_url()])
        .args(["--app", "kafedra-sim", "--secret-file"])
        .arg(&secret)
        .arg("--ca")
        .arg(&ca)
        .args(["--pace-ms", "10", "--timeout", &timeout_secs.to_string()]));
    assert_eq!(code, 0, "{err}");
}

/// Two `kafedra sync` processes of one desk at once (the app's background sync and one
/// from cron: the same desk name, the same file). The first one's card creation is held at
/// the provider, unapplied, while the second runs to its end: the second leaves it alone
/// (its claim belongs to the first process's run), and the provider creates one card.
#[test]
fn two_sync_processes_of_one_desk_create_the_card_once() {
    let rt = runtime();
    let sim = start_sim(&rt);
    let mut d = Desk::with_settings(Settings {
        staff_name: "Тестова Т. Т.".into(),
        desk_name: "кафедра 1".into(),
        access_mode: AccessMode::Provider,
        ..Settings::default()
    });
    d.register("Орлова", "Вера", "01.06.1979", "orlova@mail.ru");
    let guard = d.release();
    let dir = guard.path().to_path_buf();
    // Long enough for the held write to wait while the other process syncs.
    connect(&dir, &sim, 60);
    let cards = || {
        sim.readers()
            .iter()
            .filter(|r| r.name == "Орлова Вера")
            .count()
    };

    sim.hold_writes();
    let first = kafedra(&dir)
        .arg("sync")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while sim.held_writes() < 1 {
        assert!(Instant::now() < deadline, "the first sync never sent");
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut second = kafedra(&dir)
        .arg("sync")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The second either ends, or sends the held write a second time (then its copy is
    // held too, and both are let go to count them).
    while second.try_wait().unwrap().is_none() && sim.held_writes() < 2 {
        assert!(Instant::now() < deadline, "the second sync never ended");
        std::thread::sleep(Duration::from_millis(5));
    }
    sim.release_writes();
    let second = second.wait_with_output().unwrap();
    let first = first.wait_with_output().unwrap();
    let text = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
    };
    assert_eq!(cards(), 1, "one card\n{}\n{}", text(&first), text(&second));
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        text(&first).contains("Отправлено: учётная запись читателя Орлова Вера"),
        "{}",
        text(&first)
    );
    assert!(
        !text(&second).contains("Отправлено"),
        "the second left it alone: {}",
        text(&second)
    );
    let (code, out, err) = run(kafedra(&dir).arg("sync"));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Ждут отправки: 0."), "{out}");
    assert_eq!(cards(), 1);
    drop(guard);
    rt.block_on(sim.shutdown());
}

#[test]
fn sync_command_reports_and_fails_clearly() {
    let d = Desk::new();
    let guard = d.release();
    let dir = guard.path().to_path_buf();
    let (code, _, err) = run(kafedra(&dir).arg("sync"));
    assert_eq!(code, 1);
    assert!(err.contains("Подключение к ЭБС не настроено"), "{err}");
    let secret = dir.join("s.txt");
    std::fs::write(&secret, "S3cr3t-K4f3dr4\n").unwrap();
    let (code, _, err) = run(kafedra(&dir)
        .args([
            "provider",
            "set",
            "--url",
            "http://example.org",
            "--app",
            "a",
            "--secret-file",
        ])
        .arg(&secret));
    assert_eq!(code, 1);
    assert!(err.contains("https://"), "{err}");
    // A provider that is not there: non-zero exit and a plain message.
    let (code, _, _) = run(kafedra(&dir)
        .args([
            "provider",
            "set",
            "--url",
            "https://127.0.0.1:9",
            "--app",
            "a",
            "--secret-file",
        ])
        .arg(&secret)
        .args(["--timeout", "2"]));
    assert_eq!(code, 0);
    let (code, _, err) = run(kafedra(&dir).arg("sync"));
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("Синхронизация не завершена"), "{err}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("provider.toml"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the secrets file is the user's only");
    }
    for file in ["kafedra.sqlite3", "kafedra.sqlite3-wal", "kafedra.toml"] {
        let bytes = std::fs::read(dir.join(file)).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("S3cr3t-K4f3dr4"),
            "the secret leaked into {file}"
        );
    }
}

/// A decision the data refuse (already decided, no longer pending) is the
/// librarian's to fix: exit 1 with the reason, not 3 (the desk failed).
#[test]
fn a_refused_decision_exits_with_1() {
    let rt = runtime();
    let sim = start_sim(&rt);
    let request = issuable_request(&sim);
    let d = Desk::new();
    let guard = d.release();
    let dir = guard.path().to_path_buf();
    connect(&dir, &sim, 20);
    let (code, out, err) = run(kafedra(&dir).arg("sync"));
    assert_eq!(code, 0, "{out}{err}");

    let (code, _, err) = run(kafedra(&dir).args(["decide", &request, "cancel"]));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(kafedra(&dir).args(["decide", &request, "issue"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("решение уже принято"), "{err}");

    let (code, out, err) = run(kafedra(&dir).arg("sync"));
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = run(kafedra(&dir).args(["decide", &request, "issue"]));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("уже не ждёт решения (сейчас: отменён)"),
        "{err}"
    );

    let (code, _, err) = run(kafedra(&dir).args(["decide", "no-such", "issue"]));
    assert_eq!(code, 1, "{err}");
    drop(guard);
    rt.block_on(sim.shutdown());
}

/// The fund from the command line, on the real binary against the
/// simulator: `fund search` by genre (JSON lines), `fund lists`, and the
/// month's export read back by the MARC crate; a bad month is refused in
/// Russian and writes nothing.
#[test]
fn the_fund_from_the_command_line_search_lists_and_a_month_exported() {
    let rt = runtime();
    let sim = rt
        .block_on(sim::start(SimConfig {
            initial_fund_titles: 40,
            ..SimConfig::default()
        }))
        .expect("simulator");
    let d = Desk::new();
    let guard = d.release();
    let dir = guard.path().to_path_buf();
    let ca = dir.join("sim-ca.pem");
    let secret = dir.join("secret.txt");
    std::fs::write(&ca, &sim.ca_pem).unwrap();
    std::fs::write(&secret, "sim-secret\n").unwrap();
    let (code, _, err) = run(kafedra(&dir)
        .args([
            "provider",
            "set",
            "--url",
            &sim.base_url(),
            "--app",
            "kafedra-sim",
            "--secret-file",
        ])
        .arg(&secret)
        .arg("--ca")
        .arg(&ca));
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(kafedra(&dir).arg("sync"));
    assert_eq!(code, 0, "{out}{err}");

    let fund = sim.fund();
    let genre = fund[0].genre.clone().expect("a genre");
    let (code, out, err) = run(kafedra(&dir).args(["fund", "search", "--genre", &genre, "--json"]));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let expected = fund
        .iter()
        .filter(|f| f.genre.as_deref() == Some(genre.as_str()))
        .count();
    assert_eq!(lines.len(), expected);
    assert!(lines.iter().all(|l| l["genre"] == genre.as_str()));
    // The genre's first word typed into the search finds them too.
    let word = genre.split(' ').next().unwrap().to_lowercase();
    let (_, out, _) = run(kafedra(&dir).args(["fund", "search", &word, "--json"]));
    assert!(out.lines().count() >= expected);

    let (code, out, err) = run(kafedra(&dir).args(["fund", "lists"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Близко к 24-й выдаче"), "{out}");

    // Every title of the simulator's fund came in this month (bought now).
    let month = chrono::Local::now().format("%Y-%m").to_string();
    let mrc = dir.join("new.mrc");
    let (code, out, err) = run(kafedra(&dir)
        .args([
            "fund", "export", "--month", &month, "--format", "iso2709", "--out",
        ])
        .arg(&mrc));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Выгружено"), "{out}");
    let bytes = std::fs::read(&mrc).unwrap();
    let records: Vec<marc::Record<'static>> = marc::Records::new(&bytes[..])
        .collect::<Result<_, _>>()
        .expect("MARC records");
    let this_month = fund
        .iter()
        .filter(|f| {
            f.bought
                .is_some_and(|b| b.format("%Y-%m").to_string() == month)
        })
        .count();
    assert_eq!(records.len(), this_month);
    let csv_out = dir.join("bad.csv");
    let (code, _, err) = run(kafedra(&dir)
        .args([
            "fund",
            "export",
            "--month",
            "ноябрь",
            "--format",
            "csv",
            "--out",
        ])
        .arg(&csv_out));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("ГГГГ-ММ"), "{err}");
    assert!(!csv_out.exists());
}
