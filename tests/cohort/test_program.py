"""What a program sees, through the real cycle: the pre-test and post-test, a module with variants, the capstone's
cases, a booster round and the evaluation, all released, submitted, graded by `course cohort grade` and read back
by the report."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import nbformat
import pytest
from conftest import typed_in

from course import evaluation
from course.cases import all_paths, load_case
from course.cohort.boosters import make_round, plan_round, retention
from course.cohort.exchange import release
from course.cohort.grading import grade
from course.cohort.outcomes import pre_post, time_on_task, variants_used
from course.cohort.report import write_report
from course.cohort.results import collect_data
from course.cohort.workspace import Workspace
from course.data.syllabus import module
from course.itembank import draw, items_for
from course.itembank import items as item_bank
from course.lessons import read_lesson, source_notebook

from .conftest import write_roster

TRAINEES = ["ana", "ben", "cai", "dee"]
FINISHED = "2030-01-01 12:00:00.000000 UTC"
TODAY = date(2030, 1, 20)


def _submit(ws: Workspace, trainee: str, assignment: str, nb, stamp: str = FINISHED, files: dict | None = None):
    """Put a submission where `nbgrader collect` puts it: submitted/ID/ASSIGNMENT/, with a timestamp."""
    folder = ws.course / "submitted" / trainee / assignment
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text(stamp)
    name = next(ws.release_dir(assignment).glob("*.ipynb")).name
    nbformat.write(nb, folder / name)
    for file_name, text in (files or {}).items():
        (folder / file_name).write_text(text)


def _release_nb(ws: Workspace, assignment: str) -> Path:
    return next(ws.release_dir(assignment).glob("*.ipynb"))


def _correct(ws, assignment, source=None):
    return typed_in(_release_nb(ws, assignment), source or source_notebook(assignment))


def _blank(ws, assignment):
    return nbformat.read(_release_nb(ws, assignment), as_version=4)


def _critical_path() -> list[str]:
    """Letters of a finished path through the capstone's first case that makes a critical error."""
    run = next(r for r in all_paths(load_case("capstone-tomasz")) if r.finished and r.criticals)
    return [step.letter for step in run.steps]


def _timed(nb, minutes: int):
    """Cell timing as JupyterLab records it, ``minutes`` apart over the first code cells."""
    code = [c for c in nb.cells if c.cell_type == "code"][:3]
    for i, cell in enumerate(code):
        start = f"2030-01-01T10:{i * minutes:02d}:00Z"
        cell.metadata["execution"] = {"iopub.execute_input": start, "shell.execute_reply": start}
    return nb


@pytest.fixture(scope="module")
def program(tmp_path_factory):
    home = tmp_path_factory.mktemp("program") / "cohorts"
    ws = Workspace.create("program", write_roster(home.parent / "roster.csv", TRAINEES), home=home)
    for assignment in ("pre-test", "01-assessment", "05-capstone", "post-test", "evaluation"):
        release(ws, assignment)

    for trainee in TRAINEES:  # before the course: nobody knows the answers
        _submit(ws, trainee, "pre-test", _blank(ws, "pre-test"))
    _submit(ws, "ana", "01-assessment", _timed(_correct(ws, "01-assessment"), 4))
    _submit(ws, "ben", "01-assessment", _correct(ws, "01-assessment"))
    _submit(ws, "cai", "01-assessment", _blank(ws, "01-assessment"))
    _submit(ws, "ana", "05-capstone", _correct(ws, "05-capstone"))
    wrong_turn = _correct(ws, "05-capstone")
    next(c for c in wrong_turn.cells if c.id == "q1-answer").source = f"tomasz_choices = {_critical_path()!r}"
    _submit(ws, "ben", "05-capstone", wrong_turn)
    for trainee in ("ana", "ben", "cai"):  # after: ana, ben and cai answer correctly
        _submit(ws, trainee, "post-test", _correct(ws, "post-test"), stamp="2030-01-10 12:00:00.000000 UTC")
    _submit(ws, "dee", "post-test", _blank(ws, "post-test"), stamp="2030-01-10 12:00:00.000000 UTC")
    for trainee, rating in (("ana", 5), ("ben", 4)):
        answers = json.dumps({"relevance": rating, "balance": "balanced", "comments": f"note from {trainee}"})
        _submit(ws, trainee, "evaluation", _blank(ws, "evaluation"), files={evaluation.ANSWERS_FILE: answers})
    for assignment in ("pre-test", "01-assessment", "05-capstone", "post-test", "evaluation"):
        grade(ws, assignment, workers=2, progress=False)

    booster, _ = make_round(ws, today=TODAY)  # module 01 was completed 19 days before
    lesson = read_lesson(ws.path / "boosters" / f"{booster.name}.md")
    _submit(
        ws, "ana", booster.name, typed_in(_release_nb(ws, booster.name), lesson), stamp="2030-01-21 12:00:00.000000 UTC"
    )
    _submit(ws, "ben", booster.name, _blank(ws, booster.name), stamp="2030-01-21 12:00:00.000000 UTC")
    grade(ws, booster.name, workers=2, progress=False)
    return ws, booster


