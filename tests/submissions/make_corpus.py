"""Generate the corpus of graded notebooks from the built student and solution notebooks.

    .venv/bin/python tests/submissions/make_corpus.py

Every notebook starts as the student notebook with its answer cells filled in from the solution
notebook (what a student who got everything right hands in); a mutant then replaces one function
or one answer with a plausible wrong version, an alternative replaces every answer with different
but correct code. The manifest of the mutants (tests/submissions/mutants/manifest.toml) is written
by hand: it says which hidden test must catch each mutant and which misconception it must name.
"""

from __future__ import annotations

import ast
import sys
import textwrap
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus_alternatives import ALTERNATIVES  # noqa: E402
from corpus_mutants import MORE_MUTANTS  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
STUDENT = ROOT / "assignments" / "conv-math" / "student" / "conv-math.ipynb"
SOLUTION = ROOT / "solutions" / "conv-math" / "conv-math.ipynb"

WRITTEN_ANSWER = (
    "Cross-correlation with a kernel K is the same as convolution with K flipped on both axes. "
    "The layer learns its kernel, so it would simply learn the flipped kernel: same number of weights, "
    "same locality and same equivariance. The flip only matters if you copy a fixed kernel from one "
    "convention to the other, or if you need commutativity."
)


def _defined_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def filled_notebook() -> nbformat.NotebookNode:
    """The student notebook with every answer cell filled in from the solution notebook."""
    student = nbformat.read(STUDENT, as_version=4)
    solution = nbformat.read(SOLUTION, as_version=4)
    answers = [c.source for c in solution.cells if c.cell_type == "code" and "otter_assign_solution_cell" in c.metadata.get("tags", [])]
    for cell in student.cells:
        tags = cell.metadata.get("tags", [])
        if "otter_answer_cell" not in tags:
            continue
        if cell.cell_type == "markdown":
            cell.source = WRITTEN_ANSWER
            continue
        wanted = _defined_names(cell.source)
        match = next(a for a in answers if _defined_names(a) == wanted)
        cell.source = match
    return student


def replace_definition(nb: nbformat.NotebookNode, name: str, new_source: str) -> None:
    """Replace the top-level definition of `name` (a function or an assignment) in whichever cell holds it."""
    new_source = textwrap.dedent(new_source).strip("\n")
    for cell in nb.cells:
        if cell.cell_type != "code" or name not in _defined_names(cell.source):
            continue
        lines = cell.source.split("\n")
        for node in ast.parse(cell.source).body:
            targets = [node.name] if isinstance(node, ast.FunctionDef) else [t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)]
            if name in targets:
                start, end = node.lineno - 1, node.end_lineno
                cell.source = "\n".join(lines[:start] + new_source.split("\n") + lines[end:])
                return
    raise KeyError(name)


def replace_answers(nb: nbformat.NotebookNode, sources: dict[str, str]) -> None:
    for name, source in sources.items():
        replace_definition(nb, name, source)


