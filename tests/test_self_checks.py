"""The self-checks the student notebook carries (autograder/self_checks.py, built in by `make assign`).

(a) The filled-in student notebook, renamed and alone in a folder, runs in a real kernel and every
check cell gives a verdict; the saved file runs again in a fresh kernel from its last section.
(b) The carried cell needs neither otter nor this project.  (c) What a student sees for a passing,
a failing and a rule-breaking answer, word for word.  (d) For every mutant of the corpus, each
public check fails in the notebook exactly when it fails in the grader.  (e) One mistake is charged
once: each mutant costs the points of the failing tests of its own function, nothing else.
(f) Every known mistake of the hidden tests, given as the answer to a public example, fails the
public check, and a misconception the check names is one the hidden tests use for that answer.
(g) The grader ignores what a submission carries about tests, even a forged checker.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = ROOT / "assignments" / "conv-math"
STUDENT_NB = ASSIGNMENT / "student" / "conv-math.ipynb"
SUBMISSIONS = ROOT / "tests" / "submissions"
MANIFEST = tomllib.loads((SUBMISSIONS / "mutants" / "manifest.toml").read_text(encoding="utf-8"))
MUTANTS = sorted((SUBMISSIONS / "mutants").glob("*.ipynb"))
CORRECT = sorted((SUBMISSIONS / "correct").glob("*.ipynb"))

sys.path.insert(0, str(SUBMISSIONS))
from make_corpus import filled_notebook  # noqa: E402

sys.path.pop(0)


def self_checks_source() -> str:
    (cell,) = [c for c in nbformat.read(STUDENT_NB, as_version=4).cells if c.cell_type == "code" and "PUBLIC_TESTS = {" in c.source]
    return cell.source


def carried_grader():
    """The `grader` object the notebook's self-checks cell defines, built from that cell alone."""
    namespace: dict = {"__name__": "self_checks_cell"}
    exec(compile(self_checks_source(), "<self-checks cell>", "exec"), namespace)
    return namespace["grader"]


class _Shell:
    def run_line_magic(self, *args, **kwargs):
        return None

    def system(self, *args, **kwargs):
        return None


def notebook_namespace(path: Path) -> dict:
    """The names a notebook defines when its code cells run in order (cells that use otter or
    `grader`, and cells that raise, are left out), as a student's kernel would hold them."""
    import matplotlib

    matplotlib.use("Agg")
    from IPython.core.inputtransformer2 import TransformerManager

    transform = TransformerManager().transform_cell
    namespace: dict = {"__name__": "__main__", "get_ipython": _Shell}
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code" or "otter" in cell.source or "grader" in cell.source or "PUBLIC_TESTS" in cell.source:
            continue
        try:
            exec(compile(transform(cell.source), str(path), "exec"), namespace)
        except Exception:
            continue
    import matplotlib.pyplot as plt

    plt.close("all")
    return namespace


def check_texts(nb: nbformat.NotebookNode) -> dict[str, str]:
    """Source of each cell that calls `grader.` -> the text it showed (text/plain and streams)."""
    found = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.strip().startswith("grader."):
            found[cell.source.strip()] = "".join(
                out.get("text", "") + str(out.get("data", {}).get("text/plain", "")) for out in cell.outputs)
    return found


# ------------------------------------------------------------------ (a) anywhere, in a real kernel


