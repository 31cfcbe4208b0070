//! The shell around the screens: the header (library, tabs, the search box),
//! the status bar (pool counts, notices, the sync state), keyboard shortcuts
//! and the routing of the screens' effects. It owns what every screen shares:
//! the store handle, the context, the dialogs, the search results.

mod notice;
mod shortcuts;
mod status;
mod sync;

use iced::widget::{button, column, container, operation, row, text, text_input};
use iced::{Element, Fill, Subscription, Task, Theme, event};
use kafedra_core::domain::account::PoolCounts;
use kafedra_core::domain::reader::ReaderDraft;
use kafedra_core::domain::records::ReaderId;
use kafedra_core::services::provider::Link;
use kafedra_core::services::{self, Changed, Context, Db, Store};

use super::dialogs::Dialogs;
use super::screens::{self, Effect, Env, Screen, Tab, readers};
use super::setup::{self, Setup};
use super::theme::{self, FONT_BOLD, size, space};

pub use notice::{Notice, NoticeKind};
pub use shortcuts::Shortcut;

/// The id of the one search box at the top of every screen.
pub const SEARCH_ID: &str = "search";

#[derive(Debug, Clone)]
pub enum Message {
    Open(Tab),
    Readers(readers::Message),
    Screen(screens::Message),
    Sync(sync::Message),
    Shortcut(Shortcut),
    PoolCounts(Result<PoolCounts, services::Error>),
    DismissNotice,
    /// The first-run setup.
    Setup(setup::Message),
}

pub struct App {
    ctx: Context,
    db: Db,
    dialogs: Dialogs,
    search: readers::Search,
    screen: Screen,
    notice: Option<Notice>,
    pool_counts: Option<PoolCounts>,
    settings_warning: Option<String>,
    sync: sync::SyncPanel,
    /// The first-run setup, shown instead of the desk until it is over.
    setup: Option<Box<Setup>>,
}

impl App {
    /// Builds the application around an open store. The returned task loads
    /// the first data (pool counts, recent readers, the sync state), starts a
    /// sync and focuses the search.
    pub fn new(
        ctx: Context,
        store: Store,
        dialogs: Dialogs,
        link: Link,
        settings_warning: Option<String>,
    ) -> (App, Task<Message>) {
        let mut app = App {
            search: readers::Search::default(),
            screen: Screen::ReaderList,
            notice: None,
            pool_counts: None,
            settings_warning,
            sync: sync::SyncPanel::new(link),
            db: Db::new(store),
            ctx,
            dialogs,
            setup: None,
        };
        let first = Task::batch([
            app.sync.refresh(&app.db).map(Message::Sync),
            Task::done(Message::Sync(sync::Message::Now)),
            app.refresh_pool_counts(),
            app.search
                .run(&app.db, &app.ctx, false)
                .map(Message::Readers),
            operation::focus(SEARCH_ID),
        ]);
        (app, first)
    }

    /// As [`App::new`], and a fresh workstation (or one whose setup was left
    /// half-way) opens the first-run setup at its step.
    pub fn first_run(
        ctx: Context,
        store: Store,
        dialogs: Dialogs,
        link: Link,
        settings_warning: Option<String>,
    ) -> (App, Task<Message>) {
        let (mut app, first) = App::new(ctx, store, dialogs, link, settings_warning);
        if app.ctx.settings.setup_step.is_none() {
            return (app, first);
        }
        let task = app.open_setup();
        (app, Task::batch([first, task]))
    }

    /// Opens the first-run setup (also from Settings, to go through it again).
    pub fn open_setup(&mut self) -> Task<Message> {
        let (setup, task) = Setup::open(&self.ctx, &self.db);
        self.setup = Some(Box::new(setup));
        task.map(Message::Setup)
    }

    /// The step of the first-run setup on show, if it is.
    pub fn setup_step(&self) -> Option<kafedra_core::services::setup::Step> {
        self.setup.as_ref().map(|s| s.step())
    }

