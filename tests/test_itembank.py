"""The item bank behind the pre-test, the post-test and the boosters, and the two quizzes through a real nbgrader cycle.

The bank must serve every learning objective with at least three items (a pre-test item, a different post-test item
and one to spare for boosters), each answerable from its options or as a number, each number with a reference key.
Draws are per trainee: stable for one trainee, different between trainees, and the post-test never repeats the
pre-test's item for an objective. The quizzes are graded by recomputing each submitter's draw from their id.
"""

import re
from collections import Counter

import nbformat
import pytest
from conftest import typed_in
from nbgrader.api import Gradebook

from course import itembank
from course.data.references import KEY_IN_TEXT, reference
from course.data.syllabus import module, objectives, pass_mark
from course.lessons import lesson_path, source_notebook
from course.nbcourse import course_directory, generate, nbgrader
from course.quizzes import quiz_text

ITEMS = itembank.items()
TRAINEES = ["ana.r", "ben-k", "chen_w", "dara", "eli.m", "fatima.s", "gus", "hana-t"]
#: A percentage in a stem or an explanation is a clinical number, except for the course's own pass mark (00.1).
PERCENT = re.compile(r"\d\s?%")


def _keys(text: str) -> list[str]:
    return KEY_IN_TEXT.findall(text)


# -- The bank ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("objective", list(objectives()))
def test_every_objective_has_at_least_three_items_and_a_competence_has_a_judgement_item(objective):
    pool = itembank.items_for(objective)
    assert len(pool) >= 3, f"objective {objective} has {len(pool)} item(s); the bank needs at least 3"
    if objectives()[objective].level == "competence":
        assert any(i.kind == "judgement" for i in pool), f"competence {objective} has no judgement item"
    # The post-test draws a different item from the pre-test: the pool must not be one question asked three ways.
    assert len({i.stem for i in pool}) == len(pool)
    assert len({i.answer for i in pool}) > 1, f"every item of {objective} has the same answer"


def test_every_answer_is_one_of_its_options_or_a_number():
    for item in ITEMS.values():
        if item.options:
            assert item.answer in item.options, item.id
            assert len(set(item.options)) == len(item.options) >= 2, item.id
            assert item.correct(item.answer) and item.correct(item.letters[item.options.index(item.answer)])
            assert not any(item.correct(o) for o in item.options if o != item.answer), item.id
        else:
            assert isinstance(item.answer, (int, float)) and not isinstance(item.answer, bool), item.id
            assert item.tolerance >= 0 and item.correct(item.answer), item.id
            assert not item.correct(item.answer + item.tolerance + 1), item.id
        assert item.kind in ("recall", "calculation", "judgement"), item.id


def test_every_cited_key_resolves_and_every_percentage_carries_a_key():
    for item in ITEMS.values():
        for text in (item.stem, item.explanation, *item.options):
            for key in _keys(text):
                assert reference(key).key == key, f"{item.id}: [{key}]"
        if item.objective == "00.1":
            continue  # how the course works: its pass mark is the course's own setting, not a clinical number
        if PERCENT.search(item.explanation):
            assert _keys(item.explanation), f"{item.id}: a percentage in the explanation without a reference key"
        if PERCENT.search(item.stem):
            assert _keys(item.stem + item.explanation), f"{item.id}: a percentage in the stem without a key"


def test_an_unconfirmed_reference_is_shown_with_its_caveat():
    for item in ITEMS.values():
        text = " ".join((item.stem, item.explanation, *item.options))
        if any(reference(key).unconfirmed for key in _keys(text)):
            assert "citation to verify" in text or "not confirmed" in text, item.id


def test_the_pass_mark_item_follows_the_syllabus():
    item = ITEMS["pass-mark-points"]
    assert item.answer == round(pass_mark() * 30)


def test_a_dosing_item_is_arithmetic_about_published_figures_never_a_dose_for_a_person():
    for item in ITEMS.values():
        text = " ".join((item.stem, item.explanation, *item.options)).lower()
        if item.kind == "calculation" and "mg/kg" in text and "mg" in text:
            assert "70 kg reference adult" in text and _keys(item.stem), item.id
        assert not re.search(r"\b(you|your patient) should (take|receive|be given)\b", text), item.id


