"""The corpus of real notebooks, verified against the references and graded through the engine.

Before a notebook may stand in the corpus, its code is checked against the independent
references of `grading.py` on random inputs (mixed dtypes and far shifts included): every
correct alternative must equal the reference, every mutant must differ from it.  Then the whole
corpus is graded in one batch through the real engine (the `grade_many` fixture): every correct
alternative earns full marks; every mutant loses points on the hidden tests its manifest names,
is charged only on tests of its own function, and its feedback names exactly the misconception
the manifest gives, or none when no known mistake explains the output.
"""

from __future__ import annotations

import html
import sys
import textwrap
import tomllib
import zlib
from pathlib import Path
from typing import Any, Callable

import nbformat
import numpy as np
import pytest

from autograder.assignment import load_assignment
from autograder.render.feedback import render_feedback_html
from autograder.results import Outcome
from autograder.static_checks import find_rule_violations

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "tests" / "submissions"
sys.path.insert(0, str(SUBMISSIONS))

from autograder.assignment import load_helpers  # noqa: E402

grading = load_helpers(ROOT / "assignments" / "conv-math")  # conv-math's own helpers, as its tests import them
from corpus_alternatives import ALTERNATIVES  # noqa: E402
from make_corpus import FFT, LOOPS, MUTANTS, VECTORIZED  # noqa: E402

MANIFEST = tomllib.loads((SUBMISSIONS / "mutants" / "manifest.toml").read_text(encoding="utf-8"))
CORRECT = sorted((SUBMISSIONS / "correct").glob("*.ipynb"))
SOLUTION = ROOT / "solutions" / "conv-math" / "conv-math.ipynb"
BLANK = ROOT / "assignments" / "conv-math" / "student" / "conv-math.ipynb"
ASSIGNMENT = load_assignment(ROOT / "assignments" / "conv-math")


# ----------------------------------------------------------------------------- verified against the references


def _random_args(name: str, r: np.random.Generator) -> tuple:
    """Arguments for `name` of random small sizes, with integer and float arrays mixed at random."""

    def arr(shape, integer=None):
        integer = r.random() < 0.4 if integer is None else integer
        return r.integers(-4, 5, size=shape) if integer else r.normal(size=shape)

    def scalar():
        return int(r.integers(-3, 4)) if r.random() < 0.4 else float(r.normal())

    h, w = int(r.integers(1, 6)), int(r.integers(1, 6))
    if name == "fc_layer":
        return arr((h, w)), arr((h, w, h, w)), arr((h, w))
    if name == "reindex":
        return (arr((h, w, h, w)),)
    if name == "offset_layer":
        return arr((h, w)), arr((h, w, 2 * h - 1, 2 * w - 1)), arr((h, w))
    if name == "shared_layer":
        return arr((h, w)), arr((2 * h - 1, 2 * w - 1)), scalar()
    if name == "expand_shared":
        return arr((2 * h - 1, 2 * w - 1)), scalar(), h, w
    if name == "local_layer":
        dh, dw = int(r.integers(0, h + 2)), int(r.integers(0, w + 2))
        return arr((h, w)), arr((2 * dh + 1, 2 * dw + 1)), scalar()
    if name == "corr2d":
        return arr((h, w)), arr((int(r.integers(1, h + 1)), int(r.integers(1, w + 1))))
    if name == "conv1d":
        return arr(int(r.integers(1, 7))), arr(int(r.integers(1, 7)))
    if name == "conv2d":
        return arr((h, w)), arr((int(r.integers(1, 5)), int(r.integers(1, 5))))
    if name == "shift":
        return arr((h, w)), int(r.integers(-h - 3, h + 4)), int(r.integers(-w - 3, w + 4))
    if name in ("fc_num_weights", "shared_num_weights"):
        big = r.random() < 0.5
        return (int(r.integers(1, 10**12)) if big else int(r.integers(1, 40)), int(r.integers(1, 10**12)) if big else int(r.integers(1, 40)))
    if name == "local_num_weights":
        return (int(r.integers(0, 10**12)) if r.random() < 0.5 else int(r.integers(0, 20)),)
    raise KeyError(name)


REFERENCES: dict[str, Callable[..., Any]] = {name: getattr(grading, f"ref_{name}") for name in (
    "fc_layer", "fc_num_weights", "reindex", "offset_layer", "shared_layer", "expand_shared", "shared_num_weights",
    "local_layer", "local_num_weights", "corr2d", "conv1d", "conv2d", "shift")}


def _same(got: Any, expected: Any) -> bool:
    if isinstance(expected, int):
        return type(got) is int and got == expected
    if isinstance(expected, tuple):
        return isinstance(got, (tuple, list)) and len(got) == len(expected) and all(map(_same, got, expected))
    tolerance = 1e-4 if isinstance(got, np.ndarray) and got.dtype == np.float32 else 1e-7
    return (isinstance(got, np.ndarray) and got.dtype.kind in "biuf" and got.shape == expected.shape
            and bool(np.allclose(got, expected, rtol=tolerance, atol=tolerance * max(1.0, float(np.abs(expected).max(initial=0))))))


