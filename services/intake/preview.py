"""Ask the redactor, over the backbone, what the text looks like with personal details removed.

Request and answer are both Fernet ciphertext: no plain text is ever on a queue or in the
result backend. The call is short and bounded; a slow or absent redactor is reported as
``PreviewUnavailable`` with no text in it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from celery import Celery
from celery.exceptions import TimeoutError as CeleryTimeout

from portal_common.crypto import InvalidToken, TextCipher
from portal_common.messaging import PREVIEW_QUEUE, PREVIEW_TASK, TRANSIENT_ERRORS, make_sender
from portal_common.settings import BrokerSettings

log = logging.getLogger("portal.intake")

PREVIEW_TIMEOUT = 8.0  # seconds the person waits at most


class PreviewUnavailable(Exception):
    """The redactor did not answer in time, or not at all."""


@dataclass(frozen=True)
class RedactedText:
    redacted: str
    themes: list[str] = field(default_factory=list)
    entity_counts: dict[str, int] = field(default_factory=dict)
    risk: dict[str, Any] | None = None

    @classmethod
    def from_result(cls, result: dict[str, Any]) -> RedactedText:
        risk = result.get("risk")
        return cls(
            redacted=str(result.get("redacted", "")),
            themes=sorted(str(t) for t in result.get("themes") or []),
            entity_counts={str(k): int(v) for k, v in (result.get("entity_counts") or {}).items()},
            risk=dict(risk) if isinstance(risk, dict) else None,
        )


@dataclass(frozen=True)
class Preview:
    account: RedactedText
    what_would_help: RedactedText | None

    @property
    def removed(self) -> int:
        total = sum(self.account.entity_counts.values())
        if self.what_would_help:
            total += sum(self.what_would_help.entity_counts.values())
        return total


def request_preview(publisher, cipher: TextCipher, account: str, what_would_help: str | None,
                    timeout: float = PREVIEW_TIMEOUT) -> Preview:
    token = cipher.encrypt_json({"account": account, "what_would_help": what_would_help})
    try:
        async_result = publisher.send_task(
            PREVIEW_TASK, args=[{"ciphertext": token}], queue=PREVIEW_QUEUE, expires=timeout,
            retry=False,
        )
        try:
            answer = async_result.get(timeout=timeout, propagate=True, disable_sync_subtasks=False)
        finally:
            async_result.forget()
    except (CeleryTimeout, *TRANSIENT_ERRORS) as exc:
        log.warning("redaction preview unavailable", extra={"error": type(exc).__name__})
        raise PreviewUnavailable from None
    except Exception as exc:  # noqa: BLE001 - a failed task; its text is never shown or logged
        log.warning("redaction preview failed", extra={"error": type(exc).__name__})
        raise PreviewUnavailable from None
    try:
        plain = cipher.decrypt_json(answer["ciphertext"])
    except (InvalidToken, KeyError, TypeError, ValueError):
        log.warning("redaction preview unreadable", extra={"error": "InvalidToken"})
        raise PreviewUnavailable from None
    help_result = plain.get("what_would_help")
    return Preview(
        account=RedactedText.from_result(plain["account"]),
        what_would_help=RedactedText.from_result(help_result) if help_result else None,
    )


class Redactor:
    """The preview call as intake makes it: its publisher is made on first use, once."""

    def __init__(self, settings: BrokerSettings, cipher: TextCipher, timeout: float = PREVIEW_TIMEOUT):
        self._settings = settings
        self._cipher = cipher
        self._timeout = timeout
        self._publisher: Celery | None = None
        self._lock = threading.Lock()

    def publisher(self) -> Celery:
        with self._lock:
            if self._publisher is None:
                self._publisher = make_sender(self._settings)
            return self._publisher

    def preview(self, account: str, what_would_help: str | None) -> Preview:
        """The redacted text; raises PreviewUnavailable. Never call it inside a transaction."""
        return request_preview(self.publisher(), self._cipher, account, what_would_help, self._timeout)
