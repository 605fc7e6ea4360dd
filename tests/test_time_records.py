"""Time on task from the notebook's own cell timing, with its method stated."""

import nbformat

from course.cohort.time_records import IDLE_CAP_MINUTES, METHOD, minutes_on_task, submitted_minutes


def _timed(*starts):
    nb = nbformat.v4.new_notebook()
    for start in starts:
        cell = nbformat.v4.new_code_cell("x = 1")
        cell.metadata["execution"] = {
            "iopub.execute_input": start,
            "shell.execute_reply": start.replace(":00Z", ":02Z"),
        }
        nb.cells.append(cell)
    return nb


def test_gaps_are_summed_and_long_pauses_capped():
    nb = _timed("2030-01-01T10:00:00Z", "2030-01-01T10:05:00Z", "2030-01-01T12:00:00Z")
    # 10:00:00 -> 10:00:02 -> 10:05:00 -> 10:05:02 -> 12:00:00 (capped) -> 12:00:02
    assert minutes_on_task(nb) == round((2 + 298 + 2 + 2) / 60 + IDLE_CAP_MINUTES, 1)
    assert "capped" in METHOD


def test_a_notebook_without_timing_gives_no_figure(tmp_path):
    assert minutes_on_task(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x")])) is None
    folder = tmp_path / "submitted" / "ana" / "01-assessment"
    folder.mkdir(parents=True)
    nbformat.write(_timed("2030-01-01T10:00:00Z", "2030-01-01T10:03:00Z"), folder / "assessment.ipynb")
    (tmp_path / "submitted" / "ben" / "01-assessment").mkdir(parents=True)
    assert submitted_minutes(tmp_path, "01-assessment") == {"ana": 3.0, "ben": None}
