"""Logging to stderr and to a rotating file under `STATE_DIR/logs/`, secrets scrubbed.

The scrubbing filter sits on the *handlers*, not on a logger: a filter on a
logger does not see the records that its children propagate, while a handler
filter sees every record it is about to write, from any library (requests,
urllib3, smtplib…). It rewrites the message, the exception text and the stack
text with `scanner.plumbing.secrets.scrub`: every secret value read from the
environment, and anything shaped like `token=…`/`access_token=…` in a URL.

Logs are for the technician and may be in English.
"""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TextIO

from scanner.plumbing.secrets import Secrets, scrub

LOG_NAME = "vigie.log"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_MARK = "_vigie_handler"


class ScrubFilter(logging.Filter):
    """Replaces secrets in a record before any handler formats it. Never drops a record."""

    def __init__(self, secrets: Secrets | None = None) -> None:
        super().__init__()
        self.secrets = secrets
        self._formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad %-format: keep what we can, scrubbed
            message = f"{record.msg!s} {record.args!r}"
        record.msg = scrub(message, self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info, self.secrets)
        return True


def setup_logging(
    state_dir: Path | None,
    secrets: Secrets | None = None,
    *,
    level: int = logging.INFO,
    stream: TextIO | None = None,
    max_bytes: int = 2_000_000,
    backup_count: int = 10,
) -> ScrubFilter:
    """Install the stderr and file handlers on the root logger (once: calling again replaces them).

    Returns the filter, whose `secrets` may be set later (once the settings are
    read). With `state_dir=None` only stderr is used (`check`, before the
    configuration is known).
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _MARK, False):
            root.removeHandler(handler)
            handler.close()

    scrubber = ScrubFilter(secrets)
    formatter = logging.Formatter(FORMAT)
    console = logging.StreamHandler(stream or sys.stderr)
    # cron mails stderr: only what needs a look there, the night's story goes to the file (debug: both)
    console.setLevel(level if level <= logging.DEBUG else logging.WARNING)
    handlers: list[logging.Handler] = [console]
    if state_dir is not None:
        folder = Path(state_dir) / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        handlers.append(
            RotatingFileHandler(
                folder / LOG_NAME, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
            )
        )
    for handler in handlers:
        handler.addFilter(scrubber)
        handler.setFormatter(formatter)
        setattr(handler, _MARK, True)
        root.addHandler(handler)
    root.setLevel(level)
    # urllib3 logs full URLs (with query strings) at DEBUG; keep it at WARNING unless asked.
    if level > logging.DEBUG:
        logging.getLogger("urllib3").setLevel(logging.WARNING)
    return scrubber


def log_path(state_dir: Path) -> Path:
    return Path(state_dir) / "logs" / LOG_NAME
