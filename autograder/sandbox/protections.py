"""The layers of the sandbox, how each is applied, and the probe that says which ones hold here.

Three modes, chosen by what the machine allows (the same allow-listed world in each):
- **root**: namespaces made directly, student code run as a dedicated unprivileged uid;
- **user namespaces** (an ordinary user where the kernel allows them): the fork server enters a
  user namespace of its own, builds the same namespaces in it, and student code runs with every
  capability dropped;
- **Landlock only** (namespaces refused: Docker's default profile, Ubuntu 24.04's AppArmor
  default, Gradescope's container): Landlock confines the file view to the same allow-list and
  scopes signals and abstract unix sockets; seccomp refuses network sockets, ptrace, namespaces,
  keyrings and SysV IPC; the fork server, as subreaper, ends every process the submission started.

Per submission, in the namespace modes (see zygote.py): the fork server forks the submission's
init into a fresh PID namespace; the init enters fresh mount, IPC, network and UTS namespaces,
builds the allow-listed root (world.py) and forks the executor, which drops privileges, applies
rlimits, Landlock and seccomp, and runs the cells.  Killing the init ends every process of the
submission; its shared memory, sockets and files go with its namespaces.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import socket
import sys
from dataclasses import asdict, dataclass, field, fields

from . import landlock, seccomp, world
from .removal import Removal

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
PR_SET_PDEATHSIG = 1
SUBMISSION_NAMESPACES = CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS

MODE_ROOT, MODE_USERNS, MODE_LANDLOCK = "root", "user namespaces", "Landlock only"

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


@dataclass(frozen=True)
class SandboxSpec:
    """What one worker slot's children get: sent by the grader to its fork server as JSON.

    `uid`/`gid` are the slot's dedicated unprivileged ids when the grader is root; otherwise the
    grader's own (student code then runs with no capabilities inside a user namespace).
    """

    uid: int
    gid: int
    memory_mb: int = 1024
    cpu_seconds: int = 120
    max_processes: int = 64
    max_file_mb: int = 64
    max_open_files: int = 256
    tmp_mb: int = 256
    preload: tuple[str, ...] = ("numpy", "matplotlib", "matplotlib.pyplot", "IPython")
    removals: tuple[Removal, ...] = ()  # what the assignment's rules take out of the sandbox (removal.py)
    outside: tuple[str, ...] = ()  # grader-side paths the probe proves the sandbox cannot read

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "SandboxSpec":
        known = {f.name for f in fields(cls)}
        data = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
        data["removals"] = tuple(Removal.from_dict(r) for r in data.get("removals", ()))
        return cls(**data)


@dataclass(frozen=True)
class Protections:
    """Which layers hold for a worker slot's children, as proved by the probe."""

    mode: str = MODE_LANDLOCK
    uid_drop: bool = False  # root only: a dedicated unprivileged uid
    capabilities_dropped: bool = False
    user_namespace: bool = False
    pid_namespace: bool = False
    ipc_namespace: bool = False
    network_namespace: bool = False
    mount_namespace: bool = False  # the allow-listed root, pivoted into
    landlock: bool = False
    landlock_scoped: bool = False  # signals and abstract unix sockets kept inside the submission
    seccomp: bool = False
    rlimits: bool = False
    cgroup: bool = False
    interpreter_readable: bool = False
    files_confined: bool = False  # verified: a grader-side file could not be read
    network_denied: bool = False  # verified: an AF_INET socket could not be made
    problems: tuple[str, ...] = field(default=())

    @property
    def sufficient(self) -> bool:
        """Required: a confined file view, no network, rlimits, and a Python the sandbox can run."""
        return self.files_confined and self.network_denied and self.rlimits and self.interpreter_readable

    def missing(self) -> list[str]:
        names = {"files_confined": "file confinement (neither a mount namespace nor Landlock)",
                 "network_denied": "network denial (neither a network namespace nor seccomp)",
                 "rlimits": "resource limits", "interpreter_readable": "a Python the sandbox can read"}
        return [text for key, text in names.items() if not getattr(self, key)]

    def summary(self) -> str:
        def mark(ok: bool) -> str:
            return "on" if ok else "OFF"

        view = [name for name, ok in (("mount namespace", self.mount_namespace), ("Landlock", self.landlock)) if ok]
        net = [name for name, ok in (("namespace", self.network_namespace), ("seccomp", self.seccomp)) if ok]
        if self.mode == MODE_ROOT:
            identity = f"unprivileged uid {mark(self.uid_drop)}"
        else:
            identity = f"user namespace {mark(self.user_namespace) if self.mode == MODE_USERNS else 'OFF'}, " \
                       f"capabilities dropped {mark(self.capabilities_dropped)}"
        parts = [
            f"allow-listed file view {mark(self.files_confined)}" + (f" ({' + '.join(view)})" if view else ""),
            f"network {'denied' if self.network_denied else 'OPEN'}" + (f" ({' + '.join(net)})" if net else ""),
            f"PID/IPC namespaces {mark(self.pid_namespace and self.ipc_namespace)}",
            identity,
            f"signal and abstract-socket scoping {mark(self.landlock_scoped or self.pid_namespace and self.network_namespace)}",
            f"seccomp {mark(self.seccomp)}",
            f"rlimits {mark(self.rlimits)}",
            f"cgroup limits {mark(self.cgroup)}",
        ]
        line = f"sandbox protections ({self.mode}): " + ", ".join(parts)
        if self.problems:
            line += " (" + "; ".join(self.problems) + ")"
        return line

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Protections":
        known = {f.name: f.type for f in fields(cls)}
        clean = {}
        for key, value in data.items():
            if key == "problems":
                clean[key] = tuple(str(p)[:300] for p in value)[:20] if isinstance(value, list) else ()
            elif key == "mode":
                clean[key] = value if value in (MODE_ROOT, MODE_USERNS, MODE_LANDLOCK) else MODE_LANDLOCK
            elif key in known:
                clean[key] = value is True
        return cls(**clean)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int, what: str) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), what)


