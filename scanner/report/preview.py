"""`python run_audit.py preview`: render the last report again from its JSON, for a browser.

Template changes show at once, without an audit and without sending anything
(the c7n-mailer replay tool). Images are the files `save_report` wrote.
"""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from pathlib import Path

from scanner.history.store import HISTORY_FILE, History
from scanner.plumbing.atomic_write import write_atomic
from scanner.report.archive import DEFAULT_MAX_HTML_BYTES, REPORTS, image_file, safe_name
from scanner.report.html_report import fit_html
from scanner.report.json_report import load_json
from scanner.report.model import CHART_KEY, Report

log = logging.getLogger(__name__)


def latest_report(state_dir: Path) -> Path | None:
    """The JSON of the last run recorded in the history (or, without a readable history, the newest file)."""
    folder = Path(state_dir) / REPORTS
    if (Path(state_dir) / HISTORY_FILE).exists():
        try:
            with History.in_state_dir(state_dir) as history:
                run = history.last_run()
        except (sqlite3.Error, OSError) as error:  # a read-only folder: the newest file will do
            log.warning("history unreadable for preview (%s): newest report file used", error)
            run = None
        if run is not None and (folder / f"{safe_name(run.id)}.json").exists():
            return folder / f"{safe_name(run.id)}.json"
    candidates = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime) if folder.is_dir() else []
    return candidates[-1] if candidates else None


def preview(
    state_dir: Path, max_html_bytes: int = DEFAULT_MAX_HTML_BYTES, *, elsewhere: Path | None = None
) -> Path:
    """Render the last report again from its JSON into `state_dir/preview.html` (or, `elsewhere`
    given, into that folder with absolute image paths); return its path.

    Raises FileNotFoundError when no report was written yet, OSError when the file cannot be written.
    """
    source = latest_report(state_dir)
    if source is None:
        raise FileNotFoundError(f"aucun rapport dans {Path(state_dir) / REPORTS}")
    report = load_json(source)
    name = source.stem
    images = Path(state_dir) / REPORTS / name
    available = {p.stem for p in images.glob("*.png")} if images.is_dir() else set()
    keys = {key for key in _keys(report) if image_file(key)[:-4] in available}
    base = "" if elsewhere is None else Path(state_dir).resolve().as_uri() + "/"
    fitted = fit_html(
        report,
        max_html_bytes,
        image_src=lambda key: f"{base}{REPORTS}/{name}/{image_file(key)}" if key in keys else None,
        attachment_name=f"{base}{REPORTS}/{name}-complet.html",
    )
    target = (Path(state_dir) if elsewhere is None else elsewhere) / "preview.html"
    write_atomic(target, fitted.html.encode("utf-8"))
    return target


def preview_anywhere(
    state_dir: Path, max_html_bytes: int = DEFAULT_MAX_HTML_BYTES
) -> tuple[Path, OSError | None]:
    """`preview` into the state folder, or, when it cannot be written, into a new temporary
    folder (returned with the error that sent it there)."""
    try:
        return preview(state_dir, max_html_bytes), None
    except FileNotFoundError:
        raise
    except OSError as error:
        folder = Path(tempfile.mkdtemp(prefix="vigie-apercu-"))
        return preview(state_dir, max_html_bytes, elsewhere=folder), error


def _keys(report: Report) -> set[str]:
    return {CHART_KEY} | {ref.key for f in report.findings for ref in f.images}
