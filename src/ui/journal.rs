//! The event journal: everything done at the desks, newest first.

use chrono::Local;
use iced::widget::{button, column, container, row, scrollable, text};
use iced::{Element, Fill, Task};

use super::style::{self, FONT_BOLD};
use super::{Action, Notice};
use crate::domain::records::{JournalEntry, ReaderId};
use crate::store::Db;

const PAGE: usize = 200;

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Result<Vec<JournalEntry>, String>),
    More,
    OpenReader(ReaderId),
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

    pub fn update(&mut self, message: Message, db: &Db) -> Action<Message> {
        match message {
            Message::Loaded(Ok(entries)) => {
                self.complete = entries.len() < PAGE;
                self.entries.extend(entries);
                Action::None
            }
            Message::Loaded(Err(e)) => Action::notify(Notice::error(e)),
            Message::More => Action::Run(page(db, self.entries.last().map(|e| e.id))),
            Message::OpenReader(id) => Action::OpenReader(id),
        }
    }

    pub fn view(&self) -> Element<'_, Message> {
        let rows = self.entries.iter().fold(column![].spacing(2), |col, e| {
            let who: Element<'_, Message> = match (&e.reader_name, e.reader_id) {
                (Some(name), Some(id)) => button(text(name).size(13))
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
                    .size(13)
                    .width(150),
                    text(e.label()).size(13).width(260),
                    container(who).width(260),
                    text(&e.details).size(13).width(Fill),
                    text(format!("{} · {}", e.staff, e.desk))
                        .size(13)
                        .width(220)
                        .style(text::secondary),
                ]
                .spacing(8),
            )
        });
        let mut col = column![
            style::title("Журнал событий"),
            text("Записи журнала нельзя изменить или удалить. По нему строится статистика.")
                .size(13)
                .style(text::secondary),
            row![
                text("Когда").font(FONT_BOLD).width(150),
                text("Событие").font(FONT_BOLD).width(260),
                text("Читатель").font(FONT_BOLD).width(260),
                text("Подробности").font(FONT_BOLD).width(Fill),
                text("Сотрудник · место").font(FONT_BOLD).width(220),
            ]
            .spacing(8),
            rows,
        ]
        .spacing(8);
        if !self.complete {
            col = col.push(
                button(text("Показать ещё"))
                    .on_press(Message::More)
                    .style(button::secondary),
            );
        }
        scrollable(container(col).padding(12).style(style::panel).width(Fill)).into()
    }
}

fn page(db: &Db, before: Option<i64>) -> Task<Message> {
    Task::perform(
        db.call(move |s| s.journal(None, before, PAGE).map_err(|e| e.to_string())),
        Message::Loaded,
    )
}
