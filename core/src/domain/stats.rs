//! What the library's statistics count, written down.
//!
//! - **visit** — the provider's figure: every action of a signed-in reader at
//!   the provider (opening a book, making or cancelling a request). The desk
//!   cannot see visits; they come from the provider's monthly statistics.
//! - **request** — a reader asks the library for a book at the provider (a
//!   direct issue from the fund is not a request). Counted on the day it was made.
//! - **issue** — a request answered with a copy (from the fund, or bought and
//!   issued), counted on the day of the answer.
//! - **refusal** — a request answered with a refusal, by its reason; counted on
//!   the day of the answer.
//! - **cancellation** — a request withdrawn before an answer.
//! - **purchase** — a copy bought into the fund: by the library (it spends the
//!   library's money) or by the reader within the reader's own allowance.
//! - **active reader** — a reader (a provider card) who made a request in the
//!   period (desk side); the provider counts any action.
//! - **reader registered**, **login bound**, **login blocked** — the desk's own
//!   journal: a registration, a pool login (or a provider card) given to a
//!   reader, by the reader's channel (desk, e-mail, web form, QR), a login taken back.
//!
//! The **age group** is the reader's on the day of the event (до 14 / 15–30 /
//! 31 и старше, as form 6-НК asks), so a reader who turns 15 inside a period is
//! counted in both groups, each event in its own. Erased readers' events stay
//! counted: the buckets keep no names.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

/// The figures, in the order they are shown and exported.
pub const FIGURES: [(&str, &str); 16] = [
    ("visits", "Посещения (действия читателей в ЭБС)"),
    ("requests", "Запросы"),
    ("issues", "Выдачи"),
    ("refusals", "Отказы"),
    ("cancellations", "Отмены"),
    ("active_readers", "Активные читатели"),
    ("readers_registered", "Зарегистрировано читателей"),
    ("logins_bound", "Выдано логинов"),
    ("logins_blocked", "Заблокировано логинов"),
    ("fund_size", "Фонд, названий"),
    ("purchases_library", "Куплено библиотекой"),
    ("purchases_reader", "Куплено читателями"),
    ("money_spent", "Потрачено, ₽"),
    ("money_left", "Осталось на счёте, ₽"),
    ("decision_hours_median", "Время до решения, медиана, ч"),
    ("decision_hours_p90", "Время до решения, 90-й процентиль, ч"),
];

/// The Russian name of a figure key.
pub fn figure_label(key: &str) -> &str {
    FIGURES
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(key, |(_, l)| l)
}

/// The age groups of form 6-НК, as group keys.
pub const AGE_GROUPS: [(&str, &str); 3] = [
    ("age:0-14", "до 14"),
    ("age:15-30", "15–30"),
    ("age:31+", "31 и старше"),
];

/// The group key of a reader born on `birth`, on `day`.
pub fn age_group(birth: NaiveDate, day: NaiveDate) -> &'static str {
    let mut years = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    match years {
        ..=14 => "age:0-14",
        15..=30 => "age:15-30",
        _ => "age:31+",
    }
}

/// The Russian label of a group key.
pub fn group_label(key: &str) -> String {
    if key == "all" {
        return "всего".into();
    }
    if let Some((_, l)) = AGE_GROUPS.iter().find(|(k, _)| *k == key) {
        return format!("возраст {l}");
    }
    if let Some(c) = key.strip_prefix("channel:") {
        return match c {
            "desk" => "на кафедре".into(),
            "email" => "по e-mail".into(),
            "web" => "через сайт".into(),
            "qr" => "по QR-коду".into(),
            other => other.into(),
        };
    }
    if let Some(r) = key.strip_prefix("reason:") {
        return format!(
            "причина: {}",
            crate::domain::request::RefusalReason::from_code(r).label_ru()
        );
    }
    key.into()
}

