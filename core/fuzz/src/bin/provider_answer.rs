//! Fuzz target: the provider's answer, as the client parses it once it has the JSON body.
//!
//! `ResponseEnvelope::parse` reads the envelope (`success`, `time`, `error_code`,
//! `error_message`, `captcha_url`, one object per call id); every per-call object is then
//! read as `CallResult` and mapped into each typed answer of the API (`Answer::decode`,
//! with the lenient field readers: strings or numbers, dates, times, money, age ratings),
//! and refusals become the librarian's message (`ProviderError::api`). Which call an id
//! belongs to is arbitrary, so every object is tried as every answer type.
//!
//! The gzip layer in front of it (`decode_body` in `provider/client.rs`) is private and
//! only reached over HTTP; it is not fuzzed here.

use kafedra_core::provider::api::{self, ApiCall};
use kafedra_core::provider::protocol::{self, CallResult, ResponseEnvelope};
use kafedra_core::provider::{Answer, ProviderError};
use serde_json::Value;

/// Reads one per-call answer object as the answer of `C`, as the client does.
fn decode_as<C: ApiCall>(data: &Value) -> Option<C::Output> {
    let answer = Answer {
        id: "1".to_string(),
        func: C::FUNC.to_string(),
        result: Ok(data.clone()),
    };
    match answer.decode::<C::Output>() {
        Ok(out) => Some(out),
        Err(e) => {
            // A write's undecodable answer leaves it in doubt; a read's is a server error.
            let _ = (e.user_message(), e.write_outcome());
            None
        }
    }
}

fn refusal(code: u32, message: &str) {
    let e = ProviderError::api(code, message);
    let _ = (e.user_message(), e.to_string(), e.code(), e.write_outcome());
}

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Ok(envelope) = ResponseEnvelope::parse(data) else {
            return;
        };
        if let Some(time) = envelope.time.as_deref() {
            let _ = protocol::parse_time(time);
        }
        if let Some(error) = &envelope.error {
            refusal(error.code, &error.message);
        }
        for id in envelope.results.keys() {
            let result: CallResult = envelope.result(id).expect("a listed id has an answer");
            match result.success {
                Some(true) => {
                    let data = &result.data;
                    let _ = decode_as::<api::CreateSid>(data);
                    let _ = decode_as::<api::ReaderCreate>(data);
                    let _ = decode_as::<api::ReaderListQuery>(data);
                    if let Some(page) = decode_as::<api::RequestListQuery>(data) {
                        for request in &page.requests {
                            let _ = request.price.map(|p| p.to_string());
                        }
                    }
                    let _ = decode_as::<api::RequestIssue>(data);
                    let _ = decode_as::<api::RequestRefuse>(data);
                    let _ = decode_as::<api::RequestCancel>(data);
                    if let Some(page) = decode_as::<api::FundListQuery>(data) {
                        for item in &page.items {
                            let _ = item.price.map(|p| p.to_string());
                        }
                    }
                    if let Some(bought) = decode_as::<api::FundBuy>(data) {
                        let _ = (
                            bought.price.to_string(),
                            bought.money_left.map(|m| m.to_string()),
                        );
                    }
                    if let Some(stats) = decode_as::<api::StatsQuery>(data) {
                        let _ = stats.money_spent.to_string();
                    }
                    let _ = decode_as::<api::LibraryInfoQuery>(data);
                }
                Some(false) => refusal(
                    result.error_code.unwrap_or(0),
                    result.error_message.as_deref().unwrap_or(""),
                ),
                None => {}
            }
        }
    });
}
