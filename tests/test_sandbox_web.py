"""The sandbox's websites and image CDNs (vigie_sandbox.web, vigie_sandbox.images)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import requests
import yaml
from PIL import Image

from scanner.net import imaging
from vigie_sandbox import web
from vigie_sandbox.server import SandboxServer
from vigie_sandbox.world import DEMO_WORLD, World

CONFIG = Path(__file__).resolve().parents[1] / "config"


@pytest.fixture(scope="module")
def demo():
    with SandboxServer(World.demo(), routes=[web.route]) as server:
        yield server


def get(server, url: str, method: str = "GET", **headers: str) -> requests.Response:
    match = re.match(r"https?://([^/]+)(/.*)?$", url)
    assert match, url
    return requests.request(
        method,
        server.url + (match.group(2) or "/"),
        headers={"Host": match.group(1), **headers},
        allow_redirects=False,
    )


def registry() -> dict:
    return yaml.safe_load((CONFIG / "registry.yaml").read_text(encoding="utf-8"))


# ---------------------------------------------------------------- websites


def test_every_site_of_the_registry_answers(demo):
    data = registry()
    for website in [data["board"]["website"], *(s["website"] for s in data["schools"])]:
        response = get(demo, website + "/")
        assert response.status_code == 200, website
        assert response.headers["Content-Type"].startswith("text/html")


def test_any_other_page_answers_200_except_the_old_enf_site(demo):
    assert get(demo, "https://eqv.csno.ab.ca/une/page/quelconque").status_code == 200
    assert get(demo, "https://enf.csno.ab.ca/ancien-site").status_code == 404
    assert get(demo, "https://enf.csno.ab.ca/ancien-site/").status_code == 404


def test_bare_domain_redirects_to_www(demo):
    response = get(demo, "https://csno.ab.ca/")
    assert response.status_code == 301
    assert response.headers["Location"] == "https://www.csno.ab.ca/"


def test_eh_home_links_the_look_alike(demo):
    body = get(demo, "https://eh.csno.ab.ca/").text
    assert 'href="https://www.facebook.com/ParentsEcoleHeritageCSNO"' in body
    assert "École Héritage" in body


def test_unknown_host_is_left_to_other_routes(demo):
    response = get(demo, "https://inconnu.example/")
    assert response.status_code == 404
    assert demo.log[-1].endpoint == "none"


def test_pages_are_logged_as_web_page(demo):
    get(demo, "https://eqv.csno.ab.ca/")
    assert demo.log[-1].endpoint == "web.page"


def test_redirect_loop_and_head_refusal_can_be_described(tmp_path):
    sites = {
        "a.test": {
            "/x": {"redirect": "/y"},
            "/y": {"redirect": "/x", "status": 307},
            "/h": {"head_status": 405},
        }
    }
    with SandboxServer(World(web={"sites": sites}), routes=[web.route]) as server:
        assert get(server, "https://a.test/x").headers["Location"] == "/y"
        assert get(server, "https://a.test/y").status_code == 307
        assert get(server, "https://a.test/h", "HEAD").status_code == 405
        assert get(server, "https://a.test/h").status_code == 200
        assert get(server, "https://a.test/ailleurs").status_code == 404


# ---------------------------------------------------------------- media


def _world_image_urls() -> set[str]:
    """Every image URL the other demo-world files put in profiles."""
    urls: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and re.match(r"https://(?:scontent|pbs|yt3)\.sandbox\.", value):
            urls.add(value)

    for name in ("facebook", "instagram", "x", "youtube"):
        path = DEMO_WORLD / f"{name}.yaml"
        if path.exists():
            walk(yaml.safe_load(path.read_text("utf-8")))
    # YouTube thumbnails are given without their size: the API adds "=s88", "=s240", "=s800".
    return {u + "=s800" if "ggpht" in u and "banner" not in u and "=s" not in u else u for u in urls}


def test_every_image_of_the_other_worlds_is_served(demo):
    urls = _world_image_urls()
    assert len(urls) >= 20
    for url in sorted(urls):
        response = get(demo, url)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"].startswith("image/")
        Image.open(io.BytesIO(response.content)).load()


def test_every_registry_account_has_convention_images(demo):
    """Every picture web.yaml declares is served; an account declared without a banner has none."""
    declared = yaml.safe_load((DEMO_WORLD / "web.yaml").read_text(encoding="utf-8"))["accounts"]
    for account in registry()["accounts"]:
        if account["network"] == "facebook_group":
            continue
        for kind, urls in web.media_urls(account["network"], account["id"]).items():
            expected = 200 if kind in declared[account["id"]] else 404
            for url in urls:
                assert get(demo, url).status_code == expected, (account["id"], kind, url)


@pytest.mark.parametrize(
    ("url", "size"),
    [
        ("https://pbs.sandbox.twimg.com/profile_images/eqv-x_normal.jpg", (48, 48)),
        ("https://pbs.sandbox.twimg.com/profile_images/eqv-x.jpg", (400, 400)),
        ("https://pbs.sandbox.twimg.com/profile_banners/eqv-x/1500x500", (1500, 500)),
        ("https://yt3.sandbox.ggpht.com/eqv-bibliotheque-youtube=s800", (800, 800)),
        ("https://scontent.sandbox.fbcdn.net/eh-facebook-cover.jpg", (820, 312)),
        ("https://scontent.sandbox.cdninstagram.com/eh-instagram.jpg", (150, 150)),
    ],
)
def test_images_are_transformed(demo, url, size):
    response = get(demo, url)
    assert response.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(response.content)).size == size


def test_avatars_are_the_school_logos_except_the_planted_one(demo):
    logos = {
        n: imaging.fingerprint((CONFIG / "logos" / f"{n}.png").read_bytes())
        for n in ("csno", "eqv", "eh", "enf")
    }

    def closest(url: str) -> str:
        found = imaging.fingerprint(get(demo, url).content)
        return min(logos, key=lambda name: imaging.distance(found, logos[name]))

    assert closest("https://scontent.sandbox.fbcdn.net/eqv-facebook.jpg") == "eqv"
    assert closest("https://scontent.sandbox.cdninstagram.com/eh-volleyball-instagram.jpg") == "eh"
    assert closest("https://scontent.sandbox.fbcdn.net/parents-eh-facebook.jpg") == "eh"
    assert closest("https://scontent.sandbox.cdninstagram.com/enf-instagram.jpg") == "csno"  # the plant
    assert closest("https://pbs.sandbox.twimg.com/profile_banners/enf-x/1500x500") == "csno"


def test_etag_is_stable_and_conditional_get_answers_304(demo):
    url = "https://scontent.sandbox.fbcdn.net/eqv-facebook.jpg"
    first, second = get(demo, url), get(demo, url)
    assert first.headers["ETag"] == second.headers["ETag"]
    assert first.content == second.content
    assert "Last-Modified" in first.headers
    cached = get(demo, url, **{"If-None-Match": first.headers["ETag"]})
    assert cached.status_code == 304 and cached.content == b""
    assert demo.log[-1].endpoint == "media"
    stale = get(demo, url, **{"If-None-Match": '"autre"'})
    assert stale.status_code == 200
    dated = get(demo, url, **{"If-Modified-Since": first.headers["Last-Modified"]})
    assert dated.status_code == 304


def test_head_on_an_image_has_no_body(demo):
    response = get(demo, "https://scontent.sandbox.fbcdn.net/eqv-facebook.jpg", "HEAD")
    assert response.status_code == 200 and response.content == b""


def test_unknown_image_on_a_cdn_is_404(demo):
    response = get(demo, "https://scontent.sandbox.fbcdn.net/personne.jpg")
    assert response.status_code == 404
    assert demo.log[-1].endpoint == "media"


def test_circle_mask_and_raw_sources(tmp_path):
    (tmp_path / "brut.bin").write_bytes(b"pas une image")
    media = {
        "cdn.test": {
            "/rond.png": {"source": str(CONFIG / "logos" / "eqv.png"), "size": 64, "circle": True},
            "/brut": {"source": "brut.bin", "raw": True, "content_type": "text/plain"},
        }
    }
    with SandboxServer(World(web={"media": media}, assets=tmp_path), routes=[web.route]) as server:
        round_ = Image.open(io.BytesIO(get(server, "https://cdn.test/rond.png").content))
        assert round_.mode == "RGBA" and round_.getpixel((0, 0))[3] == 0  # transparent corner
        raw = get(server, "https://cdn.test/brut")
        assert raw.content == b"pas une image" and raw.headers["Content-Type"] == "text/plain"
