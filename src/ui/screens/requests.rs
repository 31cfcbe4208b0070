//! «Заказанные книги»: the requests desk. Readers' requests pulled from the
//! provider, in the library's order (the policy in Settings), each tied to
//! its reader and checked against the lending rules before a decision. A
//! decision that breaks a rule asks for a confirmation naming it; a refusal
//! goes out with a text the reader will read, previewed here. Decisions are
//! stored with the outbox at once and sent by the sync, one by one.

use std::collections::BTreeSet;

use chrono::{DateTime, Local, Utc};
use iced::widget::{
    button, checkbox, column, container, row, scrollable, text, text_editor, text_input,
};
use iced::{Element, Fill, FillPortion, Task};

use kafedra_core::domain::reader::ReaderDraft;
use kafedra_core::domain::records::{ReaderId, RequestId};
use kafedra_core::domain::request::{Decision, DecisionKind, RefusalReason};
use kafedra_core::domain::rules::{Rule, Verdict};
use kafedra_core::domain::text::{money, plural};
use kafedra_core::services::requests::{self, LIST_LIMIT, Queue, QueueEntry};
use kafedra_core::services::{self, Changed, Context, Db, readers};

use super::{Effect, Message as ScreenMessage};
use crate::ui::modal::modal;
use crate::ui::shell::Notice;
use crate::ui::theme::{self, FONT_BOLD, size, space};

/// Which requests a decision is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The one shown in the detail pane.
    One(RequestId),
    /// Every request ticked in the list.
    Ticked,
}

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Result<Box<Queue>, services::Error>),
    Select(RequestId),
    Tick(RequestId, bool),
    TickAll(bool),
    Decide(Target, DecisionKind),
    StartRefuse(Target),
    Reason(RefusalReason),
    Edit(text_editor::Action),
    /// Put the chosen reason's template back into the text.
    Template,
    SendRefusal,
    /// «Да, …» in the dialog naming the broken rules.
    Override,
    CloseDialog,
    Decided(Result<String, services::Error>),
    DecidedMany(Vec<(RequestId, Result<(), services::Error>)>),
    LinkCard(String),
    Link,
    Linked(Result<String, services::Error>),
    Register,
    OpenReader(ReaderId),
}

/// What the requests desk hands up.
pub enum Action {
    None,
    Run(Task<Message>),
    Error(String, Task<Message>),
    /// A decision is stored and queued: send it now.
    Decided(Notice, Task<Message>),
    /// A card was tied to a reader: the list shows the reader now.
    Changed(Notice, Task<Message>),
    OpenReader(ReaderId),
    Register(ReaderDraft),
}

pub fn effect(action: Action) -> Effect {
    let map = |task: Task<Message>| task.map(ScreenMessage::Requests);
    match action {
        Action::None => Effect::None,
        Action::Run(task) => Effect::Run(map(task)),
        Action::Error(text, then) => Effect::Notify(Notice::error(text), map(then)),
        Action::Decided(notice, then) => Effect::Queued(Changed::REQUESTS, notice, map(then)),
        Action::Changed(notice, then) => Effect::Changed(Changed::REQUESTS, notice, map(then)),
        Action::OpenReader(id) => Effect::OpenReader(id),
        Action::Register(draft) => Effect::Register(draft),
    }
}

/// A decision about to be stored.
#[derive(Debug, Clone)]
enum Pending {
    One {
        id: RequestId,
        decision: Decision,
    },
    Many {
        ids: Vec<RequestId>,
        kind: DecisionKind,
        reason: Option<RefusalReason>,
    },
}

impl Pending {
    fn kind(&self) -> DecisionKind {
        match self {
            Pending::One { decision, .. } => decision.kind(),
            Pending::Many { kind, .. } => *kind,
        }
    }
}

/// The refusal being written.
struct Refusal {
    ids: Vec<RequestId>,
    reason: RefusalReason,
    /// The text the reader will read (one request only; several get each
    /// their own filled template).
    text: text_editor::Content,
    /// The template as filled when the reason was picked: the text counts as
    /// edited once it differs.
    filled: String,
}

/// The dialog on show.
enum Dialog {
    Refuse(Refusal),
    /// The decision breaks rules: each is named, the librarian confirms.
    Confirm {
        pending: Pending,
        broken: Vec<(String, Verdict)>,
    },
}

pub struct Requests {
    queue: Option<Queue>,
    selected: Option<RequestId>,
    ticked: BTreeSet<RequestId>,
    dialog: Option<Dialog>,
    /// The reader's card number typed to link an unknown provider card.
    link_card: String,
    busy: bool,
}

