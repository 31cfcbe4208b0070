//! `kafedra bench`: the desk's speed on realistic volumes, on a real SQLite
//! file in a temporary folder. Figures are printed, never asserted.

use std::time::{Duration, Instant};

use chrono::Local;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use kafedra_core::config::{Paths, Settings, SlipLayout};
use kafedra_core::domain::reader::ReaderDraft;
use kafedra_core::domain::text::counted;
use kafedra_core::services::{Context, Store, access, readers, requests, slips};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} мс", d.as_secs_f64() * 1000.0)
}

fn report(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{label}: n={} p50={} p99={} max={}",
        samples.len(),
        ms(percentile(&samples, 0.5)),
        ms(percentile(&samples, 0.99)),
        ms(samples.last().copied().unwrap_or_default())
    );
}

/// A sample reader for building search queries: surname, name, patronymic, card.
type Person = (String, String, String, String);

pub fn run(readers: usize, pool: usize) -> Result<(), String> {
    // KAFEDRA_BENCH_DIR keeps the filled database between runs (tuning).
    let keep = std::env::var_os("KAFEDRA_BENCH_DIR").map(std::path::PathBuf::from);
    let dir = match &keep {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(|e| e.to_string())?;
            d.clone()
        }
        None => tempfile_dir()?,
    };
    let paths = Paths::portable(&dir);
    let ctx = Context::new(Settings::default(), paths.clone());
    let mut store =
        Store::open_sealed(&paths.db_file(), &paths.pool_key_file()).map_err(|e| e.to_string())?;
    println!("Папка замера: {}", dir.display());
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!("Сборка: {build}");

    // KAFEDRA_BENCH_ONLY=fund measures the fund alone (tuning).
    if std::env::var("KAFEDRA_BENCH_ONLY").as_deref() == Ok("stats") {
        let done = stats_bench(&dir.join("stats"));
        if keep.is_none() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        return done;
    }
    if std::env::var("KAFEDRA_BENCH_ONLY").as_deref() == Ok("fund") {
        let done = fund_bench(&dir.join("fund"));
        if keep.is_none() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        return done;
    }
    import_pool(&mut store, &ctx, pool)?;
    let people = fill(&mut store, &ctx, readers)?;
    search(&store, readers, &people)?;
    register_bind_slip(&mut store, &ctx, &dir.join("slip.pdf"))?;
    pull_requests(&mut store)?;
    weigh_synthetic()?;
    requests_desk(store, &ctx)?;
    fund_bench(&dir.join("fund"))?;
    stats_bench(&dir.join("stats"))?;
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

/// Step 1, pool import (fresh logins on every run).
fn import_pool(store: &mut Store, ctx: &Context, pool: usize) -> Result<(), String> {
    let prefix = format!("BN{}-", chrono::Utc::now().timestamp());
    let csv = kafedra_core::sample::pool_csv(pool, 3, &prefix);
    let t = Instant::now();
    let record =
        kafedra_core::services::pool::import(store, ctx, &csv, "bench.csv", &mut |_, _| {})
            .map_err(|e| e.to_string())?;
    println!(
        "Загрузка пула: {} строк ({} КиБ) за {}",
        record.rows,
        csv.len() / 1024,
        ms(t.elapsed())
    );
    Ok(())
}

/// Step 2, readers (kept between runs in KAFEDRA_BENCH_DIR); returns a sample of
/// them to search for.
fn fill(store: &mut Store, ctx: &Context, readers: usize) -> Result<Vec<Person>, String> {
    let filled = readers::count(store).map_err(|e| e.to_string())? as usize >= readers;
    let today = Local::now().date_naive();
    let t = Instant::now();
    let chunk = 50_000;
    let mut sample_people = Vec::new();
    for start in (0..readers).step_by(chunk) {
        let n = chunk.min(readers - start);
        let people = kafedra_core::sample::readers(
            n,
            start as u64 + 1,
            &format!("B{:02}", start / chunk),
            today,
        );
        for (r, card) in people.iter().take(40) {
            sample_people.push((
                r.surname.clone(),
                r.name.clone(),
                r.patronymic.clone().unwrap_or_default(),
                card.clone(),
            ));
        }
        if !filled {
            readers::load_many(store, ctx, &people, false).map_err(|e| e.to_string())?;
        }
    }
    println!(
        "Заполнение: {readers} читателей за {:.1} с",
        t.elapsed().as_secs_f64()
    );
    Ok(sample_people)
}

