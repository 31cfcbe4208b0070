//! Store tests on a real SQLite file in a temporary folder.

use chrono::NaiveDate;

use super::*;
use crate::domain::card_number::CardPattern;
use crate::domain::event::{Actor, EventKind};
use crate::domain::reader::{Channel, ValidReader};
use crate::domain::records::{DuplicateReason, ReaderId};

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    actor: Actor,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.sqlite3")).unwrap();
    Fixture {
        _dir: dir,
        store,
        actor: Actor {
            staff: "Смирнова О. В.".into(),
            desk: "кафедра 1".into(),
        },
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
}

fn person(surname: &str, name: &str, birth: (i32, u32, u32)) -> ValidReader {
    ValidReader {
        surname: surname.into(),
        name: name.into(),
        patronymic: Some("Петровна".into()),
        birth_date: NaiveDate::from_ymd_opt(birth.0, birth.1, birth.2).unwrap(),
        card: None,
        email: Some(format!("{}@mail.ru", crate::sample::translit(surname))),
        phone: None,
        channel: Channel::Desk,
        representative: None,
    }
}

fn add(f: &mut Fixture, r: &ValidReader) -> crate::domain::records::Reader {
    f.store
        .insert_reader(
            NewReaderRow {
                reader: r,
                consent_version: "2025-09",
                provider_account: None,
            },
            &CardPattern::parse("{YYYY}{N:6}").unwrap(),
            today(),
            &f.actor,
        )
        .unwrap()
}

fn accounts(n: usize) -> Vec<NewAccount> {
    (0..n)
        .map(|i| NewAccount {
            line: i + 2,
            login: format!("LR-{:04}", i + 1),
            password: format!("pw{i}"),
            provider_card: None,
        })
        .collect()
}

#[test]
fn migrations_are_applied_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.sqlite3");
    let s = Store::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len() as i64);
    drop(s);
    let s = Store::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len() as i64);
}

#[test]
fn registration_generates_cards_and_records_consent_and_journal() {
    let mut f = fixture();
    let a = add(&mut f, &person("Иванова", "Мария", (1990, 3, 5)));
    let b = add(&mut f, &person("Петрова", "Анна", (1985, 1, 1)));
    assert_eq!(a.card, "2026000001");
    assert_eq!(b.card, "2026000002");
    let c = f.store.consent(a.id).unwrap().unwrap();
    assert_eq!(c.version, "2025-09");
    assert_eq!(c.staff, "Смирнова О. В.");
    assert_eq!(
        f.store
            .count_events(EventKind::ReaderRegistered, Some(a.id))
            .unwrap(),
        1
    );
    assert_eq!(
        f.store
            .count_events(EventKind::ConsentGiven, Some(a.id))
            .unwrap(),
        1
    );
    // A typed card that collides with the pattern is skipped by the generator.
    let mut typed = person("Сидорова", "Ольга", (1970, 5, 5));
    typed.card = Some("2026000003".into());
    add(&mut f, &typed);
    let d = add(&mut f, &person("Кузнецова", "Нина", (1960, 5, 5)));
    assert_eq!(d.card, "2026000004");
}

#[test]
fn taken_card_is_refused_with_the_holder_named() {
    let mut f = fixture();
    let mut r = person("Иванова", "Мария", (1990, 3, 5));
    r.card = Some("A-100".into());
    add(&mut f, &r);
    let holder = f.store.card_holder("a100").unwrap().unwrap();
    assert_eq!(holder, "Иванова Мария Петровна");
    let mut other = person("Петрова", "Анна", (1985, 1, 1));
    other.card = Some("A-100".into());
    let err = f
        .store
        .insert_reader(
            NewReaderRow {
                reader: &other,
                consent_version: "2025-09",
                provider_account: None,
            },
            &CardPattern::parse("{N}").unwrap(),
            today(),
            &f.actor,
        )
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::CardTaken { holder, .. } if holder == "Иванова Мария Петровна"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("уже выдан читателю Иванова Мария Петровна")
    );
    assert_eq!(f.store.reader_count().unwrap(), 1);
}

