"""Branched cases that behave like virtual patients: state that carries forward, choices scored for their reasons.

A case is data, one YAML file in ``datasets/cases/`` (schema: ``datasets/schemas/case.schema.json``; how to write
one: ``docs/cases.md``). Its **state** starts from ``state`` (facts, days, vitals) and every choice changes it:
``effects`` add or remove facts (findings gathered, consent given, treatments tried, risk flags), let days pass
and set vitals. Later nodes read the state: ``notes`` appear when their condition holds (a missed safety item
resurfaces), an option is offered only when its ``requires`` holds (no dosing without consent), and ``next_if``
routes by state (a deferred patient comes back later).

Each option is scored on three axes, 0 to 2 each: **safety**, **evidence** and **patient-centredness**. A path's
score is the mean, over its decisions, of the points taken against the best option offered at that decision, so a
short defensible path (exclude per a clinic's policy, refer) can score as well as a long one. A **critical
error** (skipping the item-9 follow-up, dosing at 182/109) is named in the feedback and caps the case score.
Endings are ``good``, ``acceptable`` or ``poor``.

``validate_case`` rejects a case with unreachable nodes, dead ends without an ending, a dangling ``next``,
scores out of range, a decision node whose best option is not defensible, a critical option that is not unsafe,
fewer than half of the decision nodes branching, or fewer than two paths to a good ending; the error names the
case, node and field. ``play`` replays a list of choices (letters as shown) and returns the run: its path, state,
score, critical errors, ending and xAPI-style statements (actor, verb, object, result, timestamp).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cache
from string import ascii_uppercase

from .data.files import DataFileError, check, read_yaml
from .data.patients import get_patient
from .data.references import check_citations
from .paths import dataset

AXES = ("safety", "evidence", "patient")
AXIS_NAMES = {"safety": "safety", "evidence": "evidence", "patient": "patient-centredness"}
ENDINGS = ("good", "acceptable", "poor")
#: A path with a critical error scores at most this share of the case.
CRITICAL_CAP = 0.4
XAPI_MIME = "application/vnd.kap.case-statements+json"
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class CaseError(ValueError):
    """A case file that breaks the rules; the message names the case, node and field."""


@dataclass(frozen=True)
class Condition:
    has: tuple[str, ...] = ()
    lacks: tuple[str, ...] = ()
    days_at_least: int | None = None

    def holds(self, state: State) -> bool:
        return (
            all(f in state.facts for f in self.has)
            and not any(f in state.facts for f in self.lacks)
            and (self.days_at_least is None or state.days >= self.days_at_least)
        )

    def facts(self) -> set[str]:
        return set(self.has) | set(self.lacks)


@dataclass(frozen=True)
class Option:
    label: str
    next: str
    scores: dict
    feedback: str
    consequence: str = ""
    critical: str = ""
    requires: Condition = Condition()
    next_if: tuple[tuple[Condition, str], ...] = ()
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    days: int = 0
    vitals: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.scores[a] for a in AXES)

    def destination(self, state: State) -> str:
        return next((target for condition, target in self.next_if if condition.holds(state)), self.next)

    def destinations(self) -> set[str]:
        return {self.next, *(target for _, target in self.next_if)}


@dataclass(frozen=True)
class Node:
    id: str
    title: str
    text: str
    options: tuple[Option, ...] = ()
    notes: tuple[tuple[Condition, str], ...] = ()
    end: str | None = None  # good, acceptable, poor for an ending
    unavailable: str = ""  # said when an option is not offered because its condition does not hold

    def offered(self, state: State) -> list[tuple[str, Option]]:
        """The options offered in this state, with the letters shown (A, B, ... in file order)."""
        shown = [o for o in self.options if o.requires.holds(state)]
        return list(zip(ascii_uppercase, shown))

    @property
    def branches(self) -> bool:
        return len({d for o in self.options for d in o.destinations()}) > 1


@dataclass(frozen=True)
class Case:
    id: str
    title: str
    summary: str
    patient: str
    diagnosis: str
    module: str
    start: str
    initial: dict
    nodes: dict[str, Node]

    def node(self, node_id: str) -> Node:
        if node_id not in self.nodes:
            raise ValueError(f"Case {self.id} has no node {node_id!r}.")
        return self.nodes[node_id]

    @property
    def decision_nodes(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.options]


@dataclass
class State:
    facts: set
    days: int
    vitals: dict

    @classmethod
    def initial(cls, case: Case) -> State:
        start = copy.deepcopy(case.initial)
        return cls(set(start.get("facts", [])), start.get("days", 0), dict(start.get("vitals", {})))

    def apply(self, option: Option) -> None:
        self.facts |= set(option.add)
        self.facts -= set(option.remove)
        self.days += option.days
        self.vitals.update(option.vitals)


# -- Loading and validation -------------------------------------------------------------------------------


def _condition(raw: dict | None) -> Condition:
    raw = raw or {}
    return Condition(tuple(raw.get("has", ())), tuple(raw.get("lacks", ())), raw.get("days_at_least"))


def _option(raw: dict) -> Option:
    effects = raw.get("effects", {})
    return Option(
        label=raw["label"],
        next=raw["next"],
        scores=dict(raw["scores"]),
        feedback=raw["feedback"],
        consequence=raw.get("consequence", ""),
        critical=raw.get("critical", ""),
        requires=_condition(raw.get("requires")),
        next_if=tuple((_condition(r["when"]), r["next"]) for r in raw.get("next_if", ())),
        add=tuple(effects.get("add", ())),
        remove=tuple(effects.get("remove", ())),
        days=effects.get("days", 0),
        vitals=dict(effects.get("vitals", {})),
    )


def _node(node_id: str, raw: dict) -> Node:
    return Node(
        id=node_id,
        title=raw["title"],
        text=raw["text"],
        options=tuple(_option(o) for o in raw.get("options", ())),
        notes=tuple((_condition(n["when"]), n["text"]) for n in raw.get("notes", ())),
        end=raw.get("end"),
        unavailable=raw.get("unavailable", ""),
    )


def build_case(data: dict, where: str) -> Case:
    """A case from its data (as read from YAML), checked against the schema and the rules below."""
    try:
        check(data, "case", where)
    except DataFileError as exc:
        raise CaseError(str(exc)) from None
    case = Case(
        id=data["id"],
        title=data["title"],
        summary=data["summary"],
        patient=data["patient"],
        diagnosis=data["diagnosis"],
        module=str(data["module"]),
        start=data["start"],
        initial=data.get("state", {}),
        nodes={k: _node(k, v) for k, v in data["nodes"].items()},
    )
    validate_case(case, where)
    return case


def validate_case(case: Case, where: str | None = None) -> Case:
    """Check the rules of a case; a break raises CaseError naming the case, node and field."""
    where = where or f"Case {case.id}"
    try:
        get_patient(case.patient)
    except ValueError as exc:
        raise CaseError(f"{where}, field patient: {exc}") from None
    if case.start not in case.nodes:
        raise CaseError(f"{where}, field start: no node {case.start!r}.")
    for node in case.nodes.values():
        here = f"{where}, node {node.id}"
        if not ID.match(node.id):
            raise CaseError(f"{here}: ids are lower-case letters, digits and dashes.")
        texts = [node.text, *(t for _, t in node.notes), node.unavailable]
        if node.end and node.options:
            raise CaseError(f"{here}, field options: an ending offers no options.")
        if not node.end and not node.options:
            raise CaseError(
                f"{here}, field options: a dead end; give it options or make it an ending (end: good, "
                "acceptable or poor)."
            )
        for number, option in enumerate(node.options, start=1):
            at = f"{here}, option {number}"
            texts += [option.label, option.feedback, option.consequence]
            for target in option.destinations():
                if target not in case.nodes:
                    raise CaseError(f"{at}, field next: no node {target!r}.")
            if option.critical and option.scores["safety"] != 0:
                raise CaseError(f"{at}, field critical: a critical error scores 0 for safety.")
        for text in texts:
            try:
                check_citations(text, here)
            except ValueError as exc:
                raise CaseError(str(exc)) from None
    reached, todo = set(), [case.start]
    while todo:
        node_id = todo.pop()
        if node_id in reached:
            continue
        reached.add(node_id)
        todo += [d for o in case.nodes[node_id].options for d in o.destinations()]
    unreachable = sorted(set(case.nodes) - reached)
    if unreachable:
        raise CaseError(f"{where}: node(s) {', '.join(unreachable)} cannot be reached from {case.start!r}.")
    decisions = case.decision_nodes
    branching = sum(n.branches for n in decisions)
    if branching * 2 < len(decisions):
        raise CaseError(
            f"{where}: only {branching} of {len(decisions)} decision nodes branch to different next "
            "nodes; at least half must."
        )
    good_paths, best_is_good = _walk_states(case, where)
    if good_paths < 2:
        raise CaseError(f"{where}: fewer than two paths reach a good ending; a case needs several defensible paths.")
    if not best_is_good:
        raise CaseError(
            f"{where}: no path to a good ending takes the best option at every step: the points do not add up."
        )
    return case


def _walk_states(case: Case, where: str) -> tuple[int, bool]:
    """Visit every state a path can reach (node and facts, not every path): each must offer a defensible option.

    Returns how many paths reach a good ending and whether taking the best option at every step can."""
    counts: dict = {}
    best: dict = {}
    active: set = set()

    def visit(node_id: str, state: State) -> tuple[int, bool]:
        key = (node_id, frozenset(state.facts), state.days)
        if key in counts:
            return counts[key], best[key]
        if key in active:
            raise CaseError(
                f"{where}, node {node_id}: a path can come back to this node in the same state forever "
                "(a loop with no way out)."
            )
        node = case.nodes[node_id]
        if node.end:
            counts[key], best[key] = int(node.end == "good"), node.end == "good"
            return counts[key], best[key]
        offered = node.offered(state)
        if not offered:
            raise CaseError(
                f"{where}, node {node_id}, field options: no option is offered in a state some path "
                f"reaches (facts {sorted(state.facts)}): the path is stuck."
            )
        top = max(o.total for _, o in offered)
        if top < 4:
            raise CaseError(
                f"{where}, node {node_id}, field scores: in a state some path reaches, no defensible "
                "option (4 or more of 6 points) is offered."
            )
        active.add(key)
        total, reaches = 0, False
        for _, option in offered:
            after = State(set(state.facts), state.days, dict(state.vitals))
            after.apply(option)
            count, good = visit(option.destination(after), after)
            total += count
            reaches = reaches or (option.total == top and good)
        active.discard(key)
        counts[key], best[key] = total, reaches
        return total, reaches

    return visit(case.start, State.initial(case))


@cache
def _load(case_id: str) -> Case:
    name = f"cases/{case_id}.yaml"
    if not dataset(name).is_file():
        raise ValueError(f"No case {case_id!r}. The cases are: {', '.join(list_cases())}.")
    try:
        data = read_yaml(name, "case")
    except DataFileError as exc:
        raise CaseError(str(exc)) from None
    if data["id"] != case_id:
        raise CaseError(f"{name}: the case id inside is {data['id']!r}; it must match the file name.")
    return build_case(data, f"Case {case_id}")


def list_cases() -> list[str]:
    """The ids of the cases in ``datasets/cases/`` (a new file there is a new case: no code to change)."""
    return sorted(p.stem for p in dataset("cases").glob("*.yaml"))


def load_case(case_id: str) -> Case:
    """Load and validate one case by id, e.g. ``load_case("capstone-tomasz")``."""
    return _load(case_id)


def as_case(case) -> Case:
    if isinstance(case, Case):
        return case
    if isinstance(case, str):
        return load_case(case)
    raise ValueError(f"Give a case id (e.g. 'capstone-tomasz') or a loaded case, not {type(case).__name__}.")


# -- Playing and scoring -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One decision: at ``node`` the trainee chose ``letter`` (as shown), and what it earned."""

    node: str
    letter: str
    label: str
    scores: dict
    best: int  # the best total among the options offered here
    critical: str
    feedback: str
    consequence: str
    next: str
    days: int  # days elapsed after the choice
    time: str = ""


