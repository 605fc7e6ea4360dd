"""The pages a program shows for an accredited activity: needs and objectives, disclosures, and the activity's facts.

Made from ``datasets/activity.yaml`` (the practice gap), ``datasets/syllabus.yaml`` (objectives, pass mark, times)
and the provider file. Written into the cohort's workspace by ``course cohort new --provider``.
"""

from __future__ import annotations

import html
from pathlib import Path

from ..data.provider import Provider, activity
from ..data.syllabus import course_title, pass_mark, teaching_modules


def _page(title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:860px;margin:2em auto;line-height:1.5}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 8px;text-align:left}</style>"
        f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def modules_for(provider: Provider):
    chosen = provider.modules or tuple(m.id for m in teaching_modules())
    return [m for m in teaching_modules() if m.id in chosen]


def facts_html(provider: Provider, pass_fraction: float | None = None) -> str:
    """The activity's facts: provider and address, dates, credit, accreditation statement, pass mark, time."""
    e = html.escape
    minutes = sum(m.minutes for m in modules_for(provider))
    share = pass_mark() if pass_fraction is None else pass_fraction
    dates = f"{provider.start} to {provider.end}" if provider.start else "self-paced (no dates entered)"
    credit = f"{provider.hours:g} {e(provider.credit_type)}" if provider.accredited else "none"
    return (
        f"<table><tr><th scope='row'>Activity</th><td>{e(course_title())}</td></tr>"
        f"<tr><th scope='row'>Provider</th><td>{e(provider.name)}<br>{e(provider.address)}<br>"
        f"{e(provider.contact)}</td></tr>"
        f"<tr><th scope='row'>Dates</th><td>{e(dates)}</td></tr>"
        f"<tr><th scope='row'>Credit</th><td>{credit}</td></tr>"
        f"<tr><th scope='row'>Accreditation</th><td>{e(provider.statement)}</td></tr>"
        f"<tr><th scope='row'>Passing</th><td>{share:.0%} of the points of every module, announced in "
        "advance on the start page and in each module</td></tr>"
        f"<tr><th scope='row'>Estimated time</th><td>{minutes / 60:.1f} hours ({minutes} minutes) for "
        f"{len(modules_for(provider))} modules</td></tr></table>"
    )


def needs_html(provider: Provider, pass_fraction: float | None = None) -> str:
    e = html.escape
    gap = activity()
    objectives = "".join(
        f"<li><b>{e(m.id)} {e(m.title)}</b> (~{m.minutes} min)<ul>"
        + "".join(f"<li>{e(o.text)} <small>({e(o.level)})</small></li>" for o in m.objectives)
        + "</ul></li>"
        for m in modules_for(provider)
    )
    return _page(
        "Needs and objectives",
        f"{facts_html(provider, pass_fraction)}<h2>The practice gap</h2>"
        f"<p>{e(gap['practice_gap'])}</p>"
        f"<h2>Who it is for</h2><p>{e(gap['audience'])}</p><h2>What participants will do differently</h2>"
        f"<p>{e(gap['expected_change'])}</p><h2>Learning objectives</h2><ul>{objectives}</ul>"
        "<p>How each objective is assessed: <code>course syllabus</code>.</p>",
    )


def disclosures_html(provider: Provider, pass_fraction: float | None = None) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(d['name'])}</td><td>{e(d['role'])}</td><td>{e('; '.join(d['relationships']) or 'none')}"
        f"</td><td>{e(d['mitigation'] or 'not needed')}</td></tr>"
        for d in provider.disclosures
    )
    table = (
        f"<table><tr><th scope='col'>name</th><th scope='col'>role</th><th scope='col'>financial relationships "
        f"(past 24 months)</th><th scope='col'>mitigation</th></tr>{rows}</table>"
        if rows
        else "<p>No disclosures were entered.</p>"
    )
    return _page(
        "Disclosures", f"{facts_html(provider, pass_fraction)}<h2>Disclosure of financial relationships</h2>{table}"
    )


def write_activity_pages(folder: Path, provider: Provider, pass_fraction: float | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    pages = {
        "needs-and-objectives.html": needs_html(provider, pass_fraction),
        "disclosures.html": disclosures_html(provider, pass_fraction),
    }
    written = []
    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    return written
