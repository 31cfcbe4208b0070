//! A scenario: the library's rules and money, its readers, fund, extra catalogue books and
//! requests, stated in a TOML or JSON file instead of generated, so that a test (or an
//! administrator trying a policy) can set up a case exactly. The format is documented in
//! `resources/sim/scenario.md`, with a full example in `resources/sim/scenario-example.toml`.
//!
//! Input is bounded: the file at most [`MAX_FILE_BYTES`], at most [`MAX_READERS`] readers,
//! [`MAX_REQUESTS`] requests and [`MAX_BOOKS`] books (catalogue additions, and separately
//! fund entries). Every error says in Russian where (the line, when known) and what to fix.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::Read as _;
use std::path::Path;

use chrono::{DateTime, Duration as ChronoDuration, FixedOffset, NaiveDate};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::rules::{ISSUES_PER_COPY, Rules};
use crate::provider::api::{BookKind, Money, RefusalReason, RequestStatus};
use crate::provider::protocol;

/// Largest scenario file.
pub const MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;
/// Most readers in a scenario.
pub const MAX_READERS: usize = 100_000;
/// Most requests in a scenario.
pub const MAX_REQUESTS: usize = 100_000;
/// Most catalogue additions, and most fund entries, in a scenario.
pub const MAX_BOOKS: usize = 200_000;
/// Most copies of one title in the fund.
pub const MAX_COPIES: u32 = 1_000;
/// Most copies in the whole fund.
pub const MAX_TOTAL_COPIES: u64 = 1_000_000;
/// Longest loan period, in days (also for a reader's own settings).
pub const MAX_LOAN_DAYS: u32 = 90;
/// Largest sum of money a scenario may state, in roubles.
pub const MAX_RUB: f64 = 1_000_000_000.0;
/// Longest text (names, titles, refusal texts), in characters.
pub const MAX_TEXT_CHARS: usize = 1_000;

/// What is wrong with a scenario, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioError {
    /// Line of the file (1-based), when known.
    pub line: Option<usize>,
    /// What to fix, in Russian.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "Сценарий, строка {line}: {}", self.message),
            None => write!(f, "Сценарий: {}", self.message),
        }
    }
}

impl From<ScenarioError> for super::SimError {
    fn from(e: ScenarioError) -> Self {
        super::SimError::Invalid(e.to_string())
    }
}

fn err(line: Option<usize>, message: impl Into<String>) -> ScenarioError {
    ScenarioError {
        line,
        message: message.into(),
    }
}

/// The whole scenario.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default)]
    pub library: LibrarySpec,
    #[serde(default)]
    pub readers: Vec<ReaderSpec>,
    /// Books added to the generated catalogue.
    #[serde(default)]
    pub books: Vec<BookSpec>,
    #[serde(default)]
    pub fund: Vec<FundSpec>,
    #[serde(default)]
    pub requests: Vec<RequestSpec>,
}

/// `[library]`: the rules and the money. A limit left out is no limit, unless `preset`
/// names a preset to start from.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LibrarySpec {
    pub name: Option<String>,
    /// `default`, `vladivostok`, `kemerovo` or `tatarstan`.
    pub preset: Option<String>,
    /// Money left, ₽ (kopecks allowed: `15000.50`).
    #[serde(default, deserialize_with = "opt_money")]
    pub money: Option<Money>,
    pub max_on_hand: Option<u32>,
    /// The library's default loan period, days.
    pub loan_days: Option<u32>,
    /// Highest price the library pays for one book, ₽.
    #[serde(default, deserialize_with = "opt_money")]
    pub price_cap: Option<Money>,
    pub copies_per_title: Option<u32>,
    /// Purchases for one reader in one calendar month.
    pub purchases_per_reader_month: Option<u32>,
    pub age_check: Option<bool>,
    pub licence_days: Option<u32>,
    /// Books in the generated catalogue (0: only the scenario's `[[books]]`).
    pub generated_books: Option<usize>,
    /// Seed of the generated catalogue.
    pub seed: Option<u64>,
}

