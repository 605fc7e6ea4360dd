"""Seeded generator of the simulated GAD-7 cohort: ``datasets/cohort_gad7.csv``.

SIMULATED, NOT REAL PATIENTS. Three arms of 100 invented patients each (CBT, SSRI/SNRI and pill placebo, in
people with GAD: one simulated first-line study), scored on the GAD-7 at weeks 0, 1, 2, 4, 8, 12 and 26.
There is no ketamine arm: the ketamine anxiety studies (12 to 20 patients, ratings an hour after a dose)
cannot honestly be turned into a GAD-7 trajectory, so the course teaches ketamine from published figures.

Each patient gets a baseline score and a personal reduction drawn from a distribution whose parameters
come from published figures (``datasets/cohort_design.yaml``, each with its keys, or marked as a design choice); the arm
decides how fast the reduction arrives. ``datasets/DATACARD.md`` explains each one.

Regenerate with ``course data``: same seed, byte-identical file. Standard library
only (``random.random`` is the one generator stream Python keeps stable across versions).
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from statistics import NormalDist

from ..data.cohort_design import design
from ..data.files import write_rows
from ..paths import dataset

COHORT_CSV = "cohort_gad7.csv"
COLUMNS = ("patient", "study", "arm", "week", "score", "scale", "simulated")


def _value(name: str) -> float:
    return design()["parameters"][name]["value"]


def _normal(rng: random.Random) -> float:
    """A standard normal draw (Box-Muller on ``random()``, the stream Python keeps stable)."""
    return math.sqrt(-2 * math.log(1 - rng.random())) * math.cos(2 * math.pi * rng.random())


def _baseline(rng: random.Random) -> int:
    while True:
        score = round(_value("baseline_mean") + _value("baseline_sd") * _normal(rng))
        if _value("baseline_minimum") <= score <= design()["scale_max"]:
            return score


def _mean_reduction(target_response: float) -> float:
    """Mean reduction that puts ``target_response`` of patients at a reduction of 50% or more."""
    return 0.5 + _value("reduction_sd") * NormalDist().inv_cdf(target_response)


def _reduction(rng: random.Random, mean: float) -> float:
    # Allow some worsening (down to -30%) and at most a 100% reduction.
    return min(1.0, max(-0.3, mean + _value("reduction_sd") * _normal(rng)))


def _observed(rng: random.Random, baseline: int, reduction: float) -> int:
    score = baseline * (1 - reduction) + _value("visit_noise_sd") * _normal(rng)
    return min(design()["scale_max"], max(0, round(score)))


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
    return [baseline] + [_observed(rng, baseline, reduction * share(w)) for w in design()["weeks"][1:]]


def build_cohort(seed: int | None = None) -> list[dict]:
    """The cohort as rows (patient, study, arm, week, score, scale, simulated), in a fixed order."""
    rng = random.Random(design()["seed"] if seed is None else seed)
    weeks, studies = design()["weeks"], {code: arm["study"] for code, arm in design()["arms"].items()}
    rows = []
    number = 0
    for arm in design()["arms"]:
        for _ in range(design()["patients_per_arm"]):
            number += 1
            scores = _conventional(rng, arm)
            rows += [
                {
                    "patient": f"S{number:03d}",
                    "study": studies[arm],
                    "arm": arm,
                    "week": week,
                    "score": score,
                    "scale": "GAD-7",
                    "simulated": True,
                }
                for week, score in zip(weeks, scores)
            ]
    return rows


def write_cohort(path: Path | str | None = None, seed: int | None = None) -> Path:
    """Write the cohort CSV (Unix line endings, integers only, so the bytes are reproducible)."""
    return write_rows(path or dataset(COHORT_CSV), COLUMNS, build_cohort(seed))


def main() -> None:
    print(f"wrote {write_cohort()}")


if __name__ == "__main__":
    main()
