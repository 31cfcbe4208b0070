//! The first run of a fresh workstation: a short setup instead of the desk,
//! step by step — the library and this desk, the provider connection with
//! «Проверить подключение», how readers get access, the first pool file, the
//! printer and paper with a test slip. Every step is saved when left (so a
//! closed window resumes where it was), every step can be skipped, the whole
//! setup can be left for later, and everything is also in Settings (F9).

use iced::widget::{
    button, column, container, pick_list, radio, row, scrollable, text, text_input,
};
use iced::{Element, Fill, Task};

use kafedra_core::config::{AccessMode, Settings, SlipLayout};
use kafedra_core::domain::account::PoolCounts;
use kafedra_core::domain::text::counted;
use kafedra_core::services::setup::Step;
use kafedra_core::services::{self, Context, Db, settings};

use super::dialogs::Dialogs;
use super::screens::connection::{self, Connection};
use super::screens::test_slip::{self, TestSlip};
use super::screens::{Env, pool};
use super::shell::Notice;
use super::theme::{self, FONT_BOLD, size, space};

/// The ids of the first step's inputs (tests type into them).
pub const LIBRARY_ID: &str = "setup-library";
pub const DESK_ID: &str = "setup-desk";
pub const STAFF_ID: &str = "setup-staff";

/// «Принтер по умолчанию» in the printer list.
const DEFAULT_PRINTER: &str = "Принтер по умолчанию";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Library,
    Desk,
    Staff,
    Media,
}

#[derive(Debug, Clone)]
pub enum Message {
    Edit(Field, String),
    Connection(connection::Message),
    Mode(AccessMode),
    Pool(pool::Message),
    Printers(Vec<String>),
    PickPrinter(String),
    Layout(SlipLayout),
    /// The test slip of the printer step.
    TestSlip(test_slip::Message),
    /// Save this step and go to the next one.
    Next,
    /// Go to the next step without saving this one.
    SkipStep,
    Back,
    /// Leave the setup for later: the desk opens now.
    SkipAll,
    /// «Начать работу».
    Finish,
    Saved(Result<(), String>, Box<Settings>, Option<Step>),
}

/// What the setup hands up to the shell.
pub enum Action {
    None,
    Run(Task<Message>),
    /// The settings were saved: the desk works with them from now on.
    Settings(Box<Settings>),
    /// The connection was saved: the sync talks to the provider with it;
    /// then the task (the next step).
    Connected(Notice, Task<Message>),
    /// The pool changed: the counts reload.
    PoolChanged(Task<Message>),
    /// The setup is over (finished or left for later): open the desk.
    Done(Box<Settings>, Notice),
}

pub struct Setup {
    step: Step,
    draft: Settings,
    connection: Connection,
    pool: pool::Pool,
    printers: Vec<String>,
    test_slip: TestSlip,
    problems: Vec<String>,
    saving: bool,
    /// «Настроить позже» was pressed.
    skipped: bool,
}

impl Setup {
    /// The setup at the step it was left at (or the first).
    pub fn open(ctx: &Context, db: &Db) -> (Setup, Task<Message>) {
        let step = Step::from_index(ctx.settings.setup_step.unwrap_or(0));
        let (pool, pool_task) = pool::Pool::open(db);
        let setup = Setup {
            step,
            draft: ctx.settings.clone(),
            connection: Connection::new(ctx),
            pool,
            printers: Vec::new(),
            test_slip: TestSlip::default(),
            problems: Vec::new(),
            saving: false,
            skipped: false,
        };
        let printers = Task::perform(
            async {
                tokio::task::spawn_blocking(services::slips::printers)
                    .await
                    .unwrap_or_default()
            },
            Message::Printers,
        );
        (setup, Task::batch([pool_task.map(Message::Pool), printers]))
    }

    pub fn step(&self) -> Step {
        self.step
    }

