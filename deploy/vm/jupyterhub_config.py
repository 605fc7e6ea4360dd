"""JupyterHub for a KAP for Anxiety cohort on one machine (a workshop VM).

Every setting comes from an environment variable, so the same file serves production (SystemdSpawner
with memory and CPU limits, idle culling) and the test (a plain local-process spawner, temp dirs).
`bootstrap.sh` writes the production values into /etc/kap/hub.env; deploy/README.md lists them all.

Who is who:
- trainees (KAP_TRAINEES) log in with their Linux password (PAM), get their own JupyterLab and fetch and
  submit modules through the nbgrader exchange; they are the JupyterHub group `nbgrader-<course>`;
- instructors (KAP_INSTRUCTORS) are the group `formgrade-<course>`: they reach the formgrader service
  and may start or stop trainees' servers from the hub's admin page;
- the formgrader is a hub service named after the course, running as KAP_GRADER_USER in the course root
  (gradebook, sources with hidden tests); only the formgrade group can open it. The course root is the
  `course/` folder of the cohort workspace that `course cohort new <course id>` makes in KAP_COHORTS_HOME,
  so the formgrader and `course cohort` share one gradebook.
"""

import os
import pwd
import re
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub config file)

HERE = Path(__file__).resolve().parent
#: The trainee's JupyterLab settings, shared with `make lab`.
TRAINEE_LAB = HERE.parent / "lab"
#: The course environment's bin folder: the hub runs from the same environment as the servers.
ENV_BIN = Path(sys.executable).parent


def setting(name: str, default: str) -> str:
    return os.environ.get(f"KAP_{name}", default).strip()


def users(name: str) -> list[str]:
    names = [u.strip() for u in setting(name, "").split(",") if u.strip()]
    bad = [u for u in names if not re.fullmatch(r"[a-z_][a-z0-9_-]{0,31}", u)]
    if bad:
        raise ValueError(
            f"KAP_{name} has invalid user names {bad}: use Linux user names "
            "(lower-case letters, digits, _ and -), separated by commas."
        )
    return names


def port(name: str, default: int) -> int:
    value = setting(name, str(default))
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ValueError(f"KAP_{name}={value!r} is not a port: give a whole number from 1 to 65535.")
    return int(value)


def _home(user: str) -> str:
    try:
        return pwd.getpwnam(user).pw_dir
    except KeyError:
        return "/"


def choice(name: str, default: str, options: tuple[str, ...]) -> str:
    value = setting(name, default)
    if value not in options:
        raise ValueError(f"KAP_{name}={value!r}: choose one of {', '.join(options)}.")
    return value


COURSE = setting("COURSE_ID", "kap-anxiety")
if not re.fullmatch(r"[A-Za-z0-9_-]+", COURSE):
    raise ValueError(f"KAP_COURSE_ID={COURSE!r}: use letters, digits, _ and - only (it names a hub service).")
INSTRUCTORS = users("INSTRUCTORS")
TRAINEES = users("TRAINEES")
GRADER = setting("GRADER_USER", f"grader-{COURSE}")
#: Cohort workspaces (`course cohort`, the grader account's, mode 0700); the cohort named after the course id
#: is the course root the formgrader service works in.
COHORTS_HOME = setting("COHORTS_HOME", "/srv/nbgrader/cohorts")
COURSE_ROOT = setting("COURSE_ROOT", f"{COHORTS_HOME}/{COURSE}/course")
EXCHANGE = setting("EXCHANGE", "/srv/nbgrader/exchange")
STATE = Path(setting("STATE_DIR", "/srv/jupyterhub"))
SPAWNER = choice("SPAWNER", "systemd", ("systemd", "local"))
MEM_LIMIT = setting("MEM_LIMIT", "1G")
if not re.fullmatch(r"\d+(\.\d+)?[KMGT]", MEM_LIMIT):
    raise ValueError(f"KAP_MEM_LIMIT={MEM_LIMIT!r}: give a size such as 512M or 1G.")
CPU_LIMIT = setting("CPU_LIMIT", "1")
if not re.fullmatch(r"\d+(\.\d+)?", CPU_LIMIT) or float(CPU_LIMIT) <= 0:
    raise ValueError(f"KAP_CPU_LIMIT={CPU_LIMIT!r}: give a positive number of cores, such as 1 or 0.5.")
CULL_TIMEOUT = setting("CULL_TIMEOUT", "3600")
if not CULL_TIMEOUT.isdigit():
    raise ValueError(
        f"KAP_CULL_TIMEOUT={CULL_TIMEOUT!r}: give idle seconds before a server is stopped (0 turns culling off)."
    )

FORMGRADE, TRAINEE_GROUP = f"formgrade-{COURSE}", f"nbgrader-{COURSE}"

# --- network: the public address is a setting; the hub's API, the proxy's API and the grader stay local
c.JupyterHub.ip = setting("HUB_IP", "127.0.0.1")  # put a TLS reverse proxy in front, or set 0.0.0.0
c.JupyterHub.port = port("HUB_PORT", 8000)
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = port("HUB_API_PORT", 8081)
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{port('PROXY_API_PORT', 8001)}"

