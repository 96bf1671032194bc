"""The corpus of real notebooks graded through the engine (the `grade` fixture of conftest.py).

Each mutant carries one plausible mistake and must lose points on the hidden test that the
manifest names, with feedback that names the misconception; correct alternatives written in
other styles, and the solution, must earn every point; the blank student notebook earns none.
"""

from __future__ import annotations

import html
import tomllib
from pathlib import Path

import pytest

from autograder.render.feedback import render_feedback_html

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "tests" / "submissions"
MANIFEST = tomllib.loads((SUBMISSIONS / "mutants" / "manifest.toml").read_text(encoding="utf-8"))
CORRECT = sorted((SUBMISSIONS / "correct").glob("*.ipynb"))


def test_manifest_lists_every_mutant():
    on_disk = {p.stem for p in (SUBMISSIONS / "mutants").glob("*.ipynb")}
    assert on_disk == set(MANIFEST), f"mutants without a manifest entry or entries without a file: {sorted(on_disk ^ set(MANIFEST))}"
    assert len(MANIFEST) >= 22


@pytest.mark.parametrize("stem", sorted(MANIFEST))
def test_mutant_loses_points_on_the_named_test(grade, stem):
    entry = MANIFEST[stem]
    result = grade(SUBMISSIONS / "mutants" / f"{stem}.ipynb")
    assert result.score < result.max_score, f"{stem}: the mistake ({entry['mistake']}) earned full marks"
    by_name = {t.name: t for t in result.tests}
    for name in entry["caught_by"]:
        assert name in by_name, f"{stem}: no test named {name} in the result (tests: {sorted(by_name)})"
        outcome = by_name[name]
        assert not outcome.passed, f"{stem}: {name} passed although the notebook has the mistake: {entry['mistake']}"
        said = f"{outcome.message} {outcome.misconception or ''}"
        assert entry["misconception"] in said, f"{stem}: {name} failed but its feedback does not name {entry['misconception']!r}: {said!r}"
    page = html.unescape(render_feedback_html(result))
    assert entry["misconception"] in page, f"{stem}: the student's feedback page does not name {entry['misconception']!r}"


@pytest.mark.parametrize("path", CORRECT + [SUBMISSIONS / "examples" / "alice.ipynb"], ids=lambda p: p.stem)
def test_correct_alternatives_earn_full_marks(grade, path):
    result = grade(path)
    failed = [(t.name, t.message) for t in result.tests if not t.passed]
    assert result.score == result.max_score, f"{path.name} is correct but lost points: {failed}"


def test_solution_earns_full_marks(grade):
    result = grade(ROOT / "solutions" / "conv-math" / "conv-math.ipynb")
    failed = [(t.name, t.message) for t in result.tests if not t.passed]
    assert result.score == result.max_score, f"the solution notebook lost points: {failed}"
    hand_graded = sum(m.max_score for m in result.manual)
    assert result.score + hand_graded == 100, "autograded and hand-graded points of the solution must make 100"
    assert all(m.answer for m in result.manual), "the solution's written answer must reach the hand grader"


def test_blank_student_notebook_scores_zero(grade):
    result = grade(ROOT / "assignments" / "conv-math" / "student" / "conv-math.ipynb")
    passed = [t.name for t in result.tests if t.passed]
    assert result.score == 0, f"the untouched student notebook earned points on {passed}"
