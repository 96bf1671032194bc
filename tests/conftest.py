"""Fixtures that grade real notebooks through the real engine.

The sandboxes are opened once per test session (starting a fork server costs about a
second); every `grade(...)` call then runs the full pipeline on a notebook file.
`assignment`, `grader`, `grade` and `grade_many` grade conv-math (its corpus tests); the `tiny_`
ones grade the tiny fixture assignment of `tests/fixtures/tiny/`, on which the engine's own
tests state what the engine does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.assignment import Assignment, load_assignment
from autograder.batch import Grader
from autograder.results import SubmissionResult

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT_DIR = ROOT / "assignments" / "conv-math"
TINY_DIR = ROOT / "tests" / "fixtures" / "tiny"
OUTSIDE = [ROOT / "tests", ROOT / "solutions", ROOT / ".git"]
SUBMISSIONS = ROOT / "tests" / "submissions"


@pytest.fixture(scope="session")
def assignment() -> Assignment:
    return load_assignment(ASSIGNMENT_DIR)


@pytest.fixture(scope="session")
def grader(assignment: Assignment):
    with Grader(assignment, outside=OUTSIDE) as opened:
        yield opened


@pytest.fixture(scope="session")
def grade(grader: Grader):
    """grade(path) -> SubmissionResult, graded in the session's sandboxes."""

    def grade_one(path: Path) -> SubmissionResult:
        (result,) = grader.grade([Path(path)])
        return result

    return grade_one


@pytest.fixture(scope="session")
def grade_many(grader: Grader):
    """grade_many(paths) -> [SubmissionResult], graded in parallel in the session's sandboxes."""
    return lambda paths: grader.grade([Path(p) for p in paths])


@pytest.fixture(scope="session")
def tiny_assignment() -> Assignment:
    return load_assignment(TINY_DIR)


@pytest.fixture(scope="session")
def tiny_grader(tiny_assignment: Assignment):
    with Grader(tiny_assignment, workers=2, outside=OUTSIDE) as opened:
        yield opened


@pytest.fixture(scope="session")
def tiny_grade(tiny_grader: Grader):
    """tiny_grade(path) -> SubmissionResult of the tiny fixture assignment."""

    def grade_one(path: Path) -> SubmissionResult:
        (result,) = tiny_grader.grade([Path(path)])
        return result

    return grade_one


@pytest.fixture(scope="session")
def tiny_grade_many(tiny_grader: Grader):
    return lambda paths: tiny_grader.grade([Path(p) for p in paths])


def sandbox_pids(grader: Grader) -> list[int]:
    """Every process left in the grader's slots besides their fork servers, zombies included."""
    return sorted(pid for slot in grader.sandboxes.slots for pid in slot.leftover_processes())
