//! The registration form of a new reader.

use iced::widget::{
    button, checkbox, column, container, operation, pick_list, row, scrollable, text, text_input,
};
use iced::{Element, Fill, Task};

use kafedra_core::config::{CONSENT_TEXT, CONSENT_VERSION};
use kafedra_core::domain::reader::{
    CONSENT_SELF_AGE, Channel, Field, FieldError, FieldErrorKind, ReaderDraft, age_on,
    parse_birth_date, validate,
};
use kafedra_core::domain::records::{DuplicateHit, Reader, ReaderId};
use kafedra_core::services::{self, Context, Db, readers};

use super::{Effect, Message as ScreenMessage};
use crate::ui::shell::Notice;
use crate::ui::theme::{self, FONT_BOLD, size, space};

pub const SURNAME_ID: &str = "reg-surname";
pub const NAME_ID: &str = "reg-name";
pub const PATRONYMIC_ID: &str = "reg-patronymic";
pub const BIRTH_ID: &str = "reg-birth";
pub const CARD_ID: &str = "reg-card";
pub const EMAIL_ID: &str = "reg-email";
pub const PHONE_ID: &str = "reg-phone";
pub const REPRESENTATIVE_ID: &str = "reg-representative";

#[derive(Debug, Clone)]
pub enum Message {
    Edit(Field, String),
    Channel(Channel),
    Consent(bool),
    ToggleConsent,
    ToggleConsentText,
    NextCard(Result<String, services::Error>),
    UseNextCard,
    Save,
    SaveAnyway,
    Saved(Result<Reader, services::Error>),
    OpenExisting(ReaderId),
    Cancel,
}

/// What the registration form hands up.
pub enum Action {
    None,
    Run(Task<Message>),
    Error(String),
    /// The reader is saved: open the card.
    Registered(ReaderId, Notice),
    /// The librarian chose an existing reader among the possible duplicates.
    OpenExisting(ReaderId),
    Cancel,
}

/// The shell's part of the form's actions.
pub fn effect(action: Action) -> Effect {
    match action {
        Action::None => Effect::None,
        Action::Run(task) => Effect::Run(task.map(ScreenMessage::Register)),
        Action::Error(text) => Effect::Notify(Notice::error(text), Task::none()),
        Action::Registered(id, notice) => Effect::Registered(id, notice),
        Action::OpenExisting(id) => Effect::OpenReader(id),
        Action::Cancel => Effect::Back,
    }
}

pub struct Register {
    draft: ReaderDraft,
    errors: Vec<FieldError>,
    duplicates: Vec<DuplicateHit>,
    attempted: bool,
    saving: bool,
    next_card: Option<String>,
    show_consent: bool,
    today: chrono::NaiveDate,
}

impl Register {
    pub fn new(draft: ReaderDraft, db: &Db, ctx: &Context) -> (Register, Task<Message>) {
        let focus = first_empty_field(&draft);
        let form = Register {
            draft,
            errors: Vec::new(),
            duplicates: Vec::new(),
            attempted: false,
            saving: false,
            next_card: None,
            show_consent: false,
            today: ctx.today(),
        };
        let ctx = ctx.clone();
        let next = Task::perform(
            db.call(move |s| readers::next_card_number(s, &ctx)),
            Message::NextCard,
        );
        (form, Task::batch([next, operation::focus(focus)]))
    }

    fn revalidate(&mut self) {
        if self.attempted {
            // Keep the card-taken message from the database until the card changes.
            let card_errors: Vec<FieldError> = self
                .errors
                .iter()
                .filter(|e| e.kind == FieldErrorKind::CardTaken)
                .cloned()
                .collect();
            self.errors = validate(&self.draft, self.today).err().unwrap_or_default();
            self.errors.extend(card_errors);
        }
    }

    pub fn update(&mut self, message: Message, db: &Db, ctx: &Context) -> Action {
        match message {
            Message::Edit(field, value) => self.edit(field, value),
            Message::Channel(c) => {
                self.draft.channel = c;
                Action::None
            }
            Message::Consent(v) => self.set_consent(v),
            Message::ToggleConsent => self.set_consent(!self.draft.consent),
            Message::ToggleConsentText => {
                self.show_consent = !self.show_consent;
                Action::None
            }
            Message::NextCard(result) => self.next_card_loaded(result),
            Message::UseNextCard => self.use_next_card(),
            Message::Save => self.save(db, ctx, false),
            Message::SaveAnyway => self.save(db, ctx, true),
            Message::Saved(result) => self.saved(result),
            Message::OpenExisting(id) => Action::OpenExisting(id),
            Message::Cancel => Action::Cancel,
        }
    }

