"""The X adapter against the sandbox over loopback: parsing, statuses, batching, retries, secrets."""

from __future__ import annotations

import datetime as dt
import logging
import math
import time

import pytest

from scanner.config.models import XSettings
from scanner.platforms import x, x_reads
from scanner.platforms.base import NO_CREDENTIALS
from scanner.platforms.retry import RetryPolicy
from scanner.platforms.snapshot import FetchStatus
from vigie_sandbox import twitter, youtube
from vigie_sandbox.server import SandboxServer
from vigie_sandbox.world import World

NOW = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
TOKEN = "sandbox-x-token"
FAST = RetryPolicy(attempts=3, base=0.01, cap=0.02, budget=5.0, max_server_wait=10.0)


def user(username: str, uid: int, **extra) -> dict:
    return {
        "id": str(uid),
        "username": username,
        "name": f"{username}_CSNO",
        "description": "Compte officiel, organisme du Conseil scolaire du Nord-Ouest. https://www.csno.ab.ca",
        "url": "https://eqv.csno.ab.ca",
        "profile_image_url": f"https://pbs.sandbox.twimg.com/profile_images/{username}_normal.jpg",
        "profile_banner_url": f"https://pbs.sandbox.twimg.com/profile_banners/{username}/1500x500",
        "public_metrics": {"followers_count": 42},
        "last_tweet_days_ago": 3,
        **extra,
    }


WORLD = {
    "valid_tokens": [TOKEN],
    "users": [
        user("Alpha", 101),
        user("Gone", 102, suspended=True),
        user("Locked", 103, protected=True),
        user("Quiet", 104, last_tweet_days_ago=None),
    ],
}


class RecordingSleep:
    """Records each wait the adapter asks for, and really sleeps when told to."""

    def __init__(self, real: bool = False):
        self.asked: list[float] = []
        self.real = real

    def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        if self.real:
            time.sleep(seconds)


@pytest.fixture
def sandbox():
    with SandboxServer(World(x=WORLD), routes=[twitter.route, youtube.route], now=lambda: NOW) as server:
        yield server


def adapter(sandbox, token: str | None = TOKEN, **kwargs) -> x.XAdapter:
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("timeout", 2.0)
    return x.XAdapter(XSettings(api_url=sandbox.url), token, **kwargs)


def test_reads_a_public_account(sandbox):
    before = dt.datetime.now(dt.UTC)
    snap = adapter(sandbox).fetch(["Alpha"])["Alpha"]
    assert snap.status is FetchStatus.OK and snap.verified and snap.reason is None
    assert (snap.platform_id, snap.name, snap.username) == ("101", "Alpha_CSNO", "Alpha")
    assert snap.links == ("https://eqv.csno.ab.ca", "https://www.csno.ab.ca")
    assert not any("t.co" in link for link in snap.links)
    assert "t.co/" in snap.description  # the description is shown as X serves it
    assert snap.avatar_url == "https://pbs.sandbox.twimg.com/profile_images/Alpha.jpg"
    assert snap.cover_url == "https://pbs.sandbox.twimg.com/profile_banners/Alpha/1500x500"
    assert snap.followers == 42
    assert snap.last_post_at == NOW - dt.timedelta(days=3)
    assert snap.last_post_at.tzinfo is dt.UTC
    assert snap.fetched_at is not None and snap.fetched_at >= before and snap.fetched_at.tzinfo is dt.UTC


def test_statuses_the_platform_answers(sandbox):
    snaps = adapter(sandbox).fetch(["Gone", "Locked", "nobody", "not-a-name", "Quiet"])
    assert snaps["Gone"].status is FetchStatus.SUSPENDED and snaps["Gone"].reason == x.SUSPENDED
    assert snaps["Locked"].status is FetchStatus.PRIVATE and snaps["Locked"].name == "Locked_CSNO"
    assert snaps["nobody"].status is FetchStatus.NOT_FOUND and snaps["nobody"].reason == x.NOT_FOUND
    assert snaps["not-a-name"].status is FetchStatus.NOT_FOUND
    assert snaps["Quiet"].status is FetchStatus.OK and snaps["Quiet"].last_post_at is None
    assert all(s.verified for s in snaps.values())
    assert "not-a-name" not in str([r.query for r in sandbox.log])  # never sent: X would 400 the batch


def test_snapshots_are_keyed_by_the_registry_handle(sandbox):
    snaps = adapter(sandbox).fetch(["@alpha", "ALPHA"])
    assert set(snaps) == {"@alpha", "ALPHA"}
    assert snaps["@alpha"].handle == "@alpha" and snaps["ALPHA"].name == "Alpha_CSNO"
    assert len(sandbox.requests_to("x.users")) == 1


