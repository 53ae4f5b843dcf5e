"""Failures say what went wrong, never what the report said."""

from __future__ import annotations

import pytest

from services.redactor.pipeline import RedactionError, load_redactor


def test_non_string_item_is_rejected_without_echoing_the_batch(redactor):
    secret = "Sarah Okonkwo lives at 14 Fernhill Road"
    with pytest.raises(RedactionError) as info:
        redactor.redact_batch([secret, 42])
    assert "item 1" in str(info.value)
    assert "Sarah" not in str(info.value) and "Fernhill" not in str(info.value)


def test_unknown_model_is_a_clear_error():
    with pytest.raises(RedactionError, match="not installed"):
        load_redactor(model="no_such_model_xyz")


def test_placeholders_are_left_alone(redactor):
    text = "[PERSON 2] told [PERSON 1] to email [EMAIL] from [WORKPLACE]."
    result = redactor.redact(text)
    assert result.redacted == text
    assert result.entities == []


def test_new_people_are_numbered_after_existing_placeholders(redactor):
    result = redactor.redact("[PERSON 1] and Tomasz Nowak argued.")
    assert result.redacted == "[PERSON 1] and [PERSON 2] argued."


def test_empty_and_whitespace_reports(redactor):
    results = redactor.redact_batch(["", "   \n"])
    assert [r.redacted for r in results] == ["", "   \n"]
    assert all(r.entities == [] and r.themes == [] for r in results)


def test_pathological_input_stays_fast(redactor):
    import time

    text = " ".join(["Rowan"] * 5000)  # every word a possible name: once took 40 s
    started = time.perf_counter()
    result = redactor.redact(text)
    assert time.perf_counter() - started < 15
    assert "Rowan" not in result.redacted
