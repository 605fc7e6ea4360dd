"""Outcome arithmetic for expectation management: response, remission, intervals, NNT, icon arrays,
relapse curves, and the table of published benchmarks (FACTS.md §1.9, §2, §5, §8).

A score table is a pandas DataFrame with one row per patient per visit: columns ``patient``, ``arm``,
``week`` and ``score`` (an optional ``scale`` column names the questionnaire, e.g. "GAD-7"). Week 0 is
the baseline. Every function checks its input and says, in plain words, what to fix.

Methods (statistics, not clinical numbers): proportions get a 95% Wilson score interval; a risk
difference gets Newcombe's hybrid score interval (his "method 10", built from the two Wilson
intervals); the number needed to treat is 1 / risk difference, and when the interval of the risk
difference crosses zero the NNT interval is reported Altman's way (BMJ 1998): "NNTB x to ∞ to NNTH y".
"""

from __future__ import annotations

import csv
import math
import numbers
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from statistics import NormalDist

import pandas as pd

from .data.references import check_keys, cite, reference
from .paths import dataset
from .validation import choice, number, proportion, whole_number

COHORT_CSV = dataset("cohort_gad7.csv")

BENCHMARKS_CSV = dataset("outcome_benchmarks.csv")
TABLE_COLUMNS = ("patient", "arm", "week", "score")

# -- Definitions ---------------------------------------------------------------------------------

RULES = {
    "reduction_at_least": "a reduction of at least {cut:.0%} from baseline{on_scale}",
    "reduction_above": "a reduction of more than {cut:.0%} from baseline{on_scale}",
    "score_below": "{scale} score below {cut:g}",
    "score_at_most": "{scale} score of {cut:g} or less",
}


@dataclass(frozen=True)
class Definition:
    """A response or remission rule, with the sources that use it.

    ``rule`` is one of ``RULES``; for the reduction rules ``cut`` is a proportion (0.5 for 50%). ``scale``
    is the questionnaire the rule belongs to (None: any scale). ``verify`` marks a rule that FACTS.md
    tags [unconfirmed]: it is shown with "citation to verify".
    """

    outcome: str
    rule: str
    cut: float
    scale: str | None
    sources: tuple[str, ...]
    verify: bool = False

    def __post_init__(self):
        if not isinstance(self.outcome, str) or not self.outcome.strip():
            raise ValueError("A definition needs an outcome name, e.g. 'response' or 'remission'.")
        choice(self.rule, "rule", tuple(RULES))
        if self.rule.startswith("reduction"):
            object.__setattr__(self, "cut", proportion(self.cut, "cut (the share of the baseline score)"))
        else:
            object.__setattr__(self, "cut", number(self.cut, "cut (a score)", 0))
        if self.scale is not None and (not isinstance(self.scale, str) or not self.scale.strip()):
            raise ValueError("scale must be the questionnaire's name (e.g. 'GAD-7') or None for any scale.")
        if isinstance(self.sources, str) or not self.sources:
            raise ValueError("sources must be a tuple of reference keys, e.g. ('rickels2003',).")
        check_keys(self.sources, f"the {self.outcome} definition")
        if not isinstance(self.verify, bool):
            raise ValueError("verify must be True or False.")

    @property
    def needs_baseline(self) -> bool:
        return self.rule.startswith("reduction")

    @property
    def rule_text(self) -> str:
        """E.g. "a reduction of at least 50% from baseline" or "GAD-7 score below 5"."""
        return RULES[self.rule].format(
            cut=self.cut, scale=self.scale or "a", on_scale=f" on the {self.scale}" if self.scale else ""
        )

    def describe(self) -> str:
        """E.g. "response: a reduction of at least 50% from baseline (Source [key])"."""
        sources = f"citation to verify; see {cite(*self.sources)}" if self.verify else cite(*self.sources)
        return f"{self.outcome}: {self.rule_text} ({sources})"

    def met(self, score: pd.Series, baseline: pd.Series | None = None) -> pd.Series:
        """True where the rule is met (pandas Series aligned on the index)."""
        if self.needs_baseline:
            reduction = (baseline - score) / baseline
            return reduction >= self.cut if self.rule == "reduction_at_least" else reduction > self.cut
        return score < self.cut if self.rule == "score_below" else score <= self.cut


