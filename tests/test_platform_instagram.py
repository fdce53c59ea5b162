"""The Instagram adapter (business discovery) against the sandbox over loopback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from scanner.config.models import FacebookSettings, InstagramSettings, PlatformSettings
from scanner.platforms.base import EXPIRED_TOKEN, NO_CREDENTIALS
from scanner.platforms.facebook import FacebookAdapter
from scanner.platforms.instagram import BAD_BUSINESS_ACCOUNT, NO_BUSINESS_ACCOUNT, NOT_FOUND, InstagramAdapter
from scanner.platforms.retry import RetryPolicy
from scanner.platforms.snapshot import FetchStatus
from vigie_sandbox import graph
from vigie_sandbox.world import World

TOKEN = "sandbox-facebook-token"
IG_ID = "17841400000000000"
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
FAST = RetryPolicy(attempts=3, base=0.01, cap=0.05, budget=5.0)
REGISTRY = Path(__file__).resolve().parents[1] / "config" / "registry.yaml"


def account(n: int, **extra) -> dict:
    return {
        "id": f"1784{n:04d}",
        "username": f"ecole{n}_csno",
        "name": f"École {n}_CSNO",
        "biography": f"Compte officiel de l'École {n}, organisme du Conseil scolaire du Nord-Ouest. www.csno.ab.ca",
        "website": f"https://e{n}.csno.ab.ca",
        "profile_picture_url": f"https://scontent.sandbox.cdninstagram.com/e{n}.jpg",
        "followers_count": 200 + n,
        "media_count": 40,
        "last_post_days_ago": 4,
        **extra,
    }


def ig_world(accounts: list[dict]) -> World:
    return World(
        facebook={"valid_tokens": [TOKEN], "pages": [{"id": "1", "username": "P", "name": "P"}]},
        instagram={"business_account": {"id": IG_ID, "username": "csno"}, "accounts": accounts},
    )


class Sleeper:
    def __init__(self):
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def start(sandbox):
    def run(world: World):
        return sandbox(world, routes=[graph.route], now=lambda: NOW)

    return run


def settings(server, ig_user_id: str | None = IG_ID) -> PlatformSettings:
    return PlatformSettings(
        facebook=FacebookSettings(graph_url=server.url, version="v23.0"),
        instagram=InstagramSettings(ig_user_id=ig_user_id),
    )


def adapter(
    server, token: str | None = TOKEN, ig_user_id: str | None = IG_ID, sleep=None
) -> InstagramAdapter:
    return InstagramAdapter(
        settings(server, ig_user_id),
        token,
        timeout=5.0,
        retry=FAST,
        sleep=sleep or Sleeper(),
        clock=lambda: NOW,
    )


def test_snapshot_fields(start):
    server = start(ig_world([account(1)]))
    snap = adapter(server).fetch(["ecole1_csno"])["ecole1_csno"]
    assert snap.ok and snap.network == "instagram" and snap.handle == "ecole1_csno"
    assert snap.platform_id == "17840001" and snap.username == "ecole1_csno" and snap.name == "École 1_CSNO"
    assert snap.description.startswith("Compte officiel")
    assert snap.links == ("https://e1.csno.ab.ca", "http://www.csno.ab.ca")
    assert snap.avatar_url == "https://scontent.sandbox.cdninstagram.com/e1.jpg"
    assert snap.cover_url is None and snap.admins is None
    assert snap.followers == 201 and snap.extra["media_count"] == "40"
    assert snap.last_post_at.utcoffset() == dt.timedelta(0)
    assert dt.timedelta(days=4) <= NOW - snap.last_post_at < dt.timedelta(days=5)
    assert snap.fetched_at == NOW
    fields = server.log[0].query["fields"]
    assert (
        fields.startswith("business_discovery.username(ecole1_csno){")
        and "media.limit(1){timestamp}" in fields
    )


def test_one_request_per_username(start):
    server = start(ig_world([account(n) for n in range(7)]))
    result = adapter(server).fetch([f"ecole{n}_csno" for n in range(7)] + ["@ecole0_csno"])
    assert all(s.ok for s in result.values())
    assert len(server.requests_to("graph.ig_discovery")) == 8
    assert len(server.log) == 8


@pytest.mark.parametrize("username", ["inconnu_csno", "perso_csno"])
def test_missing_or_personal_account_is_not_found(start, username):
    server = start(ig_world([account(1), account(2, username="perso_csno", account_type="personal")]))
    result = adapter(server).fetch(["ecole1_csno", username])
    snap = result[username]
    assert snap.status is FetchStatus.NOT_FOUND and snap.verified and snap.reason == NOT_FOUND
    assert "introuvable ou compte personnel" in snap.reason
    assert result["ecole1_csno"].ok


def test_invalid_username_is_not_sent(start):
    server = start(ig_world([account(1)]))
    result = adapter(server).fetch(["bad){name}"])
    assert result["bad){name}"].status is FetchStatus.NOT_FOUND
    assert server.log == []


def test_no_token_and_no_business_account(start):
    server = start(ig_world([account(1)]))
    assert adapter(server, token=None).fetch(["ecole1_csno"])["ecole1_csno"].reason == NO_CREDENTIALS
    snap = adapter(server, ig_user_id=None).fetch(["ecole1_csno"])["ecole1_csno"]
    assert snap.status is FetchStatus.ERROR and snap.reason == NO_BUSINESS_ACCOUNT
    assert server.log == []


def test_unknown_business_account_stops_after_one_call(start):
    server = start(ig_world([account(1), account(2)]))
    result = adapter(server, ig_user_id="17849999999999999").fetch(["ecole1_csno", "ecole2_csno"])
    assert {s.reason for s in result.values()} == {BAD_BUSINESS_ACCOUNT}
    assert len(server.log) == 1


def test_expired_token_stops_at_once(start):
    server = start(ig_world([account(n) for n in range(5)]))
    server.faults.set("graph", token_expired=True)
    result = adapter(server).fetch([f"ecole{n}_csno" for n in range(5)])
    assert {s.reason for s in result.values()} == {EXPIRED_TOKEN}
    assert len(server.log) == 1


def test_throttled_then_read(start):
    server = start(ig_world([account(1)]))
    server.faults.set("graph.ig_discovery", throttled=1, throttle_code=613)
    sleeper = Sleeper()
    assert adapter(server, sleep=sleeper).fetch(["ecole1_csno"])["ecole1_csno"].ok
    assert len(server.log) == 2 and sleeper.waits == [FAST.cap]


def test_instagram_account_throttling_80002_waits_as_the_business_use_case_header_says(start):
    """(#80002): too many calls to this Instagram account; `estimated_time_to_regain_access`
    (minutes, in X-Business-Use-Case-Usage) is the wait, bounded by the policy."""
    server = start(ig_world([account(1)]))
    server.faults.set("graph.ig_discovery", throttled=1, throttle_code="80002", regain_minutes=0)
    sleeper = Sleeper()
    assert adapter(server, sleep=sleeper).fetch(["ecole1_csno"])["ecole1_csno"].ok
    assert len(server.log) == 2 and len(sleeper.waits) == 1

    server.clear_log()
    server.faults.set("graph.ig_discovery", throttled=True, throttle_code="80002", regain_minutes=60)
    snap = adapter(server, sleep=sleeper).fetch(["ecole1_csno"])["ecole1_csno"]
    assert snap.status.value == "error" and "code 80002" in snap.reason
    assert len(server.log) == 1  # an hour to wait is past the policy: given up at once


def test_outage_gives_up_and_spares_the_others(start):
    server = start(ig_world([account(n) for n in range(3)]))
    server.faults.set("graph", server_errors=100)
    result = adapter(server).fetch([f"ecole{n}_csno" for n in range(3)])
    assert {s.reason for s in result.values()} == {
        "la plateforme a répondu par une erreur 503 après 3 tentatives"
    }
    assert len(server.log) == 3


def test_expired_token_makes_every_facebook_and_instagram_account_unverified(start):
    world = ig_world([account(n) for n in range(3)])
    world.facebook["pages"] = [{"id": f"9{n}", "username": f"Page{n}", "name": f"P{n}"} for n in range(3)]
    server = start(world)
    server.faults.set("graph", token_expired=True)
    platform = settings(server)
    facebook = FacebookAdapter(platform.facebook, TOKEN, retry=FAST, sleep=Sleeper()).fetch(
        ["Page0", "Page1", "Page2"]
    )
    instagram = InstagramAdapter(platform, TOKEN, retry=FAST, sleep=Sleeper()).fetch(
        [f"ecole{n}_csno" for n in range(3)]
    )
    snapshots = list(facebook.values()) + list(instagram.values())
    assert len(snapshots) == 6
    assert all(s.status is FetchStatus.ERROR and s.reason == EXPIRED_TOKEN for s in snapshots)
    assert len(server.log) == 2  # one call per adapter, no retry storm


def test_demo_world_accounts_all_readable(sandbox):
    registry = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    usernames = [a["handle"] for a in registry["accounts"] if a["network"] == "instagram"]
    server = sandbox(World.demo(), routes=[graph.route])
    ig_user_id = yaml.safe_load((REGISTRY.parent / "settings.yaml").read_text())["platforms"]["instagram"][
        "ig_user_id"
    ]
    result = adapter(server, ig_user_id=ig_user_id).fetch(usernames)
    assert all(s.ok for s in result.values()), {h: s.reason for h, s in result.items() if not s.ok}
    assert len(server.requests_to("graph.ig_discovery")) == len(usernames)
