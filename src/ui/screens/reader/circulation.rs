//! «Книгооборот»: every request of the reader (with cancellations), issue,
//! refusal with its text, purchase by the library or by the reader and loan
//! with its due date, newest first, from the provider's data and the desk's
//! journal merged (`services::lending::history`).

use chrono::Local;
use iced::widget::{Column, column, container, row, rule, text};
use iced::{Element, Fill, FillPortion, Task, Theme};
use kafedra_core::domain::records::ReaderId;
use kafedra_core::domain::text::plural;
use kafedra_core::services::Db;
use kafedra_core::services::lending::{self, HistoryItem};

use super::{Answer, Message};
use crate::ui::theme::{self, FONT_BOLD, size, space};

#[derive(Debug, Clone)]
pub enum CirculationMessage {
    Loaded(Answer<Vec<HistoryItem>>),
}

/// The section's state: nothing until the librarian opens it.
#[derive(Default)]
pub(super) struct Circulation {
    items: Option<Vec<HistoryItem>>,
    loading: bool,
    error: Option<String>,
}

fn load(id: ReaderId, db: &Db) -> Task<Message> {
    Task::perform(db.call(move |s| lending::history(s, id)), |r| {
        Message::Circulation(CirculationMessage::Loaded(r))
    })
}

impl Circulation {
    /// The librarian opens «Книгооборот»: loaded the first time only. This
    /// first load is the librarian's view of the reader's reading history
    /// (the one to journal as `HistoryViewed`); reloads are not.
    pub(super) fn open(&mut self, id: ReaderId, db: &Db) -> Task<Message> {
        if self.items.is_some() || self.loading {
            return Task::none();
        }
        self.loading = true;
        load(id, db)
    }

    /// After a change or a sync: again, if it is loaded.
    pub(super) fn reload(&self, id: ReaderId, db: &Db) -> Task<Message> {
        if self.items.is_some() {
            load(id, db)
        } else {
            Task::none()
        }
    }

    pub(super) fn update(&mut self, message: CirculationMessage) {
        match message {
            CirculationMessage::Loaded(Ok(items)) => {
                self.loading = false;
                self.error = None;
                self.items = Some(items);
            }
            CirculationMessage::Loaded(Err(e)) => {
                self.loading = false;
                self.error = Some(e.to_string());
            }
        }
    }

    pub(super) fn view<'a>(&'a self, waiting: &'a [String]) -> Column<'a, Message> {
        let mut col = column![theme::title("Книгооборот")].spacing(space::ML);
        if let Some(e) = &self.error {
            col = col.push(theme::errors(vec![e.clone()]));
        }
        col = col.push(super::view::waiting_note(waiting));
        let Some(items) = &self.items else {
            return col.push(text("Загрузка книгооборота…").style(text::secondary));
        };
        if items.is_empty() {
            return col.push(
                text(
                    "Пока пусто: запросы, выдачи и отказы читателя появятся здесь после \
                     синхронизации с ЭБС.",
                )
                .style(text::secondary),
            );
        }
        let n = items.len() as u64;
        col = col.push(
            text(format!(
                "{n} {}, новые сверху. Источник: данные ЭБС и журнал кафедры.",
                plural(n, "запись", "записи", "записей")
            ))
            .size(size::SMALL)
            .style(text::secondary),
        );
        let mut table = column![header()].spacing(space::S);
        for item in items {
            table = table
                .push(rule::horizontal(1).style(rule::weak))
                .push(line(item));
        }
        col.push(table)
    }
}

fn header<'a>() -> Element<'a, Message> {
    let h = |s: &'static str| {
        text(s)
            .size(size::SMALL)
            .font(FONT_BOLD)
            .style(text::secondary)
    };
    row![
        h("Когда").width(130),
        h("Что").width(220),
        h("Книга").width(FillPortion(2)),
        h("Подробности").width(FillPortion(3)),
    ]
    .spacing(space::M)
    .into()
}

/// How an entry's kind is coloured: refusals red, issues green, purchases
/// blue, the rest plain.
fn what_style(item: &HistoryItem) -> fn(&Theme) -> text::Style {
    let w = item.what.as_str();
    if w.starts_with("Отказ") || w.starts_with("ЭБС отклонила") {
        text::danger
    } else if w.starts_with("Выдача") {
        text::success
    } else if w.starts_with("Покупка") {
        text::primary
    } else if w.starts_with("Отмена") || item.from_journal {
        text::secondary
    } else {
        text::default
    }
}

fn line(item: &HistoryItem) -> Element<'_, Message> {
    let at = item
        .at
        .map(|t| t.with_timezone(&Local).format("%d.%m.%Y %H:%M").to_string())
        .unwrap_or_else(|| "—".to_string());
    let what = text(&item.what)
        .size(size::SMALL)
        .font(FONT_BOLD)
        .style(what_style(item));
    let detail = text(&item.detail).size(size::SMALL);
    let body: Element<'_, Message> = if item.title.is_empty() {
        // A desk entry of the journal: its details name the book.
        container(detail).width(FillPortion(5)).into()
    } else {
        row![
            text(&item.title).size(size::SMALL).width(FillPortion(2)),
            container(detail).width(FillPortion(3)),
        ]
        .spacing(space::M)
        .width(FillPortion(5))
        .into()
    };
    row![
        text(at).size(size::SMALL).width(130),
        container(what).width(220),
        body,
    ]
    .spacing(space::M)
    .width(Fill)
    .into()
}
