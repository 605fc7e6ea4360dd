"""nbgrader's and jupyter_client's internals are used in one module, for the versions it names."""

import ast
import re
from pathlib import Path

import pytest

from course.cohort import compat

COHORT = Path(compat.__file__).parent


def test_the_installed_versions_are_the_ones_compat_was_written_for():
    compat.check_versions()  # raises on anything else


@pytest.mark.parametrize(
    "package, wrong",
    [
        ("nbgrader", "0.9.7"),
        ("nbgrader", "1.0.0"),
        ("jupyter_client", "9.0.0"),
        ("nbclient", "0.12.0"),
        ("nbconvert", "8.0.0"),
    ],
)
def test_an_unknown_version_fails_loudly(package, wrong):
    installed = {**compat.installed_versions(), package: wrong}
    with pytest.raises(compat.UnsupportedVersion, match=rf"{package} {re.escape(wrong)} \(written for"):
        compat.check_versions(installed)


#: Private attributes of nbgrader, nbconvert and jupyter_client objects that the cohort code may touch.
PRIVATE = {"_sanitizing", "_init_preprocessors", "_preprocessors", "_async_pre_start_kernel"}


def test_private_apis_are_used_only_in_compat():
    for path in sorted(COHORT.glob("*.py")):
        tree = ast.parse(path.read_text())
        used = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in PRIVATE}
        used |= {n.name for n in ast.walk(tree) if isinstance(n, ast.AsyncFunctionDef) and n.name in PRIVATE}
        calls_converter = "BaseConverter" in path.read_text()
        if path.name == "compat.py":
            assert used == PRIVATE and calls_converter
        else:
            assert not used and not calls_converter, f"{path.name} uses {sorted(used)}"
