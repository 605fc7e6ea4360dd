"""Feedback for trainees: nbgrader's feedback HTML, without hidden tests or solutions (nbgrader #917).

``HideTests`` is an nbgrader preprocessor; the cohort's nbgrader_config.py puts it in
``GenerateFeedback.preprocessors``, so feedback made from formgrader or ``nbgrader generate_feedback``
is cleaned too. It removes ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` and
``### BEGIN SOLUTION`` ... ``### END SOLUTION`` regions from every cell, and replaces any output line that
shows a hidden-test line: a failing hidden test's traceback quotes its code, and a trainee's cell can
print earlier cells (``In``). Failure *messages* stay: they are the hints the tests give.
Scores and the grader's rubric comments come from nbgrader's ``GetGrades`` and its feedback template.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from nbgrader.preprocessors import NbGraderPreprocessor

from .statuses import STATUSES, current_records
from .workspace import Workspace

HIDDEN = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
SOLUTION = ("BEGIN SOLUTION", "END SOLUTION")
MARKERS = (*HIDDEN, *SOLUTION)
#: Hidden-test lines shorter than this (``)``, ``else:``) say nothing and are not searched for in outputs.
MIN_SECRET = 8
REDACTED = "[hidden test line]"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def without_regions(source: str, begin: str, end: str) -> tuple[str, list[str]]:
    """``source`` without the lines from ``begin`` to ``end`` (markers included), and the removed lines."""
    kept, removed, inside = [], [], False
    for line in source.split("\n"):
        if begin in line:
            inside = True
        if inside:
            removed.append(line)
        else:
            kept.append(line)
        if end in line:
            inside = False
    return "\n".join(kept), removed


def secret_lines(sources) -> list[str]:
    """The informative lines inside hidden-test regions of the given cell sources."""
    lines = []
    for source in sources:
        lines += [line.strip() for line in without_regions(source, *HIDDEN)[1]
                  if len(line.strip()) >= MIN_SECRET and not any(m in line for m in MARKERS)]
    return sorted(set(lines))


def scrub(text: str, secrets: list[str]) -> str:
    """Replace every line of ``text`` that shows a secret line or a region marker."""
    def shows(line):
        plain = _ANSI.sub("", line)
        return any(m in plain for m in MARKERS) or any(s in plain for s in secrets)
    return "\n".join(REDACTED if shows(line) else line for line in text.split("\n"))


def _scrub_value(value, secrets):
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, list):
        return [_scrub_value(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_value(v, secrets) for k, v in value.items()}
    return value


class HideTests(NbGraderPreprocessor):
    """Remove hidden tests and solutions from a graded notebook before it becomes feedback."""

    def preprocess(self, nb, resources):
        secrets = secret_lines(cell.source for cell in nb.cells)
        for cell in nb.cells:
            source, _ = without_regions(cell.source, *HIDDEN)
            cell.source, _ = without_regions(source, *SOLUTION)
            for output in cell.get("outputs", []):
                for key in ("text", "evalue", "traceback", "data"):
                    if key in output:
                        output[key] = _scrub_value(output[key], secrets)
        nb.metadata.pop("widgets", None)  # saved widget state can hold anything a cell produced
        return nb, resources


# --------------------------------------------------------------------------------------------------

@dataclass
class FeedbackRun:
    module: str
    released: list = field(default_factory=list)
    waiting: list = field(default_factory=list)       # still need manual grading
    not_graded: list = field(default_factory=list)    # (id, status) pairs without a grade to report
    not_released: list = field(default_factory=list)  # made, but submitted outside the exchange

    def text(self) -> str:
        lines = [f"feedback for {self.module}: {len(self.released)} released to the exchange"]
        if self.not_released:
            lines.append("  made but not released (not submitted through the exchange; hand these out yourself): "
                         + ", ".join(self.not_released))
        if self.waiting:
            lines.append(f"  waiting for manual grading in formgrader ({len(self.waiting)}): "
                         + ", ".join(self.waiting))
        if self.not_graded:
            lines.append("  no feedback (not graded): "
                         + ", ".join(f"{s} ({STATUSES[c].label})" for s, c in self.not_graded))
        return "\n".join(lines)


def release_feedback(ws: Workspace, module_id: str, progress: bool = True) -> FeedbackRun:
    """Generate feedback for every fully graded submission, check it hides the tests, release it."""
    # start-up cost: imported only where it is needed
    from tqdm import tqdm
    from .exchange import check_result
    run = FeedbackRun(module_id)
    graded = []
    with ws.gradebook() as gb:
        for student, record in sorted(current_records(ws, module_id).items()):
            if not record.graded:
                if record.status != "missing":
                    run.not_graded.append((student, record.status))
            elif gb.find_submission(module_id, student).needs_manual_grade:
                run.waiting.append(student)
            else:
                graded.append(student)
    api = ws.api()
    secrets = secret_lines(_source_cells(ws, module_id))
    for student in tqdm(graded, desc=f"feedback {module_id}", unit="trainee", disable=not progress or None):
        check_result(api.generate_feedback(module_id, student, force=True), f"make feedback for {student}")
        folder = ws.course / "feedback" / student / module_id
        own = ws.course / "autograded" / student / module_id
        notebooks = {p.stem for p in own.glob("*.ipynb")}
        for path in sorted(folder.rglob("*")):
            if path.is_dir() and not path.is_symlink():
                continue
            rel = path.relative_to(folder)
            page = path.suffix == ".html" and path.stem in notebooks and path.parent == folder
            if path.is_symlink() or not path.is_file() or not (page or _same_file(path, own / rel)):
                path.unlink()
                raise RuntimeError(f"Feedback for {student} holds {rel}, which is neither a page made from their "
                                   "own notebook nor a file of their own submission; nothing more was released.")
            if not page:
                continue
            found = leaks(path.read_text(encoding="utf-8"), secrets + private_paths(ws))
            if found:
                path.unlink()
                raise RuntimeError(f"Feedback for {student} would show hidden tests, solutions or the grader's "
                                   f"folders ({found[0]!r}); nothing more was released. Check the notebook's "
                                   "BEGIN/END markers.")
        if (ws.course / "autograded" / student / module_id / "submission_secret.txt").is_file():
            check_result(api.release_feedback(module_id, student), f"release feedback to {student}")
            run.released.append(student)
        else:  # nbgrader's exchange can only return feedback for work that came through it
            run.not_released.append(student)
    return run


def _same_file(path, original) -> bool:
    """``path`` is a copy of ``original``, a regular file of the trainee's own graded submission."""
    return original.is_file() and not original.is_symlink() and path.read_bytes() == original.read_bytes()


def private_paths(ws: Workspace) -> list[str]:
    """Folders of the grader's that feedback must never show (a trainee's code could print them)."""
    return [str(ws.path), str(ws.exchange)]


def _source_cells(ws: Workspace, module_id: str) -> list[str]:
    # start-up cost: imported only where it is needed
    import nbformat
    return [cell.source for path in sorted((ws.course / "source" / module_id).glob("*.ipynb"))
            for cell in nbformat.read(path, as_version=4).cells]


def leaks(html: str, secrets: list[str]) -> list[str]:
    """Markers and secret lines that appear in the visible text of an HTML page."""
    text = html_text(html)
    return [m for m in (*MARKERS, *secrets) if m in text]


def html_text(html: str) -> str:
    """The text of an HTML page as a reader sees it (tags dropped, entities decoded)."""
    # start-up cost: imported only where it is needed
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.parts = []

        def handle_data(self, data):
            self.parts.append(data)

    parser = Text()
    parser.feed(html)
    return "".join(parser.parts)
