"""Issue 14, items 7 and 8: `check` refuses what would break a night, and says so in French,
located (file, line, field)."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
import yaml
from PIL import Image

from scanner.config.load import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = re.compile(r"\b(should|Input|valid|found|expected|character|did not|Error|Read-only|file system)\b")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(ROOT / "config", target)
    return target


def edit(folder: Path, name: str, change) -> None:
    path = folder / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def problems(folder: Path, **kwargs) -> list[str]:
    with pytest.raises(ConfigError) as error:
        load_config(folder, **kwargs)
    found = [str(p) for p in error.value.problems]
    for problem in found:
        assert not ENGLISH.search(problem), problem
    return found


def settings(change):
    return lambda folder: edit(folder, "settings.yaml", change)


def registry(change):
    return lambda folder: edit(folder, "registry.yaml", change)


def _set(path: str, value):
    def change(data):
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[int(key)] if key.isdigit() else node.setdefault(key, {})
        node[int(last) if last.isdigit() else last] = value

    return change


CASES = {
    "sender-not-an-address": (settings(_set("smtp.sender", "Vigie DA 142")), "smtp.sender", "adresse"),
    "sender-empty": (settings(_set("smtp.sender", "")), "smtp.sender", ""),
    "host-empty": (settings(_set("smtp.host", "")), "smtp.host", "vide"),
    "website-spaces": (
        registry(_set("schools.0.website", "www csno ab ca")),
        "schools[0].website",
        "https://",
    ),
    "website-ftp": (registry(_set("board.website", "ftp://eqv")), "board.website", "https://"),
    "email-domain-@@": (registry(_set("board.email_domains", ["@@"])), "board.email_domains", "domaine"),
    "activity-negative": (settings(_set("activity.hebdomadaire", -3)), "activity.hebdomadaire", "minimum"),
    "max-html-negative": (settings(_set("report.max_html_bytes", -1)), "report.max_html_bytes", "minimum"),
    "handle-as-url": (
        registry(_set("accounts.0.handle", "https://www.facebook.com/EQVCSNO")),
        "accounts[0].handle",
        "EQVCSNO",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_check_refuses_what_would_break_a_night(folder, case):
    change, where, words = CASES[case]
    change(folder)
    found = problems(folder)
    mine = [p for p in found if where in p]
    assert mine, found
    assert words in mine[0], mine[0]
    assert ", ligne " in mine[0], mine[0]


def test_a_username_without_its_password_variable_is_refused(folder):
    environ = {k: v for k, v in os.environ.items() if k != "SMTP_PASSWORD"}
    found = problems(folder, environ=environ)
    assert any("SMTP_PASSWORD" in p and "smtp.password_env" in p for p in found), found
    assert load_config(folder, environ={"SMTP_PASSWORD": "x"})  # set: fine


def huge_png(path: Path, side: int = 30000) -> None:
    """A valid black-and-white PNG of side × side pixels, written row by row (a few hundred KB)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer = zlib.compressobj(9)
    row = b"\0" * (1 + (side + 7) // 8)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def test_logos_too_large_too_small_or_a_folder(folder):
    huge_png(folder / "logos" / "eqv.png")
    Image.new("RGB", (120, 120)).save(folder / "logos" / "eh.png")
    (folder / "logos" / "enf.png").unlink()
    (folder / "logos" / "enf.png").mkdir()
    found = problems(folder)
    big = next(p for p in found if "schools[0].logo" in p)
    assert "trop grande" in big and "pixels" in big
    small = next(p for p in found if "schools[1].logo" in p)
    assert "120 × 120" in small and "200 × 200" in small
    folder_problem = next(p for p in found if "schools[2].logo" in p)
    assert "dossier" in folder_problem and "introuvable" not in folder_problem


# ---------------------------------------------------------------- item 8: French, located


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("a: [1, 2\nb: 3\n", None, "crochet"),
        ("a:\n\tb: 1\n", 2, "tabulation"),
    ],
    ids=["unclosed-bracket", "tab"],
)
def test_yaml_syntax_errors_are_french_and_located(folder, text, line, words):
    (folder / "settings.yaml").write_text(text, encoding="utf-8")
    found = problems(folder)
    mine = next(p for p in found if p.startswith("settings.yaml"))
    assert words in mine, mine
    assert "colonne" in mine
    if line:
        assert f"ligne {line}" in mine


def test_a_fraction_where_an_integer_is_expected(folder):
    settings(_set("escalation.reminder_days", 7.5))(folder)
    mine = next(p for p in problems(folder) if "reminder_days" in p)
    assert "nombre entier" in mine


def test_a_file_that_is_not_utf8_says_where(folder):
    path = folder / "registry.yaml"
    text = path.read_text(encoding="utf-8").replace("École des Quatre-Vents", "\xc9cole des Quatre-Vents", 1)
    path.write_bytes(text.encode("latin-1", errors="replace"))
    mine = next(p for p in problems(folder) if p.startswith("registry.yaml"))
    assert "UTF-8" in mine and "ligne" in mine, mine


def test_check_names_a_state_folder_it_cannot_write(folder, tmp_path):
    """« Read-only file system » and friends come out in French."""
    from scanner.plumbing.failures import french_os_error

    assert "lecture seule" in french_os_error(OSError(30, "Read-only file system"))
    assert "Permission" not in french_os_error(PermissionError(13, "Permission denied"))


def test_check_on_the_command_line_with_the_password_unset(folder):
    env = {k: v for k, v in os.environ.items() if k != "SMTP_PASSWORD"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "run_audit.py"), "check", "--config", str(folder)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert done.returncode == 2 and "SMTP_PASSWORD" in done.stderr, done.stderr
