//! «Фонд»: the library's e-fund. Search by title, author and genre in one
//! box (with the genres and their counts beside it, and filters); the four
//! lists of what is coming, each with its count; a title's card (who has it —
//! journaled —, its requests, its history); collections («подборки») made,
//! ordered, printed as a booklet and saved for the website; the month's new
//! titles exported for the electronic catalogue.

use std::fmt;
use std::path::PathBuf;

use chrono::Local;
use iced::widget::{button, column, container, pick_list, row, scrollable, text, text_input};
use iced::{Element, Fill, FillPortion, Task};

use kafedra_core::domain::fund::{
    Audience, Collection, FundTitle, LicenceFilter, LoanFilter, RETIRE_AT,
};
use kafedra_core::domain::request::BookKind;
use kafedra_core::domain::text::{Rub, counted, plural};
use kafedra_core::services::fund::{self, FundLists, FundQuery, TitleCard};
use kafedra_core::services::{self, Context, Db};
use kafedra_core::store::CollectionRow;

use super::policy::parse_rubles;
use super::{Effect, Env, Message as ScreenMessage};
use crate::ui::shell::Notice;
use crate::ui::theme::{self, FONT_BOLD, size, space};

/// The parts of the tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Search,
    Near,
    Ending,
    Left,
    Returned,
    Collections,
}

/// What the catalogue export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Iso2709,
    MarcXml,
    Csv,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 3] = [
        ExportFormat::Iso2709,
        ExportFormat::MarcXml,
        ExportFormat::Csv,
    ];

    pub fn core(self) -> fund::CatalogueFormat {
        match self {
            ExportFormat::Iso2709 => fund::CatalogueFormat::Iso2709,
            ExportFormat::MarcXml => fund::CatalogueFormat::MarcXml,
            ExportFormat::Csv => fund::CatalogueFormat::Csv,
        }
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ExportFormat::Iso2709 => "MARC 21 (ISO 2709, .mrc)",
            ExportFormat::MarcXml => "MARCXML (.xml)",
            ExportFormat::Csv => "CSV (.csv)",
        })
    }
}

/// A choice of a filter, shown in a pick list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice<T: Copy>(pub T, pub &'static str);

impl<T: Copy> fmt::Display for Choice<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.1)
    }
}

const KINDS: [Choice<Option<BookKind>>; 3] = [
    Choice(None, "Все книги"),
    Choice(Some(BookKind::Ebook), "Электронные"),
    Choice(Some(BookKind::Audio), "Аудиокниги"),
];

const AGES: [Choice<Option<u8>>; 5] = [
    Choice(None, "Любой возраст"),
    Choice(Some(0), "только 0+"),
    Choice(Some(6), "до 6+"),
    Choice(Some(12), "до 12+"),
    Choice(Some(16), "до 16+"),
];

const LICENCES: [Choice<LicenceFilter>; 4] = [
    Choice(LicenceFilter::Any, "Любая лицензия"),
    Choice(LicenceFilter::Active, "Лицензия действует"),
    Choice(LicenceFilter::EndingSoon, "Кончается за 30 дней"),
    Choice(LicenceFilter::Ended, "Лицензия закончилась"),
];

const LOANS: [Choice<LoanFilter>; 3] = [
    Choice(LoanFilter::Any, "На руках и свободные"),
    Choice(LoanFilter::OnLoan, "На руках"),
    Choice(LoanFilter::Free, "Есть свободный"),
];

/// Audiences of a collection, for the pick list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudienceKind {
    All,
    Children,
    Teens,
    Group,
}

impl AudienceKind {
    const ALL: [AudienceKind; 4] = [
        AudienceKind::All,
        AudienceKind::Children,
        AudienceKind::Teens,
        AudienceKind::Group,
    ];

    fn of(a: &Audience) -> AudienceKind {
        match a {
            Audience::All => AudienceKind::All,
            Audience::Children => AudienceKind::Children,
            Audience::Teens => AudienceKind::Teens,
            Audience::Group(_) => AudienceKind::Group,
        }
    }
}

impl fmt::Display for AudienceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AudienceKind::All => "Для всех",
            AudienceKind::Children => "Для детей",
            AudienceKind::Teens => "Для подростков",
            AudienceKind::Group => "Для группы читателей…",
        })
    }
}

/// A collection to add a title to, for the pick list on a title's card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub id: i64,
    pub name: String,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[derive(Debug, Clone)]
pub enum Message {
    Page(Page),
    Query(String),
    Genre(Option<String>),
    Kind(Choice<Option<BookKind>>),
    Age(Choice<Option<u8>>),
    Licence(Choice<LicenceFilter>),
    Loans(Choice<LoanFilter>),
    PriceMin(String),
    PriceMax(String),
    Found(u64, Result<Vec<FundTitle>, services::Error>),
    Genres(Result<Vec<(String, u32)>, services::Error>),
    Lists(Result<Box<FundLists>, services::Error>),
    Open(u64),
    Card(Result<Box<TitleCard>, services::Error>),
    CloseCard,
    Target(Target),
    AddToCollection,
    Added(Result<usize, services::Error>),
    Collections(Result<Vec<CollectionRow>, services::Error>),
    OpenCollection(i64),
    Collection(Result<Box<Collection>, services::Error>),
    NewCollection,
    Name(String),
    Description(String),
    Audience(AudienceKind),
    Group(String),
    SaveCollection,
    CollectionSaved(Result<i64, services::Error>),
    Move(u64, i64),
    Remove(u64),
    ItemsChanged(Result<(), services::Error>),
    DeleteCollection,
    ConfirmDelete(bool),
    Deleted(Result<(), services::Error>),
    Booklet,
    Html,
    SaveTo(SaveWhat, Option<PathBuf>),
    Saved(Result<String, services::Error>),
    ExportMonth(String),
    ExportFormat(ExportFormat),
    Export,
}

