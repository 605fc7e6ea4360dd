"""Figures for Module 02: bioavailability ranges, illustrative curves, session vitals, schedules."""

from __future__ import annotations

import pandas as pd

from .. import dosing
from ..theme import OKABE_ITO, CourseFigure, Table, captioned, describe


def _unique(keys):
    return list(dict.fromkeys(k for k in keys if k))


def bioavailability_figure(highlight: str | None = None) -> CourseFigure:
    """Reported bioavailability of each route as a range; routes without data say so."""
    fig = CourseFigure()
    keys = []
    for route_id in dosing.route_ids():
        route = dosing.route_info(route_id)
        row = route.label.replace(" (", "<br>(")  # the axis labels in two lines leave the caption room
        colour = OKABE_ITO[3] if route_id == highlight else OKABE_ITO[0]
        if route.bioavailability_known:
            low, high = 100 * route.bioavailability_low, 100 * route.bioavailability_high
            fig.add_scatter(
                x=[low, high],
                y=[row] * 2,
                mode="lines+markers",
                showlegend=False,
                line=dict(width=10, color=colour),
                marker=dict(size=12, color=colour),
                hovertext=f"{route.label}: {low:.0f}–{high:.0f}% [{', '.join(route.keys)}]",
                hoverinfo="text",
            )
            keys += route.keys
        else:
            fig.add_scatter(
                x=[2],
                y=[row],
                mode="text",
                text=["not well characterised"],
                textposition="middle right",
                showlegend=False,
                hoverinfo="skip",
            )
    fig.update_layout(
        height=430,
        xaxis=dict(title="bioavailability reported (% of the dose reaching the blood)", range=[0, 105]),
        yaxis=dict(autorange="reversed"),
    )
    captioned(
        fig,
        "Reported bioavailability by route: ranges, not constants",
        "Ranges from small studies; intranasal depends heavily on device and technique. " + dosing.NOT_A_RECOMMENDATION,
        *_unique(keys),
    )
    routes = [dosing.route_info(r) for r in dosing.route_ids()]
    known = [r for r in routes if r.bioavailability_known]
    return describe(
        fig,
        "Share of a dose reaching the blood, by route, as reported ranges: "
        + "; ".join(f"{r.label} {100 * r.bioavailability_low:.0f}-{100 * r.bioavailability_high:.0f}%" for r in known)
        + "."
        + (
            " Not well characterised: " + ", ".join(r.label for r in routes if not r.bioavailability_known) + "."
            if len(known) < len(routes)
            else ""
        )
        + (f" Highlighted: {dosing.route_info(highlight).label}." if highlight else ""),
        ["route", "reported bioavailability", "sources"],
        [
            [
                r.label,
                f"{100 * r.bioavailability_low:.0f}-{100 * r.bioavailability_high:.0f}%"
                if r.bioavailability_known
                else "not well characterised",
                ", ".join(r.keys),
            ]
            for r in routes
        ],
    )


def concentration_figure(routes=None) -> CourseFigure:
    """Illustrative one-compartment curves (relative units) for the chosen routes, with range bands."""
    routes = list(routes or dosing.curve_routes())
    fig = CourseFigure()
    keys, curves = [], [dosing.concentration_curve(r) for r in routes]
    for i, curve in enumerate(curves):
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        fig.add_scatter(
            x=curve.minutes + curve.minutes[::-1],
            y=curve.high + curve.low[::-1],
            fill="toself",
            line=dict(width=0),
            fillcolor=colour,
            opacity=0.18,
            showlegend=False,
            hoverinfo="skip",
        )
        fig.add_scatter(x=curve.minutes, y=curve.mid, mode="lines", name=curve.label, line=dict(width=3, color=colour))
        keys += [k for p in curve.parameters.values() for k in p.keys]
    fig.update_layout(
        height=460,
        xaxis=dict(title="minutes after the dose starts"),
        yaxis=dict(title="relative concentration (illustrative)", rangemode="tozero"),
    )
    captioned(
        fig, "Illustrative concentration curves by route (not a prediction)", dosing.CURVE_CAPTION, *_unique(keys)
    )

    def at(curve, minute):
        return curve.mid[min(range(len(curve.minutes)), key=lambda i: abs(curve.minutes[i] - minute))]

    return describe(
        fig,
        "Illustrative relative concentration after one dose (middle of each route's range; bands span the "
        "range): "
        + "; ".join(f"{c.label} peaks at about {c.peak_minute:.0f} min at {max(c.mid):.2f}" for c in curves)
        + ". Shapes only, not anyone's blood levels.",
        ["route", "peak (min)", "peak level", "level at 60 min", "at 120 min", "at 240 min"],
        [
            [
                c.label,
                f"{c.peak_minute:.0f}",
                f"{max(c.mid):.2f}",
                f"{at(c, 60):.2f}",
                f"{at(c, 120):.2f}",
                f"{at(c, 240):.2f}",
            ]
            for c in curves
        ],
    )


