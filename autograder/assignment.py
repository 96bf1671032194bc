"""The instructor's side of grading: an assignment's config and its full test files.

Test files are the ones `make assign` writes from the shared source (otter's exception-based
format, hidden cases included).  They run only in the grader process; `grading.py` beside
them (references, known mistakes) is importable from them as `grading`.
"""

from __future__ import annotations

import builtins
import hashlib
import importlib.util
import inspect
import math
import sys
import tomllib
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .errors import InstructorError
from .rules import Removal, Rule, check_removals, load_rules


@dataclass(frozen=True)
class TestSpec:
    """One test case: its question, name, points, visibility, and the function to call."""

    question: str
    name: str
    points: float
    hidden: bool
    func: Callable[..., None] = field(repr=False, compare=False)
    parameters: tuple[str, ...] = ()  # the student names the test binds, from the function's signature

    @classmethod
    def of(cls, question: str, name: str, points: float, hidden: bool, func: Callable[..., None]) -> "TestSpec":
        return cls(question, name, points, hidden, func, tuple(inspect.signature(func).parameters))


@dataclass(frozen=True)
class ManualQuestion:
    name: str
    points: float
    title: str


@dataclass(frozen=True)
class Limits:
    submission_seconds: float = 60.0
    test_seconds: float = 10.0
    cell_seconds: float = 20.0
    memory_mb: int = 1024


@dataclass(frozen=True)
class Assignment:
    name: str
    directory: Path
    notebook: str
    total_points: float
    tests: tuple[TestSpec, ...]
    manual: tuple[ManualQuestion, ...]
    rules: tuple[Rule, ...]  # [rules.<name>] of assignment.toml, in file order
    limits: Limits
    preload: tuple[str, ...]
    solution: Path | None = None  # the reference solution notebook, run once before grading
    # files the notebook and the tests read (`[files] include`): beside the notebook in the sandbox, in the zip
    files: tuple[Path, ...] = ()
    # (question, test name) -> traceback, for tests that raise on the reference solution itself
    broken_tests: dict[tuple[str, str], str] = field(default_factory=dict, compare=False)

    @property
    def questions(self) -> tuple[str, ...]:
        """Autograded question names in order."""
        return tuple(dict.fromkeys(t.question for t in self.tests))

    @property
    def question_names(self) -> tuple[str, ...]:
        """Every question, autograded and manual, in natural order."""
        return tuple(sorted({*self.questions, *(m.name for m in self.manual)}, key=_natural))

    @property
    def autograded_points(self) -> float:
        return sum(t.points for t in self.tests)

    @property
    def student_names(self) -> tuple[str, ...]:
        """Every name some test binds to the student's namespace (`env`, the whole namespace, is not one)."""
        return tuple(dict.fromkeys(p for t in self.tests for p in t.parameters if p != ENV))

    @property
    def wants_namespace(self) -> bool:
        """Whether some test takes `env` (otter's convention): the whole namespace, every name in it."""
        return any(ENV in t.parameters for t in self.tests)

    @property
    def removals(self) -> tuple[Removal, ...]:
        """What the sandbox takes out of its process for the rules, before any student code runs."""
        from .rules import removals

        return removals(self.rules)

    @property
    def student_notebook(self) -> Path:
        """The notebook students download, built by `make assign`."""
        return self.directory / "student" / self.notebook


def _natural(name: str) -> tuple:
    digits = "".join(c for c in name if c.isdigit())
    return (int(digits) if digits else 0, name)


# Every key assignment.toml may hold; anything else is a typo the instructor must hear about.
CONFIG_KEYS: dict[str, Any] = {
    "name": str,
    "notebook": str,
    "total_points": (int, float),
    "solution": str,
    "manual": {"*": {"points": (int, float), "title": str}},
    "rules": dict,  # each rule's table is validated by its kind (autograder/rules.py)
    "limits": {name: (int, float) for name in Limits.__dataclass_fields__},
    "sandbox": {"preload": list},
    "self_checks": {"hidden_note": str},  # read by `make assign` (autograder/assign.py)
    "files": {"include": list},
}
MAX_DATA_FILE_BYTES = 16 * 2**20  # each file the notebook reads (the sandbox's /tmp must hold them too)
# all of them: they reach the sandbox in the one message that starts the notebook (64 MiB at most, the
# notebook's code included) and are kept in the grader's memory for the whole run
MAX_DATA_TOTAL_BYTES = 48 * 2**20
MAX_DATA_FILES = 256


