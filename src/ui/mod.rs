//! The iced workstation: one module per screen, each with its own `Message`,
//! an `update` that returns an [`Action`]-like value to this parent, and a
//! `view`. Database work always runs in a [`Task`] through [`Db`]; `update`
//! and `view` never touch SQLite or the network.

mod card;
mod journal;
mod pool;
mod readers;
mod register;
mod requests;
mod settings;
mod style;
mod sync;

use std::path::PathBuf;

use iced::keyboard::{self, Key, key};
use iced::widget::{button, column, container, operation, row, rule, space, text, text_input};
use iced::{Element, Fill, Subscription, Task, Theme, event};

use crate::config::Settings;
use crate::desk::{self, Context};
use crate::domain::account::PoolCounts;
use crate::domain::reader::ReaderDraft;
use crate::domain::records::ReaderId;
use crate::store::{Db, Store};

pub use style::{FONT_BOLD, FONT_MONO, FONT_MONO_BOLD, FONT_REGULAR, fonts};
pub use sync::ProviderLink;

/// The id of the one search box at the top of every screen.
pub const SEARCH_ID: &str = "search";

/// Where file dialogs come from: the system dialog (rfd), or paths given in
/// advance (tests and scripted demos, where no dialog can be shown).
#[derive(Debug, Clone, Default)]
pub enum Dialogs {
    #[default]
    Native,
    Preset {
        open: Option<PathBuf>,
        save: Option<PathBuf>,
    },
}

impl Dialogs {
    fn pick_pool_file(&self) -> Task<Option<PathBuf>> {
        match self {
            Dialogs::Native => Task::perform(
                rfd::AsyncFileDialog::new()
                    .set_title("Список логинов от поставщика")
                    .add_filter("CSV, TXT, XLSX", &["csv", "txt", "tsv", "xlsx"])
                    .pick_file(),
                |f| f.map(|f| f.path().to_path_buf()),
            ),
            Dialogs::Preset { open, .. } => Task::done(open.clone()),
        }
    }

