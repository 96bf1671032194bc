"""The Gradescope autograder: the zip, setup.sh and run_autograder in an emulated /autograder.

The zip is built and unpacked into a fresh `<tmp>/autograder` per test (the root comes from
AUTOGRADER_ROOT), `setup.sh` builds the virtual environment once per session, and
`run_autograder` grades real notebooks there.  Every results.json, and every results.json the
renderer makes from real graded notebooks, is validated against tests/schemas/
gradescope_results.schema.json (Gradescope's specification).  Scores must equal those of the
engine grading the same file directly: same engine, same score.

The venv goes to build/tmp/gradescope-venv (under /opt/conv-grader when the checkout cannot be
entered by other users; or CONV_GRADER_TEST_VENV), and is reused when setup.sh finds it up to date.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest

from autograder.gradescope import build_zip, choose_notebook, run_autograder
from autograder.render import render_gradescope
from autograder.results import Status

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT_DIR = ROOT / "assignments" / "conv-math"
SCHEMA_PATH = Path(__file__).parent / "schemas" / "gradescope_results.schema.json"
SOLUTION = ROOT / "solutions" / "conv-math" / "conv-math.ipynb"
BLANK = ASSIGNMENT_DIR / "student" / "conv-math.ipynb"
MUTANTS = ROOT / "tests" / "submissions" / "mutants"
MUTANT = MUTANTS / "conv2d_not_flipped.ipynb"
NOTEBOOK = "conv-math.ipynb"
SANDBOX_FIRST_UID = "62000"  # away from the session grader's uids (61000 + slot)
RUN_SECONDS = 300


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="session")
def validate(validator):
    def check(data: dict) -> dict:
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        assert not errors, "results.json breaks Gradescope's specification:\n" + "\n".join(
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)
        return data

    return check


@pytest.fixture(scope="session")
def autograder_zip(tmp_path_factory) -> Path:
    return build_zip(ASSIGNMENT_DIR, tmp_path_factory.mktemp("zip") / "conv-math-autograder.zip")


def unpack(zip_path: Path, source: Path) -> None:
    """Unpack as Gradescope's unzip does, keeping the modes stored in the zip."""
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            target = source / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
            target.chmod((info.external_attr >> 16) & 0o777)


@dataclass
class SetupRun:
    venv: Path
    first: subprocess.CompletedProcess
    second: subprocess.CompletedProcess


def _default_test_venv() -> Path:
    """In the checkout, unless other users cannot enter it: the sandbox's uid must read the venv
    (the same rule as the Makefile's own venv)."""
    if all(p.stat().st_mode & 0o001 for p in (ROOT, *ROOT.parents)):
        return ROOT / "build" / "tmp" / "gradescope-venv"
    return Path("/opt/conv-grader") / f"gradescope-venv-{hashlib.sha1(str(ROOT).encode()).hexdigest()[:12]}"


