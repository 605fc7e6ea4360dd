"""Dosing frameworks and monitoring (Module 02), as data and small functions.

- **Routes**: bioavailability *ranges* by route, with their sources (``datasets/routes.csv``).
- **Arithmetic with units**: ``dose_mg(mg_per_kg=..., weight_kg=...)``, ``mg_per_kg(...)``,
  ``systemic_exposure_mg(...)``; a value that looks like grams or pounds gets a hint. Worked examples use
  mg/kg or the fixed :data:`REFERENCE_WEIGHT_KG`, never a person's weight.
- **Published regimens**: what studies and labels used (``datasets/published_regimens.csv``), and
  :func:`framework_rows`, each regimen in its own unit (mg/kg or fixed mg) with the share reaching the blood.
- **Schedules**: session dates, their summary, and the two reported practice patterns.
- **Monitoring**: checks on one session's vital signs against the label's numbers (and, marked as
  illustrative, a forum source's triggers); each finding carries its reference key. The label's
  ≥40/≥25 mmHg rise is :data:`LABEL_RISE`: how often trials saw rises of that size, never a trigger.
  CADSS totals at 40 min: :func:`cadss_by_session`.
- **An illustrative concentration curve** by route (one compartment, relative units).

Educational only. Every number comes from the course's evidence sheet with a key that resolves in
``datasets/references.csv``. Nothing here recommends a dose, a schedule or a monitoring protocol for
a person: show :data:`NOT_A_RECOMMENDATION` wherever a result is shown.
"""

from __future__ import annotations

import csv
import math
import numbers
import statistics
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import NamedTuple

import pandas as pd

from .data.references import check_keys
from .data.thresholds import threshold
from .paths import dataset
from .validation import choice, number, whole_number

NOT_A_RECOMMENDATION = (
    "Illustration of published frameworks and arithmetic only: "
    "not a dose, schedule or monitoring recommendation for any person."
)

ROUTES_CSV = dataset("routes.csv")
REGIMENS_CSV = dataset("published_regimens.csv")
SESSION_VITALS_CSV = dataset("session_vitals.csv")


