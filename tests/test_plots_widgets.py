"""Figure builders and widgets, tested without a browser (the browser tests check the wiring)."""

import datetime
import json

import ipywidgets as W
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
import traitlets
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from course import dosing, outcomes, plots, widgets
from course.data.patients import get_patient, load_patients
from course.data.references import reference
from course.integration import draft_plan
from course.labserver import PLOTLY_WIDGET_URL
from course.screening import accuracy, ppv
from course.theme import CourseFigure, alternative_html, alternative_text, describe, figure_name
from course.variants import for_module
from course.widgets.common import LiveFigure
from course.widgets.controls import IntegerSlider, Slider

GAD7_AT_10 = accuracy("gad7_gad")


def _caption(fig):
    return fig.layout.meta["caption"]


def _alt(fig):
    return fig.layout.meta["alt"]


def every_figure():
    cohort = outcomes.load_cohort()
    benchmarks = outcomes.load_benchmarks()
    proportions = benchmarks[benchmarks.measure == "proportion"].drop_duplicates(["option", "outcome"]).head(6)
    return {
        "severity": plots.severity_figure(get_patient("P02")),
        "ppv": plots.ppv_figure(0.89, 0.82, "spitzer2006", "GAD-7", marks={"chosen": 0.027}),
        "bioavailability": plots.bioavailability_figure("sl"),
        "concentration": plots.concentration_figure(),
        "vitals": plots.session_vitals_figure(dosing.session_vitals("P11", 2), "P11 session 2"),
        "schedules": plots.schedules_figure({"a": dosing.make_schedule(datetime.date(2027, 1, 4), "intensive", 6)}),
        "plan": plots.plan_timeline_figure(draft_plan("P04", datetime.date(2027, 1, 4), ["cbt"], 3)),
        "rates": plots.rates_figure(outcomes.rates(cohort, "response", 8), "response"),
        "benchmarks": plots.benchmark_figure(proportions),
        "icons": plots.icon_array_figure(outcomes.icon_counts(0.36, 0.20), "paroxetine", "placebo", "rickels2003"),
        "relapse": plots.relapse_figure(),
        "trajectories": plots.trajectory_figure(cohort),
    }


FIGURES = every_figure()


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_has_a_title_a_cited_caption_and_a_text_alternative(name):
    fig = FIGURES[name]
    assert isinstance(fig, CourseFigure)
    assert fig.layout.title.text and figure_name(fig).startswith("Figure: ")
    assert "Source:" in _caption(fig)
    for key in fig.layout.meta["sources"]:
        reference(key)
    alt = _alt(fig)
    assert len(alt["summary"]) > 40, "the summary should say what the figure shows"
    assert alt["columns"] and alt["rows"], "every course figure gives its numbers as a table"
    assert all(len(row) == len(alt["columns"]) for row in alt["rows"])
    html = alternative_html(fig)
    assert html.count("<tr>") == len(alt["rows"]) + 1 and '<th scope="col">' in html and "<caption>" in html
    assert alternative_text(fig).startswith(figure_name(fig))
    assert tuple(fig.layout.template.layout.colorway) == plots.OKABE_ITO


def test_a_figure_shows_its_text_alternative_under_it_in_a_notebook():
    InteractiveShell.instance()
    fig = FIGURES["icons"]
    with capture_output() as shown:
        fig._ipython_display_()
    figure, alternative = shown.outputs
    assert set(figure.data) == {"application/vnd.plotly.v1+json"}  # no plotly.js, no HTML page
    assert alternative.data["text/html"] == alternative_html(fig)
    assert "16 more improve with paroxetine" in alternative.data["text/plain"]


def test_the_course_template_and_renderer():
    assert tuple(pio.templates["kap"].layout.colorway) == plots.OKABE_ITO
    assert pio.templates.default == "kap"  # plotly's own template merged in once (see theme.py)
    assert pio.renderers.default == "plotly_mimetype", "plotly.js must never be embedded in a notebook"


def test_describe_refuses_a_missing_summary_or_a_ragged_table():
    with pytest.raises(ValueError, match="summary"):
        describe(CourseFigure(), "")
    with pytest.raises(ValueError, match="needs 2 values"):
        describe(CourseFigure(), "a summary", ["a", "b"], [[1]])
    with pytest.raises(ValueError, match="no text alternative"):
        alternative_html(CourseFigure(layout=dict(title_text="bare")))


def test_long_titles_and_captions_wrap():
    fig = plots.icon_array_figure(
        outcomes.icon_counts(0.15, 0.14),
        "ketamine, 3 weekly doses (extrapolated)",
        "ketamine + weekly maintenance (extrapolated)",
        "glue2017",
    )
    assert all(len(line) <= 80 for line in fig.layout.title.text.split("<br>"))
    caption = next(a for a in fig.layout.annotations if "Source:" in a.text)
    assert all(len(line) <= 100 for line in caption.text.split("<br>"))


@pytest.mark.parametrize("patient", load_patients(), ids=lambda p: p["id"])
def test_severity_figure_marks_each_total_above_its_row(patient):
    fig = plots.severity_figure(patient)
    bars = [t for t in fig.data if t.type == "bar"]
    totals = next(t for t in fig.data if t.type == "scatter")
    assert len(bars) == 5, "one bar trace per band level, for every patient (the explorer updates them in place)"
    assert totals.text[0] == f"total {sum(patient['scales']['gad7'])}"
    # The marker sits above its row's band names, and the axis leaves room for the text above it.
    assert all(y_mark < y_row - 0.25 for y_mark, y_row in zip(totals.y, bars[0].y))
    assert fig.layout.yaxis.range[1] < min(totals.y) - 0.5
    assert fig.layout.title.text.startswith(patient["id"])
    assert f"GAD-7 {sum(patient['scales']['gad7'])} of 21" in _alt(fig)["summary"]
    assert "[spitzer2006]" in _caption(fig) and "Synthetic patient" in _caption(fig)


def test_ppv_figure_curve_marks_and_table():
    fig = FIGURES["ppv"]
    assert abs(fig.data[0].y[26] - 100 * ppv(0.89, 0.82, 0.027)) < 1e-9
    assert "PPV 12%" in fig.data[-1].text[0]
    assert ["2.7%", "12.1%", "99.6%", "chosen"] in _alt(fig)["rows"]
    with pytest.raises(ValueError, match="write 0.89"):
        plots.ppv_figure(89, 0.82, "spitzer2006")


def test_dosing_figures_say_they_illustrate():
    assert "not a prediction" in _caption(FIGURES["concentration"])
    assert "not a dose" in _caption(plots.bioavailability_figure())
    replay = plots.session_vitals_figure(dosing.session_vitals("P11", 2), "P11", until_minute=20)
    assert max(replay.data[0].x) == 20
    assert replay.data[3].name == "finding" and not replay.data[3].showlegend, "an empty findings trace, hidden"
    assert [row[0] for row in _alt(replay)["rows"]][-1] == "20"
    assert any(t.mode == "text" and t.text == ("not well characterised",) for t in FIGURES["bioavailability"].data)


def test_plan_figure_counts_problems_as_the_plan_check_does():
    from course.integration import check_plan

    plan = draft_plan("P04", datetime.date(2027, 1, 4), ["cbt"], 3, 2, 4)
    fig = plots.plan_timeline_figure(plan, get_patient("P04"))
    problems = len(check_plan(plan, get_patient("P04")))
    assert problems > 1 and f"({problems} problems: " in fig.layout.title.text
    assert all(t.mode == "markers" for t in fig.data), "no marker labels to overprint each other"
    assert len(_alt(fig)["rows"]) == len(plan.sessions)


# --- LiveFigure ---------------------------------------------------------------------------------


def test_live_figure_updates_its_slots_in_place_and_hides_the_spare_ones():
    live = LiveFigure(plots.concentration_figure(["iv", "sl"]), slots=9)
    uids = [t.uid for t in live.data]
    assert [t.visible for t in live.data][4:] == [False] * 5
    live.redraw(plots.bioavailability_figure("sl"))
    assert [t.uid for t in live.data] == uids, "the same traces, updated, not new ones"
    shown = plots.bioavailability_figure("sl")
    assert [t.visible for t in live.data] == [None] * len(shown.data) + [False] * (9 - len(shown.data))
    assert [t.x for t in live.data[: len(shown.data)]] == [t.x for t in shown.data]
    assert live.layout.title.text == shown.layout.title.text
    assert live.aria_label == figure_name(shown) and live.alternative.value == alternative_html(shown)


