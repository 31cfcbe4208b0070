//! The requests desk over a real SQLite file: requests tied to local readers
//! (by a bound login's card, by the card number, by hand), the rules checked
//! with the readers' history and the fund, the queue in the policy's order,
//! decisions that break a rule refused until confirmed, and «Книгооборот».

use chrono::{Datelike, Duration, Local, NaiveDate, Utc};

use super::{Context, Error, Store, lending, pool, readers, requests};
use crate::config::{Paths, Settings};
use crate::domain::event::EventKind;
use crate::domain::ids::{ReaderId, RequestId};
use crate::domain::policy::Policy;
use crate::domain::reader::{Channel, ReaderDraft};
use crate::domain::request::{
    BookKind, BookRequest, Buyer, Decision, DecisionKind, RefusalReason, RequestStatus,
};
use crate::domain::rules::Rule;
use crate::provider::api::{LendingRules, Money};
use crate::store::FundRow;

struct Desk {
    _dir: tempfile::TempDir,
    store: Store,
    ctx: Context,
}

fn desk() -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::portable(dir.path());
    let settings = Settings {
        staff_name: "Смирнова О. В.".into(),
        desk_name: "кафедра 1".into(),
        ..Settings::default()
    };
    let store = Store::open(&paths.db_file()).unwrap();
    Desk {
        _dir: dir,
        store,
        ctx: Context::new(settings, paths),
    }
}

/// A birth date `years` ago on the 1st of this month: that many full years today.
fn years_ago(years: i32) -> String {
    let today = Local::now().date_naive();
    NaiveDate::from_ymd_opt(today.year() - years, today.month(), 1)
        .unwrap()
        .format("%d.%m.%Y")
        .to_string()
}

fn register(d: &mut Desk, surname: &str, name: &str, birth: String, card: &str) -> ReaderId {
    let minor = {
        let b = crate::domain::reader::parse_date(&birth).unwrap();
        crate::domain::reader::age_on(b, Local::now().date_naive()) < 14
    };
    let draft = ReaderDraft {
        surname: surname.into(),
        name: name.into(),
        patronymic: "Петровна".into(),
        birth_date: birth,
        card: card.into(),
        email: String::new(),
        phone: "8 912 345-67-89".into(),
        channel: Channel::Desk,
        consent: true,
        representative: if minor {
            "Иванова Анна Сергеевна".into()
        } else {
            String::new()
        },
    };
    readers::register(&mut d.store, &d.ctx, &draft, true)
        .unwrap()
        .id
}

fn request(id: &str, lib_card: &str, art: u64, title: &str, genre: &str) -> BookRequest {
    BookRequest {
        id: RequestId(id.into()),
        lib_card: lib_card.into(),
        reader_name: Some("Неизвестная Анна Ивановна".into()),
        reader_birth_date: None,
        art,
        title: title.into(),
        authors: "Автор А. А.".into(),
        genre: Some(genre.into()),
        kind: BookKind::Ebook,
        price_kopecks: Some(34_950),
        age_rating: Some(0),
        status: RequestStatus::Pending,
        created: Some(Utc::now() - Duration::hours(2)),
        updated: Some(Utc::now() - Duration::hours(2)),
        ..BookRequest::default()
    }
}

struct World {
    d: Desk,
    adult: ReaderId,
    child: ReaderId,
    teen: ReaderId,
}

