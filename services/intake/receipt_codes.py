"""Receipt codes: random words a reporter writes down, stored only as a keyed hash.

A code is six words drawn with ``secrets`` from a shipped list of 2,469 words: 2,469^6
codes, 67.6 bits. What a report stores is::

    receipt_key = "v2:" + base64url(HMAC-SHA256(pepper, code))

``pepper`` is derived from PORTAL_INTAKE_RECEIPT_KEY (falling back to the intake secret
key), which lives in the environment, never in the database. Without it a copy of the
database cannot test a single guess; with it a guess costs one HMAC, against 2^67.6
possible codes. The code is random and used nowhere else, so a slow hash would add nothing
a thief holding the pepper could not already do (docs/adr/0005-receipt-codes.md).

Reports sent before version 2 hold ``HMAC-SHA256(pepper_v1, Argon2id(code, salt))`` in hex
(64 characters, no prefix). While any such row exists, a look-up also computes that key,
and a report found by it is given its v2 key there and then.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from functools import cache
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw

WORDS_FILE = Path(__file__).parent / "data" / "receipt_words.txt"
CODE_WORDS = 6
V2_PREFIX = "v2:"
# Every look-up answer takes at least this long, so a hit and a miss look the same.
LOOKUP_FLOOR_SECONDS = 0.25
# Look-ups one process serves at once. Each holds a thread for the floor, so the rest of
# the threads (4 by default) stay free for reports however many wrong codes arrive.
LOOKUP_SLOTS = 2
# Version 1 only: the Argon2id cost of keys stored before version 2.
V1_ARGON2_TIME = 2
V1_ARGON2_MEMORY_KIB = 19 * 1024


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


def _as_code(raw: str) -> str:
    """What typed text is hashed as: its canonical code, or the junk itself (never a code)."""
    code = normalise(raw)
    return code if code is not None else "-" * CODE_WORDS + raw[:200]


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # junk from JSON may hold lone surrogates


class ReceiptKeys:
    """Turns codes into lookup keys with secrets derived from the receipt key."""

    def __init__(self, secret_key: str):
        root = secret_key.encode()
        self._pepper = hmac.new(root, b"intake receipt pepper v2", hashlib.sha256).digest()
        self._v1_salt = hmac.new(root, b"intake receipt salt v1", hashlib.sha256).digest()[:16]
        self._v1_pepper = hmac.new(root, b"intake receipt pepper v1", hashlib.sha256).digest()

    def lookup_key(self, code: str) -> str:
        """The key stored with a new report (46 characters)."""
        mac = hmac.new(self._pepper, _bytes(code), hashlib.sha256).digest()
        return V2_PREFIX + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def key_for_input(self, raw: str) -> str:
        """A key for anything typed: malformed input costs the same as a real code."""
        return self.lookup_key(_as_code(raw))

    def v1_key(self, code: str) -> str:
        """The key reports sent before version 2 hold (about 30 ms of Argon2id)."""
        slow = hash_secret_raw(
            secret=_bytes(code),
            salt=self._v1_salt,
            time_cost=V1_ARGON2_TIME,
            memory_cost=V1_ARGON2_MEMORY_KIB,
            parallelism=1,
            hash_len=32,
            type=Type.ID,
        )
        return hmac.new(self._v1_pepper, slow, hashlib.sha256).hexdigest()

    def v1_key_for_input(self, raw: str) -> str:
        return self.v1_key(_as_code(raw))


def is_v1_key(key: str) -> bool:
    return not key.startswith(V2_PREFIX)


class V1KeysSeen:
    """Whether any report still holds a v1 key, as last asked of the database.

    Asked again after ``recheck`` seconds while the answer is yes (rows are re-keyed as
    their codes are used); never again once it is no, since new reports get v2 keys only.
    """

    def __init__(self, recheck: float = 600.0):
        self._recheck = recheck
        self._lock = threading.Lock()
        self._present: bool | None = None
        self._asked_at = 0.0

    def stale(self) -> bool:
        with self._lock:
            if self._present is None:
                return True
            return self._present and time.monotonic() - self._asked_at > self._recheck

    def record(self, present: bool) -> None:
        with self._lock:
            self._present, self._asked_at = present, time.monotonic()

    @property
    def present(self) -> bool:
        with self._lock:
            return bool(self._present)


class LookupGate:
    """At most ``slots`` receipt look-ups at once in this process; the next is turned away
    at once rather than queued, so look-ups can never hold every thread."""

    def __init__(self, slots: int = LOOKUP_SLOTS):
        self._slots = threading.BoundedSemaphore(slots)

    def try_enter(self) -> bool:
        return self._slots.acquire(blocking=False)

    def leave(self) -> None:
        self._slots.release()


def pad_to_floor(started: float, floor: float = LOOKUP_FLOOR_SECONDS) -> None:
    """Sleep until ``floor`` seconds after ``started`` (a time.monotonic() value)."""
    remaining = floor - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)
