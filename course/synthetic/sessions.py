"""Seeded generator of synthetic per-session vital signs: ``datasets/session_vitals.csv``.

Every reading is invented. For each synthetic patient whose designed triage is "proceed"
(``solutions/patient_designs.yaml``), 1–3 dosing sessions are drawn: readings every 10 minutes from
10 minutes before the dose to 120 minutes after (90 in two sessions, 150 for one patient), with
systolic and diastolic BP, heart rate, and a CADSS total at 40 minutes. The BP rise of each
session is drawn around published means; a few sessions are designed by hand to cross the
reference points the monitoring checks teach (``DESIGNED``). How the figures trace to sources:
``datasets/DATACARD.md``.

Regenerate with ``course data``; ``tests/test_session_data.py`` checks the committed file. Same seed,
byte-identical file.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

from ..data.files import write_rows
from ..data.patients import load_patients
from ..paths import dataset
from .patients import designs

SESSION_VITALS_CSV = "session_vitals.csv"

SEED = 20261202
COLUMNS = ("patient_id", "session", "route", "minute", "sbp", "dbp", "hr", "cadss")
FIRST_MINUTE, STEP_MINUTES, LAST_MINUTE = -10, 10, 120
CADSS_MINUTE = 40

#: Route and number of sessions for each proceeding patient. Only IV and SC: the routes whose
#: BP changes the sources report (yale_bp2024 for IV, glue2018 for SC).
PLAN = {
    "P01": ("sc", 3),
    "P02": ("iv", 2),
    "P03": ("sc", 1),
    "P04": ("iv", 3),
    "P08": ("sc", 2),
    "P11": ("iv", 2),
    "P16": ("iv", 2),
    "P17": ("sc", 2),
    "P20": ("iv", 1),
}

#: Mean and SD of the peak rise (systolic, diastolic, in mmHg) and the minute of the peak.
#: IV: +16.0 (SD 11.2) / +11.0 (SD 8.45) mmHg peaking at 40 min [yale_bp2024].
#: SC: ~+10 mmHg for both at 30 min [glue2018]; no SD was reported, so 5 is illustrative.
RISE = {"iv": ((16.0, 11.2), (11.0, 8.45), 40), "sc": ((10.0, 5.0), (10.0, 5.0), 30)}
#: Heart rate rise, mean +1.9 bpm [physweekly_bp2019]; the SD of 4 is illustrative.
HR_RISE = (1.9, 4.0)
#: Mean CADSS at week 1 was 20 and fell with repeated dosing [glue2018]; SD 6 and the fall of
#: 2 points a session are illustrative.
CADSS = (20.0, 6.0, 2.0)

# Illustrative shape and noise (not from a source): the rise ramps up to the peak and then decays
# with this time constant; readings get noise clipped at two SDs.
SETTLE_MINUTES = 40
NOISE_SD = {"sbp": 2.0, "dbp": 1.5, "hr": 2.0}
# Drawn rises are capped below the size of rise the label counted (≥40/≥25 mmHg, a frequency, not a trigger),
# so every such rise in the file is a designed one (the cap plus the largest noise stays under it).
CAP = {"sbp": 30.0, "dbp": 18.0, "hr": 10.0}

#: Sessions designed by hand to teach one monitoring finding each, and the findings they must give.
DESIGNED = {
    ("P04", 3): dict(
        pre_dose=(148, 94),
        rise=(12.0, 8.0),
        expect=("pre_dose_bp",),
        why="Pre-dose BP above 140/90 (spravato_label): the label says consider delaying.",
    ),
    ("P11", 2): dict(
        rise=(63.0, 30.0),
        settle=400,
        expect=("label_sized_rise", "forum_bp_twice", "bp_not_settled"),
        why="Controlled hypertension, and a surge (yale_bp2024: every patient with a history of "
        "hypertension had one): a rise as large as those the label counted, above 180 on two "
        "readings (esketamine_forum, illustrative) and still high at 120 min: what now?",
    ),
    ("P16", 2): dict(
        rise=(30.0, 29.0),
        expect=("label_sized_rise",),
        why="A diastolic rise of about 29 mmHg is as large as the label's counted ≥25 diastolic on "
        "its own (an MAOI may raise BP, spravato_label).",
    ),
    ("P17", 1): dict(
        rise=(46.0, 14.0),
        expect=("label_sized_rise",),
        why="A systolic rise of about 46 mmHg is as large as the label's counted ≥40 (a "
        "psychostimulant may raise BP, spravato_label).",
    ),
    ("P03", 1): dict(
        last=90, expect=("observation_short",), why="Readings stop at 90 min: short of the REMS 2 h (spravato_label)."
    ),
    ("P08", 2): dict(
        last=90, expect=("observation_short",), why="Readings stop at 90 min: short of the REMS 2 h (spravato_label)."
    ),
}
#: Moderate hepatic impairment: the label says monitor longer (spravato_label).
LONGER = {"P20": 150}


def _noise(rng: random.Random, sd: float) -> float:
    return max(-2 * sd, min(2 * sd, rng.gauss(0.0, sd)))


def _draw(rng: random.Random, mean_sd: tuple[float, float], cap: float, floor: float = 0.0) -> float:
    return max(floor, min(cap, rng.gauss(*mean_sd)))


def _shape(minute: int, peak: int, settle: float) -> float:
    """0 before the dose, a straight ramp to 1 at the peak, then exponential decay."""
    if minute <= 0:
        return 0.0
    return minute / peak if minute <= peak else math.exp(-(minute - peak) / settle)


def _session_rows(rng: random.Random, patient: dict, session: int, route: str) -> list[dict]:
    pid, vitals = patient["id"], patient["vitals"]
    design = DESIGNED.get((pid, session), {})
    (sbp_rise, dbp_rise, peak) = RISE[route]
    rise = {
        "sbp": _draw(rng, sbp_rise, CAP["sbp"]),
        "dbp": _draw(rng, dbp_rise, CAP["dbp"]),
        "hr": _draw(rng, HR_RISE, CAP["hr"], floor=-5.0),
    }
    if "rise" in design:
        rise["sbp"], rise["dbp"] = design["rise"]
    rest = dict(zip(("sbp", "dbp"), design.get("pre_dose", (vitals["sbp"], vitals["dbp"]))), hr=vitals["hr"])
    cadss_mean, cadss_sd, cadss_fall = CADSS
    cadss = round(_draw(rng, (cadss_mean - cadss_fall * (session - 1), cadss_sd), 92.0))
    last = design.get("last", LONGER.get(pid, LAST_MINUTE))
    settle = design.get("settle", SETTLE_MINUTES)
    rows, baseline = [], None
    for minute in range(FIRST_MINUTE, last + 1, STEP_MINUTES):
        if minute <= 0:
            reading = {k: rest[k] + _noise(rng, NOISE_SD[k]) for k in rest}
            baseline = reading
        else:
            reading = {k: baseline[k] + rise[k] * _shape(minute, peak, settle) + _noise(rng, NOISE_SD[k]) for k in rest}
        rows.append(
            {
                "patient_id": pid,
                "session": session,
                "route": route,
                "minute": minute,
                **{k: round(v) for k, v in reading.items()},
                "cadss": cadss if minute == CADSS_MINUTE else "",
            }
        )
    return rows


def build_rows(seed: int = SEED) -> list[dict]:
    """All rows, patient by patient and session by session, from the seed."""
    rng = random.Random(seed)
    proceeding = {d["id"] for d in designs()["designs"] if d["triage"] == "proceed"}
    patients = {p["id"]: p for p in load_patients() if p["id"] in proceeding}
    if set(patients) != set(PLAN):
        raise ValueError(
            f"PLAN covers {sorted(PLAN)} but the proceeding patients are {sorted(patients)}: "
            "update PLAN in course/synthetic/sessions.py."
        )
    rows = []
    for pid, (route, sessions) in sorted(PLAN.items()):
        for session in range(1, sessions + 1):
            rows.extend(_session_rows(rng, patients[pid], session, route))
    return rows


def write_session_vitals(path: Path | str | None = None, seed: int = SEED) -> Path:
    """Write the CSV (Unix line endings, no timestamps: the same seed gives the same bytes)."""
    return write_rows(path or dataset(SESSION_VITALS_CSV), COLUMNS, build_rows(seed))
