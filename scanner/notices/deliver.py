"""Exactly-once delivery of notices over the history's notice records.

The protocol, per notice (its id is its Message-ID):

1. **record** — `History.queue_notice` stores the finished message's bytes, its
   recipients and findings, and commits, *before* any SMTP traffic;
2. **attempt** — `History.mark_notice_sending` writes « attempt in progress »
   on the record and commits, then the SMTP transaction runs;
3. **outcome** — accepted (even if some recipients were refused one by one):
   `mark_notice_sent`; temporary failure (4xx, connection refused, timeout):
   `mark_notice_failed` with a `temporaire` error, retried on the next run;
   permanent failure (5xx for the message or every recipient, login refused):
   `mark_notice_failed` with a `permanent` error: reported, never retried, and
   since its findings were not notified, the next run plans them again.

What a crash leaves behind, and what the next run does:

- between 1 and 2: a queued record, never attempted: it is sent (same bytes,
  same Message-ID); nobody received it, nobody receives it twice;
- during 2 or 3: a record still marked « attempt in progress ». The server may
  or may not have accepted the message (there is no way to ask it). Losing a
  notice is worse than a duplicate, so it is sent again — with the *same*
  Message-ID, which lets the receiving server or mail client drop the second
  copy — and the delivery is flagged `interrupted` for the coordinator's report.
  This window is the few milliseconds between the server's « 250 » and our commit.

A school with a notice still waiting (a retry) gets no new notice in the same run,
so a principal never receives two e-mails from one run. `--dry-run` writes every
message (retries included) under `STATE_DIR/outbox/` and records nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from scanner.checks.base import Check
from scanner.config.models import Registry, Settings, SmtpSettings
from scanner.history.findings import Finding
from scanner.history.posts import Review
from scanner.history.store import History, NoticeRecord
from scanner.mail.delivery import (
    DeliveryError,
    RecipientsRefused,
    ReusedConnection,
    SendResult,
    recipients_of,
    recorded_message,
)
from scanner.mail.delivery import send as smtp_send
from scanner.mail.flatten import smtp_bytes
from scanner.mail.outbox import write_eml
from scanner.notices.plan import Notice, NoticeLog, PastNotice, plan_notices
from scanner.notices.render import render_notice
from scanner.notices.thumbnails import NOTICE_THUMBNAILS, faces_posts
from scanner.plumbing.secrets import Secrets, scrub
from scanner.report.model import NoticeEntry

log = logging.getLogger(__name__)

Send = Callable[[EmailMessage, SmtpSettings, "str | None"], SendResult]

INTERRUPTED = "interrompu"  # prefix of the error while an attempt is in progress
TEMPORARY = "temporaire"
PERMANENT = "permanent"


@dataclass(frozen=True)
class Delivery:
    """What became of one notice tonight: for the coordinator's report and the JSON."""

    id: str  # the Message-ID
    school: str
    kind: str
    recipients: tuple[str, ...]
    findings: tuple[str, ...]
    state: str  # sent | queued (retried next run) | failed (permanent) | written (dry run)
    error: str | None = None
    refused: Mapping[str, str] = field(default_factory=dict)  # address -> "550 …", the others got it
    retry: bool = False  # recorded by an earlier run
    interrupted: bool = False  # an earlier attempt was cut short: may arrive twice, same Message-ID
    path: Path | None = None  # the .eml, in dry run

    def entry(self):
        """The report's `notices[]` entry."""
        return NoticeEntry(
            to=self.recipients,
            school=self.school,
            kind=self.kind,
            findings=self.findings,
            interrupted=self.interrupted,
        )


def notice_log(history: History, registry: Registry) -> NoticeLog:
    """What earlier runs notified: per school, the last notice sent and the last escalation sent."""
    last_sent: dict[str, PastNotice] = {}
    last_escalation: dict[str, PastNotice] = {}
    for school in registry.schools:
        for kind, into in ((None, last_sent), ("escalation", last_escalation)):
            record = history.last_notice_for(school.id, kind)
            if record is not None:
                into[school.id] = _past(record)
    pending = frozenset(record.school for record in pending_records(history))
    return NoticeLog(last_sent=last_sent, last_escalation=last_escalation, pending_schools=pending)


