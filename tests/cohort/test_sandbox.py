"""The sandbox that graded code runs in: bubblewrap, a user of its own, cgroups, limits, a clean environment."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from course.cohort.kernels import SandboxedKernelManager
from course.cohort.sandbox import FIRST_UID, TRAINEE_VARIABLE, KernelServer, Limits
from course.paths import CHECKOUT as ROOT

ROOT_ONLY = "needs root: only root can give kernels users of their own, cgroups and a tmpfs (documented in README)"

PROBE = """import json, os, resource, socket
def attempt(f):
    try:
        return f()
    except OSError as exc:
        return type(exc).__name__
facts = {"uid": os.getuid(), "cwd": os.getcwd(), "env": sorted(os.environ), "home": os.environ["HOME"],
         "proc_environ": attempt(lambda: open("/proc/self/environ").read()),
         "limits": {name: resource.getrlimit(getattr(resource, name))[0] for name in ("RLIMIT_CPU", "RLIMIT_AS",
                                                                                        "RLIMIT_FSIZE", "RLIMIT_CORE")},
         "hidden": attempt(lambda: sorted(os.listdir(HIDDEN))) if os.path.exists(HIDDEN) else "absent",
         "others": attempt(lambda: sorted(os.listdir(os.path.dirname(os.getcwd())))),
         "repo": sorted(os.listdir(REPO)), "root": sorted(os.listdir("/")),
         "pid1": open("/proc/1/cmdline").read().split("\\0")[0],
         "sys": os.path.exists("/sys/kernel"), "dev": sorted(os.listdir("/dev")),
         "status": {k: v.strip() for k, v in (l.split(":", 1) for l in open("/proc/self/status"))},
         "cgroup": open("/proc/self/cgroup").read(),
         "umount": __import__("ctypes").CDLL(None).umount2(os.getcwd().encode(), 2),
         "writes": {p: attempt(lambda: open(p, "w").write("x")) for p in
                    ["/escaped.txt", "/root/escaped.txt", "/tmp/escaped.txt", "/etc/cron.d/escaped",
                     os.__file__.replace("os.py", "sitecustomize.py"), "/proc/sys/kernel/core_pattern",
                     os.path.join(REPO, "course", "escaped.py"), "mine.txt"]}}
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2).close()
    facts["network"] = "open"
except OSError as exc:
    facts["network"] = type(exc).__name__
