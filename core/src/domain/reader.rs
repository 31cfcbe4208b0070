//! Readers: the registration form, its validation and the age rules.

use chrono::{Datelike, NaiveDate};

use super::text::{capitalize_name, tidy};

/// Youngest age the provider accepts (`w_biblio_reader_create`: birth date at
/// least 3 years before today).
pub const MIN_AGE_YEARS: u32 = 3;
/// Oldest plausible age; anything above is a typo in the year.
pub const MAX_AGE_YEARS: u32 = 120;
/// Under this age the consent is given by a legal representative (152-ФЗ).
pub const CONSENT_SELF_AGE: u32 = 14;
const MAX_NAME_LEN: usize = 100;

/// How the reader came to the library (kept for statistics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Channel {
    #[default]
    Desk,
    Email,
    Web,
    Qr,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Channel::Desk, Channel::Email, Channel::Web, Channel::Qr];

    /// Stable code used in the database and on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Channel::Desk => "desk",
            Channel::Email => "email",
            Channel::Web => "web",
            Channel::Qr => "qr",
        }
    }

    pub fn from_code(code: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Desk => "в библиотеке",
            Channel::Email => "по e-mail",
            Channel::Web => "форма на сайте",
            Channel::Qr => "QR-плакат",
        }
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// What the librarian typed into the registration form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReaderDraft {
    pub surname: String,
    pub name: String,
    pub patronymic: String,
    /// `ДД.ММ.ГГГГ` (also accepted: `ДДММГГГГ`, `Д.М.ГГГГ`, `ДД.ММ.ГГ`, `ГГГГ-ММ-ДД`).
    pub birth_date: String,
    /// Empty means "generate from the pattern in Settings".
    pub card: String,
    pub email: String,
    pub phone: String,
    pub channel: Channel,
    pub consent: bool,
    /// Legal representative who signed the consent for a child under 14.
    pub representative: String,
}

/// A form field, so the UI can show each message under its own input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Surname,
    Name,
    Patronymic,
    BirthDate,
    Card,
    Email,
    Phone,
    Contact,
    Consent,
    Representative,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub message: String,
    pub kind: FieldErrorKind,
}

/// Where a field problem comes from: the form's own rules (re-checked as the
/// librarian types), or the database (the card number another reader holds),
/// which stays until the field changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldErrorKind {
    Form,
    CardTaken,
}

impl FieldError {
    pub fn new(field: Field, message: impl Into<String>) -> Self {
        FieldError {
            field,
            message: message.into(),
            kind: FieldErrorKind::Form,
        }
    }

    /// The card number is held by another reader; `message` names them.
    pub fn card_taken(message: impl Into<String>) -> Self {
        FieldError {
            field: Field::Card,
            message: message.into(),
            kind: FieldErrorKind::CardTaken,
        }
    }
}

/// A draft that passed validation, tidied and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidReader {
    pub surname: String,
    pub name: String,
    pub patronymic: Option<String>,
    pub birth_date: NaiveDate,
    /// `None`: generate a number from the pattern.
    pub card: Option<String>,
    pub email: Option<String>,
    /// Normalised, `+79123456789`.
    pub phone: Option<String>,
    pub channel: Channel,
    pub representative: Option<String>,
}

impl ValidReader {
    pub fn full_name(&self) -> String {
        full_name(&self.surname, &self.name, self.patronymic.as_deref())
    }
}

pub fn full_name(surname: &str, name: &str, patronymic: Option<&str>) -> String {
    match patronymic {
        Some(p) if !p.is_empty() => format!("{surname} {name} {p}"),
        _ => format!("{surname} {name}"),
    }
}

