"""Figures for Module 03: the session timeline of an integration plan."""
from __future__ import annotations

import plotly.graph_objects as go

from ..integration import SESSION_KINDS, Plan, timeline
from ..theme import OKABE_ITO, captioned

_KIND_STYLE = {"evaluation": (OKABE_ITO[7], "star"), "preparation": (OKABE_ITO[0], "circle"),
               "dosing": (OKABE_ITO[1], "diamond"), "integration": (OKABE_ITO[2], "square"),
               "review": (OKABE_ITO[5], "hexagon"), "follow-up": (OKABE_ITO[4], "triangle-up")}


def plan_timeline_figure(plan: Plan, patient: dict | None = None, rules=None) -> go.Figure:
    """Sessions on a calendar, one row per kind; sessions that break a plan rule are ringed in vermillion.
    ``rules`` as in ``integration.check_plan``."""
    data = timeline(plan, patient, rules)
    fig = go.Figure()
    for kind in SESSION_KINDS:
        rows = [s for s in data["sessions"] if s["kind"] == kind]
        colour, symbol = _KIND_STYLE[kind]
        fig.add_scatter(
            x=[s["date"].isoformat() for s in rows], y=[kind] * len(rows), mode="markers+text", name=kind,
            text=[s["label"].split(": ")[-1] for s in rows], textposition="top center",
            hovertext=[s["label"] + "".join("<br>" + v for v in s["violations"]) for s in rows], hoverinfo="text",
            marker=dict(size=16, color=colour, symbol=symbol,
                        line=dict(width=[4 if s["violations"] else 1 for s in rows],
                                  color=[OKABE_ITO[3] if s["violations"] else "white" for s in rows])))
    problems = sum(bool(s["violations"]) for s in data["sessions"]) + len(data["plan_violations"])
    status = "no rule broken" if not problems else f"{problems} problem(s): see the list under the figure"
    fig.update_layout(height=380, xaxis=dict(title="date", type="date"),
                      yaxis=dict(categoryorder="array", categoryarray=list(SESSION_KINDS)[::-1]))
    return captioned(fig, f"{plan.patient_id}: session plan ({status})",
                     "Synthetic plan. Plan rules are course conventions: published KAP practice has no standard "
                     "protocol for the number of sessions.", "psychtimes_kap")