/// What a save dialog was opened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveWhat {
    Booklet,
    Html,
    Catalogue,
}

/// What the fund hands up.
pub enum Action {
    None,
    Run(Task<Message>),
    Error(String),
    Done(Notice, Task<Message>),
}

pub fn effect(action: Action) -> Effect {
    match action {
        Action::None => Effect::None,
        Action::Run(task) => Effect::Run(task.map(ScreenMessage::Fund)),
        Action::Error(t) => Effect::Notify(Notice::error(t), Task::none()),
        Action::Done(n, task) => Effect::Notify(n, task.map(ScreenMessage::Fund)),
    }
}

/// The collection being edited.
#[derive(Debug, Clone, Default)]
struct Draft {
    id: Option<i64>,
    name: String,
    description: String,
    audience: Option<AudienceKind>,
    group: String,
    items: Vec<FundTitle>,
    problems: Vec<String>,
}

impl Draft {
    fn audience(&self) -> Audience {
        match self.audience.unwrap_or(AudienceKind::All) {
            AudienceKind::All => Audience::All,
            AudienceKind::Children => Audience::Children,
            AudienceKind::Teens => Audience::Teens,
            AudienceKind::Group => Audience::Group(self.group.clone()),
        }
    }
}

pub struct FundScreen {
    page: Page,
    query: FundQuery,
    price_min: String,
    price_max: String,
    price_problem: Option<String>,
    kind: Choice<Option<BookKind>>,
    age: Choice<Option<u8>>,
    licence: Choice<LicenceFilter>,
    loans: Choice<LoanFilter>,
    seq: u64,
    found: Option<Vec<FundTitle>>,
    genres: Vec<(String, u32)>,
    lists: Option<Box<FundLists>>,
    card: Option<Box<TitleCard>>,
    collections: Vec<CollectionRow>,
    target: Option<Target>,
    draft: Option<Draft>,
    confirm_delete: bool,
    month: String,
    format: ExportFormat,
    busy: bool,
}

fn today() -> chrono::NaiveDate {
    Local::now().date_naive()
}

impl FundScreen {
    pub fn open(db: &Db, ctx: &Context) -> (FundScreen, Task<Message>) {
        let last_month = {
            let t = today();
            let first = kafedra_core::domain::fund::month_start(t);
            (first - chrono::Duration::days(1))
                .format("%Y-%m")
                .to_string()
        };
        let s = FundScreen {
            page: Page::Search,
            query: FundQuery::default(),
            price_min: String::new(),
            price_max: String::new(),
            price_problem: None,
            kind: KINDS[0],
            age: AGES[0],
            licence: LICENCES[0],
            loans: LOANS[0],
            seq: 0,
            found: None,
            genres: Vec::new(),
            lists: None,
            card: None,
            collections: Vec::new(),
            target: None,
            draft: None,
            confirm_delete: false,
            month: last_month,
            format: ExportFormat::Iso2709,
            busy: false,
        };
        let task = s.reload(db, ctx);
        (s, task)
    }

    /// Everything the tab shows, loaded anew (after a sync, on opening).
    pub fn reload(&self, db: &Db, ctx: &Context) -> Task<Message> {
        Task::batch([
            self.search(db),
            Task::perform(db.call(|s| fund::genres(s)), Message::Genres),
            load_lists(db, ctx),
            load_collections(db),
        ])
    }

    fn search(&self, db: &Db) -> Task<Message> {
        let q = self.query.clone();
        let seq = self.seq;
        Task::perform(db.call(move |s| fund::search(s, &q, today())), move |r| {
            Message::Found(seq, r)
        })
    }

    fn research(&mut self, db: &Db) -> Action {
        self.seq += 1;
        Action::Run(self.search(db))
    }

