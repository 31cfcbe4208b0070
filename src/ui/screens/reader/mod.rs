//! The reader's page: details, the «Доступ к ЭБС» panel (grant access, show
//! the password, print the slip, block and replace the login) and the
//! reader's history; then the reader's lending: «Книгооборот»
//! ([`circulation`]), issuing a book of the fund without a request
//! ([`issue`]) and the reader's own lending settings ([`lending`]). State and
//! update here and in those modules; the layout in [`view`], the access
//! panel in [`panel`].

mod circulation;
mod issue;
mod lending;
mod panel;
mod view;

use std::path::PathBuf;

use iced::Task;
use kafedra_core::config::{AccessMode, SlipLayout};
use kafedra_core::domain::BlockReason;
use kafedra_core::domain::reader::Channel;
use kafedra_core::domain::records::{Binding, ReaderId};
use kafedra_core::services::access::{self, Granted};
use kafedra_core::services::readers::{self, Contacts, ReaderProfile};
use kafedra_core::services::slips::PrintJob;
use kafedra_core::services::{self, Changed, Context, Db, Store, slips};
use kafedra_core::slip::PrintError;

use self::circulation::Circulation;
use self::issue::IssueDesk;
use self::lending::LendingForm;
use super::{Effect, Env, Message as ScreenMessage};
use crate::ui::shell::Notice;

pub use self::circulation::CirculationMessage;
pub use self::issue::IssueMessage;
pub use self::lending::LendingMessage;

type Answer<T> = Result<T, services::Error>;

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Answer<Box<ReaderProfile>>),
    ShowContacts,
    Contacts(Answer<Contacts>),
    ShowPassword,
    HidePassword,
    Password(Answer<String>),
    /// Grant access: bind the proposed login, or have the provider create
    /// the reader's card (Settings say which).
    Bind,
    Granted(Answer<Granted>),
    Layout(SlipLayout),
    Print,
    /// The slip is rendered; the print system gets it next, off the store.
    PrintReady(Answer<PrintJob>),
    PrintSent(Box<PrintJob>, Result<String, PrintError>),
    Printed(Answer<String>),
    SavePdf,
    SavePath(Option<PathBuf>),
    Saved(Answer<PathBuf>),
    StartBlock,
    BlockReason(BlockReason),
    BlockComment(String),
    ConfirmBlock,
    CancelBlock,
    Blocked(Answer<Binding>),
    Back,
    /// One of the page's sections is chosen.
    Section(Section),
    /// The reader's writes still waiting for the provider.
    Waiting(Answer<Vec<String>>),
    Circulation(CirculationMessage),
    Issue(IssueMessage),
    Lending(LendingMessage),
}

/// The sections of the reader's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Section {
    /// Details, access to the provider, the journal of the card.
    #[default]
    Card,
    /// «Книгооборот»: requests, issues, refusals, purchases, loans.
    Circulation,
    /// «Выдать из фонда»: a book of the fund without a request.
    Issue,
    /// The reader's own lending settings.
    Lending,
}

impl Section {
    pub const ALL: [Section; 4] = [
        Section::Card,
        Section::Circulation,
        Section::Issue,
        Section::Lending,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Section::Card => "Карточка",
            Section::Circulation => "Книгооборот",
            Section::Issue => "Выдать из фонда",
            Section::Lending => "Настройки выдачи",
        }
    }
}

impl Message {
    /// The answer of a service that made the page busy (it ends "busy").
    /// Revealing contacts or the password does not make it busy.
    fn is_answer(&self) -> bool {
        matches!(
            self,
            Message::Granted(_)
                | Message::Printed(_)
                | Message::PrintReady(Err(_))
                | Message::Saved(_)
                | Message::Blocked(_)
        )
    }
}

/// What the reader's page hands up.
pub enum Action {
    None,
    Run(Task<Message>),
    /// Show the notice, then go on with the task.
    Notify(Notice, Task<Message>),
    /// A login was bound or blocked: the pool changed.
    LoginsChanged(Notice, Task<Message>),
    /// The creation of the reader's card at the provider is queued: sync now.
    Queued(Notice, Task<Message>),
    /// A direct issue or the reader's settings are queued: sync now.
    LendingQueued(Notice, Task<Message>),
    Back,
}

