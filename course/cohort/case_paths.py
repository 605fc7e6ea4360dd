"""Where a cohort went in the cases: paths, critical errors and the steps where trainees went wrong.

Each graded notebook keeps, in the output of a ``case_record`` cell, the letters a trainee chose in each case as
xAPI-style statements. The report does not trust those statements: it takes only the letters and replays them with
the case engine, so the paths, scores and critical errors are the engine's. Results are anonymous: counts per step,
never who went where (or who went first).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..cases import XAPI_MIME, load_case, play
from .workspace import Workspace


@dataclass
class CaseSummary:
    case: str
    title: str
    trainees: int = 0
    transitions: Counter = field(default_factory=Counter)  # (from node, to node) -> trainees
    choices: Counter = field(default_factory=Counter)  # (node, label, best?) -> trainees
    criticals: Counter = field(default_factory=Counter)
    endings: Counter = field(default_factory=Counter)

    def wrong_turns(self, top: int = 5) -> list[tuple[str, str, int, int]]:
        """(node title, most chosen non-best option, trainees who chose it, trainees who reached the node)."""
        case = load_case(self.case)
        reached = Counter()
        for (node, _, _), n in self.choices.items():
            reached[node] += n
        wrong = Counter({(node, label): n for (node, label, best), n in self.choices.items() if not best})
        return [(case.nodes[node].title, label, n, reached[node]) for (node, label), n in wrong.most_common(top)]


def records_in(notebook: dict) -> list[dict]:
    """The case records (case id and letters) kept in one executed notebook."""
    found = []
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            record = output.get("data", {}).get(XAPI_MIME)
            if (
                isinstance(record, dict)
                and isinstance(record.get("case"), str)
                and isinstance(record.get("letters"), list)
            ):
                found.append({"case": record["case"], "letters": [str(x) for x in record["letters"]][:100]})
    return found


def summarise(records: list[dict]) -> dict[str, CaseSummary]:
    """Replay every record with the case engine; a record that does not replay is left out."""
    summaries: dict[str, CaseSummary] = {}
    for record in records:
        try:
            case = load_case(record["case"])
            run = play(case, record["letters"])
        except ValueError:
            continue
        summary = summaries.setdefault(case.id, CaseSummary(case.id, case.title))
        summary.trainees += 1
        for step in run.steps:
            summary.transitions[(step.node, step.next)] += 1
            summary.choices[(step.node, step.label, sum(step.scores.values()) == step.best)] += 1
        summary.criticals.update(run.criticals)
        summary.endings[f"{run.node.title} ({run.ending})" if run.finished else "not finished"] += 1
    return summaries


def cohort_case_paths(ws: Workspace, modules: list[str]) -> dict[str, CaseSummary]:
    """Summaries of every case played in the autograded notebooks of ``modules``."""
    import nbformat  # start-up cost: only the report reads notebooks

    records = []
    for module_id in modules:
        for path in sorted(Path(ws.course / "autograded").glob(f"*/{module_id}/*.ipynb")):
            try:
                records += records_in(nbformat.read(path, as_version=4))
            except Exception:  # a notebook the grader could not write whole: its paths are simply not counted
                continue
    return summarise(records)


def sankey(summary: CaseSummary):
    """The cohort's paths through one case as a plotly Sankey figure (the course template)."""
    import plotly.graph_objects as go  # start-up cost: plotly only when a report is drawn

    from ..theme import OKABE_ITO  # also registers the course template

    case = load_case(summary.case)
    ids = list(case.nodes)
    labels = [case.nodes[i].title + (f" ({case.nodes[i].end})" if case.nodes[i].end else "") for i in ids]
    colours = {"good": OKABE_ITO[2], "acceptable": OKABE_ITO[1], "poor": OKABE_ITO[5]}
    links = [(ids.index(a), ids.index(b), n) for (a, b), n in sorted(summary.transitions.items())]
    figure = go.Figure(
        go.Sankey(
            node={"label": labels, "pad": 14, "color": [colours.get(case.nodes[i].end, OKABE_ITO[4]) for i in ids]},
            link={
                "source": [a for a, _, _ in links],
                "target": [b for _, b, _ in links],
                "value": [n for _, _, n in links],
            },
        )
    )
    figure.update_layout(
        title=f"{case.title}: the paths of {summary.trainees} trainee(s)",
        height=420,
        meta={
            "alt": f"Flow of {summary.trainees} trainees through the steps of {case.title}; "
            f"endings: " + ", ".join(f"{k}: {v}" for k, v in summary.endings.items())
        },
    )
    return figure
