use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::provider::api::{self, RequestStatus};
use crate::provider::client::Client;
use crate::sim::{self, SimConfig};

fn example_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../resources/sim/scenario-example.toml")
}

fn toml_err(text: &str) -> ScenarioError {
    Scenario::from_toml_str(text).expect_err("the scenario is refused")
}

/// Applies a (checked) scenario to a fresh simulator state.
fn apply(text: &str) -> Result<(), ScenarioError> {
    let sc = Scenario::from_toml_str(text)?;
    let mut st = crate::sim::state::State::new(crate::sim::state::StateInit {
        libhouse: 42,
        library_name: "Тест".into(),
        rules: sc.rules(),
        staff_login: "staff".into(),
        staff_password: "pw".into(),
        seed: 1,
        catalogue_size: sc.library.generated_books.unwrap_or(20),
        session_ttl: chrono::Duration::minutes(30),
    });
    st.apply_scenario(&sc, crate::sim::server::clock(false))
}

const READER: &str = r#"
[[readers]]
card = "1"
name = "Иванов Иван Иванович"
birth_date = "1990-01-01"
email = "i@example.org"
"#;

/// The example in resources/sim loads, and what it states is what the provider's API
/// answers: the library's rules and money, the requests with every book detail, the
/// fund with each copy's issues, the readers, the loans with their periods.
#[tokio::test]
async fn the_example_scenario_loads_and_its_numbers_come_through_the_api() {
    let sc = Scenario::from_path(&example_path()).expect("the example loads");
    assert_eq!((sc.readers.len(), sc.books.len(), sc.fund.len()), (6, 6, 7));
    assert_eq!(sc.readers[1].line, Some(32), "entries know their lines");
    let sim = sim::start(SimConfig {
        scenario: Some(Arc::new(sc)),
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts with the scenario");
    let mut cfg = sim.client_config();
    cfg.min_interval = Duration::from_millis(5);
    let client = Client::new(cfg).expect("client");

    let info = client.library_info().await.unwrap();
    assert_eq!(info.name, "Библиотека семейного чтения № 3 (сценарий)");
    assert_eq!(info.money_left, Money(1_250_050));
    assert_eq!(info.rules.max_on_hand, Some(5));
    assert_eq!(info.rules.loan_days, Some(14));
    assert_eq!(info.rules.price_cap, Some(Money::from_rub(700)));
    assert_eq!(info.rules.purchases_per_reader_month, Some(2));
    assert_eq!(info.rules.copies_per_title, Some(3));
    assert!(info.rules.age_check);
    assert_eq!(sim.catalogue().len(), 50 + 6);

    let page = client.requests_list(None, [0, 100]).await.unwrap();
    assert_eq!(page.requests.len(), 16);
    let by = |card: &str, art: u64| -> Vec<api::Request> {
        page.requests
            .iter()
            .filter(|r| r.lib_card == card && r.art == art)
            .cloned()
            .collect()
    };
    let pending = page
        .requests
        .iter()
        .filter(|r| r.status == RequestStatus::Pending)
        .count();
    assert_eq!(pending, 7);
    // Ids grow with time: the oldest request (2025) is the first.
    assert_eq!(page.requests[0].art, 1004);
    assert_eq!(page.requests[0].status, RequestStatus::Issued);

    let upbringing = &by("700000002", 1001)[0];
    assert_eq!(
        upbringing.title,
        "Мама, я сам! Книга для родителей дошкольников"
    );
    assert_eq!(upbringing.authors, "Наталья Орлова");
    assert_eq!(upbringing.genre.as_deref(), Some("Воспитание детей"));
    assert_eq!(upbringing.price, Some(Money(34_950)));
    assert_eq!(upbringing.age_rating, Some(12));
    assert_eq!(
        (upbringing.rating, upbringing.reviews),
        (Some(46), Some(318))
    );
    assert_eq!(
        upbringing.reader_name.as_deref(),
        Some("Котова Ольга Петровна")
    );
    assert!(!upbringing.draft && !upbringing.free && !upbringing.direct);

    let draft = &by("700000006", 1003)[0];
    assert!(draft.draft && draft.samizdat && !draft.free);
    let free = &by("700000002", 1004)[0];
    assert!(free.free);
    assert_eq!(free.price, Some(Money(0)));
    let child = &by("700000001", 1002)[0];
    assert_eq!(child.kind, api::BookKind::Audio);
    let waited = chrono::Utc::now() - child.created.unwrap().to_utc();
    assert!((49..=50).contains(&waited.num_hours()), "{waited}");

    let teen = by("700000003", 1005);
    let refused = teen
        .iter()
        .find(|r| r.status == RequestStatus::Refused)
        .unwrap();
    let refusal = refused.refusal.as_ref().unwrap();
    assert_eq!(refusal.reason, api::RefusalReason::AgeRating);
    assert!(refusal.text.starts_with("Дмитрий, книга «Ночной город»"));
    assert_eq!(
        refused.created.unwrap().to_rfc3339(),
        "2026-11-02T15:00:00+03:00"
    );
    let cancelled = &by("700000006", 70_000_010)[0];
    assert_eq!(cancelled.status, RequestStatus::Cancelled);

    // Five on hand, one of them issued from the card.
    let loans: Vec<_> = sim
        .loans()
        .into_iter()
        .filter(|l| l.lib_card == "700000005" && !l.returned)
        .collect();
    assert_eq!(loans.len(), 5);
    let direct = &by("700000005", 70_000_005)[0];
    assert!(direct.direct && direct.status == RequestStatus::Issued);
    // Bought by the library, lent for the reader's own 21 days.
    let bought = &by("700000002", 70_000_020)[0];
    assert_eq!(bought.bought_by.as_deref(), Some("library"));
    let loan = bought.loan.as_ref().unwrap();
    assert_eq!((loan.due.unwrap() - loan.start.unwrap()).num_days(), 21);
    assert_eq!(sim.purchases().len(), 1);
    // The history of 2025 is returned.
    let old = &by("700000004", 1004)[0];
    assert!(
        sim.loans()
            .iter()
            .any(|l| l.request_id == old.id && l.returned)
    );

    let fund = client.fund_list(None, [0, 100]).await.unwrap().items;
    assert_eq!(fund.len(), 8, "seven stated, one bought for a request");
    let kids = fund.iter().find(|f| f.art == 1002).unwrap();
    assert_eq!((kids.copies, kids.on_loan), (2, 0));
    assert_eq!(kids.copy_issues, vec![23, 4]);
    let history = fund.iter().find(|f| f.art == 1006).unwrap();
    assert_eq!(history.bought, NaiveDate::from_ymd_opt(2026, 6, 1));
    assert_eq!(history.licence_end, NaiveDate::from_ymd_opt(2027, 6, 1));
    let out = fund.iter().find(|f| f.art == 70_000_001).unwrap();
    assert_eq!(
        (out.copies, out.on_loan, out.copy_issues.clone()),
        (1, 1, vec![1])
    );

    let readers = client
        .reader_list(api::ReaderListQuery {
            limit: Some([0, 100]),
            ..api::ReaderListQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(readers.readers.len(), 6);
    let olga = readers
        .readers
        .iter()
        .find(|r| r.lib_card == "700000002")
        .unwrap();
    assert_eq!(olga.birth_date, NaiveDate::from_ymd_opt(1989, 7, 2));
    assert_eq!(olga.phone.as_deref(), Some("+7 914 555-12-34"));
    let petr = sim.reader("700000004").unwrap();
    assert_eq!(
        petr.created.date_naive(),
        NaiveDate::from_ymd_opt(2023, 2, 10).unwrap()
    );
    let olga = sim.reader("700000002").unwrap();
    assert_eq!(
        (olga.loan_days, olga.self_price_cap, olga.self_purchases),
        (Some(21), Some(Money::from_rub(300)), Some(2))
    );
    // Nothing was written by the desk yet.
    assert!(sim.state().applied_writes.is_empty());
    sim.shutdown().await;
}

#[test]
fn the_same_scenario_in_json_loads_too() {
    let sc = Scenario::from_json_str(
        r#"{
          "library": {"money": "12500,50", "max_on_hand": 5},
          "readers": [{"card": "700000001", "name": "Котова Мария Игоревна",
                       "birth_date": "2016-03-14", "email": "kotova@example.org"}],
          "books": [{"art": 5, "title": "Сказка", "price": 100, "kind": "audio"}],
          "fund": [{"art": 70000001, "copies": 1}],
          "requests": [{"card": "700000001", "art": 70000001, "hours_ago": 30}]
        }"#,
    )
    .unwrap();
    assert_eq!(sc.rules().money, Money(1_250_050));
    assert_eq!(sc.rules().max_on_hand, Some(5));
    assert_eq!(sc.rules().price_cap, None, "left out: no limit");
    assert_eq!(sc.books[0].kind, KindSpec::Audio);
    assert_eq!(sc.requests[0].hours_ago, Some(30.0));
    let with_preset = Scenario::from_json_str(r#"{"library": {"preset": "vladivostok"}}"#)
        .unwrap()
        .rules();
    assert_eq!(
        (with_preset.max_on_hand, with_preset.loan_days),
        (Some(2), 20)
    );
}

#[test]
fn a_reader_without_a_birth_date_is_refused_with_the_line_and_the_fix() {
    let text = "[library]\nmoney = 100\n\n[[readers]]\ncard = \"1\"\nname = \"Иванов Иван\"\nemail = \"i@example.org\"\n";
    let e = toml_err(text);
    assert!(e.message.contains("у читателя нет даты рождения"), "{e}");
    let line = e.line.expect("a line");
    assert!((4..=7).contains(&line), "{e}");
    assert!(e.to_string().starts_with("Сценарий, строка "), "{e}");
}

#[test]
fn a_bad_date_is_refused_at_its_line() {
    let text = READER.replace("1990-01-01", "1990-02-30");
    let e = toml_err(&text);
    assert_eq!(e.line, Some(5), "{e}");
    assert!(
        e.message.contains("«1990-02-30»") && e.message.contains("ГГГГ-ММ-ДД"),
        "{e}"
    );
    let text = READER.replace("\"1990-01-01\"", "\"01.01.1990\"");
    assert!(toml_err(&text).message.contains("ГГГГ-ММ-ДД"));
    let e = toml_err(&format!(
        "{READER}\n[[requests]]\ncard = \"1\"\nart = 70000001\ncreated_at = \"вчера\"\n"
    ));
    assert!(e.message.contains("время «вчера»"), "{e}");
    assert_eq!(e.line, Some(11), "{e}");
}

#[test]
fn a_request_for_an_unknown_book_is_refused_at_its_line() {
    let text = format!("{READER}\n[[requests]]\ncard = \"1\"\nart = 99999\nhours_ago = 2\n");
    let e = apply(&text).expect_err("unknown art");
    assert_eq!(e.line, Some(8), "{e}");
    assert!(
        e.message.contains("запрос №1") && e.message.contains("art 99999"),
        "{e}"
    );
    assert!(e.message.contains("[[books]]"), "says where to add it: {e}");
    // A fund entry for an unknown book, too.
    let e = apply(&format!("{READER}\n[[fund]]\nart = 99999\ncopies = 1\n")).unwrap_err();
    assert_eq!(e.line, Some(8), "{e}");
    // The scenario's own books are known.
    apply(&format!(
        "{READER}\n[[books]]\nart = 99999\ntitle = \"Своя книга\"\nprice = 10\n\n\
         [[requests]]\ncard = \"1\"\nart = 99999\n"
    ))
    .unwrap();
}

#[test]
fn a_too_big_file_is_refused_before_it_is_read() {
    let big = "#".repeat(MAX_FILE_BYTES as usize + 1);
    let e = toml_err(&big);
    assert!(e.message.contains("слишком большой"), "{e}");
    assert!(Scenario::from_json_str(&big).is_err());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.toml");
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(MAX_FILE_BYTES + 1).unwrap();
    let e = Scenario::from_path(&path).unwrap_err();
    assert!(e.message.contains("не больше 5 МБ"), "{e}");
}

#[test]
fn too_many_entries_are_refused() {
    let one = Scenario::from_toml_str(READER).unwrap().readers.remove(0);
    let mut sc = Scenario {
        readers: (0..=MAX_READERS)
            .map(|i| ReaderSpec {
                card: i.to_string(),
                ..one.clone()
            })
            .collect(),
        ..Scenario::default()
    };
    assert!(sc.check().unwrap_err().message.contains("больше 100000"));
    sc.readers.truncate(1);
    let r = RequestSpec {
        card: "0".into(),
        art: 70_000_001,
        created_at: None,
        hours_ago: None,
        state: StateSpec::Pending,
        reason: None,
        refusal: None,
        bought_by: None,
        direct: false,
        line: None,
    };
    sc.requests = vec![r; MAX_REQUESTS + 1];
    assert!(sc.check().unwrap_err().message.contains("запросов"));
    sc.requests.truncate(1);
    sc.check().unwrap();
}

#[test]
fn unknown_fields_and_values_are_refused_in_russian() {
    let e = toml_err(&READER.replace("birth_date", "birthdate"));
    assert!(e.message.contains("неизвестное поле «birthdate»"), "{e}");
    assert!(
        e.message.contains("birth_date"),
        "lists the known fields: {e}"
    );
    assert_eq!(e.line, Some(5), "{e}");
    let e = toml_err("[library]\nmony = 5\n");
    assert!(e.message.contains("«mony»"), "{e}");
    let e = toml_err(&format!(
        "{READER}\n[[requests]]\ncard = \"1\"\nart = 70000001\nstate = \"lost\"\n"
    ));
    assert!(
        e.message.contains("«lost»") && e.message.contains("pending"),
        "{e}"
    );
    let e = toml_err("[library]\nmoney = -5\n");
    assert!(e.message.contains("отрицательной"), "{e}");
    let e = toml_err("[library]\nmax_on_hand = \"пять\"\n");
    assert!(e.message.contains("целое неотрицательное число"), "{e}");
    let e = toml_err("[library]\npreset = \"mars\"\n");
    assert!(e.message.contains("vladivostok"), "{e}");
    let e = Scenario::from_json_str("{\n\"readers\": [\n{\"card\": \"1\",}\n]}").unwrap_err();
    assert_eq!(e.line, Some(3), "{e}");
    assert!(e.message.starts_with("JSON не разобран"), "{e}");
    let e = Scenario::from_json_str(r#"{"readers": [{"card": "1", "name": "Иван"}]}"#).unwrap_err();
    assert!(e.message.contains("нет даты рождения"), "{e}");
}

#[test]
fn inconsistent_entries_are_refused_with_what_to_fix() {
    let cases: &[(&str, &str)] = &[
        // A second reader with the same card.
        (READER, "уже есть у другого читателя"),
        (
            "[[requests]]\ncard = \"2\"\nart = 70000001\n",
            "читателя с картой «2» нет в [[readers]]",
        ),
        (
            "[[requests]]\ncard = \"1\"\nart = 70000001\nstate = \"refused\"\n",
            "у отказа нет текста",
        ),
        (
            "[[requests]]\ncard = \"1\"\nart = 70000001\nrefusal = \"нет\"\n",
            "только у отказа",
        ),
        (
            "[[requests]]\ncard = \"1\"\nart = 70000001\nbought_by = \"library\"\n",
            "только у выданного",
        ),
        (
            "[[requests]]\ncard = \"1\"\nart = 70000001\nhours_ago = 2\ncreated_at = \"2026-01-01 10:00:00\"\n",
            "оставьте что-то одно",
        ),
        (
            "[[fund]]\nart = 70000001\ncopies = 1\nissues = [24]\n",
            "от 0 до 23",
        ),
        (
            "[[fund]]\nart = 70000001\ncopies = 1\nissues = [1, 2]\n",
            "по одному числу на экземпляр",
        ),
        ("[[books]]\nart = 7\ntitle = \"Без цены\"\n", "нет цены"),
        (
            "[[books]]\nart = 7\ntitle = \"Т\"\nprice = 5\nage_rating = 21\n",
            "допустимы 0, 6, 12, 16, 18",
        ),
    ];
    for (tail, wanted) in cases {
        let e = toml_err(&format!("{READER}\n{tail}"));
        assert!(e.message.contains(wanted), "{wanted}: {e}");
        assert!(e.line.is_some_and(|l| l >= 8), "{wanted}: {e}");
    }
    // Found when applied: an issued request needs a free copy.
    let e = apply(&format!(
        "{READER}\n[[requests]]\ncard = \"1\"\nart = 70000001\nstate = \"issued\"\n"
    ))
    .unwrap_err();
    assert!(e.message.contains("свободного экземпляра"), "{e}");
    // And nothing from the future.
    let e = apply(&format!(
        "{READER}\n[[requests]]\ncard = \"1\"\nart = 70000001\ncreated_at = \"2999-01-01 10:00:00\"\n"
    ))
    .unwrap_err();
    assert!(e.message.contains("из будущего"), "{e}");
    // A book colliding with the generated catalogue.
    let e = apply(&format!(
        "{READER}\n[[books]]\nart = 70000001\ntitle = \"Т\"\nprice = 5\n"
    ))
    .unwrap_err();
    assert!(e.message.contains("generated_books"), "{e}");
}
