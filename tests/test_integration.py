"""Integration planning: the modality catalogue, matching, timing claims, plan rules and timeline data."""

import copy
import csv
import datetime
import json
import re
from datetime import date, timedelta

import pytest
from conftest import designed_triage
from hypothesis import given, settings
from hypothesis import strategies as st

from course import integration
from course.data.claims import claims
from course.data.patients import get_patient, load_patients
from course.data.references import keys_in, reference, references
from course.integration import (
    DEFAULT_RULES,
    EVALUATION_RULES,
    NOT_A_PRESCRIPTION,
    OUTCOME_SCALES,
    PLAN_RULES,
    REVIEW_AFTER_DOSES,
    SESSION_KINDS,
    SESSION_RULES,
    Plan,
    Session,
    check_plan,
    draft_plan,
    match_modalities,
    modalities,
    outcome_measures,
    plan_from_dict,
    plan_to_dict,
    timeline,
)

DAY0 = date(2026, 3, 2)
PROCEED = [p["id"] for p in load_patients() if designed_triage(p["id"]) == "proceed"]
NOT_PROCEED = [p["id"] for p in load_patients() if designed_triage(p["id"]) != "proceed"]


def day(n: int) -> date:
    return DAY0 + timedelta(days=n)


def sentences_with_numbers(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=\.)\s+", text) if re.search(r"\d", re.sub(r"\[[a-z0-9_]+\]", "", s))]


# -- Catalogue -------------------------------------------------------------------------------------


def test_catalogue_holds_the_six_modalities_strongest_first():
    catalogue = modalities()
    assert list(catalogue) == ["cbt", "exposure", "emdr", "art", "ifs", "somatic"]
    assert [m.evidence_rank for m in catalogue.values()] == [1, 2, 3, 4, 5, 6]


def test_every_catalogue_key_resolves_and_matches_the_evidence_text():
    tiers = {r.evidence_tier for r in references().values()}
    for m in modalities().values():
        assert m.keys, m.code
        for key in m.keys + keys_in(m.evidence + m.caveat + m.with_ketamine + m.what_it_is):
            reference(key)
        assert set(keys_in(m.evidence)) == set(m.keys), m.code
        assert set(keys_in(m.caveat)) <= set(m.keys), m.code
        assert m.evidence_tier in tiers, m.code
        assert set(m.targets) <= set(integration.TARGETS) and m.targets, m.code


def test_every_number_in_the_catalogue_carries_a_key():
    for m in modalities().values():
        for text in (m.what_it_is, m.evidence, m.caveat, m.with_ketamine):
            for sentence in sentences_with_numbers(text):
                assert keys_in(sentence), (m.code, sentence)


def test_unconfirmed_sources_are_shown_with_citation_to_verify():
    for m in modalities().values():
        unconfirmed = any(reference(k).unconfirmed for k in m.keys)
        assert (m.confidence == "citation to verify") == unconfirmed, m.code
        if unconfirmed:
            assert "citation to verify" in m.evidence and "citation to verify" in m.caveat
    assert modalities()["somatic"].confidence == "citation to verify"


@pytest.mark.parametrize(
    "code, figures, keys",
    [
        ("cbt", ["g = 0.84", "0.71–0.97", "waitlist"], ["cuijpers2014", "nice_cg113"]),
        ("emdr", ["g = −0.71", "only 6 RCTs", "not a first-line GAD treatment"], ["yunitri2020", "faretta2019"]),
        ("art", ["One RCT", "combat-related PTSD", "n = 57"], ["kip2013"]),
        (
            "ifs",
            ["n = 79", "no sustained improvement", "uncontrolled pilot", "No IFS RCT in any anxiety disorder"],
            ["shadick2013", "hodgdon2022"],
        ),
        ("somatic", ["mainly in PTSD", "citation to verify"], ["brom2017"]),
    ],
)
def test_catalogue_evidence_is_as_the_fact_sheet_gives_it(code, figures, keys):
    m = modalities()[code]
    for figure in figures:
        assert figure in m.evidence, (code, figure)
    assert set(keys) <= set(m.keys)


def test_nothing_in_the_catalogue_was_trialled_with_ketamine_in_gad():
    assert not any(m.trialled_with_ketamine_in_gad for m in modalities().values())
    assert "topel2025" in keys_in(modalities()["emdr"].with_ketamine)
    for key in ("topel2025", "kew2023", "mathai2022"):
        assert key in keys_in(integration.KETAMINE_COMBINATION)


