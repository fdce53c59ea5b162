"""Profile pictures: conditional GET with a cache between runs, limits, decompression bombs."""

from __future__ import annotations

import json
import struct
import time
import zlib
from pathlib import Path

import pytest

from scanner.config.models import NetworkSettings
from scanner.net import imaging
from scanner.net.fetch import Fetcher
from scanner.net.images import (
    MAX_FRESH_DAYS,
    ImageFetcher,
    default_cache_path,
    fresh_until,
    names_its_picture,
)
from vigie_sandbox import web
from vigie_sandbox.server import SandboxServer
from vigie_sandbox.world import World

LOGOS = Path(__file__).resolve().parents[1] / "config" / "logos"
CDN = "https://cdn.test"


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG that claims to be width x height (what a decompression bomb looks like)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.fixture()
def sandbox(tmp_path):
    assets = tmp_path / "assets"
    assets.mkdir()
    (assets / "bomb.png").write_bytes(png_header(30_000, 30_000))
    (assets / "bomb-warning.png").write_bytes(png_header(6_000, 6_000))
    (assets / "text.txt").write_bytes(b"hello")
    (assets / "fake.png").write_bytes(b"this is not a png at all")
    media = {
        "cdn.test": {
            "/eqv.jpg": {"source": str(LOGOS / "eqv.png"), "size": 200, "format": "jpeg", "quality": 80},
            "/eqv-copie.jpg": {
                "source": str(LOGOS / "eqv.png"),
                "size": 200,
                "format": "jpeg",
                "quality": 80,
            },
            "/csno.png": {"source": str(LOGOS / "csno.png"), "size": 120},
            "/bombe.png": {"source": "bomb.png", "raw": True, "content_type": "image/png"},
            "/bombe-avertissement.png": {
                "source": "bomb-warning.png",
                "raw": True,
                "content_type": "image/png",
            },
            "/texte": {"source": "text.txt", "raw": True, "content_type": "text/plain"},
            "/faux.png": {"source": "fake.png", "raw": True, "content_type": "image/png"},
        }
    }
    with SandboxServer(World(web={"media": media}, assets=assets), routes=[web.route]) as server:
        yield server


def images_for(server, cache: Path | None = None, now=time.time, **settings) -> ImageFetcher:
    network = NetworkSettings(allow_private_addresses=True, **settings)
    return ImageFetcher(Fetcher(network, resolve={"*": f"127.0.0.1:{server.port}"}), cache, now=now)


def two_days_later() -> float:
    """Past the sandbox CDN's `Cache-Control: max-age=86400`: the cache must ask again."""
    return time.time() + 2 * 86400


def test_fingerprint_of_a_served_logo(sandbox):
    evidence = images_for(sandbox).fetch(f"{CDN}/eqv.jpg")
    assert evidence.error is None
    assert (evidence.width, evidence.height) == (200, 200)
    official = imaging.fingerprint((LOGOS / "eqv.png").read_bytes())
    assert imaging.distance(evidence.fingerprint, official) <= 4


def test_each_url_is_fetched_once_per_run(sandbox):
    images = images_for(sandbox)
    url = f"{CDN}/eqv.jpg"
    results = images.fetch_many([url, url, url])
    again = images.fetch(url)
    assert list(results) == [url]
    assert again == results[url]
    assert len(sandbox.requests_to("media")) == 1


def test_prefetched_images_are_not_asked_again(sandbox):
    """The audit starts a platform's pictures as soon as it answers; fetch_many waits for them."""
    images = images_for(sandbox)
    images.prefetch([f"{CDN}/eqv.jpg", f"{CDN}/csno.png"])
    found = images.fetch_many([f"{CDN}/csno.png", f"{CDN}/eqv.jpg", f"{CDN}/eqv-copie.jpg"])
    images.close()
    assert list(found) == [f"{CDN}/csno.png", f"{CDN}/eqv.jpg", f"{CDN}/eqv-copie.jpg"]
    assert all(e.error is None for e in found.values())
    assert sorted(r.path for r in sandbox.requests_to("media")) == ["/csno.png", "/eqv-copie.jpg", "/eqv.jpg"]
    assert images.fetch_many([f"{CDN}/eqv.jpg"])[f"{CDN}/eqv.jpg"] == found[f"{CDN}/eqv.jpg"]  # after close


