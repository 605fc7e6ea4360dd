"""A throw-away JupyterLab and a Playwright page object to drive it.

Shared by the browser tests (through ``conftest.py``) and ``benchmarks/widget_latency.py``.
What works on these machines, and why, is written up in ``/work/shared/design/BROWSER.md``:
Debian's Chromium (Playwright cannot download its own), a server on 127.0.0.1 with its own
settings, workspace and runtime folders, notebooks copied to a temporary root with outputs
stripped, and finite waits everywhere.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import nbformat
import requests
from conftest import free_port  # tests/conftest.py
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from course.data.syllabus import Module
from course.data.syllabus import modules as _modules
from course.paths import CHECKOUT as ROOT

MODULES = _modules()

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
#: Screenshots land here (git-ignored), one folder per test.
ARTIFACTS = ROOT / "test-artifacts" / "browser"

#: Generous but finite waits (milliseconds): a page or dialog, a whole notebook run, a server start.
UI_WAIT = 30_000
RUN_WAIT = 240_000
SERVER_WAIT_S = 90

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
PLOTLY = "application/vnd.plotly.v1+json"
STDERR = "application/vnd.jupyter.stderr"

#: JupyterLab user settings for the throw-away server: no news toast, every cell kept in the page
#: (so off-screen outputs can be checked), no autosave (the test decides when to save), and widget
#: state saved into the notebook (so a test can count the figures the kernel made).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyter-widgets/jupyterlab-manager/plugin": {"saveState": True},
}


def release_path(module: Module) -> Path:
    return ROOT / "modules" / module.id / module.notebook


def released_modules() -> list[Module]:
    """Modules of the catalogue whose trainee notebook exists in ``modules/``."""
    return [m for m in MODULES if release_path(m).exists()]


def marker(module_id: str) -> str:
    """What the last code cell of every module, quiz and the evaluation prints."""
    return f"Module {module_id[:2]} ran to the end." if module_id[:2].isdigit() else f"The {module_id} ran to the end."


def lab_environment(scratch: Path) -> dict[str, str]:
    """Environment for a Jupyter server whose settings, workspaces and runtime files live in ``scratch``."""
    settings = scratch / "settings"
    for plugin, values in LAB_SETTINGS.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    bin_dir = str(Path(sys.executable).parent)
    return dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(scratch / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
        BROWSER="true",
        PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""),
    )


@dataclass
class Server:
    """A Jupyter server started by us, stopped by its process id."""

    proc: subprocess.Popen
    port: int
    token: str
    log: Path

    def url(self, path: str = "", **params: str) -> str:
        query = urlencode({"token": self.token, **params})
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}?{query}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the server and the kernels it started
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=20)


def start_server(command: list[str], cwd: Path, scratch: Path, port: int, token: str) -> Server:
    """Start ``command`` (a Jupyter server on ``port``) in its own process group; wait until it answers."""
    scratch.mkdir(parents=True, exist_ok=True)
    log = scratch / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            command, cwd=cwd, env=lab_environment(scratch), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(proc, port, token, log)
    deadline = time.monotonic() + SERVER_WAIT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the Jupyter server exited (code {proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if requests.get(server.url("api/status"), timeout=2).ok:
                return server
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"the Jupyter server did not answer within {SERVER_WAIT_S} s:\n{log.read_text()[-3000:]}")


def server_flags(root: Path, port: int, token: str) -> list[str]:
    """Command-line flags for a server bound to 127.0.0.1, serving ``root``, asking nothing of the internet."""
    flags = [
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    return flags + (["--allow-root"] if os.geteuid() == 0 else [])


def jupyter_lab(root: Path, scratch: Path) -> Server:
    """A JupyterLab serving ``root`` (also its working folder, where nbgrader looks for its config)."""
    port, token = free_port(), secrets.token_hex(16)
    return start_server(
        [sys.executable, "-m", "jupyterlab", *server_flags(root, port, token)], root, scratch, port, token
    )


def launch_chromium(playwright):
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"{CHROMIUM} is missing: `make test` installs Debian's chromium "
            "(or run `apt-get install -y chromium` as root)."
        )
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


# --- notebooks on disk -------------------------------------------------------------------------------


def stripped(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy without outputs, execution counts or saved widget state (stale outputs would satisfy waits)."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata.pop("widgets", None)
    return nb


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def is_answer_or_check(cell) -> bool:
    """Answer cells (solution) and autograded check cells: the cells that fail in an unanswered release."""
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(meta.get("solution") or meta.get("grade"))


def let_run_all_continue(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Tag answer and check cells ``raises-exception`` so Run All goes on past their expected errors.

    Without the tag JupyterLab stops a Run All at the first error, which in an unanswered release is
    the first answer cell; with it every other cell still runs and can be checked."""
    for cell in nb.cells:
        if is_answer_or_check(cell):
            tags = cell.metadata.setdefault("tags", [])
            if "raises-exception" not in tags:
                tags.append("raises-exception")
    return nb


