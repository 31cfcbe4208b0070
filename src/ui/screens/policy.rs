//! «Правила и приоритеты» (a page of Settings): the library's policy for the
//! requests desk as data — the priority criteria in their order with their
//! weights and conditions, the lending rules the provider does not state, the
//! wait threshold, and the refusal texts with a live preview. Saved through
//! `services::requests::save_policy`, which checks it and journals each change
//! with the staff member (the program has no roles: whoever works at the desk
//! may change it, and the journal says who did).

use std::collections::BTreeMap;
use std::sync::Arc;

use iced::widget::{
    Column, Space, button, checkbox, column, container, row, scrollable, text, text_editor,
    text_input,
};
use iced::{Element, Fill, FillPortion, Length, Task};
use kafedra_core::domain::policy::{self, BOOK, Criterion, DeskRules, Policy, READER};
use kafedra_core::domain::request::{BookKind, RefusalReason};
use kafedra_core::domain::text::plural;
use kafedra_core::services::{self, Context, Db, requests};

use crate::ui::shell::Notice;
use crate::ui::theme::{self, FONT_BOLD, size, space};

/// The refusal text being edited (tests type into it).
pub const TEMPLATE_ID: &str = "policy-template";
/// How many problems the footer lists at once.
const SHOWN_PROBLEMS: usize = 3;
/// The sample the preview fills the placeholders with.
const SAMPLE_BOOK: &str = "Тихий Дон";
const SAMPLE_READER: &str = "Мария Петровна";

/// The id of a criterion's control: `criterion-up-2`, `criterion-weight-0`…
pub fn criterion_id(what: &str, index: usize) -> String {
    format!("criterion-{what}-{index}")
}

/// A text field of a criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CField {
    Reason,
    Weight,
    AgeFrom,
    AgeTo,
    PreviousFrom,
    PreviousTo,
    YearsFrom,
    Genres,
}

/// A text field of the desk's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RField {
    OnHand,
    PriceCap,
    Copies,
    Purchases,
    WaitHours,
}

