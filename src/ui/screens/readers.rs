//! The search box and its results: find a reader by name, card or login.

use iced::widget::{button, column, container, row, scrollable, text};
use iced::{Element, Fill, Task};

use kafedra_core::domain::reader::ReaderDraft;
use kafedra_core::domain::records::{ReaderHit, ReaderId};
use kafedra_core::domain::text::{capitalize_name, compact_code, normalize};
use kafedra_core::services::readers::{self, Found, SEARCH_LIMIT};
use kafedra_core::services::{self, Context, Db};

use crate::ui::theme::{self, FONT_BOLD, FONT_MONO, size, space};

#[derive(Debug, Clone)]
pub enum Message {
    QueryChanged(String),
    Submit,
    Found {
        generation: u64,
        submit: bool,
        result: Result<Found, services::Error>,
    },
    Open(ReaderId),
    RegisterNew,
    /// Arrow keys move the highlighted row; Enter opens it.
    Move(i32),
}

/// What the search hands up to the shell.
pub enum Action {
    None,
    Run(Task<Message>),
    /// The search failed: the text says why.
    Error(String),
    OpenReader(ReaderId),
    Register(ReaderDraft),
}

enum Enter {
    Open(ReaderId),
    Register,
    Choose,
}

#[derive(Debug, Default)]
pub struct Search {
    query: String,
    /// The query the shown hits belong to.
    shown_for: String,
    hits: Vec<ReaderHit>,
    /// Results of older keystrokes arriving late are dropped.
    generation: u64,
    loaded: bool,
    selected: Option<usize>,
    /// The query on the Russian layout, when the typed one was a layout
    /// mistake («cjrjkjdf» → «соколова»): the hits are its.
    switched: Option<String>,
}

impl Search {
    pub fn query(&self) -> &str {
        &self.query
    }

    /// What the search stands for: the query as typed, or as switched to the
    /// Russian layout when that is what found the readers.
    fn effective_query(&self) -> &str {
        self.switched.as_deref().unwrap_or(&self.query)
    }

    /// Searches for the current query in the background. The list of recent
    /// readers (an empty query) is personal data in bulk: journaled.
    pub fn run(&mut self, db: &Db, ctx: &Context, submit: bool) -> Task<Message> {
        self.generation += 1;
        let generation = self.generation;
        let query = self.query.clone();
        let ctx = ctx.clone();
        Task::perform(
            db.call(move |s| {
                if query.trim().is_empty() {
                    readers::list(s, &ctx, &query)
                } else {
                    readers::search(s, &query)
                }
            }),
            move |result| Message::Found {
                generation,
                submit,
                result,
            },
        )
    }

    pub fn update(&mut self, message: Message, db: &Db, ctx: &Context) -> Action {
        match message {
            Message::QueryChanged(q) => {
                self.query = q;
                Action::Run(self.run(db, ctx, false))
            }
            Message::Submit => match self.selected.and_then(|i| self.hits.get(i)) {
                Some(hit) if self.shown_for == self.query => Action::OpenReader(hit.id),
                _ => Action::Run(self.run(db, ctx, true)),
            },
            Message::Move(step) => {
                self.move_selection(step);
                Action::None
            }
            Message::Found {
                generation,
                submit,
                result,
            } => self.found(generation, submit, result),
            Message::Open(id) => Action::OpenReader(id),
            Message::RegisterNew => Action::Register(draft_from_query(self.effective_query())),
        }
    }

    /// Moves the highlighted row by `step`, staying within the hits.
    fn move_selection(&mut self, step: i32) {
        if !self.hits.is_empty() {
            let last = self.hits.len() as i64 - 1;
            let next = match self.selected {
                None if step > 0 => 0,
                None => last,
                Some(i) => (i as i64 + i64::from(step)).clamp(0, last),
            };
            self.selected = Some(next as usize);
        }
    }

    /// The results of a search arrived.
    fn found(
        &mut self,
        generation: u64,
        submit: bool,
        result: Result<Found, services::Error>,
    ) -> Action {
        if generation != self.generation {
            return Action::None;
        }
        let found = match result {
            Ok(f) => f,
            Err(e) => return Action::Error(e.to_string()),
        };
        self.hits = found.hits;
        self.switched = found.switched;
        self.selected = None;
        self.shown_for = self.query.clone();
        self.loaded = true;
        if submit && !self.query.trim().is_empty() {
            match self.on_enter() {
                Enter::Open(id) => return Action::OpenReader(id),
                Enter::Register => {
                    return Action::Register(draft_from_query(self.effective_query()));
                }
                Enter::Choose => {}
            }
        }
        Action::None
    }

