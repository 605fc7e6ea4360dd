"""The sandbox that graded code runs in: limits, scratch folder, clean environment, hidden paths, no network."""
import json
import os
import shutil
import pwd
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from course.cohort.kernels import SandboxedKernelManager
from course.cohort.sandbox import KernelServer, Limits

PROBE = '''import json, os, resource, socket
facts = {"uid": os.getuid(), "cwd": os.getcwd(), "env": sorted(os.environ), "home": os.environ["HOME"],
         "proc_environ": open("/proc/self/environ").read(),
         "limits": {name: resource.getrlimit(getattr(resource, name))[0] for name in ("RLIMIT_CPU", "RLIMIT_AS",
                                                                                        "RLIMIT_FSIZE", "RLIMIT_CORE")},
         "hidden": sorted(os.listdir(HIDDEN)) if os.path.isdir(HIDDEN) else "absent",
         "others": sorted(os.listdir(os.path.dirname(os.getcwd()))),
         "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
         "status": {k: v.strip() for k, v in (l.split(":", 1) for l in open("/proc/self/status"))},
         "umount": __import__("ctypes").CDLL(None).umount2(HIDDEN.encode(), 2)}
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2).close()
    facts["network"] = "open"
except OSError as exc:
    facts["network"] = type(exc).__name__
print(json.dumps(facts))'''


@contextmanager
def short_scratch():
    """A scratch folder with a short path (Unix socket paths are limited to about 100 characters)."""
    scratch = Path(tempfile.mkdtemp(prefix="kap-sandbox-test-"))
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    hidden = tmp_path_factory.mktemp("workspace")
    (hidden / "gradebook.db").write_text("grades")
    os.environ["KAP_SECRET_FOR_TEST"] = "s3cr3t"
    try:
        with short_scratch() as scratch, KernelServer(scratch, Limits(cpu_seconds=77, memory_mb=3000, file_size_mb=5),
                                                      hide=[hidden], preload=["json"]) as server:
            folder = scratch / "kernel-1"
            folder.mkdir()
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"HIDDEN = {str(hidden)!r}\n" + PROBE)],
                                          metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
            km = SandboxedKernelManager(launcher=server.kernel_command([]))
            NotebookClient(nb, km=km, timeout=60, resources={"metadata": {"path": str(folder)}}).execute()
            return json.loads(nb.cells[0].outputs[0]["text"]), server.protections, folder
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
    assert set(facts["env"]) <= {"PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ", "PYTHONPATH",
                                 "HOME", "TMPDIR", "PYTHONNOUSERSITE", "MPLBACKEND",
                                 # set by ipykernel itself for the code it runs:
                                 "CLICOLOR", "CLICOLOR_FORCE", "FORCE_COLOR", "GIT_PAGER", "PAGER", "TERM",
                                 "PYDEVD_USE_FRAME_EVAL", "JPY_PARENT_PID", "JPY_SESSION_NAME"}


def test_kernels_have_no_capabilities_and_cannot_gain_any(probe):
    facts, _, _ = probe
    assert facts["status"]["CapEff"] == facts["status"]["CapBnd"] == "0" * 16
    assert facts["status"]["NoNewPrivs"] == "1"
    assert facts["umount"] == -1, "a kernel cannot uncover what is hidden from it"


def test_the_user_switch_is_decided_on_what_kernels_must_read(probe):
    facts, protections, folder = probe
    assert facts["uid"] == (pwd.getpwnam("nobody").pw_uid if protections["user"] == "nobody" else os.getuid())
    assert str(folder.parent) not in protections["user_note"], "the scratch folder is only passed through"


def test_isolation_hides_the_workspace_other_kernels_and_the_network(probe):
    facts, protections, _ = probe
    if not protections["isolation"]:
        pytest.skip(f"documented limit on this machine: {protections['isolation_note']}")
    assert facts["hidden"] in ([], "absent"), "the workspace (gradebook) is covered, or not there at all"
    assert facts["others"] == ["kernel-1"], "other kernels' folders and the server socket are hidden"
    assert facts["pids"] == [1, 2], "the kernel sees only its own processes"
    assert facts["network"] != "open"


def test_the_server_only_starts_kernels_in_its_scratch_folder(tmp_path):
    with short_scratch() as scratch, KernelServer(scratch, preload=[]) as server:
        command = server.kernel_command([sys.executable, "-c", "print('should not run')"])
        run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert run.returncode != 0 and "refused" in run.stderr


@pytest.mark.parametrize("field, value", [("cpu_seconds", 0), ("memory_mb", 1), ("file_size_mb", 1.5),
                                          ("processes", True)])
def test_limits_are_checked(field, value):
    with pytest.raises(ValueError):
        Limits(**{field: value})


def test_without_namespaces_kernels_still_run_with_limits_and_a_clean_environment():
    with short_scratch() as scratch, KernelServer(scratch, Limits(cpu_seconds=55), preload=[], isolate=False) as server:
        folder = scratch / "kernel-1"
        folder.mkdir()
        code = ("import os, resource\n"
                "print(resource.getrlimit(resource.RLIMIT_CPU)[0], os.getcwd(), 'HOME' in os.environ)")
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)],
                                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
        NotebookClient(nb, km=SandboxedKernelManager(launcher=server.kernel_command([])), timeout=60,
                       resources={"metadata": {"path": str(folder)}}).execute()
    assert server.protections["isolation"] is False and "turned off" in server.protections["isolation_note"]
    assert nb.cells[0].outputs[0]["text"] == f"55 {folder} True\n"
