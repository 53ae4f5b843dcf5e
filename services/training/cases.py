"""Learning from real cases, safely: review and masking, case studies, a second approval,
publication to the case library, and the deletion of what nobody published in time.

Everything here is already redacted text: training never receives a report's own words.
A candidate stays with reviewers until one of them has read it, masked whatever still
identifies someone and cleared it; only then do trainers see it. A trainer's case study is
checked by the redactor again (``redaction_check``) and cannot be submitted until the
redactor would mask nothing in it. Someone other than its author approves it, and only then
is it published (``case.published`` in training's outbox). Every step is in the audit log,
with counts and numbers, never text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal_common import taxonomy
from portal_common.events import derived_id, make_event
from portal_common.outbox import add_event

from . import audit
from .curriculum import FIVE_DS
from .models import (
    CANDIDATE,
    CASE_DRAFT,
    CASE_PUBLISHED,
    CASE_SUBMITTED,
    CLEARED,
    DRAFTED,
    CaseCandidate,
    CaseFollowUp,
    CaseStudy,
    Outbox,
    SessionCase,
    text_digest,
)

MASK = "[REDACTED]"  # the redactor's style: a bracketed word in capitals, left alone if redacted again
# A placeholder the redactor (or a reviewer) already put in: one token, never offered for masking.
PLACEHOLDER = r"\[(?:PERSON(?: \d+)?|[A-Z]{2,10})\]"
_TOKEN = re.compile(rf"{PLACEHOLDER}|\S+")
_PLACEHOLDER = re.compile(PLACEHOLDER)
_EDGES = re.compile(r"^([(\"'“‘\[]*)(.*?)([)\"'”’.,;:!?\]]*)$", re.S)

FLAG_SCORE = 0.5  # a risk score at or above this is shown as flagged even if not marked for review

TITLE_MAX = 120
TEXT_MAX = 5000

# What an author confirms before a case study may be submitted (every box must be ticked).
CHECKLIST: tuple[tuple[str, str], ...] = (
    ("names", "Nobody is named: no names, nicknames, initials or email addresses"),
    ("roles", "No job title or role that only one person holds, such as the only consultant in a specialty"),
    ("places", "No ward, unit, team, department or site that narrows it down to a few people"),
    ("dates", "No dates, shifts, rota patterns or events that show when it happened"),
    ("characteristics", "No combination of characteristics (age, faith, country, disability...) rare enough to "
                        "point to one person"),
    ("quotes", "No distinctive remark quoted word for word that someone involved would recognise"),
    ("changed", "Details have been changed or combined so that nobody involved would recognise themselves or others"),
)
CHECKLIST_CODES = tuple(code for code, _label in CHECKLIST)


def author_key(secret_key: str, subject: str) -> str:
    """The opaque key a case study's author is kept under (not the learner key: another purpose)."""
    return hmac.new(secret_key.encode(), b"training-case-author-v1\x00" + subject.encode(), hashlib.sha256).hexdigest()


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def new_ref() -> str:
    return secrets.token_hex(4)


def candidate_target(candidate: CaseCandidate) -> str:
    return f"candidate {candidate.ref}"


def case_target(case: CaseStudy) -> str:
    return f"case {case.id}"


def flagged(candidate: CaseCandidate) -> bool:
    return bool(candidate.needs_review) or candidate.risk_score >= FLAG_SCORE


# -- reading and masking -------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    index: int
    text: str
    maskable: bool  # False for a placeholder already in the text


def tokens(text: str) -> list[Token]:
    """The words of a text, numbered, as the reviewer's checkboxes show them."""
    return [
        Token(n, m.group(0), _PLACEHOLDER.fullmatch(m.group(0)) is None)
        for n, m in enumerate(_TOKEN.finditer(text))
    ]


class MaskProblem(ValueError):
    """What the reviewer asked to mask cannot be masked; the message says why (no report text)
    and ``field`` which part of the form it is about."""

    def __init__(self, message: str, field: str = "words"):
        super().__init__(message)
        self.field = field


def _word_span(match: re.Match[str]) -> tuple[int, int]:
    """The word without the punctuation around it ("Okafor," masks "Okafor")."""
    edges = _EDGES.match(match.group(0))
    assert edges is not None
    if not edges.group(2):
        return match.start(), match.end()
    return match.start() + len(edges.group(1)), match.start() + len(edges.group(1)) + len(edges.group(2))


