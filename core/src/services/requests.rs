//! Readers' book requests (pulled from the provider) and the librarian's
//! decisions on them, queued for the provider in the same transaction.

use super::{Context, Error, Result, Store};
use crate::domain::ids::RequestId;
use crate::domain::request::{BookRequest, Decision};
use crate::provider::sync::DecisionPayload;

/// How many requests a list shows at most.
pub const LIST_LIMIT: usize = 500;

/// Requests waiting for a decision, oldest first.
pub fn pending(store: &Store) -> Result<Vec<BookRequest>> {
    Ok(store.requests(true, LIST_LIMIT)?)
}

/// All requests, pending or not.
pub fn all(store: &Store) -> Result<Vec<BookRequest>> {
    Ok(store.requests(false, LIST_LIMIT)?)
}

/// One request by its provider id.
pub fn get(store: &Store, id: &RequestId) -> Result<BookRequest> {
    store
        .request(id)?
        .ok_or_else(|| Error::RequestNotFound(id.clone()))
}

/// Records the librarian's decision on a reader's request and queues it for
/// the provider, in one transaction (it survives a crash or a dead network).
pub fn decide(
    store: &mut Store,
    ctx: &Context,
    request_id: &RequestId,
    decision: &Decision,
) -> Result<()> {
    if let Some(problem) = decision.problem() {
        return Err(Error::BadDecision(problem));
    }
    let request = get(store, request_id)?;
    let payload = DecisionPayload {
        request_id: request_id.0.clone(),
        art: matches!(decision, Decision::Buy).then_some(request.art),
        reason: match decision {
            Decision::Refuse { reason, .. } => Some(reason.code().to_string()),
            _ => None,
        },
        text: match decision {
            Decision::Refuse { text, .. } => Some(text.trim().to_string()),
            Decision::Cancel { comment } if !comment.trim().is_empty() => {
                Some(comment.trim().to_string())
            }
            _ => None,
        },
    };
    let payload = serde_json::to_string(&payload).unwrap_or_default();
    store.decide_request(request_id, decision, &payload, &ctx.actor)?;
    Ok(())
}

/// Stores requests pulled from the provider, with the cursor they end at
/// (the sync's own last step; the benchmark measures it on its own).
pub fn store_pulled(
    store: &mut Store,
    pulled: &[crate::provider::Request],
    cursor: Option<&str>,
    item_bytes: u64,
) -> Result<usize> {
    let rows: Vec<BookRequest> = pulled
        .iter()
        .map(crate::provider::sync::book_request)
        .collect();
    store.store_requests(&rows, cursor, item_bytes)?;
    Ok(rows.len())
}