    pub fn update(&mut self, message: Message, env: &Env<'_>) -> Action {
        let db = env.db;
        match message {
            Message::Page(p) => {
                self.page = p;
                Action::None
            }
            Message::Query(t) => {
                self.query.text = t;
                self.research(db)
            }
            Message::Genre(g) => {
                self.query.genre = if self.query.genre == g { None } else { g };
                self.page = Page::Search;
                self.research(db)
            }
            Message::Kind(c) => {
                self.kind = c;
                self.query.kind = c.0;
                self.research(db)
            }
            Message::Age(c) => {
                self.age = c;
                self.query.age_max = c.0;
                self.research(db)
            }
            Message::Licence(c) => {
                self.licence = c;
                self.query.licence = c.0;
                self.research(db)
            }
            Message::Loans(c) => {
                self.loans = c;
                self.query.loans = c.0;
                self.research(db)
            }
            Message::PriceMin(t) => {
                self.price_min = t;
                self.prices(db)
            }
            Message::PriceMax(t) => {
                self.price_max = t;
                self.prices(db)
            }
            Message::Found(seq, result) => {
                if seq == self.seq {
                    match result {
                        Ok(found) => self.found = Some(found),
                        Err(e) => return Action::Error(e.to_string()),
                    }
                }
                Action::None
            }
            Message::Genres(r) => match r {
                Ok(g) => {
                    self.genres = g;
                    Action::None
                }
                Err(e) => Action::Error(e.to_string()),
            },
            Message::Lists(r) => match r {
                Ok(l) => {
                    self.lists = Some(l);
                    Action::None
                }
                Err(e) => Action::Error(e.to_string()),
            },
            Message::Open(art) => {
                let ctx = env.ctx.clone();
                Action::Run(Task::perform(
                    db.call(move |s| fund::title_card(s, &ctx, art, today()).map(Box::new)),
                    Message::Card,
                ))
            }
            Message::Card(r) => match r {
                Ok(c) => {
                    self.card = Some(c);
                    Action::None
                }
                Err(e) => Action::Error(e.to_string()),
            },
            Message::CloseCard => {
                self.card = None;
                Action::None
            }
            Message::Target(t) => {
                self.target = Some(t);
                Action::None
            }
            Message::AddToCollection => {
                let (Some(t), Some(card)) = (&self.target, &self.card) else {
                    return Action::None;
                };
                let (id, art, ctx) = (t.id, card.title.art, env.ctx.clone());
                Action::Run(Task::perform(
                    db.call(move |s| fund::add_to_collection(s, &ctx, id, &[art])),
                    Message::Added,
                ))
            }
            Message::Added(r) => match r {
                Ok(n) => {
                    let name = self
                        .target
                        .as_ref()
                        .map(|t| t.name.clone())
                        .unwrap_or_default();
                    let said = if n == 0 {
                        format!("Эта книга уже есть в подборке «{name}».")
                    } else {
                        format!("Книга добавлена в подборку «{name}».")
                    };
                    let mut tasks = vec![load_collections(db)];
                    if let Some(d) = &self.draft
                        && d.id == self.target.as_ref().map(|t| t.id)
                        && let Some(id) = d.id
                    {
                        tasks.push(load_collection(db, id));
                    }
                    Action::Done(Notice::info(said), Task::batch(tasks))
                }
                Err(e) => Action::Error(e.to_string()),
            },
            Message::Collections(r) => match r {
                Ok(c) => {
                    if let Some(t) = &self.target
                        && !c.iter().any(|x| x.id == t.id)
                    {
                        self.target = None;
                    }
                    self.collections = c;
                    Action::None
                }
                Err(e) => Action::Error(e.to_string()),
            },
            Message::OpenCollection(id) => {
                self.confirm_delete = false;
                Action::Run(load_collection(db, id))
            }
            Message::Collection(r) => match r {
                Ok(c) => {
                    let c = *c;
                    self.draft = Some(Draft {
                        id: Some(c.id),
                        group: match &c.audience {
                            Audience::Group(g) => g.clone(),
                            _ => String::new(),
                        },
                        audience: Some(AudienceKind::of(&c.audience)),
                        name: c.name,
                        description: c.description,
                        items: c.items,
                        problems: Vec::new(),
                    });
                    Action::None
                }
                Err(e) => Action::Error(e.to_string()),
            },
            Message::NewCollection => {
                self.page = Page::Collections;
                self.confirm_delete = false;
                self.draft = Some(Draft {
                    audience: Some(AudienceKind::All),
                    ..Draft::default()
                });
                Action::None
            }
            Message::Name(t) => self.edit(|d| d.name = t),
            Message::Description(t) => self.edit(|d| d.description = t),
            Message::Audience(a) => self.edit(|d| d.audience = Some(a)),
            Message::Group(t) => self.edit(|d| d.group = t),
            Message::SaveCollection => {
                let Some(d) = &mut self.draft else {
                    return Action::None;
                };
                let audience = d.audience();
                d.problems = kafedra_core::domain::fund::check_collection(
                    &d.name,
                    &d.description,
                    &audience,
                );
                if !d.problems.is_empty() {
                    return Action::None;
                }
                let (id, name, description, ctx) =
                    (d.id, d.name.clone(), d.description.clone(), env.ctx.clone());
                self.busy = true;
                Action::Run(Task::perform(
                    db.call(move |s| {
                        fund::save_collection(s, &ctx, id, &name, &description, &audience)
                    }),
                    Message::CollectionSaved,
                ))
            }
            Message::CollectionSaved(r) => {
                self.busy = false;
                match r {
                    Ok(id) => {
                        if let Some(d) = &mut self.draft {
                            d.id = Some(id);
                        }
                        if self.target.is_none() {
                            self.target = Some(Target {
                                id,
                                name: self
                                    .draft
                                    .as_ref()
                                    .map(|d| d.name.trim().to_owned())
                                    .unwrap_or_default(),
                            });
                        }
                        Action::Done(
                            Notice::info("Подборка сохранена."),
                            Task::batch([load_collections(db), load_collection(db, id)]),
                        )
                    }
                    Err(e) => {
                        if let Some(d) = &mut self.draft {
                            d.problems = vec![e.to_string()];
                        }
                        Action::None
                    }
                }
            }
            Message::Move(art, delta) => self.items_task(db, env, move |s, ctx, id| {
                fund::move_in_collection(s, ctx, id, art, delta)
            }),
            Message::Remove(art) => self.items_task(db, env, move |s, ctx, id| {
                fund::remove_from_collection(s, ctx, id, art)
            }),
            Message::ItemsChanged(r) => match r {
                Ok(()) => match self.draft.as_ref().and_then(|d| d.id) {
                    Some(id) => {
                        Action::Run(Task::batch([load_collection(db, id), load_collections(db)]))
                    }
                    None => Action::None,
                },
                Err(e) => Action::Error(e.to_string()),
            },
            Message::DeleteCollection => {
                self.confirm_delete = true;
                Action::None
            }
            Message::ConfirmDelete(yes) => {
                self.confirm_delete = false;
                let Some(id) = self.draft.as_ref().and_then(|d| d.id).filter(|_| yes) else {
                    return Action::None;
                };
                let ctx = env.ctx.clone();
                Action::Run(Task::perform(
                    db.call(move |s| fund::delete_collection(s, &ctx, id)),
                    Message::Deleted,
                ))
            }
            Message::Deleted(r) => match r {
                Ok(()) => {
                    self.draft = None;
                    Action::Done(Notice::info("Подборка удалена."), load_collections(db))
                }
                Err(e) => Action::Error(e.to_string()),
            },
            Message::Booklet => self.ask_where(env, SaveWhat::Booklet),
            Message::Html => self.ask_where(env, SaveWhat::Html),
            Message::Export => {
                if kafedra_core::domain::fund::parse_month(&self.month).is_none() {
                    return Action::Error(format!(
                        "Месяц «{}» не понят: укажите его как ГГГГ-ММ, например 2026-11.",
                        self.month
                    ));
                }
                self.ask_where(env, SaveWhat::Catalogue)
            }
            Message::SaveTo(_, None) => Action::None,
            Message::SaveTo(what, Some(path)) => {
                self.busy = true;
                let ctx = env.ctx.clone();
                let id = self.draft.as_ref().and_then(|d| d.id);
                let (month, format) = (self.month.clone(), self.format.core());
                Action::Run(Task::perform(
                    db.call(move |s| match what {
                        SaveWhat::Booklet => match id {
                            Some(id) => fund::save_booklet(s, &ctx, id, &path),
                            None => Err(services::Error::BadFundInput(
                                "Сначала сохраните подборку.".into(),
                            )),
                        },
                        SaveWhat::Html => match id {
                            Some(id) => fund::save_html(s, &ctx, id, &path),
                            None => Err(services::Error::BadFundInput(
                                "Сначала сохраните подборку.".into(),
                            )),
                        },
                        SaveWhat::Catalogue => {
                            fund::export_month(s, &ctx, &month, format, &path).map(|r| r.summary())
                        }
                    }),
                    Message::Saved,
                ))
            }
            Message::Saved(r) => {
                self.busy = false;
                match r {
                    Ok(said) => Action::Done(Notice::info(said), Task::none()),
                    Err(e) => Action::Error(e.to_string()),
                }
            }
            Message::ExportMonth(m) => {
                self.month = m;
                Action::None
            }
            Message::ExportFormat(f) => {
                self.format = f;
                Action::None
            }
        }
    }