#: F1.32: ≥50% reduction on the primary scale.
RESPONSE = Definition("response", "reduction_at_least", 0.5, None, ("cochrane_glutamate",))
#: F1.34: the ketamine SAD trial's LSAS response, >35% reduction.
LSAS_RESPONSE = Definition("response (LSAS)", "reduction_above", 0.35, "LSAS", ("taylor2018",))
#: F1.33: CGI-I "much" or "very much improved". The 1-7 coding (2 = much improved) is not in FACTS.md.
CGI_RESPONSE = Definition("response (CGI-I)", "score_at_most", 2, "CGI-I", ("rickels2003",), verify=True)
#: F1.10 [unconfirmed]: GAD-7 remission as a score below 5 (the minimal band of Spitzer 2006).
GAD7_REMISSION = Definition("remission (GAD-7)", "score_below", 5, "GAD-7", ("spitzer2006",), verify=True)
#: F1.18: HAM-A 7 or less.
HAMA_REMISSION = Definition("remission (HAM-A)", "score_at_most", 7, "HAM-A", ("rickels2003", "kong2020", "matza2010"))
DEFINITIONS = {
    "response": RESPONSE,
    "lsas_response": LSAS_RESPONSE,
    "cgi_response": CGI_RESPONSE,
    "gad7_remission": GAD7_REMISSION,
    "hama_remission": HAMA_REMISSION,
}


def definition(which) -> Definition:
    """A Definition, or one of the names in ``DEFINITIONS`` ("response", "gad7_remission", ...)."""
    if isinstance(which, Definition):
        return which
    return DEFINITIONS[choice(which, "definition", tuple(DEFINITIONS))]


# -- Score tables ----------------------------------------------------------------------------------


def _plain(value):
    """A numpy scalar as the plain Python value, so messages read 8 rather than np.int64(8)."""
    return value.item() if hasattr(value, "item") else value


def _row(table: pd.DataFrame, index) -> str:
    return f"row {index} (patient {_plain(table.at[index, 'patient'])!r}, week {_plain(table.at[index, 'week'])})"


def _numbers(table: pd.DataFrame, column: str, whole: bool) -> pd.Series:
    kind = "a whole number" if whole else "a number"
    if table[column].dtype == bool:
        raise ValueError(f"Column {column!r} holds True/False values: it must hold {kind}s.")
    values = pd.to_numeric(table[column], errors="coerce")
    problems = [
        (values.isna(), "is missing or not a number"),
        (values.abs() == math.inf, "is not finite"),
        (values < 0, "is negative"),
    ]
    if whole:
        problems.append((values % 1 != 0, "is not a whole number"))
    for mask, what in problems:
        if mask.any():
            index = mask.idxmax()
            value = _plain(table.at[index, column])
            found = "" if pd.isna(value) else f" ({value!r})"
            raise ValueError(
                f"{_row(table, index)}: {column} {what}{found}; each {column} must be {kind} of 0 or more."
            )
    return values.astype(int) if whole else values.astype(float)


