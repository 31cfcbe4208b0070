//! The library's e-fund: search (title, author, genre), the lists of what is
//! coming (the 24th issue, licences ending, titles that left, titles back),
//! a title's card (who has it — journaled —, its requests and history), the
//! monthly catalogue export, and collections («подборки»).

use chrono::{Duration, NaiveDate};

use super::{Context, Error, PROVIDER, Result, Store};
use crate::domain::event::EventKind;
use crate::domain::fund::{
    self, Audience, Collection, FundTitle, LICENCE_AHEAD_DAYS, RETURNED_DAYS,
};
use crate::store::{CollectionRow, FundEventRow, Holder, LeftTitle, ReturnedTitle, TitleRequest};

pub use crate::store::FundQuery;

/// The most titles a search shows (type more to narrow it).
pub const SEARCH_LIMIT: usize = 200;
/// The most titles each list shows (its count is exact).
pub const LIST_LIMIT: usize = 500;
/// The most requests of a title its card shows.
pub const TITLE_REQUESTS_LIMIT: usize = 100;
/// The longest search text taken.
pub const QUERY_MAX_CHARS: usize = 200;

/// The four lists of «what is coming», each with its exact count.
#[derive(Debug, Clone, PartialEq)]
pub struct FundLists {
    pub today: NaiveDate,
    /// The «близко к 24-й выдаче» threshold used.
    pub threshold: u32,
    pub near: Vec<FundTitle>,
    pub near_count: u32,
    pub ending: Vec<FundTitle>,
    pub ending_count: u32,
    /// Left this month (the 24th issue or the licence's end).
    pub left: Vec<LeftTitle>,
    pub left_count: u32,
    /// Back after renewal in the last [`RETURNED_DAYS`] days.
    pub returned: Vec<ReturnedTitle>,
    pub returned_count: u32,
}

/// A title's card.
#[derive(Debug, Clone, PartialEq)]
pub struct TitleCard {
    pub title: FundTitle,
    /// Who has a copy now.
    pub holders: Vec<Holder>,
    pub requests: Vec<TitleRequest>,
    pub events: Vec<FundEventRow>,
    /// Left at the 24th issue with no copy now: a request may buy it again.
    pub rebuyable: bool,
}

fn bounded(query: &FundQuery) -> Result<FundQuery> {
    if query.text.chars().count() > QUERY_MAX_CHARS {
        return Err(Error::BadFundInput(format!(
            "Слишком длинный текст поиска: не больше {QUERY_MAX_CHARS} знаков."
        )));
    }
    if let (Some(a), Some(b)) = (query.price_min, query.price_max)
        && a > b
    {
        return Err(Error::BadFundInput(
            "Цена «от» больше цены «до»: поменяйте их местами.".into(),
        ));
    }
    if query.price_min.is_some_and(|p| p < 0) || query.price_max.is_some_and(|p| p < 0) {
        return Err(Error::BadFundInput(
            "Цена не может быть отрицательной.".into(),
        ));
    }
    Ok(query.clone())
}

/// Titles matching the query, by title.
pub fn search(store: &Store, query: &FundQuery, today: NaiveDate) -> Result<Vec<FundTitle>> {
    let q = bounded(query)?;
    Ok(store.fund_search(&q, today, SEARCH_LIMIT)?)
}

/// Genres of the fund as the provider names them, with counts, most first.
pub fn genres(store: &Store) -> Result<Vec<(String, u32)>> {
    Ok(store.fund_genres()?)
}

/// The four lists as of `today`.
pub fn lists(store: &Store, ctx: &Context, today: NaiveDate) -> Result<FundLists> {
    let threshold = ctx.settings.fund_near_issues.clamp(1, fund::RETIRE_AT - 1);
    let month = fund::month_start(today);
    let back = today - Duration::days(RETURNED_DAYS - 1);
    Ok(FundLists {
        today,
        threshold,
        near: store.fund_near_retirement(threshold, LIST_LIMIT)?,
        near_count: store.fund_near_retirement_count(threshold)?,
        ending: store.fund_licence_ending(today, LICENCE_AHEAD_DAYS, LIST_LIMIT)?,
        ending_count: store.fund_licence_ending_count(today, LICENCE_AHEAD_DAYS)?,
        left: store.fund_left(month, today, LIST_LIMIT)?,
        left_count: store.fund_events_count(&["retired", "licence_ended"], month, today)?,
        returned: store.fund_returned(back, today, LIST_LIMIT)?,
        returned_count: store.fund_events_count(&["returned"], back, today)?,
    })
}