/// Three local readers: an adult with a pool login (provider card
/// 700000000) and five books on hand; a child whose card number is the
/// provider card; a teenager tied by hand. Plus a card nobody at the desk holds.
fn world() -> World {
    let mut d = desk();
    let adult = register(&mut d, "Смирнова", "Ольга", years_ago(40), "");
    let child = register(&mut d, "Иванова", "Маша", years_ago(10), "4242000002");
    let teen = register(&mut d, "Петрова", "Ася", years_ago(16), "");
    let csv = "Логин;Пароль;Номер карты\nLR-000001;pw12345678;700000000\n";
    pool::import(
        &mut d.store,
        &d.ctx,
        csv.as_bytes(),
        "pool.csv",
        &mut |_, _| {},
    )
    .unwrap();
    super::access::grant(&mut d.store, &d.ctx, adult, None).unwrap();
    requests::link(&mut d.store, &d.ctx, "555", teen).unwrap();

    let mut rows = Vec::new();
    // The adult's five books on hand, asked for a year and more ago.
    for i in 0..5 {
        let mut r = request(
            &format!("old{i}"),
            "700000000",
            100 + i,
            "Старая",
            "Классика",
        );
        r.status = RequestStatus::Issued;
        r.created = Some(Utc::now() - Duration::days(400 + i as i64));
        r.loan_due = Some(Local::now().date_naive() + Duration::days(3));
        r.bought_by = (i == 0).then_some(Buyer::Library);
        r.updated = Some(Utc::now() - Duration::hours(1));
        rows.push(r);
    }
    let mut r1 = request("r1", "700000000", 70_000_001, "История России", "История");
    r1.created = Some(Utc::now() - Duration::hours(30));
    rows.push(r1);
    let mut r2 = request(
        "r2",
        "4242000002",
        70_000_002,
        "Сказки",
        "Детская литература",
    );
    r2.age_rating = Some(6);
    rows.push(r2);
    let mut r3 = request("r3", "999", 70_000_003, "Детектив", "Детектив");
    r3.created = Some(Utc::now() - Duration::hours(50));
    rows.push(r3);
    let mut r4 = request(
        "r4",
        "555",
        70_000_004,
        "Взрослый роман",
        "Современная проза",
    );
    r4.age_rating = Some(18);
    r4.draft = true;
    rows.push(r4);
    d.store.store_requests(&rows, None, 0).unwrap();
    d.store
        .store_fund(
            &[FundRow {
                art: 70_000_001,
                title: "История России".into(),
                authors: "Автор А. А.".into(),
                kind: BookKind::Ebook,
                copies: 1,
                on_loan: 0,
                issues: 23,
                copy_issues: vec![23],
                ..FundRow::default()
            }],
            chrono::Local::now().date_naive(),
        )
        .unwrap();
    let rules = LendingRules {
        max_on_hand: Some(5),
        price_cap: Some(Money::from_rub(700)),
        age_check: true,
        ..LendingRules::default()
    };
    d.store
        .store_library_info("ЦГБ", 100_000, &serde_json::to_string(&rules).unwrap())
        .unwrap();
    World {
        d,
        adult,
        child,
        teen,
    }
}

fn entry<'a>(q: &'a requests::Queue, id: &str) -> &'a requests::QueueEntry {
    q.entries
        .iter()
        .find(|e| e.request.id.as_str() == id)
        .unwrap()
}

fn message(e: &requests::QueueEntry, rule: Rule) -> (bool, String) {
    let v = e.verdicts.iter().find(|v| v.rule == rule).unwrap();
    (v.passed, v.message.clone())
}

#[test]
fn requests_are_tied_to_readers_by_login_card_and_link() {
    let w = world();
    let q = requests::queue(&w.d.store, Utc::now()).unwrap();
    assert_eq!(q.entries.len(), 4, "issued requests are not in the queue");
    let r1 = entry(&q, "r1");
    assert_eq!(r1.reader.as_ref().unwrap().id, w.adult);
    assert_eq!((r1.previous, r1.on_hand), (5, 5));
    assert_eq!(r1.age, Some(40));
    assert!(r1.reader_since.unwrap() < Utc::now() - Duration::days(399));
    let r2 = entry(&q, "r2");
    assert_eq!(r2.reader.as_ref().unwrap().id, w.child);
    assert_eq!(r2.previous, 0);
    assert_eq!(entry(&q, "r4").reader.as_ref().unwrap().id, w.teen);
    let r3 = entry(&q, "r3");
    assert!(r3.reader.is_none());
    assert_eq!(r3.reader_name(), "Неизвестная Анна Ивановна");
    assert_eq!(r3.addressee(), "Анна Ивановна");
    // The JSON line names the local card, or null.
    let json: serde_json::Value = serde_json::from_str(&requests::json_line(r2)).unwrap();
    assert_eq!(json["card"], "4242000002");
    assert_eq!(json["position"], 1);
    let json: serde_json::Value = serde_json::from_str(&requests::json_line(r3)).unwrap();
    assert!(json["card"].is_null());
    assert!(json["waiting_hours"].as_f64().unwrap() >= 49.9);
    assert_eq!(json["overdue"], true);
}