impl Requests {
    pub fn open(db: &Db) -> (Requests, Task<Message>) {
        (
            Requests {
                queue: None,
                selected: None,
                ticked: BTreeSet::new(),
                dialog: None,
                link_card: String::new(),
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
            Message::Loaded(Ok(queue)) => {
                self.loaded(*queue);
                Action::None
            }
            Message::Loaded(Err(e)) => Action::Error(e.to_string(), Task::none()),
            Message::Select(id) => {
                if self.selected.as_ref() != Some(&id) {
                    self.link_card.clear();
                }
                self.selected = Some(id);
                Action::None
            }
            Message::Tick(id, on) => {
                if on {
                    self.ticked.insert(id);
                } else {
                    self.ticked.remove(&id);
                }
                Action::None
            }
            Message::TickAll(on) => {
                self.ticked = match (&self.queue, on) {
                    (Some(q), true) => q
                        .entries
                        .iter()
                        .take(LIST_LIMIT)
                        .filter(|e| e.request.local_decision.is_none())
                        .map(|e| e.request.id.clone())
                        .collect(),
                    _ => BTreeSet::new(),
                };
                Action::None
            }
            Message::Decide(target, kind) => {
                let pending = match self.ids(&target) {
                    ids if ids.is_empty() => return Action::None,
                    ids if target != Target::Ticked => Pending::One {
                        id: ids[0].clone(),
                        decision: match kind {
                            DecisionKind::Issue => Decision::Issue,
                            DecisionKind::Buy => Decision::Buy,
                            _ => Decision::Cancel {
                                comment: String::new(),
                            },
                        },
                    },
                    ids => Pending::Many {
                        ids,
                        kind,
                        reason: None,
                    },
                };
                self.attempt(pending, db, ctx)
            }
            Message::StartRefuse(target) => {
                let ids = self.ids(&target);
                if let Some(first) = ids.first().and_then(|id| self.entry(id)) {
                    let reason = suggested_reason(first);
                    let filled = self.filled(first, reason);
                    self.dialog = Some(Dialog::Refuse(Refusal {
                        ids,
                        reason,
                        text: text_editor::Content::with_text(&filled),
                        filled,
                    }));
                }
                Action::None
            }
            Message::Reason(reason) => {
                self.pick_reason(reason, false);
                Action::None
            }
            Message::Template => {
                let reason = match &self.dialog {
                    Some(Dialog::Refuse(r)) => r.reason,
                    _ => return Action::None,
                };
                self.pick_reason(reason, true);
                Action::None
            }
            Message::Edit(action) => {
                if let Some(Dialog::Refuse(r)) = &mut self.dialog {
                    r.text.perform(action);
                }
                Action::None
            }
            Message::SendRefusal => self.send_refusal(db, ctx),
            Message::Override => match self.dialog.take() {
                Some(Dialog::Confirm { pending, broken }) => {
                    let rules: Vec<Rule> = broken.iter().map(|(_, v)| v.rule).collect();
                    self.run(pending, rules, db, ctx)
                }
                other => {
                    self.dialog = other;
                    Action::None
                }
            },
            Message::CloseDialog => {
                self.dialog = None;
                Action::None
            }
            Message::Decided(result) => self.decided(result, db),
            Message::DecidedMany(results) => self.decided_many(results, db),
            Message::LinkCard(s) => {
                self.link_card = s;
                Action::None
            }
            Message::Link => self.link(db, ctx),
            Message::Linked(result) => match result {
                Ok(said) => {
                    self.link_card.clear();
                    Action::Changed(Notice::success(said), load(db))
                }
                Err(e) => Action::Error(e.to_string(), Task::none()),
            },
            Message::Register => match self.shown() {
                Some(e) => Action::Register(draft_of(e)),
                None => Action::None,
            },
            Message::OpenReader(id) => Action::OpenReader(id),
        }
    }

    fn loaded(&mut self, queue: Queue) {
        let known: BTreeSet<&RequestId> = queue.entries.iter().map(|e| &e.request.id).collect();
        self.ticked.retain(|id| known.contains(id));
        if !self.selected.as_ref().is_some_and(|id| known.contains(id)) {
            self.selected = queue.entries.first().map(|e| e.request.id.clone());
            self.link_card.clear();
        }
        self.queue = Some(queue);
    }

    fn entry(&self, id: &RequestId) -> Option<&QueueEntry> {
        self.queue
            .as_ref()?
            .entries
            .iter()
            .find(|e| &e.request.id == id)
    }

    /// The request in the detail pane.
    fn shown(&self) -> Option<&QueueEntry> {
        self.entry(self.selected.as_ref()?)
    }

    /// The requests a target names, in the queue's order.
    fn ids(&self, target: &Target) -> Vec<RequestId> {
        match target {
            Target::One(id) => self
                .entry(id)
                .map(|e| e.request.id.clone())
                .into_iter()
                .collect(),
            Target::Ticked => self
                .queue
                .iter()
                .flat_map(|q| &q.entries)
                .filter(|e| self.ticked.contains(&e.request.id))
                .map(|e| e.request.id.clone())
                .collect(),
        }
    }

    /// The reason's template filled for this request.
    fn filled(&self, e: &QueueEntry, reason: RefusalReason) -> String {
        match &self.queue {
            Some(q) => requests::refusal_text(&q.policy, e, reason),
            None => String::new(),
        }
    }

    /// A reason picked: its template replaces the text unless the librarian
    /// has edited it (then only `force` — «Вставить текст шаблона» — does).
    fn pick_reason(&mut self, reason: RefusalReason, force: bool) {
        let first = match &self.dialog {
            Some(Dialog::Refuse(r)) => r.ids.first().cloned(),
            _ => None,
        };
        let Some(filled) = first
            .as_ref()
            .and_then(|id| self.entry(id))
            .map(|e| self.filled(e, reason))
        else {
            return;
        };
        if let Some(Dialog::Refuse(r)) = &mut self.dialog {
            let edited =
                r.text.text().trim() != r.filled.trim() && !r.text.text().trim().is_empty();
            r.reason = reason;
            if force || !edited {
                r.text = text_editor::Content::with_text(&filled);
            }
            r.filled = filled;
        }
    }

    fn send_refusal(&mut self, db: &Db, ctx: &Context) -> Action {
        let Some(Dialog::Refuse(r)) = &self.dialog else {
            return Action::None;
        };
        let pending = if r.ids.len() == 1 {
            let text = r.text.text().trim().to_string();
            if text.is_empty() {
                return Action::Error(
                    "Напишите текст отказа: его получит читатель. Без текста ЭБС отказ не отправит."
                        .into(),
                    Task::none(),
                );
            }
            Pending::One {
                id: r.ids[0].clone(),
                decision: Decision::Refuse {
                    reason: r.reason,
                    text,
                },
            }
        } else {
            Pending::Many {
                ids: r.ids.clone(),
                kind: DecisionKind::Refuse,
                reason: Some(r.reason),
            }
        };
        self.attempt(pending, db, ctx)
    }

    /// Stores a decision, or first asks to confirm the rules it breaks.
    fn attempt(&mut self, pending: Pending, db: &Db, ctx: &Context) -> Action {
        if self.busy {
            return Action::None;
        }
        let kind = pending.kind();
        let ids: Vec<&RequestId> = match &pending {
            Pending::One { id, .. } => vec![id],
            Pending::Many { ids, .. } => ids.iter().collect(),
        };
        let several = ids.len() > 1;
        let broken: Vec<(String, Verdict)> = ids
            .iter()
            .filter_map(|id| self.entry(id))
            .flat_map(|e| {
                e.broken_for(kind).into_iter().map(move |v| {
                    let on = if several {
                        format!("«{}»: ", e.request.title)
                    } else {
                        String::new()
                    };
                    (on, v.clone())
                })
            })
            .collect();
        if !broken.is_empty() {
            self.dialog = Some(Dialog::Confirm { pending, broken });
            return Action::None;
        }
        self.run(pending, Vec::new(), db, ctx)
    }

    /// Stores the decision with the rules the librarian confirmed.
    fn run(&mut self, pending: Pending, confirmed: Vec<Rule>, db: &Db, ctx: &Context) -> Action {
        self.busy = true;
        let ctx = ctx.clone();
        match pending {
            Pending::One { id, decision } => Action::Run(Task::perform(
                db.call(move |s| {
                    requests::decide(s, &ctx, &id, &decision, &confirmed).map(|()| {
                        format!(
                            "Решение «{}» записано и будет отправлено в ЭБС.",
                            decision.label()
                        )
                    })
                }),
                Message::Decided,
            )),
            Pending::Many { ids, kind, reason } => Action::Run(Task::perform(
                db.call(move |s| {
                    Ok::<_, services::Error>(requests::decide_many(
                        s, &ctx, &ids, kind, reason, &confirmed,
                    ))
                }),
                |r: Result<_, services::Error>| Message::DecidedMany(r.unwrap_or_default()),
            )),
        }
    }

    /// A decision was stored (or not): reload the list either way.
    fn decided(&mut self, result: Result<String, services::Error>, db: &Db) -> Action {
        self.busy = false;
        match result {
            Ok(label) => {
                self.dialog = None;
                Action::Decided(Notice::success(label), load(db))
            }
            // The data changed under the librarian: name the rules now broken.
            Err(services::Error::RulesBroken { broken, .. }) => {
                if let Some(pending) = self.retry() {
                    self.dialog = Some(Dialog::Confirm {
                        pending,
                        broken: broken.into_iter().map(|v| (String::new(), v)).collect(),
                    });
                }
                Action::Run(load(db))
            }
            Err(e) => Action::Error(e.to_string(), load(db)),
        }
    }

    /// The single decision the dialog was for, to ask again.
    fn retry(&self) -> Option<Pending> {
        match &self.dialog {
            Some(Dialog::Confirm { pending, .. }) => Some(pending.clone()),
            _ => None,
        }
    }

    fn decided_many(
        &mut self,
        results: Vec<(RequestId, Result<(), services::Error>)>,
        db: &Db,
    ) -> Action {
        self.busy = false;
        self.dialog = None;
        let done = results.iter().filter(|(_, r)| r.is_ok()).count();
        let total = results.len();
        for (id, r) in &results {
            if r.is_ok() {
                self.ticked.remove(id);
            }
        }
        let failed: Vec<String> = results
            .iter()
            .filter_map(|(id, r)| {
                let e = r.as_ref().err()?;
                let title = self
                    .entry(id)
                    .map(|x| x.request.title.clone())
                    .unwrap_or_else(|| id.as_str().to_string());
                Some(format!("«{title}»: {e}"))
            })
            .collect();
        let said = format!(
            "Записано {done} {} из {total}; каждое уйдёт в ЭБС отдельно.",
            plural(done as u64, "решение", "решения", "решений")
        );
        if failed.is_empty() {
            Action::Decided(Notice::success(said), load(db))
        } else if done > 0 {
            Action::Decided(
                Notice::error(format!("{said} Не записаны: {}", failed.join(" "))),
                load(db),
            )
        } else {
            Action::Error(
                format!("Решения не записаны: {}", failed.join(" ")),
                load(db),
            )
        }
    }

    /// Ties the shown request's provider card to the reader with the typed
    /// library card number.
    fn link(&mut self, db: &Db, ctx: &Context) -> Action {
        let Some(e) = self.shown() else {
            return Action::None;
        };
        let card = self.link_card.trim().to_string();
        if card.is_empty() {
            return Action::Error(
                "Введите номер читательского билета того, кому принадлежит карта ЭБС.".into(),
                Task::none(),
            );
        }
        let lib_card = e.request.lib_card.clone();
        let ctx = ctx.clone();
        Action::Run(Task::perform(
            db.call(move |s| {
                let reader = readers::find_by_card(s, &card)?;
                requests::link(s, &ctx, &lib_card, reader.id)?;
                Ok(format!(
                    "Карта ЭБС {lib_card} связана с читателем {} (билет № {}).",
                    reader.full_name(),
                    reader.card
                ))
            }),
            Message::Linked,
        ))
    }

    pub fn view(&self) -> Element<'_, Message> {
        let base = self.page();
        match &self.dialog {
            None => base,
            Some(Dialog::Refuse(r)) => modal(base, self.refuse_dialog(r)),
            Some(Dialog::Confirm { pending, broken }) => {
                modal(base, confirm_dialog(pending, broken, self.busy))
            }
        }
    }

