"""Stage 1: read a submitted file and decide whether it is a gradable notebook.

Everything a student can get wrong about the file itself ends here with `InvalidSubmission`
and a message in plain words; nothing of the file is executed in this process.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import InvalidSubmission

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
MAX_CELLS = 2000


@dataclass(frozen=True)
class Submission:
    """A validated notebook: its code cells in order and its markdown cells."""

    name: str
    path: Path
    text: str
    code_cells: tuple[str, ...]
    markdown_cells: tuple[str, ...]


def submission_name(path: Path) -> str:
    return path.name[: -len(".ipynb")] if path.name.endswith(".ipynb") else path.name


def load_submission(path: Path) -> Submission:
    """Return the validated notebook at `path`; raise InvalidSubmission saying why it is not one."""
    name = submission_name(path)
    try:
        info = os.lstat(path)
    except OSError as error:
        raise InvalidSubmission(f"the file cannot be read ({error.strerror}).") from None
    if stat.S_ISLNK(info.st_mode):
        raise InvalidSubmission("the submission is a symbolic link, not a notebook file; submit the .ipynb file itself.")
    if not stat.S_ISREG(info.st_mode):
        raise InvalidSubmission("the submission is not a regular file.")
    if info.st_size == 0:
        raise InvalidSubmission("the file is empty; save your notebook in Jupyter and submit the .ipynb file.")
    if info.st_size > MAX_NOTEBOOK_BYTES:
        raise InvalidSubmission(
            f"the file is {info.st_size / 1e6:.1f} MB, over the {MAX_NOTEBOOK_BYTES // 2**20} MiB limit; "
            "clear large outputs (Kernel > Restart & Clear Output) and submit again."
        )
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        raw = handle.read(MAX_NOTEBOOK_BYTES + 1)
    if b"\x00" in raw[:8192]:
        raise InvalidSubmission("the file is binary, not a Jupyter notebook (.ipynb is JSON text).")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidSubmission("the file is not UTF-8 text, so it is not a Jupyter notebook.") from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidSubmission(
            "the file is not valid JSON, so Jupyter cannot open it either (was it renamed from a .py or .pdf file?)."
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise InvalidSubmission("the file is JSON but not a Jupyter notebook (it has no list of cells).")
    nbformat = data.get("nbformat")
    if nbformat != 4:
        raise InvalidSubmission(f"the notebook format is {nbformat!r}; only Jupyter's format 4 is supported.")
    if len(data["cells"]) > MAX_CELLS:
        raise InvalidSubmission(f"the notebook has {len(data['cells'])} cells, over the limit of {MAX_CELLS}.")
    code, markdown = [], []
    for index, cell in enumerate(data["cells"]):
        if not isinstance(cell, dict):
            raise InvalidSubmission(f"cell {index + 1} of the notebook is malformed.")
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise InvalidSubmission(f"cell {index + 1} of the notebook has a malformed source.")
        if cell.get("cell_type") == "code":
            code.append(source)
        elif cell.get("cell_type") == "markdown":
            markdown.append(source)
    return Submission(name=name, path=path, text=text, code_cells=tuple(code), markdown_cells=tuple(markdown))


_BEGIN = re.compile(r"<!--\s*BEGIN QUESTION\s*-->")
_END = re.compile(r"<!--\s*END QUESTION\s*-->")
_PLACEHOLDER = "_Type your answer here, replacing this text._"


def extract_written_answers(submission: Submission) -> list[str]:
    """The markdown a student wrote for each manually graded question, in notebook order.

    Otter's student notebooks open a manual question with a `BEGIN QUESTION` marker in the
    prompt cell and close it with `END QUESTION`; the answer is every markdown cell between
    the two.  An untouched placeholder counts as no answer.
    """
    answers: list[str] = []
    current: list[str] | None = None
    for cell in submission.markdown_cells:
        if current is not None:
            head = _END.split(cell)[0].strip() if _END.search(cell) else cell.strip()
            if head and head != _PLACEHOLDER:
                current.append(head)
            if _END.search(cell) or _BEGIN.search(cell):
                answers.append("\n\n".join(current))
                current = None
        if current is None and _BEGIN.search(cell) and not _END.search(cell):
            current = []
    if current is not None:
        answers.append("\n\n".join(current))
    return answers
