"""The hand-grading page of one written question: every student's answer on one page.

For the question it shows the prompt, the rubric and the model answer; for each answer, the
student's markdown rendered (LaTeX as MathML, rendered server-side: the page needs no network), a
score field and a comment field.  A small inline script adds keyboard navigation, a progress bar,
a "hide names" switch, autosave in the browser and the Save button, which downloads the CSV that
`autograder.handgrading.read_hand_grades` reads.  Grades merged earlier are filled in.

Student-written text is never trusted: markdown is rendered with raw HTML escaped, images become
their alt text, links keep only http(s) and mailto targets, and MathML is rebuilt element by element
from an allow-list with every text and attribute escaped.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from typing import Mapping, Sequence

import mistune
from markupsafe import Markup

from ..handgrading import HAND_GRADES_COLUMNS, HandGrade, WrittenQuestion, hand_grades_file_name
from ..results import SubmissionResult
from . import environment, format_points

MAX_ANSWER_CHARS = 50_000
_MATHML_TAGS = {
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac", "msqrt",
    "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom",
    "menclose", "merror", "semantics", "annotation",
}
_MATHML_ATTRIBUTES = {
    "display", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace", "accent", "accentunder",
    "movablelimits", "columnalign", "rowspacing", "columnspacing", "linethickness", "minsize", "maxsize",
    "width", "height", "depth", "notation", "symmetric", "largeop", "form", "displaystyle", "scriptlevel",
    "columnlines", "rowlines", "frame", "encoding",
}
_NAMESPACE = re.compile(r"^\{[^}]*\}")


class _AnswerRenderer(mistune.HTMLRenderer):
    """Markdown to HTML with raw HTML escaped, no remote images and math as sanitized MathML."""

    def __init__(self) -> None:
        super().__init__(escape=True)

    def image(self, text: str, url: str, title: str | None = None) -> str:
        return f'<span class="image-alt">[image: {html.escape(text or url)}]</span>'

    def link(self, text: str, url: str, title: str | None = None) -> str:
        if not re.match(r"^(https?:|mailto:)", url.strip(), re.IGNORECASE):
            return text
        return f'<a href="{self.safe_url(url)}" rel="noopener noreferrer nofollow" target="_blank">{text}</a>'

    def inline_math(self, text: str) -> str:
        return latex_to_mathml(text, display=False)

    def block_math(self, text: str) -> str:
        return f'<div class="display-math">{latex_to_mathml(text, display=True)}</div>\n'


@dataclass(frozen=True)
class AnswerView:
    index: int
    submission: str
    label: str  # the student's name, or the submission's
    html: Markup
    empty: bool
    score: str  # as the field shows it: "" when not graded
    comment: str


def render_markdown(text: str) -> Markup:
    """Return student-written markdown (with $…$ / $$…$$ LaTeX) as safe HTML."""
    markdown = mistune.create_markdown(
        renderer=_AnswerRenderer(), plugins=["math", "table", "strikethrough"])
    shown = markdown(text[:MAX_ANSWER_CHARS])
    if len(text) > MAX_ANSWER_CHARS:  # say so: a grader must not take a cut answer for the whole of it
        shown += (f'<p class="truncated"><em>[The answer goes on for {len(text) - MAX_ANSWER_CHARS:,} more characters, '
                  "not shown here: read them in the notebook.]</em></p>")
    return Markup(shown)


def latex_to_mathml(latex: str, *, display: bool) -> str:
    """Return LaTeX as MathML rebuilt from an allow-list, or the escaped source when it does not parse."""
    from latex2mathml.converter import convert

    try:
        tree = ElementTree.fromstring(convert(latex, display="block" if display else "inline"))
    except Exception:  # latex2mathml raises many types on bad input; the source is shown instead
        return f'<code class="latex">{html.escape(latex)}</code>'
    return _rebuild(tree)


def _rebuild(element: ElementTree.Element) -> str:
    tag = _NAMESPACE.sub("", element.tag)
    inner = html.escape(element.text or "") + "".join(
        _rebuild(child) + html.escape(child.tail or "") for child in element)
    if tag not in _MATHML_TAGS:
        return inner
    attributes = "".join(
        f' {name}="{html.escape(value, quote=True)}"'
        for name, value in sorted(element.attrib.items()) if name in _MATHML_ATTRIBUTES)
    return f"<{tag}{attributes}>{inner}</{tag}>"


def render_hand_grading_html(
    question: WrittenQuestion,
    results: Sequence[SubmissionResult],
    *,
    assignment: str,
    grades: Mapping[tuple[str, str], HandGrade] | None = None,
    names: Mapping[str, str] | None = None,
    saved_at: float = 0.0,
) -> str:
    """Return the hand-grading page of `question` over every result that carries an answer to it.

    `grades` fills in scores merged earlier; `names` maps a submission to the student's name (from a
    roster); `saved_at` is when those grades were saved (seconds since the epoch), so that the page
    prefers newer edits kept in the browser.
    """
    grades = grades or {}
    names = names or {}
    answers = []
    for result in results:
        answer = next((m for m in result.manual if m.question == question.name), None)
        if answer is None:
            continue
        grade = grades.get((result.submission, question.name))
        score = grade.score if grade is not None else answer.score
        comment = grade.comment if grade is not None else answer.comment
        answers.append(AnswerView(
            index=len(answers) + 1,
            submission=result.submission,
            label=names.get(result.submission, result.submission),
            html=render_markdown(answer.answer) if answer.answer.strip() else Markup(""),
            empty=not answer.answer.strip(),
            score=format_points(score) if score is not None else "",
            comment=comment,
        ))
    without = [r.submission for r in results if not any(m.question == question.name for m in r.manual)]
    config = {
        "assignment": assignment,
        "question": question.name,
        "points": question.points,
        "file": hand_grades_file_name(assignment, question.name),
        "columns": list(HAND_GRADES_COLUMNS),
        "savedAt": int(saved_at * 1000),
        "storageKey": f"conv-grader:{assignment}:{question.name}",
    }
    return environment().get_template("hand_grading.html.j2").render(
        title=assignment,
        question=question,
        prompt=render_markdown(question.prompt) if question.prompt else Markup(""),
        rubric=render_markdown(question.rubric) if question.rubric else Markup(""),
        solution=render_markdown(question.solution) if question.solution else Markup(""),
        answers=answers,
        without=without,
        config_file=config["file"],
        config=Markup(json.dumps(config).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")),
    )
