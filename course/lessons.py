"""The lessons: each module's authored source is a MyST Markdown text in ``solutions/NN-name/``.

A lesson is read with jupytext and turned into the nbgrader *source notebook*; ``course build`` then makes the
trainee release in ``modules/`` with ``nbgrader generate_assignment``. Cell metadata in the text is short:

- every cell has an ``id`` (it becomes the cell id and nbgrader's ``grade_id``, so keep it stable);
- ``role`` says what a cell is: none (locked text or code), ``answer`` (the trainee's code; ``answers`` lists the
  names it must define), ``check`` (a test cell; ``points``, ``objective``, ``kind``), ``written`` (a
  rubric-graded written answer; ``points``, ``objective``, ``kind``), ``display`` (a locked figure or widget the
  graders need not run), ``try`` (the trainee's own cell to explore or go further: not graded, not locked);
- ``kind`` is ``recall``, ``calculation`` or ``judgement``; ``objective`` an id from ``datasets/syllabus.yaml``.

The expansion into nbgrader's cell metadata (schema version 3) happens here and only here.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from .data.syllabus import module as syllabus_module
from .data.syllabus import pass_mark
from .paths import checkout

ROLES = ("answer", "check", "written", "display", "try")
KINDS = ("recall", "calculation", "judgement")
FIELDS = {"id", "role", "points", "answers", "objective", "kind", "tags"}
CELL_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
ANSWER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: The cell tag that lets Run All go on past a cell that raises (a check of an unanswered question).
RUN_ALL_TAG = "raises-exception"


class LessonError(ValueError):
    """A lesson text whose cells do not follow the conventions above."""


def lesson_path(module_id: str, repo: Path | None = None) -> Path:
    """``solutions/NN-name/name.md`` for a module of the syllabus."""
    m = syllabus_module(module_id)
    return Path(repo or checkout()) / "solutions" / m.id / (Path(m.notebook).stem + ".md")


def _nbgrader(role: str | None, cell_id: str, points) -> dict | None:
    if role == "try":  # the trainee's own cell: nbgrader leaves it alone (a solution cell would be emptied)
        return None
    meta = {
        "schema_version": 3,
        "grade_id": cell_id,
        "grade": role in ("check", "written"),
        "solution": role in ("answer", "written"),
        "locked": role not in ("answer", "written"),
        "task": False,
    }
    if meta["grade"]:
        meta["points"] = points
    return meta


def _expand(cell, where: str, seen: set) -> None:
    meta = dict(cell.metadata)
    unknown = sorted(set(meta) - FIELDS)
    if unknown:
        raise LessonError(
            f"{where}: unknown cell field(s) {', '.join(unknown)}; the fields are {', '.join(sorted(FIELDS))}."
        )
    cell_id, role = meta.get("id"), meta.get("role")
    if not isinstance(cell_id, str) or not CELL_ID.match(cell_id):
        raise LessonError(
            f"{where}: every cell needs an id of lower-case letters, digits and dashes "
            f"(e.g. q3-check), not {cell_id!r}."
        )
    where = f"{where} (cell {cell_id})"
    if cell_id in seen:
        raise LessonError(f"{where}: the id {cell_id} is used twice.")
    seen.add(cell_id)
    if role is not None and role not in ROLES:
        raise LessonError(f"{where}: role {role!r} is not one of {', '.join(ROLES)}.")
    code_roles, text_roles = ("answer", "check", "display", "try"), ("written",)
    if role in code_roles and cell.cell_type != "code" or role in text_roles and cell.cell_type != "markdown":
        raise LessonError(f"{where}: a {role} cell must be a {'code' if role in code_roles else 'markdown'} cell.")
    graded = role in ("check", "written")
    points = meta.get("points")
    if graded != (points is not None):
        raise LessonError(
            f"{where}: "
            + (
                "a graded cell needs points."
                if graded
                else f"only check and written cells carry points, not a {role or 'locked'} cell."
            )
        )
    if graded and (isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0):
        raise LessonError(f"{where}: points must be a positive number, not {points!r}.")
    for field in ("objective", "kind"):
        if graded and field not in meta:
            raise LessonError(f"{where}: a graded cell names its {field}.")
        if not graded and field in meta:
            raise LessonError(f"{where}: only graded cells name an {field}.")
    if graded and meta["kind"] not in KINDS:
        raise LessonError(f"{where}: kind {meta['kind']!r} is not one of {', '.join(KINDS)}.")
    answers = meta.get("answers")
    if (role == "answer") != (answers is not None):
        raise LessonError(
            f"{where}: "
            + (
                "an answer cell lists the names it defines in answers: [...]."
                if role == "answer"
                else "only answer cells list answers."
            )
        )
    if answers is not None and (
        not isinstance(answers, list)
        or not answers
        or not all(isinstance(a, str) and ANSWER_NAME.match(a) for a in answers)
    ):
        raise LessonError(f"{where}: answers must be a list of Python names, not {answers!r}.")
    course = {k: meta[k] for k in ("role", "answers", "objective", "kind") if k in meta}
    tags = list(meta.get("tags") or [])
    if role == "check" and RUN_ALL_TAG not in tags:
        # A failing check must not stop Run All in JupyterLab (which honours this tag); nbgrader and nbclient
        # allow the error too. nbval would stop checking such a cell, so the tests strip it (tests/conftest.py).
        tags.append(RUN_ALL_TAG)
    nbgrader = _nbgrader(role, cell_id, points)
    cell.metadata = nbformat.NotebookNode({"nbgrader": nbgrader} if nbgrader else {})
    if course:
        cell.metadata["course"] = course
    if tags:
        cell.metadata["tags"] = tags
    cell.id = cell_id


def read_lesson(path: Path | str) -> nbformat.NotebookNode:
    """A lesson text as the nbgrader source notebook (cell metadata expanded, ids from the text)."""
    import jupytext  # start-up cost: only the authoring paths read lesson texts

    path = Path(path)
    try:
        nb = jupytext.read(path, fmt="md:myst")
    except Exception as exc:  # jupytext raises several kinds of error for malformed text
        raise LessonError(f"{path.name}: cannot be read as a MyST lesson: {exc}") from None
    seen: set = set()
    for number, cell in enumerate(nb.cells, start=1):
        _expand(cell, f"{path.name}, cell {number}", seen)
    nb.metadata = nbformat.NotebookNode(
        {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        }
    )
    nb.nbformat, nb.nbformat_minor = 4, 5
    nbformat.validate(nb)
    return nb


def source_notebook(
    module_id: str, repo: Path | None = None, pass_fraction: float | None = None, preface: str | None = None
) -> nbformat.NotebookNode:
    """A module's nbgrader source notebook: its lesson, with the pass mark announced under the title of a teaching
    module (the syllabus's, or a cohort's ``pass_fraction``) and an optional ``preface`` (Markdown, such as a
    program's disclosures) before everything else."""
    nb = read_lesson(lesson_path(module_id, repo))
    module = syllabus_module(module_id)
    if module.teaching:
        share = pass_mark() if pass_fraction is None else pass_fraction
        nb.cells.insert(
            1,
            _locked_text(
                "pass-mark",
                (
                    f"**Passing.** You pass this module with **{share:.0%} of its points**, announced here in "
                    "advance. Questions graded by the autograder count when you submit; written answers count once "
                    "your instructor has graded them with the rubric beside each one."
                ),
            ),
        )
    if preface:
        nb.cells.insert(0, _locked_text("preface", preface))
    return nb


def _locked_text(cell_id: str, text: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(text, id=cell_id)
    cell.metadata = nbformat.NotebookNode({"nbgrader": _nbgrader(None, cell_id, None)})
    return cell


def write_source_notebook(
    module_id: str,
    folder: Path,
    repo: Path | None = None,
    pass_fraction: float | None = None,
    preface: str | None = None,
) -> Path:
    """Write a module's nbgrader source notebook into ``folder`` (e.g. a course directory's source/MODULE)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / syllabus_module(module_id).notebook
    nbformat.write(source_notebook(module_id, repo, pass_fraction, preface), path)
    return path
