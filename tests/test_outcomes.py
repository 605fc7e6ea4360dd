"""Outcome arithmetic, the published benchmark table, outcome figures and the outcome explorer."""

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from course import outcomes as o
from course import plots, widgets
from course.data.references import reference


def table(rows, scale=None):
    """A score table from (patient, arm, week, score) tuples."""
    t = pd.DataFrame(rows, columns=["patient", "arm", "week", "score"])
    if scale:
        t["scale"] = scale
    return t


SMALL = table(
    [
        ("a", "x", 0, 20),
        ("a", "x", 8, 9),
        ("b", "x", 0, 10),
        ("b", "x", 8, 6),
        ("c", "y", 0, 12),
        ("c", "y", 8, 6),
        ("d", "y", 0, 16),
        ("d", "y", 8, 4),
    ],
    scale="GAD-7",
)

# -- Interval methods against published worked examples (Newcombe 1998) ---------------------------


@pytest.mark.parametrize(
    "events, n, low, high",
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)],
)
def test_wilson_interval_matches_newcombe_examples(events, n, low, high):
    assert o.wilson_interval(events, n) == pytest.approx((low, high), abs=5e-5)


@pytest.mark.parametrize(
    "a, n1, b, n2, low, high",
    [
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
    ],
)
def test_newcombe_hybrid_score_interval_matches_published_examples(a, n1, b, n2, low, high):
    d = o.risk_difference(o.rate(a, n1), o.rate(b, n2))
    assert (d.low, d.high) == pytest.approx((low, high), abs=5e-5)
    assert "Newcombe" in d.method


def test_nnt_reports_an_interval_through_infinity_altman_style():
    crossing = o.number_needed_to_treat(o.risk_difference(o.rate(12, 40, "t"), o.rate(8, 40, "c")))
    assert crossing.crosses_no_effect and crossing.direction == "benefit"
    assert str(crossing).startswith("NNTB 10.0 (95% CI NNTB")
    assert "to ∞ to NNTH" in str(crossing)
    clear = o.number_needed_to_treat(o.risk_difference(o.rate(62, 100), o.rate(43, 100)))
    assert not clear.crosses_no_effect and "∞" not in str(clear)
    assert clear.value == pytest.approx(1 / 0.19)
    none = o.number_needed_to_treat(o.risk_difference(o.rate(5, 10), o.rate(5, 10)))
    assert none.direction == "none" and math.isinf(none.value) and none.contains(math.inf)


def test_nnt_for_a_bad_outcome_counts_fewer_events_as_benefit():
    # Relapse: 16.4% when the antidepressant is continued vs 36.4% when stopped [batelaan2017].
    stopped, continued = o.rate(364, 1000, "stopped"), o.rate(164, 1000, "continued")
    nnt = o.number_needed_to_treat(o.risk_difference(continued, stopped), good_outcome=False)
    assert nnt.direction == "benefit" and nnt.value == pytest.approx(5.0)
    assert o.number_needed_to_treat(o.risk_difference(continued, stopped)).direction == "harm"