    fn save_pdf(&self, suggested: String) -> Task<Option<PathBuf>> {
        match self {
            Dialogs::Native => Task::perform(
                rfd::AsyncFileDialog::new()
                    .set_title("Сохранить памятку")
                    .set_file_name(suggested)
                    .add_filter("PDF", &["pdf"])
                    .save_file(),
                |f| f.map(|f| f.path().to_path_buf()),
            ),
            Dialogs::Preset { save, .. } => Task::done(save.clone()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Readers,
    Requests,
    Pool,
    Journal,
    Settings,
}

impl Tab {
    const ALL: [Tab; 5] = [
        Tab::Readers,
        Tab::Requests,
        Tab::Pool,
        Tab::Journal,
        Tab::Settings,
    ];

    fn label(self) -> &'static str {
        match self {
            Tab::Readers => "Читатели",
            Tab::Requests => "Запросы",
            Tab::Pool => "Пул логинов",
            Tab::Journal => "Журнал",
            Tab::Settings => "Настройки",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Tab::Readers => "F2",
            Tab::Requests => "F6",
            Tab::Pool => "F3",
            Tab::Journal => "F4",
            Tab::Settings => "F9",
        }
    }
}

/// What fills the main area.
enum Main {
    Results,
    Register(Box<register::Register>),
    Card(Box<card::Card>),
    Requests(requests::Requests),
    Pool(pool::Pool),
    Journal(journal::Journal),
    Settings(settings::SettingsForm),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Info,
    Success,
    Error,
}

#[derive(Debug, Clone)]
pub struct Notice {
    pub kind: NoticeKind,
    pub text: String,
}

impl Notice {
    pub fn info(text: impl Into<String>) -> Notice {
        Notice {
            kind: NoticeKind::Info,
            text: text.into(),
        }
    }
    pub fn success(text: impl Into<String>) -> Notice {
        Notice {
            kind: NoticeKind::Success,
            text: text.into(),
        }
    }
    pub fn error(text: impl Into<String>) -> Notice {
        Notice {
            kind: NoticeKind::Error,
            text: text.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    FocusSearch,
    NewReader,
    Save,
    BindLogin,
    Print,
    Back,
    NextField,
    PreviousField,
    Tab(Tab),
    /// Up/down in the search results.
    Move(i32),
    /// Consent signed (the checkbox of the registration form).
    ToggleConsent,
    SyncNow,
}

#[derive(Debug, Clone)]
pub enum Message {
    Open(Tab),
    Readers(readers::Message),
    Register(register::Message),
    Card(card::Message),
    Pool(pool::Message),
    Journal(journal::Message),
    Settings(settings::Message),
    Requests(requests::Message),
    Sync(sync::Message),
    Shortcut(Shortcut),
    PoolCounts(Result<PoolCounts, String>),
    DismissNotice,
}

/// Events a screen hands up to the application.
pub enum Action<M> {
    None,
    Run(Task<M>),
    /// Show a notice in the status bar, then go on with the task.
    Notify(Notice, Task<M>),
    /// The pool changed (a login was bound, blocked or imported): refresh the
    /// counts, show the notice, go on with the task.
    PoolChanged(Notice, Task<M>),
    OpenReader(ReaderId),
    /// A reader was just registered: open the card, proposing a login.
    Registered(ReaderId, Notice),
    Register(ReaderDraft),
    SettingsSaved(Box<Settings>, Notice),
    /// Something was queued for the provider: show the notice, sync now,
    /// go on with the task.
    Sync(Notice, Task<M>),
    Back,
}

impl<M> Action<M> {
    pub fn notify(notice: Notice) -> Action<M> {
        Action::Notify(notice, Task::none())
    }
}

pub struct App {
    ctx: Context,
    db: Db,
    dialogs: Dialogs,
    search: readers::Search,
    main: Main,
    notice: Option<Notice>,
    pool_counts: Option<PoolCounts>,
    settings_warning: Option<String>,
    sync: sync::SyncPanel,
}

impl App {
    /// Builds the application around an open store. The returned task loads
    /// the first data (pool counts, recent readers) and focuses the search.
    pub fn new(
        ctx: Context,
        store: Store,
        dialogs: Dialogs,
        link: ProviderLink,
        settings_warning: Option<String>,
    ) -> (App, Task<Message>) {
        let db = Db::new(store);
        let mut app = App {
            search: readers::Search::default(),
            main: Main::Results,
            notice: None,
            pool_counts: None,
            settings_warning,
            sync: sync::SyncPanel::new(link),
            ctx,
            db,
            dialogs,
        };
        let first = Task::batch([
            app.sync.refresh(&app.db).map(Message::Sync),
            Task::done(Message::Sync(sync::Message::Now)),
            app.refresh_pool_counts(),
            app.search.run(&app.db, false).map(Message::Readers),
            operation::focus(SEARCH_ID),
        ]);
        (app, first)
    }

    pub fn title(&self) -> String {
        format!("Kafedra — {}", self.ctx.settings.library_name)
    }

    pub fn theme(&self) -> Theme {
        style::theme()
    }

    pub fn context(&self) -> &Context {
        &self.ctx
    }

    fn refresh_pool_counts(&self) -> Task<Message> {
        Task::perform(
            self.db
                .call(|s| s.pool_counts(desk::PROVIDER).map_err(|e| e.to_string())),
            Message::PoolCounts,
        )
    }

    pub fn update(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Open(tab) => self.open_tab(tab),
            Message::Readers(msg) => {
                if matches!(msg, readers::Message::QueryChanged(_)) {
                    // Typing in the search box always brings the results back.
                    self.main = Main::Results;
                }
                let action = self.search.update(msg, &self.db);
                self.perform(action, Message::Readers)
            }
            Message::Register(msg) => {
                let Main::Register(form) = &mut self.main else {
                    return Task::none();
                };
                let action = form.update(msg, &self.db, &self.ctx);
                self.perform(action, Message::Register)
            }
            Message::Card(msg) => {
                let Main::Card(card) = &mut self.main else {
                    return Task::none();
                };
                let action = card.update(msg, &self.db, &self.ctx, &self.dialogs);
                self.perform(action, Message::Card)
            }
            Message::Pool(msg) => {
                let Main::Pool(pool) = &mut self.main else {
                    return Task::none();
                };
                let action = pool.update(msg, &self.db, &self.ctx, &self.dialogs);
                self.perform(action, Message::Pool)
            }
            Message::Journal(msg) => {
                let Main::Journal(journal) = &mut self.main else {
                    return Task::none();
                };
                let action = journal.update(msg, &self.db);
                self.perform(action, Message::Journal)
            }
            Message::Settings(msg) => {
                let Main::Settings(form) = &mut self.main else {
                    return Task::none();
                };
                let action = form.update(msg, &self.db, &self.ctx);
                self.perform(action, Message::Settings)
            }
            Message::Requests(msg) => {
                let Main::Requests(screen) = &mut self.main else {
                    return Task::none();
                };
                let action = screen.update(msg, &self.db, &self.ctx);
                self.perform(action, Message::Requests)
            }
            Message::Sync(msg) => {
                let (task, changed) = self.sync.update(msg, &self.db, &self.ctx);
                let mut tasks = vec![task.map(Message::Sync)];
                if changed {
                    tasks.push(self.refresh_pool_counts());
                    match &mut self.main {
                        Main::Requests(screen) => {
                            tasks.push(screen.reload(&self.db).map(Message::Requests))
                        }
                        Main::Card(card) => {
                            tasks.push(card.reload(&self.db, &self.ctx).map(Message::Card))
                        }
                        _ => {}
                    }
                }
                Task::batch(tasks)
            }
            Message::Shortcut(s) => self.shortcut(s),
            Message::PoolCounts(Ok(counts)) => {
                self.pool_counts = Some(counts);
                Task::none()
            }
            Message::PoolCounts(Err(e)) => {
                self.notice = Some(Notice::error(e));
                Task::none()
            }
            Message::DismissNotice => {
                self.notice = None;
                Task::none()
            }
        }
    }

    fn perform<M: Send + 'static>(
        &mut self,
        action: Action<M>,
        wrap: fn(M) -> Message,
    ) -> Task<Message> {
        match action {
            Action::None => Task::none(),
            Action::Run(task) => task.map(wrap),
            Action::OpenReader(id) => self.open_reader(id),
            Action::Register(draft) => self.open_register(draft),
            Action::Notify(n, then) => {
                self.notice = Some(n);
                then.map(wrap)
            }
            Action::PoolChanged(n, then) => {
                self.notice = Some(n);
                Task::batch([self.refresh_pool_counts(), then.map(wrap)])
            }
            Action::Registered(id, n) => {
                self.notice = Some(n);
                Task::batch([self.open_reader(id), self.refresh_pool_counts()])
            }
            Action::SettingsSaved(settings, n) => {
                self.ctx = Context::new(*settings, self.ctx.paths.clone());
                self.settings_warning = None;
                self.notice = Some(n);
                Task::none()
            }
            Action::Sync(n, then) => {
                self.notice = Some(n);
                Task::batch([
                    then.map(wrap),
                    self.update(Message::Sync(sync::Message::Now)),
                ])
            }
            Action::Back => {
                self.main = Main::Results;
                Task::batch([
                    self.search.run(&self.db, false).map(Message::Readers),
                    operation::focus(SEARCH_ID),
                ])
            }
        }
    }

    fn open_reader(&mut self, id: ReaderId) -> Task<Message> {
        let (card, task) = card::Card::open(id, &self.db, &self.ctx);
        self.main = Main::Card(Box::new(card));
        // Keep the cursor in the search box with its text selected, so the
        // next scanned card replaces it.
        Task::batch([
            task.map(Message::Card),
            operation::focus(SEARCH_ID),
            operation::select_all(SEARCH_ID),
        ])
    }

    fn open_register(&mut self, draft: ReaderDraft) -> Task<Message> {
        let (form, task) = register::Register::new(draft, &self.db, &self.ctx);
        self.main = Main::Register(Box::new(form));
        task.map(Message::Register)
    }

    fn open_tab(&mut self, tab: Tab) -> Task<Message> {
        match tab {
            Tab::Readers => {
                self.main = Main::Results;
                Task::batch([
                    self.search.run(&self.db, false).map(Message::Readers),
                    operation::focus(SEARCH_ID),
                ])
            }
            Tab::Requests => {
                let (screen, task) = requests::Requests::open(&self.db);
                self.main = Main::Requests(screen);
                task.map(Message::Requests)
            }
            Tab::Pool => {
                let (pool, task) = pool::Pool::open(&self.db, &self.ctx);
                self.main = Main::Pool(pool);
                Task::batch([task.map(Message::Pool), self.refresh_pool_counts()])
            }
            Tab::Journal => {
                let (journal, task) = journal::Journal::open(&self.db);
                self.main = Main::Journal(journal);
                task.map(Message::Journal)
            }
            Tab::Settings => {
                self.main = Main::Settings(settings::SettingsForm::new(&self.ctx));
                Task::none()
            }
        }
    }

    fn shortcut(&mut self, s: Shortcut) -> Task<Message> {
        match s {
            Shortcut::FocusSearch => Task::batch([
                operation::focus(SEARCH_ID),
                operation::select_all(SEARCH_ID),
            ]),
            Shortcut::NewReader => {
                let draft = readers::draft_from_query(self.search.query());
                self.open_register(draft)
            }
            Shortcut::Tab(tab) => self.open_tab(tab),
            Shortcut::NextField => operation::focus_next(),
            Shortcut::PreviousField => operation::focus_previous(),
            Shortcut::Save => match &self.main {
                Main::Register(_) => self.update(Message::Register(register::Message::Save)),
                Main::Settings(_) => self.update(Message::Settings(settings::Message::Save)),
                _ => Task::none(),
            },
            Shortcut::BindLogin => match &self.main {
                Main::Card(_) => self.update(Message::Card(card::Message::Bind)),
                _ => Task::none(),
            },
            Shortcut::Print => match &self.main {
                Main::Card(_) => self.update(Message::Card(card::Message::Print)),
                _ => Task::none(),
            },
            Shortcut::Move(step) => match &self.main {
                Main::Results => self.update(Message::Readers(readers::Message::Move(step))),
                _ => Task::none(),
            },
            Shortcut::SyncNow => self.update(Message::Sync(sync::Message::Now)),
            Shortcut::ToggleConsent => match &self.main {
                Main::Register(_) => {
                    self.update(Message::Register(register::Message::ToggleConsent))
                }
                _ => Task::none(),
            },
            Shortcut::Back => match &self.main {
                Main::Card(_) | Main::Register(_) => self.perform::<Message>(Action::Back, |m| m),
                _ => Task::none(),
            },
        }
    }

    pub fn subscription(&self) -> Subscription<Message> {
        Subscription::batch([
            event::listen_with(shortcut_of).map(Message::Shortcut),
            self.sync.subscription(&self.ctx).map(Message::Sync),
        ])
    }

    pub fn view(&self) -> Element<'_, Message> {
        let tab = match &self.main {
            Main::Results | Main::Register(_) | Main::Card(_) => Tab::Readers,
            Main::Requests(_) => Tab::Requests,
            Main::Pool(_) => Tab::Pool,
            Main::Journal(_) => Tab::Journal,
            Main::Settings(_) => Tab::Settings,
        };
        let nav = Tab::ALL
            .iter()
            .fold(row![], |nav, t| {
                nav.push(style::nav_button(
                    t.label(),
                    t.key(),
                    tab == *t,
                    Message::Open(*t),
                ))
            })
            .spacing(4);

        let header = row![
            column![
                text(&self.ctx.settings.library_name)
                    .size(18)
                    .font(FONT_BOLD),
                text(format!(
                    "АРМ «Читатели» · {} · {}",
                    self.ctx.actor.staff, self.ctx.actor.desk
                ))
                .size(13)
                .style(text::secondary),
            ]
            .spacing(2)
            .width(Fill),
            nav,
        ]
        .spacing(16)
        .align_y(iced::Center);

        let search = text_input(
            "Фамилия, имя, № билета или логин — и Enter",
            self.search.query(),
        )
        .id(SEARCH_ID)
        .on_input(|q| Message::Readers(readers::Message::QueryChanged(q)))
        .on_submit(Message::Readers(readers::Message::Submit))
        .padding(10)
        .size(18);
        let search_row = row![
            search,
            button(text("Новый читатель (Ctrl+N)"))
                .on_press(Message::Shortcut(Shortcut::NewReader))
                .padding([10, 14])
                .style(button::secondary),
        ]
        .spacing(8)
        .align_y(iced::Center);

        let main: Element<'_, Message> = match &self.main {
            Main::Results => self.search.view().map(Message::Readers),
            Main::Register(form) => form.view().map(Message::Register),
            Main::Card(card) => card.view(&self.ctx).map(Message::Card),
            Main::Requests(screen) => screen.view().map(Message::Requests),
            Main::Pool(pool) => pool.view(self.pool_counts, &self.ctx).map(Message::Pool),
            Main::Journal(journal) => journal.view().map(Message::Journal),
            Main::Settings(form) => form.view().map(Message::Settings),
        };

        column![
            container(column![header, search_row].spacing(12))
                .padding([12, 16])
                .style(style::header),
            container(main).padding([12, 16]).width(Fill).height(Fill),
            self.status_bar(),
        ]
        .into()
    }

