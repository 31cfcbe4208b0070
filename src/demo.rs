//! `kafedra --demo`: a fresh data folder with sample readers and logins, and
//! the provider simulator running in this process.

use std::path::Path;
use std::sync::Arc;

use chrono::{Local, NaiveDate};
use kafedra_core::config::{Paths, Settings};
use kafedra_core::domain::reader::age_on;
use kafedra_core::domain::records::ReaderId;
use kafedra_core::sample::{pool_csv, readers as sample_readers};
use kafedra_core::services::provider::{self, Setup};
use kafedra_core::services::{Context, Store, access, pool, readers, settings};
use kafedra_core::sim::catalogue::{self, Book};
use kafedra_core::sim::scenario::{
    BuyerSpec, FundSpec, LibrarySpec, ReaderSpec, RequestSpec, Scenario, StateSpec,
};
use kafedra_core::sim::{self, SimHandle};

/// Prepares a demo data folder: settings, ~300 readers, a pool of 400 logins,
/// a third of the readers with logins.
pub fn prepare(dir: &Path) -> Result<(Context, Store), String> {
    let paths = Paths::portable(dir);
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("Не удалось создать папку {}: {e}", dir.display()))?;
    let settings = settings::load_or_create(&paths, || Settings {
        library_name: "Центральная городская библиотека им. А. С. Пушкина".into(),
        staff_name: "Смирнова О. В.".into(),
        desk_name: "Кафедра обслуживания, 1 этаж".into(),
        library_page_url: "https://biblio.litres.ru/libreg/12345/".into(),
        print_after_bind: false,
        setup_step: None,
        ..Settings::default()
    })
    .map_err(|e| e.to_string())?;
    let mut store =
        Store::open_sealed(&paths.db_file(), &paths.pool_key_file()).map_err(|e| e.to_string())?;
    let ctx = Context::new(settings, paths);
    fill(&mut store, &ctx).map_err(|e| e.to_string())?;
    Ok((ctx, store))
}

/// ~300 readers, 400 logins, every third reader with a login, once.
fn fill(store: &mut Store, ctx: &Context) -> kafedra_core::services::Result<()> {
    if readers::count(store)? > 0 {
        return Ok(());
    }
    let today = Local::now().date_naive();
    readers::load_many(store, ctx, &sample_readers(300, 7, "2025", today), true)?;
    let csv = pool_csv(400, 11, "LR-");
    pool::import(store, ctx, &csv, "litres-logins-demo.csv", &mut |_, _| {})?;
    for id in (1..=300).step_by(3) {
        access::grant(store, ctx, ReaderId::from(id), None)?;
    }
    Ok(())
}

/// The demo folder plus the provider simulator, started on the current
/// tokio runtime (keep the handle alive), configured as this desk's provider,
/// with a new reader request every 20 seconds. The simulator knows the desk's
/// readers who hold a login (by the login's provider card), so their requests
/// tie to them, and starts with a varied queue (see [`scenario`]).
pub async fn prepare_with_provider(dir: &Path) -> Result<(Context, Store, SimHandle), String> {
    let (ctx, mut store) = prepare(dir)?;
    let scenario = scenario(&mut store, Local::now().date_naive())?;
    let cfg = sim::SimConfig {
        scenario: Some(Arc::new(scenario)),
        ..sim::SimConfig::default()
    };
    let handle = sim::start(cfg.clone()).await.map_err(|e| e.to_string())?;
    // Some requests from readers the library does not know yet.
    handle.add_random_requests(6);
    let setup = Setup {
        url: handle.base_url(),
        app_id: cfg.app_id.clone(),
        secret: cfg.secret.clone(),
        libhouse: cfg.libhouse,
        login: cfg.staff_login.clone(),
        password: cfg.staff_password.clone(),
        ca_pem: Some(handle.ca_pem.clone().into_bytes()),
        timeout_secs: 10,
        min_interval_ms: 1000,
    };
    provider::set_up(&ctx.paths, setup).map_err(|e| e.to_string())?;
    // Detached: it stops with the simulator.
    drop(handle.spawn_request_trickle(std::time::Duration::from_secs(20)));
    Ok((ctx, store, handle))
}

/// Seed and size of the demo's generated catalogue.
const SEED: u64 = 1;
const CATALOGUE: usize = 2000;

/// A desk reader who holds a login, as the provider knows them.
struct Holder {
    card: String,
    name: String,
    birth: NaiveDate,
    email: Option<String>,
    phone: Option<String>,
}