def test_identical_content_is_fingerprinted_once(sandbox):
    images = images_for(sandbox)
    found = images.fetch_many([f"{CDN}/eqv.jpg", f"{CDN}/eqv-copie.jpg", f"{CDN}/csno.png"])
    assert all(e.error is None for e in found.values())
    assert images.stats() == {"downloads": 3, "not_modified": 0, "fresh": 0, "fingerprinted": 2}


def test_conditional_get_between_runs(sandbox, tmp_path):
    cache = default_cache_path(tmp_path / "var")
    urls = [f"{CDN}/eqv.jpg", f"{CDN}/csno.png"]
    first = images_for(sandbox, cache)
    before = first.fetch_many(urls)
    first.save()
    assert cache.exists()
    assert not list(cache.parent.glob("*.tmp"))  # written atomically: no temporary file left
    stored = json.loads(cache.read_text())["entries"]
    assert set(stored) == set(urls) and all(e["etag"] for e in stored.values())

    sandbox.clear_log()
    second = images_for(sandbox, cache, now=two_days_later)
    after = second.fetch_many(urls)
    assert second.stats() == {"downloads": 0, "not_modified": 2, "fresh": 0, "fingerprinted": 0}
    assert [r.status for r in sandbox.log] == [304, 304]
    for url in urls:
        assert after[url].fingerprint == before[url].fingerprint
        assert after[url].width == before[url].width


def test_unreadable_cache_starts_afresh(sandbox, tmp_path):
    cache = tmp_path / "cache" / "images.json"
    cache.parent.mkdir()
    cache.write_text("{ pas du json")
    images = images_for(sandbox, cache)
    assert images.fetch(f"{CDN}/eqv.jpg").error is None
    assert images.stats()["downloads"] == 1
    images.save()
    assert json.loads(cache.read_text())["version"] == 1


def test_cached_fingerprint_of_another_version_is_fetched_again(sandbox, tmp_path):
    cache = tmp_path / "images.json"
    first = images_for(sandbox, cache)
    first.fetch(f"{CDN}/eqv.jpg")
    first.save()
    data = json.loads(cache.read_text())
    data["entries"][f"{CDN}/eqv.jpg"]["fingerprint"] = "v0:ancien"
    cache.write_text(json.dumps(data))
    second = images_for(sandbox, cache)
    assert second.fetch(f"{CDN}/eqv.jpg").fingerprint is not None
    assert second.stats()["downloads"] == 1


def test_content_type_must_be_an_image(sandbox):
    evidence = images_for(sandbox).fetch(f"{CDN}/texte")
    assert evidence.fingerprint is None
    assert evidence.error == "type de contenu inattendu\u00a0: text/plain"


def test_size_cap(sandbox):
    evidence = images_for(sandbox, max_image_bytes=1_000).fetch(f"{CDN}/eqv.jpg")
    assert evidence.error == "réponse trop volumineuse (plus de 1\u00a0ko)"


@pytest.mark.parametrize("path", ["/bombe.png", "/bombe-avertissement.png"])
def test_decompression_bomb_is_refused(sandbox, path):
    evidence = images_for(sandbox).fetch(CDN + path)
    assert evidence.fingerprint is None
    assert "trop grande" in evidence.error


def test_bytes_that_are_not_an_image(sandbox):
    evidence = images_for(sandbox).fetch(f"{CDN}/faux.png")
    assert evidence.fingerprint is None and evidence.error == "image illisible"


def test_last_runs_stale_pictures_are_due_and_a_dropped_one_only_once(sandbox, tmp_path):
    cache = default_cache_path(tmp_path / "var")
    kept, dropped = f"{CDN}/eqv.jpg", f"{CDN}/csno.png"
    first = images_for(sandbox, cache)
    first.fetch_many([kept, dropped])
    first.save()
    assert images_for(sandbox, cache).due() == []  # still fresh per max-age: nothing to ask

    sandbox.clear_log()
    second = images_for(sandbox, cache, now=two_days_later)
    assert sorted(second.due()) == sorted([kept, dropped])
    second.prefetch(second.due())  # what the audit does when the night starts
    assert second.fetch_many([kept])[kept].error is None  # tonight only `kept` is still shown
    second.close()
    second.save()
    assert sorted(r.path for r in sandbox.log) == ["/csno.png", "/eqv.jpg"]  # one 304 each, no repeat
    assert {r.status for r in sandbox.log} == {304}

    four_days_later = lambda: time.time() + 4 * 86400  # noqa: E731
    assert images_for(sandbox, cache, now=four_days_later).due() == [kept]  # the dropped one is not


