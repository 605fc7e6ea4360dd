"""deploy/k8s: the zero-to-jupyterhub values are valid for the chart, and the pieces agree with each other.

Helm cannot run here, so the values are merged over the chart's defaults the way Helm merges them and
validated against the chart's own values schema. Both files are data kept beside the repository in
../shared/deploy/ (not copied into the project).
"""

import copy
import os
from pathlib import Path

import jsonschema
import pytest
import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from traitlets.config.loader import PyFileConfigLoader

from course.paths import CHECKOUT as ROOT

# The chart's files live in ../shared/deploy beside the repository; a clone elsewhere (CI, /tmp) finds them
# through KAP_SHARED_DIR or the workplace's shared folder.
_CANDIDATES = [Path(p) / "deploy" for p in filter(None, [os.environ.get("KAP_SHARED_DIR")])]
_CANDIDATES += [ROOT.parent / "shared" / "deploy", Path("/work/shared/deploy")]
SHARED = next((c for c in _CANDIDATES if c.is_dir()), _CANDIDATES[0] if _CANDIDATES else ROOT.parent / "shared")
K8S = ROOT / "deploy" / "k8s"
COURSE = "kap-anxiety"


def _shared(name: str) -> dict:
    path = SHARED / name
    if not path.exists():
        pytest.fail(
            f"{path} is missing: the chart's defaults and values schema are kept in ../shared/deploy/ "
            "beside the repository (z2jh-chart-defaults.yaml, z2jh-values.schema.yaml); "
            "put that folder back to run this check."
        )
    return yaml.safe_load(path.read_text())