def test_modality_lookup_and_table():
    assert integration.modality("ifs").short_name == "IFS"
    with pytest.raises(ValueError, match="not a modality in the course catalogue; the codes are cbt, exposure"):
        integration.modality("reiki")
    with pytest.raises(ValueError, match="not a modality"):
        integration.modality(["cbt"])
    table = integration.modalities_table()
    assert list(table.index) == list(modalities()) and "caveat" in table.columns


def _write_catalogue(path, change):
    with open(integration.MODALITIES_CSV, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    change(rows)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda rows: rows[0].update(keys="cuijpers2015"), "not a key in the course reference list"),
        (lambda rows: rows[1].update(evidence="g = 1 [madeup2020]."), "not a key in the course reference list"),
        (lambda rows: rows[1].update(code="cbt"), "the code appears twice"),
        (lambda rows: rows[2].update(targets="memory spiritual"), "target must be one of"),
        (lambda rows: rows[3].update(trialled_with_ketamine_in_gad="no"), "write true or false"),
        (lambda rows: rows[4].update(evidence_rank="2"), "evidence_rank must number the modalities"),
        (lambda rows: rows[5].update(confidence="probably"), "confidence must be one of"),
    ],
)
def test_a_broken_catalogue_is_refused_with_a_reason(tmp_path, change, message):
    path = _write_catalogue(tmp_path / "modalities.csv", change)
    with pytest.raises(ValueError, match=message):
        modalities(path)


# -- Timing claims ---------------------------------------------------------------------------------


def test_timing_claims_cite_their_actual_basis():
    window, rewire, single = (claims(code).iloc[0] for code in ("window", "rewiring", "single_session"))
    assert "window of neuroplasticity" in window.claim and window.verdict == "not tested"
    assert {"li2011", "moda_sava2019", "das2019", "zanos2018"} <= set(keys_in(window.basis))
    assert "rewiring" in rewire.claim and rewire.verdict == "overstated"
    assert {"li2011", "moda_sava2019", "glue2020"} <= set(keys_in(rewire.basis))
    assert "single session" in single.claim and single.verdict == "not supported"
    assert {"das2019", "kip2013", "topel2025"} <= set(keys_in(single.basis))
    for row in (window, rewire, single):
        for sentence in sentences_with_numbers(row.basis):
            assert keys_in(sentence), sentence


def test_maintain_not_induce_and_alcohol_memories_are_stated():
    text = " ".join(claims("window", "rewiring", "single_session")["basis"])
    assert "maintain" in text and "not to induce it" in text
    assert "alcohol-reward memories" in text
    assert "rodents" in text and "BDNF did not change" in text


# -- Matching --------------------------------------------------------------------------------------


def _codes(patient):
    return [s.code for s in match_modalities(patient)]


def test_every_gad_patient_gets_cbt_first():
    gad = [p for p in load_patients() if "GAD" in p["diagnoses"]]
    assert len(gad) >= 10
    for patient in gad:
        first = match_modalities(patient)[0]
        assert first.code == "cbt", patient["id"]
        assert any("diagnosis GAD" in cue for cue in first.cues)
        assert "cuijpers2014" in first.keys and "nice_cg113" in first.keys


def test_parts_language_brings_ifs_with_its_thin_evidence():
    patients = load_patients()
    for patient in patients:
        suggestions = {s.code: s for s in match_modalities(patient)}
        assert ("ifs" in suggestions) == patient["profile"]["parts_language"], patient["id"]
        if "ifs" in suggestions:
            assert suggestions["ifs"].caveat.startswith("Thin evidence")
            assert "parts language" in suggestions["ifs"].cues


def test_imagery_or_memory_brings_emdr_and_art_with_not_gad_caveat():
    p20 = get_patient("P20")
    suggestions = {s.code: s for s in match_modalities(p20)}
    for code in ("emdr", "art"):
        assert "not GAD" in suggestions[code].caveat
        assert set(suggestions[code].cues) == {"intrusive imagery", "onset rooted in a memory"}
    for patient in load_patients():
        cued = patient["profile"]["intrusive_imagery"] or patient["profile"]["memory_rooted_onset"]
        assert ("emdr" in _codes(patient)) == cued and ("art" in _codes(patient)) == cued, patient["id"]


def test_panic_with_somatic_profile_puts_interoceptive_exposure_before_somatic_practices():
    suggestions = match_modalities(get_patient("P03"))
    codes = [s.code for s in suggestions]
    assert codes.index("exposure") < codes.index("somatic")
    exposure = suggestions[codes.index("exposure")]
    assert any("interoceptive exposure within CBT first" in cue for cue in exposure.cues)
    assert any("diagnosis AGO" in cue for cue in exposure.cues)
    assert "adjunct" in suggestions[codes.index("somatic")].caveat


