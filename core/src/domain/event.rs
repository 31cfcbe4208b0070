//! The event journal: one append-only record per action at the desk.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    ReaderRegistered,
    ConsentGiven,
    ReaderViewed,
    ContactsShown,
    LoginBound,
    LoginBlocked,
    PasswordShown,
    SlipPrinted,
    SlipSaved,
    PoolImported,
    SettingsChanged,
    ProviderAccountRequested,
    ProviderAccountCreated,
    RequestDecided,
    OutboxDelivered,
    OutboxRefused,
    SlipPrintFailed,
    ReadersListed,
    RuleOverridden,
    CardLinked,
    PolicyChanged,
    BookIssuedDirect,
    LendingChanged,
    HistoryViewed,
    FundHoldersViewed,
    CollectionChanged,
    FundExported,
}

impl EventKind {
    pub const ALL: [EventKind; 27] = [
        EventKind::ReaderRegistered,
        EventKind::ConsentGiven,
        EventKind::ReaderViewed,
        EventKind::ContactsShown,
        EventKind::LoginBound,
        EventKind::LoginBlocked,
        EventKind::PasswordShown,
        EventKind::SlipPrinted,
        EventKind::SlipSaved,
        EventKind::PoolImported,
        EventKind::SettingsChanged,
        EventKind::ProviderAccountRequested,
        EventKind::ProviderAccountCreated,
        EventKind::RequestDecided,
        EventKind::OutboxDelivered,
        EventKind::OutboxRefused,
        EventKind::SlipPrintFailed,
        EventKind::ReadersListed,
        EventKind::RuleOverridden,
        EventKind::CardLinked,
        EventKind::PolicyChanged,
        EventKind::BookIssuedDirect,
        EventKind::LendingChanged,
        EventKind::HistoryViewed,
        EventKind::FundHoldersViewed,
        EventKind::CollectionChanged,
        EventKind::FundExported,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EventKind::ReaderRegistered => "reader_registered",
            EventKind::ConsentGiven => "consent_given",
            EventKind::ReaderViewed => "reader_viewed",
            EventKind::ContactsShown => "contacts_shown",
            EventKind::LoginBound => "login_bound",
            EventKind::LoginBlocked => "login_blocked",
            EventKind::PasswordShown => "password_shown",
            EventKind::SlipPrinted => "slip_printed",
            EventKind::SlipSaved => "slip_saved",
            EventKind::PoolImported => "pool_imported",
            EventKind::SettingsChanged => "settings_changed",
            EventKind::ProviderAccountRequested => "provider_account_requested",
            EventKind::ProviderAccountCreated => "provider_account_created",
            EventKind::RequestDecided => "request_decided",
            EventKind::OutboxDelivered => "outbox_delivered",
            EventKind::OutboxRefused => "outbox_refused",
            EventKind::SlipPrintFailed => "slip_print_failed",
            EventKind::ReadersListed => "readers_listed",
            EventKind::RuleOverridden => "rule_overridden",
            EventKind::CardLinked => "card_linked",
            EventKind::PolicyChanged => "policy_changed",
            EventKind::BookIssuedDirect => "book_issued_direct",
            EventKind::LendingChanged => "lending_changed",
            EventKind::HistoryViewed => "history_viewed",
            EventKind::FundHoldersViewed => "fund_holders_viewed",
            EventKind::CollectionChanged => "collection_changed",
            EventKind::FundExported => "fund_exported",
        }
    }

    pub fn from_code(code: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            EventKind::ReaderRegistered => "Читатель зарегистрирован",
            EventKind::ConsentGiven => "Получено согласие на обработку ПДн",
            EventKind::ReaderViewed => "Открыта карточка читателя",
            EventKind::ContactsShown => "Показаны контакты",
            EventKind::LoginBound => "Выдан логин ЭБС",
            EventKind::LoginBlocked => "Логин ЭБС заблокирован",
            EventKind::PasswordShown => "Показан пароль",
            EventKind::SlipPrinted => "Памятка отправлена на печать",
            EventKind::SlipSaved => "Памятка сохранена в PDF",
            EventKind::PoolImported => "Загружен список логинов",
            EventKind::SettingsChanged => "Изменены настройки",
            EventKind::ProviderAccountRequested => "Запрошена учётная запись в ЭБС",
            EventKind::ProviderAccountCreated => "Создана учётная запись в ЭБС",
            EventKind::RequestDecided => "Решение по запросу книги",
            EventKind::OutboxDelivered => "Отправлено в ЭБС",
            EventKind::OutboxRefused => "ЭБС отклонила действие",
            EventKind::SlipPrintFailed => "Памятка не напечатана",
            EventKind::ReadersListed => "Просмотрен список читателей",
            EventKind::RuleOverridden => "Решение вопреки правилу",
            EventKind::CardLinked => "Карта ЭБС связана с читателем",
            EventKind::PolicyChanged => "Изменена политика выдачи",
            EventKind::BookIssuedDirect => "Книга выдана без запроса",
            EventKind::LendingChanged => "Изменены личные настройки выдачи",
            EventKind::HistoryViewed => "Просмотрен книгооборот",
            EventKind::FundHoldersViewed => "Просмотрено, у кого книга фонда",
            EventKind::CollectionChanged => "Изменена подборка",
            EventKind::FundExported => "Выгружены новые книги фонда",
        }
    }
}

/// Who did it and where: recorded with every event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Actor {
    pub staff: String,
    pub desk: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for k in EventKind::ALL {
            assert_eq!(EventKind::from_code(k.code()), Some(k));
            assert!(seen.insert(k.code()));
        }
    }
}