def outputs(nb: nbformat.NotebookNode, mime: str) -> list:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if mime in o.get("data", {})]


def figure_count(nb: nbformat.NotebookNode) -> int:
    """Plotly figures the kernel displayed: figure outputs plus FigureWidgets inside displayed widgets.

    Read from a notebook saved by JupyterLab with widget state (``LAB_SETTINGS``): a FigureWidget's
    model carries ``_widget_data``; it counts when a displayed widget reaches it through its children."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    seen, todo = set(), [o["data"][WIDGET_VIEW]["model_id"] for o in outputs(nb, WIDGET_VIEW)]
    while todo:
        model_id = todo.pop()
        if model_id in seen or model_id not in state:
            continue
        seen.add(model_id)
        todo.extend(_model_refs(state[model_id]["state"]))
    widgets = sum(1 for m in seen if "_widget_data" in state[m]["state"])
    return len(outputs(nb, PLOTLY)) + widgets


def _model_refs(value) -> list[str]:
    if isinstance(value, str):
        return [value[len("IPY_MODEL_") :]] if value.startswith("IPY_MODEL_") else []
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [ref for item in value for ref in _model_refs(item)]
    return []


# --- the page ----------------------------------------------------------------------------------------

VIEWPORT = {"width": 1400, "height": 1000}


class LabPage:
    """One JupyterLab tab in Chromium (in a browser context of its own): open a notebook, run it,
    save, validate, take screenshots. ``close()`` closes the context."""

    def __init__(self, browser, server: Server, artifacts: Path):
        self.context = browser.new_context(viewport=VIEWPORT)
        self.page: Page = self.context.new_page()
        self.server, self.artifacts = server, artifacts
        self.console_errors: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))
        self.executions = {"sent": 0, "replied": 0}  # execute requests on the kernel websockets
        self.page.on("websocket", self._watch_kernel)

    def _watch_kernel(self, socket) -> None:
        def count(key: str, msg_type: bytes):
            def counter(frame) -> None:
                if msg_type in (frame if isinstance(frame, bytes) else frame.encode()):
                    self.executions[key] += 1

            return counter

        socket.on("framesent", count("sent", b"execute_request"))
        socket.on("framereceived", count("replied", b"execute_reply"))

    def close(self) -> None:
        self.context.close()

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(f"console.error: {message.text} at {message.location.get('url')}")

    @property
    def notebook(self):
        """The notebook in the current main-area tab."""
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")

    def open(self, path: str) -> None:
        """Open ``path`` (relative to the server root) in a fresh workspace; wait for an idle kernel."""
        self.page.goto(self.server.url(f"lab/tree/{quote(path)}", reset=""))
        self.wait_idle()

    def wait_idle(self, timeout: int = UI_WAIT) -> None:
        # The status bar names the kernel and its state; the toolbar says idle before a kernel exists.
        expect(self.page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=timeout)

    def menu(self, menu: str, command: str) -> None:
        self.page.get_by_role("menuitem", name=menu, exact=True).click()
        self.page.locator(f'.lm-Menu [data-command="{command}"]').click()

    def run_all(self, marker: str) -> None:
        """Run ▸ Run All Cells; wait until the kernel has answered every cell, then for ``marker``.

        Counting the kernel's replies tells a finished run from a run stopped at an error (in a
        cell without the ``raises-exception`` tag: the kernel then aborts the rest at once); the
        kernel state cannot, as it can read idle while a long cell runs. A stopped run fails with
        the error that stopped it."""
        sent = self.executions["sent"]
        self.menu("Run", "runmenu:run-all")
        deadline = time.monotonic() + RUN_WAIT / 1000
        while self.executions["sent"] == sent or self.executions["replied"] < self.executions["sent"]:
            if time.monotonic() > deadline:
                raise AssertionError(f"Run All did not finish within {RUN_WAIT // 1000} s")
            self.page.wait_for_timeout(100)  # lets Playwright deliver websocket events
        try:
            # Every reply is in, so the marker is only waiting to be drawn (the browser may be busy drawing).
            self.notebook.locator(".jp-OutputArea-output", has_text=marker).wait_for(state="attached", timeout=UI_WAIT)
        except PlaywrightTimeout:
            errors = self.stderr.all_inner_texts()  # the last one stopped the run
            raise AssertionError(
                f"Run All stopped before the last cell, at this error "
                f"({len(errors)} error outputs in all):\n{errors[-1] if errors else '?'}"
            ) from None
        self.wait_idle()

    def wait_widgets_rendered(self) -> None:
        """Wait (finitely) until no widget says it is loading; plotly figures draw asynchronously too."""
        expect(self.notebook.get_by_text("Loading widget")).to_have_count(0, timeout=UI_WAIT)

    def save(self) -> None:
        self.page.locator(".jp-NotebookPanel-toolbar [data-command='docmanager:save']").click()
        expect(self.page.locator(".jp-mod-current.jp-mod-dirty")).to_have_count(0, timeout=UI_WAIT)

    def validate(self) -> tuple[str, str]:
        """Press nbgrader's Validate toolbar button; return the result's class and text, closing the dialog."""
        self.notebook.locator(".validate-button jp-button, .validate-button button").first.click()
        message = self.page.locator(".jp-Dialog #validation-message")
        message.wait_for(timeout=RUN_WAIT)
        kind = message.get_attribute("class")
        text = message.inner_text()
        self.shot("validate")
        self.page.locator(".jp-Dialog").get_by_role("button", name="Ok").click()
        return kind, text

    def shot(self, name: str, locator=None) -> Path:
        """A screenshot of the page (or of one element) into this test's artifacts folder."""
        path = self.artifacts / f"{name}.png"
        self.artifacts.mkdir(parents=True, exist_ok=True)
        if locator is None:
            self.page.screenshot(path=path)
        else:
            locator.scroll_into_view_if_needed(timeout=UI_WAIT)
            locator.screenshot(path=path, timeout=UI_WAIT)
        return path

    # --- what the notebook shows ---------------------------------------------------------------

    @property
    def widget_views(self):
        """Outputs holding a widget view (JupyterLab gives them no MIME-type attribute), in notebook order."""
        return self.notebook.locator(".jp-OutputArea-output:has(> .jupyter-widgets)")

    @property
    def stderr(self):
        """Error and stderr outputs."""
        return self.notebook.locator(f'.jp-OutputArea-output[data-mime-type="{STDERR}"]')

    @property
    def figures(self):
        return self.notebook.locator(".js-plotly-plot")

    def shown(self, root) -> str:
        """What ``root`` shows, controls aside: text of HTML and output widgets, and every path,
        marker position and text of its plotly figures."""
        return root.evaluate(SHOWN_JS)

    def traces(self, root) -> list[dict]:
        """What each plotly figure inside ``root`` holds and draws (see ``TRACES_JS``)."""
        return root.evaluate(TRACES_JS)

    def layout_problems(self, root) -> list[str]:
        """Text cut or overprinted inside ``root`` (see ``LAYOUT_PROBLEMS_JS``)."""
        return root.evaluate(LAYOUT_PROBLEMS_JS)

    def count_plotly_events(self, root) -> None:
        """Start counting the plotly events of the figures inside ``root`` (see ``plotly_events``)."""
        root.evaluate(COUNT_PLOTLY_EVENTS_JS)

    def plotly_events(self, root) -> dict[str, int]:
        """Plotly events counted since ``count_plotly_events``, by name ("update", "addtraces", ...)."""
        return root.evaluate("root => ({...root.__plotlyEvents})")

    def wait_shown_changes(self, root, before: str, timeout: int = UI_WAIT) -> None:
        self.page.wait_for_function(
            f"([root, before]) => ({SHOWN_JS})(root) !== before",
            arg=[root.element_handle(), before],
            timeout=timeout,
            polling=20,
        )

    def wait_settled(self, root, quiet_ms: int = 300, timeout: int = UI_WAIT) -> None:
        """Wait until what ``root`` shows has not changed for ``quiet_ms`` (updates come in several messages)."""
        self.page.evaluate("() => { window.__shownSettle = {shown: null, since: 0}; }")
        self.page.wait_for_function(
            f"""([root, quiet]) => {{
            const now = ({SHOWN_JS})(root), s = window.__shownSettle;
            if (now !== s.shown) {{ s.shown = now; s.since = performance.now(); return false; }}
            return performance.now() - s.since >= quiet; }}""",
            arg=[root.element_handle(), quiet_ms],
            timeout=timeout,
            polling=20,
        )


