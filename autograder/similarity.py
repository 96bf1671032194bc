"""Pairs of submissions whose code is suspiciously similar, for the TA's summary page.

What a copy survives here: renamed variables, parameters and helper functions; functions or cells
in another order; changed or removed comments, docstrings, blank lines and type annotations;
`import numpy as np` written as `import numpy as N`.

How (all on the standard library's `ast` and `tokenize`):

1. Each code cell is parsed (IPython magics and `!commands` are blanked first); a cell that does not
   parse falls back to a plain token split, so broken code still counts.
2. The cell is cut into units: every top-level function or class is a unit of its own, the rest of
   the cell is one more unit.  Within a unit, docstrings, annotations and `grader.check(...)` calls
   are dropped and every identifier that is not a builtin or an imported module is renamed to a
   placeholder numbered by first appearance (`_0`, `_1`, ...); import aliases become module names.
3. Each unit gives a fingerprint (a hash of its normalized syntax tree, when it is big enough to be
   evidence) and the k-grams of its normalized tokens.  k-grams never cross a unit boundary, so the
   order of functions and cells does not matter.
4. Starter code: the k-grams and fingerprints of `template` (the student notebook's code cells,
   normalized the same way) are removed from every submission, and so are k-grams that most of the
   class shares (`common_fraction`), so the skeleton everyone received does not make everyone similar.
5. A pair's score is `0.6 * J(k-grams) + 0.4 * J(function fingerprints)` where J is the Jaccard index;
   it lies in [0, 1] and is 1 for a copy that differs only in the ways listed above.

The score is a lead for a person to read, never a verdict: the summary page shows the two codes side
by side with the matching functions marked.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import io
import keyword
import math
import re
import tokenize
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

K = 6  # tokens per k-gram
MIN_FINGERPRINT_TOKENS = 16  # a function shorter than this (`return h * w`) is no evidence of copying
TOKEN_WEIGHT = 0.6
FUNCTION_WEIGHT = 0.4
MATCH_THRESHOLD = 0.5  # per-function similarity from which a function pair is listed as matching

_KEEP = frozenset(dir(builtins)) | {"self", "cls"}
_MAGIC = re.compile(r"^\s*[%!]")
_FALLBACK_TOKEN = re.compile(r"[A-Za-z_]\w*|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\S")


@dataclass(frozen=True)
class FunctionMatch:
    """Two functions, one from each submission, and how similar their normalized tokens are (0..1)."""

    first: str
    second: str
    similarity: float


@dataclass(frozen=True)
class SimilarPair:
    """Two submissions (names in sorted order) and how similar their code is.

    `score` in [0, 1] ranks the pairs; `token_similarity` and `function_similarity` are its two parts;
    `matched_functions` names the function pairs that look alike, most similar first.
    """

    first: str
    second: str
    score: float
    token_similarity: float
    function_similarity: float
    matched_functions: tuple[FunctionMatch, ...] = ()


@dataclass(frozen=True)
class _Unit:
    name: str | None  # the function or class name; None for a cell's other statements
    kgrams: frozenset[int]
    fingerprint: int | None


@dataclass(frozen=True)
class _Profile:
    units: tuple[_Unit, ...]

    @property
    def kgrams(self) -> frozenset[int]:
        return frozenset().union(*(u.kgrams for u in self.units)) if self.units else frozenset()

    @property
    def fingerprints(self) -> frozenset[int]:
        return frozenset(u.fingerprint for u in self.units if u.fingerprint is not None)


def similar_pairs(
    sources: Mapping[str, Sequence[str]],
    *,
    template: Sequence[str] = (),
    top: int = 20,
    common_fraction: float = 0.5,
) -> list[SimilarPair]:
    """Return the `top` most similar pairs of submissions, highest score first.

    `sources` maps a submission name to its code cells; `template` is the code cells every student
    started from.  A k-gram present in at least `max(3, common_fraction * len(sources))` submissions
    is treated as shared starter code.  Pairs with a score of 0 are left out.
    """
    template_profile = _profile(template)
    template_kgrams = template_profile.kgrams
    template_prints = template_profile.fingerprints

    profiles = {name: _profile(cells) for name, cells in sources.items()}
    document_frequency: dict[int, int] = {}
    for profile in profiles.values():
        for gram in profile.kgrams:
            document_frequency[gram] = document_frequency.get(gram, 0) + 1
    limit = max(3, math.ceil(common_fraction * len(profiles)))
    common = {gram for gram, count in document_frequency.items() if count >= limit}
    ignored = template_kgrams | common

    cleaned = {name: _without(profile, ignored, template_prints) for name, profile in profiles.items()}
    names = sorted(cleaned)
    pairs: list[SimilarPair] = []
    for i, first in enumerate(names):
        a = cleaned[first]
        if not a.kgrams and not a.fingerprints:
            continue
        for second in names[i + 1 :]:
            b = cleaned[second]
            pair = _compare(first, a, second, b)
            if pair.score > 0:
                pairs.append(pair)
    pairs.sort(key=lambda p: (-p.score, p.first, p.second))
    return pairs[:top]


def function_spans(cells: Sequence[str]) -> dict[str, list[tuple[int, int, int]]]:
    """Return, for each top-level function or class name, where it is: (cell index, first line, last line).

    Lines are 1-based within the cell; cells that do not parse are skipped.  The summary page uses this
    to mark matching functions in its side-by-side view.
    """
    spans: dict[str, list[tuple[int, int, int]]] = {}
    for index, cell in enumerate(cells):
        tree = _parse(cell)
        if tree is None:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                spans.setdefault(node.name, []).append((index, first, node.end_lineno or node.lineno))
    return spans


# --- comparing -------------------------------------------------------------------------------------


def _jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _without(profile: _Profile, kgrams: set[int] | frozenset[int], prints: frozenset[int]) -> _Profile:
    units = []
    for unit in profile.units:
        fingerprint = unit.fingerprint if unit.fingerprint not in prints else None
        units.append(_Unit(unit.name, unit.kgrams - kgrams, fingerprint))
    return _Profile(tuple(u for u in units if u.kgrams or u.fingerprint is not None))


def _compare(first: str, a: _Profile, second: str, b: _Profile) -> SimilarPair:
    token_similarity = _jaccard(a.kgrams, b.kgrams)
    function_similarity = _jaccard(a.fingerprints, b.fingerprints)
    score = TOKEN_WEIGHT * token_similarity + FUNCTION_WEIGHT * function_similarity
    matches: list[FunctionMatch] = []
    for unit_a in a.units:
        if unit_a.name is None:
            continue
        best: FunctionMatch | None = None
        for unit_b in b.units:
            if unit_b.name is None:
                continue
            same = unit_a.fingerprint is not None and unit_a.fingerprint == unit_b.fingerprint
            similarity = 1.0 if same else _jaccard(unit_a.kgrams, unit_b.kgrams)
            if similarity >= MATCH_THRESHOLD and (best is None or similarity > best.similarity):
                best = FunctionMatch(unit_a.name, unit_b.name, round(similarity, 3))
        if best is not None:
            matches.append(best)
    matches.sort(key=lambda m: (-m.similarity, m.first))
    return SimilarPair(
        first=first,
        second=second,
        score=round(min(1.0, score), 4),
        token_similarity=round(token_similarity, 4),
        function_similarity=round(function_similarity, 4),
        matched_functions=tuple(matches),
    )


# --- normalizing -----------------------------------------------------------------------------------


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _kgrams(tokens: Sequence[str]) -> frozenset[int]:
    if not tokens:
        return frozenset()
    if len(tokens) < K:
        return frozenset({_hash("\x1f".join(tokens))})
    return frozenset(_hash("\x1f".join(tokens[i : i + K])) for i in range(len(tokens) - K + 1))


def _blank_magics(cell: str) -> str:
    return "\n".join("" if _MAGIC.match(line) else line for line in cell.splitlines())


def _parse(cell: str) -> ast.Module | None:
    try:
        return ast.parse(_blank_magics(cell))
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # deep code is compared as text
        return None


def _profile(cells: Iterable[str]) -> _Profile:
    cells = list(cells)
    trees: list[ast.Module | str] = []
    aliases: dict[str, str] = {}
    for cell in cells:
        tree = _parse(cell)
        if tree is None:
            trees.append(cell)
            continue
        trees.append(tree)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    if isinstance(node, ast.Import):
                        aliases[alias.asname or alias.name.split(".")[0]] = alias.name
                    else:
                        aliases[alias.asname or alias.name] = alias.name
    modules = frozenset(aliases)
    units: list[_Unit] = []
    for cell, tree in zip(cells, trees):
        if isinstance(tree, str):
            units.append(_fallback_unit(tree))
            continue
        try:
            rest: list[ast.stmt] = []
            cell_units: list[_Unit] = []
            for node in tree.body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    cell_units.append(_definition_unit(node, aliases, modules))
                elif not _is_noise(node):
                    rest.append(node)
            if rest:
                cell_units.append(_statements_unit(rest, aliases, modules))
        except RecursionError:  # code too deep to normalize is compared as text
            cell_units = [_fallback_unit(cell)]
        units.extend(cell_units)
    return _Profile(tuple(u for u in units if u.kgrams))


def _is_noise(node: ast.stmt) -> bool:
    """Bare strings (docstrings, notes) and `grader.check(...)` calls: not the student's work."""
    if not isinstance(node, ast.Expr):
        return False
    value = node.value
    if isinstance(value, ast.Constant):
        return True
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and isinstance(value.func.value, ast.Name)
        and value.func.value.id == "grader"
    )


