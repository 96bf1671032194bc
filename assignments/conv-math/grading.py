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
    names, shift equivariance; and its `check_function` and `expect_array`, saying what a
    complex result means here (an FFT's real part not kept).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from autograder import checks
from autograder.checks import (
    Mistake,
    StudentMistake,
    describe,
    diagnose,
    expect_exact_int,
    expect_implemented,
    matches,
    remember,
    sentence,
)

# What a complex result is in this assignment: an FFT solution that did not keep the real part.
COMPLEX_HINT = "an inverse FFT returns complex numbers: keep their .real part"


def expect_array(name: str, got: Any, expected: np.ndarray, **options: Any) -> None:
    """`autograder.checks.expect_array`, saying what a complex result means in this assignment."""
    options.setdefault("complex_hint", COMPLEX_HINT)
    checks.expect_array(name, got, expected, **options)


def check_function(name: str, student: Callable[..., Any], reference: Callable[..., Any], cases: Any, **options: Any) -> None:
    """`autograder.checks.check_function`, whose array check says what a complex result means here."""
    options.setdefault("check", expect_array)
    checks.check_function(name, student, reference, cases, **options)

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
    Mistake(
        "wraps around the border instead of zero padding",
        "pixels outside the image are zero: skip offsets that leave the image (a negative index counts from the other end in numpy).",
        lambda X, V, U: _offset_layer_wrapped(X, V, U),
    ),
]


def _offset_layer_wrapped(X, V, U):
    h, w = X.shape
    H = np.array(U, dtype=float)
    for i in range(h):
        for j in range(w):
            for a in range(-(h - 1), h):
                for b in range(-(w - 1), w):
                    H[i, j] += V[i, j, a + h - 1, b + w - 1] * X[(i + a) % h, (j + b) % w]
    return H


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
        "W indices in the wrong order",
        "[W]_{i,j,k,l} weighs input pixel (k, l) for output pixel (i, j): V[i, j, a+h-1, b+w-1] = W[i, j, i+a, j+b].",
        lambda W: ref_reindex(np.transpose(W, (2, 3, 0, 1))),
    ),
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


def _valid_local(X, V, u):
    _not_this(V.shape == (1, 1))
    return float(u) + ref_corr2d(X, V)


