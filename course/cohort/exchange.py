"""Release modules to a cohort and collect their submissions, through nbgrader's API and exchange."""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..data.syllabus import module as syllabus_module
from ..lessons import lesson_path, write_source_notebook
from .workspace import Workspace


def check_result(result: dict, what: str) -> None:
    """nbgrader's API reports failure in a dict rather than raising; turn it into a plain error."""
    if not result.get("success"):
        detail = (result.get("error") or result.get("log") or "").strip().splitlines()[-8:]
        raise RuntimeError(f"nbgrader could not {what}:\n  " + "\n  ".join(detail))


@dataclass
class Release:
    module: str
    notebooks: list
    auto_points: float
    manual_points: float
    outbound: Path

    def text(self) -> str:
        return (f"released {self.module}: {', '.join(self.notebooks)}; {self.auto_points:g} autograded points and "
                f"{self.manual_points:g} for written answers; trainees fetch it from {self.outbound}")


def release(ws: Workspace, module_id: str, force: bool = False, repo: Path | None = None) -> Release:
    """Write the module's source notebook into the course (from its lesson, with the cohort's pass mark and, for the
    first modules, the program's disclosures), generate the student version and release it to the exchange."""
    syllabus_module(module_id)  # a clear error for an unknown module
    source = lesson_path(module_id, repo)
    if not source.is_file():
        raise ValueError(f"{module_id} has no lesson at {source} yet, so it cannot be released.")
    _check_not_released(ws, module_id, force)
    dest = _fresh_source(ws, module_id)
    write_source_notebook(module_id, dest, repo, pass_fraction=ws.settings.pass_fraction,
                          preface=ws.preface(module_id))
    return _generate_and_release(ws, module_id)


def release_notebook(ws: Workspace, name: str, notebook, filename: str, force: bool = False) -> Release:
    """Release a generated source notebook (a booster round) as the assignment ``name``."""
    _check_not_released(ws, name, force)
    nbformat.write(notebook, _fresh_source(ws, name) / filename)
    return _generate_and_release(ws, name)


def _check_not_released(ws: Workspace, name: str, force: bool) -> None:
    if (ws.exchange / ws.name / "outbound" / name).exists() and not force:
        raise ValueError(f"{name} is already released to cohort {ws.name}. Use --force to replace it "
                         "(trainees who fetched it keep their copy).")


def _fresh_source(ws: Workspace, name: str) -> Path:
    dest = ws.course / "source" / name
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    return dest


def _generate_and_release(ws: Workspace, name: str) -> Release:
    outbound = ws.exchange / ws.name / "outbound" / name
    api = ws.api()
    check_result(api.generate_assignment(name, force=True, create=True), f"generate {name}")
    if outbound.exists():
        check_result(api.unrelease(name), f"withdraw the earlier release of {name}")
    check_result(api.release_assignment(name), f"release {name} to the exchange")
    with ws.gradebook() as gb:
        assignment = gb.find_assignment(name)
        cells = [c for nb in assignment.notebooks for c in nb.grade_cells]
        auto = sum(c.max_score for c in cells if c.cell_type == "code")
        manual = sum(c.max_score for c in cells if c.cell_type != "code")
        notebooks = [f"{nb.name}.ipynb" for nb in assignment.notebooks]
    return Release(name, notebooks, auto, manual, outbound)


@dataclass
class Collection:
    module: str
    new: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    not_on_roster: list = field(default_factory=list)
    not_submitted: list = field(default_factory=list)

    def text(self) -> str:
        lines = [f"collected {self.module}: {len(self.new)} new, {len(self.updated)} updated, "
                 f"{len(self.unchanged)} unchanged; {len(self.not_submitted)} on the roster have not submitted"]
        if self.not_submitted:
            lines.append("  not submitted yet: " + ", ".join(self.not_submitted))
        if self.not_on_roster:
            lines.append("  submitted but not on the roster (collected anyway): " + ", ".join(self.not_on_roster))
        return "\n".join(lines)


def collect(ws: Workspace, module_id: str) -> Collection:
    """nbgrader's collect (newest submission of each trainee, replacing older ones) with a summary."""
    if module_id not in ws.released_modules():
        raise ValueError(f"{module_id} has not been released in cohort {ws.name}.")
    before = _timestamps(ws, module_id)
    check_result(ws.api().collect(module_id, update=True), f"collect {module_id}")
    after = _timestamps(ws, module_id)
    roster = [t.id for t in ws.roster()]
    result = Collection(module_id)
    for student in sorted(after):
        bucket = result.new if student not in before else \
            result.updated if before[student] != after[student] else result.unchanged
        bucket.append(student)
    result.not_on_roster = sorted(set(after) - set(roster))
    result.not_submitted = [s for s in roster if s not in after]
    return result


def _timestamps(ws: Workspace, module_id: str) -> dict[str, str]:
    out = {}
    for folder in (ws.course / "submitted").glob(f"*/{module_id}"):
        stamp = folder / "timestamp.txt"
        out[folder.parent.name] = stamp.read_text().strip() if stamp.is_file() else ""
    return out
