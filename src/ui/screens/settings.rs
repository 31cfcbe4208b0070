//! Settings of this desk and of the library (slip texts, card numbers, pool),
//! and the page «Правила и приоритеты» of the requests desk ([`super::policy`]).

use chrono::Local;
use iced::widget::{
    button, checkbox, column, container, pick_list, row, scrollable, text, text_editor, text_input,
};
use iced::{Element, Fill, Task};

use kafedra_core::config::{AccessMode, Settings, SlipLayout};
use kafedra_core::domain::card_number::CardPattern;
use kafedra_core::services::{self, Changed, Context, Db, settings};

use super::about::{self, About};
use super::connection::{self, Connection};
use super::policy::{self, PolicyEditor};
use super::test_slip::{self, TestSlip};
use super::{Effect, Env, Message as ScreenMessage};
use crate::ui::shell::Notice;
use crate::ui::theme::{self, FONT_BOLD, FONT_MONO, size, space};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    LibraryName,
    StaffName,
    DeskName,
    SiteUrl,
    PageUrl,
    AppsText,
    Footer,
    Printer,
    ReceiptMedia,
    CardPattern,
    LowWater,
    SyncInterval,
    NearIssues,
    Partner,
}

#[derive(Debug, Clone)]
pub enum Message {
    Edit(Key, String),
    Instructions(text_editor::Action),
    Layout(SlipLayout),
    PrintAfterBind(bool),
    Mode(AccessMode),
    /// The printers the print system knows arrived.
    Printers(Vec<String>),
    PickPrinter(String),
    Save,
    Saved(Result<Vec<String>, services::Error>, Box<Settings>),
    /// «Общие» or «Правила и приоритеты».
    Page(Page),
    Policy(policy::Message),
    Connection(connection::Message),
    About(about::Message),
    /// «Пройти первоначальную настройку заново».
    OpenSetup,
    /// A test slip with the settings on the form (printer, paper, texts).
    TestSlip(test_slip::Message),
}

/// The pages of Settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// This desk, the library, the slip, access, the pool.
    General,
    /// The provider connection, checked and saved.
    Connection,
    /// The requests desk: priorities, rules, refusal texts.
    Policy,
    /// «О программе»: version, folders, licences, the error report.
    About,
}

impl Page {
    pub const ALL: [Page; 4] = [Page::General, Page::Connection, Page::Policy, Page::About];

    pub fn label(self) -> &'static str {
        match self {
            Page::General => "Общие",
            Page::Connection => "Подключение к ЭБС",
            Page::Policy => "Правила и приоритеты",
            Page::About => "О программе",
        }
    }
}

/// What the settings form hands up.
pub enum Action {
    None,
    Run(Task<Message>),
    Error(String),
    /// Saved: the desk works with these settings from now on.
    Saved(Box<Settings>, Notice),
    /// The library's policy was saved: the queue is ordered anew.
    PolicySaved(Notice),
    /// The provider connection was saved.
    ProviderSaved(Notice),
    Notify(Notice),
    OpenSetup,
}

pub fn effect(action: Action) -> Effect {
    match action {
        Action::None => Effect::None,
        Action::Run(task) => Effect::Run(task.map(ScreenMessage::Settings)),
        Action::Error(text) => Effect::Notify(Notice::error(text), Task::none()),
        Action::Saved(settings, notice) => Effect::SettingsSaved(settings, notice),
        Action::PolicySaved(notice) => Effect::Changed(Changed::REQUESTS, notice, Task::none()),
        Action::ProviderSaved(notice) => Effect::ProviderSaved(notice),
        Action::Notify(notice) => Effect::Notify(notice, Task::none()),
        Action::OpenSetup => Effect::OpenSetup,
    }
}

pub struct SettingsForm {
    s: Settings,
    low_water: String,
    sync_interval: String,
    near_issues: String,
    instructions: text_editor::Content,
    problems: Vec<String>,
    saving: bool,
    /// The printers the print system knows (empty until asked, or none).
    printers: Vec<String>,
    page: Page,
    /// Loaded when its page is first shown.
    policy: Option<PolicyEditor>,
    connection: Option<Connection>,
    about: Option<About>,
    test_slip: TestSlip,
}

