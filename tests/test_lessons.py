"""Lessons are text with enforced conventions; releases and the start page are made from them and never drift."""

import ast
import filecmp
import re

import nbformat
import pytest

from course.authoring.build import build
from course.data.syllabus import modules, objectives, teaching_modules
from course.lessons import LessonError, lesson_path, read_lesson
from course.nbcourse import module_ids
from course.paths import checkout
from course.startpage import START_PAGE, start_page

ROOT = checkout()
LESSONS = {m: read_lesson(lesson_path(m)) for m in module_ids()}
TEACHING = [m.id for m in teaching_modules()]


def _meta(cell):
    return cell.metadata.get("nbgrader", {}), cell.metadata.get("course", {})


def test_every_module_has_a_lesson_text_and_a_committed_release():
    assert module_ids() == [m.id for m in modules()]
    for module_id in module_ids():
        assert lesson_path(module_id).suffix == ".md"
        assert not list((ROOT / "solutions" / module_id).glob("*.ipynb")), "lessons are text: no notebooks here"
        assert (ROOT / "modules" / module_id).is_dir(), f"run `course build {module_id}`"


def test_released_modules_do_not_drift_from_lessons(tmp_path):
    build(out=tmp_path)
    for module_id in module_ids():
        compare = filecmp.dircmp(
            tmp_path / module_id, ROOT / "modules" / module_id, ignore=[".ipynb_checkpoints", "__pycache__"]
        )  # JupyterLab's, git-ignored
        assert not (compare.left_only or compare.right_only or compare.diff_files), (
            f"modules/{module_id} differs from what `course build` makes from its lesson: only new "
            f"{compare.left_only}, only committed {compare.right_only}, changed {compare.diff_files}. "
            f"Run `course build` and commit the result; never edit modules/ by hand."
        )


@pytest.mark.parametrize("module_id", module_ids())
def test_conventions_every_non_answer_cell_is_locked_and_ids_are_grade_ids(module_id):
    ids = []
    for cell in LESSONS[module_id].cells:
        nbg, course = _meta(cell)
        if course.get("role") == "try":  # the trainee's own cell, outside nbgrader
            assert not nbg, f"{module_id}, {cell.id}"
            continue
        ids.append(nbg["grade_id"])
        assert cell.id == nbg["grade_id"], f"{module_id}: cell id {cell.id} is not its grade id"
        editable = course.get("role") in ("answer", "written", "try")
        assert nbg["locked"] != editable, f"{module_id}, {cell.id}: only answer cells may be unlocked"
    assert len(ids) == len(set(ids)), f"{module_id}: grade ids repeat"


@pytest.mark.parametrize("module_id", TEACHING + ["pre-test", "post-test"])
def test_conventions_points_in_each_heading_equal_the_metadata(module_id):
    heading = re.compile(r"^###\s+(Question \d+|Written answer [A-Z])\s+\((\d+) points?\b", re.M)
    announced, graded, current = {}, {}, None
    for cell in LESSONS[module_id].cells:
        nbg, course = _meta(cell)
        if cell.cell_type == "markdown":
            for title, points in heading.findall(cell.source):
                current = title
                announced[title] = int(points)
        if nbg.get("grade"):
            assert current is not None, f"{module_id}, {cell.id}: a graded cell before any question heading"
            graded[current] = graded.get(current, 0) + nbg["points"]
    assert announced == graded, f"{module_id}: points announced in headings {announced} != metadata {graded}"


@pytest.mark.parametrize("module_id", TEACHING + ["pre-test", "post-test"])
def test_conventions_each_answer_is_followed_by_its_check(module_id):
    cells = LESSONS[module_id].cells
    for i, cell in enumerate(cells):
        course = _meta(cell)[1]
        if course.get("role") != "answer":
            continue
        following = []
        for later in cells[i + 1 :]:
            role = _meta(later)[1].get("role")
            if role == "answer":
                break
            if role == "check":
                following.append(later)
        assert following, (
            f"{module_id}, {cell.id}: an autograded answer is followed by its check before the next answer"
        )
        for name in course["answers"]:
            assert any(re.search(rf"\b{name}\b", c.source) for c in following), (
                f"{module_id}: no check after {cell.id} reads {name}"
            )


