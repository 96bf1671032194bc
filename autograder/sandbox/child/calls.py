"""A caller: a forked copy of the executed notebook that answers the grader's calls as plain data
(return value or exception, and which arguments the call changed in place)."""

from __future__ import annotations

import copy
import os
import socket
import sys
from typing import Any

from ..protocol import decode_value, encode_value, recv_message, send_message
from .output import BoundedWriter, describe_exception
from .runtime import Runtime

_real_exit = os._exit


def fork_caller(sock: socket.socket, runtime: Runtime, namespace: dict) -> None:
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
            reply = {"op": "raise", "id": call_id, "type": _safe_type_name(error), "message": describe_exception(error)}
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
