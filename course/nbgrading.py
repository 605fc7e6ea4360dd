"""nbgrader plumbing shared by ``course build``, the tests and the cohort tools.

nbgrader works on a *course directory* (``source/``, ``release/``, ``submitted/``, ``autograded/``,
``feedback/`` and a gradebook). The repository keeps authored sources in ``solutions/`` and the
releases in ``modules/``; this module builds throw-away course directories around them, so no
gradebook or generated file ever lands in the repository by accident.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import ROOT
from .catalogue import MODULES

#: Per-cell time limit (seconds) for autograding; an endless loop is interrupted, not waited for.
CELL_TIMEOUT = 120

_CONFIG = '''\
c = get_config()  # noqa: F821 (nbgrader config file)
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.db_url = {db_url!r}
c.ClearSolutions.code_stub = {{"python": "# YOUR ANSWER HERE\\nraise NotImplementedError('Write your answer in this cell, then run it.')"}}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE (double-click this cell to write your answer)"
c.Execute.timeout = {timeout}
c.Execute.interrupt_on_timeout = True
c.Execute.allow_errors = True
c.ExecutePreprocessor.timeout = {timeout}
'''


def write_config(root: Path, course_id: str = "kap-anxiety", db_url: str | None = None,
                 timeout: int = CELL_TIMEOUT) -> Path:
    """Write ``nbgrader_config.py`` for a course directory at ``root``."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    db_url = db_url or f"sqlite:///{(root / 'gradebook.db').as_posix()}"
    path = root / "nbgrader_config.py"
    path.write_text(_CONFIG.format(course_id=course_id, db_url=db_url, timeout=timeout))
    return path


def module_ids(repo: Path = ROOT) -> list[str]:
    """Modules that have an authored source in ``solutions/``, in course order."""
    return [m.id for m in MODULES if (Path(repo) / "solutions" / m.id).is_dir()]


def nbgrader(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run the real nbgrader command line in course directory ``root``."""
    # nbgrader calls `alembic` by name, so the environment's bin folder must be on PATH.
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=env,
                          capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed (exit {proc.returncode}):\n"
                           f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def course_directory(root: Path, modules: list[str] | None = None, repo: Path = ROOT, **config) -> Path:
    """A course directory at ``root`` holding the authored sources of ``modules`` (default: all)."""
    root = Path(root)
    write_config(root, **config)
    for module_id in modules or module_ids(repo):
        src = Path(repo) / "solutions" / module_id
        dest = root / "source" / module_id
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return root


def generate(root: Path, module_id: str) -> Path:
    """``nbgrader generate_assignment`` for one module; returns its release folder."""
    nbgrader(root, "generate_assignment", module_id, "--force")
    return Path(root) / "release" / module_id


def build(modules: list[str] | None = None, out: Path | None = None, repo: Path = ROOT) -> list[Path]:
    """Release ``modules`` (default: all with a source) from ``solutions/`` into ``out`` (default ``modules/``)."""
    out = Path(out) if out else Path(repo) / "modules"
    modules = modules or module_ids(repo)
    built = []
    with tempfile.TemporaryDirectory(prefix="course-build-") as tmp:
        root = course_directory(Path(tmp), modules, repo)
        for module_id in modules:
            release = generate(root, module_id)
            dest = out / module_id
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(release, dest)
            built.append(dest)
    return built
