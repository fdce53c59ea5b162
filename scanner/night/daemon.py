"""`run_audit.py daemon`: stay up and run the nightly job at `schedule` in `timezone`.

Scheduling uses the `schedule` package (`every().day.at("04:00", "America/Edmonton")`,
which needs `pytz`). The wall-clock time is kept across daylight-saving
changes: 04:00 in Edmonton is 11:00 UTC in winter and 10:00 UTC in summer, so
the interval between two runs is 23 h in March and 25 h in November.
`next_run()` is the same computation as a pure function (no clock inside),
used for the log line and tested against `schedule` around both changes.

A failed night never stops the daemon: an exception or a non-zero exit status
from the job is logged and the next night runs as planned. SIGTERM or SIGINT
stops the loop cleanly (after the run in progress, if any, has finished; a
second signal interrupts it — the notices' exactly-once records make that safe).
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytz
import schedule

from scanner.config.models import Settings

log = logging.getLogger(__name__)

MAX_SLEEP = 60.0  # wake up at least every minute: a suspended host or a clock jump is noticed
MIN_SLEEP = 0.5
INTERRUPTED = 130  # 128 + SIGINT: a second signal cut a run short


def next_run(after: dt.datetime, at: str, zone: dt.tzinfo) -> dt.datetime:
    """The first instant strictly after `after` (aware) when the wall clock in `zone` reads `at`.

    `zone` is a `ZoneInfo` or a pytz zone (what `schedule` uses: `zone_for`). A
    time that does not exist that day (in the spring-forward gap) runs one
    offset later (02:30 -> 03:30), as `schedule` does; an ambiguous time (the
    repeated hour in the autumn) runs at its first occurrence.
    """
    if after.tzinfo is None:
        raise ValueError("after must be an aware datetime")
    hour, minute = (int(part) for part in at.split(":"))
    day = after.astimezone(zone).date()
    while True:
        candidate = _wall_time(zone, dt.datetime(day.year, day.month, day.day, hour, minute))
        if candidate > after:
            return candidate
        day += dt.timedelta(days=1)


def zone_for(settings: Settings) -> dt.tzinfo:
    """The zone `schedule` computes with (pytz), so that logs show the instant it will really use.

    pytz ships its own copy of the tz database, which may be newer than the
    system's that `zoneinfo` reads (rules do change: see the tests).
    """
    return pytz.timezone(settings.timezone)


def _wall_time(zone: dt.tzinfo, naive: dt.datetime) -> dt.datetime:
    localize = getattr(zone, "localize", None)
    if localize is None:  # zoneinfo: fold=0 is the first occurrence; a gap time is normalised
        return naive.replace(tzinfo=zone).astimezone(dt.UTC).astimezone(zone)
    try:
        return localize(naive, is_dst=None)
    except pytz.AmbiguousTimeError:
        return localize(naive, is_dst=True)
    except pytz.NonExistentTimeError:
        return zone.normalize(localize(naive, is_dst=False))  # type: ignore[attr-defined]


def schedule_job(
    scheduler: schedule.Scheduler, job: Callable[[], int | None], settings: Settings
) -> schedule.Job:
    """Register the guarded job every day at `settings.schedule` in `settings.timezone`."""
    return scheduler.every().day.at(settings.schedule, settings.timezone).do(run_guarded, job)


def run_guarded(job: Callable[[], int | None]) -> int | None:
    """Run one night; log (never raise) a failure so that the daemon keeps going."""
    log.info("nightly run starting")
    try:
        status = job()
    except Exception:
        log.exception("nightly run failed; the daemon keeps going")
        return None
    except SystemExit as exit_:
        log.error("nightly run called exit(%s); the daemon keeps going", exit_.code)
        return None
    if status:
        log.warning("nightly run finished with exit status %s", status)
    else:
        log.info("nightly run finished")
    return status


def run_daemon(
    job: Callable[[], int | None],
    settings: Settings,
    *,
    scheduler: schedule.Scheduler | None = None,
    sleep: Callable[[float], object] | None = None,
    stop: threading.Event | None = None,
    handle_signals: bool = True,
) -> int:
    """Loop until `stop` is set (SIGTERM/SIGINT set it). Returns 0 when stopped cleanly, 130 when
    a second signal interrupted a run.

    `sleep(seconds)` defaults to `stop.wait`, so a signal ends the wait at once.
    """
    stop = stop if stop is not None else threading.Event()
    scheduler = scheduler if scheduler is not None else schedule.Scheduler()
    wait = sleep if sleep is not None else stop.wait
    zone = zone_for(settings)
    schedule_job(scheduler, job, settings)
    _log_next(settings, zone)
    try:
        with _stop_on_signals(stop, enabled=handle_signals):
            _loop(scheduler, stop, wait, settings, zone)
    except KeyboardInterrupt:
        log.warning("daemon interrupted during a run")
        return INTERRUPTED
    log.info("daemon stopped")
    return 0


def _loop(
    scheduler: schedule.Scheduler,
    stop: threading.Event,
    wait: Callable[[float], object],
    settings: Settings,
    zone: dt.tzinfo,
) -> None:
    while not stop.is_set():
        ran_before = _runs(scheduler)
        scheduler.run_pending()
        if stop.is_set():
            return
        if _runs(scheduler) != ran_before:
            _log_next(settings, zone)
        idle = scheduler.idle_seconds
        wait(MAX_SLEEP if idle is None else min(max(idle, MIN_SLEEP), MAX_SLEEP))


def _runs(scheduler: schedule.Scheduler) -> tuple[dt.datetime | None, ...]:
    return tuple(job.last_run for job in scheduler.jobs)


def _log_next(settings: Settings, zone: dt.tzinfo) -> None:
    upcoming = next_run(dt.datetime.now(dt.UTC), settings.schedule, zone)
    log.info("next run at %s", upcoming.strftime("%Y-%m-%d %H:%M %Z"))


@contextmanager
def _stop_on_signals(stop: threading.Event, *, enabled: bool) -> Iterator[None]:
    """SIGTERM/SIGINT set `stop`; a second one while a run is in progress interrupts it."""
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: object) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            log.warning("%s received again: interrupting", name)
            raise KeyboardInterrupt
        log.info("%s received: stopping after the run in progress, if any", name)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
