"""`make lab` serves the trainee's workspace with the trainee's Lab settings (deploy/lab/), on 127.0.0.1.

The browser side (the start page, its links, panels, unmodified and reopened notebooks, saved sizes)
is tests/browser/test_start_page.py."""

import json
import os
import secrets
import signal
import subprocess
import time

import requests
import yaml
from conftest import free_port

from course.paths import CHECKOUT as ROOT
from course.selfstudy import released_notebooks

TRAINEE_LAB = ROOT / "deploy" / "lab"
#: nbgrader's Lab plugins a trainee must not see, and the two they need.
INSTRUCTOR_PANELS = {
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
}
TRAINEE_PANELS = {"@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:validate-assignment"}


def page_config(html: str) -> dict:
    """The JupyterLab page configuration embedded in a /lab page."""
    start = html.index('<script id="jupyter-config-data" type="application/json">')
    return json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])


def test_make_lab_serves_the_workspace_with_the_trainee_settings(tmp_path):
    port, token = free_port(), secrets.token_hex(16)
    workspace = tmp_path / "workspace"
    env = dict(
        os.environ,
        JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "rt"),
        BROWSER="true",
    )
    proc = subprocess.Popen(
        [
            "make",
            "--no-print-directory",
            "lab",
            f"LAB_PORT={port}",
            f"WORKSPACE={workspace}",
            f"LAB_ARGS=--no-browser --IdentityProvider.token={token}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base, auth = f"http://127.0.0.1:{port}", {"token": token}
    try:
        for _ in range(120):
            try:
                if requests.get(f"{base}/api/status", params=auth, timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.5)
            assert proc.poll() is None, proc.stdout.read().decode()
        # The address the server prints, and its root, open the start page, not the Launcher.
        landing = requests.get(f"{base}/", params=auth, timeout=20)
        assert landing.url.startswith(f"{base}/lab/tree/start-here.ipynb"), landing.url
        # The file browser shows the course (start page and modules), not the repository.
        root = requests.get(f"{base}/api/contents", params=auth, timeout=20).json()["content"]
        assert sorted(item["name"] for item in root) == ["modules", "start-here.ipynb"]
        for rel in released_notebooks():
            assert requests.get(f"{base}/api/contents/{rel}", params={**auth, "content": 0}, timeout=20).ok, rel
        for hidden in ("solutions", "tests", "course", "kap_anxiety_course.egg-info"):
            assert requests.get(f"{base}/api/contents/{hidden}", params=auth, timeout=20).status_code == 404
        # The trainee's panels: Assignments and Validate, not the instructors' tools.
        config = page_config(landing.text)
        disabled = set(config["disabledExtensions"])
        assert INSTRUCTOR_PANELS <= disabled and not TRAINEE_PANELS & disabled, disabled
        for extension in ("@jupyter/nbgrader", "@jupyter-widgets/jupyterlab-manager", "jupyterlab-plotly"):
            assert extension in landing.text, extension
        assert requests.get(f"{base}/formgrader", params=auth, timeout=20).status_code == 404
        # nbgrader's Assignments panel and Validate button have their server side (400/405: asked without a form).
        for route in ("assignments", "assignments/validate"):
            assert requests.get(f"{base}/{route}", params=auth, timeout=20).status_code != 404, route
        # Widget state is saved with notebooks (see deploy/lab/jupyter_server_config.py).
        widgets = requests.get(
            f"{base}/lab/api/settings/@jupyter-widgets/jupyterlab-manager:plugin", params=auth, timeout=20
        ).json()
        assert (
            json.loads(widgets["raw"] or "{}").get("saveState", True)
            and widgets["schema"]["properties"]["saveState"]["default"] is True
        )
        # The course's server extension serves plotly's widget code.
        bundle = requests.get(f"{base}/kap-course/plotly/widgetbundle.js", timeout=20)
        assert bundle.ok and "FigureModel" in bundle.text
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    assert (workspace / "start-here.ipynb").exists()


def test_the_hub_gives_trainees_the_same_lab_settings():
    """deploy/k8s repeats deploy/lab's settings inline (zero-to-jupyterhub mounts files from values)."""
    values = yaml.safe_load((ROOT / "deploy" / "k8s" / "values.yaml").read_text())
    files = values["singleuser"]["extraFiles"]
    assert files["lab-page-config"]["data"] == json.loads((TRAINEE_LAB / "labconfig" / "page_config.json").read_text())
    assert files["lab-setting-overrides"]["data"] == json.loads(
        (TRAINEE_LAB / "labconfig" / "default_setting_overrides.json").read_text()
    )
    switched_off = {
        name for name, on in files["server-config"]["data"]["ServerApp"]["jpserver_extensions"].items() if not on
    }
    assert switched_off == {"nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list"}
    assert (
        set(json.loads((TRAINEE_LAB / "labconfig" / "page_config.json").read_text())["disabledExtensions"])
        == INSTRUCTOR_PANELS
    )


def test_a_saved_notebook_keeps_no_png_copy_beside_a_figure_with_every_server_extension_loaded(tmp_path):
    # jupytext's server extension replaces the contents manager after the course's extension has loaded:
    # the course's pre-save hook must reach the replacement too (it once did not, and PNG copies were saved).
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "rt"), JUPYTER_DATA_DIR=str(tmp_path / "data"))
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "jupyter"),
            "server",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={tmp_path}",
            "--allow-root",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    figure = {"application/vnd.plotly.v1+json": {"data": []}, "image/png": "iVBORw0KGgo="}
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": 1,
                "id": "a",
                "metadata": {},
                "source": "fig",
                "outputs": [{"output_type": "display_data", "metadata": {}, "data": figure}],
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    try:
        url = f"http://127.0.0.1:{port}/api/contents/saved.ipynb"
        deadline = time.monotonic() + 60
        while True:
            try:
                reply = requests.put(
                    url,
                    json={"type": "notebook", "content": nb},
                    headers={"Authorization": f"token {token}"},
                    timeout=10,
                )
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the Jupyter server did not start within 60 s"
                time.sleep(0.5)
        assert reply.status_code == 201, reply.text
        saved = json.loads((tmp_path / "saved.ipynb").read_text())
        assert set(saved["cells"][0]["outputs"][0]["data"]) == {"application/vnd.plotly.v1+json"}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