def mask(text: str, chosen: Iterable[int], phrases: Sequence[str]) -> tuple[str, int]:
    """Replace the chosen words and every occurrence of each phrase with ``MASK``.

    Neighbouring masked words become one placeholder. Returns the new text and how many
    placeholders were added. Only ever removes information: every part of the text is either
    kept as it was or replaced by the placeholder. Raises MaskProblem for a word number that is
    not in the text or a phrase that is not in it (outside existing placeholders)."""
    found = list(_TOKEN.finditer(text))
    protected = [(m.start(), m.end()) for m in _PLACEHOLDER.finditer(text)]
    spans: list[tuple[int, int]] = []
    for index in chosen:
        if not 0 <= index < len(found) or _PLACEHOLDER.fullmatch(found[index].group(0)):
            raise MaskProblem("Select words from the text shown")
        spans.append(_word_span(found[index]))
    for number, phrase in enumerate(phrases, 1):
        words = phrase.split()
        if not words:
            continue
        pattern = re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)
        hits = [
            (m.start(), m.end()) for m in pattern.finditer(text)
            if not any(m.start() < end and start < m.end() for start, end in protected)
        ]
        if not hits:
            raise MaskProblem(f"Phrase {number} is not in the text exactly as typed: copy it from the text above",
                              "phrases")
        spans.extend(hits)
    if not spans:
        raise MaskProblem("Select at least one word, or type a word or phrase to mask")
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and (start <= merged[-1][1] or not text[merged[-1][1]:start].strip()):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, last = [], 0
    for start, end in merged:
        out.append(text[last:start])
        out.append(MASK)
        last = end
    out.append(text[last:])
    return "".join(out), len(merged)


# -- the review queue ----------------------------------------------------------------------------


def review_queue(session: Session) -> list[CaseCandidate]:
    """Candidates no reviewer has cleared yet: flagged ones first, riskiest first, then oldest."""
    waiting = list(session.scalars(select(CaseCandidate).where(CaseCandidate.status == CANDIDATE)))
    return sorted(waiting, key=lambda c: (not flagged(c), -c.risk_score, c.received_on or dt.date.min, c.ref or ""))


def find_candidate(session: Session, ref: str, status: str) -> CaseCandidate | None:
    return session.scalar(select(CaseCandidate).where(CaseCandidate.ref == ref, CaseCandidate.status == status))


def apply_mask(session: Session, candidate: CaseCandidate, chosen: Iterable[int], phrases: Sequence[str],
               seen: str | None = None) -> int:
    """Mask the candidate's text. ``seen`` is the digest of the text the reviewer chose words
    from: if someone masked it since, word numbers no longer match and nothing is masked."""
    if seen is not None and seen != text_digest(candidate.redacted_text):
        raise MaskProblem("Someone else masked this text since you opened it: check it and select again")
    text, added = mask(candidate.redacted_text, chosen, phrases)
    candidate.redacted_text = text
    candidate.masked_count += added
    return added


def clear(session: Session, candidate: CaseCandidate, actor: str, today: dt.date, minute: int | None = None) -> None:
    candidate.status = CLEARED
    candidate.cleared_on = today
    flag = "flagged by automatic redaction" if flagged(candidate) else "not flagged"
    audit.record(session, actor, "case.cleared", candidate_target(candidate),
                 f"{candidate.masked_count} passages masked by hand; {flag}", minute=minute)


def reject(session: Session, candidate: CaseCandidate, actor: str, minute: int | None = None) -> None:
    """Not suitable: the candidate and its notes are deleted."""
    notes = session.execute(delete(CaseFollowUp).where(CaseFollowUp.report_id == candidate.report_id))
    target = candidate_target(candidate)
    session.delete(candidate)
    audit.record(session, actor, "case.rejected", target,
                 f"deleted with {notes.rowcount or 0} notes", minute=minute)  # type: ignore[attr-defined]


def cleared_candidates(session: Session) -> list[CaseCandidate]:
    return list(session.scalars(
        select(CaseCandidate).where(CaseCandidate.status == CLEARED).order_by(CaseCandidate.cleared_on,
                                                                              CaseCandidate.ref)
    ))


