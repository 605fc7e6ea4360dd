"""Module 01's two explorers do what the text around them promises (on the shared Run All page)."""
import pytest
from playwright.sync_api import expect

from course.data.syllabus import module
from course.screening import npv, ppv
from course.data.patients import get_patient

from .lab import UI_WAIT

ASSESSMENT = module("01-assessment")
#: Seen when changes follow each other faster than the figure redraws: replacing a FigureWidget's
#: traces (delete all, add each) races with the next update in the browser and leaves old traces.
STALE_TRACES = ("the PPV figure should show one marked point, at the values now set; more than one "
                "means stale traces were left by quick successive updates")


@pytest.fixture
def page(module_run):
    return module_run(ASSESSMENT)


def explorer(page, label: str):
    """The widget view holding a control labelled ``label``."""
    return page.widget_views.filter(has=page.page.locator(".widget-label", has_text=label))


def readout(page, view, label: str):
    """A slider's readout: a trainee can type a value there instead of dragging."""
    return view.locator(".widget-slider", has=page.page.locator(".widget-label", has_text=label)) \
        .locator(".widget-readout")


def test_vignette_explorer_shows_the_chosen_patient(page):
    view = explorer(page, "Patient")
    select = view.locator("select")
    for patient_id in ("P05", "P13"):
        patient = get_patient(patient_id)
        label = next(o for o in select.locator("option").all_text_contents() if o.startswith(patient_id))
        select.select_option(label=label)
        expect(view.locator(".gtitle")).to_contain_text(f"{patient_id} {patient['name']}", timeout=UI_WAIT)
        expect(view.locator(".widget-html-content h3")).to_contain_text(f"{patient_id} {patient['name']}",
                                                                        timeout=UI_WAIT)
        page.shot(f"vignette-explorer-{patient_id}", view)


def test_ppv_explorer_text_and_curve_follow_the_sliders(page):
    """Typed into the three readouts one after the other: the text, the curve and the one marked
    point end on the typed values; then a drag of the sensitivity handle moves them again."""
    view = explorer(page, "Sensitivity")
    curve = view.locator("path.js-line").first
    page.wait_settled(view)
    before = curve.get_attribute("d")
    prevalence, sensitivity, specificity = 0.1, 0.6, 0.9
    typed = {"Prevalence": f"{prevalence:.3f}", "Sensitivity": f"{sensitivity:.2f}", "Specificity": f"{specificity:.2f}"}
    for label, value in typed.items():
        field = readout(page, view, label)
        field.fill(value)
        field.press("Enter")
        expect(field).to_have_text(value)
    text = view.locator(".widget-html-content")
    positives = round(1000 * (sensitivity * prevalence + (1 - specificity) * (1 - prevalence)))
    for shown in (f"about {positives} screen positive", f"{ppv(sensitivity, specificity, prevalence):.0%} of them",
                  f"{npv(sensitivity, specificity, prevalence):.0%} of those who screen negative"):
        expect(text).to_contain_text(shown, timeout=UI_WAIT)
    expect(curve).not_to_have_attribute("d", before, timeout=UI_WAIT)
    page.wait_settled(view)
    page.shot("ppv-explorer-typed", view)
    marks = view.locator(".scatterlayer .trace text")
    expect(marks, STALE_TRACES).to_have_text([f"chosen: PPV {ppv(sensitivity, specificity, prevalence):.0%}"])

    # Dragging a handle with the mouse moves the curve too (to the left end of the track).
    before = curve.get_attribute("d")
    handle = view.locator(".widget-slider", has=page.page.locator(".widget-label", has_text="Sensitivity")) \
        .locator(".noUi-handle")
    handle.scroll_into_view_if_needed()
    position, box = handle.get_attribute("aria-valuetext"), handle.bounding_box()
    page.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.page.mouse.down()
    page.page.mouse.move(box["x"] - 150, box["y"] + box["height"] / 2, steps=5)
    page.page.mouse.up()
    expect(handle).not_to_have_attribute("aria-valuetext", position, timeout=UI_WAIT)
    expect(curve).not_to_have_attribute("d", before, timeout=UI_WAIT)
    dragged = float(handle.get_attribute("aria-valuetext"))
    expect(marks, STALE_TRACES).to_have_text([f"chosen: PPV {ppv(dragged, specificity, prevalence):.0%}"],
                                             timeout=UI_WAIT)
    page.shot("ppv-explorer-dragged", view)