    fn ask_where(&self, env: &Env<'_>, what: SaveWhat) -> Action {
        let (name, filter, ext) = match what {
            SaveWhat::Booklet => (
                format!(
                    "{}.pdf",
                    file_stem(self.draft.as_ref().map_or("", |d| &d.name))
                ),
                "PDF",
                "pdf",
            ),
            SaveWhat::Html => (
                format!(
                    "{}.html",
                    file_stem(self.draft.as_ref().map_or("", |d| &d.name))
                ),
                "HTML",
                "html",
            ),
            SaveWhat::Catalogue => {
                let ext = match self.format {
                    ExportFormat::Iso2709 => "mrc",
                    ExportFormat::MarcXml => "xml",
                    ExportFormat::Csv => "csv",
                };
                (format!("fund-{}.{ext}", self.month), "Файл", ext)
            }
        };
        Action::Run(
            env.dialogs
                .save_file("Сохранить", name, filter, ext)
                .map(move |p| Message::SaveTo(what, p)),
        )
    }

    fn items_task(
        &mut self,
        db: &Db,
        env: &Env<'_>,
        f: impl FnOnce(&mut services::Store, &services::Context, i64) -> services::Result<()>
        + Send
        + 'static,
    ) -> Action {
        let Some(id) = self.draft.as_ref().and_then(|d| d.id) else {
            return Action::None;
        };
        let ctx = env.ctx.clone();
        Action::Run(Task::perform(
            db.call(move |s| f(s, &ctx, id)),
            Message::ItemsChanged,
        ))
    }

    fn edit(&mut self, f: impl FnOnce(&mut Draft)) -> Action {
        if let Some(d) = &mut self.draft {
            f(d);
            d.problems.clear();
        }
        Action::None
    }

    fn prices(&mut self, db: &Db) -> Action {
        let parse = |s: &str| -> Result<Option<i64>, ()> {
            if s.trim().is_empty() {
                return Ok(None);
            }
            match parse_rubles(s) {
                Some(k) if k >= 0 => Ok(Some(k)),
                _ => Err(()),
            }
        };
        match (parse(&self.price_min), parse(&self.price_max)) {
            (Ok(a), Ok(b)) => {
                self.price_problem = None;
                self.query.price_min = a;
                self.query.price_max = b;
                self.research(db)
            }
            _ => {
                self.price_problem = Some("Цена — в рублях, например 350 или 349,50.".to_owned());
                Action::None
            }
        }
    }

    // ------------------------------------------------------------------ view

