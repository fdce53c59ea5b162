"""Fault matrix: every way a platform, the web or the mail server can fail, and what a night does.

Each row turns one knob of the sandbox (`vigie_sandbox.faults`) or of the SMTP server
(`tests/hardening_world.Mailbox`) and checks the contract of SPEC.md: the run finishes
with the right exit status (0 / 3 / 2 / 75), the affected accounts are `non_verifiable`
with a French reason and never `conforme`, no finding is resolved by mistake, no notice
is lost or sent twice, and the SQLite file is intact. The table is `docs/hardening.md`.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hardening_world import ENV, FAST_RETRY, SECRETS, HardWorld, find
from PIL import Image

from scanner.checks.base import Status
from scanner.checks.catalogue import all_checks
from scanner.config.models import NetworkSettings
from scanner.net.fetch import ErrorKind, Fetcher
from scanner.night.audit import AuditOutcome, audit
from scanner.night.wiring import build_sources, close_sources

ROOT = Path(__file__).resolve().parents[1]
PLATFORM_CHECKS = {c.id for c in all_checks() if c.needs_platform}
FRENCH = ("plateforme", "réponse", "répondu", "jeton", "quota", "clé", "limit", "tentative", "délai", "refus")


@pytest.fixture
def hw(tmp_path):
    world = HardWorld(tmp_path)
    yield world
    world.stop()


def run_audit(hw: HardWorld, resolve: dict[str, str] | None = None) -> AuditOutcome:
    """The audit stage alone (platforms, web, checks), as `run_job` wires it, with short retries."""
    config = hw.config()
    sources = build_sources(
        config,
        SECRETS,
        resolve=hw.resolve if resolve is None else resolve,
        retry=FAST_RETRY,
        clock=lambda: hw.now,
    )
    try:
        return audit(config.registry, config.settings, sources, lambda: hw.now)
    finally:
        close_sources(sources)


def account(outcome: AuditOutcome, account_id: str):
    return next(a for a in outcome.accounts if a.id == account_id)


def results(outcome: AuditOutcome, account_id: str) -> dict[str, object]:
    return {r.check: r for r in outcome.results if r.account == account_id}


def assert_unverified(outcome: AuditOutcome, account_id: str, *words: str) -> str:
    """Not verified, a French reason (containing `words`), and no platform check counted conforme."""
    found = account(outcome, account_id)
    assert not found.verified, f"{account_id} should not be verified"
    reason = found.reason or ""
    assert any(w in reason for w in FRENCH), reason
    for word in words:
        assert word in reason, reason
    for check, result in results(outcome, account_id).items():
        if check in PLATFORM_CHECKS:
            assert result.status is Status.NON_VERIFIABLE, (check, result)
            assert result.detail, (check, result)
    return reason


def assert_verified(outcome: AuditOutcome, *account_ids: str) -> None:
    for account_id in account_ids:
        assert account(outcome, account_id).verified, account(outcome, account_id)


ALL = ("eqv-facebook", "eqv-x", "eh-youtube", "eh-instagram")
# endpoint prefix -> accounts it serves
PLATFORMS = {
    "graph": ("eqv-facebook", "eh-instagram"),
    "x": ("eqv-x",),
    "youtube": ("eh-youtube",),
}


# ---------------------------------------------------------------- platforms: generic faults


@pytest.mark.parametrize("endpoint", list(PLATFORMS))
@pytest.mark.parametrize(
    "knob",
    [
        pytest.param({"server_errors": 99}, id="5xx-burst"),
        pytest.param({"malformed_json": 99}, id="malformed-json"),
        pytest.param({"truncated": 99}, id="truncated-body"),
    ],
)
def test_platform_outage_leaves_its_accounts_unverified(hw, endpoint, knob):
    hw.start()
    hw.sandbox.faults.set(endpoint, **knob)
    outcome = run_audit(hw)
    for account_id in PLATFORMS[endpoint]:
        assert_unverified(outcome, account_id)
    assert_verified(outcome, *(a for a in ALL if a not in PLATFORMS[endpoint]))
    assert not outcome.complete


@pytest.mark.parametrize("endpoint", list(PLATFORMS))
def test_short_5xx_burst_is_retried(hw, endpoint):
    hw.start()
    hw.sandbox.faults.set(endpoint, server_errors=1, malformed_json=0)
    outcome = run_audit(hw)
    assert_verified(outcome, *ALL)
    assert outcome.complete


def test_timeouts_are_bounded(hw):
    """Every platform answers after the time-out: the night costs a few seconds, not hours."""
    hw.start()
    hw.write_config(network={"timeout": 0.3})
    for endpoint in PLATFORMS:
        hw.sandbox.faults.set(endpoint, latency=1.0)
    started = time.monotonic()
    outcome = run_audit(hw)
    elapsed = time.monotonic() - started
    for account_id in ALL:
        assert_unverified(outcome, account_id)
    assert elapsed < 8, elapsed


# ---------------------------------------------------------------- platforms: shaped faults


def test_x_429_storm(hw):
    hw.start()
    hw.sandbox.faults.set("x", rate_limited=0.1)  # every request 429, reset 0.1 s ahead
    outcome = run_audit(hw)
    assert "429" in assert_unverified(outcome, "eqv-x")
    assert_verified(outcome, "eqv-facebook", "eh-youtube", "eh-instagram")
    assert len(hw.sandbox.requests_to("x.users")) <= FAST_RETRY.attempts


def test_x_429_with_a_distant_reset_is_not_waited_for(hw):
    hw.start()
    hw.sandbox.faults.set("x.users", rate_limited=99)  # reset 2 s ahead > max_server_wait
    started = time.monotonic()
    outcome = run_audit(hw)
    assert "429" in assert_unverified(outcome, "eqv-x")
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_graph_throttling_codes(hw, code):
    hw.start()
    hw.sandbox.faults.set("graph", throttled=99, throttle_code=str(code))
    outcome = run_audit(hw)
    for account_id in PLATFORMS["graph"]:
        assert f"code {code}" in assert_unverified(outcome, account_id)
    assert_verified(outcome, "eqv-x", "eh-youtube")


def test_graph_throttling_once_is_waited_out(hw):
    hw.start()
    hw.sandbox.faults.set("graph.ids", throttled=1)
    outcome = run_audit(hw)
    assert_verified(outcome, *ALL)


@pytest.mark.parametrize("endpoint", list(PLATFORMS))
def test_expired_token(hw, endpoint):
    hw.start()
    hw.sandbox.faults.set(endpoint, token_expired=99)
    outcome = run_audit(hw)
    for account_id in PLATFORMS[endpoint]:
        reason = assert_unverified(outcome, account_id)
        assert any(w in reason for w in ("jeton", "clé")), reason
    assert_verified(outcome, *(a for a in ALL if a not in PLATFORMS[endpoint]))


def test_expired_token_is_not_retried(hw):
    hw.start()
    hw.sandbox.faults.set("graph", token_expired=99)
    run_audit(hw)
    # one batch for the page, one business_discovery: each refused once, none retried
    assert len(hw.sandbox.requests_to("graph")) <= 2


def test_youtube_quota_exceeded(hw):
    hw.start()
    hw.sandbox.faults.set("youtube", quota_exceeded=99)
    outcome = run_audit(hw)
    assert "quota" in assert_unverified(outcome, "eh-youtube")


def test_missing_credentials_are_never_conforme(hw):
    hw.start()
    config = hw.config()
    from scanner.plumbing.secrets import Secrets

    sources = build_sources(config, Secrets(), resolve=hw.resolve, retry=FAST_RETRY, clock=lambda: hw.now)
    try:
        outcome = audit(config.registry, config.settings, sources, lambda: hw.now)
    finally:
        close_sources(sources)
    for account_id in ALL:
        assert "identifiant" in assert_unverified(outcome, account_id)
    assert not hw.sandbox.requests_to("graph") and not hw.sandbox.requests_to("x")


# ---------------------------------------------------------------- the open web


def web_world(hw: HardWorld, pages: dict, host: str = "eqv.csno.ab.ca") -> None:
    hw.world["web"]["sites"][host] = {**pages, "*": {"title": "École"}}


def fetcher(hw: HardWorld, **network) -> Fetcher:
    settings = NetworkSettings(**{"allow_private_addresses": True, "timeout": 2, **network})
    return Fetcher(settings, resolve=hw.resolve)


def test_redirect_loop_is_a_dead_link_and_stops(hw):
    web_world(hw, {"/boucle": {"redirect": "/retour"}, "/retour": {"redirect": "/boucle"}})
    x = find(hw.world["x"]["users"], username="EQV_CSNO")
    x["description"] += " https://eqv.csno.ab.ca/boucle"
    hw.start()
    outcome = run_audit(hw)
    evidence = next(e for url, e in outcome.context.links.items() if url.endswith("/boucle"))
    assert evidence.alive is False and "boucle de redirections" in evidence.error
    hops = [r for r in hw.sandbox.log if r.host == "eqv.csno.ab.ca" and r.path in ("/boucle", "/retour")]
    assert len(hops) <= 6  # HEAD: two hops and the loop is seen
    alive = results(outcome, "eqv-x")["links.alive"]
    assert alive.status is Status.NON_CONFORME and "boucle" in alive.detail


def test_long_redirect_chain_is_cut(hw):
    chain = {f"/r{n}": {"redirect": f"/r{n + 1}"} for n in range(10)}
    web_world(hw, chain)
    hw.start()
    result = fetcher(hw).head("https://eqv.csno.ab.ca/r0")
    assert result.kind is ErrorKind.REDIRECTS and result.error == "trop de redirections"
    assert len([r for r in hw.sandbox.log if r.host == "eqv.csno.ab.ca"]) == 6


def test_dns_failure(hw):
    """A host that does not resolve: the link is dead with a French reason, the run goes on."""
    x = find(hw.world["x"]["users"], username="EQV_CSNO")
    x["description"] += " https://nulle-part.invalid/page"
    hw.start()
    resolve = {h: f"127.0.0.1:{hw.sandbox.port}" for h in hw.world["web"]["sites"]}
    resolve |= {h: f"127.0.0.1:{hw.sandbox.port}" for h in MEDIA_HOSTS}
    outcome = run_audit(hw, resolve=resolve)
    evidence = next(e for url, e in outcome.context.links.items() if "nulle-part" in url)
    assert evidence.alive is False and "nom de domaine introuvable" in evidence.error
    assert_verified(outcome, *ALL)
    assert results(outcome, "eqv-x")["links.alive"].status is Status.NON_CONFORME


MEDIA_HOSTS = (
    "scontent.sandbox.fbcdn.net",
    "scontent.sandbox.cdninstagram.com",
    "pbs.sandbox.twimg.com",
    "yt3.sandbox.ggpht.com",
)


def test_web_server_errors_and_slowness(hw):
    """The schools' sites time out or answer 503: links are dead, never an exception."""
    hw.start()
    hw.write_config(network={"timeout": 0.3})
    hw.sandbox.faults.set("web.page", latency=1.0)
    outcome = run_audit(hw)
    assert_verified(outcome, *ALL)
    links = [e for e in outcome.context.links.values() if "csno.ab.ca" in e.url]
    assert links and all(e.alive is False and e.error == "délai dépassé" for e in links)


