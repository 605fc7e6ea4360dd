"""What the course grades: mostly clinical judgement, and nothing a question asks is shown before it is asked.

- At least half of every module's autograded points are judgement (the ``kind`` of each check cell).
- No leaks: the release is run with every answer blank, and no output of a cell above a question shows that
  question's answer (a number in any usual format, or a patient/item paired with its answer on one line).
"""

import json
import re

import nbformat
import pytest
from nbclient import NotebookClient

from course.data.syllabus import teaching_modules
from course.lessons import lesson_path, read_lesson
from course.paths import checkout

ROOT = checkout()


def _points(module_id):
    by_kind = {}
    for cell in read_lesson(lesson_path(module_id)).cells:
        nbg, course = cell.metadata.get("nbgrader", {}), cell.metadata.get("course", {})
        if nbg.get("grade") and not nbg.get("solution"):
            by_kind[course["kind"]] = by_kind.get(course["kind"], 0) + nbg["points"]
    return by_kind


@pytest.mark.parametrize("module_id", [m.id for m in teaching_modules()])
def test_at_least_half_of_the_autograded_points_are_judgement(module_id):
    by_kind = _points(module_id)
    share = by_kind.get("judgement", 0) / sum(by_kind.values())
    print(f"{module_id}: {by_kind}, judgement {share:.0%}")
    assert share >= 0.5, f"{module_id}: only {share:.0%} of the autograded points are judgement ({by_kind})"


def _run(nb, cwd):
    NotebookClient(
        nb,
        timeout=300,
        allow_errors=True,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(cwd)}},
    ).execute()
    return nb


def _answers(module_id, tmp_path):
    """The model answers, as the source notebook computes them."""
    nb = read_lesson(lesson_path(module_id))
    names = [n for c in nb.cells for n in c.metadata.get("course", {}).get("answers", [])]
    probe = f"import json\nprint(json.dumps({{n: repr(globals()[n]) for n in {names!r} if n in globals()}}))"
    nb.cells.append(nbformat.v4.new_code_cell(probe))
    nb = _run(nb, tmp_path)
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    return {name: eval(value, {"__builtins__": {}}) for name, value in json.loads(text).items()}  # noqa: S307


def _signatures(value) -> list[str]:
    """Ways an answer could be shown: numbers in usual formats; a key and its value on one line."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (int, float)):
        if isinstance(value, int) and abs(value) < 10 or value in (0.0, 1.0):
            return []  # too common to be a signature
        forms = {f"{value:g}"}
        if isinstance(value, float) and 0 < value < 1:
            forms |= {f"{value:.2f}", f"{value:.3f}", f"{value:.0%}", f"{value:.1%}", f"{value * 100:.1f}"}
        return [rf"(?<![\d.]){re.escape(f)}(?![\d])" for f in forms]
    if isinstance(value, dict):
        return [
            rf"{re.escape(str(k))}\W[^\n]{{0,40}}\b{re.escape(str(v))}\b"
            for k, v in value.items()
            if not isinstance(v, bool)
        ]
    return []


def _widget_strings(state: dict, model_id: str, seen: set) -> list[str]:
    """Every string in a widget model and its children (a widget's text lives in its state, not in outputs)."""
    if model_id in seen or model_id not in state:
        return []
    seen.add(model_id)
    found = []

    def walk(value):
        if isinstance(value, str):
            if value.startswith("IPY_MODEL_"):
                found.extend(_widget_strings(state, value[len("IPY_MODEL_") :], seen))
            else:
                found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(state[model_id].get("state", {}))
    return found


def _texts(cell, widgets: dict) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        data = out.get("data", {})
        for mime in ("text/plain", "text/html", "text/markdown"):
            if data.get(mime):
                parts.append(data[mime] if isinstance(data[mime], str) else "".join(data[mime]))
        view = data.get("application/vnd.jupyter.widget-view+json")
        if view:
            parts.extend(_widget_strings(widgets, view["model_id"], set()))
    return re.sub(r"<[^>]+>", " ", "\n".join(parts))


def leaks_in(release: nbformat.NotebookNode, answers: dict) -> list[str]:
    """Answers shown (in an output or a widget) by a cell above the question that asks for them."""
    widgets = release.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    widgets = widgets.get("state", {})
    found = []
    for index, cell in enumerate(release.cells):
        for name in cell.metadata.get("course", {}).get("answers", []):
            shown_before = "\n".join(_texts(c, widgets) for c in release.cells[:index])
            for pattern in _signatures(answers.get(name)):
                if re.search(pattern, shown_before, re.I):
                    found.append(f"{name} ({pattern}) is shown above its question")
    return found


@pytest.mark.parametrize("module_id", [m.id for m in teaching_modules()])
def test_nothing_a_question_asks_is_shown_before_it(module_id, tmp_path):
    answers = _answers(module_id, tmp_path)
    release = _run(nbformat.read(next((ROOT / "modules" / module_id).glob("*.ipynb")), as_version=4), tmp_path)
    assert not leaks_in(release, answers)


def test_the_leak_test_finds_a_leak(tmp_path):
    # The old module 01 opened with an explorer showing every patient's totals and screen before the questions.
    answers = _answers("01-assessment", tmp_path)
    release = nbformat.read(ROOT / "modules" / "01-assessment" / "assessment.ipynb", as_version=4)
    first_question = next(i for i, c in enumerate(release.cells) if c.metadata.get("course", {}).get("answers"))
    release.cells.insert(first_question, nbformat.v4.new_code_cell('widgets.vignette_explorer("P06")'))
    release.cells.insert(
        first_question,
        nbformat.v4.new_code_cell(
            'for pid in ["P05", "P08", "P10", "P13", "P19"]:\n    print(screening.triage(get_patient(pid)).explain())'
        ),
    )
    found = leaks_in(_run(release, tmp_path), answers)
    assert any(f.startswith("my_triage") for f in found), found
    assert any(f.startswith("p06_phq9_total") for f in found), found
