//! «Статистика»: the library's figures for a period (year, quarter, month,
//! week or any dates) and as of any date, by age group, channel and reason;
//! where the desk and the provider count the same thing and differ, both
//! numbers; response speed; the year-over-year table in the source article's
//! layout with a chart beside it; a month-by-month chart of any figure; the
//! report saved as CSV, XLSX or PDF.

use chrono::{Datelike, Duration, Local, NaiveDate};
use iced::widget::{
    Space, button, column, container, pick_list, row, scrollable, text, text_input,
};
use iced::{Element, Fill, Task};

use kafedra_core::domain::stats::{AGE_GROUPS, FIGURES, Months, figure_label, group_label};
use kafedra_core::services::stats::{self, Format, Period, Report, Value, YearColumn};
use kafedra_core::services::{self, Context, Db};

use super::{Effect, Env, Message as ScreenMessage};
use crate::ui::shell::Notice;
use crate::ui::theme::{self, FONT_BOLD, size, space};

/// The span of the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    Year,
    Quarter,
    Month,
    Week,
    Custom,
}

impl Span {
    const ALL: [Span; 5] = [
        Span::Year,
        Span::Quarter,
        Span::Month,
        Span::Week,
        Span::Custom,
    ];

    fn label(self) -> &'static str {
        match self {
            Span::Year => "Год",
            Span::Quarter => "Квартал",
            Span::Month => "Месяц",
            Span::Week => "Неделя",
            Span::Custom => "Свои даты",
        }
    }

    /// The period of this span that holds `day`.
    fn around(self, day: NaiveDate) -> (NaiveDate, NaiveDate) {
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(day);
        match self {
            Span::Year | Span::Custom => (ymd(day.year(), 1, 1), ymd(day.year(), 12, 31)),
            Span::Quarter => {
                let q = (day.month() - 1) / 3;
                let from = ymd(day.year(), q * 3 + 1, 1);
                let to = kafedra_core::domain::fund::month_bounds(day.year(), q * 3 + 3)
                    .map_or(day, |(_, l)| l);
                (from, to)
            }
            Span::Month => kafedra_core::domain::fund::month_bounds(day.year(), day.month())
                .unwrap_or((day, day)),
            Span::Week => {
                let from = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
                (from, from + Duration::days(6))
            }
        }
    }
}

/// A figure to chart by month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trend(pub &'static str);

impl std::fmt::Display for Trend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(figure_label(self.0))
    }
}

const TRENDS: [Trend; 9] = [
    Trend("requests"),
    Trend("issues"),
    Trend("refusals"),
    Trend("cancellations"),
    Trend("readers_registered"),
    Trend("logins_bound"),
    Trend("logins_blocked"),
    Trend("purchases_library"),
    Trend("purchases_reader"),
];

#[derive(Debug, Clone)]
pub enum Message {
    Span(Span),
    From(String),
    To(String),
    AsOf(String),
    Show,
    Loaded(Result<Box<Loaded>, services::Error>),
    Trend(Trend),
    Save(Format),
    SaveTo(Format, Option<std::path::PathBuf>),
    Saved(Result<String, services::Error>),
}

/// What one load brings.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub report: Report,
    pub months: Months,
    pub years: Vec<YearColumn>,
    pub ledger: Vec<stats::LedgerLine>,
    /// The most requested titles, authors, genres.
    pub top: [kafedra_core::store::Top; 3],
}

pub enum Action {
    None,
    Run(Task<Message>),
    Error(String),
    Done(Notice),
}

pub fn effect(action: Action) -> Effect {
    match action {
        Action::None => Effect::None,
        Action::Run(t) => Effect::Run(t.map(ScreenMessage::Stats)),
        Action::Error(t) => Effect::Notify(Notice::error(t), Task::none()),
        Action::Done(n) => Effect::Notify(n, Task::none()),
    }
}

pub struct StatsScreen {
    span: Span,
    from: String,
    to: String,
    as_of: String,
    problem: Option<String>,
    loaded: Option<Box<Loaded>>,
    trend: Trend,
    busy: bool,
}

