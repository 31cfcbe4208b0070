//! The sync state in the status bar: online or offline, the last successful
//! sync, writes waiting, the last error, and «Синхронизировать». The sync
//! itself runs in a task (network and SQLite never in `update`/`view`).

use std::time::Duration;

use chrono::Local;
use iced::widget::{button, row, text};
use iced::{Element, Subscription, Task};

use super::style::FONT_BOLD;
use crate::desk::{self, Context};
use crate::domain::request::SyncStatus;
use crate::provider::Client;
use crate::provider::sync::{SyncReport, sync_once};
use crate::store::Db;

/// The connection to the provider as the app found it at start.
#[derive(Debug, Clone)]
pub enum ProviderLink {
    NotConfigured,
    Ready(Client),
    /// Configured but unusable (damaged file, unreadable CA…): the message says why.
    Broken(String),
}

impl ProviderLink {
    /// Reads the connection settings and builds the client.
    pub fn from_context(ctx: &Context) -> ProviderLink {
        match crate::config::ProviderConfig::load(&ctx.paths) {
            Ok(None) => ProviderLink::NotConfigured,
            Err(e) => ProviderLink::Broken(e),
            Ok(Some(cfg)) => match cfg.client_config(&ctx.paths) {
                Err(e) => ProviderLink::Broken(e),
                Ok(c) => match Client::new(c) {
                    Ok(client) => ProviderLink::Ready(client),
                    Err(e) => ProviderLink::Broken(e.user_message()),
                },
            },
        }
    }
}

#[derive(Debug, Clone)]
pub enum Message {
    Tick,
    Now,
    Done(Box<SyncReport>),
    Status(Result<SyncStatus, String>),
}

pub struct SyncPanel {
    link: ProviderLink,
    running: bool,
    again: bool,
    status: Option<SyncStatus>,
    last: Option<SyncReport>,
}

impl SyncPanel {
    pub fn new(link: ProviderLink) -> SyncPanel {
        SyncPanel {
            link,
            running: false,
            again: false,
            status: None,
            last: None,
        }
    }

    pub fn refresh(&self, db: &Db) -> Task<Message> {
        Task::perform(
            db.call(|s| s.sync_status().map_err(|e| e.to_string())),
            Message::Status,
        )
    }

    /// Returns the task to run and whether the sync pulled or sent anything
    /// (the screens showing provider data then reload).
    pub fn update(&mut self, message: Message, db: &Db, ctx: &Context) -> (Task<Message>, bool) {
        match message {
            Message::Tick | Message::Now => {
                let ProviderLink::Ready(client) = &self.link else {
                    return (Task::none(), false);
                };
                if self.running {
                    // One sync at a time; a request made meanwhile runs right after.
                    self.again |= matches!(message, Message::Now);
                    return (Task::none(), false);
                }
                self.running = true;
                let (db, client, actor) = (db.clone(), client.clone(), ctx.actor.clone());
                let task = Task::perform(
                    async move { sync_once(&db, &client, desk::PROVIDER, &actor).await },
                    |r| Message::Done(Box::new(r)),
                );
                (task, false)
            }
            Message::Done(report) => {
                self.running = false;
                let changed = !report.sent.is_empty()
                    || !report.refused.is_empty()
                    || report.pulled_requests > 0
                    || report.pulled_readers > 0;
                self.last = Some(*report);
                let mut tasks = vec![self.refresh(db)];
                if std::mem::take(&mut self.again) {
                    tasks.push(Task::done(Message::Now));
                }
                (Task::batch(tasks), changed)
            }
            Message::Status(Ok(s)) => {
                self.status = Some(s);
                (Task::none(), false)
            }
            Message::Status(Err(e)) => {
                self.last = Some(SyncReport {
                    error: Some(e),
                    ..SyncReport::default()
                });
                (Task::none(), false)
            }
        }
    }

    pub fn subscription(&self, ctx: &Context) -> Subscription<Message> {
        match self.link {
            ProviderLink::Ready(_) => {
                iced::time::every(Duration::from_secs(ctx.settings.sync_interval_secs.max(5)))
                    .map(|_| Message::Tick)
            }
            _ => Subscription::none(),
        }
    }

    pub fn view(&self) -> Element<'_, Message> {
        let button = |label| {
            button(text(label).size(13))
                .on_press_maybe((!self.running).then_some(Message::Now))
                .padding([2, 10])
                .style(button::secondary)
        };
        match (&self.link, &self.status) {
            (ProviderLink::NotConfigured, _) => {
                text("ЭБС: подключение не настроено (kafedra provider set …)")
                    .size(13)
                    .style(text::secondary)
                    .into()
            }
            (ProviderLink::Broken(e), _) => text(format!("ЭБС: {e}"))
                .size(13)
                .style(text::danger)
                .into(),
            (ProviderLink::Ready(_), None) => {
                row![text("ЭБС: …").size(13), button("Синхронизировать (F5)")]
                    .spacing(8)
                    .align_y(iced::Center)
                    .into()
            }
            (ProviderLink::Ready(_), Some(s)) => {
                let (state, online) = match (self.running, s.online) {
                    (true, _) => ("ЭБС: синхронизация…", true),
                    (false, Some(true)) => ("ЭБС: на связи", true),
                    (false, Some(false)) => ("ЭБС: нет связи", false),
                    (false, None) => ("ЭБС: ещё не синхронизировалась", true),
                };
                let when = s
                    .last_success
                    .map(|t| format!("синхр. {}", t.with_timezone(&Local).format("%d.%m %H:%M")))
                    .unwrap_or_else(|| "успешной синхронизации ещё не было".into());
                let mut parts = row![
                    button("Синхронизировать (F5)"),
                    text(state).size(13).font(FONT_BOLD).style(if online {
                        text::success
                    } else {
                        text::danger
                    }),
                    text(when).size(13),
                    text(format!("ждут отправки: {}", s.waiting)).size(13),
                ]
                .spacing(10)
                .align_y(iced::Center);
                if s.failed > 0 {
                    parts = parts.push(
                        text(format!("отклонено ЭБС: {}", s.failed))
                            .size(13)
                            .style(text::danger),
                    );
                }
                let mut problem = String::new();
                if let Some(e) = &s.last_error {
                    problem.push_str(e);
                    if s.waiting > 0 {
                        problem.push_str(" Решения сохранены и уйдут, когда связь восстановится.");
                    }
                }
                if let Some(url) = self.last.as_ref().and_then(|r| r.captcha_url.as_ref()) {
                    problem.push_str(&format!(" Откройте проверку: {url}"));
                }
                if !problem.is_empty() {
                    parts = parts.push(
                        text(problem.trim().to_string())
                            .size(13)
                            .style(text::danger)
                            .width(iced::Fill),
                    );
                }
                parts.into()
            }
        }
    }
}
