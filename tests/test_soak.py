"""Soak: 60 simulated nights on the sandbox, a controlled clock, random faults every night.

The bound is the number of nights (`NIGHTS`), not a time. Each night the world may suffer a
platform outage, a 429 storm, an unreadable website, SMTP refusals (451, one recipient 550) or
an SMTP outage, a SIGKILL of the job at a random point (while the platforms are read, once a
notice went out, while the report is sent, or after a random delay), registry edits that add
and remove accounts, and pages that are fixed and broken again; one night the state folder
cannot be written. The last nights are calm so that every retry has its chance.

After each night the invariants hold: the history is whole (`PRAGMA integrity_check`); no
finding is resolved unless its account was judged conforming that night; no finding is retired
while its account is in the registry; every notice the history says was sent was received, and
every notice received is one the history recorded (never the same notice under two
Message-IDs; a resend after a kill keeps its Message-ID and counts as a duplicate); a reminder
goes out on its day and the escalation on day `escalate_days` whenever that night could send;
the discovered account's finding keeps its first night; the database stays within what the
retention allows. It prints nights, faults injected, notices sent, duplicates and lost.

Seed: `VIGIE_SOAK_SEED` (printed), 14 by default.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest
from hardening_world import ENV, ROOT, HangData, HardWorld, find

from scanner.plumbing.french import days_between

NIGHTS = 60
CALM_AT_THE_END = 3
KEEP_NIGHTS = 5
REMINDER_DAYS = 3
ESCALATE_DAYS = 10
ZONE = "America/Edmonton"
DISCOVERED = "decouvert:facebook:ParentsEQVCSNO"
PERMANENT = ("eh-youtube", "name.suffix")  # never fixed: it must be reminded, then escalated
REMOVABLE = ("eqv-x", "eh-instagram")
COORDINATOR = "communications@csno.ab.ca"

CHILD = """
import sys, datetime as dt
from pathlib import Path
from scanner.config.load import load_config
from scanner.night.job import run_job
from scanner.platforms.retry import RetryPolicy
from scanner.plumbing.lock import run_lock
from scanner.plumbing.secrets import Secrets
config = load_config(Path(sys.argv[1]))
when = dt.datetime.fromisoformat(sys.argv[2])
fast = RetryPolicy(attempts=3, base=0.01, cap=0.02, budget=0.5, max_server_wait=0.5)
with run_lock(config.state_dir):
    run_job(config, Secrets.from_env(config.settings), clock=lambda: when, resolve={"*": sys.argv[3]}, retry=fast)
