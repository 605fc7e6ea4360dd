"""The synthetic vignettes: reproducible from their seed, and every scale adds up to its design."""
import json
from pathlib import Path

import pytest

from course.synthetic import SEED, VIGNETTES_JSON, build_vignettes, write_vignettes

COMMITTED = json.loads(Path(VIGNETTES_JSON).read_text(encoding="utf-8"))


def scale_totals(scales):
    return {name: sum(items["fear"]) + sum(items["avoidance"]) if name == "lsas" else sum(items)
            for name, items in scales.items()}


def test_regenerating_gives_the_committed_file_byte_for_byte(tmp_path):
    out = tmp_path / "vignettes.json"
    write_vignettes(out)
    assert out.read_bytes() == Path(VIGNETTES_JSON).read_bytes(), (
        "datasets/vignettes.json is out of date: run `python -m course.synthetic` and commit the result.")


def test_another_seed_changes_item_responses_but_not_the_designs():
    ours, other = build_vignettes(SEED), build_vignettes(SEED + 1)
    assert [p["scales"] for p in ours["patients"]] != [p["scales"] for p in other["patients"]]
    assert [p["design"] for p in ours["patients"]] == [p["design"] for p in other["patients"]]


def test_committed_file_header():
    assert COMMITTED["seed"] == SEED
    assert COMMITTED["generator"] == "course/synthetic.py"
    assert "not clinical data" in COMMITTED["description"]
    assert len(COMMITTED["patients"]) >= 18


@pytest.mark.parametrize("patient", COMMITTED["patients"], ids=lambda p: p["id"])
def test_scale_totals_equal_the_designed_totals(patient):
    assert scale_totals(patient["scales"]) == patient["design"]["totals"]
