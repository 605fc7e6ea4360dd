"""course.dosing: routes, unit-checked arithmetic, regimens, schedules, monitoring checks, curves."""

import math
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from course import dosing
from course.data import references as evidence

# -- Routes ----------------------------------------------------------------------------------

# The bioavailability ranges as FACTS §3.2 gives them (None: not characterised).
FACTS_BIOAVAILABILITY = {
    "iv": (1.0, 1.0),
    "im": (0.93, 0.93),
    "in_racemic": (0.11, 0.45),
    "in_esketamine": (0.48, 0.48),
    "sl": (0.24, 0.32),
    "oral": (0.17, 0.25),
    "sc": (None, None),
}


def test_routes_hold_the_fact_sheet_ranges():
    assert dosing.route_ids() == tuple(FACTS_BIOAVAILABILITY)
    for route, (low, high) in FACTS_BIOAVAILABILITY.items():
        info = dosing.route_info(route)
        assert (info.bioavailability_low, info.bioavailability_high) == (low, high), route


def test_every_route_is_sourced_or_defined_and_flags_its_doubts():
    for route in dosing.route_ids():
        info = dosing.route_info(route)
        assert info.keys or info.confidence == "by definition", route
        for key in info.keys + info.tmax_keys:
            evidence.reference(key)
    assert "unconfirmed" in dosing.route_info("im").confidence
    assert "citation to verify" in dosing.route_info("im").note
    sc = dosing.route_info("sc")
    assert not sc.bioavailability_known and sc.bioavailability_mid is None
    assert "not well characterised" in sc.note
    # Tmax from a low-quality secondary page says so where it is shown.
    for route in ("iv", "im", "oral"):
        assert "low-quality secondary" in dosing.route_info(route).onset_tmax


def test_routes_table_shows_unknown_as_nan():
    table = dosing.routes_table()
    assert list(table["route"]) == list(dosing.route_ids())
    sc = table.set_index("route").loc["sc"]
    assert math.isnan(sc["bioavailability_low"]) and math.isnan(sc["bioavailability_high"])
    assert table.set_index("route").loc["sl", "keys"] == "rolan2014 chong2006 yanagihara2003"


def test_unknown_route_lists_the_routes():
    with pytest.raises(ValueError, match="route must be one of iv, im, in_racemic"):
        dosing.route_info("nasal")


# -- Dose arithmetic -------------------------------------------------------------------------


def test_dose_arithmetic_examples():
    assert dosing.dose_mg(mg_per_kg=0.5, weight_kg=70) == pytest.approx(35.0)
    assert dosing.mg_per_kg(dose_mg=35, weight_kg=70) == pytest.approx(0.5)
    assert "not a dose" in dosing.NOT_A_RECOMMENDATION


@given(st.floats(dosing.MIN_MG_PER_KG, dosing.MAX_MG_PER_KG), st.floats(dosing.MIN_WEIGHT_KG, dosing.MAX_WEIGHT_KG))
def test_mg_per_kg_inverts_dose_mg(per_kg, weight):
    assert dosing.mg_per_kg(dosing.dose_mg(per_kg, weight), weight) == pytest.approx(per_kg)


@given(st.floats(dosing.MIN_DOSE_MG, dosing.MAX_DOSE_MG), st.floats(dosing.MIN_WEIGHT_KG, dosing.MAX_WEIGHT_KG))
def test_dose_mg_inverts_mg_per_kg_where_defined(dose, weight):
    if dosing.MIN_MG_PER_KG <= dose / weight <= dosing.MAX_MG_PER_KG:
        assert dosing.dose_mg(dosing.mg_per_kg(dose, weight), weight) == pytest.approx(dose)
    else:
        with pytest.raises(ValueError, match="check that the dose is in mg and the weight in kg"):
            dosing.mg_per_kg(dose, weight)


@given(
    st.floats(dosing.MIN_DOSE_MG, dosing.MAX_DOSE_MG),
    st.sampled_from(["iv", "im", "in_racemic", "in_esketamine", "sl", "oral"]),
)
def test_exposure_range_is_ordered_and_within_the_dose(dose, route):
    exposure = dosing.systemic_exposure_mg(dose, route)
    assert 0 < exposure.low_mg <= exposure.high_mg <= dose * (1 + 1e-12)
    assert exposure.keys == dosing.route_info(route).keys


