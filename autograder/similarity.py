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

Steps 1 to 3 run in parallel worker processes for large classes, each sending back only what
ranking needs (an array of winnowed k-grams and the function fingerprints); a worker reads each
distinct physical line, and normalizes each distinct unit, once (a class shares most of its lines:
the starter's, and the idioms everyone writes).  The index of step 5 is one sorted array.  Only the
pairs shown get their per-function profiles.  The score is a lead for a person to read, never a
verdict: the summary page shows the two codes side by side with the matching functions marked.
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

import numpy as np

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
# a name, a number, an operator, or any other character.  Once a string has begun it always ends
# here (at its closing quotes or at the end), so nothing backtracks and no input makes the scan
# quadratic.  The loops of triple-quoted strings are greedy, not possessive: Python 3.11.2's
# possessive loops lose the lookahead inside them, which read `"""doc"""x` as three strings.
_TOKEN = re.compile(
    r"""(?:[ \t\f]|\\\r?\n)*+(
    (?:\r?\n[ \t\f]*)+
    |\#[^\r\n]*
    |[rRbBuUfF]{0,2}(?:'''(?:[^'\\]|\\(?:[\s\S]|\Z)|'(?!''))*(?:'''|\Z)|\"\"\"(?:[^"\\]|\\(?:[\s\S]|\Z)|"(?!""))*(?:\"\"\"|\Z)
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
    winnowed: frozenset[int] = frozenset()  # the k-gram hashes winnowing kept: the union of the units'

    @property
    def kgrams(self) -> frozenset[int]:
        return self.winnowed

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
    template_kgrams = template_profile.winnowed
    template_prints = template_profile.fingerprints
    starter = _Starter(frozenset(template), _imports_of(template))
    summaries = _summaries([sources[name] for name in names], starter, workers)
    if not any(len(kgrams) for kgrams, _prints in summaries):
        return []

    # The index: every submission's winnowed k-grams in one array, sorted once, so that each
    # k-gram's holders sit together and how many there are is the length of their run.
    sizes = [len(kgrams) for kgrams, _prints in summaries]
    starts = np.concatenate(([0], np.cumsum(sizes)))
    every = np.concatenate([kgrams for kgrams, _prints in summaries])
    order = np.argsort(every)
    grams, holders = every[order], np.repeat(np.arange(len(summaries)), sizes)[order]
    runs = np.flatnonzero(np.concatenate(([True], grams[1:] != grams[:-1], [True])))
    counts = np.diff(runs)
    limit = max(3, math.ceil(common_fraction * len(summaries)))
    if max_shared is None:
        max_shared = max(10, math.ceil(2 * math.sqrt(len(summaries))))
    max_shared = min(max_shared, limit - 1)
    heads = grams[runs[:-1]]
    starter_heads = np.isin(heads, np.fromiter(template_kgrams, np.int64, len(template_kgrams)))
    ignored_heads = starter_heads | (counts >= limit)
    kept = np.empty(len(every), dtype=bool)  # per k-gram of each submission: not the starter's nor common
    kept[order] = ~np.repeat(ignored_heads, counts)
    holder_list = holders.tolist()
    postings = [sorted(holder_list[a:b]) for a, b in zip(runs[:-1][rare].tolist(), runs[1:][rare].tolist())] \
        if (rare := (counts >= 2) & (counts <= max_shared) & ~starter_heads).any() else []

    candidates = _candidates(postings, len(summaries))
    cleaned: dict[int, tuple[frozenset[int], frozenset[int]]] = {}
    scored: list[tuple[float, str, str, int, int]] = []
    for i, j in candidates:
        for index in (i, j):
            if index not in cleaned:
                a, b = starts[index], starts[index + 1]
                cleaned[index] = (frozenset(every[a:b][kept[a:b]].tolist()), summaries[index][1] - template_prints)
        score = TOKEN_WEIGHT * _jaccard(cleaned[i][0], cleaned[j][0]) + FUNCTION_WEIGHT * _jaccard(cleaned[i][1], cleaned[j][1])
        if score > 0:
            scored.append((-score, names[i], names[j], i, j))
    ignored = template_kgrams.union(heads[ignored_heads].tolist())
    scored.sort()
    full: dict[int, _Profile] = {}  # whole profiles (per function) only for the pairs shown
    for _, _, _, i, j in scored[:top]:
        for index in (i, j):
            if index not in full:
                full[index] = _without(_profile(sources[names[index]], starter), ignored, template_prints)
    return [_compare(names[i], full[i], names[j], full[j]) for _, _, _, i, j in scored[:top]]


def _candidates(postings: list[list[int]], size: int) -> list[tuple[int, int]]:
    """Pairs (i < j) worth scoring: those sharing rare winnowed k-grams, most shared first.

    `postings` lists, for each rare winnowed k-gram (held by 2 to `max_shared` submissions, and not
    the starter's), the submissions that hold it, in increasing order.  Rarest k-grams are counted
    first, until PAIR_BUDGET pair counts are made, so the work is bounded whatever the class looks
    like.  Pairs are counted with arrays, all the k-grams held by the same number at once.
    """
    by_length: dict[int, list[list[int]]] = {}
    budget = PAIR_BUDGET
    for holders in sorted(postings, key=len):
        budget -= len(holders) * (len(holders) - 1) // 2
        if budget < 0:
            break
        by_length.setdefault(len(holders), []).append(holders)
    if not by_length:
        return []
    indexed = np.zeros(size, dtype=np.int64)  # how many of each submission's k-grams took part
    keys = []
    for length, group in by_length.items():
        held = np.array(group, dtype=np.int64)  # one row per k-gram
        np.add.at(indexed, held.ravel(), 1)
        first, second = np.triu_indices(length, 1)
        keys.append((held[:, first] * size + held[:, second]).ravel())
    pairs, shared = np.unique(np.concatenate(keys), return_counts=True)
    if len(pairs) > COMPARE_BUDGET:  # one rare k-gram in common is chance when there are this many leads
        pairs, shared = pairs[shared > 1], shared[shared > 1]
    i, j = pairs // size, pairs % size
    estimate = shared / (indexed[i] + indexed[j] - shared)
    best = np.lexsort((pairs, -estimate))[:COMPARE_BUDGET]
    return list(zip(i[best].tolist(), j[best].tolist()))


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
    shared = len(a & b)
    union = len(a) + len(b) - shared
    return shared / union if union else 0.0


def _without(profile: _Profile, kgrams: set[int] | frozenset[int], prints: frozenset[int]) -> _Profile:
    units = []
    for unit in profile.units:
        fingerprint = unit.fingerprint if unit.fingerprint not in prints else None
        units.append(_Unit(unit.name, unit.kgrams - kgrams, fingerprint))
    kept = tuple(u for u in units if u.kgrams or u.fingerprint is not None)
    return _Profile(kept, frozenset().union(*(u.kgrams for u in kept)))


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


def _summary(cells: Sequence[str], starter: _Starter) -> tuple[np.ndarray, frozenset[int]]:
    """What ranking needs of a submission: its winnowed k-grams (an array: cheap to send between
    processes and to count) and its function fingerprints."""
    profile = _profile(cells, starter)
    return np.fromiter(profile.winnowed, np.int64, len(profile.winnowed)), profile.fingerprints


def _summaries_between(bounds: tuple[int, int]) -> list[tuple[np.ndarray, frozenset[int]]]:
    sources, starter = _WORK
    return [_summary(sources[index], starter) for index in range(*bounds)]


def _summaries(class_sources: list[Sequence[str]], starter: _Starter, workers: int | None) -> list[tuple[np.ndarray, frozenset[int]]]:
    """One summary per submission; worker processes (forked, so they read the sources in place) for
    big classes, each given a contiguous run of submissions so that only summaries are sent back."""
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if len(class_sources) >= PARALLEL_FROM else 1
    workers = min(workers, len(class_sources))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [_summary(cells, starter) for cells in class_sources]
    global _WORK
    _WORK = (class_sources, starter)
    step = max(1, len(class_sources) // (4 * workers))
    runs = [(start, min(start + step, len(class_sources))) for start in range(0, len(class_sources), step)]
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return [summary for run in pool.map(_summaries_between, runs, chunksize=1) for summary in run]
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


_INDENT, _DEDENT, _NEWLINE = _token_id("INDENT"), _token_id("DEDENT"), _token_id("NEWLINE")
_PLACEHOLDERS = [_token_id(f"_{n}") for n in range(256)]


def _placeholder(number: int) -> int:
    return _PLACEHOLDERS[number] if number < len(_PLACEHOLDERS) else _token_id(f"_{number}")


# Per-process memory of what recurs across a class (bounded): physical line -> `_scan_line` and
# `_prepared`, a line that runs on -> the runs of lines (`_scan_lines_from`) it was seen to begin,
# (imports, unit's lines) -> its `_Unit` and winnowed k-grams.
CACHE_LIMIT = 300_000
MAX_CACHED_LINE = 1_000  # characters: longer lines are read each time, not kept
_LINES: dict[str, list | None] = {}  # [width, tokens, dip, net, `_prepared` once needed]
_RUNS: dict[str, tuple[tuple[str, list], ...]] = {}  # first line -> (text, reading) of the runs it began
_UNITS: dict[tuple, tuple[_Unit, frozenset[int]]] = {}
_CLOSED_STRING = re.compile(
    r"""[rRbBuUfF]{0,2}(?:'\'\'(?:[^'\\]|\\[\s\S]|'(?!''))*'\'\'|\"\"\"(?:[^"\\]|\\[\s\S]|"(?!""))*\"\"\"
        |'(?:[^'\\\r\n]|\\[\s\S])*+'|"(?:[^"\\\r\n]|\\[\s\S])*+")""",
    re.VERBOSE,
)