@dataclass
class Run:
    """A case played from the start: the steps taken, the state, and where it ended."""

    case: Case
    trainee: str = ""
    steps: list = field(default_factory=list)
    state: State | None = None
    current: str = ""

    def __post_init__(self):
        self.state = State.initial(self.case)
        self.current = self.case.start

    @property
    def node(self) -> Node:
        return self.case.nodes[self.current]

    @property
    def finished(self) -> bool:
        return self.node.end is not None

    @property
    def ending(self) -> str | None:
        return self.node.end

    @property
    def letters(self) -> list[str]:
        return [s.letter for s in self.steps]

    @property
    def criticals(self) -> list[str]:
        return [s.critical for s in self.steps if s.critical]

    @property
    def score(self) -> float:
        """Mean share of the best available points, over the decisions taken; capped after a critical error."""
        if not self.steps:
            return 0.0
        raw = sum(sum(s.scores.values()) / s.best for s in self.steps) / len(self.steps)
        return min(raw, CRITICAL_CAP) if self.criticals else round(raw, 4)

    def axes(self) -> dict[str, float]:
        """Share of the available points on each axis, over the decisions taken."""
        if not self.steps:
            return {a: 0.0 for a in AXES}
        return {a: round(sum(s.scores[a] for s in self.steps) / (2 * len(self.steps)), 4) for a in AXES}

    def text(self) -> str:
        """The current node's text with the notes its state brings back."""
        node = self.node
        notes = [text for condition, text in node.notes if condition.holds(self.state)]
        return "\n\n".join([node.text, *notes])

    def offered(self) -> list[tuple[str, Option]]:
        return self.node.offered(self.state)

    def choose(self, letter: str, clock=None) -> Step:
        if self.finished:
            raise ValueError(f"The case has ended ({self.current!r}); start again to play another path.")
        offered = self.offered()
        letters = [lt for lt, _ in offered]
        if not isinstance(letter, str) or letter.strip().upper() not in letters:
            raise ValueError(f"{letter!r} is not a choice at {self.node.title!r}: choose one of {', '.join(letters)}.")
        picked = dict(offered)[letter.strip().upper()]
        self.state.apply(picked)
        destination = picked.destination(self.state)
        step = Step(
            self.current,
            letter.strip().upper(),
            picked.label,
            dict(picked.scores),
            max(o.total for _, o in offered),
            picked.critical,
            picked.feedback,
            picked.consequence,
            destination,
            self.state.days,
            clock() if clock else "",
        )
        self.steps.append(step)
        self.current = destination
        return step

    def statements(self) -> list[dict]:
        """The run as xAPI-style statements: actor, verb, object, result, timestamp (one per choice)."""
        return [
            {
                "actor": {"account": {"name": self.trainee or "anonymous"}},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en": "chose"}},
                "object": {
                    "id": f"kap-course/cases/{self.case.id}/{s.node}",
                    "definition": {"name": {"en": self.case.nodes[s.node].title}},
                },
                "result": {
                    "response": s.letter,
                    "label": s.label,
                    "scores": s.scores,
                    "best": s.best,
                    "critical": s.critical or None,
                    "next": s.next,
                },
                "timestamp": s.time or None,
            }
            for s in self.steps
        ]


