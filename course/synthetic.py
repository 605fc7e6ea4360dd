"""Seeded generator of the course's synthetic patients: ``datasets/vignettes.json``.

Every patient is invented. Each one is designed by hand below (history, vitals, medicines, prior
trials, intended triage, scale *totals* and a teaching point); the generator then draws the item
responses with a seeded random generator so that every scale adds up to its designed total.
Same seed, byte-identical file. How the figures trace to published sources: ``datasets/DATACARD.md``.

Regenerate with ``python -m course.synthetic``; ``tests/test_datasets.py`` checks the committed file.
Standard library only.
"""
from __future__ import annotations

import copy
import json
import random
from pathlib import Path

SEED = 20261125
ROOT = Path(__file__).resolve().parent.parent
VIGNETTES_JSON = ROOT / "datasets" / "vignettes.json"
DESCRIPTION = "Synthetic patients for the KAP for Anxiety course. Invented people; not clinical data."


def med(name, cls, mg):
    return {"name": name, "class": cls, "daily_dose_mg": mg}


def trial(drug, cls, mg, weeks, adequate=True):
    """A past medicine trial. Course convention: adequate = at least 8 weeks at a usual dose."""
    return {"drug": drug, "class": cls, "daily_dose_mg": mg, "weeks": weeks, "adequate": adequate}


def use(alcohol, notes, cannabis="none", sud="none", months_abstinent=None, ketamine=False):
    return {"alcohol_units_per_week": alcohol, "cannabis": cannabis, "nonmedical_ketamine": ketamine,
            "sud": sud, "months_abstinent": months_abstinent, "notes": notes}


# -- The designs ----------------------------------------------------------------------------
# vitals = (systolic, diastolic, heart rate) at rest at intake.
# flags: any of pregnant, breastfeeding, psychosis, family_psychosis, suicide_attempt (default: none).
# cues: any of imagery, memory, parts (intrusive imagery, memory-rooted onset, parts language).
# totals: designed scale totals (lsas = fear + avoidance); item9 = designed PHQ-9 item 9 (default 0).