/// The value at the `p`-th percentile (0–100) of sorted values, nearest rank.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The median of sorted values (the mean of the middle two for an even count).
pub fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// What was asked: `from`..=`to`, counted as of `as_of` (the figures stop there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub as_of: Option<NaiveDate>,
}

impl Period {
    /// The last day counted.
    pub fn until(&self) -> NaiveDate {
        match self.as_of {
            Some(a) if a < self.to => a,
            _ => self.to,
        }
    }
}

/// A figure's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Count(i64),
    /// Kopecks.
    Money(i64),
    Hours(f64),
}

impl Value {
    /// As the CSV writes it: a count, rubles with kopecks, hours with one decimal.
    pub fn csv(self) -> String {
        match self {
            Value::Count(n) => n.to_string(),
            Value::Money(k) => format!("{}.{:02}", k / 100, (k % 100).abs()),
            Value::Hours(h) => format!("{h:.1}"),
        }
    }
}

/// The two sides of a figure both the desk and the provider count, when they differ.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    pub figure: &'static str,
    pub desk: i64,
    pub provider: i64,
}

/// A period's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub period: Period,
    /// `(figure, group)` → value; groups as in the CSV.
    pub values: BTreeMap<(String, String), Value>,
    /// Requests still waiting that were made in the period.
    pub waiting: i64,
    /// Of the answered requests, how many waited longer than the threshold.
    pub over_threshold: i64,
    pub threshold_hours: u32,
    pub mismatches: Vec<Mismatch>,
}

impl Report {
    pub fn get(&self, figure: &str, group: &str) -> Option<Value> {
        self.values
            .get(&(figure.to_owned(), group.to_owned()))
            .copied()
    }

    pub fn count(&self, figure: &str, group: &str) -> i64 {
        match self.get(figure, group) {
            Some(Value::Count(n)) | Some(Value::Money(n)) => n,
            _ => 0,
        }
    }
}

/// One column of the year-over-year table.
#[derive(Debug, Clone, PartialEq)]
pub struct YearColumn {
    pub year: i32,
    /// The last day counted: 31 December, or the «as of» date of the current year.
    pub until: NaiveDate,
    pub visits: i64,
    pub requests: i64,
    pub issues: i64,
    pub active_readers: i64,
    pub fund_size: i64,
}

impl YearColumn {
    /// «2019 г. на 15.06» for a year counted as of a day inside it.
    pub fn heading(&self) -> String {
        if self.until == NaiveDate::from_ymd_opt(self.year, 12, 31).unwrap_or(self.until) {
            format!("{} г.", self.year)
        } else {
            format!("{} г. на {}", self.year, self.until.format("%d.%m"))
        }
    }
}

/// The desk's figures month by month: `YYYY-MM` → `(figure, group)` → value.
pub type Months = BTreeMap<String, BTreeMap<(String, String), i64>>;

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_age_group_is_the_one_on_the_day() {
        let born = d(2011, 6, 10);
        assert_eq!(age_group(born, d(2026, 6, 9)), "age:0-14");
        assert_eq!(
            age_group(born, d(2026, 6, 10)),
            "age:15-30",
            "turns 15 today"
        );
        assert_eq!(age_group(d(1995, 1, 1), d(2026, 12, 31)), "age:31+");
        assert_eq!(age_group(d(1995, 12, 31), d(2026, 12, 30)), "age:15-30");
    }

    #[test]
    fn median_and_percentile_at_the_edges() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[1.0, 2.0, 3.0, 10.0]), Some(2.5));
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&v, 90.0), Some(9.0));
        assert_eq!(percentile(&v, 100.0), Some(10.0));
        assert_eq!(percentile(&[5.0], 90.0), Some(5.0));
    }

    #[test]
    fn groups_are_said_in_russian() {
        assert_eq!(group_label("age:0-14"), "возраст до 14");
        assert_eq!(group_label("channel:qr"), "по QR-коду");
        assert!(group_label("reason:age_rating").starts_with("причина: "));
    }
}