/// A title's card. Who holds a copy is personal data: opening the card is
/// journaled when anyone holds one.
pub fn title_card(
    store: &mut Store,
    ctx: &Context,
    art: u64,
    today: NaiveDate,
) -> Result<TitleCard> {
    let Some(title) = store.fund_title(art)? else {
        return Err(Error::NotInFund(art));
    };
    let holders = store.fund_holders(PROVIDER, art, today)?;
    if !holders.is_empty() {
        store.journal_fund_view(
            &ctx.actor,
            &format!(
                "«{}» (art {}): показано, у кого книга — {}",
                title.title,
                art,
                crate::domain::text::counted(
                    holders.len() as u64,
                    "читатель",
                    "читателя",
                    "читателей"
                )
            ),
        )?;
    }
    Ok(TitleCard {
        requests: store.fund_title_requests(art, TITLE_REQUESTS_LIMIT)?,
        events: store.fund_title_events(art)?,
        rebuyable: store.fund_rebuyable(art)?,
        holders,
        title,
    })
}

/// Titles added to the fund in a month `YYYY-MM`, for the catalogue export.
pub fn month_titles(store: &Store, month: &str, limit: usize) -> Result<Vec<FundTitle>> {
    let (y, m) = fund::parse_month(month).ok_or_else(|| {
        Error::BadFundInput(format!(
            "Месяц «{month}» не понят: укажите его как ГГГГ-ММ, например 2026-11."
        ))
    })?;
    let (from, to) = fund::month_bounds(y, m)
        .ok_or_else(|| Error::BadFundInput(format!("Месяца «{month}» нет в календаре.")))?;
    Ok(store.fund_added(from, to, limit)?)
}

// ---------------------------------------------------------------- collections

pub fn collections(store: &Store) -> Result<Vec<CollectionRow>> {
    Ok(store.collections()?)
}

pub fn collection(store: &Store, id: i64) -> Result<Collection> {
    let (head, items) = store
        .collection(id)?
        .ok_or(Error::Store(crate::store::StoreError::CollectionNotFound))?;
    Ok(Collection {
        id: head.id,
        name: head.name,
        description: head.description,
        audience: head.audience,
        items,
    })
}

/// Creates (`id` None) or changes a collection's name, description and audience.
pub fn save_collection(
    store: &mut Store,
    ctx: &Context,
    id: Option<i64>,
    name: &str,
    description: &str,
    audience: &Audience,
) -> Result<i64> {
    let problems = fund::check_collection(name, description, audience);
    if !problems.is_empty() {
        return Err(Error::BadFundInput(problems.join(" ")));
    }
    let audience = match audience {
        Audience::Group(g) => Audience::Group(g.trim().to_owned()),
        a => a.clone(),
    };
    Ok(store.save_collection(&ctx.actor, id, name.trim(), description.trim(), &audience)?)
}

/// Adds titles at the end of a collection (those already in it stay where they are).
pub fn add_to_collection(store: &mut Store, ctx: &Context, id: i64, arts: &[u64]) -> Result<usize> {
    let current = collection(store, id)?;
    let mut order: Vec<u64> = current.items.iter().map(|t| t.art).collect();
    let mut added = 0;
    for &art in arts {
        if order.contains(&art) {
            continue;
        }
        if store.fund_title(art)?.is_none() {
            return Err(Error::NotInFund(art));
        }
        order.push(art);
        added += 1;
    }
    if order.len() > fund::COLLECTION_ITEMS_MAX {
        return Err(Error::BadFundInput(format!(
            "В подборке может быть не больше {} книг: уберите лишние.",
            fund::COLLECTION_ITEMS_MAX
        )));
    }
    if added > 0 {
        store.set_collection_items(
            &ctx.actor,
            id,
            &order,
            &format!(
                "добавлено {}",
                crate::domain::text::counted(added as u64, "книга", "книги", "книг")
            ),
        )?;
    }
    Ok(added)
}

