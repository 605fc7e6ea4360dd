"""Tables in the data card and the README that are made from the data, never copied by hand.

A generated section sits between ``<!-- generated: NAME -->`` and ``<!-- end: NAME -->``; ``course build``
rewrites it and ``tests/test_generated_docs.py`` fails when a committed section differs from the data.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..cases import list_cases, load_case
from ..data.cohort_design import arms, design
from ..data.patients import load_patients
from ..data.syllabus import modules
from ..dosing import routes_table
from ..outcomes import load_cohort, rates
from ..paths import checkout, dataset
from ..synthetic.patients import designs
from ..synthetic.sessions import DESIGNED

SECTION = re.compile(r"(<!-- generated: (?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- end: (?P=name) -->)", re.S)
SCALE_NAMES = {"gad7": "GAD-7", "phq9": "PHQ-9", "hama": "HAM-A", "lsas": "LSAS", "pdss": "PDSS"}


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def patients_section() -> str:
    plan = {d["id"]: d for d in designs()["designs"]}
    rows, counts = [], {}
    for p in load_patients():
        d = plan[p["id"]]
        cues = [
            c
            for c, flag in (
                ("imagery", "intrusive_imagery"),
                ("memory", "memory_rooted_onset"),
                ("parts", "parts_language"),
            )
            if p["profile"][flag]
        ]
        profile = p["profile"]["dominant"] + (f" ({', '.join(cues)})" if cues else "")
        totals = ", ".join(f"{SCALE_NAMES[k]} {v}" for k, v in d["totals"].items())
        triage = d["triage"] if d["triage"] == "proceed" else f"**{d['triage']}**"
        counts[d["triage"]] = counts.get(d["triage"], 0) + 1
        rows.append([p["id"], ", ".join(p["diagnoses"]), totals, profile, triage, d["teaching_point"]])
    summary = ", ".join(f"{n} {t}" for t, n in sorted(counts.items(), key=lambda kv: -kv[1]))
    return f"Triage as designed: {summary}.\n\n" + _table(
        ["id", "diagnoses", "designed totals", "profile (cues)", "triage", "teaching point"], rows
    )


def cohort_parameters_section() -> str:
    rows = [
        [f"`{name}`", f"{p['value']:g}", p["basis"], " ".join(f"[{k}]" for k in p.get("sources", [])) or "—"]
        for name, p in design()["parameters"].items()
    ]
    return _table(["parameter", "value", "basis", "keys"], rows)


def cohort_rates_section() -> str:
    cohort = load_cohort()
    weeks = [w for w in design()["weeks"] if w > 0]
    rows = []
    for arm, label in arms().items():
        cells = []
        for week in weeks:
            response = rates(cohort, "response", week, [arm])["rate"].iloc[0]
            remission = rates(cohort, "gad7_remission", week, [arm])["rate"].iloc[0]
            cells.append(f"{response:.0%} / {remission:.0%}")
        rows.append([f"{label} (`{arm}`)", design()["arms"][arm]["study"], *cells])
    return _table(["arm", "study", *(f"wk {w}" for w in weeks)], rows)


def routes_section() -> str:
    rows = []
    for r in routes_table().itertuples():
        low, high = r.bioavailability_low, r.bioavailability_high
        span = "not characterised" if low != low else (f"{low:g}" if low == high else f"{low:g}–{high:g}")
        rows.append([r.label, span, " ".join(f"[{k}]" for k in r.keys.split()) or "by definition", r.note])
    return _table(["route", "bioavailability", "keys", "note"], rows)


def sessions_section() -> str:
    rows = [[f"{pid} session {n}", d["why"], ", ".join(d["expect"])] for (pid, n), d in sorted(DESIGNED.items())]
    return _table(["session", "designed to show", "findings the checks must give"], rows)


def cases_section() -> str:
    rows = []
    for case_id in list_cases():
        case = load_case(case_id)
        decisions = case.decision_nodes
        criticals = {o.critical for n in decisions for o in n.options if o.critical}
        endings = [n.end for n in case.nodes.values() if n.end]
        rows.append(
            [
                f"`{case.id}`",
                case.module,
                case.diagnosis,
                case.patient,
                len(case.nodes),
                len(decisions),
                sum(n.branches for n in decisions),
                f"{len(endings)} ({endings.count('good')} good)",
                len(criticals),
            ]
        )
    return _table(
        [
            "case",
            "module",
            "diagnosis",
            "patient",
            "nodes",
            "decision nodes",
            "branching",
            "endings",
            "critical errors",
        ],
        rows,
    )


def modules_section() -> str:
    rows = [
        [f"{m.id[:2]} {m.title}" if m.teaching else m.title, f"`modules/{m.id}/{m.notebook}`", f"~{m.minutes} min"]
        for m in modules()
    ]
    return _table(["module", "notebook", "time"], rows)


SECTIONS = {
    "patients": patients_section,
    "cohort-parameters": cohort_parameters_section,
    "cohort-rates": cohort_rates_section,
    "routes": routes_section,
    "sessions": sessions_section,
    "cases": cases_section,
    "modules": modules_section,
}


def render(text: str, where: str) -> str:
    """``text`` with every generated section made afresh from the data."""

    def replace(match):
        name = match.group("name")
        if name not in SECTIONS:
            raise ValueError(f"{where}: unknown generated section {name!r}; the sections are {', '.join(SECTIONS)}.")
        return match.group(1) + SECTIONS[name]() + match.group(4)

    return SECTION.sub(replace, text)


def documents() -> list[Path]:
    return [dataset("DATACARD.md"), checkout() / "README.md"]


def write_documents() -> list[Path]:
    """Rewrite the generated sections of the data card and the README; returns the files that changed."""
    changed = []
    for path in documents():
        text = path.read_text(encoding="utf-8")
        new = render(text, path.name)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed
