"""Bad submissions: each ends with its own named status, the others are graded normally, and no original is
ever modified. All of them are graded together, once, in one cohort (as they would arrive in a workshop)."""

import json
import os
import tempfile
import uuid
from pathlib import Path

import nbformat
import pytest

from course.cohort.files import folder_checksum
from course.cohort.grading import STATUSES, grade, records

from .conftest import (
    AUTO_POINTS,
    MAX_POINTS,
    MODULE,
    NOTEBOOK,
    auto_scores,
    cell,
    checks_of,
    correct,
    new_cohort,
    snapshot,
    submit,
    unanswered,
)

CELL_TIMEOUT = 10


def _with_answer_code(ws, code):
    """A correct submission whose first answer cell also runs ``code`` (after defining the answer)."""
    nb = correct(ws)
    cell(nb, "q1-answer").source += "\n" + code
    return nb


def _bad_submissions(ws, canary):
    gradebook = ws.sqlite_file
    deleted = correct(ws)
    deleted.cells.remove(cell(deleted, "q1-check"))
    edited_test = unanswered(ws)
    cell(edited_test, checks_of("q2-answer")[0]).source = "pass  # no test here"
    edited_locked = correct(ws)
    cell(edited_locked, "setup").source += "\nprint('I changed the setup cell')"
    too_large = correct(ws)
    too_large.cells.append(nbformat.v4.new_markdown_cell("x" * 1_500_000))
    return {
        # kind: (what is submitted, expected status)
        "correct": (dict(nb=correct(ws)), "needs-manual-grading"),
        "unanswered": (dict(nb=unanswered(ws)), "graded"),
        "corrupt-json": (dict(files={NOTEBOOK: '{"cells": [ {"cell_type": "code", '}), "corrupt-notebook"),
        "not-a-notebook": (dict(files={NOTEBOOK: json.dumps({"hello": "world"})}), "corrupt-notebook"),
        "renamed": (dict(files={"assessment (1).ipynb": nbformat.writes(correct(ws))}), "unknown-notebook"),
        "no-notebook": (dict(files={"README.txt": "I forgot the notebook"}), "missing"),
        "extra-files": (dict(nb=correct(ws), files={"notes.txt": "my notes", "data.csv": "a,b\n1,2\n"}), "extra-files"),
        "deleted-test": (dict(nb=deleted), "cell-deleted"),
        "edited-test": (dict(nb=edited_test), "cell-edited"),
        "edited-locked": (dict(nb=edited_locked), "cell-edited"),
        "infinite-loop": (dict(nb=_with_answer_code(ws, "while True:\n    pass")), "timed-out"),
        "ignores-interrupts": (dict(nb=_with_answer_code(ws, _STUBBORN)), "stuck"),
        "memory-hog": (dict(nb=_with_answer_code(ws, _MEMORY_HOG)), "memory-limit"),
        "huge-output": (
            dict(nb=_with_answer_code(ws, "for i in range(200_000):\n    print('line', i)")),
            "output-truncated",
        ),
        "kernel-death": (dict(nb=_with_answer_code(ws, "import os\nos.kill(os.getpid(), 9)")), "kernel-died"),
        "kernel-exit": (dict(nb=_with_answer_code(ws, "import os\nos._exit(3)")), "kernel-died"),
        "too-large": (dict(nb=too_large), "too-large"),
        "reads-gradebook": (
            dict(nb=_with_answer_code(ws, _READ_GRADEBOOK.format(path=str(gradebook)))),
            "needs-manual-grading",
        ),
        "writes-outside": (
            dict(nb=_with_answer_code(ws, _WRITE_OUTSIDE.format(canary=str(canary), escape=ESCAPE))),
            "needs-manual-grading",
        ),
    }


