//! The reader card: details, the «Доступ к ЭБС» panel (bind, show password,
//! print the slip, block and replace the login) and the reader's history.

use std::path::PathBuf;

use chrono::Local;
use iced::widget::{button, column, container, pick_list, row, scrollable, text, text_input};
use iced::{Element, Fill, FillPortion, Task};

use super::style::{self, FONT_BOLD, FONT_MONO, FONT_MONO_BOLD};
use super::{Action, Dialogs, Notice};
use crate::config::{AccessMode, SlipLayout};
use crate::desk::{self, Context, DeskError, ReaderCard};
use crate::domain::BlockReason;
use crate::domain::reader::{Channel, age_on, format_phone, mask_contact};
use crate::domain::records::{Binding, ReaderId};
use crate::store::Db;

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Result<Box<ReaderCard>, DeskError>),
    ShowContacts,
    Contacts(Result<(Option<String>, Option<String>), DeskError>),
    ShowPassword,
    HidePassword,
    Password(Result<String, DeskError>),
    Bind,
    Bound(Result<Binding, DeskError>),
    Layout(SlipLayout),
    Print,
    Printed(Result<String, DeskError>),
    SavePdf,
    SavePath(Option<PathBuf>),
    Saved(Result<PathBuf, DeskError>),
    StartBlock,
    BlockReason(BlockReason),
    BlockComment(String),
    ConfirmBlock,
    CancelBlock,
    Blocked(Result<Binding, DeskError>),
    AccountRequested(Result<(), DeskError>),
    Back,
}

struct BlockForm {
    reason: BlockReason,
    comment: String,
}

pub struct Card {
    id: ReaderId,
    card: Option<ReaderCard>,
    contacts: Option<(Option<String>, Option<String>)>,
    password: Option<String>,
    layout: SlipLayout,
    block: Option<BlockForm>,
    busy: bool,
    error: Option<String>,
}

impl Card {
    pub fn open(id: ReaderId, db: &Db, ctx: &Context) -> (Card, Task<Message>) {
        let card = Card {
            id,
            card: None,
            contacts: None,
            password: None,
            layout: ctx.settings.slip_layout,
            block: None,
            busy: false,
            error: None,
        };
        let task = card.load(db, ctx, true);
        (card, task)
    }

    /// Reloads after a sync changed something (no new view in the journal).
    pub fn reload(&self, db: &Db, ctx: &Context) -> Task<Message> {
        self.load(db, ctx, false)
    }

    fn load(&self, db: &Db, ctx: &Context, journal_view: bool) -> Task<Message> {
        let id = self.id;
        let ctx = ctx.clone();
        Task::perform(
            db.call(move |s| {
                if journal_view {
                    desk::open_reader(s, &ctx, id).map(Box::new)
                } else {
                    desk::reload_reader(s, id).map(Box::new)
                }
            }),
            Message::Loaded,
        )
    }

    fn bound_reader_channel(&self) -> Option<Channel> {
        self.card.as_ref().map(|c| c.reader.channel)
    }

