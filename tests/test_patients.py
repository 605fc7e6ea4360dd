"""The synthetic patients: charts and generated items load, match their schema, and regenerate byte for byte."""

import copy
import json

import pytest
import yaml

from course.data.patients import PatientError, get_patient, load_patients, validate_patient
from course.paths import checkout, dataset
from course.screening import triage
from course.synthetic.patients import build_items, designs, write_items

DESIGNS = {d["id"]: d for d in designs()["designs"]}


@pytest.fixture
def patient():
    return copy.deepcopy(load_patients()[0])


def test_cohort_size_and_coverage():
    patients = load_patients()
    assert len(patients) >= 16
    diagnoses = {d for p in patients for d in p["diagnoses"]}
    assert {"GAD", "SAD", "PD", "AGO", "MDD"} <= diagnoses
    assert sum(d["triage"] != "proceed" for d in DESIGNS.values()) >= 4
    assert any(p["scales"]["phq9"][8] > 0 for p in patients)
    profile = [p["profile"] for p in patients]
    assert any(x["intrusive_imagery"] for x in profile) and any(x["memory_rooted_onset"] for x in profile)
    assert any(x["parts_language"] for x in profile)
    assert {x["dominant"] for x in profile} == {"cognitive", "somatic", "behavioural"}


def test_trainees_see_the_chart_not_the_design():
    # The intended triage and teaching point are instructor material: no record carries them, and the
    # prior trials carry dose and duration for the trainee to judge, not an "adequate" flag.
    for p in load_patients():
        assert "design" not in p and "triage" not in json.dumps(p)
        assert all(set(t) == {"drug", "class", "daily_dose_mg", "dose_level", "weeks"} for t in p["prior_trials"])


@pytest.mark.parametrize("pid", sorted(DESIGNS))
def test_each_patient_meets_its_design(pid):
    p = get_patient(pid)
    totals = {
        name: sum(items["fear"]) + sum(items["avoidance"]) if name == "lsas" else sum(items)
        for name, items in p["scales"].items()
    }
    assert totals == DESIGNS[pid]["totals"]
    assert p["scales"]["phq9"][8] == DESIGNS[pid].get("item9", 0)
    assert triage(p).decision == DESIGNS[pid]["triage"]


def test_regenerating_the_items_gives_the_committed_file_byte_for_byte(tmp_path):
    out = write_items(tmp_path / "items.json")
    assert out.read_bytes() == dataset("patient_items.json").read_bytes(), (
        "datasets/patient_items.json is out of date: run `course data` and commit the result."
    )


def test_another_seed_changes_items_but_not_totals():
    ours, other = build_items(), build_items(designs()["seed"] + 1)
    assert ours["items"] != other["items"]
    assert json.loads(dataset("patient_items.json").read_text())["seed"] == designs()["seed"]


def test_loaded_copies_cannot_change_shared_data():
    first = load_patients()
    first[0]["vitals"]["sbp"] = 999
    assert load_patients()[0]["vitals"]["sbp"] != 999


@pytest.mark.parametrize(
    "path, value, message",
    [
        (("scales", "phq9"), [0] * 8, "field scales.phq9: [0,0,0,0,0,0,0,0] has less than 9 items"),
        (("vitals", "sbp"), "high", 'field vitals.sbp: "high" is not of type "integer"'),
        (("pregnancy", "pregnant"), "no", 'field pregnancy.pregnant: "no" is not of type "boolean"'),
        (("profile", "dominant"), "emotional", 'field profile.dominant: "emotional" is not one of "cognitive"'),
        (("age",), 12, "field age: 12 is less than the minimum of 18"),
        (("substance_use", "sud"), "past", "field substance_use.sud"),
    ],
)
def test_a_malformed_field_is_named(patient, path, value, message):
    target = patient
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    with pytest.raises(PatientError) as info:
        validate_patient(patient)
    assert str(info.value).startswith(f"Patient {patient['id']}, ") and message in str(info.value)


def test_a_missing_field_is_named(patient):
    del patient["support"]
    with pytest.raises(
        PatientError,
        match=rf"Patient {patient['id']}, field \(the whole record\): \"support\" is a "
        "required property",
    ):
        validate_patient(patient)


def test_a_diagnosis_needs_its_scale(patient):
    patient["diagnoses"] = ["PD"]
    patient["scales"].pop("pdss", None)
    with pytest.raises(PatientError, match="scales.pdss: missing, but the diagnosis PD calls for it"):
        validate_patient(patient)


def test_get_patient():
    assert get_patient("P01")["id"] == "P01"
    with pytest.raises(ValueError, match="No patient 'P99'"):
        get_patient("P99")


def test_designs_are_instructor_material_outside_the_data_folder():
    assert (checkout() / "solutions" / "patient_designs.yaml").is_file()
    assert not any(
        "teaching_point" in path.read_text(encoding="utf-8") for path in dataset("patients.yaml").parent.glob("*.yaml")
    )
    assert set(DESIGNS) == {c["id"] for c in yaml.safe_load(dataset("patients.yaml").read_text())["patients"]}
