"""`make lab` in the browser, as a self-study trainee meets it.

The server is the Makefile's own (`make lab`, the trainee's Lab settings of deploy/lab/), serving a
workspace in a temporary folder. It opens on the start page; the file browser holds the course, not
the repository; nbgrader shows the Assignments panel and Validate, not the instructors' tools; every
module opens unmodified; axe-core finds no serious accessibility violation in the start page; a module worked on, saved and reopened shows its explorers (from the kernel
while it runs, from the saved widget state after it stops), stays small, and leaves the repository's
releases untouched.
"""

import secrets

import nbformat
import pytest
import requests
from conftest import free_port  # tests/conftest.py
from playwright.sync_api import expect

from course.data.syllabus import module, modules
from course.labserver import PLOTLY
from course.paths import CHECKOUT as ROOT

from .axe import audit
from .lab import UI_WAIT, WIDGET_STATE, release_path, released_modules, start_server

MODULES = modules()

START_PAGE = "start-here.ipynb"
MAX_NOTEBOOK_BYTES = 1_000_000


@pytest.fixture
def make_lab(tmp_path):
    """`make lab` on a workspace in ``tmp_path``; the repository's releases must come out unchanged."""
    watched = [ROOT / START_PAGE] + [release_path(m) for m in released_modules()]
    before = {path: path.read_bytes() for path in watched}
    port, token = free_port(), secrets.token_hex(16)
    server = start_server(
        [
            "make",
            "--no-print-directory",
            "lab",
            f"LAB_PORT={port}",
            f"WORKSPACE={tmp_path / 'workspace'}",
            f"LAB_ARGS=--no-browser --IdentityProvider.token={token} --ServerApp.port_retries=0",
        ],
        ROOT,
        tmp_path / "scratch",
        port,
        token,
    )
    server.workspace = tmp_path / "workspace"
    yield server
    server.stop()
    assert {path: path.read_bytes() for path in watched} == before, "working in make lab changed a release"


def cell(page, nb: nbformat.NotebookNode, cell_id: str):
    """A cell of the open notebook, found by its id in the notebook file."""
    index = [c.id for c in nb.cells].index(cell_id)
    return page.notebook.locator(f'.jp-Cell[data-windowed-list-index="{index}"]')


def run_cells(page, nb, *cell_ids: str) -> None:
    for cell_id in cell_ids:
        target = cell(page, nb, cell_id)
        target.locator(".jp-InputPrompt").click()
        page.page.keyboard.press("Control+Enter")
        expect(target.locator(".jp-InputPrompt")).to_contain_text("[1", timeout=UI_WAIT) if cell_id == cell_ids[
            0
        ] else expect(target.locator(".jp-InputPrompt")).not_to_contain_text("[ ]", timeout=UI_WAIT)
        expect(target.locator(".jp-InputPrompt")).not_to_contain_text("*", timeout=UI_WAIT)


