"""The resource library: trainers curate guides, policies, posters, videos and reading (each a
link or an uploaded PDF); every signed-in learner searches and reads them.

An upload is accepted only if it is a PDF by name (.pdf), by content (it starts with
``%PDF-``) and by size (at most MAX_BYTES). It is kept in the database and always served as a
download with ``X-Content-Type-Options: nosniff``, so a browser never renders it in the
portal's origin. A link must be https. Adding, changing and deleting an item is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer
from werkzeug.datastructures import FileStorage, MultiDict

from portal_common.db import unit_of_work
from portal_common.models import today
from portal_common.roles import ROLES
from portal_common.signin import current_staff, role_required
from portal_common.taxonomy import THEMES
from portal_common.taxonomy import Choice as Tag

from . import audit
from .curriculum import FIVE_DS, TAG_BY_CODE
from .hub import TRAINER_ROLES
from .models import Resource
from .web_common import sessions

resources = Blueprint("resources", __name__)

MAX_BYTES = 10 * 1024 * 1024
KINDS: tuple[Tag, ...] = (
    Tag("guide", "Guide"),
    Tag("policy", "Policy"),
    Tag("poster", "Poster"),
    Tag("video", "Video"),
    Tag("reading", "Reading"),
)
AUDIENCES: tuple[Tag, ...] = (
    Tag("all_staff", "All staff"),
    Tag("managers", "Line managers and supervisors"),
    Tag("leaders", "Senior and board leaders"),
    Tag("trainers", "Trainers and facilitators"),
    Tag("students", "Students and trainees"),
    Tag("targeted", "People who have been targeted"),
)
D_CHOICES: tuple[Tag, ...] = tuple(Tag(code, TAG_BY_CODE[code].label) for code in FIVE_DS)
KIND_CODES = {k.code for k in KINDS}
AUDIENCE_CODES = {a.code for a in AUDIENCES}
THEME_CODES = {t.code for t in THEMES}
LABELS = {
    "kind": {k.code: k.label for k in KINDS},
    "audience": {a.code: a.label for a in AUDIENCES},
    "theme": {t.code: t.label for t in THEMES},
    "d": {d.code: d.label for d in D_CHOICES},
}


@dataclass
class Form:
    """What a trainer typed, kept whole when something is refused."""

    title: str = ""
    summary: str = ""
    kind: str = ""
    source: str = ""  # link or file
    url: str = ""
    ds: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)

    @classmethod
    def from_row(cls, row: Resource) -> Form:
        return cls(row.title, row.summary, row.kind, "file" if row.file_name else "link", row.url or "",
                   list(row.ds), list(row.themes), list(row.audiences))

    @classmethod
    def from_request(cls, form: MultiDict) -> Form:
        return cls(
            title=" ".join(form.get("title", "").split()),
            summary=form.get("summary", "").strip(),
            kind=form.get("kind", ""),
            source=form.get("source", ""),
            url=form.get("url", "").strip(),
            ds=[v for v in form.getlist("ds") if v in FIVE_DS],
            themes=[v for v in form.getlist("themes") if v in THEME_CODES],
            audiences=[v for v in form.getlist("audiences") if v in AUDIENCE_CODES],
        )


# The app refuses bodies over 64 KB; the two forms that take an upload accept a PDF of MAX_BYTES
# and the form around it. Anything between MAX_BYTES and this is refused with the form kept.
UPLOAD_BODY_LIMIT = MAX_BYTES + 1024 * 1024
UPLOAD_ENDPOINTS = {"resources.new", "resources.edit"}


def _allow_uploads() -> None:
    if request.endpoint in UPLOAD_ENDPOINTS and request.method == "POST":
        request.max_content_length = UPLOAD_BODY_LIMIT


def install_uploads(app) -> None:
    """Raise the body limit for the upload forms, first of all (CSRF checking reads the form)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _allow_uploads)


