"""Pairs of submissions whose code is suspiciously similar, for the TA's summary page.

What a copy survives here: renamed variables, parameters and helper functions; functions or cells
in another order; changed or removed comments, docstrings, blank lines and type annotations;
`import numpy as np` written as `import numpy as N`; other quotes around the same string.

How (a tokenizer of its own, one regular expression, no syntax tree: hostile code such as ten
thousand nested brackets or indents costs linear time and can neither crash nor recurse):

1. Each code cell is cut into tokens (IPython magics and `!commands` are blanked first; a cell that
   would not parse is tokenized all the same, so broken code still counts) and the tokens into
   logical lines.
2. The cell is cut into units: every top-level function or class (with its decorators) is a unit of
   its own, the rest of the cell is one more unit.  Within a unit, docstrings and other bare strings,
   annotations, comments and `grader.check(...)` calls are dropped; every identifier that is not a
   keyword, a builtin, an attribute, a keyword argument or an imported module is renamed to a
   placeholder numbered by first appearance (`_0`, `_1`, ...); import aliases become module names.
3. Each unit gives a fingerprint (a hash of all its normalized tokens, when it is big enough to be
   evidence) and its winnowed k-grams, as MOSS does: of the hashes of every K consecutive normalized
   tokens, the smallest of every WINDOW consecutive ones is kept, so any run of WINDOW + K - 1 tokens
   two units share leaves a hash they share.  k-grams never cross a unit boundary, so the order of
   functions and cells does not matter.
4. Starter code: the k-grams and fingerprints of `template` (the student notebook's code cells,
   normalized the same way) are removed from every submission, and so are k-grams that most of the
   class shares (`common_fraction`), so the skeleton everyone received does not make everyone similar.
   A cell copied unchanged from the template is not even read.
5. Candidates: an index maps each winnowed k-gram to the submissions holding it; one held by more
   than `max_shared` submissions is ordinary code and no lead.  Only pairs that share rare k-grams are
   compared, those sharing the most first, within fixed budgets: the work grows with the class, not
   with its square.
6. A compared pair's score is `0.6 * J(k-grams) + 0.4 * J(function fingerprints)` where J is the
   Jaccard index of the winnowed k-grams; it lies in [0, 1] and is 1 for a copy that differs only in
   the ways listed above.

Profiles (steps 1 to 3) are computed in parallel worker processes for large classes.  The score is a
lead for a person to read, never a verdict: the summary page shows the two codes side by side with
the matching functions marked.
"""

from __future__ import annotations

import builtins
import hashlib
import heapq
import keyword
import math
import multiprocessing
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from itertools import combinations
from typing import Iterable, Iterator, Mapping, Sequence

K = 6  # tokens per k-gram
WINDOW = 4  # winnowing window: every shared run of WINDOW + K - 1 tokens is found
MIN_FINGERPRINT_TOKENS = 16  # a function shorter than this (`return h * w`) is no evidence of copying
TOKEN_WEIGHT = 0.6
FUNCTION_WEIGHT = 0.4
MATCH_THRESHOLD = 0.5  # per-function similarity from which a function pair is listed as matching
MAX_SOURCE_CHARS = 256_000  # code beyond this in one submission is not compared (bounded time per submission)
PARALLEL_FROM = 400  # classes at least this big get their profiles computed in worker processes
PAIR_BUDGET = 1_000_000  # pair counts made from the index of winnowed k-grams, at most
COMPARE_BUDGET = 20_000  # candidate pairs scored, at most

