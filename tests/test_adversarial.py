"""Every attack in tests/submissions/adversarial/ goes through the real engine and gains nothing.

For each attack (see manifest.toml, built by tests/submissions/make_adversarial.py):
  - the result is a result, never an exception, and earns at most the score of its base
    (0 for an attack added to the blank notebook, the solution's score for one added to it);
  - nothing private reaches what the student sees: no line of a hidden test, no code of
    grading.py, no other student's notebook, no value of a grader environment variable, in
    the result's messages, stdout and examples or in the Gradescope results.json;
  - the damage did not happen: files written outside the sandbox do not exist, no process
    of the sandbox uids survives, and the solution graded next in the same slot earns full marks.
"""

from __future__ import annotations

import inspect
import json
import os
import socket
import time
import tomllib
import zipfile
from pathlib import Path

import nbformat
import pytest

from conftest import sandbox_pids
from autograder.results import Status, SubmissionResult

ROOT = Path(__file__).resolve().parents[1]
ADVERSARIAL = ROOT / "tests" / "submissions" / "adversarial"
SOLUTION = ROOT / "solutions" / "conv-math" / "conv-math.ipynb"
MANIFEST = tomllib.loads((ADVERSARIAL / "manifest.toml").read_text())
ATTACKS = MANIFEST["attacks"]

# Set before any sandbox starts (module import happens at collection, before the session's
# grader fixture opens its fork servers): the value must never reach a sandbox.
os.environ["CONV_GRADER_CANARY"] = MANIFEST["env_canary"]


def _interesting_lines(text: str, minimum: int = 25) -> set[str]:
    """Lines of code that could only appear in output if the file itself leaked
    (lines holding string literals are left out: messages legitimately quote them)."""
    lines = set()
    for line in text.splitlines():
        line = line.strip()
        if len(line) >= minimum and not line.startswith("#") and "'" not in line and '"' not in line:
            lines.add(line)
    return lines


@pytest.fixture(scope="module")
def secrets(assignment) -> set[str]:
    student = json.loads(assignment.student_notebook.read_text(encoding="utf-8"))  # it carries the public tests
    public = "\n".join("".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in student["cells"])
    hidden = set()
    for spec in assignment.tests:
        if spec.hidden:
            hidden |= _interesting_lines(inspect.getsource(spec.func))
    hidden = {line for line in hidden if line not in public}
    grading = _interesting_lines((assignment.directory / "grading.py").read_text(), minimum=30)
    assert hidden and grading
    return hidden | grading | {MANIFEST["env_canary"], MANIFEST["victim_marker"]}


@pytest.fixture(scope="module", autouse=True)
def planted() -> dict[str, str]:
    """Files outside the sandbox's world that attacks try to read: a world-readable file in
    /var/tmp, the grading user's own private file in their home, and a Gradescope zip (holding a
    hidden test) in the checkout's dist/.  Removed afterwards."""
    home = Path(os.path.expanduser("~"))
    files = {
        Path("/var/tmp/conv-grader-planted.txt"): (MANIFEST["planted_marker"], 0o644),
        home / ".conv-grader-private": (MANIFEST["private_marker"], 0o600),
    }
    made = []
    for path, (text, mode) in files.items():
        try:
            path.write_text(text + "\n")
            path.chmod(mode)
            made.append(path)
        except OSError:
            pass
    dist = ROOT / "dist"
    dist.mkdir(exist_ok=True)
    archive = dist / "conv-grader-planted-autograder.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("assignments/conv-math/tests/q5.py", MANIFEST["zip_marker"] + "\n" + (ROOT / "assignments" / "conv-math" / "tests" / "q5.py").read_text())
    made.append(archive)
    yield {str(p): p.read_text(errors="replace") for p in made if p.suffix != ".zip"}
    for path in made:
        path.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def solution_score(grade, assignment) -> float:
    result = grade(SOLUTION)
    assert result.status is Status.GRADED
    assert result.score == assignment.autograded_points
    return result.score


def visible_texts(result: SubmissionResult) -> str:
    """Everything of a result a student can read."""
    parts = [result.message, result.stdout]
    for test in result.tests:
        parts.append(test.name)
        parts.append(test.message)
        if test.example is not None:
            parts.append(repr(test.example.to_dict()))
    try:
        from autograder.render.gradescope import render_gradescope
    except ImportError:
        pass
    else:
        parts.append(json.dumps(render_gradescope(result), ensure_ascii=False))
    return "\n".join(str(p) for p in parts)


def _victim(tmp_path: Path) -> Path:
    nb = nbformat.read(SOLUTION, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(f"My private answer: {MANIFEST['victim_marker']}"))
    nb.cells.append(nbformat.v4.new_code_cell(f"victim_note = '{MANIFEST['victim_marker']}'"))
    path = tmp_path / "victim.ipynb"
    nbformat.write(nb, path)
    return path


