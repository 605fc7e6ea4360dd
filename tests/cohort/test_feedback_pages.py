"""Feedback pages that teach and read offline: after grading (never before, never in the release) they show the
hidden tests' reasons and the lessons' model answers, never hidden-test code; figures are drawn with plotly.js
inlined once, widgets are a short note, maths is MathML with no MathJax from a CDN, outputs are bounded.

Everything the checks look for is worked out here from the lesson (``course.lessons.source_notebook``), not
hard-coded. The page in a real browser with the network blocked: tests/browser/test_feedback_page.py.
"""

from __future__ import annotations

import ast
import html
import re
import textwrap

import nbformat
import pytest
from nbconvert.exporters import HTMLExporter

from course.cohort.exchange import check_result
from course.cohort.feedback import FeedbackExporter, hidden_reasons, mathml, release_feedback
from course.cohort.grading import grade

from .conftest import MODULE, NOTEBOOK, SOURCE, correct, new_cohort, submit, unanswered

NOTEBOOK_ID = NOTEBOOK.rsplit(".", 1)[0]
PLOTLY = "application/vnd.plotly.v1+json"
WIDGET = "application/vnd.jupyter.widget-view+json"


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def _between(source, begin, end):
    lines, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            lines.append(line)
    return "\n".join(lines)


def _words(text):
    return " ".join(text.replace("*", "").split())