def test_freshness_follows_max_age_and_spreads_long_ones_over_the_week():
    now = 1_000_000.0
    assert fresh_until("u", "max-age=86400", now) == now + 86400  # short: as the CDN says
    assert fresh_until("u", "public, max-age=3600, no-cache", now) == 0
    assert fresh_until("u", "no-store", now) == 0 and fresh_until("u", None, now) == 0
    week = MAX_FRESH_DAYS * 86400
    due = [fresh_until(f"https://cdn.test/{n}.jpg", "max-age=2592000", now) - now for n in range(500)]
    assert all(0.75 * week <= d <= week for d in due)  # capped, never beyond a week
    days = {int(d // 86400) for d in due}
    assert len(days) >= 2  # not all due the same night
    assert fresh_until("https://cdn.test/1.jpg", "max-age=2592000", now) == due[1] + now  # stable per URL


def test_a_url_that_names_its_picture_is_kept_the_week_despite_a_one_day_max_age():
    now = 1_000_000.0
    week = MAX_FRESH_DAYS * 86400
    versioned = [
        "https://pbs.twimg.com/profile_images/2284174872/7df3h38zabcvjylnyfe3_normal.png",  # X's own example
        "https://pbs.twimg.com/profile_banners/783214/1646075315",
        "https://yt3.ggpht.com/ytc/AMLnZu-oDvWEJ-WfN9bgxQB2YAlnjC2uqN_c7JQZvX9Ikfg=s800-c-k-c0x00ffffff-no-rj",
        "https://yt3.googleusercontent.com/abc123=w2560-fcrop64=1",
    ]
    for url in versioned:
        assert names_its_picture(url), url
        assert 0.75 * week <= fresh_until(url, "max-age=86400", now) - now <= week, url
        assert fresh_until(url, "no-cache", now) == 0  # what the CDN forbids stays forbidden
    same_url_new_bytes = [
        "https://i.ytimg.com/vi/2cHddIA4EvY/hqdefault.jpg",  # a replaced video thumbnail keeps its URL
        "https://pbs.twimg.com/media/FZ3x.jpg",
        "https://cdn.example.org/profile_images/1/a.png",  # the path alone is not enough
        "https://nottwimg.com/profile_images/1/a.png",
        "https://yt3.ggpht.com.evil.test/x",
    ]
    for url in same_url_new_bytes:
        assert not names_its_picture(url), url
        assert fresh_until(url, "max-age=86400", now) == now + 86400, url


def test_missing_image(sandbox):
    evidence = images_for(sandbox).fetch(f"{CDN}/absente.jpg")
    assert evidence.error == "le serveur de l'image répond 404"


def test_timeout_is_a_reason_not_an_exception(sandbox):
    sandbox.faults.set("media", latency=1.0)
    evidence = images_for(sandbox, timeout=0.2).fetch(f"{CDN}/eqv.jpg")
    assert evidence.error == "délai dépassé"


def test_an_image_still_fresh_per_cache_control_is_not_asked_again(sandbox, tmp_path):
    cache = default_cache_path(tmp_path / "var")
    url = f"{CDN}/eqv.jpg"
    first = images_for(sandbox, cache)
    before = first.fetch(url)
    first.save()
    sandbox.clear_log()
    second = images_for(sandbox, cache)  # the next night, within the CDN's max-age
    assert second.fetch(url) == before
    assert second.stats()["fresh"] == 1 and sandbox.log == []


def test_a_shown_picture_is_kept_with_its_entry_and_goes_with_it(sandbox, tmp_path):
    """One store: the report's pictures live beside images.json and leave with their URL's entry."""
    cache = default_cache_path(tmp_path / "var")
    url = f"{CDN}/eqv.jpg"
    first = images_for(sandbox, cache)
    first.fetch(url)
    data = first.picture(url)
    first.save()
    kept = list((cache.parent / "images").glob("*.img"))
    assert data and len(kept) == 1 and kept[0].read_bytes() == data

    sandbox.clear_log()
    assert images_for(sandbox, cache).picture(url) == data
    assert sandbox.requests_to("media") == []  # shown again: from the disk

    images_for(sandbox, cache, now=lambda: time.time() + 31 * 86400).save()  # a month unseen
    assert json.loads(cache.read_text())["entries"] == {}
    assert list((cache.parent / "images").glob("*.img")) == []
    assert images_for(sandbox).picture(f"{CDN}/texte") is None  # not an image: nothing to show
