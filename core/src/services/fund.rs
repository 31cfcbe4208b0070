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
