-- Vigie history, version 3: the publications stage (DA 142 §2.b.iii, §3.b, Annexe A).
-- A content verdict is about one post: results and findings gain `post_id` ('' for the
-- per-account checks), and a finding is keyed by (account, check, post id). The posts read
-- are remembered (so that the next night reads only what is new, a finding is tied to its
-- post, and a post gone resolves it), with the cursor of each account.

CREATE TABLE findings_v3 (
    id           TEXT PRIMARY KEY,              -- sha256(account NUL check [NUL post])[:16], stable
    account      TEXT NOT NULL,
    check_id     TEXT NOT NULL,
    post_id      TEXT NOT NULL DEFAULT '',      -- '' for a per-account check
    post_link    TEXT,                          -- the post's permalink, when there is one
    first_seen   TEXT NOT NULL,
    first_run    TEXT NOT NULL REFERENCES runs (id),
    last_seen    TEXT NOT NULL,
    last_run     TEXT NOT NULL REFERENCES runs (id),
    resolved_at  TEXT,
    resolved_run TEXT REFERENCES runs (id),
    last_status  TEXT NOT NULL,
    detail       TEXT,
    occurrence   INTEGER NOT NULL DEFAULT 1,
    UNIQUE (account, check_id, post_id)
);
INSERT INTO findings_v3 (id, account, check_id, first_seen, first_run, last_seen, last_run, resolved_at,
                         resolved_run, last_status, detail, occurrence)
    SELECT id, account, check_id, first_seen, first_run, last_seen, last_run, resolved_at, resolved_run,
           last_status, detail, occurrence FROM findings;
DROP TABLE findings;
ALTER TABLE findings_v3 RENAME TO findings;
CREATE INDEX findings_open ON findings (resolved_at) WHERE resolved_at IS NULL;

CREATE TABLE results_v3 (
    run_id   TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    account  TEXT NOT NULL,
    check_id TEXT NOT NULL,
    post_id  TEXT NOT NULL DEFAULT '',
    status   TEXT NOT NULL CHECK (status IN ('conforme', 'non_conforme', 'non_verifiable', 'manuel', 'derogation')),
    detail   TEXT,
    PRIMARY KEY (run_id, account, check_id, post_id)
) WITHOUT ROWID;
INSERT INTO results_v3 (run_id, account, check_id, status, detail)
    SELECT run_id, account, check_id, status, detail FROM results;
DROP TABLE results;
ALTER TABLE results_v3 RENAME TO results;
CREATE INDEX results_pair ON results (account, check_id);

-- Every post read, once: its text, the content hashes of its pictures, and its verdicts.
CREATE TABLE posts (
    account    TEXT NOT NULL,                   -- the registry account
    post_id    TEXT NOT NULL,                   -- the platform's own id
    network    TEXT NOT NULL,
    permalink  TEXT,
    created_at TEXT,                            -- ISO 8601, UTC
    text       TEXT NOT NULL,
    text_hash  TEXT NOT NULL,                   -- sha256 of the text: an edit is seen on a re-read
    pictures   TEXT NOT NULL,                   -- JSON list of the pictures' sha256 (content hashes)
    verdicts   TEXT NOT NULL,                   -- JSON {check: {"status": …, "detail": …}}
    first_run  TEXT NOT NULL,                   -- the night it was read
    gone_run   TEXT,                            -- the night it was found deleted
    review_run TEXT,                            -- the night its « à vérifier » items went to the school
    PRIMARY KEY (account, post_id)
) WITHOUT ROWID;
CREATE INDEX posts_review ON posts (account) WHERE review_run IS NULL;

-- Where the next night starts reading, per account.
CREATE TABLE post_cursors (
    account TEXT PRIMARY KEY,
    cursor  TEXT,                               -- the newest post id read (`since_id`)
    read_at TEXT NOT NULL                       -- the night's start, when its posts were last read
) WITHOUT ROWID;