@pytest.mark.parametrize("n", [1, 100, 150, 250])
def test_request_count_is_one_per_hundred_accounts(n):
    """The last post comes with the users (`expansions=most_recent_tweet_id`): no second call."""
    world = World(x={"valid_tokens": [TOKEN], "users": [user(f"user{i}", 1000 + i) for i in range(n)]})
    with SandboxServer(world, routes=[twitter.route], now=lambda: NOW) as server:
        reader = adapter(server)
        snaps = reader.fetch([f"user{i}" for i in range(n)])
        assert all(s.ok and s.last_post_at for s in snaps.values())
        assert len(server.requests_to("x.users")) == math.ceil(n / 100)
        assert server.requests_to("x.tweets") == []
        assert len(server.log) == math.ceil(n / 100)
        # the night's cost, as the adapter counts it and as the sandbox bills it
        assert (len(reader.cost.users), len(reader.cost.posts)) == (n, n)
        assert reader.cost.dollars == twitter.billing(server).dollars() == round(n * 0.015, 3)


def test_429_waits_until_the_reset_then_succeeds(sandbox):
    """Acceptance: one 429 with a reset two seconds ahead delays ≈2 s, then the call succeeds."""
    sandbox.faults.set("x.users", rate_limited=1)
    sleep = RecordingSleep()  # records the wait asked (the sandbox's knob fires once, not for 2 s)
    snaps = adapter(sandbox, sleep=sleep).fetch(["Alpha"])
    assert snaps["Alpha"].ok
    assert len(sleep.asked) == 1 and 1.0 <= sleep.asked[0] <= 3.0
    assert [r.status for r in sandbox.requests_to("x.users")] == [429, 200]


def test_a_reset_further_than_allowed_gives_up_without_waiting(sandbox):
    sandbox.faults.set("x.users", rate_limited=600.0)
    sleep = RecordingSleep()
    snaps = adapter(sandbox, sleep=sleep).fetch(["Alpha", "Gone"])
    assert sleep.asked == []
    assert all(s.status is FetchStatus.ERROR and s.reason == x.RATE_LIMITED for s in snaps.values())


def test_same_accounts_read_twice_in_a_utc_day_cost_once(sandbox):
    reader = adapter(sandbox)
    reader.fetch(["Alpha", "Locked"])
    reader.fetch(["Alpha", "Locked"])
    # two users ($0.010 each) and Alpha's last post ($0.005); Locked's posts are not returned
    assert reader.cost.dollars == twitter.billing(sandbox).dollars(NOW.date()) == 0.025
    assert reader.cost.french() == "0,025\u00a0$\u00a0US (2 comptes et 1 publication lus)"
    assert reader.night_note().startswith("Coût estimé de la nuit sur X\u00a0: 0,025\u00a0$\u00a0US")


def test_a_second_run_the_same_utc_day_pays_nothing_again(sandbox, tmp_path):
    """A re-run after a failure, `--dry-run` or `access`: what an earlier run of the UTC day read
    is remembered in the state folder (ids only) and counted as free, as X bills it."""
    path = x_reads.default_path(tmp_path)
    first = adapter(sandbox, day_reads=x_reads.XDayReads(path))
    first.fetch(["Alpha", "Locked"])
    first.cost.reads.save()
    assert first.cost.dollars == 0.025
    saved = path.read_text(encoding="utf-8")
    assert TOKEN not in saved and "Alpha" not in saved  # X's public ids, nothing else

    second = adapter(sandbox, day_reads=x_reads.XDayReads(path))
    second.fetch(["Alpha", "Locked", "Quiet"])  # Quiet is new today: only it is paid
    assert second.cost.dollars == 0.01
    assert second.cost.french() == (
        "0,01\u00a0$\u00a0US (1 compte et 0 publication lus; 3 lectures déjà faites aujourd'hui (UTC), gratuites)"
    )
    assert first.cost.dollars + second.cost.dollars == twitter.billing(sandbox).dollars(NOW.date())
    second.cost.reads.save()

    tomorrow = adapter(sandbox, day_reads=x_reads.XDayReads(path), clock=lambda: NOW + dt.timedelta(days=1))
    tomorrow.fetch(["Alpha"])
    assert tomorrow.cost.dollars == 0.015 and not tomorrow.cost.repeats  # another UTC day: paid again


@pytest.mark.parametrize(
    ("knob", "words"),
    [("credits_depleted", "crédits de l'API X sont épuisés"), ("usage_capped", "plafond mensuel")],
)
def test_credits_or_cap_stop_x_for_the_night_without_retrying(sandbox, knob, words):
    sandbox.faults.set("x.users", **{knob: 1})
    sleep = RecordingSleep()
    snaps = adapter(sandbox, sleep=sleep).fetch(["Alpha", "Gone"])
    for snap in snaps.values():
        assert snap.status is FetchStatus.ERROR and words in snap.reason
    assert sleep.asked == [] and len(sandbox.requests_to("x.users")) == 1


