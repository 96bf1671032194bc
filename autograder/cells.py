"""What the sandbox runs for each code cell of a submission: the cell as written, except the
notebook's own self-checks.

The grader runs its own copy of every test, so a cell that only calls `grader.check(...)` is not
run, and the self-checks cell `make assign` puts in the student notebook (when it has exactly its
built shape) is replaced by a stand-in that defines `grader` and does nothing.  Any other cell is
run as it is.
"""

from __future__ import annotations

import ast
import functools

from .load import parse_without_collecting, parsed_cell


def _parsed(source: str) -> ast.Module | None:
    """The cell as plain Python (the tree reading the notebook made, when it is still kept), or None."""
    tree = parsed_cell(source)
    if tree is not None:
        return tree
    try:
        return parse_without_collecting(source)
    except (SyntaxError, ValueError):
        return None


def only_self_checks(source: str) -> bool:
    """True for a cell that only calls the notebook's self-checks (`grader.check("q1")`,
    `grader.check_all()`, ...): the grader runs its own tests, so such a cell is not run."""
    tree = _parsed(source)
    if tree is None:
        return False
    return bool(tree.body) and all(
        isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Attribute) and isinstance(node.value.func.value, ast.Name)
        and node.value.func.value.id == "grader"
        for node in tree.body
    )


# What the grader runs in place of the notebook's self-checks cell: `grader` exists, and does nothing.
SELF_CHECKS_STAND_IN = (
    "import types\n"
    "class _SelfChecksNotRunHere:\n"
    "    def __getattr__(self, name):\n"
    "        return lambda *args, **kwargs: None\n"
    "grader = _SelfChecksNotRunHere()\n"
)


def carried_self_checks(source: str) -> bool:
    """True for the self-checks cell `make assign` puts in the student notebook, in its exact shape
    (`import types`, constants, the checker's module executed from a string, `grader = ...`): a cell
    that defines nothing but the notebook's checks, so the grader need not run it.  A cell with any
    other statement is run as it is."""
    tree = _parsed(source)
    if tree is None:
        return False
    shape = ["Import", "Assign", "Assign", "Expr", "Assign", "Assign", "Assign"]
    if [type(node).__name__ for node in tree.body] != shape:
        return False
    targets = [node.targets[0].id for node in tree.body if isinstance(node, ast.Assign)
               and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)]
    code, _module, _exec, tests, rules, made = tree.body[1:]
    return (
        [alias.name for alias in tree.body[0].names] == ["types"]
        and targets == ["SELF_CHECKS_CODE", "self_checks", "PUBLIC_TESTS", "RULES", "grader"]
        and isinstance(code.value, ast.Constant) and isinstance(code.value.value, str)
        and all(isinstance(n, (ast.Dict, ast.List, ast.Constant, ast.Load)) for n in ast.walk(tests.value))
        and all(isinstance(n, (ast.Dict, ast.List, ast.Constant, ast.Load)) for n in ast.walk(rules.value))
    )


@functools.lru_cache(maxsize=4096)  # most cells are the starter notebook's, the same in every submission
def runnable_cell(source: str) -> str:
    """The source the sandbox runs for a notebook cell: the notebook's own self-checks are not run."""
    if only_self_checks(source):
        return ""
    if carried_self_checks(source):
        return SELF_CHECKS_STAND_IN
    return source
