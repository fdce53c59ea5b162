"""The command line: `python run_audit.py [--config DIR] [--dry-run | --demo] [check | daemon | preview]`,
and `python run_audit.py registry export --xlsx FILE | --yaml FILE`.

Exit statuses (SPEC.md): 0 every account verified; 3 finished but some accounts could
not be verified; 2 configuration error; 75 another run holds the lock; anything else is a bug.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from scanner.config import registry_export
from scanner.config.load import ConfigError, load_config, load_registry
from scanner.config.models import Config, Network
from scanner.night.job import EXIT_CONFIG, EXIT_OK
from scanner.plumbing.runtime import limit_malloc_arenas
from scanner.plumbing.timezones import prefer_bundled_tzdata

NBSP = "\u00a0"

COMMANDS = ("audit", "check", "daemon", "preview", "registry")


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
            "registry export --xlsx FILE (or --yaml FILE) writes the registry in the other form. "
            "Exit status: 0 all accounts verified, 3 some accounts could not be verified, "
            "2 configuration error, 75 another run is in progress."
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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    exporting = args.command == "registry"
    if exporting != (args.action == "export") or exporting != bool(args.xlsx or args.yaml):
        parser.error("use: registry export --xlsx FILE | --yaml FILE")
    prefer_bundled_tzdata()
    limit_malloc_arenas()
    if args.command == "registry":
        return export_registry(args.config, xlsx=args.xlsx, yaml_file=args.yaml)
    try:
        config = load_config(args.config)
    except ConfigError as error:
        print_problems(error)
        return EXIT_CONFIG
    if args.command == "check":
        print(summary(config))
        return EXIT_OK
    if args.command == "preview":
        from scanner.report.preview import preview
        from vigie_sandbox.demo import DEMO_STATE_DIR

        state_dir = DEMO_STATE_DIR if args.demo else config.state_dir
        try:
            path = preview(state_dir, config.settings.report.max_html_bytes)
        except FileNotFoundError:
            print(f"Aucun rapport à prévisualiser{NBSP}: lancez d'abord un audit.", file=sys.stderr)
            return 1
        print(path)
        return EXIT_OK
    from scanner.night import job

    if args.command == "daemon":
        return job.daemon(config, dry_run=args.dry_run)
    if args.demo:
        return job.demo(config)
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
        print(f"Impossible d’écrire {target}{NBSP}: {error.strerror or error}.", file=sys.stderr)
        return EXIT_CONFIG
    accounts = len(registry.accounts)
    print(f"Registre écrit dans {target} ({accounts} compte{'s' if accounts > 1 else ''}).")
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
    return (
        f"Configuration valide{NBSP}: {schools} école{'s' if schools > 1 else ''}, "
        f"{accounts} compte{'s' if accounts > 1 else ''} ({parts})."
    )
