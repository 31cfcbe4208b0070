//! Every provider function name, and the typed parameters and answers of each, in ONE
//! place.
//!
//! `w_create_sid`, `w_biblio_reader_create` and `r_biblio_reader_list` are LitRes' own
//! (docs.litres.ru 8159873, 8159859). The library functions for requests, issue, refusal,
//! cancellation, fund, purchase, statistics and library info are **not public**: the names
//! in [`func`] marked "ours" are our invention, following the `r_biblio_*` / `w_biblio_*`
//! convention, and so are their parameters and answers. When the real specification is
//! obtained, rename them here (and adapt the DTOs); the client and the simulator only use
//! these constants and types.
//!
//! Answers are mapped defensively: unknown fields are ignored, optional fields may be
//! missing, numbers may come as strings and vice versa, dates may come in either the
//! ISO 8601 or the `YYYY-MM-DD HH:MM:SS` form.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Function names.
pub mod func {
    /// Create a session (documented, CataLit).
    pub const CREATE_SID: &str = "w_create_sid";
    /// Create a reader card (documented).
    pub const READER_CREATE: &str = "w_biblio_reader_create";
    /// List / look up reader cards (documented).
    pub const READER_LIST: &str = "r_biblio_reader_list";
    /// Readers' book requests, incremental and paged. [ours]
    pub const REQUEST_LIST: &str = "r_biblio_request_list";
    /// Issue a request from the library fund. [ours]
    pub const REQUEST_ISSUE: &str = "w_biblio_request_issue";
    /// Refuse a request with a reason code and a mandatory text. [ours]
    pub const REQUEST_REFUSE: &str = "w_biblio_request_refuse";
    /// Cancel a pending request (on the reader's behalf). [ours]
    pub const REQUEST_CANCEL: &str = "w_biblio_request_cancel";
    /// The library fund, paged. [ours]
    pub const FUND_LIST: &str = "r_biblio_fund_list";
    /// Buy a copy into the fund, optionally issuing it to a request. [ours]
    pub const FUND_BUY: &str = "w_biblio_fund_buy";
    /// Library statistics for a period. [ours]
    pub const STATS: &str = "r_biblio_stats";
    /// Library info: money left and lending rules. [ours]
    pub const LIBRARY_INFO: &str = "r_biblio_library_info";
    /// Issue a book from the fund to a reader without a request (as the provider's
    /// cabinet allows); the provider records it as a request issued at once. [ours]
    pub const ISSUE_DIRECT: &str = "w_biblio_issue_direct";
    /// A reader's own lending settings: loan period, the price cap and number of books
    /// the reader may take without waiting for the library. [ours]
    pub const READER_SETTINGS: &str = "w_biblio_reader_settings";

    /// All names, for the simulator's dispatcher and for tests.
    pub const ALL: &[&str] = &[
        CREATE_SID,
        READER_CREATE,
        READER_LIST,
        REQUEST_LIST,
        REQUEST_ISSUE,
        REQUEST_REFUSE,
        REQUEST_CANCEL,
        FUND_LIST,
        FUND_BUY,
        STATS,
        LIBRARY_INFO,
        ISSUE_DIRECT,
        READER_SETTINGS,
    ];
}

/// A typed provider function: its name, its parameters (`Self`) and its answer.
pub trait ApiCall: Serialize {
    const FUNC: &'static str;
    type Output: DeserializeOwned;
}

// ---------------------------------------------------------------------------------------
// Lenient field types and deserialisers
// ---------------------------------------------------------------------------------------

/// Money in kopecks. On the wire: a number of roubles (`349.5`) or a string (`"349.50"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(pub i64);

impl Money {
    pub fn from_rub(rub: i64) -> Self {
        Money(rub * 100)
    }
    pub fn kopecks(self) -> i64 {
        self.0
    }
}

impl fmt::Display for Money {
    /// `1 234,50 ₽`-like text for the UI: `1234,50 ₽`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{},{:02} ₽", a / 100, a % 100)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.0 as f64 / 100.0)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        money_from_value(&v).ok_or_else(|| serde::de::Error::custom(format!("not money: {v}")))
    }
}

