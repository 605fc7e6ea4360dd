"""The course's plotly template and captions.

One look for every figure: the Okabe-Ito colour-blind-safe palette, a title, and a caption under
the plot that names its source keys (also kept in ``fig.layout.meta`` so tests can check it).
"""
from __future__ import annotations

import textwrap

import plotly.graph_objects as go
import plotly.io as pio

from ..evidence import cite

#: Okabe & Ito's palette, distinguishable with the common colour-vision deficiencies.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
#: Sequential shades for severity bands (light to dark blue, then vermillion for the top band).
BAND_SHADES = ("#DCEAF5", "#A9CCE8", "#5DA3D5", "#0072B2", "#D55E00")

_KAP = go.layout.Template(layout=go.Layout(
    font=dict(family="Arial, Helvetica, sans-serif", size=14, color="#222"),
    colorway=list(OKABE_ITO),
    paper_bgcolor="white", plot_bgcolor="white",
    xaxis=dict(showgrid=True, gridcolor="#E5E5E5", zeroline=False, linecolor="#888", ticks="outside"),
    yaxis=dict(showgrid=True, gridcolor="#E5E5E5", zeroline=False, linecolor="#888", ticks="outside"),
    title=dict(x=0.0, xanchor="left", font=dict(size=17)),
    legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0.0),
    margin=dict(l=70, r=30, t=90, b=140),
))
# Merged with plotly's own template once, here: a "plotly+kap" default would be merged again for every
# figure made, which costs a widget tens of milliseconds per update.
pio.templates["kap"] = pio.templates.merge_templates("plotly", _KAP)
pio.templates.default = "kap"
# Figures go to the front end as plotly JSON (JupyterLab draws them with its plotly extension), never
# with plotly.js embedded in the notebook, whatever plotly guesses about the front end.
pio.renderers.default = "plotly_mimetype"


#: Characters per caption line, so a long caption wraps under the plot instead of running off it.
CAPTION_WIDTH = 125


def captioned(fig: go.Figure, title: str, caption: str, *keys: str) -> go.Figure:
    """Give a figure its title and a caption line ending in its sources (keys must resolve)."""
    sources = cite(*keys) if keys else "synthetic course data"
    text = f"{caption}<br>Source: {sources}" if caption else f"Source: {sources}"
    lines = [wrapped for line in text.split("<br>") for wrapped in textwrap.wrap(line, CAPTION_WIDTH)]
    fig.update_layout(title_text=title, meta={"sources": list(keys), "caption": text},
                      margin=dict(b=90 + 17 * len(lines)))
    # Anchored in pixels below the plot area, so it clears the x-axis title whatever the figure's height.
    fig.add_annotation(text="<br>".join(lines), xref="paper", yref="paper", x=0, y=0, yshift=-62, xanchor="left",
                       yanchor="top", showarrow=False, align="left", font=dict(size=12, color="#444"))
    return fig


def message_figure(title: str, message: str) -> go.Figure:
    """A figure with no data, only a title and a message where the plot would be (for a widget whose
    current choice cannot be drawn)."""
    fig = go.Figure(layout=dict(title_text=title, height=300, xaxis=dict(visible=False), yaxis=dict(visible=False),
                                meta={"sources": [], "caption": message}))
    fig.add_annotation(text=message, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False,
                       font=dict(size=14, color="#444"))
    return fig
