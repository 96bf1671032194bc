"""Stage 4: run the trusted tests in the grader, with the student's names bound to proxies.

A test function's parameters are student names (otter's convention).  A function name
becomes a `StudentFunction` whose calls go to a forked copy of the executed notebook (the
session's caller, `sandbox/session.py`); a value name (`equivariant_layers`) is fetched once
as plain data.

Whose fault a test's end is gets decided in one place, `outcome_of_call`, from a `CallInfo`
(as pytest's runner does):

- passed; a wrong answer (an assertion or a `StudentMistake`: visible message, zero);
- the student's code raised, crashed, timed out, returned unusable data or broke a rule
  (a `StudentFault`: visible message, zero);
- the test raised something else.  That is the instructor's fault (`Outcome.INSTRUCTOR`, scored
  as passed and listed for the course staff with its traceback) when it cannot be due to the
  student's value: no value of the student's had reached the test yet, the test raises on the
  reference solution as well (`Assignment.broken_tests`), or a helper raised `InstructorFault`.
  Otherwise the test could not use what the student's code returned: the student's fault, told
  without the exception's text (it could carry hidden values), with the traceback kept for the staff;
- `GradingStopped` (the sandbox is lost, the submission's time is used up) is not a test's
  outcome: it ends every remaining test of the submission.
"""

from __future__ import annotations

import sysconfig
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from .assignment import ENV, Assignment, TestSpec
from .checks import StudentMistake
from .load import PARSE_LOCK
from .errors import GradingStopped, InstructorFault, StudentFault, SubmissionOutOfTime
from .results import Outcome, QuestionResult, TestOutcome
from .sandbox.session import Budget, Caller, NameKind, Session
from .rules import Breach

TRACEBACK_LIMIT = 4000  # characters of a test's traceback kept for the course staff


class StudentFunction:
    """Stands for a function of the student's notebook; calling it runs it in the sandbox."""

    def __init__(self, name: str, caller: Callable[[], Caller]):
        self.__name__ = name
        self._caller = caller

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._caller().call(self.__name__, args, kwargs)

    def __repr__(self) -> str:
        return f"<student function {self.__name__}>"


class StudentNameMissing(StudentFault):
    """A test asked for a name the student's notebook does not define."""

    def __init__(self, name: str):
        super().__init__(f"this test needs `{name}`, which your notebook does not define "
                         "(check the spelling, and that its cell runs without an error).")


class RuleBrokenThroughEnv(StudentFault):
    """A test reached, through `env`, a function that a rule's static check charged."""

    outcome = Outcome.RULE

    def __init__(self, message: str, misconception: str | None):
        super().__init__(message)
        self.misconception = misconception


class StudentNamespace:
    """`env`, otter's whole-namespace test parameter: the student's names, each as the proxy a parameter
    of that name would get (a `StudentFunction`, or a value fetched as plain data when the test reads it).

    It reads like the dict otter passes: `env["pooled"]`, `env.get("pooled")`, `"pooled" in env`,
    `sorted(env)`.  A missing name read with `env[name]` ends the test as the student's fault with the
    message a missing parameter gets (otter's test would raise KeyError); a function a rule charged
    ends it as a broken rule, as it would as a parameter.
    """

    def __init__(self, kinds: dict[str, NameKind], session: Session, rule_broken: Callable[[str], StudentFault | None]):
        self._kinds = {name: NameKind(kind) for name, kind in kinds.items() if kind != NameKind.MISSING}
        self._session = session
        self._rule_broken = rule_broken

    def __getitem__(self, name: str) -> Any:
        kind = self._kinds.get(name) if isinstance(name, str) else None
        if kind is None:
            raise StudentNameMissing(str(name))
        broken = self._rule_broken(name)
        if broken is not None:
            raise broken
        return StudentFunction(name, self._session.caller) if kind is NameKind.FUNCTION else self._session.value(name)

    def get(self, name: str, default: Any = None) -> Any:
        return self[name] if name in self else default

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def __iter__(self):
        return iter(sorted(self._kinds))

    def __len__(self) -> int:
        return len(self._kinds)

    def keys(self) -> list[str]:
        return sorted(self._kinds)

    def __repr__(self) -> str:
        return f"<the student's namespace: {len(self._kinds)} names>"


