"""The grader survives any submission, and every verdict says whose fault it is.

Through the real engine: hostile values (honest ones that used to be costly, and forged ones
no honest encoder sends) graded in one batch beside correct notebooks that must be unaffected;
file descriptors passed to the grader; a forged executor report; code too deep to compile or
to check; old and large notebooks; a fixture assignment whose tests are broken on purpose; a
sandbox that fails to set itself up; reports whose rendering fails.  The hostile notebooks are
built by tests/submissions/make_robustness.py.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path

import nbformat
import pytest

from autograder.assignment import load_assignment
from autograder.batch import Grader
from autograder.checks import smallest_failing
from autograder.errors import InstructorError, SandboxLost, StudentFault
from autograder.grade import grade_submission
from autograder.reports import instructor_report, write_reports
from autograder.results import Outcome, Status
from autograder.sandbox.session import Job

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "conv-math" / "conv-math.ipynb"
TINY_SOLUTION = ROOT / "tests" / "fixtures" / "tiny" / "solution" / "tiny.ipynb"  # engine behaviour, on the fixture
HOSTILE = ROOT / "tests" / "submissions" / "adversarial" / "robustness"
BROKEN = ROOT / "tests" / "fixtures" / "broken-assignment"


def hostile(name: str) -> Path:
    path = HOSTILE / f"{name}.ipynb"
    assert path.exists(), f"run tests/submissions/make_robustness.py ({path} is missing)"
    return path


def failing(result) -> dict[str, tuple[Outcome, str]]:
    return {t.name: (t.outcome, t.message) for t in result.tests if not t.passed}


def graded_by(assignment, *names: str) -> set[str]:
    return {spec.name for spec in assignment.tests if set(spec.parameters) & set(names)}


@pytest.fixture(scope="module")
def batch(grade_many):
    """Hostile submissions graded in one parallel batch with correct notebooks between them."""
    names = ["costly_values", "forged_values", "fd_passing", "fd_passing_fork", "forged_report", "deep_code"]
    fds_before = sorted(os.listdir("/proc/self/fd"))
    paths = [SOLUTION, *(hostile(n) for n in names[:3]), SOLUTION, *(hostile(n) for n in names[3:]), SOLUTION]
    results = grade_many(paths)
    fds_after = sorted(os.listdir("/proc/self/fd"))
    by_name = {r.submission: r for r in results if r.submission != "conv-math"}
    victims = [r for r in results if r.submission == "conv-math"]
    return by_name, victims, results, (fds_before, fds_after)


def test_neighbours_of_hostile_submissions_are_graded_as_if_alone(batch, assignment):
    _, victims, _, _ = batch
    assert len(victims) == 3
    for victim in victims:
        assert victim.status is Status.GRADED, victim.message
        assert victim.score == assignment.autograded_points, failing(victim)
        assert victim.seconds < 10


def test_costly_honest_values_are_refused_or_graded_cheaply(batch, assignment):
    result = batch[0]["costly_values"]
    assert result.status is Status.GRADED
    wrong = failing(result)
    # only the four replaced functions lose points; each says what came back
    assert set(wrong) == graded_by(assignment, "conv2d", "shift", "corr2d", "conv1d")
    for name in graded_by(assignment, "conv2d") - graded_by(assignment, "corr2d"):
        outcome, message = wrong[name]
        assert outcome is Outcome.ERROR and "(10000000, 0)" in message and "too large" in message
    assert any("set of 2000 items" in message for _, message in wrong.values())
    assert result.seconds < 20


def test_forged_values_are_the_students_fault_and_cost_little(batch, assignment):
    result = batch[0]["forged_values"]
    assert result.status is Status.GRADED
    forged = ("conv2d", "conv1d", "corr2d", "shift", "fc_layer", "reindex", "offset_layer", "expand_shared",
              "local_layer", "shared_layer")
    wrong = failing(result)
    assert set(wrong) == graded_by(assignment, *forged)
    for outcome, message in wrong.values():
        assert outcome is Outcome.ERROR and "the grader refuses" in message, message
    reasons = " ".join(message for _, message in wrong.values())
    for reason in ("malformed array shape", "frame too large", "used twice", "dtype that is not a plain number",
                   "a string of 1000000 characters", "more than 4300 digits", "malformed float",
                   "members of a dict are too large", "header is not JSON", "unexpected fields"):
        assert reason in reasons, reason
    assert result.seconds < 20


def test_file_descriptors_from_the_sandbox_are_checked_and_closed(batch, assignment):
    by_name, _, _, (before, after) = batch
    assert before == after  # the grader holds no descriptor the sandboxes sent
    # descriptors attached to a reply that expects none are discarded: the value is graded
    assert by_name["fd_passing"].score == assignment.autograded_points, failing(by_name["fd_passing"])
    # extra descriptors with a caller's socket: the sandbox is not trusted any further
    result = by_name["fd_passing_fork"]
    assert result.status is Status.GRADED and result.score == 0
    assert all("file descriptor" in message for _, message in failing(result).values())


def test_forged_executor_report_is_the_students_fault_naming_the_field(batch):
    result = batch[0]["forged_report"]
    assert result.status is Status.GRADED  # not an internal error
    assert result.score == 0
    assert "malformed report" in result.message and "'cells'" in result.message
    assert "internal" not in result.message.lower()


def test_deep_code_is_skipped_like_a_syntax_error_and_the_class_reports_survive(batch, assignment, tmp_path):
    by_name, _, results, _ = batch
    result = by_name["deep_code"]
    assert result.status is Status.GRADED and result.score == assignment.autograded_points, failing(result)
    assert "Python cannot compile it" in result.message and "too deep to check" in result.message
    written = write_reports(results, tmp_path, question_names=assignment.question_names, assignment=assignment.name)
    assert written.failures == ()
    summary = written.summary_html.read_text()
    assert "could not be drawn" not in summary and 'id="similar"' in summary
    assert len(list(written.feedback_dir.iterdir())) == len(results)
    rows = written.grades_csv.read_text().splitlines()
    assert len(rows) == len(results) + 1


def test_old_format_notebooks_are_converted_and_graded(grade, assignment):
    result = grade(hostile("old_format_v3"))
    assert result.status is Status.GRADED and result.score == assignment.autograded_points, result.message


def test_saved_outputs_do_not_count_toward_any_limit(tiny_grade, tiny_assignment, tmp_path):
    nb = nbformat.read(TINY_SOLUTION, as_version=4)
    image = "A" * (4 * 1024 * 1024)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    for cell in code[:5]:
        cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": image, "text/plain": "<Figure>"})] * 2
    path = tmp_path / "outputs.ipynb"
    nbformat.write(nb, path)
    assert path.stat().st_size > 40 * 1024 * 1024
    result = tiny_grade(path)
    assert result.status is Status.GRADED and result.score == tiny_assignment.autograded_points, result.message
    # the limit is on code
    nb.cells.append(nbformat.v4.new_code_cell("x = 1\n" * 500_000))
    nbformat.write(nb, path)
    result = tiny_grade(path)
    assert result.status is Status.INVALID and "characters of code" in result.message


def test_a_sandbox_that_fails_to_set_itself_up_is_our_fault(tiny_grader, tiny_assignment, monkeypatch):
    slot = tiny_grader.sandboxes.slots[0]

    def broken_start():
        ours, theirs = socket.socketpair()
        theirs.close()  # the executor died before running anything
        return Job(ours, 0)

    monkeypatch.setattr(slot, "start_job", broken_start)
    monkeypatch.setattr(slot, "finish_job", lambda job: job.close() or 0)
    result = grade_submission(TINY_SOLUTION, tiny_assignment, slot)
    assert result.status is Status.ERROR
    assert "Internal grading error" in result.message and "set itself up" in result.message
    assert "your notebook" not in result.message.lower()


def test_grading_control_cannot_be_swallowed_by_a_check_helper():
    assert not issubclass(SandboxLost, (Exception, StudentFault))

    def lost(*args):
        raise SandboxLost("the sandbox stopped answering")

    with pytest.raises(SandboxLost):
        smallest_failing("f", lost, lambda x: x, [{"x": 1}])


# ------------------------------------------------------------------ the instructor's faults


def _student(tmp_path: Path, name: str, body: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(f"def double(x):\n    {body}\n")]
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("broken")
    assignment = load_assignment(BROKEN)
    paths = [_student(folder, "right", "return 2 * x"), _student(folder, "text", "return str(2 * x)"),
             _student(folder, "off", "return x + 2")]
    with Grader(assignment, workers=1, outside=[ROOT / "tests", ROOT / "solutions", ROOT / ".git"]) as grader:
        results = grader.grade(paths)
        notes = grader.disagreements
        broken = dict(grader.assignment.broken_tests)
    written = write_reports(results, folder / "out", question_names=assignment.question_names, assignment="broken")
    return {r.submission: r for r in results}, notes, broken, written, results


def test_a_test_that_raises_on_its_own_is_the_instructors_fault(broken_run):
    results, notes, broken, _, _ = broken_run
    assert set(broken) == {("q1", "test_raises_before_calling"), ("q1", "test_helper_with_a_typo"),
                           ("q1", "test_helper_raises_an_instructor_fault")}
    assert any("test_helper_with_a_typo" in note and "reference solution" in note for note in notes)
    for result in results.values():
        outcomes = {t.name: t for t in result.tests}
        for name in ("test_raises_before_calling", "test_helper_with_a_typo", "test_helper_raises_an_instructor_fault"):
            test = outcomes[name]
            assert test.outcome is Outcome.INSTRUCTOR, (result.submission, name, test.outcome, test.message)
            assert test.score == test.max_score  # scored as passed: never charged to the student
            assert "Traceback" in test.detail
            assert "unrelated to your code" in test.message
    assert results["right"].score == 5
    assert results["off"].score == 4  # a wrong answer still costs its point
    assert {t.name: t.outcome for t in results["off"].tests}["test_uses_the_value"] is Outcome.FAILED
    text = {t.name: t for t in results["text"].tests}
    assert text["test_uses_the_value"].outcome is Outcome.ERROR  # the student's value made it raise
    assert "TypeError" in text["test_uses_the_value"].detail


def test_instructor_errors_reach_the_staff_and_never_the_student(broken_run):
    results, _, _, written, all_results = broken_run
    summary = written.summary_html.read_text()
    assert "Tests that raised" in summary and "instructor&#39;s fault" in summary
    assert "ZeroDivisionError" in summary and "np.allclos" in summary
    lines = instructor_report(all_results)
    assert any("test_raises_before_calling" in line and "instructor's fault" in line for line in lines)
    assert any("test_uses_the_value" in line and "charged to the student" in line for line in lines)
    for result in results.values():
        page = written.feedback[result.submission].read_text()
        payload = written.results[result.submission].read_text()
        for secret in ("Traceback", "1 / 0", "np.allclos", "reference data file"):
            assert secret not in page and secret not in payload, (result.submission, secret)
        statuses = {t["name"].split(" · ")[1]: t["status"] for t in json.loads(payload)["tests"]}
        assert statuses["test_raises_before_calling"] == "passed"


def test_unknown_keys_in_assignment_toml_are_named(tmp_path):
    copy = tmp_path / "assignment"
    shutil.copytree(BROKEN, copy)
    config = copy / "assignment.toml"
    text = config.read_text()
    config.write_text(text.replace("[limits]", "[limits]\ncpu_second = 3"))
    with pytest.raises(InstructorError, match="unknown key `limits.cpu_second`"):
        load_assignment(copy)
    config.write_text("totl_points = 5\n" + text)
    with pytest.raises(InstructorError, match="unknown key `totl_points`"):
        load_assignment(copy)


# ------------------------------------------------------------------ every report stage contains its failure


def test_a_failing_renderer_costs_one_report_not_the_run(batch, assignment, tmp_path, monkeypatch):
    import autograder.reports as reports
    import autograder.render.summary as summary

    _, _, results, _ = batch
    victim = results[1].submission
    real_feedback = reports.render_feedback_html

    def feedback(result, **kwargs):
        if result.submission == victim:
            raise ValueError("a renderer bug")
        return real_feedback(result, **kwargs)

    def similarity(*args, **kwargs):
        raise RecursionError("similarity too deep")

    monkeypatch.setattr(reports, "render_feedback_html", feedback)
    monkeypatch.setattr(summary, "similar_pairs", similarity)
    written = write_reports(results, tmp_path, question_names=assignment.question_names, assignment=assignment.name)
    assert any(victim in failure for failure in written.failures)
    page = written.feedback[victim].read_text()
    assert "could not be" in page and "not your fault" in page
    rows = written.grades_csv.read_text().splitlines()
    assert len(rows) == len(results) + 1
    assert any(row.startswith(victim + ",") and f",{results[1].score:g}," in row for row in rows)
    text = written.summary_html.read_text()
    assert "similar code: RecursionError" in text  # the section says it failed; the rest is there
    assert "Pass rate per test" in text
    assert written.gradescope_scores_csv.exists() and written.canvas_gradebook_csv.exists()


def test_a_failure_of_the_grader_inside_a_test_is_ours_not_the_instructors(tiny_grade, monkeypatch):
    import autograder.sandbox.caller as caller

    tiny_grade(TINY_SOLUTION)  # the session's grader is open (and its reference run done) before the bug is planted
    monkeypatch.setattr(caller, "_first_unsupported", None)  # the grader's own code now raises TypeError
    result = tiny_grade(TINY_SOLUTION)
    outcomes = {t.outcome for t in result.tests}
    assert Outcome.INTERNAL in outcomes and Outcome.INSTRUCTOR not in outcomes, outcomes
    internal = [t for t in result.tests if t.outcome is Outcome.INTERNAL]
    assert all(t.score == 0 and "not your fault" in t.message and "caller.py" in t.detail for t in internal)
