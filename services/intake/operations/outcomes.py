"""Why a user action did not happen. Views turn each into a page or a JSON answer.

Nothing here carries what the person typed, only what the views need to answer.
"""

from __future__ import annotations

from typing import Any


class Refused(Exception):
    """A user action that was not carried out; nothing was stored."""


class Invalid(Refused):
    """The input broke the schema: ``messages`` maps each field to its messages."""

    def __init__(self, messages: dict[str, Any] | list[Any] | str):
        super().__init__("invalid input")
        if isinstance(messages, dict):
            self.messages: dict[str, Any] = messages
        else:
            self.messages = {"_schema": messages if isinstance(messages, list) else [messages]}


class Unavailable(Refused):
    """The database did not answer."""


class AlreadySent(Refused):
    """This checked draft was sent before (a replay or a double click)."""


class NotFound(Refused):
    """No report has that receipt code."""


class Busy(Refused):
    """Every look-up slot of this process is taken; try again in a moment."""


class NoteNotAdded(Refused):
    """The report was found but the note was not stored; ``receipt`` is what the code shows."""

    def __init__(self, receipt: dict[str, Any]):
        super().__init__(type(self).__name__)
        self.receipt = receipt


class InvalidNote(NoteNotAdded):
    def __init__(self, receipt: dict[str, Any], messages: dict[str, Any]):
        super().__init__(receipt)
        self.messages = messages


class RedactorUnavailable(NoteNotAdded):
    """The redactor did not answer in time, so the note could not be redacted."""


class NoteLimitReached(NoteNotAdded):
    """The report already carries the most notes it can."""


class NoConsentToWithdraw(Refused):
    """The reporter did not agree to training use, so there is nothing to withdraw."""

    def __init__(self, receipt: dict[str, Any]):
        super().__init__(type(self).__name__)
        self.receipt = receipt
