"""Anonymity helpers: the rate-limit key and the sealed draft.

Rate-limit key
    flask-limiter needs a key per client. We give it HMAC-SHA256(day key, address), where
    the day key is HMAC(process secret, today's date) and the process secret is random,
    made at start-up and never written anywhere. Redis therefore holds counters under keys
    that nobody, including us, can turn back into an address, and which stop matching the
    next day. Each process has its own secret, so with several gunicorn workers each worker
    counts separately (see docs/adr/0006-rate-limit-keys.md).

Sealed draft
    Between "check your answers" and "send", the answers travel in one hidden form field,
    encrypted and authenticated with a key derived from the intake secret key, with a random
    single-use id and a lifetime. Nothing is stored on the server until the person sends.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from flask import request

DRAFT_MAX_AGE = 2 * 60 * 60  # seconds a checked draft can wait before it must be re-checked


class DayKeys:
    def __init__(self) -> None:
        self._secret = secrets.token_bytes(32)  # in memory only; dies with the process
        self._day: dt.date | None = None
        self._key = b""

    def key_for(self, day: dt.date) -> bytes:
        if day != self._day:
            self._key = hmac.new(self._secret, day.isoformat().encode(), hashlib.sha256).digest()
            self._day = day
        return self._key

    def client_key(self, address: str | None, day: dt.date | None = None) -> str:
        day = day or dt.datetime.now(dt.UTC).date()
        digest = hmac.new(self.key_for(day), (address or "-").encode(), hashlib.sha256)
        return digest.hexdigest()[:32]


def limiter_key(day_keys: DayKeys):
    def _key() -> str:
        return day_keys.client_key(request.remote_addr)

    return _key


class DraftError(Exception):
    """The sealed draft is missing, tampered with, too old, or already sent."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "invalid" | "expired" | "used"


class DraftSealer:
    def __init__(self, secret_key: str):
        derived = hmac.new(secret_key.encode(), b"intake draft key v1", hashlib.sha256).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, answers: dict[str, Any]) -> str:
        body = {"v": 1, "nonce": secrets.token_urlsafe(18), "answers": answers}
        return self._fernet.encrypt(json.dumps(body, ensure_ascii=False).encode()).decode()

    def open(self, token: str, allow_expired: bool = False) -> tuple[str, dict[str, Any]]:
        """The draft's single-use id and answers. ``allow_expired`` is for giving the
        answers back to the form, never for sending."""
        if not token or len(token) > 60_000:
            raise DraftError("invalid")
        try:
            raw = self._fernet.decrypt(token.encode(), ttl=None if allow_expired else DRAFT_MAX_AGE)
        except InvalidToken:
            try:
                self._fernet.decrypt(token.encode())
            except InvalidToken:
                raise DraftError("invalid") from None
            raise DraftError("expired") from None
        body = json.loads(raw.decode())
        if not isinstance(body, dict) or body.get("v") != 1 or not isinstance(body.get("answers"), dict):
            raise DraftError("invalid")
        return str(body["nonce"]), body["answers"]


def nonce_hash(nonce: str) -> str:
    """What is stored to remember that a draft was sent: never the nonce itself."""
    return hashlib.sha256(nonce.encode()).hexdigest()
