"""The instructor's side of grading: an assignment's config and its full test files.

Test files are the ones `make assign` writes from the shared source (otter's exception-based
format, hidden cases included).  They run only in the grader process; `grading.py` beside
them (references, known mistakes) is importable from them as `grading`.
"""

from __future__ import annotations

import inspect
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .errors import InstructorError
from .rules import Removal, Rule, load_rules


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
        """Every name some test binds to the student's namespace."""
        return tuple(dict.fromkeys(p for t in self.tests for p in t.parameters if p != "env"))

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
}


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
        preload=tuple(config.get("sandbox", {}).get("preload", ("numpy", "matplotlib", "matplotlib.pyplot", "IPython"))),
        solution=_solution_path(directory, config),
    )
    total = assignment.autograded_points + sum(m.points for m in manual)
    if assignment.total_points and abs(total - assignment.total_points) > 1e-9:
        raise InstructorError(f"tests and manual questions add up to {total}, but total_points is {assignment.total_points}")
    return assignment


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


def _load_tests(tests_dir: Path, assignment_dir: Path) -> list[TestSpec]:
    from otter.test_files import test_case

    from . import self_checks

    # public tests import their checks as `self_checks`, the name the student notebook gives them
    sys.modules.setdefault("self_checks", self_checks)
    if str(assignment_dir) not in sys.path:
        sys.path.insert(0, str(assignment_dir))
    specs: list[TestSpec] = []
    for path in sorted(tests_dir.glob("*.py"), key=lambda p: _natural(p.stem)):
        namespace: dict[str, Any] = {"__name__": f"tests_{path.stem}", "__file__": str(path)}
        try:
            exec(compile(path.read_text(), str(path), "exec"), namespace)
        except Exception as error:
            raise InstructorError(f"test file {path} does not load: {error}") from None
        question = str(namespace.get("name", path.stem))
        for value in namespace.values():
            if isinstance(value, test_case):
                func = value.test_func
                specs.append(
                    TestSpec.of(
                        question=question,
                        name=value.name or func.__name__,
                        points=float(value.points or 0),
                        hidden=bool(value.hidden),
                        func=func,
                    )
                )
    return specs
