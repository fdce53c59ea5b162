"""One source of time-zone rules for the whole program.

The `schedule` package (daemon) computes with pytz's bundled database, while
`zoneinfo` (report dates, notices) reads the operating system's, which may be years
older: they disagreed for America/Edmonton after 2026-11-01. Pointing `zoneinfo` at the
`tzdata` package keeps both on maintained, pip-updatable data.
"""

from __future__ import annotations

import zoneinfo


def prefer_bundled_tzdata() -> bool:
    """Make `zoneinfo` read the `tzdata` package instead of the system's files, if it is installed."""
    try:  # an optional dependency, imported here to know whether it is installed
        import tzdata  # noqa: F401
    except ImportError:
        return False
    zoneinfo.reset_tzpath(to=[])
    return True
