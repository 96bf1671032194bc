"""The helpers instructors' hidden tests are written with (autograder/checks.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from autograder.checks import (
    Mistake,
    StudentMistake,
    check_function,
    diagnose,
    expect_array,
    FLOAT_COUNT,
    OVERFLOW,
    TRUNCATES,
    expect_exact_int,
    int64_wrapped,
    remember,
    smallest_failing,
)


def full_convolution(f: np.ndarray, g: np.ndarray) -> np.ndarray:
    out = np.zeros((f.shape[0] + g.shape[0] - 1, f.shape[1] + g.shape[1] - 1))
    for a in range(f.shape[0]):
        for b in range(f.shape[1]):
            out[a : a + g.shape[0], b : b + g.shape[1]] += f[a, b] * g
    return out


def fft_convolution(f: np.ndarray, g: np.ndarray) -> np.ndarray:
    shape = (f.shape[0] + g.shape[0] - 1, f.shape[1] + g.shape[1] - 1)
    return np.fft.irfft2(np.fft.rfft2(f, shape) * np.fft.rfft2(g, shape), shape)


small = st.tuples(st.integers(1, 6), st.integers(1, 6))
values = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(f=small.flatmap(lambda s: arrays(np.float64, s, elements=values)),
       g=small.flatmap(lambda s: arrays(np.float64, s, elements=values)))
def test_fft_rounding_on_large_values_is_not_a_wrong_answer(f, g):
    expect_array("conv2d", fft_convolution(f, g), full_convolution(f, g))


@settings(max_examples=60, deadline=None)
@given(f=small.flatmap(lambda s: arrays(np.float64, s, elements=st.floats(-10, 10))),
       g=small.flatmap(lambda s: arrays(np.float64, s, elements=st.floats(-10, 10))),
       where=st.integers(0, 10**6), by=st.sampled_from([1e-3, 1.0, -5.0]))
def test_one_wrong_value_is_a_wrong_answer(f, g, where, by):
    expected = full_convolution(f, g)
    got = expected.copy()
    got.flat[where % got.size] += by * max(1.0, float(np.abs(expected).max()))
    with pytest.raises(StudentMistake, match="1 of"):
        expect_array("conv2d", got, expected)


def test_messages_say_what_came_back_and_what_was_expected():
    expected = np.zeros((3, 4))
    with pytest.raises(StudentMistake, match=r"returned shape \(3, 3\); expected shape \(3, 4\)"):
        expect_array("corr2d", np.zeros((3, 3)), expected)
    with pytest.raises(StudentMistake, match=r"returned a list; expected a numpy array of shape \(3, 4\)"):
        expect_array("corr2d", [[0.0] * 4] * 3, expected)
    with pytest.raises(StudentMistake, match=r"complex.*\.real"):
        expect_array("conv2d", np.zeros((3, 4), dtype=complex), expected)


def test_counts_must_be_exact_integers_and_overflow_is_named_only_when_it_happened():
    expect_exact_int("local_num_weights", 121, 121)
    expect_exact_int("fc_num_weights", np.int64(10**12), 10**12)  # a numpy integer with the right value is right
    with pytest.raises(StudentMistake) as raised:
        expect_exact_int("fc_num_weights", np.int64(int64_wrapped(10**20)), 10**20)
    assert raised.value.misconception == OVERFLOW and "wrapped around in 64 bits" in raised.value.message
    with pytest.raises(StudentMistake) as raised:  # int(np.prod(...)): a Python int, wrapped all the same
        expect_exact_int("fc_num_weights", int64_wrapped(10**20), 10**20)
    assert raised.value.misconception == OVERFLOW
    for wrong in (np.int64(10**12 + 1), 10**20 - 4096, 99):  # wrong, but not by overflow
        with pytest.raises(StudentMistake) as raised:
            expect_exact_int("fc_num_weights", wrong, 10**20 if wrong == 10**20 - 4096 else 10**12)
        assert raised.value.misconception is None, wrong
    with pytest.raises(StudentMistake) as raised:
        expect_exact_int("fc_num_weights", 1e12, 10**12)
    assert raised.value.misconception == FLOAT_COUNT
    with pytest.raises(StudentMistake, match="expected an exact Python int"):
        expect_exact_int("fc_num_weights", True, 1)
    with pytest.raises(StudentMistake, match=r"a 301-digit number"):
        expect_exact_int("fc_num_weights", 10**300, 10**300 + 1)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**200))
def test_the_wrapped_value_is_what_numpy_computes(n):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = n % 2**40, (n >> 40) % 2**40
        assert int64_wrapped(a * b) == int(np.int64(a) * np.int64(b))


def test_not_implemented_is_said_plainly_and_never_labelled():
    for got in (None, Ellipsis):
        with pytest.raises(StudentMistake, match="not implemented yet") as raised:
            check_function("conv2d", lambda f, g: got, full_convolution, [(np.ones((2, 2)), np.ones((1, 1)))], mistakes=[not_flipped_early()])
        assert raised.value.misconception is None
        with pytest.raises(StudentMistake, match="not implemented yet") as raised:
            expect_exact_int("fc_num_weights", got, 36)
        assert raised.value.misconception is None


def not_flipped_early():
    return Mistake("kernel not flipped", "this is cross-correlation.", lambda f, g: full_convolution(f, g[::-1, ::-1]))


def test_a_label_needs_the_mistake_to_explain_the_output_better_than_any_other():
    # two mistakes with different labels give the same output on a symmetric kernel: no label
    f, g = np.arange(6.0).reshape(2, 3), np.ones((2, 2))
    plus_one = Mistake("adds one", "adds one.", lambda f, g: full_convolution(f, g) + 1)
    also_plus_one = Mistake("adds a bias", "adds a bias.", lambda f, g: full_convolution(f, g) + 1)
    assert diagnose(full_convolution(f, g) + 1, [f, g], [plus_one, also_plus_one]) is None
    # a later failing case tells them apart
    g2 = np.array([[0.0, 2.0]])
    also = [([f, g2], full_convolution(f, g2) + 1)]
    both_differ = Mistake("adds a bias", "adds a bias.", lambda f, g: full_convolution(f, g) + (1 if g.shape == (2, 2) else 5))
    assert diagnose(full_convolution(f, g) + 1, [f, g], [plus_one, both_differ], also=also) is plus_one


def test_check_function_labels_from_every_failing_case():
    rng = np.random.default_rng(5)
    cases = [(rng.normal(size=(3, 3)), np.ones((1, 1))), (rng.normal(size=(3, 4)), rng.normal(size=(2, 3)))]
    plus = Mistake("adds one", "adds one.", lambda f, g: full_convolution(f, g) + 1)
    tied_on_first = Mistake("adds one on a 1x1 kernel", "a special case.", lambda f, g: full_convolution(f, g) + (1 if g.size == 1 else 7))
    with pytest.raises(StudentMistake) as raised:
        check_function("conv2d", lambda f, g: full_convolution(f, g) + 1, full_convolution, cases, mistakes=[tied_on_first, plus])
    assert raised.value.misconception == "adds one"


def test_an_integer_output_with_the_right_values_is_right():
    expect_array("shift", np.array([[0, 1], [2, 3]]), np.array([[0.0, 1.0], [2.0, 3.0]]))


not_flipped = Mistake("kernel not flipped", "this is cross-correlation.",
                      lambda f, g: full_convolution(f, g[::-1, ::-1]))


def test_a_wrong_answer_is_named_by_the_mistake_it_equals():
    f, g = np.arange(6.0).reshape(2, 3), np.array([[1.0, 2.0], [0.0, -1.0]])
    assert diagnose(not_flipped.compute(f, g), [f, g], [not_flipped]) is not_flipped
    assert diagnose(full_convolution(f, g) + 1, [f, g], [not_flipped]) is None


def test_check_function_names_the_mistake_and_the_smallest_failing_input():
    def student(f, g):  # cross-correlation: forgets to flip
        return full_convolution(f, g[::-1, ::-1])

    small_cases = [{"f": np.array([[1.0]]), "g": np.array([[2.0]])},  # flipping a 1x1 kernel changes nothing
                   {"f": np.array([[1.0]]), "g": np.array([[1.0, 2.0]])},
                   {"f": np.ones((3, 3)), "g": np.arange(9.0).reshape(3, 3)}]
    cases = [(np.random.default_rng(0).normal(size=(4, 5)), np.random.default_rng(1).normal(size=(2, 3)))]
    with pytest.raises(StudentMistake) as raised:
        check_function("conv2d", student, full_convolution, cases, mistakes=[not_flipped], small_cases=small_cases)
    assert raised.value.misconception == "kernel not flipped"
    assert raised.value.message.startswith("This is cross-correlation.")
    example = raised.value.example
    assert example.inputs == {"f": [[1.0]], "g": [[1.0, 2.0]]}
    assert example.got == [[2.0, 1.0]] and example.expected == [[1.0, 2.0]]


def test_smallest_failing_is_none_when_every_small_case_passes():
    cases = [{"f": np.ones((1, 1)), "g": np.ones((2, 2))}]
    assert smallest_failing("conv2d", full_convolution, full_convolution, cases) is None


def test_remembered_references_hand_out_copies():
    calls = []

    @remember
    def reference(x):
        calls.append(1)
        return x * 2

    first = reference(np.ones(3))
    first[0] = 100.0
    again = reference(np.ones(3))
    assert again.tolist() == [2.0, 2.0, 2.0] and len(calls) == 1
    assert reference(np.ones(3, dtype=np.int64)).dtype == np.int64 and len(calls) == 2


def test_float32_results_are_right_to_their_own_precision():
    rng = np.random.default_rng(3)
    f, g = rng.normal(size=(9, 7)), rng.normal(size=(5, 6))
    expected = full_convolution(f, g)
    expect_array("conv2d", full_convolution(f.astype(np.float32), g.astype(np.float32)).astype(np.float32), expected)
    with pytest.raises(StudentMistake):
        expect_array("conv2d", (expected * 1.001).astype(np.float32), expected)


def test_an_integer_output_array_that_truncates_is_explained():
    expected = np.array([[0.5, 1.5], [2.25, -3.75]])
    for got in (np.trunc(expected).astype(np.int64), np.array([[0, 2], [2, -4]])):  # truncated once, or at every step
        with pytest.raises(StudentMistake, match="integer dtype int64, but the answer has fractions") as raised:
            expect_array("local_layer", got, expected)
        assert raised.value.misconception == TRUNCATES
