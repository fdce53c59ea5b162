"""The platforms' API sessions read the environment once, not on every call.

requests consults the environment on each request of a session that trusts it (`trust_env`):
the proxies (`HTTPS_PROXY`, `NO_PROXY`…, `os.environ` walked twice a call), `.netrc` and the CA
bundle (`REQUESTS_CA_BUNDLE`, `CURL_CA_BUNDLE`); see requests' `Session.merge_environment_settings`
and `Session.rebuild_proxies`. An API's host is fixed for the night, so what the environment says
for it is read once here and the session stops asking: the same proxy, the same CA bundle, for a
few thousand calls fewer walks of the environment. (The fetcher of the schools' sites and of the
pictures trusts no environment proxy at all: `scanner.net.fetch`.)
"""

from __future__ import annotations

import os

import requests
from requests.utils import get_environ_proxies


def environment_read_once(session: requests.Session, base_url: str) -> requests.Session:
    """`session`, given the environment's proxies and CA bundle for `base_url`, no longer trusting
    the environment on each call. Returns it."""
    if session.trust_env:
        session.proxies.update(get_environ_proxies(base_url, no_proxy=None))
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if bundle and session.verify is True:
            session.verify = bundle
        session.trust_env = False
    return session
