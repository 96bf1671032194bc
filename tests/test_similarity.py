"""Similarity: a disguised copy must rank above every pair of independent solutions."""

from __future__ import annotations

import itertools
from pathlib import Path

from autograder.similarity import SimilarPair, function_spans, similar_pairs

TEMPLATE = [
    "import numpy as np\nimport otter\ngrader = otter.Notebook(\"conv-math.ipynb\")",
    'def conv2d(f, g):\n    """Full 2-D convolution of f and g, shape (m1+m2-1, n1+n2-1)."""\n    # YOUR CODE HERE\n    ...',
    'def corr2d(X, K):\n    """Valid cross-correlation of X with K."""\n    # YOUR CODE HERE\n    ...',
    'def shift(X, di, dj):\n    """Y[i, j] = X[i - di, j - dj], zero outside."""\n    # YOUR CODE HERE\n    ...',
    'grader.check("q4")',
    'grader.check("q5")',
    'grader.check("q6")',
]

ALICE = [
    "import numpy as np\nimport otter\ngrader = otter.Notebook(\"conv-math.ipynb\")",
    '''def conv2d(f, g):
    """Full 2-D convolution of f and g, shape (m1+m2-1, n1+n2-1)."""
    m1, n1 = f.shape
    m2, n2 = g.shape
    out = np.zeros((m1 + m2 - 1, n1 + n2 - 1))
    for i in range(m1):
        for j in range(n1):
            # every pixel of f spreads a scaled copy of g
            out[i:i + m2, j:j + n2] += f[i, j] * g
    return out
''',
    '''def corr2d(X, K):
    """Valid cross-correlation of X with K."""
    h, w = X.shape
    kh, kw = K.shape
    Y = np.zeros((h - kh + 1, w - kw + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = np.sum(X[i:i + kh, j:j + kw] * K)
    return Y
''',
    '''def shift(X, di, dj):
    """Y[i, j] = X[i - di, j - dj], zero outside."""
    h, w = X.shape
    Y = np.zeros_like(X)
    for i in range(h):
        for j in range(w):
            if 0 <= i - di < h and 0 <= j - dj < w:
                Y[i, j] = X[i - di, j - dj]
    return Y
''',
    'grader.check("q4")',
    'grader.check("q5")',
    'grader.check("q6")',
]

# Alice's work, disguised: functions and cells reordered, every name changed, comments and
# docstrings rewritten, numpy imported under another alias, blank lines and a magic added.
MALLORY = [
    "%matplotlib inline\nimport numpy as N\nimport otter\ngrader = otter.Notebook(\"conv-math.ipynb\")",
    '''def shift(img, down, right):
    # move the picture; pixels that fall off are lost


    rows, cols = img.shape
    result = N.zeros_like(img)
    for r in range(rows):
        for c in range(cols):
            if 0 <= r - down < rows and 0 <= c - right < cols:
                result[r, c] = img[r - down, c - right]
    return result
''',
    'grader.check("q6")',
    '''def corr2d(image, kernel):
    """My cross-correlation: slide the kernel and take dot products."""
    H, W = image.shape
    KH, KW = kernel.shape
    res = N.zeros((H - KH + 1, W - KW + 1))
    for a in range(res.shape[0]):
        for b in range(res.shape[1]):
            res[a, b] = N.sum(image[a:a + KH, b:b + KW] * kernel)  # dot product
    return res
''',
    '''def conv2d(first, second):
    """Convolution."""
    p, q = first.shape
    s, t = second.shape
    acc = N.zeros((p + s - 1, q + t - 1))
    for x in range(p):
        for y in range(q):
            acc[x:x + s, y:y + t] += first[x, y] * second
    return acc
''',
    'grader.check("q4")',
    'grader.check("q5")',
]

