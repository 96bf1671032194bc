"""The grading engine's requirements, tested on real notebooks through the real engine.

They grade the tiny fixture assignment of `tests/fixtures/tiny/` (two questions, one rule, one
written question, a data file), so they state what the engine does, not what a course needs.
Notebooks are built in tmp_path from its solution notebook plus changes.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.load import MAX_FILE_BYTES
from conftest import sandbox_pids
from autograder.results import Outcome, Status, SubmissionResult
from autograder.sandbox.protocol import ProtocolError, Unsupported, decode_value, encode_value
from autograder.static_checks import find_rule_violations

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "tests" / "fixtures" / "tiny" / "solution" / "tiny.ipynb"


@pytest.fixture(scope="session")
def assignment(tiny_assignment):
    return tiny_assignment


@pytest.fixture(scope="session")
def grader(tiny_grader):
    return tiny_grader


@pytest.fixture(scope="session")
def grade(tiny_grade):
    return tiny_grade


@pytest.fixture(scope="session")
def grade_many(tiny_grade_many):
    return tiny_grade_many


def notebook(tmp_path: Path, name: str, *, before: list[str] = (), after: list[str] = ()) -> Path:
    """The solution with code cells added before its first cell and after its last."""
    nb = nbformat.read(SOLUTION, as_version=4)
    nb.cells = [nbformat.v4.new_code_cell(s) for s in before] + nb.cells + [nbformat.v4.new_code_cell(s) for s in after]
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def full(assignment) -> float:
    return assignment.autograded_points


def files_of_sandbox(grader) -> list[str]:
    uids = {slot.spec.uid for slot in grader.sandboxes.slots}
    found = []
    for root in ("/tmp", "/var/tmp", "/dev/shm"):
        for dirpath, dirnames, filenames in os.walk(root):
            for entry in dirnames + filenames:
                path = os.path.join(dirpath, entry)
                try:
                    if os.lstat(path).st_uid in uids:
                        found.append(path)
                except FileNotFoundError:
                    continue
            if dirpath.count(os.sep) > 3:
                dirnames[:] = []
    return found


# ----------------------------------------------------------------------------- IPython semantics


def test_magics_shell_commands_and_grader_check_work(grade, tmp_path, full):
    path = notebook(tmp_path, "magics", before=["%matplotlib inline"],
                    after=["!echo hello from the shell", "%time total = sum(range(10))", "%%time\ntotal2 = 1",
                           "grader.check_all()", "grader.check('q1')\ngrader.export(pdf=False)", "print('after', total)"])
    result = grade(path)
    assert result.status is Status.GRADED
    assert result.score == full
    assert "raised an error" not in result.message, result.message
    assert "after 45" in result.stdout


def test_exception_and_sys_exit_in_a_cell_do_not_stop_later_cells(grade, tmp_path, full):
    path = notebook(tmp_path, "exits", before=["raise ValueError('oops')", "import sys\nsys.exit()", "exit()",
                                               "raise KeyboardInterrupt", "import sys\nsys.exit(3)"])
    result = grade(path)
    assert result.status is Status.GRADED
    assert result.score == full
    assert "5 code cell(s) raised an error" in result.message
    assert "ValueError: oops" in result.message


# ----------------------------------------------------------------------------- one function breaks


FAILURES = {
    "segfault": "import ctypes\ndef flip(X):\n    return ctypes.string_at(0)\n",
    "os_exit": "import os\ndef flip(X):\n    os._exit(3)\n",
    "recursion": "import sys\nsys.setrecursionlimit(10**6)\ndef flip(X, n=0):\n    return flip(X, n + 1)\n",
    "kill_self": "import os, signal\ndef flip(X):\n    os.kill(os.getpid(), signal.SIGKILL)\n",
    "memory": "import numpy as np\ndef flip(X):\n    keep = []\n    while True:\n        keep.append(np.ones(2**25))\n",
}


@pytest.mark.parametrize("how", sorted(FAILURES))
def test_a_crash_in_one_function_fails_only_its_tests(how, grade, tmp_path, assignment):
    result = grade(notebook(tmp_path, how, after=[FAILURES[how]]))
    assert result.status is Status.GRADED
    for spec, outcome in zip(assignment.tests, result.tests):
        assert outcome.name == spec.name
        if "flip" in spec.parameters:
            assert outcome.outcome in (Outcome.ERROR, Outcome.FAILED), (outcome.name, outcome.message)
        else:
            assert outcome.passed, (how, outcome.name, outcome.message)


def test_a_hang_in_one_function_is_a_timeout_of_its_tests_only(grade, tmp_path, assignment):
    source = "import signal\ndef flip(X):\n    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n    while True:\n        pass\n"
    result = grade(notebook(tmp_path, "hang", after=[source]))
    for spec, outcome in zip(assignment.tests, result.tests):
        if "flip" in spec.parameters:
            assert outcome.outcome is Outcome.TIMEOUT
            assert "time limit" in outcome.message
            assert outcome.seconds <= assignment.limits.test_seconds + 3
        else:
            assert outcome.passed, (outcome.name, outcome.message)


def test_a_top_level_endless_cell_is_skipped_and_the_rest_graded(grade, tmp_path, full):
    result = grade(notebook(tmp_path, "endless", before=["while True:\n    pass"]))
    assert result.status is Status.GRADED
    assert result.score == full
    assert "cell 1" in result.message and "skipped" in result.message


# ----------------------------------------------------------------------------- invalid files


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / f"{name}.ipynb"
    path.write_bytes(data)
    return path


def invalid_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    big = tmp_path / "huge.ipynb"
    with open(big, "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used
    link = tmp_path / "link.ipynb"
    link.symlink_to(SOLUTION)
    future = {"nbformat": 5, "nbformat_minor": 0, "metadata": {}, "cells": []}
    return {
        "empty": (_write(tmp_path, "empty", b""), "empty"),
        "not json": (_write(tmp_path, "notjson", b"def conv2d(f, g):\n    return f\n"), "not valid JSON"),
        "json not notebook": (_write(tmp_path, "list", b'{"hello": [1, 2, 3]}'), "not a Jupyter notebook"),
        "json array": (_write(tmp_path, "array", b"[1, 2, 3]"), "not a Jupyter notebook"),
        "binary": (_write(tmp_path, "binary", b"%PDF-1.4\x00\x01\x02\xff" * 100), "binary"),
        "latin-1": (_write(tmp_path, "latin", '{"cells": "caf\u00e9"}'.encode("latin-1")), "UTF-8"),
        "too large": (big, "limit"),
        "symlink": (link, "symbolic link"),
        "nbformat 5": (_write(tmp_path, "v5", json.dumps(future).encode()), "format"),
    }


def test_invalid_files_get_an_invalid_result_saying_why(grade, tmp_path, assignment):
    for label, (path, why) in invalid_files(tmp_path).items():
        result = grade(path)
        assert isinstance(result, SubmissionResult), label
        assert result.status is Status.INVALID, (label, result.status, result.message)
        assert why in result.message, (label, result.message)
        assert result.score == 0 and result.max_score == assignment.autograded_points


# ----------------------------------------------------------------------------- nothing survives


def test_no_process_or_file_survives_a_submission(grade, grader, tmp_path):
    daemon = (
        "import os, time\n"
        "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
        "        for where in ('/tmp/left-behind', '/dev/shm/left-behind', '/var/tmp/left-behind', 'in-workdir'):\n"
        "            try:\n                open(where, 'w').write('x')\n            except OSError:\n                pass\n"
        "        time.sleep(600)\n    os._exit(0)\n"
        "import subprocess\nsleeper = subprocess.Popen(['sleep', '600'], start_new_session=True)\n"
        "open('/tmp/left-by-executor', 'w').write('x')\n"
    )
    result = grade(notebook(tmp_path, "daemon", after=[daemon]))
    assert result.status is Status.GRADED
    left = sandbox_pids(grader)
    assert left == [], [open(f"/proc/{p}/status").read()[:400] + open(f"/proc/{p}/cmdline").read() for p in left]
    assert files_of_sandbox(grader) == []
    for slot in grader.sandboxes.slots:
        for workroot in Path("/tmp").glob(f"conv-grader-{slot.spec.uid}-*"):
            assert not any(workroot.iterdir()), f"job folders left in {workroot}"


def test_a_broken_submission_does_not_affect_others_in_the_batch(grade_many, tmp_path, full):
    broken = [
        notebook(tmp_path, "bomb", before=["import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        break"]),
        notebook(tmp_path, "crash", before=["import ctypes\nctypes.string_at(0)"]),
        notebook(tmp_path, "memory", before=["x = bytearray(50 * 2**30)"]),
        _write(tmp_path, "garbage", b"\x00\x01garbage"),
        _write(tmp_path, "empty", b""),
    ]
    paths = [SOLUTION, *broken, SOLUTION, SOLUTION]
    results = grade_many(paths)
    assert len(results) == len(paths)
    for index in (0, len(paths) - 2, len(paths) - 1):
        assert results[index].status is Status.GRADED
        assert results[index].score == full, results[index].message
    assert [r.status for r in results[4:6]] == [Status.INVALID, Status.INVALID]


# ----------------------------------------------------------------------------- value protocol


def roundtrip(value):
    tree, blobs = encode_value(value)
    tree = json.loads(json.dumps(tree))  # what crosses the socket is JSON
    return decode_value(tree, blobs)


def _npy(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


@pytest.mark.parametrize("tree", [
    None, 3, "int", [], {"t": 1}, {"t": "int"}, {"t": "int", "v": 12}, {"t": "int", "v": "1" * 6000},
    {"t": "float", "v": "not a float"}, {"t": "bool", "v": "yes"}, {"t": "list", "v": "abc"},
    {"t": "dict", "v": [[{"t": "int", "v": "1"}]]}, {"t": "ndarray", "b": 5}, {"t": "ndarray", "b": "0"},
    {"t": "npscalar", "dtype": "<U3", "v": "abc"}, {"t": "npscalar", "dtype": "O", "v": "1"},
    {"t": "pickle", "v": "gASVAAAAAAAAAAAu"}, {"t": "object", "module": "os", "name": "system"},
])
def test_decode_rejects_malformed_trees(tree):
    with pytest.raises(ProtocolError):
        decode_value(tree, [])


def test_decode_rejects_deep_and_huge_trees():
    deep = {"t": "none"}
    for _ in range(200):
        deep = {"t": "list", "v": [deep]}
    with pytest.raises(ProtocolError):
        decode_value(deep, [])
    wide = {"t": "list", "v": [{"t": "none"}] * 400_000}
    with pytest.raises(ProtocolError):
        decode_value(wide, [])


@pytest.mark.parametrize("array", [
    np.array(["a", "b"]), np.array([b"x"]), np.zeros(2, dtype=[("a", "f8"), ("b", "i4")]),
    np.array(["2020-01-01"], dtype="datetime64[D]"), np.array([1], dtype="timedelta64[s]"),
])
def test_decode_rejects_non_numeric_arrays(array):
    for blob in (_npy(array), array.tobytes()):
        with pytest.raises(ProtocolError):
            decode_value({"t": "ndarray", "dtype": array.dtype.str, "shape": list(array.shape), "b": 0}, [blob])
    with pytest.raises(ProtocolError):  # a numeric dtype whose bytes do not fit the shape
        decode_value({"t": "ndarray", "dtype": "<f8", "shape": [5, 5], "b": 0}, [np.zeros(3).tobytes()])


def test_decode_refuses_object_arrays_and_pickles():
    pickled = _npy(np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    for dtype in ("|O", "<f8"):
        with pytest.raises(ProtocolError):
            decode_value({"t": "ndarray", "dtype": dtype, "shape": [2], "b": 0}, [pickled])
    with pytest.raises(ProtocolError):
        decode_value({"t": "ndarray", "dtype": "|O", "shape": [1], "b": 0}, [b"\x80\x04\x95garbage"])


def test_encode_refuses_objects_and_subclasses():
    class Lies:
        def __eq__(self, other):
            return True

    class IntSub(int):
        pass

    class Arr(np.ndarray):
        pass

    for value in (Lies(), IntSub(3), np.zeros(3).view(Arr), np.ma.masked_all(3), np.array([object()]), print, iter([1])):
        assert isinstance(roundtrip(value), Unsupported), value


def test_roundtrip_of_special_values():
    assert roundtrip(2**63 + 1) == 2**63 + 1 and type(roundtrip(2**63 + 1)) is int
    assert roundtrip(-(10**400)) == -(10**400)
    assert math.isnan(roundtrip(float("nan")))
    assert roundtrip(float("-inf")) == float("-inf")
    assert roundtrip((1, (2.5, "x"))) == (1, (2.5, "x")) and type(roundtrip((1,))) is tuple
    assert roundtrip({1, 2, 3}) == {1, 2, 3} and type(roundtrip({1})) is set
    assert type(roundtrip(frozenset({1}))) is frozenset
    assert roundtrip({"a": [1, {2: None}]}) == {"a": [1, {2: None}]}
    assert roundtrip(True) is True and roundtrip(None) is None
    scalar = roundtrip(np.float32(1.5))
    assert type(scalar) is np.float32 and scalar == 1.5
    assert type(roundtrip(np.int64(-7))) is np.int64
    array = roundtrip(np.arange(12, dtype=np.int16).reshape(3, 4).T)
    assert array.dtype == np.int16 and array.shape == (4, 3) and array[1, 0] == 1
    assert roundtrip(1 + 2j) == 1 + 2j


plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20) | st.complex_numbers(allow_nan=False),
    lambda inner: st.lists(inner, max_size=5) | st.tuples(inner, inner)
    | st.dictionaries(st.integers() | st.text(max_size=5), inner, max_size=5)
    | st.frozensets(st.integers(), max_size=5) | st.sets(st.text(max_size=5), max_size=5),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(plain)
def test_roundtrip_keeps_value_and_exact_type(value):
    back = roundtrip(value)
    assert back == value

    def types(v):
        if isinstance(v, (list, tuple)):
            return (type(v), tuple(types(x) for x in v))
        if isinstance(v, dict):
            return (dict, tuple(sorted((repr(k), types(x)) for k, x in v.items())))
        return type(v)

    assert types(back) == types(value)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["i1", "i8", "u2", "f4", "f8", "c16", "?"]), st.lists(st.integers(0, 4), min_size=0, max_size=3))
def test_roundtrip_of_numeric_arrays(dtype, shape):
    array = (np.arange(int(np.prod(shape)) if shape else 1) % 3).astype(dtype).reshape(shape)
    back = roundtrip(array)
    assert type(back) is np.ndarray and back.dtype == array.dtype and back.shape == array.shape
    assert np.array_equal(back, array)


def test_a_child_process_calling_os_exit_does_not_disturb_grading(grade, tmp_path, full):
    """os._exit in a forked child (a daemon, multiprocessing) must end that child, not turn it
    into a second executor that talks to the grader over the inherited socket."""
    cell = ("import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        time.sleep(600)\n    os._exit(0)\n"
            "pid = os.fork()\nif pid == 0:\n    os._exit(0)\nos.waitpid(pid, 0)\n")
    result = grade(notebook(tmp_path, "fork_exit", after=[cell]))
    assert result.status is Status.GRADED
    assert result.score == full, result.tests[0].message
    assert "raised an error" not in result.message, result.message


# ---------------------------------------------------------------- graders side by side


def test_two_graders_on_one_machine_never_share_a_sandbox_uid(assignment):
    """Cleaning up kills every process of a sandbox uid, so two graders must never share one."""
    from concurrent.futures import ThreadPoolExecutor

    from autograder.batch import Grader

    with Grader(assignment, workers=1) as first, Grader(assignment, workers=1) as second:
        uids = {first.sandboxes.slots[0].spec.uid, second.sandboxes.slots[0].spec.uid}
        assert len(uids) == 2, "two graders were given the same sandbox uid"
        with ThreadPoolExecutor(2) as pool:
            batches = list(pool.map(lambda grader: grader.grade([SOLUTION] * 3), [first, second]))
    scores = [r.score for batch in batches for r in batch]
    assert all(r.score == r.max_score for batch in batches for r in batch), f"concurrent graders disturbed each other: {scores}"


def test_a_fork_server_that_died_is_replaced(assignment):
    from autograder.batch import Grader

    with Grader(assignment, workers=1) as grader:
        slot = grader.sandboxes.slots[0]
        slot.process.kill()
        slot.process.wait()
        (result,) = grader.grade([SOLUTION])
    assert result.status is Status.GRADED and result.score == result.max_score, result.message


# ---------------------------------------------------------------- routines hidden behind computed names


@pytest.mark.parametrize("route", [
    "getattr(np, 'con' + 'volve')(f, g)",
    "getattr(__import__('numpy')._core.multiarray, 'correlate' + '2')(f, g[::-1], 2)",
    "getattr(np, 'con' + 'volve').__wrapped__(f, g)",
    "__import__('importlib').import_module('sci' + 'py.signal').fftconvolve(f, g)",
    "getattr(__import__('sci' + 'py.signal._signaltools', fromlist=['x']), 'con' + 'volve')(f, g)",
])
def test_library_convolution_hidden_behind_computed_names_gains_nothing(grade, tmp_path, full, route):
    """A routine looked up by a computed name is charged by the static check, which reads the
    lookup itself, before anything runs; the other functions keep their points."""
    disguised = f"import numpy as np\ndef smooth(x):\n    f, g = x, np.ones(3) / 3\n    return {route}\n"
    found = find_rule_violations([disguised], functions=["smooth"], forbidden=["numpy.convolve", "numpy.correlate"])
    assert found["smooth"].evasion, found
    result = grade(notebook(tmp_path, "disguised", after=[disguised]))
    smooth_tests = [t for t in result.tests if t.name.startswith("test_smooth")]
    assert smooth_tests and all(t.outcome is Outcome.RULE for t in smooth_tests), [(t.name, t.outcome, t.message) for t in smooth_tests]
    assert all("grader must be able to read" in t.message for t in smooth_tests), [t.message for t in smooth_tests]
    others = [t for t in result.tests if not t.name.startswith("test_smooth")]
    assert all(t.passed for t in others), [(t.name, t.message) for t in others if not t.passed]


ROUTES = [
    "getattr(np, 'con' + 'volve')(f, g)",
    "getattr(__import__('numpy')._core.multiarray, 'correlate' + '2')(f, g[::-1], 2)",
    "getattr(__import__('numpy')._core.umath, 'correlate')(f, g[::-1], 2)",
    "__import__('importlib').reload(__import__('numpy')._core.numeric).convolve(f, g)",
    "next(o for o in __import__('gc').get_objects() if getattr(o, '__name__', '') == 'correlate2'"
    " and 'numpy' in str(getattr(o, '__module__', '')))(f, g[::-1], 2)",
    "next(o for o in __import__('numpy')._core.overrides.ARRAY_FUNCTIONS if o.__name__ == 'convolve')(f, g)",
    "__import__('importlib').import_module('sci' + 'py.signal').fftconvolve(f, g)",
    "getattr(__import__('sci' + 'py.signal._signaltools', fromlist=['x']), 'con' + 'volve')(f, g)",
    "__import__('runpy').run_path(__import__('scipy').__path__[0] + '/signal/_signaltools.py')['convolve'](f, g)",
    "__import__('numpy').convolve(f, g)",
    # the import hook only explains; without it scipy.signal is still not there
    "[__import__('sys').meta_path.remove(h) for h in list(__import__('sys').meta_path)"
    " if type(h).__name__ == '_Unavailable'] and None or __import__('importlib').import_module('scipy.signal').convolve(f, g)",
    "__import__('os').listdir(__import__('os').path.dirname(__import__('scipy').__file__) + '/signal')",
]


def test_forbidden_routines_are_not_in_the_sandbox_at_all(grade, grader, tmp_path):
    """Behind the static check, the routines are absent: removed from numpy before any fork and
    scipy.signal left out of the file view.  A cell outside any rule-bound function (which the
    static check does not judge) tries every route and finds none."""
    probe = "import numpy as np\nf, g = np.arange(4.0), np.ones(2)\nfor route in ROUTES:\n    try:\n" \
            "        value = eval(route)\n        print('REACHED', route, value)\n    except Exception as error:\n" \
            "        print('absent:', type(error).__name__, str(error)[:80])\n"
    # Landlock alone cannot leave a package out of site-packages (README): scipy stays readable there
    routes = ROUTES if grader.protections.mount_namespace else [r for r in ROUTES if "scipy" not in r]
    result = grade(notebook(tmp_path, "absent", after=[f"ROUTES = {routes!r}", probe]))
    assert "absent:" in result.stdout and "REACHED" not in result.stdout, result.stdout
    assert "numpy.convolve is not available here: this assignment asks you to write the sum" in result.stdout


# ---------------------------------------------------------------- the submission's own deadline


@pytest.fixture(scope="module")
def hurried_grader(assignment):
    """A grader whose limits are short enough to reach in a test: 4 s a submission, 3 s a cell."""
    from dataclasses import replace

    from autograder.assignment import Limits
    from autograder.batch import Grader

    hurried = replace(assignment, limits=Limits(submission_seconds=4, test_seconds=2, cell_seconds=3))
    with Grader(hurried, workers=1) as grader:
        yield grader


def test_a_notebook_that_runs_past_the_submission_limit_is_reported_as_timed_out(hurried_grader, tmp_path):
    slow_cells = ["import time\ntime.sleep(2.5)"] * 3  # each under the cell limit, together over the submission's
    (result,) = hurried_grader.grade([notebook(tmp_path, "slow", before=slow_cells)])
    assert result.status is Status.TIMEOUT, result.message
    assert result.score == 0 and result.seconds < 8
    assert "could not be run to the end" in result.tests[0].message


def test_tests_left_when_the_submission_limit_passes_are_reported_as_timed_out(hurried_grader, tmp_path):
    slow = ("import time\n_fast_smooth, _fast_flip = smooth, flip\ndef smooth(x):\n    time.sleep(1.5)\n    return _fast_smooth(x)\n"
            "def flip(X):\n    time.sleep(1.5)\n    return _fast_flip(X)\n")
    (result,) = hurried_grader.grade([notebook(tmp_path, "slow_smooth", after=[slow])])
    assert result.status is Status.TIMEOUT, result.message
    assert "limit for a submission" in result.message
    stopped = [t for t in result.tests if t.outcome is Outcome.TIMEOUT]
    assert stopped and all("total time limit" in t.message or "time limit" in t.message for t in stopped)
    assert any(t.passed for t in result.tests), "the tests that ran before the limit keep their points"


def test_a_forged_execution_report_mislabels_nothing(grade, tmp_path):
    """A cell that writes its own 'executed' frame to every socket it finds gains nothing and is
    still the student's fault, never an internal grading error."""
    forge = (
        "import json, os, socket, struct\n"
        "report = json.dumps({'op': 'executed', 'cells': [{'index': 10**6, 'ok': 'yes', 'error': 'x' * 10**5}, 'junk'],\n"
        "                     'names': {'smooth': 'EVIL', 'not_a_test_name': 'function'}, 'stdout': 'y' * 10**6}).encode()\n"
        "for fd in range(3, 64):\n"
        "    try:\n"
        "        s = socket.socket(fileno=os.dup(fd))\n"
        "        s.sendall(struct.pack('!III', len(report), 0, 0) + report)\n"
        "    except OSError:\n"
        "        pass\n"
    )
    result = grade(notebook(tmp_path, "forged_report", before=[forge]))
    assert result.status in (Status.GRADED, Status.TIMEOUT), result.message
    assert result.score == 0 or all(not t.passed for t in result.tests if t.name.startswith("test_smooth"))
    assert len(result.stdout) <= 20_000 and len(result.message) < 2_000