# -- Draws ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("trainee", TRAINEES + [None, ""])
def test_pre_and_post_test_give_one_item_per_objective_and_never_the_same_item_twice(trainee):
    pre, post = itembank.draw("pre-test", trainee), itembank.draw("post-test", trainee)
    for drawn in (pre, post):
        assert [i.objective for i in drawn] == list(objectives())
    for before, after in zip(pre, post):
        assert before.objective == after.objective and before.id != after.id


def test_draws_are_stable_for_a_trainee_and_differ_between_trainees():
    for trainee in TRAINEES:
        assert itembank.draw("pre-test", trainee) == itembank.draw("pre-test", trainee)
        assert itembank.draw("post-test", trainee) == itembank.draw("post-test", trainee)
    pre_tests = {tuple(i.id for i in itembank.draw("pre-test", t)) for t in TRAINEES}
    assert len(pre_tests) == len(TRAINEES), "two trainees drew the same pre-test"
    # Over many trainees every item of an objective is drawn by someone: no item is dead weight.
    drawn = Counter(i.id for t in range(200) for a in itembank.ASSESSMENTS for i in itembank.draw(a, f"t{t}"))
    assert set(drawn) == set(ITEMS)


def test_an_objective_with_fewer_than_two_items_cannot_make_a_pre_and_post_test(monkeypatch):
    monkeypatch.setattr(itembank, "items_for", lambda objective: list(ITEMS.values())[:1])
    with pytest.raises(ValueError, match="at least 2 are needed"):
        itembank.draw("pre-test", "ana.r", ["00.1"])
    with pytest.raises(ValueError, match="No assessment"):
        itembank.draw("mid-test", "ana.r")


# -- Boosters ---------------------------------------------------------------------------------------------------------


def test_a_booster_favours_the_objectives_a_trainee_got_wrong():
    due = list(objectives())
    for trainee in TRAINEES:
        for wrong in ({"02.2"}, {"01.2", "04.1"}, {"00.3", "03.1", "05.2"}):
            chosen = itembank.booster(trainee, due, wrong, set(), count=len(wrong), round_id="r1")
            assert {i.objective for i in chosen} == wrong
            more = itembank.booster(trainee, due, wrong, set(), count=len(wrong) + 2, round_id="r1")
            assert {i.objective for i in more[: len(wrong)]} == wrong


def test_a_booster_prefers_unseen_items():
    for objective in objectives():
        pool = [i.id for i in itembank.items_for(objective)]
        for unseen in pool:
            seen = set(pool) - {unseen}
            chosen = itembank.booster("ana.r", [objective], set(), seen, count=1, round_id="r2")
            assert [i.id for i in chosen] == [unseen]
        # Seen items still come, after the unseen ones, when the round asks for more.
        chosen = itembank.booster("ana.r", [objective], set(), set(pool[:1]), count=len(pool), round_id="r2")
        assert [i.id for i in chosen][-1] == pool[0]


@pytest.mark.parametrize("count", [1, 3, 5, 8, 12])
def test_a_booster_returns_exactly_count_items_when_the_due_objectives_have_enough(count):
    due = ["01.1", "01.2", "04.1"]
    enough = sum(len(itembank.items_for(o)) for o in due)
    assert enough >= count
    for trainee in TRAINEES:
        chosen = itembank.booster(trainee, due, {"04.1"}, set(), count=count, round_id="r3")
        assert len(chosen) == count and len({i.id for i in chosen}) == count
        assert {i.objective for i in chosen} <= set(due)
        # One item per objective before any objective gets a second.
        spread = Counter(i.objective for i in chosen)
        assert len(spread) == min(count, len(due)) and max(spread.values()) - min(spread.values()) <= 1
    # Not enough items: everything there is, once.
    everything = itembank.booster("ana.r", due, set(), set(), count=enough + 5, round_id="r3")
    assert len(everything) == enough == len({i.id for i in everything})