@pytest.mark.parametrize("module_id", module_ids())
def test_conventions_answer_cells_define_their_names_as_values(module_id):
    for cell in LESSONS[module_id].cells:
        course = _meta(cell)[1]
        if course.get("role") != "answer":
            continue
        tree = ast.parse("\n".join(line for line in cell.source.splitlines() if "SOLUTION" not in line))
        assigned = {
            n.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for t in node.targets
            for n in ast.walk(t)
            if isinstance(n, ast.Name)
        }
        assert set(course["answers"]) <= assigned, f"{module_id}, {cell.id}: not every answer is assigned"


def test_every_graded_cell_names_a_known_objective_and_every_objective_is_assessed():
    known, assessed = objectives(), set()
    for module_id, nb in LESSONS.items():
        for cell in nb.cells:
            nbg, course = _meta(cell)
            if nbg.get("grade"):
                assert course.get("objective") in known, f"{module_id}, {cell.id}: unknown objective"
                if module_id in TEACHING:  # the pre- and post-test ask about every objective; modules teach theirs
                    assert course["objective"].startswith(module_id[:2] + "."), f"{module_id}, {cell.id}"
                    assessed.add(course["objective"])
    assert not set(known) - assessed, f"objectives with no graded item: {sorted(set(known) - assessed)}"


@pytest.mark.parametrize(
    "change, message",
    [
        ('+++ {"id": "intro"}', "the id intro is used twice"),
        ("```{code-cell} ipython3\n:id: extra\n:role: check\n\npass\n```", "a graded cell needs points"),
        ("```{code-cell} ipython3\n:id: extra\n:role: answer\n\nx = 1\n```", "lists the names it defines"),
        ("```{code-cell} ipython3\n:id: extra\n:locked: false\n\nx = 1\n```", "unknown cell field(s) locked"),
        ('+++ {"id": "Bad Id"}', "every cell needs an id"),
        ('+++ {"id": "extra", "role": "written", "points": 2, "kind": "judgement"}', "names its objective"),
    ],
)
def test_a_lesson_that_breaks_a_convention_is_refused_with_the_cell_named(tmp_path, change, message):
    text = lesson_path("00-orientation").read_text(encoding="utf-8")
    broken = tmp_path / "orientation.md"
    broken.write_text(text + "\n" + change + "\n\nSome text.\n", encoding="utf-8")
    with pytest.raises(LessonError, match=re.escape(message)):
        read_lesson(broken)


def test_a_hand_edit_to_a_locked_cell_of_a_release_is_drift(tmp_path):
    # What `test_released_modules_do_not_drift_from_lessons` catches, shown on one cell.
    built = build(["01-assessment"], out=tmp_path)[0] / "assessment.ipynb"
    committed = ROOT / "modules" / "01-assessment" / "assessment.ipynb"
    assert built.read_bytes() == committed.read_bytes()
    nb = nbformat.read(committed, as_version=4)
    cell = next(c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == "q1-check")
    cell.source = cell.source.replace("expect", "print", 1)
    edited = tmp_path / "edited.ipynb"
    nbformat.write(nb, edited)
    assert not filecmp.cmp(edited, built, shallow=False)


def test_start_page_is_current_and_lists_every_module():
    committed = nbformat.read(ROOT / START_PAGE, as_version=4)
    assert [c.source for c in committed.cells] == [c.source for c in start_page().cells], "run `course build`"
    text = "\n".join(c.source for c in committed.cells)
    for m in modules():
        assert m.title in text and f"~{m.minutes} min" in text
        assert f"(modules/{m.id}/{m.notebook})" in text


def test_released_notebooks_hide_solutions_and_hidden_tests():
    for path in (ROOT / "modules").rglob("*.ipynb"):
        text = path.read_text()
        for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "Model answer"):
            assert marker not in text, f"{path.name} shows {marker!r}"


def test_every_graded_module_has_enough_parts():
    heading = re.compile(r"^###\s+(Question \d+)", re.M)
    for module_id in TEACHING:
        nb = LESSONS[module_id]
        cells = [_meta(c)[0] for c in nb.cells]
        auto = [m for m in cells if m.get("grade") and not m.get("solution")]
        manual = [m for m in cells if m.get("grade") and m.get("solution")]
        assert len(auto) >= 5 and len(manual) >= 2, module_id
        hidden, question = {}, None  # every question but at most one is graded (partly) by hidden tests
        for cell in nb.cells:
            if cell.cell_type == "markdown" and heading.search(cell.source):
                question = heading.search(cell.source).group(1)
                hidden.setdefault(question, False)
            if _meta(cell)[0].get("grade") and "BEGIN HIDDEN TESTS" in cell.source:
                hidden[question] = True
        assert sum(not h for h in hidden.values()) <= 1, f"{module_id}: questions without hidden tests: {hidden}"