    pub fn view(&self) -> Element<'_, Message> {
        let body: Element<'_, Message> = match self.page {
            Page::Search => self.search_page(),
            Page::Collections => self.collections_page(),
            list => self.list_page(list),
        };
        let main: Element<'_, Message> = match (&self.card, self.page) {
            (Some(card), p) if p != Page::Collections => row![
                container(body).width(FillPortion(3)).height(Fill),
                container(scrollable(self.card_view(card)).height(Fill))
                    .width(FillPortion(2))
                    .height(Fill),
            ]
            .spacing(space::L)
            .height(Fill)
            .into(),
            _ => body,
        };
        column![
            row![theme::title("Фонд"), self.pages()]
                .spacing(space::L)
                .align_y(iced::Center),
            main
        ]
        .spacing(space::ML)
        .into()
    }

    fn pages(&self) -> Element<'_, Message> {
        let count = |n: Option<u32>| n.map(|n| format!(" ({n})")).unwrap_or_default();
        let l = self.lists.as_deref();
        let tabs = [
            (Page::Search, "Поиск".to_owned()),
            (
                Page::Near,
                format!("Близко к 24-й выдаче{}", count(l.map(|l| l.near_count))),
            ),
            (
                Page::Ending,
                format!("Лицензия кончается{}", count(l.map(|l| l.ending_count))),
            ),
            (
                Page::Left,
                format!("Ушли в этом месяце{}", count(l.map(|l| l.left_count))),
            ),
            (
                Page::Returned,
                format!("Вернулись{}", count(l.map(|l| l.returned_count))),
            ),
            (
                Page::Collections,
                format!("Подборки ({})", self.collections.len()),
            ),
        ];
        tabs.into_iter()
            .fold(row![].spacing(space::XS), |r, (p, label)| {
                let active = p == self.page;
                r.push(
                    button(text(label).size(size::SMALL).font(if active {
                        FONT_BOLD
                    } else {
                        theme::FONT_REGULAR
                    }))
                    .on_press(Message::Page(p))
                    .padding([5, 10])
                    .style(if active {
                        button::primary
                    } else {
                        button::secondary
                    }),
                )
            })
            .wrap()
            .into()
    }

    fn search_page(&self) -> Element<'_, Message> {
        let filters = row![
            pick_list(KINDS, Some(self.kind), Message::Kind).text_size(size::SMALL),
            pick_list(AGES, Some(self.age), Message::Age).text_size(size::SMALL),
            pick_list(LICENCES, Some(self.licence), Message::Licence).text_size(size::SMALL),
            pick_list(LOANS, Some(self.loans), Message::Loans).text_size(size::SMALL),
            text("Цена, ₽:").size(size::SMALL),
            text_input("от", &self.price_min)
                .on_input(Message::PriceMin)
                .size(size::SMALL)
                .width(70),
            text_input("до", &self.price_max)
                .on_input(Message::PriceMax)
                .size(size::SMALL)
                .width(70),
        ]
        .spacing(space::S)
        .align_y(iced::Center)
        .wrap();
        let mut head = column![
            text_input(
                "Название, автор или жанр — части слов, ё = е",
                &self.query.text
            )
            .id("fund-search")
            .on_input(Message::Query)
            .padding(8),
            filters,
        ]
        .spacing(space::S);
        if let Some(p) = &self.price_problem {
            head = head.push(text(p).size(size::SMALL).style(text::danger));
        }
        let results: Element<'_, Message> = match &self.found {
            None => text("Загрузка…").into(),
            Some(found) if found.is_empty() => text(if self.genres.is_empty() {
                "Фонд пуст: он появится после синхронизации с ЭБС (F5)."
            } else {
                "Ничего не найдено. Сократите слова или снимите фильтры."
            })
            .into(),
            Some(found) => {
                let mut col = column![
                    text(found_line(found.len(), &self.query))
                        .size(size::SMALL)
                        .style(text::secondary)
                ]
                .spacing(space::XS);
                for t in found {
                    col = col.push(self.title_row(t, None));
                }
                scrollable(col).height(Fill).into()
            }
        };
        row![
            container(self.genre_list()).width(220).height(Fill),
            column![head, results].spacing(space::M).width(Fill),
        ]
        .spacing(space::L)
        .height(Fill)
        .into()
    }

    fn genre_list(&self) -> Element<'_, Message> {
        let mut col = column![text("Жанры").font(FONT_BOLD)].spacing(space::HAIR);
        if self.query.genre.is_some() {
            col = col.push(
                button(text("× все жанры").size(size::SMALL))
                    .on_press(Message::Genre(None))
                    .style(button::text)
                    .padding([2, 4]),
            );
        }
        for (g, n) in &self.genres {
            let active = self.query.genre.as_deref() == Some(g.as_str());
            col = col.push(
                button(
                    row![
                        text(g).size(size::SMALL).width(Fill),
                        text(n.to_string()).size(size::SMALL).style(text::secondary),
                    ]
                    .spacing(space::S),
                )
                .on_press(Message::Genre(Some(g.clone())))
                .width(Fill)
                .padding([3, 6])
                .style(if active {
                    button::primary
                } else {
                    button::text
                }),
            );
        }
        scrollable(col).height(Fill).into()
    }

    /// One title in a list; `extra` is the list's own line.
    fn title_row<'a>(&'a self, t: &'a FundTitle, extra: Option<String>) -> Element<'a, Message> {
        let selected = self.card.as_ref().is_some_and(|c| c.title.art == t.art);
        let mut col = column![
            text(&t.title).font(FONT_BOLD),
            text(format!("{} · {}", t.authors, facts(t))).size(size::SMALL),
            text(stock_line(t)).size(size::SMALL).style(text::secondary),
        ]
        .spacing(space::HAIR);
        if let Some(x) = extra {
            col = col.push(text(x).size(size::SMALL).style(text::primary));
        }
        button(col)
            .on_press(Message::Open(t.art))
            .width(Fill)
            .padding([6, 8])
            .style(if selected { chosen } else { button::text })
            .into()
    }

    fn list_page(&self, page: Page) -> Element<'_, Message> {
        let Some(l) = &self.lists else {
            return text("Загрузка…").into();
        };
        let (about, total, rows): (String, u32, Vec<Element<'_, Message>>) = match page {
            Page::Near => (
                format!(
                    "Экземпляры, у которых {} или больше (порог в Настройках); на {RETIRE_AT}-й выдаче экземпляр уходит из фонда, 25-й запрос может купить книгу заново.",
                    counted(l.threshold.into(), "выдача", "выдачи", "выдач")
                ),
                l.near_count,
                l.near
                    .iter()
                    .map(|t| {
                        let n = t.copies_near_retirement(l.threshold);
                        let left = t.issues_left().unwrap_or(0);
                        self.title_row(
                            t,
                            Some(format!(
                                "{} близко к 24-й; ближайшему осталось {}",
                                counted(n.into(), "экземпляр", "экземпляра", "экземпляров"),
                                counted(left.into(), "выдача", "выдачи", "выдач")
                            )),
                        )
                    })
                    .collect(),
            ),
            Page::Ending => (
                "Лицензия ЭБС кончается в ближайшие 30 дней (сегодня включительно): потом книга уходит из фонда на полгода.".into(),
                l.ending_count,
                l.ending
                    .iter()
                    .map(|t| {
                        let days = t.licence_end.map_or(0, |e| (e - l.today).num_days());
                        let when = match days {
                            0 => "лицензия кончается сегодня".to_owned(),
                            d => format!(
                                "лицензия кончается через {}",
                                counted(d as u64, "день", "дня", "дней")
                            ),
                        };
                        self.title_row(t, Some(when))
                    })
                    .collect(),
            ),
            Page::Left => (
                "Книги, ушедшие из фонда в этом месяце: экземпляр дошёл до 24-й выдачи или кончилась лицензия. Указано, ждут ли их читатели.".into(),
                l.left_count,
                l.left
                    .iter()
                    .map(|x| {
                        let ask = match x.pending_requests {
                            0 => "запросов нет".to_owned(),
                            n => format!(
                                "ждут {}",
                                counted(n.into(), "запрос", "запроса", "запросов")
                            ),
                        };
                        self.title_row(
                            &x.title,
                            Some(format!(
                                "{} — {}: {}; {ask}",
                                x.day.format("%d.%m.%Y"),
                                x.because.label(),
                                counted(x.copies.into(), "экземпляр", "экземпляра", "экземпляров")
                            )),
                        )
                    })
                    .collect(),
            ),
            _ => (
                "Книги, вернувшиеся в фонд после продления лицензии за последние 30 дней: их снова можно выдавать бесплатно для библиотеки.".into(),
                l.returned_count,
                l.returned
                    .iter()
                    .map(|x| {
                        self.title_row(
                            &x.title,
                            Some(format!("вернулась {}", x.day.format("%d.%m.%Y"))),
                        )
                    })
                    .collect(),
            ),
        };
        let mut col =
            column![text(about).size(size::SMALL).style(text::secondary)].spacing(space::XS);
        if rows.is_empty() {
            col = col.push(text("Таких книг нет."));
        }
        let shown = rows.len() as u32;
        for r in rows {
            col = col.push(r);
        }
        if total > shown {
            col = col.push(
                text(format!("Показаны первые {shown} из {total}."))
                    .size(size::SMALL)
                    .style(text::secondary),
            );
        }
        let mut page_col = column![].spacing(space::M);
        if page == Page::Left || page == Page::Returned {
            page_col = page_col.push(self.export_bar());
        }
        page_col.push(scrollable(col).height(Fill)).into()
    }

    /// «Выгрузить новые за месяц» for the electronic catalogue.
    fn export_bar(&self) -> Element<'_, Message> {
        container(
            row![
                text("Новые книги за месяц для электронного каталога:").size(size::SMALL),
                text_input("ГГГГ-ММ", &self.month)
                    .on_input(Message::ExportMonth)
                    .size(size::SMALL)
                    .width(90),
                pick_list(ExportFormat::ALL, Some(self.format), Message::ExportFormat)
                    .text_size(size::SMALL),
                button(text("Выгрузить…").size(size::SMALL))
                    .on_press_maybe((!self.busy).then_some(Message::Export))
                    .style(button::primary),
            ]
            .spacing(space::S)
            .align_y(iced::Center)
            .wrap(),
        )
        .padding(space::M as u16)
        .style(theme::panel)
        .into()
    }

    fn card_view<'a>(&'a self, c: &'a TitleCard) -> Element<'a, Message> {
        let t = &c.title;
        let today = today();
        let mut col = column![
            row![
                text(&t.title).size(size::LARGE).font(FONT_BOLD).width(Fill),
                button(text("×"))
                    .on_press(Message::CloseCard)
                    .style(button::text),
            ],
            text(&t.authors),
            text(facts(t)).size(size::SMALL),
            text(stock_line(t)).size(size::SMALL),
            text(format!(
                "Выдач всего: {}; лицензия {}; в фонде с {}",
                t.issues,
                t.licence(today).label(),
                t.added
                    .map(|d| d.format("%d.%m.%Y").to_string())
                    .unwrap_or_else(|| "—".into())
            ))
            .size(size::SMALL),
        ]
        .spacing(space::XS);
        if c.rebuyable {
            col = col.push(
                text("Последний экземпляр ушёл на 24-й выдаче: 25-й запрос может купить книгу заново.")
                    .size(size::SMALL)
                    .style(text::success),
            );
        }
        if let Some(a) = &t.annotation {
            col = col.push(text(a).size(size::SMALL).style(text::secondary));
        }
        col = col.push(text("У кого на руках").font(FONT_BOLD));
        if c.holders.is_empty() {
            col = col.push(text("Ни у кого.").size(size::SMALL));
        } else {
            for h in &c.holders {
                let card = h
                    .card
                    .as_deref()
                    .map(|c| format!("билет № {c}"))
                    .unwrap_or_else(|| format!("карта ЭБС {}", h.lib_card));
                let due = h
                    .due
                    .map(|d| format!(", до {}", d.format("%d.%m.%Y")))
                    .unwrap_or_default();
                col = col.push(
                    row![
                        text(&h.name).size(size::SMALL),
                        text(format!("{card}{due}"))
                            .size(size::SMALL)
                            .style(text::secondary),
                    ]
                    .spacing(space::S),
                );
            }
        }
        col = col.push(text("Запросы").font(FONT_BOLD));
        if c.requests.is_empty() {
            col = col.push(text("Запросов не было.").size(size::SMALL));
        }
        for r in &c.requests {
            let when = r
                .created
                .map(|t| t.with_timezone(&Local).format("%d.%m.%Y %H:%M").to_string())
                .unwrap_or_default();
            let mut line = format!("{when} · карта {} · {}", r.lib_card, r.status.label_ru());
            if let Some(t) = &r.refusal_text {
                line.push_str(&format!(": «{t}»"));
            }
            col = col.push(text(line).size(size::SMALL));
        }
        if !c.events.is_empty() {
            col = col.push(text("В фонде").font(FONT_BOLD));
            for e in &c.events {
                let what = match e.kind.as_str() {
                    "added" => "поступила в фонд",
                    "retired" => "экземпляр ушёл на 24-й выдаче",
                    "licence_ended" => "закончилась лицензия",
                    "returned" => "вернулась после продления",
                    _ => "",
                };
                col = col.push(
                    text(format!(
                        "{} — {what} ({})",
                        e.day.format("%d.%m.%Y"),
                        counted(e.copies.into(), "экземпляр", "экземпляра", "экземпляров")
                    ))
                    .size(size::SMALL),
                );
            }
        }
        let targets: Vec<Target> = self
            .collections
            .iter()
            .map(|c| Target {
                id: c.id,
                name: c.name.clone(),
            })
            .collect();
        let add: Element<'_, Message> = if targets.is_empty() {
            button(text("Новая подборка…").size(size::SMALL))
                .on_press(Message::NewCollection)
                .style(button::secondary)
                .into()
        } else {
            row![
                pick_list(targets, self.target.clone(), Message::Target)
                    .placeholder("Подборка…")
                    .text_size(size::SMALL),
                button(text("Добавить в подборку").size(size::SMALL))
                    .on_press_maybe(self.target.is_some().then_some(Message::AddToCollection))
                    .style(button::primary),
            ]
            .spacing(space::S)
            .into()
        };
        col = col.push(add);
        container(col.padding(space::M as u16))
            .style(theme::panel)
            .width(Fill)
            .into()
    }

    fn collections_page(&self) -> Element<'_, Message> {
        let mut list = column![
            button(text("+ Новая подборка").size(size::SMALL))
                .on_press(Message::NewCollection)
                .style(button::primary)
        ]
        .spacing(space::XS);
        if self.collections.is_empty() {
            list = list.push(
                text("Подборок пока нет. Соберите первую: найдите книги в поиске и добавьте их.")
                    .size(size::SMALL)
                    .style(text::secondary),
            );
        }
        for c in &self.collections {
            let active = self.draft.as_ref().and_then(|d| d.id) == Some(c.id);
            list = list.push(
                button(
                    column![
                        text(&c.name).font(FONT_BOLD),
                        text(format!(
                            "{} · {}",
                            c.audience.label(),
                            counted(c.items.into(), "книга", "книги", "книг")
                        ))
                        .size(size::SMALL),
                    ]
                    .spacing(space::HAIR),
                )
                .on_press(Message::OpenCollection(c.id))
                .width(Fill)
                .padding([6, 8])
                .style(if active { chosen } else { button::text }),
            );
        }
        let editor: Element<'_, Message> = match &self.draft {
            None => text("Выберите подборку слева или создайте новую.").into(),
            Some(d) => self.draft_view(d),
        };
        row![
            container(scrollable(list).height(Fill))
                .width(280)
                .height(Fill),
            container(scrollable(editor).height(Fill))
                .width(Fill)
                .height(Fill),
        ]
        .spacing(space::L)
        .height(Fill)
        .into()
    }

    fn draft_view<'a>(&'a self, d: &'a Draft) -> Element<'a, Message> {
        let mut col = column![
            theme::field(
                "Название",
                text_input("Например: «Лето с книгой»", &d.name)
                    .id("collection-name")
                    .on_input(Message::Name)
            ),
            theme::field(
                "Описание (для буклета и сайта)",
                text_input("Пара фраз о подборке", &d.description).on_input(Message::Description)
            ),
            row![
                pick_list(AudienceKind::ALL, d.audience, Message::Audience),
                if d.audience == Some(AudienceKind::Group) {
                    Element::from(
                        text_input(
                            "Группа: «5 «Б» класс», «клуб „Серебряный возраст“»",
                            &d.group,
                        )
                        .on_input(Message::Group),
                    )
                } else {
                    text("").into()
                },
            ]
            .spacing(space::S)
            .align_y(iced::Center),
        ]
        .spacing(space::M);
        if !d.problems.is_empty() {
            col = col.push(theme::errors(d.problems.clone()));
        }
        let mut actions = row![
            button(text("Сохранить подборку"))
                .on_press_maybe((!self.busy).then_some(Message::SaveCollection))
                .style(button::primary)
        ]
        .spacing(space::S);
        if d.id.is_some() {
            let has_items = !d.items.is_empty();
            actions = actions
                .push(
                    button(text("Буклет PDF…"))
                        .on_press_maybe((has_items && !self.busy).then_some(Message::Booklet))
                        .style(button::secondary),
                )
                .push(
                    button(text("Для сайта (HTML)…"))
                        .on_press_maybe((has_items && !self.busy).then_some(Message::Html))
                        .style(button::secondary),
                )
                .push(
                    button(text("Удалить"))
                        .on_press(Message::DeleteCollection)
                        .style(button::danger),
                );
        }
        col = col.push(actions.wrap());
        if self.confirm_delete {
            col = col.push(
                container(
                    row![
                        text(format!(
                            "Удалить подборку «{}»? Книги в фонде останутся.",
                            d.name
                        ))
                        .width(Fill),
                        button(text("Да, удалить"))
                            .on_press(Message::ConfirmDelete(true))
                            .style(button::danger),
                        button(text("Нет"))
                            .on_press(Message::ConfirmDelete(false))
                            .style(button::secondary),
                    ]
                    .spacing(space::S)
                    .align_y(iced::Center),
                )
                .padding(space::M as u16)
                .style(theme::warning_box),
            );
        }
        col = col.push(
            text(match (d.id, d.items.len()) {
                (None, _) => "Сохраните подборку, затем добавляйте книги из поиска или списков (карточка книги → «Добавить в подборку»).".to_owned(),
                (Some(_), 0) => "В подборке нет книг: откройте книгу в поиске и нажмите «Добавить в подборку».".to_owned(),
                (Some(_), n) => format!("В подборке {}:", counted(n as u64, "книга", "книги", "книг")),
            })
            .size(size::SMALL)
            .style(text::secondary),
        );
        let last = d.items.len().saturating_sub(1);
        for (i, t) in d.items.iter().enumerate() {
            col = col.push(
                row![
                    text(format!("{}.", i + 1)).width(28),
                    column![
                        text(&t.title).font(FONT_BOLD),
                        text(format!(
                            "{} · {}",
                            t.authors,
                            t.genre.as_deref().unwrap_or("жанр не указан")
                        ))
                        .size(size::SMALL),
                    ]
                    .width(Fill),
                    button(text("↑"))
                        .on_press_maybe((i > 0).then_some(Message::Move(t.art, -1)))
                        .style(button::secondary),
                    button(text("↓"))
                        .on_press_maybe((i < last).then_some(Message::Move(t.art, 1)))
                        .style(button::secondary),
                    button(text("Убрать").size(size::SMALL))
                        .on_press(Message::Remove(t.art))
                        .style(button::text),
                ]
                .spacing(space::S)
                .align_y(iced::Center),
            );
        }
        container(col.padding(space::M as u16))
            .style(theme::panel)
            .width(Fill)
            .into()
    }
}

