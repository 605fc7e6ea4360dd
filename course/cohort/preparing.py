"""Preparing a submission: checks before nbgrader, a snapshot, and nbgrader's own sanitizing step.

1. **Checks** read the collected folder: missing, too large, corrupt or renamed notebooks, far more cells
   than the release, deleted or edited test and locked cells (compared with the *release*, so hidden tests
   do not raise false alarms, nbgrader #1961), extra files, and code that reaches into the grader
   (``tampering.scan`` on the answer cells and any added cell).
2. A **snapshot** of the folder (regular files only, read without following links) is what gets graded; the
   original is checksummed before and after and never written to.
3. nbgrader's own ``Autograde`` converter prepares the snapshot exactly as ``nbgrader autograde`` does
   (``init_assignment``: student, submission, timestamp, files; then the sanitizing preprocessors, which put
   the source's test and locked cells back), through ``compat.sanitize``.
"""

from __future__ import annotations

import ast
import os
import shutil
import stat
from pathlib import Path

import nbformat

from . import compat
from .statuses import printable
from .tampering import imported_names, scan_cells

#: A submitted notebook may have this many more cells than the release before it is refused unread.
EXTRA_CELLS = 200


def cell_findings(submitted, released) -> list:
    """Deleted and edited cells of a submitted notebook, compared with the released one."""
    # start-up cost: loaded only where this is used
    from nbgrader.utils import compute_checksum

    present = {}
    for cell in submitted.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        present.setdefault(gid, cell)
    deleted, edited = [], []
    for cell in released.cells:
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        kind = (
            "test"
            if meta.get("grade") and not meta.get("solution")
            else "answer"
            if meta.get("solution")
            else "locked"
            if meta.get("locked")
            else None
        )
        if kind is None:
            continue
        if gid not in present:
            deleted.append(f"{gid} ({kind})")
        elif kind != "answer" and not _same_cell(present[gid], cell, compute_checksum):
            edited.append(f"{gid} ({kind})")
    return ([["cell-deleted", ", ".join(deleted)]] if deleted else []) + (
        [["cell-edited", ", ".join(edited)]] if edited else []
    )


def _same_cell(a, b, checksum) -> bool:
    try:
        return checksum(a) == checksum(b)
    except (KeyError, TypeError, ValueError, AttributeError):  # e.g. points edited into text
        return False


def trainee_code(submitted, released) -> list[tuple[str, str]]:
    """(name, source) of the code the trainee wrote: answer cells and cells that are not in the release."""
    known = {c.metadata.get("nbgrader", {}).get("grade_id") for c in released.cells} - {None}
    answers = {
        c.metadata["nbgrader"]["grade_id"] for c in released.cells if c.metadata.get("nbgrader", {}).get("solution")
    }
    out = []
    for number, cell in enumerate(submitted.cells, start=1):
        if cell.get("cell_type") != "code" or not isinstance(cell.get("source"), str):
            continue
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in answers:
            out.append((gid, cell.source))
        elif gid not in known:
            out.append((f"added cell {number}", cell.source))
    return out


def tampering_findings(submitted, released) -> list:
    locked = [
        c.source
        for c in released.cells
        if c.cell_type == "code"
        and c.metadata.get("nbgrader", {}).get("locked")
        and not c.metadata["nbgrader"].get("solution")
    ]
    found = scan_cells(trainee_code(submitted, released), imported_names(locked))
    return [["tampering", "; ".join(found)[:500]]] if found else []


def variant_findings(submitted, module_id: str, student: str) -> list:
    """The variant a submitted notebook recorded (its setup cell's output, as the trainee ran it) against the
    submitting trainee's own (``course.variants``): a finding when they differ. The record is only compared, never
    used: the grader's kernels compute the trainee's own variant from the trainee's id."""
    from ..variants import recorded_variant, variant_number  # start-up cost: only grading reads variants

    try:
        recorded = recorded_variant(submitted)
    except (AttributeError, TypeError):  # outputs that are not what Jupyter writes: nothing recorded
        return []
    if recorded is None:
        return []
    own = variant_number(module_id, student)
    number, module, trainee = (recorded.get(key) for key in ("variant", "module", "trainee"))
    if module == module_id and type(number) is int and number == own:
        return []
    who = f"for trainee {str(trainee)[:64]}" if trainee else "without a trainee id: the course's own numbers"
    return [
        [
            "variant",
            printable(
                f"the notebook ran with variant {str(number)[:20]} of {str(module)[:40]} ({who}); "
                f"{student}'s own variant is {own}, and it was graded against that"
            )[:400],
        ]
    ]


def too_many_cells(submitted_cells: int, released) -> str | None:
    limit = len(released.cells) + EXTRA_CELLS
    if submitted_cells > limit:
        return f"{submitted_cells} cells; the release has {len(released.cells)}, and at most {limit} are graded"
    return None


def locked_imports(notebooks) -> list[str]:
    """Modules imported by the locked code cells of source notebooks (trusted code: safe to preload)."""
    names = []
    for nb in notebooks:
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.cell_type != "code" or meta.get("solution") or not meta.get("locked"):
                continue
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:  # IPython magics: nothing to preload from this cell
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names += [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.append(node.module)
    return list(dict.fromkeys(names))


def read_notebook(path: Path, max_bytes: int):
    """The notebook at ``path`` (a regular file, no link, at most ``max_bytes``), or None if it is not one nbgrader
    could read."""
    try:
        nb = nbformat.reads(read_regular(path, max_bytes).decode("utf-8"), as_version=4)
        return nb if isinstance(nb.get("cells"), list) else None
    except Exception:  # not JSON, not UTF-8, not a notebook, a link: all "corrupt" to the grader
        return None


def read_regular(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file, opened without following a link, at most ``max_bytes``."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with open(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise OSError(f"{path} is larger than {max_bytes} bytes")
    return data


def snapshot_and_sanitize(
    converter,
    module_id: str,
    student: str,
    original: Path,
    files: list[str],
    present: list[str],
    snapshots: Path,
    course: Path,
    max_bytes: int,
) -> Path:
    """Copy the submission's regular files to a snapshot, run nbgrader's sanitizing step on it; returns the
    folder of prepared files (``autograded/ID/MODULE``)."""
    snapshot = snapshots / student / module_id
    shutil.rmtree(snapshot, ignore_errors=True)
    for rel in files:
        (snapshot / rel).parent.mkdir(parents=True, exist_ok=True)
        (snapshot / rel).write_bytes(read_regular(original / rel, max_bytes))
    autograded = course / "autograded" / student / module_id
    remove_tree(autograded)
    compat.sanitize(converter, [str(snapshot / f"{name}.ipynb") for name in present], module_id, student)
    shutil.rmtree(snapshot.parent)
    return autograded


def remove_tree(path: Path) -> None:
    """Remove a folder nbgrader made read-only (as ``nbgrader autograde --force`` does)."""
    if path.exists():
        for p in [path, *path.rglob("*")]:
            if p.is_dir() and not p.is_symlink():
                p.chmod(0o755)
        shutil.rmtree(path)
