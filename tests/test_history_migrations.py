"""The migration runner applies each numbered migration once, even one that lands after a higher number
(two branches each took a number: 0004 for the look-ups went out before 0003)."""

from __future__ import annotations

import sqlite3

from scanner.history import store
from scanner.history.store import History


def test_a_migration_landing_after_a_higher_number_is_still_applied(tmp_path, monkeypatch):
    # 0004 (the look-ups' tables) stands alone: it plays the branch that lands late (0005 alters
    # 0003's table, so 0003 cannot)
    early = [(number, sql) for number, sql in store.migrations() if number != 4]
    monkeypatch.setattr(store, "migrations", lambda: early)
    path = tmp_path / "history.sqlite3"
    with History(path) as history:
        assert history.version == early[-1][0]
    late = sorted([*early, (4, "CREATE TABLE arrived_late (x INTEGER);")])
    monkeypatch.setattr(store, "migrations", lambda: late)
    with History(path) as history:
        assert history.version == late[-1][0]
        assert history.conn.execute("SELECT count(*) FROM arrived_late").fetchone()[0] == 0
    with History(path) as history:  # applied once: opening again changes nothing
        applied = [
            row[0] for row in history.conn.execute("SELECT number FROM schema_migrations ORDER BY number")
        ]
    assert applied == sorted({n for n, _ in late})


def test_a_file_from_before_the_record_of_migrations_keeps_its_version(tmp_path):
    path = tmp_path / "history.sqlite3"
    with sqlite3.connect(path) as conn:  # a history made by the runner that knew only user_version
        for number, sql in store.migrations():
            if number <= 2:
                conn.executescript(sql)
        conn.execute("PRAGMA user_version = 2")
    with History(path) as history:
        assert history.version == store.migrations()[-1][0]
        assert history.conn.execute("SELECT count(*) FROM lookups").fetchone()[0] == 0
