"""Every trainee their own case numbers: a variant per trainee and module, the same for the trainee and the grader.

The variant is chosen by a stable hash of the trainee's id and the module (``variant_number``): 1 to
``VARIANTS`` for a trainee, 0 (the course's own numbers) for self-study without an id. A variant changes **case
numbers only**, never a published figure: a synthetic patient's item responses (each scale's total moves a little
and stays in its published band, item 9 keeps its sign, LSAS stays on the same side of its cut-offs), resting vitals
(staying in the same screening category), and the illustrative numbers a lesson asks for with ``pick``. Bands,
cut-offs, label thresholds and trial results stay fixed, so every variant is clinically the same case: the screen
reaches the same decision (``tests/test_variants.py`` checks it for every variant).

The trainee's id comes from, in order: ``KAP_TRAINEE`` (the cohort grader sets it for the trainee it grades);
nbgrader's autograder (the notebook runs in ``autograded/<trainee>/<module>/``); the hub user (``JUPYTERHUB_USER``);
the local setting made once with ``course trainee set ID``; else none.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path

from . import dosing, scales
from .data.patients import get_patient
from .data.thresholds import threshold

VARIANTS = 100
VARIANT_MIME = "application/vnd.kap.variant+json"
TRAINEE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")


def settings_file() -> Path:
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "kap-anxiety" / "trainee.json"


def set_trainee(trainee: str) -> Path:
    """Remember this machine's trainee id (``course trainee set ID``)."""
    if not isinstance(trainee, str) or not TRAINEE_ID.match(trainee):
        raise ValueError(
            f"{trainee!r} is not a trainee id: use letters, digits, '.', '_', '-' or '@' (your cohort "
            "login, for example)."
        )
    path = settings_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"trainee": trainee}) + "\n", encoding="utf-8")
    return path


def trainee_id() -> str | None:
    """Who is working (or being graded): see the module docstring for the order."""
    if os.environ.get("KAP_TRAINEE"):
        return os.environ["KAP_TRAINEE"]
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        return Path.cwd().parent.name  # nbgrader runs autograded/<trainee>/<module>/<notebook>
    if os.environ.get("JUPYTERHUB_USER"):
        return os.environ["JUPYTERHUB_USER"]
    try:
        return json.loads(settings_file().read_text(encoding="utf-8"))["trainee"] or None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def variant_number(module_id: str, trainee: str | None) -> int:
    """0 without a trainee; else 1 to VARIANTS, from a stable hash of the module and the trainee id."""
    if not trainee:
        return 0
    digest = hashlib.sha256(f"{module_id}\0{trainee}".encode()).digest()
    return 1 + int.from_bytes(digest[:8], "big") % VARIANTS


def _band_range(code: str, total: int) -> tuple[int, int]:
    """The totals a variant may move ``total`` to: the same published band (or, for scales without bands,
    the same side of their cut-offs), within 3 points."""
    scale = scales.SCALES[code]
    low, high = 0, scale.max_total
    for band in scale.bands:
        if band.low <= total <= band.high:
            low, high = band.low, band.high
    return max(low, total - 3), min(high, total + 3)