WRITTEN = {
    c.metadata["nbgrader"]["grade_id"]: c
    for c in SOURCE.cells
    if c.cell_type == "markdown" and _meta(c).get("grade") and _meta(c).get("solution")
}
MODEL_ANSWERS = {gid: _words(_between(c.source, "BEGIN SOLUTION", "END SOLUTION")) for gid, c in WRITTEN.items()}
HIDDEN = {
    _meta(c)["grade_id"]: _between(c.source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
    for c in SOURCE.cells
    if c.cell_type == "code" and "BEGIN HIDDEN TESTS" in c.source
}


def _expect_messages(code):
    """The plain string messages of the ``expect(condition, "message")`` calls in hidden-test code."""
    tree = ast.parse(textwrap.dedent(code))
    return [
        _words(n.args[1].value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and getattr(n.func, "id", None) == "expect"
        and len(n.args) > 1
        and isinstance(n.args[1], ast.Constant)
        and isinstance(n.args[1].value, str)
    ]


MESSAGES = [m for code in HIDDEN.values() for m in _expect_messages(code)]
HIDDEN_LINES = sorted(
    {line.strip() for code in HIDDEN.values() for line in code.splitlines() if len(line.strip()) >= 8}
)


def _text(page: str) -> str:
    """What a reader sees: tags, scripts and styles dropped, entities decoded, whitespace joined."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _grade_written(ws, student):
    with ws.gradebook() as gb:
        for gid, cell in WRITTEN.items():
            grade = gb.find_grade(gid, NOTEBOOK_ID, MODULE, student)
            grade.manual_score, grade.needs_manual_grade = _meta(cell)["points"], False
        gb.db.commit()


def _own_words(ws, student):
    """The correct answers, with written answers in the trainee's own words (not the model answer)."""
    nb = correct(ws)
    for cell in nb.cells:
        if _meta(cell).get("grade_id") in WRITTEN:
            cell.source = f"{student} writes their own answer here."
    return nb


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """ana answered everything in her own words (written answers graded), bob nothing, dee waits for manual
    grading, flo printed one 50 MB line in an answer (written answers graded)."""
    home = tmp_path_factory.mktemp("pages") / "cohorts"
    ws = new_cohort(home, "pages", ["ana", "bob", "dee", "flo"])
    submit(ws, "ana", _own_words(ws, "ana"))
    submit(ws, "bob", unanswered(ws))
    submit(ws, "dee", _own_words(ws, "dee"))
    flood = _own_words(ws, "flo")
    next(
        c for c in flood.cells if c.cell_type == "code" and _meta(c).get("solution")
    ).source += "\nprint('x' * 50_000_000)\n"
    submit(ws, "flo", flood)
    grade(ws, MODULE, workers=2, progress=False)
    _grade_written(ws, "ana")
    _grade_written(ws, "flo")
    run = release_feedback(ws, MODULE, progress=False)
    found = {p.parent.parent.name: p for p in (ws.course / "feedback").glob(f"*/{MODULE}/*.html")}
    return ws, run, found


def test_pages_are_released_for_fully_graded_trainees_only(pages):
    _, run, found = pages
    assert sorted(run.released) == ["ana", "bob", "flo"] and run.waiting == ["dee"]
    assert sorted(found) == ["ana", "bob", "flo"]


def test_model_answers_and_hidden_test_reasons_reach_trainees_after_grading(pages):
    assert MODEL_ANSWERS and MESSAGES, "module 01 has written answers and hidden tests with messages"
    _, _, found = pages
    for student in ("ana", "bob"):
        text = _text(found[student].read_text(encoding="utf-8"))
        missing = [gid for gid, answer in MODEL_ANSWERS.items() if answer not in text]
        assert not missing, f"{student}: no model answer for {missing}"
        assert [m for m in MESSAGES if m not in text] == [], student
        assert text.count("What the hidden tests check") == sum(
            1 for code in HIDDEN.values() if hidden_reasons(f"### BEGIN HIDDEN TESTS\n{code}\n### END HIDDEN TESTS")
        )


def test_hidden_test_code_never_shows(pages):
    assert len(HIDDEN_LINES) >= 10
    ws, _, found = pages
    for student, page in found.items():
        text = _text(page.read_text(encoding="utf-8"))
        shown = [line for line in HIDDEN_LINES if _words(line) in text]
        assert shown == [], f"{student}'s page shows hidden-test code"
        assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
        assert str(ws.path) not in page.read_text(encoding="utf-8")


def test_no_model_answer_before_grading_nor_in_the_release(pages):
    """Feedback made for a submission still waiting (formgrader's button can make it) has no model answers and no
    reasons; neither has the release trainees fetch."""
    ws, _, _ = pages
    check_result(ws.api().generate_feedback(MODULE, "dee", force=True), "feedback for dee")
    early = _text((ws.course / "feedback" / "dee" / MODULE / f"{NOTEBOOK_ID}.html").read_text(encoding="utf-8"))
    assert "What the hidden tests check" not in early and "kap-model-answer" not in early
    assert not [gid for gid, answer in MODEL_ANSWERS.items() if answer in early]
    assert not [m for m in MESSAGES if m in early]
    release = ws.release_dir(MODULE) / NOTEBOOK
    released = _words(" ".join(c.source for c in nbformat.read(release, as_version=4).cells))
    assert not [gid for gid, answer in MODEL_ANSWERS.items() if answer in released]
    assert not [m for m in MESSAGES if m in released]


def test_figures_are_drawn_with_plotly_js_inlined_once(pages):
    ws, _, found = pages
    graded = nbformat.read(ws.course / "autograded" / "ana" / MODULE / NOTEBOOK, as_version=4)
    figures = sum(PLOTLY in o.get("data", {}) for c in graded.cells for o in c.get("outputs", []))
    assert figures >= 1, "module 01 shows a plotly figure"
    for page in found.values():
        source = page.read_text(encoding="utf-8")
        assert source.count("window.PlotlyConfig") == 1 and len(re.findall(r"\* plotly\.js v\d", source)) == 1
        assert source.count("Plotly.newPlot(") == figures
        assert not re.findall(r"<script[^>]*\bsrc=", source), "nothing loaded from elsewhere"


def test_widgets_are_a_short_note(pages):
    ws, _, found = pages
    graded = nbformat.read(ws.course / "autograded" / "ana" / MODULE / NOTEBOOK, as_version=4)
    widgets = sum(WIDGET in o.get("data", {}) for c in graded.cells for o in c.get("outputs", []))
    assert widgets >= 1, "module 01 shows widgets"
    text = _text(found["ana"].read_text(encoding="utf-8"))
    assert text.count("An interactive explorer: open the notebook in JupyterLab to use it.") == widgets
    assert "VBox(children=" not in text and "Dropdown(" not in text


def test_maths_is_mathml_with_no_mathjax_from_a_cdn(pages):
    formulas = [c.source for c in SOURCE.cells if c.cell_type == "markdown" and "$$" in c.source]
    assert formulas and r"\frac" in formulas[0], "module 01 has the PPV formula"
    _, _, found = pages
    source = found["ana"].read_text(encoding="utf-8")
    text = _text(source)
    assert "<math" in source and "<mfrac>" in source
    assert "$$" not in text and r"\frac" not in text and r"\text{PPV}" not in text
    assert "cdnjs" not in source and "mathjax.js" not in source.lower() and "text/x-mathjax-config" not in source


def test_a_flooded_output_is_bounded_in_the_page_too(pages):
    _, _, found = pages
    assert found["flo"].stat().st_size < found["ana"].stat().st_size + 500_000
    assert "[output truncated: 49.9 MB cut]" in _text(found["flo"].read_text(encoding="utf-8"))


# -- the parts --------------------------------------------------------------------------------------------


def test_maths_that_cannot_be_converted_is_shown_as_code_not_lost():
    assert mathml(r"\frac{a}{b}", "inline").startswith("<math") and "<mfrac>" in mathml(r"\frac{a}{b}", "block")
    broken = mathml(r"\frac{a}{", "block")
    assert broken == r'<code class="tex">\frac{a}{</code>'
    assert mathml("x" * 20_000, "inline").startswith('<code class="tex">')


def test_the_exporter_renders_markdown_maths_and_loads_no_mathjax():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(
                "Inline $a^2$ and display:\n\n$$\\text{PPV} = \\frac{1}{2}$$\n\nand money: 5 dollars"
            )
        ]
    )
    body, _ = FeedbackExporter(template_name="classic").from_notebook_node(nb)
    assert body.count("<math") == 2 and "$$" not in _text(body)
    assert "libs/mathjax" not in body and "text/x-mathjax-config" not in body
    plain, _ = HTMLExporter(template_name="classic").from_notebook_node(nb)  # what nbconvert does by itself
    assert "<math" not in plain and "$$" in _text(plain)
    assert "libs/mathjax" in plain and "text/x-mathjax-config" in plain


def test_reasons_leave_code_and_labels_out():
    code = textwrap.dedent("""\
        x = answered("x")
        ### BEGIN HIDDEN TESTS
        expect(x == secret_value(3), "Count every item, the last one too.")
        judged(x, {"option a b c": "short"}, "x", wrong={"option d e f": f"{x} is wrong: the cut-off is the first"})
        ### END HIDDEN TESTS
        """)
    assert hidden_reasons(code) == ["Count every item, the last one too.", "The cut-off is the first"]
    assert hidden_reasons("expect(x, 'no hidden region here at all')") == []