@pytest.fixture(scope="session")
def gradescope_venv(autograder_zip, tmp_path_factory) -> SetupRun:
    """Run the zip's setup.sh twice (the second run must find everything in place)."""
    if os.geteuid() != 0:
        pytest.skip("the sandbox needs root (as on Gradescope)")
    venv = Path(os.environ.get("CONV_GRADER_TEST_VENV", _default_test_venv()))
    venv.parent.mkdir(parents=True, exist_ok=True)
    source = tmp_path_factory.mktemp("setup") / "source"
    unpack(autograder_zip, source)
    env = {**os.environ, "CONV_GRADER_VENV": str(venv)}
    runs = [subprocess.run(["bash", str(source / "setup.sh")], cwd=source, env=env, capture_output=True, text=True,
                           timeout=1800) for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, f"setup.sh failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return SetupRun(venv, *runs)


@dataclass
class Graded:
    results: dict
    text: str  # results.json as written
    stdout: str  # what run_autograder printed (Gradescope shows it to instructors, to students after publication)
    returncode: int
    root: Path


class GradescopeRun:
    """run_gradescope({name: bytes or Path}) -> Graded, in a fresh emulated /autograder at `.root`.

    The root is outside /tmp (build/tmp/), as /autograder is outside Gradescope's /tmp: the
    sandbox's private /tmp would otherwise hide it and spare the other protections a test.
    """

    def __init__(self, zip_path: Path, venv: Path, validate):
        parent = ROOT / "build" / "tmp"
        parent.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix="autograder-", dir=parent))
        self.zip_path, self.venv, self.validate = zip_path, venv, validate

    def __call__(self, files: dict[str, bytes | Path], *, venv: Path | None = None) -> Graded:
        root = self.root
        source = root / "source"
        unpack(self.zip_path, source)
        shutil.copy2(source / "run_autograder", root / "run_autograder")
        submission = root / "submission"
        submission.mkdir()
        for name, content in files.items():
            target = submission / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.read_bytes() if isinstance(content, Path) else content)
        (root / "submission_metadata.json").write_text('{"users": [{"email": "student@example.edu"}]}')
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "AUTOGRADER_ROOT": str(root),
               "CONV_GRADER_VENV": str(venv or self.venv), "CONV_GRADER_FIRST_UID": SANDBOX_FIRST_UID}
        done = subprocess.run([str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True,
                              timeout=RUN_SECONDS)
        text = (root / "results" / "results.json").read_text()
        return Graded(self.validate(json.loads(text)), text, done.stdout + done.stderr, done.returncode, root)


@pytest.fixture
def run_gradescope(autograder_zip, gradescope_venv, validate):
    run = GradescopeRun(autograder_zip, gradescope_venv.venv, validate)
    yield run
    shutil.rmtree(run.root, ignore_errors=True)


# --------------------------------------------------------------------------- the zip


def test_zip_holds_the_autograder_and_nothing_else(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as archive:
        infos = archive.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names) and len(names) == len(set(names))
    tests = sorted(p.name for p in (ASSIGNMENT_DIR / "tests").glob("*.py"))
    expected_assignment = {"assignments/conv-math/assignment.toml", "assignments/conv-math/grading.py",
                           *(f"assignments/conv-math/tests/{t}" for t in tests)}
    assert {"setup.sh", "run_autograder", "requirements.txt"} <= set(names)
    assert {n for n in names if n.startswith("assignments/")} == expected_assignment
    others = set(names) - expected_assignment - {"setup.sh", "run_autograder", "requirements.txt"}
    assert others and all(n.startswith("autograder/") for n in others)
    for name in names:
        assert not re.search(r"(^|/)(\.git|__pycache__|solutions|student|submissions|\.ipynb_checkpoints)(/|$)", name), name
        assert not name.endswith((".ipynb", ".pyc")), name
    assert "assignments/conv-math/conv-math.py" not in names  # the shared source holds the solutions
    assert "autograder/gradescope.py" in names and "autograder/sandbox/zygote.py" in names
    modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in infos}
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)


def test_zip_ships_hidden_tests_and_pinned_requirements(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as archive:
        for path in (ASSIGNMENT_DIR / "tests").glob("*.py"):
            assert archive.read(f"assignments/conv-math/tests/{path.name}") == path.read_bytes()
        requirements = archive.read("requirements.txt").decode()
    assert "hidden=True" in "".join(p.read_text() for p in (ASSIGNMENT_DIR / "tests").glob("*.py"))
    pins = [line for line in requirements.splitlines() if line.strip() and not line.startswith("#")]
    assert pins and all("==" in line for line in pins)


def test_zip_build_is_reproducible(autograder_zip, tmp_path):
    again = build_zip(ASSIGNMENT_DIR, tmp_path / "again.zip")
    assert again.read_bytes() == autograder_zip.read_bytes()


def test_scripts_take_paths_from_the_environment_and_avoid_heavy_installs():
    setup = (ROOT / "autograder" / "gradescope_files" / "setup.sh").read_text()
    runner = (ROOT / "autograder" / "gradescope_files" / "run_autograder").read_text()
    assert "CONV_GRADER_VENV" in setup and "CONV_GRADER_VENV" in runner and "AUTOGRADER_ROOT" in runner
    assert "python3.11-venv" in setup
    for heavy in ("miniforge", "miniconda", "conda install", "playwright install", "chromium"):
        assert heavy not in setup.lower()


# --------------------------------------------------------------------------- choosing the notebook


def test_choose_notebook(tmp_path):
    assert choose_notebook(tmp_path / "missing", NOTEBOOK)[0] is None
    (tmp_path / "notes.txt").write_text("x")
    chosen, note = choose_notebook(tmp_path, NOTEBOOK)
    assert chosen is None and "no Jupyter notebook" in note and "notes.txt" in note
    (tmp_path / "mine.ipynb").write_text("{}")
    assert choose_notebook(tmp_path, NOTEBOOK) == (tmp_path / "mine.ipynb", "")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "conv-math-checkpoint.ipynb").write_text("{}")
    assert choose_notebook(tmp_path, NOTEBOOK)[0] == tmp_path / "mine.ipynb"
    (tmp_path / "other.ipynb").write_text("{}")
    chosen, note = choose_notebook(tmp_path, NOTEBOOK)
    assert chosen is None and "mine.ipynb" in note and "other.ipynb" in note and NOTEBOOK in note
    (tmp_path / NOTEBOOK).write_text("{}")
    chosen, note = choose_notebook(tmp_path, NOTEBOOK)
    assert chosen == tmp_path / NOTEBOOK and f"{NOTEBOOK} was graded" in note


