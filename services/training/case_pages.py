"""The case pipeline's pages: reviewers' queue (read, mask, clear or reject), trainers' case
studies (write, check with the redactor, submit), a second person's approval, and the case
library. Every page works without JavaScript; every form posts with a CSRF token.

Who sees what: only reviewers see candidates nobody has cleared; trainers see cleared
candidates and write case studies; trainers and leads approve (never their own) and read the
library. See services/training/cases.py for the rules themselves.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from portal_common import taxonomy
from portal_common.db import unit_of_work
from portal_common.models import today
from portal_common.signin import StaffUser, current_staff, role_required, signin_state

from . import cases
from .curriculum import FIVE_DS, TAG_BY_CODE
from .models import CANDIDATE, CASE_DRAFT, CASE_PUBLISHED, CASE_SUBMITTED, CLEARED, CaseStudy, text_digest
from .redaction_check import CheckUnavailable

REVIEWER = ("reviewer",)
TRAINER = ("trainer",)
APPROVERS = ("trainer", "lead")
CHECKER = "training_case_checker"  # app.extensions key: callable(text) -> CheckResult

bp = Blueprint("cases", __name__, url_prefix="/cases")

UNAVAILABLE = ("The draft is saved, but the redactor could not check it just now. Try the check again in a "
               "minute: the case study cannot be submitted until it has been checked.")


def _sessions():
    return current_app.extensions["portal"]["sessions"]


def _staff() -> StaffUser:
    staff = current_staff()
    if staff is None:  # role_required runs first
        abort(401)
    return staff


def _actor() -> str:
    staff = _staff()
    return staff.email or staff.display_name or staff.subject


def _author() -> str:
    return cases.author_key(current_app.config["SECRET_KEY"], _staff().subject)


def _minute() -> int:
    return signin_state().minute()


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "theme_labels": {t.code: t.label for t in taxonomy.THEMES},
        "d_labels": {code: TAG_BY_CODE[code].label for code in FIVE_DS},
    }


def _choices() -> dict[str, Any]:
    return {
        "theme_choices": taxonomy.THEMES,
        "d_choices": [TAG_BY_CODE[code] for code in FIVE_DS],
        "checklist": [{"code": code, "label": label} for code, label in cases.CHECKLIST],
    }


# -- reviewers -----------------------------------------------------------------------------------


@bp.get("/review")
@role_required(*REVIEWER)
def review_queue():
    with unit_of_work(_sessions()) as session:
        queue = cases.review_queue(session)
        rows = [{"ref": c.ref, "flagged": cases.flagged(c), "risk": c.risk_score, "received_on": c.received_on,
                 "words": len(c.redacted_text.split()), "masked": c.masked_count} for c in queue]
    return render_template("training/cases/review_queue.html", rows=rows)


def _review_page(ref: str, errors: dict[str, str] | None = None, chosen: set[int] | frozenset[int] = frozenset(),
                 phrases: str = "", status: int = 200, masked: int | None = None):
    with unit_of_work(_sessions()) as session:
        candidate = cases.find_candidate(session, ref, CANDIDATE)
        if candidate is None:
            abort(404)
        view = {"ref": candidate.ref, "flagged": cases.flagged(candidate), "risk": candidate.risk_score,
                "tokens": cases.tokens(candidate.redacted_text), "text": candidate.redacted_text,
                "seen": text_digest(candidate.redacted_text),
                "themes": list(candidate.themes), "masked_count": candidate.masked_count,
                "setting": taxonomy.label_for(taxonomy.SETTINGS, candidate.setting) if candidate.setting else None}
    return render_template("training/cases/review.html", c=view, errors=errors or {}, chosen=chosen,
                           phrases=phrases, masked=masked), status


@bp.get("/review/<ref>")
@role_required(*REVIEWER)
def review(ref: str):
    masked = request.args.get("masked", "")
    return _review_page(ref, masked=int(masked) if masked.isdigit() else None)


@bp.post("/review/<ref>/mask")
@role_required(*REVIEWER)
def mask(ref: str):
    chosen = {int(v) for v in request.form.getlist("word") if v.isdigit()}
    phrases_text = request.form.get("phrases", "")[:2000]
    phrases = [line.strip() for line in phrases_text.splitlines() if line.strip()]
    with unit_of_work(_sessions()) as session:
        candidate = cases.find_candidate(session, ref, CANDIDATE)
        if candidate is None:
            abort(404)
        try:
            added = cases.apply_mask(session, candidate, chosen, phrases, request.form.get("seen") or None)
        except cases.MaskProblem as problem:
            session.rollback()
            return _review_page(ref, {problem.field: str(problem)}, chosen, phrases_text, 400)
    return redirect(url_for("cases.review", ref=ref, masked=added), 303)


@bp.post("/review/<ref>/clear")
@role_required(*REVIEWER)
def clear(ref: str):
    if request.form.get("read") != "yes":
        return _review_page(ref, {"read": "Confirm you have read the whole text and masked anything that could "
                                          "identify someone"}, status=400)
    with unit_of_work(_sessions()) as session:
        candidate = cases.find_candidate(session, ref, CANDIDATE)
        if candidate is None:
            abort(404)
        cases.clear(session, candidate, _actor(), today(), _minute())
    return render_template("training/cases/done.html", title="Candidate cleared",
                           text="Trainers can now turn it into a case study. Nothing is published until a "
                                "trainer has written a case study and someone else has approved it.",
                           back=url_for("cases.review_queue"), back_label="Back to the review queue")


@bp.post("/review/<ref>/reject")
@role_required(*REVIEWER)
def reject(ref: str):
    if request.form.get("sure") != "yes":
        return _review_page(ref, {"sure": "Confirm that this candidate should be deleted"}, status=400)
    with unit_of_work(_sessions()) as session:
        candidate = cases.find_candidate(session, ref, CANDIDATE)
        if candidate is None:
            abort(404)
        cases.reject(session, candidate, _actor(), _minute())
    return render_template("training/cases/done.html", title="Candidate deleted",
                           text="It will not be used in training, and nothing of it is kept.",
                           back=url_for("cases.review_queue"), back_label="Back to the review queue")


# -- trainers: case studies ----------------------------------------------------------------------


@bp.get("")
@role_required(*APPROVERS)
def overview():
    me = _author()
    with unit_of_work(_sessions()) as session:
        cleared = [{"ref": c.ref, "cleared_on": c.cleared_on, "themes": list(c.themes)}
                   for c in cases.cleared_candidates(session)]
        studies = [{"id": s.id, "title": s.title, "status": s.status, "mine": s.author_key == me}
                   for s in cases.cases_with_status(session, CASE_DRAFT, CASE_SUBMITTED)]
    return render_template("training/cases/overview.html", cleared=cleared, studies=studies,
                           trainer=_staff().has_role(*TRAINER))


def _form() -> cases.CaseForm:
    return cases.CaseForm(
        title=request.form.get("title", "")[:400],
        text=request.form.get("text", "")[:cases.TEXT_MAX * 2],
        themes=tuple(request.form.getlist("themes")),
        suggested_ds=tuple(request.form.getlist("suggested_ds")),
        checklist=tuple(request.form.getlist("checklist")),
    )


def _check(case_id: int) -> bool:
    """Run the redactor over the case's text (outside any transaction) and keep its answer."""
    with unit_of_work(_sessions()) as session:
        case = session.get(CaseStudy, case_id)
        assert case is not None
        text = case.text
    try:
        result = current_app.extensions[CHECKER](text)
    except CheckUnavailable:
        return False
    with unit_of_work(_sessions()) as session:
        case = session.get(CaseStudy, case_id)
        if case is not None:
            cases.record_check(case, text, result.redacted, result.entity_counts)
    return True


