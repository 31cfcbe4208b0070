//! Keyboard shortcuts. Letters are matched by their Latin key position
//! (`to_latin`), so they work on a Russian layout too.

use iced::event;
use iced::keyboard::{self, Key, key};

use crate::ui::screens::Tab;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    FocusSearch,
    NewReader,
    Save,
    BindLogin,
    Print,
    Back,
    NextField,
    PreviousField,
    Tab(Tab),
    /// Up/down in the search results.
    Move(i32),
    /// Consent signed (the checkbox of the registration form).
    ToggleConsent,
    SyncNow,
}

/// Keyboard shortcuts. Letters are matched by their Latin key position
/// (`to_latin`), so they work on a Russian layout too.
pub(super) fn shortcut_of(
    event: iced::Event,
    status: event::Status,
    _window: iced::window::Id,
) -> Option<Shortcut> {
    let iced::Event::Keyboard(keyboard::Event::KeyPressed {
        key,
        physical_key,
        modifiers,
        ..
    }) = event
    else {
        return None;
    };
    if modifiers.command() {
        return match key.to_latin(physical_key) {
            Some('f') | Some('k') => Some(Shortcut::FocusSearch),
            Some('n') => Some(Shortcut::NewReader),
            Some('s') => Some(Shortcut::Save),
            Some('l') => Some(Shortcut::BindLogin),
            Some('p') => Some(Shortcut::Print),
            Some('d') => Some(Shortcut::ToggleConsent),
            _ => None,
        };
    }
    match key.as_ref() {
        Key::Named(key::Named::F2) => Some(Shortcut::Tab(Tab::Readers)),
        Key::Named(key::Named::F5) => Some(Shortcut::SyncNow),
        Key::Named(key::Named::F6) => Some(Shortcut::Tab(Tab::Requests)),
        Key::Named(key::Named::F7) => Some(Shortcut::Tab(Tab::Fund)),
        Key::Named(key::Named::F8) => Some(Shortcut::Tab(Tab::Stats)),
        Key::Named(key::Named::F3) => Some(Shortcut::Tab(Tab::Pool)),
        Key::Named(key::Named::F4) => Some(Shortcut::Tab(Tab::Journal)),
        Key::Named(key::Named::F9) => Some(Shortcut::Tab(Tab::Settings)),
        Key::Named(key::Named::Tab) if status == event::Status::Ignored => {
            Some(if modifiers.shift() {
                Shortcut::PreviousField
            } else {
                Shortcut::NextField
            })
        }
        Key::Named(key::Named::Escape) if status == event::Status::Ignored => Some(Shortcut::Back),
        Key::Named(key::Named::ArrowDown) => Some(Shortcut::Move(1)),
        Key::Named(key::Named::ArrowUp) => Some(Shortcut::Move(-1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iced::keyboard::key::{Code, Physical};
    use iced::keyboard::{Location, Modifiers};

    fn press(key: Key, code: Code, modifiers: Modifiers) -> iced::Event {
        iced::Event::Keyboard(keyboard::Event::KeyPressed {
            key: key.clone(),
            modified_key: key,
            physical_key: Physical::Code(code),
            location: Location::Standard,
            modifiers,
            text: None,
            repeat: false,
        })
    }

    fn shortcut(
        key: Key,
        code: Code,
        modifiers: Modifiers,
        status: event::Status,
    ) -> Option<Shortcut> {
        shortcut_of(
            press(key, code, modifiers),
            status,
            iced::window::Id::unique(),
        )
    }

    #[test]
    fn shortcuts_work_on_a_russian_layout() {
        let captured = event::Status::Captured;
        // Ctrl+S typed on ЙЦУКЕН arrives as «ы» on the physical S key.
        assert_eq!(
            shortcut(
                Key::Character("ы".into()),
                Code::KeyS,
                Modifiers::CTRL,
                captured
            ),
            Some(Shortcut::Save)
        );
        assert_eq!(
            shortcut(
                Key::Character("s".into()),
                Code::KeyS,
                Modifiers::CTRL,
                captured
            ),
            Some(Shortcut::Save)
        );
        assert_eq!(
            shortcut(
                Key::Character("т".into()),
                Code::KeyN,
                Modifiers::CTRL,
                captured
            ),
            Some(Shortcut::NewReader)
        );
        assert_eq!(
            shortcut(
                Key::Character("д".into()),
                Code::KeyL,
                Modifiers::CTRL,
                captured
            ),
            Some(Shortcut::BindLogin)
        );
        assert_eq!(
            shortcut(
                Key::Character("з".into()),
                Code::KeyP,
                Modifiers::CTRL,
                captured
            ),
            Some(Shortcut::Print)
        );
        assert_eq!(
            shortcut(
                Key::Character("а".into()),
                Code::KeyF,
                Modifiers::CTRL,
                captured
            ),
            Some(Shortcut::FocusSearch)
        );
        // Plain letters are typing, not shortcuts.
        assert_eq!(
            shortcut(
                Key::Character("ы".into()),
                Code::KeyS,
                Modifiers::empty(),
                captured
            ),
            None
        );
    }

    #[test]
    fn tab_and_escape_only_when_no_widget_took_them() {
        let tab = Key::Named(key::Named::Tab);
        assert_eq!(
            shortcut(
                tab.clone(),
                Code::Tab,
                Modifiers::empty(),
                event::Status::Ignored
            ),
            Some(Shortcut::NextField)
        );
        assert_eq!(
            shortcut(
                tab.clone(),
                Code::Tab,
                Modifiers::SHIFT,
                event::Status::Ignored
            ),
            Some(Shortcut::PreviousField)
        );
        assert_eq!(
            shortcut(tab, Code::Tab, Modifiers::empty(), event::Status::Captured),
            None
        );
        let esc = Key::Named(key::Named::Escape);
        assert_eq!(
            shortcut(
                esc.clone(),
                Code::Escape,
                Modifiers::empty(),
                event::Status::Ignored
            ),
            Some(Shortcut::Back)
        );
        assert_eq!(
            shortcut(
                esc,
                Code::Escape,
                Modifiers::empty(),
                event::Status::Captured
            ),
            None
        );
        assert_eq!(
            shortcut(
                Key::Named(key::Named::F3),
                Code::F3,
                Modifiers::empty(),
                event::Status::Captured
            ),
            Some(Shortcut::Tab(Tab::Pool))
        );
    }
}
