-- Kafedra schema, version 5: the library's e-fund seen and worked.
--
-- Each pull of the whole fund is compared with the one before, in the same
-- transaction: titles that came in, copies that left at their 24th issue,
-- licences that ended and titles that came back after renewal become rows of
-- fund_events. Titles are never deleted: a title no longer listed keeps its
-- row with 0 copies, so its history and its readers' requests stay readable.

ALTER TABLE fund_items ADD COLUMN annotation TEXT;
-- The day the title came into the fund (bought, else first seen).
ALTER TABLE fund_items ADD COLUMN added TEXT;
-- Normalised «title authors genre» (ё→е, lower case): the search key.
ALTER TABLE fund_items ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
-- Issues of the copy closest to its 24th issue (0 without copies).
ALTER TABLE fund_items ADD COLUMN top_issues INTEGER NOT NULL DEFAULT 0;
-- 0 once the provider's fund list no longer names the title.
ALTER TABLE fund_items ADD COLUMN listed INTEGER NOT NULL DEFAULT 1;

CREATE INDEX fund_items_by_genre ON fund_items (genre, title);
CREATE INDEX fund_items_by_top_issues ON fund_items (top_issues) WHERE copies > 0;
CREATE INDEX fund_items_by_licence_end ON fund_items (licence_end) WHERE copies > 0;
CREATE INDEX fund_items_by_added ON fund_items (added);

CREATE VIRTUAL TABLE fund_fts USING fts5 (
    search_key,
    content = 'fund_items',
    content_rowid = 'art',
    tokenize = 'trigram case_sensitive 0'
);
CREATE TRIGGER fund_fts_insert AFTER INSERT ON fund_items BEGIN
    INSERT INTO fund_fts (rowid, search_key) VALUES (new.art, new.search_key);
END;
CREATE TRIGGER fund_fts_delete AFTER DELETE ON fund_items BEGIN
    INSERT INTO fund_fts (fund_fts, rowid, search_key) VALUES ('delete', old.art, old.search_key);
END;
CREATE TRIGGER fund_fts_update AFTER UPDATE OF search_key ON fund_items BEGIN
    INSERT INTO fund_fts (fund_fts, rowid, search_key) VALUES ('delete', old.art, old.search_key);
    INSERT INTO fund_fts (rowid, search_key) VALUES (new.art, new.search_key);
END;

-- Whole words of the same key, indexed by their first one and two letters:
-- a word typed with one or two letters («Ве») finds words starting with them.
CREATE VIRTUAL TABLE fund_words USING fts5 (
    search_key,
    content = 'fund_items',
    content_rowid = 'art',
    tokenize = 'unicode61 remove_diacritics 0',
    prefix = '1 2'
);
CREATE TRIGGER fund_words_insert AFTER INSERT ON fund_items BEGIN
    INSERT INTO fund_words (rowid, search_key) VALUES (new.art, new.search_key);
END;
CREATE TRIGGER fund_words_delete AFTER DELETE ON fund_items BEGIN
    INSERT INTO fund_words (fund_words, rowid, search_key) VALUES ('delete', old.art, old.search_key);
END;
CREATE TRIGGER fund_words_update AFTER UPDATE OF search_key ON fund_items BEGIN
    INSERT INTO fund_words (fund_words, rowid, search_key) VALUES ('delete', old.art, old.search_key);
    INSERT INTO fund_words (rowid, search_key) VALUES (new.art, new.search_key);
END;

-- What happened to the fund, one row per change seen between two pulls.
CREATE TABLE fund_events (
    id      INTEGER PRIMARY KEY,
    art     INTEGER NOT NULL REFERENCES fund_items (art),
    day     TEXT NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('added', 'retired', 'licence_ended', 'returned')),
    copies  INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX fund_events_by_day ON fund_events (kind, day);
CREATE INDEX fund_events_by_art ON fund_events (art, day);

-- Themed collections («подборки») of fund titles.
CREATE TABLE collections (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    audience    TEXT NOT NULL,           -- JSON of domain::fund::Audience
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    changed_at  TEXT NOT NULL
) STRICT;

CREATE TABLE collection_items (
    collection_id   INTEGER NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    art             INTEGER NOT NULL REFERENCES fund_items (art),
    position        INTEGER NOT NULL,
    PRIMARY KEY (collection_id, art)
) STRICT;