def _check_config(config: dict, schema: dict, path: Path, where: str = "") -> None:
    """Raise InstructorError naming the first key that assignment.toml must not hold, or holds wrongly."""
    for key, value in config.items():
        expected = schema.get(key, schema.get("*"))
        name = f"{where}.{key}" if where else key
        if expected is None:
            known = ", ".join(k for k in schema if k != "*")
            raise InstructorError(f"{path}: unknown key `{name}` (known here: {known})")
        if isinstance(expected, dict):
            if not isinstance(value, dict):
                raise InstructorError(f"{path}: `{name}` must be a table")
            _check_config(value, expected, path, name)
        elif not isinstance(value, expected) or isinstance(value, bool):
            raise InstructorError(f"{path}: `{name}` has the wrong type ({type(value).__name__})")


def load_assignment(directory: Path) -> Assignment:
    """Read `<directory>/assignment.toml` and every test file in `<directory>/tests/`.

    The reference solution is `solution` in the config (relative to the folder), else
    `<repository>/solutions/<folder name>/<notebook>` when it exists.
    Raises InstructorError when the config (an unknown key included) or a test file is unusable.
    """
    directory = directory.resolve()
    config_path = directory / "assignment.toml"
    try:
        config = tomllib.loads(config_path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise InstructorError(f"cannot read {config_path}: {error}") from None
    _check_config(config, CONFIG_KEYS, config_path)
    tests = tuple(_load_tests(directory / "tests", directory))
    if not tests:
        raise InstructorError(f"no test files in {directory / 'tests'}: run `make assign`")
    manual = tuple(
        ManualQuestion(name=name, points=float(q.get("points", 0)), title=str(q.get("title", name)))
        for name, q in config.get("manual", {}).items()
    )
    for number, value in [*((f"manual.{m.name}.points", m.points) for m in manual),
                          ("total_points", float(config.get("total_points", 0)))]:
        if not math.isfinite(value) or value < 0:  # TOML reads nan and inf as numbers
            raise InstructorError(f"{config_path}: `{number}` is {value:g}; it must be a finite number of points, 0 or more")
    limits = Limits(**{k: v for k, v in config.get("limits", {}).items() if k in Limits.__dataclass_fields__})
    assignment = Assignment(
        name=str(config.get("name", directory.name)),
        directory=directory,
        notebook=str(config.get("notebook", f"{directory.name}.ipynb")),
        total_points=float(config.get("total_points", 0)),
        tests=tests,
        manual=manual,
        rules=load_rules(config.get("rules"), config_path),
        limits=limits,
        preload=_preload(config, config_path),
        solution=_solution_path(directory, config),
        files=_data_files(directory, config),
    )
    if not assignment.wants_namespace:  # a test taking `env` may reach any name; otherwise a rule needs a test
        for rule in assignment.rules:
            unused = [name for name in rule.bound_names if name not in assignment.student_names]
            if unused:
                raise InstructorError(f"{config_path}: rules.{rule.name} binds `{unused[0]}`, which no test takes as a "
                                      "parameter, so the rule would charge nothing (a misspelt name?)")
    for rule in assignment.rules:
        check_removals(rule.removals(), assignment.preload, f"{config_path}: rules.{rule.name}")
    total = assignment.autograded_points + sum(m.points for m in manual)
    if assignment.total_points and abs(total - assignment.total_points) > 1e-9:
        raise InstructorError(f"tests and manual questions add up to {total}, but total_points is {assignment.total_points}")
    return assignment


def _data_files(directory: Path, config: dict) -> tuple[Path, ...]:
    """The files `[files] include` declares (paths or glob patterns inside the assignment's folder), sorted.

    Raises InstructorError for an entry that is not a relative path inside the folder, matches no
    file, reaches out of the folder through a symbolic link, names a file only the grader may read
    (the config, `grading.py`, the source with its solutions, the tests, the solution notebook,
    compiled Python), or names a file too large, or too many or too large files in all, to carry into
    every sandbox."""
    found: dict[Path, None] = {}
    grader_only = {directory / "assignment.toml", directory / f"{HELPERS}.py", directory / f"{directory.name}.py",
                   directory / f"{config.get('name', directory.name)}.py", solution_location(directory, config)}
    for entry in config.get("files", {}).get("include", []):
        where = f"{directory / 'assignment.toml'}: files.include"
        if not isinstance(entry, str) or not entry.strip() or Path(entry).is_absolute() or ".." in Path(entry).parts:
            raise InstructorError(f"{where}: {entry!r} is not a relative path inside {directory}")
        matches = sorted(p for p in directory.glob(entry) if p.is_file())
        if not matches:
            raise InstructorError(f"{where}: {entry!r} matches no file in {directory}")
        for path in matches:
            real = path.resolve()
            if not real.is_relative_to(directory):
                raise InstructorError(f"{where}: {entry!r} gives {path.relative_to(directory)}, a symbolic link to "
                                      f"{real}, outside {directory}; copy the file into the folder instead")
            parts = real.relative_to(directory).parts
            if real in grader_only or parts[0] in ("tests", "solutions") or "__pycache__" in parts or real.suffix in (".pyc", ".pyo"):
                raise InstructorError(f"{where}: {entry!r} names the grader's own file {real.relative_to(directory)}; "
                                      "only files the notebook reads belong here")
            if real.stat().st_size > MAX_DATA_FILE_BYTES:
                raise InstructorError(f"{where}: {path.name} is larger than {MAX_DATA_FILE_BYTES // 2**20} MiB")
            found[path] = None  # named in the sandbox and the zip as the instructor declared it
    total = sum(path.stat().st_size for path in found)
    if len(found) > MAX_DATA_FILES or total > MAX_DATA_TOTAL_BYTES:
        raise InstructorError(f"{directory / 'assignment.toml'}: files.include: {len(found)} files of {total / 2**20:.1f} MiB "
                              f"in all, over the limit of {MAX_DATA_FILES} files and {MAX_DATA_TOTAL_BYTES // 2**20} MiB "
                              "carried into every sandbox: declare only the files the notebook reads")
    return tuple(found)


def _preload(config: dict, path: Path) -> tuple[str, ...]:
    """What the fork server imports before it forks (`[sandbox] preload`).  Raises InstructorError naming
    an entry that is not a module name or whose package is not installed (the sandbox could not start)."""
    import importlib.util

    names = config.get("sandbox", {}).get("preload", ["numpy", "matplotlib", "matplotlib.pyplot", "IPython"])
    for name in names:
        if not isinstance(name, str) or not all(part.isidentifier() for part in name.split(".")):
            raise InstructorError(f"{path}: sandbox.preload entry {name!r} is not a module name")
        if importlib.util.find_spec(name.split(".")[0]) is None:
            raise InstructorError(f"{path}: sandbox.preload names {name}, whose package is not installed here")
    return tuple(names)


def project_root(directory: Path) -> Path | None:
    """The project that holds an assignment kept in the project's layout (`<root>/assignments/<name>/`),
    or None for an assignment folder kept anywhere else (a test fixture, say)."""
    directory = Path(directory).resolve()
    return directory.parent.parent if directory.parent.name == "assignments" else None


def solution_location(directory: Path, config: dict) -> Path:
    """Where the assignment's solution notebook is (`make assign` writes it there): `solution` in the
    config, relative to the assignment's folder; by default `<root>/solutions/<name>/<notebook>` in the
    project's layout, else `<folder>/solutions/<notebook>` beside the assignment's own files."""
    directory = Path(directory).resolve()
    if "solution" in config:
        return (directory / str(config["solution"])).resolve()
    notebook = str(config.get("notebook", f"{directory.name}.ipynb"))
    root = project_root(directory)
    return root / "solutions" / directory.name / notebook if root is not None else directory / "solutions" / notebook


def _solution_path(directory: Path, config: dict) -> Path | None:
    path = solution_location(directory, config)
    if "solution" in config and not path.is_file():
        raise InstructorError(f"{directory / 'assignment.toml'}: `solution` names {path}, which does not exist")
    return path if path.is_file() else None


ENV = "env"  # a test parameter named so receives the whole namespace (otter's convention)
HELPERS = "grading"  # the assignment's trusted helper module, `<assignment>/grading.py`


def load_helpers(assignment_dir: Path) -> types.ModuleType | None:
    """The assignment's `grading.py` as a module of its own, or None when it has none.

    Each assignment's helpers are a separate module, registered under a name made from the folder
    (never the bare `grading`), so two assignments graded in one process cannot share or replace each
    other's helpers.  Their tests import it as `grading` all the same (`helper_import`).
    Raises InstructorError when the file does not load.
    """
    path = Path(assignment_dir).resolve() / f"{HELPERS}.py"
    if not path.is_file():
        return None
    key = f"assignment_helpers_{hashlib.sha1(str(path.parent).encode()).hexdigest()[:12]}.{HELPERS}"
    if key in sys.modules and getattr(sys.modules[key], "__file__", None) == str(path):
        return sys.modules[key]
    spec = importlib.util.spec_from_file_location(key, path)
    if spec is None or spec.loader is None:
        raise InstructorError(f"{path} cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module  # dataclasses and typing resolve the module's names through sys.modules
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[key]
        raise InstructorError(f"{path} does not load: {type(error).__name__}: {error}") from None
    return module


def helper_import(modules: dict[str, types.ModuleType]) -> Callable[..., Any]:
    """An `__import__` that gives test code the assignment's own modules by their short names
    (`from grading import reference`, `from self_checks import expect_array`) and everything
    else as usual."""
    real = builtins.__import__

    def import_(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and name in modules:
            return modules[name]
        return real(name, globals, locals, fromlist, level)

    return import_


def test_file_points(question: str, declared: Any, cases: list[Any], path: Path) -> list[float]:
    """Each case's points, as otter-grader 7 resolves them (`TestFile.resolve_test_file_points`):

    - `points` a list: one value per case, in order;
    - `points` a number: cases that set their own points keep them, the rest share what is left equally;
    - no `points`: cases keep their own, and when none has any the file is worth 1 point, shared equally.

    Stricter than otter where otter silently gives a question fewer points than it declares: a
    number that the cases' own points do not add up to is an error.  Raises InstructorError.
    """
    from otter.test_files.abstract_test import TestFile

    if isinstance(declared, bool) or not (declared is None or isinstance(declared, (int, float, list))):
        raise InstructorError(f"test file {path}: `points` must be a number or a list of numbers, not {declared!r}")
    if isinstance(declared, list) and not all(isinstance(p, (int, float)) and not isinstance(p, bool) for p in declared):
        raise InstructorError(f"test file {path}: `points` must be a list of numbers, not {declared!r}")
    for case in cases:
        if isinstance(case.points, bool) or not (case.points is None or isinstance(case.points, (int, float))):
            raise InstructorError(f"test file {path}: test case {case.name or case.test_func.__name__} has points "
                                  f"{case.points!r}, which is not a number")
    try:
        resolved = TestFile.resolve_test_file_points(declared, [case.to_dataclass() for case in cases])
    except (ValueError, TypeError, AssertionError) as error:
        raise InstructorError(f"test file {path} ({question}): {error}") from None
    points = [float(case.points) for case in resolved]
    if not all(math.isfinite(p) for p in points):  # nan or inf would make every total nan or inf
        raise InstructorError(f"test file {path} ({question}): a test case's points are {points}, not finite numbers")
    if any(p < 0 for p in points):
        raise InstructorError(f"test file {path} ({question}): a test case has negative points")
    if isinstance(declared, (int, float)) and abs(sum(points) - declared) > 1e-9:
        raise InstructorError(f"test file {path}: {question} declares points = {declared:g}, but its test cases "
                              f"add up to {sum(points):g}; give the remaining points to a case or lower the total")
    return points


def _load_tests(tests_dir: Path, assignment_dir: Path) -> list[TestSpec]:
    from otter.test_files import test_case

    from . import self_checks

    modules = {"self_checks": self_checks}  # public tests import their checks as the student notebook names them
    helpers = load_helpers(assignment_dir)
    if helpers is not None:
        modules[HELPERS] = helpers
    test_builtins = {**vars(builtins), "__import__": helper_import(modules)}
    specs: list[TestSpec] = []
    for path in sorted(tests_dir.glob("*.py"), key=lambda p: _natural(p.stem)):
        namespace: dict[str, Any] = {"__name__": f"tests_{path.stem}", "__file__": str(path), "__builtins__": test_builtins}
        try:
            exec(compile(path.read_text(), str(path), "exec"), namespace)
        except Exception as error:
            raise InstructorError(f"test file {path} does not load: {error}") from None
        question = str(namespace.get("name", path.stem))
        if namespace.get("all_or_nothing"):
            raise InstructorError(f"test file {path}: `all_or_nothing` is not supported by this grader; "
                                  "give the question's points to its cases instead")
        cases = [value for value in namespace.values() if isinstance(value, test_case)]
        for case, points in zip(cases, test_file_points(question, namespace.get("points"), cases, path)):
            specs.append(TestSpec.of(question=question, name=case.name or case.test_func.__name__, points=points,
                                     hidden=bool(case.hidden), func=case.test_func))
    return specs