def test_filled_in_notebook_renamed_and_alone_gives_a_verdict_in_every_check_cell(tmp_path):
    nbclient = pytest.importorskip("nbclient")
    folder = tmp_path / "Downloads"
    folder.mkdir()
    path = folder / "conv-math (1).ipynb"
    nbformat.write(filled_notebook(), path)
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    assert sorted(p.name for p in folder.iterdir()) == ["conv-math (1).ipynb"], "the notebook needed or left other files"
    errors = [f"{o.ename}: {o.evalue}" for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    texts = check_texts(nb)
    for q in range(1, 7):
        text = texts[f'grader.check("q{q}")']
        assert re.fullmatch(rf"q{q}: all \d+ public checks passed\.\nA good sign, not a guarantee: .*hidden tests .*\n?", text, re.S), text
        # HTML and plain text carry the message once each; the test's source never appears
        assert "def test_" not in text and "expect_array(" not in text
    assert texts["grader.check_all()"].startswith("6 of 6 questions pass their public checks.")
    fresh = texts["grader.run_saved_notebook()"]
    assert re.match(r"The saved conv-math \(1\)\.ipynb ran top to bottom in a fresh kernel in \d+ s with no error\.", fresh), fresh
    (experiment,) = [c for c in nb.cells if c.cell_type == "code" and "def moved_with_input" in c.source]
    table = "".join(o.get("text", "") for o in experiment.outputs)
    rows = {line.split()[0]: line.split()[1:] for line in table.splitlines() if line.split() and line.split()[0].endswith("_layer")}
    assert rows == {"fc_layer": ["False", "False", "False"], "offset_layer": ["False", "False", "False"],
                    "shared_layer": ["True", "False", "False"], "local_layer": ["True", "False", "True"]}, table


def test_blank_notebook_renamed_and_alone_fails_every_check_with_a_message(tmp_path):
    nbclient = pytest.importorskip("nbclient")
    folder = tmp_path / "lms download"
    folder.mkdir()
    path = folder / "Copy of conv-math.ipynb"
    shutil.copy(STUDENT_NB, path)
    nb = nbformat.read(path, as_version=4)
    os.environ["SELF_CHECKS_FRESH_RUN"] = "1"
    try:
        nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    finally:
        os.environ.pop("SELF_CHECKS_FRESH_RUN", None)
    errors = [f"{o.ename}: {o.evalue}" for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    texts = check_texts(nb)
    for q in range(1, 7):
        text = texts[f'grader.check("q{q}")']
        assert re.match(rf"q{q}: (\d+) of \1 public checks failed\.\n", text), text
        failures = re.findall(r"^✗ (test_\w+)\n    (.+)$", text, re.M)
        assert failures and all(m for _, m in failures), text
        assert "passed" not in text


# ------------------------------------------------------------------ (b) self-contained


def test_self_checks_cell_needs_neither_otter_nor_this_project(tmp_path):
    script = tmp_path / "alone.py"
    script.write_text(
        "import sys\n"
        "class Refuse:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('otter', 'autograder', 'grading', 'nbclient'):\n"
        "            raise ImportError(f'{name} is not installed here')\n"
        "sys.meta_path.insert(0, Refuse())\n"
        f"sys.path = [p for p in sys.path if p not in ({str(ROOT)!r}, '')]\n"  # the checkout, added by the venv's .pth
        f"exec(compile(open({str(tmp_path / 'cell.py')!r}).read(), 'cell', 'exec'))\n"
        "import numpy as np\n"
        "def conv1d(f, g):\n"
        "    return np.convolve(f, g)\n"
        "def conv2d(f, g):\n"
        "    return None\n"
        "print(grader.check('q5'))\n"
        "print(grader.run_saved_notebook('nowhere.ipynb'))\n")
    (tmp_path / "cell.py").write_text(self_checks_source())
    run = subprocess.run([sys.executable, "-I", str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "q5: 2 of 2 public checks failed." in run.stdout
    assert "conv1d called numpy.convolve while it ran" in run.stdout or "conv1d uses numpy.convolve" in run.stdout, run.stdout
    assert "nbclient is not installed here" in run.stdout


# ------------------------------------------------------------------ (c) what a student sees

CONV_RIGHT = '''
def conv1d(f, g):
    c = np.zeros(len(f) + len(g) - 1)
    for a in range(len(f)):
        c[a:a + len(g)] += f[a] * g
    return c

def conv2d(f, g):
    c = np.zeros((f.shape[0] + g.shape[0] - 1, f.shape[1] + g.shape[1] - 1))
    for a in range(f.shape[0]):
        for b in range(f.shape[1]):
            c[a:a + g.shape[0], b:b + g.shape[1]] += f[a, b] * g
    return c
'''

CONV_NOT_FLIPPED = CONV_RIGHT.replace("def conv1d(f, g):\n", "def conv1d(f, g):\n    g = g[::-1]\n")
CONV_LIBRARY = CONV_RIGHT.replace("def conv1d(f, g):\n", "def conv1d(f, g):\n    return np.convolve(f, g)\n")
CONV_IN_PLACE = CONV_RIGHT.replace("def conv1d(f, g):\n", """def conv1d(f, g):
    g[:] = g[::-1].copy()  # flip g in place, then slide it over the zero-padded f
    padded = np.concatenate([np.zeros(len(g) - 1), f, np.zeros(len(g) - 1)])
    return np.array([np.sum(padded[i:i + len(g)] * g) for i in range(len(f) + len(g) - 1)])
""")

HIDDEN_NOTE = tomllib.loads((ASSIGNMENT / "assignment.toml").read_text())["self_checks"]["hidden_note"]
RULE = tomllib.loads((ASSIGNMENT / "assignment.toml").read_text())["rules"]["own_arithmetic"]["message"]

SEEN = {
    "passing": CONV_RIGHT,
    "failing": CONV_NOT_FLIPPED,
    "rule-breaking (library convolution)": CONV_LIBRARY,
    "rule-breaking (modifies its input)": CONV_IN_PLACE,
}


def what_a_student_sees(source: str) -> tuple[str, str]:
    namespace = {"np": np, "__name__": "__main__"}
    exec(source, namespace)
    result = carried_grader().check("q5", namespace)
    return repr(result), result._repr_html_()


def test_what_a_student_sees_for_a_passing_a_failing_and_a_rule_breaking_answer():
    text, html = what_a_student_sees(SEEN["passing"])
    assert text == f"q5: all 2 public checks passed.\n{HIDDEN_NOTE}"
    text, html = what_a_student_sees(SEEN["failing"])
    assert text == (
        "q5: 1 of 2 public checks failed.\n"
        "✗ test_conv1d_worked_example\n"
        "    conv1d([1, 2, 3], [1, 10]) returned [10.0, 21.0, 32.0, 3.0]; expected [1.0, 12.0, 23.0, 30.0] "
        "(e.g. (f*g)(1) = f(0) g(1) + f(1) g(0) = 10 + 2).\n"
        "    Likely misconception: kernel not flipped: this is cross-correlation\n"
        "✓ test_conv2d_small_example")
    assert html.count("returned [10.0, 21.0, 32.0, 3.0]") == 1 and "def test_" not in html
    text, html = what_a_student_sees(SEEN["rule-breaking (library convolution)"])
    assert text == (
        "q5: 1 of 2 public checks failed.\n"
        "✗ test_conv1d_worked_example\n"
        f"    conv1d uses numpy.convolve: {RULE}\n"
        "    Likely misconception: library convolution used\n"
        "✓ test_conv2d_small_example")
    text, html = what_a_student_sees(SEEN["rule-breaking (modifies its input)"])
    assert text == (
        "q5: 1 of 2 public checks failed.\n"
        "✗ test_conv1d_worked_example\n"
        "    conv1d changed its argument #2 in place; functions must not modify their inputs.\n"
        "✓ test_conv2d_small_example")


def test_a_library_call_the_names_do_not_show_is_caught_while_it_runs():
    namespace = {"np": np, "__name__": "__main__"}
    exec(CONV_RIGHT + "\ndef conv1d(f, g):\n    return getattr(np, 'con' + 'volve')(f, g)\n", namespace)
    text = repr(carried_grader().check("q5", namespace))
    assert f"conv1d called numpy.convolve while it ran: {RULE}" in text, text


def test_the_grader_says_the_same_for_the_same_answers(grade, tmp_path):
    """The words of (c) are the grader's: the same answers in a submission get the same messages."""
    for kind, source in SEEN.items():
        nb = filled_notebook()
        (cell,) = [c for c in nb.cells if c.cell_type == "code" and "def conv1d" in c.source]
        cell.source = source
        path = tmp_path / f"{kind.split()[0]}.ipynb"
        nbformat.write(nb, path)
        result = grade(path)
        by_name = {t.name: t for t in result.tests}
        shown = what_a_student_sees(source)[0]
        for name in ("test_conv1d_worked_example", "test_conv2d_small_example"):
            outcome = by_name[name]
            if outcome.passed:
                assert f"✗ {name}" not in shown, (kind, name, shown)
                continue
            assert f"✗ {name}\n    {outcome.message}\n" in shown + "\n", (kind, outcome.message, shown)
            if outcome.misconception:
                assert f"Likely misconception: {outcome.misconception}" in shown, (kind, outcome.misconception, shown)


# ------------------------------------------------------------------ (d) the notebook agrees with the grader


@pytest.fixture(scope="module")
def graded_mutants(grade_many):
    return {r.submission: r for r in grade_many(MUTANTS + CORRECT)}


def public_outcomes_in_notebook(path: Path) -> dict[str, bool]:
    namespace = notebook_namespace(path)
    grader = carried_grader()
    return {o.name: o.passed for q in grader.tests for o in grader.check(q, namespace).outcomes}


@pytest.mark.parametrize("path", MUTANTS + CORRECT, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_public_checks_fail_in_the_notebook_exactly_when_they_fail_in_grading(graded_mutants, path):
    result = graded_mutants[path.stem]
    assert result.status.value == "graded", f"{path.stem} was not graded: {result.status.value}: {result.message}"
    in_grader = {t.name: t.passed for t in result.tests if not t.hidden}
    in_notebook = public_outcomes_in_notebook(path)
    assert set(in_grader) == set(in_notebook)
    differ = {name: (in_grader[name], in_notebook[name]) for name in in_grader if in_grader[name] != in_notebook[name]}
    assert not differ, f"{path.stem}: (grader, notebook) disagree on {differ}"
    if path.parent.name == "correct":
        assert all(in_notebook.values()), f"{path.stem} is correct but fails public checks in the notebook"


# ------------------------------------------------------------------ (e) one mistake, charged once


@pytest.mark.parametrize("path", MUTANTS, ids=lambda p: p.stem)
def test_a_mutant_costs_the_points_of_its_own_functions_tests(graded_mutants, assignment, path):
    result = graded_mutants[path.stem]
    assert result.status.value == "graded", f"{path.stem} was not graded: {result.status.value}: {result.message}"
    function = MANIFEST[path.stem]["function"]
    parameters = {spec.name: spec.parameters for spec in assignment.tests}
    charged = [(t.name, t.max_score) for t in result.tests if not t.passed and t.max_score > 0]
    assert charged, f"{path.stem} costs nothing"
    others = [(name, points) for name, points in charged if parameters[name] != (function,)]
    assert not others, f"{path.stem} (a mistake in {function}) is charged by tests of other functions or properties: {others}"
    assert result.max_score - result.score == sum(points for _, points in charged)


# ------------------------------------------------------------------ (f) public checks know the hidden mistakes


def public_examples():
    """(question, test name, function, args of its first call, mistakes of grading.py for that function)."""
    from autograder.assignment import load_helpers

    grading = load_helpers(ASSIGNMENT)  # conv-math's own helpers, never a shared `grading` module
    examples = {
        "fc_layer": ((np.array([[1.0, 2.0]]), np.array([[[[1.0, 2.0]], [[3.0, 4.0]]]]), np.array([[10.0, 20.0]])), grading.FC_LAYER_MISTAKES),
        "reindex": ((np.array([[[[1.0, 2.0]], [[3.0, 4.0]]]]),), grading.REINDEX_MISTAKES),
        "offset_layer": ((np.array([[1.0, 2.0]]), np.array([[[[0.0, 1.0, 2.0]], [[3.0, 4.0, 0.0]]]]), np.array([[10.0, 20.0]])), grading.OFFSET_LAYER_MISTAKES),
        "shared_layer": ((np.array([[1.0, 2.0]]), np.array([[1.0, 10.0, 100.0]]), 0.5), grading.SHARED_LAYER_MISTAKES),
        "local_layer": ((np.array([[1.0, 2.0, 3.0]]), np.array([[1.0, 10.0, 100.0]]), 0.0), grading.LOCAL_LAYER_MISTAKES),
        "corr2d": ((np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), np.array([[1.0, 10.0]])), grading.CORR2D_MISTAKES),
        "conv1d": ((np.array([1.0, 2.0, 3.0]), np.array([1.0, 10.0])), grading.CONV1D_MISTAKES),
        "conv2d": ((np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 10.0]])), grading.CONV2D_MISTAKES),
        "shift": ((np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), 1, 0), grading.SHIFT_MISTAKES),
    }
    return examples, grading


