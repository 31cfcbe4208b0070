//! The reader card: «Книгооборот», own settings, issue without a request; the policy editor in Settings (iced_test).
