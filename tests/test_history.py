"""The history: schema, nights with an injected clock, finding states, trend, notices."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from factories import make_registry, make_result, make_snapshot, night, outcomes

from scanner.checks.base import Status
from scanner.history.findings import FindingState, finding_id
from scanner.history.store import History, migrations
from scanner.night.outcomes import AccountOutcome
from scanner.plumbing.secrets import Secret, Secrets

C, NC, NV, MAN, DER = (
    Status.CONFORME,
    Status.NON_CONFORME,
    Status.NON_VERIFIABLE,
    Status.MANUEL,
    Status.DEROGATION,
)
ACCOUNT = AccountOutcome("eqv-facebook", "eqv", "facebook", True)
UNVERIFIED = AccountOutcome("eqv-facebook", "eqv", "facebook", False, "jeton expiré")


@pytest.fixture
def history(tmp_path):
    with History(tmp_path / "state" / "history.sqlite3") as h:
        yield h


def run(history, n, status, *, check="name.suffix", account=ACCOUNT, detail=None, others=()):
    """Record night n with one result for (account, check); returns that pair's finding, if any."""
    results = [make_result(account.id, check, status, detail), *others]
    findings = history.record_run(f"run-{n}", night(n), night(n) + dt.timedelta(minutes=5),
                                  "complete", [account], results, {})  # fmt: skip
    mine = [f for f in findings if (f.account, f.check) == (account.id, check)]
    return mine[0] if mine else None


def test_schema_pragmas_and_version(history):
    conn = history.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert history.version == migrations()[-1][0] >= 1
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"runs", "snapshots", "results", "findings", "notices"} <= tables


def test_reopening_keeps_data_and_does_not_migrate_twice(tmp_path):
    path = tmp_path / "h.sqlite3"
    with History(path) as h:
        run(h, 0, NC)
    with History(path) as h:
        assert h.last_run().id == "run-0"
        assert run(h, 1, NC).state is FindingState.OPEN


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "h.sqlite3"
    with History(path):
        pass
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(RuntimeError, match="newer"), History(path):
        pass


def test_three_nights_new_open_resolved_first_seen_kept(history):
    first = run(history, 0, NC, detail="nom sans _CSNO")
    assert first.state is FindingState.NEW and first.first_seen == night(0)
    assert first.id == finding_id("eqv-facebook", "name.suffix")
    second = run(history, 1, NC, detail="nom sans _CSNO")
    assert second.state is FindingState.OPEN
    assert second.first_seen == night(0) and second.last_seen == night(1)
    third = run(history, 2, C)
    assert third.state is FindingState.RESOLVED
    assert third.first_seen == night(0) and third.resolved_at == night(2)
    assert run(history, 3, C) is None  # resolved stays quiet


def test_an_unverifiable_night_in_between_changes_nothing(history):
    run(history, 0, NC, detail="nom sans _CSNO")
    between = run(history, 1, NV, account=UNVERIFIED, detail="jeton expiré")
    assert between.state is FindingState.OPEN and between.status is NV
    assert between.first_seen == night(0) and between.last_seen == night(0)
    assert between.detail == "nom sans _CSNO" and between.reason == "jeton expiré"
    again = run(history, 2, NC)
    assert again.state is FindingState.OPEN and again.first_seen == night(0)
    assert run(history, 3, C).state is FindingState.RESOLVED


def test_unverifiable_never_opens_and_never_resolves(history):
    assert run(history, 0, NV, account=UNVERIFIED) is None
    assert run(history, 1, MAN) is None
    run(history, 2, NC)
    assert run(history, 3, NV, account=UNVERIFIED).state is FindingState.OPEN
    assert run(history, 4, MAN).state is FindingState.OPEN
    assert run(history, 5, NC).first_seen == night(2)


def test_derogation_lifts_and_expiry_is_a_new_occurrence(history):
    run(history, 0, NC)
    lifted = run(history, 1, DER)
    assert lifted.state is FindingState.RESOLVED and lifted.status is DER
    assert run(history, 2, DER) is None
    back = run(history, 3, NC)
    assert back.state is FindingState.NEW and back.first_seen == night(3) and back.occurrence == 2


def test_resolved_then_failing_again_is_new_with_new_first_seen(history):
    run(history, 0, NC)
    run(history, 1, C)
    again = run(history, 2, NC)
    assert again.state is FindingState.NEW and again.first_seen == night(2) and again.occurrence == 2
    assert again.id == finding_id("eqv-facebook", "name.suffix")  # the same stable id
    assert run(history, 3, NC).state is FindingState.OPEN


def test_findings_of_accounts_removed_from_registry_are_retired(history):
    other = AccountOutcome("eh-x", "eh", "x", True)
    history.record_run("r0", night(0), None, "complete", [ACCOUNT, other],
                       [make_result("eh-x", "name.suffix", NC), make_result(ACCOUNT.id, "name.suffix", C)], {})  # fmt: skip
    assert history.conn.execute("SELECT resolved_at FROM findings").fetchone()[0] is None
    history.record_run(
        "r1", night(1), None, "complete", [ACCOUNT], [make_result(ACCOUNT.id, "name.suffix", C)], {}
    )
    row = history.conn.execute("SELECT resolved_at, last_status FROM findings").fetchone()
    assert row[0] is not None and row[1] == "retired"


