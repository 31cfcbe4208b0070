//! Provider accounts (logins of the pool) and why one gets blocked.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountStatus {
    Free,
    Assigned,
    Blocked,
}

impl AccountStatus {
    pub fn code(self) -> &'static str {
        match self {
            AccountStatus::Free => "free",
            AccountStatus::Assigned => "assigned",
            AccountStatus::Blocked => "blocked",
        }
    }

    pub fn from_code(code: &str) -> Option<AccountStatus> {
        match code {
            "free" => Some(AccountStatus::Free),
            "assigned" => Some(AccountStatus::Assigned),
            "blocked" => Some(AccountStatus::Blocked),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AccountStatus::Free => "свободен",
            AccountStatus::Assigned => "выдан",
            AccountStatus::Blocked => "заблокирован",
        }
    }
}

/// Why a librarian blocks a login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BlockReason {
    #[default]
    Lost,
    Compromised,
    ReaderRequest,
    Other,
}

impl BlockReason {
    pub const ALL: [BlockReason; 4] = [
        BlockReason::Lost,
        BlockReason::Compromised,
        BlockReason::ReaderRequest,
        BlockReason::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            BlockReason::Lost => "lost",
            BlockReason::Compromised => "compromised",
            BlockReason::ReaderRequest => "reader_request",
            BlockReason::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<BlockReason> {
        BlockReason::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            BlockReason::Lost => "памятка утеряна",
            BlockReason::Compromised => "пароль стал известен посторонним",
            BlockReason::ReaderRequest => "по просьбе читателя",
            BlockReason::Other => "другое",
        }
    }

    /// "Other" needs a written explanation.
    pub fn needs_comment(self) -> bool {
        self == BlockReason::Other
    }
}

impl std::fmt::Display for BlockReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Pool counts for the pool screen and the low-water warning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolCounts {
    pub free: u64,
    pub assigned: u64,
    pub blocked: u64,
}

impl PoolCounts {
    pub fn total(&self) -> u64 {
        self.free + self.assigned + self.blocked
    }

    /// The warning shown when free logins fall to the low-water mark.
    pub fn low_warning(&self, low_water: u64) -> Option<String> {
        use super::text::plural;
        if self.free == 0 {
            Some("Свободных логинов не осталось: загрузите новый список от поставщика (Пул логинов → Загрузить файл).".into())
        } else if self.free <= low_water {
            Some(format!(
                "Осталось {} {} — меньше порога {}. Запросите у поставщика новые логины.",
                self.free,
                plural(
                    self.free,
                    "свободный логин",
                    "свободных логина",
                    "свободных логинов"
                ),
                low_water
            ))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_water_warning() {
        let c = |free| PoolCounts {
            free,
            assigned: 10,
            blocked: 1,
        };
        assert!(c(50).low_warning(20).is_none());
        assert_eq!(
            c(2).low_warning(20).unwrap(),
            "Осталось 2 свободных логина — меньше порога 20. Запросите у поставщика новые логины."
        );
        assert!(
            c(0).low_warning(20)
                .unwrap()
                .starts_with("Свободных логинов не осталось")
        );
        assert_eq!(c(5).total(), 16);
    }
}