/// What a librarian types, keystroke by keystroke: surname prefixes, the
/// whole ФИО, the name first, card prefixes, a part from the middle.
fn queries(people: &[Person]) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(5);
    let mut queries: Vec<String> = Vec::new();
    for _ in 0..300 {
        let (surname, name, patronymic, card) =
            people.choose(&mut rng).cloned().unwrap_or_default();
        let s: Vec<char> = surname.to_lowercase().chars().collect();
        for k in 1..=s.len() {
            queries.push(s[..k].iter().collect());
        }
        let full = format!("{} {}", surname.to_lowercase(), name.to_lowercase());
        queries.push(format!("{full} {}", patronymic.to_lowercase()));
        queries.push(format!(
            "{} {}",
            name.to_lowercase(),
            surname.to_lowercase()
        ));
        let f: Vec<char> = full.chars().collect();
        for k in s.len() + 2..=f.len() {
            queries.push(f[..k].iter().collect());
        }
        let c: Vec<char> = card.chars().collect();
        for k in 1..=c.len() {
            queries.push(c[..k].iter().collect());
        }
        if s.len() > 4 {
            let from = rng.random_range(1..s.len() - 3);
            queries.push(s[from..from + 3].iter().collect());
            queries.push(s[from..].iter().collect());
        }
    }
    queries
}

/// Step 3, search, keystroke by keystroke.
fn search(store: &Store, readers: usize, people: &[Person]) -> Result<(), String> {
    let queries = queries(people);
    let _ = readers::search(store, "иван").map_err(|e| e.to_string())?; // warm the cache
    let mut samples = Vec::with_capacity(queries.len());
    let mut worst = (Duration::ZERO, String::new());
    for q in &queries {
        let t = Instant::now();
        let hits = readers::search(store, q).map_err(|e| e.to_string())?.hits;
        let d = t.elapsed();
        if d > worst.0 {
            worst = (d, q.clone());
        }
        std::hint::black_box(hits);
        samples.push(d);
    }
    report(
        &format!("Поиск по {readers} читателям (на каждое нажатие клавиши)"),
        samples,
    );
    println!("Самый медленный запрос: «{}» — {}", worst.1, ms(worst.0));
    Ok(())
}

/// Step 4, register + grant access + slip PDF, as at the desk.
fn register_bind_slip(
    store: &mut Store,
    ctx: &Context,
    out: &std::path::Path,
) -> Result<(), String> {
    let mut samples = Vec::new();
    for i in 0..200 {
        let draft = ReaderDraft {
            surname: "Замерова".into(),
            name: "Анна".into(),
            patronymic: "Тестовна".into(),
            birth_date: format!("{:02}.03.19{:02}", 1 + i % 28, 50 + i % 40),
            email: format!("bench{i}@mail.ru"),
            consent: true,
            ..ReaderDraft::default()
        };
        let t = Instant::now();
        let reader = readers::register(store, ctx, &draft, true).map_err(|e| e.to_string())?;
        access::grant(store, ctx, reader.id, None).map_err(|e| e.to_string())?;
        slips::save(store, ctx, reader.id, SlipLayout::A5, out).map_err(|e| e.to_string())?;
        samples.push(t.elapsed());
    }
    report("Регистрация + выдача логина + памятка PDF", samples);
    Ok(())
}

fn tempfile_dir() -> Result<std::path::PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("kafedra-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("Не удалось создать {}: {e}", dir.display()))?;
    Ok(dir)
}