fn day_text(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// «05.03.2026», «5.3.2026» or «2026-03-05».
fn parse_day(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%d.%m.%Y")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .ok()
}

impl StatsScreen {
    pub fn open(db: &Db, ctx: &Context) -> (StatsScreen, Task<Message>) {
        let today = Local::now().date_naive();
        let (from, to) = Span::Year.around(today);
        let mut s = StatsScreen {
            span: Span::Year,
            from: day_text(from),
            to: day_text(to),
            as_of: day_text(today),
            problem: None,
            loaded: None,
            trend: TRENDS[0],
            busy: false,
        };
        let task = match s.period() {
            Ok(p) => load(db, ctx, p),
            Err(e) => {
                s.problem = Some(e);
                Task::none()
            }
        };
        (s, task)
    }

    pub fn reload(&self, db: &Db, ctx: &Context) -> Task<Message> {
        match self.period() {
            Ok(p) => load(db, ctx, p),
            Err(_) => Task::none(),
        }
    }

    fn period(&self) -> Result<Period, String> {
        let from = parse_day(&self.from)
            .ok_or_else(|| format!("«{}» — не дата начала: ДД.ММ.ГГГГ.", self.from.trim()))?;
        let to = parse_day(&self.to)
            .ok_or_else(|| format!("«{}» — не дата конца: ДД.ММ.ГГГГ.", self.to.trim()))?;
        let as_of = if self.as_of.trim().is_empty() {
            None
        } else {
            Some(parse_day(&self.as_of).ok_or_else(|| {
                format!(
                    "«{}» — не дата «на»: ДД.ММ.ГГГГ или пусто.",
                    self.as_of.trim()
                )
            })?)
        };
        let p = Period { from, to, as_of };
        stats::check(&p).map_err(|e| e.to_string())?;
        Ok(p)
    }

    pub fn update(&mut self, message: Message, env: &Env<'_>) -> Action {
        match message {
            Message::Span(span) => {
                self.span = span;
                if span != Span::Custom {
                    let anchor =
                        parse_day(&self.as_of).unwrap_or_else(|| Local::now().date_naive());
                    let (f, t) = span.around(anchor);
                    self.from = day_text(f);
                    self.to = day_text(t);
                    return self.show(env);
                }
                Action::None
            }
            Message::From(t) => {
                self.from = t;
                self.span = Span::Custom;
                Action::None
            }
            Message::To(t) => {
                self.to = t;
                self.span = Span::Custom;
                Action::None
            }
            Message::AsOf(t) => {
                self.as_of = t;
                Action::None
            }
            Message::Show => self.show(env),
            Message::Loaded(r) => {
                self.busy = false;
                match r {
                    Ok(l) => {
                        self.loaded = Some(l);
                        Action::None
                    }
                    Err(e) => Action::Error(e.to_string()),
                }
            }
            Message::Trend(t) => {
                self.trend = t;
                Action::None
            }
            Message::Save(format) => {
                let (ext, filter) = match format {
                    Format::Csv => ("csv", "CSV"),
                    Format::Xlsx => ("xlsx", "Excel"),
                    Format::Pdf => ("pdf", "PDF"),
                };
                let name = format!(
                    "statistika-{}-{}.{ext}",
                    self.from.trim().replace('.', "-"),
                    self.to.trim().replace('.', "-")
                );
                Action::Run(
                    env.dialogs
                        .save_file("Сохранить отчёт", name, filter, ext)
                        .map(move |p| Message::SaveTo(format, p)),
                )
            }
            Message::SaveTo(_, None) => Action::None,
            Message::SaveTo(format, Some(path)) => match self.period() {
                Ok(p) => {
                    let ctx = env.ctx.clone();
                    Action::Run(Task::perform(
                        env.db
                            .call(move |s| stats::export(s, &ctx, p, format, &path)),
                        Message::Saved,
                    ))
                }
                Err(e) => Action::Error(e),
            },
            Message::Saved(r) => match r {
                Ok(said) => Action::Done(Notice::info(said)),
                Err(e) => Action::Error(e.to_string()),
            },
        }
    }

    fn show(&mut self, env: &Env<'_>) -> Action {
        match self.period() {
            Ok(p) => {
                self.problem = None;
                self.busy = true;
                Action::Run(load(env.db, env.ctx, p))
            }
            Err(e) => {
                self.problem = Some(e);
                Action::None
            }
        }
    }

    pub fn view(&self) -> Element<'_, Message> {
        let spans = Span::ALL.iter().fold(row![].spacing(space::XS), |r, s| {
            let active = *s == self.span;
            r.push(
                button(text(s.label()).size(size::SMALL))
                    .on_press(Message::Span(*s))
                    .padding([5, 10])
                    .style(if active {
                        button::primary
                    } else {
                        button::secondary
                    }),
            )
        });
        let dates = row![
            text("с").size(size::SMALL),
            text_input("ДД.ММ.ГГГГ", &self.from)
                .id("stats-from")
                .on_input(Message::From)
                .on_submit(Message::Show)
                .size(size::SMALL)
                .width(110),
            text("по").size(size::SMALL),
            text_input("ДД.ММ.ГГГГ", &self.to)
                .id("stats-to")
                .on_input(Message::To)
                .on_submit(Message::Show)
                .size(size::SMALL)
                .width(110),
            text("на дату").size(size::SMALL),
            text_input("ДД.ММ.ГГГГ", &self.as_of)
                .id("stats-as-of")
                .on_input(Message::AsOf)
                .on_submit(Message::Show)
                .size(size::SMALL)
                .width(110),
            button(text("Показать").size(size::SMALL))
                .on_press_maybe((!self.busy).then_some(Message::Show))
                .style(button::primary),
            Space::new().width(Fill),
            button(text("CSV…").size(size::SMALL))
                .on_press(Message::Save(Format::Csv))
                .style(button::secondary),
            button(text("XLSX…").size(size::SMALL))
                .on_press(Message::Save(Format::Xlsx))
                .style(button::secondary),
            button(text("PDF…").size(size::SMALL))
                .on_press(Message::Save(Format::Pdf))
                .style(button::secondary),
        ]
        .spacing(space::S)
        .align_y(iced::Center);
        let mut head = column![
            row![theme::title("Статистика"), spans]
                .spacing(space::L)
                .align_y(iced::Center),
            dates
        ]
        .spacing(space::M);
        if let Some(p) = &self.problem {
            head = head.push(text(p).size(size::SMALL).style(text::danger));
        }
        let body: Element<'_, Message> = match &self.loaded {
            None => text("Загрузка…").into(),
            Some(l) => self.body(l),
        };
        column![head, scrollable(body).height(Fill)]
            .spacing(space::ML)
            .into()
    }

    fn body<'a>(&'a self, l: &'a Loaded) -> Element<'a, Message> {
        row![
            column![
                figures_table(&l.report),
                speed(&l.report),
                mismatches(&l.report),
                demand(&l.months, &l.report.period),
                top_lists(&l.top),
                ledger(&l.ledger),
            ]
            .spacing(space::L)
            .width(iced::FillPortion(3)),
            column![
                years_table(&l.years),
                years_chart(&l.years),
                self.trend_chart(&l.months)
            ]
            .spacing(space::L)
            .width(iced::FillPortion(2)),
        ]
        .spacing(space::L)
        .into()
    }

    fn trend_chart<'a>(&'a self, months: &'a Months) -> Element<'a, Message> {
        let bars: Vec<(String, i64)> = months
            .iter()
            .map(|(m, v)| {
                (
                    format!("{}.{}", &m[5..7], &m[2..4]),
                    v.get(&(self.trend.0.to_owned(), "all".to_owned()))
                        .copied()
                        .unwrap_or(0),
                )
            })
            .collect();
        panel(
            column![
                row![
                    text("По месяцам:").font(FONT_BOLD),
                    pick_list(TRENDS, Some(self.trend), Message::Trend).text_size(size::SMALL),
                ]
                .spacing(space::S)
                .align_y(iced::Center),
                bar_chart(bars),
            ]
            .spacing(space::M),
        )
    }
}