    pub fn update(
        &mut self,
        message: Message,
        db: &Db,
        ctx: &Context,
        dialogs: &Dialogs,
    ) -> Action {
        match message {
            Message::Edit(field, v) => {
                match field {
                    Field::Library => self.draft.library_name = v,
                    Field::Desk => self.draft.desk_name = v,
                    Field::Staff => self.draft.staff_name = v,
                    Field::Media => self.draft.receipt_media = v,
                }
                Action::None
            }
            Message::Connection(m) => match self.connection.update(m, db, ctx, dialogs) {
                connection::Action::None => Action::None,
                connection::Action::Run(t) => Action::Run(t.map(Message::Connection)),
                connection::Action::Saved(notice) => {
                    // Saved by «Далее»: go on to the next step.
                    let then = match self.save(Some(self.step.next()), db, ctx) {
                        Action::Run(t) => t,
                        _ => Task::none(),
                    };
                    Action::Connected(notice, then)
                }
            },
            Message::Mode(m) => {
                self.draft.access_mode = m;
                Action::None
            }
            Message::Pool(m) => {
                let env = Env { db, ctx, dialogs };
                match self.pool.update(m, &env) {
                    pool::Action::None | pool::Action::Error(_) => Action::None,
                    pool::Action::Run(t) => Action::Run(t.map(Message::Pool)),
                    pool::Action::Imported(_, then) => Action::PoolChanged(then.map(Message::Pool)),
                }
            }
            Message::Printers(list) => {
                self.printers = list;
                Action::None
            }
            Message::PickPrinter(p) => {
                self.draft.printer = if p == DEFAULT_PRINTER {
                    String::new()
                } else {
                    p
                };
                self.test_slip = TestSlip::default();
                Action::None
            }
            Message::Layout(l) => {
                self.draft.slip_layout = l;
                Action::None
            }
            Message::TestSlip(m) => Action::Run(
                self.test_slip
                    .update(m, &self.draft, ctx, dialogs)
                    .map(Message::TestSlip),
            ),
            Message::Next => self.next(db, ctx, dialogs),
            Message::SkipStep => self.save(Some(self.step.next()), db, ctx),
            Message::Back => {
                self.problems.clear();
                self.step = self.step.previous();
                Action::None
            }
            Message::SkipAll => {
                self.skipped = true;
                self.save(None, db, ctx)
            }
            Message::Finish => self.save(None, db, ctx),
            Message::Saved(result, settings, to) => {
                self.saving = false;
                match (result, to) {
                    (Ok(()), Some(step)) => {
                        self.problems.clear();
                        self.step = step;
                        Action::Settings(settings)
                    }
                    (Ok(()), None) => Action::Done(
                        settings,
                        Notice::success(if self.skipped {
                            "Настройка отложена: всё можно настроить в «Настройках» (F9), там же — \
                             «Пройти первоначальную настройку заново…»."
                        } else {
                            "Настройка завершена. Всё, что в ней было, можно изменить в «Настройках» (F9)."
                        }),
                    ),
                    (Err(e), _) => {
                        self.problems = vec![e];
                        Action::None
                    }
                }
            }
        }
    }

    /// «Далее»: the connection step saves the connection (when something
    /// was typed) before moving on; the others save the settings.
    fn next(&mut self, db: &Db, ctx: &Context, dialogs: &Dialogs) -> Action {
        if self.step == Step::Connection && !self.connection.untouched() {
            let before = self.connection.is_saved();
            let action = self
                .connection
                .update(connection::Message::Save, db, ctx, dialogs);
            return match action {
                connection::Action::Run(t) => Action::Run(t.map(Message::Connection)),
                // Nothing to save (the form has problems, now shown).
                _ if before => self.save(Some(self.step.next()), db, ctx),
                _ => Action::None,
            };
        }
        self.save(Some(self.step.next()), db, ctx)
    }

    /// Saves the draft with the step to resume at (`None`: the setup is over).
    fn save(&mut self, to: Option<Step>, db: &Db, ctx: &Context) -> Action {
        if self.saving {
            return Action::None;
        }
        let mut new = self.draft.clone();
        new.setup_step = to.map(Step::index);
        if self.step == Step::Library && to.is_some_and(|t| t != Step::Library) {
            let problems = new.problems();
            if !problems.is_empty() {
                self.problems = problems;
                return Action::None;
            }
        }
        self.saving = true;
        let ctx = ctx.clone();
        let saved = new.clone();
        Action::Run(Task::perform(
            db.call(move |s| settings::save(s, &ctx, &new)),
            move |r| {
                Message::Saved(
                    r.map(|_| ()).map_err(|e| e.form_text()),
                    Box::new(saved.clone()),
                    to,
                )
            },
        ))
    }