def test_misconfigured_autograder_still_writes_results(tmp_path, validate):
    """No assignment in the source: a score of 0 with a message, in process, never an exception."""
    (tmp_path / "source").mkdir()
    (tmp_path / "submission").mkdir()
    assert run_autograder(tmp_path) == 0
    data = validate(json.loads((tmp_path / "results" / "results.json").read_text()))
    assert data["score"] == 0 and "misconfigured" in data["output"]


# --------------------------------------------------------------------------- the renderer on real results


def invalid_file(tmp_path: Path) -> Path:
    path = tmp_path / "not-json.ipynb"
    path.write_text("def conv2d(f, g):\n    return f\n")
    return path


@pytest.mark.parametrize("which", ["solution", "blank", "mutant", "invalid"])
def test_render_gradescope_on_graded_notebooks_follows_the_schema(which, grade, assignment, validate, tmp_path):
    path = {"solution": SOLUTION, "blank": BLANK, "mutant": MUTANT}.get(which) or invalid_file(tmp_path)
    result = grade(path)
    data = validate(render_gradescope(result))
    assert data["score"] == result.score
    hidden = {f"{t.question} · {t.name}" for t in assignment.tests if t.hidden}
    for test in data["tests"]:
        assert test["visibility"] == ("after_published" if test["name"] in hidden else "visible")
    assert data["stdout_visibility"] == "after_published"
    if which == "invalid":
        assert result.status is Status.INVALID and data["score"] == 0 and "not valid JSON" in data["output"]
    else:
        assert len(data["tests"]) == len(assignment.tests) and hidden


# --------------------------------------------------------------------------- setup.sh and run_autograder


def test_setup_builds_a_readable_venv_and_is_idempotent(gradescope_venv):
    venv = gradescope_venv.venv
    assert "up to date" in gradescope_venv.second.stdout
    version = subprocess.run([str(venv / "bin/python"), "-c", "import sys; print(sys.version_info[:2] >= (3, 11))"],
                             capture_output=True, text=True, check=True)
    assert version.stdout.strip() == "True"
    freeze = subprocess.run([str(venv / "bin/python"), "-m", "pip", "freeze"], capture_output=True, text=True,
                            check=True).stdout.lower().splitlines()
    for pin in (ROOT / "requirements.txt").read_text().splitlines():
        if pin.strip() and not pin.startswith("#"):
            assert pin.lower().replace("_", "-") in {line.replace("_", "-") for line in freeze}, pin
    site = next((venv / "lib").glob("python3*/site-packages/numpy/__init__.py"))
    assert stat.S_IMODE(site.stat().st_mode) & 0o004


def test_solution_scores_as_with_the_engine(run_gradescope, grade, assignment):
    graded = run_gradescope({NOTEBOOK: SOLUTION})
    engine = grade(SOLUTION)
    assert graded.returncode == 0
    manual_points = sum(m.points for m in assignment.manual)
    assert graded.results["score"] == engine.score == assignment.autograded_points == assignment.total_points - manual_points
    assert [(t["name"], t["score"]) for t in graded.results["tests"]] == [
        (t["name"], t["score"]) for t in render_gradescope(engine)["tests"]]
    output = graded.results["output"]
    assert "sandbox protections (root): allow-listed file view on" in output and "unprivileged uid on" in output
    (answer,) = engine.manual
    assert answer.answer.strip() and answer.answer.strip().splitlines()[0] in output
    assert f"{answer.question} is graded by hand" in output


def test_blank_notebook_scores_zero(run_gradescope, grade):
    graded = run_gradescope({NOTEBOOK: BLANK})
    assert graded.results["score"] == grade(BLANK).score == 0
    assert graded.results["tests"] and all(t["status"] == "failed" for t in graded.results["tests"])


def test_mutant_scores_partially_as_with_the_engine(run_gradescope, grade, assignment):
    graded = run_gradescope({NOTEBOOK: MUTANT})
    score = graded.results["score"]
    assert 0 < score < assignment.autograded_points
    assert score == grade(MUTANT).score


def test_other_mutants_score_as_with_the_engine(run_gradescope, grade):
    mutant = sorted(p for p in MUTANTS.glob("*.ipynb") if p != MUTANT)[0]
    assert run_gradescope({mutant.name: mutant}).results["score"] == grade(mutant).score


