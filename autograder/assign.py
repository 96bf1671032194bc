"""Build an assignment from its one shared source (stage 1 of the pipeline: source -> build).

The source `assignments/<name>/<name>.py` is a jupytext "percent" file in Otter Assign format.
`build_assignment` converts it to a notebook in a temporary folder, runs Otter Assign there and
writes, byte-for-byte reproducibly:

  assignments/<name>/student/<name>.ipynb   the notebook students download (no solutions, no hidden tests)
  assignments/<name>/student/tests/q*.py    the public tests that `grader.check` runs in the student's kernel
  assignments/<name>/tests/q*.py            every test, public and hidden, read by the grading engine
  solutions/<name>/<name>.ipynb             the solution notebook

Otter makes some things nondeterministic (random cell ids) or editor-specific (jupytext cell
metadata); those are normalized here so that building twice gives identical bytes.
"""

from __future__ import annotations

import contextlib
import io
import logging
import shutil
import tempfile
import tomllib
from pathlib import Path

import jupytext
import nbformat

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}
# cell metadata that Otter and Jupyter use; everything else (jupytext's bookkeeping) is dropped
KEPT_CELL_METADATA = ("deletable", "editable", "tags")
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


def source_notebook(source: Path) -> nbformat.NotebookNode:
    """Read the jupytext source as a notebook Otter Assign accepts (it needs a kernelspec)."""
    nb = jupytext.read(source, fmt="py:percent")
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    return nb


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
    repo_root = assignment_dir.parents[1]

    with tempfile.TemporaryDirectory(prefix="assign-") as tmp:
        tmp_path = Path(tmp)
        master = tmp_path / name
        nbformat.write(source_notebook(source), master)
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
        _write_text(assignment_dir / "student" / name, normalize(student_nb, "student"))
        _write_text(repo_root / "solutions" / assignment_dir.name / name, normalize(solution_nb, "solution"))
        _replace_tests(result / "student" / "tests", assignment_dir / "student" / "tests")
        _replace_tests(result / "autograder" / "tests", assignment_dir / "tests")

    # a built folder has no other leftovers of earlier builds
    for leftover in ("student/tests/__pycache__", "tests/__pycache__"):
        shutil.rmtree(assignment_dir / leftover, ignore_errors=True)
