//! Kafedra: the reference-desk workstation of a public library — readers,
//! e-library (ЭБС) logins bound to them, access slips, requests, the journal.
//!
//! This crate is the part people touch: the iced screens ([`ui`]), the command
//! line ([`cli`]), the demo ([`demo`]) and the benchmark ([`bench`]). Both the
//! screens and the command line work only through
//! [`kafedra_core::services`]; everything below them lives in `kafedra-core`.

pub mod bench;
pub mod cli;
pub mod demo;
pub mod logging;
pub mod ui;