@given(st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_rate_interval_is_inside_0_1_and_contains_the_proportion(pair):
    events, n = pair
    r = o.rate(events, n)
    assert 0 <= r.low <= r.proportion <= r.high <= 1


@given(st.integers(1, 300), st.integers(1, 300), st.floats(0, 1), st.floats(0, 1), st.booleans())
def test_difference_and_nnt_intervals_contain_their_point(n1, n2, p1, p2, good):
    t, c = o.rate(round(p1 * n1), n1, "t"), o.rate(round(p2 * n2), n2, "c")
    d = o.risk_difference(t, c)
    assert -1 <= d.low <= d.value <= d.high <= 1
    nnt = o.number_needed_to_treat(d, good_outcome=good)
    assert nnt.contains(nnt.value)
    assert nnt.crosses_no_effect == (d.low <= 0 <= d.high)
    assert not nnt.contains(0)


@given(st.floats(0, 1), st.floats(0, 1), st.sampled_from([10, 100, 1000]))
def test_icon_counts_add_up_and_split_honestly(t, c, out_of):
    counts = o.icon_counts(t, c, out_of)
    parts = (counts.anyway, counts.extra, counts.fewer, counts.not_improved)
    assert sum(parts) == out_of and min(parts) >= 0
    assert counts.extra * counts.fewer == 0
    assert counts.extra - counts.fewer == round(t * out_of) - round(c * out_of)


def test_icon_sentence_uses_natural_frequencies():
    counts = o.icon_counts(0.62, 0.43)
    assert (counts.anyway, counts.extra, counts.not_improved) == (43, 19, 38)
    assert counts.sentence("an SSRI", "placebo") == (
        "Out of 100 people like those studied, 43 improve anyway, as "
        "with placebo; 19 more improve with an SSRI; 38 do not improve."
    )
    worse = o.icon_counts(0.30, 0.45)
    assert (worse.anyway, worse.fewer, worse.not_improved) == (30, 15, 55)
    assert "15 more improve with placebo than with X" in worse.sentence("X", "placebo")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: o.wilson_interval(11, 10), "between 0 and 10"),
        (lambda: o.wilson_interval(1.5, 10), "whole number"),
        (lambda: o.wilson_interval(1, 0), "at least 1"),
        (lambda: o.wilson_interval(1, 10, level=1.2), "confidence level"),
        (lambda: o.risk_difference(0.5, o.rate(1, 2)), "must be a Rate"),
        (lambda: o.number_needed_to_treat(0.2), "needs a RiskDifference"),
        (
            lambda: o.number_needed_to_treat(o.risk_difference(o.rate(1, 2), o.rate(1, 2)), good_outcome="yes"),
            "good_outcome",
        ),
        (lambda: o.icon_counts(62, 0.43), "write 0.62"),
        (lambda: o.icon_counts(0.6, float("nan")), "missing"),
        (lambda: o.icon_counts(0.6, 0.4, out_of=5), "between 10 and 10000"),
    ],
)
def test_bad_numbers_are_refused_with_a_hint(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# -- Definitions and score tables -------------------------------------------------------------------


def test_definitions_follow_facts_and_flag_unconfirmed_ones():
    assert o.RESPONSE.cut == 0.5 and o.RESPONSE.sources == ("cochrane_glutamate",)
    assert o.LSAS_RESPONSE.rule == "reduction_above" and o.LSAS_RESPONSE.cut == 0.35
    assert o.HAMA_REMISSION.rule == "score_at_most" and o.HAMA_REMISSION.cut == 7 and not o.HAMA_REMISSION.verify
    assert o.GAD7_REMISSION.verify and "citation to verify" in o.GAD7_REMISSION.describe()
    assert "citation to verify" not in o.HAMA_REMISSION.describe()
    for d in o.DEFINITIONS.values():
        for key in d.sources:
            reference(key)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(rule="halved"), "rule must be one of"),
        (dict(cut=50), "write 0.5"),
        (dict(sources=()), "tuple of reference keys"),
        (dict(sources=("nobody2020",)), "not a key in the course reference list"),
        (dict(outcome=" "), "outcome name"),
    ],
)
def test_custom_definitions_are_checked(kwargs, message):
    base = dict(outcome="response", rule="reduction_at_least", cut=0.5, scale=None, sources=("cochrane_glutamate",))
    with pytest.raises(ValueError, match=message):
        o.Definition(**{**base, **kwargs})


