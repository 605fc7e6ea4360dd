"""The course's plotly template and captions.

One look for every figure: the Okabe-Ito colour-blind-safe palette, a title, and a caption under
the plot that names its source keys (also kept in ``fig.layout.meta`` so tests can check it).
"""

from __future__ import annotations

import html
import re
import textwrap

import plotly.graph_objects as go
import plotly.io as pio

from .data.references import cite

#: Okabe & Ito's palette, distinguishable with the common colour-vision deficiencies.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
#: Sequential shades for severity bands (light to dark blue, then vermillion for the top band).
BAND_SHADES = ("#DCEAF5", "#A9CCE8", "#5DA3D5", "#0072B2", "#D55E00")

_KAP = go.layout.Template(
    layout=go.Layout(
        font=dict(family="Arial, Helvetica, sans-serif", size=14, color="#222"),
        colorway=list(OKABE_ITO),
        paper_bgcolor="white",
        plot_bgcolor="white",
        xaxis=dict(showgrid=True, gridcolor="#E5E5E5", zeroline=False, linecolor="#888", ticks="outside"),
        yaxis=dict(showgrid=True, gridcolor="#E5E5E5", zeroline=False, linecolor="#888", ticks="outside"),
        title=dict(x=0.0, xanchor="left", font=dict(size=17)),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0.0),
        margin=dict(l=70, r=30, t=90, b=140),
    )
)
# Merged with plotly's own template once, here: a "plotly+kap" default would be merged again for every
# figure made, which costs a widget tens of milliseconds per update.
pio.templates["kap"] = pio.templates.merge_templates("plotly", _KAP)
pio.templates.default = "kap"
# Figures go to the front end as plotly JSON (JupyterLab draws them with its plotly extension), never
# with plotly.js embedded in the notebook, whatever plotly guesses about the front end.
pio.renderers.default = "plotly_mimetype"


#: Characters per caption line, so a long caption wraps under the plot instead of running off it
#: (the caption starts at the plot's left edge; a notebook output is about 900 pixels wide).
CAPTION_WIDTH = 90
#: Characters per title line.
TITLE_WIDTH = 80


class CourseFigure(go.Figure):
    """A course figure: shown in a notebook as the plotly figure followed by its text alternative
    (``alternative_html``: the figure's name, a one-paragraph summary and, where a reader would want the
    numbers, a small table), so a screen-reader user and a reader of an exported notebook get what the
    figure shows. The alternative lives in ``layout.meta["alt"]`` (see ``describe``)."""

    def _ipython_display_(self):
        # IPython only when a figure is shown in a notebook
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)
        display({"text/html": alternative_html(self), "text/plain": alternative_text(self)}, raw=True)


def describe(fig: go.Figure, summary: str, columns=(), rows=()) -> go.Figure:
    """Give a figure its text alternative: a summary paragraph and, optionally, a table (column names
    and rows of values, shown as text)."""
    if not summary:
        raise ValueError("A figure's text alternative needs a summary of what the figure shows.")
    rows = [[_cell(v) for v in row] for row in rows]
    if any(len(row) != len(columns) for row in rows):
        raise ValueError(f"Every row of the text alternative's table needs {len(columns)} values.")
    fig.layout.meta = {**(fig.layout.meta or {}), "alt": {"summary": summary, "columns": list(columns), "rows": rows}}
    return fig


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def figure_name(fig: go.Figure) -> str:
    """The figure's accessible name: its title as plain text."""
    return "Figure: " + _plain(fig.layout.title.text or "untitled")


def _plain(text: str) -> str:
    return re.sub(r"<[^>]+>", " ", text).replace("  ", " ").strip()


def _alt(fig: go.Figure) -> dict:
    alt = (fig.layout.meta or {}).get("alt")
    if not alt:
        raise ValueError(f"{figure_name(fig)} has no text alternative: give it one with describe(fig, ...).")
    return alt


