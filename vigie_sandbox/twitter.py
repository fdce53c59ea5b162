"""X API v2 as the sandbox answers it: users by usernames, tweets by ids (paths `/2/…`).

Shapes follow the real API: missing and suspended users come back with HTTP 200 in an
`errors` array beside `data` (data omitted when empty); bad parameters are a 400
"Invalid Request" problem; a bad bearer token is the 401 `about:blank` problem; a rate
limit is the 429 problem with `x-rate-limit-remaining: 0`. Every answer carries
`x-rate-limit-limit`, `x-rate-limit-remaining` and `x-rate-limit-reset` (epoch seconds,
wall-clock time: rate-limit windows are real time even when the world's clock is fixed).
Every http(s) URL in a profile (the `url` field and links in the description) is served as
a `https://t.co/…` link, the real address only in `entities.*.urls[].expanded_url`, as X does.

World section `x` (`x.yaml`):

    valid_tokens: [sandbox-x-token]   # bearer tokens accepted
    rate_limit: 300                   # optional: requests per 15-minute window and endpoint
    users:
      - id: "1580000000000000001"     # numeric string
        username: EQV_CSNO
        name: "École des Quatre-Vents_CSNO (page officielle)"
        description: "… https://eqv.csno.ab.ca …"   # URLs become t.co links + entities
        url: https://eqv.csno.ab.ca   # optional; served as a t.co link
        location: Alberta, Canada     # optional
        created_at: 2019-09-10T15:00:00Z
        profile_image_url: https://pbs.sandbox.twimg.com/profile_images/eqv-x_normal.jpg
        profile_banner_url: https://pbs.sandbox.twimg.com/profile_banners/eqv-x/1500x500
        protected: false              # true: its tweets answer "not authorized"
        verified: false
        suspended: false              # true: only an `errors` entry "User has been suspended"
        public_metrics: {followers_count: 0, following_count: 0, tweet_count: 0, listed_count: 0}
        last_tweet_days_ago: 3        # resolved against server.now(); or last_tweet_at: <ISO>
        last_tweet_text: "…"          # optional
        last_tweet_id: "1900000000000000101"   # optional (default: derived from the user id)

    credits: 25.00                    # optional: US dollars of credits left; reads beyond -> 402
    monthly_post_cap: 2000000         # optional: posts read this month beyond which -> 429 cap

`expansions=most_recent_tweet_id` (docs.x.com/x-api/users/lookup) puts each user's last post
in `includes.tweets`, with the `tweet.fields` asked; a protected user's post is left out.

Billing (docs.x.com/x-api/getting-started/pricing: $0.010 per user, $0.005 per post returned;
docs.x.com/x-api/fundamentals/post-cap: a resource returned again within the same UTC day
is not charged again) is kept in `billing(server)`: per UTC day of the world's clock, the
distinct users and posts returned and their cost. Credits used up answer HTTP 402
`CreditsDepleted` (the body X sends, as its users report it: no reference page shows it);
the monthly cap answers HTTP 429 `UsageCapExceeded` with the body recorded in
github.com/xdevplatform/xdk/issues/25 (type `…/problems/usage-capped`).

Fault knobs read here (`server.faults.set("x.users", …)`, endpoints `x.users`, `x.tweets`, `x.timeline`):
`rate_limited` (an int: the next N requests are 429 with the reset 2 s ahead; a float: every
request is 429 with the reset that many seconds ahead), `token_expired` (401),
`credits_depleted` (402) and `usage_capped` (429 UsageCapExceeded).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from vigie_sandbox import posts_x
from vigie_sandbox.server import Request, Response

_PROBLEMS = "https://api.twitter.com/2/problems/"
_URL = re.compile(r"https?://[^\s<>\"']+")
_WINDOW = 15 * 60
# x.timeline: GET /2/users/:id/tweets allows 1,500 requests per 15 minutes per app (and 900 per
# user), as X's v2 rate-limit table gives it (docs.x.com/x-api/fundamentals/rate-limits), quoted
# in https://zenn.dev/soraride/scraps/dbf45a6d081da9; not in the recorded material
_DEFAULT_LIMITS = {"x.users": 300, "x.tweets": 450, "x.timeline": 1500}
_USER_FIELDS_LIST = (
    "affiliation connection_status created_at description entities id is_identity_verified location "
    "most_recent_tweet_id name parody pinned_tweet_id profile_banner_url profile_image_url protected "
    "public_metrics receives_your_dm subscription subscription_type url username verified "
    "verified_followers_count verified_type withheld"
)
USER_FIELDS = tuple(_USER_FIELDS_LIST.split())
_TWEET_FIELDS_LIST = (
    "article attachments author_id card_uri community_id context_annotations conversation_id "
    "created_at display_text_range edit_controls edit_history_tweet_ids entities geo id "
    "in_reply_to_user_id lang media_metadata non_public_metrics note_tweet organic_metrics "
    "possibly_sensitive promoted_metrics public_metrics referenced_tweets reply_settings scopes "
    "source suggested_source_links text withheld"
)
TWEET_FIELDS = tuple(_TWEET_FIELDS_LIST.split())
USER_EXPANSIONS = ("affiliation.user_id", "most_recent_tweet_id", "pinned_tweet_id")
USER_PRICE, POST_PRICE = 0.010, 0.005  # US dollars per resource returned


@dataclass
class Billing:
    """What X would charge: per UTC day, the distinct users and posts returned."""

    days: dict[dt.date, tuple[set[str], set[str]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def charge(self, day: dt.date, users: list[str], posts: list[str]) -> None:
        with self.lock:
            seen_users, seen_posts = self.days.setdefault(day, (set(), set()))
            seen_users.update(users)
            seen_posts.update(posts)

    def reads(self, day: dt.date) -> tuple[int, int]:
        users, posts = self.days.get(day, (set(), set()))
        return len(users), len(posts)

    def dollars(self, day: dt.date | None = None) -> float:
        days = [day] if day else list(self.days)
        total = sum(u * USER_PRICE + p * POST_PRICE for u, p in (self.reads(d) for d in days))
        return round(total, 3)

    def posts_this_month(self, day: dt.date) -> int:
        return sum(len(p) for d, (_, p) in self.days.items() if (d.year, d.month) == (day.year, day.month))


_BILLING_LOCK = threading.Lock()


def billing(server) -> Billing:
    """The X bill of this sandbox server (made on first use)."""
    with _BILLING_LOCK:
        if not hasattr(server, "x_billing"):
            server.x_billing = Billing()
        return server.x_billing


def route(request: Request, server) -> Response | None:
    if not request.path.startswith("/2/"):
        return None
    if request.path == "/2/users/by":
        endpoint, handler = "x.users", _users_by
    elif request.path == "/2/tweets":
        endpoint, handler = "x.tweets", _tweets
    elif posts_x.TIMELINE_PATH.match(request.path):
        endpoint, handler = "x.timeline", _timeline
    else:
        return _answer(
            server, "x.other", {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}, 404
        )
    world = server.world.x or {}
    if server.faults.take(endpoint, "token_expired") or not _authorised(request, world):
        problem = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
        return _answer(server, endpoint, problem, 401)
    refusal = _billing_refusal(server, endpoint, world)
    if refusal:
        return refusal
    fired = server.faults.take(endpoint, "rate_limited")
    limit = int(world.get("rate_limit") or _DEFAULT_LIMITS[endpoint])
    used = server.count(endpoint)
    if fired or used >= limit:
        seconds = fired if isinstance(fired, int | float) and not isinstance(fired, bool) else 2
        reset = math.ceil(time.time() + seconds) if fired else _window_reset()
        problem = {
            "title": "Too Many Requests",
            "detail": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
        }
        return _answer(server, endpoint, problem, 429, limit=limit, remaining=0, reset=reset)
    body, status = handler(request, server, world)
    return _answer(server, endpoint, body, status, limit=limit, remaining=max(0, limit - used - 1))


def _billing_refusal(server, endpoint: str, world: dict[str, Any]) -> Response | None:
    day = server.now().astimezone(dt.UTC).date()
    bill = billing(server)
    credits = world.get("credits")
    if server.faults.take(endpoint, "credits_depleted") or (
        credits is not None and bill.dollars() >= float(credits)
    ):
        problem = {
            "title": "CreditsDepleted",
            "detail": "Your enrolled account does not have any credits to fulfill this request.",
            "type": _PROBLEMS + "credits",
        }
        return _answer(server, endpoint, problem, 402)
    cap = world.get("monthly_post_cap")
    if server.faults.take(endpoint, "usage_capped") or (
        cap is not None and bill.posts_this_month(day) >= int(cap)
    ):
        problem = {
            "account_id": "1580000000000000000",
            "product_name": "pay-per-use",
            "title": "UsageCapExceeded",
            "period": "Monthly",
            "scope": "Product",
            "detail": "Usage cap exceeded: Monthly product cap",
            "type": _PROBLEMS + "usage-capped",
        }
        return _answer(server, endpoint, problem, 429)
    return None


def _authorised(request: Request, world: dict[str, Any]) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and token.strip() in [str(t) for t in world.get("valid_tokens", [])]


def _window_reset() -> int:
    return (int(time.time()) // _WINDOW + 1) * _WINDOW


def _answer(server, endpoint: str, body: dict, status: int = 200, *, limit=None, remaining=None, reset=None):
    limit = limit or _DEFAULT_LIMITS.get(endpoint, 300)
    headers = {
        "x-rate-limit-limit": str(limit),
        "x-rate-limit-remaining": str(limit if remaining is None else remaining),
        "x-rate-limit-reset": str(reset or _window_reset()),
    }
    return Response.json(body, status, endpoint, **headers)


# ---------------------------------------------------------------- errors in X's shapes


def _invalid_request(errors: list[dict]) -> tuple[dict, int]:
    body = {
        "errors": errors,
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": _PROBLEMS + "invalid-request",
    }
    return body, 400


def _list_errors(
    name: str, raw: str | None, *, allowed: tuple[str, ...] | None = None, pattern: str | None = None
):
    """Parameter errors for a comma-separated list (of 1 to 100 ids or names), as X words them."""
    values = [v for v in (raw or "").split(",") if v != ""]
    if raw is None or not values:
        return [{"parameters": {name: []}, "message": f"The `{name}` query parameter can not be empty"}]
    if len(values) > 100 and allowed is None:
        message = f"The number of values in the `{name}` query parameter list [{len(values)}] is not between 1 and 100"
        return [{"parameters": {name: [raw]}, "message": message}]
    errors = []
    for value in values:
        if allowed is not None and value not in allowed:
            message = f"The `{name}` query parameter value [{value}] is not one of [{','.join(allowed)}]"
            errors.append({"parameters": {name: [value]}, "message": message})
        elif pattern and not re.match(pattern, value):
            message = f"The `{name}` query parameter value [{value}] does not match {pattern}"
            errors.append({"parameters": {name: [value]}, "message": message})
    return errors


def _resource_error(value: str, detail: str, title: str, kind: str, parameter: str, problem: str) -> dict:
    return {
        "value": value,
        "detail": detail,
        "title": title,
        "resource_type": kind,
        "parameter": parameter,
        "resource_id": value,
        "type": _PROBLEMS + problem,
    }


# ---------------------------------------------------------------- GET /2/users/by


def _batch_answer(data: list[dict], problems: list[dict]) -> tuple[dict, int]:
    """X's batch lookup answer: 200 with `data` for what was found and `errors` for the rest;
    a key is left out when it would be empty (only errors: no `data` key at all)."""
    body: dict[str, Any] = {}
    if data:
        body["data"] = data
    if problems:
        body["errors"] = problems
    return body, 200


def _batch_query(
    request: Request,
    list_name: str,
    pattern: str,
    fields_name: str,
    allowed: tuple[str, ...],
    default_fields: set[str],
) -> tuple[set[str], tuple[dict, int] | None]:
    """Validate a batch lookup's list (`usernames`, `ids`) and its `*.fields` as X does, all
    problems in one 400; else the fields to return (the defaults always included)."""
    errors = _list_errors(list_name, request.query.get(list_name), pattern=pattern)
    fields_raw = request.query.get(fields_name)
    if fields_raw is not None:
        errors += _list_errors(fields_name, fields_raw, allowed=allowed)
    if errors:
        return set(), _invalid_request(errors)
    return set((fields_raw or "").split(",")) | default_fields, None


def _users_by(request: Request, server, world: dict) -> tuple[dict, int]:
    fields, invalid = _batch_query(
        request, "usernames", r"^[A-Za-z0-9_]{1,15}$", "user.fields", USER_FIELDS, {"id", "name", "username"}
    )
    if invalid:
        return invalid
    expansions = request.query.get("expansions")
    expansion_errors = _list_errors("expansions", expansions, allowed=USER_EXPANSIONS) if expansions else []
    tweet_fields_raw = request.query.get("tweet.fields")
    if tweet_fields_raw is not None:
        expansion_errors += _list_errors("tweet.fields", tweet_fields_raw, allowed=TWEET_FIELDS)
    if expansion_errors:
        return _invalid_request(expansion_errors)
    expand_last = "most_recent_tweet_id" in (expansions or "").split(",")
    tweet_fields = set((tweet_fields_raw or "").split(",")) | {"id", "text", "edit_history_tweet_ids"}
    by_name = {str(u["username"]).lower(): u for u in world.get("users", [])}
    data, problems, included = [], [], []
    for username in request.query["usernames"].split(","):
        user = by_name.get(username.lower())
        if user is None:
            detail = f"Could not find user with usernames: [{username}]."
            problems.append(
                _resource_error(
                    username, detail, "Not Found Error", "user", "usernames", "resource-not-found"
                )
            )
        elif user.get("suspended"):
            detail = f"User has been suspended: [{username}]."
            problems.append(
                _resource_error(username, detail, "Forbidden", "user", "usernames", "resource-not-found")
            )
        else:
            data.append(_user(user, fields, server))
            tweet = _last_tweet(user, server) if expand_last else None
            if tweet and not user.get("protected"):
                full = {**tweet, "author_id": str(user["id"]), "edit_history_tweet_ids": [tweet["id"]]}
                included.append({k: v for k, v in full.items() if k in tweet_fields})
    billing(server).charge(
        server.now().astimezone(dt.UTC).date(), [u["id"] for u in data], [t["id"] for t in included]
    )
    body, status = _batch_answer(data, problems)
    if included:
        body["includes"] = {"tweets": included}
    return body, status


def _user(user: dict, fields: set[str], server) -> dict:
    description, description_urls = _shorten_all(str(user.get("description") or ""))
    full: dict[str, Any] = {
        "id": str(user["id"]),
        "name": user["name"],
        "username": user["username"],
        "created_at": _iso(_datetime(user.get("created_at")) or dt.datetime(2015, 1, 1, tzinfo=dt.UTC)),
        "description": description,
        "location": user.get("location"),
        "profile_image_url": user.get("profile_image_url"),
        "profile_banner_url": user.get("profile_banner_url"),
        "protected": bool(user.get("protected", False)),
        "verified": bool(user.get("verified", False)),
        "verified_type": "none",
        "public_metrics": {
            "followers_count": 0,
            "following_count": 0,
            "tweet_count": 0,
            "listed_count": 0,
            "like_count": 0,
            "media_count": 0,
            **(user.get("public_metrics") or {}),
        },
    }
    entities: dict[str, Any] = {}
    if user.get("url"):
        short, urls = _shorten_all(str(user["url"]))
        full["url"] = short
        entities["url"] = {"urls": urls}
    else:
        full["url"] = ""
    if description_urls:
        entities["description"] = {"urls": description_urls}
    if entities:
        full["entities"] = entities
    tweet = _last_tweet(user, server)
    if tweet:
        full["most_recent_tweet_id"] = tweet["id"]
    return {k: v for k, v in full.items() if k in fields and v is not None}


def _shorten_all(text: str) -> tuple[str, list[dict]]:
    """Replace every URL by a t.co link; entities with code-point indices in the new text."""
    out, urls, last = "", [], 0
    for match in _URL.finditer(text):
        expanded = match.group(0).rstrip(".,;:!?»)")
        out += text[last : match.start()]
        short = tco(expanded)
        urls.append(
            {
                "start": len(out),
                "end": len(out) + len(short),
                "url": short,
                "expanded_url": expanded,
                "display_url": re.sub(r"^https?://(www\.)?", "", expanded).rstrip("/")[:26],
            }
        )
        out += short
        last = match.start() + len(expanded)
    return out + text[last:], urls


def tco(url: str) -> str:
    """The sandbox's stable t.co link for a URL (23 characters, like X's)."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    number = int.from_bytes(hashlib.sha256(url.encode()).digest()[:8], "big")
    code = ""
    for _ in range(10):
        number, digit = divmod(number, 62)
        code += alphabet[digit]
    return "https://t.co/" + code


