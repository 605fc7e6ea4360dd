"""Spaced retrieval boosters: ``course cohort boosters NAME`` builds one round and releases it.

A round asks each trainee ``count`` questions (default 5) from the item bank about modules they completed (submitted
and autograded, whatever the score, written answers graded or not) at least ``days`` days ago (default 7), favouring
the objectives they got wrong in those modules, the post-test and earlier rounds, and preferring items they have not
seen (the pre-test's and post-test's draws and earlier rounds').
Trainees with nothing due are left out of the round and told so if they open it.

The round is an nbgrader assignment like a module (``booster-1``, ``booster-2`` ...): released to the exchange,
collected, graded by ``course cohort grade`` into the same gradebook, its feedback released. Its plan (trainee ->
item ids, with the due objectives and the day each was completed) is kept in ``boosters/NAME.json`` and its lesson
text in ``boosters/NAME.md``; the report reads both to show retention over time.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone

import pandas as pd

from ..data.syllabus import module as syllabus_module
from ..data.syllabus import modules as syllabus_modules
from ..itembank import booster, draw
from ..lessons import read_lesson
from ..quizzes import booster_text
from ..validation import whole_number
from .exchange import Release, release_notebook
from .items import booster_plan, objective_of
from .results import CohortData, collect_data
from .statuses import STATUSES
from .workspace import Workspace

ROUND_NAME = re.compile(r"^booster-[0-9]{1,3}$")
NOTEBOOK = "booster.ipynb"


@dataclass
class BoosterRound:
    name: str
    made: str  # ISO date the round was made
    days: int
    count: int
    plan: dict = field(default_factory=dict)  # trainee -> item ids
    due: dict = field(default_factory=dict)  # trainee -> {objective: ISO date its module was completed}
    wrong: dict = field(default_factory=dict)  # trainee -> objectives they had got wrong
    left_out: dict = field(default_factory=dict)  # trainee -> why they have no questions

    def text(self) -> str:
        lines = [
            f"booster {self.name}: {len(self.plan)} trainee(s) with {self.count} questions each, from modules "
            f"completed at least {self.days} days before {self.made}"
        ]
        for trainee, ids in sorted(self.plan.items()):
            favoured = sorted(set(self.wrong.get(trainee, [])) & set(self.due.get(trainee, {})))
            lines.append(
                f"  {trainee}: {', '.join(ids)}"
                + (f" (favouring {', '.join(favoured)}, answered wrongly before)" if favoured else "")
            )
        for trainee, why in sorted(self.left_out.items()):
            lines.append(f"  {trainee}: no round ({why})")
        return "\n".join(lines)


def next_name(ws: Workspace) -> str:
    """booster-1, booster-2 ...: the first name no round has used."""
    used = {p.stem for p in (ws.path / "boosters").glob("booster-*.json")} | set(ws.released_modules())
    number = 1
    while f"booster-{number}" in used:
        number += 1
    return f"booster-{number}"


def _day(stamp) -> date | None:
    if stamp is None or stamp is pd.NaT or (isinstance(stamp, float) and stamp != stamp):
        return None
    return stamp.date() if isinstance(stamp, datetime) else pd.Timestamp(stamp).date()


def _history(ws: Workspace, data: CohortData, trainee: str) -> tuple[set[str], set[str]]:
    """Objectives the trainee got wrong (modules, post-test, earlier boosters) and items they have seen."""
    wrong = set()
    mine = data.items[(data.items["trainee"] == trainee) & ~data.items["pending"].astype(bool)]
    for row in mine.itertuples():
        if row.module == "pre-test" or row.score >= row.points:
            continue  # the pre-test measures what they knew before the course, not what they have forgotten
        objective = objective_of(ws, row.module, trainee, row.item)
        if objective:
            wrong.add(objective)
    seen = {item.id for assessment in ("pre-test", "post-test") for item in _drawn(assessment, trainee)}
    for path in (ws.path / "boosters").glob("booster-*.json"):
        seen.update(json.loads(path.read_text(encoding="utf-8"))["plan"].get(trainee, []))
    return wrong, seen


def _drawn(assessment: str, trainee: str) -> list:
    try:
        return draw(assessment, trainee)
    except ValueError:  # the bank cannot make that test yet: nothing was seen from it
        return []


def plan_round(
    ws: Workspace, name: str, days: int = 7, count: int = 5, today: date | None = None, data: CohortData | None = None
) -> BoosterRound:
    """Choose every trainee's items for a round (nothing is written)."""
    whole_number(days, "days", 0, 3650)
    whole_number(count, "the number of questions", 1, 30)
    today = today or datetime.now(timezone.utc).date()
    data = data or collect_data(ws)
    teaching = {m.id for m in syllabus_modules() if m.teaching}
    round_ = BoosterRound(name, today.isoformat(), days, count)
    for trainee, rows in data.table.groupby("trainee", sort=False):
        due: dict[str, str] = {}
        for row in rows.itertuples():
            finished = _day(row.submitted)
            if row.module in teaching and STATUSES[row.status].graded and finished and (today - finished).days >= days:
                for objective in syllabus_module(row.module).objectives:
                    due[objective.id] = finished.isoformat()
        if not due:
            round_.left_out[trainee] = f"no module completed {days} or more days ago"
            continue
        wrong, seen = _history(ws, data, trainee)
        chosen = booster(trainee, list(due), wrong, seen, count, round_id=f"{ws.name}/{name}")
        if len(chosen) < count:
            round_.left_out[trainee] = f"only {len(chosen)} items in the bank for the objectives due"
            continue
        round_.plan[trainee] = [item.id for item in chosen]
        round_.due[trainee] = due
        round_.wrong[trainee] = sorted(wrong)
    return round_


