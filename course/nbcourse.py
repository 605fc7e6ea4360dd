"""nbgrader course directories, shared by ``course build``, the tests and the cohort tools.

nbgrader works on a *course directory* (``source/``, ``release/``, ``submitted/``, ``autograded/``,
``feedback/`` and a gradebook). The repository keeps the lessons as text in ``solutions/`` and the
releases in ``modules/``; this module writes the lessons' source notebooks into course directories (often
throw-away ones), so no gradebook or generated file ever lands in the repository by accident.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .data.syllabus import modules as syllabus_modules
from .lessons import lesson_path, write_source_notebook
from .paths import CHECKOUT, checkout

#: Per-cell time limit (seconds) for autograding; an endless loop is interrupted, not waited for.
CELL_TIMEOUT = 120

_CONFIG = """\
c = get_config()  # noqa: F821 (nbgrader config file)
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.db_url = {db_url!r}
c.ClearSolutions.code_stub = {{"python": "# YOUR ANSWER HERE: write it below this line, then run the cell"}}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE (double-click this cell to write your answer)"
c.Execute.timeout = {timeout}
c.Execute.interrupt_on_timeout = True
c.Execute.allow_errors = True
c.ExecutePreprocessor.timeout = {timeout}
"""


def write_config(
    root: Path, course_id: str = "kap-anxiety", db_url: str | None = None, timeout: int = CELL_TIMEOUT
) -> Path:
    """Write ``nbgrader_config.py`` for a course directory at ``root``."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    db_url = db_url or f"sqlite:///{(root / 'gradebook.db').as_posix()}"
    path = root / "nbgrader_config.py"
    path.write_text(_CONFIG.format(course_id=course_id, db_url=db_url, timeout=timeout))
    return path


def module_ids(repo: Path | None = None) -> list[str]:
    """Modules that have a lesson in ``solutions/``, in course order."""
    return [m.id for m in syllabus_modules() if lesson_path(m.id, repo).is_file()]


def nbgrader(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run the real nbgrader command line in course directory ``root``."""
    # nbgrader calls `alembic` by name, so the environment's bin folder must be on PATH; the course package
    # must be importable from where nbgrader runs the notebooks (a checkout not installed, say).
    env = dict(
        os.environ,
        PYTHONPATH=str(CHECKOUT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
    )
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=env, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"nbgrader {' '.join(args)} failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return proc


def course_directory(root: Path, modules: list[str] | None = None, repo: Path | None = None, **config) -> Path:
    """A course directory at ``root`` holding the source notebooks of ``modules`` (default: all), made from
    their lessons."""
    root = Path(root)
    write_config(root, **config)
    repo = Path(repo or checkout())
    for module_id in modules or module_ids(repo):
        dest = root / "source" / module_id
        if dest.exists():
            shutil.rmtree(dest)
        write_source_notebook(module_id, dest, repo)
    return root


def generate(root: Path, module_id: str) -> Path:
    """``nbgrader generate_assignment`` for one module; returns its release folder."""
    nbgrader(root, "generate_assignment", module_id, "--force")
    return Path(root) / "release" / module_id
