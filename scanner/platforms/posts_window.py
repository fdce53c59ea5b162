"""Which publications of a newest-first stream are new tonight: one place for that decision.

Every platform sends an account's publications newest first (Graph's `published_posts` and
business discovery's `media` by creation time, X's timeline by id, YouTube's uploads playlist
by upload date). `PostsWindow` takes them one at a time and says when to stop asking:

- the post whose id is the history's cursor (`since_id`) was read on an earlier night: it and
  everything older are not new;
- a post older than `since` is not new (first night: the last `content.first_night_days`);
- past `limit` posts, the rest is left unread and the answer says so (`truncated`).

A platform whose order is not the posts' own date (YouTube) offers items with `keep=False`
when they are not new for another reason, and decides itself when the order allows it to stop.
"""

from __future__ import annotations

from collections.abc import Iterable

from scanner.net.images import picture_key
from scanner.platforms.posts import PostsRead, PostsWanted, PublishedPost


class PostsWindow:
    def __init__(self, wanted: PostsWanted):
        self.wanted = wanted
        self.posts: list[PublishedPost] = []
        self.truncated = False
        self.done = False
        self.calls = 0

    def offer(self, post: PublishedPost) -> bool:
        """Keep this post if it is new; False once nothing after it can be (stop asking)."""
        if self.done:
            return False
        if self.wanted.since_id and post.id == self.wanted.since_id:
            self.done = True
            return False
        if post.created is not None and post.created < self.wanted.since:
            self.done = True
            return False
        if len(self.posts) >= self.wanted.limit:
            self.truncated = True
            self.done = True
            return False
        self.posts.append(post)
        return True

    def page_size(self, largest: int) -> int:
        """How many items to ask for in the next call: one more than still wanted (to learn whether
        the limit truncates), at most what the platform allows."""
        return max(1, min(largest, self.wanted.limit - len(self.posts) + 1))

    def result(self) -> PostsRead:
        posts = tuple(self.posts)
        return PostsRead(
            handle=self.wanted.handle,
            posts=posts,
            cursor=posts[0].id if posts else None,
            truncated=self.truncated,
            calls=self.calls,
        )

    def failed(self, reason: str) -> PostsRead:
        return PostsRead(handle=self.wanted.handle, reason=reason, calls=self.calls)


def distinct_pictures(urls: Iterable[object]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(URLs, keys) of a post's pictures, each picture once by its identity (the same picture at two
    signed URLs is one: `picture_key`), in the order given; what is not a web address is left out."""
    seen: dict[str, str] = {}
    for url in urls:
        if isinstance(url, str) and url.startswith(("http://", "https://")):
            seen.setdefault(picture_key(url), url)
    return tuple(seen.values()), tuple(seen)


def unread(wanted: PostsWanted, reason: str) -> PostsRead:
    return PostsRead(handle=wanted.handle, reason=reason)
