//! Tickets for browsers, which cannot set an `Authorization` header on a WebSocket: a caller
//! with a key asks for one (`POST /v1/live/tickets`) and opens the socket with it as a
//! subprotocol (`Sec-WebSocket-Protocol: emoscope, emoscope.ticket.TICKET`), never in a URL.
//! A ticket is good once, for a minute, at any process that shares the database (only its hash
//! is stored there), and only while its key is not revoked (checked when it is used). A key
//! holds at most `limits.max_live_tickets_per_key` unused ones, so that one key cannot take
//! every ticket.

use std::time::Duration;

use crate::auth::{Caller, hash_token};
use crate::clock::now_ms;
use crate::db::tickets::Issued;
use crate::db::{DbResult, Store};

/// How long a ticket is good for.
pub const TICKET_TTL: Duration = Duration::from_secs(60);

/// Unexpired tickets the database keeps; past this, no new one is given.
const MAX_TICKETS: u64 = 10_000;

/// The subprotocol prefix that carries a ticket.
pub const PROTOCOL_PREFIX: &str = "emoscope.ticket.";

/// Why no ticket was given.
#[derive(Debug, PartialEq, Eq)]
pub enum NoTicket {
    /// The database holds [`MAX_TICKETS`].
    Full,
    /// The caller's key holds this many unused.
    KeyFull(usize),
}

/// A new ticket for `caller`, whose key may hold `per_key` unused ones, or why there is none.
pub async fn issue(
    store: &dyn Store,
    caller: &Caller,
    per_key: usize,
) -> DbResult<Result<String, NoTicket>> {
    // Two random (v4) UUIDs: 244 random bits.
    let ticket = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let now = now_ms();
    let expires_at = now + TICKET_TTL.as_millis() as i64;
    let issued = store
        .issue_ticket(
            &hash_token(&ticket),
            caller.owner(),
            now,
            expires_at,
            per_key as u64,
            MAX_TICKETS,
        )
        .await?;
    Ok(match issued {
        Issued::Yes => Ok(ticket),
        Issued::KeyFull => Err(NoTicket::KeyFull(per_key)),
        Issued::Full => Err(NoTicket::Full),
    })
}

/// The key the ticket was given to (`Some(None)`: given without a key), once; `None` for an
/// unknown, used or expired ticket.
pub async fn redeem(store: &dyn Store, ticket: &str) -> DbResult<Option<Option<String>>> {
    store.redeem_ticket(&hash_token(ticket), now_ms()).await
}

/// The ticket among a request's `Sec-WebSocket-Protocol` values, if any.
pub fn from_protocols(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .find_map(|p| p.strip_prefix(PROTOCOL_PREFIX))
        .filter(|t| !t.is_empty() && t.len() <= 64)
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ticket_is_read_from_the_subprotocols() {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            axum::http::header::SEC_WEBSOCKET_PROTOCOL,
            "emoscope, emoscope.ticket.abc123".parse().expect("header"),
        );
        assert_eq!(from_protocols(&headers).as_deref(), Some("abc123"));
        headers.insert(
            axum::http::header::SEC_WEBSOCKET_PROTOCOL,
            "emoscope".parse().expect("header"),
        );
        assert_eq!(from_protocols(&headers), None);
    }
}
