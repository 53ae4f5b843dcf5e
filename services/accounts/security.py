"""Secrets derived from the service's secret key, hashing of one-time tokens, and the clock."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


@dataclass
class Clock:
    """Time for sessions, lockouts, invitations and codes. Tests move ``offset`` instead of sleeping."""

    offset: float = 0.0
    fixed: float | None = field(default=None)

    def now(self) -> float:
        return (self.fixed if self.fixed is not None else time.time()) + self.offset

    def minute(self) -> int:
        return int(self.now() // 60)


def _derive(secret_key: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret_key.encode())


class Secrets:
    """Keys derived from PORTAL_ACCOUNTS_SECRET_KEY with HKDF, one per purpose.

    Changing the secret key makes stored TOTP secrets and the signing key unreadable, so
    everyone would have to set up two-factor again: rotate it only with that in mind.
    """

    def __init__(self, secret_key: str):
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(secret_key, b"accounts at-rest encryption v1")))
        self._mac_key = _derive(secret_key, b"accounts lookup digests v1")

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode()).decode()

    def digest(self, value: str) -> str:
        """HMAC-SHA256 (hex) for values looked up but never shown again (recovery codes, emails)."""
        return hmac.new(self._mac_key, value.encode(), hashlib.sha256).hexdigest()


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def new_public_id() -> str:
    """An opaque random id (the `sub` of an account, the `sid` of a session)."""
    return secrets.token_hex(16)
