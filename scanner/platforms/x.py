"""X (API v2) through tweepy: users by usernames, with the date of each one's last post.

One call per 100 accounts: `GET /2/users/by` with `expansions=most_recent_tweet_id` and
`tweet.fields=created_at` brings each user's last post in `includes.tweets`
(docs.x.com/x-api/users/lookup, "expansions"), so no second call is needed.

X prices every resource it returns (docs.x.com/x-api/getting-started/pricing: a user read
$0.010, a post read $0.005), and a resource returned again within the same UTC day is not
charged again (docs.x.com/x-api/fundamentals/post-cap, "Deduplication"). `XAdapter.cost`
counts the distinct users and posts of the night and what they cost; it is logged.
Credits used up (HTTP 402 `CreditsDepleted`, as X answers it: no reference page documents
the body) and the monthly cap (HTTP 429 `UsageCapExceeded`, type `…/problems/usage-capped`,
github.com/xdevplatform/xdk/issues/25) stop X for the night with a reason saying what to do;
neither is retried as a rate limit.

The API's host is the configured
`api_url`: tweepy always builds `https://api.twitter.com/…`, so a transport adapter mounted
on the client's session sends those requests to `api_url` instead (and sets the timeout,
which tweepy does not). tweepy's debug log prints request headers: a filter on its logger
masks the bearer token before any handler sees it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import requests
import tweepy
from requests.adapters import HTTPAdapter

from scanner.config.models import XSettings
from scanner.net.api_session import environment_read_once
from scanner.platforms.base import Adapter, CallFailed, PlatformStopped, parse_time
from scanner.platforms.retry import RetryBudget
from scanner.platforms.snapshot import FetchStatus, Snapshot, unverified
from scanner.platforms.x_posts import XPostsReader
from scanner.platforms.x_reads import XDayReads
from scanner.plumbing.secrets import scrub

log = logging.getLogger(__name__)

TWITTER_ORIGIN = "https://api.twitter.com"
BATCH = 100
USER_FIELDS = [
    "created_at",
    "description",
    "entities",
    "location",
    "most_recent_tweet_id",
    "profile_banner_url",
    "profile_image_url",
    "protected",
    "public_metrics",
    "url",
    "verified",
]
_USERNAME = re.compile(r"^[A-Za-z0-9_]{1,15}$")

# Reasons the coordinator reads (Canadian French, no-break space before the colon).
SUSPENDED = "X indique que ce compte est suspendu"
NOT_FOUND = "X indique qu'aucun compte ne porte ce nom d'utilisateur"
INVALID_USERNAME = (
    "ce nom d'utilisateur ne peut pas exister sur X (de 1 à 15 lettres, chiffres ou «\u00a0_\u00a0»)"
)
PROTECTED = "le compte X est protégé\u00a0: ses publications ne sont visibles que par ses abonnés"
RATE_LIMITED = "X a limité le nombre de requêtes (code 429) et le délai d'attente dépassait la limite permise"
UNAVAILABLE = "X n'a pas répondu correctement malgré plusieurs tentatives (panne ou délai dépassé)"
REJECTED = "X a refusé la requête (code {status})"
FORBIDDEN = (
    "X refuse l'accès à l'API v2 avec ce jeton (code 403)\u00a0: "
    "l'application doit être rattachée à un projet du portail des développeurs de X"
)
MISSING = "X n'a rien renvoyé au sujet de ce compte"
CREDITS_DEPLETED = (
    "les crédits de l'API X sont épuisés (code 402)\u00a0: le technicien doit en racheter dans la console "
    "des développeurs de X (developer.x.com), puis la vérification reprendra la nuit suivante"
)
CAP_REACHED = (
    "le plafond mensuel de lectures de l'API X est atteint (code 429 «\u00a0UsageCapExceeded\u00a0»)\u00a0: "
    "la vérification reprendra au prochain cycle de facturation, ou le technicien peut changer de forfait "
    "dans la console des développeurs de X"
)
USER_READ = 0.010  # US dollars per user returned (docs.x.com/x-api/getting-started/pricing)
POST_READ = 0.005  # US dollars per post returned


@dataclass
class XCost:
    """What X charges for one night: distinct users and posts returned (repeats within a UTC day
    are free, this run's and those an earlier run of the same UTC day read: `reads`)."""

    day: dt.date | None = None
    users: set[str] = field(default_factory=set)  # charged tonight
    posts: set[str] = field(default_factory=set)
    reads: XDayReads = field(default_factory=XDayReads)  # what the UTC day's runs have read
    repeats: set[str] = field(default_factory=set)  # returned tonight, read earlier today: free
    _earlier: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, day: dt.date, users: Sequence[str], posts: Sequence[str]) -> None:
        with self._lock:  # the timelines are read by several workers
            self._count(day, users, posts)

    def _count(self, day: dt.date, users: Sequence[str], posts: Sequence[str]) -> None:
        if self.day != day:  # a new UTC day: everything is charged again
            self.day, self.users, self.posts, self.repeats = day, set(), set(), set()
            self._earlier = self.reads.earlier(day)
        earlier_users, earlier_posts = self._earlier
        for ids, earlier, charged, kind in ((users, earlier_users, self.users, "u"),
                                            (posts, earlier_posts, self.posts, "p")):  # fmt: skip
            for resource in ids:
                if resource in earlier:
                    self.repeats.add(f"{kind}{resource}")
                else:
                    charged.add(resource)
        self.reads.add(day, users, posts)

    @property
    def dollars(self) -> float:
        return round(len(self.users) * USER_READ + len(self.posts) * POST_READ, 3)

    @property
    def read_anything(self) -> bool:
        return bool(self.users or self.posts or self.repeats)

    def french(self) -> str:
        """`0,06 $ US (4 comptes et 4 publications lus)`, and the free repeats of the day if any."""
        amount = f"{self.dollars:.3f}".rstrip("0").replace(".", ",")
        amount = amount + "0" if len(amount.split(",")[1]) < 2 else amount
        users, posts = len(self.users), len(self.posts)
        accounts = f"{users} compte{'s' if users > 1 else ''}"
        published = f"{posts} publication{'s' if posts > 1 else ''}"
        free, n = "", len(self.repeats)
        if n:
            s = "s" if n > 1 else ""
            free = f"; {n} lecture{s} déjà faite{s} aujourd'hui (UTC), gratuite{s}"
        return f"{amount}\u00a0$\u00a0US ({accounts} et {published} lus{free})"


