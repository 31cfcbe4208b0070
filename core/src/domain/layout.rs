//! A query typed in the wrong keyboard layout: «cjrjkjdf» is «соколова»
//! typed with the Latin layout on. Search engines offer the switched query;
//! so does the desk.

/// The Russian letter on the same key of a ЙЦУКЕН keyboard as each Latin
/// key of QWERTY (lower case; upper case follows).
const KEYS: [(char, char); 33] = [
    ('q', 'й'),
    ('w', 'ц'),
    ('e', 'у'),
    ('r', 'к'),
    ('t', 'е'),
    ('y', 'н'),
    ('u', 'г'),
    ('i', 'ш'),
    ('o', 'щ'),
    ('p', 'з'),
    ('[', 'х'),
    (']', 'ъ'),
    ('a', 'ф'),
    ('s', 'ы'),
    ('d', 'в'),
    ('f', 'а'),
    ('g', 'п'),
    ('h', 'р'),
    ('j', 'о'),
    ('k', 'л'),
    ('l', 'д'),
    (';', 'ж'),
    ('\'', 'э'),
    ('z', 'я'),
    ('x', 'ч'),
    ('c', 'с'),
    ('v', 'м'),
    ('b', 'и'),
    ('n', 'т'),
    ('m', 'ь'),
    (',', 'б'),
    ('.', 'ю'),
    ('`', 'ё'),
];

/// The query as it would read on the Russian layout, when it was plainly
/// typed on the Latin one: letters (and the keys of Russian letters) only,
/// at least two of them, and no digits (a card number or a login is not a
/// layout mistake). `None` when the query is not such a mistake.
pub fn switched_to_russian(query: &str) -> Option<String> {
    let q = query.trim();
    let letters = q.chars().filter(char::is_ascii_alphabetic).count();
    if letters < 2 || q.chars().any(|c| c.is_ascii_digit() || !c.is_ascii()) {
        return None;
    }
    let mut out = String::with_capacity(q.len() * 2);
    for c in q.chars() {
        let lower = c.to_ascii_lowercase();
        match KEYS.iter().find(|(latin, _)| *latin == lower) {
            Some((_, ru)) if c.is_ascii_uppercase() => out.extend(ru.to_uppercase()),
            Some((_, ru)) => out.push(*ru),
            None if c == ' ' || c == '-' => out.push(c),
            None => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_typed_on_the_latin_layout_reads_in_russian() {
        assert_eq!(switched_to_russian("cjrjkjdf").as_deref(), Some("соколова"));
        assert_eq!(
            switched_to_russian("Cjrjkjdf Fyyf").as_deref(),
            Some("Соколова Анна")
        );
        assert_eq!(switched_to_russian("`krbyf").as_deref(), Some("ёлкина"));
        assert_eq!(
            switched_to_russian("ljkujdf-,tkjdf").as_deref(),
            Some("долгова-белова")
        );
    }

    #[test]
    fn numbers_logins_and_russian_text_are_left_alone() {
        assert_eq!(switched_to_russian("2026000001"), None);
        assert_eq!(switched_to_russian("LR-0001"), None);
        assert_eq!(switched_to_russian("соколова"), None);
        assert_eq!(switched_to_russian("a"), None);
        assert_eq!(switched_to_russian("name@mail.ru"), None);
    }
}
