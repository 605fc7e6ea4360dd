"""Integration planning: the modality catalogue, profile matching, timing claims and plan rules.

The catalogue (``datasets/modalities.csv``) lists each psychotherapy a KAP programme may pair with
dosing, with the strength of its evidence in anxiety (FACTS.md §5.1, §6). Matching maps a synthetic
patient's profile cues to modalities, ranked by that evidence. The plan rules check a sequence of
evaluation, preparation, dosing, integration, review and follow-up sessions; they are course
conventions for teaching, since KAP has no standard protocol for the number of treatments
[psychtimes_kap]. A plan is contingent on evaluation: the screen's "proceed" clears a patient for a
full evaluation with informed consent only, so a plan opens with that evaluation and its baseline
measures, repeats the same outcome scales at set points, and has a review point (a stopping rule).

Nothing here recommends a treatment for a person: see ``NOT_A_PRESCRIPTION``.
"""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .data.patients import DIAGNOSES, PROFILES, get_patient
from .data.references import check_citations, check_keys
from .data.thresholds import threshold
from .paths import dataset
from .scales import SCALES
from .screening import triage
from .validation import choice, whole_number

MODALITIES_CSV = dataset("modalities.csv")

#: Shown wherever suggestions or plans are shown.
NOT_A_PRESCRIPTION = (
    "Teaching material, not a prescription: these suggestions show how profile cues map onto "
    "modalities and how strong each modality's evidence is. They do not recommend a treatment for "
    "any person; a real plan comes from a clinician's full assessment and the patient's choice."
)

#: What a modality can target; a patient's profile cues point at these.
TARGETS = ("cognitive", "somatic", "behavioural", "imagery", "memory", "parts")

#: Evidence for combining ketamine with any of these therapies (F6.7, F6.8, F6.10).
KETAMINE_COMBINATION = (
    "No modality in the catalogue has been trialled together with ketamine in GAD. Evidence for "
    "combining ketamine with EMDR, ART or IFS is essentially absent beyond one uncontrolled chart "
    "review of 8 PTSD clients [topel2025]; adding psychotherapy to ketamine is plausible, not "
    "established [kew2023] [mathai2022]."
)

# -- The modality catalogue ----------------------------------------------------------------------


@dataclass(frozen=True)
class Modality:
    """One integration modality and the strength of its evidence in anxiety."""

    code: str
    name: str
    short_name: str
    what_it_is: str
    targets: tuple[str, ...]
    evidence: str  # plain text; every number carries a [key]
    caveat: str  # one line shown beside a suggestion
    evidence_tier: str  # design of the best study behind it (the reference list's tiers)
    strength: str  # the course's plain summary (F6.10)
    evidence_rank: int  # 1 = strongest evidence for anxiety; suggestions are ranked by it
    keys: tuple[str, ...]
    confidence: str  # "seen-in-source" or "citation to verify"
    with_ketamine: str
    trialled_with_ketamine_in_gad: bool


