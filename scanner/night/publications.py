"""The publications stage of the night (DA 142 §2.b.iii, §3.b, Annexe A), after the profile audit.

For each registry account on Facebook (page), Instagram, X or YouTube whose adapter can read
publications (`PostReader.fetch_posts`):

1. **What to read** (`wanted`): since the history's cursor (first night: the last
   `content.first_night_days` days), at most `content.max_posts_per_account` posts. An account
   with an open content finding reads a window that reaches back to its oldest such post,
   without `since_id`: that is how a deleted post is seen (below).
2. **Read**, one call of `fetch_posts` per platform, the platforms concurrently. A platform that
   fails, or an account it could not read, gives that account's content checks `non_verifiable`
   with the adapter's French reason; the other accounts go on.
3. **Judge** each post never read before: its pictures downloaded once each
   (`scanner.net.post_pictures`, at most `content.max_pictures_per_post`), then
   `assess_post` with the tools loaded once for the night. A post the coordinator dismissed
   (`config/publications_ignorees.yaml`) gets `derogation` for that check.
4. **Remember** (`PostsLedger`, stored by the history in the night's transaction).

A post with an open content finding is judged again each night from what the history remembers,
so its finding stays open (reminders, the report) until one of these closes it:

- **deleted**: tonight's read succeeded, was not truncated, and its window (`since`) reaches the
  post's publication time, yet the post is not in it. Its checks are then `conforme`
  (« publication retirée »): the finding is resolved. A read that failed or was truncated
  proves nothing: the finding stays open;
- **edited**: the post is in tonight's window with another text: it is judged again;
- **dismissed** by the coordinator: `derogation`, which resolves it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from scanner.checks.base import PostRef, Result, Status, non_verifiable
from scanner.checks.publications import CONTENT_CHECKS, PostVerdict, assess_post
from scanner.config.dismissals import Dismissals
from scanner.config.models import Account, Config, Registry, Settings
from scanner.history.posts import PostRecord, PostsLedger, RememberedPost, text_hash
from scanner.history.store import History
from scanner.net.fetch import Fetcher
from scanner.net.post_pictures import PostPictures, picture_keys
from scanner.night.posts_reading import Answers, PostsPlan, ReadAhead, eligible, plan_posts, read_posts
from scanner.notices.thumbnails import NOTICE_THUMBNAILS
from scanner.platforms.posts import PostReader, PostsRead, PostsWanted, PublishedPost
from scanner.platforms.snapshot import Snapshot
from scanner.plumbing.french import NBSP, date_long
from scanner.publications import faces, language
from scanner.publications.face_pool import FacePool
from scanner.publications.post import ContentTools, Post, load_tools
from scanner.report.publications import thumbnail_key

log = logging.getLogger(__name__)

GONE = "publication retirée\u00a0: le point est réglé"
DISMISSED = "écarté par la coordonnatrice des communications (config/publications_ignorees.yaml)"
PROFILE_UNREAD = "le profil n’a pas pu être lu cette nuit, ses publications non plus"
LOOKAHEAD = 24  # posts whose pictures download while one is judged (memory: a few MB)
THUMBNAILS = 12  # pictures with faces kept as thumbnails for the coordinator's report
# (and NOTICE_THUMBNAILS per school, stored with their posts for the schools' next notices)


class PostsHistory(Protocol):
    """What the stage reads from the history (`History` offers it)."""

    def cursors(self) -> dict[str, tuple[str | None, dt.datetime]]: ...
    def known(self, account: str, post_ids: Sequence[str]) -> set[str]: ...
    def open_posts(self) -> dict[str, list[RememberedPost]]: ...


@dataclass
class PostsNight:
    """The stage's answer: results (keyed by post), what to remember, the report's thumbnails."""

    results: list[Result] = field(default_factory=list)
    ledger: PostsLedger = field(default_factory=PostsLedger)
    thumbnails: dict[str, bytes] = field(default_factory=dict)  # image key -> JPEG
    stats: dict[str, float] = field(default_factory=dict)


def post_detail(detail: str | None, post: PublishedPost | RememberedPost, timezone: str) -> str:
    """The verdict's detail naming the post: « Publication du 2 décembre 2026 (lien) : … »."""
    when = f" du {date_long(post.created, timezone)}" if post.created else ""
    link = f" ({post.permalink})" if post.permalink else ""
    head = f"Publication{when}{link}"
    return f"{head}{NBSP}: {detail}" if detail else head