# -- Routes and bioavailability (FACTS §3.2) ------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One route of administration as the sources describe it.

    Bioavailability is a fraction of the IV dose reaching the circulation, as a range; ``None``
    when the sources read do not characterise it (subcutaneous).
    """

    route: str
    label: str
    bioavailability_low: float | None
    bioavailability_high: float | None
    keys: tuple[str, ...]
    facts: tuple[str, ...]
    tmax_min_low: float | None
    tmax_min_typical: float | None
    tmax_min_high: float | None
    onset_tmax: str
    tmax_keys: tuple[str, ...]
    confidence: str
    note: str

    @property
    def bioavailability_known(self) -> bool:
        return self.bioavailability_low is not None

    @property
    def bioavailability_mid(self) -> float | None:
        """The middle of the reported range (used only to draw the illustrative curve)."""
        if not self.bioavailability_known:
            return None
        return (self.bioavailability_low + self.bioavailability_high) / 2


def _optional_number(text: str, what: str, low: float, high: float) -> float | None:
    return None if text == "" else number(float(text), what, low, high)


def _route_from_row(row: dict) -> Route:
    where = f"{ROUTES_CSV.name}, route {row['route']!r}"
    try:
        low = _optional_number(row["bioavailability_low"], "bioavailability_low", 0, 1)
        high = _optional_number(row["bioavailability_high"], "bioavailability_high", 0, 1)
        tmax = [
            _optional_number(row[f"tmax_min_{part}"], f"tmax_min_{part}", 0, 240) for part in ("low", "typical", "high")
        ]
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    if (low is None) != (high is None) or (low is not None and low > high):
        raise ValueError(f"{where}: give both bioavailability ends, low <= high, or leave both blank.")
    if None not in tmax and not tmax[0] <= tmax[1] <= tmax[2]:
        raise ValueError(f"{where}: Tmax must read low <= typical <= high.")
    return Route(
        route=row["route"],
        label=row["label"],
        bioavailability_low=low,
        bioavailability_high=high,
        keys=check_keys(row["keys"], where),
        facts=tuple(row["facts"].split()),
        tmax_min_low=tmax[0],
        tmax_min_typical=tmax[1],
        tmax_min_high=tmax[2],
        onset_tmax=row["onset_tmax"],
        tmax_keys=check_keys(row["tmax_keys"], where),
        confidence=row["confidence"],
        note=row["note"],
    )


@cache
def _routes() -> dict[str, Route]:
    with open(ROUTES_CSV, newline="", encoding="utf-8") as handle:
        return {row["route"]: _route_from_row(row) for row in csv.DictReader(handle)}


def route_ids() -> tuple[str, ...]:
    """The route ids, e.g. ``("iv", "im", "in_racemic", "in_esketamine", "sl", "oral", "sc")``."""
    return tuple(_routes())


def route_info(route: str) -> Route:
    """Everything the course holds on one route, e.g. ``route_info("sl").bioavailability_low``."""
    return _routes()[choice(route, "route", route_ids())]


def routes_table() -> pd.DataFrame:
    """One row per route (keys joined by spaces); blank bioavailability shows as NaN."""
    rows = [
        dict(vars(r), keys=" ".join(r.keys), facts=" ".join(r.facts), tmax_keys=" ".join(r.tmax_keys))
        for r in _routes().values()
    ]
    return pd.DataFrame(rows)


# -- Dose arithmetic with explicit units -----------------------------------------------------

MIN_WEIGHT_KG, MAX_WEIGHT_KG = 30.0, 250.0
#: Guards against typing errors, not limits of safety: they sit outside every weight-based dose in
#: the published table (0.1 mg/kg, fava2020, to 7 mg/kg oral, andrade2019). A value inside them is
#: not thereby a sensible dose for anyone.
MIN_MG_PER_KG, MAX_MG_PER_KG = 0.05, 10.0
MIN_DOSE_MG, MAX_DOSE_MG = MIN_MG_PER_KG * MIN_WEIGHT_KG, MAX_MG_PER_KG * MAX_WEIGHT_KG
LB_PER_KG = 2.20462
#: A fixed reference adult for worked examples (a course convention, as in pharmacology's "70 kg adult"): the
#: course turns mg/kg into mg only at this weight, never at a person's weight.
REFERENCE_WEIGHT_KG = 70.0


def _weight_kg(weight_kg) -> float:
    value = number(weight_kg, "Weight in kg")
    if MIN_WEIGHT_KG <= value <= MAX_WEIGHT_KG:
        return value
    hint = ""
    if MIN_WEIGHT_KG <= value / LB_PER_KG <= MAX_WEIGHT_KG:
        hint = f" {value:g} looks like pounds: {value:g} lb is {value / LB_PER_KG:.1f} kg."
    elif MIN_WEIGHT_KG <= value / 1000 <= MAX_WEIGHT_KG:
        hint = f" {value:g} looks like grams: {value:g} g is {value / 1000:g} kg."
    raise ValueError(f"Weight must be between {MIN_WEIGHT_KG:g} and {MAX_WEIGHT_KG:g} kg, not {value:g}.{hint}")


def _mg_per_kg(value, what="mg/kg") -> float:
    value = number(value, what)
    if MIN_MG_PER_KG <= value <= MAX_MG_PER_KG:
        return value
    if value > MAX_MG_PER_KG:
        hint = (
            " That looks like a dose in mg, not mg/kg: divide the dose by the weight "
            "(mg_per_kg(dose_mg=..., weight_kg=...))."
        )
    elif value > 0 and MIN_MG_PER_KG <= value * 1000 <= MAX_MG_PER_KG:
        hint = f" {value:g} looks like g/kg: {value:g} g/kg is {value * 1000:g} mg/kg."
    else:
        hint = ""
    raise ValueError(
        f"{what} must be between {MIN_MG_PER_KG:g} and {MAX_MG_PER_KG:g} (a check for typing "
        f"errors), not {value:g}.{hint}"
    )


def _dose_mg(value) -> float:
    value = number(value, "Dose in mg")
    if MIN_DOSE_MG <= value <= MAX_DOSE_MG:
        return value
    if value > 0 and MIN_DOSE_MG <= value * 1000 <= MAX_DOSE_MG:
        hint = f" {value:g} looks like grams: {value:g} g is {value * 1000:g} mg."
    elif MIN_DOSE_MG <= value / 1000 <= MAX_DOSE_MG:
        hint = f" {value:g} looks like micrograms: {value:g} µg is {value / 1000:g} mg."
    else:
        hint = ""
    raise ValueError(
        f"Dose must be between {MIN_DOSE_MG:g} and {MAX_DOSE_MG:g} mg (a check for typing errors), not {value:g}.{hint}"
    )


def dose_mg(mg_per_kg, weight_kg) -> float:
    """Dose in mg for a weight-based dose: ``dose_mg(mg_per_kg=0.5, weight_kg=70)`` → 35.0.

    Arithmetic on published frameworks, not a recommendation (see NOT_A_RECOMMENDATION)."""
    return _mg_per_kg(mg_per_kg) * _weight_kg(weight_kg)


def mg_per_kg(dose_mg, weight_kg) -> float:
    """Weight-based dose for a dose in mg: ``mg_per_kg(dose_mg=35, weight_kg=70)`` → 0.5."""
    dose, weight = _dose_mg(dose_mg), _weight_kg(weight_kg)
    result = dose / weight
    # The tolerance lets a dose made by dose_mg() at a bound come back despite floating-point rounding.
    if not MIN_MG_PER_KG * (1 - 1e-12) <= result <= MAX_MG_PER_KG * (1 + 1e-12):
        raise ValueError(
            f"{dose:g} mg for {weight:g} kg is {result:.3g} mg/kg, outside {MIN_MG_PER_KG:g} to "
            f"{MAX_MG_PER_KG:g} mg/kg: check that the dose is in mg and the weight in kg."
        )
    return result


class Exposure(NamedTuple):
    """The share of a dose reaching the circulation, as a range in mg (``None`` when unknown)."""

    route: str
    dose_mg: float
    low_mg: float | None
    high_mg: float | None
    keys: tuple[str, ...]
    note: str


def systemic_exposure_mg(dose_mg, route) -> Exposure:
    """Dose × bioavailability range: ``systemic_exposure_mg(100, "sl")`` → 24 to 32 mg.

    For subcutaneous dosing the sources give no bioavailability, so the range is ``None``."""
    dose, info = _dose_mg(dose_mg), route_info(route)
    if not info.bioavailability_known:
        return Exposure(
            info.route,
            dose,
            None,
            None,
            info.keys,
            f"{info.label}: bioavailability is not well characterised in the sources, "
            "so the share reaching the circulation is unknown.",
        )
    low, high = info.bioavailability_low, info.bioavailability_high
    share = f"{low:.0%}" if low == high else f"{low:.0%} to {high:.0%}"
    return Exposure(
        info.route,
        dose,
        dose * low,
        dose * high,
        info.keys,
        f"{info.label}: bioavailability {share} ({info.confidence}).",
    )


# -- Published regimens (FACTS §2, §3.3) -----------------------------------------------------

DOSE_UNITS = ("mg/kg", "mg")


def _check_regimen(position: int, row: dict) -> None:
    where = f"{REGIMENS_CSV.name}, row {position} ({row['study']})"
    check_keys(row["key"], where)
    choice(row["route"], f"{where}: route", route_ids())
    choice(row["dose_unit"], f"{where}: dose_unit", DOSE_UNITS)
    if not 0 < row["dose_low"] <= row["dose_high"]:
        raise ValueError(f"{where}: doses must read 0 < dose_low <= dose_high.")


@cache
def _regimens() -> pd.DataFrame:
    table = pd.read_csv(
        REGIMENS_CSV, dtype={"n": "Int64", "population_is_anxiety": bool}, keep_default_na=False, na_values={"n": [""]}
    )
    for position, row in enumerate(table.to_dict("records"), start=1):
        _check_regimen(position, row)
    return table


def published_regimens() -> pd.DataFrame:
    """Doses and schedules that studies, a label and practitioner documents used (a fresh copy).

    Columns: study, key, population, n, route, dose_low, dose_high, dose_unit, schedule,
    evidence_tier, population_is_anxiety, facts, note. Most rows are not anxiety populations."""
    return _regimens().copy()


def _span(low: float, high: float, unit: str) -> str:
    return f"{low:.3g} {unit}" if round(low, 3) == round(high, 3) else f"{low:.3g}–{high:.3g} {unit}"


@dataclass(frozen=True)
class FrameworkRow:
    """One published regimen by one route, in its own unit, with the share of it that reaches the blood."""

    study: str
    key: str
    population: str
    population_is_anxiety: bool
    used: str  # as published: "0.5 mg/kg" or "100–400 mg (fixed)"
    reaches: str  # in the same unit: "about 0.12–0.16 mg/kg", or why it is unknown


def framework_rows(route) -> list[FrameworkRow]:
    """What published sources used by ``route``, each in its own unit, with the range reaching the blood
    (low dose × low bioavailability to high dose × high bioavailability).

    No weight enters: a weight-based dose stays in mg/kg and a fixed dose in mg, so nothing here reads as
    a dose for a person. Arithmetic on published frameworks, not a recommendation."""
    info = route_info(route)
    table = _regimens()
    rows = []
    for r in table[table["route"] == info.route].to_dict("records"):
        unit = r["dose_unit"]
        used = _span(r["dose_low"], r["dose_high"], unit) + (" (fixed)" if unit == "mg" else "")
        reaches = (
            "bioavailability not well characterised"
            if not info.bioavailability_known
            else "about "
            + _span(r["dose_low"] * info.bioavailability_low, r["dose_high"] * info.bioavailability_high, unit)
        )
        rows.append(
            FrameworkRow(r["study"], r["key"], str(r["population"]), bool(r["population_is_anxiety"]), used, reaches)
        )
    return rows


# -- Schedules -------------------------------------------------------------------------------

#: A course at most this long (first to last session, counting both days) can be "intensive".
SHORT_COURSE_DAYS = 21
PER_WEEK_CHOICES = {"intensive": (2, 3, 4, 5), "spaced": (0.5, 1, 2)}
PATTERN_CAVEAT = (
    "Reported practice patterns, not trial-validated schedules: there is no standard protocol "
    "for the number of KAP treatments [psychtimes_kap]."
)


class SchedulePattern(NamedTuple):
    name: str
    rule: str
    reported: str
    keys: tuple[str, ...]


SCHEDULE_PATTERNS = {
    "intensive": SchedulePattern(
        "intensive",
        f"2 or more sessions a week, within {SHORT_COURSE_DAYS} days",
        "a common off-label IV series of 2–3 infusions a week to a total of 6 [psychtimes_kap]; "
        "a popular-press description of 3–5 sessions a week over 1–2 weeks (citation to verify)",
        ("psychtimes_kap",),
    ),
    "spaced": SchedulePattern(
        "spaced",
        f"sessions every 3 to 14 days over more than {SHORT_COURSE_DAYS} days",
        "1 mg/kg SC once or twice weekly for 3 months in an uncontrolled maintenance study [glue2018]; "
        "esketamine weekly or every 2 weeks from week 9 on the depression label [spravato_label]",
        ("glue2018", "spravato_label"),
    ),
}


def _check_dates(dates) -> list[date]:
    if isinstance(dates, (str, bytes, date)) or not hasattr(dates, "__iter__"):
        raise ValueError(f"Give the session dates as a list of dates, not {type(dates).__name__}.")
    dates = list(dates)
    if not dates:
        raise ValueError("The list of session dates is empty: give at least one date.")
    for i, day in enumerate(dates, start=1):
        if isinstance(day, datetime) or not isinstance(day, date):
            raise ValueError(
                f"Session {i} is {day!r} ({type(day).__name__}), not a date: write dates as "
                "datetime.date(2025, 1, 6) (a date without a time of day)."
            )
        if i > 1 and day == dates[i - 2]:
            raise ValueError(
                f"Session {i} ({day}) repeats the date of session {i - 1}: each session needs its own date."
            )
        if i > 1 and day < dates[i - 2]:
            raise ValueError(
                f"Session {i} ({day}) comes before session {i - 1} ({dates[i - 2]}): list the "
                "dates in order, e.g. sorted(dates)."
            )
    return dates


@dataclass(frozen=True)
class ScheduleSummary:
    """Counts for a list of session dates (the gap and rate fields are None for a single session)."""

    sessions: int
    first: date
    last: date
    course_length_days: int  # first to last session, counting both days
    sessions_per_week: float | None  # average rate: 7 divided by the mean gap in days
    busiest_week: int  # most sessions within any 7 consecutive days
    longest_gap_days: int | None
    median_gap_days: float | None


def schedule_summary(dates) -> ScheduleSummary:
    """Sessions per week, longest gap and course length for sorted, distinct ``datetime.date`` values."""
    dates = _check_dates(dates)
    offsets = [(day - dates[0]).days for day in dates]
    gaps = [b - a for a, b in zip(offsets, offsets[1:])]
    return ScheduleSummary(
        sessions=len(dates),
        first=dates[0],
        last=dates[-1],
        course_length_days=offsets[-1] + 1,
        sessions_per_week=7 * len(gaps) / offsets[-1] if gaps else None,
        busiest_week=max(sum(start <= o < start + 7 for o in offsets) for start in offsets),
        longest_gap_days=max(gaps) if gaps else None,
        median_gap_days=float(statistics.median(gaps)) if gaps else None,
    )


class ScheduleClass(NamedTuple):
    pattern: str  # "intensive", "spaced" or "other"
    reason: str
    keys: tuple[str, ...]


def classify_schedule(dates) -> ScheduleClass:
    """Which reported practice pattern a list of session dates follows, with the reason.

    The patterns are reported practice, not trial-validated schedules (see PATTERN_CAVEAT)."""
    s = schedule_summary(dates)
    if s.sessions == 1:
        return ScheduleClass("other", "A single session is not a course.", ("psychtimes_kap",))
    short = s.course_length_days <= SHORT_COURSE_DAYS
    if short and s.sessions_per_week >= 2:
        name = "intensive"
    elif not short and 3 <= s.median_gap_days <= 14:
        name = "spaced"
    else:
        name = "other"
    facts = (
        f"{s.sessions} sessions over {s.course_length_days} days, {s.sessions_per_week:.3g} a week, "
        f"median gap {s.median_gap_days:g} days"
    )
    if name == "other":
        return ScheduleClass(
            "other",
            f"{facts}: neither {SCHEDULE_PATTERNS['intensive'].rule}, nor {SCHEDULE_PATTERNS['spaced'].rule}.",
            ("psychtimes_kap",),
        )
    return ScheduleClass(name, f"{facts}: {SCHEDULE_PATTERNS[name].rule}.", SCHEDULE_PATTERNS[name].keys)


def _offsets(sessions: int, per_week: float) -> list[int]:
    """Day offsets of ``sessions`` sessions at ``per_week`` a week (e.g. 3 a week: days 0, 2, 4, 7...)."""
    if per_week < 1:
        return [i * round(7 / per_week) for i in range(sessions)]
    k = int(per_week)
    return [7 * (i // k) + (7 * (i % k)) // k for i in range(sessions)]


def _is_short(sessions: int, per_week: float) -> bool:
    return _offsets(sessions, per_week)[-1] + 1 <= SHORT_COURSE_DAYS


def make_schedule(start, pattern, sessions, per_week=None) -> list[date]:
    """Session dates for an example course: ``make_schedule(date(2025, 1, 6), "intensive", 6)``.

    ``per_week``: intensive 2, 3 (default), 4 or 5; spaced 2, 1 (default, weekly) or 0.5 (every 2 weeks).
    An intensive course must fit within 21 days; a spaced one must run longer."""
    if isinstance(start, datetime) or not isinstance(start, date):
        raise ValueError(f"start must be a date such as datetime.date(2025, 1, 6), not {start!r}.")
    choice(pattern, "pattern", tuple(SCHEDULE_PATTERNS))
    what = f"sessions per week for a {pattern} course"
    per_week = {"intensive": 3, "spaced": 1}[pattern] if per_week is None else number(per_week, what)
    choice(per_week, what, PER_WEEK_CHOICES[pattern])
    n = whole_number(sessions, "number of sessions", 2, 60)
    intensive = pattern == "intensive"
    if _is_short(n, per_week) != intensive:
        fitting = [m for m in range(2, 61) if _is_short(m, per_week) == intensive]
        limit = f"at most {max(fitting)}" if intensive else f"at least {min(fitting)}"
        within = "fits within" if intensive else "runs longer than"
        raise ValueError(
            f"{'An' if intensive else 'A'} {pattern} course {within} {SHORT_COURSE_DAYS} days: "
            f"at {per_week:g} a week that is {limit} sessions, not {n}."
        )
    return [date.fromordinal(start.toordinal() + offset) for offset in _offsets(n, per_week)]


# -- Monitoring a session's vital signs (FACTS §4.1, §4.4, §4.5) ---------------------------


class Threshold(NamedTuple):
    value: float
    unit: str
    key: str
    note: str


def _threshold(name: str, field: str, unit: str, note: str) -> Threshold:
    entry = threshold(name)
    return Threshold(entry[field], unit, entry.sources[0], note)


FORUM_NOTE = "Illustrative only (a forum source, not a protocol)"
#: The numbers the checks below compare readings with, read from datasets/thresholds.yaml (defined there once):
#: the label's pre-dose "consider delaying" and its observation minimum, its peak time, and (illustrative only)
#: a forum's as-needed treatment triggers. The label's rise sizes are not here: see LABEL_RISE.
THRESHOLDS = {
    "pre_dose_sbp": _threshold("bp_consider_delay", "sbp", "mmHg", "consider delaying if BP >140/90 before dosing"),
    "pre_dose_dbp": _threshold("bp_consider_delay", "dbp", "mmHg", "consider delaying if BP >140/90 before dosing"),
    "label_peak": _threshold("bp_peak", "minutes", "min after dosing", "BP rises peak ~40 min, last ~4 h"),
    "observation": _threshold("observation", "minutes", "min after dosing", "REMS: monitor at least 2 h"),
    "forum_sbp_twice": _threshold("forum_prn_triggers", "sbp_twice", "mmHg", FORUM_NOTE),
    "forum_dbp_twice": _threshold("forum_prn_triggers", "dbp_twice", "mmHg", FORUM_NOTE),
    "forum_sbp_once": _threshold("forum_prn_triggers", "sbp_once", "mmHg", FORUM_NOTE),
    "forum_dbp_once": _threshold("forum_prn_triggers", "dbp_once", "mmHg", FORUM_NOTE),
    "forum_hr": _threshold("forum_prn_triggers", "hr", "bpm", FORUM_NOTE),
}


class LabelRise(NamedTuple):
    """The size of rise the esketamine label's trials counted, and how often they saw it: a frequency, not a
    trigger for action (F4.5). A reading can be described as a rise of this size; what to do is a clinical
    decision for the prescriber under the site's protocol."""

    sbp: float  # mmHg above pre-dose
    dbp: float
    hours: float  # within this many hours of a dose
    treated: str  # share of treated patients with such a rise at least once in the first 4 weeks
    placebo: str
    key: str
    says: str


