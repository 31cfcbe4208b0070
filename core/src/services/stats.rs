//! Statistics for any period and as of any date: the desk's figures from the
//! day buckets (see `resources/migrations/006_stats.sql` and
//! `domain::stats` for what counts as what), active readers and response
//! times from the requests, the provider's own monthly figures, and where both
//! sides count the same thing, the two numbers reconciled.

use std::collections::BTreeMap;

use chrono::{Local, NaiveDate};

use super::{Error, Result, Store};
use crate::domain::stats;
pub use crate::domain::stats::{Mismatch, Months, Period, Report, Value, YearColumn};
use crate::provider::api::LibraryStats;

/// The longest period asked at once (a century of days is plenty).
pub const MAX_DAYS: i64 = 36_600;

/// Refuses a period that cannot be, saying what to fix.
pub fn check(period: &Period) -> Result<()> {
    if period.from > period.to {
        return Err(Error::BadPeriod(format!(
            "Начало периода {} позже конца {}: поменяйте даты местами.",
            period.from.format("%d.%m.%Y"),
            period.to.format("%d.%m.%Y")
        )));
    }
    if (period.to - period.from).num_days() > MAX_DAYS {
        return Err(Error::BadPeriod(
            "Период длиннее ста лет: сократите его.".into(),
        ));
    }
    if let Some(a) = period.as_of
        && a < period.from
    {
        return Err(Error::BadPeriod(format!(
            "Дата «на» {} раньше начала периода: укажите дату внутри периода.",
            a.format("%d.%m.%Y")
        )));
    }
    Ok(())
}

/// Median and 90th percentile, in hours, of a histogram of ten-minute steps
/// (sorted by step): the same definitions as `domain::stats::{median, percentile}`.
fn histogram_stats(h: &[(i64, i64)]) -> (Option<f64>, Option<f64>) {
    let total: i64 = h.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return (None, None);
    }
    // The value (hours) of the k-th smallest answer, 1-based.
    let nth = |k: i64| -> f64 {
        let mut seen = 0;
        for (step, n) in h {
            seen += n;
            if seen >= k {
                return *step as f64 / 6.0;
            }
        }
        h.last().map_or(0.0, |(s, _)| *s as f64 / 6.0)
    };
    let median = if total % 2 == 1 {
        nth(total / 2 + 1)
    } else {
        (nth(total / 2) + nth(total / 2 + 1)) / 2.0
    };
    let rank = ((0.9 * total as f64).ceil() as i64).clamp(1, total);
    (Some(median), Some(nth(rank)))
}

fn put(values: &mut BTreeMap<(String, String), Value>, figure: &str, group: &str, v: Value) {
    values.insert((figure.to_owned(), group.to_owned()), v);
}

