//! Readers' book requests at the provider and the desk's decisions on them.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::ids::{ReaderId, RequestId};

/// A request as the desk knows it (pulled from the provider).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BookRequest {
    pub id: RequestId,
    pub lib_card: String,
    pub reader_name: Option<String>,
    pub reader_birth_date: Option<NaiveDate>,
    pub art: u64,
    pub title: String,
    pub authors: String,
    pub genre: Option<String>,
    pub kind: BookKind,
    pub price_kopecks: Option<i64>,
    pub age_rating: Option<u8>,
    pub status: RequestStatus,
    pub created: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    pub refusal_reason: Option<RefusalReason>,
    pub refusal_text: Option<String>,
    pub loan_due: Option<NaiveDate>,
    /// Decided at the desk, waiting to be sent.
    pub local_decision: Option<DecisionKind>,
    /// Readers' rating in tenths (46 = 4,6), where the provider gives it.
    pub rating: Option<u16>,
    pub reviews: Option<u32>,
    /// «Черновик»: an unfinished book.
    pub draft: bool,
    /// «Самиздат»: self-published.
    pub samizdat: bool,
    /// Free to read at the provider.
    pub free: bool,
    /// Issued through a purchase: by the library or by the reader.
    pub bought_by: Option<Buyer>,
    /// Issued from the reader's card without a request.
    pub direct: bool,
}

/// Who paid for a copy bought to issue a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Buyer {
    Library,
    Reader,
}

impl Buyer {
    pub fn code(self) -> &'static str {
        match self {
            Buyer::Library => "library",
            Buyer::Reader => "reader",
        }
    }

    pub fn from_code(code: &str) -> Option<Buyer> {
        match code {
            "library" => Some(Buyer::Library),
            "reader" => Some(Buyer::Reader),
            _ => None,
        }
    }
}

/// Request state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    #[default]
    Pending,
    Issued,
    Refused,
    Cancelled,
    /// A state this build does not know.
    #[serde(other)]
    Unknown,
}

impl RequestStatus {
    /// The stored code (the provider's own word).
    pub fn code(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Issued => "issued",
            RequestStatus::Refused => "refused",
            RequestStatus::Cancelled => "cancelled",
            RequestStatus::Unknown => "unknown",
        }
    }

    pub fn from_code(code: &str) -> RequestStatus {
        [
            RequestStatus::Pending,
            RequestStatus::Issued,
            RequestStatus::Refused,
            RequestStatus::Cancelled,
        ]
        .into_iter()
        .find(|s| s.code() == code)
        .unwrap_or(RequestStatus::Unknown)
    }

    pub fn label_ru(self) -> &'static str {
        match self {
            RequestStatus::Pending => "ожидает решения",
            RequestStatus::Issued => "выдан",
            RequestStatus::Refused => "отказ",
            RequestStatus::Cancelled => "отменён",
            RequestStatus::Unknown => "неизвестное состояние",
        }
    }
}

/// E-book or audiobook.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookKind {
    #[default]
    Ebook,
    Audio,
    #[serde(other)]
    Other,
}

impl BookKind {
    /// The stored code (the provider's own word).
    pub fn code(self) -> &'static str {
        match self {
            BookKind::Ebook => "ebook",
            BookKind::Audio => "audio",
            BookKind::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> BookKind {
        match code {
            "ebook" => BookKind::Ebook,
            // "audiobook": how earlier builds may have written it.
            "audio" | "audiobook" => BookKind::Audio,
            _ => BookKind::Other,
        }
    }

    pub fn label_ru(self) -> &'static str {
        match self {
            BookKind::Ebook => "электронная книга",
            BookKind::Audio => "аудиокнига",
            BookKind::Other => "другое издание",
        }
    }
}

/// Refusal reasons (union of the published library rules, litres-api.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalReason {
    AgeRating,
    NoFreeCopy,
    PriceOverCap,
    MoneyExhausted,
    MonthlyPurchaseLimit,
    BooksOnHandLimit,
    CopiesPerTitleLimit,
    NotEligible,
    Duplicate,
    Other,
    /// A reason code this build does not know.
    #[serde(other)]
    Unknown,
}

impl RefusalReason {
    pub const ALL: [RefusalReason; 10] = [
        RefusalReason::AgeRating,
        RefusalReason::NoFreeCopy,
        RefusalReason::PriceOverCap,
        RefusalReason::MoneyExhausted,
        RefusalReason::MonthlyPurchaseLimit,
        RefusalReason::BooksOnHandLimit,
        RefusalReason::CopiesPerTitleLimit,
        RefusalReason::NotEligible,
        RefusalReason::Duplicate,
        RefusalReason::Other,
    ];

