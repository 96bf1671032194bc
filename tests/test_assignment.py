"""The conv-math assignment as built from its one shared source.

(a) the committed build is what the source builds today; (b) the student's files hold no solution
and no hidden test; (c) the untouched student notebook runs in a real Jupyter kernel and its checks
report failures; (d) the solution notebook passes every public check; (e) points add up to 100 and
the solution defines every graded name; (f) every hidden test family is present.  The notebook's
self-checks themselves are tested in test_self_checks.py.
"""

from __future__ import annotations

import ast
import re
import shutil
import tomllib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = ROOT / "assignments" / "conv-math"
SOURCE = ASSIGNMENT / "conv-math.py"
STUDENT_NB = ASSIGNMENT / "student" / "conv-math.ipynb"
SOLUTION_NB = ROOT / "solutions" / "conv-math" / "conv-math.ipynb"
PYTHON = ROOT / ".venv" / "bin" / "python"

NAMES = [
    "fc_layer", "fc_num_weights", "reindex", "offset_layer", "shared_layer", "expand_shared",
    "shared_num_weights", "local_layer", "local_num_weights", "corr2d", "conv1d", "conv2d",
    "shift", "equivariant_layers",
]


def built_files(assignment_dir: Path, solutions_dir: Path) -> dict[str, bytes]:
    files = {
        "student/conv-math.ipynb": assignment_dir / "student" / "conv-math.ipynb",
        "solutions/conv-math.ipynb": solutions_dir / "conv-math.ipynb",
    }
    for path in sorted((assignment_dir / "tests").glob("q*.py")):
        files[f"tests/{path.name}"] = path
    return {key: path.read_bytes() for key, path in files.items()}


def load_tests(folder: Path) -> list:
    """Every otter test_case object of the q*.py files of `folder`."""
    cases = []
    for path in sorted(folder.glob("q*.py")):
        namespace: dict = {}
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
        cases += [(path.stem, v) for v in namespace.values() if type(v).__name__ == "test_case"]
    return cases


def solution_lines() -> list[str]:
    """Every non-trivial line inside a BEGIN/END SOLUTION block or marked # SOLUTION in the source."""
    lines, inside = [], False
    for line in SOURCE.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if re.match(r"#\s*BEGIN SOLUTION", stripped) or stripped == "# # BEGIN SOLUTION":
            inside = stripped != "# # BEGIN SOLUTION"  # raw-cell markers wrap whole cells, not lines
            continue
        if re.match(r"#\s*END SOLUTION", stripped):
            inside = False
            continue
        if inside and len(stripped) > 12:
            lines.append(stripped)
        elif re.search(r"#\s*SOLUTION\s*$", stripped):
            lines.append(re.sub(r"\s*#\s*SOLUTION\s*$", "", stripped))
    return lines


# tests of properties that follow from a function being right: they report, and charge nothing
DERIVED = {
    "test_offset_layer_of_reindex_equals_fc_layer", "test_shared_layer_shift_equivariant",
    "test_expand_shared_gives_equivariant_fc_layer", "test_local_layer_shift_equivariant",
    "test_conv2d_is_commutative", "test_conv2d_is_linear", "test_conv2d_shift_equivariant",
    "test_corr2d_matches_flipped_conv2d",
}


# ------------------------------------------------------------------ (a) reproducible and up to date


def test_build_is_up_to_date_and_reproducible(tmp_path):
    from autograder.assign import build_assignment

    copy_root = tmp_path / "repo"
    shutil.copytree(ASSIGNMENT, copy_root / "assignments" / "conv-math", ignore=shutil.ignore_patterns("__pycache__"))
    (copy_root / "solutions" / "conv-math").mkdir(parents=True)
    build_assignment(copy_root / "assignments" / "conv-math")
    fresh = built_files(copy_root / "assignments" / "conv-math", copy_root / "solutions" / "conv-math")
    committed = built_files(ASSIGNMENT, ROOT / "solutions" / "conv-math")
    stale = sorted(k for k in fresh.keys() | committed.keys() if fresh.get(k) != committed.get(k))
    assert not stale, f"the built files are stale (run `make assign` and commit): {stale}"
    build_assignment(copy_root / "assignments" / "conv-math")
    again = built_files(copy_root / "assignments" / "conv-math", copy_root / "solutions" / "conv-math")
    assert again == fresh, "building twice gave different bytes"


# ------------------------------------------------------------------ (b) nothing secret for students


def student_texts() -> dict[str, str]:
    assert not (ASSIGNMENT / "student" / "tests").exists(), "the student notebook carries its public tests: no tests folder"
    assert sorted(p.name for p in (ASSIGNMENT / "student").iterdir()) == ["conv-math.ipynb"]
    return {"student notebook": STUDENT_NB.read_text(encoding="utf-8")}


