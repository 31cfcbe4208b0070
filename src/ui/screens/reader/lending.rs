//! The reader's own lending settings: the loan period, the price up to which
//! the reader may take a book without waiting for the library, and how many
//! such books a month. Saved through the outbox and journaled
//! (`services::lending::set_settings`).

use iced::widget::{Column, button, column, row, text, text_input};
use iced::{Element, Fill, Task};
use kafedra_core::domain::records::ReaderId;
use kafedra_core::services::Db;
use kafedra_core::services::lending::{self, MAX_LOAN_DAYS, MAX_SELF_PURCHASES};
use kafedra_core::store::Lending;

use super::{Action, Answer, Message, ReaderPage};
use crate::ui::screens::Env;
use crate::ui::screens::policy::{parse_rubles, rubles};
use crate::ui::shell::Notice;
use crate::ui::theme::{self, FONT_BOLD, size, space};

/// The ids of the form's fields (tests type into them).
pub const DAYS_ID: &str = "lending-days";
pub const CAP_ID: &str = "lending-cap";
pub const COUNT_ID: &str = "lending-count";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LendingField {
    Days,
    Cap,
    Count,
}

#[derive(Debug, Clone)]
pub enum LendingMessage {
    Loaded(Answer<Lending>),
    Edit(LendingField, String),
    Save,
    Saved(Answer<Lending>),
}

#[derive(Default)]
pub(super) struct LendingForm {
    /// As stored; `None` until loaded.
    stored: Option<Lending>,
    days: String,
    cap: String,
    count: String,
    loading: bool,
    saving: bool,
    error: Option<String>,
}

fn load(id: ReaderId, db: &Db) -> Task<Message> {
    Task::perform(db.call(move |s| lending::settings_of(s, id)), |r| {
        Message::Lending(LendingMessage::Loaded(r))
    })
}

fn whole(s: &str, what: &str) -> Result<Option<u32>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<u32>()
        .map(Some)
        .map_err(|_| format!("«{s}» — не число. {what}"))
}

impl LendingForm {
    pub(super) fn open(&mut self, id: ReaderId, db: &Db) -> Task<Message> {
        if self.stored.is_some() || self.loading {
            return Task::none();
        }
        self.loading = true;
        load(id, db)
    }

    /// After a change or a sync, unless the librarian is editing.
    pub(super) fn reload(&self, id: ReaderId, db: &Db) -> Task<Message> {
        if self.stored.is_some() && !self.saving && !self.edited() {
            load(id, db)
        } else {
            Task::none()
        }
    }

    fn fill(&mut self, l: &Lending) {
        let (days, cap, count) = fields(l);
        self.days = days;
        self.cap = cap;
        self.count = count;
        self.stored = Some(l.clone());
    }

    fn edited(&self) -> bool {
        self.stored
            .as_ref()
            .is_some_and(|l| fields(l) != (self.days.clone(), self.cap.clone(), self.count.clone()))
    }

    fn days(&self) -> Result<Option<u32>, String> {
        whole(
            &self.days,
            &format!("Срок выдачи — целое число дней от 1 до {MAX_LOAN_DAYS}, например 14."),
        )
    }

    fn cap(&self) -> Result<Option<i64>, String> {
        let s = self.cap.trim();
        if s.is_empty() {
            return Ok(None);
        }
        parse_rubles(s)
            .map(Some)
            .ok_or_else(|| format!("«{s}» — не сумма. Впишите рубли, например 350 или 349,50."))
    }

    fn count(&self) -> Result<Option<u32>, String> {
        whole(
            &self.count,
            &format!("Впишите целое число книг от 0 до {MAX_SELF_PURCHASES}, например 2."),
        )
    }

    /// What is wrong with one field, in Russian (the service's own checks).
    fn problem(&self, field: LendingField) -> Option<String> {
        let single = match field {
            LendingField::Days => self.days().map(|d| Lending {
                loan_days: d,
                ..Lending::default()
            }),
            LendingField::Cap => self.cap().map(|c| Lending {
                self_price_cap: c,
                ..Lending::default()
            }),
            LendingField::Count => self.count().map(|n| Lending {
                self_purchases: n,
                ..Lending::default()
            }),
        };
        match single {
            Err(e) => Some(e),
            Ok(l) => lending::lending_problems(&l).into_iter().next(),
        }
    }

    fn lending(&self) -> Option<Lending> {
        let l = Lending {
            loan_days: self.days().ok()?,
            self_price_cap: self.cap().ok()?,
            self_purchases: self.count().ok()?,
        };
        lending::lending_problems(&l).is_empty().then_some(l)
    }

