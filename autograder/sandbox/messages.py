"""The schema of every message the grader receives from a sandbox, checked field by field.

`parse` is the only way the grader reads a message: it returns a frozen dataclass whose every
field has been checked for type and bound, and raises `ProtocolError` naming the first field
that is missing, unexpected, of the wrong type or out of bounds.  Values (a function's return
value, a variable's contents) are decoded here too, by `protocol.decode_value`.

Who is at fault for a malformed message depends on its sender: the fork server is the grader's
own process (its messages failing here is an internal error), while the executor and the
callers run student code, which can forge anything (a malformed message from them is the
student's fault).  The session maps a `ProtocolError` accordingly.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from .protocol import MAX_ITEMS, ProtocolError, decode_value

MAX_ERROR = 500  # characters of a cell's error or an exception's message
MAX_STDOUT = 20_000  # the executor keeps no more of the notebook's printed output
MAX_NAME = 200
MAX_PID = 1 << 22  # Linux's pid_max ceiling
MAX_PROBLEMS = 64
MAX_NAMESPACE = 2000  # names of the notebook's namespace reported for tests that take `env`
MAX_NAME = 200  # characters of one such name


# ------------------------------------------------------------------ from the fork server


@dataclass(frozen=True)
class Ready:
    protections: dict[str, Any]


@dataclass(frozen=True)
class Started:
    pid: int
    pidns: str  # the job's PID namespace, as /proc names it ("" without one)


@dataclass(frozen=True)
class Clean:
    killed: int
    leftovers: int  # processes of the slot still there besides the fork server: the slot is replaced


@dataclass(frozen=True)
class Census:
    pids: tuple[int, ...]


# ------------------------------------------------------------------ from the executor


@dataclass(frozen=True)
class CellStarted:
    index: int


@dataclass(frozen=True)
class CellReport:
    index: int
    ok: bool
    error: str


class NameKind(str, Enum):
    """What a name of the student's notebook is bound to, as the executor reports it."""

    FUNCTION = "function"  # something callable: the tests call it through a proxy
    VALUE = "value"  # anything else: fetched as plain data when a test reads it
    MISSING = "missing"  # not defined


KINDS = tuple(kind.value for kind in NameKind)


@dataclass(frozen=True)
class Executed:
    cells: tuple[CellReport, ...]
    names: dict[str, NameKind]  # every wanted name -> its kind
    stdout: str
    namespace: dict[str, NameKind] | None = None  # every public name of the namespace -> its kind, when asked for


@dataclass(frozen=True)
class Forked:
    pid: int


@dataclass(frozen=True)
class Ended:
    pid: int
    how: str


# ------------------------------------------------------------------ from a caller


@dataclass(frozen=True)
class Returned:
    """A call's reply: `value` when it returned, or `raised` (an exception's description)."""

    id: int
    value: Any
    raised: str | None
    modified: tuple[int | str, ...]


# ------------------------------------------------------------------ checking


def _check(condition: bool, op: str, field: str, why: str) -> None:
    if not condition:
        raise ProtocolError(f"the {op!r} message's field {field!r} {why}")


def _int(header: dict, op: str, field: str, low: int, high: int) -> int:
    value = header.get(field)
    _check(type(value) is int and low <= value <= high, op, field, f"is not an integer in {low}..{high}")
    return value


def _str(header: dict, op: str, field: str, limit: int) -> str:
    value = header.get(field)
    _check(type(value) is str and len(value) <= limit, op, field, f"is not a string of at most {limit} characters")
    return value