# ---------------------------------------------------------------- GET /2/users/:id/tweets


def _timeline(request: Request, server, world: dict) -> tuple[dict, int]:
    return posts_x.timeline(request, server, world, sys.modules[__name__])


# ---------------------------------------------------------------- GET /2/tweets


def _tweets(request: Request, server, world: dict) -> tuple[dict, int]:
    fields, invalid = _batch_query(
        request,
        "ids",
        r"^[0-9]{1,19}$",
        "tweet.fields",
        TWEET_FIELDS,
        {"id", "text", "edit_history_tweet_ids"},
    )
    if invalid:
        return invalid
    tweets = {}
    for user in world.get("users", []):
        tweet = _last_tweet(user, server)
        if tweet:
            tweets[tweet["id"]] = (user, tweet)
    data, problems = [], []
    for tweet_id in request.query["ids"].split(","):
        user, tweet = tweets.get(tweet_id, (None, None))
        if tweet is None or user.get("suspended"):
            detail = f"Could not find tweet with ids: [{tweet_id}]."
            problems.append(
                _resource_error(tweet_id, detail, "Not Found Error", "tweet", "ids", "resource-not-found")
            )
        elif user.get("protected"):
            detail = f"Sorry, you are not authorized to see the Tweet with ids: [{tweet_id}]."
            problem = "not-authorized-for-resource"
            problems.append(_resource_error(tweet_id, detail, "Authorization Error", "tweet", "ids", problem))
        else:
            full = {**tweet, "author_id": str(user["id"]), "edit_history_tweet_ids": [tweet["id"]]}
            data.append({k: v for k, v in full.items() if k in fields})
    billing(server).charge(server.now().astimezone(dt.UTC).date(), [], [t["id"] for t in data])
    return _batch_answer(data, problems)


