//! The e-fund over a real SQLite file: a generated fund of 10,000 titles
//! with known answers — genre search with ё/е, case and parts of words, the
//! four lists at their edges (exactly the 24th issue, a licence ending today,
//! a renewed licence) — a title's card journaled, collections.

use chrono::{Duration, NaiveDate};

use super::{Context, Error, Store, fund};
use crate::config::{Paths, Settings};
use crate::domain::event::EventKind;
use crate::domain::fund::{Audience, LeftBecause, LicenceFilter, LoanFilter};
use crate::domain::request::BookKind;
use crate::store::{FundQuery, FundRow};

const GENRES: [&str; 8] = [
    "Современная проза",
    "Детектив",
    "Фантастика",
    "Детская литература",
    "Личная эффективность",
    "Здоровье и медицина",
    "История",
    "Поэзия",
];

const N: u64 = 10_000;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The first pull's day.
fn d1() -> NaiveDate {
    day(2026, 11, 20)
}

/// The second pull's day (the same month).
fn d2() -> NaiveDate {
    day(2026, 11, 27)
}

struct Fund {
    _dir: tempfile::TempDir,
    store: Store,
    ctx: Context,
}

fn open() -> Fund {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::portable(dir.path());
    let store = Store::open(&paths.db_file()).unwrap();
    let settings = Settings {
        staff_name: "Смирнова О. В.".into(),
        ..Settings::default()
    };
    Fund {
        _dir: dir,
        store,
        ctx: Context::new(settings, paths),
    }
}

/// Title `i` of the generated fund, as pulled on `today`:
/// - genre `GENRES[i % 8]`; audiobooks every 5th; price `(100 + i % 900)` ₽;
///   age rating 0/6/12/16/18 by `i % 5`;
/// - `i % 10 == 0`: one copy at 20 + (i / 10) % 4 issues (all near the 24th);
///   `i % 10 == 1`: one copy at 19 (one below the threshold); others `i % 19`;
/// - `i % 100 == 5`: the licence ends `(i / 100) % 40` days after `today`;
///   others a year on;
/// - bought on the 1st of `(i % 12) + 1`, 2026.
fn row(i: u64, today: NaiveDate) -> FundRow {
    let top = match i % 10 {
        0 => 20 + (i / 10 % 4) as u32,
        1 => 19,
        _ => (i % 19) as u32,
    };
    let licence_end = if i % 100 == 5 {
        today + Duration::days((i / 100 % 40) as i64)
    } else {
        today + Duration::days(365)
    };
    FundRow {
        art: 1_000_000 + i,
        title: format!("Книга номер {i}"),
        authors: format!("Автор{} Иван", i % 50),
        genre: Some(GENRES[(i % 8) as usize].to_owned()),
        kind: if i.is_multiple_of(5) {
            BookKind::Audio
        } else {
            BookKind::Ebook
        },
        price_kopecks: Some((100 + (i % 900) as i64) * 100),
        age_rating: Some([0u8, 6, 12, 16, 18][(i % 5) as usize]),
        copies: 1,
        on_loan: u32::from(i.is_multiple_of(3)),
        issues: top,
        licence_end: Some(licence_end),
        bought: Some(day(2026, (i % 12) as u32 + 1, 1)),
        copy_issues: vec![top],
        annotation: (i.is_multiple_of(2)).then(|| format!("Аннотация {i}")),
    }
}

fn generated(today: NaiveDate) -> Vec<FundRow> {
    (0..N).map(|i| row(i, today)).collect()
}

/// A few named titles beside the generated ones.
fn named(art: u64, title: &str, authors: &str, genre: &str) -> FundRow {
    FundRow {
        art,
        title: title.into(),
        authors: authors.into(),
        genre: Some(genre.into()),
        kind: BookKind::Ebook,
        price_kopecks: Some(34_950),
        age_rating: Some(6),
        copies: 1,
        on_loan: 0,
        issues: 1,
        licence_end: Some(d1() + Duration::days(365)),
        bought: Some(d1()),
        copy_issues: vec![1],
        annotation: None,
    }
}

