"""Thin ipywidgets front ends: each wires controls to a pure function and a figure builder.

No widget writes into an ``Output`` widget (that stalls headless grading, see BROWSER.md): text
goes into ``HTML`` widgets; figures are ``LiveFigure``s (``common.py``), updated in place in one message
per change and followed by their text alternative; sliders are ``controls.Slider``s, which a screen
reader names.
"""

from .assessment import patient_summary_html, ppv_explorer, vignette_explorer
from .cases import CaseWidget, case_player, case_record
from .charts import patient_chart
from .dosing import dose_framework_explorer, framework_summary_html, monitoring_replay
from .integration import plan_builder
from .outcomes import outcome_explorer

__all__ = [
    "dose_framework_explorer",
    "framework_summary_html",
    "monitoring_replay",
    "patient_summary_html",
    "plan_builder",
    "ppv_explorer",
    "vignette_explorer",
    "CaseWidget",
    "case_player",
    "case_record",
    "outcome_explorer",
    "patient_chart",
]
