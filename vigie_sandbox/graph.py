"""The Graph API part of the sandbox: Facebook pages and Instagram business discovery.

Answers every request whose path starts with a version (`/v23.0/…`), with the
shapes of Meta's Graph API (developers.facebook.com/docs/graph-api): field
expansion (`picture.type(large){url,is_silhouette}`, `posts.limit(1){created_time}`),
`?ids=a,b` (50 at most; one missing alias fails the whole request with `(#803)`),
the `roles` edge (page tokens only), `business_discovery.username(x){…}` on the
board's Instagram professional account, error bodies
`{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}` and an
`X-App-Usage` header (`X-Business-Use-Case-Usage` for Instagram) growing with calls.

Who may read what (token kinds, permissions, app features, `appsecret_proof`, `/me/accounts`
and Page tokens, `roles` only with a Page token) is `vigie_sandbox.graph_access`.

Endpoint names (for fault knobs and `SandboxServer.requests_to`): `graph.ids`,
`graph.object`, `graph.ig_discovery`, `graph.roles`, `graph.posts`, `graph.accounts`,
`graph.debug`, `graph.batch` (a batch request counts as one call), `graph.pages_search`
(`vigie_sandbox.graph_search`), `graph.other`.
Platform-shaped knobs read here: `token_expired` (190/463), `throttled` (4 by default;
a string value such as `"613"` or `"80001"`, or the `throttle_code` knob, picks the code),
`regain_minutes` (the `estimated_time_to_regain_access` the usage headers then report),
`permission_denied` (10), `app_usage` (forces the usage percentages reported).

Usage headers (developers.facebook.com/docs/graph-api/overview/rate-limiting): `X-App-Usage`
on every answer; with a Page token, `X-Page-Usage` and `X-Business-Use-Case-Usage` keyed by
the page id (type `pages`); on business discovery, `X-Business-Use-Case-Usage` keyed by the
Instagram account (type `instagram`). `usage_extra` in `facebook.yaml` adds keys to each usage
object, as Meta does without notice (`ads_api_access_tier` was added that way).

`facebook.yaml`::

    valid_tokens: [sandbox-facebook-token]   # default when absent
    expired_tokens: [old-token]              # answered with 190/463
    role_tokens: [sandbox-facebook-token]    # may read `roles` (page/system-user tokens); default valid_tokens
    calls_per_hour: 4800                     # scales X-App-Usage call_count (no enforcement)
    pages:
      - id: "100000000000001"                # numeric string
        username: EQVCSNO                    # matched case-insensitively
        name: "École des Quatre-Vents_CSNO (page officielle)"
        about: "…"                           # short description
        description: "…"                     # long description
        website: "https://eqv.csno.ab.ca www.csno.ab.ca"   # free text, as Facebook stores it
        emails: [eqv@csno.ab.ca]
        category: School
        fan_count: 420
        followers_count: 455
        picture: https://scontent.sandbox.fbcdn.net/eqv-facebook.jpg   # absent: silhouette
        cover: https://scontent.sandbox.fbcdn.net/eqv-facebook-cover.jpg
        last_post_days_ago: 2                # relative to server.now(); absent: no post
        post_every_days: 7                   # spacing of the older generated posts
        roles: [{name: "…", tasks: [MANAGE, CREATE_CONTENT]}]   # absent: roles not readable (#200)
    users: [{id: "…", name: "…"}]            # personal profiles (only id, name, link)
    groups: [{id: "…", name: "…"}]           # not served: the Groups API closed in April 2024

`picture_edges: [host, …]` in `facebook.yaml` serves each day's page pictures from another CDN
edge host (`vigie_sandbox.signing.on_edge`), with the same `cache_key`.

`instagram.yaml`::

    business_account: {id: "17841400000000000", username: csno_officiel}   # asks business_discovery
    accounts:
      - id: "17841400000000101"
        username: eqv_csno
        account_type: business              # business | creator | personal (personal: not discoverable)
        name: "…"
        biography: "…"
        website: https://eqv.csno.ab.ca
        profile_picture_url: https://scontent.sandbox.cdninstagram.com/eqv-instagram.jpg
        followers_count: 310
        media_count: 120
        last_post_days_ago: 3
        post_every_days: 7
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import threading
from typing import Any
from urllib.parse import parse_qs

from vigie_sandbox import graph_search, posts_graph, signing
from vigie_sandbox.graph_access import Access, TokenInfo, hidden_page, localised_category
from vigie_sandbox.graph_fields import FieldSpec, GraphFailure, parse_fields
from vigie_sandbox.server import Request, Response

_VERSIONED = re.compile(r"^/v\d+\.\d+(?:/(.*))?$")
MAX_IDS = 50
THROTTLE_MESSAGES = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    # Business-use-case limits: developers.facebook.com/docs/graph-api/overview/rate-limiting#buc-rate-limits
    80001: "(#80001) There have been too many calls to this Page account. Wait a bit and try again. "
    "For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
    80002: "(#80002) There have been too many calls to this Instagram account. Wait a bit and try again. "
    "For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
}
DEFAULT_TOKENS = ["sandbox-facebook-token"]


# ---------------------------------------------------------------- dispatch


def route(request: Request, server) -> Response | None:
    match = _VERSIONED.match(request.path)
    if not match:
        return None
    if request.method == "POST" and "batch" in request.query and not match.group(1):
        return _batch(request, server)
    parts = [p for p in (match.group(1) or "").split("/") if p]
    endpoint = _endpoint(parts, request.query)
    graph = _Graph(server, request)
    try:
        graph.check_token_and_faults(endpoint)
        body = graph.answer(parts, endpoint)
        return Response.json(body, 200, endpoint, **graph.usage_headers(endpoint))
    except GraphFailure as failure:
        return graph.error(failure, endpoint)


def _batch(request: Request, server) -> Response:
    """`POST /?batch=[{"method": "GET", "relative_url": "…"}, …]`: several calls in one HTTP request
    (developers.facebook.com/docs/graph-api/making-multiple-requests): at most 50 operations; the
    answer is a JSON array in their order, each `{"code", "body"}` (the body a JSON string, the
    headers left out with `include_headers=false`), so one refused object fails only its own
    operation. The access token and `appsecret_proof` of the batch apply to every operation."""
    graph = _Graph(server, request)
    endpoint = "graph.batch"
    try:
        graph.check_token_and_faults(endpoint)
        try:
            operations = json.loads(request.query["batch"])
        except ValueError:
            raise GraphFailure(100, "(#100) The batch parameter must be a JSON array") from None
        if not isinstance(operations, list):
            raise GraphFailure(100, "(#100) The batch parameter must be a JSON array")
        if len(operations) > MAX_IDS:
            raise GraphFailure(
                100, f"(#100) Too many requests in batch message. Maximum batch size is {MAX_IDS}"
            )
        version = request.path.rstrip("/")
        with_headers = request.query.get("include_headers", "true") != "false"
        answers = []
        for operation in operations:
            relative = str((operation or {}).get("relative_url", "")).lstrip("/")
            path, _, query = relative.partition("?")
            params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
            for name in ("access_token", "appsecret_proof"):
                if name in request.query:
                    params.setdefault(name, request.query[name])
            sub = Request("GET", request.host, f"{version}/{path}", params, request.headers)
            answer = route(sub, server) if str(operation.get("method", "GET")).upper() == "GET" else None
            if answer is None:
                answers.append(None)
                continue
            item: dict[str, Any] = {"code": answer.status, "body": answer.body.decode()}
            if with_headers:
                item["headers"] = [{"name": k, "value": v} for k, v in answer.headers.items()]
            answers.append(item)
        return Response(200, json.dumps(answers).encode(), {"Content-Type": "application/json; charset=UTF-8",
                        **graph.usage_headers(endpoint)}, endpoint)  # fmt: skip
    except GraphFailure as failure:
        return graph.error(failure, endpoint)


def _endpoint(parts: list[str], query: dict[str, str]) -> str:
    if not parts:
        return "graph.ids" if "ids" in query else "graph.other"
    if parts == ["me", "accounts"]:
        return "graph.accounts"
    if parts == ["debug_token"]:
        return "graph.debug"
    if parts == ["pages", "search"]:
        return graph_search.ENDPOINT
    if len(parts) == 1:
        return "graph.ig_discovery" if "business_discovery" in query.get("fields", "") else "graph.object"
    if len(parts) == 2 and parts[1] == "roles":
        return "graph.roles"
    if len(parts) == 2 and parts[1] in ("posts", "published_posts", "feed"):
        return "graph.posts"
    return "graph.other"


class _Graph:
    def __init__(self, server, request: Request):
        self.server, self.request = server, request
        self.facebook: dict[str, Any] = server.world.facebook or {}
        self.instagram: dict[str, Any] = server.world.instagram or {}
        self.now: dt.datetime = server.now()
        auth = request.headers.get("authorization", "")
        self.token = request.query.get("access_token") or (auth.split(" ", 1)[1] if " " in auth else "")
        self.access: Access = _index(self.facebook, Access)
        self.info: TokenInfo | None = None

    # -------------------------------------------------------- token, faults, headers

    def check_token_and_faults(self, endpoint: str) -> None:
        faults = self.server.faults
        if not self.token:
            raise GraphFailure(104, "An access token is required to request this resource.")
        if self.token in self.facebook.get("expired_tokens", []) or faults.take(endpoint, "token_expired"):
            raise GraphFailure(190, self._expired_message(), error_subcode=463)
        self.info = self.access.token(self.token)
        if self.info is None:
            raise GraphFailure(190, "Invalid OAuth access token - Cannot parse access token")
        expires = self.info.expires_at
        if expires and str(expires) < self.now.date().isoformat():
            raise GraphFailure(190, self._expired_message(), error_subcode=463)
        self.access.check_proof(self.info, self.request.query.get("appsecret_proof"))
        throttled = faults.take(endpoint, "throttled")
        if throttled:
            code = _throttle_code(throttled, faults.peek(endpoint, "throttle_code"))
            raise GraphFailure(code, THROTTLE_MESSAGES[code], throttled=True)
        if faults.take(endpoint, "permission_denied"):
            raise GraphFailure(10, "(#10) Application does not have permission for this action")

    def _expired_message(self) -> str:
        expired = (self.now - dt.timedelta(hours=2)).strftime("%A, %d-%b-%y %H:%M:%S UTC")
        current = self.now.strftime("%A, %d-%b-%y %H:%M:%S UTC")
        return (
            f"Error validating access token: Session has expired on {expired}. The current time is {current}."
        )

    def usage_headers(self, endpoint: str, throttled: bool = False) -> dict[str, str]:
        calls = self.server.count("graph") + 1
        forced = self.server.faults.peek(endpoint, "app_usage")
        per_hour = max(1, int(self.facebook.get("calls_per_hour", 4800)))
        count = 100 if throttled else min(100, math.ceil(100 * calls / per_hour))
        count = int(forced) if forced else count
        usage = {"call_count": count, "total_cputime": count // 2, "total_time": count // 2}
        usage.update(self.facebook.get("usage_extra") or {})
        regain = int(self.server.faults.peek(endpoint, "regain_minutes") or 0) if throttled else 0
        headers = {"X-App-Usage": json.dumps(usage)}
        if endpoint == "graph.ig_discovery":
            business_id = str(self.instagram.get("business_account", {}).get("id", "0"))
            item = {"type": "instagram", **usage, "estimated_time_to_regain_access": regain}
            headers["X-Business-Use-Case-Usage"] = json.dumps({business_id: [item]})
        elif self.info is not None and self.info.kind == "page":
            page_usage = {**usage, "estimated_time_to_regain_access": regain}
            item = {"type": "pages", **page_usage}
            headers["X-Page-Usage"] = json.dumps(page_usage)
            headers["X-Business-Use-Case-Usage"] = json.dumps({self.info.page_id: [item]})
        return headers

    def error(self, failure: GraphFailure, endpoint: str) -> Response:
        kind = "GraphMethodException" if failure.extra.get("error_subcode") == 33 else "OAuthException"
        kind = failure.extra.get("kind", kind)
        error = {"message": failure.message, "type": kind, "code": failure.code}
        error.update({k: v for k, v in failure.extra.items() if k not in ("throttled", "kind")})
        seed = f"{len(self.server.log)}{self.request.path}{failure.code}".encode()
        error["fbtrace_id"] = "A" + hashlib.sha1(seed).hexdigest()[:22]
        headers = self.usage_headers(endpoint, throttled=bool(failure.extra.get("throttled")))
        if failure.code in (102, 104, 190):
            headers["WWW-Authenticate"] = f'OAuth "Facebook Platform" "invalid_token" "{failure.message}"'
        return Response.json({"error": error}, failure.status, endpoint, **headers)

    # -------------------------------------------------------- routing

    def answer(self, parts: list[str], endpoint: str) -> dict[str, Any]:
        fields = self._fields()
        if endpoint == "graph.accounts":
            return self._accounts()
        if endpoint == "graph.debug":
            info = self.access.token(self.request.query.get("input_token", ""))
            if info is None:
                raise GraphFailure(190, "Invalid OAuth access token - Cannot parse access token")
            return {"data": self.access.debug(info)}
        if endpoint == graph_search.ENDPOINT:
            return graph_search.pages_search(self, fields)
        if not parts:
            if "ids" not in self.request.query:
                raise GraphFailure(100, "(#100) Missing 'ids' parameter")
            return self._ids(self.request.query["ids"], fields)
        node_kind, node = self._lookup(parts[0])
        if node_kind == "Page":
            self._check_page(node, parts[0])
        if len(parts) == 1:
            return self._render(node_kind, node, fields)
        if endpoint == "graph.roles":
            return self._roles(node_kind, node)
        if endpoint == "graph.posts":
            if node_kind != "Page":
                raise _nonexisting(parts[1], node_kind)
            self.access.check_posts(self.info, node)
            return self._posts(node, fields, self.request.query)
        raise GraphFailure(100, f"Unknown path components: /{'/'.join(parts[1:])}", error_subcode=2500)

    def _fields(self) -> list[FieldSpec] | None:
        text = self.request.query.get("fields", "").strip()
        return parse_fields(text) if text else None

    def _ids(self, ids_param: str, fields: list[FieldSpec] | None) -> dict[str, Any]:
        aliases = [a.strip() for a in ids_param.split(",") if a.strip()]
        if len(aliases) > MAX_IDS:
            raise GraphFailure(100, f"(#100) Too many IDs. Maximum: {MAX_IDS}. Provided: {len(aliases)}.")
        missing = [a for a in aliases if self._find(a) is None]
        if missing:
            raise _alias_missing(missing)
        for alias in aliases:  # one page this token may not see fails the whole request
            node_kind, node = self._find(alias)
            if node_kind == "Page":
                self._check_page(node, alias)
        result = {}
        for alias in aliases:
            node_kind, node = self._find(alias)
            result[alias] = self._render(node_kind, node, fields)
        return result

    def _check_page(self, page: dict[str, Any], alias: str) -> None:
        assert self.info is not None
        self.access.check_page(self.info, page, alias)

    def _accounts(self) -> dict[str, Any]:
        """`GET /me/accounts`: the token's pages with their Page tokens, `limit` (≤ 100) at a time."""
        assert self.info is not None
        pages = self.access.accounts(self.info)
        limit = max(1, min(100, int(self.request.query.get("limit", "25") or 25)))
        start = (
            int(self.request.query.get("after", "0") or 0)
            if self.request.query.get("after", "0").isdigit()
            else 0
        )
        chunk = pages[start : start + limit]
        fields = self._fields()
        data = [_pick(p, fields) for p in chunk] if fields else [_pick(p, None) for p in chunk]
        body: dict[str, Any] = {"data": data}
        if chunk:
            body["paging"] = {"cursors": {"before": str(start), "after": str(start + len(chunk))}}
            if start + len(chunk) < len(pages):
                body["paging"]["next"] = f"/me/accounts?limit={limit}&after={start + len(chunk)}"
        return body

    def _find(self, alias: str) -> tuple[str, dict[str, Any]] | None:
        nodes = _index(self.facebook, _node_index)
        found = nodes.get(("id", alias)) or nodes.get(("username", alias.lower()))
        if found is not None:
            return found
        business = self.instagram.get("business_account") or {}
        if business and str(business.get("id")) == alias:
            return "IGUser", business
        return None

    def _lookup(self, alias: str) -> tuple[str, dict[str, Any]]:
        found = self._find(alias)
        if found:
            return found
        if alias.isdigit():
            raise hidden_page(alias)
        raise _alias_missing([alias])

    # -------------------------------------------------------- rendering

    def render(self, kind: str, node: dict[str, Any], fields: list[FieldSpec] | None) -> dict[str, Any]:
        return self._render(kind, node, fields)

    def _render(self, kind: str, node: dict[str, Any], fields: list[FieldSpec] | None) -> dict[str, Any]:
        fields = fields or [FieldSpec("id"), FieldSpec("name")]
        render = {"Page": self._page_field, "User": self._user_field, "IGUser": self._ig_field}[kind]
        out: dict[str, Any] = {}
        for spec in fields:
            value = render(node, spec)
            if value is not None:
                out[spec.name] = value
        out.setdefault("id", str(node.get("id")))
        return out

    def _page_field(self, page: dict[str, Any], spec: FieldSpec) -> Any:
        name = spec.name
        if name == "category" and page.get("category") and self.info is not None:
            locale = self.request.query.get("locale") or self.info.locale
            return localised_category(str(page["category"]), locale)
        if name in ("id", "name", "username", "about", "description", "website", "category"):
            return str(page[name]) if name in page else None
        if name in ("fan_count", "followers_count"):
            return int(page.get(name, 0))
        if name == "emails":
            return list(page["emails"]) if page.get("emails") else None
        if name == "link":
            return f"https://www.facebook.com/{page.get('username') or page.get('id')}"
        if name == "category_list":
            category = page.get("category")
            items = [{"id": str(2600 + len(category)), "name": category}] if category else []
            return [_pick(item, spec.children) for item in items]
        if name == "picture":
            return {"data": _pick(self._picture(page, spec.modifiers.get("type", "normal")), spec.children)}
        if name == "cover":
            if not page.get("cover"):
                return None
            source = self._signed(page["cover"])
            cover = {"cover_id": f"{page['id']}9", "offset_x": 50, "offset_y": 50, "source": source}
            return _pick({**cover, "id": f"{page['id']}9"}, spec.children)
        if name in ("posts", "published_posts", "feed"):
            self.access.check_posts(self.info, page)
            return self._posts(page, spec.children, spec.modifiers)
        if name == "roles":
            return self._roles("Page", page)
        raise _nonexisting(name, "Page")

    def _picture(self, page: dict[str, Any], size: str) -> dict[str, Any]:
        side = {"small": 50, "normal": 100, "large": 200, "square": 50}.get(size, 100)
        url = page.get("picture")
        silhouette = bool(page.get("is_silhouette", not url))
        url = url or "https://scontent.sandbox.fbcdn.net/silhouette.jpg"
        key = signing.cache_key(url)
        edges = self.facebook.get("picture_edges")
        if edges:  # the day's CDN edge serves it: another host, the same picture and cache_key
            url = signing.on_edge(url, str(edges[self.now.date().toordinal() % len(edges)]))
        picture = {"height": side, "is_silhouette": silhouette, "url": self._signed(url), "width": side}
        picture["cache_key"] = key
        return picture

    def _signed(self, url: str) -> str:
        """Pictures on Meta's CDNs are signed and rotate daily (`vigie_sandbox.signing`) when the
        world says so (`sign_pictures`, default: the realistic mode)."""
        if self.facebook.get("sign_pictures", self.access.realistic):
            return signing.sign(url, self.now)
        return url

    def _posts(self, node: dict[str, Any], children: list[FieldSpec] | None, params: dict[str, str]) -> dict:
        return posts_graph.page_posts(self, node, children, params)

    def _post_times(self, node: dict[str, Any]) -> list[dt.datetime]:
        if node.get("last_post_days_ago") is None:
            return []
        first = float(node["last_post_days_ago"])
        every = float(node.get("post_every_days", 7))
        return [self.now - dt.timedelta(days=first + k * every, hours=3) for k in range(5)]

    def _roles(self, kind: str, node: dict[str, Any]) -> dict[str, Any]:
        if kind != "Page":
            raise _nonexisting("roles", kind)
        role_tokens = self.facebook.get("role_tokens", self.facebook.get("valid_tokens", DEFAULT_TOKENS))
        self.access.check_roles(self.info, node, [str(t) for t in role_tokens])
        if "roles" not in node:
            raise GraphFailure(
                200,
                "(#200) The user does not have sufficient administrative permission for this action on this page.",
            )
        data = []
        for n, role in enumerate(node["roles"] or []):
            tasks = role.get("tasks", ["ANALYZE", "ADVERTISE", "MODERATE", "CREATE_CONTENT", "MANAGE"])
            data.append(
                {"id": str(role.get("id", f"{node['id']}{n + 1:03d}")), "name": role["name"], "tasks": tasks}
            )
        return {"data": data}

    def _user_field(self, user: dict[str, Any], spec: FieldSpec) -> Any:
        if spec.name in ("id", "name"):
            return str(user.get(spec.name, "")) or None
        if spec.name == "link":
            return f"https://www.facebook.com/profile.php?id={user.get('id')}"
        raise _nonexisting(spec.name, "User")

    def _ig_field(self, account: dict[str, Any], spec: FieldSpec) -> Any:
        if spec.name == "business_discovery":
            return self._discovery(account, spec)
        return self._ig_user_field(account, spec)

    def _discovery(self, asker: dict[str, Any], spec: FieldSpec) -> dict[str, Any]:
        username = spec.modifiers.get("username", "")
        if not username:
            raise GraphFailure(100, "(#100) The parameter username is required")
        account = _index(self.instagram, _username_index).get(username.lower().lstrip("@"))
        if account is not None and account.get("account_type", "business") in ("business", "creator"):
            return self._render("IGUser", account, spec.children)
        raise GraphFailure(
            110,
            "Invalid user id",
            error_subcode=2207013,
            is_transient=False,
            error_user_title="Cannot find User",
            error_user_msg=f"The user with username: {username} cannot be found.",
        )

    def _ig_user_field(self, account: dict[str, Any], spec: FieldSpec) -> Any:
        name = spec.name
        if name == "profile_picture_url" and account.get(name):
            return self._signed(str(account[name]))
        if name in ("id", "ig_id", "username", "name", "biography", "website", "profile_picture_url"):
            return str(account[name]) if name in account else None
        if name in ("followers_count", "follows_count", "media_count"):
            return int(account.get(name, 0))
        if name == "media":
            return posts_graph.ig_media(self, account, spec)
        raise _nonexisting(name, "User")


