"""CSV tables: the class's grades.csv and two gradebook imports.

`<OUT>/grades.csv` (`render_grades_csv`; one row per submission, `grades_csv_row`):
    submission   the submission's name as the grader received it
    score        autograded points earned
    max_score    autograded points possible
    status       graded | invalid | timeout | error
    message      the reason for a status other than graded (one line)
    <question>…  one column per question name given: that question's autograded points; 0 for a
                 question that has no tests in this result, empty for a hand-graded question

`<OUT>/exports/gradescope_scores.csv` (`render_gradescope_scores_csv`), for Gradescope's score
upload (course roster matched by Email, else by SID):
    Name         the submission's name
    SID          the submission's name when it looks like a student ID (letters, digits, . _ -),
                 else empty
    Email        the submission's name when it is an e-mail address, else empty
    Total Score  autograded points earned (the column name of Gradescope's own score exports)
    Max Points   autograded points possible
    Status       graded | invalid | timeout | error
Name the submitted files `<email>.ipynb` or `<SID>.ipynb` for the rows to match the roster.

`<OUT>/exports/canvas_gradebook.csv` (`render_canvas_csv`), Canvas's gradebook import format:
    Student                  the student's name
    ID                       the Canvas user ID
    SIS User ID              the institution's student ID
    Section                  empty (Canvas does not need it to match a row)
    conv-math (<id>)         autograded points earned; the header names the Canvas assignment by
                             its ID, or is just "conv-math" (Canvas then creates a new assignment)
followed, as in Canvas's own exports, by a "Points Possible" row under the header.
Identities come from the submission's name: Canvas's "Download Submissions" names files
`<name>_<userid>_<submissionid>_<file>` (with `_late` after the name for late work), which gives
Student and ID; any other name that looks like a student ID goes to SIS User ID.  Hand-graded
questions are not in these scores: Canvas and Gradescope grade them separately.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Collection, Sequence

from ..results import SubmissionResult
from . import plain_number, status_message

GRADES_COLUMNS = ("submission", "score", "max_score", "status", "message")
GRADESCOPE_SCORES_COLUMNS = ("Name", "SID", "Email", "Total Score", "Max Points", "Status")
CANVAS_IDENTITY_COLUMNS = ("Student", "ID", "SIS User ID", "Section")

_CANVAS_DOWNLOAD_NAME = re.compile(r"^(?P<name>[^_]+?)(?:_late)?_(?P<user_id>\d+)_(?P<submission_id>\d+)(?:_|$)")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class Identity:
    """Who a submission belongs to, as far as its name tells."""

    name: str
    canvas_id: str = ""
    sis_id: str = ""
    email: str = ""


def identify(submission: str) -> Identity:
    """Return the identity that a submission's name carries (see the module docstring for the rules)."""
    match = _CANVAS_DOWNLOAD_NAME.match(submission)
    if match:
        return Identity(name=match["name"], canvas_id=match["user_id"])
    if _EMAIL.match(submission):
        return Identity(name=submission, email=submission)
    if _STUDENT_ID.match(submission):
        return Identity(name=submission, sis_id=submission)
    return Identity(name=submission)


def grades_csv_header(question_names: Sequence[str]) -> list[str]:
    """Return the header row of grades.csv: the fixed columns, then one per question."""
    return [*GRADES_COLUMNS, *question_names]


def grades_csv_row(
    result: SubmissionResult, question_names: Sequence[str], *, hand_graded: Collection[str] = ()
) -> list[str | int | float]:
    """Return `result`'s row of grades.csv, in the order of `grades_csv_header(question_names)`.

    A question in `hand_graded` (or among `result.manual`) gets an empty cell, not a 0.
    """
    hand_graded = {*hand_graded, *(answer.question for answer in result.manual)}
    message = " ".join(status_message(result.status, result.message).split())
    row: list[str | int | float] = [
        result.submission,
        plain_number(result.score),
        plain_number(result.max_score),
        result.status.value,
        message,
    ]
    for name in question_names:
        question = result.question(name)
        if question is not None:
            row.append(plain_number(question.score))
        elif name in hand_graded:
            row.append("")
        else:
            row.append(0)
    return row


def render_grades_csv(results: Sequence[SubmissionResult], *, question_names: Sequence[str]) -> str:
    """Return grades.csv as text: a header and one row per result, in the given order."""
    hand_graded = {answer.question for r in results for answer in r.manual}
    rows = [grades_csv_row(r, question_names, hand_graded=hand_graded) for r in results]
    return _csv([grades_csv_header(question_names), *rows])


def render_gradescope_scores_csv(results: Sequence[SubmissionResult]) -> str:
    """Return a CSV of scores for Gradescope's score upload (columns in the module docstring)."""
    rows: list[list[str | int | float]] = [list(GRADESCOPE_SCORES_COLUMNS)]
    for result in results:
        who = identify(result.submission)
        rows.append(
            [
                result.submission,
                who.sis_id,
                who.email,
                plain_number(result.score),
                plain_number(result.max_score),
                result.status.value,
            ]
        )
    return _csv(rows)


def canvas_assignment_column(assignment: str, assignment_id: str | None) -> str:
    """Return the Canvas gradebook header of the assignment: "name (id)", or "name" for a new assignment."""
    return f"{assignment} ({assignment_id})" if assignment_id else assignment


def render_canvas_csv(
    results: Sequence[SubmissionResult],
    *,
    assignment: str = "conv-math",
    assignment_id: str | None = None,
) -> str:
    """Return a Canvas gradebook import CSV: identity columns, the assignment's score, a Points Possible row."""
    column = canvas_assignment_column(assignment, assignment_id)
    possible = max((r.max_score for r in results), default=0.0)
    rows: list[list[str | int | float]] = [
        [*CANVAS_IDENTITY_COLUMNS, column],
        ["    Points Possible", "", "", "", plain_number(possible)],
    ]
    for result in results:
        who = identify(result.submission)
        rows.append([who.name, who.canvas_id, who.sis_id, "", plain_number(result.score)])
    return _csv(rows)


def _csv(rows: Sequence[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([_defuse(cell) for cell in row])
    return buffer.getvalue()


def _defuse(cell: object) -> object:
    """Keep a spreadsheet from running a text cell as a formula (a name such as "=HYPERLINK(...)")."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell
