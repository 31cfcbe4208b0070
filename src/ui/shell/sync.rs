//! The sync state in the status bar: online or offline, the last successful
//! sync, writes waiting, the last error, and «Синхронизировать». The sync
//! itself runs in a task (network and SQLite never in `update`/`view`).

use std::time::Duration;

use chrono::{Local, Utc};
use iced::widget::{button, row, text};
use iced::{Element, Subscription, Task};
use kafedra_core::domain::priority::waited;
use kafedra_core::domain::request::SyncStatus;
use kafedra_core::domain::text::counted;
use kafedra_core::provider::sync::SyncReport;
use kafedra_core::services::provider::{self, Link};
use kafedra_core::services::{self, Changed, Context, Db};

use crate::ui::theme::{FONT_BOLD, size, space};

#[derive(Debug, Clone)]
pub enum Message {
    Tick,
    Now,
    Done(Box<SyncReport>),
    Status(Result<SyncStatus, services::Error>),
}

pub struct SyncPanel {
    link: Link,
    running: bool,
    again: bool,
    status: Option<SyncStatus>,
    last: Option<SyncReport>,
}

impl SyncPanel {
    pub fn new(link: Link) -> SyncPanel {
        SyncPanel {
            link,
            running: false,
            again: false,
            status: None,
            last: None,
        }
    }

    /// The connection was set up anew (first run, Settings): sync with it.
    pub fn set_link(&mut self, link: Link) {
        self.link = link;
    }

    pub fn refresh(&self, db: &Db) -> Task<Message> {
        Task::perform(db.call(|s| provider::status(s)), Message::Status)
    }

    /// Returns the task to run and what the sync changed (the screens
    /// showing that data then reload).
    pub fn update(&mut self, message: Message, db: &Db, ctx: &Context) -> (Task<Message>, Changed) {
        match message {
            Message::Tick | Message::Now => {
                let Some(client) = self.link.client() else {
                    return (Task::none(), Changed::default());
                };
                if self.running {
                    // One sync at a time; a request made meanwhile runs right after.
                    self.again |= matches!(message, Message::Now);
                    return (Task::none(), Changed::default());
                }
                self.running = true;
                let (db, client, ctx) = (db.clone(), client.clone(), ctx.clone());
                let asked = matches!(message, Message::Now);
                let task = Task::perform(
                    async move {
                        if asked {
                            provider::sync_now(&db, &client, &ctx).await
                        } else {
                            provider::sync(&db, &client, &ctx).await
                        }
                    },
                    |r| Message::Done(Box::new(r)),
                );
                (task, Changed::default())
            }
            Message::Done(report) => {
                self.running = false;
                let changed = provider::changed(&report);
                self.last = Some(*report);
                let mut tasks = vec![self.refresh(db)];
                if std::mem::take(&mut self.again) {
                    tasks.push(Task::done(Message::Now));
                }
                (Task::batch(tasks), changed)
            }
            Message::Status(Ok(s)) => {
                self.status = Some(s);
                (Task::none(), Changed::default())
            }
            Message::Status(Err(e)) => {
                self.last = Some(SyncReport {
                    error: Some(e.to_string()),
                    ..SyncReport::default()
                });
                (Task::none(), Changed::default())
            }
        }
    }

    pub fn subscription(&self, ctx: &Context) -> Subscription<Message> {
        match self.link {
            Link::Ready(_) => {
                iced::time::every(Duration::from_secs(ctx.settings.sync_interval_secs.max(5)))
                    .map(|_| Message::Tick)
            }
            _ => Subscription::none(),
        }
    }

    pub fn view(&self) -> Element<'_, Message> {
        match (&self.link, &self.status) {
            (Link::NotConfigured, _) => {
                text("ЭБС: подключение не настроено (Настройки → «Подключение к ЭБС»)")
                    .size(size::SMALL)
                    .style(text::secondary)
                    .into()
            }
            (Link::Broken(e), _) => text(format!("ЭБС: {e}"))
                .size(size::SMALL)
                .style(text::danger)
                .into(),
            (Link::Ready(_), None) => row![text("ЭБС: …").size(size::SMALL), self.sync_button()]
                .spacing(space::M)
                .align_y(iced::Center)
                .into(),
            (Link::Ready(_), Some(s)) => self.state(s),
        }
    }

    fn sync_button(&self) -> Element<'_, Message> {
        button(text("Синхронизировать (F5)").size(size::SMALL))
            .on_press_maybe((!self.running).then_some(Message::Now))
            .padding([2, 10])
            .style(button::secondary)
            .into()
    }

    /// Online or not, the last success, writes waiting, refusals, the problem.
    fn state<'a>(&'a self, s: &'a SyncStatus) -> Element<'a, Message> {
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
            self.sync_button(),
            text(state)
                .size(size::SMALL)
                .font(FONT_BOLD)
                .style(if online { text::success } else { text::danger }),
            text(when).size(size::SMALL),
            text(format!("ждут отправки: {}", s.waiting)).size(size::SMALL),
        ]
        .spacing(space::ML)
        .align_y(iced::Center);
        if s.pending_requests > 0 {
            let mut said = format!(
                "ждут решения: {}",
                counted(s.pending_requests, "запрос", "запроса", "запросов")
            );
            if let Some(oldest) = s.oldest_pending {
                said.push_str(&format!(" (самый давний — {})", waited(oldest, Utc::now())));
            }
            parts = parts.push(text(said).size(size::SMALL));
        }
        if s.failed > 0 {
            parts = parts.push(
                text(format!("отклонено ЭБС: {}", s.failed))
                    .size(size::SMALL)
                    .style(text::danger),
            );
        }
        let problem = self.problem(s);
        if !problem.is_empty() {
            parts = parts.push(
                text(problem)
                    .size(size::SMALL)
                    .style(text::danger)
                    .width(iced::Fill),
            );
        }
        parts.into()
    }

    /// The last error, what happens to the waiting writes, a captcha to solve.
    fn problem(&self, s: &SyncStatus) -> String {
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
        problem.trim().to_string()
    }
}
