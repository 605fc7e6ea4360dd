"""Figures for Module 03: the session timeline of an integration plan."""

from __future__ import annotations

from ..integration import SESSION_KINDS, Plan, check_plan, timeline
from ..theme import OKABE_ITO, CourseFigure, captioned, describe

_KIND_STYLE = {
    "evaluation": (OKABE_ITO[7], "star"),
    "preparation": (OKABE_ITO[0], "circle"),
    "dosing": (OKABE_ITO[1], "diamond"),
    "integration": (OKABE_ITO[2], "square"),
    "review": (OKABE_ITO[5], "hexagon"),
    "follow-up": (OKABE_ITO[4], "triangle-up"),
}


def plan_timeline_figure(plan: Plan, patient: dict | None = None, rules=None) -> CourseFigure:
    """Sessions on a calendar, one row per kind; sessions that break a plan rule are ringed in vermillion.
    ``rules`` as in ``integration.check_plan``.

    Markers carry no text (sessions days apart would overprint each other's labels): each session's
    label and problems are in its hover text and in the table of the text alternative."""
    data = timeline(plan, patient, rules)
    fig = CourseFigure()
    for kind in SESSION_KINDS:  # one trace per kind, even an empty one (the plan builder updates them in place)
        rows = [s for s in data["sessions"] if s["kind"] == kind]
        colour, symbol = _KIND_STYLE[kind]
        fig.add_scatter(
            x=[s["date"].isoformat() for s in rows],
            y=[kind] * len(rows),
            mode="markers",
            name=kind,
            hovertext=[s["label"] + "".join("<br>" + v for v in s["violations"]) for s in rows],
            hoverinfo="text",
            marker=dict(
                size=16,
                color=colour,
                symbol=symbol,
                line=dict(
                    width=[4 if s["violations"] else 1 for s in rows],
                    color=[OKABE_ITO[3] if s["violations"] else "white" for s in rows],
                ),
            ),
        )
    problems = len(check_plan(plan, patient, rules))  # the count the plan builder's list shows
    status = (
        "no rule broken"
        if not problems
        else f"{problems} problem{'s' if problems > 1 else ''}: see the list under the figure"
    )
    fig.update_layout(
        height=380,
        xaxis=dict(title="date", type="date"),
        showlegend=False,
        yaxis=dict(categoryorder="array", categoryarray=list(SESSION_KINDS)[::-1]),
    )
    captioned(
        fig,
        f"{plan.patient_id}: session plan ({status})",
        "Synthetic plan. Plan rules are course conventions: published KAP practice has no standard "
        "protocol for the number of sessions.",
        "psychtimes_kap",
    )
    sessions = data["sessions"]
    span = f" from {sessions[0]['date']:%d %b %Y} to {sessions[-1]['date']:%d %b %Y}" if sessions else ""
    return describe(
        fig,
        f"{len(sessions)} sessions{span}: "
        + ", ".join(f"{sum(s['kind'] == kind for s in sessions)} {kind}" for kind in SESSION_KINDS)
        + f". {status.capitalize()}."
        + "".join(f" {v}." for v in data["plan_violations"]),
        ["date", "session", "problems"],
        [[f"{s['date']:%a %d %b %Y}", s["label"], "; ".join(s["violations"]) or "none"] for s in sessions],
    )
