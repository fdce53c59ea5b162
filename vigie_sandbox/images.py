"""Images the sandbox CDNs serve, derived from real files (the board's and schools' logos).

A media entry of `web.yaml` names a source file (relative to `World.assets`) and the
transforms a platform would apply before serving it, so that the logo checks face what
they face in production: a 400 px PNG logo comes back as a 48 px JPEG, circle-masked,
recompressed, or padded into a wide banner.

    source: logos/eqv.png   # relative to World.assets (the demo world: config/)
    size: 320               # square side: fitted into size x size (or width/height)
    width: 1500             # with height: a box; the image is fitted and padded
    height: 500
    circle: true            # circle mask (transparent outside, white once flattened)
    background: "#ffffff"   # what padding and flattening use
    format: jpeg            # jpeg (flattened) | png | webp
    quality: 80             # for jpeg/webp

A source may also be `raw: true`: the file is served byte for byte, with `content_type`
(tests use this for decompression bombs and files that are not images). `headers` are
added to the response as they are (`Content-Encoding: gzip` for a gzip bomb).

Rendering is pure and memoised (`render`), so the sandbox computes each image once.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageDraw

CONTENT_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}
_OPTIONS = ("size", "width", "height", "circle", "background", "format", "quality", "raw", "content_type")


def spec_key(spec: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """A hashable form of a media entry's transforms (for the memo)."""
    unknown = set(spec) - set(_OPTIONS) - {"source", "headers"}
    if unknown:
        raise ValueError(f"unknown media options: {sorted(unknown)}")
    return tuple(sorted((k, v) for k, v in spec.items() if k in _OPTIONS))


@functools.lru_cache(maxsize=1024)
def render(source: Path, options: tuple[tuple[str, Any], ...], mtime_ns: int) -> tuple[bytes, str]:
    """(bytes, content type) of `source` after the transforms; `mtime_ns` invalidates the memo."""
    spec = dict(options)
    data = source.read_bytes()
    if spec.get("raw"):
        return data, spec.get("content_type") or _guess_type(source)
    with Image.open(io.BytesIO(data)) as opened:
        image = opened.convert("RGBA")
    background = _colour(spec.get("background", "#ffffff"))
    image = _fit(image, spec, background)
    if spec.get("circle"):
        image = _circle(image)
    fmt = str(spec.get("format", "png")).lower()
    return _encode(image, fmt, int(spec.get("quality", 85)), background), CONTENT_TYPES[fmt]


def _fit(image: Image.Image, spec: dict[str, Any], background: tuple[int, int, int]) -> Image.Image:
    width = spec.get("width") or spec.get("size")
    height = spec.get("height") or spec.get("size")
    if not width or not height:
        return image
    width, height = int(width), int(height)
    scale = min(width / image.width, height / image.height)
    inner = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    resized = image.resize(inner, Image.Resampling.LANCZOS)
    if inner == (width, height):
        return resized
    canvas = Image.new("RGBA", (width, height), (*background, 255))
    canvas.alpha_composite(resized, ((width - inner[0]) // 2, (height - inner[1]) // 2))
    return canvas


def _circle(image: Image.Image) -> Image.Image:
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).ellipse((0, 0, image.width - 1, image.height - 1), fill=255)
    masked = image.copy()
    masked.putalpha(ImageChops.multiply(image.getchannel("A"), mask))
    return masked


def _encode(image: Image.Image, fmt: str, quality: int, background: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    if fmt == "jpeg":
        flat = Image.new("RGBA", image.size, (*background, 255))
        flat.alpha_composite(image)
        flat.convert("RGB").save(out, "JPEG", quality=quality, optimize=True)
    elif fmt == "webp":
        image.save(out, "WEBP", quality=quality)
    elif fmt == "png":
        image.save(out, "PNG", optimize=True)
    else:
        raise ValueError(f"unsupported media format: {fmt}")
    return out.getvalue()


def _colour(value: str) -> tuple[int, int, int]:
    text = str(value).lstrip("#")
    if len(text) != 6:
        raise ValueError(f"colour must be #rrggbb, not {value!r}")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def _guess_type(source: Path) -> str:
    suffix = source.suffix.lower().lstrip(".")
    return CONTENT_TYPES.get("jpeg" if suffix == "jpg" else suffix, "application/octet-stream")
