"""A whole cohort cycle through the `course cohort` command line, as the README's instructor section runs it,
with trainees fetching and submitting through nbgrader's own exchange."""

import re

import nbformat
from conftest import typed_in
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeFetchFeedback, ExchangeSubmit
from traitlets.config import Config

from course.cli import main
from course.cohort.workspace import Workspace

from .conftest import AUTO_POINTS, MODULE, NOTEBOOK, SOURCE, set_manual, write_roster


def _trainee(ws, home, student):
    """nbgrader's exchange as a trainee sees it (their own course folder; same exchange and course id)."""
    config = Config()
    config.Exchange.root = str(ws.exchange)
    config.Exchange.assignment_dir = str(home)
    config.Exchange.cache = str(home / ".nbgrader-cache")  # each trainee's own, as with separate accounts
    config.CourseDirectory.course_id = ws.name
    coursedir = CourseDirectory(config=config, root=str(home), student_id=student, assignment_id=MODULE)
    return dict(coursedir=coursedir, authenticator=Authenticator(config=config), config=config)


def _fetch_and_submit(ws, tmp_path, student, answers):
    home = tmp_path / "trainees" / student
    home.mkdir(parents=True)
    trainee = _trainee(ws, home, student)
    ExchangeFetchAssignment(**trainee).start()
    notebook = home / MODULE / NOTEBOOK
    if answers:
        nbformat.write(typed_in(notebook, SOURCE), notebook)
    ExchangeSubmit(**trainee).start()
    return home


#: A workshop that requires module 01 only (certificates are issued for the whole required course).
PROVIDER = f"""name: Example Health Education
address: 12 Harbour Street, Springfield
contact: cpd@example.org
dates: {{start: "2030-01-01", end: "2030-01-31"}}
modules: [{MODULE}]
disclosures: []
"""


def test_a_whole_cohort_cycle_from_the_command_line(tmp_path, cohort_home, capsys):
    roster = write_roster(tmp_path / "roster.csv", ["ana", "ben", "cai"])
    provider = tmp_path / "provider.yaml"
    provider.write_text(PROVIDER)
    assert (
        main(
            [
                "cohort",
                "new",
                "autumn",
                "--roster",
                str(roster),
                "--home",
                str(cohort_home),
                "--provider",
                str(provider),
            ]
        )
        == 0
    )
    assert main(["cohort", "release", "autumn", MODULE, "--home", str(cohort_home)]) == 0
    out = capsys.readouterr().out
    assert "made cohort autumn" in out
    assert f"released 01-assessment: assessment.ipynb; {AUTO_POINTS:g} autograded points" in out

    ws = Workspace.open("autumn", cohort_home)
    homes = {
        "ana": _fetch_and_submit(ws, tmp_path, "ana", answers=True),
        "ben": _fetch_and_submit(ws, tmp_path, "ben", answers=False),
    }
    assert main(["cohort", "collect", "autumn", MODULE, "--home", str(cohort_home)]) == 0
    out = capsys.readouterr().out
    assert "2 new, 0 updated, 0 unchanged; 1 on the roster have not submitted" in out and "cai" in out

    assert main(["cohort", "grade", "autumn", MODULE, "--home", str(cohort_home), "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"needs manual grading +1\n", out) and re.search(r"\n +graded +1\n", out)
    assert "cai: missing" in out and "Sandbox:" in out
    assert main(["cohort", "grade", "autumn", MODULE, "--home", str(cohort_home)]) == 0
    assert "3 unchanged since the last run" in capsys.readouterr().out

    # The grader marks ana's written answers in formgrader.
    set_manual(ws, "ana", {"m1-answer": 3, "m2-answer": 2}, comments={"m2-answer": "Clear and complete."})
    assert main(["cohort", "feedback", "autumn", MODULE, "--home", str(cohort_home)]) == 0
    assert "2 released to the exchange" in capsys.readouterr().out
    ExchangeFetchFeedback(**_trainee(ws, homes["ana"], "ana")).start()
    feedback = list((homes["ana"] / MODULE / "feedback").glob("*/*.html"))
    assert len(feedback) == 1 and "Clear and complete." in feedback[0].read_text()

    for command in ("report", "export", "certificates"):
        assert main(["cohort", command, "autumn", "--home", str(cohort_home)]) == 0
    out = capsys.readouterr().out
    assert "2 who may need help" in out and "canvas.csv" in out and "wrote 1 certificate(s)" in out
    assert "a certificate needs: pass 01-assessment" in out
    assert (ws.path / "reports" / "report.html").is_file() and (ws.path / "certificates" / "ana.html").is_file()
    assert main(["cohort", "list", "--home", str(cohort_home)]) == 0
    assert "autumn" in capsys.readouterr().out
