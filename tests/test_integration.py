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
    NOT_A_PRESCRIPTION,
    PLAN_RULES,
    Plan,
    Session,
    check_plan,
    match_modalities,
    modalities,
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


@pytest.mark.parametrize("code, figures, keys", [
    ("cbt", ["g = 0.84", "0.71–0.97", "waitlist"], ["cuijpers2014", "nice_cg113"]),
    ("emdr", ["g = −0.71", "only 6 RCTs", "not a first-line GAD treatment"], ["yunitri2020", "faretta2019"]),
    ("art", ["One RCT", "combat-related PTSD", "n = 57"], ["kip2013"]),
    ("ifs", ["n = 79", "no sustained improvement", "uncontrolled pilot", "No IFS RCT in any anxiety disorder"],
     ["shadick2013", "hodgdon2022"]),
    ("somatic", ["mainly in PTSD", "citation to verify"], ["brom2017"]),
])
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


@pytest.mark.parametrize("change, message", [
    (lambda rows: rows[0].update(keys="cuijpers2015"), "not a key in the course reference list"),
    (lambda rows: rows[1].update(evidence="g = 1 [madeup2020]."), "not a key in the course reference list"),
    (lambda rows: rows[1].update(code="cbt"), "the code appears twice"),
    (lambda rows: rows[2].update(targets="memory spiritual"), "target must be one of"),
    (lambda rows: rows[3].update(trialled_with_ketamine_in_gad="no"), "write true or false"),
    (lambda rows: rows[4].update(evidence_rank="2"), "evidence_rank must number the modalities"),
    (lambda rows: rows[5].update(confidence="probably"), "confidence must be one of"),
])
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
    assert set(suggestions[0].cues) == {"behavioural profile: avoidance and safety behaviours lead",
                                        "diagnosis SAD: feared social situations are avoided"}


def test_report_shows_quotes_suggestions_and_the_teaching_note():
    report = integration.matching_report(get_patient("P04"))
    assert "There's a part of me" in report and "Internal Family Systems" in report
    assert report.endswith(NOT_A_PRESCRIPTION) and integration.KETAMINE_COMBINATION in report


profiles = st.fixed_dictionaries({
    "dominant": st.sampled_from(["cognitive", "somatic", "behavioural"]),
    "intrusive_imagery": st.booleans(), "memory_rooted_onset": st.booleans(), "parts_language": st.booleans(),
})
diagnoses = st.lists(st.sampled_from(["GAD", "SAD", "PD", "AGO", "MDD", "PTSD"]), min_size=1, max_size=4,
                     unique=True)


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


@pytest.mark.parametrize("patient, message", [
    ("P01", "not str"),
    ({"diagnoses": ["GAD"]}, "no 'profile'"),
    ({"profile": {"dominant": "cognitive"}, "diagnoses": []}, "non-empty list"),
    ({"profile": {"dominant": "cognitive"}, "diagnoses": ["OCD"]}, "each diagnosis must be one of"),
    ({"profile": {"dominant": "emotional"}, "diagnoses": ["GAD"]}, "profile 'dominant' must be one of"),
    ({"profile": {"dominant": "somatic", "intrusive_imagery": "yes", "memory_rooted_onset": False,
                  "parts_language": False}, "diagnoses": ["GAD"]}, "'intrusive_imagery' must be True or False"),
])
def test_matching_bad_input(patient, message):
    with pytest.raises(ValueError, match=message):
        match_modalities(patient)


# -- Plan rules ------------------------------------------------------------------------------------


def good_sessions():
    return [Session("preparation", day(0), "cbt", "goals and expectations"),
            Session("dosing", day(2)),
            Session("integration", day(3), "cbt"),
            Session("dosing", day(9)),
            Session("integration", day(10), "exposure"),
            Session("follow-up", day(30))]


def test_a_good_plan_has_no_violations():
    for pid in PROCEED:
        assert check_plan(Plan(pid, good_sessions(), start=DAY0)) == [], pid


def _replace(sessions, index, **changes):
    sessions = list(sessions)
    old = sessions[index]
    sessions[index] = Session(**{**{"kind": old.kind, "date": old.date, "modality": old.modality,
                                   "notes": old.notes}, **changes})
    return sessions


def _without(sessions, kind):
    return [s for s in sessions if s.kind != kind]


