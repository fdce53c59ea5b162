"""Small factories for the check tests: the demo registry, conforming snapshots, a Context.

`good_snapshot(account)` is what a DA 142-compliant account looks like on its
platform; tests and corpus cases change one thing in it and look at the result.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from scanner.checks.base import Context, Discovered, ImageEvidence, LinkEvidence
from scanner.config.models import Account, Network, Registry, Settings
from scanner.net.imaging import Fingerprint, fingerprint
from scanner.net.urls import normalise
from scanner.platforms.snapshot import FetchStatus, PlatformAdmin, Snapshot

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config"
NOW = dt.datetime(2026, 3, 10, 17, 0, tzinfo=dt.UTC)  # 10 mars 2026, 10 h à Edmonton


@functools.cache
def registry() -> Registry:
    return Registry(**yaml.safe_load((CONFIG / "registry.yaml").read_text(encoding="utf-8")))


@functools.cache
def settings() -> Settings:
    return Settings(**yaml.safe_load((CONFIG / "settings.yaml").read_text(encoding="utf-8")))


@functools.cache
def logo_fingerprints() -> dict[str, Fingerprint]:
    reg = registry()
    logos = {school.id: fingerprint((CONFIG / school.logo).read_bytes()) for school in reg.schools}
    logos["board"] = fingerprint((CONFIG / reg.board.logo).read_bytes())
    return logos


def account(account_id: str, **changes: Any) -> Account:
    base = next(a for a in registry().accounts if a.id == account_id)
    if not changes:
        return base
    return Account.model_validate({**base.model_dump(), **changes})


def avatar_url(account_id: str) -> str:
    return f"https://images.test/{account_id}/avatar.jpg"


def cover_url(account_id: str) -> str:
    return f"https://images.test/{account_id}/cover.jpg"


def good_snapshot(acc: Account, now: dt.datetime = NOW, **changes: Any) -> Snapshot:
    """The account as DA 142 wants it on its platform."""
    reg = registry()
    school = reg.school(acc.school)
    kind = "page officielle" if acc.official else "classe officielle"
    facebook = acc.network in (Network.FACEBOOK, Network.FACEBOOK_GROUP)
    snapshot = Snapshot(
        network=acc.network.value,
        handle=acc.handle,
        status=FetchStatus.OK,
        platform_id=f"id-{acc.id}",
        name=acc.name,
        username=acc.handle.lstrip("@"),
        description=f"{kind.capitalize()} de l'{school.name}, organisme du {reg.board.name}.",
        links=(school.website, reg.board.website),
        avatar_url=avatar_url(acc.id),
        cover_url=None if acc.network is Network.INSTAGRAM else cover_url(acc.id),
        category="School" if facebook else None,
        page_kind="page" if acc.network is Network.FACEBOOK else None,
        emails=(school.email,) if facebook and acc.official else (),
        admins=tuple(PlatformAdmin(name=a.name) for a in acc.admins) if facebook else None,
        last_post_at=now - dt.timedelta(days=2),
        fetched_at=now,
    )
    return replace(snapshot, **changes) if changes else snapshot


def good_images(accounts: Iterable[Account]) -> dict[str, ImageEvidence]:
    logos = logo_fingerprints()
    images = {}
    for acc in accounts:
        images[avatar_url(acc.id)] = ImageEvidence(avatar_url(acc.id), fingerprint=logos[acc.school])
        images[cover_url(acc.id)] = ImageEvidence(cover_url(acc.id), fingerprint=logos["board"])
    return images


def alive_links(snapshots: Iterable[Snapshot]) -> dict[str, LinkEvidence]:
    links = {}
    for snapshot in snapshots:
        for url in snapshot.links:
            links[normalise(url)] = LinkEvidence(url=url, alive=True, status_code=200)
    return links


def context(
    snapshots: Mapping[str, Snapshot] | None = None,
    *,
    images: Mapping[str, ImageEvidence] | None = None,
    links: Mapping[str, LinkEvidence] | None = None,
    discovered: tuple[Discovered, ...] = (),
    reg: Registry | None = None,
    now: dt.datetime = NOW,
) -> Context:
    reg = reg or registry()
    snapshots = dict(snapshots or {})
    all_images = good_images(reg.accounts)
    all_images.update(images or {})
    all_links = alive_links(snapshots.values())
    all_links.update(links or {})
    return Context(
        registry=reg,
        settings=settings(),
        now=now,
        snapshots=snapshots,
        images=all_images,
        links=all_links,
        logos=logo_fingerprints(),
        discovered=discovered,
    )