def _boolean(text: str, where: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(f"{where}: write true or false, not {text!r}.")
    return text == "true"


@cache
def _load(path: Path) -> dict[str, Modality]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    catalogue: dict[str, Modality] = {}
    for row in rows:
        where = f"{path.name}, modality {row['code']!r}"
        if row["code"] in catalogue:
            raise ValueError(f"{where}: the code appears twice.")
        targets = tuple(row["targets"].split())
        for target in targets:
            choice(target, f"{where}: target", TARGETS)
        keys = check_keys(row["keys"], where)
        check_citations(" ".join(row[f] for f in ("evidence", "caveat", "with_ketamine", "what_it_is")), where)
        catalogue[row["code"]] = Modality(
            code=row["code"],
            name=row["name"],
            short_name=row["short_name"],
            what_it_is=row["what_it_is"],
            targets=targets,
            evidence=row["evidence"],
            caveat=row["caveat"],
            evidence_tier=row["evidence_tier"],
            strength=row["strength"],
            evidence_rank=int(row["evidence_rank"]),
            keys=keys,
            confidence=choice(row["confidence"], f"{where}: confidence", ("seen-in-source", "citation to verify")),
            with_ketamine=row["with_ketamine"],
            trialled_with_ketamine_in_gad=_boolean(
                row["trialled_with_ketamine_in_gad"], f"{where}: trialled_with_ketamine_in_gad"
            ),
        )
    ranks = sorted(m.evidence_rank for m in catalogue.values())
    if ranks != list(range(1, len(ranks) + 1)):
        raise ValueError(f"{path.name}: evidence_rank must number the modalities 1, 2, 3, ... once each.")
    return catalogue


def modalities(path: Path | str = MODALITIES_CSV) -> dict[str, Modality]:
    """The catalogue by code, strongest evidence for anxiety first."""
    return dict(sorted(_load(Path(path)).items(), key=lambda item: item[1].evidence_rank))


def modality(code: str) -> Modality:
    """One modality by its code, e.g. ``modality("emdr")``."""
    catalogue = modalities()
    if not isinstance(code, str) or code not in catalogue:
        raise ValueError(f"{code!r} is not a modality in the course catalogue; the codes are {', '.join(catalogue)}.")
    return catalogue[code]


def modalities_table():
    """The catalogue as a pandas table, for reading in a notebook."""
    import pandas as pd  # start-up cost: pandas only when a table is asked for

    return pd.DataFrame(
        [
            {
                "code": m.code,
                "modality": m.name,
                "targets": ", ".join(m.targets),
                "evidence strength": m.strength,
                "best evidence": m.evidence_tier,
                "caveat": m.caveat,
                "with ketamine": m.with_ketamine,
            }
            for m in modalities().values()
        ]
    ).set_index("code")


# -- Matching a profile to modalities -------------------------------------------------------------

#: What each dominant profile points at, in words.
_DOMINANT_CUES = {
    "cognitive": "cognitive profile: worry and threat predictions lead",
    "behavioural": "behavioural profile: avoidance and safety behaviours lead",
    "somatic": "somatic profile: body sensations lead (interoceptive exposure within CBT first)",
}
#: Diagnoses that point at a target, and why.
_DIAGNOSIS_CUES = {
    "SAD": ("behavioural", "diagnosis SAD: feared social situations are avoided"),
    "AGO": ("behavioural", "diagnosis AGO: feared places are avoided"),
    "PD": ("somatic", "diagnosis PD: body sensations are feared (interoceptive exposure within CBT first)"),
}
#: Profile flags that point at a target.
_FLAG_CUES = {
    "intrusive_imagery": ("imagery", "intrusive imagery"),
    "memory_rooted_onset": ("memory", "onset rooted in a memory"),
    "parts_language": ("parts", "parts language"),
}


@dataclass(frozen=True)
class Suggestion:
    """A modality suggested for teaching, with the cues that led to it and its evidence caveat."""

    rank: int
    code: str
    name: str
    strength: str
    cues: tuple[str, ...]
    caveat: str
    keys: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.rank}. {self.name}: {self.strength}\n   cues: {'; '.join(self.cues)}\n   caveat: {self.caveat}"


def _profile_and_diagnoses(patient) -> tuple[dict, list[str]]:
    """The parts of a patient record that matching reads, checked."""
    if not isinstance(patient, dict):
        raise ValueError(f"Give a patient record (a dict from load_vignettes()), not {type(patient).__name__}.")
    profile, diagnoses = patient.get("profile"), patient.get("diagnoses")
    if not isinstance(profile, dict):
        raise ValueError(
            "The patient record has no 'profile' (a dict with dominant, intrusive_imagery, "
            "memory_rooted_onset and parts_language)."
        )
    if not isinstance(diagnoses, list) or not diagnoses:
        raise ValueError("The patient record needs 'diagnoses': a non-empty list such as ['GAD'].")
    for diagnosis in diagnoses:
        choice(diagnosis, "each diagnosis", DIAGNOSES)
    choice(profile.get("dominant"), "profile 'dominant'", PROFILES)
    for flag in _FLAG_CUES:
        if not isinstance(profile.get(flag), bool):
            raise ValueError(f"profile {flag!r} must be True or False, not {profile.get(flag)!r}.")
    return profile, diagnoses


def _cues(profile: dict, diagnoses: list[str], catalogue: dict[str, Modality]):
    """(modality codes, cue) pairs: which modalities each cue in the record points at."""

    def targeting(target):
        return [m.code for m in catalogue.values() if target in m.targets]

    if "GAD" in diagnoses:
        yield ["cbt"], "diagnosis GAD: CBT is the best-supported psychotherapy for GAD"
    yield targeting(profile["dominant"]), _DOMINANT_CUES[profile["dominant"]]
    for diagnosis in diagnoses:
        if diagnosis in _DIAGNOSIS_CUES:
            target, cue = _DIAGNOSIS_CUES[diagnosis]
            yield targeting(target), cue
    for flag, (target, cue) in _FLAG_CUES.items():
        if profile[flag]:
            yield targeting(target), cue


