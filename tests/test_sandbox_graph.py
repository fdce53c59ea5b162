"""The Graph API part of the sandbox: shapes, field expansion, errors, usage headers, fault knobs."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import requests

from vigie_sandbox import graph
from vigie_sandbox.graph_fields import FieldSpec, GraphFailure, parse_fields
from vigie_sandbox.world import World

TOKEN = "sandbox-facebook-token"
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
IG_ID = "17841400000000000"


def page(n: int, **extra) -> dict:
    return {
        "id": f"1000{n:04d}",
        "username": f"Page{n}CSNO",
        "name": f"École {n}_CSNO",
        "website": "https://e.csno.ab.ca www.csno.ab.ca",
        "emails": ["e@csno.ab.ca"],
        "category": "School",
        "picture": f"https://scontent.sandbox.fbcdn.net/p{n}.jpg",
        "cover": f"https://scontent.sandbox.fbcdn.net/p{n}-cover.jpg",
        "last_post_days_ago": 3,
        **extra,
    }


def world(pages: list[dict] | None = None, **facebook) -> World:
    return World(
        facebook={
            "valid_tokens": [TOKEN],
            "pages": pages or [page(1, roles=[{"name": "Julie Côté"}])],
            **facebook,
        },
        instagram={
            "business_account": {"id": IG_ID, "username": "csno"},
            "accounts": [
                {"id": "178001", "username": "eqv_csno", "name": "ÉQV_CSNO", "last_post_days_ago": 2},
                {"id": "178002", "username": "perso", "account_type": "personal"},
            ],
        },
    )


@pytest.fixture
def graph_sandbox(sandbox):
    def start(w: World | None = None):
        return sandbox(w or world(), routes=[graph.route], now=lambda: NOW)

    return start


def get(server, path: str, token: str | None = TOKEN, **params) -> requests.Response:
    if token is not None:
        params["access_token"] = token
    return requests.get(server.url + path, params=params, timeout=5)


# ---------------------------------------------------------------- field expansion


def test_parse_fields_nested_modifiers_and_braces():
    specs = parse_fields(
        "id, picture.type(large){url,is_silhouette},business_discovery.username(bob){media.limit(1){timestamp}}"
    )
    assert [s.name for s in specs] == ["id", "picture", "business_discovery"]
    assert specs[1] == FieldSpec("picture", {"type": "large"}, [FieldSpec("url"), FieldSpec("is_silhouette")])
    media = specs[2].children[0]
    assert specs[2].modifiers == {"username": "bob"}
    assert media.modifiers == {"limit": "1"} and media.children == [FieldSpec("timestamp")]


@pytest.mark.parametrize("text", ["id,", "picture{url", "posts.limit(1", "a}b", "{id}"])
def test_parse_fields_syntax_errors_are_code_100(text):
    with pytest.raises(GraphFailure) as info:
        parse_fields(text)
    assert info.value.code == 100 and "Syntax error" in info.value.message


# ---------------------------------------------------------------- pages


def test_page_fields_and_expansion(graph_sandbox):
    server = graph_sandbox()
    fields = "id,name,username,website,emails,category,category_list,link,picture.type(large){url,is_silhouette},cover{source},posts.limit(1){created_time}"
    response = get(server, "/v23.0/page1csno", fields=fields)
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "École 1_CSNO" and body["username"] == "Page1CSNO"
    assert body["website"] == "https://e.csno.ab.ca www.csno.ab.ca"
    assert body["picture"] == {
        "data": {"url": "https://scontent.sandbox.fbcdn.net/p1.jpg", "is_silhouette": False}
    }
    assert body["cover"] == {"source": "https://scontent.sandbox.fbcdn.net/p1-cover.jpg"}
    assert body["category_list"][0]["name"] == "School"
    assert body["link"] == "https://www.facebook.com/Page1CSNO"
    (post,) = body["posts"]["data"]
    assert set(post) == {"created_time", "id"}
    created = dt.datetime.strptime(post["created_time"], "%Y-%m-%dT%H:%M:%S%z")
    assert dt.timedelta(days=3) <= NOW - created < dt.timedelta(days=4)
    assert server.log[-1].endpoint == "graph.object"


def test_picture_without_subfields_and_silhouette(graph_sandbox):
    server = graph_sandbox(world([page(1, picture=None)]))
    body = get(server, "/v19.0/10000001", fields="picture.type(large)").json()
    assert body["picture"]["data"]["is_silhouette"] is True
    assert body["picture"]["data"]["width"] == 200


def test_unknown_field_is_code_100(graph_sandbox):
    response = get(graph_sandbox(), "/v23.0/Page1CSNO", fields="id,birthday")
    error = response.json()["error"]
    assert response.status_code == 400
    assert error["code"] == 100 and error["type"] == "OAuthException"
    assert error["message"] == "(#100) Tried accessing nonexisting field (birthday) on node type (Page)"
    assert error["fbtrace_id"]


def test_unknown_alias_and_unknown_id(graph_sandbox):
    server = graph_sandbox()
    alias = get(server, "/v23.0/NoSuchPage", fields="id")
    assert alias.status_code == 404
    assert (
        alias.json()["error"]["message"]
        == "(#803) Some of the aliases you requested do not exist: NoSuchPage"
    )
    numeric = get(server, "/v23.0/999999", fields="id").json()["error"]
    assert (numeric["code"], numeric["error_subcode"], numeric["type"]) == (100, 33, "GraphMethodException")


def test_ids_batch_keyed_by_alias(graph_sandbox):
    server = graph_sandbox(world([page(1), page(2)]))
    body = get(server, "/v23.0/", ids="Page1CSNO,10000002", fields="id,name").json()
    assert body == {
        "Page1CSNO": {"id": "10000001", "name": "École 1_CSNO"},
        "10000002": {"id": "10000002", "name": "École 2_CSNO"},
    }
    assert server.log[-1].endpoint == "graph.ids"


def test_ids_batch_fails_whole_when_one_alias_missing(graph_sandbox):
    response = get(graph_sandbox(world([page(1)])), "/v23.0/", ids="Page1CSNO,ghost,phantom", fields="id")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == 803 and error["type"] == "OAuthException"
    assert error["message"] == "(#803) Some of the aliases you requested do not exist: ghost,phantom"


def test_ids_batch_limited_to_50(graph_sandbox):
    pages = [page(n) for n in range(51)]
    server = graph_sandbox(world(pages))
    ok = get(server, "/v23.0/", ids=",".join(p["id"] for p in pages[:50]), fields="id")
    assert ok.status_code == 200 and len(ok.json()) == 50
    too_many = get(server, "/v23.0/", ids=",".join(p["id"] for p in pages), fields="id")
    assert too_many.json()["error"]["code"] == 100


def test_profile_has_no_page_fields(graph_sandbox):
    server = graph_sandbox(world([page(1)], users=[{"id": "555", "name": "Julie Côté"}]))
    error = get(server, "/v23.0/555", fields="id,fan_count").json()["error"]
    assert error["message"].endswith("on node type (User)")
    assert get(server, "/v23.0/555", fields="id,name").json() == {"id": "555", "name": "Julie Côté"}


# ---------------------------------------------------------------- roles


def test_roles_edge_and_field(graph_sandbox):
    server = graph_sandbox()
    edge = get(server, "/v23.0/10000001/roles").json()
    assert [r["name"] for r in edge["data"]] == ["Julie Côté"]
    assert "MANAGE" in edge["data"][0]["tasks"]
    assert server.log[-1].endpoint == "graph.roles"
    field = get(server, "/v23.0/10000001", fields="roles").json()
    assert field["roles"] == edge


def test_roles_need_a_page_token_and_a_managed_page(graph_sandbox):
    w = world(
        [page(1, roles=[{"name": "A"}]), page(2)], valid_tokens=[TOKEN, "user-token"], role_tokens=[TOKEN]
    )
    server = graph_sandbox(w)
    user_token = get(server, "/v23.0/10000001/roles", token="user-token").json()["error"]
    assert user_token["code"] == 210
    unmanaged = get(server, "/v23.0/10000002/roles").json()["error"]
    assert unmanaged["code"] == 200


# ---------------------------------------------------------------- tokens and faults


def test_missing_invalid_and_expired_tokens(graph_sandbox):
    server = graph_sandbox(world(expired_tokens=["old-token"]))
    missing = get(server, "/v23.0/Page1CSNO", token=None).json()["error"]
    assert missing["code"] == 104
    invalid = get(server, "/v23.0/Page1CSNO", token="nope")
    assert invalid.json()["error"]["code"] == 190 and "invalid_token" in invalid.headers["WWW-Authenticate"]
    expired = get(server, "/v23.0/Page1CSNO", token="old-token").json()["error"]
    assert (expired["code"], expired["error_subcode"]) == (190, 463)
    assert expired["message"].startswith("Error validating access token: Session has expired")


def test_authorization_header_is_accepted(graph_sandbox):
    server = graph_sandbox()
    response = requests.get(
        server.url + "/v23.0/Page1CSNO", headers={"Authorization": f"OAuth {TOKEN}"}, timeout=5
    )
    assert response.json()["id"] == "10000001"


def test_token_expired_knob_fires_then_stops(graph_sandbox):
    server = graph_sandbox()
    server.faults.set("graph", token_expired=1)
    first = get(server, "/v23.0/Page1CSNO").json()
    assert first["error"]["code"] == 190 and first["error"]["error_subcode"] == 463
    assert get(server, "/v23.0/Page1CSNO").json()["id"] == "10000001"


@pytest.mark.parametrize(
    ("knobs", "code"),
    [
        ({"throttled": 1}, 4),
        ({"throttled": "613"}, 613),
        ({"throttled": 1, "throttle_code": 32}, 32),
        ({"throttled": "17"}, 17),
    ],
)
def test_throttling_knob_codes(graph_sandbox, knobs, code):
    server = graph_sandbox()
    server.faults.set("graph.ids", **knobs)
    response = get(server, "/v23.0/", ids="Page1CSNO", fields="id")
    error = response.json()["error"]
    assert error["code"] == code and error["message"].startswith(f"(#{code})")
    assert json.loads(response.headers["X-App-Usage"])["call_count"] == 100


def test_permission_denied_knob(graph_sandbox):
    server = graph_sandbox()
    server.faults.set("graph.object", permission_denied=1)
    assert get(server, "/v23.0/Page1CSNO").json()["error"]["code"] == 10


def test_generic_faults_apply_to_graph_endpoints(graph_sandbox):
    server = graph_sandbox()
    server.faults.set("graph", server_errors=1, malformed_json=1)
    assert get(server, "/v23.0/Page1CSNO").status_code == 503
    with pytest.raises(ValueError):
        get(server, "/v23.0/Page1CSNO").json()
    assert get(server, "/v23.0/Page1CSNO").json()["id"] == "10000001"


def test_app_usage_grows_and_can_be_forced(graph_sandbox):
    server = graph_sandbox(world(calls_per_hour=10))
    usages = [json.loads(get(server, "/v23.0/Page1CSNO").headers["X-App-Usage"]) for _ in range(3)]
    assert [u["call_count"] for u in usages] == [10, 20, 30]
    assert set(usages[0]) == {"call_count", "total_cputime", "total_time"}
    server.faults.set("graph", app_usage=95)
    assert json.loads(get(server, "/v23.0/Page1CSNO").headers["X-App-Usage"])["call_count"] == 95


# ---------------------------------------------------------------- instagram


def test_business_discovery(graph_sandbox):
    server = graph_sandbox()
    fields = "business_discovery.username(eqv_csno){username,name,followers_count,media.limit(1){timestamp}}"
    response = get(server, f"/v23.0/{IG_ID}", fields=fields)
    body = response.json()
    assert body["id"] == IG_ID
    discovered = body["business_discovery"]
    assert discovered["username"] == "eqv_csno" and discovered["id"] == "178001"
    (media,) = discovered["media"]["data"]
    assert set(media) == {"timestamp", "id"}
    usage = json.loads(response.headers["X-Business-Use-Case-Usage"])
    assert usage[IG_ID][0]["type"] == "instagram"
    assert server.log[-1].endpoint == "graph.ig_discovery"


@pytest.mark.parametrize("username", ["nobody", "perso"])
def test_business_discovery_unknown_or_personal_account(graph_sandbox, username):
    response = get(
        graph_sandbox(), f"/v23.0/{IG_ID}", fields=f"business_discovery.username({username}){{name}}"
    )
    error = response.json()["error"]
    assert response.status_code == 400
    assert (error["message"], error["code"], error["error_subcode"]) == ("Invalid user id", 110, 2207013)
    assert error["error_user_title"] == "Cannot find User"
    assert error["error_user_msg"] == f"The user with username: {username} cannot be found."


def test_business_discovery_only_on_the_instagram_account(graph_sandbox):
    error = get(
        graph_sandbox(), "/v23.0/10000001", fields="business_discovery.username(eqv_csno){name}"
    ).json()["error"]
    assert error["code"] == 100


def test_other_paths_are_left_to_other_routes(graph_sandbox):
    server = graph_sandbox()
    assert requests.get(server.url + "/2/users/by", timeout=5).status_code == 404
    assert server.log[-1].endpoint == "none"