    fn page(&self) -> Element<'_, Message> {
        let head = column![theme::title("Заказанные книги")].spacing(space::XS);
        let Some(queue) = &self.queue else {
            return column![head, text("Загрузка…")].spacing(space::ML).into();
        };
        if queue.entries.is_empty() {
            return column![
                head,
                text(
                    "Запросов, ждущих решения, нет. Новые появятся после синхронизации с ЭБС (F5)."
                ),
            ]
            .spacing(space::ML)
            .into();
        }
        let head = head.push(summary(queue));
        let list = self.list(queue);
        let detail: Element<'_, Message> = match self.shown() {
            Some(e) => scrollable(self.detail(e)).height(Fill).into(),
            None => text("Выберите запрос в списке.").into(),
        };
        column![
            head,
            self.tick_bar(queue),
            row![
                container(list).width(FillPortion(3)).height(Fill),
                container(detail).width(FillPortion(2)).height(Fill),
            ]
            .spacing(space::L)
            .height(Fill),
        ]
        .spacing(space::ML)
        .into()
    }

    /// «Отметить все» and, with requests ticked, one decision for them all.
    fn tick_bar(&self, queue: &Queue) -> Element<'_, Message> {
        let open = queue
            .entries
            .iter()
            .take(LIST_LIMIT)
            .filter(|e| e.request.local_decision.is_none())
            .count();
        let all = open > 0 && self.ticked.len() >= open;
        let mut bar = row![
            checkbox(all)
                .label("Отметить все")
                .on_toggle(Message::TickAll)
                .size(16)
                .text_size(size::SMALL)
        ]
        .spacing(space::M)
        .align_y(iced::Center);
        let n = self.ticked.len();
        if n > 0 {
            let go = |label: &'static str, m: Message| {
                button(text(label).size(size::SMALL))
                    .on_press_maybe((!self.busy).then_some(m))
                    .style(button::secondary)
            };
            bar = bar.push(
                text(format!(
                    "Отмечено: {n} {} —",
                    plural(n as u64, "запрос", "запроса", "запросов")
                ))
                .size(size::SMALL)
                .font(FONT_BOLD),
            );
            bar = bar
                .push(go(
                    "Выдать отмеченные",
                    Message::Decide(Target::Ticked, DecisionKind::Issue),
                ))
                .push(go(
                    "Купить и выдать",
                    Message::Decide(Target::Ticked, DecisionKind::Buy),
                ))
                .push(go(
                    "Отказать отмеченным…",
                    Message::StartRefuse(Target::Ticked),
                ))
                .push(go(
                    "Отменить отмеченные",
                    Message::Decide(Target::Ticked, DecisionKind::Cancel),
                ))
                .push(
                    button(text("Снять отметку").size(size::SMALL))
                        .on_press(Message::TickAll(false))
                        .style(button::text),
                );
        }
        bar.into()
    }

    fn list<'a>(&'a self, queue: &'a Queue) -> Element<'a, Message> {
        let shown = queue.entries.len().min(LIST_LIMIT);
        let mut rows = column![].spacing(space::S);
        for e in queue.entries.iter().take(LIST_LIMIT) {
            rows = rows.push(self.list_row(e));
        }
        if queue.entries.len() > shown {
            rows = rows.push(
                text(format!(
                    "Показаны первые {shown} из {}: решите их — придут следующие.",
                    queue.entries.len()
                ))
                .size(size::SMALL)
                .style(text::secondary),
            );
        }
        scrollable(rows).height(Fill).into()
    }

    /// One request: its place, the book, the reader, why it stands here, the
    /// rules it breaks and how long it has waited.
    fn list_row<'a>(&'a self, e: &'a QueueEntry) -> Element<'a, Message> {
        let r = &e.request;
        let id = r.id.clone();
        let decided = r.local_decision.is_some();
        let tick = checkbox(self.ticked.contains(&r.id))
            .on_toggle_maybe((!decided).then_some(move |on| Message::Tick(id.clone(), on)))
            .size(16);
        let reader = match (&e.reader, e.age) {
            (Some(_), Some(age)) => format!("{}, {}", e.reader_name(), years(age)),
            (Some(_), None) => e.reader_name(),
            (None, _) => format!("{} — читатель не найден в базе библиотеки", e.reader_name()),
        };
        let mut info = column![
            row![
                text(format!("{}.", e.position))
                    .font(FONT_BOLD)
                    .style(text::secondary),
                text(format!("{} — {}", r.authors, r.title)).font(FONT_BOLD),
            ]
            .spacing(space::S),
            text(reader).size(size::SMALL),
        ]
        .spacing(space::HAIR)
        .width(Fill);
        if !e.reasons.is_empty() {
            info = info.push(
                text(format!("Приоритет: {}", e.reasons.join("; ")))
                    .size(size::SMALL)
                    .style(text::primary),
            );
        }
        if e.stock.as_ref().is_some_and(|s| s.rebuy) {
            info = info.push(text(REBUY).size(size::SMALL).style(text::success));
        }
        let failing = failing_for_desk(e);
        if let Some(first) = failing.first() {
            let more = failing.len() - 1;
            let line = if more > 0 {
                format!("✗ {} (и ещё {more})", first.message)
            } else {
                format!("✗ {}", first.message)
            };
            info = info.push(text(line).size(size::SMALL).style(text::danger));
        }
        if let Some(d) = r.local_decision {
            info = info.push(
                text(format!("решение: {} — ждёт отправки", d.short_label()))
                    .size(size::SMALL)
                    .style(text::secondary),
            );
        }
        let waited = column![text(waiting(e)).size(size::SMALL).style(if e.overdue {
            text::danger
        } else {
            text::secondary
        }),]
        .align_x(iced::Right);
        let body = button(row![info, waited].spacing(space::M))
            .on_press(Message::Select(r.id.clone()))
            .padding(8)
            .width(Fill)
            .style(if self.selected.as_ref() == Some(&r.id) {
                selected_row
            } else {
                plain_row
            });
        row![tick, body]
            .spacing(space::S)
            .align_y(iced::Center)
            .into()
    }

    /// Everything about one request, and the decisions.
    fn detail<'a>(&'a self, e: &'a QueueEntry) -> Element<'a, Message> {
        column![
            self.reader_box(e),
            book_box(e),
            rules_box(e),
            why_box(e),
            decisions(e, self.busy),
        ]
        .spacing(space::ML)
        .into()
    }

    fn reader_box<'a>(&'a self, e: &'a QueueEntry) -> Element<'a, Message> {
        let r = &e.request;
        let Some(reader) = &e.reader else {
            let mut said = column![
                text("Читатель не найден в базе библиотеки").font(FONT_BOLD),
                text(format!(
                    "Карта ЭБС {}{}{}",
                    r.lib_card,
                    r.reader_name
                        .as_deref()
                        .map(|n| format!(" · в ЭБС: {n}"))
                        .unwrap_or_default(),
                    r.reader_birth_date
                        .map(|b| format!(", {}", b.format("%d.%m.%Y")))
                        .unwrap_or_default()
                ))
                .size(size::SMALL),
                text("Свяжите карту с читателем по номеру билета или зарегистрируйте его: решение запишется в журнал этого читателя.")
                    .size(size::HINT)
                    .style(text::secondary),
            ]
            .spacing(space::XS);
            said = said.push(
                row![
                    text_input("Номер читательского билета", &self.link_card)
                        .id("request-link-card")
                        .on_input(Message::LinkCard)
                        .on_submit(Message::Link)
                        .padding(6)
                        .width(220),
                    button(text("Связать").size(size::SMALL))
                        .on_press(Message::Link)
                        .style(button::secondary),
                    button(text("Зарегистрировать читателя").size(size::SMALL))
                        .on_press(Message::Register)
                        .style(button::secondary),
                ]
                .spacing(space::S)
                .align_y(iced::Center),
            );
            return container(said)
                .padding(10)
                .width(Fill)
                .style(theme::warning_box)
                .into();
        };
        let age = match (e.age, e.age_group) {
            (Some(a), Some(g)) => format!("{} ({})", years(a), g.label()),
            (Some(a), None) => years(a),
            _ => "не указан".into(),
        };
        let history = match e.previous {
            0 => "обращается впервые".to_string(),
            n => format!(
                "{n} {} до этого",
                plural(n.into(), "запрос", "запроса", "запросов")
            ),
        };
        let since = e
            .reader_since
            .map(|s| s.with_timezone(&Local).format("%d.%m.%Y").to_string())
            .unwrap_or_else(|| "—".into());
        let lending = reader
            .lending
            .as_ref()
            .map(|l| {
                let mut parts = Vec::new();
                if let Some(d) = l.loan_days {
                    parts.push(format!("срок выдачи {d} дн."));
                }
                if let Some(c) = l.self_price_cap {
                    parts.push(format!("сам покупает до {}", money(c)));
                }
                if let Some(n) = l.self_purchases {
                    parts.push(format!("до {n} в месяц"));
                }
                parts.join(", ")
            })
            .filter(|s| !s.is_empty());
        let mut col = column![
            row![
                text(e.reader_name()).font(FONT_BOLD).width(Fill),
                button(text("Карточка читателя").size(size::SMALL))
                    .on_press(Message::OpenReader(reader.id))
                    .style(button::text),
            ]
            .align_y(iced::Center),
            fact(
                "Билет",
                format!("№ {} · карта ЭБС {}", reader.card, r.lib_card)
            ),
            fact("Возраст", age),
            fact("Обращения", history),
            fact("На руках", books(e.on_hand)),
            fact("Читатель с", since),
        ]
        .spacing(space::XS);
        if let Some(l) = lending {
            col = col.push(fact("Личные условия", l));
        }
        section("Читатель", col)
    }

    /// Whether a request is shown in the list at all (for tests of order).
    pub fn positions(&self) -> Vec<(usize, String)> {
        self.queue
            .iter()
            .flat_map(|q| &q.entries)
            .map(|e| (e.position, e.request.title.clone()))
            .collect()
    }

    fn refuse_dialog<'a>(&'a self, r: &'a Refusal) -> Element<'a, Message> {
        let several = r.ids.len() > 1;
        let title = if several {
            format!(
                "Отказ: {} {}",
                r.ids.len(),
                plural(r.ids.len() as u64, "запрос", "запроса", "запросов")
            )
        } else {
            match r.ids.first().and_then(|id| self.entry(id)) {
                Some(e) => format!("Отказ: «{}» — {}", e.request.title, e.reader_name()),
                None => "Отказ".to_string(),
            }
        };
        let current = r.text.text();
        let typed = current.trim();
        let mut col = column![
            text(title).size(size::LARGE).font(FONT_BOLD),
            text("Причина").size(size::SMALL).font(FONT_BOLD),
            reasons(r.reason),
        ]
        .spacing(space::ML);
        if several {
            // Each reader gets the template with their own name and book.
            col = col.push(
                text("Каждый читатель получит текст шаблона со своим именем и книгой:")
                    .size(size::SMALL),
            );
            let mut previews = column![].spacing(space::S);
            for e in r.ids.iter().filter_map(|id| self.entry(id)).take(5) {
                previews = previews.push(preview(self.filled(e, r.reason)));
            }
            if r.ids.len() > 5 {
                previews = previews.push(
                    text(format!("… и ещё {}", r.ids.len() - 5))
                        .size(size::SMALL)
                        .style(text::secondary),
                );
            }
            col = col.push(previews);
        } else {
            let edited = typed != r.filled.trim();
            let mut label = row![
                text("Текст для читателя (можно исправить)")
                    .size(size::SMALL)
                    .width(Fill)
            ]
            .align_y(iced::Center);
            if edited {
                label = label.push(
                    button(text("Вставить текст шаблона").size(size::SMALL))
                        .on_press(Message::Template)
                        .style(button::text),
                );
            }
            col = col.push(label).push(
                text_editor(&r.text)
                    .id("refusal-text")
                    .on_action(Message::Edit)
                    .height(110)
                    .padding(8),
            );
            col = col.push(text("Читатель получит:").size(size::SMALL).font(FONT_BOLD));
            if typed.is_empty() {
                col = col.push(
                    container(
                        text("Текст пуст — без него ЭБС не отправит отказ. Напишите, почему книга не выдана.")
                            .size(size::SMALL),
                    )
                    .padding(8)
                    .width(Fill)
                    .style(theme::error_box),
                );
            } else {
                col = col.push(preview(typed.to_string()));
            }
        }
        let can_send = !self.busy && (several || !typed.is_empty());
        col.push(
            row![
                button(text(if several {
                    "Отказать всем"
                } else {
                    "Отправить отказ"
                }))
                .on_press_maybe(can_send.then_some(Message::SendRefusal))
                .style(button::danger),
                button(text("Отмена"))
                    .on_press(Message::CloseDialog)
                    .style(button::secondary),
            ]
            .spacing(space::M),
        )
        .into()
    }
}