# -- case studies --------------------------------------------------------------------------------


@dataclass
class CaseForm:
    """What a trainer typed, kept as typed so a refused form shows it again."""

    title: str = ""
    text: str = ""
    themes: tuple[str, ...] = ()
    suggested_ds: tuple[str, ...] = ()
    checklist: tuple[str, ...] = ()

    @classmethod
    def from_case(cls, case: CaseStudy) -> CaseForm:
        return cls(case.title, case.text, tuple(case.themes), tuple(case.suggested_ds), tuple(case.checklist))

    def errors(self) -> dict[str, str]:
        """Problems that stop a draft being saved at all (field id -> message)."""
        found: dict[str, str] = {}
        if not self.title.strip():
            found["title"] = "Enter a title for the case study"
        elif len(self.title.strip()) > TITLE_MAX:
            found["title"] = f"The title must be {TITLE_MAX} characters or fewer"
        if not self.text.strip():
            found["text"] = "Enter the text of the case study"
        elif len(self.text) > TEXT_MAX:
            found["text"] = f"The case study must be {TEXT_MAX} characters or fewer"
        if set(self.themes) - set(taxonomy.THEME_CODES):
            found["themes"] = "Select themes from the list"
        if set(self.suggested_ds) - set(FIVE_DS):
            found["suggested_ds"] = "Select Ds from the list"
        if set(self.checklist) - set(CHECKLIST_CODES):
            found["checklist"] = "Select items from the checklist"
        return found

    def submit_errors(self) -> dict[str, str]:
        """Problems that stop a saved draft being submitted for approval."""
        found: dict[str, str] = {}
        if not self.themes:
            found["themes"] = "Select at least one theme"
        if not self.suggested_ds:
            found["suggested_ds"] = "Select at least one D this case suits"
        if set(CHECKLIST_CODES) - set(self.checklist):
            found["checklist"] = "Tick every item of the checklist once the case study meets it"
        return found


def _fill(case: CaseStudy, form: CaseForm) -> None:
    text = form.text.strip().replace("\r\n", "\n")
    case.title, case.text = form.title.strip(), text  # a changed text is unchecked (CaseStudy.checked)
    case.themes = [t.code for t in taxonomy.THEMES if t.code in form.themes]
    case.suggested_ds = [d for d in FIVE_DS if d in form.suggested_ds]
    case.checklist = [c for c in CHECKLIST_CODES if c in form.checklist]


def start_case(session: Session, candidate: CaseCandidate, author: str, form: CaseForm, actor: str,
               today: dt.date, minute: int | None = None) -> CaseStudy:
    case = CaseStudy(report_id=candidate.report_id, title="", text="", status=CASE_DRAFT, author_key=author,
                     created_on=today, received_on=candidate.received_on or week_of(today))
    _fill(case, form)
    session.add(case)
    candidate.status = DRAFTED
    session.flush()
    audit.record(session, actor, "case.drafted", case_target(case), f"from {candidate_target(candidate)}",
                 minute=minute)
    return case


def edit_case(session: Session, case: CaseStudy, form: CaseForm, actor: str, minute: int | None = None) -> None:
    _fill(case, form)
    audit.record(session, actor, "case.edited", case_target(case), minute=minute)


def record_check(case: CaseStudy, checked_text: str, redacted: str, counts: dict[str, int]) -> None:
    """The redactor's answer for ``checked_text``; ignored if the text has changed since."""
    if checked_text == case.text:
        case.check_text, case.check_counts = redacted, {k: int(v) for k, v in counts.items() if v}
        case.check_of = text_digest(checked_text)


def use_redacted(session: Session, case: CaseStudy, actor: str, minute: int | None = None) -> None:
    """Take the redactor's version of the text: what it would mask is masked. The new text is
    unchecked until the redactor has seen it (the page asks it straight away)."""
    if not case.checked or case.check_text is None or case.check_counts is None:
        raise MaskProblem("The redaction check has not run on this text yet")
    masked = sum(case.check_counts.values())
    case.text = case.check_text
    # Its version is checked again like any other text before the case can be submitted.
    case.check_text, case.check_counts, case.check_of = None, None, None
    audit.record(session, actor, "case.masked", case_target(case), f"{masked} passages the redactor found masked",
                 minute=minute)