/// The row on show: a light background, text in its own colours.
fn chosen(theme: &iced::Theme, status: button::Status) -> button::Style {
    let palette = theme.extended_palette();
    button::Style {
        background: Some(palette.background.weak.color.into()),
        border: iced::Border {
            color: palette.primary.base.color,
            width: 1.0,
            radius: 3.0.into(),
        },
        ..button::text(theme, status)
    }
}

fn load_lists(db: &Db, ctx: &Context) -> Task<Message> {
    let ctx = ctx.clone();
    Task::perform(
        db.call(move |s| fund::lists(s, &ctx, today()).map(Box::new)),
        Message::Lists,
    )
}

fn load_collections(db: &Db) -> Task<Message> {
    Task::perform(db.call(|s| fund::collections(s)), Message::Collections)
}

fn load_collection(db: &Db, id: i64) -> Task<Message> {
    Task::perform(
        db.call(move |s| fund::collection(s, id).map(Box::new)),
        Message::Collection,
    )
}

/// «Детектив · аудиокнига · 349,50 ₽ · 16+».
fn facts(t: &FundTitle) -> String {
    let mut parts = vec![t.genre.clone().unwrap_or_else(|| "жанр не указан".into())];
    parts.push(
        match t.kind {
            BookKind::Audio => "аудиокнига",
            _ => "электронная книга",
        }
        .into(),
    );
    if let Some(p) = t.price_kopecks {
        parts.push(Rub(p).to_string());
    }
    if let Some(a) = t.age_rating {
        parts.push(format!("{a}+"));
    }
    parts.join(" · ")
}

