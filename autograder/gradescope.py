"""Gradescope: the autograder zip, and the run inside Gradescope's container.

`build_zip` packs what `/autograder/source` needs and nothing else::

    setup.sh                      installs Python 3.11 if missing, builds the venv (CONV_GRADER_VENV)
    run_autograder                grades /autograder/submission, always writes results.json
    requirements.txt              the pins the venv is built from
    autograder/...                this package (no caches)
    assignments/<name>/assignment.toml, grading.py, tests/*.py (hidden cases included)
    assignments/<name>/<each file of `[files] include`>   what the notebook and the tests read

No solutions, no student notebook, no shared source, no repository metadata.  Entries are
sorted and stamped 1980-01-01 with fixed modes, so the same tree always gives the same bytes.

`run_autograder` is what the `run_autograder` script calls (`python -m autograder
run-gradescope`): it picks the notebook in `<root>/submission`, grades it with the same
`Grader` as `make grade` (same sandbox, same scores) with Gradescope's own folders hidden
from the sandbox, and writes `<root>/results/results.json` with `render_gradescope`.  It
never raises and always writes a results file: a missing or ambiguous notebook, an invalid
file, a sandbox that cannot protect, or a fault of the grader itself all end as a score of 0
with a message that says what happened.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import time
import traceback
import zipfile
from dataclasses import replace
from pathlib import Path

from .results import Status, SubmissionResult

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
TEMPLATES = PACKAGE_DIR / "gradescope_files"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
EXECUTABLE = 0o755
REGULAR = 0o644
SKIPPED_PARTS = {"__pycache__", ".ipynb_checkpoints", "__MACOSX"}
MAX_STDOUT_LOG = 20_000


# --------------------------------------------------------------------------- the zip


def zip_members(assignment_dir: Path) -> list[tuple[str, Path, int]]:
    """(name in the zip, file on disk, mode) for every file the autograder zip holds, sorted by name."""
    assignment_dir = Path(assignment_dir).resolve()
    members: list[tuple[str, Path, int]] = [
        ("setup.sh", TEMPLATES / "setup.sh", EXECUTABLE),
        ("run_autograder", TEMPLATES / "run_autograder", EXECUTABLE),
        ("requirements.txt", REPO_ROOT / "requirements.txt", REGULAR),
    ]
    for path in sorted(PACKAGE_DIR.rglob("*")):
        relative = path.relative_to(PACKAGE_DIR)
        if not path.is_file() or path.is_symlink() or SKIPPED_PARTS & set(relative.parts):
            continue
        if relative.parts[0] == TEMPLATES.name:  # already at the zip's root
            continue
        if path.suffix in {".pyc", ".pyo"} or path.name.startswith("."):
            continue
        members.append((f"autograder/{relative.as_posix()}", path, REGULAR))
    prefix = f"assignments/{assignment_dir.name}"
    for name in ("assignment.toml", "grading.py"):
        if (assignment_dir / name).is_file():
            members.append((f"{prefix}/{name}", assignment_dir / name, REGULAR))
    from .assignment import load_assignment

    for path in load_assignment(assignment_dir).files:  # the files the assignment declares it needs
        members.append((f"{prefix}/{path.relative_to(assignment_dir).as_posix()}", path, REGULAR))
    tests = sorted((assignment_dir / "tests").glob("*.py"))
    if not tests:
        raise FileNotFoundError(f"no test files in {assignment_dir / 'tests'}: run `make assign` first")
    members.extend((f"{prefix}/tests/{path.name}", path, REGULAR) for path in tests)
    for _name, path, _mode in members:
        if not path.is_file():
            raise FileNotFoundError(f"the autograder zip needs {path}, which is missing")
    return sorted(members, key=lambda member: member[0])


def build_zip(assignment_dir: Path, out_zip: Path) -> Path:
    """Write the Gradescope autograder zip for `assignment_dir` to `out_zip`, reproducibly."""
    out_zip = Path(out_zip)
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    partial = out_zip.with_name(out_zip.name + ".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for name, path, mode in zip_members(Path(assignment_dir)):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so that unzip keeps the modes below
            info.external_attr = (stat.S_IFREG | mode) << 16
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    partial.replace(out_zip)
    return out_zip


# --------------------------------------------------------------------------- the run


def run_autograder(root: Path, assignment_dir: Path | None = None) -> int:
    """Grade `<root>/submission` and write `<root>/results/results.json`; always returns 0."""
    started = time.monotonic()
    root = Path(root)
    results_path = root / "results" / "results.json"
    try:
        payload = _grade(root, assignment_dir, started)
    except BaseException as error:  # noqa: BLE001 - Gradescope must always get a results file
        if isinstance(error, KeyboardInterrupt):
            raise
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()
        print(traceback.format_exc(), file=sys.stderr)
        message = f"the autograder itself failed ({detail[:500]}); your notebook was not graded"
        try:
            payload = _render(_not_graded(Status.ERROR, message, 0.0), started)
        except Exception:  # noqa: BLE001 - even the renderer failing must leave a valid file
            payload = {"score": 0, "output": f"An internal grading error happened: {message}.", "tests": []}
    _write_json(results_path, payload)
    return 0


def _grade(root: Path, assignment_dir: Path | None, started: float) -> dict:
    from .assignment import load_assignment
    from .batch import Grader
    from .errors import InstructorError, SandboxUnavailable

    source = root / "source"
    try:
        assignment = load_assignment(Path(assignment_dir) if assignment_dir else find_assignment(source))
    except (InstructorError, FileNotFoundError) as error:
        print(f"instructor error: {error}", file=sys.stderr)
        return _render(_not_graded(
            Status.ERROR, f"the autograder is misconfigured ({error}); your notebook was not graded", 0.0), started)
    possible = assignment.autograded_points

    chosen, note = choose_notebook(root / "submission", assignment.notebook)
    if chosen is None:
        print(note)
        return _render(_not_graded(Status.INVALID, note, possible), started)

    outside = [source, root / "results", root / "submission", root / "submission_metadata.json"]
    try:
        with Grader(assignment, workers=1, outside=outside) as grader:
            protections = grader.protections.summary()
            print(protections)
            (result,) = grader.grade([chosen])
    except SandboxUnavailable as error:
        print(f"not graded: {error}", file=sys.stderr)
        return _render(_not_graded(
            Status.ERROR,
            "the grading sandbox could not protect this machine, so your code was not run "
            f"(for the instructor: {error})", possible), started)

    if note:
        result = replace(result, message=f"{note} {result.message}".strip())
    payload = _render(result, started)
    print(f"graded {chosen.relative_to(root)}: {result.status.value}, score {result.score:g}/{result.max_score:g}")
    if result.stdout:
        print("---- the student's printed output (shown to students only after grades are published) ----")
        print(result.stdout[:MAX_STDOUT_LOG])
    return payload


def find_assignment(source: Path) -> Path:
    """The one assignment folder shipped in the zip: `<source>/assignments/<name>/assignment.toml`."""
    found = sorted(p.parent for p in (source / "assignments").glob("*/assignment.toml"))
    if len(found) != 1:
        raise FileNotFoundError(f"expected one assignments/<name>/assignment.toml in {source}, found {len(found)}")
    return found[0]


def choose_notebook(submission_dir: Path, expected: str) -> tuple[Path | None, str]:
    """The notebook to grade in the student's upload, and a note for the student.

    One notebook: that one.  Several: the one named `expected`, if exactly one is; otherwise
    none, and the note lists what was found.
    """
    files = _submitted_files(submission_dir)
    notebooks = [p for p in files if p.name.lower().endswith(".ipynb")]
    shown = lambda paths: ", ".join(p.relative_to(submission_dir).as_posix() for p in paths)  # noqa: E731
    if not notebooks:
        found = f" Files received: {shown(files[:20])}{' ...' if len(files) > 20 else ''}." if files else " No files were received."
        return None, (f"no Jupyter notebook (.ipynb file) was found in your submission.{found} "
                      f"Download your notebook from Jupyter (File > Download) and upload {expected}")
    if len(notebooks) == 1:
        return notebooks[0], ""
    named = [p for p in notebooks if p.name == expected]
    if len(named) == 1:
        others = [p for p in notebooks if p != named[0]]
        return named[0], (f"Your submission has {len(notebooks)} notebooks; {shown(named)} was graded "
                          f"and {shown(others)} ignored.")
    return None, (f"your submission has {len(notebooks)} notebooks ({shown(notebooks)}) and it is not clear which one "
                  f"to grade. Submit again with only {expected}")


def _submitted_files(submission_dir: Path) -> list[Path]:
    if not submission_dir.is_dir():
        return []
    files = []
    for path in sorted(submission_dir.rglob("*")):
        relative = path.relative_to(submission_dir)
        if SKIPPED_PARTS & set(relative.parts) or any(part.startswith("._") for part in relative.parts):
            continue
        if path.is_file() or path.is_symlink():
            files.append(path)
    return files


def _not_graded(status: Status, message: str, possible: float) -> SubmissionResult:
    return SubmissionResult.not_gradable("submission", status, message, possible=possible)


def _render(result: SubmissionResult, started: float) -> dict:
    from .render.gradescope import render_gradescope

    payload = render_gradescope(result)
    payload["execution_time"] = round(time.monotonic() - started, 3)
    return payload


def _write_json(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(partial, path)