/// Pulls 10,000 pending requests from the provider simulator (real TLS on
/// 127.0.0.1) and stores them, with the real pacing of one call a second.
fn pull_requests(store: &mut Store) -> Result<(), String> {
    use kafedra_core::provider::Client;
    use kafedra_core::sim::{self, SimConfig};
    const N: usize = 10_000;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let sim = rt
        .block_on(sim::start(SimConfig::default()))
        .map_err(|e| e.to_string())?;
    sim.add_random_requests(N);
    for (label, pace) in [
        ("по одному обращению в секунду", Duration::from_secs(1)),
        ("без паузы между обращениями", Duration::ZERO),
    ] {
        let mut cfg = sim.client_config();
        cfg.min_interval = pace;
        let client = Client::new(cfg).map_err(|e| e.user_message())?;
        // A desk that syncs is already logged in.
        rt.block_on(client.create_session())
            .map_err(|e| e.user_message())?;
        let t = Instant::now();
        let (requests, stats) = rt
            .block_on(client.pull_all_requests(None))
            .map_err(|e| e.user_message())?;
        let pulled = t.elapsed();
        let stored = requests::store_pulled(
            store,
            &requests,
            stats.cursor.as_deref(),
            client.request_item_bytes(),
        )
        .map_err(|e| e.to_string())?;
        let total = t.elapsed();
        println!(
            "Загрузка {} из ЭБС ({label}): {}, получено {} КиБ по сети ({} КиБ JSON; самый большой ответ {} КиБ), \
             приём {:.2} с, с записью в базу {:.2} с",
            counted(stored as u64, "запроса", "запросов", "запросов"),
            counted(stats.calls as u64, "обращение", "обращения", "обращений"),
            stats.bytes_received / 1024,
            stats.json_bytes / 1024,
            stats.max_response_bytes / 1024,
            pulled.as_secs_f64(),
            total.as_secs_f64()
        );
    }
    rt.block_on(sim.shutdown());
    Ok(())
}

/// Rules and ordering alone (the pure part of the queue): 10,000 pending
/// requests from 100,000 readers over a 10,000-title fund, in memory.
fn weigh_synthetic() -> Result<(), String> {
    use chrono::{Duration as Days, Utc};
    use kafedra_core::domain::ids::{ReaderId, RequestId};
    use kafedra_core::domain::policy::Policy;
    use kafedra_core::domain::request::{BookKind, BookRequest};
    use kafedra_core::domain::rules::Limits;
    use kafedra_core::store::{CardStats, DeskReader, DeskRow, Lending, Stock};
    const READERS: usize = 100_000;
    const FUND: usize = 10_000;
    const PENDING: usize = 10_000;
    const GENRES: &[&str] = &[
        "Детская литература",
        "Подростковая литература",
        "Воспитание детей",
        "История",
        "Классика",
        "Детектив",
        "Фэнтези",
        "Научно-популярное",
    ];
    let mut rng = StdRng::seed_from_u64(24);
    let now = Utc::now();
    let today = Local::now().date_naive();
    let readers: Vec<DeskReader> = (0..READERS)
        .map(|i| DeskReader {
            id: ReaderId::from(i as i64 + 1),
            surname: format!("Фамилия{i}"),
            name: "Мария".into(),
            patronymic: Some("Петровна".into()),
            birth_date: today - Days::days(rng.random_range(5 * 365..80 * 365)),
            card: format!("{:07}", i + 1),
            since: now - Days::days(rng.random_range(0..3000)),
            lending: (i % 10 == 0).then_some(Lending {
                loan_days: Some(21),
                self_price_cap: Some(30_000),
                self_purchases: Some(2),
            }),
        })
        .collect();
    let stock: Vec<Stock> = (0..FUND)
        .map(|_| {
            let copies = rng.random_range(1..4);
            Stock {
                copies,
                on_loan: rng.random_range(0..=copies),
                copy_issues: (0..copies).map(|_| rng.random_range(0..24)).collect(),
                rebuy: false,
            }
        })
        .collect();
    let rows: Vec<DeskRow> = (0..PENDING)
        .map(|i| {
            let r = &readers[rng.random_range(0..READERS)];
            let art = rng.random_range(0..FUND + FUND / 2);
            DeskRow {
                request: BookRequest {
                    id: RequestId(format!("r{i}")),
                    lib_card: r.card.clone(),
                    art: art as u64,
                    title: format!("Книга {art}"),
                    authors: "Автор".into(),
                    genre: Some(GENRES[art % GENRES.len()].into()),
                    kind: if art % 5 == 0 {
                        BookKind::Audio
                    } else {
                        BookKind::Ebook
                    },
                    price_kopecks: Some(rng.random_range(0..120_000)),
                    age_rating: Some([0, 6, 12, 16, 18][art % 5]),
                    draft: art % 50 == 0,
                    free: art % 97 == 0,
                    created: Some(now - Days::minutes(rng.random_range(0..10_000))),
                    ..BookRequest::default()
                },
                previous: rng.random_range(0..20),
                reader: (i % 7 != 0).then(|| r.clone()),
                card: CardStats {
                    requests: 5,
                    first_at: Some(r.since),
                    on_hand: rng.random_range(0..7),
                    bought_this_month: rng.random_range(0..4),
                    self_bought_this_month: rng.random_range(0..3),
                },
                stock: stock.get(art).cloned(),
            }
        })
        .collect();
    let policy = Policy::default();
    let limits = Limits {
        max_on_hand: Some(5),
        price_cap: Some(70_000),
        copies_per_title: Some(3),
        purchases_per_reader_month: Some(3),
        age_check: true,
        money_left: Some(10_000_000),
    };
    let mut samples = Vec::new();
    for _ in 0..30 {
        let input = rows.clone();
        let t = Instant::now();
        let queue = requests::weigh(input, &policy, &limits, now);
        samples.push(t.elapsed());
        std::hint::black_box(queue);
    }
    report(
        "Правила и очерёдность: 10 000 запросов, 100 000 читателей, фонд 10 000 названий (в памяти)",
        samples,
    );
    Ok(())
}

