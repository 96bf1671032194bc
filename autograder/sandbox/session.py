"""The grader's side of the sandbox, behind one facade: a `Session` grades one submission in a
worker slot.

    with Session(slot, budget) as session:
        run = session.run_notebook(cells, notebook=..., names=..., skip=..., cell_seconds=...)
        ... session.caller().call(name, args, kwargs) ...   # what the tests' proxies do

- `run_notebook` runs the cells in a fresh executor; a cell that kills the executor or overruns
  its time is skipped and the notebook run again without it (at most `MAX_RESTARTS` times), so the
  cells after it still define their names.  The result is a `NotebookRun`: what ran and the notes
  the student reads about it.
- `caller` forks callers lazily: one for the submission, and a fresh one after a crash or a
  timeout (a fork per question would isolate questions from each other's global state, but a
  notebook's names share one namespace in Jupyter too, and each fork of a process holding numpy
  and matplotlib costs about 2 ms).  `values_seen` counts the student's values that reached the
  tests, for `run_tests` to tell whose fault an exception is.
- closing the session ends everything the submission started (`WorkerSlot.finish_job`).

Below it, one module per job: `slot` (a fork server), `job` (an executor; `Ending` says how its
cells ended), `caller` (the calls), `budget` (a submission's time); `protocol` and `messages` are
what crosses the socket.  Every wait has a deadline kept in the trusted process: nothing the
student's code does (ignoring signals, spinning, never answering, dribbling a reply a byte at a
time) can stretch it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from ..errors import GradingStopped, StudentFault
from .budget import Budget
from .caller import Caller
from .job import Ending, Execution, Job
from .messages import NameKind
from .slot import WorkerSlot

MAX_RESTARTS = 3

__all__ = ["Budget", "Caller", "Ending", "Execution", "Job", "NameKind", "NotebookRun", "Session", "WorkerSlot"]


@dataclass(frozen=True)
class NotebookRun:
    """What running a submission's notebook gave: the execution whose names the tests use (empty when
    nothing it reported can be used) and notes for the student, in the order things happened."""

    execution: Execution
    notes: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        """True when the notebook ran far enough for the tests: it reported the names they bind."""
        return bool(self.execution.names) or self.execution.namespace is not None


class Session:
    """One submission in a worker slot (see the module's docstring).  Use as a context manager."""

    def __init__(self, slot: WorkerSlot, budget: Budget):
        self.slot = slot
        self.budget = budget
        self.job: Job | None = None
        self.call_budget = Budget(float("inf"))  # the running test's: set by run_tests before each test
        self._caller: Caller | None = None
        self._values_returned = 0  # over every caller of the submission
        # values as the notebook left them (read from a caller that had run nothing), by name: they cannot change
        self._values: dict[str, Any] = {}

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ the notebook

    def run_notebook(self, cells: list[str], *, notebook: str, names: list[str], skip: set[int],
                     cell_seconds: float, files: Sequence[tuple[str, bytes]] = (),
                     namespace: bool = False) -> NotebookRun:
        """Run the cells in a fresh executor, skipping a cell that kills it or overruns its time and
        running the notebook again without it.  `files` ((path, content) pairs) are written beside the
        notebook; with `namespace` the run lists every public name (for tests taking `env`).
        Raises InternalError when the sandbox cannot be set up."""
        skip = set(skip)
        notes: list[str] = []
        restarts = 0
        while True:
            self._finish_job()
            self.job = self.slot.start_job()
            execution = self.job.execute(cells, notebook=notebook, names=names, skip=skip, cell_seconds=cell_seconds,
                                         budget=self.budget, files=files, namespace=namespace)
            if execution.ending is Ending.COMPLETED:
                return NotebookRun(execution, tuple(notes))
            if execution.ending is Ending.MALFORMED:
                notes.append(f"the process running your notebook sent the grader a malformed report ({execution.detail}), "
                             "so nothing it reported can be used")
                return NotebookRun(Execution(ending=Ending.MALFORMED), tuple(notes))
            cell = execution.stopped_at
            timed_out = execution.ending is Ending.TIMEOUT
            if cell is None or restarts >= MAX_RESTARTS or self.budget.remaining() <= 0:
                notes.append("the sandbox stopped before the notebook finished" if cell is None else
                             f"code cell {cell + 1} {'ran too long' if timed_out else 'stopped the sandbox'}")
                return NotebookRun(execution, tuple(notes))
            notes.append(f"code cell {cell + 1} "
                         f"{'ran past its time limit' if timed_out else 'ended the process running the notebook'} and was skipped")
            skip.add(cell)
            restarts += 1

    # ------------------------------------------------------------ calls

    def caller(self) -> Caller:
        """The live caller, forked now if there is none or the last one died."""
        if self.job is None:
            raise RuntimeError("no notebook has run in this session")
        if self._caller is None or self._caller.dead:
            self._close_caller()
            self._caller = self.job.caller()
        self._caller.budget = self.call_budget
        return self._caller

    def value(self, name: str) -> Any:
        """The value of `name` as the notebook left it when its last cell ended (plain data; a copy of its own).

        A caller that has run any of the student's functions may hold a namespace they changed (a function
        that sets a global such as `pooled` on every call would make a wrong value right after the fact), so
        the value is then read from a fresh fork of the executed notebook, which later calls use too.  A
        value once read is kept: the notebook's last state does not change."""
        if name in self._values:
            self._values_returned += 1
            return copy.deepcopy(self._values[name])
        if self._caller is not None and not self._caller.dead and self._caller.calls_served:
            self._close_caller()
        value = self.caller().get(name)
        self._values[name] = copy.deepcopy(value)
        return value

    def read_values(self, names: Iterable[str]) -> None:
        """Read `names` (values, not functions) now, before any test calls a student function, so that
        reading them later needs no fresh fork.  Best effort: a value that cannot be read now is read
        again, with its fault, by the test that reads it."""
        for name in names:
            if self._caller is not None and self._caller.calls_served:
                return
            try:
                self.value(name)
            except (Exception, StudentFault, GradingStopped):  # noqa: BLE001 - the test meets it again
                return

    def values_seen(self) -> int:
        """How many of the student's values have reached the tests so far."""
        return self._values_returned + (self._caller.values_returned if self._caller else 0)

    # ------------------------------------------------------------ the end

    def close(self) -> None:
        """End the caller and everything the submission started."""
        try:
            self._close_caller()
        finally:
            self._finish_job()

    def _close_caller(self) -> None:
        if self._caller is not None:
            self._values_returned += self._caller.values_returned
            caller, self._caller = self._caller, None
            caller.close()

    def _finish_job(self) -> None:
        if self.job is not None:
            job, self.job = self.job, None
            self.slot.finish_job(job)
