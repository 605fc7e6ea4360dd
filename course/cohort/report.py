"""The cohort dashboard: one self-contained HTML page (plotly.js inlined once).

For instructors: completion per module, score distributions, an item analysis of every graded cell (difficulty and
discrimination) with the items that behave badly, every submission's status, and the trainees who may need help.
For the program: learning gains from the pre-test to the post-test, retention in the booster rounds, the cohort's
paths through the cases, time on task, the variants trainees used, and the anonymous evaluation.
"""

from __future__ import annotations

import html
import math
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from ..evaluation import summarise
from .boosters import retention
from .case_paths import cohort_case_paths, sankey
from .outcomes import (
    GAIN_METHOD,
    MIN_TRAINEES,
    TOO_EASY,
    TOO_HARD,
    evaluation_csv,
    evaluation_responses,
    item_flags,
    pre_post,
    time_on_task,
    variants_used,
)
from .results import CONCERNS, CohortData, collect_data, item_table, needs_help
from .statuses import STATUSES
from .time_records import METHOD as TIME_METHOD
from .workspace import Workspace

# --------------------------------------------------------------------------------------------------
# The page


def write_report(ws: Workspace, data: CohortData | None = None) -> Path:
    """Write ``reports/report.html`` (and ``exports/evaluation.csv`` when evaluations were submitted); return the
    report's path."""
    data = data or collect_data(ws)
    path = ws.folder("reports") / "report.html"
    path.write_text(render(ws.name, data, program_sections(ws, data)), encoding="utf-8")
    return path


def render(name: str, data: CohortData, sections: list | None = None) -> str:
    """The page: the instructor's part from ``data``, then the program's ``sections`` (title, html, figures)."""
    figures_ = figures(data)
    for _, _, extra in sections or []:
        figures_ += extra
    parts = [
        fig.to_html(full_html=False, include_plotlyjs=(i == 0), default_width="100%") for i, fig in enumerate(figures_)
    ]
    own, parts = parts[:4], parts[4:]
    program = []
    for title, body, extra in sections or []:
        shown, parts = parts[: len(extra)], parts[len(extra) :]
        program.append(
            f"<h2>{html.escape(title)}</h2>{body}" + "".join(f'<section class="figure">{p}</section>' for p in shown)
        )
    table = data.table
    help_rows = needs_help(table)
    items = item_table(data.items)
    flagged = item_flags(items)
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    trainees = table["trainee"].nunique()
    return _PAGE.format(
        title=html.escape(f"Cohort {name}"),
        now=now,
        trainees=trainees,
        modules=len(data.modules),
        pass_percent=f"{100 * data.pass_fraction:g}",
        figures="\n".join(f'<section class="figure">{p}</section>' for p in own),
        flagged=_html_table(flagged, ["module", "item", "trainees", "why"])
        if len(flagged)
        else f"<p>None: no item with at least {MIN_TRAINEES} graded trainees is too easy, too hard or negatively "
        "discriminating.</p>",
        program="\n".join(program),
        help=_html_table(help_rows, ["trainee", "name", "reasons"])
        if len(help_rows)
        else "<p>Nobody: every released module is submitted, graded and passed.</p>",
        items=_html_table(items, ["module", "item", "points", "trainees", "difficulty", "discrimination"]),
        statuses=_status_matrix(table, data.modules),
        easy=f"{100 * TOO_EASY:g}",
        hard=f"{100 * TOO_HARD:g}",
        minimum=MIN_TRAINEES,
        legend="".join(f"<li><b>{html.escape(s.label)}</b>: {html.escape(s.advice)}</li>" for s in STATUSES.values()),
    )


def figures(data: CohortData) -> list:
    """Completion, score distributions, item analysis and statuses, as plotly figures (the course template)."""
    # start-up cost: imported only where it is needed
    import plotly.graph_objects as go

    from ..theme import OKABE_ITO  # also registers the course template

    table, modules = data.table, data.modules
    waiting = table["status"].map(lambda s: STATUSES[s].graded) & table["pending_manual"]
    groups = [
        ("passed", table["passed"], OKABE_ITO[2]),
        ("graded, below the pass mark", table["complete"] & ~table["passed"], OKABE_ITO[1]),
        ("waiting for manual grading", waiting, OKABE_ITO[5]),
        ("needs a look", table["status"].isin(CONCERNS) & ~waiting & ~table["complete"], OKABE_ITO[3]),
        ("missing", table["status"] == "missing", "#BBBBBB"),
    ]
    completion = go.Figure(
        [
            go.Bar(
                name=label,
                x=modules,
                marker_color=colour,
                y=[int((mask & (table["module"] == m)).sum()) for m in modules],
            )
            for label, mask, colour in groups
        ]
    )
    completion.update_layout(barmode="stack", title_text="Completion per module", yaxis_title="trainees")

    scores = go.Figure(
        [
            go.Box(
                y=table.loc[table["module"] == m, "percent"].dropna(),
                name=m,
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                marker_color=OKABE_ITO[0],
            )
            for m in modules
        ]
    )
    scores.add_hline(y=100 * data.pass_fraction, line_dash="dot", annotation_text="pass mark")
    scores.update_layout(
        title_text="Score distributions (written answers count once graded)",
        yaxis_title="% of the module's points",
        yaxis_range=[-5, 105],
        showlegend=False,
    )

    items = item_table(data.items).dropna(subset=["discrimination"])  # the table below lists the others
    analysis = go.Figure(
        [
            go.Scatter(
                x=g["difficulty"],
                y=g["discrimination"],
                mode="markers",
                name=m,
                marker_size=11,
                hovertext=g["item"],
                hovertemplate="%{hovertext}<br>difficulty %{x}<br>discrimination %{y}",
            )
            for m, g in items.groupby("module", sort=False)
        ]
    )
    analysis.update_layout(
        title_text="Item analysis: difficulty and discrimination of each graded cell",
        xaxis_title="difficulty (share of points scored)",
        xaxis_range=[-0.05, 1.05],
        yaxis_title="discrimination (item-rest correlation)",
        yaxis_range=[-1.05, 1.05],
    )

    counts = table.groupby(["module", "status"]).size()
    statuses = go.Figure(
        [
            go.Bar(name=STATUSES[code].label, x=modules, y=[int(counts.get((m, code), 0)) for m in modules])
            for code in STATUSES
            if code in set(table["status"])
        ]
    )
    statuses.update_layout(barmode="group", title_text="Statuses after grading", yaxis_title="submissions")
    return [completion, scores, analysis, statuses]