def _fields(header: dict, op: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
    for name in required:
        _check(name in header, op, name, "is missing")
    for name in header:
        _check(name in required or name in optional or name == "op", op, str(name)[:40], "is not expected")


def parse(header: dict, blobs: list[Any], *, expect: tuple[str, ...], cells: int = 0,
          names: tuple[str, ...] = (), call_id: int = 0, pid: int = 0) -> Any:
    """Check `header` (and decode its value, if any) against the schema of its op.

    `expect` lists the ops acceptable at this point of the conversation; `cells` is the number
    of code cells sent (cell numbers must be below it), `names` the names asked for, `call_id`
    the id of the request being answered, `pid` the caller whose end is reported.
    """
    op = header.get("op")
    if type(op) is not str or op not in expect:
        raise ProtocolError(f"a {str(op)[:20]!r} message where {' or '.join(expect)} was expected")
    if op == "ready":
        _fields(header, op, ("protections",))
        found = header["protections"]
        _check(type(found) is dict and len(found) <= 32, op, "protections", "is not an object")
        for key, value in found.items():
            if key == "mode":
                _check(type(value) is str and len(value) <= MAX_NAME, op, key, "is not a mode's name")
            elif key == "problems":
                _check(type(value) is list and len(value) <= MAX_PROBLEMS
                       and all(type(p) is str and len(p) <= MAX_ERROR for p in value), op, key, "is not a list of notes")
            else:
                _check(type(value) is bool, op, str(key)[:40], "is not true or false")
        return Ready(dict(found))
    if op == "started":
        _fields(header, op, ("pid", "pidns"))
        return Started(_int(header, op, "pid", 1, MAX_PID), _str(header, op, "pidns", 64))
    if op == "clean":
        _fields(header, op, ("killed", "leftovers"))
        return Clean(_int(header, op, "killed", 0, MAX_PID), _int(header, op, "leftovers", 0, MAX_PID))
    if op == "census":
        _fields(header, op, ("pids",))
        pids = header["pids"]
        _check(type(pids) is list and len(pids) <= MAX_PID and all(type(p) is int for p in pids), op, "pids",
               "is not a list of process ids")
        return Census(tuple(pids))
    if op == "cell":
        _fields(header, op, ("index",))
        return CellStarted(_int(header, op, "index", 0, max(0, cells - 1)))
    if op == "executed":
        return _executed(header, cells, names)
    if op == "forked":
        _fields(header, op, ("pid",))
        return Forked(_int(header, op, "pid", 1, MAX_PID))
    if op == "ended":
        _fields(header, op, ("pid", "how"))
        ended = Ended(_int(header, op, "pid", 1, MAX_PID), _str(header, op, "how", MAX_NAME))
        _check(not pid or ended.pid == pid, op, "pid", "is not the caller's")
        return ended
    if op in ("value", "return", "raise"):
        return _returned(header, blobs, op, call_id)
    raise ProtocolError(f"unknown message {op[:20]!r}")  # an op listed in `expect` without a schema


def _executed(header: dict, cells: int, names: tuple[str, ...]) -> Executed:
    op = "executed"
    _fields(header, op, ("cells", "names", "stdout"), ("namespace",))
    reports = header["cells"]
    _check(type(reports) is list and len(reports) <= cells, op, "cells", f"is not a list of at most {cells} reports")
    parsed, seen = [], set()
    for report in reports:
        _check(type(report) is dict and set(report) == {"index", "ok", "error"}, op, "cells", "holds a malformed report")
        index = _int(report, op, "index", 0, max(0, cells - 1))
        _check(index not in seen, op, "cells", "reports a cell twice")
        seen.add(index)
        _check(type(report["ok"]) is bool, op, "cells", "holds an 'ok' that is not true or false")
        parsed.append(CellReport(index, report["ok"], _str(report, op, "error", MAX_ERROR)))
    reported = header["names"]
    _check(type(reported) is dict and set(reported) <= set(names), op, "names", "names something that was not asked for")
    kinds = {}
    for name in names:
        kind = reported.get(name, "missing")
        _check(kind in KINDS, op, "names", f"gives {name!r} a kind other than {', '.join(KINDS)}")
        kinds[name] = NameKind(kind)
    namespace = None
    if "namespace" in header:
        listed = header["namespace"]
        _check(type(listed) is list and len(listed) <= MAX_NAMESPACE, op, "namespace", f"is not a list of at most {MAX_NAMESPACE} names")
        namespace = {}
        for entry in listed:
            _check(type(entry) is list and len(entry) == 2 and type(entry[0]) is str and 0 < len(entry[0]) <= MAX_NAME
                   and entry[0].isidentifier() and entry[1] in KINDS[:2], op, "namespace", "holds a malformed name or kind")
            _check(entry[0] not in namespace, op, "namespace", "lists a name twice")
            namespace[entry[0]] = NameKind(entry[1])
    return Executed(tuple(parsed), kinds, _str(header, op, "stdout", MAX_STDOUT + 100), namespace)


def _returned(header: dict, blobs: list[Any], op: str, call_id: int) -> Returned:
    if op == "value":
        _fields(header, op, ("id", "value"))
    elif op == "return":
        _fields(header, op, ("id", "value"), ("modified",))
    else:
        _fields(header, op, ("id", "type", "message"), ("modified",))
    _check(header["id"] == call_id and type(header["id"]) is int, op, "id", "does not answer the request")
    modified = header.get("modified", [])
    _check(type(modified) is list and len(modified) <= MAX_ITEMS // 100
           and all((type(m) is int and m >= 0) or (type(m) is str and len(m) <= MAX_NAME) for m in modified),
           op, "modified", "is not a list of argument positions and names")
    if op == "raise":
        _str(header, op, "type", MAX_NAME)
        return Returned(call_id, None, _str(header, op, "message", MAX_ERROR), tuple(modified))
    return Returned(call_id, decode_value(header["value"], blobs), None, tuple(modified))
