"""Staff survey and WRES figures: uploads (checked, stored, deletable, audited) and the page
that shows them beside the report counts for the same organisation and year."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal_common.db import unit_of_work
from portal_common.signin import StaffUser, role_required, signin_state

from . import access, audit, benchmarks, published, targets, views
from .benchmarks import GROUND_MEASURES, MEASURES, SURVEY_MEASURES, WRES_MEASURES, UploadError
from .models import STAFF_SURVEY, WRES, BenchmarkFigure, BenchmarkUpload, Release
from .published import Count
from .survey_workbook import parse_staff_survey, survey_summary

bp = Blueprint("analytics_benchmarks", __name__, url_prefix="/benchmarks")

MB = 1024 * 1024
LIMITS = {STAFF_SURVEY: 25 * MB, WRES: 2 * MB}
ENDPOINT_KIND = {"analytics_benchmarks.upload_survey": STAFF_SURVEY, "analytics_benchmarks.upload_wres": WRES}
SUFFIX = {STAFF_SURVEY: ".xlsx", WRES: ".csv"}
TITLES = {STAFF_SURVEY: "Upload NHS Staff Survey results", WRES: "Upload WRES indicators"}


@bp.url_value_preprocessor
def _upload_limit(endpoint: str | None, _values) -> None:
    """Uploads may be larger than any other form. This runs before the CSRF check reads the body."""
    kind = ENDPOINT_KIND.get(endpoint or "")
    if kind is not None:
        request.max_content_length = LIMITS[kind] + 256 * 1024  # the file plus the form around it


def _sessions():
    return current_app.extensions["portal"]["sessions"]


def _names() -> dict[str, str]:
    return published.organisation_names()


def _refusal(staff: StaffUser):
    return None if staff.lead_scope else render_template("analytics/no_scope.html")


# -- the page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    label: str
    group: str
    source: str
    percent: str
    interval: str
    base: str
    beside: list[tuple[str, str]]


def _beside(measure: benchmarks.Measure, cells: dict[str, dict[str, Count]] | None) -> list[tuple[str, str]]:
    """The report counts that sit beside a survey figure: reports naming the same source or ground."""
    if cells is None:
        return []
    if measure.characteristic:
        labels = {c.code: c.label for c in published.TABLE_CHOICES["characteristics"]}
        count = cells.get("characteristics", {}).get(measure.characteristic, published.MISSING)
        return [(labels.get(measure.characteristic, measure.characteristic), count.text)]
    labels = {c.code: c.label for c in published.TABLE_CHOICES["sources"]}
    return [
        (labels.get(code, code), cells.get("sources", {}).get(code, published.MISSING).text) for code in measure.sources
    ]


def _shown(figure: BenchmarkFigure, cells) -> Shown:
    measure = MEASURES.get(figure.measure)
    label = measure.label if measure else figure.measure
    percent = interval = base = "Not published"
    if figure.percent is not None:
        percent = f"{figure.percent:.1f}%"
    if figure.base:
        base = f"{figure.base:,}"
        if figure.percent is not None:
            low, high = benchmarks.wilson_interval(figure.percent, figure.base)
            interval = f"{low:.1f}% to {high:.1f}%"
    elif figure.percent is not None:
        interval = "No base published"
    beside = _beside(measure, cells) if measure else []
    return Shown(label, figure.group_label, figure.source, percent, interval, base, beside)


def _release_for_year(session: Session, year: int) -> Release | None:
    """The latest published 12-month release ending in ``year``."""
    found = [r for r in targets.rolling_years(session, views.today()) if r.ends_on.year == year]
    return found[0] if found else None


def _latest_figures(session: Session, org: str, year: int) -> list[BenchmarkFigure]:
    """The organisation's figures for a year, the newest upload's where two uploads give the same one."""
    rows = session.scalars(
        select(BenchmarkFigure)
        .where(BenchmarkFigure.org_code == org, BenchmarkFigure.year == year)
        .order_by(BenchmarkFigure.upload_id.desc(), BenchmarkFigure.id)
    ).all()
    kept: dict[tuple[str, str, str], BenchmarkFigure] = {}
    for row in rows:
        kept.setdefault((row.source.lower(), row.measure, row.group_label.lower()), row)
    order = {m.code: i for i, m in enumerate((*SURVEY_MEASURES, *GROUND_MEASURES, *WRES_MEASURES))}
    return sorted(kept.values(), key=lambda f: (order.get(f.measure, 99), f.group_label, f.source))


@bp.get("/")
@role_required("lead")
def page():
    staff = access.lead()
    refusal = _refusal(staff)
    if refusal:
        return refusal
    names = _names()
    orgs = access.organisation_codes() if access.is_system_lead(staff) else [staff.lead_scope or ""]
    with unit_of_work(_sessions()) as session:
        with_figures = set(session.scalars(select(BenchmarkFigure.org_code).distinct()))
        asked = request.args.get("organisation", "").strip()
        if asked:
            access.require(staff, asked)
            if asked not in orgs:
                abort(404)
            org = asked
        else:
            org = next((o for o in orgs if o in with_figures), orgs[0])
        years = sorted(
            set(session.scalars(select(BenchmarkFigure.year).where(BenchmarkFigure.org_code == org).distinct())),
            reverse=True,
        )
        wanted = request.args.get("year", "").strip()
        year = int(wanted) if wanted.isdigit() and int(wanted) in years else (years[0] if years else None)
        survey, wres, release, cells, total = [], [], None, None, None
        if year is not None:
            release = _release_for_year(session, year)
            if release is not None and published.scope_total(session, release.id, org) is not None:
                cells = published.load_cells(session, release.id, org)
                total = published.total_of(cells)
            for figure in _latest_figures(session, org, year):
                shown = _shown(figure, cells)
                (wres if figure.measure.startswith("wres_") else survey).append(shown)
        return render_template(
            "analytics/benchmarks.html",
            org=org,
            org_name=published.scope_label(org, names),
            organisations=[(o, published.scope_label(o, names)) for o in orgs],
            years=years,
            year=year,
            survey=survey,
            wres=wres,
            release=release,
            release_period=published.period_span(release) if release else "",
            total=total,
            cells_missing=release is not None and cells is None,
        )


# -- uploads ----------------------------------------------------------------------------------


def _uploads_query(staff: StaffUser):
    query = select(BenchmarkUpload).order_by(BenchmarkUpload.id.desc())
    if not access.is_system_lead(staff):
        query = query.where(BenchmarkUpload.scope == staff.lead_scope)
    return query


@bp.get("/uploads")
@role_required("lead")
def uploads():
    staff = access.lead()
    refusal = _refusal(staff)
    if refusal:
        return refusal
    with unit_of_work(_sessions()) as session:
        rows = session.scalars(_uploads_query(staff)).all()
        return render_template("analytics/benchmark_uploads.html", uploads=rows, kinds=KIND_LABELS)


KIND_LABELS = {STAFF_SURVEY: "NHS Staff Survey workbook", WRES: "WRES indicators (CSV)"}


def _file_name(raw: str) -> str:
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[^\w .()+-]", "_", name).strip() or "upload"
    return name[:120]


def _read_file(kind: str, errors: dict[str, str], field: str) -> tuple[bytes, str] | None:
    """The uploaded file's bytes and name, or None with an error for ``field``."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        errors[field] = "Choose the file to upload"
        return None
    name = _file_name(upload.filename)
    if not name.lower().endswith(SUFFIX[kind]):
        kind_words = "an Excel workbook ending .xlsx" if kind == STAFF_SURVEY else "a CSV file ending .csv"
        errors[field] = f"The file must be {kind_words}"
        return None
    data = upload.stream.read(LIMITS[kind] + 1)
    if len(data) > LIMITS[kind]:
        errors[field] = f"The file must be smaller than {LIMITS[kind] // MB} MB"
        return None
    if not data:
        errors[field] = "The file is empty"
        return None
    return data, name


