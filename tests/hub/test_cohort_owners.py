"""`course cohort` as root on a hub machine: what it makes in a workspace the grader account owns is handed back to
that account, and nothing else changes owner (course/cohort/owners.py). The hub test runs the real thing; this
checks the edges without a hub."""

import os
from pathlib import Path

import pytest

from course.cli import main
from course.cohort.owners import hand_back

GRADER = 65534  # nobody: any account but root will do
TRAINEE = 54321

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="changes file owners: run as root (CI does)")


@pytest.fixture
def cohort(tmp_path):
    home, exchange = tmp_path / "cohorts", tmp_path / "exchange"
    home.mkdir(mode=0o700)
    os.chown(home, GRADER, GRADER)
    exchange.mkdir()
    exchange.chmod(0o1777)
    roster = tmp_path / "roster.csv"
    roster.write_text("id,first_name,last_name,email\nana,Ana,Lee,ana@example.org\n")
    assert (
        main(["cohort", "new", "spring", "--roster", str(roster), "--home", str(home), "--exchange", str(exchange)])
        == 0
    )
    return home / "spring", exchange / "spring"


def owners(top: Path) -> set[int]:
    return {os.lstat(top).st_uid} | {os.lstat(p).st_uid for p in top.rglob("*")}


def test_a_workspace_root_makes_in_the_graders_cohorts_home_is_the_graders(cohort):
    workspace, _ = cohort
    assert owners(workspace) == {GRADER}


def test_root_made_files_are_handed_back_and_nothing_else_changes_owner(cohort, tmp_path):
    workspace, exchange = cohort
    (workspace / "autograded" / "ana").mkdir(parents=True)
    (workspace / "autograded" / "ana" / "notebook.ipynb").write_text("{}")
    target = tmp_path / "roots-own-file"
    target.write_text("root's")
    (workspace / "a-link").symlink_to(target)
    (exchange / "outbound" / "01-assessment").mkdir(parents=True)
    (exchange / "inbound").mkdir(exist_ok=True)
    submission = exchange / "inbound" / "ana+01-assessment+2030"
    submission.mkdir()
    os.chown(submission, TRAINEE, TRAINEE)
    stray = exchange / "inbound" / "made-by-root"
    stray.write_text("")

    assert hand_back("spring", workspace.parent) > 0
    assert owners(workspace) == {GRADER}
    assert os.stat(target).st_uid == 0, "a link is handed over, never what it points to"
    assert {
        os.lstat(p).st_uid
        for p in (exchange, exchange / "outbound", exchange / "outbound" / "01-assessment", exchange / "inbound")
    } == {GRADER}
    assert os.lstat(submission).st_uid == TRAINEE, "trainees' submissions keep their owners"
    assert os.lstat(stray).st_uid == 0, "nothing inside inbound/ is touched"
    assert hand_back("spring", workspace.parent) == 0


def test_nothing_changes_when_the_workspace_is_roots(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,first_name,last_name,email\nana,Ana,Lee,ana@example.org\n")
    assert main(["cohort", "new", "spring", "--roster", str(roster), "--home", str(tmp_path / "cohorts")]) == 0
    assert owners(tmp_path / "cohorts" / "spring") == {0}
    assert hand_back("spring", tmp_path / "cohorts") == 0
    assert hand_back("no-such-cohort", tmp_path / "cohorts") == 0


def test_root_refuses_a_workspace_with_a_link_in_it(cohort, tmp_path, capsys):
    workspace, exchange = cohort
    roster = tmp_path / "roster.csv"
    (workspace / "reports").mkdir()
    planted = workspace / "reports" / "report.html"
    planted.symlink_to(tmp_path / "somewhere-root-would-write")
    assert main(["cohort", "roster", "spring", str(roster), "--home", str(workspace.parent)]) == 1
    assert f"symbolic links, which a command run as root would follow: {planted}" in capsys.readouterr().err
    planted.unlink()
    (exchange / "outbound").mkdir(parents=True, exist_ok=True)
    (exchange / "outbound" / "01-assessment").symlink_to(tmp_path)
    assert main(["cohort", "roster", "spring", str(roster), "--home", str(workspace.parent)]) == 1
    (exchange / "outbound" / "01-assessment").unlink()
    (exchange / "inbound").mkdir(exist_ok=True)
    (exchange / "inbound" / "trainee-link").symlink_to(tmp_path)  # trainees' folder: collection refuses links
    assert main(["cohort", "roster", "spring", str(roster), "--home", str(workspace.parent)]) == 0
