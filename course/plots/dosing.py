"""Figures for Module 02: bioavailability ranges, illustrative curves, session vitals, schedules."""
from __future__ import annotations

import plotly.graph_objects as go

from .. import dosing
from ..theme import OKABE_ITO, captioned


def _unique(keys):
    return list(dict.fromkeys(k for k in keys if k))


def bioavailability_figure(highlight: str | None = None) -> go.Figure:
    """Reported bioavailability of each route as a range; routes without data say so."""
    fig = go.Figure()
    keys = []
    for i, route_id in enumerate(dosing.route_ids()):
        route = dosing.route_info(route_id)
        colour = OKABE_ITO[3] if route_id == highlight else OKABE_ITO[0]
        if route.bioavailability_known:
            low, high = 100 * route.bioavailability_low, 100 * route.bioavailability_high
            fig.add_scatter(x=[low, high], y=[route.label] * 2, mode="lines+markers", showlegend=False,
                            line=dict(width=10, color=colour), marker=dict(size=12, color=colour),
                            hovertext=f"{route.label}: {low:.0f}–{high:.0f}% [{', '.join(route.keys)}]",
                            hoverinfo="text")
            keys += route.keys
        else:
            fig.add_scatter(x=[2], y=[route.label], mode="text", text=["not well characterised"],
                            textposition="middle right", showlegend=False, hoverinfo="skip")
    fig.update_layout(height=430, xaxis=dict(title="bioavailability reported (% of the dose reaching the blood)",
                                             range=[0, 105]),
                      yaxis=dict(autorange="reversed"))
    return captioned(fig, "Reported bioavailability by route: ranges, not constants",
                     "Ranges from small studies; intranasal depends heavily on device and technique. "
                     + dosing.NOT_A_RECOMMENDATION, *_unique(keys))


def concentration_figure(routes=None) -> go.Figure:
    """Illustrative one-compartment curves (relative units) for the chosen routes, with range bands."""
    routes = list(routes or dosing.curve_routes())
    fig = go.Figure()
    keys = []
    for i, route_id in enumerate(routes):
        curve = dosing.concentration_curve(route_id)
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        fig.add_scatter(x=curve.minutes + curve.minutes[::-1], y=curve.high + curve.low[::-1], fill="toself",
                        line=dict(width=0), fillcolor=colour, opacity=0.18, showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=curve.minutes, y=curve.mid, mode="lines", name=curve.label,
                        line=dict(width=3, color=colour))
        keys += [k for p in curve.parameters.values() for k in p.keys]
    fig.update_layout(height=460, xaxis=dict(title="minutes after the dose starts"),
                      yaxis=dict(title="relative concentration (illustrative)", rangemode="tozero"))
    return captioned(fig, "Illustrative concentration curves by route (not a prediction)",
                     dosing.CURVE_CAPTION, *_unique(keys))


def session_vitals_figure(vitals, title: str, until_minute: float | None = None) -> go.Figure:
    """BP and heart rate through one synthetic session, against the label's and a forum's thresholds."""
    table = dosing.check_vitals(vitals)
    if until_minute is not None:
        table = table[table["minute"] <= until_minute]
    t = dosing.THRESHOLDS
    pre = table[table["minute"] <= 0].iloc[-1]
    fig = go.Figure()
    fig.add_scatter(x=table["minute"], y=table["sbp"], name="systolic", mode="lines+markers",
                    line=dict(color=OKABE_ITO[0], width=3))
    fig.add_scatter(x=table["minute"], y=table["dbp"], name="diastolic", mode="lines+markers",
                    line=dict(color=OKABE_ITO[2], width=3))
    fig.add_scatter(x=table["minute"], y=table["hr"], name="heart rate (bpm)", mode="lines",
                    line=dict(color=OKABE_ITO[7], width=1, dash="dot"))
    rise = dosing.LABEL_RISE  # the size of rise the label counted: a frequency, not a trigger
    lines = [(pre["sbp"] + rise.sbp, f"pre-dose +{rise.sbp:g} systolic: a rise the label counted, not a trigger "
              f"[{rise.key}]", OKABE_ITO[0], "dash"),
             (pre["dbp"] + rise.dbp, f"pre-dose +{rise.dbp:g} diastolic: a rise the label counted, not a trigger "
              f"[{rise.key}]", OKABE_ITO[2], "dash"),
             (t["forum_sbp_twice"].value, "180 systolic: forum trigger, illustrative [esketamine_forum]",
              OKABE_ITO[3], "dot")]
    for y, text, colour, dash in lines:
        fig.add_hline(y=y, line=dict(color=colour, dash=dash, width=1.5), annotation_text=text,
                      annotation_position="top left", annotation_font_size=11)
    fig.add_vline(x=t["observation"].value, line=dict(color="#666", dash="dot"),
                  annotation_text="2 h observation [spravato_label]", annotation_position="top left",
                  annotation_font_size=11)
    findings = [f for f in dosing.monitoring_findings(vitals)
                if f.kind != "bp_peak" and (until_minute is None or f.minute <= until_minute)]
    if findings:
        rows = table.set_index("minute")
        fig.add_scatter(x=[f.minute for f in findings], y=[rows.loc[f.minute, "sbp"] for f in findings],
                        mode="markers", name="finding", hovertext=[f.message for f in findings], hoverinfo="text",
                        marker=dict(symbol="x", size=14, color=OKABE_ITO[3]))
    fig.update_layout(height=480, xaxis=dict(title="minutes from dose", range=[-15, 135]),
                      yaxis=dict(title="mmHg / bpm"))
    return captioned(fig, title, "Synthetic session. Dashed lines: the size of rise the esketamine label's trials "
                     f"counted ({rise.treated} of treated patients had one at least once), a frequency, not a "
                     "trigger; the forum trigger is illustrative only. " + dosing.NOT_A_RECOMMENDATION,
                     "spravato_label", "esketamine_forum")


def schedules_figure(schedules: dict) -> go.Figure:
    """Session dates of several schedules on one calendar, one row each."""
    fig = go.Figure()
    for i, (name, dates) in enumerate(schedules.items()):
        summary = dosing.schedule_summary(dates)
        fig.add_scatter(x=[d.isoformat() for d in dates], y=[name] * len(dates), mode="markers", name=name,
                        marker=dict(size=14, color=OKABE_ITO[i % len(OKABE_ITO)], symbol="diamond"),
                        hovertext=f"{summary.sessions} sessions over {summary.course_length_days} days",
                        hoverinfo="text")
    fig.update_layout(height=300, xaxis=dict(title="date", type="date"), showlegend=False)
    return captioned(fig, "Two reported practice patterns on a calendar", dosing.PATTERN_CAVEAT,
                     "psychtimes_kap", "glue2018")
