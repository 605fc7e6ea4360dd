"""Certificates of completion: one HTML page per trainee who passed every released module.

A module counts when it is fully graded (nothing waits for manual grading) and scores at least the
cohort's ``pass_fraction`` (cohort.json) of its points. A certificate records completion of an
educational course; it says so, and that it is not a licence or a credential to practise.
"""
from __future__ import annotations

import hashlib
import html
from datetime import date
from pathlib import Path

from ..data.syllabus import modules as syllabus_modules
from .report import CohortData, collect_data
from .workspace import Workspace

_TITLES = {m.id: m.title for m in syllabus_modules()}


def completed(data: CohortData) -> list[str]:
    """Trainees who passed every released module (none if nothing is released)."""
    if not data.modules:
        return []
    passed = data.table.groupby("trainee", sort=False)["passed"].all()
    return [t for t, ok in passed.items() if ok]


def certificate_html(cohort: str, data: CohortData, trainee: str, issued: date) -> str:
    rows = data.table[data.table["trainee"] == trainee]
    if rows.empty:
        raise ValueError(f"{trainee!r} is not on the roster of cohort {cohort}.")
    name = rows.iloc[0]["name"]
    lines = "".join(f"<li>{html.escape(_TITLES.get(r.module, r.module))}: {r.score:g} of {r.max_score:g} points</li>"
                    for r in rows.itertuples())
    code = hashlib.sha256(f"{cohort}|{trainee}|{issued}|{lines}".encode()).hexdigest()[:12]
    return _PAGE.format(name=html.escape(name), cohort=html.escape(cohort), lines=lines, issued=issued.isoformat(),
                        code=code, percent=f"{100 * data.pass_fraction:g}")


def write_certificates(ws: Workspace, data: CohortData | None = None, issued: date | None = None) -> list[Path]:
    """Write ``certificates/ID.html`` for every trainee who completed the course; return the paths."""
    data = data or collect_data(ws)
    folder = ws.folder("certificates")
    issued = issued or date.today()
    paths = []
    for trainee in completed(data):
        path = folder / f"{trainee}.html"
        path.write_text(certificate_html(ws.name, data, trainee, issued), encoding="utf-8")
        paths.append(path)
    return paths


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Certificate of completion: {name}</title>
<style>
body {{ font-family: Georgia, serif; max-width: 760px; margin: 3em auto; padding: 2em 3em; border: 6px double #0072B2;
       color: #222; }}
h1 {{ font-size: 1.8em; text-align: center; color: #0072B2; }} .name {{ font-size: 2em; text-align: center; }}
.small {{ font-size: 0.85em; color: #555; }}
</style></head><body>
<h1>Certificate of completion</h1>
<p style="text-align:center">This certifies that</p>
<p class="name">{name}</p>
<p style="text-align:center">completed the educational course <b>KAP for Anxiety</b> in cohort <b>{cohort}</b>, passing
every released module with at least {percent}% of its points:</p>
<ul>{lines}</ul>
<p>Issued {issued}. Certificate code {code}.</p>
<p class="small">This certificate records completion of an educational course with synthetic cases. It is not a licence,
a clinical credential or an endorsement to provide ketamine-assisted psychotherapy or any treatment.</p>
</body></html>
"""
