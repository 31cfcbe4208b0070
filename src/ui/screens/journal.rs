//! The event journal: everything done at the desks, newest first.

use chrono::Local;
use iced::widget::{button, column, container, row, scrollable, text};
use iced::{Element, Fill, Task};

use kafedra_core::domain::records::{JournalEntry, ReaderId};
use kafedra_core::services::journal::{self, PAGE};
use kafedra_core::services::{self, Db};

use super::{Effect, Message as ScreenMessage};
use crate::ui::shell::Notice;
use crate::ui::theme::{self, FONT_BOLD, size, space};

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Result<Vec<JournalEntry>, services::Error>),
    More,
    OpenReader(ReaderId),
}

/// What the journal hands up.
pub enum Action {
    None,
    Run(Task<Message>),
    Error(String),
    OpenReader(ReaderId),
}

pub fn effect(action: Action) -> Effect {
    match action {
        Action::None => Effect::None,
        Action::Run(task) => Effect::Run(task.map(ScreenMessage::Journal)),
        Action::Error(text) => Effect::Notify(Notice::error(text), Task::none()),
        Action::OpenReader(id) => Effect::OpenReader(id),
    }
}

pub struct Journal {
    entries: Vec<JournalEntry>,
    complete: bool,
}

impl Journal {
    pub fn open(db: &Db) -> (Journal, Task<Message>) {
        (
            Journal {
                entries: Vec::new(),
                complete: false,
            },
            page(db, None),
        )
    }

    pub fn update(&mut self, message: Message, db: &Db) -> Action {
        match message {
            Message::Loaded(Ok(entries)) => {
                self.complete = entries.len() < PAGE;
                self.entries.extend(entries);
                Action::None
            }
            Message::Loaded(Err(e)) => Action::Error(e.to_string()),
            Message::More => Action::Run(page(db, self.entries.last().map(|e| e.id))),
            Message::OpenReader(id) => Action::OpenReader(id),
        }
    }

    pub fn view(&self) -> Element<'_, Message> {
        let rows = self
            .entries
            .iter()
            .fold(column![].spacing(space::HAIR), |col, e| {
                let who: Element<'_, Message> = match (&e.reader_name, e.reader_id) {
                    (Some(name), Some(id)) => button(text(name).size(size::SMALL))
                        .on_press(Message::OpenReader(id))
                        .style(button::text)
                        .padding(0)
                        .into(),
                    _ => text("").into(),
                };
                col.push(
                    row![
                        text(
                            e.at.with_timezone(&Local)
                                .format("%d.%m.%Y %H:%M:%S")
                                .to_string()
                        )
                        .size(size::SMALL)
                        .width(150),
                        text(e.label()).size(size::SMALL).width(260),
                        container(who).width(260),
                        text(&e.details).size(size::SMALL).width(Fill),
                        text(format!("{} · {}", e.staff, e.desk))
                            .size(size::SMALL)
                            .width(220)
                            .style(text::secondary),
                    ]
                    .spacing(space::M),
                )
            });
        let mut col = column![
            theme::title("Журнал событий"),
            text("Записи журнала нельзя изменить или удалить. По нему строится статистика.")
                .size(size::SMALL)
                .style(text::secondary),
            row![
                text("Когда").font(FONT_BOLD).width(150),
                text("Событие").font(FONT_BOLD).width(260),
                text("Читатель").font(FONT_BOLD).width(260),
                text("Подробности").font(FONT_BOLD).width(Fill),
                text("Сотрудник · место").font(FONT_BOLD).width(220),
            ]
            .spacing(space::M),
            rows,
        ]
        .spacing(space::M);
        if !self.complete {
            col = col.push(
                button(text("Показать ещё"))
                    .on_press(Message::More)
                    .style(button::secondary),
            );
        }
        scrollable(container(col).padding(12).style(theme::panel).width(Fill)).into()
    }
}

fn page(db: &Db, before: Option<i64>) -> Task<Message> {
    Task::perform(
        db.call(move |s| journal::entries(s, None, before, PAGE)),
        Message::Loaded,
    )
}
