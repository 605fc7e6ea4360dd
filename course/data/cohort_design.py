"""The simulated GAD-7 cohort's design (``datasets/cohort_design.yaml``): arms, studies, parameters.

SIMULATED, NOT REAL PATIENTS. Arms are comparable only within their simulated study.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .files import read_yaml
from .references import check_keys


@dataclass(frozen=True)
class Parameter:
    """One simulation parameter: its value, why, and the published figures it follows."""

    value: float
    basis: str
    sources: tuple[str, ...] = ()
    benchmarks: tuple[str, ...] = ()


@cache
def design() -> dict:
    data = read_yaml("cohort_design.yaml", "cohort_design")
    for name, entry in data["parameters"].items():
        check_keys(entry.get("sources", []), f"cohort_design.yaml, parameter {name}")
    for arm, entry in data["arms"].items():
        if entry["study"] not in data["studies"]:
            raise ValueError(f"cohort_design.yaml, arm {arm}: study {entry['study']!r} is not in studies.")
        for name in entry["parameters"]:
            if name not in data["parameters"]:
                raise ValueError(f"cohort_design.yaml, arm {arm}: no parameter {name!r}.")
    return data


def arms() -> dict[str, str]:
    """Arm codes (as in the cohort CSV) and the labels figures show."""
    return {code: arm["label"] for code, arm in design()["arms"].items()}


def study_of_arm() -> dict[str, str]:
    return {code: arm["study"] for code, arm in design()["arms"].items()}


def parameters() -> dict[str, Parameter]:
    return {
        name: Parameter(e["value"], e["basis"], tuple(e.get("sources", ())), tuple(e.get("benchmarks", ())))
        for name, e in design()["parameters"].items()
    }


def parameter_sources(arms_=None) -> tuple[str, ...]:
    """The reference keys the parameters of ``arms_`` (default: every arm) follow, for figure captions."""
    table = design()["arms"]
    chosen = list(table) if arms_ is None else list(arms_)
    unknown = [a for a in chosen if a not in table]
    if unknown:
        raise ValueError(f"Unknown arm {unknown[0]!r}; the simulated arms are {', '.join(table)}.")
    names = set(design()["common_parameters"]).union(*(table[a]["parameters"] for a in chosen))
    params = parameters()
    return tuple(sorted({key for name in names for key in params[name].sources}))
