"""Screening accuracy and the contraindication / precaution screen the course teaches.

Accuracy figures come from ``datasets/screening_accuracy.csv``; the screen's rules (level, reason, sources)
from ``datasets/screening_rules.yaml`` and its limits from ``datasets/thresholds.yaml``. It is a teaching
model of how labels and clinics list exclusions, not a clinical eligibility tool: real assessment is a
clinician's full evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from . import scales
from .data.files import read_csv, read_yaml
from .data.patients import load_patients, validate_patient
from .data.references import check_keys
from .data.thresholds import threshold
from .validation import number, proportion

# -- Screening accuracy --------------------------------------------------------------------


@dataclass(frozen=True)
class Accuracy:
    """Sensitivity and specificity of a screening cut-off, with its source key."""

    test: str
    sensitivity: float
    specificity: float
    source: str


@cache
def _accuracy() -> dict[str, Accuracy]:
    found = {}
    for row in read_csv("screening_accuracy.csv", "screening_accuracy"):
        check_keys([row["source"]], f"screening_accuracy.csv, {row['code']}")
        found[row["code"]] = Accuracy(
            f"{row['test']} >= {row['cutoff']} for {row['condition']}",
            float(row["sensitivity"]),
            float(row["specificity"]),
            row["source"],
        )
    return found


def accuracy(code: str) -> Accuracy:
    """A published cut-off's accuracy, e.g. ``accuracy("gad7_gad")`` (GAD-7 >= 10 for GAD [spitzer2006])."""
    table = _accuracy()
    if code not in table:
        raise ValueError(f"No accuracy figures {code!r}; the codes are {', '.join(table)}.")
    return table[code]


def ppv(sensitivity, specificity, prevalence) -> float:
    """Positive predictive value: of those who screen positive, the share who have the condition."""
    se = proportion(sensitivity, "sensitivity")
    sp = proportion(specificity, "specificity")
    p = proportion(prevalence, "prevalence")
    true_pos = se * p
    false_pos = (1 - sp) * (1 - p)
    if true_pos + false_pos == 0:
        raise ValueError(
            "No one screens positive with these values (sensitivity 0 or prevalence 0 "
            "with specificity 1), so PPV is undefined."
        )
    return true_pos / (true_pos + false_pos)


def npv(sensitivity, specificity, prevalence) -> float:
    """Negative predictive value: of those who screen negative, the share who do not have it."""
    se = proportion(sensitivity, "sensitivity")
    sp = proportion(specificity, "specificity")
    p = proportion(prevalence, "prevalence")
    true_neg = sp * (1 - p)
    false_neg = (1 - se) * p
    if true_neg + false_neg == 0:
        raise ValueError("No one screens negative with these values, so NPV is undefined.")
    return true_neg / (true_neg + false_neg)


def screening_counts(sensitivity, specificity, prevalence, population=1000) -> dict[str, int]:
    """Natural frequencies: true/false positives and negatives in a population (rounded)."""
    n = number(population, "population", 1, 10_000_000)
    se = proportion(sensitivity, "sensitivity")
    sp = proportion(specificity, "specificity")
    p = proportion(prevalence, "prevalence")
    ill = n * p
    well = n - ill
    return {
        "true_positive": round(se * ill),
        "false_negative": round(ill - se * ill),
        "false_positive": round((1 - sp) * well),
        "true_negative": round(sp * well),
    }


# -- Contraindication and precaution screen -------------------------------------------------

DECISIONS = ("exclude", "refer", "defer", "proceed")


@cache
def _rules() -> dict:
    data = read_yaml("screening_rules.yaml", "screening_rules")
    for group in ("rules", "medical_history", "drug_classes"):
        for code, rule in data[group].items():
            check_keys(rule["sources"], f"screening_rules.yaml, {group}.{code}")
    return data


def decision_label(decision: str) -> str:
    """What a triage decision means, e.g. "proceed to full evaluation (not to treatment)"."""
    return _rules()["decisions"][decision]


@dataclass(frozen=True)
class Flag:
    """One finding of the screen: its level (exclude/refer/defer/precaution), reason and sources."""

    level: str
    code: str
    reason: str
    sources: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.reason} {' '.join(f'[{k}]' for k in self.sources) or '[citation to verify]'}"


@dataclass(frozen=True)
class Triage:
    patient_id: str
    decision: str
    reasons: tuple[Flag, ...]
    precautions: tuple[Flag, ...] = field(default=())

    @property
    def label(self) -> str:
        return decision_label(self.decision)

    def explain(self) -> str:
        lines = [f"{self.patient_id}: {self.label}"]
        lines += [f"  - {flag}" for flag in self.reasons]
        lines += [f"  - precaution: {flag}" for flag in self.precautions]
        return "\n".join(lines)