DESIGNS = [
    dict(
        id="P01", name="Amara O.", age=34, sex="F", weight_kg=68.4, diagnoses=["GAD"],
        presenting="A secondary-school teacher who lies awake rehearsing every way the next day could go "
                   "wrong. She has started taking sick days because the worry leaves her exhausted.",
        history="Worry has been part of her life since university and became constant after she took on a "
                "head-of-department role. CBT helped her name her worry patterns, but the gains faded when "
                "her workload rose. Two antidepressants, each taken for a full course at a usual dose, took "
                "the edge off without lifting the worry, and her current SNRI has done the same.",
        vitals=(116, 74, 72),
        medications=[med("duloxetine", "SNRI", 60)],
        prior_trials=[trial("escitalopram", "SSRI", 20, 12), trial("venlafaxine", "SNRI", 150, 10),
                      trial("duloxetine", "SNRI", 60, 16)],
        substance_use=use(3, "A glass of wine on some weekends."),
        medical_history=[],
        support=(True, "Her partner can bring her to sessions and stay with her afterwards."),
        dominant="cognitive", cues=(),
        quotes=["My mind runs through every way tomorrow could go wrong.",
                "I know the worry is out of proportion, but I can't switch it off."],
        totals={"gad7": 17, "phq9": 6, "hama": 27},
        triage="proceed",
        teaching_point="A clean proceed: severe GAD-7 (spitzer2006), HAM-A above the trial inclusion "
                       "threshold of 20 (actrn12615000617561), three adequate prior trials, normal blood "
                       "pressure, support in place, no precautions. Proceed means on to full evaluation, "
                       "not to treatment.",
    ),
    dict(
        id="P02", name="Kenji T.", age=27, sex="M", weight_kg=74.2, diagnoses=["SAD"],
        presenting="A software tester who eats lunch in his car and keeps his camera off in every video "
                   "meeting. He has turned down a promotion because it would mean presenting to clients.",
        history="He traces his fear to being laughed at when he froze while reading aloud in class as a "
                "boy, a scene he still replays before meetings. Avoidance grew through university and his "
                "first jobs. Group CBT got him to a few events, but he dropped the exposure work when it "
                "felt overwhelming. Two SSRIs at full doses for a full course each helped a little; he now "
                "takes an SNRI.",
        vitals=(122, 78, 80),
        medications=[med("venlafaxine", "SNRI", 225)],
        prior_trials=[trial("sertraline", "SSRI", 200, 12), trial("escitalopram", "SSRI", 20, 10),
                      trial("venlafaxine", "SNRI", 225, 14)],
        substance_use=use(6, "A few drinks at the rare social event he attends; occasional cannabis at home.",
                          cannabis="occasional"),
        medical_history=[],
        support=(True, "His older sister lives nearby and has offered to come with him."),
        dominant="behavioural", cues=("imagery", "memory"),
        quotes=["I still see the whole class turning round to stare at me.",
                "If there's any chance I'll have to speak, I just don't go."],
        totals={"gad7": 7, "phq9": 8, "lsas": 92},
        triage="proceed",
        teaching_point="Proceed: SAD with LSAS far above the generalized-subtype cut-off of 60 (mennin2002) "
                       "and the trial threshold of 50 (actrn12615000617561), treatment-refractory. The GAD-7 "
                       "is only mild: it was built for GAD and can under-read social anxiety. The replayed "
                       "school memory is a cue for memory-focused integration work (module 03).",
    ),
    dict(
        id="P03", name="Lucía M.", age=45, sex="F", weight_kg=61.0, diagnoses=["PD", "AGO"],
        presenting="A pharmacist who has not driven on the motorway or entered a large supermarket alone for "
                   "years. A pounding heart is the first thing she checks for every morning.",
        history="Her first panic attack came at her father's hospital bedside, and hospital smells still "
                "bring it back. Attacks became frequent over the following months and she began avoiding "
                "places she could not leave quickly. CBT with interoceptive exposure helped for a time. "
                "Three antidepressants at usual doses for a full course reduced the attacks but not the "
                "avoidance. She also takes a low-dose benzodiazepine every day, prescribed by her GP.",
        vitals=(118, 76, 88),
        medications=[med("sertraline", "SSRI", 150), med("clonazepam", "benzodiazepine", 1)],
        prior_trials=[trial("citalopram", "SSRI", 40, 12), trial("venlafaxine", "SNRI", 150, 10),
                      trial("sertraline", "SSRI", 150, 20)],
        substance_use=use(2, "Rarely drinks; worries alcohol will set off palpitations."),
        medical_history=[],
        support=(True, "Her husband drives her to appointments."),
        dominant="somatic", cues=("memory",),
        quotes=["The moment my heart speeds up I'm sure something is wrong with it.",
                "I know where every exit is in every shop."],
        totals={"gad7": 14, "phq9": 9, "pdss": 17},
        triage="proceed",
        teaching_point="Proceed with a precaution: a daily benzodiazepine, a CNS depressant that adds to "
                       "ketamine's sedation (spravato_label). A precaution is listed and planned for; it does "
                       "not change the triage. Panic with agoraphobia is scored on the PDSS (shear1997).",
    ),
    dict(
        id="P04", name="Tomasz W.", age=52, sex="M", weight_kg=88.6, diagnoses=["GAD", "MDD"],
        presenting="A self-employed builder who has worried about money and his family's safety for most of "
                   "his adult life and has felt flat and joyless for the past year.",
        history="He calls himself a worrier since his teens. Low mood followed a business failure and has "
                "not lifted although the business recovered. He completed CBT for depression and found the "
                "thought records useful but hard to keep up. Three antidepressants at usual doses for a "
                "full course brought partial improvement; mirtazapine was added for sleep. His younger "
                "brother has schizophrenia.",
        vitals=(132, 84, 76),
        medications=[med("escitalopram", "SSRI", 20), med("mirtazapine", "other", 30)],
        prior_trials=[trial("sertraline", "SSRI", 150, 12), trial("duloxetine", "SNRI", 90, 10),
                      trial("escitalopram", "SSRI", 20, 16)],
        substance_use=use(8, "Two or three beers on weekend evenings."),
        flags=("family_psychosis",),
        medical_history=[],
        support=(True, "His wife will take a day off work for each dosing day."),
        dominant="cognitive", cues=("parts",),
        quotes=["There's a part of me that won't let me rest until everyone is safe.",
                "Another part of me has just given up trying."],
        totals={"gad7": 16, "phq9": 17, "hama": 29},
        triage="proceed",
        teaching_point="Proceed with a precaution: a first-degree relative with psychosis. The course lists "
                       "it as a precaution, but some clinics exclude it (psyon_clinic), so it belongs in the "
                       "full evaluation and the consent talk. Depression is moderately severe on the PHQ-9 "
                       "(kroenke2001) with item 9 negative; note the ketamine anxiety trials enrolled patients "
                       "who were not currently depressed (glue2017). His 'parts' language is a cue for "
                       "parts-based integration (module 03).",
    ),
    dict(
        id="P05", name="Samuel A.", age=61, sex="M", weight_kg=97.3, diagnoses=["GAD"],
        presenting="A retired bus driver whose worry shows up as tight shoulders, headaches and a churning "
                   "stomach. He stopped his blood-pressure tablets months ago because they made him dizzy.",
        history="Anxiety began when he was made redundant and stayed through a comfortable retirement. "
                "Applied relaxation eased his muscle tension for a while. Two antidepressants at usual doses "
                "for a full course each gave partial relief. His GP diagnosed high blood pressure some years "
                "ago; it has not been reviewed since he stopped treatment.",
        vitals=(186, 104, 84),
        medications=[med("sertraline", "SSRI", 100)],
        prior_trials=[trial("escitalopram", "SSRI", 20, 12), trial("sertraline", "SSRI", 100, 14)],
        substance_use=use(10, "Drinks at his club most weekends."),
        medical_history=["hypertension"],
        support=(True, "His daughter can come with him."),
        dominant="somatic", cues=(),
        quotes=["It's all in my body: my neck, my stomach, my head.",
                "I don't feel worried so much as wound up tight."],
        totals={"gad7": 15, "phq9": 5, "hama": 24},
        triage="exclude",
        teaching_point="Exclude: resting BP 186/104 mmHg is above 180/100, which a Swiss ketamine label lists "
                       "as a contraindication (poorly controlled or untreated hypertension; "
                       "swiss_ketamine_label). It is also above the 140/90 delay threshold (spravato_label), "
                       "but exclude outranks defer. The cause is modifiable: re-screen once his blood "
                       "pressure is treated and controlled.",
    ),
    dict(
        id="P06", name="Priya S.", age=20, sex="F", weight_kg=55.8, diagnoses=["GAD", "MDD"],
        presenting="A second-year university student who has stopped going to lectures and spends nights "
                   "worrying about failing and letting her parents down. On her questionnaire she marked "
                   "that thoughts of being better off dead came on several days.",
        history="Worry started in secondary school and grew after she was followed home late one night in "
                "her first year, which she still sees in flashes when she is alone after dark. Low mood "
                "followed. She completed guided self-help and then CBT through the university service. Two "
                "SSRIs at usual doses for a full course helped her sleep but not the worry or the mood.",
        vitals=(110, 70, 86),
        medications=[med("sertraline", "SSRI", 150)],
        prior_trials=[trial("fluoxetine", "SSRI", 40, 10), trial("sertraline", "SSRI", 150, 12)],
        substance_use=use(4, "Drinks at the odd party; occasional cannabis with flatmates.",
                          cannabis="occasional"),
        medical_history=[],
        support=(True, "Her flatmate and her mother both say they can come with her."),
        dominant="cognitive", cues=("imagery", "memory"),
        quotes=["I keep seeing his shadow behind me on the path.",
                "When the worry gets loud I think everyone would cope better without me."],
        totals={"gad7": 18, "phq9": 21, "hama": 31}, item9=1,
        triage="refer",
        teaching_point="Refer: PHQ-9 item 9 is positive, even at the lowest response ('several days'). Any "
                       "positive item 9 calls for a structured suicide-risk assessment such as the C-SSRS "
                       "(posner2011) before anything else (citation to verify for this step, F1.15). She is "
                       "otherwise treatment-refractory with severe anxiety and depression scores, so the "
                       "question can return once safety has been assessed.",
    ),
    dict(
        id="P07", name="Hannah B.", age=38, sex="F", weight_kg=72.1, diagnoses=["GAD"],
        presenting="An accountant who read about ketamine clinics online and asks whether it could fix her "
                   "worrying. She worries most about her children's health and work deadlines but still "
                   "manages work and home.",
        history="She has been a worrier for years, more noticeably since her second child was born. She has "
                "not had psychological therapy. Her GP started an SSRI, which she stopped after a few weeks "
                "because of nausea. She has had no other treatment.",
        vitals=(118, 72, 70),
        medications=[],
        prior_trials=[trial("sertraline", "SSRI", 50, 4, adequate=False)],
        substance_use=use(5, "A glass of wine with dinner a few nights a week."),
        medical_history=[],
        support=(True, "Her husband is supportive and can come with her."),
        dominant="cognitive", cues=(),
        quotes=["What if the headache means something serious? I have to check.",
                "I cope, but the worrying takes up so much room."],
        totals={"gad7": 8, "phq9": 4, "hama": 12},
        triage="refer",
        teaching_point="Refer: mild GAD (GAD-7 mild band, spitzer2006; HAM-A mild band, matza2010) and no "
                       "adequate trial, because her one SSRI trial was too short. Stepped care comes first "
                       "(nice_cg113): psychological therapy such as CBT, and an adequate SSRI trial if needed. "
                       "The ketamine anxiety trials enrolled treatment-refractory patients (glue2017).",
    ),
    dict(
        id="P08", name="Mateo R.", age=44, sex="M", weight_kg=83.5, diagnoses=["GAD"],
        presenting="A restaurant manager who checks the locks, the ovens and his phone over and over and asks "
                   "his partner for reassurance many times a day. He has been sober for over two years and "
                   "is wary of anything that might put that at risk.",
        history="Worry and checking date back to his early twenties; he used alcohol to quiet them and "
                "developed an alcohol use disorder. He completed residential treatment and still goes to a "
                "mutual-support group. Since he stopped drinking the worry has become more prominent. CBT "
                "with exposure and response prevention reduced the checking for a while. Three medicine "
                "trials at usual doses for a full course gave partial benefit.",
        vitals=(128, 80, 74),
        medications=[med("venlafaxine", "SNRI", 225)],
        prior_trials=[trial("escitalopram", "SSRI", 20, 12), trial("pregabalin", "pregabalin", 300, 10),
                      trial("venlafaxine", "SNRI", 225, 20)],
        substance_use=use(0, "Alcohol use disorder in sustained remission; goes to a weekly mutual-support "
                             "group.", sud="remission", months_abstinent=26),
        medical_history=[],
        support=(True, "His partner and his sponsor have both offered to help on dosing days."),
        dominant="behavioural", cues=("parts",),
        quotes=["A part of me still says one drink would shut the worry up.",
                "If I don't check, I can't settle, so I check again."],
        totals={"gad7": 16, "phq9": 8, "hama": 25},
        triage="proceed",
        teaching_point="Proceed with a precaution: substance use disorder in remission, abstinent well beyond "
                       "the one year some clinics require (psyon_clinic); the label advises monitoring for "
                       "misuse (spravato_label). Checking and reassurance-seeking make his profile "
                       "behavioural; the 'part' that wants a drink is a cue for parts-based integration.",
    ),
    dict(
        id="P09", name="Rowan E.", age=29, sex="X", weight_kg=66.9, diagnoses=["GAD"],
        presenting="A graphic designer who cannot stop worrying about work, money and their health, and asks "
                   "about ketamine after a friend called it life-changing. They mention a frightening time "
                   "in their early twenties when they believed strangers were sending them messages.",
        history="Worry has been constant since adolescence. In their early twenties, during a period of heavy "
                "cannabis use, they had a psychotic episode that needed a hospital admission and an "
                "antipsychotic; they stopped cannabis, later came off the antipsychotic with their "
                "psychiatrist's agreement, and have been well since. CBT for worry helped them spot "
                "patterns. Two antidepressants at usual doses for a full course gave modest relief.",
        vitals=(114, 72, 78),
        medications=[med("escitalopram", "SSRI", 20)],
        prior_trials=[trial("sertraline", "SSRI", 150, 12), trial("escitalopram", "SSRI", 20, 14)],
        substance_use=use(2, "Stopped cannabis completely after the episode; drinks rarely."),
        flags=("psychosis",),
        medical_history=[],
        support=(True, "Their partner can come with them."),
        dominant="cognitive", cues=(),
        quotes=["I can't stop thinking about what could go wrong at work.",
                "Even when things are fine, I'm waiting for the catch."],
        totals={"gad7": 15, "phq9": 9, "hama": 23},
        triage="exclude",
        teaching_point="Exclude: a personal history of psychosis. Ketamine can bring back psychotic symptoms "
                       "in people who have had them (lahti2001); clinics and anaesthesia texts list psychotic "
                       "illness as an exclusion (psyon_clinic, millers_anesthesia), and the esketamine label "
                       "asks for a benefit-risk assessment (spravato_label). Everything else in this case "
                       "would proceed: one history item decides.",
    ),
    dict(
        id="P10", name="Fatima Z.", age=57, sex="F", weight_kg=79.2, diagnoses=["PD", "AGO"],
        presenting="A school administrator whose panic attacks bring chest tightness and a racing heart; she "
                   "now avoids buses and crowded places. Her blood pressure was raised on repeated readings "
                   "at intake, and she has never been treated for it.",
        history="Panic began around the menopause, after an attack on a crowded train, and she has since "
                "narrowed her travel to routes she can walk. Her GP ruled out heart disease. CBT with "
                "interoceptive exposure helped her understand the attacks, but the avoidance stayed. Two "
                "antidepressants at usual doses for a full course made the attacks less frequent.",
        vitals=(152, 94, 82),
        medications=[med("escitalopram", "SSRI", 15)],
        prior_trials=[trial("sertraline", "SSRI", 100, 12), trial("escitalopram", "SSRI", 15, 14)],
        substance_use=use(0, "Does not drink."),
        medical_history=[],
        support=(True, "Her son can drive her to and from sessions."),
        dominant="somatic", cues=(),
        quotes=["The tightness in my chest makes me sure I'm about to collapse.",
                "My body goes first; the fear comes after."],
        totals={"gad7": 12, "phq9": 7, "pdss": 14},
        triage="defer",
        teaching_point="Defer: resting BP 152/94 mmHg is above 140/90, where the esketamine label says to "
                       "consider delaying treatment (spravato_label), but not above the 180/100 "
                       "contraindication (swiss_ketamine_label). Arrange a blood-pressure review, repeat the "
                       "readings, then re-screen.",
    ),
    dict(
        id="P11", name="Wiremu H.", age=58, sex="M", weight_kg=104.7, diagnoses=["GAD", "SAD"],
        presenting="A farm-equipment salesman who dreads phone calls and team meetings and spends his "
                   "evenings worrying about sales targets. He has put off planning his retirement because "
                   "every decision feels risky.",
        history="He was a shy boy, and the worry grew with his responsibilities at work. He avoids speaking "
                "in meetings and lets colleagues make his calls. CBT helped him keep working. Three "
                "antidepressants at usual doses for a full course each helped partly. High blood pressure, "
                "found in his fifties, is well controlled on one tablet.",
        vitals=(128, 82, 68),
        medications=[med("escitalopram", "SSRI", 20), med("amlodipine", "antihypertensive", 5)],
        prior_trials=[trial("sertraline", "SSRI", 150, 12), trial("venlafaxine", "SNRI", 150, 10),
                      trial("escitalopram", "SSRI", 20, 16)],
        substance_use=use(7, "A few beers on Friday and Saturday."),
        medical_history=["hypertension"],
        support=(True, "His wife and adult son share the driving."),
        dominant="behavioural", cues=("parts",),
        quotes=["Part of me wants to speak up in meetings, and another part keeps me quiet.",
                "I let the phone ring out rather than answer it."],
        totals={"gad7": 14, "phq9": 6, "hama": 22, "lsas": 68},
        triage="proceed",
        teaching_point="Proceed with a precaution: hypertension controlled on an antihypertensive, resting BP "
                       "under 140/90. In one large retrospective series every patient with a history of "
                       "hypertension had a BP surge during ketamine infusions (yale_bp2024), so session "
                       "monitoring matters more; controlled hypertension does not change the triage. GAD and "
                       "SAD together, both above the trial thresholds (actrn12615000617561).",
    ),
    dict(
        id="P12", name="Chloé D.", age=31, sex="F", weight_kg=64.3, diagnoses=["GAD"],
        presenting="A nurse midway through her first pregnancy whose worry about the baby and about work "
                   "keeps her awake. She asks whether ketamine could get her through the pregnancy.",
        history="Worry and muscle tension began in nursing school. Applied relaxation and later CBT helped "
                "her manage her shifts. Two SSRIs at usual doses for a full course each helped partly; she "
                "continues one with her obstetric team's knowledge.",
        vitals=(108, 68, 84),
        medications=[med("sertraline", "SSRI", 100)],
        prior_trials=[trial("escitalopram", "SSRI", 15, 12), trial("sertraline", "SSRI", 100, 20)],
        substance_use=use(0, "Stopped drinking when she learned she was pregnant."),
        flags=("pregnant",),
        medical_history=[],
        support=(True, "Her partner comes to every appointment."),
        dominant="somatic", cues=(),
        quotes=["My jaw and shoulders are tight all day.",
                "I feel the worry in my stomach before I know what it's about."],
        totals={"gad7": 16, "phq9": 8, "hama": 26},
        triage="exclude",
        teaching_point="Exclude: pregnancy. Ketamine products are not recommended in pregnancy (embryo-fetal "
                       "toxicity; spravato_label), and the GAD/SAD ketamine trials excluded pregnant and "
                       "lactating patients (actrn12615000617561). Her existing care continues with the "
                       "obstetric team.",
    ),
    dict(
        id="P13", name="Seun B.", age=36, sex="M", weight_kg=91.4, diagnoses=["SAD"],
        presenting="An IT consultant who cannot face a client meeting or a party without drinking first, and "
                   "who now drinks most evenings. His partner has asked him to get help for the drinking.",
        history="Social fear began in secondary school. In his late teens he found that alcohol made social "
                "situations bearable, and his drinking has grown steadily since; he meets criteria for an "
                "alcohol use disorder and has not tried to stop. Two antidepressants at usual doses for a "
                "full course eased his fear somewhat. He has not had psychological therapy.",
        vitals=(134, 86, 90),
        medications=[med("paroxetine", "SSRI", 40)],
        prior_trials=[trial("venlafaxine", "SNRI", 225, 10), trial("paroxetine", "SSRI", 40, 12)],
        substance_use=use(42, "Alcohol use disorder, active: drinks before every social event and most "
                              "evenings alone.", sud="active"),
        medical_history=[],
        support=(True, "His partner will come with him."),
        dominant="behavioural", cues=(),
        quotes=["I can't walk into a room full of people without a drink in me.",
                "I'd rather cancel than make small talk."],
        totals={"gad7": 13, "phq9": 11, "lsas": 84},
        triage="exclude",
        teaching_point="Exclude: an active alcohol use disorder. Clinics exclude active substance addiction "
                       "unless abstinent for at least a year (psyon_clinic), and alcohol adds to ketamine's "
                       "sedation (spravato_label). Treating the alcohol use disorder comes first; care for "
                       "his social anxiety continues alongside.",
    ),
    dict(
        id="P14", name="Mei L.", age=24, sex="F", weight_kg=52.6, diagnoses=["SAD"],
        presenting="A laboratory technician who moved to a new city for work and has hardly spoken to anyone "
                   "outside work since. She lives alone and says there is no one she could ask to take her "
                   "home after a session.",
        history="She remembers dreading speaking in class from primary school. Moving away from her family "
                "took away the few people she felt safe with. Online CBT for social anxiety helped in some "
                "work situations. Two SSRIs at usual doses for a full course each helped partly.",
        vitals=(106, 66, 76),
        medications=[med("fluoxetine", "SSRI", 40)],
        prior_trials=[trial("sertraline", "SSRI", 150, 12), trial("fluoxetine", "SSRI", 40, 10)],
        substance_use=use(1, "Rarely drinks."),
        medical_history=[],
        support=(False, "Lives alone, far from her family; no friend or relative can come with her on "
                        "dosing days."),
        dominant="behavioural", cues=("imagery",),
        quotes=["Before I go in, I picture every face going quiet when I speak.",
                "It's easier to eat at my desk."],
        totals={"gad7": 12, "phq9": 10, "lsas": 78},
        triage="defer",
        teaching_point="Defer: no support person for dosing days. Patients should not drive until the next day "
                       "after restful sleep (spravato_label) and need someone to see them home; the course "
                       "treats missing support as a gap to close (a course convention), not a reason to "
                       "exclude. Re-screen once support is arranged.",
    ),
    dict(
        id="P15", name="Aisha N.", age=33, sex="F", weight_kg=70.8, diagnoses=["PD", "AGO"],
        presenting="The mother of a young baby, who has had repeated panic attacks since a difficult birth and "
                   "now avoids leaving the house alone with her child. She is breastfeeding and wants "
                   "something that works fast.",
        history="She had occasional panic attacks at university that settled with CBT. They returned after "
                "an emergency delivery, which she relives in vivid flashes, and she began avoiding shops "
                "and buses. Two SSRIs taken before the pregnancy at usual doses for a full course had "
                "helped; she restarted one after the birth on her doctor's advice.",
        vitals=(112, 70, 92),
        medications=[med("sertraline", "SSRI", 100)],
        prior_trials=[trial("escitalopram", "SSRI", 20, 12), trial("sertraline", "SSRI", 150, 16)],
        substance_use=use(0, "Does not drink while breastfeeding."),
        flags=("breastfeeding",),
        medical_history=[],
        support=(True, "Her husband and her mother both help at home."),
        dominant="somatic", cues=("imagery", "memory"),
        quotes=["I keep seeing the delivery room, everyone rushing.",
                "What if I faint while I'm holding her?"],
        totals={"gad7": 15, "phq9": 12, "pdss": 19},
        triage="exclude",
        teaching_point="Exclude: breastfeeding. Ketamine products are not recommended while breastfeeding "
                       "(spravato_label), and the anxiety trials excluded lactating patients "
                       "(actrn12615000617561). Revisit after weaning if still indicated; panic-focused care "
                       "continues meanwhile.",
    ),
    dict(
        id="P16", name="Arjun P.", age=49, sex="M", weight_kg=77.9, diagnoses=["SAD"],
        presenting="A university lecturer who can teach from notes but goes over every conversation for days "
                   "afterwards, sure he has embarrassed himself. He avoids staff meetings and conferences.",
        history="He stammered as a child and was teased for it; the fear of being judged stayed after the "
                "stammer eased. An SSRI and an SNRI at full doses for a full course gave little benefit, so "
                "a psychiatrist started an MAOI, which helped more but not enough. He has had CBT twice and "
                "valued it.",
        vitals=(124, 78, 70),
        medications=[med("phenelzine", "MAOI", 60)],
        prior_trials=[trial("sertraline", "SSRI", 200, 12), trial("venlafaxine", "SNRI", 225, 12),
                      trial("phenelzine", "MAOI", 60, 24)],
        substance_use=use(2, "Follows the dietary advice for his MAOI; drinks rarely."),
        medical_history=[],
        support=(True, "His husband will come with him."),
        dominant="cognitive", cues=("parts", "memory"),
        quotes=["After every meeting I replay what I said, looking for the mistake.",
                "There's a part of me that's still the boy who couldn't get his words out."],
        totals={"gad7": 11, "phq9": 7, "lsas": 96},
        triage="proceed",
        teaching_point="Proceed with a precaution: an MAOI, which with ketamine may raise blood pressure "
                       "(spravato_label), so BP monitoring is planned. LSAS is far above the "
                       "generalized-subtype cut-off (mennin2002). Post-event rumination makes his profile "
                       "cognitive even though the diagnosis is social anxiety.",
    ),
    dict(
        id="P17", name="Sofia G.", age=41, sex="F", weight_kg=58.9, diagnoses=["GAD"],
        presenting="A project manager with ADHD who over-prepares for everything, redoes finished work and "
                   "leaves emails unopened in case they bring bad news. Worry now takes up most of her "
                   "evenings.",
        history="ADHD was diagnosed in her thirties and a stimulant helps her focus. The worry is older, from "
                "her teens, and got worse with a demanding job. CBT for worry helped her plan her days. Of "
                "three medicine trials for anxiety, two were at usual doses for a full course; the third was "
                "stopped early because of dizziness.",
        vitals=(126, 80, 84),
        medications=[med("lisdexamfetamine", "stimulant", 50), med("duloxetine", "SNRI", 60)],
        prior_trials=[trial("escitalopram", "SSRI", 20, 12), trial("buspirone", "other", 30, 5, adequate=False),
                      trial("duloxetine", "SNRI", 60, 14)],
        substance_use=use(3, "A drink or two at weekends."),
        medical_history=[],
        support=(True, "Her sister will stay with her on dosing days."),
        dominant="behavioural", cues=(),
        quotes=["I redo a report again and again before I can send it.",
                "I leave emails unopened for days in case they're bad news."],
        totals={"gad7": 15, "phq9": 8, "hama": 22},
        triage="proceed",
        teaching_point="Proceed with a precaution: a psychostimulant, which with ketamine may raise blood "
                       "pressure (spravato_label). Of three trials only two count as adequate (the buspirone "
                       "trial was too short), which still meets the course's threshold of two.",
    ),
    dict(
        id="P18", name="Hiroshi N.", age=66, sex="M", weight_kg=70.2, diagnoses=["GAD"],
        presenting="A retired engineer whose worry shows up as trembling hands, a dry mouth and an upset "
                   "stomach. A scan for headaches last year found a small brain aneurysm that is being "
                   "watched.",
        history="Worry began after he retired and his wife fell ill. A brain scan for headaches found an "
                "unruptured intracranial aneurysm, now under neurosurgical surveillance, which adds to his "
                "worry. Applied relaxation and then CBT helped partly. Two antidepressants at usual doses "
                "for a full course each helped partly.",
        vitals=(134, 84, 66),
        medications=[med("citalopram", "SSRI", 20)],
        prior_trials=[trial("sertraline", "SSRI", 100, 12), trial("citalopram", "SSRI", 20, 16)],
        substance_use=use(4, "A glass of sake some evenings."),
        medical_history=["aneurysm"],
        support=(True, "His son and daughter-in-law live nearby."),
        dominant="somatic", cues=(),
        quotes=["My hands shake and my stomach turns before I even know what I'm worried about.",
                "I feel it in my body first."],
        totals={"gad7": 14, "phq9": 3, "hama": 21},
        triage="exclude",
        teaching_point="Exclude: aneurysmal vascular disease, including intracranial aneurysm, is a label "
                       "contraindication (spravato_label) because ketamine raises blood pressure. His BP is "
                       "normal and he is treatment-refractory: the medical history alone decides.",
    ),
    dict(
        id="P19", name="Kai Q.", age=22, sex="X", weight_kg=63.5, diagnoses=["SAD"],
        presenting="A barista who freezes when customers are rude and has stopped going to band rehearsals. "
                   "A friend told them ketamine cured his shyness.",
        history="Social fear started in secondary school. Their GP started an SSRI at a starting dose and "
                "they stayed on it for months without the dose being raised; a second SSRI at a usual dose "
                "for a full course helped more. They have not had psychological therapy.",
        vitals=(116, 74, 78),
        medications=[med("escitalopram", "SSRI", 20)],
        prior_trials=[trial("sertraline", "SSRI", 25, 16, adequate=False), trial("escitalopram", "SSRI", 20, 12)],
        substance_use=use(5, "Drinks with friends at weekends; occasional cannabis.", cannabis="occasional"),
        medical_history=[],
        support=(True, "Their housemate is willing to help."),
        dominant="behavioural", cues=(),
        quotes=["I make an excuse rather than go somewhere new.",
                "I stay behind the machine and let someone else deal with people."],
        totals={"gad7": 4, "phq9": 6, "lsas": 48},
        triage="refer",
        teaching_point="Refer: only one adequate trial. The sertraline trial was long but never left the "
                       "starting dose, so it does not count: adequacy needs both enough time and a usual dose "
                       "(course convention). No psychological therapy yet, so stepped care first "
                       "(nice_cg113). LSAS lies between the SAD cut-off of 30 and the generalized-subtype "
                       "cut-off of 60 (mennin2002) and below the trial threshold of 50 "
                       "(actrn12615000617561); the GAD-7 is minimal (spitzer2006) because it is not a "
                       "social-anxiety measure.",
    ),
    dict(
        id="P20", name="Ingrid V.", age=54, sex="F", weight_kg=81.6, diagnoses=["GAD", "PTSD"],
        presenting="A radiographer who has worried constantly and slept badly since a serious car crash, and "
                   "feels on edge whenever she is a passenger. Her body stays braced all day.",
        history="She was an anxious person before the crash, but afterwards the worry spread to every part "
                "of life, with flashbacks of the collision. Trauma-focused CBT reduced the flashbacks "
                "somewhat. Two antidepressants at usual doses for a full course each helped partly. She has "
                "autoimmune hepatitis with moderate liver impairment, followed by a hepatologist.",
        vitals=(120, 78, 80),
        medications=[med("escitalopram", "SSRI", 10)],
        prior_trials=[trial("sertraline", "SSRI", 100, 12), trial("venlafaxine", "SNRI", 150, 10)],
        substance_use=use(0, "Does not drink because of her liver condition."),
        medical_history=["hepatic_impairment_moderate"],
        support=(True, "Her partner will be with her on dosing days."),
        dominant="somatic", cues=("imagery", "memory"),
        quotes=["I still hear the brakes and see the headlights coming at us.",
                "My whole body braces whenever a car pulls out."],
        totals={"gad7": 17, "phq9": 13, "hama": 30},
        triage="proceed",
        teaching_point="Proceed with a precaution: moderate hepatic impairment, for which the esketamine label "
                       "advises longer monitoring; severe impairment would exclude (spravato_label). The crash "
                       "memory and flashbacks are cues for trauma-focused integration in module 03, whose "
                       "evidence in GAD is thin.",
    ),
]

