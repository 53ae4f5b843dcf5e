"""What a receipt code shows, built once for the web page and the API alike.

Only what is true is shown:

- "Included in a report to leads" is done once the report is redacted and a release
  analytics has published covers the week it was sent (release.published events);
- "Helping train others" is done while a case study made from the report is in training's
  case library (case.published, until case.withdrawn or the reporter withdraws consent);
- the "you said, we did" actions listed are the published ones whose themes or
  characteristics match the report's (action.published, less action.withdrawn).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from portal_common import taxonomy

from .models import CASE_PUBLISHED, PENDING, FollowUp, Submission

FOLLOW_UPS_MAX = 10  # notes one report can carry


def stages(submission: Submission, in_report: bool = False) -> list[dict[str, Any]]:
    redacted = submission.status != PENDING
    return [
        {"code": "received", "label": "Received", "done": True},
        {"code": "redacted", "label": "Personal details removed", "done": redacted},
        {"code": "in_report", "label": "Included in a report to leads", "done": redacted and in_report},
        {"code": "training_case", "label": "Helping train others", "done": training_case_published(submission)},
    ]


def training_case_published(submission: Submission) -> bool:
    """A case study made from the report is in training's case library now."""
    return submission.training_case == CASE_PUBLISHED and submission.training_use_agreed


def training_consent(submission: Submission) -> str:
    """yes (agreed), no (did not agree), or withdrawn (agreed, then withdrew)."""
    if submission.consent_withdrawal is not None:
        return "withdrawn"
    return "yes" if submission.training_consent else "no"


def build(
    submission: Submission,
    notes: Sequence[FollowUp],
    *,
    in_report: bool = False,
    actions: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The receipt answer (see schemas.ReceiptSchema) from a report and its notes, in order,
    whether a published release counts it, and the actions that match it (newest first)."""
    redacted = submission.status != PENDING
    themes = list(submission.themes or []) if redacted else []
    return {
        "status": "redacted" if redacted else "received",
        "submitted_on": submission.submitted_on.strftime("%Y-%m"),
        "redacted_text": submission.redacted_text if redacted else None,
        "redacted_help": submission.redacted_help if redacted else None,
        "themes": themes,
        "stages": stages(submission, in_report),
        "actions": list(actions),
        "follow_ups": [{"redacted_text": n.redacted_text, "added_on": n.added_on} for n in notes],
        "follow_up_accepted": len(notes) < FOLLOW_UPS_MAX,
        "training_consent": training_consent(submission),
    }


def theme_labels() -> dict[str, str]:
    return {t.code: t.label for t in taxonomy.THEMES}


def characteristic_labels() -> dict[str, str]:
    return {c.code: c.label for c in taxonomy.CHARACTERISTICS}
