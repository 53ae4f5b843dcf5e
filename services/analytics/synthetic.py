"""Realistic synthetic coded reports, for the disclosure audit, the benchmarks and demos.

Skewed the way real reporting is: a few large employers and many small ones, race the most
common characteristic and often combined with religion or sex, colleagues and patients the
commonest sources, answers sometimes left blank. No free text: analytics never has any.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from portal_common import taxonomy

CHARACTERISTIC_WEIGHTS = {
    "race": 50,
    "religion_belief": 14,
    "sex": 14,
    "age": 8,
    "disability": 8,
    "sexual_orientation": 6,
    "pregnancy_maternity": 3,
    "gender_reassignment": 2,
    "marriage_civil_partnership": 1,
    "not_sure": 3,
    "other": 2,
    taxonomy.PREFER_NOT_TO_SAY: 2,
}


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _codes(question: str) -> list[str]:
    choices = {q.name: q.choices for q in taxonomy.QUESTIONS}[question]
    assert choices is not None
    return taxonomy.codes(choices)


def report(rng: random.Random, organisations: Sequence[str], week: dt.date) -> dict[str, Any]:
    """One report's coded answers (the shape analytics stores)."""
    size = {code: 1.0 / (i + 1) ** 1.1 for i, code in enumerate(organisations)}
    size[taxonomy.PREFER_NOT_TO_SAY] = 0.15
    organisation = _weighted(rng, size) if rng.random() > 0.05 else None

    def one(question: str, favourites: dict[str, float] | None = None, blank: float = 0.05) -> str | None:
        if rng.random() < blank:
            return None
        weights = {code: 1.0 for code in _codes(question)}
        weights.update(favourites or {})
        return _weighted(rng, weights)

    characteristics = {_weighted(rng, CHARACTERISTIC_WEIGHTS)}
    while rng.random() < 0.3:
        characteristics.add(_weighted(rng, CHARACTERISTIC_WEIGHTS))
    sources = {
        _weighted(
            rng,
            {
                "colleague": 40,
                "patient": 25,
                "line_manager": 12,
                "senior_leader": 8,
                "relative_visitor": 8,
                "educator_mentor": 3,
                "contractor_agency": 2,
                "other": 2,
            },
        )
    }
    if rng.random() < 0.15:
        sources.add("colleague")
    themes = set(rng.sample([t.code for t in taxonomy.THEMES], k=rng.choice((0, 1, 1, 2, 2, 3))))
    return {
        "submitted_week": week,
        "organisation": organisation,
        "experience": one("experience", {"experienced": 6, "witnessed": 3}),
        "characteristics": sorted(characteristics),
        "sources": sorted(sources),
        "setting": one("setting", {"acute": 8, "community": 3, "mental_health": 3, "primary_care": 2}),
        "staff_group": one(
            "staff_group",
            {
                "nursing_midwifery": 8,
                "medical_dental": 4,
                "healthcare_support": 4,
                "allied_health": 3,
                "admin_clerical": 3,
            },
        ),
        "internationally_recruited": one("internationally_recruited", {"no": 3}, blank=0.2),
        "occurred_month": week.strftime("%Y-%m"),
        "impact": one("impact", {"3": 3, "4": 2}, blank=0.1),
        "raised_formally": one("raised_formally", {"no": 6}, blank=0.1),
        "themes": sorted(themes),
    }


def reports(
    seed: int, organisations: Sequence[str], first_week: dt.date, weeks: int, per_week: float
) -> Iterator[dict[str, Any]]:
    """``per_week`` reports a week on average (Poisson-ish), from ``first_week`` (a Monday)."""
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
    for n in range(weeks):
        week = first_week + dt.timedelta(weeks=n)
        count = max(0, int(rng.gauss(per_week, per_week**0.5)))
        for _ in range(count):
            yield report(rng, organisations, week)
