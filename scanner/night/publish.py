"""After the audit: remember (history), notify principals, report to the coordinator.

Order matters: the run is recorded first (notices point to it), notices are sent next
(the coordinator's report lists what became of them), the report last.
`publish` returns what happened (`Published`): the exit status is `scanner.night.job`'s to decide.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from scanner.checks.base import Check, Severity, Status, picture_url
from scanner.checks.catalogue import CATALOGUE
from scanner.config.logos import OfficialLogo
from scanner.config.models import Config
from scanner.history.lookups import save_lookup_state
from scanner.history.store import UNFINISHED, History
from scanner.mail.delivery import DeliveryError, send
from scanner.mail.outbox import write_eml
from scanner.mail.render import render_report, secret_variables
from scanner.night.outcomes import AuditOutcome
from scanner.notices.deliver import Delivery, send_notices
from scanner.plumbing.secrets import Secrets, scrub
from scanner.report.archive import save_report
from scanner.report.model import NoticeEntry, RunInfo, build_report, logo_key, picture_key

log = logging.getLogger(__name__)

REPORT_IMAGE_WORKERS = 8


@dataclass
class Published:
    """What publishing did: the files written, the notices, and whether the report reached the relay."""

    report_json: Path | None
    report_html: Path | None
    report_xlsx: Path | None
    coordinator_mail: Path | None  # the .eml written in dry-run, or kept when the relay refused it
    report_delivered: bool  # sent to the relay (or written, in dry-run)
    notices: list[Delivery] = field(default_factory=list)
    summary: dict = field(default_factory=dict)


def publish(
    config: Config,
    secrets: Secrets,
    outcome: AuditOutcome,
    *,
    run_id: str,
    dry_run: bool,
    clock: Callable[[], dt.datetime],
    logos: Mapping[str, OfficialLogo] | None = None,
    fetch_image: Callable[[str], bytes | None] | None = None,
) -> Published:
    settings, registry = config.settings, config.registry
    state_dir = config.state_dir
    status = "complete" if outcome.complete else "partial"
    # A dry run works on the real history inside a transaction that is rolled back: it reads
    # everything a real night reads and leaves the history as it found it.
    with History.in_state_dir(state_dir, rollback=dry_run) as history:
        night = history.record_night(
            run_id,
            outcome.started_at,
            outcome.finished_at,
            UNFINISHED,  # until its report is handed over: a night cut short is reported by the next
            outcome.accounts,
            outcome.results,
            outcome.snapshots,
            secrets,
            not_counted=not_counted(CATALOGUE),
            discovery_complete=outcome.discovery_complete,
            posts=outcome.posts.ledger if outcome.posts is not None else None,
        )
        if outcome.lookups is not None:
            save_lookup_state(history, outcome.lookups.after_reading(outcome.discovered))
        findings = night.findings
        log_findings(run_id, findings, night.held, night.unreported)
        deliveries = send_notices(
            history,
            findings,
            registry,
            settings,
            run_id=run_id,
            now=clock(),
            dry_run=dry_run,
            outbox=state_dir / "outbox",
            secrets=secrets,
            catalogue=CATALOGUE,
            reviews=history.pending_reviews(),
        )
        log_notices(run_id, deliveries)
        earlier = history.sent_notices_of(night.unreported)
        report = build_report(
            run=RunInfo(run_id, outcome.started_at, outcome.finished_at, status),
            registry=registry,
            catalogue=CATALOGUE,
            accounts=outcome.accounts,
            results=outcome.results,
            findings=findings,
            timezone=settings.timezone,
            generated_at=clock(),
            snapshots=outcome.snapshots,
            discovered=outcome.discovered,
            notices=[d.entry() for d in deliveries] + [_earlier_entry(r) for r in earlier],
            trend=history.trend(30),
            held=night.held,
            unreported=tuple(r.started_at for r in history.runs_by_id(night.unreported)),
            unread_sites=outcome.unread_sites,
            platform_notes=outcome.notes,
            posts_judged=int(outcome.posts.stats.get("posts", 0)) if outcome.posts is not None else 0,
            thumbnails=tuple(outcome.posts.thumbnails) if outcome.posts is not None else (),
        )
        images = report_images(outcome, logos or {}, fetch_image, CATALOGUE)
        if outcome.posts is not None:
            images.update(outcome.posts.thumbnails)
        files = save_report(
            report,
            state_dir,
            images=images,
            max_html_bytes=settings.report.max_html_bytes,
            variables=secret_variables(settings),
        )
        workbook = attached_workbook(settings.report.attach_xlsx, settings.report.max_xlsx_bytes, files.xlsx)
        mailed, delivered = mail_report(
            config, secrets, report, images, dry_run=dry_run, now=clock(), workbook=workbook
        )
        if dry_run:
            log.info("run %s: dry run, report written to %s; the history is left as it was", run_id, mailed)
        elif delivered:
            history.finish_run(run_id, status)
            log.info("run %s: report handed over to %s", run_id, settings.smtp.host)
        else:
            log.warning("run %s: report not handed over; the next night reports this one's news", run_id)
        if not dry_run:
            pruned = history.prune(settings.history.keep_nights)
            history.checkpoint()
            if pruned:
                log.info("history: per-check results of %d night(s) beyond %d pruned", pruned,
                         settings.history.keep_nights)  # fmt: skip
    return Published(
        report_json=files.json,
        report_html=files.html,
        report_xlsx=files.xlsx,
        coordinator_mail=mailed,
        report_delivered=delivered,
        notices=deliveries,
        summary={
            "accounts": len(outcome.accounts),
            "verified": sum(a.verified for a in outcome.accounts),
            "non_conforme": report.summary.checks_non_conforme,  # recommendations (info) left out
            "new": report.summary.new,
            "resolved": report.summary.resolved,
            "retired": report.summary.retired,
            "held": len(night.held),
            "rate": report.summary.rate,
            "compliant": report.summary.accounts_compliant,
            "unverified": [(a.id, a.reason) for a in outcome.accounts if not a.verified],
            # accounts found outside the registry that present themselves as the board's (not every
            # account the sites and the look-ups brought back: a camping is read, and not counted)
            "discovered": sum(
                r.check == "account.unregistered" and r.status is Status.NON_CONFORME for r in outcome.results
            ),
            "unread_sites": list(outcome.unread_sites),
            "unreported": len(night.unreported),
            "dry_run": dry_run,
        },
    )


def not_counted(catalogue: Mapping[str, Check]) -> set[str]:
    """Checks left out of the compliance rate: recommendations (`info`), and the content checks,
    judged post by post (2,000 posts a night would drown the accounts' verdicts)."""
    return {c.id for c in catalogue.values() if c.severity is Severity.INFO or c.per_post}


def attached_workbook(attach: bool, max_bytes: int, path: Path | None) -> bytes | None:
    """The night's workbook for the coordinator's e-mail, unless the settings say no or it is too big
    for the relay (Postfix refuses a message over 10 MB by default; base64 adds a third)."""
    if not attach or path is None:
        return None
    size = path.stat().st_size
    if size > max_bytes:
        log.warning("the workbook %s (%d bytes) is over report.max_xlsx_bytes: not attached", path, size)
        return None
    return path.read_bytes()


def log_findings(run_id: str, findings, held, unreported) -> None:
    counts = Counter(str(f.state) for f in findings)
    log.info(
        "run %s: findings new %d, open %d, resolved %d, retired %d",
        run_id, counts["new"], counts["open"], counts["resolved"], counts["retired"],
    )  # fmt: skip
    if held:
        log.warning("run %s: the registry lost more than half its accounts: %d not retired tonight",
                    run_id, len(held))  # fmt: skip
    if unreported:
        log.warning("run %s: carries the news of %d night(s) never reported: %s", run_id, len(unreported),
                    ", ".join(unreported))  # fmt: skip


def log_notices(run_id: str, deliveries) -> None:
    counts = Counter(d.state for d in deliveries)
    log.info(
        "run %s: notices sent %d, queued %d, failed %d, written %d, interrupted earlier %d",
        run_id, counts["sent"], counts["queued"], counts["failed"], counts["written"],
        sum(d.interrupted for d in deliveries),
    )  # fmt: skip


def _earlier_entry(record):
    return NoticeEntry(
        to=record.recipients, school=record.school, kind=record.kind, findings=record.findings, earlier=True
    )


def report_images(
    outcome: AuditOutcome,
    logos: Mapping[str, OfficialLogo],
    fetch_image: Callable[[str], bytes | None] | None,
    catalogue: Mapping[str, Check],
) -> dict[str, bytes]:
    """The official logos, and the picture each picture finding shows beside its logo (its check's
    `evidence`)."""
    images = {logo_key(key): logo.data for key, logo in logos.items()}
    if fetch_image is None:
        return images
    keys: dict[str, str] = {}  # image key -> URL
    for result in outcome.results:
        check = catalogue.get(result.check)
        if check is None or check.evidence is None or result.status is not Status.NON_CONFORME:
            continue
        url = picture_url(outcome.snapshots.get(result.account), check.evidence.picture)
        if url:
            keys[picture_key(check.evidence.picture, result.account)] = url
    if keys:  # a new finding's picture is downloaded (once, then kept on disk): several at a time
        with ThreadPoolExecutor(max_workers=min(REPORT_IMAGE_WORKERS, len(keys))) as pool:
            fetched = dict(zip(keys, pool.map(fetch_image, keys.values()), strict=True))
        images.update((key, data) for key, data in fetched.items() if data)
    return images


def mail_report(
    config: Config,
    secrets: Secrets,
    report,
    images,
    *,
    dry_run: bool,
    now: dt.datetime,
    workbook: bytes | None = None,
):
    """Send the coordinator's report, or write it to the outbox. Returns (path of the .eml, delivered)."""
    settings = config.settings
    message = render_report(report, config.registry, settings, now, images=images, workbook=workbook)
    outbox = config.state_dir / "outbox"
    if dry_run:
        return write_eml(message, outbox), True
    try:
        send(message, settings.smtp, secrets.smtp_password)
    except (DeliveryError, OSError) as error:
        kept = write_eml(message, outbox / "non-envoyes")
        log.error("the report e-mail could not be sent (%s); kept in %s", scrub(str(error), secrets), kept)
        return kept, False
    return None, True