@pytest.mark.parametrize("token", ["expired-or-wrong", TOKEN])
def test_refused_token_makes_every_account_unverified(sandbox, token, caplog):
    sandbox.faults.set("x.users", token_expired=True)
    with caplog.at_level(logging.DEBUG):
        snaps = adapter(sandbox, token=token).fetch(["Alpha", "Gone", "not-a-name"])
    for snap in (snaps["Alpha"], snaps["Gone"]):
        assert snap.status is FetchStatus.ERROR and not snap.verified
        assert "X_BEARER_TOKEN" in snap.reason and "jeton" in snap.reason
        assert token not in snap.reason
    assert len(sandbox.log) == 1  # no retry, no tweets call
    assert token not in caplog.text


def test_no_token_asks_nothing(sandbox):
    snaps = adapter(sandbox, token=None).fetch(["Alpha"])
    assert snaps["Alpha"].status is FetchStatus.ERROR and snaps["Alpha"].reason == NO_CREDENTIALS
    assert sandbox.log == []


def test_server_errors_are_retried_with_backoff(sandbox):
    sandbox.faults.set("x.users", server_errors=2)
    sleep = RecordingSleep()
    assert adapter(sandbox, sleep=sleep).fetch(["Alpha"])["Alpha"].ok
    assert len(sleep.asked) == 2 and all(0 <= s <= FAST.cap for s in sleep.asked)


def test_server_errors_outlasting_the_retries_leave_accounts_unverified(sandbox):
    sandbox.faults.set("x.users", server_errors=100)
    snaps = adapter(sandbox, sleep=RecordingSleep()).fetch(["Alpha", "Gone"])
    assert all(s.status is FetchStatus.ERROR and s.reason == x.UNAVAILABLE for s in snaps.values())
    assert len(sandbox.requests_to("x.users")) == FAST.attempts


def test_credits_spent_in_the_world_answer_402():
    world = World(x={**WORLD, "credits": 0.015})  # one user and one post
    with SandboxServer(world, routes=[twitter.route], now=lambda: NOW) as server:
        reader = adapter(server)
        assert reader.fetch(["Alpha"])["Alpha"].ok
        assert reader.fetch(["Quiet"])["Quiet"].reason == x.CREDITS_DEPLETED


@pytest.mark.parametrize("knob", ["malformed_json", "truncated"])
def test_broken_bodies_are_retried(sandbox, knob):
    sandbox.faults.set("x.users", **{knob: 1})
    assert adapter(sandbox, sleep=RecordingSleep()).fetch(["Alpha"])["Alpha"].ok
    assert len(sandbox.requests_to("x.users")) == 2


def test_timeouts_are_retried_then_unverified(sandbox):
    sandbox.faults.set("x.users", latency=0.5)
    policy = RetryPolicy(attempts=2, base=0.01, cap=0.01)
    snaps = adapter(sandbox, timeout=0.1, retry=policy, sleep=RecordingSleep()).fetch(["Alpha"])
    assert snaps["Alpha"].status is FetchStatus.ERROR and snaps["Alpha"].reason == x.UNAVAILABLE


def test_token_never_reaches_logs_even_at_debug(sandbox, caplog):
    with caplog.at_level(logging.DEBUG):
        adapter(sandbox).fetch(["Alpha"])
    assert "Bearer ***" in caplog.text  # tweepy logged its headers, masked
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(adapter(sandbox))


def test_demo_world_accounts():
    with SandboxServer(World.demo(), routes=[twitter.route], now=lambda: NOW) as server:
        snaps = adapter(server).fetch(["EQV_CSNO", "EHeritageCSNO", "ENF_CSNO", "ENF6eScience"])
    assert all(s.ok and s.last_post_at and s.cover_url for s in snaps.values())
    assert snaps["EHeritageCSNO"].name == "École Héritage_\u0421SNO (page officielle)"
    assert snaps["EQV_CSNO"].links == ("https://eqv.csno.ab.ca",)
    assert snaps["ENF_CSNO"].links == ("https://enf.csno.ab.ca", "https://www.csno.ab.ca")
    assert (
        snaps["ENF6eScience"].avatar_url
        == "https://pbs.sandbox.twimg.com/profile_images/enf-6e-science-x.jpg"
    )


def test_full_size_avatar():
    assert x.full_size_avatar("https://pbs.twimg.com/profile_images/1/abc_normal.png") == (
        "https://pbs.twimg.com/profile_images/1/abc.png"
    )
    assert x.full_size_avatar("https://pbs.twimg.com/profile_images/1/abc_normal") == (
        "https://pbs.twimg.com/profile_images/1/abc"
    )
    assert x.full_size_avatar(None) is None
