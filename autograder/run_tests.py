"""Stage 4: run the trusted tests in the grader, with the student's names bound to proxies.

A test function's parameters are student names (otter's convention).  A function name
becomes a `StudentFunction` whose calls go to a forked copy of the executed notebook; a
value name (`equivariant_layers`) is fetched once as plain data.  The boundary between the
student's fault and a broken test is drawn here: a test that raises something other than
an assertion or a student fault is reported without its text, which could carry hidden
values.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterable

from .assignment import Assignment, TestSpec
from .checks import StudentMistake
from .errors import SandboxLost, StudentBrokeRule, StudentFault
from .results import Outcome, QuestionResult, TestOutcome
from .sandbox.session import Caller, Job
from .static_checks import RuleViolation


class StudentFunction:
    """Stands for a function of the student's notebook; calling it runs it in the sandbox."""

    def __init__(self, name: str, caller: Callable[[], Caller]):
        self.__name__ = name
        self._caller = caller

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._caller().call(self.__name__, args, kwargs)

    def __repr__(self) -> str:
        return f"<student function {self.__name__}>"


class Callers:
    """Forks callers lazily: one for the submission, and a fresh one after a crash or a timeout.

    A fork per question would isolate questions from each other's global state, but a
    notebook's names share one namespace in Jupyter too, and each fork and exit of a process
    holding numpy and matplotlib costs about 2 ms; only a dead caller is replaced.
    """

    def __init__(self, job: Job):
        self.job = job
        self.current: Caller | None = None
        self.deadline = float("inf")

    def get(self) -> Caller:
        if self.current is None or self.current.dead:
            if self.current is not None:
                self.current.close()
            self.current = self.job.caller()
        self.current.deadline = self.deadline
        return self.current

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None


def run_tests(
    assignment: Assignment,
    job: Job,
    names: dict[str, str],
    violations: dict[str, RuleViolation],
    *,
    deadline: float,
) -> tuple[tuple[QuestionResult, ...], bool]:
    """Run every test; return the question results and whether the submission deadline passed."""
    callers = Callers(job)
    outcomes: list[TestOutcome] = []
    lost: str | None = None
    timed_out = False
    try:
        for spec in assignment.tests:
            if lost is None and time.monotonic() > deadline:
                timed_out = True
                lost = "grading stopped: the submission used up its total time limit."
            if lost is not None:
                outcomes.append(outcome_of(spec, Outcome.TIMEOUT if timed_out else Outcome.ERROR, lost))
                continue
            try:
                outcomes.append(run_one(spec, callers, names, violations, assignment, deadline=deadline))
            except SandboxLost as fault:  # nothing more can run: this test and every later one fail
                lost = fault.message
                outcomes.append(outcome_of(spec, Outcome.ERROR, lost))
    finally:
        callers.close()
    return by_question(outcomes), timed_out


def by_question(outcomes: Iterable[TestOutcome]) -> tuple[QuestionResult, ...]:
    """Test outcomes grouped into questions, in the order the questions first appear."""
    grouped: dict[str, list[TestOutcome]] = {}
    for outcome in outcomes:
        grouped.setdefault(outcome.question, []).append(outcome)
    return tuple(QuestionResult(name=q, tests=tuple(ts)) for q, ts in grouped.items())


def outcome_of(spec: TestSpec, outcome: Outcome, message: str, **extra: Any) -> TestOutcome:
    return TestOutcome(name=spec.name, question=spec.question, max_score=spec.points, outcome=outcome,
                       hidden=spec.hidden, message=message, **extra)


def run_one(
    spec: TestSpec,
    callers: Callers,
    names: dict[str, str],
    violations: dict[str, RuleViolation],
    assignment: Assignment,
    *,
    deadline: float,
) -> TestOutcome:
    """Run one test and turn whatever happens into a TestOutcome."""
    started = time.monotonic()
    callers.deadline = min(deadline, started + assignment.limits.test_seconds)
    missing = [p for p in spec.parameters if names.get(p, "missing") == "missing"]
    if missing:
        return outcome_of(spec, Outcome.ERROR, f"this test needs `{missing[0]}`, which your notebook does not define "
                        "(check the spelling, and that its cell runs without an error).")
    for parameter in spec.parameters:
        if parameter in violations:
            violation = violations[parameter]
            return outcome_of(spec, Outcome.RULE, violation.message(assignment.rule_message),
                              misconception=violation.misconception)
    try:
        kwargs = {
            p: (StudentFunction(p, callers.get) if names[p] == "function" else callers.get().get(p))
            for p in spec.parameters
        }
        spec.func(**kwargs)
    except StudentMistake as mistake:
        return outcome_of(spec, Outcome.FAILED, mistake.message, misconception=mistake.misconception,
                        example=mistake.example, seconds=time.monotonic() - started)
    except StudentBrokeRule as fault:
        return outcome_of(spec, Outcome.RULE, f"{fault.message}: {assignment.rule_message}",
                        misconception="library convolution used", seconds=time.monotonic() - started)
    except SandboxLost:
        raise
    except StudentFault as fault:
        return outcome_of(spec, Outcome(fault.outcome), fault.message, seconds=time.monotonic() - started)
    except AssertionError as failure:
        message = str(failure) or ("a hidden check failed." if spec.hidden else "a check failed.")
        label = getattr(failure, "misconception", None)  # public checks (self_checks.CheckFailed) may name one
        return outcome_of(spec, Outcome.FAILED, message, misconception=label if isinstance(label, str) else None,
                          seconds=time.monotonic() - started)
    except Exception as error:  # the test could not use what came back: say so without its text
        return outcome_of(spec, Outcome.ERROR, f"the test could not check what your code returned ({type(error).__name__}); "
                        "check the type and shape your function returns.", seconds=time.monotonic() - started)
    return outcome_of(spec, Outcome.PASSED, "", seconds=time.monotonic() - started)