#[derive(Debug, Clone)]
pub enum Message {
    Loaded(Result<Policy, services::Error>),
    Up(usize),
    Down(usize),
    Remove(usize),
    Add,
    Toggle(usize, bool),
    /// Show or hide a criterion's conditions.
    Expand(usize),
    Criterion(usize, CField, String),
    Kind(usize, BookKind, bool),
    Rule(RField, String),
    AgeCheck(bool),
    ShowTemplate(RefusalReason),
    Template(text_editor::Action),
    /// Insert a placeholder at the cursor.
    Insert(&'static str),
    DefaultTemplate,
    /// Back to the policy as saved.
    Revert,
    Save,
    Saved(Result<Vec<String>, services::Error>, Box<Policy>),
}

/// What the editor hands up to Settings.
pub enum Action {
    None,
    Run(Task<Message>),
    /// Saved and journaled: say what changed.
    Saved(Notice),
}

/// One criterion as edited: the numbers as typed.
struct Row {
    c: Criterion,
    weight: String,
    age_from: String,
    age_to: String,
    previous_from: String,
    previous_to: String,
    years_from: String,
    genres: String,
    open: bool,
}

fn num(v: Option<u32>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

impl Row {
    fn new(c: Criterion) -> Row {
        Row {
            weight: c.weight.to_string(),
            age_from: num(c.age_from),
            age_to: num(c.age_to),
            previous_from: num(c.previous_from),
            previous_to: num(c.previous_to),
            years_from: num(c.years_from),
            genres: c.genres.join(", "),
            open: false,
            c,
        }
    }

    /// The criterion, or what is wrong with its numbers.
    fn criterion(&self, n: usize, errors: &mut Vec<String>) -> Criterion {
        let name = if self.c.reason.trim().is_empty() {
            format!("Критерий №{n}")
        } else {
            format!("Критерий №{n} («{}»)", self.c.reason.trim())
        };
        let mut opt = |label: &str, s: &str| -> Option<u32> {
            let s = s.trim();
            if s.is_empty() {
                return None;
            }
            s.parse().ok().or_else(|| {
                errors.push(format!(
                    "{name}: {label} «{s}» — не целое число (или оставьте пустым)."
                ));
                None
            })
        };
        let age_from = opt("возраст «от»", &self.age_from);
        let age_to = opt("возраст «до»", &self.age_to);
        let previous_from = opt("прежних запросов «от»", &self.previous_from);
        let previous_to = opt("прежних запросов «до»", &self.previous_to);
        let years_from = opt("стаж читателя", &self.years_from);
        let weight = match self.weight.trim().parse() {
            Ok(w) => w,
            Err(_) => {
                errors.push(format!(
                    "{name}: вес «{}» — не число; впишите от 0 до {}.",
                    self.weight.trim(),
                    policy::MAX_WEIGHT
                ));
                0
            }
        };
        Criterion {
            reason: self.c.reason.trim().to_string(),
            weight,
            age_from,
            age_to,
            previous_from,
            previous_to,
            years_from,
            genres: self
                .genres
                .split([',', ';'])
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .map(String::from)
                .collect(),
            ..self.c.clone()
        }
    }
}

/// Kopecks from a sum typed in roubles: «350», «349,50», «349.5», «1 200 ₽»,
/// «-1». `None`: not a sum.
pub(crate) fn parse_rubles(s: &str) -> Option<i64> {
    let t: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '₽')
        .collect();
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.as_str()),
    };
    let (rub, kop) = t.split_once([',', '.']).unwrap_or((t, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (rub.is_empty() && kop.is_empty()) || !digits(rub) || !digits(kop) || kop.len() > 2 {
        return None;
    }
    let rub: i64 = if rub.is_empty() { 0 } else { rub.parse().ok()? };
    let kop: i64 = match kop.len() {
        0 => 0,
        1 => kop.parse::<i64>().ok()? * 10,
        _ => kop.parse().ok()?,
    };
    let k = rub.checked_mul(100)?.checked_add(kop)?;
    Some(if negative { -k } else { k })
}

/// A sum for an input field: 70000 → «700», 34950 → «349,50».
pub(crate) fn rubles(kopecks: i64) -> String {
    let sign = if kopecks < 0 { "-" } else { "" };
    let k = kopecks.unsigned_abs();
    match k % 100 {
        0 => format!("{sign}{}", k / 100),
        c => format!("{sign}{},{c:02}", k / 100),
    }
}

/// What a criterion looks at, in words: «возраст до 21; жанр: детск, сказк».
fn conditions(c: &Criterion) -> String {
    let mut out = Vec::new();
    let years = |n: u32| plural(n.into(), "года", "лет", "лет");
    match (c.age_from, c.age_to) {
        (Some(a), Some(b)) => out.push(format!("возраст от {a} до {b} {}", years(b))),
        (Some(a), None) => out.push(format!("возраст от {a} {}", years(a))),
        (None, Some(b)) => out.push(format!("возраст до {b} {}", years(b))),
        (None, None) => {}
    }
    match (c.previous_from, c.previous_to) {
        (None | Some(0), Some(0)) => out.push("первый запрос".to_string()),
        (Some(a), Some(b)) => out.push(format!("прежних запросов от {a} до {b}")),
        (Some(a), None) => out.push(format!("прежних запросов не меньше {a}")),
        (None, Some(b)) => out.push(format!("прежних запросов не больше {b}")),
        (None, None) => {}
    }
    if let Some(y) = c.years_from {
        out.push(format!(
            "читатель библиотеки не меньше {y} {}",
            plural(y.into(), "года", "лет", "лет")
        ));
    }
    if !c.genres.is_empty() {
        out.push(format!("жанр: {}", c.genres.join(", ")));
    }
    if !c.kinds.is_empty() {
        let kinds: Vec<&str> = c.kinds.iter().map(|k| k.label_ru()).collect();
        out.push(format!("только {}", kinds.join(", ")));
    }
    if out.is_empty() {
        "любой запрос".to_string()
    } else {
        out.join("; ")
    }
}

pub struct PolicyEditor {
    /// As saved; `None` until loaded.
    stored: Option<Policy>,
    rows: Vec<Row>,
    on_hand: String,
    price_cap: String,
    copies: String,
    purchases: String,
    age_check: bool,
    wait_hours: String,
    templates: BTreeMap<RefusalReason, text_editor::Content>,
    /// The refusal reason whose text is on show.
    reason: RefusalReason,
    /// What stands in the way of saving, in Russian (kept up to date).
    problems: Vec<String>,
    /// The changes of the last save.
    saved: Option<Vec<String>>,
    saving: bool,
    error: Option<String>,
}

impl PolicyEditor {
    pub fn open(db: &Db) -> (PolicyEditor, Task<Message>) {
        let editor = PolicyEditor {
            stored: None,
            rows: Vec::new(),
            on_hand: String::new(),
            price_cap: String::new(),
            copies: String::new(),
            purchases: String::new(),
            age_check: true,
            wait_hours: String::new(),
            templates: BTreeMap::new(),
            reason: RefusalReason::ALL[0],
            problems: Vec::new(),
            saved: None,
            saving: false,
            error: None,
        };
        let task = Task::perform(db.call(|s| requests::policy(s)), Message::Loaded);
        (editor, task)
    }

    /// Puts `p` in the form.
    fn fill(&mut self, p: &Policy) {
        self.rows = p.criteria.iter().cloned().map(Row::new).collect();
        let r = &p.rules;
        self.on_hand = num(r.max_on_hand);
        self.price_cap = r.price_cap_kopecks.map(rubles).unwrap_or_default();
        self.copies = num(r.copies_per_title);
        self.purchases = num(r.purchases_per_reader_month);
        self.age_check = r.age_check;
        self.wait_hours = p.wait_threshold_hours.to_string();
        let defaults = policy::default_templates();
        self.templates = RefusalReason::ALL
            .into_iter()
            .map(|reason| {
                let t = p
                    .templates
                    .get(&reason)
                    .or(defaults.get(&reason))
                    .map_or("", String::as_str);
                (reason, text_editor::Content::with_text(t))
            })
            .collect();
        self.stored = Some(p.clone());
        self.refresh();
    }

    fn template_text(&self, reason: RefusalReason) -> String {
        self.templates
            .get(&reason)
            .map(text_editor::Content::text)
            .unwrap_or_default()
    }

    /// The policy as edited, or what is wrong with the numbers typed.
    fn build(&self) -> Result<Policy, Vec<String>> {
        let stored = self.stored.clone().unwrap_or_default();
        let mut errors = Vec::new();
        let criteria = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| r.criterion(i + 1, &mut errors))
            .collect();
        let mut opt = |label: &str, s: &str| -> Option<u32> {
            let s = s.trim();
            if s.is_empty() {
                return None;
            }
            s.parse().ok().or_else(|| {
                errors.push(format!(
                    "{label}: «{s}» — не целое число (или оставьте пустым: без ограничения)."
                ));
                None
            })
        };
        let max_on_hand = opt("Книг на руках", &self.on_hand);
        let copies_per_title = opt("Экземпляров одного названия", &self.copies);
        let purchases_per_reader_month = opt("Покупок на читателя в месяц", &self.purchases);
        let price_cap_kopecks = match self.price_cap.trim() {
            "" => None,
            s => parse_rubles(s).or_else(|| {
                errors.push(format!(
                    "Предел цены книги: «{s}» — не сумма; впишите рубли, например 700 или 349,50."
                ));
                None
            }),
        };
        let wait_threshold_hours = match self.wait_hours.trim().parse() {
            Ok(h) => h,
            Err(_) => {
                errors.push(format!(
                    "Срок ожидания запроса: «{}» — впишите число часов, например 24.",
                    self.wait_hours.trim()
                ));
                stored.wait_threshold_hours
            }
        };
        let defaults = policy::default_templates();
        let mut templates = BTreeMap::new();
        for reason in RefusalReason::ALL {
            let t = self.template_text(reason);
            let unset = !stored.templates.contains_key(&reason);
            if unset && defaults.get(&reason) == Some(&t) {
                continue;
            }
            templates.insert(reason, t);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Policy {
            criteria,
            templates,
            rules: DeskRules {
                max_on_hand,
                price_cap_kopecks,
                copies_per_title,
                purchases_per_reader_month,
                age_check: self.age_check,
            },
            wait_threshold_hours,
        })
    }

    fn refresh(&mut self) {
        self.problems = match self.build() {
            Err(errors) => errors,
            Ok(p) => p.problems(),
        };
    }

    fn edited(&self) -> bool {
        match (self.build(), &self.stored) {
            (Ok(p), Some(s)) => p != *s,
            (Err(_), _) => true,
            (Ok(_), None) => false,
        }
    }

    pub fn update(&mut self, message: Message, db: &Db, ctx: &Context) -> Action {
        match message {
            Message::Loaded(Ok(p)) => {
                self.fill(&p);
                return Action::None;
            }
            Message::Loaded(Err(e)) => {
                self.error = Some(e.to_string());
                return Action::None;
            }
            Message::Save => return self.save(db, ctx),
            Message::Saved(result, policy) => return self.saved_answer(result, *policy),
            Message::Revert => {
                if let Some(p) = self.stored.clone() {
                    self.fill(&p);
                }
            }
            Message::Up(i) if i > 0 && i < self.rows.len() => self.rows.swap(i - 1, i),
            Message::Down(i) if i + 1 < self.rows.len() => self.rows.swap(i, i + 1),
            Message::Up(_) | Message::Down(_) => {}
            Message::Remove(i) if i < self.rows.len() => {
                self.rows.remove(i);
            }
            Message::Remove(_) => {}
            Message::Add => {
                let mut row = Row::new(Criterion::default());
                row.open = true;
                self.rows.push(row);
            }
            Message::Toggle(i, on) => {
                if let Some(r) = self.rows.get_mut(i) {
                    r.c.enabled = on;
                }
            }
            Message::Expand(i) => {
                if let Some(r) = self.rows.get_mut(i) {
                    r.open = !r.open;
                }
            }
            Message::Criterion(i, field, v) => {
                if let Some(r) = self.rows.get_mut(i) {
                    match field {
                        CField::Reason => r.c.reason = v,
                        CField::Weight => r.weight = v,
                        CField::AgeFrom => r.age_from = v,
                        CField::AgeTo => r.age_to = v,
                        CField::PreviousFrom => r.previous_from = v,
                        CField::PreviousTo => r.previous_to = v,
                        CField::YearsFrom => r.years_from = v,
                        CField::Genres => r.genres = v,
                    }
                }
            }
            Message::Kind(i, kind, on) => {
                if let Some(r) = self.rows.get_mut(i) {
                    r.c.kinds.retain(|k| *k != kind);
                    if on {
                        r.c.kinds.push(kind);
                    }
                }
            }
            Message::Rule(field, v) => match field {
                RField::OnHand => self.on_hand = v,
                RField::PriceCap => self.price_cap = v,
                RField::Copies => self.copies = v,
                RField::Purchases => self.purchases = v,
                RField::WaitHours => self.wait_hours = v,
            },
            Message::AgeCheck(on) => self.age_check = on,
            Message::ShowTemplate(reason) => self.reason = reason,
            Message::Template(action) => {
                if let Some(c) = self.templates.get_mut(&self.reason) {
                    c.perform(action);
                }
            }
            Message::Insert(placeholder) => {
                if let Some(c) = self.templates.get_mut(&self.reason) {
                    c.perform(text_editor::Action::Edit(text_editor::Edit::Paste(
                        Arc::new(placeholder.to_string()),
                    )));
                }
            }
            Message::DefaultTemplate => {
                let t = policy::default_templates()
                    .remove(&self.reason)
                    .unwrap_or_default();
                self.templates
                    .insert(self.reason, text_editor::Content::with_text(&t));
            }
        }
        self.saved = None;
        self.refresh();
        Action::None
    }

    fn save(&mut self, db: &Db, ctx: &Context) -> Action {
        if self.saving || self.stored.is_none() {
            return Action::None;
        }
        self.refresh();
        let Ok(policy) = self.build() else {
            return Action::None;
        };
        if !self.problems.is_empty() {
            return Action::None;
        }
        self.saving = true;
        self.error = None;
        let ctx = ctx.clone();
        let sent = policy.clone();
        Action::Run(Task::perform(
            db.call(move |s| requests::save_policy(s, &ctx, &sent)),
            move |r| Message::Saved(r, Box::new(policy.clone())),
        ))
    }

    fn saved_answer(
        &mut self,
        result: Result<Vec<String>, services::Error>,
        policy: Policy,
    ) -> Action {
        self.saving = false;
        match result {
            Ok(changes) => {
                let notice = if changes.is_empty() {
                    Notice::info("Правила и приоритеты не изменились.")
                } else {
                    // The full list is on the page; the status bar says what, briefly.
                    let brief: Vec<&str> = changes
                        .iter()
                        .map(|c| match c.split_once(':') {
                            Some((what, _)) if what == "очерёдность" => what,
                            _ => c.as_str(),
                        })
                        .collect();
                    Notice::success(format!(
                        "Правила и приоритеты сохранены и записаны в журнал: {}.",
                        brief.join("; ")
                    ))
                };
                self.stored = Some(policy);
                self.refresh();
                self.saved = Some(changes);
                Action::Saved(notice)
            }
            Err(services::Error::BadPolicy(problems)) => {
                self.problems = problems;
                Action::None
            }
            Err(e) => {
                self.error = Some(e.to_string());
                Action::None
            }
        }
    }

    pub fn view(&self) -> Element<'_, Message> {
        if self.stored.is_none() {
            return match &self.error {
                Some(e) => theme::errors(vec![e.clone()]),
                None => text("Загрузка правил…").into(),
            };
        }
        let body = column![
            self.criteria_section(),
            self.rules_section(),
            self.templates_section(),
        ]
        .spacing(space::XXL * 2);
        column![
            scrollable(container(body).padding(16).style(theme::panel).width(Fill)).height(Fill),
            self.footer(),
        ]
        .spacing(space::M)
        .into()
    }

    fn criteria_section(&self) -> Column<'_, Message> {
        let mut col = column![
            section_title("Очерёдность запросов"),
            hint(
                "Запрос получает сумму весов критериев, которым он отвечает: чем она больше, тем \
                 выше запрос в очереди; при равной сумме раньше тот, кто дольше ждёт. В этом \
                 порядке причины показаны на запросе."
            ),
        ]
        .spacing(space::M);
        for (i, r) in self.rows.iter().enumerate() {
            col = col.push(self.criterion_row(i, r));
        }
        col.push(
            row![
                button(text("+ Добавить критерий"))
                    .on_press(Message::Add)
                    .padding([6, 12])
                    .style(button::secondary),
                hint("Затем — по времени ожидания: дольше ждущие первыми."),
            ]
            .spacing(space::L)
            .align_y(iced::Center),
        )
    }

    fn criterion_row<'a>(&'a self, i: usize, r: &'a Row) -> Element<'a, Message> {
        let last = i + 1 == self.rows.len();
        let arrow = |label: &'static str, what: &str, m: Option<Message>| {
            container(
                button(text(label).size(size::SMALL))
                    .on_press_maybe(m)
                    .padding([2, 8])
                    .style(button::secondary),
            )
            .id(criterion_id(what, i))
        };
        let moves = column![
            arrow("↑", "up", (i > 0).then_some(Message::Up(i))),
            arrow("↓", "down", (!last).then_some(Message::Down(i))),
        ]
        .spacing(space::HAIR);
        let reason = text_input("Как показать причину на запросе", &r.c.reason)
            .id(criterion_id("reason", i))
            .on_input(move |v| Message::Criterion(i, CField::Reason, v))
            .padding(6);
        let weight = column![
            text("Вес").size(size::HINT).style(text::secondary),
            text_input("0", &r.weight)
                .id(criterion_id("weight", i))
                .on_input(move |v| Message::Criterion(i, CField::Weight, v))
                .padding(6)
                .width(70),
        ]
        .spacing(space::HAIR);
        let line = row![
            moves,
            text(format!("{}.", i + 1)).font(FONT_BOLD).width(26),
            checkbox(r.c.enabled)
                .label("учитывать")
                .on_toggle(move |on| Message::Toggle(i, on))
                .size(16),
            column![
                reason,
                text(conditions(&r.c))
                    .size(size::SMALL)
                    .style(text::secondary),
            ]
            .spacing(space::XS)
            .width(Fill),
            weight,
            button(
                text(if r.open {
                    "Условия ▴"
                } else {
                    "Условия ▾"
                })
                .size(size::SMALL)
            )
            .on_press(Message::Expand(i))
            .padding([6, 10])
            .style(button::secondary),
            button(text("Удалить").size(size::SMALL))
                .on_press(Message::Remove(i))
                .padding([6, 10])
                .style(button::text),
        ]
        .spacing(space::M)
        .align_y(iced::Center);
        let mut col = column![line].spacing(space::M);
        if r.open {
            col = col.push(self.conditions_form(i, r));
        }
        container(col)
            .padding([8, 10])
            .width(Fill)
            .style(if r.c.enabled {
                theme::panel
            } else {
                container::rounded_box
            })
            .into()
    }

    fn conditions_form<'a>(&'a self, i: usize, r: &'a Row) -> Element<'a, Message> {
        let field = |label: &'a str, value: &'a str, f: CField, width: Length| {
            column![
                text(label).size(size::HINT).style(text::secondary),
                text_input("", value)
                    .on_input(move |v| Message::Criterion(i, f, v))
                    .padding(6),
            ]
            .spacing(space::HAIR)
            .width(width)
        };
        let kind = |k: BookKind, label: &'static str| {
            checkbox(r.c.kinds.contains(&k))
                .label(label)
                .on_toggle(move |on| Message::Kind(i, k, on))
                .size(16)
        };
        column![
            row![
                field("Возраст от, лет", &r.age_from, CField::AgeFrom, Length::Fixed(110.0)),
                field("до, лет", &r.age_to, CField::AgeTo, Length::Fixed(90.0)),
                field(
                    "Прежних запросов от",
                    &r.previous_from,
                    CField::PreviousFrom,
                    Length::Fixed(150.0)
                ),
                field("до", &r.previous_to, CField::PreviousTo, Length::Fixed(90.0)),
                field(
                    "Читатель библиотеки не меньше, лет",
                    &r.years_from,
                    CField::YearsFrom,
                    Length::Fixed(250.0)
                ),
                column![
                    text("Вид книги").size(size::HINT).style(text::secondary),
                    row![
                        kind(BookKind::Ebook, "электронная"),
                        kind(BookKind::Audio, "аудио")
                    ]
                    .spacing(space::M),
                ]
                .spacing(space::XS),
            ]
            .spacing(space::M)
            .align_y(iced::Bottom),
            field(
                "Жанр содержит одно из (через запятую; регистр и ё/е не важны)",
                &r.genres,
                CField::Genres,
                Length::Fill
            ),
            hint("Пустое условие подходит всем; критерий срабатывает, когда выполнены все его условия."),
        ]
        .spacing(space::M)
        .padding([4, 0])
        .into()
    }

    fn rules_section(&self) -> Column<'_, Message> {
        let inputs = [
            ("Книг на руках у читателя, не больше", RField::OnHand),
            ("Предел цены книги, ₽", RField::PriceCap),
            ("Экземпляров одного названия в фонде", RField::Copies),
            ("Покупок на читателя в месяц", RField::Purchases),
        ];
        let row_of = inputs
            .iter()
            .fold(row![].spacing(space::L), |r, (label, f)| {
                let value = match f {
                    RField::OnHand => &self.on_hand,
                    RField::PriceCap => &self.price_cap,
                    RField::Copies => &self.copies,
                    RField::Purchases => &self.purchases,
                    RField::WaitHours => &self.wait_hours,
                };
                let f = *f;
                r.push(
                    column![
                        text(*label).size(size::SMALL),
                        text_input("без ограничения", value)
                            .on_input(move |v| Message::Rule(f, v))
                            .padding(6),
                    ]
                    .spacing(space::XS)
                    .width(FillPortion(1)),
                )
            });
        column![
            section_title("Правила выдачи"),
            hint(
                "Действуют там, где ЭБС в сведениях о библиотеке их не сообщает: правила ЭБС \
                 важнее. Пустое поле — без ограничения."
            ),
            row_of,
            row![
                checkbox(self.age_check)
                    .label("Проверять возрастную маркировку книги (436-ФЗ)")
                    .on_toggle(Message::AgeCheck)
                    .width(FillPortion(2)),
                column![
                    text("Отмечать запрос, который ждёт дольше, часов").size(size::SMALL),
                    text_input("24", &self.wait_hours)
                        .id("policy-wait-hours")
                        .on_input(|v| Message::Rule(RField::WaitHours, v))
                        .padding(6),
                ]
                .spacing(space::XS)
                .width(FillPortion(2)),
            ]
            .spacing(space::L)
            .align_y(iced::Center),
        ]
        .spacing(space::M)
    }

    fn templates_section(&self) -> Column<'_, Message> {
        let reasons =
            RefusalReason::ALL
                .into_iter()
                .fold(column![].spacing(space::HAIR), |c, reason| {
                    let on_show = reason == self.reason;
                    let empty = self.template_text(reason).trim().is_empty();
                    let label = text(reason.label_ru()).size(size::SMALL);
                    let label = if empty {
                        label.style(text::danger)
                    } else {
                        label
                    };
                    c.push(
                        button(label)
                            .on_press(Message::ShowTemplate(reason))
                            .padding([5, 10])
                            .width(Fill)
                            .style(if on_show {
                                button::secondary
                            } else {
                                button::text
                            }),
                    )
                });
        let text_now = self.template_text(self.reason);
        let preview = policy::fill(&text_now, SAMPLE_BOOK, SAMPLE_READER);
        let preview: Element<'_, Message> = if text_now.trim().is_empty() {
            text("Текст пуст — отказ с ним отправить нельзя.")
                .style(text::danger)
                .into()
        } else {
            text(preview).into()
        };
        let editor: Element<'_, Message> = match self.templates.get(&self.reason) {
            Some(content) => text_editor(content)
                .id(TEMPLATE_ID)
                .on_action(Message::Template)
                .height(130)
                .padding(8)
                .into(),
            None => Space::new().into(),
        };
        let insert = |p: &'static str| {
            button(text(format!("Вставить {p}")).size(size::SMALL))
                .on_press(Message::Insert(p))
                .padding([4, 10])
                .style(button::secondary)
        };
        let right = column![
            text(self.reason.label_ru()).font(FONT_BOLD),
            editor,
            row![
                insert(BOOK),
                insert(READER),
                Space::new().width(Fill),
                button(text("Вернуть текст по умолчанию").size(size::SMALL))
                    .on_press(Message::DefaultTemplate)
                    .padding([4, 10])
                    .style(button::text),
            ]
            .spacing(space::M)
            .align_y(iced::Center),
            text(format!(
                "Так прочтёт читатель (пример: книга «{SAMPLE_BOOK}», читатель {SAMPLE_READER}):"
            ))
            .size(size::SMALL)
            .style(text::secondary),
            container(preview)
                .padding(10)
                .width(Fill)
                .style(theme::warning_box),
        ]
        .spacing(space::M)
        .width(FillPortion(3));
        column![
            section_title("Тексты отказов"),
            hint(PLACEHOLDERS_HINT),
            row![container(reasons).width(FillPortion(1)), right].spacing(space::L),
        ]
        .spacing(space::M)
    }

    /// The problems and the changes, «Отменить изменения», «Сохранить».
    fn footer(&self) -> Element<'_, Message> {
        let mut col = column![].spacing(space::M);
        if !self.problems.is_empty() {
            // A few lines, so that the form above keeps its room.
            let mut lines: Vec<String> =
                self.problems.iter().take(SHOWN_PROBLEMS).cloned().collect();
            let more = self.problems.len().saturating_sub(SHOWN_PROBLEMS) as u64;
            if more > 0 {
                lines.push(format!(
                    "…и ещё {more} {} — исправьте сначала эти.",
                    plural(more, "замечание", "замечания", "замечаний")
                ));
            }
            col = col.push(theme::errors(lines));
        }
        if let Some(e) = &self.error {
            col = col.push(theme::errors(vec![e.clone()]));
        }
        let edited = self.edited();
        let state: Element<'_, Message> = match (&self.saved, edited) {
            (Some(changes), false) if !changes.is_empty() => text(format!(
                "Сохранено и записано в журнал: {}.",
                changes.join("; ")
            ))
            .size(size::SMALL)
            .style(text::success)
            .into(),
            (_, true) => text("Есть несохранённые изменения.")
                .size(size::SMALL)
                .style(text::secondary)
                .into(),
            _ => text("Изменения записываются в журнал с именем сотрудника.")
                .size(size::SMALL)
                .style(text::secondary)
                .into(),
        };
        let can_save = !self.saving && self.problems.is_empty();
        col.push(
            row![
                container(state).width(Fill),
                button(text("Отменить изменения"))
                    .on_press_maybe((edited && !self.saving).then_some(Message::Revert))
                    .padding([10, 14])
                    .style(button::secondary),
                button(
                    text(if self.saving {
                        "Сохранение…"
                    } else {
                        "Сохранить правила (Ctrl+S)"
                    })
                    .font(FONT_BOLD),
                )
                .on_press_maybe(can_save.then_some(Message::Save))
                .padding([10, 18])
                .style(button::primary),
            ]
            .spacing(space::M)
            .align_y(iced::Center),
        )
        .into()
    }
}

