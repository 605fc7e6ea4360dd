"""Exports: every submission as CSV, and a gradebook CSV for an LMS (Canvas's import format).

Only complete grades are exported as numbers: a submission that is missing, could not be graded or still
waits for manual grading has an empty cell (an LMS reads that as "no grade yet", not as 0), and
``grades.csv`` says why in its ``status`` and ``detail`` columns.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from .files import write_atomically
from .results import CohortData, collect_data
from .statuses import STATUSES
from .workspace import Workspace

GRADES_COLUMNS = [
    "trainee",
    "name",
    "email",
    "section",
    "module",
    "status",
    "status_label",
    "score",
    "max_score",
    "percent",
    "complete",
    "passed",
    "detail",
]
CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def grades_csv(data: CohortData) -> str:
    """One row per trainee and released module."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(GRADES_COLUMNS)
    for row in data.table.itertuples():
        writer.writerow(
            [
                row.trainee,
                row.name,
                row.email,
                row.section,
                row.module,
                row.status,
                STATUSES[row.status].label,
                _number(row.score),
                _number(row.max_score),
                _number(row.percent),
                row.complete,
                row.passed,
                row.detail,
            ]
        )
    return out.getvalue()


def canvas_csv(data: CohortData) -> str:
    """Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then one column per
    module, a "Points Possible" row, then one row per trainee ("Last, First"; SIS User ID = roster id,
    SIS Login ID = email; Canvas matches on those, and creates a column it does not know yet)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CANVAS_FIXED + data.modules)
    writer.writerow(["    Points Possible", "", "", "", ""] + [_number(data.max_points[m]) for m in data.modules])
    for trainee, group in data.table.groupby("trainee", sort=False):
        first = group.iloc[0]
        by_module = {r.module: r for r in group.itertuples()}
        writer.writerow(
            [first["sortable_name"], "", trainee, first["email"], first["section"]]
            + [_number(by_module[m].score) if by_module[m].complete else "" for m in data.modules]
        )
    return out.getvalue()


def _number(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{float(value):g}"


def export(ws: Workspace, data: CohortData | None = None) -> list[Path]:
    """Write ``exports/grades.csv`` and ``exports/canvas.csv``; return their paths."""
    data = data or collect_data(ws)
    folder = ws.folder("exports")
    paths = [folder / "grades.csv", folder / "canvas.csv"]
    write_atomically(paths[0], grades_csv(data))
    write_atomically(paths[1], canvas_csv(data))
    return paths
