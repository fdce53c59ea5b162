"""The YouTube adapter against the sandbox over loopback: parsing, handle cache, batching, errors."""

from __future__ import annotations

import datetime as dt
import logging
import math

import pytest

from scanner.config.models import YouTubeSettings
from scanner.platforms import youtube as yt
from scanner.platforms.base import NO_CREDENTIALS
from scanner.platforms.retry import RetryPolicy
from scanner.platforms.snapshot import FetchStatus
from vigie_sandbox import twitter, youtube
from vigie_sandbox.server import SandboxServer
from vigie_sandbox.world import World

NOW = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
KEY = "sandbox-youtube-key"
FAST = RetryPolicy(attempts=3, base=0.01, cap=0.02, budget=5.0)


def channel(number: int, **extra) -> dict:
    return {
        "id": f"UC{number:022d}",
        "handle": f"@Chaine{number}CSNO",
        "title": f"Chaîne {number}_CSNO",
        "description": "Chaîne officielle, organisme du Conseil scolaire du Nord-Ouest. "
        "École : eqv.csno.ab.ca — https://www.csno.ab.ca",
        "thumbnail": f"https://yt3.sandbox.ggpht.com/chaine-{number}",
        "banner": f"https://yt3.sandbox.ggpht.com/chaine-{number}-banner",
        "last_video_days_ago": 12,
        **extra,
    }


def world(*channels: dict) -> World:
    return World(youtube={"valid_keys": [KEY], "channels": list(channels)})


@pytest.fixture
def sandbox():
    chans = [channel(1), channel(2, last_video_days_ago=None), channel(3, terminated=True)]
    with SandboxServer(world(*chans), routes=[twitter.route, youtube.route], now=lambda: NOW) as server:
        yield server


def adapter(sandbox, key: str | None = KEY, **kwargs) -> yt.YouTubeAdapter:
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("timeout", 2.0)
    kwargs.setdefault("sleep", lambda seconds: None)
    return yt.YouTubeAdapter(YouTubeSettings(api_url=sandbox.url), key, **kwargs)


def test_reads_a_channel(sandbox):
    cache: dict[str, str] = {}
    snap = adapter(sandbox, handle_cache=cache).fetch(["@Chaine1CSNO"])["@Chaine1CSNO"]
    assert snap.status is FetchStatus.OK and snap.reason is None
    assert (snap.platform_id, snap.name, snap.username) == (f"UC{1:022d}", "Chaîne 1_CSNO", "chaine1csno")
    assert snap.links == ("http://eqv.csno.ab.ca", "https://www.csno.ab.ca")
    assert snap.avatar_url == "https://yt3.sandbox.ggpht.com/chaine-1=s800"
    assert snap.cover_url == "https://yt3.sandbox.ggpht.com/chaine-1-banner"
    assert snap.last_post_at == NOW - dt.timedelta(days=12) and snap.last_post_at.tzinfo is not None
    assert snap.fetched_at is not None and snap.fetched_at.tzinfo is dt.UTC
    assert cache == {"@chaine1csno": f"UC{1:022d}"}


def test_channel_without_videos_is_ok_with_no_date(sandbox):
    snap = adapter(sandbox).fetch(["@Chaine2CSNO"])["@Chaine2CSNO"]
    assert snap.ok and snap.last_post_at is None


def test_unknown_and_closed_handles_are_not_found_and_not_cached(sandbox):
    cache: dict[str, str] = {}
    snaps = adapter(sandbox, handle_cache=cache).fetch(["@nobody", "@Chaine3CSNO"])
    assert all(s.status is FetchStatus.NOT_FOUND and s.verified for s in snaps.values())
    assert snaps["@nobody"].reason == yt.NOT_FOUND
    assert cache == {}
    assert sandbox.requests_to("youtube.playlistItems") == []


