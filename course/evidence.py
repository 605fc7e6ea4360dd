"""The course's reference list: every clinical number shown to a trainee carries one of its keys.

The list lives in ``datasets/references.csv`` (key, full citation, DOI/PMID where known, evidence
tier, confidence as in the evidence fact sheet). ``cite(key)`` gives the short in-text form.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import DATASETS

REFERENCES_CSV = DATASETS / "references.csv"


class UnknownReference(ValueError):
    """A reference key that is not in the course's reference list."""


@dataclass(frozen=True)
class Reference:
    key: str
    short: str
    citation: str
    year: int | None
    doi: str
    pmid: str
    evidence_tier: str
    confidence: str
    facts: tuple[str, ...]
    note: str

    @property
    def unconfirmed(self) -> bool:
        """True when the record itself was not confirmed against the source."""
        return self.confidence.startswith("unconfirmed")


@lru_cache(maxsize=None)
def _load(path: Path = REFERENCES_CSV) -> dict[str, Reference]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    refs = {}
    for row in rows:
        key = row["key"]
        if key in refs:
            raise ValueError(f"{path.name}: reference key {key!r} appears twice.")
        refs[key] = Reference(
            key=key, short=row["short"], citation=row["citation"],
            year=int(row["year"]) if row["year"] else None,
            doi=row["doi"], pmid=row["pmid"], evidence_tier=row["evidence_tier"],
            confidence=row["confidence"], facts=tuple(row["facts"].split()), note=row["note"],
        )
    return refs


def references() -> dict[str, Reference]:
    """All references, by key."""
    return dict(_load())


def reference(key: str) -> Reference:
    """The full reference for ``key``; an unknown key raises ``UnknownReference`` (a ValueError)."""
    refs = _load()
    if not isinstance(key, str) or key not in refs:
        close = sorted(k for k in refs if isinstance(key, str) and key[:4].lower() in k)[:5]
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise UnknownReference(f"{key!r} is not a key in the course reference list "
                               f"(datasets/references.csv).{hint}")
    return refs[key]


def cite(*keys: str) -> str:
    """Short in-text citation with keys, e.g. ``cite("spitzer2006")`` → "Spitzer et al. 2006 [spitzer2006]"."""
    if not keys:
        raise ValueError("cite() needs at least one reference key.")
    return "; ".join(f"{reference(k).short} [{k}]" for k in keys)


def source_line(*keys: str) -> str:
    """A caption line naming the sources, for figures and tables."""
    return "Source: " + cite(*keys)


PRESS_CLAIMS_CSV = DATASETS / "press_claims.csv"
#: Verdicts used when weighing a press claim against the studies behind it (FACTS.md §9's scale).
VERDICTS = ("supported", "partly supported", "overstated", "not supported", "not tested")
#: Evidence tiers from strongest to weakest design, for ranking sources in Module 00.
TIER_ORDER = ("meta-analysis", "systematic review", "RCT", "non-randomised trial", "observational", "case series",
              "survey", "statistics page", "validation study", "guideline", "consensus statement", "product label",
              "trial registry", "narrative review", "practitioner source", "preclinical")


def press_claims():
    """The seed article's claims with a verdict and the basis for it (keys in the text), as a DataFrame."""
    import re

    import pandas as pd
    table = pd.read_csv(PRESS_CLAIMS_CSV, dtype=str)
    for row in table.itertuples():
        if row.verdict not in VERDICTS:
            raise ValueError(f"press_claims.csv, claim {row.code}: verdict {row.verdict!r} is not one of {VERDICTS}.")
        for key in re.findall(r"\[([a-z0-9_]+)\]", row.basis):
            reference(key)
    return table.set_index("code")
