"""The worker slots of a grading run: one fork server each, and, when the grader is root, a dedicated
unprivileged uid each, claimed under a lock so that no two graders on the machine share one.

`open_sandboxes` starts them and refuses to go on without file confinement and network denial
(unless told to); `probe_sandbox` starts one to report what this machine's sandbox proves.
"""

from __future__ import annotations

import fcntl
import os
import pwd
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .assignment import Assignment
from .errors import SandboxUnavailable
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