def test_record_run_stores_everything_in_bulk_and_trend(history):
    registry = make_registry(2, 5)
    accounts = outcomes(registry, lambda a: "jeton expiré" if a.network == "x" else None)
    for n in range(3):
        results = [make_result(a.id, "name.suffix", NC if (n == 0 and a.id.endswith("-0")) else C)
                   for a in registry.accounts]  # fmt: skip
        snaps = {a.id: make_snapshot(str(a.network), a.handle) for a in registry.accounts}
        history.record_run(
            f"run-{n}", night(n), night(n) + dt.timedelta(minutes=1), "partial", accounts, results, snaps
        )
    assert history.conn.execute("SELECT count(*) FROM results").fetchone()[0] == 30
    assert history.conn.execute("SELECT count(*) FROM snapshots").fetchone()[0] == 30
    trend = history.trend(30)
    assert [p.run_id for p in trend] == ["run-0", "run-1", "run-2"]
    assert trend[0].rate == pytest.approx(8 / 10) and trend[-1].rate == 1.0
    assert trend[-1].accounts_verified == 8 and trend[-1].accounts_compliant == 8
    assert history.trend(2)[0].run_id == "run-1"
    last = history.last_run()
    assert last.id == "run-2" and last.status == "partial" and last.started_at == night(2)
    assert len(history.results_of("run-2")) == 10


def test_a_failed_record_leaves_nothing_behind(history):
    dup = [make_result(ACCOUNT.id, "name.suffix", NC), make_result(ACCOUNT.id, "name.suffix", NC)]
    with pytest.raises(sqlite3.IntegrityError):
        history.record_run("r0", night(0), None, "complete", [ACCOUNT], dup, {})
    assert history.last_run() is None
    assert history.conn.execute("SELECT count(*) FROM findings").fetchone()[0] == 0


def test_snapshot_json_has_public_fields_and_no_secret(history):
    token = Secret("EAAB-secret-token-123")
    snap = make_snapshot(avatar_url=f"https://graph.example/pic?access_token={token}", description=f"x {token}",
                         extra={"raw": str(token)})  # fmt: skip
    history.record_run("r0", night(0), None, "complete", [ACCOUNT], [], {ACCOUNT.id: snap},
                       secrets=Secrets(facebook_token=token))  # fmt: skip
    data = history.conn.execute("SELECT data FROM snapshots").fetchone()[0]
    assert token not in data
    stored = json.loads(data)
    assert stored["handle"] == "EQVCSNO" and stored["status"] == "ok" and "extra" not in stored


def test_prune_keeps_runs_and_findings(history):
    for n in range(4):
        run(history, n, NC)
    assert history.prune(keep_nights=2) == 2
    assert history.conn.execute("SELECT count(*) FROM results").fetchone()[0] == 2
    assert len(history.trend()) == 4
    assert run(history, 4, NC).first_seen == night(0)


def test_notices_queue_send_fail_retry(history):
    run(history, 0, NC)
    fid = finding_id(ACCOUNT.id, "name.suffix")
    kwargs = {"run_id": "run-0", "school": "eqv", "kind": "first", "recipients": ["direction.eqv@csno.ab.ca"],
              "findings": [fid], "created_at": night(0), "message": b"Subject: x\r\n\r\nbody"}  # fmt: skip
    assert history.queue_notice("<a@csno.ab.ca>", **kwargs) is True
    assert history.queue_notice("<a@csno.ab.ca>", **kwargs) is False  # idempotent
    assert history.queue_notice(
        "<b@csno.ab.ca>", **(kwargs | {"created_at": night(0) + dt.timedelta(seconds=1)})
    )
    assert [n.id for n in history.pending_notices()] == ["<a@csno.ab.ca>", "<b@csno.ab.ca>"]
    assert history.last_notice_for("eqv") is None
    history.mark_notice_failed("<a@csno.ab.ca>", "421 try later")
    history.mark_notice_sent("<b@csno.ab.ca>", night(0) + dt.timedelta(minutes=1))
    pending = history.pending_notices()
    assert [(n.id, n.state, n.error, n.attempts) for n in pending] == [
        ("<a@csno.ab.ca>", "failed", "421 try later", 1)
    ]
    assert pending[0].recipients == ("direction.eqv@csno.ab.ca",) and pending[0].findings == (fid,)
    assert pending[0].message.startswith(b"Subject")
    history.mark_notice_sent("<a@csno.ab.ca>", night(1))
    assert history.pending_notices() == []
    last = history.last_notice_for("eqv")
    assert last.id == "<a@csno.ab.ca>" and last.sent_at == night(1) and last.state == "sent"
    assert history.last_notice_for("eqv", kind="reminder") is None
    with pytest.raises(KeyError):
        history.mark_notice_sent("<nope@x>", night(1))
    with pytest.raises(sqlite3.IntegrityError):  # the run must exist
        history.queue_notice("<c@csno.ab.ca>", **(kwargs | {"run_id": "ghost"}))


def test_recommendations_are_stored_but_not_counted(history):
    results = [make_result(ACCOUNT.id, "name.suffix", Status.CONFORME),
               make_result(ACCOUNT.id, "logo.board", Status.NON_CONFORME)]  # fmt: skip
    findings = history.record_run("r0", night(0), None, "complete", [ACCOUNT], results, {},
                                  not_counted={"logo.board"})  # fmt: skip
    assert [f.check for f in findings] == ["logo.board"]  # remembered like any other
    [point] = history.trend()
    assert point.rate == 1.0 and point.accounts_compliant == 1
