"""Training's own tables: the pool of redacted reports that may become training cases, and the
hub's learner progress.

Only reports whose reporter agreed to training use are kept, with their notes; a
withdrawal deletes them (operations.delete_training_material)."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column

from portal_common.models import AuditEntryMixin, DeadLetterMixin, InboxMixin, OutboxMixin, StaffSessionMixin


class Base(DeclarativeBase):
    pass


CANDIDATE = "candidate"  # waiting for a reviewer: nobody else sees it
CLEARED = "cleared"  # a reviewer read it, masked what was left and cleared it: trainers may use it
DRAFTED = "drafted"  # a trainer has made a case study from it (see CaseStudy)


class CaseCandidate(Base):
    __tablename__ = "case_candidates"

    report_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    redacted_text: Mapped[str] = mapped_column(Text, nullable=False)
    themes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    characteristics: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    setting: Mapped[str | None] = mapped_column(String(32))
    risk_score: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    # Above the redactor's risk threshold: a person must review it before trainers see it.
    needs_review: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=CANDIDATE, index=True)
    # What staff pages and the audit log call it: random, so it says nothing about the report.
    ref: Mapped[str | None] = mapped_column(String(16), nullable=True, unique=True, index=True)
    # The Monday of the week training received it (no finer): candidates expire from here.
    received_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    masked_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    cleared_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class CaseFollowUp(Base):
    """A later note its reporter added to a candidate case, already redacted."""

    __tablename__ = "case_follow_ups"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    report_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    redacted_text: Mapped[str] = mapped_column(Text, nullable=False)
    themes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    needs_review: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class ConsentWithdrawal(Base):
    """A report whose reporter withdrew their agreement to training use. Kept so that a copy
    of the report or a note that arrives later (a re-send, or one still on its way when the
    withdrawal came) is not taken in again. Holds the report's id and nothing else."""

    __tablename__ = "consent_withdrawals"

    report_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class Inbox(InboxMixin, Base):
    pass


class DeadLetter(DeadLetterMixin, Base):
    pass


class AuditEntry(AuditEntryMixin, Base):
    """Training's audit log: case approvals, publications, withdrawals and deletions, exports,
    and changes to cohorts and resources (services/training/audit.py writes it)."""


class StaffSession(StaffSessionMixin, Base):
    """A signed-in member of staff (never linked to any report)."""


# -- the 5 Ds hub: learner progress and every choice made in a scenario -------------------
#
# A learner is an opaque key: an HMAC of the signed-in account's subject under the app's
# secret (see services/training/learners.py), never an email or a name. Dates are days at
# most, and a choice keeps only the Monday of its week. Nothing here refers to a report.


class ModuleCompletion(Base):
    """A learner has read a module to the end (one row per learner and module)."""

    __tablename__ = "module_completions"

    learner: Mapped[str] = mapped_column(String(64), primary_key=True)
    module_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_version: Mapped[int] = mapped_column(Integer, nullable=False)
    completed_on: Mapped[dt.date] = mapped_column(Date, nullable=False)


