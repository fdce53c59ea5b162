"""The CSNO demo world: the checks find exactly the plants of expected.yaml, nothing else.

`test_demo_by_hand` builds the snapshots by hand, mirroring the world's YAML files;
`test_demo_end_to_end` audits the sandbox through the real adapters, image and link
fetchers and discovery (with `scanner.night.wiring.build_sources` once it exists).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util

import pytest
from checks_factory import CONFIG, NOW, avatar_url, context, good_snapshot, logo_fingerprints, registry
from helpers_expected import assert_matches_expected

from scanner.checks.base import PENDING, Discovered, ImageEvidence, Judges, LinkEvidence
from scanner.checks.catalogue import all_checks
from scanner.checks.runner import _LATER, evaluate_ahead, evaluate_all
from scanner.net.urls import normalise
from scanner.platforms.snapshot import PlatformAdmin, Snapshot

DEAD = "http://enf.csno.ab.ca/ancien-site"
PARENTS_AVATAR = "https://images.test/parents-eh.jpg"


def demo_snapshots() -> dict[str, Snapshot]:
    reg = registry()
    snaps = {a.id: good_snapshot(a) for a in reg.accounts if a.network.value != "facebook_group"}
    days = dt.timedelta(days=1)

    def change(account_id: str, **changes) -> None:
        snaps[account_id] = good_snapshot(next(a for a in reg.accounts if a.id == account_id), **changes)

    change("eh-x", name="École Héritage_\u0421SNO (page officielle)")
    change("enf-facebook", emails=("ecole.nouvelle.frontiere@gmail.com",))
    change("enf-facebook-ancienne", links=(DEAD, "http://www.csno.ab.ca"), last_post_at=NOW - 40 * days)
    change("eqv-x", links=("https://eqv.csno.ab.ca",))
    change(
        "eh-facebook",
        last_post_at=NOW - 75 * days,
        admins=tuple(
            PlatformAdmin(name=n)
            for n in ("Annie Pelletier (exemple)", "Luc Bergeron (exemple)", "Gabriel Lefebvre (exemple)")
        ),
    )
    change(
        "eqv-instagram",
        description="Les projets des élèves des Quatre-Vents en photos et en vidéos, chaque semaine ! www.csno.ab.ca",
    )
    return snaps


def demo_discovered() -> tuple[Discovered, ...]:
    parents = Snapshot(
        network="facebook",
        handle="ParentsEcoleHeritageCSNO",
        status=good_snapshot(registry().accounts[0]).status,
        name="Parents École Héritage_CSNO",
        description="Page des parents de l'École Héritage (Conseil scolaire du Nord-Ouest).",
        links=("https://eh.csno.ab.ca",),
        avatar_url=PARENTS_AVATAR,
    )
    town = Snapshot(
        network="facebook", handle="VillePeaceRiver", status=parents.status, name="Ville de Peace River"
    )
    return (
        Discovered(
            "facebook",
            "ParentsEcoleHeritageCSNO",
            "https://www.facebook.com/ParentsEcoleHeritageCSNO",
            "https://eh.csno.ab.ca/",
            "eh",
            parents,
        ),
        Discovered(
            "facebook",
            "VillePeaceRiver",
            "https://www.facebook.com/VillePeaceRiver",
            "https://eh.csno.ab.ca/liens",
            "eh",
            town,
        ),
        Discovered("x", "EQV_CSNO", "https://x.com/EQV_CSNO", "https://eqv.csno.ab.ca/", "eqv", None),
    )


def demo_context():
    """The demo world's accounts, pictures and links, as the audit gives them to the checks."""
    logos = logo_fingerprints()
    images = {
        avatar_url("enf-instagram"): ImageEvidence(avatar_url("enf-instagram"), fingerprint=logos["board"]),
        PARENTS_AVATAR: ImageEvidence(PARENTS_AVATAR, fingerprint=logos["eh"]),
    }
    links = {normalise(DEAD): LinkEvidence(DEAD, alive=False, status_code=404)}
    return context(demo_snapshots(), images=images, links=links, discovered=demo_discovered())


def test_demo_by_hand():
    assert_matches_expected(evaluate_all(demo_context()))