BAD_PLANS = {
    "date_order": lambda s: [s[1], s[0]] + s[2:],
    "not_before_start": lambda s: _replace(s, 0, date=day(-1)),
    "modality_named": lambda s: _replace(s, 2, modality=None),
    "known_modality": lambda s: _replace(s, 4, modality="reiki"),
    "one_dose_per_day": lambda s: s[:2] + [Session("dosing", day(2))] + s[2:],
    "preparation_first": lambda s: _replace(s, 0, date=day(2)),
    "integration_after_dose": lambda s: s[:4] + s[5:],
    "integration_within_7_days": lambda s: _replace(s, 4, date=day(17)),
    "follow_up": lambda s: s[:-1],
}


@pytest.mark.parametrize("rule", list(BAD_PLANS))
def test_each_rule_fires_alone_on_a_minimal_bad_plan(rule):
    violations = check_plan(Plan("P01", BAD_PLANS[rule](good_sessions()), start=DAY0))
    assert [v.rule for v in violations] == [rule]
    assert violations[0].message.endswith(".") and rule in str(violations[0])


def test_every_rule_has_a_bad_plan_and_a_description():
    assert set(BAD_PLANS) | {"triage_allows_dosing"} == set(PLAN_RULES)


@pytest.mark.parametrize("pid", NOT_PROCEED)
def test_a_patient_who_does_not_proceed_cannot_be_dosed(pid):
    violations = check_plan(Plan(pid, good_sessions(), start=DAY0))
    assert [v.rule for v in violations] == ["triage_allows_dosing"]
    decision = designed_triage(pid)
    assert f"triage is '{decision}'" in violations[0].message
    assert violations[0].sessions == (1, 3)
    assert check_plan(Plan(pid, _without(good_sessions(), "dosing"), start=DAY0)) == []


@pytest.mark.parametrize("rule, sessions, fragments", [
    ("preparation_first", _without(good_sessions(), "preparation"),
     ["first dosing session, on 4 Mar 2026, has no preparation session", "Add at least one preparation session"]),
    ("integration_after_dose", good_sessions()[:2] + good_sessions()[3:],
     ["dosing session on 4 Mar 2026 has no integration session after it and before the next dosing session "
      "on 11 Mar 2026"]),
    ("integration_within_7_days", BAD_PLANS["integration_within_7_days"](good_sessions()),
     ["after the dosing session on 11 Mar 2026 is 8 days later", "within 7 days", "course convention"]),
    ("known_modality", BAD_PLANS["known_modality"](good_sessions()),
     ["'reiki', which is not in the course catalogue", "Use one of: cbt, exposure"]),
    ("date_order", BAD_PLANS["date_order"](good_sessions()),
     ["The preparation session on 2 Mar 2026 is listed after the dosing session on 4 Mar 2026"]),
])
def test_messages_say_what_is_wrong_and_what_to_do(rule, sessions, fragments):
    message = next(v.message for v in check_plan(Plan("P01", sessions)) if v.rule == rule)
    for fragment in fragments:
        assert fragment in message


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


