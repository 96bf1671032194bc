"""Messages between the grader and the sandbox: plain data only.

A frame is a JSON header plus binary blobs: an array travels as its raw bytes with its dtype
and shape in the header (checked before use; decoding `.npy` instead costs 20 times more, its
header being parsed as a Python literal).  Values are encoded as
tagged trees (`{"t": "int", "v": "12"}`), so that the grader rebuilds only builtin types and
numpy arrays of plain numeric dtypes: nothing the student defines can cross, so no
object can lie about its equality, type or value.

This module is imported on both sides.  The decoder is the grader's trust boundary: any
malformed frame raises `ProtocolError`.
"""

from __future__ import annotations

import json
import math
import socket
import struct
from typing import Any

import numpy as np

MAX_FRAME = 64 * 1024 * 1024  # a reply larger than this is refused, not buffered
MAX_DEPTH = 32
MAX_ITEMS = 100_000
MAX_STRING = 100_000
NUMERIC_KINDS = "biufc"

_HEADER = struct.Struct("!II")  # json length, number of blobs
_LENGTH = struct.Struct("!I")


class ProtocolError(Exception):
    """The other side sent something that is not a well-formed message."""


class Unsupported:
    """A value of a type that cannot cross (an object, a generator, an ndarray subclass...)."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<unsupported {self.type_name}>"


# ---------------------------------------------------------------- values


def encode_value(value: Any) -> tuple[Any, list[bytes]]:
    """Encode `value` as a JSON-able tree and a list of blobs."""
    blobs: list[bytes] = []
    budget = [MAX_ITEMS]

    def enc(v: Any, depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0 or depth > MAX_DEPTH:
            return {"t": "unsupported", "type": "a structure too large or too deeply nested"}
        tp = type(v)
        if v is None:
            return {"t": "none"}
        if tp is bool:
            return {"t": "bool", "v": v}
        if tp is int:
            return {"t": "int", "v": str(v)}
        if tp is float:
            return {"t": "float", "v": repr(v)}
        if tp is complex:
            return {"t": "complex", "re": repr(v.real), "im": repr(v.imag)}
        if tp is str:
            return {"t": "str", "v": v[:MAX_STRING]}
        if tp in (list, tuple, set, frozenset, dict) and len(v) > budget[0]:
            return {"t": "unsupported", "type": f"a {tp.__name__} of {len(v)} items (too large)"}
        if tp in (list, tuple, set, frozenset):
            items = list(v)
            return {"t": tp.__name__, "v": [enc(x, depth + 1) for x in items]}
        if tp is dict:
            return {"t": "dict", "v": [[enc(k, depth + 1), enc(x, depth + 1)] for k, x in v.items()]}
        if tp is np.ndarray:
            if v.dtype.kind not in NUMERIC_KINDS or v.dtype.fields is not None:
                return {"t": "unsupported", "type": f"numpy array of dtype {v.dtype}"}
            blobs.append(np.ascontiguousarray(v).tobytes())
            return {"t": "ndarray", "dtype": v.dtype.str, "shape": list(v.shape), "b": len(blobs) - 1}
        if isinstance(v, np.generic) and tp.__module__ == "numpy" and np.dtype(tp).kind in NUMERIC_KINDS:
            return {"t": "npscalar", "dtype": np.dtype(tp).str, "v": repr(v.item())}
        return {"t": "unsupported", "type": _type_name(tp)}

    return enc(value, 0), blobs


def _type_name(tp: type) -> str:
    try:
        name = f"{tp.__module__}.{tp.__qualname__}" if tp.__module__ not in ("builtins", "__main__") else tp.__qualname__
    except Exception:  # a hostile metaclass can make attribute access raise anything
        name = "object"
    return str(name)[:80]


def decode_value(tree: Any, blobs: list[bytes]) -> Any:
    """Rebuild a value from `encode_value`'s output; raise ProtocolError if malformed."""
    count = [0]

    def dec(node: Any, depth: int) -> Any:
        count[0] += 1
        if depth > MAX_DEPTH + 1 or count[0] > MAX_ITEMS * 3:
            raise ProtocolError("value too large")
        if not isinstance(node, dict) or not isinstance(node.get("t"), str):
            raise ProtocolError("malformed value")
        t = node["t"]
        try:
            if t == "none":
                return None
            if t == "bool":
                return _typed(node["v"], bool)
            if t == "int":
                text = _typed(node["v"], str)
                if len(text) > 5000:
                    raise ProtocolError("integer too long")
                return int(text)
            if t == "float":
                return float(_typed(node["v"], str))
            if t == "complex":
                return complex(float(_typed(node["re"], str)), float(_typed(node["im"], str)))
            if t == "str":
                return _typed(node["v"], str)
            if t in ("list", "tuple", "set", "frozenset"):
                items = [dec(x, depth + 1) for x in _typed(node["v"], list)]
                return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[t](items)
            if t == "dict":
                return {dec(k, depth + 1): dec(x, depth + 1) for k, x in _typed(node["v"], list)}
            if t == "ndarray":
                return _decode_array(node, blobs)
            if t == "npscalar":
                dtype = np.dtype(_typed(node["dtype"], str))
                if dtype.kind not in NUMERIC_KINDS or dtype.fields is not None:
                    raise ProtocolError("non-numeric scalar")
                text = _typed(node["v"], str)
                return dtype.type(complex(text) if dtype.kind == "c" else float(text) if dtype.kind == "f" else int(text) if dtype.kind in "iu" else text == "True")
            if t == "unsupported":
                return Unsupported(_typed(node["type"], str)[:80])
        except ProtocolError:
            raise
        except (KeyError, IndexError, ValueError, TypeError, OverflowError, RecursionError) as error:
            raise ProtocolError(f"malformed {t} value ({type(error).__name__})") from None
        raise ProtocolError(f"unknown value tag {t[:20]!r}")

    return dec(tree, 0)