_READ_GRADEBOOK = """import os
found = {{}}
for path in ["{path}", "../../../gradebook.db", os.path.expanduser("~/gradebook.db")]:
    try:
        with open(path, "rb") as f:
            found[path] = f.read(16)
    except OSError as exc:
        found[path] = type(exc).__name__
here = os.getcwd()
while True:
    for name in os.listdir(here) if os.access(here, os.R_OK) else []:
        if name == "gradebook.db":
            found[os.path.join(here, name)] = "seen"
    if here == os.path.dirname(here):
        break
    here = os.path.dirname(here)
print("GRADEBOOK-PROBE", {{k: str(v) for k, v in found.items()}})
print("ENV-PROBE", sorted(os.environ))"""

_STUBBORN = """import signal, time
signal.signal(signal.SIGINT, signal.SIG_IGN)  # the cell timeout cannot interrupt this
time.sleep(10_000)"""

_MEMORY_HOG = """def hog():
    chunks = [bytearray(100 * 1024**2) for _ in range(5)]
    chunks.append(bytearray(64 * 1024**3))  # more than any kernel may have
hog()"""

ESCAPE = f"escape-{uuid.uuid4().hex}.txt"  # ../../ESCAPE from a kernel's folder is the system's temp folder
_WRITE_OUTSIDE = """import os
for path in ["../../{escape}", "../{escape}", os.path.expanduser("~/{escape}"), "{canary}"]:
    try:
        with open(path, "w") as f:
            f.write("written by graded code")
        print("WROTE", path)
    except OSError as exc:
        print("BLOCKED", path, type(exc).__name__)"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    home = tmp_path_factory.mktemp("bad") / "cohorts"
    os.environ["KAP_SECRET_FOR_TEST"] = "s3cr3t-token"  # graded code must not see the grader's environment
    try:
        ws = new_cohort(
            home,
            "bad",
            ["never-submitted", "kind-correct", "kind-unanswered"],
            timeout=CELL_TIMEOUT,
            max_submission_mb=1,
            memory_mb=2048,
        )
        canary = ws.course / "canary.txt"
        canary.write_text("untouched")
        kinds = _bad_submissions(ws, canary)
        originals = {}
        for kind, (submission, _) in kinds.items():
            folder = submit(ws, f"kind-{kind}", **submission)
            originals[kind] = (folder, snapshot(folder), folder_checksum(folder))
        summary = grade(ws, MODULE, workers=2, progress=False)
    finally:
        del os.environ["KAP_SECRET_FOR_TEST"]
    yield ws, kinds, originals, summary, canary
    (Path(tempfile.gettempdir()) / ESCAPE).unlink(missing_ok=True)  # where an unprotected kernel could write


KINDS = [
    "correct",
    "unanswered",
    "corrupt-json",
    "not-a-notebook",
    "renamed",
    "no-notebook",
    "extra-files",
    "deleted-test",
    "edited-test",
    "edited-locked",
    "infinite-loop",
    "ignores-interrupts",
    "memory-hog",
    "huge-output",
    "kernel-death",
    "kernel-exit",
    "too-large",
    "reads-gradebook",
    "writes-outside",
]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_gets_its_status_and_originals_stay_intact(graded, kind):
    ws, kinds, originals, summary, _ = graded
    record = summary.records[f"kind-{kind}"]
    assert record.status == kinds[kind][1], record.detail()
    folder, files, checksum = originals[kind]
    assert snapshot(folder) == files and folder_checksum(folder) == checksum, "the original submission changed"
    if STATUSES[record.status].graded:
        assert record.score is not None and record.max_score == MAX_POINTS
    else:
        assert record.score is None, "a submission that could not be graded must not show a score"


def test_suite_has_at_least_twelve_kinds_of_bad_submission(graded):
    _, kinds, _, _, _ = graded
    assert set(kinds) == set(KINDS)
    assert len(KINDS) - 2 >= 12  # besides the two ordinary submissions
    assert len({status for _, status in kinds.values()} - {"graded", "needs-manual-grading"}) >= 10


def test_every_roster_trainee_has_a_record_and_nothing_is_silent(graded):
    ws, _, _, summary, _ = graded
    assert summary.records["never-submitted"].status == "missing"
    assert set(records(ws, MODULE)) == {"never-submitted", *(f"kind-{k}" for k in KINDS)}
    text = summary.text()
    for record in summary.records.values():
        if record.status not in ("graded", "needs-manual-grading"):
            assert f"{record.student}: {STATUSES[record.status].label}" in text


def test_submissions_next_to_bad_ones_are_graded_normally(graded):
    ws, _, _, summary, _ = graded
    assert sum(auto_scores(ws, "kind-correct").values()) == AUTO_POINTS
    assert sum(auto_scores(ws, "kind-unanswered").values()) == 0
    # Attacks and runaway cells did not cost the rest of their notebook its grades.
    for kind in (
        "extra-files",
        "edited-locked",
        "infinite-loop",
        "memory-hog",
        "huge-output",
        "reads-gradebook",
        "writes-outside",
    ):
        assert summary.records[f"kind-{kind}"].score == AUTO_POINTS, kind


def test_cell_problems_are_graded_as_nbgrader_would_and_flagged(graded):
    ws, _, _, summary, _ = graded
    assert "q1-check (test)" in summary.records["kind-deleted-test"].detail()
    with ws.gradebook() as gb:
        deleted = gb.find_grade("q1-check", "assessment", MODULE, "kind-deleted-test")
        assert deleted.needs_manual_grade, "a deleted test must wait for the grader, not be a silent 0"
    assert auto_scores(ws, "kind-edited-test")[checks_of("q2-answer")[0]] == 0, "nbgrader grades with the original test"
    assert "setup (locked)" in summary.records["kind-edited-locked"].detail()
    assert "q1-answer" in summary.records["kind-infinite-loop"].detail()


def test_kernel_death_is_sent_to_manual_grading(graded):
    ws, _, _, summary, _ = graded
    assert "SIGKILL" in summary.records["kind-kernel-death"].detail()
    assert "code 3" in summary.records["kind-kernel-exit"].detail()
    assert "ignored the interrupt" in summary.records["kind-ignores-interrupts"].detail()
    with ws.gradebook() as gb:
        assert gb.find_submission(MODULE, "kind-kernel-death").needs_manual_grade


def _output(ws, student, marker):
    nb = nbformat.read(ws.course / "autograded" / student / MODULE / NOTEBOOK, as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    return next(line for line in text.splitlines() if line.startswith(marker))


def _protected(summary) -> bool:
    return summary.protections["isolation"]


def test_graded_code_sees_no_secrets_and_no_gradebook(graded):
    ws, _, _, summary, _ = graded
    env = _output(ws, "kind-reads-gradebook", "ENV-PROBE")
    assert "KAP_SECRET_FOR_TEST" not in env and "'HOME'" in env
    probe = _output(ws, "kind-reads-gradebook", "GRADEBOOK-PROBE")
    # nbgrader itself runs graded code inside the course directory, where ../../../gradebook.db is the gradebook.
    assert "'../../../gradebook.db': 'FileNotFoundError'" in probe
    assert "seen" not in probe, "the gradebook must not be findable from the kernel's folder"
    if _protected(summary):
        assert "SQLite format" not in probe


def test_relative_writes_stay_out_of_the_workspace(graded):
    ws, _, _, summary, _ = graded
    assert not list(ws.path.rglob(ESCAPE))
    if summary.protections["isolation"]:  # outside its own folder, the kernel's file system is read-only
        assert _output(ws, "kind-writes-outside", f"BLOCKED ../../{ESCAPE}")
        assert not (Path(tempfile.gettempdir()) / ESCAPE).exists()
    else:
        assert _output(ws, "kind-writes-outside", f"WROTE ../../{ESCAPE}")


def test_absolute_writes_into_the_workspace_are_blocked_where_the_os_allows(graded):
    ws, _, _, summary, canary = graded
    if not _protected(summary):
        pytest.skip(
            "documented limit: without the sandbox, graded code can write where the "
            f"grader can ({summary.protections['isolation_note']})"
        )
    assert canary.read_text() == "untouched"
    assert "BLOCKED" in _output(ws, "kind-writes-outside", f"BLOCKED {canary}")