def _fingerprint(path: str) -> tuple | None:
    """What a write would change: None when absent, else size, mtime and inode."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ino)


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_gains_nothing_and_leaks_nothing(name, grade, grade_many, grader, secrets, solution_score, tmp_path):
    spec = ATTACKS[name]
    path = ADVERSARIAL / f"{name}.ipynb"
    assert path.exists() or path.is_symlink(), f"run tests/submissions/make_adversarial.py ({path} is missing)"
    before = {target: _fingerprint(target) for target in spec.get("writes", [])}

    listener = None
    if name.endswith("_network"):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind(("127.0.0.1", MANIFEST["net_port"]))
            listener.listen(8)
            listener.setblocking(False)
        except OSError:
            listener.close()
            listener = None

    host_socket = None
    if name.endswith("_abstract_socket"):
        host_socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        host_socket.bind("\0" + MANIFEST["abstract_socket"])
        host_socket.listen(8)
        host_socket.setblocking(False)

    started = time.monotonic()
    if name.endswith("_read_other_submission"):
        victim, result = grade_many([_victim(tmp_path), path])
        assert victim.score == solution_score
    elif spec.get("concurrent"):
        # graded beside two correct notebooks in the same parallel batch: they must not notice
        first, result, second = grade_many([SOLUTION, path, SOLUTION])
        assert first.score == second.score == solution_score, (first.message, second.message)
    elif name.endswith("_sysv_shm"):
        grade(path)  # the first run leaves what it can; the second looks for it
        result = grade(path)
    else:
        result = grade(path)
    elapsed = time.monotonic() - started

    # a result, never an exception; no more than the base earns
    assert isinstance(result, SubmissionResult)
    expected = {Status(spec["status"])} if "status" in spec else {Status.GRADED, Status.TIMEOUT}
    assert result.status in expected, (result.status, result.message)
    assert result.score <= spec["max_score"], [(t.name, t.outcome) for t in result.tests if t.passed]
    if spec["base"] == "solution":
        assert result.score <= solution_score
    else:
        assert result.score == 0, [(t.name, t.outcome) for t in result.tests if t.passed]

    # nothing private in anything the student sees
    texts = visible_texts(result)
    for secret in sorted(secrets | set(spec["must_not_leak"])):
        assert secret not in texts, f"{name} leaked {secret!r}"
    assert os.environ["CONV_GRADER_CANARY"] not in texts
    if "max_stdout" in spec:
        assert len(result.stdout) <= spec["max_stdout"]
    if "max_seconds" in spec:
        assert elapsed <= spec["max_seconds"], f"{name} held its slot for {elapsed:.0f} s"

    # the damage did not happen
    if host_socket is not None:
        try:
            with pytest.raises(BlockingIOError):
                host_socket.accept()
        finally:
            host_socket.close()
    if name.endswith("_sysv_shm"):
        keys = [line.split()[0] for line in Path("/proc/sysvipc/shm").read_text().splitlines()[1:]]
        assert str(0x5C77E2) not in keys, "shared memory outlived the submission"
    if listener is not None:
        try:
            with pytest.raises(BlockingIOError):
                listener.accept()
        finally:
            listener.close()
    time.sleep(spec.get("wait_seconds", 0))
    for target, fingerprint in before.items():
        assert _fingerprint(target) == fingerprint, f"{name} wrote {target} outside its sandbox"
    assert sandbox_pids(grader) == [], f"{name} left processes of the sandbox uid behind"

    # the grader and the next submission in the same slot are fine
    after = grade(SOLUTION)
    assert after.status is Status.GRADED, after.message
    assert after.score == solution_score, [(t.name, t.message) for t in after.tests if not t.passed]


def test_every_attack_notebook_is_built_and_listed():
    built = {p.name[: -len(".ipynb")] for p in ADVERSARIAL.iterdir() if p.name.endswith(".ipynb")}
    assert built == set(ATTACKS)
    assert len(ATTACKS) >= 22
    for name, spec in ATTACKS.items():
        assert spec["attack"].strip() and spec["base"] in ("blank", "solution"), name
        assert spec["max_score"] >= 0


def test_attacks_in_one_batch_do_not_disturb_each_other(grade_many, solution_score):
    """Fast attacks graded together with two solutions in one parallel batch."""
    quick = [n for n, s in sorted(ATTACKS.items()) if not s.get("slow") and "max_seconds" not in s
             and not s.get("wait_seconds") and not n.endswith(("_network", "_read_other_submission"))]
    paths = [SOLUTION, *(ADVERSARIAL / f"{n}.ipynb" for n in quick), SOLUTION]
    results = grade_many(paths)
    assert len(results) == len(paths)
    assert results[0].score == results[-1].score == solution_score
    for name, result in zip(quick, results[1:-1]):
        assert result.score <= ATTACKS[name]["max_score"], name
