"""Branched cases: validation that names node and field, the player, scoring, exports and the widget."""
import copy
import json
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course import cases as c
from course import widgets
from course.data.patients import get_patient
from course.screening import triage

CASE_IDS = c.list_cases()
RAW = {case_id: json.loads((c.CASES_DIR / f"{case_id}.json").read_text(encoding="utf-8")) for case_id in CASE_IDS}


def best_from(case, node_id):
    node = case.node(node_id)
    return 0 if node.end else max(ch.points + best_from(case, ch.next) for ch in node.choices if not ch.loop)


def best_letters(case):
    """The letters of a best-scoring path from the start to an end."""
    letters, node = [], case.node(case.start)
    while not node.end:
        index = max((i for i, ch in enumerate(node.choices) if not ch.loop),
                    key=lambda i: node.choices[i].points + best_from(case, node.choices[i].next))
        letters.append(node.letters[index])
        node = case.node(node.choices[index].next)
    return letters


def letter_of(node, label_start):
    """The letter of the one choice at a node whose label begins with label_start."""
    letters = [letter for letter, ch in zip(node.letters, node.choices) if ch.label.startswith(label_start)]
    assert len(letters) == 1, (node.id, label_start, letters)
    return letters[0]


def walk(case, *label_starts):
    """The letters of the path from the start that takes, in turn, the choices whose labels begin so."""
    letters, node = [], case.node(case.start)
    for label_start in label_starts:
        letters.append(letter_of(node, label_start))
        node = case.node(node.choices[node.letters.index(letters[-1])].next)
    return letters


SHORT = c.load_case("orientation-claims")
SHORT_BEST = best_letters(SHORT)


def test_both_cases_load_with_their_shape():
    assert {"orientation-claims", "capstone-tomasz"} <= set(CASE_IDS)
    short, capstone = c.load_case("orientation-claims"), c.load_case("capstone-tomasz")
    assert short.patient == "P07" and 3 <= len(best_letters(short)) <= 4
    assert capstone.patient == "P04" and 10 <= len(capstone.nodes) <= 14
    for case in (short, capstone):
        player = c.play(case, best_letters(case))
        assert player.finished and player.points == case.max_points


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_the_best_choice_moves_between_letters_so_one_letter_cannot_game_a_case(case_id):
    best = best_letters(c.load_case(case_id))
    assert len(set(best)) >= min(3, len(best)), best
    assert max(best.count(letter) for letter in best) <= (len(best) + 1) // 2, best


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_triage_choices_match_the_course_screen(case_id):
    case = c.load_case(case_id)
    tagged = [(n, ch) for n in case.nodes.values() for ch in n.choices if ch.triage]
    assert tagged, "each case asks for a triage decision"
    for node, choice in tagged:
        expected = triage(get_patient(node.patient or case.patient)).decision
        top = max(ch.points for ch in node.choices if ch.triage)
        assert (choice.triage == expected) == (choice.points == top), (node.id, choice.label)


FACT_IN_TEXT = re.compile(r"\d\s*%|mg/kg|n = \d|\d+ days|g = \d")
FACT_IN_FEEDBACK = re.compile(r"\d\s*(%|mg|mmHg|days|weeks|months|patients|people|clients|points)|g = \d|\d+ to \d+")


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_clinical_numbers_in_case_text_carry_keys(case_id):
    # Node text also holds the synthetic patient's own scores and vitals, which need no key.
    case = c.load_case(case_id)
    texts = [(n.id, "text", n.text, FACT_IN_TEXT) for n in case.nodes.values()]
    texts += [(n.id, f"{ch.label}: {name}", getattr(ch, name), FACT_IN_FEEDBACK)
              for n in case.nodes.values() for ch in n.choices for name in ("feedback", "consequence")]
    for node_id, where, text, pattern in texts:
        for sentence in re.split(r"(?<=[.;])\s", text):
            if pattern.search(sentence):
                assert "[" in sentence or "course" in sentence, (node_id, where, sentence)


# -- Validation failures name the node and the field --------------------------------------------

def broken(edit, case_id="orientation-claims"):
    data = copy.deepcopy(RAW[case_id])
    edit(data)
    return data


def node(data, node_id):
    return next(n for n in data["nodes"] if n["id"] == node_id)


