"""A trainee's feedback page in headless Chromium with the network blocked: the PPV formula is drawn as maths (not
raw TeX), the figure is drawn by the inlined plotly.js, widgets are a note, the model answer is there, nothing is
fetched and nothing fails. nbgrader's own feedback page of the same graded notebook, in the same browser, shows
raw TeX and no figure (so the checks can fail). Screenshots: test-artifacts/browser/feedback-page/."""

from __future__ import annotations

import shutil

import nbformat
import pytest
from conftest import typed_in  # tests/conftest.py

from course.cohort.exchange import release
from course.cohort.feedback import WIDGET_NOTE, release_feedback
from course.cohort.grading import grade
from course.cohort.workspace import Workspace
from course.data.syllabus import module
from course.lessons import source_notebook
from course.nbcourse import nbgrader, write_config

from .conftest import artifacts_for

MODULE = module("01-assessment")
SOURCE = source_notebook(MODULE.id)
WRITTEN = {
    c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"]
    for c in SOURCE.cells
    if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")
}


@pytest.fixture(scope="module")
def feedback_pages(tmp_path_factory):
    """(the course's feedback page, nbgrader's plain one) for one trainee who answered everything."""
    tmp = tmp_path_factory.mktemp("feedback-page")
    roster = tmp / "roster.csv"
    roster.write_text("id,first_name,last_name,email\nana,Ana,Trainee,ana@example.org\n")
    ws = Workspace.create("pages", roster, home=tmp / "cohorts")
    release(ws, MODULE.id)
    folder = ws.course / "submitted" / "ana" / MODULE.id
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text("2030-01-01 12:00:00.000000 UTC")
    nb = typed_in(ws.release_dir(MODULE.id) / MODULE.notebook, SOURCE)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") in WRITTEN:
            cell.source = "Ana's own written answer."
    nbformat.write(nb, folder / MODULE.notebook)
    grade(ws, MODULE.id, workers=1, progress=False)
    with ws.gradebook() as gb:
        for gid, points in WRITTEN.items():
            g = gb.find_grade(gid, MODULE.notebook.rsplit(".", 1)[0], MODULE.id, "ana")
            g.manual_score, g.needs_manual_grade = points, False
        gb.db.commit()
    release_feedback(ws, MODULE.id, progress=False)
    page = next((ws.course / "feedback" / "ana" / MODULE.id).glob("*.html"))

    plain = tmp / "plain"  # nbgrader's own feedback of the same graded notebook
    shutil.copytree(ws.course / "autograded", plain / "autograded")
    shutil.copytree(ws.course / "source", plain / "source")
    shutil.copy(ws.sqlite_file, plain / "gradebook.db")
    write_config(plain, course_id=ws.name)
    nbgrader(plain, "generate_feedback", MODULE.id, "--student", "ana")
    return page, next((plain / "feedback" / "ana" / MODULE.id).glob("*.html"))


def _open_offline(browser, path):
    """The page from disk, every other request refused; (page, context, requests refused, errors)."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    refused, errors = [], []

    def route(r):
        if r.request.url.startswith("file://"):
            return r.continue_()
        refused.append(r.request.url)
        return r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, context, refused, errors


def test_the_feedback_page_draws_maths_and_figures_offline(browser, feedback_pages):
    shots = artifacts_for("feedback-page")
    shots.mkdir(parents=True, exist_ok=True)
    page, context, refused, errors = _open_offline(browser, feedback_pages[0])
    try:
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        text = page.inner_text("body")
        assert "$$" not in text and "\\frac" not in text and "\\text{PPV}" not in text
        formula = page.locator("math[display=block]").first
        formula.scroll_into_view_if_needed()
        fraction = formula.locator("mfrac").first.bounding_box()
        line = page.locator("p").first.bounding_box()
        assert fraction["height"] > 1.5 * min(line["height"], 24), "a fraction drawn on two levels"
        page.screenshot(
            path=str(shots / "formula.png"),
            clip={"x": 0, "y": max(0, fraction["y"] - 200), "width": 1200, "height": 500},
        )
        figure = page.locator(".js-plotly-plot").first
        figure.scroll_into_view_if_needed()
        assert page.locator(".js-plotly-plot path.js-line").count() >= 1, "the figure's lines are drawn"
        box = figure.bounding_box()
        assert box["height"] > 200
        page.screenshot(
            path=str(shots / "figure.png"),
            clip={"x": 0, "y": max(0, box["y"] - 60), "width": 1200, "height": box["height"] + 120},
        )
        assert text.count(WIDGET_NOTE) >= 1 and "VBox(children=" not in text
        model = page.locator(".kap-model-answer").first
        model.scroll_into_view_if_needed()
        assert "Model answer" in model.inner_text()
        page.screenshot(path=str(shots / "model-answer.png"))
        assert refused == [], "the page fetched nothing from elsewhere"
        assert errors == []
    finally:
        context.close()


def test_nbgrader_s_own_page_shows_raw_tex_and_no_figure_offline(browser, feedback_pages):
    page, context, refused, _ = _open_offline(browser, feedback_pages[1])
    try:
        page.wait_for_timeout(1_000)
        text = page.inner_text("body")
        assert "\\frac" in text and page.locator(".js-plotly-plot").count() == 0
        assert any("mathjax" in url.lower() for url in refused)
    finally:
        context.close()