    fn edit(&mut self, field: Field, value: String) -> Action {
        if field == Field::Card {
            self.errors.retain(|e| e.field != Field::Card);
        }
        self.duplicates.clear();
        *self.slot(field) = value;
        self.revalidate();
        Action::None
    }

    fn set_consent(&mut self, consent: bool) -> Action {
        self.draft.consent = consent;
        self.revalidate();
        Action::None
    }

    fn next_card_loaded(&mut self, result: Result<String, services::Error>) -> Action {
        match result {
            Ok(card) => {
                self.next_card = Some(card);
                Action::None
            }
            Err(e) => Action::Error(e.to_string()),
        }
    }

    fn use_next_card(&mut self) -> Action {
        if let Some(card) = &self.next_card {
            self.draft.card = card.clone();
            self.errors.retain(|e| e.field != Field::Card);
        }
        Action::None
    }

    /// The database's answer to a save.
    fn saved(&mut self, result: Result<Reader, services::Error>) -> Action {
        self.saving = false;
        match result {
            Ok(reader) => Action::Registered(
                reader.id,
                Notice::success(format!(
                    "Читатель {} зарегистрирован, билет № {}.",
                    reader.full_name(),
                    reader.card
                )),
            ),
            Err(services::Error::Invalid(errors)) => {
                self.errors = errors;
                Action::Run(operation::focus(field_id(self.errors[0].field)))
            }
            Err(services::Error::PossibleDuplicates(dups)) => {
                self.duplicates = dups;
                Action::None
            }
            Err(other) => Action::Error(other.to_string()),
        }
    }

    fn save(&mut self, db: &Db, ctx: &Context, allow_duplicates: bool) -> Action {
        if self.saving {
            return Action::None;
        }
        self.attempted = true;
        self.errors = validate(&self.draft, self.today).err().unwrap_or_default();
        if let Some(first) = self.errors.first() {
            return Action::Run(operation::focus(field_id(first.field)));
        }
        self.saving = true;
        let draft = self.draft.clone();
        let ctx = ctx.clone();
        Action::Run(Task::perform(
            db.call(move |s| readers::register(s, &ctx, &draft, allow_duplicates)),
            Message::Saved,
        ))
    }

    fn slot(&mut self, field: Field) -> &mut String {
        let d = &mut self.draft;
        match field {
            Field::Surname => &mut d.surname,
            Field::Name => &mut d.name,
            Field::Patronymic => &mut d.patronymic,
            Field::BirthDate => &mut d.birth_date,
            Field::Card => &mut d.card,
            Field::Email | Field::Contact => &mut d.email,
            Field::Phone => &mut d.phone,
            Field::Representative | Field::Consent => &mut d.representative,
        }
    }

