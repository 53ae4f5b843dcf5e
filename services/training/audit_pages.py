"""Training's audit log page: every step of the case pipeline (cleared, rejected, drafted,
submitted, approved, published, withdrawn, expired) and whatever else training records,
newest first, 50 a page, one kind at a time if chosen, for leads and administrators."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal_common.db import unit_of_work
from portal_common.signin import role_required

from .audit import ACTION_NAMES, minute_text
from .models import AuditEntry

PAGE_SIZE = 50

bp = Blueprint("training_audit", __name__)


@dataclass(frozen=True)
class Line:
    when: str
    actor: str
    action: str
    target: str
    detail: str


@dataclass(frozen=True)
class Page:
    lines: list[Line]
    total: int
    page: int
    pages: int
    actions: list[tuple[str, str]]  # (code, name) of every kind the log holds, for the filter


def read(session: Session, action: str = "", page: int = 1) -> Page:
    """Entries newest first, PAGE_SIZE at a time, optionally of one kind (an unknown kind shows all)."""
    codes = sorted(session.scalars(select(AuditEntry.action).distinct()))
    query, counter = select(AuditEntry), select(func.count()).select_from(AuditEntry)
    if action in codes:
        query, counter = query.where(AuditEntry.action == action), counter.where(AuditEntry.action == action)
    total = session.scalar(counter) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = max(1, min(page, pages))
    entries = session.scalars(
        query.order_by(AuditEntry.at_minute.desc(), AuditEntry.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    lines = [Line(minute_text(e.at_minute), e.actor, ACTION_NAMES.get(e.action, e.action), e.target, e.detail or "")
             for e in entries]
    return Page(lines, total, page, pages, [(code, ACTION_NAMES.get(code, code)) for code in codes])


@bp.get("/audit")
@role_required("lead", "admin")
def audit_log():
    try:
        page = max(1, min(100_000, int(request.args.get("page", "1"))))
    except ValueError:
        page = 1
    action = request.args.get("action", "").strip()
    with unit_of_work(current_app.extensions["portal"]["sessions"]) as session:
        found = read(session, action, page)
    if action not in dict(found.actions):
        action = ""
    return render_template("training/audit.html", found=found, action=action)