def test_social_anxiety_with_behavioural_profile_gets_exposure_first():
    suggestions = match_modalities(get_patient("P19"))
    assert [s.code for s in suggestions] == ["exposure"]
    assert set(suggestions[0].cues) == {
        "behavioural profile: avoidance and safety behaviours lead",
        "diagnosis SAD: feared social situations are avoided",
    }


def test_report_shows_quotes_suggestions_and_the_teaching_note():
    report = integration.matching_report(get_patient("P04"))
    assert "There's a part of me" in report and "Internal Family Systems" in report
    assert report.endswith(NOT_A_PRESCRIPTION) and integration.KETAMINE_COMBINATION in report


profiles = st.fixed_dictionaries(
    {
        "dominant": st.sampled_from(["cognitive", "somatic", "behavioural"]),
        "intrusive_imagery": st.booleans(),
        "memory_rooted_onset": st.booleans(),
        "parts_language": st.booleans(),
    }
)
diagnoses = st.lists(st.sampled_from(["GAD", "SAD", "PD", "AGO", "MDD", "PTSD"]), min_size=1, max_size=4, unique=True)


@given(profiles, diagnoses)
def test_any_profile_gets_ranked_cued_suggestions(profile, dx):
    suggestions = match_modalities({"diagnoses": dx, "profile": profile})
    catalogue = modalities()
    assert [s.rank for s in suggestions] == list(range(1, len(suggestions) + 1))
    ranks = [catalogue[s.code].evidence_rank for s in suggestions]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    assert all(s.cues and s.caveat and s.keys for s in suggestions)
    codes = {s.code for s in suggestions}
    if "GAD" in dx:
        assert suggestions[0].code == "cbt"
    dominant = profile["dominant"]
    somatic = dominant == "somatic" or "PD" in dx
    assert ("cbt" in codes) == (dominant == "cognitive" or "GAD" in dx)
    assert ("exposure" in codes) == (somatic or dominant == "behavioural" or bool({"SAD", "AGO"} & set(dx)))
    assert ("somatic" in codes) == somatic
    imagery_or_memory = profile["intrusive_imagery"] or profile["memory_rooted_onset"]
    assert ("emdr" in codes) == ("art" in codes) == imagery_or_memory
    assert ("ifs" in codes) == profile["parts_language"]


@pytest.mark.parametrize(
    "patient, message",
    [
        ("P01", "not str"),
        ({"diagnoses": ["GAD"]}, "no 'profile'"),
        ({"profile": {"dominant": "cognitive"}, "diagnoses": []}, "non-empty list"),
        ({"profile": {"dominant": "cognitive"}, "diagnoses": ["OCD"]}, "each diagnosis must be one of"),
        ({"profile": {"dominant": "emotional"}, "diagnoses": ["GAD"]}, "profile 'dominant' must be one of"),
        (
            {
                "profile": {
                    "dominant": "somatic",
                    "intrusive_imagery": "yes",
                    "memory_rooted_onset": False,
                    "parts_language": False,
                },
                "diagnoses": ["GAD"],
            },
            "'intrusive_imagery' must be True or False",
        ),
    ],
)
def test_matching_bad_input(patient, message):
    with pytest.raises(ValueError, match=message):
        match_modalities(patient)


# -- Plan rules ------------------------------------------------------------------------------------


def good_sessions():
    return [
        Session("evaluation", day(0), None, "full evaluation and informed consent", ("gad7",)),
        Session("preparation", day(1), "cbt", "goals and expectations"),
        Session("dosing", day(2)),
        Session("integration", day(3), "cbt"),
        Session("dosing", day(9)),
        Session("integration", day(10), "exposure"),
        Session("review", day(11), None, "stop or go on", ("gad7",)),
        Session("follow-up", day(30), None, "", ("gad7",)),
    ]


def test_a_good_plan_has_no_violations():
    for pid in PROCEED:
        assert check_plan(Plan(pid, good_sessions(), start=DAY0), rules=PLAN_RULES) == [], pid
        assert check_plan(Plan(pid, good_sessions(), start=DAY0)) == [], pid


def _replace(sessions, index, **changes):
    sessions = list(sessions)
    old = sessions[index]
    sessions[index] = Session(
        **{
            **{
                "kind": old.kind,
                "date": old.date,
                "modality": old.modality,
                "notes": old.notes,
                "measures": old.measures,
            },
            **changes,
        }
    )
    return sessions


def _without(sessions, kind):
    return [s for s in sessions if s.kind != kind]


