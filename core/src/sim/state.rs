//! The simulated library: reader cards, catalogue, fund, requests, loans, money, sessions,
//! and the functions of `api::func` working on them. Pure (no I/O); the server calls
//! [`State::exec`] for each call of a batch with the simulator's clock.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration as ChronoDuration, FixedOffset, Months, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use super::catalogue::{self, Book};
use super::rules::{ISSUES_PER_COPY, Rules, UNAVAILABLE_AFTER_LICENCE_DAYS};
use super::scenario::{Scenario, ScenarioError, StateSpec};
use crate::provider::api::{
    self, AgeGroups, FundItem, LoanInfo, Money, Refusal, RefusalReason, RequestStatus, func,
};
use crate::provider::protocol::codes;

/// Longest reader name; longer names are truncated (documented behaviour).
pub const MAX_NAME_CHARS: usize = 255;
/// Default and largest page of `r_biblio_request_list` (ours).
pub const REQUEST_PAGE_DEFAULT: u64 = 100;
pub const REQUEST_PAGE_MAX: u64 = 50_000;
/// Longest loan period a reader's own settings may ask for, in days.
pub const MAX_READER_LOAN_DAYS: u32 = 90;
/// Highest price cap a reader's own settings may ask for.
pub const MAX_SELF_PRICE_CAP: Money = Money(100_000 * 100);
/// Most books a month a reader's own settings may allow.
pub const MAX_SELF_PURCHASES: u32 = 100;
/// Longest `ref_id` of a direct issue.
pub const MAX_REF_ID_CHARS: usize = 200;

/// A reader card.
#[derive(Debug, Clone, PartialEq)]
pub struct SimReader {
    pub lib_card: String,
    pub password: String,
    pub name: String,
    pub birth_date: NaiveDate,
    pub mail: Option<String>,
    pub phone: Option<String>,
    pub libhouse: u64,
    pub created: DateTime<FixedOffset>,
    /// The reader's own loan period (`None`: the library's).
    pub loan_days: Option<u32>,
    /// The highest price of a book the reader may take without waiting for the library.
    pub self_price_cap: Option<Money>,
    /// How many such books a month.
    pub self_purchases: Option<u32>,
}

/// A book request.
#[derive(Debug, Clone, PartialEq)]
pub struct SimRequest {
    pub id: String,
    pub lib_card: String,
    pub art: u64,
    pub status: RequestStatus,
    pub created: DateTime<FixedOffset>,
    pub updated: DateTime<FixedOffset>,
    /// Change sequence number (the `since` cursor).
    pub rev: u64,
    pub refusal: Option<Refusal>,
    pub loan_id: Option<u64>,
    /// Issued from the reader's card without a request (`w_biblio_issue_direct`).
    pub direct: bool,
    /// The desk's id of the write that made this request (direct issues).
    pub ref_id: Option<String>,
    /// Issued through a purchase: `"library"` or `"reader"`.
    pub bought_by: Option<String>,
}

/// A loan of one copy.
#[derive(Debug, Clone, PartialEq)]
pub struct SimLoan {
    pub id: u64,
    pub request_id: String,
    pub lib_card: String,
    pub art: u64,
    /// The copy lent; 0 for a free title (no copy needed).
    pub copy_id: u64,
    pub start: DateTime<FixedOffset>,
    pub due: DateTime<FixedOffset>,
    pub returned: bool,
}

/// One copy in the fund.
#[derive(Debug, Clone, PartialEq)]
pub struct SimCopy {
    pub id: u64,
    pub art: u64,
    pub issues: u32,
    pub on_loan: Option<u64>,
    pub bought: NaiveDate,
    pub licence_end: NaiveDate,
    /// Left the fund at its last allowed issue.
    pub retired: bool,
}

/// A purchase into the fund.
#[derive(Debug, Clone, PartialEq)]
pub struct Purchase {
    pub art: u64,
    pub price: Money,
    pub lib_card: Option<String>,
    pub at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, PartialEq)]
enum EventKind {
    NewReader,
    Request,
    Issue,
    Refusal(RefusalReason),
    Cancel,
    Purchase(Money),
}

#[derive(Debug, Clone, PartialEq)]
struct Event {
    at: DateTime<FixedOffset>,
    kind: EventKind,
    lib_card: Option<String>,
}

type CallResult = Result<Value, u32>;

/// The whole simulated provider state.
#[derive(Debug)]
pub struct State {
    pub libhouse: u64,
    pub library_name: String,
    pub money: Money,
    pub rules: Rules,
    staff_login: String,
    staff_password: String,
    catalogue: Vec<Book>,
    /// art → index into `catalogue`.
    art_index: HashMap<u64, usize>,
    readers: Vec<SimReader>,
    card_index: HashMap<String, usize>,
    requests: Vec<SimRequest>,
    request_index: HashMap<String, usize>,
    /// `ref_id` of a direct issue → index into `requests`.
    ref_index: HashMap<String, usize>,
    /// rev → index into `requests`.
    by_rev: BTreeMap<u64, usize>,
    loans: Vec<SimLoan>,
    copies: Vec<SimCopy>,
    purchases: Vec<Purchase>,
    events: Vec<Event>,
    applied_writes: HashMap<String, u32>,
    /// sid → last use.
    sessions: HashMap<String, DateTime<FixedOffset>>,
    session_ttl: ChronoDuration,
    next_rev: u64,
    next_card: u64,
    next_request: u64,
    next_loan: u64,
    next_copy: u64,
    rng: StdRng,
}

/// Parameters of [`State::new`].
pub struct StateInit {
    pub libhouse: u64,
    pub library_name: String,
    pub rules: Rules,
    pub staff_login: String,
    pub staff_password: String,
    pub seed: u64,
    pub catalogue_size: usize,
    pub session_ttl: ChronoDuration,
}

fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

fn age_group(groups: &mut AgeGroups, age: u32) {
    match age {
        0..=14 => groups.up_to_14 += 1,
        15..=30 => groups.from_15_to_30 += 1,
        _ => groups.from_31 += 1,
    }
}

pub(crate) fn mail_ok(m: &str) -> bool {
    let m = m.trim();
    let Some((local, domain)) = m.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !m.chars().any(char::is_whitespace)
        && !domain.contains('@')
}

pub(crate) fn phone_ok(p: &str) -> bool {
    let p = p.trim();
    let digits = p.chars().filter(char::is_ascii_digit).count();
    let allowed = p.chars().enumerate().all(|(i, c)| {
        c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')') || (c == '+' && i == 0)
    });
    allowed && (10..=15).contains(&digits)
}

