"""Branched cases: decision points with consequences and feedback, played like a virtual patient.

A case is data, one JSON file per case in ``datasets/cases/``::

    {"id": "orientation-claims", "title": "...", "summary": "...", "patient": "P07", "start": "claim",
     "nodes": [{"id": "claim", "title": "...", "text": "...",
                "choices": [{"label": "...", "next": "duration", "points": 2, "feedback": "...",
                             "consequence": "...", "triage": "refer"}]},
               {"id": "end", "title": "...", "text": "...", "end": true}]}

Rules (``validate_case`` checks them and names the node and field of any break): ids are lower-case
words; every non-end node offers 1 to 6 choices and an end node none; every ``next`` names a node;
every node can be reached from ``start`` and can reach an end; choices do not form a cycle unless the
returning choice is marked ``"loop": true`` (worth 0 points or less, so a best score exists); every
``[key]`` in the text resolves in the reference list; and where choices carry a ``triage`` decision,
the top-scoring one agrees with ``course.screening.triage`` for the case's patient.

``CasePlayer`` walks a case and records the path; ``score_path`` scores any path; ``export_paths`` and
``path_summary`` show an instructor where trainees went. A path that goes back through a loop keeps
every step, but only the route finally taken is scored, so no path scores more than the case maximum.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from string import ascii_uppercase

import pandas as pd

from .data.patients import get_patient
from .data.references import check_keys
from .paths import dataset
from .screening import DECISIONS, triage
from .validation import whole_number

CASES_DIR = dataset("cases")
ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
BRACKETED = re.compile(r"\[([^\[\]]+)\]")
MAX_CHOICES = 6
MAX_LABEL = 100
CASE_FIELDS = {"id", "title", "summary", "patient", "module", "start", "nodes"}
NODE_FIELDS = {"id", "title", "text", "patient", "end", "choices"}
CHOICE_FIELDS = {"label", "next", "points", "feedback", "consequence", "triage", "loop"}
EXPORT_COLUMNS = ("trainee", "case", "step", "node", "choice", "label", "points")


class CaseError(ValueError):
    """A case file that breaks the rules; the message names the case, node and field."""


@dataclass(frozen=True)
class Choice:
    label: str
    next: str
    points: int
    feedback: str
    consequence: str = ""
    triage: str | None = None
    loop: bool = False


@dataclass(frozen=True)
class Node:
    id: str
    title: str
    text: str
    choices: tuple[Choice, ...] = ()
    patient: str | None = None
    end: bool = False

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple(ascii_uppercase[:len(self.choices)])

    def index_of(self, choice) -> int:
        """The index of a choice given by its letter ("B") or its exact label."""
        if isinstance(choice, str):
            if choice.strip().upper() in self.letters:
                return self.letters.index(choice.strip().upper())
            for index, option in enumerate(self.choices):
                if choice.strip() == option.label:
                    return index
        offered = ", ".join(self.letters) or "none (this is an end node)"
        raise ValueError(f"{choice!r} is not a choice at node {self.id!r}. Choose a letter ({offered}) "
                         "or type the label exactly.")


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    summary: str
    start: str
    nodes: dict[str, Node]
    patient: str | None = None
    module: str = ""

    def node(self, node_id: str) -> Node:
        if node_id not in self.nodes:
            raise ValueError(f"Case {self.id} has no node {node_id!r}.")
        return self.nodes[node_id]

    @cached_property
    def max_points(self) -> int:
        """The most points any path from the start to an end can collect (loop choices excluded)."""
        best: dict[str, int] = {}

        def most(node_id: str) -> int:
            if node_id not in best:
                node = self.nodes[node_id]
                best[node_id] = 0 if node.end else max(c.points + most(c.next) for c in node.choices if not c.loop)
            return best[node_id]
        return most(self.start)


# -- Validation ------------------------------------------------------------------------------

def _text(value, where: str, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise CaseError(f"{where}: must be non-empty text.")
    return value


def _keys_resolve(text: str, where: str) -> None:
    for key in BRACKETED.findall(text):
        try:
            check_keys([k.strip() for k in key.split(";")], where)
        except ValueError as exc:
            raise CaseError(str(exc)) from None


def _unknown_fields(record: dict, allowed: set, where: str) -> None:
    extra = sorted(set(record) - allowed)
    if extra:
        raise CaseError(f"{where}: unknown field {extra[0]!r} (allowed: {', '.join(sorted(allowed))}).")


def _patient(value, where: str) -> str | None:
    if value is None:
        return None
    try:
        get_patient(value)
    except ValueError as exc:
        raise CaseError(f"{where}: {exc}") from None
    return value


def _choice(raw, where: str) -> Choice:
    if not isinstance(raw, dict):
        raise CaseError(f"{where}: each choice must be an object with label, next, points and feedback.")
    _unknown_fields(raw, CHOICE_FIELDS, where)
    label = _text(raw.get("label"), f"{where}.label")
    if len(label) > MAX_LABEL:
        raise CaseError(f"{where}.label: {len(label)} characters is too long for a button (at most {MAX_LABEL}); "
                        "move the detail into the feedback.")
    try:
        points = whole_number(raw.get("points"), "points", -10, 10)
    except ValueError as exc:
        raise CaseError(f"{where}.points: {exc}") from None
    triage = raw.get("triage")
    if triage is not None and triage not in DECISIONS:
        raise CaseError(f"{where}.triage: must be one of {', '.join(DECISIONS)}, not {triage!r}.")
    loop = raw.get("loop", False)
    if not isinstance(loop, bool):
        raise CaseError(f"{where}.loop: must be true or false.")
    if loop and points > 0:
        raise CaseError(f"{where}.points: a loop choice (one that goes back) must be worth 0 points or less.")
    choice = Choice(label, _text(raw.get("next"), f"{where}.next"), points, _text(raw.get("feedback"),
                    f"{where}.feedback"), _text(raw.get("consequence"), f"{where}.consequence", False), triage, loop)
    for name in ("label", "feedback", "consequence"):
        _keys_resolve(getattr(choice, name), f"{where}.{name}")
    return choice


def _node(raw, case_id: str, index: int) -> Node:
    if not isinstance(raw, dict):
        raise CaseError(f"Case {case_id}, nodes[{index}]: each node must be an object.")
    node_id = raw.get("id")
    if not isinstance(node_id, str) or not ID.fullmatch(node_id):
        raise CaseError(f"Case {case_id}, nodes[{index}], field id: {node_id!r} is not a valid id "
                        "(lower-case letters, digits, - and _).")
    where = f"Case {case_id}, node {node_id}, field"
    _unknown_fields(raw, NODE_FIELDS, f"Case {case_id}, node {node_id}")
    text = _text(raw.get("text"), f"{where} text")
    _keys_resolve(text, f"{where} text")
    end = raw.get("end", False)
    if not isinstance(end, bool):
        raise CaseError(f"{where} end: must be true or false.")
    choices = raw.get("choices", [])
    if not isinstance(choices, list):
        raise CaseError(f"{where} choices: must be a list.")
    if end and choices:
        raise CaseError(f"{where} choices: an end node offers no choices.")
    if not end and not 1 <= len(choices) <= MAX_CHOICES:
        raise CaseError(f"{where} choices: a node that is not an end needs 1 to {MAX_CHOICES} choices, "
                        f"not {len(choices)} (or mark it \"end\": true).")
    return Node(node_id, _text(raw.get("title", node_id), f"{where} title"), text,
                tuple(_choice(c, f"{where} choices[{i}]") for i, c in enumerate(choices)),
                _patient(raw.get("patient"), f"{where} patient"), end)


def _check_graph(case: Case) -> None:
    where = f"Case {case.id}"
    if case.start not in case.nodes:
        raise CaseError(f"{where}, field start: {case.start!r} is not a node in this case.")
    for node in case.nodes.values():
        for i, c in enumerate(node.choices):
            if c.next not in case.nodes:
                raise CaseError(f"{where}, node {node.id}, field choices[{i}].next: {c.next!r} is not a node "
                                "in this case.")
    reached, stack = {case.start}, [case.start]
    while stack:
        for c in case.nodes[stack.pop()].choices:
            if c.next not in reached:
                reached.add(c.next)
                stack.append(c.next)
    for node_id in case.nodes:
        if node_id not in reached:
            raise CaseError(f"{where}, node {node_id}, field id: no choice leads here from the start node "
                            f"{case.start!r} (unreachable).")
    # Depth-first search over the forward (non-loop) choices: a back edge is an unmarked cycle.
    state: dict[str, str] = {}

    def visit(node_id: str, trail: list[str]) -> None:
        state[node_id] = "open"
        for i, c in enumerate(case.nodes[node_id].choices):
            if c.loop:
                continue
            if state.get(c.next) == "open":
                cycle = " -> ".join(trail[trail.index(c.next):] + [node_id, c.next])
                raise CaseError(f"{where}, node {node_id}, field choices[{i}].next: the choices form a cycle "
                                f"({cycle}); mark the returning choice \"loop\": true if that is intended.")
            if c.next not in state:
                visit(c.next, trail + [node_id])
        state[node_id] = "done"
    visit(case.start, [])
    for node in case.nodes.values():
        if not node.end and all(c.loop for c in node.choices):
            raise CaseError(f"{where}, node {node.id}, field choices: every choice here goes back (loop), so "
                            "the case cannot end from this node.")


def _check_triage(case: Case) -> None:
    for node in case.nodes.values():
        tagged = [(i, c) for i, c in enumerate(node.choices) if c.triage]
        if not tagged:
            continue
        patient = node.patient or case.patient
        where = f"Case {case.id}, node {node.id}"
        if patient is None:
            raise CaseError(f"{where}, field patient: choices carry triage decisions, so the node or the case "
                            "must name its patient.")
        expected = triage(get_patient(patient)).decision
        top = max(c.points for _, c in tagged)
        for i, c in tagged:
            if c.points == top and c.triage != expected:
                raise CaseError(f"{where}, field choices[{i}].triage: the top-scoring choice says {c.triage!r} but "
                                f"the course screen gives {expected!r} for {patient} (course.screening.triage).")


def validate_case(data) -> Case:
    """Check a case (a dict, as read from JSON) against the rules; return it as a ``Case``."""
    if not isinstance(data, dict):
        raise CaseError(f"A case must be a JSON object (a dict), not {type(data).__name__}.")
    case_id = data.get("id")
    if not isinstance(case_id, str) or not ID.fullmatch(case_id):
        raise CaseError(f"A case needs an id of lower-case letters, digits, - and _; got {case_id!r}.")
    _unknown_fields(data, CASE_FIELDS, f"Case {case_id}")
    nodes_raw = data.get("nodes")
    if not isinstance(nodes_raw, list) or not nodes_raw:
        raise CaseError(f"Case {case_id}, field nodes: must be a non-empty list of nodes.")
    nodes: dict[str, Node] = {}
    for index, raw in enumerate(nodes_raw):
        node = _node(raw, case_id, index)
        if node.id in nodes:
            raise CaseError(f"Case {case_id}, node {node.id}, field id: two nodes have this id.")
        nodes[node.id] = node
    summary = _text(data.get("summary"), f"Case {case_id}, field summary", False)
    _keys_resolve(summary, f"Case {case_id}, field summary")
    case = Case(case_id, _text(data.get("title"), f"Case {case_id}, field title"), summary,
                _text(data.get("start"), f"Case {case_id}, field start"), nodes,
                _patient(data.get("patient"), f"Case {case_id}, field patient"),
                _text(data.get("module"), f"Case {case_id}, field module", False))
    _check_graph(case)
    _check_triage(case)
    return case


def list_cases(directory: Path | str = CASES_DIR) -> list[str]:
    """The ids of the cases in ``datasets/cases/``."""
    return sorted(p.stem for p in Path(directory).glob("*.json"))


def load_case(case_id: str, directory: Path | str = CASES_DIR) -> Case:
    """Load and validate one case by id, e.g. ``load_case("orientation-claims")``."""
    ids = list_cases(directory)
    if case_id not in ids:
        raise ValueError(f"No case {case_id!r}. The cases are: {', '.join(ids)}.")
    path = Path(directory) / f"{case_id}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CaseError(f"{path.name} is not valid JSON (line {exc.lineno}): {exc.msg}") from None
    case = validate_case(data)
    if case.id != case_id:
        raise CaseError(f"{path.name}: the case id inside is {case.id!r}; it must match the file name.")
    return case


def _case(case) -> Case:
    if isinstance(case, Case):
        return case
    if isinstance(case, str):
        return load_case(case)
    raise ValueError(f"Give a case id (e.g. 'orientation-claims') or a loaded Case, not {type(case).__name__}.")


# -- Playing and scoring -----------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One decision: at ``node`` the trainee chose ``choice`` (a letter), worth ``points``."""
    node: str
    choice: str
    label: str
    points: int
    next: str
    time: float | None = None


