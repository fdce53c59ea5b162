"""The pictures' process (`scanner.net.image_process`): the same answers as `ImageFetcher`, from a
child process, over HTTP to the sandbox; a child that dies leaves reasons, not a hung night."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest

from scanner.config.models import NetworkSettings
from scanner.net import image_process
from scanner.net.fetch import Fetcher
from scanner.net.image_process import GONE, MAX_RESTARTS, ImageProcess, children_cpu
from scanner.net.images import ImageFetcher, default_cache_path
from vigie_sandbox import web
from vigie_sandbox.server import SandboxServer
from vigie_sandbox.world import World

LOGOS = Path(__file__).resolve().parents[1] / "config" / "logos"
CDN = "https://cdn.test"
URLS = [f"{CDN}/eqv.jpg", f"{CDN}/csno.png", f"{CDN}/eqv-copie.jpg"]


@pytest.fixture()
def sandbox(tmp_path):
    assets = tmp_path / "assets"
    assets.mkdir()
    (assets / "text.txt").write_bytes(b"hello")
    jpeg = {"source": str(LOGOS / "eqv.png"), "size": 200, "format": "jpeg", "quality": 80}
    media = {
        "cdn.test": {
            "/eqv.jpg": jpeg,
            "/eqv-copie.jpg": dict(jpeg),
            "/csno.png": {"source": str(LOGOS / "csno.png"), "size": 120},
            "/lent.png": {"source": str(LOGOS / "csno.png"), "size": 120},
            "/texte": {"source": "text.txt", "raw": True, "content_type": "text/plain"},
        }
    }
    with SandboxServer(World(web={"media": media}, assets=assets), routes=[web.route]) as server:
        yield server


def network() -> NetworkSettings:
    return NetworkSettings(allow_private_addresses=True)


def resolve(server) -> dict[str, str]:
    return {"*": f"127.0.0.1:{server.port}"}


@pytest.fixture()
def process(sandbox, tmp_path):
    images = ImageProcess(network(), default_cache_path(tmp_path / "var"), resolve=resolve(sandbox))
    yield images
    images.stop()


def test_the_same_evidence_as_in_the_nights_own_process(sandbox, process):
    here = ImageFetcher(Fetcher(network(), resolve=resolve(sandbox))).fetch_many(URLS)
    sandbox.clear_log()
    ticks = []
    there = process.fetch_many([*URLS, URLS[0]], advance=lambda: ticks.append(1))
    assert list(there) == URLS and len(ticks) == 3
    assert there == here  # fingerprints, sizes, URLs
    assert all(evidence.error is None for evidence in there.values())
    assert process.stats() == {"downloads": 3, "not_modified": 0, "fresh": 0, "fingerprinted": 2}
    assert sorted(r.path for r in sandbox.log) == ["/csno.png", "/eqv-copie.jpg", "/eqv.jpg"]


def test_prefetched_pictures_are_waited_for_not_asked_again(sandbox, process):
    process.prefetch(URLS[:2])
    process.prefetch(URLS[:2])
    found = process.fetch_many(URLS)
    assert all(e.error is None for e in found.values())
    assert sorted(r.path for r in sandbox.log) == ["/csno.png", "/eqv-copie.jpg", "/eqv.jpg"]


def test_a_refused_picture_has_its_french_reason_and_the_child_logs_here(sandbox, caplog):
    with caplog.at_level(logging.INFO, logger="scanner"):  # the child logs at the night's level
        process = ImageProcess(network(), None, resolve=resolve(sandbox))
        try:
            evidence = process.fetch(f"{CDN}/texte")
            process.stats()  # a round trip: the child's log line has come up before its answer
        finally:
            process.stop()
    assert evidence.fingerprint is None and evidence.error == "type de contenu inattendu\u00a0: text/plain"
    assert any(r.name == "scanner.net.images" and "cdn.test/texte" in r.getMessage() for r in caplog.records)


def test_the_cache_is_saved_by_the_child_and_read_by_the_next_night(sandbox, tmp_path):
    cache = default_cache_path(tmp_path / "var")
    first = ImageProcess(network(), cache, resolve=resolve(sandbox))
    before = first.fetch_many(URLS)
    first.close()
    first.save()
    first.stop()
    stored = json.loads(cache.read_text())["entries"]
    assert set(stored) == set(URLS)

    sandbox.clear_log()
    later = lambda: time.time() + 2 * 86400  # noqa: E731 - past the CDN's one-day max-age
    second = ImageProcess(network(), cache, resolve=resolve(sandbox), now=later)
    try:
        assert sorted(second.due()) == sorted(URLS)  # the run's clock reached the child
        after = second.fetch_many(URLS)
        assert second.stats()["downloads"] == 0 and second.stats()["not_modified"] == 3
    finally:
        second.stop()
    assert after == before
    assert {r.status for r in sandbox.log} == {304}


def test_a_picture_for_the_report_comes_from_the_child(sandbox, process):
    data = process.picture(f"{CDN}/csno.png")
    assert data is not None and data.startswith(b"\x89PNG")


def test_a_platform_key_names_the_picture_behind_a_new_url(sandbox, process):
    """Graph's `cache_key`: a second URL of the same picture is not downloaded again."""
    process.identify([(URLS[0], "k1"), (URLS[2], "k1")])
    found = process.fetch_many([URLS[0], URLS[2]])
    assert found[URLS[2]].fingerprint == found[URLS[0]].fingerprint
    assert found[URLS[2]].url == URLS[2]
    assert len(sandbox.requests_to("media")) == 1