def match_modalities(patient) -> list[Suggestion]:
    """Modalities a patient's profile cues point at, strongest anxiety evidence first.

    A cue names a target (cognitive, somatic, behavioural, imagery, memory, parts) and every modality
    that targets it is suggested; a GAD diagnosis always brings CBT, the best-supported option
    [cuijpers2014] [nice_cg113]. Teaching material only: see ``NOT_A_PRESCRIPTION``.
    """
    profile, diagnoses = _profile_and_diagnoses(patient)
    catalogue = modalities()
    cues: dict[str, list[str]] = {}
    for codes, cue in _cues(profile, diagnoses, catalogue):
        for code in codes:
            cues.setdefault(code, []).append(cue)
    ranked = sorted(cues, key=lambda code: catalogue[code].evidence_rank)
    return [
        Suggestion(
            rank,
            code,
            catalogue[code].name,
            catalogue[code].strength,
            tuple(cues[code]),
            catalogue[code].caveat,
            catalogue[code].keys,
        )
        for rank, code in enumerate(ranked, start=1)
    ]


def matching_report(patient) -> str:
    """The suggestions for one patient as text, with the patient's own words and the teaching note."""
    suggestions = match_modalities(patient)
    quotes = "\n".join(f'  "{quote}"' for quote in patient["profile"].get("quotes", []))
    lines = [
        f"{patient.get('id', 'Patient')}: {', '.join(patient['diagnoses'])}; {patient['profile']['dominant']} profile"
    ]
    if quotes:
        lines.append(quotes)
    lines += [str(s) for s in suggestions]
    lines += [KETAMINE_COMBINATION, NOT_A_PRESCRIPTION]
    return "\n".join(lines)


# -- Plans ----------------------------------------------------------------------------------------

SESSION_KINDS = ("evaluation", "preparation", "dosing", "integration", "review", "follow-up")
#: What each kind of session is, in a clinician's words.
SESSION_KIND_MEANINGS = {
    "evaluation": "full evaluation with informed consent (history, examination, risks, alternatives, the "
    "off-label status) and the baseline outcome measures; the screen's 'proceed' leads here only",
    "preparation": "preparation for dosing: goals, expectations, what a dosing session is like, a safety plan",
    "dosing": "a supervised dosing session",
    "integration": "an integration session after a dose, with a named psychotherapy modality",
    "review": "a review point: the repeated measures decide whether dosing stops or goes on",
    "follow-up": "an end assessment after the last dose, with the same measures",
}
#: Outcome scales a plan can repeat (the course's rating scales; the CADSS is a session measure, not an outcome).
OUTCOME_SCALES = tuple(code for code in SCALES if code != "cadss")
#: Course convention: the integration session after a dose falls within this many days of it.
INTEGRATION_WINDOW_DAYS = int(threshold("integration_window")["days"])
#: Course convention: a review comes after at most this many dosing sessions, and again after every as many more.
REVIEW_AFTER_DOSES = int(threshold("review_after_doses")["doses"])

