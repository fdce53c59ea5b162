"""Pictures with faces in a principal's notice (issue 16, « À vérifier »), through a real SMTP server.

The night's thumbnails are stored with their posts in a real history file; the notices stage
(`send_notices`, as the job runs it) reads them back, the notice carries them as image/jpeg parts
of a multipart/related HTML, and the bytes recorded before sending hold them (a retry re-sends
them as they were, after the history has let them go).
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from demo_mail import visible_text
from factories import make_catalogue, make_registry, make_result, make_settings, night, outcomes
from PIL import Image
from test_notices_delivery import Server

from scanner.checks.base import Status
from scanner.checks.catalogue import CATALOGUE as REAL_CATALOGUE
from scanner.history.posts import PostRecord, PostsLedger
from scanner.history.store import History
from scanner.notices.deliver import send_notices
from scanner.notices.plan import ReviewItem
from scanner.notices.thumbnails import NOTICE_THUMBNAILS, arrange, prepare
from scanner.publications import faces

PICTURES = Path(__file__).resolve().parent / "corpus" / "publications" / "pictures"
CATALOGUE = {**make_catalogue(), "content.faces": REAL_CATALOGUE["content.faces"]}
REGISTRY = make_registry(schools=2, accounts_per_school=2)  # eqv-facebook-0, eqv-instagram-1, eh-…
EQV, EH = ("eqv-facebook-0", "name.suffix"), ("eh-facebook-0", "admins.count")
FACES_DETAIL = (
    "4\u00a0visages reconnaissables sur la photo\u00a0: confirmez que les consentements sont au dossier"
)
MAX_NOTICE_BYTES = 200_000  # four thumbnails of noise (the worst a JPEG gets) and the notice around them


@pytest.fixture
def smtp():
    server = Server().start()
    yield server
    server.stop()


def picture(n: int) -> bytes:
    """A real thumbnail (`faces.thumbnail`) of one of the corpus's pictures of people."""
    names = sorted(p.name for p in PICTURES.glob("group-*.jpg"))
    thumb = faces.thumbnail((PICTURES / names[n % len(names)]).read_bytes())
    assert thumb
    return thumb