fn load(db: &Db, ctx: &Context, p: Period) -> Task<Message> {
    let _ = ctx;
    Task::perform(
        db.call(move |s| {
            let threshold = services::requests::policy(s)?.wait_threshold_hours;
            let report = stats::report(s, p, threshold)?;
            let months = stats::by_month(s, p)?;
            let until = p.until();
            let first = until.year() - 3;
            let years = stats::years(s, first, until)?;
            let ledger = stats::ledger(s, p)?;
            let top = stats::top(s, p)?;
            Ok(Box::new(Loaded {
                report,
                months,
                years,
                ledger,
                top,
            }))
        }),
        Message::Loaded,
    )
}

fn panel<'a>(content: impl Into<Element<'a, Message>>) -> Element<'a, Message> {
    container(content)
        .padding(space::M as u16)
        .style(theme::panel)
        .width(Fill)
        .into()
}

fn show(v: Option<Value>) -> String {
    match v {
        None => "—".into(),
        Some(Value::Count(n)) => kafedra_core::domain::text::Grouped(n.max(0) as u64).to_string(),
        Some(Value::Money(k)) => kafedra_core::domain::text::Rub(k).to_string(),
        Some(Value::Hours(h)) => format!("{h:.1} ч").replace('.', ","),
    }
}

/// Figures (rows) by group (columns: всего, the three age groups).
fn figures_table(r: &Report) -> Element<'_, Message> {
    let cell = |s: String, bold: bool| {
        text(s)
            .size(size::SMALL)
            .font(if bold { FONT_BOLD } else { theme::FONT_REGULAR })
            .width(90)
            .align_x(iced::alignment::Horizontal::Right)
    };
    let mut header = row![text("").width(Fill), cell("всего".into(), true)].spacing(space::S);
    for (_, l) in AGE_GROUPS {
        header = header.push(cell(l.to_owned(), true));
    }
    let mut col = column![
        text(format!(
            "{} — {}{}",
            r.period.from.format("%d.%m.%Y"),
            r.period.to.format("%d.%m.%Y"),
            if r.period.until() < r.period.to {
                format!(", на {}", r.period.until().format("%d.%m.%Y"))
            } else {
                String::new()
            }
        ))
        .font(FONT_BOLD),
        header
    ]
    .spacing(space::XS);
    for (figure, label) in FIGURES {
        if figure.starts_with("decision_") {
            continue;
        }
        let mut line = row![
            text(label).size(size::SMALL).width(Fill),
            cell(show(r.get(figure, "all")), true)
        ]
        .spacing(space::S);
        for (g, _) in AGE_GROUPS {
            line = line.push(cell(
                r.get(figure, g).map_or(String::new(), |v| show(Some(v))),
                false,
            ));
        }
        col = col.push(line);
        // Channels and reasons under their figure.
        for ((f, g), v) in &r.values {
            if f == figure && (g.starts_with("channel:") || g.starts_with("reason:")) {
                col = col.push(
                    row![
                        text(format!("    {}", group_label(g)))
                            .size(size::SMALL)
                            .style(text::secondary)
                            .width(Fill),
                        cell(show(Some(*v)), false),
                        cell(String::new(), false),
                        cell(String::new(), false),
                        cell(String::new(), false),
                    ]
                    .spacing(space::S),
                );
            }
        }
    }
    panel(col)
}

