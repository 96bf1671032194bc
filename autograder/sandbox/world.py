"""The allow-listed world a submission sees: what it may read, and how that view is built.

`allow_list()` names, from the running interpreter, everything a notebook needs to read: the
interpreter, its standard library, the virtual environment (minus the forbidden packages), the
shared libraries and a few /etc files.  Nothing else of the machine is in it: no /home, /root,
/srv, no checkout, no submissions, no grader file.

Two ways to enforce it, used together where the kernel allows:
- `build_root` (in a fresh mount namespace): a tmpfs root holding read-only bind mounts of the
  allow-list, a fresh /proc of the submission's PID namespace, /dev with null, zero and urandom,
  a size-limited /tmp, then pivot_root into it, so the rest of the machine is not even there;
- Landlock (`landlock.confine`) on the same list, which needs no namespace at all.
"""

from __future__ import annotations

import ctypes
import os
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1024, 2048, 1 << 21
MNT_DETACH = 2
_STATVFS_TO_MS = {1: MS_RDONLY, 2: MS_NOSUID, 4: MS_NODEV, 8: MS_NOEXEC, 1024: MS_NOATIME, 2048: MS_NODIRATIME,
                  4096: MS_RELATIME}

SHARED_LIBRARIES = ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/bin", "/bin")
ETC_FILES = ("/etc/ld.so.cache", "/etc/localtime")
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom")
WORKDIR = "/tmp/work"  # inside the built root: the submission's cwd and HOME

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class AllowList:
    """Read-only paths (files or folders) a submission may see, and the paths kept out of them."""

    read_only: tuple[str, ...]
    # Forbidden packages inside an allowed folder (scipy/signal, cv2, ...), left out of the built
    # root.  Landlock cannot leave them out: a rule that lets Python list site-packages covers all
    # beneath it, so in Landlock-only mode they stay readable and the static check is the rule.
    excluded: tuple[str, ...]


def _real(path: str) -> str:
    return os.path.realpath(path)


def allow_list(forbidden_modules: tuple[str, ...] = ()) -> AllowList:
    """Everything this interpreter needs to read, and the forbidden packages' folders to leave out."""
    roots: set[str] = set()
    for scheme_vars in ({"base": sys.base_prefix, "platbase": sys.base_prefix}, {"base": sys.prefix, "platbase": sys.prefix}):
        paths = sysconfig.get_paths(vars=scheme_vars)
        roots.update(paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib"))
    roots.add(sys.prefix)  # the virtual environment: pyvenv.cfg, bin/python, site-packages
    roots.add(os.path.dirname(_real(sys.executable)))
    roots.add(_real(sys.executable))
    libdir, library = sysconfig.get_config_var("LIBDIR"), sysconfig.get_config_var("LDLIBRARY")
    if libdir and library and os.path.exists(os.path.join(libdir, library)):
        roots.add(os.path.join(libdir, library))
    roots.update(p for p in SHARED_LIBRARIES if os.path.exists(p))
    roots.update(p for p in ETC_FILES if os.path.exists(p))
    resolved: set[str] = set()
    for root in roots:
        if not os.path.exists(root):
            continue
        resolved.add(os.path.abspath(root))
        resolved.add(_real(root))
    return AllowList(read_only=tuple(sorted(_outermost(resolved))), excluded=tuple(sorted(forbidden_folders(forbidden_modules))))


def _outermost(paths: set[str]) -> list[str]:
    """Drop paths already inside another allowed folder (symlinked ones stay: they are links)."""
    keep = []
    for path in sorted(paths):
        if any(path.startswith(other.rstrip("/") + "/") and not os.path.islink(other) for other in keep):
            continue
        keep.append(path)
    return keep


def forbidden_folders(modules: tuple[str, ...]) -> list[str]:
    """Where the forbidden packages (`scipy.signal`, `cv2`, ...) live on disk (a forbidden routine,
    `numpy.einsum`, has no file of its own: it is removed from its module instead, see removal.py).

    Found by the path finder alone, without importing anything and without the import hooks of
    this process (the hook that refuses `import scipy.signal` would hide it from find_spec).
    """
    from importlib.machinery import EXTENSION_SUFFIXES, PathFinder

    found = []
    for name in modules:
        top, *rest = name.split(".")
        spec = PathFinder.find_spec(top)
        if spec is None:
            continue
        bases = list(spec.submodule_search_locations or []) or ([spec.origin] if spec.origin else [])
        for base in bases:
            if not rest:
                found.append(_real(base))
                continue
            inner = os.path.join(base, *rest)
            candidates = [inner, inner + ".py", *(inner + suffix for suffix in EXTENSION_SUFFIXES)]
            found.extend(_real(p) for p in candidates if os.path.exists(p))
    return found


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None, what: str) -> None:
    _check(_libc.mount(source.encode() if source else None, target.encode(), fstype.encode() if fstype else None,
                       ctypes.c_ulong(flags), data.encode() if data else None), what)


