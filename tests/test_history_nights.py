"""Issue 14, the history's side: discovered findings age, leaving the registry retires,
a night counts only once reported, dry runs roll back, retention prunes."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import make_result, make_snapshot, night

from scanner.checks.base import Status
from scanner.history.findings import FindingState
from scanner.history.store import AccountOutcome, History

NC, C = Status.NON_CONFORME, Status.CONFORME
DISCOVERED = "decouvert:facebook:ParentsEcoleHeritageCSNO"


def account(n: int) -> AccountOutcome:
    return AccountOutcome(f"eqv-{n}", "eqv", "facebook", True)


@pytest.fixture
def history(tmp_path):
    with History(tmp_path / "history.sqlite3") as h:
        yield h


def record(history, n, accounts, results, **kwargs):
    return history.record_night(
        f"run-{n}", night(n), night(n) + dt.timedelta(minutes=5), "complete", accounts, results, {}, **kwargs
    )


def test_a_discovered_finding_stays_open_and_ages(history):
    """Item 1: `account.unregistered` of a discovered account is never closed while it is still found."""
    states, first_seen = [], set()
    for n in range(4):
        night_ = record(history, n, [account(0)], [make_result(DISCOVERED, "account.unregistered", NC)])
        mine = [f for f in night_.findings if f.account == DISCOVERED]
        states.append(mine[0].state)
        first_seen.add(mine[0].first_seen)
    assert states == [FindingState.NEW, FindingState.OPEN, FindingState.OPEN, FindingState.OPEN]
    assert first_seen == {night(0)}
    row = history.conn.execute("SELECT occurrence, resolved_at FROM findings").fetchone()
    assert tuple(row) == (1, None)


def test_a_discovered_finding_is_kept_when_the_search_could_not_run(history):
    record(history, 0, [account(0)], [make_result(DISCOVERED, "account.unregistered", NC)])
    held = record(history, 1, [account(0)], [], discovery_complete=False)
    assert not [f for f in held.findings if f.account == DISCOVERED]
    assert history.conn.execute("SELECT resolved_at FROM findings").fetchone()[0] is None
    gone = record(history, 2, [account(0)], [], discovery_complete=True)  # searched, no longer found
    assert [f.state for f in gone.findings if f.account == DISCOVERED] == [FindingState.RETIRED]


def test_an_account_that_leaves_the_registry_is_retired_not_resolved(history):
    """Item 2: retired, shown once, never resolved."""
    accounts = [account(n) for n in range(3)]
    record(history, 0, accounts, [make_result("eqv-2", "name.suffix", NC)])
    night_ = record(history, 1, accounts[:2], [])
    retired = [f for f in night_.findings if f.account == "eqv-2"]
    assert [f.state for f in retired] == [FindingState.RETIRED]
    assert not [f for f in night_.findings if f.state is FindingState.RESOLVED]
    again = record(history, 2, accounts[:2], [])
    assert not again.findings  # shown once
    status = history.conn.execute("SELECT last_status, resolved_at FROM findings").fetchone()
    assert status[0] == "retired" and status[1] is not None


def test_a_registry_that_loses_more_than_half_retires_nothing_that_night(history):
    accounts = [account(n) for n in range(4)]
    results = [make_result(a.id, "name.suffix", NC) for a in accounts]
    record(history, 0, accounts, results)
    shrunk = record(history, 1, accounts[:1], results[:1])
    assert sorted(shrunk.held) == ["eqv-1", "eqv-2", "eqv-3"]
    assert not [f for f in shrunk.findings if f.state is FindingState.RETIRED]
    assert len(history.conn.execute("SELECT id FROM findings WHERE resolved_at IS NULL").fetchall()) == 4
    next_ = record(history, 2, accounts[:1], results[:1])  # still missing: retired now
    assert not next_.held
    assert sorted(f.account for f in next_.findings if f.state is FindingState.RETIRED) == [
        "eqv-1",
        "eqv-2",
        "eqv-3",
    ]


def test_a_held_registry_that_comes_back_retires_nothing(history):
    accounts = [account(n) for n in range(4)]
    results = [make_result(a.id, "name.suffix", NC) for a in accounts]
    record(history, 0, accounts, results)
    record(history, 1, accounts[:1], results[:1])
    back = record(history, 2, accounts, results)
    assert not [f for f in back.findings if f.state is FindingState.RETIRED]
    assert {f.state for f in back.findings} == {FindingState.OPEN}


def test_an_unreported_night_hands_its_news_to_the_next(history):
    """Item 4: a night recorded but never reported: the next night reports its new findings as new,
    and what it resolved as resolved."""
    accounts = [account(0), account(1)]
    record(history, 0, accounts, [make_result("eqv-0", "name.suffix", NC)])
    history.finish_run("run-0", "complete")
    killed = history.record_night(
        "run-1", night(1), None, "failed", accounts,
        [make_result("eqv-0", "name.suffix", C), make_result("eqv-1", "links.board", NC)], {},
    )  # fmt: skip
    assert {f.state for f in killed.findings} == {FindingState.NEW, FindingState.RESOLVED}
    after = record(history, 2, accounts, [make_result("eqv-1", "links.board", NC)])
    states = {(f.account, f.check): f.state for f in after.findings}
    assert states == {
        ("eqv-1", "links.board"): FindingState.NEW,
        ("eqv-0", "name.suffix"): FindingState.RESOLVED,
    }
    assert after.unreported == ("run-1",)
    history.finish_run("run-2", "complete")
    calm = record(history, 3, accounts, [make_result("eqv-1", "links.board", NC)])
    assert {f.state for f in calm.findings} == {FindingState.OPEN}


def test_a_rolled_back_history_changes_nothing(tmp_path):
    """Item 3: a dry run reads the history and leaves it as it found it."""
    path = tmp_path / "history.sqlite3"
    with History(path) as h:
        record(h, 0, [account(0)], [make_result("eqv-0", "name.suffix", NC)])
        h.finish_run("run-0", "complete")
    with History(path, rollback=True) as h:
        night_ = record(h, 1, [account(0)], [make_result("eqv-0", "links.board", NC)])
        assert [f.state for f in night_.findings if f.check == "links.board"] == [FindingState.NEW]
        h.queue_notice("n1", run_id="run-1", school="eqv", kind="first", recipients=["a@b.ca"],
                       findings=["x"], created_at=night(1))  # fmt: skip
        h.mark_notice_sent("n1", night(1))
        h.finish_run("run-1", "complete")
    with History(path) as h:
        assert [r.id for r in h.runs()] == ["run-0"]
        assert h.conn.execute("SELECT count(*) FROM notices").fetchone()[0] == 0
        assert h.conn.execute("SELECT count(*) FROM findings").fetchone()[0] == 1


def test_retention_keeps_aggregates_findings_and_bounds_the_file(tmp_path):
    """Item 11: results and snapshots beyond `keep_nights` go, runs and findings stay, space is reused."""
    path = tmp_path / "history.sqlite3"
    accounts = [account(n) for n in range(40)]
    sizes = []
    with History(path) as h:
        for n in range(30):
            results = [make_result(a.id, f"check-{c}", NC if a.id == "eqv-0" else C, "x" * 200)
                       for a in accounts for c in range(20)]  # fmt: skip
            snaps = {a.id: make_snapshot(handle=a.id, description="d" * 2000) for a in accounts}
            h.record_night(f"run-{n}", night(n), night(n), "complete", accounts, results, snaps)
            h.finish_run(f"run-{n}", "complete")
            h.prune(keep_nights=5)
            h.checkpoint()
            sizes.append(path.stat().st_size)
        assert h.conn.execute("SELECT count(DISTINCT run_id) FROM results").fetchone()[0] == 5
        assert h.conn.execute("SELECT count(DISTINCT run_id) FROM snapshots").fetchone()[0] == 5
        assert len(h.trend(100)) == 30
        first = h.conn.execute("SELECT first_seen FROM findings WHERE account = 'eqv-0'").fetchall()
        assert {r[0] for r in first} == {night(0).isoformat()}
        assert h.conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental
    assert max(sizes[10:]) <= sizes[6] * 1.2, sizes


def test_a_history_made_before_retention_is_upgraded(tmp_path):
    """A version 1 file (no auto-vacuum, no accounts per night) is migrated, then rebuilt once."""
    import sqlite3

    from scanner.history.store import migrations

    path = tmp_path / "history.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(migrations()[0][1] + "\nPRAGMA user_version = 1;")
    conn.execute("INSERT INTO runs (id, started_at, status, accounts_total) VALUES ('old', ?, 'complete', 4)",
                 (night(0).isoformat(),))  # fmt: skip
    conn.execute("INSERT INTO results VALUES ('old', 'eqv-0', 'name.suffix', 'conforme', NULL)")
    conn.commit()
    conn.close()
    with History(path) as h:
        shrunk = record(h, 1, [account(0)], [])  # 1 of 4 left: the count says more than half is gone
        assert shrunk.held == () and h.prune(keep_nights=1) == 1
        assert h.conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
        assert [r.id for r in h.runs()] == ["old", "run-1"]
