"""What a program reads from a cohort beyond its grades: learning gains, retention, items that behave badly, the
evaluation, time on task and the variants trainees used.

- **Pre→post gain**: the share of each objective's questions answered right in the post-test minus the pre-test, for
  trainees who took both; its interval is a percentile bootstrap of the paired differences (2,000 resamples, fixed
  seed), because cohorts are small and scores bounded.
- **Item flags**: conventional item-analysis rules (too easy when at least 90% score, too hard when at most 20% do,
  negative discrimination), only once at least ``MIN_TRAINEES`` trainees have a grade for the item.
- **Evaluation**: each trainee's saved answers file (data, never code), summarised anonymously.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from ..data.syllabus import objectives
from ..evaluation import ANSWERS_FILE, load, problems, questions, summarise
from ..variants import recorded_variant
from .items import objective_of
from .results import CohortData, item_table
from .time_records import submitted_minutes
from .workspace import Workspace

TOO_EASY, TOO_HARD, MIN_TRAINEES = 0.9, 0.2, 5
RESAMPLES = 2000
GAIN_METHOD = (
    f"Gain = post-test share right minus pre-test share right, for trainees who took both; 95% interval: "
    f"percentile bootstrap of the paired differences ({RESAMPLES:,} resamples, seed 0). No interval below "
    "3 trainees."
)


def _scored(ws: Workspace, data: CohortData, assignment: str) -> pd.DataFrame:
    """trainee, objective, right (0-1) for every graded question of the pre-test or post-test."""
    rows = data.items[(data.items["module"] == assignment) & ~data.items["pending"].astype(bool)]
    out = [
        dict(trainee=r.trainee, objective=objective_of(ws, assignment, r.trainee, r.item), right=r.score / r.points)
        for r in rows.itertuples()
    ]
    frame = pd.DataFrame(out, columns=["trainee", "objective", "right"])
    return frame.dropna(subset=["objective"])


def interval(differences, seed: int = 0) -> tuple[float, float]:
    """95% percentile-bootstrap interval of the mean of paired differences (nan below 3 values)."""
    values = np.asarray(list(differences), dtype=float)
    if len(values) < 3:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    means = rng.choice(values, size=(RESAMPLES, len(values)), replace=True).mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return round(float(low), 3), round(float(high), 3)


def pre_post(ws: Workspace, data: CohortData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per objective, per trainee) pre→post tables; empty until both tests have graded answers."""
    by_objective = pd.DataFrame(columns=["objective", "text", "trainees", "pre", "post", "gain", "low", "high"])
    by_trainee = pd.DataFrame(columns=["trainee", "pre", "post", "gain"])
    if not {"pre-test", "post-test"} <= set(data.modules):
        return by_objective, by_trainee
    pre, post = _scored(ws, data, "pre-test"), _scored(ws, data, "post-test")
    both = pre.merge(post, on=["trainee", "objective"], suffixes=("_pre", "_post"))
    if both.empty:
        return by_objective, by_trainee
    texts = objectives()
    rows = []
    for objective, group in both.groupby("objective", sort=True):
        differences = group["right_post"] - group["right_pre"]
        low, high = interval(differences)
        rows.append(
            dict(
                objective=objective,
                text=texts[objective].text if objective in texts else "",
                trainees=len(group),
                pre=round(group["right_pre"].mean(), 3),
                post=round(group["right_post"].mean(), 3),
                gain=round(differences.mean(), 3),
                low=low,
                high=high,
            )
        )
    by_objective = pd.DataFrame(rows, columns=by_objective.columns)
    per = both.groupby("trainee").agg(pre=("right_pre", "mean"), post=("right_post", "mean")).reset_index()
    per["gain"] = per["post"] - per["pre"]
    by_trainee = per.round(3)[["trainee", "pre", "post", "gain"]]
    return by_objective, by_trainee


