"""The sandbox's X API v2: shapes, errors, headers and fault knobs, over real HTTP."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import requests
import yaml

from vigie_sandbox import twitter, youtube
from vigie_sandbox.server import SandboxServer
from vigie_sandbox.world import DEMO_WORLD, World

NOW = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
TOKEN = "sandbox-x-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def user(username: str, uid: str, **extra) -> dict:
    return {
        "id": uid,
        "username": username,
        "name": f"{username}_CSNO",
        "description": "Compte officiel. https://eqv.csno.ab.ca et https://www.csno.ab.ca.",
        "url": "https://eqv.csno.ab.ca",
        "profile_image_url": f"https://pbs.sandbox.twimg.com/profile_images/{username}_normal.jpg",
        "profile_banner_url": f"https://pbs.sandbox.twimg.com/profile_banners/{username}/1500x500",
        "last_tweet_days_ago": 3,
        **extra,
    }


WORLD = {
    "valid_tokens": [TOKEN],
    "users": [
        user("Alpha", "101"),
        user("Gone", "102", suspended=True),
        user("Locked", "103", protected=True),
        user("Quiet", "104", last_tweet_days_ago=None),
    ],
}


@pytest.fixture
def sandbox():
    with SandboxServer(World(x=WORLD), routes=[twitter.route, youtube.route], now=lambda: NOW) as server:
        yield server


def get(sandbox, path: str, headers=AUTH, **params) -> requests.Response:
    return requests.get(sandbox.url + path, params=params, headers=headers, timeout=5)


def test_users_by_returns_found_users_and_errors_for_missing_and_suspended(sandbox):
    answer = get(sandbox, "/2/users/by", usernames="alpha,Gone,nobody", **{"user.fields": "entities,url"})
    assert answer.status_code == 200
    body = answer.json()
    assert [u["username"] for u in body["data"]] == ["Alpha"]
    assert body["errors"] == [
        {
            "value": "Gone",
            "detail": "User has been suspended: [Gone].",
            "title": "Forbidden",
            "resource_type": "user",
            "parameter": "usernames",
            "resource_id": "Gone",
            "type": "https://api.twitter.com/2/problems/resource-not-found",
        },
        {
            "value": "nobody",
            "detail": "Could not find user with usernames: [nobody].",
            "title": "Not Found Error",
            "resource_type": "user",
            "parameter": "usernames",
            "resource_id": "nobody",
            "type": "https://api.twitter.com/2/problems/resource-not-found",
        },
    ]


def test_only_errors_means_no_data_key(sandbox):
    body = get(sandbox, "/2/users/by", usernames="nobody").json()
    assert "data" not in body and len(body["errors"]) == 1


def test_user_fields_are_served_as_x_does(sandbox):
    fields = "description,entities,url,profile_image_url,profile_banner_url,protected,most_recent_tweet_id"
    alpha = get(sandbox, "/2/users/by", usernames="Alpha", **{"user.fields": fields}).json()["data"][0]
    assert alpha["url"].startswith("https://t.co/") and len(alpha["url"]) == 23
    assert alpha["entities"]["url"]["urls"][0]["expanded_url"] == "https://eqv.csno.ab.ca"
    described = alpha["entities"]["description"]["urls"]
    assert [u["expanded_url"] for u in described] == ["https://eqv.csno.ab.ca", "https://www.csno.ab.ca"]
    for entry in described:  # indices point at the t.co link in the served description
        assert alpha["description"][entry["start"] : entry["end"]] == entry["url"]
    assert "https://www.csno.ab.ca" not in alpha["description"]
    assert alpha["profile_image_url"].endswith("Alpha_normal.jpg")
    assert alpha["profile_banner_url"].endswith("/profile_banners/Alpha/1500x500")
    assert alpha["protected"] is False
    assert "created_at" not in alpha  # not asked for


def test_default_fields_are_id_name_username(sandbox):
    alpha = get(sandbox, "/2/users/by", usernames="Alpha").json()["data"][0]
    assert set(alpha) == {"id", "name", "username"}


@pytest.mark.parametrize(
    ("usernames", "message"),
    [
        (",".join(f"u{i}" for i in range(101)), "list [101] is not between 1 and 100"),
        ("good,bad-name", "value [bad-name] does not match ^[A-Za-z0-9_]{1,15}$"),
        ("", "query parameter can not be empty"),
    ],
)
def test_invalid_usernames_are_a_400_invalid_request(sandbox, usernames, message):
    answer = get(sandbox, "/2/users/by", usernames=usernames)
    assert answer.status_code == 400
    body = answer.json()
    assert body["title"] == "Invalid Request"
    assert body["type"] == "https://api.twitter.com/2/problems/invalid-request"
    assert message in body["errors"][0]["message"]


def test_unknown_user_field_is_refused(sandbox):
    answer = get(sandbox, "/2/users/by", usernames="Alpha", **{"user.fields": "shoe_size"})
    assert answer.status_code == 400
    assert "[shoe_size] is not one of" in answer.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}]
)
def test_bad_or_missing_token_is_401_in_x_shape(sandbox, headers):
    answer = get(sandbox, "/2/users/by", headers=headers, usernames="Alpha")
    assert answer.status_code == 401
    assert answer.json() == {
        "title": "Unauthorized",
        "type": "about:blank",
        "status": 401,
        "detail": "Unauthorized",
    }
    assert "x-rate-limit-reset" in answer.headers


def test_token_expired_knob(sandbox):
    sandbox.faults.set("x.users", token_expired=1)
    assert get(sandbox, "/2/users/by", usernames="Alpha").status_code == 401
    assert get(sandbox, "/2/users/by", usernames="Alpha").status_code == 200


def test_every_answer_carries_rate_limit_headers(sandbox):
    first = get(sandbox, "/2/users/by", usernames="Alpha")
    second = get(sandbox, "/2/users/by", usernames="Alpha")
    assert first.headers["x-rate-limit-limit"] == "300"
    assert int(first.headers["x-rate-limit-remaining"]) == int(second.headers["x-rate-limit-remaining"]) + 1
    assert int(first.headers["x-rate-limit-reset"]) > time.time()


def test_rate_limited_knob_gives_the_real_429_for_n_requests(sandbox):
    sandbox.faults.set("x.users", rate_limited=1)
    limited = get(sandbox, "/2/users/by", usernames="Alpha")
    assert limited.status_code == 429
    assert limited.json() == {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }
    assert limited.headers["x-rate-limit-remaining"] == "0"
    assert 1 <= int(limited.headers["x-rate-limit-reset"]) - time.time() <= 3
    assert get(sandbox, "/2/users/by", usernames="Alpha").status_code == 200
    assert [r.status for r in sandbox.requests_to("x.users")] == [429, 200]


def test_rate_limited_with_a_delay_fires_every_time(sandbox):
    sandbox.faults.set("x.tweets", rate_limited=30.0)
    for _ in range(2):
        limited = get(sandbox, "/2/tweets", ids="1")
        assert limited.status_code == 429
        assert 29 <= int(limited.headers["x-rate-limit-reset"]) - time.time() <= 31


def test_window_limit_is_enforced():
    world = World(x={**WORLD, "rate_limit": 2})
    with SandboxServer(world, routes=[twitter.route], now=lambda: NOW) as server:
        statuses = [get(server, "/2/users/by", usernames="Alpha").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def tweet_id(sandbox, username: str) -> str:
    answer = get(sandbox, "/2/users/by", usernames=username, **{"user.fields": "most_recent_tweet_id"})
    return answer.json()["data"][0]["most_recent_tweet_id"]


def test_tweets_lookup_dates_relative_to_the_sandbox_clock(sandbox):
    alpha = tweet_id(sandbox, "Alpha")
    body = get(sandbox, "/2/tweets", ids=f"{alpha},999", **{"tweet.fields": "created_at"}).json()
    assert body["data"][0]["id"] == alpha
    assert body["data"][0]["created_at"] == "2026-01-12T12:00:00.000Z"
    assert body["data"][0]["edit_history_tweet_ids"] == [alpha]
    assert body["errors"][0]["detail"] == "Could not find tweet with ids: [999]."
    assert body["errors"][0]["resource_type"] == "tweet"


def test_protected_users_tweets_are_not_authorized(sandbox):
    locked = tweet_id(sandbox, "Locked")
    error = get(sandbox, "/2/tweets", ids=locked).json()["errors"][0]
    assert error["title"] == "Authorization Error"
    assert error["type"] == "https://api.twitter.com/2/problems/not-authorized-for-resource"


def test_user_without_tweets_has_no_most_recent_tweet_id(sandbox):
    answer = get(sandbox, "/2/users/by", usernames="Quiet", **{"user.fields": "most_recent_tweet_id"})
    assert "most_recent_tweet_id" not in answer.json()["data"][0]


def test_tweets_ids_limits(sandbox):
    answer = get(sandbox, "/2/tweets", ids=",".join(str(i) for i in range(101)))
    assert answer.status_code == 400
    assert "list [101] is not between 1 and 100" in answer.json()["errors"][0]["message"]


def test_endpoints_are_named_in_the_log(sandbox):
    get(sandbox, "/2/users/by", usernames="Alpha")
    get(sandbox, "/2/tweets", ids="1")
    assert [r.endpoint for r in sandbox.log] == ["x.users", "x.tweets"]


def test_other_paths_are_left_to_other_routes(sandbox):
    assert requests.get(sandbox.url + "/nothing", timeout=5).status_code == 404


# ---------------------------------------------------------------- the demo world


def registry_handles(network: str) -> dict[str, str]:
    registry = yaml.safe_load(
        (DEMO_WORLD.parents[2] / "config" / "registry.yaml").read_text(encoding="utf-8")
    )
    return {a["id"]: a for a in registry["accounts"] if a["network"] == network}


def test_demo_world_has_every_registry_x_account_with_its_plants():
    users = {u["username"]: u for u in World.demo().x["users"]}
    accounts = registry_handles("x")
    for account in accounts.values():
        live = users[account["handle"]]
        assert not live.get("suspended") and not live.get("protected")
        if account["id"] != "eh-x":
            assert live["name"] == account["name"]
        assert "Conseil scolaire du Nord-Ouest" in live["description"]
    eh = users[accounts["eh-x"]["handle"]]["name"]
    assert eh == "École Héritage_\u0421SNO (page officielle)" and eh != accounts["eh-x"]["name"]
    eqv = users[accounts["eqv-x"]["handle"]]
    assert "csno.ab.ca/" not in eqv["description"] and "www.csno.ab.ca" not in eqv["description"]
    assert eqv["url"] == "https://eqv.csno.ab.ca"


def test_demo_world_answers_over_http():
    with SandboxServer(World.demo(), routes=[twitter.route], now=lambda: NOW) as server:
        body = get(server, "/2/users/by", usernames="EQV_CSNO,ENF_CSNO,CompteSuspendu").json()
    assert len(body["data"]) == 2 and body["errors"][0]["detail"].startswith("User has been suspended")


def test_most_recent_tweet_is_the_newest_post_of_any_kind():
    """docs.x.com/x-api/users/lookup: `most_recent_tweet_id` is the user's newest post, so a world
    post newer than the generated last one is the one named (the publications stage relies on it
    to leave unread an account with nothing new)."""
    newer = {"id": "1979000000000000999", "days_ago": 1, "text": "Bravo à nos élèves!"}
    world = {"valid_tokens": [TOKEN], "users": [user("Alpha", "101", tweets=[newer])]}
    with SandboxServer(World(x=world), routes=[twitter.route], now=lambda: NOW) as server:
        body = get(server, "/2/users/by", usernames="Alpha", expansions="most_recent_tweet_id",
                   **{"user.fields": "most_recent_tweet_id", "tweet.fields": "created_at"}).json()  # fmt: skip
    assert body["data"][0]["most_recent_tweet_id"] == newer["id"]
    assert body["includes"]["tweets"][0]["created_at"].startswith(
        (NOW - dt.timedelta(days=1)).date().isoformat()
    )
