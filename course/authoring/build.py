"""``course build``: the trainee releases in ``modules/`` and the start page, made from the lessons."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ..nbcourse import course_directory, generate, module_ids
from ..paths import checkout


def build(modules: list[str] | None = None, out: Path | None = None, repo: Path | None = None) -> list[Path]:
    """Release ``modules`` (default: every module with a lesson) into ``out`` (default ``modules/``)."""
    repo = Path(repo or checkout())
    out = Path(out) if out else repo / "modules"
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
