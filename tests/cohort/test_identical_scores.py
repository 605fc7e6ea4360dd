"""`course cohort grade` gives exactly the scores `nbgrader autograde` gives, on the same submissions.

The same five submissions are graded twice, in two course directories built from the same source: once by
nbgrader's own command line, once by the parallel cohort grader. Every grade and every total must match.
"""
import nbformat

from course.cohort.grading import grade
from course.cohort.workspace import gradebook_at
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
)


def _submissions(ws):
    written = correct(ws)
    cell(written, "m1-answer").source = "Too short."
    return {"correct": correct(ws), "unanswered": unanswered(ws), "partial": partial(ws, ["q2-answer", "q5-answer"]),
            "hidden-fail": hidden_fail(ws), "written": written}


def _grades(db_url, course_id):
    with gradebook_at(db_url, course_id) as gb:
        out = {}
        for sub in gb.find_assignment(MODULE).submissions:
            out[sub.student.id] = {
                "total": (sub.score, sub.max_score, sub.needs_manual_grade),
                **{g.name: (g.auto_score, g.manual_score, g.score, g.needs_manual_grade)
                   for nb in sub.notebooks for g in nb.grades}}
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
