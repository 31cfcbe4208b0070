//! Readers' book requests at the provider and the desk's decisions on them.

use chrono::{DateTime, NaiveDate, Utc};

/// A request as the desk knows it (pulled from the provider).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BookRequest {
    pub id: crate::domain::ids::RequestId,
    pub lib_card: String,
    pub reader_name: Option<String>,
    pub reader_birth_date: Option<NaiveDate>,
    pub art: u64,
    pub title: String,
    pub authors: String,
    pub genre: Option<String>,
    /// `ebook` or `audiobook`.
    pub kind: String,
    pub price_kopecks: Option<i64>,
    pub age_rating: Option<u8>,
    /// `pending`, `issued`, `refused`, `cancelled`, `returned`…
    pub status: String,
    pub created: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    pub refusal_reason: Option<String>,
    pub refusal_text: Option<String>,
    pub loan_due: Option<NaiveDate>,
    /// Decided at the desk, waiting to be sent.
    pub local_decision: Option<String>,
}

/// What the librarian decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Issue a free copy from the fund.
    Issue,
    /// Buy a copy into the fund and issue it.
    Buy,
    /// Refuse; the text goes to the reader and is required.
    Refuse { reason: String, text: String },
    /// Cancel (e.g. at the reader's request).
    Cancel { comment: String },
}

impl Decision {
    /// The outbox kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Decision::Issue => "issue",
            Decision::Buy => "buy",
            Decision::Refuse { .. } => "refuse",
            Decision::Cancel { .. } => "cancel",
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

    /// The provider status the request has once the decision is applied.
    pub fn target_status(&self) -> &'static str {
        match self {
            Decision::Issue | Decision::Buy => "issued",
            Decision::Refuse { .. } => "refused",
            Decision::Cancel { .. } => "cancelled",
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

/// One write waiting for (or done by) the sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: i64,
    /// `create_reader`, `issue`, `buy`, `refuse`, `cancel`.
    pub kind: String,
    /// JSON parameters.
    pub payload: String,
    pub reader_id: Option<crate::domain::ids::ReaderId>,
    pub request_id: Option<crate::domain::ids::RequestId>,
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
            reason: "price_over_cap".into(),
            text: "  ".into(),
        };
        assert!(d.problem().unwrap().contains("причину отказа"));
        assert_eq!(Decision::Buy.target_status(), "issued");
    }
}
