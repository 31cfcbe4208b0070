//! The library's own policy for the requests desk, as data the administrator
//! edits in Settings: the priority criteria (an ordered list with weights), the
//! refusal texts, the lending rules the provider does not state, and how long a
//! request may wait before it is marked.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::request::{BookKind, RefusalReason};
use crate::domain::text::normalize;

/// The placeholder a refusal text puts the book's title in.
pub const BOOK: &str = "{книга}";
/// The placeholder a refusal text puts the reader's name in.
pub const READER: &str = "{читатель}";

/// Bounds of what the administrator may set (each input is bounded).
pub const MAX_CRITERIA: usize = 20;
pub const MAX_WEIGHT: u32 = 1000;
pub const MAX_GENRES: usize = 30;
pub const MAX_REASON_CHARS: usize = 120;
pub const MAX_TEMPLATE_CHARS: usize = 1000;
pub const MAX_WAIT_HOURS: u32 = 24 * 30;

/// The whole policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    /// Priority criteria, in the order the library ranks them.
    pub criteria: Vec<Criterion>,
    /// Refusal texts by reason; `{книга}` and `{читатель}` are filled in.
    pub templates: BTreeMap<RefusalReason, String>,
    /// Lending rules used where the provider does not state them.
    pub rules: DeskRules,
    /// A request waiting at least this long is marked as overdue.
    pub wait_threshold_hours: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            criteria: default_criteria(),
            templates: default_templates(),
            rules: DeskRules::default(),
            wait_threshold_hours: 24,
        }
    }
}

/// One priority criterion: who and what it favours, and how much. Every
/// condition left empty matches everything; a criterion matches when all its
/// conditions do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Criterion {
    /// What the desk shows as the reason («впервые обращается»).
    pub reason: String,
    pub weight: u32,
    pub enabled: bool,
    /// The reader's age on the day of the decision, in full years, inclusive.
    pub age_from: Option<u32>,
    pub age_to: Option<u32>,
    /// How many requests the reader made before this one, inclusive
    /// (`previous_to = 0`: the first request).
    pub previous_from: Option<u32>,
    pub previous_to: Option<u32>,
    /// The reader has been the library's reader for at least this many years.
    pub years_from: Option<u32>,
    /// The book's genre contains one of these (case and ё/е ignored).
    pub genres: Vec<String>,
    /// E-book, audiobook; empty: any.
    pub kinds: Vec<BookKind>,
}

impl Default for Criterion {
    fn default() -> Self {
        Criterion {
            reason: String::new(),
            weight: 10,
            enabled: true,
            age_from: None,
            age_to: None,
            previous_from: None,
            previous_to: None,
            years_from: None,
            genres: Vec::new(),
            kinds: Vec::new(),
        }
    }
}

/// Lending rules set at the desk, used where the provider's library info does
/// not state them (`None`: no limit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeskRules {
    pub max_on_hand: Option<u32>,
    pub price_cap_kopecks: Option<i64>,
    pub copies_per_title: Option<u32>,
    pub purchases_per_reader_month: Option<u32>,
    /// Check the book's age rating against the reader's age (436-ФЗ).
    pub age_check: bool,
}