PROCEED = next(i for i, ch in enumerate(node(RAW["orientation-claims"], "advice")["choices"])
               if ch.get("triage") == "proceed")


@pytest.mark.parametrize("edit, message", [
    (lambda d: node(d, "claim")["choices"][1].update(next="nowhere"),
     r"node claim, field choices\[1\]\.next: 'nowhere' is not a node"),
    (lambda d: d["nodes"].append({"id": "orphan", "text": "Never reached.", "end": True}),
     r"node orphan, field id: no choice leads here"),
    (lambda d: node(d, "rewiring")["choices"][0].update(next="claim"),
     r"node rewiring, field choices\[0\]\.next: the choices form a cycle \(claim -> duration -> rewiring -> claim\)"),
    (lambda d: node(d, "end-booked").update(choices=[{"label": "x", "next": "claim", "points": 0, "feedback": "y"}]),
     r"node end-booked, field choices: an end node offers no choices"),
    (lambda d: node(d, "advice").update(choices=[]), r"node advice, field choices: a node that is not an end needs 1"),
    (lambda d: node(d, "duration")["choices"][0].update(score=2),
     r"node duration, field choices\[0\]: unknown field 'score'"),
    (lambda d: node(d, "duration")["choices"][0].update(points=2.5),
     r"node duration, field choices\[0\]\.points: .*whole"),
    (lambda d: node(d, "duration")["choices"][0].update(feedback=" "), r"node duration, field choices\[0\]\.feedback"),
    (lambda d: node(d, "duration")["choices"][0].update(label="x" * 101), r"choices\[0\]\.label: 101 characters"),
    (lambda d: node(d, "claim").update(text="Effects within hours [glue2099]."),
     r"node claim, field text: 'glue2099' is not a key"),
    (lambda d: node(d, "advice")["choices"][PROCEED].update(points=3),
     rf"node advice, field choices\[{PROCEED}\]\.triage: the top-scoring choice says 'proceed' "
     r"but the course screen gives 'refer'"),
    (lambda d: node(d, "advice")["choices"][0].update(triage="discharge"), r"choices\[0\]\.triage: must be one of"),
    (lambda d: node(d, "claim").update(patient="P99"), r"node claim, field patient: No patient 'P99'"),
    (lambda d: node(d, "claim").update(id="Claim One"), r"nodes\[0\], field id: 'Claim One' is not a valid id"),
    (lambda d: d.update(start="begin"), r"field start: 'begin' is not a node"),
    (lambda d: d["nodes"].append(dict(node(d, "duration"))), r"node duration, field id: two nodes have this id"),
    (lambda d: node(d, "duration").update(end="yes"), r"node duration, field end: must be true or false"),
    (lambda d: (d.pop("patient"), node(d, "advice").pop("patient")),
     r"node advice, field patient: choices carry triage decisions"),
])
def test_a_broken_case_is_refused_naming_node_and_field(edit, message):
    with pytest.raises(c.CaseError, match=r"Case orientation-claims.*" + message):
        c.validate_case(broken(edit))


def test_a_marked_loop_is_allowed_but_must_not_earn_points():
    def back(points):
        return lambda d: node(d, "rewiring")["choices"].append(
            {"label": "Re-read the claim", "next": "claim", "points": points, "feedback": "Back to the start.",
             "loop": True})
    case = c.validate_case(broken(back(0)))
    assert case.max_points == 8
    best = best_letters(case)
    assert best == SHORT_BEST  # a 0-point loop does not change the best path
    detour = best[:2] + [letter_of(case.node("rewiring"), "Re-read the claim")]
    player = c.play(case, detour + best)
    assert player.finished and len(player.path) == 7
    assert player.points == 8 and [s.node for s in player.route] == ["claim", "duration", "rewiring", "advice"]
    assert c.score_path(case, player.path).points == 8
    retaken = walk(case, "A few very small", "Up to about", "Re-read the claim", "No studies at all", "For good",
                   "Nothing at all", "Tell her ketamine")
    assert retaken[:3] == detour
    assert c.play(case, retaken).points == 2  # only the route finally taken counts
    with pytest.raises(c.CaseError, match=r"choices\[3\]\.points: a loop choice"):
        c.validate_case(broken(back(1)))


