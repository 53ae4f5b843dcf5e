"""The leads' dashboards: published releases only, for the scope a lead's sign-in allows.

Every page takes two optional query parameters, from a GET form that works without
JavaScript: ``release`` (the id of a published release; the newest by default) and
``scope`` ("system" for the whole system, or an organisation code). A lead whose sign-in
scope is "system" may choose the whole system or any organisation with figures of its own in
that release; a lead for one organisation sees only that organisation (any other scope is
refused with 403), and the chooser never offers anything else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal_common.db import unit_of_work
from portal_common.signin import current_staff, role_required
from portal_common.staff_web import render_error

from . import charts, published, spc
from .models import Release
from .published import SYSTEM, TOPIC_BY_SLUG, TOPICS, Table, Topic

pages = Blueprint("analytics_pages", __name__)
api = Blueprint("analytics_api", __name__, url_prefix="/api/v1")

SYSTEM_PARAMETER = "system"
RULE_NAMES = {
    spc.OUTSIDE: "a point outside the process limits",
    spc.SHIFT: "a shift",
    spc.TREND: "a trend",
    spc.TWO_OF_THREE: "two of three points close to a limit",
}


def today() -> dt.date:
    return dt.date.today()


@dataclass
class Choice:
    """What one request shows: the release, the scope and what the choosers offer."""

    releases: list[Release]
    release: Release
    scope: str | None  # None: nothing this lead may see in this release
    scopes: list[str]
    names: dict[str, str]
    lead_scope: str
    notice: str = ""
    cells: dict = field(default_factory=dict)

    @property
    def scope_parameter(self) -> str:
        return SYSTEM_PARAMETER if self.scope == SYSTEM else (self.scope or "")

    def link_args(self) -> dict[str, str | int]:
        args: dict[str, str | int] = {"release": self.release.id}
        if self.scope is not None:
            args["scope"] = self.scope_parameter
        return args

    def scope_options(self) -> list[tuple[str, str]]:
        return [(SYSTEM_PARAMETER if s == SYSTEM else s, published.scope_label(s, self.names)) for s in self.scopes]

    def period_options(self) -> list[tuple[int, str]]:
        return [(r.id, published.period_label(r)) for r in self.releases]

    @property
    def period(self) -> str:
        return published.period_label(self.release)

    def offers(self, topic: Topic) -> bool:
        """Is the topic in this scope's sections? Whole-system topics only for the whole system,
        and the intersections only where the release has them for this scope."""
        if topic.system_only and self.scope != SYSTEM:
            return False
        return self.scope is None or published.released_here(topic, self.cells)

    def withheld(self) -> list[Topic]:
        """Topics the release does not publish for this scope (said so on the overview)."""
        if self.scope is None:
            return []
        return [t for t in TOPICS if t.where_released and not published.released_here(t, self.cells)]

    @property
    def scope_name(self) -> str:
        return "" if self.scope is None else published.scope_label(self.scope, self.names)

    def note(self, hidden: int) -> str:
        cells = "cell" if hidden == 1 else "cells"
        return (
            f"k = {self.release.k}, counts rounded to the nearest {self.release.rounding}, "
            f"{hidden} {cells} suppressed in this table"
        )


def _sessions():
    return current_app.extensions["portal"]["sessions"]


def _render_empty(session: Session, template_args: dict):
    waiting = session.scalars(select(Release).where(Release.publish_on > today()).order_by(Release.publish_on)).first()
    return render_template(
        "analytics/no_release.html",
        waiting=waiting,
        waiting_period=published.period_span(waiting) if waiting else "",
        **template_args,
    )


def _choose(session: Session):
    """The Choice for this request, or a response (an empty state or a refusal)."""
    staff = current_staff()
    assert staff is not None  # role_required ran first
    releases = published.published_releases(session, today())
    if not releases:
        return _render_empty(session, {})
    wanted = request.args.get("release", "").strip()
    if wanted:
        release = next((r for r in releases if str(r.id) == wanted), None)
        if release is None:
            return render_error(
                404,
                "Period not found",
                "There is no published release with that number. Choose a period from the list.",
            )
    else:
        release = releases[0]
    names = published.organisation_names()
    lead_scope = staff.lead_scope or ""
    available = published.organisation_scopes(session, release.id)
    if not lead_scope:
        return render_template("analytics/no_scope.html")
    if lead_scope == SYSTEM_PARAMETER:
        scopes = [SYSTEM, *sorted(available, key=lambda code: published.scope_label(code, names))]
    else:
        scopes = [lead_scope] if lead_scope in available else []
    asked = request.args.get("scope", "").strip()
    if not asked:
        scope = SYSTEM if lead_scope == SYSTEM_PARAMETER else lead_scope
    else:
        scope = SYSTEM if asked == SYSTEM_PARAMETER else asked
    if lead_scope != SYSTEM_PARAMETER and scope != lead_scope:
        return render_error(
            403,
            "You cannot see these figures",
            f"Your lead access covers {published.scope_label(lead_scope, names)} only. "
            "Ask an administrator if you need to see figures for the whole system or another organisation.",
        )
    choice = Choice(releases, release, scope, scopes, names, lead_scope)
    if scope not in scopes:
        if lead_scope == SYSTEM_PARAMETER:
            return render_error(
                404,
                "No figures for that organisation",
                "That organisation has no figures of its own for this period: either the code is not one we know, "
                "or it had too few reports to break them down safely. Choose from the list of organisations.",
            )
        choice.scope = None
        choice.notice = (
            f"{published.scope_label(lead_scope, names)} had too few reports in this period for figures of its "
            f"own to be published: an organisation needs at least {2 * release.k} reports before its figures are "
            "broken down. Choose another period."
        )
        return choice
    choice.cells = published.load_cells(session, release.id, scope)
    return choice


def _nav(choice: Choice, current: str) -> list[dict]:
    items: list[dict[str, Any]] = [{"slug": "", "title": "Overview", "endpoint": "analytics_pages.home"}]
    for topic in TOPICS:
        if not choice.offers(topic):
            continue
        items.append({"slug": topic.slug, "title": topic.title, "endpoint": "analytics_pages.topic"})
    items.append({"slug": "trend", "title": "Trend by quarter", "endpoint": "analytics_pages.trend"})
    for item in items:
        item["current"] = item["slug"] == current
        args: dict[str, Any] = dict(choice.link_args())
        if item["endpoint"].endswith(".topic"):
            args["slug"] = item["slug"]
        item["href"] = url_for(item["endpoint"], **args)
    return items


def headline_comparison(session: Session, choice: Choice) -> published.Comparison | None:
    """This period's total against the same period a year earlier, for the chosen scope."""
    if choice.scope is None:
        return None
    total = published.total_of(choice.cells)
    earlier = published.earlier_release(session, choice.release, today())
    earlier_total = published.scope_total(session, earlier.id, choice.scope) if earlier else None
    if earlier is not None and earlier_total is None:
        return published.Comparison(
            published.period_span(earlier),
            published.MISSING,
            words=(
                "There are no figures of its own for this scope in the same period a year earlier, so the "
                "two periods cannot be compared.",
            ),
        )
    return published.compare(total, earlier, earlier_total)