# ---------------------------------------------------------------- hostile avatars


def bomb_png() -> bytes:
    """A small PNG whose header announces 20 000 × 20 000 pixels (400 million)."""
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG", optimize=True)
    return out.getvalue()


def avatar_world(hw: HardWorld, tmp_path: Path, name: str, data: bytes, **entry) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    hw.world["web"].setdefault("media", {})["cdn.hostile.test"] = {
        f"/{name}": {"source": str(path), "raw": True, **entry}
    }
    url = f"https://cdn.hostile.test/{name}"
    find(hw.world["facebook"]["pages"], username="EQVCSNO")["picture"] = url
    return url


@pytest.mark.parametrize(
    ("name", "make", "entry", "expected"),
    [
        pytest.param(
            "grand.png", lambda: b"\x89PNG" + os.urandom(300_000), {"content_type": "image/png"},
            "trop volumineuse", id="oversized",
        ),
        pytest.param(
            "page.jpg", lambda: b"<html><script>alert(1)</script></html>", {"content_type": "image/jpeg"},
            "illisible", id="not-an-image",
        ),
        pytest.param(
            "page.html", lambda: b"<html></html>", {"content_type": "text/html"},
            "type de contenu", id="html-content-type",
        ),
        pytest.param("bombe.png", bomb_png, {"content_type": "image/png"}, "trop grande", id="pixel-bomb"),
        pytest.param(
            "bombe.gz", lambda: gzip.compress(b"\0" * 20_000_000, 9),
            {"content_type": "image/png", "headers": {"Content-Encoding": "gzip"}},
            "trop volumineuse", id="gzip-bomb",
        ),
    ],
)  # fmt: skip
def test_hostile_avatar(hw, tmp_path, name, make, entry, expected):
    url = avatar_world(hw, tmp_path, name, make(), **entry)
    hw.start()
    hw.write_config(network={"max_image_bytes": 200_000})
    started = time.monotonic()
    outcome = run_audit(hw)
    assert time.monotonic() - started < 10
    assert_verified(outcome, *ALL)  # the platform answered: the picture is what failed
    evidence = outcome.context.images[url]
    assert evidence.fingerprint is None and expected in evidence.error, evidence
    logo = results(outcome, "eqv-facebook")["logo.school"]
    assert logo.status is Status.NON_VERIFIABLE and expected in logo.detail


