"""What the configured credentials can read, asked of each platform without auditing anything.

For installation day (`run_audit.py access`): per platform, what the credentials are, which
permissions and features they carry, how many registered accounts they reach, and therefore
which checks will be `non_verifiable` for which accounts; the cost of a night on X and its
quota on YouTube. A handful of calls: nothing is audited, nothing is stored.

Facebook: `GET /debug_token` (developers.facebook.com/docs/graph-api/reference/debug_token:
type, application, expiry, scopes; the token asks about itself), `GET /me/accounts` (the pages
it manages), then one registered page it does not manage, read once for its public fields
(*Page Public Metadata Access*) and once with its last post (*Page Public Content Access*):
the features themselves are not readable with the token, what they allow is.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field

from scanner.config.models import Config, Network
from scanner.platforms import facebook_reasons as fb
from scanner.platforms import facebook_tiers as tiers
from scanner.platforms.base import CallFailed, CallOptions, PlatformStopped
from scanner.platforms.graph_client import GraphClient, is_permission_code, needs_proof
from scanner.platforms.instagram import InstagramAdapter
from scanner.platforms.retry import RetryPolicy
from scanner.platforms.x import POST_READ, USER_READ, XAdapter
from scanner.platforms.x_reads import XDayReads
from scanner.platforms.x_reads import default_path as x_reads_path
from scanner.platforms.youtube import BATCH as YOUTUBE_BATCH
from scanner.platforms.youtube import YouTubeAdapter
from scanner.plumbing.secrets import Secrets

PROBE_RETRY = RetryPolicy(attempts=2, base=0.5, cap=2.0, budget=5.0)
NIGHTS_A_MONTH = 30
YOUTUBE_DAILY_QUOTA = (
    10_000  # units a project gets by default (developers.google.com/youtube/v3/getting-started#quota)
)
KINDS = {"SYSTEM_USER": "utilisateur système", "USER": "utilisateur", "PAGE": "page", "APP": "application"}


@dataclass
class PlatformAccess:
    """One platform's answer: facts in French, and what the audit will miss because of it."""

    name: str
    accounts: int  # registered accounts on this platform
    lines: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # what is missing, and how to get it
    unverifiable: dict[str, list[str]] = field(default_factory=dict)  # check id -> account ids

    @property
    def complete(self) -> bool:
        return not self.missing


def probe_all(config: Config, secrets: Secrets, options: CallOptions | None = None) -> list[PlatformAccess]:
    options = options or CallOptions(timeout=config.settings.network.timeout, retry=PROBE_RETRY)
    by_platform: dict[str, list] = {}
    for account in config.registry.accounts:
        by_platform.setdefault(account.network.platform, []).append(account)
    return [
        probe_facebook(config, secrets, options, by_platform.get("facebook", [])),
        probe_instagram(config, secrets, options, by_platform.get("instagram", [])),
        probe_x(config, secrets, options, by_platform.get("x", [])),
        probe_youtube(config, secrets, options, by_platform.get("youtube", [])),
    ]


# ---------------------------------------------------------------- Facebook


def probe_facebook(config: Config, secrets: Secrets, options: CallOptions, accounts: list) -> PlatformAccess:
    result = PlatformAccess("Facebook", len(accounts))
    settings = config.settings.platforms.facebook
    if not secrets.facebook_token:
        return _no_credentials(result, settings.token_env, accounts)
    if settings.app_secret_env and not secrets.facebook_app_secret:
        result.missing.append(f"la variable {settings.app_secret_env} (secret de l'application) est vide")
    token = str(secrets.facebook_token)
    client = GraphClient(
        settings.graph_url, settings.version, token, options, app_secret=secrets.facebook_app_secret
    )
    try:
        _describe_token(client, token, result)
        pages = _managed_pages(client, result)
        pages_only = [a for a in accounts if a.network is Network.FACEBOOK]
        mine = [a for a in pages_only if a.handle.strip().lower() in pages]
        others = [a for a in pages_only if a.handle.strip().lower() not in pages]
        result.lines.append(
            f"pages gérées par le jeton\u00a0: {len(mine)} des {len(pages_only)} pages du registre"
        )
        if others:
            result.unverifiable.setdefault("admins.platform", []).extend(a.id for a in others)
            _probe_features(client, others, result)
    except PlatformStopped as stop:
        result.missing.append(stop.reason)
        result.unverifiable["toutes"] = [a.id for a in accounts]
    finally:
        client.close()
    return result


