//! Text normalisation shared by search, duplicate checks and storage.

/// Folds a name or query for matching: lowercase (full Unicode, not ASCII only),
/// `ё` → `е`, runs of whitespace collapsed to one space, trimmed.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for ch in s.chars() {
        if ch.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        for lower in ch.to_lowercase() {
            out.push(match lower {
                'ё' => 'е',
                other => other,
            });
        }
    }
    out
}

/// Trims and collapses inner whitespace, keeping case.
pub fn tidy(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Capitalises a name typed all in lower or all in upper case ("иванов" →
/// "Иванов", "ПЕТРОВА-ВОДКИНА" → "Петрова-Водкина"); mixed case is kept as typed
/// ("де Голль", "McDonald").
pub fn capitalize_name(s: &str) -> String {
    let s = tidy(s);
    let has_lower = s.chars().any(char::is_lowercase);
    let has_upper = s.chars().any(char::is_uppercase);
    if has_lower && has_upper {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for ch in s.chars() {
        if start {
            out.extend(ch.to_uppercase());
        } else {
            out.extend(ch.to_lowercase());
        }
        start = matches!(ch, ' ' | '-' | '\'');
    }
    out
}

/// Russian plural form: `plural(5, "логин", "логина", "логинов")`.
pub fn plural<'a>(n: u64, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    let (n10, n100) = (n % 10, n % 100);
    if n10 == 1 && n100 != 11 {
        one
    } else if (2..=4).contains(&n10) && !(12..=14).contains(&n100) {
        few
    } else {
        many
    }
}

/// Digits-and-letters form of a card number or login for lookup: normalised,
/// with spaces and dashes removed, so "2026-000 123" finds "2026000123".
pub fn compact_code(s: &str) -> String {
    normalize(s)
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '/' | '.'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_cyrillic_case_and_yo() {
        assert_eq!(normalize("  ЁЛКИН  Пётр "), "елкин петр");
        assert_eq!(normalize("Smith\tJOHN"), "smith john");
        assert_eq!(normalize(""), "");
    }

    #[test]
    fn capitalize_only_single_case_names() {
        assert_eq!(capitalize_name("иванов"), "Иванов");
        assert_eq!(capitalize_name("ПЕТРОВА-ВОДКИНА"), "Петрова-Водкина");
        assert_eq!(capitalize_name("де Голль"), "де Голль");
        assert_eq!(capitalize_name(" анна   мария "), "Анна Мария");
    }

    #[test]
    fn russian_plurals() {
        assert_eq!(plural(1, "логин", "логина", "логинов"), "логин");
        assert_eq!(plural(3, "логин", "логина", "логинов"), "логина");
        assert_eq!(plural(11, "логин", "логина", "логинов"), "логинов");
        assert_eq!(plural(22, "логин", "логина", "логинов"), "логина");
        assert_eq!(plural(25, "логин", "логина", "логинов"), "логинов");
        assert_eq!(plural(101, "логин", "логина", "логинов"), "логин");
    }

    #[test]
    fn compact_code_strips_separators() {
        assert_eq!(compact_code("2026-000 123"), "2026000123");
        assert_eq!(compact_code("LR_00A"), "lr00a");
    }
}
