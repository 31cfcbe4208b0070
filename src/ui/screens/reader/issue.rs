//! «Выдать из фонда»: a book of the library's fund issued to the reader
//! without a request, as the provider's cabinet allows. The rules are shown
//! for the chosen title; one that is broken needs a confirmation naming it,
//! and the override is journaled (`services::lending::issue_direct`).

use chrono::Utc;
use iced::widget::{Column, button, column, container, row, scrollable, text, text_input};
use iced::{Element, Fill, FillPortion, Task};
use kafedra_core::domain::records::ReaderId;
use kafedra_core::domain::rules::{ISSUES_PER_COPY, Rule, Verdict};
use kafedra_core::domain::text::money;
use kafedra_core::services::lending;
use kafedra_core::services::{self, Db};
use kafedra_core::store::FundTitle;

use super::{Action, Answer, Message, ReaderPage};
use crate::ui::screens::Env;
use crate::ui::shell::Notice;
use crate::ui::theme::{self, FONT_BOLD, size, space};

/// The id of the fund's search box.
pub const SEARCH_ID: &str = "fund-search";
/// How many titles the list shows at most.
const LIMIT: usize = 50;

#[derive(Debug, Clone)]
pub enum IssueMessage {
    Query(String),
    /// Titles found for a query.
    Found(String, Answer<Vec<FundTitle>>),
    Pick(u64),
    Verdicts(u64, Answer<Vec<Verdict>>),
    /// «Выдать»: at once, or the confirmation if a rule is broken.
    Issue,
    /// Issue despite the broken rules on show.
    Confirm,
    CloseConfirm,
    Issued(String, Answer<()>),
}

#[derive(Default)]
pub(super) struct IssueDesk {
    query: String,
    /// `None` until the section is opened.
    titles: Option<Vec<FundTitle>>,
    chosen: Option<FundTitle>,
    verdicts: Option<Vec<Verdict>>,
    /// The broken rules the librarian is asked to confirm.
    pub(super) confirm: Option<Vec<Verdict>>,
    sending: bool,
    error: Option<String>,
}

fn search(query: String, db: &Db) -> Task<Message> {
    let q = query.clone();
    Task::perform(
        db.call(move |s| lending::fund_titles(s, &q, LIMIT)),
        move |r| Message::Issue(IssueMessage::Found(query.clone(), r)),
    )
}

fn check(id: ReaderId, title: FundTitle, db: &Db) -> Task<Message> {
    let art = title.art;
    Task::perform(
        db.call(move |s| lending::direct_verdicts(s, id, &title, Utc::now())),
        move |r| Message::Issue(IssueMessage::Verdicts(art, r)),
    )
}

impl IssueDesk {
    pub(super) fn open(&mut self, _id: ReaderId, db: &Db) -> Task<Message> {
        if self.titles.is_some() {
            return Task::none();
        }
        search(self.query.clone(), db)
    }

    /// After a change or a sync: the list and the chosen title's rules.
    pub(super) fn reload(&self, id: ReaderId, db: &Db) -> Task<Message> {
        if self.titles.is_none() {
            return Task::none();
        }
        let mut tasks = vec![search(self.query.clone(), db)];
        if let Some(t) = &self.chosen {
            tasks.push(check(id, t.clone(), db));
        }
        Task::batch(tasks)
    }

    fn broken(&self) -> Vec<Verdict> {
        self.verdicts
            .iter()
            .flatten()
            .filter(|v| !v.passed)
            .cloned()
            .collect()
    }