@pages.get("/")
@role_required("lead")
def home():
    with unit_of_work(_sessions()) as session:
        choice = _choose(session)
        if not isinstance(choice, Choice):
            return choice
        comparison = headline_comparison(session, choice)
        return render_template(
            "analytics/home.html",
            choice=choice,
            nav=_nav(choice, ""),
            comparison=comparison,
            total=published.total_of(choice.cells),
            topics=TOPICS,
            endpoint="analytics_pages.home",
        )


@dataclass
class Figure:
    id: str
    caption: str
    svg: Markup
    table: Table
    note: str
    columns: tuple[str, ...]


def _figures(choice: Choice, topic: Topic) -> list[Figure]:
    figures = []
    for name in topic.tables:
        columns: tuple[str, ...]
        chart_id = f"chart-{name.replace('_', '-')}"
        if name == published.PAIRS:
            table = published.pairs_table(choice.cells)
            labels = [(c.code, c.label) for c in published.TABLE_CHOICES["characteristics"]]
            pairs = {}
            for row in table.rows:
                members = tuple(row.code.split("+"))
                if len(members) == 2:
                    pairs[(members[0], members[1])] = charts.Bar(row.label, row.count.status, row.count.value)
            used = [(code, label) for code, label in labels if any(code in key for key in pairs)]
            svg = (
                charts.pair_heatmap(used, _ordered_pairs(pairs, used), chart_id=chart_id, title=table.title)
                if pairs
                else ""
            )
            columns = ("Pair of characteristics", "Reports")
        elif name == published.COMBINATIONS:
            table = published.combinations_table(choice.cells)
            labels = [(c.code, c.label) for c in published.TABLE_CHOICES["characteristics"]]
            combos = [
                charts.Combination(
                    () if row.code == published.OTHER else tuple(row.code.split("+")),
                    charts.Bar(row.label, row.count.status, row.count.value),
                )
                for row in table.rows
            ]
            svg = (
                charts.upset(combos, labels, chart_id=chart_id, title=table.title, k=choice.release.k) if combos else ""
            )
            columns = ("Combination", "Reports", table.share_heading)
        else:
            table = published.category_table(name, choice.cells, choice.names)
            bars = [charts.Bar(row.label, row.count.status, row.count.value) for row in table.rows]
            last = [row.label for row in table.rows if row.code in (published.NOT_GIVEN, "prefer_not_to_say")]
            svg = (
                charts.bar_chart(
                    bars,
                    chart_id=chart_id,
                    title=table.title,
                    k=choice.release.k,
                    keep_order=name in published.ORDINAL,
                    last=last,
                )
                if bars
                else ""
            )
            columns = ("Answer", "Reports", table.share_heading)
        figures.append(Figure(chart_id, table.title, _trusted(svg), table, choice.note(table.suppressed), columns))
    return figures


