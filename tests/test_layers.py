"""The package's layers hold: a contract (import-linter) in pyproject.toml, and lazy imports only with a reason."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course.paths import CHECKOUT

PACKAGE = CHECKOUT / "course"
LINT = [
    sys.executable,
    "-c",
    "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
]


def _lint(package_parent: Path) -> subprocess.CompletedProcess:
    shutil.copy(CHECKOUT / "pyproject.toml", package_parent / "pyproject.toml")
    return subprocess.run(
        [*LINT, "--no-cache"],
        cwd=package_parent,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(package_parent), "PATH": "/usr/bin:/bin"},
    )


def test_the_layer_contract_is_kept(tmp_path):
    shutil.copytree(PACKAGE, tmp_path / "course", ignore=shutil.ignore_patterns("__pycache__"))
    result = _lint(tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    "module, line, contract",
    [
        ("data/files.py", "from ..widgets import common", "Layers"),
        ("scales.py", "from . import plots", "Layers"),
        ("cohort/roster.py", "from .. import plots", "course.cohort is not allowed to import course.plots"),
        ("screening.py", "from .synthetic import patients", "Layers"),
        ("validation.py", "from . import scales", "Layers"),
    ],
)
def test_a_deliberate_upward_import_breaks_the_contract(tmp_path, module, line, contract):
    shutil.copytree(PACKAGE, tmp_path / "course", ignore=shutil.ignore_patterns("__pycache__"))
    with open(tmp_path / "course" / module, "a", encoding="utf-8") as handle:
        handle.write(f"\n{line}  # deliberately upward, for this test\n")
    result = _lint(tmp_path)
    assert result.returncode != 0 and contract in result.stdout and "BROKEN" in result.stdout, result.stdout[-2000:]


def _in_function_imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = path.read_text(encoding="utf-8").splitlines()
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        body = [n for n in ast.walk(func) if isinstance(n, (ast.Import, ast.ImportFrom))]
        for node in body:
            yield node, lines


def _importing(lines, n):
    return n >= 0 and lines[n].lstrip().startswith(("from ", "import "))


def test_in_function_imports_say_why():
    # A lazy import is for start-up cost or a cycle, and says so in a comment on its line or the line above
    # (a block of imports shares the comment above its first line).
    unexplained = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node, lines in _in_function_imports(path):
            row = node.lineno - 1
            while (
                row > 0
                and "#" not in lines[row]
                and (_importing(lines, row - 1) or not lines[row - 1].strip() and _importing(lines, row - 2))
            ):
                row -= 1
            here, above = lines[row], lines[row - 1] if row else ""
            if "#" not in here and not above.lstrip().startswith("#"):
                unexplained.append(f"{path.relative_to(CHECKOUT)}:{node.lineno}")
    assert not unexplained, "in-function imports without a reason: " + ", ".join(unexplained)


def test_the_runtime_never_imports_the_dataset_generators():
    # Importing everything a notebook or the grader uses leaves course.synthetic unloaded.
    code = (
        "import sys, course.widgets, course.plots, course.cases, course.cohort.grading, course.cohort.report; "
        "print(any(m.startswith('course.synthetic') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
