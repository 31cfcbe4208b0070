//! The library's lending rules, checked at the desk before a decision: pure
//! functions over plain data. Each rule gives a verdict and one Russian
//! sentence («На руках 5 книг из 5 допустимых»); a decision that breaks a rule
//! needs a confirmation that names it.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::domain::reader::age_on;
use crate::domain::request::{DecisionKind, RefusalReason};
use crate::domain::text::{Count, Rub, plural};

/// A copy leaves the fund at its 24th issue (the next request may buy it again).
pub const ISSUES_PER_COPY: u32 = 24;

/// The limits in force: the provider's where it states them, the desk's
/// where it does not. `None`: no limit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Limits {
    pub max_on_hand: Option<u32>,
    pub price_cap: Option<i64>,
    pub copies_per_title: Option<u32>,
    pub purchases_per_reader_month: Option<u32>,
    pub age_check: bool,
    /// The library's money left, in kopecks; `None`: not known yet.
    pub money_left: Option<i64>,
}

/// What the desk knows of the reader at the time of the decision.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReaderFacts {
    pub birth_date: Option<NaiveDate>,
    /// Books on loan now.
    pub on_hand: u32,
    /// Books the library bought for this reader this calendar month.
    pub purchases_this_month: u32,
    /// The reader's own allowance, when the library set one.
    pub allowance: Option<Allowance>,
}

/// A reader's own allowance: books up to a price the reader may take without
/// waiting for the library, so many a month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowance {
    pub price_cap: Option<i64>,
    pub count: Option<u32>,
    /// Books taken under it this month.
    pub used_this_month: u32,
}

/// The requested book.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookFacts {
    /// Kopecks; `None`: the provider did not say.
    pub price: Option<i64>,
    pub age_rating: Option<u8>,
    /// «Черновик»: unfinished.
    pub draft: bool,
    /// Free to read at the provider.
    pub free: bool,
}

/// What the fund holds of the title.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FundFacts {
    pub copies: u32,
    pub on_loan: u32,
    /// Issues so far of the free copy that would be issued next (the one with
    /// the most issues left); `None` when no copy is free.
    pub next_copy_issues: Option<u32>,
}

/// The rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    OnHand,
    Age,
    FreeCopy,
    CopyIssues,
    PriceCap,
    TitleCopies,
    MonthlyPurchases,
    Money,
    ReaderAllowance,
    Draft,
    FreeTitle,
}

impl Rule {
    pub const ALL: [Rule; 11] = [
        Rule::OnHand,
        Rule::Age,
        Rule::FreeCopy,
        Rule::CopyIssues,
        Rule::PriceCap,
        Rule::TitleCopies,
        Rule::MonthlyPurchases,
        Rule::Money,
        Rule::ReaderAllowance,
        Rule::Draft,
        Rule::FreeTitle,
    ];

