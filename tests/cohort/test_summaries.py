"""Every summary reads the gradebook as it stands now: written answers graded in formgrader after `course cohort
grade` count in grade's own summary, in feedback, the report and the exports (and a grade lowered later too)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from course.cli import main as course

from .conftest import MODULE, NOTEBOOK, SOURCE, correct, new_cohort, submit

NOTEBOOK_ID = Path(NOTEBOOK).stem


def _graded_cells(kind):
    return [c for c in SOURCE.cells if c.cell_type == kind and c.metadata.get("nbgrader", {}).get("grade")]


WRITTEN = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in _graded_cells("markdown")}
TESTS = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in _graded_cells("code")}
TOTAL = sum(WRITTEN.values()) + sum(TESTS.values())


def _grade_by_hand(ws, student, scores):
    """What formgrader does when a grader scores a cell (written answers, or an override of an autograded one)."""
    with ws.gradebook() as gb:
        for grade_id, score in scores.items():
            grade = gb.find_grade(grade_id, NOTEBOOK_ID, MODULE, student)
            grade.manual_score, grade.needs_manual_grade = score, False
        gb.db.commit()


def _cli(cohort_home, capsys, *args):
    code = course(["cohort", *args, "--home", str(cohort_home)])
    return code, capsys.readouterr().out


def _grades_row(ws, student):
    rows = csv.DictReader(io.StringIO((ws.path / "exports" / "grades.csv").read_text()))
    return next(r for r in rows if r["trainee"] == student and r["module"] == MODULE)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    home = tmp_path_factory.mktemp("summaries") / "cohorts"
    ws = new_cohort(home, "summaries", ["ana"])
    submit(ws, "ana", correct(ws))
    return ws, home


def test_summaries_follow_manual_grades_given_after_grading(cohort, capsys):
    assert WRITTEN, "module 01 has written answers"
    ws, home = cohort
    assert _cli(home, capsys, "grade", "summaries", MODULE)[0] == 0

    # before the written answers are graded: every summary says they wait
    code, out = _cli(home, capsys, "grade", "summaries", MODULE)
    assert code == 0 and "1 unchanged since the last run" in out
    assert re.search(r"needs manual grading +1\n", out) and not re.search(r"\n +graded +1\n", out)
    assert "waiting for manual grading in formgrader (1): ana" in _cli(home, capsys, "feedback", "summaries", MODULE)[1]
    _cli(home, capsys, "export", "summaries")
    row = _grades_row(ws, "ana")
    assert (row["status"], float(row["score"]), row["complete"]) == (
        "needs-manual-grading",
        sum(TESTS.values()),
        "False",
    )

    # the grader scores every written answer in full in formgrader
    _grade_by_hand(ws, "ana", WRITTEN)
    code, out = _cli(home, capsys, "grade", "summaries", MODULE)
    assert code == 0 and re.search(r"\n +graded +1\n", out) and "needs manual grading" not in out
    assert "1 released to the exchange" in _cli(home, capsys, "feedback", "summaries", MODULE)[1]
    _cli(home, capsys, "export", "summaries")
    _cli(home, capsys, "report", "summaries")
    row = _grades_row(ws, "ana")
    assert (row["status"], float(row["score"]), float(row["max_score"])) == ("graded", TOTAL, TOTAL)
    assert f"graded {TOTAL:g}/{TOTAL:g}" in (ws.path / "reports" / "report.html").read_text()


def test_summaries_follow_a_grade_lowered_later(cohort, capsys):
    from course.cohort.grading import grade

    ws, home = cohort
    first = next(iter(TESTS))
    _grade_by_hand(ws, "ana", {**WRITTEN, first: 0})
    summary = grade(ws, MODULE, progress=False)
    assert summary.graded_now == 0 and summary.records["ana"].score == TOTAL - TESTS[first]
    _cli(home, capsys, "export", "summaries")
    assert float(_grades_row(ws, "ana")["score"]) == TOTAL - TESTS[first]
    # and a cell a grader flags again for manual grading puts the submission back to waiting
    with ws.gradebook() as gb:
        gb.find_grade(next(iter(WRITTEN)), NOTEBOOK_ID, MODULE, "ana").needs_manual_grade = True
        gb.db.commit()
    code, out = _cli(home, capsys, "grade", "summaries", MODULE)
    assert re.search(r"needs manual grading +1\n", out)