    pub(super) fn view<'a>(&'a self, waiting: &'a [String]) -> Column<'a, Message> {
        let search_box = text_input("Название, автор или жанр", &self.query)
            .id(SEARCH_ID)
            .on_input(|q| Message::Issue(IssueMessage::Query(q)))
            .padding(8);
        let list: Element<'a, Message> = match &self.titles {
            None => text("Загрузка фонда…").style(text::secondary).into(),
            Some(t) if t.is_empty() && self.query.trim().is_empty() => {
                text("В фонде библиотеки пока нет книг (фонд приходит из ЭБС при синхронизации).")
                    .style(text::secondary)
                    .into()
            }
            Some(t) if t.is_empty() => text(format!(
                "В фонде ничего не нашлось по запросу «{}».",
                self.query.trim()
            ))
            .style(text::secondary)
            .into(),
            Some(titles) => scrollable(titles.iter().fold(column![].spacing(space::XS), |c, t| {
                c.push(self.title_row(t))
            }))
            .height(360)
            .into(),
        };
        let mut col = column![
            theme::title("Выдать из фонда"),
            text(
                "Книга фонда библиотеки выдаётся читателю без запроса, как позволяет кабинет ЭБС. \
                 Свободные экземпляры — вверху списка."
            )
            .size(size::SMALL)
            .style(text::secondary),
        ]
        .spacing(space::ML);
        if let Some(e) = &self.error {
            col = col.push(theme::errors(vec![e.clone()]));
        }
        col.push(
            row![
                column![search_box, list]
                    .spacing(space::M)
                    .width(FillPortion(3)),
                column![self.chosen_pane(), super::view::waiting_note(waiting)]
                    .spacing(space::M)
                    .width(FillPortion(2)),
            ]
            .spacing(space::L),
        )
    }

    fn title_row<'a>(&'a self, t: &'a FundTitle) -> Element<'a, Message> {
        let chosen = self.chosen.as_ref().is_some_and(|c| c.art == t.art);
        let mut about = vec![t.authors.clone()];
        if let Some(g) = &t.genre {
            about.push(g.clone());
        }
        if let Some(r) = t.age_rating.filter(|r| *r > 0) {
            about.push(format!("{r}+"));
        }
        if let Some(p) = t.price {
            about.push(money(p));
        }
        let free = t.stock.copies.saturating_sub(t.stock.on_loan);
        let stock = text(stock_line(t)).size(size::SMALL).style(if free > 0 {
            text::success
        } else {
            text::secondary
        });
        button(
            row![
                column![
                    text(&t.title).font(FONT_BOLD),
                    text(about.join(" · "))
                        .size(size::SMALL)
                        .style(text::secondary),
                ]
                .spacing(space::HAIR)
                .width(Fill),
                stock,
            ]
            .spacing(space::M)
            .align_y(iced::Center),
        )
        .on_press(Message::Issue(IssueMessage::Pick(t.art)))
        .padding([6, 10])
        .width(Fill)
        .style(if chosen {
            button::secondary
        } else {
            button::text
        })
        .into()
    }

    /// The chosen title, its rules and «Выдать».
    fn chosen_pane(&self) -> Element<'_, Message> {
        let Some(t) = &self.chosen else {
            return container(
                text("Выберите книгу в списке: здесь появятся правила выдачи для этого читателя.")
                    .style(text::secondary),
            )
            .padding(12)
            .width(Fill)
            .style(theme::panel)
            .into();
        };
        let mut col = column![
            text(&t.title).size(size::LARGE).font(FONT_BOLD),
            text(&t.authors).style(text::secondary),
            text(stock_line(t)).size(size::SMALL),
        ]
        .spacing(space::S);
        let Some(verdicts) = &self.verdicts else {
            return container(col.push(text("Проверка правил…").style(text::secondary)))
                .padding(12)
                .width(Fill)
                .style(theme::panel)
                .into();
        };
        col = col.push(text("Правила выдачи").font(FONT_BOLD));
        for v in verdicts {
            col = col.push(verdict_line(v));
        }
        let broken = verdicts.iter().any(|v| !v.passed);
        let label = match (self.sending, broken) {
            (true, _) => "Выдача…",
            (false, false) => "Выдать читателю",
            (false, true) => "Выдать вопреки правилам…",
        };
        col = col.push(
            button(text(label).font(FONT_BOLD))
                .on_press_maybe((!self.sending).then_some(Message::Issue(IssueMessage::Issue)))
                .padding([10, 18])
                .style(if broken {
                    button::danger
                } else {
                    button::primary
                }),
        );
        container(col.spacing(space::M))
            .padding(12)
            .width(Fill)
            .style(theme::panel)
            .into()
    }
}

/// «экз.: 3 · свободно: 1 · выдач осталось: 21».
fn stock_line(t: &FundTitle) -> String {
    let s = &t.stock;
    if s.copies == 0 {
        return "нет экземпляров".to_string();
    }
    let free = s.copies.saturating_sub(s.on_loan);
    let mut line = format!("экз.: {} · свободно: {free}", s.copies);
    if free > 0 {
        let used = s.copy_issues.iter().copied().min().unwrap_or(0);
        line.push_str(&format!(
            " · выдач осталось: {}",
            ISSUES_PER_COPY.saturating_sub(used)
        ));
    }
    line
}

fn verdict_line(v: &Verdict) -> Element<'_, Message> {
    let (mark, style): (&str, fn(&iced::Theme) -> text::Style) = if v.passed {
        ("✓", text::success)
    } else {
        ("✗", text::danger)
    };
    row![
        text(mark).style(style).width(16),
        text(&v.message).size(size::SMALL).style(style),
    ]
    .spacing(space::S)
    .into()
}

