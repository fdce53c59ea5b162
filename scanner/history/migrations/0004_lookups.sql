-- Vigie history, version 4: the look-alike look-ups (issue 17). Number 0003 is the publications'.
-- lookups: the night each look-up (a variant handle or a name, on one platform) was last made,
-- which is the planner's progress through its round (`scanner.discovery.lookup_plan`).
CREATE TABLE IF NOT EXISTS lookups (
    key TEXT PRIMARY KEY,          -- « x:handle:eqv_csn0 », « youtube:search:école héritage »
    last_night TEXT NOT NULL       -- ISO date
);
-- lookup_found: the accounts a look-up found, re-read every night without being searched again.
CREATE TABLE IF NOT EXISTS lookup_found (
    platform TEXT NOT NULL,
    handle_key TEXT NOT NULL,      -- the platform's identity of the handle (case, Facebook's periods ignored)
    handle TEXT NOT NULL,          -- as the audit reads it
    url TEXT NOT NULL,
    owner TEXT NOT NULL,           -- the school id (or « board ») whose variant found it
    variant TEXT NOT NULL,         -- the handle or the name searched
    first_night TEXT NOT NULL,
    platform_id TEXT,              -- the platform's id, when it gave one (one account, two handles)
    PRIMARY KEY (platform, handle_key)
);
-- lookup_refusals: a platform that refused a kind of search for want of a permission (Facebook
-- without Page Public Metadata Access), and why in French: no call again before a round has passed.
CREATE TABLE IF NOT EXISTS lookup_refusals (
    platform TEXT PRIMARY KEY,
    night TEXT NOT NULL,
    reason TEXT NOT NULL
);
