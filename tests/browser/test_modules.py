"""Every released module, as a trainee sees it in JupyterLab (Chromium, headless).

One Run All of the unanswered release per module (shared by the tests below, see ``module_run``):
it fails only in its answer and check cells; every widget and every figure renders, with a title
and a source; every control has a label, works from the keyboard and changes what is shown;
Validate reports the release as failing; the browser logs no JavaScript error. With the solutions
typed in, Validate passes. (That the solutions run without error is nbval's job, on solutions/.)
"""

import json

import nbformat
import pytest

from .axe import audit
from .conftest import module_params, typed_in_release
from .lab import (
    CONTROLS,
    INPUT_KINDS,
    PLOTLY,
    WIDGET_STATE,
    WIDGET_VIEW,
    control_label,
    controls,
    figure_count,
    is_answer_or_check,
    marker,
    nbgrader_meta,
    outputs,
    press_to_change,
    release_path,
    unsupported_controls,
)

pytestmark = pytest.mark.parametrize("module", module_params())


def error_outputs(nb):
    return [
        (cell, o)
        for cell in nb.cells
        if cell.cell_type == "code"
        for o in cell.get("outputs", [])
        if o.output_type == "error" or (o.output_type == "stream" and o.name == "stderr")
    ]


def test_module_ends_with_its_marker(module):
    """The browser tests wait for this line; every module must print it from its last code cell."""
    code = [c for c in nbformat.read(release_path(module), as_version=4).cells if c.cell_type == "code"]
    assert marker(module.id) in code[-1].source


def test_unanswered_release_fails_only_in_answer_and_check_cells(module, module_run):
    page = module_run(module)
    saved = page.saved
    not_run = [
        nbgrader_meta(c).get("grade_id") for c in saved.cells if c.cell_type == "code" and c.execution_count is None
    ]
    assert not_run == [], f"cells that did not run: {not_run}"
    errors = error_outputs(saved)
    for cell, output in errors:
        assert is_answer_or_check(cell), f"unexpected error in cell {nbgrader_meta(cell).get('grade_id')}"
        assert output.output_type == "error", output
        assert "not answered" in output.evalue.lower(), output.evalue
    failed = {nbgrader_meta(c)["grade_id"] for c, _ in errors}
    checks = {
        nbgrader_meta(c)["grade_id"] for c in saved.cells if c.cell_type == "code" and nbgrader_meta(c).get("grade")
    }
    if module.kind == "evaluation":  # nothing graded: nothing fails
        assert not checks and not errors, errors
    else:
        assert checks and checks <= failed, f"check cells that did not fail: {checks - failed}"
    assert page.stderr.count() == len(errors), "JupyterLab shows a different number of errors than it saved"


def test_every_widget_and_figure_renders(module, module_run):
    page = module_run(module)
    views = page.widget_views
    assert views.count() == len(outputs(page.saved, WIDGET_VIEW))
    assert page.notebook.get_by_text("Error displaying widget").count() == 0
    expected = figure_count(page.saved)
    assert page.figures.count() == expected, f"{page.figures.count()} figures drawn, {expected} made"
    for i in range(views.count()):
        page.shot(f"widget-{i}", views.nth(i))


def test_saved_after_run_all_under_1_mb_without_figure_pngs(module, module_run):
    """The notebook as JupyterLab saved it after Run All, with its widget state: under 1 MB, and no
    PNG copy of a figure beside its plotly JSON (the course's pre-save hook drops them)."""
    page = module_run(module)
    size = len(nbformat.writes(page.saved).encode())
    print(f"{module.id} saved from JupyterLab after Run All: {size:,} bytes")
    assert size < 1_000_000, f"{module.id} saved at {size:,} bytes"
    figures = outputs(page.saved, PLOTLY)
    assert not [o for o in figures if "image/png" in o["data"]], "PNG copies saved beside plotly figures"
    state = page.saved.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    assert all(len(json.dumps(m)) < 200_000 for m in state.values()), "a widget's saved state is too big"


