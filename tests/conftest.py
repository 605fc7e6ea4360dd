import socket
import sys
from pathlib import Path

import nbformat
import pytest

from course.paths import checkout

ROOT = checkout()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def python() -> str:
    return sys.executable


def solution_text(source: str) -> str:
    """The answer a trainee would type: the source cell without its solution markers."""
    return "\n".join(
        line for line in source.splitlines() if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line
    )


def typed_in(release: Path, source, answer_ids=None) -> nbformat.NotebookNode:
    """The released notebook with the source's answers typed into its answer cells.

    ``source`` is the source notebook (a path or a notebook); ``answer_ids`` limits which answers are typed
    (for a partly answered submission)."""
    nb = nbformat.read(release, as_version=4)
    source = source if isinstance(source, nbformat.NotebookNode) else nbformat.read(source, as_version=4)
    src = {
        c.metadata["nbgrader"]["grade_id"]: c for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")
    }
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        if meta.get("solution") and (answer_ids is None or gid in answer_ids):
            cell.source = solution_text(src[gid].source)
    return nb


def designed_triage(patient_id: str) -> str:
    """The triage a synthetic patient was designed to reach (instructor material, solutions/patient_designs.yaml)."""
    from course.synthetic.patients import designs

    return next(d["triage"] for d in designs()["designs"] if d["id"] == patient_id)