def insert_after(nb: nbformat.NotebookNode, name: str, source: str, cell_type: str = "code") -> None:
    """Insert a new cell after the cell that defines `name`."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and name in _defined_names(cell.source):
            new = nbformat.v4.new_code_cell(source) if cell_type == "code" else nbformat.v4.new_markdown_cell(source)
            nb.cells.insert(index + 1, new)
            return
    raise KeyError(name)


def write(nb: nbformat.NotebookNode, path: Path) -> None:
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index:03d}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nb).rstrip("\n") + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- mutants
# file stem -> (name replaced, new source); one plausible mistake each

MUTANTS: dict[str, tuple[str, str]] = {
    "conv2d_not_flipped": ("conv2d", '''
        def conv2d(f, g):
            """Full 2-D convolution."""
            (m1, n1), (m2, n2) = f.shape, g.shape
            # pad f so that g can slide over every position where they overlap
            fp = np.zeros((m1 + 2 * (m2 - 1), n1 + 2 * (n2 - 1)))
            fp[m2 - 1 : m2 - 1 + m1, n2 - 1 : n2 - 1 + n1] = f
            c = np.zeros((m1 + m2 - 1, n1 + n2 - 1))
            for i in range(c.shape[0]):
                for j in range(c.shape[1]):
                    c[i, j] = np.sum(fp[i : i + m2, j : j + n2] * g)
            return c
    '''),
    "conv2d_one_axis_flipped": ("conv2d", '''
        def conv2d(f, g):
            """Full 2-D convolution: flip g, then slide it."""
            (m1, n1), (m2, n2) = f.shape, g.shape
            g_flipped = g[::-1]
            fp = np.zeros((m1 + 2 * (m2 - 1), n1 + 2 * (n2 - 1)))
            fp[m2 - 1 : m2 - 1 + m1, n2 - 1 : n2 - 1 + n1] = f
            c = np.zeros((m1 + m2 - 1, n1 + n2 - 1))
            for i in range(c.shape[0]):
                for j in range(c.shape[1]):
                    c[i, j] = np.sum(fp[i : i + m2, j : j + n2] * g_flipped)
            return c
    '''),
    "conv2d_same_size": ("conv2d", '''
        def conv2d(f, g):
            """2-D convolution, output the size of f."""
            (m1, n1), (m2, n2) = f.shape, g.shape
            c = np.zeros((m1 + m2 - 1, n1 + n2 - 1))
            for a in range(m1):
                for b in range(n1):
                    c[a : a + m2, b : b + n2] += f[a, b] * g
            top, left = (m2 - 1) // 2, (n2 - 1) // 2
            return c[top : top + m1, left : left + n1]
    '''),
    "conv2d_valid_size": ("conv2d", '''
        def conv2d(f, g):
            """2-D convolution where g fits inside f."""
            (m1, n1), (m2, n2) = f.shape, g.shape
            c = np.zeros((m1 - m2 + 1, n1 - n2 + 1))
            for i in range(m1 - m2 + 1):
                for j in range(n1 - n2 + 1):
                    c[i, j] = np.sum(f[i : i + m2, j : j + n2] * g[::-1, ::-1])
            return c
    '''),
    "conv2d_scipy_signal": ("conv2d", '''
        def conv2d(f, g):
            """Full 2-D convolution."""
            from scipy.signal import convolve2d
            return convolve2d(f, g, mode="full")
    '''),
    "conv1d_not_flipped": ("conv1d", '''
        def conv1d(f, g):
            """Full 1-D convolution: slide g along f."""
            m, n = len(f), len(g)
            fp = np.concatenate([np.zeros(n - 1), f, np.zeros(n - 1)])
            c = np.zeros(m + n - 1)
            for i in range(m + n - 1):
                c[i] = np.sum(fp[i : i + n] * g)
            return c
    '''),
    "conv1d_same_length": ("conv1d", '''
        def conv1d(f, g):
            """1-D convolution, output as long as f."""
            m, n = len(f), len(g)
            full = np.zeros(m + n - 1)
            for a in range(m):
                for b in range(n):
                    full[a + b] += f[a] * g[b]
            start = (n - 1) // 2
            return full[start : start + m]
    '''),
    "conv1d_np_convolve": ("conv1d", '''
        def conv1d(f, g):
            """Full 1-D convolution."""
            return np.convolve(f, g)
    '''),
    "corr2d_output_off_by_one": ("corr2d", '''
        def corr2d(X, K):
            """Valid cross-correlation."""
            h, w = X.shape
            kh, kw = K.shape
            Y = np.zeros((h - kh, w - kw))
            for i in range(h - kh):
                for j in range(w - kw):
                    Y[i, j] = np.sum(X[i : i + kh, j : j + kw] * K)
            return Y
    '''),
    "corr2d_kernel_flipped": ("corr2d", '''
        def corr2d(X, K):
            """Valid convolution of X with K."""
            h, w = X.shape
            kh, kw = K.shape
            K = K[::-1, ::-1]
            Y = np.zeros((h - kh + 1, w - kw + 1))
            for i in range(h - kh + 1):
                for j in range(w - kw + 1):
                    Y[i, j] = np.sum(X[i : i + kh, j : j + kw] * K)
            return Y
    '''),
    "fc_layer_missing_bias": ("fc_layer", '''
        def fc_layer(X, W, U):
            """Fully connected layer."""
            h, w = X.shape
            H = np.zeros((h, w))
            for i in range(h):
                for j in range(w):
                    H[i, j] = np.sum(W[i, j] * X)
            return H
    '''),
    "fc_layer_modifies_U": ("fc_layer", '''
        def fc_layer(X, W, U):
            """Fully connected layer."""
            h, w = X.shape
            H = U
            for i in range(h):
                for j in range(w):
                    H[i, j] += np.sum(W[i, j] * X)
            return H
    '''),
    "shared_layer_missing_bias": ("shared_layer", '''
        def shared_layer(X, V, u):
            """Shared weights at every position."""
            h, w = X.shape
            H = np.zeros((h, w))
            for i in range(h):
                for j in range(w):
                    H[i, j] = np.sum(V[h - 1 - i : 2 * h - 1 - i, w - 1 - j : 2 * w - 1 - j] * X)
            return H
    '''),
    "local_layer_wraps_around": ("local_layer", '''
        def local_layer(X, V, u):
            """Local layer: add shifted copies of X weighted by V."""
            dh, dw = V.shape[0] // 2, V.shape[1] // 2
            H = np.full(X.shape, float(u))
            for a in range(-dh, dh + 1):
                for b in range(-dw, dw + 1):
                    # X[i + a, j + b] for every (i, j) at once
                    H += V[a + dh, b + dw] * np.roll(X, (-a, -b), axis=(0, 1))
            return H
    '''),
    "local_layer_square_kernel": ("local_layer", '''
        def local_layer(X, V, u):
            """Local layer with a (2 delta + 1) kernel."""
            h, w = X.shape
            delta = (V.shape[0] - 1) // 2
            P = np.zeros((h + 2 * delta, w + 2 * delta))
            P[delta : delta + h, delta : delta + w] = X
            H = np.full((h, w), float(u))
            for a in range(-delta, delta + 1):
                for b in range(-delta, delta + 1):
                    H += V[a + delta, b + delta] * P[delta + a : delta + a + h, delta + b : delta + b + w]
            return H
    '''),
    "local_layer_kernel_flipped": ("local_layer", '''
        def local_layer(X, V, u):
            """Local layer: convolution of X with V plus u."""
            h, w = X.shape
            dh, dw = (V.shape[0] - 1) // 2, (V.shape[1] - 1) // 2
            P = np.zeros((h + 2 * dh, w + 2 * dw))
            P[dh : dh + h, dw : dw + w] = X
            H = np.full((h, w), float(u))
            for a in range(-dh, dh + 1):
                for b in range(-dw, dw + 1):
                    H += V[dh - a, dw - b] * P[dh + a : dh + a + h, dw + b : dw + b + w]
            return H
    '''),
    "shift_wraps_around": ("shift", '''
        def shift(X, di, dj):
            """Move the picture di rows down and dj columns right."""
            return np.roll(X, (di, dj), axis=(0, 1))
    '''),
    "shift_wrong_direction": ("shift", '''
        def shift(X, di, dj):
            """Move the picture di rows down and dj columns right."""
            h, w = X.shape
            Y = np.zeros_like(X)
            for i in range(h):
                for j in range(w):
                    if 0 <= i + di < h and 0 <= j + dj < w:
                        Y[i, j] = X[i + di, j + dj]
            return Y
    '''),
    "shift_rows_and_columns_swapped": ("shift", '''
        def shift(X, di, dj):
            """Move the picture di rows down and dj columns right."""
            h, w = X.shape
            Y = np.zeros_like(X)
            for i in range(h):
                for j in range(w):
                    if 0 <= i - dj < h and 0 <= j - di < w:
                        Y[i, j] = X[i - dj, j - di]
            return Y
    '''),
    "offset_layer_off_by_one": ("offset_layer", '''
        def offset_layer(X, V, U):
            """Layer with offset weights."""
            h, w = X.shape
            H = np.array(U, dtype=float)
            for i in range(h):
                for j in range(w):
                    for ia in range(2 * h - 1):
                        for ib in range(2 * w - 1):
                            a, b = ia - h, ib - w
                            if 0 <= i + a < h and 0 <= j + b < w:
                                H[i, j] += V[i, j, ia, ib] * X[i + a, j + b]
            return H
    '''),
    "offset_layer_sign_flipped": ("offset_layer", '''
        def offset_layer(X, V, U):
            """Layer with offset weights."""
            h, w = X.shape
            H = np.array(U, dtype=float)
            for i in range(h):
                for j in range(w):
                    for a in range(-(h - 1), h):
                        for b in range(-(w - 1), w):
                            if 0 <= i - a < h and 0 <= j - b < w:
                                H[i, j] += V[i, j, a + h - 1, b + w - 1] * X[i - a, j - b]
            return H
    '''),
    "reindex_sign_flipped": ("reindex", '''
        def reindex(W):
            """Re-index W by offsets."""
            h, w = W.shape[:2]
            V = np.zeros((h, w, 2 * h - 1, 2 * w - 1))
            for i in range(h):
                for j in range(w):
                    for k in range(h):
                        for l in range(w):
                            a, b = i - k, j - l
                            V[i, j, a + h - 1, b + w - 1] = W[i, j, k, l]
            return V
    '''),
    "expand_shared_U_not_filled": ("expand_shared", '''
        def expand_shared(V, u, h, w):
            """The fully connected (W, U) behind shared weights."""
            W = np.zeros((h, w, h, w))
            for i in range(h):
                for j in range(w):
                    W[i, j] = V[h - 1 - i : 2 * h - 1 - i, w - 1 - j : 2 * w - 1 - j]
            U = np.zeros((h, w))  # the bias
            return W, U
    '''),
    "fc_num_weights_int64": ("fc_num_weights", '''
        def fc_num_weights(h, w):
            """Number of entries of W."""
            return np.prod([h, w, h, w])
    '''),
    "shared_num_weights_slide_rounding": ("shared_num_weights", '''
        def shared_num_weights(h, w):
            """Number of entries of V: about 4 per pixel."""
            return 4 * h * w
    '''),
    "local_num_weights_float": ("local_num_weights", '''
        def local_num_weights(delta):
            """Number of weights of the kernel."""
            import math
            return math.pow(2 * delta + 1, 2)
    '''),
    "local_num_weights_2delta": ("local_num_weights", '''
        def local_num_weights(delta):
            """Number of weights of the kernel."""
            return (2 * delta) ** 2
    '''),
    "equivariant_layers_with_fc": ("equivariant_layers", '''
        equivariant_layers = {"fc_layer", "shared_layer", "local_layer"}
    '''),
    "equivariant_layers_missing_local": ("equivariant_layers", '''
        equivariant_layers = {"shared_layer"}
    '''),
}


# --------------------------------------------------------------------------- correct alternatives

LOOPS = {
    "fc_layer": '''
        def fc_layer(X, W, U):
            h, w = X.shape
            H = np.zeros((h, w))
            for i in range(h):
                for j in range(w):
                    s = U[i, j]
                    for k in range(h):
                        for l in range(w):
                            s = s + W[i, j, k, l] * X[k, l]
                    H[i, j] = s
            return H
    ''',
    "fc_num_weights": '''
        def fc_num_weights(h, w):
            n = h * w
            return n * n
    ''',
    "reindex": '''
        def inside(k, l, h, w):
            return 0 <= k < h and 0 <= l < w


        def reindex(W):
            h, w = W.shape[0], W.shape[1]
            V = np.zeros((h, w, 2 * h - 1, 2 * w - 1))
            for i in range(h):
                for j in range(w):
                    for a in range(-(h - 1), h):
                        for b in range(-(w - 1), w):
                            if inside(i + a, j + b, h, w):
                                V[i, j, a + h - 1, b + w - 1] = W[i, j, i + a, j + b]
            return V
    ''',
    "offset_layer": '''
        def offset_layer(X, V, U):
            h, w = X.shape
            H = U.astype(float)
            for i in range(h):
                for j in range(w):
                    for a in range(-(h - 1), h):
                        for b in range(-(w - 1), w):
                            if inside(i + a, j + b, h, w):
                                H[i, j] = H[i, j] + V[i, j, a + h - 1, b + w - 1] * X[i + a, j + b]
            return H
    ''',
    "shared_layer": '''
        def shared_layer(X, V, u):
            h, w = X.shape
            H = np.zeros((h, w))
            for i in range(h):
                for j in range(w):
                    total = u
                    for a in range(-(h - 1), h):
                        for b in range(-(w - 1), w):
                            if inside(i + a, j + b, h, w):
                                total += V[a + h - 1, b + w - 1] * X[i + a, j + b]
                    H[i, j] = total
            return H
    ''',
    "expand_shared": '''
        def expand_shared(V, u, h, w):
            W = np.zeros((h, w, h, w))
            U = np.zeros((h, w))
            for i in range(h):
                for j in range(w):
                    U[i, j] = u
                    for k in range(h):
                        for l in range(w):
                            W[i, j, k, l] = V[(k - i) + h - 1, (l - j) + w - 1]
            return (W, U)
    ''',
    "shared_num_weights": '''
        def shared_num_weights(h, w):
            return (2 * h - 1) * (2 * w - 1)
    ''',
    "local_layer": '''
        def local_layer(X, V, u):
            h, w = X.shape
            dh = (V.shape[0] - 1) // 2
            dw = (V.shape[1] - 1) // 2
            H = np.zeros((h, w))
            for i in range(h):
                for j in range(w):
                    total = u
                    for a in range(-dh, dh + 1):
                        for b in range(-dw, dw + 1):
                            if inside(i + a, j + b, h, w):
                                total += V[a + dh, b + dw] * X[i + a, j + b]
                    H[i, j] = total
            return H
    ''',
    "local_num_weights": '''
        def local_num_weights(delta):
            side = 2 * delta + 1
            return side * side
    ''',
    "corr2d": '''
        def corr2d(X, K):
            h, w = X.shape
            kh, kw = K.shape
            Y = np.zeros((h - kh + 1, w - kw + 1))
            for i in range(h - kh + 1):
                for j in range(w - kw + 1):
                    for a in range(kh):
                        for b in range(kw):
                            Y[i, j] += K[a, b] * X[i + a, j + b]
            return Y
    ''',
    "conv1d": '''
        def conv1d(f, g):
            n = len(f) + len(g) - 1
            c = np.zeros(n)
            for i in range(n):
                for a in range(len(f)):
                    if 0 <= i - a < len(g):
                        c[i] += f[a] * g[i - a]
            return c
    ''',
    "conv2d": '''
        def conv2d(f, g):
            m1, n1 = f.shape
            m2, n2 = g.shape
            c = np.zeros((m1 + m2 - 1, n1 + n2 - 1))
            for i in range(m1 + m2 - 1):
                for j in range(n1 + n2 - 1):
                    for a in range(m1):
                        for b in range(n1):
                            if 0 <= i - a < m2 and 0 <= j - b < n2:
                                c[i, j] += f[a, b] * g[i - a, j - b]
            return c
    ''',
    "shift": '''
        def shift(X, di, dj):
            h, w = X.shape
            Y = np.zeros_like(X)
            for i in range(h):
                for j in range(w):
                    if inside(i - di, j - dj, h, w):
                        Y[i, j] = X[i - di, j - dj]
            return Y
    ''',
    "equivariant_layers": '''
        equivariant_layers = ["shared_layer", "local_layer"]
    ''',
}

VECTORIZED = {
    "fc_layer": '''
        def fc_layer(X, W, U):
            return U + np.einsum("ijkl,kl->ij", W, X)
    ''',
    "fc_num_weights": '''
        def fc_num_weights(h, w):
            return int(h * w) ** 2
    ''',
    "reindex": '''
        def reindex(W):
            h, w = W.shape[:2]
            V = np.zeros((h, w, 2 * h - 1, 2 * w - 1), dtype=W.dtype)
            i, j, k, l = np.indices(W.shape)
            V[i, j, k - i + h - 1, l - j + w - 1] = W
            return V
    ''',
    "offset_layer": '''
        def offset_layer(X, V, U):
            h, w = X.shape
            P = np.pad(X, ((h - 1, h - 1), (w - 1, w - 1)))
            windows = sliding_window_view(P, (2 * h - 1, 2 * w - 1))  # windows[i, j] = P[i:i+2h-1, j:j+2w-1]
            return U + np.einsum("ijab,ijab->ij", V, windows)
    ''',
    "shared_layer": '''
        def shared_layer(X, V, u):
            h, w = X.shape
            P = np.pad(X, ((h - 1, h - 1), (w - 1, w - 1)))
            return u + np.einsum("ijab,ab->ij", sliding_window_view(P, V.shape), V)
    ''',
    "expand_shared": '''
        def expand_shared(V, u, h, w):
            i, j, k, l = np.indices((h, w, h, w))
            W = V[k - i + h - 1, l - j + w - 1]
            return W, np.full((h, w), u, dtype=float)
    ''',
    "shared_num_weights": '''
        def shared_num_weights(h, w):
            return (2 * h - 1) * (2 * w - 1)
    ''',
    "local_layer": '''
        def local_layer(X, V, u):
            dh, dw = V.shape[0] // 2, V.shape[1] // 2
            P = np.pad(X, ((dh, dh), (dw, dw)))
            return u + np.einsum("ijab,ab->ij", sliding_window_view(P, V.shape), V)
    ''',
    "local_num_weights": '''
        def local_num_weights(delta):
            return (2 * delta + 1) ** 2
    ''',
    "corr2d": '''
        def corr2d(X, K):
            return np.einsum("ijab,ab->ij", sliding_window_view(X, K.shape), K)
    ''',
    "conv1d": '''
        def conv1d(f, g):
            n = len(g)
            P = np.pad(np.asarray(f, dtype=float), (n - 1, n - 1))
            return sliding_window_view(P, n) @ g[::-1]
    ''',
    "conv2d": '''
        def conv2d(f, g):
            m2, n2 = g.shape
            P = np.pad(np.asarray(f, dtype=float), ((m2 - 1, m2 - 1), (n2 - 1, n2 - 1)))
            return np.einsum("ijab,ab->ij", sliding_window_view(P, g.shape), g[::-1, ::-1])
    ''',
    "shift": '''
        def shift(X, di, dj):
            h, w = X.shape
            Y = np.zeros_like(X)
            rows_to, rows_from = slice(max(di, 0), max(h + min(di, 0), 0)), slice(max(-di, 0), max(h - max(di, 0), 0))
            cols_to, cols_from = slice(max(dj, 0), max(w + min(dj, 0), 0)), slice(max(-dj, 0), max(w - max(dj, 0), 0))
            if abs(di) < h and abs(dj) < w:
                Y[rows_to, cols_to] = X[rows_from, cols_from]
            return Y
    ''',
    "equivariant_layers": '''
        equivariant_layers = ("local_layer", "shared_layer")
    ''',
}

FFT = dict(LOOPS)
FFT.update({
    "conv1d": '''
        def conv1d(f, g):
            n = len(f) + len(g) - 1
            return np.real(np.fft.ifft(np.fft.fft(f, n) * np.fft.fft(g, n)))
    ''',
    "conv2d": '''
        def conv2d(f, g):
            shape = (f.shape[0] + g.shape[0] - 1, f.shape[1] + g.shape[1] - 1)
            return np.real(np.fft.ifft2(np.fft.fft2(f, shape) * np.fft.fft2(g, shape)))
    ''',
    "corr2d": '''
        def corr2d(X, K):
            # cross-correlation = convolution with the kernel flipped, cropped to the valid part
            h, w = X.shape
            kh, kw = K.shape
            full = conv2d(X, K[::-1, ::-1])
            return full[kh - 1 : h, kw - 1 : w]
    ''',
    "local_layer": '''
        def local_layer(X, V, u):
            kh, kw = V.shape
            dh, dw = (kh - 1) // 2, (kw - 1) // 2
            h, w = X.shape
            padded = np.zeros((h + 2 * dh, w + 2 * dw))
            padded[dh : dh + h, dw : dw + w] = X
            return u + corr2d(padded, V)
    ''',
    "shared_layer": '''
        def shared_layer(X, V, u):
            h, w = X.shape
            padded = np.zeros((3 * h - 2, 3 * w - 2))
            padded[h - 1 : 2 * h - 1, w - 1 : 2 * w - 1] = X
            return u + corr2d(padded, V)
    ''',
    "fc_num_weights": '''
        def fc_num_weights(h, w):
            return h ** 2 * w ** 2
    ''',
})


def alternative(sources: dict[str, str]) -> nbformat.NotebookNode:
    nb = filled_notebook()
    # helpers a student defines first are placed before the function that uses them
    order = ["fc_layer", "fc_num_weights", "reindex", "offset_layer", "corr2d", "conv2d", "conv1d", "shared_layer", "expand_shared", "shared_num_weights", "local_layer", "local_num_weights", "shift", "equivariant_layers"]
    for name in order:
        replace_definition(nb, name, sources[name])
    return nb


MUTANTS.update(MORE_MUTANTS)


def alternative_notebook(sources: dict[str, str], extra: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """The filled solution with some answers written another way, and extra cells of the student's own."""
    nb = filled_notebook()
    replace_answers(nb, sources)
    for name, source in extra:
        insert_after(nb, name, textwrap.dedent(source).strip("\n"))
    return nb