fn money_from_value(v: &serde_json::Value) -> Option<Money> {
    let rub = match v {
        serde_json::Value::Number(n) => n.as_f64()?,
        serde_json::Value::String(s) => s.trim().replace(',', ".").parse::<f64>().ok()?,
        _ => return None,
    };
    rub.is_finite().then(|| Money((rub * 100.0).round() as i64))
}

/// Lenient deserialisers for answer fields.
pub mod de {
    use super::*;
    use serde_json::Value;

    /// A string that may come as a number.
    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => s,
            Value::Null => String::new(),
            other => other.to_string(),
        })
    }

    /// An optional string that may come as a number; empty → `None`.
    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Some(s),
            Value::Null => None,
            other => Some(other.to_string()),
        })
    }

    fn u64_of(v: &Value) -> Option<u64> {
        match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A number that may come as a string (required).
    pub fn u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let v = Value::deserialize(d)?;
        u64_of(&v).ok_or_else(|| serde::de::Error::custom(format!("not a number: {v}")))
    }

    /// An optional number; anything unparsable → `None`.
    pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        Ok(u64_of(&Value::deserialize(d)?))
    }

    /// A count: number or string; missing/unparsable → 0.
    pub fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        Ok(u64_of(&Value::deserialize(d)?)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(0))
    }

    /// A boolean that may come as 0/1 or "true"/"false"; otherwise `false`.
    pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Bool(b) => b,
            Value::Number(n) => n.as_i64().is_some_and(|n| n != 0),
            Value::String(s) => matches!(s.as_str(), "true" | "1"),
            _ => false,
        })
    }

    /// An optional `YYYY-MM-DD` date; unparsable → `None`.
    pub fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => crate::provider::protocol::parse_date(&s),
            _ => None,
        })
    }

    /// An optional timestamp; unparsable → `None`.
    pub fn opt_time<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => crate::provider::protocol::parse_time(&s),
            _ => None,
        })
    }

    /// Optional money; unparsable → `None`.
    pub fn opt_money<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Money>, D::Error> {
        Ok(money_from_value(&Value::deserialize(d)?))
    }

    /// Money; missing/unparsable → 0.
    pub fn money<'de, D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
        Ok(money_from_value(&Value::deserialize(d)?).unwrap_or_default())
    }

    /// Age rating: `16`, `"16"` or `"16+"`.
    pub fn opt_age<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Number(n) => n.as_u64().and_then(|n| u8::try_from(n).ok()),
            Value::String(s) => s.trim().trim_end_matches('+').parse().ok(),
            _ => None,
        })
    }

    /// A rating from 0 to 5 as a number or a string (`4.6`, `"4,6"`), kept in tenths;
    /// anything else (out of range, unparsable) → `None`.
    pub fn opt_rating<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
        let x = match Value::deserialize(d)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().replace(',', ".").parse::<f64>().ok(),
            _ => None,
        };
        Ok(x.filter(|x| x.is_finite() && (0.0..=5.0).contains(x))
            .map(|x| (x * 10.0).round() as u16))
    }

    /// An optional count: number or string; missing/unparsable → `None`.
    pub fn opt_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        Ok(u64_of(&Value::deserialize(d)?).and_then(|n| u32::try_from(n).ok()))
    }

    /// A list; `null` or a non-list → empty.
    pub fn list<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
        match Value::deserialize(d)? {
            Value::Array(items) => items
                .into_iter()
                .map(|v| serde_json::from_value(v).map_err(serde::de::Error::custom))
                .collect(),
            _ => Ok(Vec::new()),
        }
    }
}

fn ser_date<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.format("%Y-%m-%d").to_string())
}

fn ser_opt_time<S: Serializer>(t: &Option<DateTime<FixedOffset>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&crate::provider::protocol::format_time(*t)),
        None => s.serialize_none(),
    }
}

/// A rating kept in tenths goes on the wire as stars (`46` → `4.6`), as it came.
fn ser_opt_rating<S: Serializer>(r: &Option<u16>, s: S) -> Result<S::Ok, S::Error> {
    match r {
        Some(r) => s.serialize_f64(f64::from(*r) / 10.0),
        None => s.serialize_none(),
    }
}

// ---------------------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------------------