# ---------------------------------------------------------------- end to end: history and notices


def run_night(hw: HardWorld, night: int, **kwargs):
    outcome = hw.run(night=night, **kwargs)
    assert hw.integrity() == "ok"
    return outcome


def fail_x_name(hw: HardWorld) -> None:
    """eqv-x loses its suffix on X: name.suffix non_conforme, a notice for École des Quatre-Vents."""
    find(hw.world["x"]["users"], username="EQV_CSNO")["name"] = "École des Quatre-Vents Sports"


def report(outcome) -> dict:
    return json.loads(Path(outcome.report_json).read_text(encoding="utf-8"))


def finding(data: dict, account_id: str, check: str) -> dict:
    return next(f for f in data["findings"] if f["account"] == account_id and f["check"] == check)


@pytest.mark.parametrize(
    "knob",
    [
        pytest.param({"server_errors": 99}, id="5xx"),
        pytest.param({"rate_limited": 99}, id="429"),
        pytest.param({"token_expired": 99}, id="expired-token"),
        pytest.param({"malformed_json": 99}, id="malformed-json"),
    ],
)
def test_outage_on_night_two_resolves_nothing(hw, knob):
    fail_x_name(hw)
    hw.start()
    first = run_night(hw, 0)
    assert first.exit_status == 0
    opened = finding(report(first), "eqv-x", "name.suffix")
    assert opened["state"] == "new" and opened["status"] == "non_conforme"
    sent_first = hw.mailbox.message_ids()

    find(hw.world["x"]["users"], username="EQV_CSNO")["name"] = "École des Quatre-Vents Sports_CSNO"
    hw.reload_world()  # fixed on X, but X cannot be read tonight: nothing may be resolved
    hw.sandbox.faults.set("x", **knob)
    second = run_night(hw, 1)
    assert second.exit_status == 3
    data = report(second)
    assert data["run"]["status"] == "partial"
    entry = next(a for a in data["accounts"] if a["id"] == "eqv-x")
    assert entry["verified"] is False and entry["reason"]
    kept = finding(data, "eqv-x", "name.suffix")
    assert kept["state"] == "open" and kept["status"] == "non_verifiable"
    assert kept["first_seen"] == opened["first_seen"]
    assert ("eqv-x", "name.suffix") in hw.open_findings()
    assert not [f for f in data["findings"] if f["state"] == "resolved"]
    # nothing new to say: no second notice, nothing sent twice
    assert hw.mailbox.message_ids()[: len(sent_first)] == sent_first
    assert len(set(hw.mailbox.message_ids())) == len(hw.mailbox.message_ids())

    hw.sandbox.faults.clear()
    third = run_night(hw, 2)
    assert third.exit_status == 0
    assert finding(report(third), "eqv-x", "name.suffix")["state"] == "resolved"


