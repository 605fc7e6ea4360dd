"""A cohort's results, read once from the gradebook (scores, including manual grades) and the grading records
(statuses): the data behind the report, the exports, the certificates and the boosters.

``cohort_table`` (one row per trainee and assignment), ``item_table`` (item analysis) and ``needs_help`` are pure
functions of that data, tested on their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from .statuses import STATUSES, current_records
from .workspace import Workspace

#: Statuses that mean the trainee (or their submission) needs a look, besides failing or missing work.
CONCERNS = (
    "refused",
    "too-large",
    "too-many-cells",
    "corrupt-notebook",
    "unknown-notebook",
    "tampering",
    "variant",
    "kernel-died",
    "stuck",
    "grading-error",
    "notebook-missing",
    "cell-deleted",
    "cell-edited",
    "unreadable-answer",
    "timed-out",
    "memory-limit",
)


# --------------------------------------------------------------------------------------------------
# Data


@dataclass
class CohortData:
    modules: list  # released module ids, in course order
    max_points: dict  # module -> points
    table: pd.DataFrame  # one row per (trainee, module): see cohort_table
    items: pd.DataFrame  # one row per (trainee, module, item): score, points
    pass_fraction: float


def collect_data(ws: Workspace) -> CohortData:
    """Everything the report, the exports and the certificates need, read once from the workspace."""
    modules = ws.released_modules()
    roster = ws.roster()
    rows, items, max_points = [], [], {}
    with ws.gradebook() as gb:
        for module_id in modules:
            assignment = gb.find_assignment(module_id)
            max_points[module_id] = float(assignment.max_score)
            done = current_records(ws, module_id)
            submissions = {s.student.id: s for s in assignment.submissions}
            for trainee in roster:
                record = done.get(trainee.id)
                status = record.status if record else "missing"
                submission = submissions.get(trainee.id)
                graded = STATUSES[status].graded and submission is not None
                pending = graded and bool(submission.needs_manual_grade)
                rows.append(
                    dict(
                        trainee=trainee.id,
                        name=trainee.name,
                        sortable_name=f"{trainee.last_name}, {trainee.first_name}",
                        email=trainee.email,
                        section=trainee.section,
                        module=module_id,
                        status=status,
                        score=float(submission.score) if graded else math.nan,
                        max_score=max_points[module_id],
                        pending_manual=pending,
                        submitted=submission.timestamp if submission is not None else None,
                        detail=record.detail() if record else "no submission collected",
                    )
                )
                if graded:
                    for nb in submission.notebooks:
                        for grade in nb.grades:
                            items.append(
                                dict(
                                    trainee=trainee.id,
                                    module=module_id,
                                    item=grade.name,
                                    score=float(grade.score),
                                    points=float(grade.max_score),
                                    pending=bool(grade.needs_manual_grade),
                                )
                            )
    table = cohort_table(pd.DataFrame(rows, columns=ROW_COLUMNS), ws.settings.pass_fraction)
    return CohortData(modules, max_points, table, pd.DataFrame(items, columns=_ITEM_COLUMNS), ws.settings.pass_fraction)


#: The columns of a results table's rows (``cohort_table``'s input).
ROW_COLUMNS = [
    "trainee",
    "name",
    "sortable_name",
    "email",
    "section",
    "module",
    "status",
    "score",
    "max_score",
    "pending_manual",
    "detail",
    "submitted",
]
_ITEM_COLUMNS = ["trainee", "module", "item", "score", "points", "pending"]


def cohort_table(rows: pd.DataFrame, pass_fraction: float) -> pd.DataFrame:
    """Add ``percent``, ``complete`` (graded, nothing pending) and ``passed`` to per-submission rows."""
    if not isinstance(rows, pd.DataFrame) or set(ROW_COLUMNS) - set(rows.columns):
        raise ValueError(f"rows must be a DataFrame with the columns {', '.join(ROW_COLUMNS)}.")
    if not isinstance(pass_fraction, (int, float)) or not 0 <= pass_fraction <= 1 or math.isnan(pass_fraction):
        raise ValueError("pass_fraction must be a number from 0 to 1.")
    table = rows.copy()
    maxima = table["max_score"].astype(float)
    table["percent"] = (100 * table["score"].astype(float) / maxima.where(maxima > 0)).round(1)
    table["complete"] = (
        table["status"].map(lambda s: STATUSES[s].graded)
        & ~table["pending_manual"].astype(bool)
        & table["score"].notna()
    )
    table["passed"] = table["complete"] & (table["score"] >= pass_fraction * maxima - 1e-9)
    return table


def item_table(items: pd.DataFrame) -> pd.DataFrame:
    """Item analysis of graded cells: one row per (module, item).

    ``difficulty`` is the mean score as a share of the item's points (1 = everyone got it). ``discrimination``
    is the corrected item-total correlation: Pearson's r between the item score and the rest of the
    trainee's module score (for all-or-nothing autograded cells this is the point-biserial correlation);
    it is left empty with fewer than 3 trainees or when either side does not vary.
    """
    if not isinstance(items, pd.DataFrame) or set(_ITEM_COLUMNS) - set(items.columns):
        raise ValueError(f"items must be a DataFrame with the columns {', '.join(_ITEM_COLUMNS)}.")
    scores = items[~items["pending"].astype(bool)]
    if scores[["score", "points"]].isna().any().any() or (scores["points"] <= 0).any():
        raise ValueError("item scores must be numbers and item points must be positive.")
    out = []
    for (module_id, item), group in scores.groupby(["module", "item"], sort=False):
        totals = scores[scores["module"] == module_id].groupby("trainee")["score"].sum()
        rest = totals.loc[group["trainee"]].to_numpy() - group["score"].to_numpy()
        points = float(group["points"].iloc[0])
        out.append(
            dict(
                module=module_id,
                item=item,
                points=points,
                trainees=len(group),
                difficulty=round(float(group["score"].mean()) / points, 3),
                discrimination=_correlation(group["score"].to_numpy(), rest),
            )
        )
    return pd.DataFrame(out, columns=["module", "item", "points", "trainees", "difficulty", "discrimination"])


def _correlation(x, y) -> float:
    if len(x) < 3 or float(pd.Series(x).std()) == 0 or float(pd.Series(y).std()) == 0:
        return math.nan
    return round(float(pd.Series(x).corr(pd.Series(y))), 3)


def needs_help(table: pd.DataFrame) -> pd.DataFrame:
    """Trainees with a missing, failed or troubled submission, and why (one row per trainee)."""
    reasons = {}
    for row in table.itertuples():
        why = None
        if row.status == "missing":
            why = f"{row.module}: not submitted"
        elif row.status in CONCERNS:
            why = f"{row.module}: {STATUSES[row.status].label}"
        elif row.complete and not row.passed:
            why = f"{row.module}: {row.percent:g}% (below the pass mark)"
        if why:
            reasons.setdefault((row.trainee, row.name), []).append(why)
    return pd.DataFrame(
        [dict(trainee=t, name=n, reasons="; ".join(r)) for (t, n), r in reasons.items()],
        columns=["trainee", "name", "reasons"],
    )