/// Parses a date with a four-digit year: `ДД.ММ.ГГГГ`, `Д.М.ГГГГ`,
/// `ДДММГГГГ`, `ГГГГ-ММ-ДД` (also with `/`, `-` or spaces between parts).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let (d, m, y) = date_parts(s)?;
    if y < 1000 {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Parses a birth date as librarians type it: everything [`parse_date`]
/// takes, and a two-digit year (`ДД.ММ.ГГ`, `ДДММГГ`). The century rule: a
/// two-digit year is this century's when that is not later than today,
/// else the last century's (on 29.11.2026, «05.03.26» is 2026 and «05.03.27»
/// is 1927).
pub fn parse_birth_date(s: &str, today: NaiveDate) -> Option<NaiveDate> {
    let (d, m, y) = date_parts(s)?;
    let y = match y {
        1000.. => y,
        0..=99 if two_digit_year(s) => {
            let this = today.year() - today.year() % 100 + y;
            let date = NaiveDate::from_ymd_opt(this, m, d)?;
            if date <= today {
                return Some(date);
            }
            this - 100
        }
        _ => return None,
    };
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Day, month and year as typed (the year as written: 2 or 4 digits).
fn date_parts(s: &str) -> Option<(u32, u32, i32)> {
    let s = s.trim();
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
        return match s.len() {
            8 => Some((
                s[..2].parse().ok()?,
                s[2..4].parse().ok()?,
                s[4..].parse().ok()?,
            )),
            6 => Some((
                s[..2].parse().ok()?,
                s[2..4].parse().ok()?,
                s[4..].parse().ok()?,
            )),
            _ => None,
        };
    }
    let parts: Vec<&str> = s
        .split(['.', '/', '-', ' ', ','])
        .filter(|p| !p.is_empty())
        .collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    if ![a, b, c]
        .iter()
        .all(|p| p.chars().all(|ch| ch.is_ascii_digit()))
    {
        return None;
    }
    match (a.len(), b.len(), c.len()) {
        (4, 1..=2, 1..=2) => Some((c.parse().ok()?, b.parse().ok()?, a.parse().ok()?)),
        (1..=2, 1..=2, 2 | 4) => Some((a.parse().ok()?, b.parse().ok()?, c.parse().ok()?)),
        _ => None,
    }
}

/// Was the year typed with two digits?
fn two_digit_year(s: &str) -> bool {
    let s = s.trim();
    if s.chars().all(|c| c.is_ascii_digit()) {
        return s.len() == 6;
    }
    s.rsplit(['.', '/', '-', ' ', ','])
        .find(|p| !p.is_empty())
        .is_some_and(|p| p.len() == 2)
}

/// Full years between `birth` and `today`.
pub fn age_on(birth: NaiveDate, today: NaiveDate) -> u32 {
    today.years_since(birth).unwrap_or(0)
}

/// Validates the form. Returns every problem at once, each with a Russian
/// message that says what to fix.
pub fn validate(draft: &ReaderDraft, today: NaiveDate) -> Result<ValidReader, Vec<FieldError>> {
    let mut errors = Vec::new();

    let surname = check_name(
        &draft.surname,
        Field::Surname,
        "Укажите фамилию читателя.",
        "Фамилия",
        &mut errors,
    );
    let name = check_name(
        &draft.name,
        Field::Name,
        "Укажите имя читателя.",
        "Имя",
        &mut errors,
    );
    let patronymic = if tidy(&draft.patronymic).is_empty() {
        None
    } else {
        check_name(
            &draft.patronymic,
            Field::Patronymic,
            "",
            "Отчество",
            &mut errors,
        )
    };

    let birth_date = check_birth_date(&draft.birth_date, today, &mut errors);

    let card = {
        let card = draft.card.trim();
        if card.is_empty() {
            None
        } else if let Some(message) = card_problem(card) {
            errors.push(FieldError::new(Field::Card, message));
            None
        } else {
            Some(card.to_string())
        }
    };

    let email = {
        let email = draft.email.trim();
        if email.is_empty() {
            None
        } else if is_email(email) {
            Some(email.to_lowercase())
        } else {
            errors.push(FieldError::new(
                Field::Email,
                format!(
                    "Адрес e-mail «{email}» указан неверно: нужен вид имя@домен.ру, без пробелов, например ivanova@mail.ru."
                ),
            ));
            None
        }
    };

    let phone = {
        let phone = draft.phone.trim();
        if phone.is_empty() {
            None
        } else if let Some(p) = normalize_phone(phone) {
            Some(p)
        } else {
            errors.push(FieldError::new(
                Field::Phone,
                format!(
                    "Телефон «{phone}» указан неверно: нужно 10 цифр после +7 или 8, например +7 912 345-67-89."
                ),
            ));
            None
        }
    };

    if draft.email.trim().is_empty() && draft.phone.trim().is_empty() {
        errors.push(FieldError::new(
            Field::Contact,
            "Укажите e-mail или телефон: нужен хотя бы один способ связи с читателем.",
        ));
    }

    if !draft.consent {
        errors.push(FieldError::new(
            Field::Consent,
            "Отметьте согласие на обработку персональных данных: без него читателя зарегистрировать нельзя.",
        ));
    }

    let representative = tidy(&draft.representative);
    let minor = birth_date.is_some_and(|b| age_on(b, today) < CONSENT_SELF_AGE);
    if minor && representative.is_empty() {
        errors.push(FieldError::new(
            Field::Representative,
            "Читателю нет 14 лет: согласие подписывает законный представитель — укажите его ФИО.",
        ));
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    match (surname, name, birth_date) {
        (Some(surname), Some(name), Some(birth_date)) => Ok(ValidReader {
            surname,
            name,
            patronymic,
            birth_date,
            card,
            email,
            phone,
            channel: draft.channel,
            representative: (minor && !representative.is_empty()).then_some(representative),
        }),
        // Unreachable: a missing part always pushed an error above.
        _ => Err(errors),
    }
}

fn check_name(
    raw: &str,
    field: Field,
    missing: &str,
    label: &str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let value = tidy(raw);
    if value.is_empty() {
        errors.push(FieldError::new(field, missing));
        return None;
    }
    if value.chars().count() > MAX_NAME_LEN {
        errors.push(FieldError::new(
            field,
            format!("{label}: не больше {MAX_NAME_LEN} символов — сократите."),
        ));
        return None;
    }
    let allowed = |c: char| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '’' | '.');
    if let Some(bad) = value.chars().find(|c| !allowed(*c)) {
        errors.push(FieldError::new(
            field,
            format!("{label} содержит «{bad}»: допустимы только буквы, пробел, дефис и апостроф."),
        ));
        return None;
    }
    if !value.chars().any(char::is_alphabetic) {
        errors.push(FieldError::new(field, missing));
        return None;
    }
    Some(capitalize_name(&value))
}

fn check_birth_date(
    raw: &str,
    today: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    let raw = raw.trim();
    if raw.is_empty() {
        errors.push(FieldError::new(
            Field::BirthDate,
            "Укажите дату рождения в виде ДД.ММ.ГГГГ, например 05.03.1990.",
        ));
        return None;
    }
    let Some(date) = parse_birth_date(raw, today) else {
        if date_parts(raw).is_some() {
            // The shape is right, the day is not (31.02, 29.02 of a common year).
            errors.push(FieldError::new(
                Field::BirthDate,
                format!("Такой даты нет: «{raw}». Проверьте день и месяц."),
            ));
            return None;
        }
        errors.push(FieldError::new(
            Field::BirthDate,
            format!(
                "Дата рождения «{raw}» не распознана: введите её в виде ДД.ММ.ГГГГ, например 05.03.1990 (можно 05031990 или 05.03.90)."
            ),
        ));
        return None;
    };
    if date > today {
        errors.push(FieldError::new(
            Field::BirthDate,
            "Дата рождения в будущем — проверьте год.",
        ));
        return None;
    }
    let age = age_on(date, today);
    if age < MIN_AGE_YEARS {
        errors.push(FieldError::new(
            Field::BirthDate,
            format!(
                "Читателю меньше {MIN_AGE_YEARS} лет: электронная библиотека регистрирует читателей с 3 лет. Проверьте дату рождения."
            ),
        ));
        return None;
    }
    if age > MAX_AGE_YEARS {
        errors.push(FieldError::new(
            Field::BirthDate,
            format!(
                "Получается возраст {age} лет — больше {MAX_AGE_YEARS}. Проверьте год рождения."
            ),
        ));
        return None;
    }
    Some(date)
}

/// Why a typed card number cannot be used, if it cannot.
pub fn card_problem(card: &str) -> Option<String> {
    if card.chars().count() > 32 {
        return Some("Номер билета длиннее 32 символов — проверьте его.".into());
    }
    if let Some(bad) = card
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '/' | '.')))
    {
        return Some(format!(
            "Номер билета содержит «{bad}»: допустимы буквы, цифры, дефис, точка и косая черта."
        ));
    }
    None
}

