"""``course cohort ...``: the command line for programs and instructors (see README, "running a cohort")."""

from __future__ import annotations

import argparse


def add_cohort_parser(sub) -> None:
    """Register ``cohort`` and its commands on the ``course`` command's subparsers."""
    cohort = sub.add_parser(
        "cohort",
        help="run a cohort: workspace, roster, release, collect, grade, feedback, report, export, certificates",
    )
    commands = cohort.add_subparsers(dest="cohort_command", required=True, metavar="COMMAND")
    home = argparse.ArgumentParser(add_help=False)
    home.add_argument("--home", help="folder that holds the cohorts (default: $KAP_COHORTS_HOME or ~/kap-cohorts)")
    named = argparse.ArgumentParser(add_help=False, parents=[home])
    named.add_argument("name", help="the cohort's name")
    module = argparse.ArgumentParser(add_help=False, parents=[named])
    module.add_argument("module", help="a module id, e.g. 01-assessment")

    p = commands.add_parser("new", parents=[named], help="make a cohort workspace from a roster CSV")
    p.add_argument("--roster", required=True, help="CSV with id, first_name, last_name, email (and section)")
    p.add_argument("--db", help="SQLAlchemy URL of a shared gradebook (default: SQLite in the workspace)")
    p.add_argument("--exchange", help="nbgrader exchange folder (default: exchange/ in the workspace)")
    p.add_argument("--timeout", type=int, default=None, help="seconds a cell may run when graded (default 120)")
    p.add_argument("--pass-mark", type=float, default=0.7, help="share of a module's points needed to pass (0.7)")
    p.add_argument(
        "--provider",
        help="the program's provider file (YAML: name, address, contact, dates, "
        "accreditation, modules, disclosures); without it nothing claims accreditation",
    )
    p.set_defaults(cohort_func=_new)
    p = commands.add_parser(
        "roster", parents=[named], help="update the roster from a CSV (add, rename, report removed)"
    )
    p.add_argument("roster", help="the new roster CSV")
    p.set_defaults(cohort_func=_roster)
    p = commands.add_parser("list", parents=[home], help="list the cohorts")
    p.set_defaults(cohort_func=_list)
    p = commands.add_parser("release", parents=[module], help="release a module to the cohort's exchange")
    p.add_argument("--force", action="store_true", help="replace an earlier release of the module")
    p.set_defaults(cohort_func=_release)
    p = commands.add_parser("collect", parents=[module], help="collect submissions from the exchange")
    p.set_defaults(cohort_func=_collect)
    p = commands.add_parser("grade", parents=[module], help="autograde new and changed submissions in parallel")
    p.add_argument("--workers", type=int, default=None, help="parallel workers (default: one per core)")
    p.add_argument("--regrade", action="store_true", help="grade every submission again, changed or not")
    p.set_defaults(cohort_func=_grade)
    p = commands.add_parser(
        "clear",
        parents=[module],
        help="let the scores of a submission with 'tampering "
        "suspected' or 'another trainee's variant' count, after "
        "you have looked at it",
    )
    p.add_argument("trainee", help="the trainee's id")
    p.set_defaults(cohort_func=_clear)
    p = commands.add_parser("feedback", parents=[module], help="make and release feedback (no hidden tests)")
    p.set_defaults(cohort_func=_feedback)
    p = commands.add_parser(
        "boosters",
        parents=[named],
        help="make and release a spaced retrieval round (booster-N) for trainees with modules due",
    )
    p.add_argument("--round", help="the round's name (default: the next booster-N)")
    p.add_argument("--days", type=int, default=7, help="a module is due this many days after it was completed (7)")
    p.add_argument("--count", type=int, default=5, help="questions per trainee (5)")
    p.add_argument("--dry-run", action="store_true", help="show each trainee's items without releasing anything")
    p.add_argument("--force", action="store_true", help="make an existing round again")
    p.set_defaults(cohort_func=_boosters)
    p = commands.add_parser("report", parents=[named], help="write the cohort dashboard (one HTML file)")
    p.set_defaults(cohort_func=_report)
    p = commands.add_parser("export", parents=[named], help="write grades.csv and canvas.csv")
    p.set_defaults(cohort_func=_export)
    p = commands.add_parser(
        "certificates", parents=[named], help="write a certificate for each trainee who passed every released module"
    )
    p.set_defaults(cohort_func=_certificates)
    cohort.set_defaults(func=_run)


def _run(args) -> int:
    """Run a cohort command; as root, refuse a workspace with links in it and hand what the command made to the
    workspace's owner (see owners.py: on a hub the grader account owns the workspace and its formgrader shares the
    gradebook)."""
    if getattr(args, "name", None) and args.cohort_func is not _new:
        # start-up cost: imported only where it is needed
        from .owners import links_root_would_follow

        links = links_root_would_follow(args.name, args.home)
        if links:
            raise ValueError(
                f"Not running as root: cohort {args.name}'s folders hold symbolic links, which a command "
                "run as root would follow: "
                + ", ".join(map(str, links[:5]))
                + ". A workspace has none of its own: remove them (and find out who made them)."
            )
    try:
        return args.cohort_func(args)
    finally:
        if getattr(args, "name", None):
            # start-up cost: imported only where it is needed
            from .owners import hand_back

            hand_back(args.name, args.home)


def _open(args):
    # start-up cost: each command imports only what it uses
    from .workspace import Workspace

    return Workspace.open(args.name, args.home)


def _new(args) -> int:
    # start-up cost: each command imports only what it uses
    from ..nbcourse import CELL_TIMEOUT
    from .workspace import Workspace

    ws = Workspace.create(
        args.name,
        args.roster,
        home=args.home,
        db_url=args.db,
        exchange=args.exchange,
        timeout=CELL_TIMEOUT if args.timeout is None else args.timeout,
        pass_fraction=args.pass_mark,
        provider=args.provider,
    )
    provider = ws.provider()
    print(f"made cohort {ws.name} at {ws.path} with {len(ws.roster())} trainees")
    print(f"  course id: {ws.name} (nbgrader's course_id: trainees' Assignment List and the hub's groups use it)")
    print(f"  gradebook: {ws.settings.db_url}\n  exchange:  {ws.exchange}\n  settings:  {ws.path / 'cohort.json'}")
    accredited = f"accredited: {provider.statement}" if provider.accredited else "not accredited"
    print(f"  provider:  {provider.name}; {accredited}")
    print(f"  activity:  {ws.path / 'activity'} (needs and objectives, disclosures, the cohort's start-here.ipynb)")
    return 0


def _roster(args) -> int:
    # start-up cost: each command imports only what it uses
    from . import roster as rosters

    ws = _open(args)
    new = rosters.read_roster(args.roster)
    change = rosters.compare(ws.roster(), new)
    with ws.gradebook() as gb:
        rosters.sync_gradebook(gb, new)
    rosters.write_roster(ws.roster_file, new)
    print(f"roster of {ws.name}: " + change.summary())
    return 0


def _list(args) -> int:
    # start-up cost: each command imports only what it uses
    from .workspace import cohorts_home, list_cohorts

    cohorts = list_cohorts(args.home)
    if not cohorts:
        print(f"no cohorts in {cohorts_home(args.home)}")
    for ws in cohorts:
        print(
            f"{ws.name:<24} {len(ws.roster()):>4} trainees  released: {', '.join(ws.released_modules()) or '-'}  "
            f"({ws.path})"
        )
    return 0


def _release(args) -> int:
    # start-up cost: each command imports only what it uses
    from .exchange import release

    print(release(_open(args), args.module, force=args.force).text())
    return 0


def _collect(args) -> int:
    # start-up cost: each command imports only what it uses
    from .exchange import collect

    result = collect(_open(args), args.module)
    print(result.text())
    return 3 if result.refused else 0


def _grade(args) -> int:
    # start-up cost: each command imports only what it uses
    from .grading import grade

    summary = grade(_open(args), args.module, workers=args.workers, regrade=args.regrade)
    print(summary.text())
    if summary.interrupted:
        return 130
    return 3 if summary.needs_a_look() else 0  # 3: graded, but some submissions need a look (listed above)


def _clear(args) -> int:
    # start-up cost: grading machinery loads only for this command
    from .grading import clear
    from .statuses import STATUSES

    record = clear(_open(args), args.module, args.trainee)
    print(
        f"cleared {args.trainee}'s {args.module}: now {STATUSES[record.status].label}, "
        f"{record.score:g} of {record.max_score:g} points (recorded in the grading record)"
    )
    return 0


def _feedback(args) -> int:
    # start-up cost: each command imports only what it uses
    from .feedback import release_feedback

    print(release_feedback(_open(args), args.module).text())
    return 0


def _boosters(args) -> int:
    # start-up cost: each command imports only what it uses
    from .boosters import make_round, next_name, plan_round

    ws = _open(args)
    if args.dry_run:
        print(plan_round(ws, args.round or next_name(ws), days=args.days, count=args.count).text())
        return 0
    round_, released = make_round(ws, args.round, days=args.days, count=args.count, force=args.force)
    print(round_.text())
    print(released.text())
    return 0


def _report(args) -> int:
    # start-up cost: each command imports only what it uses
    from .report import write_report
    from .results import collect_data, needs_help

    ws = _open(args)
    data = collect_data(ws)
    path = write_report(ws, data)
    print(
        f"wrote {path}: {data.table['trainee'].nunique()} trainees, {len(data.modules)} module(s), "
        f"{len(needs_help(data.table))} who may need help"
    )
    return 0


def _export(args) -> int:
    # start-up cost: each command imports only what it uses
    from .export import export

    for path in export(_open(args)):
        print(f"wrote {path}")
    return 0


def _certificates(args) -> int:
    # start-up cost: each command imports only what it uses
    from .certificates import requirement, write_certificates
    from .results import collect_data

    ws = _open(args)
    data = collect_data(ws)
    paths = write_certificates(ws, data)
    need = requirement(ws.provider(), data)
    trainees = data.table["trainee"].nunique() if "trainee" in data.table else 0
    print(
        f"a certificate needs: {need.describe()}; {len(paths)} of {trainees} trainee(s) have done so "
        "(the report shows where each one stands)"
    )
    print(f"wrote {len(paths)} certificate(s) in {ws.path / 'certificates'}" + "".join(f"\n  {p.name}" for p in paths))
    return 0
