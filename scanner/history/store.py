"""Vigie's memory between nights: with `scanner.history.posts` (the publications read), the only
modules that speak SQL.

One SQLite file under `state_dir` (WAL, foreign keys, busy timeout), its schema in
numbered `scanner/history/migrations/NNNN_*.sql` files tracked by `PRAGMA user_version`.

The finding states and their transitions are `scanner.history.findings`; this module stores them.

Times are stored as ISO 8601 in UTC; the clock is the caller's (`started_at`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields, replace
from importlib import resources
from pathlib import Path

from scanner.checks.base import PostRef, Result, Status
from scanner.history.findings import (
    RETIRED_REASON,
    RETIRED_STATUS,
    Finding,
    FindingState,
    retirements,
    transition,
)
from scanner.history.posts import PostMemory, PostsLedger, write_posts
from scanner.night.outcomes import AccountOutcome
from scanner.platforms.snapshot import Snapshot
from scanner.plumbing.secrets import Secrets, scrub

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000
HISTORY_FILE = "history.sqlite3"  # under state_dir
UNFINISHED = "failed"  # a night recorded but whose report was never handed over (yet)


@dataclass(frozen=True)
class RunRecord:
    id: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: str  # complete | partial | failed
    accounts_total: int = 0
    accounts_verified: int = 0
    accounts_compliant: int = 0
    checks_conforme: int = 0
    checks_non_conforme: int = 0

    @property
    def rate(self) -> float | None:
        """Compliance rate: conforme / (conforme + non_conforme) results; None if nothing was judged."""
        judged = self.checks_conforme + self.checks_non_conforme
        return self.checks_conforme / judged if judged else None


@dataclass(frozen=True)
class RecordedNight:
    """What `record_night` stored, as the report and the notices need it."""

    findings: list[Finding]  # new, open, resolved, retired (and the news of unreported nights)
    held: tuple[str, ...] = ()  # registry accounts gone tonight whose findings were not retired
    unreported: tuple[str, ...] = ()  # earlier nights never reported: tonight carries their news


@dataclass(frozen=True)
class TrendPoint:
    run_id: str
    started_at: dt.datetime
    rate: float | None
    accounts_compliant: int
    accounts_verified: int


@dataclass(frozen=True)
class NoticeRecord:
    id: str
    run_id: str
    school: str
    kind: str  # first | reminder | escalation
    recipients: tuple[str, ...]
    findings: tuple[str, ...]
    state: str  # queued | sent | failed
    created_at: dt.datetime
    sent_at: dt.datetime | None = None
    error: str | None = None
    attempts: int = 0
    message: bytes | None = None


def _iso(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("aware datetimes only")
    return value.astimezone(dt.UTC).isoformat()


def _dt(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def migrations() -> list[tuple[int, str]]:
    """Every `NNNN_name.sql` of `scanner.history.migrations`, in order."""
    found = []
    for entry in resources.files("scanner.history.migrations").iterdir():
        if entry.name.endswith(".sql") and entry.name[:4].isdigit():
            found.append((int(entry.name[:4]), entry.read_text(encoding="utf-8")))
    return sorted(found)


def _json_default(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else str(value)


def snapshot_json(snapshot: Snapshot, secrets: Secrets | None = None) -> str:
    """The snapshot's public fields as JSON (`extra` left out), scrubbed of anything secret-looking."""
    data = {f.name: getattr(snapshot, f.name) for f in fields(snapshot) if f.name != "extra"}
    data["admins"] = [asdict(a) for a in snapshot.admins] if snapshot.admins is not None else None
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=_json_default)
    return scrub(text, secrets)


