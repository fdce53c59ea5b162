"""The labelled set end to end: the hand-written look-alikes and neighbours (tests/lookalikes/labelled.yaml)
placed in a sandbox world, linked from no site, FOUND through the real look-up calls (X users/by,
Instagram business_discovery, YouTube forHandle and search.list, Facebook usernames and Pages search),
read by the real adapters, and judged by `account.unregistered`.

Printed (run with -s): how many look-alikes the look-ups found, the recall of the whole chain (found
and flagged, over every look-alike), and the precision on what is flagged critique. The hand-written
handles the variant generator does not make, and that no name search returns, cannot be found: the
chain's recall is the generator's, measured and asserted as it is, not as hoped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import cache

from checks_factory import NOW, logo_fingerprints, settings
from test_lookup_lookalikes import LOOK_ALIKES, NEIGHBOURS, logo_evidence, world

from scanner.checks.base import Context, Status
from scanner.checks.runner import discovered_id, evaluate_discovered
from scanner.config.models import LookupSettings, account_key
from scanner.discovery.lookups import LookupState, run_lookups
from scanner.discovery.variants import candidates, lookup_key
from scanner.platforms.base import CallOptions
from scanner.platforms.facebook import FacebookAdapter
from scanner.platforms.facebook_search import FacebookSearcher
from scanner.platforms.instagram import InstagramAdapter
from scanner.platforms.search import AccountReadSearcher
from scanner.platforms.x import XAdapter
from scanner.platforms.youtube import YouTubeAdapter
from scanner.platforms.youtube_search import YouTubeSearcher
from vigie_sandbox.server import SandboxServer
from vigie_sandbox.world import World

FB, X, YT = "sandbox-facebook-token", "sandbox-x-token", "sandbox-youtube-key"
IG_BUSINESS = "17841400000000000"
WHOLE_ROUND = LookupSettings(
    every_days=1,
    max_x_reads=10_000,
    max_youtube_units=20_000,
    max_instagram_calls=10_000,
    max_facebook_searches=10_000,
)


def avatar(entry: dict) -> str | None:
    return (
        f"https://images.test/found/{entry['platform']}/{entry['handle'].lstrip('@')}.jpg"
        if entry.get("logo")
        else None
    )


def sandbox_world() -> World:
    """Every labelled account on its platform; nothing else but the business account asking."""
    x, instagram, youtube, facebook = [], [], [], []
    for n, entry in enumerate(LOOK_ALIKES + NEIGHBOURS):
        handle, name, text = entry["handle"].lstrip("@"), entry["name"], entry.get("description") or ""
        picture = avatar(entry)
        if entry["platform"] == "x":
            x.append({"id": str(1_590_000_000_000_000_000 + n), "username": handle, "name": name,
                      "description": text, "profile_image_url": picture, "last_tweet_days_ago": 3})  # fmt: skip
        elif entry["platform"] == "instagram":
            instagram.append({"id": str(17_841_500_000_000_000 + n), "username": handle, "name": name,
                              "account_type": "business", "biography": text,
                              "profile_picture_url": picture, "last_post_days_ago": 3})  # fmt: skip
        elif entry["platform"] == "youtube":
            channel = {"id": f"UC{n:022d}", "handle": "@" + handle, "title": name, "description": text}
            if picture:
                channel["thumbnail"] = picture.removesuffix(".jpg")
            youtube.append(channel)
        else:
            facebook.append({"id": str(100_000_000_900_000 + n), "username": handle, "name": name,
                             "about": text, "picture": picture, "category": "Community"})  # fmt: skip
    return World(
        facebook={"valid_tokens": [FB], "pages": facebook},
        instagram={
            "business_account": {"id": IG_BUSINESS, "username": "csno_officiel"},
            "accounts": instagram,
        },
        x={"valid_tokens": [X], "users": x},
        youtube={"valid_keys": [YT], "channels": youtube},
    )


@cache
def judged() -> tuple[dict[tuple[str, str], Status | None], set[tuple[str, str]], dict[str, int]]:
    """(labelled account -> its verdict, or None when not found; accounts found; calls per platform)."""
    registry = world()
    with SandboxServer(sandbox_world(), now=lambda: NOW) as server:
        platforms = settings().platforms.model_copy(
            update={
                "facebook": settings().platforms.facebook.model_copy(update={"graph_url": server.url}),
                "instagram": settings().platforms.instagram.model_copy(update={"ig_user_id": IG_BUSINESS}),
                "x": settings().platforms.x.model_copy(update={"api_url": server.url}),
                "youtube": settings().platforms.youtube.model_copy(update={"api_url": server.url}),
            }
        )
        options = CallOptions(clock=lambda: NOW, timeout=5)
        adapters = {
            "facebook": FacebookAdapter(platforms.facebook, FB, options=options),
            "instagram": InstagramAdapter(platforms, FB, options=options),
            "x": XAdapter(platforms.x, X, options=options),
            "youtube": YouTubeAdapter(platforms.youtube, YT, options=options),
        }
        searchers = {
            "x": AccountReadSearcher(adapters["x"], "https://x.com/{}"),
            "instagram": AccountReadSearcher(adapters["instagram"], "https://www.instagram.com/{}/"),
            "youtube": YouTubeSearcher(platforms.youtube, YT, options),
            "facebook": FacebookSearcher(adapters["facebook"]),
        }
        night = run_lookups(registry, WHOLE_ROUND, LookupState(), searchers, dt.date(2026, 3, 10))
        discovered = []
        for platform, adapter in adapters.items():
            items = [d for d in night.discovered if d.network == platform]
            read = adapter.fetch([d.handle for d in items])
            discovered += [replace(d, snapshot=read[d.handle]) for d in items]
        calls = {p: n.calls for p, n in night.platforms.items()}
    pictures = {}
    for entry in LOOK_ALIKES + NEIGHBOURS:
        url = avatar(entry)
        if url:
            evidence = logo_evidence(entry["logo"]["id"], entry["logo"]["transform"])
            for shown in (url, url.removesuffix(".jpg") + "=s800"):  # YouTube's thumbnail size suffix
                pictures[shown] = replace(evidence, url=shown)
    ctx = Context(
        registry, settings(), NOW, images=pictures, logos=logo_fingerprints(), discovered=tuple(discovered)
    )
    flagged = {r.account for r in evaluate_discovered(ctx) if r.status is Status.NON_CONFORME}
    found = {
        account_key(d.network, d.snapshot.username or d.handle)
        for d in discovered
        if d.snapshot and d.snapshot.ok
    }
    found |= {account_key(d.network, d.handle) for d in discovered}
    verdicts = {}
    for entry in LOOK_ALIKES + NEIGHBOURS:
        key = account_key(entry["platform"], entry["handle"])
        verdicts[key] = (
            (Status.NON_CONFORME if _flagged(key, discovered, flagged) else Status.CONFORME)
            if key in found
            else None
        )
    return verdicts, found, calls


def _flagged(key, discovered, flagged) -> bool:
    """Flagged under its handle, or under the channel id a name search found it by."""
    for item in discovered:
        names = {account_key(item.network, item.handle)}
        if item.snapshot and item.snapshot.username:
            names.add(account_key(item.network, item.snapshot.username))
        if key in names and discovered_id(item.network, item.handle) in flagged:
            return True
    return False


def test_the_labelled_look_alikes_are_found_by_the_real_look_ups_and_flagged(capsys):
    verdicts, found, calls = judged()
    keys = [account_key(e["platform"], e["handle"]) for e in LOOK_ALIKES]
    located = [k for k in keys if verdicts[k] is not None]
    caught = [k for k in keys if verdicts[k] is Status.NON_CONFORME]
    wrongly = [
        account_key(e["platform"], e["handle"])
        for e in NEIGHBOURS
        if verdicts[account_key(e["platform"], e["handle"])] is Status.NON_CONFORME
    ]
    neighbours_found = [
        e for e in NEIGHBOURS if verdicts[account_key(e["platform"], e["handle"])] is not None
    ]
    recall = len(caught) / len(keys)
    precision = len(caught) / (len(caught) + len(wrongly))
    with capsys.disabled():
        print(
            f"\nend to end: {len(located)}/{len(keys)} look-alikes found by the look-ups, recall {recall:.2f} "
            f"({len(caught)} flagged), precision on critique {precision:.2f} ({len(wrongly)} of "
            f"{len(neighbours_found)} neighbours found flagged); calls {calls}"
        )
        for key in keys:
            if verdicts[key] is not Status.NON_CONFORME:
                print("  NOT CAUGHT", key, "(not found)" if verdicts[key] is None else "(found, not flagged)")
    assert precision == 1.0, wrongly
    assert neighbours_found  # the searches do bring back real neighbours, and none is flagged
    assert all(verdicts[k] is Status.NON_CONFORME for k in located)  # every look-alike found is flagged
    assert recall >= 0.9  # the chain is bounded by what the look-ups can find (see the module)


def test_every_generated_handle_of_the_labelled_set_is_found():
    """A look-alike whose handle the round searches is found: the look-ups miss nothing they ask about."""
    verdicts, _, _ = judged()
    searched = {(c.platform, c.key) for c in candidates(world())}
    for entry in LOOK_ALIKES:
        if (entry["platform"], lookup_key(entry["platform"], entry["handle"])) in searched:
            assert verdicts[account_key(entry["platform"], entry["handle"])] is not None, entry