def _past(record: NoticeRecord) -> PastNotice:
    return PastNotice(
        id=record.id,
        school=record.school,
        kind=record.kind,
        findings=frozenset(record.findings),
        created_at=record.created_at,
        sent_at=record.sent_at,
    )


def pending_records(history: History) -> list[NoticeRecord]:
    """Notices to (re)send: queued, interrupted, or failed for a temporary reason."""
    return [r for r in history.pending_notices() if not (r.error or "").startswith(PERMANENT)]


def send_notices(
    history: History,
    findings: Sequence[Finding],
    registry: Registry,
    settings: Settings,
    *,
    run_id: str,
    now: dt.datetime,
    dry_run: bool = False,
    outbox: Path | None = None,
    secrets: Secrets | None = None,
    catalogue: Mapping[str, Check] | None = None,
    send: Send = smtp_send,
    reviews: Sequence[Review] = (),
) -> list[Delivery]:
    """Tonight's notices, end to end: retry what earlier runs left, plan, render, record, send.

    Call it after `History.record_run` (with the findings it returned) and before
    rendering the coordinator's report (which lists the deliveries).
    """
    password = secrets.smtp_password if secrets else None  # the SMTP password's one way in
    log_before = notice_log(history, registry)
    pending = pending_records(history)
    planned = plan_notices(
        findings, registry, settings, now, log_before, catalogue=catalogue, reviews=reviews
    )
    # A generator: each message is rendered, recorded (as bytes) and dropped before the next,
    # so a night with hundreds of notices never holds hundreds of message trees (nor their
    # pictures: each notice's thumbnails are read from the history as it is rendered) at once.
    messages = (
        (n, render_notice(n, registry, settings, run_id=run_id, now=now, thumbnails=_thumbnails(history, n)))
        for n in planned
    )
    if dry_run:
        folder = outbox or Path(settings.state_dir) / "outbox"
        retried = [_write(_message(r), folder, r, retry=True) for r in pending]
        return retried + [_write(m, folder, _record_of(n, m, run_id, now)) for n, m in messages]
    with contextlib.ExitStack() as stack:
        if send is smtp_send:  # one connection for the whole night's notices
            send = stack.enter_context(ReusedConnection())
        deliveries = [
            *deliver_records(
                history, pending, settings.smtp, password, now, send=send, secrets=secrets, retry=True
            )
        ]
        records = queue(history, messages, run_id=run_id, now=now)
        deliveries += deliver_records(
            history, records, settings.smtp, password, now, send=send, secrets=secrets
        )
    return deliveries


def _thumbnails(history: History, notice: Notice) -> dict[tuple[str, str], bytes]:
    """The stored pictures of the notice's posts with faces, as many as it shows."""
    wanted = faces_posts(notice.reviews)
    return history.review_thumbnails(wanted, NOTICE_THUMBNAILS) if wanted else {}


def queue(
    history: History, messages: Iterable[tuple[Notice, EmailMessage]], *, run_id: str, now: dt.datetime
) -> list[NoticeRecord]:
    """Step 1: record each notice, message bytes included, before anything is sent."""
    records = []
    for notice, message in messages:
        record = _record_of(notice, message, run_id, now)
        if not history.queue_notice(
            record.id,
            run_id=run_id,
            school=record.school,
            kind=record.kind,
            recipients=record.recipients,
            findings=record.findings,
            created_at=now,
            message=record.message,
        ):
            log.warning("notice %s was already recorded; not sent again from this run", record.id)
            continue
        # « À vérifier » goes out once: recorded with the notice that carries it (its pictures
        # included, in the message's bytes: a retry re-sends them as they were)
        if notice.reviews:
            history.mark_reviewed(((r.account.id, r.post_id) for r in notice.reviews), run_id)
        records.append(record)
    return records


