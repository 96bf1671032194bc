"""`make bench`: throughput of the engine against `otter run`, measured in the same run.

Grades a mixed corpus (correct, one-mistake, broken, blank and invalid notebooks; at least
200 files) with every sandbox protection on, then runs `otter run` on a sample of the same
files, and prints submissions per second for both and their ratio.  It also prints whether
the two agree on the sample's scores, since a fast grader that grades differently is no use.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .assignment import load_assignment
from .batch import Grader
from .load import load_submission
from .results import Status

ROOT = Path(__file__).resolve().parents[1]


def build_corpus(folder: Path, size: int) -> list[Path]:
    """Copy the project's example notebooks round-robin into `folder` until it holds `size` files."""
    sources = sorted(
        [ROOT / "solutions" / "conv-math" / "conv-math.ipynb", ROOT / "assignments" / "conv-math" / "student" / "conv-math.ipynb"]
        + list((ROOT / "tests" / "submissions" / "correct").glob("*.ipynb"))
        + list((ROOT / "tests" / "submissions" / "mutants").glob("*.ipynb"))
        + list((ROOT / "tests" / "submissions" / "examples").glob("*.ipynb"))
    )
    paths = []
    for index in range(size):
        source = sources[index % len(sources)]
        target = folder / f"{index:04d}-{source.stem}.ipynb"
        shutil.copyfile(source, target)
        paths.append(target)
    return paths


NAMES = ["i", "j", "r", "c", "a", "b", "p", "q", "row", "col", "x", "y", "u", "v", "k", "l", "m", "n", "ii", "jj"]
ARRAYS = ["out", "res", "result", "Y", "H", "acc", "total", "ans", "C", "Z", "output", "buf"]


def _expr(rng: random.Random, names: list[str], depth: int = 0) -> str:
    choice = rng.random()
    if depth > 1 or choice < 0.35:
        return rng.choice(names)
    if choice < 0.55:
        return str(rng.randint(1, 3))
    op = rng.choice(["+", "-", "*", "//"])
    return f"{_expr(rng, names, depth + 1)} {op} {_expr(rng, names, depth + 1)}"


def _body(rng: random.Random, params: list[str]) -> str:
    """A plausible loop-and-slice body over the parameters, different in many small choices."""
    p = list(params) or ["X"]
    a = p[0]
    i, j = rng.sample(NAMES, 2)
    h, w = rng.sample(["h", "w", "m", "n", "rows", "cols", "H0", "W0", "s", "t"], 2)
    out = rng.choice(ARRAYS)
    lines = []
    if rng.random() < 0.5:
        lines.append(f"{h}, {w} = {a}.shape")
    else:
        lines.append(f"{h} = {a}.shape[0]")
        lines.append(f"{w} = {a}.shape[1]")
    extra = p[1] if len(p) > 1 else a
    alloc = rng.choice(["np.zeros(({h}, {w}))", "np.zeros_like({a}, dtype=float)", "np.full(({h}, {w}), 0.0)",
                        "np.zeros(({h} + {d}, {w} + {d}))", "np.empty(({h}, {w}))"])
    lines.append(f"{out} = " + alloc.format(h=h, w=w, a=a, d=rng.randint(0, 2)))
    if rng.random() < 0.3:
        lines.append(f"print({out}.shape, {h}, {w})")
    loop_i = rng.choice([f"range({h})", f"range({h} - {rng.randint(0, 2)})", f"range(0, {h})", f"range({out}.shape[0])"])
    loop_j = rng.choice([f"range({w})", f"range({w} - {rng.randint(0, 2)})", f"range(0, {w})", f"range({out}.shape[1])"])
    lines.append(f"for {i} in {loop_i}:")
    lines.append(f"    for {j} in {loop_j}:")
    inner = "        "
    if rng.random() < 0.3:
        lines.append(f"{inner}if {i} < {h} and {j} < {w}:")
        inner += "    "
    window = f"{a}[{i}:{i} + {_expr(rng, [h, w, '1', '2'])}, {j}:{j} + {_expr(rng, [h, w, '1', '2'])}]"
    term = rng.choice([f"np.sum({window} * {extra})", f"({window} * {extra}).sum()", f"np.vdot({window}, {extra})",
                       f"{a}[{i}, {j}] * {extra}", f"np.sum({extra} * {window})", f"float(np.sum({window} * {extra}))"])
    op = rng.choice(["=", "+=", "="])
    lines.append(f"{inner}{out}[{i}, {j}] {op} {term}")
    if rng.random() < 0.25:
        lines.append(f"{inner}# {rng.choice(['slide', 'window', 'dot product', 'accumulate', 'TODO check edges'])}")
    if rng.random() < 0.2:
        lines.append(f"assert {out}.shape == ({h}, {w})")
    lines.append(f"return {out}" if rng.random() < 0.8 else f"return np.asarray({out}, dtype=float)")
    return "\n".join("    " + line for line in lines)


