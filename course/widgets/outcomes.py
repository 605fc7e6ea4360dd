"""Widget for Module 04: compare two arms of the simulated cohort (rates, difference, NNT, icon array)."""
from __future__ import annotations

import html
from dataclasses import replace

import ipywidgets as W
import plotly.graph_objects as go

from ..outcomes import check_score_table, compare, definition, icon_counts, load_cohort, risk_difference
from ..plots.outcomes import icon_array_figure
from ..data.cohort_design import arms as _arms, parameter_sources
from .common import replace_figure

#: Outcome choices offered, with the verb the icon array uses.
OUTCOMES = {"response": "respond", "gad7_remission": "remit"}


def outcome_explorer(table=None) -> W.VBox:
    """Pick an outcome, a week and two arms; see both rates with intervals, the difference, the NNT
    and an icon array. Defaults to the simulated cohort (``outcomes.load_cohort()``)."""
    table = load_cohort() if table is None else table
    data = check_score_table(table)
    arms = [(_arms().get(a, a), a) for a in dict.fromkeys(data.arm)]
    codes = [code for _, code in arms]
    weeks = sorted(int(w) for w in data.week.unique() if w > 0)
    if len(codes) < 2 or not weeks:
        raise ValueError("The explorer needs at least two arms and one follow-up week.")
    style = {"description_width": "90px"}
    outcome = W.Dropdown(options=[(f"{definition(k).outcome}: {definition(k).rule_text}", k) for k in OUTCOMES],
                         value="response", description="Outcome", style=style, layout=W.Layout(width="520px"))
    week = W.Dropdown(options=weeks, value=8 if 8 in weeks else weeks[-1], description="Week", style=style)
    treatment = W.Dropdown(options=arms, value="ssri_snri" if "ssri_snri" in codes else codes[0],
                           description="Treatment", style=style, layout=W.Layout(width="520px"))
    comparator = W.Dropdown(options=arms, value="placebo" if "placebo" in codes else codes[1],
                            description="Compared with", style=style, layout=W.Layout(width="520px"))
    text = W.HTML()
    figure = go.FigureWidget()

    def show(change=None):
        try:
            result = compare(table, outcome.value, week.value, treatment.value, comparator.value)
        except ValueError as exc:
            text.value = f"<p><b>{html.escape(str(exc))}</b></p>"
            return
        t_label, c_label = _arms().get(treatment.value, treatment.value), _arms().get(comparator.value, comparator.value)
        t_rate, c_rate = replace(result.treatment, label=t_label), replace(result.comparator, label=c_label)
        difference = risk_difference(t_rate, c_rate)
        counts = icon_counts(t_rate.proportion, c_rate.proportion)
        verb = OUTCOMES[outcome.value]
        replace_figure(figure, icon_array_figure(counts, t_label, c_label,
                                                 *parameter_sources([treatment.value, comparator.value]),
                                                 data_kind="simulated", improve=verb))
        text.value = (
            f"<p><b>SIMULATED cohort, week {result.week}:</b> {html.escape(definition(outcome.value).describe())}</p>"
            f"<ul><li>{html.escape(str(t_rate))}</li><li>{html.escape(str(c_rate))}</li>"
            f"<li>Difference: {html.escape(str(difference))}; {html.escape(difference.method)}</li>"
            f"<li>Number needed to treat: {html.escape(str(result.nnt))}</li></ul>"
            f"<p>{html.escape(counts.sentence(t_label, c_label, verb))}</p>")

    for control in (outcome, week, treatment, comparator):
        control.observe(show, names="value")
    show()
    return W.VBox([outcome, week, treatment, comparator, text, figure])
