"""The static rule check: a rule-bound function is charged exactly when it reaches a library
convolution (or hides what it calls), found by resolving names as Python does.

Both directions are attacked: every route a student could take to a library routine, and
every way correct code mentions, shadows or compares against a library without using it.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.assignment import load_assignment
from autograder.static_checks import find_rule_violations

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = load_assignment(ROOT / "assignments" / "conv-math")
OWN_ARITHMETIC = next(rule for rule in ASSIGNMENT.rules if rule.name == "own_arithmetic")
RULE = dict(functions=OWN_ARITHMETIC.functions, forbidden=OWN_ARITHMETIC.forbidden)
NP = "import numpy as np\n"


def violations(*cells: str):
    return find_rule_violations(list(cells), **RULE)


# ----------------------------------------------------------------------------- routes to a library routine


@pytest.mark.parametrize("cells, function, uses", [
    (["import scipy.signal as sps\ndef conv2d(f, g):\n    return sps.convolve2d(f, g)"], "conv2d", "scipy.signal.convolve2d"),
    (["from scipy import signal as s\ndef conv2d(f, g):\n    return s.convolve2d(f, g)"], "conv2d", "scipy.signal.convolve2d"),
    (["import scipy\ndef conv2d(f, g):\n    return scipy.signal.convolve2d(f, g)"], "conv2d", "scipy.signal.convolve2d"),
    (["from numpy import convolve as c\ndef conv1d(f, g):\n    return c(f, g)"], "conv1d", "numpy.convolve"),
    ([NP + "def helper(a, b):\n    return np.convolve(a, b)", "def conv1d(f, g):\n    return helper(f, g)"], "conv1d", "numpy.convolve"),
    (["def conv2d(f, g):\n    return __import__('scipy.signal').signal.convolve2d(f, g)"], "conv2d", "scipy.signal.convolve2d"),
    (["def conv2d(f, g):\n    return __import__('scipy.signal', fromlist=['x']).convolve2d(f, g)"], "conv2d", "scipy.signal.convolve2d"),
    (["import importlib\ndef corr2d(X, K):\n    return importlib.import_module('scipy.ndimage').correlate(X, K)"], "corr2d", "scipy.ndimage"),
    (["import scipy.signal\nconv2d = scipy.signal.convolve2d"], "conv2d", "scipy.signal.convolve2d"),
    (["from scipy.signal import convolve2d as conv2d"], "conv2d", "scipy.signal.convolve2d"),
    ([NP + "conv1d = lambda f, g: np.convolve(f, g)"], "conv1d", "numpy.convolve"),
    # aliases through local and global variables
    ([NP + "def conv1d(f, g):\n    m = np\n    return m.convolve(f, g)"], "conv1d", "numpy.convolve"),
    ([NP + "OPS = {'full': np.convolve}\ndef conv1d(f, g):\n    return OPS['full'](f, g)"], "conv1d", "numpy.convolve"),
    ([NP + "import functools\nconv1d = functools.partial(np.convolve, mode='full')"], "conv1d", "numpy.convolve"),
    ([NP + "def conv1d(f, g, op=np.convolve):\n    return op(f, g)"], "conv1d", "numpy.convolve"),
    ([NP + "def conv1d(f, g):\n    return getattr(np, 'convolve')(f, g)"], "conv1d", "numpy.convolve"),
    ([NP + "def conv1d(f, g):\n    return np._core.numeric.convolve(f, g)"], "conv1d", "numpy._core.numeric.convolve"),
    (["from numpy import *\ndef conv1d(f, g):\n    return convolve(f, g)"], "conv1d", "numpy.convolve"),
    # a module patched elsewhere in the notebook
    ([NP + "np.my_sum = np.correlate", "def conv1d(f, g):\n    return np.my_sum(f, g[::-1], 'full')"], "conv1d", "numpy.correlate"),
    # a class whose instance is the function, a decorator, a closure, a nested helper
    ([NP + "class Conv:\n    def __call__(self, f, g):\n        return np.convolve(f, g)\nconv1d = Conv()"], "conv1d", "numpy.convolve"),
    ([NP + "def use(routine):\n    return lambda fn: routine\n@use(np.convolve)\ndef conv1d(f, g):\n    return 0"], "conv1d", "numpy.convolve"),
    ([NP + "def make():\n    op = np.convolve\n    def inner(f, g):\n        return op(f, g)\n    return inner\nconv1d = make()"], "conv1d", "numpy.convolve"),
    # a global bound inside a function
    (["def setup():\n    global sig\n    import scipy.signal as sig\nsetup()", "def conv2d(f, g):\n    return sig.convolve2d(f, g)"], "conv2d", "scipy.signal.convolve2d"),
    # the last binding wins: a library routine imported after the student's own helper replaces it
    ([NP + "def convolve2d(f, g):\n    return np.zeros(1)", "from scipy.signal import convolve2d", "def conv2d(f, g):\n    return convolve2d(f, g)"], "conv2d", "scipy.signal.convolve2d"),
    # deep-learning frameworks and OpenCV
    (["import torch.nn.functional as F\ndef corr2d(X, K):\n    return F.conv2d(X, K)"], "corr2d", "torch.nn.functional.conv2d"),
    (["import cv2\ndef corr2d(X, K):\n    return cv2.filter2D(X, -1, K)"], "corr2d", "cv2.filter2D"),
    # literal code given to eval is read like code
    ([NP + "def conv1d(f, g):\n    return eval('np.convolve(f, g)')"], "conv1d", "numpy.convolve"),
    # one rule-bound function through another
    ([NP + "def corr2d(X, K):\n    return np.correlate(X.ravel(), K.ravel())", "def local_layer(X, V, u):\n    return u + corr2d(X, V)"], "local_layer", "numpy.correlate"),
])
def test_library_routines_reached_are_charged(cells, function, uses):
    found = violations(*cells)
    assert function in found, f"{function} reaches {uses} but was not charged"
    assert found[function].uses.startswith(uses), found[function]
    assert not found[function].evasion


def test_the_helper_through_which_a_routine_is_reached_is_named():
    cells = ["import scipy.signal as sps\ndef _inner(a, b):\n    return sps.convolve2d(a, b)\ndef helper(a, b):\n    return _inner(a, b)",
             "def conv2d(f, g):\n    return helper(f, g)"]
    violation = violations(*cells)["conv2d"]
    assert violation.via == "helper"
    assert "through helper" in violation.message("no library convolution.")


# ----------------------------------------------------------------------------- evasion machinery


@pytest.mark.parametrize("body, what", [
    ("return getattr(np, 'con' + 'volve')(f, g)", "getattr on a module"),
    ("return getattr(__import__('numpy')._core.multiarray, 'correlate' + '2')(f, g[::-1], 2)", "getattr on a module"),
    ("return __import__('sci' + 'py.signal', fromlist=['x']).fftconvolve(f, g)", "computed name"),
    ("import importlib\n    return importlib.import_module('sci' + 'py.signal').fftconvolve(f, g)", "computed name"),
    ("import ctypes\n    return ctypes.pythonapi", "ctypes"),
    ("import sys\n    return sys.modules['numpy'].convolve(f, g)", "sys.modules"),
    ("import gc\n    return [o for o in gc.get_objects() if getattr(o, '__name__', '') == 'convolve'][0](f, g)", "gc"),
    ("return vars(np)['con' + 'volve'](f, g)", "vars()"),
    ("return np.__dict__['con' + 'volve'](f, g)", "__dict__"),
    ("return eval('np.con' + 'volve')(f, g)", "eval/exec"),
    ("return __builtins__.__dict__['__imp' + 'ort__']('numpy').convolve(f, g)", "builtins"),
    ("import importlib.util\n    return importlib.util.find_spec('numpy')", "importlib"),
])
def test_machinery_that_hides_what_runs_is_a_breach(body, what):
    found = violations(NP + f"def conv1d(f, g):\n    {body}\n")
    assert "conv1d" in found, f"conv1d hides a routine behind {what} and was not charged"
    assert found["conv1d"].evasion and what in found["conv1d"].uses, found["conv1d"]
    message = found["conv1d"].message("no library convolution.")
    assert "grader must be able to read" in message and what in message
    breach = OWN_ARITHMETIC.check_source([NP + f"def conv1d(f, g):\n    {body}\n"])["conv1d"]
    assert breach.misconception == "hides what it calls from the grader" and "grader must be able to read" in breach.message


def test_evasion_in_a_helper_is_charged_with_the_helper_named():
    found = violations(NP + "import ctypes\ndef fetch(name):\n    return ctypes.cast(0, ctypes.py_object)", "def conv2d(f, g):\n    return fetch('x')")
    assert found["conv2d"].evasion and found["conv2d"].via == "fetch"


def test_machinery_outside_rule_bound_code_is_no_concern():
    cells = [NP + "import gc, sys, ctypes, importlib\ngc.collect()\nprint(sys.modules['numpy'].__version__)\n"
             "mod = importlib.import_module('sci' + 'py')\nprint(getattr(np, 'sum'), vars(np)['pi'])",
             "def conv1d(f, g):\n    c = np.zeros(len(f) + len(g) - 1)\n    for a in range(len(f)):\n        c[a:a + len(g)] += f[a] * g\n    return c"]
    assert violations(*cells) == {}


# ----------------------------------------------------------------------------- correct code is never charged


OWN_CONV2D = ("def conv2d(f, g):\n    c = np.zeros((f.shape[0] + g.shape[0] - 1, f.shape[1] + g.shape[1] - 1))\n"
              "    for a in range(f.shape[0]):\n        for b in range(f.shape[1]):\n"
              "            c[a:a + g.shape[0], b:b + g.shape[1]] += f[a, b] * g\n    return c\n")


@pytest.mark.parametrize("cells", [
    # mentions in docstrings, comments and strings
    [NP + 'def conv2d(f, g):\n    """Like scipy.signal.convolve2d(f, g, mode="full"), but by hand (np.convolve is not allowed)."""\n'
     + OWN_CONV2D.split("\n", 1)[1]],
    [NP + OWN_CONV2D.replace("    return c", "    # same as scipy.signal.convolve2d or torch.nn.functional.conv2d\n    return c")],
    [NP + OWN_CONV2D.replace("    return c", "    note = 'checked against scipy.ndimage.correlate and np.correlate'\n    return c")],
    # parameters and locals named like modules, with those modules imported elsewhere
    ["import scipy.signal as signal\nimport torch\nimport cv2", NP + "def conv1d(signal, torch):\n    cv2 = np.zeros(len(signal) + len(torch) - 1)\n"
     "    for a in range(len(signal)):\n        cv2[a:a + len(torch)] += signal[a] * torch\n    return cv2"],
    ["from scipy import signal", NP + "def conv2d(f, g):\n    signal = np.zeros((f.shape[0] + g.shape[0] - 1, f.shape[1] + g.shape[1] - 1))\n"
     "    for a in range(f.shape[0]):\n        for b in range(f.shape[1]):\n            signal[a:a + g.shape[0], b:b + g.shape[1]] += f[a, b] * g\n    return signal"],
    # a comparison cell that imports and calls the library on the student's own results
    [NP + OWN_CONV2D, "from scipy.signal import convolve2d\nimport scipy.signal as signal\nf, g = np.ones((3, 4)), np.arange(6.0).reshape(2, 3)\n"
     "print(np.allclose(conv2d(f, g), convolve2d(f, g)), np.allclose(conv2d(f, g), signal.convolve2d(f, g)))"],
    # a helper with a library-like name, defined after the library import it replaces
    ["from scipy.signal import convolve2d", NP + OWN_CONV2D.replace("def conv2d", "def convolve2d"), "def conv2d(f, g):\n    return convolve2d(f, g)"],
    # loop and comprehension variables, exception names, class attributes
    [NP + "import scipy.signal as signal\ndef conv1d(f, g):\n    return np.array([sum(f[a] * g[i - a] for a in range(len(f)) if 0 <= i - a < len(g))"
     " for signal in [0] for i in range(len(f) + len(g) - 1)])"],
    [NP + "import cv2\nclass Kernel:\n    cv2 = 'not the module'\n    def apply(self, X, K):\n        cv2 = X.copy()\n        return cv2\n"
     "def corr2d(X, K):\n    return Kernel().apply(X, K)[:X.shape[0] - K.shape[0] + 1, :X.shape[1] - K.shape[1] + 1]"],
    # numpy.fft and numpy.lib.stride_tricks are allowed; literal imports of allowed modules too
    ["import importlib\nfft = importlib.import_module('numpy.fft')", NP + "from numpy.lib.stride_tricks import sliding_window_view as windows\n"
     "def corr2d(X, K):\n    return np.einsum('ijab,ab->ij', windows(X, K.shape), K)\n"
     "def conv2d(f, g):\n    s = (f.shape[0] + g.shape[0] - 1, f.shape[1] + g.shape[1] - 1)\n    return fft.irfft2(fft.rfft2(f, s) * fft.rfft2(g, s), s)"],
    # getattr and __dict__ on things that are not modules
    [NP + "def corr2d(X, K, method='sum'):\n    windows = np.lib.stride_tricks.sliding_window_view(X, K.shape)\n"
     "    return getattr(windows * K, method)(axis=(2, 3))"],
    # nonlocal and global names of the student's own
    [NP + "TOTAL = 0\ndef conv1d(f, g):\n    global TOTAL\n    signal = []\n    def add(x):\n        nonlocal signal\n        signal = signal + [x]\n"
     "    for i in range(len(f) + len(g) - 1):\n        add(sum(f[a] * g[i - a] for a in range(len(f)) if 0 <= i - a < len(g)))\n    TOTAL += 1\n    return np.array(signal)"],
])
def test_correct_code_that_mentions_shadows_or_compares_is_not_charged(cells):
    assert violations(*cells) == {}


def test_a_shadowed_module_name_is_charged_only_where_it_is_the_module():
    cells = ["import scipy.signal as signal",
             NP + "def conv1d(f, g, signal=None):\n    return np.zeros(len(f) + len(g) - 1)\n"
             "def conv2d(f, g):\n    return signal.convolve2d(f, g)"]
    found = violations(*cells)
    assert "conv1d" not in found and found["conv2d"].uses == "scipy.signal.convolve2d"


def test_the_solution_and_the_correct_corpus_are_not_charged():
    paths = [ROOT / "solutions" / "conv-math" / "conv-math.ipynb", *sorted((ROOT / "tests" / "submissions" / "correct").glob("*.ipynb"))]
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        cells = [c.source for c in nb.cells if c.cell_type == "code"]
        assert violations(*cells) == {}, path.name


def test_cells_that_do_not_parse_are_skipped_and_magics_are_read():
    cells = ["def broken(:\n", "%matplotlib inline\nimport scipy.signal as sps", "def conv2d(f, g):\n    return sps.convolve2d(f, g)"]
    assert violations(*cells)["conv2d"].uses == "scipy.signal.convolve2d"


@pytest.mark.parametrize("terms", [1500, 2900])
def test_an_expression_of_thousands_of_terms_hides_nothing(terms):
    """Python runs a 2000-term sum; the analysis must read past it (or charge), never give up silently."""
    long_sum = "+".join(["1"] * terms)
    hiding = NP + f"def conv1d(f, g):\n    x = {long_sum}\n    return np.convolve(f, g)\n"
    honest = NP + f"def conv1d(f, g):\n    x = {long_sum}\n    return np.zeros(len(f) + len(g) - 1) + x\n"
    assert violations(hiding)["conv1d"].uses == "numpy.convolve"
    assert violations(honest) == {}


def test_a_cell_shared_by_two_notebooks_is_judged_in_each_notebook_s_own_context():
    """Parsed cells are kept and shared between submissions (the starter's cells recur in every one):
    the same cell is still read with the names each notebook binds, in either order, and again."""
    shared = "def conv1d(f, g):\n    return helper(f, g)"
    library = NP + "def helper(a, b):\n    return np.convolve(a, b)"
    own = "def helper(a, b):\n    return [sum(a[i] * b[k - i] for i in range(len(a)) if 0 <= k - i < len(b)) for k in range(len(a) + len(b) - 1)]"
    for _ in range(2):
        assert violations(library, shared)["conv1d"].uses == "numpy.convolve"
        assert "conv1d" not in violations(own, shared)
        assert violations(shared, library)["conv1d"].uses == "numpy.convolve"  # bound in a later cell: what the tests call
        assert "conv1d" not in violations(shared, own)
