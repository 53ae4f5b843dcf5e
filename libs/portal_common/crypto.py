"""Encryption of report text in flight between intake and the redactor."""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = ["InvalidToken", "TextCipher", "new_key"]


def new_key() -> str:
    return Fernet.generate_key().decode()


class TextCipher:
    """Fernet (AES-128-CBC + HMAC-SHA256) with key rotation: the first key encrypts."""

    def __init__(self, keys: tuple[str, ...] | list[str]):
        if not keys:
            raise ValueError("at least one key is needed")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    def encrypt_json(self, value: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(value, ensure_ascii=False).encode()).decode()

    def decrypt_json(self, token: str) -> dict[str, Any]:
        """Raises InvalidToken on a wrong key or tampered token."""
        data = json.loads(self._fernet.decrypt(token.encode()).decode())
        if not isinstance(data, dict):
            raise InvalidToken
        return data
