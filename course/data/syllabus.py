"""The course's modules and learning objectives (``datasets/syllabus.yaml``).

The start page, the README's module table, the objectives map and certificates are made from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .files import read_yaml


@dataclass(frozen=True)
class Objective:
    id: str
    level: str  # knowledge or competence
    text: str


@dataclass(frozen=True)
class Module:
    id: str  # the nbgrader assignment name and the folder under solutions/ and modules/
    notebook: str  # notebook file name inside that folder
    title: str
    objectives: tuple[Objective, ...]
    minutes: int
    kind: str = "module"  # module (teaching), assessment (pre-/post-test) or evaluation

    @property
    def teaching(self) -> bool:
        return self.kind == "module"


@cache
def _syllabus() -> dict:
    data = read_yaml("syllabus.yaml", "syllabus")
    seen = set()
    for m in data["modules"]:
        for o in m["objectives"]:
            if o["id"] in seen:
                raise ValueError(f"syllabus.yaml: objective id {o['id']} appears twice.")
            if m.get("kind", "module") != "module":
                raise ValueError(f"syllabus.yaml: {m['id']} is an assessment; objectives belong to teaching modules.")
            if not o["id"].startswith(m["id"][:2] + "."):
                raise ValueError(f"syllabus.yaml: objective {o['id']} is listed under module {m['id']}.")
            seen.add(o["id"])
    return data


@cache
def _modules() -> tuple[Module, ...]:
    return tuple(
        Module(
            m["id"],
            m["notebook"],
            m["title"],
            tuple(Objective(o["id"], o["level"], o["text"]) for o in m["objectives"]),
            m["minutes"],
            m.get("kind", "module"),
        )
        for m in _syllabus()["modules"]
    )


def modules() -> tuple[Module, ...]:
    """Every module, in course order (the pre-test first, the post-test and the evaluation last)."""
    return _modules()


def teaching_modules() -> tuple[Module, ...]:
    """The teaching modules (00 to 05), without the pre-test, the post-test or the evaluation."""
    return tuple(m for m in _modules() if m.teaching)


def module(module_id: str) -> Module:
    for m in _modules():
        if m.id == module_id:
            return m
    raise ValueError(f"No module {module_id!r}; the modules are {', '.join(m.id for m in _modules())}.")


def objectives() -> dict[str, Objective]:
    """Every learning objective by id, e.g. ``objectives()["01.4"]``."""
    return {o.id: o for m in _modules() for o in m.objectives}


def pass_mark() -> float:
    """The share of a module's points needed to pass it, announced in advance (start page and each module)."""
    return float(_syllabus()["course"]["pass_mark"])


def course_title() -> str:
    return _syllabus()["course"]["title"]