def _square_kernel_corr(X, K):
    """kh = K.shape[0] used for both axes (with a wider kernel; a taller one raises an IndexError)."""
    kh, kw = K.shape
    _not_this(kw <= kh)
    return ref_corr2d(X, K[:, :kh])


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
    Mistake(
        "no zero padding: only the positions where the kernel fits",
        "the layer's output has the shape of X: pixels outside the image count as zero (pad X by dh rows and dw columns on each side).",
        _valid_local,
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
    Mistake(
        "assumes a square kernel",
        "kernels may be rectangular: take kh from K.shape[0] and kw from K.shape[1].",
        _square_kernel_corr,
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


def _circular(f, g, shape):
    """What an FFT product gives without zero padding to the full size: a convolution that wraps around."""
    f, g = np.asarray(f, float), np.asarray(g, float)
    if f.ndim == 1:
        return np.real(np.fft.ifft(np.fft.fft(f, shape[0]) * np.fft.fft(g, shape[0])))
    return np.real(np.fft.ifft2(np.fft.fft2(f, shape) * np.fft.fft2(g, shape)))


def _not_this(condition: bool) -> None:
    if condition:
        raise ValueError("this mistake gives the right answer here")


def _circular_of_f(f, g):
    f, g = np.asarray(f), np.asarray(g)
    _not_this(all(n == 1 for n in g.shape))
    return _circular(f, g, f.shape)


def _circular_of_max(f, g):
    f, g = np.asarray(f), np.asarray(g)
    _not_this(all(n == 1 for n in g.shape) or all(n == 1 for n in f.shape))
    return _circular(f, g, tuple(max(a, b) for a, b in zip(f.shape, g.shape)))


_CIRCULAR = ("circular convolution: the FFT was not zero-padded to the full size",
             "the product of FFTs is a convolution that wraps around; pad both to the full size (m1+m2-1, n1+n2-1) first: fft2(f, s), fft2(g, s).")
_ABS = ("abs() of the inverse FFT instead of its real part",
        "np.abs throws the sign of negative values away; the inverse FFT's imaginary part is rounding noise: keep .real.")

CONV2D_MISTAKES += [
    Mistake(*_CIRCULAR, _circular_of_f),
    Mistake(*_CIRCULAR, _circular_of_max),
    Mistake(*_ABS, lambda f, g: np.abs(ref_conv2d(f, g))),
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

CONV1D_MISTAKES += [
    Mistake(*_CIRCULAR, _circular_of_f),
    Mistake(*_CIRCULAR, _circular_of_max),
    Mistake(*_ABS, lambda f, g: np.abs(ref_conv1d(f, g))),
]

SHIFT_MISTAKES = [
    Mistake(
        "wraps around the border instead of zero padding",
        "pixels pushed out of the image are lost and the uncovered border is zero (np.roll wraps around).",
        lambda X, di, dj: np.roll(X, (di, dj), axis=(0, 1)),
    ),
    Mistake("shift in the wrong direction", "Y[i, j] = X[i - di, j - dj]: a positive di moves the picture down.", lambda X, di, dj: ref_shift(X, -di, -dj)),
    Mistake("rows and columns swapped", "the row shift di moves along axis 0 (down), the column shift dj along axis 1 (right).", lambda X, di, dj: ref_shift(X, dj, di)),
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
    """1x1, all-integer, and integers mixed with floats (an integer image or bias with float weights:
    an output made with np.zeros_like(X) or U.copy() would be an integer array)."""
    r = rng(seed)
    out = [(np.array([[3.0]]), np.array([[[[-2.0]]]]), np.array([[0.5]]))]
    for h, w in [(1, 4), (3, 1), (2, 3)]:
        out.append((image(r, h, w, True), r.integers(-3, 4, size=(h, w, h, w)), r.integers(-3, 4, size=(h, w))))
    out.append((image(r, 2, 3, True), r.normal(size=(2, 3, 2, 3)), r.integers(-3, 4, size=(2, 3))))  # int X and U, float W
    out.append((image(r, 3, 2), r.normal(size=(3, 2, 3, 2)), r.integers(-3, 4, size=(3, 2))))  # float X and W, int U
    out.append((image(r, 1, 3, True), r.normal(size=(1, 3, 1, 3)), r.normal(size=(1, 3))))  # int X, float W and U
    return out


def fc_small():
    return [
        {"X": np.array([[1.0, 2.0]]), "W": np.array([[[[1.0, 0.0]], [[0.0, 2.0]]]]), "U": np.array([[1.0, -1.0]])},
        {"X": np.array([[1.0, 2.0], [3.0, 4.0]]), "W": np.arange(16.0).reshape(2, 2, 2, 2), "U": np.ones((2, 2))},
        {"X": np.array([[1, 2]]), "W": np.array([[[[0.5, 0.25]], [[1.5, -0.5]]]]), "U": np.array([[1, 0]])},
        {"X": np.array([[1.0, 2.0]]), "W": np.array([[[[0.5, 0.25]], [[1.5, -0.5]]]]), "U": np.array([[1, 0]])},
    ]


def reindex_cases(seed=201):
    r = rng(seed)
    out = [(r.normal(size=(h, w, h, w)),) for h, w in [(1, 1), (2, 3), (3, 2), (4, 3), (2, 5)]]
    out.append((r.integers(-3, 4, size=(3, 2, 3, 2)),))
    return out


def reindex_small():
    return [{"W": np.arange(1.0, 5.0).reshape(1, 2, 1, 2)}, {"W": np.arange(1.0, 5.0).reshape(2, 1, 2, 1)}, {"W": np.arange(16.0).reshape(2, 2, 2, 2)}]


def offset_cases(seed=202):
    r = rng(seed)
    out = []
    for h, w in [(2, 3), (3, 2), (4, 3), (1, 4)]:
        out.append((image(r, h, w), r.normal(size=(h, w, 2 * h - 1, 2 * w - 1)), r.normal(size=(h, w))))
    out.append((np.array([[2.0]]), np.array([[[[-3.0]]]]), np.array([[0.5]])))  # 1x1
    out.append((image(r, 2, 3, True), r.integers(-3, 4, size=(2, 3, 3, 5)), r.integers(-3, 4, size=(2, 3))))  # integers
    out.append((image(r, 3, 2, True), r.normal(size=(3, 2, 5, 3)), r.integers(-3, 4, size=(3, 2))))  # int X and U, float V
    out.append((image(r, 2, 3), r.normal(size=(2, 3, 3, 5)), r.integers(-3, 4, size=(2, 3))))  # float X and V, int U
    return out


def offset_small():
    return [
        {"X": np.array([[1.0, 2.0]]), "V": np.array([[[[0.0, 1.0, 2.0]], [[3.0, 4.0, 5.0]]]]), "U": np.zeros((1, 2))},
        {"X": np.array([[1.0], [2.0]]), "V": np.arange(6.0).reshape(2, 1, 3, 1), "U": np.zeros((2, 1))},
        {"X": np.array([[1, 2]]), "V": np.array([[[[0.0, 0.5, 0.25]], [[1.5, -0.5, 0.0]]]]), "U": np.array([[1, 0]])},
        {"X": np.array([[1.0, 2.0]]), "V": np.array([[[[0.0, 0.5, 0.25]], [[1.5, -0.5, 0.0]]]]), "U": np.array([[1, 0]])},
    ]


def shared_cases(seed=301):
    r = rng(seed)
    out = [(np.array([[2.0]]), np.array([[3.0]]), -1.0)]
    for h, w in [(2, 3), (3, 2), (4, 5), (5, 3)]:
        out.append((image(r, h, w), r.normal(size=(2 * h - 1, 2 * w - 1)), float(r.normal())))
    h, w = 3, 4
    out.append((image(r, h, w, True), r.integers(-3, 4, size=(2 * h - 1, 2 * w - 1)), 2))
    out.append((image(r, 3, 2, True), r.normal(size=(5, 3)), 1))  # int X and u, float V
    out.append((image(r, 2, 4), r.normal(size=(3, 7)), -2))  # float X and V, int u: np.full((h, w), u) is an integer array
    out.append((image(r, 1, 5), r.normal(size=(1, 9)), 0.5))  # a single row
    return out


def shared_small():
    return [
        {"X": np.array([[1.0, 2.0]]), "V": np.array([[1.0, 10.0, 100.0]]), "u": 0.5},
        {"X": np.array([[1.0], [2.0]]), "V": np.array([[1.0], [10.0], [100.0]]), "u": 0.5},
        {"X": np.array([[1.0, 2.0], [3.0, 4.0]]), "V": np.arange(9.0).reshape(3, 3), "u": 1.0},
        {"X": np.array([[1, 2]]), "V": np.array([[0.5, 0.25, 1.5]]), "u": 1},
        {"X": np.array([[1.0, 2.0]]), "V": np.array([[0.5, 0.25, 1.5]]), "u": 1},
    ]


def expand_cases(seed=302):
    r = rng(seed)
    out = [(np.array([[2.0]]), 1.5, 1, 1)]
    for h, w in [(2, 3), (3, 2), (3, 4)]:
        out.append((r.normal(size=(2 * h - 1, 2 * w - 1)), float(r.normal()), h, w))
    out.append((r.integers(-3, 4, size=(3, 5)), 2, 2, 3))  # integer V and u
    out.append((r.normal(size=(5, 3)), -1, 3, 2))  # float V, integer u
    return out


def local_cases(seed=401):
    r = rng(seed)
    out = []
    # wide kernels first: a code that assumes square kernels is then recognised
    for (h, w), (dh, dw) in [((5, 7), (1, 2)), ((6, 4), (0, 1)), ((4, 6), (2, 1)), ((7, 5), (1, 1)), ((3, 8), (1, 3))]:
        out.append((image(r, h, w), r.normal(size=(2 * dh + 1, 2 * dw + 1)), float(r.normal())))
    out.append((image(r, 5, 6, True), r.integers(-3, 4, size=(3, 5)), 1))
    out.append((image(r, 4, 5, True), r.normal(size=(3, 3)), 2))  # int X and u, float V
    out.append((image(r, 5, 3), r.normal(size=(1, 3)), -1))  # float X and V, int u: np.full((h, w), u) is an integer array
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
        {"X": np.array([[1, 2, 3]]), "V": np.array([[0.5, 0.25, 1.5]]), "u": 1},
        {"X": np.array([[1.0, 2.0, 3.0]]), "V": np.array([[0.5, 0.25, 1.5]]), "u": 1},
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
        (image(r, 4, 5, True), r.normal(size=(2, 3))),  # int X, float K: np.zeros_like(X) would be an integer array
        (image(r, 3, 6), r.integers(-3, 4, size=(3, 2))),  # float X, int K
    ]


def corr2d_small():
    return [
        {"X": np.array([[1.0, 2.0, 3.0]]), "K": np.array([[1.0, 10.0]])},
        {"X": np.array([[1.0], [2.0], [3.0]]), "K": np.array([[1.0], [10.0]])},
        {"X": np.arange(1.0, 7.0).reshape(2, 3), "K": np.array([[1.0, 10.0]])},
        {"X": np.arange(1.0, 10.0).reshape(3, 3), "K": np.array([[1.0, 2.0], [3.0, 4.0]])},
        {"X": np.array([[1, 2, 3]]), "K": np.array([[0.5, 0.25]])},
    ]


def conv1d_cases(seed=501):
    r = rng(seed)
    out = [(np.array([2.0]), np.array([-3.0]))]
    for m, n in [(5, 3), (3, 5), (7, 2), (4, 4), (1, 6)]:
        out.append((r.normal(size=m), r.normal(size=n)))
    out.append((r.integers(-4, 5, size=6), r.integers(-4, 5, size=3)))
    out.append((r.integers(-4, 5, size=4), r.normal(size=3)))  # int f, float g
    out.append((r.normal(size=3), r.integers(-4, 5, size=5)))  # float f, int g
    return out


def conv1d_small():
    return [
        {"f": np.array([1.0, 2.0]), "g": np.array([1.0, 10.0])},
        {"f": np.array([1.0, 2.0, 3.0]), "g": np.array([1.0, 10.0])},
        {"f": np.array([1.0, 2.0, 3.0]), "g": np.array([1.0, 10.0, 100.0])},
        {"f": np.array([1, 2]), "g": np.array([0.5, 0.25])},
        {"f": np.array([1.0, 2.0]), "g": np.array([1.0, 10.0, 100.0, 1000.0])},
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
        (r.integers(-3, 4, size=(3, 4)), r.normal(size=(2, 2))),  # int f, float g
        (r.normal(size=(2, 3)), r.integers(-3, 4, size=(3, 3))),  # float f, int g
    ]


def conv2d_small():
    return [
        {"f": np.array([[1.0, 2.0]]), "g": np.array([[1.0, 10.0]])},
        {"f": np.array([[1.0], [2.0]]), "g": np.array([[1.0], [10.0]])},
        {"f": np.array([[1.0, 2.0], [3.0, 4.0]]), "g": np.array([[1.0, 10.0]])},
        {"f": np.array([[1.0, 2.0], [3.0, 4.0]]), "g": np.array([[1.0, 10.0], [100.0, 1000.0]])},
        {"f": np.array([[1, 2]]), "g": np.array([[0.5, 0.25]])},
        {"f": np.array([[1.0, 2.0]]), "g": np.array([[1.0], [10.0], [100.0]])},
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
        (np.array([[2.5]]), 0, 0),  # 1x1
        (np.array([[2.5]]), 1, -1),
    ]


def shift_far_cases(seed=602):
    """Shifts by the whole size or more, in both directions, on non-square images: slicing without a
    guard fails here (X[:h - di] keeps rows that have nowhere to go), and broadcasting cannot hide it."""
    r = rng(seed)
    return [
        (image(r, 5, 3), 7, 0),
        (image(r, 3, 5), 0, -7),
        (image(r, 4, 6, True), -6, 1),
        (image(r, 6, 4), 2, 9),
        (image(r, 4, 6), 4, -6),
        (image(r, 5, 2), -5, 0),
    ]


def shift_small():
    return [
        {"X": np.array([[1.0, 2.0, 3.0]]), "di": 0, "dj": 1},
        {"X": np.array([[1.0], [2.0], [3.0]]), "di": 1, "dj": 0},
        {"X": np.array([[1.0, 2.0], [3.0, 4.0]]), "di": 1, "dj": 0},
        {"X": np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), "di": -1, "dj": 1},
        {"X": np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]), "di": 5, "dj": 0},
        {"X": np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]), "di": -5, "dj": 0},
        {"X": np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]), "di": 0, "dj": 5},
    ]