pub fn remove_from_collection(store: &mut Store, ctx: &Context, id: i64, art: u64) -> Result<()> {
    let current = collection(store, id)?;
    let Some(t) = current.items.iter().find(|t| t.art == art) else {
        return Ok(());
    };
    let what = format!("убрана «{}»", t.title);
    let order: Vec<u64> = current
        .items
        .iter()
        .map(|t| t.art)
        .filter(|a| *a != art)
        .collect();
    Ok(store.set_collection_items(&ctx.actor, id, &order, &what)?)
}

/// Moves a title one place up (`-1`) or down (`+1`) — or anywhere by `delta`.
pub fn move_in_collection(
    store: &mut Store,
    ctx: &Context,
    id: i64,
    art: u64,
    delta: i64,
) -> Result<()> {
    let current = collection(store, id)?;
    let mut order: Vec<u64> = current.items.iter().map(|t| t.art).collect();
    let Some(from) = order.iter().position(|a| *a == art) else {
        return Ok(());
    };
    let to = (from as i64 + delta).clamp(0, order.len() as i64 - 1) as usize;
    if to == from {
        return Ok(());
    }
    let a = order.remove(from);
    order.insert(to, a);
    let what = format!("«{}» — на место {}", current.items[from].title, to + 1);
    Ok(store.set_collection_items(&ctx.actor, id, &order, &what)?)
}

pub fn delete_collection(store: &mut Store, ctx: &Context, id: i64) -> Result<()> {
    Ok(store.delete_collection(&ctx.actor, id)?)
}

/// Journals an export of the fund (what and where, never personal data).
pub(crate) fn journal_export(store: &mut Store, ctx: &Context, details: &str) -> Result<()> {
    store.record_event(&ctx.actor, EventKind::FundExported, None, None, details)?;
    Ok(())
}

// ------------------------------------------------------------------ exports

/// What the monthly catalogue export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogueFormat {
    /// MARC 21 in ISO 2709 (`.mrc`): what IRBIS, Koha and OPAC import.
    Iso2709,
    /// MARCXML (`.xml`).
    MarcXml,
    /// CSV for spreadsheets and scripts.
    Csv,
}

impl CatalogueFormat {
    pub fn from_code(s: &str) -> Option<CatalogueFormat> {
        match s {
            "iso2709" => Some(CatalogueFormat::Iso2709),
            "marcxml" => Some(CatalogueFormat::MarcXml),
            "csv" => Some(CatalogueFormat::Csv),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CatalogueFormat::Iso2709 => "MARC 21 (ISO 2709)",
            CatalogueFormat::MarcXml => "MARCXML",
            CatalogueFormat::Csv => "CSV",
        }
    }
}

/// The most titles one month's export takes (a month of a big library is
/// a few thousand).
pub const EXPORT_MAX: usize = 100_000;

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportReport {
    pub month: String,
    pub format: CatalogueFormat,
    pub records: usize,
    pub path: std::path::PathBuf,
}

impl ExportReport {
    /// «Выгружено 12 записей за 2026-11 (MARC 21 (ISO 2709)): /путь».
    pub fn summary(&self) -> String {
        format!(
            "Выгружено {} за {} ({}): {}",
            crate::domain::text::counted(self.records as u64, "запись", "записи", "записей"),
            self.month,
            self.format.label(),
            self.path.display()
        )
    }
}

fn catalogue_options(ctx: &Context) -> crate::export::CatalogueOptions {
    crate::export::CatalogueOptions {
        site: site(ctx),
        partner: partner(ctx),
        library_name: ctx.settings.library_name.clone(),
        org_code: None,
        created: ctx.today(),
    }
}

