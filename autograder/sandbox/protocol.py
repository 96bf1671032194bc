"""Messages between the grader and the sandbox: plain data only, bounded, decoded in linear time.

A frame is a JSON header plus binary blobs: an array travels as its raw bytes with its dtype
and shape in the header (checked before use; decoding `.npy` instead costs 20 times more, its
header being parsed as a Python literal).  Values are encoded as tagged trees
(`{"t": "int", "v": "12"}`), so that the grader rebuilds only builtin types and numpy arrays of
plain numeric dtypes: nothing the student defines can cross, so no object can lie about its
equality, type or value.

This module is imported on both sides.  The decoder is the grader's trust boundary: any
malformed or oversized frame raises `ProtocolError`, and every bound below is checked *before*
the work it limits, so a frame costs the grader time and memory linear in its size:

- a frame: at most `MAX_HEADER` bytes of JSON and `MAX_FRAME` bytes in all, read against one
  deadline (a sender dribbling a byte at a time cannot stretch it);
- a value: at most `MAX_DEPTH` levels and `MAX_ITEMS` nodes; strings of at most `MAX_STRING`
  characters, integers of at most `MAX_INT_DIGITS` digits, floats as short text;
- an array: one of the plain numeric dtypes in `ARRAY_DTYPES` (looked up, never parsed), at most
  `MAX_DIMS` dimensions and `MAX_ELEMENTS` elements counting every zero-size dimension as 1 (a
  (10**9, 0) array holds no data but a billion rows for `.tolist()`), each blob used once;
- sets and dict keys: decoded values hash to what the sender chooses (integers, floats and
  tuples of them hash predictably), so a set or dict holds at most `MAX_KEYED` members of
  bounded total size: colliding keys then cost at most `MAX_KEYED * MAX_KEY_WEIGHT` comparisons;
- file descriptors: only where one is expected, exactly that many, each checked to be a
  socket; anything else is closed before `ProtocolError` is raised.
"""

from __future__ import annotations

import array
import gc
import json
import math
import os
import socket
import stat
import struct
import time
from typing import Any

import numpy as np

MAX_FRAME = 64 * 1024 * 1024  # a reply larger than this is refused, not buffered
MAX_HEADER = 4 * 1024 * 1024  # the JSON part: a 100 000-node value takes about 2.5 MB
MAX_BLOBS = 1024
MAX_DEPTH = 32
MAX_ITEMS = 100_000
MAX_STRING = 100_000
MAX_INT_DIGITS = 4300  # Python's own limit for int <-> str conversion
MAX_FLOAT_TEXT = 64
MAX_DIMS = 32
MAX_ELEMENTS = 1 << 22  # per array, zero-size dimensions counted as 1
MAX_KEYED = 1000  # members of one set or keys of one dict
MAX_KEY_WEIGHT = 10_000  # total size of the members of one set or the keys of one dict
MAX_FDS = 4
NUMERIC_KINDS = "biufc"

# The dtypes an array or numpy scalar may have, by their `.str`: plain numbers only.  A dtype
# string from the sandbox is looked up here, never given to np.dtype() to parse.
ARRAY_DTYPES = {
    np.dtype(code).newbyteorder(order).str: np.dtype(code).newbyteorder(order)
    for code in np.typecodes["AllInteger"] + np.typecodes["AllFloat"] + "?"
    for order in "<>"
}

# A frame: _HEADER (JSON length, number of blobs, bytes of the blob section), the JSON, then each
# blob as its length in an ALIGN-byte slot and its bytes padded to ALIGN.  The receiver reads the
# head, then the rest in one read, and every array it decodes starts ALIGN-aligned.
_HEADER = struct.Struct("!III")
_LENGTH = struct.Struct("!Q")
ALIGN = 16
_SLOT_PADDING = bytes(ALIGN - _LENGTH.size)


class ProtocolError(Exception):
    """The other side sent something that is not a well-formed, bounded message."""


