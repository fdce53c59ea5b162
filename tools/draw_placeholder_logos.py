"""Draw the placeholder logos of config/logos/ (run once; the PNGs are committed).

They stand in for the board's real files and are deliberately unlike each other,
so that the logo checks can tell one school from another in the sandbox.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parents[1] / "config" / "logos"
SIZE = 400


def font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf", size)
    except OSError:
        return ImageFont.load_default(size)


def eqv() -> Image.Image:  # compass rose: the four winds, blue
    img = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.ellipse((20, 20, 380, 380), fill=(22, 82, 160, 255))
    c = SIZE // 2
    d.polygon([(c, 40), (c + 40, c), (c, 360), (c - 40, c)], fill=(255, 255, 255, 255))
    d.polygon([(40, c), (c, c - 40), (360, c), (c, c + 40)], fill=(250, 200, 40, 255))
    d.text((c, c), "ÉQV", font=font(48), fill=(22, 82, 160, 255), anchor="mm")
    return img


def eh() -> Image.Image:  # a tree on a green square
    img = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((20, 20, 380, 380), 40, fill=(30, 120, 60, 255))
    d.rectangle((180, 230, 220, 340), fill=(120, 70, 30, 255))
    d.ellipse((90, 60, 310, 260), fill=(160, 220, 90, 255))
    d.text((200, 150), "ÉH", font=font(64), fill=(30, 90, 40, 255), anchor="mm")
    return img


def enf() -> Image.Image:  # mountains and a rising sun, orange over white
    img = Image.new("RGBA", (SIZE, SIZE), (255, 255, 255, 255))
    d = ImageDraw.Draw(img)
    d.pieslice((100, 60, 300, 260), 180, 360, fill=(240, 130, 30, 255))
    d.polygon([(0, 330), (130, 130), (230, 280), (300, 180), (400, 330)], fill=(70, 50, 120, 255))
    d.rectangle((0, 330, 400, 400), fill=(70, 50, 120, 255))
    d.text((200, 365), "ÉNF", font=font(40), fill=(255, 255, 255, 255), anchor="mm")
    return img


def csno() -> Image.Image:  # the board: red band, white letters
    img = Image.new("RGBA", (SIZE, SIZE), (255, 255, 255, 255))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, 400, 140), fill=(190, 30, 45, 255))
    d.rectangle((0, 260, 400, 400), fill=(190, 30, 45, 255))
    d.text((200, 200), "CSNO", font=font(96), fill=(190, 30, 45, 255), anchor="mm")
    d.ellipse((170, 40, 230, 100), fill=(255, 255, 255, 255))
    return img


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, draw in {"eqv": eqv, "eh": eh, "enf": enf, "csno": csno}.items():
        draw().save(OUT / f"{name}.png", optimize=True)


if __name__ == "__main__":
    main()
