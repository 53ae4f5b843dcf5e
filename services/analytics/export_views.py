"""Downloads of the leads' figures (PDF report, XLSX workbook, tidy CSV).

An export takes the same ``release`` and ``scope`` parameters as the dashboard pages and the
same scope rules (services/analytics/views.py): a lead for one organisation can export only
that organisation; a system-wide lead chooses. Files are built from the release's cells,
never from report rows. Each download is recorded in the audit log in the same transaction
as building the file: if the entry cannot be written, the file is not served. The audit
page is ``audit_pages``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Response, abort, current_app, render_template
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from portal_common.db import unit_of_work
from portal_common.signin import current_staff, role_required, signin_state
from portal_common.staff_web import render_error

from . import audit, exports, published, report_pdf
from .published import TOPICS, Topic
from .views import Choice, Figure, _choose, _figures, headline_comparison, pages, today, trend_for

log = logging.getLogger(__name__)

FORMATS = ("pdf", "xlsx", "csv")
ACTIONS = {fmt: f"export_{fmt}" for fmt in FORMATS}


@dataclass
class Section:
    topic: Topic
    figures: list[Figure]


def _pdf(session: Session, choice: Choice) -> bytes:
    sections = [Section(topic, _figures(choice, topic)) for topic in TOPICS if choice.offers(topic)]
    trend = trend_for(session, choice)
    tables = [fig.table for section in sections for fig in section.figures]
    total = published.total_of(choice.cells)
    cells = 1 + sum(len(t.rows) for t in tables) + sum(row["quarter"].count is not None for row in trend.rows)
    suppressed = int(total.hidden) + sum(t.suppressed for t in tables) + trend.suppressed
    release = choice.release
    footer = (
        f"{choice.scope_name}, {published.period_span(release)}. k = {release.k}, counts rounded to the nearest "
        f"{release.rounding}; [c] = not published"
    )
    html = render_template(
        "analytics/report.html",
        title=f"Micro-aggression reports: {choice.scope_name}, {published.period_span(release)}",
        choice=choice,
        release=release,
        made_on=today(),
        rule=exports.rule_text(release),
        c_meaning=exports.C_MEANING.format(k=release.k),
        cells=cells,
        suppressed=suppressed,
        total=total,
        comparison=headline_comparison(session, choice),
        sections=sections,
        trend=trend,
        footer=Markup(report_pdf.css_string(footer)),  # noqa: S704 - css_string escapes every character
    )
    return report_pdf.render(html)


def _build(fmt: str, session: Session, choice: Choice) -> bytes:
    if fmt == "pdf":
        return _pdf(session, choice)
    assert choice.scope is not None
    tables = exports.tidy_tables(choice.release, choice.scope, choice.cells, choice.names)
    if fmt == "xlsx":
        return exports.to_xlsx(choice.release, choice.scope_name, tables)
    return exports.to_csv(choice.release, choice.scope, tables)


@pages.get("/exports/<fmt>")
@role_required("lead")
def export(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    staff = current_staff()
    assert staff is not None  # role_required ran first
    try:
        with unit_of_work(current_app.extensions["portal"]["sessions"]) as session:
            choice = _choose(session)
            if not isinstance(choice, Choice):
                return choice  # no release yet, or a scope this lead may not see: nothing built, nothing recorded
            if choice.scope is None:
                return render_error(404, "No figures to download", choice.notice)
            body = _build(fmt, session, choice)
            audit.record(
                session,
                staff.email or staff.subject,
                ACTIONS[fmt],
                audit.release_target(choice.release),
                f"Scope: {choice.scope_name} ({exports.scope_code(choice.scope)}); {choice.period}",
                minute=signin_state().minute(),
            )
            session.flush()
    except SQLAlchemyError as error:
        log.error("export not recorded, so not served", extra={"error": type(error).__name__, "status": 503})
        return render_error(
            503,
            "The download could not be recorded",
            "Every download of these figures is recorded in the audit log, and the record could not be written "
            "just now, so nothing was downloaded. Try again in a few minutes.",
        )
    name = exports.filename(choice.release, choice.scope, fmt)
    return Response(
        body,
        content_type=exports.CONTENT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
