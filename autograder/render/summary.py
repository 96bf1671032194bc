"""The TA's summary page of a graded class: one self-contained HTML file.

Sections, top to bottom: counts by status and the score distribution (histogram); the pass rate of
every test (table with bars, hardest tests easy to spot); the most frequent misconceptions with the
submissions that showed them; submissions that could not be graded (invalid, timed out, internal
error) with the reason, and tests that hit an internal grading error; pairs of submissions whose code
is suspiciously similar, ranked, each with a side-by-side view of the two codes where the matching
functions are highlighted; finally every submission's score per question, linked to its feedback page.
Charts are inline SVG; there is no script and no external asset.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence, TypeVar

from ..results import Outcome, Status, SubmissionResult, class_scores
from ..similarity import SimilarPair, function_spans, similar_pairs
from . import STATUS_LABELS, environment, format_points, status_message

HISTOGRAM_BINS = 10
T = TypeVar("T")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    label: str
    value_text: str
    tooltip: str
    fill: str = "#4c72b0"


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class BarChart:
    description: str
    width: int
    height: int
    left: int
    base: int
    bars: tuple[Bar, ...]
    yticks: tuple[Tick, ...]
    xlabel: str


@dataclass(frozen=True)
class TestRate:
    question: str
    name: str
    hidden: bool
    passed: int
    total: int
    errors: int
    timeouts: int

    @property
    def fraction(self) -> float:
        return self.passed / self.total if self.total else 0.0


@dataclass(frozen=True)
class CodeLine:
    number: int
    text: str
    match: bool


@dataclass(frozen=True)
class PairView:
    rank: int
    pair: SimilarPair
    first_cells: tuple[tuple[CodeLine, ...], ...]
    second_cells: tuple[tuple[CodeLine, ...], ...]


def render_summary_html(
    results: Sequence[SubmissionResult],
    *,
    question_names: Sequence[str],
    template: Sequence[str] = (),
    feedback_links: Mapping[str, str] | None = None,
    similar_top: int = 20,
    title: str,
    hand_grading: Mapping[str, str] | None = None,
) -> str:
    """Return the class summary page as a complete HTML document (a str).

    `template` is the student notebook's code cells (starter code that must not count as similarity);
    `feedback_links` maps a submission name to the relative URL of its feedback page; `hand_grading`
    maps a hand-graded question to the relative URL of its grading page.
    """
    links = dict(feedback_links or {})
    failures: list[str] = []  # sections that could not be drawn; the page still is

    def section(name: str, compute: Callable[[], T], default: T) -> T:
        try:
            return compute()
        except Exception as error:  # one section's failure costs that section only
            failures.append(f"{name}: {type(error).__name__}: {str(error)[:200]}")
            return default

    graded = [r for r in results if r.status is Status.GRADED]
    scores = [r.score for r in graded if r.complete]  # a missing hand score is not a zero
    counted = class_scores(results)  # the mean and median every report states
    possible = max((r.max_score for r in results), default=0.0)
    sources = {r.submission: r.source_cells for r in results if r.source_cells}
    pairs = section("similar code", lambda: similar_pairs(sources, template=template, top=similar_top)
                    if len(sources) > 1 else [], [])
    status_counts = Counter(r.status for r in results)
    context = {
        "title": title,
        "n": len(results),
        "status_counts": [(STATUS_LABELS[s], s.value, status_counts.get(s, 0)) for s in Status],
        "scores_note": (f"all {len(counted)} submissions; one that could not be graded counts as 0"
                        if len(counted) == len(results) else
                        f"the {len(counted)} submissions with every hand score; {len(results) - len(counted)} await hand grading"),
        "mean": format_points(statistics.fmean(counted)) if counted else "–",
        "median": format_points(statistics.median(counted)) if counted else "–",
        "possible": format_points(possible),
        "histogram": section("score distribution", lambda: _histogram(scores, possible) if scores else None, None),
        "rates": section("pass rates", lambda: _test_rates(results), []),
        "misconceptions": section("misconceptions", lambda: _misconceptions(results), []),
        "not_graded": [(r, STATUS_LABELS[r.status], r.message or status_message(r.status, r.message)) for r in results if r.status is not Status.GRADED],
        "internal": [(r.submission, t) for r in results for t in r.tests if t.outcome is Outcome.INTERNAL],
        "instructor": section("instructor errors", lambda: instructor_errors(results), []),
        "pairs": section("similar code", lambda: [_pair_view(i, p, sources) for i, p in enumerate(pairs, start=1)], []),
        "has_sources": len(sources) > 1,
        "results": results,
        "question_names": list(question_names),
        "links": links,
        "hand": section("hand grading", lambda: _hand_progress(results, hand_grading or {}), []),
        "failures": failures,
    }
    return environment().get_template("summary.html.j2").render(**context)


@dataclass(frozen=True)
class HandProgress:
    question: str
    link: str
    graded: int
    answers: int
    merged: bool  # whether hand scores count in the totals yet


def _hand_progress(results: Sequence[SubmissionResult], links: Mapping[str, str]) -> list[HandProgress]:
    questions = list(dict.fromkeys(m.question for r in results for m in r.manual))
    merged = any(r.hand_possible for r in results)
    return [HandProgress(q, links.get(q, ""), sum(m.graded for r in results for m in r.manual if m.question == q),
                         sum(1 for r in results for m in r.manual if m.question == q), merged) for q in questions]


@dataclass(frozen=True)
class StaffNote:
    """A test that raised for the course staff to look at: which, how often, and one traceback."""

    question: str
    name: str
    charged: bool  # False: the instructor's fault (scored as passed); True: raised on the student's value
    submissions: tuple[str, ...]
    traceback: str


def instructor_errors(results: Sequence[SubmissionResult]) -> list[StaffNote]:
    """Tests that raised (or whose helpers failed), grouped by test: the instructor's faults first."""
    found: dict[tuple[str, str, bool], list] = {}
    for result in results:
        for test in result.tests:
            if test.detail:
                key = (test.question, test.name, test.outcome is not Outcome.INSTRUCTOR)
                found.setdefault(key, [[], test.detail])[0].append(result.submission)
    notes = [StaffNote(q, n, charged, tuple(subs), detail) for (q, n, charged), (subs, detail) in found.items()]
    notes.sort(key=lambda note: (note.charged, -len(note.submissions), note.question, note.name))
    return notes


