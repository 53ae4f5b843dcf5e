"""Receipt codes: random words a reporter writes down, stored only as a slow keyed hash.

A code is six words drawn with ``secrets`` from a shipped list of about 2,400 words
(about 67 bits). What is stored is::

    lookup_key = HMAC-SHA256(pepper, argon2id(code, salt))

``salt`` and ``pepper`` are derived from the intake secret key, so the same code always
gives the same key (that is what makes look-up by code possible) while a copy of the
database alone cannot be searched: without the secret key no guess can be checked, and
with it every guess still costs an Argon2id computation. See docs/adr/0005-receipt-codes.md.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from functools import cache
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw

WORDS_FILE = Path(__file__).parent / "data" / "receipt_words.txt"
CODE_WORDS = 6
# Argon2id cost: about 20-40 ms on one core. Every look-up pays it, right or wrong.
ARGON2_TIME = 2
ARGON2_MEMORY_KIB = 19 * 1024
# Every look-up answer takes at least this long, so a hit and a miss look the same.
LOOKUP_FLOOR_SECONDS = 0.25


@cache
def words() -> tuple[str, ...]:
    lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()
    found = tuple(w.strip() for w in lines if w.strip() and not w.startswith("#"))
    if len(found) < 2000 or len(set(found)) != len(found):
        raise RuntimeError("the receipt word list is damaged")
    return found


def new_code() -> str:
    pool = words()
    return "-".join(secrets.choice(pool) for _ in range(CODE_WORDS))


_SPLIT = re.compile(r"[^a-z]+")


def normalise(raw: str) -> str | None:
    """The canonical form of what someone typed, or None if it cannot be a code.

    Case, spaces, hyphens, commas and full stops between words do not matter.
    """
    parts = [p for p in _SPLIT.split(raw.lower()) if p]
    if len(parts) != CODE_WORDS:
        return None
    return "-".join(parts)


class ReceiptKeys:
    """Turns codes into lookup keys with secrets derived from the intake secret key."""

    def __init__(self, secret_key: str):
        root = secret_key.encode()
        self._salt = hmac.new(root, b"intake receipt salt v1", hashlib.sha256).digest()[:16]
        self._pepper = hmac.new(root, b"intake receipt pepper v1", hashlib.sha256).digest()

    def lookup_key(self, code: str) -> str:
        slow = hash_secret_raw(
            secret=code.encode("utf-8", "surrogatepass"),  # junk may hold lone surrogates
            salt=self._salt,
            time_cost=ARGON2_TIME,
            memory_cost=ARGON2_MEMORY_KIB,
            parallelism=1,
            hash_len=32,
            type=Type.ID,
        )
        return hmac.new(self._pepper, slow, hashlib.sha256).hexdigest()

    def key_for_input(self, raw: str) -> str:
        """A key for anything typed: malformed input costs the same as a real code."""
        code = normalise(raw)
        return self.lookup_key(code if code is not None else "-" * CODE_WORDS + raw[:200])


def pad_to_floor(started: float, floor: float = LOOKUP_FLOOR_SECONDS) -> None:
    """Sleep until ``floor`` seconds after ``started`` (a time.monotonic() value)."""
    remaining = floor - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)
