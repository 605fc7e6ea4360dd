"""The synthetic session vitals: reproducible from their seed, and every designed crossing is found."""

from pathlib import Path

import pandas as pd
import pytest
from conftest import designed_triage

from course import dosing
from course.data.patients import load_patients
from course.synthetic.sessions import DESIGNED, PLAN, SEED, write_session_vitals

COMMITTED = Path(dosing.SESSION_VITALS_CSV)


def alerts(table):
    """{(patient, session): set of finding kinds}, leaving out the informational peak."""
    return {
        (pid, int(session)): {f.kind for f in dosing.monitoring_findings(group) if f.kind != "bp_peak"}
        for (pid, session), group in table.groupby(["patient_id", "session"])
    }


def designed():
    return {
        (pid, session): set(DESIGNED.get((pid, session), {}).get("expect", ()))
        for pid, (_, sessions) in PLAN.items()
        for session in range(1, sessions + 1)
    }


def test_regenerating_gives_the_committed_file_byte_for_byte(tmp_path):
    out = write_session_vitals(tmp_path / "session_vitals.csv")
    assert out.read_bytes() == COMMITTED.read_bytes(), (
        "datasets/session_vitals.csv is out of date: run `course data` and commit it."
    )


def test_the_designed_crossings_are_exactly_what_the_checks_find():
    assert alerts(dosing.load_session_vitals()) == designed()


@pytest.mark.parametrize("seed", [SEED + 1, SEED + 2, SEED + 3, 7])
def test_the_design_holds_for_other_seeds(tmp_path, seed):
    # The drawn values change with the seed; the designed crossings (and only they) must not.
    table = pd.read_csv(write_session_vitals(tmp_path / "other.csv", seed), dtype={"cadss": "Int64"})
    assert not table.equals(dosing.load_session_vitals())
    assert alerts(table) == designed()


def test_sessions_cover_the_proceeding_patients_with_regular_readings():
    table = dosing.load_session_vitals()
    proceed = {p["id"] for p in load_patients() if designed_triage(p["id"]) == "proceed"}
    assert set(table["patient_id"]) == proceed
    for (_, session), group in table.groupby(["patient_id", "session"]):
        assert 1 <= session <= 3
        assert set(group["route"]) <= {"iv", "sc"}
        minutes = list(group["minute"])
        assert minutes == list(range(-10, minutes[-1] + 1, 10)) and minutes[-1] >= 90
        assert list(group.loc[group["cadss"].notna(), "minute"]) == [40]
        dosing.check_vitals(group)
    assert all(1 <= n <= 3 for n in table.groupby("patient_id")["session"].nunique())


def test_designs_name_real_sessions():
    for (pid, session), design in DESIGNED.items():
        assert pid in PLAN and session <= PLAN[pid][1]
        assert design["expect"] and design["why"]