/// `w_create_sid` parameters. No `Debug`: it holds the password.
#[derive(Clone, Serialize, Deserialize)]
pub struct CreateSid {
    pub login: String,
    pub pwd: String,
}

impl ApiCall for CreateSid {
    const FUNC: &'static str = func::CREATE_SID;
    type Output = SessionInfo;
}

/// `w_create_sid` answer.
#[derive(Clone, Serialize, Deserialize)]
pub struct SessionInfo {
    #[serde(deserialize_with = "de::string")]
    pub sid: String,
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub currency: Option<String>,
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub country: Option<String>,
}

impl fmt::Debug for SessionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionInfo")
            .field("sid", &"***")
            .field("currency", &self.currency)
            .finish()
    }
}

// ---------------------------------------------------------------------------------------
// Reader cards (documented)
// ---------------------------------------------------------------------------------------

/// `w_biblio_reader_create` parameters. `name` ≤ 255 characters (the server truncates
/// longer ones); `birth_date` at least 3 years before today; `mail` and/or `phone`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReaderCreate {
    #[serde(deserialize_with = "de::u64")]
    pub libhouse: u64,
    pub name: String,
    #[serde(serialize_with = "ser_date")]
    pub birth_date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl ApiCall for ReaderCreate {
    const FUNC: &'static str = func::READER_CREATE;
    type Output = ReaderCreated;
}

/// `w_biblio_reader_create` answer: the card number (the reader's provider login) and
/// possibly a password. `Debug` hides the password.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ReaderCreated {
    #[serde(deserialize_with = "de::string")]
    pub lib_card: String,
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub password: Option<String>,
}

impl fmt::Debug for ReaderCreated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReaderCreated")
            .field("lib_card", &self.lib_card)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

/// `r_biblio_reader_list` parameters: `libhouses` or `lib_cards` (if `lib_cards` is
/// present, `libhouses` is ignored); `limit: [N, M]` = M readers from the N-th (0-based).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReaderListQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub libhouses: Option<Vec<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lib_cards: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<[u64; 2]>,
}

impl ApiCall for ReaderListQuery {
    const FUNC: &'static str = func::READER_LIST;
    type Output = ReaderList;
}

/// `r_biblio_reader_list` answer. The real field list is not public: map what comes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReaderList {
    #[serde(default, deserialize_with = "de::list")]
    pub readers: Vec<ProviderReader>,
    /// Number of readers matching the query regardless of `limit`, if the server says.
    #[serde(
        default,
        deserialize_with = "de::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub total: Option<u64>,
}

/// One reader card as the provider describes it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProviderReader {
    #[serde(deserialize_with = "de::string")]
    pub lib_card: String,
    #[serde(default, deserialize_with = "de::string")]
    pub name: String,
    #[serde(
        default,
        deserialize_with = "de::opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub birth_date: Option<NaiveDate>,
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub mail: Option<String>,
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub phone: Option<String>,
    #[serde(
        default,
        deserialize_with = "de::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub libhouse: Option<u64>,
    #[serde(
        default,
        deserialize_with = "de::opt_time",
        serialize_with = "ser_opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub created: Option<DateTime<FixedOffset>>,
}

// ---------------------------------------------------------------------------------------
// Requests (all ours)
// ---------------------------------------------------------------------------------------

pub use crate::domain::request::{BookKind, RefusalReason, RequestStatus};

/// A refusal: reason code and the text sent to the reader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refusal {
    pub reason: RefusalReason,
    #[serde(default, deserialize_with = "de::string")]
    pub text: String,
}

/// A loan: the book is the reader's from `start` until `due`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoanInfo {
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    #[serde(
        default,
        deserialize_with = "de::opt_time",
        serialize_with = "ser_opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub start: Option<DateTime<FixedOffset>>,
    #[serde(
        default,
        deserialize_with = "de::opt_time",
        serialize_with = "ser_opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub due: Option<DateTime<FixedOffset>>,
}

