"""A caller, on the grader's side: a forked copy of the executed notebook that answers calls.

The tests' proxies talk to it: every call has the test's deadline, every reply is parsed and
bounded (`messages.parse`), and what comes back must be plain data, else the student reads what
came back and why it cannot be graded.  A caller that crashes or overruns is killed, only inside
its own job (`_kill_in_job`), and the session forks a fresh one for the next call.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from typing import Any

from ..errors import StudentBadValue, StudentCrashed, StudentModifiedInput, StudentRaised, StudentTimedOut
from . import messages
from .budget import Budget
from .job import Job
from .protocol import ProtocolError, Unsupported, encode_value, recv_message, send_message


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
        self.calls_served = 0  # calls of the student's functions: each may have changed the namespace

    def call(self, name: str, args: tuple, kwargs: dict) -> Any:
        tree, blobs = encode_value([list(args), dict(kwargs)])
        self.calls_served += 1
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
