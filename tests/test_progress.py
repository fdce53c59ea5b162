"""The progress indicator draws only on a terminal."""

from __future__ import annotations

import io

from scanner.plumbing.progress import Progress


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
