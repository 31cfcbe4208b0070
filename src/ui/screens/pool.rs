//! The login pool: counts, the low-water warning, importing the provider's list.

use std::path::PathBuf;

use chrono::Local;
use iced::futures::channel::mpsc;
use iced::widget::{button, column, container, progress_bar, row, scrollable, text};
use iced::{Element, Fill, Task};

use kafedra_core::domain::account::PoolCounts;
use kafedra_core::domain::records::ImportRecord;
use kafedra_core::domain::text::{counted, plural};
use kafedra_core::services::{self, Changed, Context, Db, ImportProblem, pool};

use super::{Effect, Env, Message as ScreenMessage};
use crate::ui::shell::Notice;
use crate::ui::theme::{self, FONT_BOLD, size, space};

/// How many problems of a refused file are shown; a line says how many more.
const SHOWN_ERRORS: usize = 50;

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Result<Vec<ImportRecord>, services::Error>),
    PickFile,
    Picked(Option<PathBuf>),
    Progress(usize, usize),
    Imported(Result<ImportRecord, ImportProblem>),
}

/// What the pool screen hands up.
pub enum Action {
    None,
    Run(Task<Message>),
    Error(String),
    /// A list was loaded: the pool changed.
    Imported(Notice, Task<Message>),
}

pub fn effect(action: Action) -> Effect {
    let map = |task: Task<Message>| task.map(ScreenMessage::Pool);
    match action {
        Action::None => Effect::None,
        Action::Run(task) => Effect::Run(map(task)),
        Action::Error(text) => Effect::Notify(Notice::error(text), Task::none()),
        Action::Imported(notice, then) => Effect::Changed(Changed::LOGINS, notice, map(then)),
    }
}

pub struct Pool {
    imports: Vec<ImportRecord>,
    progress: Option<(usize, usize)>,
    importing: Option<String>,
    outcome: Option<Result<ImportRecord, ImportProblem>>,
}

impl Pool {
    pub fn open(db: &Db) -> (Pool, Task<Message>) {
        let pool = Pool {
            imports: Vec::new(),
            progress: None,
            importing: None,
            outcome: None,
        };
        (pool, load(db))
    }

    /// Reloads the list of imports (the counts come with the status bar).
    pub fn reload(&self, db: &Db) -> Task<Message> {
        load(db)
    }

    pub fn update(&mut self, message: Message, env: &Env<'_>) -> Action {
        let Env { db, ctx, dialogs } = *env;
        match message {
            Message::Loaded(Ok(imports)) => {
                self.imports = imports;
                Action::None
            }
            Message::Loaded(Err(e)) => Action::Error(e.to_string()),
            Message::PickFile => {
                if self.importing.is_some() {
                    return Action::None;
                }
                Action::Run(dialogs.pick_pool_file().map(Message::Picked))
            }
            Message::Picked(None) => Action::None,
            Message::Picked(Some(path)) => {
                self.importing = Some(pool::file_name(&path));
                self.progress = None;
                self.outcome = None;
                Action::Run(import_task(db, ctx.clone(), path))
            }
            Message::Progress(done, total) => {
                self.progress = Some((done, total));
                Action::None
            }
            Message::Imported(result) => {
                self.importing = None;
                self.progress = None;
                let ok = result.is_ok();
                self.outcome = Some(result);
                if ok {
                    Action::Imported(Notice::success("Список логинов загружен."), load(db))
                } else {
                    Action::Error("Файл не загружен: в нём есть ошибки, ничего не записано.".into())
                }
            }
        }
    }

    pub fn view(&self, counts: Option<PoolCounts>, ctx: &Context) -> Element<'_, Message> {
        let c = counts.unwrap_or_default();
        let mut col = column![theme::title("Пул логинов ЭБС"), counts_row(&c)].spacing(space::XL);
        if let Some(w) = c.low_warning(ctx.settings.pool_low_water) {
            col = col.push(low_warning(w));
        }
        col = col.push(self.import_button());
        if let Some(name) = &self.importing {
            col = col.push(self.progress(name));
        }
        if let Some(result) = &self.outcome {
            col = col.push(outcome(result));
        }
        if !self.imports.is_empty() {
            col = col.push(self.past_imports());
        }
        scrollable(col).into()
    }

    /// The button that picks a provider's file, and what such a file may hold.
    fn import_button(&self) -> Element<'_, Message> {
        let load_label = if self.importing.is_some() {
            "Загрузка…"
        } else {
            "Загрузить файл… (CSV, XLSX)"
        };
        column![
            button(text(load_label).font(FONT_BOLD))
                .on_press_maybe(self.importing.is_none().then_some(Message::PickFile))
                .padding([10, 16])
                .style(button::primary),
            text(
                "Файл от поставщика: в столбцах логин и пароль (третий столбец — номер карты, если есть), \
                 с заголовком или без; разделитель «;», «,» или табуляция; кодировка UTF-8 или Windows-1251; \
                 или таблица XLSX (ODS). Файл до 50\u{A0}МБ и до 1\u{A0}000\u{A0}000 строк загружается целиком \
                 или не загружается вовсе."
            )
            .size(size::SMALL)
            .style(text::secondary),
        ]
        .spacing(space::S)
        .into()
    }

    /// How far the import of the file `name` has got: checked first, then written.
    fn progress<'a>(&self, name: &'a str) -> Element<'a, Message> {
        let Some((done, total)) = self.progress else {
            return text(format!("Проверяется файл «{name}»…")).into();
        };
        let share = if total == 0 {
            0.0
        } else {
            done as f32 / total as f32
        };
        column![
            text(format!("Загружается «{name}»: {done} из {total}")),
            progress_bar(0.0..=1.0, share),
        ]
        .spacing(space::S)
        .into()
    }

    /// The list of past imports.
    fn past_imports(&self) -> Element<'_, Message> {
        let list = self.imports.iter().fold(
            column![text("Загрузки").font(FONT_BOLD)].spacing(space::XS),
            |c, i| {
                c.push(text(format!(
                    "{} · «{}» · {} · {} · {}",
                    i.at.with_timezone(&Local).format("%d.%m.%Y %H:%M"),
                    i.file_name,
                    counted(i.rows, "логин", "логина", "логинов"),
                    i.encoding,
                    i.staff
                )))
            },
        );
        container(list)
            .padding(12)
            .width(Fill)
            .style(theme::panel)
            .into()
    }
}