/// The whole queue as the desk opens it: a sync from the simulator (10,000
/// pending requests, a 10,000-title fund, the library's info), then the
/// queue read from SQLite (the readers of the bench are in it), weighed and
/// ordered.
fn requests_desk(store: Store, ctx: &Context) -> Result<(), String> {
    use kafedra_core::provider::Client;
    use kafedra_core::provider::sync::sync_once;
    use kafedra_core::services::{Db, PROVIDER};
    use kafedra_core::sim::{self, SimConfig};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let sim = rt
        .block_on(sim::start(SimConfig {
            catalogue_size: 12_000,
            initial_fund_titles: 10_000,
            initial_readers: 2_000,
            initial_requests: 0,
            ..SimConfig::default()
        }))
        .map_err(|e| e.to_string())?;
    sim.add_random_requests(10_000);
    let mut cfg = sim.client_config();
    cfg.min_interval = Duration::ZERO;
    let client = Client::new(cfg).map_err(|e| e.user_message())?;
    let db = Db::new(store);
    let report_sync = rt.block_on(sync_once(&db, &client, PROVIDER, &ctx.actor));
    if let Some(e) = report_sync.error {
        return Err(e);
    }
    println!(
        "Синхронизация для очереди: запросов {}, фонд {} названий",
        report_sync.pulled_requests, report_sync.pulled_fund
    );
    let mut samples = Vec::new();
    let mut pending = 0;
    for _ in 0..10 {
        let (t, n) = rt.block_on(db.call(|s| {
            let t = Instant::now();
            let q = requests::queue(s, chrono::Utc::now()).map(|q| q.entries.len());
            (t.elapsed(), q)
        }));
        pending = n.map_err(|e| e.to_string())?;
        samples.push(t);
    }
    report(
        &format!("Очередь запросов из базы: {pending} ждут решения (чтение, правила, порядок)"),
        samples,
    );
    rt.block_on(sim.shutdown());
    Ok(())
}