def expired_token_reason(env_name: str) -> str:
    return (
        "X a refusé le jeton d'accès («\u00a0bearer token\u00a0»)\u00a0: il est expiré, révoqué ou invalide. "
        f"Le technicien doit en générer un nouveau dans le portail des développeurs de X "
        f"et le placer dans la variable d'environnement {env_name}"
    )


class _Reroute(HTTPAdapter):
    """Send tweepy's `https://api.twitter.com/…` requests to the configured API URL, with a timeout."""

    def __init__(self, target: str, timeout: float):
        super().__init__(max_retries=0)
        self.target = target.rstrip("/")
        self.timeout = timeout

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        if self.target != TWITTER_ORIGIN and request.url.startswith(TWITTER_ORIGIN):
            request.url = self.target + request.url[len(TWITTER_ORIGIN) :]
            proxies = requests.utils.get_environ_proxies(request.url)
        return super().send(request, stream, timeout or self.timeout, verify, cert, proxies)


class _MaskBearer(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "Bearer " in message:
            record.msg, record.args = re.sub(r"Bearer [^\s'\"]+", "Bearer ***", message), None
        return True


def _install_log_mask() -> None:
    tweepy_log = logging.getLogger("tweepy.client")
    if not any(isinstance(f, _MaskBearer) for f in tweepy_log.filters):
        tweepy_log.addFilter(_MaskBearer())


class XAdapter(XPostsReader, Adapter):
    platform = "x"

    def __init__(
        self,
        settings: XSettings,
        bearer_token: str | None,
        *,
        day_reads: XDayReads | None = None,
        **options: Any,
    ):
        super().__init__(settings, bearer_token, **options)
        self.cost = XCost(reads=day_reads if day_reads is not None else XDayReads())
        self.calls = 0  # HTTP calls (retries included): for the night's log
        self._calls_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"XAdapter(api_url={self.settings.api_url!r})"

    def night_note(self) -> str | None:
        if not self.cost.read_anything:
            return None
        return (
            f"Coût estimé de la nuit sur X\u00a0: {self.cost.french()}\u00a0; "
            "relire un compte le même jour (UTC) est gratuit"
        )

    @property
    def _token(self) -> str | None:
        return self._secret

    # ---------------------------------------------------------------- public

    def fetch(self, handles: Sequence[str]) -> dict[str, Snapshot]:
        none = self.no_credentials(handles)
        if none is not None:
            return none
        snapshots: dict[str, Snapshot] = {}
        wanted: dict[str, list[str]] = {}  # lower-case username -> registry handles
        for handle in handles:
            username = handle.strip().lstrip("@")
            if _USERNAME.match(username):
                wanted.setdefault(username.lower(), []).append(handle)
            else:
                snapshots[handle] = self._status(handle, FetchStatus.NOT_FOUND, INVALID_USERNAME)
        client = self._client()
        names = list(wanted)
        try:
            for start in range(0, len(names), BATCH):
                batch = names[start : start + BATCH]
                spelled = {name: wanted[name][0].strip().lstrip("@") for name in batch}
                for name, snapshot in self._read_batch(client, spelled).items():
                    for handle in wanted[name]:
                        snapshots[handle] = snapshot_for(handle, snapshot)
        except PlatformStopped as stop:
            for handle in handles:
                snapshots.setdefault(handle, unverified(self.platform, handle, stop.reason))
        finally:
            client.session.close()
        if self.cost.read_anything:
            log.info("x: %s (estimate: repeats within a UTC day are free)", self.cost.french())
        return {h: snapshots[h] for h in handles}

    # ---------------------------------------------------------------- one batch of ≤ 100

    def _read_batch(self, client: tweepy.Client, spelled: dict[str, str]) -> dict[str, Snapshot]:
        """Snapshots keyed by lower-case username, for usernames given as the registry spells them."""
        now = self.options.now()
        names = list(spelled)
        try:
            response = self._call(
                lambda: client.get_users(
                    usernames=list(spelled.values()),
                    user_fields=USER_FIELDS,
                    expansions=["most_recent_tweet_id"],
                    tweet_fields=["created_at"],
                )
            )
        except CallFailed as failed:
            return {n: unverified(self.platform, n, failed.reason) for n in names}
        # `data` is a list for a batch lookup; anything else (a single object) is an answer to
        # another question: its accounts are left missing rather than misread
        users = response.data if isinstance(response.data, list) else []
        found = {str(u.data["username"]).lower(): u.data for u in users if u.data.get("username")}
        included = (response.includes or {}).get("tweets")
        tweets = [t.data for t in included] if isinstance(included, list) else []
        dates = {str(t.get("id")): parse_time(t.get("created_at")) for t in tweets}
        self.cost.count(now.astimezone(dt.UTC).date(), [str(u["id"]) for u in found.values()], list(dates))
        result: dict[str, Snapshot] = {}
        for error in response.errors or []:
            name = str(error.get("value") or error.get("resource_id") or "").lower()
            if name in names and name not in found:
                result[name] = self._error_snapshot(name, error, now)
        for name, user in found.items():
            if name in result:
                continue
            last = None if user.get("protected") else dates.get(str(user.get("most_recent_tweet_id")))
            result[name] = self._user_snapshot(name, user, last, now)
        for name in names:
            result.setdefault(name, unverified(self.platform, name, MISSING))
        return result

    # ---------------------------------------------------------------- snapshots

    def _status(self, handle: str, status: FetchStatus, reason: str, **fields: Any) -> Snapshot:
        return Snapshot(
            network=self.platform,
            handle=handle,
            status=status,
            reason=reason,
            fetched_at=fields.pop("fetched_at", self.options.now()),
            **fields,
        )

    def _error_snapshot(self, name: str, error: dict, now: dt.datetime) -> Snapshot:
        detail = str(error.get("detail", ""))
        if "suspended" in detail.lower():
            return self._status(name, FetchStatus.SUSPENDED, SUSPENDED, fetched_at=now)
        if str(error.get("type", "")).endswith("/resource-not-found"):
            return self._status(name, FetchStatus.NOT_FOUND, NOT_FOUND, fetched_at=now)
        log.warning("x: unexpected error for %s: %s", name, scrub(detail, None))
        return unverified(self.platform, name, MISSING)

    def _user_snapshot(self, name: str, user: dict, last: dt.datetime | None, now: dt.datetime) -> Snapshot:
        protected = bool(user.get("protected"))
        metrics = user.get("public_metrics") or {}
        extra = {"verified": str(bool(user.get("verified"))).lower()}
        for key in ("location", "created_at"):
            if user.get(key):
                extra[key] = str(user[key])
        return Snapshot(
            network=self.platform,
            handle=name,
            status=FetchStatus.PRIVATE if protected else FetchStatus.OK,
            reason=PROTECTED if protected else None,
            platform_id=str(user["id"]),
            name=user.get("name"),
            username=user.get("username"),
            description=user.get("description"),
            links=profile_links(user),
            avatar_url=full_size_avatar(user.get("profile_image_url")),
            cover_url=user.get("profile_banner_url") or None,
            last_post_at=last,
            last_post_id=str(user["most_recent_tweet_id"])
            if last and user.get("most_recent_tweet_id")
            else None,
            followers=metrics.get("followers_count"),
            fetched_at=now,
            extra=extra,
        )

    # ---------------------------------------------------------------- HTTP

    def _client(self) -> tweepy.Client:
        _install_log_mask()
        client = tweepy.Client(bearer_token=self._token, wait_on_rate_limit=False)
        client.session.mount(TWITTER_ORIGIN, _Reroute(self.settings.api_url, self.options.timeout))
        environment_read_once(client.session, self.settings.api_url)
        return client

    def _call(self, request: Callable[[], Any]) -> Any:
        """One API call with bounded retries; raises CallFailed (this call) or PlatformStopped (every call)."""
        retry = self.options.retry
        budget = RetryBudget(retry, self.options.sleep)
        while True:
            with self._calls_lock:
                self.calls += 1
            try:
                return request()
            except tweepy.TooManyRequests as exc:
                if _problem_title(exc.response) == "UsageCapExceeded":
                    raise PlatformStopped(CAP_REACHED, code=429) from None
                wait = None
                if exc.reset_time is not None:
                    wait = max(0.0, exc.reset_time - self.options.wall())
                    if wait > retry.max_server_wait:
                        # the endpoint's window is spent until its reset: every further call of
                        # this read would be refused the same way, so none is made
                        raise PlatformStopped(RATE_LIMITED, code=429) from None
                reason = RATE_LIMITED
            except tweepy.Unauthorized:
                raise PlatformStopped(expired_token_reason(self.settings.bearer_token_env)) from None
            except tweepy.Forbidden:
                raise PlatformStopped(FORBIDDEN) from None
            except tweepy.TwitterServerError as exc:
                wait, reason = None, UNAVAILABLE
                log.warning("x: server error %s", exc.response.status_code)
            except tweepy.HTTPException as exc:
                status = exc.response.status_code
                if status == 402:
                    raise PlatformStopped(CREDITS_DEPLETED, code=402) from None
                log.warning("x: request refused (%s): %s", status, self._scrub(" ".join(exc.api_messages)))
                raise CallFailed(REJECTED.format(status=status)) from None
            except (requests.RequestException, ValueError) as exc:  # timeouts, resets, bad JSON
                wait, reason = None, UNAVAILABLE
                log.warning("x: %s", self._scrub(f"{type(exc).__name__}: {exc}"))
            if not budget.wait(wait):
                raise CallFailed(reason)

    def _scrub(self, text: str) -> str:
        if self._token:
            text = text.replace(self._token, "***")
        return scrub(text, None)


def snapshot_for(handle: str, snapshot: Snapshot) -> Snapshot:
    """The same snapshot keyed by the registry's handle (which may differ in case or '@')."""
    return snapshot if snapshot.handle == handle else replace(snapshot, handle=handle)


def profile_links(user: dict) -> tuple[str, ...]:
    """Expanded addresses of the profile's URL field, then of its description; never t.co."""
    entities = user.get("entities") or {}
    links: list[str] = []
    for section in ("url", "description"):
        for entry in (entities.get(section) or {}).get("urls") or []:
            expanded = entry.get("expanded_url") or entry.get("unwound_url")
            if expanded and not re.match(r"(?i)^https?://t\.co/", expanded) and expanded not in links:
                links.append(expanded)
    return tuple(links)


def full_size_avatar(url: str | None) -> str | None:
    """X serves the 48×48 `_normal` variant; the original has the same name without it."""
    if not url:
        return None
    return re.sub(r"_normal(\.[A-Za-z0-9]+)?$", lambda m: m.group(1) or "", url)


def _problem_title(response: requests.Response | None) -> str:
    """The `title` of an X problem body (`UsageCapExceeded`, `Too Many Requests`…), or ""."""
    try:
        body = response.json() if response is not None else {}
    except ValueError:
        return ""
    return str(body.get("title", "")) if isinstance(body, dict) else ""