class _Renamer(ast.NodeTransformer):
    """Renames identifiers to placeholders by first appearance; drops docstrings and annotations."""

    def __init__(self, aliases: Mapping[str, str], modules: frozenset[str]):
        self.names: dict[str, str] = {}
        self.aliases = aliases
        self.modules = modules

    def rename(self, name: str) -> str:
        if name in self.aliases:
            return self.aliases[name]
        if name in _KEEP or name in self.modules:
            return name
        if name not in self.names:
            self.names[name] = f"_{len(self.names)}"
        return self.names[name]

    def _strip_body(self, body: list[ast.stmt]) -> list[ast.stmt]:
        kept = [s for s in body if not _is_noise(s)]
        return kept or [ast.Pass()]

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.name = self.rename(node.name)
        node.returns = None
        node.body = self._strip_body(node.body)
        self.generic_visit(node)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        node.name = self.rename(node.name)
        node.body = self._strip_body(node.body)
        self.generic_visit(node)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self.rename(node.arg)
        node.annotation = None
        return node

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        self.generic_visit(node)
        if node.value is None:
            return ast.Pass()
        return ast.Assign(targets=[node.target], value=node.value, lineno=node.lineno)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self.rename(node.id)
        return node

    def visit_Global(self, node: ast.Global) -> ast.AST:
        node.names = [self.rename(n) for n in node.names]
        return node

    visit_Nonlocal = visit_Global  # type: ignore[assignment]

    def visit_Expr(self, node: ast.Expr) -> ast.AST | None:
        if _is_noise(node):
            return None
        self.generic_visit(node)
        return node