/// «2 экземпляра, на руках 1; до 24-й выдачи осталось 3».
fn stock_line(t: &FundTitle) -> String {
    if t.copies == 0 {
        return "в фонде нет экземпляров".into();
    }
    if let kafedra_core::domain::fund::Licence::Ended(end) = t.licence(today()) {
        return format!(
            "лицензия закончилась {}: до продления книги нет в фонде",
            end.format("%d.%m.%Y")
        );
    }
    let mut s = format!(
        "{}, на руках {}",
        counted(t.copies.into(), "экземпляр", "экземпляра", "экземпляров"),
        t.on_loan
    );
    if let Some(left) = t.issues_left() {
        s.push_str(&format!(
            "; до 24-й выдачи {} {}",
            plural(left.into(), "осталась", "остались", "осталось"),
            counted(left.into(), "выдача", "выдачи", "выдач")
        ));
    }
    s
}

fn found_line(n: usize, q: &FundQuery) -> String {
    let mut s = if n >= fund::SEARCH_LIMIT {
        format!("Показаны первые {n}: уточните запрос.")
    } else {
        format!("Найдено: {}.", counted(n as u64, "книга", "книги", "книг"))
    };
    if let Some(g) = &q.genre {
        s.push_str(&format!(" Жанр: «{g}»."));
    }
    s
}

/// A file name from a collection's name (letters, digits, spaces → «-»).
fn file_stem(name: &str) -> String {
    let s: String = name
        .trim()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    let s = s.trim_matches('-').to_owned();
    if s.is_empty() {
        "podborka".into()
    } else {
        s.chars().take(60).collect()
    }
}