def test_every_figure_has_a_title_a_source_and_a_text_alternative_under_it(module, module_run):
    """Each figure: a title, a caption naming its sources, and right under it (the next output of its
    cell, or the next part of its widget) its text alternative, named after it, with a table of its
    numbers. A widget's figure also carries its name for screen readers (role "figure", aria-label)."""
    page = module_run(module)
    for i in range(page.figures.count()):
        figure = page.figures.nth(i)
        title = " ".join((figure.locator(".gtitle").text_content() or "").split())
        assert title, f"figure {i} has no title"
        assert "Source:" in figure.text_content(), f"figure {i} ({title}) has no caption naming a source"
        alternative = figure.evaluate("""(plot) => {
            const widget = plot.closest('.jupyter-widgets.widget-vbox > *'), output = plot.closest('.jp-OutputArea-child');
            const next = widget ? widget.nextElementSibling : output && output.nextElementSibling;
            const named = widget && plot.closest('[role=figure]');
            return {text: next ? next.innerText : '', table: !!(next && next.querySelector('table th[scope=col]')),
                    name: named ? named.getAttribute('aria-label') : null, widget: !!widget}; }""")
        assert alternative["text"].startswith(f"Figure: {title}."), (
            f"figure {i} ({title}) is not followed by its text alternative: {alternative['text'][:120]!r}"
        )
        assert alternative["table"], f"figure {i} ({title}): its text alternative has no table of numbers"
        if alternative["widget"]:
            assert alternative["name"] == f"Figure: {title}", f"widget figure {i} is not named: {alternative['name']}"
        page.shot(f"figure-{i}", figure)


def test_nothing_is_cut_or_overprinted(module, module_run):
    """Figure text stays inside its figure, marker labels do not overprint each other or bar labels, and
    every control label, button, drop-down choice, list and date box is wide enough for its text."""
    page = module_run(module)
    assert page.layout_problems(page.notebook) == []


def test_no_serious_accessibility_violation_from_the_course(module, module_run):
    """axe-core's WCAG 2.1 A/AA rules after Run All: none serious or critical in what the course shows;
    JupyterLab's own violations are reported as warnings with their rule ids (see axe.py)."""
    page = module_run(module)
    result = audit(page, f"{module.id} after Run All", page.artifacts, module.id, [c.id for c in page.saved.cells])
    assert result.course_serious() == [], result.describe(result.course_serious())
    assert result.stale_entries() == [], "these no longer occur: remove them from AWAITING_NOTEBOOK_CHANGE"


def test_every_control_is_labelled_and_moves_what_is_shown_from_the_keyboard(module, module_run):
    page = module_run(module)
    views = page.widget_views
    operated = 0
    for i in range(views.count()):
        view = views.nth(i)
        unknown = unsupported_controls(view)
        assert unknown == [], (
            f"widget output {i} has controls this test cannot operate yet: {unknown}; "
            "teach tests/browser/lab.py (CONTROLS, press_to_change) how"
        )
        # Controls are looked up again after each change: a case player's options change with every choice.
        k = 0
        while k < len(found := controls(view)):
            kind, box = found[k]
            label = control_label(kind, box)
            assert label, f"a {kind} in widget output {i} has no label (description)"
            page.wait_settled(view)
            before = page.shown(view)
            restarts = label.startswith("Play the case again")  # at the case's start, restarting shows the same
            press_to_change(page, kind, box)
            if kind not in INPUT_KINDS and not restarts:
                page.wait_shown_changes(view, before)
            operated += 1
            k += 1
        page.shot(f"widget-{i}-after-keyboard", view)
    assert operated >= views.locator(", ".join(CONTROLS.values())).count()


def test_validate_reports_the_unanswered_release_as_failing(module, module_run):
    """nbgrader ignores the ``raises-exception`` tags (they are not in its checksums, and it runs
    every cell whatever happens), so this is the release as a trainee first validates it."""
    page = module_run(module)
    kind, text = page.validate()
    if module.kind == "evaluation":  # nothing graded: a blank evaluation validates
        assert "validation-success" in kind, text
        return
    assert "validation-failed" in kind, text
    graded = [c for c in nbformat.read(release_path(module), as_version=4).cells if nbgrader_meta(c).get("grade")]
    assert text.count("The following cell failed") == len(graded), text[:3000]


def test_no_javascript_error(module, module_run):
    """Last of the shared-run tests: the run, the key presses and Validate left nothing in the console."""
    assert module_run(module).console_errors == []


def test_validate_passes_with_the_solutions_typed_in(module, serve, page_for, lab_server):
    page = page_for(lab_server)
    page.open(serve(typed_in_release(module), module.notebook))
    kind, text = page.validate()
    assert "validation-success" in kind, text
    assert "Success! Your notebook passes all the tests." in text
    assert page.console_errors == []