/// `[[readers]]`: a reader card at the provider.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReaderSpec {
    /// The card number (the reader's provider login).
    #[serde(alias = "login")]
    pub card: String,
    pub name: String,
    #[serde(deserialize_with = "date")]
    pub birth_date: NaiveDate,
    #[serde(alias = "mail")]
    pub email: Option<String>,
    pub phone: Option<String>,
    /// When the card was made (default: the reader's first request, or now).
    #[serde(default, deserialize_with = "opt_date")]
    pub registered: Option<NaiveDate>,
    pub loan_days: Option<u32>,
    #[serde(default, deserialize_with = "opt_money")]
    pub self_price_cap: Option<Money>,
    pub self_purchases: Option<u32>,
    #[serde(skip)]
    pub line: Option<usize>,
}

/// `kind` of a book.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KindSpec {
    #[default]
    #[serde(alias = "e-book")]
    Ebook,
    #[serde(alias = "audiobook")]
    Audio,
}

impl KindSpec {
    pub fn kind(self) -> BookKind {
        match self {
            KindSpec::Ebook => BookKind::Ebook,
            KindSpec::Audio => BookKind::Audio,
        }
    }
}

/// `[[books]]`: a book added to the catalogue.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookSpec {
    pub art: u64,
    pub title: String,
    #[serde(default)]
    pub authors: String,
    #[serde(default)]
    pub genre: String,
    #[serde(default)]
    pub kind: KindSpec,
    /// ₽; required unless `free`.
    #[serde(default, deserialize_with = "opt_money")]
    pub price: Option<Money>,
    #[serde(default)]
    pub age_rating: u8,
    /// 0–5, one decimal.
    pub rating: Option<f64>,
    pub reviews: Option<u32>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub samizdat: bool,
    #[serde(default)]
    pub free: bool,
    /// The publisher's annotation.
    pub annotation: Option<String>,
    #[serde(skip)]
    pub line: Option<usize>,
}

/// `[[fund]]`: copies of a title the library holds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundSpec {
    pub art: u64,
    pub copies: u32,
    /// Issues so far of each copy (fewer numbers than copies: the rest have 0).
    #[serde(default)]
    pub issues: Vec<u32>,
    /// When the copies were bought (the licence runs from then; default: today).
    #[serde(default, deserialize_with = "opt_date")]
    pub bought: Option<NaiveDate>,
    #[serde(skip)]
    pub line: Option<usize>,
}

/// `state` of a request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StateSpec {
    #[default]
    Pending,
    Issued,
    Refused,
    Cancelled,
}

impl StateSpec {
    pub fn status(self) -> RequestStatus {
        match self {
            StateSpec::Pending => RequestStatus::Pending,
            StateSpec::Issued => RequestStatus::Issued,
            StateSpec::Refused => RequestStatus::Refused,
            StateSpec::Cancelled => RequestStatus::Cancelled,
        }
    }
}

/// Who paid for the copy an issued request got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BuyerSpec {
    Library,
    Reader,
}

impl BuyerSpec {
    pub fn code(self) -> &'static str {
        match self {
            BuyerSpec::Library => "library",
            BuyerSpec::Reader => "reader",
        }
    }
}

/// `[[requests]]`: a reader's request.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    pub card: String,
    pub art: u64,
    /// When the reader asked (default: now).
    #[serde(default, deserialize_with = "opt_time")]
    pub created_at: Option<DateTime<FixedOffset>>,
    /// Or: how many hours ago the reader asked.
    pub hours_ago: Option<f64>,
    #[serde(default)]
    pub state: StateSpec,
    /// For `refused`: the reason code (default `other`).
    pub reason: Option<String>,
    /// For `refused`: the text the reader got.
    pub refusal: Option<String>,
    /// For `issued`: bought into the fund for this request, by `library` or `reader`.
    pub bought_by: Option<BuyerSpec>,
    /// For `issued`: issued from the reader's card without the reader asking.
    #[serde(default)]
    pub direct: bool,
    #[serde(skip)]
    pub line: Option<usize>,
}

impl RequestSpec {
    /// When the request was made, given the simulator's `now`.
    pub fn created(&self, now: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
        match (self.created_at, self.hours_ago) {
            (Some(t), _) => t,
            (None, Some(h)) => now - ChronoDuration::seconds((h * 3600.0).round() as i64),
            (None, None) => now,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Field deserialisers with Russian errors
// ---------------------------------------------------------------------------------------

/// A date or timestamp as a string, or a TOML date/datetime, as text.
struct TextOrTomlDate;

impl<'de> Visitor<'de> for TextOrTomlDate {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("дата ГГГГ-ММ-ДД")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<String, A::Error> {
        let dt = toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(dt.to_string())
    }
}

fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let s = d.deserialize_any(TextOrTomlDate)?;
    parse_date(&s).map_err(de::Error::custom)
}

fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    date(d).map(Some)
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let s = s.trim();
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        format!("дата «{s}» не в формате ГГГГ-ММ-ДД или такого дня нет (пример: 1980-05-05)")
    })?;
    let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN);
    if d < earliest {
        return Err(format!("дата «{s}» раньше 1900 года"));
    }
    Ok(d)
}