class CheckResult(Base):
    """A learner's knowledge checks for one module: attempts, best score, passed or not."""

    __tablename__ = "check_results"

    learner: Mapped[str] = mapped_column(String(64), primary_key=True)
    module_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_version: Mapped[int] = mapped_column(Integer, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    best_score: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    out_of: Mapped[int] = mapped_column(Integer, nullable=False)
    passed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    passed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class ScenarioRun(Base):
    """One play-through of a scenario. Restarting abandons the open run and starts another."""

    __tablename__ = "scenario_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    learner: Mapped[str] = mapped_column(String(64), nullable=False)
    scenario_id: Mapped[str] = mapped_column(String(64), nullable=False)
    content_version: Mapped[int] = mapped_column(Integer, nullable=False)
    current_step: Mapped[str] = mapped_column(String(64), nullable=False)
    # open, finished (reached an ending) or abandoned (restarted before the end)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    ending: Mapped[str | None] = mapped_column(String(64), nullable=True)
    started_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    finished_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class ScenarioChoice(Base):
    """One choice a learner made at one step: what trainers count (k-safe) by D."""

    __tablename__ = "scenario_choices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("scenario_runs.id", ondelete="CASCADE"), nullable=False, index=True)
    learner: Mapped[str] = mapped_column(String(64), nullable=False)
    scenario_id: Mapped[str] = mapped_column(String(64), nullable=False)
    content_version: Mapped[int] = mapped_column(Integer, nullable=False)
    step_id: Mapped[str] = mapped_column(String(64), nullable=False)
    choice_id: Mapped[str] = mapped_column(String(64), nullable=False)
    d_tag: Mapped[str] = mapped_column(String(16), nullable=False)
    chosen_week: Mapped[dt.date] = mapped_column(Date, nullable=False)  # a Monday


Index("ix_scenario_runs_learner_scenario", ScenarioRun.learner, ScenarioRun.scenario_id)
Index("ix_scenario_choices_scenario_step", ScenarioChoice.scenario_id, ScenarioChoice.content_version,
      ScenarioChoice.step_id)


# -- cohorts and sessions -----------------------------------------------------------------
#
# Trainers run a programme as cohorts of learners meeting in sessions (a workshop, a board
# session, action learning sets, train-the-trainer, the community of practice). A learner
# joins a cohort with its join code; membership, attendance and a session rating are kept
# against the learner key, never a name, and trainers only ever see counts.

SESSION_KINDS = ("workshop", "board_session", "action_learning_set", "train_the_trainer", "community_of_practice")


class Cohort(Base):
    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    organisation: Mapped[str | None] = mapped_column(String(64), nullable=True)  # a code from the organisations list
    join_code: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    created_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    closed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class CohortSession(Base):
    """One meeting of a cohort: when, where and what kind."""

    __tablename__ = "cohort_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)  # one of SESSION_KINDS
    title: Mapped[str] = mapped_column(String(160), nullable=False)
    held_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    start_time: Mapped[str | None] = mapped_column(String(5), nullable=True)  # "HH:MM", local time
    place: Mapped[str] = mapped_column(String(200), nullable=False, default="")


class CohortMember(Base):
    __tablename__ = "cohort_members"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    learner: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    joined_on: Mapped[dt.date] = mapped_column(Date, nullable=False)


class Attendance(Base):
    __tablename__ = "attendances"

    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_sessions.id", ondelete="CASCADE"), primary_key=True)
    learner: Mapped[str] = mapped_column(String(64), primary_key=True)


class SessionRating(Base):
    """How useful an attendee found a session, 1 (not at all) to 5 (very): reported only in aggregate."""

    __tablename__ = "session_ratings"

    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_sessions.id", ondelete="CASCADE"), primary_key=True)
    learner: Mapped[str] = mapped_column(String(64), primary_key=True)
    rating: Mapped[int] = mapped_column(Integer, nullable=False)


# -- measures and the programme evaluation ------------------------------------------------
#
# A learner's confidence answers are kept against the learner key with the day, one set per
# stage (before, after, follow_up), never with a name. The programme evaluation report's
# narrative and costs are written by leads and hold nothing about any learner.

CONFIDENCE_STAGES = ("before", "after", "follow_up")


class ConfidenceResponse(Base):
    """One learner's answers to the confidence measure at one stage. Answers are final: a
    second set for the same stage is refused, so a "before" can never be retaken after learning."""

    __tablename__ = "confidence_responses"

    learner: Mapped[str] = mapped_column(String(64), primary_key=True)
    stage: Mapped[str] = mapped_column(String(16), primary_key=True)  # one of CONFIDENCE_STAGES
    instrument_version: Mapped[int] = mapped_column(Integer, nullable=False)
    answered_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    scores: Mapped[dict] = mapped_column(JSON, nullable=False)  # item id -> the scale value chosen
    # Only at follow_up: yes, no or not_sure, and the Ds used when yes.
    acted: Mapped[str | None] = mapped_column(String(16), nullable=True)
    ds_used: Mapped[list] = mapped_column(JSON, nullable=False, default=list)


Index("ix_confidence_responses_stage", ConfidenceResponse.stage, ConfidenceResponse.instrument_version)


class EvaluationNarrative(Base):
    """What the programme lead wrote for one area of the evaluation framework."""

    __tablename__ = "evaluation_narratives"

    area: Mapped[str] = mapped_column(String(40), primary_key=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    updated_on: Mapped[dt.date] = mapped_column(Date, nullable=False)


class ProgrammeCost(Base):
    """One cost of running the programme, in pence, with what it was for."""

    __tablename__ = "programme_costs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    description: Mapped[str] = mapped_column(String(200), nullable=False)
    amount_pence: Mapped[int] = mapped_column(Integer, nullable=False)
    added_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
# -- certificates, the resource library and local contacts ---------------------------------
#
# A certificate's record is what the public verify page reads: its code, the day it was
# issued and the day it must be renewed by, and the learner key (so the learner can download
# it again and renew it). The name printed on the certificate is typed at download time and
# never stored.


class Certificate(Base):
    __tablename__ = "certificates"

    code: Mapped[str] = mapped_column(String(19), primary_key=True)  # XXXX-XXXX-XXXX-XXXX
    learner: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    issued_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    renew_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    renewal: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # issued through the refresher


class Resource(Base):
    """One item of the resource library: a link (https) or an uploaded PDF, tagged for search."""

    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(160), nullable=False)
    summary: Mapped[str] = mapped_column(String(1000), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # one of resources.KINDS
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    file_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    file_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The PDF itself, loaded only when someone downloads it.
    file_data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))
    ds: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    themes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    audiences: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    added_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    updated_on: Mapped[dt.date] = mapped_column(Date, nullable=False)


