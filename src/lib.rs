//! Kafedra: the reference-desk workstation of a public library — readers,
//! e-library (ЭБС) logins bound to them, access slips, and the journal.
//!
//! Layers (each uses only the ones above it in this list):
//! - [`domain`]: pure types and rules;
//! - [`store`]: SQLite, all SQL;
//! - [`import`], [`slip`]: file imports, PDF slips and printing;
//! - [`provider`]: the e-library provider's protocol, HTTPS client, sync, simulator;
//! - [`desk`]: the application services shared by the GUI and the CLI;
//! - [`ui`]: the iced screens; [`cli`]: the command line.

pub mod bench;
pub mod cli;
pub mod config;
pub mod demo;
pub mod desk;
pub mod domain;
pub mod import;
pub mod provider;
pub mod slip;
pub mod store;
pub mod ui;