def _tokens(source: str) -> list[str]:
    skip = {tokenize.NL, tokenize.COMMENT, tokenize.ENCODING, tokenize.ENDMARKER}
    try:
        return [t.string or tokenize.tok_name[t.type] for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type not in skip]
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return _FALLBACK_TOKEN.findall(source)


def _definition_unit(node: ast.stmt, aliases: Mapping[str, str], modules: frozenset[str]) -> _Unit:
    name = getattr(node, "name", None)
    renamer = _Renamer(aliases, modules)
    normalized = renamer.visit(node)
    normalized = ast.fix_missing_locations(normalized)
    text = ast.unparse(normalized)
    tokens = _tokens(text)
    dump = ast.dump(normalized, annotate_fields=False, include_attributes=False)
    fingerprint = _hash(dump) if len(tokens) >= MIN_FINGERPRINT_TOKENS else None
    return _Unit(name, _kgrams(tokens), fingerprint)


def _statements_unit(nodes: list[ast.stmt], aliases: Mapping[str, str], modules: frozenset[str]) -> _Unit:
    renamer = _Renamer(aliases, modules)
    module = ast.fix_missing_locations(renamer.visit(ast.Module(body=nodes, type_ignores=[])))
    return _Unit(None, _kgrams(_tokens(ast.unparse(module))), None)


def _fallback_unit(cell: str) -> _Unit:
    """A cell that does not parse: strip comments, rename identifiers by first appearance, k-gram it."""
    text = "\n".join(line.split("#", 1)[0] for line in _blank_magics(cell).splitlines())
    names: dict[str, str] = {}
    tokens = []
    for token in _FALLBACK_TOKEN.findall(text):
        if token.isidentifier() and not keyword.iskeyword(token) and token not in _KEEP:
            token = names.setdefault(token, f"_{len(names)}")
        tokens.append(token)
    return _Unit(None, _kgrams(tokens), None)
