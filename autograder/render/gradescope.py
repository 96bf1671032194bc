"""Gradescope `results.json` from one `SubmissionResult`.

Layout (Gradescope's autograder specification):

- `score`: the autograded score (plus the hand scores, once `make merge` has merged them); `output`: the status sentence (for an invalid or timed-out
  submission, the reason), then the hand-graded answers, then the sandbox protections line;
  `output_format` / `test_output_format`: "text"; `stdout_visibility`: "after_published".
- `tests`: one entry per `TestOutcome`, in question order, named "q5 · test_pool_takes_the_maximum",
  numbered "<question position>.<test position>", with `score`, `max_score`, `status`
  ("passed"/"failed"), `output` (what went wrong, the likely misconception, the smallest failing
  input with both outputs) and `visibility` ("after_published" for hidden tests, "visible" for public
  ones).  `extra_data` carries the outcome kind and misconception for tooling.

Hand-graded answers are *not* tests: a test entry with max_score 0 would still appear as a passed
or failed check, and one with real points would be counted by Gradescope.  They are listed in the
top-level `output`, marked "graded by hand", and their points are left to the hand-graded question.
"""

from __future__ import annotations

from typing import Any

from ..results import Outcome, SubmissionResult, TestOutcome
from ..results import NOT_CHARGED
from . import OUTCOME_LABELS, format_points, format_value, plain_number, status_message


def render_gradescope(result: SubmissionResult) -> dict[str, Any]:
    """Return Gradescope's results.json for `result` as a dict of plain JSON types."""
    tests: list[dict[str, Any]] = []
    for q_index, question in enumerate(result.questions, start=1):
        for t_index, test in enumerate(question.tests, start=1):
            tests.append(_test_entry(test, number=f"{q_index}.{t_index}"))
    return {
        "score": plain_number(result.score),
        "output": _top_output(result),
        "output_format": "text",
        "test_output_format": "text",
        "stdout_visibility": "after_published",
        "execution_time": round(float(result.seconds), 3),
        "tests": tests,
    }


def describe_test(test: TestOutcome) -> str:
    """Return the text a student reads for one test: message, misconception, smallest failing input."""
    if test.passed:
        return test.message.strip()
    label = OUTCOME_LABELS[test.outcome]
    label = label[0].upper() + label[1:]
    message = test.message.strip()
    if test.outcome is Outcome.FAILED and message:
        parts = [message]
    else:
        parts = [f"{label}: {message}" if message else f"{label}."]
    if test.misconception:
        parts.append(f"Likely misconception: {test.misconception}")
    if test.example is not None:
        example = test.example
        arguments = ", ".join(example.inputs)
        parts.append(f"Smallest failing input: {example.function}({arguments})")
        for name, value in example.inputs.items():
            parts.append(f"{name} =\n{format_value(value)}")
        parts.append(f"Your output:\n{format_value(example.got)}")
        parts.append(f"Expected:\n{format_value(example.expected)}")
    return "\n\n".join(parts)


def _test_entry(test: TestOutcome, *, number: str) -> dict[str, Any]:
    extra: dict[str, Any] = {"question": test.question, "outcome": test.outcome.value, "hidden": test.hidden}
    if test.misconception:
        extra["misconception"] = test.misconception
    return {
        "name": f"{test.question} · {test.name}",
        "number": number,
        "score": plain_number(test.score),
        "max_score": plain_number(test.max_score),
        "status": "passed" if test.outcome in NOT_CHARGED else "failed",
        "output": describe_test(test),
        "visibility": "after_published" if test.hidden else "visible",
        "extra_data": extra,
    }


def _top_output(result: SubmissionResult) -> str:
    parts: list[str] = []
    sentence = status_message(result.status, result.message)
    if sentence:
        parts.append(sentence)
    for answer in result.manual:
        text = answer.answer.strip() or "(no answer given)"
        if answer.graded and result.hand_possible:
            comment = f"\nComment: {answer.comment}" if answer.comment else ""
            parts.append(f"{answer.question}, graded by hand: {format_points(answer.score)}/"
                         f"{format_points(answer.max_score)} points (included in this score).{comment}\nYour answer:\n{text}")
            continue
        parts.append(
            f"{answer.question} is graded by hand (up to {format_points(answer.max_score)} points, "
            f"not included in this score). Your answer:\n{text}"
        )
    if result.protections:
        parts.append(result.protections.strip())
    return "\n\n".join(parts)
