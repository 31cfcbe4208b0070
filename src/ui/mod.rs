//! The iced workstation.
//!
//! - [`shell`]: the frame around the screens (header, tabs, search box,
//!   status bar, sync state, shortcuts) and the routing of their effects;
//! - [`screens`]: one module per screen, each with its own `Message`,
//!   `update` returning its own `Action`, and `view`;
//! - [`theme`]: fonts, colours, text sizes, spacing, shared view pieces;
//! - [`dialogs`]: file dialogs (native, or preset for tests and demos);
//! - [`modal`]: a dialog over a screen;
//! - [`setup`]: the first run of a fresh workstation.
//!
//! Database and network work always runs in a [`iced::Task`] through the
//! application services of `kafedra-core`; `update` and `view` never touch
//! SQLite or the network.

pub mod dialogs;
pub mod modal;
pub mod screens;
pub mod setup;
pub mod shell;
pub mod theme;

pub use dialogs::Dialogs;
pub use kafedra_core::services::provider::Link as ProviderLink;
pub use shell::{App, Message, Notice, NoticeKind, SEARCH_ID, Shortcut, run};
pub use theme::{FONT_BOLD, FONT_MONO, FONT_MONO_BOLD, FONT_REGULAR, fonts};