class ApprovalProblem(ValueError):
    """A step the rules do not allow; the message says which rule."""


def submit(session: Session, case: CaseStudy, actor: str, minute: int | None = None) -> None:
    if case.status != CASE_DRAFT:
        raise ApprovalProblem("Only a draft can be submitted")
    if not case.checked_clean:
        raise ApprovalProblem("The redactor must check this text, and find nothing to mask, before you submit it")
    problems = CaseForm.from_case(case).submit_errors()
    if problems:
        raise ApprovalProblem(next(iter(problems.values())))
    case.status = CASE_SUBMITTED
    audit.record(session, actor, "case.submitted", case_target(case), minute=minute)


def return_to_draft(session: Session, case: CaseStudy, actor: str, minute: int | None = None) -> None:
    if case.status != CASE_SUBMITTED:
        raise ApprovalProblem("Only a case study waiting for approval can be sent back")
    case.status = CASE_DRAFT
    audit.record(session, actor, "case.returned", case_target(case), minute=minute)


def approve(session: Session, case: CaseStudy, approver: str, actor: str, today: dt.date,
            minute: int | None = None) -> None:
    """A second person approves: the case is published to the library and intake is told."""
    if case.status != CASE_SUBMITTED:
        raise ApprovalProblem("Only a case study waiting for approval can be approved")
    if approver == case.author_key:
        raise ApprovalProblem("You wrote this case study, so someone else must approve it")
    if not case.checked_clean:
        raise ApprovalProblem("The text has changed since the redactor checked it")
    case.status = CASE_PUBLISHED
    case.published_on = today
    audit.record(session, actor, "case.approved", case_target(case), minute=minute)
    add_event(session, Outbox, make_event(
        "case.published", {"report_id": case.report_id, "published_week": week_of(today)}, "training",
        event_id=derived_id("case.published", f"{case.report_id}:{case.id}"),
    ))
    audit.record(session, actor, "case.published", case_target(case),
                 f"{len(case.themes)} themes; suggested: {', '.join(case.suggested_ds)}", minute=minute)


def cases_with_status(session: Session, *statuses: str) -> list[CaseStudy]:
    return list(session.scalars(
        select(CaseStudy).where(CaseStudy.status.in_(statuses)).order_by(CaseStudy.published_on.desc(),
                                                                         CaseStudy.id.desc())
    ))


# -- leaving: withdrawal of consent, expiry ------------------------------------------------------


def withdraw_published(session: Session, report_id: str) -> int:
    """Before a report's material is deleted: announce that its published cases leave the library."""
    published = list(session.scalars(
        select(CaseStudy).where(CaseStudy.report_id == report_id, CaseStudy.status == CASE_PUBLISHED)
    ))
    for case in published:
        add_event(session, Outbox, make_event(
            "case.withdrawn", {"report_id": report_id}, "training",
            event_id=derived_id("case.withdrawn", f"{report_id}:{case.id}"),
        ))
        audit.record(session, audit.SYSTEM_ACTOR, "case.withdrawn", case_target(case),
                     "removed from the library: its reporter withdrew their agreement")
    return len(published)


# -- published cases at cohort sessions ----------------------------------------------------------


def session_cases(session: Session, session_id: int) -> list[CaseStudy]:
    """The published cases down for discussion at one cohort session, by title."""
    return list(session.scalars(
        select(CaseStudy).join(SessionCase, SessionCase.case_id == CaseStudy.id)
        .where(SessionCase.session_id == session_id, CaseStudy.status == CASE_PUBLISHED)
        .order_by(CaseStudy.title, CaseStudy.id)
    ))


def attachable(session: Session, session_id: int) -> list[CaseStudy]:
    """Published cases not yet down for the session, by title."""
    taken = select(SessionCase.case_id).where(SessionCase.session_id == session_id)
    return list(session.scalars(
        select(CaseStudy).where(CaseStudy.status == CASE_PUBLISHED, CaseStudy.id.not_in(taken))
        .order_by(CaseStudy.title, CaseStudy.id)
    ))


