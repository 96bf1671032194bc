"""Feedback pages and results JSON of a large class are drawn by worker processes: the same files
as drawn one by one, and a page that cannot be drawn is still contained."""

from __future__ import annotations

from dataclasses import replace

from autograder import reports
from autograder.reports import write_reports
from test_render import graded_result, invalid_result, timeout_result


def _class(size: int):
    makers = (graded_result, invalid_result, timeout_result)
    return [replace(makers[i % 3](), submission=f"student{i:03d}") for i in range(size)]


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_parallel_reports_are_the_reports_drawn_one_by_one(tmp_path, monkeypatch):
    results = _class(reports.PARALLEL_FROM + 6)
    parallel = write_reports(results, tmp_path / "parallel", question_names=["q1", "q2"], assignment="conv-math")
    monkeypatch.setattr(reports, "PARALLEL_FROM", 10**9)
    serial = write_reports(results, tmp_path / "serial", question_names=["q1", "q2"], assignment="conv-math")
    assert parallel.failures == serial.failures == ()
    assert _files(tmp_path / "parallel") == _files(tmp_path / "serial")
    assert len(list((tmp_path / "parallel" / "feedback").iterdir())) == len(results)


def test_a_page_that_cannot_be_drawn_in_a_worker_is_contained(tmp_path, monkeypatch):
    results = _class(reports.PARALLEL_FROM + 6)
    drawn = reports.render_feedback_html

    def fragile(result, **kwargs):
        if result.submission == "student007":
            raise RuntimeError("no heatmap today")
        return drawn(result, **kwargs)

    monkeypatch.setattr(reports, "render_feedback_html", fragile)
    written = write_reports(results, tmp_path, question_names=["q1", "q2"], assignment="conv-math")
    assert any("student007" in failure for failure in written.failures)
    assert len(list(written.feedback_dir.iterdir())) == len(results)
    assert "could not be drawn" in (written.feedback_dir / "student007.html").read_text() or \
        "could not be written" in (written.feedback_dir / "student007.html").read_text()
