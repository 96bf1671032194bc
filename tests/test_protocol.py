"""The grader's trust boundary, frame by frame: every hostile-value class is refused or decoded
at a cost bounded by the frame's size, measured here in time and memory.

Frames are written to one end of a socket pair exactly as a forging sandbox would write them
and read from the other with the grader's own `recv_message` and `messages.parse`.

    .venv/bin/python tests/test_protocol.py      # prints the table of worst-case costs
"""

from __future__ import annotations

import json
import os
import socket
import struct
import threading
import time
import tracemalloc
from typing import Callable

import numpy as np
import pytest

from autograder.sandbox import messages
from autograder.sandbox.protocol import (
    MAX_HEADER, MAX_INT_DIGITS, MAX_KEYED, MAX_STRING, ProtocolError, decode_value, encode_value,
    recv_message, send_message,
)

COLLIDE = 2**61 - 1  # integers i * COLLIDE all hash to 0


def _int(i: int) -> dict:
    return {"t": "int", "v": str(i)}


def frame(value: dict, blobs: list[bytes] = (), *, raw: bytes | None = None) -> bytes:
    body = raw if raw is not None else json.dumps({"op": "return", "id": 1, "value": value}).encode()
    body += b" " * (-len(body) % 16)
    section = b"".join(struct.pack("!Q", len(blob)) + bytes(8) + blob + bytes(-len(blob) % 16) for blob in blobs)
    return struct.pack("!III", len(body), len(blobs), len(section)) + body + section


def _deep_json(depth: int) -> bytes:
    return ('{"op":"return","id":1,"value":' + '{"t":"list","v":[' * depth + "]}" * depth + "}").encode()


