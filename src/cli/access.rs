//! `kafedra bind` and `kafedra block`: access to the provider for a reader.

use kafedra_core::domain::BlockReason;
use kafedra_core::services::access::{self, Granted};
use kafedra_core::services::{Context, Store, readers};

use super::Outcome;
use super::args::ReasonArg;

/// Grants access as Settings say: the next free pool login, or the reader's
/// card created at the provider (queued for the next sync).
pub(super) fn bind(card: &str, store: &mut Store, ctx: &Context) -> Outcome {
    let reader = readers::find_by_card(store, card)?;
    match access::grant(store, ctx, reader.id, None)? {
        Granted::Login { binding, .. } => println!(
            "{}, билет № {}: выдан логин {}",
            reader.full_name(),
            reader.card,
            binding.account.login
        ),
        Granted::ProviderCardQueued => println!(
            "{}, билет № {}: учётная запись поставлена в очередь на создание в ЭБС \
             (отправится при синхронизации: kafedra sync).",
            reader.full_name(),
            reader.card
        ),
    }
    Ok(())
}

pub(super) fn block(
    card: &str,
    reason: ReasonArg,
    comment: &str,
    store: &mut Store,
    ctx: &Context,
) -> Outcome {
    let reader = readers::find_by_card(store, card)?;
    let reason = match reason {
        ReasonArg::Lost => BlockReason::Lost,
        ReasonArg::Compromised => BlockReason::Compromised,
        ReasonArg::ReaderRequest => BlockReason::ReaderRequest,
        ReasonArg::Other => BlockReason::Other,
    };
    let b = access::block(store, ctx, reader.id, reason, comment)?;
    println!(
        "Логин {} читателя {} заблокирован. Выдайте новый: kafedra bind {}",
        b.account.login,
        reader.full_name(),
        reader.card
    );
    Ok(())
}
