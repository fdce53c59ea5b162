"""Shared fixtures: the sandbox (every platform and the web on one loopback port)."""

from __future__ import annotations

import pytest

from scanner.plumbing.timezones import prefer_bundled_tzdata
from vigie_sandbox.server import SandboxServer
from vigie_sandbox.world import World


def pytest_configure(config):
    # The same time-zone rules as the program itself (scanner.cli calls this first).
    prefer_bundled_tzdata()


@pytest.fixture
def sandbox():
    """Start sandboxes: `sandbox(world=None, routes=None, now=None)` -> a running `SandboxServer`.

    Without a world, the CSNO demo world; without routes, every platform and the web.
    Each sandbox started is stopped at the end of the test.
    """
    started: list[SandboxServer] = []

    def start(world: World | None = None, **kwargs) -> SandboxServer:
        server = SandboxServer(world if world is not None else World.demo(), **kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