/// The e-fund: 100,000 titles (5,000 of them new in one month) stored, searched
/// by title, author and genre, the four lists, the month's catalogue export.
fn fund_bench(dir: &std::path::Path) -> Result<(), String> {
    use kafedra_core::services::fund::{self, CatalogueFormat, FundQuery};
    use kafedra_core::store::FundRow;
    const TITLES: usize = 100_000;
    const GENRES: [&str; 12] = [
        "Современная проза",
        "Детектив",
        "Фантастика",
        "Фэнтези",
        "Детская литература",
        "Личная эффективность",
        "Здоровье и медицина",
        "История",
        "Классика",
        "Психология",
        "Воспитание детей",
        "Поэзия",
    ];
    const WORDS: [&str; 16] = [
        "Тень",
        "Город",
        "Лес",
        "Ёлка",
        "Море",
        "Сердце",
        "Дорога",
        "Зима",
        "Ночь",
        "Дом",
        "Свет",
        "Песня",
        "Ветер",
        "Река",
        "Сад",
        "Звезда",
    ];
    const SURNAMES: [&str; 12] = [
        "Морозов",
        "Белова",
        "Орлов",
        "Ёлкина",
        "Смирнова",
        "Кузнецов",
        "Попова",
        "Лебедев",
        "Козлова",
        "Новиков",
        "Соколова",
        "Волков",
    ];
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let paths = Paths::portable(dir);
    let ctx = Context::new(Settings::default(), paths.clone());
    let mut store = Store::open(&paths.db_file()).map_err(|e| e.to_string())?;
    let today = Local::now().date_naive();
    let month = today - chrono::Duration::days(40);
    let month_first = kafedra_core::domain::fund::month_start(month);
    let mut rng = StdRng::seed_from_u64(24);
    let rows: Vec<FundRow> = (0..TITLES)
        .map(|i| {
            let copies = rng.random_range(1..4u32);
            let copy_issues: Vec<u32> = (0..copies).map(|_| rng.random_range(0..24)).collect();
            FundRow {
                art: 10_000_000 + i as u64,
                title: format!(
                    "{} {} {}",
                    WORDS[rng.random_range(0..WORDS.len())],
                    WORDS[rng.random_range(0..WORDS.len())].to_lowercase(),
                    i
                ),
                authors: format!(
                    "{} {}.",
                    SURNAMES[rng.random_range(0..SURNAMES.len())],
                    ["А", "Б", "В", "Г"][i % 4]
                ),
                genre: Some(GENRES[rng.random_range(0..GENRES.len())].to_owned()),
                kind: kafedra_core::domain::request::BookKind::Ebook,
                price_kopecks: Some(rng.random_range(99..1300) * 100),
                age_rating: Some([0u8, 6, 12, 16, 18][i % 5]),
                copies,
                on_loan: rng.random_range(0..=copies),
                issues: copy_issues.iter().sum(),
                licence_end: Some(today + chrono::Duration::days(rng.random_range(0..400))),
                // 5,000 new in `month`; the rest before it.
                bought: Some(if i < 5_000 {
                    month_first + chrono::Duration::days((i % 28) as i64)
                } else {
                    month_first - chrono::Duration::days(1 + (i % 900) as i64)
                }),
                copy_issues,
                annotation: (i.is_multiple_of(2))
                    .then(|| format!("Аннотация книги {i}: о главном.")),
            }
        })
        .collect();
    let t = Instant::now();
    fund::store_pulled(&mut store, &rows, today).map_err(|e| e.to_string())?;
    println!(
        "Фонд: {} записано за {:.2} с; повторная загрузка того же фонда (сравнение с прежней):",
        counted(TITLES as u64, "название", "названия", "названий"),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    fund::store_pulled(&mut store, &rows, today).map_err(|e| e.to_string())?;
    println!("  {:.2} с", t.elapsed().as_secs_f64());

    let mut queries: Vec<FundQuery> = Vec::new();
    for g in GENRES {
        queries.push(FundQuery {
            text: g.to_lowercase(),
            ..FundQuery::default()
        });
        queries.push(FundQuery {
            genre: Some(g.to_owned()),
            ..FundQuery::default()
        });
        queries.push(FundQuery {
            text: g.split(' ').next().unwrap_or(g).chars().take(4).collect(),
            ..FundQuery::default()
        });
    }
    for w in WORDS {
        queries.push(FundQuery {
            text: w.to_lowercase().replace('ё', "е"),
            ..FundQuery::default()
        });
        queries.push(FundQuery {
            text: w.chars().take(2).collect(),
            ..FundQuery::default()
        });
        for s in SURNAMES.iter().take(4) {
            queries.push(FundQuery {
                text: format!("{w} {s}"),
                ..FundQuery::default()
            });
        }
    }
    for s in SURNAMES {
        queries.push(FundQuery {
            text: s.chars().take(5).collect(),
            ..FundQuery::default()
        });
        queries.push(FundQuery {
            text: s.to_owned(),
            genre: Some(GENRES[0].to_owned()),
            ..FundQuery::default()
        });
    }
    queries.push(FundQuery::default());
    queries.push(FundQuery {
        text: "12345".into(),
        ..FundQuery::default()
    });
    let mut samples = Vec::new();
    let mut worst = (Duration::ZERO, String::new());
    for _ in 0..3 {
        for q in &queries {
            let t = Instant::now();
            fund::search(&store, q, today).map_err(|e| e.to_string())?;
            let d = t.elapsed();
            if d > worst.0 {
                worst = (
                    d,
                    format!("{} / {}", q.text, q.genre.as_deref().unwrap_or("—")),
                );
            }
            samples.push(d);
        }
    }
    report(
        &format!("Поиск по фонду из {TITLES} названий (название, автор, жанр; до 200 строк)"),
        samples,
    );
    println!(
        "Самый медленный поиск по фонду: «{}» — {}",
        worst.1,
        ms(worst.0)
    );
    let mut samples = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        fund::lists(&store, &ctx, today).map_err(|e| e.to_string())?;
        samples.push(t.elapsed());
    }
    report("Четыре списка «что впереди» со счётчиками", samples);
    let ym = month.format("%Y-%m").to_string();
    for format in [
        CatalogueFormat::Iso2709,
        CatalogueFormat::MarcXml,
        CatalogueFormat::Csv,
    ] {
        let out = dir.join(format!("export.{}", format.label().len()));
        let t = Instant::now();
        let r =
            fund::export_month(&mut store, &ctx, &ym, format, &out).map_err(|e| e.to_string())?;
        let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
        println!(
            "Выгрузка за месяц ({}): {} за {} ({} КиБ)",
            format.label(),
            counted(r.records as u64, "запись", "записи", "записей"),
            ms(t.elapsed()),
            size / 1024
        );
    }
    Ok(())
}

