//! Readers: register, search, open a reader's card, reveal contacts.

use super::{Context, Error, PROVIDER, Result, Store};
use crate::config::{AccessMode, CONSENT_VERSION};
use crate::domain::Field;
use crate::domain::event::EventKind;
use crate::domain::layout::switched_to_russian;
use crate::domain::reader::{FieldError, ReaderDraft, ValidReader, validate};
use crate::domain::records::{
    Account, Binding, Consent, JournalEntry, Reader, ReaderHit, ReaderId,
};
use crate::domain::request::OutboxItem;
use crate::store::{NewReaderRow, StoreError};

/// How many search results the desk shows.
pub const SEARCH_LIMIT: usize = 50;

/// How many journal entries the reader's card shows.
const CARD_HISTORY: usize = 200;

/// Registers a reader. Refuses with every form problem at once; when the
/// reader may already exist, refuses with the candidates unless
/// `allow_duplicates` (the librarian confirmed it is another person).
/// In "create at the provider" mode the card creation is queued in the same
/// transaction as the registration: it cannot be lost.
pub fn register(
    store: &mut Store,
    ctx: &Context,
    draft: &ReaderDraft,
    allow_duplicates: bool,
) -> Result<Reader> {
    let valid = validate(draft, ctx.today());
    let mut problems = valid.as_ref().err().cloned().unwrap_or_default();
    let card = draft.card.trim();
    if !card.is_empty()
        && !problems.iter().any(|e| e.field == Field::Card)
        && let Some(holder) = store.card_holder(card)?
    {
        problems.push(card_taken(card, holder));
    }
    let valid = match valid {
        Ok(v) if problems.is_empty() => v,
        _ => return Err(Error::Invalid(problems)),
    };
    if !allow_duplicates {
        let dups = store.find_duplicates(&valid)?;
        if !dups.is_empty() {
            return Err(Error::PossibleDuplicates(dups));
        }
    }
    let payload = super::access::provider_payload(
        &valid.full_name(),
        valid.birth_date,
        valid.email.as_deref(),
        valid.phone.as_deref(),
    );
    let provider_account =
        (ctx.settings.access_mode == AccessMode::Provider).then_some((PROVIDER, payload.as_str()));
    store
        .insert_reader(
            NewReaderRow {
                reader: &valid,
                consent_version: CONSENT_VERSION,
                provider_account,
            },
            &ctx.settings.card_pattern(),
            ctx.today(),
            &ctx.actor,
        )
        .map_err(|e| match e {
            // A card typed at the same moment at another desk.
            StoreError::CardTaken { card, holder } => {
                Error::Invalid(vec![card_taken(&card, holder)])
            }
            other => other.into(),
        })
}

fn card_taken(card: &str, holder: String) -> FieldError {
    FieldError::card_taken(
        StoreError::CardTaken {
            card: card.to_string(),
            holder,
        }
        .to_string(),
    )
}

/// Loads many generated or migrated readers at once (demo, benchmark), in
/// one transaction, journaled as one event.
pub fn load_many(
    store: &mut Store,
    ctx: &Context,
    readers: &[(ValidReader, String)],
    with_consent: bool,
) -> Result<()> {
    Ok(store.insert_readers_bulk(readers, &ctx.actor, with_consent)?)
}

/// How many readers the library has.
pub fn count(store: &Store) -> Result<u64> {
    Ok(store.reader_count()?)
}

/// The card number a new reader would get now (shown greyed in the form).
pub fn next_card_number(store: &Store, ctx: &Context) -> Result<String> {
    Ok(store.peek_card(&ctx.settings.card_pattern(), ctx.today())?)
}

/// What a search found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    pub hits: Vec<ReaderHit>,
    /// The query read on the Russian layout («cjrjkjdf» → «соколова»), when
    /// the typed one found nobody and the switched one did: the hits are its.
    pub switched: Option<String>,
}