# --------------------------------------------------------------------------------------------------
# What the program reads


def program_sections(ws: Workspace, data: CohortData) -> list[tuple[str, str, list]]:
    """The program's sections of the report: (title, HTML, plotly figures) each; a section with nothing to show yet
    says what it is waiting for."""
    return [
        _gains(ws, data),
        _retention(ws, data),
        _cases(ws, data),
        _time(ws, data),
        _variants(ws, data),
        _evaluation(ws),
    ]


def _gains(ws: Workspace, data: CohortData):
    title = "Learning gains: pre-test to post-test"
    by_objective, by_trainee = pre_post(ws, data)
    if by_objective.empty:
        return title, "<p>Waiting for graded pre-tests and post-tests from the same trainees.</p>", []
    import plotly.graph_objects as go  # start-up cost: plotly only when a report is drawn

    from ..theme import OKABE_ITO  # also registers the course template

    rows = by_objective.iloc[::-1]
    figure = go.Figure(
        [
            go.Scatter(
                x=rows["pre"],
                y=rows["objective"],
                mode="markers",
                name="pre-test",
                marker_color=OKABE_ITO[5],
                marker_size=11,
            ),
            go.Scatter(
                x=rows["post"],
                y=rows["objective"],
                mode="markers",
                name="post-test",
                marker_color=OKABE_ITO[2],
                marker_size=11,
                marker_symbol="diamond",
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=(rows["high"] - rows["gain"]).fillna(0),
                    arrayminus=(rows["gain"] - rows["low"]).fillna(0),
                    color="#888",
                ),
            ),
        ]
    )
    figure.update_layout(
        title_text="Share of questions right per objective, before and after (bars: the gain's 95% interval)",
        xaxis_title="share right",
        xaxis_range=[-0.05, 1.05],
        height=max(300, 40 * len(rows) + 120),
    )
    trainees = int(by_objective["trainees"].max())
    body = (
        f"<p class='note'>{html.escape(GAIN_METHOD)} {trainees} trainee(s) took both tests. Different items for "
        "the same objective, drawn per trainee: an objective's gain mixes learning with how hard its items are."
        "</p>"
        + _html_table(by_objective, ["objective", "text", "trainees", "pre", "post", "gain", "low", "high"])
        + "<h3>Per trainee</h3>"
        + _html_table(by_trainee, ["trainee", "pre", "post", "gain"])
    )
    return title, body, [figure]


def _retention(ws: Workspace, data: CohortData):
    title = "Retention: booster rounds"
    rows = retention(ws, data)
    if rows.empty:
        return title, "<p>No graded booster round yet (<code>course cohort boosters NAME</code> makes one).</p>", []
    import plotly.graph_objects as go  # start-up cost: plotly only when a report is drawn

    bins = [0, 14, 28, 56, 10_000]
    labels = ["under 2 weeks", "2 to 4 weeks", "4 to 8 weeks", "8 weeks or more"]
    rows = rows.assign(since=pd.cut(rows["days"], bins=bins, labels=labels, right=False))
    summary = (
        rows.groupby(["round", "since"], observed=True)
        .agg(questions=("correct", "size"), trainees=("trainee", "nunique"), right=("correct", "mean"))
        .reset_index()
    )
    summary["right"] = summary["right"].round(3)
    figure = go.Figure(
        [
            go.Bar(
                x=g["since"].astype(str),
                y=g["right"],
                name=r,
                text=[f"n={n}" for n in g["questions"]],
                textposition="outside",
            )
            for r, g in summary.groupby("round", sort=False)
        ]
    )
    figure.update_layout(
        barmode="group",
        title_text="Share of booster questions right, by time since the module was completed",
        yaxis_title="share right",
        yaxis_range=[0, 1.1],
        xaxis_title="time since the module was completed",
    )
    return (
        title,
        (
            "<p class='note'>Each question is counted against the day its objective's module was completed. "
            "n is the number of questions behind each bar.</p>"
            + _html_table(summary.astype({"since": str}), ["round", "since", "trainees", "questions", "right"])
        ),
        [figure],
    )


