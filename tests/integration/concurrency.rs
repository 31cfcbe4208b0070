//! Two desks (two OS processes) binding logins from one pool in one SQLite
//! file at the same moment.

use std::collections::HashSet;
use std::process::{Command, Stdio};

use kafedra_core::services;

use crate::support::{Desk, pool_csv};

#[test]
fn two_processes_binding_at_once_never_share_a_login() {
    const READERS: usize = 40;
    let mut d = Desk::new();
    d.import(&pool_csv(READERS));
    let cards: Vec<String> = (0..READERS)
        .map(|i| {
            d.register(
                &format!("Читатель{}", "а".repeat(i % 5 + 1)),
                "Тест",
                &format!("{:02}.01.1980", i % 28 + 1),
                &format!("r{i}@mail.ru"),
            )
            .card
        })
        .collect();
    let guard = d.release();
    let dir = guard.path().to_path_buf();

    // Each desk works through its own half of the readers as fast as it can.
    let exe = env!("CARGO_BIN_EXE_kafedra");
    let spawn = |mine: Vec<String>| {
        let script = mine
            .iter()
            .map(|c| format!("\"$KF\" --data-dir \"$DIR\" bind {c} || echo FAIL {c} >&2"))
            .collect::<Vec<_>>()
            .join("\n");
        Command::new("sh")
            .arg("-c")
            .arg(script)
            .env("KF", exe)
            .env("DIR", &dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn desk")
    };
    let (even, odd): (Vec<_>, Vec<_>) = cards
        .iter()
        .cloned()
        .enumerate()
        .partition(|(i, _)| i % 2 == 0);
    let desk_a = spawn(even.into_iter().map(|(_, c)| c).collect());
    let desk_b = spawn(odd.into_iter().map(|(_, c)| c).collect());
    let a = desk_a.wait_with_output().unwrap();
    let b = desk_b.wait_with_output().unwrap();
    let errors = format!(
        "{}{}",
        String::from_utf8_lossy(&a.stderr),
        String::from_utf8_lossy(&b.stderr)
    );
    assert!(!errors.contains("FAIL"), "a desk was refused: {errors}");

    let store = kafedra_core::services::Store::open(&dir.join("kafedra.sqlite3")).unwrap();
    let bound = services::access::active_logins(&store).unwrap();
    assert_eq!(bound.len(), READERS, "every reader that asked got a login");
    let readers: HashSet<_> = bound.iter().map(|(r, _)| *r).collect();
    let logins: HashSet<&str> = bound.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(readers.len(), READERS, "one login per reader");
    assert_eq!(logins.len(), READERS, "no login bound twice");
    let counts = services::pool::counts(&store).unwrap();
    assert_eq!(
        (counts.free, counts.assigned),
        (0, READERS as u64),
        "none lost"
    );
}

#[test]
fn when_the_pool_runs_out_the_extra_desk_is_refused_cleanly() {
    let mut d = Desk::new();
    d.import(&pool_csv(5));
    let cards: Vec<String> = (0..8)
        .map(|i| {
            d.register(
                "Петрова",
                "Анна",
                &format!("{:02}.02.1990", i + 1),
                &format!("p{i}@mail.ru"),
            )
            .card
        })
        .collect();
    let guard = d.release();
    let dir = guard.path().to_path_buf();
    let exe = env!("CARGO_BIN_EXE_kafedra");
    let children: Vec<_> = cards
        .iter()
        .map(|c| {
            Command::new(exe)
                .arg("--data-dir")
                .arg(&dir)
                .args(["bind", c])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let ok = outputs.iter().filter(|o| o.status.success()).count();
    let refused: Vec<String> = outputs
        .iter()
        .filter(|o| !o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .collect();
    assert_eq!(ok, 5);
    assert_eq!(refused.len(), 3);
    assert!(
        refused
            .iter()
            .all(|e| e.contains("Свободных логинов не осталось")),
        "{refused:?}"
    );
    let store = kafedra_core::services::Store::open(&dir.join("kafedra.sqlite3")).unwrap();
    let logins: HashSet<String> = services::access::active_logins(&store)
        .unwrap()
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    assert_eq!(logins.len(), 5);
}
