"""Loading and validating the synthetic patients."""
import copy
import json

import pytest

from course import vignettes
from course.vignettes import VignetteError, load_vignettes, validate_patient


@pytest.fixture
def patient():
    return copy.deepcopy(load_vignettes()[0])


def test_cohort_size_and_coverage():
    patients = load_vignettes()
    assert len(patients) >= 16
    diagnoses = {d for p in patients for d in p["diagnoses"]}
    assert {"GAD", "SAD", "PD", "AGO", "MDD"} <= diagnoses
    assert sum(p["design"]["triage"] != "proceed" for p in patients) >= 4
    assert any(p["scales"]["phq9"][8] > 0 for p in patients)
    profile = [p["profile"] for p in patients]
    assert any(x["intrusive_imagery"] for x in profile) and any(x["memory_rooted_onset"] for x in profile)
    assert any(x["parts_language"] for x in profile)
    assert {x["dominant"] for x in profile} == {"cognitive", "somatic", "behavioural"}


def test_loaded_copies_cannot_change_shared_data():
    first = load_vignettes()
    first[0]["vitals"]["sbp"] = 999
    assert load_vignettes()[0]["vitals"]["sbp"] != 999


@pytest.mark.parametrize("path, value, message", [
    (("scales", "phq9"), [0] * 8, "field scales.phq9: PHQ-9 has 9 items"),
    (("vitals", "sbp"), "high", "field vitals.sbp: systolic BP (mmHg) must be a whole number"),
    (("pregnancy", "pregnant"), "no", "field pregnancy.pregnant: must be true or false"),
    (("profile", "dominant"), "emotional", "field profile.dominant: dominant profile must be one of"),
    (("age",), 12, "field age: age must be between 18 and 100"),
    (("substance_use", "sud"), "past", "field substance_use.sud"),
])
def test_malformed_field_is_named(patient, path, value, message):
    target = patient
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    with pytest.raises(VignetteError) as info:
        validate_patient(patient)
    assert str(info.value).startswith(f"Patient {patient['id']}, ") and message in str(info.value)


def test_missing_field_is_named(patient):
    del patient["support"]
    with pytest.raises(VignetteError, match=rf"Patient {patient['id']}, field support.support_person: missing"):
        validate_patient(patient)


def test_diagnosis_needs_its_scale(patient):
    patient["diagnoses"] = ["PD"]
    patient["scales"].pop("pdss", None)
    with pytest.raises(VignetteError, match="scales.pdss: missing, but the diagnosis PD calls for it"):
        validate_patient(patient)


def test_duplicate_ids_and_bad_json_rejected(tmp_path, patient):
    path = tmp_path / "v.json"
    path.write_text(json.dumps({"patients": [patient, patient]}))
    with pytest.raises(VignetteError, match="more than once"):
        load_vignettes(path)
    path.write_text("{not json")
    with pytest.raises(VignetteError, match="not valid JSON"):
        load_vignettes(tmp_path / "v.json")


def test_get_patient_and_table():
    p = vignettes.get_patient("P01")
    assert p["id"] == "P01"
    with pytest.raises(ValueError, match="No patient 'P99'"):
        vignettes.get_patient("P99")
    table = vignettes.patients_table()
    assert list(table.index) == [p["id"] for p in load_vignettes()]
    assert table.loc["P01", "gad7"] == sum(p["scales"]["gad7"])
