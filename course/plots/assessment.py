"""Figures for Module 01: severity bands and screening accuracy."""

from __future__ import annotations

import numpy as np

from .. import scales as scales_mod
from ..screening import npv, ppv
from ..theme import BAND_SHADES, OKABE_ITO, CourseFigure, captioned, describe
from ..validation import proportion


def severity_figure(patient: dict) -> CourseFigure:
    """A patient's totals on each banded scale, drawn against the published bands.

    Each scale is a row of band segments (in per cent of the scale's maximum, so the scales line up)
    with the band names inside; the patient's total is a diamond just above its row, clear of the
    band names, with the total written above it."""
    rows = []
    s = patient["scales"]
    rows.append(("gad7", scales_mod.gad7_total(s["gad7"])))
    rows.append(("phq9", scales_mod.phq9_total(s["phq9"])))
    if "hama" in s:
        rows.append(("hama", scales_mod.total("hama", s["hama"])))
    if "lsas" in s:
        rows.append(("lsas", scales_mod.lsas_total(s["lsas"]["fear"], s["lsas"]["avoidance"])))
    fig = CourseFigure()
    names = [scales_mod.SCALES[code].name for code, _ in rows]
    ys = list(range(len(rows)))
    # One bar trace per band level, the same number for every patient (widgets update them in place).
    for level in range(max(len(sc.bands) for sc in scales_mod.SCALES.values())):
        widths, labels, colours = [], [], []
        for code, _ in rows:
            sc = scales_mod.SCALES[code]
            if level < len(sc.bands):
                b = sc.bands[level]
                widths.append(100 * (b.high - b.low + 1) / (sc.max_total + 1))
                labels.append(f"{b.label} ({b.low}-{b.high})")
                shades = BAND_SHADES[: len(sc.bands) - 1] + (BAND_SHADES[-1],)
                colours.append(shades[level])
            else:
                widths.append(0)
                labels.append("")
                colours.append("white")
        fig.add_bar(
            y=ys,
            x=widths,
            orientation="h",
            width=0.5,
            marker_color=colours,
            text=labels,
            textposition="inside",
            insidetextanchor="middle",
            constraintext="inside",
            hoverinfo="text",
            showlegend=False,
            marker_line=dict(color="white", width=1),
        )
    totals = [100 * (t + 0.5) / (scales_mod.SCALES[c].max_total + 1) for c, t in rows]
    fig.add_scatter(
        y=[y - 0.42 for y in ys],
        x=totals,
        mode="markers+text",
        marker=dict(symbol="triangle-down", size=16, color="#000", line=dict(color="white", width=1)),
        text=[f"total {t}" for _, t in rows],
        textposition="top center",
        name="patient's total",
        textfont=dict(size=14, color="#000"),
        cliponaxis=False,
        showlegend=False,
    )
    fig.update_layout(
        barmode="stack",
        height=170 + 90 * len(rows),
        xaxis=dict(title="position within the scale's range (per cent of maximum)", range=[0, 100]),
        yaxis=dict(autorange=False, range=[len(rows) - 0.6, -1.05], tickvals=ys, ticktext=names, showgrid=False),
    )
    keys = [scales_mod.SCALES[c].source for c, _ in rows]
    captioned(
        fig,
        f"{patient['id']} {patient['name']}: totals against published severity bands",
        "Synthetic patient. Marker = total score; shaded segments = published bands.",
        *keys,
    )
    scored = [(scales_mod.SCALES[c], t) for c, t in rows]
    bands = [scales_mod.band(c, t) for c, t in rows]
    return describe(
        fig,
        f"{patient['id']} {patient['name']} (synthetic): "
        + "; ".join(f"{sc.name} {t} of {sc.max_total}, {band}" for (sc, t), band in zip(scored, bands))
        + ".",
        ["scale", "total", "maximum", "band", "published bands"],
        [
            [sc.name, t, sc.max_total, band, ", ".join(f"{b.label} {b.low}-{b.high}" for b in sc.bands)]
            for (sc, t), band in zip(scored, bands)
        ],
    )


def ppv_figure(
    sensitivity, specificity, source: str, test: str = "screen", marks: dict[str, float] | None = None
) -> CourseFigure:
    """PPV and NPV across prevalence for one screening cut-off; ``marks`` labels chosen prevalences."""
    se = proportion(sensitivity, "sensitivity")
    sp = proportion(specificity, "specificity")
    prevalences = [i / 1000 for i in range(1, 1000)]
    x = 100 * np.array(prevalences)  # arrays, not lists: plotly checks a list element by element
    fig = CourseFigure()
    fig.add_scatter(
        x=x,
        y=100 * np.array([ppv(se, sp, p) for p in prevalences]),
        name="PPV: positives who have it",
        mode="lines",
        line=dict(width=3),
    )
    fig.add_scatter(
        x=x,
        y=100 * np.array([npv(se, sp, p) for p in prevalences]),
        name="NPV: negatives who do not",
        mode="lines",
        line=dict(width=3, dash="dash"),
    )
    marked = {label: proportion(prev, f"prevalence for {label}") for label, prev in (marks or {}).items()}
    for label, p in marked.items():
        fig.add_scatter(
            x=[100 * p],
            y=[100 * ppv(se, sp, p)],
            mode="markers+text",
            text=[f"{label}: PPV {100 * ppv(se, sp, p):.0f}%"],
            textposition="middle left" if p > 0.1 else "middle right",
            marker=dict(size=12, color=OKABE_ITO[3]),
            showlegend=False,
        )
    fig.update_layout(
        xaxis=dict(title="prevalence in the group screened (%, log scale)", type="log", range=[-1, 2]),
        yaxis=dict(title="predictive value (%)", range=[0, 101]),
        height=480,
    )
    captioned(
        fig,
        f"{test}: how prevalence changes what a positive result means",
        f"Sensitivity {se:.0%}, specificity {sp:.0%}; predictive values computed by Bayes' rule.",
        source,
    )
    shown = dict.fromkeys([0.001, 0.01, 0.05, 0.1, 0.2, 0.5, 0.9])
    rows = {p: "" for p in shown} | {p: label for label, p in marked.items()}
    return describe(
        fig,
        f"With sensitivity {se:.0%} and specificity {sp:.0%}, the share of positives who have the condition "
        f"(PPV) rises with prevalence, from {ppv(se, sp, 0.001):.1%} at 0.1% to {ppv(se, sp, 0.5):.0%} at 50%, "
        f"while the share of negatives who do not (NPV) falls from {npv(se, sp, 0.001):.1%} to "
        f"{npv(se, sp, 0.9):.0%} at 90%."
        + "".join(f" {label}: prevalence {p:.1%}, PPV {ppv(se, sp, p):.0%}." for label, p in marked.items()),
        ["prevalence", "PPV", "NPV", "marked as"],
        [[f"{p:.1%}", f"{ppv(se, sp, p):.1%}", f"{npv(se, sp, p):.1%}", label] for p, label in sorted(rows.items())],
    )