# ---------------------------------------------------------------- otter's conventions: env, points


def test_a_test_taking_env_gets_the_whole_namespace(grade, tmp_path, assignment):
    """`env` (otter's convention) is the student's namespace: the hidden test reads `answer` through it,
    and the notebook computed `answer` from the data file the sandbox carried beside it."""
    assert assignment.wants_namespace and "env" not in assignment.student_names
    solved = grade(SOLUTION)
    by_name = {t.name: t for t in solved.tests}
    assert by_name["test_answer_from_the_data_file"].passed, by_name["test_answer_from_the_data_file"].message
    wrong = grade(notebook(tmp_path, "wrong_answer", after=["answer = 20"]))
    failed = {t.name: t for t in wrong.tests}["test_answer_from_the_data_file"]
    assert failed.outcome is Outcome.FAILED and "not the sum of weights.npy" in failed.message, failed
    gone = grade(notebook(tmp_path, "no_answer", after=["del answer"]))
    missing = {t.name: t for t in gone.tests}["test_answer_from_the_data_file"]
    assert missing.outcome is Outcome.ERROR and "needs `answer`, which your notebook does not define" in missing.message, missing
    assert all(t.passed for t in gone.tests if t.name != "test_answer_from_the_data_file")


def test_env_reads_like_otters_dict_and_binds_rules_as_parameters_do(tmp_path):
    """`env[name]`, `env.get`, `in` and iteration over the sandbox's names; a function a rule charged
    is a broken rule through `env` too, never a way around the rule."""
    from autograder.errors import StudentFault
    from autograder.run_tests import StudentNamespace

    class NoCalls:  # a session whose caller may not be reached
        def caller(self):
            raise AssertionError("nothing may be fetched here")

    charged = StudentFault("smooth uses numpy.convolve")
    env = StudentNamespace({"flip": "function", "smooth": "function", "answer": "value", "gone": "missing"},
                           NoCalls(), lambda name: charged if name == "smooth" else None)
    assert sorted(env) == ["answer", "flip", "smooth"] and len(env) == 3
    assert "flip" in env and "gone" not in env and env.get("gone", 7) == 7
    assert env["flip"].__name__ == "flip"
    with pytest.raises(StudentFault, match="needs `gone`"):
        env["gone"]
    with pytest.raises(StudentFault) as raised:
        env["smooth"]
    assert raised.value is charged