"""


def soak_world(root: Path) -> HardWorld:
    hw = HardWorld(root)
    # the permanent finding: the YouTube channel's name lacks its suffix, all along
    find(hw.world["youtube"]["channels"], handle="@EHCSNO")["title"] = "École Héritage Musique"
    # an undeclared page that presents itself as the school's, linked from its website
    page = dict(find(hw.world["facebook"]["pages"], username="EQVCSNO"))
    page.update(id="100000000000909", username="ParentsEQVCSNO", name="Parents École des Quatre-Vents_CSNO")
    hw.world["facebook"]["pages"].append(page)
    hw.world["web"]["sites"]["eqv.csno.ab.ca"]["/"] = {
        "title": "École des Quatre-Vents",
        "links": ["https://www.facebook.com/EQVCSNO", "https://www.facebook.com/ParentsEQVCSNO"],
    }
    return hw


class Soak:
    def __init__(self, hw: HardWorld, rng: random.Random):
        self.hw, self.rng = hw, rng
        self.faults: Counter[str] = Counter()
        self.all_accounts = list(hw.registry["accounts"])
        self.removed: set[str] = set()
        self.x_fixed = True
        self.fb_broken = False
        self.discovered_first_seen: str | None = None

    # ------------------------------------------------------------ the world, night by night

    def when(self, night: int) -> dt.datetime:
        return self.hw.now + dt.timedelta(days=night)

    def settle(self) -> None:
        hw = self.hw
        hw.sandbox.faults.clear()
        hw.smtp_up()
        hw.mailbox.data_reply = None
        hw.mailbox.refuse.clear()

    def edit(self, calm: bool) -> None:
        hw, rng = self.hw, self.rng
        if not calm and rng.random() < 0.15:
            account = rng.choice(REMOVABLE)
            self.removed ^= {account}
            self.faults["registry edit"] += 1
        if not calm and rng.random() < 0.15:
            self.x_fixed = not self.x_fixed
            name = "École des Quatre-Vents Sports" + ("_CSNO" if self.x_fixed else "")
            find(hw.world["x"]["users"], username="EQV_CSNO")["name"] = name
            self.faults["page fixed or broken"] += 1
        if not calm and rng.random() < 0.1:
            self.fb_broken = not self.fb_broken
            page = find(hw.world["facebook"]["pages"], username="EQVCSNO")
            page["website"] = (
                "https://ailleurs.example.org" if self.fb_broken else "https://eqv.csno.ab.ca www.csno.ab.ca"
            )
            self.faults["page fixed or broken"] += 1
        hw.registry["accounts"] = [a for a in self.all_accounts if a["id"] not in self.removed]
        hw.write_config(
            escalation={"reminder_days": REMINDER_DAYS, "escalate_days": ESCALATE_DAYS},
            history={"keep_nights": KEEP_NIGHTS},
        )
        hw.reload_world()

    def inject(self) -> dict[str, bool]:
        """Tonight's faults; returns what blocks which sends (for the reminder/escalation invariant)."""
        hw, rng = self.hw, self.rng
        tonight = {"smtp": False, "youtube": False}
        if rng.random() < 0.15:
            endpoint = rng.choice(["graph", "x", "youtube"])
            hw.sandbox.faults.set(endpoint, server_errors=99)
            tonight["youtube"] |= endpoint == "youtube"
            self.faults["platform outage"] += 1
        if rng.random() < 0.1:
            if rng.random() < 0.5:
                hw.sandbox.faults.set("x", rate_limited=0.1)
            else:
                hw.sandbox.faults.set("graph", throttled=99, throttle_code="613")
            self.faults["429 storm"] += 1
        if rng.random() < 0.08:
            hw.sandbox.faults.set("web", server_errors=99)
            self.faults["websites down"] += 1
        roll = rng.random()
        if roll < 0.08:
            hw.mailbox.data_reply = "451 4.3.0 Mail server temporarily rejected message"
            self.faults["SMTP 451"] += 1
            tonight["smtp"] = True
        elif roll < 0.16:
            hw.smtp_down()
            self.faults["SMTP outage"] += 1
            tonight["smtp"] = True
        elif roll < 0.22:
            hw.mailbox.refuse["marc.gagne@csno.ab.ca"] = "550 5.1.1 No such user"
            self.faults["SMTP 550 one recipient"] += 1
        return tonight

    # ------------------------------------------------------------ running a night

    def night_in_process(self, night: int) -> None:
        self.hw.run(night=night)

    def killed_night(self, night: int) -> str:
        """The job in its own process, SIGKILLed at a random point of the night."""
        hw = self.hw
        when = self.when(night)
        hw.sandbox.now = lambda: when
        stage = self.rng.choice(["platforms", "notice", "report", "delay"])
        hang = HangData(hw.mailbox, COORDINATOR, seconds=20)
        if stage == "report":
            hw.mailbox.handle_DATA = hang
        requests, received = len(hw.sandbox.log), len(hw.mailbox.received)
        env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
        command = [
            sys.executable,
            "-c",
            CHILD,
            str(hw.config_dir),
            when.isoformat(),
            f"127.0.0.1:{hw.sandbox.port}",
        ]
        child = subprocess.Popen(
            command, env=env, cwd=hw.root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        delay = time.monotonic() + self.rng.uniform(0.3, 2.5)
        deadline = time.monotonic() + 60
        try:
            while child.poll() is None and time.monotonic() < deadline:
                if (
                    (stage == "platforms" and len(hw.sandbox.log) > requests)
                    or (stage == "notice" and len(hw.mailbox.received) > received)
                    or (stage == "report" and hang.seen)
                    or (stage == "delay" and time.monotonic() > delay)
                ):
                    child.send_signal(signal.SIGKILL)
                    break
                time.sleep(0.01)
            child.communicate(timeout=30)
        finally:
            hw.mailbox.handle_DATA = hang.original
        if child.returncode == -signal.SIGKILL:
            self.faults[f"SIGKILL ({stage})"] += 1
            return stage
        self.faults["SIGKILL planned, night ended first"] += 1
        return "missed"

    def read_only_night(self, night: int) -> bool:
        """The state folder cannot be written: the night stops before anything, history untouched."""
        hw = self.hw
        command = [sys.executable, str(ROOT / "run_audit.py"), "--config", str(hw.config_dir)]
        for path in [hw.root, *hw.root.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        if os.geteuid() == 0:
            if not shutil.which("setpriv"):
                return False
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        else:
            os.chmod(hw.state_dir, 0o555)
        before = self.counts()
        env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(command, env=env, cwd=hw.root, capture_output=True, text=True, timeout=60)
        os.chmod(hw.state_dir, 0o755)
        assert done.returncode == 2 and "accessible en écriture" in done.stderr, done.stderr
        assert self.counts() == before
        self.faults["read-only state folder"] += 1
        return True

    def counts(self) -> tuple:
        with self.hw.db() as conn:
            return tuple(
                conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("runs", "findings", "notices")
            )

    # ------------------------------------------------------------ invariants

    def pending_for(self, school: str) -> bool:
        if not (self.hw.state_dir / "history.sqlite3").exists():
            return False
        with self.hw.db() as conn:
            return bool(
                conn.execute(
                    "SELECT count(*) FROM notices WHERE school = ? AND state IN ('queued', 'failed')"
                    " AND coalesce(error, '') NOT LIKE 'permanent%'",
                    (school,),
                ).fetchone()[0]
            )

    def check(self, night: int, registry: set[str], could_send: bool, eh_pending_before: bool) -> None:
        hw = self.hw
        when = self.when(night)
        assert hw.integrity() == "ok", night
        with hw.db() as conn:
            runs = [
                r[0] for r in conn.execute("SELECT id FROM runs WHERE started_at = ?", (when.isoformat(),))
            ]
            closed = conn.execute(
                "SELECT account, check_id, last_status, resolved_run FROM findings WHERE resolved_run IN"
                f" ({','.join('?' * len(runs))})",
                runs,
            ).fetchall()
            for account, check_id, status, run_id in closed:
                if status == "retired":  # left the registry, or a discovered account no longer found
                    assert account not in registry, (night, account, check_id)
                    continue
                verdict = conn.execute(
                    "SELECT status FROM results WHERE run_id = ? AND account = ? AND check_id = ?",
                    (run_id, account, check_id),
                ).fetchone()
                assert verdict is not None and verdict[0] in ("conforme", "derogation"), (
                    night,
                    account,
                    check_id,
                )
            discovered = conn.execute(
                "SELECT first_seen, occurrence, resolved_at FROM findings WHERE account = ?", (DISCOVERED,)
            ).fetchone()
            if self.discovered_first_seen is None and discovered is not None:
                self.discovered_first_seen = discovered[0]
            if self.discovered_first_seen is not None:
                assert tuple(discovered) == (self.discovered_first_seen, 1, None), (night, tuple(discovered))
            # reminders and the escalation on their day, when tonight could send to École Héritage
            permanent = conn.execute(
                "SELECT first_seen FROM findings WHERE account = ? AND check_id = ? AND resolved_at IS NULL",
                PERMANENT,
            ).fetchone()
            judged = bool(runs) and conn.execute(
                "SELECT status FROM results WHERE run_id = ? AND account = ? AND check_id = ?",
                (runs[-1], *PERMANENT),
            ).fetchone() == ("non_conforme",)
            tonight = conn.execute(
                f"SELECT kind FROM notices WHERE school = 'eh' AND run_id IN ({','.join('?' * len(runs))})",
                runs,
            ).fetchall()
            last = conn.execute(
                "SELECT max(sent_at) FROM notices WHERE school = 'eh' AND state = 'sent' AND created_at < ?",
                (when.isoformat(),),
            ).fetchone()[0]
            escalated = conn.execute(
                "SELECT count(*) FROM notices WHERE school = 'eh' AND kind = 'escalation' AND created_at < ?",
                (when.isoformat(),),
            ).fetchone()[0]
        if permanent and judged and could_send and not eh_pending_before:
            age = days_between(dt.datetime.fromisoformat(permanent[0]), when, ZONE)
            if age >= ESCALATE_DAYS and not escalated:
                assert ("escalation",) in tonight, (night, age, tonight)
            if last and days_between(dt.datetime.fromisoformat(last), when, ZONE) >= REMINDER_DAYS:
                assert tonight, (night, "reminder due", last)
            if tonight == [("escalation",)]:
                assert age >= ESCALATE_DAYS, (night, age)

    def deliveries(self) -> dict[str, int]:
        """Sent, duplicates (same Message-ID received twice), lost (recorded sent, never received, or
        still waiting), and strays (a notice received under a Message-ID the history does not know)."""
        hw = self.hw
        notices = hw.notices()
        received = Counter()
        strays = 0
        known = {n["id"] for n in notices}
        for message in hw.mailbox.messages():
            ident = str(message["Message-ID"])
            if not ident.startswith("<notice-"):  # the coordinator's report
                continue
            received[ident] += 1
            strays += ident not in known
        per_run_school = Counter((n["run_id"], n["school"]) for n in notices)
        return {
            "sent": sum(n["state"] == "sent" for n in notices),
            "duplicates": sum(count - 1 for count in received.values()),
            "lost": sum(1 for n in notices if n["state"] == "sent" and n["id"] not in received)
            + sum(
                1 for n in notices if n["state"] != "sent" and not (n["error"] or "").startswith("permanent")
            ),
            "strays": strays,
            "twice in one night": sum(count > 1 for count in per_run_school.values()),
        }

    def check_notice_days(self) -> int:
        """Over the whole soak: no reminder before its day, no escalation before day `escalate_days`.
        Returns how many reminders and escalations were checked."""
        notices = [n for n in self.hw.notices() if n["state"] == "sent"]
        with self.hw.db() as conn:
            permanent_id, first_seen = conn.execute(
                "SELECT id, first_seen FROM findings WHERE account = ? AND check_id = ?", PERMANENT
            ).fetchone()
        checked = 0
        for notice in notices:
            created = dt.datetime.fromisoformat(notice["created_at"])
            if notice["kind"] == "reminder":
                before = [
                    dt.datetime.fromisoformat(n["sent_at"])
                    for n in notices
                    if n["school"] == notice["school"]
                    and n["sent_at"]
                    and n["sent_at"] < notice["created_at"]
                ]
                assert before and days_between(max(before), created, ZONE) >= REMINDER_DAYS, notice["id"]
                checked += 1
            if notice["kind"] == "escalation" and permanent_id in json.loads(notice["findings"]):
                assert days_between(dt.datetime.fromisoformat(first_seen), created, ZONE) >= ESCALATE_DAYS
                checked += 1
        return checked

    def history_bytes(self) -> tuple[int, int]:
        """(file size with its WAL, nights that still have per-check results)."""
        state = self.hw.state_dir
        size = sum(p.stat().st_size for p in state.glob("history.sqlite3*"))
        with self.hw.db() as conn:
            nights = conn.execute("SELECT count(DISTINCT run_id) FROM results").fetchone()[0]
        return size, nights


def test_sixty_nights_with_random_faults(capsys):
    seed = int(os.environ.get("VIGIE_SOAK_SEED", "14"))
    rng = random.Random(seed)
    root = Path(
        tempfile.mkdtemp(prefix="vigie-soak-")
    )  # not under pytest's private folder: `nobody` reads it
    hw = soak_world(root)
    hw.start()
    soak = Soak(hw, rng)
    kill_nights = set(rng.sample(range(2, NIGHTS - CALM_AT_THE_END), 4))
    read_only_night = rng.choice([n for n in range(2, NIGHTS - CALM_AT_THE_END) if n not in kill_nights])
    sizes: dict[int, int] = {}
    started = time.monotonic()
    try:
        for night in range(NIGHTS):
            calm = night >= NIGHTS - CALM_AT_THE_END
            soak.settle()
            soak.edit(calm)
            registry = {a["id"] for a in hw.registry["accounts"]}
            tonight = {"smtp": False, "youtube": False} if calm else soak.inject()
            eh_pending = soak.pending_for("eh")
            could_send = not (tonight["smtp"] or tonight["youtube"])
            if night in kill_nights:
                soak.killed_night(night)
                could_send = False
            elif night == read_only_night and soak.read_only_night(night):
                could_send = False
                continue
            else:
                soak.night_in_process(night)
            soak.check(night, registry, could_send, eh_pending)
            sizes[night], nights_kept = soak.history_bytes()
            # a night killed after its record and before its pruning leaves one night more, until the next
            assert nights_kept <= KEEP_NIGHTS + (night in kill_nights), (night, nights_kept)
        soak.settle()
        totals = soak.deliveries()
        with capsys.disabled():  # shown in CI's output too
            print(
                f"\nsoak (seed {seed}): {NIGHTS} nights in {time.monotonic() - started:.0f} s; faults injected: "
                f"{sum(soak.faults.values())} ({', '.join(f'{k} {v}' for k, v in sorted(soak.faults.items()))}); "
                f"notices sent {totals['sent']}, duplicates {totals['duplicates']} (same Message-ID), "
                f"lost {totals['lost']}, under an unknown Message-ID {totals['strays']}; history {sizes[NIGHTS - 1] // 1024} KB"
            )
        assert totals["lost"] == 0 and totals["strays"] == 0 and totals["twice in one night"] == 0, totals
        assert totals["sent"] > 0
        with hw.db() as conn:
            escalations = conn.execute(
                "SELECT count(*) FROM notices WHERE school = 'eh' AND kind = 'escalation' AND state = 'sent'"
            ).fetchone()[0]
        assert escalations >= 1
        assert soak.check_notice_days() >= 2
        # bounded by the retention: after the window filled, the file no longer grows with the nights
        settled = max(sizes[n] for n in range(KEEP_NIGHTS + 2, KEEP_NIGHTS + 6) if n in sizes)
        assert max(sizes.values()) <= settled * 1.5 + 256 * 1024, sizes
    finally:
        hw.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(autouse=True)
def _quiet_aiosmtpd():
    import logging

    logging.getLogger("mail.log").setLevel(logging.ERROR)
    yield