    /// The stable code (`kafedra requests --json`, the journal).
    pub fn code(self) -> &'static str {
        match self {
            Rule::OnHand => "on_hand",
            Rule::Age => "age",
            Rule::FreeCopy => "free_copy",
            Rule::CopyIssues => "copy_issues",
            Rule::PriceCap => "price_cap",
            Rule::TitleCopies => "title_copies",
            Rule::MonthlyPurchases => "monthly_purchases",
            Rule::Money => "money",
            Rule::ReaderAllowance => "reader_allowance",
            Rule::Draft => "draft",
            Rule::FreeTitle => "free_title",
        }
    }

    /// Short name for a list.
    pub fn label(self) -> &'static str {
        match self {
            Rule::OnHand => "книг на руках",
            Rule::Age => "возраст",
            Rule::FreeCopy => "свободный экземпляр",
            Rule::CopyIssues => "выдачи экземпляра",
            Rule::PriceCap => "предел цены",
            Rule::TitleCopies => "экземпляров названия",
            Rule::MonthlyPurchases => "покупок в месяц",
            Rule::Money => "средства библиотеки",
            Rule::ReaderAllowance => "личный лимит читателя",
            Rule::Draft => "черновик",
            Rule::FreeTitle => "бесплатная книга",
        }
    }

    /// The decisions the rule stands in the way of when it fails.
    pub fn applies_to(self, kind: DecisionKind) -> bool {
        use DecisionKind::*;
        match self {
            Rule::OnHand | Rule::Age => matches!(kind, Issue | Buy),
            Rule::FreeCopy | Rule::CopyIssues => kind == Issue,
            Rule::PriceCap
            | Rule::TitleCopies
            | Rule::MonthlyPurchases
            | Rule::Money
            | Rule::ReaderAllowance
            | Rule::Draft => kind == Buy,
            Rule::FreeTitle => matches!(kind, Buy | Refuse),
        }
    }

    /// The refusal reason a broken rule suggests.
    pub fn refusal(self) -> Option<RefusalReason> {
        Some(match self {
            Rule::OnHand => RefusalReason::BooksOnHandLimit,
            Rule::Age => RefusalReason::AgeRating,
            Rule::FreeCopy => RefusalReason::NoFreeCopy,
            Rule::PriceCap => RefusalReason::PriceOverCap,
            Rule::TitleCopies => RefusalReason::CopiesPerTitleLimit,
            Rule::MonthlyPurchases | Rule::ReaderAllowance => RefusalReason::MonthlyPurchaseLimit,
            Rule::Money => RefusalReason::MoneyExhausted,
            Rule::CopyIssues | Rule::Draft | Rule::FreeTitle => return None,
        })
    }
}

/// One rule's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub rule: Rule,
    pub passed: bool,
    pub message: String,
}

impl Verdict {
    fn new(rule: Rule, passed: bool, message: String) -> Verdict {
        Verdict {
            rule,
            passed,
            message,
        }
    }
}

fn books(n: u32) -> Count {
    Count(n, "книга", "книги", "книг")
}

fn books_acc(n: u32) -> Count {
    Count(n, "книгу", "книги", "книг")
}

fn copies(n: u32) -> Count {
    Count(n, "экземпляр", "экземпляра", "экземпляров")
}

fn years(n: u32) -> Count {
    Count(n, "год", "года", "лет")
}

/// «из 5 допустимых», «из 1 допустимой».
struct OfAllowed(u32);

impl std::fmt::Display for OfAllowed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0;
        write!(
            f,
            "из {n} {}",
            plural(n.into(), "допустимой", "допустимых", "допустимых")
        )
    }
}

fn of_allowed(n: u32) -> OfAllowed {
    OfAllowed(n)
}

/// Every rule's verdict on giving this book to this reader on `today` (the
/// day of the decision, in the library's time zone).
pub fn check(
    limits: &Limits,
    reader: &ReaderFacts,
    book: &BookFacts,
    fund: &FundFacts,
    today: NaiveDate,
) -> Vec<Verdict> {
    let mut out = Vec::with_capacity(10);
    out.push(on_hand(limits, reader));
    out.push(age(limits, reader, book, today));
    if book.free {
        out.push(Verdict::new(
            Rule::FreeTitle,
            false,
            "Книга бесплатна в ЭБС: покупать её не нужно — выдайте её читателю".to_string(),
        ));
        out.push(Verdict::new(
            Rule::FreeCopy,
            true,
            "Бесплатная книга: экземпляр в фонде не нужен".to_string(),
        ));
        return out;
    }
    out.push(free_copy(fund));
    if let Some(v) = copy_issues(fund) {
        out.push(v);
    }
    out.push(price_cap(limits, book));
    out.push(title_copies(limits, fund));
    out.push(monthly_purchases(limits, reader));
    out.push(money_left(limits, book));
    if let Some(v) = allowance(reader, book) {
        out.push(v);
    }
    if book.draft {
        out.push(Verdict::new(
            Rule::Draft,
            false,
            "«Черновик»: книга ещё не дописана — её продолжение может не выйти".to_string(),
        ));
    }
    out
}

/// The verdicts that stand in the way of `kind`: the confirmation names them.
pub fn broken_for(verdicts: &[Verdict], kind: DecisionKind) -> Vec<&Verdict> {
    verdicts
        .iter()
        .filter(|v| !v.passed && v.rule.applies_to(kind))
        .collect()
}

