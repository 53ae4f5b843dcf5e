"""Certificates: earned by passing the five D modules' knowledge checks and finishing every
scenario; verified by anyone on a public page; renewed through a refresher.

The certificate record holds a random code, the day it was issued, the day it must be renewed
by and the learner key. The name printed on the PDF is typed by the learner each time they
download it and is never stored, so the public verify page can only ever say "valid until",
"expired on" or "unknown", never whose certificate it is.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal_common.db import unit_of_work
from portal_common.models import today
from portal_common.roles import ROLES
from portal_common.signin import role_required

from . import learning, pdf
from .curriculum import FIVE_DS, Curriculum, Module
from .hub import curriculum
from .models import Certificate
from .web_common import current_learner, public_url, require_learner, sessions, settings

certificates = Blueprint("certificates", __name__)

# No 0/O, 1/I/L: a code read aloud or copied from paper cannot be mistaken. 31 symbols, 16 of
# them: about 79 bits, far beyond guessing even without the verify page's rate limit.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
GROUPS, GROUP_SIZE = 4, 4
NAME_MAX = 70
VALID, DUE, EXPIRED = "valid", "due", "expired"


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_SIZE))
    return "-".join(raw[i : i + GROUP_SIZE] for i in range(0, len(raw), GROUP_SIZE))


def normalise_code(typed: str) -> str | None:
    """A typed code in its stored form, or None if it cannot be one (wrong length or symbols)."""
    raw = re.sub(r"[\s\-]", "", typed or "").upper()
    if len(raw) != GROUPS * GROUP_SIZE or any(c not in ALPHABET for c in raw):
        return None
    return "-".join(raw[i : i + GROUP_SIZE] for i in range(0, len(raw), GROUP_SIZE))


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# -- what a learner has done, and what they hold ---------------------------------------------------


def d_modules(content: Curriculum) -> list[Module]:
    return [m for m in content.modules if m.d in FIVE_DS]


def missing(progress: learning.Progress, content: Curriculum) -> list[str]:
    """What the learner still has to do for a certificate, in words; empty when they have earned it."""
    gaps = []
    for module in d_modules(content):
        result = progress.checks.get(module.id)
        if result is None or not result.passed or result.content_version != module.version:
            gaps.append(f"Pass the knowledge check for {module.title}")
    for scenario in content.scenarios:
        if not progress.scenarios.get(scenario.id, learning.ScenarioProgress()).finished:
            gaps.append(f"Finish the scenario: {scenario.title}")
    return gaps


def latest(session: Session, learner: str) -> Certificate | None:
    return session.scalars(
        select(Certificate)
        .where(Certificate.learner == learner)
        .order_by(Certificate.renew_on.desc(), Certificate.issued_on.desc())
        .limit(1)
    ).first()


def state(certificate: Certificate, reminder_days: int, on: dt.date | None = None) -> str:
    on = on or today()
    if on > certificate.renew_on:
        return EXPIRED
    if on >= certificate.renew_on - dt.timedelta(days=reminder_days):
        return DUE
    return VALID


def issue(session: Session, learner: str, months: int, *, renewal: bool, on: dt.date | None = None) -> Certificate:
    on = on or today()
    while True:  # a clash in 79 bits will not happen, but a code must never be given twice
        code = new_code()
        if session.get(Certificate, code) is None:
            break
    row = Certificate(code=code, learner=learner, issued_on=on, renew_on=add_months(on, months), renewal=renewal)
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class Notice:
    state: str
    renew_on: dt.date


@certificates.app_context_processor
def _notice_helper() -> dict[str, Any]:
    def certificate_notice() -> Notice | None:
        """The renewal reminder for the signed-in learner: only when renewal is due or overdue."""
        learner = current_learner()
        if learner is None:
            return None
        with unit_of_work(sessions()) as session:
            held = latest(session, learner)
            if held is None:
                return None
            found = state(held, settings().certificate_reminder_days)
            return Notice(found, held.renew_on) if found != VALID else None

    return {"certificate_notice": certificate_notice}


# -- the learner's certificate page and the PDF ---------------------------------------------------------


def _clean_name(typed: str) -> tuple[str, str | None]:
    name = " ".join(unicodedata.normalize("NFC", typed or "").split())
    if not name:
        return name, "Enter the name to print on your certificate"
    if len(name) > NAME_MAX:
        return name, f"The name must be {NAME_MAX} characters or fewer"
    if any(unicodedata.category(c).startswith("C") for c in name):
        return name, "The name can only contain letters, spaces and punctuation"
    return name, None


def _page(name: str = "", errors: dict[str, str] | None = None, notice: str | None = None):
    learner = require_learner()
    content = curriculum()
    with unit_of_work(sessions()) as session:
        progress = learning.progress(session, learner, content)
        held = latest(session, learner)
        held_state = state(held, settings().certificate_reminder_days) if held else None
        if held is not None:
            session.expunge(held)
    return render_template(
        "training/certificate.html",
        gaps=missing(progress, content),
        held=held,
        held_state=held_state,
        name=name,
        errors=errors or {},
        notice=notice,
        months=settings().certificate_months,
    ), 400 if errors else 200


@certificates.get("/certificate")
@role_required(*ROLES)
def certificate_page():
    notice = {"renewed": "You passed the refresher. Your new certificate is ready to download."}.get(
        request.args.get("done", "")
    )
    return _page(notice=notice)


@certificates.post("/certificate")
@role_required(*ROLES)
def download():
    name, error = _clean_name(request.form.get("name", ""))
    if error:
        return _page(name, {"name": error})
    learner = require_learner()
    content = curriculum()
    with unit_of_work(sessions()) as session:
        held = latest(session, learner)
        if held is None:
            if missing(learning.progress(session, learner, content), content):
                return _page(name)  # the page says what is still to do
            held = issue(session, learner, settings().certificate_months, renewal=False)
        code, issued_on, renew_on = held.code, held.issued_on, held.renew_on
    html = render_template(
        "training/certificate_pdf.html",
        name=name,
        code=code,
        issued_on=issued_on,
        renew_on=renew_on,
        verify_url=f"{public_url()}{url_for('certificates.verify')}?code={code}",
        modules=d_modules(content),
        scenarios=len(content.scenarios),
    )
    return pdf.attachment(pdf.render(html), f"active-bystander-certificate-{code}.pdf")


# -- the refresher: the five checks again, on today's content ---------------------------------------


def _field(module: Module, question_id: str) -> str:
    return f"{module.id}--{question_id}"


@certificates.route("/certificate/refresher", methods=["GET", "POST"])
@role_required(*ROLES)
def refresher():
    learner = require_learner()
    content = curriculum()
    modules = d_modules(content)
    with unit_of_work(sessions()) as session:
        held = latest(session, learner)
        open_to_renew = held is not None and state(held, settings().certificate_reminder_days) != VALID
        renew_on = held.renew_on if held else None
    answers: dict[str, str] = {}
    errors: dict[str, str] = {}
    failed: list[Module] = []
    if open_to_renew and request.method == "POST":
        answers = {
            _field(m, q.id): request.form.get(_field(m, q.id), "") for m in modules for q in m.check.questions
        }
        number = 0
        for module in modules:
            for question in module.check.questions:
                number += 1
                if question.option(answers[_field(module, question.id)]) is None:
                    errors[_field(module, question.id)] = f"Select an answer to question {number}"
        if not errors:
            with unit_of_work(sessions()) as session:
                outcomes = {
                    m.id: learning.mark_check(
                        session, learner, m, {q.id: answers[_field(m, q.id)] for q in m.check.questions}
                    )
                    for m in modules
                }
                failed = [m for m in modules if not outcomes[m.id].passed]
                if not failed:
                    issue(session, learner, settings().certificate_months, renewal=True)
            if not failed:
                return redirect(url_for("certificates.certificate_page", done="renewed"), 303)
    return render_template(
        "training/refresher.html",
        open_to_renew=open_to_renew,
        renew_on=renew_on,
        modules=modules,
        field=_field,
        answers=answers,
        errors=errors,
        failed=failed,
    ), 400 if errors else 200


# -- the public verify page -----------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    code: str
    state: str  # valid, expired or unknown
    issued_on: dt.date | None = None
    renew_on: dt.date | None = None


def lookup(session: Session, code: str) -> Verdict:
    row = session.get(Certificate, code)
    if row is None:
        return Verdict(code, "unknown")
    return Verdict(code, EXPIRED if today() > row.renew_on else VALID, row.issued_on, row.renew_on)


@certificates.get("/verify")
def verify():
    """Anyone, signed in or not, checks a code: a GET form, so the link printed on a certificate works."""
    typed = request.args.get("code")
    if typed is None:
        return render_template("training/verify.html", typed="", verdict=None, error=None)
    code = normalise_code(typed)
    if code is None:
        error = "Enter the 16-character code printed on the certificate, for example ABCD-EFGH-JKMN-PQRS"
        return render_template("training/verify.html", typed=typed, verdict=None, error=error), 400
    with unit_of_work(sessions()) as session:
        verdict = lookup(session, code)
    status = 404 if verdict.state == "unknown" else 200
    return render_template("training/verify.html", typed=code, verdict=verdict, error=None), status


def limit_key_func(secret_key: str):
    """flask-limiter's key: 24 bits of an HMAC of the client's address under a key that changes daily,
    so counters name a bucket of addresses, not one, and cannot be joined up across days."""
    base = hmac.new(secret_key.encode(), b"training verify rate-limit key v1", hashlib.sha256).digest()

    def _key() -> str:
        day_key = hmac.new(base, today().isoformat().encode(), hashlib.sha256).digest()
        return hmac.new(day_key, (request.remote_addr or "-").encode(), hashlib.sha256).hexdigest()[:6]

    return _key


class NoClientKeyInLogs(logging.Filter):
    """flask-limiter logs the client's key when it refuses a request; keep the limit and endpoint only."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith("ratelimit") and len(record.args or ()) == 3:
            limit, _key, scope = record.args  # type: ignore[misc]
            record.msg, record.args = "ratelimit %s exceeded at endpoint: %s", (limit, scope)
        return True


def install_verify_limit(app, web_settings) -> None:
    from flask_limiter import Limiter

    limiter_log = logging.getLogger("flask-limiter")
    if not any(isinstance(f, NoClientKeyInLogs) for f in limiter_log.filters):
        limiter_log.addFilter(NoClientKeyInLogs())

    limiter = Limiter(
        key_func=limit_key_func(web_settings.secret_key.get_secret_value()),
        app=app,
        storage_uri=web_settings.redis_url or "memory://",
        key_prefix="training-rl",
        strategy="fixed-window",
        headers_enabled=False,
        swallow_errors=True,  # Redis away: still answer people
    )
    limited = limiter.limit(web_settings.verify_limit, deduct_when=lambda response: response.status_code == 404)
    app.view_functions["certificates.verify"] = limited(app.view_functions["certificates.verify"])
