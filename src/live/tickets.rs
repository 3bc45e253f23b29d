//! Tickets for browsers, which cannot set an `Authorization` header on a WebSocket: a caller
//! with a key asks for one (`POST /v1/live/tickets`) and opens the socket with it as a
//! subprotocol (`Sec-WebSocket-Protocol: emoscope, emoscope.ticket.TICKET`), never in a URL.
//! A ticket is good once, for a minute, at the process that gave it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::auth::Caller;

/// How long a ticket is good for.
pub const TICKET_TTL: Duration = Duration::from_secs(60);

/// Tickets held at once; past this, expired ones are dropped, and if none has, no new one is
/// given.
const MAX_TICKETS: usize = 10_000;

/// The subprotocol prefix that carries a ticket.
pub const PROTOCOL_PREFIX: &str = "emoscope.ticket.";

#[derive(Default)]
pub struct Tickets {
    held: Mutex<HashMap<String, (Caller, Instant)>>,
}

impl Tickets {
    /// A new ticket for `caller`; `None` when too many are outstanding.
    pub fn issue(&self, caller: &Caller) -> Option<String> {
        // Two random (v4) UUIDs: 244 random bits.
        let ticket = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let mut held = self.held.lock().ok()?;
        if held.len() >= MAX_TICKETS {
            held.retain(|_, (_, at)| at.elapsed() < TICKET_TTL);
        }
        if held.len() >= MAX_TICKETS {
            return None;
        }
        held.insert(ticket.clone(), (caller.clone(), Instant::now()));
        Some(ticket)
    }

    /// The caller the ticket was given to, once; `None` for an unknown, used or expired one.
    pub fn redeem(&self, ticket: &str) -> Option<Caller> {
        let (caller, at) = self.held.lock().ok()?.remove(ticket)?;
        (at.elapsed() < TICKET_TTL).then_some(caller)
    }
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
    fn a_ticket_is_good_once() {
        let tickets = Tickets::default();
        let caller = Caller::Key {
            id: "k1".into(),
            admin: false,
        };
        let t = tickets.issue(&caller).expect("ticket");
        assert_eq!(t.len(), 64);
        assert_eq!(
            tickets
                .redeem(&t)
                .and_then(|c| c.owner().map(str::to_string))
                .as_deref(),
            Some("k1")
        );
        assert!(tickets.redeem(&t).is_none(), "a second use");
        assert!(tickets.redeem("made-up").is_none());
    }

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
