//! The status bar: free logins (with the low-water warning), the last notice
//! or the settings warning, and the sync state.

use iced::widget::{button, column, container, row, rule, space, text};
use iced::{Element, Fill};
use kafedra_core::config::AccessMode;

use super::{App, Message, NoticeKind};
use crate::ui::theme::{self, FONT_BOLD, size, space as gap};

pub(super) fn bar(app: &App) -> Element<'_, Message> {
    container(column![
        rule::horizontal(1),
        row![
            pool(app),
            space::horizontal().width(24),
            container(notice(app)).width(Fill)
        ]
        .align_y(iced::Center)
        .padding([6, 16]),
        container(app.sync.view().map(Message::Sync)).padding(iced::Padding {
            top: 0.0,
            right: 16.0,
            bottom: 6.0,
            left: 16.0
        }),
    ])
    .style(theme::status)
    .into()
}

/// During the first-run setup: only the notices (the pool is still empty,
/// and the sync not set up, on purpose).
pub(super) fn setup_bar(app: &App) -> Element<'_, Message> {
    container(column![
        rule::horizontal(1),
        container(notice(app)).width(Fill).padding([6, 16]),
    ])
    .style(theme::status)
    .into()
}

fn pool(app: &App) -> Element<'_, Message> {
    if app.ctx.settings.access_mode == AccessMode::Provider {
        return text("Логины создаёт ЭБС")
            .size(size::SMALL)
            .style(text::secondary)
            .into();
    }
    let Some(c) = app.pool_counts else {
        return text("Пул логинов загружается…").into();
    };
    let label = format!("Свободных логинов: {}", c.free);
    match c.low_warning(app.ctx.settings.pool_low_water) {
        Some(w) => row![
            text(label).font(FONT_BOLD).style(text::danger),
            text(w).style(text::danger).size(size::SMALL)
        ]
        .spacing(gap::M)
        .align_y(iced::Center)
        .into(),
        None => text(label).into(),
    }
}

fn notice(app: &App) -> Element<'_, Message> {
    match (&app.notice, &app.settings_warning) {
        (Some(n), _) => row![
            text(&n.text).style(match n.kind {
                NoticeKind::Info => text::default,
                NoticeKind::Success => text::success,
                NoticeKind::Error => text::danger,
            }),
            button(text("×"))
                .on_press(Message::DismissNotice)
                .style(button::text)
                .padding([0, 6]),
        ]
        .spacing(gap::S)
        .align_y(iced::Center)
        .into(),
        (None, Some(w)) => text(w).style(text::danger).into(),
        (None, None) => space::horizontal().into(),
    }
}
