"""Small PNG images for the e-mail, drawn with Pillow: the 30-night trend and logo thumbnails."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from scanner.history.store import TrendPoint
from scanner.plumbing.french import date_short, percent
from scanner.report.model import CHART_KEY, Report

WIDTH, HEIGHT = 560, 150  # CSS pixels; drawn at SCALE for sharp screens
SCALE = 2
MAX_IMAGES = 40  # inline images beyond the chart: the body stays light
THUMBNAIL_PX = 64
POST_THUMBNAIL_PX = 120  # a post's picture in the « Publications » section
GREEN, AMBER, RED, GREY = (21, 128, 61), (180, 83, 9), (185, 28, 28), (156, 163, 175)
_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/Library/Fonts/Arial.ttf",
    "C:/Windows/Fonts/arial.ttf",
)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in _FONTS:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size)


def level_color(rate: float | None) -> tuple[int, int, int]:
    if rate is None:
        return GREY
    return GREEN if rate >= 0.9 else AMBER if rate >= 0.7 else RED


def trend_chart(points: Sequence[TrendPoint], timezone: str | None = None) -> bytes:
    """One bar per night (oldest left), 0–100 %, the last value written above its bar."""
    s = SCALE
    image = Image.new("RGB", (WIDTH * s, HEIGHT * s), "white")
    draw = ImageDraw.Draw(image)
    small, label = _font(10 * s), _font(11 * s)
    left, right, top, bottom = 34 * s, (WIDTH - 8) * s, 16 * s, (HEIGHT - 22) * s
    for fraction in (0, 0.5, 1):
        y = bottom - (bottom - top) * fraction
        draw.line([(left, y), (right, y)], fill=(229, 231, 235), width=s)
        draw.text((left - 4 * s, y), percent(fraction), fill=(107, 114, 128), font=small, anchor="rm")
    if not points:
        draw.text(
            ((left + right) / 2, (top + bottom) / 2),
            "Aucune nuit enregistrée",
            fill=GREY,
            font=label,
            anchor="mm",
        )
        return _png(image)
    slots = max(len(points), 10)
    slot = (right - left) / slots
    for index, point in enumerate(points):
        x0 = left + index * slot + slot * 0.15
        x1 = left + (index + 1) * slot - slot * 0.15
        rate = point.rate
        height = (bottom - top) * (rate if rate is not None else 0)
        draw.rectangle([(x0, bottom - max(height, s)), (x1, bottom)], fill=level_color(rate))
        if index == len(points) - 1:
            draw.text(
                ((x0 + x1) / 2, bottom - height - 3 * s),
                percent(rate),
                fill=(17, 24, 39),
                font=label,
                anchor="md",
            )
    first, last = points[0], points[-1]
    draw.text(
        (left, bottom + 6 * s),
        date_short(first.started_at, timezone),
        fill=(75, 85, 99),
        font=small,
        anchor="la",
    )
    if len(points) > 1:
        x_last = left + len(points) * slot
        draw.text(
            (x_last, bottom + 6 * s),
            date_short(last.started_at, timezone),
            fill=(75, 85, 99),
            font=small,
            anchor="ra",
        )
    return _png(image)


def thumbnail(data: bytes, size: int = 64) -> bytes | None:
    """A small PNG of any image (re-encoded: nothing from the platform goes out as it came); None if unreadable."""
    try:
        with Image.open(io.BytesIO(data)) as source:
            source.draft("RGB", (size * 2, size * 2))
            picture = source.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    picture.thumbnail((size * 2, size * 2))
    canvas = Image.new("RGB", picture.size, "white")
    canvas.paste(picture, mask=picture.getchannel("A"))
    return _png(canvas)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def prepare_images(report: Report, images: Mapping[str, bytes]) -> dict[str, bytes]:
    """Small PNGs for the keys the report refers to (at most MAX_IMAGES), plus the trend chart."""
    wanted: list[str] = []
    for finding in report.findings:
        for ref in finding.images:
            if ref.key in images and ref.key not in wanted:
                wanted.append(ref.key)
    prepared: dict[str, bytes] = {}
    for key in wanted:
        if len(prepared) >= MAX_IMAGES:
            break
        png = thumbnail(images[key], THUMBNAIL_PX)
        if png is not None:
            prepared[key] = png
    items = report.publications.items if report.publications is not None else ()
    for item in items:  # the « Publications » section's thumbnails (pictures with faces)
        if item.thumbnail in images and item.thumbnail not in prepared and len(prepared) < MAX_IMAGES:
            png = thumbnail(images[item.thumbnail], POST_THUMBNAIL_PX)
            if png is not None:
                prepared[item.thumbnail] = png
    if report.trend:
        prepared[CHART_KEY] = trend_chart(report.trend, report.timezone)
    return prepared
