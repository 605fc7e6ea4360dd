"""A patient's chart as a clinician reads it at intake: history, item responses, vitals, medicines, trials.

Nothing is computed here (no totals, bands, adequacy or screen result), so a chart can be shown before the
questions that ask the trainee to work those out.
"""

from __future__ import annotations

import html

from IPython.display import HTML

from ..data.patients import get_patient

SECTIONS = ("presenting", "history", "items", "vitals", "medications", "trials", "substance_use", "support", "profile")
_SCALE_NAMES = {
    "gad7": "GAD-7 (items 1-7, each 0-3)",
    "phq9": "PHQ-9 (items 1-9, each 0-3; item 9 last)",
    "hama": "HAM-A (items 1-14, each 0-4)",
    "pdss": "PDSS (items 1-7, each 0-4)",
}


def _items(patient: dict) -> str:
    rows = []
    for code, items in patient["scales"].items():
        if code == "lsas":
            rows.append(f"<tr><th scope='row'>LSAS fear (24 situations, each 0-3)</th><td>{items['fear']}</td></tr>")
            rows.append(
                f"<tr><th scope='row'>LSAS avoidance (24 situations, each 0-3)</th><td>{items['avoidance']}</td></tr>"
            )
        else:
            rows.append(f"<tr><th scope='row'>{_SCALE_NAMES[code]}</th><td>{items}</td></tr>")
    return "<table><caption>Item responses</caption>" + "".join(rows) + "</table>"


def chart_html(patient: dict, sections=SECTIONS) -> str:
    e = html.escape
    parts = [
        f"<h4>{e(patient['id'])} {e(patient['name'])}, {patient['age']} ({e(patient['sex'])}), "
        f"{e(' + '.join(patient['diagnoses']))} <small>(a synthetic patient)</small></h4>"
    ]
    if "presenting" in sections:
        parts.append(f"<p><b>Presenting:</b> {e(patient['presenting'])}</p>")
    if "history" in sections:
        parts.append(f"<p><b>History:</b> {e(patient['history'])}</p>")
    if "items" in sections:
        parts.append(_items(patient))
    if "vitals" in sections:
        v = patient["vitals"]
        parts.append(f"<p><b>Resting vitals at intake:</b> BP {v['sbp']}/{v['dbp']} mmHg, heart rate {v['hr']} bpm</p>")
    if "medications" in sections:
        meds = ", ".join(f"{m['name']} {m['daily_dose_mg']:g} mg/day" for m in patient["medications"]) or "none"
        parts.append(f"<p><b>Current medicines:</b> {e(meds)}</p>")
    if "trials" in sections:
        trials = (
            "".join(
                f"<li>{e(t['drug'])} {t['daily_dose_mg']:g} mg/day ({e(t['dose_level'])}) for {t['weeks']} weeks</li>"
                for t in patient["prior_trials"]
            )
            or "<li>none</li>"
        )
        parts.append(f"<p><b>Past medicine trials for anxiety:</b></p><ul>{trials}</ul>")
    if "substance_use" in sections:
        use = patient["substance_use"]
        parts.append(f"<p><b>Substance use:</b> {e(use['notes'])} (substance use disorder: {e(use['sud'])})</p>")
    if "support" in sections:
        parts.append(f"<p><b>Support:</b> {e(patient['support']['notes'])}</p>")
    if "profile" in sections and patient["profile"]["quotes"]:
        quotes = " ".join(f"&ldquo;{e(q)}&rdquo;" for q in patient["profile"]["quotes"])
        parts.append(f"<p><b>In their words:</b> {quotes}</p>")
    return f"<div class='kap-chart' role='region' aria-label='Chart of {e(patient['id'])}'>{''.join(parts)}</div>"


def patient_chart(patient, sections=SECTIONS) -> HTML:
    """Show one synthetic patient's chart: ``patient_chart("P06", ["history", "items"])``, or a record such as
    ``case.patient("P06")`` (this trainee's variant of the patient)."""
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        raise ValueError(f"Unknown chart section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}.")
    return HTML(chart_html(get_patient(patient) if isinstance(patient, str) else patient, sections))