# ----------------------------------------------------------------------------- checks


def expect_count(name: str, got: Any, expected: int) -> None:
    """An exact integer equal to `expected` (see `expect_exact_int`: overflow is named only for the
    value that 64 bits wrap `expected` to, a float count is refused)."""
    expect_exact_int(name, got, expected)


def check_counts(name: str, student: Callable[..., Any], reference: Callable[..., int], cases, *, mistakes=()) -> None:
    """Counts are not secret: the message may show the arguments and the expected number.

    `mistakes` are (label, explanation, compute) triples; one is named when the student's
    integer equals its count and no fixed-width overflow explains the value.
    """
    for args in cases:
        got = student(*args)
        expected = reference(*args)
        call = f"{name}({', '.join(map(repr, args))})"
        try:
            expect_count(call, got, expected)
        except StudentMistake as wrong:
            if wrong.misconception is None and isinstance(got, (int, np.integer)) and not isinstance(got, (bool, np.bool_)):
                for label, explanation, compute in mistakes:
                    if int(got) == compute(*args) != expected:
                        raise StudentMistake(f"{sentence(explanation)} ({wrong.message})", misconception=label) from None
            raise


FC_COUNT_MISTAKES = [("only h*w weights", "every one of the h*w outputs has its own h*w weights: (h*w)**2 in all.", lambda h, w: h * w)]
SHARED_COUNT_MISTAKES = [
    ("the slide's rounding 4hw instead of the exact (2h-1)(2w-1)", "the slide rounds 3,996,001 to 4 x 10^6; the exact count has 2h-1 row offsets and 2w-1 column offsets.", lambda h, w: 4 * h * w),
    ("h*w offsets instead of (2h-1)(2w-1)", "offsets run from -(h-1) to h-1: 2h-1 values per axis.", lambda h, w: h * w),
]
LOCAL_COUNT_MISTAKES = [
    ("kernel size 2*delta instead of 2*delta + 1", "offsets run from -delta to delta: 2*delta + 1 values per axis, counting offset 0.", lambda d: (2 * d) ** 2),
    ("one axis only", "the kernel has 2*delta + 1 rows and 2*delta + 1 columns.", lambda d: 2 * d + 1),
]


