"""`make lab` in the browser: the start page opens, links to every released module, and each link opens it.

The server serves the repository itself (that is what `make lab` does), with autosave off in its
throw-away settings; the test checks that it leaves the start page and the modules untouched.
"""
import secrets

from playwright.sync_api import expect

from conftest import free_port  # tests/conftest.py
from course.paths import CHECKOUT as ROOT
from course.data.syllabus import modules as _modules

MODULES = _modules()

from .lab import UI_WAIT, release_path, released_modules, start_server

START_PAGE = ROOT / "start-here.ipynb"


def test_make_lab_start_page_links_and_opens_every_released_module(tmp_path, page_for):
    released = released_modules()
    watched = [START_PAGE] + [release_path(m) for m in released]
    before = {path: path.read_bytes() for path in watched}
    port, token = free_port(), secrets.token_hex(16)
    server = start_server(["make", "--no-print-directory", "lab", f"LAB_PORT={port}",
                           f"LAB_ARGS=--no-browser --IdentityProvider.token={token} --ServerApp.port_retries=0"],
                          ROOT, tmp_path, port, token)
    try:
        page = page_for(server)
        page.open(START_PAGE.name)
        start = page.notebook
        page.shot("start-page")
        for m in MODULES:
            if m not in released:
                expect(start.get_by_text(f"{m.title} (in preparation)")).to_be_visible()
        for m in released:
            # JupyterLab rewrites the relative link to /files/... and opens it as a notebook on a click.
            link = start.get_by_role("link", name=m.title, exact=True)
            assert f"/files/modules/{m.id}/{m.notebook}" in link.get_attribute("href")
            link.click()
            opened = page.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
            expect(opened.locator(".jp-RenderedMarkdown h1").first).to_contain_text(f"Module {m.id[:2]}",
                                                                                   timeout=UI_WAIT)
            expect(page.page.locator(".lm-TabBar-tab.jp-mod-current")).to_contain_text(m.notebook)
            page.shot(f"opened-{m.id}")
            page.page.locator(".lm-TabBar-tab", has_text=START_PAGE.name).click()
        assert page.console_errors == []
    finally:
        server.stop()
    assert {path: path.read_bytes() for path in watched} == before, "opening the course changed a file"
