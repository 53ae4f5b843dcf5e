"""What a receipt code shows, built once for the web page and the API alike.

Only what is true today is shown. "Included in a report" and "approved as a training case"
come from analytics and training events that do not exist yet, so those stages say
"not yet tracked" (``done`` is None) rather than pretending. The "you said, we did" actions
are published by analytics in a later issue; until then the list is empty and the page
says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from portal_common import taxonomy

from .models import PENDING, FollowUp, Submission

FOLLOW_UPS_MAX = 10  # notes one report can carry


def stages(submission: Submission) -> list[dict[str, Any]]:
    redacted = submission.status != PENDING
    return [
        {"code": "received", "label": "Received", "done": True},
        {"code": "redacted", "label": "Personal details removed", "done": redacted},
        {"code": "in_report", "label": "Included in a report to leads", "done": None},
        {"code": "training_case", "label": "Approved as a training case", "done": None},
    ]


def actions_for(_themes: list[str]) -> list[dict[str, str]]:
    """"You said, we did" actions for these themes: none are published yet."""
    return []


def training_consent(submission: Submission) -> str:
    """yes (agreed), no (did not agree), or withdrawn (agreed, then withdrew)."""
    if submission.consent_withdrawal is not None:
        return "withdrawn"
    return "yes" if submission.training_consent else "no"


def build(submission: Submission, notes: Sequence[FollowUp]) -> dict[str, Any]:
    """The receipt answer (see schemas.ReceiptSchema) from a report and its notes, in order."""
    redacted = submission.status != PENDING
    themes = list(submission.themes or []) if redacted else []
    return {
        "status": "redacted" if redacted else "received",
        "submitted_on": submission.submitted_on.strftime("%Y-%m"),
        "redacted_text": submission.redacted_text if redacted else None,
        "redacted_help": submission.redacted_help if redacted else None,
        "themes": themes,
        "stages": stages(submission),
        "actions": actions_for(themes),
        "follow_ups": [{"redacted_text": n.redacted_text, "added_on": n.added_on} for n in notes],
        "follow_up_accepted": len(notes) < FOLLOW_UPS_MAX,
        "training_consent": training_consent(submission),
    }


def theme_labels() -> dict[str, str]:
    return {t.code: t.label for t in taxonomy.THEMES}