/// The search box: names, card numbers, logins; a name typed on the wrong
/// keyboard layout is found too. Keystroke by keystroke, so not journaled:
/// the librarian is looking for one person ([`list`] is journaled).
pub fn search(store: &Store, query: &str) -> Result<Found> {
    let hits = store.search_readers(query, SEARCH_LIMIT)?;
    if hits.is_empty()
        && let Some(switched) = switched_to_russian(query)
    {
        let hits = store.search_readers(&switched, SEARCH_LIMIT)?;
        if !hits.is_empty() {
            return Ok(Found {
                hits,
                switched: Some(switched),
            });
        }
    }
    Ok(Found {
        hits,
        switched: None,
    })
}

/// Readers' personal data in bulk (the command line's `reader find`, the
/// list of recent readers): journaled, with the query and how many were shown.
pub fn list(store: &mut Store, ctx: &Context, query: &str) -> Result<Found> {
    let found = search(store, query)?;
    let q = found.switched.as_deref().unwrap_or(query).trim();
    let details = if q.is_empty() {
        format!("недавно зарегистрированные, показано {}", found.hits.len())
    } else {
        format!("запрос «{q}», показано {}", found.hits.len())
    };
    store.record_event(&ctx.actor, EventKind::ReadersListed, None, None, &details)?;
    Ok(found)
}

pub fn find_by_card(store: &Store, card: &str) -> Result<Reader> {
    store
        .reader_by_card(card)?
        .ok_or_else(|| Error::CardNotFound(card.to_string()))
}

/// The reader's consent to the processing of personal data, as recorded.
pub fn consent(store: &Store, reader: ReaderId) -> Result<Option<Consent>> {
    Ok(store.consent(reader)?)
}

/// What the reader's page shows. Contacts and password are not in it: they are
/// revealed on request and each reveal is journaled.
#[derive(Debug, Clone)]
pub struct ReaderProfile {
    pub reader: Reader,
    pub consent: Option<Consent>,
    /// The active login, with the password blanked.
    pub binding: Option<Binding>,
    /// Earlier (blocked) logins, passwords blanked.
    pub past_bindings: Vec<Binding>,
    pub history: Vec<JournalEntry>,
    /// The login the next binding would take (when the reader has none).
    pub proposed: Option<Account>,
    /// A card creation at the provider waiting in the sync queue.
    pub provider_waiting: Option<OutboxItem>,
}

/// Opens the reader's page; journals that the reader's data was viewed.
pub fn open(store: &mut Store, ctx: &Context, id: ReaderId) -> Result<ReaderProfile> {
    let reader = store.reader(id)?.ok_or(Error::ReaderNotFound)?;
    store.record_event(&ctx.actor, EventKind::ReaderViewed, Some(id), None, "")?;
    load_card(store, reader)
}

/// Reloads an open card after an action on it (not a new view).
pub fn reload(store: &mut Store, id: ReaderId) -> Result<ReaderProfile> {
    let reader = store.reader(id)?.ok_or(Error::ReaderNotFound)?;
    load_card(store, reader)
}

fn load_card(store: &Store, reader: Reader) -> Result<ReaderProfile> {
    let mut bindings = store.bindings_of(reader.id)?;
    for b in &mut bindings {
        b.account.password.clear();
    }
    let (active, past): (Vec<Binding>, Vec<Binding>) =
        bindings.into_iter().partition(|b| b.ended_at.is_none());
    let binding = active.into_iter().next();
    let proposed = if binding.is_none() {
        store.peek_free_account(PROVIDER)?.map(|mut a| {
            a.password.clear();
            a
        })
    } else {
        None
    };
    Ok(ReaderProfile {
        provider_waiting: store.provider_account_waiting(reader.id)?,
        consent: store.consent(reader.id)?,
        history: store.journal(Some(reader.id), None, CARD_HISTORY)?,
        reader,
        binding,
        past_bindings: past,
        proposed,
    })
}

/// The reader's e-mail and phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contacts {
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// Reveals the reader's e-mail and phone; journaled.
pub fn reveal_contacts(store: &mut Store, ctx: &Context, id: ReaderId) -> Result<Contacts> {
    let reader = store.reader(id)?.ok_or(Error::ReaderNotFound)?;
    store.record_event(&ctx.actor, EventKind::ContactsShown, Some(id), None, "")?;
    Ok(Contacts {
        email: reader.email,
        phone: reader.phone,
    })
}
