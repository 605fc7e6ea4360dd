"""Widgets for Module 02: the dose-framework explorer and the session-monitoring replay."""

from __future__ import annotations

import html
from functools import cache

import ipywidgets as W
import plotly.graph_objects as go

from .. import dosing
from ..data.references import cite
from ..plots.dosing import bioavailability_figure, concentration_figure, session_vitals_figure
from .common import LiveFigure
from .controls import IntegerSlider


def _span(low: float, high: float, unit: str) -> str:
    return f"{low:.3g} {unit}" if round(low, 3) == round(high, 3) else f"{low:.3g}–{high:.3g} {unit}"


def framework_summary_html(route: str) -> str:
    """What published studies used by this route, each in its own unit (mg/kg or fixed mg), and the exposure."""
    info = dosing.route_info(route)
    rows = []
    for r in dosing.framework_rows(route):
        anxiety = "anxiety" if r.population_is_anxiety else "<b>not an anxiety population</b>"
        rows.append(
            f"<tr><td>{html.escape(r.study)} [{html.escape(r.key)}]</td><td>{html.escape(r.used)}</td>"
            f"<td>{html.escape(r.reaches)}</td><td>{html.escape(r.population)} ({anxiety})</td></tr>"
        )
    body = "".join(rows) or "<tr><td colspan=4>No published regimen in the course table for this route.</td></tr>"
    bio = (
        "not well characterised"
        if not info.bioavailability_known
        else _span(100 * info.bioavailability_low, 100 * info.bioavailability_high, "%")
        + (f" [{', '.join(info.keys)}]" if info.keys else " (the reference route, by definition)")
    )
    return (
        f"<p><b>{html.escape(info.label)}</b>: bioavailability {bio}.</p>"
        "<table><tr><th>study or source</th><th>what it used</th><th>reaches the blood</th><th>population</th>"
        f"</tr>{body}</table><p style='color:#a33'><b>{html.escape(dosing.NOT_A_RECOMMENDATION)}</b></p>"
    )


def dose_framework_explorer(route: str = "iv") -> W.VBox:
    """Route → what studies used (mg/kg or fixed mg, never a person's weight), the exposure, the illustrative curve."""
    style = {"description_width": "150px"}
    picker = W.Dropdown(
        options=[(dosing.route_info(r).label, r) for r in dosing.route_ids()],
        value=route,
        description="Route",
        style=style,
        layout=W.Layout(width="420px"),
    )
    summary = W.HTML(framework_summary_html(picker.value))

    def route_figure() -> go.Figure:
        if picker.value in dosing.curve_routes():
            return concentration_figure(dict.fromkeys(["iv", picker.value]))
        return bioavailability_figure(highlight=picker.value)

    # Slots for the larger of the two figures: a range per route, or two curves (a band and a line each).
    figure = LiveFigure(route_figure(), slots=max(len(dosing.route_ids()), 4))

    def show_route(change):
        summary.value = framework_summary_html(picker.value)
        figure.redraw(route_figure())

    picker.observe(show_route, names="value")
    return W.VBox([picker, summary, figure, figure.alternative])


def monitoring_replay(patient_id: str = "P11", session: int = 2, case=None) -> W.VBox:
    """Replay one synthetic session's vitals minute by minute against the thresholds.

    ``case`` is the trainee's case (``course.variants.Variant``, anything with ``session_vitals(patient,
    session)``): the replay then shows the readings that trainee's questions used."""
    table = dosing.load_session_vitals()
    sessions = sorted({(p, int(s)) for p, s in zip(table["patient_id"], table["session"])})
    picker = W.Dropdown(
        options=[(f"{p} session {s}", (p, s)) for p, s in sessions],
        value=(patient_id, session),
        description="Session",
        layout=W.Layout(width="300px"),
    )
    findings = W.HTML()

    @cache
    def session(key: tuple[str, int]):
        vitals = case.session_vitals(*key) if case is not None else dosing.session_vitals(*key)
        return vitals, dosing.monitoring_findings(vitals)

    def last_minute() -> int:
        return int(session(picker.value)[0]["minute"].max())

    # The replay runs to the session's last reading (sessions end at different minutes).
    minute = IntegerSlider(last_minute(), 0, last_minute(), 10, "Replay to minute", label_width="150px")

    def replayed() -> go.Figure:
        pid, number = picker.value
        vitals, all_found = session(picker.value)
        found = [f for f in all_found if f.minute <= minute.value]
        findings.value = (
            "<ul>"
            + "".join(
                f"<li><b>{f.minute:g} min</b>: {html.escape(f.message)} [{html.escape(f.key)}]</li>" for f in found
            )
            + "</ul>"
            + f"<p><small>{html.escape(cite('spravato_label'))}</small></p>"
        )
        return session_vitals_figure(
            vitals, f"{pid} session {number}: vitals against thresholds", until_minute=minute.value, findings=all_found
        )

    figure = LiveFigure(replayed())

    def show(change):
        figure.redraw(replayed())

    def pick_session(change):  # a new session is replayed whole
        minute.unobserve(show, names="value")
        minute.max = minute.value = last_minute()
        minute.observe(show, names="value")
        show(change)

    picker.observe(pick_session, names="value")
    minute.observe(show, names="value")
    return W.VBox([picker, minute, figure, figure.alternative, findings])