/// A practical e-mail check: one `@`, a non-empty local part, a domain with a
/// dot and a top-level part of two or more letters, no spaces.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    if local.is_empty() || domain.contains('@') || s.chars().any(char::is_whitespace) {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2
        || labels
            .iter()
            .any(|l| l.is_empty() || l.starts_with('-') || l.ends_with('-'))
    {
        return false;
    }
    let tld = labels[labels.len() - 1];
    tld.chars().count() >= 2
        && tld.chars().all(char::is_alphabetic)
        && labels
            .iter()
            .all(|l| l.chars().all(|c| c.is_alphanumeric() || c == '-'))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
}

/// Normalises a Russian phone number to `+7XXXXXXXXXX`; international numbers
/// typed with `+` are kept as `+` and 8–15 digits.
pub fn normalize_phone(s: &str) -> Option<String> {
    if s.chars()
        .any(|c| !(c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')')))
    {
        return None;
    }
    let plus = s.trim_start().starts_with('+');
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    match (plus, digits.len()) {
        (_, 11) if digits.starts_with('7') => Some(format!("+{digits}")),
        (false, 11) if digits.starts_with('8') => Some(format!("+7{}", &digits[1..])),
        (false, 10) if digits.starts_with('9') => Some(format!("+7{digits}")),
        (true, 8..=15) if !digits.starts_with('7') => Some(format!("+{digits}")),
        _ => None,
    }
}

