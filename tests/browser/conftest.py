"""Fixtures for the browser tests: Debian's headless Chromium, a throw-away JupyterLab, open pages.

The helpers themselves live in ``lab.py`` (the latency benchmark uses them too). Screenshots go to
``test-artifacts/browser/<test>/`` (git-ignored); a failing test leaves a ``failure.png`` there.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import typed_in  # tests/conftest.py
from playwright.sync_api import sync_playwright

from course.lessons import source_notebook

from .lab import (
    ARTIFACTS,
    LabPage,
    jupyter_lab,
    launch_chromium,
    let_run_all_continue,
    marker,
    release_path,
    released_modules,
    stripped,
)


def typed_in_release(module) -> nbformat.NotebookNode:
    """The release with the authored solutions typed into its answer cells, outputs stripped."""
    return stripped(typed_in(release_path(module), source_notebook(module.id)))


def module_params():
    return [pytest.param(m, id=m.id) for m in released_modules()]


def artifacts_for(name: str) -> Path:
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")
    shutil.rmtree(folder, ignore_errors=True)
    return folder


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_failed = report.failed
    return report


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def lab_root(tmp_path_factory) -> Path:
    """The served folder: each test writes its notebooks into a folder of its own under it."""
    return tmp_path_factory.mktemp("lab-root")


@pytest.fixture(scope="session")
def lab_server(lab_root, tmp_path_factory):
    server = jupyter_lab(lab_root, tmp_path_factory.mktemp("lab-scratch"))
    yield server
    server.stop()


@pytest.fixture
def serve(lab_root, request):
    """``serve(nb, name)`` writes a notebook into this test's folder under the served root; returns
    its path relative to the root (what ``LabPage.open`` takes)."""

    def write(nb: nbformat.NotebookNode, name: str) -> str:
        folder = lab_root / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        folder.mkdir(exist_ok=True)
        nbformat.write(nb, folder / name)
        return f"{folder.name}/{name}"

    return write


@pytest.fixture
def page_for(browser, request):
    """``page_for(server)``: a fresh browser tab on ``server``; a screenshot is kept if the test fails."""
    pages = []

    def make(server) -> LabPage:
        pages.append(LabPage(browser, server, artifacts_for(request.node.name)))
        return pages[-1]

    yield make
    for page in pages:
        if getattr(request.node, "browser_failed", False):
            page.shot("failure")
        page.close()


@pytest.fixture(scope="session")
def module_run(browser, lab_server, lab_root):
    """``module_run(module)``: the unanswered release, opened and run to the end once per session.

    Its answer and check cells are tagged ``raises-exception`` so Run All goes on past their
    expected errors (JupyterLab stops at the first error otherwise), and every other cell runs.
    Several tests look at the one run, as a trainee would. The page is saved after the run;
    ``page.saved`` is the notebook as JupyterLab wrote it (outputs and widget state)."""
    runs: dict[str, LabPage] = {}
    failures: dict[str, str] = {}

    def run(module) -> LabPage:
        if module.id in failures:
            raise RuntimeError(f"the shared run of {module.id} failed earlier: {failures[module.id]}")
        if module.id not in runs:
            folder = lab_root / f"session-{module.id}"
            folder.mkdir()
            release = nbformat.read(release_path(module), as_version=4)
            nbformat.write(let_run_all_continue(stripped(release)), folder / module.notebook)
            page = LabPage(browser, lab_server, artifacts_for(f"run-all-{module.id}"))
            try:
                page.open(f"{folder.name}/{module.notebook}")
                page.run_all(marker(module.id))
                page.wait_widgets_rendered()
                page.shot("after-run-all")
                page.save()
            except Exception as exc:
                page.shot("failure")
                page.close()
                failures[module.id] = str(exc)
                raise
            page.saved = nbformat.read(folder / module.notebook, as_version=4)
            runs[module.id] = page
        return runs[module.id]

    run.pages = runs
    yield run
    for page in runs.values():
        page.close()


@pytest.fixture(autouse=True)
def failure_shot_of_shared_runs(request):
    """A test that fails while looking at a shared module run leaves a screenshot of that page."""
    yield
    if getattr(request.node, "browser_failed", False) and "module_run" in request.fixturenames:
        for page in request.getfixturevalue("module_run").pages.values():
            page.shot(f"failure-{re.sub(r'[^A-Za-z0-9_.-]+', '_', request.node.name)}")