/// One figure of the pool with its label.
fn number(label: &'static str, n: u64) -> Element<'static, Message> {
    container(
        column![
            text(n.to_string()).size(size::FIGURE).font(FONT_BOLD),
            text(label).style(text::secondary)
        ]
        .spacing(space::HAIR),
    )
    .padding(14)
    .width(180)
    .style(theme::panel)
    .into()
}

/// Free, assigned, blocked and all logins side by side.
fn counts_row(c: &PoolCounts) -> Element<'static, Message> {
    row![
        number("свободно", c.free),
        number("выдано", c.assigned),
        number("заблокировано", c.blocked),
        number("всего", c.total()),
    ]
    .spacing(space::L)
    .into()
}

/// The warning that free logins are running out.
fn low_warning(warning: String) -> Element<'static, Message> {
    container(text(warning))
        .padding(10)
        .width(Fill)
        .style(theme::warning_box)
        .into()
}

/// «Загружено 4 логина из файла «…» (кодировка UTF-8).»
fn loaded_text(r: &ImportRecord) -> String {
    format!(
        "{} {} из файла «{}» (кодировка {}).",
        plural(r.rows, "Загружен", "Загружено", "Загружено"),
        counted(r.rows, "логин", "логина", "логинов"),
        r.file_name,
        r.encoding
    )
}

/// The result of the last import: what was loaded, or what is wrong with the file
/// (the first [`SHOWN_ERRORS`] problems and how many more lines have them).
fn outcome(result: &Result<ImportRecord, ImportProblem>) -> Element<'_, Message> {
    match result {
        Ok(r) => container(text(loaded_text(r)))
            .padding(10)
            .width(Fill)
            .style(theme::panel)
            .into(),
        Err(problem) => {
            let mut lines = vec![problem.to_string()];
            if let ImportProblem::Rows(rows) = problem {
                lines.extend(rows.listed.iter().take(SHOWN_ERRORS).map(|r| r.to_string()));
                lines.extend(rows.more_text(SHOWN_ERRORS));
            }
            scrollable(theme::errors(lines))
                .height(iced::Length::Shrink)
                .into()
        }
    }
}

fn load(db: &Db) -> Task<Message> {
    Task::perform(db.call(|s| pool::recent_imports(s)), Message::Loaded)
}

/// Imports the file off the UI thread, streaming progress: the file is read
/// and checked on a blocking thread of its own, without the store (a big file
/// never holds up search on the desk); only the checked rows go to the store.
fn import_task(db: &Db, ctx: Context, path: PathBuf) -> Task<Message> {
    let (tx, rx) = mpsc::unbounded::<Message>();
    let db = db.clone();
    let work = async move {
        let checked = tokio::task::spawn_blocking(move || pool::parse_file(&path))
            .await
            .unwrap_or_else(|_| {
                Err(ImportProblem::Unreadable(
                    "Файл не удалось разобрать: в программе произошла ошибка. \
                     Сохраните список как CSV и загрузите его снова."
                        .into(),
                ))
            });
        let result = match checked {
            Ok(checked) => {
                let _ = tx.unbounded_send(Message::Progress(0, checked.len()));
                let progress_tx = tx.clone();
                db.call(move |s| {
                    pool::write(s, &ctx, &checked, &mut |done, total| {
                        let _ = progress_tx.unbounded_send(Message::Progress(done, total));
                    })
                })
                .await
            }
            Err(problem) => Err(problem),
        };
        let _ = tx.unbounded_send(Message::Imported(result));
    };
    Task::batch([Task::future(work).discard(), Task::run(rx, |m| m)])
}