def _test_file(tmp_path: Path, points_line: str, cases: list[str]) -> Path:
    tests = tmp_path / "tests"
    tests.mkdir(exist_ok=True)
    body = "".join(f"@test_case({args})\ndef test_{i}(x):\n    pass\n\n" for i, args in enumerate(cases))
    path = tests / "q1.py"
    path.write_text(f"from otter.test_files import test_case\n\nOK_FORMAT = False\n\nname = 'q1'\n{points_line}\n\n{body}")
    return path


@pytest.mark.parametrize("points_line, cases, expected", [
    ("points = 6", ["points=None", "points=None", "points=None"], [2, 2, 2]),
    ("points = 6", ["points=3", "points=None", "points=None"], [3, 1.5, 1.5]),
    ("points = [1, 2, 0.5]", ["points=None", "points=None", "points=None"], [1, 2, 0.5]),
    ("", ["points=None", "points=None"], [0.5, 0.5]),  # no points anywhere: the file is worth 1
    ("", ["points=2", "points=None"], [2, 0]),
    ("points = 4", ["points=4", "points=0"], [4, 0]),
])
def test_a_test_files_points_are_spread_over_its_cases_as_otter_does(tmp_path, points_line, cases, expected):
    from otter.test_files import ExceptionTestFile

    from autograder.assignment import _load_tests

    path = _test_file(tmp_path, points_line, cases)
    specs = _load_tests(path.parent, tmp_path)
    assert [s.points for s in specs] == expected
    assert [tc.points for tc in ExceptionTestFile.from_file(str(path)).test_cases] == expected  # otter agrees