    /// What Enter does: a scanned card or login opens its reader; a name
    /// that starts words of exactly one reader opens that reader; a name that
    /// is nobody's (only found inside other words, e.g. «Петров» in
    /// «…Петровна») opens the registration form; several readers: choose.
    fn on_enter(&self) -> Enter {
        let code = compact_code(&self.query);
        if let Some(h) = self.hits.iter().find(|h| {
            compact_code(&h.card) == code
                || h.login.as_deref().is_some_and(|l| compact_code(l) == code)
        }) {
            return Enter::Open(h.id);
        }
        let query = normalize(self.effective_query());
        let strong: Vec<&ReaderHit> = self
            .hits
            .iter()
            .filter(|h| {
                // The first word typed must begin the surname or the name (not
                // only the patronymic: «Петров» is not «…Петровна»).
                let name = normalize(&h.full_name);
                let words: Vec<&str> = name.split(' ').collect();
                let starts =
                    |w: &str, t: &str| w.split('-').any(|p| p.starts_with(t)) || w.starts_with(t);
                let mut typed = query.split(' ');
                let first = typed.next().unwrap_or("");
                words.iter().take(2).any(|w| starts(w, first))
                    && typed.all(|t| words.iter().any(|w| starts(w, t)))
            })
            .collect();
        match strong.as_slice() {
            [] if self.hits.is_empty() || !query.chars().any(|c| c.is_ascii_digit()) => {
                Enter::Register
            }
            [] => Enter::Choose,
            [only] => Enter::Open(only.id),
            _ => Enter::Choose,
        }
    }

    pub fn view(&self) -> Element<'_, Message> {
        if !self.loaded {
            return text("Загрузка…").into();
        }
        let q = self.shown_for.trim();
        if self.hits.is_empty() && !q.is_empty() {
            return nothing_found(q);
        }
        if self.hits.is_empty() {
            return text("Читателей пока нет. Начните с регистрации (Ctrl+N).").into();
        }
        column![
            text(self.heading(q)).style(text::secondary),
            self.results_table(),
        ]
        .spacing(space::M)
        .into()
    }

    /// The line above the results: what is shown and how to choose.
    fn heading(&self, q: &str) -> String {
        if q.is_empty() {
            "Недавно зарегистрированные читатели".to_string()
        } else if let Some(switched) = &self.switched {
            format!("Раскладка: показаны результаты для «{switched}» — ↑/↓ выбрать, Enter открыть")
        } else if self.hits.len() >= SEARCH_LIMIT {
            format!("Найдено больше {} — уточните запрос «{q}»", SEARCH_LIMIT)
        } else {
            format!("Найдено: {} — ↑/↓ выбрать, Enter открыть", self.hits.len())
        }
    }

    fn results_table(&self) -> Element<'_, Message> {
        let rows = self
            .hits
            .iter()
            .enumerate()
            .fold(column![].spacing(space::HAIR), |col, (i, hit)| {
                col.push(self.row_of(i, hit))
            });
        container(column![header_row(), scrollable(rows).height(Fill)])
            .style(theme::panel)
            .padding(4)
            .into()
    }

    /// One hit as a clickable row; the selected one is highlighted.
    fn row_of<'a>(&self, i: usize, hit: &'a ReaderHit) -> Element<'a, Message> {
        button(
            row![
                text(&hit.full_name).width(Fill),
                text(hit.birth_date.format("%d.%m.%Y").to_string()).width(140),
                text(&hit.card).font(FONT_MONO).width(160),
                text(hit.login.as_deref().unwrap_or("—"))
                    .font(FONT_MONO)
                    .width(160),
            ]
            .spacing(space::M),
        )
        .on_press(Message::Open(hit.id))
        .padding([6, 8])
        .width(Fill)
        .style(if self.selected == Some(i) {
            button::primary
        } else {
            button::subtle
        })
        .into()
    }
}

fn header_row<'a>() -> Element<'a, Message> {
    row![
        text("ФИО").font(FONT_BOLD).width(Fill),
        text("Дата рождения").font(FONT_BOLD).width(140),
        text("№ билета").font(FONT_BOLD).width(160),
        text("Логин ЭБС").font(FONT_BOLD).width(160),
    ]
    .spacing(space::M)
    .padding([4, 8])
    .into()
}

/// Nobody matches the query: offer to register a new reader.
fn nothing_found<'a>(q: &str) -> Element<'a, Message> {
    container(
        column![
            text(format!("Никого не нашлось по запросу «{q}».")).size(size::LARGE),
            text("Нажмите Enter в поле поиска или кнопку ниже, чтобы зарегистрировать нового читателя."),
            button(text("Зарегистрировать нового читателя"))
                .on_press(Message::RegisterNew)
                .padding([8, 14])
                .style(button::primary),
        ]
        .spacing(space::L),
    )
    .padding(16)
    .style(theme::panel)
    .width(Fill)
    .into()
}

/// Prefills the registration form from what was searched: a number goes to
/// the card field, words to surname, name and patronymic.
pub fn draft_from_query(query: &str) -> ReaderDraft {
    let q = query.trim();
    let mut draft = ReaderDraft::default();
    if q.is_empty() {
        return draft;
    }
    if q.chars().any(|c| c.is_ascii_digit()) && !q.chars().any(char::is_alphabetic) {
        draft.card = q.to_string();
        return draft;
    }
    let mut words = q.split_whitespace();
    draft.surname = words.next().map(capitalize_name).unwrap_or_default();
    draft.name = words.next().map(capitalize_name).unwrap_or_default();
    draft.patronymic = words.next().map(capitalize_name).unwrap_or_default();
    draft
}