pub fn effect(action: Action) -> Effect {
    let map = |task: Task<Message>| task.map(ScreenMessage::Reader);
    match action {
        Action::None => Effect::None,
        Action::Run(task) => Effect::Run(map(task)),
        Action::Notify(notice, then) => Effect::Notify(notice, map(then)),
        Action::LoginsChanged(notice, then) => Effect::Changed(Changed::LOGINS, notice, map(then)),
        Action::Queued(notice, then) => Effect::Queued(Changed::LOGINS, notice, map(then)),
        Action::LendingQueued(notice, then) => Effect::Queued(Changed::REQUESTS, notice, map(then)),
        Action::Back => Effect::Back,
    }
}

struct BlockForm {
    reason: BlockReason,
    comment: String,
}

pub struct ReaderPage {
    id: ReaderId,
    profile: Option<ReaderProfile>,
    contacts: Option<Contacts>,
    password: Option<String>,
    layout: SlipLayout,
    block: Option<BlockForm>,
    /// A service started here has not answered yet.
    busy: bool,
    error: Option<String>,
    section: Section,
    /// The reader's direct issues and settings not yet sent to the provider.
    waiting: Vec<String>,
    circulation: Circulation,
    issue: IssueDesk,
    lending: LendingForm,
}

impl ReaderPage {
    pub fn open(id: ReaderId, db: &Db, ctx: &Context) -> (ReaderPage, Task<Message>) {
        let profile = ReaderPage {
            id,
            profile: None,
            contacts: None,
            password: None,
            layout: ctx.settings.slip_layout,
            block: None,
            busy: false,
            error: None,
            section: Section::Card,
            waiting: Vec::new(),
            circulation: Circulation::default(),
            issue: IssueDesk::default(),
            lending: LendingForm::default(),
        };
        let ctx = ctx.clone();
        let task = Task::batch([
            Task::perform(
                db.call(move |s| readers::open(s, &ctx, id).map(Box::new)),
                Message::Loaded,
            ),
            profile.load_waiting(db),
        ]);
        (profile, task)
    }

    /// Reloads after an action here or a sync (not a new view in the
    /// journal): the card, and whatever section has been loaded.
    pub fn reload(&self, db: &Db, _ctx: &Context) -> Task<Message> {
        let id = self.id;
        Task::batch([
            Task::perform(
                db.call(move |s| readers::reload(s, id).map(Box::new)),
                Message::Loaded,
            ),
            self.load_waiting(db),
            self.circulation.reload(id, db),
            self.issue.reload(id, db),
            self.lending.reload(id, db),
        ])
    }

    fn load_waiting(&self, db: &Db) -> Task<Message> {
        let id = self.id;
        Task::perform(
            db.call(move |s| services::lending::waiting(s, id)),
            Message::Waiting,
        )
    }

    /// Shows a section, loading what it shows the first time.
    fn show(&mut self, section: Section, db: &Db) -> Action {
        self.section = section;
        let id = self.id;
        let task = match section {
            Section::Card => Task::none(),
            Section::Circulation => self.circulation.open(id, db),
            Section::Issue => self.issue.open(id, db),
            Section::Lending => self.lending.open(id, db),
        };
        Action::Run(task)
    }

