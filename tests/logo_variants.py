"""Transformed copies of the official logos: what platforms and people do to a profile picture."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

from PIL import Image, ImageDraw

LOGOS = Path(__file__).resolve().parents[1] / "config" / "logos"
LOGO_IDS = ("eqv", "eh", "enf", "csno")


def load(logo_id: str) -> Image.Image:
    return Image.open(LOGOS / f"{logo_id}.png").convert("RGBA")


def encode(image: Image.Image, fmt: str = "PNG", quality: int = 90) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A") if image.mode == "RGBA" else None)
        flat.save(out, "JPEG", quality=quality)
    else:
        image.save(out, fmt)
    return out.getvalue()


def resized(image: Image.Image, side: int) -> Image.Image:
    return image.resize((side, side), Image.Resampling.LANCZOS)


def padded(image: Image.Image, ratio: float, colour=(255, 255, 255, 255)) -> Image.Image:
    border = int(image.width * ratio)
    out = Image.new("RGBA", (image.width + 2 * border, image.height + 2 * border), colour)
    out.alpha_composite(image, (border, border))
    return out


def circled(image: Image.Image, background=(0, 0, 0, 0)) -> Image.Image:
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).ellipse((0, 0, image.width - 1, image.height - 1), fill=255)
    out = Image.new("RGBA", image.size, background)
    out.paste(image, mask=mask)
    return out


Transform = Callable[[Image.Image], bytes]

TRANSFORMS: dict[str, Transform] = {
    "original": lambda im: encode(im),
    "48px": lambda im: encode(resized(im, 48)),
    "64px-jpeg60": lambda im: encode(resized(im, 64), "JPEG", 60),
    "200px-jpeg75": lambda im: encode(resized(im, 200), "JPEG", 75),
    "1000px": lambda im: encode(resized(im, 1000)),
    "1000px-jpeg95": lambda im: encode(resized(im, 1000), "JPEG", 95),
    "jpeg60": lambda im: encode(im, "JPEG", 60),
    "padding-white-15": lambda im: encode(padded(im, 0.15)),
    "padding-transparent-25": lambda im: encode(padded(im, 0.25, (0, 0, 0, 0))),
    "padding-white-10-jpeg70": lambda im: encode(resized(padded(im, 0.10), 150), "JPEG", 70),
    "circle": lambda im: encode(circled(im)),
    "circle-white-jpeg80": lambda im: encode(resized(circled(im, (255, 255, 255, 255)), 320), "JPEG", 80),
    "circle-96px": lambda im: encode(resized(circled(im), 96)),
    "padding-then-circle": lambda im: encode(circled(padded(im, 0.12))),
    "circle-then-padding-jpeg85": lambda im: encode(padded(circled(im), 0.2), "JPEG", 85),
}


def variants(logo_id: str) -> Iterator[tuple[str, bytes]]:
    image = load(logo_id)
    for name, transform in TRANSFORMS.items():
        yield name, transform(image)