ATTACK_CELL = r'''
import glob, os
LEAK = []
for top in ["/autograder", ROOT]:
    for pattern in [top + "/**", top + "/source/**/*.py", top + "/source/assignments/*/tests/*.py"]:
        for p in glob.glob(pattern, recursive=True):
            try:
                with open(p) as handle:
                    LEAK.append(p + "\n" + handle.read())
            except Exception as error:
                LEAK.append(f"{p}: {error}")
    for base, dirs, files in os.walk(top):
        LEAK.extend(os.path.join(base, f) for f in files)
    for p in [top + "/source/assignments/conv-math/tests/q1.py", top + "/source/assignments/conv-math/grading.py",
              top + "/submission_metadata.json", top + "/results/results.json"]:
        try:
            LEAK.append(open(p).read())
        except Exception as error:
            LEAK.append(f"{p}: {error}")
print("\n".join(LEAK))

def leaked(*args, **kwargs):
    return "\n".join(LEAK)

fc_layer = local_layer = shared_layer = corr2d = conv1d = conv2d = fc_num_weights = leaked
'''


def hidden_lines() -> set[str]:
    """Lines of the hidden tests and grading helpers that no student-facing file contains."""
    public = BLANK.read_text()  # the student notebook carries its public tests
    public_lines = {line.strip() for line in public.splitlines()} | {
        line.strip().strip('",').replace('\\"', '"').replace("\\n", "") for line in public.splitlines()}
    private = [*(ASSIGNMENT_DIR / "tests").glob("*.py"), ASSIGNMENT_DIR / "grading.py"]
    return {line.strip() for path in private for line in path.read_text().splitlines()
            if len(line.strip()) >= 25 and line.strip() not in public_lines}


def attack_notebook(root: Path) -> bytes:
    notebook = json.loads(BLANK.read_text())
    source = f"ROOT = {str(root)!r}\n" + ATTACK_CELL
    notebook["cells"].append({"cell_type": "code", "execution_count": None, "id": "attack", "metadata": {},
                              "outputs": [], "source": source})
    return json.dumps(notebook).encode()


def test_attack_reading_the_autograder_gains_nothing(run_gradescope, grade, tmp_path):
    root = run_gradescope.root
    attack = attack_notebook(root)
    graded = run_gradescope({NOTEBOOK: attack})
    copy = tmp_path / "attack.ipynb"
    copy.write_bytes(attack)
    assert graded.results["score"] == grade(copy).score == grade(BLANK).score == 0
    secrets = hidden_lines()
    assert len(secrets) > 50  # the check below means something
    assert (root / "source" / "assignments" / "conv-math" / "tests" / "q1.py").exists()  # there to be read
    for line in secrets:
        assert line not in graded.text, f"hidden line in results.json: {line}"
        assert line not in graded.stdout, f"hidden line in run_autograder's output: {line}"
    assert "student@example.edu" not in graded.text + graded.stdout
    # The sandbox's allow-listed world protects, not file modes: grading left every mode as unpacked.
    with zipfile.ZipFile(run_gradescope.zip_path) as archive:
        for info in archive.infolist():
            assert (root / "source" / info.filename).stat().st_mode & 0o777 == (info.external_attr >> 16) & 0o777, info.filename


def test_no_notebook_scores_zero_with_a_message(run_gradescope):
    graded = run_gradescope({"answers.txt": b"see attached", "conv-math.py": b"def conv2d(f, g): pass\n"})
    assert graded.returncode == 0 and graded.results["score"] == 0 and graded.results["tests"] == []
    output = graded.results["output"]
    assert "no Jupyter notebook" in output and "answers.txt" in output and NOTEBOOK in output


def test_two_unnamed_notebooks_score_zero_and_are_listed(run_gradescope):
    graded = run_gradescope({"draft.ipynb": SOLUTION, "final.ipynb": SOLUTION})
    assert graded.results["score"] == 0
    output = graded.results["output"]
    assert "draft.ipynb" in output and "final.ipynb" in output and NOTEBOOK in output


def test_several_notebooks_grade_the_one_with_the_assignment_name(run_gradescope, grade):
    graded = run_gradescope({NOTEBOOK: SOLUTION, "scratch.ipynb": BLANK})
    assert graded.results["score"] == grade(SOLUTION).score > 0
    assert f"{NOTEBOOK} was graded" in graded.results["output"] and "scratch.ipynb" in graded.results["output"]


def test_invalid_notebook_scores_zero_with_a_message(run_gradescope):
    graded = run_gradescope({NOTEBOOK: b"%PDF-1.4 this is not a notebook"})
    assert graded.results["score"] == 0 and "not valid JSON" in graded.results["output"]


def test_broken_environment_still_writes_valid_results(run_gradescope, tmp_path):
    graded = run_gradescope({NOTEBOOK: SOLUTION}, venv=tmp_path / "no-such-venv")
    assert graded.returncode == 0 and graded.results["score"] == 0
    assert "could not start" in graded.results["output"]