#[test]
fn search_finds_by_any_part_case_and_yo_insensitive() {
    let mut f = fixture();
    let elkina = add(&mut f, &person("Ёлкина", "Софья", (1990, 3, 5)));
    let ivanova = add(&mut f, &person("Иванова", "Мария", (1991, 3, 5)));
    let smith = add(&mut f, &person("Smith", "Anna", (1992, 3, 5)));
    let ids = |q: &str| -> Vec<ReaderId> {
        f.store
            .search_readers(q, 50)
            .unwrap()
            .into_iter()
            .map(|h| h.id)
            .collect()
    };
    assert_eq!(ids("елк"), [elkina.id]);
    assert_eq!(ids("ЁЛКИНА"), [elkina.id]);
    assert_eq!(ids("лкин"), [elkina.id], "substring inside the surname");
    assert_eq!(ids("соф"), [elkina.id], "by name");
    assert_eq!(ids("ива мар"), [ivanova.id], "surname and name prefixes");
    assert_eq!(ids("мария иванова"), [ivanova.id], "name first");
    assert_eq!(ids("иванова мария петровна"), [ivanova.id], "the whole ФИО");
    assert_eq!(ids("лкина соф"), [elkina.id], "parts from inside the words");
    assert_eq!(ids("smi"), [smith.id], "Latin");
    assert_eq!(ids("ANNA"), [smith.id]);
    assert_eq!(ids("и"), [ivanova.id], "one letter: prefix");
    assert_eq!(ids(&ivanova.card), [ivanova.id], "card");
    assert_eq!(
        ids("2026"),
        [elkina.id, ivanova.id, smith.id],
        "card prefix"
    );
    assert_eq!(
        ids("петровна").len(),
        3,
        "patronymic is part of the full name"
    );
    assert!(ids("zzz").is_empty());
    // Empty query: newest first.
    assert_eq!(ids(""), [smith.id, ivanova.id, elkina.id]);
}

#[test]
fn search_by_login_and_duplicates() {
    let mut f = fixture();
    let r = add(&mut f, &person("Иванова", "Мария", (1990, 3, 5)));
    let rows = accounts(3);
    f.store
        .import_accounts("litres", &rows, "a.csv", "UTF-8", &f.actor, &mut |_, _| {})
        .unwrap()
        .unwrap();
    let b = f
        .store
        .bind_free_account("litres", r.id, None, &f.actor)
        .unwrap();
    assert_eq!(b.account.login, "LR-0001");
    let hits = f.store.search_readers("lr-0001", 50).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].login.as_deref(), Some("LR-0001"));

    let same = person("ИВАНОВА", "мария", (1990, 3, 5));
    let same = ValidReader {
        surname: "Иванова".into(),
        name: "Мария".into(),
        email: None,
        phone: None,
        ..same
    };
    let dups = f.store.find_duplicates(&same).unwrap();
    assert_eq!(dups.len(), 1);
    assert_eq!(dups[0].reasons, [DuplicateReason::NameAndBirthDate]);
    let mut by_mail = person("Другая", "Фамилия", (2000, 1, 1));
    by_mail.email = Some("ivanova@mail.ru".into());
    let dups = f.store.find_duplicates(&by_mail).unwrap();
    assert_eq!(dups[0].reasons, [DuplicateReason::Email]);
}

#[test]
fn import_is_all_or_nothing() {
    let mut f = fixture();
    f.store
        .import_accounts(
            "litres",
            &accounts(5),
            "a.csv",
            "UTF-8",
            &f.actor,
            &mut |_, _| {},
        )
        .unwrap()
        .unwrap();
    let mut second = accounts(8);
    second.drain(0..3); // LR-0004 .. LR-0008: two already in the pool
    let conflicts = f
        .store
        .import_accounts(
            "litres",
            &second,
            "b.csv",
            "UTF-8",
            &f.actor,
            &mut |_, _| {},
        )
        .unwrap()
        .unwrap_err();
    let lines: Vec<(usize, &str, &str)> = conflicts
        .first
        .iter()
        .map(|c| (c.line, c.login.as_str(), c.existing.as_str()))
        .collect();
    assert_eq!(
        lines,
        [(5, "LR-0004", "LR-0004"), (6, "LR-0005", "LR-0005")]
    );
    assert_eq!(conflicts.total, 2);
    let counts = f.store.pool_counts("litres").unwrap();
    assert_eq!(counts.free, 5, "nothing of the refused file was written");
    assert_eq!(f.store.imports(10).unwrap().len(), 1);
    assert_eq!(
        f.store.count_events(EventKind::PoolImported, None).unwrap(),
        1
    );
}

