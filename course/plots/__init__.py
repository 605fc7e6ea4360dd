"""Figure builders, one module per part of the course, sharing one template (see ``theme``).

Every figure has a title and a caption under it that names its source keys (also kept in
``fig.layout.meta`` so tests can check it).
"""

from ..theme import BAND_SHADES, OKABE_ITO, CourseFigure, Table, captioned, describe, message_figure
from .assessment import ppv_figure, severity_figure
from .dosing import (
    bioavailability_figure,
    concentration_figure,
    regimens_table,
    schedules_figure,
    session_vitals_figure,
)
from .integration import plan_timeline_figure
from .outcomes import benchmark_figure, icon_array_figure, rates_figure, relapse_figure, trajectory_figure

__all__ = [
    "BAND_SHADES",
    "OKABE_ITO",
    "CourseFigure",
    "Table",
    "bioavailability_figure",
    "captioned",
    "concentration_figure",
    "describe",
    "message_figure",
    "regimens_table",
    "schedules_figure",
    "session_vitals_figure",
    "plan_timeline_figure",
    "ppv_figure",
    "severity_figure",
    "benchmark_figure",
    "icon_array_figure",
    "rates_figure",
    "relapse_figure",
    "trajectory_figure",
]
