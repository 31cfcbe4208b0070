//! Text normalisation shared by search, duplicate checks and storage.

use std::fmt::Write as _;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

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

/// Russian plural form: `plural(5, "логин", "логина", "логинов")`. The one
/// plural rule of the program: every count in a message goes through it.
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

/// A count with its noun: `counted(4321, "строка", "строки", "строк")` is
/// «4 321 строка» (digits grouped by thousands with no-break spaces).
pub fn counted(n: u64, one: &str, few: &str, many: &str) -> String {
    format!("{} {}", group_digits(n), plural(n, one, few, many))
}

/// Digits grouped by thousands with a no-break space, as Russian text writes
/// them: 4321 → «4 321», 1000000 → «1 000 000».
pub fn group_digits(n: u64) -> String {
    Grouped(n).to_string()
}

/// Roubles as Russian text writes them: `70000` → «700 ₽», `34950` → «349,50 ₽»,
/// `123456789` → «1 234 567,89 ₽» (thousands with no-break spaces).
pub fn money(kopecks: i64) -> String {
    Rub(kopecks).to_string()
}

/// [`group_digits`] written straight into a message (no string of its own).
#[derive(Debug, Clone, Copy)]
pub struct Grouped(pub u64);

impl std::fmt::Display for Grouped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut digits = [0u8; 20];
        let mut n = self.0;
        let mut len = 0;
        loop {
            digits[len] = b'0' + (n % 10) as u8;
            len += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        for i in (0..len).rev() {
            if i + 1 < len && (i + 1) % 3 == 0 {
                f.write_str("\u{A0}")?;
            }
            f.write_char(char::from(digits[i]))?;
        }
        Ok(())
    }
}

/// [`money`] written straight into a message.
#[derive(Debug, Clone, Copy)]
pub struct Rub(pub i64);

impl std::fmt::Display for Rub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let k = self.0.unsigned_abs();
        match k % 100 {
            0 => write!(f, "{sign}{}\u{A0}₽", Grouped(k / 100)),
            c => write!(f, "{sign}{},{c:02}\u{A0}₽", Grouped(k / 100)),
        }
    }
}

/// A count with its noun in the right form, written straight into a
/// message: `Count(5, "книга", "книги", "книг")` is «5 книг».
#[derive(Debug, Clone, Copy)]
pub struct Count(
    pub u32,
    pub &'static str,
    pub &'static str,
    pub &'static str,
);

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Count(n, one, few, many) = *self;
        write!(f, "{n} {}", plural(n.into(), one, few, many))
    }
}

/// Characters that take no visible space of their own: zero-width spaces and
/// joiners, the byte-order mark, bidirectional controls (the RTL override),
/// soft hyphens, variation selectors, tags and the other format characters.
/// A login with one of them looks like a login without it.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{AD}'
            | '\u{34F}'
            | '\u{61C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// The characters a login or password may hold so that the access slip shows
/// it unambiguously and a reader can type it: the printable characters of a
/// Latin keyboard (ASCII without the space) and Cyrillic letters (U+0400–U+045F).
/// All of them are in the slip's monospaced face; anything else (spaces,
/// control and invisible characters, accented or full-width letters,
/// ligatures, symbols) is refused when the pool is loaded, not when a slip is
/// printed.
pub fn is_credential_char(c: char) -> bool {
    c.is_ascii_graphic() || ('\u{400}'..='\u{45F}').contains(&c)
}

/// The first character of a login or password that [`is_credential_char`]
/// refuses.
pub fn unprintable_char(value: &str) -> Option<char> {
    value.chars().find(|&c| !is_credential_char(c))
}

/// A login or password as typed in a file, tidied: NFKC (full-width letters,
/// ligatures and decomposed letters become the ordinary ones), then spaces and
/// invisible characters cut off both ends. Inner ones stay, for the checks to
/// refuse.
pub fn clean_credential(s: &str) -> String {
    let edge = |c: char| c.is_whitespace() || is_invisible(c);
    if s.is_ascii() || is_nfkc_quick(s.chars()) == IsNormalized::Yes {
        s.trim_matches(edge).to_owned()
    } else {
        let normal: String = s.nfkc().collect();
        normal.trim_matches(edge).to_owned()
    }
}

/// The identity of a login for duplicate checks: two logins with one key are
/// one login to a reader reading a slip. NFKC, invisible characters dropped,
/// trimmed, lowercase, and Cyrillic letters that look like Latin ones in
/// either case (а/a, В/B, Н/H, р/p, с/c, у/y, х/x…) replaced by those Latin
/// letters. «Lib0001», «lib0001», «lib\u{200B}0001» and «lіb0001» (Ukrainian і)
/// share the key «lib0001».
pub fn login_key(s: &str) -> String {
    // Plain ASCII (almost every login) is already NFKC, has no invisible
    // characters and no Cyrillic: lowercase it and be done (import speed).
    if s.is_ascii() {
        return s.trim().to_ascii_lowercase();
    }
    let normal: String = s.nfkc().filter(|&c| !is_invisible(c)).collect();
    normal
        .trim()
        .chars()
        .flat_map(char::to_lowercase)
        .map(latin_look_alike)
        .collect()
}

