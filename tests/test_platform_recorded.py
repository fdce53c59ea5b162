"""Recorded real answers (tests/fixtures/recorded, sources and licences in SOURCES.md), replayed
over loopback to the real adapters: a snapshot or the right French reason, never a crash."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from scanner.config.models import (
    FacebookSettings,
    InstagramSettings,
    PlatformSettings,
    XSettings,
    YouTubeSettings,
)
from scanner.platforms import facebook_reasons, x, youtube
from scanner.platforms.base import CallOptions
from scanner.platforms.facebook import FacebookAdapter
from scanner.platforms.instagram import InstagramAdapter
from scanner.platforms.retry import RetryPolicy
from scanner.platforms.snapshot import FetchStatus
from scanner.platforms.x import XAdapter
from scanner.platforms.youtube import YouTubeAdapter
from vigie_sandbox.server import Request, Response, SandboxServer
from vigie_sandbox.world import World

RECORDED = Path(__file__).parent / "fixtures" / "recorded"
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
OPTIONS = CallOptions(
    timeout=5.0, retry=RetryPolicy(attempts=2, base=0.01, cap=0.01), sleep=lambda s: None, clock=lambda: NOW
)


def body(name: str) -> object:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


def replay(answers: dict[str, tuple[int, object]]):
    """A route answering by path prefix (longest first) with a recorded body and its status."""

    def route(request: Request, server) -> Response | None:
        for prefix in sorted(answers, key=len, reverse=True):
            if request.path.startswith(prefix):
                status, data = answers[prefix]
                return Response.json(data, status, "recorded")
        return None

    return route


@pytest.fixture
def serve():
    servers: list[SandboxServer] = []

    def start(answers: dict[str, tuple[int, object]]) -> SandboxServer:
        server = SandboxServer(World(), routes=[replay(answers)], now=lambda: NOW).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def fb(server) -> FacebookAdapter:
    return FacebookAdapter(FacebookSettings(graph_url=server.url), "token", options=OPTIONS)


NO_PAGES = (200, {"data": []})  # /me/accounts: the token manages no page (not a recording)


# ---------------------------------------------------------------- Graph (python-facebook)


def test_recorded_pages_batch(serve):
    server = serve(
        {"/v23.0/me/accounts": NO_PAGES, "/v23.0": (200, body("python-facebook/multi_pages.json"))}
    )
    result = fb(server).fetch(["19292868552", "20531316728"])
    assert result["20531316728"].ok and result["20531316728"].username == "facebookapp"
    assert result["19292868552"].name == "Facebook for Developers"
    assert result["19292868552"].followers == 7966989  # fan_count when followers_count is absent


def test_recorded_single_page_read_with_its_page_token(serve):
    accounts = (200, {"data": [{"id": "20531316728", "access_token": "page-token"}]})  # not a recording
    server = serve(
        {
            "/v23.0/me/accounts": accounts,
            "/v23.0/20531316728": (200, body("python-facebook/single_fields_page.json")),
        }
    )
    snap = fb(server).fetch(["20531316728"])["20531316728"]
    assert snap.ok and snap.name == "Facebook" and snap.username == "facebookapp"
    assert snap.admins is None and snap.last_post_at is None  # neither was in the recorded answer


def test_recorded_error_app_secret_proof_required(serve):
    server = serve({"/v23.0": (400, body("python-facebook/error.json"))})
    result = fb(server).fetch(["facebookapp"])
    assert result["facebookapp"].status is FetchStatus.ERROR
    assert result["facebookapp"].reason == facebook_reasons.NEEDS_APPSECRET_PROOF


def test_recorded_error_object_or_reviewable_feature(serve):
    server = serve({"/v23.0/me/accounts": NO_PAGES, "/v23.0": (400, body("python-facebook/error_data.json"))})
    snap = fb(server).fetch(["facebookapp"])["facebookapp"]
    assert snap.status is FetchStatus.ERROR and "Page Public Metadata Access" in snap.reason


def test_recorded_instagram_business_discovery(serve):
    server = serve({"/v23.0": (200, body("python-facebook/discovery_user_fields.json"))})
    settings = PlatformSettings(
        facebook=FacebookSettings(graph_url=server.url),
        instagram=InstagramSettings(ig_user_id="17841406338772941"),
    )
    snap = InstagramAdapter(settings, "token", options=OPTIONS).fetch(["facebookfordevelopers"])[
        "facebookfordevelopers"
    ]
    assert snap.ok and snap.name == "Facebook for Developers" and snap.followers == 64976
    assert snap.avatar_url.startswith("https://scontent-nrt1-1.xx.fbcdn.net/") and "oe=" in snap.avatar_url


# ---------------------------------------------------------------- YouTube (python-youtube)


def yt(server) -> YouTubeAdapter:
    return YouTubeAdapter(YouTubeSettings(api_url=server.url), "key", options=OPTIONS)


PLAYLIST = (200, body("python-youtube/playlist_items_single.json"))


def test_recorded_channels_with_banners(serve):
    server = serve(
        {
            "/youtube/v3/channels": (200, body("python-youtube/channels_info_multiple.json")),
            "/youtube/v3/playlistItems": PLAYLIST,
        }
    )
    result = yt(server).fetch(["UC_x5XG1OV2P6uZZ5FSM9Ttw", "UCK8sQmJBp8GCxrOtXWBpyEA"])
    snap = result["UC_x5XG1OV2P6uZZ5FSM9Ttw"]
    assert (
        snap.ok and snap.name == "Google Developers" and snap.cover_url.startswith("https://yt3.ggpht.com/")
    )
    # the recorded playlist item has no contentDetails: its snippet's date is used
    assert snap.last_post_at == dt.datetime(2019, 5, 11, 0, 27, 38, tzinfo=dt.UTC)
    assert result["UCK8sQmJBp8GCxrOtXWBpyEA"].ok


def test_recorded_channel_without_branding_settings(serve):
    server = serve(
        {
            "/youtube/v3/channels": (200, body("python-youtube/channel_info_single.json")),
            "/youtube/v3/playlistItems": PLAYLIST,
        }
    )
    snap = yt(server).fetch(["UC_x5XG1OV2P6uZZ5FSM9Ttw"])["UC_x5XG1OV2P6uZZ5FSM9Ttw"]
    assert snap.ok and snap.cover_url is None and snap.withheld == {"cover_url": youtube.NO_BANNER}
    assert "=s800-" in snap.avatar_url  # the largest thumbnail


def test_recorded_permission_error(serve):
    server = serve({"/youtube/v3/channels": (403, body("python-youtube/error_permission_resp.json"))})
    snap = yt(server).fetch(["UC_x5XG1OV2P6uZZ5FSM9Ttw"])["UC_x5XG1OV2P6uZZ5FSM9Ttw"]
    assert snap.status is FetchStatus.ERROR and "SERVICE_UNAVAILABLE" in snap.reason


# ---------------------------------------------------------------- X (tweepy's cassettes, an issue)


def xa(server) -> XAdapter:
    return XAdapter(XSettings(api_url=server.url), "bearer", options=OPTIONS)


def test_recorded_users_without_optional_fields(serve):
    server = serve({"/2/users/by": (200, body("tweepy/get_users.json"))})
    result = xa(server).fetch(["Twitter", "TwitterDev"])
    assert result["TwitterDev"].ok and result["TwitterDev"].platform_id == "2244994945"
    assert result["Twitter"].last_post_at is None and result["Twitter"].avatar_url is None


def test_recorded_user_that_was_not_asked_for_is_missing(serve):
    server = serve({"/2/users/by": (200, body("tweepy/get_me.json"))})  # `data` is one object, not a list
    snap = xa(server).fetch(["Twitter"])["Twitter"]
    assert snap.status is FetchStatus.ERROR and snap.reason


def test_recorded_usage_cap(serve):
    server = serve({"/2/users/by": (429, body("x-issues/usage_capped.json"))})
    snap = xa(server).fetch(["Twitter"])["Twitter"]
    assert snap.status is FetchStatus.ERROR and snap.reason == x.CAP_REACHED