#[test]
fn the_rules_see_the_readers_history_the_fund_and_the_library() {
    let w = world();
    let q = requests::queue(&w.d.store, Utc::now()).unwrap();
    let r1 = entry(&q, "r1");
    assert_eq!(
        message(r1, Rule::OnHand),
        (false, "На руках 5 книг из 5 допустимых".into())
    );
    assert_eq!(
        message(r1, Rule::CopyIssues).1,
        "Это 24-я, последняя выдача экземпляра: после неё он уйдёт из фонда"
    );
    assert_eq!(r1.issues_left(), Some(1));
    // Money from the provider's library info; the price cap too.
    assert_eq!(
        message(r1, Rule::Money).1,
        "Осталось 1\u{a0}000\u{a0}₽, книга стоит 349,50\u{a0}₽"
    );
    let (_, cap) = message(r1, Rule::PriceCap);
    assert!(cap.contains("не выше предела 700"), "{cap}");
    // The desk's own rule where the provider says nothing (3 copies per title).
    assert_eq!(
        message(r1, Rule::TitleCopies).1,
        "В фонде 1 экземпляр из 3 допустимых"
    );
    // This month one of them was bought by the library for this reader.
    assert_eq!(
        message(r1, Rule::MonthlyPurchases).1,
        "Для читателя в этом месяце куплено 1 книгу из 3 допустимых"
    );
    let r4 = entry(&q, "r4");
    assert_eq!(
        message(r4, Rule::Age),
        (false, "Читателю 16 лет, а книга 18+ (436-ФЗ)".into())
    );
    let broken: Vec<Rule> = r4
        .broken_for(DecisionKind::Buy)
        .iter()
        .map(|v| v.rule)
        .collect();
    assert_eq!(broken, vec![Rule::Age, Rule::Draft]);
}

#[test]
fn the_queue_follows_the_policy_and_a_new_policy_reorders_it() {
    let mut w = world();
    let q = requests::queue(&w.d.store, Utc::now()).unwrap();
    let order: Vec<&str> = q.entries.iter().map(|e| e.request.id.as_str()).collect();
    // r2: a child's first request for a children's book (100 + 80);
    // r3 and r4: first requests (100), the older first; r1: the adult's
    // history book (serious reader since the first year: 40).
    assert_eq!(order, vec!["r2", "r3", "r4", "r1"]);
    assert_eq!(
        q.entries[0].reasons,
        vec!["впервые обращается", "юный читатель, детская литература"]
    );
    assert_eq!(
        entry(&q, "r1").reasons,
        vec!["постоянный читатель серьёзной литературы с первого года"]
    );
    // The administrator puts serious readers first.
    let mut p = Policy::default();
    p.criteria[3].weight = 500;
    let changes = requests::save_policy(&mut w.d.store, &w.d.ctx, &p).unwrap();
    assert!(changes[0].starts_with("очерёдность"), "{changes:?}");
    assert_eq!(
        w.d.store
            .count_events(EventKind::PolicyChanged, None)
            .unwrap(),
        1
    );
    let q = requests::queue(&w.d.store, Utc::now()).unwrap();
    assert_eq!(q.entries[0].request.id.as_str(), "r1");
    // A bad policy is refused whole, with its problems.
    p.wait_threshold_hours = 0;
    let e = requests::save_policy(&mut w.d.store, &w.d.ctx, &p).unwrap_err();
    assert!(matches!(e, Error::BadPolicy(_)));
    assert!(e.to_string().contains("Срок ожидания"), "{e}");
}

#[test]
fn a_decision_that_breaks_a_rule_needs_it_confirmed_and_the_override_is_journaled() {
    let mut w = world();
    let (d, id) = (&mut w.d, RequestId("r1".into()));
    let e = requests::decide(&mut d.store, &d.ctx, &id, &Decision::Issue, &[]).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("«История России»: выдать из фонда нарушает правила — На руках 5 книг из 5 допустимых. Подтвердите решение вопреки правилу."),
        "{text}"
    );
    assert_eq!(d.store.sync_status().unwrap().waiting, 0, "nothing queued");
    // Confirming another rule is not enough.
    assert!(requests::decide(&mut d.store, &d.ctx, &id, &Decision::Issue, &[Rule::Age]).is_err());
    requests::decide(&mut d.store, &d.ctx, &id, &Decision::Issue, &[Rule::OnHand]).unwrap();
    assert_eq!(d.store.sync_status().unwrap().waiting, 1);
    assert_eq!(
        d.store
            .count_events(EventKind::RuleOverridden, Some(w.adult))
            .unwrap(),
        1
    );
    assert_eq!(
        d.store
            .count_events(EventKind::RequestDecided, Some(w.adult))
            .unwrap(),
        1
    );
    let journal = d.store.journal(Some(w.adult), None, 10).unwrap();
    let over = journal
        .iter()
        .find(|j| j.kind == "rule_overridden")
        .unwrap();
    assert_eq!(over.staff, "Смирнова О. В.");
    assert!(over.details.contains("На руках 5 книг из 5 допустимых"));
    // Decided: out of the queue, and not decided twice.
    let q = requests::queue(&d.store, Utc::now()).unwrap();
    assert!(q.entries.iter().all(|e| e.request.id.as_str() != "r1"));
    assert!(requests::decide(&mut d.store, &d.ctx, &id, &Decision::Issue, &Rule::ALL).is_err());
    // «Книгооборот» shows the request, the books on hand and the override.
    let h = lending::history(&d.store, w.adult).unwrap();
    let whats: Vec<&str> = h.iter().map(|i| i.what.as_str()).collect();
    assert!(whats.contains(&"Решение вопреки правилу"), "{whats:?}");
    assert!(whats.contains(&"Решение ждёт отправки"), "{whats:?}");
    assert!(whats.contains(&"Покупка библиотекой"), "{whats:?}");
    assert_eq!(whats.iter().filter(|w| **w == "Выдача").count(), 5);
}