/// The desk's readers holding a login, with the login's provider card.
fn holders(store: &mut Store) -> kafedra_core::services::Result<Vec<Holder>> {
    let mut out = Vec::new();
    for (id, _login) in access::active_logins(store)? {
        let profile = readers::reload(store, id)?;
        let Some(card) = profile.binding.and_then(|b| b.account.provider_card) else {
            continue;
        };
        let r = profile.reader;
        let name = r.full_name();
        let plain = |s: &String| s.is_ascii() && !s.contains(' ');
        let email = r.email.filter(|m| plain(m) && m.contains('@'));
        let phone = r.phone.filter(|p| plain(p) && p.starts_with('+'));
        out.push(Holder {
            name,
            birth: r.birth_date,
            card,
            email,
            phone,
        });
    }
    Ok(out)
}

fn request(card: &str, art: u64, hours_ago: f64) -> RequestSpec {
    RequestSpec {
        card: card.to_string(),
        art,
        created_at: None,
        hours_ago: Some(hours_ago),
        state: StateSpec::Pending,
        reason: None,
        refusal: None,
        bought_by: None,
        direct: false,
        line: None,
    }
}

fn issued(card: &str, art: u64, hours_ago: f64) -> RequestSpec {
    RequestSpec {
        state: StateSpec::Issued,
        ..request(card, art, hours_ago)
    }
}

