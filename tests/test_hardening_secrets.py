"""Secrets never leave the environment: planted tokens are searched in everything a run leaves behind.

The sandbox and the SMTP server accept recognisable secrets (`hardening_world.PLANTED`). The whole
job runs, nights with failures included (expired tokens on every platform, SMTP login refused, an
SMTP server that echoes the password in a refusal), in-process with DEBUG logging and as `cron`
runs it (`run_audit.py` in a subprocess, secrets in its environment). Then every output is read:
log files and streams, stdout/stderr, exception texts, reports (JSON, HTML, every part of the
workbook), every table of the SQLite file, `.eml` files received or written, caches. None of the
planted values may appear.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hardening_world import ENV, PLANTED, SECRETS, SMTP_PASSWORD, HardWorld, database_text, find

from scanner.plumbing.logs import setup_logging
from scanner.plumbing.secrets import scrub

ROOT = Path(__file__).resolve().parents[1]


def assert_clean(label: str, text: str) -> None:
    for secret in PLANTED:
        assert secret not in text, f"{secret[:12]}… found in {label}"
        assert secret.encode().hex() not in text, f"{secret[:12]}… (hex) found in {label}"


def assert_tree_clean(folder: Path) -> int:
    """Every file under `folder`, as bytes decoded leniently, and every SQLite file table by table."""
    seen = 0
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        assert_clean(str(path), data.decode("utf-8", "replace"))
        for secret in PLANTED:
            assert secret.encode() not in data, f"{secret[:12]}… found in {path}"
        if data.startswith(b"SQLite format 3"):
            assert_clean(f"{path} (tables)", database_text(path))
        if path.suffix == ".xlsx":  # a zip: its parts are compressed, read each one
            with zipfile.ZipFile(path) as workbook:
                for part in workbook.namelist():
                    assert_clean(f"{path}:{part}", workbook.read(part).decode("utf-8", "replace"))
        seen += 1
    return seen


def fail_x_name(hw: HardWorld) -> None:
    find(hw.world["x"]["users"], username="EQV_CSNO")["name"] = "École des Quatre-Vents Sports"


@pytest.fixture
def debug_logs(tmp_path):
    """Vigie's own logging set-up, at DEBUG, into a stream the test reads (and the state folder)."""
    stream = io.StringIO()
    yield stream
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_vigie_handler", False):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(logging.WARNING)


def test_nothing_leaks_in_process(tmp_path, debug_logs, caplog):
    hw = HardWorld(tmp_path)
    fail_x_name(hw)
    hw.start()
    try:
        setup_logging(hw.state_dir, SECRETS, level=logging.DEBUG, stream=debug_logs)
        caplog.set_level(logging.DEBUG)
        # night 1: everything works, but the SMTP server echoes the password when refusing an admin
        hw.mailbox.refuse["julie.cote@csno.ab.ca"] = f"550 5.1.1 unknown user (auth was {SMTP_PASSWORD})"
        first = hw.run(night=0)
        # night 2: every token expired, and the SMTP server refuses the login
        for endpoint in ("graph", "x", "youtube"):
            hw.sandbox.faults.set(endpoint, token_expired=99)
        hw.mailbox.password = "another-password"
        second = hw.run(night=1)
        # night 3: a dry run (everything written to the outbox)
        hw.sandbox.faults.clear()
        third = hw.run(night=2, dry_run=True)
    finally:
        hw.stop()
    assert first.exit_status == 0 and second.exit_status not in (0, 2, 75) and third.exit_status == 0
    assert hw.mailbox.logins, "the SMTP password was used"
    assert any("jeton" in (r or "") or "clé" in (r or "") for _, r in second.summary["unverified"])
    for outcome in (first, second, third):
        assert_clean("JobOutcome", repr(outcome))
    assert_clean("log stream", debug_logs.getvalue())
    assert "DEBUG" in debug_logs.getvalue()
    for record in caplog.records:
        assert_clean("log record", record.getMessage() + (record.exc_text or ""))
    assert assert_tree_clean(tmp_path) > 10
    assert list((hw.state_dir / "logs").glob("*.log"))


def test_nothing_leaks_from_the_command_line(tmp_path):
    hw = HardWorld(tmp_path)
    fail_x_name(hw)
    hw.start()
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, str(ROOT / "run_audit.py"), "--config", str(hw.config_dir)]
    outputs = []
    try:
        done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, timeout=60, text=True)
        outputs.append(done)
        for endpoint in ("graph", "x", "youtube"):
            hw.sandbox.faults.set(endpoint, token_expired=99)
        hw.mailbox.password = "another-password"
        outputs.append(
            subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, timeout=60, text=True)
        )
        outputs.append(
            subprocess.run(
                [*command, "--dry-run"], env=env, cwd=tmp_path, capture_output=True, timeout=60, text=True
            )
        )
        outputs.append(
            subprocess.run(
                [*command, "check"], env=env, cwd=tmp_path, capture_output=True, timeout=60, text=True
            )
        )
    finally:
        hw.stop()
    assert outputs[0].returncode == 0, outputs[0].stderr
    assert outputs[1].returncode not in (0, 2, 75)
    for done in outputs:
        assert_clean("stdout", done.stdout)
        assert_clean("stderr", done.stderr)
    assert "Traceback" not in outputs[1].stderr
    assert assert_tree_clean(tmp_path) > 10


def test_secrets_never_print_themselves():
    assert_clean("repr(Secrets)", repr(SECRETS))
    assert_clean("repr(Secret)", repr(SECRETS.facebook_token))
    assert_clean("!r", f"{SECRETS.x_bearer_token!r} {SECRETS!r}")


def test_scrub_hides_every_token_in_a_url_whatever_its_case() -> None:
    texts = {
        "https://graph.facebook.com/v19.0/me?access_token=EAAB123&fields=id": (
            "https://graph.facebook.com/v19.0/me?access_token=***&fields=id"
        ),
        "?KEY=AIza-1 et Token=abc\tsuite": "?KEY=*** et Token=***\tsuite",
        "paſſword=s3cret'": "paſſword=***'",  # a long s, which the matcher takes for an s
        "\u212aey=1": "\u212aey=***",  # the Kelvin sign, a K to the matcher
        'appsecret_proof=9f8e"': 'appsecret_proof=***"',
        "x=1&monkey=2": "x=1&monkey=***",
        "https://eqv.csno.ab.ca/?ref=profil&id=3": "https://eqv.csno.ab.ca/?ref=profil&id=3",
        "aucun signe égal ici : token": "aucun signe égal ici : token",
    }
    for text, scrubbed in texts.items():
        assert scrub(text, None) == scrubbed, text