fn speed(r: &Report) -> Element<'_, Message> {
    panel(
        column![
            text("Скорость ответа").font(FONT_BOLD),
            text(format!(
                "От запроса до решения: медиана {}, 90% запросов — не дольше {}.",
                show(r.get("decision_hours_median", "all")),
                show(r.get("decision_hours_p90", "all"))
            ))
            .size(size::SMALL),
            text(format!(
                "Ждали дольше {} ч: {}; ждут решения сейчас: {}.",
                r.threshold_hours, r.over_threshold, r.waiting
            ))
            .size(size::SMALL),
        ]
        .spacing(space::XS),
    )
}

fn mismatches(r: &Report) -> Element<'_, Message> {
    if r.mismatches.is_empty() {
        return Space::new().into();
    }
    let mut col =
        column![text("Кафедра и ЭБС считают по-разному").font(FONT_BOLD)].spacing(space::XS);
    for m in &r.mismatches {
        col = col.push(
            text(format!(
                "{}: по журналу кафедры {}, по данным ЭБС {}",
                figure_label(m.figure),
                m.desk,
                m.provider
            ))
            .size(size::SMALL),
        );
    }
    container(col)
        .padding(space::M as u16)
        .style(theme::warning_box)
        .width(Fill)
        .into()
}

/// One line of the years table: its figure from a column.
type YearFigure = fn(&YearColumn) -> i64;

