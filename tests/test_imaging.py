"""Logo fingerprints: robust to what platforms do to a picture, and calibrated with margins."""

from __future__ import annotations

import io

import pytest
from logo_variants import LOGO_IDS, LOGOS, variants
from PIL import Image

from scanner.config.models import LogoSettings
from scanner.net.imaging import Fingerprint, ImageError, distance, fingerprint

THRESHOLD = LogoSettings().max_distance
MIN_MARGIN = 4  # bits on each side of the threshold


def references() -> dict[str, Fingerprint]:
    return {logo: fingerprint((LOGOS / f"{logo}.png").read_bytes()) for logo in LOGO_IDS}


def test_threshold_calibration_has_margins_on_both_sides(capsys):
    refs = references()
    worst_match, best_impostor = 0, 64
    worst_names = ("", "")
    for logo in LOGO_IDS:
        for name, data in variants(logo):
            fp = fingerprint(data)
            own = distance(fp, refs[logo])
            if own > worst_match:
                worst_match, worst_names = own, (logo, name)
            for other in LOGO_IDS:
                if other != logo:
                    best_impostor = min(best_impostor, distance(fp, refs[other]))
    with capsys.disabled():
        print(
            f"\nlogos: seuil {THRESHOLD}; pire variante du bon logo {worst_match} {worst_names} "
            f"(marge {THRESHOLD - worst_match}); autre logo le plus proche {best_impostor} "
            f"(marge {best_impostor - THRESHOLD - 1})"
        )
    assert THRESHOLD - worst_match >= MIN_MARGIN
    assert best_impostor - THRESHOLD - 1 >= MIN_MARGIN


def test_serialisation_round_trip():
    fp = references()["eqv"]
    assert Fingerprint.loads(fp.dumps()) == fp
    assert fp.dumps().startswith("v1:")
    with pytest.raises(ValueError):
        Fingerprint.loads("v0:abc")


def test_distance_is_symmetric_and_zero_on_itself():
    refs = references()
    assert distance(refs["eh"], refs["eh"]) == 0
    assert distance(refs["eh"], refs["enf"]) == distance(refs["enf"], refs["eh"])


@pytest.mark.parametrize("data", [b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\0" * 20])
def test_unreadable_bytes(data):
    with pytest.raises(ImageError):
        fingerprint(data)


def test_decompression_bomb_is_refused():
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, "PNG")  # 64 Mpx, a few kB
    with pytest.raises(ImageError, match="trop grande"):
        fingerprint(out.getvalue())


def test_animated_and_palette_images():
    frames = [Image.open(LOGOS / "eh.png").convert("P"), Image.new("P", (400, 400))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    assert distance(fingerprint(out.getvalue()), references()["eh"]) <= THRESHOLD
