-- Kafedra schema, version 4: the requests desk decides with its eyes open.
--
-- Requests carry what the provider says of the book (rating, draft, free…);
-- a provider card can be tied to a local reader by hand; the library's
-- policy (priorities, refusal texts, desk rules) is data; readers have their
-- own lending settings; the outbox learns two new writes.

ALTER TABLE provider_requests ADD COLUMN rating INTEGER;          -- tenths, 0..50
ALTER TABLE provider_requests ADD COLUMN reviews INTEGER;
ALTER TABLE provider_requests ADD COLUMN draft INTEGER NOT NULL DEFAULT 0;
ALTER TABLE provider_requests ADD COLUMN samizdat INTEGER NOT NULL DEFAULT 0;
ALTER TABLE provider_requests ADD COLUMN free INTEGER NOT NULL DEFAULT 0;
ALTER TABLE provider_requests ADD COLUMN bought_by TEXT;          -- 'library' | 'reader'
ALTER TABLE provider_requests ADD COLUMN direct INTEGER NOT NULL DEFAULT 0;
CREATE INDEX provider_requests_by_card ON provider_requests (lib_card, created);

-- Tying a request to the reader whose pool login carries the card.
CREATE INDEX accounts_by_provider_card ON accounts (provider_card) WHERE provider_card IS NOT NULL;

-- Issues so far of each copy of a fund title, as JSON (`[23, 3]`).
ALTER TABLE fund_items ADD COLUMN copy_issues TEXT NOT NULL DEFAULT '[]';

-- The library at the provider: money left and its lending rules (one row).
CREATE TABLE library_info (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    name        TEXT NOT NULL,
    money_left  INTEGER NOT NULL,      -- kopecks
    rules       TEXT NOT NULL,         -- JSON of the provider's lending rules
    pulled_at   TEXT NOT NULL
) STRICT;

-- A provider card tied to a local reader by a librarian (when neither a
-- bound login nor the card number ties it by itself).
CREATE TABLE card_links (
    lib_card    TEXT PRIMARY KEY,
    reader_id   INTEGER NOT NULL REFERENCES readers (id),
    linked_at   TEXT NOT NULL,
    linked_by   TEXT NOT NULL
) STRICT;
CREATE INDEX card_links_by_reader ON card_links (reader_id);

-- The library's policy for the requests desk, as JSON (one row).
CREATE TABLE desk_policy (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    doc         TEXT NOT NULL,
    changed_at  TEXT NOT NULL,
    changed_by  TEXT NOT NULL
) STRICT;

-- A reader's own lending settings (NULL: the library's default), as last
-- sent to the provider.
CREATE TABLE reader_lending (
    reader_id       INTEGER PRIMARY KEY REFERENCES readers (id),
    loan_days       INTEGER,
    self_price_cap  INTEGER,           -- kopecks
    self_purchases  INTEGER,
    changed_at      TEXT NOT NULL,
    changed_by      TEXT NOT NULL
) STRICT;

-- The outbox learns direct issues and readers' settings (a CHECK cannot be
-- altered in SQLite: the table is rebuilt with its rows).
CREATE TABLE outbox_v4 (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('create_reader', 'issue', 'refuse', 'cancel', 'buy',
                                                  'issue_direct', 'reader_settings')),
    payload         TEXT NOT NULL,
    reader_id       INTEGER REFERENCES readers (id),
    request_id      TEXT,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    in_doubt        INTEGER NOT NULL DEFAULT 0,
    claimed_by      TEXT,
    claimed_until   TEXT,
    next_attempt_at TEXT,
    last_error      TEXT,
    done_at         TEXT,
    result          TEXT
) STRICT;
INSERT INTO outbox_v4 SELECT * FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v4 RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox (state, id);