def _label_rise() -> LabelRise:
    entry = threshold("label_rise_frequency")
    return LabelRise(
        entry["sbp_rise"],
        entry["dbp_rise"],
        entry["hours"],
        f"{entry['treated_low_pct']:g}–{entry['treated_high_pct']:g}%",
        f"{entry['placebo_low_pct']:g}–{entry['placebo_high_pct']:g}%",
        entry.sources[0],
        entry.says,
    )


LABEL_RISE = _label_rise()
#: "Sustained" heart rate, for the forum trigger: this many readings in a row (a course convention).
SUSTAINED_READINGS = int(threshold("sustained_readings")["readings"])
VITAL_COLUMNS = {
    "minute": ("minutes from dose", -60, 480),
    "sbp": ("systolic BP (mmHg)", 60, 260),
    "dbp": ("diastolic BP (mmHg)", 30, 160),
    "hr": ("heart rate (bpm)", 30, 220),
    "cadss": ("CADSS total (0-92)", 0, 92),
}
REQUIRED_VITALS = ("minute", "sbp", "dbp", "hr")


@dataclass(frozen=True)
class Finding:
    """Something a monitoring check found, at ``minute`` after dosing, with its source key."""

    minute: float
    kind: str
    message: str
    key: str


def check_vitals(vitals) -> pd.DataFrame:
    """Validate one session's readings; return them as floats (cadss may be blank).

    ``vitals`` is a DataFrame with columns minute, sbp, dbp, hr and optionally cadss: one row per
    reading, minutes from the dose (pre-dose readings at 0 or below), sorted, no repeats."""
    if not isinstance(vitals, pd.DataFrame):
        raise ValueError(
            f"Give the readings as a pandas DataFrame with columns {', '.join(REQUIRED_VITALS)}, "
            f"not {type(vitals).__name__}."
        )
    missing = [c for c in REQUIRED_VITALS if c not in vitals.columns]
    if missing:
        raise ValueError(
            f"The readings need the column(s) {', '.join(missing)}; they have {', '.join(map(str, vitals.columns))}."
        )
    for column in ("patient_id", "session"):
        if column in vitals.columns and vitals[column].nunique() > 1:
            raise ValueError(
                f"These readings mix several values of {column}: check one session at a time, "
                "e.g. with session_vitals(patient_id, session)."
            )
    if vitals.empty:
        raise ValueError("There are no readings.")
    columns = [c for c in VITAL_COLUMNS if c in vitals.columns]
    clean = {c: [] for c in columns}
    for label, row in vitals[columns].iterrows():
        minute = row["minute"]
        where = f"Row {label}" + (
            f" (minute {minute:g})" if isinstance(minute, numbers.Real) and math.isfinite(minute) else ""
        )
        for column in columns:
            what, low, high = VITAL_COLUMNS[column]
            value = row[column]
            if column == "cadss" and pd.isna(value):
                clean[column].append(math.nan)
                continue
            try:
                clean[column].append(number(value, what, low, high))
            except ValueError as exc:
                raise ValueError(f"{where}: {exc}") from None
        if clean["dbp"][-1] >= clean["sbp"][-1]:
            raise ValueError(
                f"{where}: diastolic {clean['dbp'][-1]:g} is not below systolic {clean['sbp'][-1]:g}; "
                "are the two columns swapped?"
            )
        if len(clean["minute"]) > 1 and clean["minute"][-1] <= clean["minute"][-2]:
            raise ValueError(
                f"{where}: minute {clean['minute'][-1]:g} does not come after the previous reading's "
                f"minute {clean['minute'][-2]:g}: sort by minute and remove repeated times."
            )
    table = pd.DataFrame(clean)
    if not (table["minute"] <= 0).any() or not (table["minute"] > 0).any():
        raise ValueError(
            "The readings need a pre-dose reading (minute 0 or below) and at least one after the dose (minute above 0)."
        )
    return table


