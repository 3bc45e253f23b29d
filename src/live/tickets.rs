//! Tickets for browsers, which cannot set an `Authorization` header on a WebSocket: a caller
//! with a key asks for one (`POST /v1/live/tickets`) and opens the socket with it as a
//! subprotocol (`Sec-WebSocket-Protocol: emoscope, emoscope.ticket.TICKET`), never in a URL.
//! A ticket is good once, for a minute, at the process that gave it, and only while its key is
//! not revoked (checked when it is used). A key holds at most `limits.max_live_tickets_per_key`
//! unused ones, so that one key cannot take every ticket of the process.

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

pub struct Tickets {
    held: Mutex<HashMap<String, (Caller, Instant)>>,
    per_key: usize,
}

/// Why no ticket was given.
#[derive(Debug, PartialEq, Eq)]
pub enum NoTicket {
    /// The process holds [`MAX_TICKETS`].
    Full,
    /// The caller's key holds this many unused.
    KeyFull(usize),
}

impl Tickets {
    pub fn new(per_key: usize) -> Self {
        Self {
            held: Mutex::default(),
            per_key,
        }
    }

    /// A new ticket for `caller`, or why there is none.
    pub fn issue(&self, caller: &Caller) -> Result<String, NoTicket> {
        // Two random (v4) UUIDs: 244 random bits.
        let ticket = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let mut held = self.held.lock().map_err(|_| NoTicket::Full)?;
        let mine = held
            .values()
            .filter(|(c, at)| c.owner() == caller.owner() && at.elapsed() < TICKET_TTL)
            .count();
        if mine >= self.per_key {
            return Err(NoTicket::KeyFull(self.per_key));
        }
        if held.len() >= MAX_TICKETS {
            held.retain(|_, (_, at)| at.elapsed() < TICKET_TTL);
        }
        if held.len() >= MAX_TICKETS {
            return Err(NoTicket::Full);
        }
        held.insert(ticket.clone(), (caller.clone(), Instant::now()));
        Ok(ticket)
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
        let tickets = Tickets::new(10);
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
    fn a_key_holds_a_few_unused_tickets_and_others_still_get_theirs() {
        let tickets = Tickets::new(3);
        let key = |id: &str| Caller::Key {
            id: id.into(),
            admin: false,
        };
        let a: Vec<String> = (0..3)
            .map(|_| tickets.issue(&key("a")).expect("ticket"))
            .collect();
        assert_eq!(tickets.issue(&key("a")), Err(NoTicket::KeyFull(3)));
        assert!(tickets.issue(&key("b")).is_ok());
        // A used ticket frees its place.
        assert!(tickets.redeem(&a[0]).is_some());
        assert!(tickets.issue(&key("a")).is_ok());
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
