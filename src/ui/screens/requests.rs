//! «Заказанные книги»: readers' requests pulled from the provider, and the
//! librarian's decision on each (issue, buy and issue, refuse with a reason,
//! cancel). A decision is stored with the outbox at once and sent by the sync.

use chrono::{Local, NaiveDate};
use iced::widget::{button, column, container, pick_list, row, scrollable, text, text_input};
use iced::{Element, Fill, Task};

use kafedra_core::domain::records::RequestId;
use kafedra_core::domain::request::RefusalReason;
use kafedra_core::domain::request::{BookRequest, Decision};
use kafedra_core::services::{self, Changed, Context, Db, requests};

use super::{Effect, Message as ScreenMessage};
use crate::ui::shell::Notice;
use crate::ui::theme::{self, FONT_BOLD, size, space};

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Result<Vec<BookRequest>, services::Error>),
    Decide(RequestId, DecisionKind),
    StartRefuse(RequestId),
    Reason(RefusalReason),
    RefuseText(String),
    ConfirmRefuse,
    CancelRefuse,
    Decided(Result<String, services::Error>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionKind {
    Issue,
    Buy,
    Cancel,
}

/// What the requests desk hands up.
pub enum Action {
    None,
    Run(Task<Message>),
    Error(String, Task<Message>),
    /// A decision is stored and queued: send it now.
    Decided(Notice, Task<Message>),
}

pub fn effect(action: Action) -> Effect {
    let map = |task: Task<Message>| task.map(ScreenMessage::Requests);
    match action {
        Action::None => Effect::None,
        Action::Run(task) => Effect::Run(map(task)),
        Action::Error(text, then) => Effect::Notify(Notice::error(text), map(then)),
        Action::Decided(notice, then) => Effect::Queued(Changed::REQUESTS, notice, map(then)),
    }
}

struct RefuseForm {
    request: RequestId,
    reason: RefusalReason,
    text: String,
}

pub struct Requests {
    list: Vec<BookRequest>,
    loaded: bool,
    refuse: Option<RefuseForm>,
    busy: bool,
}

impl Requests {
    pub fn open(db: &Db) -> (Requests, Task<Message>) {
        (
            Requests {
                list: Vec::new(),
                loaded: false,
                refuse: None,
                busy: false,
            },
            load(db),
        )
    }

    pub fn reload(&self, db: &Db) -> Task<Message> {
        load(db)
    }

    pub fn update(&mut self, message: Message, db: &Db, ctx: &Context) -> Action {
        match message {
            Message::Loaded(Ok(list)) => {
                self.list = list;
                self.loaded = true;
                Action::None
            }
            Message::Loaded(Err(e)) => Action::Error(e.to_string(), Task::none()),
            Message::Decide(id, kind) => self.decide(db, ctx, id, kind.decision()),
            Message::StartRefuse(id) => {
                self.refuse = Some(RefuseForm {
                    request: id,
                    reason: RefusalReason::NoFreeCopy,
                    text: String::new(),
                });
                Action::None
            }
            Message::Reason(r) => {
                self.set_reason(r);
                Action::None
            }
            Message::RefuseText(t) => {
                if let Some(f) = &mut self.refuse {
                    f.text = t;
                }
                Action::None
            }
            Message::CancelRefuse => {
                self.refuse = None;
                Action::None
            }
            Message::ConfirmRefuse => self.confirm_refuse(db, ctx),
            Message::Decided(result) => self.decided(result, db),
        }
    }

    /// Picks the reason of a refusal; an empty text gets the reason's wording.
    fn set_reason(&mut self, r: RefusalReason) {
        if let Some(f) = &mut self.refuse {
            f.reason = r;
            if f.text.trim().is_empty() {
                f.text = format!("{}.", r.label_ru());
            }
        }
    }

    /// Refuses the request the refusal form is open for.
    fn confirm_refuse(&mut self, db: &Db, ctx: &Context) -> Action {
        let Some(f) = &self.refuse else {
            return Action::None;
        };
        let decision = Decision::Refuse {
            reason: f.reason,
            text: f.text.clone(),
        };
        let id = f.request.clone();
        self.decide(db, ctx, id, decision)
    }

    /// A decision was stored (or not): reload the list either way.
    fn decided(&mut self, result: Result<String, services::Error>, db: &Db) -> Action {
        self.busy = false;
        match result {
            Ok(label) => {
                self.refuse = None;
                Action::Decided(Notice::success(label), load(db))
            }
            Err(e) => Action::Error(e.to_string(), load(db)),
        }
    }

    fn decide(&mut self, db: &Db, ctx: &Context, id: RequestId, decision: Decision) -> Action {
        if self.busy {
            return Action::None;
        }
        if let Some(problem) = decision.problem() {
            return Action::Error(problem, Task::none());
        }
        self.busy = true;
        let ctx = ctx.clone();
        Action::Run(Task::perform(
            db.call(move |s| {
                requests::decide(s, &ctx, &id, &decision, &[]).map(|()| {
                    format!(
                        "Решение «{}» записано и будет отправлено в ЭБС.",
                        decision.label()
                    )
                })
            }),
            Message::Decided,
        ))
    }

    pub fn view(&self) -> Element<'_, Message> {
        let mut col = column![
            theme::title("Заказанные книги"),
            text("Запросы читателей из ЭБС, ждущие решения; сначала самые давние. Решение сохраняется сразу и уходит в ЭБС при синхронизации.")
                .size(size::SMALL)
                .style(text::secondary),
        ]
        .spacing(space::ML);
        if !self.loaded {
            return col.push(text("Загрузка…")).into();
        }
        if self.list.is_empty() {
            return col
                .push(text(
                    "Запросов, ждущих решения, нет. Новые появятся после синхронизации с ЭБС (F5).",
                ))
                .into();
        }
        let today = Local::now().date_naive();
        let rows = self.list.iter().fold(column![].spacing(space::M), |c, r| {
            c.push(self.request_row(r, today))
        });
        col = col.push(scrollable(rows).height(Fill));
        col.into()
    }

    /// One request: what is asked and by whom, the decisions, and the
    /// refusal form when it is open for this request.
    fn request_row<'a>(&'a self, r: &'a BookRequest, today: NaiveDate) -> Element<'a, Message> {
        let mut item = column![
            row![request_info(r, today), actions(r)]
                .spacing(space::L)
                .align_y(iced::Center)
        ]
        .spacing(space::M);
        if let Some(f) = self.refuse.as_ref().filter(|f| f.request == r.id) {
            item = item.push(refuse_form(f));
        }
        container(item)
            .padding(10)
            .width(Fill)
            .style(theme::panel)
            .into()
    }
}