    pub fn update(
        &mut self,
        message: Message,
        db: &Db,
        ctx: &Context,
        dialogs: &Dialogs,
    ) -> Action<Message> {
        let id = self.id;
        match message {
            Message::Loaded(Ok(card)) => {
                self.card = Some(*card);
                Action::None
            }
            Message::Loaded(Err(e)) => {
                self.error = Some(e.to_string());
                Action::None
            }
            Message::ShowContacts => {
                let ctx = ctx.clone();
                Action::Run(Task::perform(
                    db.call(move |s| desk::reveal_contacts(s, &ctx, id)),
                    Message::Contacts,
                ))
            }
            Message::Contacts(Ok(c)) => {
                self.contacts = Some(c);
                Action::Run(self.load(db, ctx, false))
            }
            Message::ShowPassword => {
                let ctx = ctx.clone();
                Action::Run(Task::perform(
                    db.call(move |s| desk::reveal_password(s, &ctx, id)),
                    Message::Password,
                ))
            }
            Message::Password(Ok(p)) => {
                self.password = Some(p);
                Action::Run(self.load(db, ctx, false))
            }
            Message::HidePassword => {
                self.password = None;
                Action::None
            }
            Message::Bind => {
                let Some(card) = &self.card else {
                    return Action::None;
                };
                if self.busy || card.binding.is_some() {
                    return Action::None;
                }
                self.busy = true;
                self.error = None;
                if ctx.settings.access_mode == AccessMode::Provider {
                    if card.provider_waiting.is_some() {
                        self.busy = false;
                        return Action::None;
                    }
                    let ctx = ctx.clone();
                    return Action::Run(Task::perform(
                        db.call(move |s| desk::request_provider_account(s, &ctx, id)),
                        Message::AccountRequested,
                    ));
                }
                let proposed = card.proposed.as_ref().map(|a| a.id);
                let ctx = ctx.clone();
                Action::Run(Task::perform(
                    db.call(move |s| desk::bind_login(s, &ctx, id, proposed)),
                    Message::Bound,
                ))
            }
            Message::Bound(Ok(binding)) => {
                self.busy = false;
                let proposed = self
                    .card
                    .as_ref()
                    .and_then(|c| c.proposed.as_ref())
                    .map(|a| a.login.clone());
                let mut text = format!("Выдан логин {}.", binding.account.login);
                if proposed.is_some_and(|p| p != binding.account.login) {
                    text.push_str(" Предложенный логин успели выдать с другого места — выдан следующий свободный.");
                }
                let then = if ctx.settings.print_after_bind {
                    match self.bound_reader_channel() {
                        Some(Channel::Email | Channel::Web) => Task::done(Message::SavePdf),
                        _ => Task::done(Message::Print),
                    }
                } else {
                    Task::none()
                };
                Action::PoolChanged(
                    Notice::success(text),
                    Task::batch([self.load(db, ctx, false), then]),
                )
            }
            Message::Layout(l) => {
                self.layout = l;
                Action::None
            }
            Message::Print => {
                if self.busy || !self.has_binding() {
                    return Action::None;
                }
                self.busy = true;
                let (ctx, layout) = (ctx.clone(), self.layout);
                Action::Run(Task::perform(
                    db.call(move |s| desk::print_slip(s, &ctx, id, layout)),
                    Message::Printed,
                ))
            }
            Message::Printed(Ok(job)) => {
                self.busy = false;
                Action::Notify(
                    Notice::success(format!("Памятка отправлена на печать: {job}")),
                    self.load(db, ctx, false),
                )
            }
            Message::SavePdf => {
                if !self.has_binding() {
                    return Action::None;
                }
                let name = self
                    .card
                    .as_ref()
                    .map(|c| format!("Памятка {} {}.pdf", c.reader.surname, c.reader.card))
                    .unwrap_or_else(|| "Памятка.pdf".into());
                Action::Run(dialogs.save_pdf(name).map(Message::SavePath))
            }
            Message::SavePath(None) => Action::None,
            Message::SavePath(Some(path)) => {
                self.busy = true;
                let (ctx, layout) = (ctx.clone(), self.layout);
                Action::Run(Task::perform(
                    db.call(move |s| desk::save_slip(s, &ctx, id, layout, &path)),
                    Message::Saved,
                ))
            }
            Message::Saved(Ok(path)) => {
                self.busy = false;
                Action::Notify(
                    Notice::success(format!("Памятка сохранена: {}", path.display())),
                    self.load(db, ctx, false),
                )
            }
            Message::StartBlock => {
                self.block = Some(BlockForm {
                    reason: BlockReason::Lost,
                    comment: String::new(),
                });
                Action::None
            }
            Message::BlockReason(r) => {
                if let Some(b) = &mut self.block {
                    b.reason = r;
                }
                Action::None
            }
            Message::BlockComment(c) => {
                if let Some(b) = &mut self.block {
                    b.comment = c;
                }
                Action::None
            }
            Message::CancelBlock => {
                self.block = None;
                Action::None
            }
            Message::ConfirmBlock => {
                let Some(b) = &self.block else {
                    return Action::None;
                };
                if self.busy {
                    return Action::None;
                }
                self.busy = true;
                let (ctx, reason, comment) = (ctx.clone(), b.reason, b.comment.clone());
                Action::Run(Task::perform(
                    db.call(move |s| desk::block_login(s, &ctx, id, reason, &comment)),
                    Message::Blocked,
                ))
            }
            Message::Blocked(Ok(b)) => {
                self.busy = false;
                self.block = None;
                self.password = None;
                Action::PoolChanged(
                    Notice::success(format!(
                        "Логин {} заблокирован. Выдайте читателю новый логин (Ctrl+L).",
                        b.account.login
                    )),
                    self.load(db, ctx, false),
                )
            }
            Message::AccountRequested(Ok(())) => {
                self.busy = false;
                Action::Sync(
                    Notice::success("Учётная запись поставлена в очередь на создание в ЭБС."),
                    self.load(db, ctx, false),
                )
            }
            Message::Back => Action::Back,
            Message::AccountRequested(Err(e))
            | Message::Contacts(Err(e))
            | Message::Password(Err(e))
            | Message::Bound(Err(e))
            | Message::Printed(Err(e))
            | Message::Saved(Err(e))
            | Message::Blocked(Err(e)) => {
                self.busy = false;
                self.error = Some(e.to_string());
                Action::Notify(Notice::error(e.to_string()), self.load(db, ctx, false))
            }
        }
    }

