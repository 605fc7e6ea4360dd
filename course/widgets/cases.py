"""The case player: a virtual patient's situation, one button per option, feedback, the path, the score.

Buttons are real buttons (reachable with Tab, pressed with Enter or Space), labelled with their letter; all text
goes into HTML widgets (no Output widget). The player keeps each choice as an xAPI-style statement and shows the
path as the list of letters to copy into the answer cell (``my_choices``), which the grader replays.
"""

from __future__ import annotations

import html
import sys

import ipywidgets as W

from ..cases import AXIS_NAMES, XAPI_MIME, Run, as_case, feedback, now, play
from ..data.patients import get_patient


class CaseWidget(W.VBox):
    """Play a case by clicking its options; ``run`` holds the path, the state and the statements."""

    def __init__(self, case, trainee: str = ""):
        super().__init__(layout=W.Layout(max_width="860px"))
        self.case = as_case(case)
        self.trainee = trainee
        patient = get_patient(self.case.patient)
        self.heading = W.HTML(
            f"<h3>{html.escape(self.case.title)}</h3><p>{html.escape(self.case.summary)}</p>"
            f"<p><small>Patient: {self.case.patient} {html.escape(patient['name'])} "
            "(a synthetic patient)</small></p>"
        )
        self.situation = W.HTML()
        self.buttons = W.VBox(layout=W.Layout(width="100%"))
        self.feedback = W.HTML()
        self.trail = W.HTML()
        self.again = W.Button(
            description="Play the case again from the start",
            icon="refresh",
            tooltip="Start the case again from the first decision",
            layout=W.Layout(width="auto"),
        )
        self.again.on_click(lambda _: self.restart())
        self.children = [self.heading, self.situation, self.buttons, self.feedback, self.trail, self.again]
        self.restart()

    @property
    def choices(self) -> list[str]:
        """The letters chosen so far: what ``my_choices`` should hold."""
        return self.run.letters

    def restart(self) -> None:
        self.run = Run(self.case, self.trainee)
        self.feedback.value = ""
        self._show()

    def choose(self, letter: str):
        """Take an option by its letter, as a click on its button does."""
        step = self.run.choose(letter, clock=now)
        scores = ", ".join(f"{AXIS_NAMES[a]} {v}/2" for a, v in step.scores.items())
        critical = (
            f"<p style='color:#D55E00'><b>Critical error: {html.escape(step.critical)}</b></p>" if step.critical else ""
        )
        consequence = f"<p><i>What happens: {html.escape(step.consequence)}</i></p>" if step.consequence else ""
        self.feedback.value = (
            f"<div style='border-left:4px solid #0072B2;padding-left:8px' role='status'>"
            f"<p><b>You chose {step.letter}. {html.escape(step.label)}</b> ({scores})</p>"
            f"{critical}<p>{html.escape(step.feedback)}</p>{consequence}</div>"
        )
        self._show()
        return step

    def _show(self) -> None:
        run = self.run
        text = "".join(f"<p>{html.escape(part)}</p>" for part in run.text().split("\n\n"))
        ending = f" <small>(ending: {run.ending})</small>" if run.finished else ""
        self.situation.value = f"<h4>{html.escape(run.node.title)}{ending}</h4>{text}"
        buttons = []
        for letter, option in run.offered():
            button = W.Button(
                description=f"{letter}. {option.label}",
                tooltip=option.label,
                layout=W.Layout(width="100%", height="auto"),
            )
            button.style.text_align = "left"
            button.on_click(lambda _, letter=letter: self.choose(letter))
            buttons.append(button)
        self.buttons.children = buttons
        steps = "".join(
            f"<li>{html.escape(self.case.nodes[s.node].title)}: {s.letter}. {html.escape(s.label)}</li>"
            for s in run.steps
        )
        summary = html.escape(feedback(run)).replace("\n", "<br>") if run.steps else ""
        copy = (
            f"<p>Your path, to copy into the answer cell: <code>{html.escape(repr(run.letters))}</code></p>"
            if run.steps
            else ""
        )
        self.trail.value = f"<p><b>Your path so far</b></p><ol>{steps}</ol><p>{summary}</p>{copy}" if steps else ""


def case_player(case, trainee: str = "") -> CaseWidget:
    """A player widget for a case id (e.g. "capstone-tomasz") or a loaded case."""
    return CaseWidget(case, trainee)


class CaseRecord:
    """A played path kept in the notebook: xAPI-style statements (for the instructor's report) and a summary."""

    def __init__(self, case, choices):
        self.case = as_case(case)
        self.choices = choices

    def _repr_mimebundle_(self, include=None, exclude=None):
        if not isinstance(self.choices, list):
            return {"text/plain": f"{self.case.title}: no path recorded yet (set your choices above and run them)."}
        try:
            run = play(self.case, self.choices)
        except ValueError as exc:
            return {"text/plain": f"{self.case.title}: this path cannot be replayed ({exc})."}
        return {
            XAPI_MIME: {
                "case": self.case.id,
                "letters": run.letters,
                "ending": run.ending,
                "score": run.score,
                "criticals": run.criticals,
                "statements": run.statements(),
            },
            "text/plain": feedback(run),
        }


def case_record(case, name: str) -> CaseRecord:
    """Keep the path held by the notebook variable ``name`` (e.g. ``"tomasz_choices"``) as a record in the
    notebook: the report reads it after grading. A missing or unplayable path is said plainly, never an error."""
    namespace = sys._getframe(1).f_globals
    return CaseRecord(case, namespace.get(name))
