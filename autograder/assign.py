"""Build an assignment from its one shared source (stage 1 of the pipeline: source -> build).

The source `assignments/<name>/<name>.py` is a jupytext "percent" file in Otter Assign format.
`build_assignment` converts it to a notebook in a temporary folder, runs Otter Assign there and
writes, byte-for-byte reproducibly:

  assignments/<name>/student/<name>.ipynb   the notebook students download (no solutions, no hidden tests)
  assignments/<name>/tests/q*.py            every test, public and hidden, read by the grading engine
  solutions/<name>/<name>.ipynb             the solution notebook (`solution` in assignment.toml, if set;
                                            see assignment.solution_location)

The student notebook carries its own public tests: the source's code cell that holds only
`SELF_CHECKS_CELL` becomes `autograder/self_checks.py` (numpy only) followed by the public tests
and the assignment's rules, so `grader.check("q1")` works renamed, without a tests folder, on
Colab and in JupyterLite.  The grader ignores that cell's tests and runs its own copy.

Otter makes some things nondeterministic (random cell ids) or editor-specific (jupytext cell
metadata); those are normalized here so that building twice gives identical bytes.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import shutil
import tempfile
import tomllib
from pathlib import Path

import jupytext
import nbformat

from .assignment import solution_location
from .rules import load_rules

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}
# cell metadata that Otter and Jupyter use; everything else (jupytext's bookkeeping) is dropped
KEPT_CELL_METADATA = ("deletable", "editable", "tags", "jupyter", "cellView")
KEPT_NOTEBOOK_METADATA = ("kernelspec", "language_info", "otter")


def notebook_name(assignment_dir: Path) -> str:
    """The notebook file name students submit, from assignment.toml (default: <folder>.ipynb)."""
    config_path = assignment_dir / "assignment.toml"
    if config_path.exists():
        with config_path.open("rb") as f:
            config = tomllib.load(f)
        if "notebook" in config:
            return str(config["notebook"])
    return f"{assignment_dir.name}.ipynb"


def _config(assignment_dir: Path) -> dict:
    path = assignment_dir / "assignment.toml"
    if not path.exists():
        return {}
    with path.open("rb") as f:
        return tomllib.load(f)


def source_notebook(source: Path) -> nbformat.NotebookNode:
    """Read the jupytext source as a notebook Otter Assign accepts (it needs a kernelspec)."""
    nb = jupytext.read(source, fmt="py:percent")
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    return nb


SELF_CHECKS_MARKER = "SELF_CHECKS_CELL"
SELF_CHECKS_HEADER = """\
# Self-checks: run this cell once (it defines `grader`); each `grader.check("qN")` cell then checks your answers.
# The public tests are carried here, so the checks work in a renamed notebook, on Colab and in JupyterLite,
# and they apply the grader's rules in the grader's words. You do not need to read or change this cell.
"""


def self_checks_cell(public_tests: dict[str, str], config: dict, config_path: Path | str = "assignment.toml") -> str:
    """The source of the notebook cell that defines `grader`: the self-check code, the public tests and the rules."""
    code = (Path(__file__).parent / "self_checks.py").read_text(encoding="utf-8").rstrip("\n")
    rules = {
        "seconds": float(config.get("limits", {}).get("test_seconds", 10)),
        "rules": [rule.self_check() for rule in load_rules(config.get("rules"), config_path)],
    }
    note = str(config.get("self_checks", {}).get("hidden_note", "Hidden tests run more cases after you submit."))
    if "'''" in code or code.rstrip().endswith("\\"):
        raise ValueError("autograder/self_checks.py cannot be carried in a triple-quoted string")
    tests = []
    for question, text in public_tests.items():
        if "'''" in text or text.rstrip().endswith("\\"):
            raise ValueError(f"the public tests of {question} cannot be carried in a triple-quoted string")
        tests.append(f"    {question!r}: r'''\n{text.rstrip()}\n''',")
    # the code runs as a module of its own, so the notebook's namespace gains only `grader`
    return "\n".join([
        SELF_CHECKS_HEADER.rstrip("\n"),
        "import types",
        "",
        "SELF_CHECKS_CODE = r'''",
        code,
        "'''",
        "self_checks = types.ModuleType(\"self_checks\")",
        "exec(compile(SELF_CHECKS_CODE, \"self_checks.py\", \"exec\"), self_checks.__dict__)",
        "PUBLIC_TESTS = {",
        *tests,
        "}",
        f"RULES = {rules!r}",
        f"grader = self_checks.SelfChecks(PUBLIC_TESTS, RULES, hidden_note={note!r})",
    ])


def carried_test_source(text: str) -> str:
    """A public test file as the notebook carries it: without otter's import (SelfChecks provides test_case)."""
    kept = [line for line in text.splitlines() if line.strip() not in ("from otter.test_files import test_case", "OK_FORMAT = False")]
    return "\n".join(kept).strip("\n") + "\n"


