"""Quick successive changes leave no stale traces: every widget figure updates its traces in place.

A trainee who types or presses keys faster than the figure redraws sends a burst of changes. Each
change must reach the figure as one update of the traces it already has (``LiveFigure.redraw``);
deleting and re-adding traces (separate messages) let bursts interleave and left extra traces on
screen, such as two "chosen" points in module 01's PPV explorer (issue 10).
"""
import pytest
from playwright.sync_api import expect

from course.catalogue import module
from course.screening import ppv

from .conftest import module_params
from .lab import UI_WAIT, controls, press_to_change

#: Key presses sent in one burst, without waiting for the kernel or the figure.
BURST = 6


def explorer(page, label: str):
    return page.widget_views.filter(has=page.page.locator(".widget-label", has_text=label))


def slider_handle(page, view, label: str):
    return view.locator(".widget-slider", has=page.page.locator(".widget-label", has_text=label)).locator(".noUi-handle")


def assert_no_stale_traces(figures_before: list[dict], figures_after: list[dict]) -> None:
    assert len(figures_after) == len(figures_before), "a figure appeared or disappeared"
    for before, after in zip(figures_before, figures_after):
        assert after["traces"] == before["traces"], (
            f"figure '{after['title']}' holds {after['traces']} traces after a burst of changes, "
            f"{before['traces']} before: traces were added instead of updated in place")
        assert after["drawn"] == after["visible"], (
            f"figure '{after['title']}' draws {after['drawn']} traces but {after['visible']} are visible")


def test_ppv_explorer_bursts_end_with_one_chosen_point_at_the_final_values(module_run):
    """Bursts of key presses on each slider, then typed values: the one marked point follows the last values."""
    page = module_run(module("01-assessment"))
    view = explorer(page, "Sensitivity")
    page.wait_settled(view)
    before = page.traces(view)
    keys = page.page.keyboard
    for label in ("Prevalence", "Sensitivity", "Specificity", "Sensitivity"):
        handle = slider_handle(page, view, label)
        handle.focus()
        for _ in range(BURST):
            keys.press("ArrowLeft" if label == "Specificity" else "ArrowRight")
    page.wait_settled(view, quiet_ms=800)
    after = page.traces(view)
    assert_no_stale_traces(before, after)
    values = {label: float(slider_handle(page, view, label).get_attribute("aria-valuetext"))
              for label in ("Sensitivity", "Specificity")}
    # aria-valuenow is rounded, aria-valuetext is exact; a log slider's is the exponent.
    prevalence = 10 ** float(slider_handle(page, view, "Prevalence").get_attribute("aria-valuetext"))
    expected = f"chosen: PPV {ppv(values['Sensitivity'], values['Specificity'], prevalence):.0%}"
    expect(view.locator(".scatterlayer .trace text")).to_have_text([expected], timeout=UI_WAIT)
    page.shot("ppv-explorer-after-bursts", view)


@pytest.mark.parametrize("module", module_params())
def test_every_widget_figure_survives_bursts_of_changes(module, module_run):
    """Every control of every widget holding a figure, changed several times in a burst: the figure
    keeps its trace slots and draws exactly its visible traces."""
    page = module_run(module)
    views = page.widget_views
    bursts = 0
    for i in range(views.count()):
        view = views.nth(i)
        if view.locator(".js-plotly-plot").count() == 0:
            continue
        page.wait_settled(view)
        before = page.traces(view)
        for kind, box in controls(view):
            for _ in range(BURST):
                press_to_change(page, kind, box)
            bursts += 1
        page.wait_settled(view, quiet_ms=800)
        assert_no_stale_traces(before, page.traces(view))
        page.shot(f"widget-{i}-after-bursts", view)
    if module.id in ("01-assessment", "02-dosing", "03-integration", "04-expectations"):
        assert bursts, f"{module.id} has widget figures, but no control was changed"
