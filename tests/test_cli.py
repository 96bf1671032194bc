"""`python -m autograder grade`, as `make grade` runs it: every file, every line of the summary.

The CLI runs in a subprocess, exactly as a TA runs it, over a folder mixing correct, wrong,
broken and invalid submissions.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder.assignment import load_assignment

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "tests" / "submissions" / "examples"
NOBODY = 65534
FULL = load_assignment(ROOT / "assignments" / "conv-math").autograded_points  # alice's notebook is right


def run_cli(*args: str, user: int | None = None, cwd: Path = ROOT, refuse: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "autograder", *args]
    if refuse:  # a machine that refuses user namespaces and/or lacks Landlock
        command = [sys.executable, "-m", "autograder.sandbox.seccomp", *refuse, "--", *command]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A folder of submissions graded by the CLI: (folder, out, completed process)."""
    base = tmp_path_factory.mktemp("cli")
    folder = base / "submissions"
    shutil.copytree(EXAMPLES, folder)
    (folder / "empty.ipynb").write_bytes(b"")
    (folder / "notes.txt").write_text("not a notebook and not *.ipynb: ignored")
    out = base / "out"
    return folder, out, run_cli("grade", str(folder), "--assignment", "assignments/conv-math", "--out", str(out))


def test_grade_writes_a_row_a_result_and_a_feedback_page_per_submission(graded):
    folder, out, done = graded
    assert done.returncode == 0, done.stderr
    names = sorted(p.name[: -len(".ipynb")] for p in folder.glob("*.ipynb"))
    with open(out / "grades.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["submission"] for r in rows) == names
    assert list(rows[0])[:5] == ["submission", "score", "max_score", "status", "message"]
    assert [c for c in rows[0] if c.startswith("q")] == [*(f"q{i}" for i in range(1, 8)), "q7 comment"]
    by_name = {r["submission"]: r for r in rows}
    assert by_name["alice"]["score"] == by_name["alice"]["max_score"] == "86"
    assert by_name["dave"]["score"] == "0" and by_name["dave"]["status"] == "graded"
    for invalid in ("eve", "empty"):
        assert by_name[invalid]["status"] == "invalid" and by_name[invalid]["message"], by_name[invalid]
    assert "empty" in by_name["empty"]["message"]
    for name in names:
        results = json.loads((out / "results" / f"{name}.json").read_text())
        assert float(results["score"]) == float(by_name[name]["score"])
        assert (out / "feedback" / f"{name}.html").read_text().strip().startswith("<!DOCTYPE html>")
    assert (out / "summary.html").exists()
    assert sorted(p.name for p in (out / "exports").iterdir()) == ["canvas_gradebook.csv", "gradescope_scores.csv"]


def test_grade_says_which_protections_are_on_and_sums_up(graded):
    folder, out, done = graded
    err = " ".join(done.stderr.split())
    assert "sandbox protections (" in err and "allow-listed file view on" in err and "network denied" in err, err
    if os.geteuid() == 0:
        assert "(root)" in err and "unprivileged uid on" in err and "PID/IPC namespaces on" in err
    assert "graded 4, invalid 2, timed out 0, errors 0" in err, err
    assert str(out / "grades.csv") in err and str(out / "feedback") in err


def test_cli_and_summary_report_the_same_mean(graded):
    folder, out, done = graded
    err = " ".join(done.stderr.split())
    cli_mean = re.search(r"mean score ([0-9.]+)/", err)
    page_mean = re.search(r"Mean score <strong>([0-9.]+)</strong>", (out / "summary.html").read_text())
    assert cli_mean and page_mean, err
    assert cli_mean.group(1) == page_mean.group(1)
    with open(out / "grades.csv", newline="") as handle:
        scores = [float(row["score"]) for row in csv.DictReader(handle)]
    assert abs(float(cli_mean.group(1)) - sum(scores) / len(scores)) < 0.01  # every submission, as in grades.csv


def test_check_sandbox_reports_one_line():
    done = run_cli("check-sandbox")
    assert done.returncode == 0
    assert done.stdout.startswith("sandbox protections (") and len(done.stdout.strip().splitlines()) == 1


def _enterable_by_others(path: Path) -> bool:
    return all(p.stat().st_mode & 0o001 for p in (path, *path.parents))


@pytest.fixture
def shared_tmp():
    """A folder another user can enter (pytest's own base folder is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="conv-grader-cli-", dir="/var/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _as_nobody(tmp_path: Path) -> tuple[Path, Path]:
    """An assignment and a folder holding alice's notebook, owned by uid 65534."""
    assignment = tmp_path / "conv-math"
    shutil.copytree(ROOT / "assignments" / "conv-math", assignment)
    folder = tmp_path / "submissions"
    folder.mkdir()
    shutil.copy(EXAMPLES / "alice.ipynb", folder)
    for path in [tmp_path, *tmp_path.rglob("*")]:
        os.chown(path, NOBODY, NOBODY)
    return assignment, folder


needs_root_to_switch = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None or not _enterable_by_others(ROOT),
    reason="needs root, setpriv and a checkout other users can enter, to run the CLI as another user")