@pytest.mark.parametrize("points_line, cases, says", [
    ("points = [1, 2]", ["points=None"], "different length"),
    ("points = 2", ["points=3", "points=None"], "More points"),
    ("points = 5", ["points=1", "points=1"], "add up to 2"),  # otter would silently give 2 of the 5
    ("points = 'many'", ["points=None"], "must be a number"),
    ("points = 2", ["points='2'"], "not a number"),
    ("points = 2\nall_or_nothing = True", ["points=None"], "all_or_nothing"),
])
def test_points_that_cannot_be_spread_are_the_instructors_error_naming_the_file(tmp_path, points_line, cases, says):
    from autograder.assignment import _load_tests
    from autograder.errors import InstructorError

    path = _test_file(tmp_path, points_line, cases)
    with pytest.raises(InstructorError, match=says) as raised:
        _load_tests(path.parent, tmp_path)
    assert str(path) in str(raised.value)


def test_the_tiny_assignments_points_follow_its_test_files(assignment):
    points = {(t.question, t.name): t.points for t in assignment.tests}
    assert points == {("q1", "test_smooth_example"): 2, ("q1", "test_smooth_random"): 2,  # points: 4, spread
                      ("q2", "test_flip_example"): 1, ("q2", "test_answer_from_the_data_file"): 2}  # points: [1, 2]
    assert assignment.autograded_points + sum(m.points for m in assignment.manual) == assignment.total_points == 9