def _form(kind: str, errors: dict[str, str], year: str = "", problems: list[str] | None = None, code: int = 200):
    return (
        render_template(
            "analytics/benchmark_upload.html",
            kind=kind,
            title=TITLES[kind],
            errors=errors,
            problems=problems or [],
            year=year,
            limit=LIMITS[kind] // MB,
            this_year=views.today().year,
        ),
        400 if errors else code,
    )


def _store(session: Session, kind: str, staff: StaffUser, name: str, rows, summary: str) -> BenchmarkUpload:
    upload = BenchmarkUpload(
        kind=kind,
        scope=staff.lead_scope or "",
        file_name=name,
        uploaded_on=views.today(),
        figures=len(rows),
        summary=summary,
    )
    session.add(upload)
    session.flush()
    session.add_all(
        BenchmarkFigure(
            upload_id=upload.id,
            org_code=r.org_code,
            year=r.year,
            source=r.source,
            measure=r.measure,
            group_label=r.group_label,
            percent=r.percent,
            base=r.base,
        )
        for r in rows
    )
    audit.record(
        session,
        access.actor(staff),
        "benchmark.uploaded",
        f"upload {upload.id}",
        f"{KIND_LABELS[kind]}: {summary}",
        minute=signin_state().minute(),
    )
    return upload