def _locked_flags(path: str) -> int:
    """Flags of the mount under `path` that a bind remount must keep (in a user namespace they are locked)."""
    found = os.statvfs(path).f_flag
    return sum(ms for st, ms in _STATVFS_TO_MS.items() if found & st)


def _bind_read_only(source: str, target: str) -> None:
    _mount(source, target, None, MS_BIND, None, f"bind {source}")
    flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | _locked_flags(source)
    _mount(None, target, None, flags, None, f"make {source} read-only")


def _place(new_root: str, path: str, *, directory: bool) -> str:
    target = new_root + path
    os.makedirs(target if directory else os.path.dirname(target), mode=0o755, exist_ok=True)
    if not directory and not os.path.exists(target):
        open(target, "w").close()
    return target


def build_root(new_root: str, allowed: AllowList, *, tmp_mb: int, uid: int, gid: int, user: str = "student") -> str:
    """Build the submission's whole file view at `new_root` and pivot into it.

    Must run in a fresh mount namespace, as the first process of a fresh PID namespace (for its
    own /proc), with the right to mount.  Afterwards / is a read-only tmpfs; the only writable
    places are /tmp (size-limited; the work dir is /tmp/work) and /dev/shm.  Returns the work dir.
    """
    _mount(None, "/", None, MS_REC | MS_PRIVATE, None, "make / private")
    _mount("tmpfs", new_root, "tmpfs", MS_NOSUID | MS_NODEV, "size=2m,mode=0755", "tmpfs root")
    # /tmp first: a virtual environment under /tmp (a checkout there) is bound inside it afterwards
    tmp = _place(new_root, "/tmp", directory=True)
    _mount("tmpfs", tmp, "tmpfs", MS_NOSUID | MS_NODEV, f"size={tmp_mb}m,mode=1777", "private /tmp")
    for path in allowed.read_only:
        if os.path.islink(path):
            _place(new_root, os.path.dirname(path), directory=True)
            os.symlink(os.readlink(path), new_root + path)
            continue
        is_dir = os.path.isdir(path)
        _bind_read_only(path, _place(new_root, path, directory=is_dir))
    for path in allowed.excluded:
        if os.path.exists(new_root + path) and os.path.isdir(path):
            _mount("tmpfs", new_root + path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=000",
                   f"leave out {path}")
    _build_dev(new_root)
    _build_etc(new_root, uid=uid, gid=gid, user=user)
    proc = _place(new_root, "/proc", directory=True)
    _mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None, "fresh /proc")
    workdir = WORKDIR
    while os.path.exists(new_root + workdir):  # a checkout under /tmp/work keeps its path
        workdir += "-sandbox"
    os.mkdir(new_root + workdir, 0o700)
    os.chown(new_root + workdir, uid, gid)
    old = new_root + "/.old-root"
    os.mkdir(old)
    _check(_libc.syscall(155 if os.uname().machine == "x86_64" else 41, new_root.encode(), old.encode()), "pivot_root")
    os.chdir("/")
    _check(_libc.umount2(b"/.old-root", MNT_DETACH), "detach the old root")
    os.rmdir("/.old-root")
    _mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, None, "make / read-only")
    return workdir


def _build_dev(new_root: str) -> None:
    dev = _place(new_root, "/dev", directory=True)
    _mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755", "tmpfs /dev")
    for device in DEVICES:
        target = _place(new_root, device, directory=False)
        _mount(device, target, None, MS_BIND, None, f"bind {device}")
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{dev}/{name}")
    shm = _place(new_root, "/dev/shm", directory=True)
    _mount("tmpfs", shm, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=16m,mode=1777", "tmpfs /dev/shm")
    _mount(None, dev, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755", "make /dev read-only")


def _build_etc(new_root: str, *, uid: int, gid: int, user: str) -> None:
    etc = Path(_place(new_root, "/etc", directory=True))
    (etc / "passwd").write_text(f"{user}:x:{uid}:{gid}:{user}:/tmp:/bin/sh\n")
    (etc / "group").write_text(f"{user}:x:{gid}:\n")
    (etc / "hostname").write_text("sandbox\n")
    (etc / "hosts").write_text("127.0.0.1 localhost sandbox\n")
    (etc / "nsswitch.conf").write_text("passwd: files\ngroup: files\nhosts: files\n")