# ---------------------------------------------------------------- written answers, helpers, declared files


def _with_written_blocks(tmp_path: Path, blocks: list[tuple[str | None, str]]) -> Path:
    nb = nbformat.read(SOLUTION, as_version=4)
    nb.cells = [c for c in nb.cells if c.cell_type == "code"]
    for name, answer in blocks:
        marker = f"<!-- BEGIN QUESTION -->\n<!-- question: {name} -->" if name else "<!-- BEGIN QUESTION -->"
        nb.cells += [nbformat.v4.new_markdown_cell(f"{marker}\n\nThe prompt of {name}."),
                     nbformat.v4.new_markdown_cell(answer), nbformat.v4.new_markdown_cell("<!-- END QUESTION -->")]
    path = tmp_path / "written.ipynb"
    nbformat.write(nb, path)
    return path


def test_written_answers_are_matched_to_questions_by_name(tmp_path):
    from autograder.load import extract_written_answers, load_submission

    moved = load_submission(_with_written_blocks(tmp_path, [("q9", "nine"), ("q3", "three"), ("q4", "not asked")]))
    assert extract_written_answers(moved, ["q3", "q9"]) == {"q3": "three", "q9": "nine"}
    one_deleted = load_submission(_with_written_blocks(tmp_path, [("q9", "nine")]))
    assert extract_written_answers(one_deleted, ["q3", "q9"]) == {"q3": "", "q9": "nine"}
    # a block whose name was removed is used only when it can be no one else's
    nameless = load_submission(_with_written_blocks(tmp_path, [(None, "mine"), ("q9", "nine")]))
    assert extract_written_answers(nameless, ["q3", "q9"]) == {"q3": "mine", "q9": "nine"}
    two_nameless = load_submission(_with_written_blocks(tmp_path, [(None, "a"), (None, "b")]))
    assert extract_written_answers(two_nameless, ["q3", "q9"]) == {"q3": "", "q9": ""}


