-- Kafedra schema, version 2: sync with the provider.
--
-- Writes meant for the provider go to the outbox in the same transaction as
-- the local change; the sync sends them in order. Before each send the item is
-- marked in doubt and committed, so a crash or a lost answer makes the next
-- sync re-read the provider's state instead of sending blindly.

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('create_reader', 'issue', 'refuse', 'cancel', 'buy')),
    -- Parameters as JSON; never secrets.
    payload         TEXT NOT NULL,
    reader_id       INTEGER REFERENCES readers (id),
    request_id      TEXT,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- 1 while a send may have reached the provider without its answer reaching us.
    in_doubt        INTEGER NOT NULL DEFAULT 0,
    -- The desk sending it now, and until when its claim holds (two desks
    -- syncing at once never send the same write).
    claimed_by      TEXT,
    claimed_until   TEXT,
    next_attempt_at TEXT,
    last_error      TEXT,
    done_at         TEXT,
    result          TEXT
) STRICT;
CREATE INDEX outbox_pending ON outbox (state, id);

-- Readers' book requests as pulled from the provider.
CREATE TABLE provider_requests (
    id                  TEXT PRIMARY KEY,
    lib_card            TEXT NOT NULL,
    reader_name         TEXT,
    reader_birth_date   TEXT,
    art                 INTEGER NOT NULL,
    title               TEXT NOT NULL,
    authors             TEXT NOT NULL,
    genre               TEXT,
    kind                TEXT NOT NULL,
    price_kopecks       INTEGER,
    age_rating          INTEGER,
    status              TEXT NOT NULL,
    created             TEXT,
    updated             TEXT,
    refusal_reason      TEXT,
    refusal_text        TEXT,
    loan_due            TEXT,
    -- A decision taken at the desk and waiting in the outbox.
    local_decision      TEXT,
    pulled_at           TEXT NOT NULL
) STRICT;
CREATE INDEX provider_requests_by_status ON provider_requests (status, created);

-- The library fund at the provider.
CREATE TABLE fund_items (
    art             INTEGER PRIMARY KEY,
    title           TEXT NOT NULL,
    authors         TEXT NOT NULL,
    genre           TEXT,
    kind            TEXT NOT NULL,
    price_kopecks   INTEGER,
    age_rating      INTEGER,
    copies          INTEGER NOT NULL,
    on_loan         INTEGER NOT NULL,
    issues          INTEGER NOT NULL,
    licence_end     TEXT,
    bought          TEXT,
    pulled_at       TEXT NOT NULL
) STRICT;

-- Reader cards at the provider.
CREATE TABLE provider_readers (
    lib_card    TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    birth_date  TEXT,
    mail        TEXT,
    phone       TEXT,
    pulled_at   TEXT NOT NULL
) STRICT;

-- The provider's statistics per period, as JSON.
CREATE TABLE provider_stats (
    period_from TEXT NOT NULL,
    period_to   TEXT NOT NULL,
    stats       TEXT NOT NULL,
    pulled_at   TEXT NOT NULL,
    PRIMARY KEY (period_from, period_to)
) STRICT;
