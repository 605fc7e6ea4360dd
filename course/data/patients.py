"""The synthetic patients: charts in ``datasets/patients.yaml``, scale items in ``datasets/patient_items.json``.

Both files are checked against ``datasets/schemas/`` on load; a problem raises :class:`PatientError`
naming the file, the patient and the field, for example ``patients.yaml, field P07.vitals.sbp: ...``.
``validate_patient`` checks any record handed to the course's functions (a trainee may build or edit one).
"""

from __future__ import annotations

import copy
from functools import cache

from .files import DataFileError, check, read_json, read_yaml, schema

#: Which diagnosis calls for which extra scale (GAD-7 and PHQ-9 are given to everyone).
SCALE_FOR_DIAGNOSIS = {"GAD": "hama", "SAD": "lsas", "PD": "pdss"}


class PatientError(DataFileError):
    """A patient record that does not match the schema."""


def _enum(*path: str) -> tuple[str, ...]:
    node = schema("patients")["$defs"]
    for part in path:
        node = node[part]
    return tuple(node["enum"])


_FIELDS = schema("patients")["$defs"]["chart_fields"]["properties"]
DIAGNOSES = tuple(_FIELDS["diagnoses"]["items"]["enum"])
DRUG_CLASSES = _enum("drug_class")
MEDICAL_CODES = tuple(_FIELDS["medical_history"]["items"]["enum"])
PROFILES = tuple(_FIELDS["profile"]["properties"]["dominant"]["enum"])
DOSE_LEVELS = tuple(_FIELDS["prior_trials"]["items"]["properties"]["dose_level"]["enum"])


def _scales_match_diagnoses(record: dict, where: str) -> None:
    for diagnosis, code in SCALE_FOR_DIAGNOSIS.items():
        if diagnosis in record["diagnoses"] and code not in record["scales"]:
            raise PatientError(f"{where}, field scales.{code}: missing, but the diagnosis {diagnosis} calls for it.")


def validate_patient(record) -> dict:
    """Check one whole patient record (chart and scales); return it unchanged or raise PatientError."""
    if not isinstance(record, dict):
        raise PatientError(f"A patient record must be a dictionary, not {type(record).__name__}.")
    where = f"Patient {record.get('id', '<no id>')}"
    try:
        check(record, "patients", where, part="record")
    except DataFileError as exc:
        raise PatientError(str(exc)) from None
    _scales_match_diagnoses(record, where)
    return record


@cache
def _patients() -> tuple[dict, ...]:
    charts = read_yaml("patients.yaml", "patients")["patients"]
    items = read_json("patient_items.json", "patient_items")["items"]
    ids = [c["id"] for c in charts]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise PatientError(f"patients.yaml: patient ids appear more than once: {', '.join(dupes)}")
    unknown = sorted(set(items) - set(ids))
    if unknown:
        raise PatientError(f"patient_items.json: items for patients not in patients.yaml: {', '.join(unknown)}")
    records = []
    for chart in charts:
        if chart["id"] not in items:
            raise PatientError(f"patient_items.json: no scale items for {chart['id']}; run `course data`.")
        record = {**chart, "scales": items[chart["id"]]}
        try:
            check(record, "patients", "patients.yaml + patient_items.json", part="record")
        except DataFileError as exc:
            raise PatientError(str(exc).replace("field ", f"field {chart['id']}.", 1)) from None
        _scales_match_diagnoses(record, f"patient_items.json, patient {chart['id']}")
        records.append(record)
    return tuple(records)


def load_patients() -> list[dict]:
    """All synthetic patients (copies, so a notebook cannot change the shared data)."""
    return copy.deepcopy(list(_patients()))


def patient_ids() -> list[str]:
    return [p["id"] for p in _patients()]


def get_patient(patient_id: str) -> dict:
    """One synthetic patient by id, e.g. ``get_patient("P01")``."""
    for record in _patients():
        if record["id"] == patient_id:
            return copy.deepcopy(record)
    raise ValueError(f"No patient {patient_id!r}. The ids are {', '.join(patient_ids())}.")
