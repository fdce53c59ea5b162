"""The `access` command's French report and its exit status (0 complete, 3 something missing)."""

from __future__ import annotations

from collections.abc import Callable

from scanner.access.probe import PlatformAccess, probe_all
from scanner.config.models import Config
from scanner.plumbing.secrets import Secrets

EXIT_COMPLETE = 0
EXIT_MISSING = 3
ALL_CHECKS = "toutes"


def french_report(results: list[PlatformAccess]) -> str:
    lines = ["Accès de Vigie aux plateformes (aucun audit n'est fait)", ""]
    for result in results:
        state = "tout ce que l'audit demande" if result.complete else "incomplet"
        counted = f"{result.accounts} compte{'s' if result.accounts > 1 else ''} au registre"
        lines.append(f"{result.name} — {counted}\u00a0: {state}")
        lines += [f"  • {line}" for line in result.lines]
        lines += [f"  ✗ {problem}" for problem in result.missing]
        for check, accounts in sorted(result.unverifiable.items()):
            what = "toutes les vérifications" if check == ALL_CHECKS else f"la vérification {check}"
            shown = ", ".join(accounts[:8]) + (f" et {len(accounts) - 8} autres" if len(accounts) > 8 else "")
            lines.append(f"  → non vérifiable\u00a0: {what}, pour {shown}")
        lines.append("")
    missing = sum(not r.complete for r in results)
    if missing:
        which = "une plateforme" if missing == 1 else f"{missing} plateformes"
        lines.append(
            f"À corriger avant la première nuit\u00a0: {which}. Voir le README, «\u00a0Obtenir les accès\u00a0»."
        )
    else:
        lines.append("Tout est en place\u00a0: chaque plateforme répond avec ce que l'audit demande.")
    return "\n".join(lines)


def run_access(config: Config, secrets: Secrets, out: Callable[[str], None] = print) -> int:
    results = probe_all(config, secrets)
    out(french_report(results))
    return EXIT_COMPLETE if all(r.complete for r in results) else EXIT_MISSING