#: The rules on the order of sessions around dosing.
SESSION_RULES = {
    "date_order": "Sessions are listed in date order.",
    "not_before_start": "No session is dated before the plan's start date.",
    "modality_named": "Every preparation and integration session names its modality (a catalogue code).",
    "known_modality": "Every modality named in the plan is in the course catalogue.",
    "one_dose_per_day": "No two dosing sessions fall on the same day.",
    "preparation_first": "At least one preparation session falls on a day before the first dosing session.",
    "integration_after_dose": "Every dosing session is followed by an integration session on a later day "
    "and before the next dosing session.",
    "integration_within_7_days": f"That integration session falls within {INTEGRATION_WINDOW_DAYS} days of "
    "the dosing session.",
    "follow_up": "The plan has a follow-up session (an end assessment) after the last dosing session.",
    "triage_allows_dosing": "Dosing sessions are planned only for a patient whose screening triage is 'proceed'.",
}
#: The rules that make a plan contingent on evaluation, measured, and stoppable.
EVALUATION_RULES = {
    "evaluation_first": "A full evaluation with informed consent (an 'evaluation' session) comes on a day before "
    "any preparation or dosing session: the screen's 'proceed' clears a patient for this "
    "evaluation only, not for treatment.",
    "baseline_measures": "The evaluation records at least one outcome scale (such as 'gad7'): the baseline that "
    "later measures are compared with.",
    "review_point": "A review session, where the repeated measures decide whether dosing stops or goes on, follows "
    f"the first dosing session, and at most {REVIEW_AFTER_DOSES} dosing sessions come before the "
    "first review or between two reviews.",
    "measures_repeated": "Every review and follow-up session records the same outcome scales as the baseline.",
}
_ORDER = (
    "date_order",
    "not_before_start",
    "evaluation_first",
    "baseline_measures",
    "modality_named",
    "known_modality",
    "one_dose_per_day",
    "preparation_first",
    "integration_after_dose",
    "integration_within_7_days",
    "review_point",
    "measures_repeated",
    "follow_up",
    "triage_allows_dosing",
)
#: Every plan rule, by name, in the order check_plan reports them. All are course conventions for teaching:
#: KAP has no standard protocol for the number of treatments [psychtimes_kap].
PLAN_RULES = {name: {**SESSION_RULES, **EVALUATION_RULES}[name] for name in _ORDER}
#: The rules check_plan applies when none are named: all of them (a plan is contingent on an evaluation).
DEFAULT_RULES = tuple(PLAN_RULES)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _day(day: datetime.date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _check_date(value, what: str) -> datetime.date:
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise ValueError(
            f"{what} must be a date such as datetime.date(2026, 3, 2), not {value!r} ({type(value).__name__})."
        )
    return value


def _check_measures(measures, what: str) -> tuple[str, ...]:
    if isinstance(measures, str) or not isinstance(measures, (list, tuple)):
        raise ValueError(f"{what} must be a list of outcome scales such as ['gad7'], not {measures!r}.")
    for code in measures:
        choice(code, f"each of {what}", OUTCOME_SCALES)
    if len(set(measures)) != len(measures):
        raise ValueError(f"{what} name a scale twice: {list(measures)}.")
    return tuple(measures)


@dataclass(frozen=True)
class Session:
    """One session of a plan: its kind, date, modality code (preparation/integration), notes, and the outcome
    scales measured at it (e.g. ``("gad7",)``; a list is kept as a tuple)."""

    kind: str
    date: datetime.date
    modality: str | None = None
    notes: str = ""
    measures: tuple[str, ...] = ()

    def __post_init__(self):
        choice(self.kind, "session kind", SESSION_KINDS)
        _check_date(self.date, f"The {self.kind} session's date")
        if self.modality is not None and (not isinstance(self.modality, str) or not self.modality.strip()):
            raise ValueError(
                f"The {self.kind} session's modality must be a catalogue code such as 'cbt', "
                f"or None, not {self.modality!r}."
            )
        if not isinstance(self.notes, str):
            raise ValueError(f"The {self.kind} session's notes must be text, not {type(self.notes).__name__}.")
        object.__setattr__(self, "measures", _check_measures(self.measures, f"The {self.kind} session's measures"))

    def describe(self) -> str:
        return f"{self.kind} session on {_day(self.date)}"


def _checked_sessions(sessions) -> None:
    if not isinstance(sessions, list):
        raise ValueError(f"A plan's sessions must be a list of Session objects, not {type(sessions).__name__}.")
    for i, session in enumerate(sessions, start=1):
        if not isinstance(session, Session):
            raise ValueError(
                f"Session {i} of the plan must be a Session (kind, date, modality, notes), "
                f"not {type(session).__name__}."
            )


@dataclass
class Plan:
    """An integration plan for one patient: sessions, and optionally the date the plan starts."""

    patient_id: str
    sessions: list[Session] = field(default_factory=list)
    start: datetime.date | None = None

    def __post_init__(self):
        self.sessions = list(self.sessions) if isinstance(self.sessions, tuple) else self.sessions
        self.validate()

    def validate(self) -> None:
        """Raise ValueError if a field is the wrong type (the fields may change after the plan is made)."""
        if not isinstance(self.patient_id, str) or not self.patient_id.strip():
            raise ValueError(f"A plan needs a patient id such as 'P01', not {self.patient_id!r}.")
        _checked_sessions(self.sessions)
        if self.start is not None:
            _check_date(self.start, "The plan's start date")


@dataclass(frozen=True)
class Violation:
    """A broken plan rule: its name, a message for the clinician, and the sessions concerned (indices)."""

    rule: str
    message: str
    sessions: tuple[int, ...] = ()

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


def _order_violations(plan: Plan) -> list[Violation]:
    found = []
    for i in range(1, len(plan.sessions)):
        before, after = plan.sessions[i - 1], plan.sessions[i]
        if after.date < before.date:
            found.append(
                Violation(
                    "date_order",
                    f"The {after.describe()} is listed after the {before.describe()}. List the sessions in date order.",
                    (i - 1, i),
                )
            )
    if plan.start is not None:
        for i, s in enumerate(plan.sessions):
            if s.date < plan.start:
                found.append(
                    Violation(
                        "not_before_start",
                        f"The {s.describe()} is before the plan "
                        f"starts on {_day(plan.start)}. Move it to that day or later.",
                        (i,),
                    )
                )
    return found


def _modality_violations(plan: Plan) -> list[Violation]:
    codes = ", ".join(modalities())
    found = []
    for i, s in enumerate(plan.sessions):
        if s.modality is None and s.kind in ("preparation", "integration"):
            found.append(
                Violation(
                    "modality_named",
                    f"The {s.describe()} names no modality. Say which approach it uses, as a catalogue code ({codes}).",
                    (i,),
                )
            )
        elif s.modality is not None and s.modality not in modalities():
            found.append(
                Violation(
                    "known_modality",
                    f"The {s.describe()} names the modality "
                    f"{s.modality!r}, which is not in the course catalogue. Use one of: {codes}.",
                    (i,),
                )
            )
    return found


def _dosing_violations(plan: Plan) -> list[Violation]:
    days: dict[datetime.date, tuple[int, ...]] = {}
    for i, s in enumerate(plan.sessions):
        if s.kind == "dosing":
            days[s.date] = days.get(s.date, ()) + (i,)
    dose_days = sorted(days)
    found = [
        Violation(
            "one_dose_per_day",
            f"{len(days[day])} dosing sessions fall on {_day(day)}. Plan at most one dosing session on any day.",
            days[day],
        )
        for day in dose_days
        if len(days[day]) > 1
    ]
    if not dose_days:
        return found
    if not any(s.kind == "preparation" and s.date < dose_days[0] for s in plan.sessions):
        found.append(
            Violation(
                "preparation_first",
                f"The first dosing session, on {_day(dose_days[0])}, has no "
                "preparation session on an earlier day. Add at least one preparation session "
                "before the first dosing session.",
                days[dose_days[0]],
            )
        )
    for day, next_day in zip(dose_days, dose_days[1:] + [None]):
        after = [
            s.date
            for s in plan.sessions
            if s.kind == "integration" and s.date > day and (next_day is None or s.date < next_day)
        ]
        if not after:
            until = f" and before the next dosing session on {_day(next_day)}" if next_day else ""
            found.append(
                Violation(
                    "integration_after_dose",
                    f"The dosing session on {_day(day)} has no "
                    f"integration session after it{until}. Add an integration session on a later "
                    "day, before any further dosing.",
                    days[day],
                )
            )
        elif (min(after) - day).days > INTEGRATION_WINDOW_DAYS:
            found.append(
                Violation(
                    "integration_within_7_days",
                    f"The first integration session after the dosing "
                    f"session on {_day(day)} is {(min(after) - day).days} days later. Hold it within "
                    f"{INTEGRATION_WINDOW_DAYS} days of the dosing session (a course convention).",
                    days[day],
                )
            )
    return found


def _follow_up_violations(plan: Plan) -> list[Violation]:
    last_dose = max((s.date for s in plan.sessions if s.kind == "dosing"), default=None)
    if any(s.kind == "follow-up" and (last_dose is None or s.date > last_dose) for s in plan.sessions):
        return []
    after = " after the last dosing session" if last_dose else ""
    return [
        Violation(
            "follow_up",
            f"The plan has no follow-up session{after}. Add a follow-up (an end "
            "assessment) to review how the patient is doing (a course convention).",
        )
    ]


def _triage_violations(plan: Plan, patient: dict) -> list[Violation]:
    doses = tuple(i for i, s in enumerate(plan.sessions) if s.kind == "dosing")
    if not doses:
        return []
    result = triage(patient)
    if result.decision == "proceed":
        return []
    reasons = "; ".join(str(flag) for flag in result.reasons)
    return [
        Violation(
            "triage_allows_dosing",
            f"{plan.patient_id} cannot have dosing sessions: the course "
            f"screen's triage is '{result.decision}' ({reasons}). Remove the dosing sessions; only a "
            "'proceed' triage, and then a full evaluation, opens the way to planning any dosing.",
            doses,
        )
    ]


def _evaluation_violations(plan: Plan) -> list[Violation]:
    found = []
    treatment = [(s.date, i) for i, s in enumerate(plan.sessions) if s.kind in ("preparation", "dosing")]
    first = min(treatment)[0] if treatment else None
    if first is not None and not any(s.kind == "evaluation" and s.date < first for s in plan.sessions):
        found.append(
            Violation(
                "evaluation_first",
                f"The first preparation or dosing session, on {_day(first)}, "
                "has no evaluation session before it. The screen's 'proceed' clears a patient for a "
                "full evaluation only: add an evaluation with informed consent and baseline measures "
                "on an earlier day.",
                tuple(i for day, i in treatment if day == first),
            )
        )
    evaluations = sorted((s.date, i) for i, s in enumerate(plan.sessions) if s.kind == "evaluation")
    if not evaluations:
        return found
    index = evaluations[0][1]
    baseline = plan.sessions[index].measures
    if not baseline:
        found.append(
            Violation(
                "baseline_measures",
                f"The {plan.sessions[index].describe()} records no outcome "
                f"scale. Record the baseline with at least one ({', '.join(OUTCOME_SCALES)}), such "
                "as the scale built for the patient's diagnosis.",
                (index,),
            )
        )
    for i, s in enumerate(plan.sessions):
        missing = [m for m in baseline if m not in s.measures]
        if s.kind in ("review", "follow-up") and missing:
            found.append(
                Violation(
                    "measures_repeated",
                    f"The {s.describe()} does not record {', '.join(missing)}, "
                    "measured at baseline. Repeat the same scales at every review and follow-up, so "
                    "that change can be read.",
                    (i,),
                )
            )
    return found


def _review_violations(plan: Plan) -> list[Violation]:
    doses = sorted((s.date, i) for i, s in enumerate(plan.sessions) if s.kind == "dosing")
    if not doses:
        return []
    reviews = sorted(s.date for s in plan.sessions if s.kind == "review")
    found, since, last_review = [], 0, None
    for day, index in doses:
        latest = max((r for r in reviews if r <= day), default=None)  # a review on a dosing day comes before it
        if latest != last_review:
            since, last_review = 0, latest
        since += 1
        if since == REVIEW_AFTER_DOSES + 1:
            found.append(
                Violation(
                    "review_point",
                    f"The dosing session on {_day(day)} is dosing session {since} "
                    f"without a review. Review the repeated measures after at most "
                    f"{REVIEW_AFTER_DOSES} dosing sessions (a course convention) and decide there "
                    "whether dosing stops or goes on.",
                    (index,),
                )
            )
    if not any(r > doses[0][0] for r in reviews):
        found.append(
            Violation(
                "review_point",
                f"Dosing begins on {_day(doses[0][0])}, but no review session "
                "follows. Add a review, where the repeated measures decide whether dosing stops or "
                f"goes on, at most {REVIEW_AFTER_DOSES} dosing sessions in (a course convention): the "
                "plan's stopping rule.",
                (doses[0][1],),
            )
        )
    return found


def _patient_for(plan: Plan, patient) -> dict:
    if patient is None:
        return get_patient(plan.patient_id)
    if not isinstance(patient, dict) or patient.get("id") != plan.patient_id:
        raise ValueError(
            f"The patient record given is not patient {plan.patient_id!r}: "
            "pass the record whose id matches the plan, or leave it out."
        )
    return patient


def _rule_names(rules) -> tuple[str, ...]:
    if rules is None:
        return DEFAULT_RULES
    if isinstance(rules, str) or not hasattr(rules, "__iter__"):
        raise ValueError(f"rules must be a list of rule names (e.g. list(PLAN_RULES)), not {rules!r}.")
    names = tuple(rules)
    for name in names:
        choice(name, "each rule name", tuple(PLAN_RULES))
    return names


def check_plan(plan: Plan, patient: dict | None = None, rules=None) -> list[Violation]:
    """Every plan rule the plan breaks (an empty list when it passes), in the order of ``PLAN_RULES``.

    ``patient`` is the plan's synthetic patient; it is looked up by ``plan.patient_id`` when left out.
    ``rules`` names the rules to check: ``PLAN_RULES`` for every rule, including the evaluation rules; by
    default ``DEFAULT_RULES`` (see there).
    """
    if not isinstance(plan, Plan):
        raise ValueError(
            f"check_plan needs a Plan (patient id and sessions), not {type(plan).__name__}; "
            "plan_from_dict() builds one from a dictionary."
        )
    names = _rule_names(rules)
    plan.validate()
    record = _patient_for(plan, patient)
    found = (
        _order_violations(plan)
        + _evaluation_violations(plan)
        + _modality_violations(plan)
        + _dosing_violations(plan)
        + _review_violations(plan)
        + _follow_up_violations(plan)
        + _triage_violations(plan, record)
    )
    return sorted((v for v in found if v.rule in names), key=lambda v: _ORDER.index(v.rule))


# -- Timeline data and conversion for widgets -----------------------------------------------------


def _label(session: Session, dose_number: int) -> str:
    title = f"Dosing {dose_number}" if session.kind == "dosing" else session.kind.capitalize()
    if session.measures:
        title += f" ({', '.join(SCALES[m].name for m in session.measures)})"
    if session.modality is None:
        return title
    catalogue = modalities()
    name = catalogue[session.modality].short_name if session.modality in catalogue else f"{session.modality}?"
    return f"{title}: {name}"


def timeline(plan: Plan, patient: dict | None = None, rules=None) -> dict:
    """What a session-calendar figure needs: sessions in date order with labels and their violations.

    Returns ``{"patient_id", "sessions": [{"index", "kind", "date", "modality", "measures", "label", "notes",
    "violations"}], "plan_violations", "note"}``; ``index`` is the session's place in ``plan.sessions``
    and ``plan_violations`` are the messages that concern no single session. ``rules`` as in check_plan.
    """
    violations = check_plan(plan, patient, rules)
    order = sorted(range(len(plan.sessions)), key=lambda i: plan.sessions[i].date)
    rows, doses = [], 0
    for i in order:
        s = plan.sessions[i]
        doses += s.kind == "dosing"
        rows.append(
            {
                "index": i,
                "kind": s.kind,
                "date": s.date,
                "modality": s.modality,
                "measures": s.measures,
                "label": _label(s, doses),
                "notes": s.notes,
                "violations": [str(v) for v in violations if i in v.sessions],
            }
        )
    return {
        "patient_id": plan.patient_id,
        "sessions": rows,
        "plan_violations": [str(v) for v in violations if not v.sessions],
        "note": NOT_A_PRESCRIPTION,
    }


def plan_table(plan: Plan):
    """The plan's sessions as a pandas table to read (date, weekday, kind, modality, measures, notes), in the
    order written. It checks nothing, so it can show a plan before a question asks which rules it breaks."""
    import pandas as pd  # start-up cost: pandas only when a table is asked for

    if not isinstance(plan, Plan):
        raise ValueError(f"plan_table needs a Plan, not {type(plan).__name__}.")
    plan.validate()
    catalogue = modalities()
    return pd.DataFrame(
        [
            {
                "date": s.date.isoformat(),
                "day": s.date.strftime("%a"),
                "kind": s.kind,
                "modality": catalogue[s.modality].short_name if s.modality in catalogue else (s.modality or ""),
                "measures": ", ".join(SCALES[m].name for m in s.measures),
                "notes": s.notes,
            }
            for s in plan.sessions
        ],
        columns=["date", "day", "kind", "modality", "measures", "notes"],
    )


def _date_from(value, what: str) -> datetime.date:
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f"{what} must be a date written year-month-day, such as '2026-03-02', not {value!r}."
            ) from None
    return _check_date(value, what)


