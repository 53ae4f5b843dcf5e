"""The content pages: start, FAQ, privacy notice, accessibility statement, and "you said,
we did" (the actions leads have published)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy.exc import OperationalError

from portal_common import organisations, taxonomy
from portal_common.db import unit_of_work

from ..operations import published
from ..receipt_status import characteristic_labels, theme_labels
from ..schemas import ACCOUNT_MAX
from . import intake, log_unavailable

bp = Blueprint("pages", __name__)


@bp.get("/")
def start():
    return render_template("start.html", account_max=ACCOUNT_MAX)


@bp.get("/faq")
def faq():
    return render_template("faq.html")


@bp.get("/privacy")
def privacy():
    return render_template("privacy.html")


@bp.get("/accessibility")
def accessibility():
    return render_template("accessibility.html")


@bp.get("/support")
def support():
    return render_template("support.html")


@bp.get("/you-said-we-did")
def you_said_we_did():
    """Every published action, the newest first; optionally only one theme's."""
    theme = request.args.get("theme", "")
    if theme not in taxonomy.THEME_CODES:
        theme = ""
    try:
        page = max(1, min(10_000, int(request.args.get("page", "1"))))
    except ValueError:
        page = 1
    try:
        with unit_of_work(intake().sessions) as session:
            found = published.newest_first(session, page, theme or None)
    except OperationalError:
        log_unavailable()
        return render_template("message.html", title="Sorry, there is a problem", kind="problem"), 503
    names = {org.code: org.name for org in organisations.load()}
    return render_template(
        "you_said_we_did.html",
        actions=[published.action_view(action, names) for action in found.actions],
        found=found,
        theme=theme,
        theme_choices=taxonomy.THEMES,
        themes=theme_labels(),
        characteristics=characteristic_labels(),
        week_label=published.week_label,
    )
