"""The grader's side of the sandbox: a worker slot, its fork server, and one job at a time.

Every wait on the sandbox has a deadline kept here, in the trusted process: nothing the
student's code does (ignoring signals, spinning, never answering, dribbling a reply a byte at
a time) can stretch it.  Every message is read through `messages.parse`; a malformed one is
the student's fault when it comes from the executor or a caller, and ours when it comes from
the fork server.  Every file descriptor received is checked (`protocol.recv_message`) and
owned by exactly one object that closes it.

A submission's time is a `Budget`: the wall-clock time spent waiting on its own sandbox plus
the grader's CPU time spent on its behalf (decoding what came back, checking it, searching for
a small failing input).  Time this grader thread spends waiting for the CPU while another
submission is being checked is not charged, so one submission's cost cannot use up another's
deadline.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from ..errors import InternalError, SandboxLost, SandboxUnavailable, StudentBadValue, StudentCrashed
from ..errors import StudentModifiedInput, StudentRaised, StudentTimedOut
from . import messages
from .protections import Protections, SandboxSpec
from .protocol import ProtocolError, Unsupported, close_fds, encode_value, recv_message, send_message

START_SECONDS = 60.0
STDOUT_LIMIT = messages.MAX_STDOUT
PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])


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

    def start_job(self) -> "Job":
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

    def finish_job(self, job: "Job") -> int:
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


@dataclass
class Execution:
    """What executing the notebook's cells produced."""

    cells: tuple[messages.CellReport, ...] = ()
    names: dict[str, str] = field(default_factory=dict)
    stdout: str = ""
    namespace: dict[str, str] | None = None  # every public name -> its kind, when asked for (tests taking `env`)
    stopped_at: int | None = None  # the cell during which the executor died or ran out of time
    how: str = ""  # "", "timeout", "died" or "malformed"
    detail: str = ""  # for "malformed": what was wrong with the executor's message


class Job:
    """One submission's executor, reached over its own socket."""

    def __init__(self, sock: socket.socket, pid: int, *, pidns: str = ""):
        self.sock = sock
        self.pid = pid
        self.pidns = pidns  # the job's PID namespace ("" in Landlock-only mode)

    def execute(self, cells: list[str], *, notebook: str, names: list[str],
                skip: set[int], cell_seconds: float, budget: Budget,
                files: Sequence[tuple[str, bytes]] = (), namespace: bool = False) -> Execution:
        """Run the cells; stop at the first cell that kills the executor or overruns its time.

        `files` ((relative path, content) pairs) are written beside the notebook first; with
        `namespace`, the execution also lists every public name the notebook defined and its kind.

        Raises InternalError when the executor dies before running any cell: the sandbox failed
        to set itself up, which is the grader's fault, not the notebook's.
        """
        try:  # no student code has run yet: an executor that cannot take its job is ours
            send_message(self.sock, {"op": "execute", "cells": cells, "notebook": notebook, "names": names,
                                     "skip": sorted(skip), "namespace": namespace,
                                     "files": [[name, index] for index, (name, _data) in enumerate(files)]},
                         [data for _name, data in files])
        except OSError as error:
            raise InternalError(f"the sandbox failed to set itself up before running any cell ({error})") from None
        current = None
        while True:
            try:
                with budget.waiting():
                    header, blobs, _fds = recv_message(self.sock, deadline=budget.deadline(cell_seconds))
                message = messages.parse(header, blobs, expect=("cell", "executed"), cells=len(cells), names=tuple(names))
            except socket.timeout:
                return Execution(stopped_at=current, how="timeout")
            except ProtocolError as error:
                return Execution(stopped_at=current, how="malformed", detail=str(error))
            except (EOFError, OSError) as error:
                if current is None and len(skip) < len(cells):
                    raise InternalError(f"the sandbox failed to set itself up before running any cell ({error})") from None
                return Execution(stopped_at=current, how="died")
            if isinstance(message, messages.CellStarted):
                current = message.index
            else:
                return Execution(cells=message.cells, names=message.names, stdout=message.stdout,
                                 namespace=message.namespace)

    def caller(self) -> "Caller":
        """Fork a fresh caller from the executed notebook."""
        received: list[int] = []
        try:
            send_message(self.sock, {"op": "fork"})
            header, blobs, received = recv_message(self.sock, fds=1, deadline=time.monotonic() + 10)
            forked = messages.parse(header, blobs, expect=("forked",))
        except (EOFError, OSError, ProtocolError, socket.timeout) as error:
            close_fds(received)
            raise SandboxLost(f"the process holding your notebook stopped answering ({error})") from None
        return Caller(self, socket.socket(fileno=received[0]), forked.pid)

    def close(self) -> None:
        self.sock.close()