def test_exposure_examples_and_the_unknown_route():
    sl = dosing.systemic_exposure_mg(100, "sl")
    assert (sl.low_mg, sl.high_mg) == pytest.approx((24.0, 32.0))
    assert "24% to 32%" in sl.note
    iv = dosing.systemic_exposure_mg(50, "iv")
    assert iv.low_mg == iv.high_mg == 50
    sc = dosing.systemic_exposure_mg(70, "sc")
    assert sc.low_mg is None and sc.high_mg is None
    assert "not well characterised" in sc.note


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: dosing.dose_mg(0.5, 154 * 2), "looks like pounds: 308 lb is 139.7 kg"),
        (lambda: dosing.dose_mg(0.5, 70000), "looks like grams: 70000 g is 70 kg"),
        (lambda: dosing.dose_mg(0.5, 20), r"Weight must be between 30 and 250 kg, not 20\.$"),
        (lambda: dosing.dose_mg(35, 70), "looks like a dose in mg, not mg/kg"),
        (lambda: dosing.dose_mg(0.0005, 70), "looks like g/kg: 0.0005 g/kg is 0.5 mg/kg"),
        (lambda: dosing.dose_mg(-0.5, 70), r"mg/kg must be between 0.05 and 10 .*not -0.5\.$"),
        (lambda: dosing.dose_mg(float("nan"), 70), "missing \\(NaN\\)"),
        (lambda: dosing.dose_mg("0.5", 70), "must be a number, not '0.5'"),
        (lambda: dosing.dose_mg(True, 70), "must be a number, not True"),
        (lambda: dosing.mg_per_kg(0.035, 70), "looks like grams: 0.035 g is 35 mg"),
        (lambda: dosing.mg_per_kg(35000, 70), "looks like micrograms: 35000 µg is 35 mg"),
        (lambda: dosing.mg_per_kg(2000, 30), "2000 mg for 30 kg is 66.7 mg/kg"),
        (lambda: dosing.systemic_exposure_mg(100, "rectal"), "route must be one of"),
    ],
)
def test_bad_arithmetic_input_says_what_to_fix(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# -- Published regimens ----------------------------------------------------------------------

REGIMEN_COLUMNS = [
    "study",
    "key",
    "population",
    "n",
    "route",
    "dose_low",
    "dose_high",
    "dose_unit",
    "schedule",
    "evidence_tier",
    "population_is_anxiety",
    "facts",
    "note",
]


def test_regimens_table_shape_and_sources():
    table = dosing.published_regimens()
    assert list(table.columns) == REGIMEN_COLUMNS
    assert {
        "glue2017",
        "glue2018",
        "glue2020",
        "taylor2018",
        "fava2020",
        "spravato_label",
        "andrade2019",
        "wolfson_lozenge_protocol",
        "nct05468047",
        "topel2025",
    } == set(table["key"])
    for row in table.to_dict("records"):
        ref = evidence.reference(row["key"])
        assert row["evidence_tier"] == ref.evidence_tier, row["study"]
        assert row["route"] in dosing.route_ids()
        assert row["dose_unit"] in ("mg/kg", "mg")
        assert 0 < row["dose_low"] <= row["dose_high"]
        assert all(f in ref.facts for f in row["facts"].split()), (row["study"], row["facts"], ref.facts)


def test_only_the_anxiety_trials_are_marked_anxiety():
    table = dosing.published_regimens()
    assert set(table.loc[table["population_is_anxiety"], "key"]) == {"glue2017", "glue2018", "glue2020", "taylor2018"}


def test_regimen_numbers_match_the_fact_sheet():
    rows = dosing.published_regimens().set_index("study")
    taylor = rows.loc["Taylor et al. 2018"]
    assert tuple(taylor[["route", "dose_low", "dose_high", "dose_unit"]]) == ("iv", 0.5, 0.5, "mg/kg")
    assert tuple(rows.loc["Glue et al. 2017", ["route", "dose_low", "dose_high", "n"]]) == ("sc", 0.25, 1.0, 12)
    assert "midazolam 0.01 mg/kg" in rows.loc["Glue et al. 2020", "schedule"]
    assert "maximum 60 mg" in rows.loc["NCT05468047", "schedule"]
    assert "practitioner document" in rows.loc["Wolfson lozenge protocol", "note"]
    assert "citation to verify" in rows.loc["Fava et al. 2020", "note"]
    assert pd.isna(rows.loc["Spravato label", "n"])


def test_framework_rows_keep_each_regimen_in_its_own_unit_and_use_no_weight():
    iv = {r.key: r for r in dosing.framework_rows("iv")}
    assert iv["taylor2018"].used == "0.5 mg/kg" and iv["taylor2018"].reaches == "about 0.5 mg/kg"
    assert iv["taylor2018"].population_is_anxiety
    sl = {r.key: r for r in dosing.framework_rows("sl")}
    assert sl["wolfson_lozenge_protocol"].used == "100–400 mg (fixed)"
    assert sl["wolfson_lozenge_protocol"].reaches == "about 24–128 mg"  # 100 × 24% to 400 × 32%
    assert not sl["wolfson_lozenge_protocol"].population_is_anxiety
    sc = dosing.framework_rows("sc")
    assert sc and all(r.reaches == "bioavailability not well characterised" and "mg/kg" in r.used for r in sc)
    assert dosing.framework_rows("in_racemic") == []
    for route in dosing.route_ids():
        for row in dosing.framework_rows(route):
            assert " kg" not in row.used + row.reaches  # never "X mg at N kg"
            evidence.reference(row.key)
    table = dosing.published_regimens()
    assert sum(len(dosing.framework_rows(r)) for r in dosing.route_ids()) == len(table)


def test_the_reference_weight_is_a_fixed_convention():
    assert dosing.REFERENCE_WEIGHT_KG == 70
    assert dosing.dose_mg(0.5, dosing.REFERENCE_WEIGHT_KG) == pytest.approx(35.0)


def test_regimens_are_a_fresh_copy():
    mine = dosing.published_regimens()
    mine.loc[0, "dose_low"] = 999
    assert dosing.published_regimens().loc[0, "dose_low"] != 999


# -- Schedules -------------------------------------------------------------------------------

MONDAY = date(2025, 1, 6)
# Hand-counted limits of make_schedule (sessions whose course fits within 21 days, or runs longer).
INTENSIVE_MAX = {2: 6, 3: 9, 4: 12, 5: 15}
SPACED_MIN = {0.5: 3, 1: 4, 2: 7}


def test_make_schedule_example_dates():
    assert dosing.make_schedule(MONDAY, "intensive", 6) == [
        date(2025, 1, 6),
        date(2025, 1, 8),
        date(2025, 1, 10),
        date(2025, 1, 13),
        date(2025, 1, 15),
        date(2025, 1, 17),
    ]
    assert dosing.make_schedule(MONDAY, "spaced", 4, per_week=0.5)[-1] == date(2025, 2, 17)


def test_schedule_summary_counts():
    days = [date(2025, 3, d) for d in (3, 5, 7, 10, 12, 28)]
    s = dosing.schedule_summary(days)
    assert (s.sessions, s.first, s.last, s.course_length_days) == (6, date(2025, 3, 3), date(2025, 3, 28), 26)
    assert (s.busiest_week, s.longest_gap_days, s.median_gap_days) == (3, 16, 2.0)
    assert s.sessions_per_week == pytest.approx(7 * 5 / 25)
    single = dosing.schedule_summary([MONDAY])
    assert (single.course_length_days, single.busiest_week) == (1, 1)
    assert single.sessions_per_week is single.longest_gap_days is single.median_gap_days is None


@given(st.data())
def test_generated_patterns_classify_as_themselves(data):
    pattern = data.draw(st.sampled_from(["intensive", "spaced"]))
    per_week = data.draw(st.sampled_from(dosing.PER_WEEK_CHOICES[pattern]))
    sessions = (
        data.draw(st.integers(2, INTENSIVE_MAX[per_week]))
        if pattern == "intensive"
        else data.draw(st.integers(SPACED_MIN[per_week], 60))
    )
    start = data.draw(st.dates(date(2000, 1, 1), date(2040, 1, 1)))
    dates = dosing.make_schedule(start, pattern, sessions, per_week)
    assert len(dates) == sessions and dates[0] == start
    result = dosing.classify_schedule(dates)
    assert result.pattern == pattern, result.reason
    assert result.keys == dosing.SCHEDULE_PATTERNS[pattern].keys


@given(st.sets(st.integers(0, 400), min_size=1, max_size=40))
def test_summary_invariants_for_any_dates(offsets):
    dates = [date(2025, 1, 1) + timedelta(days=o) for o in sorted(offsets)]
    s = dosing.schedule_summary(dates)
    assert s.sessions == len(dates)
    assert s.course_length_days == (dates[-1] - dates[0]).days + 1
    assert 1 <= s.busiest_week <= min(7, s.sessions)
    if s.sessions > 1:
        assert s.longest_gap_days >= s.median_gap_days >= 1
        assert s.sessions_per_week == pytest.approx(7 / ((dates[-1] - dates[0]).days / (s.sessions - 1)))
    assert dosing.classify_schedule(dates).pattern in ("intensive", "spaced", "other")


def test_schedules_that_fit_neither_pattern():
    assert dosing.classify_schedule([MONDAY]).reason == "A single session is not a course."
    monthly = [MONDAY + timedelta(days=30 * i) for i in range(5)]
    result = dosing.classify_schedule(monthly)
    assert result.pattern == "other" and "median gap 30 days" in result.reason


def test_patterns_are_labelled_as_reported_practice():
    assert "not trial-validated" in dosing.PATTERN_CAVEAT
    assert "citation to verify" in dosing.SCHEDULE_PATTERNS["intensive"].reported
    for pattern in dosing.SCHEDULE_PATTERNS.values():
        for key in pattern.keys:
            assert f"[{key}]" in pattern.reported
            evidence.reference(key)


@pytest.mark.parametrize(
    "dates, message",
    [
        ([date(2025, 1, 8), date(2025, 1, 6)], r"Session 2 \(2025-01-06\) comes before session 1 \(2025-01-08\)"),
        ([MONDAY, MONDAY], r"Session 2 \(2025-01-06\) repeats the date of session 1"),
        ([MONDAY, "2025-01-08"], r"Session 2 is '2025-01-08' \(str\), not a date"),
        ([datetime(2025, 1, 6, 9, 30)], "not a date: write dates as datetime.date"),
        ([], "empty"),
        ("2025-01-06", "as a list of dates, not str"),
        (MONDAY, "as a list of dates, not date"),
    ],
)
def test_bad_dates_say_what_to_fix(dates, message):
    with pytest.raises(ValueError, match=message):
        dosing.schedule_summary(dates)
    with pytest.raises(ValueError, match=message):
        dosing.classify_schedule(dates)


@pytest.mark.parametrize(
    "args, message",
    [
        (
            (MONDAY, "intensive", 8, 2),
            "An intensive course fits within 21 days: at 2 a week that is at most 6 sessions",
        ),
        (
            (MONDAY, "spaced", 3),
            "A spaced course runs longer than 21 days: at 1 a week that is at least 4 sessions, not 3",
        ),
        ((MONDAY, "spaced", 6, 3), "sessions per week for a spaced course must be one of 0.5, 1, 2"),
        ((MONDAY, "intensive", 6, True), "must be a number, not True"),
        ((MONDAY, "daily", 6), "pattern must be one of intensive, spaced"),
        ((MONDAY, "intensive", 1), "number of sessions must be between 2 and 60, not 1"),
        ((datetime(2025, 1, 6), "intensive", 6), "start must be a date"),
    ],
)
def test_bad_schedule_requests_say_what_to_fix(args, message):
    with pytest.raises(ValueError, match=message):
        dosing.make_schedule(*args)


# -- Monitoring ------------------------------------------------------------------------------


def series(sbp, dbp, hr=None, start=-10, step=10):
    """Readings every ``step`` minutes from ``start``; hr defaults to a steady 75."""
    minutes = list(range(start, start + step * len(sbp), step))
    return pd.DataFrame({"minute": minutes, "sbp": sbp, "dbp": dbp, "hr": hr or [75] * len(sbp)})


def calm(n_after=12, pre=(120, 80)):
    """A quiet session: two pre-dose readings and ``n_after`` after (to 120 min by default)."""
    return series([pre[0]] * 2 + [125] * n_after, [pre[1]] * 2 + [82] * n_after)


def kinds(findings):
    return [f.kind for f in findings]


def test_a_calm_session_gives_only_its_peak():
    findings = dosing.monitoring_findings(calm())
    assert kinds(findings) == ["bp_peak"]
    assert findings[0].minute == 10 and "+5 mmHg" in findings[0].message


@pytest.mark.parametrize("pre, flagged", [((142, 80), True), ((120, 92), True), ((140, 90), False)])
def test_pre_dose_check_is_strictly_above_140_90(pre, flagged):
    findings = dosing.check_pre_dose(calm(pre=pre))
    assert bool(findings) == flagged
    if flagged:
        assert findings[0].minute == 0 and findings[0].key == "spravato_label"
        assert "consider delaying" in findings[0].message


@pytest.mark.parametrize("rise, flagged", [((40, 0), True), ((0, 25), True), ((39, 24), False)])
def test_a_rise_the_size_the_label_counted_is_40_systolic_or_25_diastolic(rise, flagged):
    vitals = series([120, 120, 130, 120 + rise[0], 125], [80, 80, 85, 80 + rise[1], 82])
    findings = dosing.check_label_sized_rise(vitals)
    assert kinds(findings) == (["label_sized_rise"] if flagged else [])
    if flagged:
        assert findings[0].minute == 20 and f"{rise[0]:+d}/{rise[1]:+d}" in findings[0].message


def test_the_label_rise_is_a_frequency_and_never_a_trigger():
    rise = dosing.LABEL_RISE
    assert (rise.sbp, rise.dbp, rise.hours, rise.treated, rise.placebo) == (40, 25, 1.5, "8–19%", "1–4%")
    assert rise.key == "spravato_label" and "not a trigger for action" in rise.says
    # The rise sizes are not among the numbers readings are checked against as limits.
    assert not any(t.value in (rise.sbp, rise.dbp) and "rise" in name for name, t in dosing.THRESHOLDS.items())
    surge = series([120, 120, 170, 175, 172], [80, 80, 100, 104, 106])
    messages = [
        f.message for f in dosing.monitoring_findings(surge) if f.kind in ("label_sized_rise", "bp_not_settled")
    ]
    assert messages
    assert len(messages) == 2
    for message in messages:
        assert "label counted" in message and "threshold" not in message.lower()
    (sized,) = dosing.check_label_sized_rise(surge)
    assert "8-19% of treated and 1-4% of placebo" in sized.message and "not a trigger for action" in sized.message
    assert "prescriber" in sized.message


def test_rise_is_measured_from_the_last_pre_dose_reading():
    vitals = series([100, 120, 130, 158], [70, 80, 84, 90])
    rises = dosing.rise_from_pre_dose(vitals)
    assert list(rises["minute"]) == [10, 20]
    assert list(rises["sbp_rise"]) == [10, 38] and list(rises["dbp_rise"]) == [4, 10]
    assert dosing.check_label_sized_rise(vitals) == []


def test_peak_time_is_the_highest_systolic_after_the_dose():
    vitals = series([120, 120, 130, 145, 150, 140], [80, 80, 84, 88, 90, 86])
    (peak,) = dosing.check_peak(vitals)
    assert peak.minute == 30 and "+30 mmHg" in peak.message and "40 min" in peak.message


def test_observation_checks():
    short = dosing.check_observation(calm(n_after=9))  # ends at 90 min
    assert kinds(short) == ["observation_short"] and short[0].minute == 90
    assert "at least 120 min" in short[0].message
    assert dosing.check_observation(calm()) == []
    high_at_end = series([120, 120] + [170] * 12, [80, 80] + [90] * 12)
    (not_settled,) = dosing.check_observation(high_at_end)
    assert not_settled.kind == "bp_not_settled" and "+50/+10" in not_settled.message
    assert "about 4 hours" in not_settled.message and "clinical stability" in not_settled.message
    settling = series([120, 120] + [170] * 11 + [159], [80, 80] + [90] * 11 + [104])
    assert dosing.check_observation(settling) == []  # +39/+24 at the end: smaller than the rises counted


def test_forum_bp_triggers():
    one_high = series([130, 130, 185, 150, 140], [80, 80, 100, 90, 85])
    assert dosing.check_forum_triggers(one_high) == []
    two_high = series([130, 130, 185, 150, 150, 140], [80, 80, 100, 90, 112, 85])
    (finding,) = dosing.check_forum_triggers(two_high)
    assert (finding.kind, finding.minute, finding.key) == ("forum_bp_twice", 30, "esketamine_forum")
    assert finding.message.startswith("Illustrative only (a forum source")
    once = dosing.check_forum_triggers(series([130, 130, 160, 205, 150], [80, 80, 90, 100, 85]))
    assert kinds(once) == ["forum_bp_once"] and once[0].minute == 20


def test_forum_heart_rate_must_be_sustained():
    apart = series([120] * 6, [80] * 6, hr=[80, 80, 125, 100, 125, 90])
    assert dosing.check_forum_triggers(apart) == []
    in_a_row = series([120] * 6, [80] * 6, hr=[80, 80, 100, 125, 122, 90])
    (finding,) = dosing.check_forum_triggers(in_a_row)
    assert (finding.kind, finding.minute) == ("forum_hr_sustained", 30)


def test_findings_come_in_time_order_and_cite_known_keys():
    vitals = series([145, 145, 170, 188, 186, 190], [85, 85, 100, 105, 104, 100], start=-10)
    findings = dosing.monitoring_findings(vitals)
    assert [f.minute for f in findings] == sorted(f.minute for f in findings)
    assert set(kinds(findings)) == {
        "pre_dose_bp",
        "label_sized_rise",
        "bp_peak",
        "forum_bp_twice",
        "observation_short",
        "bp_not_settled",
    }
    for f in findings:
        evidence.reference(f.key)
    for threshold in dosing.THRESHOLDS.values():
        evidence.reference(threshold.key)


def with_value(column, row, value):
    vitals = calm().astype(object)
    vitals.loc[row, column] = value
    return vitals


@pytest.mark.parametrize(
    "vitals, message",
    [
        ([{"minute": 0, "sbp": 120}], "as a pandas DataFrame"),
        (calm().drop(columns="hr"), r"need the column\(s\) hr"),
        (with_value("sbp", 3, float("nan")), r"Row 3 \(minute 20\): systolic BP \(mmHg\) is missing \(NaN\)"),
        (with_value("sbp", 4, 600), r"Row 4 \(minute 30\): systolic BP \(mmHg\) must be between 60 and 260, not 600"),
        (with_value("dbp", 2, 130), r"Row 2 \(minute 10\): diastolic 130 is not below systolic 125"),
        (with_value("hr", 5, "fast"), r"Row 5 \(minute 40\): heart rate \(bpm\) must be a number, not 'fast'"),
        (with_value("minute", 4, 10), r"Row 4 \(minute 10\): minute 10 does not come after the previous reading's"),
        (with_value("minute", 3, 10), "remove repeated times"),
        (calm().assign(cadss=95), r"Row 0 \(minute -10\): CADSS total \(0-92\) must be between 0 and 92, not 95"),
        (calm()[calm()["minute"] > 0], "need a pre-dose reading"),
        (calm().assign(session=[1] * 7 + [2] * 7), "mix several values of session"),
        (calm().iloc[0:0], "no readings"),
    ],
)
def test_bad_vitals_name_the_row(vitals, message):
    with pytest.raises(ValueError, match=message):
        dosing.monitoring_findings(vitals)


def test_cadss_by_session_is_one_rating_at_40_minutes_per_session():
    table = dosing.cadss_by_session()
    vitals = dosing.load_session_vitals()
    assert list(table.columns) == ["patient_id", "session", "route", "minute", "cadss"]
    assert len(table) == len(vitals.groupby(["patient_id", "session"])) and set(table["minute"]) == {40}
    assert table["cadss"].between(0, 92).all()
    p16 = table.set_index(["patient_id", "session"]).loc[("P16", 1)]
    assert p16["cadss"] == vitals.query("patient_id == 'P16' and session == 1 and minute == 40")["cadss"].iloc[0]


def test_blank_cadss_is_allowed():
    vitals = calm().assign(cadss=[None] * 6 + [18] + [None] * 7)
    assert dosing.check_vitals(vitals)["cadss"].count() == 1


def test_session_vitals_picks_one_session():
    one = dosing.session_vitals("P11", 2)
    assert set(one["patient_id"]) == {"P11"} and set(one["session"]) == {2}
    with pytest.raises(ValueError, match="patient id must be one of"):
        dosing.session_vitals("P05", 1)
    with pytest.raises(ValueError, match="session number for P11 must be one of 1, 2"):
        dosing.session_vitals("P11", 3)


# -- Illustrative concentration curve ---------------------------------------------------------


def test_curves_are_drawn_only_where_the_sources_allow():
    assert dosing.curve_routes() == ("iv", "im", "in_esketamine", "sl", "oral")
    with pytest.raises(ValueError, match="no bioavailability, so the course draws no curve"):
        dosing.concentration_curve("sc")
    with pytest.raises(ValueError, match="no time to peak, so the course draws no curve"):
        dosing.concentration_curve("in_racemic")


def test_peak_times_follow_the_sourced_tmax_by_route():
    peaks = {r: dosing.concentration_curve(r).peak_minute for r in dosing.curve_routes()}
    assert peaks == {"im": 10, "in_esketamine": 30, "oral": 30, "iv": 40, "sl": 45}
    assert peaks["im"] < peaks["oral"] < peaks["iv"] < peaks["sl"]


@pytest.mark.parametrize("route", ["iv", "im", "in_esketamine", "sl", "oral"])
def test_curve_shape(route):
    curve = dosing.concentration_curve(route, step_minutes=1)
    assert len(curve.minutes) == len(curve.low) == len(curve.mid) == len(curve.high) == 361
    assert all(0 <= lo <= mid <= hi <= 1 for lo, mid, hi in zip(curve.low, curve.mid, curve.high))
    assert curve.minutes[curve.mid.index(max(curve.mid))] == pytest.approx(curve.peak_minute, abs=1)
    assert "Illustrative" in curve.caption and "not a dose" in curve.caption


@pytest.mark.parametrize("route", ["im", "in_esketamine", "sl", "oral"])
def test_area_under_the_curve_is_the_bioavailability(route):
    # A one-compartment model's exposure relative to IV is its bioavailability: a check on the maths.
    def area(values):
        return sum((a + b) / 2 for a, b in zip(values, values[1:]))

    iv = dosing.concentration_curve("iv", until_minutes=720, step_minutes=1)
    other = dosing.concentration_curve(route, until_minutes=720, step_minutes=1)
    assert area(other.mid) / area(iv.mid) == pytest.approx(dosing.route_info(route).bioavailability_mid, rel=0.02)


def test_iv_bolus_starts_at_one():
    bolus = dosing.concentration_curve("iv", infusion_minutes=0)
    assert bolus.mid[0] == 1 and bolus.peak_minute == 0
    assert bolus.parameters["infusion"].keys == ()  # 0 min is not what the trials did


@given(st.floats(120, 180))
def test_longer_half_life_leaves_more_at_six_hours(half_life):
    base = dosing.concentration_curve("oral", half_life_minutes=120)
    longer = dosing.concentration_curve("oral", half_life_minutes=half_life)
    assert longer.mid[-1] >= base.mid[-1]


def test_parameters_say_which_are_sourced_and_which_illustrative():
    for route in dosing.curve_routes():
        params = dosing.concentration_curve(route).parameters
        for name, p in params.items():
            for key in p.keys:
                evidence.reference(key)
            if not p.keys:
                assert p.note.startswith(("illustrative", "by definition")), (route, name)
        assert params["half_life"].keys == ("yanagihara2003", "al_shirawi2017")
    assert dosing.concentration_curve("iv").parameters["infusion"].keys == ("taylor2018",)
    assert "low-quality secondary" in dosing.concentration_curve("im").parameters["tmax"].note
    assert dosing.concentration_curve("sl").parameters["tmax"].keys == ("rolan2014",)
    assert "not modelled" in dosing.concentration_curve("in_esketamine").parameters["esketamine_half_life"].note


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"half_life_minutes": 60}, "half-life in minutes must be between 120 and 180, not 60"),
        ({"infusion_minutes": -5}, "infusion length in minutes must be between 0 and 120"),
        ({"step_minutes": 2.5}, "step in minutes must be a whole number"),
        ({"until_minutes": 10}, "curve length in minutes must be between 60 and 720"),
    ],
)
def test_bad_curve_settings_say_what_to_fix(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dosing.concentration_curve("iv", **kwargs)