@bp.route("/new/<ref>", methods=["GET", "POST"])
@role_required(*TRAINER)
def new(ref: str):
    with unit_of_work(_sessions()) as session:
        candidate = cases.find_candidate(session, ref, CLEARED)
        if candidate is None:
            abort(404)
        ref_text, source_text, source_themes = candidate.ref, candidate.redacted_text, list(candidate.themes)
    source = {"ref": ref_text}
    form = cases.CaseForm(text=source_text, themes=tuple(source_themes))
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = _form()
        errors = form.errors()
        if not errors:
            with unit_of_work(_sessions()) as session:
                candidate = cases.find_candidate(session, ref, CLEARED)
                if candidate is None:  # another trainer started one from it a moment ago
                    abort(404)
                case_id = cases.start_case(session, candidate, _author(), form, _actor(), today(), _minute()).id
            checked = _check(case_id)
            return redirect(url_for("cases.show", case_id=case_id, unchecked=None if checked else 1), 303)
    return render_template("training/cases/edit.html", source=source, form=form, errors=errors, case=None,
                           **_choices()), 400 if errors else 200


def _case_view(case: CaseStudy, me: str) -> dict[str, Any]:
    return {
        "id": case.id, "title": case.title, "text": case.text, "status": case.status,
        "themes": list(case.themes), "suggested_ds": list(case.suggested_ds), "checklist": list(case.checklist),
        "mine": case.author_key == me, "checked": case.checked,
        "clean": case.checked_clean, "check_text": case.check_text, "check_counts": dict(case.check_counts or {}),
        "published_on": case.published_on,
    }