    fn errors_of(&self, fields: &[Field]) -> Option<Element<'_, Message>> {
        let lines: Vec<&FieldError> = self
            .errors
            .iter()
            .filter(|e| fields.contains(&e.field))
            .collect();
        if lines.is_empty() {
            return None;
        }
        Some(
            lines
                .into_iter()
                .fold(column![].spacing(space::HAIR), |c, e| {
                    c.push(text(&e.message).size(size::SMALL).style(text::danger))
                })
                .into(),
        )
    }

    fn value(&self, field: Field) -> &str {
        match field {
            Field::Surname => &self.draft.surname,
            Field::Name => &self.draft.name,
            Field::Patronymic => &self.draft.patronymic,
            Field::BirthDate => &self.draft.birth_date,
            Field::Card => &self.draft.card,
            Field::Email => &self.draft.email,
            Field::Phone => &self.draft.phone,
            _ => &self.draft.representative,
        }
    }

    fn input<'a>(
        &'a self,
        label: &'a str,
        placeholder: &'a str,
        field: Field,
        required: bool,
    ) -> Element<'a, Message> {
        let mut col = column![
            text(if required {
                format!("{label} *")
            } else {
                label.to_string()
            })
            .size(size::SMALL)
            .style(text::secondary),
            text_input(placeholder, self.value(field))
                .id(field_id(field))
                .on_input(move |v| Message::Edit(field, v))
                .on_submit(Message::Save)
                .padding(8),
        ]
        .spacing(space::XS)
        .width(Fill);
        if let Some(errs) = self.errors_of(&error_fields(field)) {
            col = col.push(errs);
        }
        col.into()
    }

    /// The birth date as understood from what was typed (05031990, 5.3.90…).
    fn birth_date(&self) -> Option<chrono::NaiveDate> {
        parse_birth_date(&self.draft.birth_date, self.today).filter(|d| *d <= self.today)
    }

    fn age_hint(&self) -> Option<u32> {
        self.birth_date().map(|d| age_on(d, self.today))
    }

    fn minor(&self) -> bool {
        self.age_hint().is_some_and(|a| a < CONSENT_SELF_AGE)
    }

    pub fn view(&self) -> Element<'_, Message> {
        let minor = self.minor();
        let mut form = column![
            theme::title("Новый читатель"),
            self.name_row(),
            row![self.birth_field(), self.card_field()].spacing(space::L),
            self.contact_row(),
            text("Нужен хотя бы один способ связи: e-mail или телефон.")
                .size(size::HINT)
                .style(text::secondary),
            self.channel_row(),
        ]
        .spacing(space::XL);

        if minor || self.errors.iter().any(|e| e.field == Field::Representative) {
            form = form.push(self.representative_field());
        }
        form = form.push(self.consent_block(minor));

        if !self.duplicates.is_empty() {
            form = form.push(self.duplicates_view());
        }
        form = form.push(self.buttons());

        scrollable(container(form).padding(16).style(theme::panel).width(Fill)).into()
    }

    fn name_row(&self) -> Element<'_, Message> {
        row![
            self.input("Фамилия", "Иванова", Field::Surname, true),
            self.input("Имя", "Мария", Field::Name, true),
            self.input("Отчество", "если есть", Field::Patronymic, false),
        ]
        .spacing(space::L)
        .into()
    }

    fn contact_row(&self) -> Element<'_, Message> {
        row![
            self.input("E-mail", "name@mail.ru", Field::Email, false),
            self.input("Телефон", "+7 912 345-67-89", Field::Phone, false),
        ]
        .spacing(space::L)
        .into()
    }

    fn channel_row(&self) -> Element<'_, Message> {
        row![
            text("Канал регистрации").style(text::secondary),
            pick_list(Channel::ALL, Some(self.draft.channel), Message::Channel).padding(6),
        ]
        .spacing(space::L)
        .align_y(iced::Center)
        .into()
    }

    fn representative_field(&self) -> Element<'_, Message> {
        self.input(
            "Законный представитель (ФИО), подписавший согласие",
            "Иванова Анна Сергеевна",
            Field::Representative,
            true,
        )
    }

    fn card_field(&self) -> Element<'_, Message> {
        let card_placeholder = match &self.next_card {
            Some(n) => format!("пусто — будет присвоен № {n}"),
            None => "отсканируйте или введите".to_string(),
        };
        let mut col = column![
            text("№ читательского билета")
                .size(size::SMALL)
                .style(text::secondary),
            row![
                text_input(&card_placeholder, &self.draft.card)
                    .id(CARD_ID)
                    .on_input(|v| Message::Edit(Field::Card, v))
                    .on_submit(Message::Save)
                    .padding(8),
                button(text("Сгенерировать"))
                    .on_press_maybe(self.next_card.as_ref().map(|_| Message::UseNextCard))
                    .style(button::secondary)
                    .padding([8, 10]),
            ]
            .spacing(space::S),
        ]
        .spacing(space::XS)
        .width(Fill);
        if let Some(errs) = self.errors_of(&[Field::Card]) {
            col = col.push(errs);
        }
        col.into()
    }

    fn birth_field(&self) -> Element<'_, Message> {
        // Say the date understood, so a typed 050390 can be checked at a glance.
        let birth_label = match self.birth_date() {
            Some(d) => format!(
                "Дата рождения * ({}, возраст: {})",
                d.format("%d.%m.%Y"),
                age_on(d, self.today)
            ),
            None => "Дата рождения *".to_string(),
        };
        let mut col = column![
            text(birth_label).size(size::SMALL).style(text::secondary),
            text_input("ДД.ММ.ГГГГ", &self.draft.birth_date)
                .id(BIRTH_ID)
                .on_input(|v| Message::Edit(Field::BirthDate, v))
                .on_submit(Message::Save)
                .padding(8),
        ]
        .spacing(space::XS)
        .width(Fill);
        if let Some(errs) = self.errors_of(&[Field::BirthDate]) {
            col = col.push(errs);
        }
        col.into()
    }

    fn consent_block(&self, minor: bool) -> Element<'_, Message> {
        let signer = if minor {
            "Законный представитель"
        } else {
            "Читатель"
        };
        let toggle_label = if self.show_consent {
            "Скрыть текст согласия"
        } else {
            "Показать текст согласия"
        };
        let mut col = column![
            checkbox(self.draft.consent)
                .label(format!(
                    "{signer} подписал(а) согласие на обработку персональных данных (версия {CONSENT_VERSION}) * — Ctrl+D"
                ))
                .on_toggle(Message::Consent),
            button(text(toggle_label).size(size::SMALL))
                .on_press(Message::ToggleConsentText)
                .style(button::text)
                .padding(0),
        ]
        .spacing(space::S);
        if self.show_consent {
            col = col.push(
                container(scrollable(text(CONSENT_TEXT).size(size::SMALL)).height(160))
                    .padding(8)
                    .style(theme::panel),
            );
        }
        if let Some(errs) = self.errors_of(&[Field::Consent]) {
            col = col.push(errs);
        }
        col.into()
    }

    fn buttons(&self) -> Element<'_, Message> {
        let save_label = if self.saving {
            "Сохранение…"
        } else {
            "Сохранить (Ctrl+S)"
        };
        row![
            button(text(save_label).font(FONT_BOLD))
                .on_press_maybe((!self.saving).then_some(Message::Save))
                .padding([10, 18])
                .style(button::primary),
            button(text("Отмена (Esc)"))
                .on_press(Message::Cancel)
                .padding([10, 18])
                .style(button::secondary),
        ]
        .spacing(space::ML)
        .into()
    }

    fn duplicates_view(&self) -> Element<'_, Message> {
        let list = self
            .duplicates
            .iter()
            .fold(column![].spacing(space::S), |col, d| {
                col.push(duplicate_row(d))
            });
        container(
            column![
                text("Возможно, этот читатель уже зарегистрирован").font(FONT_BOLD),
                list,
                row![
                    text("Если это другой человек, сохраните новую запись.").width(Fill),
                    button(text("Это другой человек — сохранить"))
                        .on_press(Message::SaveAnyway)
                        .style(button::danger),
                ]
                .spacing(space::M)
                .align_y(iced::Center),
            ]
            .spacing(space::ML),
        )
        .padding(12)
        .style(theme::warning_box)
        .width(Fill)
        .into()
    }
}

