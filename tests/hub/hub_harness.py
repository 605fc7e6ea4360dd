"""A real JupyterHub of deploy/vm on 127.0.0.1 with throw-away Linux users and a cohort workspace, for the hub
test (test_hub_cycle.py) and the load benchmark (benchmarks/hub_load.py).

As the README's VM section has it: the accounts come from deploy/vm/add_users.sh; the cohort is made with
`course cohort new NAME --exchange EXCHANGE` as root in a cohorts home that the grader account owns (mode 0700),
before the hub starts; the hub runs deploy/vm/jupyterhub_config.py with the course id set to the cohort's name
and KAP_COHORTS_HOME set, so its course service (the formgrader) works in the cohort's `course/` folder.
Servers are plain processes (KAP_SPAWNER=local), not systemd units. Runs as root; everything it made (users,
processes, folders) is removed when it ends.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import fcntl
import json
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

import requests
from conftest import free_port
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from course.paths import CHECKOUT as ROOT

VM = ROOT / "deploy" / "vm"
PROXY = ROOT / ".hub-tools" / "node_modules" / ".bin" / "configurable-http-proxy"
COURSE_CMD = Path(sys.executable).parent / "course"
#: What a trainee's server must find and the hub must offer (seconds; generous: the machine is shared).
START_TIMEOUT = 300


# --- processes -------------------------------------------------------------------------------------


def _status(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def all_processes() -> dict[int, int]:
    """Every live process id with its parent's id (from /proc)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(_status(int(entry))["PPid"])
            except (OSError, KeyError):
                continue
    return parents


def descendants(root: int) -> list[int]:
    """Every live process under ``root``, parents before children."""
    parents = all_processes()
    found = [root]
    for pid in found:
        found.extend(p for p, parent in parents.items() if parent == pid)
    return found[1:]


def rss_mib(pid: int) -> float:
    return int(_status(pid)["VmRSS"].split()[0]) / 1024


def owned_by(pids: list[int], user: str, marker: str) -> list[int]:
    uid = pwd.getpwnam(user).pw_uid
    found = []
    for pid in pids:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
            owner = int(_status(pid)["Uid"].split()[0])
        except (OSError, KeyError):
            continue
        if owner == uid and marker in cmd:
            found.append(pid)
    return found


def process_env(pid: int) -> dict[str, str]:
    return dict(kv.split("=", 1) for kv in Path(f"/proc/{pid}/environ").read_text().split("\0") if "=" in kv)