def _only_keys(data: dict, allowed: tuple[str, ...], required: tuple[str, ...], what: str) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValueError(
            f"{what} has unknown field(s) {', '.join(map(repr, unknown))}; the fields are {', '.join(allowed)}."
        )
    missing = [k for k in required if k not in data]
    if missing:
        raise ValueError(f"{what} is missing {', '.join(map(repr, missing))}.")


def plan_from_dict(data: dict) -> Plan:
    """Build a Plan from ``{"patient_id", "start" (optional), "sessions": [{"kind", "date", "modality",
    "notes", "measures"}]}``; dates may be ``datetime.date`` or text such as ``"2026-03-02"``, measures a list
    of outcome scales such as ``["gad7"]``."""
    if not isinstance(data, dict):
        raise ValueError(f"plan_from_dict needs a dictionary, not {type(data).__name__}.")
    _only_keys(data, ("patient_id", "start", "sessions"), ("patient_id", "sessions"), "The plan")
    if not isinstance(data["sessions"], list):
        raise ValueError(f"The plan's sessions must be a list, not {type(data['sessions']).__name__}.")
    sessions = []
    for n, item in enumerate(data["sessions"], start=1):
        what = f"Session {n}"
        if not isinstance(item, dict):
            raise ValueError(f"{what} must be a dictionary with kind and date, not {type(item).__name__}.")
        _only_keys(item, ("kind", "date", "modality", "notes", "measures"), ("kind", "date"), what)
        sessions.append(
            Session(
                item["kind"],
                _date_from(item["date"], f"{what}'s date"),
                item.get("modality"),
                item.get("notes", ""),
                item.get("measures", ()),
            )
        )
    start = data.get("start")
    return Plan(data["patient_id"], sessions, None if start is None else _date_from(start, "The plan's start"))


