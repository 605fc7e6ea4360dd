"""A real nbgrader round trip for each module: generate, submit, autograde, read the gradebook.

Correct answers typed into the release get full autograded marks; the unanswered release gets 0
with failing tests; a partly answered one gets partial credit; written answers wait for a grader.
The pre-test and post-test (one answer cell for every question, items drawn per trainee) go through
their own cycle in tests/test_itembank.py, graded against each submitter's draw.
"""

import nbformat
import pytest
from conftest import typed_in
from nbgrader.api import Gradebook

from course.data.syllabus import module, teaching_modules
from course.lessons import source_notebook
from course.nbcourse import course_directory, generate, module_ids, nbgrader
from course.paths import CHECKOUT as ROOT

pytestmark = pytest.mark.cycle  # real nbgrader cycles: make test, not make check

#: Modules a trainee validates: every module with graded cells (the teaching modules and the two quizzes).
GRADED = [m for m in module_ids() if module(m).kind != "evaluation"]
#: Modules with several answer cells and written answers: the teaching modules.
TEACHING = [m.id for m in teaching_modules() if m.id in module_ids()]


def _auto_cells(nb):
    cells = nb.cells
    return {
        c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
        for c in cells
        if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata["nbgrader"].get("solution")
    }


def _answers_checked_by(nb):
    """Each autograded cell's answer cells: those after the previous question's checks and before it. A question
    may have one answer cell read by several checks, so typing it answers all of them."""
    feeds, current, after_check = {}, [], False
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            if after_check:
                current, after_check = [], False
            current.append(meta["grade_id"])
        elif meta.get("grade") and not meta.get("solution"):
            feeds[meta["grade_id"]] = set(current)
            after_check = True
    return feeds


@pytest.mark.parametrize("module_id", TEACHING)
def test_round_trip(tmp_path, module_id):
    notebook = module(module_id).notebook
    root = course_directory(tmp_path / "course", [module_id])
    release = generate(root, module_id) / notebook
    source = source_notebook(module_id)
    auto = _auto_cells(source)
    half = sorted(auto)[: len(auto) // 2]
    feeds = _answers_checked_by(source)
    typed = set().union(*(feeds[g] for g in half))
    partial_points = sum(points for g, points in auto.items() if feeds[g] <= typed)
    submissions = {
        "correct": typed_in(release, source),
        "unanswered": nbformat.read(release, as_version=4),
        "partial": typed_in(release, source, typed),
    }
    for student, nb in submissions.items():
        folder = root / "submitted" / student / module_id
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / notebook)
    nbgrader(root, "autograde", module_id)

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "kap-anxiety") as gb:

        def auto_score(student):
            sub = gb.find_submission(module_id, student)
            return {g.name: g.score for nbs in sub.notebooks for g in nbs.grades if g.name in auto}

        correct = auto_score("correct")
        assert correct == auto, "a correct submission must get full marks on every autograded cell"
        assert sum(auto_score("unanswered").values()) == 0
        partial = auto_score("partial")
        assert sum(partial.values()) == partial_points
        assert 0 < sum(partial.values()) < sum(auto.values())
        sub = gb.find_submission(module_id, "correct")
        written = [g for nbs in sub.notebooks for g in nbs.grades if g.name not in auto]
        assert len(written) >= 2 and all(g.needs_manual_grade for g in written), (
            "written answers must be left for the grader"
        )

    # The unanswered release really fails its tests, with plain-language messages.
    graded = nbformat.read(root / "autograded" / "unanswered" / module_id / notebook, as_version=4)
    errors = [
        o
        for c in graded.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.output_type == "error" and c.metadata.get("nbgrader", {}).get("grade_id") in auto
    ]
    assert len(errors) == len(auto)
    assert all("Not answered yet" in e.evalue for e in errors), [e.evalue for e in errors]


@pytest.mark.parametrize("module_id", GRADED)
def test_validate_release_fails_and_typed_answers_pass(tmp_path, module_id):
    notebook = module(module_id).notebook
    release = ROOT / "modules" / module_id / notebook
    source = source_notebook(module_id)
    (tmp_path / "blank").mkdir()
    (tmp_path / "typed").mkdir()
    nbformat.write(nbformat.read(release, as_version=4), tmp_path / "blank" / notebook)
    nbformat.write(typed_in(release, source), tmp_path / "typed" / notebook)
    # `nbgrader validate` exits 0 either way, so read what it says.
    blank = nbgrader(tmp_path / "blank", "validate", notebook, check=False)
    typed = nbgrader(tmp_path / "typed", "validate", notebook, check=False)
    assert "VALIDATION FAILED" in blank.stdout + blank.stderr
    assert "Success! Your notebook passes all the tests." in typed.stdout + typed.stderr, typed.stdout[-2000:]


def test_the_evaluation_goes_through_nbgrader_with_its_answers_as_data(tmp_path):
    """Released ungraded, submitted with the saved answers file, autograded without a score, summarised anonymously
    from the file (never by running what a trainee wrote)."""
    from types import SimpleNamespace

    from course import evaluation
    from course.cohort.outcomes import evaluation_responses

    name = module("evaluation").notebook
    root = course_directory(tmp_path / "course", ["evaluation"])
    release = generate(root, "evaluation") / name
    assert not _auto_cells(nbformat.read(release, as_version=4)), "nothing in the evaluation is graded"
    for trainee, rating in (("ana", 5), ("ben", 3)):
        folder = root / "submitted" / trainee / "evaluation"
        folder.mkdir(parents=True)
        nbformat.write(nbformat.read(release, as_version=4), folder / name)
        evaluation.save({"relevance": rating, "practice_change": "yes"}, folder / evaluation.ANSWERS_FILE)
    nbgrader(root, "autograde", "evaluation")
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "kap-anxiety") as gb:
        assert gb.find_submission("evaluation", "ana").max_score == 0
    responses = evaluation_responses(SimpleNamespace(course=root))
    assert sorted(r["relevance"] for r in responses) == [3, 5]
