-- The rate limits (`rate_limits.*`), kept here rather than in each process, so that they hold
-- across every API process that shares the database. One row per account (an API key's id, or
-- '' for everyone on a server without keys) and kind: the theoretical arrival time (GCRA) of the
-- next request, in ms since the epoch; a row in the past is the same as none.
CREATE TABLE rate_buckets (
    account TEXT NOT NULL,
    kind    TEXT NOT NULL,
    tat     BIGINT NOT NULL,
    PRIMARY KEY (account, kind)
);
