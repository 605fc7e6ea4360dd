"""Rosters are checked row by row before anything is written; workspaces live outside the repository,
side by side, with their own nbgrader course, gradebook and exchange."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.cli import main
from course.cohort import roster as rosters
from course.cohort.exchange import release
from course.cohort.workspace import Workspace, cohorts_home, list_cohorts
from course.paths import CHECKOUT as ROOT

from .conftest import AUTO_POINTS, MODULE, WRITTEN, new_cohort, write_roster

GOOD = "id,first_name,last_name,email,section\nt01,Ana,Lee,ana@example.org,A\nt02,Ben,Okafor,ben@example.org,B\n"


def test_a_good_roster_is_read_with_its_sections():
    trainees = rosters.parse_roster("\ufeff" + GOOD.replace("id,first", "ID,First"))
    assert [(t.id, t.name, t.section) for t in trainees] == [("t01", "Ana Lee", "A"), ("t02", "Ben Okafor", "B")]


@pytest.mark.parametrize(
    "text, message",
    [
        ("id,first_name,email\nt1,A,a@x.org\n", "lacks last_name"),
        (GOOD + "t01,Cai,Wu,cai@example.org,\n", "row 4: id 't01' is already used in row 2"),
        (GOOD + ",,,,\n", "row 4 is empty"),
        (GOOD + "t 03,Cai,Wu,cai@example.org,\n", "row 4: id 't 03' may only use"),
        (GOOD + "t+03,Cai,Wu,cai@example.org,\n", "row 4: id 't+03' may only use"),
        (GOOD + ".t03,Cai,Wu,cai@example.org,\n", "row 4: id '.t03' may only use"),
        (GOOD + "t03,,Wu,cai@example.org,\n", "row 4: first_name is empty"),
        (GOOD + "t03,Cai,Wu,not-an-email,\n", "row 4: email 'not-an-email' is not an email address"),
        (GOOD + "t03,Cai,Wu,cai@example.org,A,extra\n", "row 4 has more values"),
        ("id,first_name,last_name,email\n", "lists no trainees"),
    ],
)
def test_bad_rosters_are_refused_with_the_row_named(text, message):
    with pytest.raises(ValueError, match="nothing was changed|needs the columns|lists no trainees") as err:
        rosters.parse_roster(text)
    assert message in str(err.value)


def test_every_problem_is_reported_at_once():
    text = GOOD + "t01,A,B,x@y.org,\n,,,,\nbad id,A,B,x@y.org,\n"
    with pytest.raises(ValueError) as err:
        rosters.parse_roster(text)
    assert "3 problem(s)" in str(err.value) and "row 4" in str(err.value) and "row 6" in str(err.value)


@given(st.lists(st.from_regex(rosters.ID_PATTERN, fullmatch=True), min_size=1, max_size=8, unique=True))
def test_valid_ids_survive_a_write_and_read(tmp_path_factory, ids):
    path = tmp_path_factory.mktemp("roster") / "roster.csv"
    trainees = [rosters.Trainee(i, "First", "Last", "a@b.org") for i in ids]
    rosters.write_roster(path, trainees)
    assert rosters.read_roster(path) == trainees


def test_roster_changes_are_compared():
    old = rosters.parse_roster(GOOD)
    new = rosters.parse_roster(
        GOOD.replace("Ben,Okafor", "Benjamin,Okafor").replace("t01,Ana,Lee,ana@example.org,A\n", "")
        + "t03,Cai,Wu,cai@example.org,A\n"
    )
    change = rosters.compare(old, new)
    assert [t.id for t in change.added] == ["t03"] and [t.id for t in change.removed] == ["t01"]
    assert [(a.first_name, b.first_name) for a, b in change.updated] == [("Ben", "Benjamin")]
    assert "first_name 'Ben' -> 'Benjamin'" in change.summary() and "stay in the gradebook" in change.summary()


def test_new_cohort_makes_a_complete_workspace(cohort_home):
    ws = Workspace.create("spring", write_roster(cohort_home.parent / "r.csv", ["t1", "t2"]), timeout=42)
    assert ws.path == cohort_home / "spring" and cohort_home == cohorts_home()
    assert ws.path.stat().st_mode & 0o777 == 0o700, "trainees' work and grades are private to the instructor"
    config = (ws.course / "nbgrader_config.py").read_text()
    assert "c.Execute.timeout = 42" in config and "course.cohort.feedback.HideTests" in config
    assert f"c.Exchange.root = {str(ws.path / 'exchange')!r}" in config
    assert ws.settings.db_url == f"sqlite:///{ws.course / 'gradebook.db'}" and ws.sqlite_file.is_file()
    assert ws.config().CourseDirectory.course_id == "spring"
    with ws.gradebook() as gb:
        assert sorted(s.id for s in gb.students) == ["t1", "t2"]
    assert json.loads((ws.path / "cohort.json").read_text())["pass_fraction"] == 0.7


def test_cohorts_live_side_by_side_and_can_share_a_database_url(cohort_home, tmp_path):
    shared = tmp_path / "shared.db"
    a = Workspace.create("a", write_roster(tmp_path / "a.csv", ["x1"]))
    b = Workspace.create("b", write_roster(tmp_path / "b.csv", ["y1", "y2"]), db_url=f"sqlite:///{shared}")
    assert [w.name for w in list_cohorts()] == ["a", "b"]
    assert shared.is_file() and not (b.course / "gradebook.db").exists()
    with a.gradebook() as ga, b.gradebook() as gb:
        assert [s.id for s in ga.students] == ["x1"] and [s.id for s in gb.students] == ["y1", "y2"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(name="bad name"), "cohort name"),
        (dict(db_url="not a url"), "is not a database URL"),
        (dict(home=ROOT / "cohorts"), "outside the repository"),
    ],
)
def test_a_refused_cohort_leaves_nothing_behind(cohort_home, tmp_path, kwargs, message):
    roster = write_roster(tmp_path / "r.csv", ["t1"])
    with pytest.raises(ValueError, match=message):
        Workspace.create(**{"name": "ok", "roster_csv": roster, **kwargs})
    assert not cohort_home.exists() or list(cohort_home.iterdir()) == []
    assert not (ROOT / "cohorts").exists()


def test_the_cli_refuses_a_bad_roster_and_an_existing_name(cohort_home, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD + "t01,Dup,Dup,dup@example.org,\n")
    assert main(["cohort", "new", "c1", "--roster", str(bad)]) == 1
    assert "row 4: id 't01' is already used in row 2" in capsys.readouterr().err
    assert not (cohort_home / "c1").exists()
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    assert main(["cohort", "new", "c1", "--roster", str(good)]) == 0
    assert main(["cohort", "new", "c1", "--roster", str(good)]) == 1
    assert "already exists" in capsys.readouterr().err


def test_the_roster_command_adds_renames_and_reports_removed(cohort_home, tmp_path, capsys):
    first = tmp_path / "first.csv"
    first.write_text(GOOD)
    assert main(["cohort", "new", "c2", "--roster", str(first)]) == 0
    second = tmp_path / "second.csv"
    second.write_text(
        "id,first_name,last_name,email\nt02,Benjamin,Okafor,ben@example.org\nt03,Cai,Wu,cai@example.org\n"
    )
    assert main(["cohort", "roster", "c2", str(second)]) == 0
    out = capsys.readouterr().out
    assert "1 added, 1 updated, 1 removed" in out and "t01 (Ana Lee): no longer on the roster" in out
    ws = Workspace.open("c2")
    assert [t.id for t in ws.roster()] == ["t02", "t03"]
    with ws.gradebook() as gb:
        assert sorted(s.id for s in gb.students) == ["t01", "t02", "t03"]
        assert gb.find_student("t02").first_name == "Benjamin"


def test_a_module_is_released_once_unless_forced(cohort_home):
    ws = new_cohort(cohort_home, "twice", ["t1"])
    with pytest.raises(ValueError, match="already released"):
        release(ws, MODULE)
    again = release(ws, MODULE, force=True)
    assert again.outbound.is_dir() and again.auto_points == AUTO_POINTS and again.manual_points == sum(WRITTEN.values())
    with pytest.raises(ValueError, match="No module"):
        release(ws, "99-nothing")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"pass_fraction": 1.5}, "pass_fraction"),
        ({"memory_mb": 10}, "memory limit"),
        ({"isolate": "yes"}, "isolate"),
        ({"passmark": 0.5}, "does not know: passmark"),
    ],
)
def test_edited_settings_are_checked_when_the_cohort_opens(cohort_home, tmp_path, change, message):
    ws = Workspace.create("edited", write_roster(tmp_path / "r.csv", ["t1"]))
    settings = ws.path / "cohort.json"
    settings.write_text(json.dumps({**json.loads(settings.read_text()), **change}))
    with pytest.raises(ValueError, match=message):
        Workspace.open("edited")
