"""Branched cases: a validator that names what is wrong, state that carries forward, no tells, scores that reason."""

import copy
import html
import os
import shutil
import subprocess
import sys
from collections import Counter

import pytest
import yaml

from course import cases as c
from course import widgets
from course.paths import dataset

CASES = c.list_cases()


def _raw(case_id):
    return yaml.safe_load(dataset(f"cases/{case_id}.yaml").read_text(encoding="utf-8"))


def test_three_diagnoses_and_the_orientation_case():
    diagnoses = {c.load_case(i).diagnosis for i in CASES}
    assert {"GAD", "SAD", "PD", "claims"} <= diagnoses
    assert "orientation-claims" in CASES


@pytest.mark.parametrize("case_id", CASES)
def test_every_case_validates_branches_and_has_several_good_paths(case_id):
    case = c.load_case(case_id)
    decisions = case.decision_nodes
    assert sum(n.branches for n in decisions) * 2 >= len(decisions)
    paths = c.all_paths(case)
    good = [p for p in paths if p.ending == "good"]
    assert len({tuple(p.letters) for p in good}) >= 2
    assert any(p.score == 1.0 for p in good)
    endings = Counter(p.ending for p in paths)
    criticals = {e for p in paths for e in p.criticals}
    print(
        f"{case_id}: {len(case.nodes)} nodes, {sum(n.branches for n in decisions)} of {len(decisions)} decision "
        f"nodes branch, {sum(1 for n in case.nodes.values() if n.end)} endings, {len(criticals)} critical errors, "
        f"{len(paths)} paths ({dict(endings)})"
    )


@pytest.mark.parametrize("case_id", CASES)
def test_option_order_and_length_carry_no_signal(case_id):
    case = c.load_case(case_id)
    longest = shortest = 0
    positions = []
    for node in case.decision_nodes:
        top = max(o.total for o in node.options)
        best = [i for i, o in enumerate(node.options) if o.total == top]
        lengths = [len(o.label) for o in node.options]
        longest += lengths.index(max(lengths)) in best
        shortest += lengths.index(min(lengths)) in best
        positions.append(best[0])
    n = len(case.decision_nodes)
    assert longest * 2 <= n, f"{case_id}: the best option is the longest at {longest} of {n} decisions"
    assert shortest * 2 <= n, f"{case_id}: the best option is the shortest at {shortest} of {n} decisions"
    assert Counter(positions).most_common(1)[0][1] <= 0.6 * n, f"{case_id}: the best option sits at one place"


@pytest.mark.parametrize("case_id", CASES)
def test_a_test_wise_strategy_does_not_pass(case_id):
    # Always the longest, always the shortest, always the first offered: none reaches a passing score.
    case = c.load_case(case_id)
    for pick in (
        lambda opts: max(opts, key=lambda lo: len(lo[1].label)),
        lambda opts: min(opts, key=lambda lo: len(lo[1].label)),
        lambda opts: opts[0],
    ):
        run = c.Run(case)
        while not run.finished:
            run.choose(pick(run.offered())[0])
        assert run.score < 1.0 or run.ending != "good", f"{case_id}: a test-wise path scores full marks"


def test_state_carries_forward_in_the_capstone():
    tomasz = c.load_case("capstone-tomasz")
    # A missed safety item resurfaces later, and the item can be read then.
    run = c.play(tomasz, ["A", "C", "C", "A", "A"])
    assert run.current == "evaluation" and "item 9 has still not been read" in run.text()
    assert [o.label for _, o in run.offered()][0] == "Read PHQ-9 item 9 with him now"
    # Skipping consent blocks the dosing step: the dose is not offered, and the note says why.
    run = c.play(tomasz, ["B", "C", "C", "A", "A", "B"])
    assert run.current == "dosing-day" and "consent has not been documented" in run.text()
    assert not any("Give the dose" in o.label for _, o in run.offered())
    # A deferred patient comes back later: days pass, and his blood pressure has been reviewed.
    run = c.play(tomasz, ["B", "C", "C", "A", "A", "A", "B"])
    assert run.current == "review" and run.state.days == 28


def test_critical_errors_are_named_and_cap_the_score():
    tomasz = c.load_case("capstone-tomasz")
    run = c.play(tomasz, ["B", "C", "C", "A", "A", "A", "A"])  # dose at 182/109
    assert run.criticals == ["Dosed with a pre-dose blood pressure of 182/109 mmHg."]
    assert run.score <= c.CRITICAL_CAP
    assert "Critical error(s): Dosed with a pre-dose blood pressure" in c.feedback(run)
    skipped = c.play(tomasz, ["A", "C", "C", "A", "A", "B"])  # consent without ever reading item 9
    assert skipped.criticals == ["Planned treatment without ever reading PHQ-9 item 9."]


