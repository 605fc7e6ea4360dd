"""``course syllabus``: the objectives map a programme shows an accreditor.

Objective → the graded items that assess it (module, cell, kind, points) → its module and the module's time; read
from ``datasets/syllabus.yaml`` and the lessons' cell metadata, so the map cannot drift from what is graded.
"""

from __future__ import annotations

import csv
import html
import io

from ..data.syllabus import course_title, pass_mark, teaching_modules
from ..lessons import lesson_path, read_lesson


def rows() -> list[dict]:
    """One row per graded item of the teaching modules, with its objective and module."""
    found = []
    for module in teaching_modules():
        objectives = {o.id: o for o in module.objectives}
        for cell in read_lesson(lesson_path(module.id)).cells:
            nbg, course = cell.metadata.get("nbgrader", {}), cell.metadata.get("course", {})
            if not nbg.get("grade"):
                continue
            objective = objectives[course["objective"]]
            found.append(
                {
                    "objective": objective.id,
                    "objective_text": objective.text,
                    "level": objective.level,
                    "module": module.id,
                    "module_title": module.title,
                    "minutes": module.minutes,
                    "item": cell.id,
                    "graded_by": "instructor (rubric)" if nbg.get("solution") else "autograder",
                    "kind": course["kind"],
                    "points": nbg["points"],
                }
            )
    return found


def unassessed() -> list[str]:
    """Objectives with no graded item (the tests require none)."""
    assessed = {r["objective"] for r in rows()}
    return [o.id for m in teaching_modules() for o in m.objectives if o.id not in assessed]


def text() -> str:
    lines = [
        course_title(),
        f"Pass mark: {pass_mark():.0%} of each module's points, announced on the start page and in every module.",
        "",
    ]
    by_module: dict = {}
    for row in rows():
        by_module.setdefault(row["module"], []).append(row)
    for module in teaching_modules():
        items = by_module.get(module.id, [])
        auto = sum(r["points"] for r in items if r["graded_by"] == "autograder")
        judgement = sum(r["points"] for r in items if r["graded_by"] == "autograder" and r["kind"] == "judgement")
        lines.append(
            f"{module.id} {module.title} (~{module.minutes} min; {sum(r['points'] for r in items):g} points, "
            f"{judgement / auto:.0%} of the autograded points are judgement)"
            if auto
            else f"{module.id} {module.title} (~{module.minutes} min)"
        )
        for objective in module.objectives:
            mine = [r for r in items if r["objective"] == objective.id]
            parts = ", ".join(f"{r['item']} ({r['kind']}, {r['points']:g})" for r in mine) or "NOT ASSESSED"
            lines.append(f"  {objective.id} [{objective.level}] {objective.text}: {parts}")
    return "\n".join(lines)


def to_csv() -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows()[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows())
    return out.getvalue()


def to_html() -> str:
    e = html.escape
    body = []
    for module in teaching_modules():
        body.append(
            f"<h2>{e(module.id)} {e(module.title)} <small>(~{module.minutes} min)</small></h2><table>"
            "<tr><th scope='col'>objective</th><th scope='col'>level</th><th scope='col'>graded items</th>"
            "<th scope='col'>points</th></tr>"
        )
        for objective in module.objectives:
            mine = [r for r in rows() if r["objective"] == objective.id]
            items = "<br>".join(f"{e(r['item'])}: {e(r['kind'])}, {e(r['graded_by'])}" for r in mine)
            body.append(
                f"<tr><td>{e(objective.id)} {e(objective.text)}</td><td>{e(objective.level)}</td>"
                f"<td>{items}</td><td>{sum(r['points'] for r in mine):g}</td></tr>"
            )
        body.append("</table>")
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Objectives map</title></head><body>"
        f"<h1>{e(course_title())}: objectives and how they are assessed</h1>"
        f"<p>Pass mark: {pass_mark():.0%} of each module's points.</p>{''.join(body)}</body></html>"
    )
