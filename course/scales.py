"""Scoring of the rating scales the course teaches, with the bands FACTS.md §1 gives.

Each scale is described once, as data (:data:`SCALES`); the functions below read that table.
Totals are sums of item scores; bands are the published cut-points with their reference key.
"""

from __future__ import annotations

from dataclasses import dataclass

from .validation import item_responses, whole_number


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    label: str


@dataclass(frozen=True)
class Scale:
    code: str
    name: str
    items: int
    item_max: int
    bands: tuple[Band, ...]
    source: str
    note: str = ""

    @property
    def max_total(self) -> int:
        return self.items * self.item_max


SCALES: dict[str, Scale] = {
    "gad7": Scale(
        "gad7",
        "GAD-7",
        7,
        3,
        (Band(0, 4, "minimal"), Band(5, 9, "mild"), Band(10, 14, "moderate"), Band(15, 21, "severe")),
        "spitzer2006",
        "Past 2 weeks; cut-points 5, 10, 15.",
    ),
    "phq9": Scale(
        "phq9",
        "PHQ-9",
        9,
        3,
        (
            Band(0, 4, "minimal"),
            Band(5, 9, "mild"),
            Band(10, 14, "moderate"),
            Band(15, 19, "moderately severe"),
            Band(20, 27, "severe"),
        ),
        "kroenke2001",
        "Cut-points 5, 10, 15, 20. Item 9 asks about thoughts of death or self-harm.",
    ),
    "hama": Scale(
        "hama",
        "HAM-A",
        14,
        4,
        (Band(0, 7, "none/minimal"), Band(8, 14, "mild"), Band(15, 23, "moderate"), Band(24, 56, "severe")),
        "matza2010",
        "Clinician-rated; bands from one 4-week GAD trial, to be used with caution.",
    ),
    "lsas": Scale(
        "lsas",
        "LSAS",
        48,
        3,
        (
            Band(0, 29, "below the SAD cut-off"),
            Band(30, 59, "above the SAD cut-off"),
            Band(60, 144, "above the generalized-subtype cut-off"),
        ),
        "mennin2002",
        "24 situations, each rated for fear (0-3) and avoidance (0-3); cut-offs 30 and 60.",
    ),
    "pdss": Scale(
        "pdss",
        "PDSS",
        7,
        4,
        (),
        "shear1997",
        "No severity bands: the interpretive anchors in circulation could not be confirmed.",
    ),
    "cadss": Scale(
        "cadss",
        "CADSS (23-item subjective)",
        23,
        4,
        (),
        "bremner_manual2014",
        "Measures present-state dissociation; no severity bands.",
    ),
}


@dataclass(frozen=True)
class ScaleScore:
    """A scored questionnaire: total, band (when the scale has published bands) and source key."""

    scale: str
    total: int
    max_total: int
    band: str | None
    source: str
    flags: tuple[str, ...] = ()

    def __str__(self) -> str:
        band = f" ({self.band})" if self.band else ""
        return f"{SCALES[self.scale].name} {self.total}/{self.max_total}{band} [{self.source}]"


def _scale(code: str) -> Scale:
    if code not in SCALES:
        raise ValueError(f"Unknown scale {code!r}: choose one of {', '.join(SCALES)}.")
    return SCALES[code]


def total(code: str, responses) -> int:
    """Sum of item scores for scale ``code`` after checking every item."""
    s = _scale(code)
    return sum(item_responses(responses, s.items, 0, s.item_max, s.name))


def band(code: str, score) -> str:
    """The published severity band for a total score on scale ``code``."""
    s = _scale(code)
    if not s.bands:
        raise ValueError(f"{s.name} has no published severity bands in the course's sources: {s.note}")
    score = whole_number(score, f"{s.name} total", 0, s.max_total)
    return next(b.label for b in s.bands if b.low <= score <= b.high)


def score(code: str, responses) -> ScaleScore:
    """Score a questionnaire: total, band and source."""
    s = _scale(code)
    t = total(code, responses)
    return ScaleScore(code, t, s.max_total, band(code, t) if s.bands else None, s.source)


def draw_items(rng, n_items: int, top: int, total: int, weights=None) -> list[int]:
    """Item scores in 0..top that add up to exactly ``total``, drawn one point at a time with ``rng``.

    Each point goes to a random item not yet at ``top``, chosen in proportion to ``weights``; the per-item jitter
    makes some items stand out, as in real answers. Used to make synthetic patients and their variants.
    """
    if not 0 <= total <= n_items * top:
        raise ValueError(f"A total of {total} is impossible with {n_items} items scored 0-{top}.")
    weights = [w * rng.uniform(0.4, 1.6) for w in (weights or [1] * n_items)]
    items = [0] * n_items
    for _ in range(total):
        open_items = [i for i in range(n_items) if items[i] < top]
        items[rng.choices(open_items, [weights[i] for i in open_items])[0]] += 1
    return items


# Named helpers for the scales trainees meet most -------------------------------------------


def gad7_total(responses) -> int:
    """GAD-7 total (0-21) from 7 item scores of 0-3 [spitzer2006]."""
    return total("gad7", responses)


def gad7_band(score_) -> str:
    """GAD-7 band: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe [spitzer2006]."""
    return band("gad7", score_)


def phq9_total(responses) -> int:
    """PHQ-9 total (0-27) from 9 item scores of 0-3 [kroenke2001]."""
    return total("phq9", responses)


def phq9_band(score_) -> str:
    """PHQ-9 band: cut-points 5, 10, 15, 20 [kroenke2001]."""
    return band("phq9", score_)


def phq9_item9_positive(responses) -> bool:
    """True when PHQ-9 item 9 (thoughts of death or self-harm) is scored above 0."""
    return item_responses(responses, 9, 0, 3, "PHQ-9")[8] > 0


def score_phq9(responses) -> ScaleScore:
    """PHQ-9 score with the item-9 safety flag."""
    result = score("phq9", responses)
    if phq9_item9_positive(responses):
        return ScaleScore(
            result.scale,
            result.total,
            result.max_total,
            result.band,
            result.source,
            ("item 9 positive: thoughts of death or self-harm",),
        )
    return result


def lsas_total(fear, avoidance) -> int:
    """LSAS total (0-144): 24 fear ratings plus 24 avoidance ratings, each 0-3 [liebowitz1987]."""
    return sum(item_responses(fear, 24, 0, 3, "LSAS fear")) + sum(item_responses(avoidance, 24, 0, 3, "LSAS avoidance"))


def score_lsas(fear, avoidance) -> ScaleScore:
    t = lsas_total(fear, avoidance)
    return ScaleScore("lsas", t, 144, band("lsas", t), "mennin2002")