BAD_PLANS = {
    "date_order": lambda s: [s[0], s[2], s[1]] + s[3:],
    "not_before_start": lambda s: _replace(s, 0, date=day(-1)),
    "evaluation_first": lambda s: _without(s, "evaluation"),
    "baseline_measures": lambda s: _replace(s, 0, measures=()),
    "modality_named": lambda s: _replace(s, 3, modality=None),
    "known_modality": lambda s: _replace(s, 5, modality="reiki"),
    "one_dose_per_day": lambda s: s[:3] + [Session("dosing", day(2))] + s[3:],
    "preparation_first": lambda s: _replace(s, 1, date=day(2)),
    "integration_after_dose": lambda s: s[:5] + s[6:],
    "integration_within_7_days": lambda s: _replace(_replace(s, 5, date=day(17)), 6, date=day(18)),
    "review_point": lambda s: _without(s, "review"),
    "measures_repeated": lambda s: _replace(s, 6, measures=("phq9",)),
    "follow_up": lambda s: s[:-1],
}


@pytest.mark.parametrize("rule", list(BAD_PLANS))
def test_each_rule_fires_alone_on_a_minimal_bad_plan(rule):
    violations = check_plan(Plan("P01", BAD_PLANS[rule](good_sessions()), start=DAY0), rules=PLAN_RULES)
    assert [v.rule for v in violations] == [rule]
    assert violations[0].message.endswith(".") and rule in str(violations[0])


def test_every_rule_has_a_bad_plan_and_a_description():
    assert set(BAD_PLANS) | {"triage_allows_dosing"} == set(PLAN_RULES)
    assert set(PLAN_RULES) == set(SESSION_RULES) | set(EVALUATION_RULES)
    assert set(EVALUATION_RULES) == {"evaluation_first", "baseline_measures", "review_point", "measures_repeated"}
    assert "informed consent" in PLAN_RULES["evaluation_first"] and "evaluation only" in PLAN_RULES["evaluation_first"]
    assert SESSION_KINDS == ("evaluation", "preparation", "dosing", "integration", "review", "follow-up")


def test_the_default_rules_are_every_rule_and_a_subset_can_be_named():
    assert DEFAULT_RULES == tuple(PLAN_RULES)
    for rule in EVALUATION_RULES:
        plan = Plan("P01", BAD_PLANS[rule](good_sessions()), start=DAY0)
        assert [v.rule for v in check_plan(plan)] == [rule]
    only = check_plan(Plan("P05", _without(good_sessions(), "evaluation")), rules=["evaluation_first"])
    assert [v.rule for v in only] == ["evaluation_first"]


@pytest.mark.parametrize(
    "rules, message",
    [
        (["evaluation"], "each rule name must be one of date_order"),
        ("evaluation_first", "rules must be a list of rule names"),
        (5, "rules must be a list of rule names"),
    ],
)
def test_unknown_rules_are_refused(rules, message):
    with pytest.raises(ValueError, match=message):
        check_plan(Plan("P01", good_sessions()), rules=rules)


@pytest.mark.parametrize("pid", NOT_PROCEED)
def test_a_patient_who_does_not_proceed_cannot_be_dosed(pid):
    violations = check_plan(Plan(pid, good_sessions(), start=DAY0), rules=PLAN_RULES)
    assert [v.rule for v in violations] == ["triage_allows_dosing"]
    decision = designed_triage(pid)
    assert f"triage is '{decision}'" in violations[0].message
    assert violations[0].sessions == (2, 4)
    assert check_plan(Plan(pid, _without(good_sessions(), "dosing"), start=DAY0), rules=PLAN_RULES) == []


@pytest.mark.parametrize(
    "rule, sessions, fragments",
    [
        (
            "preparation_first",
            _without(good_sessions(), "preparation"),
            ["first dosing session, on 4 Mar 2026, has no preparation session", "Add at least one preparation session"],
        ),
        (
            "integration_after_dose",
            good_sessions()[:3] + good_sessions()[4:],
            [
                "dosing session on 4 Mar 2026 has no integration session after it and before the next dosing session "
                "on 11 Mar 2026"
            ],
        ),
        (
            "integration_within_7_days",
            BAD_PLANS["integration_within_7_days"](good_sessions()),
            ["after the dosing session on 11 Mar 2026 is 8 days later", "within 7 days", "course convention"],
        ),
        (
            "known_modality",
            BAD_PLANS["known_modality"](good_sessions()),
            ["'reiki', which is not in the course catalogue", "Use one of: cbt, exposure"],
        ),
        (
            "date_order",
            BAD_PLANS["date_order"](good_sessions()),
            ["The preparation session on 3 Mar 2026 is listed after the dosing session on 4 Mar 2026"],
        ),
        (
            "evaluation_first",
            BAD_PLANS["evaluation_first"](good_sessions()),
            [
                "first preparation or dosing session, on 3 Mar 2026, has no evaluation session before it",
                "clears a patient for a full evaluation only",
                "informed consent",
            ],
        ),
        (
            "baseline_measures",
            BAD_PLANS["baseline_measures"](good_sessions()),
            ["The evaluation session on 2 Mar 2026 records no outcome scale", "gad7, phq9, hama, lsas, pdss"],
        ),
        (
            "measures_repeated",
            BAD_PLANS["measures_repeated"](good_sessions()),
            ["The review session on 13 Mar 2026 does not record gad7, measured at baseline"],
        ),
        (
            "review_point",
            BAD_PLANS["review_point"](good_sessions()),
            [
                "Dosing begins on 4 Mar 2026, but no review session follows",
                "stopping rule",
                f"at most {REVIEW_AFTER_DOSES} dosing sessions",
            ],
        ),
    ],
)
def test_messages_say_what_is_wrong_and_what_to_do(rule, sessions, fragments):
    message = next(v.message for v in check_plan(Plan("P01", sessions), rules=PLAN_RULES) if v.rule == rule)
    for fragment in fragments:
        assert fragment in message


