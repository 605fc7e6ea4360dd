"""Feedback never shows hidden tests or solutions (nbgrader #917), and does show scores and rubric comments."""

import re

import nbformat
import pytest

from course.cohort.feedback import HideTests, release_feedback, scrub, without_regions
from course.lessons import source_notebook
from course.nbcourse import nbgrader, write_config

from .conftest import AUTO_POINTS, BEN_WRITTEN, CHECKS, COMMENT, HIDDEN_HINT, MAX_POINTS, MODULE


def _secret_lines():
    """Every informative line of the source's hidden tests, and the markers (worked out here, independently)."""
    lines, inside = [], False
    for cell in source_notebook(MODULE).cells:
        for line in cell.source.splitlines():
            inside = inside or "BEGIN HIDDEN TESTS" in line
            if inside and len(line.strip()) >= 8 and "HIDDEN TESTS" not in line:
                lines.append(line.strip())
            inside = inside and "END HIDDEN TESTS" not in line
    assert len(lines) >= 10
    return ["BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN SOLUTION", "END SOLUTION", *lines]


def _visible_text(html: str) -> str:
    text = re.sub(r"<[^>]+>", "", html)
    for entity, char in (("&quot;", '"'), ("&#39;", "'"), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")):
        text = text.replace(entity, char)
    return text


def _found(pages, secrets):
    return {page.parent.parent.name: [s for s in secrets if s in _visible_text(page.read_text())] for page in pages}


@pytest.fixture(scope="module")
def feedback(graded_cohort):
    run = release_feedback(graded_cohort, MODULE, progress=False)
    return graded_cohort, run, sorted((graded_cohort.course / "feedback").glob(f"*/{MODULE}/*.html"))


def test_feedback_is_released_for_fully_graded_trainees_only(feedback):
    ws, run, pages = feedback
    assert sorted(run.released) == ["ana", "ben", "cai"]
    assert run.waiting == ["dee"] and run.not_graded == [("fay", "corrupt-notebook")]
    assert sorted(p.parent.parent.name for p in pages) == ["ana", "ben", "cai"]
    released = list((ws.exchange / ws.name / "feedback").glob("*.html"))
    assert len(released) == 3


def test_no_feedback_file_shows_hidden_tests_or_solutions(feedback):
    _, _, pages = feedback
    assert _found(pages, _secret_lines()) == {"ana": [], "ben": [], "cai": []}


def test_the_check_finds_what_plain_nbgrader_feedback_shows(feedback, tmp_path):
    """nbgrader's own feedback of the same graded notebooks shows hidden tests: the search above can fail."""
    import shutil

    ws, _, _ = feedback
    plain = tmp_path / "plain"
    shutil.copytree(ws.course / "autograded", plain / "autograded")
    shutil.copytree(ws.course / "source", plain / "source")
    shutil.copy(ws.sqlite_file, plain / "gradebook.db")
    write_config(plain, course_id=ws.name)
    nbgrader(plain, "generate_feedback", MODULE, "--student", "ben")
    found = _found(sorted(plain.glob(f"feedback/ben/{MODULE}/*.html")), _secret_lines())
    assert "BEGIN HIDDEN TESTS" in found["ben"] and len(found["ben"]) > 5


def test_feedback_shows_scores_hints_and_rubric_comments(feedback):
    _, _, pages = feedback
    ben = _visible_text(next(p for p in pages if p.parent.parent.name == "ben").read_text())
    assert COMMENT in ben
    total = AUTO_POINTS - CHECKS["q1-check"] + sum(BEN_WRITTEN.values())
    assert re.search(rf"{total:g}(\.0)?\s*/\s*{MAX_POINTS:g}(\.0)?\b", ben), "the total score"
    assert HIDDEN_HINT in ben, "a failing hidden test still gives its hint"
    assert "YOUR ANSWER HERE" in _visible_text(next(p for p in pages if p.parent.parent.name == "cai").read_text())


def test_ben_failed_a_hidden_test_after_passing_the_visible_ones(graded_cohort):
    """What the feedback test above relies on: ben's question 1 is wrong where only the hidden tests look."""
    nb = nbformat.read(graded_cohort.course / "autograded" / "ben" / MODULE / "assessment.ipynb", as_version=4)
    errors = [
        o
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") == "q1-check"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert len(errors) == 1 and HIDDEN_HINT in errors[0].evalue, "the hidden test's message, not a visible test's"


def test_hide_tests_scrubs_sources_and_every_kind_of_output():
    nb = nbformat.v4.new_notebook()
    test = nbformat.v4.new_code_cell(
        "visible_check()\n### BEGIN HIDDEN TESTS\nsecret_check(total, edge_case)\n### END HIDDEN TESTS"
    )
    test.outputs = [
        nbformat.v4.new_output(
            "error",
            ename="AssertionError",
            evalue="hint for you",
            traceback=["\x1b[0;31m----> 3\x1b[0m secret_check(total, edge_case)", "AssertionError: hint for you"],
        )
    ]
    answer = nbformat.v4.new_code_cell("### BEGIN SOLUTION\nmodel = 1\n### END SOLUTION\nprint(In)")
    printed_history = "['', 'visible_check()\\nsecret_check(total, edge_case)']\n"  # what print(In) shows
    answer.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=printed_history),
        nbformat.v4.new_output("display_data", data={"text/plain": "### BEGIN HIDDEN TESTS"}),
    ]
    nb.cells = [test, answer]
    nb.metadata["widgets"] = {"state": "anything"}
    nb, _ = HideTests().preprocess(nb, {})
    assert nb.cells[0].source == "visible_check()" and nb.cells[1].source == "print(In)"
    error = nb.cells[0].outputs[0]
    assert error.evalue == "hint for you" and "secret_check" not in "".join(error.traceback)
    assert "secret_check" not in nb.cells[1].outputs[0].text
    assert "HIDDEN" not in nb.cells[1].outputs[1].data["text/plain"]
    assert "widgets" not in nb.metadata


def test_region_removal_and_scrubbing_are_exact():
    assert without_regions("a\n# BEGIN X\nb\n# END X\nc", "BEGIN X", "END X") == ("a\nc", ["# BEGIN X", "b", "# END X"])
    assert without_regions("no markers", "BEGIN X", "END X") == ("no markers", [])
    assert scrub("keep\nthe secret line here\nkeep too", ["secret line"]) == "keep\n[hidden test line]\nkeep too"