@needs_root_to_switch
@pytest.mark.parametrize("refuse, mode, layers", [
    ((), "(user namespaces)", ["allow-listed file view on (mount namespace + Landlock)", "PID/IPC namespaces on",
                               "capabilities dropped on"]),
    (("--refuse-user-namespaces",), "(Landlock only)", ["allow-listed file view on (Landlock)", "network denied (seccomp)",
                                                        "signal and abstract-socket scoping on"]),
])
def test_an_ordinary_user_grades_with_every_protection_the_kernel_allows(shared_tmp, refuse, mode, layers):
    """No root: user namespaces give the same world; where they are refused, Landlock does."""
    assignment, folder = _as_nobody(shared_tmp)
    modes = {p: stat_mode(p) for p in [shared_tmp, *shared_tmp.rglob("*")]}
    done = run_cli("grade", str(folder), "--assignment", str(assignment), "--out", str(shared_tmp / "out"),
                   user=NOBODY, cwd=shared_tmp, refuse=refuse)
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stderr.split())
    assert mode in said and all(layer in said for layer in layers), said
    row = next(csv.DictReader(open(shared_tmp / "out" / "grades.csv")))
    assert float(row["score"]) == FULL, row
    assert {p: stat_mode(p) for p in modes} == modes, "the grader changed the modes of files it was given"


def stat_mode(path: Path) -> int:
    return path.stat().st_mode & 0o7777


@needs_root_to_switch
def test_grading_refuses_without_file_confinement_unless_asked(shared_tmp):
    """Neither user namespaces nor Landlock: the grader says what is missing and what to do, and
    grades nothing; --allow-unprotected grades, loudly."""
    assignment, folder = _as_nobody(shared_tmp)
    refuse = ("--refuse-user-namespaces", "--refuse-landlock")
    refused = run_cli("grade", str(folder), "--assignment", str(assignment), "--out", str(shared_tmp / "out"),
                      user=NOBODY, cwd=shared_tmp, refuse=refuse)
    assert refused.returncode == 3, refused.stderr
    said = " ".join(refused.stderr.split())
    assert "refusing to grade" in said and "file confinement" in said and "allow-listed file view OFF" in said, said
    assert "Landlock" in said and "user namespaces" in said and "--allow-unprotected" in said
    assert not (shared_tmp / "out" / "grades.csv").exists()

    allowed = run_cli("grade", str(folder), "--assignment", str(assignment), "--out", str(shared_tmp / "out"),
                      "--allow-unprotected", user=NOBODY, cwd=shared_tmp, refuse=refuse)
    assert allowed.returncode == 0, allowed.stderr
    assert "WITHOUT a working sandbox" in allowed.stderr
    row = next(csv.DictReader(open(shared_tmp / "out" / "grades.csv")))
    assert float(row["score"]) == FULL, row


def test_feedback_files_are_named_after_submissions_and_a_taken_name_is_said(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    for name in ("Jane Doe.ipynb", "Jane_Doe.ipynb", "Zoë.ipynb"):
        shutil.copy(EXAMPLES / "dave.ipynb", folder / name)
    out = tmp_path / "out"
    done = run_cli("grade", str(folder), "--assignment", "assignments/conv-math", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (out / "feedback").iterdir()) == ["Jane_Doe-2.html", "Jane_Doe.html", "Zoe.html"]
    said = " ".join(done.stderr.split())
    assert "feedback/Jane_Doe-2.html is 'Jane_Doe': Jane_Doe.html was taken by another submission" in said
