"""The Facebook adapter against the sandbox over loopback: batching, roles, errors, retries, secrecy."""

from __future__ import annotations

import datetime as dt
import logging
import math
from pathlib import Path

import pytest
import yaml

from scanner.config.models import FacebookSettings
from scanner.platforms import facebook_reasons
from scanner.platforms.base import EXPIRED_TOKEN, NO_CREDENTIALS
from scanner.platforms.facebook import FacebookAdapter
from scanner.platforms.retry import RetryPolicy
from scanner.platforms.snapshot import FetchStatus
from vigie_sandbox import graph
from vigie_sandbox.world import World

TOKEN = "sandbox-facebook-token"
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
FAST = RetryPolicy(attempts=4, base=0.01, cap=0.05, budget=5.0)
REGISTRY = Path(__file__).resolve().parents[1] / "config" / "registry.yaml"


def page(n: int, **extra) -> dict:
    return {
        "id": f"2000{n:05d}",
        "username": f"Ecole{n}CSNO",
        "name": f"École {n}_CSNO (page officielle)",
        "about": f"Page officielle de l'École {n}, organisme du Conseil scolaire du Nord-Ouest.",
        "website": f"https://e{n}.csno.ab.ca\nwww.csno.ab.ca",
        "emails": [f"e{n}@csno.ab.ca"],
        "category": "School",
        "followers_count": 100 + n,
        "picture": f"https://scontent.sandbox.fbcdn.net/e{n}.jpg",
        "cover": f"https://scontent.sandbox.fbcdn.net/e{n}-cover.jpg",
        "last_post_days_ago": 5,
        "roles": [{"name": "Julie Côté"}, {"name": "Sophie Tremblay", "tasks": ["MANAGE"]}],
        **extra,
    }


def fb_world(pages: list[dict], **facebook) -> World:
    """The token manages no page unless `role_tokens` says so: pages are read in batches of 50."""
    return World(facebook={"valid_tokens": [TOKEN], "role_tokens": [], "pages": pages, **facebook})


def managed_world(pages: list[dict], **facebook) -> World:
    """The token manages every page that declares `roles` (listed by /me/accounts)."""
    return World(facebook={"valid_tokens": [TOKEN], "pages": pages, **facebook})


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


def adapter(server, token: str | None = TOKEN, sleep=None, retry: RetryPolicy = FAST, timeout: float = 5.0):
    settings = FacebookSettings(graph_url=server.url, version="v23.0")
    return FacebookAdapter(
        settings, token, timeout=timeout, retry=retry, sleep=sleep or Sleeper(), clock=lambda: NOW
    )


def handles(n: int) -> list[str]:
    return [f"Ecole{i}CSNO" for i in range(n)]


# ---------------------------------------------------------------- reading


def test_snapshot_fields(start):
    server = start(
        managed_world(
            [page(1, website="https://e1.csno.ab.ca  https://www.csno.ab.ca, enf.csno.ab.ca/ancien-site")]
        )
    )
    snap = adapter(server).fetch(["Ecole1CSNO"])["Ecole1CSNO"]
    assert snap.status is FetchStatus.OK and snap.network == "facebook" and snap.handle == "Ecole1CSNO"
    assert snap.platform_id == "200000001" and snap.username == "Ecole1CSNO"
    assert snap.name == "École 1_CSNO (page officielle)"
    assert "organisme du Conseil scolaire du Nord-Ouest" in snap.description
    assert snap.links == (
        "https://e1.csno.ab.ca",
        "https://www.csno.ab.ca",
        "http://enf.csno.ab.ca/ancien-site",
    )
    assert snap.emails == ("e1@csno.ab.ca",)
    assert snap.avatar_url == "https://scontent.sandbox.fbcdn.net/e1.jpg" and not snap.avatar_is_silhouette
    assert snap.cover_url == "https://scontent.sandbox.fbcdn.net/e1-cover.jpg"
    assert snap.category == "School" and snap.page_kind == "page" and snap.followers == 101
    assert snap.last_post_at.tzinfo is not None and snap.last_post_at.utcoffset() == dt.timedelta(0)
    assert dt.timedelta(days=5) <= NOW - snap.last_post_at < dt.timedelta(days=6)
    assert snap.fetched_at == NOW
    assert [(a.name, a.role) for a in snap.admins] == [
        ("Julie Côté", "ANALYZE,ADVERTISE,MODERATE,CREATE_CONTENT,MANAGE"),
        ("Sophie Tremblay", "MANAGE"),
    ]
    assert "Business Manager" in snap.admins_partial  # roles leave those people out


