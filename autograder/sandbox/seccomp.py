"""Seccomp filters, written as classic BPF (no library needed).

`install_sandbox_filter` is what every sandboxed process gets: only AF_UNIX sockets may be
created (the sandbox talks to the grader over one), and the system calls a notebook never needs
but an attack does are refused: ptrace and reading other processes' memory, new namespaces and
joining others (unshare, setns, clone with namespace flags; clone3 answers ENOSYS so libc falls
back to clone, whose flags a filter can read), mounts, keyrings, bpf, perf events, SysV IPC,
userfaultfd and io_uring (whose socket operation would bypass the socket check).  setsid is
refused too: every process of a submission stays in its session, so the kernel's per-session
scheduling group (autogroup) shares the CPU between submissions, not between their processes,
and a submission's spinning children cannot starve another's deadline.

`install_refusal` is what a locked-down machine looks like: one that refuses user namespaces
(Docker's default profile, Ubuntu 24.04's AppArmor default) and/or lacks Landlock.  The tests and
CI run the grader under it (`python -m autograder.sandbox.seccomp --refuse-user-namespaces --
command`) to prove the Landlock fallback, and the refusal when no file confinement is left.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_KILL_PROCESS = 0x80000000

BPF_LD, BPF_W, BPF_ABS, BPF_JMP, BPF_JEQ, BPF_JGE, BPF_JSET, BPF_K, BPF_RET = (
    0x00, 0x00, 0x20, 0x05, 0x10, 0x30, 0x40, 0x00, 0x06)
X32_SYSCALL_BIT = 0x40000000
AF_UNIX = 1
NAMESPACE_FLAGS = 0x7E020000  # CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
CLONE_NEWUSER = 0x10000000

_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_SYSCALLS = {
    "x86_64": dict(
        socket=41, clone=56, clone3=435, unshare=272, setns=308, ptrace=101, process_vm_readv=310,
        process_vm_writev=311, kcmp=312, mount=165, umount2=166, pivot_root=155, chroot=161, open_tree=428,
        move_mount=429, fsopen=430, fsconfig=431, fsmount=432, fspick=433, mount_setattr=442, keyctl=250,
        add_key=248, request_key=249, bpf=321, perf_event_open=298, userfaultfd=323, shmget=29, semget=64,
        msgget=68, io_uring_setup=425, io_uring_enter=426, io_uring_register=427, kexec_load=246,
        init_module=175, finit_module=313, acct=163, swapon=167, reboot=169, setsid=112),
    "aarch64": dict(
        socket=198, clone=220, clone3=435, unshare=97, setns=268, ptrace=117, process_vm_readv=270,
        process_vm_writev=271, kcmp=272, mount=40, umount2=39, pivot_root=41, chroot=51, open_tree=428,
        move_mount=429, fsopen=430, fsconfig=431, fsmount=432, fspick=433, mount_setattr=442, keyctl=219,
        add_key=217, request_key=218, bpf=280, perf_event_open=241, userfaultfd=282, shmget=194, semget=190,
        msgget=186, io_uring_setup=425, io_uring_enter=426, io_uring_register=427, kexec_load=104,
        init_module=105, finit_module=273, acct=89, swapon=224, reboot=142, setsid=157),
}
REFUSED = ("unshare", "setns", "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "mount", "umount2",
           "pivot_root", "chroot", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick",
           "mount_setattr", "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
           "shmget", "semget", "msgget", "io_uring_setup", "io_uring_enter", "io_uring_register",
           "kexec_load", "init_module", "finit_module", "acct", "swapon", "reboot", "setsid")

_libc = ctypes.CDLL(None, use_errno=True)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _stmt(code: int, k: int) -> bytes:
    return struct.pack("HBBI", code, 0, 0, k)


def _jump(code: int, k: int, jt: int, jf: int) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def _load_nr() -> bytes:
    return _stmt(BPF_LD | BPF_W | BPF_ABS, 0)  # seccomp_data.nr


def _load_arg0_low() -> bytes:
    return _stmt(BPF_LD | BPF_W | BPF_ABS, 16)  # seccomp_data.args[0], low 32 bits (little endian)


def _header() -> list[bytes]:
    return [
        _stmt(BPF_LD | BPF_W | BPF_ABS, 4),  # seccomp_data.arch
        _jump(BPF_JMP | BPF_JEQ | BPF_K, _ARCH[platform.machine()], 1, 0),
        _stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        _load_nr(),
        _jump(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1),  # x32 numbers would dodge the checks below
        _stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    ]


def _refuse(nr: int, err: int) -> list[bytes]:
    return [_jump(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1), _stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err)]


def _refuse_if_arg0(nr: int, *, equal: int | None = None, any_bit: int | None = None, err: int) -> list[bytes]:
    """Refuse `nr` when its first argument's low word has any of `any_bit`, or differs from `equal`."""
    if any_bit is not None:
        test = _jump(BPF_JMP | BPF_JSET | BPF_K, any_bit, 0, 1)
    else:
        test = _jump(BPF_JMP | BPF_JEQ | BPF_K, equal, 1, 0)
    return [
        _jump(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 4),
        _load_arg0_low(),
        test,
        _stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err),
        _load_nr(),
    ]


