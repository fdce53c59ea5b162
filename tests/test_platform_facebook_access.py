"""The Facebook adapter against Meta's access model (the sandbox's realistic mode).

The acceptance world of the platforms issue: a system-user token that manages the pages of one
school only, an app with Page Public Metadata Access but not Page Public Content Access, and
`appsecret_proof` required; one unpublished page among the others.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from scanner.config.models import FacebookSettings
from scanner.platforms import facebook_reasons
from scanner.platforms.base import EXPIRED_TOKEN, CallFailed, CallOptions
from scanner.platforms.facebook import FacebookAdapter
from scanner.platforms.graph_client import GraphClient, is_wrong_token_kind
from scanner.platforms.retry import RetryPolicy
from scanner.platforms.snapshot import FetchStatus
from vigie_sandbox import graph
from vigie_sandbox.world import World

TOKEN = "system-user-token"
SECRET = "sandbox-app-secret"
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
FAST = RetryPolicy(attempts=3, base=0.01, cap=0.05, budget=5.0)
SCHOOL = [f"EcoleA{i}CSNO" for i in range(3)]  # the school whose pages the board manages
OTHERS = [f"Autre{i}CSNO" for i in range(60)]
HIDDEN = "Autre17CSNO"


def page(n: int, username: str, **extra) -> dict:
    return {
        "id": f"4000{n:05d}",
        "username": username,
        "name": f"{username} (page officielle)",
        "category": "School",
        "picture": f"https://scontent.sandbox.fbcdn.net/{username}.jpg",
        "last_post_days_ago": 4,
        "roles": [{"name": "Julie Côté"}],
        **extra,
    }


def world(features=("page_public_metadata_access",), **app) -> World:
    usernames = SCHOOL + OTHERS
    pages = [page(n, u, **({"published": False} if u == HIDDEN else {})) for n, u in enumerate(usernames)]
    return World(
        facebook={
            "app": {
                "id": "12001",
                "name": "Vigie CSNO",
                "secret": SECRET,
                "features": list(features),
                "require_appsecret_proof": True,
                **app,
            },
            "tokens": [
                {
                    "token": TOKEN,
                    "kind": "system_user",
                    "permissions": ["pages_show_list", "pages_read_engagement", "business_management"],
                    "manages": SCHOOL,
                }
            ],
            "pages": pages,
        }
    )


class Sleeper:
    def __init__(self):
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def start(sandbox):
    return lambda w: sandbox(w, routes=[graph.route], now=lambda: NOW)


def adapter(server, app_secret: str | None = SECRET, sleep=None) -> FacebookAdapter:
    settings = FacebookSettings(graph_url=server.url, version="v23.0")
    options = CallOptions(timeout=5.0, retry=FAST, sleep=sleep or Sleeper(), clock=lambda: NOW)
    return FacebookAdapter(settings, TOKEN, app_secret=app_secret, options=options)


def test_acceptance_tiers_each_decide_what_they_can(start):
    server = start(world())
    result = adapter(server).fetch(SCHOOL + OTHERS)
    # every page is verified, except the unpublished one, which spoils no other page
    hidden = result.pop(HIDDEN)
    assert hidden.status is FetchStatus.ERROR and hidden.reason == facebook_reasons.HIDDEN_PAGE
    assert all(s.ok for s in result.values())
    # the managed pages: last post and roles, read with their page tokens
    for handle in SCHOOL:
        snap = result[handle]
        assert snap.last_post_at is not None and [a.name for a in snap.admins] == ["Julie Côté"]
        assert snap.withheld == {} and snap.admins_partial == facebook_reasons.BUSINESS_PEOPLE_LEFT_OUT
    # the others: public fields; the last post withheld, naming the missing feature
    for handle in OTHERS:
        if handle == HIDDEN:
            continue
        snap = result[handle]
        assert snap.name and snap.avatar_url and snap.last_post_at is None and snap.admins is None
        assert snap.withheld["last_post_at"] == facebook_reasons.NO_CONTENT_ACCESS
        assert "Page Public Content Access" in snap.withheld["last_post_at"]
    # every call carried a valid appsecret_proof (the sandbox refuses any other)
    assert all("appsecret_proof" in r.query for r in server.log)
    # calls: /me/accounts, one per managed page, ceil(60/50) batches, one refused for the posts,
    # and one batch request asking each page of the unpublished page's batch on its own
    assert len(server.requests_to("graph.accounts")) == 1
    assert len(server.requests_to("graph.object")) == len(SCHOOL)
    assert len(server.requests_to("graph.ids")) == math.ceil(len(OTHERS) / 50) + 1
    assert len(server.requests_to("graph.batch")) == 1


@pytest.mark.parametrize("bad", [["Autre0CSNO"], ["Autre49CSNO"], ["Autre3CSNO", "Autre30CSNO"]])
def test_a_bad_page_in_a_batch_of_50_costs_at_most_log2_50_extra_calls(start, bad):
    """Issue 12: a per-object error in a batch of 50 costs at most ⌈log₂ 50⌉ = 6 extra calls and
    spoils no other page. Here: one Graph batch request, whatever the number of bad pages."""
    fifty = OTHERS[:50]
    pages = [page(n, u, **({"published": False} if u in bad else {})) for n, u in enumerate(SCHOOL + OTHERS)]
    w = world(features=("page_public_metadata_access", "page_public_content_access"))
    w.facebook["pages"] = pages
    server = start(w)
    result = adapter(server).fetch(fifty)
    for handle in fifty:
        if handle in bad:
            assert result[handle].reason == facebook_reasons.HIDDEN_PAGE
        else:
            assert result[handle].ok and result[handle].last_post_at is not None
    batch_calls = len(server.requests_to("graph.ids")) + len(server.requests_to("graph.batch"))
    assert batch_calls - 1 <= math.ceil(math.log2(50))  # extra calls beyond the one batch of 50
    assert len(server.requests_to("graph.batch")) == 1 and len(server.requests_to("graph.ids")) == 1


def test_when_graph_refuses_batch_requests_the_pages_are_split_in_halves(start):
    pages = [
        page(n, u, **({"published": False} if u == "Autre5CSNO" else {}))
        for n, u in enumerate(SCHOOL + OTHERS)
    ]
    w = world(features=("page_public_metadata_access", "page_public_content_access"))
    w.facebook["pages"] = pages
    server = start(w)
    server.faults.set("graph.batch", permission_denied=True)
    result = adapter(server).fetch(OTHERS[:50])
    assert result["Autre5CSNO"].reason == facebook_reasons.HIDDEN_PAGE
    assert all(s.ok for h, s in result.items() if h != "Autre5CSNO")
    assert len(server.requests_to("graph.batch")) == 1  # refused once, not asked again
    assert len(server.requests_to("graph.ids")) <= 1 + 2 * math.ceil(math.log2(50))


def test_with_page_public_content_access_every_last_post_is_read(start):
    features = ("page_public_metadata_access", "page_public_content_access")
    server = start(world(features=features))
    result = adapter(server).fetch(OTHERS[:40])
    assert all(s.last_post_at for h, s in result.items() if h != HIDDEN)
    assert all("last_post_at" not in s.withheld for s in result.values())


def test_without_page_public_metadata_access_only_managed_pages_are_read(start):
    server = start(world(features=()))
    result = adapter(server).fetch(SCHOOL + OTHERS[:5])
    assert all(result[h].ok and result[h].admins for h in SCHOOL)
    for handle in OTHERS[:5]:
        assert result[handle].status is FetchStatus.ERROR
        assert result[handle].reason == facebook_reasons.NO_METADATA_ACCESS
    # Graph's (#100) does not say whether the pages or the features are missing: two pages are
    # refused alone, and no batch answered, before the features are blamed for the rest
    assert len(server.requests_to("graph.ids")) <= 5


def test_without_the_app_secret_the_proof_is_missing_and_facebook_stops(start):
    server = start(world())
    result = adapter(server, app_secret=None).fetch(SCHOOL + OTHERS[:5])
    assert {s.reason for s in result.values()} == {facebook_reasons.NEEDS_APPSECRET_PROOF}
    assert len(server.log) == 1


def test_190_without_subcode_is_a_token_of_the_wrong_kind_not_an_expired_one(start):
    server = start(world())
    client = GraphClient(server.url, "v23.0", TOKEN, CallOptions(retry=FAST), app_secret=SECRET)
    with pytest.raises(CallFailed) as caught:
        client.object("400000000", "roles{id,name,tasks}")
    assert is_wrong_token_kind(caught.value) and caught.value.reason != EXPIRED_TOKEN


@pytest.mark.parametrize("code", ["80001", "4"])
def test_throttling_waits_as_the_usage_headers_say_then_succeeds(start, code):
    w = world()
    w.facebook["usage_extra"] = {"ads_api_access_tier": "standard_access", "a_key_nobody_knows": 7}
    server = start(w)
    server.faults.set("graph.object", throttled=1, throttle_code=code, regain_minutes=0)
    sleeper = Sleeper()
    result = adapter(server, sleep=sleeper).fetch(SCHOOL[:1])
    assert result[SCHOOL[0]].ok and result[SCHOOL[0]].admins  # unknown usage keys: still readable
    assert len(server.requests_to("graph.object")) == 2 and len(sleeper.waits) == 1


def test_throttling_longer_than_the_policy_allows_stops_facebook_bounded(start):
    server = start(world())
    server.faults.set("graph.object", throttled=True, throttle_code="80001", regain_minutes=30)
    sleeper = Sleeper()
    result = adapter(server, sleep=sleeper).fetch(SCHOOL)
    assert all("code 80001" in s.reason for s in result.values())
    assert sum(sleeper.waits) <= FAST.budget and len(server.requests_to("graph.object")) == 1


def test_batches_read_several_at_a_time_each_bisects_only_its_own_bad_page(start):
    """Five batches of 50 (the first alone, then four at a time, issue 12's speed): a hidden page
    in the third and one in the fifth cost one Graph batch request each, and spoil no other page."""
    many = [f"Loin{i}CSNO" for i in range(250)]
    bad = {many[120], many[230]}
    w = world(features=("page_public_metadata_access", "page_public_content_access"))
    w.facebook["pages"] = [
        page(n, u, **({"published": False} if u in bad else {})) for n, u in enumerate(SCHOOL + many)
    ]
    server = start(w)
    fb = adapter(server)
    result = fb.fetch(many)
    assert {h for h, s in result.items() if not s.ok} == bad
    assert all(result[h].reason == facebook_reasons.HIDDEN_PAGE for h in bad)
    assert len(server.requests_to("graph.ids")) == 5 and len(server.requests_to("graph.batch")) == 2
    assert fb.calls == len(server.log)  # the workers' calls are counted with the night's
