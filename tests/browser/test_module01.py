"""Module 01's two explorers do what the text around them promises (on the shared Run All page)."""

import pytest
from playwright.sync_api import expect

from course.data.patients import get_patient
from course.data.syllabus import module
from course.screening import npv, ppv

from .lab import UI_WAIT

ASSESSMENT = module("01-assessment")
#: Seen when changes follow each other faster than the figure redraws: replacing a FigureWidget's
#: traces (delete all, add each) races with the next update in the browser and leaves old traces.
STALE_TRACES = (
    "the PPV figure should show one marked point, at the values now set; more than one "
    "means stale traces were left by quick successive updates"
)


@pytest.fixture
def page(module_run):
    return module_run(ASSESSMENT)


def explorer(page, label: str):
    """The widget view holding a control labelled ``label``."""
    return page.widget_views.filter(has=page.page.locator(".widget-label, .kap-slider-label", has_text=label))


def slider(page, view, label: str):
    return view.locator(".kap-slider", has=page.page.locator(".kap-slider-label", has_text=label))


def readout(page, view, label: str):
    """A slider's number box: a trainee can type a value there instead of sliding."""
    return slider(page, view, label).locator(".kap-slider-exact")


def test_vignette_explorer_shows_the_chosen_patient(page):
    view = explorer(page, "Patient")
    select = view.locator("select")
    for patient_id in ("P05", "P13"):
        patient = get_patient(patient_id)
        label = next(o for o in select.locator("option").all_text_contents() if o.startswith(patient_id))
        select.select_option(label=label)
        expect(view.locator(".gtitle")).to_contain_text(f"{patient_id} {patient['name']}", timeout=UI_WAIT)
        expect(view.locator(".widget-html-content h3")).to_contain_text(
            f"{patient_id} {patient['name']}", timeout=UI_WAIT
        )
        page.shot(f"vignette-explorer-{patient_id}", view)


def test_ppv_explorer_text_and_curve_follow_the_sliders(page):
    """Typed into the three number boxes one after the other: the text, the curve and the one marked
    point end on the typed values; then a click on the sensitivity track moves them again."""
    view = explorer(page, "Sensitivity")
    curve = view.locator("path.js-line").first
    page.wait_settled(view)
    before = curve.get_attribute("d")
    prevalence, sensitivity, specificity = 0.1, 0.6, 0.9
    typed = {
        "Prevalence": f"{prevalence:.3f}",
        "Sensitivity": f"{sensitivity:.2f}",
        "Specificity": f"{specificity:.2f}",
    }
    for label, value in typed.items():
        field = readout(page, view, label)
        field.fill(value)
        field.press("Enter")
        expect(field).to_have_value(value)
    text = view.locator(".widget-html-content").first
    positives = round(1000 * (sensitivity * prevalence + (1 - specificity) * (1 - prevalence)))
    for shown in (
        f"about {positives} screen positive",
        f"{ppv(sensitivity, specificity, prevalence):.0%} of them",
        f"{npv(sensitivity, specificity, prevalence):.0%} of those who screen negative",
    ):
        expect(text).to_contain_text(shown, timeout=UI_WAIT)
    expect(curve).not_to_have_attribute("d", before, timeout=UI_WAIT)
    page.wait_settled(view)
    page.shot("ppv-explorer-typed", view)
    marks = view.locator(".scatterlayer .trace text")
    expect(marks, STALE_TRACES).to_have_text([f"chosen: PPV {ppv(sensitivity, specificity, prevalence):.0%}"])

    # A click near the left end of the sensitivity track moves the value there, and the curve with it.
    before = curve.get_attribute("d")
    track = slider(page, view, "Sensitivity").locator("input[type=range]")
    track.scroll_into_view_if_needed()
    position, box = track.input_value(), track.bounding_box()
    page.page.mouse.click(box["x"] + 0.1 * box["width"], box["y"] + box["height"] / 2)
    expect(track).not_to_have_value(position, timeout=UI_WAIT)
    expect(curve).not_to_have_attribute("d", before, timeout=UI_WAIT)
    clicked = float(track.input_value())
    assert clicked < sensitivity
    expect(marks, STALE_TRACES).to_have_text(
        [f"chosen: PPV {ppv(clicked, specificity, prevalence):.0%}"], timeout=UI_WAIT
    )
    page.shot("ppv-explorer-clicked", view)
