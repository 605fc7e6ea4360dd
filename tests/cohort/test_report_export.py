"""The dashboard, the CSV exports and the certificates, on a small graded cohort; item analysis maths."""

import csv
import io
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.cohort.export import CANVAS_FIXED, canvas_csv, export, grades_csv
from course.cohort.report import write_report
from course.cohort.results import ROW_COLUMNS, cohort_table, collect_data, item_table, needs_help

from .conftest import ANA_WRITTEN, AUTO_POINTS, BEN_WRITTEN, CHECKS, MAX_POINTS, MODULE, checks_of

ANA = AUTO_POINTS + sum(ANA_WRITTEN.values())  # full autograded marks, written answers graded
BEN = AUTO_POINTS - CHECKS["q1-check"] + sum(BEN_WRITTEN.values())  # question 1's hidden tests failed


@pytest.fixture(scope="module")
def data(graded_cohort):
    return collect_data(graded_cohort)


def test_cohort_table_reads_statuses_and_scores(data):
    table = data.table.set_index("trainee")
    assert table.loc["ana", "status"] == "graded" and table.loc["ana", "score"] == ANA  # written answers graded
    assert table.loc["ben", "score"] == BEN and table.loc["ben", "passed"] and BEN >= 0.7 * MAX_POINTS
    assert table.loc["cai", "score"] == 0 and table.loc["cai", "complete"] and not table.loc["cai", "passed"]
    assert table.loc["dee", "status"] == "needs-manual-grading" and table.loc["dee", "pending_manual"]
    assert table.loc["eli", "status"] == "missing" and math.isnan(table.loc["eli", "score"])
    assert table.loc["fay", "status"] == "corrupt-notebook" and math.isnan(table.loc["fay", "score"])


def test_needs_help_names_every_trainee_in_trouble_and_why(data):
    help_ = needs_help(data.table).set_index("trainee")["reasons"].to_dict()
    assert set(help_) == {"cai", "eli", "fay"}
    assert "below the pass mark" in help_["cai"] and "not submitted" in help_["eli"] and "corrupt" in help_["fay"]


def test_item_analysis_of_the_graded_cells(data):
    items = item_table(data.items).set_index("item")
    # q1: ana and dee answered correctly, ben failed the hidden tests, cai did not answer.
    assert items.loc["q1-check", "difficulty"] == 0.5 and items.loc["q1-check", "trainees"] == 4
    assert items.loc[checks_of("q4-answer")[0], "difficulty"] == 0.5  # ana and ben
    assert -1 <= items.loc["q1-check", "discrimination"] <= 1
    assert items.loc["m1-answer", "trainees"] == 3, "written answers still waiting for a grader are left out"


def test_report_is_one_self_contained_page(graded_cohort, data):
    page = write_report(graded_cohort, data).read_text()
    assert page.count("* plotly.js v") == 1, "plotly.js inlined exactly once"
    assert "<script src=" not in page, "nothing is loaded from elsewhere"
    assert page.count('class="plotly-graph-div"') == 4
    for text in (
        "Completion per module",
        "Score distributions",
        "Item analysis",
        "Trainees who may need help",
        "corrupt notebook",
        "fay",
        "q1-check",
    ):
        assert text in page


def test_grades_csv_has_a_row_per_trainee_and_module_with_status(data):
    rows = list(csv.DictReader(io.StringIO(grades_csv(data))))
    assert [(r["trainee"], r["status"]) for r in rows] == [
        ("ana", "graded"),
        ("ben", "graded"),
        ("cai", "graded"),
        ("dee", "needs-manual-grading"),
        ("eli", "missing"),
        ("fay", "corrupt-notebook"),
    ]
    assert rows[0]["score"] == f"{ANA:g}" and rows[4]["score"] == "" and rows[5]["detail"]


def test_canvas_csv_follows_the_gradebook_import_format(data):
    rows = list(csv.reader(io.StringIO(canvas_csv(data))))
    assert rows[0] == CANVAS_FIXED + [MODULE]
    assert rows[1] == ["    Points Possible", "", "", "", "", f"{MAX_POINTS:g}"]
    by_id = {r[2]: r for r in rows[2:]}
    assert by_id["ana"][:4] == ["Last0, First0", "", "ana", "ana@example.org"] and by_id["ana"][5] == f"{ANA:g}"
    assert by_id["cai"][5] == "0"
    assert by_id["dee"][5] == by_id["eli"][5] == by_id["fay"][5] == "", "no grade is not a zero"


def test_export_writes_files(graded_cohort, data):
    assert [p.name for p in export(graded_cohort, data)] == ["grades.csv", "canvas.csv"]


def _items(matrix, points):
    return pd.DataFrame(
        [
            dict(trainee=f"t{i}", module="m", item=f"i{j}", score=float(s), points=float(points[j]), pending=False)
            for i, row in enumerate(matrix)
            for j, s in enumerate(row)
        ]
    )


def test_item_analysis_on_a_known_matrix():
    # Item 0 separates strong from weak trainees perfectly; item 1 is answered by everyone.
    matrix = [[1, 1, 1], [1, 1, 1], [0, 1, 0], [0, 1, 0]]
    items = item_table(_items(matrix, [1, 1, 1])).set_index("item")
    assert items.loc["i0", "difficulty"] == 0.5 and items.loc["i0", "discrimination"] == 1.0
    assert items.loc["i1", "difficulty"] == 1.0 and math.isnan(items.loc["i1", "discrimination"])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.integers(0, 2), min_size=3, max_size=3), min_size=1, max_size=12))
def test_item_statistics_stay_in_range(matrix):
    items = item_table(_items(matrix, [2, 2, 2]))
    assert items["difficulty"].between(0, 1).all()
    assert items["discrimination"].dropna().between(-1, 1).all()


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="columns"):
        item_table(pd.DataFrame({"score": [1]}))
    with pytest.raises(ValueError, match="positive"):
        item_table(_items([[1]], [0]))
    with pytest.raises(ValueError, match="pass_fraction"):
        cohort_table(
            pd.DataFrame(columns=ROW_COLUMNS),
            1.5,
        )