def _histogram(scores: Sequence[float], possible: float) -> BarChart:
    top = possible if possible > 0 else max(scores) or 1.0
    width = _nice_width(top / HISTOGRAM_BINS)
    bins = max(1, math.ceil(top / width - 1e-9))
    counts = [0] * bins
    for score in scores:
        index = min(bins - 1, max(0, int(score / width))) if width else 0
        counts[index] += 1
    chart_w, chart_h, left, bottom_pad, top_pad = 640, 260, 44, 44, 20
    base = chart_h - bottom_pad
    tallest = max(counts) or 1
    slot = (chart_w - left - 10) / bins
    bars = []
    for i, count in enumerate(counts):
        h = (base - top_pad) * count / tallest
        low, high = i * width, (i + 1) * width
        closing = "]" if i == bins - 1 else ")"
        bars.append(
            Bar(
                x=round(left + i * slot + 3, 1),
                y=round(base - h, 1),
                w=round(slot - 6, 1),
                h=round(h, 1),
                label=format_points(low),
                value_text=str(count) if count else "",
                tooltip=f"{count} submission(s) scored in [{format_points(low)}, {format_points(high)}{closing}",
            )
        )
    step = max(1, -(-tallest // 4))
    ticks = tuple(Tick(round(base - (base - top_pad) * v / tallest, 1), str(v)) for v in range(0, tallest + 1, step))
    return BarChart(
        description=f"Histogram of the scores of {len(scores)} graded submissions, out of {format_points(top)} points",
        width=chart_w,
        height=chart_h,
        left=left,
        base=base,
        bars=tuple(bars),
        yticks=ticks,
        xlabel=f"score (bins {format_points(width)} point{'' if width == 1 else 's'} wide; graded submissions only)",
    )


def _nice_width(raw: float) -> float:
    """Return the smallest of 1, 2, 2.5, 5 times a power of ten that is at least `raw`."""
    power = 10.0 ** math.floor(math.log10(raw))
    return next(power * m for m in (1, 2, 2.5, 5, 10) if power * m >= raw - 1e-12)


def _test_rates(results: Sequence[SubmissionResult]) -> list[TestRate]:
    order: list[tuple[str, str]] = []
    tally: dict[tuple[str, str], list[int]] = {}
    hidden: dict[tuple[str, str], bool] = {}
    for result in results:
        for test in result.tests:
            key = (test.question, test.name)
            if key not in tally:
                order.append(key)
                tally[key] = [0, 0, 0, 0]
                hidden[key] = test.hidden
            counts = tally[key]
            counts[0] += test.passed
            counts[1] += 1
            counts[2] += test.outcome is Outcome.ERROR
            counts[3] += test.outcome is Outcome.TIMEOUT
    return [TestRate(q, n, hidden[(q, n)], *tally[(q, n)]) for q, n in order]


def _misconceptions(results: Sequence[SubmissionResult]) -> list[tuple[str, int, list[tuple[str, str]]]]:
    """Return (misconception, number of submissions, [(submission, test)]) most frequent first."""
    seen: dict[str, list[tuple[str, str]]] = {}
    for result in results:
        for test in result.tests:
            if test.misconception and not test.passed:
                seen.setdefault(test.misconception, []).append((result.submission, f"{test.question} · {test.name}"))
    rows = [(m, len({s for s, _ in hits}), hits) for m, hits in seen.items()]
    rows.sort(key=lambda row: (-row[1], row[0]))
    return rows


def _code_lines(cells: Sequence[str], functions: set[str]) -> tuple[tuple[CodeLine, ...], ...]:
    spans = function_spans(cells)
    marked = {(cell, line) for name in functions for cell, first, last in spans.get(name, []) for line in range(first, last + 1)}
    return tuple(
        tuple(CodeLine(n, text, (index, n) in marked) for n, text in enumerate(cell.splitlines() or [""], start=1))
        for index, cell in enumerate(cells)
    )


def _pair_view(rank: int, pair: SimilarPair, sources: Mapping[str, Sequence[str]]) -> PairView:
    return PairView(
        rank=rank,
        pair=pair,
        first_cells=_code_lines(sources[pair.first], {m.first for m in pair.matched_functions}),
        second_cells=_code_lines(sources[pair.second], {m.second for m in pair.matched_functions}),
    )