/// The figures of a period.
pub fn report(store: &Store, period: Period, threshold_hours: u32) -> Result<Report> {
    check(&period)?;
    let (from, to) = (period.from, period.until());
    let mut values = BTreeMap::new();
    for (figure, group, sum) in store.stat_sums(from, to)? {
        let v = if figure == "money_spent" {
            Value::Money(sum)
        } else {
            Value::Count(sum)
        };
        put(&mut values, &figure, &group, v);
    }
    // Figures the desk counts that had nothing in the period: zero, not absent.
    for f in [
        "requests",
        "issues",
        "refusals",
        "cancellations",
        "readers_registered",
        "logins_bound",
        "logins_blocked",
        "purchases_library",
        "purchases_reader",
    ] {
        values
            .entry((f.to_owned(), "all".to_owned()))
            .or_insert(Value::Count(0));
    }
    values
        .entry(("money_spent".to_owned(), "all".to_owned()))
        .or_insert(Value::Money(0));

    // Active readers: distinct cards with a request, by age on the period's last day.
    let (active, by_age) = store.active_counts(from, to)?;
    put(&mut values, "active_readers", "all", Value::Count(active));
    for ((g, _), n) in stats::AGE_GROUPS.iter().zip(by_age) {
        if n > 0 {
            put(&mut values, "active_readers", g, Value::Count(n));
        }
    }

    // Response speed, from the ten-minute histogram of answer times of the
    // requests made in the months the period touches.
    let histogram = store.answer_steps(from, to)?;
    let (m, p90) = histogram_stats(&histogram);
    if let Some(m) = m {
        put(&mut values, "decision_hours_median", "all", Value::Hours(m));
    }
    if let Some(p) = p90 {
        put(&mut values, "decision_hours_p90", "all", Value::Hours(p));
    }
    let over_threshold = histogram
        .iter()
        .filter(|(step, _)| *step * 10 >= i64::from(threshold_hours) * 60)
        .map(|(_, n)| n)
        .sum::<i64>();
    let waiting = store.waiting_count(from, to)?;

    // The provider's own figures.
    let months = store.provider_months(from, to)?;
    let mut provider = LibraryStats::default();
    let mut any = false;
    let mut last_fund = None;
    for m in &months {
        if let Ok(s) = serde_json::from_str::<LibraryStats>(&m.stats) {
            any = true;
            provider.visits += s.visits;
            provider.requests += s.requests;
            provider.issues += s.issues;
            provider.refusals += s.refusals;
            provider.cancellations += s.cancellations;
            last_fund = Some(s.fund_titles);
        }
    }
    let mut mismatches = Vec::new();
    if any {
        put(
            &mut values,
            "visits",
            "all",
            Value::Count(provider.visits.into()),
        );
        for (figure, theirs) in [
            ("requests", provider.requests),
            ("issues", provider.issues),
            ("refusals", provider.refusals),
            ("cancellations", provider.cancellations),
        ] {
            let ours = match values.get(&(figure.to_owned(), "all".to_owned())) {
                Some(Value::Count(n)) => *n,
                _ => 0,
            };
            if ours != i64::from(theirs) {
                mismatches.push(Mismatch {
                    figure,
                    desk: ours,
                    provider: theirs.into(),
                });
            }
        }
    }
    let fund = match last_fund {
        Some(f) => i64::from(f),
        None => store.fund_size_on(to)?,
    };
    put(&mut values, "fund_size", "all", Value::Count(fund));
    if let Some(info) = store.library_info()? {
        put(
            &mut values,
            "money_left",
            "all",
            Value::Money(info.money_left),
        );
    }
    Ok(Report {
        period,
        values,
        waiting,
        over_threshold,
        threshold_hours,
        mismatches,
    })
}

/// The CSV for scripts: `figure,group,value`, one line per figure and group,
/// in the order of `domain::stats::FIGURES`, then groups: all, ages, channels, reasons.
pub fn csv(report: &Report) -> String {
    let mut out = String::from("figure,group,value\n");
    let rank = |g: &str| -> (u8, String) {
        let r = if g == "all" {
            0
        } else if g.starts_with("age:") {
            1
        } else if g.starts_with("channel:") {
            2
        } else {
            3
        };
        (r, g.to_owned())
    };
    for (figure, _) in stats::FIGURES {
        let mut rows: Vec<(&String, &Value)> = report
            .values
            .iter()
            .filter(|((f, _), _)| f == figure)
            .map(|((_, g), v)| (g, v))
            .collect();
        rows.sort_by_key(|(g, _)| rank(g));
        for (g, v) in rows {
            out.push_str(&format!("{figure},{g},{}\n", v.csv()));
        }
    }
    out
}

/// Today, the library's day.
pub fn today() -> NaiveDate {
    Local::now().date_naive()
}

/// The desk's figures month by month within the period (up to «as of»).
pub fn by_month(store: &Store, period: Period) -> Result<Months> {
    check(&period)?;
    let mut out: Months = BTreeMap::new();
    for (month, figure, group, sum) in store.stat_months(period.from, period.until())? {
        out.entry(month).or_default().insert((figure, group), sum);
    }
    Ok(out)
}

/// What `kafedra stats` and «Выгрузить…» write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Pdf,
}