def session_vitals_figure(vitals, title: str, until_minute: float | None = None, findings=None) -> CourseFigure:
    """BP and heart rate through one synthetic session, against the label's and a forum's thresholds.

    ``findings`` are ``dosing.monitoring_findings(vitals)`` (worked out here when not given)."""
    table = dosing.check_vitals(vitals)
    findings = dosing.monitoring_findings(vitals) if findings is None else findings
    if until_minute is not None:
        table = table[table["minute"] <= until_minute]
    t = dosing.THRESHOLDS
    pre = table[table["minute"] <= 0].iloc[-1]
    fig = CourseFigure()
    fig.add_scatter(
        x=table["minute"], y=table["sbp"], name="systolic", mode="lines+markers", line=dict(color=OKABE_ITO[0], width=3)
    )
    fig.add_scatter(
        x=table["minute"],
        y=table["dbp"],
        name="diastolic",
        mode="lines+markers",
        line=dict(color=OKABE_ITO[2], width=3),
    )
    fig.add_scatter(
        x=table["minute"],
        y=table["hr"],
        name="heart rate (bpm)",
        mode="lines",
        line=dict(color=OKABE_ITO[7], width=1, dash="dot"),
    )
    shown = [f for f in findings if f.kind != "bp_peak" and (until_minute is None or f.minute <= until_minute)]
    rows = table.set_index("minute")
    # Always a findings trace, empty before the first finding (the replay widget updates it in place).
    fig.add_scatter(
        x=[f.minute for f in shown],
        y=[rows.loc[f.minute, "sbp"] for f in shown],
        mode="markers",
        name="finding",
        hovertext=[f.message for f in shown],
        hoverinfo="text",
        marker=dict(symbol="x", size=14, color=OKABE_ITO[3]),
        showlegend=bool(shown),
    )
    # Threshold lines as layout shapes with their labels (what add_hline makes, without its per-call cost).
    rise = dosing.LABEL_RISE  # the size of rise the label counted: a frequency, not a trigger
    lines = [
        (
            pre["sbp"] + rise.sbp,
            f"pre-dose +{rise.sbp:g} systolic: a rise the label counted, not a trigger [{rise.key}]",
            OKABE_ITO[0],
            "dash",
        ),
        (
            pre["dbp"] + rise.dbp,
            f"pre-dose +{rise.dbp:g} diastolic: a rise the label counted, not a trigger [{rise.key}]",
            OKABE_ITO[2],
            "dash",
        ),
        (
            t["forum_sbp_twice"].value,
            "180 systolic: forum trigger, illustrative [esketamine_forum]",
            OKABE_ITO[3],
            "dot",
        ),
    ]
    shapes = [
        dict(
            type="line",
            xref="x domain",
            x0=0,
            x1=1,
            yref="y",
            y0=y,
            y1=y,
            line=dict(color=colour, dash=dash, width=1.5),
        )
        for y, _, colour, dash in lines
    ]
    labels = [
        dict(
            text=text,
            xref="x domain",
            x=0,
            xanchor="left",
            yref="y",
            y=y,
            yanchor="bottom",
            showarrow=False,
            font=dict(size=11),
        )
        for y, text, _, _ in lines
    ]
    observation = t["observation"].value
    shapes.append(
        dict(
            type="line",
            xref="x",
            x0=observation,
            x1=observation,
            yref="y domain",
            y0=0,
            y1=1,
            line=dict(color="#666", dash="dot"),
        )
    )
    labels.append(
        dict(
            text="2 h observation [spravato_label]",
            xref="x",
            x=observation,
            xanchor="right",
            yref="y domain",
            y=1,
            yanchor="top",
            showarrow=False,
            font=dict(size=11),
        )
    )
    fig.update_layout(
        height=480,
        xaxis=dict(title="minutes from dose", range=[-15, 135]),
        yaxis=dict(title="mmHg / bpm"),
        shapes=shapes,
        annotations=labels,
    )
    captioned(
        fig,
        title,
        "Synthetic session. Dashed lines: the size of rise the esketamine label's trials "
        f"counted ({rise.treated} of treated patients had one at least once), a frequency, not a "
        "trigger; the forum trigger is illustrative only. " + dosing.NOT_A_RECOMMENDATION,
        "spravato_label",
        "esketamine_forum",
    )
    peak = table.loc[table["sbp"].idxmax()]
    return describe(
        fig,
        f"Readings from minute {table['minute'].min():g} to {table['minute'].max():g}: pre-dose BP "
        f"{pre['sbp']:g}/{pre['dbp']:g} mmHg; highest systolic {peak['sbp']:g} mmHg at minute {peak['minute']:g}. "
        f"Lines: pre-dose +{rise.sbp:g} systolic ({pre['sbp'] + rise.sbp:g}) and pre-dose +{rise.dbp:g} diastolic "
        f"({pre['dbp'] + rise.dbp:g}), rises the label counted (not triggers); 180 systolic (forum trigger); "
        f"{t['observation'].value:g} min observation. "
        + (
            f"{len(shown)} finding(s): " + "; ".join(f"minute {f.minute:g}: {f.message}" for f in shown)
            if shown
            else "No finding so far."
        ),
        ["minute", "systolic", "diastolic", "heart rate"],
        [[f"{r.minute:g}", f"{r.sbp:g}", f"{r.dbp:g}", f"{r.hr:g}"] for r in table.itertuples()],
    )


