"""The year-on-year comparison and the shares, worked out from rounded, published figures."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from services.analytics import published
from services.analytics.published import Count, compare, percent, ratio_interval


def test_the_rate_ratio_interval_is_the_exact_conditional_binomial_one():
    ratio, low, high = ratio_interval(110, 60)
    assert ratio == pytest.approx(110 / 60)
    assert (round(low, 2), round(high, 2)) == (1.33, 2.55)
    # Equal counts: ratio 1, an interval either side of it.
    ratio, low, high = ratio_interval(50, 50)
    assert ratio == 1 and low < 1 < high and low * high == pytest.approx(1)
    # Nothing now: the ratio is 0 and the interval starts at 0.
    assert ratio_interval(0, 20)[:2] == (0, 0)
    with pytest.raises(ValueError, match="no reports in the earlier period"):
        ratio_interval(20, 0)


class _Release:
    kind, starts_on, ends_on = "quarter", dt.date(2025, 7, 1), dt.date(2025, 9, 30)


def test_the_comparison_says_in_words_whether_the_change_could_be_chance():
    up = compare(Count("shown", 110), _Release(), Count("shown", 60))
    assert up is not None and "more reports than chance alone would explain" in " ".join(up.words)
    same = compare(Count("shown", 50), _Release(), Count("shown", 45))
    assert same is not None and "could be chance variation" in " ".join(same.words)
    down = compare(Count("shown", 20), _Release(), Count("shown", 60))
    assert down is not None and "fewer reports than chance alone would explain" in " ".join(down.words)
    hidden = compare(Count("suppressed", None), _Release(), Count("shown", 60))
    assert hidden is not None and hidden.ratio is None and "cannot be compared" in hidden.words[0]
    assert compare(Count("shown", 20), None, None) is None
    nothing = compare(Count("shown", 20), _Release(), Count("zero", 0))
    assert nothing is not None and nothing.ratio is None and "no reports" in nothing.words[0]
    assert not math.isinf(up.high or 0)


def test_shares_come_from_rounded_figures_and_never_from_a_hidden_one():
    assert percent(Count("shown", 15), Count("shown", 60)) == "25%"
    assert percent(Count("suppressed", None), Count("shown", 60)) == "[c]"
    assert percent(Count("shown", 15), Count("suppressed", None)) == "[c]"
    assert percent(Count("zero", 0), Count("shown", 60)) == "0%"


def test_a_table_keeps_the_taxonomy_order_and_names_the_blank_answer():
    cells = {
        "total": {"": Count("shown", 40)},
        "impact": {
            "5": Count("shown", 10),
            "1": Count("shown", 20),
            "not_given": Count("suppressed", None),
            "3": Count("suppressed", None),
        },
    }
    table = published.category_table("impact", cells, {})
    assert [r.code for r in table.rows] == ["1", "3", "5", "not_given"]
    assert table.rows[-1].label == "Question left blank"
    assert [r.share for r in table.rows] == ["50%", "[c]", "25%", "[c]"]
    assert table.suppressed == 2
