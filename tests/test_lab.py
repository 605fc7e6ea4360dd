"""`make lab` serves the course start page on 127.0.0.1 with nbgrader's and the widgets' extensions."""
import os
import secrets
import signal
import subprocess
import time

import requests
from conftest import free_port

from course.paths import CHECKOUT as ROOT


def test_make_lab_serves_start_page(tmp_path):
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"), JUPYTER_RUNTIME_DIR=str(tmp_path / "rt"),
               BROWSER="true")
    proc = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_PORT={port}",
                             f"LAB_ARGS=--no-browser --IdentityProvider.token={token}"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if requests.get(f"{base}/api/status", params={"token": token}, timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.5)
            assert proc.poll() is None, proc.stdout.read().decode()
        page = requests.get(f"{base}/lab/tree/start-here.ipynb", params={"token": token}, timeout=20)
        assert page.ok
        for extension in ("@jupyter/nbgrader", "@jupyter-widgets/jupyterlab-manager", "jupyterlab-plotly"):
            assert extension in page.text, extension
        start = requests.get(f"{base}/api/contents/start-here.ipynb", params={"token": token}, timeout=20).json()
        text = "".join(c["source"] for c in start["content"]["cells"])
        assert "modules/01-assessment/assessment.ipynb" in text
        module = requests.get(f"{base}/api/contents/modules/01-assessment/assessment.ipynb",
                              params={"token": token, "content": 0}, timeout=20)
        assert module.ok
        validate = requests.get(f"{base}/api/config/notebook", params={"token": token}, timeout=20)
        assert validate.ok
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
