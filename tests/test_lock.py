"""The run lock: a second run fails at once, a dead holder never leaves it stale."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from scanner.plumbing.lock import LOCK_NAME, LockHeld, RunLock

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from scanner.plumbing.lock import RunLock

    lock = RunLock(Path(sys.argv[1])).acquire()
    print("held", flush=True)
    time.sleep(60)
    """
)


@pytest.fixture
def holder(tmp_path: Path):
    """A separate process that holds the lock until it is killed."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "held"
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


def test_acquire_and_release(tmp_path: Path) -> None:
    with RunLock(tmp_path / "state") as lock:
        assert lock.held
        assert (tmp_path / "state" / LOCK_NAME).exists()
    assert not lock.held
    with RunLock(tmp_path / "state"):  # free again
        pass


def test_second_run_in_same_process_fails(tmp_path: Path) -> None:
    with RunLock(tmp_path), pytest.raises(LockHeld):
        RunLock(tmp_path).acquire()


def test_second_run_fails_at_once_while_another_process_holds_it(tmp_path: Path, holder) -> None:
    started = time.monotonic()
    with pytest.raises(LockHeld) as caught:
        RunLock(tmp_path).acquire()
    assert time.monotonic() - started < 1
    assert caught.value.holder == str(holder.pid)
    assert str(holder.pid) in str(caught.value)


def test_lock_is_released_when_the_holder_dies(tmp_path: Path, holder) -> None:
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    with RunLock(tmp_path) as lock:
        assert lock.held


def test_cli_exit_status_for_a_held_lock_is_75() -> None:
    from scanner.night.job import EXIT_LOCKED

    assert EXIT_LOCKED == 75


def test_run_lock_context_manager(tmp_path: Path) -> None:
    from scanner.plumbing.lock import AlreadyRunning, run_lock

    with run_lock(tmp_path) as lock:
        assert lock.held
        with pytest.raises(AlreadyRunning):
            RunLock(tmp_path).acquire()
    assert not lock.held
