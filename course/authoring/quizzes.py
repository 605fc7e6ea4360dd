"""The pre-test and post-test lessons, written from the syllabus and the item bank (`course build` keeps them
current).

Each has one question per learning objective, drawn per trainee from the item bank (``course.itembank``); the
text is generated because the number of questions follows the syllabus.
"""
from __future__ import annotations

from collections import Counter

from ..data.syllabus import modules, objectives
from ..itembank import items_for
from ..lessons import lesson_path

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


def _kind(objective: str) -> str:
    kinds = Counter(item.kind for item in items_for(objective))
    return kinds.most_common(1)[0][0] if kinds else "recall"


def quiz_text(name: str) -> str:
    module = next(m for m in modules() if m.id == name)
    objective_ids = list(objectives())
    cells = [HEADER, '+++ {"id": "intro"}\n\n' + INTRO[name].format(minutes=module.minutes, count=len(objective_ids))
             + """

**How to answer.** Run the cells from the top. The questions are printed below; answer them all in the one answer
cell, as a dictionary from the question number to your answer: the **letter** of an option (`"B"`) or a **number**
(`0.12`). The checks under it only look at the form of each answer; hidden tests grade them after you submit.
""",
             f"""```{{code-cell}} ipython3
:id: setup

from course import itembank
from course.answer_checks import answered, passed
quiz = itembank.quiz({name!r})
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
"""]
    for number, objective in enumerate(objective_ids, start=1):
        cells.append(f"""+++ {{"id": "q{number}-text"}}

### Question {number} (1 point) · objective {objective}

```{{code-cell}} ipython3
:id: q{number}-check
:role: check
:points: 1
:objective: "{objective}"
:kind: {_kind(objective)}

my_answers = answered("my_answers")
quiz.check_format({number}, my_answers)
### BEGIN HIDDEN TESTS
quiz.grade({number}, my_answers)
### END HIDDEN TESTS
passed("Question {number}")
```
""")
    cells.append("""+++ {"id": "end"}

That is all. Press **Validate** to check that every answer has the right form, then submit.
""")
    return "\n".join(cells)


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
