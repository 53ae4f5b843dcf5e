"""Charts for the leads' dashboards, drawn on the server as SVG strings.

Pure functions: numbers and labels in, an SVG document out. Each chart is described with
Altair (data given inline with ``alt.Data(values=...)``) and rendered by vl-convert, which
runs Vega in-process: no browser, no script on the page and nothing fetched from anywhere.

The charts follow the Government Analysis Function's guidance on data visualisation: its
accessible colour palettes (categorical dark blue #12436D, turquoise #28A197, dark pink
#801650, orange #F46A25; sequential dark, mid and light blue), horizontal bars sorted by
size and starting at zero, no 3D, direct labels rather than legends, and a title and a
text description on every chart. Colour never carries meaning alone: a suppressed count is
drawn hatched *and* labelled "[c]"; a special-cause point has its own shape as well as its
own colour.

Every SVG is a self-contained image for screen readers: ``role="img"`` named by its own
``<title>`` and ``<desc>``; the marks inside carry no roles of their own. The data table
printed beside each chart holds the same figures.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
import vl_convert

from . import spc

DARK_BLUE = "#12436D"
TURQUOISE = "#28A197"
DARK_PINK = "#801650"
ORANGE = "#F46A25"
DARK_GREY = "#3D3D3D"
LIGHT_GREY = "#BFBFBF"
SEQUENTIAL = ("#6BACE6", "#2073BC", "#12436D")  # light to dark
TEXT = "#212b32"
FONT = "Frutiger W01, Arial, sans-serif"

SHOWN, ZERO, SUPPRESSED = "shown", "zero", "suppressed"
SUPPRESSED_MARK = "[c]"


@dataclass(frozen=True)
class Bar:
    """One category: its label, its status (shown, zero or suppressed) and rounded value."""

    label: str
    status: str
    value: int | None

    @property
    def text(self) -> str:
        return display(self.status, self.value)


def display(status: str, value: int | None) -> str:
    if status == SUPPRESSED or value is None:
        return SUPPRESSED_MARK
    return f"{value:,}"


# -- rendering -----------------------------------------------------------------------------


def _config(chart: Any) -> Any:
    return (
        chart.configure(font=FONT, background="white", padding=8)
        .configure_view(stroke=None)
        .configure_axis(
            labelColor=TEXT,
            titleColor=TEXT,
            labelFontSize=13,
            titleFontSize=13,
            titleFontWeight="normal",
            domainColor=DARK_GREY,
            tickColor=DARK_GREY,
        )
    )


@functools.lru_cache(maxsize=256)
def _render(spec: str) -> str:
    return vl_convert.vegalite_to_svg(json.loads(spec))


# Vega's own ARIA markup describes each mark; the figure is one image with our own words.
_INNER_ARIA = re.compile(r'\s(?:role|aria-roledescription|aria-label|aria-hidden)="[^"]*"')


# Altair checks every spec against the Vega-Lite JSON Schema when it is written out, which
# costs more than drawing a cached chart. The charts are built by this module alone, so the
# suite checks them (tests/analytics/test_charts.py turns this on) and pages skip it.
validate_specs = False


def _svg(chart: Any, *, chart_id: str, title: str, description: str, hatch: str = "") -> str:
    spec = _config(chart).to_dict(validate=validate_specs)
    svg = _INNER_ARIA.sub("", _render(json.dumps(spec, sort_keys=True)))
    head, _, body = svg.partition(">")
    defs = ""
    if hatch:
        defs = (
            f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="white"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{hatch}" stroke-width="2.5"/></pattern></defs>'
        )
    accessible = (
        f'{head} role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">'
        f'<title id="{chart_id}-title">{html.escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{html.escape(description)}</desc>{defs}'
    )
    return accessible + body


def _hatch(chart_id: str) -> str:
    return f"url(#{chart_id}-hatch)"


# -- horizontal bars -----------------------------------------------------------------------


def bar_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    k: int,
    keep_order: bool = False,
    last: Sequence[str] = (),
    axis_title: str = "Reports (rounded to the nearest 5)",
) -> str:
    """Horizontal bars, largest first (or in the given order when ``keep_order``, for a scale
    such as impact), with the labels in ``last`` (e.g. "Prefer not to say") at the bottom.
    A suppressed category is never dropped: it is drawn hatched at a nominal length of ``k``
    and labelled [c]."""
    if keep_order:
        ordered = list(bars)
    else:

        def weight(bar: Bar) -> tuple[int, int, int]:
            rank = 0 if bar.status == SHOWN else 1 if bar.status == SUPPRESSED else 2
            return (bar.label in last, rank, -(bar.value or 0))

        ordered = sorted(bars, key=weight)
    rows = []
    for bar in ordered:
        suppressed = bar.status == SUPPRESSED or bar.value is None
        rows.append(
            {
                "label": bar.label,
                "length": k if suppressed else bar.value,
                "text": bar.text,
                "fill": _hatch(chart_id) if suppressed else DARK_BLUE,
            }
        )
    labels = [bar.label for bar in ordered]
    base = alt.Chart(alt.Data(values=rows))
    y = alt.Y(
        "label:N", sort=labels, title=None, axis=alt.Axis(labelLimit=300, ticks=False, domain=False, labelPadding=6)
    )
    x = alt.X(
        "length:Q",
        title=axis_title,
        scale=alt.Scale(zero=True, nice=True),
        axis=alt.Axis(format="d", tickMinStep=5, grid=True, gridColor="#E8EDEE"),
    )
    chart = alt.layer(
        base.mark_bar(stroke=DARK_BLUE, strokeWidth=1).encode(y=y, x=x, fill=alt.Fill("fill:N", scale=None)),
        base.mark_text(align="left", dx=5, fontSize=13, color=TEXT).encode(y=y, x=x, text="text:N"),
    ).properties(width=340, height=alt.Step(30))

    shown = [b for b in ordered if b.status == SHOWN and b.value]
    hidden = sum(1 for b in ordered if b.status == SUPPRESSED or b.value is None)
    words = [f"Horizontal bar chart of {len(ordered)} categories."]
    if shown:
        top = max(shown, key=lambda b: b.value or 0)
        words.append(f"The largest is {top.label}, with {top.text} reports.")
    if hidden:
        words.append(
            f"{hidden} {'category is' if hidden == 1 else 'categories are'} suppressed, drawn as a hatched "
            f"bar of nominal length labelled {SUPPRESSED_MARK}: the true number is not shown."
        )
    words.append("The table that follows gives every figure.")
    return _svg(chart, chart_id=chart_id, title=title, description=" ".join(words), hatch=DARK_BLUE)


# -- heatmap of pairs ----------------------------------------------------------------------


def pair_heatmap(
    labels: Sequence[tuple[str, str]],
    pairs: Mapping[tuple[str, str], Bar],
    *,
    chart_id: str,
    title: str,
) -> str:
    """A triangle of cells, one per pair of characteristics (``labels``: (code, label) in
    order; ``pairs``: (code, code) in that order -> its count). Darker is more; every cell
    also carries its number, or [c] over hatching when it is suppressed."""
    order = [label for _code, label in labels]
    values = [b.value for b in pairs.values() if b.status == SHOWN and b.value]
    top = max(values, default=0)
    cells = []
    for (first, second), bar in pairs.items():
        row, col = dict(labels)[first], dict(labels)[second]
        if bar.status == SUPPRESSED or bar.value is None:
            fill, ink = _hatch(chart_id), TEXT
        elif not bar.value:
            fill, ink = "white", TEXT
        else:
            step = min(2, int(3 * bar.value / (top + 1e-9))) if top else 0
            fill, ink = SEQUENTIAL[step], TEXT if step == 0 else "white"
        cells.append({"row": row, "col": col, "fill": fill, "ink": ink, "text": bar.text})
    base = alt.Chart(alt.Data(values=cells))
    x = alt.X(
        "col:N",
        sort=order,
        title=None,
        axis=alt.Axis(orient="top", labelAngle=-40, labelAlign="left", labelLimit=220, ticks=False, domain=False),
    )
    y = alt.Y("row:N", sort=order, title=None, axis=alt.Axis(labelLimit=220, ticks=False, domain=False))
    chart = alt.layer(
        base.mark_rect(stroke=DARK_GREY, strokeWidth=0.5).encode(x=x, y=y, fill=alt.Fill("fill:N", scale=None)),
        base.mark_text(fontSize=12, fontWeight="bold").encode(
            x=x, y=y, text="text:N", color=alt.Color("ink:N", scale=None)
        ),
    ).properties(width=alt.Step(46), height=alt.Step(34))
    hidden = sum(1 for b in pairs.values() if b.status == SUPPRESSED or b.value is None)
    words = [
        f"Grid of {len(pairs)} pairs of characteristics; each cell gives the number of reports that "
        "mention both, and darker cells hold more reports."
    ]
    if values:
        (first, second), bar = max(
            ((key, b) for key, b in pairs.items() if b.status == SHOWN and b.value), key=lambda item: item[1].value or 0
        )
        words.append(f"The most common pair is {dict(labels)[first]} with {dict(labels)[second]} ({bar.text}).")
    if hidden:
        words.append(f"{hidden} cells are suppressed, hatched and marked {SUPPRESSED_MARK}.")
    return _svg(chart, chart_id=chart_id, title=title, description=" ".join(words), hatch=DARK_GREY)


# -- UpSet view of combinations ------------------------------------------------------------


@dataclass(frozen=True)
class Combination:
    """An exact set of characteristics (codes; empty for "every other combination")."""

    members: tuple[str, ...]
    bar: Bar


def upset(
    combinations: Sequence[Combination],
    labels: Sequence[tuple[str, str]],
    *,
    chart_id: str,
    title: str,
    k: int,
) -> str:
    """Bars for each exact combination of characteristics (largest first, the folded "other"
    last) over a matrix of dots saying which characteristics each combination holds."""

    def weight(combo: Combination) -> tuple[int, int, int]:
        rank = 0 if combo.bar.status == SHOWN else 1 if combo.bar.status == SUPPRESSED else 2
        return (not combo.members, rank, -(combo.bar.value or 0))

    ordered = sorted(combinations, key=weight)
    keys = [f"{n}" for n in range(1, len(ordered) + 1)]
    names = dict(labels)
    used = [code for code, _label in labels if any(code in c.members for c in ordered)]
    set_order = [names[code] for code in used]
    bars, dots, links = [], [], []
    for key, combo in zip(keys, ordered, strict=True):
        suppressed = combo.bar.status == SUPPRESSED or combo.bar.value is None
        bars.append(
            {
                "key": key,
                "length": k if suppressed else combo.bar.value,
                "text": combo.bar.text,
                "fill": _hatch(chart_id) if suppressed else DARK_BLUE,
            }
        )
        for code in used:
            dots.append({"key": key, "set": names[code], "fill": DARK_BLUE if code in combo.members else LIGHT_GREY})
        inside = [names[code] for code in used if code in combo.members]
        if len(inside) > 1:
            links.append({"key": key, "low": inside[0], "high": inside[-1]})
    others = [key for key, combo in zip(keys, ordered, strict=True) if not combo.members]
    label_expr = " || ".join(f"datum.value == '{key}'" for key in others) or "false"
    x_top = alt.X("key:N", sort=keys, title=None, axis=None)
    x_low = alt.X(
        "key:N",
        sort=keys,
        title=None,
        axis=alt.Axis(labelExpr=f"({label_expr}) ? 'Other' : ''", ticks=False, domain=False, labelAngle=0),
    )
    top = alt.Chart(alt.Data(values=bars))
    y_bar = alt.Y(
        "length:Q",
        title="Reports",
        scale=alt.Scale(zero=True, nice=True),
        axis=alt.Axis(format="d", tickMinStep=5, grid=True, gridColor="#E8EDEE"),
    )
    upper = alt.layer(
        top.mark_bar(stroke=DARK_BLUE, strokeWidth=1).encode(x=x_top, y=y_bar, fill=alt.Fill("fill:N", scale=None)),
        top.mark_text(dy=-7, fontSize=12, color=TEXT).encode(x=x_top, y=y_bar, text="text:N"),
    ).properties(width=alt.Step(40), height=180)
    y_set = alt.Y("set:N", sort=set_order, title=None, axis=alt.Axis(ticks=False, domain=False, labelLimit=220))
    layers = [
        alt.Chart(alt.Data(values=dots))
        .mark_circle(size=150, opacity=1)
        .encode(x=x_low, y=y_set, fill=alt.Fill("fill:N", scale=None))
    ]
    if links:
        layers.insert(
            0,
            alt.Chart(alt.Data(values=links))
            .mark_rule(strokeWidth=3, color=DARK_BLUE)
            .encode(x=x_low, y=alt.Y("low:N", sort=set_order, title=None), y2="high:N"),
        )
    lower = alt.layer(*layers).properties(width=alt.Step(40), height=alt.Step(24))
    chart = alt.vconcat(upper, lower, spacing=4).resolve_scale(x="shared")

    words = [
        f"UpSet chart of {len(ordered)} combinations of characteristics. Each column is one exact combination: "
        "its bar gives the number of reports, and the filled dots beneath show which characteristics it holds."
    ]
    if others:
        words.append("The column marked Other gathers every combination too small to show on its own.")
    hidden = sum(1 for c in ordered if c.bar.status == SUPPRESSED or c.bar.value is None)
    if hidden:
        words.append(f"{hidden} columns are suppressed, drawn hatched and marked {SUPPRESSED_MARK}.")
    return _svg(chart, chart_id=chart_id, title=title, description=" ".join(words), hatch=DARK_BLUE)


# -- XmR chart -----------------------------------------------------------------------------


def xmr_chart(labels: Sequence[str], result: spc.XmR, *, chart_id: str, title: str) -> str:
    """The quarterly totals as an individuals chart: the line breaks at a suppressed quarter
    (marked [c]); mean and process limits are labelled; special-cause points are orange
    triangles (pointing up for a high or rising signal, down for a low or falling one)
    instead of dark blue circles."""
    special, directions = result.special, result.directions
    points: list[dict[str, Any]] = []
    gaps: list[dict[str, Any]] = []
    for label, value, rules, direction in zip(labels, result.values, special, directions, strict=True):
        if value is None:
            gaps.append({"q": label, "y": 0, "text": SUPPRESSED_MARK})
            points.append({"q": label, "y": None})
            continue
        shape = ("triangle-up" if direction > 0 else "triangle-down") if rules else "circle"
        points.append(
            {
                "q": label,
                "y": value,
                "fill": ORANGE if rules else DARK_BLUE,
                "shape": shape,
                "size": 140 if rules else 70,
            }
        )
    x = alt.X("q:N", sort=list(labels), title=None, axis=alt.Axis(labelAngle=-40, labelAlign="right"))
    y_scale = alt.Scale(zero=True, nice=True)
    base = alt.Chart(alt.Data(values=points))
    layers = [
        base.mark_line(color=DARK_BLUE, strokeWidth=2).encode(
            x=x,
            y=alt.Y(
                "y:Q",
                title="Reports (rounded to the nearest 5)",
                scale=y_scale,
                axis=alt.Axis(format="d", grid=True, gridColor="#E8EDEE"),
            ),
        ),
        base.transform_filter("datum.y != null")
        .mark_point(filled=True, opacity=1)
        .encode(
            x=x,
            y="y:Q",
            fill=alt.Fill("fill:N", scale=None),
            shape=alt.Shape("shape:N", scale=None),
            size=alt.Size("size:Q", scale=None),
        ),
    ]
    lines = []
    if result.mean is not None:
        lines.append({"y": result.mean, "name": "Mean", "dash": [1, 0]})
    if result.upper is not None and result.lower is not None:
        lines.append({"y": result.upper, "name": "Upper limit", "dash": [6, 4]})
        if result.lower > 0:
            lines.append({"y": result.lower, "name": "Lower limit", "dash": [6, 4]})
    if lines:
        for dash in ([1, 0], [6, 4]):
            chosen = [line for line in lines if line["dash"] == dash]
            if chosen:
                layers.append(
                    alt.Chart(alt.Data(values=chosen))
                    .mark_rule(color=DARK_GREY, strokeWidth=1.5, strokeDash=dash)
                    .encode(y="y:Q")
                )
        names = alt.Chart(alt.Data(values=lines))
        layers.append(
            names.mark_text(align="left", dx=4, fontSize=12, color=TEXT, x="width").encode(y="y:Q", text="name:N")
        )
    if gaps:
        layers.append(
            alt.Chart(alt.Data(values=gaps))
            .mark_text(dy=-8, fontSize=12, color=TEXT)
            .encode(x=x, y="y:Q", text="text:N")
        )
    chart = alt.layer(*layers).properties(width=max(220, 44 * len(labels)), height=240)

    present = [v for v in result.values if v is not None]
    words = [
        f"Line chart of reports in each of {len(labels)} quarters, from {labels[0]} to {labels[-1]}."
        if labels
        else "Line chart with no quarters."
    ]
    if result.mean is not None:
        words.append(f"The mean is {result.mean:,.1f}.")
    if result.upper is not None and result.lower is not None:
        words.append(f"The process limits are {max(result.lower, 0):,.1f} and {result.upper:,.1f}.")
    flagged = sum(1 for rules in special if rules)
    words.append(
        f"{flagged} of {len(present)} quarters show special cause variation, drawn as orange triangles."
        if flagged
        else "No quarter shows special cause variation."
    )
    if gaps:
        words.append(
            f"{len(gaps)} quarters are suppressed: the line breaks there and they are marked {SUPPRESSED_MARK}."
        )
    return _svg(chart, chart_id=chart_id, title=title, description=" ".join(words))