# -- expand_shared: W and U are judged each on their own (W with its indices in the wrong order,
# W[k, l, i, j], is the same array as W with the offset's sign flipped: one label for both)


EXPAND_W_MISTAKES = [
    Mistake("offset sign flipped", "W[i, j, k, l] = V[k-i+h-1, l-j+w-1], since the offset is a = k - i (not i - k).",
            lambda V, u, h, w: ref_expand_shared(np.asarray(V)[::-1, ::-1], u, h, w)[0]),
]
EXPAND_U_MISTAKES = [
    Mistake("U not filled with u", "U is the (h, w) array whose every entry is the shared bias u.", lambda V, u, h, w: np.zeros((h, w))),
]


def check_expand_shared(student, cases, small=()) -> None:
    """expand_shared(V, u, h, w) is a pair (W, U); a list of two is accepted as a pair. W and U are
    judged separately, each with its own known mistakes, so a wrong U is never blamed on W."""
    for V, u, h, w in cases:
        W_ref, U_ref = ref_expand_shared(V, u, h, w)
        got = student(V, u, h, w)
        expect_implemented("expand_shared", got)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise StudentMistake(f"expand_shared returned {describe(got)}; expected a pair (W, U) of numpy arrays.")
        for part, value, expected, mistakes in (("W", got[0], W_ref, EXPAND_W_MISTAKES), ("U", got[1], U_ref, EXPAND_U_MISTAKES)):
            try:
                expect_array(f"expand_shared's {part}", value, expected)
            except StudentMistake as wrong:
                mistake = diagnose(value, (V, u, h, w), mistakes)
                message = f"{wrong.message[:-1]} for a {h}x{w} image."
                if mistake is not None:
                    message = f"{sentence(mistake.explanation)} ({message[:1].lower()}{message[1:]})"
                raise StudentMistake(message, misconception=mistake.label if mistake else wrong.misconception) from None