# --- state: database, cookie secret, proxy pid -----------------------------------------------------
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")

# --- who may log in ----------------------------------------------------------------------------------
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(INSTRUCTORS + TRAINEES)
# The list is the truth: someone taken off it cannot log in again, and the grader account never can.
c.Authenticator.allow_existing_users = False
c.Authenticator.admin_users = set(users("ADMINS"))

# --- single-user servers ---------------------------------------------------------------------------
# JupyterHub 5 passes almost nothing of its own environment on: PATH must be given (nbgrader runs
# `alembic` by name, and Lab terminals need the course tools). JUPYTER_CONFIG_PATH points at the
# trainee's Lab settings (deploy/lab: no formgrader or Create Assignment panel, the same as `make lab`)
# and at this folder, whose nbgrader_config.py (exchange, course id, hub auth) every nbgrader process reads.
COURSE_ENV = {
    "PATH": os.pathsep.join([str(ENV_BIN), "/usr/local/bin", "/usr/bin", "/bin"]),
    "JUPYTER_CONFIG_PATH": os.pathsep.join([str(TRAINEE_LAB), str(HERE)]),
    "KAP_COURSE_ID": COURSE,
    "KAP_EXCHANGE": EXCHANGE,
}
c.Spawner.environment = COURSE_ENV
c.Spawner.cmd = [str(ENV_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.mem_limit = MEM_LIMIT
c.Spawner.cpu_limit = float(CPU_LIMIT)
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 120
if SPAWNER == "systemd":
    # Each server is a transient systemd unit: the memory and CPU limits are enforced by the kernel,
    # /tmp and devices are private, sudo is off.
    c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
    c.SystemdSpawner.isolate_tmp = True
    c.SystemdSpawner.isolate_devices = True
    c.SystemdSpawner.disable_user_sudo = True
    c.SystemdSpawner.default_shell = "/bin/bash"
    # Servers are their own systemd units: restarting the hub (after a settings change) keeps them running.
    c.JupyterHub.cleanup_servers = False
else:
    # Plain processes: no limits are enforced (MEM_LIMIT is only advertised). For tests and trials.
    c.JupyterHub.spawner_class = "localprocess"

# --- groups and roles (nbgrader's JupyterHub auth plugin reads the groups) --------------------------
c.JupyterHub.load_groups = {
    FORMGRADE: {"users": INSTRUCTORS + [GRADER]},
    TRAINEE_GROUP: {"users": TRAINEES},
}
c.JupyterHub.load_roles = [
    # A server's own token may read its user's groups (nbgrader's auth plugin asks which courses the
    # user takes) and find the course service; the hub intersects this with the user's own rights.
    {
        "name": "server",
        "scopes": [
            "users:activity!user",
            "access:servers!server",
            "read:users:name!user",
            "read:users:groups!user",
            "list:services",
            "read:services",
        ],
    },
    {
        "name": FORMGRADE,
        "groups": [FORMGRADE],
        "scopes": [
            f"access:services!service={COURSE}",
            "list:services",
            f"read:services!service={COURSE}",
            "admin-ui",
            "list:users",
            "read:users",
            "admin:servers",
        ],
    },
    {"name": TRAINEE_GROUP, "groups": [TRAINEE_GROUP], "scopes": ["list:services", f"read:services!service={COURSE}"]},
    # The formgrader adds students to the course group when the roster is imported.
    {
        "name": f"grader-{COURSE}",
        "services": [COURSE],
        "scopes": ["list:users", "read:users", "list:groups", "read:groups", f"groups!group={TRAINEE_GROUP}"],
    },
]

# --- the formgrader: a Jupyter server run as a hub service in the course root ----------------------
# Until `course cohort new <course id>` has made the course root, the service starts in the grader's home
# (a hub cannot start with a service whose folder is missing); restart the hub after `new`.
SERVICE_CWD = COURSE_ROOT if os.path.isdir(COURSE_ROOT) else _home(GRADER)
# Only this service loads grader/ (formgrader switched on, and `frame-ancestors 'self'` so the
# formgrader can show inside Lab: JupyterHub >= 4.1 forbids framing, nbgrader issue #1870).
c.JupyterHub.services = [
    {
        "name": COURSE,
        "url": f"http://127.0.0.1:{port('GRADER_PORT', 9999)}",
        "command": [str(ENV_BIN / "jupyterhub-singleuser")],
        "user": GRADER,
        "cwd": SERVICE_CWD,
        "environment": {
            **COURSE_ENV,
            "JUPYTER_CONFIG_PATH": os.pathsep.join([str(HERE / "grader"), str(HERE)]),
            "JUPYTERHUB_DEFAULT_URL": "/lab",
            "KAP_COHORTS_HOME": COHORTS_HOME,
        },
        "oauth_no_confirm": True,
    }
]

if int(CULL_TIMEOUT):
    c.JupyterHub.services.append(
        {
            "name": "idle-culler",
            "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={CULL_TIMEOUT}"],
        }
    )
    c.JupyterHub.load_roles.append(
        {
            "name": "idle-culler",
            "services": ["idle-culler"],
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        }
    )
