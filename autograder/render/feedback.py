"""The student's feedback page: one self-contained HTML file per submission.

It shows the score and status, a table of questions, every test that did not pass with its message
and likely misconception, and, when a test carries an `Example`, the smallest failing input with the
student's output beside the expected one: numbers in a table and the same numbers as a small heatmap
(inline SVG; cells where the student's output differs are outlined).  An array of more than two
dimensions is drawn as its 2-D slices, one heatmap per index of the leading axes (`[1, :, :]` is
channel 1 of a (C, H, W) array), all on the value's one colour scale.  Hand-graded answers are shown
as "graded by hand" (markdown and LaTeX rendered as on the hand-grading page), with the score and the
grader's comment once merged.  No script, no external asset: the page works offline and prints well.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..results import Example, Status, SubmissionResult, TestOutcome
from . import OUTCOME_LABELS, STATUS_LABELS, environment, format_value, numeric_array, status_message
from .hand_grading import render_markdown  # the written answer: markdown and LaTeX, rendered safely

MAX_HEATMAP_CELLS = 40  # rows or columns; larger arrays are shown as numbers only
MAX_SLICES = 16  # 2-D slices of an array of more dimensions; with more, the array is shown as numbers only
_POSITIVE = (178, 24, 43)  # red
_NEGATIVE = (33, 102, 172)  # blue
_INVALID = "#bdbdbd"


@dataclass(frozen=True)
class HeatCell:
    """One square of a heatmap, with its value as text; `differs` marks a wrong entry."""

    x: int
    y: int
    fill: str
    text: str
    text_fill: str
    differs: bool


@dataclass(frozen=True)
class Heatmap:
    """A 1-D or 2-D array (or one 2-D slice of a larger one, named by `label`) drawn as coloured squares,
    plus its numbers as table rows."""

    description: str
    cell: int
    width: int
    height: int
    show_text: bool
    cells: tuple[HeatCell, ...]
    rows: tuple[tuple[HeatCell, ...], ...]
    label: str = ""  # the slice, `[1, :, :]`, for an array of more than two dimensions


@dataclass(frozen=True)
class Panel:
    """One value of an example (an input, the student's output or the expected output)."""

    title: str
    kind: str  # "input", "got" or "expected"
    heatmaps: tuple[Heatmap, ...]  # one, or one per 2-D slice; none when the value is not drawn
    text: str
    note: str = ""


@dataclass(frozen=True)
class ExampleView:
    call: str
    panels: tuple[Panel, ...]


@dataclass(frozen=True)
class TestView:
    test: TestOutcome
    label: str
    example: ExampleView | None


def render_feedback_html(result: SubmissionResult, *, title: str) -> str:
    """Return the feedback page of `result` as a complete HTML document (a str)."""
    questions = []
    for index, question in enumerate(result.questions, start=1):
        failed = [
            TestView(t, OUTCOME_LABELS[t.outcome], example_view(t.example) if t.example else None)
            for t in question.tests
            if not t.passed
        ]
        passed = [t for t in question.tests if t.passed]
        questions.append({"question": question, "anchor": f"question-{index}", "failed": failed, "passed": passed})
    template = environment().get_template("feedback.html.j2")
    return template.render(
        title=title,
        result=result,
        status_label=STATUS_LABELS[result.status],
        status_sentence=status_message(result.status, result.message) if result.status is not Status.GRADED else "",
        graded=result.status is Status.GRADED,
        questions=questions,
        n_failed=sum(1 for t in result.tests if not t.passed),
        answers={m.question: render_markdown(m.answer) for m in result.manual if m.answer.strip()},
    )


def example_view(example: Example) -> ExampleView:
    """Return the panels of an example: each input on its own colour scale, both outputs on a shared one."""
    panels = []
    for name, value in example.inputs.items():
        panels.append(_panel(f"{name}", "input", value, scale=_scale([value])))
    scale = _scale([example.got, example.expected])
    got = numeric_array(example.got)
    expected = numeric_array(example.expected)
    differs = None
    note = ""
    if got is not None and expected is not None:
        if got.shape == expected.shape:
            differs = ~_close(got, expected)
        else:
            note = f"shape {got.shape}, expected {expected.shape}"
    elif got is None and expected is not None:
        note = "not an array of numbers"
    panels.append(_panel("Your output", "got", example.got, scale=scale, differs=differs, note=note))
    panels.append(_panel("Expected", "expected", example.expected, scale=scale))
    return ExampleView(call=f"{example.function}({', '.join(example.inputs)})", panels=tuple(panels))


def heatmap(value: Any, *, description: str, scale: float | None = None, differs: np.ndarray | None = None,
            label: str = "") -> Heatmap | None:
    """Return a heatmap of `value` (a 1-D or 2-D list of numbers), or None when it is not one or too big.

    Colours run from blue (negative) through white (zero) to red (positive), with `scale` the absolute
    value drawn at full colour (default: the largest in `value`).  `differs` marks cells to outline.
    """
    array = numeric_array(value)
    if array is None or array.ndim > 2:
        return None
    grid = array.reshape(1, -1) if array.ndim == 1 else array
    rows, cols = grid.shape
    if rows > MAX_HEATMAP_CELLS or cols > MAX_HEATMAP_CELLS:
        return None
    if scale is None:
        scale = _scale([value])
    mask = None
    if differs is not None:
        mask = differs.reshape(grid.shape)
    size = max(10, min(34, 280 // max(rows, cols)))
    texts = [[_short(v) for v in row] for row in grid.tolist()]
    show_text = size >= 24 and all(len(t) <= 5 for row in texts for t in row)
    table: list[tuple[HeatCell, ...]] = []
    for i in range(rows):
        line = []
        for j in range(cols):
            fill, ink = _colour(float(grid[i, j]), scale)
            line.append(HeatCell(j * size, i * size, fill, texts[i][j], ink, bool(mask[i, j]) if mask is not None else False))
        table.append(tuple(line))
    return Heatmap(
        description=description,
        cell=size,
        width=cols * size,
        height=rows * size,
        show_text=show_text,
        cells=tuple(c for line in table for c in line),
        rows=tuple(table),
        label=label,
    )


def heatmaps(value: Any, *, description: str, scale: float, differs: np.ndarray | None = None) -> tuple[Heatmap, ...]:
    """Heatmaps of `value`: one for a 1-D or 2-D array; one per 2-D slice for more dimensions (every
    index of the leading axes, in order, each labelled like `[1, :, :]`), on the same colour scale.
    Empty when the value is not an array of numbers, or is too big to draw (a slice larger than
    `MAX_HEATMAP_CELLS` on a side, or more than `MAX_SLICES` slices)."""
    array = numeric_array(value)
    if array is None:
        return ()
    if array.ndim <= 2:
        drawn = heatmap(value, description=description, scale=scale, differs=differs)
        return (drawn,) if drawn is not None else ()
    leading = array.shape[:-2]
    if int(np.prod(leading)) > MAX_SLICES:
        return ()
    drawn = []
    for index in np.ndindex(*leading):
        label = "[" + ", ".join([*map(str, index), ":", ":"]) + "]"
        piece = heatmap(array[index].tolist(), description=f"{description}, slice {label}", scale=scale,
                        differs=None if differs is None else differs[index], label=label)
        if piece is None:
            return ()
        drawn.append(piece)
    return tuple(drawn)


def _panel(title: str, kind: str, value: Any, *, scale: float, differs: np.ndarray | None = None, note: str = "") -> Panel:
    array = numeric_array(value)
    shape = " by ".join(str(n) for n in array.shape) if array is not None else ""
    description = f"Heatmap of {title.lower() if kind != 'input' else title}, {shape}" if shape else title
    return Panel(
        title=title,
        kind=kind,
        heatmaps=heatmaps(value, description=description, scale=scale, differs=differs),
        text=format_value(value),
        note=note,
    )


def _close(got: np.ndarray, expected: np.ndarray) -> np.ndarray:
    return np.isclose(got, expected, rtol=1e-7, atol=1e-9, equal_nan=True)


def _scale(values: Sequence[Any]) -> float:
    largest = 0.0
    for value in values:
        array = numeric_array(value)
        if array is not None and np.isfinite(array).any():
            largest = max(largest, float(np.nanmax(np.abs(array[np.isfinite(array)]))))
    return largest or 1.0


def _short(value: float) -> str:
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if value == round(value) and abs(value) < 1e6:
        return str(int(round(value)))
    return f"{value:.3g}"


def _colour(value: float, scale: float) -> tuple[str, str]:
    """Return (fill, text colour) for `value` on a blue-white-red scale of half-width `scale`."""
    if not math.isfinite(value):
        return _INVALID, "#1a1a1a"
    t = max(-1.0, min(1.0, value / scale))
    end = _POSITIVE if t >= 0 else _NEGATIVE
    strength = abs(t)
    r, g, b = (round(255 + (c - 255) * strength) for c in end)
    ink = "#ffffff" if strength > 0.6 else "#1a1a1a"
    return f"#{r:02x}{g:02x}{b:02x}", ink
