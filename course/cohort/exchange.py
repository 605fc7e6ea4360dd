"""Release modules to a cohort and collect their submissions, through nbgrader's API and exchange."""

from __future__ import annotations

import errno
import fnmatch
import os
import pwd
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.exchange.default import ExchangeCollect

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
        return (
            f"released {self.module}: {', '.join(self.notebooks)}; {self.auto_points:g} autograded points and "
            f"{self.manual_points:g} for written answers; trainees fetch it from {self.outbound}"
        )


def release(ws: Workspace, module_id: str, force: bool = False, repo: Path | None = None) -> Release:
    """Write the module's source notebook into the course (from its lesson, with the cohort's pass mark and, for the
    first modules, the program's disclosures), generate the student version and release it to the exchange."""
    syllabus_module(module_id)  # a clear error for an unknown module
    source = lesson_path(module_id, repo)
    if not source.is_file():
        raise ValueError(f"{module_id} has no lesson at {source} yet, so it cannot be released.")
    _check_not_released(ws, module_id, force)
    dest = _fresh_source(ws, module_id)
    write_source_notebook(module_id, dest, repo, pass_fraction=ws.settings.pass_fraction, preface=ws.preface(module_id))
    return _generate_and_release(ws, module_id)


def release_notebook(ws: Workspace, name: str, notebook, filename: str, force: bool = False) -> Release:
    """Release a generated source notebook (a booster round) as the assignment ``name``."""
    _check_not_released(ws, name, force)
    nbformat.write(notebook, _fresh_source(ws, name) / filename)
    return _generate_and_release(ws, name)


def _check_not_released(ws: Workspace, name: str, force: bool) -> None:
    if (ws.exchange / ws.name / "outbound" / name).exists() and not force:
        raise ValueError(
            f"{name} is already released to cohort {ws.name}. Use --force to replace it "
            "(trainees who fetched it keep their copy)."
        )


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
    refused: dict = field(default_factory=dict)  # trainee -> why nothing was collected
    owners_checked: bool = True
    warnings: list = field(default_factory=list)  # nbgrader's own warnings, shown as they are

    def text(self) -> str:
        lines = [
            f"collected {self.module}: {len(self.new)} new, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged; {len(self.not_submitted)} on the roster have not submitted"
        ]
        for student, why in sorted(self.refused.items()):
            lines.append(
                f"  REFUSED {student}: {why}; nothing of it was collected (status 'refused at "
                "collection'; ask for a new submission)"
            )
        if not self.owners_checked:
            lines.append(
                "  owners not checked: trainees are not users of this machine, so who owns a submitted "
                "file says nothing (links, devices, pipes and shared files are still refused)"
            )
        lines += [f"  nbgrader: {w}" for w in self.warnings]
        if self.not_submitted:
            lines.append("  not submitted yet: " + ", ".join(self.not_submitted))
        if self.not_on_roster:
            lines.append("  submitted but not on the roster (collected anyway): " + ", ".join(self.not_on_roster))
        return "\n".join(lines)


def collect(ws: Workspace, module_id: str) -> Collection:
    """nbgrader's collect (newest submission of each trainee, replacing older ones) with a summary; files are
    copied by ``SafeCollect``, which refuses what a trainee could use to make the grader copy other files."""
    if module_id not in ws.released_modules():
        raise ValueError(f"{module_id} has not been released in cohort {ws.name}.")
    before = _timestamps(ws, module_id)
    api = ws.api()
    api.exchange.collect = SafeCollect
    SafeCollect.refusals = {}
    result_of_nbgrader = api.collect(module_id, update=True)
    refusals, SafeCollect.refusals = SafeCollect.refusals, {}
    check_result(result_of_nbgrader, f"collect {module_id}")
    after = _timestamps(ws, module_id)
    roster = [t.id for t in ws.roster()]
    result = Collection(module_id, refused=refusals, owners_checked=all(_local_uid(s) is not None for s in roster))
    result.warnings = [
        line.strip()
        for line in (result_of_nbgrader.get("log") or "").splitlines()
        if line.lstrip().startswith(("[WARNING]", "[ERROR]", "[CRITICAL]"))
        and line.strip()[-1] != "]"
        or "cheating attempt" in line
    ]
    marks = ws.folder("grading") / module_id
    marks.mkdir(exist_ok=True)
    for student in set(after) | set(refusals):
        mark = marks / f"{student}.refused"
        if student in refusals:
            mark.write_text(refusals[student] + "\n")
        elif student in after and before.get(student) != after[student]:
            mark.unlink(missing_ok=True)  # a newer, clean submission replaces the refused one
    for student in sorted(after):
        bucket = (
            result.new
            if student not in before
            else result.updated
            if before[student] != after[student]
            else result.unchanged
        )
        bucket.append(student)
    result.not_on_roster = sorted(set(after) - set(roster))
    result.not_submitted = [s for s in roster if s not in after and s not in refusals]
    return result