/// Migration 003: logins stored before the login key get their `login_norm`
/// recomputed (in Rust), so a look-alike of an old login is a duplicate.
#[test]
fn old_logins_get_the_login_key_and_look_alikes_of_them_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.sqlite3");
    let actor = Actor {
        staff: "С".into(),
        desk: "1".into(),
    };
    let row = |line: usize, login: &str| NewAccount {
        line,
        login: login.into(),
        password: "pw".into(),
        provider_card: None,
    };
    // A database as version 2 wrote it: its schema only, an imported login
    // with `compact_code` as its stored form, a decision waiting in the outbox.
    {
        let c = Connection::open(&path).unwrap();
        for sql in &MIGRATIONS[..2] {
            c.execute_batch(sql).unwrap();
        }
        c.execute_batch(
            "INSERT INTO imports (id, file_name, encoding, rows, at, staff)
                VALUES (1, 'old.csv', 'UTF-8', 1, '2025-01-01T00:00:00Z', 'С');
             INSERT INTO accounts (provider, login, login_norm, password, import_id)
                VALUES ('litres', 'АВС-1', 'авс1', 'pw', 1);
             INSERT INTO outbox (kind, payload, request_id, created_at, created_by)
                VALUES ('issue', '{\"request_id\":\"r1\"}', 'r1', '2025-01-01T00:00:00Z', 'С');
             PRAGMA user_version = 2;",
        )
        .unwrap();
    }
    let mut s = Store::open(&path).unwrap();
    assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len() as i64);
    let norm: String = s
        .conn
        .query_row("SELECT login_norm FROM accounts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(norm, "abc1");
    // Migration 004 rebuilt the outbox with its rows, and knows the new writes.
    let waiting = s.next_outbox(chrono::Utc::now()).unwrap().expect("kept");
    assert_eq!(waiting.request_id.unwrap().as_str(), "r1");
    s.conn
        .execute(
            "INSERT INTO outbox (kind, payload, created_at, created_by)
             VALUES ('issue_direct', '{}', '2026-01-01T00:00:00Z', 'С')",
            [],
        )
        .unwrap();
    let conflicts = s
        .import_accounts(
            "litres",
            &[row(2, "abc-1"), row(3, "abc1")],
            "new.csv",
            "UTF-8",
            &actor,
            &mut |_, _| {},
        )
        .unwrap()
        .unwrap_err();
    // «abc1» shares the stored form but not the key: not a conflict.
    assert_eq!(conflicts.total, 1);
    assert_eq!(
        conflicts.first,
        [Conflict {
            line: 2,
            login: "abc-1".into(),
            existing: "АВС-1".into(),
            import_file: Some("old.csv".into()),
        }]
    );
}

#[test]
fn binding_rules() {
    let mut f = fixture();
    let a = add(&mut f, &person("Иванова", "Мария", (1990, 3, 5)));
    let b = add(&mut f, &person("Петрова", "Анна", (1985, 1, 1)));
    let c = add(&mut f, &person("Сидорова", "Ольга", (1980, 1, 1)));
    f.store
        .import_accounts(
            "litres",
            &accounts(2),
            "a.csv",
            "UTF-8",
            &f.actor,
            &mut |_, _| {},
        )
        .unwrap()
        .unwrap();
    let proposed = f.store.peek_free_account("litres").unwrap().unwrap();
    assert_eq!(proposed.login, "LR-0001");
    // Another desk takes the proposed login first…
    let first = f
        .store
        .bind_free_account("litres", b.id, Some(proposed.id), &f.actor)
        .unwrap();
    assert_eq!(first.account.login, "LR-0001");
    // …so this desk's confirmation binds the next free one.
    let second = f
        .store
        .bind_free_account("litres", a.id, Some(proposed.id), &f.actor)
        .unwrap();
    assert_eq!(second.account.login, "LR-0002");
    // One active login per reader.
    assert!(matches!(
        f.store.bind_free_account("litres", a.id, None, &f.actor),
        Err(BindError::AlreadyBound { .. })
    ));
    // The pool is empty now.
    assert!(matches!(
        f.store.bind_free_account("litres", c.id, None, &f.actor),
        Err(BindError::PoolEmpty)
    ));
    // Block and replace.
    f.store
        .import_accounts(
            "litres",
            &[NewAccount {
                line: 1,
                login: "LR-9".into(),
                password: "x".into(),
                provider_card: None,
            }],
            "c.csv",
            "UTF-8",
            &f.actor,
            &mut |_, _| {},
        )
        .unwrap()
        .unwrap();
    let ended = f
        .store
        .block_active_account("litres", a.id, "памятка утеряна", &f.actor)
        .unwrap();
    assert!(ended.ended_at.is_some());
    assert_eq!(ended.account.status, crate::domain::AccountStatus::Blocked);
    let new = f
        .store
        .bind_free_account("litres", a.id, None, &f.actor)
        .unwrap();
    assert_eq!(new.account.login, "LR-9");
    assert_eq!(f.store.bindings_of(a.id).unwrap().len(), 2);
    let counts = f.store.pool_counts("litres").unwrap();
    assert_eq!((counts.free, counts.assigned, counts.blocked), (0, 2, 1));
    assert_eq!(
        f.store.count_events(EventKind::LoginBound, None).unwrap(),
        3
    );
    assert_eq!(
        f.store
            .count_events(EventKind::LoginBlocked, Some(a.id))
            .unwrap(),
        1
    );
}

#[test]
fn journal_is_append_only() {
    let mut f = fixture();
    add(&mut f, &person("Иванова", "Мария", (1990, 3, 5)));
    let err = f.store.try_tamper_journal().unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let entries = f.store.journal(None, None, 10).unwrap();
    assert_eq!(entries.len(), 2);
    assert!(
        entries
            .iter()
            .all(|e| e.staff == "Смирнова О. В." && e.desk == "кафедра 1")
    );
    assert_eq!(
        entries[0].reader_name.as_deref(),
        Some("Иванова Мария Петровна")
    );
}