def attach(session: Session, session_id: int, typed: str) -> tuple[CaseStudy, bool]:
    """Put a published case down for a session; returns (the case, whether it is new there)."""
    case = session.get(CaseStudy, int(typed)) if typed.strip().isdigit() else None
    if not typed.strip():
        raise ApprovalProblem("Select a case study from the library")
    if case is None or case.status != CASE_PUBLISHED:
        raise ApprovalProblem("That case study is no longer in the library. Select another one")
    if session.get(SessionCase, (session_id, case.id)) is not None:
        return case, False
    session.add(SessionCase(session_id=session_id, case_id=case.id))
    session.flush()
    return case, True


def detach(session: Session, session_id: int, case_id: int) -> CaseStudy | None:
    """Take a case off a session (it stays in the library); None if it was not down for it."""
    row = session.get(SessionCase, (session_id, case_id))
    if row is None:
        return None
    session.delete(row)
    session.flush()
    return session.get(CaseStudy, case_id)


# Why a trainer or lead takes a published case out of the library: what the audit log records
# (a code's label, never free text, so nothing anyone typed about the case reaches the log).
REMOVAL_REASONS: tuple[tuple[str, str], ...] = (
    ("recognisable", "Someone could recognise the people or the place in it"),
    ("inaccurate", "It is misleading or no longer reflects how things are done"),
    ("not_useful", "It is not useful for training any more"),
    ("other", "Another reason"),
)
REMOVAL_CODES = tuple(code for code, _label in REMOVAL_REASONS)


def remove_published(session: Session, case: CaseStudy, reason: str, actor: str,
                     minute: int | None = None) -> None:
    """A trainer or lead takes a published case out of the library by hand: the case study is
    deleted (and with it every session it was down for), the audit log says who, when and why,
    and intake hears case.withdrawn so the reporter's receipt no longer says their report is
    helping to train others, unless another case from the same report is still published."""
    if case.status != CASE_PUBLISHED:
        raise ApprovalProblem("Only a case in the library can be taken out of it")
    if reason not in REMOVAL_CODES:
        raise ApprovalProblem("Select why you are taking the case out of the library")
    others = session.scalar(
        select(func.count()).select_from(CaseStudy).where(
            CaseStudy.report_id == case.report_id, CaseStudy.status == CASE_PUBLISHED, CaseStudy.id != case.id
        )
    ) or 0
    if not others:
        add_event(session, Outbox, make_event(
            "case.withdrawn", {"report_id": case.report_id}, "training",
            event_id=derived_id("case.withdrawn", f"{case.report_id}:{case.id}"),
        ))
    sessions = session.execute(delete(SessionCase).where(SessionCase.case_id == case.id)).rowcount or 0  # type: ignore[attr-defined]
    label = dict(REMOVAL_REASONS)[reason]
    audit.record(session, actor, "case.removed", case_target(case),
                 f"{label}; taken off {sessions} session{'s' if sessions != 1 else ''}"
                 + ("" if not others else f"; {others} other published case from the same report stays"),
                 minute=minute)
    session.delete(case)
    session.flush()


def expire(session: Session, today: dt.date, days: int) -> tuple[int, int]:
    """Delete candidates received more than ``days`` ago, their notes, and case studies made from
    them that were never published. Published cases stay. Returns (candidates, case studies)."""
    cutoff = today - dt.timedelta(days=days)
    old = list(session.scalars(select(CaseCandidate).where(CaseCandidate.received_on < cutoff)))
    report_ids = [c.report_id for c in old]
    studies = session.execute(
        delete(CaseStudy).where(CaseStudy.status != CASE_PUBLISHED, CaseStudy.received_on < cutoff)
    ).rowcount or 0  # type: ignore[attr-defined]
    if report_ids:
        session.execute(delete(CaseFollowUp).where(CaseFollowUp.report_id.in_(report_ids)))
        session.execute(delete(CaseCandidate).where(CaseCandidate.report_id.in_(report_ids)))
    if old or studies:
        audit.record(session, audit.SYSTEM_ACTOR, "case.expired", "case candidates",
                     f"{len(old)} candidates and {studies} unpublished case studies received more than "
                     f"{days} days ago deleted")
    return len(old), studies
