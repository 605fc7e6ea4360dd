"""What a graded submission ends with: its named status and the record kept in ``grading/MODULE/ID.json``."""

from __future__ import annotations

import json
import signal
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from .files import write_atomically


@dataclass(frozen=True)
class Status:
    code: str
    label: str
    graded: bool  # whether the grade counts (a pass, an export, a certificate); see ``Record.score``
    advice: str


#: Every status a submission can end with, worst first (a submission shows its worst finding).
STATUSES = {
    s.code: s
    for s in (
        Status("missing", "missing", False, "Nothing was collected: remind the trainee to submit, then collect again."),
        Status(
            "refused",
            "refused at collection",
            False,
            "The trainee's inbound folder held a link, a device, a pipe, a file shared with another folder or a "
            "file owned by someone else; nothing of this submission was collected. Ask the trainee to submit "
            "again from the Assignments panel.",
        ),
        Status(
            "too-large",
            "too large",
            False,
            "Bigger than max_submission_mb (cohort.json): ask for a resubmission with large outputs cleared.",
        ),
        Status(
            "too-many-cells",
            "too many cells",
            False,
            "The notebook has far more cells than the release: ask for a resubmission of the released notebook.",
        ),
        Status(
            "corrupt-notebook",
            "corrupt notebook",
            False,
            "The file is not a readable notebook: ask for a resubmission.",
        ),
        Status(
            "unknown-notebook",
            "renamed or unknown notebook",
            False,
            "The module's notebook is not there but another "
            "is (renamed?): rename it in submitted/ or ask "
            "for a resubmission, then grade again.",
        ),
        Status(
            "tampering",
            "tampering suspected",
            False,
            "The notebook's code reaches into the grader or Jupyter (see the detail). Its scores were worked out "
            "by the grader's own kernel and wait in the gradebook, but they do not count until you look at the "
            "notebook and clear it: `course cohort clear NAME MODULE TRAINEE`.",
        ),
        Status(
            "variant",
            "another trainee's variant",
            False,
            "The notebook was run with case numbers that are not this trainee's own (another trainee's variant, or "
            "the course's own numbers when it ran without a trainee id; see the detail). It was graded against the "
            "trainee's own numbers, so answers worked out from the other numbers lost their points; the scores wait "
            "in the gradebook and do not count. Ask the trainee how it happened; to grade their own work, ask them to "
            "run the module again as themselves and resubmit, then collect and grade again. To let these scores "
            "count as they are: `course cohort clear NAME MODULE TRAINEE`.",
        ),
        Status(
            "kernel-died",
            "kernel died",
            False,
            "The trainee's code ended the kernel (a crash, an exit or a sandbox "
            "limit): its grades wait for you in formgrader.",
        ),
        Status(
            "stuck",
            "stuck kernel",
            False,
            "The code could not be interrupted at the time limit and was stopped: its "
            "grades wait for you in formgrader.",
        ),
        Status(
            "grading-error",
            "grading error",
            False,
            "Grading failed for another reason (see the detail); `grade` tries again.",
        ),
        Status(
            "notebook-missing",
            "a notebook is missing",
            True,
            "One of the module's notebooks was not submitted; nbgrader scored it 0.",
        ),
        Status(
            "cell-deleted",
            "test cell deleted",
            True,
            "A test, answer or locked cell was deleted; deleted graded cells wait for you in formgrader.",
        ),
        Status(
            "cell-edited",
            "test or locked cell edited",
            True,
            "A test or locked cell was changed; it was graded with the original cell.",
        ),
        Status(
            "unreadable-answer",
            "answer not a value",
            True,
            "An answer is not a value the grader can read (a function, a table, an object): its test scored 0.",
        ),
        Status("timed-out", "timed out", True, "A cell ran past the cell time limit and was stopped; it scored 0."),
        Status("memory-limit", "memory limit", True, "A cell ran out of memory in the sandbox; it scored 0."),
        Status(
            "output-truncated",
            "output truncated",
            True,
            "A cell printed more than the graded notebook keeps (by size "
            "or lines): its output was cut where the detail says, with a "
            "note; it was graded normally.",
        ),
        Status(
            "extra-files",
            "extra files",
            True,
            "Files that are not in the release were submitted (kept, not graded; links are not copied).",
        ),
        Status(
            "needs-manual-grading", "needs manual grading", True, "Written answers wait for a grader in formgrader."
        ),
        Status("graded", "graded", True, "Fully graded."),
    )
}
RANK = {code: i for i, code in enumerate(STATUSES)}
#: Statuses whose scores wait in the gradebook until an instructor has looked (``course cohort clear``).
CLEARABLE = ("tampering", "variant")
#: Statuses that are no failure of the submission: grading goes on normally.
FINE = ("graded", "needs-manual-grading")


