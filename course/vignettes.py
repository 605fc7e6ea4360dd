"""Load and validate the synthetic patients in ``datasets/vignettes.json``.

A malformed record raises :class:`VignetteError` naming the patient and the field, for example
``Patient P07, field scales.gad7: GAD-7 has 7 items: got 6 scores.``
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from . import DATASETS
from .checks import choice, item_responses, number, whole_number

VIGNETTES_JSON = DATASETS / "vignettes.json"

DIAGNOSES = ("GAD", "SAD", "PD", "AGO", "MDD", "PTSD")
DRUG_CLASSES = ("SSRI", "SNRI", "benzodiazepine", "pregabalin", "beta-blocker", "MAOI", "stimulant",
                "antihypertensive", "opioid", "antipsychotic", "other")
MEDICAL_CODES = ("hypertension", "aneurysm", "avm", "intracerebral_haemorrhage", "stroke",
                 "hyperthyroidism_untreated", "hepatic_impairment_moderate", "hepatic_impairment_severe",
                 "cystitis", "cognitive_impairment", "cardiovascular_disease", "ketamine_hypersensitivity",
                 "asthma", "hypothyroidism")
PROFILES = ("cognitive", "somatic", "behavioural")
#: Which diagnosis calls for which extra scale.
SCALE_FOR_DIAGNOSIS = {"GAD": "hama", "SAD": "lsas", "PD": "pdss"}


class VignetteError(ValueError):
    """A vignette record that does not match the schema."""


def _field(pid, path, check, *args):
    try:
        return check(*args)
    except (ValueError, KeyError, TypeError) as exc:
        detail = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
        raise VignetteError(f"Patient {pid}, field {path}: {detail}") from None


def _get(pid, record, path):
    value = record
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            raise VignetteError(f"Patient {pid}, field {path}: missing.")
        value = value[part]
    return value


def _flag(pid, record, path):
    value = _get(pid, record, path)
    if not isinstance(value, bool):
        raise VignetteError(f"Patient {pid}, field {path}: must be true or false, not {value!r}.")
    return value


def validate_patient(record) -> dict:
    """Check one vignette against the schema; return it unchanged or raise VignetteError."""
    if not isinstance(record, dict):
        raise VignetteError(f"A vignette must be a JSON object (a dict), not {type(record).__name__}.")
    pid = record.get("id", "<no id>")
    if not isinstance(pid, str) or not pid:
        raise VignetteError("A vignette has no 'id' field.")
    g = lambda path: _get(pid, record, path)  # noqa: E731
    for path in ("name", "presenting", "history"):
        if not isinstance(g(path), str) or not g(path).strip():
            raise VignetteError(f"Patient {pid}, field {path}: must be non-empty text.")
    _field(pid, "age", whole_number, g("age"), "age", 18, 100)
    _field(pid, "sex", choice, g("sex"), "sex", ("F", "M", "X"))
    _field(pid, "weight_kg", number, g("weight_kg"), "weight in kg", 30, 250)
    diagnoses = g("diagnoses")
    if not isinstance(diagnoses, list) or not diagnoses:
        raise VignetteError(f"Patient {pid}, field diagnoses: must be a non-empty list.")
    for d in diagnoses:
        _field(pid, "diagnoses", choice, d, "diagnosis", DIAGNOSES)
    scales = g("scales")
    _field(pid, "scales.gad7", item_responses, g("scales.gad7"), 7, 0, 3, "GAD-7")
    _field(pid, "scales.phq9", item_responses, g("scales.phq9"), 9, 0, 3, "PHQ-9")
    for dx, code in SCALE_FOR_DIAGNOSIS.items():
        if dx in diagnoses and code not in scales:
            raise VignetteError(f"Patient {pid}, field scales.{code}: missing, but the diagnosis {dx} calls for it.")
    if "hama" in scales:
        _field(pid, "scales.hama", item_responses, scales["hama"], 14, 0, 4, "HAM-A")
    if "pdss" in scales:
        _field(pid, "scales.pdss", item_responses, scales["pdss"], 7, 0, 4, "PDSS")
    if "lsas" in scales:
        for part in ("fear", "avoidance"):
            _field(pid, f"scales.lsas.{part}", item_responses, g(f"scales.lsas.{part}"), 24, 0, 3, f"LSAS {part}")
    _field(pid, "vitals.sbp", whole_number, g("vitals.sbp"), "systolic BP (mmHg)", 60, 260)
    _field(pid, "vitals.dbp", whole_number, g("vitals.dbp"), "diastolic BP (mmHg)", 30, 160)
    _field(pid, "vitals.hr", whole_number, g("vitals.hr"), "heart rate (bpm)", 30, 200)
    for i, med in enumerate(g("medications")):
        _field(pid, f"medications[{i}].class", choice, med.get("class"), "drug class", DRUG_CLASSES)
        _field(pid, f"medications[{i}].daily_dose_mg", number, med.get("daily_dose_mg"), "daily dose (mg)", 0, 5000)
    for i, trial in enumerate(g("prior_trials")):
        _field(pid, f"prior_trials[{i}].class", choice, trial.get("class"), "drug class", DRUG_CLASSES)
        _field(pid, f"prior_trials[{i}].weeks", whole_number, trial.get("weeks"), "trial length in weeks", 0, 520)
        if not isinstance(trial.get("adequate"), bool):
            raise VignetteError(f"Patient {pid}, field prior_trials[{i}].adequate: must be true or false.")
    _field(pid, "substance_use.sud", choice, g("substance_use.sud"), "substance use disorder status",
           ("none", "active", "remission"))
    _flag(pid, record, "substance_use.nonmedical_ketamine")
    for path in ("pregnancy.pregnant", "pregnancy.breastfeeding", "psychiatric_history.psychosis",
                 "psychiatric_history.family_psychosis", "psychiatric_history.suicide_attempt",
                 "support.support_person", "profile.intrusive_imagery", "profile.memory_rooted_onset",
                 "profile.parts_language"):
        _flag(pid, record, path)
    for code in g("medical_history"):
        _field(pid, "medical_history", choice, code, "medical history code", MEDICAL_CODES)
    _field(pid, "profile.dominant", choice, g("profile.dominant"), "dominant profile", PROFILES)
    return record


@lru_cache(maxsize=None)
def _load(path: Path) -> tuple[dict, ...]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise VignetteError(f"{Path(path).name} is not valid JSON (line {exc.lineno}): {exc.msg}") from None
    patients = tuple(validate_patient(p) for p in data["patients"])
    ids = [p["id"] for p in patients]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise VignetteError(f"Patient ids appear more than once: {', '.join(dupes)}")
    return patients


def load_vignettes(path: Path | str = VIGNETTES_JSON) -> list[dict]:
    """All synthetic patients, validated (copies, so a notebook cannot change the shared data)."""
    return json.loads(json.dumps(_load(Path(path))))


def get_patient(patient_id: str, path: Path | str = VIGNETTES_JSON) -> dict:
    """One synthetic patient by id, e.g. ``get_patient("P01")``."""
    patients = {p["id"]: p for p in load_vignettes(path)}
    if patient_id not in patients:
        raise ValueError(f"No patient {patient_id!r}. The ids are {', '.join(sorted(patients))}.")
    return patients[patient_id]


def patients_table(path: Path | str = VIGNETTES_JSON):
    """One row per patient with scored scales, for pandas work in the modules."""
    import pandas as pd

    from . import scales
    from .screening import adequate_trials
    rows = []
    for p in load_vignettes(path):
        s = p["scales"]
        gad7 = scales.gad7_total(s["gad7"])
        phq9 = scales.phq9_total(s["phq9"])
        rows.append({
            "id": p["id"], "name": p["name"], "age": p["age"], "sex": p["sex"],
            "diagnoses": "+".join(p["diagnoses"]),
            "gad7": gad7, "gad7_band": scales.gad7_band(gad7),
            "phq9": phq9, "phq9_band": scales.phq9_band(phq9), "phq9_item9": s["phq9"][8],
            "hama": scales.total("hama", s["hama"]) if "hama" in s else None,
            "lsas": scales.lsas_total(s["lsas"]["fear"], s["lsas"]["avoidance"]) if "lsas" in s else None,
            "pdss": scales.total("pdss", s["pdss"]) if "pdss" in s else None,
            "sbp": p["vitals"]["sbp"], "dbp": p["vitals"]["dbp"],
            "adequate_trials": adequate_trials(p),
            "profile": p["profile"]["dominant"],
        })
    return pd.DataFrame(rows).set_index("id")