def test_student_files_hold_no_solution_line():
    lines = solution_lines()
    assert len(lines) > 20, "found too few solution lines in the source to check anything"
    for where, text in student_texts().items():
        code = text
        if where == "student notebook":
            code = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
        leaked = [line for line in lines if line in code]
        assert not leaked, f"{where} contains solution lines: {leaked[:5]}"
        assert not re.search(r"#\s*(BEGIN |END )?SOLUTION", code), f"{where} contains a SOLUTION marker"


def test_student_files_hold_no_hidden_test():
    hidden = [case.test_func.__name__ for _, case in load_tests(ASSIGNMENT / "tests") if case.hidden]
    assert hidden, "no hidden tests found"
    grading_names = [n.name for n in ast.parse((ASSIGNMENT / "grading.py").read_text()).body if isinstance(n, (ast.FunctionDef, ast.Assign)) and getattr(n, "name", "")]
    for where, text in student_texts().items():
        for name in hidden:
            assert name not in text, f"{where} mentions the hidden test {name}"
        assert "grading" not in text.replace("graded", ""), f"{where} refers to the trusted grading module"
        for name in grading_names:
            if name.startswith("ref_") or name.isupper():
                assert name not in text, f"{where} mentions {name} from grading.py"
        assert "hidden=True" not in text


# ------------------------------------------------------------------ (c), (d) in a real kernel


def run_notebook(path: Path, tmp_path: Path, name: str = "conv-math (1).ipynb") -> nbformat.NotebookNode:
    """Run a copy of `path`, renamed and alone in a folder, in a real kernel (the fresh-run cell is left out)."""
    nbclient = pytest.importorskip("nbclient")
    work = tmp_path / "alone"
    work.mkdir()
    shutil.copy(path, work / name)
    nb = nbformat.read(work / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(work)}})
    import os

    os.environ["SELF_CHECKS_FRESH_RUN"] = "1"  # this run is the fresh run: grader.run_saved_notebook() does nothing
    try:
        client.execute()
    finally:
        os.environ.pop("SELF_CHECKS_FRESH_RUN", None)
    return nb


def check_outputs(nb: nbformat.NotebookNode) -> dict[str, str]:
    """Question name -> text of the grader.check output."""
    found = {}
    for cell in nb.cells:
        match = re.fullmatch(r'grader\.check\("(q\d+)"\)', cell.source.strip()) if cell.cell_type == "code" else None
        if match:
            text = ""
            for out in cell.outputs:
                text += out.get("text", "") + str(out.get("data", {}).get("text/plain", "")) + str(out.get("data", {}).get("text/html", ""))
            found[match.group(1)] = text
    return found


def test_untouched_student_notebook_runs_and_reports_failures(tmp_path):
    nb = run_notebook(STUDENT_NB, tmp_path)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, f"the blank student notebook raised: {[e.ename + ': ' + e.evalue for e in errors]}"
    checks = check_outputs(nb)
    assert set(checks) == {f"q{i}" for i in range(1, 7)}
    for q, text in checks.items():
        assert "passed." not in text, f"{q} reports passing on a blank notebook: {text[:300]}"
        assert re.search(rf"{q}: (\d+) of \1 public checks failed", text), f"{q}'s check output does not say which tests failed: {text[:300]}"


def test_solution_notebook_passes_public_checks(tmp_path):
    nb = run_notebook(SOLUTION_NB, tmp_path)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, f"the solution notebook raised: {[e.ename + ': ' + e.evalue for e in errors]}"
    checks = check_outputs(nb)
    assert set(checks) == {f"q{i}" for i in range(1, 7)}
    for q, text in checks.items():
        assert re.search(rf"{q}: all \d+ public checks passed", text), f"the solution fails public checks of {q}: {text[:500]}"
        assert "hidden tests" in text, f"a passing check of {q} does not say that hidden tests run more cases"


# ------------------------------------------------------------------ (e) points and names


def test_points_total_100_and_match_question_configs():
    config = tomllib.loads((ASSIGNMENT / "assignment.toml").read_text())
    tests = load_tests(ASSIGNMENT / "tests")
    per_question: dict[str, float] = {}
    for q, case in tests:
        assert case.points is not None, f"{case.test_func.__name__} has no points"
        name = case.test_func.__name__
        if name in DERIVED:  # one mistake is charged once: by the tests of the function itself
            assert case.points == 0, f"{name} checks a derived property but charges {case.points} points"
        else:
            assert case.points > 0, f"{name} checks a function directly but is worth nothing"
        per_question[q] = per_question.get(q, 0) + case.points
    for path in sorted((ASSIGNMENT / "tests").glob("q*.py")):
        declared = re.search(r"^points = (\d+)", path.read_text(), re.M)
        assert declared and float(declared.group(1)) == per_question[path.stem], f"{path.name}: test points do not add up to the question's points"
    manual = sum(m["points"] for m in config["manual"].values())
    assert sum(per_question.values()) + manual == 100 == config["total_points"]
    assert 12 <= manual <= 16, "the written question counts like a question (about 14 of 100)"
    counts = sum(case.points for _, case in tests if "_num_weights" in case.test_func.__name__)
    assert counts <= 9, f"the weight counts are worth {counts} points: they are one-liners"