/// A reader's book request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Request {
    #[serde(deserialize_with = "de::string")]
    pub id: String,
    #[serde(default, deserialize_with = "de::string")]
    pub lib_card: String,
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub reader_name: Option<String>,
    #[serde(
        default,
        deserialize_with = "de::opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub reader_birth_date: Option<NaiveDate>,
    #[serde(deserialize_with = "de::u64")]
    pub art: u64,
    #[serde(default, deserialize_with = "de::string")]
    pub title: String,
    #[serde(default, deserialize_with = "de::string")]
    pub authors: String,
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub genre: Option<String>,
    #[serde(default)]
    pub kind: BookKind,
    #[serde(
        default,
        deserialize_with = "de::opt_money",
        skip_serializing_if = "Option::is_none"
    )]
    pub price: Option<Money>,
    #[serde(
        default,
        deserialize_with = "de::opt_age",
        skip_serializing_if = "Option::is_none"
    )]
    pub age_rating: Option<u8>,
    #[serde(default)]
    pub status: RequestStatus,
    #[serde(
        default,
        deserialize_with = "de::opt_time",
        serialize_with = "ser_opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub created: Option<DateTime<FixedOffset>>,
    #[serde(
        default,
        deserialize_with = "de::opt_time",
        serialize_with = "ser_opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Refusal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loan: Option<LoanInfo>,
    /// Readers' rating, 0–5 in tenths (`46` = 4.6), where the provider gives it.
    #[serde(
        default,
        deserialize_with = "de::opt_rating",
        serialize_with = "ser_opt_rating",
        skip_serializing_if = "Option::is_none"
    )]
    pub rating: Option<u16>,
    /// Number of readers' reviews, where the provider gives it.
    #[serde(
        default,
        deserialize_with = "de::opt_count",
        skip_serializing_if = "Option::is_none"
    )]
    pub reviews: Option<u32>,
    /// «Черновик»: an unfinished book, still being written.
    #[serde(default, deserialize_with = "de::flag")]
    pub draft: bool,
    /// «Самиздат»: self-published.
    #[serde(default, deserialize_with = "de::flag")]
    pub samizdat: bool,
    /// Free to read at the provider: nothing to buy.
    #[serde(default, deserialize_with = "de::flag")]
    pub free: bool,
    /// Who paid when the request was issued through a purchase: `"library"` or
    /// `"reader"` (the reader's own allowance); `None` when issued from the fund.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub bought_by: Option<String>,
    /// Issued from the reader's card without a request of the reader's.
    #[serde(default, deserialize_with = "de::flag")]
    pub direct: bool,
    /// The desk's id of the write that made this request (direct issues only).
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub ref_id: Option<String>,
}

/// `r_biblio_request_list` parameters. Incremental: `since` is the opaque cursor of the
/// previous page/pull (requests changed after it, in change order), or `updated_after`
/// a timestamp; `limit: [N, M]` as in `r_biblio_reader_list`. [ours]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestListQuery {
    #[serde(deserialize_with = "de::u64")]
    pub libhouse: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_after: Option<String>,
    /// Only these requests (re-reading state after a lost answer); `since` and
    /// `updated_after` still apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<String>>,
    /// Only the requests made by these desk writes (direct issues: `IssueDirect::ref_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ref_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<[u64; 2]>,
}

impl ApiCall for RequestListQuery {
    const FUNC: &'static str = func::REQUEST_LIST;
    type Output = RequestPage;
}

/// `r_biblio_request_list` answer. [ours]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestPage {
    #[serde(default, deserialize_with = "de::list")]
    pub requests: Vec<Request>,
    /// Cursor after the last request of this page; pass it as `since` next time.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub cursor: Option<String>,
    /// More requests follow this page.
    #[serde(default, deserialize_with = "de::flag")]
    pub more: bool,
    /// Requests matching the query regardless of `limit`.
    #[serde(
        default,
        deserialize_with = "de::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub total: Option<u64>,
}

/// `w_biblio_request_issue`: issue a pending request from a free copy in the fund. [ours]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestIssue {
    #[serde(deserialize_with = "de::string")]
    pub request_id: String,
}

impl ApiCall for RequestIssue {
    const FUNC: &'static str = func::REQUEST_ISSUE;
    type Output = RequestChanged;
}

/// `w_biblio_request_refuse`: refuse with a reason code and a mandatory text. [ours]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRefuse {
    #[serde(deserialize_with = "de::string")]
    pub request_id: String,
    pub reason: RefusalReason,
    #[serde(default)]
    pub text: String,
}

