"""The second assignment, pooling, written only through the framework's public interface.

Its source (`assignments/pooling/pooling.py`), config, helpers and data file are all it has: nothing in
`autograder/` names it.  These tests build it, hold its student notebook to the same secrecy rules as
any assignment, and grade its bundled examples and mutants (real notebooks, made by
`tests/submissions/pooling/make_submissions.py`) through the real engine in one batch: the solution earns
every autograded point, the untouched notebook none, every mutant loses points exactly on the hidden
tests its manifest names, in the questions it names, with the misconception it names.  Then
`make grade` and the Gradescope zip take it by name.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.assignment import load_assignment
from autograder.results import Outcome, Status

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT_DIR = ROOT / "assignments" / "pooling"
SOURCE = ASSIGNMENT_DIR / "pooling.py"
STUDENT_NB = ASSIGNMENT_DIR / "student" / "pooling.ipynb"
SOLUTION_NB = ROOT / "solutions" / "pooling" / "pooling.ipynb"
SUBMISSIONS = ROOT / "tests" / "submissions" / "pooling"
MANIFEST = tomllib.loads((SUBMISSIONS / "mutants" / "manifest.toml").read_text(encoding="utf-8"))
SCHEMA = ROOT / "tests" / "schemas" / "gradescope_results.schema.json"


@pytest.fixture(scope="module")
def pooling():
    return load_assignment(ASSIGNMENT_DIR)


@pytest.fixture(scope="module")
def grader(pooling):
    from autograder.batch import Grader

    with Grader(pooling, workers=2, outside=[ROOT / "tests", ROOT / "solutions", ROOT / ".git"]) as opened:
        yield opened


@pytest.fixture(scope="module")
def graded(grader):
    """Every bundled example, mutant and attack, graded in one batch: stem -> SubmissionResult."""
    paths = sorted(SUBMISSIONS.glob("*/*.ipynb"))
    return {path.stem: result for path, result in zip(paths, grader.grade(paths))}


# ----------------------------------------------------------------------------- the build


def built_files(assignment_dir: Path, solution: Path) -> dict[str, bytes]:
    files = {"student": assignment_dir / "student" / "pooling.ipynb", "solution": solution}
    files.update({f"tests/{p.name}": p for p in sorted((assignment_dir / "tests").glob("q*.py"))})
    return {key: path.read_bytes() for key, path in files.items()}


def test_build_is_up_to_date_and_reproducible(tmp_path):
    from autograder.assign import build_assignment

    copy = tmp_path / "repo" / "assignments" / "pooling"
    shutil.copytree(ASSIGNMENT_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    build_assignment(copy)
    fresh = built_files(copy, tmp_path / "repo" / "solutions" / "pooling" / "pooling.ipynb")
    stale = sorted(k for k, v in built_files(ASSIGNMENT_DIR, SOLUTION_NB).items() if fresh.get(k) != v)
    assert not stale, f"the built files are stale (run `make assign ASSIGNMENT=assignments/pooling`): {stale}"
    build_assignment(copy)
    assert built_files(copy, tmp_path / "repo" / "solutions" / "pooling" / "pooling.ipynb") == fresh


def test_the_student_notebook_holds_no_solution_and_no_hidden_test(pooling):
    text = STUDENT_NB.read_text(encoding="utf-8")
    code = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
    solution_lines, inside = [], False
    for line in SOURCE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped in ("# BEGIN SOLUTION", "# END SOLUTION"):
            inside = stripped == "# BEGIN SOLUTION"
        elif (inside and len(stripped) > 12) or stripped.endswith("# SOLUTION"):
            solution_lines.append(stripped.removesuffix("# SOLUTION").strip())
    assert len(solution_lines) > 20
    leaked = [line for line in solution_lines if line in code]
    assert not leaked, leaked[:5]
    for spec in pooling.tests:
        if spec.hidden:
            assert spec.name not in text, spec.name
    for secret in ("ref_max_pool2d", "MAX_POOL_MISTAKES", "from grading", "**Rubric**", "hidden=True"):
        assert secret not in text, secret


# ----------------------------------------------------------------------------- the config, through the public interface


def test_the_assignment_uses_the_frameworks_public_interface_only(pooling):
    (rule,) = pooling.rules
    assert (rule.kind, rule.name, rule.label) == ("forbidden_calls", "own_pooling", "library pooling used")
    assert rule.bound_names == ("max_pool2d", "avg_pool2d")
    assert [m.name for m in pooling.manual] == ["q5"] and pooling.manual[0].points == 15
    assert pooling.autograded_points == 85 and pooling.total_points == 100
    points = {t.name: t.points for t in pooling.tests}
    assert {points[t.name] for t in pooling.tests if t.question == "q1"} == {2.0}  # `points: 10` spread over 5 cases
    assert [t.points for t in pooling.tests if t.question == "q4"] == [4, 3, 3]  # `points: [4, 3, 3]`
    assert pooling.wants_namespace and [p.name for p in pooling.files] == ["feature_maps.npy"]
    engine = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "autograder").rglob("*.py"))
    for name in ("pooling", "max_pool2d", "feature_maps"):
        assert name not in engine, f"autograder/ mentions {name}"


# ----------------------------------------------------------------------------- the examples and mutants


def test_the_solution_earns_every_point_and_its_written_answer_reaches_q5(graded):
    ana = graded["ana"]
    assert ana.status is Status.GRADED and ana.score == ana.max_score == 85, [(t.name, t.message) for t in ana.tests if not t.passed]
    (answer,) = ana.manual
    assert answer.question == "q5" and "one pixel" in answer.answer


def test_the_untouched_notebook_earns_nothing_and_is_told_why(graded):
    eli = graded["eli"]
    assert eli.status is Status.GRADED and eli.score == 0
    assert all(t.outcome in (Outcome.FAILED, Outcome.ERROR) for t in eli.tests), [(t.name, t.outcome) for t in eli.tests]
    for test in eli.tests:
        assert any(said in test.message for said in ("not implemented yet", "still `...`", "does not return feature maps yet")), \
            (test.name, test.message)
        assert test.misconception is None
    assert eli.manual[0].answer == ""


@pytest.mark.parametrize("stem", sorted(MANIFEST))
def test_each_mutant_is_caught_and_named(graded, pooling, stem):
    expected = MANIFEST[stem]
    result = graded[stem]
    assert result.status is Status.GRADED, result.message
    by_name = {t.name: t for t in result.tests}
    for name in expected["caught_by"]:
        test = by_name[name]
        assert not test.passed, f"{stem}: {name} passed"
        assert test.misconception == expected["misconception"], (stem, name, test.misconception, test.message)
    for test in result.tests:
        if test.question not in expected["questions"]:
            assert test.passed, f"{stem} lost {test.name} ({test.question}), outside {expected['questions']}: {test.message}"
    assert result.score < result.max_score


def test_examples_with_a_couple_of_mistakes_name_each_of_them(graded):
    labels = lambda stem: {t.misconception for t in graded[stem].tests if not t.passed} - {None}  # noqa: E731
    assert labels("ben") == {"zero padding in max pooling", "padding left out of the mean"}
    assert labels("chloe") == {"stride ignored: windows step by one pixel", "global max instead of global average"}
    dan = graded["dan"]
    assert {t.question for t in dan.tests if not t.passed} == {"q3"}
    assert all(t.outcome is Outcome.RULE and "library pooling" in t.message for t in dan.tests if t.question == "q3")


def test_feedback_shows_the_smallest_failing_maps_channel_by_channel(graded):
    from autograder.render.feedback import render_feedback_html

    html = render_feedback_html(graded["max_zero_padding"], title="pooling")
    assert "Smallest failing input" in html and "max_pool2d(X, size, stride, padding)" in html
    labels = re.findall(r'<p class="slice"><code>(.*?)</code></p>', html)
    assert labels.count("[0, :, :]") >= 3 and labels.count("[1, :, :]") >= 3, labels  # X, yours, expected
    assert "zero padding in max pooling" in html


def test_attacks_on_what_the_assignment_adds_gain_nothing(graded):
    """A rewritten data file, a name `env` of the student's own, a function that rewrites `pooled` whenever
    the grader calls it, more names than env lists (star imports of every library), the forbidden window
    view by a computed name."""
    rewrites = {t.name: t for t in graded["rewrites_the_data_file"].tests}
    for name in ("test_pooled_is_your_max_pool_of_the_data", "test_pooled_features_from_the_data_file"):
        assert not rewrites[name].passed and "not the content of feature_maps.npy" in rewrites[name].message, rewrites[name]
    defines_env = {t.name: t for t in graded["defines_env"].tests}
    assert not defines_env["test_strongest_channel_by_global_average"].passed  # read from the namespace, not their `env`
    assert defines_env["test_pooled_features_from_the_data_file"].passed
    rewritten = {t.name: t for t in graded["calls_rewrite_pooled"].tests}  # read as the notebook left it
    for name in ("test_pooled_is_your_max_pool_of_the_data", "test_pooled_features_from_the_data_file"):
        assert not rewritten[name].passed and "pooled" in rewritten[name].message, rewritten[name]
    assert all(t.passed for t in graded["calls_rewrite_pooled"].tests if t.question != "q4")
    star = graded["star_imports_everywhere"]  # over 2000 imported names: env still lists the notebook's answers
    assert star.score == star.max_score, [(t.name, t.message) for t in star.tests if not t.passed]
    computed = graded["window_view_by_computed_name"]
    q3 = [t for t in computed.tests if t.question == "q3"]
    assert q3 and all(t.outcome is Outcome.RULE for t in q3), [(t.name, t.outcome, t.message) for t in q3]
    assert all(t.passed for t in computed.tests if t.question != "q3")


def test_the_rules_routine_is_absent_from_the_sandbox_with_the_rules_own_words(grader, tmp_path):
    """Behind the static check, the forbidden window view is not in the sandbox at all: a cell outside
    any rule-bound function (which the static check does not judge) reaches for it and reads why."""
    nb = nbformat.read(SUBMISSIONS / "examples" / "ana.ipynb", as_version=4)
    probe = ("for route in ('np.lib.stride_tricks.sliding_window_view', 'np.lib._stride_tricks_impl.sliding_window_view'):\n"
             "    try:\n        print('REACHED', route, eval(route)(np.arange(4.0), 2).shape)\n"
             "    except Exception as error:\n        print('absent:', type(error).__name__, error)\n")
    nb.cells.append(nbformat.v4.new_code_cell(probe))
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    (result,) = grader.grade([path])
    assert "REACHED" not in result.stdout and "absent:" in result.stdout, result.stdout
    assert "this assignment asks you to pool the windows yourself" in result.stdout, result.stdout
    assert result.score == 85, result.message


def test_the_solution_passes_every_public_check_in_a_real_kernel_beside_its_data_file(tmp_path):
    """In the student's notebook the checks run with `env` too, reading the notebook's own namespace."""
    nbclient = pytest.importorskip("nbclient")
    shutil.copyfile(SUBMISSIONS / "examples" / "ana.ipynb", tmp_path / "pooling (2).ipynb")
    shutil.copyfile(ASSIGNMENT_DIR / "feature_maps.npy", tmp_path / "feature_maps.npy")
    nb = nbformat.read(tmp_path / "pooling (2).ipynb", as_version=4)
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    shown = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.strip().startswith("grader.check"):
            shown[cell.source.strip()] = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
    assert "4 of 4 questions pass their public checks." in shown["grader.check_all()"], shown
    assert "q4: all 1 public checks passed." in shown['grader.check("q4")'], shown
    # without the data file beside it, the cell that loads it says what to do
    alone = tmp_path / "alone"
    alone.mkdir()
    nb = nbformat.read(tmp_path / "pooling (2).ipynb", as_version=4)
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(alone)}}).execute()
    said = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "feature_maps.npy is not in the folder of this notebook" in said, said[:2000]


# ----------------------------------------------------------------------------- by name: make grade, the Gradescope zip


def test_make_grade_takes_the_assignment_by_name(tmp_path):
    out = tmp_path / "out"
    done = subprocess.run(["make", "-s", "grade", "ASSIGNMENT=assignments/pooling", f"SUBMISSIONS={SUBMISSIONS / 'examples'}",
                           f"OUT={out}", "WORKERS=2"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    rows = (out / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 1 + len(list((SUBMISSIONS / "examples").glob("*.ipynb")))
    assert any(line.startswith("ana,85,") for line in rows), rows
    assert (out / "hand-grading" / "q5.html").is_file()


def test_the_gradescope_zip_carries_the_data_file_and_grades_with_it(tmp_path):
    import jsonschema

    from autograder.gradescope import build_zip, run_autograder

    zip_path = build_zip(ASSIGNMENT_DIR, tmp_path / "pooling-autograder.zip")
    root = tmp_path / "autograder"
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        archive.extractall(root / "source")
    assert "assignments/pooling/feature_maps.npy" in names and "assignments/pooling/grading.py" in names
    assert not any(name.startswith("assignments/conv-math") or name.endswith(".ipynb") for name in names)
    (root / "submission").mkdir()
    shutil.copyfile(SUBMISSIONS / "examples" / "ana.ipynb", root / "submission" / "pooling.ipynb")
    assert run_autograder(root) == 0
    results = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(results, json.loads(SCHEMA.read_text()))
    assert results["score"] == 85, results.get("output")
