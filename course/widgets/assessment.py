"""Widgets for Module 01: the vignette explorer and the PPV explorer."""

from __future__ import annotations

import html

import ipywidgets as W
import plotly.graph_objects as go

from .. import plots, scales
from ..data.patients import load_patients
from ..data.references import cite
from ..screening import accuracy, adequate_trials, npv, ppv, triage
from .common import LiveFigure
from .controls import Slider


def patient_summary_html(patient: dict) -> str:
    """History, scores with bands, prior trials and screening flags of one patient, as HTML."""
    e = html.escape
    s = patient["scales"]
    scored = [scales.score("gad7", s["gad7"]), scales.score_phq9(s["phq9"])]
    if "hama" in s:
        scored.append(scales.score("hama", s["hama"]))
    if "lsas" in s:
        scored.append(scales.score_lsas(s["lsas"]["fear"], s["lsas"]["avoidance"]))
    if "pdss" in s:
        scored.append(scales.score("pdss", s["pdss"]))
    score_rows = "".join(
        f"<tr><td>{e(scales.SCALES[x.scale].name)}</td><td>{x.total}/{x.max_total}</td>"
        f"<td>{e(x.band or 'no published bands')}</td><td>{e(x.source)}</td>"
        f"<td>{'<b>' + e('; '.join(x.flags)) + '</b>' if x.flags else ''}</td></tr>"
        for x in scored
    )
    trials = (
        "".join(
            f"<li>{e(t['drug'])} {t['daily_dose_mg']:g} mg/day for {t['weeks']} weeks ({e(t['dose_level'])})</li>"
            for t in patient["prior_trials"]
        )
        or "<li>none</li>"
    )
    result = triage(patient)
    flags = "".join(f"<li><b>{e(f.level)}</b>: {e(str(f))}</li>" for f in result.reasons + result.precautions)
    meds = ", ".join(f"{m['name']} {m['daily_dose_mg']:g} mg/day" for m in patient["medications"]) or "none"
    v = patient["vitals"]
    return (
        f"<div style='line-height:1.4'><h3>{e(patient['id'])} {e(patient['name'])}, {patient['age']} "
        f"({e(patient['sex'])}), {e(' + '.join(patient['diagnoses']))} <small>(synthetic patient)</small></h3>"
        f"<p><b>Presenting:</b> {e(patient['presenting'])}</p><p><b>History:</b> {e(patient['history'])}</p>"
        f"<p><b>Vitals at intake:</b> BP {v['sbp']}/{v['dbp']} mmHg, HR {v['hr']} bpm. "
        f"<b>Medications:</b> {e(meds)}</p>"
        f"<table><tr><th>scale</th><th>total</th><th>band</th><th>source</th><th>flag</th></tr>{score_rows}</table>"
        f"<p><b>Prior trials</b> ({adequate_trials(patient)} adequate):</p><ul>{trials}</ul>"
        f"<p><b>Screen:</b> {e(result.label)}</p><ul>{flags}</ul></div>"
    )


def vignette_explorer(patient_id: str | None = None) -> W.VBox:
    """Pick a synthetic patient; see history, scores with bands, prior trials and screening flags."""
    patients = {p["id"]: p for p in load_patients()}
    picker = W.Dropdown(
        options=[(f"{p['id']} {p['name']} ({'+'.join(p['diagnoses'])})", pid) for pid, p in patients.items()],
        value=patient_id or next(iter(patients)),
        description="Patient",
        layout=W.Layout(width="420px"),
    )
    summary = W.HTML(patient_summary_html(patients[picker.value]))
    figure = LiveFigure(plots.severity_figure(patients[picker.value]))

    def show(change):
        patient = patients[picker.value]
        summary.value = patient_summary_html(patient)
        figure.redraw(plots.severity_figure(patient))

    picker.observe(show, names="value")
    return W.VBox([picker, figure, figure.alternative, summary])


def ppv_explorer() -> W.VBox:
    """Sliders for prevalence, sensitivity and specificity; the PPV curve and natural frequencies follow."""
    gad7 = accuracy("gad7_gad")
    prevalence = Slider(0.027, -3, -0.05, 0.01, "Prevalence", log=True, decimals=3, label_width="110px")
    sensitivity = Slider(gad7.sensitivity, 0.5, 0.99, 0.01, "Sensitivity", label_width="110px")
    specificity = Slider(gad7.specificity, 0.5, 0.99, 0.01, "Specificity", label_width="110px")
    text = W.HTML()

    def chosen() -> go.Figure:
        return plots.ppv_figure(
            sensitivity.value,
            specificity.value,
            gad7.source,
            "GAD-7 at a cut-off of 10",
            marks={"chosen": prevalence.value},
        )

    figure = LiveFigure(chosen())

    def show(change=None):
        se, sp, p = sensitivity.value, specificity.value, prevalence.value
        if change is not None:
            figure.redraw(chosen())
        pos = round(1000 * (se * p + (1 - sp) * (1 - p)))
        text.value = (
            f"<p>Out of 1,000 people screened, about <b>{pos}</b> screen positive; "
            f"<b>{ppv(se, sp, p):.0%}</b> of them have the condition (PPV), and "
            f"<b>{npv(se, sp, p):.0%}</b> of those who screen negative do not (NPV). "
            f"Starting values: {cite(accuracy('gad7_gad').source)}.</p>"
        )

    for control in (prevalence, sensitivity, specificity):
        control.observe(show, names="value")
    show()
    return W.VBox([prevalence, sensitivity, specificity, text, figure, figure.alternative])
