"""`course cohort grade` gives exactly the scores `nbgrader autograde` gives, on the same submissions.

The same five submissions of module 01 are graded twice, in two course directories built from the same source: once
by nbgrader's own command line, once by the parallel cohort grader. Every grade and every total must match. Then
correct work in every teaching module and both assessments: full autograded marks both ways.
"""

import nbformat
import pytest
from conftest import typed_in

from course.cohort.exchange import release
from course.cohort.grading import grade
from course.cohort.statuses import FINE
from course.cohort.workspace import Workspace, gradebook_at
from course.data.syllabus import module as syllabus_module
from course.data.syllabus import teaching_modules
from course.itembank import ASSESSMENTS, quiz
from course.lessons import source_notebook
from course.nbcourse import course_directory, generate, nbgrader

from .conftest import (
    AUTO_POINTS,
    CHECKS,
    MODULE,
    NOTEBOOK,
    cell,
    correct,
    hidden_fail,
    new_cohort,
    partial,
    points_of,
    submit,
    unanswered,
    write_roster,
)


def _submissions(ws):
    written = correct(ws)
    cell(written, "m1-answer").source = "Too short."
    return {
        "correct": correct(ws),
        "unanswered": unanswered(ws),
        "partial": partial(ws, ["q2-answer", "q5-answer"]),
        "hidden-fail": hidden_fail(ws),
        "written": written,
    }


def _grades(db_url, course_id):
    with gradebook_at(db_url, course_id) as gb:
        out = {}
        for sub in gb.find_assignment(MODULE).submissions:
            out[sub.student.id] = {
                "total": (sub.score, sub.max_score, sub.needs_manual_grade),
                **{
                    g.name: (g.auto_score, g.manual_score, g.score, g.needs_manual_grade)
                    for nb in sub.notebooks
                    for g in nb.grades
                },
            }
        return out


def test_scores_equal_nbgrader_autograde(tmp_path, cohort_home):
    ws = new_cohort(cohort_home, "same", ["correct", "unanswered", "partial", "hidden-fail", "written"], timeout=120)
    submissions = _submissions(ws)

    plain = course_directory(tmp_path / "plain", [MODULE])
    generate(plain, MODULE)
    for student, nb in submissions.items():
        folder = plain / "submitted" / student / MODULE
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / NOTEBOOK)
        submit(ws, student, nb)
    nbgrader(plain, "autograde", MODULE)
    summary = grade(ws, MODULE, workers=2, progress=False)

    expected = _grades(f"sqlite:///{plain / 'gradebook.db'}", "kap-anxiety")
    got = _grades(ws.settings.db_url, ws.name)
    assert set(got) == set(expected) == set(submissions)
    for student in submissions:
        assert got[student] == expected[student], student
    # The submissions really differ, so the comparison has something to compare.
    totals = {s: expected[s]["total"][0] for s in submissions}
    assert totals["correct"] == totals["written"] == AUTO_POINTS and totals["unanswered"] == 0
    assert totals["partial"] == points_of(["q2-answer", "q5-answer"]) and 0 < totals["partial"] < AUTO_POINTS
    assert totals["hidden-fail"] == AUTO_POINTS - CHECKS["q1-check"]
    assert {r.student: r.score for r in summary.records.values()} == totals


# -- every module and both assessments, correct work ------------------------------------------------------------------

ASSESSED = [m.id for m in teaching_modules()] + list(ASSESSMENTS)


def _autograded(db_url, course_id, module_id):
    with gradebook_at(db_url, course_id) as gb:
        submission = gb.find_submission(module_id, "ana")
        return {
            g.name: (g.auto_score, g.max_score)
            for nb in submission.notebooks
            for g in nb.grades
            if g.cell.cell_type == "code"
        }


@pytest.fixture(scope="module")
def every_module(tmp_path_factory):
    """ana's correct work (the source's answers typed into each release) graded both ways, module by module."""
    tmp = tmp_path_factory.mktemp("every-module")
    ws = Workspace.create("every", write_roster(tmp / "roster.csv", ["ana"]), home=tmp / "cohorts", timeout=120)
    plain = course_directory(tmp / "plain", ASSESSED)
    out = {}
    for module_id in ASSESSED:
        release(ws, module_id)
        generate(plain, module_id)
        name = syllabus_module(module_id).notebook
        nb = typed_in(ws.release_dir(module_id) / name, source_notebook(module_id))
        for folder in (ws.course / "submitted" / "ana" / module_id, plain / "submitted" / "ana" / module_id):
            folder.mkdir(parents=True)
            (folder / "timestamp.txt").write_text("2030-01-01 12:00:00.000000 UTC")
            nbformat.write(nb, folder / name)
        nbgrader(plain, "autograde", module_id)
        summary = grade(ws, module_id, workers=2, progress=False)
        out[module_id] = (
            _autograded(f"sqlite:///{plain / 'gradebook.db'}", "kap-anxiety", module_id),
            _autograded(ws.settings.db_url, ws.name, module_id),
            summary.records["ana"],
        )
    return out


@pytest.mark.parametrize("module_id", ASSESSED)
def test_correct_work_gets_full_marks_in_every_module_as_nbgrader_gives(every_module, module_id):
    plain, cohort, record = every_module[module_id]
    assert cohort == plain, "course cohort grade and nbgrader autograde give the same score to every test cell"
    codes = [code for code, _ in record.findings]
    assert record.status in FINE and "tampering" not in codes and "unreadable-answer" not in codes, record.detail()
    checks = {
        c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"]["points"])
        for c in source_notebook(module_id).cells
        if c.metadata.get("course", {}).get("role") == "check"
    }
    assert set(plain) == set(checks) and sum(checks.values()) > 0
    if module_id in ASSESSMENTS:
        try:
            quiz(module_id, "ana")
        except ValueError as exc:  # datasets/item_bank.yaml is being filled (branch itembank)
            pytest.skip(f"{module_id}: the item bank cannot draw it yet, so the model answers cannot score: {exc}")
    assert {gid: score for gid, (score, _) in plain.items()} == checks, "full marks on every test cell"
    assert record.score == sum(checks.values())