def main() -> int:
    mutants_dir, correct_dir, examples_dir = HERE / "mutants", HERE / "correct", HERE / "examples"
    for stem, (name, source) in MUTANTS.items():
        nb = filled_notebook()
        replace_definition(nb, name, source)
        write(nb, mutants_dir / f"{stem}.ipynb")
    for stem, (sources, extra) in ALTERNATIVES.items():
        write(alternative_notebook(sources, extra), correct_dir / f"{stem}.ipynb")

    loops = alternative(LOOPS)
    insert_after(loops, "reindex", "# checking my helper\nprint(inside(0, 0, 2, 2), inside(2, 0, 2, 2))")
    write(loops, correct_dir / "plain_loops.ipynb")

    vectorized = alternative(VECTORIZED)
    vectorized.cells.insert(2, nbformat.v4.new_code_cell("%matplotlib inline\nfrom numpy.lib.stride_tricks import sliding_window_view"))
    insert_after(vectorized, "conv2d", "print(conv2d(np.eye(2), np.ones((2, 3))))\nprint(corr2d(np.arange(12.0).reshape(3, 4), np.ones((2, 2))))")
    write(vectorized, correct_dir / "vectorized_einsum.ipynb")

    fft = alternative(FFT)
    for cell in fft.cells:
        if cell.cell_type == "code" and "corr2d" in _defined_names(cell.source):
            cell.source = textwrap.dedent(FFT["conv2d"]).strip() + "\n\n\n" + cell.source
            break
    fft.cells.insert(3, nbformat.v4.new_code_cell("def inside(k, l, h, w):\n    return 0 <= k < h and 0 <= l < w"))
    write(fft, correct_dir / "fft_based.ipynb")

    write(filled_notebook(), examples_dir / "alice.ipynb")

    bob = filled_notebook()
    for stem in ("conv2d_not_flipped", "shift_wraps_around", "local_num_weights_float"):
        replace_definition(bob, *MUTANTS[stem])
    write(bob, examples_dir / "bob.ipynb")

    carol = filled_notebook()
    replace_definition(carol, "conv1d", '''
        def conv1d(f, g):
            c = np.zeros(len(f) + len(g) - 1
            for a in range(len(f)):
                c[a : a + len(g)] += f[a] * g
            return c
    ''')
    replace_definition(carol, "shift", '''
        def shift(X, di, dj):
            h, w = X.shape
            Y = np.zeros_like(X)
            Y[di:, dj:] = X[: h - di, : w - dj]
            return Y
    ''')
    insert_after(carol, "shift", "shift(np.ones((3, 3)), -1, 0)")
    write(carol, examples_dir / "carol.ipynb")

    write(nbformat.read(STUDENT, as_version=4), examples_dir / "dave.ipynb")
    (examples_dir / "eve.ipynb").write_text("my answers are in the pdf i emailed you\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
