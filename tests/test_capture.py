"""Captured output reaches the reports as a terminal would finally show it: no escape codes."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.capture import plain_text
from autograder.render import render_feedback_html, render_gradescope

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "conv-math" / "conv-math.ipynb"


@pytest.mark.parametrize(
    "raw, shown",
    [
        ("\x1b[1;31mred\x1b[0m plain", "red plain"),
        ("Downloading  10%\rDownloading  55%\rDownloading 100%\n", "Downloading 100%\n"),
        ("abc\b\bX", "aX"),
        ("\x1b]0;window title\x07after", "after"),
        ("\x1b]8;;https://example.org\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("\x1b[2K\x1b[1Gline\x1b[?25h", "line"),
        ("tab\tkept\r\nwindows line\n", "tab\tkept\nwindows line\n"),
        ("bell\x07 and \x00nul", "bell and nul"),
        ("unterminated \x1b]0;title", "unterminated "),
    ],
)
def test_plain_text_keeps_what_a_terminal_shows(raw, shown):
    assert plain_text(raw) == shown


def test_colour_codes_of_a_notebook_never_reach_a_report(grade, tmp_path):
    nb = nbformat.read(SOLUTION, as_version=4)
    nb.cells += [
        nbformat.v4.new_code_cell("print('\\x1b[1;31mcoloured\\x1b[0m text')"),
        nbformat.v4.new_code_cell("!printf '\\033[32mgreen from the shell\\033[0m\\n'"),
        nbformat.v4.new_code_cell("import sys\nfor p in (10, 50, 100):\n    sys.stdout.write(f'\\rpip {p}%')\nprint()"),
        nbformat.v4.new_code_cell("raise ValueError('\\x1b[35mmagenta error\\x1b[0m')"),
    ]
    path = tmp_path / "colours.ipynb"
    nbformat.write(nb, path)
    result = grade(path)
    assert "coloured text" in result.stdout and "green from the shell" in result.stdout
    assert "pip 100%" in result.stdout and "pip 10%" not in result.stdout
    assert "magenta error" in result.message
    for text in (result.stdout, result.message, render_feedback_html(result, title="conv-math"), str(render_gradescope(result))):
        assert "\x1b" not in text and "[0m" not in text and "\r" not in text
