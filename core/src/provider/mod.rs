//! The provider adapter: everything Kafedra does with the e-library provider (LitRes
//! «Библиотека», CataLit v2 protocol) goes through this module.
//!
//! - [`protocol`]: the envelope, its signature, the response envelope, error codes.
//! - [`api`]: every function name in one place, with typed parameters and answers.
//!   The library functions beyond `w_biblio_reader_create` / `r_biblio_reader_list` are
//!   not public: their names, parameters and codes are our own and renamable there.
//! - [`client`]: the HTTPS client (sessions, pacing, batching, error kinds).
//! - [`sync`]: one sync with the store: the outbox delivered exactly once, pulls.
//!
//! Only [`sync`] uses the rest of the crate (the store and domain types). The
//! simulator of the provider lives beside this module, in [`crate::sim`].

pub mod api;
pub mod client;
pub mod protocol;
mod run;
pub mod sync;

#[cfg(test)]
mod sync_tests;
#[cfg(test)]
mod tests;

pub use api::{
    BookKind, FundItem, LibraryInfo, LibraryStats, Money, ProviderReader, RefusalReason, Request,
    RequestStatus,
};
pub use client::{
    Answer, BatchAnswer, Client, ClientConfig, Listing, PagingStop, ProviderError, PullLimits,
    PullStats, Secret, WriteOutcome,
};
