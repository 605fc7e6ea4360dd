"""nbgrader settings for everyone on the hub: trainees, instructors and the formgrader service.

The hub points JUPYTER_CONFIG_PATH at this folder for every server and service, so this file is read by
every nbgrader process there (the Assignments panel, the formgrader, `nbgrader` in a terminal).
The course root's own nbgrader_config.py (gradebook, timeouts) is read after this one, in that folder.
"""

import os

from nbgrader.auth import JupyterHubAuthPlugin

c = get_config()  # noqa: F821 (nbgrader config file)

c.CourseDirectory.course_id = os.environ.get("KAP_COURSE_ID", "kap-anxiety")
# One exchange for the machine, one sub-folder per course (several cohorts can share a hub).
c.Exchange.root = os.environ.get("KAP_EXCHANGE", "/srv/nbgrader/exchange")
c.Exchange.path_includes_course = True
# Which courses a user sees comes from the hub groups nbgrader-<course> and formgrade-<course>.
c.Authenticator.plugin_class = JupyterHubAuthPlugin