def _agrees(function: Callable[..., Any], name: str, trials: int, seed: int) -> tuple[bool, str]:
    """Whether `function` equals the reference (and leaves its arguments alone) on `trials` random inputs."""
    r = np.random.default_rng(seed)
    for _ in range(trials):
        args = _random_args(name, r)
        before = [np.copy(a) if isinstance(a, np.ndarray) else a for a in args]
        try:
            got = function(*args)
        except Exception as error:  # a mutant may raise: that is a difference
            return False, f"raised {type(error).__name__}: {error}"
        if not _same(got, REFERENCES[name](*before)):
            return False, f"differs on {[np.shape(a) for a in before]}"
        if any(isinstance(b, np.ndarray) and not np.array_equal(a, b) for a, b in zip(args, before)):
            return False, "modified an argument"
    return True, ""


def _solution_namespace() -> dict[str, Any]:
    nb = nbformat.read(SOLUTION, as_version=4)
    namespace: dict[str, Any] = {}
    exec("import numpy as np", namespace)
    for cell in nb.cells:
        if cell.cell_type == "code" and "otter_assign_solution_cell" in cell.metadata.get("tags", []):
            exec(cell.source, namespace)
    return namespace


def _with(sources: dict[str, str]) -> dict[str, Any]:
    namespace = _solution_namespace()
    exec("from numpy.lib.stride_tricks import sliding_window_view", namespace)
    for source in sources.values():
        exec(textwrap.dedent(source), namespace)
    return namespace


CORRECT_SOURCES = {**{f"{stem}": sources for stem, (sources, _) in ALTERNATIVES.items()},
                   "plain_loops": LOOPS, "vectorized_einsum": VECTORIZED, "fft_based": FFT}


@pytest.mark.parametrize("stem", sorted(CORRECT_SOURCES))
def test_every_correct_alternative_equals_the_reference_on_random_inputs(stem):
    namespace = _with(CORRECT_SOURCES[stem])
    for name in CORRECT_SOURCES[stem]:
        if name == "equivariant_layers":
            assert set(namespace[name]) == set(grading.EQUIVARIANT), stem
            continue
        ok, why = _agrees(namespace[name], name, trials=40, seed=zlib.crc32(stem.encode()))
        assert ok, f"{stem}: {name} is not correct: {why}"


@pytest.mark.parametrize("stem", sorted(MUTANTS))
def test_every_mutant_differs_from_the_reference(stem):
    """A mutant computes something else, or breaks the rule (a library routine computes it)."""
    name, source = MUTANTS[stem]
    if MANIFEST[stem]["misconception"] == "library convolution used":
        found = find_rule_violations(["import numpy as np", textwrap.dedent(source)], functions=[name],
                                     forbidden=next(r for r in ASSIGNMENT.rules if r.name == "own_arithmetic").forbidden)
        assert name in found and not found[name].evasion, stem
        return
    namespace = _with({name: source})
    if name == "equivariant_layers":
        assert set(namespace[name]) != set(grading.EQUIVARIANT), stem
        return
    ok, _ = _agrees(namespace[name], name, trials=200, seed=7)
    assert not ok, f"{stem}: {name} equals the reference on 200 random inputs, so it is no mutant"


def test_the_corpus_notebooks_hold_the_verified_code():
    """The committed notebooks are what make_corpus.py writes from the verified sources."""
    def code_of(path: Path) -> str:
        return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")

    for stem, (_, source) in MUTANTS.items():
        assert textwrap.dedent(source).strip() in code_of(SUBMISSIONS / "mutants" / f"{stem}.ipynb"), stem
    for stem, (sources, _) in ALTERNATIVES.items():
        code = code_of(SUBMISSIONS / "correct" / f"{stem}.ipynb")
        assert all(textwrap.dedent(s).strip() in code for s in sources.values()), stem
    assert {p.stem for p in (SUBMISSIONS / "mutants").glob("*.ipynb")} == set(MUTANTS)
    assert {p.stem for p in CORRECT} == set(CORRECT_SOURCES)


def test_the_corpus_is_large():
    assert len(CORRECT_SOURCES) >= 33 and len(MUTANTS) >= 69


# ----------------------------------------------------------------------------- graded through the engine


@pytest.fixture(scope="module")
def graded(grade_many, assignment):
    """Every corpus notebook, the solution, the example alice and the blank notebook, graded in one batch."""
    paths = [*CORRECT, *(SUBMISSIONS / "mutants" / f"{stem}.ipynb" for stem in sorted(MANIFEST)),
             SUBMISSIONS / "examples" / "alice.ipynb", SOLUTION, BLANK]
    results = grade_many(paths)
    by_test = {spec.name: spec for spec in assignment.tests}
    return {path: result for path, result in zip(paths, results)}, by_test