def check_score_table(table) -> pd.DataFrame:
    """Validate a score table; return a clean copy (``week`` as int, ``score`` as float)."""
    if not isinstance(table, pd.DataFrame):
        raise ValueError(
            f"A score table must be a pandas DataFrame with columns {', '.join(TABLE_COLUMNS)}; "
            f"got {type(table).__name__}."
        )
    missing = [c for c in TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(
            f"The score table has no column {', '.join(map(repr, missing))}. It needs "
            f"{', '.join(TABLE_COLUMNS)}; it has {', '.join(map(str, table.columns))}."
        )
    if table.empty:
        raise ValueError("The score table has no rows.")
    table = table.reset_index(drop=True)
    for column in ("patient", "arm"):
        blank = table[column].isna() | (table[column].astype(str).str.strip() == "")
        if blank.any():
            raise ValueError(f"row {blank.idxmax()}: {column} is missing; every row needs a {column}.")
    clean = table.copy()
    clean["patient"] = clean["patient"].astype(str)
    clean["arm"] = clean["arm"].astype(str)
    clean["week"] = _numbers(table, "week", whole=True)
    clean["score"] = _numbers(table, "score", whole=False)
    twice = clean.duplicated(["patient", "week"])
    if twice.any():
        raise ValueError(
            f"{_row(table, twice.idxmax())}: this patient has two scores for the same week; "
            "keep one row per patient per week."
        )
    arms = clean.groupby("patient")["arm"].nunique()
    if (arms > 1).any():
        pid = arms[arms > 1].index[0]
        raise ValueError(
            f"Patient {pid!r} appears in more than one arm "
            f"({', '.join(sorted(clean.loc[clean.patient == pid, 'arm'].unique()))}); "
            "each patient belongs to one arm."
        )
    if "scale" in clean.columns and clean["scale"].nunique() > 1:
        raise ValueError(
            f"The table mixes scales ({', '.join(map(str, clean['scale'].unique()))}); analyse one scale at a time."
        )
    return clean


def _scores_at(table: pd.DataFrame, week: int, what: str) -> pd.Series:
    at = table[table.week == week].set_index("patient")["score"]
    if at.empty:
        weeks = ", ".join(map(str, sorted(table.week.unique())))
        raise ValueError(f"No scores at week {week} ({what}); the table has weeks {weeks}.")
    absent = sorted(set(table.patient) - set(at.index))
    if absent:
        shown = ", ".join(absent[:5]) + (" ..." if len(absent) > 5 else "")
        raise ValueError(
            f"{len(absent)} patient(s) have no score at week {week} ({what}): {shown}. "
            "Decide how to handle missing visits before counting."
        )
    return at


def classify(table, which, week, baseline_week=0) -> pd.DataFrame:
    """One row per patient: arm, baseline, score at ``week``, and whether the definition is ``met``."""
    rule = definition(which)
    data = check_score_table(table)
    week = whole_number(week, "week", 0)
    baseline_week = whole_number(baseline_week, "baseline week", 0)
    if "scale" in data.columns and rule.scale is not None and data["scale"].iloc[0] != rule.scale:
        raise ValueError(
            f"The {rule.outcome} rule is for the {rule.scale}, but this table holds "
            f"{data['scale'].iloc[0]} scores. Choose a definition for that scale."
        )
    score = _scores_at(data, week, "follow-up")
    baseline = _scores_at(data, baseline_week, "baseline")
    if rule.needs_baseline:
        if week == baseline_week:
            raise ValueError("A change from baseline needs a follow-up week later than the baseline week.")
        if (baseline == 0).any():
            pid = baseline[baseline == 0].index[0]
            raise ValueError(
                f"Patient {pid!r} has a baseline score of 0, so a reduction from baseline is "
                "undefined; leave such patients out or use a score threshold."
            )
    arms = data.drop_duplicates("patient").set_index("patient")["arm"]
    out = pd.DataFrame({"arm": arms, "baseline": baseline, "score": score})
    out["met"] = rule.met(out["score"], out["baseline"]).astype(bool)
    return out.rename_axis("patient").reset_index()


# -- Rates, differences, NNT ---------------------------------------------------------------------


def _z(level) -> float:
    level = number(level, "confidence level", 0.5, 0.999)
    return NormalDist().inv_cdf(0.5 + level / 2)


def wilson_interval(events, n, level=0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``events / n``."""
    n = whole_number(n, "number of patients", 1)
    events = whole_number(events, "number with the outcome", 0, n)
    z = _z(level)
    p = events / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # The interval always contains p; min/max only absorb floating-point error at 0 and n events.
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


@dataclass(frozen=True)
class Rate:
    """A proportion with its Wilson interval."""

    label: str
    events: int
    n: int
    low: float
    high: float

    @property
    def proportion(self) -> float:
        return self.events / self.n

    def __str__(self) -> str:
        return (
            f"{self.label}: {self.events}/{self.n} = {self.proportion:.0%} (95% CI {self.low:.0%} to {self.high:.0%})"
        )


def rate(events, n, label="rate") -> Rate:
    """A proportion with its 95% Wilson interval, e.g. ``rate(43, 100, "placebo")``."""
    low, high = wilson_interval(events, n)
    return Rate(str(label), int(events), int(n), low, high)


def rates(table, which, week, arms=None) -> pd.DataFrame:
    """Per arm: n, events, rate and its 95% Wilson interval, for one definition at one week."""
    rule = definition(which)
    classified = classify(table, rule, week)
    present = list(dict.fromkeys(classified["arm"]))
    order = present if arms is None else [choice(a, "arm", present) for a in arms]
    rows = []
    for arm in order:
        met = classified.loc[classified.arm == arm, "met"]
        r = rate(int(met.sum()), len(met), arm)
        rows.append(
            {
                "arm": arm,
                "n": r.n,
                "events": r.events,
                "rate": r.proportion,
                "low": r.low,
                "high": r.high,
                "outcome": rule.outcome,
                "week": int(week),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class RiskDifference:
    """Treatment minus comparator proportion, with Newcombe's hybrid score interval."""

    treatment: Rate
    comparator: Rate
    low: float
    high: float
    method: str = "Newcombe hybrid score interval (method 10), from Wilson intervals"

    @property
    def value(self) -> float:
        return self.treatment.proportion - self.comparator.proportion

    def __str__(self) -> str:
        return (
            f"{self.treatment.label} minus {self.comparator.label}: {100 * self.value:+.1f} percentage "
            f"points (95% CI {100 * self.low:+.1f} to {100 * self.high:+.1f})"
        )


def risk_difference(treatment: Rate, comparator: Rate) -> RiskDifference:
    """Difference of two proportions with Newcombe's hybrid score (method 10) interval."""
    for what, r in (("treatment", treatment), ("comparator", comparator)):
        if not isinstance(r, Rate):
            raise ValueError(f"The {what} must be a Rate, made with rate(events, n, label).")
    p1, p2 = treatment.proportion, comparator.proportion
    d = p1 - p2
    low = d - math.hypot(p1 - treatment.low, comparator.high - p2)
    high = d + math.hypot(treatment.high - p1, p2 - comparator.low)
    return RiskDifference(treatment, comparator, max(-1.0, low), min(1.0, high))


def _nnt_text(signed: float) -> str:
    if math.isinf(signed):
        return "∞"
    return f"NNT{'B' if signed > 0 else 'H'} {abs(signed):.1f}"


@dataclass(frozen=True)
class NNT:
    """Number needed to treat from a risk difference oriented so that positive means benefit.

    Signed convention: +x is "NNT to benefit x" (NNTB), -x is "NNT to harm x" (NNTH), ∞ is no difference.
    """

    benefit: float
    low: float
    high: float
    method: str

    @property
    def value(self) -> float:
        """Signed NNT: 1 / risk difference (∞ when the difference is 0)."""
        return math.inf if self.benefit == 0 else 1 / self.benefit

    @property
    def direction(self) -> str:
        return "none" if self.benefit == 0 else "benefit" if self.benefit > 0 else "harm"

    @property
    def crosses_no_effect(self) -> bool:
        """True when the interval of the risk difference includes 0 (no difference)."""
        return self.low <= 0 <= self.high

    @property
    def limits(self) -> tuple[float, float]:
        """Signed NNT at the two ends of the risk-difference interval (high end first)."""
        return tuple(math.inf if x == 0 else 1 / x for x in (self.high, self.low))

    def contains(self, signed_nnt) -> bool:
        """Whether a signed NNT lies inside the interval (which passes through ∞ when it crosses 0)."""
        value = float(signed_nnt)
        if math.isnan(value):
            raise ValueError("An NNT to test must be a number (∞ allowed), not NaN.")
        if math.isinf(value):
            return self.crosses_no_effect
        if value == 0:
            return False
        return self.low <= 1 / value <= self.high

    def __str__(self) -> str:
        first, second = self.limits
        if self.crosses_no_effect:
            interval = f"{_nnt_text(first)} to ∞ to {_nnt_text(second)}"
        else:
            interval = f"{_nnt_text(first)} to {_nnt_text(second)}"
        point = "no difference (NNT ∞)" if self.direction == "none" else _nnt_text(self.value)
        return f"{point} (95% CI {interval})"


def number_needed_to_treat(difference: RiskDifference, good_outcome=True) -> NNT:
    """NNT = 1 / risk difference. ``good_outcome``: True for response/remission, False for relapse."""
    if not isinstance(difference, RiskDifference):
        raise ValueError("number_needed_to_treat needs a RiskDifference, made with risk_difference(...).")
    if not isinstance(good_outcome, bool):
        raise ValueError("good_outcome must be True (e.g. response) or False (e.g. relapse).")
    sign = 1 if good_outcome else -1
    low, high = sorted((sign * difference.low, sign * difference.high))
    return NNT(
        sign * difference.value, low, high, difference.method + "; NNT = 1 / difference, interval as Altman 1998"
    )


@dataclass(frozen=True)
class Comparison:
    """Two arms compared on one outcome at one week."""

    outcome: str
    week: int
    treatment: Rate
    comparator: Rate
    difference: RiskDifference
    nnt: NNT


def compare(table, which, week, treatment, comparator) -> Comparison:
    """Rates, risk difference and NNT for ``treatment`` against ``comparator`` (arm names)."""
    rule = definition(which)
    if treatment == comparator:
        raise ValueError("Choose two different arms to compare.")
    per_arm = rates(table, rule, week, [treatment, comparator]).set_index("arm")
    if "study" in table.columns:
        study = table.drop_duplicates("arm").set_index("arm")["study"]
        if study[treatment] != study[comparator]:
            raise ValueError(
                f"{treatment} ({study[treatment]}) and {comparator} ({study[comparator]}) come from "
                "different simulated studies with different patients; compare arms within one study."
            )
    t, c = (rate(per_arm.at[a, "events"], per_arm.at[a, "n"], a) for a in (treatment, comparator))
    difference = risk_difference(t, c)
    return Comparison(rule.outcome, int(week), t, c, difference, number_needed_to_treat(difference))


# -- Icon arrays -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IconCounts:
    """Natural frequencies out of ``out_of`` people (they always add up to ``out_of``)."""

    anyway: int
    extra: int
    fewer: int
    not_improved: int
    out_of: int

    def sentence(self, treatment: str, comparator: str, improve: str = "improve") -> str:
        """The natural-frequency sentence a patient hears."""
        if self.fewer:
            middle = (
                f"{self.anyway} {improve} with either; {self.fewer} more {improve} with {comparator} "
                f"than with {treatment}"
            )
        else:
            middle = (
                f"{self.anyway} {improve} anyway, as with {comparator}; {self.extra} more {improve} with {treatment}"
            )
        return f"Out of {self.out_of} people like those studied, {middle}; {self.not_improved} do not {improve}."


def icon_counts(treatment_rate, comparator_rate, out_of=100) -> IconCounts:
    """Split ``out_of`` people into: improve anyway, extra with treatment (or fewer), do not improve."""
    t = proportion(treatment_rate, "treatment rate")
    c = proportion(comparator_rate, "comparator rate")
    out_of = whole_number(out_of, "number of people in the icon array", 10, 10_000)
    with_t, with_c = round(t * out_of), round(c * out_of)
    both = min(with_t, with_c)
    return IconCounts(
        anyway=both,
        extra=max(0, with_t - with_c),
        fewer=max(0, with_c - with_t),
        not_improved=out_of - max(with_t, with_c),
        out_of=out_of,
    )


# -- Published benchmarks --------------------------------------------------------------------

BENCHMARK_COLUMNS = (
    "id",
    "option",
    "outcome",
    "measure",
    "value",
    "low",
    "high",
    "n",
    "population",
    "duration",
    "weeks",
    "key",
    "fact",
    "evidence_tier",
    "published",
    "note",
)
MEASURES = ("proportion", "Hedges g", "SMD", "mean difference (HAM-A points)", "odds ratio", "median days", "days")


def _benchmark_row(index: int, row: dict) -> dict:
    where = f"outcome_benchmarks.csv row {index} ({row.get('id') or 'no id'})"

    def field(name, check, *args):
        try:
            return check(*args)
        except ValueError as exc:
            raise ValueError(f"{where}, field {name}: {exc}") from None

    def decimal(name):
        try:
            return float(row[name]) if row[name] else math.nan
        except ValueError:
            raise ValueError(f"{where}, field {name}: {row[name]!r} is not a number.") from None

    out = dict(row)
    field("measure", choice, row["measure"], "measure", MEASURES)
    out["value"] = field("value", number, decimal("value"), "value")
    for name in ("low", "high", "weeks"):
        out[name] = field(name, number, decimal(name), name) if row[name] else math.nan
    out["n"] = field("n", whole_number, decimal("n"), "n", 1) if row["n"] else pd.NA
    if row["measure"] == "proportion":
        for name in ("value", "low", "high"):
            if not math.isnan(out[name]):
                field(name, proportion, out[name], name)
    if math.isnan(out["low"]) != math.isnan(out["high"]):
        raise ValueError(f"{where}: give both ends of the interval (low and high) or neither.")
    if not math.isnan(out["low"]) and not out["low"] <= out["value"] <= out["high"]:
        raise ValueError(
            f"{where}: the value {out['value']:g} is outside its interval {out['low']:g} to {out['high']:g}."
        )
    ref = field("key", reference, row["key"])
    if row["evidence_tier"] != ref.evidence_tier:
        raise ValueError(
            f"{where}, field evidence_tier: {row['evidence_tier']!r} differs from the reference "
            f"list's tier for {row['key']} ({ref.evidence_tier!r})."
        )
    if row["published"] != "True":
        raise ValueError(f"{where}, field published: benchmarks are published figures (True).")
    out["published"] = True
    return out


@cache
def _benchmarks(path: Path) -> tuple[dict, ...]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != BENCHMARK_COLUMNS:
            raise ValueError(f"{path.name} must have the columns {', '.join(BENCHMARK_COLUMNS)}.")
        rows = tuple(_benchmark_row(i, row) for i, row in enumerate(reader, start=2))
    ids = [r["id"] for r in rows]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ValueError(f"{path.name}: ids appear more than once: {', '.join(twice)}")
    return rows


def load_benchmarks(path: Path | str = BENCHMARKS_CSV) -> pd.DataFrame:
    """The published benchmark figures (one row per figure, each with its key and evidence tier)."""
    return pd.DataFrame(list(_benchmarks(Path(path))), columns=BENCHMARK_COLUMNS)


def benchmark(row_id: str) -> dict:
    """One benchmark row by id, e.g. ``benchmark("nice_placebo_response")``."""
    rows = {r["id"]: r for r in _benchmarks(BENCHMARKS_CSV)}
    return dict(rows[choice(row_id, "benchmark id", tuple(rows))])


def load_cohort(path: Path | str = COHORT_CSV) -> pd.DataFrame:
    """The simulated GAD-7 cohort (``simulated`` is True on every row): see datasets/DATACARD.md."""
    table = pd.read_csv(path, dtype={"patient": str, "study": str, "arm": str, "scale": str})
    check_score_table(table)
    return table


# -- Relapse and durability curves -------------------------------------------------------------


@dataclass(frozen=True)
class RelapseCurve:
    """Share still well over time under a constant hazard (exponential), fitted to one published figure.

    The published point is real; the shape between and beyond it is an assumption.
    """

    label: str
    hazard_per_week: float
    anchor_week: float
    anchor_well: float
    source: str
    population: str
    evidence_tier: str

    def well_at(self, weeks) -> list[float]:
        """Share still well (relapse-free) at each of ``weeks``."""
        if isinstance(weeks, numbers.Real):
            weeks = [weeks]
        return [math.exp(-self.hazard_per_week * number(w, "week", 0)) for w in weeks]

    @property
    def median_weeks(self) -> float:
        return math.log(2) / self.hazard_per_week


def _curve(label, hazard, anchor_week, anchor_well, source, population) -> RelapseCurve:
    return RelapseCurve(
        str(label), hazard, anchor_week, anchor_well, source, str(population), reference(source).evidence_tier
    )


def curve_from_median(median_weeks, label, source, population) -> RelapseCurve:
    """Exponential curve through a median time to relapse (half still well at ``median_weeks``)."""
    median = number(median_weeks, "median time to relapse (weeks)", 0.01, 520)
    return _curve(label, math.log(2) / median, median, 0.5, source, population)


def curve_from_proportion(relapsed, by_week, label, source, population) -> RelapseCurve:
    """Exponential curve through "``relapsed`` relapsed by ``by_week``"."""
    p = proportion(relapsed, "share relapsed")
    if not 0 < p < 1:
        raise ValueError("The share relapsed must be above 0 and below 1 to fit a curve.")
    weeks = number(by_week, "weeks of follow-up", 0.01, 520)
    return _curve(label, -math.log(1 - p) / weeks, weeks, 1 - p, source, population)


def published_relapse_curves(table: pd.DataFrame | None = None) -> list[RelapseCurve]:
    """A curve for every relapse figure in the benchmark table (relapse shares and median times)."""
    table = load_benchmarks() if table is None else table
    curves = []
    for row in table.to_dict("records"):
        label = f"{row['option']}: {row['population']}"
        if row["outcome"] == "relapse" and row["measure"] == "proportion":
            curves.append(curve_from_proportion(row["value"], row["weeks"], label, row["key"], row["population"]))
        elif row["outcome"] == "time to relapse" and row["measure"] == "median days":
            curves.append(curve_from_median(row["value"] / 7, label, row["key"], row["population"]))
    return curves