def test_live_figure_refuses_a_figure_it_cannot_hold():
    live = LiveFigure(plots.ppv_figure(0.89, 0.82, "spitzer2006", marks={"chosen": 0.1}))
    with pytest.raises(ValueError, match="3 trace slots; the new figure needs 4"):
        live.redraw(plots.ppv_figure(0.89, 0.82, "spitzer2006", marks={"a": 0.1, "b": 0.2}))
    with pytest.raises(ValueError, match="cannot show a bar trace"):
        live.redraw(go.Figure(go.Bar(x=[1], y=[1])))
    with pytest.raises(ValueError, match="2 trace slots cannot hold"):
        LiveFigure(FIGURES["ppv"], slots=2)


def test_a_new_view_of_a_live_figure_starts_from_what_it_shows_now():
    """What ipywidgets sends a view made later (a reloaded notebook): the current figure, not the first."""
    live = LiveFigure(plots.ppv_figure(0.89, 0.82, "spitzer2006", marks={"chosen": 0.1}))
    live.redraw(plots.ppv_figure(0.6, 0.9, "spitzer2006", marks={"chosen": 0.3}))
    state = live.get_state()
    assert state["_widget_data"][2]["text"] == [f"chosen: PPV {ppv(0.6, 0.9, 0.3):.0%}"]
    assert "Sensitivity 60%, specificity 90%" in state["_widget_layout"]["meta"]["caption"]


def test_live_figure_loads_plotly_from_the_server_not_from_its_state():
    live = LiveFigure(FIGURES["ppv"])
    assert len(live._esm) < 3000 and "widgetbundle.js" in PLOTLY_WIDGET_URL
    assert json.dumps(PLOTLY_WIDGET_URL) in live._esm


# --- controls -------------------------------------------------------------------------------------


def test_sliders_need_a_label_and_keep_their_values_in_range():
    with pytest.raises(ValueError, match="needs a description"):
        Slider(1, 0, 2, 1, "")
    with pytest.raises(ValueError, match="min < max"):
        Slider(1, 2, 0, 1, "Backwards")
    log = Slider(0.027, -3, -0.05, 0.01, "Prevalence", log=True)
    log.value = 5
    assert log.value == pytest.approx(10**-0.05)
    whole = IntegerSlider(3, 0, 8, 1, "Doses")
    whole.value = 12
    assert whole.value == 8 and isinstance(whole.value, int)
    with pytest.raises(traitlets.TraitError, match="must be a number"):
        Slider(1, 0, 2, 1, "Weight").value = float("nan")


# --- widgets --------------------------------------------------------------------------------------


def parts(box: W.VBox) -> dict:
    """A widget's controls by description, its figure, the figure's text alternative and its other HTML."""
    found = {"html": []}
    for child in box.children:
        if isinstance(child, LiveFigure):
            found["figure"] = child
        elif isinstance(child, W.HTML):
            found["html"].append(child)
        else:
            found[child.description] = child
    found["alternative"] = found["figure"].alternative
    assert found["alternative"] in box.children, "the text alternative is shown with the figure"
    found["html"].remove(found["alternative"])
    return found


def test_vignette_explorer_follows_the_dropdown():
    w = parts(widgets.vignette_explorer("P01"))
    summary = w["html"][0]
    assert "P01" in summary.value and w["figure"].layout.title.text.startswith("P01")
    w["Patient"].value = "P05"
    assert "P05" in summary.value and "exclude" in summary.value
    assert w["figure"].layout.title.text.startswith("P05") and "P05" in w["alternative"].value


def test_ppv_explorer_updates_text_curve_and_alternative():
    w = parts(widgets.ppv_explorer())
    text = w["html"][0]
    before = text.value
    w["Prevalence"].value = 0.3
    assert text.value != before and f"{ppv(GAD7_AT_10.sensitivity, GAD7_AT_10.specificity, 0.3):.0%}" in text.value
    w["Sensitivity"].value = 0.7
    assert abs(w["figure"].data[0].y[299] - 100 * ppv(0.7, GAD7_AT_10.specificity, 0.3)) < 1e-9
    assert "chosen: prevalence 30.0%" in w["alternative"].value