def publications_night(
    registry: Registry,
    settings: Settings,
    adapters: Mapping[str, PostReader | object],
    snapshots: Mapping[str, Snapshot],
    history: PostsHistory,
    pictures: PostPictures,
    tools: Callable[[], ContentTools],
    dismissals: Dismissals,
    now: dt.datetime,
    face_pool: FacePool | None = None,
    early: tuple[PostsPlan, Answers] | None = None,
) -> PostsNight:
    """The night's publications: read, judged, and what the history must remember.

    `face_pool`: pictures are looked at in a worker process (the night's); without it, here.
    `early`: the plan and the answers of a reading done ahead (`ReadAhead`); without it, here."""
    night = PostsNight()
    if not settings.content.enabled:
        return night
    if early is None:
        plan = plan_posts(registry, snapshots, history.cursors(), history.open_posts(), settings, now)
        answers = read_posts(adapters, plan.wanted)
    else:
        plan, answers = early
    for network, asked_there in plan.wanted.items():  # the reading's cost, for the log and the benchmark
        night.stats[f"calls_{network}"] = sum(answers[(network, w.handle)].calls for w in asked_there
                                               if (network, w.handle) in answers)  # fmt: skip
    night.stats["not_asked"] = len(plan.quiet)
    answers = answers | plan.quiet
    open_posts, asked, now = plan.open_posts, plan.asked, plan.now
    for account in plan.profile_unread:
        night.results += _unread(account, PROFILE_UNREAD, open_posts.get(account.id, ()), settings)
    new_posts: list[tuple[Account, PublishedPost]] = []
    gone: list[tuple[str, str]] = []
    cursors_out: dict[str, str | None] = {}
    for account in eligible(registry):
        if account.id not in asked:
            continue
        read = answers[(account.network.value, account.handle)]
        remembered = open_posts.get(account.id, [])
        if not read.read:
            night.results += _unread(account, read.reason or "", remembered, settings)
            continue
        cursors_out[account.id] = read.cursor
        fresh, gone_here, kept = _sort_posts(account, read, asked[account.id], remembered, history)
        new_posts += [(account, p) for p in fresh]
        gone += [(account.id, p.post_id) for p in gone_here]
        night.results += [r for p in gone_here for r in _closed(account, p, GONE, Status.CONFORME, settings)]
        night.results += [r for p in kept for r in _again(account, p, dismissals, settings)]
    started = time.process_time()
    records = _judge(new_posts, pictures, tools, dismissals, settings, night, face_pool)
    night.stats.update(posts=len(new_posts), judge_cpu=time.process_time() - started)
    night.ledger = PostsLedger(tuple(records), cursors_out, tuple(gone), now)
    return night


def _sort_posts(
    account: Account,
    read: PostsRead,
    wanted: PostsWanted,
    remembered: Sequence[RememberedPost],
    history: PostsHistory,
) -> tuple[list[PublishedPost], list[RememberedPost], list[RememberedPost]]:
    """(posts to judge: new or edited, remembered posts gone, remembered posts kept as they were)."""
    by_id: dict[str, PublishedPost] = {}
    for post in read.posts:  # a platform that answers one post twice: judged once
        by_id.setdefault(post.id, post)
    known = history.known(account.id, list(by_id))
    with_findings = {p.post_id: p for p in remembered}
    fresh = [p for p in by_id.values() if p.id not in known]
    edited = [
        by_id[pid]
        for pid, p in with_findings.items()
        if pid in by_id and text_hash(by_id[pid].text) != p.text_hash
    ]
    gone, kept = [], []
    for post in remembered:
        if post.post_id in by_id:
            if by_id[post.post_id] not in edited:
                kept.append(post)
        elif not read.truncated and post.created is not None and post.created >= wanted.since:
            gone.append(post)
        else:
            kept.append(post)
    return fresh + edited, gone, kept


