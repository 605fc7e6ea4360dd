"""Widgets for Module 02: the dose-framework explorer and the session-monitoring replay."""
from __future__ import annotations

import html

import ipywidgets as W
import plotly.graph_objects as go

from .. import dosing
from ..data.references import cite
from ..plots.dosing import bioavailability_figure, concentration_figure, session_vitals_figure
from .common import replace_figure


def _span(low: float, high: float, unit: str) -> str:
    return f"{low:.3g} {unit}" if round(low, 3) == round(high, 3) else f"{low:.3g}–{high:.3g} {unit}"


def framework_summary_html(route: str) -> str:
    """What published studies used by this route, each in its own unit (mg/kg or fixed mg), and the exposure."""
    info = dosing.route_info(route)
    rows = []
    for r in dosing.framework_rows(route):
        anxiety = "anxiety" if r.population_is_anxiety else "<b>not an anxiety population</b>"
        rows.append(f"<tr><td>{html.escape(r.study)} [{html.escape(r.key)}]</td><td>{html.escape(r.used)}</td>"
                    f"<td>{html.escape(r.reaches)}</td><td>{html.escape(r.population)} ({anxiety})</td></tr>")
    body = "".join(rows) or "<tr><td colspan=4>No published regimen in the course table for this route.</td></tr>"
    bio = ("not well characterised" if not info.bioavailability_known else
           _span(100 * info.bioavailability_low, 100 * info.bioavailability_high, "%")
           + (f" [{', '.join(info.keys)}]" if info.keys else " (the reference route, by definition)"))
    return (f"<p><b>{html.escape(info.label)}</b>: bioavailability {bio}.</p>"
            "<table><tr><th>study or source</th><th>what it used</th><th>reaches the blood</th><th>population</th>"
            f"</tr>{body}</table><p style='color:#a33'><b>{html.escape(dosing.NOT_A_RECOMMENDATION)}</b></p>")


def dose_framework_explorer(route: str = "iv") -> W.VBox:
    """Route → what studies used (mg/kg or fixed mg, never a person's weight), the exposure, the illustrative curve."""
    style = {"description_width": "150px"}
    picker = W.Dropdown(options=[(dosing.route_info(r).label, r) for r in dosing.route_ids()], value=route,
                        description="Route", style=style, layout=W.Layout(width="420px"))
    summary = W.HTML()
    figure = go.FigureWidget()

    def show(change=None):
        summary.value = framework_summary_html(picker.value)
        if picker.value in dosing.curve_routes():
            replace_figure(figure, concentration_figure(["iv", picker.value] if picker.value != "iv" else ["iv"]))
        else:
            replace_figure(figure, bioavailability_figure(highlight=picker.value))

    picker.observe(show, names="value")
    show()
    return W.VBox([picker, summary, figure])


def monitoring_replay(patient_id: str = "P11", session: int = 2) -> W.VBox:
    """Replay one synthetic session's vitals minute by minute against the thresholds."""
    table = dosing.load_session_vitals()
    sessions = sorted({(p, int(s)) for p, s in zip(table["patient_id"], table["session"])})
    picker = W.Dropdown(options=[(f"{p} session {s}", (p, s)) for p, s in sessions], value=(patient_id, session),
                        description="Session", layout=W.Layout(width="300px"))
    minute = W.IntSlider(value=130, min=0, max=130, step=10, description="Replay to minute")
    findings = W.HTML()
    figure = go.FigureWidget()

    def show(change=None):
        pid, number = picker.value
        vitals = dosing.session_vitals(pid, number)
        found = [f for f in dosing.monitoring_findings(vitals) if f.minute <= minute.value]
        findings.value = "<ul>" + "".join(
            f"<li><b>{f.minute:g} min</b>: {html.escape(f.message)} [{html.escape(f.key)}]</li>" for f in found
        ) + "</ul>" + f"<p><small>{html.escape(cite('spravato_label'))}</small></p>"
        replace_figure(figure, session_vitals_figure(vitals, f"{pid} session {number}: vitals against thresholds",
                                                     until_minute=minute.value))

    picker.observe(show, names="value")
    minute.observe(show, names="value")
    show()
    return W.VBox([picker, minute, figure, findings])