fn opt_str(v: &Value, key: &str) -> Option<String> {
    match v.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn opt_u64(v: &Value, key: &str) -> Option<u64> {
    match v.get(key) {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `limit: [N, M]`; `None` when absent, `Err` when malformed.
fn parse_limit(v: &Value) -> Result<Option<(u64, u64)>, u32> {
    match v.get("limit") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) if a.len() == 2 => match (a[0].as_u64(), a[1].as_u64()) {
            (Some(n), Some(m)) => Ok(Some((n, m))),
            _ => Err(codes::LIMIT_MALFORMED),
        },
        Some(_) => Err(codes::LIMIT_MALFORMED),
    }
}

fn parse<T: serde::de::DeserializeOwned>(v: &Value) -> Result<T, u32> {
    serde_json::from_value(v.clone()).map_err(|_| codes::INVALID_PARAM)
}

fn fmt_time(t: DateTime<FixedOffset>) -> String {
    crate::provider::protocol::format_time(t)
}

impl State {
    pub fn new(init: StateInit) -> Self {
        let mut rng = StdRng::seed_from_u64(init.seed);
        let catalogue = catalogue::generate(&mut rng, init.catalogue_size);
        let art_index = catalogue
            .iter()
            .enumerate()
            .map(|(i, b)| (b.art, i))
            .collect();
        State {
            libhouse: init.libhouse,
            library_name: init.library_name,
            money: init.rules.money,
            rules: init.rules,
            staff_login: init.staff_login,
            staff_password: init.staff_password,
            catalogue,
            art_index,
            readers: Vec::new(),
            card_index: HashMap::new(),
            requests: Vec::new(),
            request_index: HashMap::new(),
            ref_index: HashMap::new(),
            by_rev: BTreeMap::new(),
            loans: Vec::new(),
            copies: Vec::new(),
            purchases: Vec::new(),
            events: Vec::new(),
            applied_writes: HashMap::new(),
            sessions: HashMap::new(),
            session_ttl: init.session_ttl,
            next_rev: 1,
            next_card: 1,
            next_request: 1,
            next_loan: 1,
            next_copy: 1,
            rng,
        }
    }

    // ----------------------------------------------------------------- accessors

    pub fn catalogue(&self) -> &[Book] {
        &self.catalogue
    }
    pub fn book(&self, art: u64) -> Option<&Book> {
        self.art_index.get(&art).map(|&i| &self.catalogue[i])
    }
    pub fn readers(&self) -> &[SimReader] {
        &self.readers
    }
    pub fn reader(&self, lib_card: &str) -> Option<&SimReader> {
        self.card_index.get(lib_card).map(|&i| &self.readers[i])
    }
    pub fn sim_requests(&self) -> &[SimRequest] {
        &self.requests
    }
    pub fn loans(&self) -> &[SimLoan] {
        &self.loans
    }
    pub fn copies(&self) -> &[SimCopy] {
        &self.copies
    }
    pub fn purchases(&self) -> &[Purchase] {
        &self.purchases
    }
    pub fn applied_writes(&self, request_id: &str) -> u32 {
        self.applied_writes.get(request_id).copied().unwrap_or(0)
    }
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// The request as the API shows it.
    pub fn request_dto(&self, r: &SimRequest) -> api::Request {
        let reader = self.reader(&r.lib_card);
        let book = self.book(r.art);
        let loan = r
            .loan_id
            .and_then(|id| self.loans.iter().find(|l| l.id == id))
            .map(|l| LoanInfo {
                id: Some(l.id.to_string()),
                start: Some(l.start),
                due: Some(l.due),
            });
        // Every field spelled out: a new field of the API must be filled here too.
        api::Request {
            id: r.id.clone(),
            lib_card: r.lib_card.clone(),
            reader_name: reader.map(|x| x.name.clone()),
            reader_birth_date: reader.map(|x| x.birth_date),
            art: r.art,
            title: book.map(|b| b.title.clone()).unwrap_or_default(),
            authors: book.map(|b| b.authors.clone()).unwrap_or_default(),
            genre: book.map(|b| b.genre.clone()).filter(|g| !g.is_empty()),
            kind: book.map(|b| b.kind).unwrap_or_default(),
            price: book.map(|b| b.price),
            age_rating: book.map(|b| b.age_rating),
            status: r.status,
            created: Some(r.created),
            updated: Some(r.updated),
            refusal: r.refusal.clone(),
            loan,
            rating: book.and_then(|b| b.rating),
            reviews: book.and_then(|b| b.reviews),
            draft: book.is_some_and(|b| b.draft),
            samizdat: book.is_some_and(|b| b.samizdat),
            free: book.is_some_and(|b| b.free),
            bought_by: r.bought_by.clone(),
            direct: r.direct,
            ref_id: r.ref_id.clone(),
        }
    }

    /// The request as it goes on the wire: the rating in stars (`4.6`), as the API reads
    /// it back (`api::de::opt_rating`), not in the tenths the DTO keeps.
    fn request_json(&self, r: &SimRequest) -> Value {
        let mut v = serde_json::to_value(self.request_dto(r)).unwrap_or(Value::Null);
        if let Value::Object(m) = &mut v
            && let Some(tenths) = m.get("rating").and_then(Value::as_u64)
        {
            m.insert("rating".into(), json!(tenths as f64 / 10.0));
        }
        v
    }

    /// The answer of a call that changed request `idx`.
    fn changed(&self, idx: usize) -> CallResult {
        Ok(json!({"request": self.request_json(&self.requests[idx])}))
    }

    pub fn request(&self, id: &str) -> Option<api::Request> {
        self.request_index
            .get(id)
            .map(|&i| self.request_dto(&self.requests[i]))
    }

    pub fn requests(&self) -> Vec<api::Request> {
        self.requests.iter().map(|r| self.request_dto(r)).collect()
    }

    /// The fund as `r_biblio_fund_list` shows it (titles with a copy in the fund).
    pub fn fund(&self) -> Vec<FundItem> {
        let mut by_art: BTreeMap<u64, FundItem> = BTreeMap::new();
        for c in &self.copies {
            let Some(book) = self.book(c.art) else {
                continue;
            };
            let item = by_art.entry(c.art).or_insert_with(|| FundItem {
                art: c.art,
                title: book.title.clone(),
                authors: book.authors.clone(),
                genre: Some(book.genre.clone()).filter(|g| !g.is_empty()),
                kind: book.kind,
                price: Some(book.price),
                age_rating: Some(book.age_rating),
                annotation: book.annotation.clone(),
                ..FundItem::default()
            });
            item.issues += c.issues;
            if c.retired {
                continue;
            }
            item.copies += 1;
            item.copy_issues.push(c.issues);
            if c.on_loan.is_some() {
                item.on_loan += 1;
            }
            item.licence_end = item.licence_end.max(Some(c.licence_end));
            item.bought = Some(item.bought.map_or(c.bought, |b| b.min(c.bought)));
        }
        by_art.into_values().filter(|i| i.copies > 0).collect()
    }

    // ----------------------------------------------------------------- direct changes (tests, demo)

    fn bump_rev(&mut self, idx: usize) {
        let old = self.requests[idx].rev;
        self.by_rev.remove(&old);
        let rev = self.next_rev;
        self.next_rev += 1;
        self.requests[idx].rev = rev;
        self.by_rev.insert(rev, idx);
    }

    /// Adds a reader card directly (no validation).
    pub fn add_reader(
        &mut self,
        name: String,
        birth_date: NaiveDate,
        mail: Option<String>,
        phone: Option<String>,
        now: DateTime<FixedOffset>,
    ) -> SimReader {
        let lib_card = loop {
            let card = format!("{}{:06}", self.libhouse, self.next_card);
            self.next_card += 1;
            // A scenario may have taken the number already.
            if !self.card_index.contains_key(&card) {
                break card;
            }
        };
        self.push_reader(lib_card, name, birth_date, mail, phone, now)
    }

    /// Adds a reader card with a given number (scenarios, the demo); `None` if the
    /// number is taken.
    pub fn add_reader_with_card(
        &mut self,
        lib_card: &str,
        name: String,
        birth_date: NaiveDate,
        mail: Option<String>,
        phone: Option<String>,
        created: DateTime<FixedOffset>,
    ) -> Option<SimReader> {
        let lib_card = lib_card.trim();
        if lib_card.is_empty() || self.card_index.contains_key(lib_card) {
            return None;
        }
        Some(self.push_reader(lib_card.to_string(), name, birth_date, mail, phone, created))
    }

    fn push_reader(
        &mut self,
        lib_card: String,
        name: String,
        birth_date: NaiveDate,
        mail: Option<String>,
        phone: Option<String>,
        now: DateTime<FixedOffset>,
    ) -> SimReader {
        let password: String = (0..8)
            .map(|_| {
                const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
                char::from(ALPHABET[self.rng.random_range(0..ALPHABET.len())])
            })
            .collect();
        let reader = SimReader {
            lib_card: lib_card.clone(),
            password,
            name,
            birth_date,
            mail,
            phone,
            libhouse: self.libhouse,
            created: now,
            loan_days: None,
            self_price_cap: None,
            self_purchases: None,
        };
        self.card_index.insert(lib_card.clone(), self.readers.len());
        self.readers.push(reader.clone());
        self.events.push(Event {
            at: now,
            kind: EventKind::NewReader,
            lib_card: Some(lib_card),
        });
        reader
    }

    /// Adds a generated reader.
    pub fn add_random_reader(&mut self, now: DateTime<FixedOffset>) -> SimReader {
        let n = self.next_card;
        let (name, birth, mail, phone) = catalogue::reader(&mut self.rng, now.date_naive(), n);
        self.add_reader(name, birth, mail, phone, now)
    }

    /// Adds a pending request of `lib_card` for `art` (as if the reader asked online).
    pub fn add_request(
        &mut self,
        lib_card: &str,
        art: u64,
        now: DateTime<FixedOffset>,
    ) -> Result<String, u32> {
        if self.reader(lib_card).is_none() {
            return Err(codes::READER_NOT_FOUND);
        }
        if self.book(art).is_none() {
            return Err(codes::ART_NOT_FOUND);
        }
        let idx = self.push_request(lib_card, art, now, None);
        let id = self.requests[idx].id.clone();
        self.events.push(Event {
            at: now,
            kind: EventKind::Request,
            lib_card: Some(lib_card.to_string()),
        });
        Ok(id)
    }

    /// A new pending request (no checks, no event); `ref_id` marks a direct issue.
    fn push_request(
        &mut self,
        lib_card: &str,
        art: u64,
        now: DateTime<FixedOffset>,
        ref_id: Option<String>,
    ) -> usize {
        let id = self.next_request.to_string();
        self.next_request += 1;
        let idx = self.requests.len();
        if let Some(r) = &ref_id {
            self.ref_index.insert(r.clone(), idx);
        }
        self.requests.push(SimRequest {
            id: id.clone(),
            lib_card: lib_card.to_string(),
            art,
            status: RequestStatus::Pending,
            created: now,
            updated: now,
            rev: 0,
            refusal: None,
            loan_id: None,
            direct: ref_id.is_some(),
            ref_id,
            bought_by: None,
        });
        self.request_index.insert(id, idx);
        self.bump_rev(idx);
        idx
    }

    /// Adds `n` requests from generated readers (new ones ~30% of the time) for random books.
    pub fn add_random_requests(&mut self, n: usize, now: DateTime<FixedOffset>) -> Vec<String> {
        let mut ids = Vec::with_capacity(n);
        if self.catalogue.is_empty() {
            return ids;
        }
        for _ in 0..n {
            let lib_card = if self.readers.is_empty() || self.rng.random_bool(0.3) {
                self.add_random_reader(now).lib_card
            } else {
                let i = self.rng.random_range(0..self.readers.len());
                self.readers[i].lib_card.clone()
            };
            let art = self.catalogue[self.rng.random_range(0..self.catalogue.len())].art;
            if let Ok(id) = self.add_request(&lib_card, art, now) {
                ids.push(id);
            }
        }
        ids
    }

    /// Puts `copies` copies of `art` into the fund without paying (initial fund).
    pub fn stock(&mut self, art: u64, copies: u32, now: DateTime<FixedOffset>) -> Result<(), u32> {
        if self.book(art).is_none() {
            return Err(codes::ART_NOT_FOUND);
        }
        for _ in 0..copies {
            self.new_copy(art, now.date_naive());
        }
        Ok(())
    }

    /// Stocks `titles` random titles with 1–2 copies each.
    pub fn stock_random(&mut self, titles: usize, now: DateTime<FixedOffset>) {
        if self.catalogue.is_empty() {
            return;
        }
        for _ in 0..titles {
            let art = self.catalogue[self.rng.random_range(0..self.catalogue.len())].art;
            let n = self.rng.random_range(1..=2);
            // The art is from the catalogue, so this cannot fail.
            let _ = self.stock(art, n, now);
        }
    }

    fn new_copy(&mut self, art: u64, today: NaiveDate) -> u64 {
        let id = self.next_copy;
        self.next_copy += 1;
        let licence_end = today + ChronoDuration::days(i64::from(self.rules.licence_days));
        self.copies.push(SimCopy {
            id,
            art,
            issues: 0,
            on_loan: None,
            bought: today,
            licence_end,
            retired: false,
        });
        id
    }

    // ----------------------------------------------------------------- scenarios

    /// Adds a book to the catalogue; `false` (nothing added) if its art is taken.
    pub fn add_book(&mut self, book: Book) -> bool {
        if self.art_index.contains_key(&book.art) {
            return false;
        }
        self.art_index.insert(book.art, self.catalogue.len());
        self.catalogue.push(book);
        true
    }

    /// Sets up a fresh state as a checked [`Scenario`] says, at the simulator's `now`:
    /// its books join the catalogue, then its readers, fund and requests (in the order
    /// they were made; issued ones lend a copy, and loans already due are returned).
    /// The scenario states facts: they are not checked against the lending rules.
    pub fn apply_scenario(
        &mut self,
        sc: &Scenario,
        now: DateTime<FixedOffset>,
    ) -> Result<(), ScenarioError> {
        let fail = |line: Option<usize>, message: String| ScenarioError { line, message };
        let generated = self.catalogue.len();
        for (i, b) in sc.books.iter().enumerate() {
            let book = Book {
                art: b.art,
                title: b.title.trim().to_string(),
                authors: b.authors.trim().to_string(),
                genre: b.genre.trim().to_string(),
                kind: b.kind.kind(),
                price: if b.free {
                    Money(0)
                } else {
                    b.price.unwrap_or_default()
                },
                age_rating: b.age_rating,
                rating: b.rating.map(|r| (r * 10.0).round() as u16),
                reviews: b.reviews,
                draft: b.draft,
                samizdat: b.samizdat,
                free: b.free,
                annotation: b
                    .annotation
                    .as_deref()
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_owned),
            };
            if !self.add_book(book) {
                return Err(fail(
                    b.line,
                    format!(
                        "книга №{} (art {}): такой номер уже у книги созданного каталога \
                         ({} книг с {}): выберите другой art или задайте generated_books",
                        i + 1,
                        b.art,
                        generated,
                        catalogue::FIRST_ART
                    ),
                ));
            }
        }
        let at_ten = |d: NaiveDate| {
            d.and_hms_opt(10, 0, 0)
                .and_then(|t| {
                    t.and_local_timezone(crate::provider::protocol::moscow())
                        .single()
                })
                .unwrap_or(now)
        };
        let mut first_request: HashMap<&str, DateTime<FixedOffset>> = HashMap::new();
        for r in &sc.requests {
            let t = r.created(now);
            first_request
                .entry(r.card.trim())
                .and_modify(|x| *x = (*x).min(t))
                .or_insert(t);
        }
        let today = now.date_naive();
        for (i, r) in sc.readers.iter().enumerate() {
            let at = |m: String| fail(r.line, format!("читатель №{}: {m}", i + 1));
            let card = r.card.trim();
            if r.birth_date > today {
                return Err(at(format!(
                    "дата рождения {} позже сегодняшней",
                    r.birth_date
                )));
            }
            if r.registered.is_some_and(|d| d > today) {
                return Err(at("дата регистрации (registered) позже сегодняшней".into()));
            }
            let created = r
                .registered
                .map(at_ten)
                .or_else(|| first_request.get(card).copied())
                .unwrap_or(now)
                .min(now);
            let name: String = r.name.trim().chars().take(MAX_NAME_CHARS).collect();
            let added = self.add_reader_with_card(
                card,
                name,
                r.birth_date,
                r.email.as_ref().map(|m| m.trim().to_string()),
                r.phone.as_ref().map(|p| p.trim().to_string()),
                created,
            );
            if added.is_none() {
                return Err(at(format!("карта «{card}» уже занята")));
            }
            if let Some(reader) = self.readers.last_mut() {
                reader.loan_days = r.loan_days;
                reader.self_price_cap = r.self_price_cap;
                reader.self_purchases = r.self_purchases;
            }
        }
        for (i, f) in sc.fund.iter().enumerate() {
            let at = |m: String| {
                fail(
                    f.line,
                    format!("запись фонда №{} (art {}): {m}", i + 1, f.art),
                )
            };
            if self.book(f.art).is_none() {
                return Err(at(
                    "такой книги нет ни в созданном каталоге, ни в [[books]]: добавьте её \
                     в [[books]] или исправьте art"
                        .into(),
                ));
            }
            let bought = f.bought.unwrap_or(today);
            if bought > today {
                return Err(at(format!("дата покупки {bought} позже сегодняшней")));
            }
            for c in 0..f.copies as usize {
                self.new_copy(f.art, bought);
                if let Some(copy) = self.copies.last_mut() {
                    copy.issues = f.issues.get(c).copied().unwrap_or(0);
                }
            }
        }
        let mut order: Vec<usize> = (0..sc.requests.len()).collect();
        order.sort_by_key(|&i| sc.requests[i].created(now));
        for i in order {
            let r = &sc.requests[i];
            let at = |m: String| fail(r.line, format!("запрос №{}: {m}", i + 1));
            let created = r.created(now);
            if created > now + ChronoDuration::minutes(1) {
                return Err(at(format!(
                    "время запроса {} позже текущего: запрос не может быть из будущего",
                    fmt_time(created)
                )));
            }
            let card = r.card.trim();
            let Some(book) = self.book(r.art) else {
                return Err(at(format!(
                    "книги art {} нет ни в созданном каталоге, ни в [[books]]: добавьте её \
                     в [[books]] или исправьте art",
                    r.art
                )));
            };
            let price = book.price;
            self.settle(created);
            let idx = if r.direct {
                let idx = self.push_request(card, r.art, created, None);
                self.requests[idx].direct = true;
                idx
            } else {
                let id = self
                    .add_request(card, r.art, created)
                    .map_err(|_| at(format!("читателя с картой «{card}» нет")))?;
                self.request_index[&id]
            };
            match r.state {
                StateSpec::Pending => {}
                StateSpec::Issued => {
                    let copy = match r.bought_by {
                        Some(buyer) => {
                            let copy = self.new_copy(r.art, created.date_naive());
                            self.purchases.push(Purchase {
                                art: r.art,
                                price,
                                lib_card: Some(card.to_string()),
                                at: created,
                            });
                            self.events.push(Event {
                                at: created,
                                kind: EventKind::Purchase(price),
                                lib_card: Some(card.to_string()),
                            });
                            self.requests[idx].bought_by = Some(buyer.code().to_string());
                            Some(copy)
                        }
                        None => self
                            .copy_to_lend(r.art, created.date_naive())
                            .map_err(|code| {
                                at(if code == codes::LICENCE_EXPIRED {
                                    "лицензия на экземпляры этой книги к дате запроса истекла: \
                                     измените bought в [[fund]]"
                                        .to_string()
                                } else {
                                    format!(
                                        "выдан, но свободного экземпляра книги art {} в фонде \
                                         на {} нет: добавьте экземпляр в [[fund]] \
                                         или укажите bought_by",
                                        r.art,
                                        created.format("%d.%m.%Y %H:%M")
                                    )
                                })
                            })?,
                    };
                    self.lend(idx, copy, created);
                }
                StateSpec::Refused => {
                    let reason = RefusalReason::from_code(r.reason.as_deref().unwrap_or("other"));
                    let q = &mut self.requests[idx];
                    q.status = RequestStatus::Refused;
                    q.refusal = Some(Refusal {
                        reason,
                        text: r.refusal.as_deref().unwrap_or_default().trim().to_string(),
                    });
                    self.bump_rev(idx);
                    self.events.push(Event {
                        at: created,
                        kind: EventKind::Refusal(reason),
                        lib_card: Some(card.to_string()),
                    });
                }
                StateSpec::Cancelled => {
                    self.requests[idx].status = RequestStatus::Cancelled;
                    self.bump_rev(idx);
                    self.events.push(Event {
                        at: created,
                        kind: EventKind::Cancel,
                        lib_card: Some(card.to_string()),
                    });
                }
            }
        }
        self.settle(now);
        // What the scenario states is where the desk starts: no write applied yet.
        self.applied_writes.clear();
        Ok(())
    }

    // ----------------------------------------------------------------- sessions

    /// Creates a session after checking the staff login.
    pub fn create_session(&mut self, param: &Value, now: DateTime<FixedOffset>) -> CallResult {
        let login = opt_str(param, "login").unwrap_or_default();
        let pwd = param.get("pwd").and_then(Value::as_str).unwrap_or_default();
        if login != self.staff_login || pwd != self.staff_password {
            return Err(codes::BAD_CREDENTIALS);
        }
        let sid: String = (0..32)
            .map(|_| format!("{:x}", self.rng.random_range(0..16u8)))
            .collect();
        self.sessions.insert(sid.clone(), now);
        Ok(json!({"sid": sid, "currency": "RUB", "country": "RUS"}))
    }

    /// True (and the session touched) if `sid` is a live session.
    pub fn check_session(&mut self, sid: &str, now: DateTime<FixedOffset>) -> bool {
        let ttl = self.session_ttl;
        self.sessions.retain(|_, last| now - *last <= ttl);
        match self.sessions.get_mut(sid) {
            Some(last) => {
                *last = now;
                true
            }
            None => false,
        }
    }

    /// Ends a session (the `expired-session` fault).
    pub fn expire_session(&mut self, sid: &str) {
        self.sessions.remove(sid);
    }

    // ----------------------------------------------------------------- time passing

    /// Returns copies of loans that are due.
    pub fn settle(&mut self, now: DateTime<FixedOffset>) {
        for loan in self
            .loans
            .iter_mut()
            .filter(|l| !l.returned && l.due <= now)
        {
            loan.returned = true;
            if let Some(c) = self.copies.iter_mut().find(|c| c.id == loan.copy_id) {
                c.on_loan = None;
            }
        }
    }

    // ----------------------------------------------------------------- dispatch

    /// Runs one call. `Err(code)` is a per-id error; a failed call changes nothing.
    pub fn exec(
        &mut self,
        function: &str,
        param: &Value,
        now: DateTime<FixedOffset>,
    ) -> CallResult {
        match function {
            func::READER_CREATE => self.reader_create(param, now),
            func::READER_LIST => self.reader_list(param),
            func::REQUEST_LIST => self.request_list(param),
            func::REQUEST_ISSUE => self.request_issue(param, now),
            func::REQUEST_REFUSE => self.request_refuse(param, now),
            func::REQUEST_CANCEL => self.request_cancel(param, now),
            func::FUND_LIST => self.fund_list(param),
            func::FUND_BUY => self.fund_buy(param, now),
            func::STATS => self.stats(param, now),
            func::LIBRARY_INFO => self.library_info(param),
            func::ISSUE_DIRECT => self.issue_direct(param, now),
            func::READER_SETTINGS => self.reader_settings(param),
            func::CREATE_SID => self.create_session(param, now),
            _ => Err(codes::UNKNOWN_FUNCTION),
        }
    }

    fn check_libhouse(&self, v: Option<u64>) -> Result<(), u32> {
        if v == Some(self.libhouse) {
            Ok(())
        } else {
            Err(codes::UNKNOWN_LIBHOUSE)
        }
    }

    // ----------------------------------------------------------------- readers (documented)

    fn reader_create(&mut self, p: &Value, now: DateTime<FixedOffset>) -> CallResult {
        self.check_libhouse(opt_u64(p, "libhouse"))?;
        let name = opt_str(p, "name").ok_or(codes::NAME_MISSING)?;
        let name: String = name.chars().take(MAX_NAME_CHARS).collect();
        let birth = p
            .get("birth_date")
            .and_then(Value::as_str)
            .and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok())
            .ok_or(codes::BIRTH_DATE_INVALID)?;
        let today = now.date_naive();
        let latest = today
            .checked_sub_months(Months::new(36))
            .ok_or(codes::BIRTH_DATE_INVALID)?;
        if birth > latest {
            return Err(codes::BIRTH_DATE_TOO_RECENT);
        }
        let mail = opt_str(p, "mail");
        let phone = opt_str(p, "phone");
        if mail.is_none() && phone.is_none() {
            return Err(codes::CONTACT_MISSING);
        }
        if mail.as_deref().is_some_and(|m| !mail_ok(m)) {
            return Err(codes::MAIL_MALFORMED);
        }
        if phone.as_deref().is_some_and(|m| !phone_ok(m)) {
            return Err(codes::PHONE_MALFORMED);
        }
        let r = self.add_reader(name, birth, mail, phone, now);
        Ok(json!({"lib_card": r.lib_card, "password": r.password}))
    }

    fn reader_json(r: &SimReader) -> Value {
        json!({
            "lib_card": r.lib_card,
            "name": r.name,
            "birth_date": r.birth_date.format("%Y-%m-%d").to_string(),
            "mail": r.mail,
            "phone": r.phone,
            "libhouse": r.libhouse,
            "created": fmt_time(r.created),
        })
    }

    fn reader_list(&self, p: &Value) -> CallResult {
        let limit = parse_limit(p)?;
        let selected: Vec<&SimReader> = match (p.get("lib_cards"), p.get("libhouses")) {
            // If lib_cards is present, libhouses is ignored.
            (Some(Value::Array(cards)), _) => cards
                .iter()
                .filter_map(|c| match c {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .filter_map(|c| self.reader(&c))
                .collect(),
            (Some(_), _) => return Err(codes::INVALID_PARAM),
            (None, Some(Value::Array(houses))) if !houses.is_empty() => {
                let mut wanted = HashSet::new();
                for h in houses {
                    let h = h
                        .as_u64()
                        .or_else(|| h.as_str().and_then(|s| s.parse().ok()));
                    self.check_libhouse(h)?;
                    wanted.extend(h);
                }
                self.readers
                    .iter()
                    .filter(|r| wanted.contains(&r.libhouse))
                    .collect()
            }
            _ => return Err(codes::SELECTOR_MISSING),
        };
        let total = selected.len();
        let page: Vec<Value> = match limit {
            Some((n, m)) => selected
                .into_iter()
                .skip(usize::try_from(n).unwrap_or(usize::MAX))
                .take(usize::try_from(m).unwrap_or(usize::MAX))
                .map(Self::reader_json)
                .collect(),
            None => selected.into_iter().map(Self::reader_json).collect(),
        };
        Ok(json!({"readers": page, "total": total}))
    }

    // ----------------------------------------------------------------- requests (ours)

    fn request_list(&self, p: &Value) -> CallResult {
        let q: api::RequestListQuery = parse(p)?;
        self.check_libhouse(Some(q.libhouse))?;
        let since = match q.since.as_deref() {
            None | Some("") => 0,
            Some(s) => s.trim().parse::<u64>().map_err(|_| codes::CURSOR_INVALID)?,
        };
        let updated_after = match q.updated_after.as_deref() {
            None => None,
            Some(s) => Some(crate::provider::protocol::parse_time(s).ok_or(codes::INVALID_PARAM)?),
        };
        let (skip, take) = parse_limit(p)?.unwrap_or((0, REQUEST_PAGE_DEFAULT));
        let take = take.min(REQUEST_PAGE_MAX);
        let matching = self
            .by_rev
            .range(since.saturating_add(1)..)
            .map(|(_, &i)| &self.requests[i])
            .filter(|r| updated_after.is_none_or(|t| r.updated >= t))
            .filter(|r| q.ids.as_ref().is_none_or(|ids| ids.contains(&r.id)))
            .filter(|r| {
                q.ref_ids
                    .as_ref()
                    .is_none_or(|refs| r.ref_id.as_ref().is_some_and(|id| refs.contains(id)))
            });
        let mut total = 0u64;
        let mut page = Vec::new();
        let mut last_rev = None;
        for r in matching {
            if total >= skip && (page.len() as u64) < take {
                page.push(self.request_json(r));
                last_rev = Some(r.rev);
            }
            total += 1;
        }
        let more = skip + (page.len() as u64) < total;
        let cursor = last_rev.unwrap_or(since).to_string();
        let requests = Value::Array(page);
        Ok(json!({"requests": requests, "cursor": cursor, "more": more, "total": total}))
    }

    fn pending_request(&self, id: &str) -> Result<usize, u32> {
        let &idx = self.request_index.get(id).ok_or(codes::REQUEST_NOT_FOUND)?;
        if self.requests[idx].status != RequestStatus::Pending {
            return Err(codes::REQUEST_NOT_PENDING);
        }
        Ok(idx)
    }

    /// Books on hand and age rating checks for issuing `art` to `lib_card`.
    fn check_reader(
        &self,
        lib_card: &str,
        art: u64,
        now: DateTime<FixedOffset>,
    ) -> Result<(), u32> {
        let reader = self.reader(lib_card).ok_or(codes::READER_NOT_FOUND)?;
        let book = self.book(art).ok_or(codes::ART_NOT_FOUND)?;
        if let Some(max) = self.rules.max_on_hand {
            let on_hand = self
                .loans
                .iter()
                .filter(|l| !l.returned && l.lib_card == lib_card)
                .count();
            if on_hand >= max as usize {
                return Err(codes::BOOKS_ON_HAND_LIMIT);
            }
        }
        if self.rules.age_check
            && age_on(reader.birth_date, now.date_naive()) < u32::from(book.age_rating)
        {
            return Err(codes::AGE_RATING);
        }
        Ok(())
    }

    /// The reader's loan period: the reader's own, else the library's.
    fn loan_days(&self, lib_card: &str) -> u32 {
        self.reader(lib_card)
            .and_then(|r| r.loan_days)
            .unwrap_or(self.rules.loan_days)
    }

    /// The copy to lend for `art` today: `None` for a free title (no copy needed), else
    /// the free licensed copy with the fewest issues.
    fn copy_to_lend(&self, art: u64, today: NaiveDate) -> Result<Option<u64>, u32> {
        let book = self.book(art).ok_or(codes::ART_NOT_FOUND)?;
        if book.free {
            return Ok(None);
        }
        let mut held = self
            .copies
            .iter()
            .filter(|c| c.art == art && !c.retired)
            .peekable();
        if held.peek().is_none() {
            return Err(codes::NO_FREE_COPY);
        }
        let licensed: Vec<&SimCopy> = held.filter(|c| c.licence_end >= today).collect();
        if licensed.is_empty() {
            return Err(codes::LICENCE_EXPIRED);
        }
        licensed
            .iter()
            .filter(|c| c.on_loan.is_none())
            .min_by_key(|c| (c.issues, c.id))
            .map(|c| Some(c.id))
            .ok_or(codes::NO_FREE_COPY)
    }

    /// Lends copy `copy_id` (none: a free title) for request `idx`.
    fn lend(&mut self, idx: usize, copy_id: Option<u64>, now: DateTime<FixedOffset>) {
        let loan_id = self.next_loan;
        self.next_loan += 1;
        let (request_id, lib_card, art) = {
            let r = &self.requests[idx];
            (r.id.clone(), r.lib_card.clone(), r.art)
        };
        let due = now + ChronoDuration::days(i64::from(self.loan_days(&lib_card)));
        if let Some(c) = copy_id.and_then(|id| self.copies.iter_mut().find(|c| c.id == id)) {
            c.issues += 1;
            c.on_loan = Some(loan_id);
            // The copy leaves the fund at its last allowed issue (it never comes back).
            if c.issues >= ISSUES_PER_COPY {
                c.retired = true;
            }
        }
        self.loans.push(SimLoan {
            id: loan_id,
            request_id: request_id.clone(),
            lib_card: lib_card.clone(),
            art,
            copy_id: copy_id.unwrap_or(0),
            start: now,
            due,
            returned: false,
        });
        let r = &mut self.requests[idx];
        r.status = RequestStatus::Issued;
        r.loan_id = Some(loan_id);
        r.updated = now;
        self.bump_rev(idx);
        *self.applied_writes.entry(request_id).or_insert(0) += 1;
        self.events.push(Event {
            at: now,
            kind: EventKind::Issue,
            lib_card: Some(lib_card),
        });
    }

    fn request_issue(&mut self, p: &Value, now: DateTime<FixedOffset>) -> CallResult {
        let q: api::RequestIssue = parse(p)?;
        let idx = self.pending_request(&q.request_id)?;
        let (lib_card, art) = (self.requests[idx].lib_card.clone(), self.requests[idx].art);
        self.check_reader(&lib_card, art, now)?;
        let copy_id = self.copy_to_lend(art, now.date_naive())?;
        self.lend(idx, copy_id, now);
        self.changed(idx)
    }

    /// `w_biblio_issue_direct`: a free copy to the reader without a request, under the
    /// rules of `w_biblio_request_issue`, recorded as a request issued at once and
    /// carrying the desk's `ref_id`. The same `ref_id` again answers the request it made
    /// (the desk resends after a lost answer): nothing is issued twice.
    fn issue_direct(&mut self, p: &Value, now: DateTime<FixedOffset>) -> CallResult {
        let q: api::IssueDirect = parse(p)?;
        self.check_libhouse(Some(q.libhouse))?;
        let ref_id = q.ref_id.trim();
        if ref_id.is_empty() || ref_id.chars().count() > MAX_REF_ID_CHARS {
            return Err(codes::INVALID_PARAM);
        }
        let lib_card = q.lib_card.trim();
        if let Some(&idx) = self.ref_index.get(ref_id) {
            let r = &self.requests[idx];
            if r.lib_card != lib_card || r.art != q.art {
                // The same id for another write: the desk's ids are unique, so refuse.
                return Err(codes::INVALID_PARAM);
            }
            return Ok(json!({"request": self.request_json(r)}));
        }
        self.check_reader(lib_card, q.art, now)?;
        let copy_id = self.copy_to_lend(q.art, now.date_naive())?;
        let idx = self.push_request(lib_card, q.art, now, Some(ref_id.to_string()));
        self.lend(idx, copy_id, now);
        self.changed(idx)
    }

    /// `w_biblio_reader_settings`: the reader's own loan period, self-purchase price cap
    /// and count (`None`: the library's default). Answers with the settings in force.
    fn reader_settings(&mut self, p: &Value) -> CallResult {
        let q: api::ReaderSettings = parse(p)?;
        // A value given but not a number the API reads (negative, text) is an error,
        // not "the default".
        let given = |key: &str| p.get(key).is_some_and(|v| !v.is_null());
        if (given("loan_days") && q.loan_days.is_none())
            || (given("self_price_cap") && q.self_price_cap.is_none())
            || (given("self_purchases") && q.self_purchases.is_none())
        {
            return Err(codes::INVALID_PARAM);
        }
        let &i = self
            .card_index
            .get(q.lib_card.trim())
            .ok_or(codes::READER_NOT_FOUND)?;
        if q.loan_days
            .is_some_and(|d| !(1..=MAX_READER_LOAN_DAYS).contains(&d))
            || q.self_price_cap
                .is_some_and(|m| m.0 < 0 || m > MAX_SELF_PRICE_CAP)
            || q.self_purchases.is_some_and(|n| n > MAX_SELF_PURCHASES)
        {
            return Err(codes::INVALID_PARAM);
        }
        let r = &mut self.readers[i];
        r.loan_days = q.loan_days;
        r.self_price_cap = q.self_price_cap;
        r.self_purchases = q.self_purchases;
        let out = api::ReaderSettings {
            lib_card: r.lib_card.clone(),
            loan_days: r.loan_days,
            self_price_cap: r.self_price_cap,
            self_purchases: r.self_purchases,
        };
        serde_json::to_value(out).map_err(|_| codes::INVALID_PARAM)
    }

    fn request_refuse(&mut self, p: &Value, now: DateTime<FixedOffset>) -> CallResult {
        let q: api::RequestRefuse = parse(p)?;
        let idx = self.pending_request(&q.request_id)?;
        if q.reason == RefusalReason::Unknown {
            return Err(codes::REFUSAL_REASON_UNKNOWN);
        }
        let text = q.text.trim();
        if text.is_empty() {
            return Err(codes::REFUSAL_TEXT_MISSING);
        }
        let r = &mut self.requests[idx];
        r.status = RequestStatus::Refused;
        r.refusal = Some(Refusal {
            reason: q.reason,
            text: text.to_string(),
        });
        r.updated = now;
        let lib_card = r.lib_card.clone();
        self.bump_rev(idx);
        *self.applied_writes.entry(q.request_id).or_insert(0) += 1;
        self.events.push(Event {
            at: now,
            kind: EventKind::Refusal(q.reason),
            lib_card: Some(lib_card),
        });
        self.changed(idx)
    }

    fn request_cancel(&mut self, p: &Value, now: DateTime<FixedOffset>) -> CallResult {
        let q: api::RequestCancel = parse(p)?;
        let idx = self.pending_request(&q.request_id)?;
        let r = &mut self.requests[idx];
        r.status = RequestStatus::Cancelled;
        r.updated = now;
        let lib_card = r.lib_card.clone();
        self.bump_rev(idx);
        *self.applied_writes.entry(q.request_id).or_insert(0) += 1;
        self.events.push(Event {
            at: now,
            kind: EventKind::Cancel,
            lib_card: Some(lib_card),
        });
        self.changed(idx)
    }

    // ----------------------------------------------------------------- fund (ours)

    fn fund_list(&self, p: &Value) -> CallResult {
        let q: api::FundListQuery = parse(p)?;
        self.check_libhouse(Some(q.libhouse))?;
        let (skip, take) = parse_limit(p)?.unwrap_or((0, u64::MAX));
        let all: Vec<FundItem> = self
            .fund()
            .into_iter()
            .filter(|i| q.arts.as_ref().is_none_or(|a| a.contains(&i.art)))
            .collect();
        let total = all.len();
        let items: Vec<FundItem> = all
            .into_iter()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(usize::try_from(take).unwrap_or(usize::MAX))
            .collect();
        let items = serde_json::to_value(items).map_err(|_| codes::INVALID_PARAM)?;
        Ok(json!({"items": items, "total": total}))
    }

    fn fund_buy(&mut self, p: &Value, now: DateTime<FixedOffset>) -> CallResult {
        let q: api::FundBuy = parse(p)?;
        self.check_libhouse(Some(q.libhouse))?;
        let book = self.book(q.art).ok_or(codes::ART_NOT_FOUND)?;
        let price = book.price;
        let today = now.date_naive();
        // Validate everything first: a failed call changes nothing.
        let request_idx = match q.request_id.as_deref() {
            Some(id) => {
                let idx = self.pending_request(id)?;
                let r = &self.requests[idx];
                if r.art != q.art {
                    return Err(codes::ART_MISMATCH);
                }
                let lib_card = r.lib_card.clone();
                self.check_reader(&lib_card, q.art, now)?;
                if let Some(max) = self.rules.purchases_per_reader_month {
                    let this_month = self
                        .purchases
                        .iter()
                        .filter(|p| {
                            p.lib_card.as_deref() == Some(lib_card.as_str())
                                && p.at.year() == now.year()
                                && p.at.month() == now.month()
                        })
                        .count();
                    if this_month >= max as usize {
                        return Err(codes::MONTHLY_PURCHASE_LIMIT);
                    }
                }
                Some(idx)
            }
            None => None,
        };
        let held: Vec<&SimCopy> = self.copies.iter().filter(|c| c.art == q.art).collect();
        let gap = ChronoDuration::days(UNAVAILABLE_AFTER_LICENCE_DAYS);
        if held
            .iter()
            .any(|c| c.licence_end < today && today <= c.licence_end + gap)
        {
            return Err(codes::TITLE_UNAVAILABLE);
        }
        if let Some(cap) = self.rules.price_cap
            && price > cap
        {
            return Err(codes::PRICE_OVER_CAP);
        }
        if price > self.money {
            return Err(codes::MONEY_EXHAUSTED);
        }
        if let Some(max) = self.rules.copies_per_title {
            let in_fund = held.iter().filter(|c| !c.retired).count();
            if in_fund >= max as usize {
                return Err(codes::COPIES_PER_TITLE_LIMIT);
            }
        }
        // Apply.
        self.money = Money(self.money.0 - price.0);
        let copy_id = self.new_copy(q.art, today);
        let lib_card = request_idx.map(|i| self.requests[i].lib_card.clone());
        self.purchases.push(Purchase {
            art: q.art,
            price,
            lib_card: lib_card.clone(),
            at: now,
        });
        self.events.push(Event {
            at: now,
            kind: EventKind::Purchase(price),
            lib_card,
        });
        let request = match request_idx {
            Some(idx) => {
                self.requests[idx].bought_by = Some("library".to_string());
                self.lend(idx, Some(copy_id), now);
                Some(self.request_json(&self.requests[idx]))
            }
            None => None,
        };
        let copies = self
            .copies
            .iter()
            .filter(|c| c.art == q.art && !c.retired)
            .count();
        let out = api::FundBought {
            art: q.art,
            price,
            copies: u32::try_from(copies).unwrap_or(u32::MAX),
            money_left: Some(self.money),
            request: None,
        };
        let mut out = serde_json::to_value(out).map_err(|_| codes::INVALID_PARAM)?;
        if let (Some(r), Value::Object(m)) = (request, &mut out) {
            m.insert("request".into(), r);
        }
        Ok(out)
    }

    // ----------------------------------------------------------------- stats, info (ours)

    fn stats(&self, p: &Value, _now: DateTime<FixedOffset>) -> CallResult {
        let q: api::StatsQuery = parse(p)?;
        self.check_libhouse(Some(q.libhouse))?;
        if q.from > q.to {
            return Err(codes::PERIOD_INVALID);
        }
        let mut s = api::LibraryStats::default();
        let mut active: HashSet<&str> = HashSet::new();
        for e in self.events.iter().filter(|e| {
            let d = e.at.date_naive();
            q.from <= d && d <= q.to
        }) {
            let card = e.lib_card.as_deref();
            match &e.kind {
                EventKind::NewReader => s.new_readers += 1,
                EventKind::Request => {
                    s.requests += 1;
                    s.visits += 1;
                    active.extend(card);
                }
                EventKind::Issue => {
                    s.issues += 1;
                    active.extend(card);
                    if let Some(r) = card.and_then(|c| self.reader(c)) {
                        age_group(
                            &mut s.issues_by_age,
                            age_on(r.birth_date, e.at.date_naive()),
                        );
                    }
                }
                EventKind::Refusal(reason) => {
                    s.refusals += 1;
                    *s.refusals_by_reason
                        .entry(reason.code().to_string())
                        .or_insert(0) += 1;
                }
                EventKind::Cancel => {
                    s.cancellations += 1;
                    s.visits += 1;
                }
                EventKind::Purchase(price) => {
                    s.purchases += 1;
                    s.money_spent = Money(s.money_spent.0 + price.0);
                }
            }
        }
        s.active_readers = u32::try_from(active.len()).unwrap_or(u32::MAX);
        for card in active {
            if let Some(r) = self.reader(card) {
                age_group(&mut s.active_readers_by_age, age_on(r.birth_date, q.to));
            }
        }
        // The fund as it is now (the simulator keeps no fund history).
        let fund = self.fund();
        s.fund_titles = u32::try_from(fund.len()).unwrap_or(u32::MAX);
        s.fund_copies = fund.iter().map(|i| i.copies).sum();
        serde_json::to_value(s).map_err(|_| codes::INVALID_PARAM)
    }

    fn library_info(&self, p: &Value) -> CallResult {
        let q: api::LibraryInfoQuery = parse(p)?;
        self.check_libhouse(Some(q.libhouse))?;
        let info = api::LibraryInfo {
            libhouse: self.libhouse,
            name: self.library_name.clone(),
            money_left: self.money,
            rules: self.rules.to_api(),
        };
        serde_json::to_value(info).map_err(|_| codes::INVALID_PARAM)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::protocol::moscow;
    use chrono::TimeZone;

    fn now() -> DateTime<FixedOffset> {
        moscow()
            .with_ymd_and_hms(2026, 11, 28, 12, 0, 0)
            .single()
            .unwrap()
    }

    fn init(rules: Rules) -> StateInit {
        StateInit {
            libhouse: 42,
            library_name: "Тест".into(),
            rules,
            staff_login: "staff".into(),
            staff_password: "pw".into(),
            seed: 1,
            catalogue_size: 50,
            session_ttl: ChronoDuration::minutes(30),
        }
    }

    fn state(rules: Rules) -> State {
        State::new(init(rules))
    }

    fn adult(s: &mut State) -> String {
        let r = s.add_reader(
            "Петров Пётр".into(),
            NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(),
            Some("p@x.ru".into()),
            None,
            now(),
        );
        r.lib_card
    }

    #[test]
    fn validators() {
        assert!(
            mail_ok("a.b@mail.ru") && !mail_ok("a@b") && !mail_ok("a b@c.ru") && !mail_ok("@c.ru")
        );
        assert!(phone_ok("+7 (914) 123-45-67") && phone_ok("89141234567"));
        assert!(!phone_ok("12345") && !phone_ok("+7 914 abc 45 67") && !phone_ok("7+9141234567"));
        let b = NaiveDate::from_ymd_opt(2012, 11, 29).unwrap();
        assert_eq!(
            age_on(b, NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()),
            13
        );
        assert_eq!(
            age_on(b, NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()),
            14
        );
    }

    #[test]
    fn issue_rules_on_hand_age_and_copies() {
        let mut s = state(Rules::preset("vladivostok").unwrap());
        let card = adult(&mut s);
        let arts: Vec<u64> = s
            .catalogue()
            .iter()
            .filter(|b| b.age_rating <= 16)
            .take(3)
            .map(|b| b.art)
            .collect();
        for &a in &arts {
            s.stock(a, 1, now()).unwrap();
        }
        let ids: Vec<String> = arts
            .iter()
            .map(|&a| s.add_request(&card, a, now()).unwrap())
            .collect();
        for id in &ids[..2] {
            s.exec(func::REQUEST_ISSUE, &json!({"request_id": id}), now())
                .unwrap();
        }
        // Vladivostok: 2 books on hand.
        assert_eq!(
            s.exec(func::REQUEST_ISSUE, &json!({"request_id": ids[2]}), now()),
            Err(codes::BOOKS_ON_HAND_LIMIT)
        );
        assert_eq!(
            s.exec(func::REQUEST_ISSUE, &json!({"request_id": ids[0]}), now()),
            Err(codes::REQUEST_NOT_PENDING)
        );
        // Loans end after 20 days and the copies come back.
        s.settle(now() + ChronoDuration::days(20));
        s.exec(
            func::REQUEST_ISSUE,
            &json!({"request_id": ids[2]}),
            now() + ChronoDuration::days(20),
        )
        .unwrap();

        // A child cannot get an 18+ book.
        let kid = s
            .add_reader(
                "Маша".into(),
                NaiveDate::from_ymd_opt(2018, 1, 1).unwrap(),
                None,
                Some("+79140000000".into()),
                now(),
            )
            .lib_card;
        let adult_book = s
            .catalogue()
            .iter()
            .find(|b| b.age_rating == 18)
            .map(|b| b.art)
            .unwrap();
        s.stock(adult_book, 1, now()).unwrap();
        let rid = s.add_request(&kid, adult_book, now()).unwrap();
        assert_eq!(
            s.exec(func::REQUEST_ISSUE, &json!({"request_id": rid}), now()),
            Err(codes::AGE_RATING)
        );
        assert_eq!(s.applied_writes(&rid), 0);
    }

    fn direct(s: &mut State, card: &str, art: u64, ref_id: &str) -> CallResult {
        s.exec(
            func::ISSUE_DIRECT,
            &json!({"libhouse": 42, "lib_card": card, "art": art, "ref_id": ref_id}),
            now(),
        )
    }

    #[test]
    fn a_direct_issue_obeys_the_issue_rules_and_is_applied_once_per_ref_id() {
        let mut s = state(Rules {
            max_on_hand: Some(2),
            ..Rules::default()
        });
        let card = adult(&mut s);
        let arts: Vec<u64> = s
            .catalogue()
            .iter()
            .filter(|b| b.age_rating <= 16 && !b.free)
            .take(3)
            .map(|b| b.art)
            .collect();
        assert_eq!(
            direct(&mut s, &card, arts[0], "r1"),
            Err(codes::NO_FREE_COPY)
        );
        for &a in &arts {
            s.stock(a, 1, now()).unwrap();
        }
        let first = direct(&mut s, &card, arts[0], "r1").unwrap();
        let r = &first["request"];
        assert_eq!(r["status"], "issued");
        assert_eq!(
            (r["direct"].as_bool(), r["ref_id"].as_str()),
            (Some(true), Some("r1"))
        );
        let id = r["id"].as_str().unwrap().to_string();
        // Sent again (the answer was lost): the same request, nothing issued twice.
        assert_eq!(direct(&mut s, &card, arts[0], "r1").unwrap(), first);
        assert_eq!(s.loans().len(), 1);
        assert_eq!(s.applied_writes(&id), 1);
        // The same id for another write is refused.
        assert_eq!(
            direct(&mut s, &card, arts[1], "r1"),
            Err(codes::INVALID_PARAM)
        );
        assert_eq!(
            direct(&mut s, &card, arts[1], " "),
            Err(codes::INVALID_PARAM)
        );
        // The copy is out: a second direct issue of it finds no free copy.
        let other = adult(&mut s);
        assert_eq!(
            direct(&mut s, &other, arts[0], "r2"),
            Err(codes::NO_FREE_COPY)
        );
        // On-hand limit, unknown reader, unknown book, wrong library.
        direct(&mut s, &card, arts[1], "r3").unwrap();
        assert_eq!(
            direct(&mut s, &card, arts[2], "r4"),
            Err(codes::BOOKS_ON_HAND_LIMIT)
        );
        assert_eq!(
            direct(&mut s, "nobody", arts[2], "r5"),
            Err(codes::READER_NOT_FOUND)
        );
        assert_eq!(direct(&mut s, &other, 1, "r6"), Err(codes::ART_NOT_FOUND));
        assert_eq!(
            s.exec(
                func::ISSUE_DIRECT,
                &json!({"libhouse": 7, "lib_card": other, "art": arts[2], "ref_id": "r7"}),
                now()
            ),
            Err(codes::UNKNOWN_LIBHOUSE)
        );
        // Age rating against the reader's age.
        let kid = s
            .add_reader(
                "Маша".into(),
                NaiveDate::from_ymd_opt(2018, 1, 1).unwrap(),
                None,
                Some("+79140000000".into()),
                now(),
            )
            .lib_card;
        let adult_book = s
            .catalogue()
            .iter()
            .find(|b| b.age_rating == 18)
            .map(|b| b.art)
            .unwrap();
        s.stock(adult_book, 1, now()).unwrap();
        assert_eq!(
            direct(&mut s, &kid, adult_book, "r8"),
            Err(codes::AGE_RATING)
        );
        // Found by its ref_id, not by other filters.
        let found = s
            .exec(
                func::REQUEST_LIST,
                &json!({"libhouse": 42, "ref_ids": ["r1", "r9"]}),
                now(),
            )
            .unwrap();
        let found = found["requests"].as_array().unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0]["id"], id.as_str());
    }

    #[test]
    fn a_direct_issue_of_a_copy_at_its_23rd_issue_retires_it() {
        let mut s = state(Rules::default());
        let card = adult(&mut s);
        let art = s
            .catalogue()
            .iter()
            .find(|b| b.age_rating <= 16 && !b.free)
            .map(|b| b.art)
            .unwrap();
        s.stock(art, 1, now()).unwrap();
        s.copies[0].issues = ISSUES_PER_COPY - 1;
        direct(&mut s, &card, art, "last").unwrap();
        assert!(
            s.fund().is_empty(),
            "the copy left the fund at its 24th issue"
        );
    }

    #[test]
    fn a_free_title_is_issued_without_a_copy() {
        let mut s = State::new(StateInit {
            catalogue_size: 200,
            ..init(Rules::default())
        });
        assert_eq!(
            catalogue::generated(1, 200),
            s.catalogue(),
            "the catalogue is known before the simulator runs"
        );
        let card = adult(&mut s);
        let free = s.catalogue().iter().find(|b| b.free).unwrap().art;
        let id = s.add_request(&card, free, now()).unwrap();
        let out = s
            .exec(func::REQUEST_ISSUE, &json!({"request_id": id}), now())
            .unwrap();
        assert_eq!(out["request"]["status"], "issued");
        assert_eq!(out["request"]["free"], true);
        assert_eq!(out["request"]["price"], 0.0);
        assert!(s.fund().is_empty(), "no copy was needed");
        direct(&mut s, &card, free, "free-again").unwrap();
    }

    #[test]
    fn readers_settings_are_checked_kept_and_set_the_loan_period() {
        let mut s = state(Rules::default());
        let card = adult(&mut s);
        let set = |s: &mut State, p: Value| s.exec(func::READER_SETTINGS, &p, now());
        let out = set(
            &mut s,
            json!({"lib_card": card, "loan_days": 21, "self_price_cap": 300.5, "self_purchases": 2}),
        )
        .unwrap();
        assert_eq!(out["loan_days"], 21);
        assert_eq!(out["self_price_cap"], 300.5);
        let r = s.reader(&card).unwrap();
        assert_eq!(
            (r.loan_days, r.self_price_cap, r.self_purchases),
            (Some(21), Some(Money(30050)), Some(2))
        );
        for bad in [
            json!({"lib_card": card, "loan_days": 0}),
            json!({"lib_card": card, "loan_days": 91}),
            json!({"lib_card": card, "loan_days": -3}),
            json!({"lib_card": card, "self_price_cap": -1}),
            json!({"lib_card": card, "self_purchases": "много"}),
            json!({"lib_card": card, "self_purchases": 101}),
        ] {
            assert_eq!(set(&mut s, bad.clone()), Err(codes::INVALID_PARAM), "{bad}");
        }
        assert_eq!(
            set(&mut s, json!({"lib_card": "nobody", "loan_days": 10})),
            Err(codes::READER_NOT_FOUND)
        );
        assert_eq!(
            s.reader(&card).unwrap().loan_days,
            Some(21),
            "a refused call changes nothing"
        );
        // The reader's period makes the loan.
        let art = s
            .catalogue()
            .iter()
            .find(|b| b.age_rating <= 16 && !b.free)
            .map(|b| b.art)
            .unwrap();
        s.stock(art, 1, now()).unwrap();
        direct(&mut s, &card, art, "x").unwrap();
        assert_eq!((s.loans()[0].due - s.loans()[0].start).num_days(), 21);
        // Without values: the library's defaults again.
        let out = set(&mut s, json!({"lib_card": card})).unwrap();
        assert!(out.get("loan_days").is_none());
        assert_eq!(s.reader(&card).unwrap().loan_days, None);
    }

    #[test]
    fn requests_carry_every_detail_of_the_book_and_who_bought_it() {
        let mut s = state(Rules {
            max_on_hand: None,
            ..Rules::default()
        });
        let card = adult(&mut s);
        let book = s
            .catalogue()
            .iter()
            .find(|b| b.rating.is_some() && b.price <= Money::from_rub(700) && b.age_rating <= 16)
            .cloned()
            .unwrap();
        let id = s.add_request(&card, book.art, now()).unwrap();
        let out = s
            .exec(
                func::FUND_BUY,
                &json!({"libhouse": 42, "art": book.art, "request_id": id}),
                now(),
            )
            .unwrap();
        let wire: api::Request = serde_json::from_value(out["request"].clone()).unwrap();
        assert_eq!(wire.bought_by.as_deref(), Some("library"));
        assert_eq!(wire.rating, book.rating, "the rating comes back as sent");
        assert_eq!(wire.reviews, book.reviews);
        assert_eq!(wire.genre.as_deref(), Some(book.genre.as_str()));
        assert_eq!(
            (wire.draft, wire.samizdat, wire.free, wire.direct),
            (book.draft, book.samizdat, book.free, false)
        );
        assert_eq!(wire, s.request(&id).unwrap());
    }

    #[test]
    fn a_copy_leaves_the_fund_at_its_24th_issue() {
        let mut s = state(Rules {
            max_on_hand: None,
            ..Rules::default()
        });
        let art = s
            .catalogue()
            .iter()
            .find(|b| b.age_rating <= 16)
            .map(|b| b.art)
            .unwrap();
        let card = adult(&mut s);
        s.stock(art, 1, now()).unwrap();
        let mut t = now();
        for i in 1..=ISSUES_PER_COPY {
            let id = s.add_request(&card, art, t).unwrap();
            s.exec(func::REQUEST_ISSUE, &json!({"request_id": id}), t)
                .unwrap();
            let fund = s.fund();
            if i < ISSUES_PER_COPY {
                assert_eq!(fund[0].copy_issues, vec![i]);
            } else {
                assert!(fund.is_empty(), "copy must leave the fund at issue {i}");
            }
            t += ChronoDuration::days(15);
            s.settle(t);
        }
        let id = s.add_request(&card, art, t).unwrap();
        assert_eq!(
            s.exec(func::REQUEST_ISSUE, &json!({"request_id": id}), t),
            Err(codes::NO_FREE_COPY)
        );
        // The 25th request may buy it again.
        let price = s.book(art).unwrap().price;
        if price <= Money::from_rub(700) {
            s.exec(
                func::FUND_BUY,
                &json!({"libhouse": 42, "art": art, "request_id": id}),
                t,
            )
            .unwrap();
            assert_eq!(s.request(&id).unwrap().status, RequestStatus::Issued);
        }
    }

    #[test]
    fn purchases_obey_cap_money_copies_and_monthly_limit() {
        let mut s = state(Rules {
            money: Money::from_rub(2000),
            max_on_hand: None,
            ..Rules::preset("kemerovo").unwrap()
        });
        let card = adult(&mut s);
        let cheap: Vec<u64> = s
            .catalogue()
            .iter()
            .filter(|b| b.price <= Money::from_rub(500) && b.age_rating <= 16)
            .map(|b| b.art)
            .take(5)
            .collect();
        let dear = s
            .catalogue()
            .iter()
            .find(|b| b.price > Money::from_rub(700))
            .map(|b| b.art)
            .unwrap();
        assert_eq!(
            s.exec(func::FUND_BUY, &json!({"libhouse": 42, "art": dear}), now()),
            Err(codes::PRICE_OVER_CAP)
        );
        assert_eq!(
            s.exec(
                func::FUND_BUY,
                &json!({"libhouse": 7, "art": cheap[0]}),
                now()
            ),
            Err(codes::UNKNOWN_LIBHOUSE)
        );
        let mut spent = Money(0);
        for &a in &cheap[..3] {
            let id = s.add_request(&card, a, now()).unwrap();
            let out = s
                .exec(
                    func::FUND_BUY,
                    &json!({"libhouse": 42, "art": a, "request_id": id}),
                    now(),
                )
                .unwrap();
            spent.0 += s.book(a).unwrap().price.0;
            assert_eq!(out["request"]["status"], "issued");
        }
        assert_eq!(s.money, Money(Money::from_rub(2000).0 - spent.0));
        let id = s.add_request(&card, cheap[3], now()).unwrap();
        assert_eq!(
            s.exec(
                func::FUND_BUY,
                &json!({"libhouse": 42, "art": cheap[3], "request_id": id}),
                now()
            ),
            Err(codes::MONTHLY_PURCHASE_LIMIT)
        );
        // Next month the limit is fresh, but the money may run out.
        let later = now() + ChronoDuration::days(40);
        let mut result = Ok(Value::Null);
        for _ in 0..10 {
            result = s.exec(
                func::FUND_BUY,
                &json!({"libhouse": 42, "art": cheap[4]}),
                later,
            );
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(codes::MONEY_EXHAUSTED));
        assert!(s.money.0 >= 0);
    }
}
