"""Password rules (NCSC guidance: length over complexity, refuse the commonest) and hashing."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 256
COMMON_LIST = Path(__file__).resolve().parent / "data" / "common_passwords.txt"
HINT = (
    f"Use at least {MIN_LENGTH} characters. Three random words together make a good password that is easy "
    "to remember, for example 'kettle orbit tulip'. Do not use a password you use anywhere else."
)

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Hashed when an email has no account, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, only here to spend the same time")


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(
        line.strip().lower() for line in COMMON_LIST.read_text(encoding="utf-8").splitlines() if line.strip()
    )


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """What is wrong with a new password, in words for the person choosing it, or None."""
    if not password:
        return "Enter a password"
    if len(password) < MIN_LENGTH:
        return f"Your password must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"Your password must be {MAX_LENGTH} characters or fewer"
    squashed = _squash(password)
    if password.lower() in common_passwords() or squashed in common_passwords() or len(set(squashed)) < 4:
        return "This password is too common or too easy to guess. Choose a different one"
    local = _squash(email.split("@", 1)[0]) if email else ""
    if local and len(local) >= 3 and local in squashed:
        return "Your password must not contain your email address"
    for part in re.split(r"\s+", name.strip()):
        part = _squash(part)
        if len(part) >= 3 and part in squashed:
            return "Your password must not contain your name"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; with no hash (unknown email) spends the same time and says False."""
    try:
        if password_hash is None:
            _hasher.verify(_DUMMY_HASH, password)
            return False
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