def test_dose_explorer_shows_studies_arithmetic_and_disclaimer():
    w = parts(widgets.dose_framework_explorer("iv"))
    summary = w["html"][0]
    assert "<td>0.5 mg/kg</td><td>about 0.5 mg/kg</td>" in summary.value and "[taylor2018]" in summary.value
    assert "not a dose" in summary.value and " kg</td>" not in summary.value  # no "X mg at N kg"
    w["Route"].value = "sl"
    assert "100–400 mg (fixed)" in summary.value and "about 24–128 mg" in summary.value
    w["Route"].value = "sc"
    assert "not well characterised" in summary.value
    assert w["figure"].layout.title.text.startswith("Reported bioavailability")
    w["Route"].value = "oral"
    assert w["figure"].layout.title.text.startswith("Illustrative")
    assert [t.name for t in w["figure"].data if t.visible is not False and t.name] == ["Intravenous (IV)", "Oral"]


def test_monitoring_replay_reveals_findings_as_time_passes():
    w = parts(widgets.monitoring_replay("P11", 2))
    findings = w["html"][0]
    assert "forum" in findings.value.lower()
    w["Replay to minute"].value = 20
    assert "<li>" not in findings.value and max(w["figure"].data[0].x) == 20
    w["Replay to minute"].value = 30
    assert "30 min" in findings.value
    w["Session"].value = ("P01", 1)
    assert w["figure"].layout.title.text.startswith("P01 session 1")
    # Each session is replayed to its own last reading (sessions end at 90, 120 or 150 minutes).
    w["Session"].value = ("P20", 1)
    assert w["Replay to minute"].max == w["Replay to minute"].value == 150 == max(w["figure"].data[0].x)
    w["Session"].value = ("P03", 1)
    assert w["Replay to minute"].max == 90 == max(w["figure"].data[0].x)


def test_plan_builder_checks_rules_and_draws_calendar():
    w = parts(widgets.plan_builder("P04"))
    report = w["html"][0]
    assert "every plan rule holds" in report.value and "no rule broken" in w["figure"].layout.title.text
    w["Days dose → integration"].value, w["Days between doses"].value = 4, 2
    shown = report.value.count("<li>")
    assert "integration_after_dose" in report.value and f"{shown} problem" in w["figure"].layout.title.text
    assert f"{shown} problem" in report.value
    w["Patient"].value = "P05"
    assert "triage_allows_dosing" in report.value


def test_outcome_explorer_says_plainly_when_it_cannot_compare_and_draws_nothing_then():
    # The course's cohort is one simulated study; a table holding a second study's arm must not be compared with it.
    cohort = outcomes.load_cohort()
    other = cohort[cohort.arm == "cbt"].assign(
        study="another simulated study", arm="Group CBT (other study)", patient=lambda t: "X" + t["patient"].astype(str)
    )
    w = parts(widgets.outcome_explorer(pd.concat([cohort, other], ignore_index=True)))
    w["Compared with"].value = "Group CBT (other study)"
    text = w["html"][0].value
    assert "No comparison shown</b> (response at week 8):" in text and "different simulated studies" in text
    assert "SSRI/SNRI" in text and "ssri_snri" not in text, "arms by their names, not internal ids"
    assert w["figure"].layout.title.text == "No comparison shown"
    assert all(t.visible is False for t in w["figure"].data), "the previous icon array is gone"
    w["Treatment"].value = "cbt"
    w["Compared with"].value = "placebo"
    assert w["figure"].layout.title.text.startswith("Out of 100 people: CBT")
    w["Compared with"].value = "cbt"
    assert "choose two different arms" in w["html"][0].value
    # A table missing the chosen week for one arm: the message comes from the comparison itself.
    cohort = outcomes.load_cohort()
    w = parts(widgets.outcome_explorer(cohort[~((cohort.arm == "placebo") & (cohort.week == 12))]))
    w["Week"].value = 12
    assert "No comparison shown" in w["html"][0].value and w["figure"].layout.title.text == "No comparison shown"
    w["Week"].value = 8
    assert w["figure"].layout.title.text.startswith("Out of 100 people")


def test_monitoring_replay_shows_the_trainees_own_readings():
    case = next(
        for_module("02-dosing", f"trainee-{i}") for i in range(20) if for_module("02-dosing", f"trainee-{i}").number
    )
    mine = case.session_vitals("P11", 2)
    assert not mine["sbp"].equals(dosing.session_vitals("P11", 2)["sbp"]), "this variant moves the readings"
    w = parts(widgets.monitoring_replay("P11", 2, case))
    assert list(w["figure"].data[0].y) == list(mine["sbp"])
    assert list(parts(widgets.monitoring_replay("P11", 2))["figure"].data[0].y) == list(
        dosing.session_vitals("P11", 2)["sbp"]
    )