impl Default for DeskRules {
    fn default() -> Self {
        DeskRules {
            max_on_hand: Some(5),
            price_cap_kopecks: Some(70_000),
            copies_per_title: Some(3),
            purchases_per_reader_month: Some(3),
            age_check: true,
        }
    }
}

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The source article's priorities: first-time readers; young readers asking
/// for children's, teen and youth books (partly study books); parents asking
/// for books on childcare and upbringing; readers of serious non-fiction and
/// fiction since their first year. Then the oldest request first.
pub fn default_criteria() -> Vec<Criterion> {
    vec![
        Criterion {
            reason: "впервые обращается".into(),
            weight: 100,
            previous_to: Some(0),
            ..Criterion::default()
        },
        Criterion {
            reason: "юный читатель, детская литература".into(),
            weight: 80,
            age_to: Some(21),
            genres: words(&["детск", "подростк", "юношеск", "сказк", "учебн"]),
            ..Criterion::default()
        },
        Criterion {
            reason: "родитель, книга о воспитании".into(),
            weight: 60,
            age_from: Some(18),
            genres: words(&["воспитан", "родител", "беременн", "детская психология"]),
            ..Criterion::default()
        },
        Criterion {
            reason: "постоянный читатель серьёзной литературы с первого года".into(),
            weight: 40,
            previous_from: Some(1),
            years_from: Some(1),
            genres: words(&[
                "научн",
                "истори",
                "философ",
                "классик",
                "современная проза",
                "биограф",
                "психолог",
            ]),
            ..Criterion::default()
        },
    ]
}

/// Refusal texts the administrator starts from.
pub fn default_templates() -> BTreeMap<RefusalReason, String> {
    use RefusalReason::*;
    [
        (
            AgeRating,
            "{читатель}, книга «{книга}» предназначена для читателей старшего возраста, \
             поэтому библиотека не может её выдать (436-ФЗ «О защите детей от информации»).",
        ),
        (
            NoFreeCopy,
            "{читатель}, все экземпляры книги «{книга}» сейчас у других читателей. \
             Повторите запрос позже: экземпляр вернётся в фонд по окончании срока выдачи.",
        ),
        (
            PriceOverCap,
            "{читатель}, цена книги «{книга}» выше той, что библиотека может заплатить \
             за одну книгу. Выберите, пожалуйста, другое издание.",
        ),
        (
            MoneyExhausted,
            "{читатель}, средства библиотеки на покупку книг в этом месяце израсходованы. \
             Повторите запрос книги «{книга}» в следующем месяце.",
        ),
        (
            MonthlyPurchaseLimit,
            "{читатель}, в этом месяце для вас уже куплено столько книг, сколько позволяют \
             правила библиотеки. Запрос книги «{книга}» можно повторить в следующем месяце.",
        ),
        (
            BooksOnHandLimit,
            "{читатель}, у вас на руках столько книг, сколько позволяют правила библиотеки. \
             Запросите «{книга}» снова, когда срок одной из них закончится.",
        ),
        (
            CopiesPerTitleLimit,
            "{читатель}, в фонде уже столько экземпляров книги «{книга}», сколько разрешено. \
             Дождитесь, пожалуйста, свободного экземпляра.",
        ),
        (
            NotEligible,
            "{читатель}, эта услуга доступна записанным читателям библиотеки. Обратитесь, \
             пожалуйста, в библиотеку, чтобы мы могли выдать вам книгу «{книга}».",
        ),
        (
            Duplicate,
            "{читатель}, вы уже запрашивали книгу «{книга}»: этот запрос повторяет прежний.",
        ),
        (
            Other,
            "{читатель}, библиотека не может выдать книгу «{книга}», потому что ",
        ),
    ]
    .into_iter()
    .map(|(r, t)| (r, t.split_whitespace().collect::<Vec<_>>().join(" ")))
    .collect()
}

impl Policy {
    /// The refusal text of `reason` (the default when the administrator has
    /// none), filled in with the book and the reader.
    pub fn refusal_text(&self, reason: RefusalReason, book: &str, reader: &str) -> String {
        let template = self
            .templates
            .get(&reason)
            .cloned()
            .or_else(|| default_templates().remove(&reason))
            .unwrap_or_default();
        fill(&template, book, reader)
    }

