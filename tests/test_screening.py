"""Screening accuracy (PPV/NPV) and the contraindication screen."""

import copy
import math

import pytest
from conftest import designed_triage
from hypothesis import given
from hypothesis import strategies as st

from course import screening
from course.data.patients import PatientError as VignetteError
from course.data.patients import load_patients

unit = st.floats(0.01, 0.99)


@given(unit, unit, unit)
def test_ppv_npv_match_natural_frequencies(se, sp, p):
    tp, fp = se * p, (1 - sp) * (1 - p)
    tn, fn = sp * (1 - p), (1 - se) * p
    assert math.isclose(screening.ppv(se, sp, p), tp / (tp + fp))
    assert math.isclose(screening.npv(se, sp, p), tn / (tn + fn))


@given(unit, unit, st.floats(0.01, 0.5), st.floats(0.0, 0.49))
def test_ppv_rises_with_prevalence(se, sp, p, dp):
    assert screening.ppv(se, sp, p + dp) >= screening.ppv(se, sp, p) - 1e-12


def test_gad7_example_in_general_population():
    # 2.7 % past-year GAD prevalence (nimh_stats) with GAD-7 >= 10 (spitzer2006): about 12 % PPV.
    value = screening.ppv(0.89, 0.82, 0.027)
    assert 0.11 < value < 0.13


def test_counts_add_up():
    c = screening.screening_counts(0.89, 0.82, 0.1, 1000)
    assert sum(c.values()) == 1000 and c["true_positive"] == 89


@pytest.mark.parametrize(
    "args, fragment",
    [
        ((89, 0.82, 0.1), "write 0.89 for 89%"),
        ((0.89, -0.1, 0.1), "between 0 and 1"),
        ((0.89, 0.82, math.nan), "missing"),
        (("0.9", 0.82, 0.1), "must be a number"),
        ((0.0, 1.0, 0.1), "undefined"),
    ],
)
def test_ppv_bad_input(args, fragment):
    with pytest.raises(ValueError) as info:
        screening.ppv(*args)
    assert fragment in str(info.value)


def test_every_vignette_triages_as_designed():
    for patient in load_patients():
        result = screening.triage(patient)
        assert result.decision == designed_triage(patient["id"]), result.explain()
        if result.decision != "proceed":
            assert result.reasons


def test_cohort_covers_the_must_not_proceed_cases():
    codes = {f.code for p in load_patients() for f in screening.screen(p)}
    for needed in ("bp_uncontrolled", "psychosis", "active_sud", "pregnancy", "phq9_item9"):
        assert needed in codes


def test_every_flag_cites_keys_that_resolve():
    from course.data.references import reference

    for patient in load_patients():
        for flag in screening.screen(patient):
            for key in flag.sources:
                reference(key)


def _proceeding_patient():
    return copy.deepcopy(next(p for p in load_patients() if designed_triage(p["id"]) == "proceed"))


@pytest.mark.parametrize(
    "change, decision",
    [
        (lambda p: p["vitals"].update(sbp=185), "exclude"),
        (lambda p: p["vitals"].update(sbp=150, dbp=80), "defer"),
        (lambda p: p["pregnancy"].update(breastfeeding=True), "exclude"),
        (lambda p: p["psychiatric_history"].update(psychosis=True), "exclude"),
        (lambda p: p["substance_use"].update(sud="active"), "exclude"),
        (lambda p: p["scales"]["phq9"].__setitem__(8, 1), "refer"),
        (lambda p: p.update(prior_trials=[]), "refer"),
        (lambda p: p["support"].update(support_person=False), "defer"),
        (lambda p: p["medical_history"].append("aneurysm"), "exclude"),
    ],
)
def test_each_rule_changes_the_decision(change, decision):
    patient = _proceeding_patient()
    change(patient)
    assert screening.triage(patient).decision == decision


def test_exclusion_outranks_deferral():
    patient = _proceeding_patient()
    patient["support"]["support_person"] = False
    patient["pregnancy"]["pregnant"] = True
    result = screening.triage(patient)
    assert result.decision == "exclude" and [f.code for f in result.reasons] == ["pregnancy"]


def test_malformed_vignette_names_patient_and_field():
    patient = _proceeding_patient()
    patient["scales"]["gad7"] = patient["scales"]["gad7"][:6]
    message = rf"Patient {patient['id']}, field scales.gad7: \[3,1,2,3,3,2\] has less than 7 items"
    with pytest.raises(VignetteError, match=message):
        screening.triage(patient)
