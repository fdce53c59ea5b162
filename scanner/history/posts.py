"""The publications the nights have read (migration 0003): the SQL of the posts and their cursors.

Beside `scanner.history.store` (whose `History` offers these methods): one row per post read,
with its text, the content hashes of its pictures and its verdicts, so that

- the next night reads only what is new (`cursors`, and `known` for the overlap of a window);
- a content finding is tied to its post (`open_posts`: the posts whose findings are open are
  re-judged from what is remembered each night, until the post is gone, edited or dismissed);
- a post found deleted resolves its findings (`gone_run`, written by `write_posts`);
- what a principal must look at (faces, a possibly confidential topic) is carried once by the
  school's next notice (`pending_reviews`, `mark_reviewed`), with the thumbnail of a picture with
  faces (`review_thumbnails`; migration 0005), kept until that notice is recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

TO_CHECK = "manuel"  # a verdict a person must look at: carried by the school's next notice


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class PostRecord:
    """One post read tonight, as the history keeps it."""

    account: str
    network: str
    post_id: str
    permalink: str | None
    created: dt.datetime | None
    text: str
    pictures: tuple[str, ...]  # sha256 of each picture's bytes
    verdicts: Mapping[str, tuple[str, str | None]]  # check -> (status, detail)
    thumbnail: bytes | None = None  # a picture with faces, for the school's next notice (JPEG)


@dataclass(frozen=True)
class PostsLedger:
    """What the publications stage asks the history to remember, in the night's transaction."""

    posts: tuple[PostRecord, ...] = ()  # new posts, and known ones re-judged after an edit
    cursors: Mapping[str, str | None] = field(default_factory=dict)  # account -> newest post id read
    gone: tuple[tuple[str, str], ...] = ()  # (account, post id) found deleted tonight
    read_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class RememberedPost:
    account: str
    post_id: str
    network: str
    permalink: str | None
    created: dt.datetime | None
    text_hash: str
    verdicts: Mapping[str, tuple[str, str | None]]


@dataclass(frozen=True, slots=True)
class Review:
    """Something a principal must look at in one post (`manuel`): never a non-conformity."""

    account: str
    post_id: str
    permalink: str | None
    check: str
    detail: str | None
    created: dt.datetime | None = None  # when the post was published (the thumbnail's alt text)


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value is not None else None


def _remembered(row: sqlite3.Row) -> RememberedPost:
    verdicts = {check: (v[0], v[1]) for check, v in json.loads(row["verdicts"]).items()}
    created = dt.datetime.fromisoformat(row["created_at"]) if row["created_at"] else None
    return RememberedPost(
        row["account"], row["post_id"], row["network"], row["permalink"], created, row["text_hash"], verdicts
    )


def write_posts(conn: sqlite3.Connection, run_id: str, ledger: PostsLedger) -> None:
    """Store tonight's posts, cursors and deletions (inside the night's transaction)."""
    conn.executemany(
        "INSERT INTO posts (account, post_id, network, permalink, created_at, text, text_hash, pictures,"
        " verdicts, first_run, thumbnail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        " ON CONFLICT (account, post_id) DO UPDATE SET permalink = ?4, text = ?6, text_hash = ?7,"
        " pictures = ?8, verdicts = ?9, review_run = NULL, thumbnail = ?11",
        (
            (p.account, p.post_id, p.network, p.permalink, _iso(p.created), p.text, text_hash(p.text),
             json.dumps(list(p.pictures)), json.dumps({c: list(v) for c, v in p.verdicts.items()}), run_id,
             p.thumbnail)
            for p in ledger.posts
        ),
    )  # fmt: skip
    read_at = _iso(ledger.read_at) or dt.datetime.now(dt.UTC).isoformat()
    conn.executemany(
        "INSERT INTO post_cursors (account, cursor, read_at) VALUES (?1, ?2, ?3)"
        " ON CONFLICT (account) DO UPDATE SET cursor = COALESCE(?2, cursor), read_at = ?3",
        ((account, cursor, read_at) for account, cursor in ledger.cursors.items()),
    )
    conn.executemany(
        "UPDATE posts SET gone_run = ?, thumbnail = NULL WHERE account = ? AND post_id = ?",  # never shown now
        ((run_id, account, post_id) for account, post_id in ledger.gone),
    )