def _pre_and_post(vitals):
    table = check_vitals(vitals)
    return table[table["minute"] <= 0].iloc[-1], table[table["minute"] > 0]


def rise_from_pre_dose(vitals) -> pd.DataFrame:
    """Post-dose readings with sbp_rise and dbp_rise above the last pre-dose reading (mmHg)."""
    pre, post = _pre_and_post(vitals)
    return post.assign(sbp_rise=post["sbp"] - pre["sbp"], dbp_rise=post["dbp"] - pre["dbp"])


def check_pre_dose(vitals) -> list[Finding]:
    """The last pre-dose BP above 140/90 mmHg: the esketamine label says consider delaying (F4.6)."""
    pre, _ = _pre_and_post(vitals)
    sbp, dbp = THRESHOLDS["pre_dose_sbp"], THRESHOLDS["pre_dose_dbp"]
    if pre["sbp"] > sbp.value or pre["dbp"] > dbp.value:
        return [
            Finding(
                float(pre["minute"]),
                "pre_dose_bp",
                f"Pre-dose BP {pre['sbp']:g}/{pre['dbp']:g} mmHg is above {sbp.value:g}/{dbp.value:g}: "
                "the esketamine label says to consider delaying treatment.",
                sbp.key,
            )
        ]
    return []


def _label_sized(rises: pd.DataFrame) -> pd.Series:
    return (rises["sbp_rise"] >= LABEL_RISE.sbp) | (rises["dbp_rise"] >= LABEL_RISE.dbp)


