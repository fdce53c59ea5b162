"""An X account's posts in the sandbox: `GET /2/users/:id/tweets` (the user's timeline).

Shapes from docs.x.com/x-api/posts/user-posts-timeline-by-user-id and the recorded body
tweepy `cassettes/test_client_get_users_tweets.yaml` (`tests/fixtures/recorded/tweepy/
get_users_tweets.json`): `data` newest first, `meta.{result_count, newest_id, oldest_id,
next_token}`; an empty page is `{"meta": {"result_count": 0}}`. Parameters: `max_results`
5 to 100 (10 by default), `pagination_token`, `since_id`, `start_time`/`end_time`
(`YYYY-MM-DDTHH:mm:ssZ`), `exclude=retweets,replies`, `tweet.fields`,
`expansions=attachments.media_keys` (the pictures in `includes.media`: `url` for a photo,
`preview_image_url` for a video or GIF, per `media.fields`). A user X does not show is a 200
with only `errors` (as the users lookup answers it). Every post returned is billed
(`twitter.billing`).

World data (beside the generated post of `last_tweet_days_ago`; the users lookup's
`most_recent_tweet_id` is the newest of all of them, as X's)::

    users:
      - id: "1580000000000000101"
        tweets:
          - id: "1979000000000000101"   # larger ids are newer (X's ids grow with time)
            days_ago: 4
            text: "…"
            lang: fr
            media: [{type: photo, url: https://pbs.sandbox.twimg.com/media/eqv-sortie.jpg}]
            kind: retweet               # optional: retweet | reply (left out by `exclude`)

The sandbox's generated last post has an id derived from the user's, not from its time: since_id
is applied by position in the time-ordered timeline when the post is there, by id otherwise.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any

TIMELINE_PATH = re.compile(r"^/2/users/([^/]+)/tweets$")
EXPANSIONS = (
    "attachments.media_keys",
    "attachments.poll_ids",
    "author_id",
    "edit_history_tweet_ids",
    "entities.mentions.username",
    "geo.place_id",
    "in_reply_to_user_id",
    "referenced_tweets.id",
    "referenced_tweets.id.author_id",
)
MEDIA_FIELDS = [
    "alt_text",
    "duration_ms",
    "height",
    "media_key",
    "non_public_metrics",
    "organic_metrics",
    "preview_image_url",
    "promoted_metrics",
    "public_metrics",
    "type",
    "url",
    "variants",
    "width",
]
EXCLUDE = ("retweets", "replies")


def timeline(request, server, world: dict[str, Any], tools) -> tuple[dict, int]:
    """`tools` is `vigie_sandbox.twitter` (its error shapes, billing and last-post generator)."""
    user_id = TIMELINE_PATH.match(request.path).group(1)
    query = request.query
    errors = []
    if not re.match(r"^[0-9]{1,19}$", user_id):
        errors.append(
            {
                "parameters": {"id": [user_id]},
                "message": f"The `id` query parameter value [{user_id}] does not match ^[0-9]{{1,19}}$",
            }
        )
    raw_max = query.get("max_results", "10")
    if not raw_max.isdigit() or not 5 <= int(raw_max) <= 100:
        message = f"The `max_results` query parameter value [{raw_max}] is not between 5 and 100"
        errors.append({"parameters": {"max_results": [raw_max]}, "message": message})
    for name, allowed in (
        ("exclude", EXCLUDE),
        ("expansions", EXPANSIONS),
        ("tweet.fields", tools.TWEET_FIELDS),
        ("media.fields", tuple(MEDIA_FIELDS)),
    ):
        if query.get(name) is not None:
            errors += tools._list_errors(name, query.get(name), allowed=allowed)
    start, end = (
        _time(query.get("start_time"), "start_time", errors),
        _time(query.get("end_time"), "end_time", errors),
    )
    if errors:
        return tools._invalid_request(errors)
    user = next((u for u in world.get("users", []) if str(u.get("id")) == user_id), None)
    if user is None or user.get("suspended"):
        detail = (
            f"User has been suspended: [{user_id}]." if user else f"Could not find user with id: [{user_id}]."
        )
        title = "Forbidden" if user else "Not Found Error"
        return {
            "errors": [tools._resource_error(user_id, detail, title, "user", "id", "resource-not-found")]
        }, 200
    if user.get("protected"):
        detail = f"Sorry, you are not authorized to see the user with id: [{user_id}]."
        problem = tools._resource_error(
            user_id, detail, "Authorization Error", "user", "id", "not-authorized-for-resource"
        )
        return {"errors": [problem]}, 200
    posts = _posts(user, server, tools)
    excluded = set((query.get("exclude") or "").split(","))
    posts = [
        p for p in posts if {"retweet": "retweets", "reply": "replies"}.get(p.get("kind", "")) not in excluded
    ]
    posts = _after(posts, query.get("since_id"))
    posts = [p for p in posts if (start is None or p["when"] >= start) and (end is None or p["when"] <= end)]
    offset = _offset(query.get("pagination_token"))
    if offset is None:
        message = "The `pagination_token` query parameter value is not valid"
        return tools._invalid_request(
            [{"parameters": {"pagination_token": [query["pagination_token"]]}, "message": message}]
        )
    page = posts[offset : offset + int(raw_max)]
    tweet_fields = set((query.get("tweet.fields") or "").split(",")) | {
        "id",
        "text",
        "edit_history_tweet_ids",
    }
    media_fields = set((query.get("media.fields") or "").split(",")) | {"media_key", "type"}
    expand_media = "attachments.media_keys" in (query.get("expansions") or "").split(",")
    data, media = [], []
    for post in page:
        full = {
            "id": post["id"],
            "text": post["text"],
            "created_at": tools._iso(post["when"]),
            "lang": post.get("lang", "fr"),
            "author_id": user_id,
            "edit_history_tweet_ids": [post["id"]],
        }
        keys = []
        for n, item in enumerate(post.get("media") or []):
            key = f"3_{post['id']}{n}"
            keys.append(key)
            kind = str(item.get("type", "photo"))
            entry = {"media_key": key, "type": kind}
            entry["url" if kind == "photo" else "preview_image_url"] = str(item["url"])
            media.append({k: v for k, v in entry.items() if k in media_fields})
        if keys:
            full["attachments"] = {"media_keys": keys}
        data.append({k: v for k, v in full.items() if k in tweet_fields})
    tools.billing(server).charge(server.now().astimezone(dt.UTC).date(), [], [p["id"] for p in data])
    meta: dict[str, Any] = {"result_count": len(data)}
    if data:
        meta.update(newest_id=data[0]["id"], oldest_id=data[-1]["id"])
        if offset + len(page) < len(posts):
            meta["next_token"] = _token(offset + len(page))
    body: dict[str, Any] = {"meta": meta}
    if data:
        body["data"] = data
    if data and expand_media and media:
        body["includes"] = {"media": media}
    return body, 200


def _posts(user: dict[str, Any], server, tools) -> list[dict[str, Any]]:
    posts = []
    for tweet in user.get("tweets") or []:
        when = tools._datetime(tweet.get("created_at")) or server.now() - dt.timedelta(
            days=float(tweet.get("days_ago", 0))
        )
        posts.append({**tweet, "id": str(tweet["id"]), "when": when})
    last = tools._generated_tweet(user, server)
    if last:
        posts.append({"id": last["id"], "text": last["text"], "when": tools._datetime(last["created_at"])})
    return sorted(posts, key=lambda p: p["when"], reverse=True)


def _after(posts: list[dict[str, Any]], since_id: str | None) -> list[dict[str, Any]]:
    if not since_id:
        return posts
    ids = [p["id"] for p in posts]
    if since_id in ids:
        return posts[: ids.index(since_id)]
    return [p for p in posts if since_id.isdigit() and int(p["id"]) > int(since_id)]


def _time(value: str | None, name: str, errors: list) -> dt.datetime | None:
    if value is None:
        return None
    if not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$", value):
        errors.append(
            {
                "parameters": {name: [value]},
                "message": f"Invalid '{name}':'{value}'. '{name}' must be a valid RFC 3339 timestamp",
            }
        )
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _token(offset: int) -> str:
    return base64.b32encode(f"page{offset:06d}".encode()).decode().lower().rstrip("=")


def _offset(token: str | None) -> int | None:
    if not token:
        return 0
    try:
        text = base64.b32decode((token.upper() + "=" * (-len(token) % 8)).encode()).decode()
    except ValueError:
        return None
    return int(text[4:]) if text.startswith("page") and text[4:].isdigit() else None
