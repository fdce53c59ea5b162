"""The one French line a night that stopped half-way leaves on stderr (`scanner.plumbing.failures`)."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest

from scanner.plumbing.failures import bug_line, storage_problem

STATE = Path("/var/lib/vigie")


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "est plein"),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), "est plein"),
        (sqlite3.OperationalError("database or disk is full"), "est plein"),
        (OSError(errno.EROFS, "Read-only file system"), "ne peut plus écrire"),
        (PermissionError(errno.EACCES, "Permission denied"), "ne peut plus écrire"),
        (sqlite3.OperationalError("attempt to write a readonly database"), "ne peut plus écrire"),
        (OSError(errno.EIO, "Input/output error"), "Erreur de lecture ou d'écriture sur le disque"),
        (sqlite3.OperationalError("disk I/O error"), "Erreur de lecture ou d'écriture sur le disque"),
        (
            sqlite3.DatabaseError("database disk image is malformed"),
            "Erreur de lecture ou d'écriture sur le disque",
        ),
    ],
)
def test_storage_failures_name_the_folder_and_reassure_about_the_history(error, words):
    line = storage_problem(error, STATE)
    assert line is not None and words in line.split(" (")[0]
    assert str(STATE) in line and "L'historique garde les nuits précédentes" in line
    assert "\n" not in line


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"),
        TimeoutError("timed out"),
        sqlite3.OperationalError("no such table: runs"),  # a bug (a missing migration), not the disk
        KeyError("x"),
        OSError("no errno"),
    ],
)
def test_other_failures_are_not_storage(error):
    assert storage_problem(error, STATE) is None


def test_a_bug_points_to_the_log():
    line = bug_line(KeyError("x"), STATE / "logs" / "vigie.log")
    assert line.startswith("Erreur interne de Vigie (KeyError)") and "/var/lib/vigie/logs/vigie.log" in line
