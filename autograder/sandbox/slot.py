"""A worker slot: the grader's handle on one fork server, which forks one sandboxed world per
submission (see zygote.py).

Every message from the fork server is read through `messages.parse`; a malformed one is ours (the
fork server runs no student code), and a slot whose clean-up cannot be verified is replaced.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from ..errors import SandboxUnavailable
from . import messages
from .job import Job
from .protections import Protections, SandboxSpec
from .protocol import ProtocolError, close_fds, recv_message, send_message

START_SECONDS = 60.0
PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])


class WorkerSlot:
    """A fork server that forks one sandboxed world per submission (see zygote.py)."""

    def __init__(self, slot: int, spec: SandboxSpec, *, uid_lock: int | None = None):
        self.slot = slot
        self.spec = spec
        self.uid_lock = uid_lock  # held until close: no other grader may use this uid meanwhile
        self._spawn()

    def _spawn(self) -> None:
        ours, theirs = socket.socketpair()
        env = {
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": PACKAGE_PARENT,
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MPLBACKEND": "Agg",
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.sandbox.zygote", str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            env=env,
            cwd="/",
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        theirs.close()
        self.control = ours
        self.control.settimeout(START_SECONDS)
        send_message(self.control, {"op": "hello", "spec": self.spec.to_dict()})
        try:
            header, blobs, _fds = recv_message(self.control)
            ready = messages.parse(header, blobs, expect=("ready",))
        except (EOFError, OSError, ProtocolError) as error:
            raise SandboxUnavailable(f"the fork server for slot {self.slot} did not start ({error})") from None
        self.protections = Protections.from_dict(ready.protections)

    def alive(self) -> bool:
        return self.process.poll() is None

    def restart(self) -> None:
        """Replace a fork server that died (the grader's fault, never the student's)."""
        self.process.kill()
        self.process.wait()
        self.control.close()
        self._spawn()

    def start_job(self) -> Job:
        """A fresh executor; raises SandboxUnavailable (ours) when the fork server cannot make one."""
        self.control.settimeout(30)
        received: list[int] = []
        try:
            send_message(self.control, {"op": "start"})
            header, blobs, received = recv_message(self.control, fds=1)
            started = messages.parse(header, blobs, expect=("started",))
        except (EOFError, OSError, ProtocolError) as error:
            close_fds(received)
            raise SandboxUnavailable(f"the fork server did not start a job ({error})") from None
        return Job(socket.socket(fileno=received[0]), started.pid, pidns=started.pidns)

    def finish_job(self, job: Job) -> int:
        """End everything the job started or created; returns how many processes were killed
        besides its first.  The slot is reused only when its fork server then reports no other
        process; otherwise (or when it does not answer) the fork server is replaced."""
        job.close()
        self.control.settimeout(60)
        try:
            send_message(self.control, {"op": "finish"})
            header, blobs, _fds = recv_message(self.control)
            clean = messages.parse(header, blobs, expect=("clean",))
        except (EOFError, OSError, ProtocolError):
            self.restart()  # cleaning up cannot be verified: a new fork server takes the slot
            return 0
        if clean.leftovers:
            self.restart()
        return clean.killed

    def leftover_processes(self) -> list[int]:
        """Processes of this slot other than its fork server (none between submissions)."""
        self.control.settimeout(30)
        send_message(self.control, {"op": "census"})
        header, blobs, _fds = recv_message(self.control)
        return list(messages.parse(header, blobs, expect=("census",)).pids)

    def close(self) -> None:
        try:
            send_message(self.control, {"op": "exit"})
            self.process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
        self.control.close()
        if self.uid_lock is not None:
            os.close(self.uid_lock)
            self.uid_lock = None