    fn setup_update(&mut self, message: setup::Message) -> Task<Message> {
        let Some(s) = self.setup.as_mut() else {
            return Task::none();
        };
        match s.update(message, &self.db, &self.ctx, &self.dialogs) {
            setup::Action::None => Task::none(),
            setup::Action::Run(t) => t.map(Message::Setup),
            setup::Action::Settings(settings) => {
                self.ctx = Context::new(*settings, self.ctx.paths.clone());
                self.settings_warning = None;
                Task::none()
            }
            setup::Action::Connected(notice, then) => {
                self.notice = Some(notice);
                self.sync.set_link(Link::from_context(&self.ctx));
                Task::batch([
                    then.map(Message::Setup),
                    self.update(Message::Sync(sync::Message::Now)),
                ])
            }
            setup::Action::PoolChanged(then) => {
                Task::batch([then.map(Message::Setup), self.refresh_pool_counts()])
            }
            setup::Action::Done(settings, notice) => {
                self.ctx = Context::new(*settings, self.ctx.paths.clone());
                self.settings_warning = None;
                self.setup = None;
                self.notice = Some(notice);
                Task::batch([self.show_results(), self.refresh_pool_counts()])
            }
        }
    }

    pub fn title(&self) -> String {
        format!("Kafedra — {}", self.ctx.settings.library_name)
    }

    pub fn theme(&self) -> Theme {
        theme::theme()
    }

    pub fn context(&self) -> &Context {
        &self.ctx
    }

