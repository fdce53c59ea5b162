"""Compose the labelled pictures of `pictures/` (run once by hand; the pictures are committed).

    .venv/bin/pip install scikit-image   # only to run this script: its `data` folder ships the photos
    .venv/bin/python tests/corpus/publications/make_pictures.py

Sources, all shipped inside the scikit-image wheel (`skimage/data`, see its README and
https://scikit-image.org/docs/stable/api/skimage.data.html):
- `lfw_subset.npy`: 100 faces and 100 non-face patches (25 x 25) from Labeled Faces in the Wild
  (Huang et al., UMass Amherst), as redistributed by scikit-image;
- `astronaut.png` (NASA, public domain), `camera.png` (scikit-image, BSD-3-Clause), and the scenes
  `coffee`, `chelsea`, `rocket`, `horse`, `coins`, `page`, `text`, `brick`, `grass`, `gravel`,
  `hubble_deep_field`, `moon`, `clock_motion`, `color`, `retina`, `ihc`, `cell`, `logo`,
  `motorcycle_left` (BSD-3-Clause or public domain, per scikit-image's data README);
- the board's and schools' logos of `config/logos/`, and posters drawn here with DejaVu fonts.

`labels.json` gives, for each file, the number of identifiable faces planted and the kind of
picture. A face counts as identifiable when it is at least 6 % of the picture's shorter side
(`scanner.publications.faces.MIN_FACE_SHARE`); the « tiny » pictures plant smaller ones, labelled 0.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import skimage
from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent
OUT = HERE / "pictures"
DATA = Path(skimage.__file__).parent / "data"
LOGOS = HERE.parents[2] / "config" / "logos"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
rng = random.Random(142)


def photo(name: str) -> Image.Image:
    return Image.open(DATA / name).convert("RGB")


def lfw() -> np.ndarray:
    return np.load(DATA / "lfw_subset.npy")


def face(index: int, size: int) -> Image.Image:
    patch = Image.fromarray((lfw()[index] * 255).astype("uint8")).convert("RGB")
    return patch.resize((size, size), Image.Resampling.BICUBIC)


def background(name: str, size=(640, 480)) -> Image.Image:
    return photo(name).resize(size, Image.Resampling.BILINEAR)


def save(picture: Image.Image, file: str, faces: int, kind: str, items: list) -> None:
    picture.thumbnail((800, 800))  # what a platform serves is about this size
    picture.save(OUT / file, quality=80)
    items.append({"file": file, "faces": faces, "kind": kind})


def poster(title: str, lines: list[str], colour: tuple[int, int, int]) -> Image.Image:
    picture = Image.new("RGB", (600, 800), colour)
    draw = ImageDraw.Draw(picture)
    big, small = ImageFont.truetype(FONT, 48), ImageFont.truetype(FONT, 28)
    draw.text((40, 60), title, fill=(255, 255, 255), font=big)
    for number, line in enumerate(lines):
        draw.text((40, 200 + 60 * number), line, fill=(255, 255, 230), font=small)
    return picture


def main() -> None:
    OUT.mkdir(exist_ok=True)
    items: list = []
    scenes = ["grass.png", "brick.png", "gravel.png", "coffee.png", "hubble_deep_field.jpg", "rocket.jpg"]
    # Portraits: one face, large or medium, on a scene.
    for n in range(24):
        size = rng.choice([80, 110, 150, 200])
        picture = background(scenes[n % len(scenes)])
        picture.paste(face(n, size), (rng.randint(20, 640 - size - 20), rng.randint(20, 480 - size - 20)))
        save(picture, f"portrait-{n:02}.jpg", 1, "portrait", items)
    # Groups: 2 to 5 faces in a row (a class photo).
    for n in range(14):
        count = 2 + n % 4
        size = rng.choice([50, 64, 80])
        picture = background(scenes[(n + 2) % len(scenes)])
        left = rng.randint(10, 40)
        for k in range(count):
            picture.paste(face(24 + n * 5 + k, size), (left + k * (size + 30), 150 + rng.randint(-30, 30)))
        save(picture, f"group-{n:02}.jpg", count, "group", items)
    # Real photographs with one face, at several scales.
    for name in ("astronaut.png", "camera.png"):
        for scale in (1.0, 0.75, 0.5):
            picture = photo(name)
            picture = picture.resize((int(picture.width * scale), int(picture.height * scale)))
            save(picture, f"photo-{name[:-4]}-{int(scale * 100)}.jpg", 1, "photo", items)
    # Faces blurred on purpose (what a school does without consent): not identifiable.
    for n in range(4):
        picture = background(scenes[n])
        patch = face(94 + n, 120).filter(ImageFilter.GaussianBlur(12))
        picture.paste(patch, (200, 150))
        save(picture, f"blurred-{n:02}.jpg", 0, "blurred-face", items)
    # Tiny faces (a crowd seen from afar): below the identifiable size.
    for n in range(4):
        picture = background(scenes[n + 1], (960, 720))
        for k in range(8):
            picture.paste(face(60 + n * 8 + k, 18), (40 + k * 110, 400))
        save(picture, f"tiny-{n:02}.jpg", 0, "tiny-faces", items)
    # No face: scenes, animals, objects, text, logos, posters, non-face patches.
    for name in (
        "coffee.png", "chelsea.png", "rocket.jpg", "horse.png", "coins.png", "page.png", "text.png",
        "brick.png", "grass.png", "gravel.png", "hubble_deep_field.jpg", "moon.png", "clock_motion.png",
        "color.png", "retina.jpg", "ihc.png", "cell.png", "logo.png", "motorcycle_left.png",
    ):  # fmt: skip
        save(photo(name), f"none-{name.split('.')[0]}.jpg", 0, "none-scene", items)
    for logo in sorted(LOGOS.glob("*.png")):
        picture = Image.open(logo).convert("RGB")
        save(picture, f"none-logo-{logo.stem}.jpg", 0, "none-logo", items)
        save(
            picture.resize((picture.width * 2, picture.height * 2)),
            f"none-logo-{logo.stem}-2x.jpg",
            0,
            "none-logo",
            items,
        )
    texts = [
        ("Marché de Noël", ["Samedi 7 décembre", "10 h à 15 h", "Gymnase de l'école"], (150, 30, 40)),
        ("Portes ouvertes", ["Mardi 1er octobre", "18 h 30", "Bienvenue à tous!"], (20, 80, 140)),
        ("Journée pyjama", ["Mercredi", "Apportez votre toutou!"], (90, 40, 120)),
        ("Inscriptions", ["Maternelle 2025-2026", "780 555-0100"], (30, 110, 60)),
        ("Spectacle", ["Jeudi 18 juin", "19 h", "Billets au secrétariat"], (10, 10, 10)),
        ("Cabane à sucre", ["20 mars", "Tire d'érable"], (120, 70, 20)),
        ("Bravo Huskies!", ["Champions régionaux", "Volleyball"], (0, 60, 90)),
        ("Rappel", ["Photos scolaires", "Mardi 8 octobre"], (60, 60, 60)),
    ]
    for n, (title, lines, colour) in enumerate(texts):
        save(poster(title, lines, colour), f"none-poster-{n:02}.jpg", 0, "none-poster", items)
    for n in range(100, 130):  # LFW's non-face patches (backgrounds of the same photos)
        patch = Image.fromarray((lfw()[n] * 255).astype("uint8")).convert("RGB").resize((200, 200))
        picture = background(scenes[n % len(scenes)])
        picture.paste(patch, (220, 140))
        save(picture, f"none-patch-{n:03}.jpg", 0, "none-patch", items)
    (OUT / "labels.json").write_text(
        json.dumps({"source": "tests/corpus/publications/make_pictures.py", "pictures": items}, indent=1)
        + "\n",
        encoding="utf-8",
    )
    print(len(items), "pictures,", sum(1 for i in items if i["faces"]), "with identifiable faces")


if __name__ == "__main__":
    main()