# ---------------------------------------------------------------- the fork server's own set-up


def enter_user_namespace() -> None:
    """As an ordinary user: a user namespace of our own where we keep our uid and gain the
    capabilities to build namespaces (none of them reach outside it)."""
    uid, gid = os.getuid(), os.getgid()
    unshare(CLONE_NEWUSER, "unshare(CLONE_NEWUSER)")
    with open("/proc/self/setgroups", "w") as handle:
        handle.write("deny")
    with open("/proc/self/uid_map", "w") as handle:
        handle.write(f"{uid} {uid} 1")
    with open("/proc/self/gid_map", "w") as handle:
        handle.write(f"{gid} {gid} 1")


def own_proc() -> None:
    """In the fork server's own PID namespace: a mount namespace with a /proc that shows it."""
    unshare(CLONE_NEWNS, "unshare(CLONE_NEWNS)")
    _check(_libc.mount(b"none", b"/", None, ctypes.c_ulong(world.MS_REC | world.MS_PRIVATE), None), "make / private")
    _check(_libc.mount(b"proc", b"/proc", b"proc", ctypes.c_ulong(world.MS_NOSUID | world.MS_NODEV | world.MS_NOEXEC),
                       None), "mount /proc")


def die_with_parent() -> None:
    parent = os.getppid()
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")
    if os.getppid() != parent:
        os._exit(70)


class PidNamespaces:
    """Gives each fork a PID namespace of its own: unshare(CLONE_NEWPID) applies to the next
    child only once, so before each job we step back into our own namespace (setns) first."""

    def __init__(self) -> None:
        self.own = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)

    def next_child_in_new_namespace(self) -> None:
        _check(_libc.setns(ctypes.c_int(self.own), ctypes.c_int(CLONE_NEWPID)), "setns(own PID namespace)")
        unshare(CLONE_NEWPID, "unshare(CLONE_NEWPID)")


# ---------------------------------------------------------------- per submission


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


