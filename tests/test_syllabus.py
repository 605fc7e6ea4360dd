"""The objectives map: every graded item has an objective, every objective a graded item; `course syllabus`."""

import csv
import io

from course.authoring import syllabus_map
from course.cli import main
from course.data.syllabus import objectives, teaching_modules


def test_every_objective_has_a_graded_item_and_every_item_an_objective():
    assert syllabus_map.unassessed() == []
    rows = syllabus_map.rows()
    assert rows and all(r["objective"] in objectives() for r in rows)
    assert {r["module"] for r in rows} == {m.id for m in teaching_modules()}


def test_course_syllabus_prints_and_writes_the_map(tmp_path, capsys):
    assert main(["syllabus"]) == 0
    text = capsys.readouterr().out
    assert "Pass mark: 70%" in text and "NOT ASSESSED" not in text
    assert main(["syllabus", "--csv", str(tmp_path / "map.csv"), "--html", str(tmp_path / "map.html")]) == 0
    table = list(csv.DictReader(io.StringIO((tmp_path / "map.csv").read_text())))
    assert {"objective", "item", "kind", "points", "module", "minutes"} <= set(table[0])
    assert "<table>" in (tmp_path / "map.html").read_text()