    pub(super) fn view<'a>(&'a self, waiting: &'a [String]) -> Column<'a, Message> {
        let mut col = column![
            theme::title("Настройки выдачи"),
            text(
                "Личные настройки читателя: они уходят в ЭБС и записываются в журнал. \
                 Пустое поле — как решила библиотека."
            )
            .size(size::SMALL)
            .style(text::secondary),
        ]
        .spacing(space::ML);
        if self.stored.is_none() {
            return col.push(text("Загрузка настроек…").style(text::secondary));
        }
        col = col.push(
            row![
                self.field(
                    "Срок выдачи, дней",
                    "срок библиотеки",
                    "Сколько дней книга у читателя.",
                    LendingField::Days,
                ),
                self.field(
                    "Личный предел цены, ₽",
                    "без личного предела",
                    "Книгу не дороже читатель получает, не дожидаясь покупки библиотекой.",
                    LendingField::Cap,
                ),
                self.field(
                    "Таких книг в месяц",
                    "без личного лимита",
                    "Сколько книг в месяц — по личному пределу цены.",
                    LendingField::Count,
                ),
            ]
            .spacing(space::L),
        );
        col = col.push(super::view::waiting_note(waiting));
        if let Some(e) = &self.error {
            col = col.push(theme::errors(vec![e.clone()]));
        }
        col.push(
            button(
                text(if self.saving {
                    "Сохранение…"
                } else {
                    "Сохранить"
                })
                .font(FONT_BOLD),
            )
            .on_press_maybe((!self.saving).then_some(Message::Lending(LendingMessage::Save)))
            .padding([10, 18])
            .style(button::primary),
        )
    }

    fn field<'a>(
        &'a self,
        label: &'a str,
        placeholder: &'a str,
        hint: &'a str,
        key: LendingField,
    ) -> Element<'a, Message> {
        let (id, value) = match key {
            LendingField::Days => (DAYS_ID, &self.days),
            LendingField::Cap => (CAP_ID, &self.cap),
            LendingField::Count => (COUNT_ID, &self.count),
        };
        let below: Element<'a, Message> = match self.problem(key) {
            Some(p) => text(p).size(size::SMALL).style(text::danger).into(),
            None => text(hint).size(size::HINT).style(text::secondary).into(),
        };
        column![
            text(label).size(size::SMALL).font(FONT_BOLD),
            text_input(placeholder, value)
                .id(id)
                .on_input(move |v| Message::Lending(LendingMessage::Edit(key, v)))
                .on_submit(Message::Lending(LendingMessage::Save))
                .padding(8),
            below,
        ]
        .spacing(space::XS)
        .width(Fill)
        .into()
    }
}

/// The form's texts for stored settings.
fn fields(l: &Lending) -> (String, String, String) {
    (
        l.loan_days.map(|d| d.to_string()).unwrap_or_default(),
        l.self_price_cap.map(rubles).unwrap_or_default(),
        l.self_purchases.map(|n| n.to_string()).unwrap_or_default(),
    )
}

impl ReaderPage {
    pub(super) fn lending_update(&mut self, message: LendingMessage, env: &Env<'_>) -> Action {
        let form = &mut self.lending;
        match message {
            LendingMessage::Loaded(Ok(l)) => {
                form.loading = false;
                form.fill(&l);
                Action::None
            }
            LendingMessage::Loaded(Err(e)) => {
                form.loading = false;
                form.error = Some(e.to_string());
                Action::None
            }
            LendingMessage::Edit(field, v) => {
                match field {
                    LendingField::Days => form.days = v,
                    LendingField::Cap => form.cap = v,
                    LendingField::Count => form.count = v,
                }
                form.error = None;
                Action::None
            }
            LendingMessage::Save if form.saving || form.stored.is_none() => Action::None,
            LendingMessage::Save => {
                let Some(l) = form.lending() else {
                    form.error =
                        Some("Настройки не сохранены: исправьте отмеченные поля.".to_string());
                    return Action::None;
                };
                form.saving = true;
                form.error = None;
                let (id, ctx) = (self.id, env.ctx.clone());
                Action::Run(Task::perform(
                    env.db.call(move |s| {
                        lending::set_settings(s, &ctx, id, &l)?;
                        Ok(l)
                    }),
                    |r| Message::Lending(LendingMessage::Saved(r)),
                ))
            }
            LendingMessage::Saved(Ok(l)) => {
                form.saving = false;
                form.fill(&l);
                Action::LendingQueued(
                    Notice::success("Настройки выдачи читателя сохранены и отправятся в ЭБС."),
                    self.reload(env.db, env.ctx),
                )
            }
            LendingMessage::Saved(Err(e)) => {
                form.saving = false;
                form.error = Some(e.to_string());
                Action::Notify(Notice::error(e.to_string()), Task::none())
            }
        }
    }
}
