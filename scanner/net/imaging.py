"""Perceptual fingerprints of logos and profile pictures (§5.f): bytes in, `Fingerprint` out.

Pure: no network, no files. The I/O stage fetches an avatar and calls `fingerprint`;
the logo checks compare fingerprints with `distance`.

A profile picture is the official logo after the platform (or the person who
uploaded it) did things to it: resized (48–1000 px), re-encoded as JPEG, padded,
cut to a circle. So every image is normalised the same way before hashing:
transparency composited on white, made square, cut to the inscribed circle
(idempotent: a logo already cut to a circle does not change). Three framings
are hashed: the whole picture, the picture trimmed of its uniform border
(padding), and the circle trimmed the same way (a logo cut to a circle, then
padded); the distance is the best match of the framings.
Each framing keeps a perceptual hash (pHash) and a difference hash (dHash) of
64 bits; the distance is their mean number of differing bits (0–64).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import imagehash
from PIL import Image, ImageChops, ImageDraw

# Larger images are refused before they are decoded (decompression bombs).
MAX_PIXELS = 25_000_000
_SIZE = 256  # working size of the normalised square
_TRIM_TOLERANCE = 48  # how far from the border colour a pixel must be to count as content
_VERSION = "v1"


class ImageError(ValueError):
    """The bytes are not an image Vigie can read (the message is French)."""


@dataclass(frozen=True)
class Fingerprint:
    """Hashes of the framings of one picture: ((phash, dhash), …), each hash 64 bits."""

    framings: tuple[tuple[int, int], ...]

    def dumps(self) -> str:
        """A compact string, for caching: `v1:phash-dhash.phash-dhash`."""
        return _VERSION + ":" + ".".join(f"{p:016x}-{d:016x}" for p, d in self.framings)

    @classmethod
    def loads(cls, text: str) -> Fingerprint:
        version, _, body = text.partition(":")
        if version != _VERSION or not body:
            raise ValueError(f"empreinte d'image illisible\u00a0: {text!r}")
        framings = []
        for part in body.split("."):
            p, d = part.split("-")
            framings.append((int(p, 16), int(d, 16)))
        return cls(tuple(framings))


def fingerprint(data: bytes) -> Fingerprint:
    """The fingerprint of an image file's bytes; `ImageError` when it cannot be read safely."""
    image = _open(data)
    flat = _on_white(image)
    whole = _circle(_square(flat))
    framings = [_hashes(whole)]
    for trimmed in (_trim(flat), _trim(whole)):
        framings.append(_hashes(_circle(_square(trimmed))))
    return Fingerprint(tuple(dict.fromkeys(framings)))


def distance(a: Fingerprint, b: Fingerprint) -> int:
    """Differing bits (0–64) between the closest framings of two fingerprints."""
    best = 64
    for pa, da in a.framings:
        for pb, db in b.framings:
            bits = ((pa ^ pb).bit_count() + (da ^ db).bit_count() + 1) // 2
            best = min(best, bits)
    return best


# ---------------------------------------------------------------- steps


def _open(data: bytes) -> Image.Image:
    """Decode safely: the size is read from the header and refused before any pixel is decoded.

    No global state is touched (the image fetcher runs this in threads); the fetcher also
    sets Pillow's `MAX_IMAGE_PIXELS` and turns `DecompressionBombWarning` into an error.
    """
    if not data:
        raise ImageError("fichier image vide")
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise ImageError(f"image trop grande ({image.width}\u00a0×\u00a0{image.height} pixels)")
        image.seek(0)  # first frame of an animated picture
        image.load()
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError("image trop grande (bombe de décompression)") from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ImageError(f"image illisible ({type(exc).__name__})") from exc
    return image


def _on_white(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    white.alpha_composite(rgba)
    return white.convert("RGB")


def _trim(image: Image.Image) -> Image.Image:
    """Cut away a uniform border (the colour of the corners): padding added around a logo."""
    corner = image.getpixel((0, 0))
    background = Image.new("RGB", image.size, corner)
    diff = ImageChops.difference(image, background).convert("L")
    mask = diff.point(lambda v: 255 if v > _TRIM_TOLERANCE else 0)
    box = mask.getbbox()
    if box is None or (box[2] - box[0]) * (box[3] - box[1]) < image.width * image.height // 100:
        return image
    return image.crop(box)


def _square(image: Image.Image) -> Image.Image:
    side = max(image.size)
    square = Image.new("RGB", (side, side), (255, 255, 255))
    square.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
    return square.resize((_SIZE, _SIZE), Image.Resampling.LANCZOS)


def _circle(image: Image.Image) -> Image.Image:
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).ellipse((0, 0, image.width - 1, image.height - 1), fill=255)
    white = Image.new("RGB", image.size, (255, 255, 255))
    return Image.composite(image, white, mask)


def _hashes(image: Image.Image) -> tuple[int, int]:
    return _as_int(imagehash.phash(image)), _as_int(imagehash.dhash(image))


def _as_int(value: imagehash.ImageHash) -> int:
    return int(str(value), 16)