def helm_merge(defaults: dict, override: dict) -> dict:
    """Merge ``override`` over ``defaults`` as Helm merges values: maps recursively, anything else
    replaced, and a null in the override deletes the default's key."""
    if not isinstance(defaults, dict) or not isinstance(override, dict):
        raise ValueError("helm_merge merges two mappings (YAML objects).")
    merged = copy.deepcopy(defaults)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = helm_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def schema_errors(values: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(_shared("z2jh-values.schema.yaml"))
    return [f"{'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in validator.iter_errors(values)]


@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load((K8S / "values.yaml").read_text())


@pytest.fixture(scope="module")
def objects() -> dict:
    """course.yaml's Kubernetes objects by (kind, name)."""
    docs = [d for d in yaml.safe_load_all((K8S / "course.yaml").read_text()) if d]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def test_values_merged_over_chart_defaults_pass_the_chart_schema(values):
    merged = helm_merge(_shared("z2jh-chart-defaults.yaml"), values)
    assert schema_errors(merged) == []


@pytest.mark.parametrize(
    "path, wrong",
    [
        (("singleuser", "cpu", "limit"), "one core"),  # must be a number
        (("cull", "timeout"), "1h"),  # must be whole seconds
        (("singleuser", "memory", "limitt"), "1G"),  # misspelt key: the schema allows no extras
        (("singleuser", "storage", "type"), "nfs"),  # not one of dynamic/static/none
    ],
)
def test_a_wrong_value_fails_the_schema(values, path, wrong):
    broken = copy.deepcopy(values)
    node = broken
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = wrong
    errors = schema_errors(helm_merge(_shared("z2jh-chart-defaults.yaml"), broken))
    assert errors and any(".".join(path[:-1]) in e for e in errors), errors


def test_helm_merge_replaces_lists_deletes_nulls_and_rejects_non_mappings():
    merged = helm_merge({"a": {"b": 1, "c": [1, 2]}, "d": 1}, {"a": {"c": [3]}, "d": None})
    assert merged == {"a": {"b": 1, "c": [3]}}
    with pytest.raises(ValueError, match="two mappings"):
        helm_merge({"a": 1}, ["not", "a", "mapping"])


def _nbgrader_settings(path) -> dict:
    config = PyFileConfigLoader(path.name, str(path.parent)).load_config()
    return {
        "course": config.CourseDirectory.course_id,
        "exchange": config.Exchange.root,
        "per_course": config.Exchange.path_includes_course,
        "auth": config.Authenticator.plugin_class.__name__,
    }


def test_every_nbgrader_config_says_the_same(values, objects, tmp_path, monkeypatch):
    for name in ("KAP_COURSE_ID", "KAP_EXCHANGE"):
        monkeypatch.delenv(name, raising=False)
    files = {"vm": ROOT / "deploy" / "vm" / "nbgrader_config.py"}
    for label, text in (
        ("singleuser", values["singleuser"]["extraFiles"]["nbgrader-config"]["stringData"]),
        ("formgrader", objects["ConfigMap", "kap-formgrader"]["data"]["nbgrader_config.py"]),
    ):
        (tmp_path / label).mkdir()
        files[label] = tmp_path / label / "nbgrader_config.py"
        files[label].write_text(text)
    settings = {label: _nbgrader_settings(path) for label, path in files.items()}
    assert settings["vm"] == {
        "course": COURSE,
        "exchange": "/srv/nbgrader/exchange",
        "per_course": True,
        "auth": "JupyterHubAuthPlugin",
    }
    assert settings["singleuser"] == settings["formgrader"] == settings["vm"]


def test_exchange_course_and_formgrader_service_fit_together(values, objects):
    single = values["singleuser"]
    exchange_claim = objects["PersistentVolumeClaim", "kap-exchange"]
    assert exchange_claim["spec"]["accessModes"] == ["ReadWriteMany"], "every pod mounts the exchange"
    volume = next(v for v in single["storage"]["extraVolumes"] if v["name"] == "exchange")
    assert volume["persistentVolumeClaim"]["claimName"] == "kap-exchange"
    assert {"name": "exchange", "mountPath": "/srv/nbgrader/exchange"} in single["storage"]["extraVolumeMounts"]
    assert single["extraEnv"]["JUPYTER_CONFIG_PATH"] == "/etc/kap/jupyter"
    assert all(f["mountPath"].startswith("/etc/kap/jupyter/") for f in single["extraFiles"].values())

    grader = objects["Deployment", "kap-formgrader"]["spec"]["template"]["spec"]
    container = grader["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["JUPYTERHUB_SERVICE_NAME"] == COURSE and env["JUPYTERHUB_SERVICE_PREFIX"] == f"/services/{COURSE}/"
    assert container["image"] == f"{single['image']['name']}:{single['image']['tag']}"
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts["exchange"] == "/srv/nbgrader/exchange"
    assert env["JUPYTER_CONFIG_PATH"] == mounts["config"]
    claims = {v["name"]: v.get("persistentVolumeClaim", {}).get("claimName") for v in grader["volumes"]}
    assert claims["exchange"] == "kap-exchange" and claims["course"] == "kap-course"

    service = values["hub"]["services"][COURSE]
    port = objects["Service", "kap-formgrader"]["spec"]["ports"][0]["port"]
    assert service["url"] == f"http://kap-formgrader:{port}"
    assert service["apiToken"] == objects["Secret", "kap-formgrader"]["stringData"]["api-token"]
    groups = values["hub"]["config"]["JupyterHub"]["load_groups"]
    assert env["JUPYTERHUB_USER"] in groups[f"formgrade-{COURSE}"]["users"]
    assert set(groups) == {f"formgrade-{COURSE}", f"nbgrader-{COURSE}"}


def test_image_pins_satisfy_the_project_and_the_hub_major():
    pins = {}
    for line in (K8S / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for dependency in map(Requirement, [*project["dependencies"], "jupyterhub>=5,<6"]):
        name = canonicalize_name(dependency.name)
        assert name in pins, f"{dependency.name} is not pinned: run deploy/k8s/pin.py"
        assert dependency.specifier.contains(pins[name]), f"{name}=={pins[name]} is outside {dependency}"
    python = (K8S / "requirements.txt").read_text().split("Python ", 1)[1].split(" ")[0]
    assert f"FROM python:{python}." in (K8S / "Dockerfile").read_text(), "image Python must match the pins"
