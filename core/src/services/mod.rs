//! Application services: one module per use-case family, shared by the iced
//! screens and the command line of the `kafedra` crate, which call nothing
//! else below them. A service validates, calls the store (all SQL is there),
//! the slip renderer or the provider client, and journals what happened.
//!
//! - [`readers`]: register, search, open a reader's card, reveal contacts;
//! - [`access`]: grant access (a pool login or a card created at the
//!   provider, as Settings say), block, reveal the password;
//! - [`slips`]: save or print the access slip;
//! - [`pool`]: import the provider's login list, counts, past imports;
//! - [`requests`]: the pending queue in the library's order, the rules checked
//!   before a decision, the decisions, the library's policy;
//! - [`lending`]: issue from the reader's card, the reader's own settings,
//!   the reader's «Книгооборот»;
//! - [`provider`]: the provider connection (set up, checked, shown) and sync;
//! - [`settings`]: open the workstation, save settings;
//! - [`setup`]: the first run: the connection checked, a test slip;
//! - [`journal`]: read the journal;
//! - [`report`]: the error report for the library's IT person.
//!
//! Every service takes the [`Store`] and the [`Context`]; the screens run
//! them off the UI thread through [`Db`].

mod error;

pub mod access;
pub mod fund;
pub mod journal;
pub mod lending;
pub mod pool;
pub mod provider;
pub mod readers;
pub mod report;
pub mod requests;
pub mod settings;
pub mod setup;
pub mod slips;
pub mod stats;

#[cfg(test)]
mod desk_tests;
#[cfg(test)]
mod fund_tests;
#[cfg(test)]
mod stats_tests;

use chrono::{Local, NaiveDate};

use crate::config::{Paths, Settings};
use crate::domain::event::Actor;

pub use crate::store::{Db, Store};
pub use error::{Error, FileAction, ImportProblem, Result};

/// The provider whose logins the pool holds.
pub const PROVIDER: &str = "litres";

/// Everything a service needs besides the database.
#[derive(Debug, Clone)]
pub struct Context {
    pub settings: Settings,
    pub paths: Paths,
    pub actor: Actor,
}

impl Context {
    pub fn new(settings: Settings, paths: Paths) -> Context {
        let actor = settings.actor();
        Context {
            settings,
            paths,
            actor,
        }
    }

    pub fn today(&self) -> NaiveDate {
        Local::now().date_naive()
    }
}

/// Which kinds of data an action or a sync changed, so that whatever shows
/// them reloads (the screens, the pool counts in the status bar).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changed {
    /// Readers' requests (pulled, decided, a decision delivered or refused).
    pub requests: bool,
    /// Logins: the pool and readers' bindings (bound, blocked, imported, a
    /// card created at the provider).
    pub logins: bool,
    /// The library's fund.
    pub fund: bool,
}

impl Changed {
    pub const LOGINS: Changed = Changed {
        requests: false,
        logins: true,
        fund: false,
    };
    pub const REQUESTS: Changed = Changed {
        requests: true,
        logins: false,
        fund: false,
    };

    pub fn any(self) -> bool {
        self.requests || self.logins || self.fund
    }
}
