-- Vigie history, version 1. Applied by scanner.history in one transaction;
-- PRAGMA user_version records the last migration applied.

CREATE TABLE runs (
    id                  TEXT PRIMARY KEY,
    started_at          TEXT NOT NULL,          -- ISO 8601, UTC
    finished_at         TEXT,
    status              TEXT NOT NULL CHECK (status IN ('complete', 'partial', 'failed')),
    accounts_total      INTEGER NOT NULL DEFAULT 0,
    accounts_verified   INTEGER NOT NULL DEFAULT 0,
    accounts_compliant  INTEGER NOT NULL DEFAULT 0,  -- verified, with no non_conforme result
    checks_conforme     INTEGER NOT NULL DEFAULT 0,
    checks_non_conforme INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_started ON runs (started_at);

-- What the platform said about each account that night (public fields only, scrubbed).
CREATE TABLE snapshots (
    run_id  TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    account TEXT NOT NULL,
    data    TEXT NOT NULL,                      -- JSON
    PRIMARY KEY (run_id, account)
) WITHOUT ROWID;

CREATE TABLE results (
    run_id   TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    account  TEXT NOT NULL,
    check_id TEXT NOT NULL,
    status   TEXT NOT NULL CHECK (status IN ('conforme', 'non_conforme', 'non_verifiable', 'manuel', 'derogation')),
    detail   TEXT,
    PRIMARY KEY (run_id, account, check_id)
) WITHOUT ROWID;
CREATE INDEX results_pair ON results (account, check_id);

-- One row per (account, check) ever found failing; a new occurrence reuses the row.
CREATE TABLE findings (
    id           TEXT PRIMARY KEY,              -- sha256(account NUL check)[:16], stable
    account      TEXT NOT NULL,
    check_id     TEXT NOT NULL,
    first_seen   TEXT NOT NULL,                 -- first night of the current occurrence
    first_run    TEXT NOT NULL REFERENCES runs (id),
    last_seen    TEXT NOT NULL,                 -- last night it was seen non_conforme
    last_run     TEXT NOT NULL REFERENCES runs (id),
    resolved_at  TEXT,                          -- NULL while open
    resolved_run TEXT REFERENCES runs (id),
    last_status  TEXT NOT NULL,                 -- last verdict (non_conforme, conforme, derogation)
    detail       TEXT,
    occurrence   INTEGER NOT NULL DEFAULT 1,
    UNIQUE (account, check_id)
);
CREATE INDEX findings_open ON findings (resolved_at) WHERE resolved_at IS NULL;

-- Reserved for the notices stage: recorded before sending, marked after (exactly once).
CREATE TABLE notices (
    id         TEXT PRIMARY KEY,                -- the Message-ID
    run_id     TEXT NOT NULL REFERENCES runs (id),
    school     TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('first', 'reminder', 'escalation')),
    recipients TEXT NOT NULL,                   -- JSON list of addresses
    findings   TEXT NOT NULL,                   -- JSON list of finding ids
    state      TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
    created_at TEXT NOT NULL,
    sent_at    TEXT,
    error      TEXT,
    attempts   INTEGER NOT NULL DEFAULT 0,
    message    BLOB                             -- the exact message, so a retry resends it unchanged
);
CREATE INDEX notices_school ON notices (school, state, sent_at);
