"""The reference list: every key resolves, unknown keys raise, and every key the course cites exists."""

import re

import pytest
import yaml

from course.data import references as refs
from course.data.claims import claims, verdicts
from course.paths import checkout, dataset

ROOT = checkout()


def _strings(data):
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            if key != "sources":  # YAML lists of keys, checked where they are loaded
                yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def _prose():
    """(name, text) a trainee or instructor reads: lessons and releases (cell text), cases, the data card,
    the claims, the thresholds and screening rules (their sentences), the README."""
    import nbformat

    from course.lessons import read_lesson

    for path in sorted((ROOT / "solutions").rglob("*.md")):
        yield path.name, "\n".join(c.source for c in read_lesson(path).cells if c.cell_type == "markdown")
    for path in sorted((ROOT / "modules").rglob("*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        yield path.name, "\n".join(c.source for c in cells if c.cell_type == "markdown")
    for path in [
        *sorted(dataset("cases").glob("*.json")),
        dataset("DATACARD.md"),
        dataset("claims.csv"),
        ROOT / "README.md",
    ]:
        yield path.name, path.read_text(encoding="utf-8")
    for name in ("thresholds.yaml", "screening_rules.yaml"):
        yield name, "\n".join(_strings(yaml.safe_load(dataset(name).read_text(encoding="utf-8"))))


def test_reference_rows_are_complete():
    table = refs.references()
    assert len(table) >= 60
    for key, ref in table.items():
        assert ref.short and ref.citation, key
        assert ref.evidence_tier in refs.TIER_ORDER, (key, ref.evidence_tier)


def test_cite_and_unknown_key():
    assert refs.cite("spitzer2006") == "Spitzer et al. 2006 [spitzer2006]"
    with pytest.raises(refs.UnknownReference, match="not a key in the course reference list"):
        refs.cite("spitzer2007")
    with pytest.raises(ValueError):
        refs.cite()


def test_one_helper_checks_citations_and_names_where():
    assert refs.check_citations("as shown [glue2017] and [glue2018]", "here") == ("glue2017", "glue2018")
    with pytest.raises(refs.UnknownReference, match=r"^lesson 03, cell x: 'nobody2020' is not a key"):
        refs.check_citations("a claim [nobody2020]", "lesson 03, cell x")
    with pytest.raises(refs.UnknownReference, match="row 4"):
        refs.check_keys("spitzer2006 nobody2020", "row 4")


def test_every_cited_key_in_the_course_text_resolves():
    missing = {}
    for name, text in _prose():
        try:
            refs.check_citations(text, name)
        except refs.UnknownReference as exc:
            missing[name] = str(exc)
    assert not missing, missing


def test_keys_are_cited_one_per_bracket():
    # "[a] [b]", never "[a, b]" or "[a; b]": one convention that every check and reader can rely on.
    joined = re.compile(r"\[[a-z][a-z0-9_]*\d[a-z0-9_]*[;,] *[a-z][a-z0-9_]*\]")
    offenders = {name: joined.findall(text) for name, text in _prose()}
    assert not {name: found for name, found in offenders.items() if found}


def test_claims_have_one_verdict_each_and_cite_their_basis():
    table = claims()
    assert table.index.is_unique
    assert set(table["verdict"]) <= set(verdicts())
    assert {"hours", "single_session", "rewiring", "intensive", "window"} <= set(table.index)
    for code, basis in table["basis"].items():
        assert refs.keys_in(basis), code
    for code, evidence in table["evidence"].items():  # shown before the trainee judges: cited, and no verdict
        assert refs.keys_in(evidence), code
        assert not [v for v in verdicts() if v in evidence.lower()], code
    assert list(verdicts()) == ["supported", "partly supported", "overstated", "not supported", "not tested"]
    with pytest.raises(ValueError, match="No claim 'nope'"):
        claims("nope")


def test_evidence_that_names_a_verdict_is_refused(tmp_path, monkeypatch):
    import csv

    from course.data import claims as claims_module

    rows = list(csv.DictReader(dataset("claims.csv").open(encoding="utf-8")))
    rows[0]["evidence"] += " This claim is overstated."
    path = tmp_path / "claims.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    monkeypatch.setattr(claims_module, "read_csv", lambda name, schema: list(csv.DictReader(path.open())))
    claims_module._claims.cache_clear()
    try:
        with pytest.raises(ValueError, match="names the verdict 'overstated'"):
            claims_module.claims()
    finally:
        claims_module._claims.cache_clear()


def test_trainee_text_cites_keys_not_worksheet_ids():
    # The evidence worksheet's fact ids (F4.5 ...) are provenance for reviewers, never shown to trainees.
    worksheet_id = re.compile(r"\bF\d\.\d+\b")
    for path in list((ROOT / "solutions").rglob("*.md")) + list((ROOT / "modules").rglob("*.ipynb")):
        assert not worksheet_id.search(path.read_text(encoding="utf-8")), path.name
