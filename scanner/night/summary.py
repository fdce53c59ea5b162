"""The few French lines the CLI prints at the end of a run (the e-mails say the rest)."""

from __future__ import annotations

from pathlib import Path

NBSP = "\u00a0"
KINDS = {"first": "premier avis", "reminder": "rappel", "escalation": "signalement à la direction générale"}
STATES = {"sent": "envoyé", "queued": "en attente", "failed": "refusé", "written": "écrit (essai)"}


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number}{NBSP}{singular if number < 2 else plural}"


def french_summary(outcome, mail_folder: Path | None = None) -> str:
    from scanner.report.french import percent

    s = outcome.summary
    lines = [
        f"Audit DA 142 terminé{NBSP}: {_count(s['verified'], 'compte vérifié', 'comptes vérifiés')} "
        f"sur {s['accounts']}, "
        f"dont {_count(s.get('compliant', 0), 'conforme', 'conformes')}; "
        f"part des vérifications conformes{NBSP}: {percent(s['rate'])}.",
        f"Non-conformités{NBSP}: {s['non_conforme']} (nouvelles{NBSP}: {s['new']}, "
        f"réglées depuis la dernière nuit{NBSP}: {s['resolved']}). Comptes non déclarés découverts{NBSP}: "
        f"{s['discovered']}.",
    ]
    for account, reason in s["unverified"]:
        lines.append(f"  Non vérifiable{NBSP}: {account} — {reason}")
    lines.append(f"Rapport{NBSP}: {outcome.report_html}")
    lines.append(f"Rapport JSON{NBSP}: {outcome.report_json}")
    if outcome.coordinator_mail:
        label = "Courriel du rapport (non envoyé)" if s["dry_run"] else "Courriel du rapport conservé"
        lines.append(f"{label}{NBSP}: {outcome.coordinator_mail}")
    sent = [d for d in outcome.notices if d.state in ("sent", "written")]
    waiting = len(outcome.notices) - len(sent)
    if not outcome.notices:
        lines.append(f"Avis aux directions d’école{NBSP}: aucun ce soir (rien de nouveau ni de rappel dû).")
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