    fn status_bar(&self) -> Element<'_, Message> {
        let pool: Element<'_, Message> = match self.pool_counts {
            _ if self.ctx.settings.access_mode == crate::config::AccessMode::Provider => {
                text("Логины создаёт ЭБС")
                    .size(13)
                    .style(text::secondary)
                    .into()
            }
            Some(c) => {
                let warning = c.low_warning(self.ctx.settings.pool_low_water);
                let label = format!("Свободных логинов: {}", c.free);
                match warning {
                    Some(w) => row![
                        text(label).font(FONT_BOLD).style(text::danger),
                        text(w).style(text::danger).size(13)
                    ]
                    .spacing(8)
                    .align_y(iced::Center)
                    .into(),
                    None => text(label).into(),
                }
            }
            None => text("Пул логинов загружается…").into(),
        };
        let notice: Element<'_, Message> = match (&self.notice, &self.settings_warning) {
            (Some(n), _) => row![
                text(&n.text).style(match n.kind {
                    NoticeKind::Info => text::default,
                    NoticeKind::Success => text::success,
                    NoticeKind::Error => text::danger,
                }),
                button(text("×"))
                    .on_press(Message::DismissNotice)
                    .style(button::text)
                    .padding([0, 6]),
            ]
            .spacing(6)
            .align_y(iced::Center)
            .into(),
            (None, Some(w)) => text(w).style(text::danger).into(),
            (None, None) => space::horizontal().into(),
        };
        container(column![
            rule::horizontal(1),
            row![
                pool,
                space::horizontal().width(24),
                container(notice).width(Fill)
            ]
            .align_y(iced::Center)
            .padding([6, 16]),
            container(self.sync.view().map(Message::Sync))
                .padding([0, 16])
                .padding(iced::Padding {
                    top: 0.0,
                    right: 16.0,
                    bottom: 6.0,
                    left: 16.0
                }),
        ])
        .style(style::status)
        .into()
    }
}

