"""A batch of submissions graded in parallel, one worker thread per slot (`slots.py`: a fork server
and, when the grader is root, an unprivileged uid each), every path getting a result, in order.

The threads mostly wait on sockets while sandboxes compute, so the GIL is not the bottleneck; the
trusted test code is light next to the student's cells.  Before a batch the reference solution is
graded once (`Grader.calibrate`), so that a test that raises on it is known to be the instructor's.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence

from .assignment import Assignment
from .grade import grade_submission
from .load import submission_name
from .results import Outcome, Status, SubmissionResult
from .sandbox.session import WorkerSlot
from .slots import default_workers, open_sandboxes


class Grader:
    """Sandboxes opened once for an assignment, then any number of batches graded in them.

    Use as a context manager; `grade` returns one result per path, in order, always.
    """

    def __init__(self, assignment: Assignment, *, workers: int | None = None, outside: Sequence[Path] = (),
                 allow_unprotected: bool = False, calibrate: bool = True):
        self.assignment = assignment
        self.workers = max(1, workers or default_workers())
        outside = tuple(dict.fromkeys([assignment.directory, *outside]))
        self.sandboxes = open_sandboxes(assignment, workers=self.workers, outside=outside,
                                        allow_unprotected=allow_unprotected)
        self.calibration: SubmissionResult | None = None
        if calibrate and assignment.solution is not None:
            try:
                self.calibrate(assignment.solution)
            except BaseException:
                self.close()
                raise

    def calibrate(self, solution: Path) -> SubmissionResult:
        """Grade the reference solution once: a test that raises on it is broken whatever a student
        writes, so in this grader's results it is the instructor's fault (`Assignment.broken_tests`)."""
        result = grade_submission(Path(solution), replace(self.assignment, broken_tests={}), self.sandboxes.slots[0])
        broken = {(t.question, t.name): t.detail or t.message for t in result.tests
                  if t.outcome in (Outcome.ERROR, Outcome.INSTRUCTOR) and t.detail}
        self.assignment = replace(self.assignment, broken_tests=broken)
        self.calibration = result
        return result

    @property
    def disagreements(self) -> list[str]:
        """What the reference solution's own grading says about the tests, for the course staff."""
        if self.calibration is None:
            return []
        if self.calibration.status is not Status.GRADED:
            return [f"the reference solution could not be graded: {self.calibration.message}"]
        notes = []
        for test in self.calibration.tests:
            if (test.question, test.name) in self.assignment.broken_tests:
                last = test.detail.strip().splitlines()[-1] if test.detail.strip() else test.message
                notes.append(f"test {test.question} · {test.name} raises on the reference solution ({last}): "
                             "it is scored as passed for everyone until it is fixed")
            elif test.outcome is not Outcome.PASSED:
                notes.append(f"test {test.question} · {test.name} does not pass on the reference solution: {test.message}")
        return notes

    @property
    def protections(self):
        return self.sandboxes.protections

    def __enter__(self) -> "Grader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.sandboxes.close()

    def _grade_one(self, path: Path, slot: WorkerSlot) -> SubmissionResult:
        """grade_submission, and never an exception: a worker that died would leave its share ungraded."""
        try:
            return grade_submission(path, self.assignment, slot)
        except Exception as error:
            return SubmissionResult.not_gradable(
                submission_name(path), Status.ERROR, f"Internal grading error ({type(error).__name__}: {str(error)[:200]}); "
                "please report this to the course staff.", possible=self.assignment.autograded_points)

    def grade(self, paths: Sequence[Path], *, on_result: Callable[[SubmissionResult], None] | None = None) -> list[SubmissionResult]:
        results: list[SubmissionResult | None] = [None] * len(paths)
        todo: queue.Queue[int] = queue.Queue()
        for index in range(len(paths)):
            todo.put(index)
        lock = threading.Lock()

        def work(slot: WorkerSlot) -> None:
            while True:
                try:
                    index = todo.get_nowait()
                except queue.Empty:
                    return
                if not slot.alive():
                    slot.restart()
                result = self._grade_one(Path(paths[index]), slot)
                if result.status is Status.ERROR and not slot.alive():
                    slot.restart()  # the fork server died under this submission: grade it again once
                    result = self._grade_one(Path(paths[index]), slot)
                with lock:
                    results[index] = result
                    if on_result:
                        on_result(result)

        slots = self.sandboxes.slots[: max(1, len(paths))]
        threads = [threading.Thread(target=work, args=(slot,), daemon=True) for slot in slots]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return [r if r is not None else SubmissionResult.not_gradable(
            submission_name(Path(p)), Status.ERROR, "Internal grading error: no result was produced.",
            possible=self.assignment.autograded_points) for r, p in zip(results, paths)]


def find_submissions(folder: Path) -> list[Path]:
    """Every *.ipynb in `folder` (symlinks included, so that they get an 'invalid' result)."""
    return sorted(p for p in folder.iterdir() if p.name.endswith(".ipynb"))

