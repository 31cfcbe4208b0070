-- Kafedra schema, version 1: readers, consents, the login pool, bindings, the journal.
-- Timestamps are RFC 3339 in UTC; dates are YYYY-MM-DD.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE readers (
    id              INTEGER PRIMARY KEY,
    surname         TEXT NOT NULL,
    name            TEXT NOT NULL,
    patronymic      TEXT,
    birth_date      TEXT NOT NULL,
    card            TEXT NOT NULL UNIQUE,
    email           TEXT,
    phone           TEXT,
    channel         TEXT NOT NULL CHECK (channel IN ('desk', 'email', 'web', 'qr')),
    representative  TEXT,
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    -- Search columns: lowercase, ё→е (SQLite folds ASCII only).
    surname_norm    TEXT NOT NULL,
    name_norm       TEXT NOT NULL,
    full_norm       TEXT NOT NULL,
    card_norm       TEXT NOT NULL
) STRICT;

-- (surname, name, birth date) serves surname-prefix search in name order and the
-- duplicate check; (name, surname) serves name-prefix search.
CREATE INDEX readers_by_name ON readers (name_norm, surname_norm);
CREATE INDEX readers_by_card ON readers (card_norm);
CREATE INDEX readers_by_person ON readers (surname_norm, name_norm, birth_date);
CREATE INDEX readers_by_email ON readers (email) WHERE email IS NOT NULL;
CREATE INDEX readers_by_phone ON readers (phone) WHERE phone IS NOT NULL;

-- Substring search over the normalised full name (3+ characters).
CREATE VIRTUAL TABLE readers_fts USING fts5 (
    full_norm,
    content = 'readers',
    content_rowid = 'id',
    tokenize = 'trigram case_sensitive 0'
);

CREATE TRIGGER readers_fts_insert AFTER INSERT ON readers BEGIN
    INSERT INTO readers_fts (rowid, full_norm) VALUES (new.id, new.full_norm);
END;
CREATE TRIGGER readers_fts_delete AFTER DELETE ON readers BEGIN
    INSERT INTO readers_fts (readers_fts, rowid, full_norm) VALUES ('delete', old.id, old.full_norm);
END;
CREATE TRIGGER readers_fts_update AFTER UPDATE OF full_norm ON readers BEGIN
    INSERT INTO readers_fts (readers_fts, rowid, full_norm) VALUES ('delete', old.id, old.full_norm);
    INSERT INTO readers_fts (rowid, full_norm) VALUES (new.id, new.full_norm);
END;

-- 152-ФЗ consent: its own document, versioned, with who took it and when.
CREATE TABLE consents (
    id              INTEGER PRIMARY KEY,
    reader_id       INTEGER NOT NULL REFERENCES readers (id),
    version         TEXT NOT NULL,
    given_at        TEXT NOT NULL,
    given_by        TEXT NOT NULL CHECK (given_by IN ('reader', 'representative')),
    representative  TEXT,
    staff           TEXT NOT NULL,
    withdrawn_at    TEXT,
    withdrawn_by    TEXT
) STRICT;
CREATE INDEX consents_by_reader ON consents (reader_id);

-- The login pool: provider accounts owned by the library.
CREATE TABLE accounts (
    id              INTEGER PRIMARY KEY,
    provider        TEXT NOT NULL DEFAULT 'litres',
    login           TEXT NOT NULL,
    login_norm      TEXT NOT NULL,
    password        TEXT NOT NULL,
    provider_card   TEXT,
    status          TEXT NOT NULL DEFAULT 'free' CHECK (status IN ('free', 'assigned', 'blocked')),
    import_id       INTEGER REFERENCES imports (id),
    blocked_at      TEXT,
    blocked_by      TEXT,
    blocked_reason  TEXT,
    UNIQUE (provider, login)
) STRICT;
CREATE INDEX accounts_by_status ON accounts (provider, status, id);
CREATE INDEX accounts_by_login ON accounts (login_norm);

CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    file_name   TEXT NOT NULL,
    encoding    TEXT NOT NULL,
    rows        INTEGER NOT NULL,
    at          TEXT NOT NULL,
    staff       TEXT NOT NULL
) STRICT;

-- A login bound to a reader. One active binding per reader and provider; a login
-- is bound at most once in its life (a blocked login is never handed out again).
CREATE TABLE bindings (
    id          INTEGER PRIMARY KEY,
    reader_id   INTEGER NOT NULL REFERENCES readers (id),
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    provider    TEXT NOT NULL,
    bound_at    TEXT NOT NULL,
    bound_by    TEXT NOT NULL,
    ended_at    TEXT,
    ended_by    TEXT,
    end_reason  TEXT
) STRICT;
CREATE UNIQUE INDEX bindings_one_active_per_reader ON bindings (reader_id, provider) WHERE ended_at IS NULL;
CREATE UNIQUE INDEX bindings_account_once ON bindings (account_id);

-- The append-only journal: who, when, what, which reader.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    staff       TEXT NOT NULL,
    desk        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    reader_id   INTEGER REFERENCES readers (id),
    account_id  INTEGER REFERENCES accounts (id),
    details     TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX events_by_reader ON events (reader_id, id);
CREATE INDEX events_by_kind ON events (kind, at);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN
    SELECT RAISE(ABORT, 'the event journal is append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN
    SELECT RAISE(ABORT, 'the event journal is append-only');
END;
