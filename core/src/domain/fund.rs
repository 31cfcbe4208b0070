//! The library's e-fund: titles bought from the provider, their copies, the
//! 24th issue that retires a copy, licences that end, and collections.
//!
//! Pure data and rules; the store keeps the rows, the services compute the lists.

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::request::BookKind;

/// A copy leaves the fund at its 24th issue; the 25th request may buy the title again.
pub const RETIRE_AT: u32 = 24;

/// Days a licence-ended title stays out of the fund before the provider renews it.
pub const LICENCE_GAP_DAYS: i64 = 183;

/// How far ahead «лицензия заканчивается» looks.
pub const LICENCE_AHEAD_DAYS: i64 = 30;

/// How far back «вернулись после продления» looks.
pub const RETURNED_DAYS: i64 = 30;

/// Where a title stands in the fund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Licence {
    /// In the fund, no end known.
    Open,
    /// In the fund until this day (inclusive).
    Until(NaiveDate),
    /// The licence ended on this day: the title is out of the fund for a while.
    Ended(NaiveDate),
}

impl Licence {
    pub fn of(end: Option<NaiveDate>, today: NaiveDate) -> Licence {
        match end {
            None => Licence::Open,
            Some(e) if e >= today => Licence::Until(e),
            Some(e) => Licence::Ended(e),
        }
    }

    pub fn label(self) -> String {
        match self {
            Licence::Open => "бессрочно".into(),
            Licence::Until(d) => format!("до {}", d.format("%d.%m.%Y")),
            Licence::Ended(d) => format!("закончилась {}", d.format("%d.%m.%Y")),
        }
    }
}

/// Licence status filter of the fund search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenceFilter {
    #[default]
    Any,
    /// The licence holds today.
    Active,
    /// Ends within [`LICENCE_AHEAD_DAYS`].
    EndingSoon,
    /// Ended: out of the fund.
    Ended,
}

/// «на руках» / «свободно» filter of the fund search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoanFilter {
    #[default]
    Any,
    /// At least one copy is out.
    OnLoan,
    /// At least one copy is free.
    Free,
}

/// Why a title (or a copy) left the fund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeftBecause {
    /// A copy reached its 24th issue.
    Issues,
    /// The provider's licence ended.
    Licence,
}

impl LeftBecause {
    pub fn code(self) -> &'static str {
        match self {
            LeftBecause::Issues => "issues",
            LeftBecause::Licence => "licence",
        }
    }

    pub fn from_code(s: &str) -> Option<LeftBecause> {
        match s {
            "issues" => Some(LeftBecause::Issues),
            "licence" => Some(LeftBecause::Licence),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LeftBecause::Issues => "24-я выдача",
            LeftBecause::Licence => "закончилась лицензия",
        }
    }
}

/// A title of the fund as the desk shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundTitle {
    /// The provider's id of the book.
    pub art: u64,
    pub title: String,
    pub authors: String,
    pub genre: Option<String>,
    pub kind: BookKind,
    pub price_kopecks: Option<i64>,
    pub age_rating: Option<u8>,
    /// Copies in the fund now (on loan or not).
    pub copies: u32,
    pub on_loan: u32,
    /// Issues of the title so far, retired copies included.
    pub issues: u32,
    /// Issues so far of each copy in the fund.
    pub copy_issues: Vec<u32>,
    pub licence_end: Option<NaiveDate>,
    /// The day the title came into the fund (bought, or first seen).
    pub added: Option<NaiveDate>,
    /// The provider's annotation, where it gives one.
    pub annotation: Option<String>,
}

impl FundTitle {
    /// Issues left before the copy closest to retirement leaves; `None` without copies.
    pub fn issues_left(&self) -> Option<u32> {
        self.copy_issues
            .iter()
            .map(|&n| RETIRE_AT.saturating_sub(n))
            .min()
    }

    /// Copies whose issues reached `threshold` but not yet the 24th.
    pub fn copies_near_retirement(&self, threshold: u32) -> u32 {
        self.copy_issues
            .iter()
            .filter(|&&n| n >= threshold && n < RETIRE_AT)
            .count() as u32
    }

    pub fn licence(&self, today: NaiveDate) -> Licence {
        Licence::of(self.licence_end, today)
    }

    /// In the fund today: a copy held under a licence that holds.
    pub fn in_fund(&self, today: NaiveDate) -> bool {
        self.copies > 0 && !matches!(self.licence(today), Licence::Ended(_))
    }

    /// The licence ends within `days` from today (today included).
    pub fn licence_ends_within(&self, today: NaiveDate, days: i64) -> bool {
        self.copies > 0
            && self
                .licence_end
                .is_some_and(|e| e >= today && e <= today + Duration::days(days))
    }

    /// The book's page at the provider, for readers.
    pub fn page_url(&self, site: &str, partner: Option<&str>) -> String {
        book_url(site, self.art, partner)
    }
}

/// The reader-facing page of a book at the provider:
/// `https://biblio.litres.ru/pages/biblio_book/?art=123&lfrom=456`.
pub fn book_url(site: &str, art: u64, partner: Option<&str>) -> String {
    let site = site.trim_end_matches('/');
    match partner.filter(|p| !p.is_empty()) {
        Some(p) => format!("{site}/pages/biblio_book/?art={art}&lfrom={p}"),
        None => format!("{site}/pages/biblio_book/?art={art}"),
    }
}

