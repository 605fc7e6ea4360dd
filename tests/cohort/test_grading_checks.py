"""The checks around nbgrader, as pure functions: cells deleted or edited, run problems, exit codes, preloads."""

import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest

from course import variants
from course.cohort.preparing import cell_findings, locked_imports, variant_findings
from course.cohort.running import configure_worker, execute_notebook
from course.cohort.running import timed_out_or_failed_cells as run_findings
from course.cohort.sandbox import KernelServer
from course.cohort.statuses import STATUSES, Record, describe_exit, worst
from course.lessons import source_notebook
from course.nbcourse import write_config
from course.paths import CHECKOUT as ROOT

from .conftest import MODULE, NOTEBOOK, cell, checks_of

RELEASE = ROOT / "modules" / MODULE / NOTEBOOK


def _release():
    return nbformat.read(RELEASE, as_version=4)


def test_an_untouched_or_answered_release_has_no_cell_findings():
    answered = _release()
    cell(answered, "q1-answer").source = 'gad7_bands = {4: "mild"}'
    cell(answered, "m1-answer").source = "My written answer."
    assert cell_findings(_release(), _release()) == [] and cell_findings(answered, _release()) == []


def test_deleted_and_edited_cells_are_named_with_their_kind():
    nb = _release()
    q2, q3, q4 = (checks_of(answer, nb)[0] for answer in ("q2-answer", "q3-answer", "q4-answer"))
    nb.cells.remove(cell(nb, q3))
    nb.cells.remove(cell(nb, "q5-answer"))
    cell(nb, q2).source = "pass"
    cell(nb, "intro").source += "\nmy note"
    cell(nb, q4).metadata.nbgrader["points"] = "lots"
    assert cell_findings(nb, _release()) == [
        ["cell-deleted", f"{q3} (test), q5-answer (answer)"],
        ["cell-edited", f"intro (locked), {q2} (test), {q4} (test)"],
    ]


def _ran_as(trainee):
    """The release as a trainee's machine ran its setup cell: the cell's output records the variant it used."""
    nb = _release()
    record = variants.for_module(MODULE, trainee).record()._repr_mimebundle_()
    cell(nb, "setup").outputs = [nbformat.v4.new_output("display_data", data=record)]
    return nb


def test_a_recorded_variant_is_compared_with_the_submitting_trainees_own():
    own = variants.variant_number(MODULE, "ana")
    assert own != variants.variant_number(MODULE, "ben")
    assert variant_findings(_release(), MODULE, "ana") == [], "nothing recorded (not run): nothing to compare"
    assert variant_findings(_ran_as("ana"), MODULE, "ana") == []
    [(code, detail)] = variant_findings(_ran_as("ben"), MODULE, "ana")
    assert code == "variant" and "for trainee ben" in detail and f"ana's own variant is {own}" in detail
    [(code, detail)] = variant_findings(_ran_as(""), MODULE, "ana")
    assert code == "variant" and "variant 0" in detail and "without a trainee id" in detail
    forged = _ran_as("ana")
    cell(forged, "setup").outputs[0].data[variants.VARIANT_MIME]["variant"] = str(own)  # not the number itself
    assert variant_findings(forged, MODULE, "ana")[0][0] == "variant"
    broken = _ran_as("ana")
    cell(broken, "setup").outputs[0]["data"] = "not a bundle"
    assert variant_findings(broken, MODULE, "ana") == [], "outputs Jupyter would not write record nothing"


def test_run_findings_read_timeouts_memory_errors_and_cut_output():
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(), nbformat.v4.new_code_cell(), nbformat.v4.new_code_cell()]
    )
    nb.cells[0].metadata["nbgrader"] = {"grade_id": "q1-answer"}
    nb.cells[0].outputs = [nbformat.v4.new_output("error", ename="CellTimeoutError", evalue="", traceback=[])]
    nb.cells[1].outputs = [nbformat.v4.new_output("error", ename="MemoryError", evalue="", traceback=[])]
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n... Output truncated ...")]
    assert run_findings(nb) == [["timed-out", "q1-answer"], ["memory-limit", "cell 2"], ["output-truncated", "cell 3"]]
    assert run_findings(_release()) == []


@pytest.mark.parametrize(
    "code, words",
    [
        (137, "SIGKILL"),
        (152, "the CPU time limit"),
        (134, "memory ran out"),
        (3, "exited with code 3"),
        (None, "stopped answering"),
    ],
)
def test_exit_codes_in_plain_words(code, words):
    assert words in describe_exit(code)


def test_worst_finding_decides_the_status():
    assert worst([], "graded") == "graded"
    assert worst([["extra-files", "a.txt"], ["cell-edited", "setup"]], "needs-manual-grading") == "cell-edited"
    assert list(STATUSES)[-2:] == ["needs-manual-grading", "graded"]
    record = Record("t1", MODULE, "cell-edited", [["cell-edited", "setup (locked)"], ["extra-files", "a.txt"]])
    assert record.detail() == "test or locked cell edited: setup (locked); extra files: a.txt" and record.graded


def test_preloads_come_from_locked_cells_only():
    source = source_notebook(MODULE)
    names = locked_imports([source])
    assert {"course", "course.data.patients", "course.data.references", "course.answer_checks"} <= set(names)
    cell(source, "q1-answer").source = "import antigravity"
    cell(source, "setup").source = "%matplotlib inline\nimport os"
    assert "antigravity" not in locked_imports([source]) and "os" not in locked_imports([source])


def test_a_notebook_over_its_time_limit_is_stopped_and_reported(tmp_path):
    """Cells that each stay under the cell limit but together exceed the notebook limit."""
    write_config(tmp_path, timeout=60)
    notebook = tmp_path / "slow.ipynb"
    nbformat.write(
        nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_code_cell("import time; time.sleep(4)") for _ in range(4)],
            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        ),
        notebook,
    )
    scratch = Path(tempfile.mkdtemp(prefix="kap-worker-test-"))
    logs = Path(tempfile.mkdtemp(prefix="kap-worker-logs-"))
    try:
        with KernelServer(scratch, preload=[]) as server:
            configure_worker(str(tmp_path), server.kernel_command([], "{log}"), 6, str(logs))
            folder = server.kernel_folder("kernel-1")
            result = execute_notebook({"path": str(notebook), "source": None, "answers": {}}, str(folder), None)
            server.remove_kernel_folder(folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(logs, ignore_errors=True)
    assert result["error"] == "stuck" and "notebook time limit (6 s)" in result["detail"]
    assert result["notebook"] is not None, "the run up to the stop is kept for the grader"
