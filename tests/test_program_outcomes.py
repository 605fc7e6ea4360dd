"""What the report computes for a program, on small known inputs: gain intervals, item flags, the evaluation form
and its anonymous summary, the booster lesson."""

import csv
import io
import json
import math
from types import SimpleNamespace

import pandas as pd
import pytest

from course import evaluation
from course.cohort.outcomes import MIN_TRAINEES, evaluation_csv, evaluation_responses, interval, item_flags
from course.lessons import read_lesson
from course.quizzes import BOOSTER_OBJECTIVE, booster_text


def test_gain_interval_is_a_bootstrap_of_paired_differences():
    assert interval([0.5, 0.5, 0.5]) == (0.5, 0.5)
    low, high = interval([0, 0.25, 0.5, 0.75, 1.0] * 4)
    assert 0.3 < low < 0.5 < high < 0.7
    assert interval([0, 0.25, 0.5, 0.75, 1.0] * 4) == (low, high), "a fixed seed: the same interval every run"
    assert all(math.isnan(v) for v in interval([1.0, 0.0]))


def test_items_that_behave_badly_are_flagged_with_the_reason():
    items = pd.DataFrame(
        [
            dict(module="m", item="easy", points=1, trainees=MIN_TRAINEES, difficulty=0.95, discrimination=0.1),
            dict(module="m", item="hard", points=1, trainees=MIN_TRAINEES, difficulty=0.1, discrimination=0.3),
            dict(module="m", item="reversed", points=1, trainees=MIN_TRAINEES, difficulty=0.5, discrimination=-0.4),
            dict(module="m", item="fine", points=1, trainees=MIN_TRAINEES, difficulty=0.6, discrimination=0.4),
            dict(module="m", item="too-few", points=1, trainees=MIN_TRAINEES - 1, difficulty=1.0, discrimination=-1.0),
            dict(
                module="m",
                item="no-spread",
                points=1,
                trainees=MIN_TRAINEES,
                difficulty=0.5,
                discrimination=float("nan"),
            ),
        ]
    )
    flags = item_flags(items).set_index("item")["why"]
    assert set(flags.index) == {"easy", "hard", "reversed"}
    assert "too easy" in flags["easy"] and "too hard" in flags["hard"] and "negative" in flags["reversed"]


def test_the_evaluation_form_saves_a_data_file_and_the_check_reads_it(tmp_path, capsys):
    path = tmp_path / evaluation.ANSWERS_FILE
    evaluation.check_saved(path)
    assert "No answers saved yet" in capsys.readouterr().out
    form = evaluation.form(path)
    form.controls["relevance"].value = 5
    form.controls["balance"].value = "balanced"
    form.controls["comments"].value = "  More on panic disorder, please.  "
    form.save_button.click()
    assert "Saved" in form.status.value
    saved = json.loads(path.read_text())
    assert saved["relevance"] == 5 and saved["quality"] is None
    assert saved["comments"] == "More on panic disorder, please."
    evaluation.check_saved(path)
    assert "3 of 7 answers saved" in capsys.readouterr().out
    again = evaluation.form(path)
    assert again.controls["relevance"].value == 5, "the form shows what was saved"


def test_a_saved_file_of_the_wrong_form_is_refused(tmp_path):
    path = tmp_path / evaluation.ANSWERS_FILE
    with pytest.raises(AssertionError, match="relevance"):
        evaluation.save({"relevance": 9}, path)
    assert not path.exists(), "nothing half-written"
    path.write_text(json.dumps({"relevance": "very"}))
    with pytest.raises(AssertionError, match="save them again"):
        evaluation.check_saved(path)


def test_the_cohort_summary_is_anonymous_and_exports_as_csv(tmp_path):
    course = tmp_path / "course"
    answers = {
        "zoe": {"relevance": 5, "balance": "balanced", "comments": "Zoe's note"},
        "amy": {"relevance": 3, "balance": "leaned in favour of KAP", "comments": None},
        "bob": {"relevance": "not a number"},  # wrong form: dropped
        "cat": ["not", "a", "dict"],
    }  # not an answers file: dropped
    for trainee, data in answers.items():
        folder = course / "submitted" / trainee / "evaluation"
        folder.mkdir(parents=True)
        (folder / evaluation.ANSWERS_FILE).write_text(json.dumps(data))
    responses = evaluation_responses(SimpleNamespace(course=course))
    assert len(responses) == 2 and all("trainee" not in r for r in responses)
    rows = {r["question"]: r for r in csv.DictReader(io.StringIO(evaluation_csv(responses)))}
    assert rows["relevance"]["n"] == "2" and rows["relevance"]["mean"] == "4"
    assert json.loads(rows["balance"]["counts_or_texts"])["balanced"] == 1
    assert json.loads(rows["comments"]["counts_or_texts"]) == ["Zoe's note"]
    assert "zoe" not in evaluation_csv(responses) and "amy" not in evaluation_csv(responses)


def test_a_booster_lesson_has_its_plan_and_one_check_per_question(tmp_path):
    plan = {"ana": ["gad7-band-ten", "lsas-cutoff"], "ben": ["lsas-cutoff", "hama-remission"]}
    path = tmp_path / "booster-1.md"
    path.write_text(booster_text("booster-1", plan, count=2, days=7))
    nb = read_lesson(path)
    checks = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert [c.id for c in checks] == ["q1-check", "q2-check"]
    assert all(c.metadata["course"]["objective"] == BOOSTER_OBJECTIVE for c in checks)
    setup = next(c for c in nb.cells if c.id == "setup").source
    assert '"gad7-band-ten"' in setup and "plan=PLAN" in setup
    with pytest.raises(ValueError, match="every trainee needs 3 items"):
        booster_text("booster-1", plan, count=3, days=7)
    with pytest.raises(ValueError, match="nothing to ask"):
        booster_text("booster-1", {}, count=3, days=7)


def test_a_booster_draws_each_trainees_own_items_and_says_plainly_when_there_are_none():
    from course import itembank

    plan = {"ana": ["gad7-band-ten", "lsas-cutoff"]}
    assert [i.id for i in itembank.quiz("booster-1", trainee="ana", plan=plan).items] == plan["ana"]
    with pytest.raises(ValueError, match="no questions for ben"):
        itembank.quiz("booster-1", trainee="ben", plan=plan)
    with pytest.raises(ValueError, match="course trainee set"):
        itembank.quiz("booster-1", trainee="", plan=plan)


def test_the_example_provider_file_in_the_docs_is_valid_and_accredited():
    from course.data.provider import load_provider
    from course.paths import CHECKOUT

    provider = load_provider(CHECKOUT / "docs" / "provider.example.yaml")
    assert provider.accredited and provider.hours == 7.5 and len(provider.modules) == 6
    assert "Speaker fees" in provider.disclosures_markdown()