def _scan_line(text: str) -> tuple[int, tuple[str, ...], int, int] | None:
    """One physical line read on its own: (indent width, tokens without comments, how far its
    brackets dip below where the line starts, how many it leaves open).  None when the line does
    not stand alone (it ends in a backslash, or in a string that goes on to the next line): the
    cell is then read whole by `_logical_lines`."""
    if text.endswith("\\"):
        return None
    tokens: list[str] = []
    depth = lowest = 0
    for token in _TOKEN.findall(text.rstrip(" \t\f")):
        if token[0] == "#":
            continue
        if token in _OPEN:
            depth += 1
        elif token in _CLOSE:
            depth -= 1
            lowest = min(lowest, depth)
        tokens.append(token)
    if tokens and _is_string(tokens[-1]) and not _CLOSED_STRING.fullmatch(tokens[-1]):
        return None
    lead = len(text) - len(text.lstrip(" \t\f"))
    return len(text[:lead].expandtabs(8)), tuple(tokens), -lowest, depth


_MISSING: tuple = ()


def _scan_lines_from(cell: str, offset: int) -> tuple[tuple[int, tuple[str, ...], int, int], str] | None:
    """The physical lines from `offset` (the start of a line) up to the first line end outside a
    string or a continuation, read as `_scan_line` reads one line; returns that reading and their
    text, or None when a comment ends in a backslash (a case `_logical_lines` alone reads)."""
    tokens: list[str] = []
    depth = lowest = 0
    end = len(cell)
    for match in _TOKEN.finditer(cell, offset):
        token = match.group(1)
        first = token[0]
        if first == "\n":
            end = match.start(1)
            break
        if first == "#":
            if token.endswith("\\"):
                return None
            continue
        if token in _OPEN:
            depth += 1
        elif token in _CLOSE:
            depth -= 1
            lowest = min(lowest, depth)
        tokens.append(token)
    text = cell[offset:end]
    lead = len(text) - len(text.lstrip(" \t\f"))
    return (len(text[:lead].expandtabs(8)), tuple(tokens), -lowest, depth), text


