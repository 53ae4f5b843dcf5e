"""The before/after statistics, checked against examples worked by hand, and the k rule on every
figure that leaves: the trainers' tables, the follow-up and the files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math

import pytest
from openpyxl import load_workbook
from scipy import stats
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.training import confidence_stats as cs
from services.training import evaluation
from services.training.measures import load_instrument
from services.training.models import Base, Cohort, CohortMember, ConfidenceResponse

INSTRUMENT = load_instrument()


def test_a_small_example_worked_by_hand():
    # Differences 1, 2, -1, 3, 0. The zero is left out (zero_method="wilcox"), leaving N = 4.
    # |d| = 1, 2, 1, 3 rank as 1.5, 3, 1.5, 4: T+ = 1.5 + 3 + 4 = 8.5, T- = 1.5.
    # Rank-biserial = (8.5 - 1.5) / 10 = 0.7.
    # Var(T+) = 4*5*9/24 - (2^3 - 2)/48 = 7.5 - 0.125 = 7.375; Z = (8.5 - 5) / sqrt(7.375) = 1.2888;
    # r = Z / sqrt(4) = 0.6444.
    found = cs.paired([1, 2, -1, 3, 0])
    assert (found.pairs, found.improved, found.same, found.fell, found.n) == (5, 3, 1, 1, 4)
    assert found.median_change == 1.0
    assert (found.t_plus, found.t_minus) == (8.5, 1.5)
    assert found.rank_biserial == pytest.approx(0.7)
    assert found.z == pytest.approx(3.5 / math.sqrt(7.375))
    assert found.z == pytest.approx(1.2888, abs=1e-4)
    assert found.r == pytest.approx(0.6444, abs=1e-4)
    assert found.statistic == 1.5  # scipy's W is the smaller rank sum


def test_rank_biserial_matches_the_worked_example_of_ten_pairs():
    # The ten-pair worked example used to teach the signed-rank test (Wikipedia, "Wilcoxon
    # signed-rank test"): second minus first measurement.
    first = [125, 115, 130, 140, 140, 115, 140, 125, 140, 135]
    second = [110, 122, 125, 120, 140, 124, 123, 137, 135, 145]
    found = cs.paired([b - a for a, b in zip(first, second, strict=True)])
    # One tie at zero is dropped; the nine |d| 5, 5, 7, 9, 10, 12, 15, 17, 20 rank 1.5, 1.5, 3..9.
    # Rises 7, 9, 10, 12 have ranks 3 + 4 + 5 + 6 = 18; falls 27. r_rb = (18 - 27) / 45 = -0.2.
    assert (found.n, found.t_plus, found.t_minus) == (9, 18.0, 27.0)
    assert found.rank_biserial == pytest.approx(-0.2)
    assert (found.improved, found.same, found.fell) == (4, 1, 5)
    assert found.median_change == -2.5


def test_z_agrees_with_scipys_normal_approximation():
    diffs = [0.5, 1, 1, 1.5, -0.5, 2, 0, 0, 1, -1, 0.5, 2.5, 1]
    found = cs.paired(diffs)
    changed = [d for d in diffs if d]
    approx = stats.wilcoxon(changed, zero_method="wilcox", method="approx", correction=False)
    assert abs(found.z) == pytest.approx(abs(approx.zstatistic))
    assert found.z > 0  # most improved: Z is signed by the direction of change
    assert found.r == pytest.approx(found.z / math.sqrt(11))
    assert found.p_value == pytest.approx(stats.wilcoxon(changed).pvalue)


def test_when_nobody_changed_there_is_no_test_to_run():
    found = cs.paired([0] * 12)
    assert (found.same, found.n, found.p_value, found.rank_biserial, found.r) == (12, 0, None, None, None)
    row = cs.row("overall", [0] * 12)
    assert (row.pairs, row.same, row.n, row.p_value, row.rank_biserial, row.median_change) == (
        "12", "100%", "0", "-", "-", "0")


def test_a_group_below_k_shows_c_for_every_figure_and_at_k_shows_them():
    small = cs.row("direct", [1.0] * 9)
    assert small.suppressed and set(small.values()) == {"[c]"}
    enough = cs.row("direct", [1.0] * 7 + [0.0, -0.5, 2.0])
    assert not enough.suppressed
    assert (enough.pairs, enough.improved, enough.same, enough.fell, enough.n) == ("10", "80%", "10%", "10%", "9")
    assert enough.median_change == "+1.00" and enough.label == "Direct"
    assert enough.rank_biserial.startswith("+0.")


def _session() -> Session:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    return Session(engine)


def _answers(value: int, **overrides: int) -> dict[str, int]:
    scores = {item.id: value for item in INSTRUMENT.items}
    scores.update({k.replace("_", "-"): v for k, v in overrides.items()})
    return scores


def _pair(session: Session, learner: str, before: dict, after: dict, version: int | None = None) -> None:
    day = dt.date(2026, 1, 5)
    for stage, scores in (("before", before), ("after", after)):
        session.add(ConfidenceResponse(learner=learner, stage=stage, instrument_version=version or INSTRUMENT.version,
                                       answered_on=day, scores=scores, ds_used=[]))


def test_scores_per_d_are_the_mean_of_that_ds_items_and_pairs_are_matched_by_learner():
    session = _session()
    _pair(session, "a", _answers(2), _answers(3, direct_senior=5))  # direct: (3 + 5) / 2 = 4, before 2
    _pair(session, "b", _answers(4), _answers(4))
    session.add(ConfidenceResponse(learner="c", stage="before", instrument_version=INSTRUMENT.version,
                                   answered_on=dt.date(2026, 1, 5), scores=_answers(1), ds_used=[]))  # no after
    _pair(session, "d", _answers(1), _answers(5), version=INSTRUMENT.version + 1)  # another version: not paired
    session.flush()
    pairs = cs.differences(session, INSTRUMENT)
    assert pairs.learners == ["a", "b"]
    assert pairs.of("a")["direct"] == 2.0 and pairs.of("a")["distract"] == 1.0
    assert pairs.of("a")["overall"] == pytest.approx((3 * 9 + 5) / 10 - 2)
    assert set(pairs.of("b").values()) == {0}
    # The same through the plain per-learner score: the mean of a D's items.
    assert cs.scores(INSTRUMENT, _answers(3, direct_senior=5))["direct"] == 4.0


def test_per_cohort_groups_come_from_cohort_members_and_small_ones_are_hidden():
    session = _session()
    big = Cohort(name="Theatres", join_code="BIG1", created_on=dt.date(2026, 1, 1), closed=False)
    small = Cohort(name="=Board", join_code="SMALL1", created_on=dt.date(2026, 1, 1), closed=False)
    session.add_all([big, small])
    session.flush()
    for n in range(14):
        _pair(session, f"l{n}", _answers(2), _answers(3 if n % 3 else 2))
        cohort = big if n < 11 else small
        session.add(CohortMember(cohort_id=cohort.id, learner=f"l{n}", joined_on=dt.date(2026, 1, 2)))
    session.flush()
    found = cs.report(session, INSTRUMENT)
    assert found.overall.rows[0].pairs == "14"
    by_name = {g.name: g for g in found.cohorts}
    assert not by_name["Theatres"].suppressed and by_name["Theatres"].rows[0].pairs == "11"
    assert by_name["=Board"].suppressed
    assert all(set(r.values()) == {"[c]"} for r in by_name["=Board"].rows)

    rows = list(csv.reader(io.StringIO(cs.to_csv(found).decode())))
    assert rows[0][:5] == ["section", "group", "measure", "statistic", "value"]
    board = [r for r in rows if r[1] == "'=Board"]  # a name a spreadsheet would run is kept as text
    assert board and {r[4] for r in board} == {"[c]"}
    assert {r[5] for r in rows[1:]} == {"10"} and {r[6] for r in rows[1:]} == {"wilcox"}
    book = load_workbook(io.BytesIO(cs.to_xlsx(found)))
    sheet = book["Confidence"]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert {v for r in values if r[0] == "'=Board" for v in r[2:]} == {"[c]"}
    assert any(r[0] == "Theatres" and r[2] == "11" for r in values)
    assert "fewer than 10 pairs" in book["Notes"]["A2"].value


def test_the_follow_up_shows_who_had_a_chance_to_act_only_for_groups_of_k():
    session = _session()

    def follow(learner: str, acted: str, ds: list[str]) -> None:
        session.add(ConfidenceResponse(learner=learner, stage="follow_up", instrument_version=1,
                                       answered_on=dt.date(2026, 5, 1), scores=_answers(4), acted=acted, ds_used=ds))

    for n in range(9):
        follow(f"y{n}", "yes", ["delay"])
    session.flush()
    hidden = cs.follow_up(session)
    assert hidden.suppressed and hidden.answered == "[c]" and hidden.acted["yes"] == ("[c]", "[c]")
    for n in range(3):
        follow(f"z{n}", "yes", ["delay", "direct"])
    for n in range(8):
        follow(f"n{n}", "no", [])
    session.flush()
    shown = cs.follow_up(session)
    assert shown.answered == "20"
    assert shown.acted["yes"] == ("12", "60%")
    assert shown.acted["no"] == ("[c]", "[c]")  # 8 said no: a count below k is never shown
    assert shown.acted["not_sure"] == ("0", "0%")
    assert shown.ds_used["delay"] == ("12", "100%")
    assert shown.ds_used["direct"] == ("[c]", "[c]")
    assert shown.ds_used["distract"] == ("0", "0%")


@pytest.mark.parametrize(
    ("typed", "pence", "error"),
    [
        ("1250", 125000, None),
        ("£1,250.50", 125050, None),
        ("12.5", 1250, None),
        ("", None, "Enter the amount, in pounds"),
        ("twelve", None, "Enter the amount in pounds and pence, like 1250 or 1,250.50"),
        ("12.345", None, "Enter the amount in pounds and pence, like 1250 or 1,250.50"),
        ("1,25", None, "Enter the amount in pounds and pence, like 1250 or 1,250.50"),
        ("-5", None, "Enter the amount in pounds and pence, like 1250 or 1,250.50"),
        ("0", None, "The amount must be more than £0"),
        ("10000000.01", None, "The amount must be £10,000,000 or less"),
    ],
)
def test_a_cost_is_read_in_pounds_and_pence(typed, pence, error):
    assert evaluation.parse_amount(typed) == (pence, error)


def test_the_follow_up_answers_show_whether_the_change_lasted():
    session = _session()
    for n in range(12):
        _pair(session, f"l{n}", _answers(2), _answers(4))
    session.flush()
    assert cs.report(session, INSTRUMENT).sustained.suppressed  # nobody has answered the follow-up yet
    for n in range(10):  # ten of them answer the follow-up: half kept the whole gain, half kept half of it
        session.add(ConfidenceResponse(learner=f"l{n}", stage="follow_up", instrument_version=INSTRUMENT.version,
                                       answered_on=dt.date(2026, 4, 6), scores=_answers(4 if n % 2 else 3),
                                       acted="no", ds_used=[]))
    session.flush()
    found = cs.report(session, INSTRUMENT)
    lasted = found.sustained.rows[0]
    assert (lasted.pairs, lasted.median_change, lasted.improved, lasted.fell) == ("10", "+1.50", "100%", "0%")
    assert found.overall.rows[0].pairs == "12" and found.overall.rows[0].median_change == "+2.00"
    sections = {r[0] for r in cs.tidy(found)}
    assert sections == {"confidence", "three_months_on", "follow_up"}