def _last_tweet(user: dict, server) -> dict | None:
    """The user's newest post of any kind, as X's `most_recent_tweet_id` names it
    (docs.x.com/x-api/users/lookup): the generated one or a newer one of the world's `tweets`."""
    newest = _generated_tweet(user, server)
    for tweet in user.get("tweets") or []:
        when = _datetime(tweet.get("created_at")) or server.now() - dt.timedelta(
            days=float(tweet.get("days_ago", 0))
        )
        if newest is None or when > _datetime(newest["created_at"]):
            newest = {"id": str(tweet["id"]), "text": str(tweet.get("text") or ""), "created_at": _iso(when)}
    return newest


def _generated_tweet(user: dict, server) -> dict | None:
    """The post of `last_tweet_days_ago` / `last_tweet_at` (the world's shorthand for a last post)."""
    when = _datetime(user.get("last_tweet_at"))
    if when is None and user.get("last_tweet_days_ago") is not None:
        when = server.now() - dt.timedelta(days=float(user["last_tweet_days_ago"]))
    if when is None:
        return None
    return {
        "id": str(user.get("last_tweet_id") or f"19{int(user['id']) % 10**17:017d}"),
        "text": user.get("last_tweet_text") or "Rappel : consultez le calendrier de l'école.",
        "created_at": _iso(when),
    }


def _datetime(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day)
    else:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