@pytest.mark.parametrize("make, message", [
    (lambda: Session("dose", day(0)), "session kind must be one of preparation, dosing, integration, follow-up"),
    (lambda: Session("dosing", "2026-03-02"), "must be a date such as datetime.date"),
    (lambda: Session("dosing", datetime.datetime(2026, 3, 2, 9)), "must be a date such as"),
    (lambda: Session("integration", day(0), 5), "modality must be a catalogue code"),
    (lambda: Session("integration", day(0), "  "), "modality must be a catalogue code"),
    (lambda: Session("integration", day(0), "cbt", None), "notes must be text"),
    (lambda: Plan(5, []), "needs a patient id"),
    (lambda: Plan("P01", "sessions"), "must be a list of Session objects"),
    (lambda: Plan("P01", [{"kind": "dosing"}]), "Session 1 of the plan must be a Session"),
    (lambda: Plan("P01", [], start="2026-03-02"), "start date must be a date"),
    (lambda: check_plan({"patient_id": "P01"}), "check_plan needs a Plan"),
    (lambda: plan_to_dict("plan"), "plan_to_dict needs a Plan"),
])
def test_plan_bad_input(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_a_plan_changed_after_it_was_made_is_still_checked():
    plan = Plan("P01", good_sessions())
    plan.sessions.append(("dosing", day(40)))
    with pytest.raises(ValueError, match="Session 7 of the plan must be a Session"):
        check_plan(plan)


# -- Conversion and timeline -----------------------------------------------------------------------


@pytest.mark.parametrize("data, message", [
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
])
def test_plan_from_dict_bad_input(data, message):
    with pytest.raises(ValueError, match=message):
        plan_from_dict(data)


def test_plan_from_dict_accepts_dates_or_text():
    a = plan_from_dict({"patient_id": "P01", "sessions": [{"kind": "dosing", "date": "2026-03-04"}]})
    b = plan_from_dict({"patient_id": "P01", "sessions": [{"kind": "dosing", "date": day(2)}]})
    assert a == b and a.start is None and a.sessions[0].notes == ""


def test_timeline_orders_sessions_and_attaches_violations():
    sessions = BAD_PLANS["integration_after_dose"](good_sessions())[::-1]
    data = timeline(Plan("P01", sessions))
    rows = data["sessions"]
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    assert [r["label"] for r in rows] == ["Preparation: CBT restructuring", "Dosing 1",
                                          "Integration: CBT restructuring", "Dosing 2", "Follow-up"]
    second_dose = next(r for r in rows if r["label"] == "Dosing 2")
    assert any(v.startswith("integration_after_dose: ") for v in second_dose["violations"])
    assert all(sessions[r["index"]].date == r["date"] and sessions[r["index"]].kind == r["kind"] for r in rows)
    assert data["plan_violations"] == [] and data["note"] == NOT_A_PRESCRIPTION and data["patient_id"] == "P01"
    missing_follow_up = timeline(Plan("P01", good_sessions()[:-1]))
    assert [v.split(":")[0] for v in missing_follow_up["plan_violations"]] == ["follow_up"]
    assert all(r["violations"] == [] for r in missing_follow_up["sessions"])


def test_timeline_labels_unknown_modalities():
    rows = timeline(Plan("P01", BAD_PLANS["known_modality"](good_sessions())))["sessions"]
    assert rows[4]["label"] == "Integration: reiki?" and rows[4]["violations"]


# -- Property: plans built to the rules pass them, and breaking one rule is caught --------------------


@st.composite
def valid_plans(draw):
    start = draw(st.dates(date(2024, 1, 1), date(2030, 12, 31)))
    codes = st.sampled_from(list(modalities()))
    notes = st.text(max_size=20)
    sessions, today = [], start
    for _ in range(draw(st.integers(1, 3))):
        sessions.append(Session("preparation", today, draw(codes), draw(notes)))
        today += timedelta(days=draw(st.integers(0, 3)))
    for _ in range(draw(st.integers(1, 6))):
        today += timedelta(days=draw(st.integers(1, 4)))
        sessions.append(Session("dosing", today, draw(st.one_of(st.none(), codes)), draw(notes)))
        today += timedelta(days=draw(st.integers(1, integration.INTEGRATION_WINDOW_DAYS)))
        for _ in range(draw(st.integers(1, 2))):
            sessions.append(Session("integration", today, draw(codes), draw(notes)))
    today += timedelta(days=draw(st.integers(1, 60)))
    sessions.append(Session("follow-up", today, draw(st.one_of(st.none(), codes)), draw(notes)))
    return Plan(draw(st.sampled_from(PROCEED)), sessions, start=draw(st.sampled_from([None, start])))


@settings(deadline=None, max_examples=60)
@given(valid_plans())
def test_plans_built_to_the_rules_pass_and_survive_a_round_trip(plan):
    assert check_plan(plan) == []
    data = plan_to_dict(plan)
    assert plan_from_dict(json.loads(json.dumps(data))) == plan
    rows = timeline(plan)["sessions"]
    assert len(rows) == len(plan.sessions) and not any(r["violations"] for r in rows)


@settings(deadline=None, max_examples=60)
@given(valid_plans(), st.data())
def test_removing_what_a_rule_needs_is_caught(plan, data):
    for kind, rule in (("preparation", "preparation_first"), ("follow-up", "follow_up")):
        assert rule in {v.rule for v in check_plan(Plan(plan.patient_id, _without(plan.sessions, kind)))}
    doses = [i for i, s in enumerate(plan.sessions) if s.kind == "dosing"]
    dose = plan.sessions[data.draw(st.sampled_from(doses))]
    later = [s.date for s in plan.sessions if s.kind == "dosing" and s.date > dose.date]
    cut = [s for s in plan.sessions if not (s.kind == "integration" and dose.date < s.date
                                            and (not later or s.date < min(later)))]
    assert "integration_after_dose" in {v.rule for v in check_plan(Plan(plan.patient_id, cut))}
    doubled = plan.sessions + [Session("dosing", dose.date)]
    doubled.sort(key=lambda s: s.date)
    assert "one_dose_per_day" in {v.rule for v in check_plan(Plan(plan.patient_id, doubled))}