def schedules_figure(schedules: dict) -> CourseFigure:
    """Session dates of several schedules on one calendar, one row each."""
    fig = CourseFigure()
    for i, (name, dates) in enumerate(schedules.items()):
        summary = dosing.schedule_summary(dates)
        fig.add_scatter(
            x=[d.isoformat() for d in dates],
            y=[name] * len(dates),
            mode="markers",
            name=name,
            marker=dict(size=14, color=OKABE_ITO[i % len(OKABE_ITO)], symbol="diamond"),
            hovertext=f"{summary.sessions} sessions over {summary.course_length_days} days",
            hoverinfo="text",
        )
    fig.update_layout(height=300, xaxis=dict(title="date", type="date"), showlegend=False)
    captioned(fig, "Two reported practice patterns on a calendar", dosing.PATTERN_CAVEAT, "psychtimes_kap", "glue2018")
    summaries = {name: dosing.schedule_summary(dates) for name, dates in schedules.items()}
    return describe(
        fig,
        "Session dates of each schedule: "
        + "; ".join(
            f"{name}: {s.sessions} sessions from {s.first:%d %b %Y} to {s.last:%d %b %Y}"
            for name, s in summaries.items()
        )
        + ".",
        ["schedule", "sessions", "first", "last", "longest gap (days)", "dates"],
        [
            [
                name,
                s.sessions,
                f"{s.first:%d %b %Y}",
                f"{s.last:%d %b %Y}",
                s.longest_gap_days or "",
                ", ".join(f"{d:%d %b}" for d in schedules[name]),
            ]
            for name, s in summaries.items()
        ],
    )


def regimens_table() -> Table:
    """The published regimens (``dosing.published_regimens()``) as a readable table: every note in full,
    wrapped to the notebook's width, the dose range with its unit, anxiety populations marked."""
    table = dosing.published_regimens()

    def dose(r) -> str:
        span = f"{r.dose_low:g}" if r.dose_low == r.dose_high else f"{r.dose_low:g}–{r.dose_high:g}"
        return f"{span} {r.dose_unit}"

    return Table(
        "Published ketamine regimens and what they studied (" + dosing.NOT_A_RECOMMENDATION + ")",
        ["study", "population", "n", "route", "dose", "schedule", "evidence", "note"],
        [
            [
                f"{r.study} [{r.key}]",
                f"{r.population} ({'anxiety' if r.population_is_anxiety else 'not anxiety'})",
                "" if pd.isna(r.n) else f"{r.n:g}",
                dosing.route_info(r.route).label,
                dose(r),
                r.schedule,
                r.evidence_tier,
                "" if pd.isna(r.note) else r.note,
            ]
            for r in table.itertuples()
        ],
        widths=[13, 17, 4, 9, 9, 20, 9, 19],
    )