BOB = [
    "import numpy as np\nimport otter\ngrader = otter.Notebook(\"conv-math.ipynb\")",
    '''def conv2d(f, g):
    """Full 2-D convolution of f and g, shape (m1+m2-1, n1+n2-1)."""
    f = np.asarray(f, dtype=float)
    g = np.asarray(g, dtype=float)
    rows = f.shape[0] + g.shape[0] - 1
    cols = f.shape[1] + g.shape[1] - 1
    c = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            total = 0.0
            for a in range(f.shape[0]):
                for b in range(f.shape[1]):
                    if 0 <= i - a < g.shape[0] and 0 <= j - b < g.shape[1]:
                        total += f[a, b] * g[i - a, j - b]
            c[i, j] = total
    return c
''',
    '''def corr2d(X, K):
    """Valid cross-correlation of X with K."""
    out_h = X.shape[0] - K.shape[0] + 1
    out_w = X.shape[1] - K.shape[1] + 1
    return np.array([[np.sum(X[i:i + K.shape[0], j:j + K.shape[1]] * K)
                      for j in range(out_w)] for i in range(out_h)], dtype=float)
''',
    '''def shift(X, di, dj):
    """Y[i, j] = X[i - di, j - dj], zero outside."""
    h, w = X.shape
    Y = np.zeros_like(X)
    src = X[max(0, -di):h - max(0, di), max(0, -dj):w - max(0, dj)]
    Y[max(0, di):max(0, di) + src.shape[0], max(0, dj):max(0, dj) + src.shape[1]] = src
    return Y
''',
    'grader.check("q4")',
    'grader.check("q5")',
    'grader.check("q6")',
]

CAROL = [
    "import numpy as np\nimport otter\ngrader = otter.Notebook(\"conv-math.ipynb\")",
    '''def corr2d(X, K):
    """Valid cross-correlation of X with K."""
    kh, kw = K.shape
    h, w = X.shape
    Y = np.zeros((h - kh + 1, w - kw + 1))
    for a in range(kh):
        for b in range(kw):
            Y += K[a, b] * X[a:a + h - kh + 1, b:b + w - kw + 1]
    return Y


def conv2d(f, g):
    """Full 2-D convolution of f and g, shape (m1+m2-1, n1+n2-1)."""
    kh, kw = g.shape
    padded = np.pad(f, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    return corr2d(padded, g[::-1, ::-1])
''',
    '''def shift(X, di, dj):
    """Y[i, j] = X[i - di, j - dj], zero outside."""
    Y = np.zeros(X.shape, dtype=X.dtype)
    h, w = X.shape
    for i in range(max(0, di), min(h, h + di)):
        for j in range(max(0, dj), min(w, w + dj)):
            Y[i, j] = X[i - di, j - dj]
    return Y
''',
    'grader.check("q4")\ngrader.check("q5")\ngrader.check("q6")',
]

DAVE = [
    "import numpy as np\nimport otter\ngrader = otter.Notebook(\"conv-math.ipynb\")",
    '''def conv2d(f, g):
    """Full 2-D convolution of f and g, shape (m1+m2-1, n1+n2-1)."""
    m1, n1 = np.shape(f)
    m2, n2 = np.shape(g)
    result = np.zeros((m1 + m2 - 1, n1 + n2 - 1))
    for i in range(m1 + m2 - 1):
        for j in range(n1 + n2 - 1):
            for a in range(max(0, i - m2 + 1), min(m1, i + 1)):
                for b in range(max(0, j - n2 + 1), min(n1, j + 1)):
                    result[i][j] += f[a][b] * g[i - a][j - b]
    return result
''',
    '''def corr2d(X, K):
    """Valid cross-correlation of X with K."""
    windows = np.lib.stride_tricks.sliding_window_view(X, K.shape)
    return np.einsum("ijkl,kl->ij", windows, K).astype(float)
''',
    '''def shift(X, di, dj):
    """Y[i, j] = X[i - di, j - dj], zero outside."""
    Y = np.roll(np.roll(X, di, axis=0), dj, axis=1).astype(float)
    if di > 0:
        Y[:di, :] = 0
    elif di < 0:
        Y[di:, :] = 0
    if dj > 0:
        Y[:, :dj] = 0
    elif dj < 0:
        Y[:, dj:] = 0
    return Y
''',
    'grader.check("q4")',
    'grader.check("q5")',
    'grader.check("q6")',
]

SOURCES = {"alice": ALICE, "bob": BOB, "carol": CAROL, "dave": DAVE, "mallory": MALLORY}


def test_disguised_copy_ranks_above_every_independent_pair():
    pairs = similar_pairs(SOURCES, template=TEMPLATE, top=100)
    assert pairs, "no pair scored above zero"
    top = pairs[0]
    assert (top.first, top.second) == ("alice", "mallory")
    independent = [p for p in pairs if {p.first, p.second} != {"alice", "mallory"}]
    assert all(top.score > p.score for p in independent)
    assert top.score >= 0.9
    assert max((p.score for p in independent), default=0.0) < 0.5
    assert {(m.first, m.second) for m in top.matched_functions} == {
        ("conv2d", "conv2d"),
        ("corr2d", "corr2d"),
        ("shift", "shift"),
    }


