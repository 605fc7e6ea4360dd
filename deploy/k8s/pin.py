"""Print deploy/k8s/requirements.txt: the course image's run-time packages, pinned to the versions
installed in the environment running this script (the tested one).

    .venv/bin/python deploy/k8s/pin.py > deploy/k8s/requirements.txt

It walks the dependency tree of pyproject.toml's dependencies plus jupyterhub 5.x, as resolved for this
Python on this platform (the image uses the same Python minor version).
"""

import sys
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
HUB = "jupyterhub>=5,<6"
HEADER = """\
# Pinned run-time environment of the course image (deploy/k8s/Dockerfile), Python {python} on Linux:
# pyproject.toml's dependencies plus {hub} (the single-user server must match the hub's major
# version, which zero-to-jupyterhub 4.x ships) and everything they pull in, at the versions the tests
# passed with. The image installs exactly these (pip --no-deps, then pip check).
# Made by deploy/k8s/pin.py; tests/hub/test_k8s_values.py checks the pins against pyproject.toml.
"""


def pins(roots: list[str]) -> dict[str, str]:
    """Installed versions of ``roots`` and of everything they require, by project name."""
    found, todo = {}, [Requirement(r) for r in roots]
    while todo:
        req = todo.pop()
        if canonicalize_name(req.name) in {canonicalize_name(n) for n in found}:
            continue
        try:
            dist = distribution(req.name)
        except PackageNotFoundError:
            raise ValueError(
                f"{req.name} is not installed here: install the course environment first "
                "(make test does), then run this again."
            ) from None
        found[dist.metadata["Name"]] = dist.version
        todo.extend(
            r for r in map(Requirement, dist.requires or []) if r.marker is None or r.marker.evaluate({"extra": ""})
        )
    return found


def main() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pinned = pins([*project["dependencies"], HUB])
    print(HEADER.format(python=f"{sys.version_info.major}.{sys.version_info.minor}", hub=HUB), end="")
    for name in sorted(pinned, key=canonicalize_name):
        print(f"{name}=={pinned[name]}")


if __name__ == "__main__":
    main()