impl ApiCall for RequestRefuse {
    const FUNC: &'static str = func::REQUEST_REFUSE;
    type Output = RequestChanged;
}

/// `w_biblio_request_cancel`: cancel a pending request. [ours]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestCancel {
    #[serde(deserialize_with = "de::string")]
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl ApiCall for RequestCancel {
    const FUNC: &'static str = func::REQUEST_CANCEL;
    type Output = RequestChanged;
}

/// `w_biblio_issue_direct`: issue a free copy of `art` to the reader with `lib_card`
/// without a request; answers with the request the provider records for it (issued).
/// `ref_id` is the desk's own id of this write: the provider keeps it on the request,
/// so a re-read after a lost answer finds it. [ours]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueDirect {
    #[serde(deserialize_with = "de::u64")]
    pub libhouse: u64,
    #[serde(deserialize_with = "de::string")]
    pub lib_card: String,
    #[serde(deserialize_with = "de::u64")]
    pub art: u64,
    #[serde(deserialize_with = "de::string")]
    pub ref_id: String,
}

impl ApiCall for IssueDirect {
    const FUNC: &'static str = func::ISSUE_DIRECT;
    type Output = RequestChanged;
}

/// `w_biblio_reader_settings`: a reader's own lending settings (`None` leaves a
/// setting as the library's default). Answers with the settings now in force. [ours]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReaderSettings {
    #[serde(deserialize_with = "de::string")]
    pub lib_card: String,
    /// Loan period in days.
    #[serde(
        default,
        deserialize_with = "de::opt_count",
        skip_serializing_if = "Option::is_none"
    )]
    pub loan_days: Option<u32>,
    /// The highest price of a book the reader may take without waiting for the library.
    #[serde(
        default,
        deserialize_with = "de::opt_money",
        skip_serializing_if = "Option::is_none"
    )]
    pub self_price_cap: Option<Money>,
    /// How many such books a month.
    #[serde(
        default,
        deserialize_with = "de::opt_count",
        skip_serializing_if = "Option::is_none"
    )]
    pub self_purchases: Option<u32>,
}

impl ApiCall for ReaderSettings {
    const FUNC: &'static str = func::READER_SETTINGS;
    type Output = ReaderSettings;
}

/// Answer of the request-changing calls: the request as it now is. [ours]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestChanged {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Request>,
}

// ---------------------------------------------------------------------------------------
// Fund and purchases (all ours)
// ---------------------------------------------------------------------------------------

/// `r_biblio_fund_list` parameters. [ours]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FundListQuery {
    #[serde(deserialize_with = "de::u64")]
    pub libhouse: u64,
    /// Only these books.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arts: Option<Vec<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<[u64; 2]>,
}

impl ApiCall for FundListQuery {
    const FUNC: &'static str = func::FUND_LIST;
    type Output = FundPage;
}

/// `r_biblio_fund_list` answer. [ours]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FundPage {
    #[serde(default, deserialize_with = "de::list")]
    pub items: Vec<FundItem>,
    #[serde(
        default,
        deserialize_with = "de::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub total: Option<u64>,
}

/// A title in the library fund. A copy leaves the fund at its 24th issue.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FundItem {
    #[serde(deserialize_with = "de::u64")]
    pub art: u64,
    #[serde(default, deserialize_with = "de::string")]
    pub title: String,
    #[serde(default, deserialize_with = "de::string")]
    pub authors: String,
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub genre: Option<String>,
    #[serde(default)]
    pub kind: BookKind,
    #[serde(
        default,
        deserialize_with = "de::opt_money",
        skip_serializing_if = "Option::is_none"
    )]
    pub price: Option<Money>,
    #[serde(
        default,
        deserialize_with = "de::opt_age",
        skip_serializing_if = "Option::is_none"
    )]
    pub age_rating: Option<u8>,
    /// Copies in the fund (on loan or not).
    #[serde(default, deserialize_with = "de::count")]
    pub copies: u32,
    /// Copies on loan now.
    #[serde(default, deserialize_with = "de::count")]
    pub on_loan: u32,
    /// Issues of this title so far (all copies, including retired ones).
    #[serde(default, deserialize_with = "de::count")]
    pub issues: u32,
    /// Issue count of each copy still in the fund.
    #[serde(default, deserialize_with = "de::list")]
    pub copy_issues: Vec<u32>,
    #[serde(
        default,
        deserialize_with = "de::opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub licence_end: Option<NaiveDate>,
    #[serde(
        default,
        deserialize_with = "de::opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub bought: Option<NaiveDate>,
    /// The publisher's annotation, where the provider has one.
    #[serde(
        default,
        deserialize_with = "de::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub annotation: Option<String>,
}