impl SettingsForm {
    pub fn new(ctx: &Context) -> SettingsForm {
        SettingsForm {
            low_water: ctx.settings.pool_low_water.to_string(),
            near_issues: ctx.settings.fund_near_issues.to_string(),
            sync_interval: ctx.settings.sync_interval_secs.to_string(),
            instructions: text_editor::Content::with_text(
                &ctx.settings.slip.instructions.join("\n"),
            ),
            s: ctx.settings.clone(),
            problems: Vec::new(),
            saving: false,
            printers: Vec::new(),
            page: Page::General,
            policy: None,
            connection: None,
            about: None,
            test_slip: TestSlip::default(),
        }
    }

    /// Asks the print system for its printers (`lpstat`), off the UI thread.
    pub fn load_printers() -> Task<Message> {
        Task::perform(
            async {
                tokio::task::spawn_blocking(kafedra_core::services::slips::printers)
                    .await
                    .unwrap_or_default()
            },
            Message::Printers,
        )
    }

    pub fn update(&mut self, message: Message, env: &Env<'_>) -> Action {
        let Env { db, ctx, dialogs } = *env;
        match message {
            Message::Edit(key, v) => {
                self.edit(key, v);
                Action::None
            }
            Message::Instructions(a) => {
                self.instructions.perform(a);
                Action::None
            }
            Message::Layout(l) => {
                self.s.slip_layout = l;
                Action::None
            }
            Message::Mode(m) => {
                self.s.access_mode = m;
                Action::None
            }
            Message::Printers(list) => {
                self.printers = list;
                Action::None
            }
            Message::PickPrinter(p) => {
                self.s.printer = p;
                Action::None
            }
            Message::PrintAfterBind(v) => {
                self.s.print_after_bind = v;
                Action::None
            }
            Message::Save if self.page == Page::Connection => {
                self.update(Message::Connection(connection::Message::Save), env)
            }
            Message::Save if self.page == Page::Policy => {
                self.policy_update(policy::Message::Save, db, ctx)
            }
            Message::Save => self.save(db, ctx),
            Message::Saved(result, settings) => self.saved(result, settings),
            Message::Page(page) => {
                self.page = page;
                if page == Page::Policy && self.policy.is_none() {
                    let (editor, task) = PolicyEditor::open(db);
                    self.policy = Some(editor);
                    return Action::Run(task.map(Message::Policy));
                }
                if page == Page::Connection && self.connection.is_none() {
                    self.connection = Some(Connection::new(ctx));
                }
                if page == Page::About && self.about.is_none() {
                    self.about = Some(About::new(ctx));
                }
                Action::None
            }
            Message::Policy(m) => self.policy_update(m, db, ctx),
            Message::Connection(m) => {
                let Some(c) = &mut self.connection else {
                    return Action::None;
                };
                match c.update(m, db, ctx, dialogs) {
                    connection::Action::None => Action::None,
                    connection::Action::Run(t) => Action::Run(t.map(Message::Connection)),
                    connection::Action::Saved(n) => Action::ProviderSaved(n),
                }
            }
            Message::About(m) => {
                let Some(a) = &mut self.about else {
                    return Action::None;
                };
                match a.update(m, ctx, dialogs) {
                    about::Action::None => Action::None,
                    about::Action::Run(t) => Action::Run(t.map(Message::About)),
                    about::Action::Notify(n) => Action::Notify(n),
                }
            }
            Message::OpenSetup => Action::OpenSetup,
            Message::TestSlip(m) => {
                let draft = self.draft();
                Action::Run(
                    self.test_slip
                        .update(m, &draft, ctx, dialogs)
                        .map(Message::TestSlip),
                )
            }
        }
    }

    fn policy_update(&mut self, message: policy::Message, db: &Db, ctx: &Context) -> Action {
        let Some(editor) = &mut self.policy else {
            return Action::None;
        };
        match editor.update(message, db, ctx) {
            policy::Action::None => Action::None,
            policy::Action::Run(task) => Action::Run(task.map(Message::Policy)),
            policy::Action::Saved(notice) => Action::PolicySaved(notice),
        }
    }