def notice_rows(hw: HardWorld) -> list[dict]:
    return [n for n in hw.notices()]


def principal_messages(hw: HardWorld, address: str) -> list:
    return [m for m in hw.mailbox.messages() if address in str(m["To"])]


def test_smtp_down_then_up_loses_no_notice(hw):
    fail_x_name(hw)
    hw.start()
    hw.smtp_down()
    first = run_night(hw, 0)
    assert first.exit_status not in (0, 2, 75)  # reports could not be sent: not a clean night
    rows = notice_rows(hw)
    assert rows and all(r["state"] != "sent" for r in rows)
    hw.smtp_up()
    second = run_night(hw, 1)
    assert second.exit_status == 0
    rows = notice_rows(hw)
    assert rows[0]["state"] == "sent" and rows[0]["attempts"] >= 1
    to_principal = principal_messages(hw, "direction.eqv@csno.ab.ca")
    assert len(to_principal) == 1
    assert str(to_principal[0]["Message-ID"]) == rows[0]["id"]
    third = run_night(hw, 2)
    assert third.exit_status == 0
    assert len(principal_messages(hw, "direction.eqv@csno.ab.ca")) == 1


def test_smtp_451_is_retried_next_night(hw):
    fail_x_name(hw)
    hw.start()
    hw.mailbox.data_reply = "451 4.3.0 Mail server temporarily rejected message"
    first = run_night(hw, 0)
    assert first.exit_status not in (0, 2, 75)
    assert all(r["state"] != "sent" for r in notice_rows(hw))
    hw.mailbox.data_reply = None
    run_night(hw, 1)
    rows = notice_rows(hw)
    assert [r["state"] for r in rows].count("sent") == 1
    assert len(principal_messages(hw, "direction.eqv@csno.ab.ca")) == 1