/// `w_biblio_fund_buy`: buy one copy of `art` into the fund; with `request_id`, issue it
/// to that pending request in the same call. [ours]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FundBuy {
    #[serde(deserialize_with = "de::u64")]
    pub libhouse: u64,
    #[serde(deserialize_with = "de::u64")]
    pub art: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl ApiCall for FundBuy {
    const FUNC: &'static str = func::FUND_BUY;
    type Output = FundBought;
}

/// `w_biblio_fund_buy` answer. [ours]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FundBought {
    #[serde(deserialize_with = "de::u64")]
    pub art: u64,
    #[serde(default, deserialize_with = "de::money")]
    pub price: Money,
    #[serde(default, deserialize_with = "de::count")]
    pub copies: u32,
    #[serde(
        default,
        deserialize_with = "de::opt_money",
        skip_serializing_if = "Option::is_none"
    )]
    pub money_left: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Request>,
}

// ---------------------------------------------------------------------------------------
// Statistics and library info (all ours)
// ---------------------------------------------------------------------------------------

/// `r_biblio_stats` parameters: the period `[from, to]`, both days included. [ours]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsQuery {
    #[serde(deserialize_with = "de::u64")]
    pub libhouse: u64,
    #[serde(serialize_with = "ser_date")]
    pub from: NaiveDate,
    #[serde(serialize_with = "ser_date")]
    pub to: NaiveDate,
}

impl ApiCall for StatsQuery {
    const FUNC: &'static str = func::STATS;
    type Output = LibraryStats;
}

/// Counts by the age groups of the state statistics form 6-НК.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgeGroups {
    /// до 14 лет (14 included).
    #[serde(default, deserialize_with = "de::count")]
    pub up_to_14: u32,
    /// 15–30 лет.
    #[serde(default, deserialize_with = "de::count")]
    pub from_15_to_30: u32,
    /// 31 и старше.
    #[serde(default, deserialize_with = "de::count")]
    pub from_31: u32,
}

/// `r_biblio_stats` answer. [ours]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LibraryStats {
    /// Reader actions at the provider (requests made, cancelled, books opened).
    #[serde(default, deserialize_with = "de::count")]
    pub visits: u32,
    #[serde(default, deserialize_with = "de::count")]
    pub requests: u32,
    #[serde(default, deserialize_with = "de::count")]
    pub issues: u32,
    #[serde(default, deserialize_with = "de::count")]
    pub refusals: u32,
    #[serde(default, deserialize_with = "de::count")]
    pub cancellations: u32,
    #[serde(default, deserialize_with = "de::count")]
    pub purchases: u32,
    #[serde(default, deserialize_with = "de::money")]
    pub money_spent: Money,
    #[serde(default, deserialize_with = "de::count")]
    pub new_readers: u32,
    /// Readers with at least one request or issue in the period.
    #[serde(default, deserialize_with = "de::count")]
    pub active_readers: u32,
    #[serde(default)]
    pub active_readers_by_age: AgeGroups,
    #[serde(default)]
    pub issues_by_age: AgeGroups,
    /// Refusals by reason code (`"age_rating"` → n).
    #[serde(default)]
    pub refusals_by_reason: BTreeMap<String, u32>,
    /// Fund at the end of the period (titles, copies).
    #[serde(default, deserialize_with = "de::count")]
    pub fund_titles: u32,
    #[serde(default, deserialize_with = "de::count")]
    pub fund_copies: u32,
}

/// `r_biblio_library_info` parameters. [ours]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LibraryInfoQuery {
    #[serde(deserialize_with = "de::u64")]
    pub libhouse: u64,
}

impl ApiCall for LibraryInfoQuery {
    const FUNC: &'static str = func::LIBRARY_INFO;
    type Output = LibraryInfo;
}

