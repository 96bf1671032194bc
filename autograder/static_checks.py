"""Stage 2: find where a notebook breaks the assignment's rules, before anything runs.

The analysis behind the `forbidden_calls` rule kind (autograder/rules.py): a function the
assignment asks students to write themselves must not reach a forbidden library routine or
package, directly or through anything of the notebook it uses (a helper function, a class, a global bound to a routine, a default argument, a
decorator).  The check resolves names as Python does:

  - scopes: a parameter or local variable named `signal`, `cv2` or `torch` is that local value,
    not the module; class bodies are skipped by the functions inside them; `global` and
    `nonlocal` are honoured; comprehensions have their own scope;
  - imports and aliases anywhere (`import scipy.linalg as sl`, `from numpy import einsum as e`,
    `m = np` then `m.einsum`, `__import__("scipy.linalg")` and `importlib.import_module` with a
    literal name, attributes set on a module: `np.mine = np.einsum`);
  - the notebook's cells in order: what a global name is bound to when the tests run is its last
    unconditional binding (plus any conditional ones after it), so a cell that imports
    `scipy.signal` to compare results with never charges a function that does not use it.

Strings, docstrings and comments are text, never code.  Only what a rule-bound function
reaches counts; the rest of the notebook may import and call anything.

Inside rule-bound code, machinery whose only use is to hide what code runs is a breach of the
rule in itself (the grader must be able to read which routines a function calls): `ctypes`,
`gc`, `sys.modules`, `builtins`, imports by a computed name, `eval`/`exec` of computed text,
and looking a module's attribute up by a computed name (`getattr(np, "con" + "volve")`,
`vars(np)`, `np.__dict__`).
"""

from __future__ import annotations

import ast
import gc
import sys
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from IPython.core.inputtransformer2 import TransformerManager

from .load import child_nodes, parse_without_collecting, parsed_cell

_transform = TransformerManager().transform_cell

# Modules whose use inside rule-bound code hides what the code runs.  Matched as a dotted prefix.
EVASION_MODULES = {
    "ctypes": "ctypes (calls into compiled code the grader cannot read)",
    "_ctypes": "ctypes (calls into compiled code the grader cannot read)",
    "gc": "gc (reaches objects by walking the interpreter's memory)",
    "sys.modules": "sys.modules (reaches modules without importing them)",
    "sys._getframe": "sys._getframe (reads other code's variables)",
    "importlib": "importlib (imports a module the code does not name)",
}
_IMPORT_CALLS = {"builtins.__import__", "importlib.import_module", "importlib.__import__"}
_EXEC_CALLS = {"builtins.eval", "builtins.exec", "builtins.compile"}

@dataclass(frozen=True)
class RuleViolation:
    function: str
    uses: str  # the forbidden name reached, e.g. "scipy.linalg.solve", or the machinery used
    via: str = ""  # the notebook function through which it is reached, if not direct
    evasion: bool = False  # True: machinery that hides what runs (ctypes, computed imports, ...)

    def message(self, rule_message: str) -> str:
        """What the student reads on every test of the function."""
        via = f" (through {self.via})" if self.via else ""
        if self.evasion:
            return (f"{self.function} uses {self.uses}{via}. The grader must be able to read which routines your "
                    f"function calls, so code that hides them breaks the rule: {rule_message}")
        return f"{self.function} uses {self.uses}{via}: {rule_message}"


def parse_cells(cells: Iterable[str]) -> list[ast.Module]:
    """Parse each cell as IPython would see it; cells with syntax errors are skipped.

    The trees are shared and must not be changed: a cell every submission carries unchanged (the
    starter's setup, demonstration and self-check cells) is parsed once per grader (the last PARSED_CELLS distinct cells are kept)."""
    trees = []
    for source in cells:
        tree = _parse_cell(source)
        if tree is not None:
            trees.append(tree)
    return trees


PARSED_CELLS = 512  # distinct cells whose trees are kept
PARSED_MAX_CHARS = 100_000  # longer cells are parsed each time
_PARSED: "OrderedDict[str, ast.Module | None]" = OrderedDict()


_PARSED_LOCK = threading.Lock()