    /// Runs a service for this reader in the background; the page is busy
    /// until the answer comes back as `done`.
    fn run<T: Send + 'static>(
        &mut self,
        db: &Db,
        service: impl FnOnce(&mut Store) -> Answer<T> + Send + 'static,
        done: fn(Answer<T>) -> Message,
    ) -> Action {
        self.busy = true;
        self.error = None;
        Action::Run(Task::perform(db.call(service), done))
    }

    pub fn update(&mut self, message: Message, env: &Env<'_>) -> Action {
        if message.is_answer() {
            self.busy = false;
        }
        match message {
            Message::Loaded(Ok(profile)) => {
                self.profile = Some(*profile);
                Action::None
            }
            Message::Loaded(Err(e)) => {
                self.error = Some(e.to_string());
                Action::None
            }
            Message::Bind => self.grant(env.db, env.ctx),
            Message::Granted(Ok(granted)) => self.granted(granted, env.db, env.ctx),
            Message::Back => Action::Back,
            Message::ShowContacts
            | Message::Contacts(_)
            | Message::ShowPassword
            | Message::HidePassword
            | Message::Password(_) => self.reveal(message, env),
            Message::Layout(_)
            | Message::Print
            | Message::PrintReady(_)
            | Message::PrintSent(..)
            | Message::Printed(_)
            | Message::SavePdf
            | Message::SavePath(_)
            | Message::Saved(_) => self.slip(message, env),
            Message::StartBlock
            | Message::BlockReason(_)
            | Message::BlockComment(_)
            | Message::CancelBlock
            | Message::ConfirmBlock
            | Message::Blocked(_) => self.block(message, env),
            Message::Granted(Err(e)) => self.failed(e, env),
            Message::Section(section) => self.show(section, env.db),
            Message::Waiting(Ok(lines)) => {
                self.waiting = lines;
                Action::None
            }
            // The card itself still shows; the section says nothing more.
            Message::Waiting(Err(_)) => Action::None,
            Message::Circulation(m) => {
                self.circulation.update(m);
                Action::None
            }
            Message::Issue(m) => self.issue_update(m, env),
            Message::Lending(m) => self.lending_update(m, env),
        }
    }

    /// A service refused or failed: say why, show the card as it now is.
    fn failed(&mut self, e: services::Error, env: &Env<'_>) -> Action {
        self.error = Some(e.to_string());
        Action::Notify(Notice::error(e.to_string()), self.reload(env.db, env.ctx))
    }

    /// Contacts and password: shown on request, each reveal journaled.
    fn reveal(&mut self, message: Message, env: &Env<'_>) -> Action {
        let (id, db, ctx) = (self.id, env.db, env.ctx.clone());
        match message {
            Message::ShowContacts => Action::Run(Task::perform(
                db.call(move |s| readers::reveal_contacts(s, &ctx, id)),
                Message::Contacts,
            )),
            Message::Contacts(Ok(c)) => {
                self.contacts = Some(c);
                Action::Run(self.reload(db, env.ctx))
            }
            Message::ShowPassword => Action::Run(Task::perform(
                db.call(move |s| access::reveal_password(s, &ctx, id)),
                Message::Password,
            )),
            Message::Password(Ok(p)) => {
                self.password = Some(p);
                Action::Run(self.reload(db, env.ctx))
            }
            Message::HidePassword => {
                self.password = None;
                Action::None
            }
            Message::Contacts(Err(e)) | Message::Password(Err(e)) => self.failed(e, env),
            _ => Action::None,
        }
    }

    /// The access slip: layout, print, save as PDF.
    fn slip(&mut self, message: Message, env: &Env<'_>) -> Action {
        let (id, db, ctx, layout) = (self.id, env.db, env.ctx.clone(), self.layout);
        match message {
            Message::Layout(l) => {
                self.layout = l;
                Action::None
            }
            Message::Print if self.busy || !self.has_binding() => Action::None,
            Message::Print => self.run(
                db,
                move |s| slips::prepare_print(s, &ctx, id, layout),
                Message::PrintReady,
            ),
            // The print system may take its time: the store stays free.
            Message::PrintReady(Ok(job)) => Action::Run(Task::perform(
                async move {
                    let sending = job.clone();
                    let sent =
                        tokio::task::spawn_blocking(move || slips::send_to_printer(&sending))
                            .await
                            .unwrap_or_else(|e| Err(PrintError::Spawn(e.to_string())));
                    (Box::new(job), sent)
                },
                |(job, sent)| Message::PrintSent(job, sent),
            )),
            Message::PrintSent(job, sent) => Action::Run(Task::perform(
                db.call(move |s| slips::record_print(s, &ctx, &job, sent)),
                Message::Printed,
            )),
            Message::Printed(Ok(job)) => Action::Notify(
                Notice::success(format!("Памятка отправлена на печать: {job}")),
                self.reload(db, env.ctx),
            ),
            Message::SavePdf if !self.has_binding() => Action::None,
            Message::SavePdf => {
                let name = self
                    .profile
                    .as_ref()
                    .map(|c| format!("Памятка {} {}.pdf", c.reader.surname, c.reader.card))
                    .unwrap_or_else(|| "Памятка.pdf".into());
                Action::Run(env.dialogs.save_pdf(name).map(Message::SavePath))
            }
            Message::SavePath(None) => Action::None,
            Message::SavePath(Some(path)) => self.run(
                db,
                move |s| slips::save(s, &ctx, id, layout, &path),
                Message::Saved,
            ),
            Message::Saved(Ok(path)) => Action::Notify(
                Notice::success(format!("Памятка сохранена: {}", path.display())),
                self.reload(db, env.ctx),
            ),
            Message::PrintReady(Err(e)) | Message::Printed(Err(e)) | Message::Saved(Err(e)) => {
                self.failed(e, env)
            }
            _ => Action::None,
        }
    }

    /// Blocking the login: the form, then the block itself.
    fn block(&mut self, message: Message, env: &Env<'_>) -> Action {
        match message {
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
                let Some(b) = self.block.as_ref().filter(|_| !self.busy) else {
                    return Action::None;
                };
                let (id, ctx) = (self.id, env.ctx.clone());
                let (reason, comment) = (b.reason, b.comment.clone());
                self.run(
                    env.db,
                    move |s| access::block(s, &ctx, id, reason, &comment),
                    Message::Blocked,
                )
            }
            Message::Blocked(Ok(b)) => {
                self.block = None;
                self.password = None;
                Action::LoginsChanged(
                    Notice::success(format!(
                        "Логин {} заблокирован. Выдайте читателю новый логин (Ctrl+L).",
                        b.account.login
                    )),
                    self.reload(env.db, env.ctx),
                )
            }
            Message::Blocked(Err(e)) => self.failed(e, env),
            _ => Action::None,
        }
    }

    /// Grants access: the proposed pool login, or a card at the provider.
    fn grant(&mut self, db: &Db, ctx: &Context) -> Action {
        let Some(profile) = &self.profile else {
            return Action::None;
        };
        let waiting =
            ctx.settings.access_mode == AccessMode::Provider && profile.provider_waiting.is_some();
        if self.busy || profile.binding.is_some() || waiting {
            return Action::None;
        }
        let (id, proposed, ctx) = (
            self.id,
            profile.proposed.as_ref().map(|a| a.id),
            ctx.clone(),
        );
        self.run(
            db,
            move |s| access::grant(s, &ctx, id, proposed),
            Message::Granted,
        )
    }

    fn granted(&mut self, granted: Granted, db: &Db, ctx: &Context) -> Action {
        match granted {
            Granted::ProviderCardQueued => Action::Queued(
                Notice::success("Учётная запись поставлена в очередь на создание в ЭБС."),
                self.reload(db, ctx),
            ),
            Granted::Login {
                binding,
                instead_of,
            } => {
                let mut text = format!("Выдан логин {}.", binding.account.login);
                // The page shows the login at once (and can print it) before
                // its reload arrives.
                if let Some(profile) = &mut self.profile {
                    profile.binding = Some((*binding).clone());
                    profile.proposed = None;
                }
                if instead_of.is_some() {
                    text.push_str(" Предложенный логин успели выдать с другого места — выдан следующий свободный.");
                }
                let then = if ctx.settings.print_after_bind {
                    match self.profile.as_ref().map(|c| c.reader.channel) {
                        Some(Channel::Email | Channel::Web) => Task::done(Message::SavePdf),
                        _ => Task::done(Message::Print),
                    }
                } else {
                    Task::none()
                };
                Action::LoginsChanged(
                    Notice::success(text),
                    Task::batch([self.reload(db, ctx), then]),
                )
            }
        }
    }

    fn has_binding(&self) -> bool {
        self.profile.as_ref().is_some_and(|c| c.binding.is_some())
    }
}
