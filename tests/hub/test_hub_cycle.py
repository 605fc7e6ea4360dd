"""The workshop hub of deploy/vm, for real: JupyterHub 5 on 127.0.0.1 with PAM logins, an instructor (the
grader account), two trainees, a shared exchange, the formgrader as a hub service, and a cohort run with
`course cohort` from `new` to `certificates`, as the README's VM section has it.

Runs as root (as CI does): it creates throw-away Linux users with deploy/vm/add_users.sh and removes them
afterwards (tests/hub/hub_harness.py). Trainees log in through the hub and work through their own single-user
servers (the Assignment List panel's REST calls, Jupyter's contents API). The instructor side is `course
cohort`: as root (the program lead's `sudo course cohort ...`, so grading gives each kernel a user of its own)
and as the grader account in a terminal of the course service; written answers are graded in the
formgrader through the hub. Spawn times and memory are written to test-artifacts/hub-sizing.json.
"""

import csv
import io
import json
import os
import pwd
import re
import stat
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from conftest import typed_in
from hub_harness import descendants, owned_by, rss_mib, run_as, run_in_kernel, running_hub
from nbgrader.api import Gradebook

from course.data.syllabus import module
from course.lessons import source_notebook
from course.paths import CHECKOUT as ROOT

COHORT = "kap-spring"  # the cohort's name is the course id everywhere on the hub (KAP_COURSE_ID)
MODULE = "01-assessment"
NOTEBOOK = module(MODULE).notebook
KERNEL_CODE = (
    "from course import scales, screening, plots, widgets\n"
    "from course.data.patients import load_patients\nload_patients()"
)
COMMENT = "Clear reasoning on both written answers."
STATEMENT = "Example Health Education is accredited by the Example Board (test statement)."
# The program declares a subset: module 01 alone earns the certificate (docs/programs.md, modules:).
PROVIDER = f"""name: Example Health Education
address: 12 Harbour Street, Springfield, ST 00000
contact: cpd@example.org
dates: {{start: "2030-03-02", end: "2030-04-27"}}
accreditation:
  statement: "{STATEMENT}"
  credit_type: ANCC contact hours
  hours: 1.5
modules: [{MODULE}]
disclosures:
- {{name: Dr A. Planner, role: planner, relationships: [], mitigation: ""}}
"""

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="creates Linux users: run as root (CI does)")


@pytest.fixture(scope="module")
def hub():
    with running_hub(2, provider=PROVIDER, cohort=COHORT) as running:
        for user in running.trainees:
            running.measured[user] = _measure_server(running, user)
        pids = descendants(running.proc.pid)
        running.measured.update(
            hub_mib=round(rss_mib(running.proc.pid)),
            formgrader_service_mib=round(rss_mib(running.service_pid())),
            proxy_mib=round(sum(map(rss_mib, owned_by(pids, "root", "configurable-http-proxy")))),
        )
        yield running


def _measure_server(hub, user: str) -> dict:
    seconds = hub.spawn(user)
    assert hub.get(user, f"/user/{user}/lab").ok
    idle = rss_mib(hub.server_pid(user))
    replies, kernel = run_in_kernel(hub, user, [KERNEL_CODE])
    assert [r["status"] for r in replies] == ["ok"], replies
    return {
        "spawn_s": round(seconds, 1),
        "idle_lab_mib": round(idle),
        "lab_with_course_kernel_mib": round(rss_mib(hub.server_pid(user)) + rss_mib(kernel)),
        "kernel_mib": round(rss_mib(kernel)),
    }


def _grade_written_answers(hub, trainee: str) -> list[dict]:
    """What an instructor does in the formgrader (the course service, through the hub): full marks for each
    written answer of ``trainee`` and a comment on the first."""
    api = f"/services/{COHORT}/formgrader/api"
    notebooks = hub.get(hub.instructor, f"{api}/submitted_notebooks/{MODULE}/{NOTEBOOK[:-6]}")
    assert notebooks.ok, notebooks.text
    submission = next(n for n in notebooks.json() if n["student"] == trainee)
    grades = hub.get(hub.instructor, f"{api}/grades", params={"submission_id": submission["id"]}).json()
    written = [g for g in grades if g["needs_manual_grade"]]
    for grade in written:
        saved = hub.put(hub.instructor, f"{api}/grade/{grade['id']}", json={"manual_score": grade["max_score"]})
        assert saved.ok, saved.text
    comments = hub.get(hub.instructor, f"{api}/comments", params={"submission_id": submission["id"]}).json()
    first = next(c for c in comments if c["name"] == written[0]["name"])
    assert hub.put(hub.instructor, f"{api}/comment/{first['id']}", json={"manual_comment": COMMENT}).ok
    return written


