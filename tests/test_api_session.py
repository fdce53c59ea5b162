"""The API sessions read the environment's proxies and CA bundle once (scanner.net.api_session)."""

from __future__ import annotations

import requests

from scanner.net.api_session import environment_read_once


def test_the_proxy_and_the_ca_bundle_are_read_once_and_the_session_stops_asking(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.csno.test:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/csno.pem")
    session = environment_read_once(requests.Session(), "https://graph.facebook.com/")
    assert session.proxies == {"https": "http://proxy.csno.test:3128"}
    assert session.verify == "/etc/ssl/csno.pem"
    assert session.trust_env is False
    # what the environment says later no longer changes the session (it was read once)
    monkeypatch.setenv("HTTPS_PROXY", "http://other.test:8080")
    assert session.proxies["https"] == "http://proxy.csno.test:3128"


def test_no_proxy_for_the_api_host_is_honoured(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.csno.test:3128")
    monkeypatch.setenv("NO_PROXY", "graph.facebook.com,127.0.0.1")
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    session = environment_read_once(requests.Session(), "https://graph.facebook.com/")
    assert session.proxies == {} and session.verify is True and session.trust_env is False
