-- Kafedra schema, version 6: statistics for any period, fast.
--
-- Every counted event adds 1 (or its money) to a day bucket (day, figure,
-- group) in the same transaction that records it: these triggers run inside
-- the statement that inserts the reader, the binding or the provider's
-- request, so a figure can never disagree with the rows it counts. A period's
-- figure is the sum of its days (a few thousand rows for ten years). Days are
-- the desk's local days. The age group is the reader's on the day of the
-- event. Counts of distinct readers (active readers) cannot be summed: they
-- are counted from the requests themselves, through their own index.
--
-- Answer times are kept per month of the request (stat_answer): a period's
-- median and 90th percentile are those of the months it touches.
--
-- Figures (the same keys as `kafedra stats --format csv`): readers_registered,
-- logins_bound, logins_blocked, requests, issues, refusals, cancellations,
-- purchases_library, purchases_reader, money_spent (kopecks).
-- Groups: all, age:0-14, age:15-30, age:31+, channel:desk|email|web|qr, reason:<code>.

CREATE TABLE stat_days (
    day     TEXT NOT NULL,
    figure  TEXT NOT NULL,
    grp     TEXT NOT NULL,
    value   INTEGER NOT NULL,
    PRIMARY KEY (day, figure, grp)
) STRICT, WITHOUT ROWID;

-- Readers (provider cards) with a request in a year, with the birth date the
-- provider gave and a bit per month: a year's active readers are its rows,
-- cut months are the rows with one of their bits.
CREATE TABLE stat_active_year (
    year        TEXT NOT NULL,
    lib_card    TEXT NOT NULL,
    birth_date  TEXT,
    -- A bit per month the card was active in (bit 0 = January).
    months      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (year, lib_card)
) STRICT, WITHOUT ROWID;

