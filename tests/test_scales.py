"""Scale totals and bands as FACTS.md §1 states them, and input checks."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course import scales
from course.data.references import reference


def items(n, hi):
    return st.lists(st.integers(0, hi), min_size=n, max_size=n)


@given(items(7, 3))
def test_gad7_total_is_sum_and_band_matches_cut_points(responses):
    total = scales.gad7_total(responses)
    assert total == sum(responses) and 0 <= total <= 21
    expected = "minimal" if total < 5 else "mild" if total < 10 else "moderate" if total < 15 else "severe"
    assert scales.gad7_band(total) == expected


@given(items(9, 3))
def test_phq9_total_band_and_item9(responses):
    total = scales.phq9_total(responses)
    assert total == sum(responses)
    cut = [5, 10, 15, 20]
    labels = ["minimal", "mild", "moderate", "moderately severe", "severe"]
    assert scales.phq9_band(total) == labels[sum(total >= c for c in cut)]
    assert scales.phq9_item9_positive(responses) == (responses[8] > 0)
    assert bool(scales.score_phq9(responses).flags) == (responses[8] > 0)


@given(items(14, 4))
def test_hama_bands(responses):
    total = scales.total("hama", responses)
    assert total == sum(responses) <= 56
    expected = "none/minimal" if total <= 7 else "mild" if total <= 14 else "moderate" if total <= 23 else "severe"
    assert scales.band("hama", total) == expected


@given(items(24, 3), items(24, 3))
def test_lsas_total_and_cut_offs(fear, avoidance):
    total = scales.lsas_total(fear, avoidance)
    assert total == sum(fear) + sum(avoidance) <= 144
    result = scales.score_lsas(fear, avoidance)
    assert ("generalized" in result.band) == (total >= 60)
    assert ("below" in result.band) == (total < 30)


@given(items(7, 4))
def test_pdss_total_without_bands(responses):
    assert scales.total("pdss", responses) == sum(responses) <= 28
    assert scales.score("pdss", responses).band is None


def test_cadss_range():
    assert scales.SCALES["cadss"].max_total == 92
    assert scales.total("cadss", [4] * 23) == 92


@pytest.mark.parametrize("code", sorted(scales.SCALES))
def test_bands_cover_range_without_gaps_and_sources_resolve(code):
    s = scales.SCALES[code]
    reference(s.source)
    if s.bands:
        assert s.bands[0].low == 0 and s.bands[-1].high == s.max_total
        for a, b in zip(s.bands, s.bands[1:]):
            assert b.low == a.high + 1


def test_integral_floats_accepted_as_from_pandas():
    assert scales.gad7_total([1.0, 2, 3, 0, 0, 0, 0]) == 6


@pytest.mark.parametrize(
    "bad, fragment",
    [
        ([1, 2, 3], "7 items: got 3"),
        ([1, 2, 3, 0, 0, 0, 4], "item 7 score must be between 0 and 3"),
        ([1, 2, 3, 0, 0, 0, -1], "between 0 and 3"),
        ([1, 2, 3, 0, 0, 0, 1.5], "whole number"),
        ([1, 2, 3, 0, 0, 0, math.nan], "missing (NaN)"),
        ([1, 2, 3, 0, 0, 0, "2"], "whole number"),
        ([1, 2, 3, 0, 0, 0, True], "whole number"),
        ("1230000", "list of 7"),
        (None, "list of 7"),
        ({"a": 1}, "list of 7"),
    ],
)
def test_bad_input_says_what_to_fix(bad, fragment):
    with pytest.raises(ValueError, match=None) as info:
        scales.gad7_total(bad)
    assert fragment in str(info.value)


@pytest.mark.parametrize("bad", [22, -1, 2.5, math.nan, "10", None])
def test_band_rejects_impossible_totals(bad):
    with pytest.raises(ValueError):
        scales.gad7_band(bad)


def test_unknown_scale_and_unbanded_scale():
    with pytest.raises(ValueError, match="Unknown scale"):
        scales.total("bdi", [0] * 21)
    with pytest.raises(ValueError, match="no published severity bands"):
        scales.band("pdss", 10)
