"""Time each trainee spent on a module, from the notebook's own cell timing, for credit-hour claims.

JupyterLab records, when the course's settings turn it on (``recordTiming``), when each cell started and finished in
the cell's metadata (``execution``: ``iopub.execute_input``, ``shell.execute_reply``). The submitted notebook keeps the
timing of the trainee's last run of each cell. **Method**: sort the trainee's cell timestamps; the time on task is
the sum of the gaps between consecutive timestamps, each gap capped at ``IDLE_CAP_MINUTES`` (a longer pause counts as
that much: reading, thinking, or a break we cannot tell apart). Cells run again overwrite their timing, so the figure is
a lower bound of the time spent; it is reported with its method, never as a measured attendance.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

IDLE_CAP_MINUTES = 10
TIMING_KEYS = ("iopub.execute_input", "iopub.status.busy", "shell.execute_reply", "iopub.status.idle")
METHOD = (
    f"Time on task from JupyterLab's cell timing in the submitted notebook: the gaps between consecutive cell "
    f"timestamps, each capped at {IDLE_CAP_MINUTES} minutes. A lower bound (re-run cells keep only their last "
    "timing); notebooks without timing give no figure."
)


def timestamps(notebook: dict) -> list[datetime]:
    found = []
    for cell in notebook.get("cells", []):
        execution = cell.get("metadata", {}).get("execution", {})
        for key in TIMING_KEYS:
            value = execution.get(key)
            if isinstance(value, str):
                try:
                    found.append(datetime.fromisoformat(value.replace("Z", "+00:00")))
                except ValueError:
                    continue
    return sorted(found)


def minutes_on_task(notebook: dict, cap: float = IDLE_CAP_MINUTES) -> float | None:
    """Minutes on task by the method above, or None when the notebook carries no timing."""
    stamps = timestamps(notebook)
    if len(stamps) < 2:
        return None
    gaps = ((b - a).total_seconds() / 60 for a, b in zip(stamps, stamps[1:]))
    return round(sum(min(gap, cap) for gap in gaps), 1)


def submitted_minutes(course: Path, module_id: str) -> dict[str, float | None]:
    """Minutes on task per trainee for a module, read from ``submitted/ID/MODULE/*.ipynb``."""
    import nbformat  # start-up cost: only the report reads notebooks

    result = {}
    for folder in sorted(Path(course, "submitted").glob(f"*/{module_id}")):
        total = None
        for path in sorted(folder.glob("*.ipynb")):
            try:
                minutes = minutes_on_task(nbformat.read(path, as_version=4))
            except Exception:  # an unreadable notebook has its own grading status; here it just has no time
                minutes = None
            if minutes is not None:
                total = (total or 0) + minutes
        result[folder.parent.name] = total
    return result