class Unsupported:
    """A value of a type that cannot cross (an object, a generator, an ndarray subclass...)."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<unsupported {self.type_name}>"


def element_count(shape: tuple[int, ...] | list[int]) -> int:
    """How many elements an array of `shape` costs to walk: every zero-size dimension counts as 1."""
    count = 1
    for n in shape:
        count *= max(n, 1)
    return count


# ---------------------------------------------------------------- values


def encode_value(value: Any) -> tuple[Any, list[bytes]]:
    """Encode `value` as a JSON-able tree and a list of blobs.

    What would not pass the decoder's bounds is encoded as an `unsupported` node saying why,
    so that an honest student gets a message naming the problem rather than a refused frame.
    """
    blobs: list[bytes] = []
    budget = [MAX_ITEMS]
    data = [0]

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
            if v.bit_length() > MAX_INT_DIGITS * 3.32:
                return {"t": "unsupported", "type": f"an integer of {v.bit_length()} bits (too large)"}
            return {"t": "int", "v": str(v)}
        if tp is float:
            return {"t": "float", "v": repr(v)}
        if tp is complex:
            return {"t": "complex", "re": repr(v.real), "im": repr(v.imag)}
        if tp is str:
            return {"t": "str", "v": v[:MAX_STRING]}
        if tp in (list, tuple) and len(v) > budget[0]:
            return {"t": "unsupported", "type": f"a {tp.__name__} of {len(v)} items (too large)"}
        if tp in (set, frozenset, dict) and len(v) > MAX_KEYED:
            return {"t": "unsupported", "type": f"a {tp.__name__} of {len(v)} items (at most {MAX_KEYED} can be graded)"}
        if tp in (list, tuple, set, frozenset):
            items = list(v)
            return {"t": tp.__name__, "v": [enc(x, depth + 1) for x in items]}
        if tp is dict:
            return {"t": "dict", "v": [[enc(k, depth + 1), enc(x, depth + 1)] for k, x in v.items()]}
        if tp is np.ndarray:
            if v.dtype.str not in ARRAY_DTYPES:
                return {"t": "unsupported", "type": f"numpy array of dtype {v.dtype}"}
            if v.ndim > MAX_DIMS or element_count(v.shape) > MAX_ELEMENTS:
                return {"t": "unsupported", "type": f"a numpy array of shape {v.shape} (too large)"}
            data[0] += v.nbytes
            if data[0] > MAX_FRAME - MAX_HEADER or len(blobs) >= MAX_BLOBS:
                return {"t": "unsupported", "type": "arrays too large in all"}
            blobs.append(np.ascontiguousarray(v).tobytes())
            return {"t": "ndarray", "dtype": v.dtype.str, "shape": list(v.shape), "b": len(blobs) - 1}
        if isinstance(v, np.generic) and tp.__module__ == "numpy" and np.dtype(tp).str in ARRAY_DTYPES:
            return {"t": "npscalar", "dtype": np.dtype(tp).str, "v": repr(v.item())}
        return {"t": "unsupported", "type": _type_name(tp)}

    return enc(value, 0), blobs


def _type_name(tp: type) -> str:
    try:
        name = f"{tp.__module__}.{tp.__qualname__}" if tp.__module__ not in ("builtins", "__main__") else tp.__qualname__
    except Exception:  # a hostile metaclass can make attribute access raise anything
        name = "object"
    return str(name)[:80]


_SCALAR_TAGS = {"none", "bool", "int", "float", "complex", "str", "npscalar"}


class _Decoder:
    """One value's decoding: counts nodes and marks blobs used, so each bound holds for the whole value."""

    def __init__(self, blobs: list[Any]):
        self.blobs = blobs
        self.used: set[int] = set()  # blob indexes: ints the grader checked to be < len(blobs)
        self.nodes = 0

    def value(self, node: Any, depth: int) -> Any:
        self.nodes += 1
        if depth > MAX_DEPTH + 1 or self.nodes > MAX_ITEMS * 3:
            raise ProtocolError("value too large or too deeply nested")
        if type(node) is not dict or type(node.get("t")) is not str:
            raise ProtocolError("malformed value")
        t = node["t"]
        try:
            if t == "none":
                _fields(node, "t")
                return None
            if t == "bool":
                _fields(node, "t", "v")
                return _typed(node["v"], bool)
            if t == "int":
                _fields(node, "t", "v")
                return _int_text(_typed(node["v"], str))
            if t == "float":
                _fields(node, "t", "v")
                return _float_text(node["v"])
            if t == "complex":
                _fields(node, "t", "re", "im")
                return complex(_float_text(node["re"]), _float_text(node["im"]))
            if t == "str":
                _fields(node, "t", "v")
                text = _typed(node["v"], str)
                if len(text) > MAX_STRING:
                    raise ProtocolError(f"a string of {len(text)} characters (the limit is {MAX_STRING})")
                return text
            if t in ("list", "tuple"):
                _fields(node, "t", "v")
                items = [self.value(x, depth + 1) for x in _typed(node["v"], list)]
                return items if t == "list" else tuple(items)
            if t in ("set", "frozenset"):
                _fields(node, "t", "v")
                members = _typed(node["v"], list)
                self._check_keys(members, t)
                items = [self.value(x, depth + 1) for x in members]
                return set(items) if t == "set" else frozenset(items)
            if t == "dict":
                _fields(node, "t", "v")
                pairs = _typed(node["v"], list)
                if not all(type(p) is list and len(p) == 2 for p in pairs):
                    raise ProtocolError("malformed dict value")
                self._check_keys([p[0] for p in pairs], "dict")
                return {self.value(k, depth + 1): self.value(x, depth + 1) for k, x in pairs}
            if t == "ndarray":
                _fields(node, "t", "dtype", "shape", "b")
                return self._array(node)
            if t == "npscalar":
                _fields(node, "t", "dtype", "v")
                dtype = _dtype(node["dtype"])
                text = _typed(node["v"], str)
                if dtype.kind == "c":
                    if len(text) > 2 * MAX_FLOAT_TEXT:
                        raise ProtocolError("malformed complex value")
                    return dtype.type(complex(text))
                if dtype.kind == "f":
                    return dtype.type(_float_text(text))
                if dtype.kind in "iu":
                    return dtype.type(_int_text(text))
                if text not in ("True", "False"):
                    raise ProtocolError("malformed bool value")
                return dtype.type(text == "True")
            if t == "unsupported":
                _fields(node, "t", "type")
                return Unsupported(_typed(node["type"], str)[:80])
        except ProtocolError:
            raise
        except (KeyError, IndexError, ValueError, TypeError, OverflowError, RecursionError) as error:
            raise ProtocolError(f"malformed {t[:20]} value ({type(error).__name__})") from None
        raise ProtocolError(f"unknown value tag {t[:20]!r}")

    def _check_keys(self, keys: list, what: str) -> None:
        """Members of a set and dict keys: few, of bounded total size, and only hashable plain data."""
        if len(keys) > MAX_KEYED:
            raise ProtocolError(f"a {what} of {len(keys)} members (the limit is {MAX_KEYED})")
        weight = sum(_key_weight(k, 0) for k in keys)
        if weight > MAX_KEY_WEIGHT:
            raise ProtocolError(f"the members of a {what} are too large in all")

    def _array(self, node: dict) -> np.ndarray:
        """Rebuild an array from raw bytes, a known dtype and a shape, all checked first.

        The byte count must match the shape exactly, and each blob backs one array only (a
        blob referenced twice would be copied twice); the result is writable and owns its data.
        """
        dtype = _dtype(node["dtype"])
        shape = _typed(node["shape"], list)
        if len(shape) > MAX_DIMS or not all(type(n) is int and 0 <= n <= MAX_ELEMENTS for n in shape):
            raise ProtocolError("malformed array shape")
        if element_count(shape) > MAX_ELEMENTS:
            raise ProtocolError(f"an array of shape {tuple(shape)} (at most {MAX_ELEMENTS} elements, "
                                "counting each empty dimension as one)")
        index = _typed(node["b"], int)
        if not 0 <= index < len(self.blobs) or index in self.used:
            raise ProtocolError("array data missing or used twice")
        self.used.add(index)
        blob = self.blobs[index]
        if math.prod(shape) * dtype.itemsize != len(blob):
            raise ProtocolError("array data does not match its shape")
        array_ = np.frombuffer(blob, dtype=dtype).reshape(shape)
        return array_ if array_.flags.writeable else array_.copy()