#[test]
fn several_refusals_at_once_each_get_their_readers_text() {
    let mut w = world();
    let d = &mut w.d;
    let ids = [RequestId("r2".into()), RequestId("r3".into())];
    let out = requests::decide_many(
        &mut d.store,
        &d.ctx,
        &ids,
        DecisionKind::Refuse,
        Some(RefusalReason::NoFreeCopy),
        &[],
    );
    assert!(out.iter().all(|(_, r)| r.is_ok()), "{out:?}");
    let items = d.store.outbox(true, 10).unwrap();
    assert_eq!(
        items.len(),
        2,
        "each request goes to the provider on its own"
    );
    let payloads: Vec<String> = items.iter().map(|(i, _)| i.payload.clone()).collect();
    assert!(
        payloads
            .iter()
            .any(|p| p.contains("Маша Петровна, все экземпляры книги «Сказки»")),
        "{payloads:?}"
    );
    assert!(
        payloads
            .iter()
            .any(|p| p.contains("Анна Ивановна, все экземпляры книги «Детектив»")),
        "{payloads:?}"
    );
    // A refusal with an empty text is never queued.
    let e = requests::decide(
        &mut d.store,
        &d.ctx,
        &RequestId("r4".into()),
        &Decision::Refuse {
            reason: RefusalReason::Other,
            text: " \n ".into(),
        },
        &Rule::ALL,
    )
    .unwrap_err();
    assert!(e.to_string().contains("Напишите причину отказа"), "{e}");
    assert_eq!(d.store.outbox(true, 10).unwrap().len(), 2);
}

#[test]
fn readers_own_settings_and_direct_issues_go_through_the_outbox() {
    let mut w = world();
    let d = &mut w.d;
    let l = crate::store::Lending {
        loan_days: Some(21),
        self_price_cap: Some(30_000),
        self_purchases: Some(2),
    };
    lending::set_settings(&mut d.store, &d.ctx, w.adult, &l).unwrap();
    assert_eq!(lending::settings_of(&d.store, w.adult).unwrap(), l);
    let bad = crate::store::Lending {
        loan_days: Some(0),
        ..l.clone()
    };
    assert!(matches!(
        lending::set_settings(&mut d.store, &d.ctx, w.adult, &bad),
        Err(Error::BadLending(_))
    ));
    // The child has no login: nothing to send settings or books to.
    assert!(matches!(
        lending::set_settings(&mut d.store, &d.ctx, w.child, &l),
        Err(Error::NoProviderCard)
    ));
    // The adult has 5 books on hand: a direct issue breaks the rule.
    let e = lending::issue_direct(&mut d.store, &d.ctx, w.adult, 70_000_001, &[]).unwrap_err();
    assert!(e.to_string().contains("На руках 5 книг"), "{e}");
    lending::issue_direct(&mut d.store, &d.ctx, w.adult, 70_000_001, &[Rule::OnHand]).unwrap();
    assert!(matches!(
        lending::issue_direct(&mut d.store, &d.ctx, w.adult, 1, &Rule::ALL),
        Err(Error::NotInFund(1))
    ));
    let waiting = lending::waiting(&d.store, w.adult).unwrap();
    assert_eq!(waiting.len(), 2, "{waiting:?}");
    assert!(waiting[0].starts_with("выдача «История России» ждёт отправки"));
    let items = d.store.outbox(true, 10).unwrap();
    let direct = &items[0].0;
    assert_eq!(direct.reader_id, Some(w.adult));
    assert!(direct.payload.contains("\"lib_card\":\"700000000\""));
    assert!(items[1].0.payload.contains("\"loan_days\":21"));
    assert_eq!(
        d.store
            .count_events(EventKind::LendingChanged, Some(w.adult))
            .unwrap(),
        1
    );
}
