"""Thin ipywidgets front ends: each wires controls to a pure function and a figure builder.

No widget writes into an ``Output`` widget (that stalls headless grading, see BROWSER.md): text
goes into ``HTML`` widgets and figures are plotly ``FigureWidget``s updated in place.
"""
from .assessment import patient_summary_html, ppv_explorer, vignette_explorer
from .dosing import dose_framework_explorer, framework_summary_html, monitoring_replay
from .integration import plan_builder
from .cases import CaseWidget, case_player, case_record
from .charts import patient_chart
from .outcomes import outcome_explorer

__all__ = ["dose_framework_explorer", "framework_summary_html", "monitoring_replay", "patient_summary_html", "plan_builder", "ppv_explorer", "vignette_explorer", "CaseWidget", "case_player", "case_record", "outcome_explorer", "patient_chart"]
