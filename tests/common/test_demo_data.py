"""Demo data must be valid input, varied, and carry the personal details redaction removes."""

from __future__ import annotations

import random

from portal_ops.demo_data import synthetic_report
from services.intake.schemas import ReportInputSchema


def test_synthetic_reports_are_valid_and_varied():
    rng = random.Random(7)
    reports = [synthetic_report(rng) for _ in range(300)]
    schema = ReportInputSchema()
    for report in reports:
        schema.load(report)
    assert len({r["account"] for r in reports}) > 100
    assert len({c for r in reports for c in r["characteristics"]}) >= 8
    assert any("@example.nhs.uk" in r["account"] for r in reports)
    assert any("07700 900" in r["account"] for r in reports)
    assert {r["organisation"] for r in reports} >= {"DEMO1", "DEMO5", "prefer_not_to_say", None}
    assert 0.2 < sum(r["training_consent"] for r in reports) / len(reports) < 0.6
