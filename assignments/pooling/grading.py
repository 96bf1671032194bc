"""Trusted helpers of the hidden tests of the pooling assignment.

Runs only in the grader process, never in the student's sandbox.  Holds:
  - reference implementations written independently of the solution (explicit loops over every
    window, skipping the padding, instead of the solution's padded copy and slicing);
  - case generators with fixed seeds (channel counts, rectangular windows, strides that differ
    from the window, padding, integer maps, windows as large as the padded map);
  - known wrong variants (`Mistake`s) that name the likely misconception;
  - small cases, smallest first, for the smallest failing input on the feedback page;
  - the feature maps of `feature_maps.npy` (the data file the notebook reads), read here from the
    assignment's own folder.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any, Callable

import numpy as np

from autograder.checks import (
    Mistake,
    StudentMistake,
    check_function,
    describe,
    expect_array,
    expect_exact_int,
    expect_implemented,
    remember,
    sentence,
)

DATA_FILE = Path(__file__).resolve().parent / "feature_maps.npy"
SHAPE_RULE = "(C, (H + 2*ph - kh)//sh + 1, (W + 2*pw - kw)//sw + 1)"


def feature_maps() -> np.ndarray:
    """The (C, H, W) feature maps the notebook loads from feature_maps.npy (a fresh copy)."""
    return np.load(DATA_FILE, allow_pickle=False)


def _pair(value: Any) -> tuple[int, int]:
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    first, second = value
    return int(first), int(second)


def _geometry(size, stride, padding) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    window = _pair(size)
    return window, _pair(window if stride is None else stride), _pair(padding)


# ----------------------------------------------------------------------------- references


def ref_pool_output_shape(h, w, size, stride=None, padding=0) -> tuple[int, int]:
    (kh, kw), (sh, sw), (ph, pw) = _geometry(size, stride, padding)
    rows = [top for top in range(-ph, h + ph - kh + 1, sh)]
    cols = [left for left in range(-pw, w + pw - kw + 1, sw)]
    return len(rows), len(cols)


def _windows(h, w, size, stride, padding):
    """(output row, output column, the in-image rows and columns of its window, window area)."""
    (kh, kw), (sh, sw), (ph, pw) = _geometry(size, stride, padding)
    for i, top in enumerate(range(-ph, h + ph - kh + 1, sh)):
        for j, left in enumerate(range(-pw, w + pw - kw + 1, sw)):
            rows = [r for r in range(top, top + kh) if 0 <= r < h]
            cols = [c for c in range(left, left + kw) if 0 <= c < w]
            yield i, j, rows, cols, kh * kw


@remember
def ref_max_pool2d(X, size, stride=None, padding=0):
    channels, h, w = X.shape
    out = np.zeros((channels, *ref_pool_output_shape(h, w, size, stride, padding)))
    for i, j, rows, cols, _area in _windows(h, w, size, stride, padding):
        for c in range(channels):
            out[c, i, j] = max(float(X[c, r, s]) for r in rows for s in cols)
    return out


@remember
def ref_avg_pool2d(X, size, stride=None, padding=0):
    channels, h, w = X.shape
    out = np.zeros((channels, *ref_pool_output_shape(h, w, size, stride, padding)))
    for i, j, rows, cols, area in _windows(h, w, size, stride, padding):
        for c in range(channels):
            out[c, i, j] = math.fsum(float(X[c, r, s]) for r in rows for s in cols) / area
    return out


# ----------------------------------------------------------------------------- known mistakes


def _zero_padded(X, padding):
    ph, pw = _pair(padding)
    P = np.zeros((X.shape[0], X.shape[1] + 2 * ph, X.shape[2] + 2 * pw))
    P[:, ph : ph + X.shape[1], pw : pw + X.shape[2]] = X
    return P


def _max_zero_padding(X, size, stride=None, padding=0):
    if _pair(padding) == (0, 0):
        raise ValueError("not this mistake without padding")
    window = _pair(size)
    return ref_max_pool2d(_zero_padded(X, padding), size, window if stride is None else stride, 0)


def _ceil_mode(reference: Callable[..., np.ndarray]):
    """The pooling with partial windows kept at the bottom and right (ceil instead of floor)."""

    def pooled(X, size, stride=None, padding=0):
        (kh, kw), (sh, sw), (ph, pw) = _geometry(size, stride, padding)
        h, w = X.shape[1:]
        extra_h = (-(h + 2 * ph - kh)) % sh
        extra_w = (-(w + 2 * pw - kw)) % sw
        if not extra_h and not extra_w:
            raise ValueError("not this mistake when every window fits")
        grown = np.full((X.shape[0], h + extra_h, w + extra_w), -np.inf if reference is ref_max_pool2d else 0.0)
        grown[:, :h, :w] = X
        return reference(grown, size, stride, padding)

    return pooled


def _stride_one(reference):
    def pooled(X, size, stride=None, padding=0):
        if _geometry(size, stride, padding)[1] == (1, 1):
            raise ValueError("not this mistake when the stride is 1")
        return reference(X, size, 1, padding)

    return pooled


def _padding_ignored(reference):
    def pooled(X, size, stride=None, padding=0):
        if _pair(padding) == (0, 0):
            raise ValueError("not this mistake without padding")
        return reference(X, size, stride, 0)

    return pooled


def _window_transposed(reference):
    def pooled(X, size, stride=None, padding=0):
        kh, kw = _pair(size)
        if kh == kw:
            raise ValueError("not this mistake for a square window")
        return reference(X, (kw, kh), (kw, kh) if stride is None else stride, padding)

    return pooled


def _channels_last(reference):
    """X read as (H, W, C): the first two axes pooled, the last kept (channels-last code)."""

    def pooled(X, size, stride=None, padding=0):
        return np.moveaxis(reference(np.moveaxis(X, 2, 0), size, stride, padding), 0, 2)

    return pooled


def _avg_without_padding(X, size, stride=None, padding=0):
    if _pair(padding) == (0, 0):
        raise ValueError("not this mistake without padding")
    channels, h, w = X.shape
    out = np.zeros((channels, *ref_pool_output_shape(h, w, size, stride, padding)))
    for i, j, rows, cols, _area in _windows(h, w, size, stride, padding):
        for c in range(channels):
            out[c, i, j] = np.mean([X[c, r, s] for r in rows for s in cols])
    return out


def _window_sum(X, size, stride=None, padding=0):
    kh, kw = _pair(size)
    return ref_avg_pool2d(X, size, stride, padding) * (kh * kw)


_SHARED = [
    ("stride ignored: windows step by one pixel",
     "the windows move `stride` pixels at a time (by default as many as the window is wide), not one", _stride_one),
    ("padding ignored", "`padding` adds that many pixels on every side before the windows are placed", _padding_ignored),
    ("partial windows kept (ceil instead of floor)",
     "a window that would reach past the padded map is dropped: the output has (H + 2p - k)//s + 1 rows", _ceil_mode),
    ("window height and width swapped", "size=(kh, kw) is kh rows by kw columns", _window_transposed),
    ("channels read as the last axis",
     "feature maps are channels first, (C, H, W): pool over the last two axes, once per channel", _channels_last),
]

MAX_POOL_MISTAKES = [Mistake(label, explanation, make(ref_max_pool2d)) for label, explanation, make in _SHARED] + [
    Mistake("zero padding in max pooling",
            "the padding of max pooling never wins: pad with -inf (or skip it), since a window of negative values "
            "has a negative maximum", _max_zero_padding),
]
AVG_POOL_MISTAKES = [Mistake(label, explanation, make(ref_avg_pool2d)) for label, explanation, make in _SHARED] + [
    Mistake("padding left out of the mean",
            "average pooling counts the zero padding: every window's sum is divided by kh*kw, even at the border",
            _avg_without_padding),
    Mistake("window sum instead of mean", "divide each window's sum by the window's area kh*kw", _window_sum),
]
SHAPE_MISTAKES = [
    ("partial windows kept (ceil instead of floor)", "the output has (H + 2p - k)//s + 1 rows: a window past the border is dropped",
     lambda h, w, size, stride=None, padding=0: _ceil_shape(h, w, size, stride, padding)),
    ("padding on one side only", "padding is added on both sides: H + 2p rows in all",
     lambda h, w, size, stride=None, padding=0: _one_side_shape(h, w, size, stride, padding)),
    ("stride ignored: windows step by one pixel", "the windows move `stride` pixels at a time (by default the window's size)",
     lambda h, w, size, stride=None, padding=0: ref_pool_output_shape(h, w, size, 1, padding)),
]


def _ceil_shape(h, w, size, stride, padding):
    (kh, kw), (sh, sw), (ph, pw) = _geometry(size, stride, padding)
    return -(-(h + 2 * ph - kh) // sh) + 1, -(-(w + 2 * pw - kw) // sw) + 1


def _one_side_shape(h, w, size, stride, padding):
    (kh, kw), (sh, sw), (ph, pw) = _geometry(size, stride, padding)
    return (h + ph - kh) // sh + 1, (w + pw - kw) // sw + 1


# ----------------------------------------------------------------------------- cases


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def maps(r: np.random.Generator, channels: int, h: int, w: int, *, integer: bool = False) -> np.ndarray:
    """Random feature maps, negative values included (they reveal padding that wins a maximum)."""
    if integer:
        return r.integers(-9, 10, size=(channels, h, w))
    return np.round(r.normal(size=(channels, h, w)), 3)


def pool_cases(seed: int) -> list[tuple]:
    """(X, size, stride, padding): channels 1 to 4, rectangular windows, strides unlike the window."""
    r = rng(seed)
    cases = [(maps(r, 3, 6, 8), 2, None, 0), (maps(r, 1, 7, 5), 3, 2, 0), (maps(r, 2, 9, 7), (3, 2), (2, 1), 0),
             (maps(r, 4, 5, 6), (2, 3), None, 0), (maps(r, 2, 8, 8), 3, 3, 0)]
    for _ in range(6):
        kh, kw = int(r.integers(1, 4)), int(r.integers(1, 4))
        sh, sw = int(r.integers(1, 4)), int(r.integers(1, 4))
        h, w = int(r.integers(kh, 11)), int(r.integers(kw, 11))
        cases.append((maps(r, int(r.integers(1, 4)), h, w), (kh, kw), (sh, sw), 0))
    return cases


def padding_cases(seed: int) -> list[tuple]:
    """Padding of at most half the window, on maps of negative values too."""
    r = rng(seed)
    cases = [(maps(r, 2, 5, 5) - 3.0, 3, 2, 1), (maps(r, 1, 4, 6), 2, 2, 1), (maps(r, 3, 7, 4) - 2.0, (3, 2), (2, 2), (1, 1)),
             (maps(r, 2, 6, 7), (5, 3), (1, 2), (2, 1)), (-np.abs(maps(r, 1, 3, 3)), 3, 1, 1)]
    for _ in range(4):
        kh, kw = int(r.integers(2, 6)), int(r.integers(2, 6))
        ph, pw = int(r.integers(0, kh // 2 + 1)), int(r.integers(0, kw // 2 + 1))
        h, w = int(r.integers(max(1, kh - 2 * ph), 10)), int(r.integers(max(1, kw - 2 * pw), 10))
        cases.append((maps(r, int(r.integers(1, 4)), h, w) - 1.0, (kh, kw), (int(r.integers(1, 4)), int(r.integers(1, 4))), (ph, pw)))
    return cases


def edge_cases(seed: int) -> list[tuple]:
    """Integer maps, a 1x1 window, a window as large as the map (global pooling), one pixel maps."""
    r = rng(seed)
    return [(maps(r, 2, 4, 4, integer=True), 2, None, 0), (maps(r, 3, 5, 3, integer=True), (2, 3), 1, 0),
            (maps(r, 2, 3, 4), 1, None, 0), (maps(r, 3, 6, 5), (6, 5), None, 0), (maps(r, 1, 1, 1), 1, None, 0),
            (maps(r, 2, 4, 6, integer=True), (4, 6), None, (0, 0)), (maps(r, 1, 2, 2, integer=True), 3, 1, 1)]


def small_cases(seed: int) -> list[dict[str, Any]]:
    """Small inputs, smallest first, as keyword dicts (shown on the feedback page as heatmaps)."""
    r = rng(seed)
    cases = []
    for channels, h, w, size, stride, padding in [
        (1, 2, 2, 2, None, 0), (2, 2, 2, 2, None, 0), (1, 3, 3, 2, 1, 0), (2, 4, 4, 2, None, 0),
        (1, 3, 3, 3, 2, 1), (2, 3, 3, 2, 2, 1), (2, 3, 4, (2, 3), (1, 1), 0), (2, 4, 5, 3, 2, 0),
        (2, 5, 5, 3, 2, 1), (2, 4, 6, (2, 3), (2, 2), (1, 1)),
    ]:
        X = r.integers(-5, 6, size=(channels, h, w)).astype(float)
        cases.append({"X": X, "size": size, "stride": stride, "padding": padding})
    return cases


def shape_cases() -> list[tuple]:
    return [(6, 8, 2), (5, 5, 3, 2, 1), (7, 10, (3, 2), (2, 3), (1, 0)), (9, 4, 4, 3, 0), (1, 1, 1), (11, 13, 5, 4, 2),
            (32, 32, 3, 1, 1), (224, 224, 2), (13, 9, (4, 2), None, (2, 1))]


# ----------------------------------------------------------------------------- checks


def check_output_shape(student: Callable[..., Any], cases) -> None:
    """pool_output_shape(*case) is a pair of exact ints; shapes are not secret, so the message shows them."""
    for args in cases:
        expected = ref_pool_output_shape(*args)
        call = f"pool_output_shape({', '.join(map(repr, args))})"
        got = student(*args)
        expect_implemented(call, got)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise StudentMistake(f"{call} returned {describe(got)}; expected a pair (rows, columns) of ints.")
        try:
            for part, value, want in zip(("rows", "columns"), got, expected):
                expect_exact_int(f"{call}'s {part}", value, want)
        except StudentMistake as wrong:
            if all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in got):
                pair = tuple(int(v) for v in got)
                for label, explanation, compute in SHAPE_MISTAKES:
                    if pair == compute(*args) != expected:
                        raise StudentMistake(f"{sentence(explanation)} ({call} returned {pair}; expected {expected}).",
                                             misconception=label) from None
            raise StudentMistake(f"{call} returned {tuple(got)}; expected {expected}.", misconception=wrong.misconception) from None


expect_maps = functools.partial(expect_array, shape_hint=SHAPE_RULE)


def check_pooling(name: str, student, reference, mistakes, cases, *, what: str) -> None:
    check_function(name, student, reference, cases, mistakes=mistakes, small_cases=small_cases(7),
                   check=expect_maps, what=what)


def check_pooled_features(env) -> None:
    """`features` in the notebook is still the data file's content, and `pooled` is the student's own
    `max_pool2d` applied to it with 2 x 2 windows: a mistake inside max_pool2d is charged by question 2's
    tests, not again here (a max_pool2d that returns no feature maps is said to be unfinished)."""
    data = feature_maps()
    features = env["features"]
    if not isinstance(features, np.ndarray) or features.shape != data.shape or not np.array_equal(features, data):
        raise StudentMistake(f"features is {describe(features)} that is not the content of feature_maps.npy "
                             f"(shape {data.shape}): load it with np.load and do not change it.")
    yours = env["max_pool2d"](data, 2)
    if not (isinstance(yours, np.ndarray) and yours.ndim == 3):
        raise StudentMistake("max_pool2d(features, 2) does not return feature maps yet, so pooled cannot be checked: "
                             "finish question 2 first.")
    expect_array("pooled", env["pooled"], yours, shape_hint="the shape max_pool2d(features, 2) returns")


def check_strongest_channel(env) -> None:
    """`strongest_channel` is the index of the channel with the largest mean (global average pooling)."""
    data = feature_maps()
    expected = int(np.argmax(data.mean(axis=(1, 2))))
    got = env["strongest_channel"]
    expect_implemented("strongest_channel", got)
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
        raise StudentMistake(f"strongest_channel is {describe(got)}; expected the channel's index, an int.")
    if int(got) == int(np.argmax(data.max(axis=(1, 2)))) != expected:
        raise StudentMistake("strongest_channel is the channel with the largest single value, not the largest mean: "
                             "global average pooling averages every pixel of a channel.",
                             misconception="global max instead of global average")
    if int(got) != expected:
        raise StudentMistake(f"strongest_channel is {int(got)}, which is not the channel whose mean is largest.")