def sandbox_program() -> bytes:
    nrs = _SYSCALLS[platform.machine()]
    code = _header()
    code += _refuse_if_arg0(nrs["socket"], equal=AF_UNIX, err=errno.EAFNOSUPPORT)
    code += _refuse_if_arg0(nrs["clone"], any_bit=NAMESPACE_FLAGS, err=errno.EPERM)
    code += _refuse(nrs["clone3"], errno.ENOSYS)
    for name in REFUSED:
        code += _refuse(nrs[name], errno.EPERM)
    code.append(_stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW))
    return b"".join(code)


LANDLOCK_SYSCALLS = (444, 445, 446)  # the same on x86_64 and aarch64


def refusal_program(*, user_namespaces: bool, landlock: bool) -> bytes:
    """What a locked-down machine refuses: new user namespaces (EPERM, as AppArmor or Docker's
    profile answer) and/or Landlock (ENOSYS, as a kernel without it answers)."""
    nrs = _SYSCALLS[platform.machine()]
    code = _header()
    if user_namespaces:
        code += _refuse_if_arg0(nrs["clone"], any_bit=CLONE_NEWUSER, err=errno.EPERM)
        code += _refuse_if_arg0(nrs["unshare"], any_bit=CLONE_NEWUSER, err=errno.EPERM)
        code += _refuse(nrs["clone3"], errno.ENOSYS)
    if landlock:
        for nr in LANDLOCK_SYSCALLS:
            code += _refuse(nr, errno.ENOSYS)
    code.append(_stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW))
    return b"".join(code)


def _install(program: bytes) -> None:
    buf = ctypes.create_string_buffer(program, len(program))
    prog = _SockFprog(len(program) // 8, ctypes.addressof(buf))
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


def install_sandbox_filter() -> None:
    """Install the sandbox's filter on the calling process and all its future children.

    Raises OSError if the kernel refuses.  Irreversible for this process.
    """
    _install(sandbox_program())


def install_refusal(*, user_namespaces: bool, landlock: bool) -> None:
    """From here on, refuse what a locked-down machine refuses (for testing the fallbacks)."""
    _install(refusal_program(user_namespaces=user_namespaces, landlock=landlock))


if __name__ == "__main__":
    # python -m autograder.sandbox.seccomp [--refuse-user-namespaces] [--refuse-landlock] -- command...
    import os
    import sys

    flags = sys.argv[1:sys.argv.index("--")] if "--" in sys.argv else []
    command = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    if not command or not flags or set(flags) - {"--refuse-user-namespaces", "--refuse-landlock"}:
        sys.exit("use: python -m autograder.sandbox.seccomp [--refuse-user-namespaces] [--refuse-landlock] -- command...")
    install_refusal(user_namespaces="--refuse-user-namespaces" in flags, landlock="--refuse-landlock" in flags)
    os.execvp(command[0], command)
