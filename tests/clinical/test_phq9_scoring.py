"""PHQ-9 scoring, bands, the item-9 safety flag, change against baseline and the PHQ-2."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from content.clinical.phq9 import (
    as_written_fraction,
    band_for,
    compare,
    is_safety_positive,
    score,
    severe_band,
    short_form,
)
from content.schemas.instrument import Instrument

ITEMS = [f"phq9_{n}" for n in range(1, 10)]
answer_vectors = st.lists(st.integers(0, 3), min_size=9, max_size=9)
totals = st.integers(0, 27)


def answers_of(values: list[int]) -> dict[str, int]:
    return dict(zip(ITEMS, values, strict=True))


def test_the_shipped_instrument_is_the_one_these_tests_assume(phq9: Instrument) -> None:
    assert [item.id for item in phq9.items] == ITEMS
    assert sorted(o.value for o in phq9.options) == [0, 1, 2, 3]
    assert phq9.max_total == 27


@given(values=answer_vectors)
def test_total_is_the_sum_of_answers_within_0_to_27(phq9: Instrument, values: list[int]) -> None:
    result = score(phq9, answers_of(values))
    assert result.total == sum(values)
    assert 0 <= result.total <= 27
    assert result.answers == answers_of(values)
    assert result.band == band_for(phq9, result.total).id
    assert (result.instrument_id, result.instrument_version) == (phq9.id, phq9.version)


@given(values=answer_vectors)
def test_safety_flag_follows_item_9_alone(phq9: Instrument, values: list[int]) -> None:
    result = score(phq9, answers_of(values))
    assert result.safety_positive == (values[8] >= 1)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_band_boundaries(phq9: Instrument, total: int, band: str) -> None:
    assert band_for(phq9, total).id == band


@pytest.mark.parametrize("total", [-1, 28])
def test_band_outside_the_scale_is_refused(phq9: Instrument, total: int) -> None:
    with pytest.raises(ValueError):
        band_for(phq9, total)


def test_severe_band_starts_at_20(phq9: Instrument) -> None:
    assert severe_band(phq9).id == "severe"
    assert severe_band(phq9).range.low == 20


def test_item_9_alone_is_positive_with_a_total_of_1(phq9: Instrument) -> None:
    result = score(phq9, answers_of([0, 0, 0, 0, 0, 0, 0, 0, 1]))
    assert result.total == 1
    assert result.band == "minimal"
    assert result.safety_positive


def test_highest_total_without_item_9_is_not_safety_positive(phq9: Instrument) -> None:
    # A total of 26 with item 9 = 0 cannot happen (8 × 3 = 24): 24 is the highest such total.
    result = score(phq9, answers_of([3] * 8 + [0]))
    assert (result.total, result.band, result.safety_positive) == (24, "severe", False)


@given(partial=st.dictionaries(st.sampled_from(ITEMS), st.integers(0, 3)))
def test_safety_flag_works_on_partial_answers(phq9: Instrument, partial: dict[str, int]) -> None:
    assert is_safety_positive(phq9, partial) == (partial.get("phq9_9", 0) >= 1)


def test_safety_flag_the_moment_item_9_is_answered(phq9: Instrument) -> None:
    assert is_safety_positive(phq9, {"phq9_9": 1})
    assert not is_safety_positive(phq9, {"phq9_9": 0})
    assert not is_safety_positive(phq9, {})


@pytest.mark.parametrize(
    "answers",
    [
        answers_of([0] * 9) | {"phq9_10": 0},  # unknown item
        dict.fromkeys(ITEMS[:8], 0),  # missing item 9
        answers_of([0] * 8 + [4]),  # not an option value
        answers_of([0] * 8 + [-1]),
        answers_of([0] * 8 + [True]),  # bool is not an answer
    ],
)
def test_invalid_answers_are_refused(phq9: Instrument, answers: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        score(phq9, answers)


def test_partial_answers_with_unknown_items_are_refused(phq9: Instrument) -> None:
    with pytest.raises(ValueError):
        is_safety_positive(phq9, {"phq9_99": 1})


@given(baseline=totals, current=totals)
def test_change_rules(phq9: Instrument, baseline: int, current: int) -> None:
    change = compare(phq9, baseline, current)
    assert change.delta == current - baseline
    assert change.meaningful_improvement == (baseline - current >= 5)
    assert change.response == (baseline > 0 and 2 * (baseline - current) >= baseline)
    assert change.remission == (current < 5)
    assert change.deterioration == (current - baseline >= 5)


@pytest.mark.parametrize(
    ("baseline", "current", "meaningful", "response", "remission", "deterioration"),
    [
        (15, 10, True, False, False, False),  # drop of exactly 5
        (15, 11, False, False, False, False),  # drop of 4
        (20, 10, True, True, False, False),  # exactly 50 %
        (21, 11, True, False, False, False),  # 10/21 < 50 %
        (9, 5, False, False, False, False),  # 5 is not remission
        (9, 4, True, True, True, False),  # 4 is remission
        (0, 0, False, False, True, False),  # baseline 0: never a response
        (10, 15, False, False, False, True),  # rise of exactly 5
        (10, 14, False, False, False, False),  # rise of 4
    ],
)
def test_change_boundaries(
    phq9: Instrument,
    baseline: int,
    current: int,
    meaningful: bool,
    response: bool,
    remission: bool,
    deterioration: bool,
) -> None:
    change = compare(phq9, baseline, current)
    assert (
        change.meaningful_improvement,
        change.response,
        change.remission,
        change.deterioration,
    ) == (meaningful, response, remission, deterioration)


def test_change_outside_the_scale_is_refused(phq9: Instrument) -> None:
    with pytest.raises(ValueError):
        compare(phq9, 28, 0)


@given(values=answer_vectors)
def test_phq2_is_items_1_and_2_positive_at_3(phq9: Instrument, values: list[int]) -> None:
    result = short_form(phq9, "phq2", answers_of(values))
    assert result.total == values[0] + values[1]
    assert result.positive == (result.total >= 3)


def test_phq2_needs_only_its_items(phq9: Instrument) -> None:
    assert short_form(phq9, "phq2", {"phq9_1": 1, "phq9_2": 2}).positive
    assert not short_form(phq9, "phq2", {"phq9_1": 1, "phq9_2": 1}).positive
    with pytest.raises(ValueError):
        short_form(phq9, "phq2", {"phq9_1": 1})
    with pytest.raises(ValueError):
        short_form(phq9, "phq5", {"phq9_1": 1, "phq9_2": 1})


@pytest.mark.parametrize(
    ("written", "numerator", "denominator"),
    [(0.6667, 2, 3), (0.5, 1, 2), (0.65, 13, 20), (0.75, 3, 4), (0.667, 2, 3), (1.0, 1, 1)],
)
def test_decimals_in_content_read_as_the_fraction_they_round(
    written: float, numerator: int, denominator: int
) -> None:
    fraction = as_written_fraction(written)
    assert (fraction.numerator, fraction.denominator) == (numerator, denominator)
