"""Anonymity helpers: the rate-limit key and the sealed draft.

Rate-limit key
    flask-limiter needs a key per client. We give it the first 24 bits of
    HMAC-SHA256(day key, address), where the day key is HMAC(rate-limit secret, today's
    date) and the rate-limit secret is derived from the intake secret key, so every worker
    and every replica computes the same key and the counters in Redis hold across them.
    A key names a bucket of about 256 IPv4 addresses rather than one, cannot be computed
    without the secret (which is never stored beside the counters), and stops matching the
    next day (see docs/adr/0006-rate-limit-keys.md).

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
import logging
import secrets
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from flask import request

DRAFT_MAX_AGE = 2 * 60 * 60  # seconds a checked draft can wait before it must be re-checked


BUCKET_HEX = 6  # 24 bits: a key names one of 16.7 million buckets, ~256 IPv4 addresses each


class DayKeys:
    """Rate-limit keys: the same in every process that shares the intake secret key."""

    def __init__(self, secret_key: str) -> None:
        self._secret = hmac.new(secret_key.encode(), b"intake rate-limit key v2", hashlib.sha256).digest()
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
        return digest.hexdigest()[:BUCKET_HEX]


def limiter_key(day_keys: DayKeys):
    def _key() -> str:
        return day_keys.client_key(request.remote_addr)

    return _key


class NoClientKeyInLogs(logging.Filter):
    """flask-limiter logs the key of a client that went over a limit; drop it from the line.

    The key is a keyed hash, but one line per breach would still link one address's
    requests across a day. The line keeps the limit and the endpoint.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith("ratelimit") and len(record.args or ()) == 3:
            limit, _key, scope = record.args  # type: ignore[misc]
            record.msg, record.args = "ratelimit %s exceeded at endpoint: %s", (limit, scope)
        return True


def hide_client_keys() -> None:
    logger = logging.getLogger("flask-limiter")
    if not any(isinstance(f, NoClientKeyInLogs) for f in logger.filters):
        logger.addFilter(NoClientKeyInLogs())


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
