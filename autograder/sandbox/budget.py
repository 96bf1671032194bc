"""A submission's time, kept in the trusted process.

A submission's time is a `Budget`: the wall-clock time spent waiting on its own sandbox plus the
grader's CPU time spent on its behalf (decoding what came back, checking it, searching for a small
failing input).  Time this grader thread spends waiting for the CPU while another submission is
being checked is not charged, so one submission's cost cannot use up another's deadline.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator


class Budget:
    """Seconds a submission (or one of its tests) may use: its sandbox's wall-clock time while
    the grader waits on it, plus the grader thread's CPU time spent on its behalf.

    A test's budget has the submission's as parent: time charged to one is charged to both,
    and `remaining` is the smaller of the two.
    """

    def __init__(self, seconds: float, parent: "Budget | None" = None):
        self.seconds = seconds
        self.parent = parent
        self.waited = 0.0
        self._cpu_start = time.thread_time()

    def used(self) -> float:
        return self.waited + (time.thread_time() - self._cpu_start)

    def remaining(self) -> float:
        mine = self.seconds - self.used()
        return min(mine, self.parent.remaining()) if self.parent is not None else mine

    def deadline(self, at_most: float = float("inf")) -> float:
        """A time.monotonic() deadline for the next wait: the remaining budget, capped at `at_most` seconds."""
        return time.monotonic() + max(0.0, min(self.remaining(), at_most))

    @contextmanager
    def waiting(self) -> Iterator[None]:
        """Charge the wall-clock time of a wait on the sandbox (its CPU time is not the grader's)."""
        started, cpu = time.monotonic(), time.thread_time()
        try:
            yield
        finally:
            # the thread's CPU time during the wait is already counted by used(): charge the rest
            spent = max(0.0, (time.monotonic() - started) - (time.thread_time() - cpu))
            budget: Budget | None = self
            while budget is not None:
                budget.waited += spent
                budget = budget.parent