def _cases(ws: Workspace, data: CohortData):
    title = "Cases: where the cohort went"
    summaries = cohort_case_paths(ws, data.modules)
    if not summaries:
        return title, "<p>No graded notebook has a case record yet.</p>", []
    parts, figures_ = [], []
    for summary in summaries.values():
        criticals = ", ".join(f"{k}: {v}" for k, v in summary.criticals.most_common()) or "none"
        turns = pd.DataFrame(
            summary.wrong_turns(), columns=["step", "most chosen other option", "trainees", "reached the step"]
        )
        parts.append(
            f"<h3>{html.escape(summary.title)}</h3><p class='note'>{summary.trainees} trainee(s). Critical "
            f"errors: {html.escape(criticals)}. Endings: "
            + html.escape(", ".join(f"{k}: {v}" for k, v in summary.endings.most_common()))
            + "</p>"
            + (_html_table(turns, list(turns.columns)) if len(turns) else "")
        )
        figures_.append(sankey(summary))
    return (
        title,
        (
            "<p class='note'>Replayed by the case engine from the letters each notebook recorded; counts only, "
            "never who went where.</p>" + "".join(parts)
        ),
        figures_,
    )


def _time(ws: Workspace, data: CohortData):
    title = "Time on task"
    table = time_on_task(ws, data)
    if table.empty:
        return title, "<p>No submission carries cell timing yet.</p>", []
    body = f"<p class='note'>Minutes. {html.escape(TIME_METHOD)}</p>" + _html_table(table, list(table.columns))
    return title, body, []


def _variants(ws: Workspace, data: CohortData):
    title = "Case-number variants"
    used = variants_used(ws, data)
    if used.empty:
        return title, "<p>No graded notebook records a variant yet.</p>", []
    others = used[(used["recorded_for"] != used["trainee"]) & (used["recorded_for"] != "(no id: self-study numbers)")]
    counts = used.groupby("module").agg(submissions=("trainee", "size"), distinct=("variant", "nunique")).reset_index()
    note = (
        (
            f"<p><b>{len(others)} submission(s) recorded another trainee's variant</b>: "
            + html.escape(
                ", ".join(f"{r.trainee} ({r.module}, recorded for {r.recorded_for})" for r in others.itertuples())
            )
            + "</p>"
        )
        if len(others)
        else ""
    )
    return (
        title,
        (
            "<p class='note'>Each trainee's case numbers come from their own variant (a stable hash of their "
            "id and the module); <code>course variant MODULE --trainee ID</code> shows what a trainee saw.</p>"
            + note
            + _html_table(counts, ["module", "submissions", "distinct"])
            + _html_table(used, ["module", "trainee", "variant", "recorded_for"])
        ),
        [],
    )


def _evaluation(ws: Workspace):
    title = "Evaluation (anonymous)"
    responses = evaluation_responses(ws)
    if not responses:
        return title, "<p>No evaluation submitted yet.</p>", []
    path = ws.folder("exports") / "evaluation.csv"
    path.write_text(evaluation_csv(responses), encoding="utf-8")
    summary = summarise(responses)
    rows = []
    for entry in summary["questions"].values():
        if "mean" in entry:
            detail = f"mean {entry['mean']} (sd {entry['sd']}); " + ", ".join(
                f"{k}: {v}" for k, v in entry["counts"].items()
            )
        elif "counts" in entry:
            detail = ", ".join(f"{k}: {v}" for k, v in entry["counts"].items())
        else:
            detail = " | ".join(entry["texts"]) or "no text"
        rows.append(dict(question=entry["text"], answers=entry["n"], summary=detail))
    return (
        title,
        (
            f"<p class='note'>{summary['responses']} response(s); no names, free text in alphabetical order. "
            f"Also in <code>{html.escape(str(path))}</code>. In a small cohort, free text can still identify "
            "its writer: share it with care.</p>" + _html_table(pd.DataFrame(rows), ["question", "answers", "summary"])
        ),
        [],
    )


def _html_table(frame: pd.DataFrame, columns: list[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
        for row in frame[columns].itertuples(index=False)
    )
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
            cells.append(
                f'<td class="s-{r.status}" title="{html.escape(r.detail)}">'
                f"{html.escape(STATUSES[r.status].label)}{score}</td>"
            )
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
<h3>Items that behave badly</h3>
<p class="note">Too easy: at least {easy}% of the points scored; too hard: at most {hard}%; negative discrimination:
stronger trainees do worse on the item. Conventional item-analysis rules, applied once {minimum} or more trainees have
a grade for the item; a flagged item deserves a look, not automatic removal.</p>
{flagged}
{program}
<h2>Every submission</h2>
{statuses}
<h3>What the statuses mean</h3><ul class="note">{legend}</ul>
</body></html>
"""
