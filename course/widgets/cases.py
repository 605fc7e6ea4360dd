"""The branched-case player: the node's text, one button per choice, feedback, the path so far, a score.

Buttons are real buttons (reachable with Tab, pressed with Enter or Space). All text goes into HTML
widgets (no Output widget). ``CaseWidget.path`` is the recorded path, for a graded cell.
"""
from __future__ import annotations

import html

import ipywidgets as W

from ..cases import CasePlayer, Node, Step
from ..vignettes import get_patient


def _patient_line(node: Node, case_patient: str | None) -> str:
    pid = node.patient or case_patient
    if pid is None:
        return ""
    patient = get_patient(pid)
    return f"<p><small>Patient: {pid} {html.escape(patient['name'])} (synthetic)</small></p>"


class CaseWidget(W.VBox):
    """Play a case by clicking its choices; ``path`` holds the steps taken."""

    def __init__(self, case, trainee: str = ""):
        super().__init__(layout=W.Layout(max_width="820px"))
        self.player = CasePlayer(case, trainee)
        self.heading = W.HTML(f"<h3>{html.escape(self.player.case.title)}</h3>"
                              f"<p>{html.escape(self.player.case.summary)}</p>")
        self.situation = W.HTML()
        self.buttons = W.VBox()
        self.feedback = W.HTML()
        self.trail = W.HTML()
        self.score = W.HTML()
        self.again = W.Button(description="Start the case again", icon="refresh", tooltip="Start the case again",
                              layout=W.Layout(width="auto"))  # the default width cut the label
        self.again.on_click(lambda _: self.restart())
        self.children = [self.heading, self.situation, self.buttons, self.feedback, self.trail, self.score,
                         self.again]
        self._show()

    @property
    def path(self) -> list[Step]:
        return self.player.path

    def choose(self, choice) -> Step:
        """Take a choice (letter or label), as a click on its button does."""
        step = self.player.choose(choice)
        picked = next(c for c in self.player.case.nodes[step.node].choices if c.label == step.label)
        consequence = f"<p><i>What happens: {html.escape(picked.consequence)}</i></p>" if picked.consequence else ""
        self.feedback.value = (f"<div style='border-left:4px solid #0072B2;padding-left:8px'>"
                               f"<p><b>You chose {step.choice}. {html.escape(step.label)}</b> "
                               f"({step.points:+d} points)</p><p>{html.escape(picked.feedback)}</p>{consequence}</div>")
        self._show()
        return step

    def restart(self) -> None:
        self.player.restart()
        self.feedback.value = ""
        self._show()

    def _show(self) -> None:
        node = self.player.node
        self.situation.value = (f"{_patient_line(node, self.player.case.patient)}<h4>{html.escape(node.title)}</h4>"
                                f"<p>{html.escape(node.text)}</p>")
        buttons = []
        for letter, choice in zip(node.letters, node.choices):
            button = W.Button(description=f"{letter}. {choice.label}", tooltip=choice.label,
                              layout=W.Layout(width="100%", height="auto"))
            button.on_click(lambda _, letter=letter: self.choose(letter))
            buttons.append(button)
        self.buttons.children = buttons
        steps = "".join(f"<li>{html.escape(self.player.case.nodes[s.node].title)}: {s.choice}. "
                        f"{html.escape(s.label)} ({s.points:+d})</li>" for s in self.path)
        self.trail.value = f"<p><b>Your path so far</b></p><ol>{steps}</ol>" if steps else ""
        total, best = self.player.points, self.player.case.max_points
        self.score.value = (f"<p><b>Case complete: {total} of {best} points.</b></p>" if self.player.finished
                            else f"<p>Points so far: {total} (the best path through the case scores {best}).</p>")


def case_player(case, trainee: str = "") -> CaseWidget:
    """A player widget for a case id (e.g. "capstone-tomasz") or a loaded Case."""
    return CaseWidget(case, trainee)
