"""Screening accuracy and the contraindication / precaution screen the course teaches.

The screen reads a synthetic vignette and returns flags with their reasons and reference keys
(FACTS.md §4.3, §4.1, §1.2). It is a teaching model of how labels and clinics list exclusions,
not a clinical eligibility tool: real assessment is a clinician's full evaluation.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .checks import number, proportion

# -- Screening accuracy --------------------------------------------------------------------


@dataclass(frozen=True)
class Accuracy:
    """Sensitivity and specificity of a screening cut-off, with its source key."""
    test: str
    sensitivity: float
    specificity: float
    source: str


#: GAD-7 at a cut-off of 10 against a clinician interview for GAD (F1.4).
GAD7_AT_10 = Accuracy("GAD-7 >= 10 for GAD", 0.89, 0.82, "spitzer2006")
#: PHQ-9 at a cut-off of 10 for major depression (F1.13).
PHQ9_AT_10 = Accuracy("PHQ-9 >= 10 for major depression", 0.88, 0.88, "kroenke2001")


def ppv(sensitivity, specificity, prevalence) -> float:
    """Positive predictive value: of those who screen positive, the share who have the condition."""
    se = proportion(sensitivity, "sensitivity")
    sp = proportion(specificity, "specificity")
    p = proportion(prevalence, "prevalence")
    true_pos = se * p
    false_pos = (1 - sp) * (1 - p)
    if true_pos + false_pos == 0:
        raise ValueError("No one screens positive with these values (sensitivity 0 or prevalence 0 "
                         "with specificity 1), so PPV is undefined.")
    return true_pos / (true_pos + false_pos)


def npv(sensitivity, specificity, prevalence) -> float:
    """Negative predictive value: of those who screen negative, the share who do not have it."""
    se = proportion(sensitivity, "sensitivity")
    sp = proportion(specificity, "specificity")
    p = proportion(prevalence, "prevalence")
    true_neg = sp * (1 - p)
    false_neg = (1 - se) * p
    if true_neg + false_neg == 0:
        raise ValueError("No one screens negative with these values, so NPV is undefined.")
    return true_neg / (true_neg + false_neg)


def screening_counts(sensitivity, specificity, prevalence, population=1000) -> dict[str, int]:
    """Natural frequencies: true/false positives and negatives in a population (rounded)."""
    n = number(population, "population", 1, 10_000_000)
    se = proportion(sensitivity, "sensitivity")
    sp = proportion(specificity, "specificity")
    p = proportion(prevalence, "prevalence")
    ill = n * p
    well = n - ill
    return {"true_positive": round(se * ill), "false_negative": round(ill - se * ill),
            "false_positive": round((1 - sp) * well), "true_negative": round(sp * well)}


# -- Contraindication and precaution screen -------------------------------------------------

DECISIONS = ("exclude", "refer", "defer", "proceed")
DECISION_LABELS = {
    "exclude": "exclude: a listed contraindication or exclusion",
    "refer": "refer: another assessment or service comes first",
    "defer": "defer: a modifiable issue to resolve, then re-screen",
    "proceed": "proceed to full evaluation (not to treatment)",
}

#: Resting blood pressure above which one ketamine label lists a contraindication (F4.7).
BP_CONTRAINDICATION = (180, 100)
#: Pre-dose blood pressure above which the esketamine label says consider delaying (F4.6).
BP_DELAY = (140, 90)
#: Course convention: how many adequate first-line trials before KAP is considered.
MIN_ADEQUATE_TRIALS = 2

_EXCLUDING_CONDITIONS = {
    "aneurysm": ("Aneurysmal vascular disease is a label contraindication.", "spravato_label"),
    "avm": ("Arteriovenous malformation is a label contraindication.", "spravato_label"),
    "intracerebral_haemorrhage": ("A history of intracerebral haemorrhage is a label contraindication.",
                                  "spravato_label"),
    "ketamine_hypersensitivity": ("Hypersensitivity to ketamine is a label contraindication.", "spravato_label"),
    "stroke": ("After a stroke, a blood-pressure rise is a serious hazard (a label contraindication).",
               "swiss_ketamine_label"),
    "hyperthyroidism_untreated": ("Untreated hyperthyroidism is a label contraindication.", "swiss_ketamine_label"),
    "hepatic_impairment_severe": ("Severe hepatic impairment: use is not recommended.", "spravato_label"),
}
_PRECAUTION_CONDITIONS = {
    "hypertension": ("Hypertension (controlled): blood-pressure surges are more likely; monitor closely.",
                     "yale_bp2024"),
    "cardiovascular_disease": ("Cardiovascular disease: a listed warning; weigh benefit and risk.", "spravato_label"),
    "hepatic_impairment_moderate": ("Moderate hepatic impairment: the label advises longer monitoring.",
                                    "spravato_label"),
    "cystitis": ("Cystitis: a listed precaution (urinary tract effects).", "spravato_label"),
    "cognitive_impairment": ("Cognitive impairment: a listed precaution.", "spravato_label"),
}
_PRECAUTION_DRUG_CLASSES = {
    "benzodiazepine": ("Benzodiazepine: a CNS depressant that increases sedation.", "spravato_label"),
    "opioid": ("Opioid: a CNS depressant that increases sedation.", "spravato_label"),
    "MAOI": ("MAOI: may increase blood pressure.", "spravato_label"),
    "stimulant": ("Psychostimulant: may increase blood pressure.", "spravato_label"),
}


@dataclass(frozen=True)
class Flag:
    """One finding of the screen: its level (exclude/refer/defer/precaution), reason and sources."""
    level: str
    code: str
    reason: str
    sources: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.reason} {' '.join(f'[{k}]' for k in self.sources) or '[citation to verify]'}"


@dataclass(frozen=True)
class Triage:
    patient_id: str
    decision: str
    reasons: tuple[Flag, ...]
    precautions: tuple[Flag, ...] = field(default=())

    @property
    def label(self) -> str:
        return DECISION_LABELS[self.decision]

    def explain(self) -> str:
        lines = [f"{self.patient_id}: {self.label}"]
        lines += [f"  - {flag}" for flag in self.reasons]
        lines += [f"  - precaution: {flag}" for flag in self.precautions]
        return "\n".join(lines)


def adequate_trials(patient) -> int:
    """Number of prior treatment trials marked adequate in a vignette."""
    return sum(1 for trial in patient["prior_trials"] if trial["adequate"])


def screen(patient) -> list[Flag]:
    """Every flag the screen raises for one vignette (validated first)."""
    from .vignettes import validate_patient
    validate_patient(patient)
    flags: list[Flag] = []

    def add(level, code, reason, *sources):
        flags.append(Flag(level, code, reason, sources))

    psych = patient["psychiatric_history"]
    if psych["psychosis"]:
        add("exclude", "psychosis", "Personal history of psychosis: ketamine can bring back psychotic "
            "symptoms; clinics and anaesthesia texts list it as an exclusion.", "psyon_clinic", "lahti2001",
            "millers_anesthesia")
    elif psych["family_psychosis"]:
        add("precaution", "family_psychosis", "First-degree family history of psychosis: some clinics exclude "
            "this; weigh it in the full evaluation.", "psyon_clinic")
    pregnancy = patient["pregnancy"]
    if pregnancy["pregnant"] or pregnancy["breastfeeding"]:
        what = "Pregnancy" if pregnancy["pregnant"] else "Breastfeeding"
        add("exclude", "pregnancy", f"{what}: not recommended (embryo-fetal toxicity); the anxiety trials "
            "excluded pregnant and lactating patients.", "spravato_label", "actrn12615000617561")
    use = patient["substance_use"]
    if use["sud"] == "active":
        add("exclude", "active_sud", "Active substance use disorder: clinics exclude it unless abstinent for "
            "at least a year.", "psyon_clinic")
    elif use["sud"] == "remission":
        add("precaution", "sud_history", "Substance use disorder in remission: monitor for misuse.",
            "spravato_label", "psyon_clinic")
    if use["nonmedical_ketamine"]:
        add("precaution", "nonmedical_ketamine", "Non-medical ketamine use: misuse and bladder harm occur with "
            "frequent use.", "winstock2012")
    sbp, dbp = patient["vitals"]["sbp"], patient["vitals"]["dbp"]
    if sbp > BP_CONTRAINDICATION[0] or dbp > BP_CONTRAINDICATION[1]:
        add("exclude", "bp_uncontrolled", f"Resting BP {sbp}/{dbp} mmHg is above 180/100: poorly controlled "
            "hypertension is a label contraindication; re-screen once it is treated.", "swiss_ketamine_label")
    elif sbp > BP_DELAY[0] or dbp > BP_DELAY[1]:
        add("defer", "bp_raised", f"Resting BP {sbp}/{dbp} mmHg is above 140/90: the label says consider "
            "delaying; re-check after blood-pressure review.", "spravato_label")
    for code in patient["medical_history"]:
        if code in _EXCLUDING_CONDITIONS:
            add("exclude", code, *_EXCLUDING_CONDITIONS[code])
        elif code in _PRECAUTION_CONDITIONS:
            add("precaution", code, *_PRECAUTION_CONDITIONS[code])
    for cls in sorted({m["class"] for m in patient["medications"]} & set(_PRECAUTION_DRUG_CLASSES)):
        add("precaution", cls, *_PRECAUTION_DRUG_CLASSES[cls])
    if patient["scales"]["phq9"][8] > 0:
        add("refer", "phq9_item9", "PHQ-9 item 9 is positive (thoughts of death or self-harm): a structured "
            "suicide-risk assessment comes first (citation to verify for this step).", "kroenke2001", "posner2011")
    n_adequate = adequate_trials(patient)
    if n_adequate < MIN_ADEQUATE_TRIALS:
        add("refer", "not_treatment_resistant", f"{n_adequate} adequate first-line trial(s): stepped care "
            "(psychological therapy, an SSRI/SNRI) comes first; the ketamine anxiety trials enrolled "
            "treatment-refractory patients. The threshold of 2 is a course convention.", "nice_cg113", "glue2017")
    if not patient["support"]["support_person"]:
        add("defer", "no_support", "No support person for dosing days: arrange support and re-screen "
            "(a course convention).")
    return flags


def triage(patient) -> Triage:
    """Triage a vignette: the most serious level of any flag decides; precautions are listed beside it."""
    flags = screen(patient)
    decision = next((level for level in DECISIONS[:3] if any(f.level == level for f in flags)), "proceed")
    return Triage(patient["id"], decision,
                  tuple(f for f in flags if f.level == decision),
                  tuple(f for f in flags if f.level == "precaution"))
