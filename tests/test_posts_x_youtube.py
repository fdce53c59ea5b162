"""Reading publications on X (a user's timeline, priced per post) and YouTube (the uploads
playlist, in upload order), against the sandbox over loopback."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from scanner.config.models import XSettings, YouTubeSettings
from scanner.platforms import x, x_posts, youtube_posts
from scanner.platforms.base import CallOptions
from scanner.platforms.posts import PostsWanted
from scanner.platforms.retry import RetryPolicy
from scanner.platforms.x import XAdapter
from scanner.platforms.youtube import YouTubeAdapter
from vigie_sandbox import twitter, youtube
from vigie_sandbox.world import World

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
SINCE = NOW - dt.timedelta(days=14)
OPTIONS = CallOptions(
    timeout=5.0, retry=RetryPolicy(attempts=2, base=0.01, cap=0.01), sleep=lambda s: None, clock=lambda: NOW
)
X_TOKEN, YT_KEY = "sandbox-x-token", "sandbox-youtube-key"
PBS = "https://pbs.sandbox.twimg.com/media"


def want(handle: str, platform_id: str | None, **extra) -> PostsWanted:
    return PostsWanted(handle=handle, platform_id=platform_id, since=extra.pop("since", SINCE), **extra)


# ---------------------------------------------------------------- X


def tweets(count: int) -> list[dict]:
    out = []
    for n in range(count):  # ids grow with time: the newest (n = 0) has the largest
        tweet = {"id": str(1970000000000000000 + 1000 - n), "days_ago": 1 + n * 0.5, "text": f"Nouvelle {n}"}
        if n % 3 == 0:
            tweet["media"] = [{"type": "photo", "url": f"{PBS}/p{n}.jpg"}]
        if n % 3 == 1:
            tweet["media"] = [{"type": "video", "url": f"{PBS}/v{n}.jpg"}]
        out.append(tweet)
    out.append({"id": "1970000000000000500", "days_ago": 1.2, "text": "RT @autre", "kind": "retweet"})
    out.append({"id": "1970000000000000501", "days_ago": 1.3, "text": "@parent merci", "kind": "reply"})
    return out


def x_world(**extra) -> World:
    users = [
        {"id": "101", "username": "Alpha", "name": "Alpha", "tweets": tweets(40)},
        {"id": "102", "username": "Gone", "name": "Gone", "suspended": True},
        {"id": "103", "username": "Locked", "name": "Locked", "protected": True, "tweets": tweets(2)},
        {"id": "104", "username": "Beta", "name": "Beta", "tweets": tweets(3)},
    ]
    return World(x={"valid_tokens": [X_TOKEN], "users": users, **extra})


@pytest.fixture
def start(sandbox):
    return lambda world, routes: sandbox(world, routes=routes, now=lambda: NOW)


def xa(server) -> XAdapter:
    return XAdapter(XSettings(api_url=server.url), X_TOKEN, options=OPTIONS)


def test_x_first_night_window_exclusions_pictures_and_cost(start):
    server = start(x_world(), [twitter.route])
    adapter = xa(server)
    read = adapter.fetch_posts([want("@Alpha", "101", limit=200)])["@Alpha"]
    assert read.read and not read.truncated
    assert len(read.posts) == 27  # 1 + n/2 days ≤ 14: n = 0..26; the retweet and the reply left out
    assert all(not p.text.startswith(("RT", "@")) for p in read.posts)
    assert read.posts[0].permalink == f"https://x.com/Alpha/status/{read.posts[0].id}"
    assert read.posts[0].picture_urls == (f"{PBS}/p0.jpg",)  # a photo's url
    assert read.posts[1].picture_urls == (f"{PBS}/v1.jpg",)  # a video's preview image
    assert read.cursor == read.posts[0].id
    query = server.requests_to("x.timeline")[0].query
    assert query["exclude"] == "retweets,replies" and query["expansions"] == "attachments.media_keys"
    assert query["start_time"] == SINCE.strftime("%Y-%m-%dT%H:%M:%SZ")
    # every post returned is charged, and counted in the night's cost
    assert adapter.cost.dollars == twitter.billing(server).dollars() == round(27 * 0.005, 3)
    assert "27 publications lus" in adapter.night_note()


def test_x_next_night_since_id_and_paging(start, monkeypatch):
    server = start(x_world(), [twitter.route])
    monkeypatch.setattr(x_posts, "PAGE_SIZE", 5)  # pages of 5, to follow pagination_token
    cursor = str(1970000000000000000 + 1000 - 12)  # the 13th newest was read on an earlier night
    read = xa(server).fetch_posts([want("Alpha", "101", since_id=cursor)])["Alpha"]
    assert len(read.posts) == 12 and read.calls == 3
    asked = server.requests_to("x.timeline")
    assert all(r.query["since_id"] == cursor for r in asked) and "pagination_token" in asked[1].query


def test_x_limit_truncates(start):
    server = start(x_world(), [twitter.route])
    read = xa(server).fetch_posts([want("Alpha", "101", limit=7)])["Alpha"]
    assert len(read.posts) == 7 and read.truncated and read.calls == 1
    assert server.requests_to("x.timeline")[0].query["max_results"] == "8"


def test_x_hidden_accounts_get_their_reason_and_spoil_no_other(start):
    server = start(x_world(), [twitter.route])
    result = xa(server).fetch_posts(
        [want("Gone", "102"), want("Locked", "103"), want("Beta", "104"), want("Nobody", None)]
    )
    assert result["Gone"].reason == x_posts.HIDDEN and result["Locked"].reason == x_posts.HIDDEN
    assert result["Beta"].read and len(result["Beta"].posts) == 3
    assert result["Nobody"].reason == x_posts.NO_USER_ID


def test_x_credits_used_up_stop_the_other_accounts(start):
    server = start(x_world(), [twitter.route])
    server.faults.set("x.timeline", credits_depleted=1)
    result = xa(server).fetch_posts([want("Alpha", "101"), want("Beta", "104")])
    assert result["Alpha"].reason == x.CREDITS_DEPLETED and result["Beta"].reason == x.CREDITS_DEPLETED
    assert len(server.requests_to("x.timeline")) == 1


def test_x_timeline_window_spent_stops_asking_until_the_next_night(start):
    """X's 15-minute window for timelines is spent (a 429 whose reset is further than the adapter
    may wait): the other accounts are not asked, each gets the reason, none is asked in vain."""
    server = start(x_world(), [twitter.route])
    server.faults.set("x.timeline", rate_limited=600.0)
    result = xa(server).fetch_posts([want("Alpha", "101"), want("Beta", "104"), want("Gone", "102")])
    assert {r.reason for r in result.values()} == {x.RATE_LIMITED}
    assert len(server.requests_to("x.timeline")) == 1


def test_x_monthly_cap_is_not_a_rate_limit(start):
    server = start(x_world(), [twitter.route])
    server.faults.set("x.timeline", usage_capped=1)
    result = xa(server).fetch_posts([want("Alpha", "101")])
    assert result["Alpha"].reason == x.CAP_REACHED and len(server.requests_to("x.timeline")) == 1


def test_x_bad_parameters_are_the_invalid_request_problem(start):
    server = start(x_world(), [twitter.route])
    answer = requests.get(
        f"{server.url}/2/users/101/tweets",
        params={"max_results": "3", "exclude": "quotes"},
        headers={"Authorization": f"Bearer {X_TOKEN}"},
        timeout=5,
    )
    body = answer.json()
    assert answer.status_code == 400 and body["title"] == "Invalid Request" and len(body["errors"]) == 2


# ---------------------------------------------------------------- YouTube

CHANNEL = "UCq3EQVBibliothequeCSNO0"
THUMB = "https://i.sandbox.ytimg.com/vi"


def yt_world() -> World:
    videos = [
        {
            "id": f"vid{n:08d}",
            "title": f"Vidéo {n}",
            "description": f"Description {n}",
            "days_ago": 1 + n,
            "thumbnail": f"{THUMB}/vid{n:08d}/maxresdefault.jpg",
        }
        for n in range(20)
    ]
    # uploaded 25 days ago and scheduled: published 2.5 days ago, it sits among older uploads
    videos.append({"id": "scheduled01", "title": "Concert", "days_ago": 2.5, "uploaded_days_ago": 25})
    videos.append({"id": "private0001", "title": "Brouillon", "days_ago": 0.5, "private": True})
    channel = {"id": CHANNEL, "handle": "@Bibli", "title": "Bibliothèque", "videos": videos}
    return World(youtube={"valid_keys": [YT_KEY], "channels": [channel]})


def yt(server) -> YouTubeAdapter:
    return YouTubeAdapter(YouTubeSettings(api_url=server.url), YT_KEY, options=OPTIONS)


def test_youtube_first_night_in_upload_order_finds_a_scheduled_video(start):
    server = start(yt_world(), [youtube.route])
    read = yt(server).fetch_posts([want("@Bibli", CHANNEL)])["@Bibli"]
    ids = [p.id for p in read.posts]
    assert "scheduled01" in ids and "private0001" not in ids
    assert len(ids) == 15  # 14 days of videos (days 1..14) and the scheduled one
    assert ids[:3] == ["vid00000000", "vid00000001", "scheduled01"]  # newest publication first
    first = read.posts[0]
    assert first.text == "Vidéo 0\n\nDescription 0" and first.permalink.endswith("v=vid00000000")
    assert first.picture_urls == (f"{THUMB}/vid00000000/maxresdefault.jpg?s=maxres",)
    assert read.cursor == "vid00000000"
    # quota: one channels.list for the uploads playlist, one playlistItems page
    assert len(server.requests_to("youtube.channels")) == 1 and read.calls == 1


def test_youtube_next_night_stops_on_the_cursor_but_keeps_later_publications(start):
    server = start(yt_world(), [youtube.route])
    read = yt(server).fetch_posts([want("@Bibli", CHANNEL, since_id="vid00000003")])["@Bibli"]
    assert [p.id for p in read.posts] == ["vid00000000", "vid00000001", "scheduled01", "vid00000002"]


def test_youtube_order_is_by_upload_not_by_publication(start):
    """A walk that stopped on the first publication older than `since` would miss the scheduled
    video: it was uploaded before videos published long before it."""
    server = start(yt_world(), [youtube.route])
    since = NOW - dt.timedelta(days=2.6)
    read = yt(server).fetch_posts([want("@Bibli", CHANNEL, since=since)])["@Bibli"]
    assert [p.id for p in read.posts] == ["vid00000000", "vid00000001", "scheduled01"]


def test_youtube_paging_and_limit(start, monkeypatch):
    server = start(yt_world(), [youtube.route])
    monkeypatch.setattr(youtube_posts, "PAGE_SIZE", 5)
    read = yt(server).fetch_posts([want("@Bibli", CHANNEL, limit=4)])["@Bibli"]
    # the first page (5 uploads) holds a private video and 4 new ones: a fifth shows in the second
    assert len(read.posts) == 4 and read.truncated and read.calls == 2
    whole = yt(server).fetch_posts([want("@Bibli", CHANNEL, limit=100)])["@Bibli"]
    assert len(whole.posts) == 15 and whole.calls == 5  # until uploads 30 days older than since
    assert "pageToken" in server.requests_to("youtube.playlistItems")[-1].query


def test_youtube_errors_per_channel_and_quota_for_all(start):
    server = start(yt_world(), [youtube.route])
    server.faults.set("youtube.playlistItems", forbidden=1)
    result = yt(server).fetch_posts([want("@Bibli", CHANNEL), want("@Autre", None)])
    assert "playlistItemsNotAccessible" in result["@Bibli"].reason
    assert result["@Autre"].reason == youtube_posts.NO_CHANNEL_ID
    server.faults.set("youtube.channels", quota_exceeded=1)
    again = yt(server).fetch_posts([want("@Bibli", CHANNEL)])["@Bibli"]
    assert "quota" in again.reason


def test_youtube_quota_spent_stops_the_other_channels_without_a_call(start):
    world = yt_world()
    second = {**world.youtube["channels"][0], "id": "UCq3EQVBibliothequeCSNO1", "handle": "@Deux"}
    world.youtube["channels"].append(second)
    server = start(world, [youtube.route])
    adapter = yt(server)
    adapter.concurrency = 1
    first = adapter.fetch_posts([want("@Bibli", CHANNEL)])  # proves the channel reads
    assert first["@Bibli"].posts
    server.faults.set("youtube.playlistItems", quota_exceeded=1)
    result = adapter.fetch_posts([want("@Bibli", CHANNEL), want("@Deux", "UCq3EQVBibliothequeCSNO1")])
    assert "quota" in result["@Bibli"].reason
    assert "quota" in result["@Deux"].reason  # not asked after the stop
    assert len(server.requests_to("youtube.playlistItems")) == 2
