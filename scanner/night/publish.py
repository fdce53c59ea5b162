"""After the audit: remember (history), notify principals, report to the coordinator.

Order matters: the run is recorded first (notices point to it), notices are sent next
(the coordinator's report lists what became of them), the report last.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from scanner.checks.base import Severity, Status
from scanner.config.models import Config
from scanner.history.store import History
from scanner.night.audit import AuditOutcome
from scanner.night.job import EXIT_OK, EXIT_REPORT_UNSENT, EXIT_UNVERIFIED
from scanner.plumbing.secrets import Secrets, scrub

log = logging.getLogger(__name__)

LOGO_CHECKS = ("logo.school", "logo.board")
REPORT_IMAGE_WORKERS = 8


def publish(
    config: Config,
    secrets: Secrets,
    outcome: AuditOutcome,
    *,
    run_id: str,
    dry_run: bool,
    clock: Callable[[], dt.datetime],
    fetch_image: Callable[[str], bytes | None] | None = None,
):
    from scanner.checks.catalogue import CATALOGUE
    from scanner.night.job import JobOutcome
    from scanner.notices.deliver import send_notices
    from scanner.report.archive import save_report
    from scanner.report.model import RunInfo, build_report

    settings, registry = config.settings, config.registry
    state_dir = config.state_dir
    status = "complete" if outcome.complete else "partial"
    with History.in_state_dir(state_dir) as history:
        findings = history.record_run(
            run_id,
            outcome.started_at,
            outcome.finished_at,
            status,
            outcome.accounts,
            outcome.results,
            outcome.snapshots,
            secrets,
            not_counted={c.id for c in CATALOGUE.values() if c.severity is Severity.INFO},
        )
        deliveries = send_notices(
            history,
            findings,
            registry,
            settings,
            run_id=run_id,
            now=clock(),
            password=secrets.smtp_password,
            dry_run=dry_run,
            outbox=state_dir / "outbox",
            secrets=secrets,
            catalogue=CATALOGUE,
        )
        trend = history.trend(30)
    report = build_report(
        run=RunInfo(run_id, outcome.started_at, outcome.finished_at, status),
        platform_notes=outcome.notes,
        registry=registry,
        catalogue=CATALOGUE,
        accounts=outcome.accounts,
        results=outcome.results,
        findings=findings,
        timezone=settings.timezone,
        generated_at=clock(),
        snapshots=outcome.snapshots,
        discovered=outcome.discovered,
        notices=[d.entry() for d in deliveries],
        trend=trend,
    )
    images = report_images(config, outcome, fetch_image)
    from scanner.mail.render import secret_variables

    files = save_report(
        report,
        state_dir,
        images=images,
        max_html_bytes=settings.report.max_html_bytes,
        variables=secret_variables(settings),
    )
    mailed, delivered = mail_report(config, secrets, report, images, dry_run=dry_run, now=clock())
    exit_status = EXIT_OK if outcome.complete else EXIT_UNVERIFIED
    if not delivered:
        exit_status = EXIT_REPORT_UNSENT
    return JobOutcome(
        run_id=run_id,
        exit_status=exit_status,
        report_json=files.json,
        report_html=files.html,
        coordinator_mail=mailed,
        notices=deliveries,
        summary={
            "accounts": len(outcome.accounts),
            "verified": sum(a.verified for a in outcome.accounts),
            "non_conforme": report.summary.checks_non_conforme,  # recommendations (info) left out
            "new": report.summary.new,
            "resolved": report.summary.resolved,
            "rate": report.summary.rate,
            "compliant": report.summary.accounts_compliant,
            "unverified": [(a.id, a.reason) for a in outcome.accounts if not a.verified],
            "discovered": len(outcome.discovered),
            "dry_run": dry_run,
        },
    )


def report_images(
    config: Config, outcome: AuditOutcome, fetch_image: Callable[[str], bytes | None] | None
) -> dict[str, bytes]:
    """The official logos, and the avatar found for every logo finding (shown side by side)."""
    from scanner.mail.render import official_logos
    from scanner.report.model import avatar_key, cover_key

    images = official_logos(config)
    if fetch_image is None:
        return images
    wanted = {
        r.account: r.check
        for r in outcome.results
        if r.check in LOGO_CHECKS and r.status is Status.NON_CONFORME
    }
    keys: dict[str, str] = {}  # image key -> URL
    for account, check in wanted.items():
        snap = outcome.snapshots.get(account)
        url = snap and (snap.cover_url if check == "logo.board" else snap.avatar_url)
        if url:
            keys[(cover_key if check == "logo.board" else avatar_key)(account)] = url
    if keys:  # a new finding's picture is downloaded (once, then kept on disk): several at a time
        with ThreadPoolExecutor(max_workers=min(REPORT_IMAGE_WORKERS, len(keys))) as pool:
            fetched = dict(zip(keys, pool.map(fetch_image, keys.values()), strict=True))
        images.update((key, data) for key, data in fetched.items() if data)
    return images


def mail_report(config: Config, secrets: Secrets, report, images, *, dry_run: bool, now: dt.datetime):
    """Send the coordinator's report, or write it to the outbox. Returns (path of the .eml, delivered)."""
    from scanner.mail.delivery import DeliveryError, send
    from scanner.mail.outbox import write_eml
    from scanner.mail.render import render_report

    settings = config.settings
    message = render_report(report, config.registry, settings, now, images=images)
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