@dataclass(frozen=True)
class CallInfo:
    """How one call of a test ended: `error` is None when it returned; `values_seen` counts the
    student's values that had reached it; `traceback` is for the course staff only; `ours` says the
    exception was raised in the grader's own code rather than in the assignment's tests and helpers."""

    error: BaseException | None
    seconds: float
    values_seen: int
    traceback: str = ""
    ours: bool = False  # raised by the grader's own code (a bug of ours), not by the test or its helpers

    @classmethod
    def from_call(cls, func: Callable[[], None], session: Session) -> "CallInfo":
        """Call `func`; every exception becomes part of the info except grading control
        (`GradingStopped`) and the interpreter's own (KeyboardInterrupt, SystemExit)."""
        started, before = time.monotonic(), session.values_seen()
        try:
            func()
        except GradingStopped:
            raise
        except (StudentFault, Exception) as error:
            with PARSE_LOCK:  # Python 3.11 parses source lines to format a traceback
                text = "".join(traceback.format_exception(error, limit=-12))[-TRACEBACK_LIMIT:]
            return cls(error, time.monotonic() - started, session.values_seen() - before, text, _origin(error))
        return cls(None, time.monotonic() - started, session.values_seen() - before)


PACKAGE = str(Path(__file__).resolve().parent)
THIRD_PARTY = tuple(str(Path(sysconfig.get_paths()[key]).resolve()) + "/"  # the standard library and installed packages
                    for key in ("stdlib", "platstdlib", "purelib", "platlib"))


def _origin(error: BaseException) -> bool:
    """True when the innermost frame of `error` that is not the standard library's or a library's
    (numpy...) lies in the grader's own package: the grader failed, not the test."""
    for frame, _line in reversed(list(traceback.walk_tb(error.__traceback__))):
        path = str(Path(frame.f_code.co_filename).resolve()) if not frame.f_code.co_filename.startswith("<") else ""
        if not path or path.startswith(THIRD_PARTY):
            continue
        return path.startswith(PACKAGE + "/") and not path.endswith("/checks.py")
    return False


@dataclass(frozen=True)
class GradedTests:
    """What running an assignment's tests on one submission gave."""

    questions: tuple[QuestionResult, ...]
    out_of_time: bool  # the submission's total time ran out: the tests after it were not run


