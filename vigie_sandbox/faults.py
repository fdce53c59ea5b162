"""Fault knobs, per endpoint: what the sandbox does wrong, and how many times.

`sandbox.faults.set("graph", latency=0.05)` slows every Graph call;
`sandbox.faults.set("x.users", rate_limited=1)` makes the next X users lookup a 429,
then lets the following ones through. Counted knobs are consumed one request at a time.
Endpoint names match by prefix: "graph" covers "graph.ids" and "graph.object".

Generic knobs are applied by the server to whatever the handler produced:
latency, server_errors (5xx bursts), malformed_json, truncated, slow_body.
Platform-shaped knobs are read by the platform handlers with `take()`:
rate_limited, token_expired, throttled (Graph codes 4/17/32/613), and any other name.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass
class Knobs:
    latency: float = 0.0  # seconds before answering
    server_errors: int = 0  # next N answers are 503
    malformed_json: int = 0  # next N JSON bodies are cut to invalid JSON
    truncated: int = 0  # next N bodies stop half-way (Content-Length kept)
    slow_body: float = 0.0  # seconds to pause in the middle of each body
    counters: dict[str, Any] = field(default_factory=dict)  # platform-shaped knobs


@dataclass(frozen=True)
class AppliedFault:
    response: Any
    latency: float = 0.0
    truncate: bool = False
    slow_body: float = 0.0


class FaultPlan:
    def __init__(self) -> None:
        self._knobs: dict[str, Knobs] = {}
        self._lock = threading.Lock()

    def set(self, endpoint: str, **knobs: Any) -> None:
        """Set knobs for an endpoint prefix; unknown names become platform-shaped counters."""
        with self._lock:
            current = self._knobs.setdefault(endpoint, Knobs())
            generic = {k: v for k, v in knobs.items() if k in Knobs.__dataclass_fields__ and k != "counters"}
            for name, value in generic.items():
                setattr(current, name, value)
            current.counters.update({k: v for k, v in knobs.items() if k not in generic})

    def clear(self) -> None:
        with self._lock:
            self._knobs.clear()

    def _matching(self, endpoint: str) -> list[Knobs]:
        return [k for prefix, k in self._knobs.items() if endpoint.startswith(prefix)]

    def take(self, endpoint: str, name: str) -> Any:
        """Consume one unit of a platform-shaped knob: True/value if it fires for this request.

        An int counts down (fires N times); any other truthy value fires every time.
        """
        with self._lock:
            for knobs in self._matching(endpoint):
                value = knobs.counters.get(name)
                if isinstance(value, bool) or not isinstance(value, int):
                    if value:
                        return value
                    continue
                if value > 0:
                    knobs.counters[name] = value - 1
                    return True
        return None

    def peek(self, endpoint: str, name: str) -> Any:
        with self._lock:
            for knobs in self._matching(endpoint):
                if knobs.counters.get(name):
                    return knobs.counters[name]
        return None

    def apply(self, endpoint: str, response: Any) -> AppliedFault:
        with self._lock:
            matching = self._matching(endpoint)
            latency = max((k.latency for k in matching), default=0.0)
            slow = max((k.slow_body for k in matching), default=0.0)
            truncate = False
            for knobs in matching:
                if knobs.server_errors > 0:
                    knobs.server_errors -= 1
                    response = replace(
                        response,
                        status=503,
                        body=b"<html><body>Service Unavailable</body></html>",
                        headers={"Content-Type": "text/html"},
                    )
                    break
                if knobs.malformed_json > 0 and "json" in response.headers.get("Content-Type", ""):
                    knobs.malformed_json -= 1
                    response = replace(
                        response, body=response.body[: max(1, len(response.body) // 3)] + b"}{"
                    )
                    break
                if knobs.truncated > 0:
                    knobs.truncated -= 1
                    truncate = True
                    break
        return AppliedFault(response, latency, truncate, slow)
