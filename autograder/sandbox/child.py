"""Code that runs inside the sandbox: execute a notebook's cells, then answer calls.

Nothing here is trusted by the grader.  Student code shares this process and may patch any of
it; the grader only ever reads plain data from the socket and checks it itself.  What this
module guarantees to an honest submission is IPython semantics (magics, `!` commands, one
failing cell never stopping the next) and exact reports of calls (return value, exception,
arguments changed in place).  The assignment's rules do not depend on it: forbidden library
routines are absent from this process (removed before any student code runs, and their
packages left out of the sandbox's file view), not watched by code the student could rewrite.

Process layout per submission: the executor (forked by the fork server) runs the cells, then
for each question forks a caller that serves that question's calls over a socket of its own,
so a crash, hang or `os._exit` inside one student function ends only that caller.
"""

from __future__ import annotations

import copy
import importlib
import importlib.abc
import io
import os
import socket
import sys
import types
from typing import Any

from .protocol import decode_value, encode_value, recv_message, send_message
from .removal import Removal, remove

STDOUT_LIMIT = 20_000
_real_exit = os._exit


class BoundedWriter(io.TextIOBase):
    """A text stream that keeps the first `limit` characters and drops the rest."""

    def __init__(self, limit: int = STDOUT_LIMIT):
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0
        self.dropped = False

    def write(self, text: str) -> int:
        text = str(text)
        room = self.limit - self.size
        if room > 0:
            self.parts.append(text[:room])
            self.size += min(len(text), room)
        if len(text) > room:
            self.dropped = True
        return len(text)

    def getvalue(self) -> str:
        return "".join(self.parts) + ("\n[output truncated]" if self.dropped else "")

    def writable(self) -> bool:
        return True


class Runtime:
    """What the fork server prepares once, before any fork: imports, a shell, stubs, and the
    forbidden routines taken out."""

    def __init__(self, preload: tuple[str, ...], removals: tuple[Removal, ...] = ()):
        os.environ.setdefault("MPLBACKEND", "Agg")
        for name in preload:
            importlib.import_module(name)
        from IPython.core.interactiveshell import InteractiveShell

        from traitlets.config import Config

        config = Config()
        config.HistoryManager.enabled = False  # no history thread, no sqlite file
        self.shell = InteractiveShell.instance(config=config)
        self.shell.register_magic_function(lambda line="": None, "line", "matplotlib")
        self.shell.system = _system  # `!cmd` through a pipe: the sandbox has no terminals to lend
        self.transform = self.shell.input_transformer_manager.transform_cell
        remove(removals)  # what the assignment's rules forbid is absent, not watched
        self._install_otter_stub()
        if "matplotlib.pyplot" in sys.modules:
            self._warm_up_matplotlib()

    @staticmethod
    def _warm_up_matplotlib() -> None:
        """Draw one figure before any fork, so fonts, colormaps and caches are loaded once here
        instead of in every sandbox (the first figure of a process costs several times the next)."""
        import matplotlib.pyplot as plt
        import numpy as np

        fig, axes = plt.subplots(1, 2, figsize=(4, 2))
        image = axes[0].imshow(np.arange(9.0).reshape(3, 3), cmap="RdBu_r", vmin=-1, vmax=1)
        axes[0].set_title("warm-up", fontsize=10)
        axes[1].plot([0, 1], [1, 0], label="line")
        axes[1].text(0.5, 0.5, "text", ha="center", va="center")
        axes[1].legend()
        fig.colorbar(image, ax=axes[0])
        fig.suptitle("warm-up")
        fig.tight_layout()
        fig.canvas.draw()
        plt.close("all")

    @staticmethod
    def _install_otter_stub() -> None:
        """`grader.check(...)` cells in a submission do nothing here: tests run in the grader."""

        class Notebook:
            def __init__(self, *args, **kwargs):
                pass

            def __getattr__(self, name):
                return lambda *args, **kwargs: None

        otter = types.ModuleType("otter")
        otter.Notebook = Notebook
        sys.modules["otter"] = otter


