//! Ids of the desk's records, each its own type: a reader's id cannot be
//! passed where a login's is expected.

use std::fmt;

/// A reader in the library's database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReaderId(pub i64);

/// A login of the pool (an account at the provider).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(pub i64);

/// A reader's book request, as the provider numbers it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub String);

impl From<i64> for ReaderId {
    fn from(id: i64) -> ReaderId {
        ReaderId(id)
    }
}

impl From<i64> for AccountId {
    fn from(id: i64) -> AccountId {
        AccountId(id)
    }
}

impl From<String> for RequestId {
    fn from(id: String) -> RequestId {
        RequestId(id)
    }
}

impl From<&str> for RequestId {
    fn from(id: &str) -> RequestId {
        RequestId(id.to_string())
    }
}

impl RequestId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReaderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
