"""Issue 14 end to end: nights you can trust (the real job on the sandbox, a real SMTP server,
a real SQLite history, a controlled clock)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hardening_world import ENV, ROOT, HangData, HardWorld, find

from scanner.config.load import ConfigError, load_config
from scanner.night.job import JobOutcome, run_job
from scanner.night.summary import french_summary
from scanner.notices.deliver import Delivery
from vigie_sandbox.demo import demo_world

START = dt.datetime(2026, 3, 10, 11, 0, tzinfo=dt.UTC)
DISCOVERED = "decouvert:facebook:ParentsEcoleHeritageCSNO"


@pytest.fixture
def hw(tmp_path):
    world = HardWorld(tmp_path)
    yield world
    world.stop()


def report(outcome: JobOutcome) -> dict:
    return json.loads(Path(outcome.report_json).read_text(encoding="utf-8"))


def fail_x_name(hw: HardWorld) -> None:
    find(hw.world["x"]["users"], username="EQV_CSNO")["name"] = "École des Quatre-Vents Sports"


# ---------------------------------------------------------------- item 1


def test_the_demo_discovered_finding_ages_night_after_night(tmp_path):
    """Four demo nights: « nouvelles » 17, 0, 0, 0, and the discovered account's finding keeps
    its first night and its occurrence."""
    config = load_config(ROOT / "config")
    news = []
    with demo_world(config, state_dir=tmp_path / "demo") as world:
        for night in range(4):
            when = START + dt.timedelta(days=night)
            outcome = run_job(world.config, world.secrets, resolve=world.resolve, clock=lambda w=when: w)
            news.append(outcome.summary["new"])
    assert news[0] > 0 and news[1:] == [0, 0, 0]
    with sqlite3.connect(tmp_path / "demo" / "history.sqlite3") as conn:
        row = conn.execute(
            "SELECT first_seen, occurrence, resolved_at FROM findings WHERE account = ?", (DISCOVERED,)
        ).fetchone()
    assert row == (START.isoformat(), 1, None)


# ---------------------------------------------------------------- item 2


def test_an_empty_registry_is_refused(hw):
    hw.registry["accounts"] = []
    with pytest.raises(ConfigError) as error:
        hw.start()  # writes the configuration, then loads it
    assert any("accounts" in str(p) and "au moins un" in str(p) for p in error.value.problems)


def test_an_account_that_leaves_the_registry_is_retired_not_resolved(hw):
    fail_x_name(hw)
    hw.start()
    first = hw.run(night=0)
    assert first.summary["new"] >= 1
    hw.registry["accounts"] = [a for a in hw.registry["accounts"] if a["id"] != "eqv-x"]
    hw.write_config()
    second = hw.run(night=1)
    data = report(second)
    assert second.summary["resolved"] == 0 and second.summary["retired"] >= 1
    assert not [f for f in data["findings"] if f["state"] == "resolved"]
    assert [f["account"] for f in data["retired"]] == ["eqv-x"] * len(data["retired"])
    html = Path(second.report_html).read_text(encoding="utf-8")
    assert "Retirées" in html and "Rien de nouveau" not in html
    third = hw.run(night=2)
    assert not report(third)["retired"]  # shown once
    # never good news to the principal: no notice speaks of it as settled
    for message in hw.mailbox.messages():
        body = message.get_body(("plain",)).get_content()
        assert "réglée" not in body.lower() or "eqv-x" not in body


def test_a_registry_that_loses_more_than_half_retires_nothing_that_night(hw):
    for name, user in (("École des Quatre-Vents Sports", "EQV_CSNO"),):
        find(hw.world["x"]["users"], username=user)["name"] = name
    hw.start()
    hw.run(night=0)
    opened = set(hw.open_findings())
    assert opened
    kept = hw.registry["accounts"]
    hw.registry["accounts"] = [a for a in kept if a["id"] == "eh-youtube"]
    hw.write_config()
    shrunk = hw.run(night=1)
    data = report(shrunk)
    assert not data["retired"] and "eqv-x" in data["held"]
    assert set(hw.open_findings()) == opened
    assert "plus de la moitié" in Path(shrunk.report_html).read_text(encoding="utf-8")
    assert "plus de la moitié" in french_summary(shrunk)
    later = hw.run(night=2)  # still missing: retired now
    assert {f["account"] for f in report(later)["retired"]} >= {"eqv-x"}
    assert not hw.open_findings()


# ---------------------------------------------------------------- item 3


def test_a_dry_run_leaves_the_news_to_the_real_night(hw):
    fail_x_name(hw)
    hw.start()
    dry = hw.run(night=0, dry_run=True)
    assert dry.summary["new"] >= 1 and dry.notices and not hw.mailbox.received
    text = french_summary(dry)
    assert "dans outbox/, aucun envoyé" in text and not re.search(r"\d\s+envoyés?\b", text)
    with hw.db() as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM findings").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM notices").fetchone()[0] == 0
    real = hw.run(night=0)
    assert real.summary["new"] == dry.summary["new"]
    assert [d.state for d in real.notices] == ["sent"] * len(dry.notices)
    assert any("direction.eqv@csno.ab.ca" in str(m["To"]) for m in hw.mailbox.messages())


# ---------------------------------------------------------------- item 4


def test_a_night_killed_before_its_report_is_reported_by_the_next(hw, tmp_path):
    """SIGKILL after the notices went out, while the report is being sent: the night is not
    `complete`; the next night's report carries its new findings and its notices."""
    fail_x_name(hw)
    hw.now = dt.datetime.now(dt.UTC)  # the killed night runs on the real clock
    hw.start()
    hang = HangData(hw.mailbox, "communications@csno.ab.ca", seconds=30)
    hw.mailbox.handle_DATA = hang
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, str(ROOT / "run_audit.py"), "--config", str(hw.config_dir)]
    process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not hang.seen and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert hang.seen, process.communicate()
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=10)
    hw.mailbox.handle_DATA = hang.original
    with hw.db() as conn:
        assert [r[0] for r in conn.execute("SELECT status FROM runs")] == ["failed"]
    notices = hw.notices()
    assert notices and all(n["state"] == "sent" for n in notices)

    again = hw.run(night=1)
    data = report(again)
    new = [f for f in data["findings"] if f["account"] == "eqv-x" and f["state"] == "new"]
    assert new, data["findings"]
    assert data["unreported"] and again.summary["unreported"] == 1
    assert [n["earlier"] for n in data["notices"]] == [True] * len(notices)
    with hw.db() as conn:
        assert [r[0] for r in conn.execute("SELECT status FROM runs ORDER BY rowid")] == [
            "failed",
            "complete",
        ]
    calm = hw.run(night=2)
    assert calm.summary["new"] == 0 and not report(calm)["unreported"]


