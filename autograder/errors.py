"""Whose fault it is: the student's, the instructor's, or ours.

Three families, and `autograder.run_tests.outcome_of_call` is the one place that maps each to
a test outcome:

- the student's (`StudentFault`): a visible message they can act on, zero for that part;
- the instructor's (`InstructorError` for configuration, `InstructorFault` for a test or check
  helper that raises for reasons unrelated to the student's value): shown to the course staff
  with its traceback, never charged to the student as a wrong answer;
- ours (`InternalError`, `SandboxUnavailable`): an "internal grading error", counted in the summary.

Faults raised through a proxy, and the grading-control exceptions that end a submission's
tests (`GradingStopped`), derive from BaseException (as pytest's outcomes do), so that an
`except Exception` in an instructor's test or a check helper cannot swallow them by accident.
`GradingStopped` is not a `StudentFault` either, so a helper that catches student faults to
describe them (the smallest-input search) still lets it through.
"""

from __future__ import annotations

from .results import Outcome


class StudentFault(BaseException):
    """Student code did something that ends this test with zero points (message is visible)."""

    outcome = Outcome.ERROR

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class StudentRaised(StudentFault):
    """The student's function raised an exception."""


class StudentCrashed(StudentFault):
    """The process running the student's function died (os._exit, a signal, memory, recursion)."""


class StudentTimedOut(StudentFault):
    """The student's function ran past the time limit of the test."""

    outcome = Outcome.TIMEOUT


class StudentBadValue(StudentFault):
    """The student's function returned something that is not plain, bounded numeric data."""


class StudentModifiedInput(StudentFault):
    """The student's function changed an argument in place."""


class GradingStopped(BaseException):
    """Grading control: no further test of this submission can run (never caught by a check)."""

    outcome = Outcome.ERROR

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class SandboxLost(GradingStopped):
    """The student's sandbox stopped answering: every remaining test of the submission fails."""


class SubmissionOutOfTime(GradingStopped):
    """The submission used up its total time (its sandbox's and the grader's work for it)."""

    outcome = Outcome.TIMEOUT


class InvalidSubmission(Exception):
    """The file is not a gradable notebook; the message says why, in words a student understands."""


class InstructorError(Exception):
    """The assignment is misconfigured (tests, config); grading cannot be trusted until fixed."""


class InstructorFault(Exception):
    """A test or check helper raised for a reason unrelated to the student's value.

    `detail` is the traceback, shown to the course staff only (it may quote hidden values)."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail


class InternalError(Exception):
    """The grader's own fault (a bug, or a sandbox that failed to set itself up)."""


class SandboxUnavailable(InternalError):
    """A protection the grader was asked to rely on does not work on this machine."""
