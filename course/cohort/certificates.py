"""Certificates of completion: one HTML page per trainee who passed every module the activity requires.

The required modules are every teaching module of the course, or the subset a program declared in its provider file
(``modules:``); the certificate names them. A module counts when it is fully graded (nothing waits for manual
grading) and scores at least the cohort's ``pass_fraction`` of its points. When the evaluation was released, a
trainee's submitted evaluation is required too (accrediting bodies expect participants to evaluate an activity
before credit is issued).

Each certificate carries what ANCC lists for a certificate of completion: the trainee's name, the activity's title,
its dates, the provider's name and address, the credit hours and type, the accreditation statement exactly as the
provider entered it (or "not accredited") and the date of completion (the last required module's submission).
"""

from __future__ import annotations

import hashlib
import html
import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from ..data.provider import Provider
from ..data.syllabus import course_title, teaching_modules
from ..data.syllabus import module as syllabus_module
from .results import CohortData, collect_data
from .workspace import Workspace

EVALUATION = "evaluation"


@dataclass(frozen=True)
class Requirement:
    modules: tuple[str, ...]  # the modules a trainee must pass
    evaluation: bool  # whether a submitted evaluation is required

    def describe(self) -> str:
        names = ", ".join(self.modules)
        return f"pass {names}" + (" and submit the evaluation" if self.evaluation else "")


def requirement(provider: Provider, data: CohortData) -> Requirement:
    chosen = provider.modules or tuple(m.id for m in teaching_modules())
    return Requirement(tuple(chosen), EVALUATION in data.modules)


def completion_dates(data: CohortData, need: Requirement) -> dict[str, date]:
    """Trainees who met the requirement, with the date they completed it (their last required submission)."""
    table = data.table
    done = {}
    for trainee, rows in table.groupby("trainee", sort=False):
        by_module = {r.module: r for r in rows.itertuples()}
        required = [by_module.get(m) for m in need.modules]
        if any(r is None or not r.passed for r in required):
            continue
        if need.evaluation:
            evaluation = by_module.get(EVALUATION)
            if evaluation is None or evaluation.status == "missing":
                continue
            required.append(evaluation)
        stamps = [_day(r.submitted) for r in required]
        done[trainee] = max((s for s in stamps if s is not None), default=date.today())
    return done


def _day(stamp) -> date | None:
    if stamp is None or (isinstance(stamp, float) and math.isnan(stamp)) or stamp is pd.NaT:
        return None
    if isinstance(stamp, datetime):
        return stamp.date()
    if isinstance(stamp, date):
        return stamp
    return pd.Timestamp(stamp).date()


def completed(data: CohortData, provider: Provider | None = None) -> list[str]:
    """Trainees who passed every required module (and submitted the evaluation when it was released)."""
    return list(completion_dates(data, requirement(provider or Provider(), data)))


def certificate_html(
    cohort: str, data: CohortData, trainee: str, provider: Provider, completed_on: date, issued: date
) -> str:
    rows = data.table[data.table["trainee"] == trainee]
    if rows.empty:
        raise ValueError(f"{trainee!r} is not on the roster of cohort {cohort}.")
    need = requirement(provider, data)
    e = html.escape
    name = rows.iloc[0]["name"]
    by_module = {r.module: r for r in rows.itertuples()}
    lines = "".join(
        f"<li>{e(m)} {e(syllabus_module(m).title)}: {by_module[m].score:g} of {by_module[m].max_score:g} points</li>"
        for m in need.modules
    )
    whole = set(need.modules) == {m.id for m in teaching_modules()}
    scope = (
        "every module of the course"
        if whole
        else f"the modules this program declared ({len(need.modules)} of {len(teaching_modules())}), listed below"
    )
    dates = f"{provider.start:%d %B %Y} to {provider.end:%d %B %Y}" if provider.start else "self-paced"
    credit = (
        f"{provider.hours:g} {e(provider.credit_type)}"
        if provider.accredited
        else "none (this activity is not accredited)"
    )
    code = hashlib.sha256(f"{cohort}|{trainee}|{completed_on}|{issued}|{lines}|{provider}".encode()).hexdigest()[:12]
    return _PAGE.format(
        name=e(name),
        title=e(course_title()),
        cohort=e(cohort),
        lines=lines,
        scope=scope,
        dates=e(dates),
        provider=e(provider.name),
        address=e(provider.address),
        contact=e(provider.contact),
        credit=credit,
        statement=e(provider.statement),
        completed=f"{completed_on:%d %B %Y}",
        issued=f"{issued:%d %B %Y}",
        code=code,
        percent=f"{100 * data.pass_fraction:g}",
        evaluation="<li>Evaluation of the activity: submitted</li>" if need.evaluation else "",
    )


def write_certificates(ws: Workspace, data: CohortData | None = None, issued: date | None = None) -> list[Path]:
    """Write ``certificates/ID.html`` for every trainee who completed the activity; return the paths."""
    data = data or collect_data(ws)
    provider = ws.provider()
    folder = ws.folder("certificates")
    issued = issued or date.today()
    paths = []
    for trainee, completed_on in completion_dates(data, requirement(provider, data)).items():
        path = folder / f"{trainee}.html"
        path.write_text(certificate_html(ws.name, data, trainee, provider, completed_on, issued), encoding="utf-8")
        paths.append(path)
    return paths


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Certificate of completion: {name}</title>
<style>
body {{ font-family: Georgia, serif; max-width: 780px; margin: 3em auto; padding: 2em 3em; border: 6px double #0072B2;
       color: #222; }}
h1 {{ font-size: 1.8em; text-align: center; color: #0072B2; }} .name {{ font-size: 2em; text-align: center; }}
th {{ text-align: left; padding-right: 1em; vertical-align: top; }} .small {{ font-size: 0.85em; color: #555; }}
</style></head><body>
<h1>Certificate of completion</h1>
<p style="text-align:center">This certifies that</p>
<p class="name">{name}</p>
<p style="text-align:center">completed the educational activity <b>{title}</b> (cohort <b>{cohort}</b>), passing
{scope} with at least {percent}% of its points.</p>
<table>
<tr><th scope="row">Activity dates</th><td>{dates}</td></tr>
<tr><th scope="row">Date of completion</th><td>{completed}</td></tr>
<tr><th scope="row">Provider</th><td>{provider}<br>{address}<br>{contact}</td></tr>
<tr><th scope="row">Credit awarded</th><td>{credit}</td></tr>
<tr><th scope="row">Accreditation</th><td>{statement}</td></tr>
</table>
<h2 style="font-size:1.1em">Modules passed</h2>
<ul>{lines}{evaluation}</ul>
<p>Issued {issued}. Certificate code {code}.</p>
<p class="small">This certificate records completion of an educational activity taught with synthetic cases. It is not
a licence, a clinical credential or an endorsement to provide ketamine-assisted psychotherapy or any treatment.</p>
</body></html>
"""