/// The refusal reasons, all in sight, in two columns.
fn reasons<'a>(chosen: RefusalReason) -> Element<'a, Message> {
    let half = RefusalReason::ALL.len().div_ceil(2);
    let col = |part: &[RefusalReason]| {
        part.iter()
            .fold(column![].spacing(space::XS).width(Fill), |c, &r| {
                let mark = if r == chosen { "◉" } else { "○" };
                c.push(
                    button(
                        row![
                            text(mark).size(size::SMALL),
                            text(r.label_ru()).size(size::SMALL)
                        ]
                        .spacing(space::S),
                    )
                    .on_press(Message::Reason(r))
                    .padding([2, 4])
                    .style(if r == chosen {
                        chosen_reason
                    } else {
                        button::text
                    }),
                )
            })
    };
    row![
        col(&RefusalReason::ALL[..half]),
        col(&RefusalReason::ALL[half..])
    ]
    .spacing(space::L)
    .into()
}

/// The confirmation naming every rule the decision breaks.
fn confirm_dialog<'a>(
    pending: &'a Pending,
    broken: &'a [(String, Verdict)],
    busy: bool,
) -> Element<'a, Message> {
    let kind = pending.kind();
    let (question, yes) = match kind {
        DecisionKind::Issue => ("Выдать, несмотря на правила?", "Да, выдать"),
        DecisionKind::Buy => ("Купить в фонд, несмотря на правила?", "Да, купить и выдать"),
        DecisionKind::Refuse => ("Отказать, несмотря на это?", "Да, отказать"),
        DecisionKind::Cancel => ("Отменить, несмотря на это?", "Да, отменить"),
    };
    let mut list = column![].spacing(space::XS);
    for (on, v) in broken {
        list = list.push(text(format!("✗ {on}{}", v.message)).style(text::danger));
    }
    column![
        text(question).size(size::LARGE).font(FONT_BOLD),
        text("Решение нарушает:").size(size::SMALL),
        list,
        text("Исключение будет записано в журнал: правило, читатель и ваше имя.")
            .size(size::HINT)
            .style(text::secondary),
        row![
            button(text(yes))
                .on_press_maybe((!busy).then_some(Message::Override))
                .style(button::danger),
            button(text("Не решать"))
                .on_press(Message::CloseDialog)
                .style(button::secondary),
        ]
        .spacing(space::M),
    ]
    .spacing(space::ML)
    .into()
}

/// «Ждут решения: 12 запросов · дольше 24 ч: 3».
fn summary(queue: &Queue) -> Element<'_, Message> {
    let n = queue.entries.len();
    let overdue = queue.entries.iter().filter(|e| e.overdue).count();
    let hours = queue.policy.wait_threshold_hours;
    let mut said = format!(
        "Ждут решения: {n} {}, по порядку, который библиотека задала в настройках",
        plural(n as u64, "запрос", "запроса", "запросов")
    );
    if overdue > 0 {
        said.push_str(&format!(
            " · дольше {hours} {}: {overdue}",
            plural(hours.into(), "часа", "часов", "часов")
        ));
    }
    text(said).size(size::SMALL).style(text::secondary).into()
}

/// A request for a title whose last copy left at its 24th issue.
const REBUY: &str = "25-й запрос: можно купить заново";

/// The book, its flags, and what the fund holds of it.
fn book_box(e: &QueueEntry) -> Element<'_, Message> {
    let r = &e.request;
    let mut flags = row![].spacing(space::S);
    let mut any = false;
    for (on, label) in [
        (r.draft, "Черновик"),
        (r.samizdat, "Самиздат"),
        (r.free, "Бесплатно в ЭБС"),
    ] {
        if on {
            any = true;
            flags = flags.push(badge(label));
        }
    }
    let rating = match (r.rating, r.reviews) {
        (Some(x), Some(n)) => format!(
            "★ {},{} · {n} {}",
            x / 10,
            x % 10,
            plural(n.into(), "отзыв", "отзыва", "отзывов")
        ),
        (Some(x), None) => format!("★ {},{}", x / 10, x % 10),
        (None, Some(n)) => format!("{n} {}", plural(n.into(), "отзыв", "отзыва", "отзывов")),
        (None, None) => "не указан".into(),
    };
    let stock = match &e.stock {
        Some(s) if s.copies > 0 => {
            let mut said = format!(
                "{} {}, на руках {}",
                s.copies,
                plural(s.copies.into(), "экземпляр", "экземпляра", "экземпляров"),
                s.on_loan
            );
            match e.issues_left() {
                Some(left) => said.push_str(&format!(
                    "; свободному до 24-й выдачи — {left} {}",
                    plural(left.into(), "выдача", "выдачи", "выдач")
                )),
                None => said.push_str("; свободных нет"),
            }
            said
        }
        Some(s) if s.rebuy => {
            format!("в фонде нет: последний экземпляр ушёл на 24-й выдаче. {REBUY}")
        }
        _ => "в фонде нет".into(),
    };
    let mut col = column![
        text(&r.title).font(FONT_BOLD),
        text(&r.authors).size(size::SMALL),
    ]
    .spacing(space::XS);
    if any {
        col = col.push(flags);
    }
    col = col
        .push(fact("Жанр", r.genre.clone().unwrap_or_else(|| "—".into())))
        .push(fact("Вид", r.kind.label_ru().to_string()))
        .push(fact(
            "Цена",
            r.price_kopecks
                .map(money)
                .unwrap_or_else(|| "не указана".into()),
        ))
        .push(fact(
            "Возраст",
            r.age_rating
                .map(|a| format!("{a}+"))
                .unwrap_or_else(|| "не указан".into()),
        ))
        .push(fact("Рейтинг", rating))
        .push(fact("В фонде", stock));
    if r.draft {
        col = col.push(
            text("Черновик: книга не дописана. Перед покупкой подумайте, выйдет ли продолжение.")
                .size(size::SMALL)
                .style(text::danger),
        );
    }
    if r.free {
        col = col.push(
            text("Книга бесплатна в ЭБС: покупать не нужно — выдайте её.")
                .size(size::SMALL)
                .style(text::success),
        );
    }
    section("Книга", col)
}

