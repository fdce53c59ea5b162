"""How the sandbox's search endpoints match a name (YouTube `search.list`, Graph `pages/search`).

Neither platform documents its ranking (« Returns a list of Pages that meet the query's criteria »,
developers.facebook.com/documentation/pages-api/search-pages; search.list results are « ordered by
relevance » by default, developers.google.com/youtube/v3/docs/search/list, `order`). The sandbox
imitates a keyword search: accents and case ignored, a result shares at least one meaningful word of
the query with the title, the results sharing more words first. That is what makes real searches
return neighbours (« Camping Les Quatre Vents » for « École des Quatre-Vents ») as well as look-alikes.
"""

from __future__ import annotations

import re
import unicodedata

_STOP = frozenset({"de", "du", "des", "la", "le", "les", "l", "d", "et", "a", "the", "of"})


def words(text: str) -> set[str]:
    bare = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in bare if not unicodedata.combining(c)).casefold()
    return {w for w in re.split(r"[^a-z0-9]+", bare) if w and w not in _STOP}


def ranked(query: str, items: list[dict], title_key: str = "title") -> list[dict]:
    """The items whose title shares a word with the query, most shared words first (stable)."""
    wanted = words(query)
    scored = [(len(wanted & words(str(item.get(title_key, "")))), n, item) for n, item in enumerate(items)]
    return [item for score, _, item in sorted(scored, key=lambda s: (-s[0], s[1])) if score]
