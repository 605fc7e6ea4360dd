"""Per-trainee variants: stable, different between trainees, and clinically the same case in every variant."""

import json

import pytest

from course import scales, screening, variants
from course.data.patients import load_patients

PATIENTS = [p["id"] for p in load_patients()]


def test_a_trainee_gets_the_same_variant_every_time_and_trainees_differ():
    numbers = [variants.variant_number("01-assessment", f"t{i:03d}") for i in range(2000)]
    assert set(numbers) == set(range(1, variants.VARIANTS + 1))
    assert variants.variant_number("01-assessment", "ana") == variants.variant_number("01-assessment", "ana")
    assert variants.variant_number("01-assessment", None) == 0


@pytest.mark.parametrize("number", range(0, variants.VARIANTS + 1, 7))
def test_every_variant_keeps_every_patient_the_same_case(number):
    v = variants.Variant("01-assessment", "x", number)
    for pid in PATIENTS:
        base, varied = variants.Variant("01-assessment", None, 0).patient(pid), v.patient(pid)
        assert screening.triage(varied).decision == screening.triage(base).decision, pid
        assert [f.code for f in screening.screen(varied)] == [f.code for f in screening.screen(base)], pid
        assert varied["scales"]["phq9"][8] == base["scales"]["phq9"][8]
        for code in ("gad7", "phq9", "hama"):
            if code in base["scales"]:
                assert scales.band(code, sum(varied["scales"][code])) == scales.band(code, sum(base["scales"][code]))
        if "lsas" in base["scales"]:
            total = lambda p: scales.lsas_total(p["scales"]["lsas"]["fear"], p["scales"]["lsas"]["avoidance"])  # noqa: E731
            assert scales.band("lsas", total(varied)) == scales.band("lsas", total(base))
        assert {k: v for k, v in varied.items() if k not in ("scales", "vitals")} == {
            k: v for k, v in base.items() if k not in ("scales", "vitals")
        }


def test_variants_really_change_numbers():
    totals = {
        sum(variants.Variant("01-assessment", "x", n).patient("P06")["scales"]["phq9"])
        for n in range(1, variants.VARIANTS + 1)
    }
    assert len(totals) >= 3


def test_every_variant_keeps_every_session_the_same_course():
    from course import dosing

    base = variants.Variant("02-dosing", None, 0).session_vitals("P11", 2)
    changes = set()
    for number in range(1, variants.VARIANTS + 1):
        varied = variants.Variant("02-dosing", "x", number).session_vitals("P11", 2)
        assert [(f.kind, f.minute) for f in dosing.monitoring_findings(varied)] == [
            (f.kind, f.minute) for f in dosing.monitoring_findings(base)
        ], number
        assert varied["sbp"].idxmax() == base["sbp"].idxmax(), "the peak stays where it was"
        rise = dosing.rise_from_pre_dose(varied).set_index("minute").loc[120]
        assert rise["sbp_rise"] >= 40, "still a rise of the size the label counted"
        changes.add((int(rise["sbp_rise"]), int(rise["dbp_rise"])))
    assert len(changes) >= 20, "the answer to question 4 really depends on the trainee's numbers"


def test_trainee_id_order(monkeypatch, tmp_path):
    for name in ("KAP_TRAINEE", "NBGRADER_EXECUTION", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert variants.trainee_id() is None
    variants.set_trainee("local-me")
    assert variants.trainee_id() == "local-me"
    monkeypatch.setenv("JUPYTERHUB_USER", "hub-me")
    assert variants.trainee_id() == "hub-me"
    graded = tmp_path / "autograded" / "graded-me" / "01-assessment"
    graded.mkdir(parents=True)
    monkeypatch.chdir(graded)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert variants.trainee_id() == "graded-me"
    monkeypatch.setenv("KAP_TRAINEE", "grader-says")
    assert variants.trainee_id() == "grader-says"
    with pytest.raises(ValueError, match="is not a trainee id"):
        variants.set_trainee("no spaces please")


def test_the_record_names_the_variant():
    bundle = variants.for_module("01-assessment", "ana").record()._repr_mimebundle_()
    assert bundle[variants.VARIANT_MIME]["trainee"] == "ana"
    nb = {"cells": [{"outputs": [{"output_type": "display_data", "data": json.loads(json.dumps(bundle))}]}]}
    assert variants.recorded_variant(nb)["variant"] == variants.variant_number("01-assessment", "ana")


@pytest.mark.cycle
def test_course_variant_shows_a_trainees_numbers_and_answers(capsys):
    from course.cli import main

    outputs = []
    for trainee in ("a", "b", "a"):
        assert main(["variant", "01-assessment", "--trainee", trainee]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[2] and outputs[0] != outputs[1]
    case_lines = [o.split("expected answers")[0] for o in outputs]
    assert case_lines[0] != case_lines[1], "trainees a and b see different case numbers"
    assert "p06_phq9_total = " in outputs[0] and "ppv_clinic = " in outputs[0]
    a = variants.for_module("01-assessment", "a").patient("P06")
    assert f"p06_phq9_total = {sum(a['scales']['phq9'])}" in outputs[0]
