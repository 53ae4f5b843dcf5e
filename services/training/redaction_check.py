"""Ask the redactor, over the backbone, what it would still mask in a case study's text.

The same request/response task intake's "check your answers" uses (``redaction.preview`` on
the redactor's preview queue): the request and the answer are Fernet ciphertext, so no text
is ever on a queue or in the result backend in the clear, and the redactor stores nothing.
A slow or absent redactor is ``CheckUnavailable``, with no text in it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Protocol

from celery import Celery
from celery.exceptions import TimeoutError as CeleryTimeout

from portal_common.crypto import InvalidToken, TextCipher
from portal_common.messaging import PREVIEW_QUEUE, PREVIEW_TASK, TRANSIENT_ERRORS, make_sender
from portal_common.settings import BrokerSettings

log = logging.getLogger("portal.training")

CHECK_TIMEOUT = 10.0  # seconds a trainer waits at most


class CheckUnavailable(Exception):
    """The redactor did not answer in time, or not at all."""


@dataclass(frozen=True)
class CheckResult:
    redacted: str
    entity_counts: dict[str, int]

    @property
    def found(self) -> int:
        return sum(self.entity_counts.values())


class Checker(Protocol):
    def __call__(self, text: str) -> CheckResult: ...


class RedactorCheck:
    """The check as the training app makes it: its sender is made on first use, once."""

    def __init__(self, settings: BrokerSettings, cipher: TextCipher, timeout: float = CHECK_TIMEOUT):
        self._settings, self._cipher, self._timeout = settings, cipher, timeout
        self._sender: Celery | None = None
        self._lock = threading.Lock()

    def _app(self) -> Celery:
        with self._lock:
            if self._sender is None:
                self._sender = make_sender(self._settings)
            return self._sender

    def __call__(self, text: str) -> CheckResult:
        """Never call it inside a transaction: it waits for the redactor."""
        token = self._cipher.encrypt_json({"account": text, "what_would_help": None})
        try:
            pending = self._app().send_task(
                PREVIEW_TASK, args=[{"ciphertext": token}], queue=PREVIEW_QUEUE, expires=self._timeout, retry=False
            )
            try:
                answer: Any = pending.get(timeout=self._timeout, propagate=True, disable_sync_subtasks=False)
            finally:
                pending.forget()
        except (CeleryTimeout, *TRANSIENT_ERRORS) as exc:
            log.warning("redaction check unavailable", extra={"error": type(exc).__name__})
            raise CheckUnavailable from None
        except Exception as exc:  # noqa: BLE001 - a failed task; its text is never shown or logged
            log.warning("redaction check failed", extra={"error": type(exc).__name__})
            raise CheckUnavailable from None
        try:
            result = self._cipher.decrypt_json(answer["ciphertext"])["account"]
            return CheckResult(
                redacted=str(result["redacted"]),
                entity_counts={str(k): int(v) for k, v in (result.get("entity_counts") or {}).items()},
            )
        except (InvalidToken, KeyError, TypeError, ValueError):
            log.warning("redaction check unreadable", extra={"error": "InvalidToken"})
            raise CheckUnavailable from None
