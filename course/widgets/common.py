"""Shared widget plumbing."""
from __future__ import annotations

import plotly.graph_objects as go


def replace_figure(target: go.FigureWidget, source: go.Figure) -> None:
    """Swap a FigureWidget's content for a freshly built figure, in one update."""
    with target.batch_update():
        target.data = []
        target.layout = source.layout
        for trace in source.data:
            target.add_trace(trace)