    /// The reason of a wire code; unknown codes become [`RefusalReason::Other`].
    pub fn from_code(code: &str) -> RefusalReason {
        RefusalReason::ALL
            .into_iter()
            .find(|r| r.code() == code)
            .unwrap_or(RefusalReason::Other)
    }

    /// The wire code (`"age_rating"`, …).
    pub fn code(self) -> &'static str {
        match self {
            RefusalReason::AgeRating => "age_rating",
            RefusalReason::NoFreeCopy => "no_free_copy",
            RefusalReason::PriceOverCap => "price_over_cap",
            RefusalReason::MoneyExhausted => "money_exhausted",
            RefusalReason::MonthlyPurchaseLimit => "monthly_purchase_limit",
            RefusalReason::BooksOnHandLimit => "books_on_hand_limit",
            RefusalReason::CopiesPerTitleLimit => "copies_per_title_limit",
            RefusalReason::NotEligible => "not_eligible",
            RefusalReason::Duplicate => "duplicate",
            RefusalReason::Other => "other",
            RefusalReason::Unknown => "unknown",
        }
    }

    /// The reason as the librarian picks it.
    pub fn label_ru(self) -> &'static str {
        match self {
            RefusalReason::AgeRating => "Не подходит по возрасту (436-ФЗ)",
            RefusalReason::NoFreeCopy => "Нет свободного экземпляра (выдан другому читателю)",
            RefusalReason::PriceOverCap => "Цена выше допустимой",
            RefusalReason::MoneyExhausted => "Исчерпаны средства библиотеки",
            RefusalReason::MonthlyPurchaseLimit => "Превышен лимит покупок на читателя в месяц",
            RefusalReason::BooksOnHandLimit => "Слишком много книг на руках",
            RefusalReason::CopiesPerTitleLimit => "В фонде уже максимум экземпляров",
            RefusalReason::NotEligible => "Читатель не может пользоваться услугой",
            RefusalReason::Duplicate => "Повторный запрос",
            RefusalReason::Other => "Другая причина",
            RefusalReason::Unknown => "Неизвестная причина",
        }
    }
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_ru())
    }
}

/// The kinds of decision on a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecisionKind {
    Issue,
    Buy,
    Refuse,
    Cancel,
}

impl DecisionKind {
    pub const ALL: [DecisionKind; 4] = [
        DecisionKind::Issue,
        DecisionKind::Buy,
        DecisionKind::Refuse,
        DecisionKind::Cancel,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            DecisionKind::Issue => "issue",
            DecisionKind::Buy => "buy",
            DecisionKind::Refuse => "refuse",
            DecisionKind::Cancel => "cancel",
        }
    }

    pub fn from_code(code: &str) -> Option<DecisionKind> {
        DecisionKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The decision as the desk names it in a list.
    pub fn short_label(self) -> &'static str {
        match self {
            DecisionKind::Issue => "выдать",
            DecisionKind::Buy => "купить и выдать",
            DecisionKind::Refuse => "отказать",
            DecisionKind::Cancel => "отменить",
        }
    }

    /// The provider status the request has once the decision is applied.
    pub fn target_status(self) -> RequestStatus {
        match self {
            DecisionKind::Issue | DecisionKind::Buy => RequestStatus::Issued,
            DecisionKind::Refuse => RequestStatus::Refused,
            DecisionKind::Cancel => RequestStatus::Cancelled,
        }
    }
}

/// What the librarian decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Issue a free copy from the fund.
    Issue,
    /// Buy a copy into the fund and issue it.
    Buy,
    /// Refuse; the text goes to the reader and is required.
    Refuse { reason: RefusalReason, text: String },
    /// Cancel (e.g. at the reader's request).
    Cancel { comment: String },
}

impl Decision {
    pub fn kind(&self) -> DecisionKind {
        match self {
            Decision::Issue => DecisionKind::Issue,
            Decision::Buy => DecisionKind::Buy,
            Decision::Refuse { .. } => DecisionKind::Refuse,
            Decision::Cancel { .. } => DecisionKind::Cancel,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Decision::Issue => "выдать из фонда",
            Decision::Buy => "купить в фонд и выдать",
            Decision::Refuse { .. } => "отказать",
            Decision::Cancel { .. } => "отменить",
        }
    }

    /// A refusal without a stated reason is not allowed: the reader gets the text.
    pub fn problem(&self) -> Option<String> {
        match self {
            Decision::Refuse { text, .. } if text.trim().is_empty() => {
                Some("Напишите причину отказа: этот текст получит читатель.".to_string())
            }
            _ => None,
        }
    }
}

/// What a write of the outbox does at the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxKind {
    /// Create the reader's card ("create at the provider" mode).
    CreateReader,
    /// Issue a book from the fund without a request.
    IssueDirect,
    /// A reader's own lending settings.
    ReaderSettings,
    /// A decision on a request.
    Decision(DecisionKind),
    /// A write this build does not know (written by another version): it
    /// cannot be sent and is closed as refused, not left to block the queue.
    Unknown,
}