    /// Everything wrong with the policy, each in one Russian sentence that
    /// says what to fix; empty when it can be saved.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.criteria.len() > MAX_CRITERIA {
            out.push(format!(
                "Критериев очерёдности не может быть больше {MAX_CRITERIA}."
            ));
        }
        for (i, c) in self.criteria.iter().enumerate() {
            let n = i + 1;
            let name = if c.reason.trim().is_empty() {
                format!("Критерий №{n}")
            } else {
                format!("Критерий №{n} («{}»)", c.reason.trim())
            };
            if c.reason.trim().is_empty() {
                out.push(format!(
                    "{name}: напишите, как показывать причину (например, «впервые обращается»)."
                ));
            }
            if c.reason.chars().count() > MAX_REASON_CHARS {
                out.push(format!(
                    "{name}: причина длиннее {MAX_REASON_CHARS} знаков — сократите её."
                ));
            }
            if c.weight > MAX_WEIGHT {
                out.push(format!("{name}: вес должен быть от 0 до {MAX_WEIGHT}."));
            }
            if let (Some(a), Some(b)) = (c.age_from, c.age_to)
                && a > b
            {
                out.push(format!(
                    "{name}: возраст «от» ({a}) больше возраста «до» ({b})."
                ));
            }
            if c.age_from.is_some_and(|a| a > 150) || c.age_to.is_some_and(|a| a > 150) {
                out.push(format!("{name}: возраст должен быть от 0 до 150 лет."));
            }
            if let (Some(a), Some(b)) = (c.previous_from, c.previous_to)
                && a > b
            {
                out.push(format!(
                    "{name}: число прежних запросов «от» ({a}) больше, чем «до» ({b})."
                ));
            }
            if c.years_from.is_some_and(|y| y > 100) {
                out.push(format!("{name}: стаж читателя — не больше 100 лет."));
            }
            if c.genres.len() > MAX_GENRES {
                out.push(format!("{name}: жанров не может быть больше {MAX_GENRES}."));
            }
            if c.genres.iter().any(|g| normalize(g).is_empty()) {
                out.push(format!("{name}: уберите пустой жанр из списка."));
            }
        }
        for reason in RefusalReason::ALL {
            let Some(t) = self.templates.get(&reason) else {
                continue;
            };
            let label = reason.label_ru();
            if t.trim().is_empty() {
                out.push(format!(
                    "Текст отказа «{label}» пуст: его получит читатель — напишите его."
                ));
            }
            if t.chars().count() > MAX_TEMPLATE_CHARS {
                out.push(format!(
                    "Текст отказа «{label}» длиннее {MAX_TEMPLATE_CHARS} знаков — сократите его."
                ));
            }
            if let Some(bad) = unknown_placeholder(t) {
                out.push(format!(
                    "Текст отказа «{label}»: подстановки {bad} нет — можно только {BOOK} и {READER}."
                ));
            }
        }
        if !(1..=MAX_WAIT_HOURS).contains(&self.wait_threshold_hours) {
            out.push(format!(
                "Срок ожидания запроса — от 1 до {MAX_WAIT_HOURS} часов."
            ));
        }
        let r = &self.rules;
        if r.price_cap_kopecks.is_some_and(|p| p < 0) {
            out.push("Предел цены книги не может быть отрицательным.".to_string());
        }
        if r.max_on_hand == Some(0) {
            out.push(
                "Книг на руках должно допускаться хотя бы 1 (или не ограничивайте).".to_string(),
            );
        }
        out
    }

    /// What changed between `self` and `new`, in words for the journal.
    pub fn changes(&self, new: &Policy) -> Vec<String> {
        let mut out = Vec::new();
        if self.criteria != new.criteria {
            let list: Vec<String> = new
                .criteria
                .iter()
                .filter(|c| c.enabled)
                .map(|c| format!("{} ({})", c.reason, c.weight))
                .collect();
            out.push(format!("очерёдность: {}", list.join("; ")));
        }
        for reason in RefusalReason::ALL {
            if self.templates.get(&reason) != new.templates.get(&reason) {
                out.push(format!("текст отказа «{}»", reason.label_ru()));
            }
        }
        if self.rules != new.rules {
            out.push("правила выдачи".to_string());
        }
        if self.wait_threshold_hours != new.wait_threshold_hours {
            out.push(format!("срок ожидания: {} ч", new.wait_threshold_hours));
        }
        out
    }
}