    /// Puts an edited text field where it belongs.
    fn edit(&mut self, key: Key, v: String) {
        let s = &mut self.s;
        match key {
            Key::LibraryName => s.library_name = v,
            Key::StaffName => s.staff_name = v,
            Key::DeskName => s.desk_name = v,
            Key::SiteUrl => s.provider_site_url = v,
            Key::PageUrl => s.library_page_url = v,
            Key::AppsText => s.slip.apps_text = v,
            Key::Footer => s.slip.footer = v,
            Key::Printer => s.printer = v,
            Key::ReceiptMedia => s.receipt_media = v,
            Key::CardPattern => s.card_pattern = v,
            Key::LowWater => self.low_water = v,
            Key::SyncInterval => self.sync_interval = v,
            Key::NearIssues => self.near_issues = v,
            Key::Partner => s.provider_partner = v,
        }
    }

    /// Checks the form and stores the settings off the UI thread.
    /// The settings as the form stands (the instructions from their editor;
    /// the numeric fields are read when saving).
    fn draft(&self) -> Settings {
        let mut new = self.s.clone();
        new.slip.instructions = self
            .instructions
            .text()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        new
    }

    fn save(&mut self, db: &Db, ctx: &Context) -> Action {
        if self.saving {
            return Action::None;
        }
        let mut new = self.draft();
        if let Err(problem) = self.parse_numbers(&mut new) {
            self.problems = vec![problem];
            return Action::None;
        }
        self.saving = true;
        let ctx = ctx.clone();
        let saved = new.clone();
        Action::Run(Task::perform(
            db.call(move |s| settings::save(s, &ctx, &new)),
            move |r| Message::Saved(r, Box::new(saved.clone())),
        ))
    }

    /// Reads the numeric fields into `new`, or says what is wrong with the first bad one.
    fn parse_numbers(&self, new: &mut Settings) -> Result<(), String> {
        match self.low_water.trim().parse::<u64>() {
            Ok(n) => new.pool_low_water = n,
            Err(_) => {
                return Err(format!(
                    "Порог свободных логинов «{}» должен быть целым числом, например 20.",
                    self.low_water.trim()
                ));
            }
        }
        match self.near_issues.trim().parse::<u32>() {
            Ok(n) => new.fund_near_issues = n,
            Err(_) => {
                return Err(format!(
                    "Порог «близко к 24-й выдаче» «{}» должен быть целым числом от 1 до 23, например 20.",
                    self.near_issues.trim()
                ));
            }
        }
        match self.sync_interval.trim().parse::<u64>() {
            Ok(n) if n >= 5 => new.sync_interval_secs = n,
            _ => {
                return Err(format!(
                    "Интервал синхронизации «{}» должен быть числом секунд не меньше 5, например 60.",
                    self.sync_interval.trim()
                ));
            }
        }
        Ok(())
    }

    /// The store answered: hand the settings up, or show what it refused.
    fn saved(
        &mut self,
        result: Result<Vec<String>, services::Error>,
        settings: Box<Settings>,
    ) -> Action {
        self.saving = false;
        match result {
            Ok(changed) => {
                self.problems.clear();
                let text = if changed.is_empty() {
                    "Настройки сохранены (без изменений).".to_string()
                } else {
                    format!("Настройки сохранены: {}.", changed.join(", "))
                };
                Action::Saved(settings, Notice::success(text))
            }
            Err(services::Error::BadSettings(problems)) => {
                self.problems = problems;
                Action::None
            }
            Err(e) => {
                self.problems = vec![e.to_string()];
                Action::None
            }
        }
    }

