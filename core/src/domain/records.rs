//! Records as the store returns them: plain data for the services and screens.

use chrono::{DateTime, NaiveDate, Utc};

use super::account::AccountStatus;
use super::reader::{Channel, full_name};

pub use super::ids::{AccountId, ReaderId, RequestId};

/// A registered reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    pub id: ReaderId,
    pub surname: String,
    pub name: String,
    pub patronymic: Option<String>,
    pub birth_date: NaiveDate,
    pub card: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub channel: Channel,
    pub representative: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl Reader {
    pub fn full_name(&self) -> String {
        full_name(&self.surname, &self.name, self.patronymic.as_deref())
    }
}

/// One line of the search results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderHit {
    pub id: ReaderId,
    pub full_name: String,
    pub birth_date: NaiveDate,
    pub card: String,
    /// The provider login bound to the reader now, if any.
    pub login: Option<String>,
}

/// Why a registration might be a duplicate of an existing reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DuplicateReason {
    NameAndBirthDate,
    Email,
    Phone,
}

impl DuplicateReason {
    pub fn label(self) -> &'static str {
        match self {
            DuplicateReason::NameAndBirthDate => "то же ФИО и дата рождения",
            DuplicateReason::Email => "тот же e-mail",
            DuplicateReason::Phone => "тот же телефон",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateHit {
    pub reader: ReaderHit,
    pub reasons: Vec<DuplicateReason>,
}

/// A provider account of the pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub provider: String,
    pub login: String,
    pub password: String,
    pub provider_card: Option<String>,
    pub status: AccountStatus,
    pub blocked_reason: Option<String>,
}

/// A login bound to a reader (active or ended).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub id: i64,
    pub reader_id: ReaderId,
    pub account: Account,
    pub bound_at: DateTime<Utc>,
    pub bound_by: String,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<String>,
}

/// The consent document on file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub version: String,
    pub given_at: DateTime<Utc>,
    pub by_representative: Option<String>,
    pub staff: String,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// One line of the event journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub staff: String,
    pub desk: String,
    pub kind: String,
    pub reader_id: Option<ReaderId>,
    pub reader_name: Option<String>,
    pub details: String,
}

impl JournalEntry {
    /// The kind of event (`None` for a code written by a newer build; the
    /// entry still shows, with its code).
    pub fn event(&self) -> Option<super::event::EventKind> {
        super::event::EventKind::from_code(&self.kind)
    }

    pub fn label(&self) -> &str {
        super::event::EventKind::from_code(&self.kind).map_or(self.kind.as_str(), |k| k.label())
    }
}

/// A finished pool import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub id: i64,
    pub file_name: String,
    pub encoding: String,
    pub rows: u64,
    pub at: DateTime<Utc>,
    pub staff: String,
}