def test_a_channel_id_needs_no_handle_lookup(sandbox):
    channel_id = f"UC{1:022d}"
    assert adapter(sandbox).fetch([channel_id])[channel_id].ok
    assert "forHandle" not in str([r.query for r in sandbox.log])


@pytest.mark.parametrize("n", [3, 60])
def test_request_counts_first_night_then_with_the_cache(n):
    chans = [channel(i) for i in range(n)]
    handles = [c["handle"] for c in chans]
    cache: dict[str, str] = {}
    with SandboxServer(world(*chans), routes=[youtube.route], now=lambda: NOW) as server:
        first = adapter(server, handle_cache=cache).fetch(handles)
        assert all(s.ok and s.last_post_at for s in first.values())
        by_handle = [r for r in server.log if "forHandle" in r.query]
        assert len(by_handle) == n
        # the first night, each forHandle call reads the whole channel: no channels.list?id= needed
        assert len(server.requests_to("youtube.channels")) == n
        assert len(server.requests_to("youtube.playlistItems")) == n

        server.clear_log()
        second = adapter(server, handle_cache=cache).fetch(handles)
        assert set(second) == set(handles)
        assert all(s.ok for s in second.values())
        assert len(server.requests_to("youtube.channels")) == math.ceil(n / 50)
        assert len(server.requests_to("youtube.playlistItems")) == n
        assert len(server.log) == math.ceil(n / 50) + n
        assert max(len(r.query["id"].split(",")) for r in server.log if "id" in r.query) <= 50


def test_stale_cache_entry_is_resolved_again(sandbox):
    cache = {"@chaine1csno": f"UC{3:022d}", "@chaine2csno": f"UC{1:022d}"}  # closed; another handle's
    snaps = adapter(sandbox, handle_cache=cache).fetch(["@Chaine1CSNO", "@Chaine2CSNO"])
    assert snaps["@Chaine1CSNO"].platform_id == f"UC{1:022d}"
    assert snaps["@Chaine2CSNO"].platform_id == f"UC{2:022d}"
    assert cache == {"@chaine1csno": f"UC{1:022d}", "@chaine2csno": f"UC{2:022d}"}


@pytest.mark.parametrize("key", ["wrong-key", KEY])
def test_refused_key_makes_every_channel_unverified(sandbox, key, caplog):
    sandbox.faults.set("youtube", key_invalid=True)
    with caplog.at_level(logging.DEBUG):
        snaps = adapter(sandbox, key=key).fetch(["@Chaine1CSNO", "@Chaine2CSNO"])
    for snap in snaps.values():
        assert snap.status is FetchStatus.ERROR
        assert "YOUTUBE_API_KEY" in snap.reason and key not in snap.reason
    assert len(sandbox.log) == 1  # stopped at the first refusal
    assert key not in caplog.text
    assert all(key not in str(r.query) for r in sandbox.log)  # sent in a header, never in the URL


def test_quota_exceeded_makes_the_rest_unverified(sandbox):
    sandbox.faults.set("youtube.playlistItems", quota_exceeded=True)
    snaps = adapter(sandbox).fetch(["@Chaine1CSNO", "@Chaine2CSNO", "@nobody"])
    assert snaps["@Chaine1CSNO"].status is FetchStatus.ERROR and snaps["@Chaine1CSNO"].reason == yt.QUOTA
    assert snaps["@Chaine2CSNO"].reason == yt.QUOTA
    assert snaps["@nobody"].status is FetchStatus.NOT_FOUND  # answered before the quota ran out
    assert len(sandbox.requests_to("youtube.playlistItems")) == 1


def test_no_key_asks_nothing(sandbox):
    snaps = adapter(sandbox, key=None).fetch(["@Chaine1CSNO"])
    assert snaps["@Chaine1CSNO"].reason == NO_CREDENTIALS and not snaps["@Chaine1CSNO"].verified
    assert sandbox.log == []