    fn env(&self) -> Env<'_> {
        Env {
            db: &self.db,
            ctx: &self.ctx,
            dialogs: &self.dialogs,
        }
    }

    fn refresh_pool_counts(&self) -> Task<Message> {
        Task::perform(
            self.db.call(|s| services::pool::counts(s)),
            Message::PoolCounts,
        )
    }

    pub fn update(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Open(tab) => self.open_tab(tab),
            Message::Readers(msg) => {
                if matches!(msg, readers::Message::QueryChanged(_)) {
                    // Typing in the search box always brings the results back.
                    self.screen = Screen::ReaderList;
                }
                let action = self.search.update(msg, &self.db, &self.ctx);
                self.search_action(action)
            }
            Message::Screen(msg) => {
                let env = Env {
                    db: &self.db,
                    ctx: &self.ctx,
                    dialogs: &self.dialogs,
                };
                let effect = self.screen.update(msg, &env);
                self.apply(effect)
            }
            Message::Sync(msg) => {
                let (task, changed) = self.sync.update(msg, &self.db, &self.ctx);
                Task::batch([task.map(Message::Sync), self.reload(changed)])
            }
            Message::Shortcut(s) => self.shortcut(s),
            Message::PoolCounts(Ok(counts)) => {
                self.pool_counts = Some(counts);
                Task::none()
            }
            Message::PoolCounts(Err(e)) => {
                self.notice = Some(Notice::error(e.to_string()));
                Task::none()
            }
            Message::DismissNotice => {
                self.notice = None;
                Task::none()
            }
            Message::Setup(m) => self.setup_update(m),
        }
    }

    /// Reloads what shows the changed data: the pool counts and the screen.
    fn reload(&self, changed: Changed) -> Task<Message> {
        if !changed.any() {
            return Task::none();
        }
        let counts = if changed.logins {
            self.refresh_pool_counts()
        } else {
            Task::none()
        };
        Task::batch([
            counts,
            self.screen
                .reload(changed, &self.env())
                .map(Message::Screen),
        ])
    }

    fn search_action(&mut self, action: readers::Action) -> Task<Message> {
        match action {
            readers::Action::None => Task::none(),
            readers::Action::Run(task) => task.map(Message::Readers),
            readers::Action::Error(text) => {
                self.notice = Some(Notice::error(text));
                Task::none()
            }
            readers::Action::OpenReader(id) => self.open_reader(id),
            readers::Action::Register(draft) => self.open_register(draft),
        }
    }

    fn apply(&mut self, effect: Effect) -> Task<Message> {
        match effect {
            Effect::None => Task::none(),
            Effect::Run(task) => task.map(Message::Screen),
            Effect::Notify(n, then) => {
                self.notice = Some(n);
                then.map(Message::Screen)
            }
            Effect::Changed(changed, n, then) => {
                self.notice = Some(n);
                Task::batch([self.reload_besides(changed), then.map(Message::Screen)])
            }
            Effect::Queued(changed, n, then) => {
                self.notice = Some(n);
                Task::batch([
                    self.reload_besides(changed),
                    then.map(Message::Screen),
                    self.update(Message::Sync(sync::Message::Now)),
                ])
            }
            Effect::OpenReader(id) => self.open_reader(id),
            Effect::Register(draft) => self.open_register(draft),
            Effect::Registered(id, n) => {
                self.notice = Some(n);
                Task::batch([self.open_reader(id), self.refresh_pool_counts()])
            }
            Effect::SettingsSaved(settings, n) => {
                self.ctx = Context::new(*settings, self.ctx.paths.clone());
                self.settings_warning = None;
                self.notice = Some(n);
                Task::none()
            }
            Effect::ProviderSaved(n) => {
                self.notice = Some(n);
                self.sync.set_link(Link::from_context(&self.ctx));
                self.update(Message::Sync(sync::Message::Now))
            }
            Effect::OpenSetup => self.open_setup(),
            Effect::Back => self.show_results(),
        }
    }

    /// After a screen changed data itself (and reloads itself): whatever
    /// else shows that data, i.e. the pool counts.
    fn reload_besides(&self, changed: Changed) -> Task<Message> {
        if changed.logins {
            self.refresh_pool_counts()
        } else {
            Task::none()
        }
    }

    fn show(&mut self, (screen, task): (Screen, Task<screens::Message>)) -> Task<Message> {
        self.screen = screen;
        task.map(Message::Screen)
    }

    fn show_results(&mut self) -> Task<Message> {
        self.screen = Screen::ReaderList;
        Task::batch([
            self.search
                .run(&self.db, &self.ctx, false)
                .map(Message::Readers),
            operation::focus(SEARCH_ID),
        ])
    }

    fn open_reader(&mut self, id: ReaderId) -> Task<Message> {
        let opened = Screen::open_reader(id, &self.env());
        // Keep the cursor in the search box with its text selected, so the
        // next scanned card replaces it.
        Task::batch([
            self.show(opened),
            operation::focus(SEARCH_ID),
            operation::select_all(SEARCH_ID),
        ])
    }

    fn open_register(&mut self, draft: ReaderDraft) -> Task<Message> {
        let opened = Screen::open_register(draft, &self.env());
        self.show(opened)
    }

    fn open_tab(&mut self, tab: Tab) -> Task<Message> {
        if tab == Tab::Readers {
            return self.show_results();
        }
        let opened = Screen::open(tab, &self.env());
        let task = self.show(opened);
        match tab {
            Tab::Pool => Task::batch([task, self.refresh_pool_counts()]),
            _ => task,
        }
    }

    fn screen_message(&mut self, message: impl Into<screens::Message>) -> Task<Message> {
        self.update(Message::Screen(message.into()))
    }

    fn shortcut(&mut self, s: Shortcut) -> Task<Message> {
        use screens::{reader, register, settings};
        if self.setup.is_some() {
            // The desk behind the setup does not take keys.
            return match s {
                Shortcut::NextField => operation::focus_next(),
                Shortcut::PreviousField => operation::focus_previous(),
                _ => Task::none(),
            };
        }
        match (s, &self.screen) {
            (Shortcut::FocusSearch, _) => Task::batch([
                operation::focus(SEARCH_ID),
                operation::select_all(SEARCH_ID),
            ]),
            (Shortcut::NewReader, _) => {
                let draft = readers::draft_from_query(self.search.query());
                self.open_register(draft)
            }
            (Shortcut::Tab(tab), _) => self.open_tab(tab),
            (Shortcut::NextField, _) => operation::focus_next(),
            (Shortcut::PreviousField, _) => operation::focus_previous(),
            (Shortcut::SyncNow, _) => self.update(Message::Sync(sync::Message::Now)),
            (Shortcut::Save, Screen::Register(_)) => self.screen_message(register::Message::Save),
            (Shortcut::Save, Screen::Settings(_)) => self.screen_message(settings::Message::Save),
            (Shortcut::ToggleConsent, Screen::Register(_)) => {
                self.screen_message(register::Message::ToggleConsent)
            }
            (Shortcut::BindLogin, Screen::Reader(_)) => self.screen_message(reader::Message::Bind),
            (Shortcut::Print, Screen::Reader(_)) => self.screen_message(reader::Message::Print),
            (Shortcut::Move(step), Screen::ReaderList) => {
                self.update(Message::Readers(readers::Message::Move(step)))
            }
            (Shortcut::Back, Screen::Reader(_) | Screen::Register(_)) => self.show_results(),
            _ => Task::none(),
        }
    }

    pub fn subscription(&self) -> Subscription<Message> {
        Subscription::batch([
            event::listen_with(shortcuts::shortcut_of).map(Message::Shortcut),
            self.sync.subscription(&self.ctx).map(Message::Sync),
        ])
    }

    pub fn view(&self) -> Element<'_, Message> {
        if let Some(setup) = &self.setup {
            return column![
                setup.view(self.pool_counts, &self.ctx).map(Message::Setup),
                status::setup_bar(self),
            ]
            .into();
        }
        let main = match self.screen.view(&self.ctx, self.pool_counts) {
            Some(screen) => screen.map(Message::Screen),
            None => self.search.view().map(Message::Readers),
        };
        column![
            container(column![self.header(), self.search_row()].spacing(space::L))
                .padding([12, 16])
                .style(theme::header),
            container(main).padding([12, 16]).width(Fill).height(Fill),
            status::bar(self),
        ]
        .into()
    }

    fn header(&self) -> Element<'_, Message> {
        let active = self.screen.tab();
        let nav = Tab::ALL
            .iter()
            .fold(row![], |nav, t| {
                nav.push(theme::nav_button(
                    t.label(),
                    t.key(),
                    active == *t,
                    Message::Open(*t),
                ))
            })
            .spacing(space::XS);
        row![
            column![
                text(&self.ctx.settings.library_name)
                    .size(size::LARGE)
                    .font(FONT_BOLD),
                text(format!(
                    "АРМ «Читатели» · {} · {}",
                    self.ctx.actor.staff, self.ctx.actor.desk
                ))
                .size(size::SMALL)
                .style(text::secondary),
            ]
            .spacing(space::HAIR)
            .width(Fill),
            nav,
        ]
        .spacing(space::XXL)
        .align_y(iced::Center)
        .into()
    }

    fn search_row(&self) -> Element<'_, Message> {
        let search = text_input(
            "Фамилия, имя, № билета или логин — и Enter",
            self.search.query(),
        )
        .id(SEARCH_ID)
        .on_input(|q| Message::Readers(readers::Message::QueryChanged(q)))
        .on_submit(Message::Readers(readers::Message::Submit))
        .padding(10)
        .size(size::LARGE);
        row![
            search,
            button(text("Новый читатель (Ctrl+N)"))
                .on_press(Message::Shortcut(Shortcut::NewReader))
                .padding([10, 14])
                .style(button::secondary),
        ]
        .spacing(space::M)
        .align_y(iced::Center)
        .into()
    }
}

