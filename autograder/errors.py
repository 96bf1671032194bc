"""Whose fault it is: the student's, the instructor's, or ours.

Faults of student code raised through a proxy derive from BaseException (as pytest's
outcomes do), so that an `except Exception` in an instructor's test cannot swallow them by
accident: they always end the test that triggered them.
"""

from __future__ import annotations


class StudentFault(BaseException):
    """Student code did something that ends this test with zero points (message is visible)."""

    outcome = "error"

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

    outcome = "timeout"


class StudentBadValue(StudentFault):
    """The student's function returned something that is not plain numeric data."""


class StudentModifiedInput(StudentFault):
    """The student's function changed an argument in place."""


class StudentBrokeRule(StudentFault):
    """An assignment rule was broken, such as library convolution where it is not allowed."""

    outcome = "rule"


class SandboxLost(StudentFault):
    """The whole sandbox stopped answering: every remaining test of the submission fails."""


class InvalidSubmission(Exception):
    """The file is not a gradable notebook; the message says why, in words a student understands."""


class InstructorError(Exception):
    """The assignment is misconfigured (tests, config); grading cannot be trusted until fixed."""


class SandboxUnavailable(Exception):
    """A protection the grader was asked to rely on does not work on this machine."""