def _parse_cell(source: str) -> ast.Module | None:
    with _PARSED_LOCK:
        if source in _PARSED:
            _PARSED.move_to_end(source)
            return _PARSED[source]
    tree: ast.Module | None = parsed_cell(source)  # read with the notebook just now
    if tree is not None:
        return tree
    try:
        tree = parse_without_collecting(source)
    except (SyntaxError, ValueError):
        try:
            tree = parse_without_collecting(_transform(source))
        except (SyntaxError, ValueError):
            tree = None
    if len(source) <= PARSED_MAX_CHARS:
        with _PARSED_LOCK:
            _PARSED[source] = tree
            while len(_PARSED) > PARSED_CELLS:
                _PARSED.popitem(last=False)
    return tree


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    """`ast.walk(node)`: every node below `node` and itself, in the same (breadth-first) order."""
    todo = deque([node])
    while todo:
        node = todo.popleft()
        todo.extend(child_nodes(node))
        yield node


# ----------------------------------------------------------------------------- scopes and bindings


@dataclass(eq=False)
class Scope:
    kind: str  # "module", "function", "class", "comprehension"
    name: str
    parent: "Scope | None"
    node: ast.AST | None = None
    bindings: dict[str, list["Binding"]] = field(default_factory=dict)
    declared_global: set[str] = field(default_factory=set)
    declared_nonlocal: set[str] = field(default_factory=set)
    outer: list[ast.AST] = field(default_factory=list)  # decorators, defaults, bases: run in the parent scope


@dataclass(eq=False)
class Binding:
    kind: str  # "module" (a dotted path), "def" (a Scope), "expr" (an expression), "star", "unknown"
    path: str = ""
    scope: Scope | None = None  # for "def": the function's scope; for "expr": where it is evaluated
    expr: ast.AST | None = None


_UNKNOWN = Binding("unknown")