/// The provider's reader site when the settings do not name another.
pub const DEFAULT_SITE: &str = "https://biblio.litres.ru";

/// The first and the last day of a month `YYYY-MM`.
pub fn month_bounds(year: i32, month: u32) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    Some((first, next - Duration::days(1)))
}

/// `2026-11` → (2026, 11); anything else → `None`.
pub fn parse_month(s: &str) -> Option<(i32, u32)> {
    let (y, m) = s.trim().split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let y: i32 = y.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    month_bounds(y, m).map(|_| (y, m))
}

/// The first day of `day`'s month.
pub fn month_start(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// Who a collection is for.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "group")]
pub enum Audience {
    #[default]
    All,
    Children,
    Teens,
    /// A named group of readers (a class, a club).
    Group(String),
}

impl Audience {
    pub fn label(&self) -> String {
        match self {
            Audience::All => "для всех".into(),
            Audience::Children => "для детей".into(),
            Audience::Teens => "для подростков".into(),
            Audience::Group(g) => format!("для группы «{g}»"),
        }
    }
}

/// A themed collection («подборка») of fund titles, in the librarian's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Collection {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub audience: Audience,
    pub items: Vec<FundTitle>,
}

/// Limits of what a librarian may type into a collection.
pub const COLLECTION_NAME_MAX: usize = 200;
pub const COLLECTION_DESCRIPTION_MAX: usize = 4000;
pub const COLLECTION_ITEMS_MAX: usize = 500;

/// Checks a collection's name and description; the problems in Russian.
pub fn check_collection(name: &str, description: &str, audience: &Audience) -> Vec<String> {
    let mut out = Vec::new();
    let name = name.trim();
    if name.is_empty() {
        out.push("Впишите название подборки.".to_owned());
    } else if name.chars().count() > COLLECTION_NAME_MAX {
        out.push(format!(
            "Название подборки длиннее {COLLECTION_NAME_MAX} знаков: сократите его."
        ));
    }
    if description.chars().count() > COLLECTION_DESCRIPTION_MAX {
        out.push(format!(
            "Описание длиннее {COLLECTION_DESCRIPTION_MAX} знаков: сократите его."
        ));
    }
    if let Audience::Group(g) = audience
        && g.trim().is_empty()
    {
        out.push("Впишите, для какой группы читателей эта подборка.".to_owned());
    }
    if name.chars().chain(description.chars()).any(|c| {
        c.is_control() && c != '\n' && c != '\t'
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    }) {
        out.push("В тексте есть непечатаемые знаки: перепишите его без них.".to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn title(copy_issues: Vec<u32>, licence_end: Option<NaiveDate>) -> FundTitle {
        FundTitle {
            art: 1,
            title: "Т".into(),
            authors: "А".into(),
            genre: None,
            kind: BookKind::Ebook,
            price_kopecks: None,
            age_rating: None,
            copies: copy_issues.len() as u32,
            on_loan: 0,
            issues: copy_issues.iter().sum(),
            copy_issues,
            licence_end,
            added: None,
            annotation: None,
        }
    }

    #[test]
    fn issues_left_and_the_near_list_at_the_edges() {
        let t = title(vec![23, 20, 19, 3], None);
        assert_eq!(t.issues_left(), Some(1));
        // 20 is exactly the threshold: in; 19 is not; 23 is one before the 24th: in.
        assert_eq!(t.copies_near_retirement(20), 2);
        assert_eq!(t.copies_near_retirement(24), 0);
        assert_eq!(title(vec![], None).issues_left(), None);
    }

    #[test]
    fn a_licence_ending_today_is_still_in_the_fund_and_ending_soon() {
        let today = d(2026, 12, 4);
        let t = title(vec![1], Some(today));
        assert!(t.in_fund(today));
        assert!(t.licence_ends_within(today, LICENCE_AHEAD_DAYS));
        assert_eq!(t.licence(today), Licence::Until(today));
        let t = title(vec![1], Some(today - Duration::days(1)));
        assert!(!t.in_fund(today));
        assert!(!t.licence_ends_within(today, LICENCE_AHEAD_DAYS));
        let t = title(vec![1], Some(today + Duration::days(30)));
        assert!(t.licence_ends_within(today, 30));
        let t = title(vec![1], Some(today + Duration::days(31)));
        assert!(!t.licence_ends_within(today, 30));
    }

    #[test]
    fn months_and_urls() {
        assert_eq!(parse_month("2026-02"), Some((2026, 2)));
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(parse_month("26-02"), None);
        assert_eq!(month_bounds(2028, 2), Some((d(2028, 2, 1), d(2028, 2, 29))));
        assert_eq!(
            month_bounds(2026, 12),
            Some((d(2026, 12, 1), d(2026, 12, 31)))
        );
        assert_eq!(
            book_url("https://biblio.litres.ru/", 42, Some("7")),
            "https://biblio.litres.ru/pages/biblio_book/?art=42&lfrom=7"
        );
    }

    #[test]
    fn a_collection_needs_a_name_and_plain_text() {
        assert!(check_collection("Лето", "", &Audience::All).is_empty());
        assert_eq!(check_collection(" ", "", &Audience::All).len(), 1);
        assert_eq!(
            check_collection("Лето", "", &Audience::Group(" ".into())).len(),
            1
        );
        assert_eq!(
            check_collection("Ле\u{202E}то", "", &Audience::All).len(),
            1
        );
    }
}