class Refused(Exception):
    pass


class SafeCollect(ExchangeCollect):
    """nbgrader's collect, copying without following links: every entry of a submission in the inbound folder
    must be a folder or a regular file with one link, owned by the submitting trainee when the trainee is a user
    of this machine. Each file is opened once (``O_NOFOLLOW``) and checked on the open file, so nothing can be
    swapped between the check and the copy. A submission that fails is not copied at all; ``refusals`` says why.

    Set ``c.ExchangeFactory.collect = "course.cohort.exchange.SafeCollect"`` (``course cohort new`` does) to use
    it from formgrader's collect button too."""

    refusals: dict = {}

    def do_copy(self, src, dest, log=None):
        student = os.path.basename(src).rsplit("+", 3)[0]
        building = Path(f"{dest}.collecting")
        shutil.rmtree(building, ignore_errors=True)
        try:
            owner = _local_uid(student)
            fd = _open_checked(src, None, owner, directory=True)
            building.mkdir(parents=True)
            budget = [1000 * self.coursedir.max_dir_size]  # nbgrader's limits, as its own copy applies them
            _copy_tree(fd, building, owner, self.coursedir, budget, self.log)
            os.replace(building, dest)
        except Refused as exc:
            shutil.rmtree(building, ignore_errors=True)
            type(self).refusals[student] = str(exc)
            self.log.warning("Refused the submission of %s: %s", student, exc)


def _local_uid(student: str) -> int | None:
    try:
        return pwd.getpwnam(student).pw_uid
    except KeyError:
        return None


def _open_checked(name, dir_fd, owner, directory=False) -> int:
    """Open ``name`` without following a link; refuse anything but a folder or a single-link regular file of
    ``owner`` (when known)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | (os.O_DIRECTORY if directory else 0)
    label = os.path.basename(str(name))
    try:
        fd = os.open(name, flags, dir_fd=dir_fd)
    except OSError as exc:
        why = {errno.ELOOP: "a symbolic link", errno.ENOTDIR: "not a folder", errno.ENXIO: "a socket"}
        raise Refused(f"{label} is {why.get(exc.errno, f'unreadable ({exc.strerror})')}") from None
    info = os.fstat(fd)
    problem = None
    if stat.S_ISDIR(info.st_mode):
        pass
    elif not stat.S_ISREG(info.st_mode):
        problem = "a device, pipe or socket, not a file"
    elif info.st_nlink > 1:
        problem = "a hard link to another file"
    if problem is None and owner is not None and info.st_uid != owner:
        problem = "owned by another user"
    if problem:
        os.close(fd)
        raise Refused(f"{label} is {problem}")
    return fd


def _copy_tree(dir_fd: int, dest: Path, owner, coursedir, budget: list, log) -> None:
    """Copy the folder open at ``dir_fd`` into ``dest``: nbgrader's ignore and include globs, files over its
    ``max_file_size`` left out with a warning, more than ``max_dir_size`` in all refused."""
    try:
        for entry in sorted(os.listdir(dir_fd)):
            if any(fnmatch.fnmatch(entry, pattern) for pattern in coursedir.ignore):
                continue
            fd = _open_checked(entry, dir_fd, owner)
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                (dest / entry).mkdir()
                _copy_tree(fd, dest / entry, owner, coursedir, budget, log)
                continue
            if (
                not any(fnmatch.fnmatch(entry, pattern) for pattern in coursedir.include)
                or info.st_size > 1000 * coursedir.max_file_size
            ):
                if info.st_size > 1000 * coursedir.max_file_size:
                    log.warning("Leaving out %s: larger than CourseDirectory.max_file_size", entry)
                os.close(fd)
                continue
            budget[0] -= info.st_size
            if budget[0] < 0:
                os.close(fd)
                raise Refused("larger than CourseDirectory.max_dir_size in all")
            with open(fd, "rb") as src, open(dest / entry, "xb") as out:
                shutil.copyfileobj(src, out)
    finally:
        os.close(dir_fd)


def _timestamps(ws: Workspace, module_id: str) -> dict[str, str]:
    out = {}
    for folder in (ws.course / "submitted").glob(f"*/{module_id}"):
        stamp = folder / "timestamp.txt"
        out[folder.parent.name] = stamp.read_text().strip() if stamp.is_file() else ""
    return out
