"""The fork server: one per worker slot, started by the grader as a fresh interpreter.

It imports what submissions import (numpy, matplotlib, IPython) once, then forks one sandboxed
world per submission in a few ms instead of starting an interpreter or a kernel.  It never sees
a test file or a submission: cells travel from the grader straight to the executor over a
socket made for that job, so no fork can find them in memory.

In the namespace modes (root, or an ordinary user with user namespaces) the fork server is the
first process of a PID namespace of its own, and each submission gets a PID namespace inside
it: its init (`_submission_init`) builds the allow-listed world and forks the executor.
Ending a submission is killing its init, after which the kernel has ended every process in its
namespace; the slot is then checked to hold no process but the fork server before it is used
again, and replaced by the grader if that cannot be verified.  In Landlock-only mode the fork
server is the subreaper of everything a submission starts and kills all of it.

Run as `python -m autograder.sandbox.zygote <control-fd>`.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from dataclasses import replace

from . import protections as prot
from . import world
from .protocol import recv_message, send_message

PR_SET_CHILD_SUBREAPER = 36


def main(control_fd: int) -> None:
    control = socket.socket(fileno=control_fd)
    header, _blobs, _fds = recv_message(control)
    spec = prot.SandboxSpec.from_dict(header["spec"])
    server = ForkServer(spec, control)
    server.serve()


class ForkServer:
    def __init__(self, spec: prot.SandboxSpec, control: socket.socket):
        self.spec, self.control = spec, control
        self.problems: list[str] = []
        root = os.geteuid() == 0
        mode, namespaces = self._enter_own_namespaces(root)  # first: a user namespace needs a single thread
        from .child import Runtime

        self.runtime = Runtime(spec.preload, spec.removals)
        allowed = world.allow_list(tuple(removal.name for removal in spec.removals))
        self.plan = prot.Plan(mode=mode, namespaces=namespaces, root=root, allowed=allowed)
        gc.freeze()  # objects made so far are never scanned again, so forks do not copy their pages
        ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        # The submission's root is built on this folder (namespace modes); job folders live in it
        # otherwise.  Unique to this fork server, so no other grader on the machine is in the way.
        self.workroot = tempfile.mkdtemp(prefix="conv-grader-")
        os.chmod(self.workroot, 0o711)
        self.pid_namespaces = prot.PidNamespaces() if namespaces else None
        self.protections = self._probe()
        self.job: int | None = None  # the running submission's first process

    # ------------------------------------------------------------ start-up

    def _enter_own_namespaces(self, root: bool) -> tuple[str, bool]:
        """Become the first process of a PID namespace of our own (in a user namespace of our own
        when not root).  Returns the mode and whether per-submission namespaces are possible."""
        mode = prot.MODE_ROOT if root else prot.MODE_USERNS
        if not root:
            try:
                prot.enter_user_namespace()
            except OSError as error:
                self.problems.append(f"user namespaces refused ({error.strerror or error}): Landlock confines files instead")
                return prot.MODE_LANDLOCK, False
        try:
            prot.unshare(prot.CLONE_NEWPID, "unshare(CLONE_NEWPID)")
        except OSError as error:
            self.problems.append(f"PID namespaces refused ({error.strerror or error})")
            return (mode if root else prot.MODE_LANDLOCK), False
        child = os.fork()
        if child:
            _wait_and_exit_like(child)
        prot.die_with_parent()
        try:
            prot.own_proc()
        except OSError as error:
            self.problems.append(f"mount namespaces refused ({error.strerror or error})")
            return mode, False
        return mode, True

    def _probe(self) -> prot.Protections:
        """Start one real sandbox that reports which layers held; without per-submission
        namespaces if they fail here."""
        found, failure = self._probe_once()
        if failure and self.plan.namespaces:
            self.problems.append(f"per-submission namespaces failed ({failure}): Landlock confines files instead")
            self.plan = replace(self.plan, namespaces=False)
            self.pid_namespaces = None
            found, failure = self._probe_once()
        if failure:
            self.problems.append(f"the sandbox could not be set up ({failure})")
        found = dict(found)
        found["problems"] = [*self.problems, *found.get("problems", [])]
        return prot.Protections.from_dict(found)

    def _probe_once(self) -> tuple[dict, str]:
        pid, grader_end, _ns = self._fork_sandbox(probe=True)
        grader_end.settimeout(60)
        data = b""
        try:
            while chunk := grader_end.recv(65536):
                data += chunk
        except OSError:
            pass
        grader_end.close()
        self._end(pid)
        try:
            report = json.loads(data or b"{}")
        except ValueError:
            report = {}
        if not isinstance(report, dict) or "setup_failed" in report or "mode" not in report:
            return {}, str(report.get("setup_failed", "no report")) if isinstance(report, dict) else "no report"
        return report, ""

    # ------------------------------------------------------------ jobs

    def serve(self) -> None:
        send_message(self.control, {"op": "ready", "protections": self.protections.to_dict()})
        while True:
            try:
                request, _blobs, _fds = recv_message(self.control)
            except (EOFError, OSError):
                request = {"op": "exit"}
            op = request.get("op")
            if op == "start":
                pid, grader_end, pidns = self._fork_sandbox(probe=False)
                self.job = pid
                send_message(self.control, {"op": "started", "pid": pid, "pidns": pidns}, fds=[grader_end.fileno()])
                grader_end.close()
            elif op == "finish":
                killed = self._end(self.job) if self.job else 0
                self.job = None
                leftovers = self.census()
                send_message(self.control, {"op": "clean", "killed": killed, "leftovers": len(leftovers)})
            elif op == "census":
                send_message(self.control, {"op": "census", "pids": self.census()})
            else:
                if self.job:
                    self._end(self.job)
                shutil.rmtree(self.workroot, ignore_errors=True)
                return

    def _fork_sandbox(self, *, probe: bool) -> tuple[int, socket.socket, str]:
        """Fork one submission's sandbox; returns its first process, the grader's end of its
        socket, and its PID namespace (empty in Landlock-only mode)."""
        grader_end, sandbox_end = socket.socketpair()
        if self.pid_namespaces:
            self.pid_namespaces.next_child_in_new_namespace()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                self.control.close()
                grader_end.close()
                if self.plan.namespaces:
                    self._submission_init(sandbox_end, probe)
                else:
                    os.setsid()
                    workdir = os.path.join(self.workroot, f"job-{os.getpid()}")
                    os.mkdir(workdir, 0o700)
                    if self.plan.root:
                        os.chown(workdir, self.spec.uid, self.spec.gid)
                    self._executor(sandbox_end, workdir, probe)
            except BaseException as error:  # a sandbox that cannot be built says why, then ends
                code = 71
                _send_failure(sandbox_end, error)
            os._exit(code)
        sandbox_end.close()
        pidns = ""
        if self.pid_namespaces:
            try:
                pidns = os.readlink(f"/proc/{pid}/ns/pid")
            except OSError:
                pass
        return pid, grader_end, pidns

    def _submission_init(self, sandbox_end: socket.socket, probe: bool) -> None:
        """PID 1 of the submission: build its world, fork the executor, reap until it ends."""
        workdir = prot.enter_submission_init(self.plan, self.spec, self.workroot)
        executor = os.fork()
        if executor == 0:
            try:
                self._executor(sandbox_end, workdir, probe)
            except BaseException as error:
                _send_failure(sandbox_end, error)
            os._exit(71)
        sandbox_end.close()
        os.closerange(3, 65536)
        while True:
            try:
                pid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                os._exit(0)
            if pid == executor:
                os._exit(os.waitstatus_to_exitcode(status) & 0xFF)

    def _executor(self, sandbox_end: socket.socket, workdir: str, probe: bool) -> None:
        if probe:
            found = prot.probe_in_executor(self.plan, self.spec, workdir)
            sandbox_end.sendall(json.dumps(found).encode())
            os._exit(0)
        prot.confine_executor(self.plan, self.spec, workdir, self.protections)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        keep = sandbox_end.fileno()
        os.closerange(3, keep)
        os.closerange(keep + 1, 65536)
        from .child import run_executor

        run_executor(sandbox_end, self.runtime)
        os._exit(0)

    def _end(self, pid: int) -> int:
        """End one sandbox and everything it started.  Returns how many processes had to be
        killed besides its first one (daemons, orphans)."""
        try:
            if not self.plan.namespaces:
                os.killpg(pid, signal.SIGKILL)  # the executor leads its own session
            os.kill(pid, signal.SIGKILL)  # in the namespace modes: its PID namespace goes with it
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        killed = 0
        for _ in range(200):
            _reap()
            alive = self.census()
            if not alive:
                break
            killed = max(killed, len(alive))
            self._kill_leftovers(alive)
            time.sleep(0.001)  # killed processes become zombies, then orphans come back to us to be reaped
        for job in os.listdir(self.workroot):
            shutil.rmtree(os.path.join(self.workroot, job), ignore_errors=True)
        return killed

    def census(self) -> list[int]:
        """Every process of this slot but the fork server itself (zombies included): none may
        be left before the slot takes the next submission."""
        me = os.getpid()
        if self.plan.namespaces:
            return [pid for pid in _pids() if pid != me]  # our /proc shows our own PID namespace only
        found = set(_descendants(me))
        if self.plan.root:
            found.update(pid for pid in _pids() if _owner(pid) == self.spec.uid)
        return sorted(found)

    def _kill_leftovers(self, pids: list[int]) -> None:
        if self.plan.namespaces:
            os.kill(-1, signal.SIGKILL)  # from the first process of a PID namespace: all the others in it
            return
        if self.plan.root:
            _kill_all_as(self.spec.uid)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _send_failure(sock: socket.socket, error: BaseException) -> None:
    try:
        sock.sendall(json.dumps({"setup_failed": f"{type(error).__name__}: {error}"[:300]}).encode())
    except BaseException:
        pass


def _wait_and_exit_like(child: int) -> None:
    """The process the grader started, once the fork server runs as its child: wait, then end
    the same way (the grader watches this pid)."""
    os.closerange(3, 65536)
    signal.signal(signal.SIGTERM, lambda *_: os.kill(child, signal.SIGKILL))
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except InterruptedError:
            continue
        except ChildProcessError:
            os._exit(0)
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def _pids() -> list[int]:
    return [int(entry) for entry in os.listdir("/proc") if entry.isdigit()]


def _owner(pid: int) -> int:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return -1


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid in _pids():
        try:
            with open(f"/proc/{pid}/stat", "rb") as stat:
                ppid = int(stat.read().rpartition(b")")[2].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(pid)
    found, stack = [], list(children.get(root, []))
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _kill_all_as(uid: int) -> None:
    """kill(-1) from a process with the target uid reaches all of that uid's processes at once,
    which no race with forking can escape (a pid-by-pid loop could)."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def _reap() -> None:
    """Reap every exited child, orphans of the sandbox included (we are their subreaper)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    main(int(sys.argv[1]))
