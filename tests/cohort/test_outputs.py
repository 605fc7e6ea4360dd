"""Outputs bounded by size (course/cohort/outputs.py): one line of 50 MB no longer makes a 60 MB graded notebook.

The unit tests cut outputs both ways (small ones untouched, large ones cut with the note) and check that bounding
never changes what nbgrader scores; a real kernel shows the limits hold while it runs; `course cohort grade` grades
a submission that prints one 50 MB line, beside honest ones, end to end.
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from nbgrader.preprocessors import Execute
from nbgrader.utils import determine_grade

from course.cli import main as course
from course.cohort.outputs import (
    LIMITS,
    Limits,
    bound_notebook,
    bound_output,
    bound_outputs,
    bounded,
    cut_sizes,
    cut_text,
    human,
)
from course.cohort.statuses import records

from .conftest import MODULE, NOTEBOOK, SOURCE, correct, new_cohort, snapshot, submit, unanswered

SMALL = Limits(text=1_000, data=2_000, cell=5_000, notebook=12_000)


def _stream(text, name="stdout"):
    return nbformat.v4.new_output("stream", name=name, text=text)


def _error(message="boom", lines=3):
    return nbformat.v4.new_output(
        "error", ename="ValueError", evalue=message, traceback=[f"line {i}: {message}" for i in range(lines)]
    )


def _display(data, kind="display_data"):
    if kind == "execute_result":
        return nbformat.v4.new_output(kind, data=data, execution_count=1)
    return nbformat.v4.new_output(kind, data=data)


def _json_size(outputs) -> int:
    return len(json.dumps(outputs))


# -- one text -----------------------------------------------------------------------------------------------


def test_a_short_text_is_left_alone():
    assert cut_text("hello\n" * 10, 1_000) == ("hello\n" * 10, 0)


def test_a_huge_line_keeps_its_beginning_and_ends_with_a_plain_note():
    text, cut = cut_text("x" * 5_000_000, 1_000)
    assert len(text) <= 1_000 and text.startswith("x" * 900)
    assert text.rstrip().endswith("[output truncated: 5.0 MB cut]") and 4_999_000 <= cut <= 5_000_000
    assert abs(cut_sizes(text) - cut) <= 50_000, "the note rounds to 0.1 MB"


def test_cutting_twice_changes_nothing_and_joined_cuts_add_up():
    once, _ = cut_text("y" * 3_000_000, 1_000)
    assert cut_text(once, 1_000) == (once, 0)
    outputs, _ = bound_outputs([_stream(once), _stream(once)], SMALL)
    assert len(outputs) == 1 and len(outputs[0].text) <= SMALL.text
    assert abs(cut_sizes(outputs[0].text) - 6_000_000) < 5_000, "one note counting both cuts"


def test_sizes_read_as_people_read_them():
    assert [human(n) for n in (80, 12_345, 49_900_000)] == ["80 bytes", "12 kB", "49.9 MB"]


# -- one output ---------------------------------------------------------------------------------------------


def test_an_error_with_a_huge_message_and_traceback_is_cut_but_stays_an_error():
    error = _error("z" * 2_000_000, lines=50)
    cut = bound_output(error, SMALL)
    assert error.output_type == "error" and error.ename == "ValueError"
    assert len(error.evalue) <= SMALL.text and sum(map(len, error.traceback)) <= SMALL.text + 100
    assert "output truncated" in error.traceback[-1] and cut > 2_000_000 * 40


def test_pictures_and_figures_within_the_limit_stay_and_larger_ones_become_the_note():
    small = _display({"image/png": "A" * 1_500, "text/plain": "<Figure>"})
    large = _display({"image/png": "A" * 50_000, "text/plain": "<Figure>"})
    figure = _display({"application/vnd.plotly.v1+json": {"data": [{"y": list(range(5_000))}]}, "text/plain": "fig"})
    html = _display({"text/html": "<table>" + "<tr><td>1</td></tr>" * 1_000, "text/plain": "table"})
    assert bound_output(small, SMALL) == 0 and set(small.data) == {"image/png", "text/plain"}
    for output in (large, figure, html):
        assert bound_output(output, SMALL) > 0
        assert set(output.data) == {"text/plain"} and "output truncated" in output.data["text/plain"]


def test_a_cell_keeps_its_budget_and_says_what_it_dropped():
    outputs, used = bound_outputs([_display({"text/plain": "p" * 900}) for _ in range(20)], SMALL)
    assert used <= SMALL.cell and len(outputs) < 20
    assert "output truncated" in outputs[-1].data["text/plain"] and outputs[-1].output_type == "display_data"
    few, _ = bound_outputs([_display({"text/plain": "p" * 900}) for _ in range(3)], SMALL)
    assert len(few) == 3 and not any("truncated" in json.dumps(o) for o in few)


def test_the_notebook_keeps_its_budget_and_drops_saved_widget_state():
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x", outputs=[_stream("s" * 900) for _ in range(5)]) for _ in range(6)]
    )
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {"a": "w" * 10_000}}}
    cut = bound_notebook(nb, SMALL)
    assert "widgets" not in nb.metadata
    assert _json_size([o for c in nb.cells for o in c.outputs]) <= SMALL.notebook + 6 * 200
    assert cut and cut[0][0] == "cell 1" or cut[0][0].startswith("cell ")
    again = json.dumps(nb)
    bound_notebook(nb, SMALL)
    assert json.dumps(nb) == again, "bounding twice changes nothing"


def _test_cell(outputs):
    meta = {
        "nbgrader": {
            "grade": True,
            "solution": False,
            "locked": True,
            "grade_id": "t",
            "points": 2,
            "schema_version": 3,
        }
    }
    return nbformat.v4.new_code_cell("check()", metadata=meta, outputs=outputs)


@pytest.mark.parametrize(
    "outputs",
    [
        [_stream("ok " * 10)],
        [_stream("o" * 50_000), _stream("k" * 50_000)],
        [_error("wrong answer: " + "w" * 50_000)],
        [_stream("p" * 900) for _ in range(30)] + [_error()],
        [_stream("p" * 900) for _ in range(30)] + [_stream("warning " * 1_000, "stderr")],
        [_stream("e" * 3_000, "stderr")] + [_stream("p" * 900) for _ in range(30)],
        [_display({"text/plain": "1.5"}, "execute_result")],
        [_display({"image/png": "A" * 50_000}) for _ in range(3)] + [_display({"text/plain": "0.5"}, "execute_result")],
    ],
    ids=[
        "passes",
        "long-pass",
        "long-error",
        "error-after-flood",
        "stderr-after-flood",
        "stderr-first",
        "partial",
        "partial-after-pictures",
    ],
)
def test_bounding_never_changes_what_nbgrader_scores(outputs):
    cell = _test_cell(outputs)
    before = determine_grade(cell)
    cell.outputs, _ = bound_outputs(json.loads(json.dumps(cell.outputs), object_hook=nbformat.NotebookNode), SMALL)
    assert determine_grade(cell) == before
    assert _json_size(cell.outputs) < SMALL.cell + SMALL.text + 500


# -- while a real kernel runs -------------------------------------------------------------------------------


def _run(cells, timeout=60):
    client = bounded(Execute)(timeout=timeout)
    client.store_widget_state = False
    client.kap_reset()
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(c) for c in cells],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nb, _ = client.preprocess(nb, {"metadata": {"path": "."}})
    return nb, client


def test_while_a_kernel_runs_a_flood_is_counted_not_stored_and_plain_cells_are_untouched():
    nb, client = _run(["for i in range(400):\n    print(i, 'x' * 50_000, flush=True)", "print('a line')\n1 + 1"])
    flood, plain = nb.cells
    assert _json_size(flood.outputs) <= LIMITS.cell + LIMITS.text
    assert client.kap_dropped.get(0, 0) > 10_000_000, "about 20 MB printed, most never stored"
    assert plain.outputs[0].text == "a line\n" and plain.outputs[1].data["text/plain"] == "2"
    assert 1 not in client.kap_dropped


# -- end to end: `course cohort grade` -----------------------------------------------------------------------


def _first_answer_cell(nb):
    return next(c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution"))


def _autograded_points():
    return sum(
        c.metadata["nbgrader"]["points"]
        for c in SOURCE.cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")
    )


def test_a_submission_printing_one_50_mb_line_is_graded_into_a_small_notebook(cohort_home, capsys):
    ws = new_cohort(cohort_home, "flood", ["ana", "bob", "flo"])
    submit(ws, "ana", correct(ws))
    submit(ws, "bob", unanswered(ws))
    flood = correct(ws)
    _first_answer_cell(flood).source += "\nprint('x' * 50_000_000)\n"
    original = submit(ws, "flo", flood)
    before = snapshot(original)
    assert (original / NOTEBOOK).stat().st_size < 200_000

    code = course(["cohort", "grade", "flood", MODULE, "--home", str(cohort_home), "--workers", "2"])
    out = capsys.readouterr().out
    assert code == 3, out  # graded, but one submission needs a look
    assert re.search(r"output truncated +1\n", out) and re.search(r"flo: output truncated - .*49\.9 MB cut", out)

    graded = ws.course / "autograded" / "flo" / MODULE / NOTEBOOK
    assert graded.stat().st_size < 1_000_000
    assert snapshot(original) == before, "the submission in submitted/ is byte-identical"
    done = records(ws, MODULE)
    assert done["flo"].status == "output-truncated"
    assert done["ana"].status == "needs-manual-grading"  # its written answers wait for formgrader
    assert done["bob"].status == "graded"  # nothing written: nbgrader scores the untouched written answers 0
    assert done["ana"].score == done["flo"].score == _autograded_points() and done["bob"].score == 0
    cell = _first_answer_cell(nbformat.read(graded, as_version=4))
    assert "[output truncated: 49.9 MB cut]" in "".join(o.get("text", "") for o in cell.outputs)

    assert course(["cohort", "report", "flood", "--home", str(cohort_home)]) == 0
    assert course(["cohort", "export", "flood", "--home", str(cohort_home)]) == 0
    assert "output truncated" in (ws.path / "reports" / "report.html").read_text()
    rows = (ws.path / "exports" / "grades.csv").read_text().splitlines()
    assert any(r.startswith("flo,") and ",output-truncated,output truncated," in r for r in rows)
