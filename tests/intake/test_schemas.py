"""The OpenAPI patterns say what the validators check: data the document accepts is accepted."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from services.intake.schemas import (
    ACCOUNT_MAX,
    READABLE_TEXT,
    SOME_TEXT,
    FollowUpInputSchema,
    ReportInputSchema,
    months_up_to,
)

# Whitespace and control characters are over-represented: they are where the rules bite.
_EDGES = "\t\n\r \x00\x01\x0b\x0c\x1c\x1f\x85\xa0\u2000\u2028\u3000\ufffd\ufeff"
texts = st.text(st.one_of(st.sampled_from(_EDGES), st.characters(codec="utf-8")), max_size=40)


def ecma(pattern: str) -> re.Pattern[str]:
    """A JSON Schema (ECMA) pattern in Python's re: the same syntax here, except that "$"
    must not match before a final newline."""
    return re.compile(pattern.replace("$", r"\Z"))


def _account_accepted(value: str) -> bool:
    try:
        ReportInputSchema().load({"account": value})
    except ValidationError:
        return False
    return True


def _help_accepted(value: str) -> bool:
    try:
        ReportInputSchema().load({"account": "ok", "what_would_help": value})
    except ValidationError:
        return False
    return True


@settings(max_examples=400, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_the_text_patterns_match_the_validators(value):
    assert bool(ecma(SOME_TEXT).search(value)) == _account_accepted(value)
    assert bool(ecma(READABLE_TEXT).search(value)) == _help_accepted(value)
    try:
        FollowUpInputSchema().load({"code": "x", "note": value})
        note_ok = True
    except ValidationError:
        note_ok = False
    assert note_ok == bool(ecma(SOME_TEXT).search(value))


def test_lengths_are_counted_after_trimming_so_the_document_is_the_stricter():
    assert _account_accepted("x" * ACCOUNT_MAX + "\n")
    assert not _account_accepted("x" * (ACCOUNT_MAX + 1))


@pytest.mark.parametrize(("year", "month"), [(2026, 3), (2026, 10), (2026, 12), (2030, 1), (1999, 9), (2100, 11)])
def test_the_month_pattern_is_every_month_up_to_this_one(year, month):
    pattern = ecma(months_up_to(year, month))
    limit = f"{year:04d}-{month:02d}"
    assert pattern.fullmatch("")
    for y in range(0, 10_000, 7 if year != 2026 else 1):
        for m in range(1, 13):
            value = f"{y:04d}-{m:02d}"
            assert bool(pattern.fullmatch(value)) == (value <= limit), value
    for wrong in ("2026-00", "2026-13", "226-01", "2026-1", "２０２６-01", "2026-01\n"):
        assert not pattern.search(wrong)
