"""The roster: who is in a cohort. Read and check a CSV, write it back, and keep the gradebook in step.

A roster CSV has one row per trainee with the columns ``id, first_name, last_name, email`` (and an
optional ``section``). Every problem in a file is reported at once, naming its row, and nothing is
written until the whole file is valid.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from .files import write_atomically

#: nbgrader uses the id as a folder name and in exchange file names (``id+module+time``), so it must be
#: plain: letters, digits, ``_``, ``.``, ``-``, not starting with a dot or dash.
ID_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
EMAIL_PATTERN = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
REQUIRED = ("id", "first_name", "last_name", "email")
MAX_ERRORS_SHOWN = 20


@dataclass(frozen=True)
class Trainee:
    id: str
    first_name: str
    last_name: str
    email: str
    section: str = ""

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def read_roster(path: Path) -> list[Trainee]:
    """The trainees in roster CSV ``path``; ValueError listing every bad row if there is any."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"There is no roster file at {path}.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a UTF-8 text file: save the roster as CSV (UTF-8).") from None
    return parse_roster(text, str(path))


def parse_roster(text: str, source: str = "the roster") -> list[Trainee]:
    """Parse roster CSV ``text``; ValueError listing every problem, by row number (the header is row 1)."""
    if not isinstance(text, str):
        raise ValueError("The roster must be CSV text.")
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))  # spreadsheets often add a byte-order mark
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValueError(
            f"{source} needs the columns {', '.join(REQUIRED)}; it lacks {', '.join(missing)} "
            f"(its first row is: {', '.join(header) or 'empty'})."
        )
    reader.fieldnames = header
    errors, trainees, first_row_of = [], [], {}
    for number, row in enumerate(reader, start=2):
        if None in row:
            errors.append(f"row {number} has more values than the header has columns")
            continue
        values = {k: (row.get(k) or "").strip() for k in (*REQUIRED, "section")}
        if not any(values.values()):
            errors.append(f"row {number} is empty: delete it")
            continue
        problems = _row_problems(values)
        if values["id"] in first_row_of:
            problems.append(f"id {values['id']!r} is already used in row {first_row_of[values['id']]}")
        first_row_of.setdefault(values["id"], number)
        if problems:
            errors.append(f"row {number}: " + "; ".join(problems))
        else:
            trainees.append(Trainee(**values))
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        more = f"\n  ... and {len(errors) - len(shown)} more" if len(errors) > len(shown) else ""
        raise ValueError(
            f"{source} has {len(errors)} problem(s); nothing was changed. Fix them and try again:\n  "
            + "\n  ".join(shown)
            + more
        )
    if not trainees:
        raise ValueError(f"{source} lists no trainees.")
    return trainees


def _row_problems(values: dict) -> list[str]:
    problems = []
    if not values["id"]:
        problems.append("the id is empty")
    elif not ID_PATTERN.match(values["id"]):
        problems.append(
            f"id {values['id']!r} may only use letters, digits, '_', '.' and '-' (up to 64, "
            "not starting with '.' or '-'), because nbgrader uses it as a folder name"
        )
    for column in ("first_name", "last_name"):
        if not values[column]:
            problems.append(f"{column} is empty")
    if not EMAIL_PATTERN.match(values["email"]):
        problems.append(f"email {values['email']!r} is not an email address" if values["email"] else "email is empty")
    return problems


def write_roster(path: Path, trainees: list[Trainee]) -> None:
    """Write ``trainees`` to ``path`` as roster CSV, atomically (a reader never sees half a file)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[f.name for f in fields(Trainee)], lineterminator="\n")
    writer.writeheader()
    for trainee in trainees:
        writer.writerow(asdict(trainee))
    write_atomically(Path(path), out.getvalue())


@dataclass(frozen=True)
class RosterChange:
    added: list[Trainee]
    updated: list[tuple[Trainee, Trainee]]  # (before, after)
    removed: list[Trainee]

    def summary(self) -> str:
        lines = [f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed"]
        lines += [f"  + {t.id} ({t.name})" for t in self.added]
        lines += [
            f"  ~ {new.id}: "
            + ", ".join(
                f"{f} {getattr(old, f)!r} -> {getattr(new, f)!r}"
                for f in ("first_name", "last_name", "email", "section")
                if getattr(old, f) != getattr(new, f)
            )
            for old, new in self.updated
        ]
        lines += [
            f"  - {t.id} ({t.name}): no longer on the roster; their work and grades stay in the gradebook"
            for t in self.removed
        ]
        return "\n".join(lines)


def compare(old: list[Trainee], new: list[Trainee]) -> RosterChange:
    before = {t.id: t for t in old}
    after = {t.id: t for t in new}
    return RosterChange(
        added=[t for t in new if t.id not in before],
        updated=[(before[t.id], t) for t in new if t.id in before and before[t.id] != t],
        removed=[t for t in old if t.id not in after],
    )


def sync_gradebook(gradebook, trainees: list[Trainee]) -> None:
    """Add or update every trainee as an nbgrader student (nobody is deleted: grades are never dropped)."""
    for t in trainees:
        gradebook.update_or_create_student(t.id, first_name=t.first_name, last_name=t.last_name, email=t.email)