class _Builder:
    """Walks the notebook once: every scope with its bindings, and the scope of every node."""

    def __init__(self) -> None:
        self.module = Scope("module", "<notebook>", None)
        self.scope_of: dict[int, Scope] = {}
        # False while walking a cell whose text holds neither `global` nor `nonlocal`: its
        # functions then declare nothing, and their bodies need no search for declarations
        self.declarations = True
        self.attribute_sets: list[tuple[ast.AST, ast.AST, Scope]] = []  # (target, value, scope)

    # -- binding helpers
    def bind(self, scope: Scope, name: str, binding: Binding, *, replace: bool) -> None:
        if scope.kind in ("function", "comprehension") and name in scope.declared_global:
            scope, replace = self.module, False
        elif scope.kind == "function" and name in scope.declared_nonlocal:
            target = scope.parent
            while target is not None and (target.kind == "class" or name not in target.bindings) and target.kind != "module":
                target = target.parent
            scope, replace = (target or self.module), False
        if replace:
            scope.bindings[name] = [binding]
        else:
            scope.bindings.setdefault(name, []).append(binding)

    def bind_target(self, scope: Scope, target: ast.AST, value: ast.AST | None, *, replace: bool) -> None:
        if isinstance(target, ast.Name):
            self.bind(scope, target.id, Binding("expr", scope=scope, expr=value) if value is not None else _UNKNOWN, replace=replace)
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = value.elts if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts) else [None] * len(target.elts)
            for sub, sub_value in zip(target.elts, values):
                self.bind_target(scope, sub, sub_value, replace=replace)
        elif isinstance(target, ast.Starred):
            self.bind_target(scope, target.value, None, replace=replace)
        elif isinstance(target, ast.Attribute) and value is not None:
            self.attribute_sets.append((target, value, scope))

    # -- the walk
    def add_cell(self, tree: ast.Module) -> None:
        for stmt in tree.body:
            self.statement(stmt, self.module, conditional=False)

    def statements(self, body: list[ast.stmt], scope: Scope, conditional: bool) -> None:
        for stmt in body:
            self.statement(stmt, scope, conditional)

    def statement(self, stmt: ast.stmt, scope: Scope, conditional: bool) -> None:
        replace = scope.kind == "module" and not conditional
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            child = self.function_scope(stmt, scope, stmt.name)
            self.bind(scope, stmt.name, Binding("def", scope=child), replace=replace)
            return
        if isinstance(stmt, ast.ClassDef):
            child = Scope("class", stmt.name, scope, node=stmt)
            child.outer = [*stmt.decorator_list, *stmt.bases, *(k.value for k in stmt.keywords)]
            for expr in child.outer:
                self.expression(expr, scope)
            self.scope_of[id(stmt)] = child
            self.statements(stmt.body, child, conditional=False)
            self.bind(scope, stmt.name, Binding("def", scope=child), replace=replace)
            return
        if isinstance(stmt, ast.Global):
            scope.declared_global.update(stmt.names)
        elif isinstance(stmt, ast.Nonlocal):
            scope.declared_nonlocal.update(stmt.names)
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    self.bind(scope, alias.asname, Binding("module", path=alias.name), replace=replace)
                else:
                    top = alias.name.split(".")[0]
                    self.bind(scope, top, Binding("module", path=top), replace=replace)
        elif isinstance(stmt, ast.ImportFrom):
            if stmt.module and not stmt.level:
                for alias in stmt.names:
                    if alias.name == "*":
                        self.bind(scope, "*", Binding("star", path=stmt.module), replace=False)
                    else:
                        self.bind(scope, alias.asname or alias.name, Binding("module", path=f"{stmt.module}.{alias.name}"), replace=replace)
            else:
                for alias in stmt.names:
                    if alias.name != "*":
                        self.bind(scope, alias.asname or alias.name, _UNKNOWN, replace=replace)
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                self.bind_target(scope, target, stmt.value, replace=replace)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            self.bind_target(scope, stmt.target, stmt.value, replace=replace)
        elif isinstance(stmt, ast.AugAssign):
            self.bind_target(scope, stmt.target, stmt.value, replace=False)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            self.bind_target(scope, stmt.target, None, replace=False)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                if item.optional_vars is not None:
                    self.bind_target(scope, item.optional_vars, None, replace=False)
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            for handler in stmt.handlers:
                if handler.name:
                    self.bind(scope, handler.name, _UNKNOWN, replace=False)
        elif isinstance(stmt, ast.Match):
            for case in stmt.cases:
                for node in ast.walk(case.pattern):
                    name = getattr(node, "name", None)
                    if isinstance(name, str):
                        self.bind(scope, name, _UNKNOWN, replace=False)
        # expressions of this statement, then nested statement bodies (conditional for the module)
        for name in stmt._fields:
            value = getattr(stmt, name, None)
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, ast.expr):
                    self.expression(item, scope)
                elif isinstance(item, ast.stmt):
                    self.statement(item, scope, conditional=True)
                elif isinstance(item, (ast.excepthandler, ast.match_case)):
                    for sub in child_nodes(item):
                        if isinstance(sub, ast.expr):
                            self.expression(sub, scope)
                        elif isinstance(sub, ast.stmt):
                            self.statement(sub, scope, conditional=True)
                elif isinstance(item, ast.withitem):
                    self.expression(item.context_expr, scope)
        self.scope_of[id(stmt)] = scope

    def function_scope(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, parent: Scope, name: str) -> Scope:
        child = Scope("function", name, parent, node=node)
        args = node.args
        child.outer = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
        if not isinstance(node, ast.Lambda):
            child.outer.extend(node.decorator_list)
        for expr in child.outer:
            self.expression(expr, parent)
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is not None:
                child.bindings[arg.arg] = [_UNKNOWN]
        self.scope_of[id(node)] = child
        if isinstance(node, ast.Lambda):
            self.expression(node.body, child)
        else:
            # global/nonlocal declarations apply to the whole body, wherever they stand
            for sub in _walk(node) if self.declarations else ():
                if sub is not node and isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                    continue
                if isinstance(sub, ast.Global):
                    child.declared_global.update(sub.names)
                elif isinstance(sub, ast.Nonlocal):
                    child.declared_nonlocal.update(sub.names)
            self.statements(node.body, child, conditional=True)
        return child

    def expression(self, expr: ast.AST, scope: Scope) -> None:
        """Record the scope of every node of `expr`; lambdas, comprehensions and walruses make or change scopes."""
        if isinstance(expr, ast.Lambda):
            self.scope_of[id(expr)] = scope
            self.function_scope(expr, scope, "<lambda>")
            return
        if isinstance(expr, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            self.scope_of[id(expr)] = scope
            child = Scope("comprehension", "<comprehension>", scope, node=expr)
            for generator in expr.generators:
                self.bind_target(child, generator.target, None, replace=False)
            for sub in child_nodes(expr):
                self.expression(sub, child)
            return
        if isinstance(expr, ast.NamedExpr):
            target = scope
            while target.kind == "comprehension" and target.parent is not None:
                target = target.parent
            self.bind(target, expr.target.id, Binding("expr", scope=scope, expr=expr.value), replace=False)
        self.scope_of[id(expr)] = scope
        for sub in child_nodes(expr):
            if isinstance(sub, ast.stmt):
                self.statement(sub, scope, conditional=True)
            else:
                self.expression(sub, scope)


# ----------------------------------------------------------------------------- resolution


def _literal_string(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


@dataclass(frozen=True)
class _Found:
    uses: str
    evasion: bool
    via: str


class _Resolver:
    def __init__(self, builder: _Builder, forbidden: tuple[str, ...]):
        self.b = builder
        self.forbidden = forbidden
        self.attribute_values: dict[str, list[tuple[ast.AST, Scope]]] | None = None

    # -- what names and expressions stand for
    def lookup(self, name: str, scope: Scope) -> list[Binding]:
        start = scope
        while scope is not None:
            if scope.kind in ("function", "comprehension") and name in scope.declared_global:
                scope = self.b.module
                continue
            if scope.kind == "module":
                if name in scope.bindings:
                    return scope.bindings[name]
                stars = [Binding("module", path=f"{s.path}.{name}") for s in scope.bindings.get("*", [])]
                return stars or [Binding("module", path=f"builtins.{name}")]
            if (scope.kind != "class" or scope is start) and name in scope.bindings and name not in scope.declared_nonlocal:
                return scope.bindings[name]
            scope = scope.parent
        return []

    def paths(self, expr: ast.AST, scope: Scope, seen: frozenset = frozenset()) -> set[str]:
        """The dotted library paths `expr` may evaluate to (a module or a routine)."""
        if id(expr) in seen:
            return set()
        seen = seen | {id(expr)}
        if isinstance(expr, ast.Name):
            out = set()
            for binding in self.lookup(expr.id, scope):
                if binding.kind == "module":
                    out.add(binding.path)
                elif binding.kind == "expr" and binding.expr is not None:
                    out |= self.paths(binding.expr, binding.scope, seen)
            return out
        if isinstance(expr, ast.Attribute):
            out = {f"{p}.{expr.attr}" for p in self.paths(expr.value, scope, seen)}
            for path in list(out):
                for value, value_scope in self.attribute_assignments().get(path, []):
                    out |= self.paths(value, value_scope, seen)
            return out
        if isinstance(expr, ast.Call):
            funcs = self.paths(expr.func, scope, seen)
            first = _literal_string(expr.args[0]) if expr.args else None
            if first and funcs & _IMPORT_CALLS:
                fromlist = len(expr.args) >= 4 or any(k.arg == "fromlist" for k in expr.keywords) or "builtins.__import__" not in funcs
                return {first if fromlist else first.split(".")[0]}
            if "builtins.getattr" in funcs and len(expr.args) >= 2 and _literal_string(expr.args[1]):
                return {f"{p}.{expr.args[1].value}" for p in self.paths(expr.args[0], scope, seen)}
            return set()
        if isinstance(expr, ast.IfExp):
            return self.paths(expr.body, scope, seen) | self.paths(expr.orelse, scope, seen)
        if isinstance(expr, ast.BoolOp):
            return set().union(*(self.paths(v, scope, seen) for v in expr.values))
        if isinstance(expr, ast.NamedExpr):
            return self.paths(expr.value, scope, seen)
        return set()

    def attribute_assignments(self) -> dict[str, list[tuple[ast.AST, Scope]]]:
        """`np.mine = np.einsum` anywhere in the notebook: the path numpy.mine stands for that value."""
        if self.attribute_values is None:
            self.attribute_values = {}
            for target, value, scope in self.b.attribute_sets:
                for base in self.paths(target.value, scope):
                    self.attribute_values.setdefault(f"{base}.{target.attr}", []).append((value, scope))
        return self.attribute_values

    def forbidden_match(self, path: str) -> bool:
        for prefix in self.forbidden:
            if path == prefix or path.startswith(prefix + "."):
                return True
            package, _, routine = prefix.rpartition(".")
            # numpy.dot also lives at numpy._core.multiarray.dot and the like
            if package and path.startswith(package + ".") and path.endswith("." + routine):
                return True
        return False

    @staticmethod
    def evasion_of(path: str) -> str | None:
        for prefix, why in EVASION_MODULES.items():
            if path == prefix or path.startswith(prefix + "."):
                if path == "importlib" or path in _IMPORT_CALLS:
                    return None  # judged at the call: a literal name is an ordinary import
                return why
        return None

    # -- what a piece of code reaches
    def reach(self, root: Scope, via: str) -> Iterator[_Found]:
        """Every forbidden routine and every evasion that code in `root` (and what it uses) reaches."""
        done: set[int] = set()
        stack: list[tuple[Scope | tuple[ast.AST, Scope], str]] = [(root, via)]
        while stack:
            item, via = stack.pop()
            if isinstance(item, Scope):
                if id(item) in done:
                    continue
                done.add(id(item))
                nodes = [(n, self.b.scope_of.get(id(n), item)) for n in self.body_nodes(item)]
                nodes += [(n, self.b.scope_of.get(id(n), item.parent)) for expr in item.outer for n in _walk(expr)]
            else:
                expr, scope = item
                if id(expr) in done:
                    continue
                done.add(id(expr))
                nodes = [(n, self.b.scope_of.get(id(n), scope)) for n in _walk(expr)]
            for node, scope in nodes:
                yield from self.judge(node, scope, via, stack)

    def body_nodes(self, scope: Scope) -> Iterator[ast.AST]:
        node = scope.node
        if isinstance(node, ast.Lambda):
            yield from _walk(node.body)
            return
        for stmt in getattr(node, "body", []):
            if _is_docstring(stmt):
                continue
            yield from _walk(stmt)

    def judge(self, node: ast.AST, scope: Scope, via: str, stack: list) -> Iterator[_Found]:
        if isinstance(node, (ast.Name, ast.Attribute)) and not isinstance(node.ctx, ast.Store):
            for path in self.paths(node, scope):
                if self.forbidden_match(path):
                    yield _Found(path, False, via)
                why = self.evasion_of(path)
                if why:
                    yield _Found(why, True, via)
            if isinstance(node, ast.Name) and (node.id == "__builtins__" or any(
                    b.kind == "module" and b.path == "builtins" for b in self.lookup(node.id, scope))):
                yield _Found("builtins (reaches the import machinery by another name)", True, via)
            if isinstance(node, ast.Attribute) and node.attr == "__dict__" and self.module_paths(node.value, scope):
                yield _Found("a module's __dict__ (looks routines up by a computed name)", True, via)
            if isinstance(node, ast.Name):
                for binding in self.lookup(node.id, scope):
                    if binding.kind == "def" and binding.scope is not None:
                        stack.append((binding.scope, via or node.id))
                    elif binding.kind == "expr" and binding.expr is not None and binding.scope is not None:
                        stack.append(((binding.expr, binding.scope), via or (node.id if binding.scope is self.b.module else "")))
        elif isinstance(node, ast.Call):
            yield from self.judge_call(node, scope, via, stack)

    def module_paths(self, expr: ast.AST, scope: Scope) -> set[str]:
        return {p for p in self.paths(expr, scope) if not p.startswith("builtins.")}

    def judge_call(self, call: ast.Call, scope: Scope, via: str, stack: list) -> Iterator[_Found]:
        for path in self.paths(call, scope):  # importlib.import_module("scipy.linalg"), getattr(np, "einsum")
            if self.forbidden_match(path):
                yield _Found(path, False, via)
        funcs = self.paths(call.func, scope)
        first = call.args[0] if call.args else None
        if funcs & _IMPORT_CALLS and _literal_string(first) is None:
            yield _Found("an import by a computed name (__import__ or importlib with a name that is not written out)", True, via)
        if funcs & _EXEC_CALLS:
            text = _literal_string(first)
            tree = None
            if text is not None:
                try:
                    tree = ast.parse(text, mode="exec")
                except SyntaxError:
                    tree = None
            if tree is None:
                yield _Found("eval/exec of text built at run time", True, via)
            else:  # literal code is read like the code around it
                for stmt in tree.body:
                    self.b.statement(stmt, scope, conditional=True)
                    stack.append(((stmt, scope), via))
        if "builtins.getattr" in funcs or "builtins.setattr" in funcs or "builtins.delattr" in funcs:
            if len(call.args) >= 2 and _literal_string(call.args[1]) is None and self.module_paths(call.args[0], scope):
                yield _Found("getattr on a module with a computed name (looks a routine up by a name that is not written out)", True, via)
        if "builtins.vars" in funcs and first is not None and self.module_paths(first, scope):
            yield _Found("vars() of a module (looks routines up by a computed name)", True, via)


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


ANALYSIS_DEPTH = 25_000  # Python frames the analysis may use: the parser itself refuses code nested deeper


def find_rule_violations(cells: Iterable[str], *, functions: Iterable[str], forbidden: Iterable[str]) -> dict[str, RuleViolation]:
    """Map each rule-bound function name to how it reaches a forbidden routine, if it does.

    A library routine reached is reported before evasion machinery, so the message names the
    routine whenever the code names it.  Code that Python can run but that is nested too deeply
    to be read (an expression of thousands of terms) fails closed: every rule-bound function the
    notebook defines is charged, since what it reaches cannot be told.
    """
    cells = list(cells)
    functions = list(functions)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, ANALYSIS_DEPTH))
    paused = gc.isenabled()  # the analysis makes many small objects: collect them once, afterwards
    if paused:
        gc.disable()
    try:
        return _find(cells, functions, tuple(forbidden))
    except RecursionError:
        defined = {n for tree in _parsed_or_empty(cells) for n in _top_level_names(tree)}
        why = "code nested too deeply for the grader to read (an expression of thousands of terms)"
        return {name: RuleViolation(function=name, uses=why, evasion=True) for name in functions if name in defined}
    finally:
        sys.setrecursionlimit(limit)
        if paused:
            gc.enable()