def check_names(got: Any) -> None:
    expect_implemented("equivariant_layers", got)
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


LAYER_REASONS = {
    "fc_layer": "its weights W[i, j, k, l] and bias U[i, j] depend on the position (i, j), so a shifted input meets different weights.",
    "offset_layer": "re-indexing alone changes nothing: V[i, j, a, b] still depends on (i, j); only sharing V over positions makes the layer equivariant.",
    "shared_layer": "the same V and u are used at every position (i, j), so when the shift keeps the image's content inside the image, shifting X shifts H (every output pixel reads every input pixel, hence that condition).",
    "local_layer": "locality only sets far weights to zero; the kernel is still shared over positions, so the layer stays equivariant, and even pointwise away from the border on any image.",
}


def check_layer_name(got: Any, layer: str) -> None:
    """Whether `layer` is rightly in or out of the student's `equivariant_layers` (one test per layer name)."""
    expect_implemented("equivariant_layers", got)
    if not isinstance(got, (set, frozenset, list, tuple)):
        raise StudentMistake(f"equivariant_layers is {describe(got)}; expected a set, list or tuple of layer names.")
    unknown = sorted(str(n) for n in got if n not in LAYER_NAMES)
    if unknown:
        raise StudentMistake(f"equivariant_layers contains {unknown}; the names to choose from are {list(LAYER_NAMES)}.")
    equivariant = layer in EQUIVARIANT
    if (layer in set(got)) != equivariant:
        label = f"{layer} is {'' if equivariant else 'not '}equivariant"
        where = "is missing from" if equivariant else "should not be in"
        raise StudentMistake(f"{layer} {where} equivariant_layers: {label}: {LAYER_REASONS[layer]}", misconception=label)