def test_silhouette_and_no_posts(start):
    server = start(fb_world([page(1, picture=None, cover=None, last_post_days_ago=None)]))
    snap = adapter(server).fetch(["Ecole1CSNO"])["Ecole1CSNO"]
    assert snap.avatar_is_silhouette and snap.cover_url is None and snap.last_post_at is None


def test_batch_of_50_with_one_missing(start):
    server = start(fb_world([page(i) for i in range(49)]))
    wanted = handles(49) + ["PageDisparueCSNO"]
    result = adapter(server).fetch(wanted)
    assert list(result) == wanted
    assert sum(s.status is FetchStatus.OK for s in result.values()) == 49
    missing = result["PageDisparueCSNO"]
    assert missing.status is FetchStatus.NOT_FOUND and missing.verified and "aucune page" in missing.reason
    assert len(server.requests_to("graph.ids")) == 2  # the batch, then the others again


@pytest.mark.parametrize("n", [1, 50, 51, 120])
def test_profile_reads_are_batched_50_at_a_time(start, n):
    server = start(fb_world([page(i) for i in range(n)]))
    result = adapter(server).fetch(handles(n))
    assert all(s.ok for s in result.values())
    ids_requests = server.requests_to("graph.ids")
    assert len(ids_requests) == math.ceil(n / 50)
    assert len(server.log) == math.ceil(n / 50) + 1  # and /me/accounts, once
    assert all(len(r.query["ids"].split(",")) <= 50 for r in ids_requests)
    assert "posts.limit(1){created_time}" in ids_requests[0].query["fields"]
    assert "roles" not in ids_requests[0].query["fields"]  # roles need the page's own token
    assert all(
        s.admins is None and s.withheld["admins"] == facebook_reasons.NOT_MANAGED for s in result.values()
    )


@pytest.mark.parametrize(("managed", "others"), [(3, 0), (3, 120), (0, 1)])
def test_managed_pages_are_read_once_each_with_their_page_token(start, managed, others):
    pages = [page(i) for i in range(managed)] + [
        {k: v for k, v in page(i).items() if k != "roles"} for i in range(managed, managed + others)
    ]
    server = start(managed_world(pages))
    result = adapter(server).fetch(handles(managed + others))
    assert all(s.ok and s.last_post_at for s in result.values())
    assert all(len(result[h].admins) == 2 for h in handles(managed))
    # the batched minimum: /me/accounts, ceil(others / 50) batches, one call per managed page
    assert len(server.requests_to("graph.accounts")) == 1
    assert len(server.requests_to("graph.ids")) == math.ceil(others / 50)
    objects = server.requests_to("graph.object")
    assert len(objects) == managed and all("roles{id,name,tasks}" in r.query["fields"] for r in objects)
    assert len(server.log) == 1 + math.ceil(others / 50) + managed


def test_several_missing_and_duplicates(start):
    server = start(fb_world([page(i) for i in range(5)]))
    result = adapter(server).fetch(["Ecole0CSNO", "Ghost1", "Ecole3CSNO", "Ghost2", "Ecole0CSNO"])
    assert {h: s.status for h, s in result.items()} == {
        "Ecole0CSNO": FetchStatus.OK,
        "Ghost1": FetchStatus.NOT_FOUND,
        "Ecole3CSNO": FetchStatus.OK,
        "Ghost2": FetchStatus.NOT_FOUND,
    }


def test_invalid_handle_is_not_sent(start):
    server = start(fb_world([page(1)]))
    result = adapter(server).fetch(["Ecole1CSNO", "bad,handle{x}"])
    assert result["bad,handle{x}"].status is FetchStatus.NOT_FOUND
    assert server.requests_to("graph.ids")[0].query["ids"] == "Ecole1CSNO"


def test_personal_profile_in_batch_is_isolated(start):
    world = fb_world([page(i) for i in range(4)], users=[{"id": "777", "name": "Rémi Gauthier"}])
    server = start(world)
    result = adapter(server).fetch(handles(4) + ["777"])
    assert all(result[h].ok and result[h].page_kind == "page" for h in handles(4))
    profile = result["777"]
    assert profile.ok and profile.page_kind == "profile" and profile.name == "Rémi Gauthier"


