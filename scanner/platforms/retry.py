"""Bounded retries with exponential backoff and full jitter, for every platform call.

Bounded twice: in attempts and in total time spent waiting, so a platform outage
costs a night a known, small amount of time before its accounts go `non_verifiable`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # including the first
    base: float = 0.5  # seconds, doubled each attempt
    cap: float = 8.0  # longest single wait
    budget: float = 30.0  # longest total wait for one call
    max_server_wait: float = 60.0  # longest wait a rate-limit reset header may ask for

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Wait before retry number `attempt` (1-based): full jitter over base * 2**(attempt-1)."""
        ceiling = min(self.cap, self.base * 2 ** (attempt - 1))
        return (rng or random).uniform(0, ceiling)


class RetryBudget:
    """Tracks one call's retries: `wait()` sleeps, or says the budget is spent."""

    def __init__(self, policy: RetryPolicy, sleep: Callable[[float], None] = time.sleep):
        self.policy = policy
        self.sleep = sleep
        self.attempt = 0
        self.waited = 0.0

    def wait(self, seconds: float | None = None) -> bool:
        """Sleep before the next attempt; False when attempts or time are used up."""
        self.attempt += 1
        if self.attempt >= self.policy.attempts:
            return False
        delay = self.policy.backoff(self.attempt) if seconds is None else seconds
        delay = max(0.0, min(delay, self.policy.max_server_wait))
        if self.waited + delay > self.policy.budget:
            return False
        self.waited += delay
        self.sleep(delay)
        return True