def _key_weight(node: Any, depth: int) -> int:
    """The cost of hashing and comparing one key; raises ProtocolError for a key that is not plain data."""
    tag = node.get("t") if type(node) is dict else None
    if tag in _SCALAR_TAGS:
        text = node.get("v")
        return 1 + (len(text) // 64 if type(text) is str and tag != "str" else 0)
    if tag in ("tuple", "frozenset") and depth < 4 and type(node.get("v")) is list:
        return 1 + sum(_key_weight(x, depth + 1) for x in node["v"])
    raise ProtocolError("a set member or dict key that is not a number, string or tuple")


def _fields(node: dict, *names: str) -> None:
    if len(node) != len(names) or any(name not in node for name in names):
        raise ProtocolError(f"malformed {str(node.get('t'))[:20]} value (unexpected fields)")


def _dtype(text: Any) -> np.dtype:
    dtype = ARRAY_DTYPES.get(text) if type(text) is str else None
    if dtype is None:
        raise ProtocolError("a numpy dtype that is not a plain number")
    return dtype


def _int_text(text: Any) -> int:
    if type(text) is not str or len(text) > MAX_INT_DIGITS + 1:
        raise ProtocolError(f"an integer of more than {MAX_INT_DIGITS} digits")
    return int(text)


def _float_text(text: Any) -> float:
    if type(text) is not str or len(text) > MAX_FLOAT_TEXT:
        raise ProtocolError("malformed float value")
    return float(text)


def decode_value(tree: Any, blobs: list[Any]) -> Any:
    """Rebuild a value from `encode_value`'s output; raise ProtocolError if malformed or oversized."""
    return _Decoder(blobs).value(tree, 0)


def _typed(value: Any, tp: type) -> Any:
    if type(value) is not tp:
        raise ProtocolError("malformed value")
    return value


# ---------------------------------------------------------------- frames


def send_message(sock: socket.socket, header: dict[str, Any], blobs: list[bytes] = (), fds: list[int] = ()) -> None:
    """Send one frame: header JSON, then blobs; `fds` travel alongside (SCM_RIGHTS)."""
    body = json.dumps(header, separators=(",", ":"), allow_nan=False).encode()
    body += b" " * (-len(body) % ALIGN)  # JSON ignores trailing spaces
    section: list[bytes] = []
    for blob in blobs:
        section += [_LENGTH.pack(len(blob)), _SLOT_PADDING, blob, bytes(-len(blob) % ALIGN)]
    data = b"".join([_HEADER.pack(len(body), len(blobs), sum(map(len, section))), body, *section])
    if fds:
        socket.send_fds(sock, [data[:1]], list(fds))
        data = data[1:]
    sock.sendall(data)


class _Reader:
    """Reads exact byte counts from a socket, all against one deadline."""

    def __init__(self, sock: socket.socket, deadline: float | None):
        self.sock = sock
        self.deadline = deadline

    def _arm(self) -> None:
        if self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout("the message did not arrive in time")
            self.sock.settimeout(remaining)

    def exact(self, n: int) -> bytearray:
        buffer = bytearray(n)
        view, got = memoryview(buffer), 0
        while got < n:
            self._arm()
            received = self.sock.recv_into(view[got:], min(n - got, 1 << 20))
            if not received:
                raise EOFError("connection closed")
            got += received
        return buffer

    def first_byte_with_fds(self, expected: int) -> tuple[bytes, list[int]]:
        """Receive one byte and the descriptors sent with it; check them, or close them all."""
        self._arm()
        data, ancillary, flags, _addr = self.sock.recvmsg(1, socket.CMSG_SPACE(MAX_FDS * 4), socket.MSG_CMSG_CLOEXEC)
        fds: list[int] = []
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                numbers = array.array("i")
                numbers.frombytes(payload[: len(payload) - len(payload) % numbers.itemsize])
                fds.extend(numbers)
        problem = ""
        if not data:
            problem = "connection closed"
        elif flags & socket.MSG_CTRUNC or len(fds) != expected:
            problem = f"{len(fds)} file descriptor(s) where {expected} were expected"
        elif not all(_is_socket(fd) for fd in fds):
            problem = "a file descriptor that is not a socket"
        if problem:
            close_fds(fds)
            if not data:
                raise EOFError(problem)
            raise ProtocolError(problem)
        return data, fds


def _is_socket(fd: int) -> bool:
    try:
        return stat.S_ISSOCK(os.fstat(fd).st_mode)
    except OSError:
        return False


def close_fds(fds: list[int]) -> None:
    """Close received descriptors, ignoring ones already closed."""
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def _parse_json(body: bytearray) -> Any:
    """The header's JSON, parsed with the cyclic garbage collector paused: a header of a million
    empty lists would otherwise set off collections that cost four times the parse itself."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise ProtocolError("header is not JSON") from None
    finally:
        if paused:
            gc.enable()


def recv_message(sock: socket.socket, *, fds: int = 0, deadline: float | None = None
                 ) -> tuple[dict[str, Any], list[Any], list[int]]:
    """Receive one frame; raise EOFError on a closed connection, ProtocolError on garbage,
    socket.timeout when `deadline` (time.monotonic) passes before the whole frame arrived.

    `fds` is how many file descriptors must come with the frame (each a socket); descriptors
    sent with a frame that expects none are discarded by the kernel (no buffer is offered for
    them).  Without a deadline the socket's own timeout bounds each read.  Blobs are returned as
    writable, aligned views of the frame, so arrays decoded from them need no copy.  A frame is two
    reads (its head, then the rest), whatever it holds.
    """
    reader = _Reader(sock, deadline)
    received: list[int] = []
    try:
        if fds:
            first, received = reader.first_byte_with_fds(fds)
            head = first + bytes(reader.exact(_HEADER.size - 1))
        else:
            head = bytes(reader.exact(_HEADER.size))
        body_len, n_blobs, section = _HEADER.unpack(head)
        if body_len > MAX_HEADER or n_blobs > MAX_BLOBS or body_len + section > MAX_FRAME:
            raise ProtocolError("frame too large")
        rest = reader.exact(body_len + section)
        header = _parse_json(rest if not section else rest[:body_len])  # no copy of a frame that is all JSON
        if not isinstance(header, dict):
            raise ProtocolError("header is not an object")
        blobs, view, offset = [], memoryview(rest), body_len
        for _ in range(n_blobs):
            start = offset + ALIGN
            if offset % ALIGN or start > len(rest):
                raise ProtocolError("malformed blob section")
            (size,) = _LENGTH.unpack_from(rest, offset)
            if size > len(rest) - start:
                raise ProtocolError("malformed blob section")
            blobs.append(view[start : start + size])
            offset = start + size + (-size % ALIGN)
        if offset != len(rest):
            raise ProtocolError("malformed blob section")
    except BaseException:
        close_fds(received)
        raise
    return header, blobs, received
