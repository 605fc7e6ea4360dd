"""The reference list: every key resolves, unknown keys raise, and every key the code uses exists."""
import re
from pathlib import Path

import pytest

from course import ROOT, evidence

TIERS = {"meta-analysis", "systematic review", "RCT", "non-randomised trial", "observational", "case series",
         "validation study", "survey", "guideline", "product label", "consensus statement",
         "practitioner source", "preclinical", "narrative review", "trial registry", "statistics page"}


def test_reference_rows_are_complete():
    refs = evidence.references()
    assert len(refs) >= 60
    for key, ref in refs.items():
        assert re.fullmatch(r"[a-z0-9_]+", key)
        assert ref.short and ref.citation, key
        assert ref.evidence_tier in TIERS, (key, ref.evidence_tier)
        assert ref.confidence.split(";")[0] in {"seen-in-source", "partial", "unconfirmed"}, key
        assert all(re.fullmatch(r"(F\d\.\d+|T[0-9.]+-\S+)", f) for f in ref.facts), key


def test_cite_and_unknown_key():
    assert evidence.cite("spitzer2006") == "Spitzer et al. 2006 [spitzer2006]"
    with pytest.raises(evidence.UnknownReference, match="not a key in the course reference list"):
        evidence.cite("spitzer2007")
    with pytest.raises(ValueError):
        evidence.cite()


def _keys_used_in(text):
    # Keys appear as [key] in captions/markdown, or as quoted strings passed to cite()/sources.
    return set(re.findall(r"\[([a-z][a-z0-9_]*\d[a-z0-9_]*|[a-z]+_[a-z0-9_]+)\]", text))


def test_every_bracketed_key_in_code_and_notebooks_resolves():
    refs = evidence.references()
    # Prose a trainee reads: notebooks, the data card, the README. (Keys in Python code are checked
    # where they are used: captions call cite(), and the screening and scale tests resolve their sources.)
    files = list((ROOT / "solutions").rglob("*.ipynb")) + list((ROOT / "modules").rglob("*.ipynb"))
    files += list((ROOT / "datasets" / "cases").glob("*.json"))
    files += [ROOT / "datasets" / "DATACARD.md", ROOT / "datasets" / "press_claims.csv", ROOT / "README.md"]
    missing = {}
    for path in files:
        for key in _keys_used_in(Path(path).read_text(encoding="utf-8")):
            if key not in refs and not key.startswith(("nbgrader", "scales_", "citation")):
                missing.setdefault(key, []).append(Path(path).name)
    assert not missing, missing


def test_keys_are_cited_one_per_bracket():
    # "[a] [b]", never "[a, b]" or "[a; b]": one convention that every check and reader can rely on.
    files = list((ROOT / "solutions").rglob("*.ipynb")) + list((ROOT / "datasets" / "cases").glob("*.json"))
    files += [ROOT / "datasets" / "DATACARD.md", ROOT / "datasets" / "press_claims.csv", ROOT / "README.md"]
    joined = re.compile(r"\[[a-z][a-z0-9_]*\d[a-z0-9_]*[;,] *[a-z][a-z0-9_]*\]")
    offenders = {Path(p).name: joined.findall(Path(p).read_text(encoding="utf-8")) for p in files}
    assert not {name: found for name, found in offenders.items() if found}


def test_press_claims_have_allowed_verdicts_and_resolving_keys():
    claims = evidence.press_claims()
    assert set(claims["verdict"]) <= set(evidence.VERDICTS)
    assert {"hours", "single_session", "rewiring", "intensive"} <= set(claims.index)
    for basis in claims["basis"]:
        assert re.search(r"\[[a-z0-9_]+\]", basis), basis


def test_every_evidence_tier_is_ranked():
    assert {r.evidence_tier for r in evidence.references().values()} <= set(evidence.TIER_ORDER)
