"""Jupyter server settings of the trainee's JupyterLab: `make lab` and the hub's own servers.

With `labconfig/` beside it, this folder is put on JUPYTER_CONFIG_PATH by the Makefile's `lab` target
and by deploy/vm/jupyterhub_config.py for everyone's own server (instructors grade in the formgrader
service, which does not load this folder):
- nbgrader's formgrader and course list are switched off (server extensions here, Lab panels in
  labconfig/page_config.json); the Assignments panel and the Validate button stay;
- labconfig/default_setting_overrides.json saves widget state with the notebook, so a reopened
  notebook shows its explorers as they were until it is run again (course figures keep that state
  small, see course/labserver.py, which also drops PNG copies of figures on save).
"""

c = get_config()  # noqa: F821 (Jupyter config file)

c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
}