/// Keyboard shortcuts. Letters are matched by their Latin key position
/// (`to_latin`), so they work on a Russian layout too.
fn shortcut_of(
    event: iced::Event,
    status: event::Status,
    _window: iced::window::Id,
) -> Option<Shortcut> {
    let iced::Event::Keyboard(keyboard::Event::KeyPressed {
        key,
        physical_key,
        modifiers,
        ..
    }) = event
    else {
        return None;
    };
    if modifiers.command() {
        return match key.to_latin(physical_key) {
            Some('f') | Some('k') => Some(Shortcut::FocusSearch),
            Some('n') => Some(Shortcut::NewReader),
            Some('s') => Some(Shortcut::Save),
            Some('l') => Some(Shortcut::BindLogin),
            Some('p') => Some(Shortcut::Print),
            Some('d') => Some(Shortcut::ToggleConsent),
            _ => None,
        };
    }
    match key.as_ref() {
        Key::Named(key::Named::F2) => Some(Shortcut::Tab(Tab::Readers)),
        Key::Named(key::Named::F5) => Some(Shortcut::SyncNow),
        Key::Named(key::Named::F6) => Some(Shortcut::Tab(Tab::Requests)),
        Key::Named(key::Named::F3) => Some(Shortcut::Tab(Tab::Pool)),
        Key::Named(key::Named::F4) => Some(Shortcut::Tab(Tab::Journal)),
        Key::Named(key::Named::F9) => Some(Shortcut::Tab(Tab::Settings)),
        Key::Named(key::Named::Tab) if status == event::Status::Ignored => {
            Some(if modifiers.shift() {
                Shortcut::PreviousField
            } else {
                Shortcut::NextField
            })
        }
        Key::Named(key::Named::Escape) if status == event::Status::Ignored => Some(Shortcut::Back),
        Key::Named(key::Named::ArrowDown) => Some(Shortcut::Move(1)),
        Key::Named(key::Named::ArrowUp) => Some(Shortcut::Move(-1)),
        _ => None,
    }
}

