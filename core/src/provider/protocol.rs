//! CataLit v2 wire protocol: the request envelope, its signature, the response envelope
//! and the table of error codes.
//!
//! Facts (see `shared/research/litres-api.md` §1): one HTTPS POST to `<base>/catalitv2`,
//! form field `jdata` (application/x-www-form-urlencoded) holding
//! `{app, sid, time, sha, requests:[{func, id, param}]}`; `sha` is the lowercase hex SHA-256
//! of `time + secret`; `time` is ISO 8601 with an explicit `±HH:MM` offset and must be within
//! ±10 minutes of the server's clock. The answer is gzip-compressed JSON with a top-level
//! `success`, `time`, and one object per request `id`; a whole-request failure is
//! `{success:false, error_code, error_message, …}` (captcha adds `captcha_url`).
//!
//! Everything here is pure (no I/O) so the client and the simulator share it.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Path of the single endpoint, appended to the configured base URL.
pub const ENDPOINT_PATH: &str = "/catalitv2";
/// Name of the form field that carries the JSON envelope.
pub const FORM_FIELD: &str = "jdata";
/// Largest outgoing JSON envelope the provider accepts (1 MiB).
pub const MAX_REQUEST_JSON: usize = 1024 * 1024;
/// Response size the client keeps each page under when paging: 1 MiB **on the wire**, i.e.
/// the gzip-compressed bytes actually transferred. This is our reading of the documented
/// "1 MiB a call" limit: answers are documented as gzip-compressed, so what a call costs is
/// its transfer; the decoded JSON of a page is several times larger. The outgoing JSON stays
/// ≤ [`MAX_REQUEST_JSON`] as before.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// Allowed difference between the client's `time` and the server's clock.
pub const TIME_WINDOW_MINUTES: i64 = 10;
/// `time` format: ISO 8601 with seconds and an explicit `±HH:MM` offset.
pub const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%:z";

/// One function call inside the envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub func: String,
    pub id: String,
    #[serde(default)]
    pub param: Value,
}

impl Call {
    pub fn new(func: &str, id: impl Into<String>, param: Value) -> Self {
        Call {
            func: func.to_string(),
            id: id.into(),
            param,
        }
    }

    /// `w_*` functions change state on the server; `r_*` only read.
    pub fn is_write(&self) -> bool {
        is_write_func(&self.func)
    }
}

/// True for state-changing (`w_*`) function names.
pub fn is_write_func(func: &str) -> bool {
    func.starts_with("w_")
}

/// The request envelope. `sid` is omitted for calls made before a session exists
/// (`w_create_sid`).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub app: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub time: String,
    pub sha: String,
    pub requests: Vec<Call>,
}

impl std::fmt::Debug for Envelope {
    // The sid is a bearer credential: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Envelope")
            .field("app", &self.app)
            .field("sid", &self.sid.as_ref().map(|_| "***"))
            .field("time", &self.time)
            .field(
                "requests",
                &self.requests.iter().map(|c| &c.func).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Envelope {
    /// Builds and signs an envelope for `now`.
    pub fn signed(
        app: &str,
        secret: &str,
        sid: Option<&str>,
        now: DateTime<FixedOffset>,
        requests: Vec<Call>,
    ) -> Self {
        let time = format_time(now);
        let sha = sign(&time, secret);
        Envelope {
            app: app.to_string(),
            sid: sid.map(str::to_string),
            time,
            sha,
            requests,
        }
    }

    /// True if the envelope has any `w_*` call.
    pub fn has_write(&self) -> bool {
        self.requests.iter().any(Call::is_write)
    }
}

/// `sha` = lowercase hex SHA-256 of `time + secret`.
pub fn sign(time: &str, secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(time.as_bytes());
    h.update(secret.as_bytes());
    hex::encode(h.finalize())
}

/// Constant-time comparison of two signatures (both hex strings).
pub fn signature_matches(expected: &str, given: &str) -> bool {
    let (a, b) = (expected.as_bytes(), given.to_ascii_lowercase().into_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// Formats a timestamp as the protocol wants it: `2014-11-07T16:21:02+03:00`.
pub fn format_time<Tz: TimeZone>(t: DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    t.format(TIME_FORMAT).to_string()
}

/// Parses a protocol timestamp. Accepts RFC 3339 and, defensively, the
/// `YYYY-MM-DD HH:MM:SS` form (taken as Moscow time, +03:00) that older CataLit
/// answers use.
pub fn parse_time(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t);
    }
    if let Ok(t) = DateTime::parse_from_str(s, TIME_FORMAT) {
        return Some(t);
    }
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    moscow().from_local_datetime(&naive).single()
}

/// Parses a `YYYY-MM-DD` date (a timestamp is accepted too and cut to its date).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .or_else(|| parse_time(s).map(|t| t.date_naive()))
}

/// UTC+03:00, the provider's own zone (checked at compile time).
const MSK: FixedOffset = match FixedOffset::east_opt(3 * 3600) {
    Some(o) => o,
    None => panic!("+03:00 is a valid offset"),
};

/// UTC+03:00, the provider's own zone.
pub fn moscow() -> FixedOffset {
    MSK
}

/// Serialises the envelope to JSON (the size the 1 MiB limit applies to).
pub fn envelope_json(env: &Envelope) -> Result<String, serde_json::Error> {
    serde_json::to_string(env)
}

/// Encodes the form body `jdata=<urlencoded json>`.
pub fn form_body(json: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair(FORM_FIELD, json)
        .finish()
}

/// Extracts the `jdata` field from a form body.
pub fn jdata_from_form(body: &[u8]) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == FORM_FIELD)
        .map(|(_, v)| v.into_owned())
}

