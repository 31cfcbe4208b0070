//! The screens of the main area, one module each. Every screen has its own
//! `Message`, an `update` that returns that screen's own `Action`, and a
//! `view` built from small helpers. Screens run the application services in a
//! [`Task`] through [`Db`]; they never touch SQLite or the network.
//!
//! This module is the one place that routes: it wraps the screens' messages,
//! dispatches `update`/`view`, says which screen shows which kind of data
//! (for reloads after a sync or an action elsewhere), and turns each screen's
//! `Action` into an [`Effect`] for the shell. A new screen is a new module
//! plus its arms here (and a [`Tab`] if it has one).

pub mod about;
pub mod connection;
pub mod fund;
pub mod journal;
pub mod policy;
pub mod pool;
pub mod reader;
pub mod readers;
pub mod register;
pub mod requests;
pub mod settings;
pub mod stats;
pub mod test_slip;

use iced::{Element, Task};
use kafedra_core::config::Settings;
use kafedra_core::domain::account::PoolCounts;
use kafedra_core::domain::reader::ReaderDraft;
use kafedra_core::domain::records::ReaderId;
use kafedra_core::services::{Changed, Context, Db};

use super::dialogs::Dialogs;
use super::shell::Notice;

/// The tabs of the header, in their order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Readers,
    Requests,
    Fund,
    Stats,
    Pool,
    Journal,
    Settings,
}

impl Tab {
    pub const ALL: [Tab; 7] = [
        Tab::Readers,
        Tab::Requests,
        Tab::Fund,
        Tab::Stats,
        Tab::Pool,
        Tab::Journal,
        Tab::Settings,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Tab::Readers => "Читатели",
            Tab::Requests => "Запросы",
            Tab::Fund => "Фонд",
            Tab::Stats => "Статистика",
            Tab::Pool => "Пул логинов",
            Tab::Journal => "Журнал",
            Tab::Settings => "Настройки",
        }
    }

    /// The function key that opens the tab.
    pub fn key(self) -> &'static str {
        match self {
            Tab::Readers => "F2",
            Tab::Requests => "F6",
            Tab::Fund => "F7",
            Tab::Stats => "F8",
            Tab::Pool => "F3",
            Tab::Journal => "F4",
            Tab::Settings => "F9",
        }
    }
}

/// A message for the screen on show.
#[derive(Debug, Clone)]
pub enum Message {
    Register(register::Message),
    Reader(reader::Message),
    Requests(requests::Message),
    Fund(fund::Message),
    Stats(stats::Message),
    Pool(pool::Message),
    Journal(journal::Message),
    Settings(settings::Message),
}

impl From<register::Message> for Message {
    fn from(m: register::Message) -> Message {
        Message::Register(m)
    }
}

impl From<reader::Message> for Message {
    fn from(m: reader::Message) -> Message {
        Message::Reader(m)
    }
}

impl From<settings::Message> for Message {
    fn from(m: settings::Message) -> Message {
        Message::Settings(m)
    }
}

/// What fills the main area. The readers' search results belong to the
/// search box of the header (the shell keeps them); every other screen owns
/// its state here.
pub enum Screen {
    ReaderList,
    Register(Box<register::Register>),
    Reader(Box<reader::ReaderPage>),
    Requests(requests::Requests),
    Fund(Box<fund::FundScreen>),
    Stats(Box<stats::StatsScreen>),
    Pool(pool::Pool),
    Journal(journal::Journal),
    Settings(Box<settings::SettingsForm>),
}

/// What the shell does after a screen's update.
pub enum Effect {
    None,
    Run(Task<Message>),
    /// Show a notice in the status bar, then go on with the task.
    Notify(Notice, Task<Message>),
    /// Data changed here: show the notice, reload whatever shows that data,
    /// go on with the task.
    Changed(Changed, Notice, Task<Message>),
    /// Something was queued for the provider: as `Changed`, then sync now.
    Queued(Changed, Notice, Task<Message>),
    OpenReader(ReaderId),
    Register(ReaderDraft),
    /// A reader was just registered: open the reader's page, proposing a login.
    Registered(ReaderId, Notice),
    SettingsSaved(Box<Settings>, Notice),
    /// The provider connection was saved: the sync uses it from now on.
    ProviderSaved(Notice),
    /// Go through the first-run setup again.
    OpenSetup,
    Back,
}

/// What the screens need from the shell to work.
pub struct Env<'a> {
    pub db: &'a Db,
    pub ctx: &'a Context,
    pub dialogs: &'a Dialogs,
}

