"""`--dry-run`: every e-mail is written as a `.eml` file under `STATE_DIR/outbox/` instead of being sent."""

from __future__ import annotations

import hashlib
import re
from email import policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from scanner.plumbing.atomic_write import write_atomic


def eml_name(message: EmailMessage) -> str:
    """`<date>-<subject slug>-<hash of Message-ID>.eml`: sorted by time, readable, unique."""
    date = message.get("Date")
    stamp = parsedate_to_datetime(date).strftime("%Y%m%d-%H%M%S") if date else "sans-date"
    subject = str(message.get("Subject", "")).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", subject.encode("ascii", "ignore").decode()).strip("-")[:48] or "message"
    identity = str(message.get("Message-ID") or message.as_bytes(policy=policy.SMTP)[:4096])
    digest = hashlib.sha256(identity.encode()).hexdigest()[:10]
    return f"{stamp}-{slug}-{digest}.eml"


def write_eml(message: EmailMessage, outbox_dir: Path) -> Path:
    """Write the message as RFC 5322 bytes (CRLF), atomically; the same message gives the same file."""
    path = Path(outbox_dir) / eml_name(message)
    write_atomic(path, message.as_bytes(policy=policy.SMTP))
    return path
