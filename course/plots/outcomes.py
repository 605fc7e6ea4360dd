"""Figures for Modules 00, 04 and 05: outcome rates, published benchmarks, icon arrays, relapse curves
and GAD-7 trajectories.

Every caption starts by saying whether its numbers are published or simulated and ends with the source
keys; ``fig.layout.meta["data_kind"]`` holds "published" or "simulated" so tests can check it.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from .. import outcomes
from ..data.cohort_design import arms as _arms
from ..data.cohort_design import parameter_sources
from ..theme import OKABE_ITO, CourseFigure, captioned, describe
from ..validation import choice, whole_number

DATA_KINDS = {
    "published": "Published figures.",
    "simulated": "SIMULATED data: invented patients, not a study, not a prediction.",
}


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _finish(fig: CourseFigure, title: str, caption: str, data_kind: str, *keys: str) -> CourseFigure:
    """Caption with the data kind first and the sources last, wrapped to fit under the plot."""
    choice(data_kind, "data_kind", tuple(DATA_KINDS))
    captioned(fig, title, f"{DATA_KINDS[data_kind]} {caption}", *keys)
    fig.layout.meta = {**fig.layout.meta, "data_kind": data_kind}
    fig.update_layout(title=dict(yref="container", y=0.985, yanchor="top"))
    return fig


def _legend_on_top(fig: go.Figure, entries: int) -> None:
    """One legend entry per line above the plot, with room for it under the title."""
    fig.update_layout(
        legend=dict(orientation="v", y=1.02, yanchor="bottom", tracegroupgap=0), margin=dict(t=60 + 22 * entries)
    )


def _arm_label(arm: str) -> str:
    return _arms().get(arm, arm)


# -- Rates by arm ------------------------------------------------------------------------------

RATE_COLUMNS = ("arm", "n", "events", "rate", "low", "high", "outcome", "week")


def rates_figure(
    rates_table: pd.DataFrame, which="response", data_kind="simulated", keys: tuple[str, ...] | None = None
) -> CourseFigure:
    """Bars of ``outcomes.rates(...)`` with 95% Wilson intervals. Simulated cohort rates cite the
    parameters of the arms shown; published rates need their ``keys``."""
    rule = outcomes.definition(which)
    if not isinstance(rates_table, pd.DataFrame) or not set(RATE_COLUMNS) <= set(rates_table.columns):
        raise ValueError(
            f"rates_figure needs the table outcomes.rates(...) returns (columns {', '.join(RATE_COLUMNS)})."
        )
    if keys is None:
        if data_kind != "simulated":
            raise ValueError("Published rates need their source keys: rates_figure(..., keys=('key',)).")
        keys = parameter_sources(rates_table["arm"])
    t = rates_table
    fig = CourseFigure(
        go.Bar(
            x=[_arm_label(a) for a in t.arm],
            y=100 * t.rate,
            marker_color=OKABE_ITO[0],
            error_y=dict(
                type="data",
                array=100 * (t.high - t.rate),
                arrayminus=100 * (t.rate - t.low),
                color="#444",
                thickness=1.5,
            ),
            text=[f"{r:.0%} of {n}" for r, n in zip(t.rate, t.n)],
            textposition="inside",
            insidetextanchor="end",
            hovertemplate="%{x}: %{y:.0f}%<extra></extra>",
            showlegend=False,
        )
    )
    fig.update_layout(yaxis=dict(title=f"{rule.outcome} (% of patients)", range=[0, 100]), height=480)
    week = int(t.week.iloc[0])
    _finish(
        fig,
        f"{rule.outcome.capitalize()} at week {week}, by arm",
        f"{rule.describe()}. Whiskers: 95% Wilson interval.",
        data_kind,
        *dict.fromkeys(tuple(rule.sources) + tuple(keys)),
    )
    return describe(
        fig,
        f"{rule.outcome.capitalize()} at week {week}: "
        + "; ".join(
            f"{_arm_label(r.arm)} {r.rate:.0%} ({r.events} of {r.n}, 95% interval {r.low:.0%} to {r.high:.0%})"
            for r in t.itertuples()
        )
        + ".",
        ["arm", "patients", rule.outcome, "rate", "95% interval"],
        [[_arm_label(r.arm), r.n, r.events, f"{r.rate:.0%}", f"{r.low:.0%} to {r.high:.0%}"] for r in t.itertuples()],
    )


# -- Published benchmarks ---------------------------------------------------------------------


def benchmark_figure(rows: pd.DataFrame, title: str = "Published response and remission figures") -> CourseFigure:
    """Horizontal bars of published proportions (rows of ``outcomes.load_benchmarks()``), each labelled
    with its value, evidence tier, n and key; bars are coloured by evidence tier."""
    if not isinstance(rows, pd.DataFrame) or not set(outcomes.BENCHMARK_COLUMNS) <= set(rows.columns):
        raise ValueError("benchmark_figure needs rows of outcomes.load_benchmarks().")
    if rows.empty:
        raise ValueError("No benchmark rows to draw: the selection is empty.")
    other = rows[rows.measure != "proportion"]
    if not other.empty:
        raise ValueError(f"This figure draws proportions only; row {other.id.iloc[0]} is a {other.measure.iloc[0]}.")
    labels = [f"{r.option}: {r.outcome}" for r in rows.itertuples()]
    if len(set(labels)) < len(labels):
        raise ValueError("Two rows share an option and outcome; pick one of them for this figure.")
    fig = CourseFigure()
    for colour, tier in zip(OKABE_ITO, dict.fromkeys(rows.evidence_tier)):
        part = rows[rows.evidence_tier == tier]
        has_interval = part.low.notna()
        fig.add_bar(
            y=[f"{r.option}: {r.outcome}" for r in part.itertuples()],
            x=100 * part.value,
            orientation="h",
            name=tier,
            marker_color=colour,
            error_x=dict(
                type="data",
                array=100 * (part.high - part.value).where(has_interval, 0),
                arrayminus=100 * (part.value - part.low).where(has_interval, 0),
                color="#444",
                visible=bool(has_interval.any()),
            ),
            text=[
                f"{r.value:.0%} · {r.evidence_tier}" + (f" · n={r.n}" if not pd.isna(r.n) else "") + f" [{r.key}]"
                for r in part.itertuples()
            ],
            textposition="outside",
            cliponaxis=False,
        )
    fig.update_layout(
        xaxis=dict(title="% of patients", range=[0, 140], tickvals=list(range(0, 101, 20))),
        yaxis=dict(autorange="reversed", categoryorder="array", categoryarray=labels),
        height=180 + 42 * len(rows),
        legend_title_text="evidence tier",
    )
    _finish(
        fig,
        title,
        "Each bar names its evidence tier and source key; definitions, populations and "
        "durations differ between studies (see the note column), so bars are not directly comparable. "
        "Whiskers only where the source gave an interval.",
        "published",
        *dict.fromkeys(rows.key),
    )
    return describe(
        fig,
        f"{len(rows)} published figures, as a share of patients: "
        + "; ".join(f"{r.option}, {r.outcome}: {r.value:.0%} [{r.key}]" for r in rows.itertuples())
        + ".",
        ["option", "outcome", "value", "interval", "evidence tier", "patients", "source"],
        [
            [
                r.option,
                r.outcome,
                f"{r.value:.0%}",
                "" if pd.isna(r.low) else f"{r.low:.0%} to {r.high:.0%}",
                r.evidence_tier,
                "" if pd.isna(r.n) else int(r.n),
                r.key,
            ]
            for r in rows.itertuples()
        ],
    )


# -- Icon arrays -------------------------------------------------------------------------------

#: The groups of an icon array, in drawing order (one trace each).
ICON_KINDS = ("anyway", "extra", "fewer", "not_improved")
_ICON_STYLE = {  # colour and symbol both differ, so the array reads without colour too
    "anyway": (OKABE_ITO[0], "circle"),
    "extra": (OKABE_ITO[1], "star"),
    "fewer": (OKABE_ITO[3], "x"),
    "not_improved": ("#BBBBBB", "circle-open"),
}


def icon_array_figure(
    counts: outcomes.IconCounts,
    treatment: str,
    comparator: str,
    *keys: str,
    data_kind: str = "published",
    improve: str = "improve",
) -> CourseFigure:
    """100 people as icons: who improves anyway, who improves because of the treatment, who does not."""
    if not isinstance(counts, outcomes.IconCounts):
        raise ValueError("icon_array_figure needs the counts from outcomes.icon_counts(...).")
    if counts.out_of != 100:
        raise ValueError(f"The icon array shows 100 people; make the counts with out_of=100, not {counts.out_of}.")
    if not keys:
        raise ValueError("Name the source key(s) of the two rates, e.g. icon_array_figure(counts, ..., 'nice_cg113').")
    legend = {
        "anyway": f"{counts.anyway} {improve} anyway (as with {comparator})",
        "extra": f"{counts.extra} more {improve} with {treatment}",
        "fewer": f"{counts.fewer} {improve} with {comparator} but not with {treatment}",
        "not_improved": f"{counts.not_improved} do not {improve}",
    }
    fig = CourseFigure()
    position = 0
    for kind, label in legend.items():  # one trace per kind, even an empty one (widgets update them in place)
        size = getattr(counts, kind)
        cells = range(position, position + size)
        position += size
        colour, symbol = _ICON_STYLE[kind]
        fig.add_scatter(
            x=[c % 10 for c in cells],
            y=[c // 10 for c in cells],
            mode="markers",
            name=label,
            marker=dict(size=26, color=colour, symbol=symbol, line=dict(width=2, color=colour)),
            hoverinfo="name",
            showlegend=bool(size),
        )
    fig.update_layout(
        xaxis=dict(visible=False, range=[-0.7, 9.7]),
        yaxis=dict(visible=False, range=[9.7, -0.7], scaleanchor="x"),
        height=620,
    )
    _legend_on_top(fig, sum(bool(getattr(counts, kind)) for kind in legend))
    _finish(
        fig,
        f"Out of 100 people: {treatment} compared with {comparator}",
        counts.sentence(treatment, comparator, improve),
        data_kind,
        *keys,
    )
    return describe(
        fig,
        "An array of 100 people. " + counts.sentence(treatment, comparator, improve),
        ["group", "people out of 100"],
        [[legend[kind], getattr(counts, kind)] for kind in ICON_KINDS],
    )


# -- Relapse curves ----------------------------------------------------------------------------


def relapse_figure(curves: list[outcomes.RelapseCurve] | None = None, weeks=52) -> CourseFigure:
    """Share still well over time, one curve per published relapse figure (default: all of them)."""
    curves = outcomes.published_relapse_curves() if curves is None else list(curves)
    if not curves or not all(isinstance(c, outcomes.RelapseCurve) for c in curves):
        raise ValueError("relapse_figure needs a list of RelapseCurve (see outcomes.published_relapse_curves()).")
    weeks = whole_number(weeks, "weeks shown", 4, 520)
    grid = [i / 2 for i in range(2 * weeks + 1)]
    fig = CourseFigure()
    for index, curve in enumerate(curves):
        colour = OKABE_ITO[index % len(OKABE_ITO)]
        dash = "solid" if "anxiety" in curve.population else "dash"
        name = f"{curve.label} · {curve.evidence_tier} [{curve.source}]"
        observed = [w for w in grid if w <= curve.anchor_week] + [min(curve.anchor_week, weeks)]
        beyond = [w for w in grid if w >= curve.anchor_week]
        fig.add_scatter(
            x=observed,
            y=[100 * s for s in curve.well_at(observed)],
            mode="lines",
            name=name,
            legendgroup=name,
            line=dict(color=colour, width=3, dash=dash),
        )
        if beyond:  # past the published point the curve is extrapolation: drawn thin and faint
            fig.add_scatter(
                x=beyond,
                y=[100 * s for s in curve.well_at(beyond)],
                mode="lines",
                showlegend=False,
                legendgroup=name,
                opacity=0.45,
                line=dict(color=colour, width=1.5, dash=dash),
                hoverinfo="skip",
            )
            fig.add_scatter(
                x=[curve.anchor_week],
                y=[100 * curve.anchor_well],
                mode="markers",
                showlegend=False,
                legendgroup=name,
                marker=dict(size=12, color=colour, line=dict(color="white", width=2)),
                hovertemplate=f"published point [{curve.source}]<extra></extra>",
            )
    fig.update_layout(
        xaxis=dict(title="weeks of follow-up", range=[0, weeks]),
        yaxis=dict(title="% still well (not relapsed)", range=[0, 101]),
        height=520 + 22 * len(curves),
    )
    _legend_on_top(fig, len(curves))
    _finish(
        fig,
        "Relapse and durability: published figures",
        "Dots are the published numbers; each curve "
        "assumes a constant relapse rate (exponential) and is drawn faint past its published point, "
        "where it is extrapolation. Dashed curves are depression or PTSD data, borrowed for want of "
        "anxiety data.",
        "published",
        *dict.fromkeys(c.source for c in curves),
    )
    return describe(
        fig,
        "Share still well over time: "
        + "; ".join(
            f"{c.label}: {c.anchor_well:.0%} still well at week {c.anchor_week:g} (published), half relapsed by about "
            f"week {c.median_weeks:.0f} if the rate stays constant"
            for c in curves
        )
        + ".",
        [
            "curve",
            "population",
            "evidence tier",
            "published point",
            f"% still well at week {weeks} (extrapolated past the published point)",
            "source",
        ],
        [
            [
                c.label,
                c.population,
                c.evidence_tier,
                f"{c.anchor_well:.0%} at week {c.anchor_week:g}",
                f"{c.well_at(weeks)[0]:.0%}",
                c.source,
            ]
            for c in curves
        ],
    )


# -- Trajectories ------------------------------------------------------------------------------

GAD7_CUTS = ((5, "mild"), (10, "moderate"), (15, "severe"))


def trajectory_figure(table: pd.DataFrame, arms=None) -> CourseFigure:
    """Mean GAD-7 by week for each arm of the simulated cohort, with a 95% band for the mean."""
    data = outcomes.check_score_table(table)
    if "simulated" not in data.columns or not data["simulated"].astype(bool).all():
        raise ValueError(
            "trajectory_figure draws the simulated cohort (outcomes.load_cohort()), whose rows are "
            "all marked simulated."
        )
    present = list(dict.fromkeys(data.arm))
    arms = present if arms is None else [choice(a, "arm", present) for a in arms]
    fig = CourseFigure()
    for index, arm in enumerate(arms):
        colour = OKABE_ITO[index % len(OKABE_ITO)]
        summary = data[data.arm == arm].groupby("week")["score"].agg(["mean", "std", "count"])
        half = 1.96 * summary["std"] / summary["count"].map(math.sqrt)
        x = list(summary.index)
        fig.add_scatter(
            x=x + x[::-1],
            y=list(summary["mean"] + half) + list(summary["mean"] - half)[::-1],
            mode="lines",
            fill="toself",
            fillcolor=_rgba(colour, 0.18),
            line=dict(width=0),
            hoverinfo="skip",
            showlegend=False,
        )
        fig.add_scatter(
            x=x,
            y=summary["mean"],
            mode="lines+markers",
            name=_arm_label(arm),
            line=dict(color=colour, width=3),
            marker=dict(size=8),
        )
    for cut, label in GAD7_CUTS:
        fig.add_hline(
            y=cut,
            line=dict(color="#999", dash="dot", width=1),
            annotation_text=f"{label} ({cut})",
            annotation_position="top right",
            annotation_font=dict(size=11, color="#666"),
        )
    fig.update_layout(
        xaxis=dict(title="week", tickvals=sorted(data.week.unique())),
        yaxis=dict(title="GAD-7 total, mean", range=[0, 21]),
        height=560 + 22 * len(arms),
    )
    _legend_on_top(fig, len(arms))
    _finish(
        fig,
        "GAD-7 over time by arm (simulated cohort)",
        "Lines: mean score; bands: 95% interval of "
        "the mean. Dotted lines: GAD-7 severity cut-points. One simulated first-line study with no ketamine "
        "arm: ketamine is taught from published figures.",
        "simulated",
        *dict.fromkeys(("spitzer2006",) + parameter_sources(arms)),
    )
    weeks = sorted(int(w) for w in data.week.unique())
    means = {arm: data[data.arm == arm].groupby("week")["score"].mean() for arm in arms}
    return describe(
        fig,
        "Mean GAD-7 total by week: "
        + "; ".join(
            f"{_arm_label(arm)} from {m.iloc[0]:.1f} at week {int(m.index[0])} to {m.iloc[-1]:.1f} at week "
            f"{int(m.index[-1])}"
            for arm, m in means.items()
        )
        + ". Severity cut-points: mild 5, moderate 10, severe 15.",
        ["arm"] + [f"week {w}" for w in weeks],
        [[_arm_label(arm)] + [f"{m[w]:.1f}" if w in m.index else "" for w in weeks] for arm, m in means.items()],
    )