def fill_self_checks(nb: nbformat.NotebookNode, cell_source: str) -> None:
    """Put the self-checks into the code cell that holds only the marker; raise if there is not exactly one."""
    cells = [c for c in nb.cells if c.cell_type == "code" and c.source.strip() == SELF_CHECKS_MARKER]
    if len(cells) != 1:
        raise ValueError(f"the source needs exactly one code cell holding only {SELF_CHECKS_MARKER}, found {len(cells)}")
    cells[0].source = cell_source
    cells[0].metadata["jupyter"] = {"source_hidden": True}
    cells[0].metadata["cellView"] = "form"


BEGIN_QUESTION = re.compile(r"<!--\s*BEGIN QUESTION\s*-->")


def manual_question_names(source_nb: nbformat.NotebookNode) -> list[str]:
    """The names of the source's manually graded questions (`manual: true`), in order."""
    import yaml

    names = []
    for cell in source_nb.cells:
        text = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        lines = text.strip().splitlines()
        if cell.cell_type == "raw" and lines and lines[0].strip() == "# BEGIN QUESTION":
            config = yaml.safe_load("\n".join(lines[1:])) or {}
            if config.get("manual"):
                names.append(str(config["name"]))
    return names


def name_manual_questions(nb: nbformat.NotebookNode, names: list[str]) -> None:
    """Name each manual question in its prompt cell, after otter's `BEGIN QUESTION` marker
    (`<!-- question: q7 -->`), so that the grader matches written answers to questions by name."""
    cells = [c for c in nb.cells if c.cell_type == "markdown" and BEGIN_QUESTION.search(c.source)]
    if len(cells) != len(names):
        raise ValueError(f"the built notebook opens {len(cells)} written questions, the source declares {len(names)} "
                         f"manual ones ({', '.join(names) or 'none'})")
    for cell, name in zip(cells, names):
        cell.source = BEGIN_QUESTION.sub(lambda found: f"{found.group(0)}\n<!-- question: {name} -->", cell.source, count=1)


def normalize(nb: nbformat.NotebookNode, prefix: str) -> str:
    """Deterministic text of a built notebook: fixed cell ids, no outputs, only meaningful metadata."""
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"{prefix}-{index:03d}"
        cell["metadata"] = {k: cell.metadata[k] for k in KEPT_CELL_METADATA if k in cell.metadata}
        if cell.cell_type == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.pop("attachments", None)
        if isinstance(cell.source, list):
            cell["source"] = "".join(cell.source)
    nb.metadata = {k: nb.metadata[k] for k in KEPT_NOTEBOOK_METADATA if k in nb.metadata}
    nb.nbformat, nb.nbformat_minor = 4, 5
    nbformat.validate(nb)
    text = nbformat.writes(nb, version=4)
    return text.rstrip("\n") + "\n"


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def _replace_tests(built: Path, target: Path) -> list[Path]:
    """Copy built q*.py test files into `target`, removing stale ones; returns the written paths."""
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("q*.py"):
        old.unlink()
    written = []
    for test_file in sorted(built.glob("q*.py")):
        text = test_file.read_text(encoding="utf-8").rstrip("\n") + "\n"
        _write_text(target / test_file.name, text)
        written.append(target / test_file.name)
    return written


def build_assignment(assignment_dir: Path) -> None:
    """Build the student notebook, the solution notebook and the test files from the shared source."""
    from otter.assign import main as otter_assign

    assignment_dir = Path(assignment_dir).resolve()
    name = notebook_name(assignment_dir)
    stem = Path(name).stem
    source = assignment_dir / f"{stem}.py"
    if not source.exists():
        raise FileNotFoundError(f"no shared source {source} (a jupytext percent file in Otter Assign format)")

    with tempfile.TemporaryDirectory(prefix="assign-") as tmp:
        tmp_path = Path(tmp)
        master = tmp_path / name
        source_nb = source_notebook(source)
        manual = manual_question_names(source_nb)
        nbformat.write(source_nb, master)
        result = tmp_path / "dist"
        quiet = io.StringIO()
        previous = logging.root.manager.disable
        logging.disable(logging.INFO)
        try:
            with contextlib.redirect_stdout(quiet):
                otter_assign(str(master), str(result), no_pdfs=True, no_run_tests=True)
        finally:
            logging.disable(previous)

        student_nb = nbformat.read(result / "student" / name, as_version=4)
        solution_nb = nbformat.read(result / "autograder" / name, as_version=4)
        public = {p.stem: carried_test_source(p.read_text(encoding="utf-8"))
                  for p in sorted((result / "student" / "tests").glob("q*.py"), key=lambda p: int(p.stem[1:]) if p.stem[1:].isdigit() else 0)}
        cell = self_checks_cell(public, _config(assignment_dir), assignment_dir / "assignment.toml")
        fill_self_checks(student_nb, cell)
        fill_self_checks(solution_nb, cell)
        name_manual_questions(student_nb, manual)
        name_manual_questions(solution_nb, manual)
        _write_text(assignment_dir / "student" / name, normalize(student_nb, "student"))
        _write_text(solution_location(assignment_dir, _config(assignment_dir)), normalize(solution_nb, "solution"))
        _replace_tests(result / "autograder" / "tests", assignment_dir / "tests")

    # a built folder has no other leftovers of earlier builds (the notebook carries its public tests)
    for leftover in ("student/tests", "tests/__pycache__"):
        shutil.rmtree(assignment_dir / leftover, ignore_errors=True)