#: JavaScript: for each plotly figure in an element, its traces (plotly's own ``data``), how many of them
#: are visible, how many trace groups are drawn in the plot, its title and its marker labels.
TRACES_JS = """(root) => [...root.querySelectorAll('.js-plotly-plot')].map(plot => ({
    traces: plot.data.length,
    visible: plot._fullData.filter(t => t.visible === true).length,
    drawn: plot.querySelectorAll('g.trace').length,
    title: (plot.querySelector('.gtitle') || {}).textContent || '',
    labels: [...plot.querySelectorAll('.scatterlayer .trace text')].map(t => t.textContent),
}))"""

#: JavaScript: what is cut or overprinted in an element: text of a figure that runs outside the
#: figure, marker labels that overlap each other, markers drawn on a bar's label, and control labels,
#: buttons, drop-down choices, lists and date boxes too narrow for their text.
LAYOUT_PROBLEMS_JS = """(root) => {
    const problems = [];
    const rect = (e) => e.getBoundingClientRect();
    const shown = (e) => { const r = rect(e); return r.width > 0 && r.height > 0 && e.textContent.trim() !== ''; };
    const inside = (r, box) => r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1
                               && r.bottom <= box.bottom + 1;
    const overlap = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1
                              && b.top < a.bottom - 1;
    const words = (e) => `'${e.textContent.trim().slice(0, 50)}'`;
    for (const plot of root.querySelectorAll('.js-plotly-plot')) {
        const svg = plot.querySelector('svg.main-svg');
        if (!svg) continue;
        const box = rect(svg), title = ((plot.querySelector('.gtitle') || {}).textContent || '?').slice(0, 50);
        for (const t of [...plot.querySelectorAll('svg text')].filter(shown))
            if (!inside(rect(t), box)) problems.push(`figure '${title}': text ${words(t)} runs outside the figure`);
        const labels = [...plot.querySelectorAll('.textpoint text, text.bartext')].filter(shown);
        for (let i = 0; i < labels.length; i++)
            for (let j = i + 1; j < labels.length; j++)
                if (overlap(rect(labels[i]), rect(labels[j])))
                    problems.push(`figure '${title}': labels ${words(labels[i])} and ${words(labels[j])} overlap`);
        const marks = [...plot.querySelectorAll('.scatterlayer path.point')].filter(m => rect(m).width > 0);
        for (const m of marks)
            for (const b of [...plot.querySelectorAll('text.bartext')].filter(shown))
                if (overlap(rect(m), rect(b))) problems.push(`figure '${title}': a marker sits on the label ${words(b)}`);
    }
    const canvas = document.createElement('canvas').getContext('2d');
    const textWidth = (e, text) => { canvas.font = getComputedStyle(e).font; return canvas.measureText(text).width; };
    for (const e of root.querySelectorAll('.widget-label, .kap-slider-label, button.jupyter-button'))
        if (shown(e) && e.scrollWidth > e.clientWidth + 1) problems.push(`${words(e)} is cut`);
    for (const s of root.querySelectorAll('select:not([multiple])'))
        for (const o of s.options)
            if (textWidth(s, o.text) + 30 > s.clientWidth) problems.push(`the choice '${o.text}' does not fit its drop-down`);
    for (const s of root.querySelectorAll('select[multiple]'))
        if (s.scrollWidth > s.clientWidth + 1) problems.push(`a list's choices are cut (${[...s.options].map(o => o.text).join(', ').slice(0, 80)})`);
    for (const d of root.querySelectorAll('input[type=date]'))
        if (textWidth(d, '00/00/0000') + 40 > d.clientWidth) problems.push(`a date box is too narrow for a date (${d.clientWidth}px)`);
    return problems;
}"""