def check_label_sized_rise(vitals) -> list[Finding]:
    """The first post-dose reading with a rise as large as those the esketamine label counted (≥40 mmHg
    systolic or ≥25 diastolic above pre-dose, F4.5): described with how often the label's trials saw one,
    never as a trigger for action."""
    rises = rise_from_pre_dose(vitals)
    sized = rises[_label_sized(rises)]
    if sized.empty:
        return []
    first = sized.iloc[0]
    return [
        Finding(
            float(first["minute"]),
            "label_sized_rise",
            f"At {first['minute']:g} min BP is {first['sbp_rise']:+g}/{first['dbp_rise']:+g} mmHg from "
            f"pre-dose: a rise as large as those the esketamine label counted ({LABEL_RISE.sbp:g} systolic "
            f"and/or {LABEL_RISE.dbp:g} diastolic or more). {LABEL_RISE.says} What to do is a clinical "
            "decision for the prescriber under the site's protocol.",
            LABEL_RISE.key,
        )
    ]


def check_peak(vitals) -> list[Finding]:
    """When systolic BP peaked after the dose, against the label's ~40 min (F4.5). Always one finding."""
    rises = rise_from_pre_dose(vitals)
    peak = rises.loc[rises["sbp"].idxmax()]
    label = THRESHOLDS["label_peak"]
    return [
        Finding(
            float(peak["minute"]),
            "bp_peak",
            f"Systolic BP peaked at {peak['minute']:g} min, {peak['sbp_rise']:+g} mmHg from pre-dose "
            f"(the esketamine label describes rises peaking about {label.value:g} min after dosing).",
            label.key,
        )
    ]


