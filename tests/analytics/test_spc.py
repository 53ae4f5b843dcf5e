"""XmR statistics and the Making Data Count special-cause rules, on hand-made series."""

from __future__ import annotations

import pytest

from services.analytics import spc

STEADY = [10, 12, 11, 13, 10, 12, 11, 13, 10, 12, 11, 13]  # mean 11.5, every moving range 1 to 3


def rules(result: spc.XmR) -> list[tuple[str, int, int, int]]:
    return [(f.rule, f.first, f.last, f.direction) for f in result.findings]


def test_mean_moving_ranges_and_limits_by_hand():
    result = spc.xmr([10, 14, 12, 16])
    assert result.mean == 13
    assert result.moving_ranges == (None, 4, 2, 4)
    assert result.mean_moving_range == pytest.approx(10 / 3)
    assert result.upper == pytest.approx(13 + 2.66 * 10 / 3)
    assert result.lower == pytest.approx(13 - 2.66 * 10 / 3)
    assert result.findings == ()


def test_a_steady_series_shows_only_common_cause_variation():
    result = spc.xmr(STEADY)
    assert result.findings == ()
    assert all(not r for r in result.special)


def test_a_point_outside_the_limits():
    result = spc.xmr([*STEADY, 30])
    assert ("outside", 12, 12, 1) in rules(result)
    assert result.special[12] == {"outside"}
    low = spc.xmr([40, 42, 41, 43, 40, 42, 41, 43, 2])
    assert ("outside", 8, 8, -1) in rules(low)


def test_a_shift_needs_seven_points_on_one_side_of_the_mean():
    six = [8, 4, 8, 4, 8, 4, 7, 7, 7, 7, 7, 7]  # mean 6.5: six high points at the end
    assert not [f for f in spc.xmr(six).findings if f.rule == "shift"]
    seven = [8, 4, 8, 4, 8, 4, 7, 7, 7, 7, 7, 7, 7]
    assert [f for f in spc.xmr(seven).findings if f.rule == "shift"] == [spc.Finding("shift", 6, 12, 1)]


def test_a_point_on_the_mean_breaks_a_shift():
    series = [4, 4, 4, 6, 6, 6, 5, 6, 6, 6, 6, 4, 4, 4, 4]
    assert spc.xmr(series).mean == 5  # the 5 sits on it, between three and four high points
    assert not [f for f in spc.xmr(series).findings if f.rule == "shift"]
    above = [4, 4, 4, 6, 6, 6, 6, 6, 6, 6, 6, 4, 4, 4, 4]
    assert spc.Finding("shift", 3, 10, 1) in spc.xmr(above).findings


def test_a_trend_is_six_rises_in_a_row_seven_points():
    rising = [20, 18, 21, 19, 20, 21, 22, 23, 24, 25, 19, 20]
    result = spc.xmr(rising)
    assert [f for f in result.findings if f.rule == "trend"] == [spc.Finding("trend", 3, 9, 1)]
    assert result.directions[3:10] == (1,) * 7
    five_rises = [20, 18, 21, 19, 20, 21, 22, 23, 24, 19, 20]
    assert not [f for f in spc.xmr(five_rises).findings if f.rule == "trend"]
    falling = [30, 29, 28, 27, 26, 25, 24]
    assert [f for f in spc.xmr(falling).findings if f.rule == "trend"] == [spc.Finding("trend", 0, 6, -1)]


def test_an_unchanged_value_breaks_a_trend():
    flat_step = [1, 2, 3, 4, 4, 5, 6, 7]
    assert not [f for f in spc.xmr(flat_step).findings if f.rule == "trend"]


def test_two_of_three_close_to_a_limit_on_the_same_side():
    # Mean 11.6, mean moving range 2.3: the two 16s sit in the outer third, inside the limit.
    base = [10, 12] * 8
    result = spc.xmr([*base, 16, 12, 16])
    assert result.mean is not None and result.mean_moving_range is not None
    assert 2 * 2.66 / 3 < (16 - result.mean) / result.mean_moving_range < 2.66
    assert result.upper is not None
    close = [f for f in result.findings if f.rule == "two_of_three"]
    assert close and close[0].direction == 1
    assert result.special[16] == {"two_of_three"} and result.special[18] == {"two_of_three"}
    assert "two_of_three" not in result.special[17]  # in the window, but not close to the limit
    # One point close to the limit is not enough.
    single = spc.xmr([*base, 16, 12, 11])
    assert not [f for f in single.findings if f.rule == "two_of_three"]


def test_a_suppressed_quarter_is_a_gap_not_a_zero():
    with_gap = [*STEADY, None, 12, 11]
    result = spc.xmr(with_gap)
    assert result.mean == pytest.approx(161 / 14)  # the gap is not averaged in as zero
    assert result.moving_ranges[11:] == (2, None, None, 1)
    assert result.findings == ()
    # Read as a zero, the same quarter would fall below the lower limit.
    assert ("outside", 12, 12, -1) in rules(spc.xmr([*STEADY, 0, 12, 11]))


def test_no_run_is_counted_across_a_gap():
    across = [3, 3, 3, 3, None, 3, 3, 3, 9, 9, 9, 9]  # seven low points, but split 4 + 3 by the gap
    assert not [f for f in spc.xmr(across).findings if f.rule == "shift"]
    assert spc.segments(across) == [(0, 3), (5, 11)]
    rising = [1, 2, 3, None, 4, 5, 6, 7]
    assert not [f for f in spc.xmr(rising).findings if f.rule == "trend"]


def test_too_few_points_give_no_limits():
    assert spc.xmr([]).mean is None
    one = spc.xmr([None, 25, None])
    assert one.mean == 25 and one.upper is None and one.findings == ()
