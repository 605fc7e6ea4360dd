"""The workshop hub of deploy/vm, for real: JupyterHub 5 on 127.0.0.1 with PAM logins, an instructor,
two trainees, a shared exchange and the formgrader as a hub service, running the whole nbgrader cycle.

Runs as root (as CI does): it creates throw-away Linux users with deploy/vm/add_users.sh and removes them
afterwards. Trainees work through their own single-user servers (the Assignments panel's REST calls,
Jupyter's contents API); the instructor works in a terminal of the formgrader service (its environment,
as that user). Spawn times and memory are written to test-artifacts/hub-sizing.json.
"""
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

import nbformat
import pytest
import requests
from nbgrader.api import Gradebook
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from conftest import free_port, typed_in
from course.lessons import source_notebook
from course.paths import CHECKOUT as ROOT
from course.data.syllabus import module
from course.nbcourse import module_ids

COURSE = "kap-anxiety"
MODULE = module_ids()[0]
NOTEBOOK = module(MODULE).notebook
VM = ROOT / "deploy" / "vm"
PROXY = ROOT / ".hub-tools" / "node_modules" / ".bin" / "configurable-http-proxy"
KERNEL_CODE = "from course import scales, screening, plots, widgets\nfrom course.data.patients import load_patients\nload_patients()"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="creates Linux users: run as root (CI does)")


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
        except OSError:
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