PIPELINE = (
    "scanner.night.audit",
    "vigie_sandbox.demo",
    "scanner.discovery.sites",
    "scanner.net.images",
    "scanner.net.links",
    "scanner.platforms.facebook",
    "scanner.platforms.instagram",
    "scanner.platforms.x",
    "scanner.platforms.youtube",
    "vigie_sandbox.graph",
    "vigie_sandbox.twitter",
    "vigie_sandbox.youtube",
    "vigie_sandbox.web",
)


def _pipeline_ready() -> bool:
    try:
        return all(importlib.util.find_spec(name) for name in PIPELINE)
    except ModuleNotFoundError:
        return False


def _sources(config, secrets, resolve):
    """`scanner.night.wiring.build_sources` once the lead has written it; until then, the same by hand."""
    if importlib.util.find_spec("scanner.night.wiring"):
        wiring = importlib.import_module("scanner.night.wiring")
        return wiring.build_sources(config, secrets, resolve=resolve), wiring.close_sources
    from scanner.discovery.sites import discover
    from scanner.net.fetch import Fetcher
    from scanner.net.images import ImageFetcher
    from scanner.net.imaging import fingerprint
    from scanner.net.links import LinkChecker
    from scanner.night.audit import Sources
    from scanner.platforms.facebook import FacebookAdapter
    from scanner.platforms.instagram import InstagramAdapter
    from scanner.platforms.x import XAdapter
    from scanner.platforms.youtube import YouTubeAdapter

    settings, registry_ = config.settings, config.registry
    fetcher = Fetcher(settings.network, resolve=resolve)
    logos = {school.id: fingerprint(config.path(school.logo).read_bytes()) for school in registry_.schools}
    logos["board"] = fingerprint(config.path(registry_.board.logo).read_bytes())
    facebook_token = secrets.facebook_token  # a Secret is a str
    sources = Sources(
        adapters={
            "facebook": FacebookAdapter(settings.platforms.facebook, facebook_token),
            "instagram": InstagramAdapter(settings.platforms, facebook_token),
            "x": XAdapter(settings.platforms.x, secrets.x_bearer_token),
            "youtube": YouTubeAdapter(settings.platforms.youtube, secrets.youtube_api_key),
        },
        images=ImageFetcher(fetcher),
        links=LinkChecker(fetcher),
        discover=lambda reg: discover(reg, fetcher),
        logos=logos,
    )
    return sources, lambda _sources: None


@pytest.mark.skipif(not _pipeline_ready(), reason="the adapters, sandbox or audit are not there yet")
def test_demo_end_to_end(tmp_path):
    from scanner.config.load import load_config
    from scanner.night.audit import audit
    from vigie_sandbox.demo import demo_world

    with demo_world(load_config(CONFIG), state_dir=tmp_path) as world:
        sources, close = _sources(world.config, world.secrets, world.resolve)
        try:
            outcome = audit(
                world.config.registry, world.config.settings, sources, lambda: dt.datetime.now(dt.UTC)
            )
        finally:
            close(sources)
    assert_matches_expected(outcome.results, looked_up=True)  # build_sources makes the look-ups


def test_the_checks_judged_while_pictures_download_give_the_same_verdicts():
    """`evaluate_ahead` (pictures and links still `PENDING`) then `evaluate_all`: the demo's
    verdicts, in the same order, as when everything is judged at once; the pictures' and links'
    checks were left for later, the others were not judged twice."""
    ctx = demo_context()
    early = dataclasses.replace(ctx, images=PENDING, links=PENDING)
    ahead = evaluate_ahead(early)
    later = {
        check
        for account in ctx.registry.accounts
        for check, found in zip(
            [c.id for c in all_checks() if c.judges is Judges.REGISTERED and c.applies_to(account)],
            ahead[account.id],
            strict=True,
        )
        if found is _LATER
    }
    assert {"logo.school", "logo.board", "links.alive"} <= later
    assert not later & {"names.suffix", "links.school", "permission.on-file", "admins.staff"}
    assert evaluate_all(ctx, ahead=ahead) == evaluate_all(ctx)
