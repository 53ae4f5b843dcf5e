"""Local contacts (Freedom to Speak Up guardians, staff networks, employee assistance, union
representatives) per organisation, the learner's choice of organisation, and the printable
5 Ds pocket card.

Trainers and administrators manage the contacts. A learner sees the contacts of the
organisation they chose on their profile (or, for a lead limited to one organisation, that
one), together with the system-wide ones; someone who has not chosen, or is not signed in,
sees the system-wide contacts and every organisation's, each under its organisation's name.
Adding, changing and deleting a contact is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from portal_common.db import unit_of_work
from portal_common.organisations import Organisation
from portal_common.organisations import load as load_organisations
from portal_common.roles import ROLES, SYSTEM_SCOPE
from portal_common.signin import current_staff, role_required
from portal_common.taxonomy import Choice as Tag

from . import audit, pdf
from .models import LearnerProfile, LocalContact
from .resources import check_url
from .web_common import current_learner, require_learner, sessions

contacts = Blueprint("contacts", __name__)

MANAGER_ROLES = ("trainer", "admin")
KINDS: tuple[Tag, ...] = (
    Tag("ftsu_guardian", "Freedom to Speak Up guardian"),
    Tag("staff_network", "Staff network"),
    Tag("employee_assistance", "Employee assistance"),
    Tag("union_rep", "Union representative"),
    Tag("wellbeing", "Health and wellbeing"),
    Tag("other", "Someone else who can help"),
)
KIND_LABELS = {k.code: k.label for k in KINDS}
SYSTEM_WIDE = ""  # the organisation field's value for a contact shown to everyone
PHONE = re.compile(r"^\+?[0-9 ()\-]{6,30}(\s*(ext\.?|extension)\s*[0-9]{1,6})?$", re.IGNORECASE)
EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def organisation_list() -> tuple[Organisation, ...]:
    return load_organisations()


def organisation_names() -> dict[str, str]:
    return {o.code: o.name for o in organisation_list()}


@dataclass
class Form:
    organisation: str = SYSTEM_WIDE
    kind: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""
    link: str = ""
    notes: str = ""

    @classmethod
    def from_request(cls, form: MultiDict) -> Form:
        return cls(
            organisation=form.get("organisation", SYSTEM_WIDE).strip(),
            kind=form.get("kind", ""),
            name=" ".join(form.get("name", "").split()),
            phone=" ".join(form.get("phone", "").split()),
            email=form.get("email", "").strip(),
            link=form.get("link", "").strip(),
            notes=form.get("notes", "").strip(),
        )

    @classmethod
    def from_row(cls, row: LocalContact) -> Form:
        return cls(row.organisation or SYSTEM_WIDE, row.kind, row.name, row.phone, row.email, row.link, row.notes)


def validate(form: Form) -> dict[str, str]:
    errors: dict[str, str] = {}
    if form.organisation != SYSTEM_WIDE and form.organisation not in organisation_names():
        errors["organisation"] = "Select an organisation from the list, or everyone"
    if form.kind not in KIND_LABELS:
        errors["kind"] = "Select what kind of contact this is"
    if not form.name:
        errors["name"] = "Enter a name or a role, like 'Freedom to Speak Up guardian'"
    elif len(form.name) > 160:
        errors["name"] = "The name or role must be 160 characters or fewer"
    if not (form.phone or form.email or form.link):
        errors["phone"] = "Enter at least one way to get in touch: a phone number, an email address or a link"
    if form.phone and not PHONE.match(form.phone):
        errors["phone"] = "Enter a phone number using digits, spaces and brackets, like 0113 496 0000 ext 1234"
    if form.email and (len(form.email) > 254 or not EMAIL.match(form.email)):
        errors["email"] = "Enter an email address in the correct format, like guardian@example.nhs.uk"
    if form.link:
        problem = check_url(form.link)
        if problem:
            errors["link"] = problem
    if len(form.notes) > 500:
        errors["notes"] = "The notes must be 500 characters or fewer"
    return errors


# -- whose contacts a learner sees ---------------------------------------------------------------------


def learner_organisation(session: Session, learner: str | None) -> str | None:
    """The organisation the learner chose, else a lead's single organisation, else None."""
    if learner is not None:
        row = session.get(LearnerProfile, learner)
        if row is not None and row.organisation in organisation_names():
            return row.organisation
    staff = current_staff()
    if staff is not None and staff.lead_scope and staff.lead_scope != SYSTEM_SCOPE:
        if staff.lead_scope in organisation_names():
            return staff.lead_scope
    return None


@dataclass(frozen=True)
class Group:
    heading: str
    contacts: tuple[LocalContact, ...]


@dataclass(frozen=True)
class LocalContacts:
    organisation: str | None  # the learner's organisation's name, if known
    groups: tuple[Group, ...]

    @property
    def any(self) -> bool:
        return any(g.contacts for g in self.groups)


def contacts_for(session: Session, organisation: str | None) -> LocalContacts:
    names = organisation_names()
    rows = list(session.scalars(select(LocalContact).order_by(LocalContact.kind, LocalContact.name)))
    for row in rows:
        session.expunge(row)
    everyone = tuple(r for r in rows if not r.organisation)
    if organisation is not None:
        own = tuple(r for r in rows if r.organisation == organisation)
        groups = [Group(names[organisation], own)] if own else []
        if everyone:
            groups.append(Group("For everyone", everyone))
        return LocalContacts(names[organisation], tuple(groups))
    groups = [Group("For everyone", everyone)] if everyone else []
    for code, name in names.items():
        own = tuple(r for r in rows if r.organisation == code)
        if own:
            groups.append(Group(name, own))
    return LocalContacts(None, tuple(groups))