def _trusted(svg: str) -> Markup:
    """A chart for the page as it is: charts.py builds it from numbers and our own labels, and
    Vega and charts._svg escape every piece of text in it."""
    return Markup(svg)  # noqa: S704 - see above


def _ordered_pairs(pairs: dict, used: list[tuple[str, str]]) -> dict:
    order = [code for code, _label in used]
    ordered = {}
    for (first, second), bar in pairs.items():
        if first in order and second in order and order.index(first) > order.index(second):
            first, second = second, first
        ordered[(first, second)] = bar
    return ordered


@pages.get("/topics/<slug>")
@role_required("lead")
def topic(slug: str):
    found = TOPIC_BY_SLUG.get(slug)
    if found is None:
        abort(404)
    with unit_of_work(_sessions()) as session:
        choice = _choose(session)
        if not isinstance(choice, Choice):
            return choice
        if found.system_only and choice.scope not in (SYSTEM, None):
            return render_error(
                404, "Page not found", "This breakdown is published for the whole system only. Choose another section."
            )
        withheld = choice.scope is not None and not published.released_here(found, choice.cells)
        if found.where_released and choice.lead_scope == SYSTEM_PARAMETER:
            # The organisation chooser offers only scopes the release has these tables for.
            released = published.intersection_scopes(session, choice.release.id)
            choice.scopes = [s for s in choice.scopes if s in released]
        figures = _figures(choice, found) if choice.scope is not None and not withheld else []
        return render_template(
            "analytics/topic.html",
            withheld=withheld,
            system_link=(
                url_for("analytics_pages.topic", slug=slug, release=choice.release.id, scope=SYSTEM_PARAMETER)
                if withheld and choice.lead_scope == SYSTEM_PARAMETER
                else ""
            ),
            choice=choice,
            nav=_nav(choice, slug),
            topic=found,
            figures=figures,
            total=published.total_of(choice.cells),
            endpoint="analytics_pages.topic",
            slug=slug,
        )


