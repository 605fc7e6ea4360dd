"""The item bank behind the pre-test, the post-test and the spaced retrieval boosters (``datasets/item_bank.yaml``).

Each item belongs to one learning objective of ``datasets/syllabus.yaml`` and has a kind (recall, calculation,
judgement), a stem, either named options or a number with a tolerance, the correct answer and a plain-language
explanation with reference keys. Draws are per trainee and stable: the pre-test gives one item per objective, the
post-test a *different* item for the same objective, and a booster favours the objectives a trainee got wrong.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from functools import cache

from .answer_checks import expect
from .data.files import read_yaml
from .data.references import check_citations
from .data.syllabus import objectives
from .variants import trainee_id

ASSESSMENTS = ("pre-test", "post-test")


@dataclass(frozen=True)
class Item:
    id: str
    objective: str
    kind: str
    stem: str
    options: tuple[str, ...]  # empty for a numeric item
    answer: object  # an option, or a number
    tolerance: float
    explanation: str

    @property
    def numeric(self) -> bool:
        return not self.options

    def correct(self, response) -> bool:
        """Whether a response is right: the option text or its letter, or a number within the tolerance."""
        if self.numeric:
            return (
                isinstance(response, (int, float))
                and not isinstance(response, bool)
                and abs(float(response) - float(self.answer)) <= self.tolerance
            )
        if isinstance(response, str) and response.strip().upper() in self.letters:
            response = self.options[self.letters.index(response.strip().upper())]
        return response == self.answer

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple("ABCDEFGH"[: len(self.options)])

    def text(self, number: int) -> str:
        lines = [f"{number}. {self.stem}"]
        lines += [f"   {letter}. {option}" for letter, option in zip(self.letters, self.options)]
        if self.numeric:
            lines.append("   (answer with a number)")
        return "\n".join(lines)


@cache
def items() -> dict[str, Item]:
    found = {}
    for raw in read_yaml("item_bank.yaml", "item_bank")["items"]:
        where = f"item_bank.yaml, item {raw['id']}"
        if raw["id"] in found:
            raise ValueError(f"{where}: the id appears twice.")
        if raw["objective"] not in objectives():
            raise ValueError(f"{where}: objective {raw['objective']!r} is not in syllabus.yaml.")
        options = tuple(raw.get("options", ()))
        if options and raw["answer"] not in options:
            raise ValueError(f"{where}: the answer is not one of its options.")
        if not options and not isinstance(raw["answer"], (int, float)):
            raise ValueError(f"{where}: an item without options needs a number as its answer.")
        for text in (raw["stem"], raw["explanation"], *options):
            check_citations(text, where)
        found[raw["id"]] = Item(
            raw["id"],
            raw["objective"],
            raw["kind"],
            raw["stem"],
            options,
            raw["answer"],
            float(raw.get("tolerance", 0)),
            raw["explanation"],
        )
    return found


def items_for(objective: str) -> list[Item]:
    return [i for i in items().values() if i.objective == objective]


def _rng(*parts: str) -> random.Random:
    return random.Random(hashlib.sha256("\0".join(parts).encode()).hexdigest())


def draw(assessment: str, trainee: str | None, objective_ids=None) -> list[Item]:
    """One item per objective for ``assessment`` ("pre-test" or "post-test"), stable for the trainee; the
    post-test's item for an objective is never the pre-test's."""
    if assessment not in ASSESSMENTS:
        raise ValueError(f"No assessment {assessment!r}; the assessments are {', '.join(ASSESSMENTS)}.")
    chosen = []
    for objective in objective_ids or list(objectives()):
        pool = sorted(items_for(objective), key=lambda i: i.id)
        if len(pool) < 2:
            raise ValueError(
                f"Objective {objective} has {len(pool)} item(s) in the bank: at least 2 are needed for a "
                "pre-test and a different post-test item."
            )
        order = pool[:]
        _rng(trainee or "", objective).shuffle(order)
        chosen.append(order[0] if assessment == "pre-test" else order[1])
    return chosen


def booster(
    trainee: str, due: list[str], wrong: set[str], seen: set[str], count: int = 5, round_id: str = ""
) -> list[Item]:
    """A short retrieval quiz for one trainee: up to ``count`` items of the ``due`` objectives, the objectives they
    got wrong first, one item per objective before any objective gets a second, unseen items before seen ones."""
    rng = _rng(trainee, round_id, "booster")
    order = sorted(dict.fromkeys(due), key=lambda o: (o not in wrong, rng.random()))
    pools = {}
    for objective in order:
        pool = sorted(items_for(objective), key=lambda i: i.id)
        rng.shuffle(pool)
        pools[objective] = sorted(pool, key=lambda i: i.id in seen)  # stable: unseen first, shuffled within
    chosen: list[Item] = []
    while len(chosen) < count and any(pools.values()):
        for objective in order:
            if pools[objective] and len(chosen) < count:
                chosen.append(pools[objective].pop(0))
    return chosen


@dataclass
class Quiz:
    """The items of one trainee's quiz, in order, with the checks the lesson's cells call."""

    name: str
    trainee: str | None
    items: list

    def show(self) -> str:
        return "\n\n".join(item.text(n) for n, item in enumerate(self.items, start=1))

    def check_format(self, number: int, answers) -> None:
        """The visible check: an answer of the right form for question ``number`` (no right or wrong)."""
        expect(isinstance(answers, dict), '`my_answers` should be a dictionary such as {1: "B", 2: 0.12}.')
        expect(number in answers, f"Question {number} has no answer yet: add `{number}: ...` to my_answers.")
        item = self.items[number - 1]
        response = answers[number]
        if item.numeric:
            expect(
                isinstance(response, (int, float)) and not isinstance(response, bool),
                f"Question {number} asks for a number, such as 0.12 or 40.",
            )
        else:
            expect(
                isinstance(response, str) and (response.strip().upper() in item.letters or response in item.options),
                f"Question {number}: give the letter of an option ({', '.join(item.letters)}).",
            )

    def grade(self, number: int, answers) -> None:
        """The hidden test: right or wrong, with the explanation when wrong (post-test and boosters only)."""
        item = self.items[number - 1]
        expect(
            item.correct(answers.get(number)),
            f"Question {number} is not right." + ("" if self.name == "pre-test" else f" {item.explanation}"),
        )


def quiz(name: str, trainee: str | None = None, plan: dict | None = None) -> Quiz:
    """The pre-test, the post-test, or a booster (from its plan: trainee id -> item ids) for this trainee."""
    trainee = trainee if trainee is not None else trainee_id()
    if name in ASSESSMENTS:
        return Quiz(name, trainee, draw(name, trainee))
    if plan is None:
        raise ValueError(f"{name}: a booster needs its plan.")
    if not trainee:
        raise ValueError(
            f"Booster {name} is drawn for each trainee, and this machine does not know who you are. Set "
            "your cohort login once with `course trainee set YOUR-ID` in a terminal, then run this again."
        )
    if trainee not in plan:
        raise ValueError(
            f"Booster {name} has no questions for {trainee}: nothing you completed was due when your "
            "instructor made it. There is nothing to submit; the next round will include you."
        )
    unknown = [i for i in plan[trainee] if i not in items()]
    if unknown:
        raise ValueError(
            f"Booster {name} names items the bank no longer has ({', '.join(unknown)}): ask your "
            "instructor to make the round again."
        )
    return Quiz(name, trainee, [items()[i] for i in plan[trainee]])