@resources.errorhandler(413)
def _too_large(_exc):
    return render_template("training/resource_too_large.html", max_mb=MAX_BYTES // (1024 * 1024)), 413


def check_url(url: str) -> str | None:
    """Why a link cannot be used, or None."""
    if not url:
        return "Enter the link's address"
    if len(url) > 500:
        return "The address must be 500 characters or fewer"
    parts = urlsplit(url)
    if parts.scheme.lower() != "https" or not parts.hostname or "." not in parts.hostname:
        return "Enter an address that starts with https://, like https://www.england.nhs.uk/"
    if any(c.isspace() for c in url) or parts.username or parts.password:
        return "Enter an address without spaces or sign-in details"
    return None


@dataclass
class Upload:
    name: str
    data: bytes


def check_upload(file: FileStorage | None) -> tuple[Upload | None, str | None]:
    """The uploaded PDF, or why it is refused. No file at all is (None, None)."""
    if file is None or not file.filename:
        return None, None
    name = re.sub(r"[^A-Za-z0-9._ -]", "_", file.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip()[-120:]
    if not name.lower().endswith(".pdf"):
        return None, "The file must be a PDF (its name ends in .pdf)"
    data = file.stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return None, "The file must be 10 MB or smaller"
    if not data.startswith(b"%PDF-"):
        return None, "The file is not a PDF: its contents do not start as a PDF's do"
    return Upload(name, data), None


def validate(form: Form, upload_file: FileStorage | None, has_file: bool) -> tuple[dict[str, str], Upload | None]:
    errors: dict[str, str] = {}
    if not form.title:
        errors["title"] = "Enter a title"
    elif len(form.title) > 160:
        errors["title"] = "The title must be 160 characters or fewer"
    if not form.summary:
        errors["summary"] = "Enter a short summary of what it is and who it helps"
    elif len(form.summary) > 1000:
        errors["summary"] = "The summary must be 1,000 characters or fewer"
    if form.kind not in KIND_CODES:
        errors["kind"] = "Select the type of resource"
    upload = None
    if form.source == "link":
        problem = check_url(form.url)
        if problem:
            errors["url"] = problem
    elif form.source == "file":
        upload, problem = check_upload(upload_file)
        if problem:
            errors["file"] = problem + ". Choose the file again."
        elif upload is None and not has_file:
            errors["file"] = "Choose a PDF file to upload"
    else:
        errors["source"] = "Select whether this is a link or a PDF"
    if not form.audiences:
        errors["audiences"] = "Select who it is for"
    return errors, upload


def _actor() -> str:
    staff = current_staff()
    assert staff is not None
    return staff.email or staff.display_name


# -- search -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    text: str
    kind: str
    d: str
    theme: str
    audience: str

    @classmethod
    def from_args(cls, args: MultiDict) -> Query:
        def pick(name: str, allowed) -> str:
            value = args.get(name, "")
            return value if value in allowed else ""

        return cls(
            text=" ".join(args.get("q", "").split())[:100],
            kind=pick("kind", KIND_CODES),
            d=pick("d", set(FIVE_DS)),
            theme=pick("theme", THEME_CODES),
            audience=pick("audience", AUDIENCE_CODES),
        )

    @property
    def active(self) -> bool:
        return any((self.text, self.kind, self.d, self.theme, self.audience))


def search(session: Session, query: Query) -> list[Resource]:
    """Items matching every filter and every word of the text (in the title or summary), newest first.

    The library holds hundreds of items at most, so the tag filters run here rather than as
    JSON queries that differ between SQLite and PostgreSQL."""
    statement = select(Resource).order_by(Resource.updated_on.desc(), Resource.id.desc())
    if query.kind:
        statement = statement.where(Resource.kind == query.kind)
    words = [w.lower() for w in query.text.split()]
    found = []
    for row in session.scalars(statement):
        haystack = f"{row.title} {row.summary}".lower()
        if any(w not in haystack for w in words):
            continue
        if (query.d and query.d not in row.ds) or (query.theme and query.theme not in row.themes):
            continue
        if query.audience and query.audience not in row.audiences:
            continue
        found.append(row)
    return found


@resources.get("/resources")
@role_required(*ROLES)
def library():
    query = Query.from_args(request.args)
    with unit_of_work(sessions()) as session:
        found = search(session, query)
        for row in found:
            session.expunge(row)
    staff = current_staff()
    return render_template(
        "training/resources.html",
        query=query,
        found=found,
        kinds=KINDS,
        audiences=AUDIENCES,
        themes=THEMES,
        ds=D_CHOICES,
        labels=LABELS,
        curator=bool(staff and staff.has_role(*TRAINER_ROLES)),
        notice={"added": "The resource was added.", "saved": "Your changes were saved.",
                "deleted": "The resource was deleted."}.get(request.args.get("done", "")),
    )


@resources.get("/resources/<int:target_id>/file")
@role_required(*ROLES)
def download(target_id: int):
    with unit_of_work(sessions()) as session:
        row = session.get(Resource, target_id, options=[undefer(Resource.file_data)])
        if row is None or row.file_data is None or not row.file_name:
            abort(404)
        data, name = bytes(row.file_data), row.file_name
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# -- curating --------------------------------------------------------------------------------------


def _form_page(form: Form, errors: dict[str, str], item: Resource | None = None):
    return render_template(
        "training/resource_form.html",
        form=form,
        errors=errors,
        item=item,
        kinds=KINDS,
        audiences=AUDIENCES,
        themes=THEMES,
        ds=D_CHOICES,
        max_mb=MAX_BYTES // (1024 * 1024),
    ), 400 if errors else 200


def _apply(row: Resource, form: Form, upload: Upload | None) -> None:
    row.title, row.summary, row.kind = form.title, form.summary, form.kind
    row.ds, row.themes, row.audiences = form.ds, form.themes, form.audiences
    row.updated_on = today()
    if form.source == "link":
        row.url, row.file_name, row.file_size, row.file_data = form.url, None, None, None
    elif upload is not None:
        row.url, row.file_name, row.file_size, row.file_data = None, upload.name, len(upload.data), upload.data


@resources.route("/resources/new", methods=["GET", "POST"])
@role_required(*TRAINER_ROLES)
def new():
    if request.method == "GET":
        return _form_page(Form(audiences=["all_staff"]), {})
    form = Form.from_request(request.form)
    errors, upload = validate(form, request.files.get("file"), has_file=False)
    if errors:
        return _form_page(form, errors)
    with unit_of_work(sessions()) as session:
        row = Resource(added_on=today())
        _apply(row, form, upload)
        session.add(row)
        session.flush()
        audit.record(session, _actor(), "resource_added", f"resource {row.id}", form.title[:200])
    return redirect(url_for("resources.library", done="added"), 303)


@resources.route("/resources/<int:target_id>/edit", methods=["GET", "POST"])
@role_required(*TRAINER_ROLES)
def edit(target_id: int):
    with unit_of_work(sessions()) as session:
        row = session.get(Resource, target_id)
        if row is None:
            abort(404)
        if request.method == "GET":
            session.expunge(row)
            return _form_page(Form.from_row(row), {}, row)
        form = Form.from_request(request.form)
        errors, upload = validate(form, request.files.get("file"), has_file=bool(row.file_name))
        if errors:
            session.expunge(row)
            return _form_page(form, errors, row)
        _apply(row, form, upload)
        audit.record(session, _actor(), "resource_changed", f"resource {row.id}", form.title[:200])
    return redirect(url_for("resources.library", done="saved"), 303)


@resources.route("/resources/<int:target_id>/delete", methods=["GET", "POST"])
@role_required(*TRAINER_ROLES)
def delete(target_id: int):
    with unit_of_work(sessions()) as session:
        row = session.get(Resource, target_id)
        if row is None:
            abort(404)
        if request.method == "GET":
            session.expunge(row)
            return render_template("training/resource_delete.html", item=row)
        audit.record(session, _actor(), "resource_deleted", f"resource {row.id}", row.title[:200])
        session.delete(row)
    return redirect(url_for("resources.library", done="deleted"), 303)


def labels_for(kind: str, codes: list[str]) -> list[str]:
    return [LABELS[kind].get(c, c) for c in codes]


@resources.app_template_global()
def file_size_text(size: int | None) -> str:
    size = size or 0
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


@resources.app_template_global()
def resource_labels(kind: str, codes: list[str]) -> list[str]:
    return labels_for(kind, codes)