-- Each card once, with a bit for every year it was active (bit 0 = 2000):
-- the distinct readers of whole years are the cards with one of those bits.
CREATE TABLE stat_card (
    lib_card    TEXT PRIMARY KEY,
    birth_date  TEXT,
    -- The days the reader turns 15 and 31: the age group on a day is two
    -- string comparisons.
    turns15     TEXT,
    turns31     TEXT,
    years       INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Answer times: how many requests made in a month were answered after N
-- ten-minute steps (capped at 30 days).
CREATE TABLE stat_answer (
    month   TEXT NOT NULL,
    step    INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (month, step)
) STRICT, WITHOUT ROWID;

-- The edges of a period that cut a month read the requests by their time.
CREATE INDEX provider_requests_by_created ON provider_requests (created, lib_card, reader_birth_date);

CREATE TRIGGER stats_reader_registered AFTER INSERT ON readers BEGIN
    INSERT INTO stat_days (day, figure, grp, value)
    SELECT date(new.created_at, 'localtime'), 'readers_registered', g, 1 FROM (SELECT 'all' AS g UNION ALL SELECT 'channel:' || new.channel AS g UNION ALL SELECT CASE WHEN new.birth_date IS NULL OR new.birth_date = '' THEN NULL WHEN date(new.birth_date, '+15 years') > date(new.created_at, 'localtime') THEN 'age:0-14' WHEN date(new.birth_date, '+31 years') > date(new.created_at, 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g) WHERE g IS NOT NULL AND (true)
    ON CONFLICT (day, figure, grp) DO UPDATE SET value = value + excluded.value;
END;

CREATE TRIGGER stats_login_bound AFTER INSERT ON bindings BEGIN
    INSERT INTO stat_days (day, figure, grp, value)
    SELECT date(new.bound_at, 'localtime'), 'logins_bound', g, 1 FROM (SELECT 'all' AS g UNION ALL SELECT 'channel:' || (SELECT channel FROM readers WHERE id = new.reader_id) AS g UNION ALL SELECT CASE WHEN (SELECT birth_date FROM readers WHERE id = new.reader_id) IS NULL OR (SELECT birth_date FROM readers WHERE id = new.reader_id) = '' THEN NULL WHEN date((SELECT birth_date FROM readers WHERE id = new.reader_id), '+15 years') > date(new.bound_at, 'localtime') THEN 'age:0-14' WHEN date((SELECT birth_date FROM readers WHERE id = new.reader_id), '+31 years') > date(new.bound_at, 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g) WHERE g IS NOT NULL AND (true)
    ON CONFLICT (day, figure, grp) DO UPDATE SET value = value + excluded.value;
END;

CREATE TRIGGER stats_login_blocked AFTER UPDATE OF ended_at ON bindings
    WHEN old.ended_at IS NULL AND new.ended_at IS NOT NULL BEGIN
    INSERT INTO stat_days (day, figure, grp, value)
    SELECT date(new.ended_at, 'localtime'), 'logins_blocked', g, 1 FROM (SELECT 'all' AS g UNION ALL SELECT CASE WHEN (SELECT birth_date FROM readers WHERE id = new.reader_id) IS NULL OR (SELECT birth_date FROM readers WHERE id = new.reader_id) = '' THEN NULL WHEN date((SELECT birth_date FROM readers WHERE id = new.reader_id), '+15 years') > date(new.ended_at, 'localtime') THEN 'age:0-14' WHEN date((SELECT birth_date FROM readers WHERE id = new.reader_id), '+31 years') > date(new.ended_at, 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g) WHERE g IS NOT NULL AND (true)
    ON CONFLICT (day, figure, grp) DO UPDATE SET value = value + excluded.value;
END;

CREATE TRIGGER stats_active AFTER INSERT ON provider_requests WHEN new.direct = 0 AND new.created IS NOT NULL BEGIN
    INSERT INTO stat_active_year (year, lib_card, birth_date, months)
    VALUES (substr(date(new.created, 'localtime'), 1, 4), new.lib_card, new.reader_birth_date,
        1 << (CAST(substr(date(new.created, 'localtime'), 6, 2) AS INTEGER) - 1))
    ON CONFLICT (year, lib_card) DO UPDATE SET months = months | excluded.months;
    INSERT INTO stat_card (lib_card, birth_date, turns15, turns31, years)
    SELECT new.lib_card, new.reader_birth_date, date(new.reader_birth_date, '+15 years'),
        date(new.reader_birth_date, '+31 years'), 1 << (y - 2000)
    FROM (SELECT CAST(substr(date(new.created, 'localtime'), 1, 4) AS INTEGER) AS y)
    WHERE y BETWEEN 2000 AND 2062
    ON CONFLICT (lib_card) DO UPDATE SET years = years | excluded.years,
        birth_date = COALESCE(excluded.birth_date, birth_date),
        turns15 = COALESCE(excluded.turns15, turns15),
        turns31 = COALESCE(excluded.turns31, turns31);
END;
CREATE TRIGGER stats_request AFTER INSERT ON provider_requests WHEN new.direct = 0 AND new.created IS NOT NULL BEGIN
    INSERT INTO stat_days (day, figure, grp, value)
    SELECT date(new.created, 'localtime'), 'requests', g, 1 FROM (SELECT 'all' AS g UNION ALL SELECT CASE WHEN new.reader_birth_date IS NULL OR new.reader_birth_date = '' THEN NULL WHEN date(new.reader_birth_date, '+15 years') > date(new.created, 'localtime') THEN 'age:0-14' WHEN date(new.reader_birth_date, '+31 years') > date(new.created, 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g) WHERE g IS NOT NULL AND (true)
    ON CONFLICT (day, figure, grp) DO UPDATE SET value = value + excluded.value;
END;

CREATE TRIGGER stats_outcome_new AFTER INSERT ON provider_requests BEGIN
    INSERT INTO stat_days (day, figure, grp, value)
    SELECT date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime'), 'issues', g, 1 FROM (SELECT 'all' AS g UNION ALL SELECT CASE WHEN new.reader_birth_date IS NULL OR new.reader_birth_date = '' THEN NULL WHEN date(new.reader_birth_date, '+15 years') > date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime') THEN 'age:0-14' WHEN date(new.reader_birth_date, '+31 years') > date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g) WHERE g IS NOT NULL AND (new.status = 'issued')
    ON CONFLICT (day, figure, grp) DO UPDATE SET value = value + excluded.value;
    INSERT INTO stat_days (day, figure, grp, value)
    SELECT date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime'), 'refusals', g, 1 FROM (SELECT 'all' AS g UNION ALL SELECT CASE WHEN new.reader_birth_date IS NULL OR new.reader_birth_date = '' THEN NULL WHEN date(new.reader_birth_date, '+15 years') > date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime') THEN 'age:0-14' WHEN date(new.reader_birth_date, '+31 years') > date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g UNION ALL SELECT 'reason:' || COALESCE(new.refusal_reason, 'other') AS g) WHERE g IS NOT NULL AND (new.status = 'refused')
    ON CONFLICT (day, figure, grp) DO UPDATE SET value = value + excluded.value;
    INSERT INTO stat_days (day, figure, grp, value)
    SELECT date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime'), 'cancellations', g, 1 FROM (SELECT 'all' AS g UNION ALL SELECT CASE WHEN new.reader_birth_date IS NULL OR new.reader_birth_date = '' THEN NULL WHEN date(new.reader_birth_date, '+15 years') > date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime') THEN 'age:0-14' WHEN date(new.reader_birth_date, '+31 years') > date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g) WHERE g IS NOT NULL AND (new.status = 'cancelled')
    ON CONFLICT (day, figure, grp) DO UPDATE SET value = value + excluded.value;
    INSERT INTO stat_days (day, figure, grp, value)
    SELECT date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime'), 'purchases_library', g, 1 FROM (SELECT 'all' AS g UNION ALL SELECT CASE WHEN new.reader_birth_date IS NULL OR new.reader_birth_date = '' THEN NULL WHEN date(new.reader_birth_date, '+15 years') > date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime') THEN 'age:0-14' WHEN date(new.reader_birth_date, '+31 years') > date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g) WHERE g IS NOT NULL AND (new.status = 'issued' AND new.bought_by = 'library')
    ON CONFLICT (day, figure, grp) DO UPDATE SET value = value + excluded.value;
    INSERT INTO stat_days (day, figure, grp, value)
    SELECT date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime'), 'money_spent', g, COALESCE(new.price_kopecks, 0) FROM (SELECT 'all' AS g) WHERE g IS NOT NULL AND (new.status = 'issued' AND new.bought_by = 'library')
    ON CONFLICT (day, figure, grp) DO UPDATE SET value = value + excluded.value;
    INSERT INTO stat_days (day, figure, grp, value)
    SELECT date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime'), 'purchases_reader', g, 1 FROM (SELECT 'all' AS g UNION ALL SELECT CASE WHEN new.reader_birth_date IS NULL OR new.reader_birth_date = '' THEN NULL WHEN date(new.reader_birth_date, '+15 years') > date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime') THEN 'age:0-14' WHEN date(new.reader_birth_date, '+31 years') > date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g) WHERE g IS NOT NULL AND (new.status = 'issued' AND new.bought_by = 'reader')
    ON CONFLICT (day, figure, grp) DO UPDATE SET value = value + excluded.value;
    INSERT INTO stat_answer (month, step, n)
    SELECT substr(date(new.created, 'localtime'), 1, 7),
        min(max(CAST((julianday(new.updated) - julianday(new.created)) * 144 AS INTEGER), 0), 4320), 1
    WHERE new.status IN ('issued', 'refused') AND new.direct = 0 AND new.created IS NOT NULL AND new.updated IS NOT NULL
    ON CONFLICT (month, step) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER stats_outcome_changed AFTER UPDATE OF status ON provider_requests
    WHEN old.status <> new.status AND old.status = 'pending' BEGIN
    INSERT INTO stat_days (day, figure, grp, value)
    SELECT date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime'), 'issues', g, 1 FROM (SELECT 'all' AS g UNION ALL SELECT CASE WHEN new.reader_birth_date IS NULL OR new.reader_birth_date = '' THEN NULL WHEN date(new.reader_birth_date, '+15 years') > date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime') THEN 'age:0-14' WHEN date(new.reader_birth_date, '+31 years') > date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g) WHERE g IS NOT NULL AND (new.status = 'issued')
    ON CONFLICT (day, figure, grp) DO UPDATE SET value = value + excluded.value;
    INSERT INTO stat_days (day, figure, grp, value)
    SELECT date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime'), 'refusals', g, 1 FROM (SELECT 'all' AS g UNION ALL SELECT CASE WHEN new.reader_birth_date IS NULL OR new.reader_birth_date = '' THEN NULL WHEN date(new.reader_birth_date, '+15 years') > date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime') THEN 'age:0-14' WHEN date(new.reader_birth_date, '+31 years') > date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g UNION ALL SELECT 'reason:' || COALESCE(new.refusal_reason, 'other') AS g) WHERE g IS NOT NULL AND (new.status = 'refused')
    ON CONFLICT (day, figure, grp) DO UPDATE SET value = value + excluded.value;
    INSERT INTO stat_days (day, figure, grp, value)
    SELECT date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime'), 'cancellations', g, 1 FROM (SELECT 'all' AS g UNION ALL SELECT CASE WHEN new.reader_birth_date IS NULL OR new.reader_birth_date = '' THEN NULL WHEN date(new.reader_birth_date, '+15 years') > date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime') THEN 'age:0-14' WHEN date(new.reader_birth_date, '+31 years') > date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g) WHERE g IS NOT NULL AND (new.status = 'cancelled')
    ON CONFLICT (day, figure, grp) DO UPDATE SET value = value + excluded.value;
    INSERT INTO stat_days (day, figure, grp, value)
    SELECT date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime'), 'purchases_library', g, 1 FROM (SELECT 'all' AS g UNION ALL SELECT CASE WHEN new.reader_birth_date IS NULL OR new.reader_birth_date = '' THEN NULL WHEN date(new.reader_birth_date, '+15 years') > date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime') THEN 'age:0-14' WHEN date(new.reader_birth_date, '+31 years') > date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g) WHERE g IS NOT NULL AND (new.status = 'issued' AND new.bought_by = 'library')
    ON CONFLICT (day, figure, grp) DO UPDATE SET value = value + excluded.value;
    INSERT INTO stat_days (day, figure, grp, value)
    SELECT date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime'), 'money_spent', g, COALESCE(new.price_kopecks, 0) FROM (SELECT 'all' AS g) WHERE g IS NOT NULL AND (new.status = 'issued' AND new.bought_by = 'library')
    ON CONFLICT (day, figure, grp) DO UPDATE SET value = value + excluded.value;
    INSERT INTO stat_days (day, figure, grp, value)
    SELECT date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime'), 'purchases_reader', g, 1 FROM (SELECT 'all' AS g UNION ALL SELECT CASE WHEN new.reader_birth_date IS NULL OR new.reader_birth_date = '' THEN NULL WHEN date(new.reader_birth_date, '+15 years') > date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime') THEN 'age:0-14' WHEN date(new.reader_birth_date, '+31 years') > date(COALESCE(new.updated, new.created, new.pulled_at), 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g) WHERE g IS NOT NULL AND (new.status = 'issued' AND new.bought_by = 'reader')
    ON CONFLICT (day, figure, grp) DO UPDATE SET value = value + excluded.value;
    INSERT INTO stat_answer (month, step, n)
    SELECT substr(date(new.created, 'localtime'), 1, 7),
        min(max(CAST((julianday(new.updated) - julianday(new.created)) * 144 AS INTEGER), 0), 4320), 1
    WHERE new.status IN ('issued', 'refused') AND new.direct = 0 AND new.created IS NOT NULL AND new.updated IS NOT NULL
    ON CONFLICT (month, step) DO UPDATE SET n = n + excluded.n;
