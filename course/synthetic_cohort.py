"""Seeded generator of the simulated GAD-7 cohort: ``datasets/cohort_gad7.csv``.

SIMULATED, NOT REAL PATIENTS. Five arms of 100 invented patients each, scored on the GAD-7 at weeks
0, 1, 2, 4, 8, 12 and 26, in two simulated studies that must not be compared with each other:

- ``conventional``: CBT, SSRI/SNRI and pill placebo, in people with GAD;
- ``ketamine_extrapolation``: a short ketamine course with or without weekly maintenance, in
  treatment-refractory people. It is extrapolated from trials of 12 to 20 patients: a teaching device
  that shows a fast drop fading without repeat doses, NOT a prediction.

Each patient gets a baseline score and a personal reduction drawn from a distribution whose parameters
come from published figures (``PARAMETERS``, each with its keys, or marked as a design choice); the arm
decides how fast the reduction arrives and whether it lasts. ``datasets/DATACARD.md`` explains each one.

Regenerate with ``python -m course.synthetic_cohort``: same seed, byte-identical file. Standard library
only (``random.random`` is the one generator stream Python keeps stable across versions).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist

from . import DATASETS
from .csvfile import write_rows

COHORT_CSV = DATASETS / "cohort_gad7.csv"
SEED = 20261204
WEEKS = (0, 1, 2, 4, 8, 12, 26)
PATIENTS_PER_ARM = 100
GAD7_MAX = 21
COLUMNS = ("patient", "study", "arm", "week", "score", "scale", "simulated")

#: Arm codes (as in the CSV) and the labels figures show.
ARMS = {
    "cbt": "CBT",
    "ssri_snri": "SSRI/SNRI",
    "placebo": "pill placebo",
    "ketamine_course": "ketamine, 3 weekly doses (extrapolated)",
    "ketamine_maintenance": "ketamine + weekly maintenance (extrapolated)",
}
#: The simulated study each arm belongs to; arms are comparable only within a study.
STUDY_OF_ARM = {"cbt": "conventional", "ssri_snri": "conventional", "placebo": "conventional",
                "ketamine_course": "ketamine_extrapolation", "ketamine_maintenance": "ketamine_extrapolation"}


@dataclass(frozen=True)
class Parameter:
    """One simulation parameter: its value, why, and the published figures it follows.

    ``benchmarks`` are ids in ``datasets/outcome_benchmarks.csv``; the value is their median (a test
    checks it). No sources means a design choice, and ``basis`` says so.
    """
    value: float
    basis: str
    sources: tuple[str, ...] = ()
    facts: str = ""
    benchmarks: tuple[str, ...] = ()


NICE_SSRI_SNRI = ("nice_duloxetine_response", "nice_sertraline_response", "nice_venlafaxine_response",
                  "nice_escitalopram_response", "nice_paroxetine_response")

PARAMETERS = {
    "baseline_mean": Parameter(15, "Design choice: the average simulated patient starts at the GAD-7 "
                               "'severe' cut-point.", ("spitzer2006",), "F1.3"),
    "baseline_sd": Parameter(3.5, "Design choice: spread of baseline scores."),
    "baseline_minimum": Parameter(10, "Inclusion rule: the GAD-7 screening cut-off of 10.", ("spitzer2006",),
                                  "F1.4"),
    "reduction_sd": Parameter(0.25, "Design choice: spread of each patient's own reduction (share of baseline)."),
    "visit_noise_sd": Parameter(1.5, "Design choice: visit-to-visit wobble in GAD-7 points."),
    "placebo_response": Parameter(0.43, "Share with a reduction of 50% or more at week 8 in the pill-placebo "
                                  "arm: NICE's placebo response probability (FACTS.md does not give NICE's response "
                                  "definition; the simulation reads it as a 50% reduction).", ("nice_cg113",),
                                  "F5.5", ("nice_placebo_response",)),
    "ssri_snri_response": Parameter(0.62, "Same, SSRI/SNRI arm: the median of NICE's five SSRI/SNRI response "
                                    "probabilities (0.52 to 0.65).", ("nice_cg113",), "F5.5", NICE_SSRI_SNRI),
    "drug_full_effect_week": Parameter(8, "Pill arms reach their full reduction at week 8 along a logarithmic "
                                       "curve (early gains, as for SNRIs); acute trials last about 8 weeks.",
                                       ("jakubovski2019", "slee2019"), "F5.3 F5.8"),
    "cbt_response": Parameter(0.62, "No published figure compares CBT with SSRIs/SNRIs head to head, and the "
                              "psychotherapy and medication effect sizes must not be compared (different "
                              "controls). The CBT arm is therefore set EQUAL to the SSRI/SNRI arm at week 12 "
                              "(an equipoise assumption, not a finding).", ("cuijpers2014", "carl2020", "nice_cg113"),
                              "F5.1 F5.2 F5.5", NICE_SSRI_SNRI),
    "cbt_full_effect_week": Parameter(12, "Design choice: 12 weekly sessions with steady (linear) gains."),
    "ketamine_reduction": Parameter(0.5, "Mean reduction while doses continue: the ~50% fall in anxiety "
                                    "ratings 1 hour after a dose in an uncontrolled study of 20 prior "
                                    "responders. Optimistic by design.", ("glue2018",), "F2.5",
                                    ("glue2018_reduction",)),
    "ketamine_course_last_week": Parameter(2, "Doses at weeks 0, 1 and 2, like the three weekly ascending doses "
                                           "of the open-label and replication studies.", ("glue2017", "glue2020"),
                                           "F2.1 F2.7"),
    "ketamine_settled_reduction": Parameter(0.15, "Design choice: after the fade, the arm's average reduction "
                                            "falls to a small nonspecific improvement (each patient keeps their "
                                            "rank). No anxiety study followed patients after stopping; in the only "
                                            "placebo-controlled crossover no placebo patient reached LSAS response "
                                            "within 2 weeks.", ("taylor2018",), "F2.13"),
    "ketamine_fade_weeks": Parameter(0.5, "Time constant of the fade after the last dose: the effect of a dose "
                                     "lasts up to about a week.", ("glue2017", "glue2020", "tully2022"),
                                     "F2.2 F2.8 F2.17 F8.1"),
    "maintenance_entry_reduction": Parameter(0.5, "Maintenance arm: only patients whose week-2 score fell by "
                                             "50% or more go on to maintenance, the programme's entry rule.",
                                             ("actrn12615000617561",), "F1.35"),
    "maintenance_last_week": Parameter(14, "Weekly maintenance for about 3 months after the first course.",
                                       ("glue2018",), "F2.4 F8.2"),
}


COMMON_PARAMETERS = ("baseline_mean", "baseline_sd", "baseline_minimum", "reduction_sd", "visit_noise_sd")
_KETAMINE = ("ketamine_reduction", "ketamine_course_last_week", "ketamine_fade_weeks", "ketamine_settled_reduction")
#: The parameters each arm's patients are drawn with (besides ``COMMON_PARAMETERS``).
ARM_PARAMETERS = {
    "cbt": ("cbt_response", "cbt_full_effect_week"),
    "ssri_snri": ("ssri_snri_response", "drug_full_effect_week"),
    "placebo": ("placebo_response", "drug_full_effect_week"),
    "ketamine_course": _KETAMINE,
    "ketamine_maintenance": _KETAMINE + ("maintenance_entry_reduction", "maintenance_last_week"),
}


def parameter_sources(arms=None) -> tuple[str, ...]:
    """The reference keys the parameters of ``arms`` (default: every arm) follow, for figure captions."""
    arms = list(ARMS) if arms is None else list(arms)
    unknown = [a for a in arms if a not in ARMS]
    if unknown:
        raise ValueError(f"Unknown arm {unknown[0]!r}; the simulated arms are {', '.join(ARMS)}.")
    names = set(COMMON_PARAMETERS).union(*(ARM_PARAMETERS[a] for a in arms))
    return tuple(sorted({key for name in names for key in PARAMETERS[name].sources}))


def _value(name: str) -> float:
    return PARAMETERS[name].value


def _normal(rng: random.Random) -> float:
    """A standard normal draw (Box-Muller on ``random()``, the stream Python keeps stable)."""
    return math.sqrt(-2 * math.log(1 - rng.random())) * math.cos(2 * math.pi * rng.random())


def _baseline(rng: random.Random) -> int:
    while True:
        score = round(_value("baseline_mean") + _value("baseline_sd") * _normal(rng))
        if _value("baseline_minimum") <= score <= GAD7_MAX:
            return score


def _mean_reduction(target_response: float) -> float:
    """Mean reduction that puts ``target_response`` of patients at a reduction of 50% or more."""
    return 0.5 + _value("reduction_sd") * NormalDist().inv_cdf(target_response)


def _reduction(rng: random.Random, mean: float) -> float:
    # Allow some worsening (down to -30%) and at most a 100% reduction.
    return min(1.0, max(-0.3, mean + _value("reduction_sd") * _normal(rng)))


def _observed(rng: random.Random, baseline: int, reduction: float) -> int:
    score = baseline * (1 - reduction) + _value("visit_noise_sd") * _normal(rng)
    return min(GAD7_MAX, max(0, round(score)))


def _gradual(full_week: float, curve: str):
    """Share of the final reduction reached by week ``w``: logarithmic or linear, full from ``full_week``."""
    if curve == "log":
        return lambda w: min(1.0, math.log1p(w) / math.log1p(full_week))
    return lambda w: min(1.0, w / full_week)


def _conventional(rng: random.Random, arm: str) -> list[int]:
    target, full, curve = {
        "cbt": ("cbt_response", "cbt_full_effect_week", "linear"),
        "ssri_snri": ("ssri_snri_response", "drug_full_effect_week", "log"),
        "placebo": ("placebo_response", "drug_full_effect_week", "log"),
    }[arm]
    baseline = _baseline(rng)
    reduction = _reduction(rng, _mean_reduction(_value(target)))
    share = _gradual(_value(full), curve)
    return [baseline] + [_observed(rng, baseline, reduction * share(w)) for w in WEEKS[1:]]


def _ketamine(rng: random.Random, maintenance: bool) -> list[int]:
    baseline = _baseline(rng)
    acute = _reduction(rng, _value("ketamine_reduction"))
    # After the effect fades, patients keep their rank but settle at a small nonspecific improvement.
    settled = acute - (_value("ketamine_reduction") - _value("ketamine_settled_reduction"))
    last_dose = _value("ketamine_course_last_week")
    scores = [baseline]
    for week in WEEKS[1:]:
        if week <= last_dose:
            reduction = acute
        else:
            fade = math.exp(-(week - last_dose) / _value("ketamine_fade_weeks"))
            reduction = settled + (acute - settled) * fade
        scores.append(_observed(rng, baseline, reduction))
        responded = scores[-1] <= (1 - _value("maintenance_entry_reduction")) * baseline
        if maintenance and week == last_dose and responded:
            last_dose = _value("maintenance_last_week")
    return scores


def build_cohort(seed: int = SEED) -> list[dict]:
    """The cohort as rows (patient, study, arm, week, score, scale, simulated), in a fixed order."""
    rng = random.Random(seed)
    rows = []
    number = 0
    for arm in ARMS:
        for _ in range(PATIENTS_PER_ARM):
            number += 1
            if arm.startswith("ketamine"):
                scores = _ketamine(rng, maintenance=arm == "ketamine_maintenance")
            else:
                scores = _conventional(rng, arm)
            rows += [{"patient": f"S{number:03d}", "study": STUDY_OF_ARM[arm], "arm": arm, "week": week,
                      "score": score, "scale": "GAD-7", "simulated": True} for week, score in zip(WEEKS, scores)]
    return rows


def write_cohort(path: Path | str = COHORT_CSV, seed: int = SEED) -> Path:
    """Write the cohort CSV (Unix line endings, integers only, so the bytes are reproducible)."""
    return write_rows(path, COLUMNS, build_cohort(seed))


def main() -> None:
    print(f"wrote {write_cohort()}")


if __name__ == "__main__":
    main()
