"""The self-study trainee's workspace: what ``make lab`` serves, made from the released modules.

The repository's ``modules/`` and start page are releases, compared with their sources by the tests;
the trainee never works in them. On every ``make lab`` the course copies the start page and each
released module into ``workspace/`` (git-ignored), keeping the folder layout so the start page's
links work, and never overwrites the trainee's work:

- a notebook missing from the workspace is copied (a trainee who wants a fresh start deletes theirs);
- when a module has a newer release and the trainee has not changed their copy, the copy is replaced;
- when they have changed it, the new release is put beside it as ``<name> (release <date> <hash>).ipynb``
  and they are told, on this run and every later run until they delete that file.

``.course-releases.json`` in the workspace records, for each notebook, the release it was copied
from and what was written, so the course can tell the two cases apart.

Copies carry this environment's kernel ``language_info`` (Python version and all): JupyterLab
writes the running kernel's into a notebook when it opens, which marks a notebook with any other
value as modified before the trainee has typed anything.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .data.syllabus import modules
from .paths import CHECKOUT as ROOT
from .startpage import START_PAGE

WORKSPACE = ROOT / "workspace"
MANIFEST = ".course-releases.json"


@dataclass(frozen=True)
class Notice:
    """One thing the trainee should know about their workspace."""

    path: str
    message: str

    def __str__(self) -> str:
        return self.message


def released_notebooks(repo: Path = ROOT) -> list[str]:
    """The start page and every released module notebook, as paths relative to the repository."""
    paths = [START_PAGE] + [f"modules/{m.id}/{m.notebook}" for m in modules()]
    return [p for p in paths if (Path(repo) / p).is_file()]


def kernel_language_info() -> dict:
    """What the Python kernel of this environment writes into a notebook's ``language_info``."""
    # start-up cost: loaded only where this is used
    from ipykernel.ipkernel import IPythonKernel

    return dict(IPythonKernel.language_info)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _trainee_copy(release: Path) -> bytes:
    nb = nbformat.read(release, as_version=4)
    nb.metadata["language_info"] = kernel_language_info()
    return (nbformat.writes(nb) + "\n").encode()


def prepare(workspace: Path = WORKSPACE, repo: Path = ROOT, today: datetime.date | None = None) -> list[Notice]:
    """Bring ``workspace`` up to date with the releases in ``repo`` without touching the trainee's work;
    returns what the trainee should be told."""
    workspace, repo = Path(workspace), Path(repo)
    workspace.mkdir(parents=True, exist_ok=True)
    manifest_path = workspace / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    except json.JSONDecodeError:
        manifest = {}  # a damaged record: every notebook present is then treated as the trainee's work
    notices = []
    for rel in released_notebooks(repo):
        release = (repo / rel).read_bytes()
        release_digest = _digest(release)
        target = workspace / rel
        known = manifest.get(rel, {})
        if not target.exists():
            copy = _trainee_copy(repo / rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(copy)
            manifest[rel] = {"release": release_digest, "copy": _digest(copy)}
            notices.append(Notice(rel, f"copied {rel} into your workspace"))
        elif known.get("release") != release_digest:
            if known.get("copy") == _digest(target.read_bytes()):  # untouched since the course copied it
                copy = _trainee_copy(repo / rel)
                target.write_bytes(copy)
                manifest[rel] = {"release": release_digest, "copy": _digest(copy)}
                notices.append(Notice(rel, f"updated {rel} to its newer release (you had not changed it)"))
            else:
                day = (today or datetime.date.today()).isoformat()
                beside = target.with_name(f"{target.stem} (release {day} {release_digest[:6]}){target.suffix}")
                beside.write_bytes(_trainee_copy(repo / rel))
                manifest[rel] = {**known, "release": release_digest, "beside": beside.name}
        if manifest.get(rel, {}).get("beside") and (target.parent / manifest[rel]["beside"]).exists():
            name = manifest[rel]["beside"]
            notices.append(
                Notice(
                    rel,
                    f"{rel} has a newer release. Your work stays in {target.name}; the new release "
                    f"is beside it as '{name}'. Copy your answers across, then delete the file "
                    "you no longer want.",
                )
            )
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return notices
