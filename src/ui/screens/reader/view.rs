//! The reader's page laid out: the sections' bar, then the card (details,
//! access, the journal of the card) or one of the lending sections.

use chrono::Local;
use iced::widget::{Column, Space, button, column, container, row, scrollable, text};
use iced::{Element, Fill, FillPortion};
use kafedra_core::domain::reader::{age_on, format_phone, mask_contact};
use kafedra_core::domain::records::{Consent, Reader};
use kafedra_core::domain::text::plural;
use kafedra_core::services::Context;
use kafedra_core::services::readers::ReaderProfile;

use super::{Message, ReaderPage, Section};
use crate::ui::modal::modal;
use crate::ui::theme::{self, FONT_BOLD, FONT_MONO_BOLD, size, space};

impl ReaderPage {
    pub fn view<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let Some(profile) = &self.profile else {
            return match &self.error {
                Some(e) => theme::errors(vec![e.clone()]),
                None => text("Загрузка карточки…").into(),
            };
        };
        let mut body = column![self.sections_bar()].spacing(space::L);
        if self.section != Section::Card {
            body = body.push(reader_line(profile));
        }
        if let Some(e) = &self.error {
            body = body.push(theme::errors(vec![e.clone()]));
        }
        body = match self.section {
            Section::Card => body
                .push(
                    row![
                        panel(self.details(profile)).width(FillPortion(1)),
                        panel(self.access_panel(profile, ctx)).width(FillPortion(1)),
                    ]
                    .spacing(space::L),
                )
                .push(panel(history(profile)).width(Fill)),
            Section::Circulation => {
                body.push(panel(self.circulation.view(&self.waiting)).width(Fill))
            }
            Section::Issue => body.push(panel(self.issue.view(&self.waiting)).width(Fill)),
            Section::Lending => body.push(panel(self.lending.view(&self.waiting)).width(Fill)),
        };
        let page = scrollable(body);
        match self.issue_dialog() {
            Some(dialog) => modal(page, dialog),
            None => page.into(),
        }
    }

    /// «Карточка · Книгооборот · Выдать из фонда · Настройки выдачи», and the way back.
    fn sections_bar(&self) -> Element<'_, Message> {
        let tabs = Section::ALL.iter().fold(row![].spacing(space::XS), |r, s| {
            let active = *s == self.section;
            r.push(
                button(text(s.label()).font(if active {
                    FONT_BOLD
                } else {
                    theme::FONT_REGULAR
                }))
                .on_press(Message::Section(*s))
                .padding([6, 14])
                .style(if active {
                    button::primary
                } else {
                    button::secondary
                }),
            )
        });
        row![
            tabs,
            Space::new().width(Fill),
            button(text("← К поиску (Esc)"))
                .on_press(Message::Back)
                .style(button::text),
        ]
        .align_y(iced::Center)
        .into()
    }

    fn details<'a>(&'a self, profile: &'a ReaderProfile) -> Column<'a, Message> {
        let r = &profile.reader;
        let today = Local::now().date_naive();
        let (email, phone) = self.contacts_shown(r);
        let mut details = column![
            text(r.full_name()).size(size::CREDENTIAL).font(FONT_BOLD),
            theme::field(
                "№ билета",
                text(&r.card).font(FONT_MONO_BOLD).size(size::LARGE)
            ),
            theme::field(
                "Дата рождения",
                text(format!(
                    "{} ({})",
                    r.birth_date.format("%d.%m.%Y"),
                    years(age_on(r.birth_date, today))
                ))
            ),
            theme::field("Канал регистрации", text(r.channel.label())),
            theme::field(
                "Зарегистрирован",
                text(format!(
                    "{}, {}",
                    r.created_at.with_timezone(&Local).format("%d.%m.%Y %H:%M"),
                    r.created_by
                ))
            ),
            theme::field("E-mail", text(email)),
            theme::field("Телефон", text(phone)),
        ]
        .spacing(space::M);
        if self.contacts.is_none() && (r.email.is_some() || r.phone.is_some()) {
            details = details.push(
                button(text("Показать контакты").size(size::SMALL))
                    .on_press(Message::ShowContacts)
                    .style(button::secondary)
                    .padding([4, 10]),
            );
        }
        if let Some(rep) = &r.representative {
            details = details.push(theme::field("Законный представитель", text(rep)));
        }
        details.push(theme::field(
            "Согласие на ПДн",
            text(consent_line(profile.consent.as_ref())).size(size::SMALL),
        ))
    }

    /// E-mail and phone: in full once revealed (journaled), masked before.
    fn contacts_shown(&self, r: &Reader) -> (String, String) {
        let dash = || "—".to_string();
        match &self.contacts {
            Some(c) => (
                c.email.clone().unwrap_or_else(dash),
                c.phone.as_deref().map(format_phone).unwrap_or_else(dash),
            ),
            None => (
                r.email.as_deref().map(mask_contact).unwrap_or_else(dash),
                r.phone
                    .as_deref()
                    .map(|p| mask_contact(&format_phone(p)))
                    .unwrap_or_else(dash),
            ),
        }
    }
}

