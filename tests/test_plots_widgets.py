"""Figure builders and widgets, tested without a browser (the browser tests check the wiring)."""
import ipywidgets as W
import plotly.graph_objects as go
import pytest

from course import plots, widgets
from course.evidence import reference
from course.screening import GAD7_AT_10, ppv
from course.vignettes import load_vignettes


def _caption(fig):
    return fig.layout.meta["caption"]


@pytest.mark.parametrize("patient", load_vignettes(), ids=lambda p: p["id"])
def test_severity_figure_marks_each_total_and_cites(patient):
    fig = plots.severity_figure(patient)
    markers = [t for t in fig.data if t.type == "scatter"][0]
    assert str(sum(patient["scales"]["gad7"])) == markers.text[0]
    assert fig.layout.title.text.startswith(patient["id"])
    for key in fig.layout.meta["sources"]:
        reference(key)
    assert "Synthetic patient" in _caption(fig) and "[spitzer2006]" in _caption(fig)


def test_ppv_figure_curve_and_marks():
    fig = plots.ppv_figure(0.89, 0.82, "spitzer2006", "GAD-7", marks={"x": 0.027})
    curve = fig.data[0]
    assert abs(curve.y[26] - 100 * ppv(0.89, 0.82, 0.027)) < 1e-9
    assert "PPV 12%" in fig.data[-1].text[0]
    assert "[spitzer2006]" in _caption(fig)
    with pytest.raises(ValueError, match="write 0.89"):
        plots.ppv_figure(89, 0.82, "spitzer2006")


def test_every_figure_uses_the_course_template():
    import plotly.io as pio
    assert tuple(pio.templates["kap"].layout.colorway) == plots.OKABE_ITO
    assert pio.templates.default == "kap"  # plotly's own template merged in once (see theme.py)
    assert pio.renderers.default == "plotly_mimetype", "plotly.js must never be embedded in a notebook"
    fig = plots.severity_figure(load_vignettes()[0])
    assert tuple(fig.layout.template.layout.colorway) == plots.OKABE_ITO


def test_vignette_explorer_follows_the_dropdown():
    box = widgets.vignette_explorer("P01")
    picker, figure, summary = box.children
    assert isinstance(picker, W.Dropdown) and picker.description
    assert "P01" in summary.value and figure.layout.title.text.startswith("P01")
    picker.value = "P05"
    assert "P05" in summary.value and "exclude" in summary.value
    assert figure.layout.title.text.startswith("P05")


def test_ppv_explorer_updates_text_and_curve():
    box = widgets.ppv_explorer()
    prevalence, sensitivity, specificity, text, figure = box.children
    before = text.value
    prevalence.value = 0.3
    assert text.value != before and f"{ppv(GAD7_AT_10.sensitivity, GAD7_AT_10.specificity, 0.3):.0%}" in text.value
    sensitivity.value = 0.7
    assert abs(figure.data[0].y[299] - 100 * ppv(0.7, GAD7_AT_10.specificity, 0.3)) < 1e-9
    assert all(c.description for c in (prevalence, sensitivity, specificity))


def _all_keys_resolve(fig):
    assert fig.layout.title.text and "Source:" in _caption(fig)
    for key in fig.layout.meta["sources"]:
        reference(key)


def test_dosing_figures_are_titled_captioned_and_say_illustration():
    import datetime

    from course import dosing
    for fig in (plots.bioavailability_figure("sl"), plots.concentration_figure(),
                plots.session_vitals_figure(dosing.session_vitals("P11", 2), "P11"),
                plots.schedules_figure({"a": dosing.make_schedule(datetime.date(2027, 1, 4), "intensive", 6)})):
        _all_keys_resolve(fig)
    assert "not a prediction" in _caption(plots.concentration_figure())
    assert "not a dose" in _caption(plots.bioavailability_figure())
    replay = plots.session_vitals_figure(dosing.session_vitals("P11", 2), "P11", until_minute=20)
    assert max(replay.data[0].x) == 20
    sc = plots.bioavailability_figure()
    assert any(t.mode == "text" and t.text == ("not well characterised",) for t in sc.data)


def test_dose_explorer_shows_studies_arithmetic_and_disclaimer():
    box = widgets.dose_framework_explorer("iv", 80)
    route, weight, summary, figure = box.children
    assert "0.5 mg/kg → 40 mg at 80 kg" in summary.value and "[taylor2018]" in summary.value
    assert "not a dose" in summary.value
    weight.value = 60
    assert "0.5 mg/kg → 30 mg at 60 kg" in summary.value
    route.value = "sc"
    assert "not well characterised" in summary.value and figure.layout.title.text.startswith("Reported bioavailability")
    route.value = "oral"
    assert figure.layout.title.text.startswith("Illustrative") and len([t for t in figure.data if t.name]) == 2


def test_monitoring_replay_reveals_findings_as_time_passes():
    box = widgets.monitoring_replay("P11", 2)
    picker, minute, figure, findings = box.children
    assert "forum" in findings.value.lower()
    minute.value = 20
    assert "<li>" not in findings.value and max(figure.data[0].x) == 20
    minute.value = 30
    assert "30 min" in findings.value
    picker.value = ("P01", 1)
    assert figure.layout.title.text.startswith("P01 session 1")


def test_plan_builder_checks_rules_and_draws_calendar():
    box = widgets.plan_builder("P04")
    picker, first_day, chosen, doses, gap, delay, figure, report = box.children
    assert "every plan rule holds" in report.value
    assert "no rule broken" in figure.layout.title.text
    delay.value, gap.value = 4, 2
    assert "integration_after_dose" in report.value and "problem" in figure.layout.title.text
    picker.value = "P05"
    assert "triage_allows_dosing" in report.value
    _all_keys_resolve(figure)