def kill_when_started(process: ImageProcess, url: str) -> None:
    process.prefetch([url])
    time.sleep(0.3)  # the download has started in the child
    os.kill(process._process.pid, signal.SIGKILL)


def test_a_child_that_dies_is_replaced_and_asked_again(sandbox, process, caplog):
    sandbox.faults.set("media", latency=1)
    first = process._process.pid
    kill_when_started(process, f"{CDN}/lent.png")
    evidence = process.fetch_many([f"{CDN}/lent.png", URLS[0]])
    assert all(e.error is None and e.fingerprint is not None for e in evidence.values())
    assert process._process.pid != first
    assert any("started again" in r.getMessage() for r in caplog.records)


def test_a_child_that_keeps_dying_leaves_reasons_and_the_night_goes_on(sandbox, process):
    sandbox.faults.set("media", latency=5)
    for _ in range(MAX_RESTARTS + 1):
        killed = process._process.pid
        kill_when_started(process, f"{CDN}/lent.png")
        deadline = time.time() + 10
        while process._process.pid == killed and not process._gone and time.time() < deadline:
            time.sleep(0.05)  # until its reader has seen the pipe close and replaced it (or not)
    assert process._gone
    evidence = process.fetch_many([f"{CDN}/lent.png", URLS[0]])
    assert {e.error for e in evidence.values()} == {GONE}
    assert process.stats() == {} and process.due() == [] and process.picture(URLS[1]) is None
    process.save()  # nothing to save, nothing raised


def never_starts(conn, *args) -> None:
    """A child that ends before it says it has started (a machine where it cannot run)."""
    conn.close()


def test_a_child_that_cannot_start_leaves_the_pictures_to_this_process(sandbox, tmp_path, caplog):
    cache = default_cache_path(tmp_path / "var")
    process = ImageProcess(network(), cache, resolve=resolve(sandbox), target=never_starts)
    try:
        process.identify([(URLS[0], "k1"), (URLS[2], "k1")])
        found = process.fetch_many(URLS)
        assert all(e.error is None for e in found.values())
        assert found[URLS[2]].fingerprint == found[URLS[0]].fingerprint
        assert process.stats()["downloads"] == 2  # the key said URLS[2] is URLS[0]'s picture
        assert process.picture(URLS[1]).startswith(b"\x89PNG")
        process.close()
        process.save()
    finally:
        process.stop()
    assert set(json.loads(cache.read_text())["entries"]) == {"cache_key:k1", URLS[1]}
    assert any("could not start" in r.getMessage() for r in caplog.records)


def test_the_childs_cpu_is_counted_once_it_has_stopped(sandbox, tmp_path):
    before = children_cpu()
    images = ImageProcess(network(), None, resolve=resolve(sandbox))
    images.fetch_many(URLS)
    images.stop()
    assert children_cpu() > before


class _NoFork:
    """A multiprocessing context on a machine that refuses to start a process."""

    Pipe = staticmethod(multiprocessing.Pipe)

    class Process:
        def __init__(self, **_: object) -> None:
            pass

        def start(self) -> None:
            raise OSError("fork refused")


def test_a_child_that_cannot_be_forked_leaves_the_pictures_to_this_process(sandbox, monkeypatch, caplog):
    monkeypatch.setattr(image_process, "_context", _NoFork)
    process = ImageProcess(network(), None, resolve=resolve(sandbox))
    try:
        found = process.fetch_many(URLS)
        assert all(e.error is None and e.fingerprint is not None for e in found.values())
        assert process.stats()["downloads"] == 3
    finally:
        process.close()
        process.stop()
    assert any("could not start (fork refused)" in r.getMessage() for r in caplog.records)
