"""Widgets for Module 03: the plan builder."""

from __future__ import annotations

import datetime
import html

import ipywidgets as W
import plotly.graph_objects as go

from .. import integration
from ..data.patients import load_patients
from ..plots.integration import plan_timeline_figure
from ..screening import triage
from .common import LiveFigure
from .controls import IntegerSlider


def plan_builder(patient_id: str = "P04", start: datetime.date = datetime.date(2027, 1, 4)) -> W.VBox:
    """Choose a patient, modalities and a rhythm; see the rule check and the calendar."""
    patients = {p["id"]: p for p in load_patients()}
    style = {"description_width": "190px"}
    picker = W.Dropdown(
        options=[(f"{pid} {p['name']} ({triage(p).decision})", pid) for pid, p in patients.items()],
        value=patient_id,
        description="Patient",
        style=style,
        layout=W.Layout(width="460px"),
    )
    # Wide enough for a whole date (a narrow date box showed "01/04/20") and every modality's full name.
    first_day = W.DatePicker(value=start, description="First preparation", style=style, layout=W.Layout(width="400px"))
    catalogue = integration.modalities()
    chosen = W.SelectMultiple(
        options=[(m.name, code) for code, m in catalogue.items()],
        value=("cbt",),
        description="Modalities",
        rows=min(len(catalogue), 8),
        style=style,
        layout=W.Layout(width="720px"),
    )
    doses = IntegerSlider(3, 0, 8, 1, "Dosing sessions", label_width="190px")
    gap = IntegerSlider(7, 1, 21, 1, "Days between doses", label_width="190px")
    delay = IntegerSlider(1, 0, 10, 1, "Days dose → integration", label_width="190px")
    report = W.HTML()

    def drafted() -> go.Figure:
        plan = integration.draft_plan(
            picker.value, first_day.value or start, list(chosen.value), doses.value, gap.value, delay.value
        )
        patient = patients[picker.value]
        problems = integration.check_plan(plan, patient)
        items = "".join(f"<li>{html.escape(str(v))}</li>" for v in problems)
        report.value = (
            "<p><b>Plan check:</b> "
            + ("every plan rule holds.</p>" if not problems else f"{len(problems)} problem(s):</p><ul>{items}</ul>")
            + f"<p><small>{html.escape(integration.NOT_A_PRESCRIPTION)}</small></p>"
        )
        return plan_timeline_figure(plan, patient)

    figure = LiveFigure(drafted())

    def show(change):
        figure.redraw(drafted())

    for control in (picker, first_day, chosen, doses, gap, delay):
        control.observe(show, names="value")
    return W.VBox([picker, first_day, chosen, doses, gap, delay, figure, figure.alternative, report])