def test_classify_and_rates_on_a_hand_checked_table():
    c = o.classify(SMALL, "response", 8).set_index("patient")
    # a: 20 -> 9 (55%, met); b: 10 -> 6 (40%); c: 12 -> 6 (exactly 50%, met); d: 16 -> 4 (75%, met)
    assert c["met"].to_dict() == {"a": True, "b": False, "c": True, "d": True}
    r = o.rates(SMALL, "response", 8).set_index("arm")
    assert r.loc["x", ["n", "events", "rate"]].tolist() == [2, 1, 0.5]
    assert r.loc["y", "rate"] == 1.0 and r.loc["y", "high"] == 1.0
    remission = o.rates(SMALL, "gad7_remission", 8, arms=["y", "x"])
    assert remission.arm.tolist() == ["y", "x"] and remission.events.tolist() == [1, 0]
    above = o.Definition("response", "reduction_above", 0.5, None, ("cochrane_glutamate",))
    assert not o.classify(SMALL, above, 8).set_index("patient").at["c", "met"]


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda t: t.values.tolist(), "must be a pandas DataFrame"),
        (lambda t: t.drop(columns="week"), "no column 'week'"),
        (lambda t: t.iloc[0:0], "no rows"),
        (lambda t: t.assign(score=t.score.where(t.index != 3)), r"row 3 \(patient 'b', week 8\): score is missing"),
        (lambda t: t.assign(week=t.week.where(t.index != 1, 8.5)), "week is not a whole number"),
        (lambda t: t.assign(week=t.week.where(t.index != 1, -1)), "week is negative"),
        (
            lambda t: t.assign(score=t.score.astype(object).where(t.index != 0, "high")),
            "score is missing or not a number",
        ),
        (lambda t: t.assign(patient=t.patient.where(t.index != 2, None)), "row 2: patient is missing"),
        (lambda t: pd.concat([t, t.iloc[[0]]]), "two scores for the same week"),
        (lambda t: t.assign(arm=t.arm.where(t.index != 1, "y")), "Patient 'a' appears in more than one arm"),
        (lambda t: t.assign(scale=["GAD-7"] * 7 + ["HAM-A"]), "mixes scales"),
    ],
)
def test_bad_score_tables_are_refused_with_the_row(mutate, message):
    with pytest.raises(ValueError, match=message):
        o.rates(mutate(SMALL), "response", 8)


def test_follow_up_and_baseline_problems_are_named():
    with pytest.raises(ValueError, match="No scores at week 12"):
        o.rates(SMALL, "response", 12)
    with pytest.raises(ValueError, match=r"1 patient\(s\) have no score at week 8 \(follow-up\): d"):
        o.rates(SMALL[~((SMALL.patient == "d") & (SMALL.week == 8))], "response", 8)
    zero = SMALL.assign(score=SMALL.score.where(~((SMALL.patient == "b") & (SMALL.week == 0)), 0))
    with pytest.raises(ValueError, match="baseline score of 0"):
        o.rates(zero, "response", 8)
    assert o.rates(zero, "gad7_remission", 8).events.sum() == 1  # a threshold needs no baseline
    with pytest.raises(ValueError, match="rule is for the HAM-A, but this table holds GAD-7"):
        o.rates(SMALL, "hama_remission", 8)
    with pytest.raises(ValueError, match="later than the baseline"):
        o.rates(SMALL, "response", 0)
    with pytest.raises(ValueError, match="arm must be one of x, y"):
        o.rates(SMALL, "response", 8, arms=["z"])
    with pytest.raises(ValueError, match="definition must be one of"):
        o.rates(SMALL, "cure", 8)


def test_compare_gives_rates_difference_and_nnt():
    result = o.compare(SMALL, "response", 8, "y", "x")
    assert (result.treatment.events, result.comparator.events) == (2, 1)
    assert result.difference.value == pytest.approx(0.5)
    assert result.nnt.value == pytest.approx(2.0) and result.nnt.crosses_no_effect
    with pytest.raises(ValueError, match="two different arms"):
        o.compare(SMALL, "response", 8, "x", "x")


