"""Attacks on grading, as a trainee would try them, all graded together in one run next to honest work.

Each attack asserts its status, that it forged no points, that nothing outside its kernel's scratch folder
changed, and (once, for the run) that the honest trainees beside it were graded normally. A second test shows
that the five forging tricks do earn points under plain `nbgrader autograde` (what it does not protect).
"""

import os
import pwd
import subprocess
import sysconfig
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from course.cohort.exchange import collect
from course.cohort.grading import clear, grade
from course.cohort.sandbox import run_uids
from course.cohort.statuses import records
from course.cohort.workspace import gradebook_at
from course.nbcourse import course_directory, generate, nbgrader
from course.paths import CHECKOUT as ROOT

from .conftest import (
    AUTO_POINTS,
    MAX_POINTS,
    MODULE,
    NOTEBOOK,
    auto_scores,
    cell,
    correct,
    new_cohort,
    snapshot,
    submit,
    unanswered,
)

MARK = uuid.uuid4().hex[:12]  # in every file an attack tries to create, so leftovers are found anywhere
STDLIB = sysconfig.get_paths()["stdlib"]
ROOT_ONLY = "needs root: on a non-root machine there are no other local users to own files"
#: What only root gets (README, "What course cohort grade protects"): a user per kernel, cgroups, a tmpfs folder.
NOT_ROOT = {
    "kill-everything": "not root: kernels share the grading user, so one can signal the others and the "
    "kernel server (documented in README)"
}

FORGING = {
    # The five tricks that forged full marks under plain nbgrader (issue 11).
    "redefine-helpers": """class _Anything:
    def __getattr__(self, name):
        return _Anything()
    def __call__(self, *args, **kwargs):
        return _Anything()
    def __iter__(self):
        return iter(())
answered = lambda *names: _Anything() if len(names) == 1 else tuple(_Anything() for _ in names)
expect = expect_type = expect_close = expect_equal = lambda *args, **kwargs: None""",
    "swap-code": """import course.answer_checks as checking
def _fake_answered(*names):
    class Anything:
        def __getattr__(self, name):
            return Anything()
        def __call__(self, *args, **kwargs):
            return Anything()
        def __iter__(self):
            return iter(())
    return Anything() if len(names) == 1 else tuple(Anything() for _ in names)
def _never_fails(*args, **kwargs):
    return None
checking.answered.__code__ = _fake_answered.__code__
for _name in ("expect", "expect_type", "expect_close", "expect_equal"):
    getattr(checking, _name).__code__ = _never_fails.__code__""",
    "input-transformer": """get_ipython().input_transformers_cleanup.append(lambda lines: ["pass\\n"])""",
    "hide-and-patch-execute": """ip = get_ipython()
ip.showtraceback = lambda *args, **kwargs: None
kernel = ip.kernel
_original = kernel.do_execute
async def _always_ok(*args, **kwargs):
    reply = await _original(*args, **kwargs)
    reply["status"] = "ok"
    return reply
kernel.do_execute = _always_ok""",
    "pre-run-hook": """def _fake_result(info):
    get_ipython().displayhook(1)
get_ipython().events.register("pre_run_cell", _fake_result)""",
}

TAMPERING = {
    **FORGING,
    # More of our own.
    "partial-credit": """get_ipython().events.register("pre_run_cell", lambda info: get_ipython().displayhook(1e9))""",
    "replace-builtins": """import builtins
class AssertionError(Exception):
    pass
builtins.AssertionError = AssertionError""",
    "exception-handlers": """import sys
sys.excepthook = lambda *args: None
get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)""",
    "shell-magic": """!touch /tmp/shell-{mark}.txt""",
}

