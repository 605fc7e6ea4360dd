"""Small file helpers: atomic writes, the files of a submission, and their checksum."""

from __future__ import annotations

import fnmatch
import hashlib
import os
from pathlib import Path

#: What nbgrader itself ignores in assignment folders (CourseDirectory.ignore), plus collect's timestamp.
IGNORED = (".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback")


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename: readers see the old or the new file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def submission_files(folder: Path) -> tuple[list[str], list[str]]:
    """(regular files, other entries such as symbolic links) in ``folder``, as sorted relative paths."""
    folder = Path(folder)
    regular, other = [], []
    for dirpath, dirnames, filenames in os.walk(folder):  # does not descend into linked folders
        dirnames[:] = [d for d in dirnames if not _ignored(d)]
        for name in dirnames + [f for f in filenames if not _ignored(f)]:
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink() or not (path.is_dir() or path.is_file()):
                other.append(rel)
            elif path.is_file():
                regular.append(rel)
    return sorted(regular), sorted(other)


def _ignored(name: str) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in IGNORED)


def folder_checksum(folder: Path, files: list[str] | None = None) -> str:
    """SHA-256 over the names and contents of a folder's regular files (as ``submission_files`` lists them)."""
    folder = Path(folder)
    files = submission_files(folder)[0] if files is None else files
    digest = hashlib.sha256()
    for rel in files:
        digest.update(rel.encode() + b"\0")
        with open(folder / rel, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()