/// A whole-request rejection: `{success:false, error_code, error_message, captcha_url?}`.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvelopeError {
    pub code: u32,
    pub message: String,
    pub captcha_url: Option<String>,
}

/// One answer inside a successful envelope: `{success, …data}` or
/// `{success:false, error_code, error_message}`.
#[derive(Debug, Clone, PartialEq)]
pub struct CallResult {
    /// `None` when the answer has no usable `success`: it cannot be told whether the call
    /// ran, so it is neither a result nor a refusal (a write stays in doubt).
    pub success: Option<bool>,
    pub error_code: Option<u32>,
    pub error_message: Option<String>,
    /// The whole object, data fields included.
    pub data: Value,
}

impl CallResult {
    pub fn from_value(v: Value) -> Self {
        let success = v.get("success").and_then(lenient_bool);
        let error_code = v.get("error_code").and_then(lenient_u32);
        let error_message = v
            .get("error_message")
            .and_then(Value::as_str)
            .map(str::to_string);
        CallResult {
            success,
            error_code,
            error_message,
            data: v,
        }
    }
}

/// A parsed response envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseEnvelope {
    /// `None` when the envelope has no usable `success`: an answer that cannot be understood
    /// (neither accepted nor rejected).
    pub success: Option<bool>,
    pub time: Option<String>,
    /// Set when the whole request was rejected (`success:false`).
    pub error: Option<EnvelopeError>,
    /// Per-id answers (every top-level key that holds an object).
    pub results: Map<String, Value>,
}

impl ResponseEnvelope {
    /// Parses a response. `Err` means the body is not a JSON object at all.
    pub fn parse(body: &[u8]) -> Result<Self, String> {
        let v: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        let Value::Object(mut map) = v else {
            return Err("top level is not a JSON object".to_string());
        };
        let success = map.remove("success").as_ref().and_then(lenient_bool);
        let time = map
            .remove("time")
            .and_then(|t| t.as_str().map(str::to_string));
        let code = map.remove("error_code").as_ref().and_then(lenient_u32);
        let message = map
            .remove("error_message")
            .and_then(|m| m.as_str().map(str::to_string))
            .unwrap_or_default();
        let captcha_url = map
            .remove("captcha_url")
            .and_then(|u| u.as_str().map(str::to_string));
        // Only an explicit `success:false` is a rejection (without a code still one; 0 marks
        // "unknown"). Without `success` the answer says nothing either way.
        let error = (success == Some(false)).then(|| EnvelopeError {
            code: code.unwrap_or(0),
            message,
            captcha_url,
        });
        let results = map.into_iter().filter(|(_, v)| v.is_object()).collect();
        Ok(ResponseEnvelope {
            success,
            time,
            error,
            results,
        })
    }

    /// The answer for one request id.
    pub fn result(&self, id: &str) -> Option<CallResult> {
        self.results.get(id).cloned().map(CallResult::from_value)
    }
}

