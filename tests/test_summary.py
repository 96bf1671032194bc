"""The TA's summary page: its content, its escaping, and how it looks in a real browser."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from autograder.render import render_summary_html
from autograder.reports import write_reports
from autograder.results import (
    Example,
    Outcome,
    QuestionResult,
    Status,
    SubmissionResult,
)
from autograder.results import TestOutcome as CaseOutcome  # aliased so pytest does not collect it

CHROMIUM = Path("/usr/bin/chromium")
HISTOGRAM_BAR = (0x4C, 0x72, 0xB0)  # the fill of the histogram's bars in summary.py
QUESTIONS = ["q4", "q5", "q6"]
TEMPLATE = [
    "import numpy as np",
    'def corr2d(X, K):\n    """Valid cross-correlation of X with K."""\n    ...',
    'grader.check("q4")',
]
ORIGINAL = [
    "import numpy as np",
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
    'grader.check("q4")',
]
DISGUISED = [
    "import numpy as np",
    '''def corr2d(img, ker):
    # slide <the> kernel & sum
    a, b = img.shape
    c, d = ker.shape
    out = np.zeros((a - c + 1, b - d + 1))
    for r in range(out.shape[0]):
        for s in range(out.shape[1]):
            out[r, s] = np.sum(img[r:r + c, s:s + d] * ker)
    return out
''',
]
INDEPENDENT = [
    "import numpy as np",
    '''def corr2d(X, K):
    windows = np.lib.stride_tricks.sliding_window_view(X, K.shape)
    return np.einsum("ijkl,kl->ij", windows, K).astype(float)
''',
]


def outcome(question: str, name: str, points: float, passed: bool, *, misconception: str | None = None, kind=Outcome.FAILED):
    example = None
    if misconception == "the kernel is not flipped: this is cross-correlation":
        example = Example("conv2d", {"f": [[1, 2], [3, 4]], "g": [[0, 1], [0, 0]]}, [[1, 2, 0], [3, 4, 0], [0, 0, 0]], [[0, 1, 2], [0, 3, 4], [0, 0, 0]])
    return CaseOutcome(
        name,
        question,
        points,
        Outcome.PASSED if passed else kind,
        hidden=name.endswith("hidden"),
        message="" if passed else f"{name} failed",
        misconception=None if passed else misconception,
        example=None if passed else example,
    )


def class_results() -> list[SubmissionResult]:
    """Twelve submissions with a spread of scores, two frequent misconceptions and three not graded."""
    results = []
    for k in range(12):
        if k == 9:
            results.append(SubmissionResult.not_gradable("student09", Status.INVALID, "not a notebook: the file is a PDF", possible=6))
            continue
        if k == 10:
            results.append(SubmissionResult.not_gradable("student10", Status.TIMEOUT, "the notebook ran for more than 60 s", possible=6))
            continue
        if k == 11:
            results.append(SubmissionResult.not_gradable("student11 <b>bold</b>", Status.ERROR, "worker crashed <script>alert(1)</script>", possible=6))
            continue
        flipped = k % 3 != 0
        q4 = QuestionResult("q4", (outcome("q4", "test_corr2d_valid_shape", 1, k % 4 != 1, misconception="padded instead of valid"),))
        q5 = QuestionResult(
            "q5",
            (
                outcome("q5", "test_conv2d_shape", 1, True),
                outcome("q5", "test_conv2d_flips_kernel_hidden", 2, not flipped, misconception="the kernel is not flipped: this is cross-correlation"),
            ),
        )
        q6 = QuestionResult("q6", (outcome("q6", "test_shift_zero_pads_hidden", 2, k > 4, misconception="wraps around the border instead of zero padding", kind=Outcome.ERROR if k == 2 else Outcome.FAILED),))
        cells = {0: ORIGINAL, 1: DISGUISED, 2: INDEPENDENT}.get(k, ())
        results.append(SubmissionResult(f"student{k:02d}", Status.GRADED, questions=(q4, q5, q6), possible=6, source_cells=tuple(cells)))
    return results


def test_summary_lists_rates_misconceptions_not_graded_and_similar_pairs():
    results = class_results()
    html = render_summary_html(results, question_names=QUESTIONS, template=TEMPLATE, title="conv-math")
    assert "12 submissions" in html
    # pass rate per test, with a bar for each
    assert re.search(r"test_conv2d_flips_kernel_hidden</code></td><td>hidden</td>\s*<td class=\"num\">3 / 9</td>", html)
    assert html.count('aria-label="33% passed"') == 1
    # misconceptions, most frequent first, with the submissions that showed them
    order = [html.index(m) for m in ("the kernel is not flipped", "wraps around the border", "padded instead of valid")]
    assert order == sorted(order)
    assert re.search(r"the kernel is not flipped: this is cross-correlation</td><td class=\"num\">6</td>", html)
    # not graded, with reasons, escaped
    assert "not a notebook: the file is a PDF" in html and "the notebook ran for more than 60 s" in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "student11 &lt;b&gt;bold&lt;/b&gt;" in html
    # the planted copy is the first pair, shown side by side with its comment escaped
    first_pair = re.search(r'<details id="pair-1" open>\s*<summary>#1: (\S+) and (\S+) \(', html)
    assert first_pair and first_pair.groups() == ("student00", "student01")
    assert "# slide &lt;the&gt; kernel &amp; sum" in html
    assert 'class="code-line match"' in html
    # histogram drawn with one bar per bin
    assert 'aria-label="Histogram of the scores of 9 graded submissions, out of 6 points"' in html


def test_summary_of_an_empty_class_renders():
    html = render_summary_html([], question_names=QUESTIONS, title="conv-math")
    assert "0 submissions" in html and "No submission was graded." in html


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (make test installs it)")
def test_summary_renders_in_headless_chromium(tmp_path):
    paths = write_reports(class_results(), tmp_path / "out", question_names=QUESTIONS, template=TEMPLATE, assignment="conv-math")
    shot = tmp_path / "summary.png"
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={shot}",
        "--window-size=1200,1600",
        paths.summary_html.resolve().as_uri(),
    ]
    subprocess.run(command, check=True, timeout=120, capture_output=True)
    image = (matplotlib.image.imread(shot)[:, :, :3] * 255).round().astype(np.uint8)
    assert image.shape[:2] == (1600, 1200)

    colours = np.unique(image.reshape(-1, 3), axis=0)
    assert len(colours) > 50, "the page looks blank"
    assert (image.reshape(-1, 3) != 255).any(axis=1).mean() > 0.03

    # The histogram's bars are drawn in their own colour, near the top of the page...
    bars = np.all(image == HISTOGRAM_BAR, axis=2)
    assert bars.sum() > 2000, "no histogram bars in the screenshot"
    rows, cols = np.nonzero(bars)
    assert rows.max() < 900
    # ...and the region around them is a chart (bars, grid lines, labels), not a uniform block.
    region = image[max(0, rows.min() - 40) : rows.max() + 40, max(0, cols.min() - 60) : cols.max() + 60]
    assert len(np.unique(region.reshape(-1, 3), axis=0)) > 10
    assert region.std() > 30
    assert len(np.unique(cols // 10)) > 10  # several bars spread across the chart, not one blob