def _show(case_id: int, errors: dict[str, str] | None = None, form: cases.CaseForm | None = None,
          status: int = 200, notice: str | None = None):
    me = _author()
    with unit_of_work(_sessions()) as session:
        case = session.get(CaseStudy, case_id)
        if case is None or case.status == CASE_PUBLISHED:
            abort(404)
        view = _case_view(case, me)
        form = form or cases.CaseForm.from_case(case)
    return render_template("training/cases/case.html", case=view, form=form, errors=errors or {}, notice=notice,
                           trainer=_staff().has_role(*TRAINER), **_choices()), status


@bp.get("/<int:case_id>")
@role_required(*APPROVERS)
def show(case_id: int):
    return _show(case_id, notice=UNAVAILABLE if request.args.get("unchecked") else None)


def _own_draft(session, case_id: int) -> CaseStudy:
    case = session.get(CaseStudy, case_id)
    if case is None or case.status == CASE_PUBLISHED:
        abort(404)
    if case.author_key != _author() or case.status != CASE_DRAFT:
        abort(403)
    return case


@bp.post("/<int:case_id>")
@role_required(*TRAINER)
def edit(case_id: int):
    form = _form()
    errors = form.errors()
    with unit_of_work(_sessions()) as session:
        case = _own_draft(session, case_id)
        if not errors:
            cases.edit_case(session, case, form, _actor(), _minute())
    if errors:
        return _show(case_id, errors, form, 400)
    checked = _check(case_id)
    return redirect(url_for("cases.show", case_id=case_id, unchecked=None if checked else 1), 303)


@bp.post("/<int:case_id>/check")
@role_required(*TRAINER)
def check(case_id: int):
    with unit_of_work(_sessions()) as session:
        _own_draft(session, case_id)
    checked = _check(case_id)
    return redirect(url_for("cases.show", case_id=case_id, unchecked=None if checked else 1), 303)


@bp.post("/<int:case_id>/use-redacted")
@role_required(*TRAINER)
def use_redacted(case_id: int):
    with unit_of_work(_sessions()) as session:
        case = _own_draft(session, case_id)
        try:
            cases.use_redacted(session, case, _actor(), _minute())
        except cases.MaskProblem as problem:
            session.rollback()
            return _show(case_id, {"check": str(problem)}, status=400)
    checked = _check(case_id)
    return redirect(url_for("cases.show", case_id=case_id, unchecked=None if checked else 1), 303)


@bp.post("/<int:case_id>/submit")
@role_required(*TRAINER)
def submit(case_id: int):
    with unit_of_work(_sessions()) as session:
        case = _own_draft(session, case_id)
        try:
            cases.submit(session, case, _actor(), _minute())
        except cases.ApprovalProblem as problem:
            session.rollback()
            return _show(case_id, {"submit": str(problem)}, status=400)
    return render_template("training/cases/done.html", title="Case study submitted",
                           text="Another trainer or a lead must approve it before it is published to the library.",
                           back=url_for("cases.overview"), back_label="Back to case studies")