def _system(command: str) -> None:
    """`!command` in a cell: run by /bin/sh, its output printed as the cell's, its status kept
    in `_exit_code` as IPython does."""
    import subprocess

    from IPython import get_ipython

    done = subprocess.run(command, shell=True, executable="/bin/sh", stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    sys.stdout.write(done.stdout.decode("utf-8", errors="replace"))
    shell = get_ipython()
    if shell is not None:
        shell.user_ns["_exit_code"] = done.returncode


# ---------------------------------------------------------------- executor


def run_executor(sock: socket.socket, runtime: Runtime) -> None:
    """Serve one submission: execute its cells, then fork a caller per request."""
    header, blobs, _fds = recv_message(sock)
    if header.get("op") != "execute":
        _real_exit(2)
    with open("submission.ipynb", "w", encoding="utf-8") as notebook:
        notebook.write(header.get("notebook", ""))
    for name, index in header.get("files", []):  # what the notebook reads, beside it as in the student's folder
        os.makedirs(os.path.dirname(name) or ".", exist_ok=True)
        with open(name, "wb") as data:
            data.write(blobs[index])
    namespace = runtime.shell.user_ns
    namespace["get_ipython"] = runtime.shell.get_ipython
    output = BoundedWriter()
    reports = []
    skip = set(header.get("skip", []))
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = output
    executor = os.getpid()
    os._exit = _exit_as_exception(executor)
    try:
        for index, source in enumerate(header["cells"]):
            if index in skip:
                reports.append({"index": index, "ok": False, "error": "skipped: this cell stopped the sandbox before"})
                continue
            send_message(sock, {"op": "cell", "index": index})
            report = _run_cell(runtime, namespace, index, source)
            if os.getpid() != executor:
                _real_exit(0)  # a process the cell forked fell out of it: only the executor speaks to the grader
            reports.append(report)
    finally:
        sys.stdout, sys.stderr = saved
        os._exit = _real_exit
    names = {name: _kind(namespace, name) for name in header.get("names", [])}
    executed = {"op": "executed", "cells": reports, "names": names, "stdout": output.getvalue()}
    if header.get("namespace"):
        executed["namespace"] = _public_names(namespace)
    send_message(sock, executed)
    while True:
        request, _blobs, _fds = recv_message(sock)
        if request.get("op") != "fork":
            _real_exit(0)
        _fork_caller(sock, runtime, namespace)


def _exit_as_exception(executor: int):
    """`os._exit` for the cells: in the executor it only ends the cell (as in Jupyter, where it
    would restart the kernel, not lose the notebook); in a process the cell forked it exits."""

    def exit_cell(code: int = 0) -> None:
        if os.getpid() != executor:
            _real_exit(code)
        raise SystemExit(f"os._exit({code}) called")

    return exit_cell


def compile_cell(source: str, filename: str, transform) -> "types.CodeType":
    """Compile a cell as IPython would: plain Python as it is, anything else (magics, `!`
    commands, `?` help) through IPython's input transformer, which leaves valid Python alone."""
    try:
        return compile(source, filename, "exec")
    except SyntaxError:
        return compile(transform(source), filename, "exec")


def _run_cell(runtime: Runtime, namespace: dict, index: int, source: str) -> dict:
    try:
        code = compile_cell(source, f"<code cell {index + 1}>", runtime.transform)
        exec(code, namespace)
    except BaseException as error:  # SystemExit and KeyboardInterrupt must not stop later cells
        return {"index": index, "ok": False, "error": _describe_exception(error)}
    return {"index": index, "ok": True, "error": ""}


def _describe_exception(error: BaseException) -> str:
    try:
        text = f"{type(error).__name__}: {error}"
    except BaseException:
        text = "an exception whose message cannot be shown"
    return text[:500]


NOT_STUDENT_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit"})  # IPython's, in every namespace


def _public_names(namespace: dict) -> list[list[str]]:
    """[name, kind] of every name the notebook defined that a test's `env` may read (not `_private` ones)."""
    listed = []
    for name in sorted(k for k in namespace if type(k) is str and k.isidentifier() and len(k) <= 200):
        if not name.startswith("_") and name not in NOT_STUDENT_NAMES:
            listed.append([name, _kind(namespace, name)])
            if len(listed) == 2000:
                break
    return listed


def _kind(namespace: dict, name: str) -> str:
    if name not in namespace:
        return "missing"
    return "function" if callable(namespace[name]) else "value"


# ---------------------------------------------------------------- caller


def _fork_caller(sock: socket.socket, runtime: Runtime, namespace: dict) -> None:
    ours, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        sock.close()
        ours.close()
        try:
            _serve_calls(theirs, runtime, namespace)
        finally:
            _real_exit(0)
    theirs.close()
    send_message(sock, {"op": "forked", "pid": pid}, fds=[ours.fileno()])
    ours.close()
    _, status = os.waitpid(pid, 0)
    send_message(sock, {"op": "ended", "pid": pid, "how": _how_it_ended(status)})


def _how_it_ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        import signal

        sig = os.WTERMSIG(status)
        try:
            return f"killed by {signal.Signals(sig).name}"
        except ValueError:
            return f"killed by signal {sig}"
    return f"exited with status {os.WEXITSTATUS(status)}"


def _serve_calls(sock: socket.socket, runtime: Runtime, namespace: dict) -> None:
    while True:
        try:
            request, blobs, _fds = recv_message(sock)
        except EOFError:
            return
        op, call_id, name = request.get("op"), request.get("id"), request.get("name")
        if op == "get":
            tree, out_blobs = encode_value(namespace.get(name))
            send_message(sock, {"op": "value", "id": call_id, "value": tree}, out_blobs)
            continue
        if op != "call":
            return
        args, kwargs = decode_value(request["arguments"], blobs)
        before = copy.deepcopy((args, kwargs))
        output = BoundedWriter(2000)
        saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = output
        try:
            result = namespace[name](*args, **kwargs)
        except BaseException as error:
            sys.stdout, sys.stderr = saved
            reply = {"op": "raise", "id": call_id, "type": _safe_type_name(error), "message": _describe_exception(error)}
            reply.update(_side_effects(before, (args, kwargs)))
            send_message(sock, reply)
            continue
        sys.stdout, sys.stderr = saved
        tree, out_blobs = encode_value(result)
        reply = {"op": "return", "id": call_id, "value": tree}
        reply.update(_side_effects(before, (args, kwargs)))
        send_message(sock, reply, out_blobs)


def _safe_type_name(error: BaseException) -> str:
    try:
        return str(type(error).__name__)[:80]
    except BaseException:
        return "Exception"


def _side_effects(before: Any, after: Any) -> dict:
    args_before, kwargs_before = before
    args_after, kwargs_after = after
    changed = [i for i, (a, b) in enumerate(zip(args_before, args_after)) if not _same(a, b)]
    changed += [k for k in kwargs_before if not _same(kwargs_before[k], kwargs_after.get(k))]
    return {"modified": changed}


def _same(a: Any, b: Any) -> bool:
    import numpy as np

    if isinstance(a, np.ndarray):
        return (
            isinstance(b, np.ndarray)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        )
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and (a == b or (a != a and b != b))
