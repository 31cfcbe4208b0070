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
    pub genre: String,
    pub kind: BookKind,
    /// The list price; 0 for a free title.
    pub price: Money,
    /// 0, 6, 12, 16 or 18 (years).
    pub age_rating: u8,
    /// Readers' rating, 0–5 in tenths (`46` = 4.6); `None`: not rated yet.
    pub rating: Option<u16>,
    /// Number of readers' reviews; `None` where the provider shows none.
    pub reviews: Option<u32>,
    /// «Черновик»: an unfinished book, still being written.
    pub draft: bool,
    /// «Самиздат»: self-published.
    pub samizdat: bool,
    /// Free to read at the provider: nothing to buy.
    pub free: bool,
    /// The publisher's annotation, where there is one.
    pub annotation: Option<String>,
}

/// Genres with their share of the catalogue (in parts) and the age ratings their books
/// get. The names cover what the desk's default priority policy looks for
/// (`domain::policy::default_criteria`): children's, teen and youth books, fairy tales
/// and study books; upbringing and books for parents; serious non-fiction and fiction.
const GENRES: &[(&str, u32, &[u8])] = &[
    ("Современная проза", 10, &[12, 16, 16, 18]),
    ("Детектив", 9, &[12, 16, 16, 18]),
    ("Фантастика", 7, &[12, 12, 16, 16]),
    ("Фэнтези", 7, &[12, 12, 16, 18]),
    ("Любовный роман", 5, &[16, 18, 18]),
    (CHILDREN, 8, &[0, 0, 6, 6]),
    ("Сказки", 4, &[0, 0, 6]),
    ("Подростковая литература", 5, &[12, 12, 16]),
    ("Юношеская литература", 4, &[12, 16, 16]),
    ("Учебная литература", 4, &[0, 6, 12, 12]),
    ("Воспитание детей", 5, &[12, 16]),
    ("Книги для родителей", 3, &[12, 16]),
    ("Беременность и роды", 1, &[16]),
    ("История", 5, &[12, 16]),
    ("Философия", 3, &[16, 16, 18]),
    ("Психология", 4, &[12, 16, 16]),
    ("Научно-популярное", 5, &[12, 12, 16]),
    ("Классика", 6, &[12, 12, 16]),
    ("Поэзия", 3, &[12, 16]),
    ("Биографии и мемуары", 4, &[12, 16, 16]),
];
const CHILDREN: &str = "Детская литература";
/// Genres in which «Черновик» and «Самиздат» books are common.
const SERIAL_GENRES: &[&str] = &["Фантастика", "Фэнтези", "Любовный роман", "Детектив"];
/// Every `FREE_EVERY`-th generated book (the last of each run) is free: a public-domain
/// classic. Far from the start, so that tests looking for "the first age-0 book" or "the
/// first cheap book" find a book that has to be stocked or bought.
pub const FREE_EVERY: usize = 97;

/// Every genre name the generator uses.
pub fn genres() -> impl Iterator<Item = &'static str> {
    GENRES.iter().map(|(g, _, _)| *g)
}

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

fn genre(rng: &mut StdRng) -> (&'static str, &'static [u8]) {
    let total: u32 = GENRES.iter().map(|(_, w, _)| w).sum();
    let mut at = rng.random_range(0..total);
    for &(name, weight, ages) in GENRES {
        if at < weight {
            return (name, ages);
        }
        at -= weight;
    }
    (CHILDREN, &[0])
}

/// A publisher's annotation for two books in three (from the book's number, so
/// the generated catalogue stays what it was for a given seed).
fn annotation(i: usize, genre: &str) -> Option<String> {
    const OPENINGS: &[&str] = &[
        "История, от которой трудно оторваться до последней страницы.",
        "Книга о том, как меняются люди, когда меняется всё вокруг.",
        "Неспешный и точный рассказ, который хочется перечитать.",
        "Автор задаёт вопросы, на которые каждый читатель ответит по-своему.",
        "Живой язык, яркие герои и неожиданная развязка.",
    ];
    if i % 3 == 2 {
        return None;
    }
    let opening = OPENINGS[i % OPENINGS.len()];
    Some(format!(
        "{opening} Жанр — «{}»: для тех, кто любит такие книги и для тех, кто только начинает.",
        genre.to_lowercase()
    ))
}

