"""Checks that instructors' hidden tests call; they read like the check they make.

Every helper takes the student name first, then what came back, then what was expected
(`expect_array("pool", got, expected)`), and raises `StudentMistake` with a message that
says what was checked, what came back and what was expected.  Expected *values* of hidden
cases are never put in a message; shapes and types are.

`check_function` runs a function over many cases, names the likely misconception by
comparing a wrong answer with known wrong variants, and finds the smallest failing input
among small cases so that the feedback can show it.
"""

from __future__ import annotations

import functools
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from .errors import StudentFault
from .load import PARSE_LOCK
from .results import Example, Outcome
from .sandbox.protocol import element_count


class StudentMistake(AssertionError):
    """A wrong answer: the test fails with this visible message."""

    def __init__(self, message: str, *, misconception: str | None = None, example: Example | None = None,
                 staff_note: str = ""):
        super().__init__(message)
        self.message = message
        self.misconception = misconception
        self.example = example
        self.staff_note = staff_note  # for the course staff only: a helper that failed while describing the mistake

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Mistake:
    """A known wrong variant of a function: if the student's output equals `compute(*args)`
    where the reference differs, the student most likely made this mistake."""

    label: str  # short tag, shown in reports: "kernel not flipped"
    explanation: str  # one sentence that teaches: "this is cross-correlation: ..."
    compute: Callable[..., Any]


def remember(reference: Callable[..., Any]) -> Callable[..., Any]:
    """Cache a reference implementation's results by the exact bytes of its arguments.

    Hidden cases are the same for every submission, so a batch computes each expected value
    once.  Arrays are returned as copies, so no test can alter what the next one is given.
    """
    cache: dict[tuple, Any] = {}

    def key(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            return ("array", value.dtype.str, value.shape, value.tobytes())
        if isinstance(value, (list, tuple)):
            return (type(value).__name__, *map(key, value))
        return (type(value).__name__, repr(value))

    def fresh(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            return value.copy()
        if isinstance(value, tuple):
            return tuple(map(fresh, value))
        return value

    @functools.wraps(reference)
    def cached(*args: Any) -> Any:
        k = tuple(map(key, args))
        if k not in cache:
            if len(cache) >= 4096:
                cache.clear()
            cache[k] = reference(*args)
        return fresh(cache[k])

    return cached


def sentence(text: str) -> str:
    """`text` with its first letter capitalized, to start a message, unless it starts with code
    (`corr2d`, `np.abs`: a first word that is not plain letters)."""
    first = text.split(" ", 1)[0]
    if not first.isalpha():
        return text
    return text[:1].upper() + text[1:]


def describe(value: Any) -> str:
    """A short description of a value's type, for messages."""
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, np.generic):
        return f"a numpy scalar {type(value).__name__}"
    if callable(value):  # a name bound to a function or class of the notebook reaches a test as a proxy
        return "a function or class"
    return f"a {type(value).__name__}"


NOT_IMPLEMENTED_HINT = "is its body still `...`, or does it lack a `return`?"
TRUNCATES = "integer array truncates fractions"


def expect_implemented(name: str, got: Any) -> None:
    """A function that returns None (a body still `...`, a missing `return`) is not implemented:
    say so plainly, and never name a misconception for it."""
    if got is None or got is Ellipsis:
        raise StudentMistake(f"{name} is not implemented yet: it returned {'None' if got is None else '...'} ({NOT_IMPLEMENTED_HINT})")


COMPLEX_HINT = "complex numbers whose imaginary parts are only rounding: keep their .real part"


def expect_array(
    name: str,
    got: Any,
    expected: np.ndarray,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    shape_hint: str = "",
    complex_hint: str = COMPLEX_HINT,
) -> None:
    """Check that `got` is a numeric numpy array of the expected shape and values.

    `atol` is relative to the scale of the expected values, so that the rounding of an FFT on
    large inputs (about 1e-16 of the largest value) is never taken for a wrong answer.  `complex_hint`
    says what to do about a complex result (an assignment may know where one comes from).  An
    integer array where the answer has fractions is named as what it is (each value stored in
    it was cut to an integer), with the `TRUNCATES` label: the dtype alone proves that mistake.
    """
    expect_implemented(name, got)
    if not isinstance(got, np.ndarray):
        raise StudentMistake(f"{name} returned {describe(got)}; expected a numpy array of shape {expected.shape}.")
    if got.dtype.kind not in "biuf":
        hint = f" ({complex_hint})" if got.dtype.kind == "c" and complex_hint else ""
        raise StudentMistake(f"{name} returned an array of dtype {got.dtype}; expected real numbers{hint}.")
    if got.shape != expected.shape:
        hint = f" ({shape_hint})" if shape_hint else ""
        raise StudentMistake(f"{name} returned shape {got.shape}; expected shape {expected.shape}{hint}.")
    if got.dtype.kind == "f" and got.dtype.itemsize < 8:  # float32 sums are right to about 1e-6 only
        rtol, atol = max(rtol, 1e-4), max(atol, 1e-5)
    atol = atol * _scale(expected)
    if not np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=False):
        wrong = int(np.sum(~np.isclose(got, expected, rtol=rtol, atol=atol)))
        if got.dtype.kind in "iub" and not np.allclose(expected, np.round(expected), rtol=0, atol=1e-9 * _scale(expected)):
            raise StudentMistake(
                f"{name} returned an array of the integer dtype {got.dtype}, but the answer has fractions, so {wrong} of "
                f"{got.size} values are wrong: every value stored in an integer array is cut to an integer. Make the "
                "output with dtype=float (np.zeros_like(X), np.full((h, w), u) and U.copy() of integer inputs are "
                "integer arrays).",
                misconception=TRUNCATES,
            )
        raise StudentMistake(f"{name} returned the right shape {got.shape} but {wrong} of {got.size} values are wrong.")


