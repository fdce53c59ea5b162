"""Faces in pictures: the threshold calibrated on >= 100 labelled pictures, and what a verdict says."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from corpus.publications import labelled
from PIL import Image

from scanner.checks.base import Status
from scanner.checks.publications import content_faces
from scanner.publications import faces
from scanner.publications.post import Post

THRESHOLDS = range(30, 100, 5)


@pytest.fixture(scope="module")
def detections():
    found = []
    for picture in labelled.pictures():
        raw, width, height = faces.raw_detections(picture.path.read_bytes())
        found.append((picture, raw, width, height))
    return found


def _score(detections, threshold):
    tp = fp = fn = 0
    for picture, raw, width, height in detections:
        smallest = faces.MIN_FACE_SHARE * min(width, height)
        seen = sum(1 for *_, w, h, conf in raw if conf >= threshold and min(w, h) >= smallest)
        tp += bool(seen and picture.faces)
        fp += bool(seen and not picture.faces)
        fn += bool(picture.faces and not seen)
    precision = tp / (tp + fp) if tp + fp else 1.0
    return precision, tp / (tp + fn)


def test_the_picture_set_is_large_and_varied():
    pictures = labelled.pictures()
    assert len(pictures) >= 100
    kinds = {p.kind for p in pictures}
    assert {"portrait", "group", "photo", "tiny-faces", "none-scene", "none-logo", "none-poster"} <= kinds
    assert sum(1 for p in pictures if p.faces) >= 40
    assert all(p.path.exists() for p in pictures)


def test_the_threshold_is_calibrated(detections, capsys):
    sweep = {t: _score(detections, t) for t in THRESHOLDS}
    with capsys.disabled():
        print("\ncontent.faces on tests/corpus/publications/pictures (pictures with a face)")
        for threshold, (precision, recall) in sweep.items():
            mark = "  <- faces.THRESHOLD" if threshold == faces.THRESHOLD else ""
            print(f"threshold {threshold:3}: precision {precision:.3f} recall {recall:.3f}{mark}")
    precision, recall = _score(detections, faces.THRESHOLD)
    assert precision >= 0.95 and recall >= 0.90, (precision, recall)
    best_recall = max(r for p, r in sweep.values() if p >= 0.95)
    assert recall == best_recall  # the threshold sits on the plateau of the best recall at that precision


def test_a_picture_with_faces_is_to_check_never_an_error(tools_stub):
    [portrait] = [p for p in labelled.pictures() if p.kind == "photo"][:1]
    verdict = content_faces(Post(id="1", pictures=(portrait.path.read_bytes(),)), tools_stub)
    assert verdict.outcome.status is Status.MANUEL
    assert "1\u00a0visage reconnaissable sur la photo" in verdict.outcome.detail
    assert "F DA 170 A ou B" in verdict.outcome.detail


def test_a_picture_without_face_is_conforme_and_no_picture_is_not_applicable(tools_stub):
    [logo] = [p for p in labelled.pictures() if p.kind == "none-logo"][:1]
    verdict = content_faces(Post(id="1", pictures=(logo.path.read_bytes(),)), tools_stub)
    assert verdict.outcome.status is Status.CONFORME
    assert content_faces(Post(id="2", text="Bonjour"), tools_stub) is None


def test_unreadable_and_oversized_pictures_are_not_verifiable(tools_stub):
    assert faces.detect_faces(b"not a picture").error
    report = faces.detect_faces(png_claiming(30000, 30000))  # 900 Mpx: Pillow's bomb guard refuses it
    assert report.error and report.count == 0
    verdict = content_faces(Post(id="1", pictures=(b"garbage",)), tools_stub)
    assert verdict.outcome.status is Status.NON_VERIFIABLE


def test_a_thumbnail_for_the_notice(tools_stub):
    [portrait] = [p for p in labelled.pictures() if p.kind == "photo"][:1]
    small = Image.open(io.BytesIO(faces.thumbnail(portrait.path.read_bytes())))
    assert small.format == "JPEG" and max(small.size) == faces.THUMBNAIL_SIDE
    assert faces.thumbnail(b"garbage") is None


def png_claiming(width: int, height: int) -> bytes:
    """A 1 x 1 PNG whose header claims another size (IHDR rewritten, its CRC recomputed)."""
    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", zlib.crc32(bytes(data[ihdr : ihdr + 17])))
    return bytes(data)


@pytest.fixture
def tools_stub():
    return None  # content.faces needs no loaded tool
