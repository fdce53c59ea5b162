"""Render a sample coordinator report (~40 accounts, 30 nights) and photograph it with headless Chromium.

    .venv/bin/python tools/screenshot_report.py [--out var/screenshots] [--accounts 7]

Writes `report.eml`, `report.html` (images as files beside it) and `report-400.png`,
`report-800.png` (one per --widths) under --out. Chromium (`chromium` or `chromium-browser`)
is installed with apt-get when missing; where it cannot be, the HTML is still written and the
script says so. Not part of CI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import factories as f  # noqa: E402
from browser import ensure_chromium, screenshot  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from scanner.checks.base import Discovered, Status  # noqa: E402
from scanner.config.models import AccountException  # noqa: E402
from scanner.history.store import History  # noqa: E402
from scanner.mail.render import html_body, render_report  # noqa: E402
from scanner.plumbing import french  # noqa: E402
from scanner.report.archive import save_report  # noqa: E402
from scanner.report.model import NoticeEntry, RunInfo, avatar_key, build_report, logo_key  # noqa: E402

EXPIRED = (
    "le jeton d’accès de la plateforme est expiré ou révoqué : "
    "le technicien doit en générer un nouveau et le placer dans la variable d’environnement"
)
NIGHTS = 30


def _avatar(color: str) -> bytes:
    image = Image.new("RGB", (200, 200), color)
    ImageDraw.Draw(image).ellipse((40, 40, 160, 160), fill="white")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _status(account: str, check: str, night: int) -> tuple[Status, str | None]:
    """A story over 30 nights: old findings, a few fixed lately, new ones tonight."""
    last = night == NIGHTS - 1
    if check == "name.suffix" and account.endswith(("-5", "-6")):
        return Status.NON_CONFORME, "Le nom affiché « Volley ÉH » ne se termine pas par « _CSNO »."
    if check == "admins.count" and account.startswith("enf") and night >= 10:
        return Status.NON_CONFORME, "Un seul administrateur déclaré : Julie Côté (enseignant)."
    if check == "logo.school" and account in ("eqv-facebook-0", "eh-x-2") and night >= 25:
        return (
            Status.NON_CONFORME,
            "La photo de profil ne correspond pas au logo officiel (distance 31, seuil 10).",
        )
    if check == "links.board" and account.startswith("els") and not last:
        return Status.NON_CONFORME, "Aucun lien vers www.csno.ab.ca dans le profil."
    if check == "account.reachable" and account == "ebo-x-2" and last:
        return Status.NON_CONFORME, "Le compte X est suspendu."
    if check == "permission.on-file" and account.startswith("esm") and night >= 20 + len(account) % 5:
        return Status.NON_CONFORME, "Aucune permission écrite au registre (Formulaire DA 142)."
    if check == "name.suffix" and account == "eqv-instagram-1" and night % 3 == 0 and not last:
        return Status.NON_CONFORME, "Le nom affiché contient un caractère invisible (U+200B)."
    return Status.CONFORME, None


def sample(state_dir: Path, per_school: int = 7):
    """(report, registry, settings, images): six schools, `per_school` accounts each, 30 nights of history."""
    registry = f.make_registry(6, per_school)
    accounts = list(registry.accounts)
    exception = AccountException(check="name.suffix", reason="Nom imposé par la fédération sportive",
                                 until=dt.date(2026, 12, 15))  # fmt: skip
    accounts[5] = accounts[5].model_copy(update={"exceptions": (exception,)})
    accounts[9] = accounts[9].model_copy(update={"name": "<script>alert(1)</script> Robotique_CSNO"})
    registry = registry.model_copy(update={"accounts": tuple(accounts)})
    catalogue = f.make_catalogue()
    settings = f.make_settings(state_dir)
    with History.in_state_dir(state_dir) as history:
        for night in range(NIGHTS):
            outcomes, results = [], []
            for account in registry.accounts:
                expired = night == NIGHTS - 1 and account.network == "instagram"
                outcomes.append(f.outcome(account, not expired, EXPIRED if expired else None))
                for check_id, check in catalogue.items():
                    status, detail = _status(account.id, check_id, night)
                    if expired and check.needs_platform:
                        status, detail = Status.NON_VERIFIABLE, EXPIRED
                    elif account.network == "facebook_group" and check.needs_platform:
                        status, detail = (
                            Status.MANUEL,
                            "Les groupes Facebook n’ont plus d’API depuis avril 2024.",
                        )
                    elif any(e.check == check_id for e in account.exceptions):
                        status, detail = Status.DEROGATION, None
                    results.append(f.make_result(account.id, check_id, status, detail))
            start = f.night(night - NIGHTS + 1)
            findings = history.record_run(
                f"2026{start:%m%d}T1100Z-{night:02d}", start, start + dt.timedelta(minutes=6, seconds=40),
                "partial" if night == NIGHTS - 1 else "complete", outcomes, results, {},
            )  # fmt: skip
        trend = history.trend(NIGHTS)
        last = history.last_run()
    discovered = [
        Discovered("instagram", "eqv_csno_officiel", "https://www.instagram.com/eqv_csno_officiel/",
                   "https://eqv.csno.ab.ca", "eqv"),
        Discovered("x", "CSNO_Nouvelles", "javascript:alert(1)", "recherche de comptes semblables (nom, logo)", None),
    ]  # fmt: skip
    notices = [
        NoticeEntry(("direction.enf@csno.ab.ca",), "enf", "reminder", tuple(x.id for x in findings[:3])),
        NoticeEntry(("dg@csno.ab.ca", "communications@csno.ab.ca"), "eh", "escalation", (findings[0].id,)),
    ]
    report = build_report(
        run=RunInfo(last.id, last.started_at, last.finished_at, last.status), registry=registry,
        catalogue=catalogue, accounts=outcomes, results=results, findings=findings,
        timezone=settings.timezone, generated_at=last.finished_at, discovered=discovered,
        notices=notices, trend=trend,
    )  # fmt: skip
    images = {avatar_key("eqv-facebook-0"): _avatar("#c0392b"), avatar_key("eh-x-2"): _avatar("#7f8c8d")}
    for school in registry.schools:
        logo = ROOT / "config" / "logos" / f"{school.id}.png"
        images[logo_key(school.id)] = logo.read_bytes() if logo.exists() else _avatar("#1e3a5f")
    return report, registry, settings, images


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "screenshots")
    parser.add_argument("--accounts", type=int, default=7, help="accounts per school (six schools)")
    parser.add_argument("--height", type=int, default=2400)
    parser.add_argument("--widths", type=lambda v: [int(w) for w in v.split(",")], default=[400, 800],
                        help="largeurs de fenêtre en pixels CSS, séparées par des virgules")  # fmt: skip
    args = parser.parse_args()
    out = args.out.resolve()
    shutil.rmtree(out / "state", ignore_errors=True)
    report, registry, settings, images = sample(out / "state", args.accounts)
    message = render_report(report, registry, settings, report.generated_at, images=images)
    (out / "report.eml").write_bytes(message.as_bytes())
    files = save_report(report, out / "state", images=images)
    html = out / "report.html"
    shutil.copy(files.html, html)
    shutil.copytree(files.html.with_suffix(""), out / files.html.stem, dirs_exist_ok=True)
    size = french.number(len(html_body(message).encode()))
    print(f"{message['Subject']}\nHTML du courriel{french.NBSP}: {size}{french.NBSP}octets\n{html}")
    chromium, why = ensure_chromium()
    if chromium is None:
        print(f"Chromium introuvable ({why}) : installez-le (apt-get install -y chromium)", file=sys.stderr)
        return 0
    for width in args.widths:
        png = screenshot(chromium, html, out / f"report-{width}.png", width, args.height)
        print(png)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