# -- Generation -----------------------------------------------------------------------------

#: Extra scale each diagnosis calls for (GAD-7 and PHQ-9 are given to everyone).
SCALE_FOR_DIAGNOSIS = {"GAD": "hama", "SAD": "lsas", "PD": "pdss"}
#: HAM-A items 1-6 and 14 (indices 0-5, 13): the psychic subscale in common use (F1.19, unconfirmed).
#: Only used to tilt item draws toward the patient's profile so the items read coherently.
HAMA_PSYCHIC = {0, 1, 2, 3, 4, 5, 13}


def draw_items(rng, n_items, top, total, weights=None):
    """Item scores in 0..top that add up to exactly ``total``, drawn one point at a time.

    Each point goes to a random item not yet at ``top``, chosen in proportion to ``weights``;
    the per-item jitter makes some items stand out, as in real answers.
    """
    if not 0 <= total <= n_items * top:
        raise ValueError(f"A total of {total} is impossible with {n_items} items scored 0-{top}.")
    weights = [w * rng.uniform(0.4, 1.6) for w in (weights or [1] * n_items)]
    items = [0] * n_items
    for _ in range(total):
        open_items = [i for i in range(n_items) if items[i] < top]
        items[rng.choices(open_items, [weights[i] for i in open_items])[0]] += 1
    return items


