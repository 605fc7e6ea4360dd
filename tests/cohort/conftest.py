"""Shared helpers for the cohort tests: cohorts in temporary folders, module 01, real nbgrader."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from conftest import typed_in

from course.cohort.exchange import release
from course.cohort.workspace import Workspace
from course.data.syllabus import module
from course.lessons import source_notebook

MODULE = "01-assessment"
NOTEBOOK = module(MODULE).notebook
SOURCE = source_notebook(MODULE)


def _role(nb, role) -> list:
    return [c for c in nb.cells if c.metadata.get("course", {}).get("role") == role]


def _points(nb, role) -> dict:
    return {c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"]["points"]) for c in _role(nb, role)}


#: What the tests grade, read from the module's source notebook (never typed in here): test cells and written
#: answers with their points, answer cells in order.
CHECKS = _points(SOURCE, "check")
WRITTEN = _points(SOURCE, "written")
ANSWERS = [c.metadata["nbgrader"]["grade_id"] for c in _role(SOURCE, "answer")]
AUTO_POINTS = sum(CHECKS.values())
MAX_POINTS = AUTO_POINTS + sum(WRITTEN.values())


def checks_of(answer_id: str, nb=SOURCE) -> list[str]:
    """The test cells that follow an answer cell, up to the next answer cell (those that grade it)."""
    found, inside = [], False
    for c in nb.cells:
        role = c.metadata.get("course", {}).get("role")
        gid = c.metadata.get("nbgrader", {}).get("grade_id")
        if role == "answer":
            inside = gid == answer_id
        elif inside and role == "check":
            found.append(gid)
    assert found, f"{answer_id} is not followed by a test cell"
    return found


def points_of(answer_ids) -> float:
    """The autograded points of the tests that grade these answer cells."""
    return sum(CHECKS[check] for answer in answer_ids for check in checks_of(answer))


def write_roster(path: Path, ids) -> Path:
    path.write_text(
        "id,first_name,last_name,email\n"
        + "".join(f"{i},First{n},Last{n},{i}@example.org\n" for n, i in enumerate(ids))
    )
    return path


def new_cohort(home: Path, name: str, ids, timeout: int = 60, **settings) -> Workspace:
    """A cohort with module 01 released; ``settings`` overrides cohort.json entries."""
    ws = Workspace.create(name, write_roster(home.parent / f"{name}-roster.csv", ids), home=home, timeout=timeout)
    if settings:
        path = ws.path / "cohort.json"
        path.write_text(json.dumps({**json.loads(path.read_text()), **settings}))
        ws = Workspace(ws.path)
    release(ws, MODULE)
    return ws


def release_notebook(ws: Workspace) -> Path:
    return ws.release_dir(MODULE) / NOTEBOOK


def correct(ws: Workspace):
    return typed_in(release_notebook(ws), SOURCE)


def unanswered(ws: Workspace):
    return nbformat.read(release_notebook(ws), as_version=4)


def partial(ws: Workspace, answer_ids):
    return typed_in(release_notebook(ws), SOURCE, set(answer_ids))


def cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def submit(ws: Workspace, student: str, nb=None, files: dict | None = None) -> Path:
    """Put a submission where `nbgrader collect` puts it: submitted/ID/MODULE/, with a timestamp."""
    folder = ws.course / "submitted" / student / MODULE
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text("2030-01-01 12:00:00.000000 UTC")
    (folder / "submission_secret.txt").write_text(f"secret-of-{student}")  # as nbgrader's submit adds
    if nb is not None:
        nbformat.write(nb, folder / NOTEBOOK)
    for name, content in (files or {}).items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    return folder


def snapshot(folder: Path) -> dict:
    """Every file under ``folder`` with its bytes (to prove originals are never modified)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def auto_scores(ws: Workspace, student: str) -> dict:
    """The autograder's score for each test cell of a trainee's submission."""
    with ws.gradebook() as gb:
        sub = gb.find_submission(MODULE, student)
        return {g.name: g.auto_score for nb in sub.notebooks for g in nb.grades if g.cell.cell_type == "code"}


@pytest.fixture
def cohort_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "cohorts"
    monkeypatch.setenv("KAP_COHORTS_HOME", str(home))
    return home


#: A GAD-7 answer that passes the visible test (every cut-point is the first score of its band) and fails the hidden
#: ones (9 is still mild).
WRONG_INSIDE_A_BAND = (
    'gad7_bands = {4: "minimal", 5: "mild", 9: "moderate", 10: "moderate", 14: "moderate", 15: "severe", 21: "severe"}'
)
#: The hint of the hidden test it fails (shown in feedback; the test's code is not).
HIDDEN_HINT = "the bands run 0-4 minimal, 5-9 mild"

#: What a grader gives ana's and ben's written answers in ``graded_cohort``.
ANA_WRITTEN = {"m1-answer": 3, "m2-answer": 3}
BEN_WRITTEN = {"m1-answer": 1, "m2-answer": 2}
#: The rubric comment a grader leaves on ben's first written answer.
COMMENT = "Good use of the PPV; name the diagnostic interview as the next step."


def hidden_fail(ws: Workspace):
    """A correct submission except an answer that passes the visible tests and fails the hidden ones."""
    nb = correct(ws)
    cell(nb, "q1-answer").source = WRONG_INSIDE_A_BAND
    return nb


def set_manual(ws: Workspace, student: str, scores: dict, comments: dict | None = None) -> None:
    """Grade the written answers and leave comments, as a grader does in formgrader."""
    with ws.gradebook() as gb:
        for grade_id, score in scores.items():
            grade = gb.find_grade(grade_id, "assessment", MODULE, student)
            grade.manual_score, grade.needs_manual_grade = score, False
        for grade_id, text in (comments or {}).items():
            gb.find_comment(grade_id, "assessment", MODULE, student).manual_comment = text
        gb.db.commit()


@pytest.fixture(scope="session")
def graded_cohort(tmp_path_factory):
    """A small graded cohort: ana full autograded marks, ben hidden tests failed (passes), cai unanswered (fails),
    dee waiting for manual grading, eli never submitted, fay corrupt."""
    from course.cohort.grading import grade

    home = tmp_path_factory.mktemp("graded") / "cohorts"
    ws = new_cohort(home, "graded", ["ana", "ben", "cai", "dee", "eli", "fay"])
    submit(ws, "ana", correct(ws))
    submit(ws, "ben", hidden_fail(ws))
    submit(ws, "cai", unanswered(ws))
    submit(ws, "dee", partial(ws, ["q1-answer", "q2-answer", "q5-answer", "m1-answer"]))
    submit(ws, "fay", files={NOTEBOOK: "not a notebook"})
    grade(ws, MODULE, workers=2, progress=False)
    set_manual(ws, "ana", ANA_WRITTEN)
    set_manual(ws, "ben", BEN_WRITTEN, comments={"m1-answer": COMMENT})
    return ws