    fn has_binding(&self) -> bool {
        self.card.as_ref().is_some_and(|c| c.binding.is_some())
    }

    pub fn view<'a>(&'a self, ctx: &'a Context) -> Element<'a, Message> {
        let Some(card) = &self.card else {
            return match &self.error {
                Some(e) => style::errors(vec![e.clone()]),
                None => text("Загрузка карточки…").into(),
            };
        };
        let r = &card.reader;
        let today = Local::now().date_naive();
        let (email, phone) = match &self.contacts {
            Some((e, p)) => (
                e.clone().unwrap_or_else(|| "—".into()),
                p.as_deref().map(format_phone).unwrap_or_else(|| "—".into()),
            ),
            None => (
                r.email
                    .as_deref()
                    .map(mask_contact)
                    .unwrap_or_else(|| "—".into()),
                r.phone
                    .as_deref()
                    .map(|p| mask_contact(&format_phone(p)))
                    .unwrap_or_else(|| "—".into()),
            ),
        };
        let consent = match &card.consent {
            Some(c) => {
                let who = match &c.by_representative {
                    Some(rep) => format!("подписал представитель {rep}"),
                    None => "подписал читатель".to_string(),
                };
                let withdrawn = c
                    .withdrawn_at
                    .map(|w| format!(" — ОТОЗВАНО {}", w.with_timezone(&Local).format("%d.%m.%Y")))
                    .unwrap_or_default();
                format!(
                    "версия {} от {}, {who}; принял(а) {}{withdrawn}",
                    c.version,
                    c.given_at.with_timezone(&Local).format("%d.%m.%Y"),
                    c.staff
                )
            }
            None => "нет согласия на обработку ПДн".to_string(),
        };
        let mut details = column![
            text(r.full_name()).size(24).font(FONT_BOLD),
            style::field("№ билета", text(&r.card).font(FONT_MONO_BOLD).size(18)),
            style::field(
                "Дата рождения",
                text(format!(
                    "{} ({} лет)",
                    r.birth_date.format("%d.%m.%Y"),
                    age_on(r.birth_date, today)
                ))
            ),
            style::field("Канал регистрации", text(r.channel.label())),
            style::field(
                "Зарегистрирован",
                text(format!(
                    "{}, {}",
                    r.created_at.with_timezone(&Local).format("%d.%m.%Y %H:%M"),
                    r.created_by
                ))
            ),
            style::field("E-mail", text(email)),
            style::field("Телефон", text(phone)),
        ]
        .spacing(8);
        if self.contacts.is_none() && (r.email.is_some() || r.phone.is_some()) {
            details = details.push(
                button(text("Показать контакты").size(13))
                    .on_press(Message::ShowContacts)
                    .style(button::secondary)
                    .padding([4, 10]),
            );
        }
        if let Some(rep) = &r.representative {
            details = details.push(style::field("Законный представитель", text(rep)));
        }
        details = details.push(style::field("Согласие на ПДн", text(consent).size(13)));

        let access = self.access_panel(card, ctx);

        let history = card.history.iter().fold(column![].spacing(4), |col, e| {
            col.push(
                row![
                    text(
                        e.at.with_timezone(&Local)
                            .format("%d.%m.%Y %H:%M")
                            .to_string()
                    )
                    .width(130)
                    .size(13),
                    text(e.label()).width(280).size(13),
                    text(&e.details).width(Fill).size(13),
                    text(&e.staff).width(160).size(13).style(text::secondary),
                ]
                .spacing(8),
            )
        });

        let mut body = column![
            row![
                container(details)
                    .padding(16)
                    .style(style::panel)
                    .width(FillPortion(1)),
                container(access)
                    .padding(16)
                    .style(style::panel)
                    .width(FillPortion(1)),
            ]
            .spacing(12),
        ]
        .spacing(12);
        if let Some(e) = &self.error {
            body = body.push(style::errors(vec![e.clone()]));
        }
        body = body.push(
            container(column![text("История").size(18).font(FONT_BOLD), history].spacing(8))
                .padding(16)
                .style(style::panel)
                .width(Fill),
        );
        body = body.push(
            button(text("← К поиску (Esc)"))
                .on_press(Message::Back)
                .style(button::text),
        );
        scrollable(body).into()
    }