def test_smtp_550_for_one_recipient(hw):
    """One admin's address is refused: the others get the notice once, the refusal is reported."""
    fail_x_name(hw)
    hw.start()
    hw.mailbox.refuse["julie.cote@csno.ab.ca"] = "550 5.1.1 No such user"
    first = run_night(hw, 0)
    rows = notice_rows(hw)
    assert len(rows) == 1 and rows[0]["state"] == "sent"
    delivered = principal_messages(hw, "direction.eqv@csno.ab.ca")
    assert len(delivered) == 1
    assert first.exit_status == 0
    run_night(hw, 1)
    assert len(principal_messages(hw, "direction.eqv@csno.ab.ca")) == 1


# ---------------------------------------------------------------- the process killed mid-run


def test_sigkill_mid_run_then_rerun(hw, tmp_path):
    """Kill `run_audit.py` while it waits on a slow platform, run it again: nothing lost, nothing twice."""
    fail_x_name(hw)
    hw.start()
    hw.write_config()
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, str(ROOT / "run_audit.py"), "--config", str(hw.config_dir)]
    # night 1, complete: a finding opened, its notice sent
    done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, timeout=60)
    assert done.returncode in (0, 3), done.stderr.decode()
    notices_before = notice_rows(hw)
    assert notices_before and all(n["state"] == "sent" for n in notices_before)
    mails_before = len(hw.mailbox.received)

    # night 2: killed while the platforms are slow
    hw.sandbox.faults.set("graph", latency=5)
    process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while not hw.sandbox.requests_to("graph") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=10)
    assert process.returncode == -signal.SIGKILL
    assert hw.integrity() == "ok"

    # night 2 again: the lock was released by the kernel, the database is usable
    hw.sandbox.faults.clear()
    again = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, timeout=60)
    assert again.returncode in (0, 3), again.stderr.decode()
    assert hw.integrity() == "ok"
    rows = notice_rows(hw)
    assert len({r["id"] for r in rows}) == len(rows)
    assert all(r["state"] == "sent" for r in rows)
    ids = hw.mailbox.message_ids()
    assert len(ids) == len(set(ids))
    assert len(hw.mailbox.received) >= mails_before
    assert ("eqv-x", "name.suffix") in hw.open_findings()