/// Every rule's verdict, failed ones first.
fn rules_box(e: &QueueEntry) -> Element<'_, Message> {
    let mut col = column![].spacing(space::XS);
    let mut verdicts: Vec<&Verdict> = e.verdicts.iter().collect();
    verdicts.sort_by_key(|v| v.passed);
    for v in verdicts {
        col = col.push(if v.passed {
            text(format!("✓ {}", v.message))
                .size(size::SMALL)
                .style(text::success)
        } else {
            text(format!("✗ {}", v.message))
                .size(size::SMALL)
                .style(text::danger)
        });
    }
    section("Правила", col)
}

/// Why the request stands where it stands.
fn why_box(e: &QueueEntry) -> Element<'_, Message> {
    let mut col =
        column![text(format!("{}-й в очереди", e.position)).size(size::SMALL)].spacing(space::XS);
    if e.reasons.is_empty() {
        col = col.push(
            text("Особых причин нет: по времени ожидания")
                .size(size::SMALL)
                .style(text::secondary),
        );
    }
    for reason in &e.reasons {
        col = col.push(text(format!("• {reason}")).size(size::SMALL));
    }
    let created = e
        .request
        .created
        .map(|t| t.with_timezone(&Local).format("%d.%m.%Y %H:%M").to_string())
        .unwrap_or_else(|| "—".into());
    col = col.push(
        text(format!(
            "Запрос от {created}, {}{}",
            waiting(e),
            if e.overdue {
                " — дольше порога"
            } else {
                ""
            }
        ))
        .size(size::SMALL)
        .style(if e.overdue {
            text::danger
        } else {
            text::secondary
        }),
    );
    section("Почему здесь", col)
}

