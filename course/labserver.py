"""What the course adds to the Jupyter server: plotly's widget code served once, and lean saved notebooks.

Enabled wherever the course is installed (``jupyter-config/kap_course.json`` is installed into
``etc/jupyter/jupyter_server_config.d/``, as nbgrader does for its own extensions), so ``make lab``,
the hub's servers and the tests' servers all run it.

1. **Plotly's widget code, served once.** A plotly ``FigureWidget`` is an anywidget whose model
   carries plotly's whole widget bundle (``_esm``, about 5 MB, plotly.js included). That copy is
   sent to the browser for every figure and stored in the notebook's widget state by nbclient
   (nbconvert, nbgrader) and by JupyterLab when it saves widget state: about 5 MB per figure.
   ``course.widgets`` figures carry a small loader instead (``PLOTLY_WIDGET_URL``) that imports the
   bundle from this server at ``<base_url>kap-course/plotly/widgetbundle.js`` (cached by the browser).
2. **Lean saved notebooks.** JupyterLab's plotly renderer stores a PNG copy of every figure it drew
   beside the figure's JSON (``image/png`` next to ``application/vnd.plotly.v1+json``); the copy
   roughly doubles a notebook's size and, when the notebook is reopened, is shown as an image
   without a text alternative until the mouse passes over it. ``drop_figure_images`` removes it
   before each save.
"""

from __future__ import annotations

from pathlib import Path

import plotly

#: Where the server serves plotly's widget bundle, relative to its base URL (``?v=`` busts caches).
PLOTLY_WIDGET_URL = f"kap-course/plotly/widgetbundle.js?v={plotly.__version__}"
_BUNDLE_DIR = Path(plotly.__file__).parent / "package_data"
PLOTLY = "application/vnd.plotly.v1+json"


def drop_figure_images(model: dict, **_) -> None:
    """Jupyter server pre-save hook: drop the ``image/png`` JupyterLab stores beside each plotly figure."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    for cell in model["content"].get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = output.get("data")
            if isinstance(data, dict) and PLOTLY in data:
                data.pop("image/png", None)


def _jupyter_server_extension_points():
    return [{"module": "course.labserver"}]


def _load_jupyter_server_extension(serverapp) -> None:
    # loaded when Jupyter Server loads the extension, not when the course package is imported
    from jupyter_server.utils import url_path_join
    from tornado.web import StaticFileHandler

    route = url_path_join(serverapp.base_url, r"kap-course/plotly/(widgetbundle\.js)")
    serverapp.web_app.add_handlers(".*$", [(route, StaticFileHandler, {"path": str(_BUNDLE_DIR)})])
    serverapp.contents_manager.register_pre_save_hook(drop_figure_images)
    # An extension loaded after this one may replace the contents manager with a new instance (jupytext's
    # does, deriving its class from the configured one): the new instance reads the hook from the config.
    if "pre_save_hook" not in serverapp.config.ContentsManager:
        serverapp.config.ContentsManager.pre_save_hook = f"{__name__}.drop_figure_images"
    serverapp.log.info("course.labserver: plotly widget bundle at %s; figure PNG copies dropped on save", route)