@pages.get("/trend")
@role_required("lead")
def trend():
    with unit_of_work(_sessions()) as session:
        choice = _choose(session)
        if not isinstance(choice, Choice):
            return choice
        return render_template(
            "analytics/trend.html",
            choice=choice,
            nav=_nav(choice, "trend"),
            trend=trend_for(session, choice),
            endpoint="analytics_pages.trend",
        )


@dataclass
class Trend:
    """The quarterly XmR chart up to the chosen period, its table rows and what it shows."""

    result: spc.XmR | None
    svg: Markup
    rows: list[dict]
    findings: list[str]
    note: str
    present: int  # quarters with a published figure
    suppressed: int
    minimum: int = 12  # fewer quarters than this: the limits are provisional


def trend_for(session: Session, choice: Choice) -> Trend:
    quarters, result, svg, findings = [], None, _trusted(""), []
    if choice.scope is not None:
        quarters = published.quarterly_series(session, choice.scope, choice.release.ends_on, today())
    if quarters:
        result = spc.xmr(published.series_values(quarters))
        labels = [q.label for q in quarters]
        svg = _trusted(
            charts.xmr_chart(labels, result, chart_id="chart-trend", title="Reports each quarter, with process limits")
        )
        findings = [_explain(f, quarters, result) for f in result.findings]
    rows = []
    if result is not None:
        for quarter, rules in zip(quarters, result.special, strict=True):
            rows.append({"quarter": quarter, "signals": ", ".join(RULE_NAMES[r] for r in spc.RULES if r in rules)})
    hidden = sum(1 for q in quarters if q.count is not None and q.count.hidden)
    return Trend(
        result,
        svg,
        rows,
        findings,
        choice.note(hidden),
        present=sum(1 for q in quarters if q.count is not None and not q.count.hidden),
        suppressed=hidden,
    )


def _explain(finding: spc.Finding, quarters: list, result: spc.XmR) -> str:
    first, last = quarters[finding.first].label, quarters[finding.last].label
    count = finding.last - finding.first + 1
    if finding.rule == spc.OUTSIDE:
        side = "above the upper" if finding.direction > 0 else "below the lower"
        return (
            f"{first}: {quarters[finding.first].count.text} reports, {side} process limit. A quarter this far "
            "from the usual level is unlikely to be ordinary variation: look for what was different then."
        )
    if finding.rule == spc.SHIFT:
        side = "above" if finding.direction > 0 else "below"
        return (
            f"{first} to {last}: {count} quarters in a row {side} the mean. This shift suggests the usual "
            "level of reporting has changed."
        )
    if finding.rule == spc.TREND:
        way = "higher" if finding.direction > 0 else "lower"
        return (
            f"{first} to {last}: {count} quarters in a row, each {way} than the one before. This trend "
            "suggests reporting is steadily changing."
        )
    side = "upper" if finding.direction > 0 else "lower"
    return (
        f"{first} to {last}: two of three quarters close to the {side} process limit, an early sign "
        "that the level may be changing."
    )


@api.get("/stats")
@role_required("lead")
def stats():
    """The latest published release's headline for the whole system: rounded, or suppressed."""
    staff = current_staff()
    if staff is None or staff.lead_scope != SYSTEM_PARAMETER:
        return jsonify(error="Not available", message="Figures for the whole system are for system-wide leads."), 403
    with unit_of_work(_sessions()) as session:
        releases = published.published_releases(session, today())
        if not releases:
            return jsonify(release=None, reports=None, message="No release has been published yet.")
        latest = releases[0]
        total = published.scope_total(session, latest.id, SYSTEM) or published.MISSING
        return jsonify(
            release={
                "kind": latest.kind,
                "starts_on": latest.starts_on.isoformat(),
                "ends_on": latest.ends_on.isoformat(),
                "k": latest.k,
                "rounding": latest.rounding,
            },
            reports={"status": total.status if not total.hidden else published.SUPPRESSED, "value": total.number},
        )