def deliver_records(
    history: History,
    records: Sequence[NoticeRecord],
    smtp: SmtpSettings,
    password: str | None,
    now: dt.datetime,
    *,
    send: Send = smtp_send,
    secrets: Secrets | None = None,
    retry: bool = False,
) -> list[Delivery]:
    """Steps 2 and 3 for recorded notices. After a connection-level failure the rest stay queued."""
    deliveries: list[Delivery] = []
    unreachable: str | None = None
    for record in records:
        interrupted = retry and (record.error or "").startswith(INTERRUPTED)
        if unreachable is not None:
            deliveries.append(_delivery(record, "queued", unreachable, retry=retry, interrupted=interrupted))
            continue
        delivery, connection_failed = _attempt(
            history, record, smtp, password, now, send, secrets, retry, interrupted
        )
        deliveries.append(delivery)
        if connection_failed:
            unreachable = delivery.error
    return deliveries


def _attempt(
    history: History,
    record: NoticeRecord,
    smtp: SmtpSettings,
    password: str | None,
    now: dt.datetime,
    send: Send,
    secrets: Secrets | None,
    retry: bool,
    interrupted: bool,
) -> tuple[Delivery, bool]:
    """One attempt; also says whether the server could not be reached at all (no SMTP reply)."""
    message = recorded_message(record.message, record.recipients) if record.message else _message(record)
    history.mark_notice_sending(record.id, f"{INTERRUPTED} : tentative commencée le {now.isoformat()}")
    try:
        result = send(message, smtp, password)
    except DeliveryError as error:
        text = scrub(str(error), secrets)
        if error.temporary:
            reason = f"{TEMPORARY} : {text}"
            history.mark_notice_failed(record.id, reason)
            log.warning("notice %s to %s not sent, will retry: %s", record.id, record.school, text)
            unreachable = error.code is None and not isinstance(error, RecipientsRefused)
            return _delivery(record, "queued", reason, retry=retry, interrupted=interrupted), unreachable
        reason = f"{PERMANENT} : {text}"
        history.mark_notice_failed(record.id, reason)
        log.error("notice %s to %s refused: %s", record.id, record.school, text)
        return _delivery(record, "failed", reason, retry=retry, interrupted=interrupted), False
    history.mark_notice_sent(record.id, now)
    refused = {
        address: scrub(f"{code} {reply}", secrets) for address, (code, reply) in result.refused.items()
    }
    if refused:
        log.warning("notice %s: recipients refused: %s", record.id, ", ".join(sorted(refused)))
    return _delivery(record, "sent", None, refused=refused, retry=retry, interrupted=interrupted), False


def _delivery(record: NoticeRecord, state: str, error: str | None, **extra) -> Delivery:
    return Delivery(
        id=record.id,
        school=record.school,
        kind=record.kind,
        recipients=record.recipients,
        findings=record.findings,
        state=state,
        error=error,
        **extra,
    )


def _record_of(notice: Notice, message: EmailMessage, run_id: str, now: dt.datetime) -> NoticeRecord:
    return NoticeRecord(
        id=str(message["Message-ID"]),
        run_id=run_id,
        school=notice.school.id,
        kind=str(notice.kind),
        recipients=tuple(recipients_of(message)),
        findings=notice.findings,
        state="queued",
        created_at=now,
        message=smtp_bytes(message),  # as_bytes(policy=policy.SMTP)
    )


def _message(record: NoticeRecord) -> EmailMessage:
    """The exact message recorded (same bytes, same Message-ID)."""
    if not record.message:
        raise ValueError(f"notice {record.id} has no stored message")
    return message_from_bytes(record.message, _class=EmailMessage, policy=policy.default)  # type: ignore[arg-type]


def _write(message: EmailMessage, folder: Path, record: NoticeRecord, *, retry: bool = False) -> Delivery:
    path = write_eml(message, folder)
    return _delivery(record, "written", None, retry=retry, path=path)
