"""The demo's report and a notice, displayed by headless Chromium at phone and desktop widths.

Chromium (Debian's `chromium`) is installed by `ensure_chromium` when missing (the CI script
does it beforehand); the tests are skipped, with the reason printed, only where it cannot be.
"""

from __future__ import annotations

import pytest
from browser import ensure_chromium, measure
from demo_mail import demo_night, html_part, html_with_images

WIDTHS = (360, 400, 600, 800)
TILES = 4


@pytest.fixture(scope="module")
def chromium():
    path, why = ensure_chromium()
    if path is None:
        print(f"\nChromium indisponible, tests d'affichage sautés : {why}")
        pytest.skip(why)
    return path


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The report as archived (images beside it), the notice to École Héritage, and the notice to
    École des Quatre-Vents (whose posts have faces: its pictures' `cid:` turned into the message's
    own image parts, as a mail client shows them), as files."""
    night = demo_night(tmp_path_factory.mktemp("demo"))
    folder = tmp_path_factory.mktemp("notice")
    notice = folder / "avis-eh.html"
    notice.write_text(html_part(night.notice_to("direction.eh@csno.ab.ca")), encoding="utf-8")
    pictures = folder / "avis-eqv.html"
    pictures.write_text(html_with_images(night.notice_to("direction.eqv@csno.ab.ca")), encoding="utf-8")
    return {"rapport": night.outcome.report_html, "avis": notice, "avis-photos": pictures}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", ["rapport", "avis", "avis-photos"])
def test_no_horizontal_overflow(chromium, pages, page, width):
    layout = measure(chromium, pages[page], width)
    assert layout.width == width  # the viewport really is that narrow
    assert layout.scroll_width <= width and layout.body_scroll_width <= width, layout


@pytest.mark.parametrize("width", WIDTHS)
def test_every_tile_of_the_report_is_visible(chromium, pages, width):
    layout = measure(chromium, pages["rapport"], width)
    assert len(layout.tiles) == TILES
    for tile in layout.tiles:
        assert tile["width"] > 0 and tile["height"] > 0, tile
        assert tile["left"] >= 0 and tile["right"] <= width, tile
    labels = " ".join(t["text"] for t in layout.tiles)
    assert "comptes conformes sur 15" in labels and "résolue" in labels and "non vérifié" in labels


def test_tiles_stack_two_by_two_on_a_phone_and_line_up_on_a_desktop(chromium, pages):
    phone = measure(chromium, pages["rapport"], 360).tiles
    desktop = measure(chromium, pages["rapport"], 800).tiles
    assert len({round(t["top"]) for t in phone}) == 2
    assert len({round(t["top"]) for t in desktop}) == 1


def test_the_checked_report_holds_the_publications_section_and_its_thumbnails(pages):
    """What the width tests above display includes the « Publications » section (issue 16): its
    table of counts and the thumbnails of the pictures with faces."""
    page = pages["rapport"].read_text(encoding="utf-8")
    assert ">Publications</h2>" in page
    assert page.count('alt="Aperçu de la photo"') == 2  # the demo's two posts with faces


@pytest.mark.parametrize("width", (360, 800))
def test_the_notices_pictures_with_faces_load_from_their_parts_and_fit_a_phone(chromium, pages, width):
    """« À vérifier » of École des Quatre-Vents (issue 16): the thumbnails of its two posts with
    faces load from the message's image/jpeg parts (naturalWidth > 0), keep the proportions their
    width/height attributes announce, and stay inside the screen."""
    layout = measure(chromium, pages["avis-photos"], width)
    assert len(layout.images) == 2, layout.images
    for image in layout.images:
        assert image["src"].startswith("data:image/jpeg;base64,"), image
        assert image["complete"] and image["naturalWidth"] > 0 and image["naturalHeight"] > 0, image
        assert 0 < image["width"] <= 240 and image["left"] >= 0 and image["right"] <= width, image
        ratio = image["naturalWidth"] / image["naturalHeight"]
        assert image["width"] / image["height"] == pytest.approx(ratio, rel=0.05), image
        assert image["alt"].startswith("Aperçu de la publication du "), image


def test_without_its_image_parts_the_notice_shows_no_picture(chromium, pages, tmp_path):
    """The test above proves the parts: the same page with its `cid:` left unresolved loads nothing."""
    bare = tmp_path / "avis-eqv-sans-images.html"
    bare.write_text(pages["avis-photos"].read_text(encoding="utf-8").replace("data:image/jpeg", "cid:x"))
    images = measure(chromium, bare, 360).images
    assert len(images) == 2 and all(i["naturalWidth"] == 0 for i in images)
