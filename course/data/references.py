"""The course's reference list: every clinical number shown to a trainee carries one of its keys.

The list lives in ``datasets/references.csv`` (key, full citation, DOI/PMID where known, evidence tier,
confidence). ``cite(key)`` gives the short in-text form; ``check_citations(text, where)`` is the one place that
checks the ``[key]`` citations in a text resolve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from .files import read_csv

#: Evidence tiers from strongest to weakest design, for ranking sources (Module 00).
TIER_ORDER = (
    "meta-analysis",
    "systematic review",
    "RCT",
    "non-randomised trial",
    "observational",
    "case series",
    "survey",
    "statistics page",
    "validation study",
    "guideline",
    "consensus statement",
    "product label",
    "trial registry",
    "narrative review",
    "practitioner source",
    "preclinical",
)
#: A citation in running text: ``[spitzer2006]``.
KEY_IN_TEXT = re.compile(r"\[([a-z][a-z0-9_]*)\](?!\()")  # a markdown link "[text](url)" is not a citation


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
    facts: tuple[str, ...]  # provenance for reviewers: ids in the authors' evidence worksheet (never shown)
    note: str

    @property
    def unconfirmed(self) -> bool:
        """True when the record itself was not confirmed against the source."""
        return self.confidence.startswith("unconfirmed")


@cache
def _references() -> dict[str, Reference]:
    refs = {}
    for row in read_csv("references.csv", "references"):
        if row["key"] in refs:
            raise ValueError(f"references.csv: reference key {row['key']!r} appears twice.")
        refs[row["key"]] = Reference(
            key=row["key"],
            short=row["short"],
            citation=row["citation"],
            year=int(row["year"]) if row["year"] else None,
            doi=row["doi"],
            pmid=row["pmid"],
            evidence_tier=row["evidence_tier"],
            confidence=row["confidence"],
            facts=tuple(row["facts"].split()),
            note=row["note"],
        )
    return refs


def references() -> dict[str, Reference]:
    """All references, by key."""
    return dict(_references())


def reference(key: str) -> Reference:
    """The full reference for ``key``; an unknown key raises ``UnknownReference`` (a ValueError)."""
    refs = _references()
    if not isinstance(key, str) or key not in refs:
        close = sorted(k for k in refs if isinstance(key, str) and key[:4].lower() in k)[:5]
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise UnknownReference(f"{key!r} is not a key in the course reference list (datasets/references.csv).{hint}")
    return refs[key]


def cite(*keys: str) -> str:
    """Short in-text citation with keys, e.g. ``cite("spitzer2006")`` → "Spitzer et al. 2006 [spitzer2006]"."""
    if not keys:
        raise ValueError("cite() needs at least one reference key.")
    return "; ".join(f"{reference(k).short} [{k}]" for k in keys)


def keys_in(text: str) -> tuple[str, ...]:
    """The reference keys cited in ``text`` as ``[key]``, in order of first appearance."""
    return tuple(dict.fromkeys(KEY_IN_TEXT.findall(text)))


def check_citations(text: str, where: str) -> tuple[str, ...]:
    """Every ``[key]`` cited in ``text`` must resolve: the one check for citations in running text.

    Returns the keys; an unknown one raises UnknownReference (a ValueError) naming ``where``."""
    return check_keys(keys_in(text), where)


def check_keys(keys, where: str) -> tuple[str, ...]:
    """Reference keys given as a list or a space-separated string must resolve; returns them."""
    keys = tuple(keys.split()) if isinstance(keys, str) else tuple(keys)
    for key in keys:
        try:
            reference(key)
        except UnknownReference as exc:
            raise UnknownReference(f"{where}: {exc}") from None
    return keys