fn lenient_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        Value::String(s) => match s.as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn lenient_u32(v: &Value) -> Option<u32> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Builds the JSON of a whole-request rejection (used by the simulator).
pub fn envelope_error_json(time: &str, code: u32, extra: &[(&str, Value)]) -> Value {
    let mut m = Map::new();
    m.insert("success".into(), Value::Bool(false));
    m.insert("time".into(), Value::String(time.to_string()));
    m.insert("error_code".into(), Value::from(code));
    m.insert(
        "error_message".into(),
        Value::String(codes::message_en(code).to_string()),
    );
    for (k, v) in extra {
        m.insert((*k).to_string(), v.clone());
    }
    Value::Object(m)
}

/// Builds a per-id error object (used by the simulator).
pub fn call_error_json(code: u32) -> Value {
    serde_json::json!({
        "success": false,
        "error_code": code,
        "error_message": codes::message_en(code),
    })
}

/// Error codes. Six-digit `101xxx` like the real CataLit codes.
///
/// Only 101000 (invalid session) and 101028 (captcha) are taken from LitRes material.
/// **Every other code below is our own invention** (the real tables for the library
/// functions are not public, and the undocumented functions themselves are ours): the
/// simulator answers with them and the client maps them to Russian text. When the real
/// tables are obtained, change the numbers here; nothing else refers to the numbers.
pub mod codes {
    /// Session id unknown or expired (whole-request rejection). [LitRes]
    pub const INVALID_SESSION: u32 = 101000;
    /// Too many requests: a captcha must be solved (whole-request rejection, carries
    /// `captcha_url`). [LitRes]
    pub const CAPTCHA: u32 = 101028;

    // --- envelope level (ours) ---
    /// `time` is more than ±10 minutes away from the server's clock. [ours]
    pub const TIME_OUT_OF_WINDOW: u32 = 101010;
    /// `sha` does not match `time + secret`. [ours]
    pub const BAD_SIGNATURE: u32 = 101011;
    /// `app` unknown or not allowed to use the library API. [ours]
    pub const UNKNOWN_APP: u32 = 101012;
    /// No `jdata`, not JSON, or an envelope field missing. [ours]
    pub const MALFORMED_REQUEST: u32 = 101013;
    /// `jdata` larger than 1 MiB. [ours]
    pub const REQUEST_TOO_LARGE: u32 = 101014;
    /// Calls arrive faster than the allowed pace. [ours]
    pub const RATE_LIMITED: u32 = 101015;
    /// Unknown `func`. [ours]
    pub const UNKNOWN_FUNCTION: u32 = 101016;
    /// Not run because an earlier `w_` call of the same batch failed. [ours]
    pub const ABORTED_BY_FAILED_WRITE: u32 = 101017;
    /// A parameter is missing or has the wrong type. [ours]
    pub const INVALID_PARAM: u32 = 101018;
    /// `w_create_sid`: wrong login or password. [ours]
    pub const BAD_CREDENTIALS: u32 = 101019;
    /// The call needs a session (no `sid` given). [ours]
    pub const SESSION_REQUIRED: u32 = 101020;

    // --- reader cards (documented functions, undocumented codes: ours) ---
    /// `libhouse` unknown or not one of this application's libraries. [ours]
    pub const UNKNOWN_LIBHOUSE: u32 = 101801;
    /// `name` empty. [ours]
    pub const NAME_MISSING: u32 = 101802;
    /// `birth_date` is not a `YYYY-MM-DD` date. [ours]
    pub const BIRTH_DATE_INVALID: u32 = 101803;
    /// `birth_date` less than 3 years before today. [ours]
    pub const BIRTH_DATE_TOO_RECENT: u32 = 101804;
    /// Neither `mail` nor `phone`. [ours]
    pub const CONTACT_MISSING: u32 = 101805;
    /// `mail` malformed. [ours]
    pub const MAIL_MALFORMED: u32 = 101806;
    /// `phone` malformed. [ours]
    pub const PHONE_MALFORMED: u32 = 101807;
    /// No reader card with that number. [ours]
    pub const READER_NOT_FOUND: u32 = 101808;
    /// `r_biblio_reader_list` without `libhouses` and without `lib_cards`. [ours]
    pub const SELECTOR_MISSING: u32 = 101809;
    /// `limit` is not `[N, M]` with non-negative numbers. [ours]
    pub const LIMIT_MALFORMED: u32 = 101810;