def hama_weights(dominant):
    if dominant == "behavioural":
        return None
    heavy = HAMA_PSYCHIC if dominant == "cognitive" else set(range(14)) - HAMA_PSYCHIC
    return [2 if i in heavy else 1 for i in range(14)]


def draw_scales(rng, design):
    totals, scales = design["totals"], {}
    item9 = design.get("item9", 0)
    scales["gad7"] = draw_items(rng, 7, 3, totals["gad7"])
    scales["phq9"] = [*draw_items(rng, 8, 3, totals["phq9"] - item9), item9]  # item 9 set by design
    if "hama" in totals:
        scales["hama"] = draw_items(rng, 14, 4, totals["hama"], hama_weights(design["dominant"]))
    if "lsas" in totals:
        total = totals["lsas"]
        low, high = max(0, total - 72), min(72, total)
        fear_total = min(high, max(low, round(total * rng.uniform(0.45, 0.55))))
        fear = draw_items(rng, 24, 3, fear_total)
        # Situations feared more are avoided more: weight avoidance by the fear rating.
        scales["lsas"] = {"fear": fear, "avoidance": draw_items(rng, 24, 3, total - fear_total,
                                                                [1 + f for f in fear])}
    if "pdss" in totals:
        scales["pdss"] = draw_items(rng, 7, 4, totals["pdss"])
    return scales


