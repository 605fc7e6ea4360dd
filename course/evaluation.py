"""The end-of-course evaluation: its questions (``datasets/evaluation.yaml``), a check of the answers' form, and an
anonymous summary for the programme (means and counts, free text without names, in no particular order)."""
from __future__ import annotations

import statistics
from functools import cache

from IPython.display import HTML

from .answer_checks import expect
from .data.files import read_yaml


@cache
def questions() -> tuple[dict, ...]:
    return tuple(read_yaml("evaluation.yaml", "evaluation")["questions"])


def questions_table() -> HTML:
    rows = []
    for q in questions():
        if q["kind"] == "rating":
            how = f"1 ({q['scale'][0]}) to 5 ({q['scale'][1]})"
        elif q["kind"] == "choice":
            how = ", ".join(f'"{o}"' for o in q["options"])
        else:
            how = "text in quotes"
        rows.append(f"<tr><td><code>{q['name']}</code></td><td>{q['text']}</td><td>{how}</td></tr>")
    return HTML("<table><caption>The evaluation's questions</caption><tr><th scope='col'>name</th>"
                "<th scope='col'>question</th><th scope='col'>answer</th></tr>" + "".join(rows) + "</table>")


def problems(answers: dict) -> list[str]:
    """What is wrong with the form of the answers (None skips a question)."""
    found = []
    for q in questions():
        value = answers.get(q["name"])
        if value is None:
            continue
        if q["kind"] == "rating" and (isinstance(value, bool) or value not in (1, 2, 3, 4, 5)):
            found.append(f"`{q['name']}` should be a whole number from 1 to 5 (or None).")
        elif q["kind"] == "choice" and value not in q["options"]:
            found.append(f"`{q['name']}` should be one of " + ", ".join(f'"{o}"' for o in q["options"]) + " (or None).")
        elif q["kind"] == "text" and not isinstance(value, str):
            found.append(f"`{q['name']}` should be text in quotes (or None).")
    return found


def check_answers(namespace: dict) -> None:
    """The visible check under the answer cell: the form of each answer."""
    found = problems({q["name"]: namespace.get(q["name"]) for q in questions()})
    expect(not found, " ".join(found))
    print("Thank you: your answers have the right form. Submit this notebook to send them.")


def summarise(responses: list[dict]) -> dict:
    """Anonymous summary of many trainees' answers: per rating the number, mean and spread; per choice the counts;
    free text sorted alphabetically (so the order says nothing about who wrote what)."""
    summary = {"responses": len(responses), "questions": {}}
    for q in questions():
        values = [r[q["name"]] for r in responses
                  if r.get(q["name"]) is not None and not problems({q["name"]: r[q["name"]]})]
        if q["kind"] == "rating":
            summary["questions"][q["name"]] = {
                "text": q["text"], "n": len(values), "mean": round(statistics.mean(values), 2) if values else None,
                "sd": round(statistics.stdev(values), 2) if len(values) > 1 else None,
                "counts": {k: values.count(k) for k in range(1, 6)}}
        elif q["kind"] == "choice":
            summary["questions"][q["name"]] = {"text": q["text"], "n": len(values),
                                               "counts": {o: values.count(o) for o in q["options"]}}
        else:
            summary["questions"][q["name"]] = {"text": q["text"], "n": len(values),
                                               "texts": sorted(v.strip() for v in values if v.strip())}
    return summary