def is_adequate(trial: dict) -> bool:
    """Whether a prior medicine trial counts as adequate: at least 8 weeks at a usual (or higher) dose
    (a course convention; see thresholds.yaml, adequate_trial)."""
    return trial["weeks"] >= threshold("adequate_trial")["weeks"] and trial["dose_level"] != "starting dose"


def adequate_trials(patient) -> int:
    """Number of adequate prior treatment trials in a patient's record."""
    return sum(1 for trial in patient["prior_trials"] if is_adequate(trial))


def _flag(group: str, code: str, **fields) -> Flag:
    rule = _rules()[group][code]
    return Flag(rule["level"], code, rule["reason"].format(**fields), tuple(rule["sources"]))


def screen(patient) -> list[Flag]:
    """Every flag the screen raises for one patient record (validated first)."""
    validate_patient(patient)
    flags: list[Flag] = []
    psych = patient["psychiatric_history"]
    if psych["psychosis"]:
        flags.append(_flag("rules", "psychosis"))
    elif psych["family_psychosis"]:
        flags.append(_flag("rules", "family_psychosis"))
    pregnancy = patient["pregnancy"]
    if pregnancy["pregnant"] or pregnancy["breastfeeding"]:
        flags.append(_flag("rules", "pregnancy", what="Pregnancy" if pregnancy["pregnant"] else "Breastfeeding"))
    use = patient["substance_use"]
    if use["sud"] == "active":
        flags.append(_flag("rules", "active_sud"))
    elif use["sud"] == "remission":
        flags.append(_flag("rules", "sud_history"))
    if use["nonmedical_ketamine"]:
        flags.append(_flag("rules", "nonmedical_ketamine"))
    sbp, dbp = patient["vitals"]["sbp"], patient["vitals"]["dbp"]
    high, raised = threshold("bp_contraindication"), threshold("bp_consider_delay")
    if sbp > high["sbp"] or dbp > high["dbp"]:
        flags.append(_flag("rules", "bp_uncontrolled", sbp=sbp, dbp=dbp, limit_sbp=high["sbp"], limit_dbp=high["dbp"]))
    elif sbp > raised["sbp"] or dbp > raised["dbp"]:
        flags.append(_flag("rules", "bp_raised", sbp=sbp, dbp=dbp, limit_sbp=raised["sbp"], limit_dbp=raised["dbp"]))
    for code in patient["medical_history"]:
        if code in _rules()["medical_history"]:
            flags.append(_flag("medical_history", code))
    for cls in sorted({m["class"] for m in patient["medications"]} & set(_rules()["drug_classes"])):
        flags.append(_flag("drug_classes", cls))
    if patient["scales"]["phq9"][8] > 0:
        flags.append(_flag("rules", "phq9_item9"))
    needed = threshold("min_adequate_trials")["trials"]
    count = adequate_trials(patient)
    if count < needed:
        flags.append(_flag("rules", "not_treatment_resistant", count=count, needed=needed))
    if not patient["support"]["support_person"]:
        flags.append(_flag("rules", "no_support"))
    return flags


def triage(patient) -> Triage:
    """Triage a patient: the most serious level of any flag decides; precautions are listed beside it."""
    flags = screen(patient)
    decision = next((level for level in DECISIONS[:3] if any(f.level == level for f in flags)), "proceed")
    return Triage(
        patient["id"],
        decision,
        tuple(f for f in flags if f.level == decision),
        tuple(f for f in flags if f.level == "precaution"),
    )


def patients_table():
    """One row per synthetic patient with scored scales, for reading in a notebook."""
    import pandas as pd  # start-up cost: pandas only when a table is asked for

    rows = []
    for p in load_patients():
        s = p["scales"]
        gad7, phq9 = scales.gad7_total(s["gad7"]), scales.phq9_total(s["phq9"])
        rows.append(
            {
                "id": p["id"],
                "name": p["name"],
                "age": p["age"],
                "sex": p["sex"],
                "diagnoses": "+".join(p["diagnoses"]),
                "gad7": gad7,
                "gad7_band": scales.gad7_band(gad7),
                "phq9": phq9,
                "phq9_band": scales.phq9_band(phq9),
                "phq9_item9": s["phq9"][8],
                "hama": scales.total("hama", s["hama"]) if "hama" in s else None,
                "lsas": scales.lsas_total(s["lsas"]["fear"], s["lsas"]["avoidance"]) if "lsas" in s else None,
                "pdss": scales.total("pdss", s["pdss"]) if "pdss" in s else None,
                "sbp": p["vitals"]["sbp"],
                "dbp": p["vitals"]["dbp"],
                "adequate_trials": adequate_trials(p),
                "profile": p["profile"]["dominant"],
            }
        )
    return pd.DataFrame(rows).set_index("id")
