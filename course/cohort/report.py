"""The cohort dashboard: one self-contained HTML page (plotly.js inlined once).

It shows completion per module, score distributions, an item analysis of every graded cell
(difficulty and discrimination), every submission's status, and the trainees who may need help.
The numbers come from the gradebook (scores, including manual grades) and the grading records
(statuses); ``cohort_table`` and ``item_table`` are the pure data behind the page and the exports.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from .statuses import STATUSES, records
from .workspace import Workspace

#: Statuses that mean the trainee (or their submission) needs a look, besides failing or missing work.
CONCERNS = ("refused", "too-large", "too-many-cells", "corrupt-notebook", "unknown-notebook", "tampering",
            "kernel-died", "stuck", "grading-error", "notebook-missing", "cell-deleted", "cell-edited",
            "unreadable-answer", "timed-out", "memory-limit")


# --------------------------------------------------------------------------------------------------
# Data

@dataclass
class CohortData:
    modules: list            # released module ids, in course order
    max_points: dict         # module -> points
    table: pd.DataFrame      # one row per (trainee, module): see cohort_table
    items: pd.DataFrame      # one row per (trainee, module, item): score, points
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
            done = records(ws, module_id)
            submissions = {s.student.id: s for s in assignment.submissions}
            for trainee in roster:
                record = done.get(trainee.id)
                status = record.status if record else "missing"
                submission = submissions.get(trainee.id)
                graded = STATUSES[status].graded and submission is not None
                pending = graded and bool(submission.needs_manual_grade)
                if graded and status == "needs-manual-grading" and not pending:
                    status = "graded"  # the grader has finished the written answers since grading ran
                rows.append(dict(trainee=trainee.id, name=trainee.name,
                                 sortable_name=f"{trainee.last_name}, {trainee.first_name}", email=trainee.email,
                                 section=trainee.section, module=module_id, status=status,
                                 score=float(submission.score) if graded else math.nan,
                                 max_score=max_points[module_id], pending_manual=pending,
                                 detail=record.detail() if record else "no submission collected"))
                if graded:
                    for nb in submission.notebooks:
                        for grade in nb.grades:
                            items.append(dict(trainee=trainee.id, module=module_id, item=grade.name,
                                              score=float(grade.score), points=float(grade.max_score),
                                              pending=bool(grade.needs_manual_grade)))
    table = cohort_table(pd.DataFrame(rows, columns=_ROW_COLUMNS), ws.settings.pass_fraction)
    return CohortData(modules, max_points, table, pd.DataFrame(items, columns=_ITEM_COLUMNS),
                      ws.settings.pass_fraction)


_ROW_COLUMNS = ["trainee", "name", "sortable_name", "email", "section", "module", "status", "score", "max_score",
                "pending_manual", "detail"]
_ITEM_COLUMNS = ["trainee", "module", "item", "score", "points", "pending"]


def cohort_table(rows: pd.DataFrame, pass_fraction: float) -> pd.DataFrame:
    """Add ``percent``, ``complete`` (graded, nothing pending) and ``passed`` to per-submission rows."""
    if not isinstance(rows, pd.DataFrame) or set(_ROW_COLUMNS) - set(rows.columns):
        raise ValueError(f"rows must be a DataFrame with the columns {', '.join(_ROW_COLUMNS)}.")
    if not isinstance(pass_fraction, (int, float)) or not 0 <= pass_fraction <= 1 or math.isnan(pass_fraction):
        raise ValueError("pass_fraction must be a number from 0 to 1.")
    table = rows.copy()
    maxima = table["max_score"].astype(float)
    table["percent"] = (100 * table["score"].astype(float) / maxima.where(maxima > 0)).round(1)
    table["complete"] = table["status"].map(lambda s: STATUSES[s].graded) & ~table["pending_manual"].astype(bool) \
        & table["score"].notna()
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
        out.append(dict(module=module_id, item=item, points=points, trainees=len(group),
                        difficulty=round(float(group["score"].mean()) / points, 3),
                        discrimination=_correlation(group["score"].to_numpy(), rest)))
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
    return pd.DataFrame([dict(trainee=t, name=n, reasons="; ".join(r)) for (t, n), r in reasons.items()],
                        columns=["trainee", "name", "reasons"])


# --------------------------------------------------------------------------------------------------
# The page

def write_report(ws: Workspace, data: CohortData | None = None) -> Path:
    """Write ``reports/report.html`` and return its path."""
    data = data or collect_data(ws)
    path = ws.folder("reports") / "report.html"
    path.write_text(render(ws.name, data), encoding="utf-8")
    return path


def render(name: str, data: CohortData) -> str:
    parts = [fig.to_html(full_html=False, include_plotlyjs=(i == 0), default_width="100%")
             for i, fig in enumerate(figures(data))]
    table = data.table
    help_rows = needs_help(table)
    items = item_table(data.items)
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    trainees = table["trainee"].nunique()
    return _PAGE.format(
        title=html.escape(f"Cohort {name}"), now=now, trainees=trainees, modules=len(data.modules),
        pass_percent=f"{100 * data.pass_fraction:g}",
        figures="\n".join(f'<section class="figure">{p}</section>' for p in parts),
        help=_html_table(help_rows, ["trainee", "name", "reasons"]) if len(help_rows) else
        "<p>Nobody: every released module is submitted, graded and passed.</p>",
        items=_html_table(items, ["module", "item", "points", "trainees", "difficulty", "discrimination"]),
        statuses=_status_matrix(table, data.modules),
        legend="".join(f"<li><b>{html.escape(s.label)}</b>: {html.escape(s.advice)}</li>" for s in STATUSES.values()),
    )


def figures(data: CohortData) -> list:
    """Completion, score distributions, item analysis and statuses, as plotly figures (the course template)."""
    import plotly.graph_objects as go
    from ..plots.theme import OKABE_ITO  # also registers the course template
    table, modules = data.table, data.modules
    waiting = table["status"].map(lambda s: STATUSES[s].graded) & table["pending_manual"]
    groups = [("passed", table["passed"], OKABE_ITO[2]),
              ("graded, below the pass mark", table["complete"] & ~table["passed"], OKABE_ITO[1]),
              ("waiting for manual grading", waiting, OKABE_ITO[5]),
              ("needs a look", table["status"].isin(CONCERNS) & ~waiting & ~table["complete"], OKABE_ITO[3]),
              ("missing", table["status"] == "missing", "#BBBBBB")]
    completion = go.Figure([go.Bar(name=label, x=modules, marker_color=colour,
                                   y=[int((mask & (table["module"] == m)).sum()) for m in modules])
                            for label, mask, colour in groups])
    completion.update_layout(barmode="stack", title_text="Completion per module", yaxis_title="trainees")

    scores = go.Figure([go.Box(y=table.loc[table["module"] == m, "percent"].dropna(), name=m, boxpoints="all",
                               jitter=0.4, pointpos=0, marker_color=OKABE_ITO[0]) for m in modules])
    scores.add_hline(y=100 * data.pass_fraction, line_dash="dot", annotation_text="pass mark")
    scores.update_layout(title_text="Score distributions (written answers count once graded)",
                         yaxis_title="% of the module's points",
                         yaxis_range=[-5, 105], showlegend=False)

    items = item_table(data.items).dropna(subset=["discrimination"])  # the table below lists the others
    analysis = go.Figure([go.Scatter(x=g["difficulty"], y=g["discrimination"], mode="markers", name=m,
                                     marker_size=11, hovertext=g["item"],
                                     hovertemplate="%{hovertext}<br>difficulty %{x}<br>discrimination %{y}")
                          for m, g in items.groupby("module", sort=False)])
    analysis.update_layout(title_text="Item analysis: difficulty and discrimination of each graded cell",
                           xaxis_title="difficulty (share of points scored)", xaxis_range=[-0.05, 1.05],
                           yaxis_title="discrimination (item-rest correlation)", yaxis_range=[-1.05, 1.05])

    counts = table.groupby(["module", "status"]).size()
    statuses = go.Figure([go.Bar(name=STATUSES[code].label, x=modules,
                                 y=[int(counts.get((m, code), 0)) for m in modules])
                          for code in STATUSES if code in set(table["status"])])
    statuses.update_layout(barmode="group", title_text="Statuses after grading", yaxis_title="submissions")
    return [completion, scores, analysis, statuses]


def _html_table(frame: pd.DataFrame, columns: list[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
                   for row in frame[columns].itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:g}"
    return str(value)


def _status_matrix(table: pd.DataFrame, modules: list[str]) -> str:
    head = "<th>trainee</th>" + "".join(f"<th>{html.escape(m)}</th>" for m in modules)
    rows = []
    for trainee, group in table.groupby("trainee", sort=False):
        by_module = {r.module: r for r in group.itertuples()}
        cells = []
        for m in modules:
            r = by_module[m]
            score = "" if math.isnan(r.score) else f" {r.score:g}/{r.max_score:g}"
            cells.append(f'<td class="s-{r.status}" title="{html.escape(r.detail)}">'
                         f"{html.escape(STATUSES[r.status].label)}{score}</td>")
        rows.append(f"<tr><td>{html.escape(trainee)}</td>{''.join(cells)}</tr>")
    return f"<table class='matrix'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: Arial, Helvetica, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; }}
th {{ background: #f3f3f3; }}
.s-graded {{ background: #dff0e8; }} .s-needs-manual-grading {{ background: #fff4d6; }}
.s-missing {{ background: #f4f4f4; color: #777; }}
td[class^="s-"]:not(.s-graded):not(.s-needs-manual-grading):not(.s-missing) {{ background: #fbe3d6; }}
.note {{ color: #555; font-size: 0.9em; }}
</style></head><body>
<h1>{title}</h1>
<p class="note">Made {now}. {trainees} trainees, {modules} released module(s); a module is passed at {pass_percent}% of
its points once it is fully graded. Scores include manual grades from formgrader.</p>
<h2>Trainees who may need help</h2>
{help}
{figures}
<h2>Item analysis</h2>
<p class="note">Difficulty: mean score as a share of the item's points (1 = everyone got it right). Discrimination:
correlation between the item and the rest of the module score (point-biserial for all-or-nothing cells); near 0 or
negative means the item does not separate stronger from weaker work and deserves a look. Empty with fewer than 3
graded trainees or no spread.</p>
{items}
<h2>Every submission</h2>
{statuses}
<h3>What the statuses mean</h3><ul class="note">{legend}</ul>
</body></html>
"""
