"""Where a cohort went in the cases, read from the records kept in graded notebooks and replayed by the engine."""

import nbformat

from course.cases import XAPI_MIME, best_path
from course.cohort.case_paths import records_in, sankey, summarise
from course.widgets.cases import CaseRecord


def _notebook(*records):
    nb = nbformat.v4.new_notebook()
    for case, letters in records:
        cell = nbformat.v4.new_code_cell("widgets.case_record(...)")
        cell.outputs = [nbformat.v4.new_output("display_data", data=CaseRecord(case, letters)._repr_mimebundle_())]
        nb.cells.append(cell)
    return nb


def test_records_are_read_and_replayed_into_counts():
    best = best_path("capstone-tomasz").letters
    unsafe = ["B", "C", "C", "A", "A", "A", "A"]  # doses at 182/109: a critical error, then ends later
    notebooks = [
        _notebook(("capstone-tomasz", best)),
        _notebook(("capstone-tomasz", unsafe + ["A", "B", "B"])),
        _notebook(("capstone-tomasz", ["Z"])),
    ]  # a path that does not replay is left out
    records = [r for nb in notebooks for r in records_in(nb)]
    assert len(records) == 2  # the unplayable one was not even recorded as a path
    summary = summarise(records + [{"case": "capstone-tomasz", "letters": ["Z"]}])["capstone-tomasz"]
    assert summary.trainees == 2
    assert summary.criticals == {"Dosed with a pre-dose blood pressure of 182/109 mmHg.": 1}
    wrong = summary.wrong_turns()
    assert wrong[0][0] == "The morning of the first session" and wrong[0][2] == 1 and wrong[0][3] == 1
    assert summary.transitions[("intake", "scores")] == 2


def test_a_forged_score_in_a_record_is_ignored():
    nb = _notebook(("panic-lucia", ["B", "A", "A", "C"]))  # propranolol: a poor ending
    nb.cells[0].outputs[0].data[XAPI_MIME]["score"] = 1.0
    nb.cells[0].outputs[0].data[XAPI_MIME]["criticals"] = []
    summary = summarise(records_in(nb))["panic-lucia"]
    assert summary.endings and all("good" not in e for e in summary.endings)


def test_the_sankey_figure_names_its_steps_and_has_a_text_alternative():
    summary = summarise([{"case": "panic-lucia", "letters": best_path("panic-lucia").letters}])["panic-lucia"]
    figure = sankey(summary)
    assert "Reading her scores" in figure.data[0].node.label
    assert "1 trainees" in figure.layout.meta["alt"] or "1 trainee" in figure.layout.meta["alt"]
