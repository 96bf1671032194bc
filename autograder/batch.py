"""A folder of submissions, graded in parallel on every core, with a progress bar and a summary.

Each worker thread owns one slot: a fork server (and, when the grader is root, an unprivileged uid) of
its own.  The threads mostly wait on sockets while sandboxes compute, so the GIL is not the bottleneck;
the trusted test code is light next to the student's cells.
"""

from __future__ import annotations

import fcntl
import os
import pwd
import queue
import sys
import tempfile
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

from .assignment import Assignment
from .errors import SandboxUnavailable
from .grade import grade_submission
from .load import submission_name
from .results import Outcome, Status, SubmissionResult
from .sandbox.protections import Protections, SandboxSpec
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


def open_sandboxes(assignment: Assignment, *, workers: int, outside: Sequence[Path], allow_unprotected: bool) -> Sandboxes:
    """Start one fork server per worker; refuse to go on unprotected unless allowed.

    `outside` names grader-side paths (the assignment with its hidden tests, the submissions, the
    output) that each fork server's probe must prove its sandbox cannot read.  Nothing on disk is
    changed for it: the sandbox sees an allow-listed world, whoever owns those folders.
    """
    slots = []
    try:
        for index in range(workers):
            uid, gid, lock = _slot_identity()
            spec = SandboxSpec(uid=uid, gid=gid, memory_mb=assignment.limits.memory_mb,
                               cpu_seconds=int(assignment.limits.submission_seconds) + 30,
                               preload=assignment.preload, removals=assignment.removals,
                               outside=tuple(str(p) for p in outside if p.exists()))
            slots.append(WorkerSlot(index, spec, uid_lock=lock))
        sandboxes = Sandboxes(tuple(slots))
        protections = sandboxes.protections
        if not protections.sufficient:
            if not allow_unprotected:
                raise SandboxUnavailable(
                    "refusing to grade: the sandbox lacks " + " and ".join(protections.missing()) + ". "
                    + protections.summary() + ". " + UNPROTECTED_ADVICE)
            print("WARNING: grading WITHOUT a working sandbox (--allow-unprotected): student code can read "
                  "and change your files and reach the network. Only do this for code you trust.", file=sys.stderr)
        return sandboxes
    except BaseException:
        for slot in slots:
            slot.close()
        raise


def _slot_identity() -> tuple[int, int, int | None]:
    """As root, a dedicated unprivileged uid claimed under a lock; otherwise the grader's own ids
    (student code then runs with no capabilities in a world of its own)."""
    if os.geteuid() == 0:
        uid, lock = claim_sandbox_uid(int(os.environ.get("CONV_GRADER_FIRST_UID", FIRST_SANDBOX_UID)))
        return uid, uid, lock
    return os.getuid(), os.getgid(), None


def probe_sandbox(outside: Sequence[Path] = ()) -> Protections:
    """Start one fork server, as grading would, and return the protections its probe proved."""
    uid, gid, lock = _slot_identity()
    home = Path(os.path.expanduser("~"))
    spec = SandboxSpec(uid=uid, gid=gid, outside=tuple(str(p) for p in [home, *outside] if p.exists()))
    slot = WorkerSlot(0, spec, uid_lock=lock)
    try:
        return slot.protections
    finally:
        slot.close()


UNPROTECTED_ADVICE = (
    "To fix it: run on Linux 5.13 or newer with Landlock enabled (it is by default on Debian, Ubuntu and "
    "Fedora kernels), or allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; on "
    "Ubuntu 24.04 also kernel.apparmor_restrict_unprivileged_userns=0), or run the grader as root. "
    "--allow-unprotected runs student code with your own rights: only for code you trust.")


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)))


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


if __name__ == "__main__":
    sys.exit("use: python -m autograder grade <folder>")
