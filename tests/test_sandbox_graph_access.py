"""The Graph sandbox's access model: token kinds, /me/accounts, page tokens, features, appsecret_proof."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import requests

from vigie_sandbox import graph
from vigie_sandbox.graph_access import appsecret_proof, derive_page_token
from vigie_sandbox.world import World

SYSTEM = "system-user-token"
SECRET = "sandbox-app-secret"
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)


def page(n: int, **extra) -> dict:
    return {
        "id": f"3000{n:04d}",
        "username": f"Page{n}CSNO",
        "name": f"École {n}_CSNO",
        "category": "School",
        "picture": f"https://scontent.sandbox.fbcdn.net/p{n}.jpg",
        "last_post_days_ago": 3,
        "roles": [{"name": "Julie Côté"}],
        "business_people": [{"name": "Marc Roy"}],
        **extra,
    }


def realistic(features=("page_public_metadata_access",), proof=True, permissions=None, **extra) -> World:
    return World(
        facebook={
            "app": {
                "id": "12001",
                "secret": SECRET,
                "features": list(features),
                "require_appsecret_proof": proof,
            },
            "tokens": [
                {
                    "token": SYSTEM,
                    "kind": "system_user",
                    "permissions": permissions or ["pages_show_list", "pages_read_engagement"],
                    "manages": ["Page1CSNO", "30000002"],
                },
                {"token": "app-token", "kind": "app"},
            ],
            "pages": [page(1), page(2), page(3), page(4, published=False)],
            **extra,
        }
    )


@pytest.fixture
def start(sandbox):
    return lambda w: sandbox(w, routes=[graph.route], now=lambda: NOW)


def get(server, path: str, token: str = SYSTEM, proof: bool = True, **params) -> requests.Response:
    params["access_token"] = token
    if proof:
        params["appsecret_proof"] = appsecret_proof(token, SECRET)
    return requests.get(server.url + "/v23.0" + path, params=params, timeout=5)


def error(response: requests.Response) -> dict:
    return response.json()["error"]


def test_me_accounts_lists_managed_pages_with_page_tokens(start):
    server = start(realistic())
    answer = get(server, "/me/accounts", fields="id,username,access_token")
    assert answer.status_code == 200
    pages = answer.json()["data"]
    assert [p["username"] for p in pages] == ["Page1CSNO", "Page2CSNO"]
    assert pages[0]["access_token"] == derive_page_token(SYSTEM, "30000001")


def test_me_accounts_pages_by_limit(start):
    server = start(realistic())
    first = get(server, "/me/accounts", limit="1").json()
    assert len(first["data"]) == 1 and "next" in first["paging"]
    after = first["paging"]["cursors"]["after"]
    second = get(server, "/me/accounts", limit="1", after=after).json()
    assert second["data"][0]["id"] == "30000002" and "next" not in second["paging"]


def test_me_accounts_needs_pages_show_list_and_a_user(start):
    server = start(realistic(permissions=["pages_read_engagement"]))
    assert error(get(server, "/me/accounts"))["code"] == 10
    assert error(get(server, "/me/accounts", token="app-token"))["code"] == 2500


def test_appsecret_proof_required_missing_or_wrong(start):
    server = start(realistic())
    missing = error(get(server, "/Page1CSNO", proof=False))
    assert missing["code"] == 100 and "appsecret_proof" in missing["message"]
    wrong = requests.get(
        server.url + "/v23.0/Page1CSNO",
        params={"access_token": SYSTEM, "appsecret_proof": "0" * 64},
        timeout=5,
    )
    assert error(wrong)["code"] == 100 and "Invalid appsecret_proof" in error(wrong)["message"]


def test_posts_of_an_unmanaged_page_need_page_public_content_access(start):
    server = start(realistic())
    refused = error(get(server, "/", ids="Page3CSNO", fields="id,posts.limit(1){created_time}"))
    assert refused["code"] == 10 and "Page Public Content Access" in refused["message"]
    public = get(server, "/", ids="Page3CSNO", fields="id,name")
    assert public.json()["Page3CSNO"]["name"] == "École 3_CSNO"
    managed = get(server, "/", ids="Page1CSNO", fields="id,posts.limit(1){created_time}")
    assert managed.json()["Page1CSNO"]["posts"]["data"]


def test_public_fields_of_an_unmanaged_page_need_page_public_metadata_access(start):
    server = start(realistic(features=()))
    refused = error(get(server, "/", ids="Page3CSNO", fields="id,name"))
    assert refused["code"] == 100 and "Page Public Metadata Access" in refused["message"]


def test_roles_need_the_pages_own_token_and_leave_business_people_out(start):
    server = start(realistic())
    wrong_kind = error(get(server, "/30000001", fields="roles{id,name,tasks}"))
    assert wrong_kind["code"] == 190 and "error_subcode" not in wrong_kind
    assert "Page Access Token" in wrong_kind["message"]
    page_token = derive_page_token(SYSTEM, "30000001")
    answer = get(server, "/30000001", token=page_token, fields="roles{id,name,tasks}")
    assert [r["name"] for r in answer.json()["roles"]["data"]] == ["Julie Côté"]  # not Marc Roy
    assert json.loads(answer.headers["X-Page-Usage"])["call_count"] >= 0
    business = json.loads(answer.headers["X-Business-Use-Case-Usage"])
    assert business["30000001"][0]["type"] == "pages"


def test_an_unpublished_page_fails_its_whole_batch(start):
    server = start(realistic())
    failed = error(get(server, "/", ids="Page3CSNO,Page4CSNO", fields="id,name"))
    assert failed["code"] == 100 and failed["error_subcode"] == 33
    assert "does not exist, cannot be loaded due to missing permissions" in failed["message"]


def test_business_use_case_throttling_codes_and_unknown_usage_keys(start):
    server = start(realistic(usage_extra={"ads_api_access_tier": "standard_access", "new_key": "x"}))
    server.faults.set("graph", throttled="80001", regain_minutes=2)
    page_token = derive_page_token(SYSTEM, "30000001")
    answer = get(server, "/30000001", token=page_token, fields="id")
    assert (
        error(answer)["code"] == 80001 and "too many calls to this Page account" in error(answer)["message"]
    )
    usage = json.loads(answer.headers["X-Business-Use-Case-Usage"])["30000001"][0]
    assert usage["estimated_time_to_regain_access"] == 2 and usage["new_key"] == "x"


def test_category_names_come_in_the_token_users_language(start):
    world = realistic()
    world.facebook["tokens"][0]["locale"] = "fr_CA"
    world.facebook["pages"][2]["category"] = "Public Figure"
    server = start(world)
    answer = get(server, "/", ids="Page3CSNO", fields="id,category")
    assert answer.json()["Page3CSNO"]["category"] == "Personnalité publique"
    english = get(server, "/", ids="Page3CSNO", fields="id,category", locale="en_US")
    assert english.json()["Page3CSNO"]["category"] == "Public Figure"


def test_debug_token_tells_kind_and_scopes(start):
    server = start(realistic())
    data = get(server, "/debug_token", input_token=SYSTEM).json()["data"]
    assert data["type"] == "SYSTEM_USER" and data["scopes"] == ["pages_read_engagement", "pages_show_list"]