/// Fills `{книга}` and `{читатель}` in.
pub fn fill(template: &str, book: &str, reader: &str) -> String {
    template.replace(BOOK, book).replace(READER, reader)
}

/// The first `{…}` in `t` that is not a known placeholder.
fn unknown_placeholder(t: &str) -> Option<String> {
    let mut rest = t;
    while let Some(start) = rest.find('{') {
        let tail = &rest[start..];
        let end = tail.find('}').map_or(tail.len(), |e| e + 1);
        let token = &tail[..end];
        if token != BOOK && token != READER {
            return Some(token.chars().take(40).collect());
        }
        rest = &tail[end..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_is_valid_and_follows_the_article() {
        let p = Policy::default();
        assert!(p.problems().is_empty(), "{:?}", p.problems());
        let reasons: Vec<&str> = p.criteria.iter().map(|c| c.reason.as_str()).collect();
        assert_eq!(reasons[0], "впервые обращается");
        assert!(reasons[1].contains("детская литература"));
        assert!(reasons[2].contains("воспитании"));
        assert!(reasons[3].contains("с первого года"));
        assert_eq!(p.wait_threshold_hours, 24);
        for r in RefusalReason::ALL {
            assert!(p.templates.contains_key(&r), "{r:?} has a default text");
        }
    }

    #[test]
    fn a_refusal_text_names_the_book_and_the_reader() {
        let p = Policy::default();
        let t = p.refusal_text(RefusalReason::PriceOverCap, "Тихий дом", "Мария Петровна");
        assert!(
            t.starts_with("Мария Петровна, цена книги «Тихий дом»"),
            "{t}"
        );
        assert!(!t.contains('{'));
    }

    #[test]
    fn bad_policies_are_explained() {
        let mut p = Policy::default();
        p.criteria[1].age_from = Some(30);
        p.criteria[1].age_to = Some(21);
        p.criteria[0].reason = " ".into();
        p.criteria[2].weight = 5000;
        p.templates
            .insert(RefusalReason::Other, "{читатель}, {книгa} нет".into());
        p.templates.insert(RefusalReason::Duplicate, "  ".into());
        p.wait_threshold_hours = 0;
        let all = p.problems().join("\n");
        assert!(
            all.contains("возраст «от» (30) больше возраста «до» (21)"),
            "{all}"
        );
        assert!(all.contains("Критерий №1: напишите"), "{all}");
        assert!(all.contains("вес должен быть от 0 до 1000"), "{all}");
        // A Latin «a» in the placeholder: named so the admin sees it.
        assert!(all.contains("подстановки {книгa} нет"), "{all}");
        assert!(all.contains("«Повторный запрос» пуст"), "{all}");
        assert!(all.contains("Срок ожидания запроса"), "{all}");
    }

    #[test]
    fn changes_are_named_for_the_journal() {
        let old = Policy::default();
        let mut new = old.clone();
        new.criteria.swap(0, 1);
        new.wait_threshold_hours = 48;
        let c = new.changes(&new);
        assert!(c.is_empty());
        let c = old.changes(&new);
        assert!(c[0].starts_with("очерёдность: юный читатель"), "{c:?}");
        assert!(c.iter().any(|x| x == "срок ожидания: 48 ч"));
    }

    #[test]
    fn the_policy_round_trips_through_json_and_keeps_unknown_parts_default() {
        let p = Policy::default();
        let json = serde_json::to_string(&p).unwrap();
        let back: Policy = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
        let partial: Policy = serde_json::from_str(r#"{"wait_threshold_hours": 6}"#).unwrap();
        assert_eq!(partial.wait_threshold_hours, 6);
        assert_eq!(partial.criteria, default_criteria());
    }
}