def test_every_hidden_mistake_fails_its_public_example_and_is_named_in_hidden_words():
    examples, grading = public_examples()
    grader = carried_grader()
    named = 0
    for function, (args, mistakes) in examples.items():
        reference = getattr(grading, f"ref_{function}")
        for mistake in mistakes:
            try:
                wrong = mistake.compute(*args)
            except Exception:
                continue
            if np.shape(wrong) == np.shape(reference(*args)) and np.allclose(wrong, reference(*args)):
                continue  # this example cannot tell the mistake apart
            namespace = {"__name__": "__main__", function: lambda *a, _m=mistake, _args=args: _m.compute(*a)}
            outcomes = [o for q in grader.tests for o in grader.check(q, namespace).outcomes
                        if o.name.startswith(f"test_{function}_")]
            assert outcomes and not outcomes[0].passed, f"{function} with the mistake {mistake.label!r} passes its public check"
            label = outcomes[0].misconception
            if label is not None:
                same_output = {m.label for m in mistakes if _gives(m, args, wrong)}
                assert label in same_output, f"{function}: the public check names {label!r}; the hidden tests would name one of {same_output}"
                named += 1
    assert named >= 12, f"public checks name only {named} of the hidden tests' misconceptions"


def _gives(mistake, args, value) -> bool:
    try:
        got = mistake.compute(*args)
    except Exception:
        return False
    return np.shape(got) == np.shape(value) and bool(np.allclose(got, value))