def test_a_conservative_choice_is_defensible():
    # Excluding Tomasz under a clinic's policy on family history of psychosis ends well, with full marks.
    run = c.play("capstone-tomasz", ["B", "C", "C", "A", "B", "A"])
    assert run.ending == "good" and run.score == 1.0 and run.current == "end-conventional"


def test_panic_disorder_good_paths_do_not_reach_kap():
    lucia = c.load_case("panic-lucia")
    for run in c.all_paths(lucia):
        if run.ending == "good":
            assert "untested" not in {s.node for s in run.steps} or run.steps[-1].node != "untested"
            assert run.current != "end-untested"


def test_play_explains_a_wrong_letter_and_a_too_long_path():
    with pytest.raises(ValueError, match=r"Choice 1: 'Z' is not a choice at 'Intake': choose one of A, B, C"):
        c.play("capstone-tomasz", ["Z"])
    best = c.best_path("panic-lucia")
    with pytest.raises(ValueError, match="the list is too long"):
        c.play("panic-lucia", best.letters + ["A"])
    with pytest.raises(ValueError, match="list of letters"):
        c.play("panic-lucia", "ABC")


def test_statements_are_xapi_shaped():
    run = c.play("orientation-claims", ["A", "B"], trainee="t01", clock=lambda: "2030-01-01T00:00:00+00:00")
    first = run.statements()[0]
    assert first["actor"]["account"]["name"] == "t01" and first["verb"]["display"]["en"] == "chose"
    assert first["object"]["id"] == "kap-course/cases/orientation-claims/claim"
    assert first["result"]["response"] == "A" and first["timestamp"] == "2030-01-01T00:00:00+00:00"


def _broken(change):
    data = copy.deepcopy(_raw("orientation-claims"))
    change(data)
    return data


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda d: d["nodes"].update({"orphan": {"title": "Orphan", "text": "x", "end": "good"}}),
            r"node\(s\) orphan cannot be reached",
        ),
        (
            lambda d: d["nodes"]["duration"]["options"][0].update({"next": "nowhere"}),
            r"node duration, option 1, field next: no node 'nowhere'",
        ),
        (lambda d: d["nodes"]["advice"].pop("options"), r"node advice, field options: a dead end"),
        (
            lambda d: d["nodes"]["claim"]["options"][1].update({"critical": "x"}),
            r"node claim, option 2, field critical: a critical error scores 0 for safety",
        ),
        (
            lambda d: [
                o.update({"scores": {"safety": 1, "evidence": 1, "patient": 1}})
                for o in d["nodes"]["rewiring"]["options"]
            ],
            r"node rewiring, field scores: .* no defensible option",
        ),
        (lambda d: d["nodes"]["claim"].update({"title": 7}), r"field nodes.claim.title"),
        (
            lambda d: d["nodes"]["end-stepped-care"].update({"end": "acceptable"}),
            r"fewer than two paths reach a good ending",
        ),
    ],
)
def test_the_validator_names_the_case_node_and_field(change, message):
    with pytest.raises(c.CaseError, match=message):
        c.build_case(_broken(change), "Case orientation-claims")


def test_a_new_case_file_is_validated_and_playable_without_code_changes(tmp_path):
    data = tmp_path / "datasets"
    shutil.copytree(dataset("."), data)
    new = _raw("orientation-claims")
    new["id"] = "my-own-case"
    (data / "cases" / "my-own-case.yaml").write_text(yaml.safe_dump(new), encoding="utf-8")
    code = (
        "from course.cases import list_cases, play, best_path; print(list_cases()); "
        "print(best_path('my-own-case').ending)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "KAP_DATASETS": str(data)}
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "my-own-case" in out.stdout and out.stdout.strip().endswith("good")


def test_the_player_widget_records_the_path_and_statements():
    player = widgets.case_player("orientation-claims", trainee="t01")
    assert [b.description[:2] for b in player.buttons.children] == ["A.", "B.", "C."]
    player.buttons.children[0].click()
    assert player.choices == ["A"] and "You chose A." in player.feedback.value
    assert player.run.statements()[0]["result"]["response"] == "A"
    assert "['A']" in html.unescape(player.trail.value)
    player.again.click()
    assert player.choices == [] and player.feedback.value == ""
