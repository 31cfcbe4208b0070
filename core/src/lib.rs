//! kafedra-core: the reference desk without its screens.
//!
//! Layers, each using only the ones above it in this list:
//! - [`domain`]: pure types and rules (no SQL, no HTTP, no files);
//! - [`store`]: SQLite, all SQL;
//! - [`import`], [`slip`], [`config`]: pool files, PDF slips and printing, settings files;
//! - [`provider`]: the e-library provider's protocol, HTTPS client and sync;
//! - [`services`]: the application services, one module per use-case family. The
//!   screens and the command line of the `kafedra` crate call only these.
//!
//! Beside them: [`sim`], a simulator of the provider over real TLS (tests, demo),
//! and [`sample`], generated readers and pools (demo, benchmarks, tests).

pub mod config;
pub mod domain;
pub mod export;
pub mod import;
pub mod private;
pub mod provider;
pub mod sample;
pub mod sealed;
pub mod services;
pub mod sim;
pub mod slip;
pub mod store;