fn all(store: &Store, q: &FundQuery, today: NaiveDate) -> Vec<crate::domain::fund::FundTitle> {
    store.fund_search(q, today, 100_000).unwrap()
}

#[test]
fn genre_search_with_yo_case_and_parts_of_words_on_10000_titles() {
    let mut f = open();
    let mut rows = generated(d1());
    rows.push(named(
        1,
        "Ёжик в тумане",
        "Козлов Сергей",
        "Детская литература",
    ));
    rows.push(named(2, "Тёмные аллеи", "Бунин Иван", "Классика"));
    f.store.store_fund(&rows, d1()).unwrap();

    // A genre typed in the box: every title of that genre (its name is in the key).
    let detective = all(
        &f.store,
        &FundQuery {
            text: "детектив".into(),
            ..FundQuery::default()
        },
        d1(),
    );
    assert_eq!(detective.len(), (N / 8) as usize);
    assert!(
        detective
            .iter()
            .all(|t| t.genre.as_deref() == Some("Детектив"))
    );
    // Genre + author, case and order free.
    let q = FundQuery {
        text: "ИВАН автор7 ДЕТЕКТ".into(),
        ..FundQuery::default()
    };
    let hits = all(&f.store, &q, d1());
    let expected = (0..N)
        .filter(|i| i % 8 == 1 && (i % 50).to_string().starts_with('7'))
        .count();
    assert_eq!(hits.len(), expected);
    // ё = е both ways, a part of a word, and a two-letter word.
    for text in ["ежик", "ЁЖИК", "тума", "ёжик в"] {
        let hits = all(
            &f.store,
            &FundQuery {
                text: text.into(),
                ..FundQuery::default()
            },
            d1(),
        );
        assert_eq!(
            hits.iter().map(|t| t.art).collect::<Vec<_>>(),
            vec![1],
            "{text}"
        );
    }
    let hits = all(
        &f.store,
        &FundQuery {
            text: "темные".into(),
            ..FundQuery::default()
        },
        d1(),
    );
    assert_eq!(hits.len(), 1);
    // The genre button: exactly that genre, with the count the list shows.
    let genres = fund::genres(&f.store).unwrap();
    let kids = genres
        .iter()
        .find(|(g, _)| g == "Детская литература")
        .unwrap()
        .1;
    assert_eq!(kids as u64, N / 8 + 1);
    let q = FundQuery {
        genre: Some("Детская литература".into()),
        ..FundQuery::default()
    };
    assert_eq!(all(&f.store, &q, d1()).len(), kids as usize);
    // Filters: audiobooks up to 12+, 200–300 ₽, free copies, licence ending soon.
    let q = FundQuery {
        kind: Some(BookKind::Audio),
        age_max: Some(12),
        price_min: Some(20_000),
        price_max: Some(30_000),
        loans: LoanFilter::Free,
        ..FundQuery::default()
    };
    let expected = (0..N)
        .filter(|i| i % 5 == 0 && (100..=300).contains(&(100 + i % 900)) && (100 + i % 900) >= 200)
        .filter(|i| i % 3 != 0)
        .count();
    assert_eq!(all(&f.store, &q, d1()).len(), expected);
    let q = FundQuery {
        licence: LicenceFilter::EndingSoon,
        ..FundQuery::default()
    };
    let expected = (0..N)
        .filter(|i| i % 100 == 5 && i / 100 % 40 <= 30)
        .count();
    assert_eq!(all(&f.store, &q, d1()).len(), expected);
    // The service caps the page and refuses nonsense in Russian.
    assert_eq!(
        fund::search(
            &f.store,
            &FundQuery {
                text: "книга".into(),
                ..FundQuery::default()
            },
            d1()
        )
        .unwrap()
        .len(),
        fund::SEARCH_LIMIT
    );
    let bad = FundQuery {
        price_min: Some(500),
        price_max: Some(100),
        ..FundQuery::default()
    };
    assert!(
        matches!(fund::search(&f.store, &bad, d1()), Err(Error::BadFundInput(m)) if m.contains("поменяйте"))
    );
}