#: JavaScript: count the plotly events each figure inside an element emits from now on (plotly.js
#: emits one per Plotly.update, addTraces, deleteTraces, restyle, relayout or react call it runs).
COUNT_PLOTLY_EVENTS_JS = """(root) => {
    const counts = {};
    for (const plot of root.querySelectorAll('.js-plotly-plot'))
        for (const name of ['update', 'addtraces', 'deletetraces', 'restyle', 'relayout', 'react'])
            plot.on('plotly_' + name, () => { counts[name] = (counts[name] || 0) + 1; });
    root.__plotlyEvents = counts;
}"""

#: JavaScript: a text fingerprint of what an element shows (see ``LabPage.shown``).
SHOWN_JS = """(root) => {
    const parts = [];
    for (const el of root.querySelectorAll('.widget-html-content, .widget-output, .js-plotly-plot')) {
        if (!el.classList.contains('js-plotly-plot')) { parts.push(el.innerText); continue; }
        for (const n of el.querySelectorAll('path, text'))
            parts.push((n.getAttribute('d') || '') + (n.getAttribute('transform') || '') + n.textContent);
    }
    return parts.join('\\n');
}"""


# --- controls ------------------------------------------------------------------------------------

#: The ipywidgets controls the tests and the benchmark know how to operate, by their container.
CONTROLS = {
    "slider": ".kap-slider",  # course.widgets.controls.Slider: a labelled native range input
    "dropdown": ".widget-dropdown",
    "multiple selection": ".widget-select-multiple",
    "date picker": ".widget-datepicker",
    "button": ".widget-button",
    "checkbox": ".widget-checkbox",
    "radio buttons": ".widget-radio",
    "text area": ".widget-textarea",
}
#: Controls that hold an answer until a button acts on it (the evaluation form): a change shows in the control
#: itself, not elsewhere in the widget.
INPUT_KINDS = ("radio buttons", "text area")
#: Form elements outside figures (plotly's mode bar has buttons of its own).
_FORM_ELEMENTS = "input, select, textarea, button"


