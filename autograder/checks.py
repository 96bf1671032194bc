"""Checks that instructors' hidden tests call; they read like the check they make.

Every helper takes the student name first, then what came back, then what was expected
(`expect_array("conv2d", got, expected)`), and raises `StudentMistake` with a message that
says what was checked, what came back and what was expected.  Expected *values* of hidden
cases are never put in a message; shapes and types are.

`check_function` runs a function over many cases, names the likely misconception by
comparing a wrong answer with known wrong variants, and finds the smallest failing input
among small cases so that the feedback can show it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from .errors import StudentFault
from .results import Example


class StudentMistake(AssertionError):
    """A wrong answer: the test fails with this visible message."""

    def __init__(self, message: str, *, misconception: str | None = None, example: Example | None = None):
        super().__init__(message)
        self.message = message
        self.misconception = misconception
        self.example = example

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
    """`text` with its first letter capitalized, to start a message."""
    return text[:1].upper() + text[1:]


def describe(value: Any) -> str:
    """A short description of a value's type, for messages."""
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, np.generic):
        return f"a numpy scalar {type(value).__name__}"
    return f"a {type(value).__name__}"


def expect_array(
    name: str,
    got: Any,
    expected: np.ndarray,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    shape_hint: str = "",
) -> None:
    """Check that `got` is a numeric numpy array of the expected shape and values.

    `atol` is relative to the scale of the expected values, so that the rounding of an FFT on
    large inputs (about 1e-16 of the largest value) is never taken for a wrong answer.
    """
    if not isinstance(got, np.ndarray):
        raise StudentMistake(f"{name} returned {describe(got)}; expected a numpy array of shape {expected.shape}.")
    if got.dtype.kind not in "biuf":
        hint = " (an inverse FFT returns complex numbers: keep their .real part)" if got.dtype.kind == "c" else ""
        raise StudentMistake(f"{name} returned an array of dtype {got.dtype}; expected real numbers{hint}.")
    if got.shape != expected.shape:
        hint = f" ({shape_hint})" if shape_hint else ""
        raise StudentMistake(f"{name} returned shape {got.shape}; expected shape {expected.shape}{hint}.")
    if got.dtype.kind == "f" and got.dtype.itemsize < 8:  # float32 sums are right to about 1e-6 only
        rtol, atol = max(rtol, 1e-4), max(atol, 1e-5)
    atol = atol * _scale(expected)
    if not np.allclose(got, expected, rtol=rtol, atol=atol, equal_nan=False):
        wrong = int(np.sum(~np.isclose(got, expected, rtol=rtol, atol=atol)))
        hint = ""
        if got.dtype.kind in "iu" and np.allclose(got, np.trunc(expected), rtol=rtol, atol=atol):
            hint = (f" Your array has the integer dtype {got.dtype}, which cuts off the fractions: make the output"
                    " with dtype=float (np.zeros_like of an integer input is an integer array).")
        raise StudentMistake(f"{name} returned the right shape {got.shape} but {wrong} of {got.size} values are wrong.{hint}")


def _scale(expected: np.ndarray) -> float:
    magnitude = float(np.max(np.abs(expected))) if expected.size else 0.0
    return max(1.0, magnitude) if np.isfinite(magnitude) else 1.0


def expect_exact_int(name: str, got: Any, expected: int) -> None:
    """Check that `got` is a Python int (not a float or a fixed-width numpy integer) equal to `expected`."""
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, int):
        kind = describe(got)
        why = " (numpy integers overflow past 2**63; use Python ints)" if isinstance(got, np.integer) else ""
        raise StudentMistake(f"{name} returned {kind}; expected an exact Python int{why}.")
    if got != expected:
        raise StudentMistake(f"{name} returned {_short_int(got)}; expected {_short_int(expected)}.")


def _short_int(value: int) -> str:
    text = str(value)
    return text if len(text) <= 40 else f"a {len(text)}-digit number ({text[:12]}...)"


def matches(got: Any, value: Any, *, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
    """True when `got` is an array equal in shape and value to `value`."""
    try:
        value = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return (
        isinstance(got, np.ndarray)
        and got.dtype.kind in "biuf"
        and got.shape == value.shape
        and bool(np.allclose(got, value, rtol=rtol, atol=atol * _scale(value)))
    )


def diagnose(got: Any, args: Sequence[Any], mistakes: Iterable[Mistake]) -> Mistake | None:
    """The first known mistake whose output equals the student's output on `args`."""
    for mistake in mistakes:
        try:
            wrong = mistake.compute(*args)
        except (ValueError, IndexError, TypeError, ArithmeticError):
            continue
        if matches(got, wrong):
            return mistake
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
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
        if fault.outcome == "timeout":
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

    `what` describes the cases in the message ("on random non-square images").
    """
    for args in cases:
        args = list(args)
        expected = reference(*args)
        got = student(*args)
        try:
            check(name, got, expected)
        except StudentMistake as wrong:
            mistake = diagnose(got, args, mistakes)
            message = wrong.message
            if what:
                message = f"{message[:-1]} {what}." if message.endswith(".") else f"{message} {what}"
            if mistake is not None:  # the label is shown beside the message as the misconception
                message = f"{sentence(mistake.explanation)} ({message[:1].lower()}{message[1:]})"
            example = smallest_failing(name, student, reference, small_cases, check=check)
            raise StudentMistake(
                message, misconception=mistake.label if mistake else None, example=example
            ) from None