def item_flags(items: pd.DataFrame) -> pd.DataFrame:
    """Items of ``item_table`` that behave badly, with the reason."""
    flagged = []
    for row in items.itertuples():
        if row.trainees < MIN_TRAINEES:
            continue
        reasons = []
        if row.difficulty >= TOO_EASY:
            reasons.append(f"too easy ({row.difficulty:.0%} of points scored)")
        if row.difficulty <= TOO_HARD:
            reasons.append(f"too hard ({row.difficulty:.0%} of points scored)")
        if not math.isnan(row.discrimination) and row.discrimination < 0:
            reasons.append(f"negative discrimination ({row.discrimination:g}): stronger trainees do worse on it")
        if reasons:
            flagged.append(dict(module=row.module, item=row.item, trainees=row.trainees, why="; ".join(reasons)))
    return pd.DataFrame(flagged, columns=["module", "item", "trainees", "why"])


def bad_items(data: CohortData) -> pd.DataFrame:
    return item_flags(item_table(data.items))


# -- evaluation -----------------------------------------------------------------------------------------------------


def evaluation_responses(ws: Workspace) -> list[dict]:
    """Every submitted evaluation's answers (answers of the wrong form are dropped), in no trainee order."""
    responses = []
    for path in sorted((ws.course / "submitted").glob(f"*/evaluation/{ANSWERS_FILE}")):
        answers = load(path)
        if answers is None:
            continue
        names = {q["name"] for q in questions()}
        clean = {k: v for k, v in answers.items() if k in names and not problems({k: v})}
        if any(v is not None for v in clean.values()):
            responses.append(clean)
    return sorted(responses, key=lambda r: json.dumps(r, sort_keys=True))


def evaluation_csv(responses: list[dict]) -> str:
    """The summary as CSV: one row per question (rating: n, mean, sd, counts; choice: counts; text: the texts)."""
    summary = summarise(responses)
    rows = ["question,text,n,mean,sd,counts_or_texts"]
    for name, entry in summary["questions"].items():
        detail = entry.get("counts") or entry.get("texts") or {}
        cells = [
            name,
            entry["text"],
            entry["n"],
            entry.get("mean", ""),
            entry.get("sd", ""),
            json.dumps(detail, ensure_ascii=False),
        ]
        rows.append(",".join(_csv(c) for c in cells))
    return "\n".join(rows) + "\n"


def _csv(value) -> str:
    text = "" if value is None else str(value)
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


# -- time and variants ----------------------------------------------------------------------------------------------


def time_on_task(ws: Workspace, data: CohortData) -> pd.DataFrame:
    """Minutes on task per trainee and module (by the method in ``time_records``), with a total per trainee."""
    rows = []
    for module_id in data.modules:
        for trainee, minutes in submitted_minutes(ws.course, module_id).items():
            rows.append(dict(trainee=trainee, module=module_id, minutes=minutes))
    frame = pd.DataFrame(rows, columns=["trainee", "module", "minutes"])
    if frame.empty:
        return frame
    table = frame.pivot(index="trainee", columns="module", values="minutes")
    table["total"] = table.sum(axis=1, min_count=1)
    return table.reset_index()


def variants_used(ws: Workspace, data: CohortData) -> pd.DataFrame:
    """The variant each graded submission recorded (module, trainee, variant, whose variant it was): as the trainee
    ran it (the submitted notebook's record), or, for a notebook submitted without its outputs, as the grader ran it
    (the autograded notebook's, always the trainee's own)."""
    import nbformat  # start-up cost: only the report reads notebooks

    def recorded(path):
        try:
            return recorded_variant(nbformat.read(path, as_version=4))
        except Exception:  # a notebook the grader could not write whole has its own status
            return None

    rows = []
    for module_id in data.modules:
        for path in sorted((ws.course / "autograded").glob(f"*/{module_id}/*.ipynb")):
            trainee = path.parent.parent.name
            submitted = ws.course / "submitted" / trainee / module_id / path.name
            record = (recorded(submitted) if submitted.is_file() and not submitted.is_symlink() else None) or recorded(
                path
            )
            if record:
                rows.append(
                    dict(
                        module=module_id,
                        trainee=trainee,
                        variant=record.get("variant"),
                        recorded_for=record.get("trainee") or "(no id: self-study numbers)",
                    )
                )
    return pd.DataFrame(rows, columns=["module", "trainee", "variant", "recorded_for"])
