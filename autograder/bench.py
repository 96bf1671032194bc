"""`make bench`: throughput of the engine against `otter run`, measured in the same run.

Grades a mixed corpus (correct, one-mistake, broken, blank and invalid notebooks; at least
200 files) with every sandbox protection on, then runs `otter run` on a sample of the same
files, and prints submissions per second for both and their ratio.  It also prints whether
the two agree on the sample's scores, since a fast grader that grades differently is no use.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .assignment import load_assignment
from .batch import Grader
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
        with Grader(assignment, workers=args.workers, outside=[corpus_dir]) as grader:
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
