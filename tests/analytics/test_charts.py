"""Charts are valid, self-describing SVG, and a suppressed figure is drawn and marked, never dropped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from services.analytics import charts, spc


@pytest.fixture(autouse=True)
def validated_specs(monkeypatch):
    """Every chart drawn here is checked against the Vega-Lite schema (pages skip the check)."""
    monkeypatch.setattr(charts, "validate_specs", True)

SVG = "{http://www.w3.org/2000/svg}"
Bar = charts.Bar


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def assert_accessible(root: ET.Element, chart_id: str, title: str) -> None:
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
    assert root.find(f"{SVG}title").text == title and root.find(f"{SVG}title").get("id") == f"{chart_id}-title"
    assert root.find(f"{SVG}desc").get("id") == f"{chart_id}-desc"
    inner = [el for el in root.iter() if el is not root and (el.get("role") or el.get("aria-label"))]
    assert inner == []  # one image, described once


def test_a_bar_chart_draws_a_suppressed_category_hatched_and_marked_c():
    svg = charts.bar_chart(
        [
            Bar("Race", "shown", 40),
            Bar("Age", "suppressed", None),
            Bar("Sex", "zero", 0),
            Bar("Prefer not to say", "shown", 55),
            Bar("Disability", "shown", 25),
        ],
        chart_id="chart-x",
        title="Reports by characteristic",
        k=10,
        last=["Prefer not to say"],
    )
    root = parse(svg)
    assert_accessible(root, "chart-x", "Reports by characteristic")
    labels = texts(root)
    for label in ("Race", "Age", "Sex", "Disability", "Prefer not to say"):
        assert label in labels  # nothing dropped, zero included
    assert "[c]" in labels and "40" in labels and "0" in labels
    # Sorted largest first, the suppressed one after the shown ones, "Prefer not to say" last.
    order = [t for t in labels if t in ("Race", "Age", "Sex", "Disability", "Prefer not to say")]
    assert order == ["Race", "Disability", "Age", "Sex", "Prefer not to say"]
    assert root.find(f"{SVG}defs/{SVG}pattern").get("id") == "chart-x-hatch"
    hatched = [p for p in root.iter(f"{SVG}path") if p.get("fill") == "url(#chart-x-hatch)"]
    assert len(hatched) == 1
    assert "1 category is suppressed" in root.find(f"{SVG}desc").text
    assert "#12436D" in svg  # the Analysis Function's dark blue
    assert "http" not in svg.replace("http://www.w3.org/", "")  # nothing to fetch


def test_an_ordered_scale_keeps_its_order():
    root = parse(
        charts.bar_chart(
            [Bar("1", "shown", 5), Bar("2", "shown", 50), Bar("3", "suppressed", None)],
            chart_id="c",
            title="Impact",
            k=10,
            keep_order=True,
        )
    )
    assert [t for t in texts(root) if t in ("1", "2", "3")][:3] == ["1", "2", "3"]


def test_the_pair_heatmap_marks_suppressed_cells():
    labels = [("race", "Race"), ("sex", "Sex"), ("age", "Age")]
    pairs = {
        ("race", "sex"): Bar("", "shown", 35),
        ("race", "age"): Bar("", "suppressed", None),
        ("sex", "age"): Bar("", "zero", 0),
    }
    root = parse(charts.pair_heatmap(labels, pairs, chart_id="pairs", title="Pairs"))
    assert_accessible(root, "pairs", "Pairs")
    assert sorted(t for t in texts(root) if t in ("35", "[c]", "0")) == ["0", "35", "[c]"]
    assert [p for p in root.iter(f"{SVG}path") if p.get("fill") == "url(#pairs-hatch)"]
    assert "Race with Sex (35)" in root.find(f"{SVG}desc").text


def test_the_upset_view_has_a_bar_per_combination_and_a_dot_matrix():
    labels = [("race", "Race"), ("sex", "Sex"), ("age", "Age")]
    combos = [
        charts.Combination(("race",), Bar("", "shown", 60)),
        charts.Combination(("race", "sex"), Bar("", "shown", 20)),
        charts.Combination(("age",), Bar("", "suppressed", None)),
        charts.Combination((), Bar("", "shown", 15)),
    ]
    root = parse(charts.upset(combos, labels, chart_id="sets", title="Combinations", k=10))
    assert_accessible(root, "sets", "Combinations")
    labels_drawn = texts(root)
    assert "[c]" in labels_drawn and "60" in labels_drawn and "Other" in labels_drawn
    dots = [
        p
        for p in root.iter(f"{SVG}path")
        if p.get("fill") in (charts.DARK_BLUE, charts.LIGHT_GREY) and "A" in (p.get("d") or "")
    ]
    assert len(dots) == 4 * 3  # every combination against every characteristic used
    assert len([d for d in dots if d.get("fill") == charts.DARK_BLUE]) == 4  # race; race+sex; age


def test_the_xmr_chart_breaks_at_a_gap_and_marks_special_causes():
    values = [40, 42, 41, None, 43, 40, 42, 41, 43, 120]
    labels = [f"Q{n}" for n in range(len(values))]
    result = spc.xmr(values)
    svg = charts.xmr_chart(labels, result, chart_id="trend", title="Trend")
    root = parse(svg)
    assert_accessible(root, "trend", "Trend")
    drawn = texts(root)
    assert "[c]" in drawn and "Mean" in drawn and "Upper limit" in drawn
    line = next(p for p in root.iter(f"{SVG}path") if p.get("stroke") == charts.DARK_BLUE and p.get("fill") is None)
    assert line.get("d").count("M") == 2  # two stretches: the line is broken at the gap
    assert len([p for p in root.iter(f"{SVG}path") if p.get("fill") == charts.ORANGE]) == 1
    assert re.search(r"1 of 9 quarters show special cause variation", root.find(f"{SVG}desc").text)