class CasePlayer:
    """Walk a case one choice at a time and record the path.

    ``clock`` (e.g. ``time.time``) stamps each step; without it steps carry no time, so replays are
    identical.
    """

    def __init__(self, case, trainee: str = "", clock=None):
        self.case = _case(case)
        if not isinstance(trainee, str):
            raise ValueError("trainee must be text (a name or id), e.g. 'trainee01'.")
        if clock is not None and not callable(clock):
            raise ValueError("clock must be a function returning the time (e.g. time.time), or None.")
        self.trainee = trainee
        self._clock = clock
        self.restart()

    def restart(self) -> None:
        """Back to the start node with an empty path."""
        self.current = self.case.start
        self.path: list[Step] = []

    @property
    def node(self) -> Node:
        return self.case.nodes[self.current]

    @property
    def finished(self) -> bool:
        return self.node.end

    @property
    def route(self) -> list[Step]:
        """The path with any detours cut out: going back to a node (a loop) undoes the steps after it."""
        route: list[Step] = []
        for step in self.path:
            earlier = next((i for i, s in enumerate(route) if s.node == step.node), None)
            if earlier is not None:
                del route[earlier:]
            route.append(step)
        return route

    @property
    def points(self) -> int:
        """Points along the route finally taken (every step stays in ``path`` for the instructor)."""
        return sum(step.points for step in self.route)

    def choose(self, choice) -> Step:
        """Take a choice by letter ("A") or exact label; returns the recorded step."""
        if self.finished:
            raise ValueError(f"The case has ended (node {self.current!r}); call restart() to play it again.")
        node = self.node
        index = node.index_of(choice)
        picked = node.choices[index]
        step = Step(node.id, node.letters[index], picked.label, picked.points, picked.next,
                    self._clock() if self._clock else None)
        self.path.append(step)
        self.current = picked.next
        return step

    def record(self) -> dict:
        """The path as plain data (JSON-ready) for ``export_paths``."""
        return {"trainee": self.trainee, "case": self.case.id,
                "path": [{"node": s.node, "choice": s.choice} for s in self.path]}


