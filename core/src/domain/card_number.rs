//! Card numbers generated from the pattern set in Settings.
//!
//! Pattern syntax: literal text plus the placeholders `{YYYY}`, `{YY}`, `{MM}`
//! and `{N}` / `{N:6}` (a sequence number, zero-padded to the given width).
//! Example: `{YYYY}{N:6}` → `2026000042`. Digits-only patterns suit barcode
//! scanners best.

use chrono::{Datelike, NaiveDate};

pub const DEFAULT_PATTERN: &str = "{YYYY}{N:6}";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Year4,
    Year2,
    Month,
    Seq(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardPattern {
    parts: Vec<Part>,
}

impl CardPattern {
    /// Parses a pattern; the error is a Russian message for the Settings screen.
    pub fn parse(pattern: &str) -> Result<CardPattern, String> {
        let mut parts = Vec::new();
        let mut rest = pattern;
        let mut seq = 0;
        while !rest.is_empty() {
            if let Some(start) = rest.find('{') {
                if start > 0 {
                    parts.push(Part::Text(rest[..start].to_string()));
                }
                let Some(end) = rest[start..].find('}') else {
                    return Err(format!(
                        "В шаблоне номера билета «{pattern}» не закрыта фигурная скобка."
                    ));
                };
                let token = &rest[start + 1..start + end];
                parts.push(match token {
                    "YYYY" => Part::Year4,
                    "YY" => Part::Year2,
                    "MM" => Part::Month,
                    "N" => {
                        seq += 1;
                        Part::Seq(1)
                    }
                    t if t.starts_with("N:") => {
                        seq += 1;
                        match t[2..].parse::<usize>() {
                            Ok(w) if (1..=12).contains(&w) => Part::Seq(w),
                            _ => {
                                return Err(format!(
                                    "В шаблоне «{pattern}» ширина номера {{{t}}} должна быть числом от 1 до 12."
                                ));
                            }
                        }
                    }
                    other => {
                        return Err(format!(
                            "В шаблоне «{pattern}» неизвестная вставка {{{other}}}: допустимы {{YYYY}}, {{YY}}, {{MM}}, {{N}} и {{N:6}}."
                        ));
                    }
                });
                rest = &rest[start + end + 1..];
            } else {
                parts.push(Part::Text(rest.to_string()));
                rest = "";
            }
        }
        if seq != 1 {
            return Err(format!(
                "В шаблоне номера билета «{pattern}» должна быть ровно одна вставка {{N}} или {{N:6}} — порядковый номер."
            ));
        }
        let pattern = CardPattern { parts };
        let probe = pattern.format(NaiveDate::MIN, 1);
        if let Some(problem) = super::reader::card_problem(&probe) {
            return Err(format!(
                "Шаблон даёт неподходящий номер «{probe}»: {problem}"
            ));
        }
        Ok(pattern)
    }

    /// The card number for sequence number `seq` issued on `today`.
    pub fn format(&self, today: NaiveDate, seq: u64) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Year4 => out.push_str(&format!("{:04}", today.year().max(0))),
                Part::Year2 => out.push_str(&format!("{:02}", today.year().rem_euclid(100))),
                Part::Month => out.push_str(&format!("{:02}", today.month())),
                Part::Seq(w) => out.push_str(&format!("{seq:0w$}", w = *w)),
            }
        }
        out
    }

    /// The sequence counter key: numbers restart when the year/month part
    /// changes (a pattern with `{YYYY}` starts from 1 every January).
    pub fn counter_key(&self, today: NaiveDate) -> String {
        format!("card_seq:{}", self.format(today, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 7).unwrap()
    }

    #[test]
    fn formats_default_pattern() {
        let p = CardPattern::parse(DEFAULT_PATTERN).unwrap();
        assert_eq!(p.format(day(), 42), "2026000042");
        let p = CardPattern::parse("ЦБ-{YY}{MM}-{N:4}").unwrap();
        assert_eq!(p.format(day(), 7), "ЦБ-2603-0007");
        assert_ne!(
            p.counter_key(day()),
            p.counter_key(NaiveDate::from_ymd_opt(2026, 4, 1).unwrap())
        );
    }

    #[test]
    fn bad_patterns_are_explained() {
        assert!(
            CardPattern::parse("{YYYY}")
                .unwrap_err()
                .contains("ровно одна")
        );
        assert!(
            CardPattern::parse("{N}{N}")
                .unwrap_err()
                .contains("ровно одна")
        );
        assert!(
            CardPattern::parse("{Q}{N}")
                .unwrap_err()
                .contains("неизвестная вставка")
        );
        assert!(
            CardPattern::parse("{N:0}")
                .unwrap_err()
                .contains("от 1 до 12")
        );
        assert!(CardPattern::parse("{N").unwrap_err().contains("не закрыта"));
        assert!(
            CardPattern::parse("A B{N}")
                .unwrap_err()
                .contains("неподходящий")
        );
    }
}
