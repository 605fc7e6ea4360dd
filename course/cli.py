"""The ``course`` command line: ``course build``, ``course data``, ``course workspace``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cohort.cli import add_cohort_parser
from .paths import checkout


def _build(args) -> int:
    # start-up cost: nbgrader and jupytext load only for this command
    from .authoring.build import build
    from .authoring.generated import write_documents
    from .nbcourse import module_ids
    from .quizzes import write_quizzes
    from .startpage import write_start_page

    repo = checkout()
    for path in write_quizzes():
        print(f"wrote {path.relative_to(repo)}")
    for path in build(args.modules or module_ids()):
        print(f"released {path.relative_to(repo)}")
    print(f"wrote {write_start_page().relative_to(repo)}")
    for path in write_documents():
        print(f"updated the generated tables in {path.relative_to(repo)}")
    return 0


def _data(args) -> int:
    from .synthetic import cohort, patients, sessions  # authoring tools: only this command imports them

    repo = checkout()
    for path in (patients.write_items(), sessions.write_session_vitals(), cohort.write_cohort()):
        print(f"wrote {path.relative_to(repo)}")
    return 0


def _variant(args) -> int:
    # start-up cost: the kernel machinery loads only for this command
    from .authoring.variant_report import report

    print(report(args.module, args.trainee))
    return 0


def _syllabus(args) -> int:
    from .authoring import syllabus_map  # start-up cost: lessons are read only for this command

    if args.csv:
        args.csv.write_text(syllabus_map.to_csv(), encoding="utf-8")
        print(f"wrote {args.csv}")
    if args.html:
        args.html.write_text(syllabus_map.to_html(), encoding="utf-8")
        print(f"wrote {args.html}")
    if not (args.csv or args.html):
        print(syllabus_map.text())
    return 0


def _trainee(args) -> int:
    from .variants import set_trainee, trainee_id  # start-up cost: only this command needs it

    if args.action == "set":
        if not args.id:
            raise ValueError("Give your trainee id: course trainee set YOUR_ID")
        print(f"saved trainee id {args.id} in {set_trainee(args.id)}")
    else:
        print(
            trainee_id()
            or "no trainee id: you see the course's own case numbers (set one with `course trainee set ID`)"
        )
    return 0


def _workspace(args) -> int:
    from .selfstudy import WORKSPACE, prepare  # start-up cost: only this command copies lessons

    for notice in prepare(args.path or WORKSPACE):
        print(f"course workspace: {notice}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="course", description="KAP for Anxiety course tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser(
        "build",
        help="release the lessons in solutions/ into modules/ with nbgrader, and rewrite "
        "the start page and the generated tables of the README and the data card",
    )
    p.add_argument("modules", nargs="*", help="module ids (default: every module with a source)")
    p.set_defaults(func=_build)
    p = sub.add_parser("data", help="regenerate the synthetic datasets from their seeded generator")
    p.set_defaults(func=_data)
    p = sub.add_parser("variant", help="a trainee's case numbers for a module and the answers they lead to")
    p.add_argument("module", help="module id, e.g. 01-assessment")
    p.add_argument("--trainee", required=True, help="the trainee's id (their cohort login)")
    p.set_defaults(func=_variant)
    p = sub.add_parser("syllabus", help="the objectives map: objective, graded items, points, module, time")
    p.add_argument("--csv", type=Path, help="write the map as CSV to this file")
    p.add_argument("--html", type=Path, help="write the map as an HTML page to this file")
    p.set_defaults(func=_syllabus)
    p = sub.add_parser("trainee", help="show or set this machine's trainee id (it chooses your case numbers)")
    p.add_argument("action", choices=["show", "set"])
    p.add_argument("id", nargs="?")
    p.set_defaults(func=_trainee)
    p = sub.add_parser(
        "workspace",
        help="make or bring up to date the self-study workspace `make lab` serves "
        "(copies of the start page and released modules; the trainee's work is "
        "never overwritten)",
    )
    p.add_argument("path", nargs="?", type=Path, default=None, help="the workspace folder (default: workspace/)")
    p.set_defaults(func=_workspace)
    add_cohort_parser(sub)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, RuntimeError) as exc:
        print(f"course {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
