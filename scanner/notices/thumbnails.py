"""The thumbnails of pictures with faces in a principal's notice (« À vérifier », DA 142 §3.b).

A post with identifiable faces reaches the school's next notice with its link, the number of
faces and a thumbnail of its picture (issue 16). The thumbnail is the night's
`scanner.publications.faces.thumbnail` (a JPEG of at most 240 px), stored with the post in the
history until the notice that carries it is recorded (`History.review_thumbnails`).

One decision, here: a notice shows at most `NOTICE_THUMBNAILS` pictures; the school's other
posts with faces are listed after them, each with its link and its number of faces, under
« Et 3 autres publications à vérifier, sans aperçu ». The night keeps as many per school (see
`scanner.night.publications`), so 10,000 accounts never hold more than a few per school in memory,
and a notice with four pictures stays near 130 kB even when they are noise, JPEG's worst case
(`tests/test_notices_thumbnails.py` bounds it).

In the e-mail the HTML part becomes multipart/related: each picture is an image/jpeg part with a
Content-ID, which the HTML names as `cid:…`, with its size in `width`/`height` (a phone lays the
notice out before the pictures load) and a French `alt`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from PIL import Image, UnidentifiedImageError

from scanner.mail.render import cid_for
from scanner.notices.plan import ReviewItem
from scanner.plumbing import french
from scanner.report.publications import thumbnail_key

NOTICE_THUMBNAILS = 4  # pictures in one notice; the school's other posts with faces: links only
FACES = "content.faces"
SHOWN_WIDTH, SHOWN_HEIGHT = 240, 180  # CSS pixels at most: fits a 320 px phone beside the margins
MAX_SIDE = 240  # what `faces.thumbnail` makes; anything larger is not one of ours


@dataclass(frozen=True)
class Thumbnail:
    """One picture as the notice shows it."""

    data: bytes  # the JPEG, as stored
    cid: str  # its Content-ID, without the angle brackets
    width: int  # shown size, CSS pixels (the `width`/`height` attributes)
    height: int

    @property
    def src(self) -> str:
        return f"cid:{self.cid}"


@dataclass(frozen=True)
class Arranged:
    """The « À vérifier » rows: each with its picture or None, then the posts shown without one."""

    rows: tuple[tuple[ReviewItem, Thumbnail | None], ...] = ()
    others: tuple[ReviewItem, ...] = ()  # posts with faces beyond NOTICE_THUMBNAILS

    @property
    def pictures(self) -> tuple[Thumbnail, ...]:
        return tuple(thumb for _, thumb in self.rows if thumb is not None)


def key_of(review: ReviewItem) -> tuple[str, str]:
    return (review.account.id, review.post_id)


def faces_posts(reviews: Sequence[ReviewItem]) -> list[tuple[str, str]]:
    """The (account, post id) of the reviews about faces, in the notice's order, each once."""
    return list(dict.fromkeys(key_of(r) for r in reviews if r.check.id == FACES))


def prepare(key: tuple[str, str], data: bytes) -> Thumbnail | None:
    """The stored JPEG with its shown size; None for bytes that are not a small JPEG."""
    try:
        with Image.open(io.BytesIO(data)) as picture:
            if picture.format != "JPEG":
                return None
            width, height = picture.size
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return None
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        return None
    scale = min(1.0, SHOWN_WIDTH / width, SHOWN_HEIGHT / height)
    shown = (max(1, round(width * scale)), max(1, round(height * scale)))
    return Thumbnail(data, cid_for(thumbnail_key(*key)), *shown)


def arrange(reviews: Sequence[ReviewItem], stored: Mapping[tuple[str, str], bytes]) -> Arranged:
    """Which reviews show a picture (the first `NOTICE_THUMBNAILS` posts with faces, those with a
    thumbnail first) and which posts with faces are only listed after them."""
    pictures = {key: thumb for key, data in stored.items() if (thumb := prepare(key, data)) is not None}
    if not pictures:  # no picture to show: every review as it is
        return Arranged(tuple((r, None) for r in reviews))
    faces = faces_posts(reviews)
    ranked = [k for k in faces if k in pictures] + [k for k in faces if k not in pictures]
    shown, beyond = set(ranked[:NOTICE_THUMBNAILS]), set(ranked[NOTICE_THUMBNAILS:])
    rows = tuple(
        (r, pictures.get(key_of(r)) if r.check.id == FACES else None)
        for r in reviews
        if r.check.id != FACES or key_of(r) in shown
    )
    others = tuple(r for r in reviews if r.check.id == FACES and key_of(r) in beyond)
    return Arranged(rows, others)


def alt_text(review: ReviewItem, timezone: str) -> str:
    """« Aperçu de la publication du 1er décembre 2026 »."""
    when = f" du {french.date_long(review.created, timezone)}" if review.created else ""
    return f"Aperçu de la publication{when}"


def others_line(count: int) -> str:
    """« Et 1 autre publication à vérifier, sans aperçu », « Et 3 autres publications … »."""
    return f"Et {french.plural(count, 'autre publication', 'autres publications')} à vérifier, sans aperçu"


def pictures_line(count: int) -> str:
    """The text part's word on the pictures, which only the HTML part shows."""
    if count == 1:
        return "L’aperçu d’une photo est joint à ce courriel : il s’affiche dans sa version illustrée."
    return (
        f"Les aperçus de {french.number(count)}{french.NBSP}photos sont joints à ce courriel : "
        "ils s’affichent dans sa version illustrée."
    )


def attach(message: EmailMessage, pictures: Sequence[Thumbnail], html: str | None = None) -> None:
    """Make the message's HTML part multipart/related with the pictures it names by `cid:`.
    `html`: the HTML the part was made from, when at hand (else its content is decoded again)."""
    html_part = message.get_payload()[1]  # type: ignore[index]
    if html is None:
        html = html_part.get_content()
    for thumb in pictures:
        if thumb.src in html:
            html_part.add_related(
                thumb.data,
                "image",
                "jpeg",
                cid=f"<{thumb.cid}>",
                disposition="inline",
                filename=thumb.cid.split("@")[0] + ".jpg",
            )
