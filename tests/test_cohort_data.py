"""The simulated GAD-7 cohort: reproducible, labelled simulated, and calibrated to its traced parameters."""

import statistics

import pandas as pd
import pytest

from course import outcomes as o
from course.data import cohort_design as cd
from course.data.references import reference
from course.paths import dataset
from course.synthetic import cohort as sc

COHORT = o.load_cohort()
DESIGN = cd.design()
PARAMETERS = cd.parameters()


def test_regenerating_gives_the_committed_file_byte_for_byte(tmp_path):
    out = sc.write_cohort(tmp_path / "cohort.csv")
    assert out.read_bytes() == dataset(sc.COHORT_CSV).read_bytes(), (
        "datasets/cohort_gad7.csv is out of date: run `course data` and commit the result."
    )


def test_another_seed_changes_scores_but_not_the_layout():
    ours, other = pd.DataFrame(sc.build_cohort()), pd.DataFrame(sc.build_cohort(DESIGN["seed"] + 1))
    assert (ours.drop(columns="score") == other.drop(columns="score")).all().all()
    assert not ours.score.equals(other.score)


def test_layout_ranges_and_labels():
    assert tuple(COHORT.columns) == sc.COLUMNS
    assert COHORT.simulated.all() and (COHORT.scale == "GAD-7").all()
    assert COHORT.patient.nunique() == len(cd.arms()) * DESIGN["patients_per_arm"]
    assert (COHORT.groupby("patient").week.apply(tuple) == tuple(DESIGN["weeks"])).all()
    assert COHORT.score.between(0, DESIGN["scale_max"]).all() and pd.api.types.is_integer_dtype(COHORT.score)
    assert (COHORT[COHORT.week == 0].score >= PARAMETERS["baseline_minimum"].value).all()
    assert COHORT.groupby("arm").study.first().to_dict() == cd.study_of_arm()
    assert COHORT.groupby("arm").patient.nunique().eq(DESIGN["patients_per_arm"]).all()


def test_parameters_are_traced_to_keys_and_benchmarks():
    benchmarks = o.load_benchmarks().set_index("id")
    used = set(DESIGN["common_parameters"]).union(*(a["parameters"] for a in DESIGN["arms"].values()))
    assert used == set(PARAMETERS), "every parameter is used by some arm, and only listed ones"
    for name, p in PARAMETERS.items():
        for key in p.sources:
            reference(key)
        if not p.sources:
            assert p.basis.startswith("Design choice"), name
        if p.benchmarks:
            assert p.value == pytest.approx(statistics.median(benchmarks.loc[list(p.benchmarks), "value"])), name
    assert set(cd.parameter_sources(["placebo"])) == {"spitzer2006", "nice_cg113", "jakubovski2019", "slee2019"}
    with pytest.raises(ValueError, match="Unknown arm 'lsd'"):
        cd.parameter_sources(["lsd"])


def _response(arm, week):
    return o.rates(COHORT, "response", week, [arm]).rate.iloc[0]


@pytest.mark.parametrize(
    "arm, week, parameter",
    [("placebo", 8, "placebo_response"), ("ssri_snri", 8, "ssri_snri_response"), ("cbt", 12, "cbt_response")],
)
def test_simulated_response_is_near_its_traced_target(arm, week, parameter):
    # 100 patients per arm: a tolerance of about two standard errors, plus the small upward pull of whole scores.
    assert _response(arm, week) == pytest.approx(PARAMETERS[parameter].value, abs=0.12)


def test_one_simulated_study_of_conventional_care_and_no_ketamine_arm():
    # Ketamine's onset and durability are taught from published figures only: the anxiety studies (12 to 20
    # patients, ratings an hour after a dose) cannot honestly become a trajectory on the 2-week-recall GAD-7.
    assert set(cd.arms()) == {"cbt", "ssri_snri", "placebo"}
    assert set(COHORT.study) == set(DESIGN["studies"]) == {"conventional"}
    assert not any("ketamine" in name for name in list(PARAMETERS) + list(COHORT.arm.unique()))


def test_pill_arms_gain_early_and_cbt_gains_steadily():
    means = COHORT.groupby(["arm", "week"]).score.mean()
    assert means["ssri_snri", 4] < means["ssri_snri", 0] - 4  # logarithmic: most of the gain by week 4
    assert means["cbt", 4] > means["ssri_snri", 4] + 2  # linear over 12 weeks: behind the pills early
    assert abs(means["cbt", 12] - means["ssri_snri", 12]) < 1.5  # set equal at week 12


def test_cbt_and_ssri_snri_are_set_equal_not_found_equal():
    assert PARAMETERS["cbt_response"].value == PARAMETERS["ssri_snri_response"].value
    assert "not a finding" in PARAMETERS["cbt_response"].basis


def test_data_card_labels_the_cohort_simulated_and_says_why_it_has_no_ketamine_arm():
    card = dataset("DATACARD.md").read_text(encoding="utf-8")
    section = card[card.index("# Data card: simulated GAD-7 cohort") :]
    for phrase in (
        "SIMULATED",
        "NOT a prediction",
        "no ketamine arm",
        "12 to 20",
        "past 2 weeks",
        "published figures",
        "course data",
        "cohort_gad7.csv",
        "<!-- generated: cohort-parameters -->",
    ):
        assert phrase in section, phrase
    for name in PARAMETERS:
        assert f"`{name}`" in section, name