fn on_hand(limits: &Limits, reader: &ReaderFacts) -> Verdict {
    let n = reader.on_hand;
    match limits.max_on_hand {
        None => Verdict::new(
            Rule::OnHand,
            true,
            format!("На руках {}; предела нет", books(n)),
        ),
        Some(max) if n < max => Verdict::new(
            Rule::OnHand,
            true,
            format!("На руках {} {}", books(n), of_allowed(max)),
        ),
        Some(max) => Verdict::new(
            Rule::OnHand,
            false,
            format!("На руках {} {}", books(n), of_allowed(max)),
        ),
    }
}

fn age(limits: &Limits, reader: &ReaderFacts, book: &BookFacts, today: NaiveDate) -> Verdict {
    let rating = book.age_rating.unwrap_or(0);
    if !limits.age_check {
        return Verdict::new(Rule::Age, true, "Возраст не проверяется".to_string());
    }
    if rating == 0 {
        return Verdict::new(
            Rule::Age,
            true,
            "У книги нет возрастного ограничения".to_string(),
        );
    }
    let Some(birth) = reader.birth_date else {
        return Verdict::new(
            Rule::Age,
            false,
            format!("Книга {rating}+, а дата рождения читателя неизвестна"),
        );
    };
    let age = age_on(birth, today);
    let birthday = birth.month() == today.month() && birth.day() == today.day();
    if age >= u32::from(rating) {
        let message = if birthday && age == u32::from(rating) {
            format!(
                "Читателю сегодня исполнилось {} — книга {rating}+ доступна",
                years(age)
            )
        } else {
            format!("Читателю {}, книга {rating}+", years(age))
        };
        Verdict::new(Rule::Age, true, message)
    } else {
        Verdict::new(
            Rule::Age,
            false,
            format!("Читателю {}, а книга {rating}+ (436-ФЗ)", years(age)),
        )
    }
}

fn free_copy(fund: &FundFacts) -> Verdict {
    let free = fund.copies.saturating_sub(fund.on_loan);
    if fund.copies == 0 {
        Verdict::new(
            Rule::FreeCopy,
            false,
            "В фонде нет экземпляров — книгу можно только купить".to_string(),
        )
    } else if free > 0 {
        Verdict::new(
            Rule::FreeCopy,
            true,
            format!("Свободно {} из {}", copies(free), fund.copies),
        )
    } else {
        let all = if fund.copies == 1 {
            "Единственный экземпляр у другого читателя".to_string()
        } else {
            format!("Все {} у других читателей", copies(fund.copies))
        };
        Verdict::new(Rule::FreeCopy, false, all)
    }
}

fn copy_issues(fund: &FundFacts) -> Option<Verdict> {
    let done = fund.next_copy_issues?;
    let left = ISSUES_PER_COPY.saturating_sub(done);
    Some(if left <= 1 {
        Verdict::new(
            Rule::CopyIssues,
            true,
            format!(
                "Это {ISSUES_PER_COPY}-я, последняя выдача экземпляра: после неё он уйдёт из фонда"
            ),
        )
    } else {
        Verdict::new(
            Rule::CopyIssues,
            true,
            format!(
                "У экземпляра {} {left} {} до {ISSUES_PER_COPY}-й",
                plural(left.into(), "осталась", "осталось", "осталось"),
                plural(left.into(), "выдача", "выдачи", "выдач")
            ),
        )
    })
}

fn price_cap(limits: &Limits, book: &BookFacts) -> Verdict {
    let Some(price) = book.price else {
        return Verdict::new(
            Rule::PriceCap,
            false,
            "Цена книги неизвестна — проверьте её в ЭБС".to_string(),
        );
    };
    match limits.price_cap {
        None => Verdict::new(
            Rule::PriceCap,
            true,
            format!("Цена {}; предела нет", Rub(price)),
        ),
        Some(cap) if price <= cap => Verdict::new(
            Rule::PriceCap,
            true,
            format!("Цена {} — не выше предела {}", Rub(price), Rub(cap)),
        ),
        Some(cap) => Verdict::new(
            Rule::PriceCap,
            false,
            format!("Цена {} выше предела {}", Rub(price), Rub(cap)),
        ),
    }
}