def test_server_errors_and_broken_bodies_are_retried(sandbox):
    sandbox.faults.set("youtube.channels", server_errors=1, malformed_json=1)
    asked: list[float] = []
    assert adapter(sandbox, sleep=asked.append).fetch(["@Chaine1CSNO"])["@Chaine1CSNO"].ok
    assert len(asked) == 2


def test_errors_outlasting_the_retries_leave_the_channel_unverified(sandbox):
    sandbox.faults.set("youtube.playlistItems", server_errors=100)
    snaps = adapter(sandbox).fetch(["@Chaine1CSNO", "@nobody"])
    assert (
        snaps["@Chaine1CSNO"].status is FetchStatus.ERROR and snaps["@Chaine1CSNO"].reason == yt.UNAVAILABLE
    )
    assert snaps["@nobody"].status is FetchStatus.NOT_FOUND
    assert len(sandbox.requests_to("youtube.playlistItems")) == FAST.attempts


def test_timeouts_are_retried_then_unverified(sandbox):
    sandbox.faults.set("youtube.channels", latency=0.5)
    policy = RetryPolicy(attempts=2, base=0.01, cap=0.01)
    snap = adapter(sandbox, timeout=0.1, retry=policy).fetch(["@Chaine1CSNO"])["@Chaine1CSNO"]
    assert snap.status is FetchStatus.ERROR and snap.reason == yt.UNAVAILABLE


def test_key_never_in_logs_or_repr(sandbox, caplog):
    with caplog.at_level(logging.DEBUG):
        adapter(sandbox).fetch(["@Chaine1CSNO"])
    assert KEY not in caplog.text and KEY not in repr(adapter(sandbox))


def test_demo_world_channel():
    with SandboxServer(World.demo(), routes=[youtube.route], now=lambda: NOW) as server:
        snap = adapter(server).fetch(["@EQVBibliothequeCSNO"])["@EQVBibliothequeCSNO"]
    assert snap.ok and snap.name == "École des Quatre-Vents_Bibliothèque_CSNO"
    assert snap.links == ("https://eqv.csno.ab.ca", "https://www.csno.ab.ca")
    assert snap.avatar_url == "https://yt3.sandbox.ggpht.com/eqv-bibliotheque-youtube=s800"
    assert snap.cover_url == "https://yt3.sandbox.ggpht.com/eqv-bibliotheque-youtube-banner"
    assert snap.last_post_at == NOW - dt.timedelta(days=20)


def test_a_forbidden_playlist_stops_only_that_channel():
    """403 `playlistItemsNotAccessible` concerns one playlist, not the key: the others are read."""
    with SandboxServer(world(channel(1), channel(2)), routes=[youtube.route], now=lambda: NOW) as server:
        server.faults.set("youtube.playlistItems", forbidden=1)
        snaps = adapter(server).fetch(["@Chaine1CSNO", "@Chaine2CSNO"])
        refused = [s for s in snaps.values() if not s.ok]
        assert len(refused) == 1 and "playlistItemsNotAccessible" in refused[0].reason
        assert sum(s.ok for s in snaps.values()) == 1


def test_no_banner_returned_is_withheld_not_absent():
    with SandboxServer(world(channel(1, banner=None)), routes=[youtube.route], now=lambda: NOW) as server:
        snap = adapter(server).fetch(["@Chaine1CSNO"])["@Chaine1CSNO"]
        assert snap.ok and snap.cover_url is None and snap.withheld == {"cover_url": yt.NO_BANNER}


def test_last_video_date_is_when_it_was_published():
    videos = [{"id": "abcdefghijk", "title": "Vidéo", "days_ago": 9}]
    with SandboxServer(world(channel(1, videos=videos)), routes=[youtube.route], now=lambda: NOW) as server:
        snap = adapter(server).fetch(["@Chaine1CSNO"])["@Chaine1CSNO"]
        assert snap.last_post_at == NOW - dt.timedelta(days=9)