/// The confirmation that names every broken rule.
pub(super) fn confirm_dialog<'a>(
    title: &'a str,
    broken: &'a [Verdict],
    sending: bool,
) -> Element<'a, Message> {
    let list = broken.iter().fold(column![].spacing(space::XS), |c, v| {
        c.push(text(format!("✗ {}", v.message)).style(text::danger))
    });
    column![
        text(format!("Выдать «{title}» вопреки правилам?"))
            .size(size::LARGE)
            .font(FONT_BOLD),
        text("Выдать несмотря на:").font(FONT_BOLD),
        list,
        text("Исключение будет записано в журнал: правило, читатель и ваше имя.")
            .size(size::HINT)
            .style(text::secondary),
        row![
            button(text("Да, выдать").font(FONT_BOLD))
                .on_press_maybe((!sending).then_some(Message::Issue(IssueMessage::Confirm)))
                .padding([8, 16])
                .style(button::danger),
            button(text("Не выдавать"))
                .on_press(Message::Issue(IssueMessage::CloseConfirm))
                .padding([8, 16])
                .style(button::secondary),
        ]
        .spacing(space::M),
    ]
    .spacing(space::ML)
    .into()
}

impl ReaderPage {
    /// The dialog over the page, when a broken rule waits for a confirmation.
    pub(super) fn issue_dialog(&self) -> Option<Element<'_, Message>> {
        let broken = self.issue.confirm.as_ref()?;
        let title = self.issue.chosen.as_ref().map_or("", |t| t.title.as_str());
        Some(confirm_dialog(title, broken, self.issue.sending))
    }

    pub(super) fn issue_update(&mut self, message: IssueMessage, env: &Env<'_>) -> Action {
        let (id, db) = (self.id, env.db);
        let desk = &mut self.issue;
        match message {
            IssueMessage::Query(q) => {
                desk.query = q.clone();
                Action::Run(search(q, db))
            }
            // An answer to a query typed over since is dropped.
            IssueMessage::Found(q, _) if q != desk.query => Action::None,
            IssueMessage::Found(_, Ok(titles)) => {
                // The chosen title with its stock as it is now.
                if let Some(c) = &mut desk.chosen
                    && let Some(t) = titles.iter().find(|t| t.art == c.art)
                {
                    *c = t.clone();
                }
                desk.titles = Some(titles);
                Action::None
            }
            IssueMessage::Found(_, Err(e)) => {
                desk.titles = Some(Vec::new());
                desk.error = Some(e.to_string());
                Action::None
            }
            IssueMessage::Pick(art) => {
                let Some(t) = desk.titles.iter().flatten().find(|t| t.art == art).cloned() else {
                    return Action::None;
                };
                desk.chosen = Some(t.clone());
                desk.verdicts = None;
                desk.error = None;
                Action::Run(check(id, t, db))
            }
            IssueMessage::Verdicts(art, r) => {
                if desk.chosen.as_ref().is_some_and(|c| c.art == art) {
                    match r {
                        Ok(v) => desk.verdicts = Some(v),
                        Err(e) => desk.error = Some(e.to_string()),
                    }
                }
                Action::None
            }
            IssueMessage::Issue => {
                if desk.sending || desk.chosen.is_none() || desk.verdicts.is_none() {
                    return Action::None;
                }
                let broken = desk.broken();
                if !broken.is_empty() {
                    desk.confirm = Some(broken);
                    return Action::None;
                }
                self.issue_now(Vec::new(), env)
            }
            IssueMessage::Confirm => {
                let Some(broken) = desk.confirm.as_ref().filter(|_| !desk.sending) else {
                    return Action::None;
                };
                let rules: Vec<Rule> = broken.iter().map(|v| v.rule).collect();
                self.issue_now(rules, env)
            }
            IssueMessage::CloseConfirm => {
                desk.confirm = None;
                Action::None
            }
            IssueMessage::Issued(title, Ok(())) => {
                desk.sending = false;
                desk.confirm = None;
                desk.chosen = None;
                desk.verdicts = None;
                Action::LendingQueued(
                    Notice::success(format!("Книга «{title}» выдана — отправится в ЭБС.")),
                    self.reload(env.db, env.ctx),
                )
            }
            // The rules changed since they were shown: ask again.
            IssueMessage::Issued(_, Err(services::Error::RulesBroken { broken, .. })) => {
                desk.sending = false;
                desk.confirm = Some(broken);
                Action::None
            }
            IssueMessage::Issued(_, Err(e)) => {
                desk.sending = false;
                desk.confirm = None;
                desk.error = Some(e.to_string());
                Action::Notify(Notice::error(e.to_string()), self.reload(env.db, env.ctx))
            }
        }
    }

    /// Issues the chosen title, the `confirmed` rules overridden.
    fn issue_now(&mut self, confirmed: Vec<Rule>, env: &Env<'_>) -> Action {
        let Some(t) = &self.issue.chosen else {
            return Action::None;
        };
        self.issue.sending = true;
        self.issue.error = None;
        let (id, art, title, ctx) = (self.id, t.art, t.title.clone(), env.ctx.clone());
        Action::Run(Task::perform(
            env.db
                .call(move |s| lending::issue_direct(s, &ctx, id, art, &confirmed)),
            move |r| Message::Issue(IssueMessage::Issued(title.clone(), r)),
        ))
    }
}