def synthetic_class(size: int, seed: int = 0) -> tuple[dict[str, list[str]], list[str], list[tuple[str, str]]]:
    """A class of `size` synthetic submissions for timing similarity, with planted copies.

    Every student starts from the real student notebook's code cells and fills each function with a
    body: half the time one of four canonical bodies per function (as many students converge on the
    same solution), otherwise a body of their own drawn from many small choices (names, shapes, loop
    bounds, how the window is summed, debug prints, asserts, comments); half of them add a scratch
    cell.  Then one in a thousand (at least three) has a copier: the same notebook with every local
    name changed, comments dropped and the cells after the first two shuffled.  Returns
    (sources by name, the template's code cells, the planted (original, copy) pairs).
    """
    rng = random.Random(seed)
    template = list(load_submission(ROOT / "assignments" / "conv-math" / "student" / "conv-math.ipynb").code_cells)
    functions = {}
    for cell in template:
        for name, params in re.findall(r"^def (\w+)\(([^)]*)\)", cell, re.M):
            functions[name] = [x.strip() for x in params.split(",") if x.strip()]
    canonical = {name: [_body(rng, params) for _ in range(4)] for name, params in functions.items()}
    sources = {}
    for index in range(size):
        def fill(match: re.Match) -> str:
            name = match.group(1)
            if rng.random() < 0.5:
                body = rng.choice(canonical[name])
            else:
                body = _body(rng, functions[name])
            return match.group(0).replace("    ...", body)
        cells = []
        for cell in template:
            cells.append(re.sub(r"^def (\w+)\((?:[^)]*)\)[^\n]*\n(?:[ \t][^\n]*\n|\n)*?    \.\.\.", fill, cell, flags=re.M))
        if rng.random() < 0.5:  # a scratch cell of the student's own
            lines = [f"{rng.choice(ARRAYS)}_{k} = np.random.rand({rng.randint(2, 9)}, {rng.randint(2, 9)})" for k in range(rng.randint(1, 4))]
            lines.append(f"print({rng.choice(list(functions))}({lines[0].split(' =')[0]}, np.ones(({rng.randint(1, 4)}, {rng.randint(1, 4)}))))")
            cells.insert(rng.randint(2, len(cells)), "\n".join(lines))
        sources[f"student{index:05d}"] = cells
    planted = []
    for k in range(max(3, size // 1000)):
        original = f"student{rng.randrange(size):05d}"
        copy = f"copier{k:03d}"
        sources[copy] = _disguise(rng, sources[original], frozenset(template))
        planted.append((original, copy))
    return sources, template, planted


def _disguise(rng: random.Random, cells: list[str], template: frozenset[str]) -> list[str]:
    """The cells with the student's own local names changed and comments dropped, in another order."""
    out = []
    for cell in cells:
        if cell in template:
            out.append(cell)
            continue
        renamed = cell
        for old in set(re.findall(r"\b(?:out|res|result|Y|H|acc|total|ans|C|Z|output|buf|h|w|m|n|rows|cols)\b", cell)):
            renamed = re.sub(rf"\b{old}\b", old + "_v2", renamed)
        renamed = "\n".join(line for line in renamed.split("\n") if not line.strip().startswith("#"))
        out.append(renamed)
    head, rest = out[:2], out[2:]
    rng.shuffle(rest)
    return head + rest


def otter_run(paths: list[Path], assignment_dir: Path, work: Path) -> tuple[float, dict[str, float]]:
    """Time `otter run` on each path; return seconds and the score otter gave each."""
    zip_path = work / "otter-autograder.zip"
    files = []
    if (assignment_dir / "grading.py").exists():  # otter generate takes support files relative to its cwd
        shutil.copyfile(assignment_dir / "grading.py", work / "grading.py")
        files.append("grading.py")
    subprocess.run([sys.executable, "-m", "otter", "generate", "-t", str(assignment_dir / "tests"), "-o", str(zip_path), *files],
                   cwd=work, check=True, capture_output=True)
    scores = {}
    started = time.monotonic()
    for path in paths:
        out = work / f"otter-{path.stem}"
        out.mkdir()
        subprocess.run([sys.executable, "-m", "otter", "run", "-a", str(zip_path), "-o", str(out), str(path)],
                       cwd=work, capture_output=True, timeout=600)
        try:
            tests = json.loads((out / "results.json").read_text())["tests"]
            scores[path.stem] = float(sum(t["score"] for t in tests if t.get("score") is not None))
        except (OSError, ValueError, KeyError):
            scores[path.stem] = float("nan")
    return time.monotonic() - started, scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assignment", default=str(ROOT / "assignments" / "conv-math"))
    parser.add_argument("--size", type=int, default=240, help="submissions in the corpus")
    parser.add_argument("--otter-sample", type=int, default=6, help="submissions given to otter run")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    assignment = load_assignment(Path(args.assignment))
    with tempfile.TemporaryDirectory(prefix="conv-grader-bench-") as tmp:
        work = Path(tmp)
        corpus_dir = work / "corpus"
        corpus_dir.mkdir()
        paths = build_corpus(corpus_dir, args.size)

        started = time.monotonic()
        with Grader(assignment, workers=args.workers, hide=[corpus_dir]) as grader:
            ready = time.monotonic()
            results = grader.grade(paths)
            protections = grader.protections.summary()
        ours_seconds = time.monotonic() - started
        ours_rate = len(paths) / ours_seconds
        by_status = {s.value: sum(r.status is s for r in results) for s in Status}

        gradable = [p for p, r in zip(paths, results) if r.status is Status.GRADED]
        step = max(1, len(gradable) // args.otter_sample)
        sample = gradable[::step][: args.otter_sample]
        otter_seconds, otter_scores = otter_run(sample, Path(args.assignment).resolve(), work)
        otter_rate = len(sample) / otter_seconds
        print(f"conv-grader: {len(paths)} in {ours_seconds:.2f} s = {ours_rate:.1f} submissions/s; now otter run on {len(sample)}...",
              flush=True)
        ours_by_name = {r.submission: r.score for r in results}
        agree = sum(abs(otter_scores[p.stem] - ours_by_name[p.stem]) < 1e-9 for p in sample)

    print(protections)
    print(f"corpus: {len(paths)} submissions {by_status}")
    print(f"conv-grader: {len(paths)} in {ours_seconds:.2f} s (start-up {ready - started:.2f} s) "
          f"= {ours_rate:.1f} submissions/s on {grader.workers} workers")
    print(f"otter run:   {len(sample)} in {otter_seconds:.2f} s = {otter_rate:.2f} submissions/s")
    print(f"ratio: {ours_rate / otter_rate:.0f}x the throughput of otter run")
    print(f"scores agree with otter run on {agree}/{len(sample)} sampled submissions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
