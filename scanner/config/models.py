"""Typed, immutable models of `registry.yaml` and `settings.yaml` (SPEC.md, « Configuration »).

Validation errors raised here are turned into located French messages by
`scanner.config.load`; the models themselves only describe the shape.
"""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parseaddr
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import BaseModel, ConfigDict, Field, field_validator

from scanner.plumbing.french import NBSP

YOUTUBE_SEARCH_UNITS = 100  # search.list, YouTube Data API v3 quota costs

# A deliberately simple address check: local@domain.tld, no spaces, one @.
_EMAIL = re.compile(r"^[^@\s<>\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


def check_email(value: str) -> str:
    value = value.strip()
    if not _EMAIL.match(value):
        raise ValueError("adresse courriel invalide")
    return value


_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")


def check_web_url(value: str) -> str:
    """A website every profile must link to: a whole http(s) address with a host name."""
    value = value.strip()
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:
        host, parts = "", None
    if parts is None or parts.scheme.lower() not in ("http", "https") or "." not in host or " " in value:
        raise ValueError(
            f"adresse Web invalide{NBSP}: écrivez-la en entier, par exemple «{NBSP}https://eqv.csno.ab.ca{NBSP}»"
        )
    return value


def check_phone(value: str | None) -> str | None:
    """A published telephone number, North American (region CA): « 780 555-0100 »."""
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    try:
        number = phonenumbers.parse(value, "CA")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise ValueError(
            f"numéro de téléphone invalide{NBSP}: écrivez-le avec l’indicatif régional, "
            f"par exemple «{NBSP}780 555-0100{NBSP}»"
        )
    return value


def check_sender(value: str) -> str:
    """`Nom <adresse>` or a bare address: the From of every e-mail."""
    name, address = parseaddr(value)
    if not value.strip() or not _EMAIL.match(address or ""):
        raise ValueError(
            f"adresse d’expédition invalide{NBSP}: écrivez par exemple "
            f"«{NBSP}Vigie DA 142 <audit@csno.ab.ca>{NBSP}» ou «{NBSP}audit@csno.ab.ca{NBSP}»"
        )
    return value.strip()


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Network(StrEnum):
    FACEBOOK = "facebook"
    FACEBOOK_GROUP = "facebook_group"
    INSTAGRAM = "instagram"
    X = "x"
    YOUTUBE = "youtube"

    @property
    def platform(self) -> str:
        """The platform that answers for this network (a group lives on Facebook)."""
        return "facebook" if self is Network.FACEBOOK_GROUP else self.value

    @property
    def label(self) -> str:
        return NETWORK_LABELS[self]


def bare_handle(handle: str) -> str:
    """A handle as written, without the spaces around it nor its leading `@` (its case is kept)."""
    return handle.strip().lstrip("@")


def account_key(network: Network | str, handle: str) -> tuple[str, str]:
    """Which account this is: the platform that answers for it, and the handle without `@`, case ignored.

    The one answer to « is it the same account? » (registry duplicates, discovery, the
    unregistered check): a Facebook page and a group share Facebook's namespace.
    """
    return Network(network).platform, bare_handle(handle).casefold()


NETWORK_LABELS = {
    Network.FACEBOOK: "page Facebook",
    Network.FACEBOOK_GROUP: "groupe Facebook",
    Network.INSTAGRAM: "Instagram",
    Network.X: "X",
    Network.YOUTUBE: "YouTube",
}


class Role(StrEnum):
    ENSEIGNANT = "enseignant"
    DIRECTION = "direction"
    PERSONNEL = "personnel"


class Person(Frozen):
    name: str = Field(min_length=1)
    email: str

    _email = field_validator("email")(check_email)


class Admin(Person):
    role: Role


class Plan(Frozen):
    """The usage plan of Formulaire DA 142 (§5.b). Parts may be missing: that is a finding."""

    objectif: str | None = None
    public: str | None = None
    nature: str | None = None
    calendrier: str | None = None

    def missing_parts(self) -> list[str]:
        return [part for part in ("objectif", "public", "nature", "calendrier") if not getattr(self, part)]


class Permission(Frozen):
    approved_by: str | None = None
    date: dt.date | None = None


class AccountException(Frozen):
    """A derogation granted by the coordinator: always visible in the report."""

    check: str
    reason: str = Field(min_length=1)
    until: dt.date


class Board(Frozen):
    name: str
    suffix: str = "CSNO"
    website: str
    email_domains: tuple[str, ...] = Field(min_length=1)
    logo: Path
    coordinator: Person
    direction_generale: Person
    technician: Person | None = None  # optional: named where a notice sends someone to IT support
    phone: str | None = None  # the board's published number: a post may show it (content.personal-info)

    _website = field_validator("website")(check_web_url)
    _phone = field_validator("phone")(check_phone)

    @field_validator("email_domains")
    @classmethod
    def _lower_domains(cls, domains: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(d.strip().lower().lstrip("@") for d in domains)
        for domain in cleaned:
            if not _DOMAIN.match(domain):
                raise ValueError(
                    f"nom de domaine invalide «{NBSP}{domain}{NBSP}»{NBSP}: écrivez la partie après le @ "
                    f"des adresses du personnel, par exemple «{NBSP}csno.ab.ca{NBSP}»"
                )
        return cleaned


class School(Frozen):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str
    acronyms: tuple[str, ...] = ()
    website: str
    email: str
    logo: Path
    principal: Person
    phone: str | None = None  # the school's published number: a post may show it (content.personal-info)

    _email = field_validator("email")(check_email)
    _phone = field_validator("phone")(check_phone)
    _website = field_validator("website")(check_web_url)


class Account(Frozen):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    school: str
    network: Network
    handle: str = Field(min_length=1)
    official: bool = False
    name: str = Field(min_length=1)
    # The address the account was opened with (form DA 142): checked when the platform hides it.
    email: str | None = None
    admins: tuple[Admin, ...] = ()
    plan: Plan = Plan()
    permission: Permission | None = None
    exceptions: tuple[AccountException, ...] = ()

    @field_validator("email")
    @classmethod
    def _account_email(cls, value: str | None) -> str | None:
        return None if value is None else check_email(value)


class Registry(Frozen):
    board: Board
    schools: tuple[School, ...] = Field(min_length=1)
    # An empty list is a truncated file far more often than a board without accounts: refused,
    # since a night on it would retire every finding.
    accounts: tuple[Account, ...] = Field(min_length=1)

    @cached_property
    def _schools_by_id(self) -> dict[str, School]:
        return {school.id: school for school in self.schools}

    @cached_property
    def _accounts_by_school(self) -> dict[str, tuple[Account, ...]]:
        grouped: dict[str, list[Account]] = {}
        for account in self.accounts:
            grouped.setdefault(account.school, []).append(account)
        return {school: tuple(accounts) for school, accounts in grouped.items()}

    def school(self, school_id: str) -> School:
        return self._schools_by_id[school_id]

    def accounts_of(self, school_id: str) -> tuple[Account, ...]:
        return self._accounts_by_school.get(school_id, ())


# ---------------------------------------------------------------- settings


class SmtpSecurity(StrEnum):
    STARTTLS = "starttls"
    SSL = "ssl"
    NONE = "none"


class ReportSettings(Frozen):
    to: tuple[str, ...] = Field(min_length=1)
    max_html_bytes: int = Field(default=100_000, ge=1000)
    attach_xlsx: bool = True  # the night's workbook (STATE_DIR/reports/<run-id>.xlsx) attached to the e-mail
    max_xlsx_bytes: int = Field(default=5_000_000, gt=0)  # a larger workbook stays in the archive only

    @field_validator("to")
    @classmethod
    def _emails(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(check_email(v) for v in values)


class SmtpSettings(Frozen):
    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    username: str | None = None
    password_env: str | None = None
    sender: str
    timeout: float = Field(default=30, gt=0)

    _sender = field_validator("sender")(check_sender)


class FacebookSettings(Frozen):
    graph_url: str = "https://graph.facebook.com"
    version: str = Field(default="v23.0", pattern=r"^v\d+\.\d+$")
    token_env: str = "FACEBOOK_ACCESS_TOKEN"
    # The variable holding the Meta app secret: when set, every call carries `appsecret_proof`
    # (developers.facebook.com/docs/graph-api/securing-requests). None: no proof is sent.
    app_secret_env: str | None = None


class InstagramSettings(Frozen):
    ig_user_id: str | None = None


class XSettings(Frozen):
    api_url: str = "https://api.twitter.com"
    bearer_token_env: str = "X_BEARER_TOKEN"


class YouTubeSettings(Frozen):
    api_url: str = "https://www.googleapis.com"
    api_key_env: str = "YOUTUBE_API_KEY"


class PlatformSettings(Frozen):
    facebook: FacebookSettings = FacebookSettings()
    instagram: InstagramSettings = InstagramSettings()
    x: XSettings = XSettings()
    youtube: YouTubeSettings = YouTubeSettings()


class EscalationSettings(Frozen):
    reminder_days: int = Field(default=7, ge=1)
    escalate_days: int = Field(default=30, ge=1)


class NetworkSettings(Frozen):
    allow_private_addresses: bool = False
    timeout: float = Field(default=10, gt=0)
    max_image_bytes: int = Field(default=5_000_000, gt=0)
    max_page_bytes: int = Field(default=2_000_000, gt=0)
    concurrency_per_host: int = Field(default=8, ge=1, le=64)
    user_agent: str = "Vigie-DA142/0.1 (+https://www.csno.ab.ca)"


class ActivitySettings(Frozen):
    """Days allowed since the last publication, per declared calendar (activity.calendar)."""

    quotidien: int = Field(default=7, ge=1)
    hebdomadaire: int = Field(default=21, ge=1)
    mensuel: int = Field(default=62, ge=1)
    ponctuel: int | None = Field(default=None, ge=1)  # no threshold: only reported as info


class HistorySettings(Frozen):
    """Retention: per-check results and snapshots of the last `keep_nights` nights audited are kept;
    run aggregates (the trend), findings and notices are kept forever."""

    keep_nights: int = Field(default=90, ge=1)


class LogoSettings(Frozen):
    max_distance: int = Field(default=10, ge=0, le=64)


class LookupSettings(Frozen):
    """Look-alike searches on the platforms (`scanner.discovery.lookup_plan`). A round searches every
    candidate once in `every_days` nights; each budget is for a whole round, spread evenly over its
    nights, so that no night uses more than its share. A budget of 0 turns that platform's search off."""

    every_days: int = Field(default=7, ge=1, le=92)
    # usernames sent to X's users/by (a read is billed per user found)
    max_x_reads: int = Field(default=2_500, ge=0)
    max_youtube_units: int = Field(default=7_000, ge=0)  # quota units (channels 1, search 100)
    max_instagram_calls: int = Field(default=2_500, ge=0)  # business_discovery calls, one username each
    max_facebook_searches: int = Field(default=700, ge=0)  # username reads and Pages searches

    @classmethod
    def off(cls) -> LookupSettings:
        """No look-up on any platform (every budget 0)."""
        return cls(max_x_reads=0, max_youtube_units=0, max_instagram_calls=0, max_facebook_searches=0)

    @field_validator("max_youtube_units")
    @classmethod
    def _youtube_search_fits(cls, units: int) -> int:
        if 0 < units < YOUTUBE_SEARCH_UNITS:
            raise ValueError(
                f"au moins {YOUTUBE_SEARCH_UNITS} unités (le prix d'une recherche YouTube), "
                "ou 0 pour ne pas chercher sur YouTube"
            )
        return units


class ContentSettings(Frozen):
    """The publications stage (DA 142 §2.b.iii, §3.b, Annexe A): what is read and when French
    errors reach the principals."""

    enabled: bool = True
    first_night_days: int = Field(default=14, ge=1, le=90)  # the first night reads this far back
    max_posts_per_account: int = Field(default=50, ge=1, le=500)  # a night's cap per account
    max_pictures_per_post: int = Field(default=4, ge=0, le=20)
    # French errors go into a weekly digest per school, carried by that weekday's notice
    # (0 = Monday … 6 = Sunday, in `timezone`).
    digest_weekday: int = Field(default=0, ge=0, le=6)


class Settings(Frozen):
    timezone: str = "America/Edmonton"
    schedule: str = Field(default="04:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    state_dir: Path = Path("var")
    report: ReportSettings
    smtp: SmtpSettings
    platforms: PlatformSettings = PlatformSettings()
    escalation: EscalationSettings = EscalationSettings()
    network: NetworkSettings = NetworkSettings()
    activity: ActivitySettings = ActivitySettings()
    logo: LogoSettings = LogoSettings()
    history: HistorySettings = HistorySettings()
    lookups: LookupSettings = LookupSettings()
    content: ContentSettings = ContentSettings()
    healthcheck_url: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("fuseau horaire inconnu") from exc
        return value


class Config(Frozen):
    """Both files of one configuration folder, with the folder itself."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    folder: Path
    registry: Registry
    settings: Settings
    dismissals: Any = None  # scanner.config.dismissals.Dismissals (publications_ignorees.yaml), when kept

    def path(self, relative: Path) -> Path:
        return relative if relative.is_absolute() else self.folder / relative

    @property
    def state_dir(self) -> Path:
        """Relative state folders are taken from the working directory (the cron line `cd`s there)."""
        return self.settings.state_dir
