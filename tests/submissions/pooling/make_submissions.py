"""Generate the pooling assignment's graded notebooks from its built student and solution notebooks.

    .venv/bin/python tests/submissions/pooling/make_submissions.py

examples/  what a TA would find in a class folder: the solution with a written answer, the untouched
           notebook, and students with a couple of mistakes each (graded in `make test`, and by
           `make grade ASSIGNMENT=assignments/pooling SUBMISSIONS=tests/submissions/pooling/examples`).
mutants/   one plausible mistake each; `mutants/manifest.toml` (written by hand) names the hidden tests
           that must catch it and the misconception its feedback must name.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from make_corpus import _defined_names, replace_definition, write  # noqa: E402

ROOT = HERE.parents[2]
STUDENT = ROOT / "assignments" / "pooling" / "student" / "pooling.ipynb"
SOLUTION = ROOT / "solutions" / "pooling" / "pooling.ipynb"

WRITTEN_ANSWER = (
    "Shifting the features one pixel to the right changes the pooled map only where a window's maximum "
    "crosses into the next 2 x 2 window; where it stays inside its window the pooled value is the same. "
    "So max pooling is invariant to small shifts only for some positions, and a shift by the stride just "
    "moves the pooled map by one pixel. Average pooling is better when the amount of a pattern matters, "
    "as in global average pooling. A stride larger than the window skips pixels entirely."
)


def filled_notebook() -> nbformat.NotebookNode:
    """The student notebook with every answer cell filled in from the solution notebook."""
    student = nbformat.read(STUDENT, as_version=4)
    solution = nbformat.read(SOLUTION, as_version=4)
    answers = [c.source for c in solution.cells
               if c.cell_type == "code" and "otter_assign_solution_cell" in c.metadata.get("tags", [])]
    for cell in student.cells:
        if "otter_answer_cell" not in cell.metadata.get("tags", []):
            continue
        if cell.cell_type == "markdown":
            cell.source = WRITTEN_ANSWER
            continue
        wanted = _defined_names(cell.source)
        cell.source = next(a for a in answers if _defined_names(a) == wanted)
    return student


# file stem -> {name: new source}; one plausible mistake each
MUTANTS: dict[str, dict[str, str]] = {
    "max_zero_padding": {"max_pool2d": '''
        def max_pool2d(X, size, stride=None, padding=0):
            """Max pooling, padding with zeros like np.pad does by default."""
            kh, kw = (size, size) if np.isscalar(size) else size
            sh, sw = (kh, kw) if stride is None else ((stride, stride) if np.isscalar(stride) else stride)
            ph, pw = (padding, padding) if np.isscalar(padding) else padding
            rows, cols = pool_output_shape(X.shape[1], X.shape[2], (kh, kw), (sh, sw), (ph, pw))
            P = np.pad(np.asarray(X, dtype=float), ((0, 0), (ph, ph), (pw, pw)))
            out = np.empty((X.shape[0], rows, cols))
            for i in range(rows):
                for j in range(cols):
                    out[:, i, j] = P[:, i * sh : i * sh + kh, j * sw : j * sw + kw].max(axis=(1, 2))
            return out
    '''},
    "max_stride_ignored": {"max_pool2d": '''
        def max_pool2d(X, size, stride=None, padding=0):
            """Max pooling: the window slides one pixel at a time."""
            kh, kw = (size, size) if np.isscalar(size) else size
            ph, pw = (padding, padding) if np.isscalar(padding) else padding
            P = np.pad(np.asarray(X, dtype=float), ((0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
            rows, cols = P.shape[1] - kh + 1, P.shape[2] - kw + 1
            out = np.empty((X.shape[0], rows, cols))
            for i in range(rows):
                for j in range(cols):
                    out[:, i, j] = P[:, i : i + kh, j : j + kw].max(axis=(1, 2))
            return out
    '''},
    "max_channels_last": {"max_pool2d": '''
        def max_pool2d(X, size, stride=None, padding=0):
            """Max pooling of images stored (H, W, C), as image libraries store them."""
            kh, kw = (size, size) if np.isscalar(size) else size
            sh, sw = (kh, kw) if stride is None else ((stride, stride) if np.isscalar(stride) else stride)
            ph, pw = (padding, padding) if np.isscalar(padding) else padding
            rows, cols = pool_output_shape(X.shape[0], X.shape[1], (kh, kw), (sh, sw), (ph, pw))
            P = np.pad(np.asarray(X, dtype=float), ((ph, ph), (pw, pw), (0, 0)), constant_values=-np.inf)
            out = np.empty((rows, cols, X.shape[2]))
            for i in range(rows):
                for j in range(cols):
                    out[i, j] = P[i * sh : i * sh + kh, j * sw : j * sw + kw].max(axis=(0, 1))
            return out
    '''},
    "avg_padding_excluded": {"avg_pool2d": '''
        def avg_pool2d(X, size, stride=None, padding=0):
            """Average pooling over the pixels of each window that are inside the map."""
            kh, kw = (size, size) if np.isscalar(size) else size
            sh, sw = (kh, kw) if stride is None else ((stride, stride) if np.isscalar(stride) else stride)
            ph, pw = (padding, padding) if np.isscalar(padding) else padding
            rows, cols = pool_output_shape(X.shape[1], X.shape[2], (kh, kw), (sh, sw), (ph, pw))
            out = np.empty((X.shape[0], rows, cols))
            for i in range(rows):
                for j in range(cols):
                    top, left = i * sh - ph, j * sw - pw
                    window = X[:, max(top, 0) : top + kh, max(left, 0) : left + kw]
                    out[:, i, j] = window.mean(axis=(1, 2))
            return out
    '''},
    "avg_integer_truncates": {"avg_pool2d": '''
        def avg_pool2d(X, size, stride=None, padding=0):
            """Average pooling into an output of the input's dtype."""
            kh, kw = (size, size) if np.isscalar(size) else size
            sh, sw = (kh, kw) if stride is None else ((stride, stride) if np.isscalar(stride) else stride)
            ph, pw = (padding, padding) if np.isscalar(padding) else padding
            rows, cols = pool_output_shape(X.shape[1], X.shape[2], (kh, kw), (sh, sw), (ph, pw))
            P = np.pad(X, ((0, 0), (ph, ph), (pw, pw)))
            out = np.zeros((X.shape[0], rows, cols), dtype=X.dtype)
            for i in range(rows):
                for j in range(cols):
                    out[:, i, j] = P[:, i * sh : i * sh + kh, j * sw : j * sw + kw].sum(axis=(1, 2)) / (kh * kw)
            return out
    '''},
    "avg_sliding_window_view": {"avg_pool2d": '''
        def avg_pool2d(X, size, stride=None, padding=0):
            """Average pooling with numpy's window view."""
            from numpy.lib.stride_tricks import sliding_window_view
            kh, kw = (size, size) if np.isscalar(size) else size
            sh, sw = (kh, kw) if stride is None else ((stride, stride) if np.isscalar(stride) else stride)
            ph, pw = (padding, padding) if np.isscalar(padding) else padding
            P = np.pad(np.asarray(X, dtype=float), ((0, 0), (ph, ph), (pw, pw)))
            windows = sliding_window_view(P, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
            return windows.mean(axis=(-2, -1))
    '''},
    "strongest_by_global_max": {"strongest_channel": '''
        strongest_channel = int(np.argmax(features.max(axis=(1, 2))))
    '''},
}

# examples: a TA's class folder (stem -> {name: new source}, with the mutants' sources reused)
EXAMPLES: dict[str, dict[str, str]] = {
    "ana": {},
    "ben": {**MUTANTS["max_zero_padding"], **MUTANTS["avg_padding_excluded"]},
    "chloe": {**MUTANTS["max_stride_ignored"], **MUTANTS["strongest_by_global_max"]},
    "dan": MUTANTS["avg_sliding_window_view"],
}


# attacks a clever student would try on what this assignment adds (each must gain nothing)
ADVERSARIAL: dict[str, dict[str, str]] = {
    # replace the data file in the sandbox with one whose pooling is trivial, and read that
    "rewrites_the_data_file": {"strongest_channel": '''
        np.save("feature_maps.npy", np.zeros((3, 12, 16)))
        features = np.load("feature_maps.npy")
        pooled = np.zeros((3, 6, 8))
        strongest_channel = 0
    '''},
    # a name `env` of its own, in the hope that tests taking `env` read it instead of the namespace
    "defines_env": {"strongest_channel": '''
        env = {"pooled": np.zeros((3, 6, 8)), "features": np.zeros((3, 12, 16)), "strongest_channel": 0}
        strongest_channel = 2
    '''},
    # over two thousand names from star imports of every library at hand: env must still find the answers
    # (`pooled`, `strongest_channel` sort after most of them), as the notebook's own self-checks do
    "star_imports_everywhere": {"strongest_channel": '''
        from numpy import *
        from math import *
        from matplotlib.pyplot import *
        from matplotlib.colors import *
        from scipy.special import *
        from scipy.linalg import *
        from scipy.optimize import *
        from scipy.interpolate import *
        from scipy.integrate import *
        from scipy.sparse import *
        from scipy.sparse.linalg import *
        from scipy.spatial import *
        from scipy.fft import *
        from scipy.cluster.vq import *
        from numpy.random import *
        from pandas import *
        from typing import *
        from operator import *
        from itertools import *
        from collections import *
        from statistics import *
        from scipy.sparse.csgraph import *
        from decimal import *
        from cmath import *
        from functools import *
        from string import *
        from heapq import *
        from random import *
        from re import *
        from datetime import *
        from errno import *
        from stat import *
        from socket import *
        strongest_channel = int(np.argmax(features.mean(axis=(1, 2))))
    '''},
    # `pooled` left wrong in the notebook, and max_pool2d rewriting it on every call: the grader's calls in
    # the tests before (and within) question 4 would make it right after the fact
    "calls_rewrite_pooled": {"max_pool2d": '''
        def max_pool2d(X, size, stride=None, padding=0):
            """Max pooling of (C, H, W) feature maps; padded pixels never win."""
            global pooled
            kh, kw = (size, size) if np.isscalar(size) else size
            sh, sw = (kh, kw) if stride is None else ((stride, stride) if np.isscalar(stride) else stride)
            ph, pw = (padding, padding) if np.isscalar(padding) else padding
            rows, cols = pool_output_shape(X.shape[1], X.shape[2], (kh, kw), (sh, sw), (ph, pw))
            P = np.pad(np.asarray(X, dtype=float), ((0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
            out = np.empty((X.shape[0], rows, cols))
            for i in range(rows):
                for j in range(cols):
                    out[:, i, j] = P[:, i * sh : i * sh + kh, j * sw : j * sw + kw].max(axis=(1, 2))
            pooled = out
            return out
    ''', "pooled": """
        pooled = np.zeros((3, 6, 8))
    """},
    # the forbidden window view reached by a computed name
    "window_view_by_computed_name": {"avg_pool2d": '''
        def avg_pool2d(X, size, stride=None, padding=0):
            """Average pooling."""
            view = getattr(np.lib.stride_tricks, "sliding_" + "window_view")
            kh, kw = (size, size) if np.isscalar(size) else size
            sh, sw = (kh, kw) if stride is None else ((stride, stride) if np.isscalar(stride) else stride)
            ph, pw = (padding, padding) if np.isscalar(padding) else padding
            P = np.pad(np.asarray(X, dtype=float), ((0, 0), (ph, ph), (pw, pw)))
            return view(P, (kh, kw), axis=(1, 2))[:, ::sh, ::sw].mean(axis=(-2, -1))
    '''},
}


def main() -> None:
    for folder, table in (("mutants", MUTANTS), ("examples", EXAMPLES), ("adversarial", ADVERSARIAL)):
        for old in (HERE / folder).glob("*.ipynb"):
            old.unlink()
        for stem, sources in table.items():
            nb = filled_notebook()
            for name, source in sources.items():
                replace_definition(nb, name, source)
            write(nb, HERE / folder / f"{stem}.ipynb")
    blank = nbformat.read(STUDENT, as_version=4)
    write(blank, HERE / "examples" / "eli.ipynb")  # the notebook as downloaded: nothing answered


if __name__ == "__main__":
    main()
