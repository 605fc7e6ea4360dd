"""Collection copies what nbgrader's own collect would, and refuses what it must not follow."""

import os
import pwd
import subprocess

import nbformat
import pytest

from course.cohort.exchange import collect
from course.cohort.grading import grade

from .conftest import MODULE, NOTEBOOK, correct, new_cohort
from .test_attacks import _inbound


@pytest.fixture
def trainee_user():
    if os.getuid() != 0:
        pytest.skip("needs root: trainees who are users of this machine can only be made by root")
    name = f"kapcol{os.getpid()}"
    subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True)
    yield pwd.getpwnam(name)
    subprocess.run(["userdel", name], check=False)


def test_limits_and_a_newer_clean_submission(cohort_home):
    ws = new_cohort(cohort_home, "limits", ["big", "fine"])
    with open(ws.course / "nbgrader_config.py", "a") as config:
        config.write("c.CourseDirectory.max_dir_size = 1000\nc.CourseDirectory.max_file_size = 600\n")
    notebook = nbformat.writes(correct(ws))
    _inbound(ws, "big", {NOTEBOOK: notebook, "a.bin": b"x" * 500_000, "b.bin": b"y" * 500_000})
    _inbound(ws, "fine", {NOTEBOOK: notebook, "huge.bin": b"z" * 700_000, "notes.txt": "mine"})
    result = collect(ws, MODULE)
    assert result.refused == {"big": "larger than CourseDirectory.max_dir_size in all"}
    assert sorted(p.name for p in (ws.course / "submitted" / "fine" / MODULE).iterdir()) == [
        NOTEBOOK,
        "notes.txt",
        "timestamp.txt",
    ], "a file over max_file_size is left out, as nbgrader does"
    assert any("huge.bin" in w for w in result.warnings), "nbgrader-style warnings are shown"
    assert not result.owners_checked and "owners not checked" in result.text()
    summary = grade(ws, MODULE, workers=1, progress=False)
    assert summary.records["big"].status == "refused"
    # A newer, clean submission replaces the refused one.
    _inbound(ws, "big", {NOTEBOOK: notebook}, timestamp="2030-01-02 12:00:00.000000 UTC")
    assert collect(ws, MODULE).refused == {}
    summary = grade(ws, MODULE, workers=1, progress=False)
    assert summary.records["big"].status == "needs-manual-grading", summary.records["big"].detail()


def test_a_trainees_own_files_are_collected_and_owners_checked(cohort_home, trainee_user):
    ws = new_cohort(cohort_home, "owners", [trainee_user.pw_name])
    folder = _inbound(ws, trainee_user.pw_name, {NOTEBOOK: nbformat.writes(correct(ws))})
    for path in [folder, *folder.iterdir()]:
        os.chown(path, trainee_user.pw_uid, trainee_user.pw_gid)
    result = collect(ws, MODULE)
    assert result.refused == {} and result.owners_checked and result.new == [trainee_user.pw_name]