def _judge(
    posts: Sequence[tuple[Account, PublishedPost]],
    pictures: PostPictures,
    tools: Callable[[], ContentTools],
    dismissals: Dismissals,
    settings: Settings,
    night: PostsNight,
    face_pool: FacePool | None = None,
) -> list[PostRecord]:
    if not posts:
        return []
    limit = settings.content.max_pictures_per_post
    keys = [picture_keys(post, limit) for _, post in posts]
    for wanted in keys:
        pictures.plan(wanted)
    for wanted in keys[:LOOKAHEAD]:
        pictures.start(wanted)
    loading = time.process_time()
    loaded = tools()
    language.detector()  # Lingua's models (78 MB) read now that there are posts, not by the first post
    night.stats["tools_cpu"] = time.process_time() - loading  # Grammalecte, spaCy's model, the lists
    cpu: dict[str, float] = {}  # CPU seconds per check (the benchmark's per post and per picture)
    records = []
    picture_count = 0
    per_school: Counter[str] = Counter()  # thumbnails kept tonight for each school's next notice
    for index, ((account, post), wanted) in enumerate(zip(posts, keys, strict=True)):
        if index + LOOKAHEAD < len(keys):
            pictures.start(keys[index + LOOKAHEAD])
        fetched = pictures.take([key for key, _ in wanted])
        data = tuple(p.data for p in fetched if p.data is not None)
        picture_count += len(data)
        if face_pool is not None:  # the worker looks at the pictures while the text is read here
            following = pictures.ready([key for key, _ in keys[index + 1]]) if index + 1 < len(keys) else []
            for picture in (*data, *following):
                face_pool.prefetch(picture)
        try:
            verdicts = assess_post(Post(post.id, post.text, post.permalink, data), loaded, cpu)
        except Exception:  # one post never spoils the night
            log.exception("judging post %s of %s failed", post.id, account.id)
            verdicts = []
        if wanted and not data and fetched[0].error:
            verdicts = [v for v in verdicts if v.check != faces.CHECK]
            verdicts.append(_unreadable_pictures(fetched[0].error))
        stored = {}
        for verdict in verdicts:
            result = _result(account, post, verdict, dismissals, settings)
            night.results.append(result)
            stored[verdict.check] = (str(result.status), result.detail)
        thumb = None
        if data and stored.get(faces.CHECK, ("",))[0] == Status.MANUEL:
            thumb = _thumbnail(account, post, data[0], night, per_school)
        pictures.release([key for key, _ in wanted])
        records.append(
            PostRecord(account.id, account.network.value, post.id, post.permalink, post.created, post.text,
                       tuple(p.sha256 for p in fetched if p.sha256), stored, thumb)
        )  # fmt: skip
    faces_cpu = cpu.pop(faces.CHECK, 0.0) + (face_pool.cpu if face_pool is not None else 0.0)
    night.stats.update(pictures=picture_count, downloads=pictures.downloads, faces_cpu=faces_cpu,
                       text_cpu=sum(cpu.values()), texts=len({post.text for _, post in posts}))  # fmt: skip
    log.info(
        "publications: %d post(s) judged, %d picture(s) (%d downloaded); CPU %.1f s text, %.1f s faces",
        len(posts), picture_count, pictures.downloads, night.stats["text_cpu"], night.stats["faces_cpu"],
    )  # fmt: skip
    return records


def _thumbnail(
    account: Account, post: PublishedPost, picture: bytes, night: PostsNight, per_school: Counter[str]
) -> bytes | None:
    """The thumbnail of a post with faces: for the school's next notice (at most NOTICE_THUMBNAILS a
    school tonight, stored with the post), and for the coordinator's report (THUMBNAILS in all).
    Returns the bytes the history keeps with the post, or None."""
    for_notice = per_school[account.school] < NOTICE_THUMBNAILS
    for_report = len(night.thumbnails) < THUMBNAILS
    if not (for_notice or for_report):
        return None
    thumb = faces.thumbnail(picture)
    if not thumb:
        return None
    if for_report:
        night.thumbnails[thumbnail_key(account.id, post.id)] = thumb
    if not for_notice:
        return None
    per_school[account.school] += 1
    return thumb


def _unreadable_pictures(reason: str) -> PostVerdict:
    return PostVerdict(faces.CHECK, non_verifiable(f"photos illisibles ({reason})"))