    // --- requests, fund, purchases (undocumented functions: all ours) ---
    pub const REQUEST_NOT_FOUND: u32 = 101901;
    pub const REQUEST_NOT_PENDING: u32 = 101902;
    pub const NO_FREE_COPY: u32 = 101903;
    pub const PRICE_OVER_CAP: u32 = 101904;
    pub const MONTHLY_PURCHASE_LIMIT: u32 = 101905;
    pub const MONEY_EXHAUSTED: u32 = 101906;
    pub const BOOKS_ON_HAND_LIMIT: u32 = 101907;
    pub const COPIES_PER_TITLE_LIMIT: u32 = 101908;
    pub const AGE_RATING: u32 = 101909;
    pub const REFUSAL_TEXT_MISSING: u32 = 101910;
    pub const REFUSAL_REASON_UNKNOWN: u32 = 101911;
    pub const ART_NOT_FOUND: u32 = 101912;
    pub const LICENCE_EXPIRED: u32 = 101913;
    pub const TITLE_UNAVAILABLE: u32 = 101914;
    pub const CURSOR_INVALID: u32 = 101915;
    pub const PERIOD_INVALID: u32 = 101916;
    pub const ART_MISMATCH: u32 = 101917;

    /// `(code, English message as the server sends it, Russian text for the librarian)`.
    pub const TABLE: &[(u32, &str, &str)] = &[
        (
            INVALID_SESSION,
            "Invalid or expired session",
            "Сеанс работы с ЭБС истёк или недействителен.",
        ),
        (
            CAPTCHA,
            "Captcha required",
            "ЭБС просит подтвердить, что запросы делает человек: откройте ссылку и введите символы с картинки.",
        ),
        (
            TIME_OUT_OF_WINDOW,
            "Request time out of allowed window",
            "Часы этого компьютера расходятся со временем ЭБС больше чем на 10 минут. Проверьте дату, время и часовой пояс компьютера.",
        ),
        (
            BAD_SIGNATURE,
            "Invalid signature",
            "ЭБС не приняла подпись запроса: проверьте секретный ключ приложения в настройках подключения.",
        ),
        (
            UNKNOWN_APP,
            "Unknown application",
            "ЭБС не знает это приложение: проверьте идентификатор приложения в настройках подключения.",
        ),
        (
            MALFORMED_REQUEST,
            "Malformed request",
            "ЭБС не смогла разобрать запрос. Сообщите администратору.",
        ),
        (
            REQUEST_TOO_LARGE,
            "Request too large",
            "Запрос к ЭБС слишком большой (больше 1 МиБ).",
        ),
        (
            RATE_LIMITED,
            "Too many requests",
            "Слишком много обращений к ЭБС подряд. Подождите немного и повторите.",
        ),
        (
            UNKNOWN_FUNCTION,
            "Unknown function",
            "ЭБС не поддерживает эту операцию. Сообщите администратору.",
        ),
        (
            ABORTED_BY_FAILED_WRITE,
            "Not executed: a previous write in the batch failed",
            "Операция не выполнялась: предыдущая операция в том же пакете завершилась ошибкой.",
        ),
        (
            INVALID_PARAM,
            "Invalid parameter",
            "ЭБС отклонила запрос: неверный параметр. Сообщите администратору.",
        ),
        (
            BAD_CREDENTIALS,
            "Wrong login or password",
            "ЭБС не приняла логин или пароль библиотеки: проверьте их в настройках подключения.",
        ),
        (
            SESSION_REQUIRED,
            "Session required",
            "Для этой операции нужен сеанс работы с ЭБС.",
        ),
        (
            UNKNOWN_LIBHOUSE,
            "Unknown libhouse",
            "ЭБС не знает эту библиотеку: проверьте идентификатор библиотеки (libhouse) в настройках.",
        ),
        (
            NAME_MISSING,
            "Name is required",
            "Не указаны имя и фамилия читателя.",
        ),
        (
            BIRTH_DATE_INVALID,
            "Invalid birth date",
            "Дата рождения указана неверно (нужен формат ГГГГ-ММ-ДД).",
        ),
        (
            BIRTH_DATE_TOO_RECENT,
            "Birth date must be at least 3 years ago",
            "Дата рождения должна быть не позднее чем за 3 года до сегодняшнего дня.",
        ),
        (
            CONTACT_MISSING,
            "Mail or phone is required",
            "Укажите электронную почту или номер мобильного телефона читателя.",
        ),
        (
            MAIL_MALFORMED,
            "Invalid mail",
            "Адрес электронной почты указан неверно.",
        ),
        (
            PHONE_MALFORMED,
            "Invalid phone",
            "Номер телефона указан неверно.",
        ),
        (
            READER_NOT_FOUND,
            "Reader not found",
            "Читатель с таким билетом в ЭБС не найден.",
        ),
        (
            SELECTOR_MISSING,
            "libhouses or lib_cards required",
            "Не указано, каких читателей показать (библиотека или номера билетов).",
        ),
        (
            LIMIT_MALFORMED,
            "Invalid limit",
            "Неверные границы списка (limit).",
        ),
        (
            REQUEST_NOT_FOUND,
            "Request not found",
            "Запрос не найден в ЭБС.",
        ),
        (
            REQUEST_NOT_PENDING,
            "Request is not pending",
            "Запрос уже обработан (выдан, отклонён или отменён). Обновите список запросов.",
        ),
        (
            NO_FREE_COPY,
            "No free copy in the fund",
            "В фонде нет свободного экземпляра этой книги.",
        ),
        (
            PRICE_OVER_CAP,
            "Price over the cap",
            "Цена книги выше разрешённой библиотекой.",
        ),
        (
            MONTHLY_PURCHASE_LIMIT,
            "Monthly purchase limit reached",
            "Для этого читателя в этом месяце уже куплено максимальное число книг.",
        ),
        (
            MONEY_EXHAUSTED,
            "Library money exhausted",
            "Средства библиотеки на покупку книг исчерпаны.",
        ),
        (
            BOOKS_ON_HAND_LIMIT,
            "Too many books on hand",
            "У читателя уже максимальное число книг на руках.",
        ),
        (
            COPIES_PER_TITLE_LIMIT,
            "Copies per title limit reached",
            "В фонде уже максимальное число экземпляров этой книги.",
        ),
        (
            AGE_RATING,
            "Age rating not allowed for the reader",
            "Книга не подходит читателю по возрастной маркировке.",
        ),
        (
            REFUSAL_TEXT_MISSING,
            "Refusal text is required",
            "Укажите текст причины отказа: он будет отправлен читателю.",
        ),
        (
            REFUSAL_REASON_UNKNOWN,
            "Unknown refusal reason",
            "Неизвестная причина отказа.",
        ),
        (
            ART_NOT_FOUND,
            "Book not found",
            "Книга не найдена в каталоге ЭБС.",
        ),
        (
            LICENCE_EXPIRED,
            "Licence expired",
            "Срок лицензии на эту книгу истёк: выдать её нельзя.",
        ),
        (
            TITLE_UNAVAILABLE,
            "Title temporarily unavailable",
            "Книга временно недоступна для покупки (после окончания лицензии — 6 месяцев).",
        ),
        (
            CURSOR_INVALID,
            "Invalid cursor",
            "Неверная отметка синхронизации запросов. Нужна полная синхронизация.",
        ),
        (
            PERIOD_INVALID,
            "Invalid period",
            "Неверно задан период отчёта.",
        ),
        (
            ART_MISMATCH,
            "Book does not match the request",
            "Покупаемая книга не совпадает с книгой из запроса.",
        ),
    ];

