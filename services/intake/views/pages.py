"""The content pages: start, FAQ, privacy notice, accessibility statement."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..schemas import ACCOUNT_MAX

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