OTHERS = {
    # attack: (code in the first answer cell of a blank notebook, expected status)
    "fake-object": (
        """class Bands(dict):
    def __eq__(self, other):
        return True
gad7_bands = Bands({4: "minimal"})""",
        "unreadable-answer",
    ),
    "huge-answer": ("""gad7_bands = {i: "x" * 1000 for i in range(2000)}""", "unreadable-answer"),
    "kill-everything": (
        """import os, signal
os.kill(-1, signal.SIGKILL)  # every process this user may signal: only the kernel's own""",
        "graded",
    ),
    "steal-tests": (
        """marks = ["gad7_" + "band(total)", "HID" + "DEN TESTS"]  # split, or this cell would find itself
print("STOLEN", sum(mark in source for source in In for mark in marks))""",
        "graded",
    ),
    "read-secrets": (
        """import os
for path in {paths!r}:
    try:
        with open(path, "rb") as f:
            print("READ", path, f.read(20))
    except OSError as exc:
        print("BLOCKED", path, type(exc).__name__)""",
        "graded",
    ),
    "writes-outside": (
        """import os
for path in {writes!r}:
    try:
        with open(path, "w") as f:
            f.write("written by graded code")
        print("WROTE", path)
    except OSError as exc:
        print("BLOCKED", path, type(exc).__name__)""",
        "graded",
    ),
    "log-symlink": (
        """import os
os.symlink({secret!r}, ".kernel.log")
os.symlink({secret!r}, "kernel.log")
os.kill(os.getpid(), 9)""",
        "kernel-died",
    ),
    "log-pipe": (
        """import os
os.mkfifo(".kernel.log")
os.mkfifo("kernel.log")
os.kill(os.getpid(), 9)""",
        "kernel-died",
    ),
    "log-devzero": (
        """import os
os.symlink("/dev/zero", ".kernel.log")
os.write(2, b"A" * 20_000_000)
os.kill(os.getpid(), 9)""",
        "kernel-died",
    ),
    "fork-bomb": (
        """import os, time
children = 0
try:
    for _ in range(100_000):
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        children += 1
except OSError as exc:
    print("FORK-LIMIT", children, type(exc).__name__)""",
        ("kernel-died", "graded"),
    ),
    # At the process limit the kernel's own threads may or may not get to start (a race with its children):
    # the kernel then dies, or the notebook is graded with nothing answered. Either way nothing is forged.
    "memory-hog": (
        """import os, time
pids = []
for _ in range(5):
    pid = os.fork()
    if pid == 0:
        block = bytearray(500 * 1024 * 1024)
        for i in range(0, len(block), 4096):
            block[i] = 1
        time.sleep(30)
        os._exit(0)
    pids.append(pid)
time.sleep(10)
print("ALIVE", sum(1 for pid in pids if os.waitpid(pid, os.WNOHANG) == (0, 0)))""",
        "graded",
    ),
    "disk-hog": (
        """written = 0
try:
    for i in range(20):
        with open(f"fill-{i}.bin", "wb") as f:
            f.write(b"x" * (30 * 1024 * 1024))
        written += 30
except OSError as exc:
    print("DISK-FULL", written, type(exc).__name__)""",
        "graded",
    ),
}

#: Settings of the attacked cohort: small limits, so the hogs meet them quickly.
LIMITS = dict(memory_mb=1536, processes=64, scratch_mb=96, file_size_mb=50, notebook_timeout=120)


def _blank_with(ws, code):
    """An unanswered notebook whose first answer cell holds ``code`` (a few lines, as the attacks were)."""
    nb = unanswered(ws)
    cell(nb, "q1-answer").source = code
    return nb


def _world(ws) -> dict:
    """What graded code must not change: system folders, the repository, the cohort's sources."""
    folders = [
        "/",
        "/root",
        "/etc/cron.d",
        STDLIB,
        ROOT / "course",
        ROOT / "datasets",
        ROOT / "solutions",
        ws.course / "source" / MODULE,
    ]
    state = {str(f): sorted(os.listdir(f)) for f in folders if os.path.isdir(f)}
    state["core_pattern"] = Path("/proc/sys/kernel/core_pattern").read_text()
    state["source"] = (ws.course / "source" / MODULE / NOTEBOOK).read_bytes()
    return state


def _inbound(ws, student, files: dict, timestamp="2030-01-01 12:00:00.000000 UTC") -> Path:
    """A submission as nbgrader's submit leaves it in the exchange's inbound folder."""
    inbound = ws.exchange / ws.name / "inbound"
    inbound.mkdir(parents=True, exist_ok=True)
    folder = inbound / f"{student}+{MODULE}+{timestamp}+{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    (folder / "timestamp.txt").write_text(timestamp)
    for name, content in files.items():
        if callable(content):
            content(folder / name)
        else:
            (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    return folder


@pytest.fixture(scope="module")
def local_trainee():
    """A user of this machine (unique to this run) who submits, as trainees on a hub are."""
    if os.getuid() != 0:
        yield None
        return
    name = f"kapatk{os.getpid()}"
    subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True)
    try:
        yield name
    finally:
        subprocess.run(["userdel", name], check=False)