def test_compare_refuses_arms_from_different_simulated_studies():
    two_studies = SMALL.assign(study=SMALL.arm.map({"x": "first study", "y": "second study"}))
    with pytest.raises(ValueError, match="different simulated studies"):
        o.compare(two_studies, "response", 8, "y", "x")
    one_study = SMALL.assign(study="first study")
    assert o.compare(one_study, "response", 8, "y", "x").nnt.direction == "benefit"
    cohort = o.load_cohort()
    assert o.compare(cohort, "response", 8, "ssri_snri", "placebo").nnt.direction == "benefit"


# -- Published benchmarks ----------------------------------------------------------------------

BENCHMARKS = o.load_benchmarks()


def test_benchmark_table_rows_are_complete_and_sourced():
    assert tuple(BENCHMARKS.columns) == o.BENCHMARK_COLUMNS
    assert BENCHMARKS.published.all() and BENCHMARKS.id.is_unique
    for row in BENCHMARKS.itertuples():
        ref = reference(row.key)
        assert row.evidence_tier == ref.evidence_tier, row.id
        assert set(row.fact.split()) & set(ref.facts), row.id
        assert row.option and row.outcome and row.population and row.note, row.id


@pytest.mark.parametrize(
    "row_id, value, n",
    [
        ("cuijpers2014_cbt_g", 0.84, 2132),
        ("carl2020_psychotherapy_g", 0.76, 11002),
        ("nice_placebo_response", 0.43, None),
        ("nice_duloxetine_response", 0.65, None),
        ("rickels2003_paroxetine20_response", 0.62, 566),
        ("rickels2003_placebo_remission", 0.20, 566),
        ("slee2019_duloxetine_md", -3.13, 25441),
        ("motta2023_placebo_response", 0.37, 12583),
        ("motta2023_placebo_remission", 0.24, 12583),
        ("glue2017_duration", 7, 12),
        ("glue2018_reduction", 0.5, 20),
        ("glue2020_duration", 7, 12),
        ("taylor2018_lsas_ketamine", 0.333, 18),
        ("taylor2018_lsas_placebo", 0.0, 18),
        ("whittaker2021_sad_or", 28.94, None),
        ("batelaan2017_relapse_stopped", 0.364, 5233),
        ("batelaan2017_relapse_continued", 0.164, 5233),
        ("glue2024_relapse_placebo", 0.706, 168),
        ("glue2024_relapse_180mg", 0.429, 168),
        ("murrough2013_relapse_median", 18, None),
        ("ekstrand2022_relapse_ketamine", 0.70, None),
    ],
)
def test_benchmark_figures_match_facts(row_id, value, n):
    row = o.benchmark(row_id)
    assert row["value"] == pytest.approx(value)
    assert pd.isna(row["n"]) if n is None else row["n"] == n


def test_whittaker_interval_and_borrowed_data_are_labelled():
    row = o.benchmark("whittaker2021_sad_or")
    assert (row["low"], row["high"]) == (3.45, 242.57)
    for key in ("glue2024", "murrough2013", "ekstrand2022"):
        assert BENCHMARKS[BENCHMARKS.key == key].population.str.contains("depression").all(), key


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda r: r.update(value="abc"), "field value: 'abc' is not a number"),
        (lambda r: r.update(value="62"), "field value: .*write 0.62"),
        (lambda r: r.update(key="nobody2020"), "field key: 'nobody2020' is not a key"),
        (lambda r: r.update(evidence_tier="RCT"), "differs from the reference list's tier"),
        (lambda r: r.update(published="False"), "field published"),
        (lambda r: r.update(low="0.5", high=""), "both ends of the interval"),
        (lambda r: r.update(low="0.7", high="0.9"), "outside its interval"),
        (lambda r: r.update(measure="percent"), "field measure"),
    ],
)
def test_a_broken_benchmark_row_is_named(tmp_path, edit, message):
    import csv

    rows = BENCHMARKS.astype(object).where(BENCHMARKS.notna(), "").to_dict("records")
    rows = [{k: (str(v) if not isinstance(v, float) or v == "" else f"{v:g}") for k, v in r.items()} for r in rows]
    target = next(r for r in rows if r["id"] == "nice_venlafaxine_response")
    edit(target)
    path = tmp_path / "benchmarks.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=o.BENCHMARK_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ValueError, match=r"row \d+ \(nice_venlafaxine_response\).*" + message):
        o.load_benchmarks(path)


