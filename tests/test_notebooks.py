"""Released modules match their sources, and the start page lists every module."""
import filecmp

import nbformat

from course import ROOT
from course.catalogue import MODULES
from course.nbgrading import build, module_ids
from course.startpage import START_PAGE, start_page


def test_every_module_source_has_a_committed_release():
    assert module_ids(), "no module sources in solutions/"
    for module_id in module_ids():
        assert (ROOT / "modules" / module_id).is_dir(), f"run `course build {module_id}`"


def test_released_modules_do_not_drift_from_sources(tmp_path):
    build(out=tmp_path)
    for module_id in module_ids():
        compare = filecmp.dircmp(tmp_path / module_id, ROOT / "modules" / module_id,
                                 ignore=[".ipynb_checkpoints", "__pycache__"])  # JupyterLab's, git-ignored
        assert not (compare.left_only or compare.right_only or compare.diff_files), (
            f"modules/{module_id} differs from what `course build` makes from solutions/{module_id}: "
            f"only new {compare.left_only}, only committed {compare.right_only}, changed {compare.diff_files}. "
            f"Run `course build` and commit the result; never edit modules/ by hand.")


def test_start_page_is_current_and_lists_every_module():
    committed = nbformat.read(ROOT / START_PAGE, as_version=4)
    assert [c.source for c in committed.cells] == [c.source for c in start_page().cells], "run `course build`"
    text = "\n".join(c.source for c in committed.cells)
    for m in MODULES:
        assert m.title in text and f"~{m.minutes} min" in text
        if (ROOT / "modules" / m.id).is_dir():
            assert f"(modules/{m.id}/{m.notebook})" in text


def test_released_notebooks_hide_solutions_and_hidden_tests():
    for path in (ROOT / "modules").rglob("*.ipynb"):
        text = path.read_text()
        for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "Model answer"):
            assert marker not in text, f"{path.name} shows {marker!r}"


def test_every_graded_module_has_enough_parts():
    for module_id in module_ids():
        for path in (ROOT / "solutions" / module_id).glob("*.ipynb"):
            cells = [c.metadata.get("nbgrader", {}) for c in nbformat.read(path, as_version=4).cells]
            auto = [m for m in cells if m.get("grade") and not m.get("solution")]
            manual = [m for m in cells if m.get("grade") and m.get("solution")]
            assert len(auto) >= 5 and len(manual) >= 2, path
            text = path.read_text()
            assert text.count("BEGIN HIDDEN TESTS") >= len(auto) - 1


def test_nbval_checked_cells_carry_reference_outputs():
    # nbval compares a NBVAL_CHECK_OUTPUT cell against the output stored in the source; without a
    # stored output the check would compare against nothing.
    for path in (ROOT / "solutions").rglob("*.ipynb"):
        checked = [c for c in nbformat.read(path, as_version=4).cells
                   if c.cell_type == "code" and "NBVAL_CHECK_OUTPUT" in c.source]
        assert checked, f"{path.name}: mark the key outputs with # NBVAL_CHECK_OUTPUT"
        assert all(c.outputs for c in checked), f"{path.name}: a checked cell has no stored output"