def test_an_interrupted_delivery_is_flagged_in_the_report():
    delivery = Delivery(
        "<id@x>", "eqv", "first", ("a@csno.ab.ca",), ("f1",), "sent", retry=True, interrupted=True
    )
    assert delivery.entry().interrupted


# ---------------------------------------------------------------- item 6


def cli(*args: str, cwd: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, str(ROOT / "run_audit.py"), "--config", str(ROOT / "config"), *args]
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def test_the_demo_takes_the_lock(tmp_path):
    from scanner.plumbing.lock import run_lock

    with run_lock(tmp_path / "var" / "demo"):
        done = cli("--demo", cwd=tmp_path)
    assert done.returncode == 75, done.stderr
    assert not (tmp_path / "var" / "demo" / "mail").exists() or not list(
        (tmp_path / "var" / "demo" / "mail").iterdir()
    )


@pytest.mark.parametrize(
    "args",
    [("--demo", "daemon"), ("--dry-run", "check"), ("--dry-run", "preview")],
    ids=["demo-daemon", "dry-run-check", "dry-run-preview"],
)
def test_option_combinations_that_mean_nothing_are_refused(tmp_path, args):
    done = cli(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "ne va pas avec" in done.stderr


def test_the_demo_dry_run_sends_nothing(tmp_path):
    done = cli("--demo", "--dry-run", cwd=tmp_path)
    assert done.returncode in (0, 3), done.stderr
    assert not list((tmp_path / "var" / "demo" / "mail").glob("*.eml"))
    assert list((tmp_path / "var" / "demo" / "outbox").glob("*.eml"))
    assert "dans outbox/, aucun envoyé" in done.stdout


# ---------------------------------------------------------------- item 5


def test_the_log_tells_the_night(hw, tmp_path):
    fail_x_name(hw)
    hw.start()
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, str(ROOT / "run_audit.py"), "--config", str(hw.config_dir)]
    done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = (hw.state_dir / "logs" / "vigie.log").read_text(encoding="utf-8")
    run_id = json.loads(next((hw.state_dir / "reports").glob("*.json")).read_text(encoding="utf-8"))["run"][
        "id"
    ]
    for expected in (
        f"run {run_id}: starting, 4 account(s)",
        # /me/accounts, then the page (issue 12: the pages the token manages are read with their token)
        "facebook: 1 account(s) asked, 1 answered, 2 call(s)",
        "x: 1 account(s) asked, 1 answered,",
        "pictures: ",
        f"run {run_id}: findings new ",
        f"run {run_id}: notices sent ",
        f"run {run_id}: report handed over",
        f"run {run_id}: finished in ",
        "exit status 0",
    ):
        assert expected in text, f"{expected!r} not in the log:\n{text}"
    assert re.search(rf"run {run_id}: findings new \d+, open \d+, resolved \d+, retired \d+", text)
    assert re.search(rf"run {run_id}: notices sent [1-9]\d*, queued 0, failed 0", text)
    assert "INFO" not in done.stderr  # cron mails stderr: the story is in the file


