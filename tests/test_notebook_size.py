"""Every released module, executed headless the way nbconvert and nbgrader's autograder execute it
(nbclient, keeping widget state), stays under 1 MB: no plotly.js inside the notebook, no copy of
plotly's widget code in the widget state. (The browser side, a notebook saved from JupyterLab, is
checked in tests/browser/test_modules.py.)"""

import json

import nbformat
import pytest
from nbclient import NotebookClient

from course.data.syllabus import modules
from course.labserver import PLOTLY
from course.nbcourse import CELL_TIMEOUT
from course.paths import CHECKOUT as ROOT

MAX_NOTEBOOK_BYTES = 1_000_000
#: A figure's widget state holds its data and layout; plotly's widget code (5 MB) must not be in it.
MAX_WIDGET_MODEL_BYTES = 200_000
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
RELEASED = [m for m in modules() if (ROOT / "modules" / m.id / m.notebook).exists()]


@pytest.mark.parametrize("module", RELEASED, ids=lambda m: m.id)
def test_a_module_executed_headless_stays_under_1_mb(module, tmp_path):
    nb = nbformat.read(ROOT / "modules" / module.id / module.notebook, as_version=4)
    NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        allow_errors=True,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    path = tmp_path / module.notebook
    nbformat.write(nb, path)
    size = path.stat().st_size
    assert size < MAX_NOTEBOOK_BYTES, f"{module.id} executed weighs {size:,} bytes"
    text = path.read_text()
    assert "Plotly.newPlot" not in text and "plotly.js v" not in text.lower(), "plotly.js was embedded"
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    figures = [o for o in outputs if PLOTLY in o.get("data", {})]
    assert all(set(o["data"]) <= {PLOTLY, "text/plain", "text/html"} for o in figures), [
        sorted(o["data"]) for o in figures
    ]
    for model_id, model in nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {}).items():
        weight = len(json.dumps(model))
        assert weight < MAX_WIDGET_MODEL_BYTES, f"widget {model['model_name']} {model_id} weighs {weight:,} bytes"
