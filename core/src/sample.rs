//! Sample data: realistic readers and a login pool for `--demo`, the
//! benchmarks and the tests. Deterministic for a given seed.

use chrono::{Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use crate::domain::reader::{Channel, ValidReader};

const SURNAMES: &[(&str, &str)] = &[
    ("Иванов", "Иванова"),
    ("Смирнов", "Смирнова"),
    ("Кузнецов", "Кузнецова"),
    ("Попов", "Попова"),
    ("Васильев", "Васильева"),
    ("Петров", "Петрова"),
    ("Соколов", "Соколова"),
    ("Михайлов", "Михайлова"),
    ("Новиков", "Новикова"),
    ("Фёдоров", "Фёдорова"),
    ("Морозов", "Морозова"),
    ("Волков", "Волкова"),
    ("Алексеев", "Алексеева"),
    ("Лебедев", "Лебедева"),
    ("Семёнов", "Семёнова"),
    ("Егоров", "Егорова"),
    ("Павлов", "Павлова"),
    ("Козлов", "Козлова"),
    ("Степанов", "Степанова"),
    ("Николаев", "Николаева"),
    ("Орлов", "Орлова"),
    ("Андреев", "Андреева"),
    ("Макаров", "Макарова"),
    ("Никитин", "Никитина"),
    ("Захаров", "Захарова"),
    ("Зайцев", "Зайцева"),
    ("Соловьёв", "Соловьёва"),
    ("Борисов", "Борисова"),
    ("Яковлев", "Яковлева"),
    ("Григорьев", "Григорьева"),
    ("Романов", "Романова"),
    ("Воробьёв", "Воробьёва"),
    ("Сергеев", "Сергеева"),
    ("Кузьмин", "Кузьмина"),
    ("Фролов", "Фролова"),
    ("Александров", "Александрова"),
    ("Дмитриев", "Дмитриева"),
    ("Королёв", "Королёва"),
    ("Гусев", "Гусева"),
    ("Киселёв", "Киселёва"),
    ("Ильин", "Ильина"),
    ("Максимов", "Максимова"),
    ("Поляков", "Полякова"),
    ("Сорокин", "Сорокина"),
    ("Виноградов", "Виноградова"),
    ("Ковалёв", "Ковалёва"),
    ("Белов", "Белова"),
    ("Медведев", "Медведева"),
    ("Антонов", "Антонова"),
    ("Тарасов", "Тарасова"),
    ("Жуков", "Жукова"),
    ("Баранов", "Баранова"),
    ("Филиппов", "Филиппова"),
    ("Комаров", "Комарова"),
    ("Давыдов", "Давыдова"),
    ("Беляев", "Беляева"),
    ("Герасимов", "Герасимова"),
    ("Богданов", "Богданова"),
    ("Осипов", "Осипова"),
    ("Сидоров", "Сидорова"),
    ("Матвеев", "Матвеева"),
    ("Титов", "Титова"),
    ("Марков", "Маркова"),
    ("Миронов", "Миронова"),
    ("Крылов", "Крылова"),
    ("Куликов", "Куликова"),
    ("Карпов", "Карпова"),
    ("Власов", "Власова"),
    ("Мельников", "Мельникова"),
    ("Денисов", "Денисова"),
    ("Гаврилов", "Гаврилова"),
    ("Тихонов", "Тихонова"),
    ("Ёлкин", "Ёлкина"),
    ("Шевченко", "Шевченко"),
    ("Ким", "Ким"),
    ("Гарипов", "Гарипова"),
];
const MALE: &[&str] = &[
    "Александр",
    "Алексей",
    "Андрей",
    "Антон",
    "Артём",
    "Борис",
    "Вадим",
    "Валерий",
    "Виктор",
    "Владимир",
    "Дмитрий",
    "Евгений",
    "Егор",
    "Иван",
    "Игорь",
    "Илья",
    "Кирилл",
    "Константин",
    "Максим",
    "Михаил",
    "Никита",
    "Николай",
    "Олег",
    "Павел",
    "Пётр",
    "Роман",
    "Сергей",
    "Степан",
    "Тимур",
    "Юрий",
];
const FEMALE: &[&str] = &[
    "Александра",
    "Алёна",
    "Алина",
    "Анастасия",
    "Анна",
    "Валентина",
    "Вера",
    "Виктория",
    "Галина",
    "Дарья",
    "Екатерина",
    "Елена",
    "Елизавета",
    "Ирина",
    "Ксения",
    "Любовь",
    "Людмила",
    "Марина",
    "Мария",
    "Надежда",
    "Наталья",
    "Нина",
    "Ольга",
    "Полина",
    "Светлана",
    "Софья",
    "Татьяна",
    "Ульяна",
    "Юлия",
    "Яна",
];
const PATRONYMICS: &[(&str, &str)] = &[
    ("Александрович", "Александровна"),
    ("Алексеевич", "Алексеевна"),
    ("Андреевич", "Андреевна"),
    ("Викторович", "Викторовна"),
    ("Владимирович", "Владимировна"),
    ("Дмитриевич", "Дмитриевна"),
    ("Евгеньевич", "Евгеньевна"),
    ("Иванович", "Ивановна"),
    ("Игоревич", "Игоревна"),
    ("Михайлович", "Михайловна"),
    ("Николаевич", "Николаевна"),
    ("Олегович", "Олеговна"),
    ("Павлович", "Павловна"),
    ("Петрович", "Петровна"),
    ("Сергеевич", "Сергеевна"),
    ("Юрьевич", "Юрьевна"),
];
const DOMAINS: &[&str] = &[
    "mail.ru",
    "yandex.ru",
    "gmail.com",
    "bk.ru",
    "inbox.ru",
    "rambler.ru",
];

/// Latin spelling of a Russian name for e-mail addresses.
pub fn translit(s: &str) -> String {
    let mut out = String::new();
    for c in s.to_lowercase().chars() {
        out.push_str(match c {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => "g",
            'д' => "d",
            'е' | 'ё' | 'э' => "e",
            'ж' => "zh",
            'з' => "z",
            'и' | 'й' | 'ы' => "i",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ю' => "yu",
            'я' => "ya",
            'ь' | 'ъ' => "",
            _ => "",
        });
    }
    out
}

/// `n` plausible readers with card numbers `prefix` + sequence. Ages follow
/// a library's mix: children, students, adults, pensioners.
pub fn readers(
    n: usize,
    seed: u64,
    card_prefix: &str,
    today: NaiveDate,
) -> Vec<(ValidReader, String)> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let female = rng.random_bool(0.62);
            let &(m, f) = SURNAMES.choose(&mut rng).unwrap_or(&("Иванов", "Иванова"));
            let surname = if female { f } else { m };
            let name = if female { FEMALE } else { MALE }
                .choose(&mut rng)
                .copied()
                .unwrap_or("Анна");
            let &(pm, pf) = PATRONYMICS
                .choose(&mut rng)
                .unwrap_or(&("Иванович", "Ивановна"));
            let age_days: i64 = match rng.random_range(0..100) {
                0..15 => rng.random_range(6 * 365..14 * 365),
                15..45 => rng.random_range(15 * 365..30 * 365),
                45..85 => rng.random_range(31 * 365..65 * 365),
                _ => rng.random_range(65 * 365..90 * 365),
            };
            let birth_date = today - Duration::days(age_days);
            let minor = crate::domain::reader::age_on(birth_date, today)
                < crate::domain::reader::CONSENT_SELF_AGE;
            let email = rng.random_bool(0.8).then(|| {
                format!(
                    "{}.{}{}@{}",
                    translit(name),
                    translit(surname),
                    rng.random_range(1..999),
                    DOMAINS.choose(&mut rng).unwrap_or(&"mail.ru")
                )
            });
            let phone = (email.is_none() || rng.random_bool(0.5))
                .then(|| format!("+79{:09}", rng.random_range(0..1_000_000_000u64)));
            let channel = match rng.random_range(0..100) {
                0..60 => Channel::Desk,
                60..75 => Channel::Email,
                75..92 => Channel::Web,
                _ => Channel::Qr,
            };
            let reader = ValidReader {
                surname: surname.to_string(),
                name: name.to_string(),
                patronymic: Some(if female { pf } else { pm }.to_string()),
                birth_date,
                card: None,
                email,
                phone,
                channel,
                representative: minor.then(|| format!("{f} {} {pf}", FEMALE[i % FEMALE.len()])),
            };
            (reader, format!("{card_prefix}{:07}", i + 1))
        })
        .collect()
}

/// A provider login list as the provider exports it (CSV, `;`, with header).
pub fn pool_csv(n: usize, seed: u64, login_prefix: &str) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed);
    // No 0/O, 1/l/I in generated passwords: they get read aloud and retyped.
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::from("Логин;Пароль;Номер карты\n");
    for i in 0..n {
        let password: String = (0..10)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect();
        out.push_str(&format!(
            "{login_prefix}{:06};{password};{}\n",
            i + 1,
            700_000_000 + i
        ));
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_readers_pass_validation_rules() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        for (r, card) in readers(500, 1, "2025", today) {
            let age = crate::domain::reader::age_on(r.birth_date, today);
            assert!((3..=120).contains(&age), "{age}");
            assert!(r.email.is_some() || r.phone.is_some());
            assert_eq!(r.representative.is_some(), age < 14, "{r:?}");
            if let Some(e) = &r.email {
                assert!(crate::domain::reader::is_email(e), "{e}");
            }
            assert_eq!(card.len(), 11);
        }
        assert_eq!(translit("Ёлкина"), "elkina");
    }
}