impl Screen {
    /// Opens a tab's screen with the task that loads it.
    pub fn open(tab: Tab, env: &Env<'_>) -> (Screen, Task<Message>) {
        match tab {
            Tab::Readers => (Screen::ReaderList, Task::none()),
            Tab::Requests => {
                let (s, task) = requests::Requests::open(env.db);
                (Screen::Requests(s), task.map(Message::Requests))
            }
            Tab::Fund => {
                let (s, task) = fund::FundScreen::open(env.db, env.ctx);
                (Screen::Fund(Box::new(s)), task.map(Message::Fund))
            }
            Tab::Stats => {
                let (s, task) = stats::StatsScreen::open(env.db, env.ctx);
                (Screen::Stats(Box::new(s)), task.map(Message::Stats))
            }
            Tab::Pool => {
                let (s, task) = pool::Pool::open(env.db);
                (Screen::Pool(s), task.map(Message::Pool))
            }
            Tab::Journal => {
                let (s, task) = journal::Journal::open(env.db);
                (Screen::Journal(s), task.map(Message::Journal))
            }
            Tab::Settings => (
                Screen::Settings(Box::new(settings::SettingsForm::new(env.ctx))),
                settings::SettingsForm::load_printers().map(Message::Settings),
            ),
        }
    }

    pub fn open_reader(id: ReaderId, env: &Env<'_>) -> (Screen, Task<Message>) {
        let (page, task) = reader::ReaderPage::open(id, env.db, env.ctx);
        (Screen::Reader(Box::new(page)), task.map(Message::Reader))
    }

    pub fn open_register(draft: ReaderDraft, env: &Env<'_>) -> (Screen, Task<Message>) {
        let (form, task) = register::Register::new(draft, env.db, env.ctx);
        (
            Screen::Register(Box::new(form)),
            task.map(Message::Register),
        )
    }

    /// The tab this screen belongs to.
    pub fn tab(&self) -> Tab {
        match self {
            Screen::ReaderList | Screen::Register(_) | Screen::Reader(_) => Tab::Readers,
            Screen::Requests(_) => Tab::Requests,
            Screen::Fund(_) => Tab::Fund,
            Screen::Stats(_) => Tab::Stats,
            Screen::Pool(_) => Tab::Pool,
            Screen::Journal(_) => Tab::Journal,
            Screen::Settings(_) => Tab::Settings,
        }
    }

    pub fn update(&mut self, message: Message, env: &Env<'_>) -> Effect {
        match (self, message) {
            (Screen::Register(form), Message::Register(m)) => {
                register::effect(form.update(m, env.db, env.ctx))
            }
            (Screen::Reader(page), Message::Reader(m)) => reader::effect(page.update(m, env)),
            (Screen::Requests(s), Message::Requests(m)) => {
                requests::effect(s.update(m, env.db, env.ctx))
            }
            (Screen::Fund(s), Message::Fund(m)) => fund::effect(s.update(m, env)),
            (Screen::Stats(s), Message::Stats(m)) => stats::effect(s.update(m, env)),
            (Screen::Pool(s), Message::Pool(m)) => pool::effect(s.update(m, env)),
            (Screen::Journal(s), Message::Journal(m)) => journal::effect(s.update(m, env.db)),
            (Screen::Settings(s), Message::Settings(m)) => settings::effect(s.update(m, env)),
            // A late answer for a screen that is no longer on show.
            _ => Effect::None,
        }
    }

    /// Reloads the screen if it shows data that `changed` names.
    pub fn reload(&self, changed: Changed, env: &Env<'_>) -> Task<Message> {
        match self {
            Screen::Requests(s) if changed.requests => s.reload(env.db).map(Message::Requests),
            Screen::Reader(c) if changed.logins || changed.requests => {
                c.reload(env.db, env.ctx).map(Message::Reader)
            }
            Screen::Pool(p) if changed.logins => p.reload(env.db).map(Message::Pool),
            Screen::Stats(s) if changed.any() => s.reload(env.db, env.ctx).map(Message::Stats),
            Screen::Fund(f) if changed.fund || changed.requests => {
                f.reload(env.db, env.ctx).map(Message::Fund)
            }
            _ => Task::none(),
        }
    }

    /// The main area; `None` for the search results, which the shell draws.
    pub fn view<'a>(
        &'a self,
        ctx: &'a Context,
        pool_counts: Option<PoolCounts>,
    ) -> Option<Element<'a, Message>> {
        Some(match self {
            Screen::ReaderList => return None,
            Screen::Register(form) => form.view().map(Message::Register),
            Screen::Reader(page) => page.view(ctx).map(Message::Reader),
            Screen::Requests(s) => s.view().map(Message::Requests),
            Screen::Fund(s) => s.view().map(Message::Fund),
            Screen::Stats(s) => s.view().map(Message::Stats),
            Screen::Pool(s) => s.view(pool_counts, ctx).map(Message::Pool),
            Screen::Journal(s) => s.view().map(Message::Journal),
            Screen::Settings(s) => s.view().map(Message::Settings),
        })
    }
}
