"""Renderers: Gradescope results.json, grades.csv, gradebook exports, feedback pages, write_reports."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest

from autograder.reports import safe_filename, write_reports
from autograder.render import (
    grades_csv_header,
    grades_csv_row,
    render_canvas_csv,
    render_feedback_html,
    render_gradescope,
    render_gradescope_scores_csv,
)
from autograder.render.table import identify
from autograder.results import (
    Example,
    ManualAnswer,
    Outcome,
    QuestionResult,
    Status,
    SubmissionResult,
    TestOutcome as CaseOutcome,  # aliased so pytest does not take it for a test class
)

HOSTILE = "<script>alert(1)</script>"
QUESTIONS = ["q1", "q5", "q6", "q7"]
SPEC_SCHEMA = Path(__file__).parent / "schemas" / "gradescope_results.schema.json"

# What every results.json must look like, whatever Gradescope's full specification adds.
STRUCTURE = {
    "type": "object",
    "required": ["score", "output", "stdout_visibility", "tests"],
    "properties": {
        "score": {"type": "number", "minimum": 0},
        "output": {"type": "string"},
        "stdout_visibility": {"const": "after_published"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "score", "max_score", "status", "output", "visibility"],
                "properties": {
                    "name": {"type": "string", "pattern": "^q\\d+ · test_"},
                    "number": {"type": "string"},
                    "score": {"type": "number", "minimum": 0},
                    "max_score": {"type": "number", "minimum": 0},
                    "status": {"enum": ["passed", "failed"]},
                    "output": {"type": "string"},
                    "visibility": {"enum": ["visible", "after_published"]},
                },
            },
        },
    },
}


def conv2d_example() -> Example:
    # conv2d without flipping g: the student's output is the cross-correlation.
    return Example(
        function="conv2d",
        inputs={"f": [[1, 2], [3, 4]], "g": [[0, 1], [0, 0]]},
        got=[[1, 2, 0], [3, 4, 0], [0, 0, 0]],
        expected=[[0, 1, 2], [0, 3, 4], [0, 0, 0]],
    )


def graded_result(name: str = "student01", *, message: str = "conv2d(f, g) returned wrong values") -> SubmissionResult:
    q1 = QuestionResult(
        "q1",
        (
            CaseOutcome("test_fc_layer_matches_definition", "q1", 2.0, Outcome.PASSED, hidden=False),
            CaseOutcome("test_fc_num_weights_exact_int", "q1", 1.0, Outcome.PASSED, hidden=True),
        ),
    )
    q5 = QuestionResult(
        "q5",
        (
            CaseOutcome("test_conv2d_shape", "q5", 1.0, Outcome.PASSED, hidden=False),
            CaseOutcome(
                "test_conv2d_flips_kernel",
                "q5",
                2.0,
                Outcome.FAILED,
                hidden=True,
                message=message,
                misconception="the kernel is not flipped: this is cross-correlation",
                example=conv2d_example(),
            ),
        ),
    )
    q6 = QuestionResult(
        "q6",
        (
            CaseOutcome("test_shift_zero_pads", "q6", 1.5, Outcome.TIMEOUT, hidden=True, message="shift ran past 2 s"),
            CaseOutcome("test_shift_no_wraparound", "q6", 1.0, Outcome.ERROR, hidden=False, message="IndexError: index 3 is out of bounds"),
        ),
    )
    return SubmissionResult(
        submission=name,
        status=Status.GRADED,
        questions=(q1, q5, q6),
        manual=(ManualAnswer("q7", 2.0, "Why may libraries compute cross-correlation?", "Because the kernel is learned."),),
        possible=8.5,
        protections="Sandbox: network namespace, seccomp, uid 61001, rlimits",
        seconds=0.42,
    )


def invalid_result(name: str = "notebook.txt") -> SubmissionResult:
    return SubmissionResult.not_gradable(name, Status.INVALID, "the file is not a Jupyter notebook (not JSON)", possible=8.5)


def timeout_result(name: str = "loops_forever") -> SubmissionResult:
    return SubmissionResult.not_gradable(name, Status.TIMEOUT, "the notebook ran for more than 60 s", possible=8.5)


def plain_json(value) -> bool:
    if type(value) in (str, int, float, bool) or value is None:
        return True
    if type(value) is list:
        return all(plain_json(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and plain_json(v) for k, v in value.items())
    return False


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)


def tags_of(html: str) -> TagCollector:
    parser = TagCollector()
    parser.feed(html)
    return parser


# --- Gradescope results.json --------------------------------------------------------------------


@pytest.mark.parametrize("result", [graded_result(), invalid_result(), timeout_result()], ids=["graded", "invalid", "timeout"])
def test_results_json_is_plain_and_structurally_valid(result):
    data = render_gradescope(result)
    assert plain_json(data)
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    jsonschema.validate(data, STRUCTURE)


@pytest.mark.skipif(not SPEC_SCHEMA.exists(), reason="tests/schemas/gradescope_results.schema.json not written yet")
@pytest.mark.parametrize("result", [graded_result(), invalid_result(), timeout_result()], ids=["graded", "invalid", "timeout"])
def test_results_json_follows_gradescope_schema(result):
    jsonschema.validate(render_gradescope(result), json.loads(SPEC_SCHEMA.read_text()))


def test_results_json_tests_mirror_the_result():
    result = graded_result()
    data = render_gradescope(result)
    assert data["score"] == result.score == 4
    assert [t["name"] for t in data["tests"]] == [f"{t.question} · {t.name}" for t in result.tests]
    assert [t["number"] for t in data["tests"]] == ["1.1", "1.2", "2.1", "2.2", "3.1", "3.2"]
    assert sum(t["score"] for t in data["tests"]) == data["score"]
    by_name = {t["name"]: t for t in data["tests"]}
    flips = by_name["q5 · test_conv2d_flips_kernel"]
    assert flips["status"] == "failed" and flips["score"] == 0 and flips["max_score"] == 2
    assert flips["visibility"] == "after_published"
    assert "Likely misconception: the kernel is not flipped" in flips["output"]
    assert "Smallest failing input: conv2d(f, g)" in flips["output"]
    assert "[[1, 2, 0],\n [3, 4, 0],\n [0, 0, 0]]" in flips["output"]  # the student's output, as a grid
    assert by_name["q5 · test_conv2d_shape"]["visibility"] == "visible"
    assert by_name["q5 · test_conv2d_shape"]["status"] == "passed"
    assert by_name["q6 · test_shift_zero_pads"]["output"].startswith("Ran past its time limit: shift ran past 2 s")
    assert by_name["q6 · test_shift_no_wraparound"]["max_score"] == 1
    assert by_name["q6 · test_shift_zero_pads"]["max_score"] == 1.5


def test_manual_answers_are_in_output_and_never_scored():
    data = render_gradescope(graded_result())
    assert not any(t["name"].startswith("q7") for t in data["tests"])
    assert "q7 is graded by hand" in data["output"]
    assert "Because the kernel is learned." in data["output"]
    assert data["output"].rstrip().endswith("Sandbox: network namespace, seccomp, uid 61001, rlimits")


@pytest.mark.parametrize(
    "result, reason",
    [(invalid_result(), "not a Jupyter notebook"), (timeout_result(), "ran past its time limit")],
    ids=["invalid", "timeout"],
)
def test_not_gradable_results_explain_why(result, reason):
    data = render_gradescope(result)
    assert data["score"] == 0
    assert data["tests"] == []
    assert reason in data["output"]


# --- CSV tables ---------------------------------------------------------------------------------


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_grades_csv_columns_and_row():
    header = grades_csv_header(QUESTIONS)
    assert header == ["submission", "score", "max_score", "status", "message", "q1", "q5", "q6", "q7",
                      "student", "student_id", "email", "identity"]
    assert grades_csv_header(QUESTIONS, ["q7"])[9:11] == ["q7 comment", "student"]
    row = grades_csv_row(graded_result(), QUESTIONS)
    assert row == ["student01", 4, 8.5, "graded", "", 3, 1, 0, "", "student01", "student01", "", "guessed from file name"]
    invalid = grades_csv_row(invalid_result(), QUESTIONS, hand_graded=["q7"])
    assert invalid[:4] == ["notebook.txt", 0, 8.5, "invalid"]
    assert "not a Jupyter notebook" in invalid[4]
    assert invalid[5:10] == [0, 0, 0, "", ""]


def test_grades_csv_file_round_trips_hostile_names(tmp_path):
    results = [graded_result('=cmd|" /C calc"!A0'), graded_result("a,b\n\"c\""), invalid_result()]
    paths = write_reports(results, tmp_path, question_names=QUESTIONS, assignment="conv-math")
    rows = read_csv(paths.grades_csv.read_text(encoding="utf-8"))
    assert rows[0] == grades_csv_header(QUESTIONS, ["q7"])
    assert len(rows) == 4 and all(len(r) == len(rows[0]) for r in rows)
    assert rows[1][0] == "'=cmd|\" /C calc\"!A0"  # a spreadsheet shows it as text, never runs it
    assert rows[2][0] == 'a,b\n"c"'
    assert rows[3][7:9] == ["0", ""]  # q6 has no tests in an invalid result; q7 is hand-graded


def test_gradescope_scores_export():
    results = [graded_result("ada@example.edu"), graded_result("s1234567"), invalid_result("Ada Lovelace (late)")]
    rows = read_csv(render_gradescope_scores_csv(results))
    assert rows[0] == ["Name", "SID", "Email", "Total Score", "Max Points", "Status"]
    assert rows[1] == ["ada@example.edu", "", "ada@example.edu", "4", "8.5", "graded"]
    assert rows[2] == ["s1234567", "s1234567", "", "4", "8.5", "graded"]
    assert rows[3] == ["Ada Lovelace (late)", "", "", "0", "8.5", "invalid"]


def test_canvas_gradebook_export():
    results = [graded_result("lovelaceada_12345_67890_conv-math"), graded_result("hopper_late_222_333_nb"), graded_result("s99")]
    rows = read_csv(render_canvas_csv(results, assignment="conv-math", assignment_id="4711"))
    assert rows[0] == ["Student", "ID", "SIS User ID", "Section", "conv-math (4711)"]
    assert rows[1] == ["    Points Possible", "", "", "", "8.5"]
    assert rows[2] == ["lovelaceada", "12345", "", "", "4"]
    assert rows[3] == ["hopper", "222", "", "", "4"]
    assert rows[4] == ["s99", "", "s99", "", "4"]
    assert read_csv(render_canvas_csv(results, assignment="conv-math"))[0][-1] == "conv-math"


def test_identify_reads_canvas_download_names():
    assert identify("doejane_late_42_1001_Assignment.ipynb").canvas_id == "42"
    assert identify("jane.doe@uni.edu").email == "jane.doe@uni.edu"
    assert identify("x y z") == identify("x y z").__class__(name="x y z")


# --- feedback pages -------------------------------------------------------------------------------


def test_feedback_shows_scores_misconception_and_heatmaps():
    html = render_feedback_html(graded_result(), title="conv-math")
    assert "4 / 8.5" in html
    assert "the kernel is not flipped: this is cross-correlation" in html
    assert "Smallest failing input" in html and "conv2d(f, g)" in html
    svgs = re.findall(r"<svg\b[^>]*role=\"img\"[^>]*>", html)
    assert len(svgs) == 4  # f, g, the student's output, the expected output
    assert 'aria-label="Heatmap of your output, 3 by 3"' in html
    # The student's output differs from the expected one in 6 entries (its first two rows): outlined and marked in the table.
    assert html.count('stroke-dasharray="4 2"') == 6
    assert html.count('class="differs"') == 6
    assert "graded by hand" in html and "Because the kernel is learned." in html
    assert "ran past its time limit" in html
    assert "test_fc_layer_matches_definition" in html  # listed among passed tests
    assert tags_of(html).tags.count("script") == 0


def test_feedback_without_example_has_no_heatmap():
    result = SubmissionResult(
        "student02",
        Status.GRADED,
        questions=(QuestionResult("q4", (CaseOutcome("test_corr2d_valid_shape", "q4", 1.0, Outcome.FAILED, True, "corr2d returned shape (3, 3), expected (2, 2)", "padded instead of valid"),)),),
        possible=1.0,
    )
    html = render_feedback_html(result, title="conv-math")
    assert "padded instead of valid" in html
    assert "<svg" not in html


def test_feedback_for_invalid_submission_explains():
    html = render_feedback_html(invalid_result(), title="conv-math")
    assert "0 / 8.5" in html
    assert "not a Jupyter notebook" in html
    assert 'role="alert"' in html


def test_hostile_strings_are_escaped_everywhere():
    example = Example(HOSTILE, {HOSTILE: [[1]]}, HOSTILE, [[2]])
    test = CaseOutcome(HOSTILE, HOSTILE, 1.0, Outcome.FAILED, True, HOSTILE, HOSTILE, example)
    result = SubmissionResult(
        HOSTILE,
        Status.GRADED,
        message=HOSTILE,
        questions=(QuestionResult(HOSTILE, (test,)),),
        manual=(ManualAnswer(HOSTILE, 1.0, HOSTILE, HOSTILE + '"><img src=x onerror=alert(2)>'),),
        possible=1.0,
        protections=HOSTILE,
        stdout=HOSTILE,
    )
    html = render_feedback_html(result, title="conv-math")
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    parsed = tags_of(html)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert not any(name.startswith("on") for name, _ in parsed.attributes)


# --- file names and write_reports ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "", ".", "..", "CON", "con.txt", "a b", "Ünïcødé 学生", "x" * 500, HOSTILE, "a/b\\c:d*e?f\"g<h>i|j", "\x00nul"],
)
def test_safe_filename_is_safe(name):
    stem = safe_filename(name)
    assert re.fullmatch(r"[A-Za-z0-9._-]+", stem)
    assert not stem.startswith(".")
    assert stem.split(".")[0].lower() not in {"con", "prn", "aux", "nul"}
    assert len(stem) <= 100


def test_file_names_are_readable_and_collisions_are_numbered_visibly(tmp_path):
    assert safe_filename("a_b") == "a_b"  # a name that is already safe is kept as it is
    assert safe_filename("Jane Doé") == "Jane_Doe" and safe_filename("学生") == "submission"
    names = ["a b", "a_b", "a?b", "Jane Doe", "jane_doe"]
    paths = write_reports([graded_result(n) for n in names], tmp_path / "out", question_names=QUESTIONS, assignment="conv-math")
    stems = {name: path.stem for name, path in paths.feedback.items()}
    assert stems == {"a b": "a_b", "a_b": "a_b-2", "a?b": "a_b-3", "Jane Doe": "Jane_Doe", "jane_doe": "jane_doe-2"}
    assert paths.renamed == {"a_b": "a_b-2", "a?b": "a_b-3", "jane_doe": "jane_doe-2"}
    assert {p.stem for p in paths.results.values()} == set(stems.values())


def test_write_reports_writes_every_file(tmp_path):
    names = ["student01", HOSTILE, "../escape", "a b", "a_b", "a_b"]  # a repeated name still gets its own files
    results = [graded_result(names[0]), graded_result(names[1]), invalid_result(names[2]), timeout_result(names[3]), graded_result(names[4]), invalid_result(names[5])]
    paths = write_reports(results, tmp_path / "out", question_names=QUESTIONS, assignment="conv-math")
    out = (tmp_path / "out").resolve()
    for path in (paths.grades_csv, paths.summary_html, paths.gradescope_scores_csv, paths.canvas_gradebook_csv):
        assert path.is_file() and path.stat().st_size > 0
    assert paths.gradescope_scores_csv == out / "exports" / "gradescope_scores.csv"
    assert paths.canvas_gradebook_csv == out / "exports" / "canvas_gradebook.csv"
    assert (paths.results_dir, paths.feedback_dir, paths.exports_dir) == (tmp_path / "out" / "results", tmp_path / "out" / "feedback", tmp_path / "out" / "exports")
    json_files = sorted((out / "results").glob("*.json"))
    html_files = sorted((out / "feedback").glob("*.html"))
    assert len(json_files) == len(html_files) == len(results)
    assert all(p.resolve().parent == out / "results" for p in json_files)
    for name in set(names):
        data = json.loads(paths.results[name].read_text(encoding="utf-8"))
        jsonschema.validate(data, STRUCTURE)
        assert paths.feedback[name].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    summary = paths.summary_html.read_text(encoding="utf-8")
    links = [v for k, v in tags_of(summary).attributes if k == "href" and not v.startswith("#")]
    assert links and all((out / link).is_file() for link in links)
    assert HOSTILE not in summary
    assert not list(out.rglob(".*.tmp"))

    # grading the folder again without a submission leaves no report of it behind
    again = write_reports(results[:1], tmp_path / "out", question_names=QUESTIONS, assignment="conv-math")
    assert sorted(p.name for p in (out / "results").iterdir()) == [again.results[names[0]].name]
    assert sorted(p.name for p in (out / "feedback").iterdir()) == [again.feedback[names[0]].name]


def test_arrays_of_more_than_two_dimensions_are_drawn_as_labelled_slices():
    """A (C, H, W) example is drawn one 2-D slice per channel, all on one colour scale, with the
    differing entries of each slice outlined; too many slices fall back to numbers."""
    X = [[[1.0, -2.0], [3.0, 4.0]], [[-5.0, 6.0], [7.0, -8.0]]]
    got = [[[4.0]], [[6.0]]]
    expected = [[[4.0]], [[7.0]]]
    example = Example(function="max_pool2d", inputs={"X": X, "size": 2}, got=got, expected=expected)
    result = SubmissionResult("s", Status.GRADED, possible=1.0, questions=(QuestionResult("q2", (
        CaseOutcome("test_max_pool", "q2", 1.0, Outcome.FAILED, True, "max_pool2d returned wrong values", example=example),)),))
    html = render_feedback_html(result, title="pooling")
    labels = re.findall(r'<p class="slice"><code>(.*?)</code></p>', html)
    assert labels == ["[0, :, :]", "[1, :, :]"] * 3  # X, the student's output, the expected output
    assert 'aria-label="Heatmap of your output, 2 by 1 by 1, slice [1, :, :]"' in html
    assert html.count('stroke-dasharray="4 2"') == 1 and html.count('class="differs"') == 1  # channel 1 only
    assert "size" in html and ">2<" in html.replace("\n", "")  # a scalar input is shown as its value

    from autograder.render.feedback import MAX_SLICES, heatmaps

    assert len(heatmaps([[[[1.0]] * 2] * 2] * 2, description="4-D", scale=1.0)) == 4  # every (i, j) of a 4-D array
    assert [h.label for h in heatmaps([[[[1.0]] * 2] * 2] * 2, description="4-D", scale=1.0)][-1] == "[1, 1, :, :]"
    assert heatmaps([[[1.0]]] * (MAX_SLICES + 1), description="many", scale=1.0) == ()