def play(case, choices, trainee: str = "") -> CasePlayer:
    """Play a case through a list of choices (letters or labels); returns the player."""
    if isinstance(choices, str) or not hasattr(choices, "__iter__"):
        raise ValueError("choices must be a list of letters or labels, e.g. ['A', 'C', 'B'].")
    player = CasePlayer(case, trainee)
    for number, choice in enumerate(choices, start=1):
        try:
            player.choose(choice)
        except ValueError as exc:
            raise ValueError(f"Choice {number}: {exc}") from None
    return player


@dataclass(frozen=True)
class PathScore:
    points: int
    max_points: int
    complete: bool
    steps: tuple[Step, ...] = field(default=())

    def __str__(self) -> str:
        return f"{self.points} of {self.max_points} points" + ("" if self.complete else " (case not finished)")


def _node_and_choice(item, number: int) -> tuple[str, str]:
    if isinstance(item, Step):
        return item.node, item.choice
    if isinstance(item, dict) and "node" in item and "choice" in item:
        return item["node"], item["choice"]
    if isinstance(item, (tuple, list)) and len(item) == 2:
        return item[0], item[1]
    raise ValueError(f"Step {number}: give each step as (node, choice), a dict with 'node' and 'choice', "
                     f"or a Step from a player; got {item!r}.")