def embed(r: np.random.Generator, h: int, w: int, margin: int, integer: bool = False) -> np.ndarray:
    """An (h, w) image that is zero within `margin` of its border, so a shift by up to `margin` loses nothing."""
    X = np.zeros((h, w), dtype=np.int64 if integer else float)
    X[margin : h - margin, margin : w - margin] = image(r, h - 2 * margin, w - 2 * margin, integer)
    return X


def check_shift_equivariant(name: str, layer: Callable[[np.ndarray], Any], X: np.ndarray, di: int, dj: int, what: str) -> None:
    """layer(shift(X)) equals shift(layer(X)) wherever both are defined (away from the border).

    X must be zero near its border so that the shift loses no pixel.  No misconception is named
    here: the tests call this after checking the layer's values on the same inputs, which names
    the mistake when one is known.
    """
    H = layer(X)
    H_shifted = layer(ref_shift(X, di, dj))
    for got in (H, H_shifted):
        expect_implemented(name, got)
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
            "Check that the weights do not depend on (i, j) and that pixels outside the image count as zero."
        )


_LAYERS = {
    "shared_layer": lambda: (ref_shared_layer, SHARED_LAYER_MISTAKES, shared_small()),
    "local_layer": lambda: (ref_local_layer, LOCAL_LAYER_MISTAKES, local_small()),
}


def check_layer_shift_equivariant(name: str, layer: Callable[..., Any], X: np.ndarray, params: tuple, di: int, dj: int) -> None:
    """The layer's values on X and on X shifted (a wrong value names its mistake, as the direct tests
    do), then the property itself: shifting X by (di, dj) shifts the output the same way."""
    reference, mistakes, small = _LAYERS[name]()
    h, w = X.shape
    check_function(name, layer, reference, [(X, *params), (ref_shift(X, di, dj), *params)], mistakes=mistakes, small_cases=small,
                   what=f"on a {h}x{w} image and the same image shifted by ({di}, {dj}), so its output cannot shift with its input")
    check_shift_equivariant(name, lambda Z: layer(Z, *params), X, di, dj, "away from the border")


