"""The ``course`` command line: ``course build``, ``course data``, ``course workspace``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import ROOT
from .cohort.cli import add_cohort_parser


def _build(args) -> int:
    from .nbgrading import build, module_ids
    from .startpage import write_start_page
    modules = args.modules or module_ids()
    for path in build(modules):
        print(f"released {path.relative_to(ROOT)}")
    print(f"wrote {write_start_page().relative_to(ROOT)}")
    return 0


def _data(args) -> int:
    # Order matters: the session vitals are drawn for the patients the vignettes let proceed.
    from . import synthetic, synthetic_cohort, synthetic_sessions
    synthetic.main()
    print(f"wrote {synthetic_sessions.write_session_vitals().relative_to(ROOT)}")
    synthetic_cohort.main()
    return 0


def _workspace(args) -> int:
    from .selfstudy import WORKSPACE, prepare
    for notice in prepare(args.path or WORKSPACE):
        print(f"course workspace: {notice}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="course", description="KAP for Anxiety course tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="release modules from solutions/ into modules/ with nbgrader, "
                                     "and rewrite the start page")
    p.add_argument("modules", nargs="*", help="module ids (default: every module with a source)")
    p.set_defaults(func=_build)
    p = sub.add_parser("data", help="regenerate the synthetic datasets from their seeded generator")
    p.set_defaults(func=_data)
    p = sub.add_parser("workspace", help="make or bring up to date the self-study workspace `make lab` serves "
                                          "(copies of the start page and released modules; the trainee's work is "
                                          "never overwritten)")
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
