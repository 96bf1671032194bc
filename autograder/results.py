"""The one result model every report is rendered from.

Scores are stored only on test outcomes; every total is a computed property so that the
Gradescope JSON, the CSV row and the HTML page cannot disagree.  Renderers do no score
arithmetic: they read these properties.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Sequence


class Outcome(str, Enum):
    """How one test ended, from the student's point of view."""

    PASSED = "passed"
    FAILED = "failed"  # the student's answer is wrong (a visible message says how)
    ERROR = "error"  # the student's code raised, crashed or returned something unusable
    TIMEOUT = "timeout"  # the student's code ran past the test's time limit
    RULE = "rule"  # a rule of the assignment was broken (rules.py)
    INTERNAL = "internal"  # the grader's own fault: never the student's, always reported
    INSTRUCTOR = "instructor"  # the test itself raised, whatever the student's value: not charged


# How a test the instructor broke is scored: as passed, so that no export (Canvas has a fixed
# "points possible") charges the student for it.  Every such test is listed for the course
# staff with its traceback (summary page and CLI) so that it can be fixed and the class regraded.
NOT_CHARGED = (Outcome.PASSED, Outcome.INSTRUCTOR)


class Status(str, Enum):
    """How grading of a whole submission ended."""

    GRADED = "graded"
    INVALID = "invalid"  # not a gradable notebook; the message says why
    TIMEOUT = "timeout"  # the submission ran past its overall deadline
    ERROR = "error"  # internal grading error; the message says what to report


@dataclass(frozen=True)
class Example:
    """A small input on which the student's function is wrong, with both outputs.

    Only inputs made by shrinking appear here, never a hidden case or its expected value.
    """

    function: str
    inputs: dict[str, Any]  # argument name -> plain data (nested lists or numbers)
    got: Any
    expected: Any

    def to_dict(self) -> dict[str, Any]:
        return {"function": self.function, "inputs": self.inputs, "got": self.got, "expected": self.expected}


@dataclass(frozen=True)
class TestOutcome:
    """The outcome of one test case of one question."""

    name: str
    question: str
    max_score: float
    outcome: Outcome
    hidden: bool
    message: str = ""
    misconception: str | None = None
    example: Example | None = None
    seconds: float = 0.0
    detail: str = ""  # for the course staff only (a test's traceback); never shown to the student

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED

    @property
    def score(self) -> float:
        return self.max_score if self.outcome in NOT_CHARGED else 0.0


@dataclass(frozen=True)
class ManualAnswer:
    """A question graded by a person: the student's answer text travels with the result, and the
    score and comment a grader gave it once they are merged in (`score` None: not graded yet)."""

    question: str
    max_score: float
    prompt: str
    answer: str
    score: float | None = None
    comment: str = ""

    @property
    def graded(self) -> bool:
        return self.score is not None


@dataclass(frozen=True)
class QuestionResult:
    name: str
    tests: tuple[TestOutcome, ...]

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tests)

    @property
    def passed_all(self) -> bool:
        return all(t.outcome in NOT_CHARGED for t in self.tests)


@dataclass(frozen=True)
class SubmissionResult:
    """Everything known about one graded submission."""

    submission: str
    status: Status
    message: str = ""
    questions: tuple[QuestionResult, ...] = ()
    manual: tuple[ManualAnswer, ...] = ()
    possible: float = 0.0  # autograded points of the assignment, so an invalid file still shows x/100
    hand_possible: float = 0.0  # hand-graded points counted in the totals (0 until hand grades are merged)
    protections: str = ""
    stdout: str = ""  # the student's own printed output, truncated; shown only after publication
    seconds: float = 0.0
    source_cells: tuple[str, ...] = field(default=(), repr=False)  # for similarity reports

    @property
    def autograded_score(self) -> float:
        return sum(q.score for q in self.questions)

    @property
    def score(self) -> float:
        """Points earned: autograded, plus hand-given ones once merged (a missing one adds nothing)."""
        hand = sum(m.score for m in self.manual if m.score is not None) if self.hand_possible else 0.0
        return self.autograded_score + hand

    @property
    def max_score(self) -> float:
        return max(self.possible, sum(q.max_score for q in self.questions)) + self.hand_possible

    @property
    def hand_missing(self) -> tuple[str, ...]:
        """Hand-graded questions counted in the totals whose score has not been given yet."""
        return tuple(m.question for m in self.manual if m.score is None) if self.hand_possible else ()

    @property
    def complete(self) -> bool:
        """Whether `score` is final: no hand score it counts is missing."""
        return not self.hand_missing

    @property
    def tests(self) -> tuple[TestOutcome, ...]:
        return tuple(t for q in self.questions for t in q.tests)

    def question(self, name: str) -> QuestionResult | None:
        return next((q for q in self.questions if q.name == name), None)

    @classmethod
    def not_gradable(
        cls, submission: str, status: Status, message: str, *, possible: float, protections: str = ""
    ) -> "SubmissionResult":
        """A valid zero-score result for a submission that could not be graded."""
        return cls(submission=submission, status=status, message=message, possible=possible, protections=protections)


def class_scores(results: "Sequence[SubmissionResult]") -> list[float]:
    """The scores the class's mean and median are taken over, as every report states them: every
    submission whose hand-graded questions all have a score (a missing hand score is not a zero),
    one that could not be graded counting as zero, as in the gradebook exports."""
    return [r.score for r in results if r.complete]


def class_mean(results: "Sequence[SubmissionResult]") -> float | None:
    """The mean of `class_scores`; None when there is none."""
    scores = class_scores(results)
    return sum(scores) / len(scores) if scores else None