_INDEX_LOCK = threading.Lock()
_INDEXES: dict[tuple[int, Any], tuple[dict[str, Any], dict]] = {}


def _index(section: dict[str, Any], build: Any) -> dict:
    """A lookup table of a world section, built once per section (worlds are not changed while served)."""
    key = (id(section), build)
    with _INDEX_LOCK:
        cached = _INDEXES.get(key)
        if cached is not None and cached[0] is section:
            return cached[1]
        if len(_INDEXES) > 64:
            _INDEXES.clear()
        index = build(section)
        _INDEXES[key] = (section, index)
        return index


def _node_index(facebook: dict[str, Any]) -> dict[tuple[str, str], tuple[str, dict[str, Any]]]:
    """("id", id) and ("username", lower-case username) -> (node kind, node); the first one wins."""
    index: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
    for kind, items in (("Page", facebook.get("pages")), ("User", facebook.get("users"))):
        for item in items or []:
            index.setdefault(("id", str(item.get("id"))), (kind, item))
            if item.get("username"):
                index.setdefault(("username", str(item["username"]).lower()), (kind, item))
    return index


def _username_index(instagram: dict[str, Any]) -> dict[str, dict[str, Any]]:
    index: dict[str, dict[str, Any]] = {}
    for account in instagram.get("accounts") or []:
        index.setdefault(str(account.get("username", "")).lower(), account)
    return index


def _pick(data: dict[str, Any], children: list[FieldSpec] | None) -> dict[str, Any]:
    if children is None:
        return dict(data)
    return {c.name: data[c.name] for c in children if c.name in data}


def _graph_time(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _nonexisting(name: str, node_type: str) -> GraphFailure:
    return GraphFailure(100, f"(#100) Tried accessing nonexisting field ({name}) on node type ({node_type})")


def _alias_missing(aliases: list[str]) -> GraphFailure:
    return GraphFailure(
        803, f"(#803) Some of the aliases you requested do not exist: {','.join(aliases)}", status=404
    )


def _throttle_code(value: Any, configured: Any) -> int:
    for candidate in (configured, value):
        digits = (
            isinstance(candidate, int | str) and not isinstance(candidate, bool) and str(candidate).isdigit()
        )
        if digits and int(candidate) in THROTTLE_MESSAGES:
            return int(candidate)
    return 4