def check_observation(vitals) -> list[Finding]:
    """Readings that stop before 2 h (REMS, F4.23), or end with BP still raised by as much as the rises the
    label counted (not settling: the REMS asks for a check of clinical stability before leaving)."""
    rises = rise_from_pre_dose(vitals)
    last = rises.iloc[-1]
    observation, peak = THRESHOLDS["observation"], threshold("bp_peak")
    findings = []
    if last["minute"] < observation.value:
        findings.append(
            Finding(
                float(last["minute"]),
                "observation_short",
                f"Readings stop at {last['minute']:g} min: the esketamine REMS requires monitoring for "
                f"at least {observation.value:g} min after each dose, then a check of clinical "
                "stability before leaving.",
                observation.key,
            )
        )
    if _label_sized(rises.tail(1)).iloc[0]:
        findings.append(
            Finding(
                float(last["minute"]),
                "bp_not_settled",
                f"At the last reading ({last['minute']:g} min) BP is still {last['sbp_rise']:+g}/"
                f"{last['dbp_rise']:+g} mmHg from pre-dose, as large a rise as those the label "
                "counted: not yet settling. The label says rises last about "
                f"{peak['lasts_hours']:g} hours, and the REMS asks for an assessment of clinical "
                "stability before the patient leaves.",
                LABEL_RISE.key,
            )
        )
    return findings


