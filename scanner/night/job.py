"""The nightly job around the audit: lock, audit, history, report, notices, exit status.

`run_once` is what cron runs; `daemon` repeats it on schedule; `demo` runs it against
the offline sandbox. `run_job` is the part all three share, and what tests call.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scanner.config.models import Config
from scanner.night.audit import audit, platform_notes
from scanner.night.daemon import run_daemon
from scanner.night.healthcheck import ping
from scanner.night.posts_reading import ReadAhead
from scanner.night.publications import content_tools, run_stage
from scanner.night.publish import Published, publish
from scanner.night.summary import french_summary
from scanner.night.wiring import build_sources, close_sources
from scanner.platforms.retry import RetryPolicy
from scanner.plumbing.failures import bug_line, french_os_error, storage_problem
from scanner.plumbing.lock import AlreadyRunning, run_lock
from scanner.plumbing.logs import LOG_NAME, setup_logging
from scanner.plumbing.secrets import Secrets

log = logging.getLogger(__name__)

# Exit statuses (SPEC.md, the README's table and `run_audit.py --help`): the only place they are
# defined and decided (`exit_status`, `run_once`).
EXIT_OK = 0
EXIT_REPORT_UNSENT = 1  # the audit was recorded, the coordinator's report could not be sent
EXIT_CONFIG = 2  # also: a state folder that cannot be written (an installation problem)
EXIT_UNVERIFIED = 3
EXIT_LOCKED = 75
EXIT_BUG = 70  # sysexits EX_SOFTWARE: an internal error, traceback in the log
EXIT_STORAGE = 74  # sysexits EX_IOERR: the state folder's disk full, read-only or failing
EXIT_NO_REPORT = 66  # sysexits EX_NOINPUT: `preview` before any report was written


@dataclass
class JobOutcome:
    run_id: str
    exit_status: int
    report_json: Path | None = None
    report_html: Path | None = None
    coordinator_mail: Path | None = None  # the .eml written in dry-run
    notices: list = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    report_xlsx: Path | None = None  # the night's workbook


EXIT_STATUSES = {  # what `--help` lists
    EXIT_OK: "every account verified, report sent",
    EXIT_REPORT_UNSENT: "audit recorded, but the coordinator's report could not be sent (kept in the outbox)",
    EXIT_CONFIG: "configuration error, or a state folder that cannot be written",
    EXIT_UNVERIFIED: "finished, but some accounts could not be verified",
    EXIT_BUG: "internal error (traceback in the log)",
    EXIT_STORAGE: "the state folder's disk is full, read-only or failing",
    EXIT_LOCKED: "another run is in progress",
    EXIT_NO_REPORT: "preview: no report written yet",
}


def exit_status(complete: bool, published: Published) -> int:
    """The night's status from what happened: an unsent report first, then unverified accounts."""
    if not published.report_delivered:
        return EXIT_REPORT_UNSENT
    return EXIT_OK if complete else EXIT_UNVERIFIED


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_run_id(now: dt.datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def run_job(
    config: Config,
    secrets: Secrets,
    *,
    dry_run: bool = False,
    clock: Callable[[], dt.datetime] = utc_now,
    resolve: Mapping[str, str] | None = None,
    retry: RetryPolicy | None = None,
) -> JobOutcome:
    """Audit, remember, report, notify. Raises only on bugs; per-account trouble is in the results."""
    state_dir = config.state_dir
    state_dir.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    run_id = new_run_id(clock())
    log.info(
        "run %s: starting%s, %d account(s) in the registry", run_id, " (dry run)" if dry_run else "",
        len(config.registry.accounts),
    )  # fmt: skip
    sources = build_sources(config, secrets, resolve=resolve, retry=retry, clock=clock)
    try:
        # the publications are read while the audit downloads the profiles' pictures, then judged
        reading = config.settings.content.enabled and sources.fetcher is not None
        ahead = ReadAhead(config, sources.adapters, clock, lambda: content_tools(config)) if reading else None
        try:
            outcome = audit(config.registry, config.settings, sources, clock, ahead.start if ahead else None)
            if sources.fetcher is not None:  # the publications stage, after the profiles
                profiles = len(platform_notes(sources.adapters, logged=False))  # the audit's notes start so
                outcome.posts = run_stage(
                    config, sources.adapters, sources.fetcher, outcome.snapshots, clock(), ahead=ahead
                )
                outcome.results = outcome.results + outcome.posts.results
                # the platforms' notes again (X's cost now counts the posts read), then the look-ups'
                outcome.notes = platform_notes(sources.adapters) + outcome.notes[profiles:]
        finally:
            if ahead is not None:
                ahead.close()
        published = publish(
            config,
            secrets,
            outcome,
            run_id=run_id,
            dry_run=dry_run,
            clock=clock,
            logos=sources.official_logos,
            fetch_image=sources.fetch_image,
        )
    finally:  # after publishing, which shows the pictures the caches keep
        close_sources(sources)
    result = JobOutcome(
        run_id=run_id,
        exit_status=exit_status(outcome.complete, published),
        report_json=published.report_json,
        report_html=published.report_html,
        report_xlsx=published.report_xlsx,
        coordinator_mail=published.coordinator_mail,
        notices=published.notices,
        summary=published.summary | ({"publications": outcome.posts.stats} if outcome.posts else {}),
    )
    log.info(
        "run %s: finished in %.1f s, exit status %d", run_id, time.monotonic() - began, result.exit_status
    )
    return result


def run_once(
    config: Config,
    *,
    dry_run: bool = False,
    resolve: Mapping[str, str] | None = None,
    retry: RetryPolicy | None = None,
) -> int:
    """One night as cron runs it: lock, job, summary; a night that stops half-way says why in
    one French line on stderr (full disk: EXIT_STORAGE; anything else: EXIT_BUG)."""
    state_dir = config.state_dir
    problem = unwritable(state_dir)
    if problem is not None:  # one clear line for the technician, before any log file or lock
        print(problem, file=sys.stderr)
        return EXIT_CONFIG
    secrets = Secrets.from_env(config.settings)
    setup_logging(state_dir, secrets)
    try:
        with run_lock(state_dir):
            ping(config.settings.healthcheck_url, "start")
            try:
                outcome = run_job(config, secrets, dry_run=dry_run, resolve=resolve, retry=retry)
            except Exception as error:
                ping(config.settings.healthcheck_url, "fail")
                problem = storage_problem(error, state_dir)
                if problem is None:
                    log.exception("the audit failed")  # a bug: the traceback is for whoever fixes it
                    print(bug_line(error, state_dir / "logs" / LOG_NAME), file=sys.stderr)
                    return EXIT_BUG
                log.error("the audit stopped: the state folder could not be written (%s)", error)
                print(problem, file=sys.stderr)
                return EXIT_STORAGE
            ping(config.settings.healthcheck_url, "success" if outcome.exit_status == EXIT_OK else "fail")
    except AlreadyRunning:
        log.warning("another run holds the lock in %s", state_dir)
        return EXIT_LOCKED
    print_summary(outcome)
    return outcome.exit_status


def unwritable(state_dir: Path) -> str | None:
    """Why the state folder cannot hold the history, logs and lock (French), or None when it can."""
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=state_dir):
            pass
    except OSError as error:
        return (
            f"Le dossier d’état {state_dir} n’est pas accessible en écriture ({french_os_error(error)})\u00a0: "
            "vérifiez state_dir dans settings.yaml et les droits de l’utilisateur qui lance Vigie."
        )
    return None


