"""Grading killed midway (SIGKILL, no chance to clean up) and run again: no duplicates, no losses, no leftovers."""

import fcntl
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from course.cohort.grading import grade, records

from .conftest import AUTO_POINTS, MODULE, correct, new_cohort, partial, points_of, submit, unanswered

TRAINEES = ["a-correct", "b-unanswered", "c-partial", "d-correct", "e-absent"]


def _graded_records(ws):
    return {s: r for s, r in records(ws, MODULE).items() if r.status != "missing"}


def _leftovers(pid: int) -> list[str]:
    """Processes that still belong to grading run ``pid`` (its scratch folder is kap-grade-PID-...)."""
    mark = f"kap-grade-{pid}-"
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if mark in cmdline or mark in cwd:
            found.append(f"{proc.name}: {cmdline[:80]}")
    return found


def test_grading_resumes_after_being_killed(cohort_home):
    ws = new_cohort(cohort_home, "stop", TRAINEES)
    submit(ws, "a-correct", correct(ws))
    submit(ws, "b-unanswered", unanswered(ws))
    submit(ws, "c-partial", partial(ws, ["q1-answer"]))
    submit(ws, "d-correct", correct(ws))
    command = [
        sys.executable,
        "-m",
        "course",
        "cohort",
        "grade",
        "stop",
        MODULE,
        "--home",
        str(cohort_home),
        "--workers",
        "1",
    ]
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 240
    while not _graded_records(ws) and run.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    done_before = _graded_records(ws)
    assert 1 <= len(done_before) < 4, "the run must be stopped after the first submission and before the last"

    time.sleep(1)  # the kernel server, workers and kernels die with their parent (PR_SET_PDEATHSIG)
    assert _leftovers(run.pid) == []

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert not list(Path(tempfile.gettempdir()).glob(f"kap-grade-{run.pid}-*")), "the killed run's scratch is gone"
    assert f"{len(done_before)} unchanged since the last run" in rerun.stdout
    final = records(ws, MODULE)
    assert set(final) == set(TRAINEES)
    assert {s: r.status for s, r in final.items()} == {
        "a-correct": "needs-manual-grading",
        "b-unanswered": "graded",
        "c-partial": "graded",
        "d-correct": "needs-manual-grading",
        "e-absent": "missing",
    }
    for student, record in done_before.items():  # what was done before the kill was kept, not redone
        assert final[student].graded_at == record.graded_at
    with ws.gradebook() as gb:
        submissions = gb.find_assignment(MODULE).submissions
        assert sorted(s.student.id for s in submissions) == ["a-correct", "b-unanswered", "c-partial", "d-correct"]
        cells = len(gb.find_notebook("assessment", MODULE).grade_cells)
        assert all(len(nb.grades) == cells for s in submissions for nb in s.notebooks), "duplicate or lost grades"
        scores = {s.student.id: s.score for s in submissions}
    assert scores["a-correct"] == scores["d-correct"] == AUTO_POINTS
    assert scores["b-unanswered"] == 0 and scores["c-partial"] == points_of(["q1-answer"]) > 0


def test_two_grading_runs_of_one_cohort_cannot_overlap(cohort_home):
    ws = new_cohort(cohort_home, "busy", ["a"])
    with open(ws.folder("grading") / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as a run in progress holds it
        with pytest.raises(RuntimeError, match="Another `course cohort grade` is running"):
            grade(ws, MODULE, progress=False)