def _decide(case_id: int, step: str):
    with unit_of_work(_sessions()) as session:
        case = session.get(CaseStudy, case_id)
        if case is None or case.status == CASE_PUBLISHED:
            abort(404)
        try:
            if step == "approve":
                cases.approve(session, case, _author(), _actor(), today(), _minute())
            else:
                cases.return_to_draft(session, case, _actor(), _minute())
        except cases.ApprovalProblem as problem:
            session.rollback()
            return _show(case_id, {step: str(problem)}, status=400)
    if step == "approve":
        return redirect(url_for("cases.library_case", case_id=case_id), 303)
    return render_template("training/cases/done.html", title="Sent back to its author",
                           text="The case study is a draft again. Its author can change it and submit it again.",
                           back=url_for("cases.overview"), back_label="Back to case studies")


@bp.post("/<int:case_id>/approve")
@role_required(*APPROVERS)
def approve(case_id: int):
    return _decide(case_id, "approve")


@bp.post("/<int:case_id>/return")
@role_required(*APPROVERS)
def send_back(case_id: int):
    return _decide(case_id, "return")


# -- the library ---------------------------------------------------------------------------------


@bp.get("/library")
@role_required(*APPROVERS)
def library():
    theme = request.args.get("theme", "")
    d = request.args.get("d", "")
    with unit_of_work(_sessions()) as session:
        found = [_case_view(c, "") for c in cases.cases_with_status(session, CASE_PUBLISHED)]
    if theme in taxonomy.THEME_CODES:
        found = [c for c in found if theme in c["themes"]]
    else:
        theme = ""
    if d in FIVE_DS:
        found = [c for c in found if d in c["suggested_ds"]]
    else:
        d = ""
    return render_template("training/cases/library.html", found=found, theme=theme, d=d, **_choices())


@bp.get("/library/<int:case_id>")
@role_required(*APPROVERS)
def library_case(case_id: int):
    with unit_of_work(_sessions()) as session:
        case = session.get(CaseStudy, case_id)
        if case is None or case.status != CASE_PUBLISHED:
            abort(404)
        view = _case_view(case, "")
    return render_template("training/cases/library_case.html", case=view)


def _removal_page(view: dict[str, Any], reason: str = "", sure: bool = False,
                  errors: dict[str, str] | None = None):
    return render_template(
        "training/cases/remove.html", case=view, reason=reason, sure=sure, errors=errors or {},
        reasons=[{"code": code, "label": label} for code, label in cases.REMOVAL_REASONS],
    ), 400 if errors else 200


@bp.route("/library/<int:case_id>/remove", methods=["GET", "POST"])
@role_required(*APPROVERS)
def remove(case_id: int):
    """Take a published case out of the library by hand (a trainer or a lead): asks why, then deletes it."""
    reason = request.form.get("reason", "")[:40]
    sure = request.form.get("sure") == "yes"
    with unit_of_work(_sessions()) as session:
        case = session.get(CaseStudy, case_id)
        if case is None or case.status != CASE_PUBLISHED:
            abort(404)
        view = _case_view(case, "")
        if request.method == "GET":
            return _removal_page(view)
        errors = {}
        if reason not in cases.REMOVAL_CODES:
            errors["reason"] = "Select why you are taking the case out of the library"
        if not sure:
            errors["sure"] = "Confirm that you want to take the case out of the library"
        if errors:
            return _removal_page(view, reason if reason in cases.REMOVAL_CODES else "", sure, errors)
        cases.remove_published(session, case, reason, _actor(), _minute())
    return render_template(
        "training/cases/done.html", title="Taken out of the library",
        text=f"“{view['title']}” has been deleted from the case library and from any session it was down for. "
             "The person who reported it will no longer be told that it is helping to train others.",
        back=url_for("cases.library"), back_label="Back to the case library",
    )