#[test]
fn the_four_lists_at_their_edges() {
    let mut f = open();
    // Day 1: the generated fund, plus the edge titles.
    let mut rows = generated(d1());
    // A: one copy at its 23rd issue; B: two copies, one at 23.
    let mut a = named(11, "Последняя выдача", "Автор А", "Детектив");
    a.copy_issues = vec![23];
    a.issues = 23;
    let mut b = named(12, "Два экземпляра", "Автор Б", "Детектив");
    b.copies = 2;
    b.copy_issues = vec![23, 5];
    // C: the licence ends on day 2 (still in on that day); D: ended the day before day 2;
    // E: ended before day 1, renewed by day 2.
    let mut c = named(13, "Кончается сегодня", "Автор В", "История");
    c.licence_end = Some(d2());
    let mut dd = named(14, "Кончилась вчера", "Автор Г", "История");
    dd.licence_end = Some(d2() - Duration::days(1));
    let mut e = named(15, "Продлена", "Автор Д", "История");
    e.licence_end = Some(d1() - Duration::days(3));
    rows.extend([a.clone(), b.clone(), c.clone(), dd.clone(), e.clone()]);
    f.store.store_fund(&rows, d1()).unwrap();

    // Day 2: A's copy reached its 24th issue (the provider no longer lists A);
    // B kept one copy; E renewed for a year.
    let mut rows = generated(d1());
    let mut b2 = b.clone();
    b2.copies = 1;
    b2.copy_issues = vec![5];
    let mut e2 = e.clone();
    e2.licence_end = Some(d2() + Duration::days(365));
    rows.extend([b2, c.clone(), dd.clone(), e2]);
    f.store.store_fund(&rows, d2()).unwrap();

    let lists = fund::lists(&f.store, &f.ctx, d2()).unwrap();
    assert_eq!(lists.threshold, 20);
    // Near the 24th: every generated i % 10 == 0 (20..=23), not the 19s; A is gone.
    assert_eq!(lists.near_count as u64, N / 10);
    assert_eq!(lists.near.len(), fund::LIST_LIMIT.min((N / 10) as usize));
    assert!(lists.near.iter().all(|t| t.copies_near_retirement(20) == 1));
    assert_eq!(
        lists.near[0].copy_issues,
        vec![23],
        "the closest to the 24th first"
    );
    // Licences ending within 30 days of day 2, today included: C (today) and the
    // generated ones (their ends were computed from day 1: 7..=37 days → 0..=30 after day 2).
    let generated_ending = (0..N)
        .filter(|i| i % 100 == 5)
        .filter(|i| {
            let end = d1() + Duration::days((i / 100 % 40) as i64);
            end >= d2() && end <= d2() + Duration::days(30)
        })
        .count();
    assert_eq!(lists.ending_count as usize, generated_ending + 1);
    assert!(lists.ending.iter().any(|t| t.art == 13));
    assert!(
        !lists.ending.iter().any(|t| t.art == 14),
        "ended yesterday is not «ending»"
    );
    // Left this month: A (its last copy's 24th issue), one copy of B, D (licence ended
    // yesterday, left today), and the generated titles whose licence ended before day 2.
    let generated_ended = (0..N).filter(|i| i % 100 == 5 && i / 100 % 40 < 7).count();
    let left: Vec<(u64, LeftBecause, u32)> = lists
        .left
        .iter()
        .filter(|l| l.title.art < 100)
        .map(|l| (l.title.art, l.because, l.copies))
        .collect();
    assert!(left.contains(&(11, LeftBecause::Issues, 1)), "{left:?}");
    assert!(left.contains(&(12, LeftBecause::Issues, 1)), "{left:?}");
    assert!(left.contains(&(14, LeftBecause::Licence, 1)), "{left:?}");
    assert!(
        !left.iter().any(|l| l.0 == 13),
        "a licence ending today has not ended"
    );
    // E's licence ended on d1 - 3 (left on d1 - 2, still November): listed too.
    assert!(left.contains(&(15, LeftBecause::Licence, 1)), "{left:?}");
    assert_eq!(lists.left_count as usize, 4 + generated_ended);
    // Back after renewal: E only.
    assert_eq!(lists.returned_count, 1);
    assert_eq!(lists.returned[0].title.art, 15);
    assert_eq!(lists.returned[0].day, d2());

    // A left at its 24th issue and has no copy: a request may buy it again; B still has one.
    assert!(f.store.fund_rebuyable(11).unwrap());
    assert!(!f.store.fund_rebuyable(12).unwrap());
    // The requests desk says so on a request for A, and only for A.
    let ask = |id: &str, art: u64| crate::domain::request::BookRequest {
        id: crate::domain::ids::RequestId(id.into()),
        lib_card: "700000001".into(),
        art,
        title: "Т".into(),
        status: crate::domain::request::RequestStatus::Pending,
        created: Some(chrono::Utc::now()),
        ..Default::default()
    };
    f.store
        .store_requests(&[ask("r-a", 11), ask("r-b", 12)], None, 0)
        .unwrap();
    let queue = super::requests::queue(&f.store, chrono::Utc::now()).unwrap();
    let rebuy = |id: &str| {
        let e = queue.entries.iter().find(|e| e.request.id.0 == id).unwrap();
        let json: serde_json::Value = serde_json::from_str(&super::requests::json_line(e)).unwrap();
        json["rebuy"].as_bool().unwrap()
    };
    assert!(rebuy("r-a"));
    assert!(!rebuy("r-b"));
    // A third pull the same day changes nothing (no event twice).
    let before = fund::lists(&f.store, &f.ctx, d2()).unwrap();
    let mut rows = generated(d1());
    let mut b2 = b.clone();
    b2.copies = 1;
    b2.copy_issues = vec![5];
    let mut e2 = e.clone();
    e2.licence_end = Some(d2() + Duration::days(365));
    rows.extend([b2, c, dd, e2]);
    f.store.store_fund(&rows, d2()).unwrap();
    let after = fund::lists(&f.store, &f.ctx, d2()).unwrap();
    assert_eq!(
        (
            before.left_count,
            before.returned_count,
            before.near_count,
            before.ending_count
        ),
        (
            after.left_count,
            after.returned_count,
            after.near_count,
            after.ending_count
        )
    );
}