/// Runs the workstation window.
pub fn run(
    ctx: Context,
    store: Store,
    dialogs: Dialogs,
    link: ProviderLink,
    settings_warning: Option<String>,
) -> iced::Result {
    // The boot closure may be called more than once (iced's contract), but
    // there is one store: hand it over once.
    let boot_state = std::sync::Mutex::new(Some((ctx, store, dialogs, link, settings_warning)));
    iced::application(
        move || {
            let (ctx, store, dialogs, link, warning) = boot_state
                .lock()
                .ok()
                .and_then(|mut s| s.take())
                .unwrap_or_else(|| unreachable!("the workstation boots once"));
            App::new(ctx, store, dialogs, link, warning)
        },
        App::update,
        App::view,
    )
    .title(App::title)
    .theme(App::theme)
    .subscription(App::subscription)
    .settings(iced::Settings {
        id: Some("kafedra".into()),
        fonts: fonts(),
        default_font: FONT_REGULAR,
        default_text_size: 15.into(),
        antialiasing: true,
        ..iced::Settings::default()
    })
    .window_size((1200.0, 820.0))
    .run()
}

#[cfg(test)]
mod tests {
    use super::*;
    use iced::keyboard::key::{Code, Physical};
    use iced::keyboard::{Location, Modifiers};