def test_shared_template_alone_is_not_similarity():
    # Two students who handed in the starter notebook untouched share nothing of their own.
    pairs = similar_pairs({"blank1": TEMPLATE, "blank2": list(TEMPLATE)}, template=TEMPLATE)
    assert pairs == []


def test_without_template_the_skeleton_would_count():
    with_template = similar_pairs({"bob": BOB, "dave": DAVE}, template=TEMPLATE)
    without = similar_pairs({"bob": BOB, "dave": DAVE})
    score_with = with_template[0].score if with_template else 0.0
    assert without and without[0].score > score_with


def test_scores_are_in_unit_interval_and_ranked():
    pairs = similar_pairs(SOURCES, template=TEMPLATE, top=100)
    assert all(isinstance(p, SimilarPair) and 0.0 <= p.score <= 1.0 for p in pairs)
    assert [p.score for p in pairs] == sorted((p.score for p in pairs), reverse=True)
    assert len(pairs) <= len(list(itertools.combinations(SOURCES, 2)))
    assert len(similar_pairs(SOURCES, template=TEMPLATE, top=2)) <= 2


def test_cells_that_do_not_parse_still_count():
    broken = ["def conv2d(f, g)\n    m, n = f.shape\n    out = np.zeros((m, n))\n    for i in range(m): out[i] = f[i] * g[i]\n    return out"]
    renamed = ["def conv2d(a, b)\n    p, q = a.shape\n    res = np.zeros((p, q))\n    for k in range(p): res[k] = a[k] * b[k]\n    return res"]
    pairs = similar_pairs({"x": broken, "y": renamed})
    assert pairs and pairs[0].score > 0.5


def test_function_spans_point_at_definitions():
    spans = function_spans(CAROL)
    assert spans["corr2d"] == [(1, 1, 9)]
    assert spans["conv2d"][0][0] == 1 and spans["conv2d"][0][1] == 12
    assert spans["shift"] == [(2, 1, 8)]


# --- hostile code and large classes -----------------------------------------------------------------

HOSTILE = [
    "x = " + "(" * 100_000 + "1" + ")" * 100_000,  # far past the parser's nesting limit
    "y = " + "[" * 50_000,  # brackets that never close
    "".join(" " * depth + f"if x{depth}:\n" for depth in range(2_000)) + " " * 2_000 + "pass",  # 2,000 indents
    "z = " + "not " * 100_000 + "1",
    "'''" * 30_001,  # strings that never end
    '"\\' * 50_000,
    "def f(" + "a: " * 10_000 + "):\n    return 1",
    "x = 1" + " \t" * 100_000,  # whitespace that no token follows
    "\x00\udcff" * 1_000 + "\n%%bash\n!rm -rf /\n",
]


def _in_a_shallow_thread(call):
    """Run `call` on a fresh thread with Python's recursion limit at 120 frames: any recursive walk
    over nested code would fail."""
    import sys
    import threading

    outcome = {}

    def run():
        try:
            outcome["value"] = call()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            outcome["error"] = error

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(120)
    try:
        thread = threading.Thread(target=run)
        thread.start()
        thread.join()
    finally:
        sys.setrecursionlimit(limit)
    assert "error" not in outcome, repr(outcome.get("error"))
    return outcome["value"]


def test_hostile_code_neither_crashes_nor_recurses():
    sources = {f"hostile{i}": [cell] for i, cell in enumerate(HOSTILE)}
    sources["alice"] = ALICE
    sources["mallory"] = MALLORY
    sources["all_of_it"] = [*HOSTILE, *BOB]
    pairs = _in_a_shallow_thread(lambda: similar_pairs(sources, template=TEMPLATE, top=100))
    assert (pairs[0].first, pairs[0].second) == ("alice", "mallory")
    spans = _in_a_shallow_thread(lambda: [function_spans([cell]) for cell in HOSTILE])
    assert spans[6] == {"f": [(0, 1, 2)]}