impl OutboxKind {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            OutboxKind::CreateReader => "create_reader",
            OutboxKind::IssueDirect => "issue_direct",
            OutboxKind::ReaderSettings => "reader_settings",
            OutboxKind::Decision(d) => d.code(),
            OutboxKind::Unknown => "unknown",
        }
    }

    pub fn from_code(code: &str) -> Option<OutboxKind> {
        match code {
            "create_reader" => Some(OutboxKind::CreateReader),
            "issue_direct" => Some(OutboxKind::IssueDirect),
            "reader_settings" => Some(OutboxKind::ReaderSettings),
            other => DecisionKind::from_code(other).map(OutboxKind::Decision),
        }
    }

    /// What it did, for the journal.
    pub fn journal_label(self) -> &'static str {
        match self {
            OutboxKind::CreateReader => "создание учётной записи читателя",
            OutboxKind::IssueDirect => "выдача книги без запроса",
            OutboxKind::ReaderSettings => "личные настройки выдачи",
            OutboxKind::Decision(DecisionKind::Issue) => "выдача книги",
            OutboxKind::Decision(DecisionKind::Buy) => "покупка книги в фонд и выдача",
            OutboxKind::Decision(DecisionKind::Refuse) => "отказ по запросу",
            OutboxKind::Decision(DecisionKind::Cancel) => "отмена запроса",
            OutboxKind::Unknown => "неизвестное действие",
        }
    }

    /// What it does, for the sync report ("выдача по запросу …").
    pub fn label(self) -> &'static str {
        match self {
            OutboxKind::CreateReader => "создание учётной записи читателя",
            OutboxKind::IssueDirect => "выдача без запроса",
            OutboxKind::ReaderSettings => "личные настройки выдачи",
            OutboxKind::Decision(DecisionKind::Issue) => "выдача",
            OutboxKind::Decision(DecisionKind::Buy) => "покупка и выдача",
            OutboxKind::Decision(DecisionKind::Refuse) => "отказ",
            OutboxKind::Decision(DecisionKind::Cancel) => "отмена",
            OutboxKind::Unknown => "неизвестное действие",
        }
    }
}

/// One write waiting for (or done by) the sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: i64,
    pub kind: OutboxKind,
    /// JSON parameters.
    pub payload: String,
    pub reader_id: Option<ReaderId>,
    pub request_id: Option<RequestId>,
    pub attempts: u32,
    pub in_doubt: bool,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_by: String,
}

/// The sync state shown in the status bar.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncStatus {
    pub configured: bool,
    pub online: Option<bool>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Writes waiting to be sent.
    pub waiting: u64,
    /// Writes the provider refused (need the librarian).
    pub failed: u64,
    pub pending_requests: u64,
    /// When the oldest request waiting for a decision was made.
    pub oldest_pending: Option<DateTime<Utc>>,
}

/// Delay before retrying a write that could not be sent: 5 s, 10 s, 20 s…
/// up to 10 minutes.
pub fn backoff(attempts: u32) -> chrono::Duration {
    let secs = 5i64.saturating_mul(1i64 << attempts.saturating_sub(1).min(10));
    chrono::Duration::seconds(secs.min(600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff(1).num_seconds(), 5);
        assert_eq!(backoff(2).num_seconds(), 10);
        assert_eq!(backoff(4).num_seconds(), 40);
        assert_eq!(backoff(30).num_seconds(), 600);
    }

    #[test]
    fn refusal_needs_a_text() {
        let d = Decision::Refuse {
            reason: RefusalReason::PriceOverCap,
            text: "  ".into(),
        };
        assert!(d.problem().unwrap().contains("причину отказа"));
        assert_eq!(Decision::Buy.kind().target_status(), RequestStatus::Issued);
    }

    #[test]
    fn stored_codes_read_back() {
        for s in [
            RequestStatus::Pending,
            RequestStatus::Issued,
            RequestStatus::Refused,
            RequestStatus::Cancelled,
        ] {
            assert_eq!(RequestStatus::from_code(s.code()), s);
        }
        assert_eq!(RequestStatus::from_code("returned"), RequestStatus::Unknown);
        for k in [BookKind::Ebook, BookKind::Audio] {
            assert_eq!(BookKind::from_code(k.code()), k);
        }
        assert_eq!(BookKind::from_code("audiobook"), BookKind::Audio);
        for d in DecisionKind::ALL {
            assert_eq!(
                OutboxKind::from_code(OutboxKind::Decision(d).code()),
                Some(OutboxKind::Decision(d))
            );
        }
        assert_eq!(
            OutboxKind::from_code("create_reader"),
            Some(OutboxKind::CreateReader)
        );
        assert_eq!(OutboxKind::from_code("nonsense"), None);
    }
}