def test_correct_work_gets_full_marks_in_every_assignment(program):
    ws, booster = program
    table = collect_data(ws).table.set_index(["trainee", "module"])
    for assignment in ("post-test", booster.name):
        row = table.loc[("ana", assignment)]
        assert row["status"] == "graded" and row["score"] == row["max_score"] > 0, assignment
    auto = table.loc[("ana", "01-assessment")]
    assert auto["status"] == "needs-manual-grading" and auto["pending_manual"]


def test_a_booster_round_asks_what_is_due_and_favours_what_was_wrong(program):
    ws, booster = program
    assert set(booster.plan) == {"ana", "ben", "cai"}, "dee completed no module"
    assert "no module completed 7 or more days ago" in booster.left_out["dee"]
    module_01 = {o.id for o in module("01-assessment").objectives}
    module_05 = {o.id for o in module("05-capstone").objectives}
    for trainee, items in booster.plan.items():
        assert len(items) == 5 and len(set(items)) == 5
        # ana and ben submitted modules 01 and 05 on 1 January, cai only module 01 (the pre-test is no module)
        assert set(booster.due[trainee]) == module_01 | (module_05 if trainee in ("ana", "ben") else set()), trainee
    assert set(booster.wrong["cai"]) >= module_01, "cai left module 01 blank: every objective was wrong"
    seen = json.loads((ws.path / "boosters" / f"{booster.name}.json").read_text())
    assert seen["plan"] == booster.plan and seen["made"] == TODAY.isoformat()
    with pytest.raises(ValueError, match="already made"):
        make_round(ws, booster.name, today=TODAY)
    later = plan_round(ws, "booster-2", today=TODAY)
    for trainee in set(later.plan) & set(booster.plan):
        # Unseen first within each objective: an item of booster-1 comes back only when its objective has no
        # item left that the trainee has not met (in booster-1, the pre-test or the post-test).
        seen = set(booster.plan[trainee]) | {i.id for t in ("pre-test", "post-test") for i in draw(t, trainee)}
        for item_id in set(later.plan[trainee]) & set(booster.plan[trainee]):
            objective = item_bank()[item_id].objective
            unseen = {i.id for i in items_for(objective)} - seen
            assert unseen <= set(later.plan[trainee]), (
                f"{trainee}: {item_id} came back while {sorted(unseen)} of {objective} were never shown"
            )
    assert any(set(later.plan[t]) - set(booster.plan[t]) for t in later.plan), "new items in the next round"


def test_booster_answers_feed_the_gradebook_and_the_retention_table(program):
    ws, booster = program
    rows = retention(ws, collect_data(ws))
    by_trainee = rows.groupby("trainee")["correct"].agg(["size", "mean"])
    assert by_trainee.loc["ana", "size"] == 5 and by_trainee.loc["ana", "mean"] == 1.0
    assert by_trainee.loc["ben", "mean"] == 0.0
    assert set(rows["days"]) == {19}


def test_pre_post_gains_per_objective_and_per_trainee(program):
    ws, _ = program
    by_objective, by_trainee = pre_post(ws, collect_data(ws))
    assert len(by_objective) == len(module("01-assessment").objectives) + sum(
        len(module(m).objectives)
        for m in ("00-orientation", "02-dosing", "03-integration", "04-expectations", "05-capstone")
    )
    assert (by_objective["trainees"] == 4).all() and (by_objective["pre"] == 0).all()
    assert (by_objective["post"] == 0.75).all() and (by_objective["gain"] == 0.75).all()
    assert (by_objective["low"] <= 0.75).all() and (by_objective["high"] >= 0.75).all()
    gains = by_trainee.set_index("trainee")["gain"]
    assert gains["ana"] == 1.0 and gains["dee"] == 0.0


def test_the_report_shows_what_a_program_needs(program):
    ws, booster = program
    page = write_report(ws).read_text()
    text = re.sub(r"<[^>]+>", " ", page)
    assert page.count("* plotly.js v") == 1
    for heading in (
        "Learning gains: pre-test to post-test",
        "Retention: booster rounds",
        "Cases: where the cohort went",
        "Time on task",
        "Case-number variants",
        "Evaluation (anonymous)",
        "Items that behave badly",
    ):
        assert heading in text, heading
    assert '"type":"sankey"' in page.replace(" ", ""), "the cohort's paths through a case"
    assert "Critical errors:" in text and "capstone" in page.lower()
    assert "note from ana" in text and "ana@example.org" not in page.split("Evaluation (anonymous)")[1][:4000]
    csv_text = (ws.path / "exports" / "evaluation.csv").read_text()
    assert "relevance" in csv_text and "ana" not in csv_text.replace("note from ana", "")


def test_time_on_task_and_variants_come_from_the_notebooks(program):
    ws, _ = program
    data = collect_data(ws)
    minutes = time_on_task(ws, data).set_index("trainee")
    assert minutes.loc["ana", "01-assessment"] == 8.0, "three cells four minutes apart"
    used = variants_used(ws, data)
    module_01 = used[used["module"] == "01-assessment"].set_index("trainee")
    assert set(module_01.index) >= {"ana", "ben"}
    assert module_01.loc["ana", "recorded_for"] == "ana", "the grader knew whose notebook it ran"
