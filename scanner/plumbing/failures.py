"""What a night that stopped half-way tells the technician (French), by cause.

Per-account trouble never gets here (it is `non_verifiable` in the report). What does is the
machine: the state folder's disk full, gone read-only or failing. `storage_problem` says so
in one line; anything else escaping the job is a bug, with its traceback in the log.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
_TAIL = (
    "\u00a0: la nuit s'est arrêtée là. L'historique garde les nuits précédentes (chaque nuit "
    "s'y enregistre d'un seul bloc ou pas du tout); relancez Vigie une fois le problème réglé."
)


_OS_ERRORS = {
    errno.EROFS: "système de fichiers en lecture seule",
    errno.EACCES: "accès refusé",
    errno.EPERM: "opération non permise",
    errno.ENOSPC: "disque plein",
    errno.EDQUOT: "quota de disque dépassé",
    errno.EFBIG: "fichier trop grand",
    errno.EIO: "erreur d’entrée-sortie du disque",
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.ENOTDIR: "un élément du chemin n’est pas un dossier",
    errno.EISDIR: "c’est un dossier",
}


def french_os_error(error: OSError) -> str:
    """What the system said, in French (`strerror` is English): never « Read-only file system »."""
    return _OS_ERRORS.get(error.errno or 0, f"erreur du système (code {error.errno})")


def storage_problem(error: BaseException, state_dir: Path) -> str | None:
    """The French line for a storage failure of the state folder, or None when `error` is not one."""
    folder = f"dossier d'état {state_dir}"
    if isinstance(error, sqlite3.Error):
        text = str(error).lower()
        if "full" in text:
            return f"Le disque du {folder} est plein (base de données){_TAIL}"
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            return f"Vigie ne peut plus écrire dans le {folder} (base de données){_TAIL}"
        if "i/o" in text or "malformed" in text or "not a database" in text:
            return f"Erreur de lecture ou d'écriture sur le disque du {folder} (base de données){_TAIL}"
        return None
    if isinstance(error, OSError) and error.errno is not None:
        detail = french_os_error(error)
        if error.errno in _FULL:
            return f"Le disque du {folder} est plein ({detail}){_TAIL}"
        if error.errno in _READ_ONLY:
            return f"Vigie ne peut plus écrire dans le {folder} ({detail}){_TAIL}"
        if error.errno == errno.EIO:
            return f"Erreur de lecture ou d'écriture sur le disque du {folder} ({detail}){_TAIL}"
    return None


def bug_line(error: BaseException, log_file: Path) -> str:
    return (
        f"Erreur interne de Vigie ({type(error).__name__})\u00a0: la nuit s'est arrêtée. Le détail est "
        f"dans {log_file}; signalez-le avec ce fichier."
    )
