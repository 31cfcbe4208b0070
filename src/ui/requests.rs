//! «Заказанные книги»: readers' requests pulled from the provider, and the
//! librarian's decision on each (issue, buy and issue, refuse with a reason,
//! cancel). A decision is stored with the outbox at once and sent by the sync.

use chrono::Local;
use iced::widget::{button, column, container, pick_list, row, scrollable, text, text_input};
use iced::{Element, Fill, Task};

use super::style::{self, FONT_BOLD};
use super::{Action, Notice};
use crate::desk::{self, Context, DeskError};
use crate::domain::request::{BookRequest, Decision};
use crate::provider::RefusalReason;
use crate::store::Db;

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Result<Vec<BookRequest>, String>),
    Decide(String, DecisionKind),
    StartRefuse(String),
    Reason(RefusalReason),
    RefuseText(String),
    ConfirmRefuse,
    CancelRefuse,
    Decided(Result<String, DeskError>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionKind {
    Issue,
    Buy,
    Cancel,
}

struct RefuseForm {
    request: String,
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

    pub fn update(&mut self, message: Message, db: &Db, ctx: &Context) -> Action<Message> {
        match message {
            Message::Loaded(Ok(list)) => {
                self.list = list;
                self.loaded = true;
                Action::None
            }
            Message::Loaded(Err(e)) => Action::notify(Notice::error(e)),
            Message::Decide(id, kind) => {
                let decision = match kind {
                    DecisionKind::Issue => Decision::Issue,
                    DecisionKind::Buy => Decision::Buy,
                    DecisionKind::Cancel => Decision::Cancel {
                        comment: String::new(),
                    },
                };
                self.decide(db, ctx, id, decision)
            }
            Message::StartRefuse(id) => {
                self.refuse = Some(RefuseForm {
                    request: id,
                    reason: RefusalReason::NoFreeCopy,
                    text: String::new(),
                });
                Action::None
            }
            Message::Reason(r) => {
                if let Some(f) = &mut self.refuse {
                    f.reason = r;
                    if f.text.trim().is_empty() {
                        f.text = format!("{}.", r.label_ru());
                    }
                }
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
            Message::ConfirmRefuse => {
                let Some(f) = &self.refuse else {
                    return Action::None;
                };
                let decision = Decision::Refuse {
                    reason: f.reason.code().to_string(),
                    text: f.text.clone(),
                };
                let id = f.request.clone();
                self.decide(db, ctx, id, decision)
            }
            Message::Decided(Ok(label)) => {
                self.busy = false;
                self.refuse = None;
                Action::Sync(Notice::success(label), load(db))
            }
            Message::Decided(Err(e)) => {
                self.busy = false;
                Action::Notify(Notice::error(e.to_string()), load(db))
            }
        }
    }

    fn decide(
        &mut self,
        db: &Db,
        ctx: &Context,
        id: String,
        decision: Decision,
    ) -> Action<Message> {
        if self.busy {
            return Action::None;
        }
        if let Some(problem) = decision.problem() {
            return Action::notify(Notice::error(problem));
        }
        self.busy = true;
        let ctx = ctx.clone();
        Action::Run(Task::perform(
            db.call(move |s| {
                desk::decide_request(s, &ctx, &id, &decision).map(|()| {
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
            style::title("Заказанные книги"),
            text("Запросы читателей из ЭБС, ждущие решения; сначала самые давние. Решение сохраняется сразу и уходит в ЭБС при синхронизации.")
                .size(13)
                .style(text::secondary),
        ]
        .spacing(10);
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
        let rows = self.list.iter().fold(column![].spacing(8), |c, r| {
            let age = r
                .reader_birth_date
                .map(|b| format!(", {} лет", crate::domain::reader::age_on(b, today)))
                .unwrap_or_default();
            let price = r
                .price_kopecks
                .map(|k| format!("{},{:02} ₽", k / 100, k % 100))
                .unwrap_or_else(|| "цена не указана".into());
            let rating = r.age_rating.map(|a| format!("{a}+")).unwrap_or_default();
            let kind = if r.kind == "audiobook" {
                "аудиокнига"
            } else {
                "электронная книга"
            };
            let info = column![
                text(format!("{} — {}", r.authors, r.title)).font(FONT_BOLD),
                text(format!(
                    "{}{age} · билет ЭБС {} · {kind} · {price} {rating} · {}",
                    r.reader_name.as_deref().unwrap_or("читатель"),
                    r.lib_card,
                    r.genre.as_deref().unwrap_or("")
                ))
                .size(13),
                text(format!(
                    "запрос от {}",
                    r.created
                        .map(|t| t.with_timezone(&Local).format("%d.%m.%Y %H:%M").to_string())
                        .unwrap_or_default()
                ))
                .size(12)
                .style(text::secondary),
            ]
            .spacing(2)
            .width(Fill);
            let actions: Element<'_, Message> = match &r.local_decision {
                Some(d) => text(format!("решение: {} — ждёт отправки", decision_label(d)))
                    .size(13)
                    .style(text::secondary)
                    .into(),
                None => row![
                    button(text("Выдать").size(13))
                        .on_press(Message::Decide(r.id.clone(), DecisionKind::Issue))
                        .style(button::primary),
                    button(text("Купить и выдать").size(13))
                        .on_press(Message::Decide(r.id.clone(), DecisionKind::Buy))
                        .style(button::secondary),
                    button(text("Отказать…").size(13))
                        .on_press(Message::StartRefuse(r.id.clone()))
                        .style(button::danger),
                    button(text("Отменить").size(13))
                        .on_press(Message::Decide(r.id.clone(), DecisionKind::Cancel))
                        .style(button::text),
                ]
                .spacing(6)
                .into(),
            };
            let mut item =
                column![row![info, actions].spacing(12).align_y(iced::Center)].spacing(8);
            if let Some(f) = self.refuse.as_ref().filter(|f| f.request == r.id) {
                item = item.push(
                    container(
                        column![
                            row![
                                text("Причина").width(80),
                                pick_list(RefusalReason::ALL, Some(f.reason), Message::Reason)
                                    .padding(6),
                            ]
                            .spacing(8)
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
                            .spacing(8),
                        ]
                        .spacing(8),
                    )
                    .padding(10)
                    .style(style::warning_box),
                );
            }
            c.push(container(item).padding(10).width(Fill).style(style::panel))
        });
        col = col.push(scrollable(rows).height(Fill));
        col.into()
    }
}

fn decision_label(code: &str) -> &'static str {
    match code {
        "issue" => "выдать",
        "buy" => "купить и выдать",
        "refuse" => "отказать",
        "cancel" => "отменить",
        _ => "принято",
    }
}

fn load(db: &Db) -> Task<Message> {
    Task::perform(
        db.call(|s| s.requests(true, 500).map_err(|e| e.to_string())),
        Message::Loaded,
    )
}