def check_forum_triggers(vitals) -> list[Finding]:
    """A forum source's PRN triggers (F4.8), illustrative only: BP >180/110 on two readings or
    >200/120 once, or heart rate >120 on SUSTAINED_READINGS post-dose readings in a row."""
    _, post = _pre_and_post(vitals)
    t = THRESHOLDS
    findings = []
    twice = post[(post["sbp"] > t["forum_sbp_twice"].value) | (post["dbp"] > t["forum_dbp_twice"].value)]
    if len(twice) >= 2:
        findings.append(
            Finding(
                float(twice.iloc[1]["minute"]),
                "forum_bp_twice",
                f"{FORUM_NOTE}: BP above {t['forum_sbp_twice'].value:g}/{t['forum_dbp_twice'].value:g} "
                f"on two readings ({twice.iloc[0]['minute']:g} and {twice.iloc[1]['minute']:g} min).",
                "esketamine_forum",
            )
        )
    once = post[(post["sbp"] > t["forum_sbp_once"].value) | (post["dbp"] > t["forum_dbp_once"].value)]
    if not once.empty:
        findings.append(
            Finding(
                float(once.iloc[0]["minute"]),
                "forum_bp_once",
                f"{FORUM_NOTE}: BP {once.iloc[0]['sbp']:g}/{once.iloc[0]['dbp']:g} is above "
                f"{t['forum_sbp_once'].value:g}/{t['forum_dbp_once'].value:g}.",
                "esketamine_forum",
            )
        )
    fast = (post["hr"] > t["forum_hr"].value).tolist()
    for i in range(len(fast) - SUSTAINED_READINGS + 1):
        if all(fast[i : i + SUSTAINED_READINGS]):
            minute = float(post.iloc[i + SUSTAINED_READINGS - 1]["minute"])
            findings.append(
                Finding(
                    minute,
                    "forum_hr_sustained",
                    f"{FORUM_NOTE}: heart rate above {t['forum_hr'].value:g} bpm on "
                    f"{SUSTAINED_READINGS} readings in a row (to {minute:g} min).",
                    "esketamine_forum",
                )
            )
            break
    return findings


def monitoring_findings(vitals) -> list[Finding]:
    """Every check above on one session's readings, in time order."""
    findings = [
        f
        for check in (check_pre_dose, check_label_sized_rise, check_peak, check_observation, check_forum_triggers)
        for f in check(vitals)
    ]
    return sorted(findings, key=lambda f: f.minute)


@cache
def _session_vitals() -> pd.DataFrame:
    return pd.read_csv(SESSION_VITALS_CSV, dtype={"cadss": "Int64"})


def load_session_vitals() -> pd.DataFrame:
    """The synthetic session readings (``datasets/session_vitals.csv``; invented, see the data card)."""
    return _session_vitals().copy()


def cadss_by_session() -> pd.DataFrame:
    """One row per synthetic session: patient_id, session, route and the CADSS total at 40 min (0-92).

    The CADSS measures present-state dissociation; it has no severity bands and no action threshold
    [bremner_manual2014], so this is a record to read, not a check."""
    table = _session_vitals()
    rated = table[table["cadss"].notna()]
    return rated[["patient_id", "session", "route", "minute", "cadss"]].reset_index(drop=True)


def session_vitals(patient_id, session) -> pd.DataFrame:
    """One synthetic session's readings, e.g. ``session_vitals("P11", 2)``."""
    table = _session_vitals()
    pid = choice(patient_id, "patient id", tuple(table["patient_id"].unique()))
    sessions = tuple(int(s) for s in table.loc[table["patient_id"] == pid, "session"].unique())
    n = choice(whole_number(session, "session number"), f"session number for {pid}", sessions)
    return table[(table["patient_id"] == pid) & (table["session"] == n)].reset_index(drop=True)


# -- Illustrative concentration curve (FACTS §3.2) -------------------------------------------

HALF_LIFE_MINUTES = (120, 180)  # β ≈120 min [yanagihara2003]; "2–3 hours" [al_shirawi2017] (F3.8)
IV_INFUSION_MINUTES = 40  # 0.5 mg/kg over 40 min [taylor2018] (F2.11, F3.10)
CURVE_CAPTION = (
    "Illustrative one-compartment model in relative units (1 = the peak of an IV bolus of the same "
    "dose), not a prediction of any person's blood levels. " + NOT_A_RECOMMENDATION
)