def _decode_array(node: dict, blobs: list[bytes]) -> np.ndarray:
    """Rebuild an array from raw bytes, an explicit dtype and a shape, all checked first.

    Only plain numeric dtypes are accepted (no object, structured or void types), and the
    byte count must match the shape exactly; the result is a fresh, writable array.
    """
    dtype = np.dtype(_typed(node["dtype"], str))
    if dtype.kind not in NUMERIC_KINDS or dtype.fields is not None or dtype.hasobject or dtype.subdtype is not None:
        raise ProtocolError("array of a non-numeric dtype")
    shape = _typed(node["shape"], list)
    if len(shape) > MAX_DEPTH or not all(type(n) is int and n >= 0 for n in shape):
        raise ProtocolError("malformed array shape")
    blob = blobs[_typed(node["b"], int)]
    if math.prod(shape) * dtype.itemsize != len(blob):
        raise ProtocolError("array data does not match its shape")
    return np.frombuffer(blob, dtype=dtype).reshape(shape).copy()


def _typed(value: Any, tp: type) -> Any:
    if type(value) is not tp:
        raise ProtocolError("malformed value")
    return value


# ---------------------------------------------------------------- frames


def send_message(sock: socket.socket, header: dict[str, Any], blobs: list[bytes] = (), fds: list[int] = ()) -> None:
    """Send one frame: header JSON, then blobs; `fds` travel alongside (SCM_RIGHTS)."""
    body = json.dumps(header, separators=(",", ":"), allow_nan=False).encode()
    parts = [_HEADER.pack(len(body), len(blobs)), body]
    for blob in blobs:
        parts += [_LENGTH.pack(len(blob)), blob]
    data = b"".join(parts)
    if fds:
        socket.send_fds(sock, [data[:1]], list(fds))
        data = data[1:]
    sock.sendall(data)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise EOFError("connection closed")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def recv_message(sock: socket.socket, *, with_fds: bool = False) -> tuple[dict[str, Any], list[bytes], list[int]]:
    """Receive one frame; raise EOFError on a closed connection, ProtocolError on garbage.

    The socket's own timeout (settimeout) bounds every read.
    """
    fds: list[int] = []
    if with_fds:
        first, fds, _flags, _addr = socket.recv_fds(sock, 1, 4)
        if not first:
            raise EOFError("connection closed")
        head = first + _recv_exact(sock, _HEADER.size - 1)
    else:
        head = _recv_exact(sock, _HEADER.size)
    body_len, n_blobs = _HEADER.unpack(head)
    if body_len > MAX_FRAME or n_blobs > 10_000:
        raise ProtocolError("frame too large")
    try:
        header = json.loads(_recv_exact(sock, body_len))
    except (ValueError, RecursionError):
        raise ProtocolError("header is not JSON") from None
    if not isinstance(header, dict):
        raise ProtocolError("header is not an object")
    blobs, total = [], body_len
    for _ in range(n_blobs):
        (size,) = _LENGTH.unpack(_recv_exact(sock, _LENGTH.size))
        total += size
        if total > MAX_FRAME:
            raise ProtocolError("frame too large")
        blobs.append(_recv_exact(sock, size))
    return header, blobs, fds
