"""The self-study workspace (`course workspace`, run by `make lab`): made from the releases, never
overwriting the trainee's work, telling them about newer releases. Works on a copy of the
repository's releases in a temporary folder."""

import datetime
import json
import shutil
import sys

import nbformat
import pytest

from course.paths import CHECKOUT as ROOT
from course.selfstudy import MANIFEST, kernel_language_info, prepare, released_notebooks
from course.startpage import START_PAGE

DAY = datetime.date(2027, 1, 5)
MODULE = "modules/01-assessment/assessment.ipynb"


@pytest.fixture
def repo(tmp_path):
    """A repository holding only the releases (the start page and modules/)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(ROOT / START_PAGE, repo / START_PAGE)
    shutil.copytree(ROOT / "modules", repo / "modules", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return repo


def new_release(repo, rel=MODULE, text="A sentence added in a newer release."):
    nb = nbformat.read(repo / rel, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(text, id="added"))
    nbformat.write(nb, repo / rel)


def trainee_answers(workspace, rel=MODULE, answer="p06_phq9_total = 12"):
    nb = nbformat.read(workspace / rel, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code")
    cell.source = answer
    nbformat.write(nb, workspace / rel)


def test_first_run_copies_the_start_page_and_every_released_module(repo, tmp_path):
    ws = tmp_path / "ws"
    notices = prepare(ws, repo, DAY)
    assert [n.path for n in notices] == released_notebooks(repo)  # in the syllabus's order, start page first
    assert released_notebooks(repo)[0] == START_PAGE and sorted(released_notebooks(repo)[1:]) == [
        str(p.relative_to(repo)) for p in sorted((repo / "modules").glob("*/*.ipynb"))
    ]
    for rel in released_notebooks(repo):
        copy, release = nbformat.read(ws / rel, as_version=4), nbformat.read(repo / rel, as_version=4)
        assert [c.source for c in copy.cells] == [c.source for c in release.cells]
        assert copy.metadata.kernelspec == release.metadata.kernelspec
        # What JupyterLab writes when the kernel starts: with it the notebook opens unmodified.
        assert copy.metadata.language_info == kernel_language_info()
        assert copy.metadata.language_info["version"] == ".".join(map(str, sys.version_info[:3]))
    assert prepare(ws, repo, DAY) == [], "a second run with nothing new has nothing to say"


def test_the_trainees_work_is_never_overwritten_and_a_newer_release_goes_beside_it(repo, tmp_path):
    ws = tmp_path / "ws"
    prepare(ws, repo, DAY)
    trainee_answers(ws)
    worked = (ws / MODULE).read_bytes()
    new_release(repo)
    notices = prepare(ws, repo, DAY)
    assert (ws / MODULE).read_bytes() == worked
    beside = sorted((ws / MODULE).parent.glob("assessment (release 2027-01-05 *).ipynb"))
    assert len(beside) == 1
    assert "A sentence added in a newer release." in beside[0].read_text()
    assert [n.path for n in notices] == [MODULE]
    assert f"the new release is beside it as '{beside[0].name}'" in str(notices[0])
    # Told again on every run until the trainee deletes the file they no longer want.
    assert [n.path for n in prepare(ws, repo, DAY)] == [MODULE]
    beside[0].unlink()
    assert prepare(ws, repo, DAY) == []
    assert (ws / MODULE).read_bytes() == worked


def test_an_untouched_copy_follows_the_newer_release(repo, tmp_path):
    ws = tmp_path / "ws"
    prepare(ws, repo, DAY)
    new_release(repo)
    notices = prepare(ws, repo, DAY)
    assert [str(n) for n in notices] == [f"updated {MODULE} to its newer release (you had not changed it)"]
    assert "A sentence added in a newer release." in (ws / MODULE).read_text()
    assert not list((ws / MODULE).parent.glob("* (release *"))


def test_a_deleted_copy_comes_back_and_a_damaged_record_protects_the_work(repo, tmp_path):
    ws = tmp_path / "ws"
    prepare(ws, repo, DAY)
    (ws / MODULE).unlink()
    assert [str(n) for n in prepare(ws, repo, DAY)] == [f"copied {MODULE} into your workspace"]
    trainee_answers(ws)
    worked = (ws / MODULE).read_bytes()
    (ws / MANIFEST).write_text("{not json")
    prepare(ws, repo, DAY)  # every notebook present now counts as the trainee's work
    assert (ws / MODULE).read_bytes() == worked
    assert json.loads((ws / MANIFEST).read_text())[MODULE]["beside"]


def test_the_workspace_is_git_ignored_so_a_trainees_work_never_dirties_the_clone():
    assert "workspace/" in (ROOT / ".gitignore").read_text().split(), "add workspace/ to .gitignore"