fn booklet_options(ctx: &Context) -> crate::export::BookletOptions {
    crate::export::BookletOptions {
        library_name: ctx.settings.library_name.clone(),
        site: site(ctx),
        partner: partner(ctx),
    }
}

fn site(ctx: &Context) -> String {
    let s = ctx.settings.provider_site_url.trim();
    if s.is_empty() {
        fund::DEFAULT_SITE.to_owned()
    } else {
        s.to_owned()
    }
}

fn partner(ctx: &Context) -> Option<String> {
    Some(ctx.settings.provider_partner.trim().to_owned()).filter(|p| !p.is_empty())
}

/// Writes a file whole or not at all (a temporary file renamed into place).
fn write_whole(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    crate::private::write(path, bytes).map_err(|e| Error::file(super::FileAction::Write, path, e))
}

/// The month's new titles for the electronic catalogue, written to `out`
/// whole or not at all, and journaled.
pub fn export_month(
    store: &mut Store,
    ctx: &Context,
    month: &str,
    format: CatalogueFormat,
    out: &std::path::Path,
) -> Result<ExportReport> {
    let titles = month_titles(store, month, EXPORT_MAX + 1)?;
    if titles.len() > EXPORT_MAX {
        return Err(Error::BadFundInput(format!(
            "За {month} в фонд пришло больше {EXPORT_MAX} книг: выгрузка такого объёма не предусмотрена."
        )));
    }
    if titles.is_empty() {
        return Err(Error::BadFundInput(format!(
            "За {month} новых книг в фонде нет: выгружать нечего. Проверьте месяц или синхронизируйте фонд (F5)."
        )));
    }
    let o = catalogue_options(ctx);
    let bytes = match format {
        CatalogueFormat::Iso2709 => crate::export::marc_iso2709(&titles, &o)?,
        CatalogueFormat::MarcXml => crate::export::marc_xml(&titles, &o)?,
        CatalogueFormat::Csv => crate::export::catalogue_csv(&titles, &o)?,
    };
    write_whole(out, &bytes)?;
    let report = ExportReport {
        month: month.trim().to_owned(),
        format,
        records: titles.len(),
        path: out.to_path_buf(),
    };
    journal_export(
        store,
        ctx,
        &format!(
            "новые книги за {}: {}, {}",
            report.month,
            crate::domain::text::counted(report.records as u64, "запись", "записи", "записей"),
            format.label()
        ),
    )?;
    Ok(report)
}

/// A collection's booklet (A5 PDF) written to `out`; the notice to show.
pub fn save_booklet(
    store: &mut Store,
    ctx: &Context,
    id: i64,
    out: &std::path::Path,
) -> Result<String> {
    let c = collection(store, id)?;
    let bytes = crate::export::booklet_pdf(&c, &booklet_options(ctx))?;
    write_whole(out, &bytes)?;
    journal_export(store, ctx, &format!("подборка «{}»: буклет PDF", c.name))?;
    Ok(format!(
        "Буклет подборки «{}» сохранён: {}",
        c.name,
        out.display()
    ))
}

/// A collection as an HTML page for the website, written to `out`.
pub fn save_html(
    store: &mut Store,
    ctx: &Context,
    id: i64,
    out: &std::path::Path,
) -> Result<String> {
    let c = collection(store, id)?;
    if c.items.is_empty() {
        return Err(Error::BadFundInput(
            "В подборке нет книг: добавьте книги из поиска по фонду.".into(),
        ));
    }
    let html = crate::export::collection_html(&c, &booklet_options(ctx));
    write_whole(out, html.as_bytes())?;
    journal_export(store, ctx, &format!("подборка «{}»: страница HTML", c.name))?;
    Ok(format!(
        "Страница подборки «{}» сохранена: {}",
        c.name,
        out.display()
    ))
}

/// Stores a complete pull of the fund as of `today` (what the sync does after
/// reading every page), comparing it with the pull before.
pub fn store_pulled(
    store: &mut Store,
    rows: &[crate::store::FundRow],
    today: NaiveDate,
) -> Result<()> {
    Ok(store.store_fund(rows, today)?)
}
