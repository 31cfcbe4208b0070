//! Pure types and rules of the reference desk. No iced, no SQL, no HTTP.

pub mod account;
pub mod card_number;
pub mod event;
pub mod fund;
pub mod ids;
pub mod layout;
pub mod policy;
pub mod priority;
pub mod reader;
pub mod records;
pub mod request;
pub mod rules;
pub mod stats;
pub mod text;

pub use account::{AccountStatus, BlockReason};
pub use event::EventKind;
pub use reader::{Channel, Field, FieldError, ReaderDraft, ValidReader};