    fn access_panel<'a>(&'a self, card: &'a ReaderCard, ctx: &'a Context) -> Element<'a, Message> {
        let mut col = column![text("Доступ к ЭБС").size(20).font(FONT_BOLD)].spacing(10);
        match &card.binding {
            None if ctx.settings.access_mode == AccessMode::Provider => {
                col = col.push(text("Учётной записи в ЭБС ещё нет."));
                match &card.provider_waiting {
                    Some(item) => {
                        col = col.push(
                            text("Учётная запись создаётся в ЭБС: запрос в очереди синхронизации. Логин появится здесь после ответа ЭБС.")
                                .style(text::secondary),
                        );
                        if let Some(e) = &item.last_error {
                            col = col.push(
                                text(format!("Последняя попытка: {e}"))
                                    .size(13)
                                    .style(text::danger),
                            );
                        }
                    }
                    None => {
                        col = col.push(
                            button(
                                text(if self.busy {
                                    "Отправка…"
                                } else {
                                    "Создать учётную запись в ЭБС (Ctrl+L)"
                                })
                                .font(FONT_BOLD),
                            )
                            .on_press_maybe((!self.busy).then_some(Message::Bind))
                            .padding([10, 18])
                            .style(button::primary),
                        );
                    }
                }
            }
            None => {
                col = col.push(text("Логин не выдан."));
                match &card.proposed {
                    Some(a) => {
                        col = col.push(
                            row![
                                text("Будет выдан логин: "),
                                text(&a.login).font(FONT_MONO_BOLD).size(18)
                            ]
                            .align_y(iced::Center),
                        );
                        let label = if self.busy {
                            "Выдача…"
                        } else {
                            "Выдать логин (Ctrl+L)"
                        };
                        col = col.push(
                            button(text(label).font(FONT_BOLD))
                                .on_press_maybe((!self.busy).then_some(Message::Bind))
                                .padding([10, 18])
                                .style(button::primary),
                        );
                        if ctx.settings.print_after_bind {
                            col = col.push(
                                text(match card.reader.channel {
                                    Channel::Email | Channel::Web => "После выдачи будет предложено сохранить памятку в PDF для отправки читателю.",
                                    _ => "После выдачи памятка сразу уйдёт на печать.",
                                })
                                .size(13)
                                .style(text::secondary),
                            );
                        }
                    }
                    None => {
                        col = col.push(style::errors(vec![
                            "Свободных логинов нет. Загрузите новый список: «Пул логинов» → «Загрузить файл…».".into(),
                        ]));
                    }
                }
            }
            Some(b) => {
                let password: Element<'_, Message> = match &self.password {
                    Some(p) => row![
                        text(p).font(FONT_MONO_BOLD).size(18),
                        button(text("Скрыть").size(13))
                            .on_press(Message::HidePassword)
                            .style(button::text),
                    ]
                    .spacing(8)
                    .align_y(iced::Center)
                    .into(),
                    None => row![
                        text("••••••••").font(FONT_MONO),
                        button(text("Показать пароль").size(13))
                            .on_press(Message::ShowPassword)
                            .style(button::secondary)
                            .padding([4, 10]),
                    ]
                    .spacing(8)
                    .align_y(iced::Center)
                    .into(),
                };
                col = col
                    .push(style::field(
                        "Логин",
                        text(&b.account.login).font(FONT_MONO_BOLD).size(18),
                    ))
                    .push(style::field("Пароль", password))
                    .push(style::field(
                        "Выдан",
                        text(format!(
                            "{}, {}",
                            b.bound_at.with_timezone(&Local).format("%d.%m.%Y %H:%M"),
                            b.bound_by
                        )),
                    ))
                    .push(
                        row![
                            text("Памятка").style(text::secondary).width(170),
                            pick_list(SlipLayout::ALL, Some(self.layout), Message::Layout)
                                .padding(6),
                        ]
                        .spacing(8)
                        .align_y(iced::Center),
                    )
                    .push(
                        row![
                            button(text("Печать памятки (Ctrl+P)").font(FONT_BOLD))
                                .on_press_maybe((!self.busy).then_some(Message::Print))
                                .padding([8, 14])
                                .style(button::primary),
                            button(text("Сохранить PDF…"))
                                .on_press_maybe((!self.busy).then_some(Message::SavePdf))
                                .padding([8, 14])
                                .style(button::secondary),
                        ]
                        .spacing(8),
                    );
                col = col.push(match &self.block {
                    None => Element::from(
                        button(text("Заблокировать логин…"))
                            .on_press(Message::StartBlock)
                            .style(button::danger)
                            .padding([6, 12]),
                    ),
                    Some(form) => container(
                        column![
                            text("Блокировка логина: он больше не будет выдан никому.")
                                .font(FONT_BOLD),
                            row![
                                text("Причина").width(90),
                                pick_list(
                                    BlockReason::ALL,
                                    Some(form.reason),
                                    Message::BlockReason
                                )
                                .padding(6),
                            ]
                            .spacing(8)
                            .align_y(iced::Center),
                            text_input(
                                if form.reason.needs_comment() {
                                    "Опишите причину (обязательно)"
                                } else {
                                    "Комментарий (необязательно)"
                                },
                                &form.comment
                            )
                            .on_input(Message::BlockComment)
                            .on_submit(Message::ConfirmBlock)
                            .padding(6),
                            row![
                                button(text("Заблокировать"))
                                    .on_press_maybe((!self.busy).then_some(Message::ConfirmBlock))
                                    .style(button::danger),
                                button(text("Отмена"))
                                    .on_press(Message::CancelBlock)
                                    .style(button::secondary),
                            ]
                            .spacing(8),
                        ]
                        .spacing(8),
                    )
                    .padding(10)
                    .style(style::warning_box)
                    .into(),
                });
            }
        }
        if !card.past_bindings.is_empty() {
            let past = card.past_bindings.iter().fold(
                column![text("Прежние логины").font(FONT_BOLD)].spacing(4),
                |c, b| {
                    c.push(
                        text(format!(
                            "{} — заблокирован {}: {}",
                            b.account.login,
                            b.ended_at
                                .map(|t| t.with_timezone(&Local).format("%d.%m.%Y").to_string())
                                .unwrap_or_default(),
                            b.end_reason.as_deref().unwrap_or("")
                        ))
                        .size(13),
                    )
                },
            );
            col = col.push(past);
        }
        col.into()
    }
}