/// Lending rules as the provider enforces them (`None` = no limit).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LendingRules {
    #[serde(
        default,
        deserialize_with = "de::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_on_hand: Option<u64>,
    #[serde(
        default,
        deserialize_with = "de::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub loan_days: Option<u64>,
    #[serde(
        default,
        deserialize_with = "de::opt_money",
        skip_serializing_if = "Option::is_none"
    )]
    pub price_cap: Option<Money>,
    #[serde(
        default,
        deserialize_with = "de::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub copies_per_title: Option<u64>,
    #[serde(
        default,
        deserialize_with = "de::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub purchases_per_reader_month: Option<u64>,
    /// Age ratings are checked against the reader's age (436-ФЗ).
    #[serde(default, deserialize_with = "de::flag")]
    pub age_check: bool,
}

/// `r_biblio_library_info` answer. [ours]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LibraryInfo {
    #[serde(deserialize_with = "de::u64")]
    pub libhouse: u64,
    #[serde(default, deserialize_with = "de::string")]
    pub name: String,
    #[serde(default, deserialize_with = "de::money")]
    pub money_left: Money,
    #[serde(default)]
    pub rules: LendingRules,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_mapping_tolerates_missing_unknown_and_stringly_fields() {
        let r: Request = serde_json::from_str(
            r#"{"id":17,"art":"70000012","status":"issued","price":"349,50","age_rating":"16+",
                "created":"2024-05-01 10:00:00","new_field":{"x":1},"kind":"podcast",
                "refusal":null}"#,
        )
        .unwrap();
        assert_eq!(r.id, "17");
        assert_eq!(r.art, 70000012);
        assert_eq!(r.status, RequestStatus::Issued);
        assert_eq!(r.price, Some(Money(34950)));
        assert_eq!(r.age_rating, Some(16));
        assert_eq!(r.kind, BookKind::Other);
        assert_eq!(r.created.unwrap().to_rfc3339(), "2024-05-01T10:00:00+03:00");
        assert!(r.lib_card.is_empty() && r.refusal.is_none());

        let s: Request = serde_json::from_str(r#"{"id":"a","art":1,"status":"on_hold"}"#).unwrap();
        assert_eq!(s.status, RequestStatus::Unknown);
        let f: Refusal = serde_json::from_str(r#"{"reason":"weird"}"#).unwrap();
        assert_eq!(f.reason, RefusalReason::Unknown);
        // A rating read in tenths goes back out as stars, and reads the same.
        let mut rated = r.clone();
        rated.rating = Some(46);
        let wire = serde_json::to_value(&rated).unwrap();
        assert_eq!(wire["rating"], serde_json::json!(4.6));
        let back: Request = serde_json::from_value(wire).unwrap();
        assert_eq!(back.rating, Some(46));
    }

    #[test]
    fn typed_params_serialise_as_documented() {
        let p = ReaderCreate {
            libhouse: 42,
            name: "Иванова Мария".into(),
            birth_date: NaiveDate::from_ymd_opt(1999, 12, 21).unwrap(),
            mail: Some("m@example.org".into()),
            phone: None,
        };
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            serde_json::json!({"libhouse":42,"name":"Иванова Мария","birth_date":"1999-12-21","mail":"m@example.org"})
        );
        let q = ReaderListQuery {
            lib_cards: Some(vec!["1".into()]),
            limit: Some([0, 10]),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&q).unwrap(),
            serde_json::json!({"lib_cards":["1"],"limit":[0,10]})
        );
        let c = ReaderCreated {
            lib_card: "1".into(),
            password: Some("secret".into()),
        };
        assert!(!format!("{c:?}").contains("secret"));
        for r in RefusalReason::ALL {
            assert_eq!(
                serde_json::to_value(r).unwrap(),
                serde_json::json!(r.code())
            );
        }
    }

    #[test]
    fn money_formats_in_roubles() {
        assert_eq!(Money(123450).to_string(), "1234,50 ₽");
        assert_eq!(serde_json::to_string(&Money(59900)).unwrap(), "599.0");
        let m: Money = serde_json::from_str("\"600\"").unwrap();
        assert_eq!(m, Money::from_rub(600));
    }
}