def _lines_of(cell: str) -> list[tuple[int, Sequence[str], str | None, list | None]]:
    """`_logical_lines` of the cell: (indent, tokens, key, entry) per logical line, where a run of
    physical lines that stands alone has its text as `key` (what it is remembered by) and its
    remembered reading as `entry` ([width, tokens, dip, net, `_prepared` once known]); a logical
    line that brackets carry over several runs has neither.  Lines are read one by one, each text
    once per process; a line that goes on (a string over several lines, a backslash continuation)
    is read together with the lines it runs into."""
    cell = _blank_magics(cell)
    if "\r" in cell:
        return [(indent, tokens, None, None) for indent, tokens in _logical_lines(cell)]
    found: list[tuple[int, Sequence[str], str | None, list | None]] = []
    known = _LINES
    depth = 0  # brackets open after the lines so far
    pending: list[str] | None = None  # the tokens of a logical line that brackets carry on
    pending_indent = 0
    lines = cell.split("\n")
    number = offset = 0
    while number < len(lines):
        text = lines[number]
        entry = known.get(text, _MISSING)
        if entry is _MISSING:
            scanned = _scan_line(text)
            entry = None if scanned is None else [*scanned, None]
            if len(text) <= MAX_CACHED_LINE and len(known) < CACHE_LIMIT:
                known[text] = entry
        if entry is None:  # read with the lines it runs into (a docstring, most often: seen before?)
            runs = _RUNS.get(text, ())
            run = next((r for r in runs if cell.startswith(r[0], offset)), None)
            if run is None:
                scanned_run = _scan_lines_from(cell, offset)
                if scanned_run is None:
                    return [(indent, tokens, None, None) for indent, tokens in _logical_lines(cell)]
                run = (scanned_run[1], [*scanned_run[0], None])
                if len(runs) < 8 and len(run[0]) <= 8 * MAX_CACHED_LINE and len(_RUNS) < CACHE_LIMIT:
                    _RUNS[text] = (*runs, run)
            text, entry = run
            number += text.count("\n") + 1
        else:
            number += 1
        first = offset == 0
        offset += len(text) + 1
        width, tokens, dip, net, _ = entry
        if not tokens:
            continue
        if pending is None:
            indent = 0 if first else width  # the cell's first line has no newline before it
            if dip + net == 0:
                found.append((indent, tokens, text if len(text) <= 8 * MAX_CACHED_LINE else None, entry))
                continue
            pending, pending_indent, depth = list(tokens), indent, dip + net
        else:
            pending.extend(tokens)
            depth = max(depth, dip) + net
            if depth == 0:
                found.append((pending_indent, pending, None, None))
                pending = None
    if pending:
        found.append((pending_indent, pending, None, None))
    return found


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