class History(PostMemory):
    """The history file. With `rollback=True` (a dry run) everything happens in one transaction
    that is rolled back on close: the night reads the history and leaves it as it found it."""

    def __init__(self, path: Path, *, rollback: bool = False) -> None:
        self.path = Path(path)
        self.rollback = rollback
        self._conn: sqlite3.Connection | None = None

    @classmethod
    def in_state_dir(cls, state_dir: Path, *, rollback: bool = False) -> History:
        return cls(Path(state_dir) / HISTORY_FILE, rollback=rollback)

    def __enter__(self) -> History:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        self._conn = conn
        if self.version == 0:  # a new file: free pages are given back night by night (`prune`)
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        self._migrate()
        if self.rollback:
            conn.execute("BEGIN IMMEDIATE")

    def close(self) -> None:
        if self._conn is not None:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            self._conn.close()
            self._conn = None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("History is not open: use it as a context manager")
        return self._conn

    @property
    def version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        """Apply every migration not applied yet, by number, in order. The numbers applied are kept
        in `schema_migrations` (a file made before that table: every number up to `user_version`),
        so a migration that lands after a higher-numbered one (two branches each taking a number)
        is still applied; `user_version` stays the highest number applied."""
        known = migrations()
        if self.version > (known[-1][0] if known else 0):
            raise RuntimeError(f"{self.path}: schema version {self.version} is newer than this program")
        applied = self._applied(known)
        rebuilt = False
        for number, sql in known:
            if number in applied:
                continue
            version = max(self.version, number)
            try:
                self.conn.executescript(
                    f"BEGIN IMMEDIATE;\n{sql}\nINSERT OR IGNORE INTO schema_migrations (number) VALUES ({number});\n"
                    f"PRAGMA user_version = {version};\nCOMMIT;"
                )
                rebuilt = True
            except sqlite3.Error:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                if number not in self._applied(known):  # not a concurrent process that got there first
                    raise
        if rebuilt:  # a migration that rebuilt a table (0003) leaves its old pages free: given back
            self.conn.execute("PRAGMA incremental_vacuum")

    def _applied(self, known: list[tuple[int, str]]) -> set[int]:
        conn = self.conn
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (number INTEGER PRIMARY KEY)")
        applied = {row[0] for row in conn.execute("SELECT number FROM schema_migrations")}
        if not applied and self.version:  # a file from before the table: everything up to its version
            applied = {number for number, _ in known if number <= self.version}
            conn.executemany(
                "INSERT OR IGNORE INTO schema_migrations (number) VALUES (?)", [(n,) for n in applied]
            )
        return applied

    def transaction(self):
        """A write transaction (a savepoint inside a dry run's), for the history's other tables' modules."""
        return self._transaction()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        if self.rollback:  # inside the dry run's transaction, never committed
            self.conn.execute("SAVEPOINT step")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK TO step")
                raise
            self.conn.execute("RELEASE step")
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # ------------------------------------------------------------ runs

    def record_run(
        self,
        run_id: str,
        started_at: dt.datetime,
        finished_at: dt.datetime | None,
        status: str,
        accounts: Sequence[AccountOutcome],
        results: Sequence[Result],
        snapshots: Mapping[str, Snapshot],
        secrets: Secrets | None = None,
        *,
        not_counted: Collection[str] = (),
    ) -> list[Finding]:
        """`record_night`'s findings."""
        night = self.record_night(
            run_id,
            started_at,
            finished_at,
            status,
            accounts,
            results,
            snapshots,
            secrets,
            not_counted=not_counted,
        )
        return night.findings

    def record_night(
        self,
        run_id: str,
        started_at: dt.datetime,
        finished_at: dt.datetime | None,
        status: str,
        accounts: Sequence[AccountOutcome],
        results: Sequence[Result],
        snapshots: Mapping[str, Snapshot],
        secrets: Secrets | None = None,
        *,
        not_counted: Collection[str] = (),
        discovery_complete: bool = True,
        posts: PostsLedger | None = None,
    ) -> RecordedNight:
        """Store one night in one transaction and return its findings (new, open, resolved, retired).

        `not_counted`: check ids left out of the run's counts and rate (recommendations,
        severity `info`); their results and findings are stored like any other.

        A night recorded with status `UNFINISHED` (the job does so until its report is handed
        over: `finish_run`) is *unreported*: the next night reports its news again (findings
        it opened are `new`, those it resolved or retired are listed).

        `posts`: the publications read tonight (`scanner.history.posts`), stored in the same
        transaction as the findings they opened."""
        at = _iso(started_at)
        counted = [r for r in results if r.check not in not_counted]
        failing = {r.account for r in counted if r.status is Status.NON_CONFORME}
        verified = [a for a in accounts if a.verified]
        run_row = (
            run_id,
            at,
            _iso(finished_at) if finished_at else None,
            str(status),
            len(accounts),
            len(verified),
            sum(1 for a in verified if a.id not in failing),
            sum(1 for r in counted if r.status is Status.CONFORME),
            sum(1 for r in counted if r.status is Status.NON_CONFORME),
            json.dumps([a.id for a in accounts]),
        )
        with self._transaction() as conn:  # rows are generated as SQLite takes them: no list of 200,000
            previous = self._previous_registry(conn)
            unreported = self._unreported(conn)
            conn.execute(
                "INSERT INTO runs (id, started_at, finished_at, status, accounts_total, accounts_verified,"
                " accounts_compliant, checks_conforme, checks_non_conforme, accounts)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                run_row,
            )
            conn.executemany(
                "INSERT INTO snapshots (run_id, account, data) VALUES (?, ?, ?)",
                ((run_id, account, snapshot_json(snap, secrets)) for account, snap in snapshots.items()),
            )
            conn.executemany(
                "INSERT INTO results (run_id, account, check_id, post_id, status, detail) VALUES (?, ?, ?, ?, ?, ?)",
                ((run_id, *r.key, str(r.status), r.detail) for r in results),
            )
            if posts is not None:
                write_posts(conn, run_id, posts)
            return self._update_findings(
                conn, run_id, at, {a.id for a in accounts}, results, previous, unreported, discovery_complete
            )

    @staticmethod
    def _previous_registry(conn: sqlite3.Connection) -> set[str] | int | None:
        """The registry accounts of the last night (their number, for a night recorded before version 2)."""
        row = conn.execute(
            "SELECT accounts, accounts_total FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return set(json.loads(row["accounts"])) if row["accounts"] else row["accounts_total"]

    @staticmethod
    def _unreported(conn: sqlite3.Connection) -> tuple[str, ...]:
        """Nights recorded since the last reported one whose report was never handed over."""
        rows = conn.execute(
            "SELECT id FROM runs WHERE status = ? AND rowid > "
            "COALESCE((SELECT max(rowid) FROM runs WHERE status != ?), 0) ORDER BY rowid",
            (UNFINISHED, UNFINISHED),
        )
        return tuple(r[0] for r in rows)

    def finish_run(self, run_id: str, status: str) -> None:
        """The night's report was handed over: the night is `complete` (or `partial`)."""
        with self._transaction() as conn:
            cursor = conn.execute("UPDATE runs SET status = ? WHERE id = ?", (str(status), run_id))
            if cursor.rowcount != 1:
                raise KeyError(run_id)

    def _update_findings(
        self,
        conn: sqlite3.Connection,
        run_id: str,
        at: str,
        accounts: set[str],
        results: Sequence[Result],
        previous: set[str] | int | None,
        unreported: tuple[str, ...],
        discovery_complete: bool,
    ) -> RecordedNight:
        rows = {
            (r["account"], r["check_id"], r["post_id"]): r for r in conn.execute("SELECT * FROM findings")
        }
        now = dt.datetime.fromisoformat(at)
        found: list[Finding] = []
        opened, kept, resolved = [], [], []
        for result in results:
            row = rows.get(result.key)
            finding = transition(row, result, now)
            if finding is None:
                continue
            if finding.state is FindingState.OPEN and row["first_run"] in unreported:
                finding = replace(finding, state=FindingState.NEW)  # its night was never reported
            found.append(finding)
            if finding.state is FindingState.NEW and not (row is not None and row["resolved_at"] is None):
                post_id, link = (result.post.id, result.post.permalink) if result.post else ("", None)
                opened.append(
                    (finding.id, result.account, result.check, at, run_id, result.detail, finding.occurrence,
                     post_id, link)
                )  # fmt: skip
            elif finding.state is FindingState.RESOLVED:
                resolved.append((at, run_id, str(result.status), finding.id))
            elif result.status is Status.NON_CONFORME:
                kept.append((at, run_id, result.detail, finding.id))
        open_rows = [r for r in rows.values() if r["resolved_at"] is None]
        if isinstance(previous, int):  # a night recorded before the accounts were: compare the counts
            previous = accounts | {f"?{n}" for n in range(max(0, previous - len(accounts)))}
        retire, held = retirements(
            {r["account"] for r in open_rows},
            accounts,
            {r.account for r in results},
            previous or set(),
            discovery_complete=discovery_complete,
        )
        retired = [r for r in open_rows if r["account"] in retire]
        conn.executemany(
            "INSERT INTO findings (id, account, check_id, first_seen, first_run, last_seen, last_run, last_status,"
            " detail, occurrence, post_id, post_link) VALUES (?1, ?2, ?3, ?4, ?5, ?4, ?5, 'non_conforme', ?6, ?7,"
            " ?8, ?9)"
            " ON CONFLICT (id) DO UPDATE SET first_seen = ?4, first_run = ?5, last_seen = ?4, last_run = ?5,"
            " resolved_at = NULL, resolved_run = NULL, last_status = 'non_conforme', detail = ?6, occurrence = ?7",
            opened,
        )
        conn.executemany("UPDATE findings SET last_seen = ?, last_run = ?, detail = ? WHERE id = ?", kept)
        conn.executemany(
            "UPDATE findings SET resolved_at = ?, resolved_run = ?, last_status = ? WHERE id = ?", resolved
        )
        conn.executemany(
            "UPDATE findings SET resolved_at = ?, resolved_run = ?, last_status = ? WHERE id = ?",
            [(at, run_id, RETIRED_STATUS, r["id"]) for r in retired],
        )
        found += [_closed(r, FindingState.RETIRED, now) for r in retired]
        tonight = {f.id for f in found}
        found += [  # what unreported nights resolved or retired, not reopened since
            _closed(r, FindingState.RETIRED if r["last_status"] == RETIRED_STATUS else FindingState.RESOLVED)
            for r in rows.values()
            if r["resolved_run"] in unreported and r["id"] not in tonight
        ]
        return RecordedNight(sorted(found, key=lambda f: f.key), tuple(sorted(held)), unreported)

    def _run(self, row: sqlite3.Row) -> RunRecord:
        values = dict(row)
        values.pop("accounts", None)
        values["started_at"] = _dt(values["started_at"])
        values["finished_at"] = _dt(values["finished_at"])
        return RunRecord(**values)

    def last_run(self) -> RunRecord | None:
        row = self.conn.execute("SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1").fetchone()
        return self._run(row) if row else None

    def runs(self, limit: int = 30) -> list[RunRecord]:
        """The last `limit` runs, oldest first."""
        rows = self.conn.execute("SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?", (limit,))
        return [self._run(row) for row in reversed(rows.fetchall())]

    def runs_by_id(self, run_ids: Sequence[str]) -> list[RunRecord]:
        rows = [self.conn.execute("SELECT * FROM runs WHERE id = ?", (r,)).fetchone() for r in run_ids]
        return [self._run(row) for row in rows if row is not None]

    def trend(self, limit: int = 30) -> list[TrendPoint]:
        """Compliance rate of the last `limit` runs, oldest first (for the report's chart)."""
        return [
            TrendPoint(r.id, r.started_at, r.rate, r.accounts_compliant, r.accounts_verified)
            for r in self.runs(limit)
        ]

    def results_of(self, run_id: str) -> list[Result]:
        rows = self.conn.execute(
            "SELECT account, check_id, post_id, status, detail FROM results WHERE run_id = ?"
            " ORDER BY account, check_id, post_id",
            (run_id,),
        )
        return [
            Result(r["account"], r["check_id"], Status(r["status"]), r["detail"],
                   PostRef(r["post_id"]) if r["post_id"] else None)
            for r in rows
        ]  # fmt: skip

    def prune(self, keep_nights: int = 90) -> int:
        """Forget the per-check results and snapshots of the nights older than the last `keep_nights`,
        and the bytes of the notices they sent (runs, their aggregates, findings and notice records
        stay), then give the freed pages back to the file system (incremental vacuum). Returns how
        many nights were pruned."""
        if keep_nights < 1:
            raise ValueError("keep_nights must be at least 1")
        with self._transaction() as conn:
            old = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM (SELECT id, accounts FROM runs ORDER BY started_at DESC, rowid DESC"
                    " LIMIT -1 OFFSET ?) AS old WHERE accounts IS NOT NULL"
                    " OR EXISTS (SELECT 1 FROM results WHERE run_id = old.id)"
                    " OR EXISTS (SELECT 1 FROM snapshots WHERE run_id = old.id)",
                    (keep_nights,),
                )
            ]
            conn.executemany("DELETE FROM snapshots WHERE run_id = ?", [(r,) for r in old])
            conn.executemany("DELETE FROM results WHERE run_id = ?", [(r,) for r in old])
            conn.executemany("UPDATE runs SET accounts = NULL WHERE id = ?", [(r,) for r in old])
            # a sent notice's bytes were only kept for a retry: its record (kind, findings, dates) stays
            conn.executemany(
                "UPDATE notices SET message = NULL WHERE run_id = ? AND state = 'sent' AND message IS NOT NULL",
                [(r,) for r in old],
            )
        if not self.rollback:
            self._reclaim()
        return len(old)

    def _reclaim(self) -> None:
        if self.conn.execute("PRAGMA auto_vacuum").fetchone()[0] != 2:  # a file made before version 2
            self.conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            try:
                self.conn.execute("VACUUM")  # once: the mode takes effect on a rebuilt file
            except sqlite3.OperationalError as error:  # no room for the copy: free pages are reused anyway
                log.warning("history: could not rebuild %s for incremental vacuum (%s)", self.path, error)
                return
        self.conn.execute("PRAGMA incremental_vacuum")

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the file and truncate it (after a night, under the lock)."""
        if not self.rollback:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # ------------------------------------------------------------ notices (for scanner.notices)

    def queue_notice(
        self,
        notice_id: str,
        *,
        run_id: str,
        school: str,
        kind: str,
        recipients: Sequence[str],
        findings: Sequence[str],
        created_at: dt.datetime,
        message: bytes | None = None,
    ) -> bool:
        """Record a notice before it is sent; False if this id was already queued (nothing changes)."""
        with self._transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO notices (id, run_id, school, kind, recipients, findings, created_at, message)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                (
                    notice_id,
                    run_id,
                    school,
                    kind,
                    json.dumps(list(recipients)),
                    json.dumps(list(findings)),
                    _iso(created_at),
                    message,
                ),
            )
            return cursor.rowcount == 1

    def mark_notice_sent(self, notice_id: str, sent_at: dt.datetime) -> None:
        with self._transaction() as conn:
            cursor = conn.execute(
                "UPDATE notices SET state = 'sent', sent_at = ?, error = NULL, attempts = attempts + 1 WHERE id = ?",
                (_iso(sent_at), notice_id),
            )
            if cursor.rowcount != 1:
                raise KeyError(notice_id)

    def mark_notice_sending(self, notice_id: str, note: str) -> None:
        """Just before the SMTP transaction (scanner.notices.deliver): a record still carrying
        `note` on the next run was interrupted, and is re-sent with the same Message-ID."""
        with self._transaction() as conn:
            cursor = conn.execute(
                "UPDATE notices SET error = ? WHERE id = ? AND state != 'sent'", (note[:2000], notice_id)
            )
            if cursor.rowcount != 1:
                raise KeyError(notice_id)

    def mark_notice_failed(self, notice_id: str, error: str) -> None:
        """Keep the notice for a retry (`pending_notices`); `error` must already be scrubbed."""
        with self._transaction() as conn:
            cursor = conn.execute(
                "UPDATE notices SET state = 'failed', error = ?, attempts = attempts + 1"
                " WHERE id = ? AND state != 'sent'",
                (error[:2000], notice_id),
            )
            if cursor.rowcount != 1:
                raise KeyError(notice_id)

    def sent_notices_of(self, run_ids: Sequence[str]) -> list[NoticeRecord]:
        """The notices these nights sent (for the report of the night that carries their news)."""
        out = []
        for run_id in run_ids:
            rows = self.conn.execute(
                "SELECT * FROM notices WHERE run_id = ? AND state = 'sent' ORDER BY created_at, rowid",
                (run_id,),
            )
            out += [self._notice(r) for r in rows]
        return out

    def pending_notices(self) -> list[NoticeRecord]:
        """Queued or failed notices (never sent), oldest first: what the next run must (re)send."""
        rows = self.conn.execute(
            "SELECT * FROM notices WHERE state IN ('queued', 'failed') ORDER BY created_at, rowid"
        )
        return [self._notice(r) for r in rows]

    def last_notice_for(self, school: str, kind: str | None = None) -> NoticeRecord | None:
        """The last notice sent for this school (of this kind, if given)."""
        sql = "SELECT * FROM notices WHERE school = ? AND state = 'sent'"
        params: tuple = (school,)
        if kind is not None:
            sql += " AND kind = ?"
            params += (kind,)
        row = self.conn.execute(sql + " ORDER BY sent_at DESC, rowid DESC LIMIT 1", params).fetchone()
        return self._notice(row) if row else None

    @staticmethod
    def _notice(row: sqlite3.Row) -> NoticeRecord:
        values = dict(row)
        values["recipients"] = tuple(json.loads(values["recipients"]))
        values["findings"] = tuple(json.loads(values["findings"]))
        values["created_at"] = _dt(values["created_at"])
        values["sent_at"] = _dt(values["sent_at"])
        return NoticeRecord(**values)


def _closed(row: sqlite3.Row, state: FindingState, now: dt.datetime | None = None) -> Finding:
    """A finding closed tonight (`now`) or by an unreported night, as stored."""
    retired = state is FindingState.RETIRED
    status = Status.NON_CONFORME if retired else Status(row["last_status"])
    return Finding(
        id=row["id"],
        account=row["account"],
        check=row["check_id"],
        status=status,
        state=state,
        first_seen=dt.datetime.fromisoformat(row["first_seen"]),
        last_seen=dt.datetime.fromisoformat(row["last_seen"]),
        resolved_at=now or _dt(row["resolved_at"]),
        detail=row["detail"],
        occurrence=row["occurrence"],
        reason=RETIRED_REASON if retired else None,
        post=PostRef(row["post_id"], row["post_link"]) if row["post_id"] else None,
    )