def controls(view: Locator) -> list[tuple[str, Locator]]:
    """The known controls inside a widget view, as (kind, container) pairs."""
    return [
        (kind, boxes.nth(i))
        for kind, selector in CONTROLS.items()
        for boxes in [view.locator(selector)]
        for i in range(boxes.count())
    ]


def unsupported_controls(view: Locator) -> list[str]:
    """Form elements in a widget view that no entry of ``CONTROLS`` covers (their container's classes)."""
    return view.evaluate(
        f"""(v, known) => [...v.querySelectorAll('{_FORM_ELEMENTS}')]
        .filter(e => !e.closest('.js-plotly-plot') && !e.closest(known))
        .map(e => e.tagName.toLowerCase() + ' in ' + e.parentElement.className)""",
        ", ".join(CONTROLS.values()),
    )


def control_label(kind: str, box: Locator) -> str:
    """The visible description of a control (a button's or checkbox's own text)."""
    if kind in ("button", "checkbox"):
        return box.inner_text().strip()
    if kind == "slider":
        return (box.locator(".kap-slider-label").text_content() or "").strip()
    return (box.locator(".widget-label").first.text_content() or "").strip()


def _wait_until_changed(page: LabPage, element: Locator, read_js: str, before) -> None:
    """Wait until ``read_js`` (a JavaScript function of the element) reads something other than ``before``."""
    page.page.wait_for_function(
        f"([e, before]) => ({read_js})(e) !== before", arg=[element.element_handle(), before], timeout=UI_WAIT
    )