/// The demo library at the provider: the desk's login holders as reader cards, a fund,
/// and a queue with one of each case the desk weighs — a first-time reader, a child
/// asking for a children's book, a parent asking for a book on upbringing, a
/// long-standing reader of serious books, rules broken (five books on hand of five; an
/// 18+ book for a teenager; a price over the cap; the 24th issue of a copy; every copy
/// out), a draft, a free title, and requests waiting longer than a day.
pub fn scenario(store: &mut Store, today: NaiveDate) -> Result<Scenario, String> {
    let holders = holders(store).map_err(|e| e.to_string())?;
    let books = catalogue::generated(SEED, CATALOGUE);
    let mut sc = Scenario {
        library: LibrarySpec {
            name: Some("Центральная городская библиотека им. А. С. Пушкина".into()),
            preset: Some("default".into()),
            money: Some(kafedra_core::provider::api::Money::from_rub(48_350)),
            generated_books: Some(CATALOGUE),
            seed: Some(SEED),
            ..LibrarySpec::default()
        },
        ..Scenario::default()
    };
    for h in &holders {
        let email = match (&h.email, &h.phone) {
            (None, None) => Some(format!("reader{}@example.org", h.card)),
            (e, _) => e.clone(),
        };
        sc.readers.push(ReaderSpec {
            card: h.card.clone(),
            name: h.name.clone(),
            birth_date: h.birth,
            email,
            phone: h.phone.clone(),
            registered: None,
            loan_days: None,
            self_price_cap: None,
            self_purchases: None,
            line: None,
        });
    }

    // Books for each case, each used once.
    let mut used = std::collections::HashSet::new();
    let mut take = |f: &dyn Fn(&Book) -> bool| -> Option<u64> {
        let b = books
            .iter()
            .find(|b| !used.contains(&b.art) && !b.draft && !b.free && f(b))
            .or_else(|| books.iter().find(|b| !used.contains(&b.art) && f(b)))?;
        used.insert(b.art);
        Some(b.art)
    };
    let cheap = |b: &Book| b.price.kopecks() <= 70_000;
    let genre = |b: &Book, words: &[&str]| {
        let g = b.genre.to_lowercase();
        words.iter().any(|w| g.contains(w))
    };
    // The readers for each role, each used once.
    let mut taken = std::collections::HashSet::new();
    let mut who = |ages: std::ops::RangeInclusive<u32>| -> Option<String> {
        let h = holders
            .iter()
            .find(|h| !taken.contains(&h.card) && ages.contains(&age_on(h.birth, today)))?;
        taken.insert(h.card.clone());
        Some(h.card.clone())
    };
    let stock = |sc: &mut Scenario, art: u64, copies: u32, issues: Vec<u32>| {
        sc.fund.push(FundSpec {
            art,
            copies,
            issues,
            bought: None,
            line: None,
        });
    };

    // A child asking for a children's book; read one before, a month ago.
    if let (Some(card), Some(art), Some(before)) = (
        who(6..=13),
        take(&|b| genre(b, &["детск", "сказк"]) && b.age_rating <= 6 && cheap(b)),
        take(&|b| genre(b, &["детск", "сказк"]) && b.age_rating <= 6),
    ) {
        stock(&mut sc, art, 1, vec![3]);
        stock(&mut sc, before, 1, vec![]);
        sc.requests.push(issued(&card, before, 24.0 * 40.0));
        sc.requests.push(request(&card, art, 30.0));
    }
    // A teenager asking for a book for young people, and for an 18+ book.
    if let (Some(card), Some(teen), Some(adult)) = (
        who(14..=17),
        take(&|b| genre(b, &["подростк", "юношеск"]) && b.age_rating <= 12),
        take(&|b| b.age_rating == 18 && cheap(b)),
    ) {
        stock(&mut sc, teen, 2, vec![5, 1]);
        stock(&mut sc, adult, 1, vec![]);
        sc.requests.push(request(&card, teen, 27.0));
        sc.requests.push(request(&card, adult, 2.5));
    }
    // A parent asking for a book on upbringing; asked once before.
    if let (Some(card), Some(art), Some(before)) = (
        who(25..=45),
        take(&|b| genre(b, &["воспитан", "родител"]) && cheap(b)),
        take(&|b| genre(b, &["детектив"]) && b.age_rating <= 16),
    ) {
        sc.requests.push(RequestSpec {
            state: StateSpec::Issued,
            bought_by: Some(BuyerSpec::Library),
            ..request(&card, before, 24.0 * 95.0)
        });
        sc.requests.push(request(&card, art, 26.0));
    }
    // A reader of serious books since three years ago, waiting two days.
    if let Some(card) = who(50..=90) {
        let serious = ["истори", "классик", "научн", "философ", "биограф"];
        let history: Vec<u64> = (0..3)
            .filter_map(|_| take(&|b| genre(b, &serious) && b.age_rating <= 16))
            .collect();
        for (i, &art) in history.iter().enumerate() {
            stock(&mut sc, art, 1, vec![2 + i as u32]);
            sc.requests
                .push(issued(&card, art, 24.0 * (1000.0 - 300.0 * i as f64)));
        }
        if let Some(art) = take(&|b| genre(b, &serious) && b.age_rating <= 16 && cheap(b)) {
            stock(&mut sc, art, 2, vec![7, 0]);
            sc.requests.push(request(&card, art, 52.0));
        }
        if let Some(r) = sc.readers.iter_mut().find(|r| r.card == card) {
            r.registered = today.checked_sub_months(chrono::Months::new(38));
            r.loan_days = Some(30);
        }
    }
    // Five books on hand of five, and a sixth asked for.
    if let Some(card) = who(18..=70) {
        for i in 0..5 {
            if let Some(art) = take(&|b| b.age_rating <= 16) {
                stock(&mut sc, art, 1, vec![]);
                sc.requests.push(issued(&card, art, 72.0 - i as f64));
            }
        }
        if let Some(art) = take(&|b| b.age_rating <= 16 && cheap(b)) {
            stock(&mut sc, art, 1, vec![]);
            sc.requests.push(request(&card, art, 6.0));
        }
    }
    // Asking for the first time: a draft, and a free title.
    if let (Some(card), Some(art)) = (who(18..=60), take(&|b| b.draft && b.age_rating <= 16)) {
        sc.requests.push(request(&card, art, 10.0));
    }
    if let (Some(card), Some(art)) = (who(18..=80), take(&|b| b.free)) {
        sc.requests.push(request(&card, art, 8.0));
    }
    // A first-time reader asking for a detective story the fund holds.
    if let (Some(card), Some(art)) = (
        who(18..=80),
        take(&|b| genre(b, &["детектив"]) && b.age_rating <= 16 && cheap(b)),
    ) {
        stock(&mut sc, art, 1, vec![]);
        sc.requests.push(request(&card, art, 1.0));
    }
    // The price is over the library's cap, and nothing of it in the fund.
    if let (Some(card), Some(art)) = (
        who(18..=80),
        take(&|b| b.price.kopecks() > 70_000 && b.age_rating <= 16),
    ) {
        sc.requests.push(request(&card, art, 31.0));
    }
    // The only copy is at its 23rd issue: this issue is its last.
    if let (Some(card), Some(art)) = (who(18..=80), take(&|b| b.age_rating <= 16 && cheap(b))) {
        stock(&mut sc, art, 1, vec![23]);
        sc.requests.push(request(&card, art, 12.0));
    }
    // Every copy is out with another reader.
    if let (Some(holder), Some(card), Some(art)) = (
        who(18..=80),
        who(18..=80),
        take(&|b| b.age_rating <= 16 && cheap(b)),
    ) {
        stock(&mut sc, art, 1, vec![4]);
        sc.requests.push(issued(&holder, art, 24.0 * 3.0));
        sc.requests.push(request(&card, art, 20.0));
    }
    // A refusal and a cancellation in the history.
    if let (Some(card), Some(art)) = (who(18..=80), take(&|b| b.price.kopecks() > 70_000)) {
        sc.requests.push(RequestSpec {
            state: StateSpec::Refused,
            reason: Some("price_over_cap".into()),
            refusal: Some(
                "Цена книги выше той, что библиотека может заплатить за одну книгу. \
                 Выберите, пожалуйста, другое издание."
                    .into(),
            ),
            ..request(&card, art, 24.0 * 12.0)
        });
        if let Some(other) = take(&|b| b.age_rating <= 16) {
            sc.requests.push(RequestSpec {
                state: StateSpec::Cancelled,
                ..request(&card, other, 24.0 * 5.0)
            });
        }
    }
    // More of the fund, to choose from when issuing without a request.
    for _ in 0..30 {
        if let Some(art) = take(&|b| b.age_rating <= 16) {
            stock(&mut sc, art, 1 + (art % 2) as u32, vec![(art % 20) as u32]);
        }
    }
    // The fund's lists: copies near their 24th issue, licences ending within
    // a month (the licence runs 365 days from the purchase), and one that
    // ended yesterday (it left the fund today).
    for n in 0..8u32 {
        if let Some(art) = take(&|b| b.age_rating <= 16) {
            stock(&mut sc, art, 1 + n % 2, vec![20 + n % 4]);
        }
    }
    for days in [0i64, 3, 12, 25] {
        if let Some(art) = take(&|_| true) {
            sc.fund.push(FundSpec {
                art,
                copies: 1,
                issues: vec![6],
                bought: Some(today - chrono::Duration::days(365 - days)),
                line: None,
            });
        }
    }
    if let Some(art) = take(&|_| true) {
        sc.fund.push(FundSpec {
            art,
            copies: 1,
            issues: vec![11],
            bought: Some(today - chrono::Duration::days(366)),
            line: None,
        });
    }
    sc.check().map_err(|e| e.to_string())?;
    Ok(sc)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use kafedra_core::domain::rules::Rule;
    use kafedra_core::services::{Db, requests};

    use super::*;

    /// The demo's simulator knows the desk's login holders by their provider cards, so
    /// after one sync the queue is tied to local readers and shows every case the desk
    /// weighs: each priority reason, broken rules, a draft, a free title, long waits.
    #[test]
    fn the_demo_queue_is_tied_to_the_desks_readers_and_shows_each_case() {
        let dir = tempfile::tempdir().unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (ctx, store, sim) = rt.block_on(prepare_with_provider(dir.path())).unwrap();
        let client = provider::client(&ctx.paths).unwrap();
        let db = Db::new(store);
        let report = rt.block_on(provider::sync(&db, &client, &ctx));
        assert!(report.error.is_none(), "{report:?}");
        let queue = rt
            .block_on(db.call(|s| requests::queue(s, Utc::now())))
            .unwrap();
        let entries = &queue.entries;
        let reasons: Vec<&str> = entries
            .iter()
            .flat_map(|e| e.reasons.iter().map(String::as_str))
            .collect();
        for reason in [
            "впервые обращается",
            "юный читатель, детская литература",
            "родитель, книга о воспитании",
            "постоянный читатель серьёзной литературы с первого года",
        ] {
            assert!(reasons.contains(&reason), "no «{reason}» in {reasons:?}");
        }
        let broken = |rule: Rule| {
            entries
                .iter()
                .flat_map(|e| &e.verdicts)
                .find(|v| v.rule == rule && !v.passed)
                .map(|v| v.message.clone())
        };
        assert_eq!(
            broken(Rule::OnHand).as_deref(),
            Some("На руках 5 книг из 5 допустимых")
        );
        for rule in [Rule::Age, Rule::PriceCap, Rule::FreeTitle, Rule::FreeCopy] {
            assert!(broken(rule).is_some(), "no request breaks {rule:?}");
        }
        assert!(entries.iter().any(|e| e.request.draft), "a draft");
        assert!(entries.iter().any(|e| e.request.free), "a free title");
        assert!(
            entries.iter().filter(|e| e.overdue).count() >= 5,
            "long waits"
        );
        let tied = entries.iter().filter(|e| e.reader.is_some()).count();
        assert!(
            tied >= 15,
            "{tied} of {} tied to local readers",
            entries.len()
        );
        rt.block_on(sim.shutdown());
    }
}
