"""Reading publications through the Graph API (Facebook pages, Instagram business discovery),
against the sandbox over loopback: windows, cursors, paging, limits, permissions, errors."""

from __future__ import annotations

import datetime as dt

import pytest

from scanner.config.models import FacebookSettings, InstagramSettings, PlatformSettings
from scanner.net.images import picture_key
from scanner.platforms import facebook_reasons, instagram_posts, instagram_reasons
from scanner.platforms.base import NO_CREDENTIALS, CallOptions
from scanner.platforms.facebook import FacebookAdapter
from scanner.platforms.instagram import InstagramAdapter
from scanner.platforms.posts import PostsWanted
from scanner.platforms.retry import RetryPolicy
from vigie_sandbox import graph
from vigie_sandbox.world import World

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
SINCE = NOW - dt.timedelta(days=14)
TOKEN = "system-user-token"
OPTIONS = CallOptions(
    timeout=5.0, retry=RetryPolicy(attempts=2, base=0.01, cap=0.01), sleep=lambda s: None, clock=lambda: NOW
)
CDN = "https://scontent.sandbox.fbcdn.net/posts"


def posts(prefix: str, count: int, start_day: float = 1.0, every: float = 1.0) -> list[dict]:
    return [
        {
            "id": f"{prefix}_9{n:03d}",
            "days_ago": start_day + n * every,
            "message": f"Publication {n} de l'école",
            "pictures": [f"{CDN}/{prefix}-{n}.jpg"] if n % 2 == 0 else [],
        }
        for n in range(count)
    ]


def page(page_id: str, username: str, **extra) -> dict:
    return {"id": page_id, "username": username, "name": username, "category": "School", **extra}


def fb_world(features: tuple[str, ...] = ("page_public_metadata_access",), **pages_extra) -> World:
    pages = [
        page("500001", "Geree", posts=posts("500001", 30)),  # managed by the token
        page("500002", "Autre", posts=posts("500002", 3)),  # not managed
        page(
            "500003",
            "Album",
            posts=[
                {
                    "id": "500003_9001",
                    "days_ago": 2,
                    "message": "Sortie au musée",
                    "pictures": [f"{CDN}/a.jpg", f"{CDN}/b.jpg", f"{CDN}/c.jpg"],
                    "link": "https://eqv.csno.ab.ca/nouvelles",
                }
            ],
        ),
    ]
    return World(
        facebook={
            "app": {"id": "12001", "name": "Vigie CSNO", "secret": "s", "features": list(features)},
            "tokens": [
                {
                    "token": TOKEN,
                    "kind": "system_user",
                    "permissions": ["pages_show_list", "pages_read_engagement"],
                    "manages": ["Geree", "Album"],
                }
            ],
            "pages": pages,
            **pages_extra,
        }
    )


@pytest.fixture
def start(sandbox):
    return lambda world: sandbox(world, routes=[graph.route], now=lambda: NOW)


def fb(server, token: str | None = TOKEN) -> FacebookAdapter:
    return FacebookAdapter(FacebookSettings(graph_url=server.url, version="v23.0"), token, options=OPTIONS)


def want(handle: str, platform_id: str | None, **extra) -> PostsWanted:
    return PostsWanted(handle=handle, platform_id=platform_id, since=extra.pop("since", SINCE), **extra)


# ---------------------------------------------------------------- Facebook


def test_first_night_reads_the_last_14_days_newest_first_with_the_page_token(start):
    server = start(fb_world())
    read = fb(server).fetch_posts([want("Geree", "500001")])["Geree"]
    assert read.read and not read.truncated
    days = [(NOW - p.created).days for p in read.posts]
    assert len(read.posts) == 14 and days == sorted(days)  # days 1..14, newest first
    assert all(p.created >= SINCE for p in read.posts)
    assert read.cursor == read.posts[0].id == "500001_9000"
    first = read.posts[0]
    assert first.text == "Publication 0 de l'école" and first.permalink.startswith(
        "https://www.facebook.com/"
    )
    asked = server.requests_to("graph.posts")
    assert asked and all(r.query.get("fields", "").startswith("message,created_time") for r in asked)
    assert all(r.query.get("since") == str(int(SINCE.timestamp())) for r in asked)


