"""The labelled corpus (tests/corpus/*.yaml + generated logo variants): every case, with figures.

A case labelled conforme (every expected status conforme, or « absent »: not emitted)
must pass; of the others (non-conformities, derogations, manual and unverifiable
outcomes), at least 98 % must come out as labelled. The test prints the figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from checks_factory import NOW, account, avatar_url, context, good_snapshot, logo_fingerprints, registry
from logo_variants import LOGO_IDS, TRANSFORMS, load

from scanner.checks.base import Discovered, ImageEvidence, LinkEvidence, Result
from scanner.checks.runner import discovered_id, evaluate, evaluate_discovered
from scanner.net.imaging import fingerprint
from scanner.net.urls import normalise
from scanner.platforms.snapshot import FetchStatus, PlatformAdmin, Snapshot

CORPUS = Path(__file__).parent / "corpus"
CONFORMING = {"conforme", "absent"}
SCHOOL_OF_LOGO = {"eqv": "eqv-instagram", "eh": "eh-instagram", "enf": "enf-instagram"}


@dataclass
class Case:
    id: str
    raw: dict[str, Any]
    expect: dict[str, str] = field(default_factory=dict)

    @property
    def conforming(self) -> bool:
        return all(status in CONFORMING for status in self.expect.values())


@cache
def image(logo: str, transform: str) -> ImageEvidence:
    return ImageEvidence(url="", fingerprint=fingerprint(TRANSFORMS[transform](load(logo))))


def yaml_cases() -> list[Case]:
    cases = []
    for path in sorted(CORPUS.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            cases.append(Case(id=f"{path.stem}/{raw['id']}", raw=raw, expect=raw["expect"]))
    return cases


def logo_cases() -> list[Case]:
    """Every transform of every school logo, on that school's account (conforme) and another's (not)."""
    cases = []
    for logo in LOGO_IDS:
        for transform in TRANSFORMS:
            for school, account_id in SCHOOL_OF_LOGO.items():
                status = "conforme" if school == logo else "non_conforme"
                raw = {"account": account_id, "avatar": {"logo": logo, "transform": transform}}
                cases.append(Case(f"logos/{logo}-{transform}-on-{school}", raw, {"logo.school": status}))
    return cases


def all_cases() -> list[Case]:
    return yaml_cases() + logo_cases()


# ---------------------------------------------------------------- running a case


def run(case: Case) -> dict[str, str]:
    raw = case.raw
    now = _now(raw)
    if "discovered" in raw:
        return _statuses(evaluate_discovered(_discovered_context(raw["discovered"], now)), None)
    acc = account(raw["account"], **raw.get("account_changes", {}))
    reg = registry().model_copy(
        update={"accounts": tuple(acc if a.id == acc.id else a for a in registry().accounts)}
    )
    snapshot = _snapshot(acc, raw, now)
    images, links = _evidence(acc.id, raw)
    ctx = context({acc.id: snapshot} if snapshot else {}, images=images, links=links, reg=reg, now=now)
    return _statuses(evaluate(acc, snapshot, ctx), acc.id)


def details(case: Case) -> dict[str, str]:
    raw = case.raw
    now = _now(raw)
    if "discovered" in raw:
        results = evaluate_discovered(_discovered_context(raw["discovered"], now))
    else:
        acc = account(raw["account"], **raw.get("account_changes", {}))
        snapshot = _snapshot(acc, raw, now)
        images, links = _evidence(acc.id, raw)
        results = evaluate(
            acc,
            snapshot,
            context({acc.id: snapshot} if snapshot else {}, images=images, links=links, now=now),
        )
    return {r.check: r.detail or "" for r in results}


def _now(raw: dict) -> dt.datetime:
    value = raw.get("now")
    if value is None:
        return NOW
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def _statuses(results: list[Result], account_id: str | None) -> dict[str, str]:
    return {r.check: r.status.value for r in results}


def _snapshot(acc, raw: dict, now: dt.datetime) -> Snapshot | None:
    if "snapshot" in raw and raw["snapshot"] is None:
        return None
    return good_snapshot(acc, now, **_snapshot_changes(raw.get("snapshot") or {}, now))


def _snapshot_changes(changes: dict, now: dt.datetime) -> dict:
    out = dict(changes)
    if "status" in out:
        out["status"] = FetchStatus(out["status"])
    if "last_post_days_ago" in out:
        out["last_post_at"] = now - dt.timedelta(days=out.pop("last_post_days_ago"))
    if out.get("admins") is not None and "admins" in out:
        out["admins"] = tuple(PlatformAdmin(name=name) for name in out["admins"])
    for key in ("links", "emails"):
        if key in out:
            out[key] = tuple(out[key])
    return out


def _evidence(account_id: str, raw: dict) -> tuple[dict, dict]:
    images = {}
    if "avatar" in raw:
        evidence = image(raw["avatar"]["logo"], raw["avatar"]["transform"])
        images[avatar_url(account_id)] = replace(evidence, url=avatar_url(account_id))
    if "avatar_error" in raw:
        images[avatar_url(account_id)] = ImageEvidence(avatar_url(account_id), error=raw["avatar_error"])
    links = {}
    for url, alive in (raw.get("link_status") or {}).items():
        links[normalise(url)] = LinkEvidence(
            url=url, alive=alive, status_code=404 if alive is False else None
        )
    return images, links


def _discovered_context(spec: dict, now: dt.datetime):
    spec = dict(spec)
    snap_spec = dict(spec.pop("snapshot", None) or {})
    avatar = spec.pop("avatar", None)
    url = f"https://images.test/discovered/{spec['handle']}.jpg"
    snapshot = Snapshot(
        network=spec["network"],
        handle=spec["handle"],
        status=FetchStatus.OK,
        avatar_url=url if avatar and avatar.get("logo") else None,
        **snap_spec,
    )
    images = {}
    if avatar and avatar.get("logo"):
        images[url] = replace(image(avatar["logo"], avatar["transform"]), url=url)
    item = Discovered(snapshot=snapshot, **spec)
    return context({}, images=images, discovered=(item,), now=now)


# ---------------------------------------------------------------- the tests


def test_corpus_is_big_enough():
    assert len(yaml_cases()) >= 60
    assert len(logo_cases()) >= 100


def test_corpus_figures(capsys):
    conforming_ok = conforming_total = findings_ok = findings_total = 0
    failures = []
    for case in all_cases():
        got = run(case)
        for check_id, expected in case.expect.items():
            actual = got.get(check_id, "absent")
            good = actual == expected
            if case.conforming:
                conforming_total += 1
                conforming_ok += good
            else:
                findings_total += 1
                findings_ok += good
            if not good:
                failures.append(f"{case.id}: {check_id} attendu {expected}, obtenu {actual}")
    rate = findings_ok / findings_total
    with capsys.disabled():
        print(
            f"\ncorpus: {len(all_cases())} cas ({len(yaml_cases())} écrits, {len(logo_cases())} logos générés); "
            f"étiquetés conformes {conforming_ok}/{conforming_total}; "
            f"constats trouvés {findings_ok}/{findings_total} ({rate:.1%})"
        )
        for failure in failures:
            print("  ÉCHEC", failure)
    assert conforming_ok == conforming_total, failures
    assert rate >= 0.98, failures


@pytest.mark.parametrize("case", [c for c in yaml_cases() if "detail" in c.raw], ids=lambda c: c.id)
def test_corpus_details(case):
    got = details(case)
    for check_id, fragment in case.raw["detail"].items():
        assert fragment in got.get(check_id, ""), (check_id, got.get(check_id))


def test_discovered_ids():
    assert discovered_id("facebook", "@Parents") == "decouvert:facebook:Parents"
    assert logo_fingerprints()["board"]