    fn press(key: Key, code: Code, modifiers: Modifiers) -> iced::Event {
        iced::Event::Keyboard(keyboard::Event::KeyPressed {
            key: key.clone(),
            modified_key: key,
            physical_key: Physical::Code(code),
            location: Location::Standard,
            modifiers,
            text: None,
            repeat: false,
        })
    }

    fn shortcut(
        key: Key,
        code: Code,
        modifiers: Modifiers,
        status: event::Status,
    ) -> Option<Shortcut> {
        shortcut_of(
            press(key, code, modifiers),
            status,
            iced::window::Id::unique(),
        )
    }

    #[test]
    fn shortcuts_work_on_a_russian_layout() {
        let captured = event::Status::Captured;
        // Ctrl+S typed on ЙЦУКЕН arrives as «ы» on the physical S key.
        assert_eq!(
            shortcut(
                Key::Character("ы".into()),
                Code::KeyS,
                Modifiers::CTRL,
                captured
            ),
            Some(Shortcut::Save)
        );
        assert_eq!(
            shortcut(
                Key::Character("s".into()),
                Code::KeyS,
                Modifiers::CTRL,
                captured
            ),
            Some(Shortcut::Save)
        );
        assert_eq!(
            shortcut(
                Key::Character("т".into()),
                Code::KeyN,
                Modifiers::CTRL,
                captured
            ),
            Some(Shortcut::NewReader)
        );
        assert_eq!(
            shortcut(
                Key::Character("д".into()),
                Code::KeyL,
                Modifiers::CTRL,
                captured
            ),
            Some(Shortcut::BindLogin)
        );
        assert_eq!(
            shortcut(
                Key::Character("з".into()),
                Code::KeyP,
                Modifiers::CTRL,
                captured
            ),
            Some(Shortcut::Print)
        );
        assert_eq!(
            shortcut(
                Key::Character("а".into()),
                Code::KeyF,
                Modifiers::CTRL,
                captured
            ),
            Some(Shortcut::FocusSearch)
        );
        // Plain letters are typing, not shortcuts.
        assert_eq!(
            shortcut(
                Key::Character("ы".into()),
                Code::KeyS,
                Modifiers::empty(),
                captured
            ),
            None
        );
    }

    #[test]
    fn tab_and_escape_only_when_no_widget_took_them() {
        let tab = Key::Named(key::Named::Tab);
        assert_eq!(
            shortcut(
                tab.clone(),
                Code::Tab,
                Modifiers::empty(),
                event::Status::Ignored
            ),
            Some(Shortcut::NextField)
        );
        assert_eq!(
            shortcut(
                tab.clone(),
                Code::Tab,
                Modifiers::SHIFT,
                event::Status::Ignored
            ),
            Some(Shortcut::PreviousField)
        );
        assert_eq!(
            shortcut(tab, Code::Tab, Modifiers::empty(), event::Status::Captured),
            None
        );
        let esc = Key::Named(key::Named::Escape);
        assert_eq!(
            shortcut(
                esc.clone(),
                Code::Escape,
                Modifiers::empty(),
                event::Status::Ignored
            ),
            Some(Shortcut::Back)
        );
        assert_eq!(
            shortcut(
                esc,
                Code::Escape,
                Modifiers::empty(),
                event::Status::Captured
            ),
            None
        );
        assert_eq!(
            shortcut(
                Key::Named(key::Named::F3),
                Code::F3,
                Modifiers::empty(),
                event::Status::Captured
            ),
            Some(Shortcut::Tab(Tab::Pool))
        );
    }
}
