"""Hand grading: the written questions, the scores and comments graders give them, and their merge.

A written question is declared in the assignment source as an Otter manual question
(`manual: true`).  Its prompt is the markdown after the question's config; inside its
`BEGIN SOLUTION` block a markdown cell that starts with `**Rubric**` is its rubric, and the other
markdown cells are the model answer.  Both reach the solutions and the hand-grading page, never the
student notebook.

Graders save their work as CSV files (one per question from the hand-grading page, or any file with
the same columns) in a folder kept beside the output, `hand-grades/` by default:

    question     the question's name, e.g. q7
    submission   the submission's name as in grades.csv
    score        points given (empty: not graded yet); between 0 and the question's points
    max_score    the question's points (informative; not read)
    comment      the grader's comment, shown to the student on the feedback page

`read_hand_grades` reads every `*.csv` there and refuses, naming the file and line, a score that is
not a number in range, an unknown question, or one answer graded twice with different scores.
`merge_hand_grades` puts them into the results, which are then out of the assignment's full points;
a hand score that is missing stays missing (`SubmissionResult.hand_missing`), never zero.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from .assignment import Assignment
from .results import SubmissionResult

HAND_GRADES_COLUMNS = ("question", "submission", "score", "max_score", "comment")
MAX_COMMENT = 20_000
_RUBRIC = re.compile(r"^\s*\*\*Rubric\b", re.IGNORECASE)
_FORMULA_GUARD = ("=", "+", "-", "@")


class HandGradesError(Exception):
    """A hand-grades file is unusable (the grader's to fix); the message names the file and line."""


@dataclass(frozen=True)
class WrittenQuestion:
    """A hand-graded question as the grader sees it: prompt, rubric and model answer (markdown)."""

    name: str
    points: float
    title: str
    prompt: str = ""
    rubric: str = ""
    solution: str = ""


@dataclass(frozen=True)
class HandGrade:
    """One answer's hand grade: `score` None when the row leaves it empty."""

    question: str
    submission: str
    score: float | None
    comment: str
    origin: str  # "file:line", for messages


def written_questions(assignment: Assignment) -> tuple[WrittenQuestion, ...]:
    """Return the assignment's hand-graded questions with their text from the source, in config order.

    The source is `<assignment dir>/<dir name>.py` (jupytext percent); without it (in the Gradescope zip)
    only the config's title and points are known.
    """
    texts = _texts_from_source(assignment.directory / f"{assignment.directory.name}.py")
    return tuple(
        WrittenQuestion(name=m.name, points=m.points, title=m.title, **texts.get(m.name, {}))
        for m in assignment.manual
    )


def _texts_from_source(source: Path) -> dict[str, dict[str, str]]:
    if not source.is_file():
        return {}
    import jupytext

    nb = jupytext.read(source, fmt="py:percent")
    found: dict[str, dict[str, str]] = {}
    current: dict[str, list[str]] | None = None
    name = ""
    in_solution = False
    for cell in nb.cells:
        text = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        if cell.cell_type == "raw":
            head = text.strip().splitlines()[0].strip() if text.strip() else ""
            if head == "# BEGIN QUESTION":
                config = dict(
                    (k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in text.splitlines()[1:]) if _
                )
                current = {"prompt": [], "rubric": [], "solution": []} if config.get("manual") == "true" else None
                name = config.get("name", "")
            elif head == "# BEGIN SOLUTION":
                in_solution = True
            elif head == "# END SOLUTION":
                in_solution = False
            elif head == "# END QUESTION":
                if current is not None and name:
                    found[name] = {key: "\n\n".join(parts).strip() for key, parts in current.items()}
                current = None
            continue
        if current is None or cell.cell_type != "markdown":
            continue
        if in_solution:
            current["rubric" if _RUBRIC.match(text) else "solution"].append(text)
        else:
            current["prompt"].append(text)
    return found


def default_hand_grades_dir(out_dir: Path) -> Path:
    """`hand-grades/` beside the output folder: `make clean` (which removes the output) leaves it alone."""
    return Path(out_dir).resolve().parent / "hand-grades"


def hand_grades_file_name(assignment: str, question: str) -> str:
    """The name the hand-grading page gives the CSV it saves."""
    return f"{assignment}-{question}-hand-grades.csv"


def read_hand_grades(folder: Path, questions: Sequence[WrittenQuestion]) -> dict[tuple[str, str], HandGrade]:
    """Return every hand grade in `folder/*.csv`, keyed by (submission, question).

    Raises HandGradesError for a file that cannot be read or a row that cannot be trusted.
    """
    points = {q.name: q.points for q in questions}
    grades: dict[tuple[str, str], HandGrade] = {}
    for path in sorted(Path(folder).glob("*.csv")):
        for grade in _read_file(path, points):
            key = (grade.submission, grade.question)
            previous = grades.get(key)
            if previous is not None and grade.score is None:
                continue  # an empty row never undoes a score given elsewhere
            if previous is not None and previous.score is not None and (previous.score, previous.comment) != (grade.score, grade.comment):
                raise HandGradesError(
                    f"{grade.origin}: {grade.question} of {grade.submission!r} is graded differently in "
                    f"{previous.origin}; keep one of the two rows")
            grades[key] = grade
    return grades


def _read_file(path: Path, points: Mapping[str, float]) -> Iterable[HandGrade]:
    text = _spreadsheet_text(path)
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","  # a spreadsheet set to a decimal comma
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    missing = {"question", "submission", "score"} - set(reader.fieldnames or ())
    if missing:
        raise HandGradesError(
            f"{path}: not a hand-grades file: it lacks the column(s) {', '.join(sorted(missing))} "
            f"(expected {', '.join(HAND_GRADES_COLUMNS)})")
    for line, row in enumerate(reader, start=2):
        origin = f"{path}:{line}"
        question = (row.get("question") or "").strip()
        if question not in points:
            raise HandGradesError(f"{origin}: unknown question {question!r}; hand-graded questions: {', '.join(points) or 'none'}")
        submission = _unguard(row.get("submission") or "")
        if not submission:
            raise HandGradesError(f"{origin}: the submission column is empty")
        raw = (row.get("score") or "").strip()
        score = None
        if raw:
            try:
                score = float(raw.replace(",", ".")) if raw.count(",") == 1 and "." not in raw else float(raw)
            except ValueError:
                raise HandGradesError(f"{origin}: score {raw!r} is not a number") from None
            if not math.isfinite(score) or not 0 <= score <= points[question]:
                raise HandGradesError(f"{origin}: score {raw} is outside 0..{points[question]:g} for {question}")
        comment = (row.get("comment") or "").strip()
        if len(comment) > MAX_COMMENT:
            raise HandGradesError(f"{origin}: the comment is over {MAX_COMMENT} characters")
        yield HandGrade(question=question, submission=submission, score=score, comment=comment, origin=origin)


def _spreadsheet_text(path: Path) -> str:
    """A CSV as text: UTF-8 (with or without a byte-order mark), else the Windows code page spreadsheets use."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise HandGradesError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise HandGradesError(f"{path}: not text in UTF-8 or Windows-1252; save it as CSV UTF-8") from None


def _unguard(name: str) -> str:
    """Undo the quote a spreadsheet-safe CSV puts before a name that starts like a formula."""
    if name.startswith("'") and name[1:2] in _FORMULA_GUARD:
        return name[1:]
    return name


def merge_hand_grades(
    results: Sequence[SubmissionResult], grades: Mapping[tuple[str, str], HandGrade], assignment: Assignment
) -> tuple[list[SubmissionResult], list[HandGrade]]:
    """Return the results with hand scores and comments in, counted out of the full points, and the
    grades that match no answer (a submission no longer in the folder, say)."""
    hand_possible = sum(m.points for m in assignment.manual)
    used: set[tuple[str, str]] = set()
    merged = []
    for result in results:
        manual = []
        for answer in result.manual:
            grade = grades.get((result.submission, answer.question))
            if grade is not None:
                used.add((result.submission, answer.question))
                answer = replace(answer, score=grade.score, comment=grade.comment)
            manual.append(answer)
        merged.append(replace(result, manual=tuple(manual), hand_possible=hand_possible))
    unused = [g for key, g in grades.items() if key not in used]
    return merged, unused