fn title_copies(limits: &Limits, fund: &FundFacts) -> Verdict {
    let n = fund.copies;
    match limits.copies_per_title {
        None => Verdict::new(
            Rule::TitleCopies,
            true,
            format!("В фонде {}; предела нет", copies(n)),
        ),
        Some(max) => Verdict::new(
            Rule::TitleCopies,
            n < max,
            format!("В фонде {} {}", copies(n), of_allowed(max)),
        ),
    }
}

fn monthly_purchases(limits: &Limits, reader: &ReaderFacts) -> Verdict {
    let n = reader.purchases_this_month;
    match limits.purchases_per_reader_month {
        None => Verdict::new(
            Rule::MonthlyPurchases,
            true,
            format!(
                "Для читателя в этом месяце куплено {}; предела нет",
                books_acc(n)
            ),
        ),
        Some(max) => Verdict::new(
            Rule::MonthlyPurchases,
            n < max,
            format!(
                "Для читателя в этом месяце куплено {} {}",
                books_acc(n),
                of_allowed(max)
            ),
        ),
    }
}

fn money_left(limits: &Limits, book: &BookFacts) -> Verdict {
    let (Some(left), Some(price)) = (limits.money_left, book.price) else {
        return Verdict::new(
            Rule::Money,
            true,
            "Остаток средств библиотеки ещё не получен из ЭБС".to_string(),
        );
    };
    if price == left {
        Verdict::new(
            Rule::Money,
            true,
            format!("Осталось {} — хватает ровно на эту книгу", Rub(left)),
        )
    } else if price < left {
        Verdict::new(
            Rule::Money,
            true,
            format!("Осталось {}, книга стоит {}", Rub(left), Rub(price)),
        )
    } else {
        Verdict::new(
            Rule::Money,
            false,
            format!("Осталось {}, а книга стоит {}", Rub(left), Rub(price)),
        )
    }
}

fn allowance(reader: &ReaderFacts, book: &BookFacts) -> Option<Verdict> {
    let a = reader.allowance.as_ref()?;
    if let (Some(cap), Some(price)) = (a.price_cap, book.price)
        && price > cap
    {
        return Some(Verdict::new(
            Rule::ReaderAllowance,
            false,
            format!(
                "Цена {} выше личного предела читателя {}",
                Rub(price),
                Rub(cap)
            ),
        ));
    }
    if let Some(count) = a.count
        && a.used_this_month >= count
    {
        return Some(Verdict::new(
            Rule::ReaderAllowance,
            false,
            format!(
                "По личному лимиту читателю в этом месяце уже куплено {} из {count}",
                books_acc(a.used_this_month)
            ),
        ));
    }
    let cap = a.price_cap.map_or_else(
        || "без предела цены".to_string(),
        |c| format!("до {}", Rub(c)),
    );
    let count = a.count.map_or_else(String::new, |c| {
        format!(", использовано {} из {c}", a.used_this_month)
    });
    Some(Verdict::new(
        Rule::ReaderAllowance,
        true,
        format!("В пределах личного лимита читателя: {cap}{count}"),
    ))
}

/// The first day of `today`'s month (purchases «this month» count from it).
pub fn month_start(today: NaiveDate) -> NaiveDate {
    today.with_day(1).unwrap_or(today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn limits() -> Limits {
        Limits {
            max_on_hand: Some(5),
            price_cap: Some(70_000),
            copies_per_title: Some(3),
            purchases_per_reader_month: Some(3),
            age_check: true,
            money_left: Some(100_000),
        }
    }

    fn verdict(vs: &[Verdict], rule: Rule) -> &Verdict {
        vs.iter()
            .find(|v| v.rule == rule)
            .unwrap_or_else(|| panic!("{rule:?} in {vs:?}"))
    }

    fn run(reader: &ReaderFacts, book: &BookFacts, fund: &FundFacts) -> Vec<Verdict> {
        check(&limits(), reader, book, fund, day(2026, 12, 3))
    }

    fn book(price: i64, rating: u8) -> BookFacts {
        BookFacts {
            price: Some(price),
            age_rating: Some(rating),
            ..BookFacts::default()
        }
    }

    fn fund(copies: u32, on_loan: u32) -> FundFacts {
        FundFacts {
            copies,
            on_loan,
            next_copy_issues: (copies > on_loan).then_some(3),
        }
    }

    #[test]
    fn books_on_hand_pass_below_the_limit_and_fail_at_it() {
        let below = ReaderFacts {
            on_hand: 4,
            ..ReaderFacts::default()
        };
        let v = run(&below, &book(100, 0), &fund(1, 0));
        let v = verdict(&v, Rule::OnHand);
        assert!(v.passed);
        assert_eq!(v.message, "На руках 4 книги из 5 допустимых");

        let at = ReaderFacts {
            on_hand: 5,
            ..ReaderFacts::default()
        };
        let vs = run(&at, &book(100, 0), &fund(1, 0));
        let v = verdict(&vs, Rule::OnHand);
        assert!(!v.passed);
        assert_eq!(v.message, "На руках 5 книг из 5 допустимых");
        assert_eq!(broken_for(&vs, DecisionKind::Issue).len(), 1);
        assert!(broken_for(&vs, DecisionKind::Refuse).is_empty());

        let one = check(
            &Limits {
                max_on_hand: Some(1),
                ..limits()
            },
            &ReaderFacts {
                on_hand: 1,
                ..ReaderFacts::default()
            },
            &book(100, 0),
            &fund(1, 0),
            day(2026, 12, 3),
        );
        assert_eq!(
            verdict(&one, Rule::OnHand).message,
            "На руках 1 книга из 1 допустимой"
        );
    }

    #[test]
    fn a_reader_who_turns_18_today_may_take_an_18_plus_book() {
        let today = day(2026, 12, 3);
        let turns_today = ReaderFacts {
            birth_date: Some(day(2008, 12, 3)),
            ..ReaderFacts::default()
        };
        let vs = check(&limits(), &turns_today, &book(100, 18), &fund(1, 0), today);
        let v = verdict(&vs, Rule::Age);
        assert!(v.passed, "{v:?}");
        assert_eq!(
            v.message,
            "Читателю сегодня исполнилось 18 лет — книга 18+ доступна"
        );

        let tomorrow = ReaderFacts {
            birth_date: Some(day(2008, 12, 4)),
            ..ReaderFacts::default()
        };
        let vs = check(&limits(), &tomorrow, &book(100, 18), &fund(1, 0), today);
        let v = verdict(&vs, Rule::Age);
        assert!(!v.passed);
        assert_eq!(v.message, "Читателю 17 лет, а книга 18+ (436-ФЗ)");
        assert_eq!(v.rule.refusal(), Some(RefusalReason::AgeRating));

        // Born on 29 February: in a common year the birthday is 1 March.
        let leap = ReaderFacts {
            birth_date: Some(day(2008, 2, 29)),
            ..ReaderFacts::default()
        };
        let feb28 = check(
            &limits(),
            &leap,
            &book(1, 18),
            &fund(1, 0),
            day(2026, 2, 28),
        );
        assert!(!verdict(&feb28, Rule::Age).passed);
        let mar1 = check(&limits(), &leap, &book(1, 18), &fund(1, 0), day(2026, 3, 1));
        assert!(verdict(&mar1, Rule::Age).passed);

        let unknown = run(&ReaderFacts::default(), &book(100, 16), &fund(1, 0));
        assert!(!verdict(&unknown, Rule::Age).passed);
        let unrated = run(&ReaderFacts::default(), &book(100, 0), &fund(1, 0));
        assert!(verdict(&unrated, Rule::Age).passed);
        let off = check(
            &Limits {
                age_check: false,
                ..limits()
            },
            &tomorrow,
            &book(100, 18),
            &fund(1, 0),
            today,
        );
        assert!(verdict(&off, Rule::Age).passed);
    }

    #[test]
    fn the_24th_issue_is_the_copys_last() {
        let r = ReaderFacts::default();
        let f = |issues| FundFacts {
            copies: 1,
            on_loan: 0,
            next_copy_issues: Some(issues),
        };
        let v23 = run(&r, &book(100, 0), &f(23));
        let v = verdict(&v23, Rule::CopyIssues);
        assert!(v.passed);
        assert_eq!(
            v.message,
            "Это 24-я, последняя выдача экземпляра: после неё он уйдёт из фонда"
        );
        let v22 = run(&r, &book(100, 0), &f(22));
        assert_eq!(
            verdict(&v22, Rule::CopyIssues).message,
            "У экземпляра осталось 2 выдачи до 24-й"
        );
        let v0 = run(&r, &book(100, 0), &f(0));
        assert_eq!(
            verdict(&v0, Rule::CopyIssues).message,
            "У экземпляра осталось 24 выдачи до 24-й"
        );
        let v3 = run(&r, &book(100, 0), &f(3));
        assert_eq!(
            verdict(&v3, Rule::CopyIssues).message,
            "У экземпляра осталась 21 выдача до 24-й"
        );
    }

    #[test]
    fn money_equal_to_the_price_is_enough_one_kopeck_less_is_not() {
        let r = ReaderFacts::default();
        let with = |left| Limits {
            money_left: Some(left),
            ..limits()
        };
        let eq = check(
            &with(34_950),
            &r,
            &book(34_950, 0),
            &fund(0, 0),
            day(2026, 12, 3),
        );
        let v = verdict(&eq, Rule::Money);
        assert!(v.passed);
        assert_eq!(
            v.message,
            "Осталось 349,50\u{a0}₽ — хватает ровно на эту книгу"
        );
        let short = check(
            &with(34_949),
            &r,
            &book(34_950, 0),
            &fund(0, 0),
            day(2026, 12, 3),
        );
        let v = verdict(&short, Rule::Money);
        assert!(!v.passed);
        assert_eq!(
            v.message,
            "Осталось 349,49\u{a0}₽, а книга стоит 349,50\u{a0}₽"
        );
        assert!(v.rule.applies_to(DecisionKind::Buy));
        assert!(!v.rule.applies_to(DecisionKind::Issue));
    }

    #[test]
    fn a_price_with_kopecks_is_compared_to_the_cap_exactly() {
        let r = ReaderFacts::default();
        let at = run(&r, &book(70_000, 0), &fund(0, 0));
        let v = verdict(&at, Rule::PriceCap);
        assert!(v.passed);
        assert_eq!(v.message, "Цена 700\u{a0}₽ — не выше предела 700\u{a0}₽");
        let over = run(&r, &book(70_001, 0), &fund(0, 0));
        let v = verdict(&over, Rule::PriceCap);
        assert!(!v.passed);
        assert_eq!(v.message, "Цена 700,01\u{a0}₽ выше предела 700\u{a0}₽");
        let unknown = run(
            &r,
            &BookFacts {
                price: None,
                ..BookFacts::default()
            },
            &fund(0, 0),
        );
        assert!(!verdict(&unknown, Rule::PriceCap).passed);
    }

    #[test]
    fn copies_of_the_title_and_free_copies() {
        let r = ReaderFacts::default();
        let full = run(&r, &book(100, 0), &fund(3, 3));
        let v = verdict(&full, Rule::TitleCopies);
        assert!(!v.passed);
        assert_eq!(v.message, "В фонде 3 экземпляра из 3 допустимых");
        let v = verdict(&full, Rule::FreeCopy);
        assert!(!v.passed);
        assert_eq!(v.message, "Все 3 экземпляра у других читателей");
        assert!(full.iter().all(|v| v.rule != Rule::CopyIssues));

        let two = run(&r, &book(100, 0), &fund(2, 1));
        assert!(verdict(&two, Rule::TitleCopies).passed);
        assert_eq!(
            verdict(&two, Rule::FreeCopy).message,
            "Свободно 1 экземпляр из 2"
        );
        let none = run(&r, &book(100, 0), &fund(0, 0));
        assert!(!verdict(&none, Rule::FreeCopy).passed);
        assert!(verdict(&none, Rule::TitleCopies).passed);
        let single = run(&r, &book(100, 0), &fund(1, 1));
        assert_eq!(
            verdict(&single, Rule::FreeCopy).message,
            "Единственный экземпляр у другого читателя"
        );
    }

    #[test]
    fn monthly_purchases_pass_below_and_fail_at_the_limit() {
        let r = |n| ReaderFacts {
            purchases_this_month: n,
            ..ReaderFacts::default()
        };
        let two = run(&r(2), &book(100, 0), &fund(0, 0));
        let v = verdict(&two, Rule::MonthlyPurchases);
        assert!(v.passed);
        assert_eq!(
            v.message,
            "Для читателя в этом месяце куплено 2 книги из 3 допустимых"
        );
        let three = run(&r(3), &book(100, 0), &fund(0, 0));
        assert!(!verdict(&three, Rule::MonthlyPurchases).passed);
        let one = run(&r(1), &book(100, 0), &fund(0, 0));
        assert_eq!(
            verdict(&one, Rule::MonthlyPurchases).message,
            "Для читателя в этом месяце куплено 1 книгу из 3 допустимых"
        );
        assert_eq!(month_start(day(2026, 12, 31)), day(2026, 12, 1));
    }

    #[test]
    fn the_readers_own_allowance() {
        let with = |cap, count, used| ReaderFacts {
            allowance: Some(Allowance {
                price_cap: cap,
                count,
                used_this_month: used,
            }),
            ..ReaderFacts::default()
        };
        let ok = run(
            &with(Some(30_000), Some(2), 1),
            &book(30_000, 0),
            &fund(0, 0),
        );
        let v = verdict(&ok, Rule::ReaderAllowance);
        assert!(v.passed);
        assert_eq!(
            v.message,
            "В пределах личного лимита читателя: до 300\u{a0}₽, использовано 1 из 2"
        );
        let over = run(
            &with(Some(30_000), Some(2), 0),
            &book(30_001, 0),
            &fund(0, 0),
        );
        assert!(!verdict(&over, Rule::ReaderAllowance).passed);
        let used = run(&with(None, Some(2), 2), &book(100, 0), &fund(0, 0));
        let v = verdict(&used, Rule::ReaderAllowance);
        assert!(!v.passed);
        assert_eq!(
            v.message,
            "По личному лимиту читателю в этом месяце уже куплено 2 книги из 2"
        );
        let none = run(&ReaderFacts::default(), &book(100, 0), &fund(0, 0));
        assert!(none.iter().all(|v| v.rule != Rule::ReaderAllowance));
    }

    #[test]
    fn a_draft_warns_before_buying_and_a_free_title_is_offered_instead() {
        let draft = BookFacts {
            draft: true,
            ..book(100, 0)
        };
        let vs = run(&ReaderFacts::default(), &draft, &fund(0, 0));
        let broken: Vec<Rule> = broken_for(&vs, DecisionKind::Buy)
            .iter()
            .map(|v| v.rule)
            .collect();
        assert_eq!(broken, vec![Rule::Draft]);
        assert!(verdict(&vs, Rule::Draft).message.starts_with("«Черновик»"));

        let free = BookFacts {
            free: true,
            price: Some(0),
            ..BookFacts::default()
        };
        let vs = run(&ReaderFacts::default(), &free, &fund(0, 0));
        assert!(broken_for(&vs, DecisionKind::Issue).is_empty());
        assert_eq!(broken_for(&vs, DecisionKind::Buy)[0].rule, Rule::FreeTitle);
        assert_eq!(
            broken_for(&vs, DecisionKind::Refuse)[0].rule,
            Rule::FreeTitle
        );
    }

    #[test]
    fn unlimited_rules_pass_and_say_so() {
        let none = Limits {
            age_check: true,
            ..Limits::default()
        };
        let vs = check(
            &none,
            &ReaderFacts {
                on_hand: 21,
                ..ReaderFacts::default()
            },
            &book(1_000_000, 0),
            &fund(7, 0),
            day(2026, 12, 3),
        );
        assert!(vs.iter().all(|v| v.passed), "{vs:?}");
        assert_eq!(
            verdict(&vs, Rule::OnHand).message,
            "На руках 21 книга; предела нет"
        );
        assert_eq!(
            verdict(&vs, Rule::Money).message,
            "Остаток средств библиотеки ещё не получен из ЭБС"
        );
    }
}
