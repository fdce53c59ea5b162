"""`python run_audit.py preview`: render the last report again from its JSON, for a browser.

Template changes show at once, without an audit and without sending anything
(the c7n-mailer replay tool). Images are the files `save_report` wrote.
"""

from __future__ import annotations

from pathlib import Path

from scanner.history.store import HISTORY_FILE, History
from scanner.plumbing.atomic_write import write_atomic
from scanner.report.archive import DEFAULT_MAX_HTML_BYTES, REPORTS, image_file, safe_name
from scanner.report.html_report import fit_html
from scanner.report.json_report import load_json
from scanner.report.model import CHART_KEY, Report


def latest_report(state_dir: Path) -> Path | None:
    """The JSON of the last run recorded in the history (or, without history, the newest file)."""
    folder = Path(state_dir) / REPORTS
    if (Path(state_dir) / HISTORY_FILE).exists():
        with History.in_state_dir(state_dir) as history:
            run = history.last_run()
        if run is not None and (folder / f"{safe_name(run.id)}.json").exists():
            return folder / f"{safe_name(run.id)}.json"
    candidates = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime) if folder.is_dir() else []
    return candidates[-1] if candidates else None


def preview(state_dir: Path, max_html_bytes: int = DEFAULT_MAX_HTML_BYTES) -> Path:
    """Render the last report again from its JSON into `state_dir/preview.html`; return its path.

    Raises FileNotFoundError when no report was written yet.
    """
    source = latest_report(state_dir)
    if source is None:
        raise FileNotFoundError(f"aucun rapport dans {Path(state_dir) / REPORTS}")
    report = load_json(source)
    name = source.stem
    images = Path(state_dir) / REPORTS / name
    available = {p.stem for p in images.glob("*.png")} if images.is_dir() else set()
    keys = {key for key in _keys(report) if image_file(key)[:-4] in available}
    fitted = fit_html(
        report,
        max_html_bytes,
        image_src=lambda key: f"{REPORTS}/{name}/{image_file(key)}" if key in keys else None,
        attachment_name=f"{REPORTS}/{name}-complet.html",
    )
    target = Path(state_dir) / "preview.html"
    write_atomic(target, fitted.html.encode("utf-8"))
    return target


def _keys(report: Report) -> set[str]:
    return {CHART_KEY} | {ref.key for f in report.findings for ref in f.images}
