"""Intake's operations, free of Flask: one function per thing a reporter does, and the
steps the worker and the relay take.

- ``report``: check a report (see it redacted), send it;
- ``receipt``: look a report up by its receipt code, add a note to it, withdraw its
  training consent;
- ``records``: the storage steps those actions are made of (a session in, nothing committed);
- ``delivery``: what the backbone tells intake, and the re-send sweep;
- ``events``: the events intake queues;
- ``published``: what analytics publishes ("you said, we did" actions, release periods) and
  what training publishes (a case study made from a report);
- ``outcomes``: why an action did not happen.
"""

from .delivery import RESEND_LIMIT, apply_redacted, apply_stored, sweep_unconfirmed, sweep_unconfirmed_withdrawals
from .events import week_start
from .published import (
    apply_action_published,
    apply_action_withdrawn,
    apply_case_published,
    apply_case_withdrawn,
    apply_release_published,
)
from .receipt import ConsentWithdrawn, NoteAdded, add_note, check_consent, look_up_receipt, withdraw_consent
from .records import (
    FOLLOW_UPS_MAX,
    add_follow_up,
    claim_draft,
    find_by_receipt,
    follow_ups_of,
    purge_sent_drafts,
    submit_report,
    withdraw_training_consent,
)
from .report import CheckedReport, SentReport, check_report, send_report

__all__ = [
    "FOLLOW_UPS_MAX",
    "ConsentWithdrawn",
    "RESEND_LIMIT",
    "CheckedReport",
    "NoteAdded",
    "SentReport",
    "add_follow_up",
    "add_note",
    "apply_action_published",
    "apply_action_withdrawn",
    "apply_case_published",
    "apply_case_withdrawn",
    "apply_redacted",
    "apply_release_published",
    "apply_stored",
    "check_consent",
    "check_report",
    "claim_draft",
    "find_by_receipt",
    "follow_ups_of",
    "look_up_receipt",
    "purge_sent_drafts",
    "send_report",
    "submit_report",
    "sweep_unconfirmed",
    "sweep_unconfirmed_withdrawals",
    "week_start",
    "withdraw_consent",
    "withdraw_training_consent",
]