@contacts.app_context_processor
def _helpers():
    def local_contacts() -> LocalContacts:
        """The contacts the person looking at the page should see (worked out once per request)."""
        if "local_contacts" not in g:
            with unit_of_work(sessions()) as session:
                g.local_contacts = contacts_for(session, learner_organisation(session, current_learner()))
        return g.local_contacts

    return {"local_contacts": local_contacts, "contact_kinds": KIND_LABELS}


# -- the learner's organisation ---------------------------------------------------------------------


@contacts.route("/profile", methods=["GET", "POST"])
@role_required(*ROLES)
def profile():
    learner = require_learner()
    names = organisation_names()
    error = None
    with unit_of_work(sessions()) as session:
        row = session.get(LearnerProfile, learner)
        chosen = row.organisation if row else ""
        if request.method == "POST":
            chosen = request.form.get("organisation", "")
            if chosen == "none":
                if row is not None:
                    session.delete(row)
                return redirect(url_for("contacts.profile", done="cleared"), 303)
            if chosen not in names:
                error = "Select your organisation, or 'I would rather not say'"
            else:
                if row is None:
                    session.add(LearnerProfile(learner=learner, organisation=chosen))
                else:
                    row.organisation = chosen
                return redirect(url_for("contacts.profile", done="saved"), 303)
    choices = [Tag(o.code, o.name) for o in organisation_list()] + [Tag("none", "I would rather not say")]
    notice = {"saved": "Your organisation was saved.", "cleared": "Your organisation was removed."}.get(
        request.args.get("done", "")
    )
    return render_template(
        "training/profile.html", choices=choices, chosen=chosen, errors={"organisation": error} if error else {},
        notice=notice,
    ), 400 if error else 200


# -- managing contacts ----------------------------------------------------------------------------------


def _actor() -> str:
    staff = current_staff()
    assert staff is not None
    return staff.email or staff.display_name


def _detail(form: Form) -> str:
    return f"{form.name} ({form.organisation or 'everyone'})"[:300]


def _form_page(form: Form, errors: dict[str, str], item: LocalContact | None = None):
    orgs = [Tag(SYSTEM_WIDE, "Everyone (every organisation)")] + [Tag(o.code, o.name) for o in organisation_list()]
    return render_template(
        "training/contact_form.html", form=form, errors=errors, item=item, kinds=KINDS, orgs=orgs
    ), 400 if errors else 200


@contacts.get("/contacts")
@role_required(*MANAGER_ROLES)
def index():
    with unit_of_work(sessions()) as session:
        listing = contacts_for(session, None)
    notice = {"added": "The contact was added.", "saved": "Your changes were saved.",
              "deleted": "The contact was deleted."}.get(request.args.get("done", ""))
    return render_template("training/contacts.html", listing=listing, notice=notice)


@contacts.route("/contacts/new", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def new():
    if request.method == "GET":
        return _form_page(Form(), {})
    form = Form.from_request(request.form)
    errors = validate(form)
    if errors:
        return _form_page(form, errors)
    with unit_of_work(sessions()) as session:
        row = LocalContact(organisation=form.organisation or None, kind=form.kind, name=form.name,
                           phone=form.phone, email=form.email, link=form.link, notes=form.notes)
        session.add(row)
        session.flush()
        audit.record(session, _actor(), "contact_added", f"contact {row.id}", _detail(form))
    return redirect(url_for("contacts.index", done="added"), 303)


@contacts.route("/contacts/<int:target_id>/edit", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def edit(target_id: int):
    with unit_of_work(sessions()) as session:
        row = session.get(LocalContact, target_id)
        if row is None:
            abort(404)
        if request.method == "GET":
            session.expunge(row)
            return _form_page(Form.from_row(row), {}, row)
        form = Form.from_request(request.form)
        errors = validate(form)
        if errors:
            session.expunge(row)
            return _form_page(form, errors, row)
        row.organisation, row.kind, row.name = form.organisation or None, form.kind, form.name
        row.phone, row.email, row.link, row.notes = form.phone, form.email, form.link, form.notes
        audit.record(session, _actor(), "contact_changed", f"contact {row.id}", _detail(form))
    return redirect(url_for("contacts.index", done="saved"), 303)


@contacts.route("/contacts/<int:target_id>/delete", methods=["GET", "POST"])
@role_required(*MANAGER_ROLES)
def delete(target_id: int):
    with unit_of_work(sessions()) as session:
        row = session.get(LocalContact, target_id)
        if row is None:
            abort(404)
        if request.method == "GET":
            session.expunge(row)
            return render_template("training/contact_delete.html", item=row)
        audit.record(session, _actor(), "contact_deleted", f"contact {row.id}", row.name[:300])
        session.delete(row)
    return redirect(url_for("contacts.index", done="deleted"), 303)


# -- the pocket card -------------------------------------------------------------------------------------


@contacts.get("/pocket-card")
def pocket_card():
    """The 5 Ds on a card to print: for anyone; a signed-in learner's card carries their local contacts."""
    with unit_of_work(sessions()) as session:
        organisation = learner_organisation(session, current_learner())
        local = contacts_for(session, organisation) if organisation else None
    html = render_template("training/pocket_card_pdf.html", local=local)
    return pdf.attachment(pdf.render(html), "five-ds-pocket-card.pdf")