impl DecisionKind {
    fn decision(self) -> Decision {
        match self {
            DecisionKind::Issue => Decision::Issue,
            DecisionKind::Buy => Decision::Buy,
            DecisionKind::Cancel => Decision::Cancel {
                comment: String::new(),
            },
        }
    }
}

/// The book, the reader and the date of a request.
fn request_info(r: &BookRequest, today: NaiveDate) -> Element<'static, Message> {
    let age = r
        .reader_birth_date
        .map(|b| format!(", {} лет", kafedra_core::domain::reader::age_on(b, today)))
        .unwrap_or_default();
    let price = r
        .price_kopecks
        .map(|k| format!("{},{:02} ₽", k / 100, k % 100))
        .unwrap_or_else(|| "цена не указана".into());
    let rating = r.age_rating.map(|a| format!("{a}+")).unwrap_or_default();
    let kind = r.kind.label_ru();
    column![
        text(format!("{} — {}", r.authors, r.title)).font(FONT_BOLD),
        text(format!(
            "{}{age} · билет ЭБС {} · {kind} · {price} {rating} · {}",
            r.reader_name.as_deref().unwrap_or("читатель"),
            r.lib_card,
            r.genre.as_deref().unwrap_or("")
        ))
        .size(size::SMALL),
        text(format!(
            "запрос от {}",
            r.created
                .map(|t| t.with_timezone(&Local).format("%d.%m.%Y %H:%M").to_string())
                .unwrap_or_default()
        ))
        .size(size::HINT)
        .style(text::secondary),
    ]
    .spacing(space::HAIR)
    .width(Fill)
    .into()
}

/// The decision buttons, or the decision already taken and waiting to be sent.
fn actions(r: &BookRequest) -> Element<'static, Message> {
    match &r.local_decision {
        Some(d) => text(format!("решение: {} — ждёт отправки", d.short_label()))
            .size(size::SMALL)
            .style(text::secondary)
            .into(),
        None => row![
            button(text("Выдать").size(size::SMALL))
                .on_press(Message::Decide(r.id.clone(), DecisionKind::Issue))
                .style(button::primary),
            button(text("Купить и выдать").size(size::SMALL))
                .on_press(Message::Decide(r.id.clone(), DecisionKind::Buy))
                .style(button::secondary),
            button(text("Отказать…").size(size::SMALL))
                .on_press(Message::StartRefuse(r.id.clone()))
                .style(button::danger),
            button(text("Отменить").size(size::SMALL))
                .on_press(Message::Decide(r.id.clone(), DecisionKind::Cancel))
                .style(button::text),
        ]
        .spacing(space::S)
        .into(),
    }
}

/// The reason and the text of a refusal, with confirm and cancel.
fn refuse_form(f: &RefuseForm) -> Element<'_, Message> {
    container(
        column![
            row![
                text("Причина").width(80),
                pick_list(RefusalReason::ALL, Some(f.reason), Message::Reason).padding(6),
            ]
            .spacing(space::M)
            .align_y(iced::Center),
            text_input("Текст для читателя (обязательно)", &f.text)
                .on_input(Message::RefuseText)
                .on_submit(Message::ConfirmRefuse)
                .padding(6),
            row![
                button(text("Отказать"))
                    .on_press(Message::ConfirmRefuse)
                    .style(button::danger),
                button(text("Отмена"))
                    .on_press(Message::CancelRefuse)
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

fn load(db: &Db) -> Task<Message> {
    Task::perform(db.call(|s| requests::pending(s)), Message::Loaded)
}