/// A rating and a number of reviews: most books are rated 3.0–5.0 (more of them high),
/// a few have no rating yet; popular books have thousands of reviews, most have dozens.
fn rating(rng: &mut StdRng) -> (Option<u16>, Option<u32>) {
    if rng.random_bool(0.12) {
        return (None, rng.random_bool(0.5).then_some(0));
    }
    let a: u16 = rng.random_range(30..=50);
    let b: u16 = rng.random_range(30..=50);
    let rating = a.max(b);
    let reviews = match rng.random_range(0..10) {
        0..=5 => rng.random_range(1..60),
        6..=8 => rng.random_range(60..600),
        _ => rng.random_range(600..4000),
    };
    (Some(rating), Some(reviews))
}

/// The catalogue a simulator started with `seed` and `size` generates (what a scenario
/// or the demo can refer to before the simulator runs).
pub fn generated(seed: u64, size: usize) -> Vec<Book> {
    use rand::SeedableRng;
    generate(&mut StdRng::seed_from_u64(seed), size)
}

/// Generates `size` books from the seed's random stream.
pub fn generate(rng: &mut StdRng, size: usize) -> Vec<Book> {
    (0..size)
        .map(|i| {
            let (mut genre, ages) = genre(rng);
            let authors = if rng.random_bool(0.1) {
                format!("{}, {}", author(rng), author(rng))
            } else {
                author(rng)
            };
            let mut age_rating = ages[rng.random_range(0..ages.len())];
            let kind = if rng.random_bool(0.2) {
                BookKind::Audio
            } else {
                BookKind::Ebook
            };
            // 99…1299 ₽ in 10 ₽ steps, ending in 9.
            let mut price = Money::from_rub(rng.random_range(10..=130) * 10 - 1);
            let (rating, reviews) = rating(rng);
            let serial = SERIAL_GENRES.contains(&genre);
            let samizdat = rng.random_bool(if serial { 0.25 } else { 0.03 });
            // Drafts are published chapter by chapter, mostly by self-published authors.
            let draft =
                kind == BookKind::Ebook && rng.random_bool(if samizdat { 0.3 } else { 0.01 });
            if draft {
                // A draft sells cheaper while it is being written.
                price = Money::from_rub(rng.random_range(5..=30) * 10 - 1);
            }
            let free = i % FREE_EVERY == FREE_EVERY - 1;
            if free {
                genre = "Классика";
                age_rating = 12;
                price = Money(0);
            }
            Book {
                art: FIRST_ART + i as u64,
                title: title(rng),
                authors,
                genre: genre.to_string(),
                kind,
                price,
                age_rating,
                rating,
                reviews,
                draft: draft && !free,
                samizdat: samizdat && !free,
                free,
                annotation: annotation(i, genre),
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
            if book.free {
                assert_eq!(book.price, Money(0));
            } else if book.draft {
                assert!(book.price >= Money::from_rub(49) && book.price <= Money::from_rub(299));
            } else {
                assert!(book.price >= Money::from_rub(99) && book.price <= Money::from_rub(1299));
            }
            if let Some(r) = book.rating {
                assert!((30..=50).contains(&r), "{r}");
            }
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

    /// The catalogue has what the desk's default priorities and warnings look for.
    #[test]
    fn catalogue_has_the_genres_and_flags_the_desk_weighs() {
        let books = generate(&mut StdRng::seed_from_u64(1), 2000);
        let policy = crate::domain::policy::default_criteria();
        for c in policy.iter().filter(|c| !c.genres.is_empty()) {
            for word in &c.genres {
                // «детская психология» is an example of the parents' criterion; the others
                // must each find books.
                if word.contains(' ') && word != "современная проза" {
                    continue;
                }
                assert!(
                    books
                        .iter()
                        .any(|b| b.genre.to_lowercase().contains(word.as_str())),
                    "no book in a genre with «{word}» ({})",
                    c.reason
                );
            }
        }
        let n = |f: &dyn Fn(&Book) -> bool| books.iter().filter(|b| f(b)).count();
        assert!(n(&|b| b.draft) >= 10, "drafts");
        assert!(n(&|b| b.samizdat) >= 50, "samizdat");
        assert_eq!(n(&|b| b.free), 2000 / FREE_EVERY);
        assert!(n(&|b| b.rating.is_none()) > 0 && n(&|b| b.rating.is_some()) > 1500);
        assert!(n(&|b| b.reviews.is_some_and(|r| r >= 600)) > 0);
        assert!(books[..FREE_EVERY - 1].iter().all(|b| !b.free));
    }
}