# ------------------------------------------------------------------ (g) the grader ignores what the notebook carries


def test_a_forged_checker_and_a_check_cell_that_never_ends_change_nothing_in_grading(grade, tmp_path):
    nb = filled_notebook()
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and "PUBLIC_TESTS = {" in c.source]
    cell.source = (
        "class Forged:\n"
        "    def check(self, q):\n"
        "        while True:\n"
        "            pass\n"
        "    check_all = run_saved_notebook = check\n"
        "grader = Forged()\n"
        "def conv1d(f, g):\n"
        "    return f\n")  # defined before the answers: the real conv1d below replaces it
    honest = tmp_path / "honest.ipynb"
    nbformat.write(filled_notebook(), honest)
    forged = tmp_path / "forged.ipynb"
    nbformat.write(nb, forged)
    expected, result = grade(honest), grade(forged)
    assert result.score == expected.score == expected.max_score
    assert result.seconds < 20, "a check cell ran in the grader"
    assert not [c for c in result.message.split(";") if "cell" in c and "time" in c], result.message


# ------------------------------------------------------------------ (h) the same words as the grader's checks


def _failure(check, *args):
    try:
        check(*args)
    except AssertionError as failure:
        return str(failure), getattr(failure, "misconception", None)
    return None


def test_public_checks_say_what_the_hidden_checks_say():
    from autograder import checks, self_checks

    expected = np.array([[0.5, 1.0], [2.0, 3.0]])
    for got in (None, Ellipsis, [[0.5, 1.0], [2.0, 3.0]], (1, 2), 3.0, expected.astype(complex), expected[:1],
                np.zeros((2, 2), dtype=np.int64), np.ones((2, 2), dtype=np.float32), expected.copy()):
        hidden = _failure(checks.expect_array, "conv2d(f, g)", got, expected)
        public = _failure(self_checks.expect_array, "conv2d(f, g)", got, expected)
        if hidden is None or "values are wrong" in hidden[0]:  # public examples show their values instead
            assert (public is None) == (hidden is None), (got, hidden, public)
        else:
            assert public == hidden, (got, hidden, public)
    for got, want in [(None, 36), (True, 1), (36.0, 36), (np.float64(36), 36), (np.int64(36), 36), (36, 36), ("36", 36),
                      (np.int64(10**10) ** 2, 10**20), (int(np.int64(10**10) ** 2), 10**20), (35, 36), (10**50, 10**50 + 1)]:
        hidden = _failure(checks.expect_exact_int, "fc_num_weights(2, 3)", got, want)
        public = _failure(self_checks.expect_int, "fc_num_weights(2, 3)", got, want)
        assert public == hidden, (got, hidden, public)