def score_path(case, path) -> PathScore:
    """Points for a path (steps from a player, (node, choice) pairs or dicts), with the case's maximum."""
    case = _case(case)
    if isinstance(path, (str, bytes, dict)) or not hasattr(path, "__iter__"):
        raise ValueError("A path is a list of steps, e.g. player.path or [('intake', 'A'), ('scores', 'B')].")
    replay = CasePlayer(case)
    for number, item in enumerate(path, start=1):
        node_id, choice = _node_and_choice(item, number)
        if replay.finished:
            raise ValueError(f"Step {number}: the case already ended at {replay.current!r}; the path is too long.")
        if node_id != replay.current:
            raise ValueError(f"Step {number}: the path is at node {node_id!r}, but the previous choice leads to "
                             f"{replay.current!r}.")
        try:
            replay.choose(choice)
        except ValueError as exc:
            raise ValueError(f"Step {number}: {exc}") from None
    return PathScore(replay.points, case.max_points, replay.finished, tuple(replay.path))


# -- Instructor views ----------------------------------------------------------------------------

def _record(item) -> dict:
    if isinstance(item, CasePlayer):
        return item.record()
    if not isinstance(item, dict) or not {"trainee", "case", "path"} <= set(item):
        raise ValueError("Each record must be a CasePlayer or a dict with trainee, case and path "
                         "(as CasePlayer.record() makes).")
    if not isinstance(item["trainee"], str) or not item["trainee"].strip():
        raise ValueError(f"A record for case {item['case']!r} has no trainee name.")
    return item


