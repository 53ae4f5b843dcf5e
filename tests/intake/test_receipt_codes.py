"""Receipt keys (version 2, and reports that still hold version-1 keys) and the look-up gate."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from portal_common.db import unit_of_work
from services.intake import receipt_codes
from services.intake.models import Submission
from services.intake.operations import look_up_receipt, records, send_report
from services.intake.operations.outcomes import Busy, NotFound
from services.intake.receipt_codes import LOOKUP_SLOTS, ReceiptKeys, new_code, normalise

from ..conftest import make_app


def test_keys_are_keyed_hashes_that_depend_on_the_secret_only():
    code = new_code()
    keys, other = ReceiptKeys("k" * 40), ReceiptKeys("j" * 40)
    key = keys.lookup_key(code)
    assert key.startswith("v2:") and len(key) == 46
    assert key == ReceiptKeys("k" * 40).lookup_key(code) != other.lookup_key(code)
    assert keys.key_for_input(code.upper().replace("-", " , ")) == key
    assert not any(word in key for word in code.split("-"))
    assert keys.key_for_input("x") != keys.key_for_input("y")
    assert keys.key_for_input("\ud800").startswith("v2:")  # junk with a lone surrogate


def test_codes_draw_six_words_from_the_whole_list():
    assert len(receipt_codes.words()) == 2469
    code = new_code()
    assert normalise(code) == code and len(code.split("-")) == 6


@pytest.fixture
def ctx(intake_app):
    return intake_app.extensions["intake"]


def _store_v1_report(ctx, code: str) -> str:
    with unit_of_work(ctx.sessions) as session:
        row = records.submit_report(session, ctx.cipher, {"account": "Sent before version 2."},
                                    receipt_key=ctx.receipt_keys.v1_key(code))
        return row.id


def test_a_version_1_code_still_finds_its_report_and_is_re_keyed(ctx, settings_for, client):
    code = new_code()
    report_id = _store_v1_report(ctx, code)
    found = client.post("/api/v1/receipts/lookup", json={"code": code.replace("-", " ")})
    assert found.status_code == 200
    with unit_of_work(ctx.sessions) as session:
        assert session.get(Submission, report_id).receipt_key == ctx.receipt_keys.lookup_key(code)
        assert not records.has_v1_receipt_keys(session)
    assert client.post("/api/v1/receipts/lookup", json={"code": code}).status_code == 200
    # A process started now knows at its first look-up that no version-1 key is left.
    fresh = make_app("intake", settings_for("intake"))
    try:
        assert fresh.test_client().post("/api/v1/receipts/lookup", json={"code": "no such code"}).status_code == 404
        assert fresh.extensions["intake"].v1_keys.present is False
        assert fresh.extensions["intake"].v1_keys.stale() is False
    finally:
        fresh.extensions["portal"]["engine"].dispose()


def test_no_argon2_runs_when_no_version_1_key_is_left(ctx, monkeypatch):
    code = send_report(ctx, {"account": "It happened."}).receipt_code
    monkeypatch.setattr(receipt_codes, "hash_secret_raw", lambda **_kw: pytest.fail("Argon2id ran"))
    assert look_up_receipt(ctx, {"code": code})["status"] == "received"


def test_wrong_codes_try_version_1_keys_too_while_some_remain(ctx, monkeypatch):
    _store_v1_report(ctx, new_code())
    calls = []
    real = receipt_codes.hash_secret_raw
    monkeypatch.setattr(receipt_codes, "hash_secret_raw", lambda **kw: calls.append(1) or real(**kw))
    with pytest.raises(NotFound):
        look_up_receipt(ctx, {"code": "apple " * 6})
    assert calls == [1]


def test_look_ups_beyond_the_slots_are_turned_away_at_once(ctx, client, forms):
    code = send_report(ctx, {"account": "It happened."}).receipt_code
    taken = [ctx.lookups.try_enter() for _ in range(LOOKUP_SLOTS)]
    assert all(taken) and not ctx.lookups.try_enter()
    try:
        with pytest.raises(Busy):
            look_up_receipt(ctx, {"code": code})
        started = time.monotonic()
        response = client.post("/api/v1/receipts/lookup", json={"code": code})
        assert time.monotonic() - started < receipt_codes.LOOKUP_FLOOR_SECONDS
        assert response.status_code == 503 and response.headers["Retry-After"] == "1"
        assert "Try again in a moment" in response.get_json()["errors"]["_schema"][0]
        page = forms.post("/receipt", {"code": code}, token_from="/receipt")
        assert page.status_code == 503 and "try again in a moment" in page.get_data(as_text=True)
        # Reports are not held back by look-ups.
        assert client.post("/api/v1/reports", json={"account": "Meanwhile."}).status_code == 202
    finally:
        for _ in taken:
            ctx.lookups.leave()
    assert client.post("/api/v1/receipts/lookup", json={"code": code}).status_code == 200
    with unit_of_work(ctx.sessions) as session:
        assert len(session.scalars(select(Submission)).all()) == 2
