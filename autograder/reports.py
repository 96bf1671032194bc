"""Write every report of a graded batch into one output folder.

    <OUT>/grades.csv                      one row per submission (autograder.render.table)
    <OUT>/results/<file>.json             Gradescope results.json of each submission
    <OUT>/feedback/<file>.html            the student's feedback page
    <OUT>/summary.html                    the course staff's overview, linking to the feedback pages
    <OUT>/exports/gradescope_scores.csv   scores for Gradescope's upload: Name, SID, Email, Total Score,
                                          Max Points, Status
    <OUT>/exports/canvas_gradebook.csv    Canvas gradebook import: Student, ID, SIS User ID, Section,
                                          "<assignment> (<assignment id>)", with a Points Possible row

The columns and how identities are read from submission names are documented in
`autograder/render/table.py`.  `<file>` is `safe_filename(submission)`, the submission's name with every
character but letters, digits, `.`, `_` and `-` replaced by `_` (so "Jane Doe" -> "Jane_Doe"); when two
submissions give one name, the later is numbered ("Jane_Doe-2"), and the grade command says so.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import re
import unicodedata
from dataclasses import dataclass, field, replace
from html import escape as html_escape
from pathlib import Path
from typing import Mapping, Sequence

from .render import (
    render_canvas_csv,
    render_feedback_html,
    render_gradescope,
    render_gradescope_scores_csv,
    render_grades_csv,
    render_summary_html,
)
from .render.summary import instructor_errors
from .render.table import Identity
from .results import SubmissionResult

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
MAX_STEM = 80


@dataclass(frozen=True)
class ReportPaths:
    """Where `write_reports` wrote each file; `results` and `feedback` map submission name -> path."""

    out_dir: Path
    grades_csv: Path
    summary_html: Path
    gradescope_scores_csv: Path
    canvas_gradebook_csv: Path
    results: Mapping[str, Path] = field(default_factory=dict)
    feedback: Mapping[str, Path] = field(default_factory=dict)
    renamed: Mapping[str, str] = field(default_factory=dict)  # submission -> file stem, where a stem was taken
    failures: tuple[str, ...] = ()  # reports that could not be rendered as designed (ours); a stand-in was written

    @property
    def results_dir(self) -> Path:
        return self.out_dir / "results"

    @property
    def feedback_dir(self) -> Path:
        return self.out_dir / "feedback"

    @property
    def exports_dir(self) -> Path:
        return self.out_dir / "exports"


def safe_filename(name: str) -> str:
    """Return a readable file name stem for a submission name: only [A-Za-z0-9._-], never empty, hidden
    or reserved ("Jane Doé" -> "Jane_Doe").

    Two names may give one stem ("a b" and "a_b"); `write_reports` then numbers the later one visibly
    ("a_b-2") and lists it in `ReportPaths.renamed`.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    stem = _UNSAFE.sub("_", ascii_name).strip("._-")[:MAX_STEM].rstrip("._-")
    if stem.split(".")[0].lower() in _RESERVED:
        stem = f"_{stem}"
    return stem or "submission"