def test_manifest_lists_every_mutant():
    on_disk = {p.stem for p in (SUBMISSIONS / "mutants").glob("*.ipynb")}
    assert on_disk == set(MANIFEST), f"mutants without a manifest entry or entries without a file: {sorted(on_disk ^ set(MANIFEST))}"


@pytest.mark.parametrize("stem", sorted(MANIFEST))
def test_mutant_loses_points_where_it_should_with_the_right_label(graded, stem):
    results, specs = graded
    entry = MANIFEST[stem]
    result = results[SUBMISSIONS / "mutants" / f"{stem}.ipynb"]
    named = entry["misconception"]
    labels = set(named) if isinstance(named, list) else ({named} if named else set())
    assert result.score < result.max_score, f"{stem}: the mistake ({entry['mistake']}) earned full marks"
    failed = [t for t in result.tests if not t.passed]
    by_name = {t.name: t for t in result.tests}
    for outcome in failed:  # charged only on tests that use the function with the mistake
        assert entry["function"] in specs[outcome.name].parameters, f"{stem}: {outcome.name} failed although it does not use {entry['function']}: {outcome.message}"
        if outcome.hidden:
            assert outcome.misconception in labels | {None}, f"{stem}: {outcome.name} names {outcome.misconception!r}, not {sorted(labels)}: {outcome.message}"
    seen = [(t.name, t.outcome.value, t.message[:160]) for t in result.tests if entry["function"] in specs[t.name].parameters]
    assert {t.name for t in failed if t.hidden} == set(entry["caught_by"]), (
        f"{stem}: hidden tests failed: {sorted(t.name for t in failed if t.hidden)} (status {result.status.value}, "
        f"{result.message[:300]!r}, outcomes of its function's tests: {seen})")
    for name in entry["caught_by"]:
        outcome = by_name[name]
        if outcome.outcome is Outcome.ERROR or not labels:  # the student's code raised, or no known mistake: nothing to name
            assert outcome.misconception is None, f"{stem}: {name} names {outcome.misconception!r} where nothing should be named: {outcome.message}"
        else:
            assert outcome.misconception in labels, f"{stem}: {name} names {outcome.misconception!r}, expected one of {sorted(labels)}: {outcome.message}"
        assert entry.get("says", "") in outcome.message, f"{stem}: {name} does not say {entry['says']!r}: {outcome.message}"
    assert labels <= {by_name[n].misconception for n in entry["caught_by"]}, f"{stem}: not every label of the manifest was named"
    page = html.unescape(render_feedback_html(result, title="conv-math"))
    assert all(label in page for label in labels), f"{stem}: the student's feedback page does not name {sorted(labels)}"


@pytest.mark.parametrize("path", CORRECT + [SUBMISSIONS / "examples" / "alice.ipynb", SOLUTION], ids=lambda p: p.stem)
def test_correct_alternatives_earn_full_marks(graded, path):
    result = graded[0][path]
    failed = [(t.name, t.message) for t in result.tests if not t.passed]
    assert result.score == result.max_score, f"{path.name} is correct but lost points: {failed}"


def test_solution_points_and_written_answer(graded):
    result = graded[0][SOLUTION]
    hand_graded = sum(m.max_score for m in result.manual)
    assert result.score + hand_graded == 100, "autograded and hand-graded points of the solution must make 100"
    assert all(m.answer for m in result.manual), "the solution's written answer must reach the hand grader"


def test_blank_student_notebook_scores_zero_and_is_never_given_a_misconception(graded):
    result = graded[0][BLANK]
    passed = [t.name for t in result.tests if t.passed]
    assert result.score == 0, f"the untouched student notebook earned points on {passed}"
    labelled = [(t.name, t.misconception) for t in result.tests if t.misconception]
    assert not labelled, f"a function that is not implemented was given a misconception: {labelled}"
    hidden = [t for t in result.tests if t.hidden]
    assert all("not implemented" in t.message or "`...`" in t.message for t in hidden), [t.message for t in hidden if "not implemented" not in t.message and "`...`" not in t.message]


CROSS = {"test_corr2d_matches_flipped_conv2d": ("corr2d", "conv2d"), "test_offset_layer_of_reindex_equals_fc_layer": ("reindex", "offset_layer")}


@pytest.mark.parametrize("stem", sorted(s for s in MANIFEST if MANIFEST[s]["function"] in {f for pair in CROSS.values() for f in pair}))
def test_tests_of_two_functions_name_the_one_that_is_wrong(graded, stem):
    results, _ = graded
    function = MANIFEST[stem]["function"]
    result = results[SUBMISSIONS / "mutants" / f"{stem}.ipynb"]
    for outcome in result.tests:
        if outcome.name in CROSS and not outcome.passed and outcome.outcome is not Outcome.RULE:
            other = next(f for f in CROSS[outcome.name] if f != function)
            assert f"{function} returned" in outcome.message or f"{function} is not implemented" in outcome.message or f"{function} raised" in outcome.message, (stem, outcome.message)
            assert f"{other} returned" not in outcome.message and f"{other} is not" not in outcome.message, (stem, outcome.message)
