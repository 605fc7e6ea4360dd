"""The data card's and the README's tables are made from the data: a committed table that differs fails."""

import pytest

from course.authoring.generated import SECTION, SECTIONS, documents, render
from course.data.syllabus import modules


@pytest.mark.parametrize("path", documents(), ids=lambda p: p.name)
def test_generated_sections_are_current(path):
    text = path.read_text(encoding="utf-8")
    assert SECTION.search(text), f"{path.name} has no generated section"
    assert render(text, path.name) == text, f"{path.name}: a generated table is out of date: run `course build`."


def test_every_section_is_used_and_an_unknown_one_is_named():
    used = {m.group("name") for path in documents() for m in SECTION.finditer(path.read_text(encoding="utf-8"))}
    assert used == set(SECTIONS)
    with pytest.raises(ValueError, match="README.md: unknown generated section 'nope'"):
        render("<!-- generated: nope -->\n<!-- end: nope -->", "README.md")


def test_a_hand_edit_inside_a_generated_table_is_undone():
    path = next(p for p in documents() if p.name == "README.md")
    text = path.read_text(encoding="utf-8")
    minutes = f"~{modules()[0].minutes} min"  # the first module's time, whatever the syllabus says it is
    edited = text.replace(minutes, "~1 min", 1)
    assert edited != text and render(edited, "README.md") == text