def test_solution_defines_every_graded_name():
    nb = nbformat.read(SOLUTION_NB, as_version=4)
    defined = set()
    for cell in nb.cells:
        if cell.cell_type == "code" and "import otter" not in cell.source:
            from IPython.core.inputtransformer2 import TransformerManager

            for node in ast.parse(TransformerManager().transform_cell(cell.source)).body:
                if isinstance(node, ast.FunctionDef):
                    defined.add(node.name)
                elif isinstance(node, ast.Assign):
                    defined.update(t.id for t in node.targets if isinstance(t, ast.Name))
    assert not set(NAMES) - defined, f"the solution does not define {sorted(set(NAMES) - defined)}"
    config = tomllib.loads((ASSIGNMENT / "assignment.toml").read_text())
    assert set(config["rules"]["own_arithmetic"]["functions"]) <= set(NAMES)


def carried_public_tests() -> dict[str, str]:
    """The public tests the student notebook carries in its self-checks cell."""
    nb = nbformat.read(STUDENT_NB, as_version=4)
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and "PUBLIC_TESTS = {" in c.source]
    tree = ast.parse(cell.source)
    (assign,) = [n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "PUBLIC_TESTS"]
    return ast.literal_eval(assign.value)


def test_every_public_test_uses_only_numpy():
    carried = carried_public_tests()
    assert sorted(carried) == [f"q{i}" for i in range(1, 7)]
    public_names = set()
    for question, text in carried.items():
        namespace: dict = {}
        from autograder.self_checks import test_case

        exec(compile(text, question, "exec"), {"test_case": test_case, "__name__": question}, namespace)
        cases = [v for v in namespace.values() if isinstance(v, test_case)]
        assert cases and not any(c.hidden for c in cases), f"{question}: hidden tests ship to students"
        public_names |= {c.test_func.__name__ for c in cases}
        imports = set(re.findall(r"^\s*(?:from|import) (\S+)", text, re.M))
        assert imports <= {"numpy", "self_checks"}, f"public tests of {question} import {imports}"
    graded_public = {case.test_func.__name__ for _, case in load_tests(ASSIGNMENT / "tests") if not case.hidden}
    assert public_names == graded_public, "the notebook carries exactly the public tests the grader runs"


# ------------------------------------------------------------------ (f) hidden test families


def test_every_hidden_test_family_is_present():
    hidden = {case.test_func.__name__: case for _, case in load_tests(ASSIGNMENT / "tests") if case.hidden}
    names = set(hidden)
    correctness = {n for n in names if re.search(r"random|integer|1x1|large_as_image|flips_kernel|zero_fills", n)}
    for function in ["fc_layer", "reindex", "offset_layer", "shared_layer", "expand_shared", "local_layer", "corr2d", "conv1d", "conv2d", "shift"]:
        assert any(n.startswith(f"test_{function}_") for n in correctness), f"no correctness test for {function}"
    assert any("non_square" in n for n in names) and any("rectangular" in n for n in names)
    assert any("large_as_image" in n for n in names) and any("1x1" in n for n in names) and any("integer" in n for n in names)
    for needed in [
        "test_shared_layer_shift_equivariant", "test_local_layer_shift_equivariant", "test_conv2d_shift_equivariant",
        "test_conv2d_is_commutative", "test_conv2d_is_linear", "test_corr2d_matches_flipped_conv2d",
        "test_expand_shared_gives_equivariant_fc_layer", "test_equivariant_layers_fc_layer",
        "test_equivariant_layers_offset_layer", "test_equivariant_layers_shared_layer", "test_equivariant_layers_local_layer",
        "test_fc_num_weights_exact_beyond_int64", "test_shared_num_weights_exact_beyond_int64",
        "test_local_num_weights_exact_beyond_int64", "test_local_num_weights_slide_and_delta_zero",
        "test_fc_num_weights_slide_and_hidden_sizes", "test_shared_num_weights_slide_and_hidden_sizes",
    ]:
        assert needed in names, f"missing hidden test {needed}"
    source = (ASSIGNMENT / "tests" / "q1.py").read_text() + (ASSIGNMENT / "tests" / "q3.py").read_text() + (ASSIGNMENT / "tests" / "q4.py").read_text()
    assert "(1000, 1000)" in source and "(5,)" in source and "(0,)" in source, "the slide's table (10**12, 3,996,001, 121) and delta = 0 are checked"


def test_hidden_tests_take_only_graded_names():
    import inspect

    for _, case in load_tests(ASSIGNMENT / "tests"):
        params = list(inspect.signature(case.test_func).parameters)
        assert params and set(params) <= set(NAMES), f"{case.test_func.__name__} takes {params}"
