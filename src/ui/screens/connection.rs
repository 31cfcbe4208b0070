//! The provider connection form: URL, application id and secret, the
//! library's account, an extra root certificate; «Проверить подключение»
//! makes a real signed call; «Сохранить» stores it as `kafedra provider set`
//! does. Shown in the first-run setup and in Settings → «Подключение к ЭБС».

use std::path::PathBuf;

use iced::widget::{button, column, container, row, text, text_input};
use iced::{Element, Fill, Task};

use kafedra_core::services::setup::{self, Checked, ConnectionForm};
use kafedra_core::services::{self, Context, Db};

use crate::ui::dialogs::Dialogs;
use crate::ui::shell::Notice;
use crate::ui::theme::{self, FONT_BOLD, size, space};

/// The ids of the form's inputs (tests type into them).
pub const URL_ID: &str = "connection-url";
pub const APP_ID: &str = "connection-app";
pub const SECRET_ID: &str = "connection-secret";
pub const LIBHOUSE_ID: &str = "connection-libhouse";
pub const LOGIN_ID: &str = "connection-login";
pub const PASSWORD_ID: &str = "connection-password";
pub const CA_ID: &str = "connection-ca";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Url,
    App,
    Secret,
    Libhouse,
    Login,
    Password,
    Ca,
}

#[derive(Debug, Clone)]
pub enum Message {
    Edit(Field, String),
    PickCa,
    CaPicked(Option<PathBuf>),
    Check,
    Checked(Result<Checked, String>),
    Save,
    Saved(Result<PathBuf, String>),
}

pub enum Action {
    None,
    Run(Task<Message>),
    /// Saved: the desk talks to the provider with it from now on.
    Saved(Notice),
}

pub struct Connection {
    form: ConnectionForm,
    problems: Vec<String>,
    checking: bool,
    saving: bool,
    /// The last check: what it found, or why it failed.
    checked: Option<Result<String, String>>,
    /// Saved in this form (the first-run step shows it).
    pub saved_now: bool,
}

impl Connection {
    /// The saved connection (without its secrets), or an empty form.
    pub fn new(ctx: &Context) -> Connection {
        let (form, problems) = match ConnectionForm::load(&ctx.paths) {
            Ok(f) => (f, Vec::new()),
            Err(e) => (
                ConnectionForm {
                    url: "https://".into(),
                    ..ConnectionForm::default()
                },
                vec![format!("Сохранённое подключение не прочитано: {e}")],
            ),
        };
        Connection {
            form,
            problems,
            checking: false,
            saving: false,
            checked: None,
            saved_now: false,
        }
    }

    /// A connection is saved (before or in this form).
    pub fn is_saved(&self) -> bool {
        self.form.saved
    }

    /// The last check succeeded.
    pub fn works(&self) -> bool {
        matches!(self.checked, Some(Ok(_)))
    }

