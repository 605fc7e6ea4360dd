"""The instructor's side: formgrader lists the cohort's module and shows a submission ready for manual grading.

The cohort is made as an instructor makes one: `course cohort new` and `release`, a trainee who
fetches and submits through nbgrader's exchange (with the solutions typed in), `course cohort
collect` and `grade`. JupyterLab then serves the cohort's nbgrader course directory.
"""

import re

import nbformat
import pytest
from conftest import typed_in  # tests/conftest.py
from playwright.sync_api import expect

from course.cli import main as course
from course.cohort.workspace import Workspace
from course.data.syllabus import module
from course.lessons import source_notebook
from course.nbcourse import nbgrader

from .lab import UI_WAIT, jupyter_lab, nbgrader_meta

GRADED = module("01-assessment")
COHORT = "browser-check"
TRAINEE = "trainee-a"
#: The formgrader page asks a CDN for MathJax; with no internet that request fails. Nothing else may.
OFFLINE_MATHJAX = ("cdnjs.cloudflare.com/ajax/libs/mathjax", "MathJax is not defined")


@pytest.fixture(scope="module")
def course_root(tmp_path_factory):
    """The course directory of a cohort with module 01 released and one submission autograded."""
    tmp = tmp_path_factory.mktemp("formgrader")
    home = tmp / "cohorts"
    roster = tmp / "roster.csv"
    roster.write_text(f"id,first_name,last_name,email\n{TRAINEE},Ada,Trainee,ada@example.org\n")

    def cohort(*args: str) -> None:
        assert course(["cohort", *args, "--home", str(home)]) == 0, f"course cohort {' '.join(args)} failed"

    cohort("new", COHORT, "--roster", str(roster))
    cohort("release", COHORT, GRADED.id)
    ws = Workspace.open(COHORT, home)
    trainee = tmp / "trainee"  # the trainee's own folder, fetching from and submitting to the exchange
    trainee.mkdir()
    exchange = [f"--course={COHORT}", f"--Exchange.root={ws.exchange}", f"--Exchange.cache={trainee / '.cache'}"]
    nbgrader(trainee, "fetch_assignment", GRADED.id, *exchange)
    notebook = trainee / GRADED.id / GRADED.notebook
    nbformat.write(typed_in(notebook, source_notebook(GRADED.id)), notebook)
    nbgrader(trainee, "submit", GRADED.id, *exchange, f"--student={TRAINEE}")
    cohort("collect", COHORT, GRADED.id)
    cohort("grade", COHORT, GRADED.id)
    return ws.course


@pytest.fixture(scope="module")
def formgrader_server(course_root, tmp_path_factory):
    server = jupyter_lab(course_root, tmp_path_factory.mktemp("formgrader-scratch"))
    yield server
    server.stop()


def test_formgrader_lists_the_released_module(formgrader_server, page_for):
    page = page_for(formgrader_server)
    page.page.goto(formgrader_server.url("formgrader"))
    row = page.page.locator("table tbody tr", has=page.page.get_by_role("link", name=GRADED.id, exact=True))
    expect(row).to_be_visible(timeout=UI_WAIT)
    expect(row.locator("td.num-submissions")).to_have_text("1")
    page.shot("manage-assignments")
    assert not [e for e in page.console_errors if not any(s in e for s in OFFLINE_MATHJAX)]


def test_formgrader_shows_the_submission_with_its_rubric_for_manual_grading(formgrader_server, course_root, page_for):
    page = page_for(formgrader_server)
    browser = page.page
    browser.goto(formgrader_server.url("formgrader"))
    browser.get_by_role("link", name="Manual Grading").click()
    browser.get_by_role("link", name=GRADED.id, exact=True).click()
    browser.get_by_role("link", name=GRADED.notebook.removesuffix(".ipynb"), exact=True).click()
    row = browser.locator("tbody tr", has=browser.get_by_role("link", name="Submission #1"))
    expect(row.locator("td.needs-manual-grade .glyphicon-ok")).to_be_visible(timeout=UI_WAIT)
    page.shot("submissions")
    row.get_by_role("link", name="Submission #1").click()

    cells = nbformat.read(course_root / "release" / GRADED.id / GRADED.notebook, as_version=4).cells
    written = [c for c in cells if c.cell_type == "markdown" and nbgrader_meta(c).get("grade")]
    rubrics = [c for c in cells if c.cell_type == "markdown" and "Rubric" in c.source]
    assert written and len(rubrics) >= len(written), "every written answer needs its rubric in the module"
    answers = (
        browser.locator(".nbgrader_cell")  # written answers: the trainee's text and a score box
        .filter(has=browser.locator(".panel-heading", has_text="Student's answer"))
        .filter(has=browser.locator("input.score"))
    )
    expect(answers).to_have_count(len(written), timeout=UI_WAIT)
    for i in range(len(written)):
        answer = answers.nth(i)
        answer.scroll_into_view_if_needed()
        expect(answer.locator("input.score")).to_have_value("")  # waiting for the grader's points
        page.shot(f"written-answer-{i}")
    shown = browser.get_by_text(re.compile(r"^Rubric \(for you"))  # not the pass-mark cell's "rubric beside each one"
    expect(shown).to_have_count(len(rubrics))
    for i in range(len(rubrics)):
        expect(shown.nth(i)).to_be_visible()
    assert not [e for e in page.console_errors if not any(s in e for s in OFFLINE_MATHJAX)]