fn opt_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
    let s = d.deserialize_any(TextOrTomlDate)?;
    let t = protocol::parse_time(&s).ok_or_else(|| {
        de::Error::custom(format!(
            "время «{}» не в формате ГГГГ-ММ-ДДTЧЧ:ММ:СС+03:00 \
             (или «ГГГГ-ММ-ДД ЧЧ:ММ:СС», московское время)",
            s.trim()
        ))
    })?;
    Ok(Some(t))
}

struct MoneyVisitor;

impl<'de> Visitor<'de> for MoneyVisitor {
    type Value = Money;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("сумма в рублях")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Money, E> {
        self.visit_f64(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Money, E> {
        self.visit_f64(v as f64)
    }

    fn visit_f64<E: de::Error>(self, rub: f64) -> Result<Money, E> {
        if !rub.is_finite() || rub < 0.0 {
            return Err(E::custom(format!(
                "сумма {rub} ₽ не может быть отрицательной"
            )));
        }
        if rub > MAX_RUB {
            return Err(E::custom(format!("сумма {rub} ₽ больше миллиарда рублей")));
        }
        let kopecks = rub * 100.0;
        if (kopecks - kopecks.round()).abs() > 1e-6 {
            return Err(E::custom(format!(
                "в сумме {rub} ₽ больше двух знаков после запятой"
            )));
        }
        Ok(Money(kopecks.round() as i64))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Money, E> {
        let rub: f64 = s
            .trim()
            .trim_end_matches('₽')
            .trim()
            .replace(',', ".")
            .replace(' ', "")
            .parse()
            .map_err(|_| E::custom(format!("«{s}» — не сумма в рублях (пример: 349.50)")))?;
        self.visit_f64(rub)
    }
}

fn opt_money<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Money>, D::Error> {
    d.deserialize_any(MoneyVisitor).map(Some)
}

// ---------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------

/// The tables of a scenario, as they are named in the file, with what one entry is
/// called in messages.
const TABLES: &[(&str, &str, &str)] = &[
    // (table, "у …" subject, "… №N" entry name)
    ("library", "в разделе [library]", "раздел"),
    ("readers", "у читателя", "читатель"),
    ("books", "у книги", "книга"),
    ("fund", "у записи фонда", "запись фонда"),
    ("requests", "у запроса", "запрос"),
];

/// What a missing field is called («у читателя нет даты рождения»).
fn field_genitive(field: &str) -> Option<&'static str> {
    Some(match field {
        "card" => "номера карты (card)",
        "name" => "ФИО (name)",
        "birth_date" => "даты рождения (birth_date = ГГГГ-ММ-ДД)",
        "art" => "номера книги (art)",
        "title" => "названия (title)",
        "copies" => "числа экземпляров (copies)",
        _ => return None,
    })
}

/// English type names of serde's messages, in Russian.
fn russian_type(t: &str) -> String {
    let t = t.trim();
    match t {
        "u8" | "u16" | "u32" | "u64" | "usize" => "целое неотрицательное число".into(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "целое число".into(),
        "f32" | "f64" => "число".into(),
        "a boolean" => "true или false".into(),
        "a string" => "строка в кавычках".into(),
        "a sequence" => "список [ … ]".into(),
        "a map" => "таблица".into(),
        _ => t.replace("string", "строка").replace("integer", "число"),
    }
}

/// Serde's and the parsers' English messages, in Russian (ours are passed through).
fn russian(msg: &str, table: Option<&str>) -> String {
    let msg = msg.trim();
    let quoted = |s: &str| -> Vec<String> {
        s.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    let subject = table.and_then(|t| TABLES.iter().find(|(n, _, _)| *n == t).map(|x| x.1));
    if let Some(rest) = msg.strip_prefix("missing field ") {
        let field = quoted(rest).into_iter().next().unwrap_or_default();
        return match (subject, field_genitive(&field)) {
            (Some(s), Some(what)) => format!("{s} нет {what}"),
            (Some(s), None) => format!("{s} нет обязательного поля «{field}»"),
            (None, Some(what)) => format!("нет {what}"),
            (None, None) => format!("нет обязательного поля «{field}»"),
        };
    }
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let mut q = quoted(rest).into_iter();
        let field = q.next().unwrap_or_default();
        let known: Vec<String> = q.collect();
        let place = subject.map(|s| format!(" {s}")).unwrap_or_default();
        return if known.is_empty() {
            format!("неизвестное поле «{field}»{place}: уберите его")
        } else {
            format!(
                "неизвестное поле «{field}»{place}: уберите его или исправьте; допустимы: {}",
                known.join(", ")
            )
        };
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        let mut q = quoted(rest).into_iter();
        let value = q.next().unwrap_or_default();
        let known: Vec<String> = q.collect();
        return format!(
            "неизвестное значение «{value}»; допустимы: {}",
            known.join(", ")
        );
    }
    if let Some(rest) = msg.strip_prefix("invalid type: ")
        && let Some((got, want)) = rest.split_once(", expected ")
    {
        return format!(
            "неверный тип значения: ожидалось {}, а записано {}",
            russian_type(want),
            russian_type(got)
        );
    }
    if let Some(rest) = msg.strip_prefix("invalid value: ")
        && let Some((got, want)) = rest.split_once(", expected ")
    {
        return format!(
            "недопустимое значение {}: ожидалось {}",
            got.replace('`', ""),
            russian_type(want)
        );
    }
    if msg.starts_with("duplicate key") || msg.starts_with("duplicate field") {
        return format!("поле или таблица записаны дважды ({msg})");
    }
    if msg
        .chars()
        .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap_or(c)))
    {
        return msg.to_string();
    }
    format!("файл не разобран: {msg}")
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The table header (`[x]` or `[[x]]`) a line of a TOML text is under.
fn toml_table_at(text: &str, line: usize) -> Option<String> {
    text.lines()
        .take(line)
        .filter_map(toml_header)
        .last()
        .map(|(name, _)| name)
}

/// `[[name]]` → (name, true); `[name]` → (name, false).
fn toml_header(line: &str) -> Option<(String, bool)> {
    let l = line.trim();
    let l = l.split('#').next().unwrap_or(l).trim();
    if let Some(inner) = l.strip_prefix("[[").and_then(|x| x.strip_suffix("]]")) {
        return Some((inner.trim().to_string(), true));
    }
    l.strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .map(|inner| (inner.trim().to_string(), false))
}

/// Lines of the `[[table]]` headers, in order.
fn toml_entry_lines(text: &str) -> HashMap<String, Vec<usize>> {
    let mut out: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        if let Some((name, true)) = toml_header(line) {
            out.entry(name).or_default().push(i + 1);
        }
    }
    out
}

fn set_lines<T>(items: &mut [T], lines: Option<&Vec<usize>>, set: impl Fn(&mut T, usize)) {
    if let Some(lines) = lines
        && lines.len() == items.len()
    {
        for (item, &line) in items.iter_mut().zip(lines) {
            set(item, line);
        }
    }
}

fn check_size(len: usize) -> Result<(), ScenarioError> {
    if len as u64 > MAX_FILE_BYTES {
        return Err(err(
            None,
            format!(
                "файл слишком большой ({:.1} МБ, можно не больше {} МБ): \
                 уберите лишнее или разделите сценарий",
                len as f64 / (1024.0 * 1024.0),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        ));
    }
    Ok(())
}

impl Scenario {
    /// Reads a scenario file: `.toml` or `.json` by its extension.
    pub fn from_path(path: &Path) -> Result<Scenario, ScenarioError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let json = match ext.as_deref() {
            Some("toml") => false,
            Some("json") => true,
            _ => {
                return Err(err(
                    None,
                    format!(
                        "{}: нужен файл .toml или .json (формат выбирается по расширению)",
                        path.display()
                    ),
                ));
            }
        };
        let file = std::fs::File::open(path)
            .map_err(|e| err(None, format!("не удалось открыть {}: {e}", path.display())))?;
        if let Ok(meta) = file.metadata() {
            check_size(usize::try_from(meta.len()).unwrap_or(usize::MAX))?;
        }
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                err(
                    None,
                    format!("не удалось прочитать {}: {e}", path.display()),
                )
            })?;
        check_size(bytes.len())?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let line = line_of(
                &String::from_utf8_lossy(&e.as_bytes()[..e.utf8_error().valid_up_to()]),
                usize::MAX,
            );
            err(
                Some(line),
                "файл не в кодировке UTF-8: сохраните его в UTF-8",
            )
        })?;
        if json {
            Scenario::from_json_str(&text)
        } else {
            Scenario::from_toml_str(&text)
        }
    }

    /// Parses and checks a TOML scenario.
    pub fn from_toml_str(text: &str) -> Result<Scenario, ScenarioError> {
        check_size(text.len())?;
        let mut sc: Scenario = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            let table = line.and_then(|l| toml_table_at(text, l));
            err(line, russian(e.message(), table.as_deref()))
        })?;
        let lines = toml_entry_lines(text);
        set_lines(&mut sc.readers, lines.get("readers"), |x, l| {
            x.line = Some(l)
        });
        set_lines(&mut sc.books, lines.get("books"), |x, l| x.line = Some(l));
        set_lines(&mut sc.fund, lines.get("fund"), |x, l| x.line = Some(l));
        set_lines(&mut sc.requests, lines.get("requests"), |x, l| {
            x.line = Some(l)
        });
        sc.check()?;
        Ok(sc)
    }

    /// Parses and checks a JSON scenario (the same fields as TOML).
    pub fn from_json_str(text: &str) -> Result<Scenario, ScenarioError> {
        check_size(text.len())?;
        let sc: Scenario = serde_json::from_str(text).map_err(|e| {
            let full = e.to_string();
            let msg = full
                .rsplit_once(" at line ")
                .map_or(full.as_str(), |(m, _)| m);
            let line = (e.line() > 0).then_some(e.line());
            let msg = if e.is_syntax() || e.is_eof() {
                format!("JSON не разобран: {msg}")
            } else {
                russian(msg, None)
            };
            err(line, msg)
        })?;
        sc.check()?;
        Ok(sc)
    }

    /// The lending rules the scenario states (a preset, then its own values).
    pub fn rules(&self) -> Rules {
        let l = &self.library;
        let base = l
            .preset
            .as_deref()
            .and_then(Rules::preset)
            .unwrap_or_else(|| Rules {
                name: "scenario".to_string(),
                max_on_hand: None,
                price_cap: None,
                copies_per_title: None,
                purchases_per_reader_month: None,
                ..Rules::default()
            });
        Rules {
            name: match &l.preset {
                Some(p) => format!("scenario ({p})"),
                None => "scenario".to_string(),
            },
            max_on_hand: l.max_on_hand.or(base.max_on_hand),
            loan_days: l.loan_days.unwrap_or(base.loan_days),
            price_cap: l.price_cap.or(base.price_cap),
            copies_per_title: l.copies_per_title.or(base.copies_per_title),
            purchases_per_reader_month: l
                .purchases_per_reader_month
                .or(base.purchases_per_reader_month),
            money: l.money.unwrap_or(base.money),
            age_check: l.age_check.unwrap_or(base.age_check),
            licence_days: l.licence_days.unwrap_or(base.licence_days),
        }
    }

    /// Checks what can be checked without the simulator: bounds, values, references
    /// between the scenario's own tables. (Arts of the generated catalogue and times
    /// against the clock are checked when the scenario is applied.)
    pub fn check(&self) -> Result<(), ScenarioError> {
        self.check_library()?;
        if self.readers.len() > MAX_READERS {
            return Err(err(
                None,
                format!(
                    "читателей {} — больше {MAX_READERS}: уменьшите список [[readers]]",
                    self.readers.len()
                ),
            ));
        }
        if self.requests.len() > MAX_REQUESTS {
            return Err(err(
                None,
                format!(
                    "запросов {} — больше {MAX_REQUESTS}: уменьшите список [[requests]]",
                    self.requests.len()
                ),
            ));
        }
        for (what, n) in [
            ("[[books]]", self.books.len()),
            ("[[fund]]", self.fund.len()),
        ] {
            if n > MAX_BOOKS {
                return Err(err(
                    None,
                    format!("в списке {what} {n} записей — больше {MAX_BOOKS}: уменьшите его"),
                ));
            }
        }
        let mut cards: HashSet<&str> = HashSet::new();
        for (i, r) in self.readers.iter().enumerate() {
            let at = |m: String| err(r.line, format!("читатель №{}: {m}", i + 1));
            let card = r.card.trim();
            if card.is_empty() || card.chars().count() > 64 {
                return Err(at("номер карты (card) пуст или длиннее 64 знаков".into()));
            }
            if !cards.insert(card) {
                return Err(at(format!(
                    "карта «{card}» уже есть у другого читателя: номера карт не повторяются"
                )));
            }
            if r.name.trim().is_empty() {
                return Err(at("ФИО (name) пустое".into()));
            }
            text_len(&r.name, "ФИО").map_err(at)?;
            if r.email.is_none() && r.phone.is_none() {
                return Err(at(
                    "нет ни e-mail (email), ни телефона (phone): укажите хотя бы одно".into(),
                ));
            }
            if let Some(m) = &r.email
                && !super::state::mail_ok(m)
            {
                return Err(at(format!("e-mail «{m}» записан неверно")));
            }
            if let Some(p) = &r.phone
                && !super::state::phone_ok(p)
            {
                return Err(at(format!(
                    "телефон «{p}» записан неверно (10–15 цифр, например +79141234567)"
                )));
            }
            if let Some(d) = r.loan_days
                && !(1..=MAX_LOAN_DAYS).contains(&d)
            {
                return Err(at(format!(
                    "срок выдачи loan_days = {d}: допустимо от 1 до {MAX_LOAN_DAYS} дней"
                )));
            }
            if r.self_purchases.is_some_and(|n| n > 100) {
                return Err(at("self_purchases больше 100 в месяц".into()));
            }
            if r.registered.is_some_and(|d| d < r.birth_date) {
                return Err(at(
                    "дата регистрации (registered) раньше даты рождения".into()
                ));
            }
        }
        let mut arts: HashSet<u64> = HashSet::new();
        for (i, b) in self.books.iter().enumerate() {
            let at = |m: String| err(b.line, format!("книга №{} (art {}): {m}", i + 1, b.art));
            if b.art == 0 {
                return Err(at("номер книги art должен быть больше 0".into()));
            }
            if !arts.insert(b.art) {
                return Err(at(
                    "такой art уже есть в [[books]]: номера книг не повторяются".into(),
                ));
            }
            if b.title.trim().is_empty() {
                return Err(at("название (title) пустое".into()));
            }
            text_len(&b.title, "название").map_err(at)?;
            text_len(&b.authors, "авторы").map_err(at)?;
            text_len(&b.genre, "жанр").map_err(at)?;
            if let Some(a) = &b.annotation {
                text_len(a, "аннотация").map_err(at)?;
            }
            if ![0, 6, 12, 16, 18].contains(&b.age_rating) {
                return Err(at(format!(
                    "возрастная маркировка age_rating = {}: допустимы 0, 6, 12, 16, 18",
                    b.age_rating
                )));
            }
            if let Some(r) = b.rating
                && !(r.is_finite() && (0.0..=5.0).contains(&r))
            {
                return Err(at(format!("рейтинг rating = {r}: допустимо от 0 до 5")));
            }
            match (b.free, b.price) {
                (false, None) => {
                    return Err(at(
                        "нет цены (price, ₽): укажите её или отметьте книгу бесплатной (free = true)"
                            .into(),
                    ));
                }
                (true, Some(p)) if p.0 != 0 => {
                    return Err(at(format!(
                        "бесплатная книга (free = true) не может стоить {p}: уберите price или free"
                    )));
                }
                _ => {}
            }
        }
        let mut held: HashSet<u64> = HashSet::new();
        let mut total_copies = 0u64;
        for (i, f) in self.fund.iter().enumerate() {
            let at = |m: String| {
                err(
                    f.line,
                    format!("запись фонда №{} (art {}): {m}", i + 1, f.art),
                )
            };
            if !held.insert(f.art) {
                return Err(at(
                    "эта книга уже есть в [[fund]]: сложите экземпляры в одну запись".into(),
                ));
            }
            if f.copies == 0 || f.copies > MAX_COPIES {
                return Err(at(format!(
                    "экземпляров copies = {}: допустимо от 1 до {MAX_COPIES}",
                    f.copies
                )));
            }
            total_copies += u64::from(f.copies);
            if f.issues.len() > f.copies as usize {
                return Err(at(format!(
                    "в issues {} чисел, а экземпляров {}: по одному числу на экземпляр",
                    f.issues.len(),
                    f.copies
                )));
            }
            if let Some(n) = f.issues.iter().find(|&&n| n >= ISSUES_PER_COPY) {
                return Err(at(format!(
                    "выдач экземпляра {n}: экземпляр уходит из фонда на {ISSUES_PER_COPY}-й \
                     выдаче, поэтому допустимо от 0 до {}",
                    ISSUES_PER_COPY - 1
                )));
            }
        }
        if total_copies > MAX_TOTAL_COPIES {
            return Err(err(
                None,
                format!("в фонде {total_copies} экземпляров — больше {MAX_TOTAL_COPIES}"),
            ));
        }
        for (i, r) in self.requests.iter().enumerate() {
            let at = |m: String| err(r.line, format!("запрос №{}: {m}", i + 1));
            if !cards.contains(r.card.trim()) {
                return Err(at(format!(
                    "читателя с картой «{}» нет в [[readers]]: добавьте его или исправьте card",
                    r.card
                )));
            }
            if r.created_at.is_some() && r.hours_ago.is_some() {
                return Err(at(
                    "указаны и created_at, и hours_ago: оставьте что-то одно".into(),
                ));
            }
            if let Some(h) = r.hours_ago
                && !(h.is_finite() && (0.0..=24.0 * 366.0 * 10.0).contains(&h))
            {
                return Err(at(format!(
                    "hours_ago = {h}: допустимо от 0 до 87840 часов (10 лет)"
                )));
            }
            let refused = r.state == StateSpec::Refused;
            if r.reason.is_some() && !refused {
                return Err(at(
                    "причина (reason) бывает только у отказа (state = \"refused\")".into(),
                ));
            }
            match (&r.refusal, refused) {
                (None, true) => {
                    return Err(at(
                        "у отказа нет текста (refusal): читатель должен узнать причину".into(),
                    ));
                }
                (Some(t), true) => {
                    if t.trim().is_empty() {
                        return Err(at("текст отказа (refusal) пустой".into()));
                    }
                    text_len(t, "текст отказа").map_err(at)?;
                }
                (Some(_), false) => {
                    return Err(at(
                        "текст отказа (refusal) бывает только у отказа (state = \"refused\")"
                            .into(),
                    ));
                }
                (None, false) => {}
            }
            if let Some(code) = &r.reason
                && !RefusalReason::ALL.iter().any(|x| x.code() == code)
            {
                let known: Vec<&str> = RefusalReason::ALL.iter().map(|x| x.code()).collect();
                return Err(at(format!(
                    "неизвестная причина отказа «{code}»; допустимы: {}",
                    known.join(", ")
                )));
            }
            let issued = r.state == StateSpec::Issued;
            if r.bought_by.is_some() && !issued {
                return Err(at(
                    "bought_by бывает только у выданного запроса (state = \"issued\")".into(),
                ));
            }
            if r.direct && !issued {
                return Err(at(
                    "direct бывает только у выданного запроса (state = \"issued\")".into(),
                ));
            }
        }
        Ok(())
    }

    fn check_library(&self) -> Result<(), ScenarioError> {
        let l = &self.library;
        let at = |m: String| err(None, format!("[library]: {m}"));
        if let Some(p) = &l.preset
            && Rules::preset(p).is_none()
        {
            return Err(at(format!(
                "неизвестный набор правил preset = «{p}»; есть: {}",
                super::rules::PRESETS.join(", ")
            )));
        }
        if let Some(d) = l.loan_days
            && !(1..=MAX_LOAN_DAYS).contains(&d)
        {
            return Err(at(format!(
                "срок выдачи loan_days = {d}: допустимо от 1 до {MAX_LOAN_DAYS} дней"
            )));
        }
        if l.licence_days.is_some_and(|d| !(1..=3660).contains(&d)) {
            return Err(at("licence_days: допустимо от 1 до 3660 дней".into()));
        }
        if l.generated_books.is_some_and(|n| n > MAX_BOOKS) {
            return Err(at(format!("generated_books больше {MAX_BOOKS}")));
        }
        if let Some(n) = &l.name {
            if n.trim().is_empty() {
                return Err(at("название библиотеки (name) пустое".into()));
            }
            text_len(n, "название библиотеки").map_err(at)?;
        }
        Ok(())
    }
}

fn text_len(s: &str, what: &str) -> Result<(), String> {
    let n = s.chars().count();
    if n > MAX_TEXT_CHARS {
        return Err(format!(
            "{what}: {n} знаков — длиннее {MAX_TEXT_CHARS}: сократите"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
