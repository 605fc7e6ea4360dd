"""Figures for Module 01: severity bands and screening accuracy."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from .. import scales as scales_mod
from ..checks import proportion
from .theme import BAND_SHADES, OKABE_ITO, captioned


def severity_figure(patient: dict) -> go.Figure:
    """A patient's totals on each banded scale, drawn against the published bands."""
    rows = []
    s = patient["scales"]
    rows.append(("gad7", scales_mod.gad7_total(s["gad7"])))
    rows.append(("phq9", scales_mod.phq9_total(s["phq9"])))
    if "hama" in s:
        rows.append(("hama", scales_mod.total("hama", s["hama"])))
    if "lsas" in s:
        rows.append(("lsas", scales_mod.lsas_total(s["lsas"]["fear"], s["lsas"]["avoidance"])))
    fig = go.Figure()
    names = [scales_mod.SCALES[code].name for code, _ in rows]
    # Bands as stacked segments, in per cent of each scale's maximum so the scales line up.
    for level in range(max(len(scales_mod.SCALES[c].bands) for c, _ in rows)):
        widths, labels, colours = [], [], []
        for code, _ in rows:
            sc = scales_mod.SCALES[code]
            if level < len(sc.bands):
                b = sc.bands[level]
                widths.append(100 * (b.high - b.low + 1) / (sc.max_total + 1))
                labels.append(f"{b.label} ({b.low}-{b.high})")
                shades = BAND_SHADES[:len(sc.bands) - 1] + (BAND_SHADES[-1],)
                colours.append(shades[level])
            else:
                widths.append(0)
                labels.append("")
                colours.append("white")
        fig.add_bar(y=names, x=widths, orientation="h", marker_color=colours, text=labels,
                    textposition="inside", insidetextanchor="middle", hoverinfo="text",
                    showlegend=False, marker_line=dict(color="white", width=1))
    fig.add_scatter(y=names, x=[100 * (t + 0.5) / (scales_mod.SCALES[c].max_total + 1) for c, t in rows],
                    mode="markers+text", marker=dict(symbol="diamond", size=16, color="#000",
                                                     line=dict(color="white", width=2)),
                    text=[f"{t}" for _, t in rows], textposition="top center", name="patient's total",
                    textfont=dict(size=14, color="#000"))
    fig.update_layout(barmode="stack", height=140 + 70 * len(rows), xaxis=dict(
        title="position within the scale's range (per cent of maximum)", range=[0, 100]),
        yaxis=dict(autorange="reversed"))
    keys = [scales_mod.SCALES[c].source for c, _ in rows]
    return captioned(fig, f"{patient['id']} {patient['name']}: totals against published severity bands",
                     "Synthetic patient. Diamond = total score; shaded segments = published bands.", *keys)


def ppv_figure(sensitivity, specificity, source: str, test: str = "screen",
               marks: dict[str, float] | None = None) -> go.Figure:
    """PPV and NPV across prevalence for one screening cut-off; ``marks`` labels chosen prevalences."""
    se = proportion(sensitivity, "sensitivity")
    sp = proportion(specificity, "specificity")
    from ..screening import npv, ppv
    prevalences = [i / 1000 for i in range(1, 1000)]
    x = 100 * np.array(prevalences)  # arrays, not lists: plotly checks a list element by element
    fig = go.Figure()
    fig.add_scatter(x=x, y=100 * np.array([ppv(se, sp, p) for p in prevalences]),
                    name="PPV: positives who have it", mode="lines", line=dict(width=3))
    fig.add_scatter(x=x, y=100 * np.array([npv(se, sp, p) for p in prevalences]),
                    name="NPV: negatives who do not", mode="lines", line=dict(width=3, dash="dash"))
    for label, prev in (marks or {}).items():
        p = proportion(prev, f"prevalence for {label}")
        fig.add_scatter(x=[100 * p], y=[100 * ppv(se, sp, p)], mode="markers+text",
                        text=[f"{label}: PPV {100 * ppv(se, sp, p):.0f}%"],
                        textposition="middle left" if p > 0.1 else "middle right",
                        marker=dict(size=12, color=OKABE_ITO[3]), showlegend=False)
    fig.update_layout(xaxis=dict(title="prevalence in the group screened (%, log scale)", type="log",
                                 range=[-1, 2]),
                      yaxis=dict(title="predictive value (%)", range=[0, 101]), height=480)
    return captioned(fig, f"{test}: how prevalence changes what a positive result means",
                     f"Sensitivity {se:.0%}, specificity {sp:.0%}; predictive values computed by Bayes' rule.",
                     source)
