"""Every threshold the course uses, defined once in ``datasets/thresholds.yaml`` with its source and kind.

``threshold("bp_consider_delay").values["sbp"]`` is 140; ``.kind`` says whether a number comes from a label,
a clinic, a forum (illustrative only) or is a course convention; ``.says`` is the sentence a trainee reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .files import read_yaml
from .references import check_keys


@dataclass(frozen=True)
class Threshold:
    name: str
    values: dict
    unit: str
    kind: str
    sources: tuple[str, ...]
    says: str

    def __getitem__(self, field: str):
        return self.values[field]


@cache
def _thresholds() -> dict[str, Threshold]:
    data = read_yaml("thresholds.yaml", "thresholds")["thresholds"]
    found = {}
    for name, entry in data.items():
        sources = check_keys(entry["sources"], f"thresholds.yaml, {name}")
        found[name] = Threshold(name, dict(entry["values"]), entry["unit"], entry["kind"], sources, entry["says"])
    return found


def threshold(name: str) -> Threshold:
    table = _thresholds()
    if name not in table:
        raise ValueError(f"No threshold {name!r} in thresholds.yaml; the names are {', '.join(table)}.")
    return table[name]


def thresholds() -> dict[str, Threshold]:
    return dict(_thresholds())