/// The article's layout: years as columns.
fn years_table(years: &[YearColumn]) -> Element<'_, Message> {
    let cell = |s: String, bold: bool| {
        text(s)
            .size(size::SMALL)
            .font(if bold { FONT_BOLD } else { theme::FONT_REGULAR })
            .width(96)
            .align_x(iced::alignment::Horizontal::Right)
    };
    let mut header = row![text("").width(Fill)].spacing(space::S);
    for y in years {
        header = header.push(cell(y.heading(), true));
    }
    let mut col = column![text("По годам").font(FONT_BOLD), header].spacing(space::XS);
    let lines: [(&str, YearFigure); 5] = [
        ("Посещения", |y| y.visits),
        ("Запросы", |y| y.requests),
        ("Выдачи", |y| y.issues),
        ("Активные пользователи", |y| {
            y.active_readers
        }),
        ("Фонд", |y| y.fund_size),
    ];
    for (label, get) in lines {
        let mut line = row![text(label).size(size::SMALL).width(Fill)].spacing(space::S);
        for y in years {
            line = line.push(cell(
                kafedra_core::domain::text::Grouped(get(y).max(0) as u64).to_string(),
                false,
            ));
        }
        col = col.push(line);
    }
    panel(col)
}

fn years_chart(years: &[YearColumn]) -> Element<'_, Message> {
    panel(
        column![
            text("Выдачи по годам").font(FONT_BOLD),
            bar_chart(years.iter().map(|y| (y.heading(), y.issues)).collect())
        ]
        .spacing(space::M),
    )
}

/// Bars drawn with containers: the value above, the label below.
fn bar_chart<'a>(bars: Vec<(String, i64)>) -> Element<'a, Message> {
    const HEIGHT: f32 = 140.0;
    if bars.is_empty() {
        return text("Нет данных за период.").size(size::SMALL).into();
    }
    let max = bars.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f32;
    let mut r = row![].spacing(space::S).align_y(iced::Bottom);
    for (label, v) in bars {
        let h = (HEIGHT * v.max(0) as f32 / max).max(1.0);
        r = r.push(
            column![
                text(v.to_string()).size(size::CAPTION),
                container(Space::new())
                    .width(Fill)
                    .height(h)
                    .style(|t: &iced::Theme| container::Style {
                        background: Some(t.extended_palette().primary.base.color.into()),
                        ..container::Style::default()
                    }),
                text(label).size(size::CAPTION).style(text::secondary),
            ]
            .spacing(space::HAIR)
            .align_x(iced::Center)
            .width(Fill),
        );
    }
    container(r)
        .height(HEIGHT + 40.0)
        .align_y(iced::Bottom)
        .into()
}

