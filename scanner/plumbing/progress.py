"""A one-line progress indicator on an interactive terminal, and silence everywhere else.

Under cron or the daemon stderr is not a TTY (it is a log file or mail to the
technician): nothing is written there at all, so no `\\r` garbage in logs.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

MIN_INTERVAL = 0.1  # seconds between redraws


class Progress:
    """`with Progress(total, "audit") as bar: ... bar.advance(item="eqv-facebook")`."""

    def __init__(
        self,
        total: int,
        label: str = "",
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        clock=time.monotonic,
    ) -> None:
        self.total = max(total, 0)
        self.label = label
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_tty(self.stream) if enabled is None else enabled
        self._clock = clock
        self._last = float("-inf")
        self._width = 0

    def advance(self, step: int = 1, item: str = "") -> None:
        self.done = min(self.done + step, self.total) if self.total else self.done + step
        if not self.enabled:
            return
        now = self._clock()
        if self.done < self.total and now - self._last < MIN_INTERVAL:
            return
        self._last = now
        self._draw(item)

    def close(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def _draw(self, item: str) -> None:
        prefix = f"{self.label} " if self.label else ""
        if self.total:
            filled = int(20 * self.done / self.total)
            line = f"{prefix}[{'#' * filled}{'.' * (20 - filled)}] {self.done}/{self.total}"
        else:
            line = f"{prefix}{self.done}"
        if item:
            line += f" {item[:40]}"
        padding = max(self._width - len(line), 0)
        self.stream.write("\r" + line + " " * padding)
        self.stream.flush()
        self._width = len(line)

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real file
        return False