_KEEP = frozenset(dir(builtins)) | {"self", "cls"}
_KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)
_HEADERS = _KEYWORDS | {"print"}  # a line starting with one of these is no variable annotation
_MAGIC = re.compile(r"^[ \t]*[%!]")
# One token per match, the whitespace before it skipped: a newline with the next line's indentation,
# a comment, a string (prefix included; one that never ends runs to the end of its line or cell),
# a name, a number, an operator, or any other character.  Loops are possessive: once a string has
# begun it always ends here, so no input makes the scan quadratic.
_TOKEN = re.compile(
    r"""(?:[ \t\f]|\\\r?\n)*+(
    (?:\r?\n[ \t\f]*)+
    |\#[^\r\n]*
    |[rRbBuUfF]{0,2}(?:'''(?:[^'\\]|\\(?:[\s\S]|\Z)|'(?!''))*+(?:'''|\Z)|\"\"\"(?:[^"\\]|\\(?:[\s\S]|\Z)|"(?!""))*+(?:\"\"\"|\Z)
        |'(?:[^'\\\r\n]|\\(?:[\s\S]|\Z))*+(?:'|(?=[\r\n])|\Z)|"(?:[^"\\\r\n]|\\(?:[\s\S]|\Z))*+(?:"|(?=[\r\n])|\Z))
    |[^\W\d]\w*
    |\d[\w.]*|\.\d\w*
    |\*\*=?|//=?|>>=?|<<=?|->|:=|\.\.\.|[-+*/%&|^@=!<>]=
    |\S)""",
    re.VERBOSE,
)
_NUMBERED_TOKEN = re.compile(r"((?:[ \t\f]|\\\r?\n)*+)" + _TOKEN.pattern[_TOKEN.pattern.index("(\n"):], re.VERBOSE)
_OPEN = frozenset("([{")
_CLOSE = frozenset(")]}")
_QUOTES = frozenset("'\"")
_PREFIXES = frozenset("rRbBuUfF")
_UNCHANGED = _KEYWORDS | _KEEP
_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")


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
    winnowed: frozenset[int] = frozenset()  # the k-gram hashes winnowing kept, for the index

    @cached_property
    def kgrams(self) -> frozenset[int]:
        return frozenset().union(*(u.kgrams for u in self.units))

    @cached_property
    def fingerprints(self) -> frozenset[int]:
        return frozenset(u.fingerprint for u in self.units if u.fingerprint is not None)


def similar_pairs(
    sources: Mapping[str, Sequence[str]],
    *,
    template: Sequence[str] = (),
    top: int = 20,
    common_fraction: float = 0.5,
    max_shared: int | None = None,
    workers: int | None = None,
) -> list[SimilarPair]:
    """Return the `top` most similar pairs of submissions, highest score first.

    `sources` maps a submission name to its code cells; `template` is the code cells every student
    started from.  A k-gram present in at least `max(3, common_fraction * len(sources))` submissions
    is treated as shared starter code.  Only pairs sharing a winnowed k-gram that at most `max_shared`
    submissions hold are candidates (default: `max(10, 2 * sqrt(len(sources)))`); rarer shared
    k-grams are indexed first, and at most COMPARE_BUDGET candidates, those whose shared winnowed
    k-grams are the largest part of their code, are scored.  Pairs with a score of 0 are left out.
    `workers` processes compute the profiles (default: one per core, for classes of PARALLEL_FROM or more).
    """
    names = sorted(sources)
    template_profile = _profile(template, every_kgram=True)
    template_kgrams = template_profile.kgrams
    template_prints = template_profile.fingerprints
    starter = _Starter(frozenset(template), _imports_of(template))
    profiles = _profiles([sources[name] for name in names], starter, workers)

    document_frequency: Counter[int] = Counter()
    for profile in profiles:
        document_frequency.update(profile.kgrams)
    limit = max(3, math.ceil(common_fraction * len(profiles)))
    ignored = template_kgrams | {gram for gram, count in document_frequency.items() if count >= limit}
    if max_shared is None:
        max_shared = max(10, math.ceil(2 * math.sqrt(len(profiles))))
    max_shared = min(max_shared, limit - 1)

    candidates = _candidates(profiles, ignored, max_shared)
    cleaned: dict[int, _Profile] = {}
    scored: list[tuple[float, str, str, int, int]] = []
    for i, j in candidates:
        for index in (i, j):
            if index not in cleaned:
                cleaned[index] = _without(profiles[index], ignored, template_prints)
        score = _score(cleaned[i], cleaned[j])
        if score > 0:
            scored.append((-score, names[i], names[j], i, j))
    scored.sort()
    return [_compare(names[i], cleaned[i], names[j], cleaned[j]) for _, _, _, i, j in scored[:top]]


