"""A folder of submissions, graded in parallel on every core, with a progress bar and a summary.

Each worker thread owns one slot: a fork server and an unprivileged uid of its own.  The
threads mostly wait on sockets while sandboxes compute, so the GIL is not the bottleneck;
the trusted test code is light next to the student's cells.
"""

from __future__ import annotations

import fcntl
import os
import pwd
import queue
import stat
import sys
import tempfile
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .assignment import Assignment
from .errors import SandboxUnavailable
from .grade import grade_submission
from .load import submission_name
from .results import Outcome, Status, SubmissionResult
from .sandbox.protections import SandboxSpec
from .sandbox.session import WorkerSlot

FIRST_SANDBOX_UID = 61000


@dataclass(frozen=True)
class Sandboxes:
    """The worker slots of one grading run."""

    slots: tuple[WorkerSlot, ...]

    @property
    def protections(self):
        return self.slots[0].protections

    def close(self) -> None:
        for slot in self.slots:
            slot.close()


UID_RANGE = 256
LOCK_DIR = Path("/run/conv-grader") if Path("/run").is_dir() else Path("/tmp/conv-grader-locks")


def claim_sandbox_uid(first: int = FIRST_SANDBOX_UID) -> tuple[int, int]:
    """Claim a uid that no other grader on this machine is using, and that no account owns.

    Two graders sharing a uid would kill each other's sandboxes when cleaning up, so each
    uid is held with an exclusive lock for as long as its slot lives.  Returns (uid, lock fd).
    """
    # Without root no uid is dropped to, but a user's own graders still must not share a slot.
    lock_dir = LOCK_DIR if os.geteuid() == 0 else Path(tempfile.gettempdir()) / f"conv-grader-locks-{os.getuid()}"
    lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for uid in range(first, first + UID_RANGE):
        try:
            pwd.getpwuid(uid)
            continue  # a real account: never run student code as it
        except KeyError:
            pass
        fd = os.open(lock_dir / f"uid-{uid}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return uid, fd
    raise SandboxUnavailable(f"no free sandbox uid in {first}..{first + UID_RANGE - 1}; set CONV_GRADER_FIRST_UID")


def protect_paths(paths: Iterable[Path]) -> None:
    """Make grader-side folders unreadable to other uids (the sandbox's) where a private
    mount namespace is not available to hide them."""
    for path in paths:
        if path.exists() and not path.is_symlink():
            mode = path.stat().st_mode
            path.chmod(stat.S_IMODE(mode) & ~0o077)


def open_sandboxes(assignment: Assignment, *, workers: int, hide: Sequence[Path], allow_unprotected: bool) -> Sandboxes:
    """Start one fork server per worker; refuse to go on unprotected unless allowed."""
    first_uid = int(os.environ.get("CONV_GRADER_FIRST_UID", FIRST_SANDBOX_UID))
    protect_paths(hide)
    slots = []
    try:
        for index in range(workers):
            uid, lock = claim_sandbox_uid(first_uid)
            spec = SandboxSpec(uid=uid, gid=uid, memory_mb=assignment.limits.memory_mb,
                               cpu_seconds=int(assignment.limits.submission_seconds) + 30,
                               hide=tuple(str(p) for p in hide if p.exists()), preload=assignment.preload,
                               forbidden=assignment.forbidden)
            slots.append(WorkerSlot(index, spec, uid_lock=lock))
        sandboxes = Sandboxes(tuple(slots))
        if not sandboxes.protections.sufficient and not allow_unprotected:
            raise SandboxUnavailable(
                "refusing to grade without the sandbox: " + sandboxes.protections.summary()
                + ". Fix the problem above, or pass --allow-unprotected for code you trust.")
        return sandboxes
    except BaseException:
        for slot in slots:
            slot.close()
        raise


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)))


class Grader:
    """Sandboxes opened once for an assignment, then any number of batches graded in them.

    Use as a context manager; `grade` returns one result per path, in order, always.
    """

    def __init__(self, assignment: Assignment, *, workers: int | None = None, hide: Sequence[Path] = (),
                 allow_unprotected: bool = False, calibrate: bool = True):
        self.assignment = assignment
        self.workers = max(1, workers or default_workers())
        hide = tuple(dict.fromkeys([assignment.directory, *hide]))
        self.sandboxes = open_sandboxes(assignment, workers=self.workers, hide=hide, allow_unprotected=allow_unprotected)
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


if __name__ == "__main__":
    sys.exit("use: python -m autograder grade <folder>")
