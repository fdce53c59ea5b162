"""What X returned earlier in the same UTC day, remembered between runs (`STATE_DIR/cache/x-reads.json`).

X bills each resource a read returns, but a resource returned again within the same UTC day
is billed once (docs.x.com/x-api/fundamentals/post-cap, « Deduplication »: the same post
fetched several times in a day is one charge, fetched again the next day is another). A
second run on the same UTC day (a night run again after a failure, `--dry-run`, `access`)
therefore pays nothing for what an earlier run read: the file keeps the ids of the users and
posts read today, so that the cost shown counts them as free.

The file holds X's public ids only (no token, no name), and only those of the current UTC
day: a new day starts it afresh.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from pathlib import Path

from scanner.plumbing.atomic_write import write_atomic

log = logging.getLogger(__name__)

VERSION = 1


def default_path(state_dir: Path) -> Path:
    return state_dir / "cache" / "x-reads.json"


class XDayReads:
    """The ids of the X users and posts returned so far in one UTC day, by every run."""

    def __init__(self, path: Path | None = None):
        self.path = path
        self.day: dt.date | None = None
        self.users: set[str] = set()
        self.posts: set[str] = set()
        self._load()

    def earlier(self, day: dt.date) -> tuple[frozenset[str], frozenset[str]]:
        """(users, posts) already read on `day` (nothing when the file is of another day)."""
        if day != self.day:
            return frozenset(), frozenset()
        return frozenset(self.users), frozenset(self.posts)

    def add(self, day: dt.date, users: Iterable[str], posts: Iterable[str]) -> None:
        if day != self.day:
            self.day, self.users, self.posts = day, set(), set()
        self.users.update(users)
        self.posts.update(posts)

    def save(self) -> None:
        if self.path is None or self.day is None:
            return
        payload = {
            "version": VERSION,
            "day": self.day.isoformat(),
            "users": sorted(self.users),
            "posts": sorted(self.posts),
        }
        write_atomic(self.path, json.dumps(payload, separators=(",", ":")).encode("utf-8"))

    def _load(self) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("version") != VERSION:
                return
            day = dt.date.fromisoformat(str(data["day"]))
            users, posts = data.get("users"), data.get("posts")
            if isinstance(users, list) and isinstance(posts, list):
                self.day, self.users, self.posts = day, {str(u) for u in users}, {str(p) for p in posts}
        except (OSError, ValueError, KeyError) as exc:
            log.warning("X reads of the day %s unreadable, starting afresh: %s", self.path, exc)