def play(case, choices, trainee: str = "", clock=None) -> Run:
    """Replay a list of choices (letters as shown, e.g. ``["B", "A", "C"]``); returns the run."""
    if isinstance(choices, str) or not isinstance(choices, (list, tuple)):
        raise ValueError("Give your choices as a list of letters, for example ['B', 'A', 'C'].")
    run = Run(as_case(case), trainee)
    for number, letter in enumerate(choices, start=1):
        if run.finished:
            raise ValueError(f"Choice {number}: the case already ended at {run.node.title!r}: the list is too long.")
        try:
            run.choose(letter, clock)
        except ValueError as exc:
            raise ValueError(f"Choice {number}: {exc}") from None
    return run


def _fork(run: Run) -> Run:
    copy_ = Run(run.case, run.trainee)
    copy_.steps = list(run.steps)
    copy_.state = State(set(run.state.facts), run.state.days, dict(run.state.vitals))
    copy_.current = run.current
    return copy_


def all_paths(case: Case, limit: int = 20000) -> list[Run]:
    """Every complete path through a case (depth first), for the authors' checks and the tests."""
    finished, stack = [], [Run(case)]
    while stack:
        run = stack.pop()
        if run.finished:
            finished.append(run)
            if len(finished) > limit:
                raise CaseError(f"Case {case.id}: more than {limit} paths; simplify the case.")
            continue
        if len(run.steps) > 60:
            raise CaseError(
                f"Case {case.id}: a path runs longer than 60 choices without ending (a loop?) at node {run.current!r}."
            )
        offered = run.offered()
        if not offered:
            raise CaseError(
                f"Case {case.id}, node {run.current}, field options: no option is offered in a state some "
                f"path reaches (facts {sorted(run.state.facts)}): the path is stuck."
            )
        if max(o.total for _, o in offered) < 4:
            raise CaseError(
                f"Case {case.id}, node {run.current}, field scores: in a state some path reaches, no "
                "defensible option (4 or more of 6 points) is offered."
            )
        for letter, _ in offered:
            branch = _fork(run)
            branch.choose(letter)
            stack.append(branch)
    return finished


def best_path(case) -> Run:
    """A highest-scoring path to a good ending."""
    good = [r for r in all_paths(as_case(case)) if r.ending == "good"]
    return max(good, key=lambda r: (r.score, -len(r.steps)))


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def feedback(run: Run) -> str:
    """A plain summary of a run for the trainee: score, axes, critical errors, ending."""
    axes = ", ".join(f"{AXIS_NAMES[a]} {v:.0%}" for a, v in run.axes().items())
    lines = [f"{run.case.title}: {run.score:.0%} of the best available points ({axes})."]
    if run.criticals:
        lines.append(
            "Critical error(s): " + "; ".join(run.criticals) + f" (the case score is capped at {CRITICAL_CAP:.0%})."
        )
    if run.finished:
        lines.append(f"Ending: {run.node.title} ({run.ending}).")
    else:
        lines.append(f"Not finished: the case is at {run.node.title!r}.")
    return "\n".join(lines)