def check_expand_shared_equivariant(expand_shared, r: np.random.Generator, h: int, w: int) -> None:
    """(W, U) = expand_shared(V, u, h, w) is right on this V (W and U judged on their own), and the fully
    connected layer it gives shifts with its input."""
    V = r.normal(size=(2 * h - 1, 2 * w - 1))
    check_expand_shared(expand_shared, [(V, 0.25, h, w)])
    W, U = expand_shared(V, 0.25, h, w)
    check_shift_equivariant("fc_layer(., W, U) with (W, U) = expand_shared(V, u, h, w)", lambda Z: ref_fc_layer(Z, W, U), embed(r, h, w, 2), 1, -2,
                            "away from the border (a fully connected layer with shared weights must be equivariant)")


def expect_full_shape(call: str, got: Any, s1: tuple, s2: tuple) -> None:
    """`got` is a numeric array of the full convolution shape of arrays of shapes s1 and s2."""
    full = (s1[0] + s2[0] - 1, s1[1] + s2[1] - 1)
    expect_implemented(call, got)
    if not isinstance(got, np.ndarray) or got.dtype.kind not in "biuf":
        raise StudentMistake(f"{call} returned {describe(got)}; expected a numeric numpy array of shape {full}.")
    if got.shape != full:
        raise StudentMistake(f"{call} with f of shape {tuple(s1)} and g of shape {tuple(s2)} returned shape {got.shape}; expected the full shape {full}.")


def expect_close_arrays(name: str, got: Any, expected: Any, message: str, misconception: str | None = None) -> None:
    """Compare two student outputs with each other (an algebraic identity)."""
    for value in (expected, got):
        expect_implemented(name, value)
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
            raise StudentMistake(f"{name} returned {describe(value)}; expected a numeric numpy array.")
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-6, atol=1e-8):
        raise StudentMistake(message, misconception=misconception)


def _check_conv2d_on(conv2d, cases, property_text: str) -> None:
    """conv2d's values on the inputs a property test uses: a mistake is named as the direct tests name it."""
    check_function("conv2d", conv2d, ref_conv2d, cases, mistakes=CONV2D_MISTAKES, small_cases=conv2d_small(), what=f"({property_text})")


def check_conv2d_commutative(conv2d, r: np.random.Generator) -> None:
    for s1, s2 in [((4, 3), (2, 5)), ((3, 6), (3, 2))]:
        f, g = r.normal(size=s1), r.normal(size=s2)
        _check_conv2d_on(conv2d, [(f, g), (g, f)], "so conv2d(f, g) and conv2d(g, f) cannot agree as true convolution is commutative")
        fg, gf = conv2d(f, g), conv2d(g, f)
        expect_full_shape("conv2d(f, g)", fg, s1, s2)
        expect_full_shape("conv2d(g, f)", gf, s2, s1)
        expect_close_arrays("conv2d", gf, fg, f"conv2d(g, f) differs from conv2d(f, g) for f of shape {s1} and g of shape {s2}: true convolution is commutative.")


def check_conv2d_linear(conv2d, r: np.random.Generator) -> None:
    f1, f2, g = r.normal(size=(4, 5)), r.normal(size=(4, 5)), r.normal(size=(3, 2))
    _check_conv2d_on(conv2d, [(f1, g), (f2, g), (2.0 * f1 - 3.0 * f2, g)], "so conv2d(2 f1 - 3 f2, g) cannot equal 2 conv2d(f1, g) - 3 conv2d(f2, g)")
    left, a, b = conv2d(2.0 * f1 - 3.0 * f2, g), conv2d(f1, g), conv2d(f2, g)
    for got in (left, a, b):
        expect_full_shape("conv2d(f, g)", got, f1.shape, g.shape)
    expect_close_arrays("conv2d", left, 2.0 * a - 3.0 * b, "conv2d(2 f1 - 3 f2, g) differs from 2 conv2d(f1, g) - 3 conv2d(f2, g): convolution is linear in each argument (a bias or a constant term breaks this).")