def _owned_by_root(top: Path, skip: str | None = None) -> list[str]:
    found = []
    for folder, dirs, files in os.walk(top):
        if skip in dirs and Path(folder) == top:
            dirs.remove(skip)
        found += [str(Path(folder) / n) for n in dirs + files if os.lstat(Path(folder) / n).st_uid == 0]
    return found


@pytest.fixture(scope="module")
def cycle(hub):
    """The cohort's cycle as the people on the hub run it; returns what each step printed and showed."""
    timings, out, t1 = {}, {}, hub.trainees[0]

    def timed(step, action, *args):
        start = time.monotonic()
        result = action(*args)
        timings[step] = round(time.monotonic() - start, 1)
        return result

    # The grader account releases, in a terminal of the course service (no --home: the service sets it).
    out["release"] = timed("release", hub.cohort_as_grader, "release", COHORT, MODULE).stdout
    path = f"{COHORT}/{MODULE}/{NOTEBOOK}"
    for trainee in hub.trainees:
        fetched = timed(f"fetch_{trainee}", hub.assignments, trainee, "fetch", MODULE)
        assert any(a["status"] == "fetched" and a["assignment_id"] == MODULE for a in fetched), fetched
    # Trainee 1 answers everything (typed into the notebook it fetched, saved as JupyterLab saves);
    # trainee 2 submits the notebook untouched.
    released = hub.get(t1, f"/user/{t1}/api/contents/{path}").json()["content"]
    with tempfile.TemporaryDirectory() as tmp:
        nbformat.write(nbformat.from_dict(released), Path(tmp) / NOTEBOOK)
        answered = typed_in(Path(tmp) / NOTEBOOK, source_notebook(MODULE))
    saved = hub.put(
        t1, f"/user/{t1}/api/contents/{path}", json={"type": "notebook", "format": "json", "content": answered}
    )
    assert saved.ok, saved.text
    for trainee in hub.trainees:
        submitted = timed(f"submit_{trainee}", hub.assignments, trainee, "submit", MODULE)
        assert any(a["status"] == "submitted" for a in submitted), submitted

    # The program lead, as root: collect and grade (kernels as users of their own), certificates too early.
    out["collect"] = timed("collect", hub.cohort_as_root, "collect", COHORT, MODULE).stdout
    out["grade"] = timed("grade", hub.cohort_as_root, "grade", COHORT, MODULE).stdout
    # An instructor without root grades again in the course service's terminal, over what root made.
    out["regrade"] = timed("regrade_as_grader", hub.cohort_as_grader, "grade", COHORT, MODULE, "--regrade").stdout
    out["certificates_early"] = hub.cohort_as_root("certificates", COHORT).stdout
    out["written"] = timed("formgrader", _grade_written_answers, hub, t1)
    # Feedback from the grader account, over what root collected and graded (handed back to it).
    out["feedback"] = timed("feedback", hub.cohort_as_grader, "feedback", COHORT, MODULE).stdout
    out["fetched_feedback"] = {}
    for trainee in hub.trainees:
        listed = timed(f"fetch_feedback_{trainee}", hub.assignments, trainee, "fetch_feedback", MODULE)
        local = [
            s["local_feedback_path"] for a in listed for s in a.get("submissions", []) if s.get("has_local_feedback")
        ]
        assert len(local) == 1, listed
        out["fetched_feedback"][trainee] = hub.get(
            trainee,
            f"/user/{trainee}/api/contents/{local[0]}/{NOTEBOOK[:-6]}.html",
            params={"format": "text", "type": "file"},
        ).json()["content"]
    for command in ("report", "export", "certificates"):
        out[command] = timed(command, hub.cohort_as_root, command, COHORT).stdout
    out["root_owned"] = _owned_by_root(hub.workspace) + _owned_by_root(hub.exchange / COHORT, skip="inbound")
    out["timings"], out["path"] = timings, path
    return out


def _record(name: str, measured: dict) -> None:
    """Keep a measurement in test-artifacts/ (git-ignored) and show it with `pytest -s`."""
    out = ROOT / "test-artifacts" / name
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(measured, indent=2))
    print(f"\n{name}: {json.dumps(measured)}")


def _page_config(html: str) -> dict:
    """The JupyterLab page configuration embedded in a /lab page."""
    start = html.index('<script id="jupyter-config-data" type="application/json">')
    return json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])


# --- the tests -------------------------------------------------------------------------------------