# ---------------------------------------------------------------- roles


def test_roles_unreadable_page_means_platform_does_not_tell(start):
    server = start(managed_world([page(1), page(2, roles=[]), _without_roles(page(3))]))
    result = adapter(server).fetch(["Ecole1CSNO", "Ecole2CSNO", "Ecole3CSNO"])
    assert len(result["Ecole1CSNO"].admins) == 2
    assert result["Ecole2CSNO"].admins == ()
    assert result["Ecole3CSNO"].admins is None and result["Ecole3CSNO"].ok


def test_roles_refused_to_the_page_token_void_only_the_roles(start):
    """`(#200)` on `roles` for one managed page: the page is asked again without them."""
    server = start(managed_world([page(1), page(2)]))
    server.faults.set("graph.object", permission_denied=1)
    result = adapter(server).fetch(["Ecole1CSNO", "Ecole2CSNO"])
    refused = [s for s in result.values() if s.admins is None]
    assert len(refused) == 1 and refused[0].ok and refused[0].last_post_at
    assert refused[0].withheld == {"admins": facebook_reasons.ROLES_REFUSED}
    assert len(server.requests_to("graph.object")) == 3


def test_one_hidden_page_in_a_batch_of_50_spoils_no_other(start):
    server = start(fb_world([page(i) for i in range(49)] + [page(49, published=False)]))
    result = adapter(server).fetch(handles(50))
    assert all(result[h].ok for h in handles(49))
    hidden = result["Ecole49CSNO"]
    assert hidden.status is FetchStatus.ERROR and hidden.reason == facebook_reasons.HIDDEN_PAGE
    # the failed batch, then a bisection: at most two calls per halving
    assert len(server.requests_to("graph.ids")) <= 1 + 2 * math.ceil(math.log2(50))


def _without_roles(p: dict) -> dict:
    return {k: v for k, v in p.items() if k != "roles"}


# ---------------------------------------------------------------- credentials


def test_no_token_means_no_credentials_and_no_request(start):
    server = start(fb_world([page(1)]))
    result = adapter(server, token=None).fetch(["Ecole1CSNO", "Ecole2CSNO"])
    assert {s.reason for s in result.values()} == {NO_CREDENTIALS}
    assert not any(s.verified for s in result.values())
    assert server.log == []


@pytest.mark.parametrize("how", ["knob", "world"])
def test_expired_token_stops_at_once(start, how):
    world = fb_world([page(i) for i in range(120)], expired_tokens=["old-token"])
    server = start(world)
    token = TOKEN
    if how == "knob":
        server.faults.set("graph", token_expired=True)
    else:
        token = "old-token"
    sleeper = Sleeper()
    result = adapter(server, token=token, sleep=sleeper).fetch(handles(120))
    assert {s.reason for s in result.values()} == {EXPIRED_TOKEN}
    assert all(s.status is FetchStatus.ERROR for s in result.values())
    assert len(server.log) == 1 and sleeper.waits == []


def test_invalid_token_is_treated_like_an_expired_one(start):
    server = start(fb_world([page(1)]))
    result = adapter(server, token="wrong").fetch(["Ecole1CSNO"])
    assert result["Ecole1CSNO"].reason == EXPIRED_TOKEN


def test_token_expiring_between_batches_keeps_pages_read(start):
    server = start(fb_world([page(i) for i in range(60)]))
    server.faults.set("graph.ids", token_expired=0)
    result = adapter(server).fetch(handles(60))
    assert all(s.ok for s in result.values())
    server.clear_log()
    server.faults.set("graph.ids", token_expired=1)
    result = adapter(server).fetch(handles(60))
    assert {s.reason for s in result.values()} == {EXPIRED_TOKEN}
    assert len(server.requests_to("graph.ids")) == 1


# ---------------------------------------------------------------- retries


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_throttling_backs_off_then_succeeds(start, code):
    server = start(fb_world([page(1)]))
    server.faults.set("graph.ids", throttled=2, throttle_code=code)
    sleeper = Sleeper()
    result = adapter(server, sleep=sleeper).fetch(["Ecole1CSNO"])
    assert result["Ecole1CSNO"].ok
    assert len(server.requests_to("graph.ids")) == 3
    # the throttled answers report 100 % usage: each wait is the policy's longest
    assert sleeper.waits[:2] == [FAST.cap, FAST.cap]