@dataclass(frozen=True)
class Variant:
    module: str
    trainee: str | None
    number: int

    def rng(self, name: str) -> random.Random:
        return random.Random(f"{self.module}/{self.number}/{name}")

    def pick(self, name: str, options: list):
        """One of ``options`` for this variant (the first for variant 0, the course's own number)."""
        if not options:
            raise ValueError(f"pick({name!r}) needs at least one option.")
        return options[0] if self.number == 0 else self.rng(name).choice(options)

    def patient(self, patient_id: str) -> dict:
        """A synthetic patient as this variant has them: the same case, with its own numbers."""
        record = get_patient(patient_id)
        if self.number == 0:
            return record
        varied = copy.deepcopy(record)
        rng = self.rng(patient_id)
        for code, items in record["scales"].items():
            if code == "lsas":
                fear, avoidance = items["fear"], items["avoidance"]
                total = sum(fear) + sum(avoidance)
                low, high = _band_range("lsas", total)
                new = rng.randint(low, high)
                new_fear = min(72, max(new - 72, round(new * sum(fear) / max(total, 1))))
                varied["scales"]["lsas"] = {
                    "fear": scales.draw_items(rng, 24, 3, new_fear),
                    "avoidance": scales.draw_items(rng, 24, 3, new - new_fear),
                }
            elif code == "phq9":
                item9 = items[8]
                low, high = _band_range(code, sum(items))
                new = rng.randint(max(low, item9), min(high, item9 + 24))
                varied["scales"][code] = [*scales.draw_items(rng, 8, 3, new - item9), item9]
            else:
                top = scales.SCALES[code].item_max
                low, high = _band_range(code, sum(items))
                varied["scales"][code] = scales.draw_items(rng, len(items), top, rng.randint(low, high))
        varied["vitals"] = self._vitals(record["vitals"], rng)
        return varied

    def _vitals(self, vitals: dict, rng: random.Random) -> dict:
        """Resting vitals moved by a few mmHg, staying in the same screening category."""
        high, raised = threshold("bp_contraindication"), threshold("bp_consider_delay")

        def category(sbp, dbp):
            if sbp > high["sbp"] or dbp > high["dbp"]:
                return 2
            return 1 if sbp > raised["sbp"] or dbp > raised["dbp"] else 0

        base = category(vitals["sbp"], vitals["dbp"])
        for _ in range(50):
            sbp, dbp = vitals["sbp"] + rng.randint(-4, 4), vitals["dbp"] + rng.randint(-3, 3)
            if category(sbp, dbp) == base and dbp < sbp:
                return {"sbp": sbp, "dbp": dbp, "hr": vitals["hr"] + rng.randint(-4, 4)}
        return dict(vitals)

    def session_vitals(self, patient_id: str, session: int):
        """A synthetic session's readings as this variant has them: the same course (the course's checks find the same
        things at the same minutes), with the readings before the dose and after it each moved by a few mmHg."""
        frame = dosing.session_vitals(patient_id, session).copy()
        if self.number == 0:
            return frame
        base = [(f.kind, f.minute) for f in dosing.monitoring_findings(frame)]
        rng = self.rng(f"session/{patient_id}/{session}")
        before = frame["minute"] <= 0
        for _ in range(50):
            varied = frame.copy()
            for column, spread in (("sbp", 4), ("dbp", 3), ("hr", 3)):
                varied.loc[before, column] += rng.randint(-spread, spread)
                varied.loc[~before, column] += rng.randint(-spread, spread)
            if [(f.kind, f.minute) for f in dosing.monitoring_findings(varied)] == base:
                return varied
        return frame

    def record(self) -> VariantRecord:
        return VariantRecord(self)


class VariantRecord:
    """The variant kept in the notebook (the grader compares it with the submitting trainee's)."""

    def __init__(self, variant: Variant):
        self.variant = variant

    def _repr_mimebundle_(self, include=None, exclude=None):
        v = self.variant
        who = f"trainee {v.trainee}" if v.trainee else "no trainee id (self-study: the course's own numbers)"
        return {
            VARIANT_MIME: {"module": v.module, "trainee": v.trainee, "variant": v.number},
            "text/plain": f"Case numbers for {v.module}: variant {v.number}, {who}.",
        }


def for_module(module_id: str, trainee: str | None = None) -> Variant:
    """This trainee's variant of a module (the trainee found as the module docstring says, unless given)."""
    trainee = trainee if trainee is not None else trainee_id()
    return Variant(module_id, trainee, variant_number(module_id, trainee))


def recorded_variant(notebook: dict) -> dict | None:
    """The variant a submitted notebook says it used (from its setup cell's output), if any."""
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            found = output.get("data", {}).get(VARIANT_MIME)
            if isinstance(found, dict):
                return found
    return None
