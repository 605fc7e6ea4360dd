"""What a program needs to accredit a workshop: the provider file, the activity's pages, disclosures before module 00,
the pass mark announced, and certificates with every field ANCC lists, issued only for the whole required course."""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path

import nbformat
import pytest

from course.cohort.certificates import certificate_html, completed, completion_dates, requirement, write_certificates
from course.cohort.exchange import release
from course.cohort.results import collect_data
from course.cohort.workspace import Workspace
from course.data.files import DataFileError
from course.data.provider import NOT_ACCREDITED, Provider, load_provider
from course.data.syllabus import course_title, teaching_modules

from .conftest import write_roster

STATEMENT = (
    "Example Health Education is accredited as a provider of nursing continuing professional development by "
    "the American Nurses Credentialing Center's Commission on Accreditation."
)

PROVIDER = f"""name: Example Health Education
address: 12 Harbour Street, Springfield, ST 00000
contact: cpd@example.org
dates: {{start: "2030-03-02", end: "2030-04-27"}}
accreditation:
  statement: "{STATEMENT}"
  credit_type: ANCC contact hours
  hours: 7.5
modules: [01-assessment]
disclosures:
- {{name: Dr A. Planner, role: planner, relationships: [], mitigation: ""}}
- {{name: Dr B. Faculty, role: faculty, relationships: ["Speaker fees, Example Pharma"],
   mitigation: "Content peer-reviewed by a planner without relationships"}}
"""


@pytest.fixture
def provider_file(tmp_path) -> Path:
    path = tmp_path / "provider.yaml"
    path.write_text(PROVIDER)
    return path


def test_a_provider_file_is_read_and_checked(provider_file, tmp_path):
    provider = load_provider(provider_file)
    assert provider.accredited and provider.hours == 7.5 and provider.modules == ("01-assessment",)
    assert provider.start == date(2030, 3, 2) and "Speaker fees" in provider.disclosures_markdown()
    bad = tmp_path / "bad.yaml"
    bad.write_text(PROVIDER.replace('end: "2030-04-27"', 'end: "2030-01-01"'))
    with pytest.raises(DataFileError, match="before the start"):
        load_provider(bad)
    bad.write_text(PROVIDER.replace("address: 12 Harbour Street, Springfield, ST 00000\n", ""))
    with pytest.raises(DataFileError, match="address"):
        load_provider(bad)


def test_the_default_provider_claims_no_accreditation():
    provider = load_provider(None)
    assert not provider.accredited and provider.statement == NOT_ACCREDITED
    assert "not accredited" in provider.disclosures_markdown()


def test_new_with_a_provider_writes_the_activity_pages_and_a_start_page(provider_file, tmp_path):
    ws = Workspace.create(
        "accredited",
        write_roster(tmp_path / "roster.csv", ["ana"]),
        home=tmp_path / "cohorts",
        provider=provider_file,
        pass_fraction=0.8,
    )
    assert ws.provider().accredited
    needs = (ws.path / "activity" / "needs-and-objectives.html").read_text()
    disclosures = (ws.path / "activity" / "disclosures.html").read_text()
    for page in (needs, disclosures):
        for field in (
            "Example Health Education",
            "12 Harbour Street",
            "2030-03-02",
            "7.5 ANCC contact hours",
            "Commission on Accreditation",
            "80% of the points",
        ):
            assert field in page, field
    assert "practice gap" in needs.lower() and "Assessment and eligibility" in needs
    assert "Assessment and eligibility" in needs and "Dosing frameworks" not in needs, "only the declared modules"
    assert "Speaker fees, Example Pharma" in disclosures and "peer-reviewed" in disclosures
    start = nbformat.read(ws.path / "activity" / "start-here.ipynb", as_version=4)
    ids = [c.id for c in start.cells]
    assert ids.index("disclosures") < ids.index("modules"), "disclosures come before module 00"
    assert "Speaker fees" in start.cells[ids.index("disclosures")].source
    assert "80%" in start.cells[0].source and "Assignment List" in start.cells[ids.index("modules")].source


def test_without_a_provider_every_page_says_not_accredited(tmp_path):
    ws = Workspace.create("plain", write_roster(tmp_path / "roster.csv", ["ana"]), home=tmp_path / "cohorts")
    assert not ws.provider_file.exists()
    assert NOT_ACCREDITED in (ws.path / "activity" / "disclosures.html").read_text()
    start = nbformat.read(ws.path / "activity" / "start-here.ipynb", as_version=4)
    assert "not accredited" in "".join(c.source for c in start.cells)


def test_released_modules_announce_the_pass_mark_and_the_first_ones_the_disclosures(provider_file, tmp_path):
    ws = Workspace.create(
        "released",
        write_roster(tmp_path / "roster.csv", ["ana"]),
        home=tmp_path / "cohorts",
        provider=provider_file,
        pass_fraction=0.75,
    )
    release(ws, "00-orientation")
    release(ws, "01-assessment")
    first = nbformat.read(next((ws.release_dir("00-orientation")).glob("*.ipynb")), as_version=4)
    second = nbformat.read(next((ws.release_dir("01-assessment")).glob("*.ipynb")), as_version=4)
    assert first.cells[0].id == "preface" and "Speaker fees" in first.cells[0].source
    assert "preface" not in [c.id for c in second.cells], "disclosures once, before module 00"
    for nb in (first, second):
        passing = next(c for c in nb.cells if c.id == "pass-mark")
        assert "75% of its points" in passing.source


# -- certificates --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data(graded_cohort):
    return collect_data(graded_cohort)


def test_no_certificate_until_every_module_of_the_course_is_passed(graded_cohort, data):
    """Only module 01 was released and passed: the course is not complete, so nobody gets a certificate."""
    assert requirement(Provider(), data).modules == tuple(m.id for m in teaching_modules())
    assert completed(data) == []
    assert write_certificates(graded_cohort, data) == []


def test_a_declared_subset_is_certified_and_named(data, provider_file):
    provider = load_provider(provider_file)
    dates = completion_dates(data, requirement(provider, data))
    assert sorted(dates) == ["ana", "ben"], "cai failed, dee waits for manual grading, eli and fay have no grade"
    assert dates["ana"] == date(2030, 1, 1), "the completion date is the last required submission's"
    page = certificate_html("graded", data, "ana", provider, dates["ana"], date(2030, 5, 1))
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())  # as a browser shows it
    ana = data.table.set_index("trainee").loc["ana"]
    for field in (
        "First0 Last0",
        course_title(),
        "02 March 2030 to 27 April 2030",
        "Date of completion",
        "01 January 2030",
        "Example Health Education",
        "12 Harbour Street, Springfield",
        "cpd@example.org",
        "7.5 ANCC contact hours",
        STATEMENT,
        "the modules this program declared (1 of 6)",
        f"01-assessment Assessment and eligibility: {ana.score:g} of {ana.max_score:g} points",
        "Issued 01 May 2030",
        "not a licence",
    ):
        assert field in text, field


def test_an_unaccredited_certificate_says_so(data):
    page = certificate_html(
        "graded", data, "ana", Provider(modules=("01-assessment",)), date(2030, 1, 1), date(2030, 1, 2)
    )
    assert "none (this activity is not accredited)" in page and NOT_ACCREDITED in page and "self-paced" in page
