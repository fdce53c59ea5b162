"""Headless Chromium for the tests and `tools/screenshot_report.py`: how an e-mail lays out at a width.

`measure(html_file, width)` opens a copy of the page with a small script appended that
reads the layout (the window's width, the document's scrollWidth, the box of every
`data-tile` element, every image's box and whether it loaded: `naturalWidth`) into the title, and returns it from `--dump-dom`. `screenshot`
photographs a page. Chromium runs with a fresh profile, no network features, no sandbox
(containers), and is given a hard timeout.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
INSTALL = ("apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "chromium")
MARK = "VIGIE-LAYOUT "
MIN_WINDOW = 500  # headless Chromium will not make a window narrower: narrower widths use a frame
# The page is shown in a frame exactly `width` CSS pixels wide (a phone's viewport), grown to
# its content's height; the frame's layout is read into the title once everything has loaded.
_FRAME = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>-</title></head>
<body style="margin:0;background:#fff">
<iframe id="mail" style="border:0;display:block;width:%(width)dpx;height:%(height)dpx" srcdoc="%(srcdoc)s"></iframe>
<script>
window.addEventListener("load", function () {
  var frame = document.getElementById("mail");
  var doc = frame.contentDocument;
  frame.style.height = doc.documentElement.scrollHeight + "px";
  var tiles = Array.prototype.map.call(doc.querySelectorAll("[data-tile]"), function (t) {
    var r = t.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, width: r.width, height: r.height,
            text: t.textContent.replace(/\\s+/g, " ").trim()};
  });
  var images = Array.prototype.map.call(doc.images, function (i) {
    var r = i.getBoundingClientRect();
    return {src: (i.getAttribute("src") || "").slice(0, 40), alt: i.alt, complete: i.complete,
            naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight,
            left: r.left, right: r.right, width: r.width, height: r.height};
  });
  document.title = "%(mark)s" + JSON.stringify({
    width: frame.contentWindow.innerWidth,
    scrollWidth: doc.documentElement.scrollWidth,
    bodyScrollWidth: doc.body.scrollWidth,
    tiles: tiles,
    images: images
  });
});
</script></body></html>"""


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def ensure_chromium() -> tuple[str | None, str]:
    """(path, "") when Chromium is there or could be installed with apt-get; (None, why) otherwise."""
    found = find_chromium()
    if found:
        return found, ""
    if shutil.which("apt-get") is None:
        return None, "Chromium absent et apt-get introuvable"
    try:
        done = subprocess.run(INSTALL, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, f"installation de Chromium impossible : {error}"
    found = find_chromium()
    if found is None:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["sans message"]
        return None, f"installation de Chromium impossible (apt-get {done.returncode}) : {tail[0]}"
    return found, ""


@dataclass(frozen=True)
class Layout:
    width: int
    scroll_width: int
    body_scroll_width: int
    tiles: list[dict]
    images: list[dict] = field(default_factory=list)  # src (its start), alt, naturalWidth, box


def _run(browser: str, args: list[str], timeout: int = 120) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True, text=True, timeout=timeout, check=True,
        )  # fmt: skip


def framed(page: Path, width: int, height: int = 900) -> Path:
    """A page beside `page` that shows it in a frame `width` pixels wide (relative images still load)."""
    page = Path(page)
    source = page.read_text(encoding="utf-8")
    frame = page.with_name(f"{page.stem}.a-{width}px.html")
    frame.write_text(
        _FRAME
        % {"width": width, "height": height, "srcdoc": html_lib.escape(source, quote=True), "mark": MARK},
        encoding="utf-8",
    )
    return frame


def measure(browser: str, page: Path, width: int) -> Layout:
    """The layout of `page` in a viewport `width` CSS pixels wide (the page itself is not modified)."""
    frame = framed(page, width)
    try:
        done = _run(browser, ["--dump-dom", "--virtual-time-budget=10000",
                              f"--window-size={max(width, MIN_WINDOW)},900", frame.as_uri()])  # fmt: skip
    finally:
        frame.unlink(missing_ok=True)
    found = re.search(r"<title>" + MARK + r"(.*?)</title>", done.stdout, re.S)
    if found is None:
        raise RuntimeError(f"Chromium did not run the probe: {done.stderr[-500:]}")
    data = json.loads(html_lib.unescape(found.group(1)))
    return Layout(data["width"], data["scrollWidth"], data["bodyScrollWidth"], data["tiles"], data["images"])


def screenshot(browser: str, page: Path, png: Path, width: int, height: int = 2400) -> Path:
    """A picture of `page` at `width` CSS pixels (beside it, blank, up to the smallest window)."""
    frame = framed(page, width, height)
    try:
        _run(browser, ["--virtual-time-budget=10000", f"--screenshot={png}",
                       f"--window-size={max(width, MIN_WINDOW)},{height}", frame.as_uri()])  # fmt: skip
    finally:
        frame.unlink(missing_ok=True)
    return png