def test_pam_login_accepts_the_password_and_refuses_a_wrong_one(hub):
    trainee = hub.trainees[0]
    assert hub.login(trainee, hub.passwords[trainee])[0] == 302
    assert hub.login(trainee, hub.passwords[trainee] + "x")[0] == 403
    assert hub.login("kaptest_nobody", "x")[0] == 403


def test_trainee_servers_spawn_within_the_configured_limits(hub):
    limit_mib = 1024  # KAP_MEM_LIMIT's default, 1G: the sizing in deploy/README.md rests on it
    _record("hub-sizing.json", hub.measured)
    for size in (hub.measured[user] for user in hub.trainees):
        assert 0 < size["idle_lab_mib"] < size["lab_with_course_kernel_mib"] < limit_mib, size


def test_the_cohort_is_the_hubs_course_and_its_workspace_belongs_to_the_grader(hub):
    assert f"course id: {COHORT}" in hub.new_output and f"exchange:  {hub.exchange}" in hub.new_output
    grader = pwd.getpwnam(hub.instructor).pw_uid
    info = hub.workspace.stat()
    assert (info.st_uid, stat.S_IMODE(info.st_mode)) == (grader, 0o700), "made by root, handed to the grader"
    # The course service (the formgrader) runs in the cohort's course folder, with the cohorts home set.
    service = hub.service_pid()
    assert os.readlink(f"/proc/{service}/cwd") == str(hub.course_root)
    env = Path(f"/proc/{service}/environ").read_text().split("\0")
    assert f"KAP_COHORTS_HOME={hub.cohorts}" in env