class PostMemory:
    """The posts' half of `History` (it supplies `conn` and `_transaction`)."""

    conn: sqlite3.Connection

    def cursors(self) -> dict[str, tuple[str | None, dt.datetime]]:
        """account -> (newest post id read, when its posts were last read)."""
        rows = self.conn.execute("SELECT account, cursor, read_at FROM post_cursors")
        return {r["account"]: (r["cursor"], dt.datetime.fromisoformat(r["read_at"])) for r in rows}

    def known(self, account: str, post_ids: Sequence[str]) -> set[str]:
        """Which of these posts of the account were read on an earlier night."""
        found: set[str] = set()
        for start in range(0, len(post_ids), 500):
            rows = self.conn.execute(
                "SELECT post_id FROM posts WHERE account = ? AND post_id IN (SELECT value FROM json_each(?))",
                (account, json.dumps(list(post_ids[start : start + 500]))),
            )
            found.update(r[0] for r in rows)
        return found

    def open_posts(self) -> dict[str, list[RememberedPost]]:
        """Per account, the posts (not gone) that have an open content finding, oldest first."""
        rows = self.conn.execute(
            "SELECT DISTINCT p.* FROM posts AS p JOIN findings AS f"
            " ON f.account = p.account AND f.post_id = p.post_id"
            " WHERE f.resolved_at IS NULL AND p.gone_run IS NULL ORDER BY p.created_at"
        )
        out: dict[str, list[RememberedPost]] = {}
        for row in rows:
            out.setdefault(row["account"], []).append(_remembered(row))
        return out

    def pending_reviews(self, accounts: Iterable[str] | None = None) -> list[Review]:
        """What principals must still look at (`manuel` verdicts never carried by a notice)."""
        wanted = set(accounts) if accounts is not None else None
        rows = self.conn.execute(
            "SELECT account, post_id, permalink, created_at, verdicts FROM posts"
            " WHERE review_run IS NULL AND gone_run IS NULL AND verdicts LIKE '%\"manuel\"%'"
            " ORDER BY created_at, post_id"
        )
        out = []
        for row in rows:
            if wanted is not None and row["account"] not in wanted:
                continue
            for check, (status, detail) in sorted(json.loads(row["verdicts"]).items()):
                if status == TO_CHECK:
                    created = dt.datetime.fromisoformat(row["created_at"]) if row["created_at"] else None
                    out.append(
                        Review(row["account"], row["post_id"], row["permalink"], check, detail, created)
                    )
        return out

    def review_thumbnails(self, posts: Iterable[tuple[str, str]], limit: int) -> dict[tuple[str, str], bytes]:
        """The stored thumbnails of these (account, post id), in their order, at most `limit` of them:
        one notice's worth, read when that notice is rendered (never the whole night's at once)."""
        found: dict[tuple[str, str], bytes] = {}
        for account, post_id in posts:
            if len(found) >= limit:
                break
            row = self.conn.execute(
                "SELECT thumbnail FROM posts WHERE account = ? AND post_id = ? AND thumbnail IS NOT NULL",
                (account, post_id),
            ).fetchone()
            if row is not None:
                found[(account, post_id)] = bytes(row[0])
        return found

    def mark_reviewed(self, posts: Iterable[tuple[str, str]], run_id: str) -> None:
        """These posts' « à vérifier » items went out in a notice: never again. Their thumbnails are
        in that notice's stored bytes now: the history lets them go."""
        with self._transaction() as conn:  # type: ignore[attr-defined]
            conn.executemany(
                "UPDATE posts SET review_run = ?, thumbnail = NULL WHERE account = ? AND post_id = ?",
                ((run_id, account, post_id) for account, post_id in set(posts)),
            )