/// What the placeholders ([`BOOK`], [`READER`]) become.
const PLACEHOLDERS_HINT: &str = "Читатель получит текст через ЭБС. Подстановки: {книга} — \
    название книги, {читатель} — имя и отчество читателя. Перед отправкой отказа текст можно \
    поправить.";

fn section_title(s: &'static str) -> Element<'static, Message> {
    text(s).size(size::LARGE).font(FONT_BOLD).into()
}

fn hint(s: &str) -> Element<'_, Message> {
    text(s).size(size::SMALL).style(text::secondary).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roubles_are_read_to_the_kopeck() {
        assert_eq!(parse_rubles("350"), Some(35_000));
        assert_eq!(parse_rubles("349,50"), Some(34_950));
        assert_eq!(parse_rubles("349.5"), Some(34_950));
        assert_eq!(parse_rubles("1 200 ₽"), Some(120_000));
        assert_eq!(parse_rubles("0,01"), Some(1));
        assert_eq!(parse_rubles("-1"), Some(-100));
        for bad in [
            "",
            "abc",
            "1,234",
            "1,2,3",
            "₽",
            "-",
            "99999999999999999999",
        ] {
            assert_eq!(parse_rubles(bad), None, "{bad:?}");
        }
        assert_eq!(rubles(70_000), "700");
        assert_eq!(rubles(34_950), "349,50");
        assert_eq!(rubles(5), "0,05");
    }

    #[test]
    fn a_criterions_conditions_are_said_in_words() {
        let d = policy::default_criteria();
        assert_eq!(conditions(&d[0]), "первый запрос");
        assert!(
            conditions(&d[1]).starts_with("возраст до 21 года; жанр: детск"),
            "{}",
            conditions(&d[1])
        );
        assert_eq!(
            conditions(&d[3]).split("; ").take(2).collect::<Vec<_>>(),
            [
                "прежних запросов не меньше 1",
                "читатель библиотеки не меньше 1 года"
            ]
        );
        assert_eq!(conditions(&Criterion::default()), "любой запрос");
    }
}