/// «1 год», «3 года», «16 лет».
fn years(n: u32) -> String {
    format!("{n} {}", plural(n.into(), "год", "года", "лет"))
}

/// The reader in one line above a lending section.
fn reader_line(profile: &ReaderProfile) -> Element<'_, Message> {
    let r = &profile.reader;
    let mut about = vec![
        format!("билет № {}", r.card),
        years(age_on(r.birth_date, Local::now().date_naive())),
    ];
    if let Some(b) = &profile.binding {
        about.push(format!("логин {}", b.account.login));
    }
    row![
        text(r.full_name()).size(size::LARGE).font(FONT_BOLD),
        text(about.join(" · ")).style(text::secondary),
    ]
    .spacing(space::L)
    .align_y(iced::Center)
    .into()
}

/// The reader's writes not yet sent to the provider (a yellow note), or nothing.
pub(super) fn waiting_note<'a>(waiting: &'a [String]) -> Element<'a, Message> {
    if waiting.is_empty() {
        return Space::new().into();
    }
    let col = waiting.iter().fold(
        column![
            text("В очереди синхронизации")
                .font(FONT_BOLD)
                .size(size::SMALL)
        ]
        .spacing(space::XS),
        |c, w| c.push(text(format!("• {w}")).size(size::SMALL)),
    );
    container(col)
        .padding(10)
        .width(Fill)
        .style(theme::warning_box)
        .into()
}

fn panel<'a>(content: impl Into<Element<'a, Message>>) -> container::Container<'a, Message> {
    container(content).padding(16).style(theme::panel)
}

fn consent_line(consent: Option<&Consent>) -> String {
    let Some(c) = consent else {
        return "нет согласия на обработку ПДн".to_string();
    };
    let who = match &c.by_representative {
        Some(rep) => format!("подписал представитель {rep}"),
        None => "подписал читатель".to_string(),
    };
    let withdrawn = c
        .withdrawn_at
        .map(|w| format!(" — ОТОЗВАНО {}", w.with_timezone(&Local).format("%d.%m.%Y")))
        .unwrap_or_default();
    format!(
        "версия {} от {}, {who}; принял(а) {}{withdrawn}",
        c.version,
        c.given_at.with_timezone(&Local).format("%d.%m.%Y"),
        c.staff
    )
}

fn history(profile: &ReaderProfile) -> Column<'_, Message> {
    let lines = profile
        .history
        .iter()
        .fold(column![].spacing(space::XS), |col, e| {
            col.push(
                row![
                    text(
                        e.at.with_timezone(&Local)
                            .format("%d.%m.%Y %H:%M")
                            .to_string()
                    )
                    .width(130)
                    .size(size::SMALL),
                    text(e.label()).width(280).size(size::SMALL),
                    text(&e.details).width(Fill).size(size::SMALL),
                    text(&e.staff)
                        .width(160)
                        .size(size::SMALL)
                        .style(text::secondary),
                ]
                .spacing(space::M),
            )
        });
    column![
        text("Журнал карточки").size(size::LARGE).font(FONT_BOLD),
        lines
    ]
    .spacing(space::M)
}