def _doses_and_reviews(pattern: str) -> list[Session]:
    """A plan from a pattern such as 'DDDRD': D a dose (with its integration the next day), R a review, one day
    apart in turn after the evaluation and a preparation session."""
    sessions = [Session("evaluation", day(0), None, "", ("gad7",)), Session("preparation", day(1), "cbt")]
    today = 2
    for letter in pattern:
        if letter == "D":
            sessions += [Session("dosing", day(today)), Session("integration", day(today + 1), "cbt")]
            today += 2
        else:
            sessions.append(Session("review", day(today), None, "", ("gad7",)))
            today += 1
    return sessions + [Session("follow-up", day(today + 7), None, "", ("gad7",))]


@pytest.mark.parametrize(
    "pattern, flagged",
    [
        ("DR", []),
        ("DDDR", []),
        ("DDDRDDDR", []),
        ("DDDRDDD", []),
        ("RDDD", ["no review"]),
        ("DDDDR", ["dosing session 4"]),
        ("DRDDDD", ["dosing session 4"]),
        ("DDDDDDDDR", ["dosing session 4"]),
        ("D", ["no review"]),
    ],
)
def test_a_review_comes_after_at_most_three_doses_and_after_dosing_begins(pattern, flagged):
    assert REVIEW_AFTER_DOSES == 3
    found = [v.message for v in check_plan(Plan("P01", _doses_and_reviews(pattern)), rules=PLAN_RULES)]
    assert len(found) == len(flagged), found
    for message, fragment in zip(found, flagged):
        assert fragment in message.replace("no review session follows", "no review")


def test_a_review_on_a_dosing_day_counts_before_that_dose():
    sessions = _doses_and_reviews("DDDD")
    fourth = next(s for s in sessions if s.kind == "dosing" and s.date == day(8))
    sessions.insert(sessions.index(fourth), Session("review", fourth.date, None, "", ("gad7",)))
    assert check_plan(Plan("P01", sessions), rules=PLAN_RULES) == []


def test_extra_measures_are_allowed_and_missing_ones_are_named():
    sessions = _replace(good_sessions(), 0, measures=("gad7", "phq9"))
    sessions = _replace(sessions, 6, measures=("gad7", "phq9", "hama"))
    (violation,) = check_plan(Plan("P01", sessions), rules=PLAN_RULES)
    assert violation.rule == "measures_repeated" and "does not record phq9" in violation.message
    assert violation.sessions == (7,)


def test_triage_message_gives_the_screens_reason():
    message = check_plan(Plan("P05", good_sessions()))[0].message
    assert "186/104" in message and "swiss_ketamine_label" in message and "Remove the dosing sessions" in message


