"""Thin ipywidgets front ends: each wires controls to a pure function and a figure builder.

No widget writes into an ``Output`` widget (that stalls headless grading, see BROWSER.md): text
goes into ``HTML`` widgets and figures are plotly ``FigureWidget``s updated in place.
"""
from .assessment import patient_summary_html, ppv_explorer, vignette_explorer
from .integration import plan_builder

__all__ = ["patient_summary_html", "plan_builder", "ppv_explorer", "vignette_explorer"]
