"""Shared helpers for the cohort tests: cohorts in temporary folders, module 01, real nbgrader."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from conftest import typed_in
from course.lessons import source_notebook
from course.paths import CHECKOUT as ROOT
from course.data.syllabus import module
from course.cohort.exchange import release
from course.cohort.workspace import Workspace

MODULE = "01-assessment"
NOTEBOOK = module(MODULE).notebook
SOURCE = source_notebook(MODULE)
AUTO_POINTS = 15.0


def write_roster(path: Path, ids) -> Path:
    path.write_text("id,first_name,last_name,email\n"
                    + "".join(f"{i},First{n},Last{n},{i}@example.org\n" for n, i in enumerate(ids)))
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


WRONG_AT_BAND_EDGES = ('gad7_bands = {4: "minimal", 5: "minimal", 9: "mild", 10: "mild", 14: "moderate", '
                       '15: "moderate", 21: "severe"}')

#: The rubric comment a grader leaves on ben's first written answer.
COMMENT = "Good use of the PPV; name the diagnostic interview as the next step."


def hidden_fail(ws: Workspace):
    """A correct submission except an answer that passes the visible tests and fails the hidden ones."""
    nb = correct(ws)
    cell(nb, "q1-answer").source = WRONG_AT_BAND_EDGES
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
    """A small graded cohort: ana full marks, ben hidden tests failed (passes), cai unanswered (fails),
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
    set_manual(ws, "ana", {"m1-answer": 3, "m2-answer": 3})
    set_manual(ws, "ben", {"m1-answer": 1, "m2-answer": 2}, comments={"m1-answer": COMMENT})
    return ws
