//! Statistics from known events over a real SQLite file: every figure, per
//! age group, channel and reason, a reader whose age group changes inside
//! the period, «as of» a date inside it, a status counted once however often
//! the provider repeats it, the provider's figures reconciled, and the CSV.

use chrono::{Local, NaiveDate, TimeZone, Utc};

use super::stats::{self, Period, Value};
use super::{Context, Store, access, pool, readers};
use crate::config::{Paths, Settings};
use crate::domain::account::BlockReason;
use crate::domain::ids::RequestId;
use crate::domain::reader::{Channel, ReaderDraft};
use crate::domain::request::{BookKind, BookRequest, Buyer, RequestStatus};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Noon of a local day, as the provider's timestamps arrive (UTC).
fn at(day: NaiveDate, hour: u32) -> chrono::DateTime<Utc> {
    Local
        .from_local_datetime(&day.and_hms_opt(hour, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

struct Desk {
    _dir: tempfile::TempDir,
    store: Store,
    ctx: Context,
}

fn desk() -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::portable(dir.path());
    let store = Store::open(&paths.db_file()).unwrap();
    let settings = Settings {
        staff_name: "Смирнова О. В.".into(),
        ..Settings::default()
    };
    Desk {
        _dir: dir,
        store,
        ctx: Context::new(settings, paths),
    }
}

fn reader(
    d: &mut Desk,
    surname: &str,
    birth: NaiveDate,
    channel: Channel,
    i: u32,
) -> crate::domain::ids::ReaderId {
    let minor = crate::domain::reader::age_on(birth, Local::now().date_naive()) < 14;
    let draft = ReaderDraft {
        surname: surname.into(),
        name: "Анна".into(),
        patronymic: "Петровна".into(),
        birth_date: birth.format("%d.%m.%Y").to_string(),
        email: format!("r{i}@example.org"),
        channel,
        consent: true,
        representative: if minor {
            "Мать: Иванова Анна Сергеевна".into()
        } else {
            String::new()
        },
        ..ReaderDraft::default()
    };
    readers::register(&mut d.store, &d.ctx, &draft, true)
        .unwrap()
        .id
}

fn years_ago(n: i32) -> NaiveDate {
    let t = Local::now().date_naive() - chrono::Duration::days(40);
    NaiveDate::from_ymd_opt(
        chrono::Datelike::year(&t) - n,
        chrono::Datelike::month(&t),
        1,
    )
    .unwrap()
}

#[test]
fn the_desks_own_figures_by_age_and_channel() {
    let mut dk = desk();
    let child = reader(&mut dk, "Котова", years_ago(10), Channel::Desk, 1);
    let teen = reader(&mut dk, "Волкова", years_ago(16), Channel::Email, 2);
    let _adult = reader(&mut dk, "Сидорова", years_ago(40), Channel::Qr, 3);
    let csv = "Логин;Пароль\nLR-000001;pw12345678\nLR-000002;pw87654321\n";
    pool::import(
        &mut dk.store,
        &dk.ctx,
        csv.as_bytes(),
        "pool.csv",
        &mut |_, _| {},
    )
    .unwrap();
    access::grant(&mut dk.store, &dk.ctx, child, None).unwrap();
    access::grant(&mut dk.store, &dk.ctx, teen, None).unwrap();
    access::block(&mut dk.store, &dk.ctx, teen, BlockReason::Lost, "").unwrap();

    let today = Local::now().date_naive();
    let r = stats::report(
        &dk.store,
        Period {
            from: today,
            to: today,
            as_of: None,
        },
        24,
    )
    .unwrap();
    let c = |f: &str, g: &str| r.count(f, g);
    assert_eq!(c("readers_registered", "all"), 3);
    assert_eq!(c("readers_registered", "age:0-14"), 1);
    assert_eq!(c("readers_registered", "age:15-30"), 1);
    assert_eq!(c("readers_registered", "age:31+"), 1);
    assert_eq!(c("readers_registered", "channel:desk"), 1);
    assert_eq!(c("readers_registered", "channel:email"), 1);
    assert_eq!(c("readers_registered", "channel:qr"), 1);
    assert_eq!(c("logins_bound", "all"), 2);
    assert_eq!(c("logins_bound", "channel:desk"), 1);
    assert_eq!(c("logins_bound", "channel:email"), 1);
    assert_eq!(c("logins_bound", "age:0-14"), 1);
    assert_eq!(c("logins_blocked", "all"), 1);
    assert_eq!(c("logins_blocked", "age:15-30"), 1);
    // Yesterday: nothing (zero, not absent).
    let y = today - chrono::Duration::days(1);
    let r = stats::report(
        &dk.store,
        Period {
            from: y,
            to: y,
            as_of: None,
        },
        24,
    )
    .unwrap();
    assert_eq!(r.get("readers_registered", "all"), Some(Value::Count(0)));
}

fn request(id: &str, card: &str, birth: NaiveDate, made: chrono::DateTime<Utc>) -> BookRequest {
    BookRequest {
        id: RequestId(id.into()),
        lib_card: card.into(),
        reader_name: Some("Читатель".into()),
        reader_birth_date: Some(birth),
        art: 1,
        title: "Книга".into(),
        authors: "Автор".into(),
        kind: BookKind::Ebook,
        price_kopecks: Some(34_950),
        status: RequestStatus::Pending,
        created: Some(made),
        updated: Some(made),
        ..BookRequest::default()
    }
}

fn answered(mut r: BookRequest, status: RequestStatus, when: chrono::DateTime<Utc>) -> BookRequest {
    r.status = status;
    r.updated = Some(when);
    r
}

#[test]
fn requests_answers_and_money_with_a_birthday_inside_the_period() {
    let mut dk = desk();
    // Turns 15 on 10 June 2026: a request before and one after.
    let masha = d(2011, 6, 10);
    let adult = d(1980, 2, 2);
    let reqs = vec![
        request("a", "100", masha, at(d(2026, 6, 1), 12)),
        request("b", "100", masha, at(d(2026, 6, 20), 12)),
        request("c", "200", adult, at(d(2026, 6, 3), 12)),
        request("e", "200", adult, at(d(2026, 6, 5), 12)),
        request("f", "200", adult, at(d(2026, 6, 25), 12)),
        request("g", "300", adult, at(d(2026, 5, 31), 12)),
    ];
    dk.store.store_requests(&reqs, None, 0).unwrap();
    // Answers: a issued from the fund after 2 h; b bought by the library after 5 h;
    // c refused (price) after 30 h; e bought by the reader after 1 h; f cancelled.
    let mut b = answered(
        reqs[1].clone(),
        RequestStatus::Issued,
        at(d(2026, 6, 20), 17),
    );
    b.bought_by = Some(Buyer::Library);
    let mut c = answered(
        reqs[2].clone(),
        RequestStatus::Refused,
        at(d(2026, 6, 4), 18),
    );
    c.refusal_reason = Some(crate::domain::request::RefusalReason::PriceOverCap);
    let mut e = answered(
        reqs[3].clone(),
        RequestStatus::Issued,
        at(d(2026, 6, 5), 13),
    );
    e.bought_by = Some(Buyer::Reader);
    let changes = vec![
        answered(
            reqs[0].clone(),
            RequestStatus::Issued,
            at(d(2026, 6, 1), 14),
        ),
        b,
        c,
        e,
        answered(
            reqs[4].clone(),
            RequestStatus::Cancelled,
            at(d(2026, 6, 26), 9),
        ),
    ];
    dk.store.store_requests(&changes, None, 0).unwrap();
    // The provider repeats itself: nothing is counted twice.
    dk.store.store_requests(&changes, None, 0).unwrap();

    let june = Period {
        from: d(2026, 6, 1),
        to: d(2026, 6, 30),
        as_of: None,
    };
    let r = stats::report(&dk.store, june, 24).unwrap();
    let c = |f: &str, g: &str| r.count(f, g);
    assert_eq!(c("requests", "all"), 5, "g was made in May");
    assert_eq!(c("requests", "age:0-14"), 1, "Masha before her birthday");
    assert_eq!(c("requests", "age:15-30"), 1, "Masha after it");
    assert_eq!(c("requests", "age:31+"), 3);
    assert_eq!(c("issues", "all"), 3);
    assert_eq!(c("issues", "age:0-14"), 1);
    assert_eq!(c("issues", "age:15-30"), 1);
    assert_eq!(c("refusals", "all"), 1);
    assert_eq!(c("refusals", "reason:price_over_cap"), 1);
    assert_eq!(c("cancellations", "all"), 1);
    assert_eq!(c("purchases_library", "all"), 1);
    assert_eq!(c("purchases_reader", "all"), 1);
    assert_eq!(r.get("money_spent", "all"), Some(Value::Money(34_950)));
    assert_eq!(c("active_readers", "all"), 2);
    // Answer times 1, 2, 5, 30 h: median 3.5, 90th percentile 30; one over 24 h.
    assert_eq!(
        r.get("decision_hours_median", "all"),
        Some(Value::Hours(3.5))
    );
    assert_eq!(r.get("decision_hours_p90", "all"), Some(Value::Hours(30.0)));
    assert_eq!(r.over_threshold, 1);

    // As of 15 June: only the first half counts.
    let half = stats::report(
        &dk.store,
        Period {
            as_of: Some(d(2026, 6, 15)),
            ..june
        },
        24,
    )
    .unwrap();
    assert_eq!(half.count("requests", "all"), 3);
    assert_eq!(half.count("requests", "age:15-30"), 0);
    assert_eq!(half.count("issues", "all"), 2);

    // The CSV for scripts.
    let csv = stats::csv(&r);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("figure,group,value"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == 3));
    assert!(rows.contains(&vec!["requests", "age:0-14", "1"]));
    assert!(rows.contains(&vec!["money_spent", "all", "349.50"]));
    assert!(rows.contains(&vec!["refusals", "reason:price_over_cap", "1"]));
    assert!(rows.contains(&vec!["decision_hours_median", "all", "3.5"]));

    // XLSX read back with calamine; the PDF's text read with pdftotext.
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("r.xlsx");
    stats::export(&dk.store, &dk.ctx, june, stats::Format::Xlsx, &xlsx).unwrap();
    {
        use calamine::{Data, Reader, Xlsx, open_workbook};
        let mut wb: Xlsx<_> = open_workbook(&xlsx).unwrap();
        let sheet = wb.worksheet_range("Показатели").unwrap();
        let mut found = std::collections::BTreeMap::new();
        for row in sheet.rows().skip(4) {
            if let (Some(Data::String(f)), Some(Data::String(g)), Some(Data::Float(v))) =
                (row.get(3), row.get(4), row.get(2))
            {
                found.insert((f.clone(), g.clone()), *v);
            }
        }
        assert_eq!(found[&("requests".to_owned(), "all".to_owned())], 5.0);
        assert_eq!(found[&("requests".to_owned(), "age:0-14".to_owned())], 1.0);
        assert_eq!(found[&("money_spent".to_owned(), "all".to_owned())], 349.5);
        let months = wb.worksheet_range("По месяцам").unwrap();
        let june_row = months
            .rows()
            .find(|r| r.first() == Some(&Data::String("2026-06".into())))
            .expect("June in the months sheet");
        assert_eq!(june_row[1], Data::Float(5.0), "requests in June");
    }
    let pdf = dir.path().join("r.pdf");
    stats::export(&dk.store, &dk.ctx, june, stats::Format::Pdf, &pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "Электронная библиотека: статистика",
        "Период: 01.06.2026 — 30.06.2026",
        "Запросы",
        "возраст до 14",
        "349,50 ₽",
        "По месяцам",
        "06.26",
        "По годам",
        "Выдачи по годам",
    ] {
        assert!(text.contains(want), "{want} not in the PDF: {text}");
    }
    if let Some(d) = std::env::var_os("KAFEDRA_SCREENS") {
        let _ = std::fs::copy(&pdf, std::path::Path::new(&d).join("stats-report.pdf"));
    }

    // A period that cannot be is refused in Russian.
    assert!(
        stats::report(
            &dk.store,
            Period {
                from: d(2026, 7, 1),
                to: d(2026, 6, 1),
                as_of: None
            },
            24
        )
        .unwrap_err()
        .to_string()
        .contains("поменяйте даты")
    );
}

/// The source article's table, reproduced from a generated history with
/// its totals: visits (the provider's) / requests / issues / active readers /
/// fund, 2016–2018 whole and 2019 as of 15 June.
#[test]
fn the_articles_table_from_a_generated_history() {
    const TABLE: [(i32, i64, i64, i64, i64, i64); 4] = [
        (2016, 4067, 2309, 1983, 380, 3043),
        (2017, 8370, 3841, 2871, 525, 4339),
        (2018, 25699, 8772, 7468, 751, 7431),
        (2019, 17014, 6421, 5155, 1055, 8715),
    ];
    let mut dk = desk();
    let mut rows = Vec::new();
    for (year, visits, requests, issues, active, fund) in TABLE {
        let first = d(year, 1, 1);
        let last = if year == 2019 {
            d(2019, 6, 15)
        } else {
            d(year, 12, 31)
        };
        let days = (last - first).num_days() + 1;
        for i in 0..requests {
            let day = first + chrono::Duration::days(i * days / requests);
            let card = format!("{year}{:05}", i % active);
            let mut r = request(&format!("{year}-{i}"), &card, d(1990, 1, 1), at(day, 10));
            if i < issues {
                r = answered(r, RequestStatus::Issued, at(day, 12));
            } else {
                r = answered(r, RequestStatus::Refused, at(day, 15));
            }
            rows.push(r);
        }
        // The provider's months: visits spread over them, the fund at the last.
        let months: Vec<(NaiveDate, NaiveDate)> = (1..=if year == 2019 { 6 } else { 12 })
            .map(|m| {
                let (a, b) = crate::domain::fund::month_bounds(year, m).unwrap();
                (a, b.min(last))
            })
            .collect();
        let n = months.len() as i64;
        for (k, (a, b)) in months.iter().enumerate() {
            let share = visits / n + i64::from((k as i64) < visits % n);
            let json = serde_json::json!({
                "visits": share,
                "fund_titles": if k as i64 == n - 1 { fund } else { fund - 100 },
            });
            dk.store.store_stats(*a, *b, &json.to_string()).unwrap();
        }
    }
    // After 15 June 2019: requests and a month that the «as of» leaves out.
    for i in 0..300 {
        let day = d(2019, 6, 16) + chrono::Duration::days(i % 100);
        rows.push(answered(
            request(&format!("late-{i}"), "late", d(1990, 1, 1), at(day, 10)),
            RequestStatus::Issued,
            at(day, 11),
        ));
    }
    let json = serde_json::json!({"visits": 999, "fund_titles": 9000});
    dk.store
        .store_stats(d(2019, 7, 1), d(2019, 7, 31), &json.to_string())
        .unwrap();
    for chunk in rows.chunks(5_000) {
        dk.store.store_requests(chunk, None, 0).unwrap();
    }
    // Active readers of a period with cut months and whole years, against a
    // count of the generated requests themselves; all aged 26–28 then.
    let (a, b) = (d(2016, 11, 15), d(2018, 2, 10));
    let cards: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter(|r| {
            let day = r.created.unwrap().with_timezone(&Local).date_naive();
            day >= a && day <= b
        })
        .map(|r| r.lib_card.as_str())
        .collect();
    let r = stats::report(
        &dk.store,
        Period {
            from: a,
            to: b,
            as_of: None,
        },
        24,
    )
    .unwrap();
    assert_eq!(r.count("active_readers", "all"), cards.len() as i64);
    assert_eq!(r.count("active_readers", "age:15-30"), cards.len() as i64);
    assert_eq!(r.get("active_readers", "age:31+"), None);

    let table = stats::years(&dk.store, 2016, d(2019, 6, 15)).unwrap();
    let got: Vec<(i32, i64, i64, i64, i64, i64)> = table
        .iter()
        .map(|c| {
            (
                c.year,
                c.visits,
                c.requests,
                c.issues,
                c.active_readers,
                c.fund_size,
            )
        })
        .collect();
    assert_eq!(got, TABLE.to_vec());
    assert_eq!(table[3].heading(), "2019 г. на 15.06");
    assert_eq!(table[0].heading(), "2016 г.");
}

#[test]
fn the_ledger_says_where_the_money_went_and_the_top_of_the_period() {
    let mut dk = desk();
    dk.store.store_library_info("ЦГБ", 100_000, "{}").unwrap();
    let mut reqs = Vec::new();
    for (i, (title, genre, by)) in [
        ("Тень", "Детектив", Some(Buyer::Library)),
        ("Тень", "Детектив", None),
        ("Сад", "Проза", Some(Buyer::Reader)),
    ]
    .into_iter()
    .enumerate()
    {
        let now = Utc::now() - chrono::Duration::hours(3 - i as i64);
        let mut r = answered(
            request(&format!("m{i}"), "500", d(1990, 1, 1), now),
            RequestStatus::Issued,
            now,
        );
        r.title = title.into();
        r.genre = Some(genre.into());
        r.bought_by = by;
        reqs.push(r);
    }
    dk.store.store_requests(&reqs, None, 0).unwrap();
    // The provider then reports 65,050 left and, after a top-up, 165,050.
    dk.store.store_library_info("ЦГБ", 65_050, "{}").unwrap();
    dk.store.store_library_info("ЦГБ", 65_050, "{}").unwrap();
    dk.store.store_library_info("ЦГБ", 165_050, "{}").unwrap();
    let today = Local::now().date_naive();
    let p = Period {
        from: today - chrono::Duration::days(1),
        to: today,
        as_of: None,
    };
    let lines = stats::ledger(&dk.store, p).unwrap();
    let kinds: Vec<String> = lines
        .iter()
        .map(|l| match &l.entry {
            stats::LedgerEntry::Opening(b) => format!("opening {b}"),
            stats::LedgerEntry::Purchase(x) => format!("{} {} {}", x.by, x.title, x.price_kopecks),
            stats::LedgerEntry::Reported {
                money_left, change, ..
            } => {
                format!("report {money_left} {change:?}")
            }
        })
        .collect();
    // In time order: the purchases (before the first report this day), the
    // reports with what each changed against the running balance (the
    // library's purchase, then a top-up); the unchanged report is not repeated.
    assert_eq!(
        kinds,
        vec![
            "library Тень 34950",
            "reader Сад 34950",
            "report 100000 None",
            "report 65050 Some(-34950)",
            "report 165050 Some(100000)",
        ],
        "{lines:#?}"
    );
    assert_eq!(lines.last().unwrap().balance, Some(165_050));
    let [titles, _, genres] = stats::top(&dk.store, p).unwrap();
    assert_eq!(titles[0], ("Тень".to_owned(), 2));
    assert_eq!(genres[0], ("Детектив".to_owned(), 2));
}