END;


-- What happened before this version, counted once.

INSERT INTO stat_days (day, figure, grp, value)
SELECT day, 'readers_registered', g, sum(v) FROM (SELECT date(r.created_at, 'localtime') AS day, 'all' AS g, 1 AS v FROM readers r WHERE 1 UNION ALL SELECT date(r.created_at, 'localtime') AS day, 'channel:' || r.channel AS g, 1 AS v FROM readers r WHERE 1 UNION ALL SELECT date(r.created_at, 'localtime') AS day, CASE WHEN r.birth_date IS NULL OR r.birth_date = '' THEN NULL WHEN date(r.birth_date, '+15 years') > date(r.created_at, 'localtime') THEN 'age:0-14' WHEN date(r.birth_date, '+31 years') > date(r.created_at, 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g, 1 AS v FROM readers r WHERE 1) WHERE g IS NOT NULL AND day IS NOT NULL GROUP BY day, g;

INSERT INTO stat_days (day, figure, grp, value)
SELECT day, 'logins_bound', g, sum(v) FROM (SELECT date(bd.bound_at, 'localtime') AS day, 'all' AS g, 1 AS v FROM bindings bd JOIN readers r ON r.id = bd.reader_id WHERE 1 UNION ALL SELECT date(bd.bound_at, 'localtime') AS day, 'channel:' || r.channel AS g, 1 AS v FROM bindings bd JOIN readers r ON r.id = bd.reader_id WHERE 1 UNION ALL SELECT date(bd.bound_at, 'localtime') AS day, CASE WHEN r.birth_date IS NULL OR r.birth_date = '' THEN NULL WHEN date(r.birth_date, '+15 years') > date(bd.bound_at, 'localtime') THEN 'age:0-14' WHEN date(r.birth_date, '+31 years') > date(bd.bound_at, 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g, 1 AS v FROM bindings bd JOIN readers r ON r.id = bd.reader_id WHERE 1) WHERE g IS NOT NULL AND day IS NOT NULL GROUP BY day, g;

INSERT INTO stat_days (day, figure, grp, value)
SELECT day, 'logins_blocked', g, sum(v) FROM (SELECT date(bd.ended_at, 'localtime') AS day, 'all' AS g, 1 AS v FROM bindings bd JOIN readers r ON r.id = bd.reader_id WHERE bd.ended_at IS NOT NULL UNION ALL SELECT date(bd.ended_at, 'localtime') AS day, CASE WHEN r.birth_date IS NULL OR r.birth_date = '' THEN NULL WHEN date(r.birth_date, '+15 years') > date(bd.ended_at, 'localtime') THEN 'age:0-14' WHEN date(r.birth_date, '+31 years') > date(bd.ended_at, 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g, 1 AS v FROM bindings bd JOIN readers r ON r.id = bd.reader_id WHERE bd.ended_at IS NOT NULL) WHERE g IS NOT NULL AND day IS NOT NULL GROUP BY day, g;

INSERT INTO stat_days (day, figure, grp, value)
SELECT day, 'requests', g, sum(v) FROM (SELECT date(p.created, 'localtime') AS day, 'all' AS g, 1 AS v FROM provider_requests p WHERE p.direct = 0 AND p.created IS NOT NULL UNION ALL SELECT date(p.created, 'localtime') AS day, CASE WHEN p.reader_birth_date IS NULL OR p.reader_birth_date = '' THEN NULL WHEN date(p.reader_birth_date, '+15 years') > date(p.created, 'localtime') THEN 'age:0-14' WHEN date(p.reader_birth_date, '+31 years') > date(p.created, 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g, 1 AS v FROM provider_requests p WHERE p.direct = 0 AND p.created IS NOT NULL) WHERE g IS NOT NULL AND day IS NOT NULL GROUP BY day, g;

INSERT INTO stat_days (day, figure, grp, value)
SELECT day, 'issues', g, sum(v) FROM (SELECT date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') AS day, 'all' AS g, 1 AS v FROM provider_requests p WHERE p.status = 'issued' UNION ALL SELECT date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') AS day, CASE WHEN p.reader_birth_date IS NULL OR p.reader_birth_date = '' THEN NULL WHEN date(p.reader_birth_date, '+15 years') > date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') THEN 'age:0-14' WHEN date(p.reader_birth_date, '+31 years') > date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g, 1 AS v FROM provider_requests p WHERE p.status = 'issued') WHERE g IS NOT NULL AND day IS NOT NULL GROUP BY day, g;

INSERT INTO stat_days (day, figure, grp, value)
SELECT day, 'refusals', g, sum(v) FROM (SELECT date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') AS day, 'all' AS g, 1 AS v FROM provider_requests p WHERE p.status = 'refused' UNION ALL SELECT date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') AS day, CASE WHEN p.reader_birth_date IS NULL OR p.reader_birth_date = '' THEN NULL WHEN date(p.reader_birth_date, '+15 years') > date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') THEN 'age:0-14' WHEN date(p.reader_birth_date, '+31 years') > date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g, 1 AS v FROM provider_requests p WHERE p.status = 'refused' UNION ALL SELECT date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') AS day, 'reason:' || COALESCE(p.refusal_reason, 'other') AS g, 1 AS v FROM provider_requests p WHERE p.status = 'refused') WHERE g IS NOT NULL AND day IS NOT NULL GROUP BY day, g;

INSERT INTO stat_days (day, figure, grp, value)
SELECT day, 'cancellations', g, sum(v) FROM (SELECT date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') AS day, 'all' AS g, 1 AS v FROM provider_requests p WHERE p.status = 'cancelled' UNION ALL SELECT date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') AS day, CASE WHEN p.reader_birth_date IS NULL OR p.reader_birth_date = '' THEN NULL WHEN date(p.reader_birth_date, '+15 years') > date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') THEN 'age:0-14' WHEN date(p.reader_birth_date, '+31 years') > date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g, 1 AS v FROM provider_requests p WHERE p.status = 'cancelled') WHERE g IS NOT NULL AND day IS NOT NULL GROUP BY day, g;

INSERT INTO stat_days (day, figure, grp, value)
SELECT day, 'purchases_library', g, sum(v) FROM (SELECT date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') AS day, 'all' AS g, 1 AS v FROM provider_requests p WHERE p.status = 'issued' AND p.bought_by = 'library' UNION ALL SELECT date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') AS day, CASE WHEN p.reader_birth_date IS NULL OR p.reader_birth_date = '' THEN NULL WHEN date(p.reader_birth_date, '+15 years') > date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') THEN 'age:0-14' WHEN date(p.reader_birth_date, '+31 years') > date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g, 1 AS v FROM provider_requests p WHERE p.status = 'issued' AND p.bought_by = 'library') WHERE g IS NOT NULL AND day IS NOT NULL GROUP BY day, g;

INSERT INTO stat_days (day, figure, grp, value)
SELECT day, 'money_spent', g, sum(v) FROM (SELECT date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') AS day, 'all' AS g, COALESCE(p.price_kopecks, 0) AS v FROM provider_requests p WHERE p.status = 'issued' AND p.bought_by = 'library') WHERE g IS NOT NULL AND day IS NOT NULL GROUP BY day, g;

INSERT INTO stat_days (day, figure, grp, value)
SELECT day, 'purchases_reader', g, sum(v) FROM (SELECT date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') AS day, 'all' AS g, 1 AS v FROM provider_requests p WHERE p.status = 'issued' AND p.bought_by = 'reader' UNION ALL SELECT date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') AS day, CASE WHEN p.reader_birth_date IS NULL OR p.reader_birth_date = '' THEN NULL WHEN date(p.reader_birth_date, '+15 years') > date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') THEN 'age:0-14' WHEN date(p.reader_birth_date, '+31 years') > date(COALESCE(p.updated, p.created, p.pulled_at), 'localtime') THEN 'age:15-30' ELSE 'age:31+' END AS g, 1 AS v FROM provider_requests p WHERE p.status = 'issued' AND p.bought_by = 'reader') WHERE g IS NOT NULL AND day IS NOT NULL GROUP BY day, g;


INSERT INTO stat_active_year (year, lib_card, birth_date, months)
SELECT substr(m, 1, 4), lib_card, max(birth_date),
    sum(DISTINCT 1 << (CAST(substr(m, 6, 2) AS INTEGER) - 1))
FROM (SELECT substr(date(created, 'localtime'), 1, 7) AS m, lib_card, reader_birth_date AS birth_date
      FROM provider_requests WHERE direct = 0 AND created IS NOT NULL)
GROUP BY 1, 2;

INSERT INTO stat_answer (month, step, n)
SELECT substr(date(created, 'localtime'), 1, 7),
    min(max(CAST((julianday(updated) - julianday(created)) * 144 AS INTEGER), 0), 4320), count(*)
FROM provider_requests
WHERE status IN ('issued', 'refused') AND direct = 0 AND created IS NOT NULL AND updated IS NOT NULL
GROUP BY 1, 2;

-- The money on the provider's account as each sync reports it (a change
-- only), in the same transaction: with the purchases, the ledger of where
-- the money went.
CREATE TABLE money_reports (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    money_left  INTEGER NOT NULL       -- kopecks
) STRICT;
CREATE INDEX money_reports_by_at ON money_reports (at);
CREATE TRIGGER money_reported AFTER INSERT ON library_info BEGIN
    INSERT INTO money_reports (at, money_left) VALUES (new.pulled_at, new.money_left);
END;
CREATE TRIGGER money_changed AFTER UPDATE OF money_left ON library_info
    WHEN old.money_left <> new.money_left BEGIN
    INSERT INTO money_reports (at, money_left) VALUES (new.pulled_at, new.money_left);
END;
INSERT INTO money_reports (at, money_left) SELECT pulled_at, money_left FROM library_info;

-- Purchases of a period, by the day of the answer.
CREATE INDEX provider_requests_bought ON provider_requests (updated) WHERE bought_by IS NOT NULL;

INSERT INTO stat_card (lib_card, birth_date, turns15, turns31, years)
SELECT lib_card, max(birth_date), date(max(birth_date), '+15 years'), date(max(birth_date), '+31 years'), 0
FROM stat_active_year GROUP BY lib_card;
UPDATE stat_card SET years = (
    SELECT COALESCE(sum(DISTINCT 1 << (CAST(a.year AS INTEGER) - 2000)), 0) FROM stat_active_year a
    WHERE a.lib_card = stat_card.lib_card AND CAST(a.year AS INTEGER) BETWEEN 2000 AND 2062);

-- The day buckets rolled up by month, kept by triggers on the day buckets
-- themselves (so in the same statement): a decade is 120 months of rows.
-- Created after the back-fill above, then filled from it once.
CREATE TABLE stat_months (
    month   TEXT NOT NULL,
    figure  TEXT NOT NULL,
    grp     TEXT NOT NULL,
    value   INTEGER NOT NULL,
    PRIMARY KEY (month, figure, grp)
) STRICT, WITHOUT ROWID;
INSERT INTO stat_months (month, figure, grp, value)
SELECT substr(day, 1, 7), figure, grp, sum(value) FROM stat_days GROUP BY 1, 2, 3;
CREATE TRIGGER stat_months_insert AFTER INSERT ON stat_days BEGIN
    INSERT INTO stat_months (month, figure, grp, value)
    VALUES (substr(new.day, 1, 7), new.figure, new.grp, new.value)
    ON CONFLICT (month, figure, grp) DO UPDATE SET value = value + excluded.value;
END;
CREATE TRIGGER stat_months_update AFTER UPDATE OF value ON stat_days BEGIN
    UPDATE stat_months SET value = value + new.value - old.value
    WHERE month = substr(new.day, 1, 7) AND figure = new.figure AND grp = new.grp;
END;