def _result(
    account: Account, post: PublishedPost, verdict: PostVerdict, dismissals: Dismissals, settings: Settings
) -> Result:
    ref = PostRef(post.id, post.permalink)
    status, detail = verdict.outcome.status, verdict.outcome.detail
    if dismissals.covers(post.id, post.permalink, verdict.check) and status in (
        Status.NON_CONFORME,
        Status.MANUEL,
    ):
        status, detail = Status.DEROGATION, DISMISSED
    return Result(account.id, verdict.check, status, post_detail(detail, post, settings.timezone), ref)


def _again(
    account: Account, post: RememberedPost, dismissals: Dismissals, settings: Settings
) -> list[Result]:
    """A remembered post with an open finding, judged again from its stored verdicts."""
    if dismissals.covers(post.post_id, post.permalink, None):
        return _closed(account, post, DISMISSED, Status.DEROGATION, settings)
    out = []
    ref = PostRef(post.post_id, post.permalink)
    for check, (status, detail) in post.verdicts.items():
        if Status(status) is not Status.NON_CONFORME:
            continue
        if dismissals.covers(post.post_id, post.permalink, check):
            out.append(
                Result(
                    account.id, check, Status.DEROGATION, post_detail(DISMISSED, post, settings.timezone), ref
                )
            )
        else:
            out.append(Result(account.id, check, Status.NON_CONFORME, detail, ref))
    return out


def _closed(
    account: Account, post: RememberedPost, why: str, status: Status, settings: Settings
) -> list[Result]:
    ref = PostRef(post.post_id, post.permalink)
    return [
        Result(account.id, check, status, post_detail(why, post, settings.timezone), ref)
        for check, (was, _) in post.verdicts.items()
        if Status(was) is Status.NON_CONFORME
    ]


def _unread(
    account: Account, reason: str, remembered: Sequence[RememberedPost], settings: Settings
) -> list[Result]:
    """Content checks not verifiable for the account; its open findings stay open as they were."""
    out = [Result(account.id, check, Status.NON_VERIFIABLE, reason) for check in CONTENT_CHECKS]
    for post in remembered:
        ref = PostRef(post.post_id, post.permalink)
        out += [
            Result(account.id, check, Status.NON_CONFORME, detail, ref)
            for check, (status, detail) in post.verdicts.items()
            if Status(status) is Status.NON_CONFORME
        ]
    return out


def content_tools(config: Config) -> ContentTools:
    """The analysers' tools for the night: the board's published numbers, staff names, words."""
    registry, dismissals = config.registry, config.dismissals or Dismissals()
    board = registry.board
    people = [board.coordinator, board.direction_generale, *(s.principal for s in registry.schools)]
    people += [admin for account in registry.accounts for admin in account.admins]
    if board.technician is not None:
        people.append(board.technician)
    return load_tools(
        config.folder,
        published_numbers=[n for n in (board.phone, *(s.phone for s in registry.schools)) if n],
        board_domains=board.email_domains,
        staff=sorted({person.name for person in people}),
        registry_words=[board.name, *(s.name for s in registry.schools), *dismissals.mots],
    )


def run_stage(
    config: Config,
    adapters: Mapping[str, object],
    fetcher: Fetcher,
    snapshots: Mapping[str, Snapshot],
    now: dt.datetime,
    ahead: ReadAhead | None = None,
) -> PostsNight:
    """The stage as the night runs it: the history read (never written: the night's transaction
    stores the ledger), pictures through the night's fetcher, tools loaded once if any post is new."""
    if not config.settings.content.enabled:
        return PostsNight()
    pictures = PostPictures(fetcher)
    face_pool = FacePool()
    loaded: list[ContentTools] = []

    def tools() -> ContentTools:
        if not loaded:
            ready = ahead.prepared() if ahead is not None else None
            base = ready if isinstance(ready, ContentTools) else content_tools(config)
            loaded.append(replace(base, detect_faces=face_pool.detect))
        return loaded[0]

    try:
        with History.in_state_dir(config.state_dir, rollback=True) as history:
            return publications_night(
                config.registry, config.settings, adapters, snapshots, history, pictures, tools,
                config.dismissals or Dismissals(), now, face_pool, ahead.result() if ahead else None,
            )  # fmt: skip
    finally:
        pictures.close()
        face_pool.close()