def export_paths(records) -> pd.DataFrame:
    """One row per decision: trainee, case, step, node, choice (letter), label, points. Save it with
    ``.to_csv(...)``; every path is replayed against its case, so a tampered record is caught."""
    rows = []
    for item in records:
        record = _record(item)
        try:
            scored = score_path(record["case"], record["path"])
        except ValueError as exc:
            raise ValueError(f"Trainee {record['trainee']!r}, case {record['case']!r}: {exc}") from None
        rows += [{"trainee": record["trainee"], "case": record["case"], "step": number, "node": s.node,
                  "choice": s.choice, "label": s.label, "points": s.points}
                 for number, s in enumerate(scored.steps, start=1)]
    return pd.DataFrame(rows, columns=EXPORT_COLUMNS)


def path_summary(paths: pd.DataFrame) -> pd.DataFrame:
    """How many trainees took each choice at each node, and their share of those who reached the node."""
    if not isinstance(paths, pd.DataFrame) or not set(EXPORT_COLUMNS) <= set(paths.columns):
        raise ValueError(f"path_summary needs the table export_paths makes (columns {', '.join(EXPORT_COLUMNS)}).")
    took = (paths.groupby(["case", "node", "choice", "label"], sort=False)["trainee"].nunique()
            .rename("trainees").reset_index())
    reached = paths.groupby(["case", "node"])["trainee"].nunique().rename("reached")
    first_step = paths.groupby(["case", "node"])["step"].min().rename("first_step")
    took = took.join(reached, on=["case", "node"]).join(first_step, on=["case", "node"])
    took["share"] = took["trainees"] / took["reached"]
    took = took.sort_values(["case", "first_step", "node", "choice"]).reset_index(drop=True)
    return took.drop(columns="first_step")
