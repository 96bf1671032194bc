"""The fork server: one per worker slot, started by the grader as a fresh interpreter.

It imports what submissions import (numpy, matplotlib, IPython) once, then forks one
sandboxed executor per submission in 3-4 ms instead of starting an interpreter or a kernel.
It never sees a test file or a submission: cells travel from the grader straight to the
executor over a socket made for that job, so no fork can find them in memory.

After a job it kills every process of the slot's uid (daemons that called setsid included),
reaps them as the subreaper, and removes the job's files.

Run as `python -m autograder.sandbox.zygote <control-fd>`.
"""

from __future__ import annotations

import ctypes
import gc
import os
import shutil
import signal
import socket
import sys
import tempfile
import time

from . import protections as prot
from . import seccomp
from .protocol import recv_message, send_message

PR_SET_CHILD_SUBREAPER = 36


def main(control_fd: int) -> None:
    control = socket.socket(fileno=control_fd)
    header, _blobs, _fds = recv_message(control)
    spec = prot.SandboxSpec.from_dict(header["spec"])
    from .child import Runtime

    runtime = Runtime(spec.preload, spec.forbidden)
    gc.freeze()  # objects made so far are never scanned again, so forks do not copy their pages
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    found = prot.probe_protections(spec)
    send_message(control, {"op": "ready", "protections": found.to_dict()})
    # Job folders live here when there is no private /tmp; unique to this fork server, so
    # another grader on the machine (or an earlier one that crashed) can never be in the way.
    workroot = tempfile.mkdtemp(prefix=f"conv-grader-{spec.uid}-")
    os.chmod(workroot, 0o711)
    executor = None
    while True:
        try:
            request, _blobs, _fds = recv_message(control)
        except (EOFError, OSError):
            request = {"op": "exit"}
        op = request.get("op")
        if op == "start":
            executor, grader_end = _start_executor(spec, found, runtime, workroot, control)
            send_message(control, {"op": "started", "pid": executor}, fds=[grader_end.fileno()])
            grader_end.close()
        elif op == "finish":
            killed = clean_up(spec.uid, executor, workroot)
            executor = None
            send_message(control, {"op": "clean", "killed": killed})
        else:
            clean_up(spec.uid, executor, workroot)
            shutil.rmtree(workroot, ignore_errors=True)
            return


def _start_executor(spec, found, runtime, workroot: str, control: socket.socket):
    grader_end, sandbox_end = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        try:
            control.close()
            grader_end.close()
            _enter_sandbox(spec, found, workroot, keep=sandbox_end.fileno())
            from .child import run_executor

            run_executor(sandbox_end, runtime)
        except BaseException:
            pass
        os._exit(0)
    sandbox_end.close()
    return pid, grader_end


def _enter_sandbox(spec, found, workroot: str, keep: int) -> None:
    """Apply every protection the probe found working; any failure ends the child."""
    os.setsid()
    if found.network_namespace:
        prot.enter_network_namespace()
    parent = workroot
    if found.mount_namespace:
        prot.enter_mount_namespace(spec)
        parent = "/tmp"
    workdir = prot.make_workdir(parent, spec, chown=found.uid_drop)
    os.chdir(workdir)
    if found.rlimits:
        prot.apply_rlimits(spec)
    if found.uid_drop:
        prot.drop_privileges(spec)
    if found.seccomp:
        seccomp.install_network_filter()
    os.environ.clear()
    os.environ.update(prot.minimal_environment(workdir))
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.closerange(3, keep)
    os.closerange(keep + 1, 65536)




def clean_up(uid: int, executor: int | None, workroot: str) -> int:
    """Kill every process of `uid`, reap what comes back to us, remove leftover files.

    Returns how many processes were still alive after the executor's session was killed
    (daemons that left it).
    """
    if executor is not None:
        try:
            os.killpg(executor, signal.SIGKILL)  # the executor leads its own session
            os.waitpid(executor, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    killed = 0
    for _ in range(200):
        _reap()
        alive, zombies = processes_of(uid)
        if not alive and not zombies:
            break
        if alive:
            killed = max(killed, len(alive))
            _kill_all_as(uid)
        time.sleep(0.001)  # killed processes become zombies, then orphans come back to us to be reaped
    for job in os.listdir(workroot):
        shutil.rmtree(os.path.join(workroot, job), ignore_errors=True)
    _remove_files_of(uid, prot.PRIVATE_TMP)
    return killed


def processes_of(uid: int) -> tuple[list[int], list[int]]:
    """The live processes and the zombies of `uid`."""
    alive, zombies = [], []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid != uid:
                continue
            with open(f"/proc/{entry}/stat", "rb") as stat:
                state = stat.read().rpartition(b")")[2].split()[0]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        (zombies if state == b"Z" else alive).append(int(entry))
    return alive, zombies


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


def _remove_files_of(uid: int, roots: tuple[str, ...]) -> None:
    """Without a private /tmp, files the sandbox left in shared temporary folders go too."""
    for root in roots:
        try:
            entries = list(os.scandir(root))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                continue


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    main(int(sys.argv[1]))