/// One possible duplicate: who it is, why it matches, and a way to open it.
fn duplicate_row(d: &DuplicateHit) -> Element<'_, Message> {
    let reasons = d
        .reasons
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join(", ");
    row![
        column![
            text(&d.reader.full_name).font(FONT_BOLD),
            text(format!(
                "д. р. {} · билет № {} · {}",
                d.reader.birth_date.format("%d.%m.%Y"),
                d.reader.card,
                reasons
            ))
            .size(size::SMALL),
        ]
        .width(Fill),
        button(text("Открыть карточку"))
            .on_press(Message::OpenExisting(d.reader.id))
            .style(button::secondary),
    ]
    .spacing(space::M)
    .align_y(iced::Center)
    .into()
}

/// The fields whose errors are shown under the input of `field`: contact
/// errors go under the e-mail.
fn error_fields(field: Field) -> Vec<Field> {
    let mut fields = vec![field];
    if matches!(field, Field::Email | Field::Phone) {
        fields.push(Field::Contact);
    }
    if field == Field::Phone {
        fields.retain(|f| *f != Field::Contact);
    }
    fields
}

pub fn field_id(field: Field) -> &'static str {
    match field {
        Field::Surname => SURNAME_ID,
        Field::Name => NAME_ID,
        Field::Patronymic => PATRONYMIC_ID,
        Field::BirthDate => BIRTH_ID,
        Field::Card => CARD_ID,
        Field::Email | Field::Contact | Field::Consent => EMAIL_ID,
        Field::Phone => PHONE_ID,
        Field::Representative => REPRESENTATIVE_ID,
    }
}

/// Where the cursor goes when the form opens.
fn first_empty_field(d: &ReaderDraft) -> &'static str {
    if d.surname.trim().is_empty() {
        SURNAME_ID
    } else if d.name.trim().is_empty() {
        NAME_ID
    } else if d.birth_date.trim().is_empty() {
        BIRTH_ID
    } else {
        EMAIL_ID
    }
}
