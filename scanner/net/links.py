"""Do the links of a profile answer? (§5.g, check `links.alive`)

Each normalised URL is asked once per run, whichever accounts share it: `HEAD` first,
`GET` when the server refuses `HEAD` (405, 501, and the 400/403 some servers give it).
Redirects are followed by the safe fetcher, each hop checked.

- alive: the final answer is 2xx or 3xx (a 3xx that is not followed further);
- dead: 4xx/5xx, unknown domain, timeout, broken connection, a redirect loop;
- not checked (`alive=None`): the address policy refused it (a private address), or the
  link is not an http(s) address. Those are never counted as dead.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from scanner.checks.base import LinkEvidence
from scanner.net.fetch import ErrorKind, Fetcher, FetchResult, Once
from scanner.net.urls import is_web_url, normalise

HEAD_REFUSED = frozenset({400, 403, 405, 406, 501})
_NOT_CHECKED = frozenset({ErrorKind.REFUSED, ErrorKind.INVALID})

_STATUS_WORDS = {
    400: "requête refusée",
    401: "accès réservé",
    403: "accès refusé",
    404: "introuvable",
    410: "supprimée",
    429: "trop de requêtes",
    500: "erreur du serveur",
    502: "passerelle en erreur",
    503: "service indisponible",
    504: "délai de la passerelle dépassé",
}


class LinkChecker:
    def __init__(self, fetcher: Fetcher, *, max_workers: int = 16):
        self.fetcher = fetcher
        self.max_workers = max_workers
        self._per_url: Once[LinkEvidence] = Once()

    def check(self, urls: Iterable[str]) -> dict[str, LinkEvidence]:
        """normalised URL -> evidence, for every URL given (each asked once per run)."""
        wanted: dict[str, str] = {}
        for url in urls:
            if url and url.strip():
                wanted.setdefault(normalise(url), url.strip())
        if not wanted:
            return {}
        workers = min(self.max_workers, len(wanted))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="links") as pool:
            futures = {key: pool.submit(self.check_one, url) for key, url in wanted.items()}
            return {key: future.result() for key, future in futures.items()}

    def check_one(self, url: str) -> LinkEvidence:
        """The evidence for one URL; a second call for the same normalised URL reuses the first."""
        return self._per_url.get(normalise(url), lambda: self._check(url.strip()))

    def _check(self, url: str) -> LinkEvidence:
        if not is_web_url(url):
            return LinkEvidence(
                url, alive=None, error="lien non vérifié (adresse qui n'est pas http ou https)"
            )
        result = self.fetcher.head(url)
        if result.ok and result.status in HEAD_REFUSED:
            result = self.fetcher.get(url, read_body=False)
        return evidence(url, result)


def evidence(url: str, result: FetchResult) -> LinkEvidence:
    """What a fetch result says of a link."""
    if not result.ok:
        if result.kind in _NOT_CHECKED:
            return LinkEvidence(
                url, alive=None, final_url=result.final_url, error=f"lien non vérifié\u00a0: {result.error}"
            )
        return LinkEvidence(
            url, alive=False, status_code=result.status, final_url=result.final_url, error=result.error
        )
    status = result.status or 0
    if 200 <= status < 400:
        return LinkEvidence(url, alive=True, status_code=status, final_url=result.final_url)
    return LinkEvidence(
        url, alive=False, status_code=status, final_url=result.final_url, error=status_reason(status)
    )


def status_reason(status: int) -> str:
    """« la page répond 404 (introuvable) »."""
    words = _STATUS_WORDS.get(status) or ("erreur du serveur" if status >= 500 else "page inaccessible")
    return f"la page répond {status} ({words})"
