"""Which learning objective each graded item of a cohort serves.

For modules, the pre-test and the post-test, the objective is in the released source notebook's cell metadata
(``metadata.course.objective``, written from the lesson). A booster's questions serve a different objective for each
trainee; its plan (``boosters/NAME.json``) says which item, and so which objective, each trainee's question was.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import nbformat

from ..itembank import items
from .workspace import Workspace


def item_objectives(ws: Workspace, assignment: str) -> dict[str, str]:
    """grade_id -> objective for the graded cells of an assignment's source notebooks."""
    return _objectives(ws.course / "source" / assignment)


@cache
def _read_objectives(folder: Path, stamp: tuple) -> dict[str, str]:
    found = {}
    for path in sorted(folder.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            grading = cell.metadata.get("nbgrader", {})
            objective = cell.metadata.get("course", {}).get("objective")
            if grading.get("grade") and objective:
                found[grading["grade_id"]] = objective
    return found


def _objectives(folder: Path) -> dict[str, str]:
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.ipynb")))
    return _read_objectives(folder, stamp)


def booster_plan(ws: Workspace, name: str) -> dict | None:
    """The saved plan of a booster round, or None when ``name`` is not a booster."""
    path = ws.path / "boosters" / f"{name}.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def question_item(plan: dict, trainee: str, grade_id: str) -> str | None:
    """The item id behind a booster question (``q3-check`` -> the trainee's third item)."""
    ids = plan["plan"].get(trainee)
    if not ids or not grade_id.startswith("q") or not grade_id.endswith("-check"):
        return None
    number = grade_id[1 : -len("-check")]
    if not number.isdigit() or not 1 <= int(number) <= len(ids):
        return None
    return ids[int(number) - 1]


def objective_of(ws: Workspace, assignment: str, trainee: str, grade_id: str) -> str | None:
    """The objective one trainee's graded item served (modules, tests and boosters alike)."""
    plan = booster_plan(ws, assignment)
    if plan is not None:
        item = question_item(plan, trainee, grade_id)
        return items()[item].objective if item in items() else None
    return item_objectives(ws, assignment).get(grade_id)