def test_a_booster_is_stable_for_a_trainee_and_round():
    due = list(objectives())
    for trainee in TRAINEES:
        first = itembank.booster(trainee, due, {"01.1"}, set(), count=5, round_id="r4")
        assert first == itembank.booster(trainee, due, {"01.1"}, set(), count=5, round_id="r4")


# -- The quiz lessons -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", itembank.ASSESSMENTS)
def test_the_quiz_lesson_is_current_with_the_syllabus_and_the_bank(name):
    assert lesson_path(name).read_text(encoding="utf-8") == quiz_text(name), (
        f"solutions/{name} is stale: run `course build` and commit the result"
    )


def _answers(items) -> dict:
    """What a trainee who knows every answer types: the letter of the right option, or the number."""
    return {
        n: item.answer if item.numeric else item.letters[item.options.index(item.answer)]
        for n, item in enumerate(items, start=1)
    }


def _typed(release, answers: dict) -> nbformat.NotebookNode:
    """The release with ``answers`` typed into its one answer cell, as a dictionary literal."""
    nb = nbformat.read(release, as_version=4)
    cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(cells) == 1
    cells[0].source = "my_answers = " + repr(answers)
    return nb


@pytest.mark.cycle
@pytest.mark.parametrize("name", itembank.ASSESSMENTS)
def test_quiz_round_trip_grades_each_trainee_against_their_own_draw(tmp_path, name):
    notebook = module(name).notebook
    root = course_directory(tmp_path / "course", [name])
    release = generate(root, name) / notebook
    count = len(objectives())
    own = {t: itembank.draw(name, t) for t in ("ana.r", "ben-k", "chen_w", "dara")}
    half = {n: a for n, a in _answers(own["dara"]).items() if n <= count // 2}
    submissions = {
        "ana.r": _typed(release, _answers(own["ana.r"])),
        "ben-k": _typed(release, _answers(own["ben-k"])),
        "chen_w": typed_in(release, source_notebook(name)),  # the source's own solution cell
        "dara": _typed(release, half),  # half the questions answered
        "eli.m": nbformat.read(release, as_version=4),  # nothing answered
        "fatima.s": _typed(release, _answers(own["ana.r"])),  # someone else's answers
    }
    for trainee, nb in submissions.items():
        folder = root / "submitted" / trainee / name
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / notebook)
    nbgrader(root, "autograde", name)

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "kap-anxiety") as gb:

        def score(trainee):
            sub = gb.find_submission(name, trainee)
            return {g.name: g.score for nbs in sub.notebooks for g in nbs.grades}

        full = {f"q{n}-check": 1.0 for n in range(1, count + 1)}
        for trainee in ("ana.r", "ben-k", "chen_w"):
            assert score(trainee) == full, f"{trainee}: correct answers must get every point"
        assert sum(score("dara").values()) == count // 2
        assert sum(score("eli.m").values()) == 0
        assert sum(score("fatima.s").values()) < count, "another trainee's answers passed: the draw is not per trainee"

    def errors(trainee):
        graded = nbformat.read(root / "autograded" / trainee / name / notebook, as_version=4)
        return [
            o.evalue
            for c in graded.cells
            if c.cell_type == "code"
            for o in c.get("outputs", [])
            if o.output_type == "error"
        ]

    assert len(errors("eli.m")) == count and all("Not answered yet" in e for e in errors("eli.m"))
    assert all("has no answer yet" in e for e in errors("dara")) and len(errors("dara")) == count - count // 2
    given = _answers(own["ana.r"])
    theirs = list(enumerate(itembank.draw(name, "fatima.s"), start=1))
    misfit = [
        n
        for n, item in theirs
        if (not isinstance(given[n], str)) != item.numeric
        or (isinstance(given[n], str) and given[n] not in item.letters)
    ]
    wrong = [(n, item) for n, item in theirs if n not in misfit and not item.correct(given[n])]
    assert wrong and len(errors("fatima.s")) == len(misfit) + len(wrong)
    text = "\n".join(errors("fatima.s"))
    for n, item in wrong:
        assert f"Question {n} is not right." in text
        # The pre-test gives no feedback, on purpose; the post-test explains every miss.
        assert (item.explanation in text) == (name == "post-test"), (n, item.id)