def check_conv2d_shift_equivariant(conv2d, r: np.random.Generator) -> None:
    f, g = r.normal(size=(4, 5)), r.normal(size=(2, 3))
    moved = np.zeros((6, 6))
    moved[2:, 1:] = f
    _check_conv2d_on(conv2d, [(f, g), (moved, g)], "on f and on f moved down 2 rows and right 1 column, so the output cannot move with f")
    c, c_moved = conv2d(f, g), conv2d(moved, g)
    expect_full_shape("conv2d(f, g)", c, f.shape, g.shape)
    expect_full_shape("conv2d(f, g)", c_moved, moved.shape, g.shape)
    expected = np.zeros((7, 8))
    expected[2:, 1:] = c
    expect_close_arrays("conv2d", c_moved, expected, "Moving f down by 2 rows and right by 1 column (padding it with zeros) did not move conv2d(f, g) by the same amount: convolution is shift-equivariant.")


def check_corr2d_matches_flipped_conv2d(corr2d, conv2d, r: np.random.Generator) -> None:
    """corr2d(X, K) equals the crop [kh-1:h, kw-1:w] of conv2d(X, K[::-1, ::-1]).  When it does not, the
    function that is wrong on these inputs is named (with its mistake, as its own tests name it)."""
    for (h, w), (kh, kw) in [((5, 7), (2, 3)), ((6, 4), (3, 3))]:
        X, K = r.normal(size=(h, w)), r.normal(size=(kh, kw))
        identity = "so corr2d(X, K) cannot equal the crop [kh-1:h, kw-1:w] of conv2d(X, K[::-1, ::-1])"
        check_function("corr2d", corr2d, ref_corr2d, [(X, K)], mistakes=CORR2D_MISTAKES, small_cases=corr2d_small(),
                       what=f"on a {h}x{w} image and a {kh}x{kw} kernel ({identity})")
        _check_conv2d_on(conv2d, [(X, K[::-1, ::-1])], f"with X of shape {(h, w)} and the flipped kernel, {identity}")
        Y, C = corr2d(X, K), conv2d(X, K[::-1, ::-1])
        expect_full_shape("conv2d(X, K[::-1, ::-1])", C, (h, w), (kh, kw))
        expect_close_arrays("corr2d", Y, C[kh - 1 : h, kw - 1 : w], f"corr2d(X, K) differs from the crop [kh-1:h, kw-1:w] of conv2d(X, K[::-1, ::-1]) for a {h}x{w} image and a {kh}x{kw} kernel: cross-correlation is convolution with the kernel flipped on both axes.")


def check_offset_layer_of_reindex(reindex, offset_layer, cases) -> None:
    """offset_layer(X, reindex(W), U) equals fc_layer(X, W, U).  When it does not, the function that is
    wrong on these inputs (reindex, offset_layer or both) is named, with its mistake when it is known."""
    for X, W, U in cases:
        h, w = X.shape
        identity = "so offset_layer(X, reindex(W), U) cannot equal fc_layer(X, W, U)"
        check_function("reindex", reindex, ref_reindex, [(W,)], mistakes=REINDEX_MISTAKES, small_cases=reindex_small(),
                       what=f"on a random {h}x{w} weight tensor ({identity})")
        check_function("offset_layer", offset_layer, ref_offset_layer, [(X, ref_reindex(W), U)], mistakes=OFFSET_LAYER_MISTAKES,
                       small_cases=offset_small(), what=f"on a random {h}x{w} image ({identity})")
        H = offset_layer(X, reindex(W), U)
        try:
            expect_array("offset_layer(X, reindex(W), U)", H, ref_fc_layer(X, W, U))
        except StudentMistake as wrong:
            raise StudentMistake(f"{wrong.message[:-1]} on a random {h}x{w} image: re-indexing must not change the layer, so this must equal fc_layer(X, W, U).") from None


__all__ = [name for name in dir() if not name.startswith("_")] + ["check_function", "diagnose", "expect_array"]