def _allowed(staff: StaffUser) -> set[str] | None:
    return None if access.is_system_lead(staff) else {staff.lead_scope or ""}


@bp.route("/uploads/staff-survey", methods=["GET", "POST"])
@role_required("lead")
def upload_survey():
    staff = access.lead()
    refusal = _refusal(staff)
    if refusal:
        return refusal
    if request.method == "GET":
        return _form(STAFF_SURVEY, {})
    errors: dict[str, str] = {}
    year_text = request.form.get("year", "").strip()[:8]
    year = int(year_text) if year_text.isdigit() else 0
    if not 2010 <= year <= views.today().year:
        errors["year"] = f"Enter the survey year as four digits, from 2010 to {views.today().year}"
    found = _read_file(STAFF_SURVEY, errors, "workbook")
    if errors or found is None:
        return _form(STAFF_SURVEY, errors, year_text)
    data, name = found
    try:
        rows = parse_staff_survey(data, year, set(access.organisation_codes()), _allowed(staff))
    except UploadError as refused:
        errors["workbook"] = "We could not use this workbook: what is wrong with it is listed below"
        return _form(STAFF_SURVEY, errors, year_text, refused.messages)
    with unit_of_work(_sessions()) as session:
        _store(session, STAFF_SURVEY, staff, name, rows, survey_summary(rows, year))
    flash(f"{len(rows)} staff survey figures for {year} saved from {name}.")
    return redirect(url_for("analytics_benchmarks.page", year=year))


@bp.route("/uploads/wres", methods=["GET", "POST"])
@role_required("lead")
def upload_wres():
    staff = access.lead()
    refusal = _refusal(staff)
    if refusal:
        return refusal
    if request.method == "GET":
        return _form(WRES, {})
    errors: dict[str, str] = {}
    found = _read_file(WRES, errors, "csv")
    if errors or found is None:
        return _form(WRES, errors)
    data, name = found
    try:
        rows = benchmarks.parse_wres_csv(data, set(access.organisation_codes()), _allowed(staff))
    except UploadError as refused:
        errors["csv"] = "We could not use this file: what is wrong with it is listed below"
        return _form(WRES, errors, problems=refused.messages)
    with unit_of_work(_sessions()) as session:
        _store(session, WRES, staff, name, rows, benchmarks.wres_summary(rows))
    flash(f"{len(rows)} WRES figures saved from {name}.")
    return redirect(url_for("analytics_benchmarks.page", year=max(r.year for r in rows)))


@bp.errorhandler(413)
def _too_large(_exc):
    kind = ENDPOINT_KIND.get(request.endpoint or "")
    if kind is None:
        return render_template("staff/message.html", title="Too large", text="What was sent is too large."), 413
    field = "workbook" if kind == STAFF_SURVEY else "csv"
    page, _status = _form(kind, {field: f"The file must be smaller than {LIMITS[kind] // MB} MB"})
    return page, 413


@bp.route("/uploads/<int:upload_id>/delete", methods=["GET", "POST"])
@role_required("lead")
def delete_upload(upload_id: int):
    staff = access.lead()
    refusal = _refusal(staff)
    if refusal:
        return refusal
    with unit_of_work(_sessions()) as session:
        upload = session.get(BenchmarkUpload, upload_id)
        if upload is None:
            abort(404)
        access.require(staff, upload.scope)
        if request.method == "GET":
            return render_template("analytics/benchmark_delete.html", upload=upload, kind=KIND_LABELS[upload.kind])
        audit.record(
            session,
            access.actor(staff),
            "benchmark.deleted",
            f"upload {upload.id}",
            f"{KIND_LABELS[upload.kind]} {upload.file_name} of {upload.uploaded_on.isoformat()}: {upload.summary}",
            minute=signin_state().minute(),
        )
        session.query(BenchmarkFigure).filter(BenchmarkFigure.upload_id == upload.id).delete()
        session.delete(upload)
        flash(f"Deleted {upload.file_name} and its {upload.figures} figures.")
        return redirect(url_for("analytics_benchmarks.uploads"))