/// Statistics over ten years of a busy library: `KAFEDRA_BENCH_EVENTS`
/// requests (5,000,000 by default) with their answers, stored through the
/// sync's path (the day buckets kept by triggers), then any period and any
/// «as of» date answered.
fn stats_bench(dir: &std::path::Path) -> Result<(), String> {
    use kafedra_core::services::stats::{self, Period};
    let events: u64 = std::env::var("KAFEDRA_BENCH_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5_000_000);
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let paths = Paths::portable(dir);
    let mut store = Store::open(&paths.db_file()).map_err(|e| e.to_string())?;
    let days: u32 = 3_650;
    let per_day = (events / u64::from(days)).max(1) as u32;
    let first = chrono::NaiveDate::from_ymd_opt(2016, 1, 1).unwrap_or_default();
    let t = Instant::now();
    let n = stats::synthetic_history(&mut store, first, days, per_day, 40_000, 7)
        .map_err(|e| e.to_string())?;
    println!(
        "Статистика: {} за 10 лет записано за {:.0} с (с днями-корзинами в тех же транзакциях)",
        counted(n, "запрос", "запроса", "запросов"),
        t.elapsed().as_secs_f64()
    );
    let mut rng = StdRng::seed_from_u64(10);
    let last = first + chrono::Duration::days(i64::from(days) - 1);
    let mut any = Vec::new();
    let mut decade = Vec::new();
    for i in 0..60 {
        let (from, to) = if i % 10 == 0 {
            (first, last)
        } else {
            let a = rng.random_range(0..days as i64 - 1);
            let b = rng.random_range(a..days as i64);
            (
                first + chrono::Duration::days(a),
                first + chrono::Duration::days(b),
            )
        };
        let as_of = (i % 3 == 0).then(|| from + (to - from) / 2);
        let t = Instant::now();
        let r = stats::report(&store, Period { from, to, as_of }, 24).map_err(|e| e.to_string())?;
        let d = t.elapsed();
        if i % 10 == 0 {
            decade.push(d);
        } else {
            any.push(d);
        }
        if i == 0 {
            println!(
                "  за 10 лет: запросов {}, выдач {}, активных читателей {}",
                r.count("requests", "all"),
                r.count("issues", "all"),
                r.count("active_readers", "all")
            );
        }
    }
    report("Статистика за случайный период (и «на дату»)", any);
    report("Статистика за все 10 лет", decade);
    let mut years = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        stats::years(&store, 2016, last).map_err(|e| e.to_string())?;
        years.push(t.elapsed());
    }
    report("Таблица по годам (10 столбцов)", years);
    Ok(())
}