def press_to_change(page: LabPage, kind: str, box: Locator) -> None:
    """Change a control with the keyboard alone, as a trainee without a mouse would; check it moved.

    A slider moves with the arrow keys. On a closed dropdown or a list, JupyterLab takes the plain arrow keys to move between cells
    (ipywidgets#3912): a dropdown is opened with Space, moved with an arrow (Home from the last
    option) and closed with Enter; in a multiple selection Ctrl+arrow moves and Ctrl+Space toggles
    an option."""
    keys = page.page.keyboard
    if kind == "slider":
        # The range input's own value, not its text: a log slider's text can round two steps to one.
        slider = box.locator("input[type=range]")
        before = slider.input_value()
        at_top = slider.evaluate("s => Number(s.value) + Number(s.step) > Number(s.max)")
        slider.focus()
        keys.press("ArrowLeft" if at_top else "ArrowRight")
        expect(slider).not_to_have_value(before, timeout=UI_WAIT)
    elif kind == "dropdown":
        select = box.locator("select")
        before = select.input_value()
        last = select.evaluate("s => s.selectedIndex === s.options.length - 1")
        select.focus()
        for key in ("Space", "Home" if last else "ArrowDown", "Enter"):  # round the options, never back
            keys.press(key)
        expect(select).not_to_have_value(before, timeout=UI_WAIT)
    elif kind == "multiple selection":
        select = box.locator("select")
        chosen = "s => [...s.selectedOptions].map(o => o.value).join('|')"
        before = select.evaluate(chosen)
        select.focus()
        keys.press("Control+ArrowDown")
        keys.press("Control+Space")
        _wait_until_changed(page, select, chosen, before)
    elif kind == "date picker":
        field = box.locator("input")
        before = field.input_value()
        field.focus()
        keys.press("ArrowUp")
        expect(field).not_to_have_value(before, timeout=UI_WAIT)
    elif kind == "button":
        box.focus()
        keys.press("Enter")
    elif kind == "checkbox":
        box.locator("input").focus()
        keys.press("Space")
    elif kind == "radio buttons":
        radios = box.locator("input[type=radio]")
        checked = "b => [...b.querySelectorAll('input[type=radio]')].findIndex(r => r.checked)"
        before = box.evaluate(checked)
        radios.nth(1 if before != 1 else 2).focus()
        keys.press("Space")
        _wait_until_changed(page, box, checked, before)
    elif kind == "text area":
        area = box.locator("textarea")
        before = area.input_value()
        area.focus()
        keys.type(" typed")
        expect(area).not_to_have_value(before, timeout=UI_WAIT)
    else:
        raise ValueError(f"no keyboard recipe for a {kind}; the kinds are {', '.join(CONTROLS)}")