def make_round(
    ws: Workspace,
    name: str | None = None,
    days: int = 7,
    count: int = 5,
    today: date | None = None,
    force: bool = False,
) -> tuple[BoosterRound, Release]:
    """Plan a round, keep its plan and lesson in ``boosters/``, and release it as an nbgrader assignment."""
    name = name or next_name(ws)
    if not ROUND_NAME.match(name):
        raise ValueError(f"A booster round is named booster-N (booster-1, booster-2 ...), not {name!r}.")
    folder = ws.folder("boosters")
    if (folder / f"{name}.json").exists() and not force:
        raise ValueError(
            f"{name} was already made for cohort {ws.name} (see {folder / (name + '.json')}); use "
            "--force to make it again, or leave the name out for the next round."
        )
    round_ = plan_round(ws, name, days, count, today)
    if not round_.plan:
        raise ValueError(
            f"No trainee of {ws.name} has a module completed {days} or more days ago, so there is "
            "nothing to ask yet.\n" + round_.text()
        )
    lesson = folder / f"{name}.md"
    lesson.write_text(booster_text(name, round_.plan, count, days), encoding="utf-8")
    notebook = read_lesson(lesson)
    released = release_notebook(ws, name, notebook, NOTEBOOK, force=force)
    (folder / f"{name}.json").write_text(json.dumps(asdict(round_), indent=1) + "\n", encoding="utf-8")
    return round_, released


# -- what the report shows ------------------------------------------------------------------------------------------


def retention(ws: Workspace, data: CohortData) -> pd.DataFrame:
    """One row per graded booster question: round, trainee, objective, days since its module was completed, correct."""
    rows = []
    for assignment in data.modules:
        plan = booster_plan(ws, assignment)
        if plan is None:
            continue
        made = date.fromisoformat(plan["made"])
        graded = data.items[(data.items["module"] == assignment) & ~data.items["pending"].astype(bool)]
        for row in graded.itertuples():
            objective = objective_of(ws, assignment, row.trainee, row.item)
            completed = plan["due"].get(row.trainee, {}).get(objective)
            if objective is None or completed is None:
                continue
            rows.append(
                dict(
                    round=assignment,
                    trainee=row.trainee,
                    objective=objective,
                    days=(made - date.fromisoformat(completed)).days,
                    correct=float(row.score >= row.points),
                )
            )
    return pd.DataFrame(rows, columns=["round", "trainee", "objective", "days", "correct"])
