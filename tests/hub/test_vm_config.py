"""deploy/vm without a running hub: the settings jupyterhub_config.py derives from KAP_* variables, its
plain-language refusals, and add_users.sh's all-or-nothing check of user names.
(tests/hub/test_hub_cycle.py runs the same config on a real hub.)"""

import os
import subprocess

import pytest
from traitlets.config.loader import PyFileConfigLoader

from course.paths import CHECKOUT as ROOT

VM = ROOT / "deploy" / "vm"


def hub_config(monkeypatch, **settings):
    for name in [n for n in os.environ if n.startswith("KAP_")]:
        monkeypatch.delenv(name)
    for name, value in settings.items():
        monkeypatch.setenv(f"KAP_{name}", value)
    return PyFileConfigLoader("jupyterhub_config.py", str(VM)).load_config()


def test_production_defaults_limit_each_server_and_cull_idle_ones(monkeypatch):
    c = hub_config(monkeypatch, INSTRUCTORS="alice", TRAINEES="t01,t02")
    assert c.JupyterHub.spawner_class == "systemdspawner.SystemdSpawner"
    assert (c.Spawner.mem_limit, c.Spawner.cpu_limit) == ("1G", 1.0)
    assert c.SystemdSpawner.isolate_tmp and c.SystemdSpawner.disable_user_sudo
    assert c.JupyterHub.cleanup_servers is False, "a hub restart must not stop everyone's server"
    names = [s["name"] for s in c.JupyterHub.services]
    assert names == ["kap-anxiety", "idle-culler"]
    assert "--timeout=3600" in c.JupyterHub.services[1]["command"]
    assert c.JupyterHub.ip == "127.0.0.1", "no plain-HTTP password form on a public address by default"
    assert c.Authenticator.allowed_users == {"alice", "t01", "t02"}
    assert c.JupyterHub.load_groups["formgrade-kap-anxiety"]["users"] == ["alice", "grader-kap-anxiety"]


def test_only_the_grader_service_loads_the_grader_settings(monkeypatch):
    c = hub_config(monkeypatch, SPAWNER="local", CULL_TIMEOUT="0")
    assert c.JupyterHub.spawner_class == "localprocess"
    assert [s["name"] for s in c.JupyterHub.services] == ["kap-anxiety"]
    service = c.JupyterHub.services[0]["environment"]["JUPYTER_CONFIG_PATH"].split(os.pathsep)
    assert service == [str(VM / "grader"), str(VM)]
    # Everyone's own server: the trainee's Lab settings (shared with `make lab`), then the hub's nbgrader config.
    assert c.Spawner.environment["JUPYTER_CONFIG_PATH"].split(os.pathsep) == [str(ROOT / "deploy" / "lab"), str(VM)]


def test_the_course_service_works_in_the_cohort_named_after_the_course(monkeypatch, tmp_path):
    c = hub_config(monkeypatch, COURSE_ID="spring", COHORTS_HOME=str(tmp_path))
    service = c.JupyterHub.services[0]
    assert service["environment"]["KAP_COHORTS_HOME"] == str(tmp_path), "`course cohort` in its terminals"
    # Before `course cohort new spring` the hub still starts: the service waits in the grader's home.
    assert service["cwd"] != str(tmp_path / "spring" / "course")
    (tmp_path / "spring" / "course").mkdir(parents=True)
    c = hub_config(monkeypatch, COURSE_ID="spring", COHORTS_HOME=str(tmp_path))
    assert c.JupyterHub.services[0]["cwd"] == str(tmp_path / "spring" / "course")
    assert (
        hub_config(monkeypatch).JupyterHub.services[0]["environment"]["KAP_COHORTS_HOME"] == "/srv/nbgrader/cohorts"
    ), "bootstrap.sh's default"


@pytest.mark.parametrize(
    "name, value",
    [
        ("SPAWNER", "docker"),
        ("MEM_LIMIT", "lots"),
        ("CPU_LIMIT", "0"),
        ("TRAINEES", "Ann Lee,t02"),
        ("HUB_PORT", "99999"),
        ("COURSE_ID", "kap anxiety"),
        ("CULL_TIMEOUT", "-1"),
    ],
)
def test_a_bad_setting_is_refused_with_its_name(monkeypatch, name, value):
    with pytest.raises(ValueError, match=f"KAP_{name}"):
        hub_config(monkeypatch, **{name: value})


@pytest.mark.skipif(os.geteuid() != 0, reason="creates Linux users: run as root (CI does)")
def test_add_users_creates_nobody_when_one_name_is_bad():
    good = "kaptest_ok_" + os.urandom(3).hex()
    done = subprocess.run([str(VM / "add_users.sh")], input=f"{good}\nAnn Lee\n", capture_output=True, text=True)
    created = subprocess.run(["id", good], capture_output=True).returncode == 0
    if created:
        subprocess.run(["userdel", "--remove", good], capture_output=True)
    assert done.returncode == 1 and "'Ann Lee' is not a valid user name" in done.stderr
    assert not created and done.stdout == ""


def test_shell_scripts_parse():
    for script in ("bootstrap.sh", "add_users.sh"):
        done = subprocess.run(["bash", "-n", str(VM / script)], capture_output=True, text=True)
        assert done.returncode == 0, f"{script}: {done.stderr}"
