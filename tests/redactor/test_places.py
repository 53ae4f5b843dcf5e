"""Places that identify: postcodes, addresses, named wards and sites, the organisation's CSV."""

from __future__ import annotations

import pytest

from services.redactor.pipeline.rules_places import load_places_csv
from services.redactor.pipeline.types import RedactionError

CASES = [
    ("I live near LS6 2QR and walk in.", "2QR", "[POSTCODE]"),
    ("My postcode is sw1a1aa, central.", "sw1a1aa", "[POSTCODE]"),
    ("Patients from the BD7 area said it.", "BD7", "[POSTCODE]"),
    ("She lives at 14 Fernhill Road, Halifax.", "Fernhill", "[ADDRESS]"),
    ("Post it to Flat 3, 27 Cedar Close please.", "Cedar", "[ADDRESS]"),
    ("It happened on Rowan Ward during nights.", "Rowan", "[WORKPLACE]"),
    ("I work on Ward 23 most weeks.", "Ward 23", "[WORKPLACE]"),
    ("Back at St Aldhelm's Hospital the same thing.", "Aldhelm", "[WORKPLACE]"),
    ("Our team at Elmtree Medical Practice laughed.", "Elmtree", "[WORKPLACE]"),
]


@pytest.mark.parametrize(("text", "secret", "placeholder"), CASES)
def test_place_is_replaced(redactor, text, secret, placeholder):
    result = redactor.redact(text)
    assert secret not in result.redacted
    assert placeholder in result.redacted


@pytest.mark.parametrize(
    "text",
    [
        "I work in the Emergency Department.",
        "She was moved to the Intensive Care Unit.",
        "Our Stroke Unit has a new manager.",
    ],
)
def test_generic_departments_stay(redactor, text):
    assert redactor.redact(text).redacted == text


def test_org_csv_names_and_aliases(redactor, redactor_with_places):
    text = "It happened on Kestrel during my shift, then again at Riverside General."
    plain = redactor.redact(text).redacted
    with_csv = redactor_with_places.redact(text).redacted
    # "Riverside General" is made of ordinary words: only the organisation's list knows it.
    assert "Riverside General" in plain
    assert with_csv == "It happened on [WORKPLACE] during my shift, then again at [WORKPLACE]."


def test_places_csv_needs_name_column(tmp_path):
    bad = tmp_path / "places.csv"
    bad.write_text("site,kind\nSecret General,site\n", encoding="utf-8")
    with pytest.raises(RedactionError) as info:
        load_places_csv(bad)
    assert "Secret" not in str(info.value)


def test_missing_places_csv_is_a_clear_error(tmp_path):
    with pytest.raises(RedactionError, match="cannot read places CSV"):
        load_places_csv(tmp_path / "nope.csv")