    /// The form has nothing typed in that is not saved.
    pub fn untouched(&self) -> bool {
        let f = &self.form;
        !f.saved
            && f.app_id.trim().is_empty()
            && f.secret.trim().is_empty()
            && f.login.trim().is_empty()
            && f.libhouse.trim().is_empty()
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
                let f = &mut self.form;
                match field {
                    Field::Url => f.url = v,
                    Field::App => f.app_id = v,
                    Field::Secret => f.secret = v,
                    Field::Libhouse => f.libhouse = v,
                    Field::Login => f.login = v,
                    Field::Password => f.password = v,
                    Field::Ca => f.ca_file = v,
                }
                self.checked = None;
                self.problems.clear();
                Action::None
            }
            Message::PickCa => Action::Run(dialogs.pick_certificate().map(Message::CaPicked)),
            Message::CaPicked(Some(path)) => {
                self.form.ca_file = path.display().to_string();
                self.checked = None;
                Action::None
            }
            Message::CaPicked(None) => Action::None,
            Message::Check => {
                if self.checking {
                    return Action::None;
                }
                self.problems = self.form.problems();
                if !self.problems.is_empty() {
                    return Action::None;
                }
                self.checking = true;
                self.checked = None;
                let form = self.form.clone();
                let paths = ctx.paths.clone();
                Action::Run(Task::perform(
                    async move {
                        let setup = form.to_setup(&paths).map_err(|e| e.form_text())?;
                        setup::check(setup).await
                    },
                    Message::Checked,
                ))
            }
            Message::Checked(result) => {
                self.checking = false;
                self.checked = Some(result.map(|c| c.sentence()));
                Action::None
            }
            Message::Save => {
                if self.saving {
                    return Action::None;
                }
                self.problems = self.form.problems();
                if !self.problems.is_empty() {
                    return Action::None;
                }
                self.saving = true;
                let form = self.form.clone();
                let ctx = ctx.clone();
                Action::Run(Task::perform(
                    db.call(move |s| {
                        let setup = form.to_setup(&ctx.paths)?;
                        setup::save_connection(s, &ctx, setup)
                    }),
                    |r: Result<PathBuf, services::Error>| {
                        Message::Saved(r.map_err(|e| e.form_text()))
                    },
                ))
            }
            Message::Saved(Ok(file)) => {
                self.saving = false;
                self.saved_now = true;
                self.problems.clear();
                self.form.saved = true;
                self.form.saved_ca = self.form.saved_ca || !self.form.ca_file.trim().is_empty();
                self.form.secret.clear();
                self.form.password.clear();
                self.form.ca_file.clear();
                Action::Saved(Notice::success(format!(
                    "Подключение к ЭБС сохранено в {} (читать может только владелец).",
                    file.display()
                )))
            }
            Message::Saved(Err(e)) => {
                self.saving = false;
                self.problems = vec![e];
                Action::None
            }
        }
    }

    pub fn view(&self, with_save: bool) -> Element<'_, Message> {
        let f = &self.form;
        let keep = |saved: bool| {
            if saved {
                "сохранён; пусто — оставить как есть"
            } else {
                ""
            }
        };
        let mut col = column![
            input("Адрес ЭБС (https://…)", URL_ID, &f.url, Field::Url, false, ""),
            row![
                input(
                    "Идентификатор приложения",
                    APP_ID,
                    &f.app_id,
                    Field::App,
                    false,
                    ""
                ),
                input(
                    "Секретный ключ приложения",
                    SECRET_ID,
                    &f.secret,
                    Field::Secret,
                    true,
                    keep(f.saved)
                ),
            ]
            .spacing(space::L),
            row![
                input(
                    "Номер библиотеки в ЭБС (libhouse)",
                    LIBHOUSE_ID,
                    &f.libhouse,
                    Field::Libhouse,
                    false,
                    ""
                ),
                input(
                    "Логин библиотеки в ЭБС",
                    LOGIN_ID,
                    &f.login,
                    Field::Login,
                    false,
                    ""
                ),
                input(
                    "Пароль библиотеки в ЭБС",
                    PASSWORD_ID,
                    &f.password,
                    Field::Password,
                    true,
                    keep(f.saved)
                ),
            ]
            .spacing(space::L),
            row![
                input(
                    "Дополнительный корневой сертификат (CA), файл PEM — если ЭБС или прокси библиотеки его требует",
                    CA_ID,
                    &f.ca_file,
                    Field::Ca,
                    false,
                    if f.saved_ca {
                        "сохранён; пусто — оставить как есть"
                    } else {
                        "не нужен для обычной ЭБС"
                    },
                ),
                button(text("Выбрать файл…"))
                    .on_press(Message::PickCa)
                    .padding([8, 12])
                    .style(button::secondary),
            ]
            .spacing(space::M)
            .align_y(iced::Bottom),
        ]
        .spacing(space::M);
        let mut buttons = row![
            button(text(if self.checking {
                "Проверка…"
            } else {
                "Проверить подключение"
            }))
            .on_press_maybe((!self.checking).then_some(Message::Check))
            .padding([8, 14])
            .style(button::secondary),
        ]
        .spacing(space::M);
        if with_save {
            buttons = buttons.push(
                button(
                    text(if self.saving {
                        "Сохранение…"
                    } else {
                        "Сохранить подключение"
                    })
                    .font(FONT_BOLD),
                )
                .on_press_maybe((!self.saving).then_some(Message::Save))
                .padding([8, 14])
                .style(button::primary),
            );
        }
        col = col.push(buttons);
        match &self.checked {
            Some(Ok(sentence)) => {
                col = col.push(
                    container(text(sentence.clone()).style(text::success))
                        .padding(10)
                        .width(Fill)
                        .style(theme::panel),
                )
            }
            Some(Err(why)) => {
                col = col.push(theme::errors([
                    "Подключиться не удалось.".to_owned(),
                    why.clone(),
                ]))
            }
            None => {}
        }
        if !self.problems.is_empty() {
            col = col.push(theme::errors(self.problems.clone()));
        }
        col.into()
    }
}

fn input<'a>(
    label: &'a str,
    id: &'static str,
    value: &'a str,
    field: Field,
    secure: bool,
    hint: &'a str,
) -> Element<'a, Message> {
    let mut c = column![
        text(label).size(size::SMALL).style(text::secondary),
        text_input(hint, value)
            .id(id)
            .secure(secure)
            .on_input(move |v| Message::Edit(field, v))
            .padding(8),
    ]
    .spacing(space::XS)
    .width(Fill);
    if secure && !value.is_empty() {
        c = c.push(
            text(format!("введено знаков: {}", value.chars().count()))
                .size(size::CAPTION)
                .style(text::secondary),
        );
    }
    c.into()
}
