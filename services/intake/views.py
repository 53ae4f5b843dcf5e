"""Thin views: parse with a schema, call an operation, answer with an explicit schema."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy.exc import OperationalError

from portal_common import taxonomy
from portal_common.db import unit_of_work

from . import operations
from .schemas import ACCOUNT_MAX, ReportAcceptedSchema, ReportInputSchema

log = logging.getLogger("portal.intake")

api = Blueprint("api", __name__, url_prefix="/api/v1")
web = Blueprint("web", __name__)


def _portal():
    return current_app.extensions["portal"]


@api.post("/reports")
def create_report():
    if not request.is_json:
        return jsonify(errors={"_schema": ["Send the report as application/json."]}), 415
    body = request.get_json(silent=True)
    if body is None:
        return jsonify(errors={"_schema": ["The body is not valid JSON in UTF-8."]}), 400
    try:
        data = ReportInputSchema().load(body)
    except ValidationError as exc:
        return jsonify(errors=exc.messages), 422
    try:
        with unit_of_work(_portal()["sessions"]) as session:
            submission = operations.submit_report(session, _portal()["cipher"], data)
    except OperationalError:
        log.error("database unavailable", extra={"path": request.path})
        return jsonify(errors={"_schema": ["We cannot take reports right now. Please try again shortly."]}), 503
    return jsonify(ReportAcceptedSchema().dump({"id": submission.id, "status": "received"})), 202


MULTI = ("characteristics", "sources")


def _form_data() -> dict:
    data: dict = {}
    for key in request.form:
        if key == "csrf_token":
            continue
        data[key] = request.form.getlist(key) if key in MULTI else request.form.get(key, "")
    return data


@web.route("/report", methods=["GET", "POST"])
def report_form():
    values: dict = {}
    errors: dict = {}
    status = 200
    if request.method == "POST":
        values = _form_data()
        try:
            data = ReportInputSchema().load(values)
        except ValidationError as exc:
            errors, status = exc.messages, 422
        else:
            try:
                with unit_of_work(_portal()["sessions"]) as session:
                    operations.submit_report(session, _portal()["cipher"], data)
            except OperationalError:
                log.error("database unavailable", extra={"path": request.path})
                errors = {"_schema": ["We cannot take reports right now. Nothing has been saved. "
                                      "Your answers are still here: please try again in a few minutes."]}
                status = 503
            else:
                return redirect(url_for("web.report_sent"), code=303)
    return (
        render_template("report.html", values=values, errors=errors, taxonomy=taxonomy, account_max=ACCOUNT_MAX),
        status,
    )


@web.get("/report/sent")
def report_sent():
    return render_template("sent.html")