def test_patient_record_can_be_passed_and_must_match():
    p01 = get_patient("P01")
    assert check_plan(Plan("P01", good_sessions()), p01) == []
    edited = copy.deepcopy(p01)
    edited["vitals"]["sbp"] = 190
    assert [v.rule for v in check_plan(Plan("P01", good_sessions()), edited)] == ["triage_allows_dosing"]
    with pytest.raises(ValueError, match="not patient 'P02'"):
        check_plan(Plan("P02", good_sessions()), p01)
    with pytest.raises(ValueError, match="No patient 'P99'"):
        check_plan(Plan("P99", good_sessions()))


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda: Session("dose", day(0)),
            "session kind must be one of evaluation, preparation, dosing, integration, review, follow-up",
        ),
        (lambda: Session("dosing", "2026-03-02"), "must be a date such as datetime.date"),
        (lambda: Session("dosing", datetime.datetime(2026, 3, 2, 9)), "must be a date such as"),
        (lambda: Session("integration", day(0), 5), "modality must be a catalogue code"),
        (lambda: Session("integration", day(0), "  "), "modality must be a catalogue code"),
        (lambda: Session("integration", day(0), "cbt", None), "notes must be text"),
        (lambda: Session("review", day(0), None, "", "gad7"), "measures must be a list of outcome scales"),
        (lambda: Session("review", day(0), None, "", ["cadss"]), "must be one of gad7, phq9, hama, lsas, pdss"),
        (lambda: Session("review", day(0), None, "", ["gad7", "gad7"]), "name a scale twice"),
        (lambda: Plan(5, []), "needs a patient id"),
        (lambda: Plan("P01", "sessions"), "must be a list of Session objects"),
        (lambda: Plan("P01", [{"kind": "dosing"}]), "Session 1 of the plan must be a Session"),
        (lambda: Plan("P01", [], start="2026-03-02"), "start date must be a date"),
        (lambda: check_plan({"patient_id": "P01"}), "check_plan needs a Plan"),
        (lambda: plan_to_dict("plan"), "plan_to_dict needs a Plan"),
    ],
)
def test_plan_bad_input(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_measures_are_kept_as_a_tuple():
    session = Session("review", day(0), None, "", ["gad7", "lsas"])
    assert session.measures == ("gad7", "lsas") and set(OUTCOME_SCALES) == {"gad7", "phq9", "hama", "lsas", "pdss"}


def test_a_plan_changed_after_it_was_made_is_still_checked():
    plan = Plan("P01", good_sessions())
    plan.sessions.append(("dosing", day(40)))
    with pytest.raises(ValueError, match="Session 9 of the plan must be a Session"):
        check_plan(plan)


# -- Outcome measures and the drafted plans of the plan builder ----------------------------------------


@pytest.mark.parametrize(
    "pid, expected",
    [
        ("P01", ("gad7",)),
        ("P02", ("lsas",)),
        ("P03", ("pdss",)),
        ("P04", ("gad7", "phq9")),
        ("P11", ("gad7", "lsas")),
        ("P20", ("gad7",)),
    ],
)
def test_outcome_measures_are_the_scales_built_for_the_diagnoses(pid, expected):
    assert outcome_measures(get_patient(pid)) == expected
    assert outcome_measures({"diagnoses": ["PTSD"], "profile": get_patient(pid)["profile"]}) == ("gad7",)


@settings(deadline=None, max_examples=40)
@given(
    st.sampled_from(PROCEED),
    st.integers(1, 8),
    st.integers(1, 21),
    st.integers(1, 7),
    st.integers(1, 5),
    st.lists(st.sampled_from(["cbt", "exposure", "emdr", "art", "ifs", "somatic"]), min_size=1, max_size=3),
)
def test_drafted_plans_pass_every_rule_when_the_rhythm_allows(pid, doses, gap, delay, prep, codes):
    # The plan builder's drafts are contingent on evaluation, measured and reviewed; only an integration delay
    # that reaches the next dose (or the 7-day window) breaks a rule, and then a session rule says so.
    plan = draft_plan(pid, DAY0, codes, doses, gap, delay, prep)
    rules = {v.rule for v in check_plan(plan, rules=PLAN_RULES)}
    if delay < gap or doses == 1:
        assert rules == set()
    else:
        assert rules and rules <= {"integration_after_dose", "review_point"}
    kinds = [s.kind for s in plan.sessions]
    assert kinds[0] == "evaluation" and kinds[-1] == "follow-up" and kinds.count("dosing") == doses
    assert plan.sessions[0].measures == outcome_measures(get_patient(pid)) == plan.sessions[-1].measures


def test_a_draft_for_a_patient_who_does_not_proceed_breaks_only_the_triage_rule():
    for pid in NOT_PROCEED:
        plan = draft_plan(pid, DAY0, ["cbt"], 2)
        assert [v.rule for v in check_plan(plan, rules=PLAN_RULES)] == ["triage_allows_dosing"], pid


# -- Conversion and timeline -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, message",
    [
        ([], "needs a dictionary"),
        ({"patient_id": "P01"}, "missing 'sessions'"),
        ({"patient_id": "P01", "sessions": [], "owner": "me"}, "unknown field"),
        ({"patient_id": "P01", "sessions": "none"}, "sessions must be a list"),
        ({"patient_id": "P01", "sessions": [{"kind": "dosing"}]}, "Session 1 is missing 'date'"),
        ({"patient_id": "P01", "sessions": [{"kind": "dosing", "date": "2026-13-01"}]}, "written year-month-day"),
        ({"patient_id": "P01", "sessions": [{"kind": "dosing", "date": "4 March"}]}, "written year-month-day"),
        ({"patient_id": "P01", "sessions": [{"kind": "dosing", "date": 20260304}]}, "must be a date"),
        ({"patient_id": "P01", "sessions": [{"kind": "dosing", "date": "2026-03-04", "dose": 1}]}, "unknown field"),
        ({"patient_id": "P01", "sessions": ["dosing"]}, "must be a dictionary with kind and date"),
        ({"patient_id": "P01", "start": "soon", "sessions": []}, "start must be a date written"),
        (
            {"patient_id": "P01", "sessions": [{"kind": "review", "date": "2026-03-04", "measures": "gad7"}]},
            "measures must be a list of outcome scales",
        ),
        (
            {"patient_id": "P01", "sessions": [{"kind": "review", "date": "2026-03-04", "measures": ["GAD-7"]}]},
            "must be one of gad7, phq9, hama, lsas, pdss",
        ),
    ],
)
def test_plan_from_dict_bad_input(data, message):
    with pytest.raises(ValueError, match=message):
        plan_from_dict(data)