def test_the_built_notebook_names_its_written_questions_and_the_grade_carries_the_answer(grade):
    student = nbformat.read(ROOT / "tests" / "fixtures" / "tiny" / "student" / "tiny.ipynb", as_version=4)
    assert any("<!-- question: q3 -->" in c.source for c in student.cells if c.cell_type == "markdown")
    (manual,) = grade(SOLUTION).manual
    assert manual.question == "q3" and "the input's length" in manual.answer, manual


def test_two_assignments_in_one_process_keep_their_own_helpers(assignment):
    """Each assignment's grading.py is a module of its own: its tests import it as `grading`, and no
    bare `grading` module is shared between assignments in the process."""
    import sys

    from autograder.assignment import load_assignment, load_helpers

    other = load_assignment(ROOT / "assignments" / "pooling")
    tiny_helpers, other_helpers = load_helpers(assignment.directory), load_helpers(other.directory)
    assert tiny_helpers is not other_helpers and hasattr(tiny_helpers, "ref_smooth") and not hasattr(other_helpers, "ref_smooth")
    assert "grading" not in sys.modules
    for spec, helpers in ((assignment.tests[-1], tiny_helpers), (other.tests[-1], other_helpers)):
        imported = spec.func.__globals__["__builtins__"]["__import__"]("grading", fromlist=["x"])
        assert imported is helpers, spec.name


def test_declared_files_are_beside_the_notebook_in_the_sandbox_and_nothing_else_is(grade, tmp_path):
    probe = "import os\nprint('FILES', sorted(os.listdir('.')))"
    result = grade(notebook(tmp_path, "listing", after=[probe]))
    assert "FILES ['submission.ipynb', 'weights.npy']" in result.stdout, result.stdout


def test_the_gradescope_zip_carries_the_files_the_assignment_declares(assignment):
    from autograder.gradescope import zip_members

    names = [name for name, _path, _mode in zip_members(assignment.directory)]
    assert "assignments/tiny/weights.npy" in names and "assignments/tiny/grading.py" in names
    assert not any("solution" in name or name.endswith("tiny.ipynb") or name.endswith("tiny.py") for name in names)


