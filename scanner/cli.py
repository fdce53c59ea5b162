"""The command line: `python run_audit.py [--config DIR] [--dry-run | --demo] [check | daemon | preview]`,
and `python run_audit.py registry export --xlsx FILE | --yaml FILE`.

Exit statuses: `scanner.night.job` defines and decides them (`EXIT_STATUSES`, listed by `--help`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

from scanner.access.report import run_access
from scanner.config import registry_export
from scanner.config.dismissals import DISMISSALS_FILE
from scanner.config.load import ConfigError, load_config, load_registry
from scanner.config.models import Config, Network
from scanner.night import job
from scanner.night.job import EXIT_CONFIG, EXIT_NO_REPORT, EXIT_OK, EXIT_STATUSES, EXIT_STORAGE
from scanner.plumbing.failures import french_os_error
from scanner.plumbing.french import NBSP
from scanner.plumbing.runtime import limit_malloc_arenas
from scanner.plumbing.secrets import Secrets
from scanner.plumbing.timezones import prefer_bundled_tzdata
from scanner.report.preview import preview_anywhere

COMMANDS = ("audit", "check", "daemon", "preview", "access", "registry")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run_audit.py",
        description=(
            "Vigie audits the CSNO's social-media accounts against directive DA 142, "
            "e-mails the report to the communications coordinator and follow-up notices to principals."
        ),
        epilog=(
            "commands: audit (default) runs one audit and sends the e-mails; check only validates the "
            "configuration; daemon stays up and runs the audit every day at the configured time; "
            "preview writes the last report's HTML to a file and prints its path; "
            "access tells, without auditing, what the credentials can read and what the audit will "
            "miss (exit 0 when nothing is missing, 3 when something is, 2 on a configuration error); "
            "registry export --xlsx FILE (or --yaml FILE) writes the registry in the other form. "
            "Exit status: "
            + "; ".join(f"{status} {meaning}" for status, meaning in EXIT_STATUSES.items())
            + "."
        ),
    )
    parser.add_argument(
        "command", nargs="?", default="audit", choices=COMMANDS, help="what to do (default: audit)"
    )
    parser.add_argument(
        "action",
        nargs="?",
        choices=("export",),
        help="with the registry command: export (see --xlsx, --yaml)",
    )
    export = parser.add_mutually_exclusive_group()
    export.add_argument(
        "--xlsx", type=Path, metavar="FILE", help="registry export: write the registry as a workbook"
    )
    export.add_argument(
        "--yaml", type=Path, metavar="FILE", help="registry export: write the registry as YAML"
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=Path("config"),
        metavar="DIR",
        help="configuration folder holding registry.yaml (or registre.xlsx) and settings.yaml (default: config/)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="audit, but write every e-mail as a .eml file under STATE_DIR/outbox/ instead of sending it",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run the whole job against the bundled offline sandbox world (no credentials, loopback only)",
    )
    return parser


# Options that mean nothing with a command: refused rather than silently ignored.
REFUSED = {
    ("daemon", "demo"): "la démonstration se lance une nuit à la fois (python run_audit.py --demo)",
    ("check", "dry_run"): "check ne fait que valider la configuration et n’envoie rien",
    ("preview", "dry_run"): "preview ne fait que réécrire le dernier rapport et n’envoie rien",
    ("registry", "demo"): "registry export ne fait qu’écrire le registre sous son autre forme",
    ("registry", "dry_run"): "registry export ne fait qu’écrire le registre sous son autre forme",
}
OPTION_NAMES = {"demo": "--demo", "dry_run": "--dry-run"}


def refused(args: argparse.Namespace) -> str | None:
    """The French reason an option combination is refused, or None."""
    for (command, option), why in REFUSED.items():
        if args.command == command and getattr(args, option):
            return f"L’option {OPTION_NAMES[option]} ne va pas avec la commande {command}{NBSP}: {why}."
    return None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    exporting = args.command == "registry"
    if exporting != (args.action == "export") or exporting != bool(args.xlsx or args.yaml):
        parser.error("use: registry export --xlsx FILE | --yaml FILE")
    problem = refused(args)
    if problem is not None:
        print(problem, file=sys.stderr)
        return EXIT_CONFIG
    prefer_bundled_tzdata()
    limit_malloc_arenas()
    if exporting:
        return export_registry(args.config, xlsx=args.xlsx, yaml_file=args.yaml)
    # The demo replaces the relay and the tokens; preview sends nothing: neither needs the environment.
    environ = None if args.demo or args.command == "preview" else os.environ
    try:
        config = load_config(args.config, environ=environ)
    except ConfigError as error:
        print_problems(error)
        return EXIT_CONFIG
    if args.command == "check":
        print(summary(config))
        return EXIT_OK
    if args.command == "access":
        if args.demo:
            from vigie_sandbox.demo import demo_world  # the sandbox is imported only to run --demo

            with demo_world(config) as world:
                return run_access(world.config, world.secrets)
        return run_access(config, Secrets.from_env(config.settings))
    if args.command == "preview":
        return preview_command(config, demo=args.demo)
    if args.command == "daemon":
        return job.daemon(config, dry_run=args.dry_run)
    if args.demo:
        return job.demo(config, dry_run=args.dry_run)
    return job.run_once(config, dry_run=args.dry_run)


def export_registry(folder: Path, *, xlsx: Path | None, yaml_file: Path | None) -> int:
    """`registry export`: the registry (YAML or workbook) written in the other form."""
    try:
        registry = load_registry(folder)
    except ConfigError as error:
        print_problems(error)
        return EXIT_CONFIG
    target = xlsx or yaml_file
    try:
        if xlsx:
            registry_export.export_xlsx(registry, xlsx)
        else:
            registry_export.export_yaml(registry, yaml_file)
    except OSError as error:
        print(f"Impossible d’écrire {target}{NBSP}: {french_os_error(error)}.", file=sys.stderr)
        return EXIT_CONFIG
    accounts = len(registry.accounts)
    print(f"Registre écrit dans {target} ({accounts} compte{'s' if accounts > 1 else ''}).")
    return EXIT_OK


def preview_command(config: Config, *, demo: bool) -> int:
    if demo:
        # The offline world is imported only for --demo: a real installation never loads the sandbox.
        from vigie_sandbox.demo import DEMO_STATE_DIR

        state_dir = DEMO_STATE_DIR
    else:
        state_dir = config.state_dir
    try:
        path, problem = preview_anywhere(state_dir, config.settings.report.max_html_bytes)
    except FileNotFoundError:
        print(
            f"Aucun rapport à prévisualiser dans {state_dir}{NBSP}: lancez d’abord un audit.", file=sys.stderr
        )
        return EXIT_NO_REPORT
    except OSError as error:
        print(
            f"Aperçu impossible{NBSP}: {french_os_error(error)} ({error.filename or state_dir}).",
            file=sys.stderr,
        )
        return EXIT_STORAGE
    if problem is not None:
        print(
            f"Le dossier d’état {state_dir} n’accepte pas l’aperçu ({french_os_error(problem)})"
            f"; il est écrit dans un dossier temporaire.",
            file=sys.stderr,
        )
    print(path)
    return EXIT_OK


def print_problems(error: ConfigError) -> None:
    count = len(error.problems)
    noun = "problème" if count == 1 else "problèmes"
    print(f"La configuration contient {count} {noun}{NBSP}:", file=sys.stderr)
    for problem in error.problems:
        print(f"  - {problem}", file=sys.stderr)


def summary(config: Config) -> str:
    registry = config.registry
    per_network = Counter(a.network for a in registry.accounts)
    parts = ", ".join(
        f"{network.label} {per_network[network]}" for network in Network if per_network[network]
    )
    schools = len(registry.schools)
    accounts = len(registry.accounts)
    text = (
        f"Configuration valide{NBSP}: {schools} école{'s' if schools > 1 else ''}, "
        f"{accounts} compte{'s' if accounts > 1 else ''} ({parts})"
    )
    dismissed = config.dismissals
    if dismissed is not None and (dismissed.publications or dismissed.mots):
        posts, words = len(dismissed.publications), len(dismissed.mots)
        text += (
            f"; {DISMISSALS_FILE}{NBSP}: {posts} publication{'s' if posts > 1 else ''} "
            f"écartée{'s' if posts > 1 else ''}, {words} mot{'s' if words > 1 else ''} "
            f"accepté{'s' if words > 1 else ''}"
        )
    return text + "."
