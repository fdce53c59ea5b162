"""Daemon mode: runs at 04:00 Edmonton time across DST, survives failed nights, stops on SIGTERM."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import subprocess
import sys
import textwrap
import threading
import time
import types
from zoneinfo import ZoneInfo

import pytest
import pytz
import schedule

from scanner.config.models import Settings
from scanner.night.daemon import next_run, run_daemon, schedule_job, zone_for

EDMONTON = ZoneInfo("America/Edmonton")
UTC = dt.UTC


def settings(**overrides) -> Settings:
    data = {
        "report": {"to": ["communications@csno.ab.ca"]},
        "smtp": {"host": "127.0.0.1", "sender": "Vigie <audit@csno.ab.ca>"},
    }
    data.update(overrides)
    return Settings.model_validate(data)


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=EDMONTON)


# ---------------------------------------------------------------- the pure computation


def utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(UTC)


def test_spring_forward_keeps_four_oclock() -> None:
    first = next_run(local(2026, 3, 6, 12, 0), "04:00", EDMONTON)
    second = next_run(first, "04:00", EDMONTON)
    third = next_run(second, "04:00", EDMONTON)
    assert [r.strftime("%m-%d %H:%M") for r in (first, second, third)] == [
        "03-07 04:00",
        "03-08 04:00",
        "03-09 04:00",
    ]
    assert utc(first).hour == 11  # MST, UTC-7
    assert utc(second).hour == 10  # MDT, UTC-6
    assert utc(second) - utc(first) == dt.timedelta(hours=23)
    assert utc(third) - utc(second) == dt.timedelta(hours=24)


def test_fall_back_keeps_four_oclock() -> None:
    # 2025: both the system's tz database and pytz's agree on this change (see below for 2026).
    before = next_run(local(2025, 10, 31, 12, 0), "04:00", EDMONTON)
    after = next_run(next_run(before, "04:00", EDMONTON), "04:00", EDMONTON)
    assert before.strftime("%Y-%m-%d %H:%M %Z") == "2025-11-01 04:00 MDT"
    assert after.strftime("%Y-%m-%d %H:%M %Z") == "2025-11-03 04:00 MST"
    assert utc(after) - utc(before) == dt.timedelta(hours=49)


def test_strictly_after_and_gap_and_ambiguous_times() -> None:
    assert next_run(local(2026, 3, 7, 4, 0), "04:00", EDMONTON) == local(2026, 3, 8, 4, 0)
    assert next_run(local(2026, 3, 7, 3, 59), "04:00", EDMONTON) == local(2026, 3, 7, 4, 0)
    gap = next_run(local(2026, 3, 7, 12, 0), "02:30", EDMONTON)
    assert gap.strftime("%m-%d %H:%M %Z") == "03-08 03:30 MDT"
    ambiguous = next_run(local(2025, 11, 1, 12, 0), "01:30", EDMONTON)
    assert utc(ambiguous) == dt.datetime(2025, 11, 2, 7, 30, tzinfo=UTC)  # the first 01:30 (MDT)
    with pytest.raises(ValueError):
        next_run(dt.datetime(2026, 1, 1), "04:00", EDMONTON)


@pytest.mark.parametrize(
    ("after", "at"),
    [
        (dt.datetime(2026, 3, 7, 12, 0, tzinfo=UTC), "04:00"),
        (dt.datetime(2026, 3, 7, 12, 0, tzinfo=UTC), "02:30"),
        (dt.datetime(2025, 11, 1, 12, 0, tzinfo=UTC), "04:00"),
        (dt.datetime(2025, 11, 1, 12, 0, tzinfo=UTC), "01:30"),
    ],
)
def test_pytz_and_zoneinfo_zones_give_the_same_instant(after: dt.datetime, at: str) -> None:
    assert utc(next_run(after, at, EDMONTON)) == utc(next_run(after, at, pytz.timezone("America/Edmonton")))


# ---------------------------------------------------------------- schedule agrees


def schedule_next(now_utc: dt.datetime, at: str, monkeypatch) -> dt.datetime:
    """What `schedule` computes at `now_utc`, read back as an aware UTC datetime."""

    class FrozenDatetime(dt.datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return now_utc.astimezone(tz) if tz else now_utc.astimezone(UTC).replace(tzinfo=None)

    fake = types.SimpleNamespace(**{k: getattr(dt, k) for k in dir(dt) if not k.startswith("_")})
    fake.datetime = FrozenDatetime
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(schedule, "datetime", fake)
    try:
        scheduler = schedule.Scheduler()
        job = schedule_job(scheduler, lambda: 0, settings(schedule=at))
        assert job.next_run is not None
        return job.next_run.replace(tzinfo=UTC)  # naive in the process's zone, UTC here
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize(
    ("now", "at"),
    [
        (dt.datetime(2026, 3, 7, 12, 0, tzinfo=UTC), "04:00"),
        (dt.datetime(2026, 3, 8, 9, 0, tzinfo=UTC), "04:00"),  # 03:00 MDT, an hour after the change
        (dt.datetime(2026, 3, 8, 11, 0, tzinfo=UTC), "04:00"),  # 05:00 MDT: tomorrow
        (dt.datetime(2026, 10, 31, 12, 0, tzinfo=UTC), "04:00"),
        (dt.datetime(2026, 11, 1, 9, 30, tzinfo=UTC), "04:00"),  # 02:30 MST, after the change
        (dt.datetime(2026, 11, 1, 10, 30, tzinfo=UTC), "04:00"),  # 03:30 MST: 04:00 still today
        (dt.datetime(2026, 3, 7, 12, 0, tzinfo=UTC), "02:30"),  # a time in the gap
        (dt.datetime(2026, 7, 1, 12, 0, tzinfo=UTC), "23:45"),
        (dt.datetime(2025, 11, 1, 12, 0, tzinfo=UTC), "04:00"),
        (dt.datetime(2025, 11, 2, 9, 30, tzinfo=UTC), "04:00"),  # 02:30 MST, after the 2025 change
    ],
)
def test_schedule_package_agrees_with_next_run(now: dt.datetime, at: str, monkeypatch) -> None:
    # Compared with the same tz database (pytz's): the system's copy may be older. For instance
    # pytz 2026f has Alberta stay on UTC-6 after 2026-11-01, the system's 2025b falls back to UTC-7.
    zone = zone_for(settings(schedule=at))
    assert schedule_next(now, at, monkeypatch) == utc(next_run(now, at, zone))


def test_schedule_package_agrees_with_next_run_today() -> None:
    scheduler = schedule.Scheduler()
    job = schedule_job(scheduler, lambda: 0, settings())
    expected = next_run(dt.datetime.now(UTC), "04:00", zone_for(settings()))
    assert job.next_run is not None
    assert job.next_run.astimezone() == expected  # naive local time of this process


# ---------------------------------------------------------------- the loop


def test_failed_nights_do_not_stop_the_daemon(caplog) -> None:
    outcomes = iter([RuntimeError("platform exploded"), 3, 0])
    calls: list[int] = []

    def job() -> int:
        calls.append(1)
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    scheduler = schedule.Scheduler()
    stop = threading.Event()

    def sleep(_seconds: float) -> None:
        if len(calls) >= 3:
            stop.set()
        for scheduled in scheduler.jobs:  # make the next night due at once
            scheduled.next_run = dt.datetime.now() - dt.timedelta(seconds=1)

    with caplog.at_level(logging.INFO, logger="scanner.night.daemon"):
        status = run_daemon(
            job, settings(), scheduler=scheduler, sleep=sleep, stop=stop, handle_signals=False
        )
    assert status == 0
    assert len(calls) == 3
    text = caplog.text
    assert "nightly run failed" in text and "platform exploded" in text
    assert "exit status 3" in text
    assert "daemon stopped" in text
    assert len(scheduler.jobs) == 1  # still scheduled


DAEMON = textwrap.dedent(
    """
    import logging, sys
    from scanner.config.models import Settings
    from scanner.night.daemon import run_daemon

    logging.basicConfig(level=logging.INFO)
    settings = Settings.model_validate({
        "report": {"to": ["communications@csno.ab.ca"]},
        "smtp": {"host": "127.0.0.1", "sender": "Vigie <audit@csno.ab.ca>"},
    })
    print("ready", flush=True)
    sys.exit(run_daemon(lambda: 0, settings))
    """
)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stops_cleanly_on_signal(signum: int) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", DAEMON], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready"
        time.sleep(0.3)  # inside the loop, waiting for 04:00
        started = time.monotonic()
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert time.monotonic() - started < 5
    assert "next run at" in stderr
    assert "daemon stopped" in stderr
    assert "Traceback" not in stderr
