"""`publications_ignorees.yaml` (kept by the coordinator): content findings dismissed as false
positives, and words accepted by the French check. Optional; honoured the next night.

```yaml
publications:            # a post, by its link or its id, and the check dismissed on it
  - publication: https://www.facebook.com/csno.eqv/posts/1234
    regle: content.personal-info     # optional: without it, every content check of the post
    raison: Nom d’une enseignante, pas d’un élève
mots:                    # words content.french accepts (beside config/dictionnaire.txt)
  - Kisipatnahk
```
"""

from __future__ import annotations

from pydantic import Field

from scanner.config.models import Frozen

DISMISSALS_FILE = "publications_ignorees.yaml"


class DismissedPost(Frozen):
    publication: str = Field(min_length=1)  # the post's link (permalink) or its id on the platform
    regle: str | None = None  # a content check id; None: every content check of the post
    raison: str = Field(min_length=1)


class Dismissals(Frozen):
    publications: tuple[DismissedPost, ...] = ()
    mots: tuple[str, ...] = ()

    def covers(self, post_id: str, permalink: str | None, check: str | None) -> bool:
        """Whether the coordinator dismissed this check on this post (`check=None`: all of them)."""
        for item in self.publications:
            if item.publication not in (post_id, permalink) and not _same_link(item.publication, permalink):
                continue
            if item.regle is None or item.regle == check:
                return True
        return False


def _same_link(written: str, permalink: str | None) -> bool:
    if not permalink:
        return False
    return written.rstrip("/").removeprefix("https://").removeprefix("http://").removeprefix("www.") == (
        permalink.rstrip("/").removeprefix("https://").removeprefix("http://").removeprefix("www.")
    )
