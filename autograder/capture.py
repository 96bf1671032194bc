"""Text captured from a student's process, made fit for a report.

What a notebook prints (`!pip install` progress bars, coloured tracebacks, `tqdm`) is written for a
terminal: colour and cursor escape codes, carriage returns that redraw a line, backspaces.  A report
is not a terminal, so `plain_text` keeps what a terminal would finally show and drops the codes.
"""

from __future__ import annotations

import re

# CSI (colours, cursor moves), OSC (window titles, hyperlinks; ended by BEL or ST), other two-byte escapes
_ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\|$)"  # OSC ... BEL | ST | end of text
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\|$)"  # DCS, SOS, PM, APC strings
    r"|\x1b[ -/]*[0-~]"  # two-byte escapes (ESC c, ESC 7, ...)
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(text: str) -> str:
    """Return `text` as a terminal would finally show it, without escape codes or control characters.

    A carriage return inside a line redraws it, so only what follows the last one is kept (a
    progress bar leaves its final state); a backspace erases the character before it.  Newlines and
    tabs are kept.
    """
    if not text:
        return text
    text = _ESCAPE.sub("", text).replace("\r\n", "\n")
    lines = []
    for line in text.split("\n"):
        if "\r" in line:
            line = next((part for part in reversed(line.split("\r")) if part), "")
        if "\b" in line:
            kept: list[str] = []
            for char in line:
                if char == "\b":
                    if kept:
                        kept.pop()
                else:
                    kept.append(char)
            line = "".join(kept)
        lines.append(_CONTROL.sub("", line))
    return "\n".join(lines)