def stop(pids: list[int], timeout: float = 20) -> None:
    """SIGTERM the given processes, then SIGKILL what is left after ``timeout`` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = [pid for pid in pids if _alive(pid)]
        for pid in alive:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(map(_alive, alive)):
            time.sleep(0.2)


def _alive(pid: int) -> bool:
    try:
        return not _status(pid)["State"].startswith("Z")
    except (OSError, KeyError):
        return False


def run_as(user: str, args: list[str], env: dict, cwd: str, timeout: float = 900) -> subprocess.CompletedProcess:
    entry = pwd.getpwnam(user)
    return subprocess.run(
        args,
        user=entry.pw_uid,
        group=entry.pw_gid,
        extra_groups=[],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@contextmanager
def others_may_traverse(paths: list[Path]):
    """Add o+x to every ancestor folder of ``paths`` that lacks it, while any hub run needs it.

    The course environment may sit under a private folder (a pyenv Python under /root, a CI clone in a
    0700 temp dir); the throw-away users must reach it, as every user must on a real hub. Hub runs at the
    same time share one registry in /tmp: the last one to finish restores the original modes."""
    with _traverse_registry() as registry:
        registry["holders"].append(os.getpid())
        for path in paths:
            for folder in [path, *path.parents]:
                mode = stat.S_IMODE(folder.stat().st_mode)
                if not mode & stat.S_IXOTH:
                    registry["modes"].setdefault(str(folder), mode)
                    folder.chmod(mode | stat.S_IXOTH)
    try:
        yield
    finally:
        with _traverse_registry() as registry:
            registry["holders"] = [pid for pid in registry["holders"] if pid != os.getpid() and _alive(pid)]
            if not registry["holders"]:
                for folder, mode in registry["modes"].items():
                    Path(folder).chmod(mode)
                registry["modes"] = {}


@contextmanager
def _traverse_registry():
    with open(Path(tempfile.gettempdir()) / "kap-hub-traverse.json", "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        registry = json.loads(f.read() or '{"holders": [], "modes": {}}')
        yield registry
        f.seek(0)
        f.truncate()
        f.write(json.dumps(registry))


# --- the hub ---------------------------------------------------------------------------------------


class Hub:
    """A running hub, its cohort and the people on it."""

    def __init__(
        self,
        url: str,
        proc: subprocess.Popen,
        log: Path,
        cohort: str,
        instructor: str,
        trainees: list[str],
        cohorts: Path,
        exchange: Path,
    ):
        self.url, self.proc, self.log = url, proc, log
        self.cohort, self.instructor, self.trainees = cohort, instructor, trainees
        self.cohorts, self.exchange = cohorts, exchange
        self.workspace = cohorts / cohort
        self.course_root = self.workspace / "course"
        self.tokens: dict[str, str] = {}
        self.passwords: dict[str, str] = {}
        self.measured: dict = {}
        self.new_output = ""

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    # -- people -----------------------------------------------------------------------------------------
    def login(self, user: str, password: str) -> tuple[int, requests.Session]:
        """Log in through the hub's login form (PAM): the reply's status and the browser session."""
        session = requests.Session()
        session.get(f"{self.url}/hub/login", timeout=60)
        reply = session.post(
            f"{self.url}/hub/login",
            allow_redirects=False,
            timeout=120,
            data={"username": user, "password": password, "_xsrf": session.cookies["_xsrf"]},
        )
        return reply.status_code, session

    def sign_in(self, user: str) -> None:
        """Log in as ``user`` and keep an API token for it (what the test then acts with)."""
        status, session = self.login(user, self.passwords[user])
        assert status == 302, f"PAM login of {user} failed ({status})\n{self.log_tail()}"
        made = session.post(
            f"{self.url}/hub/api/users/{user}/tokens",
            json={"note": "hub run", "expires_in": 7200},
            headers={"X-XSRFToken": session.cookies.get("_xsrf", path="/hub/")},
            timeout=60,
        )
        assert made.status_code == 201, made.text
        self.tokens[user] = made.json()["token"]

    def get(self, user: str, path: str, **kwargs) -> requests.Response:
        return requests.get(
            f"{self.url}{path}", headers={"Authorization": f"token {self.tokens[user]}"}, timeout=300, **kwargs
        )

    def post(self, user: str, path: str, **kwargs) -> requests.Response:
        return requests.post(
            f"{self.url}{path}", headers={"Authorization": f"token {self.tokens[user]}"}, timeout=300, **kwargs
        )

    def put(self, user: str, path: str, **kwargs) -> requests.Response:
        return requests.put(
            f"{self.url}{path}", headers={"Authorization": f"token {self.tokens[user]}"}, timeout=300, **kwargs
        )

    def spawn(self, user: str) -> float:
        """Start ``user``'s server through the hub API; seconds until the hub reports it ready."""
        start = time.monotonic()
        reply = self.post(user, f"/hub/api/users/{user}/server")
        assert reply.status_code in (201, 202), reply.text
        while time.monotonic() - start < START_TIMEOUT:
            server = self.get(user, f"/hub/api/users/{user}").json()["servers"].get("", {})
            if server.get("ready"):
                return time.monotonic() - start
            time.sleep(0.25)
        raise AssertionError(f"{user}'s server did not start in {START_TIMEOUT} s\n{self.log_tail()}")

    def server_pid(self, user: str) -> int:
        pids = owned_by(descendants(self.proc.pid), user, "jupyterhub-singleuser")
        assert len(pids) == 1, f"expected one server process of {user}, found {pids}"
        return pids[0]

    def service_pid(self) -> int:
        return self.server_pid(self.instructor)  # the grader account runs only the course service

    def assignments(self, user: str, action: str, module: str) -> list[dict]:
        """What the Assignment List panel does: POST /assignments/<action> to the user's own server."""
        reply = self.post(
            user, f"/user/{user}/assignments/{action}", data={"course_id": self.cohort, "assignment_id": module}
        )
        assert reply.ok, reply.text
        answer = reply.json()
        assert answer["success"], f"{action} failed for {user}: {answer['value']}"
        return answer["value"]

    # -- the instructor -------------------------------------------------------------------------------
    def cohort_as_root(self, *args: str, expect: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
        """`course cohort ARGS` as root (the program lead on the VM: `sudo course cohort ...`)."""
        done = subprocess.run(
            [str(COURSE_CMD), "cohort", *args, "--home", str(self.cohorts)],
            capture_output=True,
            text=True,
            timeout=1800,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
            cwd="/",
        )
        assert done.returncode in expect, (
            f"course cohort {' '.join(args)} as root: {done.returncode}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        )
        return done

    def cohort_as_grader(self, *args: str, expect: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
        """`course cohort ARGS` as the grader account in a terminal of the course service: its environment
        (`course` on PATH, KAP_COHORTS_HOME), in its folder, as its user."""
        env = process_env(self.service_pid())
        done = run_as(self.instructor, ["course", "cohort", *args], env, str(self.course_root))
        assert done.returncode in expect, (
            f"course cohort {' '.join(args)} as the grader: {done.returncode}\n"
            f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        )
        return done


def _answers(url: str) -> bool:
    """True once the URL answers through the proxy (403 without a token: the service is up)."""
    try:
        return requests.get(url, timeout=5, allow_redirects=False).status_code in (200, 302, 403)
    except requests.RequestException:
        return False


def roster_csv(trainees: list[str]) -> str:
    return "id,first_name,last_name,email\n" + "".join(
        f"{t},Trainee,{t.split('_')[1].capitalize()},{t}@example.org\n" for t in trainees
    )


@contextmanager
def running_hub(
    trainee_count: int = 2,
    provider: str | None = None,
    cohort: str = "kap-spring",
    prefix: str = "kaptest",
    sign_in: bool = True,
):
    """Users, a cohort made with `course cohort new` (``provider``: the text of a provider file), and the hub
    serving it; yields the ``Hub`` with everyone signed in (``sign_in``) or only the instructor. Everything is
    removed afterwards, whatever happens."""
    assert os.geteuid() == 0, "the hub run creates Linux users: run it as root"
    assert PROXY.exists(), (
        f"{PROXY.relative_to(ROOT)} is missing: `make hub-tools` installs "
        "configurable-http-proxy from npm (`make test` does it first)."
    )
    suffix = secrets.token_hex(3)
    instructor = f"{prefix}_in_{suffix}"
    trainees = [f"{prefix}_t{i:02d}_{suffix}" for i in range(1, trainee_count + 1)]
    everyone = [instructor, *trainees]
    with ExitStack() as cleanup:
        work = Path(tempfile.mkdtemp(prefix="kap-hub-"))
        cleanup.callback(shutil.rmtree, work, ignore_errors=True)
        work.chmod(0o755)
        cleanup.enter_context(
            others_may_traverse(
                [Path(os.path.realpath(sys.executable)).parent, Path(sys.base_prefix), Path(sys.prefix), ROOT, work]
            )
        )

        made = subprocess.run(
            [str(VM / "add_users.sh")], input="\n".join(everyone) + "\n", capture_output=True, text=True
        )
        cleanup.callback(_remove_users, everyone)
        assert made.returncode == 0, made.stderr
        passwords = dict(line.split() for line in made.stdout.splitlines())
        assert set(passwords) == set(everyone)

        probe = run_as(
            instructor, [sys.executable, "-c", "import course, nbgrader, jupyterhub"], {"PATH": "/usr/bin:/bin"}, "/"
        )
        assert probe.returncode == 0, (
            "the course environment is not usable by other users (it must be "
            f"readable by everyone on a hub):\n{probe.stderr}"
        )

        # What deploy/vm/bootstrap.sh makes: the shared exchange, and a cohorts home the grader account owns.
        state, exchange, cohorts, setup = work / "state", work / "exchange", work / "cohorts", work / "setup"
        state.mkdir(mode=0o700)
        exchange.mkdir()
        exchange.chmod(0o1777)
        cohorts.mkdir(mode=0o700)
        shutil.chown(cohorts, instructor, instructor)
        setup.mkdir(mode=0o700)
        (setup / "roster.csv").write_text(roster_csv(trainees))
        args = ["new", cohort, "--roster", str(setup / "roster.csv"), "--exchange", str(exchange)]
        if provider:
            (setup / "provider.yaml").write_text(provider)
            args += ["--provider", str(setup / "provider.yaml")]

        env = dict(
            os.environ,
            PATH=f"{PROXY.parent}{os.pathsep}{os.environ['PATH']}",
            KAP_SPAWNER="local",
            KAP_CULL_TIMEOUT="0",
            KAP_COURSE_ID=cohort,
            KAP_INSTRUCTORS=instructor,
            KAP_TRAINEES=",".join(trainees),
            KAP_GRADER_USER=instructor,
            KAP_COHORTS_HOME=str(cohorts),
            KAP_EXCHANGE=str(exchange),
            KAP_STATE_DIR=str(state),
        )
        env.pop("KAP_COURSE_ROOT", None)  # the default: the cohort's course folder in KAP_COHORTS_HOME
        log = state / "hub.log"
        running = Hub("", None, log, cohort, instructor, trainees, cohorts, exchange)
        running.passwords = passwords
        running.new_output = running.cohort_as_root(*args).stdout

        started = time.monotonic()
        # Free ports are chosen before the hub and the proxy bind them; other test runs on this machine may
        # take one in between. Then (only then) the hub is started again on other ports.
        for attempt in range(3):
            ports = {name: str(free_port()) for name in ("HUB_PORT", "HUB_API_PORT", "PROXY_API_PORT", "GRADER_PORT")}
            running.url = f"http://127.0.0.1:{ports['HUB_PORT']}"
            with open(log, "w") as out:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "jupyterhub", "-f", str(VM / "jupyterhub_config.py")],
                    cwd=state,
                    env={**env, **{f"KAP_{k}": v for k, v in ports.items()}},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            running.proc = proc
            cleanup.callback(_stop_hub, proc, everyone)
            if _wait_until_up(running, started):
                break
            assert attempt < 2 and _port_taken(log), f"the hub exited:\n{running.log_tail()}"
            _stop_hub(proc, everyone)
            log.rename(log.with_name(f"hub-port-taken-{attempt}.log"))
        running.measured["hub_start_s"] = round(time.monotonic() - started, 1)
        for user in everyone if sign_in else [instructor]:
            running.sign_in(user)
        yield running


def _wait_until_up(hub: Hub, started: float) -> bool:
    """Wait for the hub to say it runs and the course service to answer through the proxy; False if it exited
    or a port it needs was taken. (configurable-http-proxy 4 logs EADDRINUSE and runs on without its public
    port; the hub then says it is running, and whoever holds the port answers.)"""
    while True:
        if hub.proc.poll() is not None or _port_taken(hub.log):
            return False
        if "JupyterHub is now running" in hub.log.read_text(errors="replace") and _answers(
            f"{hub.url}/services/{hub.cohort}/api/status"
        ):
            return not _port_taken(hub.log)
        assert time.monotonic() - started < START_TIMEOUT, (
            f"the hub did not start in {START_TIMEOUT} s:\n{hub.log_tail()}"
        )
        time.sleep(0.5)


def _port_taken(log: Path) -> bool:
    text = log.read_text(errors="replace")
    return any(
        sign in text for sign in ("Address already in use", "EADDRINUSE", "is already in use", "is not available")
    )


def _stop_hub(proc: subprocess.Popen, users: list[str]) -> None:
    # The hub first: it stops its servers, the service and the proxy itself. (Stopping the proxy before the hub
    # leaks one: the hub starts a new proxy, in a session of its own, when it finds its proxy gone.) Then
    # whatever of them is left.
    children = descendants(proc.pid)
    stop([proc.pid], timeout=30)
    proc.wait(timeout=60)
    stop(children)
    for user in users:  # anything the users started that outlived its parent
        stop(owned_by(list(all_processes()), user, ""), timeout=5)


def _remove_users(users: list[str]) -> None:
    for user in users:
        subprocess.run(["userdel", "--remove", user], capture_output=True)


# --- kernels ---------------------------------------------------------------------------------------


async def execute(url: str, token: str, codes: list[str], timeout: float = 600) -> list[dict]:
    """Run each of ``codes`` in turn in a kernel over Jupyter's websocket protocol (as JupyterLab does);
    returns each cell's reply: ``status``, ``seconds`` and, on an error, ``error``."""
    ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {token}"}))
    replies = []
    try:
        for code in codes:
            msg_id, started = uuid.uuid4().hex, time.monotonic()
            ws.write_message(
                json.dumps(
                    {
                        "header": {
                            "msg_id": msg_id,
                            "msg_type": "execute_request",
                            "username": "hub",
                            "session": msg_id,
                            "version": "5.3",
                            "date": "",
                        },
                        "parent_header": {},
                        "metadata": {},
                        "channel": "shell",
                        "content": {
                            "code": code,
                            "silent": False,
                            "store_history": True,
                            "user_expressions": {},
                            "allow_stdin": False,
                            "stop_on_error": True,
                        },
                    }
                )
            )
            while True:
                raw = await asyncio.wait_for(ws.read_message(), timeout)
                if raw is None:
                    raise ConnectionError("the kernel's websocket closed")
                msg = json.loads(raw)
                if msg.get("msg_type") == "execute_reply" and msg["parent_header"].get("msg_id") == msg_id:
                    content = msg["content"]
                    reply = {"status": content["status"], "seconds": time.monotonic() - started}
                    if content["status"] == "error":
                        reply["error"] = f"{content.get('ename')}: {content.get('evalue')}"
                    replies.append(reply)
                    break
    finally:
        ws.close()
    return replies


def run_in_kernel(hub: Hub, user: str, codes: list[str], timeout: float = 600) -> tuple[list[dict], int]:
    """Start a kernel in ``user``'s server and run ``codes`` in it; (replies, the kernel's pid)."""
    kernel = hub.post(user, f"/user/{user}/api/kernels", json={"name": "python3"})
    assert kernel.ok, kernel.text
    ws = f"{hub.url.replace('http', 'ws', 1)}/user/{user}/api/kernels/{kernel.json()['id']}/channels"
    # An event loop of its own, in a thread of its own: this thread may have a loop running already
    # (Playwright's sync API keeps one for the browser tests of the same pytest session).
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        replies = pool.submit(asyncio.run, execute(ws, hub.tokens[user], codes, timeout)).result()
    kernels = owned_by(descendants(hub.server_pid(user)), user, "ipykernel")
    assert len(kernels) == 1, kernels
    return replies, kernels[0]