@pytest.fixture(scope="module")
def attacked(tmp_path_factory, local_trainee):
    home = tmp_path_factory.mktemp("attacks") / "cohorts"
    collected = ["link-peer", "link-source", "link-gradebook", "link-folder", "hard-link", "named-pipe", "peer"]
    kernel_attacks = [*TAMPERING, *OTHERS, "20000-cells"]
    honest = ["honest-correct", "honest-unanswered"]
    trainees = honest + kernel_attacks + collected + ([local_trainee] if local_trainee else [])
    ws = new_cohort(home, "attacks", trainees, timeout=20, **LIMITS)
    secret = ws.path / f"secret-{MARK}.txt"
    secret.write_text(f"TOP-SECRET-{MARK}")
    paths = [
        str(ROOT / "solutions" / MODULE / NOTEBOOK),
        str(ws.course / "source" / MODULE / NOTEBOOK),
        str(ws.sqlite_file),
        str(secret),
        str(ROOT / ".git" / "config"),
        "/root/.bashrc",
    ]
    writes = [
        f"/escaped-{MARK}.txt",
        f"/root/escaped-{MARK}.txt",
        f"/etc/cron.d/escaped-{MARK}",
        f"{STDLIB}/sitecustomize.py",
        "/proc/sys/kernel/core_pattern",
        f"../../escaped-{MARK}.txt",
        f"../escaped-{MARK}.txt",
        str(ws.course / f"escaped-{MARK}.txt"),
        str(ROOT / "course" / "sitecustomize.py"),
    ]
    codes = {name: code.replace("{mark}", MARK) for name, code in TAMPERING.items()}
    codes.update(
        {
            name: code.replace("{paths!r}", repr(paths))
            .replace("{writes!r}", repr(writes))
            .replace("{secret!r}", repr(str(secret)))
            for name, (code, _) in OTHERS.items()
        }
    )

    submit(ws, "honest-correct", correct(ws))
    submit(ws, "honest-unanswered", unanswered(ws))
    for name, code in codes.items():
        submit(ws, name, _blank_with(ws, code))
    crowded = unanswered(ws)
    crowded.cells += [nbformat.v4.new_code_cell("x = 1") for _ in range(20_000)]
    submit(ws, "20000-cells", crowded)

    # Through the exchange: one honest trainee, and links to what a trainee must never see.
    honest_nb = nbformat.writes(correct(ws))
    peer = _inbound(ws, "peer", {NOTEBOOK: honest_nb})
    source = ws.course / "source" / MODULE / NOTEBOOK
    _inbound(ws, "link-peer", {NOTEBOOK: lambda p: p.symlink_to(peer / NOTEBOOK)})
    _inbound(ws, "link-source", {NOTEBOOK: lambda p: p.symlink_to(source)})
    _inbound(ws, "link-gradebook", {NOTEBOOK: honest_nb, "notes.txt": lambda p: p.symlink_to(ws.sqlite_file)})
    (ws.exchange / ws.name / "inbound" / f"link-folder+{MODULE}+2030-01-01 12:00:00.000000 UTC+x").symlink_to(peer)
    _inbound(ws, "hard-link", {NOTEBOOK: lambda p: os.link(source, p)})
    _inbound(ws, "named-pipe", {NOTEBOOK: honest_nb, "data": lambda p: os.mkfifo(p)})
    if local_trainee:
        user = pwd.getpwnam(local_trainee)
        folder = _inbound(ws, local_trainee, {NOTEBOOK: honest_nb})
        os.chown(folder, user.pw_uid, user.pw_gid)
        os.chown(folder / "timestamp.txt", user.pw_uid, user.pw_gid)  # the notebook stays root's

    originals = {s: snapshot(ws.course / "submitted" / s / MODULE) for s in [*codes, "20000-cells"]}
    before = _world(ws)
    collection = collect(ws, MODULE)
    started = time.time()
    summary = grade(ws, MODULE, workers=2, progress=False)
    seconds = time.time() - started
    after = _world(ws)
    yield dict(
        ws=ws,
        summary=summary,
        collection=collection,
        before=before,
        after=after,
        secret=secret,
        originals=originals,
        seconds=seconds,
        local=local_trainee,
    )
    for path in writes[:3]:
        Path(path).unlink(missing_ok=True)


def _record(attacked, student):
    return attacked["summary"].records[student]