def test_sigkill_during_smtp_delivery_resends_same_message_id(hw, tmp_path):
    """Killed between the notice record and its delivery: the next run sends it, same Message-ID."""
    fail_x_name(hw)
    hw.start()
    hw.smtp_down()
    hw.write_config(smtp={"timeout": 30})
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, str(ROOT / "run_audit.py"), "--config", str(hw.config_dir)]
    # an SMTP port that accepts the connection and never answers: the job hangs in delivery
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", hw.smtp_port))
    silent.listen(8)
    try:
        process = subprocess.Popen(
            command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            db = hw.state_dir / "history.sqlite3"
            if db.exists() and _queued_notice(db):
                break
            time.sleep(0.05)
        time.sleep(0.3)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=10)
    finally:
        silent.close()
    assert hw.integrity() == "ok"
    recorded = notice_rows(hw)
    assert recorded and all(r["state"] != "sent" for r in recorded)
    hw.smtp_up()
    again = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, timeout=60)
    assert again.returncode in (0, 3), again.stderr.decode()
    rows = notice_rows(hw)
    assert {r["id"] for r in recorded} <= {r["id"] for r in rows}
    assert all(r["state"] == "sent" for r in rows)
    to_principal = principal_messages(hw, "direction.eqv@csno.ab.ca")
    assert [str(m["Message-ID"]) for m in to_principal] == [recorded[0]["id"]]


def _queued_notice(db: Path) -> bool:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2) as conn:
            return bool(conn.execute("SELECT count(*) FROM notices").fetchone()[0])
    except sqlite3.Error:
        return False


# ---------------------------------------------------------------- the state folder


def test_state_folder_read_only():
    """A state folder the job cannot write: exit 2 with one French line naming it, no traceback, no request.

    As root (containers), permissions do not apply: the run is started as `nobody` instead.
    """
    root = Path(tempfile.mkdtemp(prefix="vigie-ro-"))
    hw = HardWorld(root).start()
    try:
        hw.state_dir.mkdir()
        for path in [root, *root.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        command = [sys.executable, str(ROOT / "run_audit.py"), "--config", str(hw.config_dir)]
        if os.geteuid() == 0:
            if not shutil.which("setpriv"):
                pytest.skip("root, and no setpriv to drop privileges")
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        else:
            os.chmod(hw.state_dir, 0o555)
        env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(command, env=env, cwd=root, capture_output=True, timeout=60, text=True)
        os.chmod(hw.state_dir, 0o755)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr, done.stderr
        assert str(hw.state_dir) in done.stderr and "accessible en écriture" in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        assert not hw.sandbox.log and not hw.mailbox.received
        assert not list(hw.state_dir.iterdir())
    finally:
        hw.stop()
        shutil.rmtree(root, ignore_errors=True)


NIGHT_IN_A_PROCESS = """
import resource, signal, sys
from pathlib import Path
limit, config_dir, sandbox, bug = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4] == "bug"
if limit:  # no file of the night may grow past `limit` bytes: the next write fails (EFBIG), like a full disk
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
if bug:  # an internal error, the only way to have one on purpose
    import scanner.night.audit
    def broken(*args, **kwargs):
        raise KeyError("simulated bug")
    scanner.night.audit.audit = broken
from scanner.config.load import load_config
from scanner.night.job import run_once
from scanner.platforms.retry import RetryPolicy
fast = RetryPolicy(attempts=3, base=0.01, cap=0.02, budget=0.5, max_server_wait=0.5)
sys.exit(run_once(load_config(config_dir), resolve={"*": sandbox}, retry=fast))
"""


def night_in_a_process(hw: HardWorld, *, file_limit: int = 0, bug: bool = False):
    """`run_once` (what cron runs) in its own process, against the hard world, only on loopback."""
    command = [sys.executable, "-c", NIGHT_IN_A_PROCESS, str(file_limit), str(hw.config_dir),
               f"127.0.0.1:{hw.sandbox.port}", "bug" if bug else "-"]  # fmt: skip
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, env=env, cwd=hw.root, capture_output=True, timeout=120, text=True)