/// Writes the period's report to `out` (whole or not at all); the notice to show.
pub fn export(
    store: &Store,
    ctx: &super::Context,
    period: Period,
    format: Format,
    out: &std::path::Path,
) -> Result<String> {
    let threshold = super::requests::policy(store)?.wait_threshold_hours;
    let r = report(store, period, threshold)?;
    let months = by_month(store, period)?;
    let bytes = match format {
        Format::Csv => csv(&r).into_bytes(),
        Format::Xlsx => crate::export::stats::xlsx(&r, &months, &ctx.settings.library_name)?,
        Format::Pdf => {
            use chrono::Datelike;
            let until = period.until();
            let years = years(store, until.year() - 3, until)?;
            crate::export::stats::pdf(&r, &months, &years, &ctx.settings.library_name)?
        }
    };
    crate::private::write(out, &bytes)
        .map_err(|e| Error::file(super::FileAction::Write, out, e))?;
    Ok(format!(
        "Отчёт за {}–{} сохранён: {}",
        period.from.format("%d.%m.%Y"),
        period.until().format("%d.%m.%Y"),
        out.display()
    ))
}

/// The article's table: each year from `first` to the year of `as_of`, the
/// last one counted as of `as_of`.
pub fn years(store: &Store, first: i32, as_of: NaiveDate) -> Result<Vec<YearColumn>> {
    use chrono::Datelike;
    if first > as_of.year() || as_of.year() - first > 100 {
        return Err(Error::BadPeriod(format!(
            "Годы с {first} по {}: начальный год должен быть не позже года даты «на».",
            as_of.year()
        )));
    }
    let threshold = super::requests::policy(store)?.wait_threshold_hours;
    let mut out = Vec::new();
    for year in first..=as_of.year() {
        let (Some(from), Some(to)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            continue;
        };
        let period = Period {
            from,
            to,
            as_of: (as_of < to).then_some(as_of),
        };
        let r = report(store, period, threshold)?;
        out.push(YearColumn {
            year,
            until: period.until(),
            visits: r.count("visits", "all"),
            requests: r.count("requests", "all"),
            issues: r.count("issues", "all"),
            active_readers: r.count("active_readers", "all"),
            fund_size: r.count("fund_size", "all"),
        });
    }
    Ok(out)
}

