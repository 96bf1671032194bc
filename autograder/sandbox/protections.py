"""The protections applied to every sandboxed child, and a probe of which ones work here.

Applied in this order in a freshly forked child of the fork server (still root):
new session -> network namespace -> mount namespace (private /tmp, grader files hidden) ->
private working directory -> rlimits -> drop to the slot's uid -> parent-death signal ->
seccomp filter -> minimal environment.  The uid drop, rlimits and seccomp are required;
the namespaces are extra layers used where the kernel allows them (Gradescope's container
usually refuses them).
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys
import sysconfig
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import seccomp

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG = 1

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class SandboxSpec:
    """What one worker slot's children get: sent by the grader to its fork server as JSON."""

    uid: int
    gid: int
    memory_mb: int = 1024
    cpu_seconds: int = 120
    max_processes: int = 64
    max_file_mb: int = 64
    max_open_files: int = 256
    tmp_mb: int = 256
    hide: tuple[str, ...] = ()  # grader-side paths made invisible inside the mount namespace
    preload: tuple[str, ...] = ("numpy", "matplotlib", "matplotlib.pyplot", "IPython")
    forbidden: tuple[str, ...] = ()  # routines and modules watched by the run-time tripwire

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "SandboxSpec":
        data = dict(data)
        data["hide"] = tuple(data.get("hide", ()))
        data["preload"] = tuple(data.get("preload", ()))
        data["forbidden"] = tuple(data.get("forbidden", ()))
        return cls(**data)


@dataclass(frozen=True)
class Protections:
    """Which protections are active for a worker slot's children."""

    uid_drop: bool = False
    rlimits: bool = False
    seccomp: bool = False
    network_namespace: bool = False
    mount_namespace: bool = False
    interpreter_readable: bool = False
    problems: tuple[str, ...] = field(default=())

    @property
    def sufficient(self) -> bool:
        """Required: an unprivileged uid that can still run Python, rlimits, no network sockets."""
        return self.uid_drop and self.rlimits and self.seccomp and self.interpreter_readable

    def summary(self) -> str:
        def mark(ok: bool) -> str:
            return "on" if ok else "OFF"

        line = (
            f"sandbox protections: unprivileged uid {mark(self.uid_drop)}, rlimits {mark(self.rlimits)}, "
            f"seccomp no-network {mark(self.seccomp)}, network namespace {mark(self.network_namespace)}, "
            f"private /tmp and hidden grader files {mark(self.mount_namespace)}"
        )
        if self.problems:
            line += " (" + "; ".join(self.problems) + ")"
        return line

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Protections":
        data = dict(data)
        data["problems"] = tuple(data.get("problems", ()))
        return cls(**data)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def enter_network_namespace() -> None:
    _check(_libc.unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)")


PRIVATE_TMP = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")


def interpreter_roots() -> list[str]:
    """Folders the sandbox must keep seeing: the interpreter, its packages, this package."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, str(Path(__file__).resolve().parents[2])}
    roots.update(p for p in sys.path if p and os.path.isdir(p))
    return sorted(os.path.realpath(r) for r in roots)


def enter_mount_namespace(spec: SandboxSpec) -> None:
    """Private /tmp, /var/tmp, /dev/shm and /run/lock (size-limited tmpfs), and grader paths hidden.

    A virtual environment that lives under one of those folders (a checkout in /tmp) is bound
    back into the private one, read-only, so the sandbox can still import from it.
    """
    _check(_libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _check(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
    size = f"size={spec.tmp_mb}m,mode=1777".encode()
    for tmp in PRIVATE_TMP:
        if not os.path.isdir(tmp) or os.path.islink(tmp):
            continue
        keep = [root for root in interpreter_roots() if root.startswith(tmp + "/")]
        held = {root: os.open(root, os.O_PATH | os.O_DIRECTORY) for root in keep}
        _check(_libc.mount(b"tmpfs", tmp.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, size), f"tmpfs on {tmp}")
        for root, fd in held.items():
            os.makedirs(root, mode=0o755, exist_ok=True)
            _check(_libc.mount(f"/proc/self/fd/{fd}".encode(), root.encode(), None, MS_BIND | MS_REC, None), f"keep {root}")
            _check(_libc.mount(b"none", root.encode(), None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None),
                   f"keep {root} read-only")
            os.close(fd)
    for path in spec.hide:
        if os.path.isdir(path):
            flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC
            _check(_libc.mount(b"tmpfs", path.encode(), b"tmpfs", flags, b"size=4k,mode=000"), f"hide {path}")
        elif os.path.exists(path):
            _check(_libc.mount(b"/dev/null", path.encode(), None, MS_BIND, None), f"hide {path}")


def make_workdir(parent: str, spec: SandboxSpec, *, chown: bool) -> str:
    workdir = os.path.join(parent, f"job-{os.getpid()}")
    os.mkdir(workdir, 0o700)
    if chown:
        os.chown(workdir, spec.uid, spec.gid)
    return workdir


def apply_rlimits(spec: SandboxSpec) -> None:
    mib = 1024 * 1024
    base = _address_space_in_use()
    limits = {
        resource.RLIMIT_AS: base + spec.memory_mb * mib,
        resource.RLIMIT_CPU: spec.cpu_seconds,
        resource.RLIMIT_NPROC: spec.max_processes,
        resource.RLIMIT_FSIZE: spec.max_file_mb * mib,
        resource.RLIMIT_NOFILE: spec.max_open_files,
        resource.RLIMIT_CORE: 0,
    }
    for which, value in limits.items():
        resource.setrlimit(which, (value, value))


def _address_space_in_use() -> int:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    return pages * resource.getpagesize()


def drop_privileges(spec: SandboxSpec) -> None:
    """Become the slot's unprivileged uid for good, then ask to die with the parent."""
    parent = os.getppid()
    os.setgroups([])
    os.setresgid(spec.gid, spec.gid, spec.gid)
    os.setresuid(spec.uid, spec.uid, spec.uid)
    if os.getuid() == 0 or os.geteuid() == 0:
        raise OSError("uid drop did not take effect")
    # Changing uid clears the parent-death signal, so it is set afterwards.
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")
    if os.getppid() != parent:
        os._exit(70)