def test_a_node_whose_every_choice_goes_back_is_refused():
    choice = dict(feedback="f", points=0)
    data = {"id": "tiny", "title": "t", "start": "a", "nodes": [
        {"id": "a", "text": "t", "choices": [dict(choice, label="on", next="b"), dict(choice, label="end", next="z")]},
        {"id": "b", "text": "t", "choices": [dict(choice, label="back", next="a", loop=True)]},
        {"id": "z", "text": "t", "end": True}]}
    with pytest.raises(c.CaseError, match="Case tiny, node b, field choices: every choice here goes back"):
        c.validate_case(data)


def test_loading_errors():
    with pytest.raises(ValueError, match="No case 'nope'. The cases are: "):
        c.load_case("nope")
    with pytest.raises(c.CaseError, match="must be a JSON object"):
        c.validate_case([])


def test_a_file_whose_id_differs_from_its_name_is_refused(tmp_path):
    (tmp_path / "other-name.json").write_text(json.dumps(RAW["orientation-claims"]), encoding="utf-8")
    with pytest.raises(c.CaseError, match="must match the file name"):
        c.load_case("other-name", tmp_path)
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(c.CaseError, match="not valid JSON"):
        c.load_case("bad", tmp_path)


# -- Player and scoring --------------------------------------------------------------------------

def test_player_records_letters_labels_and_points():
    player = c.CasePlayer("orientation-claims", "t01")
    large, week = walk(SHORT, "Large randomized trials", "Up to about a week")
    step = player.choose(large.lower())
    assert (step.node, step.choice, step.points, step.next, step.time) == ("claim", large, 0, "duration", None)
    player.choose("Up to about a week")
    assert [s.choice for s in player.path] == [large, week] and player.points == 2 and player.current == "rewiring"
    with pytest.raises(ValueError, match=r"'E' is not a choice at node 'rewiring'. Choose a letter \(A, B, C\)"):
        player.choose("E")
    player.choose("A")
    player.choose(letter_of(SHORT.node("advice"), "Tell her ketamine is never used"))
    assert player.finished and player.current == "end-dismissed"
    with pytest.raises(ValueError, match="The case has ended"):
        player.choose("A")
    player.restart()
    assert player.path == [] and player.current == "claim"


def test_player_timestamps_only_with_a_clock():
    ticks = iter([10.0, 20.0])
    player = c.CasePlayer("orientation-claims", clock=lambda: next(ticks))
    assert player.choose("A").time == 10.0 and player.choose("A").time == 20.0
    with pytest.raises(ValueError, match="clock must be a function"):
        c.CasePlayer("orientation-claims", clock=5)
    with pytest.raises(ValueError, match="trainee must be text"):
        c.CasePlayer("orientation-claims", trainee=7)


def test_score_path_accepts_steps_pairs_and_dicts():
    case = c.load_case("orientation-claims")
    letters = walk(case, "A few very small", "For good", "Animal studies", "Book a ketamine")
    player = c.play(case, letters)
    by_steps = c.score_path(case, player.path)
    by_pairs = c.score_path(case, list(zip(["claim", "duration", "rewiring", "advice"], letters)))
    by_dicts = c.score_path(case, player.record()["path"])
    assert by_steps.points == by_pairs.points == by_dicts.points == 4
    assert by_steps.max_points == 8 and by_steps.complete and str(by_steps) == "4 of 8 points"
    partial = c.score_path("orientation-claims", [("claim", SHORT_BEST[0])])
    assert not partial.complete and str(partial) == "2 of 8 points (case not finished)"


@pytest.mark.parametrize("path, message", [
    ([("duration", "A")], r"Step 1: the path is at node 'duration', but the previous choice leads to 'claim'"),
    ([("claim", "A"), ("duration", "Z")], r"Step 2: 'Z' is not a choice at node 'duration'"),
    ([*zip(["claim", "duration", "rewiring", "advice"], SHORT_BEST), ("end-stepped-care", "A")],
     r"Step 5: the case already ended"),
    (["claim"], r"Step 1: give each step as \(node, choice\)"),
    ("claim A", "A path is a list of steps"),
])
def test_score_path_names_the_bad_step(path, message):
    with pytest.raises(ValueError, match=message):
        c.score_path("orientation-claims", path)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CASE_IDS), st.lists(st.integers(0, 5), min_size=20, max_size=20))