def run_tests(
    assignment: Assignment,
    session: Session,
    names: dict[str, NameKind],
    breaches: dict[str, Breach],
    *,
    budget: Budget,
    namespace: dict[str, NameKind] | None = None,
) -> GradedTests:
    """Run every test in `session` (whose notebook has run): the question results, and whether the
    submission's time ran out.

    `names` gives the kind of each name a test binds; `namespace`, the kind of every name of the
    student's namespace, for tests that take `env` (None: only `names` are known)."""
    # The values tests bind are read before any test calls a student function: later reads then need
    # no fresh fork of the notebook to see them as it left them (Session.value).
    values = [p for p in dict.fromkeys(p for spec in assignment.tests for p in spec.parameters)
              if names.get(p) is NameKind.VALUE and p not in breaches]
    session.call_budget = Budget(assignment.limits.test_seconds, parent=budget)
    session.read_values(values)
    outcomes: list[TestOutcome] = []
    stopped: GradingStopped | None = None
    for spec in assignment.tests:
        if stopped is None and budget.remaining() <= 0:
            stopped = SubmissionOutOfTime("grading stopped: the submission used up its total time limit.")
        if stopped is not None:
            outcomes.append(outcome_of(spec, stopped.outcome, stopped.message))
            continue
        try:
            outcomes.append(run_one(spec, session, names, breaches, assignment, budget=budget, namespace=namespace))
        except GradingStopped as control:  # nothing more can run: this test and every later one fail
            stopped = control
            outcomes.append(outcome_of(spec, control.outcome, control.message))
    return GradedTests(by_question(outcomes), out_of_time=isinstance(stopped, SubmissionOutOfTime))


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
    session: Session,
    names: dict[str, NameKind],
    breaches: dict[str, Breach],
    assignment: Assignment,
    *,
    budget: Budget,
    namespace: dict[str, NameKind] | None = None,
) -> TestOutcome:
    """Run one test and turn whatever happens into a TestOutcome."""
    missing = [p for p in spec.parameters if p != ENV and names.get(p, NameKind.MISSING) is NameKind.MISSING]
    if missing:
        return outcome_of(spec, Outcome.ERROR, StudentNameMissing(missing[0]).message)
    for parameter in spec.parameters:
        if parameter in breaches:  # a rule's static check charged this function: its tests earn nothing
            breach = breaches[parameter]
            return outcome_of(spec, Outcome.RULE, breach.message, misconception=breach.misconception)
    session.call_budget = Budget(assignment.limits.test_seconds, parent=budget)

    def rule_broken(name: str) -> StudentFault | None:
        breach = breaches.get(name)
        return None if breach is None else RuleBrokenThroughEnv(breach.message, breach.misconception)

    def bind(parameter: str) -> Any:
        if parameter == ENV:
            return StudentNamespace(names if namespace is None else namespace, session, rule_broken)
        return (StudentFunction(parameter, session.caller) if names[parameter] is NameKind.FUNCTION
                else session.value(parameter))

    def call() -> None:
        spec.func(**{p: bind(p) for p in spec.parameters})

    return outcome_of_call(spec, CallInfo.from_call(call, session), assignment)


def outcome_of_call(spec: TestSpec, info: CallInfo, assignment: Assignment) -> TestOutcome:
    """The one mapping from how a test's call ended to its outcome, and so to whose fault it is."""
    error, seconds = info.error, info.seconds
    if error is None:
        return outcome_of(spec, Outcome.PASSED, "", seconds=seconds)
    if isinstance(error, StudentMistake):
        return outcome_of(spec, Outcome.FAILED, error.message, misconception=error.misconception,
                          example=error.example, seconds=seconds, detail=error.staff_note)
    if isinstance(error, StudentFault):
        label = getattr(error, "misconception", None)
        return outcome_of(spec, error.outcome, error.message, seconds=seconds,
                          misconception=label if isinstance(label, str) else None)
    if isinstance(error, AssertionError):
        message = str(error) or ("a hidden check failed." if spec.hidden else "a check failed.")
        label = getattr(error, "misconception", None)  # public checks (self_checks.CheckFailed) may name one
        return outcome_of(spec, Outcome.FAILED, message, misconception=label if isinstance(label, str) else None,
                          seconds=seconds)
    if info.ours or isinstance(error, (SystemError, MemoryError)):
        return outcome_of(spec, Outcome.INTERNAL, f"an internal grading error ({type(error).__name__}) stopped this test; "
                          "it is not your fault: please tell the course staff.", seconds=seconds, detail=info.traceback)
    broken = assignment.broken_tests.get((spec.question, spec.name))
    if isinstance(error, (InstructorFault, SystemExit)) or info.values_seen == 0 or broken is not None:
        why = ("it raises on the reference solution too" if broken is not None
               else "it raised before using anything your code returned" if info.values_seen == 0
               else "one of its helpers failed")
        return outcome_of(spec, Outcome.INSTRUCTOR,
                          f"this test raised {type(error).__name__} for a reason unrelated to your code ({why}); "
                          "its points are given while the course staff fix it.",
                          seconds=seconds, detail=info.traceback or broken or "")
    return outcome_of(spec, Outcome.ERROR, f"the test could not check what your code returned ({type(error).__name__}); "
                      "check the type and shape your function returns.", seconds=seconds, detail=info.traceback)