def _plan(tokens: Sequence[str]) -> tuple[list[int], tuple[tuple[int, str], ...], tuple[tuple[int, str, int], ...]]:
    """How one logical line (annotations stripped) normalizes, for any unit it is in: the token ids
    of everything whose normal form does not depend on the unit (0 in the other places); the names
    that do, (position, name): each becomes the module it is an import alias of, else the unit's
    placeholder for it (`_0`, `_1`, ... by first appearance); and keyword arguments' names,
    (position, name, id of the name), which stay themselves unless they are an import alias."""
    definition = tokens[0] in ("def", "async", "class", "lambda")
    depth = 0
    previous = ""
    last = len(tokens) - 1
    ids: list[int] = []
    slots: list[tuple[int, str]] = []
    keywords: list[tuple[int, str, int]] = []
    known = _IDS
    for position, token in enumerate(tokens):
        first = token[0]
        if first in _NAME_START or (first > "\x7f" and first.isalpha()):
            if first in _PREFIXES and ("'" in token[:3] or '"' in token[:3]):
                token = '"' + token.lstrip("rRbBuUfF").strip("'\"")
            elif previous != "." and token not in _UNCHANGED:
                if depth and not definition and position < last and tokens[position + 1] == "=":
                    keywords.append((position, token, known.get(token) or _token_id(token)))
                else:
                    slots.append((position, token))
                ids.append(0)
                previous = token
                continue
        elif first in _QUOTES:
            token = '"' + token.strip("'\"")
        elif token in _OPEN:
            depth += 1
        elif token in _CLOSE:
            depth -= 1
        ids.append(known.get(token) or _token_id(token))
        previous = token
    return ids, tuple(slots), tuple(keywords)


def _normalize(lines: list[tuple[int, tuple]], alias_ids: Mapping[str, int]) -> list[int]:
    """Token ids of one unit, from its lines' plans: names renamed by first appearance (import
    aliases become their module), indentation as INDENT/DEDENT tokens."""
    names = dict(alias_ids)
    renamed = 0
    out: list[int] = []
    stack = [lines[0][0]] if lines else [0]
    for indent, (ids, slots, keywords) in lines:
        if indent > stack[-1]:
            stack.append(indent)
            out.append(_INDENT)
        while indent < stack[-1] and len(stack) > 1:
            stack.pop()
            out.append(_DEDENT)
        base = len(out)
        out.extend(ids)
        for position, name in slots:
            value = names.get(name)
            if value is None:
                value = names[name] = _placeholder(renamed)
                renamed += 1
            out[base + position] = value
        for position, name, own in keywords:
            out[base + position] = alias_ids.get(name) or own
        out.append(_NEWLINE)
    return out


def _unit(name: str | None, lines: list, alias_ids: Mapping[str, int], every_kgram: bool) -> tuple[_Unit, frozenset[int]]:
    ids = _normalize(lines, alias_ids)
    hashes = _kgram_hashes(ids)
    kept = frozenset(hashes) if every_kgram else frozenset(_winnow(hashes))
    fingerprint = hash(tuple(ids)) if name is not None and len(ids) >= MIN_FINGERPRINT_TOKENS else None
    return _Unit(name, kept, fingerprint), kept


