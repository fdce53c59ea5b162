"""The progress indicator draws only on a terminal."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from pathlib import Path

import pytest

from scanner.config.load import load_config
from scanner.night.audit import audit
from scanner.night.wiring import build_sources, close_sources
from scanner.plumbing.progress import Progress
from vigie_sandbox.demo import demo_world

CONFIG = Path(__file__).resolve().parents[1] / "config"


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_silent_when_not_a_terminal() -> None:
    stream = io.StringIO()
    with Progress(3, "audit", stream=stream) as bar:
        for _ in range(3):
            bar.advance(item="eqv-facebook")
    assert stream.getvalue() == ""
    assert bar.done == 3


def test_draws_and_clears_on_a_terminal() -> None:
    stream = FakeTty()
    ticks = iter(range(100))
    with Progress(2, "audit", stream=stream, clock=lambda: next(ticks)) as bar:
        bar.advance(item="eqv-facebook")
        bar.advance(item="eh-x")
    text = stream.getvalue()
    assert "1/2 eqv-facebook" in text
    assert "2/2 eh-x" in text
    assert text.endswith("\r")


def test_closed_stream_counts_as_not_a_terminal() -> None:
    stream = io.StringIO()
    stream.close()
    assert Progress(1, stream=stream).enabled is False


@pytest.fixture(scope="module")
def demo_audit(tmp_path_factory):
    """The demo world's audit, run twice: drawing on a terminal, then with stderr a plain file (cron)."""
    config = load_config(CONFIG)
    runs = []
    with demo_world(config, state_dir=tmp_path_factory.mktemp("progress")) as world:
        for terminal in (True, False):
            stream = FakeTty() if terminal else io.StringIO()
            sources = build_sources(world.config, world.secrets, resolve=world.resolve)
            try:
                with contextlib.redirect_stderr(stream):  # Progress writes to sys.stderr by default
                    outcome = audit(
                        world.config.registry, world.config.settings, sources, lambda: dt.datetime.now(dt.UTC)
                    )
            finally:
                close_sources(sources)
            runs.append((outcome, stream.getvalue()))
    return runs


def test_an_interactive_audit_shows_accounts_pictures_and_checks(demo_audit) -> None:
    (outcome, drawn), _ = demo_audit
    accounts = len(outcome.accounts)
    assert "Comptes lus [" in drawn and "Images [" in drawn
    assert f"Vérifications [####################] {accounts}/{accounts}" in drawn
    assert any(label in drawn for label in ("Facebook (page)", "Instagram", "X", "YouTube"))


def test_an_audit_whose_stderr_is_not_a_terminal_writes_nothing_there(demo_audit) -> None:
    (first, _), (second, written) = demo_audit
    assert written == ""
    assert [r.status for r in second.results] == [r.status for r in first.results]