def test_a_declared_file_that_is_missing_or_outside_the_folder_is_the_instructors_error(tmp_path):
    import shutil

    from autograder.assignment import load_assignment
    from autograder.errors import InstructorError

    copy = tmp_path / "tiny"
    shutil.copytree(ROOT / "tests" / "fixtures" / "tiny", copy)
    config = copy / "assignment.toml"
    text = config.read_text()
    (copy / "passwd.npy").symlink_to("/etc/passwd")  # a link out of the folder, by file or by folder
    (copy / "system").symlink_to("/etc")
    for entry, says in (('"missing.npy"', "matches no file"), ('"../tiny/weights.npy"', "not a relative path"),
                        ('"/etc/passwd"', "not a relative path"), ('"grading.py"', "grader's own file"),
                        ('"passwd.npy"', "symbolic link to /etc/passwd, outside"),
                        ('"*.npy"', "symbolic link to /etc/passwd, outside"),
                        ('"system/hostname"', "symbolic link to /etc/hostname, outside"),
                        ('"t*.py"', "grader's own file tiny.py"),  # the source, with its solutions
                        ('"solution/*"', "grader's own file solution/tiny.ipynb"),
                        ('"tests/**/*"', "grader's own file tests/")):
        config.write_text(text.replace('include = ["weights.npy"]', f"include = [{entry}]"))
        with pytest.raises(InstructorError, match=re.escape(says)) as raised:
            load_assignment(copy)
        assert "files.include" in str(raised.value) and entry.strip('"') in str(raised.value)
    data = copy / "data"  # more than the one message that starts a notebook can carry into the sandbox
    data.mkdir()
    for i in range(4):
        (data / f"part{i}.bin").write_bytes(bytes(15 * 2**20))
    config.write_text(text.replace('include = ["weights.npy"]', 'include = ["weights.npy", "data/*.bin"]'))
    with pytest.raises(InstructorError, match=r"files.include: 5 files of 60.0 MiB in all, over the limit"):
        load_assignment(copy)


def test_the_tiny_fixtures_build_is_up_to_date(tmp_path):
    """The fixture's student notebook, solution and test files are what its source builds today."""
    import shutil

    from autograder.assign import build_assignment

    fixture = ROOT / "tests" / "fixtures" / "tiny"
    copy = tmp_path / "tiny"
    shutil.copytree(fixture, copy, ignore=shutil.ignore_patterns("__pycache__"))
    build_assignment(copy)
    built = ["student/tiny.ipynb", "solution/tiny.ipynb", *(f"tests/{p.name}" for p in (fixture / "tests").glob("q*.py"))]
    stale = [name for name in built if (copy / name).read_bytes() != (fixture / name).read_bytes()]
    assert not stale, f"rebuild the fixture (make assign ASSIGNMENT=tests/fixtures/tiny): {stale}"


def test_env_lists_the_notebooks_own_names_first_when_there_are_too_many():
    """Over the listing's limit (star imports of every library), the names tests bind and the notebook's
    own values and functions are kept; what was imported is left out first."""
    import math

    from autograder.sandbox.child.executor import MAX_LISTED, _public_names

    def mine(x):
        return x

    mine.__module__ = "__main__"  # as a function defined in a notebook cell is
    scope = {f"imported_{i:04d}": (math.sqrt if i % 2 else np.add) for i in range(MAX_LISTED + 500)}
    scope.update(zz_values=[1.0], zz_mine=mine, zz_bound=math.floor)
    listed = dict(_public_names(scope, ["zz_bound"]))
    assert len(listed) == MAX_LISTED
    assert listed["zz_values"] == "value" and listed["zz_mine"] == "function" and listed["zz_bound"] == "function"
    assert len(_public_names({"answer": 3, **{f"f{i}": math.sqrt for i in range(10)}})) == 11  # under it: all


def test_env_lists_the_same_names_in_the_grader_and_in_the_notebook():
    import types

    from autograder import self_checks
    from autograder.sandbox.child.executor import _public_names

    scope = {"np": types, "pooled": [1.0], "flip": lambda X: X, "_hidden": 1, "In": [], "grader": object(),
             "RULES": {}, "PUBLIC_TESTS": {}, "SELF_CHECKS_CODE": "", "answer": 3, "get_ipython": print}
    grader_side = [name for name, _kind in _public_names(scope)]
    notebook_side = list(self_checks.Namespace(None, scope))
    assert grader_side == notebook_side == ["answer", "flip", "pooled"]
    assert dict(_public_names(scope)) == {"answer": "value", "flip": "function", "pooled": "value"}


# ----------------------------------------------------------------------------- feedback for hostile outputs


HOSTILE_OUTPUTS = {  # smooth(x) returns ... : what the feedback page must still draw, contained and bounded
    "huge": "np.full((len(x), 50), 1e20)",  # too wide for a heatmap: shown as numbers
    "five_d_nan": "np.full((2, 2, 2, 2, len(x)), np.nan)",
    "many_slices": "np.zeros((2**18, 2, 2))",
    "empty_dimension": "np.zeros((3, 0, len(x)))",
    "infinite": "np.array([np.inf, -np.inf] * len(x))[:len(x)]",
    "booleans": "np.ones(len(x), dtype=bool)",
    "complex": "np.ones(len(x)) * 1j",
    "objects": "np.array([object()] * len(x))",
}