def test_formgrader_service_is_for_instructors_only_and_only_it_may_be_framed(hub):
    trainee, service = hub.trainees[0], f"/services/{COHORT}"
    grader = hub.get(hub.instructor, f"{service}/formgrader")
    assert grader.status_code == 200
    assert grader.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    assert hub.get(trainee, f"{service}/formgrader").status_code == 403
    own = hub.get(trainee, f"/user/{trainee}/lab")
    assert own.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert hub.get(trainee, f"/user/{trainee}/formgrader").status_code == 404
    panels = {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"}
    assert panels <= set(_page_config(own.text)["disabledExtensions"]), "grader panels must be off for trainees"
    service_lab = _page_config(hub.get(hub.instructor, f"{service}/lab").text)
    assert not panels & set(service_lab["disabledExtensions"])
    # nbgrader's auth plugin sees the course groups.
    assert hub.get(trainee, f"/hub/api/users/{trainee}").json()["groups"] == [f"nbgrader-{COHORT}"]


def test_collect_checks_owners_and_grading_as_root_gives_kernels_users_of_their_own(hub, cycle):
    """Grading as root (each kernel a user of its own) and again as the grader account (kernels as that account,
    in bubblewrap's user namespace) give the same statuses."""
    _record("hub-cycle-timings.json", cycle["timings"])
    assert "released 01-assessment: assessment.ipynb" in cycle["release"]
    assert (
        "collected 01-assessment: 2 new, 0 updated, 0 unchanged; 0 on the roster have not submitted" in cycle["collect"]
    )
    assert "owners not checked" not in cycle["collect"] and "REFUSED" not in cycle["collect"]
    grade = cycle["grade"]
    print(f"\n{grade}")  # the sandbox line says what protected the kernels here (pytest -s shows it)
    assert re.search(r"needs manual grading +1\n", grade) and re.search(r"\n +graded +1\n", grade), grade
    assert "kernels run as users of their own without capabilities" in grade
    assert "NOT ISOLATED" not in grade
    regrade = cycle["regrade"]
    assert "checked 2 submission(s)" in regrade and "kernels run as the grading user" in regrade, regrade
    assert re.search(r"needs manual grading +1\n", regrade) and re.search(r"\n +graded +1\n", regrade), regrade
    # Whatever root made is the grader account's again (the formgrader and `course cohort` as the grader
    # share it); trainees' submissions in the exchange keep their owners.
    assert cycle["root_owned"] == []
    for trainee in hub.trainees:
        submission = next((hub.exchange / COHORT / "inbound").glob(f"{trainee}+{MODULE}+*"))
        assert submission.stat().st_uid == pwd.getpwnam(trainee).pw_uid


def test_grades_reach_the_gradebook_report_exports_and_feedback(hub, cycle):
    t1, t2 = hub.trainees
    assert len(cycle["written"]) == 2, "module 01 has two written answers"
    with Gradebook(f"sqlite:///{hub.course_root / 'gradebook.db'}", COHORT) as gb:
        answered, blank = gb.find_submission(MODULE, t1), gb.find_submission(MODULE, t2)
        assert answered.score == answered.max_score > 0 and not answered.needs_manual_grade
        assert blank.score == 0
        scores = {t1: (answered.score, answered.max_score), t2: (blank.score, blank.max_score)}
    grades = (hub.workspace / "exports" / "grades.csv").read_text()
    rows = {r["trainee"]: r for r in csv.DictReader(io.StringIO(grades))}
    assert (rows[t1]["status"], rows[t1]["passed"], float(rows[t1]["score"])) == ("graded", "True", scores[t1][0])
    assert (rows[t2]["passed"], float(rows[t2]["score"])) == ("False", 0.0)
    assert "wrote" in cycle["report"] and "1 who may need help" in cycle["report"]
    report = (hub.workspace / "reports" / "report.html").read_text()
    assert t1 in report and t2 in report
    assert "2 released to the exchange" in cycle["feedback"]
    # Each trainee's fetched feedback carries that trainee's own score and no hidden test; trainee 1's has the
    # instructor's comment from the formgrader.
    for trainee, (score, max_score) in scores.items():
        page = cycle["fetched_feedback"][trainee]
        assert f"{NOTEBOOK[:-6]} (Score: {round(score, 2)} / {round(max_score, 2)})" in page
        assert "HIDDEN TESTS" not in page
    assert COMMENT in cycle["fetched_feedback"][t1] and COMMENT not in cycle["fetched_feedback"][t2]


def test_a_certificate_only_for_the_trainee_who_passed_the_declared_modules(hub, cycle):
    t1, t2 = hub.trainees
    # Before the written answers were graded, trainee 1's module was not complete: no certificate.
    assert "wrote 0 certificate(s)" in cycle["certificates_early"]
    assert "wrote 1 certificate(s)" in cycle["certificates"]
    folder = hub.workspace / "certificates"
    assert sorted(p.name for p in folder.iterdir()) == [f"{t1}.html"]
    page = (folder / f"{t1}.html").read_text()
    assert "the modules this program declared (1 of" in page and f"{MODULE} Assessment and eligibility" in page
    assert STATEMENT in page and "12 Harbour Street" in page and "1.5 ANCC contact hours" in page


def test_one_trainee_cannot_read_another_trainees_work(hub, cycle):
    t1, t2 = hub.trainees
    home = Path(pwd.getpwnam(t1).pw_dir)
    inbound = hub.exchange / COHORT / "inbound"
    submission = next(inbound.glob(f"{t1}+{MODULE}+*"))  # root can list it; the trainees cannot
    # What trainee 2 tries to read, and whether trainee 1 (the owner) can.
    targets = {
        "fetched and answered notebook": (home / cycle["path"], True),
        "submission kept in the nbgrader cache": (
            next(home.glob(f".local/share/jupyter/nbgrader_cache/{COHORT}/{t1}+{MODULE}*/{NOTEBOOK}")),
            True,
        ),
        "feedback": (next(home.glob(f"{COHORT}/{MODULE}/feedback/*/*.html")), True),
        "list of submissions in the exchange": (inbound, False),
        "gradebook (course root)": (hub.course_root / "gradebook.db", False),
        "source with hidden tests (course root)": (hub.course_root / "source" / MODULE / NOTEBOOK, False),
        "the cohort's grades (workspace)": (hub.workspace / "exports" / "grades.csv", False),
        "certificate (workspace)": (hub.workspace / "certificates" / f"{t1}.html", False),
    }
    probe = (
        "import json, os, sys\nout = {}\nfor p in sys.argv[1:]:\n"
        "    try:\n        os.listdir(p) if os.path.isdir(p) else open(p, 'rb').read(1)\n"
        "        out[p] = True\n    except PermissionError:\n        out[p] = False\nprint(json.dumps(out))"
    )

    def readable_by(user):
        paths = [str(path) for path, _ in targets.values()]
        done = run_as(
            user,
            [sys.executable, "-c", probe, *paths],
            {"PATH": "/usr/bin:/bin", "HOME": pwd.getpwnam(user).pw_dir},
            "/",
        )
        assert done.returncode == 0, done.stderr
        read = json.loads(done.stdout)
        return {what: read[str(path)] for what, (path, _) in targets.items()}

    others = readable_by(t2)
    assert not any(others.values()), f"trainee 2 could read: {others}"
    # The probe itself works: the owner reads its own files (and is kept out of the rest too).
    assert readable_by(t1) == {what: owner for what, (_, owner) in targets.items()}
    # What permissions do NOT protect: a submission folder in the exchange is readable by anyone who
    # knows its name; the name carries a random suffix and the folder above cannot be listed.
    assert stat.S_IMODE(submission.stat().st_mode) == 0o777
