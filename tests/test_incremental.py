"""Re-runs grade exactly what changed: a submission's bytes, or the assignment's tests, helpers, config or
engine; `--force` grades all, `--only` one; the reports always cover the whole folder."""

from __future__ import annotations

import csv
import json
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from autograder import incremental
from autograder.assignment import load_assignment
from autograder.incremental import ResultCache, grading_fingerprint, result_from_dict, result_to_dict, submission_key
from autograder.results import Status
from test_cli import EXAMPLES, ROOT, run_cli

ASSIGNMENT = ROOT / "assignments" / "conv-math"


def regraded(done) -> list[str]:
    """The submissions a `grade` run says it graded, from its first summary line."""
    said = " ".join(done.stderr.split())
    match = re.search(r"graded (\d+) new or changed submissions?(?: \((.*?): graded \d+, invalid)?", said)
    assert match, said
    names = sorted(n.strip() for n in (match[2] or "").split(",") if n.strip())
    assert len(names) == int(match[1]), said
    return names


def submissions_in(out: Path) -> list[str]:
    with open(out / "grades.csv", newline="") as handle:
        return sorted(row["submission"] for row in csv.DictReader(handle))


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    base = tmp_path_factory.mktemp("rerun")
    folder = base / "submissions"
    shutil.copytree(EXAMPLES, folder)
    assignment = base / "assignments" / "conv-math"
    shutil.copytree(ASSIGNMENT, assignment, ignore=shutil.ignore_patterns("__pycache__"))
    out = base / "out"

    def grade(*extra: str):
        done = run_cli("grade", str(folder), "--assignment", str(assignment), "--out", str(out), *extra)
        assert done.returncode == 0, done.stderr
        return done

    return folder, assignment, out, grade


def test_reruns_grade_exactly_what_changed(klass):
    folder, assignment, out, grade = klass
    everyone = ["alice", "bob", "carol", "dave", "eve"]
    assert regraded(grade()) == everyone
    first = (out / "grades.csv").read_text()

    done = grade()
    assert regraded(done) == [] and "5 unchanged since the last run" in " ".join(done.stderr.split())
    assert (out / "grades.csv").read_text() == first  # same reports, from kept results
    assert submissions_in(out) == everyone

    shutil.copy(EXAMPLES / "alice.ipynb", folder / "frank.ipynb")  # a late submission
    nb = json.loads((folder / "bob.ipynb").read_text())
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "resubmitted"})
    (folder / "bob.ipynb").write_text(json.dumps(nb))  # a changed one
    (folder / "carol.ipynb").touch()  # a new time stamp but the same bytes: not graded again
    assert regraded(grade()) == ["bob", "frank"]
    assert submissions_in(out) == sorted([*everyone, "frank"])

    (folder / "frank.ipynb").unlink()
    assert regraded(grade()) == []
    assert submissions_in(out) == everyone and not (out / "feedback" / "frank.html").exists()

    assert regraded(grade("--only", "dave")) == ["dave"]
    assert regraded(grade("--only", "carol.ipynb", "--only", "eve")) == ["carol", "eve"]
    assert regraded(grade("--force")) == everyone

    with open(assignment / "grading.py", "a") as handle:
        handle.write("\n# a helper changed\n")
    assert regraded(grade()) == everyone
    config = (assignment / "assignment.toml").read_text()
    (assignment / "assignment.toml").write_text(config.replace("test_seconds = 10", "test_seconds = 11"))
    assert regraded(grade()) == everyone
    test_file = sorted((assignment / "tests").glob("q*.py"))[0]
    test_file.write_text(test_file.read_text() + "\n")
    assert regraded(grade()) == everyone
    assert regraded(grade()) == []


def test_only_a_name_in_the_folder(klass):
    folder, assignment, out, _ = klass
    done = run_cli("grade", str(folder), "--assignment", str(assignment), "--out", str(out), "--only", "nobody")
    assert done.returncode == 2 and "ONLY names no submission" in done.stderr and "nobody" in done.stderr


def test_the_engine_is_part_of_the_fingerprint_and_the_reports_are_not(tmp_path, monkeypatch):
    engine = tmp_path / "autograder"
    shutil.copytree(incremental.ENGINE, engine, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(incremental, "ENGINE", engine)
    assignment = load_assignment(ASSIGNMENT)
    before = grading_fingerprint(assignment)
    for path in (engine / "render" / "summary.py", engine / "templates" / "feedback.html.j2", engine / "reports.py"):
        path.write_text(path.read_text() + "\n")
        assert grading_fingerprint(assignment) == before, path
    (engine / "run_tests.py").write_text((engine / "run_tests.py").read_text() + "\n")
    assert grading_fingerprint(assignment) != before


def test_kept_results_round_trip_and_a_damaged_cache_means_grading_again(tmp_path, grade):
    from conftest import SUBMISSIONS

    result = grade(SUBMISSIONS / "examples" / "bob.ipynb")
    assert result_from_dict(json.loads(json.dumps(result_to_dict(result)))) == result
    cache = ResultCache(tmp_path, "fingerprint")
    key = submission_key(SUBMISSIONS / "examples" / "bob.ipynb", "fingerprint")
    cache.put(result, key)
    assert cache.get("bob", key) == result
    assert cache.get("bob", submission_key(SUBMISSIONS / "examples" / "alice.ipynb", "fingerprint")) is None
    (entry,) = cache.results.iterdir()
    entry.write_text(entry.read_text()[:-20])
    assert cache.get("bob", key) is None
    entry.write_text(json.dumps({"submission": "alice", "key": key, "result": result_to_dict(result)}))
    assert cache.get("bob", key) is None  # an entry for another name never passes for this one

    failed = replace(result, status=Status.ERROR, message="Internal grading error")
    cache.put(failed, key)
    assert cache.get("bob", key) is None  # graded again by the next run...
    assert cache.get("bob", None, any_key=True) == failed  # ...but still in the reports `merge` writes


def test_a_declared_data_file_is_part_of_the_fingerprint(tmp_path):
    """The files the notebook reads (`[files] include`) decide results as much as the tests do."""
    tiny = tmp_path / "tiny"
    shutil.copytree(ROOT / "tests" / "fixtures" / "tiny", tiny, ignore=shutil.ignore_patterns("__pycache__"))
    before = grading_fingerprint(load_assignment(tiny))
    (tiny / "weights.npy").write_bytes((tiny / "weights.npy").read_bytes()[:-8] + bytes(8))
    assert grading_fingerprint(load_assignment(tiny)) != before


def test_a_declared_data_file_anywhere_in_the_folder_is_part_of_the_fingerprint(tmp_path):
    """A data file kept beside the student notebook (`student/`) or hidden by a leading dot, folders the
    fingerprint otherwise skips, still regrades the class when it changes."""
    tiny = tmp_path / "tiny"
    shutil.copytree(ROOT / "tests" / "fixtures" / "tiny", tiny, ignore=shutil.ignore_patterns("__pycache__"))
    config = tiny / "assignment.toml"
    config.write_text(config.read_text().replace('include = ["weights.npy"]', 'include = ["student/weights.npy", ".scale.txt"]'))
    shutil.move(tiny / "weights.npy", tiny / "student" / "weights.npy")
    (tiny / ".scale.txt").write_text("1\n")
    before = grading_fingerprint(load_assignment(tiny))
    data = tiny / "student" / "weights.npy"
    data.write_bytes(data.read_bytes()[:-8] + bytes(8))
    changed = grading_fingerprint(load_assignment(tiny))
    assert changed != before
    (tiny / ".scale.txt").write_text("2\n")
    assert grading_fingerprint(load_assignment(tiny)) != changed
