"""The e-mails of one demo night, as people receive them: for the tests that read or display them.

`demo_night(state_dir, clock)` runs the whole job against the CSNO sandbox world (as `--demo`
does), its e-mails going through the loopback SMTP server, and returns the report as archived
(HTML with its images beside it) and every message received.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import html
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

from scanner.config.load import load_config
from scanner.night.job import JobOutcome, run_job
from vigie_sandbox.demo import demo_world

ROOT = Path(__file__).resolve().parents[1]
FIRST_OF_DECEMBER = dt.datetime(2026, 12, 1, 11, 0, tzinfo=dt.UTC)  # 4 h 00 in Edmonton, the 1st


@dataclass(frozen=True)
class DemoNight:
    outcome: JobOutcome
    messages: list[EmailMessage]

    @property
    def report(self) -> EmailMessage:
        return next(m for m in self.messages if m["X-Vigie-Notice"] is None)

    @property
    def notices(self) -> list[EmailMessage]:
        return [m for m in self.messages if m["X-Vigie-Notice"] is not None]

    def notice_to(self, address: str) -> EmailMessage:
        return next(m for m in self.notices if address in m["To"])


def demo_night(state_dir: Path, clock=lambda: FIRST_OF_DECEMBER) -> DemoNight:
    config = load_config(ROOT / "config")
    with demo_world(config, state_dir) as world:
        outcome = run_job(world.config, world.secrets, resolve=world.resolve, clock=clock)
        received = sorted(world.mail.received)
    messages = [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in received]
    return DemoNight(outcome, messages)


def html_part(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def html_with_images(message: EmailMessage) -> str:
    """The HTML part with each `cid:` it names replaced by that Content-ID's part of the message, as a
    `data:` URL: what a mail client shows. A `cid:` with no such part is left as it is (never loads)."""
    parts = {str(p["Content-ID"]).strip("<>"): p for p in message.walk() if p["Content-ID"]}

    def data_url(found: re.Match) -> str:
        part = parts.get(found.group(1))
        if part is None:
            return found.group(0)
        data = base64.b64encode(part.get_payload(decode=True)).decode("ascii")
        return f"data:{part.get_content_type()};base64,{data}"

    return re.sub(r"cid:([^\"'\s>]+)", data_url, html_part(message))


def text_part(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


class _Text(HTMLParser):
    """The text a reader sees: text nodes of <body>, and alt texts; no style, no comments."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "head"):
            self._skip += 1
        for name, value in attrs:
            if name in ("alt", "title") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("style", "script", "head"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(document: str) -> str:
    parser = _Text()
    parser.feed(document)
    return html.unescape("\n".join(parser.parts))


_ADDRESSES = re.compile(r"\S*(?:://|@)\S*|\b\d{1,2}:\d{2}\b")


def prose(text: str) -> str:
    """`text` without URLs, e-mail addresses and clock times: what the typography rules apply to."""
    return _ADDRESSES.sub(" ", text)
