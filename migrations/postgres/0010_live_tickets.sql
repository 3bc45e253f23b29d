-- Live tickets (`POST /v1/live/tickets`), kept here rather than in the memory of the process
-- that gave them, so that any API process takes a ticket another gave. Only the ticket's
-- SHA-256 is stored; `key_id` is NULL for a ticket given without a key (an open server).
CREATE TABLE live_tickets (
    hash       TEXT PRIMARY KEY,
    key_id     TEXT,
    expires_at BIGINT NOT NULL
);
CREATE INDEX live_tickets_key ON live_tickets (key_id);
CREATE INDEX live_tickets_expiry ON live_tickets (expires_at);