print(json.dumps(facts))"""


@contextmanager
def short_scratch():
    """A scratch folder with a short path (Unix socket paths are limited to about 100 characters)."""
    scratch = Path(tempfile.mkdtemp(prefix=f"kap-grade-{os.getpid()}-t"))
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run_cell(server, folder, code, timeout=60, trainee=None):
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(code)],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    )
    km = SandboxedKernelManager(launcher=server.kernel_command([]), trainee=trainee)
    NotebookClient(nb, km=km, timeout=timeout, resources={"metadata": {"path": str(folder)}}).execute()
    return nb.cells[0].outputs


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    hidden = tmp_path_factory.mktemp("workspace")
    (hidden / "gradebook.db").write_text("grades")
    os.environ["KAP_SECRET_FOR_TEST"] = "s3cr3t"
    try:
        with (
            short_scratch() as scratch,
            KernelServer(scratch, Limits(cpu_seconds=77, memory_mb=3000, file_size_mb=5), preload=["json"]) as server,
        ):
            folder = server.kernel_folder("kernel-1")
            outputs = run_cell(server, folder, f"HIDDEN = {str(hidden)!r}\nREPO = {str(ROOT)!r}\n" + PROBE)
            facts = json.loads(outputs[0]["text"])
            server.remove_kernel_folder(folder)
            return facts, server.protections, folder
    finally:
        del os.environ["KAP_SECRET_FOR_TEST"]


def test_kernel_runs_in_its_scratch_folder_with_limits(probe):
    facts, protections, folder = probe
    assert facts["cwd"] == str(folder) and facts["home"] == str(folder)
    mb = 1024 * 1024
    assert facts["limits"] == {"RLIMIT_CPU": 77, "RLIMIT_AS": 3000 * mb, "RLIMIT_FSIZE": 5 * mb, "RLIMIT_CORE": 0}
    assert protections["limits"]["cpu_seconds"] == 77 and "json" in protections["preloaded"]


def test_kernel_environment_holds_no_secrets(probe):
    facts, _, _ = probe
    assert "KAP_SECRET_FOR_TEST" not in facts["env"] and "s3cr3t" not in facts["proc_environ"]
    assert set(facts["env"]) <= {
        "PATH",
        "LANG",
        "LANGUAGE",
        "LC_ALL",
        "LC_CTYPE",
        "LC_MESSAGES",
        "TZ",
        "PYTHONPATH",
        "HOME",
        "TMPDIR",
        "PYTHONNOUSERSITE",
        "MPLBACKEND",
        # set by ipykernel itself for the code it runs:
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "FORCE_COLOR",
        "GIT_PAGER",
        "PAGER",
        "TERM",
        "PYDEVD_USE_FRAME_EVAL",
        "JPY_PARENT_PID",
        "JPY_SESSION_NAME",
    }


def test_kernels_have_no_capabilities_and_cannot_gain_any(probe):
    facts, _, _ = probe
    assert facts["status"]["CapEff"] == facts["status"]["CapPrm"] == facts["status"]["CapAmb"] == "0" * 16
    assert facts["status"]["NoNewPrivs"] == "1"
    assert facts["umount"] == -1, "a kernel cannot change its mounts"


def test_bubblewrap_shows_only_what_a_kernel_needs(probe):
    facts, protections, _ = probe
    assert protections["isolation"], protections["isolation_note"]
    assert facts["hidden"] == "absent", "the cohort workspace does not exist inside the sandbox"
    assert facts["repo"] == sorted(
        ["course", "datasets"]
        + ([".venv"] if (ROOT / ".venv").is_dir() and Path(sys.prefix).resolve() == ROOT / ".venv" else [])
    ), "no solutions/, tests/ or .git: only the course package and its data"
    assert "home" not in facts["root"] and not facts["sys"]
    assert set(facts["dev"]) <= {
        "console",
        "core",
        "fd",
        "full",
        "mqueue",
        "null",
        "ptmx",
        "pts",
        "random",
        "shm",
        "stderr",
        "stdin",
        "stdout",
        "tty",
        "urandom",
        "zero",
    }
    assert facts["others"] == "PermissionError", "a kernel cannot list the other kernels' folders"
    assert "bwrap" in facts["pid1"], "a PID namespace of its own"
    assert facts["network"] != "open"


def test_kernels_can_write_only_their_own_folder(probe):
    facts, _, _ = probe
    writes = dict(facts["writes"])
    assert writes.pop("mine.txt") == 1
    assert all(result in ("OSError", "PermissionError", "FileNotFoundError") for result in writes.values()), writes


@pytest.mark.skipif(os.getuid() != 0, reason=ROOT_ONLY)
def test_as_root_kernels_get_a_user_cgroups_and_a_sized_folder_of_their_own(probe):
    facts, protections, folder = probe
    assert facts["uid"] >= FIRST_UID and protections["user"] == "per-kernel"
    assert protections["tmpfs"], protections["scratch_note"]
    assert protections["cgroups"] == ["cpu", "memory", "pids"], protections["cgroup_note"]
    for controller in ("memory", "pids", "cpu"):
        assert any(
            line.split(":")[1].startswith(controller) and line.endswith(folder.name)
            for line in facts["cgroup"].splitlines()
        ), facts["cgroup"]
    assert not Path(f"/sys/fs/cgroup/memory/{folder.parent.name}").exists(), "the run's cgroups are removed"


def test_the_server_only_starts_kernels_in_its_scratch_folder(tmp_path):
    with short_scratch() as scratch, KernelServer(scratch, preload=[]) as server:
        command = server.kernel_command([sys.executable, "-c", "print('should not run')"])
        run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=30)
        (scratch / "made-by-hand").mkdir()
        by_hand = subprocess.run(command, cwd=scratch / "made-by-hand", capture_output=True, text=True, timeout=30)
    assert run.returncode != 0 and "refused" in run.stderr
    if os.getuid() == 0:
        assert by_hand.returncode != 0 and "refused" in by_hand.stderr, "only folders made for a kernel user"


def test_a_kernel_knows_its_trainee_from_the_launch_request_only(monkeypatch):
    """The grader names the trainee whose work a kernel runs (for variants); nothing else sets it."""
    code = "import os\nfrom course.variants import trainee_id\nprint(os.environ.get('KAP_TRAINEE'), trainee_id())"
    monkeypatch.setenv(TRAINEE_VARIABLE, "the-graders-own")  # the grading process's environment does not count
    with short_scratch() as scratch, KernelServer(scratch, preload=["course.variants"]) as server:
        seen = {}
        for number, trainee in enumerate(["ana.k", None], start=1):
            folder = server.kernel_folder(f"kernel-{number}")
            seen[trainee] = run_cell(server, folder, code, trainee=trainee)[0]["text"]
            server.remove_kernel_folder(folder)
        folder = server.kernel_folder("kernel-3")
        bad = subprocess.run(
            server.kernel_command([sys.executable, "-c", "print('should not run')"]),
            cwd=folder,
            env={**os.environ, TRAINEE_VARIABLE: "ana\x01bob"},
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert seen == {"ana.k": "ana.k ana.k\n", None: "None None\n"}
    assert bad.returncode != 0 and "refused" in bad.stderr, "a trainee id that is not printable text is refused"


@pytest.mark.parametrize(
    "field, value",
    [("cpu_seconds", 0), ("memory_mb", 1), ("file_size_mb", 1.5), ("processes", True), ("scratch_mb", 1)],
)
def test_limits_are_checked(field, value):
    with pytest.raises(ValueError):
        Limits(**{field: value})


def test_without_the_sandbox_kernels_still_run_with_limits_and_say_so():
    with short_scratch() as scratch, KernelServer(scratch, Limits(cpu_seconds=55), preload=[], isolate=False) as server:
        folder = server.kernel_folder("kernel-1")
        code = (
            "import os, resource\nprint(resource.getrlimit(resource.RLIMIT_CPU)[0], os.getcwd(), 'HOME' in os.environ)"
        )
        outputs = run_cell(server, folder, code)
        server.remove_kernel_folder(folder)
    assert server.protections["isolation"] is False and "NOT ISOLATED" in server.protections["isolation_note"]
    assert outputs[0]["text"] == f"55 {folder} True\n"
