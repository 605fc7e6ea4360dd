"""Shared widget plumbing: the figure a widget shows, updated in place.

A widget builds its figure with the same pure figure builder a notebook cell uses, then ``redraw``
copies what changed into its ``LiveFigure`` in one ``batch_update()``: one plotly update message
(``Plotly.update``) with only the trace properties and layout fields whose values changed. Traces are
never deleted and re-added (separate messages that quick successive changes interleave, leaving
stale traces on screen); a widget whose figure needs a varying number of traces gives its
``LiveFigure`` enough trace *slots*, and the slots a figure does not use are hidden.
"""

from __future__ import annotations

import json

import ipywidgets as W
import plotly.graph_objects as go
import traitlets

from ..labserver import PLOTLY_WIDGET_URL
from ..theme import alternative_html, figure_name

#: anywidget front end of ``LiveFigure``: imports plotly's widget code from the course's server
#: extension (one cached download, instead of a 5 MB copy inside every figure's widget state, see
#: ``course.labserver``) and names the figure for screen readers (role "figure", ``aria_label``).
_LOADER_ESM = (
    f"const PLOTLY_URL = {json.dumps(PLOTLY_WIDGET_URL)};\n"
    + """
const config = document.getElementById("jupyter-config-data");
const base = (config && JSON.parse(config.textContent).baseUrl) || "/";
const url = new URL(base.replace(/\\/?$/, "/") + PLOTLY_URL, window.location.href).href;

export default async () => {
  let plotly;
  try {
    plotly = (await import(url)).default();
  } catch (error) {
    return { render({ el }) {
      el.textContent = "This figure cannot be drawn: plotly's widget code did not load from " + url + " (" + error
        + "). Open the course with `make lab`, or install the course into the environment that runs JupyterLab.";
    } };
  }
  return {
    initialize: (context) => plotly.initialize(context),
    render(context) {
      const { model, el } = context;
      const name = () => {
        el.setAttribute("role", "figure");
        el.setAttribute("aria-label", model.get("aria_label"));
      };
      name();
      model.on("change:aria_label", name);
      const remove = plotly.render(context);
      return () => { model.off("change:aria_label", name); if (remove) remove(); };
    },
  };
};
"""
)

#: Trace properties a slot keeps whatever it shows.
_OWN = {"type", "uid"}


class LiveFigure(go.FigureWidget):
    """A plotly ``FigureWidget`` with the course's front end (see ``_LOADER_ESM``), an accessible name
    (``aria_label``, kept as the figure's title), a fixed number of trace slots, and its text
    alternative in ``alternative`` (an HTML widget the widget shows under the figure)."""

    _esm = _LOADER_ESM
    aria_label = traitlets.Unicode("").tag(sync=True)
    alternative = traitlets.Instance(W.HTML, allow_none=True)  # not synced: a widget of its own

    def __init__(self, figure: go.Figure, slots: int | None = None):
        slots = len(figure.data) if slots is None else slots
        if slots < len(figure.data):
            raise ValueError(f"{slots} trace slots cannot hold a figure of {len(figure.data)} traces.")
        spare = [go.Scatter(visible=False) for _ in range(slots - len(figure.data))]
        super().__init__(data=list(figure.data) + spare, layout=figure.layout)
        self.alternative = W.HTML(alternative_html(figure))
        self.aria_label = figure_name(figure)

    def redraw(self, figure: go.Figure) -> None:
        """Show ``figure`` instead of what is shown now, in one update message (see the module's docstring)."""
        if len(figure.data) > len(self.data):
            raise ValueError(
                f"This figure has {len(self.data)} trace slots; the new figure needs {len(figure.data)}. "
                "Give the LiveFigure more slots when the widget creates it."
            )
        for slot, trace in zip(self.data, figure.data):
            if slot.type != trace.type:
                raise ValueError(
                    f"Trace slot {slot.type} cannot show a {trace.type} trace; keep trace types in "
                    "the same order in every figure the widget shows."
                )
        with self.batch_update():
            for slot, trace in zip(self.data, figure.data):
                _assign(slot, trace.to_plotly_json(), _OWN)
            for slot in self.data[len(figure.data) :]:
                slot.visible = False  # a hidden trace is not drawn; its data stay until the slot is used again
            _assign(self.layout, figure.layout.to_plotly_json(), {"template"})
        self.aria_label = figure_name(figure)
        self.alternative.value = alternative_html(figure)

    def get_state(self, key=None, drop_defaults=False):
        """The widget's state as ipywidgets sends it to a new view (a reopened or reloaded notebook, a
        second view of the figure): with the figure as it is now. Plotly sends updates as messages and
        leaves ``_widget_data`` and ``_widget_layout`` as they were when the figure was made, so a later
        view would start from that first figure while the controls show their current values."""
        state = super().get_state(key, drop_defaults)
        for name, now in (("_widget_data", "_data"), ("_widget_layout", "_layout")):
            if name in state and hasattr(self, now):  # (not yet while plotly builds the figure)
                state[name] = self.trait_metadata(name, "to_json", self._trait_to_json)(getattr(self, now), self)
        return state


def _assign(target, new: dict, keep: set[str]) -> None:
    """Set every top-level property of ``target`` to its value in ``new`` (unset when absent); plotly
    sends only the ones whose values differ."""
    for key in (set(target.to_plotly_json()) | set(new)) - keep:
        target[key] = new.get(key)