# -- Relapse curves ------------------------------------------------------------------------------


def test_relapse_curves_pass_through_their_published_point():
    median = o.curve_from_median(18 / 7, "x", "murrough2013", "depression")
    assert median.well_at(18 / 7) == [pytest.approx(0.5)] and median.median_weeks == pytest.approx(18 / 7)
    share = o.curve_from_proportion(0.364, 52, "x", "batelaan2017", "anxiety")
    assert share.well_at([0, 52]) == [1.0, pytest.approx(0.636)]
    curves = {c.source: c for c in o.published_relapse_curves()}
    assert set(curves) == {"batelaan2017", "glue2024", "murrough2013", "albott2018", "ekstrand2022"}
    assert curves["murrough2013"].median_weeks == pytest.approx(18 / 7)
    assert "depression" in curves["glue2024"].population and curves["glue2024"].evidence_tier == "RCT"


@given(st.floats(0.01, 0.99), st.floats(1, 104), st.lists(st.floats(0, 200), min_size=2, max_size=10))
def test_relapse_curves_fall_over_time_and_stay_in_0_1(p, weeks, times):
    curve = o.curve_from_proportion(p, weeks, "x", "batelaan2017", "anxiety")
    values = curve.well_at(sorted(times))
    assert all(0 <= v <= 1 for v in values)
    assert values == sorted(values, reverse=True)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: o.curve_from_proportion(0, 52, "x", "batelaan2017", "a"), "above 0 and below 1"),
        (lambda: o.curve_from_proportion(36.4, 52, "x", "batelaan2017", "a"), "write 0.364"),
        (lambda: o.curve_from_median(0, "x", "murrough2013", "d"), "median time to relapse"),
        (lambda: o.curve_from_median(2, "x", "murrough2014", "d"), "not a key"),
        (lambda: o.curve_from_median(2, "x", "murrough2013", "d").well_at(-1), "week must be"),
    ],
)
def test_bad_curve_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# -- Figures ------------------------------------------------------------------------------------

COHORT = o.load_cohort()


def _check_figure(fig, kind):
    meta = fig.layout.meta
    assert meta["data_kind"] == kind
    assert meta["caption"].startswith("SIMULATED" if kind == "simulated" else "Published")
    assert meta["sources"]
    for key in meta["sources"]:
        assert f"[{key}]" in meta["caption"]
    assert fig.layout.title.text


def test_rates_figure_shows_intervals_and_says_simulated():
    r = o.rates(COHORT, "response", 8, ["cbt", "ssri_snri", "placebo"])
    fig = plots.rates_figure(r)
    _check_figure(fig, "simulated")
    bar = fig.data[0]
    assert list(bar.x) == ["CBT", "SSRI/SNRI", "pill placebo"]
    assert bar.y[1] == pytest.approx(100 * r.rate[1])
    assert bar.error_y.array[1] == pytest.approx(100 * (r.high[1] - r.rate[1]))
    assert "nice_cg113" in fig.layout.meta["sources"] and "glue2018" not in fig.layout.meta["sources"]
    with pytest.raises(ValueError, match="need their source keys"):
        plots.rates_figure(r, data_kind="published")
    with pytest.raises(ValueError, match="outcomes.rates"):
        plots.rates_figure(r.drop(columns="low"))


def test_benchmark_figure_names_tier_and_key_beside_every_bar():
    rows = BENCHMARKS[BENCHMARKS.id.str.startswith(("nice_", "motta2023_placebo_r", "taylor2018_lsas"))]
    fig = plots.benchmark_figure(rows)
    _check_figure(fig, "published")
    texts = [t for trace in fig.data for t in trace.text]
    assert len(texts) == len(rows)
    for row in rows.itertuples():
        assert any(f"{row.evidence_tier}" in t and f"[{row.key}]" in t for t in texts)
    assert {trace.name for trace in fig.data} == set(rows.evidence_tier)
    with pytest.raises(ValueError, match="proportions only"):
        plots.benchmark_figure(BENCHMARKS[BENCHMARKS.id == "whittaker2021_sad_or"])
    with pytest.raises(ValueError, match="empty"):
        plots.benchmark_figure(BENCHMARKS.iloc[0:0])