def run_as(user: str, args: list[str], env: dict, cwd: str) -> subprocess.CompletedProcess:
    entry = pwd.getpwnam(user)
    return subprocess.run(args, user=entry.pw_uid, group=entry.pw_gid, extra_groups=[], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@contextmanager
def others_may_traverse(paths: list[Path]):
    """Add o+x to every ancestor folder of ``paths`` that lacks it, while any hub test needs it.

    The course environment may sit under a private folder (a pyenv Python under /root, a CI clone in a
    0700 temp dir); the throw-away users must reach it, as every user must on a real hub. Hub tests running
    at the same time share one registry in /tmp: the last one to finish restores the original modes."""
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
    """A running hub and the people on it."""

    def __init__(self, url: str, proc: subprocess.Popen, log: Path, instructor: str, trainees: list[str],
                 course_root: Path, exchange: Path):
        self.url, self.proc, self.log = url, proc, log
        self.instructor, self.trainees = instructor, trainees
        self.course_root, self.exchange = course_root, exchange
        self.tokens: dict[str, str] = {}
        self.passwords: dict[str, str] = {}
        self.measured: dict = {}

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def login(self, user: str, password: str) -> tuple[int, requests.Session]:
        """Log in through the hub's login form (PAM): the reply's status and the browser session."""
        session = requests.Session()
        session.get(f"{self.url}/hub/login", timeout=30)
        reply = session.post(f"{self.url}/hub/login", allow_redirects=False, timeout=60,
                             data={"username": user, "password": password, "_xsrf": session.cookies["_xsrf"]})
        return reply.status_code, session

    def sign_in(self, user: str, password: str) -> None:
        """Log in as ``user`` and keep an API token for it (what the test then acts with)."""
        status, session = self.login(user, password)
        assert status == 302, f"PAM login of {user} failed ({status})\n{self.log_tail()}"
        made = session.post(f"{self.url}/hub/api/users/{user}/tokens", json={"note": "hub test", "expires_in": 900},
                            headers={"X-XSRFToken": session.cookies.get("_xsrf", path="/hub/")}, timeout=30)
        assert made.status_code == 201, made.text
        self.tokens[user] = made.json()["token"]

    def get(self, user: str, path: str, **kwargs) -> requests.Response:
        return requests.get(f"{self.url}{path}", headers={"Authorization": f"token {self.tokens[user]}"},
                            timeout=120, **kwargs)

    def post(self, user: str, path: str, **kwargs) -> requests.Response:
        return requests.post(f"{self.url}{path}", headers={"Authorization": f"token {self.tokens[user]}"},
                             timeout=300, **kwargs)

    def spawn(self, user: str) -> float:
        """Start ``user``'s server through the hub API; seconds until the hub reports it ready."""
        start = time.monotonic()
        reply = self.post(user, f"/hub/api/users/{user}/server")
        assert reply.status_code in (201, 202), reply.text
        while time.monotonic() - start < 120:
            server = self.get(user, f"/hub/api/users/{user}").json()["servers"].get("", {})
            if server.get("ready"):
                return time.monotonic() - start
            time.sleep(0.2)
        raise AssertionError(f"{user}'s server did not start in 120 s\n{self.log_tail()}")

    def service_pid(self) -> int:
        pids = owned_by(descendants(self.proc.pid), self.instructor, "jupyterhub-singleuser")
        assert len(pids) == 1, f"expected one formgrader service process, found {pids}"
        return pids[0]

    def instructor_runs(self, *args: str) -> subprocess.CompletedProcess:
        """Run a command as the instructor in the course root, in the formgrader service's environment
        (what a terminal opened in the service's JupyterLab has)."""
        done = run_as(self.instructor, list(args), process_env(self.service_pid()), str(self.course_root))
        assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done

    def nbgrader(self, *args: str) -> subprocess.CompletedProcess:
        return self.instructor_runs(sys.executable, "-m", "nbgrader", *args)

    def assignments(self, user: str, action: str) -> list[dict]:
        """What the Assignments panel does: POST /assignments/<action> to the user's own server."""
        reply = self.post(user, f"/user/{user}/assignments/{action}",
                          data={"course_id": COURSE, "assignment_id": MODULE})
        assert reply.ok, reply.text
        answer = reply.json()
        assert answer["success"], f"{action} failed for {user}: {answer['value']}"
        return answer["value"]


async def _execute(url: str, token: str, code: str) -> str:
    """Run ``code`` in a kernel over Jupyter's websocket protocol; returns the reply status."""
    ws = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {token}"}))
    msg_id = uuid.uuid4().hex
    ws.write_message(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test", "session": msg_id,
                   "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True}}))
    while True:
        msg = json.loads(await asyncio.wait_for(ws.read_message(), 120))
        if msg.get("msg_type") == "execute_reply" and msg["parent_header"].get("msg_id") == msg_id:
            ws.close()
            return msg["content"]["status"]


@pytest.fixture(scope="module")
def hub():
    assert PROXY.exists(), (f"{PROXY.relative_to(ROOT)} is missing: `make hub-tools` installs "
                            "configurable-http-proxy from npm (`make test` does it first).")
    suffix = secrets.token_hex(3)
    instructor, trainees = f"kaptest_instr_{suffix}", [f"kaptest_tr1_{suffix}", f"kaptest_tr2_{suffix}"]
    with ExitStack() as cleanup:
        work = Path(tempfile.mkdtemp(prefix="kap-hub-"))
        cleanup.callback(shutil.rmtree, work, ignore_errors=True)
        work.chmod(0o755)
        cleanup.enter_context(others_may_traverse([Path(os.path.realpath(sys.executable)).parent,
                                                   Path(sys.base_prefix), Path(sys.prefix), ROOT, work]))

        made = subprocess.run([str(VM / "add_users.sh")], input="\n".join([instructor, *trainees]) + "\n",
                              capture_output=True, text=True)
        cleanup.callback(_remove_users, [instructor, *trainees])
        assert made.returncode == 0, made.stderr
        passwords = dict(line.split() for line in made.stdout.splitlines())
        assert set(passwords) == {instructor, *trainees}

        probe = run_as(instructor, [sys.executable, "-c", "import course, nbgrader, jupyterhub"],
                       {"PATH": "/usr/bin:/bin"}, "/")
        assert probe.returncode == 0, ("the course environment is not usable by other users (it must be "
                                       f"readable by everyone on a hub):\n{probe.stderr}")

        state, exchange, course_root = work / "state", work / "exchange", work / COURSE
        state.mkdir(mode=0o700)
        exchange.mkdir()
        exchange.chmod(0o1777)
        course_root.mkdir(mode=0o700)
        shutil.chown(course_root, instructor, instructor)

        port = free_port()
        env = dict(os.environ, PATH=f"{PROXY.parent}{os.pathsep}{os.environ['PATH']}",
                   KAP_SPAWNER="local", KAP_CULL_TIMEOUT="0", KAP_COURSE_ID=COURSE,
                   KAP_INSTRUCTORS=instructor, KAP_TRAINEES=",".join(trainees), KAP_GRADER_USER=instructor,
                   KAP_COURSE_ROOT=str(course_root), KAP_EXCHANGE=str(exchange), KAP_STATE_DIR=str(state),
                   KAP_HUB_PORT=str(port), KAP_HUB_API_PORT=str(free_port()),
                   KAP_PROXY_API_PORT=str(free_port()), KAP_GRADER_PORT=str(free_port()))
        log = state / "hub.log"
        with open(log, "w") as out:
            proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(VM / "jupyterhub_config.py")],
                                    cwd=state, env=env, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        cleanup.callback(_stop_hub, proc, [instructor, *trainees])
        running = Hub(f"http://127.0.0.1:{port}", proc, log, instructor, trainees, course_root, exchange)
        started = time.monotonic()
        while not _answers(f"{running.url}/services/{COURSE}/api/status"):
            assert proc.poll() is None, f"the hub exited:\n{running.log_tail()}"
            assert time.monotonic() - started < 120, f"the hub did not start in 120 s:\n{running.log_tail()}"
            time.sleep(0.5)
        running.measured["hub_start_s"] = round(time.monotonic() - started, 1)
        running.passwords = passwords
        for user in [instructor, *trainees]:
            running.sign_in(user, passwords[user])
        for user in trainees:
            running.measured[user] = _measure_server(running, user)
        pids = descendants(proc.pid)
        running.measured.update(
            hub_mib=round(rss_mib(proc.pid)), formgrader_service_mib=round(rss_mib(running.service_pid())),
            proxy_mib=round(sum(map(rss_mib, owned_by(pids, "root", "configurable-http-proxy")))))
        yield running


def _answers(url: str) -> bool:
    """True once the URL answers through the proxy (403 without a token: the service is up)."""
    try:
        return requests.get(url, timeout=2, allow_redirects=False).status_code in (200, 302, 403)
    except requests.ConnectionError:
        return False


def _measure_server(hub: Hub, user: str) -> dict:
    seconds = hub.spawn(user)
    assert hub.get(user, f"/user/{user}/lab").ok
    time.sleep(1)
    server = owned_by(descendants(hub.proc.pid), user, "jupyterhub-singleuser")
    assert len(server) == 1, server
    idle = rss_mib(server[0])
    kernel = hub.post(user, f"/user/{user}/api/kernels", json={"name": "python3"}).json()
    ws = f"{hub.url.replace('http', 'ws', 1)}/user/{user}/api/kernels/{kernel['id']}/channels"
    # In a thread of its own: another test package may have left an event loop running in this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, _execute(ws, hub.tokens[user], KERNEL_CODE)).result() == "ok"
    kernels = owned_by(descendants(server[0]), user, "ipykernel")
    assert len(kernels) == 1, kernels
    return {"spawn_s": round(seconds, 1), "idle_lab_mib": round(idle),
            "lab_with_course_kernel_mib": round(rss_mib(server[0]) + rss_mib(kernels[0])),
            "kernel_mib": round(rss_mib(kernels[0]))}


def _stop_hub(proc: subprocess.Popen, users: list[str]) -> None:
    # Servers, the service and the proxy first (they stop at once on SIGTERM), then the hub.
    children = descendants(proc.pid)
    stop(children)
    stop([proc.pid])
    proc.wait(timeout=30)
    for user in users:  # anything the users started that outlived its parent
        stop(owned_by(list(all_processes()), user, ""), timeout=5)


def _remove_users(users: list[str]) -> None:
    for user in users:
        subprocess.run(["userdel", "--remove", user], capture_output=True)


@pytest.fixture(scope="module")
def cycle(hub):
    """Release -> fetch -> submit -> collect -> grade -> feedback -> fetch feedback, as the people on the hub
    do it; returns the timings, the collect log and each trainee's fetched feedback page."""
    timings, t1 = {}, hub.trainees[0]

    def timed(step, action, *args):
        start = time.monotonic()
        result = action(*args)
        timings[step] = round(time.monotonic() - start, 1)
        return result

    setup = ("from pathlib import Path\nfrom course.nbcourse import course_directory, generate\n"
             f"generate(course_directory(Path.cwd(), [{MODULE!r}], course_id={COURSE!r}), {MODULE!r})")
    timed("course_setup", hub.instructor_runs, sys.executable, "-c", setup)
    roster = hub.course_root / "roster.csv"
    roster.write_text("id,first_name,last_name\n" + "".join(f"{t},Trainee,{t[-10:]}\n" for t in hub.trainees))
    timed("roster", hub.nbgrader, "db", "student", "import", str(roster))
    timed("release", hub.nbgrader, "release_assignment", MODULE)

    path = f"{COURSE}/{MODULE}/{NOTEBOOK}"
    for trainee in hub.trainees:
        fetched = timed(f"fetch_{trainee}", hub.assignments, trainee, "fetch")
        assert any(a["status"] == "fetched" and a["assignment_id"] == MODULE for a in fetched), fetched
    # Trainee 1 answers everything (typed into the notebook it fetched, saved as JupyterLab saves);
    # trainee 2 submits the notebook untouched.
    released = hub.get(t1, f"/user/{t1}/api/contents/{path}").json()["content"]
    with tempfile.TemporaryDirectory() as tmp:
        nbformat.write(nbformat.from_dict(released), Path(tmp) / NOTEBOOK)
        answered = typed_in(Path(tmp) / NOTEBOOK, source_notebook(MODULE))
    saved = requests.put(f"{hub.url}/user/{t1}/api/contents/{path}", timeout=60,
                         headers={"Authorization": f"token {hub.tokens[t1]}"},
                         json={"type": "notebook", "format": "json", "content": answered})
    assert saved.ok, saved.text
    for trainee in hub.trainees:
        submitted = timed(f"submit_{trainee}", hub.assignments, trainee, "submit")
        assert any(a["status"] == "submitted" for a in submitted), submitted

    collected = timed("collect", hub.nbgrader, "collect", MODULE)
    timed("autograde", hub.nbgrader, "autograde", MODULE)
    timed("generate_feedback", hub.nbgrader, "generate_feedback", MODULE)
    timed("release_feedback", hub.nbgrader, "release_feedback", MODULE)
    feedback = {}
    for trainee in hub.trainees:
        listed = timed(f"fetch_feedback_{trainee}", hub.assignments, trainee, "fetch_feedback")
        local = [s["local_feedback_path"] for a in listed for s in a.get("submissions", [])
                 if s.get("has_local_feedback")]
        assert len(local) == 1, listed
        feedback[trainee] = hub.get(trainee, f"/user/{trainee}/api/contents/{local[0]}/{NOTEBOOK[:-6]}.html",
                                    params={"format": "text", "type": "file"}).json()["content"]
    return {"timings": timings, "collect_log": collected.stdout + collected.stderr, "feedback": feedback,
            "path": path}


def _record(name: str, measured: dict) -> None:
    """Keep a measurement in test-artifacts/ (git-ignored) and show it with `pytest -s`."""
    out = ROOT / "test-artifacts" / name
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(measured, indent=2))
    print(f"\n{name}: {json.dumps(measured)}")


