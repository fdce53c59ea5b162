"""The publications stage of the night (issue 16): what it asks, judges, remembers and resolves.

The platforms' side is a small in-test `PostReader` (the contract of `scanner.platforms.posts`);
the pictures are served over loopback by the sandbox's CDN (real HTTP through the night's fetcher);
the history is a real SQLite file. The whole night through the real adapters is in
`test_publications_night.py`.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace
from pathlib import Path

import pytest
from corpus.publications import labelled
from factories import make_account, make_board, make_registry, make_school, make_settings, make_snapshot
from PIL import Image

from scanner.checks.base import Status
from scanner.config.dismissals import Dismissals, DismissedPost
from scanner.config.models import NetworkSettings, Registry
from scanner.history.findings import FindingState
from scanner.history.store import History
from scanner.net.fetch import Fetcher
from scanner.net.post_pictures import PostPictures
from scanner.night.outcomes import AccountOutcome
from scanner.night.publications import GONE, PROFILE_UNREAD, publications_night
from scanner.notices.thumbnails import NOTICE_THUMBNAILS
from scanner.platforms.posts import PostsRead, PostsWanted, PublishedPost
from vigie_sandbox import web
from vigie_sandbox.server import SandboxServer
from vigie_sandbox.world import World

PICTURES = Path(__file__).resolve().parent / "corpus" / "publications" / "pictures"
CDN = "https://cdn.test"
NOW = dt.datetime(2026, 12, 1, 11, 0, tzinfo=dt.UTC)
PHONE = "Pour joindre la maman de Noah, appelez au 780-555-0147."
OBSCENE = "Quelle journée de merde, l'autobus est encore en retard!"
CLEAN = "Bravo à nos élèves pour le concert de Noël! Merci aux familles."


class Reader:
    """A platform that answers `fetch_posts` from a list, as the contract says (newest first)."""

    platform = "facebook"

    def __init__(self, posts: list[PublishedPost], *, fail: str | None = None):
        self.posts = posts
        self.fail = fail
        self.asked: list[PostsWanted] = []

    def fetch_posts(self, wanted):
        out = {}
        for w in wanted:
            self.asked.append(w)
            if self.fail:
                out[w.handle] = PostsRead(w.handle, reason=self.fail)
                continue
            new = []
            for post in sorted(self.posts, key=lambda p: p.created, reverse=True):
                if w.since_id and post.id == w.since_id:
                    break
                if post.created >= w.since:
                    new.append(post)
            out[w.handle] = PostsRead(
                w.handle, tuple(new[: w.limit]), new[0].id if new else None, truncated=len(new) > w.limit
            )
        return out


def post(pid: str, text: str, days_ago: float, pictures: tuple[str, ...] = ()) -> PublishedPost:
    return PublishedPost(
        "facebook", "EQVCSNO", pid, NOW - dt.timedelta(days=days_ago), text,
        f"https://www.facebook.com/EQVCSNO/posts/{pid}", tuple(f"{CDN}/{p}" for p in pictures),
    )  # fmt: skip


@pytest.fixture(scope="module")
def cdn():
    media = {
        "cdn.test": {
            "/visage.jpg": {
                "source": str(PICTURES / "portrait-00.jpg"),
                "raw": True,
                "content_type": "image/jpeg",
            },
            "/logo.jpg": {
                "source": str(PICTURES / "none-logo-eqv.jpg"),
                "raw": True,
                "content_type": "image/jpeg",
            },
        }
    }
    with SandboxServer(World(web={"media": media}), routes=[web.route]) as server:
        yield server


@pytest.fixture(scope="module")
def tools():
    return labelled.tools()


def registry() -> Registry:
    school = make_school("eqv", phone="780 555-0100")
    account = make_account("eqv-facebook", "eqv", "facebook", handle="EQVCSNO", official=True)
    return Registry(board=make_board(), schools=(school,), accounts=(account,))


NOTHING_DISMISSED = Dismissals()


def night(
    cdn,
    tmp_path,
    tools,
    reader,
    *,
    now=NOW,
    dismissals=NOTHING_DISMISSED,
    settings=None,
    snapshot=True,
    last_post=None,
    last_post_id=None,
):
    settings = settings or make_settings(tmp_path)
    fetcher = Fetcher(NetworkSettings(allow_private_addresses=True), resolve={"*": f"127.0.0.1:{cdn.port}"})
    pictures = PostPictures(fetcher)
    snap = make_snapshot(
        "facebook", "EQVCSNO", platform_id="1001", last_post_at=last_post, last_post_id=last_post_id
    )
    snaps = {"eqv-facebook": snap} if snapshot else {}
    with History.in_state_dir(tmp_path) as history:
        done = publications_night(
            registry(),
            settings,
            {"facebook": reader},
            snaps,
            history,
            pictures,
            lambda: tools,
            dismissals,
            now,
        )
        pictures.close()
        run = f"run-{now:%d}"
        recorded = history.record_night(
            run, now, now, "complete", [AccountOutcome("eqv-facebook", "eqv", "facebook", True)],
            done.results, snaps, posts=done.ledger,
        )  # fmt: skip
    return done, recorded, pictures


def by_post(results, check):
    return {r.post.id: r for r in results if r.check == check and r.post is not None}


def test_first_night_reads_the_window_judges_each_post_and_downloads_each_picture_once(cdn, tmp_path, tools):
    reader = Reader([
        post("1", PHONE, 1), post("2", OBSCENE, 2), post("3", CLEAN, 3, ("visage.jpg", "logo.jpg")),
        post("4", CLEAN + " Encore!", 4, ("visage.jpg",)), post("old", PHONE, 30),
    ])  # fmt: skip
    done, recorded, pictures = night(cdn, tmp_path, tools, reader)

    asked = reader.asked[0]
    assert asked.platform_id == "1001" and asked.since_id is None
    assert asked.since == NOW - dt.timedelta(days=14) and asked.limit == 50
    assert by_post(done.results, "content.personal-info")["1"].status is Status.NON_CONFORME
    assert "old" not in by_post(done.results, "content.personal-info")  # older than first_night_days
    assert by_post(done.results, "content.conduct")["2"].status is Status.NON_CONFORME
    faces = by_post(done.results, "content.faces")
    assert faces["3"].status is Status.MANUEL and faces["4"].status is Status.MANUEL
    assert (
        "https://www.facebook.com/EQVCSNO/posts/1"
        in by_post(done.results, "content.personal-info")["1"].detail
    )
    assert pictures.downloads == 2  # visage.jpg shown by two posts: one download
    assert sorted(r.path for r in cdn.requests_to("media")) == ["/logo.jpg", "/visage.jpg"]
    assert "post:eqv-facebook:3" in done.thumbnails
    findings = {(f.check, f.post.id): f for f in recorded.findings if f.post}
    assert findings[("content.personal-info", "1")].state is FindingState.NEW
    assert ("content.faces", "3") not in findings  # « à vérifier »: never a finding
    with History.in_state_dir(tmp_path) as history:
        assert history.cursors()["eqv-facebook"][0] == "1"
        reviews = history.pending_reviews()
        assert {(r.post_id, r.check) for r in reviews} == {("3", "content.faces"), ("4", "content.faces")}


def test_second_night_reads_only_what_is_new_and_a_deleted_post_resolves_its_finding(cdn, tmp_path, tools):
    posts = [post("1", PHONE, 1), post("2", CLEAN, 2)]
    night(cdn, tmp_path, tools, Reader(posts))
    later = NOW + dt.timedelta(days=1)
    fresh = post("5", OBSCENE, -0.5)
    reader = Reader([fresh, posts[1]])  # post 1 (with the phone number) was deleted
    done, recorded, _ = night(cdn, tmp_path, tools, reader, now=later)

    asked = reader.asked[0]
    assert asked.since_id is None and asked.since <= posts[0].created  # the window covers post 1
    assert set(by_post(done.results, "content.conduct")) == {"5"}  # post 2, known, is not judged again
    gone = by_post(done.results, "content.personal-info")["1"]
    assert gone.status is Status.CONFORME and GONE in gone.detail
    states = {(f.check, f.post.id): f.state for f in recorded.findings if f.post}
    assert states[("content.personal-info", "1")] is FindingState.RESOLVED
    assert states[("content.conduct", "5")] is FindingState.NEW

    third = Reader([fresh, posts[1]])
    night(cdn, tmp_path, tools, third, now=later + dt.timedelta(days=1))
    assert third.asked[0].since_id is None  # post 5 is still open: the window covers it


def test_an_account_whose_posts_cannot_be_read_is_non_verifiable_and_keeps_its_findings(cdn, tmp_path, tools):
    night(cdn, tmp_path, tools, Reader([post("1", PHONE, 1)]))
    reason = (
        "la page ne peut pas être lue avec ce jeton : demandez un jeton de page (voir « Obtenir les accès »)"
    )
    done, recorded, _ = night(cdn, tmp_path, tools, Reader([], fail=reason), now=NOW + dt.timedelta(days=1))

    unread = [r for r in done.results if r.post is None]
    assert {r.check for r in unread} == {
        "content.french",
        "content.personal-info",
        "content.faces",
        "content.conduct",
    }
    assert all(r.status is Status.NON_VERIFIABLE and r.detail == reason for r in unread)
    states = {(f.check, f.post.id): f.state for f in recorded.findings if f.post}
    assert states[("content.personal-info", "1")] is FindingState.OPEN  # a failed read proves nothing


def test_a_profile_not_read_tonight_means_its_posts_are_not_read(cdn, tmp_path, tools):
    reader = Reader([post("1", PHONE, 1)])
    done, _, _ = night(cdn, tmp_path, tools, reader, snapshot=False)
    assert reader.asked == []
    assert {r.detail for r in done.results} == {PROFILE_UNREAD}


def test_a_dismissed_post_is_a_derogation_tonight_and_the_next_night(cdn, tmp_path, tools):
    link = "https://www.facebook.com/EQVCSNO/posts/1"
    night(cdn, tmp_path, tools, Reader([post("1", PHONE, 1)]))
    dismissed = Dismissals(
        publications=(
            DismissedPost(publication=link, regle="content.personal-info", raison="Numéro public du club"),
        )
    )
    done, recorded, _ = night(
        cdn,
        tmp_path,
        tools,
        Reader([post("1", PHONE, 1)]),
        now=NOW + dt.timedelta(days=1),
        dismissals=dismissed,
    )
    assert by_post(done.results, "content.personal-info")["1"].status is Status.DEROGATION
    states = {(f.check, f.post.id): f.state for f in recorded.findings if f.post}
    assert states[("content.personal-info", "1")] is FindingState.RESOLVED

    fresh = Dismissals(publications=(DismissedPost(publication="9", raison="Faux positif"),))
    done, _, _ = night(cdn, tmp_path / "autre", tools, Reader([post("9", OBSCENE, 1)]), dismissals=fresh)
    assert by_post(done.results, "content.conduct")["9"].status is Status.DEROGATION


def test_an_edited_post_is_judged_again(cdn, tmp_path, tools):
    night(cdn, tmp_path, tools, Reader([post("1", PHONE, 1)]))
    edited = post("1", "Pour joindre l’école, appelez au 780 555-0100.", 1)
    done, recorded, _ = night(cdn, tmp_path, tools, Reader([edited]), now=NOW + dt.timedelta(days=1))
    assert (
        by_post(done.results, "content.personal-info")["1"].status is Status.CONFORME
    )  # the school's number
    states = {(f.check, f.post.id): f.state for f in recorded.findings if f.post}
    assert states[("content.personal-info", "1")] is FindingState.RESOLVED


def test_a_school_keeps_the_thumbnails_its_next_notice_shows_and_no_more(cdn, tmp_path, tools):
    """Issue 16: each post with faces keeps its thumbnail in the history for the school's next
    notice, at most NOTICE_THUMBNAILS a school a night (10,000 accounts hold a few per school)."""
    posts = [post(str(n), f"{CLEAN} Photo {n}.", n, ("visage.jpg",)) for n in range(1, NOTICE_THUMBNAILS + 3)]
    night(cdn, tmp_path, tools, Reader(posts))
    with History.in_state_dir(tmp_path) as history:
        reviews = [(r.account, r.post_id) for r in history.pending_reviews() if r.check == "content.faces"]
        assert len(reviews) == NOTICE_THUMBNAILS + 2
        kept = history.review_thumbnails(reviews, len(reviews))
    assert len(kept) == NOTICE_THUMBNAILS
    for data in kept.values():
        with Image.open(io.BytesIO(data)) as shown:
            assert shown.format == "JPEG" and max(shown.size) <= 240


def test_content_disabled_reads_nothing(cdn, tmp_path, tools):
    base = make_settings(tmp_path)
    settings = type(base).model_validate(base.model_dump() | {"content": {"enabled": False}})
    reader = Reader([post("1", PHONE, 1)])
    done, _, _ = night(cdn, tmp_path, tools, reader, settings=settings)
    assert reader.asked == [] and done.results == []


def test_registry_phone_numbers_are_validated():
    with pytest.raises(ValueError, match="numéro de téléphone invalide"):
        make_school("eqv", phone="12")
    assert make_school("eqv", phone="780 555-0100").phone == "780 555-0100"
    assert make_registry(1, 1).schools[0].phone is None


def test_a_post_answered_twice_is_judged_once(cdn, tmp_path, tools):
    twice = post("1", PHONE, 1)
    done, recorded, _ = night(cdn, tmp_path, tools, Reader([twice, twice]))
    assert len([r for r in done.results if r.check == "content.personal-info"]) == 1


class Exploding:
    """spaCy's pipeline, except that it raises on one text (an analyser's bug on one post)."""

    def __init__(self, nlp):
        self.nlp = nlp

    def __call__(self, text, *args, **kwargs):
        if "BOUM" in text:
            raise RuntimeError("analyser bug")
        return self.nlp(text, *args, **kwargs)


def test_an_analyser_that_raises_on_one_post_spoils_nothing_else(cdn, tmp_path, tools):
    broken = replace(tools, nlp=Exploding(tools.nlp))
    reader = Reader(
        [post("1", "Rappel BOUM : Léa Tremblay, élève de 3e année, a 8 ans.", 1), post("2", PHONE, 2)]
    )
    done, recorded, _ = night(cdn, tmp_path, broken, reader)
    assert "1" not in by_post(done.results, "content.personal-info")
    assert by_post(done.results, "content.personal-info")["2"].status is Status.NON_CONFORME
    with History.in_state_dir(tmp_path) as history:
        assert history.known("eqv-facebook", ["1", "2"]) == {"1", "2"}  # remembered: not retried forever


def test_a_post_whose_pictures_cannot_be_read_has_its_faces_check_non_verifiable(cdn, tmp_path, tools):
    reader = Reader([post("1", CLEAN, 1, ("absente.jpg",)), post("2", CLEAN, 2, ("absente.jpg", "logo.jpg"))])
    done, _, pictures = night(cdn, tmp_path, tools, reader)
    faces = by_post(done.results, "content.faces")
    assert faces["1"].status is Status.NON_VERIFIABLE and "photos illisibles" in faces["1"].detail
    assert faces["2"].status is Status.CONFORME  # one picture read, without a face
    assert pictures.failures == 1  # the missing picture asked once for both posts


class WindowReader:
    """A platform whose window lets `per_night` accounts through a night (X's timeline: 1,500 calls
    per 15 minutes) and refuses the rest, in the order asked."""

    platform = "facebook"

    def __init__(self, per_night: int):
        self.per_night = per_night
        self.asked: list[list[str]] = []

    def fetch_posts(self, wanted):
        self.asked.append([w.handle for w in wanted])
        return {
            w.handle: PostsRead(w.handle, (), None)
            if n < self.per_night
            else PostsRead(w.handle, reason="429")
            for n, w in enumerate(wanted)
        }


def test_accounts_left_unread_by_a_platform_window_are_asked_first_the_next_night(cdn, tmp_path, tools):
    handles = ["PageA", "PageB", "PageC", "PageD"]
    accounts = tuple(
        make_account(f"eqv-facebook-{n}", "eqv", "facebook", handle=h, official=n == 0)
        for n, h in enumerate(handles)
    )
    reg = Registry(board=make_board(), schools=(make_school("eqv"),), accounts=accounts)
    snaps = {a.id: make_snapshot("facebook", a.handle, platform_id=str(n)) for n, a in enumerate(accounts)}
    reader = WindowReader(per_night=2)
    settings = make_settings(tmp_path)
    for n, when in enumerate((NOW, NOW + dt.timedelta(days=1), NOW + dt.timedelta(days=2))):
        with History.in_state_dir(tmp_path) as history:
            done = publications_night(
                reg, settings, {"facebook": reader}, snaps, history, PostPictures(Fetcher(NetworkSettings())),
                lambda: tools, NOTHING_DISMISSED, when,
            )  # fmt: skip
            outcomes = [AccountOutcome(a.id, "eqv", "facebook", True) for a in accounts]
            history.record_night(
                f"run-{n}", when, when, "complete", outcomes, done.results, snaps, posts=done.ledger
            )
    assert reader.asked[0] == handles  # the first night: the registry's order
    assert reader.asked[1][:2] == ["PageC", "PageD"]  # refused last night: asked first
    assert reader.asked[2][:2] == ["PageA", "PageB"]  # now the ones that waited longest


def test_an_account_whose_profile_dates_its_last_post_before_the_window_costs_no_call(cdn, tmp_path, tools):
    old = post("old", PHONE, 30)
    first = Reader([old])
    done, _, _ = night(cdn, tmp_path, tools, first, last_post=old.created)
    assert first.asked == [] and done.results == []  # the profile said: nothing in the last 14 days
    with History.in_state_dir(tmp_path) as history:
        assert history.cursors()["eqv-facebook"][1] == NOW  # read (nothing new) tonight

    fresh = post("1", PHONE, 0.5)
    second = Reader([fresh, old])
    done, _, _ = night(cdn, tmp_path, tools, second, now=NOW + dt.timedelta(days=1), last_post=fresh.created)
    assert (
        len(second.asked) == 1
        and by_post(done.results, "content.personal-info")["1"].status is Status.NON_CONFORME
    )


def test_an_account_with_an_open_post_finding_is_read_even_when_its_profile_shows_nothing_new(
    cdn, tmp_path, tools
):
    phone = post("1", PHONE, 1)
    night(cdn, tmp_path, tools, Reader([phone]))
    later = NOW + dt.timedelta(days=3)
    reader = Reader([])  # the post was deleted; the profile's last post is older than the window
    done, recorded, _ = night(cdn, tmp_path, tools, reader, now=later, last_post=NOW - dt.timedelta(days=20))
    assert len(reader.asked) == 1  # read all the same: only a read can see the post gone
    states = {(f.check, f.post.id): f.state for f in recorded.findings if f.post}
    assert states[("content.personal-info", "1")] is FindingState.RESOLVED


def test_an_account_without_a_dated_last_post_is_read(cdn, tmp_path, tools):
    reader = Reader([post("1", CLEAN, 1)])
    night(cdn, tmp_path, tools, reader, last_post=None)  # withheld (no feature) or never published
    assert len(reader.asked) == 1


def test_an_account_whose_latest_post_is_the_one_last_read_costs_no_call(cdn, tmp_path, tools):
    clean = post("1", CLEAN, 0.5)
    night(cdn, tmp_path, tools, Reader([clean]), last_post=clean.created, last_post_id="1")
    later = NOW + dt.timedelta(days=1)  # the post is inside tonight's window, and already read
    again = Reader([clean])
    night(cdn, tmp_path, tools, again, now=later, last_post=clean.created, last_post_id="1")
    assert again.asked == []
    newer = Reader([post("2", CLEAN + " Bis", -1.5), clean])
    night(cdn, tmp_path, tools, newer, now=later + dt.timedelta(days=1), last_post=NOW, last_post_id="2")
    assert len(newer.asked) == 1 and newer.asked[0].since_id == "1"