/// Runs the workstation window.
pub fn run(
    ctx: Context,
    store: Store,
    dialogs: Dialogs,
    link: Link,
    settings_warning: Option<String>,
) -> iced::Result {
    // The boot closure may be called more than once (iced's contract), but
    // there is one store: hand it over once.
    let boot_state = std::sync::Mutex::new(Some((ctx, store, dialogs, link, settings_warning)));
    // A fresh workstation opens the first-run setup (the demo is set up).
    iced::application(
        move || {
            let (ctx, store, dialogs, link, warning) = boot_state
                .lock()
                .ok()
                .and_then(|mut s| s.take())
                .unwrap_or_else(|| unreachable!("the workstation boots once"));
            App::first_run(ctx, store, dialogs, link, warning)
        },
        App::update,
        App::view,
    )
    .title(App::title)
    .theme(App::theme)
    .subscription(App::subscription)
    .settings(iced::Settings {
        id: Some("kafedra".into()),
        fonts: theme::fonts(),
        default_font: theme::FONT_REGULAR,
        default_text_size: size::BODY.into(),
        antialiasing: true,
        ..iced::Settings::default()
    })
    .window(iced::window::Settings {
        size: iced::Size::new(1200.0, 820.0),
        icon: window_icon(),
        ..iced::window::Settings::default()
    })
    .run()
}

/// The window's icon (title bar, taskbar, Alt+Tab): the packaging icon at
/// 64 px, the same picture as the menu entry and the Windows shortcut.
pub fn window_icon() -> Option<iced::window::Icon> {
    const PNG: &[u8] =
        include_bytes!("../../../packaging/icons/hicolor/64x64/apps/ru.kafedra.Kafedra.png");
    let mut reader = png::Decoder::new(std::io::Cursor::new(PNG))
        .read_info()
        .ok()?;
    let mut rgba = vec![0; reader.output_buffer_size()?];
    let frame = reader.next_frame(&mut rgba).ok()?;
    if frame.color_type != png::ColorType::Rgba || frame.bit_depth != png::BitDepth::Eight {
        return None;
    }
    rgba.truncate(frame.buffer_size());
    iced::window::icon::from_rgba(rgba, frame.width, frame.height).ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_window_has_the_apps_icon() {
        assert!(super::window_icon().is_some());
    }
}
