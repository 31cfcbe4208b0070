//! Personal data stays with its owner, and the desk keeps working around it:
//! private files, journaled bulk listings, no secret in an error, read-only
//! commands that never wait for a writer, a failed print that leaves no
//! password on disk.

use kafedra_core::domain::EventKind;
use kafedra_core::services::{self, Store};

use crate::support::{Desk, kafedra, pool_csv, run};

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn a_fresh_data_folder_is_the_users_only() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("kafedra-data");
    let pool = root.path().join("pool.csv");
    std::fs::write(&pool, pool_csv(2)).unwrap();
    let (code, _, err) = run(kafedra(&dir).args(["pool", "import"]).arg(&pool));
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(kafedra(&dir).args([
        "reader",
        "add",
        "--surname",
        "Тайнова",
        "--name",
        "Ольга",
        "--birth-date",
        "01.02.1980",
        "--phone",
        "+7 912 000-00-01",
        "--consent",
    ]));
    assert_eq!(code, 0, "{err}");
    let card = out.trim().rsplit(' ').next().unwrap().to_string();
    let (code, _, err) = run(kafedra(&dir).arg("bind").arg(&card));
    assert_eq!(code, 0, "{err}");
    let slip = dir.join("slip.pdf");
    let (code, _, err) = run(kafedra(&dir).arg("slip").arg(&card).arg("--out").arg(&slip));
    assert_eq!(code, 0, "{err}");

    assert_eq!(mode(&dir), 0o700, "the data folder");
    assert_eq!(mode(&dir.join("logs")), 0o700, "the log folder");
    for file in [
        "kafedra.sqlite3",
        "kafedra.sqlite3-wal",
        "kafedra.sqlite3-shm",
    ] {
        let path = dir.join(file);
        if path.exists() {
            assert_eq!(mode(&path), 0o600, "{file}");
        }
    }
    assert_eq!(mode(&slip), 0o600, "a slip holds a password");
}

