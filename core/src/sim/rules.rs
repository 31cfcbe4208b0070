//! Lending rules the simulated provider enforces, with presets from published library
//! rules (litres-api.md §4).

use crate::provider::api::{LendingRules, Money};

/// A copy leaves the fund at this issue (the next request may buy it again).
pub const ISSUES_PER_COPY: u32 = 24;
/// After a licence ends the title cannot be bought for about this long.
pub const UNAVAILABLE_AFTER_LICENCE_DAYS: i64 = 183;

/// Lending rules. `None` means "no limit".
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub name: String,
    /// Books a reader may have on hand at once.
    pub max_on_hand: Option<u32>,
    /// Loan period in days.
    pub loan_days: u32,
    /// Highest price the library pays for one book.
    pub price_cap: Option<Money>,
    /// Copies of one title the fund may hold.
    pub copies_per_title: Option<u32>,
    /// Purchases made for one reader in one calendar month.
    pub purchases_per_reader_month: Option<u32>,
    /// Money the library has at start.
    pub money: Money,
    /// Check age ratings against the reader's age (436-ФЗ).
    pub age_check: bool,
    /// Licence term of a bought copy, in days.
    pub licence_days: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            name: "default".to_string(),
            max_on_hand: Some(5),
            loan_days: 14,
            price_cap: Some(Money::from_rub(700)),
            copies_per_title: Some(3),
            purchases_per_reader_month: Some(3),
            money: Money::from_rub(100_000),
            age_check: true,
            licence_days: 365,
        }
    }
}

/// Names accepted by [`Rules::preset`].
pub const PRESETS: &[&str] = &["default", "vladivostok", "kemerovo", "tatarstan"];

impl Rules {
    /// A preset by name (see [`PRESETS`]).
    ///
    /// - `vladivostok` (vladlib.ru): 2 on hand, 20 days, ≤ 600 ₽, 3 copies per title.
    /// - `kemerovo` (kemrsl.ru): 14 days, ≤ 700 ₽, ≤ 3 purchases per reader per month.
    /// - `tatarstan` (kitap.tatar.ru): 5 on hand, 14 days.
    pub fn preset(name: &str) -> Option<Rules> {
        let base = Rules::default();
        Some(match name {
            "default" => base,
            "vladivostok" => Rules {
                name: name.to_string(),
                max_on_hand: Some(2),
                loan_days: 20,
                price_cap: Some(Money::from_rub(600)),
                copies_per_title: Some(3),
                purchases_per_reader_month: None,
                ..base
            },
            "kemerovo" => Rules {
                name: name.to_string(),
                max_on_hand: None,
                loan_days: 14,
                price_cap: Some(Money::from_rub(700)),
                copies_per_title: None,
                purchases_per_reader_month: Some(3),
                ..base
            },
            "tatarstan" => Rules {
                name: name.to_string(),
                max_on_hand: Some(5),
                loan_days: 14,
                price_cap: None,
                copies_per_title: None,
                purchases_per_reader_month: None,
                ..base
            },
            _ => return None,
        })
    }

    /// The rules as `r_biblio_library_info` reports them.
    pub fn to_api(&self) -> LendingRules {
        LendingRules {
            max_on_hand: self.max_on_hand.map(u64::from),
            loan_days: Some(u64::from(self.loan_days)),
            price_cap: self.price_cap,
            copies_per_title: self.copies_per_title.map(u64::from),
            purchases_per_reader_month: self.purchases_per_reader_month.map(u64::from),
            age_check: self.age_check,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_match_the_published_rules() {
        for p in PRESETS {
            assert!(Rules::preset(p).is_some(), "{p}");
        }
        let v = Rules::preset("vladivostok").unwrap();
        assert_eq!(
            (v.max_on_hand, v.loan_days, v.price_cap, v.copies_per_title),
            (Some(2), 20, Some(Money(60000)), Some(3))
        );
        let k = Rules::preset("kemerovo").unwrap();
        assert_eq!(
            (k.loan_days, k.price_cap, k.purchases_per_reader_month),
            (14, Some(Money(70000)), Some(3))
        );
        let t = Rules::preset("tatarstan").unwrap();
        assert_eq!((t.max_on_hand, t.loan_days), (Some(5), 14));
        assert!(Rules::preset("nowhere").is_none());
    }
}