/// The decision buttons, or the decision already taken.
fn decisions(e: &QueueEntry, busy: bool) -> Element<'_, Message> {
    if let Some(d) = e.request.local_decision {
        return text(format!(
            "Решение: {} — ждёт отправки в ЭБС",
            d.short_label()
        ))
        .style(text::secondary)
        .into();
    }
    let id = e.request.id.clone();
    let one = || Target::One(id.clone());
    let go = |m: Message| (!busy).then_some(m);
    let issue = button(text("Выдать"))
        .on_press_maybe(go(Message::Decide(one(), DecisionKind::Issue)))
        .style(button::primary);
    let buy = button(text("Купить и выдать"))
        .on_press_maybe(go(Message::Decide(one(), DecisionKind::Buy)))
        .style(if e.request.free {
            button::secondary
        } else {
            button::primary
        });
    row![
        issue,
        buy,
        button(text("Отказать…"))
            .on_press_maybe(go(Message::StartRefuse(one())))
            .style(button::danger),
        button(text("Отменить"))
            .on_press_maybe(go(Message::Decide(one(), DecisionKind::Cancel)))
            .style(button::text),
    ]
    .spacing(space::S)
    .into()
}

/// The rules standing in the way of whatever the desk would do: issuing when
/// a copy is free, buying otherwise.
fn failing_for_desk(e: &QueueEntry) -> Vec<&Verdict> {
    let in_stock = e.stock.as_ref().is_some_and(|s| s.copies > s.on_loan);
    let kind = if in_stock || e.request.free {
        DecisionKind::Issue
    } else {
        DecisionKind::Buy
    };
    let mut out = e.broken_for(kind);
    if kind == DecisionKind::Buy {
        out.retain(|v| v.rule != Rule::FreeCopy);
    }
    out
}

