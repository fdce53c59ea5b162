"""One run at a time: a non-blocking exclusive lock on `STATE_DIR/vigie.lock`.

`flock(2)` locks belong to the open file description, so the kernel releases
the lock when the process dies, however it dies: a crashed run never leaves a
stale lock behind, and no PID file needs cleaning. The PID written in the file
is only a hint for the technician (`cat var/vigie.lock`).

A second run that finds the lock taken fails at once with `AlreadyRunning`; the CLI
turns that into exit status 75 (EX_TEMPFAIL: cron will simply try again).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

LOCK_NAME = "vigie.lock"


class AlreadyRunning(Exception):
    """Another process holds the run lock."""

    def __init__(self, path: Path, holder: str | None) -> None:
        self.path = path
        self.holder = holder
        who = f" (pid {holder})" if holder else ""
        super().__init__(f"another Vigie run holds {path}{who}")


LockHeld = AlreadyRunning


class RunLock:
    """`with RunLock(state_dir): ...` — raises `AlreadyRunning` at once if another run holds it."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> RunLock:
        if self._fd is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise AlreadyRunning(self.path, holder) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


@contextmanager
def run_lock(state_dir: Path) -> Iterator[RunLock]:
    """`with run_lock(state_dir):` — the job's one run at a time (`AlreadyRunning` -> exit 75)."""
    with RunLock(state_dir) as lock:
        yield lock


def _read_holder(fd: int) -> str | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return text if text.isdigit() else None