#[test]
fn listing_readers_in_bulk_is_journaled_and_a_wrong_layout_is_understood() {
    let mut d = Desk::new();
    d.register("Соколова", "Анна", "01.02.1970", "sokolova@mail.ru");
    let guard = d.release();
    let dir = guard.path().to_path_buf();

    let (code, out, err) = run(kafedra(&dir).args(["reader", "find", ""]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Соколова Анна"), "{out}");
    // Typed with the Latin layout on.
    let (code, out, err) = run(kafedra(&dir).args(["reader", "find", "cjrjkjdf"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Соколова Анна"), "{out}");
    assert!(err.contains("«соколова»"), "{err}");

    let store = Store::open(&dir.join("kafedra.sqlite3")).unwrap();
    assert_eq!(
        services::journal::count(&store, EventKind::ReadersListed, None).unwrap(),
        2
    );
    let entries = services::journal::entries(&store, None, None, 10).unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.event() == Some(EventKind::ReadersListed)
                && e.details.contains("запрос «соколова»")),
        "{entries:?}"
    );
}

#[test]
fn a_damaged_connection_file_never_quotes_the_secret() {
    let d = Desk::new();
    let guard = d.release();
    let dir = guard.path().to_path_buf();
    // A secret written as a number: the parser's own message would quote it.
    std::fs::write(
        dir.join("provider.toml"),
        "url = \"https://ebs.example\"\napp_id = \"a\"\nsecret = 98765432123\nlibhouse = 1\nlogin = \"l\"\npassword = \"p\"\nextra_ca = false\n",
    )
    .unwrap();
    for args in [vec!["provider", "show"], vec!["sync"]] {
        let (code, out, err) = run(kafedra(&dir).args(&args));
        assert_eq!(code, 3, "a broken file is a failure: {args:?} {err}");
        assert!(err.contains("повреждён"), "{err}");
        assert!(err.contains("secret"), "names the key: {err}");
        assert!(
            !err.contains("98765432123") && !out.contains("98765432123"),
            "the secret leaked: {err}"
        );
    }
}

#[test]
fn read_only_commands_do_not_wait_for_a_writer() {
    let d = Desk::new();
    let guard = d.release();
    let dir = guard.path().to_path_buf();
    // Another desk is writing: it holds the write lock for the whole test.
    let other = rusqlite::Connection::open(dir.join("kafedra.sqlite3")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    // (`reader find` journals the listing: that write waits for the lock.)
    for args in [
        vec!["pool", "status"],
        vec!["journal"],
        vec!["provider", "show"],
    ] {
        let (code, out, err) = run(kafedra(&dir).args(&args));
        assert_eq!(code, 0, "{args:?}: {out}{err}");
    }
    other.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn a_failed_print_leaves_no_slip_on_disk_and_is_journaled() {
    let mut d = Desk::new();
    d.import(&pool_csv(1));
    let r = d.register("Печатова", "Нина", "01.02.1970", "p@mail.ru");
    services::access::grant(&mut d.store, &d.ctx, r.id, None).unwrap();
    let guard = d.release();
    let dir = guard.path().to_path_buf();
    // No print system at all: `lp` cannot be found.
    let empty = tempfile::tempdir().unwrap();
    let (code, _, err) = run(kafedra(&dir)
        .env("PATH", empty.path())
        .args(["slip", &r.card, "--print"]));
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("CUPS"), "{err}");
    let left: Vec<_> = std::fs::read_dir(dir.join("slips"))
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "a slip with a password was left: {left:?}");
    let store = Store::open(&dir.join("kafedra.sqlite3")).unwrap();
    assert_eq!(
        services::journal::count(&store, EventKind::SlipPrintFailed, Some(r.id)).unwrap(),
        1
    );
    assert_eq!(
        services::journal::count(&store, EventKind::SlipPrinted, Some(r.id)).unwrap(),
        0
    );
}

/// Pool passwords are sealed in the database with a key kept beside the
/// settings: the database file alone (a copy, a backup) reveals none of them,
/// while the slip and «Показать пароль» still give them.
#[test]
fn a_copied_database_reveals_no_pool_password() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("desk");
    let pool = root.path().join("pool.csv");
    std::fs::write(&pool, pool_csv(3)).unwrap();
    let (code, _, err) = run(kafedra(&dir).args(["pool", "import"]).arg(&pool));
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(kafedra(&dir).args([
        "reader",
        "add",
        "--surname",
        "Ключева",
        "--name",
        "Анна",
        "--birth-date",
        "01.02.1980",
        "--email",
        "k@mail.ru",
        "--consent",
    ]));
    assert_eq!(code, 0, "{err}");
    let card = out.trim().rsplit(' ').next().unwrap().to_string();
    let (code, _, err) = run(kafedra(&dir).arg("bind").arg(&card));
    assert_eq!(code, 0, "{err}");
    // Everything on disk in the data folder except the key.
    let mut leaked = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "pool.key" || entry.path().is_dir() {
            continue;
        }
        let bytes = std::fs::read(entry.path()).unwrap();
        for i in 1..=3 {
            let password = format!("Pw0O1lI-{i:04}");
            if bytes
                .windows(password.len())
                .any(|w| w == password.as_bytes())
            {
                leaked.push(format!("{password} in {name}"));
            }
        }
    }
    assert!(leaked.is_empty(), "{leaked:?}");
    // The slip still prints the password.
    let slip = root.path().join("slip.pdf");
    let (code, _, err) = run(kafedra(&dir).arg("slip").arg(&card).arg("--out").arg(&slip));
    assert_eq!(code, 0, "{err}");
    let text = crate::support::squash(&crate::support::pdf_text(&slip));
    assert!(text.contains("Pw0O1lI-0001"), "{text}");
    // Without the key the database cannot give it.
    std::fs::remove_file(dir.join("pool.key")).unwrap();
    let (code, _, err) = run(kafedra(&dir).arg("slip").arg(&card).arg("--out").arg(&slip));
    assert_ne!(code, 0);
    assert!(err.contains("ключ"), "{err}");
}

/// A print system that answers like CUPS: `lpstat` and `lp` are scripts on
/// the PATH that record what they were asked.
#[cfg(unix)]
fn fake_cups(dir: &std::path::Path, printer_state: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("lp-args.txt");
    let lp = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\necho 'request id is Desk-7 (1 file(s))'\n",
        log.display()
    );
    let lpstat = format!(
        "#!/bin/sh\ncase \"$1\" in\n-p) echo 'printer Desk {printer_state} since Sun 29 Nov 2026';;\n-d) echo 'system default destination: Desk';;\n-e) echo Desk;;\nesac\n"
    );
    for (name, body) in [("lp", lp), ("lpstat", lpstat)] {
        let path = bin.join(name);
        std::fs::write(&path, body).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    bin
}

#[cfg(unix)]
#[test]
fn printing_says_the_job_in_russian_uses_the_receipt_paper_and_leaves_nothing() {
    use kafedra_core::config::Settings;
    let mut d = Desk::with_settings(Settings {
        staff_name: "Тестова Т. Т.".into(),
        printer: "Desk".into(),
        receipt_media: "Custom.80x200mm".into(),
        ..Settings::default()
    });
    d.import(&pool_csv(1));
    let r = d.register("Чекова", "Нина", "01.02.1970", "c@mail.ru");
    services::access::grant(&mut d.store, &d.ctx, r.id, None).unwrap();
    let guard = d.release();
    let dir = guard.path().to_path_buf();
    let bin = fake_cups(&dir, "is idle.  enabled");
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let (code, out, err) = run(kafedra(&dir)
        .env("PATH", &path)
        .args(["slip", &r.card, "--print", "--layout", "receipt"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("принтер «Desk», задание Desk-7"),
        "said in Russian: {out}"
    );
    assert!(!out.contains("request id"), "{out}");
    let args = std::fs::read_to_string(dir.join("lp-args.txt")).unwrap();
    assert!(args.contains("media=Custom.80x200mm"), "{args}");
    assert!(args.lines().any(|l| l == "Desk"), "{args}");
    let left: Vec<_> = std::fs::read_dir(dir.join("slips"))
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    let store = Store::open(&dir.join("kafedra.sqlite3")).unwrap();
    let entries = services::journal::entries(&store, Some(r.id), None, 20).unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.event() == Some(EventKind::SlipPrinted) && e.details.contains("Desk-7")),
        "{entries:?}"
    );

    // A stopped printer: nothing is sent, and the librarian is told.
    std::fs::remove_file(dir.join("lp-args.txt")).unwrap();
    let bin = fake_cups(&dir, "disabled");
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let (code, _, err) = run(kafedra(&dir)
        .env("PATH", &path)
        .args(["slip", &r.card, "--print"]));
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("остановлен"), "{err}");
    assert!(!dir.join("lp-args.txt").exists(), "nothing was sent");
}