def _describe_token(client: GraphClient, token: str, result: PlatformAccess) -> None:
    try:
        # The token asks about itself; it travels in the query string here only (Meta's API has
        # no other way), and is never printed: GraphClient scrubs every text it logs.
        data = client.node("debug_token", input_token=token).get("data") or {}
    except CallFailed:
        result.lines.append("jeton\u00a0: nature et échéance non communiquées par Meta")
        return
    kind = KINDS.get(str(data.get("type", "")).upper(), str(data.get("type", "inconnu")).lower())
    expires = data.get("expires_at")
    expiry = "n'expire jamais" if not expires else f"expire le {expires}"
    result.lines.append(
        f"jeton\u00a0: {kind}, application «\u00a0{data.get('application', '?')}\u00a0» ({data.get('app_id', '?')}), {expiry}"
    )
    scopes = sorted(str(s) for s in data.get("scopes") or [])
    result.lines.append("permissions\u00a0: " + (", ".join(scopes) or "aucune"))
    for needed in ("pages_show_list", "pages_read_engagement"):
        if needed not in scopes:
            result.missing.append(
                f"la permission {needed} manque au jeton\u00a0: la donner à l'utilisateur système dans "
                "Business Manager, puis générer un nouveau jeton"
            )
    if kind != "utilisateur système":
        result.lines.append(
            "conseil\u00a0: un jeton d'utilisateur système de Business Manager n'expire pas "
            "et survit au départ d'un employé"
        )


def _managed_pages(client: GraphClient, result: PlatformAccess) -> set[str]:
    pages: set[str] = set()
    try:
        answer = client.connection("me", "accounts", fields=tiers.ACCOUNTS_FIELDS, limit=tiers.ACCOUNTS_PAGE)
    except CallFailed as failed:
        if needs_proof(failed):
            raise PlatformStopped(fb.NEEDS_APPSECRET_PROOF) from None
        result.missing.append(fb.NO_PAGE_LIST if is_permission_code(failed.code) else failed.reason)
        return pages
    for page in answer.get("data") or []:
        for key in ("id", "username"):
            if page.get(key):
                pages.add(str(page[key]).lower())
    return pages


def _probe_features(client: GraphClient, others: list, result: PlatformAccess) -> None:
    sample = others[0].handle.strip()
    ids = [a.id for a in others]
    try:
        client.objects([sample], "id,name")
        result.lines.append(
            "Page Public Metadata Access\u00a0: accordée (les pages non gérées sont lisibles)"
        )
    except CallFailed as failed:
        if needs_proof(failed):
            raise PlatformStopped(fb.NEEDS_APPSECRET_PROOF) from None
        result.lines.append("Page Public Metadata Access\u00a0: non accordée, ou page invisible")
        result.missing.append(fb.NO_METADATA_ACCESS)
        result.unverifiable["toutes"] = ids
        return
    try:
        client.objects([sample], "id," + tiers.POSTS_FIELD)
        result.lines.append("Page Public Content Access\u00a0: accordée")
    except CallFailed:
        result.lines.append("Page Public Content Access\u00a0: non accordée")
        result.missing.append(fb.NO_CONTENT_ACCESS)
        result.unverifiable.setdefault("activity.calendar", []).extend(ids)


# ---------------------------------------------------------------- Instagram, X, YouTube


def probe_instagram(config: Config, secrets: Secrets, options: CallOptions, accounts: list) -> PlatformAccess:
    result = PlatformAccess("Instagram", len(accounts))
    platforms = config.settings.platforms
    if not secrets.facebook_token:
        return _no_credentials(result, platforms.facebook.token_env, accounts)
    if not accounts:
        result.lines.append("aucun compte Instagram au registre")
        return result
    adapter = InstagramAdapter(
        platforms, secrets.facebook_token, app_secret=secrets.facebook_app_secret, options=options
    )
    return _one_read(result, adapter, accounts)


def probe_x(config: Config, secrets: Secrets, options: CallOptions, accounts: list) -> PlatformAccess:
    result = PlatformAccess("X", len(accounts))
    if not secrets.x_bearer_token:
        return _no_credentials(result, config.settings.platforms.x.bearer_token_env, accounts)
    night = len(accounts) * (USER_READ + POST_READ)
    result.lines.append(
        f"coût d'une nuit\u00a0: au plus {_dollars(night)} ({len(accounts)} comptes à {_dollars(USER_READ)} "
        f"et leur dernière publication à {_dollars(POST_READ)}); d'un mois\u00a0: au plus "
        f"{_dollars(night * NIGHTS_A_MONTH)}"
    )
    if not accounts:
        return result
    day_reads = XDayReads(x_reads_path(config.state_dir))  # a read the nights of today need not pay again
    adapter = XAdapter(
        config.settings.platforms.x, secrets.x_bearer_token, day_reads=day_reads, options=options
    )
    _one_read(result, adapter, accounts)
    result.lines.append(f"coût de cette vérification\u00a0: {_dollars(adapter.cost.dollars)}")
    with contextlib.suppress(OSError):  # else the next run of the day counts this read as paid again
        day_reads.save()
    return result


def probe_youtube(config: Config, secrets: Secrets, options: CallOptions, accounts: list) -> PlatformAccess:
    result = PlatformAccess("YouTube", len(accounts))
    if not secrets.youtube_api_key:
        return _no_credentials(result, config.settings.platforms.youtube.api_key_env, accounts)
    n = len(accounts)
    steady = math.ceil(n / YOUTUBE_BATCH) + n
    quota = f"{YOUTUBE_DAILY_QUOTA:,}".replace(",", "\u00a0")  # 10 000
    result.lines.append(
        f"quota d'une nuit\u00a0: {steady} unités ({2 * n} la première nuit), sur {quota} par jour"
    )
    if not accounts:
        return result
    adapter = YouTubeAdapter(config.settings.platforms.youtube, secrets.youtube_api_key, options=options)
    return _one_read(result, adapter, accounts)


def _one_read(result: PlatformAccess, adapter, accounts: list) -> PlatformAccess:
    """Read one registered account: the credentials work, or the reason they do not."""
    account = accounts[0]
    snapshot = adapter.fetch([account.handle])[account.handle]
    if snapshot.verified:
        result.lines.append(f"lecture d'essai ({account.id})\u00a0: réussie")
    else:
        result.lines.append(f"lecture d'essai ({account.id})\u00a0: échec")
        result.missing.append(snapshot.reason or "la plateforme n'a pas répondu")
        result.unverifiable["toutes"] = [a.id for a in accounts]
    return result


def _no_credentials(result: PlatformAccess, env: str, accounts: list) -> PlatformAccess:
    if accounts:
        result.missing.append(f"aucun identifiant\u00a0: la variable d'environnement {env} est vide")
        result.unverifiable["toutes"] = [a.id for a in accounts]
    else:
        result.lines.append("aucun compte au registre, aucun identifiant configuré")
    return result


def _dollars(amount: float) -> str:
    """`0,015 $ US`, `1,80 $ US`: cents, and a third decimal when there is one."""
    text = f"{amount:.3f}"
    text = text[:-1] if text.endswith("0") else text
    return text.replace(".", ",") + "\u00a0$\u00a0US"