def _parsed_or_empty(cells: list[str]) -> list[ast.Module]:
    try:
        return parse_cells(cells)
    except RecursionError:
        return []


def _top_level_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _find(cells: list[str], functions: list[str], forbidden: tuple[str, ...]) -> dict[str, RuleViolation]:
    builder = _Builder()
    for source in cells:
        tree = _parse_cell(source)
        if tree is not None:
            builder.declarations = "global" in source or "nonlocal" in source
            builder.add_cell(tree)
    builder.declarations = True  # literal code given to exec, read later, is searched
    resolver = _Resolver(builder, forbidden)
    violations: dict[str, RuleViolation] = {}
    for name in functions:
        bindings = builder.module.bindings.get(name, [])
        found: list[_Found] = []
        for binding in bindings:
            if binding.kind == "def" and binding.scope is not None:
                found.extend(resolver.reach(binding.scope, ""))
            elif binding.kind == "expr" and binding.expr is not None:
                holder = Scope("function", name, builder.module, node=None)
                holder.outer = [binding.expr]
                found.extend(resolver.reach(holder, ""))
            elif binding.kind == "module" and resolver.forbidden_match(binding.path):
                found.append(_Found(binding.path, False, ""))
        if found:
            first = next((f for f in found if not f.evasion), found[0])
            violations[name] = RuleViolation(function=name, uses=first.uses, via=first.via, evasion=first.evasion)
    return violations