/// A generated history for the benchmark and trials: `per_day` requests a
/// day for `days` days from `first`, from `cards` readers of all ages, most
/// issued (some bought by the library or the reader), some refused with
/// reasons, some cancelled, a few still waiting; and the provider's monthly
/// figures. Stored through the same path as a sync (triggers and all), in
/// batches. Returns how many requests were stored.
pub fn synthetic_history(
    store: &mut Store,
    first: NaiveDate,
    days: u32,
    per_day: u32,
    cards: u32,
    seed: u64,
) -> Result<u64> {
    use crate::domain::ids::RequestId;
    use crate::domain::request::{BookKind, BookRequest, Buyer, RefusalReason, RequestStatus};
    use chrono::{Datelike, TimeZone};
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let reasons = [
        RefusalReason::AgeRating,
        RefusalReason::NoFreeCopy,
        RefusalReason::PriceOverCap,
        RefusalReason::MoneyExhausted,
        RefusalReason::BooksOnHandLimit,
    ];
    let mut batch: Vec<BookRequest> = Vec::with_capacity(50_000);
    let mut stored = 0u64;
    let mut month_visits: BTreeMap<(i32, u32), u32> = BTreeMap::new();
    for d in 0..days {
        let day = first + chrono::Duration::days(i64::from(d));
        let noon = Local
            .from_local_datetime(&day.and_hms_opt(9, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_default();
        for i in 0..per_day {
            let card = rng.random_range(0..cards.max(1));
            let created = noon + chrono::Duration::seconds(i64::from(i) * 30);
            let answered = created + chrono::Duration::minutes(rng.random_range(5..3_000));
            let roll = rng.random_range(0..100);
            let mut r = BookRequest {
                id: RequestId(format!("h{d}-{i}")),
                lib_card: format!("9{card:08}"),
                reader_name: None,
                reader_birth_date: NaiveDate::from_ymd_opt(
                    1940 + (card % 75) as i32,
                    1 + card % 12,
                    1,
                ),
                art: 1_000 + u64::from(rng.random_range(0..20_000u32)),
                title: "Книга".into(),
                authors: "Автор".into(),
                kind: BookKind::Ebook,
                price_kopecks: Some(i64::from(rng.random_range(99..1300u32)) * 100),
                status: RequestStatus::Pending,
                created: Some(created),
                updated: Some(created),
                ..BookRequest::default()
            };
            match roll {
                0..=79 => {
                    r.status = RequestStatus::Issued;
                    r.updated = Some(answered);
                    r.bought_by = match roll % 10 {
                        0 => Some(Buyer::Library),
                        1 => Some(Buyer::Reader),
                        _ => None,
                    };
                }
                80..=91 => {
                    r.status = RequestStatus::Refused;
                    r.updated = Some(answered);
                    r.refusal_reason = Some(reasons[roll as usize % reasons.len()]);
                }
                92..=96 => {
                    r.status = RequestStatus::Cancelled;
                    r.updated = Some(answered);
                }
                _ => {}
            }
            batch.push(r);
            if batch.len() == 50_000 {
                store.store_requests(&batch, None, 0)?;
                stored += batch.len() as u64;
                batch.clear();
            }
        }
        *month_visits.entry((day.year(), day.month())).or_default() += per_day * 3;
    }
    if !batch.is_empty() {
        store.store_requests(&batch, None, 0)?;
        stored += batch.len() as u64;
    }
    for ((y, m), visits) in month_visits {
        if let Some((from, to)) = crate::domain::fund::month_bounds(y, m) {
            let json = serde_json::json!({"visits": visits, "fund_titles": 5_000 + y as u32});
            store.store_stats(from, to, &json.to_string())?;
        }
    }
    Ok(stored)
}

/// One line of the money ledger.
#[derive(Debug, Clone, PartialEq)]
pub enum LedgerEntry {
    /// The balance the period starts from (the provider's last report before it).
    Opening(i64),
    /// A copy bought (by the library it spends money; by the reader it does not).
    Purchase(crate::store::PurchaseRow),
    /// The provider reported the money left; `change` is what it adds to the
    /// ledger's own running balance (a top-up, if positive).
    Reported {
        at: chrono::DateTime<chrono::Utc>,
        money_left: i64,
        change: Option<i64>,
    },
}

/// A ledger line with the running balance after it (when known).
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerLine {
    pub entry: LedgerEntry,
    pub balance: Option<i64>,
}

/// «Куда ушли деньги»: every purchase and every balance the provider
/// reported in the period, in time order, with the running balance.
pub fn ledger(store: &Store, period: Period) -> Result<Vec<LedgerLine>> {
    check(&period)?;
    let (from, to) = (period.from, period.until());
    let (opening, reports) = store.money_reports(from, to)?;
    let purchases = store.purchases(from, to)?;
    let mut lines = Vec::new();
    let mut balance = opening;
    if let Some(o) = opening {
        lines.push(LedgerLine {
            entry: LedgerEntry::Opening(o),
            balance,
        });
    }
    let (mut p, mut r) = (
        purchases.into_iter().peekable(),
        reports.into_iter().peekable(),
    );
    loop {
        let take_purchase = match (p.peek(), r.peek()) {
            (Some(a), Some(b)) => a.at <= b.0,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        if take_purchase {
            let Some(x) = p.next() else { break };
            if x.by == "library" {
                balance = balance.map(|b| b - x.price_kopecks);
            }
            lines.push(LedgerLine {
                entry: LedgerEntry::Purchase(x),
                balance,
            });
        } else {
            let Some((at, money_left)) = r.next() else {
                break;
            };
            let change = balance.map(|b| money_left - b);
            balance = Some(money_left);
            lines.push(LedgerLine {
                entry: LedgerEntry::Reported {
                    at,
                    money_left,
                    change,
                },
                balance,
            });
        }
    }
    Ok(lines)
}

/// The most requested titles, authors and genres of a period (ten each).
pub fn top(store: &Store, period: Period) -> Result<[crate::store::Top; 3]> {
    check(&period)?;
    let (from, to) = (period.from, period.until());
    Ok([
        store.top_requested("title", from, to, 10)?,
        store.top_requested("authors", from, to, 10)?,
        store.top_requested("genre", from, to, 10)?,
    ])
}