class Caller:
    """A forked copy of the executed notebook that answers calls; proxies talk to it."""

    def __init__(self, job: Job, sock: socket.socket, pid: int):
        self.job = job
        self.sock = sock
        self.pid = pid
        self.next_id = 0
        self.dead: str | None = None
        self.ended_seen = False
        self.budget = Budget(float("inf"))
        self.values_returned = 0  # how many student values reached the grader (fault attribution)

    def call(self, name: str, args: tuple, kwargs: dict) -> Any:
        tree, blobs = encode_value([list(args), dict(kwargs)])
        reply = self._request({"op": "call", "name": name, "arguments": tree}, blobs, ("return", "raise"))
        if reply.modified:
            which = ", ".join(_argument_label(x) for x in reply.modified[:10])
            raise StudentModifiedInput(f"{name} changed its argument {which} in place; functions must not modify their inputs.")
        if reply.raised is not None:
            raise StudentRaised(f"{name} raised {reply.raised}"[:600])
        return self._plain(name, reply.value)

    def get(self, name: str) -> Any:
        reply = self._request({"op": "get", "name": name}, [], ("value",))
        return self._plain(name, reply.value, what="is")

    def _plain(self, name: str, value: Any, *, what: str = "returned") -> Any:
        bad = _first_unsupported(value)
        if bad is not None:
            raise StudentBadValue(f"{name} {what} {_a(bad.type_name)}, which cannot be graded; "
                                  "expected plain data: numbers, strings, lists, tuples, sets or numpy arrays.")
        self.values_returned += 1
        return value

    def _request(self, header: dict, blobs: list[bytes], expect: tuple[str, ...]) -> messages.Returned:
        if self.dead:
            raise StudentCrashed(self.dead)
        self.next_id += 1
        header["id"] = self.next_id
        name = header.get("name")
        try:
            with self.budget.waiting():
                deadline = self.budget.deadline()
                self.sock.settimeout(max(0.01, deadline - time.monotonic()))
                send_message(self.sock, header, blobs)
                reply, reply_blobs, _fds = recv_message(self.sock, deadline=deadline)
            return messages.parse(reply, reply_blobs, expect=expect, call_id=self.next_id)
        except socket.timeout:
            self._kill()
            raise StudentTimedOut(f"{name} did not return within the test's time limit (an endless loop, or far too slow).") from None
        except ProtocolError as error:
            self._kill()
            raise StudentBadValue(f"{name} sent back something the grader refuses ({error}); "
                                  "return a numpy array or number of a reasonable size.") from None
        except (EOFError, OSError):
            self.dead = self._ended() or "the process running it died"
            raise StudentCrashed(f"{name} crashed the process running it ({self.dead}).") from None

    def _kill(self) -> None:
        _kill_in_job(self.pid, self.job)
        self.dead = self._ended() or "stopped after the time limit"

    def _ended(self) -> str:
        """Read the executor's note of how the caller ended."""
        try:
            header, blobs, _fds = recv_message(self.job.sock, deadline=time.monotonic() + 2)
            ended = messages.parse(header, blobs, expect=("ended",), pid=self.pid)
        except (EOFError, OSError, ProtocolError, socket.timeout):
            return ""
        self.ended_seen = True
        return ended.how

    def close(self) -> None:
        """End the caller; the executor reports and waits for the next fork."""
        if not self.ended_seen:
            try:
                self.sock.settimeout(1)
                send_message(self.sock, {"op": "end"})
            except OSError:
                pass
        self.sock.close()
        if not self.ended_seen and not self._ended():
            _kill_in_job(self.pid, self.job)
            self._ended()


def _a(type_name: str) -> str:
    if type_name == "ellipsis":
        return "still `...` (an ellipsis)"
    if type_name.startswith(("a ", "an ", "numpy array", "arrays")):  # the encoder's own description
        return type_name
    return f"an object of type {type_name}"


def _argument_label(index: Any) -> str:
    return f"#{index + 1}" if isinstance(index, int) else str(index)


def _first_unsupported(value: Any) -> Unsupported | None:
    """The first value that could not cross, walking the decoded value (iteratively: its depth is
    bounded by the protocol, but this must not depend on that)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Unsupported):
            return item
        if isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(reversed(list(item)) if isinstance(item, (list, tuple)) else item)
        elif isinstance(item, dict):
            stack.extend([*item.keys(), *item.values()])
    return None


def _kill_in_job(pid: int, job: Job) -> None:
    """SIGKILL the job's process that the executor calls `pid` (a number in the job's own PID
    namespace), and nothing else: a pid named by the sandbox is only acted on when /proc shows
    that process inside the job (its namespace, or below its executor in Landlock-only mode)."""
    if type(pid) is not int or pid <= 0:
        return
    target = _find_in_job(pid, job)
    if target is not None:
        try:
            os.kill(target, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _find_in_job(pid: int, job: Job) -> int | None:
    if not job.pidns:
        return pid if pid != job.pid and _descends_from(pid, job.pid) else None
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{entry}/ns/pid") != job.pidns:
                continue
            with open(f"/proc/{entry}/status") as status:
                nspid = next(line for line in status if line.startswith("NSpid:")).split()[1:]
        except (OSError, StopIteration):
            continue
        if nspid and nspid[-1] == str(pid):
            return int(entry)
    return None


def _descends_from(pid: int, ancestor: int) -> bool:
    for _ in range(64):
        try:
            with open(f"/proc/{pid}/stat", "rb") as stat:
                pid = int(stat.read().rpartition(b")")[2].split()[1])
        except (OSError, IndexError, ValueError):
            return False
        if pid == ancestor:
            return True
        if pid <= 1:
            return False
    return False
