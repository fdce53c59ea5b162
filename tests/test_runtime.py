"""Process-wide settings of the command line."""

import platform

from scanner.plumbing.runtime import limit_malloc_arenas


def test_malloc_arenas_are_capped_on_glibc():
    capped = limit_malloc_arenas(2)
    if platform.libc_ver()[0] == "glibc":
        assert capped is True
    else:
        assert capped is False
