"""Trusted helpers of the hidden tests of conv-math.

Runs only in the grader process, never in the student's kernel.  Holds:
  - reference implementations, written independently of the solution (explicit loops with
    bounds checks, or einsum over a zero-padded copy), so that a slip in one does not hide
    the same slip in the other;
  - case generators with fixed seeds (sizes the student never saw: non-square images,
    rectangular kernels, kernels as large as the image, 1x1, integer and float inputs);
  - known wrong variants (`Mistake`s) per function, which name the likely misconception;
  - small cases, smallest first, for showing the smallest failing input;
  - checks that `autograder.checks` does not have: exact counts, pairs of arrays, sets of
    names, shift equivariance.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from autograder.checks import Mistake, StudentMistake, check_function, describe, diagnose, expect_array, remember, sentence

LAYER_NAMES = ("fc_layer", "offset_layer", "shared_layer", "local_layer")
EQUIVARIANT = frozenset({"shared_layer", "local_layer"})


# ----------------------------------------------------------------------------- references


def _inside(X: np.ndarray, k: int, l: int) -> bool:
    return 0 <= k < X.shape[0] and 0 <= l < X.shape[1]


@remember
def ref_fc_layer(X, W, U):
    h, w = X.shape
    H = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            total = float(U[i, j])
            for k in range(h):
                for l in range(w):
                    total += float(W[i, j, k, l]) * float(X[k, l])
            H[i, j] = total
    return H


def ref_fc_num_weights(h, w):
    return int(h) ** 2 * int(w) ** 2


@remember
def ref_reindex(W):
    h, w = W.shape[0], W.shape[1]
    V = np.zeros((h, w, 2 * h - 1, 2 * w - 1))
    for i in range(h):
        for j in range(w):
            for a in range(-(h - 1), h):
                for b in range(-(w - 1), w):
                    if 0 <= i + a < h and 0 <= j + b < w:
                        V[i, j, a + h - 1, b + w - 1] = W[i, j, i + a, j + b]
    return V


@remember
def ref_offset_layer(X, V, U):
    h, w = X.shape
    H = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            total = float(U[i, j])
            for a in range(-(h - 1), h):
                for b in range(-(w - 1), w):
                    if _inside(X, i + a, j + b):
                        total += float(V[i, j, a + h - 1, b + w - 1]) * float(X[i + a, j + b])
            H[i, j] = total
    return H


def _padded(X: np.ndarray, ph: int, pw: int) -> np.ndarray:
    P = np.zeros((X.shape[0] + 2 * ph, X.shape[1] + 2 * pw))
    P[ph : ph + X.shape[0], pw : pw + X.shape[1]] = X
    return P


def _windows(P: np.ndarray, kh: int, kw: int, oh: int, ow: int) -> np.ndarray:
    """windows[i, j, a, b] = P[i + a, j + b] for the first oh x ow positions."""
    out = np.empty((oh, ow, kh, kw))
    for a in range(kh):
        for b in range(kw):
            out[:, :, a, b] = P[a : a + oh, b : b + ow]
    return out


@remember
def ref_shared_layer(X, V, u):
    h, w = X.shape
    P = _padded(X, h - 1, w - 1)
    return float(u) + np.einsum("ijab,ab->ij", _windows(P, 2 * h - 1, 2 * w - 1, h, w), np.asarray(V, float))


@remember
def ref_expand_shared(V, u, h, w):
    W = np.zeros((h, w, h, w))
    for i in range(h):
        for j in range(w):
            for k in range(h):
                for l in range(w):
                    W[i, j, k, l] = V[k - i + h - 1, l - j + w - 1]
    return W, np.full((h, w), float(u))


def ref_shared_num_weights(h, w):
    return (2 * int(h) - 1) * (2 * int(w) - 1)


@remember
def ref_local_layer(X, V, u):
    h, w = X.shape
    dh, dw = (V.shape[0] - 1) // 2, (V.shape[1] - 1) // 2
    P = _padded(X, dh, dw)
    return float(u) + np.einsum("ijab,ab->ij", _windows(P, V.shape[0], V.shape[1], h, w), np.asarray(V, float))


def ref_local_num_weights(delta):
    return (2 * int(delta) + 1) ** 2


@remember
def ref_corr2d(X, K):
    h, w = X.shape
    kh, kw = K.shape
    Y = np.zeros((h - kh + 1, w - kw + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = sum(float(K[a, b]) * float(X[i + a, j + b]) for a in range(kh) for b in range(kw))
    return Y


@remember
def ref_conv1d(f, g):
    m, n = len(f), len(g)
    c = np.zeros(m + n - 1)
    for i in range(m + n - 1):
        c[i] = sum(float(f[a]) * float(g[i - a]) for a in range(m) if 0 <= i - a < n)
    return c


@remember
def ref_conv2d(f, g):
    (m1, n1), (m2, n2) = f.shape, g.shape
    c = np.zeros((m1 + m2 - 1, n1 + n2 - 1))
    for i in range(c.shape[0]):
        for j in range(c.shape[1]):
            total = 0.0
            for a in range(m1):
                for b in range(n1):
                    if 0 <= i - a < m2 and 0 <= j - b < n2:
                        total += float(f[a, b]) * float(g[i - a, j - b])
            c[i, j] = total
    return c


@remember
def ref_shift(X, di, dj):
    h, w = X.shape
    Y = np.zeros((h, w), dtype=np.asarray(X).dtype)
    for i in range(h):
        for j in range(w):
            if _inside(X, i - di, j - dj):
                Y[i, j] = X[i - di, j - dj]
    return Y


# ----------------------------------------------------------------------------- known mistakes


def _full_corr2d(f, g):
    """Full cross-correlation: what conv2d gives when the kernel is not flipped."""
    return ref_conv2d(f, np.asarray(g)[::-1, ::-1])


def _crop_same(c, shape):
    top, left = (c.shape[0] - shape[0]) // 2, (c.shape[1] - shape[1]) // 2
    return c[top : top + shape[0], left : left + shape[1]]


FC_LAYER_MISTAKES = [
    Mistake("missing bias", "H must add U[i, j] to the weighted sum.", lambda X, W, U: ref_fc_layer(X, W, np.zeros_like(U))),
    Mistake(
        "W indices in the wrong order",
        "[W]_{i,j,k,l} weighs input pixel (k, l) for output pixel (i, j); the sum runs over the last two indices.",
        lambda X, W, U: ref_fc_layer(X, np.transpose(W, (2, 3, 0, 1)), U),
    ),
]

_off_by_one = lambda X, V, U: _offset_layer_shifted(X, V, U, 1)  # noqa: E731

OFFSET_LAYER_MISTAKES = [
    Mistake("missing bias", "H must add U[i, j] to the weighted sum.", lambda X, V, U: ref_offset_layer(X, V, np.zeros_like(U))),
    Mistake(
        "offset sign flipped",
        "offset (a, b) looks at X[i+a, j+b], not X[i-a, j-b].",
        lambda X, V, U: ref_offset_layer(X, V[:, :, ::-1, ::-1], U),
    ),
    Mistake(
        "off by one in the offset index",
        "offset a is stored at index a + h - 1 (so a = -(h-1) is at index 0), not at a + h.",
        _off_by_one,
    ),
    Mistake(
        "off by one in the offset index",
        "offset a is stored at index a + h - 1 (so a = -(h-1) is at index 0), not at a + h.",
        lambda X, V, U: _offset_layer_shifted(X, V, U, -1),
    ),
]


def _offset_layer_shifted(X, V, U, s):
    """offset_layer reading index idx as offset idx - (h-1) - s (an off-by-one in the index)."""
    h, w = X.shape
    H = np.array(U, dtype=float)
    for i in range(h):
        for j in range(w):
            for ia in range(2 * h - 1):
                for ib in range(2 * w - 1):
                    k, l = i + ia - (h - 1) - s, j + ib - (w - 1) - s
                    if _inside(X, k, l):
                        H[i, j] += V[i, j, ia, ib] * X[k, l]
    return H


def _reindex_signed(W, s):
    h, w = W.shape[0], W.shape[1]
    V = np.zeros((h, w, 2 * h - 1, 2 * w - 1))
    for i in range(h):
        for j in range(w):
            for a in range(-(h - 1), h):
                for b in range(-(w - 1), w):
                    if 0 <= i + s * a < h and 0 <= j + s * b < w:
                        V[i, j, a + h - 1, b + w - 1] = W[i, j, i + s * a, j + s * b]
    return V


REINDEX_MISTAKES = [
    Mistake("offset sign flipped", "V[i, j, a+h-1, b+w-1] holds W[i, j, i+a, j+b], with k = i + a (not i - a).", lambda W: _reindex_signed(W, -1)),
    Mistake(
        "rows and columns swapped",
        "the third index of V is the row offset a (length 2h-1), the fourth the column offset b (length 2w-1).",
        lambda W: np.transpose(ref_reindex(np.transpose(W, (1, 0, 3, 2))), (1, 0, 3, 2)),
    ),
]

SHARED_LAYER_MISTAKES = [
    Mistake("missing bias", "H must add the scalar bias u to every pixel.", lambda X, V, u: ref_shared_layer(X, V, 0.0)),
    Mistake("offset sign flipped", "offset (a, b) looks at X[i+a, j+b], not X[i-a, j-b].", lambda X, V, u: ref_shared_layer(X, V[::-1, ::-1], u)),
    Mistake(
        "wraps around the border instead of zero padding",
        "pixels outside the image are zero; they do not come back from the other side.",
        lambda X, V, u: _rolled_layer(X, V, u, X.shape[0] - 1, X.shape[1] - 1),
    ),
]


def _rolled_layer(X, V, u, dh, dw):
    H = np.full(X.shape, float(u))
    for a in range(-dh, dh + 1):
        for b in range(-dw, dw + 1):
            H += V[a + dh, b + dw] * np.roll(X, (-a, -b), axis=(0, 1))
    return H


def _square_kernel_local(X, V, u):
    kh, kw = V.shape
    if kw <= kh:
        raise ValueError("not this mistake")
    return ref_local_layer(X, V[:, :kh], u)


LOCAL_LAYER_MISTAKES = [
    Mistake("missing bias", "H must add the scalar bias u to every pixel.", lambda X, V, u: ref_local_layer(X, V, 0.0)),
    Mistake(
        "wraps around the border instead of zero padding",
        "pixels outside the image are zero; they do not come back from the other side.",
        lambda X, V, u: _rolled_layer(X, V, u, (V.shape[0] - 1) // 2, (V.shape[1] - 1) // 2),
    ),
    Mistake(
        "kernel flipped: this is a true convolution, not the layer's cross-correlation",
        "the layer weighs X[i+a, j+b] with V[a+dh, b+dw]; flipping V belongs to conv2d, not here.",
        lambda X, V, u: ref_local_layer(X, V[::-1, ::-1], u),
    ),
    Mistake(
        "assumes a square kernel (uses dh for both axes)",
        "kernels may be rectangular, of shape (2dh+1, 2dw+1): take dh from V.shape[0] and dw from V.shape[1].",
        _square_kernel_local,
    ),
]

CORR2D_MISTAKES = [
    Mistake(
        "kernel flipped: this is a true convolution",
        "corr2d is the deep-learning 'convolution': Y[i, j] = sum K[a, b] X[i+a, j+b], without flipping K.",
        lambda X, K: ref_corr2d(X, K[::-1, ::-1]),
    ),
    Mistake(
        "output size off by one",
        "a kernel of height kh fits at h - kh + 1 positions (and w - kw + 1 across).",
        lambda X, K: ref_corr2d(X, K)[:-1, :-1],
    ),
    Mistake(
        "'full' size instead of 'valid'",
        "corr2d keeps only positions where the whole kernel lies inside the image: shape (h-kh+1, w-kw+1).",
        lambda X, K: _full_corr2d(X, K),
    ),
]

_NOT_FLIPPED = Mistake(
    "kernel not flipped: this is cross-correlation",
    "convolution pairs f(a, b) with g(i-a, j-b): one of the two is flipped before it slides.",
    lambda f, g: _full_corr2d(f, g),
)

CONV2D_MISTAKES = [
    _NOT_FLIPPED,
    Mistake("kernel not flipped: this is cross-correlation", "convolution pairs f(a, b) with g(i-a, j-b): one of the two is flipped before it slides.", lambda f, g: _full_corr2d(g, f)),
    Mistake("one axis flipped", "flip both axes: g(i-a, j-b), not g(i-a, j+b).", lambda f, g: _one_axis(f, g, 0)),
    Mistake("one axis flipped", "flip both axes: g(i-a, j-b), not g(i+a, j-b).", lambda f, g: _one_axis(f, g, 1)),
    Mistake("'same' size instead of 'full'", "the full convolution has shape (m1+m2-1, n1+n2-1): every overlap counts.", lambda f, g: _crop_same(ref_conv2d(f, g), f.shape)),
    Mistake(
        "'valid' size instead of 'full'",
        "the full convolution has shape (m1+m2-1, n1+n2-1), not only the positions where g fits inside f.",
        lambda f, g: ref_conv2d(f, g)[g.shape[0] - 1 : f.shape[0], g.shape[1] - 1 : f.shape[1]],
    ),
]


def _one_axis(f, g, axis):
    """Flip only along `axis`: rows (axis 0) or columns (axis 1) of g are paired with a plus sign."""
    gg = np.asarray(g)[:, ::-1] if axis == 0 else np.asarray(g)[::-1, :]
    return ref_conv2d(f, gg)


CONV1D_MISTAKES = [
    Mistake(
        "kernel not flipped: this is cross-correlation",
        "convolution pairs f(a) with g(i-a): g is flipped before it slides.",
        lambda f, g: ref_conv1d(f, g[::-1]),
    ),
    Mistake(
        "kernel not flipped: this is cross-correlation",
        "convolution pairs f(a) with g(i-a): g is flipped before it slides.",
        lambda f, g: ref_conv1d(f[::-1], g),
    ),
    Mistake(
        "'same' size instead of 'full'",
        "the full convolution has length len(f) + len(g) - 1.",
        lambda f, g: _crop_same(ref_conv1d(f, g)[None, :], (1, len(f)))[0],
    ),
    Mistake(
        "'valid' size instead of 'full'",
        "the full convolution has length len(f) + len(g) - 1, not only positions where g fits inside f.",
        lambda f, g: ref_conv1d(f, g)[len(g) - 1 : len(f)],
    ),
]

SHIFT_MISTAKES = [
    Mistake(
        "wraps around the border instead of zero padding",
        "pixels pushed out of the image are lost and the uncovered border is zero (np.roll wraps around).",
        lambda X, di, dj: np.roll(X, (di, dj), axis=(0, 1)),
    ),
    Mistake("shift in the wrong direction", "Y[i, j] = X[i - di, j - dj]: a positive di moves the picture down.", lambda X, di, dj: ref_shift(X, -di, -dj)),
    Mistake("rows and columns swapped", "di moves along rows (axis 0), dj along columns (axis 1).", lambda X, di, dj: ref_shift(X, dj, di)),
]


# ----------------------------------------------------------------------------- cases


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def image(r: np.random.Generator, h: int, w: int, integer: bool = False) -> np.ndarray:
    if integer:
        return r.integers(-4, 5, size=(h, w)).astype(np.int64)
    return r.normal(size=(h, w))


def fc_cases(seed=101):
    r = rng(seed)
    out = []
    for h, w in [(2, 3), (4, 2), (3, 5), (5, 4)]:
        out.append((image(r, h, w), r.normal(size=(h, w, h, w)), r.normal(size=(h, w))))
    return out


def fc_int_cases(seed=102):
    r = rng(seed)
    out = [(np.array([[3.0]]), np.array([[[[-2.0]]]]), np.array([[0.5]]))]
    for h, w in [(1, 4), (3, 1), (2, 3)]:
        out.append((image(r, h, w, True), r.integers(-3, 4, size=(h, w, h, w)), r.integers(-3, 4, size=(h, w))))
    return out


def fc_small():
    return [
        {"X": np.array([[1.0, 2.0]]), "W": np.array([[[[1.0, 0.0]], [[0.0, 2.0]]]]), "U": np.array([[1.0, -1.0]])},
        {"X": np.array([[1.0, 2.0], [3.0, 4.0]]), "W": np.arange(16.0).reshape(2, 2, 2, 2), "U": np.ones((2, 2))},
    ]


def reindex_cases(seed=201):
    r = rng(seed)
    return [(r.normal(size=(h, w, h, w)),) for h, w in [(1, 1), (2, 3), (3, 2), (4, 3), (2, 5)]]


def reindex_small():
    return [{"W": np.arange(1.0, 5.0).reshape(1, 2, 1, 2)}, {"W": np.arange(1.0, 5.0).reshape(2, 1, 2, 1)}, {"W": np.arange(16.0).reshape(2, 2, 2, 2)}]


def offset_cases(seed=202):
    r = rng(seed)
    out = []
    for h, w in [(2, 3), (3, 2), (4, 3), (1, 4)]:
        out.append((image(r, h, w), r.normal(size=(h, w, 2 * h - 1, 2 * w - 1)), r.normal(size=(h, w))))
    return out


def offset_small():
    return [
        {"X": np.array([[1.0, 2.0]]), "V": np.array([[[[0.0, 1.0, 2.0]], [[3.0, 4.0, 5.0]]]]), "U": np.zeros((1, 2))},
        {"X": np.array([[1.0], [2.0]]), "V": np.arange(6.0).reshape(2, 1, 3, 1), "U": np.zeros((2, 1))},
    ]


def shared_cases(seed=301):
    r = rng(seed)
    out = [(np.array([[2.0]]), np.array([[3.0]]), -1.0)]
    for h, w in [(2, 3), (3, 2), (4, 5), (5, 3)]:
        out.append((image(r, h, w), r.normal(size=(2 * h - 1, 2 * w - 1)), float(r.normal())))
    h, w = 3, 4
    out.append((image(r, h, w, True), r.integers(-3, 4, size=(2 * h - 1, 2 * w - 1)), 2))
    return out


def shared_small():
    return [
        {"X": np.array([[1.0, 2.0]]), "V": np.array([[1.0, 10.0, 100.0]]), "u": 0.5},
        {"X": np.array([[1.0], [2.0]]), "V": np.array([[1.0], [10.0], [100.0]]), "u": 0.5},
        {"X": np.array([[1.0, 2.0], [3.0, 4.0]]), "V": np.arange(9.0).reshape(3, 3), "u": 1.0},
    ]


def expand_cases(seed=302):
    r = rng(seed)
    out = [(np.array([[2.0]]), 1.5, 1, 1)]
    for h, w in [(2, 3), (3, 2), (3, 4)]:
        out.append((r.normal(size=(2 * h - 1, 2 * w - 1)), float(r.normal()), h, w))
    return out


def local_cases(seed=401):
    r = rng(seed)
    out = []
    # wide kernels first: a code that assumes square kernels is then recognised
    for (h, w), (dh, dw) in [((5, 7), (1, 2)), ((6, 4), (0, 1)), ((4, 6), (2, 1)), ((7, 5), (1, 1)), ((3, 8), (1, 3))]:
        out.append((image(r, h, w), r.normal(size=(2 * dh + 1, 2 * dw + 1)), float(r.normal())))
    out.append((image(r, 5, 6, True), r.integers(-3, 4, size=(3, 5)), 1))
    return out


def local_edge_cases(seed=402):
    r = rng(seed)
    return [
        (np.array([[2.0]]), np.array([[3.0]]), 0.5),  # 1x1 image, 1x1 kernel
        (image(r, 3, 5), r.normal(size=(5, 9)), 0.0),  # kernel larger than the image
        (image(r, 4, 3), r.normal(size=(7, 5)), -1.0),
        (image(r, 2, 6, True), r.integers(-2, 3, size=(3, 11)), 3),
        (image(r, 5, 4), np.array([[1.5]]), 0.25),  # 1x1 kernel: a scaled copy
    ]


def local_small():
    return [
        {"X": np.array([[1.0, 2.0, 3.0]]), "V": np.array([[1.0, 10.0, 100.0]]), "u": 0.0},
        {"X": np.array([[1.0], [2.0], [3.0]]), "V": np.array([[1.0], [10.0], [100.0]]), "u": 0.0},
        {"X": np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), "V": np.array([[1.0, 10.0, 100.0]]), "u": 1.0},
        {"X": np.arange(1.0, 10.0).reshape(3, 3), "V": np.arange(1.0, 10.0).reshape(3, 3), "u": 0.0},
    ]


def corr2d_cases(seed=403):
    r = rng(seed)
    out = []
    for (h, w), (kh, kw) in [((5, 8), (2, 3)), ((7, 4), (3, 2)), ((6, 6), (1, 4)), ((4, 9), (3, 3)), ((8, 5), (4, 1))]:
        out.append((image(r, h, w), r.normal(size=(kh, kw))))
    return out


def corr2d_edge_cases(seed=404):
    r = rng(seed)
    return [
        (np.array([[2.0]]), np.array([[-3.0]])),
        (image(r, 3, 5), r.normal(size=(3, 5))),  # kernel as large as the image: one number
        (image(r, 4, 6, True), r.integers(-3, 4, size=(4, 2))),
        (image(r, 5, 3, True), r.integers(-3, 4, size=(1, 3))),
        (image(r, 3, 4), np.array([[2.0]])),
    ]


def corr2d_small():
    return [
        {"X": np.array([[1.0, 2.0, 3.0]]), "K": np.array([[1.0, 10.0]])},
        {"X": np.array([[1.0], [2.0], [3.0]]), "K": np.array([[1.0], [10.0]])},
        {"X": np.arange(1.0, 7.0).reshape(2, 3), "K": np.array([[1.0, 10.0]])},
        {"X": np.arange(1.0, 10.0).reshape(3, 3), "K": np.array([[1.0, 2.0], [3.0, 4.0]])},
    ]


def conv1d_cases(seed=501):
    r = rng(seed)
    out = [(np.array([2.0]), np.array([-3.0]))]
    for m, n in [(5, 3), (3, 5), (7, 2), (4, 4), (1, 6)]:
        out.append((r.normal(size=m), r.normal(size=n)))
    out.append((r.integers(-4, 5, size=6), r.integers(-4, 5, size=3)))
    return out


def conv1d_small():
    return [
        {"f": np.array([1.0, 2.0]), "g": np.array([1.0, 10.0])},
        {"f": np.array([1.0, 2.0, 3.0]), "g": np.array([1.0, 10.0])},
        {"f": np.array([1.0, 2.0, 3.0]), "g": np.array([1.0, 10.0, 100.0])},
    ]


def conv2d_cases(seed=502):
    r = rng(seed)
    out = []
    for (m1, n1), (m2, n2) in [((4, 6), (2, 3)), ((5, 3), (3, 2)), ((3, 7), (3, 1)), ((6, 5), (2, 4)), ((3, 4), (3, 4))]:
        out.append((r.normal(size=(m1, n1)), r.normal(size=(m2, n2))))
    return out


def conv2d_edge_cases(seed=503):
    r = rng(seed)
    return [
        (np.array([[2.0]]), np.array([[-3.0]])),
        (r.integers(-3, 4, size=(4, 5)), r.integers(-3, 4, size=(2, 3))),
        (r.integers(-3, 4, size=(1, 6)), r.integers(-3, 4, size=(3, 1))),
        (r.normal(size=(3, 4)), np.array([[1.5]])),
        (np.array([[0.5]]), r.normal(size=(2, 5))),
    ]


def conv2d_small():
    return [
        {"f": np.array([[1.0, 2.0]]), "g": np.array([[1.0, 10.0]])},
        {"f": np.array([[1.0], [2.0]]), "g": np.array([[1.0], [10.0]])},
        {"f": np.array([[1.0, 2.0], [3.0, 4.0]]), "g": np.array([[1.0, 10.0]])},
        {"f": np.array([[1.0, 2.0], [3.0, 4.0]]), "g": np.array([[1.0, 10.0], [100.0, 1000.0]])},
    ]


def shift_cases(seed=601):
    r = rng(seed)
    return [
        (image(r, 4, 6), 1, 2),
        (image(r, 5, 3), -2, 1),
        (image(r, 3, 7, True), 2, -3),
        (image(r, 6, 4), 0, -1),
        (image(r, 4, 5), 0, 0),
        (image(r, 3, 3), 5, 0),  # shifted completely out of the image
    ]


def shift_small():
    return [
        {"X": np.array([[1.0, 2.0, 3.0]]), "di": 0, "dj": 1},
        {"X": np.array([[1.0], [2.0], [3.0]]), "di": 1, "dj": 0},
        {"X": np.array([[1.0, 2.0], [3.0, 4.0]]), "di": 1, "dj": 0},
        {"X": np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), "di": -1, "dj": 1},
    ]


# ----------------------------------------------------------------------------- checks


def expect_count(name: str, got: Any, expected: int) -> None:
    """An exact Python int, equal to `expected`; names the usual mistakes with counts."""
    if isinstance(got, (bool, np.bool_)):
        raise StudentMistake(f"{name} returned a bool; expected an exact Python int.")
    if isinstance(got, np.integer) or (isinstance(got, int) and expected >= 2**63 and got != expected and -(2**63) <= got < 2**63):
        raise StudentMistake(
            f"{name} returned {describe(got) if isinstance(got, np.integer) else 'a wrong int for a count above 2**63'}; "
            "numpy integers (np.int64, np.prod, np.square) overflow past 2**63: compute with Python ints.",
            misconception="fixed-width integer overflow",
        )
    if isinstance(got, (float, np.floating)):
        raise StudentMistake(
            f"{name} returned {describe(got)}; a count of weights is an exact Python int "
            "(floats such as 1e12, math.pow or ** 2.0 lose digits beyond 2**53).",
            misconception="float count",
        )
    if not isinstance(got, int):
        raise StudentMistake(f"{name} returned {describe(got)}; expected an exact Python int.")
    if got != expected:
        raise StudentMistake(f"{name} returned {got}; expected {expected}.")


def check_counts(name: str, student: Callable[..., Any], reference: Callable[..., int], cases, *, mistakes=()) -> None:
    """Counts are not secret: the message may show the arguments and the expected number."""
    for args in cases:
        got = student(*args)
        expected = reference(*args)
        call = f"{name}({', '.join(map(repr, args))})"
        try:
            expect_count(call, got, expected)
        except StudentMistake as wrong:
            if wrong.misconception is None:
                for label, explanation, compute in mistakes:
                    if isinstance(got, int) and got == compute(*args):
                        raise StudentMistake(f"{sentence(explanation)} ({wrong.message})", misconception=label) from None
            raise


def expect_pair(name: str, got: Any, expected: tuple[np.ndarray, np.ndarray]) -> None:
    """`got` is a pair (W, U) of arrays equal to `expected`."""
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        raise StudentMistake(f"{name} returned {describe(got)}; expected a pair (W, U) of numpy arrays.")
    expect_array(f"{name}[0] (W)", got[0], expected[0])
    expect_array(f"{name}[1] (U)", got[1], expected[1])


EXPAND_MISTAKES = [
    Mistake("U not filled with u", "U is the (h, w) array whose every entry is the shared bias u.", lambda V, u, h, w: ("U", ref_expand_shared(V, 0.0, h, w)[1])),
    Mistake("offset sign flipped", "W[i, j, k, l] = V[k-i+h-1, l-j+w-1], since the offset is a = k - i.", lambda V, u, h, w: ("W", ref_expand_shared(V[::-1, ::-1], u, h, w)[0])),
]


def check_expand_shared(student, cases, small) -> None:
    for V, u, h, w in cases:
        expected = ref_expand_shared(V, u, h, w)
        got = student(V, u, h, w)
        try:
            expect_pair("expand_shared", got, expected)
        except StudentMistake as wrong:
            label = None
            for m in EXPAND_MISTAKES:
                part, wrong_value = m.compute(V, u, h, w)
                if isinstance(got, (tuple, list)) and len(got) == 2:
                    from autograder.checks import matches

                    if matches(got[0 if part == "W" else 1], wrong_value):
                        label = m
                        break
            message = f"{wrong.message[:-1]} for a {h}x{w} image."
            if label is not None:
                message = f"{sentence(label.explanation)} ({message})"
            raise StudentMistake(message, misconception=label.label if label else None) from None


def check_names(got: Any) -> None:
    if not isinstance(got, (set, frozenset, list, tuple)):
        raise StudentMistake(f"equivariant_layers is {describe(got)}; expected a set, list or tuple of layer names.")
    names = set(got)
    unknown = sorted(str(n) for n in names if n not in LAYER_NAMES)
    if unknown:
        raise StudentMistake(f"equivariant_layers contains {unknown}; the names to choose from are {list(LAYER_NAMES)}.")
    reasons = {
        "fc_layer": ("fc_layer is not equivariant", "its weights W[i, j, k, l] and bias U[i, j] depend on the position (i, j), so a shifted input meets different weights."),
        "offset_layer": ("offset_layer is not equivariant", "re-indexing alone changes nothing: V[i, j, a, b] still depends on (i, j); only sharing V over positions makes the layer equivariant."),
    }
    for name in ("fc_layer", "offset_layer"):
        if name in names:
            label, why = reasons[name]
            raise StudentMistake(f"{label}: {why}", misconception=label)
    for name, why in (
        ("shared_layer", "the same V and u are used at every position (i, j), so shifting X shifts H."),
        ("local_layer", "locality only sets far weights to zero; the kernel is still shared over positions, so the layer stays equivariant."),
    ):
        if name not in names:
            label = f"{name} is equivariant"
            raise StudentMistake(f"{label}: {why}", misconception=label)


def embed(r: np.random.Generator, h: int, w: int, margin: int, integer: bool = False) -> np.ndarray:
    """An (h, w) image that is zero within `margin` of its border, so a shift by up to `margin` loses nothing."""
    X = np.zeros((h, w), dtype=np.int64 if integer else float)
    X[margin : h - margin, margin : w - margin] = image(r, h - 2 * margin, w - 2 * margin, integer)
    return X


def check_shift_equivariant(name: str, layer: Callable[[np.ndarray], Any], X: np.ndarray, di: int, dj: int, what: str) -> None:
    """layer(shift(X)) equals shift(layer(X)) wherever both are defined (away from the border).

    X must be zero near its border so that the shift loses no pixel.
    """
    H = layer(X)
    H_shifted = layer(ref_shift(X, di, dj))
    for got in (H, H_shifted):
        if not isinstance(got, np.ndarray) or got.shape != X.shape:
            raise StudentMistake(f"{name} returned {describe(got)} for an input of shape {X.shape}; expected an array of that shape.")
    h, w = X.shape
    rows = slice(max(di, 0), h + min(di, 0))
    cols = slice(max(dj, 0), w + min(dj, 0))
    src_rows = slice(max(-di, 0), h - max(di, 0))
    src_cols = slice(max(-dj, 0), w - max(dj, 0))
    if not np.allclose(H_shifted[rows, cols], H[src_rows, src_cols], rtol=1e-6, atol=1e-8):
        raise StudentMistake(
            f"Shifting the input of {name} by ({di}, {dj}) did not shift its output by ({di}, {dj}) {what}: "
            "a layer that uses the same weights at every position must be equivariant. "
            "Check that the weights do not depend on (i, j) and that pixels outside the image count as zero.",
            misconception="not shift-equivariant",
        )


def expect_full_shape(call: str, got: Any, s1: tuple, s2: tuple) -> None:
    """`got` is a numeric array of the full convolution shape of arrays of shapes s1 and s2."""
    full = (s1[0] + s2[0] - 1, s1[1] + s2[1] - 1)
    if not isinstance(got, np.ndarray) or got.dtype.kind not in "biuf":
        raise StudentMistake(f"{call} returned {describe(got)}; expected a numeric numpy array of shape {full}.")
    if got.shape != full:
        label = None
        if got.shape in (tuple(s1), tuple(s2)):
            label = "'same' size instead of 'full'"
        elif got.shape == (abs(s1[0] - s2[0]) + 1, abs(s1[1] - s2[1]) + 1):
            label = "'valid' size instead of 'full'"
        raise StudentMistake(f"{call} with f of shape {tuple(s1)} and g of shape {tuple(s2)} returned shape {got.shape}; expected the full shape {full}.", misconception=label)


def expect_close_arrays(name: str, got: Any, expected: Any, message: str, misconception: str | None = None) -> None:
    """Compare two student outputs with each other (an algebraic identity)."""
    if not isinstance(expected, np.ndarray) or expected.dtype.kind not in "biuf":
        raise StudentMistake(f"{name} returned {describe(expected)}; expected a numeric numpy array.")
    if not isinstance(got, np.ndarray) or got.dtype.kind not in "biuf":
        raise StudentMistake(f"{name} returned {describe(got)}; expected a numeric numpy array.")
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-6, atol=1e-8):
        raise StudentMistake(message, misconception=misconception)


__all__ = [name for name in dir() if not name.startswith("_")] + ["check_function", "diagnose", "expect_array"]