def _imports_of(cells: Sequence[str]) -> dict[str, str]:
    return _imports(tokens for cell in cells for _, tokens, _, _ in _lines_of(cell) if tokens[0] in ("import", "from"))


def _prepared(tokens: Sequence[str]) -> tuple[str | None, bool, bool, tuple | None]:
    """What grouping and normalizing need of one logical line: the name it defines (a `def` or
    `class` line), whether it is a decorator, whether it is noise, and its plan (None when nothing
    is left of it once annotations are stripped)."""
    stripped = _strip_annotations(tokens)
    return _definition_name(tokens), tokens[0] == "@", _is_noise(tokens), _plan(stripped) if stripped else None


def _profile(cells: Sequence[str], starter: _Starter = _Starter(), *, every_kgram: bool = False) -> _Profile:
    """The units of a submission's code and its winnowed k-grams (all of them with `every_kgram`, for
    the template: whatever a submission's winnowing keeps of it must go); cells copied unchanged from
    the template are skipped (they would only give k-grams the template removes).

    Physical lines that recur (most lines of a class: the starter's, and the idioms everyone
    writes) are tokenized and planned once per process, and so are whole units that recur with the
    same imports; what comes out is the same as for code seen the first time."""
    budget = MAX_SOURCE_CHARS
    cell_lines: list[list[tuple[int, Sequence[str], str | None, list | None]]] = []
    for cell in cells:
        if cell in starter.cells:
            continue
        cell = cell[:budget]
        budget -= len(cell)
        cell_lines.append(_lines_of(cell))
        if budget <= 0:
            break
    aliases = {**starter.aliases, **_imports(tokens for lines in cell_lines for _, tokens, _, _ in lines
                                             if tokens[0] in ("import", "from"))}
    alias_ids = {alias: _IDS.get(module) or _token_id(module) for alias, module in aliases.items()}
    alias_key = (every_kgram, *sorted(aliases.items()))
    units: list[_Unit] = []
    winnowed: set[int] = set()
    for lines in cell_lines:
        # (name, [(indent, plan)], cache key: [imports, name, (indent, line key)...] or None)
        groups: list[tuple[str | None, list[tuple[int, tuple]], list | None]] = []
        rest: list[tuple[int, tuple]] = []
        rest_key: list | None = [alias_key, None]
        current: list[tuple[int, tuple]] | None = None
        current_key: list | None = None
        decorated = False
        for indent, tokens, key, entry in lines:
            prepared = entry[4] if entry is not None else None
            if prepared is None:
                prepared = _prepared(tokens)
                if entry is not None:
                    entry[4] = prepared
            defines, decorator, noise, plan = prepared
            if indent == 0:
                if decorator and not decorated:
                    current, current_key, decorated = [], [alias_key, None], True
                    groups.append((None, current, current_key))
                elif defines is not None:
                    if decorated and current is not None:
                        groups[-1] = (defines, current, current_key)
                    else:
                        current, current_key = [], [alias_key, defines]
                        groups.append((defines, current, current_key))
                    decorated = False
                elif not decorated:
                    current = current_key = None
            if noise or plan is None:
                continue
            if current is not None:
                current.append((indent, plan))
                if key is None:
                    current_key = None  # a unit with a line not remembered is not remembered either
                    groups[-1] = (groups[-1][0], current, None)
                elif current_key is not None:
                    current_key.append(indent)
                    current_key.append(key)
            else:
                rest.append((indent, plan))
                if key is None:
                    rest_key = None
                elif rest_key is not None:
                    rest_key.append(indent)
                    rest_key.append(key)
        if rest:
            groups.append((None, rest, rest_key))
        for name, group, group_key in groups:
            if not group:
                continue
            cache_key = None
            if group_key is not None:
                group_key[1] = name
                cache_key = tuple(group_key)
            found = _UNITS.get(cache_key) if cache_key is not None else None
            if found is None:
                found = _unit(name, group, alias_ids, every_kgram)
                if cache_key is not None and len(_UNITS) < CACHE_LIMIT:
                    _UNITS[cache_key] = found
            unit, kept = found
            units.append(unit)
            winnowed |= kept
    return _Profile(tuple(u for u in units if u.kgrams), frozenset(winnowed))