@dataclass
class Record:
    """The outcome of grading one submission (kept in ``grading/MODULE/ID.json``)."""

    student: str
    module: str
    status: str
    findings: list = field(default_factory=list)  # [code, detail] pairs
    checksum: str | None = None  # of the graded snapshot
    score: float | None = None  # only where the gradebook holds scores (see ``graded``)
    max_score: float | None = None
    on_roster: bool = True
    seconds: float = 0.0
    graded_at: str = ""
    cleared: list = field(default_factory=list)  # [who, when, what] for each instructor's clearance

    @property
    def graded(self) -> bool:
        return STATUSES[self.status].graded

    def detail(self) -> str:
        text = "; ".join(f"{STATUSES[c].label}: {d}" if d else STATUSES[c].label for c, d in self.findings)
        return printable(text)


def printable(text: str) -> str:
    """``text`` with control characters replaced (file names and messages can come from trainees)."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def worst(findings: list, fallback: str) -> str:
    codes = [code for code, _ in findings] + [fallback]
    return min(codes, key=RANK.__getitem__)


def records(ws, module_id: str) -> dict[str, Record]:
    """The grading records of a module, by trainee id."""
    folder = ws.path / "grading" / module_id
    out = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        record = Record(**json.loads(path.read_text()))
        out[record.student] = record
    return out


def current_records(ws, module_id: str) -> dict[str, Record]:
    """The grading records of a module as the gradebook stands now: scores include the manual grades given in
    formgrader since grading ran, and "needs manual grading" becomes "graded" once nothing waits (or goes back, if a
    grader flags a cell again). Every summary (grade, feedback, report, export) reads records this way."""
    # start-up cost: imported only where it is needed
    from nbgrader.api import MissingEntry

    found = records(ws, module_id)
    with ws.gradebook() as gb:
        try:
            submissions = {s.student.id: s for s in gb.find_assignment(module_id).submissions}
        except MissingEntry:
            return found
        for student, record in found.items():
            submission = submissions.get(student)
            if submission is None or record.score is None:  # nothing graded, or scores that do not count
                continue
            record.score, record.max_score = float(submission.score), float(submission.max_score)
            if record.status in ("graded", "needs-manual-grading"):
                record.status = "needs-manual-grading" if submission.needs_manual_grade else "graded"
    return found


def save_record(ws, record: Record, stamp: bool = True) -> None:
    folder = ws.folder("grading") / record.module
    folder.mkdir(exist_ok=True)
    if stamp:
        record.graded_at = now()
    write_atomically(folder / f"{record.student}.json", json.dumps(asdict(record), indent=1) + "\n")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def describe_exit(code: int | None) -> str:
    """Plain words for a kernel's exit code (128 + N means signal N)."""
    if code is None:
        return "the kernel stopped answering"
    if code > 128:
        try:
            name = signal.Signals(code - 128).name
        except ValueError:
            return f"the kernel exited with code {code}"
        why = {
            "SIGXCPU": " (the CPU time limit)",
            "SIGKILL": " (killed: out of memory, the notebook time limit, or the code itself)",
            "SIGSEGV": " (a crash)",
            "SIGABRT": " (an abort, often when memory ran out)",
        }.get(name, "")
        return f"the kernel was ended by {name}{why}"
    return f"the kernel exited with code {code}"