def _candidates(profiles: Sequence[_Profile], ignored: frozenset[int] | set[int], max_shared: int) -> list[tuple[int, int]]:
    """Pairs (i < j) worth scoring: those sharing rare winnowed k-grams, most shared first.

    The index maps each winnowed k-gram to the submissions that hold it; k-grams held by one
    submission or by more than `max_shared` are no lead.  Rarest k-grams are counted first, until
    PAIR_BUDGET pair counts are made, so the work is bounded whatever the class looks like.
    """
    postings: dict[int, list[int]] = {}
    for index, profile in enumerate(profiles):
        for gram in profile.winnowed - ignored:
            postings.setdefault(gram, []).append(index)
    size = len(profiles)
    shared: Counter[int] = Counter()
    indexed = [0] * size  # how many of each submission's k-grams took part
    budget = PAIR_BUDGET
    for holders in sorted((h for h in postings.values() if 2 <= len(h) <= max_shared), key=len):
        budget -= len(holders) * (len(holders) - 1) // 2
        if budget < 0:
            break
        for index in holders:
            indexed[index] += 1
        shared.update(a * size + b for a, b in combinations(holders, 2))
    if len(shared) > COMPARE_BUDGET:  # one rare k-gram in common is chance when there are this many leads
        shared = Counter({key: count for key, count in shared.items() if count > 1})
    estimates = []
    for key, count in shared.items():
        i, j = divmod(key, size)
        estimates.append((-count / (indexed[i] + indexed[j] - count), key))
    return [divmod(key, size) for _, key in heapq.nsmallest(COMPARE_BUDGET, estimates)]


def function_spans(cells: Sequence[str]) -> dict[str, list[tuple[int, int, int]]]:
    """Return, for each top-level function or class name, where it is: (cell index, first line, last line).

    Lines are 1-based within the cell, decorators included.  The summary page uses this to mark
    matching functions in its side-by-side view.
    """
    spans: dict[str, list[tuple[int, int, int]]] = {}
    for index, cell in enumerate(cells):
        if "def" not in cell and "class" not in cell:
            continue
        current: tuple[str, int] | None = None  # (name, first line) of the open definition
        last = 0
        decorator_line: int | None = None
        for indent, tokens, first, end in _numbered_lines(cell):
            if indent == 0:
                if current is not None:
                    spans.setdefault(current[0], []).append((index, current[1], last))
                    current = None
                if tokens[0] == "@":
                    decorator_line = first if decorator_line is None else decorator_line
                    continue
                name = _definition_name(tokens)
                if name is not None:
                    current = (name, first if decorator_line is None else decorator_line)
                decorator_line = None
            last = end
        if current is not None:
            spans.setdefault(current[0], []).append((index, current[1], last))
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


def _score(a: _Profile, b: _Profile) -> float:
    return TOKEN_WEIGHT * _jaccard(a.kgrams, b.kgrams) + FUNCTION_WEIGHT * _jaccard(a.fingerprints, b.fingerprints)


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


# --- profiles, in parallel -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Starter:
    """The template's cells (a submission's unchanged copy of one adds nothing) and its imports."""

    cells: frozenset[str] = frozenset()
    aliases: Mapping[str, str] = field(default_factory=dict)


_WORK: tuple[list[Sequence[str]], _Starter] = ([], _Starter())  # read by forked workers in place


def _profile_at(index: int) -> _Profile:
    return _profile(_WORK[0][index], _WORK[1])