def test_the_grader_runs_a_stand_in_for_the_self_checks_cell_only_in_its_built_shape():
    from autograder.cells import SELF_CHECKS_STAND_IN, runnable_cell

    cell = self_checks_source()
    assert runnable_cell(cell) == SELF_CHECKS_STAND_IN
    assert runnable_cell('grader.check("q1")') == runnable_cell("grader.check_all()\ngrader.run_saved_notebook()") == ""
    for changed in (cell + "\ndef conv1d(f, g):\n    return f\n",
                    cell.replace("RULES = {", "RULES = print() or {", 1),
                    cell.replace("import types", "import types, os", 1),
                    'result = grader.check("q1")', 'grader.check("q1")\nconv1d = None'):
        assert runnable_cell(changed) == changed, changed[-80:]
    namespace: dict = {}
    exec(SELF_CHECKS_STAND_IN, namespace)
    assert namespace["grader"].check("q1") is None and namespace["grader"].check_all() is None


def test_the_carried_code_is_python_3_9_as_colab_and_jupyterlite_may_run_older_pythons():
    cell = self_checks_source()
    tree = ast.parse(cell, feature_version=(3, 9))
    carried = {n.targets[0].id: n.value for n in tree.body if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)}
    ast.parse(ast.literal_eval(carried["SELF_CHECKS_CODE"]), feature_version=(3, 9))
    for question, text in ast.literal_eval(carried["PUBLIC_TESTS"]).items():
        ast.parse(text, feature_version=(3, 9))