def drop_to_uid(spec: SandboxSpec) -> None:
    """Become the slot's unprivileged uid for good (root mode)."""
    os.setgroups([])
    os.setresgid(spec.gid, spec.gid, spec.gid)
    os.setresuid(spec.uid, spec.uid, spec.uid)
    if os.getuid() == 0 or os.geteuid() == 0:
        raise OSError("uid drop did not take effect")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities() -> None:
    """Clear every capability (user-namespace mode): no mount, no namespace admin, no file override."""
    header = _CapHeader(0x20080522, 0)
    data = (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")
    with open("/proc/self/status") as status:
        effective = next(line for line in status if line.startswith("CapEff:"))
    if int(effective.split()[1], 16) != 0:
        raise OSError("capabilities are still held")


def minimal_environment(workdir: str) -> dict[str, str]:
    """The child's whole environment: nothing of the grader's variables survives."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": workdir,
        "USER": "student",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": workdir,
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


@dataclass(frozen=True)
class Plan:
    """How a slot's sandboxes are built, decided once by the fork server at start-up."""

    mode: str
    namespaces: bool
    root: bool
    allowed: world.AllowList


def enter_submission_init(plan: Plan, spec: SandboxSpec, staging: str) -> str:
    """In the submission's init (PID 1 of its namespace): its own mount, IPC, network and UTS
    namespaces and the allow-listed root.  Returns the work dir."""
    os.setsid()
    die_with_parent()
    unshare(SUBMISSION_NAMESPACES, "unshare(mount, IPC, network, UTS)")
    return world.build_root(staging, plan.allowed, tmp_mb=spec.tmp_mb, uid=spec.uid, gid=spec.gid)


def confine_executor(plan: Plan, spec: SandboxSpec, workdir: str, found: Protections | None = None) -> None:
    """Everything that must hold before a line of student code runs, in order; any failure
    raises (the caller ends the process).  `found`, when given, says which layers to apply
    (the probe found the others impossible here)."""
    os.chdir(workdir)
    apply_rlimits(spec)
    if plan.root:
        drop_to_uid(spec)
    elif plan.namespaces:
        drop_capabilities()
    die_with_parent()  # changing uid clears the parent-death signal, so it is set afterwards
    if found is None or found.landlock:
        confine_files(plan, workdir)
    if found is None or found.seccomp:
        seccomp.install_sandbox_filter()
    os.environ.clear()
    os.environ.update(minimal_environment(workdir))


def confine_files(plan: Plan, workdir: str) -> landlock.Confinement:
    """Landlock on the allow-list: inside the built root it is the whole (read-only) root plus the
    writable places; without namespaces, the allow-list's paths themselves and the work dir."""
    if plan.namespaces:
        return landlock.confine(read_only=["/"], writable=["/tmp", "/dev/shm", "/dev/null"])
    return landlock.confine(read_only=[*plan.allowed.read_only, *world.DEVICES], writable=[workdir, "/dev/null"])


# ---------------------------------------------------------------- the probe


def probe_in_executor(plan: Plan, spec: SandboxSpec, workdir: str) -> dict:
    """Run in a real (probe) executor: apply each layer, then prove the ones that matter."""
    found: dict = {"mode": plan.mode, "problems": []}
    problems = found["problems"]
    found["user_namespace"] = plan.mode == MODE_USERNS
    found["pid_namespace"] = found["ipc_namespace"] = found["network_namespace"] = found["mount_namespace"] = plan.namespaces
    needed = [sys.executable, os.path.join(os.path.dirname(os.__file__), "fractions.py")]
    import numpy

    needed.append(numpy.__file__)
    os.chdir(workdir)
    try:
        apply_rlimits(spec)
        found["rlimits"] = True
    except (OSError, ValueError) as error:
        problems.append(f"rlimits refused ({error})")
    if plan.root:
        try:
            drop_to_uid(spec)
            found["uid_drop"] = True
        except OSError as error:
            problems.append(f"uid drop failed ({error})")
    elif plan.namespaces:
        try:
            drop_capabilities()
            found["capabilities_dropped"] = True
        except OSError as error:
            problems.append(f"capabilities not dropped ({error})")
    try:
        confinement = confine_files(plan, workdir)
        found["landlock"] = True
        found["landlock_scoped"] = confinement.scoped
    except OSError as error:
        problems.append(f"no Landlock ({error.strerror or error})")
    try:
        seccomp.install_sandbox_filter()
        found["seccomp"] = True
    except OSError as error:
        problems.append(f"seccomp refused ({error.strerror or error})")
    unreadable = [p for p in needed if not os.access(p, os.R_OK)]
    found["interpreter_readable"] = not unreadable
    if unreadable:
        problems.append(f"the sandbox cannot read {unreadable[0]}: run the grader from a virtual environment built "
                        "on a world-readable Python (make venv uses /usr/bin/python3)")
    leaked = [p for p in spec.outside if _leaks(p, plan.allowed.read_only)]
    found["files_confined"] = (found.get("mount_namespace") or found.get("landlock", False)) and not leaked
    if leaked:
        problems.append(f"the sandbox could read {leaked[0]}")
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
        problems.append("an AF_INET socket could be created")
    except OSError:
        found["network_denied"] = True
    return found


def _leaks(path: str, allowed: tuple[str, ...]) -> bool:
    """Whether the sandbox can read `path`, or anything in it besides the folders that only lead
    to an allowed path (a venv inside a home folder makes that folder appear, holding nothing else)."""
    def leads_to_allowed(entry: str) -> bool:
        return any(a == entry or a.startswith(entry.rstrip("/") + "/") for a in allowed)

    try:
        if not os.path.isdir(path):
            with open(path, "rb") as handle:
                handle.read(1)
            return not leads_to_allowed(path)
        return any(not leads_to_allowed(os.path.join(path, entry)) for entry in os.listdir(path))
    except OSError:
        return False