# Every hostile-value class: a frame at (or past) its bound, and what the grader must do.
HOSTILE: dict[str, tuple[str, Callable[[], bytes], str | None]] = {
    "largest array (2**22 float64)": (
        "decoded, without a copy",
        lambda: frame({"t": "ndarray", "dtype": "<f8", "shape": [2**22], "b": 0}, [bytes(2**25)]), None),
    "arrays filling the frame (15 x 2**22 uint8)": (
        "decoded, without a copy",
        lambda: frame({"t": "list", "v": [{"t": "ndarray", "dtype": "|u1", "shape": [2**22], "b": i} for i in range(15)]},
                      [bytes(2**22)] * 15), None),
    "zero-size dimension, (10**9, 0)": (
        "refused", lambda: frame({"t": "ndarray", "dtype": "<f8", "shape": [10**9, 0], "b": 0}, [b""]),
        "malformed array shape"),
    "zero-size dimension, (4096, 4096, 0)": (
        "refused", lambda: frame({"t": "ndarray", "dtype": "<f8", "shape": [4096, 4096, 0], "b": 0}, [b""]),
        "counting each empty dimension"),
    "one blob behind 1000 arrays (32 MB)": (
        "refused", lambda: frame({"t": "list", "v": [{"t": "ndarray", "dtype": "<f8", "shape": [2**22], "b": 0}] * 1000},
                                 [bytes(2**25)]), "used twice"),
    "dtype string numpy would parse": (
        "refused", lambda: frame({"t": "ndarray", "dtype": "(1000000000,)f8", "shape": [1], "b": 0}, [b""]),
        "dtype"),
    f"set of {MAX_KEYED} integers hashing alike (the limit)": (
        "decoded", lambda: frame({"t": "set", "v": [_int(i * COLLIDE) for i in range(MAX_KEYED)]}), None),
    "set of 50 000 integers hashing alike": (
        "refused", lambda: frame({"t": "set", "v": [_int(i * COLLIDE) for i in range(50_000)]}), "members"),
    f"dict of {MAX_KEYED} long tuple keys hashing alike": (
        "refused", lambda: frame({"t": "dict", "v": [[{"t": "tuple", "v": [_int(i * COLLIDE)] * 50}, {"t": "none"}]
                                                    for i in range(MAX_KEYED)]}), "too large in all"),
    "dict keys at the weight limit (1000 tuples of 9)": (
        "decoded", lambda: frame({"t": "dict", "v": [[{"t": "tuple", "v": [_int(COLLIDE)] * 8 + [_int(i * COLLIDE)]},
                                                     {"t": "none"}] for i in range(MAX_KEYED)]}), None),
    "100 000 nodes (the limit), a list of ints": (
        "decoded", lambda: frame({"t": "list", "v": [_int(i) for i in range(99_999)]}), None),
    f"integers of {MAX_INT_DIGITS} digits filling the header": (
        "decoded", lambda: frame({"t": "list", "v": [_int(int("7" * MAX_INT_DIGITS))] * (MAX_HEADER // 4330 - 1)}), None),
    "integer of 100 000 digits": ("refused", lambda: frame({"t": "int", "v": "7" * 100_000}), "digits"),
    "float written with 10**6 digits": ("refused", lambda: frame({"t": "float", "v": "1" * 10**6}), "float"),
    "string of 10**6 characters": ("refused", lambda: frame({"t": "str", "v": "x" * 10**6}), "characters"),
    "JSON nested 100 000 deep": ("refused", lambda: frame({}, raw=_deep_json(100_000)), "not JSON"),
    "value nested 400 deep": ("refused", lambda: frame({}, raw=_deep_json(400)), "nested"),
    "header of 1.3 million empty lists (4 MB)": (
        "refused", lambda: frame({}, raw=b'{"op":"return","id":1,"value":{"t":"list","v":[' +
                                 b"[]," * ((MAX_HEADER - 200) // 3) + b"[]]}}"), "malformed"),
    "header over 4 MB": ("refused", lambda: frame({"t": "str", "v": "x" * (MAX_HEADER + 10)}), "too large"),
}


def measure(data: bytes) -> tuple[object, float, int]:
    """(the value or the error, seconds, peak bytes): time measured untraced, memory traced."""
    outcome, seconds, _ = read_reply(data)
    _, _, peak = read_reply(data, trace=True)
    return outcome, seconds, peak


def read_reply(data: bytes, *, trace: bool = False) -> tuple[object, float, int]:
    """Send `data` to the grader's reader; return (the value or the error, seconds, peak bytes)."""
    ours, theirs = socket.socketpair()
    def write() -> None:
        try:
            theirs.sendall(data)
        except OSError:  # the reader refused the frame and hung up
            pass
        theirs.close()

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        header, blobs, _fds = recv_message(ours, deadline=time.monotonic() + 30)
        outcome = messages.parse(header, blobs, expect=("return",), call_id=1).value
    except (ProtocolError, EOFError) as error:
        outcome = error
    seconds = time.perf_counter() - started
    peak = 0
    if trace:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    ours.close()
    writer.join()
    return outcome, seconds, peak


@pytest.mark.parametrize("label", list(HOSTILE))
def test_each_hostile_value_class_costs_little(label):
    expected, make, reason = HOSTILE[label]
    data = make()
    outcome, seconds, peak = measure(data)
    if reason is None:
        assert not isinstance(outcome, Exception), outcome
    else:
        assert isinstance(outcome, ProtocolError) and reason in str(outcome), outcome
    assert seconds < 3.0, f"{label}: {seconds:.2f} s"  # well under 1 s on an idle core
    assert peak < max(3 * len(data), 64 * 2**20) + 32 * 2**20, f"{label}: {peak / 2**20:.0f} MB"


def test_a_dribbled_frame_is_bounded_by_one_deadline():
    ours, theirs = socket.socketpair()
    data = frame({"t": "int", "v": "1"})

    def dribble():
        try:
            for byte in data:
                theirs.send(bytes([byte]))
                time.sleep(0.05)
        except OSError:
            pass

    writer = threading.Thread(target=dribble, daemon=True)
    writer.start()
    started = time.monotonic()
    with pytest.raises(socket.timeout):
        recv_message(ours, deadline=started + 0.5)
    assert time.monotonic() - started < 0.8
    ours.close()
    theirs.close()
    writer.join()


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_received_descriptors_are_checked_and_closed():
    before = _open_fds()
    extra = [os.open(os.devnull, os.O_RDONLY) for _ in range(3)]
    spare, spare_peer = socket.socketpair()

    def receive(sent: list[int], expected: int):
        ours, theirs = socket.socketpair()  # a refused frame ends its connection: one pair per case
        try:
            send_message(theirs, {"op": "forked", "pid": 5}, fds=sent)
            return recv_message(ours, fds=expected, deadline=time.monotonic() + 5)
        finally:
            ours.close()
            theirs.close()

    for sent in (extra, [spare.fileno(), *extra], [], extra[:1]):  # too many, none, or not a socket
        with pytest.raises(ProtocolError):
            receive(sent, 1)
    header, _, fds = receive(extra, 0)  # where none is expected: the kernel discards them
    assert header["op"] == "forked" and fds == []
    _, _, fds = receive([spare.fileno()], 1)
    assert len(fds) == 1
    os.close(fds[0])
    for fd in extra:
        os.close(fd)
    spare.close()
    spare_peer.close()
    assert _open_fds() == before


def test_honest_values_round_trip_and_oversized_ones_are_named():
    values = [None, True, 3, 10**300, 1.5, float("inf"), 2 + 3j, "text", [1, [2, (3,)]], {1, 2}, frozenset({"a"}),
              {"k": (1, 2)}, np.arange(6.0).reshape(2, 3), np.zeros((0, 3)), np.int64(7), np.float32(0.5), np.bool_(True)]
    for value in values:
        tree, blobs = encode_value(value)
        back = decode_value(json.loads(json.dumps(tree)), [bytearray(b) for b in blobs])
        if isinstance(value, np.ndarray):
            assert back.dtype == value.dtype and back.shape == value.shape and (back == value).all()
            assert back.flags.writeable
        else:
            assert back == value and type(back) is type(value)
    for value, words in ((np.zeros((10**7, 0)), "too large"), (set(range(MAX_KEYED + 1)), "at most"),
                         (10**5000, "bits"), (np.array(["a"]), "dtype")):
        tree, _ = encode_value(value)
        assert tree["t"] == "unsupported" and words in tree["type"]
    assert len(encode_value("x" * (MAX_STRING + 5))[0]["v"]) == MAX_STRING


def test_every_message_field_is_checked_against_its_schema():
    cases = [
        ({"op": "cell", "index": 7}, dict(expect=("cell",), cells=3), "'index'"),
        ({"op": "cell", "index": 1, "extra": 1}, dict(expect=("cell",), cells=3), "'extra' is not expected"),
        ({"op": "executed", "cells": [], "names": {"os": "function"}, "stdout": ""}, dict(expect=("executed",), names=("f",)), "'names'"),
        ({"op": "executed", "cells": [{"index": 0, "ok": 1, "error": ""}], "names": {}, "stdout": ""},
         dict(expect=("executed",), cells=1), "'cells'"),
        ({"op": "executed", "cells": [], "names": {}, "stdout": 5}, dict(expect=("executed",)), "'stdout'"),
        # the namespace listed for tests that take `env`: identifiers with a kind, each once, at most 2000
        ({"op": "executed", "cells": [], "names": {}, "stdout": "", "namespace": {"x": "value"}}, dict(expect=("executed",)), "'namespace'"),
        ({"op": "executed", "cells": [], "names": {}, "stdout": "", "namespace": [["x", "missing"]]}, dict(expect=("executed",)), "'namespace'"),
        ({"op": "executed", "cells": [], "names": {}, "stdout": "", "namespace": [["x y", "value"]]}, dict(expect=("executed",)), "'namespace'"),
        ({"op": "executed", "cells": [], "names": {}, "stdout": "", "namespace": [["x", "value"], ["x", "function"]]},
         dict(expect=("executed",)), "'namespace'"),
        ({"op": "executed", "cells": [], "names": {}, "stdout": "", "namespace": [[f"n{i}", "value"] for i in range(2001)]},
         dict(expect=("executed",)), "'namespace'"),
        ({"op": "forked", "pid": -1}, dict(expect=("forked",)), "'pid'"),
        ({"op": "return", "id": 2, "value": {"t": "none"}}, dict(expect=("return",), call_id=1), "'id'"),
        ({"op": "return", "id": 1, "value": {"t": "none"}, "modified": [-1]}, dict(expect=("return",), call_id=1), "'modified'"),
        ({"op": "raise", "id": 1, "type": "E", "message": "x" * 10_000}, dict(expect=("raise",), call_id=1), "'message'"),
        ({"op": "ended", "pid": 9, "how": "exited"}, dict(expect=("ended",), pid=8), "'pid'"),
        ({"op": "ready", "protections": {"uid_drop": "yes"}}, dict(expect=("ready",)), "'uid_drop'"),
        ({"op": "value", "id": 1, "value": {"t": "none"}}, dict(expect=("return", "raise"), call_id=1), "'value' message"),
    ]
    for header, context, words in cases:
        with pytest.raises(ProtocolError, match=words.replace("(", r"\(")):
            messages.parse(header, [], **context)
    listed = messages.parse({"op": "executed", "cells": [], "names": {}, "stdout": "",
                             "namespace": [["pooled", "value"], ["max_pool2d", "function"]]}, [], expect=("executed",))
    assert listed.namespace == {"pooled": "value", "max_pool2d": "function"}
    assert messages.parse({"op": "executed", "cells": [], "names": {}, "stdout": ""}, [], expect=("executed",)).namespace is None


def table() -> str:
    lines = ["| hostile value | the grader | time | peak memory |", "| --- | --- | --- | --- |"]
    for label, (expected, make, _reason) in HOSTILE.items():
        data = make()
        outcome, seconds, peak = measure(data)
        verdict = f"refused ({outcome})" if isinstance(outcome, Exception) else expected
        lines.append(f"| {label} ({len(data) / 2**20:.1f} MB sent) | {verdict} | {seconds * 1000:.0f} ms | {peak / 2**20:.0f} MB |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())


def test_a_frame_is_read_in_two_reads_and_its_arrays_are_aligned():
    """Whatever a frame holds, the reader makes two reads (its head, then the rest) and every array
    it decodes starts aligned for its dtype, without a copy; a blob section that does not add up is refused."""
    arrays = [np.arange(7, dtype=np.int8), np.linspace(0, 1, 9).astype(np.complex128), np.eye(3, dtype=np.longdouble)]
    tree, blobs = encode_value(arrays)
    ours, theirs = socket.socketpair()
    send_message(theirs, {"op": "return", "id": 1, "value": tree}, blobs)
    reads = []
    original = ours.recv_into
    class Counting(socket.socket):
        def recv_into(self, *args, **kwargs):
            reads.append(args[1] if len(args) > 1 else None)
            return original(*args, **kwargs)
    counted = Counting(fileno=os.dup(ours.fileno()))
    header, got, _fds = recv_message(counted, deadline=time.monotonic() + 5)
    value = messages.parse(header, got, expect=("return",), call_id=1).value
    assert len(reads) == 2
    for sent, received in zip(arrays, value):
        assert received.dtype == sent.dtype and np.array_equal(received, sent)
        assert received.flags.aligned and received.flags.writeable and not received.flags.owndata
    counted.close()
    ours.close()
    broken = frame({"t": "ndarray", "dtype": "<f8", "shape": [1], "b": 0}, [bytes(8)])
    broken = broken[:8] + struct.pack("!I", struct.unpack("!I", broken[8:12])[0] - 16) + broken[12:-16]
    outcome, _seconds, _peak = read_reply(broken)
    assert isinstance(outcome, ProtocolError) and "blob section" in str(outcome), outcome
    theirs.close()