#[test]
fn a_month_of_new_titles_and_the_title_card() {
    let mut f = open();
    f.store.store_fund(&generated(d1()), d1()).unwrap();
    let march = fund::month_titles(&f.store, "2026-03", 100_000).unwrap();
    assert_eq!(
        march.len() as u64,
        (0..N).filter(|i| i % 12 == 2).count() as u64
    );
    assert!(march.iter().all(|t| t.added == Some(day(2026, 3, 1))));
    assert!(matches!(
        fund::month_titles(&f.store, "март", 10),
        Err(Error::BadFundInput(m)) if m.contains("ГГГГ-ММ")
    ));
    // A card with nobody holding a copy is not journaled; the title is there.
    let card = fund::title_card(&mut f.store, &f.ctx, 1_000_003, d1()).unwrap();
    assert_eq!(card.title.title, "Книга номер 3");
    assert!(card.holders.is_empty());
    assert!(
        !f.store
            .journal(None, None, 100)
            .unwrap()
            .iter()
            .any(|e| e.kind == EventKind::FundHoldersViewed.code())
    );
    assert!(matches!(
        fund::title_card(&mut f.store, &f.ctx, 42, d1()),
        Err(Error::NotInFund(42))
    ));
}

#[test]
fn collections_keep_their_order_are_bounded_and_journaled() {
    let mut f = open();
    let rows: Vec<FundRow> = (0..5).map(|i| row(i, d1())).collect();
    f.store.store_fund(&rows, d1()).unwrap();
    assert!(matches!(
        fund::save_collection(&mut f.store, &f.ctx, None, "  ", "", &Audience::All),
        Err(Error::BadFundInput(m)) if m.contains("название")
    ));
    let id = fund::save_collection(
        &mut f.store,
        &f.ctx,
        None,
        "Лето с книгой",
        "Для каникул",
        &Audience::Teens,
    )
    .unwrap();
    let added = fund::add_to_collection(
        &mut f.store,
        &f.ctx,
        id,
        &[1_000_002, 1_000_000, 1_000_004, 1_000_000],
    )
    .unwrap();
    assert_eq!(added, 3);
    assert!(matches!(
        fund::add_to_collection(&mut f.store, &f.ctx, id, &[7]),
        Err(Error::NotInFund(7))
    ));
    fund::move_in_collection(&mut f.store, &f.ctx, id, 1_000_004, -2).unwrap();
    let c = fund::collection(&f.store, id).unwrap();
    assert_eq!(
        c.items.iter().map(|t| t.art).collect::<Vec<_>>(),
        vec![1_000_004, 1_000_002, 1_000_000]
    );
    assert_eq!(c.audience, Audience::Teens);
    fund::remove_from_collection(&mut f.store, &f.ctx, id, 1_000_002).unwrap();
    assert_eq!(fund::collection(&f.store, id).unwrap().items.len(), 2);
    let journaled = f
        .store
        .journal(None, None, 100)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::CollectionChanged.code())
        .count();
    assert_eq!(journaled, 4, "saved, added, moved, removed");
    fund::delete_collection(&mut f.store, &f.ctx, id).unwrap();
    assert!(fund::collection(&f.store, id).is_err());
    assert!(fund::collections(&f.store).unwrap().is_empty());
}