/// The refusal reason the broken rules suggest («Другая причина» when none
/// does: a book not in the fund that could be bought is not «выдан другому»).
fn suggested_reason(e: &QueueEntry) -> RefusalReason {
    failing_for_desk(e)
        .iter()
        .find_map(|v| v.rule.refusal())
        .unwrap_or(RefusalReason::Other)
}

/// A registration form filled with what the provider says of the reader.
fn draft_of(e: &QueueEntry) -> ReaderDraft {
    let r = &e.request;
    let mut parts = r
        .reader_name
        .as_deref()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string);
    ReaderDraft {
        surname: parts.next().unwrap_or_default(),
        name: parts.next().unwrap_or_default(),
        patronymic: parts.collect::<Vec<_>>().join(" "),
        birth_date: r
            .reader_birth_date
            .map(|b| b.format("%d.%m.%Y").to_string())
            .unwrap_or_default(),
        ..ReaderDraft::default()
    }
}

fn waited(e: &QueueEntry) -> String {
    match e.request.created {
        Some(created) => {
            let now: DateTime<Utc> = created + chrono::Duration::minutes(e.waiting_minutes);
            kafedra_core::domain::priority::waited(created, now)
        }
        None => "—".into(),
    }
}

/// «ждёт 3 ч», or «только что» for a request that has just come.
fn waiting(e: &QueueEntry) -> String {
    if e.waiting_minutes == 0 {
        "только что".to_string()
    } else {
        format!("ждёт {}", waited(e))
    }
}

fn years(n: u32) -> String {
    format!("{n} {}", plural(n.into(), "год", "года", "лет"))
}

fn books(n: u32) -> String {
    format!("{n} {}", plural(n.into(), "книга", "книги", "книг"))
}

fn fact<'a>(label: &'static str, value: String) -> Element<'a, Message> {
    row![
        text(label)
            .size(size::SMALL)
            .style(text::secondary)
            .width(110),
        text(value).size(size::SMALL).width(Fill),
    ]
    .spacing(space::M)
    .into()
}

fn section<'a>(title: &'static str, body: impl Into<Element<'a, Message>>) -> Element<'a, Message> {
    container(
        column![
            text(title)
                .size(size::SMALL)
                .font(FONT_BOLD)
                .style(text::secondary),
            body.into()
        ]
        .spacing(space::S),
    )
    .padding(10)
    .width(Fill)
    .style(theme::panel)
    .into()
}

fn badge<'a>(label: &'static str) -> Element<'a, Message> {
    container(text(label).size(size::HINT))
        .padding([2, 6])
        .style(theme::warning_box)
        .into()
}

/// Exactly what the reader will read.
fn preview<'a>(said: String) -> Element<'a, Message> {
    container(text(said).size(size::SMALL))
        .padding(10)
        .width(Fill)
        .style(theme::panel)
        .into()
}

fn plain_row(theme: &iced::Theme, status: button::Status) -> button::Style {
    let p = theme.extended_palette();
    let mut style = button::Style {
        background: Some(iced::Color::WHITE.into()),
        text_color: p.background.base.text,
        border: iced::Border {
            color: p.background.strong.color,
            width: 1.0,
            radius: 6.0.into(),
        },
        ..button::Style::default()
    };
    if matches!(status, button::Status::Hovered) {
        style.background = Some(p.background.weak.color.into());
    }
    style
}

fn chosen_reason(theme: &iced::Theme, status: button::Status) -> button::Style {
    let p = theme.extended_palette();
    button::Style {
        background: Some(p.primary.weak.color.scale_alpha(0.25).into()),
        ..button::text(theme, status)
    }
}

fn selected_row(theme: &iced::Theme, status: button::Status) -> button::Style {
    let p = theme.extended_palette();
    let mut style = plain_row(theme, status);
    style.background = Some(p.primary.weak.color.scale_alpha(0.25).into());
    style.border.color = p.primary.base.color;
    style.border.width = 2.0;
    style
}

fn load(db: &Db) -> Task<Message> {
    Task::perform(
        db.call(|s| requests::queue(s, Utc::now()).map(Box::new)),
        Message::Loaded,
    )
}
