"""The TA's commands: `grade` a folder (only what changed) and `merge` hand grades into every report.

    grade   find the submissions; take the last result of each one whose file and grading side are
            unchanged (`autograder.incremental`), grade the others in the sandbox; then publish
    merge   publish the last run's results again, without grading anything
    publish merge the hand grades (`hand-grades/*.csv` beside the output) and the roster into the
            results; write every report for the whole folder, and one hand-grading page per written
            question in `<OUT>/hand-grading/`; say where everything is and what to do next
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from .assignment import Assignment, load_assignment, project_root
from .errors import InstructorError, SandboxUnavailable
from .handgrading import (
    HandGradesError,
    default_hand_grades_dir,
    merge_hand_grades,
    read_hand_grades,
    written_questions,
)
from .incremental import ResultCache, grading_fingerprint, submission_key
from .load import load_submission, submission_name
from .render.hand_grading import render_hand_grading_html
from .render import format_points
from .reports import instructor_report, safe_filename, write_reports
from .results import Status, SubmissionResult, class_scores
from .roster import Roster, RosterError, read_roster


@dataclass(frozen=True)
class Options:
    """Where the reports go and what to merge into them."""

    out_dir: Path
    hand_grades: Path | None = None  # default: hand-grades/ beside out_dir
    roster: Path | None = None

    @property
    def hand_grades_dir(self) -> Path:
        return self.hand_grades or default_hand_grades_dir(self.out_dir)


def _console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def grade_class(submissions: Path, *, assignment_dir: Path, options: Options, workers: int | None = None,
                allow_unprotected: bool = False, force: bool = False, only: Sequence[str] = ()) -> int:
    """The `grade` command; returns the exit status."""
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .batch import Grader, find_submissions
    from .slots import default_workers

    console = _console()
    if not submissions.is_dir():
        console.print(f"[red]no such folder of submissions: {escape(str(submissions))}[/red]")
        return 2
    try:
        assignment = load_assignment(assignment_dir)
    except InstructorError as error:
        console.print(f"[red]the assignment cannot be graded (instructor's configuration): {escape(str(error))}[/red]")
        return 2
    paths = find_submissions(submissions)
    if not paths:
        console.print(f"[yellow]no *.ipynb files in {escape(str(submissions))}[/yellow]")
    names = [submission_name(p) for p in paths]
    only_set = {submission_name(Path(o)) for o in only}
    unknown = sorted(only_set - set(names))
    if unknown:
        console.print(f"[red]ONLY names no submission in {escape(str(submissions))}: {escape(', '.join(unknown))}[/red]")
        return 2

    started = time.monotonic()
    options.out_dir.mkdir(parents=True, exist_ok=True)
    fingerprint = grading_fingerprint(assignment)
    cache = ResultCache(options.out_dir, fingerprint)
    keys = [submission_key(p, fingerprint) for p in paths]
    results: list[SubmissionResult | None] = [
        None if force or name in only_set else cache.get(name, key) for name, key in zip(names, keys)]
    todo = [i for i, r in enumerate(results) if r is None]
    if todo:
        root = project_root(assignment.directory)  # the checkout's tests, solutions and history
        repo_private = [root / d for d in ("tests", "solutions", ".git")] if root is not None else []
        repo_private += [p for p in (assignment.solution,) if p is not None]
        # hand grades and the roster name students and say what graders think: no sandbox may read them
        repo_private += [p.resolve() for p in (options.hand_grades_dir, options.roster) if p is not None and p.exists()]
        count = max(1, min(workers or default_workers(), len(todo)))
        try:
            grader = Grader(assignment, workers=count, allow_unprotected=allow_unprotected,
                            outside=[submissions.resolve(), options.out_dir.resolve(), *repo_private])
        except SandboxUnavailable as error:
            console.print(f"[red]{escape(str(error))}[/red]")
            return 3
        with grader, Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                              TextColumn("{task.description}"), console=console) as progress:
            console.print(grader.protections.summary())
            for note in grader.disagreements:
                console.print(f"[yellow]instructor: {escape(note)}[/yellow]")
            task = progress.add_task("", total=len(todo))

            def advance(result: SubmissionResult) -> None:
                progress.update(task, advance=1, description=escape(
                    f"{result.submission}: {result.score:g}/{result.max_score:g}"))

            fresh = grader.grade([paths[i] for i in todo], on_result=advance)
        for i, result in zip(todo, fresh):
            results[i] = result
            cache.put(result, keys[i])
    cache.record_run(names, folder=submissions.resolve(), assignment_dir=assignment.directory)
    graded_now = [results[i] for i in todo]
    listed = ", ".join(names[i] for i in todo[:10]) + (" …" if len(todo) > 10 else "")
    console.print(
        f"graded {len(todo)} new or changed submission{'' if len(todo) == 1 else 's'}"
        + (f" ({escape(listed)}: {', '.join(_counts(graded_now))})" if graded_now else "")
        + f"; {len(paths) - len(todo)} unchanged since the last run, not graded again"
        + f"; {time.monotonic() - started:.1f} s")
    if len(paths) - len(todo) and not force:
        console.print("  (grade all again: make grade FORCE=1; one submission: make grade ONLY=<name>)")
    return publish([r for r in results if r is not None], assignment, options, console=console)


def merge(*, out_dir: Path, options: Options, assignment_dir: Path | None = None) -> int:
    """The `merge` command: the last run's results with today's hand grades and roster, no grading."""
    from rich.markup import escape

    console = _console()
    run = ResultCache(out_dir, "").last_run()
    if run is None:
        console.print(f"[red]{escape(str(out_dir))} holds no grading run: run `make grade` first[/red]")
        return 2
    try:
        assignment = load_assignment(Path(assignment_dir or run["assignment"]))
    except InstructorError as error:
        console.print(f"[red]the assignment cannot be read: {escape(str(error))}[/red]")
        return 2
    fingerprint = grading_fingerprint(assignment)
    cache = ResultCache(out_dir, fingerprint)
    results = []
    for name in run["submissions"]:
        result = cache.get(name, None, any_key=True)
        if result is None:
            console.print(f"[yellow]no kept result for {escape(name)}: run `make grade` to grade it[/yellow]")
            continue
        results.append(result)
    if run.get("fingerprint") != fingerprint:
        console.print("[yellow]the assignment's tests or the grading engine changed since the last run: "
                      "these are the old results; run `make grade` to grade what changed[/yellow]")
    return publish(results, assignment, options, console=console)


def publish(results: list[SubmissionResult], assignment: Assignment, options: Options, *, console) -> int:
    """Merge hand grades and roster into `results`, write every report, and say what is next."""
    from rich.markup import escape

    out_dir = options.out_dir
    questions = written_questions(assignment)
    hand_dir = options.hand_grades_dir
    files = sorted(hand_dir.glob("*.csv")) if hand_dir.is_dir() else []
    if options.hand_grades is not None and not hand_dir.is_dir():
        console.print(f"[yellow]no folder {escape(str(hand_dir))}: no hand grades merged[/yellow]")
    try:
        grades = read_hand_grades(hand_dir, questions) if files else {}
        roster = read_roster(options.roster) if options.roster else None
    except (HandGradesError, RosterError) as error:
        console.print(f"[red]{escape(str(error))}[/red]\nNothing was written; fix the file and run the command again.")
        return 2
    unused = []
    if files:
        results, unused = merge_hand_grades(results, grades, assignment)
    names = [r.submission for r in results]
    identities = roster.identities(names) if roster else None
    absent = roster.without_submission(names) if roster else []
    starter = load_submission(assignment.student_notebook).code_cells if assignment.student_notebook.exists() else ()

    hand_dir_out = out_dir / "hand-grading"
    pages = {}
    if questions:
        hand_dir_out.mkdir(parents=True, exist_ok=True)
        saved_at = max((f.stat().st_mtime for f in files), default=0.0)
        display = {n: who.name for n, who in (identities or {}).items() if not who.guessed}
        for question in questions:
            page = hand_dir_out / f"{safe_filename(question.name)}.html"
            page.write_text(render_hand_grading_html(question, results, assignment=assignment.name, grades=grades,
                                                     names=display, saved_at=saved_at), encoding="utf-8")
            pages[question.name] = page
    written = write_reports(results, out_dir, question_names=assignment.question_names, template=starter,
                            assignment=assignment.name, identities=identities, absent=absent,
                            hand_grading={q: f"hand-grading/{p.name}" for q, p in pages.items()})

    counted = class_scores(results)  # the same mean as the summary page's
    mean = format_points(sum(counted) / len(counted)) if counted else "–"
    possible = max((r.max_score for r in results), default=0.0)
    console.print(f"{len(results)} submissions: {', '.join(_counts(results))}; "
                  f"mean score {mean}/{possible:g}" + (" (of those with every hand score)" if len(counted) < len(results) else ""))
    for line in instructor_report(results):
        console.print(f"  [yellow]instructor[/yellow] {escape(line)}", highlight=False)
    for failure in written.failures:
        console.print(f"  [red]internal error[/red] {escape(failure)}", highlight=False)
    console.print("\n[bold]Reports (the whole folder)[/bold]")
    rows = [("grades", written.grades_csv), ("summary", written.summary_html),
            ("feedback", f"{written.feedback_dir}/  (one page per submission, named after it)"),
            ("results", f"{written.results_dir}/  (Gradescope results.json)"),
            ("exports", f"{written.gradescope_scores_csv}\n           {written.canvas_gradebook_csv}")]
    for question, page in pages.items():
        rows.append((f"{question} page", page))
    for label, where in rows:
        console.print(f"  {label:<9} {escape(str(where))}")
    for name, stem in sorted(written.renamed.items()):
        console.print(f"  [yellow]note[/yellow] feedback/{escape(stem)}.html is {escape(name)!r}: "
                      f"{escape(safe_filename(name))}.html was taken by another submission")
    if roster:
        guessed = [n for n, who in identities.items() if who.guessed]
        console.print(f"  identities from the roster {escape(str(roster.path))}"
                      + (f"; [yellow]{len(guessed)} submission(s) not in it, guessed from file names: "
                         f"{escape(', '.join(guessed[:5]))}{' …' if len(guessed) > 5 else ''}[/yellow]" if guessed else "")
                      + (f"; {len(absent)} roster student(s) without a submission (left empty in the exports)" if absent else ""))
    else:
        console.print("  [yellow]identities in the exports are guessed from file names[/yellow] "
                      "(give a roster: make grade ROSTER=roster.csv, columns student_id,name,email,submission)")
    for grade in unused:
        console.print(f"  [yellow]note[/yellow] {escape(grade.origin)}: no submission {escape(grade.submission)!r} "
                      f"with {escape(grade.question)} in this run; that grade is not used")

    console.print("\n[bold]Next[/bold]")
    waiting = {q.name: sum(1 for r in results for m in r.manual if m.question == q.name
                           and (grades.get((r.submission, q.name)) is None or grades[(r.submission, q.name)].score is None))
               for q in questions}
    step = 1
    for question, count in waiting.items():
        if count:
            console.print(f"  {step}. {count} answer{'' if count == 1 else 's'} to {question} await hand grading: open "
                          f"{escape(str(pages[question]))}, grade, press Save CSV, and keep the CSV in "
                          f"{escape(str(hand_dir))}/")
            step += 1
    if questions:
        console.print(f"  {step}. merge the hand grades into every report: make merge   "
                      f"(python -m autograder merge --out {escape(str(out_dir))})")
        step += 1
    incomplete = len(results) - len(counted)
    console.print(f"  {step}. upload {escape(str(written.gradescope_scores_csv))} (Gradescope) or "
                  f"{escape(str(written.canvas_gradebook_csv))} (Canvas)"
                  + (f": {incomplete} total(s) are left empty until their hand scores are merged" if incomplete else
                     (": out of the autograded points until hand grades are merged" if questions and not files else "")))
    return 0


def _counts(results: Sequence[SubmissionResult]) -> list[str]:
    labels = {Status.GRADED: "graded", Status.INVALID: "invalid", Status.TIMEOUT: "timed out", Status.ERROR: "errors"}
    return [f"{labels[s]} {sum(r.status is s for r in results)}" for s in Status]