/// `+79123456789` → `+7 912 345-67-89`.
pub fn format_phone(p: &str) -> String {
    let d: Vec<char> = p.chars().filter(char::is_ascii_digit).collect();
    if p.starts_with("+7") && d.len() == 11 {
        let s = |a: usize, b: usize| d[a..b].iter().collect::<String>();
        format!("+7 {} {}-{}-{}", s(1, 4), s(4, 7), s(7, 9), s(9, 11))
    } else {
        p.to_string()
    }
}

/// Hides most of a contact for the desk screen: `iv***@mail.ru`, `+7 9** ***-**-89`.
pub fn mask_contact(s: &str) -> String {
    if let Some((local, domain)) = s.split_once('@') {
        let keep: String = local.chars().take(2).collect();
        return format!("{keep}***@{domain}");
    }
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if c.is_ascii_digit() && i > 3 && i + 2 < n {
                '*'
            } else {
                *c
            }
        })
        .collect()
}

/// Age group of state statistics form 6-НК.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AgeGroup {
    UpTo14,
    From15To30,
    From31,
}

impl AgeGroup {
    pub fn of(birth: NaiveDate, on: NaiveDate) -> AgeGroup {
        match age_on(birth, on) {
            0..=14 => AgeGroup::UpTo14,
            15..=30 => AgeGroup::From15To30,
            _ => AgeGroup::From31,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AgeGroup::UpTo14 => "до 14 лет",
            AgeGroup::From15To30 => "15–30 лет",
            AgeGroup::From31 => "31 и старше",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    fn good() -> ReaderDraft {
        ReaderDraft {
            surname: "Иванова".into(),
            name: "Мария".into(),
            patronymic: "Петровна".into(),
            birth_date: "05.03.1990".into(),
            card: String::new(),
            email: "Ivanova@Mail.ru".into(),
            phone: "8 (912) 345-67-89".into(),
            channel: Channel::Desk,
            consent: true,
            representative: String::new(),
        }
    }

    fn messages_for(draft: &ReaderDraft, field: Field) -> Vec<String> {
        match validate(draft, today()) {
            Ok(_) => vec![],
            Err(errs) => errs
                .into_iter()
                .filter(|e| e.field == field)
                .map(|e| e.message)
                .collect(),
        }
    }

    #[test]
    fn a_good_draft_is_tidied() {
        let mut d = good();
        d.surname = "  иванова ".into();
        let v = validate(&d, today()).unwrap();
        assert_eq!(v.surname, "Иванова");
        assert_eq!(v.full_name(), "Иванова Мария Петровна");
        assert_eq!(v.email.as_deref(), Some("ivanova@mail.ru"));
        assert_eq!(v.phone.as_deref(), Some("+79123456789"));
        assert_eq!(v.birth_date, NaiveDate::from_ymd_opt(1990, 3, 5).unwrap());
        assert_eq!(v.card, None);
    }

    #[test]
    fn missing_surname_and_name() {
        let mut d = good();
        d.surname = "  ".into();
        d.name = String::new();
        assert_eq!(
            messages_for(&d, Field::Surname),
            ["Укажите фамилию читателя."]
        );
        assert_eq!(messages_for(&d, Field::Name), ["Укажите имя читателя."]);
    }

    #[test]
    fn name_with_digits_is_refused() {
        let mut d = good();
        d.name = "Мар1я".into();
        let m = messages_for(&d, Field::Name);
        assert_eq!(m.len(), 1);
        assert!(m[0].contains("«1»"), "{m:?}");
    }

    #[test]
    fn birth_dates_as_desks_type_them() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd);
        for (typed, want) in [
            ("05.03.1990", d(1990, 3, 5)),
            ("5.3.1990", d(1990, 3, 5)),
            ("05031990", d(1990, 3, 5)),
            ("1990-03-05", d(1990, 3, 5)),
            ("05/03/1990", d(1990, 3, 5)),
            ("05 03 1990", d(1990, 3, 5)),
            ("05.03.90", d(1990, 3, 5)),
            ("050390", d(1990, 3, 5)),
            ("05.03.26", d(2026, 3, 5)),
            ("29.11.26", d(2026, 11, 29)),
            ("30.11.26", d(1926, 11, 30)),
            ("05.03.27", d(1927, 3, 5)),
            ("01.01.00", d(2000, 1, 1)),
            ("31.02.1990", None),
            ("1990", None),
            ("05.03.990", None),
            ("5031990", None),
            ("пятое марта", None),
        ] {
            assert_eq!(parse_birth_date(typed, today), want, "{typed}");
        }
        // Four-digit years only where no "today" tells the century.
        assert_eq!(parse_date("05.03.90"), None);
        assert_eq!(parse_date("05031990"), d(1990, 3, 5));
    }

