"""Who owns a cohort's files when ``course cohort`` runs as root (on a hub machine, deploy/vm).

There the workspace belongs to the grader account: the hub's course service (the formgrader) runs as that
account in the workspace's ``course/`` folder and shares its gradebook. The program lead runs ``course cohort``
as root, so that grading gives each kernel a user of its own (course/cohort/sandbox.py); instructors without
root run the same commands as the grader account, in a terminal of the course service. So that both can take
turns, whatever a command run as root made in the workspace, or in the cohort's folder of the exchange, is
handed to the workspace's owner when the command ends (on success, error or Ctrl-C). Only files owned by root
are handed over: trainees' submissions in the exchange keep their owners (collection checks them).

Root working in folders another account can write trusts that account: a symbolic link it planted would lead a
command run as root to write elsewhere. The workspace has no links of its own, so before each command run as
root in a workspace it does not own, ``links_root_would_follow`` looks for them and the command refuses to run
while there is one. (It cannot stop an account that keeps planting links while the command runs: whatever runs
as the grader account is trusted. Trainees' code never does: `course cohort grade` runs it in the sandbox as
users of their own; nbgrader's own Autograde button in the formgrader would not, so grade with `course cohort
grade` only.)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .workspace import check_name, cohorts_home


def hand_back(name: str, home: Path | str | None = None) -> int:
    """Give what root made in cohort ``name`` to the workspace's owner (or, for a workspace root has just made,
    to the owner of the cohorts home). Returns how many files and folders changed owner; 0 when not root or
    when the owner is root."""
    if os.geteuid() != 0:
        return 0
    try:
        path = cohorts_home(home) / check_name(name)
        settings = json.loads((path / "cohort.json").read_text())
    except (OSError, ValueError):
        return 0  # no cohort there (the command failed before making one): nothing to hand back
    info = os.lstat(path)
    if info.st_uid == 0:
        info = os.lstat(path.parent)
    if info.st_uid == 0:
        return 0
    owner = (info.st_uid, info.st_gid)
    changed = _walk(path, owner, skip=())
    exchange = Path(settings.get("exchange", "")) / name
    if settings.get("exchange") and path not in exchange.parents and exchange.is_dir():
        # Trainees write into inbound/; root never makes files there, and nothing of theirs is touched.
        changed += _walk(exchange, owner, skip=("inbound",))
    return changed


def links_root_would_follow(name: str, home: Path | str | None = None) -> list[Path]:
    """Symbolic links in cohort ``name``'s workspace and in its folder of the exchange (but for trainees'
    ``inbound/``), when this is root and the workspace is another account's; otherwise nothing."""
    if os.geteuid() != 0:
        return []
    try:
        path = cohorts_home(home) / check_name(name)
        settings = json.loads((path / "cohort.json").read_text())
    except (OSError, ValueError):
        return []
    if os.lstat(path).st_uid == 0:
        return []
    found = _links(path, skip=())
    exchange = Path(settings.get("exchange", "")) / name
    if settings.get("exchange") and path not in exchange.parents and exchange.is_dir():
        found += _links(exchange, skip=("inbound",))
    return found


def _links(top: Path, skip: tuple[str, ...]) -> list[Path]:
    found = [top] if top.is_symlink() else []
    for folder, dirs, files in os.walk(top):
        if Path(folder) == top:
            dirs[:] = [d for d in dirs if d not in skip]
        found += [Path(folder) / n for n in dirs + files if (Path(folder) / n).is_symlink()]
    return found


def _walk(top: Path, owner: tuple[int, int], skip: tuple[str, ...]) -> int:
    changed = _give(top, owner)
    for folder, dirs, files in os.walk(top):  # never follows links
        if Path(folder) == top:
            for name in skip:
                if name in dirs:
                    dirs.remove(name)
                    changed += _give(top / name, owner)
        for name in dirs + files:
            changed += _give(Path(folder) / name, owner)
    return changed


def _give(path: Path, owner: tuple[int, int]) -> int:
    try:
        if os.lstat(path).st_uid != 0:
            return 0
        os.lchown(path, *owner)
        return 1
    except FileNotFoundError:
        return 0
