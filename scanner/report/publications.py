"""The coordinator's « Publications » section (DA 142 §2.b.iii, §3.b, Annexe A): counts per school
and check, and the top items with their links and thumbnails.

Pure: built from tonight's results (each content verdict carries its post) and findings. Faces and
possibly confidential topics (`manuel`) are « à vérifier », counted apart, never as non-conformities.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from scanner.checks.base import Check, PostRef, Result, Status
from scanner.history.findings import Finding, FindingState

# The e-mail's size budget: the rest are in the JSON and the workbook.
TOP_FINDINGS = 6  # items « à corriger », new first, most severe first
TOP_REVIEWS = 3  # items « à vérifier », with the thumbnail of a picture with faces


def thumbnail_key(account: str, post_id: str) -> str:
    """Image key of a post's thumbnail (a picture with faces), as the night supplies its bytes."""
    return f"post:{account}:{post_id}"


@dataclass(frozen=True)
class PublicationCount:
    school: str
    check: str
    title: str
    to_fix: int  # open non-conformities (findings) on this school's posts
    new: int  # of which found tonight
    to_check: int  # « à vérifier » tonight (faces, a possibly confidential topic)


@dataclass(frozen=True)
class PublicationItem:
    account: str
    school: str
    check: str
    title: str
    status: Status  # non_conforme or manuel
    detail: str | None
    post: PostRef
    thumbnail: str | None = None  # image key (scanner.night.publications.thumbnail_key)


@dataclass(frozen=True)
class Publications:
    posts_judged: int  # posts read and judged tonight
    counts: tuple[PublicationCount, ...] = ()
    items: tuple[PublicationItem, ...] = ()
    unread_accounts: int = 0  # accounts whose posts could not be read tonight
    dismissed: int = 0  # verdicts the coordinator's dismissals turned into derogations

    def busiest(self, n: int) -> tuple[PublicationCount, ...]:
        """The `n` rows with the most items (to fix, then to check), for an e-mail cut to its size
        budget: 500 schools make up to 2,000 rows (about 700 kB of HTML); the rest are in the
        full report, the JSON and the workbook."""
        ranked = sorted(self.counts, key=lambda c: (-(c.to_fix + c.to_check), -c.to_fix, c.school, c.check))
        return tuple(ranked[: max(n, 0)])


def build_publications(
    catalogue: Mapping[str, Check],
    school_of: Mapping[str, str],
    results: Sequence[Result],
    findings: Sequence[Finding],
    posts_judged: int,
    thumbnails: Collection[str] = (),
) -> Publications | None:
    """None when no content check ran tonight (the stage is off, or no account has a reader)."""
    content = [r for r in results if (c := catalogue.get(r.check)) is not None and c.per_post]
    if not content:
        return None
    open_findings = [
        f for f in findings if f.post is not None and f.state in (FindingState.NEW, FindingState.OPEN)
    ]
    to_fix = Counter((school_of.get(f.account, ""), f.check) for f in open_findings)
    new = Counter(
        (school_of.get(f.account, ""), f.check) for f in open_findings if f.state is FindingState.NEW
    )
    manual = [r for r in content if r.status is Status.MANUEL and r.post is not None]
    to_check = Counter((school_of.get(r.account, ""), r.check) for r in manual)
    counts = tuple(
        PublicationCount(school, check, catalogue[check].title, to_fix[(school, check)], new[(school, check)],
                         to_check[(school, check)])
        for school, check in sorted(set(to_fix) | set(to_check))
    )  # fmt: skip
    items = [
        PublicationItem(f.account, school_of.get(f.account, ""), f.check, catalogue[f.check].title,
                        Status.NON_CONFORME, f.detail, f.post)
        for f in sorted(open_findings, key=lambda f: (f.state is not FindingState.NEW,
                                                      catalogue[f.check].severity.rank, f.account))
        if f.post is not None
    ]  # fmt: skip
    items = items[:TOP_FINDINGS]
    for r in sorted(manual, key=lambda r: thumbnail_key(r.account, r.post.id) not in thumbnails)[
        :TOP_REVIEWS
    ]:
        key = thumbnail_key(r.account, r.post.id) if r.post else None
        items.append(
            PublicationItem(r.account, school_of.get(r.account, ""), r.check, catalogue[r.check].title,
                            r.status, r.detail, r.post, key if key in thumbnails else None)  # type: ignore[arg-type]
        )  # fmt: skip
    unread = {r.account for r in content if r.post is None and r.status is Status.NON_VERIFIABLE}
    dismissed = sum(1 for r in content if r.status is Status.DEROGATION)
    return Publications(posts_judged, counts, tuple(items), len(unread), dismissed)