/// The system's English never reaches the librarian: a missing file is said
/// in Russian, and the log (English, for admins) is off unless asked for.
#[test]
fn system_errors_are_said_in_russian() {
    let d = Desk::new();
    let guard = d.release();
    let dir = guard.path().to_path_buf();
    let (code, out, err) = run(kafedra(&dir).args(["pool", "import", "/no/such/pool.csv"]));
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("нет такого файла или папки"), "{err}");
    for english in ["os error", "No such file", "WARN", "ERROR"] {
        assert!(
            !err.contains(english) && !out.contains(english),
            "{english}: {err}"
        );
    }
    // On Linux `//tmp/…` is a local path, not a network share.
    #[cfg(target_os = "linux")]
    {
        let local = format!("/{}", dir.join("sub").display());
        let (code, _, err) = run(kafedra(std::path::Path::new(&local)).args(["pool", "status"]));
        assert_eq!(code, 0, "{err}");
    }
}

/// The log file gets what the program did, never whom it did it to: after a
/// desk flow and a sync with the provider at the trace level, no reader's
/// name, card, e-mail, login or password and no provider secret is in it.
#[test]
fn the_log_file_holds_no_personal_data_and_no_secret() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sim = rt
        .block_on(kafedra_core::sim::start(
            kafedra_core::sim::SimConfig::default(),
        ))
        .unwrap();
    let remote = sim.add_reader(
        "Лебедева Зинаида Павловна",
        chrono::NaiveDate::from_ymd_opt(1970, 2, 3).unwrap(),
        Some("zina.lebedeva@mail.ru"),
        None,
    );
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let with_debug = |args: &[&str]| {
        let mut cmd = kafedra(dir);
        cmd.env("KAFEDRA_LOG", "trace").args(args);
        cmd
    };
    std::fs::write(dir.join("pool.csv"), pool_csv(2)).unwrap();
    std::fs::write(dir.join("secret.txt"), "sim-secret\n").unwrap();
    std::fs::write(dir.join("ca.pem"), &sim.ca_pem).unwrap();
    let steps: Vec<Vec<String>> = vec![
        vec![
            "pool".into(),
            "import".into(),
            dir.join("pool.csv").display().to_string(),
        ],
        vec![
            "reader",
            "add",
            "--surname",
            "Орешкина",
            "--name",
            "Вероника",
            "--birth-date",
            "1991-07-08",
            "--email",
            "oreshkina@mail.ru",
            "--channel",
            "desk",
            "--consent",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
    ];
    for args in &steps {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, _, err) = run(&mut with_debug(&args));
        assert_eq!(code, 0, "{err}");
    }
    let (code, out, err) = run(&mut with_debug(&["reader", "find", "Орешкина"]));
    assert_eq!(code, 0, "{err}");
    let card = out
        .split_whitespace()
        .find(|w| w.len() == 10 && w.chars().all(|c| c.is_ascii_digit()))
        .expect("card number")
        .to_owned();
    for args in [
        vec!["bind", card.as_str()],
        vec!["slip", card.as_str(), "--out", "slip.pdf"],
    ] {
        let (code, _, err) = run(with_debug(&args).current_dir(dir));
        assert_eq!(code, 0, "{err}");
    }
    let url = sim.base_url();
    let secret = dir.join("secret.txt").display().to_string();
    let ca = dir.join("ca.pem").display().to_string();
    let (code, _, err) = run(&mut with_debug(&[
        "provider",
        "set",
        "--url",
        &url,
        "--app",
        "kafedra-sim",
        "--secret-file",
        &secret,
        "--ca",
        &ca,
        "--pace-ms",
        "10",
    ]));
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(&mut with_debug(&["sync"]));
    assert_eq!(code, 0, "{out}{err}");

    let logs: Vec<std::path::PathBuf> = std::fs::read_dir(dir.join("logs"))
        .expect("a log folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(logs.len(), 1, "one file a day: {logs:?}");
    let log = std::fs::read_to_string(&logs[0]).unwrap();
    assert!(log.contains("kafedra started"), "{log}");
    assert!(log.contains("provider session created"), "{log}");
    for secret in [
        "Орешкина",
        "Вероника",
        "oreshkina@mail.ru",
        card.as_str(),
        "LR-0001",
        "Pw0O1lI-0001",
        "Лебедева",
        "zina.lebedeva@mail.ru",
        remote.lib_card.as_str(),
        remote.password.as_str(),
        "sim-secret",
        "library-password",
    ] {
        assert!(!log.contains(secret), "{secret:?} is in the log:\n{log}");
    }
    rt.block_on(sim.shutdown());
}
