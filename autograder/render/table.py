"""CSV tables: the class's grades.csv and two gradebook imports.

`<OUT>/grades.csv` (`render_grades_csv`; one row per submission, `grades_csv_row`):
    submission   the submission's name as the grader received it
    score        autograded points earned
    max_score    autograded points possible
    status       graded | invalid | timeout | error
    message      the reason for a status other than graded (one line), and which hand scores are missing
    <question>…  one column per question name given: that question's autograded points; 0 for a
                 question that has no tests in this result; for a hand-graded question the points a
                 grader gave, empty while there are none
    <question> comment   for each hand-graded question: the grader's comment
    student, student_id, email   who the submission belongs to
    identity     "roster", or "guessed from file name" when no roster names the submission
Until hand grades are merged, score and max_score count the autograded questions only; once they are,
they count every question (the full points), and the score of a submission still missing a hand score
is left empty, never counted as zero.

`<OUT>/exports/gradescope_scores.csv` (`render_gradescope_scores_csv`), for Gradescope's score
upload (course roster matched by Email, else by SID):
    Name         the submission's name
    SID          the submission's name when it looks like a student ID (letters, digits, . _ -),
                 else empty
    Email        the submission's name when it is an e-mail address, else empty
    Total Score  points earned (the column name of Gradescope's own score exports); empty while a hand
                 score is missing or for a roster student without a submission
    Max Points   points possible
    Status       graded | invalid | timeout | error, then "; q7 not graded by hand" where one is
                 missing; "no submission" for a roster student without one
With a roster (`autograder/roster.py`) Name, SID and Email are the roster's; without one, name the
submitted files `<email>.ipynb` or `<SID>.ipynb` for the rows to match Gradescope's roster.

`<OUT>/exports/canvas_gradebook.csv` (`render_canvas_csv`), Canvas's gradebook import format:
    Student                  the student's name
    ID                       the Canvas user ID
    SIS User ID              the institution's student ID
    Section                  empty (Canvas does not need it to match a row)
    <assignment> (<id>)      points earned (empty while a hand score is missing, or without a
                             submission); the header names the Canvas assignment by its ID, or is
                             just the assignment's name (Canvas then creates a new assignment)
followed, as in Canvas's own exports, by a "Points Possible" row under the header.
With a roster, identities are the roster's.  Without one they come from the submission's name: Canvas's "Download Submissions" names files
`<name>_<userid>_<submissionid>_<file>` (with `_late` after the name for late work), which gives
Student and ID; any other name that looks like a student ID goes to SIS User ID.  Both exports
count hand-graded questions once their scores are merged (`python -m autograder merge`); before that,
they hold the autograded points only.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Collection, Mapping, Sequence

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
    guessed: bool = False  # read from the file name, not from a roster

    @property
    def source(self) -> str:
        return "guessed from file name" if self.guessed else "roster"


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


IDENTITY_COLUMNS = ("student", "student_id", "email", "identity")


def grades_csv_header(question_names: Sequence[str], hand_graded: Sequence[str] = ()) -> list[str]:
    """Return the header row of grades.csv: the fixed columns, one per question, the hand graders'
    comments, then who the submission belongs to."""
    return [*GRADES_COLUMNS, *question_names, *(f"{q} comment" for q in hand_graded), *IDENTITY_COLUMNS]


def grades_csv_row(
    result: SubmissionResult,
    question_names: Sequence[str],
    *,
    hand_graded: Collection[str] = (),
    identity: Identity | None = None,
) -> list[str | int | float]:
    """Return `result`'s row of grades.csv, in the order of `grades_csv_header(question_names, hand_graded)`.

    A question in `hand_graded` (or among `result.manual`) gets the grader's points, or an empty cell
    while there are none, never a 0 that nobody gave.
    """
    hand_order = list(hand_graded)
    hand_graded = {*hand_graded, *(answer.question for answer in result.manual)}
    manual = {answer.question: answer for answer in result.manual}
    message = " ".join(status_message(result.status, result.message).split())
    if result.hand_missing:
        missing = f"{', '.join(result.hand_missing)} not graded by hand yet"
        message = f"{message} {missing}." if message else f"{missing}."
    row: list[str | int | float] = [
        result.submission,
        plain_number(result.score) if result.complete else "",
        plain_number(result.max_score),
        result.status.value,
        message,
    ]
    for name in question_names:
        question = result.question(name)
        if question is not None:
            row.append(plain_number(question.score))
        elif name in manual and manual[name].score is not None:
            row.append(plain_number(manual[name].score))
        elif name in hand_graded:
            row.append("")
        else:
            row.append(0)
    for name in hand_order:
        row.append(manual[name].comment if name in manual else "")
    who = identity or identify(result.submission)
    row += [who.name, who.sis_id, who.email, who.source if identity else "guessed from file name"]
    return row


def render_grades_csv(
    results: Sequence[SubmissionResult],
    *,
    question_names: Sequence[str],
    identities: Mapping[str, Identity] | None = None,
) -> str:
    """Return grades.csv as text: a header and one row per result, in the given order."""
    hand_graded = list(dict.fromkeys(answer.question for r in results for answer in r.manual))
    identities = identities or {}
    rows = [grades_csv_row(r, question_names, hand_graded=hand_graded, identity=identities.get(r.submission))
            for r in results]
    return _csv([grades_csv_header(question_names, hand_graded), *rows])


def _status_text(result: SubmissionResult) -> str:
    if result.hand_missing:
        return f"{result.status.value}; {', '.join(result.hand_missing)} not graded by hand"
    return result.status.value


def render_gradescope_scores_csv(
    results: Sequence[SubmissionResult],
    *,
    identities: Mapping[str, Identity] | None = None,
    absent: Sequence[Identity] = (),
) -> str:
    """Return a CSV of scores for Gradescope's score upload (columns in the module docstring)."""
    identities = identities or {}
    rows: list[list[str | int | float]] = [list(GRADESCOPE_SCORES_COLUMNS)]
    possible = max((r.max_score for r in results), default=0.0)
    for result in results:
        who = identities.get(result.submission) or identify(result.submission)
        rows.append(
            [
                result.submission if who.guessed or result.submission not in identities else who.name,
                who.sis_id,
                who.email,
                plain_number(result.score) if result.complete else "",
                plain_number(result.max_score),
                _status_text(result),
            ]
        )
    for who in absent:
        rows.append([who.name, who.sis_id, who.email, "", plain_number(possible), "no submission"])
    return _csv(rows)


def canvas_assignment_column(assignment: str, assignment_id: str | None) -> str:
    """Return the Canvas gradebook header of the assignment: "name (id)", or "name" for a new assignment."""
    return f"{assignment} ({assignment_id})" if assignment_id else assignment


def render_canvas_csv(
    results: Sequence[SubmissionResult],
    *,
    assignment: str,
    assignment_id: str | None = None,
    identities: Mapping[str, Identity] | None = None,
    absent: Sequence[Identity] = (),
) -> str:
    """Return a Canvas gradebook import CSV: identity columns, the assignment's score, a Points Possible row."""
    identities = identities or {}
    column = canvas_assignment_column(assignment, assignment_id)
    possible = max((r.max_score for r in results), default=0.0)
    rows: list[list[str | int | float]] = [
        [*CANVAS_IDENTITY_COLUMNS, column],
        ["    Points Possible", "", "", "", plain_number(possible)],
    ]
    for result in results:
        who = identities.get(result.submission) or identify(result.submission)
        rows.append([who.name, who.canvas_id, who.sis_id, "", plain_number(result.score) if result.complete else ""])
    for who in absent:
        rows.append([who.name, who.canvas_id, who.sis_id, "", ""])
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
