"""Grading throughput: the same submissions graded by `nbgrader autograde` and by `course cohort grade`.

    .venv/bin/python benchmarks/grading.py [--submissions 60] [--module 01-assessment] [--workers N]

Builds, in a temporary folder, a plain nbgrader course directory and a cohort workspace from the same
source, puts the same submissions in both (a mix of correct, partly answered and unanswered notebooks,
made like the tests make them), grades each with its own command line, checks that every total agrees,
and prints both times and their ratio. Not part of `make test` (it takes several minutes).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import typed_in  # noqa: E402  (the tests' way of typing answers into a release)

from course.cohort.exchange import release  # noqa: E402
from course.cohort.workspace import Workspace, gradebook_at  # noqa: E402
from course.data.syllabus import module  # noqa: E402
from course.lessons import source_notebook  # noqa: E402
from course.nbcourse import course_directory, generate  # noqa: E402


def submissions(release_nb: Path, source_nb: nbformat.NotebookNode, count: int) -> dict[str, nbformat.NotebookNode]:
    """``count`` submissions cycling through correct, partly answered and unanswered work."""
    answer_ids = [
        c.metadata["nbgrader"]["grade_id"] for c in source_nb.cells if c.metadata.get("nbgrader", {}).get("solution")
    ]
    kinds = [
        lambda: typed_in(release_nb, source_nb),
        lambda: typed_in(release_nb, source_nb, set(answer_ids[::2])),
        lambda: nbformat.read(release_nb, as_version=4),
    ]
    return {f"trainee{i:03d}": kinds[i % 3]() for i in range(count)}


def totals(db_url: str, course_id: str, module_id: str) -> dict[str, float]:
    with gradebook_at(db_url, course_id) as gb:
        return {s.student.id: s.score for s in gb.find_assignment(module_id).submissions}


def timed(command: list[str], cwd: Path) -> float:
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=60)
    parser.add_argument("--module", default="01-assessment")
    parser.add_argument("--workers", type=int, default=None, help="cohort grade workers (default: one per core)")
    args = parser.parse_args()
    notebook = module(args.module).notebook
    with tempfile.TemporaryDirectory(prefix="grading-benchmark-") as tmp:
        tmp = Path(tmp)
        plain = course_directory(tmp / "plain", [args.module])
        release_nb = generate(plain, args.module) / notebook
        work = submissions(release_nb, source_notebook(args.module), args.submissions)
        roster = tmp / "roster.csv"
        roster.write_text("id,first_name,last_name,email\n" + "".join(f"{s},Bench,{s},{s}@example.org\n" for s in work))
        ws = Workspace.create("bench", roster, home=tmp / "cohorts")
        release(ws, args.module)
        for student, nb in work.items():
            for course in (plain, ws.course):
                folder = course / "submitted" / student / args.module
                folder.mkdir(parents=True)
                nbformat.write(nb, folder / notebook)

        print(f"{len(work)} submissions of {args.module} on {os.cpu_count()} core(s)", flush=True)
        nbgrader_seconds = timed([sys.executable, "-m", "nbgrader", "autograde", args.module], plain)
        print(f"nbgrader autograde:  {nbgrader_seconds:7.1f} s", flush=True)
        command = [
            sys.executable,
            "-m",
            "course",
            "cohort",
            "grade",
            "bench",
            args.module,
            "--home",
            str(tmp / "cohorts"),
        ]
        cohort_seconds = timed(command + (["--workers", str(args.workers)] if args.workers else []), ROOT)
        print(f"course cohort grade: {cohort_seconds:7.1f} s")
        print(f"ratio:               {nbgrader_seconds / cohort_seconds:7.2f}x faster")

        expected = totals(f"sqlite:///{plain / 'gradebook.db'}", "kap-anxiety", args.module)
        got = totals(ws.settings.db_url, ws.name, args.module)
        if expected != got:
            print("SCORES DIFFER:", {s: (expected.get(s), got.get(s)) for s in work if expected.get(s) != got.get(s)})
            return 1
        print(f"scores: identical for all {len(got)} submissions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
