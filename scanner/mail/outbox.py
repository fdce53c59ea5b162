"""`--dry-run`: every e-mail is written as a `.eml` file under `STATE_DIR/outbox/` instead of being sent."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from email import policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from scanner.plumbing.atomic_write import write_atomic

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def ascii_slug(text: str, limit: int = 48) -> str:
    """« École Héritage : 3 non-conformités » -> `ecole-heritage-3-non-conformites` (letters transliterated)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", bare.encode("ascii", "ignore").decode()).strip("-")[:limit].strip("-")


def eml_name(message: EmailMessage) -> str:
    """`<date>-<subject slug>-<hash of Message-ID>.eml`: sorted by time, readable, unique."""
    date = message.get("Date")
    stamp = parsedate_to_datetime(date).strftime("%Y%m%d-%H%M%S") if date else "sans-date"
    slug = ascii_slug(str(message.get("Subject", ""))) or "message"
    identity = str(message.get("Message-ID") or message.as_bytes(policy=policy.SMTP)[:4096])
    digest = hashlib.sha256(identity.encode()).hexdigest()[:10]
    return f"{stamp}-{slug}-{digest}.eml"


def write_eml(message: EmailMessage, outbox_dir: Path) -> Path:
    """Write the message as RFC 5322 bytes (CRLF), atomically; the same message gives the same file."""
    path = Path(outbox_dir) / eml_name(message)
    write_atomic(path, message.as_bytes(policy=policy.SMTP))
    return path