def _output(ws, student) -> str:
    nb = nbformat.read(ws.course / "autograded" / student / MODULE / NOTEBOOK, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.parametrize("attack", list(TAMPERING))
def test_tampering_is_flagged_and_forges_nothing(attacked, attack):
    record = _record(attacked, attack)
    assert record.status == "tampering", record.detail()
    assert sum(auto_scores(attacked["ws"], attack).values()) == 0, "no forged points"
    assert record.score == 0 and record.max_score == MAX_POINTS, "B's scores wait in the gradebook for the instructor"
    assert not record.graded, "no pass, no certificate until cleared"
    assert attacked["originals"][attack] == snapshot(attacked["ws"].course / "submitted" / attack / MODULE)


@pytest.mark.parametrize("attack", list(OTHERS))
def test_other_attacks_get_their_status_and_forge_nothing(attacked, attack):
    if os.getuid() != 0 and attack in NOT_ROOT:
        pytest.skip(NOT_ROOT[attack])
    record = _record(attacked, attack)
    expected = OTHERS[attack][1]
    assert record.status in ((expected,) if isinstance(expected, str) else expected), record.detail()
    assert not any(auto_scores(attacked["ws"], attack).values()), "no forged points"


def test_nothing_outside_the_kernels_scratch_folders_changed(attacked):
    before, after = attacked["before"], attacked["after"]
    assert before == after
    leftovers = subprocess.run(
        ["find", "/tmp", "/root", "/etc", "/var/tmp", "-maxdepth", "3", "-name", f"*{MARK}*"],
        capture_output=True,
        text=True,
    ).stdout.split()
    assert leftovers == [], leftovers


def test_honest_trainees_in_the_same_run_are_graded_normally(attacked):
    ws, summary = attacked["ws"], attacked["summary"]
    assert summary.records["honest-correct"].status == "needs-manual-grading"
    assert sum(auto_scores(ws, "honest-correct").values()) == AUTO_POINTS
    assert summary.records["honest-unanswered"].status == "graded"
    assert sum(auto_scores(ws, "honest-unanswered").values()) == 0
    assert summary.records["peer"].status == "needs-manual-grading", summary.records["peer"].detail()
    assert sum(auto_scores(ws, "peer").values()) == AUTO_POINTS


@pytest.mark.parametrize(
    "trainee", ["link-peer", "link-source", "link-gradebook", "link-folder", "hard-link", "named-pipe"]
)
def test_collection_refuses_links_pipes_and_shared_files(attacked, trainee):
    ws = attacked["ws"]
    assert trainee in attacked["collection"].refused
    assert not (ws.course / "submitted" / trainee / MODULE).exists(), "nothing of it was copied"
    record = _record(attacked, trainee)
    assert record.status == "refused" and record.score is None
    assert "REFUSED " + trainee in attacked["collection"].text()


@pytest.mark.skipif(os.getuid() != 0, reason=ROOT_ONLY)
def test_collection_refuses_files_the_trainee_does_not_own(attacked):
    name = attacked["local"]
    assert "owned by another user" in attacked["collection"].refused[name]
    assert _record(attacked, name).status == "refused"


def test_hidden_tests_and_secrets_never_reach_trainee_code(attacked):
    ws = attacked["ws"]
    assert "STOLEN 0" in _output(ws, "steal-tests"), "the trainee's kernel never held a test"
    read = _output(ws, "read-secrets")
    assert "READ" not in read and read.count("BLOCKED") == 6
    assert "WROTE" not in _output(ws, "writes-outside")


def test_the_grader_never_reads_files_the_kernel_controls(attacked):
    summary = attacked["summary"]
    for attack in ("log-symlink", "log-pipe", "log-devzero"):
        detail = summary.records[attack].detail()
        assert "SIGKILL" in detail and f"TOP-SECRET-{MARK}" not in detail, detail
        assert len(detail) < 700, "the kernel's last words are read up to a bound"
    assert "AAAA" in summary.records["log-devzero"].detail(), "its real error output (a pipe) is what is shown"


def _number(ws, attack, mark) -> int:
    return int(next(line for line in _output(ws, attack).splitlines() if line.startswith(mark)).split()[1])


def test_a_fork_bomb_stops_at_the_process_limit(attacked):
    forks = _number(attacked["ws"], "fork-bomb", "FORK-LIMIT")
    assert forks < LIMITS["processes"], "the kernel and all its children share one process limit"


@pytest.mark.skipif(
    os.getuid() != 0, reason="needs root: without cgroups, memory is limited per process only (documented in README)"
)
def test_children_share_the_kernels_memory_limit(attacked):
    alive = _number(attacked["ws"], "memory-hog", "ALIVE")
    assert 0 < alive and alive * 500 < LIMITS["memory_mb"], "children together stay under the kernel's memory"


@pytest.mark.skipif(
    os.getuid() != 0, reason="needs root: without a tmpfs, a kernel's folder has no size limit (documented in README)"
)
def test_a_disk_hog_stops_at_its_folders_size(attacked):
    disk = _number(attacked["ws"], "disk-hog", "DISK-FULL")
    assert disk <= LIMITS["scratch_mb"], "a kernel writes at most its own folder's size"


def test_twenty_thousand_cells_are_refused_quickly(attacked):
    record = _record(attacked, "20000-cells")
    assert record.status == "too-many-cells" and "20" in record.detail()
    assert record.seconds < 15


def test_no_process_cgroup_or_mount_outlives_the_run(attacked):
    alive = []
    ours = run_uids()  # this run's kernel users (other grading runs on the machine have theirs)
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and proc.stat().st_uid in ours:
                alive.append(proc.name)
        except OSError:
            continue
    assert not alive, "every kernel's processes are gone"
    mounts = Path("/proc/self/mounts").read_text()
    assert "kap-grade-" not in mounts or f"kap-grade-{os.getpid()}-" not in mounts
    assert not list(Path("/sys/fs/cgroup/memory").glob(f"kap-grade-{os.getpid()}-*"))


def test_suspected_submissions_need_a_look_everywhere(attacked):
    import csv
    import io

    from course.cohort.export import canvas_csv, grades_csv
    from course.cohort.report import collect_data, needs_help

    ws, summary = attacked["ws"], attacked["summary"]
    assert "swap-code: tampering suspected" in summary.text() and "course cohort clear" in summary.text()
    assert "link-peer: refused at collection" in summary.text()
    data = collect_data(ws)
    rows = {r["trainee"]: r for r in csv.DictReader(io.StringIO(grades_csv(data)))}
    assert rows["swap-code"]["status_label"] == "tampering suspected" and rows["swap-code"]["score"] == ""
    assert rows["link-peer"]["status_label"] == "refused at collection"
    canvas = {r["SIS User ID"]: r for r in csv.DictReader(io.StringIO(canvas_csv(data)))}
    assert canvas["swap-code"][next(k for k in canvas["swap-code"] if MODULE in k)] == ""
    reasons = dict(zip(needs_help(data.table)["trainee"], needs_help(data.table)["reasons"]))
    assert "tampering suspected" in reasons["swap-code"] and "refused at collection" in reasons["link-peer"]


def test_an_instructor_clears_a_suspected_submission(attacked):
    ws = attacked["ws"]
    record = clear(ws, MODULE, "pre-run-hook", who="instructor")
    assert record.status == "graded" and record.score == 0 and record.graded
    assert records(ws, MODULE)["pre-run-hook"].cleared[0][0] == "instructor"
    with pytest.raises(ValueError, match="only a submission with the status 'tampering suspected'"):
        clear(ws, MODULE, "honest-correct")


def test_plain_nbgrader_is_forged_by_the_same_tricks(tmp_path, cohort_home):
    """What `nbgrader autograde` does not protect: its tests run in the trainee's kernel."""
    ws = new_cohort(cohort_home, "plain", ["x"])
    plain = course_directory(tmp_path / "plain", [MODULE])
    generate(plain, MODULE)
    for name, code in FORGING.items():
        folder = plain / "submitted" / name / MODULE
        folder.mkdir(parents=True)
        nbformat.write(_blank_with(ws, code), folder / NOTEBOOK)
    nbgrader(plain, "autograde", MODULE)
    with gradebook_at(f"sqlite:///{plain / 'gradebook.db'}", "kap-anxiety") as gb:
        scores = {s.student.id: s.score for s in gb.find_assignment(MODULE).submissions}
    print("plain nbgrader autograde, blank notebooks with one trick each:", scores)
    assert all(scores[name] > 0 for name in FORGING), scores
    assert scores["input-transformer"] == scores["hide-and-patch-execute"] == AUTO_POINTS, scores