def test_make_lab_opens_the_start_page_and_every_module_unmodified(make_lab, page_for):
    page = page_for(make_lab)
    page.page.goto(make_lab.url(""))  # the address the server prints leads to the start page
    page.wait_idle()
    expect(page.page.locator(".lm-TabBar-tab.jp-mod-current")).to_contain_text(START_PAGE)
    start = page.notebook
    page.shot("start-page")
    checked = audit(page, "the start page (make lab)", page.artifacts)
    assert checked.course_serious() == [], checked.describe(checked.course_serious())
    listing = page.page.locator(".jp-DirListing-content .jp-DirListing-itemName")
    expect(listing).to_have_text(["modules", START_PAGE])
    # nbgrader for a trainee: Assignments and Validate, not Create Assignment, the formgrader or the course list.
    expect(page.page.locator(".jp-SideBar .lm-TabBar-tab", has_text="Create Assignment")).to_have_count(0)
    page.page.get_by_role("menuitem", name="Nbgrader", exact=True).click()
    items = page.page.locator(".lm-Menu .lm-Menu-itemLabel").all_inner_texts()
    page.page.keyboard.press("Escape")
    assert "Assignment List" in items and not {"Formgrader", "Course List"} & set(items), items
    released = released_modules()
    for m in MODULES:
        if m not in released:
            expect(start.get_by_text(f"{m.title} (in preparation)")).to_be_visible()
    for m in released:
        link = start.get_by_role("link", name=m.title, exact=True)
        assert f"/files/modules/{m.id}/{m.notebook}" in link.get_attribute("href")
        link.click()
        opened = page.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        expect(opened.locator(".jp-RenderedMarkdown h1").first).to_contain_text(
            f"Module {m.id[:2]}" if m.teaching else m.title.split(":")[0], timeout=UI_WAIT
        )
        tab = page.page.locator(".lm-TabBar-tab.jp-mod-current")
        expect(tab).to_contain_text(m.notebook)
        page.wait_idle()
        expect(opened.locator(".validate-button")).to_have_count(1)
        # Opened, its kernel started and reported its language: still unmodified (no dot on the tab).
        page.page.wait_for_timeout(1500)
        expect(tab).not_to_have_class("jp-mod-dirty")
        assert "jp-mod-dirty" not in (tab.get_attribute("class") or "")
        page.shot(f"opened-{m.id}")
        page.page.locator(".lm-TabBar-tab", has_text=START_PAGE).click()
    assert page.console_errors == []


def test_a_module_worked_in_make_lab_saves_small_and_reopens_with_its_explorers(make_lab, page_for):
    """Module 01: a figure cell and the PPV explorer run, a slider moved, saved; reopened while the
    kernel runs and again after it stopped, the explorer shows what it showed before."""
    assessment = module("01-assessment")
    rel = f"modules/{assessment.id}/{assessment.notebook}"
    nb = nbformat.read(make_lab.workspace / rel, as_version=4)
    page = page_for(make_lab)
    page.open(rel)
    run_cells(page, nb, "setup", "ppv-figure", "ppv-explorer")
    view = page.widget_views.first
    view.locator(".js-plotly-plot").wait_for(timeout=UI_WAIT)
    page.wait_settled(view)
    view.locator(".kap-slider", has=page.page.locator(".kap-slider-label", has_text="Specificity")).locator(
        "input[type=range]"
    ).focus()
    for _ in range(5):
        page.page.keyboard.press("ArrowLeft")
    page.wait_settled(view)
    shown = page.traces(view)
    assert len(shown[0]["labels"]) == 1 and shown[0]["labels"][0].startswith("chosen: PPV")
    page.save()

    saved = make_lab.workspace / rel
    assert saved.stat().st_size < MAX_NOTEBOOK_BYTES, f"{rel} saved at {saved.stat().st_size:,} bytes"
    saved_nb = nbformat.read(saved, as_version=4)
    figures = [
        o for c in saved_nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if PLOTLY in o.get("data", {})
    ]
    assert figures, "the figure cell's output was saved"
    assert not any("image/png" in o["data"] for o in figures), "a PNG copy was saved beside a plotly figure"
    assert saved_nb.metadata["widgets"][WIDGET_STATE]["state"], "widget state was not saved"

    page.page.reload()  # the kernel still runs: the explorer comes back from it
    page.wait_idle()
    view = page.widget_views.first
    view.locator(".js-plotly-plot").wait_for(timeout=UI_WAIT)
    page.wait_settled(view)
    assert page.traces(view) == shown
    expect(page.notebook.get_by_text("Error displaying widget")).to_have_count(0)

    for session in requests.get(make_lab.url("api/sessions"), timeout=20).json():
        assert requests.delete(make_lab.url(f"api/sessions/{session['id']}"), timeout=20).status_code == 204
    page.page.reload()  # a new kernel: the explorer comes back from the saved widget state
    page.wait_idle()
    view = page.widget_views.first
    view.locator(".js-plotly-plot").wait_for(timeout=UI_WAIT)
    page.wait_settled(view)
    assert page.traces(view) == shown
    expect(page.notebook.get_by_text("Error displaying widget")).to_have_count(0)
    page.shot("reopened-ppv-explorer", view)
    assert page.console_errors == []
