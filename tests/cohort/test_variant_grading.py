"""Variants in grading: every trainee is graded against their own case numbers, by `nbgrader autograde` and by
`course cohort grade` alike, and a notebook run with another trainee's numbers gets a status of its own.

Each trainee's answers are typed in as plain values, as a trainee types them: the model answers for that trainee's
variant, worked out by `course variant MODULE --trainee ID` (``variant_report.expected_answers``). Module 01 is the
module with variants.
"""

from __future__ import annotations

import csv
import io
import os
import re

import nbformat
import pytest
from nbclient import NotebookClient

from course.authoring.variant_report import expected_answers
from course.cohort.export import grades_csv
from course.cohort.grading import clear, grade
from course.cohort.outcomes import variants_used
from course.cohort.results import collect_data
from course.cohort.statuses import STATUSES, records
from course.cohort.workspace import gradebook_at
from course.nbcourse import course_directory, generate, nbgrader
from course.variants import recorded_variant, variant_number

from .conftest import AUTO_POINTS, CHECKS, MODULE, NOTEBOOK, SOURCE, new_cohort, release_notebook, submit

OWN = ["ana", "ben", "cai"]  # their own answers; cai also ran her notebook (it records her variant)
COPIER, COPIED = "dee", "ana"  # dee submits ana's answers
RUNNER, RAN_AS = "eli", "ben"  # eli submits a notebook run as ben, with ben's answers
TRAINEES = [*OWN, COPIER, RUNNER]


def _typed(ws, answers: dict):
    """The release with ``answers`` (name -> the value's repr) typed into its answer cells."""
    nb = nbformat.read(release_notebook(ws), as_version=4)
    for c in nb.cells:
        names = c.metadata.get("course", {}).get("answers")
        if names:
            c.source = "\n".join(f"{name} = {answers[name]}" for name in names)
    return nb


