"""Quick successive changes leave no stale traces: every widget figure updates its traces in place.

A trainee who types or presses keys faster than the figure redraws sends a burst of changes. Each
change must reach the figure as one update of the traces it already has (``LiveFigure.redraw``:
one ``Plotly.update``). Deleting and re-adding traces (several messages per change) let bursts
interleave and once left two "chosen" points in module 01's PPV explorer (issue 10); plotly's own
events show which calls the browser made, so these tests fail whenever a change is drawn by
anything but updates, not only when the race happens to be lost.
"""

import re
import secrets
import sys

import nbformat
import pytest
from conftest import free_port  # tests/conftest.py
from playwright.sync_api import expect

from course.data.syllabus import module
from course.lessons import lesson_path
from course.screening import ppv

from .conftest import module_params
from .lab import UI_WAIT, controls, press_to_change, server_flags, start_server

#: Key presses sent in one burst, without waiting for the kernel or the figure.
BURST = 6


def explorer(page, label: str):
    return page.widget_views.filter(has=page.page.locator(".kap-slider-label", has_text=label))


def slider(page, view, label: str):
    return view.locator(".kap-slider", has=page.page.locator(".kap-slider-label", has_text=label))


def assert_updated_in_place(page, view, before: list[dict], changes: int) -> None:
    """The figures in ``view`` hold the traces they held ``before``, draw exactly their visible ones,
    and were changed by at most one ``Plotly.update`` per change and nothing else."""
    after = page.traces(view)
    assert len(after) == len(before), "a figure appeared or disappeared"
    for was, now in zip(before, after):
        assert now["traces"] == was["traces"], (
            f"figure '{now['title']}' holds {now['traces']} traces after a burst of changes, {was['traces']} "
            "before: traces were added or deleted instead of updated in place"
        )
        assert now["drawn"] == now["visible"], (
            f"figure '{now['title']}' draws {now['drawn']} traces but {now['visible']} are visible (stale traces)"
        )
    events = page.plotly_events(view)
    others = {name: n for name, n in events.items() if name != "update"}
    assert not others, f"figures were redrawn by {others}, not by one Plotly.update per change"
    assert events.get("update", 0) <= changes * len(after), f"{events['update']} updates for {changes} changes"


def test_ppv_explorer_bursts_end_with_one_chosen_point_at_the_final_values(module_run):
    """Bursts of key presses on each slider and values typed one straight after another: one marked
    point, at the last values."""
    page = module_run(module("01-assessment"))
    view = explorer(page, "Sensitivity")
    page.wait_settled(view)
    before = page.traces(view)
    page.count_plotly_events(view)
    changes = 0
    for label in ("Prevalence", "Sensitivity", "Specificity", "Sensitivity"):
        slider(page, view, label).locator("input[type=range]").focus()
        for _ in range(BURST):
            page.page.keyboard.press("ArrowLeft" if label == "Specificity" else "ArrowRight")
            changes += 1
    # Values typed into the readouts one straight after another (where two chosen points were once seen).
    for values in (("0.100", "0.60", "0.90"), ("0.300", "0.75", "0.65"), ("0.050", "0.95", "0.85")):
        for label, value in zip(("Prevalence", "Sensitivity", "Specificity"), values):
            field = slider(page, view, label).locator(".kap-slider-exact")
            field.fill(value)
            field.press("Enter")
            changes += 1
    page.wait_settled(view, quiet_ms=800)
    assert_updated_in_place(page, view, before, changes)
    # The range inputs' own values (a log slider's is the exponent).
    value = {
        label: float(slider(page, view, label).locator("input[type=range]").input_value())
        for label in ("Prevalence", "Sensitivity", "Specificity")
    }
    assert (value["Sensitivity"], value["Specificity"]) == (0.95, 0.85)
    expected = f"chosen: PPV {ppv(value['Sensitivity'], value['Specificity'], 10 ** value['Prevalence']):.0%}"
    expect(view.locator(".scatterlayer .trace text")).to_have_text([expected], timeout=UI_WAIT)
    page.shot("ppv-explorer-after-bursts", view)


#: The widgets that hold a figure (course.widgets): a lesson that shows one must have its controls changed here.
FIGURE_WIDGETS = re.compile(
    r"widgets\.(ppv_explorer|vignette_explorer|dose_framework_explorer|monitoring_replay|"
    r"plan_builder|outcome_explorer)\("
)


@pytest.mark.parametrize("module", module_params())
def test_every_widget_figure_is_updated_in_place_through_bursts_of_changes(module, module_run):
    """Every control of every widget holding a figure, changed several times in a burst."""
    page = module_run(module)
    views = page.widget_views
    bursts = 0
    for i in range(views.count()):
        view = views.nth(i)
        if view.locator(".js-plotly-plot").count() == 0:
            continue
        page.wait_settled(view)
        before = page.traces(view)
        page.count_plotly_events(view)
        changes = 0
        for kind, box in controls(view):
            for _ in range(BURST):
                press_to_change(page, kind, box)
                changes += 1
            bursts += 1
        page.wait_settled(view, quiet_ms=800)
        assert_updated_in_place(page, view, before, changes)
        page.shot(f"widget-{i}-after-bursts", view)
    if FIGURE_WIDGETS.search(lesson_path(module.id).read_text(encoding="utf-8")):
        assert bursts, f"{module.id} has widget figures, but no control was changed"


def test_a_figure_without_the_course_server_extension_says_why_it_is_not_drawn(tmp_path, page_for):
    """In a JupyterLab started without the course's server extension (not from the course's environment),
    a widget figure cannot load plotly's widget code: it says so and how to fix it, instead of a blank."""
    root = tmp_path / "root"
    root.mkdir()
    nb = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )
    nb.cells = [nbformat.v4.new_code_cell("from course import widgets\nwidgets.ppv_explorer()", id="explorer")]
    nbformat.write(nb, root / "explorer.ipynb")
    config = tmp_path / "without_course_extension.py"
    config.write_text('c.ServerApp.jpserver_extensions = {"course.labserver": False}\n')
    port, token = free_port(), secrets.token_hex(16)
    server = start_server(
        [sys.executable, "-m", "jupyterlab", *server_flags(root, port, token), f"--config={config}"],
        root,
        tmp_path / "scratch",
        port,
        token,
    )
    try:
        page = page_for(server)
        page.open("explorer.ipynb")
        page.menu("Run", "runmenu:run-all")
        message = page.widget_views.first.get_by_text("This figure cannot be drawn")
        expect(message).to_be_visible(timeout=UI_WAIT)
        expect(message).to_contain_text("make lab")
        assert page.figures.count() == 0
    finally:
        server.stop()
