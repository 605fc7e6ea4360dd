"""Jupyter server settings for the formgrader service only (the hub puts this folder first on its
JUPYTER_CONFIG_PATH).

JupyterHub >= 4.1 sends `Content-Security-Policy: frame-ancestors 'none'`, which leaves the formgrader
blank inside JupyterLab (nbgrader issue #1870). This service alone relaxes it to 'self'; trainees'
servers keep the hub's default.
"""

c = get_config()  # noqa: F821 (Jupyter config file)

c.ServerApp.jpserver_extensions = {"nbgrader.server_extensions.formgrader": True}
c.ServerApp.tornado_settings = {"headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}
