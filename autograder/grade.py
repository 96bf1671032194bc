"""One submission through the whole pipeline: load -> static checks -> sandboxed run -> tests.

`grade_submission` always returns a SubmissionResult: an invalid file, a notebook that
kills its sandbox, and a failure of the grader itself all end as results, never as
exceptions that would stop a batch.  Whose fault each ending is:

- the student's: an invalid file (status "invalid"), cells that fail or are skipped, tests that
  fail (their outcomes say why), a notebook that uses up its time (status "timeout");
- ours: a sandbox that fails to set itself up, or any bug of the grader (status "error", an
  "internal grading error" the summary counts).
"""

from __future__ import annotations

import functools
import time
import traceback
from dataclasses import replace
from pathlib import Path

from .assignment import Assignment
from .capture import plain_text
from .cells import runnable_cell
from .errors import InternalError, InvalidSubmission
from .load import PARSE_LOCK, Submission, extract_written_answers, load_submission, submission_name
from .results import ManualAnswer, Outcome, QuestionResult, Status, SubmissionResult
from .run_tests import by_question, outcome_of, run_tests
from .rules import check_sources
from .sandbox.session import Budget, Session, WorkerSlot

MAX_RESTARTS = 3


def grade_submission(path: Path, assignment: Assignment, slot: WorkerSlot) -> SubmissionResult:
    """Grade the notebook at `path` in `slot`'s sandbox."""
    budget = Budget(assignment.limits.submission_seconds)
    started = time.monotonic()
    name = submission_name(path)
    protections = slot.protections.summary()
    try:
        submission = load_submission(path)
    except InvalidSubmission as error:
        return SubmissionResult.not_gradable(name, Status.INVALID, str(error),
                                             possible=assignment.autograded_points, protections=protections)
    except Exception as error:  # reading a file is the grader's job: its failure is ours
        return SubmissionResult.not_gradable(
            name, Status.ERROR, f"Internal grading error while reading the notebook ({type(error).__name__}: "
            f"{str(error)[:200]}); please report this to the course staff.",
            possible=assignment.autograded_points, protections=protections)
    try:
        return _grade_loaded(submission, assignment, slot, budget, started)
    except InternalError as error:
        return SubmissionResult.not_gradable(
            name, Status.ERROR, f"Internal grading error ({error}); please report this to the course staff.",
            possible=assignment.autograded_points, protections=protections)
    except Exception:  # the grader's fault: a valid zero result that says so, and the batch goes on
        with PARSE_LOCK:  # Python 3.11 parses source lines to format a traceback
            detail = traceback.format_exc(limit=-3).strip().splitlines()[-1]
        return SubmissionResult.not_gradable(
            name, Status.ERROR, f"Internal grading error ({detail}); please report this to the course staff.",
            possible=assignment.autograded_points, protections=protections)


def _grade_loaded(submission: Submission, assignment: Assignment, slot: WorkerSlot, budget: Budget,
                  started: float) -> SubmissionResult:
    static_note = ""
    try:
        with PARSE_LOCK:
            breaches = check_sources(assignment.rules, submission.checkable_cells)
    except RecursionError:  # code deep enough to exhaust the analysis: the rules are still watched at run time
        breaches = {}
        static_note = ("the grader could not read your code before running it (it is nested too deeply); "
                       "the assignment's rules were checked while it ran")
    skip = set(submission.unusable)
    with PARSE_LOCK:
        cells = ["" if i in skip else runnable_cell(c) for i, c in enumerate(submission.code_cells)]
    with Session(slot, budget) as session:
        run = session.run_notebook(cells, notebook=submission.text, names=list(assignment.student_names), skip=skip,
                                   cell_seconds=assignment.limits.cell_seconds,
                                   files=data_files(assignment.directory, assignment.files),
                                   namespace=assignment.wants_namespace)
        execution = run.execution
        notes = [f"code cell {i + 1} was skipped: {why}" for i, why in sorted(submission.unusable.items())] + list(run.notes)
        if run.usable:
            tested = run_tests(assignment, session, execution.names, breaches, budget=budget,
                               namespace=execution.namespace)
            questions, timed_out = tested.questions, tested.out_of_time
        else:
            questions = _all_failed(assignment, "your notebook could not be run to the end: " + "; ".join(notes))
            timed_out = budget.remaining() <= 0
    status = Status.TIMEOUT if timed_out else Status.GRADED
    questions = tuple(_plain_messages(q) for q in questions)
    errors = {c.index: plain_text(c.error) for c in execution.cells if not c.ok}
    errors.update({i: f"skipped: {why}" for i, why in submission.unusable.items()})
    cell_errors = [f"code cell {i + 1}: {errors[i]}" for i in sorted(errors)]
    message_parts = [f"{note[0].upper()}{note[1:]}." for note in [*notes, static_note] if note]
    if cell_errors:
        message_parts.append(f"{len(cell_errors)} code cell(s) raised an error or were skipped (first: {cell_errors[0]}).")
    if timed_out:
        message_parts.insert(0, f"Grading stopped after the {assignment.limits.submission_seconds:.0f} s limit for a submission.")
    answers = extract_written_answers(submission, [m.name for m in assignment.manual])
    manual = tuple(ManualAnswer(question=m.name, max_score=m.points, prompt=m.title, answer=answers[m.name])
                   for m in assignment.manual)
    return SubmissionResult(
        submission=submission.name,
        status=status,
        message=" ".join(message_parts),
        questions=questions,
        manual=manual,
        possible=assignment.autograded_points,
        protections=slot.protections.summary(),
        stdout=plain_text(execution.stdout),
        seconds=time.monotonic() - started,
        source_cells=submission.code_cells,
    )


@functools.lru_cache(maxsize=8)
def data_files(directory: Path, files: tuple[Path, ...]) -> tuple[tuple[str, bytes], ...]:
    """(path relative to the assignment's folder, content) of the files the notebook reads, read once.
    Raises InternalError when one cannot be read (it was there when the assignment was loaded)."""
    try:
        return tuple((path.relative_to(directory).as_posix(), path.read_bytes()) for path in files)
    except OSError as error:
        raise InternalError(f"cannot read a file the assignment declares ({error})") from None


def _plain_messages(question: QuestionResult) -> QuestionResult:
    """Messages quote what the student's code raised or printed: no terminal escape codes in reports."""
    tests = tuple(replace(t, message=plain_text(t.message)) if "\x1b" in t.message or "\r" in t.message else t
                  for t in question.tests)
    return replace(question, tests=tests)


def _all_failed(assignment: Assignment, message: str) -> tuple[QuestionResult, ...]:
    return by_question(outcome_of(spec, Outcome.ERROR, message) for spec in assignment.tests)
