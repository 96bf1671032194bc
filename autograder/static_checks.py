"""Stage 2: find where a notebook breaks the assignment's rules, before anything runs.

The rule checked here is "own arithmetic": a function the assignment asks students to write
themselves must not reach a library convolution, directly or through another function of the
notebook.  Names are resolved through the notebook's own import aliases (`import scipy.signal
as sps`, `from numpy import convolve as c`), and string constants naming a forbidden module
(`__import__("scipy.signal")`) count too.  The sandbox adds a run-time tripwire on numpy's
routines for what a static reading cannot see.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterable

from IPython.core.inputtransformer2 import TransformerManager

_transform = TransformerManager().transform_cell


@dataclass(frozen=True)
class RuleViolation:
    function: str
    uses: str  # the forbidden name reached, e.g. "scipy.signal.convolve2d"
    via: str = ""  # the notebook function through which it is reached, if not direct


def parse_cells(cells: Iterable[str]) -> list[ast.Module]:
    """Parse each cell as IPython would see it; cells with syntax errors are skipped."""
    trees = []
    for source in cells:
        try:
            trees.append(ast.parse(source))
            continue
        except (SyntaxError, ValueError):
            pass
        try:
            trees.append(ast.parse(_transform(source)))
        except (SyntaxError, ValueError):
            continue
    return trees


def _aliases(trees: list[ast.Module]) -> dict[str, str]:
    """Names bound by the notebook's imports at module level (imports inside a function are
    matched where they stand)."""
    aliases: dict[str, str] = {}
    pending = [node for tree in trees for node in tree.body]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    aliases[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            pending.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt))
    return aliases


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    head = aliases.get(node.id, node.id)
    return ".".join([head, *reversed(parts)])


def _forbidden_in(node: ast.AST, aliases: dict[str, str], forbidden: tuple[str, ...]) -> str | None:
    def match(name: str) -> str | None:
        for prefix in forbidden:
            if name == prefix or name.startswith(prefix + "."):
                return name
            package, _, routine = prefix.rpartition(".")
            # numpy.convolve also lives at numpy._core.numeric.convolve and the like
            if package and name.startswith(package + ".") and name.endswith("." + routine):
                return name
        return None

    for sub in ast.walk(node):
        name = None
        if isinstance(sub, (ast.Attribute, ast.Name)):
            name = _dotted(sub, aliases)
        elif isinstance(sub, ast.Import):
            name = next((m for m in (a.name for a in sub.names) if match(m)), None)
        elif isinstance(sub, ast.ImportFrom) and sub.module:
            name = next((f"{sub.module}.{a.name}" for a in sub.names if match(f"{sub.module}.{a.name}")), None)
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str) and len(sub.value) < 200:
            name = sub.value.strip()
        if name and match(name):
            return name
    return None


def find_rule_violations(cells: Iterable[str], *, functions: Iterable[str], forbidden: Iterable[str]) -> dict[str, RuleViolation]:
    """Map each rule-bound function name to how it reaches a forbidden routine, if it does."""
    trees = parse_cells(cells)
    forbidden = tuple(forbidden)
    aliases = _aliases(trees)
    defs: dict[str, ast.AST] = {}
    for tree in trees:
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                defs[node.name] = node
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Lambda):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        defs[target.id] = node.value
            elif isinstance(node, ast.Assign):
                # conv2d = scipy.signal.convolve2d binds the name straight to a library routine
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        defs[target.id] = node.value
    direct: dict[str, str | None] = {}  # walked lazily: only what rule-bound functions reach
    calls: dict[str, set[str]] = {}

    def reaches(name: str) -> str | None:
        if name not in direct:
            direct[name] = _forbidden_in(defs[name], aliases, forbidden)
        return direct[name]

    def callees(name: str) -> set[str]:
        if name not in calls:
            calls[name] = {n.id for n in ast.walk(defs[name]) if isinstance(n, ast.Name) and n.id in defs and n.id != name}
        return calls[name]

    violations = {}
    for name in functions:
        if name not in defs:
            continue
        seen, stack = {name}, [(name, "")]
        while stack:
            current, via = stack.pop()
            if reaches(current):
                violations[name] = RuleViolation(function=name, uses=direct[current], via=via if current != name else "")
                break
            for callee in callees(current):
                if callee not in seen:
                    seen.add(callee)
                    stack.append((callee, via or callee))
    return violations