/// Demand for access: logins given per month and channel, and the monthly average.
fn demand<'a>(months: &'a Months, period: &Period) -> Element<'a, Message> {
    // Months of the period up to its last counted day, with data or not.
    let until = period.until();
    let span = (until.year() - period.from.year()) * 12 + until.month() as i32
        - period.from.month() as i32
        + 1;
    let mut col = column![text("Выдача логинов по месяцам").font(FONT_BOLD)].spacing(space::XS);
    let mut total = 0;
    for (m, v) in months {
        let all = v
            .get(&("logins_bound".to_owned(), "all".to_owned()))
            .copied()
            .unwrap_or(0);
        total += all;
        let channels: Vec<String> = ["desk", "email", "web", "qr"]
            .iter()
            .filter_map(|c| {
                let k = ("logins_bound".to_owned(), format!("channel:{c}"));
                v.get(&k).map(|x| format!("{} {x}", group_label(&k.1)))
            })
            .collect();
        col = col.push(
            text(format!(
                "{}.{}: {}{}",
                &m[5..7],
                &m[0..4],
                all,
                if channels.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", channels.join(", "))
                }
            ))
            .size(size::SMALL),
        );
    }
    if span > 0 {
        col = col.push(
            text(format!(
                "В среднем за месяц ({}): {}",
                kafedra_core::domain::text::counted(span as u64, "месяц", "месяца", "месяцев"),
                format!("{:.1}", total as f64 / f64::from(span)).replace('.', ",")
            ))
            .size(size::SMALL)
            .font(FONT_BOLD),
        );
    }
    panel(col)
}

fn top_lists(top: &[kafedra_core::store::Top; 3]) -> Element<'_, Message> {
    let list = |title: &'static str, items: &'_ [(String, i64)]| {
        let mut col = column![text(title).font(FONT_BOLD)].spacing(space::HAIR);
        if items.is_empty() {
            col = col.push(text("—").size(size::SMALL));
        }
        for (name, n) in items {
            col = col.push(text(format!("{name} — {n}")).size(size::SMALL));
        }
        col.width(Fill)
    };
    panel(
        row![
            list("Чаще всего просили", &top[0]),
            list("Авторы", &top[1]),
            list("Жанры", &top[2]),
        ]
        .spacing(space::L),
    )
}

/// «Куда ушли деньги»: purchases and the provider's balances, with the running balance.
fn ledger(lines: &[stats::LedgerLine]) -> Element<'_, Message> {
    let money = |k: i64| kafedra_core::domain::text::Rub(k).to_string();
    let mut col = column![text("Деньги на счёте ЭБС").font(FONT_BOLD)].spacing(space::HAIR);
    if lines.is_empty() {
        col = col.push(text("Покупок и сведений о балансе за период нет.").size(size::SMALL));
    }
    for l in lines.iter().take(300) {
        let what = match &l.entry {
            stats::LedgerEntry::Opening(b) => format!("На начало периода: {}", money(*b)),
            stats::LedgerEntry::Purchase(p) => format!(
                "{} — «{}», {} ({}{})",
                p.at.with_timezone(&Local).format("%d.%m.%Y"),
                p.title,
                money(p.price_kopecks),
                if p.by == "library" {
                    "купила библиотека"
                } else {
                    "купил читатель"
                },
                p.staff
                    .as_deref()
                    .map(|s| format!(", {s}"))
                    .unwrap_or_default()
            ),
            stats::LedgerEntry::Reported {
                at,
                money_left,
                change,
            } => format!(
                "{} — ЭБС сообщает остаток {}{}",
                at.with_timezone(&Local).format("%d.%m.%Y"),
                money(*money_left),
                match change {
                    Some(c) if *c > 0 => format!(" (пополнение {})", money(*c)),
                    Some(c) if *c < 0 => format!(" (списано {})", money(-c)),
                    _ => String::new(),
                }
            ),
        };
        let balance = l.balance.map(money).unwrap_or_else(|| "—".into());
        col = col.push(
            row![
                text(what).size(size::SMALL).width(Fill),
                text(balance).size(size::SMALL).style(text::secondary),
            ]
            .spacing(space::S),
        );
    }
    panel(col)
}