def test_history_that_cannot_grow_stops_the_night_cleanly_and_loses_nothing(hw):
    """The disk fills while the night is being recorded: exit 74 with one French line, the
    history keeps the earlier nights intact, nothing is sent, and the next night runs normally."""
    hw.start()
    hw.run(night=0)
    sent = len(hw.mailbox.received)
    history = hw.state_dir / "history.sqlite3"
    # the WAL cannot hold the night: half the file, whatever tables the schema has
    done = night_in_a_process(hw, file_limit=history.stat().st_size // 2)
    assert done.returncode == 74, done.stderr
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert str(hw.state_dir) in last and "la nuit s'est arrêtée là" in last and "nuits précédentes" in last
    assert hw.integrity() == "ok"
    with hw.db() as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1  # night 0 only, whole
        assert conn.execute("SELECT count(DISTINCT run_id) FROM results").fetchone()[0] == 1
    assert len(hw.mailbox.received) == sent  # no notice, no report: the night was not recorded

    assert night_in_a_process(hw).returncode in (0, 3)  # room again: the next night goes through
    with hw.db() as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 2
    assert hw.integrity() == "ok"


def test_an_internal_error_exits_70_with_a_french_line_and_the_traceback_in_the_log(hw):
    hw.start()
    done = night_in_a_process(hw, bug=True)
    assert done.returncode == 70, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    log_file = hw.state_dir / "logs" / "vigie.log"
    assert last.startswith("Erreur interne de Vigie (KeyError)") and str(log_file) in last
    assert "Traceback" in log_file.read_text(encoding="utf-8")  # for whoever fixes it
    assert not hw.sandbox.log


def test_second_run_while_locked_exits_75(hw, tmp_path):
    from scanner.plumbing.lock import run_lock

    hw.start()
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, str(ROOT / "run_audit.py"), "--config", str(hw.config_dir)]
    with run_lock(hw.state_dir):
        done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, timeout=60)
    assert done.returncode == 75
    assert not hw.sandbox.log


def test_broken_configuration_exits_2_before_any_request(hw, tmp_path):
    hw.start()
    registry = hw.config_dir / "registry.yaml"
    registry.write_text(registry.read_text(encoding="utf-8").replace("eqv@csno.ab.ca", "pas-une-adresse"))
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, str(ROOT / "run_audit.py"), "--config", str(hw.config_dir)]
    done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, timeout=60, text=True)
    assert done.returncode == 2
    assert "registry.yaml, ligne" in done.stderr and "Traceback" not in done.stderr
    assert not hw.sandbox.log


def test_history_survives_a_night_with_every_platform_down(hw):
    fail_x_name(hw)
    hw.start()
    run_night(hw, 0)
    for endpoint in PLATFORMS:
        hw.sandbox.faults.set(endpoint, server_errors=999)
    outcome = run_night(hw, 1)
    assert outcome.exit_status == 3
    data = report(outcome)
    assert all(not a["verified"] for a in data["accounts"])
    assert not [f for f in data["findings"] if f["state"] == "resolved"]
    assert dt.datetime.fromisoformat(
        finding(data, "eqv-x", "name.suffix")["first_seen"]
    ) <= hw.now + dt.timedelta(hours=1)
