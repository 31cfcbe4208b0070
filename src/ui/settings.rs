//! Settings of this desk and of the library (slip texts, card numbers, pool).

use chrono::Local;
use iced::widget::{
    button, checkbox, column, container, pick_list, row, scrollable, text, text_editor, text_input,
};
use iced::{Element, Fill, Task};

use super::style::{self, FONT_BOLD, FONT_MONO};
use super::{Action, Notice};
use crate::config::{AccessMode, Settings, SlipLayout};
use crate::desk::{self, Context};
use crate::domain::card::CardPattern;
use crate::store::Db;

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
    CardPattern,
    LowWater,
    SyncInterval,
}

#[derive(Debug, Clone)]
pub enum Message {
    Edit(Key, String),
    Instructions(text_editor::Action),
    Layout(SlipLayout),
    PrintAfterBind(bool),
    Mode(AccessMode),
    Save,
    Saved(Result<Vec<String>, Vec<String>>, Box<Settings>),
}

pub struct SettingsForm {
    s: Settings,
    low_water: String,
    sync_interval: String,
    instructions: text_editor::Content,
    problems: Vec<String>,
    saving: bool,
}

impl SettingsForm {
    pub fn new(ctx: &Context) -> SettingsForm {
        SettingsForm {
            low_water: ctx.settings.pool_low_water.to_string(),
            sync_interval: ctx.settings.sync_interval_secs.to_string(),
            instructions: text_editor::Content::with_text(
                &ctx.settings.slip.instructions.join("\n"),
            ),
            s: ctx.settings.clone(),
            problems: Vec::new(),
            saving: false,
        }
    }

    pub fn update(&mut self, message: Message, db: &Db, ctx: &Context) -> Action<Message> {
        match message {
            Message::Edit(key, v) => {
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
                    Key::CardPattern => s.card_pattern = v,
                    Key::LowWater => self.low_water = v,
                    Key::SyncInterval => self.sync_interval = v,
                }
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
            Message::PrintAfterBind(v) => {
                self.s.print_after_bind = v;
                Action::None
            }
            Message::Save => {
                if self.saving {
                    return Action::None;
                }
                let mut new = self.s.clone();
                new.slip.instructions = self
                    .instructions
                    .text()
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(String::from)
                    .collect();
                match self.low_water.trim().parse::<u64>() {
                    Ok(n) => new.pool_low_water = n,
                    Err(_) => {
                        self.problems = vec![format!(
                            "Порог свободных логинов «{}» должен быть целым числом, например 20.",
                            self.low_water.trim()
                        )];
                        return Action::None;
                    }
                }
                match self.sync_interval.trim().parse::<u64>() {
                    Ok(n) if n >= 5 => new.sync_interval_secs = n,
                    _ => {
                        self.problems = vec![format!(
                            "Интервал синхронизации «{}» должен быть числом секунд не меньше 5, например 60.",
                            self.sync_interval.trim()
                        )];
                        return Action::None;
                    }
                }
                self.saving = true;
                let ctx = ctx.clone();
                let saved = new.clone();
                Action::Run(Task::perform(
                    db.call(move |s| desk::save_settings(s, &ctx, &new)),
                    move |r| Message::Saved(r, Box::new(saved.clone())),
                ))
            }
            Message::Saved(result, settings) => {
                self.saving = false;
                match result {
                    Ok(changed) => {
                        self.problems.clear();
                        let text = if changed.is_empty() {
                            "Настройки сохранены (без изменений).".to_string()
                        } else {
                            format!("Настройки сохранены: {}.", changed.join(", "))
                        };
                        Action::SettingsSaved(settings, Notice::success(text))
                    }
                    Err(problems) => {
                        self.problems = problems;
                        Action::None
                    }
                }
            }
        }
    }

    fn input<'a>(&'a self, label: &'a str, value: &'a str, key: Key) -> Element<'a, Message> {
        column![
            text(label).size(13).style(text::secondary),
            text_input("", value)
                .on_input(move |v| Message::Edit(key, v))
                .on_submit(Message::Save)
                .padding(8),
        ]
        .spacing(4)
        .width(Fill)
        .into()
    }

    pub fn view(&self) -> Element<'_, Message> {
        let s = &self.s;
        let preview = match CardPattern::parse(&s.card_pattern) {
            Ok(p) => text(format!(
                "Пример: {}",
                p.format(Local::now().date_naive(), 1)
            ))
            .font(FONT_MONO)
            .size(13),
            Err(e) => text(e).size(13).style(text::danger),
        };
        let mut col = column![
            style::title("Настройки"),
            text("Это место").font(FONT_BOLD),
            row![
                self.input("Сотрудник за кафедрой (попадает в журнал)", &s.staff_name, Key::StaffName),
                self.input("Название места (по умолчанию — имя компьютера)", &s.desk_name, Key::DeskName),
            ]
            .spacing(12),
            text("Библиотека и ЭБС").font(FONT_BOLD),
            self.input("Название библиотеки", &s.library_name, Key::LibraryName),
            row![
                self.input("Сайт ЭБС (где читать)", &s.provider_site_url, Key::SiteUrl),
                self.input("Страница библиотеки у поставщика (QR-код на памятке)", &s.library_page_url, Key::PageUrl),
            ]
            .spacing(12),
            text("Памятка").font(FONT_BOLD),
            self.input("Строка о приложениях", &s.slip.apps_text, Key::AppsText),
            column![
                text("Инструкция — по шагу в строке").size(13).style(text::secondary),
                text_editor(&self.instructions).on_action(Message::Instructions).height(110),
            ]
            .spacing(4),
            self.input("Нижняя строка (телефон, часы работы)", &s.slip.footer, Key::Footer),
            row![
                column![
                    text("Формат памятки по умолчанию").size(13).style(text::secondary),
                    pick_list(SlipLayout::ALL, Some(s.slip_layout), Message::Layout).padding(6),
                ]
                .spacing(4),
                self.input("Принтер (пусто — принтер по умолчанию)", &s.printer, Key::Printer),
            ]
            .spacing(12),
            checkbox(s.print_after_bind)
                .label("Сразу печатать памятку после выдачи логина (читателям по e-mail и с сайта — сохранять PDF)")
                .on_toggle(Message::PrintAfterBind),
            text("Доступ к ЭБС").font(FONT_BOLD),
            row![
                column![
                    text("Как читатель получает логин").size(13).style(text::secondary),
                    pick_list(AccessMode::ALL, Some(s.access_mode), Message::Mode).padding(6),
                ]
                .spacing(4)
                .width(Fill),
                self.input("Синхронизация с ЭБС — раз в столько секунд", &self.sync_interval, Key::SyncInterval),
            ]
            .spacing(12),
            text("Читательские билеты и пул").font(FONT_BOLD),
            row![
                column![
                    self.input("Шаблон номера билета: {YYYY}, {YY}, {MM}, {N:6}", &s.card_pattern, Key::CardPattern),
                    preview,
                ]
                .spacing(4)
                .width(Fill),
                self.input("Предупреждать, когда свободных логинов не больше", &self.low_water, Key::LowWater),
            ]
            .spacing(12),
        ]
        .spacing(10);
        if !self.problems.is_empty() {
            col = col.push(style::errors(self.problems.clone()));
        }
        col = col.push(
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
            .style(button::primary),
        );
        scrollable(container(col).padding(16).style(style::panel).width(Fill)).into()
    }
}