def test_plan_from_dict_accepts_dates_or_text():
    a = plan_from_dict({"patient_id": "P01", "sessions": [{"kind": "dosing", "date": "2026-03-04"}]})
    b = plan_from_dict({"patient_id": "P01", "sessions": [{"kind": "dosing", "date": day(2)}]})
    assert a == b and a.start is None and a.sessions[0].notes == "" and a.sessions[0].measures == ()
    c = plan_from_dict(
        {"patient_id": "P01", "sessions": [{"kind": "evaluation", "date": "2026-03-02", "measures": ["gad7", "phq9"]}]}
    )
    assert c.sessions[0].measures == ("gad7", "phq9")


def test_plans_as_plain_data_are_checked_like_any_plan():
    # What the plan builder, Module 03's candidate plans and Module 05 pass: dictionaries, not objects.
    data = plan_to_dict(Plan("P01", good_sessions(), start=DAY0))
    assert json.loads(json.dumps(data)) == data
    assert check_plan(plan_from_dict(data), rules=PLAN_RULES) == []
    del data["sessions"][0]
    assert [v.rule for v in check_plan(plan_from_dict(data), rules=PLAN_RULES)] == ["evaluation_first"]


def test_timeline_orders_sessions_and_attaches_violations():
    sessions = BAD_PLANS["integration_after_dose"](good_sessions())[::-1]
    data = timeline(Plan("P01", sessions))
    rows = data["sessions"]
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    assert [r["label"] for r in rows] == [
        "Evaluation (GAD-7)",
        "Preparation: CBT restructuring",
        "Dosing 1",
        "Integration: CBT restructuring",
        "Dosing 2",
        "Review (GAD-7)",
        "Follow-up (GAD-7)",
    ]
    assert rows[0]["measures"] == ("gad7",) and rows[1]["measures"] == ()
    second_dose = next(r for r in rows if r["label"] == "Dosing 2")
    assert any(v.startswith("integration_after_dose: ") for v in second_dose["violations"])
    assert all(sessions[r["index"]].date == r["date"] and sessions[r["index"]].kind == r["kind"] for r in rows)
    assert data["plan_violations"] == [] and data["note"] == NOT_A_PRESCRIPTION and data["patient_id"] == "P01"
    missing_follow_up = timeline(Plan("P01", good_sessions()[:-1]))
    assert [v.split(":")[0] for v in missing_follow_up["plan_violations"]] == ["follow_up"]
    assert all(r["violations"] == [] for r in missing_follow_up["sessions"])


def test_timeline_labels_unknown_modalities():
    rows = timeline(Plan("P01", BAD_PLANS["known_modality"](good_sessions())))["sessions"]
    assert rows[5]["label"] == "Integration: reiki?" and rows[5]["violations"]


def test_plan_table_shows_sessions_as_written_and_checks_nothing():
    sessions = BAD_PLANS["date_order"](good_sessions())
    table = integration.plan_table(Plan("P01", sessions))
    assert list(table.columns) == ["date", "day", "kind", "modality", "measures", "notes"]
    assert list(table["kind"]) == [s.kind for s in sessions]  # as written, even out of order
    assert table.loc[0].to_dict() == {
        "date": "2026-03-02",
        "day": "Mon",
        "kind": "evaluation",
        "modality": "",
        "measures": "GAD-7",
        "notes": "full evaluation and informed consent",
    }
    assert table.loc[2, "modality"] == "CBT restructuring"
    assert integration.plan_table(Plan("P05", good_sessions()))["kind"].tolist()[0] == "evaluation"
    with pytest.raises(ValueError, match="plan_table needs a Plan"):
        integration.plan_table({"patient_id": "P01"})


