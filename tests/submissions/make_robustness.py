"""Build the hostile submissions of tests/test_robustness.py in tests/submissions/adversarial/robustness/.

Each is the solution notebook with cells added after it, so that every test the hostile code
does not touch still passes: the tests check both that the hostile part earns nothing and
that nothing else about the submission (or its neighbours in the batch) is disturbed.

    .venv/bin/python tests/submissions/make_robustness.py

Some of them patch the sandbox's own code from inside (every module of `autograder.sandbox.child`
shares the process with student code), to send what an honest encoder never would: forged values, forged reports,
file descriptors.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "adversarial" / "robustness"
SOLUTION = ROOT / "solutions" / "conv-math" / "conv-math.ipynb"

# Values an honest encoder sends that used to cost the grader dearly after decoding.
COSTLY_VALUES = r'''
import numpy as np

def conv2d(f, g):
    return np.zeros((10**7, 0))              # no data, but ten million rows for .tolist()

def shift(X, di, dj):
    return {i * (2**61 - 1) for i in range(2000)}    # every member hashes to 0

def corr2d(X, K):
    return [[10**4000] * 3] * 3              # integers too large for a float

def conv1d(f, g):
    return "x" * 10**6
'''

# Forged values: the caller's encoder is replaced, so the grader receives trees no honest
# encoder makes.  Each function returns the tree and blobs to send.
FORGED_VALUES = r'''
import struct, sys
protocol = sys.modules["autograder.sandbox.protocol"]
child = [m for n, m in list(sys.modules.items()) if n.startswith("autograder.sandbox.child")]  # its modules
_honest = protocol.encode_value

def _forging(value):
    if type(value) is tuple and len(value) == 3 and value[0] == "FORGED":
        return value[1], value[2]
    return _honest(value)

for module in child:
    if hasattr(module, "encode_value"):
        setattr(module, "encode_value", _forging)

def forged(tree, blobs=()):
    return ("FORGED", tree, list(blobs))

def _int(i):
    return {"t": "int", "v": str(i)}

def conv2d(f, g):                            # a (10**9, 0) float array: zero bytes of data
    return forged({"t": "ndarray", "dtype": "<f8", "shape": [10**9, 0], "b": 0}, [b""])

def conv1d(f, g):                            # 10**5 integers that all hash to 0, as a set
    return forged({"t": "set", "v": [_int(i * (2**61 - 1)) for i in range(10**5)]})

def corr2d(X, K):                            # one 32 MB blob behind 1000 arrays
    node = {"t": "ndarray", "dtype": "<f8", "shape": [2**22], "b": 0}
    return forged({"t": "list", "v": [node] * 1000}, [bytes(2**25)])

def shift(X, di, dj):                        # a dtype numpy would have to parse
    return forged({"t": "ndarray", "dtype": "(1000000000,)f8", "shape": [1], "b": 0}, [b""])

def fc_layer(*args):                         # a string of 10**6 characters (the limit is 10**5)
    return forged({"t": "str", "v": "y" * 10**6})

_send = protocol.send_message

def _raw(sock, header, blobs=(), fds=()):
    if header.get("value") == {"t": "str", "v": "RAW-DEEP"}:  # JSON nested 100 000 deep
        body = ('{"op":"return","id":%d,"modified":[],"forbidden":[],"value":' % header["id"]
                + '{"t":"list","v":[' * 100_000 + "]}" * 100_000 + "}").encode()
        sock.sendall(struct.pack("!III", len(body), 0, 0) + body)
        return None
    return _send(sock, header, blobs, fds)

for module in child:
    if hasattr(module, "send_message"):
        setattr(module, "send_message", _raw)

def shared_layer(*args):                     # JSON nested 100 000 deep
    return forged({"t": "str", "v": "RAW-DEEP"})

def reindex(*args):                              # an integer of 10**5 digits
    return forged({"t": "int", "v": "7" * 10**5})

def offset_layer(*args):                   # a float written with a million digits
    return forged({"t": "float", "v": "1" * 10**6})

def expand_shared(*args):                  # a dict whose 1000 keys are long colliding tuples
    return forged({"t": "dict", "v": [[{"t": "tuple", "v": [_int(i * (2**61 - 1))] * 50}, {"t": "none"}]
                                      for i in range(1000)]})

def local_layer(*args):                       # extra fields, a wrong tag
    return forged({"t": "int", "v": "1", "extra": [0] * 10})
'''

# The executor's report names a variable that was not asked for and a cell that does not exist.
FORGED_REPORT = r'''
import sys
protocol = sys.modules["autograder.sandbox.protocol"]
child = [m for n, m in list(sys.modules.items()) if n.startswith("autograder.sandbox.child")]  # its modules
_send = protocol.send_message

def _forging(sock, header, blobs=(), fds=()):
    if header.get("op") == "executed":
        header = dict(header, names=dict(header["names"], os="function"),
                      cells=header["cells"] + [{"index": 10**6, "ok": True, "error": ""}])
    return _send(sock, header, blobs, fds)

for module in child:
    if hasattr(module, "send_message"):
        setattr(module, "send_message", _forging)
'''

# File descriptors sent to the grader: three attached to every message that expects none (the
# executor's reports, every reply), and three more with each forked caller's socket.
FD_PASSING = r'''
import os, sys
protocol = sys.modules["autograder.sandbox.protocol"]
child = [m for n, m in list(sys.modules.items()) if n.startswith("autograder.sandbox.child")]  # its modules
_send = protocol.send_message
_extra = [os.open("/dev/null", os.O_RDONLY) for _ in range(3)]

def _with_fds(sock, header, blobs=(), fds=()):
    return _send(sock, header, blobs, fds if fds else _extra)

for module in child:
    if hasattr(module, "send_message"):
        setattr(module, "send_message", _with_fds)               # every message that carries no descriptor now carries three
'''

FD_PASSING_FORK = r'''
import os, sys
protocol = sys.modules["autograder.sandbox.protocol"]
child = [m for n, m in list(sys.modules.items()) if n.startswith("autograder.sandbox.child")]  # its modules
_send = protocol.send_message
_extra = [os.open("/dev/null", os.O_RDONLY) for _ in range(3)]

def _more_fds(sock, header, blobs=(), fds=()):
    return _send(sock, header, blobs, list(fds) + _extra if fds else fds)

for module in child:
    if hasattr(module, "send_message"):
        setattr(module, "send_message", _more_fds)               # every forked caller's socket comes with 3 more
'''

DEEP_CODE = [
    "too_deep_for_the_parser = " + "-" * 100_000 + "1\n",
    "too_deep_to_check = " + " + ".join(["1"] * 400) + "\n",
    "deep_but_fine = " + "[" * 150 + "]" * 150 + "\n",
]

SUBMISSIONS = {
    "costly_values": [COSTLY_VALUES],
    "forged_values": [FORGED_VALUES],
    "forged_report": [FORGED_REPORT],
    "fd_passing": [FD_PASSING],
    "fd_passing_fork": [FD_PASSING_FORK],
    "deep_code": DEEP_CODE,
}


def build() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.ipynb"):
        old.unlink()
    for name, cells in SUBMISSIONS.items():
        nb = nbformat.read(SOLUTION, as_version=4)
        for source in cells:
            cell = nbformat.v4.new_code_cell(source.strip() + "\n")
            nb.cells.append(cell)
        for cell in nb.cells:
            cell.pop("id", None)
        nb.nbformat_minor = 4
        (OUT / f"{name}.ipynb").write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    old = nbformat.convert(nbformat.read(SOLUTION, as_version=4), 3)
    (OUT / "old_format_v3.ipynb").write_text(nbformat.writes(old, version=3))


if __name__ == "__main__":
    build()
    print(f"wrote {len(SUBMISSIONS) + 1} notebooks to {OUT}")