def _ran_as(nb, trainee: str, folder):
    """``nb`` run from top to bottom in a kernel on ``trainee``'s machine (so its setup cell records their variant)."""
    client = NotebookClient(
        nb, timeout=300, allow_errors=True, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute(env={**os.environ, "KAP_TRAINEE": trainee, "NBGRADER_EXECUTION": ""})
    return nb


def _checks_reading(names: set) -> list[str]:
    """Test cells of the source that read any of ``names`` (through ``answered("name")``)."""
    return [
        c.metadata["nbgrader"]["grade_id"]
        for c in SOURCE.cells
        if c.metadata.get("course", {}).get("role") == "check"
        and set(re.findall(r'answered\("(\w+)"\)', c.source)) & names
    ]


def _lost(expected: dict, answers_of: str, graded_as: str) -> float:
    """The points that depend on the numbers where ``answers_of``'s answers differ from ``graded_as``'s."""
    differ = {n for n in expected[graded_as] if expected[answers_of][n] != expected[graded_as][n]}
    return sum(CHECKS[c] for c in _checks_reading(differ))


def _totals(db_url: str, course_id: str) -> dict:
    """Each trainee's autograded score per test cell (the written answers are left blank here)."""
    with gradebook_at(db_url, course_id) as gb:
        return {
            s.student.id: {g.name: g.auto_score for nb in s.notebooks for g in nb.grades if g.name in CHECKS}
            for s in gb.find_assignment(MODULE).submissions
        }


@pytest.fixture(scope="module")
def variants(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("variants")
    expected = {t: expected_answers(MODULE, t) for t in TRAINEES}
    ws = new_cohort(tmp / "cohorts", "variants", TRAINEES, timeout=120)
    submissions = {t: _typed(ws, expected[t]) for t in OWN}
    submissions["cai"] = _ran_as(submissions["cai"], "cai", tmp)
    submissions[COPIER] = _typed(ws, expected[COPIED])
    submissions[RUNNER] = _ran_as(_typed(ws, expected[RAN_AS]), RAN_AS, tmp)

    plain = course_directory(tmp / "plain", [MODULE])
    generate(plain, MODULE)
    for trainee, nb in submissions.items():
        submit(ws, trainee, nb)
        folder = plain / "submitted" / trainee / MODULE
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / NOTEBOOK)
    nbgrader(plain, "autograde", MODULE)  # the trainee id comes from its folder, autograded/ID/MODULE/
    summary = grade(ws, MODULE, workers=2, progress=False)
    return dict(
        ws=ws,
        expected=expected,
        summary=summary,
        submissions=submissions,
        plain=_totals(f"sqlite:///{plain / 'gradebook.db'}", "kap-anxiety"),
        cohort=_totals(ws.settings.db_url, ws.name),
    )


def test_the_trainees_really_have_different_numbers(variants):
    """What the other tests rely on: every pair here differs in the answers that depend on the numbers."""
    expected = variants["expected"]
    numbers = {t: variant_number(MODULE, t) for t in TRAINEES}
    assert len(set(numbers.values())) == len(TRAINEES), numbers
    assert _lost(expected, COPIED, COPIER) >= 3 and _lost(expected, RAN_AS, RUNNER) >= 3
    assert _lost(expected, "ana", "ana") == 0


def test_both_graders_give_each_trainee_full_marks_for_their_own_answers(variants):
    for trainee in OWN:
        assert sum(variants["plain"][trainee].values()) == AUTO_POINTS, f"nbgrader autograde, {trainee}"
        assert variants["cohort"][trainee] == variants["plain"][trainee], f"course cohort grade, {trainee}"
        record = variants["summary"].records[trainee]
        assert record.status == "graded", record.detail()  # blank written answers score 0 without a grader
        assert record.score == AUTO_POINTS


def test_the_grader_runs_each_notebook_as_its_trainee(variants):
    ws = variants["ws"]
    for trainee in TRAINEES:
        graded = nbformat.read(ws.course / "autograded" / trainee / MODULE / NOTEBOOK, as_version=4)
        assert recorded_variant(graded) == {
            "module": MODULE,
            "trainee": trainee,
            "variant": variant_number(MODULE, trainee),
        }, trainee


def test_another_trainees_answers_lose_the_points_that_depend_on_the_numbers(variants):
    lost = _lost(variants["expected"], COPIED, COPIER)
    assert sum(variants["plain"][COPIER].values()) == AUTO_POINTS - lost, "nbgrader autograde"
    assert variants["cohort"][COPIER] == variants["plain"][COPIER], "course cohort grade"
    differ = {n for n, v in variants["expected"][COPIER].items() if v != variants["expected"][COPIED][n]}
    assert {c for c, s in variants["cohort"][COPIER].items() if s == 0} == set(_checks_reading(differ))
    record = variants["summary"].records[COPIER]
    assert record.status == "graded", "nothing in dee's notebook recorded another variant"


def test_a_notebook_run_with_another_trainees_variant_gets_its_own_status(variants):
    ws, summary = variants["ws"], variants["summary"]
    assert recorded_variant(variants["submissions"][RUNNER])["trainee"] == RAN_AS
    record = summary.records[RUNNER]
    assert record.status == "variant" and STATUSES["variant"].label == "another trainee's variant"
    detail = record.detail()
    assert f"for trainee {RAN_AS}" in detail and f"{RUNNER}'s own variant is {variant_number(MODULE, RUNNER)}" in detail
    lost = _lost(variants["expected"], RAN_AS, RUNNER)
    assert sum(variants["cohort"][RUNNER].values()) == AUTO_POINTS - lost, "graded against eli's own numbers"
    assert variants["cohort"][RUNNER] == variants["plain"][RUNNER]
    assert record.score == AUTO_POINTS - lost and not record.graded, "the scores wait; they do not count"
    assert f"{RUNNER}: another trainee's variant" in summary.text() and "course cohort clear" in summary.text()
    assert record in summary.needs_a_look()

    data = collect_data(ws)
    rows = {r["trainee"]: r for r in csv.DictReader(io.StringIO(grades_csv(data)))}
    assert rows[RUNNER]["status_label"] == "another trainee's variant" and rows[RUNNER]["score"] == ""
    assert rows["cai"]["status"] == "graded", "cai's notebook recorded her own variant"
    used = variants_used(ws, data).set_index("trainee")["recorded_for"]
    assert used[RUNNER] == RAN_AS and used["cai"] == "cai" and used[COPIER] == COPIER

    cleared = clear(ws, MODULE, RUNNER, who="instructor")
    assert cleared.status == "graded" and cleared.graded and cleared.score == AUTO_POINTS - lost
    assert records(ws, MODULE)[RUNNER].cleared[0][0] == "instructor"
    with pytest.raises(ValueError, match="'another trainee's variant' can be cleared"):
        clear(ws, MODULE, "ana")
