"""Command line: `python -m autograder <command>`; the Makefile calls these."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


ASSIGNMENT_HELP = "assignment folder (default: the only one under ./assignments/)"


def assignment_folder(given: str | None) -> Path:
    """The assignment folder to use: the one given, else the only folder under ./assignments/ that holds
    an assignment.toml.  Raises SystemExit, naming the choices, when there is none or more than one."""
    if given:
        return Path(given)
    found = sorted(p.parent for p in Path("assignments").glob("*/assignment.toml"))
    if len(found) == 1:
        return found[0]
    if not found:
        raise SystemExit("no assignment folder under ./assignments/: give one with --assignment")
    raise SystemExit("several assignments: give one with --assignment (" + ", ".join(str(p) for p in found) + ")")


def _assign(args: argparse.Namespace) -> int:
    from .assign import build_assignment

    build_assignment(Path(args.assignment))
    return 0


def _options(args: argparse.Namespace):
    from .gradebook import Options

    return Options(out_dir=Path(args.out), hand_grades=Path(args.hand_grades) if args.hand_grades else None,
                   roster=Path(args.roster) if args.roster else None)


def _grade(args: argparse.Namespace) -> int:
    from .gradebook import grade_class

    return grade_class(
        Path(args.submissions),
        assignment_dir=assignment_folder(args.assignment),
        options=_options(args),
        workers=args.workers,
        allow_unprotected=args.allow_unprotected,
        force=args.force,
        only=tuple(args.only or ()),
    )


def _merge(args: argparse.Namespace) -> int:
    from .gradebook import merge

    return merge(out_dir=Path(args.out), options=_options(args),
                 assignment_dir=Path(args.assignment) if args.assignment else None)


def _report_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--hand-grades", default=None, metavar="FOLDER",
                   help="folder of hand-grades CSVs saved from the hand-grading pages (default: hand-grades/ beside --out)")
    p.add_argument("--roster", default=None, metavar="CSV",
                   help="roster with columns student_id, name, email, submission: names the students in every export")


def _check_sandbox(args: argparse.Namespace) -> int:
    from .slots import probe_sandbox

    report = probe_sandbox()
    print(report.summary())
    if not report.sufficient:
        from .slots import UNPROTECTED_ADVICE

        print(UNPROTECTED_ADVICE)
    return 0 if report.sufficient else 1


def _gradescope_zip(args: argparse.Namespace) -> int:
    from .gradescope import build_zip

    assignment_dir = assignment_folder(args.assignment)
    out = Path(args.out) if args.out else Path("dist") / f"{assignment_dir.resolve().name}-autograder.zip"
    path = build_zip(assignment_dir, out)
    print(f"Gradescope autograder zip: {path}")
    return 0


def _run_gradescope(args: argparse.Namespace) -> int:
    from .gradescope import run_autograder

    return run_autograder(Path(args.root), assignment_dir=Path(args.assignment) if args.assignment else None)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("assign", help="build the student notebook, solutions and tests from the shared source")
    p.add_argument("assignment", help="assignment folder, e.g. assignments/<name>")
    p.set_defaults(run=_assign)

    p = sub.add_parser("grade", help="grade every *.ipynb in a folder")
    p.add_argument("submissions", help="folder of submitted notebooks; only new or changed ones are graded again")
    p.add_argument("--assignment", default=None, help=ASSIGNMENT_HELP)
    p.add_argument("--out", default="out", help="where grades.csv, results/ and feedback/ are written")
    p.add_argument("--workers", type=int, default=None, help="parallel sandboxes (default: one per core)")
    p.add_argument(
        "--allow-unprotected",
        action="store_true",
        help="grade even if a sandbox protection is unavailable (never for real submissions)",
    )
    p.add_argument("--force", action="store_true", help="grade every submission again, changed or not")
    p.add_argument("--only", action="append", metavar="NAME",
                   help="grade this submission again (file name, with or without .ipynb); repeatable")
    _report_options(p)
    p.set_defaults(run=_grade)

    p = sub.add_parser("merge", help="merge hand grades (and a roster) into every report of the last grading run")
    p.add_argument("--out", default="out", help="the output folder of `grade`")
    p.add_argument("--assignment", default=None, help="assignment folder (default: the one of the last run)")
    _report_options(p)
    p.set_defaults(run=_merge)

    p = sub.add_parser("check-sandbox", help="report which sandbox protections work on this machine")
    p.set_defaults(run=_check_sandbox)

    p = sub.add_parser("gradescope-zip", help="build the Gradescope autograder zip")
    p.add_argument("--assignment", default=None, help=ASSIGNMENT_HELP)
    p.add_argument("--out", default=None, help="the zip to write (default: dist/<assignment>-autograder.zip)")
    p.set_defaults(run=_gradescope_zip)

    p = sub.add_parser("run-gradescope", help="grade /autograder/submission inside Gradescope's container")
    p.add_argument("--root", default="/autograder", help="Gradescope's root folder (emulated in tests)")
    p.add_argument("--assignment", default=None, help="assignment folder (default: the one in the zip)")
    p.set_defaults(run=_run_gradescope)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