def noise(seed: int) -> bytes:
    """The thumbnail of a picture of pure noise: JPEG's worst case for size."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (640, 640), rng.randbytes(640 * 640 * 3))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95)
    thumb = faces.thumbnail(out.getvalue())
    assert thumb
    return thumb


def with_faces(n: int, thumbnail: bytes | None, account: str = "eqv-facebook-0") -> PostRecord:
    return PostRecord(
        account, "facebook", f"90{n:02d}", f"https://www.facebook.com/EQVCSNO/posts/90{n:02d}",
        night(0) - dt.timedelta(days=n + 1), "Nos élèves au concert de Noël", ("sha",),
        {"content.faces": ("manuel", FACES_DETAIL)}, thumbnail,
    )  # fmt: skip


class Nights:
    def __init__(self, history: History, settings) -> None:
        self.history = history
        self.settings = settings

    def run(self, n: int, failing, posts=(), **kwargs):
        findings = self.history.record_night(
            f"run-{n}", night(n), night(n) + dt.timedelta(minutes=5), "complete", outcomes(REGISTRY),
            [make_result(a, c, s) for (a, c), s in failing.items()], {},
            posts=PostsLedger(tuple(posts), read_at=night(n)),
        ).findings  # fmt: skip
        return send_notices(
            self.history, findings, REGISTRY, self.settings, run_id=f"run-{n}",
            now=night(n) + dt.timedelta(minutes=6), catalogue=CATALOGUE,
            reviews=self.history.pending_reviews(), **kwargs,
        )  # fmt: skip


@pytest.fixture
def nights(tmp_path, smtp):
    with History(tmp_path / "history.sqlite3") as history:
        yield Nights(history, make_settings(tmp_path, port=smtp.port))


def received(smtp, school: str):
    return next(m for m, _ in smtp.handler.received if f"school={school}" in m["X-Vigie-Notice"])


def flat(text: str) -> str:
    """The text part on one line (it is wrapped at 72 columns, its no-break spaces as spaces)."""
    return re.sub(r"[ \u00a0\r\n]+", " ", text)


def images(message) -> list:
    return [p for p in message.walk() if p.get_content_type() == "image/jpeg"]


def test_a_post_with_faces_reaches_the_notice_with_its_thumbnail(nights, smtp) -> None:
    thumb = picture(0)
    [eqv, eh] = nights.run(0, {EQV: Status.NON_CONFORME, EH: Status.NON_CONFORME}, [with_faces(1, thumb)])
    assert eqv.state == eh.state == "sent"
    message = received(smtp, "eqv")
    # multipart/alternative: the text unchanged, the HTML multipart/related with the picture
    assert message.get_content_type() == "multipart/alternative"
    text, related = message.get_payload()
    assert text.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html_part, [jpeg] = related.get_payload()[0], related.get_payload()[1:]
    assert html_part.get_content_type() == "text/html" and jpeg.get_content_type() == "image/jpeg"
    data = jpeg.get_payload(decode=True)
    assert data == thumb
    with Image.open(io.BytesIO(data)) as shown:
        assert shown.format == "JPEG" and max(shown.size) <= 240
        size = shown.size
    cid = jpeg["Content-ID"].strip("<>")
    html = html_part.get_content()
    [tag] = re.findall(r"<img [^>]*>", html)
    assert f'src="cid:{cid}"' in tag
    assert f'width="{size[0]}"' in tag and f'height="{size[1]}"' in tag  # laid out before it loads
    assert 'alt="Aperçu de la publication du 22 novembre 2026"' in tag
    shown_text = flat(visible_text(html))
    assert "4 visages reconnaissables" in shown_text and "Voir la publication" in shown_text
    assert "https://www.facebook.com/EQVCSNO/posts/9001" in html
    assert "L’aperçu d’une photo est joint à ce courriel" in flat(text.get_content())
    # a notice without faces keeps the structure it always had
    other = received(smtp, "eh")
    assert [p.get_content_type() for p in other.get_payload()] == ["text/plain", "text/html"]
    assert images(other) == []
    # the picture went out: the history lets it go, and the post is never « à vérifier » again
    assert nights.history.review_thumbnails([("eqv-facebook-0", "9001")], 4) == {}
    assert nights.history.pending_reviews() == []


@pytest.mark.parametrize(
    ("posts", "line"),
    [
        (NOTICE_THUMBNAILS + 1, "Et 1\u00a0autre publication à vérifier, sans aperçu\u00a0:"),
        (NOTICE_THUMBNAILS + 3, "Et 3\u00a0autres publications à vérifier, sans aperçu\u00a0:"),
    ],
)
def test_beyond_four_pictures_the_other_posts_are_listed_without_one(nights, smtp, posts, line) -> None:
    stored = [with_faces(n, noise(n)) for n in range(1, posts + 1)]
    nights.run(0, {EQV: Status.NON_CONFORME}, stored)
    message = received(smtp, "eqv")
    parts = images(message)
    assert len(parts) == NOTICE_THUMBNAILS
    assert {p.get_payload(decode=True) for p in parts} <= {p.thumbnail for p in stored}
    html = message.get_body(("html",)).get_content()
    assert len(re.findall(r"<img ", html)) == NOTICE_THUMBNAILS
    assert line in visible_text(html).splitlines()  # its own line, no-break spaces in place
    for post in stored:  # every post's link, with a picture or not
        assert post.permalink in html
    text = flat(message.get_body(("plain",)).get_content())
    assert f"Les aperçus de {NOTICE_THUMBNAILS} photos sont joints à ce courriel" in text
    # four thumbnails of noise, the worst case: far under a relay's limit (Postfix 10 MB, Gmail 25 MB)
    size = len(message.as_bytes(policy=policy.SMTP))
    assert size < MAX_NOTICE_BYTES, size
    print(f"\nnotice with {NOTICE_THUMBNAILS} thumbnails of noise: {size} bytes")


def test_a_retry_resends_the_recorded_bytes_pictures_included(nights, smtp) -> None:
    thumb = picture(1)
    smtp.handler.mode = "451"
    [queued] = nights.run(0, {EQV: Status.NON_CONFORME}, [with_faces(1, thumb)])
    assert queued.state == "queued" and smtp.handler.received == []
    [record] = nights.history.pending_notices()
    assert thumb in message_from_bytes(record.message, policy=policy.default).get_body(
        ("related",)
    ).get_payload()[1].get_payload(decode=True)
    assert nights.history.review_thumbnails([("eqv-facebook-0", "9001")], 4) == {}  # only the record has it

    smtp.handler.mode = "accept"
    [retried] = nights.run(1, {EQV: Status.NON_CONFORME})
    assert (retried.id, retried.state, retried.retry) == (queued.id, "sent", True)
    [(_, raw)] = smtp.handler.raw
    assert raw.replace(b"\r\n", b"\n") == record.message.replace(b"\r\n", b"\n")  # the same bytes
    [part] = images(received(smtp, "eqv"))
    assert part.get_payload(decode=True) == thumb


def test_a_dry_run_writes_the_notice_with_its_pictures_and_keeps_them(nights, smtp, tmp_path) -> None:
    thumb = picture(2)
    [written] = nights.run(0, {EQV: Status.NON_CONFORME}, [with_faces(1, thumb)], dry_run=True,
                           outbox=tmp_path / "outbox")  # fmt: skip
    message = message_from_bytes(written.path.read_bytes(), policy=policy.default)
    assert [p.get_payload(decode=True) for p in images(message)] == [thumb]
    assert smtp.handler.received == []
    assert nights.history.review_thumbnails([("eqv-facebook-0", "9001")], 4) == {
        ("eqv-facebook-0", "9001"): thumb
    }


def review(n: int, check: str = "content.faces") -> ReviewItem:
    return ReviewItem(REGISTRY.accounts[0], REAL_CATALOGUE[check], f"90{n:02d}", None, FACES_DETAIL)


def test_the_posts_with_a_picture_come_first_and_a_notice_without_pictures_lists_every_review() -> None:
    reviews = [review(n) for n in range(1, 7)] + [review(7, "content.conduct")]
    stored = {("eqv-facebook-0", f"90{n:02d}"): picture(n) for n in (5, 6)}
    arranged = arrange(reviews, stored)
    assert [(r.post_id, t is not None) for r, t in arranged.rows] == [
        ("9001", False), ("9002", False), ("9005", True), ("9006", True), ("9007", False),
    ]  # fmt: skip
    assert [r.post_id for r in arranged.others] == ["9003", "9004"]
    bare = arrange(reviews, {})
    assert [r.post_id for r, _ in bare.rows] == [r.post_id for r in reviews] and bare.others == ()


def test_only_a_small_jpeg_is_shown_with_its_proportions() -> None:
    key = ("eqv-facebook-0", "9001")
    portrait = io.BytesIO()
    Image.new("RGB", (180, 240), "white").save(portrait, format="JPEG")
    thumb = prepare(key, portrait.getvalue())
    assert thumb is not None and (thumb.width, thumb.height) == (135, 180)
    assert thumb.src == "cid:post-eqv-facebook-0-9001@vigie"
    png, large = io.BytesIO(), io.BytesIO()
    Image.new("RGB", (100, 100)).save(png, format="PNG")
    Image.new("RGB", (1200, 900)).save(large, format="JPEG")
    assert prepare(key, png.getvalue()) is None and prepare(key, large.getvalue()) is None
    assert prepare(key, b"not a picture") is None
