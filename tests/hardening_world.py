"""A small CSNO world for the hardening tests: two schools, four accounts, a sandbox, an SMTP server.

`HardWorld` writes a real configuration folder (registry.yaml, settings.yaml, the logos)
under a temporary directory, points it at a running `SandboxServer` and at an aiosmtpd
server (`Mailbox`), and runs the job as cron would (`run_job`), with planted secrets the
sandbox and the SMTP server accept. Tests change the world (hostile names, faults) and
the mailbox (refused recipients, 451, down) and look at everything the run left behind.

Accounts (every one DA 142-compliant on its platform unless a test changes it):

    eqv-facebook   facebook   EQVCSNO        official page of École des Quatre-Vents
    eqv-x          x          EQV_CSNO
    eh-youtube     youtube    @EHCSNO
    eh-instagram   instagram  eh_csno
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import re
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from scanner.config.load import load_config
from scanner.config.models import Config
from scanner.platforms.retry import RetryPolicy
from scanner.plumbing.secrets import Secret, Secrets
from vigie_sandbox.demo import free_port  # noqa: F401 - the helpers' tests use it from here
from vigie_sandbox.server import SandboxServer
from vigie_sandbox.world import World

ROOT = Path(__file__).resolve().parents[1]
LOGOS = ROOT / "config" / "logos"

# Planted secrets: recognisable, accepted by the sandbox and the SMTP server, and never
# to be found in anything the run writes.
FB_TOKEN = "EAAB-SECRET-FB-4f1c9e77d2"
X_TOKEN = "X-SECRET-bearer-8a2b6c0e19"
YT_KEY = "YT-SECRET-key-3d5e7f9a1b"
SMTP_PASSWORD = "SMTP-SECRET-pw-6c8e0a2d4f"
SMTP_USER = "audit@csno.ab.ca"
PLANTED = (FB_TOKEN, X_TOKEN, YT_KEY, SMTP_PASSWORD)
ENV = {
    "FACEBOOK_ACCESS_TOKEN": FB_TOKEN,
    "X_BEARER_TOKEN": X_TOKEN,
    "YOUTUBE_API_KEY": YT_KEY,
    "SMTP_PASSWORD": SMTP_PASSWORD,
}
SECRETS = Secrets(
    facebook_token=Secret(FB_TOKEN),
    x_bearer_token=Secret(X_TOKEN),
    youtube_api_key=Secret(YT_KEY),
    smtp_password=Secret(SMTP_PASSWORD),
)
# Short waits: a platform outage costs a few hundredths of a second, not half a minute.
FAST_RETRY = RetryPolicy(attempts=3, base=0.01, cap=0.02, budget=0.5, max_server_wait=0.5)
IG_BUSINESS_ID = "17841400000000000"

EQV_ADMINS = [
    {"name": "Julie Côté", "email": "julie.cote@csno.ab.ca", "role": "enseignant"},
    {"name": "Sophie Tremblay", "email": "direction.eqv@csno.ab.ca", "role": "direction"},
]
EH_ADMINS = [
    {"name": "Marc Gagné", "email": "marc.gagne@csno.ab.ca", "role": "enseignant"},
    {"name": "Luc Bergeron", "email": "direction.eh@csno.ab.ca", "role": "direction"},
]
PLAN = {
    "objectif": "Informer les familles",
    "public": "Parents et élèves",
    "nature": "Annonces et photos",
    "calendrier": "hebdomadaire",
}
PERMISSION = {"approved_by": "Direction", "date": "2025-09-03"}


def registry_data() -> dict[str, Any]:
    def account(id_, school, network, handle, name, admins, official=False):
        return {
            "id": id_,
            "school": school,
            "network": network,
            "handle": handle,
            "official": official,
            "name": name,
            "admins": admins,
            "plan": PLAN,
            "permission": PERMISSION,
        }

    return {
        "board": {
            "name": "Conseil scolaire du Nord-Ouest",
            "suffix": "CSNO",
            "website": "https://www.csno.ab.ca",
            "email_domains": ["csno.ab.ca"],
            "logo": "logos/csno.png",
            "coordinator": {"name": "Isabelle Gagnon", "email": "communications@csno.ab.ca"},
            "direction_generale": {"name": "Marc-André Lavoie", "email": "dg@csno.ab.ca"},
        },
        "schools": [
            {
                "id": "eqv",
                "name": "École des Quatre-Vents",
                "acronyms": ["ÉQV"],
                "website": "https://eqv.csno.ab.ca",
                "email": "eqv@csno.ab.ca",
                "logo": "logos/eqv.png",
                "principal": {"name": "Sophie Tremblay", "email": "direction.eqv@csno.ab.ca"},
            },
            {
                "id": "eh",
                "name": "École Héritage",
                "acronyms": ["ÉH"],
                "website": "https://eh.csno.ab.ca",
                "email": "eh@csno.ab.ca",
                "logo": "logos/eh.png",
                "principal": {"name": "Luc Bergeron", "email": "direction.eh@csno.ab.ca"},
            },
        ],
        "accounts": [
            account(
                "eqv-facebook",
                "eqv",
                "facebook",
                "EQVCSNO",
                "École des Quatre-Vents_CSNO (page officielle)",
                EQV_ADMINS,
                official=True,
            ),
            account("eqv-x", "eqv", "x", "EQV_CSNO", "École des Quatre-Vents Sports_CSNO", EQV_ADMINS),
            account("eh-youtube", "eh", "youtube", "@EHCSNO", "École Héritage Musique_CSNO", EH_ADMINS),
            account("eh-instagram", "eh", "instagram", "eh_csno", "École Héritage Arts_CSNO", EH_ADMINS),
        ],
    }


def settings_data(sandbox_url: str, smtp_port: int, state_dir: Path) -> dict[str, Any]:
    return {
        "timezone": "America/Edmonton",
        "state_dir": str(state_dir),
        "report": {"to": ["communications@csno.ab.ca"]},
        "smtp": {
            "host": "127.0.0.1",
            "port": smtp_port,
            "security": "none",
            "username": SMTP_USER,
            "password_env": "SMTP_PASSWORD",
            "sender": "Vigie DA 142 <audit@csno.ab.ca>",
            "timeout": 5,
        },
        "platforms": {
            "facebook": {"graph_url": sandbox_url, "version": "v23.0"},
            "instagram": {"ig_user_id": IG_BUSINESS_ID},
            "x": {"api_url": sandbox_url},
            "youtube": {"api_url": sandbox_url},
        },
        "escalation": {"reminder_days": 7, "escalate_days": 30},
        "network": {"allow_private_addresses": True, "timeout": 2},
        # No look-alike look-ups: these nights count the reads' calls and faults; the look-ups have
        # their own tests (tests/test_lookups_*.py), which turn them on with `write_config(lookups=…)`.
        "lookups": {
            "max_x_reads": 0,
            "max_youtube_units": 0,
            "max_instagram_calls": 0,
            "max_facebook_searches": 0,
        },
    }


DESCRIPTION = "Compte officiel de l'{school}, organisme du Conseil scolaire du Nord-Ouest."


def world_data() -> dict[str, Any]:
    """The platforms and the web, as plain data a test may change before the sandbox starts."""
    eqv = DESCRIPTION.format(school="École des Quatre-Vents")
    eh = DESCRIPTION.format(school="École Héritage")
    return {
        "facebook": {
            "valid_tokens": [FB_TOKEN],
            "role_tokens": [FB_TOKEN],
            "pages": [
                {
                    "id": "100000000000101",
                    "username": "EQVCSNO",
                    "name": "École des Quatre-Vents_CSNO (page officielle)",
                    "about": eqv,
                    "website": "https://eqv.csno.ab.ca www.csno.ab.ca",
                    "emails": ["eqv@csno.ab.ca"],
                    "category": "School",
                    "followers_count": 450,
                    "picture": "https://scontent.sandbox.fbcdn.net/eqv-facebook.jpg",
                    "cover": "https://scontent.sandbox.fbcdn.net/eqv-facebook-cover.jpg",
                    "last_post_days_ago": 2,
                    "roles": [{"name": "Julie Côté"}, {"name": "Sophie Tremblay"}],
                },
                {  # look-alike linked from no site: the old official page nobody closed
                    "id": "100000000000902",
                    "username": "EcoleHeritage",
                    "name": "École Héritage",
                    "about": "Page officielle de l'École Héritage à Falher.",
                    "category": "School",
                    "last_post_days_ago": 900,
                },
                {  # neighbour found by the Pages search « École des Quatre-Vents »: a camping
                    "id": "100000000000903",
                    "username": "CampingQuatreVents",
                    "name": "Camping Les Quatre Vents",
                    "about": "Camping familial.",
                    "category": "Campground",
                    "last_post_days_ago": 20,
                },
            ],
        },
        "instagram": {
            "business_account": {"id": IG_BUSINESS_ID, "username": "csno_officiel"},
            "accounts": [
                {
                    "id": "17841400000000201",
                    "username": "eh_csno",
                    "account_type": "business",
                    "name": "École Héritage Arts_CSNO",
                    "biography": eh + " www.csno.ab.ca",
                    "website": "https://eh.csno.ab.ca",
                    "profile_picture_url": "https://scontent.sandbox.cdninstagram.com/eh-instagram.jpg",
                    "followers_count": 240,
                    "media_count": 90,
                    "last_post_days_ago": 4,
                },
                {  # look-alike linked from no site: the parents' committee « École Héritage_CSNO »
                    "id": "17841400000000901",
                    "username": "ecole.heritage.csno",
                    "account_type": "creator",
                    "name": "École Héritage_CSNO",
                    "biography": "Comité de parents de l'École Héritage à Falher.",
                    "last_post_days_ago": 5,
                },
            ],
        },
        "x": {
            "valid_tokens": [X_TOKEN],
            "users": [
                {
                    "id": "1580000000000000101",
                    "username": "EQV_CSNO",
                    "name": "École des Quatre-Vents Sports_CSNO",
                    "description": eqv + " https://eqv.csno.ab.ca https://www.csno.ab.ca",
                    "url": "https://eqv.csno.ab.ca",
                    "created_at": "2019-09-10T15:00:00Z",
                    "profile_image_url": "https://pbs.sandbox.twimg.com/profile_images/eqv-x_normal.jpg",
                    "profile_banner_url": "https://pbs.sandbox.twimg.com/profile_banners/eqv-x/1500x500",
                    "last_tweet_days_ago": 2,
                },
                # not in the registry, linked from no site: found by the look-ups only (when on)
                {  # look-alike: an impostor, O→0
                    "id": "1580000000000000901",
                    "username": "EQV_CSN0",
                    "name": "École des Quatre-Vents_CSNO",
                    "description": "Compte officiel de l'école.",
                    "last_tweet_days_ago": 1,
                },
                {  # neighbour: a camping
                    "id": "1580000000000000902",
                    "username": "QuatreVents",
                    "name": "Camping Les Quatre Vents",
                    "description": "Camping familial au bord de la rivière.",
                    "last_tweet_days_ago": 9,
                },
            ],
        },
        "youtube": {
            "valid_keys": [YT_KEY],
            "channels": [
                {
                    "id": "UCq3EHMusiqueCSNO00000000"[:24],
                    "handle": "@EHCSNO",
                    "title": "École Héritage Musique_CSNO",
                    "description": eh + " https://eh.csno.ab.ca https://www.csno.ab.ca",
                    "published_at": "2021-10-04T15:00:00Z",
                    "thumbnail": "https://yt3.sandbox.ggpht.com/eh-youtube",
                    "banner": "https://yt3.sandbox.ggpht.com/eh-youtube-banner",
                    "last_video_days_ago": 3,
                },
                {  # neighbour found by the search « École Héritage »: a festival
                    "id": "UCq3HeritageDaysFestival",
                    "handle": "@HeritageDaysFestival",
                    "title": "Heritage Days Festival",
                    "description": "Edmonton's festival of cultures.",
                    "last_video_days_ago": 40,
                },
            ],
        },
        "web": {
            "sites": {
                "www.csno.ab.ca": {"*": {"title": "Conseil scolaire du Nord-Ouest"}},
                "eqv.csno.ab.ca": {"*": {"title": "École des Quatre-Vents"}},
                "eh.csno.ab.ca": {"*": {"title": "École Héritage"}},
            },
            "accounts": {
                "eqv-facebook": {
                    "network": "facebook",
                    "avatar": "logos/eqv.png",
                    "banner": "logos/csno.png",
                },
                "eqv-x": {"network": "x", "avatar": "logos/eqv.png", "banner": "logos/csno.png"},
                "eh-youtube": {"network": "youtube", "avatar": "logos/eh.png", "banner": "logos/csno.png"},
                "eh-instagram": {"network": "instagram", "avatar": "logos/eh.png"},
            },
        },
    }


def find(items: list[dict], **match: Any) -> dict:
    """The one entry of a world list whose fields equal `match` (to change it in place)."""
    return next(item for item in items if all(item.get(k) == v for k, v in match.items()))


# ---------------------------------------------------------------- SMTP


class Mailbox:
    """aiosmtpd handler: keeps every accepted message as a `.eml`; its faults are set by the tests.

    `refuse` maps a recipient to the reply it gets at RCPT (« 550 … »); `data_reply` is the
    reply to DATA instead of accepting (« 451 … »); `password` is what AUTH accepts.
    """

    def __init__(self, folder: Path, password: str = SMTP_PASSWORD):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.password = password
        self.refuse: dict[str, str] = {}
        self.data_reply: str | None = None
        self.received: list[Path] = []
        self.logins: list[str] = []
        self.recipients: list[str] = []  # every RCPT TO, accepted or not

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.password.decode() == self.password
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        self.recipients.append(address)
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.data_reply:
            return self.data_reply
        data = envelope.original_content or envelope.content
        path = self.folder / f"{len(self.received) + 1:03d}.eml"
        path.write_bytes(data)
        self.received.append(path)
        return "250 Message accepted for delivery"

    def messages(self):
        return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in self.received]

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages()]


def start_smtp(mailbox: Mailbox, port: int = 0) -> Controller:
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port or free_port(),
        authenticator=mailbox.authenticate,
        auth_require_tls=False,
        auth_exclude_mechanism=["CRAM-MD5"],
    )
    controller.start()
    return controller


# ---------------------------------------------------------------- the world


@dataclass
class HardWorld:
    root: Path
    world: dict[str, Any] = field(default_factory=world_data)
    registry: dict[str, Any] = field(default_factory=registry_data)
    now: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 3, 10, 11, 0, tzinfo=dt.UTC))
    sandbox: SandboxServer | None = None
    mailbox: Mailbox | None = None
    smtp: Controller | None = None
    smtp_port: int = 0

    @property
    def config_dir(self) -> Path:
        return self.root / "config"

    @property
    def state_dir(self) -> Path:
        return self.root / "state"

    def start(self) -> HardWorld:
        world = World(**copy.deepcopy(self.world), assets=ROOT / "config")
        self.sandbox = SandboxServer(world, now=lambda: self.now).start()
        self.mailbox = Mailbox(self.root / "mail")
        self.smtp = start_smtp(self.mailbox)
        self.smtp_port = self.smtp.port
        self.write_config()
        return self

    def stop(self) -> None:
        if self.smtp is not None:
            self.smtp.stop()
            self.smtp = None
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None

    def smtp_down(self) -> None:
        """Stop the SMTP server; its port now refuses connections."""
        if self.smtp is not None:
            self.smtp.stop()
            self.smtp = None

    def smtp_up(self) -> None:
        if self.smtp is None:
            self.smtp = start_smtp(self.mailbox, self.smtp_port)

    def reload_world(self) -> None:
        """The sandbox serves `self.world` again (after a test changed it), faults kept."""
        self.sandbox.world = World(**copy.deepcopy(self.world), assets=ROOT / "config")

    def write_config(self, **settings_over: Any) -> Config:
        folder = self.config_dir
        (folder / "logos").mkdir(parents=True, exist_ok=True)
        for logo in ("csno.png", "eqv.png", "eh.png"):
            shutil.copyfile(LOGOS / logo, folder / "logos" / logo)
        dump = {"allow_unicode": True, "sort_keys": False}
        (folder / "registry.yaml").write_text(yaml.safe_dump(self.registry, **dump), encoding="utf-8")
        settings = settings_data(self.sandbox.url, self.smtp_port, self.state_dir)
        for key, value in settings_over.items():
            if isinstance(value, dict) and isinstance(settings.get(key), dict):
                settings[key] = {**settings[key], **value}
            else:
                settings[key] = value
        (folder / "settings.yaml").write_text(yaml.safe_dump(settings, **dump), encoding="utf-8")
        return self.config()

    def config(self) -> Config:
        return load_config(self.config_dir)

    @property
    def resolve(self) -> dict[str, str]:
        return {"*": f"127.0.0.1:{self.sandbox.port}"}

    def run(self, *, night: int = 0, dry_run: bool = False, secrets: Secrets = SECRETS, resolve=None):
        """One nightly job (`run_job`), `night` days after `self.now`, short retries."""
        from scanner.night.job import run_job

        when = self.now + dt.timedelta(days=night)
        self.sandbox.now = lambda: when
        return run_job(
            self.config(),
            secrets,
            dry_run=dry_run,
            clock=lambda: when,
            resolve=self.resolve if resolve is None else resolve,
            retry=FAST_RETRY,
        )

    # ------------------------------------------------------------ what the run left

    def db(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.state_dir / "history.sqlite3")
        conn.row_factory = sqlite3.Row
        return conn

    def integrity(self) -> str:
        with self.db() as conn:
            return conn.execute("PRAGMA integrity_check").fetchone()[0]

    def notices(self) -> list[dict]:
        with self.db() as conn:
            return [dict(r) for r in conn.execute("SELECT * FROM notices ORDER BY created_at, rowid")]

    def open_findings(self) -> dict[tuple[str, str], dict]:
        with self.db() as conn:
            rows = conn.execute("SELECT * FROM findings WHERE resolved_at IS NULL")
            return {(r["account"], r["check_id"]): dict(r) for r in rows}

    def state_files(self) -> Iterator[Path]:
        return (p for p in sorted(self.state_dir.rglob("*")) if p.is_file())


def database_text(path: Path) -> str:
    """Every cell of every table, as text (BLOBs decoded leniently): for greps."""
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        out = []
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - names from sqlite_master
                for cell in row:
                    out.append(cell.decode("utf-8", "replace") if isinstance(cell, bytes) else str(cell))
        return "\n".join(out)
    finally:
        conn.close()


def hrefs(html: str) -> list[str]:
    return [m.group(2) for m in re.finditer(r"""href\s*=\s*(["']?)([^"'\s>]*)\1""", html, re.I)]


class HangData:
    """Wraps the mailbox's DATA: a message to `address` is not answered for `seconds` (the client
    waits: long enough for a test to kill the job, or for the client's timeout)."""

    def __init__(self, mailbox, address: str, seconds: float):
        self.mailbox, self.address, self.seconds, self.seen = mailbox, address, seconds, False
        self.original = mailbox.handle_DATA

    async def __call__(self, server, session, envelope):
        if self.address in envelope.rcpt_tos:
            self.seen = True
            await asyncio.sleep(self.seconds)
        return await self.original(server, session, envelope)
