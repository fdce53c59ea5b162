"""Issues 7 and 12 as behaviour: a generated world costs the batched minimum of API calls, and a
second night 24 hours later (every signed picture URL rotated, the CDN's max-age run out) on the
unchanged world downloads no image again (304s only). Not timed."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from benchmarks.bench_scale import batched_minimum, count_requests
from benchmarks.world_gen import generate, secrets
from scanner.config.load import load_config
from scanner.config.models import LookupSettings
from scanner.net.images import names_its_picture
from scanner.night.audit import audit
from scanner.night.wiring import build_sources, close_sources
from vigie_sandbox.demo import demo_settings
from vigie_sandbox.server import SandboxServer

N = 60


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    """Two audits of the same generated world: the request log of each, and the outcomes."""
    folder = tmp_path_factory.mktemp("scale")
    generated = generate(N, folder / "config")
    config = load_config(generated.folder)
    logs, outcomes = [], []
    first = dt.datetime.now(dt.UTC)
    when = [first]
    with SandboxServer(generated.world, now=lambda: when[0]) as sandbox:
        settings = demo_settings(config.settings, sandbox.url, 25, folder / "var")
        # the reads' batched minimum: a night without look-alike look-ups (benchmarks/bench_lookups.py)
        settings = settings.model_copy(update={"lookups": LookupSettings.off()})
        night = config.model_copy(update={"settings": settings})
        for hours in (0, 24):
            when[0] = first + dt.timedelta(hours=hours)
            clock = lambda: when[0]  # noqa: E731
            sandbox.clear_log()
            resolve = {"*": f"127.0.0.1:{sandbox.port}"}
            sources = build_sources(night, secrets(), resolve=resolve, clock=clock)
            try:
                outcomes.append(audit(night.registry, night.settings, sources, clock))
            finally:
                close_sources(sources)
            logs.append([(entry.endpoint, entry.status, entry.at, entry.host) for entry in sandbox.log])
    return generated, logs, outcomes


def test_the_world_has_the_requested_mix(nights):
    generated, _, _ = nights
    assert generated.per_network == {"facebook": 24, "instagram": 12, "x": 18, "youtube": 6}


def test_every_account_is_verified_both_nights(nights):
    _, _, outcomes = nights
    assert all(a.verified for outcome in outcomes for a in outcome.accounts)


@pytest.mark.parametrize("night", [0, 1])
def test_api_calls_are_the_batched_minimum(nights, night):
    generated, logs, _ = nights
    calls, _ = count_requests(logs[night])
    minimum = batched_minimum(generated.per_network, first_night=night == 0, managed=generated.managed_pages)
    assert calls == minimum


def test_no_request_fails(nights):
    _, logs, _ = nights
    statuses = Counter(status for log in logs for _, status, *_ in log)
    assert set(statuses) <= {200, 304, 404}  # 404: the planted dead links only


def test_first_night_downloads_each_image_once(nights):
    _, logs, outcomes = nights
    images = Counter(status for endpoint, status, *_ in logs[0] if endpoint == "media")
    wanted = {u for s in outcomes[0].snapshots.values() if s.ok for u in (s.avatar_url, s.cover_url) if u}
    assert images == {200: len(wanted)}


def test_second_night_downloads_no_image_again(nights):
    _, logs, outcomes = nights
    first = Counter(status for endpoint, status, *_ in logs[0] if endpoint == "media")
    second = Counter(status for endpoint, status, *_ in logs[1] if endpoint == "media")
    # 24 hours later the CDN's one-day max-age has run out, but no picture is asked again: the signed
    # ones have a new URL for the same CDN path, and X's and YouTube's URLs name one version of their
    # picture (a changed picture comes with a new URL); the others would be asked again (304s only).
    pictures = {u for s in outcomes[1].snapshots.values() if s.ok for u in (s.avatar_url, s.cover_url) if u}
    versioned = {u for u in pictures if names_its_picture(u)}
    unsigned = {u for u in pictures if "oe=" not in u and u not in versioned}
    assert versioned and len(pictures) <= first[200]
    assert set(second) <= {304} and second.get(304, 0) == len(unsigned)

    # and the evidence is the same as the first night's
    # the Facebook and Instagram URLs rotated, and the evidence is the same pictures' as the first night's
    def by_account(outcome):
        return {
            (account_id, kind): outcome.context.images[url].fingerprint
            for account_id, snap in outcome.snapshots.items()
            if snap.ok
            for kind, url in (("avatar", snap.avatar_url), ("cover", snap.cover_url))
            if url
        }

    first, second = (by_account(o) for o in outcomes)
    assert first == second and None not in first.values()
    rotated = [s.avatar_url for s in outcomes[1].snapshots.values() if s.network in ("facebook", "instagram")]
    assert rotated and not set(rotated) & {s.avatar_url for s in outcomes[0].snapshots.values()}
