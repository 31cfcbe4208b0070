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
use crate::provider::api::{
    self, AgeGroups, FundItem, LoanInfo, Money, Refusal, RefusalReason, RequestStatus, func,
};
use crate::provider::protocol::codes;

/// Longest reader name; longer names are truncated (documented behaviour).
pub const MAX_NAME_CHARS: usize = 255;
/// Default and largest page of `r_biblio_request_list` (ours).
pub const REQUEST_PAGE_DEFAULT: u64 = 100;
pub const REQUEST_PAGE_MAX: u64 = 50_000;

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
}

/// A loan of one copy.
#[derive(Debug, Clone, PartialEq)]
pub struct SimLoan {
    pub id: u64,
    pub request_id: String,
    pub lib_card: String,
    pub art: u64,
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
    readers: Vec<SimReader>,
    card_index: HashMap<String, usize>,
    requests: Vec<SimRequest>,
    request_index: HashMap<String, usize>,
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

fn mail_ok(m: &str) -> bool {
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

fn phone_ok(p: &str) -> bool {
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
        let catalogue = catalogue::generate(&mut rng, init.catalogue_size.max(1));
        State {
            libhouse: init.libhouse,
            library_name: init.library_name,
            money: init.rules.money,
            rules: init.rules,
            staff_login: init.staff_login,
            staff_password: init.staff_password,
            catalogue,
            readers: Vec::new(),
            card_index: HashMap::new(),
            requests: Vec::new(),
            request_index: HashMap::new(),
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
        let i = art.checked_sub(catalogue::FIRST_ART)?;
        self.catalogue.get(usize::try_from(i).ok()?)
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
        api::Request {
            id: r.id.clone(),
            lib_card: r.lib_card.clone(),
            reader_name: reader.map(|x| x.name.clone()),
            reader_birth_date: reader.map(|x| x.birth_date),
            art: r.art,
            title: book.map(|b| b.title.clone()).unwrap_or_default(),
            authors: book.map(|b| b.authors.clone()).unwrap_or_default(),
            genre: book.map(|b| b.genre.to_string()),
            kind: book.map(|b| b.kind).unwrap_or_default(),
            price: book.map(|b| b.price),
            age_rating: book.map(|b| b.age_rating),
            status: r.status,
            created: Some(r.created),
            updated: Some(r.updated),
            refusal: r.refusal.clone(),
            loan,
            ..api::Request::default()
        }
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
                genre: Some(book.genre.to_string()),
                kind: book.kind,
                price: Some(book.price),
                age_rating: Some(book.age_rating),
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
        let lib_card = format!("{}{:06}", self.libhouse, self.next_card);
        self.next_card += 1;
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
        let id = self.next_request.to_string();
        self.next_request += 1;
        let idx = self.requests.len();
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
        });
        self.request_index.insert(id.clone(), idx);
        self.bump_rev(idx);
        self.events.push(Event {
            at: now,
            kind: EventKind::Request,
            lib_card: Some(lib_card.to_string()),
        });
        Ok(id)
    }

    /// Adds `n` requests from generated readers (new ones ~30% of the time) for random books.
    pub fn add_random_requests(&mut self, n: usize, now: DateTime<FixedOffset>) -> Vec<String> {
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            let lib_card = if self.readers.is_empty() || self.rng.random_bool(0.3) {
                self.add_random_reader(now).lib_card
            } else {
                let i = self.rng.random_range(0..self.readers.len());
                self.readers[i].lib_card.clone()
            };
            let art = catalogue::FIRST_ART + self.rng.random_range(0..self.catalogue.len()) as u64;
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
        for _ in 0..titles {
            let art = catalogue::FIRST_ART + self.rng.random_range(0..self.catalogue.len()) as u64;
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
            .filter(|r| q.ids.as_ref().is_none_or(|ids| ids.contains(&r.id)));
        let mut total = 0u64;
        let mut page = Vec::new();
        let mut last_rev = None;
        for r in matching {
            if total >= skip && (page.len() as u64) < take {
                page.push(self.request_dto(r));
                last_rev = Some(r.rev);
            }
            total += 1;
        }
        let more = skip + (page.len() as u64) < total;
        let cursor = last_rev.unwrap_or(since).to_string();
        let requests = serde_json::to_value(page).map_err(|_| codes::INVALID_PARAM)?;
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

    /// Lends copy `copy_id` for request `idx`.
    fn lend(&mut self, idx: usize, copy_id: u64, now: DateTime<FixedOffset>) {
        let loan_id = self.next_loan;
        self.next_loan += 1;
        let due = now + ChronoDuration::days(i64::from(self.rules.loan_days));
        let (request_id, lib_card, art) = {
            let r = &self.requests[idx];
            (r.id.clone(), r.lib_card.clone(), r.art)
        };
        if let Some(c) = self.copies.iter_mut().find(|c| c.id == copy_id) {
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
            copy_id,
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
        let today = now.date_naive();
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
        let copy_id = licensed
            .iter()
            .filter(|c| c.on_loan.is_none())
            .min_by_key(|c| (c.issues, c.id))
            .map(|c| c.id)
            .ok_or(codes::NO_FREE_COPY)?;
        self.lend(idx, copy_id, now);
        Ok(json!({"request": self.request_dto(&self.requests[idx])}))
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
        Ok(json!({"request": self.request_dto(&self.requests[idx])}))
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
        Ok(json!({"request": self.request_dto(&self.requests[idx])}))
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
                self.lend(idx, copy_id, now);
                Some(self.request_dto(&self.requests[idx]))
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
            request,
        };
        serde_json::to_value(out).map_err(|_| codes::INVALID_PARAM)
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

    fn state(rules: Rules) -> State {
        State::new(StateInit {
            libhouse: 42,
            library_name: "Тест".into(),
            rules,
            staff_login: "staff".into(),
            staff_password: "pw".into(),
            seed: 1,
            catalogue_size: 50,
            session_ttl: ChronoDuration::minutes(30),
        })
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
