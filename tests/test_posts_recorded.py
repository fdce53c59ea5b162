"""Recorded real answers about publications (tests/fixtures/recorded, sources and licences in
SOURCES.md), replayed over loopback: each gives posts or a French reason, never a crash."""

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
from scanner.platforms.base import CallOptions
from scanner.platforms.facebook import FacebookAdapter
from scanner.platforms.instagram import InstagramAdapter
from scanner.platforms.posts import PostsWanted
from scanner.platforms.retry import RetryPolicy
from scanner.platforms.x import XAdapter
from scanner.platforms.youtube import YouTubeAdapter
from vigie_sandbox.server import Request, Response, SandboxServer
from vigie_sandbox.world import World

RECORDED = Path(__file__).parent / "fixtures" / "recorded"
NOW = dt.datetime(2021, 9, 1, 12, 0, tzinfo=dt.UTC)
LONG_AGO = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
OPTIONS = CallOptions(
    timeout=5.0, retry=RetryPolicy(attempts=2, base=0.01, cap=0.01), sleep=lambda s: None, clock=lambda: NOW
)


def body(name: str) -> object:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


@pytest.fixture
def serve():
    servers: list[SandboxServer] = []

    def start(answers: dict[str, tuple[int, object]]) -> SandboxServer:
        def route(request: Request, server) -> Response | None:
            for prefix in sorted(answers, key=len, reverse=True):
                if request.path.startswith(prefix):
                    status, data = answers[prefix]
                    return Response.json(data, status, "recorded")
            return None

        server = SandboxServer(World(), routes=[route], now=lambda: NOW).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def want(handle: str, platform_id: str, **extra) -> PostsWanted:
    return PostsWanted(handle=handle, platform_id=platform_id, since=extra.pop("since", LONG_AGO), **extra)


def test_recorded_facebook_posts_page(serve):
    # /me/accounts: the token manages this page (not a recording); its posts: python-facebook's
    managed = (200, {"data": [{"id": "4", "username": "zuck", "access_token": "page-token"}]})
    server = serve(
        {"/v23.0/me/accounts": managed, "/v23.0/4/": (200, body("python-facebook/posts_feed_fields_p1.json"))}
    )
    adapter = FacebookAdapter(FacebookSettings(graph_url=server.url), "token", options=OPTIONS)
    read = adapter.fetch_posts([want("zuck", "4")])["zuck"]
    assert read.read and len(read.posts) == 5 and read.cursor == "4_10113477241177441"
    assert read.posts[0].text == "Happy July 4th! 🇺🇸"
    assert read.posts[0].created == dt.datetime(2021, 7, 4, 19, 50, 58, tzinfo=dt.UTC)
    # its `paging.next` has no `cursors`: the walk stops rather than guess
    assert read.calls == 1


def test_recorded_instagram_discovery_media(serve):
    server = serve({"/v23.0": (200, body("python-facebook/discovery_medias_p1.json"))})
    settings = PlatformSettings(
        facebook=FacebookSettings(graph_url=server.url),
        instagram=InstagramSettings(ig_user_id="17841406338772941"),
    )
    adapter = InstagramAdapter(settings, "token", options=OPTIONS)
    read = adapter.fetch_posts([want("facebookfordevelopers", "17841407673135339")])["facebookfordevelopers"]
    assert (
        read.read
        and len(read.posts) == 2
        and read.posts[0].permalink == "https://www.instagram.com/p/CSr71Gzlqo4/"
    )
    url, key = read.posts[0].picture_urls[0], read.posts[0].picture_keys[0]
    assert (
        "oh=" in url and "oh=" not in key and "_nc_" not in key and key.startswith("https://scontent-nrt1-1")
    )


def test_recorded_x_user_tweets(serve):
    server = serve({"/2/users/783214/tweets": (200, body("tweepy/get_users_tweets.json"))})
    adapter = XAdapter(XSettings(api_url=server.url), "bearer", options=OPTIONS)
    read = adapter.fetch_posts([want("Twitter", "783214", limit=2)])["Twitter"]
    # no `created_at` was asked in the recording: the posts are kept, newest first
    assert [p.id for p in read.posts] == ["1577730467436138524", "1565318587736285184"]
    # its `meta.next_token` says more remain: asked (the replay answers the same page), truncated
    assert read.truncated and read.calls == 2 and read.posts[0].created is None
    assert adapter.cost.dollars == 0.01 and "2 publications lus" in adapter.night_note()


def test_recorded_youtube_playlist_items(serve):
    channels = {
        "items": [
            {"id": "UC_x5XG1OV2P6uZZ5FSM9Ttw", "contentDetails": {"relatedPlaylists": {"uploads": "UU_x"}}}
        ]
    }
    server = serve(
        {
            "/youtube/v3/channels": (200, channels),  # not a recording: the uploads playlist's id
            "/youtube/v3/playlistItems": (200, body("python-youtube/playlist_items_paged_1.json")),
        }
    )
    adapter = YouTubeAdapter(YouTubeSettings(api_url=server.url), "key", options=OPTIONS)
    read = adapter.fetch_posts([want("GoogleDevelopers", "UC_x5XG1OV2P6uZZ5FSM9Ttw", limit=3)])[
        "GoogleDevelopers"
    ]
    assert read.read and len(read.posts) == 3 and read.truncated
    assert all(p.picture_urls and "maxresdefault" in p.picture_urls[0] for p in read.posts)
    # this playlist is not in date order, and asked with part=snippet (no videoPublishedAt): the
    # newest dates of the page come first, title then description as the text
    dates = [p.created for p in read.posts]
    assert dates == sorted(dates, reverse=True) and "Pittsburgh ML Summit" in read.posts[0].text