    #[test]
    fn birth_date_in_future() {
        let mut d = good();
        d.birth_date = "01.01.2027".into();
        assert_eq!(
            messages_for(&d, Field::BirthDate),
            ["Дата рождения в будущем — проверьте год."]
        );
    }

    #[test]
    fn birth_date_under_three_years() {
        let mut d = good();
        d.birth_date = "29.11.2023".into(); // 2 years 364 days
        let m = messages_for(&d, Field::BirthDate);
        assert_eq!(m.len(), 1);
        assert!(m[0].starts_with("Читателю меньше 3 лет"), "{m:?}");
        d.birth_date = "28.11.2023".into(); // exactly 3 today
        d.representative = "Иванова Анна Сергеевна".into();
        assert!(validate(&d, today()).is_ok());
    }

    #[test]
    fn birth_date_over_120_years() {
        let mut d = good();
        d.birth_date = "01.01.1900".into();
        let m = messages_for(&d, Field::BirthDate);
        assert_eq!(m.len(), 1);
        assert!(m[0].contains("больше 120"), "{m:?}");
    }

    #[test]
    fn birth_date_unreadable_or_missing() {
        let mut d = good();
        d.birth_date = "5 марта".into();
        assert!(messages_for(&d, Field::BirthDate)[0].contains("не распознана"));
        d.birth_date = "31.02.1990".into();
        assert!(messages_for(&d, Field::BirthDate)[0].contains("Такой даты нет"));
        d.birth_date = "29.02.2023".into();
        assert!(messages_for(&d, Field::BirthDate)[0].contains("Такой даты нет"));
        d.birth_date = "05.03.9".into();
        assert!(messages_for(&d, Field::BirthDate)[0].contains("не распознана"));
        // A two-digit year is read with the century rule (issue 7).
        d.birth_date = "05.03.90".into();
        assert!(messages_for(&d, Field::BirthDate).is_empty());
        d.birth_date = String::new();
        assert!(messages_for(&d, Field::BirthDate)[0].starts_with("Укажите дату рождения"));
        d.birth_date = "1990-03-05".into();
        assert!(validate(&d, today()).is_ok());
    }