def write_reports(
    results: Sequence[SubmissionResult],
    out_dir: Path,
    *,
    question_names: Sequence[str],
    template: Sequence[str] = (),
    assignment: str,
    canvas_assignment_id: str | None = None,
    identities: Mapping[str, Identity] | None = None,
    absent: Sequence[Identity] = (),
    hand_grading: Mapping[str, str] | None = None,
) -> ReportPaths:
    """Write grades.csv, results/, feedback/, summary.html and exports/ under `out_dir`; return their paths.

    `template` is the student notebook's code cells, so that starter code does not count as similar
    code on the summary page.  Files are written whole and then renamed into place, so a reader never
    sees half a report.  `identities` (from a roster) name the students in every export; `absent` are
    roster students without a submission; `hand_grading` maps a hand-graded question to the relative
    URL of its grading page, linked from the summary.  Raises OSError when `out_dir` cannot be written.
    """
    out_dir = Path(out_dir)
    results_dir = out_dir / "results"
    feedback_dir = out_dir / "feedback"
    exports_dir = out_dir / "exports"
    for folder in (results_dir, feedback_dir, exports_dir):
        folder.mkdir(parents=True, exist_ok=True)

    stems = _unique_stems([r.submission for r in results])
    failures: list[str] = []
    result_paths: dict[str, Path] = {}
    feedback_paths: dict[str, Path] = {}
    links: dict[str, str] = {}
    written: set[Path] = set()
    safe: list[SubmissionResult] = []  # each result as the class-wide files can render it
    rendered = _render_in_parallel(results, assignment)
    for result, stem, ready in zip(results, stems, rendered):
        json_path = results_dir / f"{stem}.json"
        html_path = feedback_dir / f"{stem}.html"
        try:
            json_text, html = ready or _render_one(result, assignment)
        except Exception as error:  # this submission's reports only: the others and the class files go on
            failures.append(f"the reports of {result.submission!r} could not be rendered ({type(error).__name__}: {error})")
            result = _stand_in(result, error)
            try:
                json_text, html = _render_one(result, assignment)
            except Exception:
                json_text, html = _last_resort(result)
        _write(json_path, json_text)
        _write(html_path, html)
        safe.append(result)
        written.update((json_path, html_path))
        result_paths.setdefault(result.submission, json_path)
        feedback_paths.setdefault(result.submission, html_path)
        links.setdefault(result.submission, f"feedback/{stem}.html")

    for folder in (results_dir, feedback_dir):
        _remove_stale(folder, written)

    paths = ReportPaths(
        out_dir=out_dir,
        grades_csv=out_dir / "grades.csv",
        summary_html=out_dir / "summary.html",
        gradescope_scores_csv=exports_dir / "gradescope_scores.csv",
        canvas_gradebook_csv=exports_dir / "canvas_gradebook.csv",
        results=result_paths,
        feedback=feedback_paths,
        renamed={r.submission: stem for r, stem in zip(results, stems) if stem != safe_filename(r.submission)},
    )
    files = [
        (paths.grades_csv, lambda: render_grades_csv(safe, question_names=question_names, identities=identities)),
        (paths.gradescope_scores_csv, lambda: render_gradescope_scores_csv(safe, identities=identities, absent=absent)),
        (paths.canvas_gradebook_csv, lambda: render_canvas_csv(safe, assignment=assignment, assignment_id=canvas_assignment_id,
                                                               identities=identities, absent=absent)),
        (paths.summary_html, lambda: render_summary_html(safe, question_names=question_names, template=template,
                                                         feedback_links=links, title=assignment, hand_grading=hand_grading)),
    ]
    for path, render in files:
        try:
            text = render()
        except Exception as error:  # one file's failure: a plain stand-in, and the next file is still written
            failures.append(f"{path.name} could not be rendered ({type(error).__name__}: {error})")
            text = _plain_table(path, safe)
        _write(path, text)
    return replace(paths, failures=tuple(f[:500] for f in failures))


def instructor_report(results: Sequence[SubmissionResult]) -> list[str]:
    """One line per test that raised, for the CLI (the summary page shows the tracebacks)."""
    lines = []
    for note in instructor_errors(results):
        last = note.traceback.strip().splitlines()[-1] if note.traceback.strip() else ""
        who = "charged to the student (it raised on their value)" if note.charged else "instructor's fault, scored as passed"
        lines.append(f"test {note.question} · {note.name} raised in {len(note.submissions)} submission(s), "
                     f"{who}: {last[:200]}")
    return lines


PARALLEL_FROM = 64  # classes at least this big get their feedback pages and results JSON drawn by worker processes
_CLASS: tuple[Sequence[SubmissionResult], str] = ((), "")  # read in place by forked workers


