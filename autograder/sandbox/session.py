"""The grader's side of the sandbox: a worker slot, its fork server, and one job at a time.

Every wait on the sandbox has a deadline kept here, in the trusted process: nothing the
student's code does (ignoring signals, spinning, never answering) can stretch it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SandboxLost, SandboxUnavailable, StudentBadValue, StudentCrashed
from ..errors import StudentModifiedInput, StudentRaised, StudentTimedOut
from .protections import Protections, SandboxSpec
from .protocol import ProtocolError, Unsupported, decode_value, encode_value, recv_message, send_message

START_SECONDS = 60.0
STDOUT_LIMIT = 20_000  # the executor keeps no more; a forged report may not either
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
            header, _blobs, _fds = recv_message(self.control)
        except (EOFError, OSError, ProtocolError) as error:
            raise SandboxUnavailable(f"the fork server for slot {self.slot} did not start ({error})") from None
        self.protections = Protections.from_dict(header["protections"])

    def alive(self) -> bool:
        return self.process.poll() is None

    def restart(self) -> None:
        """Replace a fork server that died (the grader's fault, never the student's)."""
        self.process.kill()
        self.process.wait()
        self.control.close()
        self._spawn()

    def start_job(self) -> "Job":
        self.control.settimeout(30)
        send_message(self.control, {"op": "start"})
        header, _blobs, fds = recv_message(self.control, with_fds=True)
        if header.get("op") != "started" or len(fds) != 1:
            raise SandboxUnavailable("the fork server did not start a job")
        pidns = header.get("pidns") if isinstance(header.get("pidns"), str) else ""
        return Job(socket.socket(fileno=fds[0]), int(header["pid"]), pidns=pidns)

    def finish_job(self, job: "Job") -> int:
        """End everything the job started or created; returns how many processes were killed
        besides its first.  The slot is reused only when its fork server then reports no other
        process; otherwise (or when it does not answer) the fork server is replaced."""
        job.close()
        try:
            self.control.settimeout(60)
            send_message(self.control, {"op": "finish"})
            header, _blobs, _fds = recv_message(self.control)
        except (EOFError, OSError, ProtocolError):
            self.restart()
            return 0
        if header.get("op") != "clean" or header.get("leftovers") != 0:
            self.restart()
        killed = header.get("killed", 0)
        return killed if type(killed) is int else 0

    def leftover_processes(self) -> list[int]:
        """Processes of this slot other than its fork server (none between submissions)."""
        self.control.settimeout(30)
        send_message(self.control, {"op": "census"})
        header, _blobs, _fds = recv_message(self.control)
        pids = header.get("pids")
        return [p for p in pids if type(p) is int] if isinstance(pids, list) else []

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

    cells: list[dict] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    stdout: str = ""
    stopped_at: int | None = None  # the cell during which the executor died or ran out of time
    how: str = ""


def _execution_report(header: dict, cell_count: int, wanted: list[str]) -> Execution:
    """The executor's report, read as untrusted data: only known names and kinds, only real
    cell numbers, and bounded text, so a forged report can mislabel nothing."""
    cells = []
    for report in header.get("cells", []) if isinstance(header.get("cells"), list) else []:
        if isinstance(report, dict) and type(report.get("index")) is int and 0 <= report["index"] < cell_count:
            cells.append({"index": report["index"], "ok": report.get("ok") is True, "error": str(report.get("error", ""))[:500]})
    reported = header.get("names") if isinstance(header.get("names"), dict) else {}
    names = {name: reported[name] if reported.get(name) in ("function", "value") else "missing" for name in wanted}
    return Execution(cells=cells[:cell_count], names=names, stdout=str(header.get("stdout", ""))[:STDOUT_LIMIT])


class Job:
    """One submission's executor, reached over its own socket."""

    def __init__(self, sock: socket.socket, pid: int, *, pidns: str = ""):
        self.sock = sock
        self.pid = pid
        self.pidns = pidns  # the job's PID namespace ("" in Landlock-only mode)

    def execute(self, cells: list[str], *, notebook: str, names: list[str], own_arithmetic: list[str],
                skip: set[int], cell_seconds: float, deadline: float) -> Execution:
        """Run the cells; stop at the first cell that kills the executor or overruns its time."""
        send_message(self.sock, {"op": "execute", "cells": cells, "notebook": notebook, "names": names,
                                 "own_arithmetic": own_arithmetic, "skip": sorted(skip)})
        current = None
        while True:
            remaining = deadline - time.monotonic()
            self.sock.settimeout(max(0.01, min(cell_seconds, remaining)))
            try:
                header, _blobs, _fds = recv_message(self.sock)
            except socket.timeout:
                return Execution(stopped_at=current, how="timeout")
            except (EOFError, OSError, ProtocolError):
                return Execution(stopped_at=current, how="died")
            op = header.get("op")
            if op == "cell":
                current = header.get("index")
            elif op == "executed":
                return _execution_report(header, len(cells), names)
            else:
                return Execution(stopped_at=current, how="died")

    def caller(self) -> "Caller":
        """Fork a fresh caller from the executed notebook."""
        self.sock.settimeout(10)
        try:
            send_message(self.sock, {"op": "fork"})
            header, _blobs, fds = recv_message(self.sock, with_fds=True)
        except (EOFError, OSError, ProtocolError, socket.timeout) as error:
            raise SandboxLost("the sandbox stopped answering") from error
        if header.get("op") != "forked" or len(fds) != 1:
            raise SandboxLost("the sandbox stopped answering")
        return Caller(self, socket.socket(fileno=fds[0]), int(header.get("pid", 0)))

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
        self.deadline = float("inf")

    def call(self, name: str, args: tuple, kwargs: dict) -> Any:
        tree, blobs = encode_value([list(args), dict(kwargs)])
        reply, reply_blobs = self._request({"op": "call", "name": name, "arguments": tree}, blobs)
        if reply.get("modified"):
            which = ", ".join(_argument_label(x) for x in reply["modified"])
            raise StudentModifiedInput(f"{name} changed its argument {which} in place; functions must not modify their inputs.")
        if reply.get("op") == "raise":
            raise StudentRaised(f"{name} raised {reply.get('message', '')}"[:600])
        return self._decode(name, reply.get("value"), reply_blobs)

    def get(self, name: str) -> Any:
        reply, blobs = self._request({"op": "get", "name": name}, [])
        return self._decode(name, reply.get("value"), blobs, what="is")

    def _decode(self, name: str, tree: Any, blobs: list[bytes], *, what: str = "returned") -> Any:
        try:
            value = decode_value(tree, blobs)
        except ProtocolError as error:
            raise StudentBadValue(f"{name} {what} something that cannot be read ({error}).") from None
        bad = _first_unsupported(value)
        if bad is not None:
            raise StudentBadValue(f"{name} {what} {_a(bad.type_name)}, which cannot be graded; "
                                  "expected plain data: numbers, strings, lists, tuples, sets or numpy arrays.")
        return value

    def _request(self, header: dict, blobs: list[bytes]) -> tuple[dict, list[bytes]]:
        if self.dead:
            raise StudentCrashed(self.dead)
        self.next_id += 1
        header["id"] = self.next_id
        try:
            self.sock.settimeout(max(0.01, self.deadline - time.monotonic()))
            send_message(self.sock, header, blobs)
            reply, reply_blobs, _fds = recv_message(self.sock)
        except socket.timeout:
            self._kill()
            raise StudentTimedOut(f"{header.get('name')} did not return within the test's time limit (an endless loop, or far too slow).") from None
        except ProtocolError as error:
            self._kill()
            raise StudentBadValue(f"{header.get('name')} sent back something the grader refuses ({error}); "
                                  "return a numpy array or number of a reasonable size.") from None
        except (EOFError, OSError):
            self.dead = self._ended() or "the process running it died"
            raise StudentCrashed(f"{header.get('name')} crashed the process running it ({self.dead}).") from None
        if reply.get("id") != self.next_id:
            self._kill()
            raise StudentCrashed("the sandbox answered out of turn")
        return reply, reply_blobs

    def _kill(self) -> None:
        _kill_in_job(self.pid, self.job)
        self.dead = self._ended() or "stopped after the time limit"

    def _ended(self) -> str:
        """Read the executor's note of how the caller ended."""
        self.job.sock.settimeout(2)
        try:
            header, _blobs, _fds = recv_message(self.job.sock)
            self.ended_seen = True
            return str(header.get("how", ""))
        except (EOFError, OSError, ProtocolError, socket.timeout):
            return ""

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
    return f"an object of type {type_name}"


def _argument_label(index: Any) -> str:
    return f"#{index + 1}" if isinstance(index, int) else str(index)


def _first_unsupported(value: Any) -> Unsupported | None:
    if isinstance(value, Unsupported):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return next((u for u in map(_first_unsupported, value) if u is not None), None)
    if isinstance(value, dict):
        return next((u for u in map(_first_unsupported, [*value.keys(), *value.values()]) if u is not None), None)
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
