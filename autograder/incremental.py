"""Incremental re-runs: a submission is graded again only when something its result depends on changed.

A result depends on the submitted file's bytes and on the grading side: the assignment's config,
its tests and trusted helpers (every file in the assignment folder but the source and the built
student notebook), the grading engine (the `autograder` modules that grade, not those that only
write reports) and the versions of Python and numpy.  `ResultCache` keeps, in `<OUT>/.cache/`, each
submission's last result under a key made of all of these; a lookup with a different key misses.
A result of an internal grading error is kept only for `merge`: the next run grades it again.

The cache also records the last run's submissions in order (`run.json`), which is what
`python -m autograder merge` re-publishes without grading anything.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any, Sequence

from .assignment import Assignment
from .results import Example, ManualAnswer, Outcome, QuestionResult, Status, SubmissionResult, TestOutcome

CACHE_FORMAT = 1
ENGINE = Path(__file__).resolve().parent
# modules and folders of the package that write reports or drive the command line, not grade
NOT_ENGINE = {"render", "templates", "gradescope_files", "reports.py", "handgrading.py", "roster.py", "gradebook.py",
              "incremental.py", "cli.py", "bench.py", "similarity.py", "gradescope.py", "assign.py", "__main__.py"}


def grading_fingerprint(assignment: Assignment) -> str:
    """Return a hash of everything on the grading side that a result depends on."""
    digest = hashlib.sha256(f"format {CACHE_FORMAT}\n{sys.version}\n".encode())
    import numpy

    digest.update(f"numpy {numpy.__version__}\n".encode())
    source = f"{assignment.directory.name}.py"
    skip_dirs = {"student", "__pycache__"}
    for path in _files(assignment.directory, skip_dirs):
        if path.parent == assignment.directory and path.name == source:
            continue  # the source builds the tests; a change that matters shows in them
        _add(digest, "assignment", path.relative_to(assignment.directory), path)
    for path in assignment.files:  # what the notebook reads, wherever the folder keeps it (student/, a dotfile)
        _add(digest, "file", path.relative_to(assignment.directory), path)
    for path in _files(ENGINE, {"__pycache__", *NOT_ENGINE}):
        if path.suffix == ".py" and path.name not in NOT_ENGINE:
            _add(digest, "engine", path.relative_to(ENGINE), path)
    return digest.hexdigest()


def _files(root: Path, skip: set[str]) -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in skip and not d.startswith("."))
        found += [Path(folder) / f for f in sorted(files) if not f.startswith(".")]
    return found


def _add(digest: Any, kind: str, name: Path, path: Path) -> None:
    digest.update(f"{kind} {name.as_posix()} ".encode())
    digest.update(hashlib.sha256(path.read_bytes()).digest())


def submission_key(path: Path, fingerprint: str) -> str | None:
    """Return the cache key of a submitted file, or None when it cannot be read (graded every time)."""
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            content = b"symlink:" + os.readlink(path).encode("utf-8", "surrogateescape")
        elif stat.S_ISREG(info.st_mode):
            content = Path(path).read_bytes()
        else:
            return None
    except OSError:
        return None
    return hashlib.sha256(fingerprint.encode() + b"\0" + content).hexdigest()


class ResultCache:
    """The last result of each submission, in `<out_dir>/.cache/`."""

    def __init__(self, out_dir: Path, fingerprint: str):
        self.folder = Path(out_dir) / ".cache"
        self.results = self.folder / "results"
        self.fingerprint = fingerprint

    def _path(self, submission: str) -> Path:
        return self.results / (hashlib.sha256(submission.encode("utf-8", "surrogatepass")).hexdigest()[:32] + ".json")

    def get(self, submission: str, key: str | None, *, any_key: bool = False) -> SubmissionResult | None:
        """Return the kept result of `submission` when it was made with `key` (or with any key)."""
        if not key and not any_key:
            return None
        try:
            entry = json.loads(self._path(submission).read_text(encoding="utf-8"))
            if entry.get("submission") != submission or (not any_key and (not entry.get("key") or entry.get("key") != key)):
                return None
            return result_from_dict(entry["result"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent, or written by another version: graded again

    def put(self, result: SubmissionResult, key: str | None) -> None:
        """Keep `result`; one of an internal grading error (or of an unreadable file) is kept for `merge`
        only, under a key no lookup matches, so that the next run grades it again."""
        self.results.mkdir(parents=True, exist_ok=True)
        if key is None or result.status is Status.ERROR:
            key = ""
        entry = {"submission": result.submission, "key": key, "result": result_to_dict(result)}
        try:
            text = json.dumps(entry, ensure_ascii=False)
        except (TypeError, ValueError):  # a value JSON cannot hold (a complex example): graded again next run
            return
        _write(self._path(result.submission), text)

    def record_run(self, submissions: Sequence[str], *, folder: Path, assignment_dir: Path) -> None:
        """Keep the run's submissions in order and drop results of submissions no longer there."""
        self.folder.mkdir(parents=True, exist_ok=True)
        keep = {self._path(name).name for name in submissions}
        if self.results.is_dir():
            for path in self.results.iterdir():
                if path.name not in keep:
                    path.unlink()
        _write(self.folder / "run.json", json.dumps({
            "submissions": list(submissions), "folder": str(folder), "assignment": str(assignment_dir),
            "fingerprint": self.fingerprint}, ensure_ascii=False))

    def last_run(self) -> dict[str, Any] | None:
        try:
            return json.loads((self.folder / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None


def _write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def result_to_dict(result: SubmissionResult) -> dict[str, Any]:
    """Return a result as JSON-ready data; hand scores are left out (they are merged on every run)."""
    data = dataclasses.asdict(result)
    data["hand_possible"] = 0.0
    for answer in data["manual"]:
        answer["score"], answer["comment"] = None, ""
    return data


def result_from_dict(data: dict[str, Any]) -> SubmissionResult:
    """Rebuild a result written by `result_to_dict`."""
    def test(t: dict[str, Any]) -> TestOutcome:
        example = t.get("example")
        return TestOutcome(**{**t, "outcome": Outcome(t["outcome"]), "example": Example(**example) if example else None})

    return SubmissionResult(**{
        **data,
        "status": Status(data["status"]),
        "questions": tuple(QuestionResult(name=q["name"], tests=tuple(test(t) for t in q["tests"])) for q in data["questions"]),
        "manual": tuple(ManualAnswer(**m) for m in data["manual"]),
        "source_cells": tuple(data["source_cells"]),
    })