    /// English message the server sends for a code.
    pub fn message_en(code: u32) -> &'static str {
        TABLE
            .iter()
            .find(|(c, _, _)| *c == code)
            .map(|(_, en, _)| *en)
            .unwrap_or("Error")
    }

    /// Russian text for the librarian, if the code is known.
    pub fn message_ru(code: u32) -> Option<&'static str> {
        TABLE
            .iter()
            .find(|(c, _, _)| *c == code)
            .map(|(_, _, ru)| *ru)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_documented_vector() {
        assert_eq!(
            sign("2014-11-07T16:21:02+03:00", "659558"),
            "952643397153e9e816836742e906718e47aa7b67a8bdd647c8c9f6167fbed78a"
        );
        assert!(signature_matches(
            "952643397153e9e816836742e906718e47aa7b67a8bdd647c8c9f6167fbed78a",
            "952643397153E9E816836742E906718E47AA7B67A8BDD647C8C9F6167FBED78A"
        ));
        assert!(!signature_matches("ab", "abc"));
    }

    #[test]
    fn time_has_explicit_colon_offset() {
        let t = moscow()
            .with_ymd_and_hms(2014, 11, 7, 16, 21, 2)
            .single()
            .unwrap();
        assert_eq!(format_time(t), "2014-11-07T16:21:02+03:00");
        let utc = chrono::Utc
            .with_ymd_and_hms(2020, 1, 2, 3, 4, 5)
            .single()
            .unwrap();
        assert_eq!(format_time(utc.fixed_offset()), "2020-01-02T03:04:05+00:00");
        let minus = FixedOffset::west_opt(5 * 3600 + 1800).unwrap();
        assert_eq!(
            format_time(utc.with_timezone(&minus)),
            "2020-01-01T21:34:05-05:30"
        );
        assert_eq!(parse_time("2014-11-07T16:21:02+03:00"), Some(t));
        assert_eq!(parse_time("2014-11-07 16:21:02"), Some(t));
        assert_eq!(
            parse_date("1999-12-21"),
            NaiveDate::from_ymd_opt(1999, 12, 21)
        );
    }

    #[test]
    fn envelope_round_trip_through_the_form() {
        let t = moscow()
            .with_ymd_and_hms(2014, 11, 7, 16, 21, 2)
            .single()
            .unwrap();
        let env = Envelope::signed(
            "app1",
            "659558",
            Some("sid1"),
            t,
            vec![Call::new(
                "r_x",
                "a",
                serde_json::json!({"q": "Тихий & дом = 1+1"}),
            )],
        );
        assert_eq!(
            env.sha,
            "952643397153e9e816836742e906718e47aa7b67a8bdd647c8c9f6167fbed78a"
        );
        let json = envelope_json(&env).unwrap();
        let body = form_body(&json);
        assert!(body.starts_with("jdata="));
        let back: Envelope =
            serde_json::from_str(&jdata_from_form(body.as_bytes()).unwrap()).unwrap();
        assert_eq!(back, env);
        assert!(!format!("{env:?}").contains("sid1"));
    }

    #[test]
    fn response_parsing_is_lenient() {
        let r = ResponseEnvelope::parse(
            br#"{"success":true,"time":"2019-08-14T18:12:59+03:00",
                "my_sid":{"success":true,"sid":"abc","currency":"RUB"},
                "bad":{"success":false,"error_code":"101901","error_message":"Request not found"}}"#,
        )
        .unwrap();
        assert!(r.success == Some(true) && r.error.is_none());
        let ok = r.result("my_sid").unwrap();
        assert_eq!(ok.success, Some(true));
        assert_eq!(ok.data["sid"], "abc");
        let bad = r.result("bad").unwrap();
        assert_eq!(
            (bad.success, bad.error_code),
            (Some(false), Some(codes::REQUEST_NOT_FOUND))
        );

        let c = ResponseEnvelope::parse(
            br#"{"success":false,"error_code":101028,"error_message":"Captcha","captcha_url":"https://x/c?id=1"}"#,
        )
        .unwrap();
        let e = c.error.unwrap();
        assert_eq!(e.code, codes::CAPTCHA);
        assert_eq!(e.captcha_url.as_deref(), Some("https://x/c?id=1"));
        assert!(ResponseEnvelope::parse(b"[1,2]").is_err());
        assert!(ResponseEnvelope::parse(b"<html>").is_err());
    }

    /// An answer without `success` (or with one that is no flag) is neither a success nor a
    /// rejection: the caller cannot tell whether the call ran.
    #[test]
    fn an_answer_without_success_is_not_a_rejection() {
        let r = ResponseEnvelope::parse(
            br#"{"time":"2019-08-14T18:12:59+03:00","q":{"lib_card":"1"},"w":{"success":"maybe"}}"#,
        )
        .unwrap();
        assert_eq!(r.success, None);
        assert!(r.error.is_none(), "not a rejection");
        assert_eq!(r.result("q").unwrap().success, None);
        assert_eq!(r.result("w").unwrap().success, None);
        let r = ResponseEnvelope::parse(br#"{"error_code":101901}"#).unwrap();
        assert_eq!((r.success, r.error), (None, None));
        let r = ResponseEnvelope::parse(br#"{"success":0}"#).unwrap();
        assert_eq!(r.error.map(|e| e.code), Some(0), "an explicit false is one");
    }

    #[test]
    fn every_code_has_a_russian_message_and_codes_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for (code, en, ru) in codes::TABLE {
            assert!(seen.insert(*code), "duplicate code {code}");
            assert!((101000..102000).contains(code));
            assert!(!en.is_empty());
            assert!(ru.chars().any(|c| ('а'..='я').contains(&c)), "{code}: {ru}");
        }
        assert_eq!(codes::message_ru(999), None);
    }
}