def minimal_environment(workdir: str) -> dict[str, str]:
    """The child's whole environment: nothing of the grader's variables survives."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": workdir,
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": workdir,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def interpreter_paths() -> list[str]:
    """Files a sandboxed child must be able to read to import what it has not imported yet."""
    import numpy

    return [os.path.join(sysconfig.get_paths()["stdlib"], "fractions.py"), numpy.__file__]


def unreadable_by_sandbox(paths: list[str]) -> list[str]:
    """Of `paths`, those the current (already dropped) uid cannot read."""
    return [p for p in paths if not os.access(p, os.R_OK)]


def probe_protections(spec: SandboxSpec | None = None) -> Protections:
    """Fork a child that applies every protection and reports which ones took effect."""
    import json

    spec = spec or SandboxSpec(uid=os.getuid() if os.getuid() != 0 else 61999, gid=61999)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        found: dict = {"problems": []}
        try:
            _probe_in_child(spec, found)
        except BaseException as error:  # the probe must always answer
            found["problems"].append(f"probe failed: {error}")
        os.write(write_end, json.dumps(found).encode())
        os._exit(0)
    os.close(write_end)
    data = b""
    while chunk := os.read(read_end, 65536):
        data += chunk
    os.close(read_end)
    os.waitpid(pid, 0)
    return Protections.from_dict(json.loads(data or b"{}"))


def _probe_in_child(spec: SandboxSpec, found: dict) -> None:
    problems = found["problems"]
    needed = interpreter_paths()  # found while still root: after the drop, finding them may fail
    os.setsid()
    try:
        enter_network_namespace()
        found["network_namespace"] = True
    except OSError as error:
        problems.append(f"no network namespace ({error.strerror or error})")
    try:
        enter_mount_namespace(spec)
        found["mount_namespace"] = True
    except OSError as error:
        problems.append(f"no mount namespace ({error.strerror or error})")
    try:
        apply_rlimits(spec)
        found["rlimits"] = True
    except (OSError, ValueError) as error:
        problems.append(f"rlimits refused ({error})")
    if os.getuid() != 0:
        problems.append("the grader is not root, so it cannot switch to an unprivileged uid")
    else:
        try:
            drop_privileges(spec)
            found["uid_drop"] = True
        except OSError as error:
            problems.append(f"uid drop failed ({error})")
    unreadable = unreadable_by_sandbox(needed)
    found["interpreter_readable"] = not unreadable
    if unreadable:
        problems.append(
            f"the sandbox user cannot read {unreadable[0]}: run the grader from a virtual environment built on a "
            "world-readable Python (make venv uses /usr/bin/python3)"
        )
    try:
        seccomp.install_network_filter()
        import socket

        try:
            socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            problems.append("seccomp filter installed but AF_INET sockets still open")
        except OSError:
            found["seccomp"] = True
    except OSError as error:
        problems.append(f"seccomp refused ({error})")