/// The stored lookup form of a login (`accounts.login_norm`): its
/// [`login_key`] without separators, as [`compact_code`] writes card numbers,
/// so that search by a typed login (which compacts the query) still finds it.
/// Several logins may share it («ab-1», «ab1»); the key tells them apart.
pub fn login_norm(s: &str) -> String {
    compact_code(&login_key(s))
}

/// The Latin letter a lowercase Cyrillic letter is mistaken for, if any; a
/// letter whose capital looks Latin counts too (в for В/B, н for Н/H).
fn latin_look_alike(c: char) -> char {
    match c {
        'а' => 'a',
        'в' => 'b',
        'е' => 'e',
        'к' => 'k',
        'м' => 'm',
        'н' | 'һ' => 'h',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'т' => 't',
        'у' | 'ү' => 'y',
        'х' => 'x',
        'і' => 'i',
        'ј' => 'j',
        'ѕ' => 's',
        'ԁ' => 'd',
        'ӏ' => 'l',
        'ԛ' => 'q',
        'ԝ' => 'w',
        'ѵ' => 'v',
        other => other,
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
        let forms = |n| plural(n, "логин", "логина", "логинов");
        for (n, form) in [
            (0, "логинов"),
            (1, "логин"),
            (2, "логина"),
            (3, "логина"),
            (4, "логина"),
            (5, "логинов"),
            (11, "логинов"),
            (12, "логинов"),
            (14, "логинов"),
            (21, "логин"),
            (22, "логина"),
            (25, "логинов"),
            (101, "логин"),
            (111, "логинов"),
            (112, "логинов"),
            (121, "логин"),
            (1_000_001, "логин"),
        ] {
            assert_eq!(forms(n), form, "{n}");
        }
    }

    #[test]
    fn counts_with_grouped_digits() {
        assert_eq!(counted(1, "строка", "строки", "строк"), "1 строка");
        assert_eq!(
            counted(4321, "строка", "строки", "строк"),
            "4\u{A0}321 строка"
        );
        assert_eq!(counted(111, "строка", "строки", "строк"), "111 строк");
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1_000_000), "1\u{A0}000\u{A0}000");
    }

    #[test]
    fn login_key_folds_case_look_alikes_and_invisible_characters() {
        let key = login_key("lib0001");
        for same in [
            "LIB0001",
            "Lib0001",
            " lib0001\u{200B}",
            "lib\u{200B}0001",
            "\u{FEFF}lib0001",
            "lib\u{202E}0001",
            "lіb0001",        // Ukrainian і
            "ｌｉｂ０００１", // full-width
        ] {
            assert_eq!(login_key(same), key, "{same:?}");
        }
        // Cyrillic look-alikes in either case: «АВС» on a slip reads as «ABC».
        assert_eq!(login_key("АВС-123"), login_key("abc-123"));
        assert_eq!(login_key("сор"), login_key("cop"));
        assert_eq!(login_key("НОМ"), "hom");
        // Letters with no Latin twin stay themselves.
        assert_eq!(login_key("Читатель"), "чиtateль");
        assert_ne!(login_key("lib0001"), login_key("lib0002"));
        assert_ne!(login_key("lib-1"), login_key("lib1"));
        // The stored form drops separators too, like a compacted query.
        assert_eq!(login_norm("LIB-0001"), compact_code("lib-0001"));
        assert_eq!(login_norm("АВС_1"), "abc1");
    }

    #[test]
    fn credential_characters() {
        assert_eq!(unprintable_char("Xa7-pq!~"), None);
        assert_eq!(unprintable_char("Ёжик-2024"), None);
        for (value, bad) in [
            ("a b", ' '),
            ("a\u{200B}b", '\u{200B}'),
            ("a\u{202E}b", '\u{202E}'),
            ("a\tb", '\t'),
            ("café", 'é'),
            ("ﬁle", 'ﬁ'),
            ("a\u{A0}b", '\u{A0}'),
        ] {
            assert_eq!(unprintable_char(value), Some(bad), "{value:?}");
        }
        assert!(is_invisible('\u{FEFF}') && is_invisible('\u{2066}') && !is_invisible('a'));
    }

    #[test]
    fn clean_credential_normalises_and_trims_invisible_edges() {
        assert_eq!(clean_credential(" lib0001\u{200B} "), "lib0001");
        assert_eq!(clean_credential("\u{FEFF}ｌｉｂ１"), "lib1");
        // A decomposed «й» (и + combining breve) becomes the one letter.
        assert_eq!(clean_credential("и\u{306}ц"), "йц");
        // Inner invisible characters stay, to be refused.
        assert_eq!(clean_credential("a\u{200B}b"), "a\u{200B}b");
    }

    #[test]
    fn compact_code_strips_separators() {
        assert_eq!(compact_code("2026-000 123"), "2026000123");
        assert_eq!(compact_code("LR_00A"), "lr00a");
    }
}