def _page_config(html: str) -> dict:
    """The JupyterLab page configuration embedded in a /lab page."""
    start = html.index('<script id="jupyter-config-data" type="application/json">')
    return json.loads(html[html.index(">", start) + 1:html.index("</script>", start)])


# --- the tests -------------------------------------------------------------------------------------

def test_pam_login_accepts_the_password_and_refuses_a_wrong_one(hub):
    trainee = hub.trainees[0]
    assert hub.login(trainee, hub.passwords[trainee])[0] == 302
    assert hub.login(trainee, hub.passwords[trainee] + "x")[0] == 403
    assert hub.login("kaptest_nobody", "x")[0] == 403


def test_trainee_servers_spawn_within_the_configured_limits(hub):
    limit_mib = 1024  # KAP_MEM_LIMIT's default, 1G: the sizing in deploy/README.md rests on it
    sizes = {user: hub.measured[user] for user in hub.trainees}
    _record("hub-sizing.json", hub.measured)
    for user, size in sizes.items():
        assert size["spawn_s"] < 60, f"{user}'s server took {size['spawn_s']} s to start"
        assert 0 < size["idle_lab_mib"] < size["lab_with_course_kernel_mib"] < limit_mib, size


def test_formgrader_service_is_for_instructors_only_and_only_it_may_be_framed(hub):
    trainee, service = hub.trainees[0], f"/services/{COURSE}"
    grader = hub.get(hub.instructor, f"{service}/formgrader")
    assert grader.status_code == 200
    assert grader.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    assert hub.get(trainee, f"{service}/formgrader").status_code == 403
    own = hub.get(trainee, f"/user/{trainee}/lab")
    assert own.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert hub.get(trainee, f"/user/{trainee}/formgrader").status_code == 404
    panels = {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"}
    assert panels <= set(_page_config(own.text)["disabledExtensions"]), "grader panels must be off for trainees"
    service_lab = _page_config(hub.get(hub.instructor, f"{service}/lab").text)
    assert not panels & set(service_lab["disabledExtensions"])
    # nbgrader's auth plugin sees the course groups.
    assert hub.get(trainee, f"/hub/api/users/{trainee}").json()["groups"] == [f"nbgrader-{COURSE}"]


def test_cohort_cycle_grades_each_trainee_and_returns_feedback(hub, cycle):
    t1, t2 = hub.trainees
    _record("hub-cycle-timings.json", cycle["timings"])
    for trainee in hub.trainees:
        assert f"Collecting submission: {trainee} {MODULE}" in cycle["collect_log"]
    with Gradebook(f"sqlite:///{hub.course_root / 'gradebook.db'}", COURSE) as gb:
        answered, blank = gb.find_submission(MODULE, t1), gb.find_submission(MODULE, t2)
        auto = [g for nb in answered.notebooks for g in nb.grades if g.auto_score is not None]
        assert auto and all(g.auto_score == g.max_score for g in auto), "answered: full autograded marks"
        assert blank.score == 0
        assert answered.score == sum(g.max_score for g in auto) > 0
        # Each trainee's fetched feedback carries that trainee's own score (nbgrader's heading).
        for trainee, submission in ((t1, answered), (t2, blank)):
            heading = f"{NOTEBOOK[:-6]} (Score: {round(submission.score, 2)} / {round(submission.max_score, 2)})"
            assert heading in cycle["feedback"][trainee], heading


def test_one_trainee_cannot_read_another_trainees_work(hub, cycle):
    t1, t2 = hub.trainees
    home = Path(pwd.getpwnam(t1).pw_dir)
    inbound = hub.exchange / COURSE / "inbound"
    submission = next(inbound.glob(f"{t1}+{MODULE}+*"))  # root can list it; the trainees cannot
    # What trainee 2 tries to read, and whether trainee 1 (the owner) can.
    targets = {
        "fetched and answered notebook": (home / cycle["path"], True),
        "submission kept in the nbgrader cache": (next(home.glob(f".local/share/jupyter/nbgrader_cache/{COURSE}/"
                                                                  f"{t1}+{MODULE}*/{NOTEBOOK}")), True),
        "feedback": (next(home.glob(f"{COURSE}/{MODULE}/feedback/*/*.html")), True),
        "list of submissions in the exchange": (inbound, False),
        "gradebook (course root)": (hub.course_root / "gradebook.db", False),
        "source with hidden tests (course root)": (hub.course_root / "source" / MODULE / NOTEBOOK, False),
    }
    probe = ("import json, os, sys\nout = {}\nfor p in sys.argv[1:]:\n"
             "    try:\n        os.listdir(p) if os.path.isdir(p) else open(p, 'rb').read(1)\n"
             "        out[p] = True\n    except PermissionError:\n        out[p] = False\nprint(json.dumps(out))")

    def readable_by(user):
        paths = [str(path) for path, _ in targets.values()]
        done = run_as(user, [sys.executable, "-c", probe, *paths],
                      {"PATH": "/usr/bin:/bin", "HOME": pwd.getpwnam(user).pw_dir}, "/")
        assert done.returncode == 0, done.stderr
        read = json.loads(done.stdout)
        return {what: read[str(path)] for what, (path, _) in targets.items()}

    others = readable_by(t2)
    assert not any(others.values()), f"trainee 2 could read: {others}"
    # The probe itself works: the owner reads its own files (and is kept out of the rest too).
    assert readable_by(t1) == {what: owner for what, (_, owner) in targets.items()}
    # What permissions do NOT protect: a submission folder in the exchange is readable by anyone who
    # knows its name; the name carries a random suffix and the folder above cannot be listed.
    assert stat.S_IMODE(submission.stat().st_mode) == 0o777
