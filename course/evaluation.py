"""The end-of-course evaluation: its questions (``datasets/evaluation.yaml``), a form of plain widgets that saves the
answers beside the notebook (``evaluation_answers.json``, submitted with it), a check of the answers' form, and an
anonymous summary for the programme (means and counts, free text without names, in no particular order).

The answers travel as a data file, never as code: the report reads them without running anything a trainee wrote.
"""

from __future__ import annotations

import json
import statistics
from functools import cache
from pathlib import Path

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
    return HTML(
        "<table><caption>The evaluation's questions</caption><tr><th scope='col'>name</th>"
        "<th scope='col'>question</th><th scope='col'>answer</th></tr>" + "".join(rows) + "</table>"
    )


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


ANSWERS_FILE = "evaluation_answers.json"
_SKIP = "(skip)"


def save(answers: dict, path: Path | str = ANSWERS_FILE) -> Path:
    """Write the answers (checked first) to the file that is submitted with the notebook."""
    unknown = sorted(set(answers) - {q["name"] for q in questions()})
    found = problems(answers) + [f"`{name}` is not a question of the evaluation." for name in unknown]
    expect(not found, " ".join(found))
    path = Path(path)
    path.write_text(
        json.dumps({q["name"]: answers.get(q["name"]) for q in questions()}, indent=1) + "\n", encoding="utf-8"
    )
    return path


def load(path: Path | str) -> dict | None:
    """The answers in a saved file, or None when it is missing or not a JSON object."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def form(path: Path | str = ANSWERS_FILE):
    """The evaluation as a form: radio buttons for ratings and choices (each with its question as the group's
    label, so a screen reader names it), text boxes for comments, and a Save button."""
    import ipywidgets as w  # start-up cost: only the evaluation notebook shows the form

    saved = load(path) or {}
    controls, rows = {}, []
    for q in questions():
        label = w.HTML(f"<b>{q['text']}</b>")
        if q["kind"] == "rating":
            options = [(_SKIP, None)] + [
                (f"{n}" + (f" ({q['scale'][0]})" if n == 1 else f" ({q['scale'][1]})" if n == 5 else ""), n)
                for n in range(1, 6)
            ]
            control = w.RadioButtons(
                options=options,
                value=saved.get(q["name"]),
                description=q["name"],
                style={"description_width": "0px"},
                layout=w.Layout(width="auto"),
            )
        elif q["kind"] == "choice":
            control = w.RadioButtons(
                options=[(_SKIP, None)] + [(o, o) for o in q["options"]],
                value=saved.get(q["name"]),
                description=q["name"],
                style={"description_width": "0px"},
                layout=w.Layout(width="auto"),
            )
        else:
            control = w.Textarea(
                value=saved.get(q["name"]) or "",
                placeholder="optional",
                description=q["name"],
                style={"description_width": "0px"},
                layout=w.Layout(width="90%", height="4em"),
            )
        control.description_allow_html = False
        controls[q["name"]] = control
        rows.append(w.VBox([label, control]))
    button = w.Button(description="Save my answers", button_style="primary", icon="save", layout=w.Layout(width="auto"))
    status = w.HTML()

    def on_save(_):
        answers = {
            name: (c.value.strip() or None) if isinstance(c.value, str) else c.value for name, c in controls.items()
        }
        try:
            where = save(answers, path)
        except AssertionError as exc:
            status.value = f"<span role='alert'>Not saved: {exc}</span>"
            return
        status.value = (
            f"<span role='status'>Saved to <code>{where.name}</code>. Submit this assignment to send "
            "your answers; you can change them and save again until then.</span>"
        )

    button.on_click(on_save)
    box = w.VBox(rows + [w.HBox([button, status])])
    box.controls, box.save_button, box.status = controls, button, status  # for tests and the curious
    return box


def check_saved(path: Path | str = ANSWERS_FILE) -> None:
    """The check under the form: what is saved, and whether it has the right form."""
    answers = load(path)
    if answers is None:
        print(
            "No answers saved yet: fill in the form above (skip any question you like) and press "
            "'Save my answers', then run this cell again."
        )
        return
    found = problems(answers)
    expect(not found, "The saved answers have a problem (save them again from the form): " + " ".join(found))
    given = sum(value is not None for value in answers.values())
    print(
        f"Thank you: {given} of {len(questions())} answers saved with the right form. Submit this assignment to "
        "send them."
    )


def summarise(responses: list[dict]) -> dict:
    """Anonymous summary of many trainees' answers: per rating the number, mean and spread; per choice the counts;
    free text sorted alphabetically (so the order says nothing about who wrote what)."""
    summary = {"responses": len(responses), "questions": {}}
    for q in questions():
        values = [
            r[q["name"]] for r in responses if r.get(q["name"]) is not None and not problems({q["name"]: r[q["name"]]})
        ]
        if q["kind"] == "rating":
            summary["questions"][q["name"]] = {
                "text": q["text"],
                "n": len(values),
                "mean": round(statistics.mean(values), 2) if values else None,
                "sd": round(statistics.stdev(values), 2) if len(values) > 1 else None,
                "counts": {k: values.count(k) for k in range(1, 6)},
            }
        elif q["kind"] == "choice":
            summary["questions"][q["name"]] = {
                "text": q["text"],
                "n": len(values),
                "counts": {o: values.count(o) for o in q["options"]},
            }
        else:
            summary["questions"][q["name"]] = {
                "text": q["text"],
                "n": len(values),
                "texts": sorted(v.strip() for v in values if v.strip()),
            }
    return summary