def test_throttling_that_lasts_gives_up_within_the_policy(start):
    server = start(fb_world([page(1), page(2)]))
    server.faults.set("graph", throttled="613")
    sleeper = Sleeper()
    result = adapter(server, sleep=sleeper).fetch(["Ecole1CSNO", "Ecole2CSNO"])
    reasons = {s.reason for s in result.values()}
    assert reasons == {"la plateforme limite le nombre d'appels (code 613) après 4 tentatives"}
    assert len(server.log) == 4 and len(sleeper.waits) == 3


def test_high_app_usage_paces_calls(start):
    sleeper = Sleeper()
    server = start(fb_world([page(i) for i in range(51)]))
    server.faults.set("graph", app_usage=90)
    assert all(s.ok for s in adapter(server, sleep=sleeper).fetch(handles(51)).values())
    # before each call after the first (/me/accounts): the two batches
    assert sleeper.waits == [pytest.approx(FAST.cap * 0.9)] * 2


@pytest.mark.parametrize(
    ("knob", "reason"),
    [
        ("server_errors", "la plateforme a répondu par une erreur 503 après 4 tentatives"),
        (
            "malformed_json",
            "la plateforme a envoyé une réponse illisible (JSON invalide ou incomplet) après 4 tentatives",
        ),
        ("truncated", "la réponse de la plateforme a été interrompue avant la fin après 4 tentatives"),
    ],
)
def test_transient_failures_retry_then_give_up(start, knob, reason):
    server = start(fb_world([page(i) for i in range(60)]))
    server.faults.set("graph.ids", **{knob: 2})
    assert all(s.ok for s in adapter(server).fetch(handles(60)).values())

    server.faults.set("graph.ids", **{knob: 100})
    server.clear_log()
    result = adapter(server).fetch(handles(60))
    assert {s.reason for s in result.values()} == {reason}
    assert not any(s.verified for s in result.values())
    # the platform is down: the second batch is not asked
    assert len(server.requests_to("graph.ids")) == 4


def test_timeout_is_retried_then_named(start):
    server = start(fb_world([page(1)]))
    server.faults.set("graph", latency=0.5)
    result = adapter(server, timeout=0.1, retry=RetryPolicy(attempts=2, base=0.01, cap=0.01)).fetch(
        ["Ecole1CSNO"]
    )
    assert (
        result["Ecole1CSNO"].reason
        == "la plateforme n'a pas répondu dans le délai de 0.1 s après 2 tentatives"
    )


def test_permission_error_on_batch_is_not_verified(start):
    server = start(fb_world([page(1)]))
    server.faults.set("graph.ids", permission_denied=1)
    snap = adapter(server).fetch(["Ecole1CSNO"])["Ecole1CSNO"]
    assert snap.status is FetchStatus.ERROR and "permission" in snap.reason
    assert len(server.requests_to("graph.ids")) == 1


# ---------------------------------------------------------------- secrecy


def test_token_never_in_urls_reasons_or_logs(start, caplog):
    secret = "EAAB-very-secret-token-123"
    server = start(fb_world([page(1)], valid_tokens=[secret]))
    server.faults.set("graph.ids", server_errors=100)
    caplog.set_level(logging.DEBUG)
    result = adapter(server, token=secret).fetch(["Ecole1CSNO"])
    assert secret not in result["Ecole1CSNO"].reason
    assert secret not in caplog.text
    assert all("access_token" not in r.query for r in server.log)
    assert server.log, "the sandbox was asked"


# ---------------------------------------------------------------- demo world


def test_demo_world_pages_all_readable(sandbox):
    registry = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    pages = [a["handle"] for a in registry["accounts"] if a["network"] == "facebook"]
    server = sandbox(World.demo(), routes=[graph.route])
    result = adapter(server).fetch(pages + ["ParentsEcoleHeritageCSNO"])
    assert all(s.ok for s in result.values()), {h: s.reason for h, s in result.items() if not s.ok}
    assert all(s.admins for h, s in result.items() if h != "ParentsEcoleHeritageCSNO")
    assert result["ParentsEcoleHeritageCSNO"].admins is None
    # the board's pages with their page tokens, the look-alike in one batch
    assert len(server.requests_to("graph.ids")) == 1
    assert len(server.requests_to("graph.object")) == len(pages)