#[test]
fn hostile_search_text_is_words_not_syntax() {
    let mut f = open();
    f.store.store_fund(&generated(d1()), d1()).unwrap();
    for text in [
        "\"",
        "\"\"\"",
        "*",
        "книга*",
        "NEAR(книга номер)",
        "книга OR 1=1",
        "-книга",
        "^книга",
        "title:книга",
        "'; DROP TABLE fund_items; --",
        "(",
        "ё",
        "\u{0}",
        "к\"н\"и",
    ] {
        let q = FundQuery {
            text: text.into(),
            ..FundQuery::default()
        };
        assert!(fund::search(&f.store, &q, d1()).is_ok(), "{text:?}");
    }
    // The table is still there, and a long text is refused in Russian.
    assert_eq!(all(&f.store, &FundQuery::default(), d1()).len(), N as usize);
    let long = FundQuery {
        text: "а".repeat(10_000),
        ..FundQuery::default()
    };
    assert!(matches!(
        fund::search(&f.store, &long, d1()),
        Err(Error::BadFundInput(m)) if m.contains("не больше")
    ));
}

#[test]
fn an_export_goes_whole_or_not_at_all() {
    let mut f = open();
    f.store.store_fund(&generated(d1()), d1()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Over an existing file: replaced whole.
    let out = dir.path().join("new.mrc");
    std::fs::write(&out, b"old contents").unwrap();
    let r = fund::export_month(
        &mut f.store,
        &f.ctx,
        "2026-03",
        fund::CatalogueFormat::Iso2709,
        &out,
    )
    .unwrap();
    let bytes = std::fs::read(&out).unwrap();
    assert!(!bytes.starts_with(b"old"));
    assert_eq!(
        marc::Records::new(&bytes[..]).count(),
        r.records,
        "every record readable"
    );
    // Into a folder that does not exist, or onto a folder: refused in Russian, nothing left.
    for bad in [
        dir.path().join("missing").join("x.mrc"),
        dir.path().to_path_buf(),
    ] {
        let e = fund::export_month(
            &mut f.store,
            &f.ctx,
            "2026-03",
            fund::CatalogueFormat::Csv,
            &bad,
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("Не удалось записать файл"), "{e}");
    }
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("new.mrc")],
        "no temporary file left"
    );
    // An empty month says so.
    assert!(matches!(
        fund::export_month(&mut f.store, &f.ctx, "1999-01", fund::CatalogueFormat::Csv, &out),
        Err(Error::BadFundInput(m)) if m.contains("новых книг")
    ));
}
