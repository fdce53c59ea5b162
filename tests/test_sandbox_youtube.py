"""The sandbox's YouTube Data API v3: shapes, errors and fault knobs, over real HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
import yaml

from vigie_sandbox import twitter, youtube
from vigie_sandbox.server import SandboxServer
from vigie_sandbox.world import DEMO_WORLD, World

NOW = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
KEY = "sandbox-youtube-key"


def channel(number: int, **extra) -> dict:
    return {
        "id": f"UC{number:022d}",
        "handle": f"@Chaine{number}CSNO",
        "title": f"Chaîne {number}_CSNO",
        "description": "Chaîne officielle. https://eqv.csno.ab.ca",
        "thumbnail": f"https://yt3.sandbox.ggpht.com/chaine-{number}",
        "banner": f"https://yt3.sandbox.ggpht.com/chaine-{number}-banner",
        "videos": [{"id": "old", "days_ago": 40}, {"id": "new", "days_ago": 5}],
        **extra,
    }


WORLD = {
    "valid_keys": [KEY],
    "channels": [channel(1), channel(2, videos=[]), channel(3, terminated=True)],
}


@pytest.fixture
def sandbox():
    with SandboxServer(
        World(youtube=WORLD), routes=[twitter.route, youtube.route], now=lambda: NOW
    ) as server:
        yield server


def get(sandbox, resource: str, key: str | None = KEY, **params) -> requests.Response:
    if key is not None:
        params["key"] = key
    return requests.get(f"{sandbox.url}/youtube/v3/{resource}", params=params, timeout=5)


def test_for_handle_finds_the_channel_ignoring_case_and_at_sign(sandbox):
    for handle in ("@Chaine1CSNO", "chaine1csno"):
        body = get(sandbox, "channels", part="id", forHandle=handle).json()
        assert body["kind"] == "youtube#channelListResponse"
        assert [item["id"] for item in body["items"]] == [f"UC{1:022d}"]
        assert body["pageInfo"] == {"totalResults": 1, "resultsPerPage": 5}


def test_unknown_or_terminated_handle_has_no_items_key(sandbox):
    for handle in ("@nobody", "@Chaine3CSNO"):
        body = get(sandbox, "channels", part="id", forHandle=handle).json()
        assert "items" not in body
        assert body["pageInfo"]["totalResults"] == 0
        assert "etag" in body


def test_channels_by_id_with_the_parts_asked(sandbox):
    ids = f"UC{1:022d},UC{3:022d},UC{9:022d}"
    body = get(sandbox, "channels", part="snippet,brandingSettings,contentDetails", id=ids).json()
    (item,) = body["items"]
    assert item["kind"] == "youtube#channel"
    assert item["snippet"]["title"] == "Chaîne 1_CSNO"
    assert item["snippet"]["customUrl"] == "@chaine1csno"
    assert item["snippet"]["thumbnails"]["high"] == {
        "url": "https://yt3.sandbox.ggpht.com/chaine-1=s800",
        "width": 800,
        "height": 800,
    }
    assert item["snippet"]["thumbnails"]["default"]["url"].endswith("=s88")
    assert (
        item["brandingSettings"]["image"]["bannerExternalUrl"]
        == "https://yt3.sandbox.ggpht.com/chaine-1-banner"
    )
    assert item["contentDetails"]["relatedPlaylists"]["uploads"] == f"UU{1:022d}"
    assert "statistics" not in item


def test_more_than_fifty_ids_is_a_400(sandbox):
    ids = ",".join(f"UC{i:022d}" for i in range(51))
    answer = get(sandbox, "channels", part="id", id=ids)
    assert answer.status_code == 400
    assert answer.json()["error"]["errors"][0]["reason"] == "invalidFilters"


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"id": "x"}, "required"),
        ({"part": "snippet,shoes", "id": "x"}, "unknownPart"),
        ({"part": "id", "id": "x", "forHandle": "@x"}, "invalidCriteria"),
        ({"part": "id"}, "missingRequiredParameter"),
    ],
)
def test_bad_parameters_are_400_in_google_shape(sandbox, params, reason):
    answer = get(sandbox, "channels", **params)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == 400 and error["errors"][0]["reason"] == reason


def test_missing_key_is_403(sandbox):
    answer = get(sandbox, "channels", key=None, part="id", forHandle="@x")
    assert answer.status_code == 403
    assert answer.json()["error"]["message"] == "The request is missing a valid API key."


def test_bad_key_is_400_api_key_invalid(sandbox):
    answer = get(sandbox, "channels", key="wrong", part="id", forHandle="@x")
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["message"] == "API key not valid. Please pass a valid API key."
    assert error["errors"] == [{"message": error["message"], "domain": "global", "reason": "badRequest"}]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["details"][0]["reason"] == "API_KEY_INVALID"


def test_key_in_header_is_accepted(sandbox):
    answer = requests.get(
        f"{sandbox.url}/youtube/v3/channels",
        params={"part": "id", "forHandle": "@Chaine1CSNO"},
        headers={"X-Goog-Api-Key": KEY},
        timeout=5,
    )
    assert answer.status_code == 200


@pytest.mark.parametrize("knob", ["key_invalid", "token_expired"])
def test_key_invalid_knobs(sandbox, knob):
    sandbox.faults.set("youtube", **{knob: 1})
    assert get(sandbox, "channels", part="id", forHandle="@x").status_code == 400
    assert get(sandbox, "channels", part="id", forHandle="@x").status_code == 200


def test_quota_exceeded_knob(sandbox):
    sandbox.faults.set("youtube.playlistItems", quota_exceeded=1)
    answer = get(sandbox, "playlistItems", part="contentDetails", playlistId=f"UU{1:022d}")
    assert answer.status_code == 403
    error = answer.json()["error"]
    assert error["errors"][0] == {
        "message": error["message"],
        "domain": "youtube.quota",
        "reason": "quotaExceeded",
    }
    assert "exceeded your" in error["message"]
    assert get(sandbox, "channels", part="id", forHandle="@x").status_code == 200


def test_playlist_items_newest_first_with_video_dates(sandbox):
    body = get(
        sandbox, "playlistItems", part="snippet,contentDetails", playlistId=f"UU{1:022d}", maxResults="1"
    ).json()
    assert body["kind"] == "youtube#playlistItemListResponse"
    assert body["pageInfo"] == {"totalResults": 2, "resultsPerPage": 1}
    assert "nextPageToken" in body
    (item,) = body["items"]
    assert item["contentDetails"] == {"videoId": "new", "videoPublishedAt": "2026-01-10T12:00:00Z"}
    assert item["snippet"]["resourceId"] == {"kind": "youtube#video", "videoId": "new"}


def test_channel_without_videos_has_empty_items(sandbox):
    body = get(sandbox, "playlistItems", part="contentDetails", playlistId=f"UU{2:022d}").json()
    assert body["items"] == [] and body["pageInfo"]["totalResults"] == 0


def test_unknown_playlist_is_404_playlist_not_found(sandbox):
    answer = get(sandbox, "playlistItems", part="contentDetails", playlistId=f"UU{3:022d}")
    assert answer.status_code == 404
    assert answer.json()["error"]["errors"][0]["reason"] == "playlistNotFound"


def test_endpoints_are_named_in_the_log(sandbox):
    get(sandbox, "channels", part="id", forHandle="@x")
    get(sandbox, "playlistItems", part="id", playlistId="UUx")
    assert [r.endpoint for r in sandbox.log] == ["youtube.channels", "youtube.playlistItems"]


def test_demo_world_has_every_registry_youtube_account():
    registry = yaml.safe_load(
        (DEMO_WORLD.parents[2] / "config" / "registry.yaml").read_text(encoding="utf-8")
    )
    accounts = [a for a in registry["accounts"] if a["network"] == "youtube"]
    channels = {c["handle"].lower(): c for c in World.demo().youtube["channels"]}
    assert accounts
    for account in accounts:
        live = channels[account["handle"].lower()]
        assert live["title"] == account["name"]
        assert "https://www.csno.ab.ca" in live["description"]
        assert "Conseil scolaire du Nord-Ouest" in live["description"]
        assert len(live["id"]) == 24 and live["id"].startswith("UC")