def test_any_walk_scores_within_the_maximum_and_exports_one_row_per_step(case_id, picks):
    case = c.load_case(case_id)
    player = c.CasePlayer(case, "t")
    for pick in picks:
        if player.finished:
            break
        player.choose(player.node.letters[pick % len(player.node.choices)])
    scored = c.score_path(case, player.path)
    assert scored.points == player.points <= case.max_points
    assert scored.complete == player.finished
    exported = c.export_paths([player])
    assert len(exported) == len(player.path) and exported.points.sum() == player.points


def test_export_and_summary_show_where_trainees_went(tmp_path):
    ben_letters = walk(SHORT, "Large randomized trials", "Up to about", "Animal studies", "Book a ketamine")
    cat_letters = walk(SHORT, "A few very small", "Several months")
    records = [c.play("orientation-claims", SHORT_BEST, "ana").record(),
               c.play("orientation-claims", ben_letters, "ben"),
               c.play("orientation-claims", cat_letters, "cat")]
    paths = c.export_paths(records)
    assert tuple(paths.columns) == c.EXPORT_COLUMNS and len(paths) == 10
    assert paths[paths.trainee == "ben"].points.tolist() == [0, 2, 2, 0]
    assert paths.loc[paths.trainee == "ana", "step"].tolist() == [1, 2, 3, 4]
    paths.to_csv(tmp_path / "paths.csv", index=False)
    assert pd.read_csv(tmp_path / "paths.csv").equals(paths)
    summary = c.path_summary(paths)
    claim = summary[summary.node == "claim"].set_index("choice")
    best, other = SHORT_BEST[0], ben_letters[0]
    assert claim.trainees.to_dict() == {best: 2, other: 1} and claim.share[best] == pytest.approx(2 / 3)
    advice = summary[summary.node == "advice"].set_index("choice")
    assert advice.reached.tolist() == [2, 2] and advice.share.tolist() == [0.5, 0.5]
    assert summary.node.tolist()[0] == "claim"


@pytest.mark.parametrize("records, message", [
    ([{"trainee": "x", "case": "orientation-claims", "path": [{"node": "advice", "choice": "A"}]}],
     r"Trainee 'x', case 'orientation-claims': Step 1: the path is at node 'advice'"),
    ([{"trainee": "", "case": "orientation-claims", "path": []}], "has no trainee name"),
    ([{"trainee": "x", "case": "no-such-case", "path": []}], "No case 'no-such-case'"),
    (["ana"], "Each record must be a CasePlayer or a dict"),
])
def test_export_refuses_bad_records(records, message):
    with pytest.raises(ValueError, match=message):
        c.export_paths(records)
    with pytest.raises(ValueError, match="the table export_paths makes"):
        c.path_summary(pd.DataFrame({"trainee": ["x"]}))


# -- Widget -------------------------------------------------------------------------------------

def test_case_widget_plays_by_button_and_exposes_the_path():
    player = widgets.case_player("capstone-tomasz", "t01")
    assert "P04 Tomasz W. (synthetic)" in player.situation.value
    first = player.buttons.children
    assert [b.description[:3] for b in first] == ["A. ", "B. ", "C. "]
    assert all(b.tooltip for b in first)
    best = best_letters(player.player.case)
    next(b for b in first if b.description.startswith(best[0] + ".")).click()
    assert f"You chose {best[0]}." in player.feedback.value and "(+2 points)" in player.feedback.value
    assert "What happens:" in player.feedback.value and "Your path so far" in player.trail.value
    assert player.path[0].node == "intake" and player.buttons.children is not first
    for letter in best[1:]:
        next(b for b in player.buttons.children if b.description.startswith(letter + ".")).click()
    assert player.buttons.children == () and "Case complete: 20 of 20 points." in player.score.value
    assert c.score_path("capstone-tomasz", player.path).points == 20
    player.again.click()
    assert player.path == [] and player.feedback.value == "" and len(player.buttons.children) == 3


def test_case_widget_shows_an_early_end_and_its_score():
    case = c.load_case("capstone-tomasz")
    player = widgets.case_player(case)
    for letter in walk(case, "PHQ-9 item 9", "Severe anxiety on both", "Those studies enrolled", "Three adequate",
                       "As an exclusion", "Exclude him"):
        player.choose(letter)
    assert player.player.current == "end-excluded" and "Excluded" in player.situation.value
    assert "Case complete: 8 of 20 points." in player.score.value