def _scale(expected: np.ndarray) -> float:
    magnitude = float(np.max(np.abs(expected))) if expected.size else 0.0
    return max(1.0, magnitude) if np.isfinite(magnitude) else 1.0


def int64_wrapped(value: int) -> int:
    """What a count becomes in a fixed-width 64-bit integer (numpy's default)."""
    return (int(value) + 2**63) % 2**64 - 2**63


OVERFLOW = "fixed-width integer overflow"
FLOAT_COUNT = "float count"


def expect_exact_int(name: str, got: Any, expected: int) -> None:
    """Check that `got` is an exact integer equal to `expected`.

    A numpy integer with the right value is right.  A wrong value is named an overflow only
    when it is exactly what `expected` becomes in 64 bits; a float is refused (floats lose
    digits past 2**53, and a count is exact).
    """
    expect_implemented(name, got)
    if isinstance(got, (bool, np.bool_)):
        raise StudentMistake(f"{name} returned a bool; expected an exact Python int.")
    if isinstance(got, (float, np.floating)):
        raise StudentMistake(
            f"{name} returned {describe(got)}; a count is an exact Python int "
            "(floats such as 1e12, math.pow or ** 2.0 lose digits beyond 2**53).",
            misconception=FLOAT_COUNT,
        )
    if not isinstance(got, (int, np.integer)):
        raise StudentMistake(f"{name} returned {describe(got)}; expected an exact Python int.")
    value = int(got)
    if value == expected:
        return
    if value == int64_wrapped(expected) and expected != value:
        kind = describe(got) if isinstance(got, np.integer) else "an int"
        raise StudentMistake(
            f"{name} returned {kind} with the value {_short_int(value)}, which is {_short_int(expected)} wrapped around "
            "in 64 bits: numpy integers (np.int64, np.prod, np.square, arrays' .shape products) overflow past 2**63; "
            "compute with Python ints.",
            misconception=OVERFLOW,
        )
    raise StudentMistake(f"{name} returned {_short_int(value)}; expected {_short_int(expected)}.")


def _short_int(value: int) -> str:
    text = str(value)
    return text if len(text) <= 40 else f"a {len(text)}-digit number ({text[:12]}...)"


def matches(got: Any, value: Any, *, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
    """True when `got` is an array equal in shape and value to `value`."""
    try:
        value = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        return False
    return (
        isinstance(got, np.ndarray)
        and got.dtype.kind in "biuf"
        and got.shape == value.shape
        and bool(np.allclose(got, value, rtol=rtol, atol=atol * _scale(value)))
    )


def _computes(mistake: Mistake, args: Sequence[Any]) -> Any:
    try:
        return mistake.compute(*args)
    except Exception:  # a known mistake that cannot be computed on these arguments is not this one
        return None


def diagnose(got: Any, args: Sequence[Any], mistakes: Iterable[Mistake], *, also: Sequence[tuple[Sequence[Any], Any]] = ()) -> Mistake | None:
    """The known mistake that explains the student's output `got` on `args`, or None.

    A mistake explains it only if its output equals `got` on `args`.  When several do, the one
    that also equals the student's output on more of the other failing cases `also` (pairs of
    arguments and output) wins; if mistakes with different labels stay tied, nothing is named.
    """
    candidates = [m for m in mistakes if (wrong := _computes(m, args)) is not None and matches(got, wrong)]
    if not candidates:
        return None
    scores = {}
    for mistake in candidates:
        scores[id(mistake)] = sum(1 for more_args, more_got in also
                                  if (wrong := _computes(mistake, more_args)) is not None and matches(more_got, wrong))
    best = max(scores.values())
    winners = [m for m in candidates if scores[id(m)] == best]
    if len({m.label for m in winners}) > 1:
        return None
    return winners[0]


MAX_EXAMPLE_ELEMENTS = 10_000  # a value shown in an example; larger ones are described, not copied


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        if element_count(value.shape) > MAX_EXAMPLE_ELEMENTS:  # .tolist() of a (10**6, 0) array makes 10**6 lists
            return f"an array of shape {value.shape} and dtype {value.dtype}"
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _fails(name: str, student: Callable[..., Any], reference: Callable[..., Any], args: Sequence[Any], check) -> tuple[bool, Any]:
    try:
        got = student(*args)
        check(name, got, reference(*args))
    except StudentMistake:
        return True, got
    except StudentFault as fault:
        if fault.outcome is Outcome.TIMEOUT:
            return False, None  # a slow answer on a small case teaches nothing new
        return True, f"raised: {fault.message}"
    return False, got


def smallest_failing(
    name: str,
    student: Callable[..., Any],
    reference: Callable[..., Any],
    small_cases: Iterable[Mapping[str, Any]],
    *,
    check: Callable[[str, Any, Any], None] = expect_array,
) -> Example | None:
    """The first of `small_cases` (ordered from smallest) on which the student is wrong."""
    for case in small_cases:
        args = list(case.values())
        failed, got = _fails(name, student, reference, args, check)
        if failed:
            return Example(
                function=name,
                inputs={k: _plain(v) for k, v in case.items()},
                got=_plain(got),
                expected=_plain(reference(*args)),
            )
    return None


def check_function(
    name: str,
    student: Callable[..., Any],
    reference: Callable[..., Any],
    cases: Iterable[Sequence[Any]],
    *,
    mistakes: Sequence[Mistake] = (),
    small_cases: Iterable[Mapping[str, Any]] = (),
    check: Callable[[str, Any, Any], None] = expect_array,
    what: str = "",
) -> None:
    """Check `student` against `reference` on every case; on the first wrong answer raise a
    `StudentMistake` naming the likely misconception and the smallest failing small case.

    The misconception is the known mistake whose output equals the student's on that case and
    that best explains the other failing cases too (see `diagnose`); failing that, what the
    check itself could tell (an integer array that truncates); otherwise none: the message
    then says what is wrong (shape, values, dtype) without guessing why.
    `what` describes the cases in the message ("on random non-square images").
    """
    cases = [list(args) for args in cases]
    for index, args in enumerate(cases):
        expected = reference(*args)
        got = student(*args)
        try:
            check(name, got, expected)
        except StudentMistake as wrong:
            mistake = None
            if got is not None and mistakes:
                mistake = diagnose(got, args, mistakes, also=_other_failures(name, student, reference, cases[index + 1 :], check))
            label = mistake.label if mistake is not None else wrong.misconception
            message = wrong.message
            if what:
                message = f"{message[:-1]} {what}." if message.endswith(".") else f"{message} {what}"
            if mistake is not None:  # the label is shown beside the message as the misconception
                message = f"{sentence(mistake.explanation)} ({message[:1].lower()}{message[1:]})"
            example, note = None, ""
            try:  # the search only illustrates the mistake: its own failure must not change the verdict
                example = smallest_failing(name, student, reference, small_cases, check=check)
            except Exception:
                with PARSE_LOCK:  # Python 3.11 parses source lines to format a traceback
                    note = "the smallest-input search failed:\n" + traceback.format_exc(limit=-8)[-3000:]
            raise StudentMistake(message, misconception=label, example=example, staff_note=note) from None


def _other_failures(name, student, reference, cases, check) -> list[tuple[list, Any]]:
    """(args, output) of the remaining cases the student gets wrong (faults are skipped)."""
    failures = []
    for args in cases:
        try:
            got = student(*args)
            check(name, got, reference(*args))
        except StudentMistake:
            failures.append((args, got))
        except StudentFault:
            continue
    return failures