    #[test]
    fn malformed_email() {
        for bad in [
            "ivanova@mail",
            "ivanova mail.ru",
            "@mail.ru",
            "a@b.c",
            "a@@b.ru",
            "a..b@mail.ru",
        ] {
            let mut d = good();
            d.email = bad.into();
            let m = messages_for(&d, Field::Email);
            assert_eq!(m.len(), 1, "{bad}");
            assert!(m[0].contains("указан неверно"), "{m:?}");
        }
        let mut d = good();
        d.email = "анна@почта.рф".into();
        assert!(validate(&d, today()).is_ok());
    }

    #[test]
    fn malformed_phone() {
        for bad in [
            "12345",
            "8 912 345 67 8",
            "+7 912 ABC",
            "7-912-345-67-89-00",
        ] {
            let mut d = good();
            d.phone = bad.into();
            let m = messages_for(&d, Field::Phone);
            assert_eq!(m.len(), 1, "{bad}");
            assert!(m[0].contains("нужно 10 цифр"), "{m:?}");
        }
        assert_eq!(
            normalize_phone("9123456789").as_deref(),
            Some("+79123456789")
        );
        assert_eq!(
            normalize_phone("+7 912 345-67-89").as_deref(),
            Some("+79123456789")
        );
        assert_eq!(
            normalize_phone("+375 29 123-45-67").as_deref(),
            Some("+375291234567")
        );
        assert_eq!(format_phone("+79123456789"), "+7 912 345-67-89");
    }

    #[test]
    fn a_contact_is_required() {
        let mut d = good();
        d.email.clear();
        d.phone.clear();
        assert_eq!(
            messages_for(&d, Field::Contact),
            ["Укажите e-mail или телефон: нужен хотя бы один способ связи с читателем."]
        );
        d.phone = "+79123456789".into();
        assert!(validate(&d, today()).is_ok());
    }

    #[test]
    fn consent_is_required() {
        let mut d = good();
        d.consent = false;
        assert_eq!(messages_for(&d, Field::Consent).len(), 1);
    }

    #[test]
    fn child_needs_a_representative() {
        let mut d = good();
        d.birth_date = "01.01.2016".into();
        assert_eq!(messages_for(&d, Field::Representative).len(), 1);
        d.representative = "Иванова Мария Петровна".into();
        let v = validate(&d, today()).unwrap();
        assert_eq!(v.representative.as_deref(), Some("Иванова Мария Петровна"));
    }

    #[test]
    fn card_number_characters() {
        let mut d = good();
        d.card = "12 34".into();
        assert_eq!(messages_for(&d, Field::Card).len(), 1);
        d.card = "КФ-2026/001".into();
        assert!(validate(&d, today()).is_ok());
    }

    #[test]
    fn all_errors_at_once() {
        let d = ReaderDraft::default();
        let errs = validate(&d, today()).unwrap_err();
        let fields: Vec<Field> = errs.iter().map(|e| e.field).collect();
        for f in [
            Field::Surname,
            Field::Name,
            Field::BirthDate,
            Field::Contact,
            Field::Consent,
        ] {
            assert!(fields.contains(&f), "{f:?} missing in {fields:?}");
        }
    }

    #[test]
    fn masks_and_age_groups() {
        assert_eq!(mask_contact("ivanova@mail.ru"), "iv***@mail.ru");
        assert_eq!(mask_contact("+7 912 345-67-89"), "+7 9** ***-**-89");
        let on = today();
        let b = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(AgeGroup::of(b(2012, 1, 1), on), AgeGroup::UpTo14);
        assert_eq!(AgeGroup::of(b(2011, 11, 27), on), AgeGroup::From15To30);
        assert_eq!(AgeGroup::of(b(1995, 11, 29), on), AgeGroup::From15To30);
        assert_eq!(AgeGroup::of(b(1995, 11, 28), on), AgeGroup::From31);
    }
}