def test_icon_array_has_100_icons_a_legend_and_a_natural_frequency_caption():
    counts = o.icon_counts(0.62, 0.43)
    fig = plots.icon_array_figure(counts, "an SSRI/SNRI", "placebo", "nice_cg113")
    _check_figure(fig, "published")
    assert sum(len(trace.x) for trace in fig.data) == 100
    # One trace per group, an empty group too (hidden from the legend), so widgets update them in place.
    assert [len(trace.x) for trace in fig.data] == [43, 19, 0, 38]
    assert [trace.showlegend for trace in fig.data] == [True, True, False, True]
    assert len({trace.marker.symbol for trace in fig.data}) == 4  # shape differs as well as colour
    assert fig.data[1].name == "19 more improve with an SSRI/SNRI"
    assert counts.sentence("an SSRI/SNRI", "placebo") in fig.layout.meta["caption"]
    with pytest.raises(ValueError, match="out_of=100"):
        plots.icon_array_figure(o.icon_counts(0.6, 0.4, 1000), "t", "c", "nice_cg113")
    with pytest.raises(ValueError, match="source key"):
        plots.icon_array_figure(counts, "t", "c")


def test_relapse_figure_marks_published_points_and_borrowed_data():
    fig = plots.relapse_figure()
    _check_figure(fig, "published")
    named = [t for t in fig.data if t.showlegend is not False]
    assert len(named) == len(o.published_relapse_curves())
    glue = next(t for t in named if "[glue2024]" in t.name)
    assert glue.line.dash == "dash" and "RCT" in glue.name
    batelaan = next(t for t in named if "[batelaan2017]" in t.name)
    assert batelaan.line.dash == "solid"
    points = [t for t in fig.data if t.mode == "markers"]
    assert any(t.x[0] == pytest.approx(18 / 7) and t.y[0] == pytest.approx(50) for t in points)
    with pytest.raises(ValueError, match="RelapseCurve"):
        plots.relapse_figure(["not a curve"])


def test_trajectory_figure_draws_the_simulated_cohort_only():
    fig = plots.trajectory_figure(COHORT)
    _check_figure(fig, "simulated")
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert [t.name for t in lines][:3] == ["CBT", "SSRI/SNRI", "pill placebo"]
    week8 = COHORT[(COHORT.arm == "placebo") & (COHORT.week == 8)].score.mean()
    assert lines[2].y[list(lines[2].x).index(8)] == pytest.approx(week8)
    assert "no ketamine arm" in fig.layout.meta["caption"] and len(lines) == 3
    with pytest.raises(ValueError, match="simulated cohort"):
        plots.trajectory_figure(SMALL)


# -- Widget ---------------------------------------------------------------------------------------


def test_outcome_explorer_follows_its_controls():
    box = widgets.outcome_explorer()
    outcome, week, treatment, comparator, text, figure, alternative = box.children
    assert all(c.description for c in (outcome, week, treatment, comparator))
    assert "SIMULATED" in text.value and "NNTB" in text.value
    assert figure.layout.meta["data_kind"] == "simulated"
    week.value = 12
    expected = o.compare(COHORT, "response", 12, "ssri_snri", "placebo")
    assert f"{expected.treatment.events}/100" in text.value
    assert {code for _, code in treatment.options} == {"cbt", "ssri_snri", "placebo"}  # no ketamine arm
    treatment.value = "placebo"
    comparator.value = "ssri_snri"
    assert "pill placebo" in text.value and "NNTH" in text.value