    /// The printer: typed, or chosen among those the print system knows.
    fn printer_field(&self) -> Element<'_, Message> {
        let typed = self.input(
            "Принтер (пусто — принтер по умолчанию)",
            &self.s.printer,
            Key::Printer,
        );
        if self.printers.is_empty() {
            return typed;
        }
        let chosen = self
            .printers
            .iter()
            .find(|p| **p == self.s.printer)
            .cloned();
        column![
            typed,
            row![
                text("или выберите:")
                    .size(size::SMALL)
                    .style(text::secondary),
                pick_list(self.printers.clone(), chosen, Message::PickPrinter).padding(6),
            ]
            .spacing(space::M)
            .align_y(iced::Center),
        ]
        .spacing(space::XS)
        .width(Fill)
        .into()
    }

    /// The paper for the 80 mm receipt layout (CUPS `media`).
    fn receipt_media_field(&self) -> Element<'_, Message> {
        self.input(
            "Бумага для чека 80 мм (параметр media CUPS, например Custom.80x200mm; пусто — как настроен принтер)",
            &self.s.receipt_media,
            Key::ReceiptMedia,
        )
    }

    fn input<'a>(&'a self, label: &'a str, value: &'a str, key: Key) -> Element<'a, Message> {
        column![
            text(label).size(size::SMALL).style(text::secondary),
            text_input("", value)
                .on_input(move |v| Message::Edit(key, v))
                .on_submit(Message::Save)
                .padding(8),
        ]
        .spacing(space::XS)
        .width(Fill)
        .into()
    }

    pub fn view(&self) -> Element<'_, Message> {
        let pages = Page::ALL.iter().fold(row![].spacing(space::XS), |r, p| {
            let active = *p == self.page;
            r.push(
                button(text(p.label()).font(if active {
                    FONT_BOLD
                } else {
                    theme::FONT_REGULAR
                }))
                .on_press(Message::Page(*p))
                .padding([6, 14])
                .style(if active {
                    button::primary
                } else {
                    button::secondary
                }),
            )
        });
        let header = row![theme::title("Настройки"), pages]
            .spacing(space::XL)
            .align_y(iced::Center);
        let page = match (self.page, &self.policy, &self.connection, &self.about) {
            (Page::Policy, Some(editor), _, _) => editor.view().map(Message::Policy),
            (Page::Connection, _, Some(c), _) => scrollable(
                container(c.view(true).map(Message::Connection))
                    .padding(16)
                    .style(theme::panel)
                    .width(Fill),
            )
            .into(),
            (Page::About, _, _, Some(a)) => a.view().map(Message::About),
            _ => self.general(),
        };
        column![header, page].spacing(space::ML).into()
    }

    /// «Общие»: the settings of the desk and of the library.
    fn general(&self) -> Element<'_, Message> {
        let mut col = column![]
            .extend(self.desk_section())
            .extend(self.library_section())
            .extend(self.slip_section())
            .extend(self.access_section())
            .extend(self.pool_section())
            .extend(self.fund_section())
            .spacing(space::ML);
        if !self.problems.is_empty() {
            col = col.push(theme::errors(self.problems.clone()));
        }
        col = col.push(
            row![
                self.save_button(),
                button(text("Пройти первоначальную настройку заново…"))
                    .on_press(Message::OpenSetup)
                    .padding([10, 16])
                    .style(button::secondary),
            ]
            .spacing(space::M),
        );
        scrollable(container(col).padding(16).style(theme::panel).width(Fill)).into()
    }

    /// «Это место»: who works at this desk and what it is called.
    fn desk_section(&self) -> [Element<'_, Message>; 2] {
        let s = &self.s;
        [
            heading("Это место"),
            row![
                self.input(
                    "Сотрудник за кафедрой (попадает в журнал)",
                    &s.staff_name,
                    Key::StaffName
                ),
                self.input(
                    "Название места (по умолчанию — имя компьютера)",
                    &s.desk_name,
                    Key::DeskName
                ),
            ]
            .spacing(space::L)
            .into(),
        ]
    }

    /// «Библиотека и ЭБС»: the library's name and the provider's addresses.
    fn library_section(&self) -> [Element<'_, Message>; 3] {
        let s = &self.s;
        [
            heading("Библиотека и ЭБС"),
            self.input("Название библиотеки", &s.library_name, Key::LibraryName),
            row![
                self.input("Сайт ЭБС (где читать)", &s.provider_site_url, Key::SiteUrl),
                self.input(
                    "Страница библиотеки у поставщика (QR-код на памятке)",
                    &s.library_page_url,
                    Key::PageUrl
                ),
            ]
            .spacing(space::L)
            .into(),
        ]
    }

    /// «Памятка»: the texts of the slip, its layout and printing.
    fn slip_section(&self) -> [Element<'_, Message>; 8] {
        let s = &self.s;
        [
            heading("Памятка"),
            self.input("Строка о приложениях", &s.slip.apps_text, Key::AppsText),
            column![
                text("Инструкция — по шагу в строке").size(size::SMALL).style(text::secondary),
                text_editor(&self.instructions).on_action(Message::Instructions).height(110),
            ]
            .spacing(space::XS)
            .into(),
            self.input("Нижняя строка (телефон, часы работы)", &s.slip.footer, Key::Footer),
            row![
                column![
                    text("Формат памятки по умолчанию").size(size::SMALL).style(text::secondary),
                    pick_list(SlipLayout::ALL, Some(s.slip_layout), Message::Layout).padding(6),
                ]
                .spacing(space::XS),
                self.printer_field(),
            ]
            .spacing(space::L)
            .into(),
            self.receipt_media_field(),
            self.test_slip.view().map(Message::TestSlip),
            checkbox(s.print_after_bind)
                .label("Сразу печатать памятку после выдачи логина (читателям по e-mail и с сайта — сохранять PDF)")
                .on_toggle(Message::PrintAfterBind)
                .into(),
        ]
    }

    /// «Доступ к ЭБС»: how readers get logins and how often to sync.
    fn access_section(&self) -> [Element<'_, Message>; 2] {
        [
            heading("Доступ к ЭБС"),
            row![
                column![
                    text("Как читатель получает логин")
                        .size(size::SMALL)
                        .style(text::secondary),
                    pick_list(AccessMode::ALL, Some(self.s.access_mode), Message::Mode).padding(6),
                ]
                .spacing(space::XS)
                .width(Fill),
                self.input(
                    "Синхронизация с ЭБС — раз в столько секунд",
                    &self.sync_interval,
                    Key::SyncInterval
                ),
            ]
            .spacing(space::L)
            .into(),
        ]
    }

    /// «Читательские билеты и пул»: the card number pattern and the pool's low water.
    fn pool_section(&self) -> [Element<'_, Message>; 2] {
        [
            heading("Читательские билеты и пул"),
            row![
                column![
                    self.input(
                        "Шаблон номера билета: {YYYY}, {YY}, {MM}, {N:6}",
                        &self.s.card_pattern,
                        Key::CardPattern
                    ),
                    card_preview(&self.s.card_pattern),
                ]
                .spacing(space::XS)
                .width(Fill),
                self.input(
                    "Предупреждать, когда свободных логинов не больше",
                    &self.low_water,
                    Key::LowWater
                ),
            ]
            .spacing(space::L)
            .into(),
        ]
    }

    /// «Фонд»: when a copy is «близко к 24-й выдаче»; the partner id of book links.
    fn fund_section(&self) -> [Element<'_, Message>; 2] {
        [
            heading("Фонд"),
            row![
                self.input(
                    "«Близко к 24-й выдаче»: экземпляры, у которых выдач не меньше",
                    &self.near_issues,
                    Key::NearIssues
                ),
                self.input(
                    "Номер партнёра ЭБС в ссылках на книги (lfrom), если есть",
                    &self.s.provider_partner,
                    Key::Partner
                ),
            ]
            .spacing(space::L)
            .into(),
        ]
    }

    fn save_button(&self) -> Element<'_, Message> {
        button(
            text(if self.saving {
                "Сохранение…"
            } else {
                "Сохранить (Ctrl+S)"
            })
            .font(FONT_BOLD),
        )
        .on_press_maybe((!self.saving).then_some(Message::Save))
        .padding([10, 18])
        .style(button::primary)
        .into()
    }
}

/// The bold title of a section of the form.
fn heading(label: &'static str) -> Element<'static, Message> {
    text(label).font(FONT_BOLD).into()
}

/// A card number made by the pattern, or what is wrong with the pattern.
fn card_preview(pattern: &str) -> Element<'static, Message> {
    match CardPattern::parse(pattern) {
        Ok(p) => text(format!(
            "Пример: {}",
            p.format(Local::now().date_naive(), 1)
        ))
        .font(FONT_MONO)
        .size(size::SMALL)
        .into(),
        Err(e) => text(e).size(size::SMALL).style(text::danger).into(),
    }
}
