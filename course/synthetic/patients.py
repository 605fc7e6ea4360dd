"""Seeded generator of the synthetic patients' scale item responses: ``datasets/patient_items.json``.

Every patient is invented. The charts (history, vitals, medicines, prior trials) are authored in
``datasets/patients.yaml``; how each was designed (the scale *totals*, PHQ-9 item 9, the intended triage and
teaching point) in ``solutions/patient_designs.yaml``. This generator draws the item responses with a seeded
random generator so that every scale adds up to its designed total: same seed, byte-identical file.
How the figures trace to published sources: ``datasets/DATACARD.md``. Run it with ``course data``.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import yaml

from ..data.files import check
from ..data.patients import SCALE_FOR_DIAGNOSIS
from ..paths import checkout, dataset
from ..scales import draw_items

ITEMS_JSON = "patient_items.json"
DESCRIPTION = (
    "Scale item responses of the synthetic patients, drawn by a seeded generator so that each scale adds "
    "up to the designed total (course/synthetic/patients.py, `course data`)."
)


def designs() -> dict:
    """The instructor's patient designs (solutions/patient_designs.yaml), checked against their schema."""
    path = checkout() / "solutions" / "patient_designs.yaml"
    return check(yaml.safe_load(path.read_text(encoding="utf-8")), "patient_designs", "patient_designs.yaml")


# -- Generation -----------------------------------------------------------------------------

#: HAM-A items 1-6 and 14 (indices 0-5, 13): the psychic subscale in common use (F1.19, unconfirmed).
#: Only used to tilt item draws toward the patient's profile so the items read coherently.
HAMA_PSYCHIC = {0, 1, 2, 3, 4, 5, 13}


def hama_weights(dominant):
    if dominant == "behavioural":
        return None
    heavy = HAMA_PSYCHIC if dominant == "cognitive" else set(range(14)) - HAMA_PSYCHIC
    return [2 if i in heavy else 1 for i in range(14)]


def draw_scales(rng, design, dominant):
    totals, scales = design["totals"], {}
    item9 = design.get("item9", 0)
    scales["gad7"] = draw_items(rng, 7, 3, totals["gad7"])
    scales["phq9"] = [*draw_items(rng, 8, 3, totals["phq9"] - item9), item9]  # item 9 set by design
    if "hama" in totals:
        scales["hama"] = draw_items(rng, 14, 4, totals["hama"], hama_weights(dominant))
    if "lsas" in totals:
        total = totals["lsas"]
        low, high = max(0, total - 72), min(72, total)
        fear_total = min(high, max(low, round(total * rng.uniform(0.45, 0.55))))
        fear = draw_items(rng, 24, 3, fear_total)
        # Situations feared more are avoided more: weight avoidance by the fear rating.
        scales["lsas"] = {"fear": fear, "avoidance": draw_items(rng, 24, 3, total - fear_total, [1 + f for f in fear])}
    if "pdss" in totals:
        scales["pdss"] = draw_items(rng, 7, 4, totals["pdss"])
    return scales


def build_items(seed: int | None = None) -> dict:
    """Item responses for every patient; the seed decides only the items, never the totals."""
    charts = {c["id"]: c for c in yaml.safe_load(dataset("patients.yaml").read_text(encoding="utf-8"))["patients"]}
    plan = designs()
    rng = random.Random(plan["seed"] if seed is None else seed)
    items = {}
    for design in plan["designs"]:
        chart = charts[design["id"]]
        expected = {"gad7", "phq9"} | {SCALE_FOR_DIAGNOSIS[x] for x in chart["diagnoses"] if x in SCALE_FOR_DIAGNOSIS}
        if set(design["totals"]) != expected:
            raise ValueError(
                f"patient_designs.yaml, {design['id']}: totals {sorted(design['totals'])} do not match "
                f"the diagnoses {chart['diagnoses']}."
            )
        items[design["id"]] = draw_scales(rng, design, chart["profile"]["dominant"])
    missing = sorted(set(charts) - set(items))
    if missing:
        raise ValueError(f"patient_designs.yaml has no design for {', '.join(missing)}.")
    return {
        "description": DESCRIPTION,
        "seed": plan["seed"],
        "generator": "course/synthetic/patients.py",
        "items": items,
    }


def write_items(path: Path | str | None = None, seed: int | None = None) -> Path:
    """Write patient_items.json: one line per scale, so a changed patient shows as a small diff."""
    text = json.dumps(build_items(seed), indent=1, ensure_ascii=False)
    text = re.sub(
        r"\[\s*([0-9,\s]+?)\s*\]", lambda m: "[" + ", ".join(m.group(1).split()).replace(",,", ",") + "]", text
    )
    path = Path(path or dataset(ITEMS_JSON))
    path.write_bytes((text + "\n").encode("utf-8"))  # bytes, so no platform newline translation
    return path