def alternative_html(fig: go.Figure) -> str:
    """The text alternative as HTML: the figure's name and summary, then the table of numbers."""
    alt, e = _alt(fig), html.escape
    caption = (fig.layout.meta or {}).get("caption", "")
    parts = [
        f"<p><strong>{e(figure_name(fig))}.</strong> {e(alt['summary'])}"
        + (f" <em>{e(_plain(caption))}</em>" if caption else "")
        + "</p>"
    ]
    if alt["columns"]:
        head = "".join(f'<th scope="col">{e(c)}</th>' for c in alt["columns"])
        body = "".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>" for row in alt["rows"])
        parts.append(
            f"<table><caption>{e(figure_name(fig))}: the numbers</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
    return f'<div class="kap-figure-alternative">{"".join(parts)}</div>'


def alternative_text(fig: go.Figure) -> str:
    """The text alternative as plain text (for text-only outputs and exports)."""
    alt = _alt(fig)
    lines = [f"{figure_name(fig)}. {alt['summary']}"]
    lines += ["; ".join(f"{c}: {v}" for c, v in zip(alt["columns"], row)) for row in alt["rows"]]
    return "\n".join(lines)


def captioned(fig: go.Figure, title: str, caption: str, *keys: str) -> go.Figure:
    """Give a figure its title and a caption line ending in its sources (keys must resolve)."""
    sources = cite(*keys) if keys else "synthetic course data"
    text = f"{caption}<br>Source: {sources}" if caption else f"Source: {sources}"
    lines = [wrapped for line in text.split("<br>") for wrapped in textwrap.wrap(line, CAPTION_WIDTH)]
    fig.update_layout(
        title_text="<br>".join(textwrap.wrap(title, TITLE_WIDTH)),
        meta={**(fig.layout.meta or {}), "sources": list(keys), "caption": text},
        margin=dict(b=90 + 17 * len(lines)),
    )
    # Anchored in pixels below the plot area, so it clears the x-axis title whatever the figure's height.
    fig.add_annotation(
        text="<br>".join(lines),
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-62,
        xanchor="left",
        yanchor="top",
        showarrow=False,
        align="left",
        font=dict(size=12, color="#444"),
    )
    return fig


def message_figure(title: str, message: str) -> CourseFigure:
    """A figure with no data, only a title and a message where the plot would be (for a widget whose
    current choice cannot be drawn)."""
    fig = CourseFigure(layout=dict(title_text=title, height=300, xaxis=dict(visible=False), yaxis=dict(visible=False)))
    fig.add_annotation(
        text=message, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False, font=dict(size=14, color="#444")
    )
    fig.layout.meta = {"sources": [], "caption": "Source: none (nothing is drawn)"}
    fig.add_annotation(
        text="Source: none (nothing is drawn)",
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-20,
        xanchor="left",
        yanchor="top",
        showarrow=False,
        font=dict(size=12, color="#444"),
    )
    return describe(fig, f"Nothing is drawn: {message}", ["drawn"], [["nothing"]])


class Table:
    """A table for a notebook: a semantic HTML table (caption, column headers, text that wraps to the
    output's width, so nothing is cut and nothing scrolls sideways) and the same rows as plain text."""

    def __init__(self, caption: str, columns, rows, widths=None):
        self.caption, self.columns = caption, list(columns)
        self.rows = [[_cell(v) for v in row] for row in rows]
        self.widths = list(widths) if widths else None
        if any(len(row) != len(self.columns) for row in self.rows):
            raise ValueError(f"Every row of the table needs {len(self.columns)} values.")

    def _repr_html_(self) -> str:
        e = html.escape
        cols = "".join(f'<col style="width: {w}%">' for w in self.widths) if self.widths else ""
        head = "".join(f'<th scope="col" style="text-align: left">{e(c)}</th>' for c in self.columns)
        body = "".join(
            "<tr>"
            + "".join(
                f'<td style="text-align: left; white-space: normal; vertical-align: top">{e(v)}</td>' for v in row
            )
            + "</tr>"
            for row in self.rows
        )
        return (
            f'<table class="kap-table" style="table-layout: fixed; width: 100%">'
            f"<caption>{e(self.caption)}</caption><colgroup>{cols}</colgroup>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )

    def __repr__(self) -> str:
        return "\n".join(
            [self.caption] + ["; ".join(f"{c}: {v}" for c, v in zip(self.columns, row)) for row in self.rows]
        )
