//! A generated catalogue and generated readers, deterministic from a seed.

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::rngs::StdRng;

use crate::provider::api::{BookKind, Money};

/// First id of generated books.
pub const FIRST_ART: u64 = 70_000_001;

/// A book of the provider's catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct Book {
    pub art: u64,
    pub title: String,
    pub authors: String,
    pub genre: &'static str,
    pub kind: BookKind,
    pub price: Money,
    /// 0, 6, 12, 16 or 18 (years).
    pub age_rating: u8,
}

const GENRES: &[&str] = &[
    "Современная проза",
    "Детектив",
    "Фантастика",
    "Фэнтези",
    "Детская литература",
    "Воспитание детей",
    "История",
    "Психология",
    "Научно-популярное",
    "Классика",
    "Поэзия",
    "Биографии и мемуары",
];
const CHILDREN: &str = "Детская литература";

const ADJ_M: &[&str] = &[
    "Тихий",
    "Северный",
    "Последний",
    "Старый",
    "Зимний",
    "Дальний",
    "Белый",
    "Забытый",
    "Летний",
    "Золотой",
    "Чужой",
    "Долгий",
];
const NOUN_M: &[&str] = &[
    "дом",
    "ветер",
    "город",
    "сад",
    "берег",
    "остров",
    "путь",
    "маяк",
    "лес",
    "год",
    "поезд",
    "мост",
];
const ADJ_F: &[&str] = &[
    "Тихая",
    "Северная",
    "Последняя",
    "Старая",
    "Зимняя",
    "Дальняя",
    "Белая",
    "Забытая",
    "Летняя",
    "Золотая",
    "Чужая",
    "Долгая",
];
const NOUN_F: &[&str] = &[
    "река",
    "дорога",
    "тайна",
    "зима",
    "звезда",
    "память",
    "ночь",
    "книга",
    "степь",
    "гавань",
    "весна",
    "улица",
];
const NOUN_GEN: &[&str] = &[
    "времени",
    "севера",
    "моря",
    "детства",
    "памяти",
    "ветра",
    "полей",
    "города",
    "тишины",
    "надежды",
];
const SUBTITLES: &[&str] = &[
    "роман",
    "повесть",
    "рассказы",
    "история одной семьи",
    "записки",
    "хроника",
    "сказка",
];

const FIRST_M: &[&str] = &[
    "Александр",
    "Дмитрий",
    "Сергей",
    "Андрей",
    "Алексей",
    "Иван",
    "Михаил",
    "Николай",
    "Павел",
    "Артём",
    "Егор",
    "Фёдор",
];
const FIRST_F: &[&str] = &[
    "Анна",
    "Мария",
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Екатерина",
    "Ирина",
    "Светлана",
    "Дарья",
    "Алёна",
    "Юлия",
];
const PATRONYMIC_M: &[&str] = &[
    "Александрович",
    "Дмитриевич",
    "Сергеевич",
    "Андреевич",
    "Иванович",
    "Николаевич",
    "Петрович",
];
const PATRONYMIC_F: &[&str] = &[
    "Александровна",
    "Дмитриевна",
    "Сергеевна",
    "Андреевна",
    "Ивановна",
    "Николаевна",
    "Петровна",
];
/// Masculine surnames; the feminine form adds «а» (all of these end in -ов/-ев/-ин).
const SURNAMES: &[&str] = &[
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Соколов",
    "Лебедев",
    "Козлов",
    "Новиков",
    "Морозов",
    "Волков",
    "Соловьёв",
    "Васильев",
    "Зайцев",
    "Павлов",
    "Семёнов",
    "Голубев",
    "Виноградов",
    "Богданов",
    "Воробьёв",
    "Фёдоров",
    "Михайлов",
    "Беляев",
    "Тарасов",
    "Белов",
    "Комаров",
    "Орлов",
    "Киселёв",
    "Макаров",
    "Андреев",
    "Ковалёв",
    "Ильин",
    "Гусев",
    "Титов",
    "Кузьмин",
];

fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn title(rng: &mut StdRng) -> String {
    match rng.random_range(0..5) {
        0 => format!("{} {}", pick(rng, ADJ_M), pick(rng, NOUN_M)),
        1 => format!("{} {}", pick(rng, ADJ_F), pick(rng, NOUN_F)),
        2 => format!("{} и {}", capitalized(pick(rng, NOUN_F)), pick(rng, NOUN_M)),
        3 => format!("{} {}", capitalized(pick(rng, NOUN_M)), pick(rng, NOUN_GEN)),
        _ => format!(
            "{} {}. {}",
            pick(rng, ADJ_F),
            pick(rng, NOUN_F),
            pick(rng, SUBTITLES)
        ),
    }
}

/// A person's name: (first, patronymic, surname), gender-agreed.
pub fn person(rng: &mut StdRng) -> (String, String, String) {
    let female = rng.random_bool(0.55);
    let surname = pick(rng, SURNAMES);
    if female {
        (
            pick(rng, FIRST_F).to_string(),
            pick(rng, PATRONYMIC_F).to_string(),
            format!("{surname}а"),
        )
    } else {
        (
            pick(rng, FIRST_M).to_string(),
            pick(rng, PATRONYMIC_M).to_string(),
            surname.to_string(),
        )
    }
}

fn author(rng: &mut StdRng) -> String {
    let (first, _, last) = person(rng);
    format!("{first} {last}")
}

/// Generates `size` books from the seed's random stream.
pub fn generate(rng: &mut StdRng, size: usize) -> Vec<Book> {
    (0..size)
        .map(|i| {
            let genre = pick(rng, GENRES);
            let authors = if rng.random_bool(0.1) {
                format!("{}, {}", author(rng), author(rng))
            } else {
                author(rng)
            };
            let age_rating = if genre == CHILDREN {
                [0u8, 6][rng.random_range(0..2)]
            } else {
                [12u8, 12, 16, 16, 16, 18][rng.random_range(0..6)]
            };
            let kind = if rng.random_bool(0.2) {
                BookKind::Audio
            } else {
                BookKind::Ebook
            };
            // 99…1299 ₽ in 10 ₽ steps, ending in 9.
            let price = Money::from_rub(rng.random_range(10..=130) * 10 - 1);
            Book {
                art: FIRST_ART + i as u64,
                title: title(rng),
                authors,
                genre,
                kind,
                price,
                age_rating,
            }
        })
        .collect()
}

/// A generated reader: full name, birth date (4–85 years before `today`), mail, phone.
pub fn reader(
    rng: &mut StdRng,
    today: NaiveDate,
    n: u64,
) -> (String, NaiveDate, Option<String>, Option<String>) {
    let (first, patronymic, last) = person(rng);
    let name = format!("{last} {first} {patronymic}");
    let age_years = match rng.random_range(0..10) {
        0..=2 => rng.random_range(4..15),
        3..=5 => rng.random_range(15..31),
        _ => rng.random_range(31..86),
    };
    let year = today.year() - age_years;
    let birth = NaiveDate::from_ymd_opt(year, rng.random_range(1..=12), rng.random_range(1..=28))
        .unwrap_or(today);
    let mail = rng
        .random_bool(0.8)
        .then(|| format!("reader{n}@example.org"));
    let phone = if mail.is_none() || rng.random_bool(0.3) {
        Some(format!("+79{:09}", rng.random_range(0..1_000_000_000u64)))
    } else {
        None
    };
    (name, birth, mail, phone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn catalogue_is_deterministic_and_plausible() {
        let a = generate(&mut StdRng::seed_from_u64(7), 200);
        let b = generate(&mut StdRng::seed_from_u64(7), 200);
        assert_eq!(a, b);
        let c = generate(&mut StdRng::seed_from_u64(8), 200);
        assert_ne!(a, c);
        for book in &a {
            assert!([0, 6, 12, 16, 18].contains(&book.age_rating));
            assert!(book.price >= Money::from_rub(99) && book.price <= Money::from_rub(1299));
            assert!(
                book.title.chars().any(|c| ('а'..='я').contains(&c)),
                "{}",
                book.title
            );
            if book.genre == CHILDREN {
                assert!(book.age_rating <= 6);
            }
        }
        assert!(a.iter().any(|b| b.kind == BookKind::Audio));
        assert!(a.iter().any(|b| b.age_rating == 18));
    }
}
