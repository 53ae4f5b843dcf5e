"""The spaCy model is heavy: load it once for the whole test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.redactor.pipeline import Redactor, load_redactor
from services.redactor.pipeline.rules_places import load_places_csv

EXAMPLE_PLACES = Path(__file__).resolve().parents[2] / "services/redactor/data/places_example.csv"


@pytest.fixture(scope="session")
def redactor() -> Redactor:
    return load_redactor()


@pytest.fixture(scope="session")
def general_redactor(redactor: Redactor) -> Redactor:
    """The same model and vocabulary with the public-set quirk rules switched off."""
    return Redactor(redactor.nlp, redactor.vocab, quirks=False)


@pytest.fixture(scope="session")
def redactor_with_places(redactor: Redactor) -> Redactor:
    """Same model and vocabulary, plus the example organisation's places CSV."""
    return Redactor(redactor.nlp, redactor.vocab, load_places_csv(EXAMPLE_PLACES))


def visible(result_text: str, secret: str) -> bool:
    return secret in result_text
