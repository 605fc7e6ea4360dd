"""Widget for Module 04: compare two arms of the simulated cohort (rates, difference, NNT, icon array)."""

from __future__ import annotations

import html
from dataclasses import replace
from functools import cache

import ipywidgets as W

from ..data.cohort_design import arms as _arms
from ..data.cohort_design import parameter_sources
from ..outcomes import check_score_table, compare, definition, icon_counts, load_cohort, risk_difference
from ..plots.outcomes import ICON_KINDS as OUTCOME_KINDS
from ..plots.outcomes import icon_array_figure
from ..theme import message_figure
from .common import LiveFigure

#: Outcome choices offered, with the verb the icon array uses.
OUTCOMES = {"response": "respond", "gad7_remission": "remit"}


def outcome_explorer(table=None) -> W.VBox:
    """Pick an outcome, a week and two arms; see both rates with intervals, the difference, the NNT
    and an icon array. Defaults to the simulated cohort (``outcomes.load_cohort()``).

    Arms of different simulated studies hold different patients and are not compared: the widget says
    so in plain words, and the figure says that nothing is drawn, instead of keeping the last array."""
    table = load_cohort() if table is None else table
    data = check_score_table(table)
    codes = list(dict.fromkeys(data.arm))
    study = dict(zip(data.arm, data.study)) if "study" in data.columns else dict.fromkeys(codes, "one study")
    weeks = sorted(int(w) for w in data.week.unique() if w > 0)
    if len(codes) < 2 or not weeks:
        raise ValueError("The explorer needs at least two arms and one follow-up week.")

    def label(code: str) -> str:
        return _arms().get(code, code)

    arms = [(label(c), c) for c in codes]
    style = {"description_width": "110px"}
    outcome = W.Dropdown(
        options=[(f"{definition(k).outcome}: {definition(k).rule_text}", k) for k in OUTCOMES],
        value="response",
        description="Outcome",
        style=style,
        layout=W.Layout(width="560px"),
    )
    week = W.Dropdown(options=weeks, value=8 if 8 in weeks else weeks[-1], description="Week", style=style)
    treatment = W.Dropdown(
        options=arms,
        value="ssri_snri" if "ssri_snri" in codes else codes[0],
        description="Treatment",
        style=style,
        layout=W.Layout(width="560px"),
    )
    comparator = W.Dropdown(
        options=arms,
        value="placebo" if "placebo" in codes else codes[1],
        description="Compared with",
        style=style,
        layout=W.Layout(width="560px"),
    )
    text = W.HTML()

    @cache  # the table does not change: each comparison is worked out once
    def comparison(*choice):
        return compare(table, *choice)

    def refuse(reason: str) -> None:
        asked = f"{definition(outcome.value).outcome} at week {week.value}"
        text.value = f"<p><b>No comparison shown</b> ({html.escape(asked)}): {html.escape(reason)}</p>"

    def compared():
        """The icon array of the chosen comparison, or None with the reason in the text."""
        t_label, c_label = label(treatment.value), label(comparator.value)
        if treatment.value == comparator.value:
            return refuse("choose two different arms.")
        if study[treatment.value] != study[comparator.value]:
            return refuse(
                f"{t_label} and {c_label} come from different simulated studies, with different "
                "patients; compare two arms of the same study."
            )
        try:
            result = comparison(outcome.value, week.value, treatment.value, comparator.value)
        except ValueError as exc:
            return refuse(str(exc))
        t_rate, c_rate = replace(result.treatment, label=t_label), replace(result.comparator, label=c_label)
        difference = risk_difference(t_rate, c_rate)
        counts = icon_counts(t_rate.proportion, c_rate.proportion)
        verb = OUTCOMES[outcome.value]
        text.value = (
            f"<p><b>SIMULATED cohort, week {result.week}:</b> {html.escape(definition(outcome.value).describe())}</p>"
            f"<ul><li>{html.escape(str(t_rate))}</li><li>{html.escape(str(c_rate))}</li>"
            f"<li>Difference: {html.escape(str(difference))}; {html.escape(difference.method)}</li>"
            f"<li>Number needed to treat: {html.escape(str(result.nnt))}</li></ul>"
            f"<p>{html.escape(counts.sentence(t_label, c_label, verb))}</p>"
        )
        return icon_array_figure(
            counts,
            t_label,
            c_label,
            *parameter_sources([treatment.value, comparator.value]),
            data_kind="simulated",
            improve=verb,
        )

    def shown():
        return compared() or message_figure("No comparison shown", "See the message above the figure.")

    def show(change):
        figure.redraw(shown())

    figure = LiveFigure(shown(), slots=len(OUTCOME_KINDS))
    for control in (outcome, week, treatment, comparator):
        control.observe(show, names="value")
    return W.VBox([outcome, week, treatment, comparator, text, figure, figure.alternative])