class LocalContact(Base):
    """Someone a learner can turn to in their own organisation (or, with no organisation, anywhere)."""

    __tablename__ = "local_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organisation: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)  # None: system-wide
    kind: Mapped[str] = mapped_column(String(32), nullable=False)  # one of contacts.KINDS
    name: Mapped[str] = mapped_column(String(160), nullable=False)  # a name or a role
    phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    email: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    link: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    notes: Mapped[str] = mapped_column(String(500), nullable=False, default="")


class LearnerProfile(Base):
    """The organisation a learner chose, so the hub shows their local contacts."""

    __tablename__ = "learner_profiles"

    learner: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation: Mapped[str] = mapped_column(String(64), nullable=False)


# Indexes for the hub at scale (bench/hub_scale.py): a learner's own choices (progress and home
# pages), and the trainers' per-step counts of distinct learners, by D and in all, each answered
# from an index alone in the order it groups by.
Index("ix_scenario_choices_learner", ScenarioChoice.learner)
Index("ix_scenario_choices_counts", ScenarioChoice.scenario_id, ScenarioChoice.content_version,
      ScenarioChoice.step_id, ScenarioChoice.d_tag, ScenarioChoice.learner)
Index("ix_scenario_choices_step_learners", ScenarioChoice.scenario_id, ScenarioChoice.content_version,
      ScenarioChoice.step_id, ScenarioChoice.learner)
# -- attendance codes, facilitator mode and action learning notes ------------------------
#
# Facilitator mode keeps no answer against anybody: only how many answers each option of the
# step on the room's screen has had. Notes are the trainer's own words about a session.


class SessionCode(Base):
    """The code attendees type to mark themselves present, shown on the room's screen."""

    __tablename__ = "session_codes"

    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_sessions.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(8), nullable=False, unique=True)


class SessionNote(Base):
    """An action learning set's notes: what was discussed and the actions agreed (no names)."""

    __tablename__ = "session_notes"

    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_sessions.id", ondelete="CASCADE"), primary_key=True)
    discussed: Mapped[str] = mapped_column(Text, nullable=False, default="")
    actions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    updated_on: Mapped[dt.date] = mapped_column(Date, nullable=False)


class LiveRun(Base):
    """A scenario stepped through on a room's screen, answered from phones with its code."""

    __tablename__ = "live_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(8), nullable=False, unique=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("cohort_sessions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    scenario_id: Mapped[str] = mapped_column(String(64), nullable=False)
    content_version: Mapped[int] = mapped_column(Integer, nullable=False)
    current_step: Mapped[str] = mapped_column(String(64), nullable=False)
    step_number: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    revealed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    threshold: Mapped[int] = mapped_column(Integer, nullable=False)
    ended: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    opened_on: Mapped[dt.date] = mapped_column(Date, nullable=False)


class LiveAnswerCount(Base):
    """How many answers one option of one step of a live run has had: a count, nothing more."""

    __tablename__ = "live_answer_counts"

    run_id: Mapped[int] = mapped_column(ForeignKey("live_runs.id", ondelete="CASCADE"), primary_key=True)
    step_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    choice_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    answers: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
# -- the case library ------------------------------------------------------------------------
#
# A trainer writes a case study from a cleared candidate (already redacted, then masked by a
# reviewer); the redactor checks the edited text again before it can be submitted; another
# trainer or a lead approves it and it is published to the library. The author is kept only
# as an opaque key (learning.learner_key of their sign-in subject), never a name.

CASE_DRAFT = "draft"
CASE_SUBMITTED = "submitted"
CASE_PUBLISHED = "published"


class CaseStudy(Base):
    __tablename__ = "case_studies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The report it came from: so that a withdrawal of consent deletes it (DERIVED_FROM_REPORT).
    report_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    themes: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    suggested_ds: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    checklist: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # codes ticked
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=CASE_DRAFT, index=True)
    author_key: Mapped[str] = mapped_column(String(64), nullable=False)
    # The redactor's last answer: its version of the text, what it found, and a SHA-256 of the
    # text it was given (the answer counts only while that is still the text).
    check_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    check_counts: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    check_of: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    received_on: Mapped[dt.date] = mapped_column(Date, nullable=False)  # the candidate's week: for expiry
    published_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)

    @property
    def checked(self) -> bool:
        """The redactor's last answer is about exactly this text."""
        return self.check_counts is not None and self.check_of == text_digest(self.text)

    @property
    def checked_clean(self) -> bool:
        """The redactor has seen exactly this text and would mask nothing in it."""
        return self.checked and not sum((self.check_counts or {}).values())


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Outbox(OutboxMixin, Base):
    """case.published and case.withdrawn, written with the change; the relay sends them."""


# -- the trainers' choices page, kept up to date as choices are recorded ---------------------
#
# Counting distinct learners over every choice on each view does not scale (100,000 choices:
# 250 to 490 ms). Instead, when a choice is recorded, learning.count_choice adds the learner
# once per (scenario, version, step, D) and once per step (d_tag STEP_TOTAL) to
# ChoiceLearner, whose primary key makes that idempotent, and only when the row is new adds
# one to the matching ChoiceCount. The page reads ChoiceCount alone. Both are derived from
# scenario_choices (learning.rebuild_choice_counts rebuilds them; migration 0012 backfills).

STEP_TOTAL = "*"  # the d_tag under which a learner who answered the step at all is counted


class ChoiceLearner(Base):
    __tablename__ = "choice_learners"

    scenario_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    step_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    d_tag: Mapped[str] = mapped_column(String(16), primary_key=True)
    learner: Mapped[str] = mapped_column(String(64), primary_key=True)


class ChoiceCount(Base):
    __tablename__ = "choice_counts"

    scenario_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    step_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    d_tag: Mapped[str] = mapped_column(String(16), primary_key=True)
    learners: Mapped[int] = mapped_column(Integer, nullable=False)


class SessionCase(Base):
    """A published case study a trainer has put down for discussion at one cohort session. Goes
    when the session does, and when the case leaves the library (taken out by hand, or its
    reporter withdrew their agreement: either deletes the case study)."""

    __tablename__ = "session_cases"

    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_sessions.id", ondelete="CASCADE"), primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_studies.id", ondelete="CASCADE"), primary_key=True, index=True
    )