def test_feedback_draws_any_array_a_function_returns_and_stays_small(grade_many, tmp_path):
    from autograder.render.feedback import render_feedback_html

    paths = [notebook(tmp_path, stem, after=[f"import numpy as np\ndef smooth(x):\n    return {value}\n"])
             for stem, value in HOSTILE_OUTPUTS.items()]
    for path, result in zip(paths, grade_many(paths)):
        random = next(t for t in result.tests if t.name == "test_smooth_random")
        assert result.status is Status.GRADED and not random.passed and random.message, (path.stem, random)
        page = render_feedback_html(result, title="tiny")
        assert len(page) < 300_000, (path.stem, len(page))
        if path.stem == "huge":  # whole numbers too large for int64 are not printed wrapped round
            assert "1.e+20" in page and "-9223372036854775808" not in page, page


def test_a_forbidden_routine_of_a_module_the_preloads_did_not_import_is_absent_at_run_time(tmp_path):
    """`statistics.mean` (the standard library) and `scipy.linalg.toeplitz` (scipy preloaded by the
    assignment) are taken out of the sandbox like numpy's routines, however a cell reaches them."""
    import re
    import shutil

    from autograder.assignment import load_assignment
    from autograder.batch import Grader

    copy = tmp_path / "tiny"
    shutil.copytree(ROOT / "tests" / "fixtures" / "tiny", copy)
    config = copy / "assignment.toml"
    text = re.sub(r"(?m)^forbidden = .*$", 'forbidden = ["numpy.convolve", "statistics.mean", "scipy.linalg.toeplitz"]',
                  config.read_text())
    config.write_text(text + '\n[sandbox]\npreload = ["numpy", "matplotlib", "matplotlib.pyplot", "IPython", "scipy"]\n')
    reach = ("import importlib\nfor module, name in (('statistics', 'me' + 'an'), ('scipy.linalg', 'toep' + 'litz')):\n"
             "    try:\n        print('REACHED', getattr(importlib.import_module(module), name)([1, 2]))\n"
             "    except Exception as error:\n        print('REFUSED', type(error).__name__, error)\n")
    with Grader(load_assignment(copy), workers=1, outside=[ROOT / "tests", ROOT / ".git"]) as grader:
        (result,) = grader.grade([notebook(tmp_path, "reaches", after=[reach])])
    assert "REACHED" not in result.stdout, result.stdout
    assert result.stdout.count("REFUSED NotImplementedError") == 2 and "not available here" in result.stdout, result.stdout
    assert result.score == result.max_score


def test_points_that_are_not_finite_numbers_are_the_instructors_error(tmp_path):
    """TOML reads `nan` and `inf` as numbers, and a test file may say `points = float("nan")`: every total
    would be nan.  Loading the assignment refuses them, naming the key or the file."""
    import shutil

    from autograder.assignment import load_assignment
    from autograder.errors import InstructorError

    copy = tmp_path / "tiny"
    shutil.copytree(ROOT / "tests" / "fixtures" / "tiny", copy, ignore=shutil.ignore_patterns("__pycache__"))
    config, q2 = copy / "assignment.toml", copy / "tests" / "q2.py"
    config_text, q2_text = config.read_text(), q2.read_text()
    for where, old, new, says in (
        (config, "points = 2\n", "points = nan\n", "`manual.q3.points` is nan"),
        (config, "total_points = 9\n", "total_points = inf\n", "`total_points` is inf"),
        (config, "points = 2\n", "points = -2\n", "`manual.q3.points` is -2"),
        (q2, "points = [1, 2]\n", "points = [1, float('nan')]\n", "not finite numbers"),
        (q2, "points = [1, 2]\n", "points = float('inf')\n", "not finite numbers"),
    ):
        config.write_text(config_text)
        q2.write_text(q2_text)
        assert old in where.read_text(), old
        where.write_text(where.read_text().replace(old, new, 1))
        with pytest.raises(InstructorError, match=re.escape(says)):
            load_assignment(copy)


def test_a_function_or_class_where_env_expects_a_value_is_named_as_such(grade_many, tmp_path):
    """`answer` read through env is a class or a function: the message says so in the student's terms,
    never with the name of the grader's proxy."""
    paths = [notebook(tmp_path, "answer_class", after=["class answer:\n    pass"]),
             notebook(tmp_path, "answer_function", after=["def answer():\n    return 12"])]
    for path, result in zip(paths, grade_many(paths)):
        test = {t.name: t for t in result.tests}["test_answer_from_the_data_file"]
        assert test.outcome is Outcome.FAILED and "answer is a function or class" in test.message, (path.stem, test)
        assert "StudentFunction" not in test.message


def test_a_value_is_read_as_the_notebook_left_it_once_and_each_test_gets_its_own_copy(grader, monkeypatch):
    """Values the tests bind are read before any call and kept: a later read needs no fresh fork, still
    sees the value as the notebook left it (not as a student function rewrote it), and a test that
    changes what it was given changes nothing for the next test."""
    from autograder.sandbox.job import Job
    from autograder.sandbox.session import Budget, Session

    forks = []
    real_caller = Job.caller
    monkeypatch.setattr(Job, "caller", lambda self, *a, **k: forks.append(1) or real_caller(self, *a, **k))
    cells = ["counts = [1, 2, 3]", "def bump():\n    global counts\n    counts = [9]\n    return len(counts)"]
    with Session(grader.sandboxes.slots[0], Budget(60)) as session:
        run = session.run_notebook(cells, notebook="", names=["counts", "bump"], skip=set(), cell_seconds=20)
        assert run.usable
        session.call_budget = Budget(10)
        session.read_values(["counts"])
        assert session.caller().call("bump", (), {}) == 1
        first = session.value("counts")
        assert first == [1, 2, 3]
        first.append(4)
        assert session.value("counts") == [1, 2, 3]
        assert len(forks) == 1
        assert session.value("counts") == [1, 2, 3] and len(forks) == 1