def _render_in_parallel(results: Sequence[SubmissionResult], assignment: str) -> list[tuple[str, str] | None]:
    """Each submission's (results JSON, feedback page), drawn by one worker process per core (forked,
    so the results are read in place); None where drawing raised or the class is small, so that the
    caller draws it itself and contains the failure.  The summary is drawn once, by the caller."""
    global _CLASS
    workers = min(len(os.sched_getaffinity(0)), len(results))
    if len(results) < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [None] * len(results)
    _CLASS = (results, assignment)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_render_at, range(len(results)), chunksize=max(1, len(results) // (4 * workers)))
    except Exception:  # noqa: BLE001 - no worker process: every page is drawn here instead
        return [None] * len(results)
    finally:
        _CLASS = ((), "")


def _render_at(index: int) -> tuple[str, str] | None:
    try:
        return _render_one(_CLASS[0][index], _CLASS[1])
    except Exception:  # noqa: BLE001 - drawn again by the caller, which contains the failure
        return None


def _render_one(result: SubmissionResult, assignment: str) -> tuple[str, str]:
    json_text = json.dumps(render_gradescope(result), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    return json_text, render_feedback_html(result, title=assignment)


def _stand_in(result: SubmissionResult, error: Exception) -> SubmissionResult:
    """The result with what could not be drawn removed (examples, misconceptions), its score kept."""
    questions = tuple(
        replace(q, tests=tuple(replace(t, example=None, misconception=None, message=str(t.message)[:2000]) for t in q.tests))
        for q in result.questions
    )
    note = (f"Part of this page could not be drawn (an internal grading error: {type(error).__name__}); "
            "the score is complete. Please tell the course staff.")
    return replace(result, questions=questions, message=f"{note} {result.message}".strip(), stdout=str(result.stdout)[:20000])


def _last_resort(result: SubmissionResult) -> tuple[str, str]:
    score = f"{result.score:g} / {result.max_score:g}"
    payload = {"score": result.score, "output": f"Score {score}. The detailed report could not be written "
               "(an internal grading error, not your fault); please tell the course staff.", "tests": []}
    page = (f"<!DOCTYPE html><html lang=\"en\"><meta charset=\"utf-8\"><title>{html_escape(result.submission)}</title>"
            f"<p>Score {html_escape(score)}. The detailed report could not be written (an internal grading error, "
            "not your fault); please tell the course staff.</p></html>\n")
    return json.dumps(payload) + "\n", page


def _plain_table(path: Path, results: Sequence[SubmissionResult]) -> str:
    rows = [(r.submission, f"{r.score:g}", f"{r.max_score:g}", r.status.value) for r in results]
    if path.suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["submission", "score", "max_score", "status"])
        writer.writerows([("'" + a if a[:1] in "=+-@" else a, b, c, d) for a, b, c, d in rows])
        return buffer.getvalue()
    body = "".join(f"<tr><td>{html_escape(a)}</td><td>{b}</td><td>{c}</td><td>{d}</td></tr>" for a, b, c, d in rows)
    return ("<!DOCTYPE html><html lang=\"en\"><meta charset=\"utf-8\"><title>summary</title>"
            "<p>The summary page could not be drawn (an internal grading error); the scores are below.</p>"
            f"<table><tr><th>submission</th><th>score</th><th>max</th><th>status</th></tr>{body}</table></html>\n")


def _unique_stems(names: Sequence[str]) -> list[str]:
    """Return one distinct file stem per position (two results with one name get -2, -3, ...)."""
    taken: set[str] = set()
    stems = []
    for name in names:
        stem = base = safe_filename(name)
        counter = 2
        while stem.lower() in taken:  # case-insensitive file systems
            stem = f"{base}-{counter}"
            counter += 1
        taken.add(stem.lower())
        stems.append(stem)
    return stems


def _remove_stale(folder: Path, current: set[Path]) -> None:
    """Reports of submissions no longer in the folder must not pass for this run's."""
    for path in folder.iterdir():
        if path.is_file() and path not in current:
            path.unlink()


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8", newline="")
    os.replace(temporary, path)
