"""Renderers: one `SubmissionResult` (or a class of them) in, one file's content out.

  gradescope  render_gradescope(result) -> dict            Gradescope results.json
  table       grades_csv_header / grades_csv_row,         grades.csv
              render_grades_csv, render_gradescope_scores_csv, render_canvas_csv
  feedback    render_feedback_html(result) -> str         the student's feedback page
  summary     render_summary_html(results, ...) -> str    the TA's overview of the class

Renderers read scores from the result model's properties and never compute a score themselves.
HTML comes only from the jinja2 templates in `autograder/templates/`, with autoescaping on.
`autograder.reports.write_reports` writes all of these files for a graded batch.

The small helpers below are shared by the renderers; they are defined before the renderer
modules are imported so that those modules can import them from the package.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import numpy as np

from ..results import Outcome, Status

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

OUTCOME_LABELS = {
    Outcome.PASSED: "passed",
    Outcome.FAILED: "wrong answer",
    Outcome.ERROR: "your code raised an error or returned something unusable",
    Outcome.TIMEOUT: "ran past its time limit",
    Outcome.RULE: "a rule of the assignment was broken",
    Outcome.INTERNAL: "internal grading error (not your fault: please tell the course staff)",
    Outcome.INSTRUCTOR: "this test is broken (not your fault: its points are given to everyone until the course staff fix it)",
}

STATUS_LABELS = {
    Status.GRADED: "graded",
    Status.INVALID: "not gradable",
    Status.TIMEOUT: "timed out",
    Status.ERROR: "internal grading error",
}


def status_message(status: Status, message: str) -> str:
    """Return the student-facing sentence for a submission's status (the bare message when graded)."""
    detail = message.strip().rstrip(".")
    if status is Status.GRADED:
        return message.strip()
    if status is Status.INVALID:
        lead = "This submission could not be graded"
        detail = detail or "it is not a readable notebook"
    elif status is Status.TIMEOUT:
        lead = "Your notebook ran past its time limit; the tests that had not run by then earn no points"
    else:
        lead = "An internal grading error happened; this is not your fault, please tell the course staff"
    return f"{lead}: {detail}." if detail else f"{lead}."


def format_points(value: float) -> str:
    """Return points as short text: 3.0 -> '3', 2.5 -> '2.5', 1/3 -> '0.33'."""
    value = float(value)
    if math.isfinite(value) and value == round(value):
        return str(int(round(value)))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def plain_number(value: float) -> int | float:
    """Return a score as a plain JSON/CSV number: an int when it is whole, else a float rounded to 4 places."""
    value = float(value)
    if math.isfinite(value) and value == round(value):
        return int(round(value))
    return round(value, 4)


MAX_DIMENSIONS = 6  # arrays of more dimensions are shown as text


def numeric_array(value: Any) -> np.ndarray | None:
    """Return `value` as a float array of 1 to `MAX_DIMENSIONS` dimensions, or None when it is not such data."""
    if isinstance(value, (str, bytes, dict)) or value is None:
        return None
    if not isinstance(value, (list, tuple)):
        return None
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):  # ragged, not numbers, or an int too large for a float
        return None
    if not 1 <= array.ndim <= MAX_DIMENSIONS or array.size == 0:
        return None
    return array


def format_value(value: Any) -> str:
    """Return plain data (nested lists, numbers, strings) as readable text, arrays as aligned grids."""
    array = numeric_array(value)
    if array is not None:
        # whole numbers print as integers, where int64 holds them exactly (1e20 would wrap round to a negative)
        if np.all(np.isfinite(array)) and np.all(array == np.round(array)) and np.all(np.abs(array) < 2**53):
            array = array.astype(np.int64)
        return np.array2string(array, separator=", ", max_line_width=100, threshold=400)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return repr(value)
    return str(value)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """Return the jinja2 environment of the report templates (autoescape on, undefined names are errors)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # the templates end in .html.j2, which select_autoescape would not match
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["points"] = format_points
    env.filters["value"] = format_value
    return env


from .feedback import render_feedback_html  # noqa: E402
from .gradescope import render_gradescope  # noqa: E402
from .summary import render_summary_html  # noqa: E402
from .table import (  # noqa: E402
    grades_csv_header,
    grades_csv_row,
    render_canvas_csv,
    render_gradescope_scores_csv,
    render_grades_csv,
)

__all__ = [
    "render_gradescope",
    "grades_csv_header",
    "grades_csv_row",
    "render_grades_csv",
    "render_gradescope_scores_csv",
    "render_canvas_csv",
    "render_feedback_html",
    "render_summary_html",
]
