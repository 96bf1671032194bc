"""Who each submission belongs to: a roster file when given, else a guess from the file name.

The roster is a CSV with a header (names case-insensitive; aliases in brackets):

    student_id   the institution's student ID (SIS User ID on Canvas, SID on Gradescope)  [sid, id]
    name         the student's name                                                        [student]
    email        the e-mail address Gradescope matches its roster on
    submission   the submitted file's name, with or without .ipynb                       [file]
    canvas_id    optional: the Canvas user ID, which Canvas matches first

Every export then carries the roster's identities.  A submission that no roster row names keeps the
identity its file name suggests (`autograder.render.table.identify`), marked as guessed; a roster
student without a submission is listed in the exports with an empty score, never zero.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from .render.table import Identity, identify

_ALIASES = {
    "student_id": ("student_id", "sid", "id", "student id"),
    "name": ("name", "student", "student name"),
    "email": ("email", "e-mail", "email address"),
    "submission": ("submission", "file", "submission file", "filename"),
    "canvas_id": ("canvas_id", "canvas id", "canvas user id"),
}


class RosterError(Exception):
    """The roster file is unusable (the course staff's to fix); the message names the file and line."""


@dataclass(frozen=True)
class Roster:
    """Identities by submission name (file name without .ipynb)."""

    path: Path
    by_submission: Mapping[str, Identity]

    def identities(self, submissions: Sequence[str]) -> dict[str, Identity]:
        """Return an identity per submission: the roster's, else a guess marked as one."""
        return {name: self.by_submission.get(name) or guessed_identity(name) for name in submissions}

    def without_submission(self, submissions: Sequence[str]) -> list[Identity]:
        """Roster students whose file is not among `submissions`."""
        present = set(submissions)
        return [who for name, who in self.by_submission.items() if name not in present]


def guessed_identity(submission: str) -> Identity:
    """The identity a submission's name suggests, marked as guessed."""
    who = identify(submission)
    return Identity(name=who.name, canvas_id=who.canvas_id, sis_id=who.sis_id, email=who.email, guessed=True)


def read_roster(path: Path) -> Roster:
    """Read a roster CSV; raise RosterError naming the file and line of any problem."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise RosterError(f"roster {path}: cannot be read as UTF-8 text ({error})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise RosterError(f"roster {path}: the file is empty")
    columns = {}
    for index, title in enumerate(header):
        key = next((k for k, names in _ALIASES.items() if title.strip().lower() in names), None)
        if key and key not in columns:
            columns[key] = index
    missing = [k for k in ("student_id", "name", "email", "submission") if k not in columns]
    if missing:
        raise RosterError(f"roster {path}: missing column(s) {', '.join(missing)} (header: {', '.join(header)})")
    by_submission: dict[str, Identity] = {}
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(key: str) -> str:
            index = columns.get(key)
            return row[index].strip() if index is not None and index < len(row) else ""

        submission = cell("submission")
        submission = submission[: -len(".ipynb")] if submission.endswith(".ipynb") else submission
        if not submission:
            raise RosterError(f"roster {path}:{line}: the submission column is empty")
        if submission in by_submission:
            raise RosterError(f"roster {path}:{line}: submission {submission!r} is listed twice")
        by_submission[submission] = Identity(
            name=cell("name") or submission, canvas_id=cell("canvas_id"), sis_id=cell("student_id"), email=cell("email"))
    return Roster(path=Path(path), by_submission=by_submission)
