"""Stage 1: read a submitted file and decide whether it is a gradable notebook.

Everything a student can get wrong about the file itself ends here with `InvalidSubmission`
and a message in plain words; nothing of the file is executed in this process.
"""

from __future__ import annotations

import ast
import functools
import gc
import json
import os
import re
import stat
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from .errors import InvalidSubmission

MAX_FILE_BYTES = 200 * 1024 * 1024  # what is read at all; saved outputs are dropped after reading
MAX_CODE_CHARS = 2 * 1024 * 1024  # the code cells together, once outputs are gone
MAX_MARKDOWN_CHARS = 2 * 1024 * 1024
MAX_CELLS = 2000
MAX_AST_DEPTH = 200  # deeper cells are skipped: the grader's own analysis of them would not end well
SUPPORTED_FORMATS = (1, 2, 3, 4)

# Python 3.11's parser counts the depth of the syntax tree it builds per interpreter, not per
# thread: two grading threads parsing at once can fail with "SystemError: AST constructor
# recursion depth mismatch".  Every parse of a submission's code in the grader holds this lock.
PARSE_LOCK = threading.RLock()


@dataclass(frozen=True)
class Submission:
    """A validated notebook: its code cells in order and its markdown cells.

    `text` is the notebook as the sandbox gets it (format 4, saved outputs and attachments
    removed).  `unusable` maps a code cell's index to why it is skipped rather than run: Python
    cannot compile it (nested too deeply for the parser) or it is nested too deeply to analyse.
    """

    name: str
    path: Path
    text: str
    code_cells: tuple[str, ...]
    markdown_cells: tuple[str, ...]
    unusable: Mapping[int, str] = field(default_factory=dict)

    @property
    def checkable_cells(self) -> tuple[str, ...]:
        """The code cells with the unusable ones blanked, for the grader's own analysis."""
        return tuple("" if i in self.unusable else cell for i, cell in enumerate(self.code_cells))


def submission_name(path: Path) -> str:
    return path.name[: -len(".ipynb")] if path.name.endswith(".ipynb") else path.name


def load_submission(path: Path) -> Submission:
    """Return the validated notebook at `path`; raise InvalidSubmission saying why it is not one.

    Notebooks of formats 1 to 3 are converted to format 4.  Saved outputs count toward no limit
    (a correct notebook with 40 MB of figures is graded): they are dropped, and the limits apply
    to the code and text that remain.
    """
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
    if info.st_size > MAX_FILE_BYTES:
        raise InvalidSubmission(
            f"the file is {info.st_size / 1e6:.0f} MB, over the {MAX_FILE_BYTES // 2**20} MiB limit even for a notebook "
            "with saved outputs; clear them (Kernel > Restart & Clear Output) and submit again."
        )
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        raw = handle.read(MAX_FILE_BYTES + 1)
    if b"\x00" in raw[:8192]:
        raise InvalidSubmission("the file is binary, not a Jupyter notebook (.ipynb is JSON text).")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidSubmission("the file is not UTF-8 text, so it is not a Jupyter notebook.") from None
    del raw
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidSubmission(
            "the file is not valid JSON, so Jupyter cannot open it either (was it renamed from a .py or .pdf file?)."
        ) from None
    del text
    data = _as_format_4(data)
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
        cell.pop("outputs", None)
        cell.pop("attachments", None)
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
            code.append(source)
        elif cell.get("cell_type") == "markdown":
            markdown.append(source)
    code_chars = sum(map(len, code))
    if code_chars > MAX_CODE_CHARS:
        raise InvalidSubmission(f"the notebook holds {code_chars / 1e6:.1f} million characters of code, over the limit "
                                f"of {MAX_CODE_CHARS / 1e6:.1f} million (saved outputs do not count).")
    if sum(map(len, markdown)) > MAX_MARKDOWN_CHARS:
        raise InvalidSubmission(f"the notebook holds over {MAX_MARKDOWN_CHARS / 1e6:.1f} million characters of text "
                                "in its markdown cells (images pasted as text?); remove them and submit again.")
    unusable = {i: why for i, why in enumerate(map(_unusable, code)) if why}
    return Submission(name=name, path=path, text=json.dumps(data, ensure_ascii=False), code_cells=tuple(code),
                      markdown_cells=tuple(markdown), unusable=unusable)


def _as_format_4(data: object) -> dict:
    """The notebook as a format-4 dict (older formats converted by nbformat), outputs not yet dropped."""
    if not isinstance(data, dict):
        raise InvalidSubmission("the file is JSON but not a Jupyter notebook (it is not an object with cells).")
    version = data.get("nbformat")
    if version is None or not isinstance(data.get("cells", data.get("worksheets")), list):
        raise InvalidSubmission("the file is JSON but not a Jupyter notebook (it has no list of cells).")
    if version not in SUPPORTED_FORMATS:
        raise InvalidSubmission(f"the notebook format is {str(version)[:20]!r}; Jupyter's formats 1 to 4 are supported.")
    if version < 4:
        for worksheet in data.get("worksheets", []) if isinstance(data.get("worksheets"), list) else []:
            for cell in worksheet.get("cells", []) if isinstance(worksheet, dict) else []:
                if isinstance(cell, dict):
                    cell["outputs"] = []  # before converting: the conversion would copy them
        try:
            import nbformat

            data = nbformat.reads(json.dumps(data), as_version=4)  # joins split sources, then converts
        except Exception as error:  # nbformat raises many kinds on a malformed old notebook
            raise InvalidSubmission(f"the notebook is in Jupyter's old format {version} and cannot be converted "
                                    f"({type(error).__name__}); open and save it in a current Jupyter.") from None
        data = json.loads(json.dumps(data))  # plain dicts and lists again
    if not isinstance(data.get("cells"), list):
        raise InvalidSubmission("the file is JSON but not a Jupyter notebook (it has no list of cells).")
    return data