def daemon(config: Config, *, dry_run: bool = False) -> int:
    problem = unwritable(config.state_dir)
    if problem is not None:
        print(problem, file=sys.stderr)
        return EXIT_CONFIG
    setup_logging(config.state_dir, Secrets.from_env(config.settings))  # the schedule is in the log too
    return run_daemon(lambda: run_once(config, dry_run=dry_run), config.settings)


def demo(config: Config, *, dry_run: bool = False) -> int:
    """The whole job against the offline sandbox, under the demo state folder's lock (exit 75
    while another demo runs, like a real run)."""
    # The offline world is imported only to run --demo: a real night never loads the sandbox.
    from vigie_sandbox.demo import DEMO_STATE_DIR, demo_world

    try:
        with run_lock(DEMO_STATE_DIR), demo_world(config) as world:
            setup_logging(world.config.state_dir, world.secrets)
            outcome = run_job(world.config, world.secrets, dry_run=dry_run, resolve=world.resolve)
            print_summary(outcome, mail_folder=None if dry_run else world.mail.folder)
    except AlreadyRunning:
        print(
            f"Une autre démonstration est en cours (verrou {DEMO_STATE_DIR / 'vigie.lock'})\u00a0: "
            "attendez qu’elle se termine.",
            file=sys.stderr,
        )
        return EXIT_LOCKED
    return outcome.exit_status


def print_summary(outcome: JobOutcome, mail_folder: Path | None = None) -> None:
    print(french_summary(outcome, mail_folder))