def plan_to_dict(plan: Plan) -> dict:
    """The plan as plain data (dates as 'YYYY-MM-DD' text), the inverse of ``plan_from_dict``."""
    if not isinstance(plan, Plan):
        raise ValueError(f"plan_to_dict needs a Plan, not {type(plan).__name__}.")
    plan.validate()
    return {
        "patient_id": plan.patient_id,
        "start": plan.start.isoformat() if plan.start else None,
        "sessions": [
            {
                "kind": s.kind,
                "date": s.date.isoformat(),
                "modality": s.modality,
                "notes": s.notes,
                "measures": list(s.measures),
            }
            for s in plan.sessions
        ],
    }


#: The outcome scale built for each diagnosis, as Module 01 teaches (a course convention for plans): the GAD-7 for
#: GAD [spitzer2006], the LSAS for social anxiety [mennin2002], the PDSS for panic and agoraphobia [shear1997],
#: the PHQ-9 for depression [kroenke2001].
_SCALE_FOR_DIAGNOSIS = {"GAD": "gad7", "SAD": "lsas", "PD": "pdss", "AGO": "pdss", "MDD": "phq9"}


def outcome_measures(patient) -> tuple[str, ...]:
    """The outcome scales a plan repeats for this patient: the scale built for each diagnosis (GAD-7 when none
    of the course's scales fits), in the course's scale order."""
    _, diagnoses = _profile_and_diagnoses(patient)
    wanted = {_SCALE_FOR_DIAGNOSIS[d] for d in diagnoses if d in _SCALE_FOR_DIAGNOSIS} or {"gad7"}
    return tuple(code for code in OUTCOME_SCALES if code in wanted)