    pub fn view<'a>(
        &'a self,
        counts: Option<PoolCounts>,
        ctx: &'a Context,
    ) -> Element<'a, Message> {
        let steps = Step::ALL
            .iter()
            .enumerate()
            .fold(row![].spacing(space::S), |r, (i, s)| {
                let current = *s == self.step;
                r.push(
                    text(format!("{}. {}", i + 1, s.title()))
                        .size(size::SMALL)
                        .font(if current {
                            FONT_BOLD
                        } else {
                            theme::FONT_REGULAR
                        })
                        .style(if current {
                            text::primary
                        } else {
                            text::secondary
                        }),
                )
            });
        let head = column![
            row![
                column![
                    text("Kafedra — первый запуск").size(size::LARGE).font(FONT_BOLD),
                    text("Несколько шагов, чтобы рабочее место было готово. Всё это потом есть в «Настройках» (F9).")
                        .size(size::SMALL)
                        .style(text::secondary),
                ]
                .spacing(space::HAIR)
                .width(Fill),
                button(text("Настроить позже"))
                    .on_press(Message::SkipAll)
                    .padding([8, 14])
                    .style(button::secondary),
            ]
            .align_y(iced::Center),
            steps,
        ]
        .spacing(space::M);
        let body = match self.step {
            Step::Library => self.library(),
            Step::Connection => self.connection(),
            Step::Access => self.access(),
            Step::Pool => self.pool(counts, ctx),
            Step::Printer => self.printer(),
            Step::Done => self.done(counts),
        };
        let mut page = column![theme::title(self.step.title()), body].spacing(space::L);
        if !self.problems.is_empty() {
            page = page.push(theme::errors(self.problems.clone()));
        }
        page = page.push(self.buttons());
        column![
            container(head)
                .padding([12, 16])
                .style(theme::header)
                .width(Fill),
            container(scrollable(
                container(page).padding(20).style(theme::panel).width(Fill)
            ))
            .padding([16, 24])
            .width(Fill)
            .height(Fill),
        ]
        .into()
    }

    fn buttons(&self) -> Element<'_, Message> {
        let mut r = row![].spacing(space::M).align_y(iced::Center);
        if self.step != Step::Library {
            r = r.push(
                button(text("← Назад"))
                    .on_press(Message::Back)
                    .padding([10, 16])
                    .style(button::text),
            );
        }
        if self.step == Step::Done {
            return r
                .push(
                    button(text("Начать работу").font(FONT_BOLD))
                        .on_press_maybe((!self.saving).then_some(Message::Finish))
                        .padding([10, 18])
                        .style(button::primary),
                )
                .into();
        }
        if matches!(self.step, Step::Connection | Step::Pool | Step::Printer) {
            r = r.push(
                button(text("Пропустить шаг"))
                    .on_press_maybe((!self.saving).then_some(Message::SkipStep))
                    .padding([10, 16])
                    .style(button::secondary),
            );
        }
        r.push(
            button(text("Далее →").font(FONT_BOLD))
                .on_press_maybe((!self.saving).then_some(Message::Next))
                .padding([10, 18])
                .style(button::primary),
        )
        .into()
    }

    fn library(&self) -> Element<'_, Message> {
        let d = &self.draft;
        column![
            labelled(
                "Название библиотеки (на памятках и в отчётах)",
                LIBRARY_ID,
                &d.library_name,
                Field::Library
            ),
            row![
                labelled(
                    "Рабочее место (например, «Кафедра обслуживания, 1 этаж»; пусто — имя компьютера)",
                    DESK_ID,
                    &d.desk_name,
                    Field::Desk
                ),
                labelled(
                    "Сотрудник за кафедрой (попадает в журнал)",
                    STAFF_ID,
                    &d.staff_name,
                    Field::Staff
                ),
            ]
            .spacing(space::L),
        ]
        .spacing(space::M)
        .into()
    }

    fn connection(&self) -> Element<'_, Message> {
        column![
            text(
                "Данные подключения выдаёт ЭБС (ЛитРес: Библиотека) по договору: адрес, идентификатор \
                 и секретный ключ приложения, номер библиотеки, логин и пароль. Секреты хранятся в \
                 файле, который может читать только эта учётная запись Windows/Linux; в журнал и \
                 в отчёты они не попадают. Без подключения можно работать с пулом логинов, а \
                 запросы читателей и фонд появятся, когда подключение будет настроено."
            )
            .size(size::SMALL)
            .style(text::secondary),
            self.connection.view(false).map(Message::Connection),
        ]
        .spacing(space::M)
        .into()
    }

    fn access(&self) -> Element<'_, Message> {
        let mode = Some(self.draft.access_mode);
        column![
            radio(
                "Логины из пула: ЭБС присылает список логинов и паролей, библиотека выдаёт \
                 свободный логин читателю",
                AccessMode::Pool,
                mode,
                Message::Mode
            ),
            radio(
                "Карты в ЭБС: кафедра создаёт читателю учётную запись в ЭБС (нужно подключение)",
                AccessMode::Provider,
                mode,
                Message::Mode
            ),
            text("Это можно изменить позже в «Настройках» → «Доступ к ЭБС».")
                .size(size::SMALL)
                .style(text::secondary),
        ]
        .spacing(space::M)
        .into()
    }

    fn pool<'a>(&'a self, counts: Option<PoolCounts>, ctx: &'a Context) -> Element<'a, Message> {
        if self.draft.access_mode == AccessMode::Provider {
            return text(
                "Учётные записи создаёт ЭБС, поэтому список логинов не нужен. Если ЭБС пришлёт \
                 список, его можно загрузить позже на вкладке «Пул логинов» (F3).",
            )
            .into();
        }
        self.pool.view(counts, ctx).map(Message::Pool)
    }

    fn printer(&self) -> Element<'_, Message> {
        let mut names = vec![DEFAULT_PRINTER.to_owned()];
        names.extend(self.printers.iter().cloned());
        let chosen = if self.draft.printer.is_empty() {
            DEFAULT_PRINTER.to_owned()
        } else {
            self.draft.printer.clone()
        };
        if !names.contains(&chosen) {
            names.push(chosen.clone());
        }
        let mut col = column![
            row![
                column![
                    text("Принтер для памяток")
                        .size(size::SMALL)
                        .style(text::secondary),
                    pick_list(names, Some(chosen), Message::PickPrinter).padding(6),
                ]
                .spacing(space::XS)
                .width(Fill),
                column![
                    text("Формат памятки")
                        .size(size::SMALL)
                        .style(text::secondary),
                    pick_list(
                        SlipLayout::ALL,
                        Some(self.draft.slip_layout),
                        Message::Layout
                    )
                    .padding(6),
                ]
                .spacing(space::XS)
                .width(Fill),
            ]
            .spacing(space::L),
        ]
        .spacing(space::M);
        if self.printers.is_empty() {
            col = col.push(
                text(
                    "Система печати не назвала ни одного принтера: памятки пойдут на принтер по \
                     умолчанию, а читателям можно сохранять их в PDF.",
                )
                .size(size::SMALL)
                .style(text::secondary),
            );
        }
        if self.draft.slip_layout == SlipLayout::Receipt {
            col = col.push(labelled(
                "Бумага для чека 80 мм (параметр media CUPS, например Custom.80x200mm; пусто — как настроен принтер)",
                "setup-media",
                &self.draft.receipt_media,
                Field::Media,
            ));
        }
        col = col.push(self.test_slip.view().map(Message::TestSlip));
        col.into()
    }

    fn done(&self, counts: Option<PoolCounts>) -> Element<'_, Message> {
        let d = &self.draft;
        let connection = if self.connection.works() {
            "сохранено и проверено"
        } else if self.connection.is_saved() {
            "сохранено, не проверено"
        } else {
            "не настроено (его можно настроить в «Настройках» → «Подключение к ЭБС»)"
        };
        let pool = match (d.access_mode, counts) {
            (AccessMode::Provider, _) => "логины создаёт ЭБС".to_owned(),
            (AccessMode::Pool, Some(c)) if c.total() > 0 => format!(
                "в пуле {}, свободно {}",
                counted(c.total(), "логин", "логина", "логинов"),
                c.free
            ),
            (AccessMode::Pool, _) => {
                "пул логинов пуст: загрузите список на вкладке «Пул логинов» (F3)".to_owned()
            }
        };
        let printer = if d.printer.is_empty() {
            "принтер по умолчанию".to_owned()
        } else {
            format!("принтер «{}»", d.printer)
        };
        let lines = [
            format!("Библиотека: {}", d.library_name),
            format!(
                "Рабочее место: {}; сотрудник: {}",
                if d.desk_name.trim().is_empty() {
                    "имя компьютера"
                } else {
                    d.desk_name.as_str()
                },
                if d.staff_name.trim().is_empty() {
                    "не указан"
                } else {
                    d.staff_name.as_str()
                }
            ),
            format!("Подключение к ЭБС: {connection}"),
            format!("Доступ: {}; {pool}", d.access_mode.label()),
            format!("Памятки: {}, {printer}", d.slip_layout.label()),
        ];
        lines
            .into_iter()
            .fold(column![].spacing(space::S), |c, l| c.push(text(l)))
            .into()
    }
}

fn labelled<'a>(
    label: &'a str,
    id: &'static str,
    value: &'a str,
    field: Field,
) -> Element<'a, Message> {
    column![
        text(label).size(size::SMALL).style(text::secondary),
        text_input("", value)
            .id(id)
            .on_input(move |v| Message::Edit(field, v))
            .on_submit(Message::Next)
            .padding(8),
    ]
    .spacing(space::XS)
    .width(Fill)
    .into()
}
