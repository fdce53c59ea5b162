"""The few French lines the CLI prints at the end of a run (the e-mails say the rest)."""

from __future__ import annotations

from pathlib import Path

from scanner.plumbing.french import NBSP, percent

KINDS = {"first": "premier avis", "reminder": "rappel", "escalation": "signalement à la direction générale"}
STATES = {"sent": "envoyé", "queued": "en attente", "failed": "refusé", "written": "écrit (essai)"}


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number}{NBSP}{singular if number < 2 else plural}"


def french_summary(outcome, mail_folder: Path | None = None) -> str:
    s = outcome.summary
    lines = [
        f"Audit DA 142 terminé{NBSP}: {_count(s['verified'], 'compte vérifié', 'comptes vérifiés')} "
        f"sur {s['accounts']}, "
        f"dont {_count(s.get('compliant', 0), 'conforme', 'conformes')}; "
        f"part des vérifications conformes{NBSP}: {percent(s['rate'])}.",
        f"Non-conformités{NBSP}: {s['non_conforme']} (nouvelles{NBSP}: {s['new']}, "
        f"réglées depuis la dernière nuit{NBSP}: {s['resolved']}"
        + (f", retirées du registre{NBSP}: {s['retired']}" if s.get("retired") else "")
        + ").",
    ]
    unread = s.get("unread_sites") or []
    if unread:
        lines.append(
            f"Recherche de comptes non déclarés incomplète{NBSP}: "
            f"{_count(len(unread), 'site n’a pas pu être lu', 'sites n’ont pas pu être lus')}"
            f"; {s['discovered']} compte(s) trouvé(s) sur les autres."
        )
        for site, reason in unread:
            lines.append(f"  Site illisible{NBSP}: {site} — {reason}")
    else:
        lines.append(f"Comptes non déclarés découverts{NBSP}: {s['discovered']}.")
    if s.get("held"):
        lines.append(
            f"Attention{NBSP}: le registre a perdu plus de la moitié de ses comptes depuis la dernière nuit; "
            f"les constats de {_count(s['held'], 'compte', 'comptes')} ne sont pas retirés ce soir."
        )
    if s.get("unreported"):
        lines.append(
            f"Ce rapport reprend les nouvelles de {_count(s['unreported'], 'nuit', 'nuits')} dont le rapport "
            "n’a pas été remis."
        )
    for account, reason in s["unverified"]:
        lines.append(f"  Non vérifiable{NBSP}: {account} — {reason}")
    lines.append(f"Rapport{NBSP}: {outcome.report_html}")
    lines.append(f"Rapport JSON{NBSP}: {outcome.report_json}")
    if outcome.coordinator_mail:
        label = "Courriel du rapport (non envoyé)" if s["dry_run"] else "Courriel du rapport conservé"
        lines.append(f"{label}{NBSP}: {outcome.coordinator_mail}")
    sent = [d for d in outcome.notices if d.state == "sent"]
    written = [d for d in outcome.notices if d.state == "written"]
    waiting = len(outcome.notices) - len(sent) - len(written)
    if not outcome.notices:
        lines.append(f"Avis aux directions d’école{NBSP}: aucun ce soir (rien de nouveau ni de rappel dû).")
    elif s["dry_run"]:
        lines.append(
            f"Avis aux directions d’école{NBSP}: {_count(len(written), 'écrit', 'écrits')} dans outbox/, "
            "aucun envoyé (essai)."
        )
    else:
        lines.append(
            f"Avis aux directions d’école{NBSP}: {_count(len(sent), 'envoyé', 'envoyés')}, "
            f"{waiting} en attente ou {'refusé' if waiting < 2 else 'refusés'}."
        )
    for delivery in outcome.notices:
        where = f" → {delivery.path}" if delivery.path else ""
        kind = KINDS.get(delivery.kind, delivery.kind)
        state = STATES.get(delivery.state, delivery.state)
        lines.append(f"  {delivery.school}{NBSP}: {kind}, {state}, à {', '.join(delivery.recipients)}{where}")
    if mail_folder is not None:
        lines.append(f"Courriels reçus par le serveur SMTP de démonstration{NBSP}: {mail_folder}/")
        lines.append(f"Aperçu du rapport dans un navigateur{NBSP}: python run_audit.py preview --demo")
    return "\n".join(lines)
