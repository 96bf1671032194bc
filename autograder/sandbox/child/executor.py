"""The executor: one submission's cells run with IPython's semantics, reported to the grader, then
a caller forked per request of the grader (`calls.py`)."""

from __future__ import annotations

import os
import socket
import sys
import types

from ..protocol import recv_message, send_message
from .calls import fork_caller
from .output import BoundedWriter, describe_exception
from .runtime import Runtime

_real_exit = os._exit


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
        executed["namespace"] = _public_names(namespace, header.get("names", []))
    send_message(sock, executed)
    while True:
        request, _blobs, _fds = recv_message(sock)
        if request.get("op") != "fork":
            _real_exit(0)
        fork_caller(sock, runtime, namespace)


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
        return {"index": index, "ok": False, "error": describe_exception(error)}
    return {"index": index, "ok": True, "error": ""}


# IPython's names, and the notebook's self-checks cell's: in every namespace, never an answer.  The
# notebook's own `env` (autograder/self_checks.py, Namespace) leaves out the same names, and modules.
NOT_STUDENT_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit",
                               "grader", "SELF_CHECKS_CODE", "PUBLIC_TESTS", "RULES"})


def _public_names(namespace: dict, wanted: "list[str] | tuple[str, ...]" = ()) -> list[list[str]]:
    """[name, kind] of every name the notebook defined that a test's `env` may read: not `_private`
    ones, not modules, not the names every notebook has (`NOT_STUDENT_NAMES`), sorted by name.

    At most `MAX_LISTED` are listed; over that, the names the tests bind (`wanted`) come first, then the
    notebook's own values, functions and classes, and last what it imported (`from numpy import *`), so
    that a notebook with many names still has its answers read through `env`."""
    public = [k for k in namespace if type(k) is str and k.isidentifier() and len(k) <= 200 and not k.startswith("_")
              and k not in NOT_STUDENT_NAMES and type(namespace[k]) is not types.ModuleType]
    if len(public) > MAX_LISTED:
        first = set(wanted)
        public.sort(key=lambda name: (name not in first, _imported(namespace[name]), name))
        public = public[:MAX_LISTED]
    return [[name, _kind(namespace, name)] for name in sorted(public)]


MAX_LISTED = 2000  # autograder/sandbox/messages.py, MAX_NAMESPACE
_LIBRARY_CALLABLES = (types.BuiltinFunctionType, types.MethodWrapperType, types.WrapperDescriptorType)


def _imported(value: object) -> bool:
    """True for a function or class defined outside the notebook (read without running student code:
    only the exact types whose `__module__` is plain data are asked)."""
    kind = type(value)
    numpy = sys.modules.get("numpy")
    if kind in _LIBRARY_CALLABLES or (numpy is not None and kind is type(numpy.add)):
        return True
    if kind is types.FunctionType or kind is type:
        return value.__module__ != "__main__"
    return False


def _kind(namespace: dict, name: str) -> str:
    if name not in namespace:
        return "missing"
    return "function" if callable(namespace[name]) else "value"
