"""The quiz lessons, written from the syllabus and the item bank: the pre-test and post-test (``course build`` keeps
them current in ``solutions/``) and the spaced retrieval boosters (``course cohort boosters`` writes one per round).

The pre-test and post-test have one question per learning objective, drawn per trainee from the item bank
(``course.itembank``); a booster has a fixed number of questions whose items a plan chose for each trainee. The text
is generated because the number of questions follows the syllabus or the plan.
"""

from __future__ import annotations

import json
from collections import Counter

from .data.syllabus import modules, objectives
from .itembank import items_for
from .lessons import lesson_path

HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3 (ipykernel)
  language: python
  name: python3
---
"""

INTRO = {
    "pre-test": """# Before you start: the pre-test

*About {minutes} minutes. {count} short questions, one for each learning objective of the course.*

This is not a test you can fail: it shows you, and the programme, what you knew before the course, so that the
post-test at the end can show what you learned. **You get no feedback on your answers here**, on purpose. Answer
from what you know now; "I don't know" is a fine answer (leave it out). Your questions are drawn for you from a bank,
so they differ from your colleagues'.""",
    "post-test": """# At the end: the post-test

*About {minutes} minutes. {count} short questions, one for each learning objective of the course.*

These questions cover the same objectives as the pre-test, with different items. Your results, set beside your
pre-test, show what you learned; the programme sees them for the whole cohort, not for you alone. After grading
you see the explanation of every question you missed.""",
}


BOOSTER_INTRO = """# Booster {name}: what you still know

*About {minutes} minutes. {count} short questions on modules you finished at least {days} days ago.*

Retrieving what you learned, spaced over weeks, is what makes it last. The questions are drawn for you: more of them
come from the objectives you found hard. After grading you see the explanation of every question you missed."""

HOW_TO_ANSWER = """

**How to answer.** Run the cells from the top. The questions are printed below; answer them all in the one answer
cell, as a dictionary from the question number to your answer: the **letter** of an option (`"B"`) or a **number**
(`0.12`). The checks under it only look at the form of each answer; hidden tests grade them after you submit.
"""


def _kind(objective: str) -> str:
    kinds = Counter(item.kind for item in items_for(objective))
    return kinds.most_common(1)[0][0] if kinds else "recall"


def _lesson(name: str, intro: str, setup: str, questions: list[tuple[str, str]]) -> str:
    """A quiz lesson: the intro, a setup cell that draws the trainee's items, one answer cell and a check cell per
    question (objective, kind)."""
    cells = [
        HEADER,
        '+++ {"id": "intro"}\n\n' + intro + HOW_TO_ANSWER,
        f"""```{{code-cell}} ipython3
:id: setup

from course import itembank
from course.answer_checks import answered, passed
{setup}
print(quiz.show())
```
""",
        """```{code-cell} ipython3
:id: answers
:role: answer
:answers: [my_answers]

### BEGIN SOLUTION
my_answers = {n: item.answer if item.numeric else item.letters[item.options.index(item.answer)]
              for n, item in enumerate(quiz.items, start=1)}
### END SOLUTION
```
""",
    ]
    for number, (objective, kind) in enumerate(questions, start=1):
        shown = f" · objective {objective}" if objective in objectives() else ""
        cells.append(f"""+++ {{"id": "q{number}-text"}}

### Question {number} (1 point){shown}

```{{code-cell}} ipython3
:id: q{number}-check
:role: check
:points: 1
:objective: "{objective}"
:kind: {kind}

my_answers = answered("my_answers")
quiz.check_format({number}, my_answers)
### BEGIN HIDDEN TESTS
quiz.grade({number}, my_answers)
### END HIDDEN TESTS
passed("Question {number}")
```
""")
    cells.append(f"""+++ {{"id": "end"}}

That is all. Press **Validate** to check that every answer has the right form, then submit.

```{{code-cell}} ipython3
:id: done

print("The {name} ran to the end.")
```
""")
    return "\n".join(cells)


def quiz_text(name: str) -> str:
    """The pre-test or post-test lesson: one question per learning objective of the course."""
    module = next(m for m in modules() if m.id == name)
    objective_ids = list(objectives())
    return _lesson(
        name,
        INTRO[name].format(minutes=module.minutes, count=len(objective_ids)),
        f"quiz = itembank.quiz({name!r})",
        [(o, _kind(o)) for o in objective_ids],
    )


#: The objective named in a booster's graded cells: each trainee's items (and so objectives) differ; the round's plan
#: (``boosters/NAME.json`` in the cohort workspace) says which objective each trainee's question served.
BOOSTER_OBJECTIVE = "per-trainee"


def booster_text(name: str, plan: dict[str, list[str]], count: int, days: int) -> str:
    """A booster round's lesson: ``count`` questions; the plan (trainee id -> item ids) is written into its setup cell,
    so the released notebook and the graders draw the same items for each trainee."""
    if not plan:
        raise ValueError(f"Booster {name}: nobody has a module due, so there is nothing to ask.")
    wrong = [t for t, ids in plan.items() if len(ids) != count]
    if wrong:
        raise ValueError(f"Booster {name}: every trainee needs {count} items; {', '.join(wrong)} do not.")
    setup = (
        f"# Each trainee's items in this round (trainee id: item ids), from `course cohort boosters`\n"
        f"PLAN = {json.dumps(plan, indent=1, sort_keys=True)}\nquiz = itembank.quiz({name!r}, plan=PLAN)"
    )
    return _lesson(
        name,
        BOOSTER_INTRO.format(name=name, minutes=2 * count, count=count, days=days),
        setup,
        [(BOOSTER_OBJECTIVE, "recall")] * count,
    )


def write_quizzes() -> list:
    """Write the pre-test and post-test lessons; returns the files that changed."""
    changed = []
    for name in ("pre-test", "post-test"):
        path = lesson_path(name)
        text = quiz_text(name)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed
