//! The «Доступ к ЭБС» panel of the reader's page.

use chrono::Local;
use iced::Element;
use iced::widget::{Column, button, column, container, pick_list, row, text, text_input};
use kafedra_core::config::{AccessMode, SlipLayout};
use kafedra_core::domain::BlockReason;
use kafedra_core::domain::reader::Channel;
use kafedra_core::domain::records::Binding;
use kafedra_core::services::Context;
use kafedra_core::services::readers::ReaderProfile;

use super::{BlockForm, Message, ReaderPage};
use crate::ui::theme::{self, FONT_BOLD, FONT_MONO, FONT_MONO_BOLD, size, space};

impl ReaderPage {
    pub(super) fn access_panel<'a>(
        &'a self,
        profile: &'a ReaderProfile,
        ctx: &'a Context,
    ) -> Column<'a, Message> {
        let title = text("Доступ к ЭБС").size(size::TITLE).font(FONT_BOLD);
        let mut col = column![title].spacing(space::ML);
        col = match &profile.binding {
            None if ctx.settings.access_mode == AccessMode::Provider => {
                col.push(self.provider_card(profile))
            }
            None => col.push(self.pool_login(profile, ctx)),
            Some(b) => col.push(self.bound(b)),
        };
        if !profile.past_bindings.is_empty() {
            col = col.push(past_logins(&profile.past_bindings));
        }
        col
    }

    /// Provider mode: the card is created at the provider.
    fn provider_card<'a>(&'a self, profile: &'a ReaderProfile) -> Column<'a, Message> {
        let col = column![text("Учётной записи в ЭБС ещё нет.")].spacing(space::ML);
        let Some(item) = &profile.provider_waiting else {
            let label = if self.busy {
                "Отправка…"
            } else {
                "Создать учётную запись в ЭБС (Ctrl+L)"
            };
            return col.push(self.primary(label, Message::Bind));
        };
        let mut col = col.push(
            text("Учётная запись создаётся в ЭБС: запрос в очереди синхронизации. Логин появится здесь после ответа ЭБС.")
                .style(text::secondary),
        );
        if let Some(e) = &item.last_error {
            col = col.push(
                text(format!("Последняя попытка: {e}"))
                    .size(size::SMALL)
                    .style(text::danger),
            );
        }
        col
    }

    /// Pool mode: the login that will be bound, and «Выдать логин».
    fn pool_login<'a>(
        &'a self,
        profile: &'a ReaderProfile,
        ctx: &'a Context,
    ) -> Column<'a, Message> {
        let col = column![text("Логин не выдан.")].spacing(space::ML);
        let Some(a) = &profile.proposed else {
            return col.push(theme::errors(vec![
                "Свободных логинов нет. Загрузите новый список: «Пул логинов» → «Загрузить файл…»."
                    .into(),
            ]));
        };
        let label = if self.busy {
            "Выдача…"
        } else {
            "Выдать логин (Ctrl+L)"
        };
        let mut col = col
            .push(
                row![
                    text("Будет выдан логин: "),
                    text(&a.login).font(FONT_MONO_BOLD).size(size::LARGE)
                ]
                .align_y(iced::Center),
            )
            .push(self.primary(label, Message::Bind));
        if ctx.settings.print_after_bind {
            col = col.push(
                text(match profile.reader.channel {
                    Channel::Email | Channel::Web => "После выдачи будет предложено сохранить памятку в PDF для отправки читателю.",
                    _ => "После выдачи памятка сразу уйдёт на печать.",
                })
                .size(size::SMALL)
                .style(text::secondary),
            );
        }
        col
    }

    fn primary<'a>(&self, label: &'a str, message: Message) -> Element<'a, Message> {
        button(text(label).font(FONT_BOLD))
            .on_press_maybe((!self.busy).then_some(message))
            .padding([10, 18])
            .style(button::primary)
            .into()
    }

    /// The active login: password, slip, block.
    fn bound<'a>(&'a self, b: &'a Binding) -> Column<'a, Message> {
        let bound_at = format!(
            "{}, {}",
            b.bound_at.with_timezone(&Local).format("%d.%m.%Y %H:%M"),
            b.bound_by
        );
        column![
            theme::field(
                "Логин",
                text(&b.account.login)
                    .font(FONT_MONO_BOLD)
                    .size(size::LARGE),
            ),
            theme::field("Пароль", self.password_field()),
            theme::field("Выдан", text(bound_at)),
            row![
                text("Памятка").style(text::secondary).width(170),
                pick_list(SlipLayout::ALL, Some(self.layout), Message::Layout).padding(6),
            ]
            .spacing(space::M)
            .align_y(iced::Center),
            row![
                button(text("Печать памятки (Ctrl+P)").font(FONT_BOLD))
                    .on_press_maybe((!self.busy).then_some(Message::Print))
                    .padding([8, 14])
                    .style(button::primary),
                button(text("Сохранить PDF…"))
                    .on_press_maybe((!self.busy).then_some(Message::SavePdf))
                    .padding([8, 14])
                    .style(button::secondary),
            ]
            .spacing(space::M),
            match &self.block {
                None => button(text("Заблокировать логин…"))
                    .on_press(Message::StartBlock)
                    .style(button::danger)
                    .padding([6, 12])
                    .into(),
                Some(form) => self.block_form(form),
            },
        ]
        .spacing(space::ML)
    }

    fn password_field(&self) -> Element<'_, Message> {
        match &self.password {
            Some(p) => row![
                text(p).font(FONT_MONO_BOLD).size(size::LARGE),
                button(text("Скрыть").size(size::SMALL))
                    .on_press(Message::HidePassword)
                    .style(button::text),
            ]
            .spacing(space::M)
            .align_y(iced::Center)
            .into(),
            None => row![
                text("••••••••").font(FONT_MONO),
                button(text("Показать пароль").size(size::SMALL))
                    .on_press(Message::ShowPassword)
                    .style(button::secondary)
                    .padding([4, 10]),
            ]
            .spacing(space::M)
            .align_y(iced::Center)
            .into(),
        }
    }

    fn block_form<'a>(&'a self, form: &'a BlockForm) -> Element<'a, Message> {
        let placeholder = if form.reason.needs_comment() {
            "Опишите причину (обязательно)"
        } else {
            "Комментарий (необязательно)"
        };
        container(
            column![
                text("Блокировка логина: он больше не будет выдан никому.").font(FONT_BOLD),
                row![
                    text("Причина").width(90),
                    pick_list(BlockReason::ALL, Some(form.reason), Message::BlockReason).padding(6),
                ]
                .spacing(space::M)
                .align_y(iced::Center),
                text_input(placeholder, &form.comment)
                    .on_input(Message::BlockComment)
                    .on_submit(Message::ConfirmBlock)
                    .padding(6),
                row![
                    button(text("Заблокировать"))
                        .on_press_maybe((!self.busy).then_some(Message::ConfirmBlock))
                        .style(button::danger),
                    button(text("Отмена"))
                        .on_press(Message::CancelBlock)
                        .style(button::secondary),
                ]
                .spacing(space::M),
            ]
            .spacing(space::M),
        )
        .padding(10)
        .style(theme::warning_box)
        .into()
    }
}

fn past_logins(past: &[Binding]) -> Column<'_, Message> {
    past.iter().fold(
        column![text("Прежние логины").font(FONT_BOLD)].spacing(space::XS),
        |c, b| {
            c.push(
                text(format!(
                    "{} — заблокирован {}: {}",
                    b.account.login,
                    b.ended_at
                        .map(|t| t.with_timezone(&Local).format("%d.%m.%Y").to_string())
                        .unwrap_or_default(),
                    b.end_reason.as_deref().unwrap_or("")
                ))
                .size(size::SMALL),
            )
        },
    )
}