def test_next_night_reads_only_what_is_newer_than_the_cursor(start):
    server = start(fb_world())
    read = fb(server).fetch_posts([want("Geree", "500001", since_id="500001_9003")])["Geree"]
    assert [p.id for p in read.posts] == ["500001_9000", "500001_9001", "500001_9002"]
    assert read.cursor == "500001_9000"


def test_nothing_new_keeps_the_old_cursor(start):
    server = start(fb_world())
    read = fb(server).fetch_posts([want("Geree", "500001", since_id="500001_9000")])["Geree"]
    assert read.read and read.posts == () and read.cursor is None


def test_paging_is_followed_up_to_the_limit_and_the_rest_is_said_truncated(start):
    server = start(fb_world())
    since = NOW - dt.timedelta(days=60)
    read = fb(server).fetch_posts([want("Geree", "500001", since=since, limit=12)])["Geree"]
    assert len(read.posts) == 12 and read.truncated
    # 30 world posts and 5 generated ones would need pages of 13 (the limit + 1 to learn truncation)
    assert read.calls == 1 and server.requests_to("graph.posts")[0].query["limit"] == "13"


def test_paging_follows_after_cursors(start):
    world = fb_world()
    world.facebook["pages"][0]["posts"] = posts("500001", 130, start_day=0.05, every=0.1)
    server = start(world)
    read = fb(server).fetch_posts([want("Geree", "500001", limit=500)])["Geree"]
    assert len(read.posts) == 130 and not read.truncated and read.calls == 2
    assert len({p.id for p in read.posts}) == 130
    assert "after" in server.requests_to("graph.posts")[1].query


def test_without_ppca_an_unmanaged_page_names_the_feature_and_costs_one_call(start):
    server = start(fb_world())
    wanted = [want("Geree", "500001"), want("Autre", "500002"), want("Autre2", "500002")]
    result = fb(server).fetch_posts(wanted)
    assert len(server.requests_to("graph.posts")) == 2  # one refusal, then the managed page only
    assert result["Autre"].reason == facebook_reasons.NO_CONTENT_ACCESS
    assert "Page Public Content Access" in result["Autre"].reason
    assert result["Autre2"].reason == facebook_reasons.NO_CONTENT_ACCESS and result["Autre2"].calls == 0
    assert result["Geree"].read and result["Geree"].posts  # the managed page is read all the same
    assert not result["Autre"].posts


def test_with_ppca_an_unmanaged_page_is_read_with_the_board_token(start):
    world = fb_world(features=("page_public_metadata_access", "page_public_content_access"))
    server = start(world)
    read = fb(server).fetch_posts([want("Autre", "500002")])["Autre"]
    assert read.read and [p.id for p in read.posts] == ["500002_9000", "500002_9001", "500002_9002"]


def test_album_pictures_and_keys_without_the_signature(start):
    server = start(fb_world())
    post = fb(server).fetch_posts([want("Album", "500003")])["Album"].posts[0]
    assert len(post.picture_urls) == 3 and all("oh=" in u for u in post.picture_urls)
    assert post.picture_keys == tuple(f"{CDN}/{n}.jpg" for n in "abc")
    assert post.picture_keys == tuple(picture_key(u) for u in post.picture_urls)


def test_a_page_not_read_tonight_and_no_token(start):
    server = start(fb_world())
    assert fb(server).fetch_posts([want("Geree", None)])["Geree"].reason
    assert fb(server, token=None).fetch_posts([want("Geree", "500001")])["Geree"].reason == NO_CREDENTIALS


def test_a_hidden_page_gets_its_reason_and_spoils_no_other(start):
    world = fb_world(features=("page_public_metadata_access", "page_public_content_access"))
    world.facebook["pages"][1]["published"] = False
    server = start(world)
    result = fb(server).fetch_posts([want("Autre", "500002"), want("Geree", "500001")])
    assert result["Autre"].reason and "Facebook ne montre pas" in result["Autre"].reason
    assert result["Geree"].read and result["Geree"].posts


def test_an_expired_token_stops_every_page_with_its_reason(start):
    server = start(fb_world())
    server.faults.set("graph.accounts", token_expired=1)
    result = fb(server).fetch_posts([want("Geree", "500001"), want("Album", "500003")])
    assert all(not r.read and "expiré" in r.reason for r in result.values())


