"""`make bench`: what a TA waits for, against the floor and `otter run`, all measured in the same run.

1. `make grade`'s own command (sandbox with every protection, every report) on a mixed corpus
   (correct, one-mistake, blank and example notebooks) at two class sizes, 200 and 2000 by default:
   submissions per second, wall and CPU time per submission, and how the cost per submission grows
   with the class (flat is linear).  CPU counts every process of the run (grader, fork servers,
   sandboxes, report workers), read from a cgroup made for the run where the machine allows one
   (root, or a delegated cgroup): `getrusage` cannot see a sandbox's processes, which end when the
   first process of their PID namespace is killed, so without a cgroup the figure is too low and
   says so.  Copies of a notebook keep the cells it shares with the student notebook and get a
   comment in every other cell, so that, as in a real class, only the starter's cells recur verbatim.
2. The floor: the same notebooks and the same test files run by otter's own runner in one warm
   process with no protection (the solution alone, as the issue defines it, and every notebook of
   the corpus, the same mix the engine grades); the engine's CPU per submission as a multiple of each.
3. `otter run` on a sample of the same files: throughput ratio, and whether the scores agree.
4. Similarity on a synthetic class of 10,000 (`synthetic_class`): wall and CPU seconds.

Figures are printed, never asserted: on a shared machine only the ratios measured in one run mean much.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Sequence

from .assignment import Assignment, load_assignment
from .load import load_submission

PACKAGE = Path(__file__).resolve().parent


def corpus_sources(assignment: Assignment, folders: Sequence[Path]) -> list[Path]:
    """The notebooks a benchmark corpus is made of: the assignment's solution and blank student
    notebook, and every *.ipynb in `folders` (submissions of that assignment: correct, mistaken, ...)."""
    return sorted({p for p in (assignment.solution, assignment.student_notebook) if p is not None and p.is_file()}
                  | {p for folder in folders for p in Path(folder).glob("*.ipynb")})


def build_corpus(folder: Path, size: int, sources: Sequence[Path], *, starter: Sequence[str] = ()) -> list[Path]:
    """Copy `sources` round-robin into `folder` until it holds `size` files.

    In each copy every code cell that is not a starter cell ends with a comment naming the copy:
    what runs is unchanged, but only the starter's cells recur verbatim from one submission to the
    next, as in a real class (caches keyed by a cell's text see no more repeats than they would
    there).  Starter cells are the `starter` cells (the student notebook's) and the cells at least
    half of the sources share verbatim (the student notebook they were made from, if older).
    """
    if not sources:
        raise SystemExit("no notebooks to build a benchmark corpus from (give --corpus folders of submissions)")
    shared: Counter[str] = Counter()
    for source in sources:
        with contextlib.suppress(Exception):  # not a notebook: copied as it is below
            shared.update(set(load_submission(source).code_cells))
    kept = set(starter) | {cell for cell, count in shared.items() if 2 * count >= len(sources)}
    paths = []
    for index in range(size):
        source = sources[index % len(sources)]
        target = folder / f"{index:04d}-{source.stem}.ipynb"
        paths.append(target)
        try:
            notebook = json.loads(source.read_text(encoding="utf-8"))
            for cell in notebook.get("cells", []):
                if cell.get("cell_type") == "code":
                    text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                    if text not in kept:
                        cell["source"] = f"{text}\n# copy {index}"
        except (OSError, ValueError, KeyError, TypeError, AttributeError):  # not a notebook: graded as invalid, copied as it is
            shutil.copyfile(source, target)
            continue
        target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False), encoding="utf-8")
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


def synthetic_class(size: int, seed: int = 0, *, template: Path) -> tuple[dict[str, list[str]], list[str], list[tuple[str, str]]]:
    """A class of `size` synthetic submissions for timing similarity, with planted copies.

    Every student starts from the code cells of the student notebook `template` and fills each function with a
    body: half the time one of four canonical bodies per function (as many students converge on the
    same solution), otherwise a body of their own drawn from many small choices (names, shapes, loop
    bounds, how the window is summed, debug prints, asserts, comments); half of them add a scratch
    cell.  Then one in a thousand (at least three) has a copier: the same notebook with every local
    name changed, comments dropped and the cells after the first two shuffled.  Returns
    (sources by name, the template's code cells, the planted (original, copy) pairs).
    """
    rng = random.Random(seed)
    template = list(load_submission(template).code_cells)
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
    shutil.copyfile(PACKAGE / "self_checks.py", work / "self_checks.py")  # the public tests import it
    files.append("self_checks.py")
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


def floor(notebooks: Sequence[Path], assignment_dir: Path, repeats: int, *, limit: float = 30.0) -> dict[str, float]:
    """The floor, in this process: each notebook's cells run and every test file run by otter's own
    runner (`otter.test_files.create_test_file(...).run`), `repeats` times after one warm-up, with
    no sandbox, no protection and no report.  A cell or test file that runs past `limit` seconds is
    stopped (as the engine stops it).  Returns CPU and wall seconds per notebook (the mean over
    `notebooks`, each counted once, as the round-robin corpus counts them) and the first one's score."""
    import signal

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from IPython.core.inputtransformer2 import TransformerManager
    from otter.nbmeta_config import NBMetadataConfig
    from otter.test_files import create_test_file

    from . import self_checks
    from .errors import InvalidSubmission

    notebooks = [Path(notebook).resolve() for notebook in notebooks]
    os.chdir(assignment_dir)
    sys.path.insert(0, str(assignment_dir))
    sys.modules.setdefault("self_checks", self_checks)  # the public tests' helpers, as the student notebook carries them
    transform = TransformerManager().transform_cell
    tests = sorted((assignment_dir / "tests").glob("*.py"))
    config = NBMetadataConfig({})

    class TooLong(Exception):
        pass

    def stop(*_args) -> None:
        raise TooLong()

    signal.signal(signal.SIGALRM, stop)

    def within_limit(run) -> None:
        signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            run()
        except (Exception, SystemExit):  # noqa: BLE001 - as otter's runner does, a failing cell does not stop the notebook
            pass
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    def once(notebook: Path) -> float:
        try:
            cells = load_submission(notebook).code_cells
        except InvalidSubmission:
            return 0.0
        env: dict = {"__name__": "__main__"}
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            for cell in cells:
                code = transform(cell)
                if _only_grader_calls(code):
                    continue
                within_limit(lambda: exec(compile(code, "<cell>", "exec"), env))
            plt.close("all")
            score = 0.0
            for path in tests:
                test_file = create_test_file(str(path), config, test_name=path.stem)
                within_limit(lambda: test_file.run(env))
                score += test_file.score or 0.0
        return score

    score = [once(notebook) for notebook in notebooks][0]  # warm-up: imports, caches
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(repeats):
        for notebook in notebooks:
            once(notebook)
    runs = repeats * len(notebooks)
    return {"cpu": (time.process_time() - cpu) / runs, "wall": (time.perf_counter() - wall) / runs, "score": score}


def _only_grader_calls(code: str) -> bool:
    lines = [line.strip() for line in code.splitlines() if line.strip() and not line.strip().startswith("#")]
    return bool(lines) and all(line.startswith("grader.") for line in lines)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """CPU seconds of a command and of every process it starts, read from a cgroup made for it
    (cgroup v2 `cpu.stat`, or v1 `cpuacct.usage`) where this user may make one; otherwise from
    getrusage, which misses the processes a sandbox ends by killing its namespace's first process
    (`exact` says which)."""

    def __init__(self) -> None:
        self.group: Path | None = None
        self.read = _children_cpu
        for group, read in self._candidates():
            try:
                group.mkdir()
            except OSError:
                continue
            self.group, self.read = group, read
            try:  # a process can be moved into it (cgroup v2 refuses where controllers are enabled above)
                subprocess.run(["/bin/true"], check=True, preexec_fn=self._enter)
                self.read()
                break
            except (OSError, subprocess.SubprocessError, ValueError, StopIteration):
                self.group, self.read = None, _children_cpu
                with contextlib.suppress(OSError):
                    group.rmdir()

    def _enter(self) -> None:
        if self.group is not None:
            (self.group / "cgroup.procs").write_text(str(os.getpid()))

    @property
    def exact(self) -> bool:
        return self.group is not None

    @staticmethod
    def _candidates():
        name = f"conv-grader-bench-{os.getpid()}"
        try:
            lines = Path("/proc/self/cgroup").read_text().splitlines()
        except OSError:
            return
        for line in lines:
            _id, controllers, path = line.split(":", 2)
            if controllers == "":
                for root in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified")):
                    if (root / "cgroup.procs").exists():
                        group = root / path.lstrip("/") / name
                        yield group, lambda g=group: int(next(l.split()[1] for l in (g / "cpu.stat").read_text().splitlines()
                                                               if l.startswith("usage_usec"))) / 1e6
                        break
            elif "cpuacct" in controllers.split(","):
                root = next((r for r in (Path("/sys/fs/cgroup/cpuacct"), Path("/sys/fs/cgroup/cpu,cpuacct")) if r.is_dir()), None)
                if root is not None:
                    group = root / path.lstrip("/") / name
                    yield group, lambda g=group: int((g / "cpuacct.usage").read_text()) / 1e9

    def run(self, command: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
        """Run `command`; return its wall seconds, the CPU seconds of it and everything it started, and what it did."""
        group = self.group
        before = self.read()
        wall = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, preexec_fn=self._enter)
        wall = time.perf_counter() - wall
        cpu = self.read() - before
        if group is not None:
            self.read = _children_cpu  # the group is used once: every process in it has ended
            self.group = None
            with contextlib.suppress(OSError):
                group.rmdir()
        return wall, cpu, done


def make_grade(corpus: Path, assignment_dir: Path, out: Path, workers: int | None) -> tuple[float, float, bool]:
    """Run `make grade`'s command on `corpus` as a TA does (sandbox, every report); return (wall, CPU)
    seconds and whether the CPU counts every process (see `CpuMeter`)."""
    command = [sys.executable, "-m", "autograder", "grade", str(corpus), "--assignment", str(assignment_dir), "--out", str(out)]
    if workers:
        command += ["--workers", str(workers)]
    meter = CpuMeter()
    exact = meter.exact
    wall, cpu, done = meter.run(command)
    if done.returncode != 0:
        raise SystemExit(f"make grade failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return wall, cpu, exact


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assignment", required=True, help="assignment folder")
    parser.add_argument("--corpus", type=Path, action="append", default=[], metavar="FOLDER",
                        help="folder of submissions of the assignment to build the corpus from (repeatable); "
                             "the solution and the blank student notebook are always in it")
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000], help="class sizes graded end to end")
    parser.add_argument("--otter-sample", type=int, default=6, help="submissions given to otter run")
    parser.add_argument("--floor-repeats", type=int, default=20,
                        help="runs of the solution notebook for the floor (the corpus notebooks: a twentieth as many)")
    parser.add_argument("--similarity", type=int, default=10_000, help="synthetic class size for the similarity timing (0: skip)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--floor", nargs="+", help=argparse.SUPPRESS)  # internal: measure the floor on these notebooks, print JSON
    args = parser.parse_args(argv)
    assignment_dir = Path(args.assignment).resolve()
    if args.floor:
        print(json.dumps(floor([Path(p) for p in args.floor], assignment_dir, args.floor_repeats)))
        return 0
    assignment = load_assignment(assignment_dir)
    if assignment.solution is None:
        raise SystemExit(f"{assignment_dir} has no solution notebook to measure the floor with")
    sources = corpus_sources(assignment, args.corpus)
    starter = load_submission(assignment.student_notebook).code_cells if assignment.student_notebook else ()
    cores = len(os.sched_getaffinity(0))
    print(f"cores: {cores}; load average at start: {os.getloadavg()[0]:.1f}", flush=True)

    def measure_floors() -> dict[str, dict[str, float]]:
        floors = {}
        for label, notebooks, repeats in (("solution", [assignment.solution], args.floor_repeats),
                                          ("corpus", sources, max(1, args.floor_repeats // 20))):
            found = subprocess.run([sys.executable, "-m", "autograder.bench", "--assignment", str(assignment_dir),
                                    "--floor-repeats", str(repeats), "--floor", *map(str, notebooks)],
                                   capture_output=True, text=True)
            if found.returncode != 0:
                raise SystemExit(f"the floor could not be measured:\n{found.stderr[-3000:]}")
            floors[label] = json.loads(found.stdout.strip().splitlines()[-1])
        return floors

    # The floor is measured before and after the engine and averaged: load from other work on the
    # machine changes CPU times too (shared caches, frequency), and the ratio should see the same load.
    before = measure_floors()
    with tempfile.TemporaryDirectory(prefix="conv-grader-bench-") as tmp:
        work = Path(tmp)
        os.chmod(work, 0o700)
        measured = {}
        for size in args.sizes:
            corpus = work / f"corpus-{size}"
            corpus.mkdir()
            build_corpus(corpus, size, sources, starter=starter)
            wall, cpu, exact = make_grade(corpus, assignment_dir, work / f"out-{size}", args.workers)
            measured[size] = (wall, cpu)
            print(f"make grade, {size} submissions: {wall:.1f} s = {size / wall:.1f} submissions/s; "
                  f"CPU {1000 * cpu / size:.0f} ms per submission (every process, reports included"
                  f"{'' if exact else '; NO cgroup could be made, so the sandboxes are not counted: too low'})", flush=True)
        after = measure_floors()
        floors = {label: {key: (before[label][key] + after[label][key]) / 2 for key in ("cpu", "wall")}
                  | {"score": before[label]["score"]} for label in before}
        print(f"floor (otter's runner, one warm process, no protection), before and after: solution notebook "
              f"{1000 * before['solution']['cpu']:.0f} and {1000 * after['solution']['cpu']:.0f} ms CPU "
              f"(score {floors['solution']['score']:g}); the corpus's {len(sources)} notebooks "
              f"{1000 * before['corpus']['cpu']:.0f} and {1000 * after['corpus']['cpu']:.0f} ms CPU per notebook", flush=True)

        largest = max(args.sizes)
        graded = sorted((work / f"corpus-{largest}").glob("*.ipynb"))
        results = {p.stem: json.loads(p.read_text()) for p in (work / f"out-{largest}" / "results").glob("*.json")}
        step = max(1, len(graded) // args.otter_sample)
        sample = [p for p in graded[::step] if p.stem in results][: args.otter_sample]
        otter_seconds, otter_scores = otter_run(sample, assignment_dir, work)
        otter_rate = len(sample) / otter_seconds
        agree = sum(abs(otter_scores[p.stem] - results[p.stem].get("score", float("nan"))) < 1e-9 for p in sample)

    smallest = min(args.sizes)
    cpu_small = measured[smallest][1] / smallest
    cpu_large = measured[largest][1] / largest
    print()
    print(f"assignment {assignment.name}; corpus: round-robin copies of {len(sources)} notebooks (the solution, the blank "
          "student notebook and the given folders), every cell but the starter's made unique in each copy by a comment")
    for size in args.sizes:
        wall, cpu = measured[size]
        print(f"  {size:>6} submissions: {size / wall:6.1f} submissions/s, wall {1000 * wall / size:5.0f} ms and "
              f"CPU {1000 * cpu / size:5.0f} ms per submission")
    print(f"growth from {smallest} to {largest}: wall per submission x{(measured[largest][0] / largest) / (measured[smallest][0] / smallest):.2f}, "
          f"CPU per submission x{cpu_large / cpu_small:.2f} (1.00 is linear)")
    print(f"make grade at {largest}: {cpu_large / floors['corpus']['cpu']:.2f}x the floor's CPU on the same notebooks "
          f"({1000 * floors['corpus']['cpu']:.0f} ms), {cpu_large / floors['solution']['cpu']:.2f}x the floor's CPU on the "
          f"solution alone ({1000 * floors['solution']['cpu']:.0f} ms)")
    print(f"otter run: {len(sample)} in {otter_seconds:.1f} s = {otter_rate:.2f} submissions/s; "
          f"make grade at {largest}: {largest / measured[largest][0] / otter_rate:.0f}x its throughput; "
          f"scores agree on {agree}/{len(sample)}")
    if args.similarity:
        from .similarity import similar_pairs

        sources_, template, planted = synthetic_class(args.similarity, seed=1, template=assignment.student_notebook)
        cpu, wall = time.process_time() + _children_cpu(), time.perf_counter()
        pairs = similar_pairs(sources_, template=template, top=20)
        wall, cpu = time.perf_counter() - wall, time.process_time() + _children_cpu() - cpu
        found_copies = {(p.first, p.second) for p in pairs[: len(planted)]} == {tuple(sorted(p)) for p in planted}
        print(f"similarity of {len(sources_)} synthetic submissions (bench.synthetic_class: the student notebook's "
              f"functions filled with generated bodies, {len(planted)} planted disguised copies): {wall:.1f} s wall, "
              f"{cpu:.1f} s CPU on {cores} cores; the planted copies {'are' if found_copies else 'are NOT'} the top pairs")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (other work on the machine slows every figure but the ratios)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