class Parameter(NamedTuple):
    """A curve parameter: its value, unit, source keys (empty when illustrative) and a note."""

    value: object
    unit: str
    keys: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class ConcentrationCurve:
    route: str
    label: str
    minutes: list[float]
    low: list[float]  # relative concentration at the low end of the bioavailability range
    mid: list[float]
    high: list[float]
    peak_minute: float
    parameters: dict[str, Parameter]
    caption: str = CURVE_CAPTION


def curve_routes() -> tuple[str, ...]:
    """Routes the sources give enough for a curve: a bioavailability range and a time to peak."""
    return tuple(
        r.route
        for r in _routes().values()
        if r.bioavailability_known and (r.route == "iv" or r.tmax_min_typical is not None)
    )


def _absorption_rate(tmax: float, ke: float) -> float:
    """First-order absorption rate (per min) that puts the peak at ``tmax`` (bisection on a log scale)."""
    low, high = ke * (1 + 1e-9), 100.0
    for _ in range(200):
        mid = math.sqrt(low * high)
        peak = math.log(mid / ke) / (mid - ke)
        low, high = (mid, high) if peak > tmax else (low, mid)
    return math.sqrt(low * high)


def _unit_curve(route: Route, times: list[float], ke: float, infusion: float) -> tuple[list[float], float]:
    """Concentration of a fully absorbed dose, relative to an IV bolus peak, and its peak time."""
    if route.route == "iv" and infusion == 0:
        return [math.exp(-ke * t) for t in times], 0.0
    if route.route == "iv":

        def during(t):  # a constant-rate infusion that has run for t minutes
            return (1 - math.exp(-ke * t)) / (ke * infusion)

        return [
            during(t) if t <= infusion else during(infusion) * math.exp(-ke * (t - infusion)) for t in times
        ], infusion
    ka = _absorption_rate(route.tmax_min_typical, ke)
    return [ka / (ka - ke) * (math.exp(-ke * t) - math.exp(-ka * t)) for t in times], route.tmax_min_typical


def concentration_curve(
    route, half_life_minutes=120, infusion_minutes=IV_INFUSION_MINUTES, until_minutes=360, step_minutes=5
) -> ConcentrationCurve:
    """An illustrative curve for one dose by ``route``, scaled by the ends and middle of its
    bioavailability range. ``infusion_minutes`` applies to IV only (0 = bolus)."""
    info = route_info(route)
    if info.route not in curve_routes():
        missing = "bioavailability" if not info.bioavailability_known else "time to peak"
        raise ValueError(
            f"{info.label}: the sources read give no {missing}, so the course draws no curve "
            f"rather than invent one. Routes with a curve: {', '.join(curve_routes())}."
        )
    half_life = number(half_life_minutes, "half-life in minutes", *HALF_LIFE_MINUTES)
    infusion = number(infusion_minutes, "infusion length in minutes", 0, 120)
    until = whole_number(until_minutes, "curve length in minutes", 60, 720)
    step = whole_number(step_minutes, "step in minutes", 1, 30)
    ke = math.log(2) / half_life
    times = [float(t) for t in range(0, until + 1, step)]
    unit, peak = _unit_curve(info, times, ke, infusion)
    ends = {"low": info.bioavailability_low, "mid": info.bioavailability_mid, "high": info.bioavailability_high}
    scaled = {end: [f * c for c in unit] for end, f in ends.items()}
    parameters = {
        "model": Parameter(
            "one compartment, first-order absorption and elimination",
            "",
            (),
            "illustrative: ketamine's real kinetics have more compartments and a metabolite",
        ),
        "scale": Parameter(
            1.0,
            "relative",
            (),
            "illustrative: no volume of distribution; 1 is the peak of an IV bolus of the same dose",
        ),
        "half_life": Parameter(
            half_life, "min", ("yanagihara2003", "al_shirawi2017"), "β half-life ≈120 min; '2–3 hours'"
        ),
        "bioavailability": Parameter(
            tuple(ends.values()),
            "fraction (low, mid, high)",
            info.keys,
            info.confidence
            if info.bioavailability_low == info.bioavailability_high
            else f"{info.confidence}; the middle of the range is illustrative",
        ),
    }
    if info.route == "iv":
        sourced = infusion == IV_INFUSION_MINUTES
        parameters["infusion"] = Parameter(
            infusion,
            "min",
            ("taylor2018",) if sourced else (),
            "0.5 mg/kg over 40 min" if sourced else f"illustrative: the trials infused over {IV_INFUSION_MINUTES} min",
        )
    else:
        parameters["tmax"] = Parameter(info.tmax_min_typical, "min", info.tmax_keys, info.onset_tmax)
    if info.route == "in_esketamine":
        parameters["esketamine_half_life"] = Parameter(
            "7–12 h terminal",
            "",
            ("spravato_label",),
            "not modelled: the curve uses racemic ketamine's half-life (label via aggregator)",
        )
    return ConcentrationCurve(
        info.route, info.label, times, scaled["low"], scaled["mid"], scaled["high"], peak, parameters
    )