def test_timeline_checks_the_rules_it_is_given():
    plan = Plan("P01", _without(good_sessions(), "review"))
    assert timeline(plan)["plan_violations"] == []
    (row,) = [r for r in timeline(plan, rules=PLAN_RULES)["sessions"] if r["violations"]]
    assert row["label"] == "Dosing 1" and row["violations"][0].startswith("review_point: ")


# -- Property: plans built to the rules pass them, and breaking one rule is caught --------------------


@st.composite
def valid_plans(draw):
    start = draw(st.dates(date(2024, 1, 1), date(2030, 12, 31)))
    codes = st.sampled_from(list(modalities()))
    notes = st.text(max_size=20)
    baseline = tuple(draw(st.lists(st.sampled_from(OUTCOME_SCALES), min_size=1, max_size=3, unique=True)))
    extra = st.lists(st.sampled_from([c for c in OUTCOME_SCALES if c not in baseline]), max_size=1)
    sessions = [Session("evaluation", start, None, draw(notes), baseline)]
    today = start
    for _ in range(draw(st.integers(1, 3))):
        today += timedelta(days=draw(st.integers(1, 3)))
        sessions.append(Session("preparation", today, draw(codes), draw(notes)))
    since = 0
    doses = draw(st.integers(1, 8))
    for n in range(1, doses + 1):
        today += timedelta(days=draw(st.integers(1, 4)))
        sessions.append(Session("dosing", today, draw(st.one_of(st.none(), codes)), draw(notes)))
        since += 1
        today += timedelta(days=draw(st.integers(1, integration.INTEGRATION_WINDOW_DAYS)))
        for _ in range(draw(st.integers(1, 2))):
            sessions.append(Session("integration", today, draw(codes), draw(notes)))
        if since == REVIEW_AFTER_DOSES or n == doses or draw(st.booleans()):
            sessions.append(Session("review", today, None, draw(notes), baseline + tuple(draw(extra))))
            since = 0
    today += timedelta(days=draw(st.integers(1, 60)))
    sessions.append(
        Session("follow-up", today, draw(st.one_of(st.none(), codes)), draw(notes), baseline + tuple(draw(extra)))
    )
    return Plan(draw(st.sampled_from(PROCEED)), sessions, start=draw(st.sampled_from([None, start])))


@settings(deadline=None, max_examples=60)
@given(valid_plans())
def test_plans_built_to_the_rules_pass_and_survive_a_round_trip(plan):
    assert check_plan(plan, rules=PLAN_RULES) == []
    data = plan_to_dict(plan)
    assert plan_from_dict(json.loads(json.dumps(data))) == plan
    rows = timeline(plan, rules=PLAN_RULES)["sessions"]
    assert len(rows) == len(plan.sessions) and not any(r["violations"] for r in rows)


def _rules_broken(sessions, patient_id):
    return {v.rule for v in check_plan(Plan(patient_id, sessions), rules=PLAN_RULES)}


@settings(deadline=None, max_examples=60)
@given(valid_plans(), st.data())
def test_removing_what_a_rule_needs_is_caught(plan, data):
    for kind, rule in (
        ("evaluation", "evaluation_first"),
        ("preparation", "preparation_first"),
        ("review", "review_point"),
        ("follow-up", "follow_up"),
    ):
        assert rule in _rules_broken(_without(plan.sessions, kind), plan.patient_id)
    doses = [i for i, s in enumerate(plan.sessions) if s.kind == "dosing"]
    dose = plan.sessions[data.draw(st.sampled_from(doses))]
    later = [s.date for s in plan.sessions if s.kind == "dosing" and s.date > dose.date]
    cut = [
        s
        for s in plan.sessions
        if not (s.kind == "integration" and dose.date < s.date and (not later or s.date < min(later)))
    ]
    assert "integration_after_dose" in _rules_broken(cut, plan.patient_id)
    doubled = plan.sessions + [Session("dosing", dose.date)]
    doubled.sort(key=lambda s: s.date)
    assert "one_dose_per_day" in _rules_broken(doubled, plan.patient_id)
    checked = [i for i, s in enumerate(plan.sessions) if s.kind in ("review", "follow-up")]
    index = data.draw(st.sampled_from(checked))
    dropped = _replace(plan.sessions, index, measures=plan.sessions[index].measures[1:])
    assert "measures_repeated" in _rules_broken(dropped, plan.patient_id)