def build_patient(rng, design):
    d = copy.deepcopy(design)  # callers may edit the result without changing DESIGNS
    expected = {"gad7", "phq9"} | {SCALE_FOR_DIAGNOSIS[x] for x in d["diagnoses"] if x in SCALE_FOR_DIAGNOSIS}
    if set(d["totals"]) != expected:
        raise ValueError(f"{d['id']}: totals {sorted(d['totals'])} do not match diagnoses {d['diagnoses']}.")
    flags = set(d.get("flags", ()))
    sbp, dbp, hr = d["vitals"]
    has_support, support_notes = d["support"]
    return {
        "id": d["id"], "name": d["name"], "age": d["age"], "sex": d["sex"], "weight_kg": d["weight_kg"],
        "diagnoses": d["diagnoses"], "presenting": d["presenting"], "history": d["history"],
        "scales": draw_scales(rng, d),
        "vitals": {"sbp": sbp, "dbp": dbp, "hr": hr},
        "medications": d["medications"], "prior_trials": d["prior_trials"],
        "substance_use": d["substance_use"],
        "pregnancy": {"pregnant": "pregnant" in flags, "breastfeeding": "breastfeeding" in flags},
        "psychiatric_history": {"psychosis": "psychosis" in flags, "family_psychosis": "family_psychosis" in flags,
                                "suicide_attempt": "suicide_attempt" in flags},
        "medical_history": d["medical_history"],
        "support": {"support_person": has_support, "notes": support_notes},
        "profile": {"dominant": d["dominant"], "intrusive_imagery": "imagery" in d["cues"],
                    "memory_rooted_onset": "memory" in d["cues"], "parts_language": "parts" in d["cues"],
                    "quotes": d["quotes"]},
        "design": {"triage": d["triage"], "totals": d["totals"], "teaching_point": d["teaching_point"]},
    }


def build_vignettes(seed=SEED) -> dict:
    """All synthetic patients; the seed decides only the item responses, never the totals."""
    rng = random.Random(seed)
    return {"description": DESCRIPTION, "seed": seed, "generator": "course/synthetic.py",
            "patients": [build_patient(rng, d) for d in DESIGNS]}


def write_vignettes(path, seed=SEED) -> None:
    data = build_vignettes(seed)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    Path(path).write_bytes(text.encode("utf-8"))  # bytes, so no platform newline translation


def main() -> None:
    VIGNETTES_JSON.parent.mkdir(parents=True, exist_ok=True)
    write_vignettes(VIGNETTES_JSON)
    print(f"Wrote {len(DESIGNS)} synthetic patients to {VIGNETTES_JSON.relative_to(ROOT)} (seed {SEED}).")


if __name__ == "__main__":
    main()