# ---------------------------------------------------------------- Instagram

IG_ID = "17841400000000000"
IG_CDN = "https://scontent.sandbox.cdninstagram.com/posts"


def ig_world() -> World:
    media = [
        {
            "id": f"1790000000000{n:04d}",
            "days_ago": 1 + n,
            "caption": f"Légende {n}",
            "media_type": "IMAGE",
            "pictures": [f"{IG_CDN}/m{n}.jpg"],
        }
        for n in range(20)
    ]
    media.append(
        {
            "id": "17900000000009999",
            "days_ago": 0.5,
            "caption": "Carrousel",
            "media_type": "CAROUSEL_ALBUM",
            "pictures": [f"{IG_CDN}/c1.jpg", f"{IG_CDN}/c2.jpg"],
        }
    )
    media.append({"id": "17900000000008888", "days_ago": 0.7, "caption": "Vidéo", "media_type": "VIDEO"})
    return World(
        facebook={"valid_tokens": [TOKEN]},
        instagram={
            "business_account": {"id": IG_ID, "username": "csno_officiel"},
            "accounts": [
                {
                    "id": "17841400000000101",
                    "username": "ecole_csno",
                    "account_type": "business",
                    "media": media,
                },
                {"id": "17841400000000102", "username": "perso", "account_type": "personal"},
            ],
        },
    )


def ig(server, ig_user_id: str | None = IG_ID) -> InstagramAdapter:
    settings = PlatformSettings(
        facebook=FacebookSettings(graph_url=server.url, version="v23.0"),
        instagram=InstagramSettings(ig_user_id=ig_user_id),
    )
    return InstagramAdapter(settings, TOKEN, options=OPTIONS)


def test_instagram_first_night_carousel_video_and_limit(start):
    server = start(ig_world())
    read = ig(server).fetch_posts([want("ecole_csno", "17841400000000101", limit=10)])["ecole_csno"]
    assert read.read and len(read.posts) == 10 and read.truncated
    carousel, video = read.posts[0], read.posts[1]
    assert carousel.text == "Carrousel" and len(carousel.picture_urls) == 2
    assert carousel.picture_keys == (f"{IG_CDN}/c1.jpg", f"{IG_CDN}/c2.jpg")
    assert video.picture_urls == ()  # a video's media_url is a video file, not a picture
    asked = server.requests_to("graph.ig_discovery")[0].query["fields"]
    assert f"media.since({int(SINCE.timestamp())}).limit(11)" in asked


def test_instagram_pages_with_after_and_honours_since_id(start):
    server = start(ig_world())
    since = NOW - dt.timedelta(days=90)
    read = ig(server).fetch_posts([want("ecole_csno", "x", since=since, limit=200)])["ecole_csno"]
    assert len(read.posts) == 22 and read.calls == 1  # every world medium, in one page of 50
    server.clear_log()
    again = ig(server).fetch_posts([want("ecole_csno", "x", since=since, since_id="17900000000000001")])
    assert [p.id for p in again["ecole_csno"].posts] == [
        "17900000000009999",
        "17900000000008888",
        "17900000000000000",
    ]


def test_instagram_small_pages_follow_the_cursor(start, monkeypatch):
    server = start(ig_world())
    monkeypatch.setattr(instagram_posts, "PAGE_SIZE", 5)  # pages of 5, to follow the cursor
    read = ig(server).fetch_posts([want("ecole_csno", "x", limit=50)])["ecole_csno"]
    assert len(read.posts) == 16 and read.calls == 4  # 14 days: 14 images, the carousel, the video
    assert ".after(" in server.requests_to("graph.ig_discovery")[1].query["fields"]


def test_instagram_personal_account_and_missing_business_account(start):
    server = start(ig_world())
    result = ig(server).fetch_posts([want("perso", "y"), want("ecole_csno", "x")])
    assert result["perso"].reason == instagram_reasons.NOT_FOUND
    assert result["ecole_csno"].read
    none = ig(server, ig_user_id=None).fetch_posts([want("ecole_csno", "x")])["ecole_csno"]
    assert none.reason == instagram_reasons.NO_BUSINESS_ACCOUNT
