"""Jupyter server settings for trainees' and instructors' own servers on the hub.

The formgrader belongs to the course service only (grader/ switches it back on there); in a personal
server it would show an empty course.
"""
c = get_config()  # noqa: F821 (Jupyter config file)

c.ServerApp.jpserver_extensions = {"nbgrader.server_extensions.formgrader": False}
