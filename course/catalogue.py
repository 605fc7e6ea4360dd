"""The six modules: ids, titles, objectives and estimated times (the start page is made from this)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Module:
    id: str          # the nbgrader assignment name and the folder under solutions/ and modules/
    notebook: str    # notebook file name inside that folder
    title: str
    objectives: tuple[str, ...]
    minutes: int


MODULES: tuple[Module, ...] = (
    Module("00-orientation", "orientation.ipynb", "Orientation: anxiety care today and reading the evidence",
           ("Open, run, validate and submit a module", "Place anxiety care in context: prevalence and "
            "first-line non-response", "Grade a press claim against the studies behind it"), 45),
    Module("01-assessment", "assessment.ipynb", "Assessment and eligibility",
           ("Score and interpret GAD-7, PHQ-9 (with the item-9 safety flag), HAM-A, LSAS and PDSS",
            "Work out what a positive screen means at a given prevalence (PPV)",
            "Count adequate prior trials and screen for contraindications and precautions",
            "Triage a synthetic patient: proceed to evaluation, defer, refer or exclude"), 75),
    Module("02-dosing", "dosing.ipynb", "Dosing frameworks and monitoring",
           ("Compare routes by bioavailability ranges", "Do mg/kg arithmetic with units and checks",
            "Read published schedules and monitoring thresholds, and the limits of a calculator"), 75),
    Module("03-integration", "integration.ipynb", "Integration planning",
           ("Plan preparation, dosing and integration sessions", "Match a patient's profile to modalities "
            "with their real evidence level"), 60),
    Module("04-expectations", "expectations.ipynb", "Expectation management: KAP and conventional care compared",
           ("Compute response, remission and NNT", "Communicate probabilities with icon arrays",
            "Write an expectation-setting script"), 75),
    Module("05-capstone", "capstone.ipynb", "Capstone: a branched case",
           ("Follow one patient from intake to plan to expectations",), 60),
)


def module(module_id: str) -> Module:
    for m in MODULES:
        if m.id == module_id:
            return m
    raise ValueError(f"No module {module_id!r}; the modules are {', '.join(m.id for m in MODULES)}.")