def draft_plan(
    patient_id: str,
    start,
    modalities_: list[str],
    doses: int = 3,
    days_between_doses: int = 7,
    integration_delay: int = 1,
    preparation_sessions: int = 1,
) -> Plan:
    """A plan laid out from a few choices (what the plan builder widget offers), to be checked by check_plan.

    The evaluation (with informed consent and the baseline measures: ``outcome_measures`` of the patient) comes on
    the start date, preparation sessions on the days after it, and the first dose a week after the last of them.
    One integration session follows each dose after ``integration_delay`` days; a review (the same measures)
    follows every ``REVIEW_AFTER_DOSES`` doses and the last dose, the day after the dose at the earliest; a
    follow-up (the same measures) comes a week after the last session. The modalities are used in turn for
    preparation and integration sessions.
    """
    start = _check_date(start, "start date")
    doses = whole_number(doses, "number of dosing sessions", 0, 20)
    gap = whole_number(days_between_doses, "days between dosing sessions", 1, 60)
    delay = whole_number(integration_delay, "days from a dose to its integration session", 0, 30)
    prep = whole_number(preparation_sessions, "number of preparation sessions", 0, 5)
    measures = outcome_measures(get_patient(patient_id))
    codes = list(modalities_) or [None]
    cycle = (codes[i % len(codes)] for i in range(10_000))
    sessions = [Session("evaluation", start, None, "full evaluation and informed consent", measures)]
    sessions += [Session("preparation", start + datetime.timedelta(days=1 + i), next(cycle)) for i in range(prep)]
    first_dose = start + datetime.timedelta(days=prep + 7)
    last = first_dose
    for n in range(1, doses + 1):
        day = first_dose + datetime.timedelta(days=(n - 1) * gap)
        sessions.append(Session("dosing", day))
        integration = day + datetime.timedelta(days=delay)
        sessions.append(Session("integration", integration, next(cycle)))
        last = max(last, integration)
        if n % REVIEW_AFTER_DOSES == 0 or n == doses:
            review = day + datetime.timedelta(days=max(delay, 1))
            sessions.append(Session("review", review, None, "stop or go on, on the repeated measures", measures))
            last = max(last, review)
    sessions.append(Session("follow-up", last + datetime.timedelta(days=7), None, "", measures))
    sessions.sort(key=lambda s: s.date)
    return Plan(patient_id, sessions, start)