@functools.lru_cache(maxsize=4096)  # most cells are the starter notebook's, the same in every submission
def _unusable(source: str) -> str:
    """Why a code cell cannot be run or analysed (empty when it can): Python cannot compile it, or it
    is nested too deeply.  An ordinary syntax error is not a reason: it is reported when the cell runs."""
    for plain, version in ((True, lambda: source), (False, lambda: _ipython_transform()(source))):
        try:
            text = version()
            with PARSE_LOCK:
                tree = parse_without_collecting(text)
        except SyntaxError as error:
            if "too many nested" in str(error) or "too complex" in str(error):
                return f"Python cannot compile it ({error.msg})"
            continue  # perhaps IPython syntax (magics, `!` commands): try it as IPython reads it
        except (RecursionError, MemoryError):
            return "Python cannot compile it (it is nested too deeply)"
        except ValueError:  # a null byte: the cell fails when it runs, as in Jupyter
            return ""
        depth = _depth(tree)
        if depth > MAX_AST_DEPTH:
            return f"it is nested more than {MAX_AST_DEPTH} levels deep, too deep to check"
        if plain:
            _keep_tree(source, tree)
        return ""
    return ""


KEPT_TREES = 256  # the trees of the cells read last, for the static check and cells.py
_TREES: "OrderedDict[str, ast.Module]" = OrderedDict()
_TREES_LOCK = threading.Lock()


def _keep_tree(source: str, tree: ast.Module) -> None:
    with _TREES_LOCK:
        _TREES[source] = tree
        while len(_TREES) > KEPT_TREES:
            _TREES.popitem(last=False)


def parsed_cell(source: str) -> ast.Module | None:
    """The syntax tree of a code cell that reading the notebook parsed as plain Python, while it is
    among the last cells read; None otherwise (a cell with IPython syntax included).  Shared: never
    change it."""
    with _TREES_LOCK:
        return _TREES.get(source)


def parse_without_collecting(text: str) -> ast.Module:
    """`ast.parse(text)` with the cyclic garbage collector paused: a syntax tree holds no cycle,
    and the collections its thousands of new nodes set off (each walking the grader's whole heap)
    cost more than the parse itself."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return ast.parse(text)
    finally:
        if paused:
            gc.enable()


def _ipython_transform():
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """`ast.iter_child_nodes(node)` as a list, in the same order, without its generators."""
    found = []
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            found.append(value)
        elif type(value) is list:
            found.extend(item for item in value if isinstance(item, ast.AST))
    return found


def _depth(tree: ast.AST) -> int:
    """The depth of a syntax tree, found without recursion, one level at a time."""
    level, depth = [tree], 0
    while level and depth <= MAX_AST_DEPTH:
        depth += 1
        level = [child for node in level for child in child_nodes(node)]
    return depth if not level else depth + 1


_BEGIN = re.compile(r"<!--\s*BEGIN QUESTION\s*-->")
_END = re.compile(r"<!--\s*END QUESTION\s*-->")
_NAME = re.compile(r"<!--\s*question:\s*([^\s>]+)\s*-->")  # written by `make assign` after BEGIN QUESTION
_PLACEHOLDER = "_Type your answer here, replacing this text._"


def extract_written_answers(submission: Submission, questions: Sequence[str]) -> dict[str, str]:
    """The markdown a student wrote for each manually graded question in `questions`, by question name.

    Otter's student notebooks open a manual question with a `BEGIN QUESTION` marker in the prompt
    cell and close it with `END QUESTION`; the answer is every markdown cell between the two.  The
    prompt cell also names its question (`<!-- question: q7 -->`, added by `make assign`), so an
    answer reaches its own question whatever the student deleted, moved or added around it.  A block
    whose name was removed is used only when it cannot be anyone else's: the one nameless block, for
    the one question left without an answer.  An untouched placeholder counts as no answer; a
    question answered in two blocks (a copied prompt cell) gets both, in notebook order.
    """
    named: dict[str, list[str]] = {}
    nameless: list[str] = []
    for name, text in _answer_blocks(submission.markdown_cells):
        if name is None:
            nameless.append(text)
        elif name in questions:
            named.setdefault(name, []).append(text)
    answers = {name: "\n\n".join(t for t in texts if t) for name, texts in named.items()}
    left = [q for q in questions if q not in answers]
    if len(left) == 1 and len(nameless) == 1:
        answers[left[0]] = nameless[0]
    return {q: answers.get(q, "") for q in questions}


def _answer_blocks(cells: Iterable[str]) -> list[tuple[str | None, str]]:
    """(question name or None, answer text) of every BEGIN/END QUESTION block, in notebook order."""
    blocks: list[tuple[str | None, str]] = []
    current: list[str] | None = None
    name: str | None = None
    for cell in cells:
        if current is not None:
            head = _END.split(cell)[0].strip() if _END.search(cell) else cell.strip()
            if _BEGIN.search(head):
                head = ""
            if head and head != _PLACEHOLDER:
                current.append(head)
            if _END.search(cell) or _BEGIN.search(cell):
                blocks.append((name, "\n\n".join(current)))
                current = None
        if current is None and _BEGIN.search(cell) and not _END.search(cell):
            current = []
            found = _NAME.search(cell)
            name = found.group(1) if found else None
    if current is not None:
        blocks.append((name, "\n\n".join(current)))
    return blocks
