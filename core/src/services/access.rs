//! Access to the provider's library for a reader: grant it (a free login from
//! the pool, or a card created at the provider — Settings choose), block a
//! login, reveal the password.

use chrono::NaiveDate;

use super::{Context, Error, PROVIDER, Result, Store};
use crate::config::AccessMode;
use crate::domain::BlockReason;
use crate::domain::event::EventKind;
use crate::domain::records::{AccountId, Binding, ReaderId};
use crate::provider::sync::CreateReaderPayload;
use crate::store::BindError;

/// What granting access did.
#[derive(Debug, Clone)]
pub enum Granted {
    /// A pool login is now the reader's (password blanked). `instead_of` is
    /// the proposed login when another desk took it meanwhile and the next
    /// free one was bound.
    Login {
        binding: Box<Binding>,
        instead_of: Option<String>,
    },
    /// The creation of the reader's card at the provider is queued; the sync
    /// sends it and binds the login that comes back.
    ProviderCardQueued,
}

/// Grants the reader access as Settings say: in pool mode binds a free login
/// (`proposed` is the one the librarian saw and confirmed); in provider mode
/// queues the creation of the reader's card at the provider.
pub fn grant(
    store: &mut Store,
    ctx: &Context,
    reader: ReaderId,
    proposed: Option<AccountId>,
) -> Result<Granted> {
    match ctx.settings.access_mode {
        AccessMode::Pool => {
            let proposed_login = match proposed {
                Some(id) => store.account(id)?.map(|a| a.login),
                None => None,
            };
            let binding = bind_login(store, ctx, reader, proposed)?;
            let instead_of = proposed_login.filter(|p| *p != binding.account.login);
            Ok(Granted::Login {
                binding: Box::new(binding),
                instead_of,
            })
        }
        AccessMode::Provider => {
            request_provider_account(store, ctx, reader)?;
            Ok(Granted::ProviderCardQueued)
        }
    }
}

/// Binds a free pool login. If another desk took `proposed` meanwhile, the
/// next free one is bound and the returned binding says which.
fn bind_login(
    store: &mut Store,
    ctx: &Context,
    reader: ReaderId,
    proposed: Option<AccountId>,
) -> Result<Binding> {
    let mut b = store.bind_free_account(PROVIDER, reader, proposed, &ctx.actor)?;
    b.account.password.clear();
    Ok(b)
}

/// Blocks the reader's login (lost slip, leaked password…). `comment` is
/// required for [`BlockReason::Other`].
pub fn block(
    store: &mut Store,
    ctx: &Context,
    reader: ReaderId,
    reason: BlockReason,
    comment: &str,
) -> Result<Binding> {
    let comment = comment.trim();
    if reason.needs_comment() && comment.is_empty() {
        return Err(Error::BlockCommentMissing);
    }
    let text = if comment.is_empty() {
        reason.label().to_string()
    } else {
        format!("{}: {comment}", reason.label())
    };
    let mut b = store.block_active_account(PROVIDER, reader, &text, &ctx.actor)?;
    b.account.password.clear();
    Ok(b)
}

/// The password of the reader's active login; journaled.
pub fn reveal_password(store: &mut Store, ctx: &Context, reader: ReaderId) -> Result<String> {
    let binding = store
        .active_binding(PROVIDER, reader)?
        .ok_or(Error::Bind(BindError::NotBound))?;
    let password = store.unseal_password(&binding.account.password)?;
    store.record_event(
        &ctx.actor,
        EventKind::PasswordShown,
        Some(reader),
        Some(binding.account.id),
        &format!("логин {}", binding.account.login),
    )?;
    Ok(password)
}

/// Every reader holding a login now, with the login (checks and exports).
pub fn active_logins(store: &Store) -> Result<Vec<(ReaderId, String)>> {
    Ok(store.active_bindings(PROVIDER)?)
}

/// Every login the reader has held, the active one first (passwords blanked).
pub fn logins_of(store: &Store, reader: ReaderId) -> Result<Vec<Binding>> {
    let mut all = store.bindings_of(reader)?;
    for b in &mut all {
        b.account.password.clear();
    }
    Ok(all)
}

/// Parameters of `w_biblio_reader_create` for the outbox.
pub(super) fn provider_payload(
    name: &str,
    birth_date: NaiveDate,
    mail: Option<&str>,
    phone: Option<&str>,
) -> String {
    let p = CreateReaderPayload {
        name: name.chars().take(255).collect(),
        birth_date,
        mail: mail.map(str::to_string),
        phone: phone.map(str::to_string),
    };
    serde_json::to_string(&p).unwrap_or_default()
}

/// Queues the creation of the reader's card at the provider ("create at the
/// provider" mode): the sync sends it and stores the login that comes back.
fn request_provider_account(store: &mut Store, ctx: &Context, reader: ReaderId) -> Result<()> {
    let r = store.reader(reader)?.ok_or(Error::ReaderNotFound)?;
    let payload = provider_payload(
        &r.full_name(),
        r.birth_date,
        r.email.as_deref(),
        r.phone.as_deref(),
    );
    store.queue_provider_account(PROVIDER, reader, &payload, &ctx.actor)?;
    Ok(())
}