def test_annotations_quotes_and_decorators_are_disguises_too():
    plain = ['def scale(X, s):\n    Y = X * s\n    Y[Y < 0] = 0\n    return Y.astype(float) + np.ones(X.shape) * 2 - np.zeros_like(X)\n']
    dressed = [
        "import functools\n\n@functools.cache\n"
        "def grow(A: 'np.ndarray', k: float = 1.0) -> np.ndarray:\n"
        "    B: np.ndarray = A * k\n    B[B < 0] = 0\n"
        "    return B.astype(float) + np.ones(A.shape) * 2 - np.zeros_like(A)  # done\n"
    ]
    pairs = similar_pairs({"plain": plain, "dressed": dressed})
    assert pairs and pairs[0].matched_functions and pairs[0].matched_functions[0].first == "grow"
    assert function_spans(dressed)["grow"] == [(0, 3, 7)]


def test_a_large_class_finds_every_planted_copy_as_comparing_every_pair_would(monkeypatch):
    from autograder import similarity
    from autograder.bench import synthetic_class

    notebook = Path(__file__).resolve().parents[1] / "assignments" / "conv-math" / "student" / "conv-math.ipynb"
    sources, template, planted = synthetic_class(400, seed=7, template=notebook)
    pairs = similar_pairs(sources, template=template, top=10, workers=2)
    copies = {tuple(sorted(pair)) for pair in planted}
    assert {(p.first, p.second) for p in pairs[: len(copies)]} == copies
    assert all(p.score > 0.9 for p in pairs[: len(copies)])
    # Index everything and score every lead: the top of the ranking does not change.
    monkeypatch.setattr(similarity, "COMPARE_BUDGET", 10**9)
    monkeypatch.setattr(similarity, "PAIR_BUDGET", 10**9)
    every = similar_pairs(sources, template=template, top=10, max_shared=len(sources), workers=2)
    assert [(p.first, p.second, p.score) for p in every[: len(copies)]] == [(p.first, p.second, p.score) for p in pairs[: len(copies)]]


def test_reading_line_by_line_gives_what_reading_whole_cells_gives():
    """The remembered line-by-line reading (docstrings over several lines, continuations, brackets
    over lines, blank and comment lines, a first line that is indented) is the whole-cell reading."""
    from autograder import similarity
    from autograder.bench import synthetic_class
    from autograder.load import load_submission

    notebook = Path(__file__).resolve().parents[1] / "assignments" / "conv-math" / "student" / "conv-math.ipynb"
    sources, template, _planted = synthetic_class(30, seed=3, template=notebook)
    cells = [cell for code in sources.values() for cell in code] + list(template) + HOSTILE
    for path in sorted(Path(__file__).parent.glob("submissions/*/*.ipynb")):
        try:
            cells += load_submission(path).code_cells
        except Exception:  # noqa: BLE001 - invalid notebooks are part of the corpus
            pass
    cells += [
        "  x = 1\ny = (2,\n     3)\n",
        'def f(a):\n    """one\n    two\n    """\n    return a  # done \\\n',
        "z = 1 + \\\n    2\n\n\n# only a comment\n\tif z:\n\t\tpass\n",
        "s = '''a\n''' + \"b\" ; t = ')'\nu = [1,\n# inside\n 2]\n",
        "a = ')' + (\n'('\n)\nb = 'unterminated\nc = 3",
        "x = 1\r\ny = 2\n",
        "d = {1: 2,\n     3: 4}}\ne = 5\n",
    ]
    for cell in cells:
        whole = [(indent, list(tokens)) for indent, tokens in similarity._logical_lines(cell)]
        by_line = [(indent, list(tokens)) for indent, tokens, _key, _entry in similarity._lines_of(cell)]
        assert by_line == whole, cell[:200]
        assert [(i, list(t)) for i, t, _k, _e in similarity._lines_of(cell)] == whole  # read again, remembered


def test_a_docstring_over_several_lines_is_no_code():
    """Rewriting a docstring of several lines changes nothing (Python 3.11.2's regular expressions
    once read `\"\"\"...\"\"\"` followed by more text as three strings and its words as code)."""
    body = "    h, w = X.shape\n    out = np.zeros((h, w))\n    for i in range(h):\n        out[i] = X[i] * 2 + i\n    return out\n"
    first = 'def double(X):\n    """Twice X, plus the row index.\n\n    X: (h, w) image.\n    """\n' + body
    second = 'def double(X):\n    """Every row doubled; row i gets i added.\n\n    Returns the same shape as the input.\n    """\n' + body
    pairs = similar_pairs({"first": [first], "second": [second]})
    assert pairs and pairs[0].token_similarity == 1.0 and pairs[0].function_similarity == 1.0