def test_the_daemon_logs_its_schedule(hw, tmp_path):
    hw.start()
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, str(ROOT / "run_audit.py"), "--config", str(hw.config_dir), "daemon"]
    process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    log_file = hw.state_dir / "logs" / "vigie.log"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (log_file.exists() and "next run at" in log_file.read_text()):
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=30)
    assert "next run at" in log_file.read_text(encoding="utf-8")


# ---------------------------------------------------------------- item 9


def test_preview_with_no_report_yet_is_not_report_unsent(tmp_path, hw):
    hw.start()
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "run_audit.py"), "--config", str(hw.config_dir), "preview"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 66, done.stderr
    assert "Aucun rapport" in done.stderr and "Traceback" not in done.stderr


def test_preview_on_a_read_only_state_folder():
    """The report is rendered elsewhere (a temporary folder), with a French line saying so."""
    import shutil
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="vigie-ro-"))  # not under pytest's private folder: `nobody` reads it
    hw = HardWorld(root).start()
    try:
        hw.run(night=0)
        for path in [root, *root.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        command = [sys.executable, str(ROOT / "run_audit.py"), "--config", str(hw.config_dir), "preview"]
        if os.geteuid() == 0:
            if not shutil.which("setpriv"):
                pytest.skip("root, and no setpriv to drop privileges")
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        else:
            os.chmod(hw.state_dir, 0o555)
        env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT), "TMPDIR": "/tmp"}
        done = subprocess.run(command, env=env, cwd=root, capture_output=True, text=True, timeout=60)
        os.chmod(hw.state_dir, 0o755)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        written = Path(done.stdout.strip().splitlines()[-1])
        assert written.exists() and not written.is_relative_to(hw.state_dir)
        assert "accès refusé" in done.stderr or "lecture seule" in done.stderr, done.stderr
        shutil.rmtree(written.parent, ignore_errors=True)
    finally:
        hw.stop()
        shutil.rmtree(root, ignore_errors=True)


# ---------------------------------------------------------------- item 10


def test_a_search_that_could_not_run_says_so(hw):
    hw.start()
    hw.sandbox.faults.set("web", server_errors=999)
    outcome = hw.run(night=0)
    assert outcome.summary["unread_sites"]
    text = french_summary(outcome)
    assert "Recherche de comptes non déclarés incomplète" in text
    assert "Comptes non déclarés découverts" not in text
    data = report(outcome)
    assert {site for site, _ in data["unread_sites"]} >= {"https://eqv.csno.ab.ca", "https://www.csno.ab.ca"}
    html = Path(outcome.report_html).read_text(encoding="utf-8")
    assert "Recherche de comptes non déclarés incomplète" in html and "eqv.csno.ab.ca" in html


def test_the_report_flags_a_possible_duplicate_and_the_notices_of_an_unreported_night():
    from factories import make_report

    from scanner.report.html_report import ReportView, render_html, render_text
    from scanner.report.model import NoticeEntry

    notices = [
        NoticeEntry(("direction.eqv@csno.ab.ca",), "eqv", "first", ("f1",), interrupted=True),
        NoticeEntry(("direction.eh@csno.ab.ca",), "eh", "reminder", ("f2",), earlier=True),
    ]
    report = make_report(notices=notices, unreported=(START,))
    html = render_html(ReportView(report))
    text = render_text(ReportView(report))
    for rendered in (html, text):
        assert "arriver deux fois" in rendered and "même identifiant" in rendered
        assert "nuit dont le rapport n’a pas été remis" in rendered
        assert "reprend les nouvelles de la nuit du" in rendered
