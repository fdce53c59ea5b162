"""The report on disk: `STATE_DIR/reports/<run-id>.json`, the HTML it mailed beside it
(`<run-id>.html`, images as files in `<run-id>/`), the night's workbook (`<run-id>.xlsx`).
`scanner.report.preview` renders it again. Every file is written atomically.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from scanner.checks.base import Check
from scanner.checks.catalogue import CATALOGUE
from scanner.plumbing.atomic_write import write_atomic
from scanner.report.chart import prepare_images
from scanner.report.html_report import fit_html, render_full_html
from scanner.report.json_report import write_json
from scanner.report.model import Report
from scanner.report.workbook import workbook_data

REPORTS = "reports"
DEFAULT_MAX_HTML_BYTES = 100_000


@dataclass(frozen=True)
class ReportFiles:
    json: Path
    html: Path
    full_html: Path | None = None  # every finding, when the mailed HTML had to be cut
    xlsx: Path | None = None  # the night's workbook


def safe_name(run_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", run_id).strip("._") or "run"


def image_file(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", key).strip("-") + ".png"


def save_report(
    report: Report,
    state_dir: Path,
    *,
    images: Mapping[str, bytes] | None = None,
    max_html_bytes: int = DEFAULT_MAX_HTML_BYTES,
    variables: Mapping[str, str] | None = None,
    catalogue: Mapping[str, Check] = CATALOGUE,
) -> ReportFiles:
    """Write the JSON report, its HTML (as mailed, images as files) and the night's workbook
    under `state_dir/reports/`."""
    folder = Path(state_dir) / REPORTS
    name = safe_name(report.run.id)
    json_path = write_json(report, folder / f"{name}.json")
    xlsx_path = folder / f"{name}.xlsx"
    write_atomic(xlsx_path, workbook_data(report, catalogue))
    pngs = prepare_images(report, images or {})
    for key, png in pngs.items():
        write_atomic(folder / name / image_file(key), png)
    files = _write_html(report, folder, name, set(pngs), max_html_bytes, variables, json_path)
    return replace(files, xlsx=xlsx_path)


def _write_html(
    report: Report,
    folder: Path,
    name: str,
    available: set[str],
    max_html_bytes: int,
    variables: Mapping[str, str] | None,
    json_path: Path,
    prefix: str = "",
) -> ReportFiles:
    full_name = f"{name}-complet.html"
    fitted = fit_html(
        report,
        max_html_bytes,
        image_src=lambda key: f"{prefix}{name}/{image_file(key)}" if key in available else None,
        variables=variables,
        attachment_name=full_name,
    )
    html_path = folder / f"{name}.html"
    write_atomic(html_path, fitted.html.encode("utf-8"))
    full_path = None
    if fitted.truncated:
        full_path = folder / full_name
        write_atomic(full_path, render_full_html(report, variables=variables).encode("utf-8"))
    return ReportFiles(json_path, html_path, full_path)