def _profiles(class_sources: list[Sequence[str]], starter: _Starter, workers: int | None) -> list[_Profile]:
    """One profile per submission; worker processes (forked, so they read the sources in place) for big classes."""
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if len(class_sources) >= PARALLEL_FROM else 1
    workers = min(workers, len(class_sources))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [_profile(cells, starter) for cells in class_sources]
    global _WORK
    _WORK = (class_sources, starter)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_profile_at, range(len(class_sources)), chunksize=max(1, len(class_sources) // (8 * workers)))
    finally:
        _WORK = ([], _Starter())


# --- normalizing -----------------------------------------------------------------------------------

_IDS: dict[str, int] = {}


def _token_id(text: str) -> int:
    """A stable 63-bit number for a normalized token (the same in every process and every run)."""
    value = int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big") >> 1
    if len(_IDS) < 1_000_000:
        _IDS[text] = value
    return value


def _kgram_hashes(ids: list[int]) -> list[int]:
    """Hashes of every K consecutive ids, in order (one hash for a unit shorter than K)."""
    if len(ids) < K:
        return [hash(tuple(ids))] if ids else []
    return list(map(hash, zip(*(ids[i : len(ids) - K + 1 + i] for i in range(K)))))


def _winnow(hashes: list[int]) -> set[int]:
    """MOSS's winnowing: the smallest hash of every WINDOW consecutive ones."""
    if len(hashes) <= WINDOW:
        return {min(hashes)} if hashes else set()
    return set(map(min, zip(*(hashes[i : len(hashes) - WINDOW + 1 + i] for i in range(WINDOW)))))


def _blank_magics(cell: str) -> str:
    """The cell without IPython magics and `!commands`, and without trailing whitespace (which no
    token follows, so that no scan of it can start over and over)."""
    if "%" in cell or "!" in cell:
        cell = "\n".join("" if _MAGIC.match(line) else line for line in cell.split("\n"))
    return cell.rstrip()


def _is_string(token: str) -> bool:
    return token[0] in _QUOTES or (token[0] in _PREFIXES and ("'" in token[:3] or '"' in token[:3]))


def _is_name(token: str) -> bool:
    return (token[0].isalpha() or token[0] == "_") and not _is_string(token)


def _indent_width(newline: str) -> int:
    return len(newline[max(newline.rfind("\n"), newline.rfind("\r")) + 1 :].expandtabs(8))


def _logical_lines(cell: str) -> list[tuple[int, list[str]]]:
    """(indent width, tokens) of each logical line of code; comments and blank lines dropped.

    Brackets join physical lines.  Unbalanced brackets or a string that never ends cannot stop it:
    the rest of the cell becomes one line.  Nothing recurses, whatever the nesting.
    """
    lines: list[tuple[int, list[str]]] = []
    depth = 0
    indent = 0
    tokens: list[str] = []
    for token in _TOKEN.findall(_blank_magics(cell)):
        first = token[0]
        if first == "\n" or first == "\r":
            if depth == 0:
                if tokens:
                    lines.append((indent, tokens))
                    tokens = []
                indent = _indent_width(token)
        elif first != "#":
            if token in _OPEN:
                depth += 1
            elif token in _CLOSE and depth:
                depth -= 1
            tokens.append(token)
    if tokens:
        lines.append((indent, tokens))
    return lines


def _numbered_lines(cell: str) -> Iterator[tuple[int, list[str], int, int]]:
    """Like `_logical_lines`, with the first and last physical line (1-based) of each logical line."""
    depth = 0
    indent = 0
    line = 1
    first_line = 1
    tokens: list[str] = []
    for skipped, token in _NUMBERED_TOKEN.findall(_blank_magics(cell)):
        if skipped:
            line += skipped.count("\n")  # backslash continuations
        if token[0] == "\n" or token[0] == "\r":
            if depth == 0:
                if tokens:
                    yield indent, tokens, first_line, line
                    tokens = []
                indent = _indent_width(token)
            line += token.count("\n")
        elif token[0] != "#":
            if not tokens:
                first_line = line
            if token in _OPEN:
                depth += 1
            elif token in _CLOSE and depth:
                depth -= 1
            elif "\n" in token:  # a string over several lines
                line += token.count("\n")
            tokens.append(token)
    if tokens:
        yield indent, tokens, first_line, line


def _definition_name(tokens: list[str]) -> str | None:
    """The name a `def`, `async def` or `class` line defines, else None."""
    words = tokens[1:3] if tokens[0] == "async" else tokens[:2]
    if len(words) == 2 and words[0] in ("def", "class") and words[1].isidentifier() and not _is_string(words[1]):
        return words[1]
    return None


def _imports(lines: Iterable[list[str]]) -> dict[str, str]:
    """alias -> module or imported name, from every `import` and `from ... import` line."""
    aliases: dict[str, str] = {}
    for tokens in lines:
        if tokens[0] not in ("import", "from"):
            continue
        words = [token for token in tokens if token not in _OPEN and token not in _CLOSE]
        if words[0] == "from":
            if "import" not in words:
                continue
            words = words[words.index("import") + 1 :]
        else:
            words = words[1:]
        clause: list[str] = []
        for word in [*words, ","]:
            if word != ",":
                clause.append(word)
                continue
            if "as" in clause and clause.index("as") + 1 < len(clause):
                at = clause.index("as")
                aliases[clause[at + 1]] = "".join(clause[:at])
            elif clause and clause[0].isidentifier():
                name = "".join(clause)
                aliases[name.split(".")[0]] = name.split(".")[0] if tokens[0] == "import" else name
            clause = []
    return aliases


def _strip_annotations(tokens: list[str]) -> list[str]:
    """Drop parameter, return and variable annotations from one logical line."""
    if ":" not in tokens and "->" not in tokens:
        return tokens
    head = tokens[1] if tokens[0] == "async" and len(tokens) > 1 else tokens[0]
    if head == "def":
        kept: list[str] = []
        depth = 0
        skipping = False  # inside a parameter's annotation
        default = False  # inside a default value (a lambda's ':' there is no annotation)
        returns = False  # inside the return annotation
        header = True
        for token in tokens:
            if header:
                if token in _OPEN:
                    depth += 1
                elif token in _CLOSE:
                    depth -= 1
                if returns:
                    if depth == 0 and token == ":":
                        header = returns = False
                        kept.append(token)
                    continue
                if depth == 0 and token == "->":
                    returns = True
                    continue
                if depth == 0 and token == ":":
                    header = False
                elif depth == 0 and token == ")":
                    skipping = False
                elif depth == 1 and token == ",":
                    skipping = default = False
                elif depth == 1 and token == "=":
                    skipping, default = False, True
                elif depth == 1 and token == ":" and not default:
                    skipping = True
                if skipping:
                    continue
            kept.append(token)
        return kept
    if head in _HEADERS or not _is_name(head):
        return tokens
    depth = 0
    colon = equals = None
    for position, token in enumerate(tokens):
        if token in _OPEN:
            depth += 1
        elif token in _CLOSE:
            depth -= 1
        elif depth == 0 and token == ":" and colon is None and equals is None:
            colon = position
        elif depth == 0 and token == "=" and equals is None:
            equals = position
    if colon is None:
        return tokens
    return tokens[:colon] + tokens[equals:] if equals is not None else []


def _is_noise(tokens: list[str]) -> bool:
    """Bare strings (docstrings, notes) and `grader.check(...)` calls: not the student's work."""
    if len(tokens) > 2 and tokens[0] == "grader" and tokens[1] == ".":
        return True
    return all(map(_is_string, tokens))


def _normalize(lines: list[tuple[int, list[str]]], aliases: Mapping[str, str]) -> list[int]:
    """Token ids of one unit: names renamed by first appearance, indentation as INDENT/DEDENT tokens."""
    names: dict[str, str] = {}
    out: list[str] = []
    append = out.append
    stack = [lines[0][0]] if lines else [0]
    for indent, tokens in lines:
        if indent > stack[-1]:
            stack.append(indent)
            append("INDENT")
        while indent < stack[-1] and len(stack) > 1:
            stack.pop()
            append("DEDENT")
        definition = tokens[0] in ("def", "async", "class", "lambda")
        depth = 0
        previous = ""
        last = len(tokens) - 1
        for position, token in enumerate(tokens):
            first = token[0]
            if first in _NAME_START or (first > "\x7f" and first.isalpha()):
                if first in _PREFIXES and ("'" in token[:3] or '"' in token[:3]):
                    token = '"' + token.lstrip("rRbBuUfF").strip("'\"")
                elif previous == "." or token in _UNCHANGED:
                    pass
                elif token in aliases:
                    token = aliases[token]
                elif depth and not definition and position < last and tokens[position + 1] == "=":
                    pass  # a keyword argument's name belongs to the callee
                else:
                    renamed = names.get(token)
                    if renamed is None:
                        renamed = names[token] = f"_{len(names)}"
                    token = renamed
            elif first in _QUOTES:
                token = '"' + token.strip("'\"")
            elif token in _OPEN:
                depth += 1
            elif token in _CLOSE:
                depth -= 1
            append(token)
            previous = token
        append("NEWLINE")
    ids = _IDS
    return [ids.get(token) or _token_id(token) for token in out]


def _unit(name: str | None, lines: list[tuple[int, list[str]]], aliases: Mapping[str, str], every_kgram: bool) -> tuple[_Unit, set[int]]:
    ids = _normalize(lines, aliases)
    hashes = _kgram_hashes(ids)
    kept = set(hashes) if every_kgram else _winnow(hashes)
    fingerprint = hash(tuple(ids)) if name is not None and len(ids) >= MIN_FINGERPRINT_TOKENS else None
    return _Unit(name, frozenset(kept), fingerprint), kept


def _imports_of(cells: Sequence[str]) -> dict[str, str]:
    return _imports(tokens for cell in cells for _, tokens in _logical_lines(cell))


def _profile(cells: Sequence[str], starter: _Starter = _Starter(), *, every_kgram: bool = False) -> _Profile:
    """The units of a submission's code and its winnowed k-grams (all of them with `every_kgram`, for
    the template: whatever a submission's winnowing keeps of it must go); cells copied unchanged from
    the template are skipped (they would only give k-grams the template removes)."""
    budget = MAX_SOURCE_CHARS
    cell_lines: list[list[tuple[int, list[str]]]] = []
    for cell in cells:
        if cell in starter.cells:
            continue
        cell = cell[:budget]
        budget -= len(cell)
        cell_lines.append(_logical_lines(cell))
        if budget <= 0:
            break
    aliases = {**starter.aliases, **_imports(tokens for lines in cell_lines for _, tokens in lines)}
    units: list[_Unit] = []
    winnowed: set[int] = set()
    for lines in cell_lines:
        groups: list[tuple[str | None, list[tuple[int, list[str]]]]] = []
        rest: list[tuple[int, list[str]]] = []
        current: list[tuple[int, list[str]]] | None = None
        decorated = False
        for indent, tokens in lines:
            if indent == 0:
                name = _definition_name(tokens)
                if tokens[0] == "@" and not decorated:
                    current, decorated = [], True
                    groups.append((None, current))
                elif name is not None:
                    if decorated and current is not None:
                        groups[-1] = (name, current)
                    else:
                        current = []
                        groups.append((name, current))
                    decorated = False
                elif not decorated:
                    current = None
            if _is_noise(tokens):
                continue
            tokens = _strip_annotations(tokens)
            if tokens:
                (current if current is not None else rest).append((indent, tokens))
        if rest:
            groups.append((None, rest))
        for name, group in groups:
            if group:
                unit, kept = _unit(name, group, aliases, every_kgram)
                units.append(unit)
                winnowed |= kept
    return _Profile(tuple(u for u in units if u.kgrams), frozenset(winnowed))
